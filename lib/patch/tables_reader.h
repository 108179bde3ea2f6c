/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_TABLES_READER_H
#define KLP_TABLES_READER_H

/*
 * What the readers of the klp tables share, inside patch/: the layout they
 * read with, from DWARF (layout_dwarf.c) or guessed (layout_guess.c), and the
 * reading of one field (klp_tables.c).
 */

#include <stdbool.h>
#include <stdint.h>

#include "base/report.h"
#include "elf/elf_file.h"

struct layout {
	uint64_t func_size, func_old_name, func_new_func, func_old_sympos;
	uint64_t obj_size, obj_name, obj_funcs;
	uint64_t patch_size, patch_mod, patch_objs;
	bool have_func, have_obj, have_patch;	/* from DWARF, size included */
};

struct reader {
	struct elf_file *elf;
	struct check_report *rep;
	struct layout lay;
	int errors;
};

/* A pointer field: NULL, or a place in a section, or an undefined symbol. */
struct ptr {
	bool null;
	struct symbol *sym;
	struct section *sec;	/* NULL when sym is undefined */
	uint64_t off;
};

/* Where a klp_patch variable is, as a section and offset of the module. */
struct patch_var {
	struct section *sec;
	uint64_t off;
	char *name;		/* its variable's, from DWARF; NULL without */
};

/* A table-malformed error, counted in r->errors. */
void tables_error(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The pointer field at off of sec; false (reported) when it cannot be read. */
bool tables_read_ptr(struct reader *r, const struct section *sec, uint64_t off, struct ptr *p);

/*
 * The layout from the module's DWARF, and the klp_patch variable when DWARF
 * names one. False when the DWARF lacks any of the three structures or
 * gives a layout not to be trusted; r->lay and pv are then partly filled.
 */
bool layout_from_dwarf(struct reader *r, struct patch_var *pv);

/* The fields every kernel since v5.1 keeps first; sizes unknown. */
void layout_guess(struct layout *l);
/* A klp_patch recognised by its relocations, when DWARF named none. */
bool find_patch_by_relocs(struct reader *r, struct patch_var *pv);
/* Array strides from the arrays' symbols, or v6.1's LP64 sizes. */
uint64_t guess_func_stride(struct reader *r, const struct section *sec, uint64_t start);
uint64_t guess_obj_stride(struct reader *r, const struct section *sec, uint64_t start);

#endif
