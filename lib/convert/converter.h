/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_CONVERTER_H
#define KLP_CONVERTER_H

/* What resolve.c and convert.c share: one conversion's state. Private. */

#include <stdbool.h>
#include <string.h>

#include "base/hashtab.h"
#include "convert/convert.h"
#include "elf/arch.h"
#include "patch/annotations.h"

#define KLP_SYM_NAME_MAX 511	/* %511[^,] in klp_resolve_symbols() since 6.1 */

/* Where one symbol of the module resolves. */
struct klp_target {
	struct symbol *sym;
	char *name;		/* in the target object */
	char *obj;		/* the object defining it */
	char *lp_obj;		/* the object whose patch applies its relocations */
	unsigned long pos;
	const char *how;
	unsigned int moved;
	bool caveat_told;	/* a rule's module_caveat was printed for it */
};

struct converter {
	struct elf_file *elf;
	const struct arch *arch;
	const struct convert_opts *opts;
	const char *self;		/* the livepatch module's own runtime name */
	struct annotations ann;
	struct klp_target **targets;	/* by symbol index */
	struct klp_target **list;
	size_t nr, alloc;
	struct hashtab klp_secs;		/* the .klp.rela sections used, by index */
	unsigned int errors;
	bool warned_no_versions;
	struct convert_stats *stats;
};

static inline bool is_vmlinux(const char *obj)
{
	return !strcmp(obj, "vmlinux");
}

/* "section+offset (in function)" for messages; a linear search, errors only. */
char *convert_site(const struct section *sec, uint64_t offset);

/*
 * Decide, for every undefined symbol, whether the loader resolves it
 * (exported) or livepatch must, and where it lives: c->targets.
 */
void convert_resolve_symbols(struct converter *c);

#endif
