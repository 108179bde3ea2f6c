/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_TABLES_H
#define KLP_TABLES_H

/*
 * The livepatch module's own description of what it patches: its struct
 * klp_patch, klp_object and klp_func arrays (include/linux/livepatch.h),
 * read from the module file.
 */

#include <stdbool.h>
#include <stdint.h>

#include "base/report.h"
#include "elf/elf_file.h"
#include "symbols/symmap.h"

struct klp_func_entry {
	char *old_name;		/* NULL: a NULL pointer */
	char *new_func;		/* the replacement, by symbol name; NULL: a NULL pointer */
	uint64_t old_sympos;
	size_t index;		/* in its array */
};

struct klp_object_entry {
	char *name;		/* NULL: vmlinux */
	bool has_funcs;
	struct klp_func_entry *funcs;
	size_t nr_funcs;
};

struct klp_tables {
	char *patch;		/* where the klp_patch is: its symbol name */
	bool from_dwarf;	/* layout from DWARF, else v6.1's leading fields */
	struct klp_object_entry *objs;
	size_t nr_objs;
};

/*
 * Find and read the tables. Returns 0 when read, 1 when the module has no
 * klp_patch (nothing reported), -1 when they are malformed (errors added
 * to rep, or printed when rep is NULL).
 */
int klp_read_tables(struct elf_file *elf, struct klp_tables *t, struct check_report *rep);
void klp_tables_release(struct klp_tables *t);

/* Add the patched functions' names to names: for a map loaded with symmap_load_names(). */
void klp_tables_add_names(const struct klp_tables *t, struct strset *names);

/* The map's name for a klp_object: "vmlinux" for NULL. */
static inline const char *klp_object_name(const struct klp_object_entry *o)
{
	return o->name ? o->name : "vmlinux";
}

/* Checking them against a symbol map: check/tables_check.h. */

#endif
