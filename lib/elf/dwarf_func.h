/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_DWARF_FUNC_H
#define KLP_DWARF_FUNC_H

/*
 * What an object's DWARF says of one function by name: where it is
 * declared, whether it is inline, and each out-of-line instance gcc emitted
 * (the function itself or a clone), with its ELF symbol and calling
 * convention.
 */

#include <stdbool.h>
#include <stddef.h>

struct dwarf_instance {
	char *symbol;		/* foo, foo.isra.0: the symbol at its code */
	int calling_convention;	/* DW_AT_calling_convention, DW_CC_normal when absent */
};

struct dwarf_func {
	bool found;		/* some DIE names it */
	char *decl_file;	/* as the CU names it (include/linux/x.h), or NULL */
	unsigned int decl_line;
	bool external;		/* DW_AT_external: not static */
	bool declared_inline;	/* DW_AT_inline says so (DW_INL_declared_*) */
	struct dwarf_instance *inst;
	size_t nr_inst, alloc_inst;
};

/*
 * Read path's DWARF for name. Returns 0 (found or not: out->found), or -1
 * with the error printed (unreadable, no DWARF).
 */
int dwarf_func_read(const char *path, const char *name, struct dwarf_func *out);
void dwarf_func_release(struct dwarf_func *f);

#endif
