/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_DWARF_INLINE_H
#define KLP_DWARF_INLINE_H

/*
 * Where the compiler copied a function's body into other functions, as the
 * debug information (DW_TAG_inlined_subroutine) or gcc's -fdump-ipa-clones
 * report tells. Patching a function leaves those copies running old code.
 */

#include <elfutils/libdwfl.h>
#include <stddef.h>

#include "base/util.h"

/* One inlined copy of callee inside the out-of-line function container. */
struct inline_edge {
	char *callee;
	char *container;	/* ELF symbol name when known (foo.constprop.0), else DWARF name */
	char *via;		/* functions inlined in between, outermost first, or NULL */
	char *cu;		/* DWARF: the compilation unit (fs/namei.c), or NULL */
};

struct inline_edges {
	struct inline_edge *v;
	size_t nr, alloc;
};

void inline_edges_add(struct inline_edges *e, const char *callee, const char *container,
		      const char *via);
void inline_edges_release(struct inline_edges *e);

/*
 * DWARF of one file, relocated: libdw alone reads a relocatable object's
 * .debug_info with every string offset still zero, libdwfl applies the
 * relocations first.
 */
struct dwarf_file {
	Dwfl *dwfl;
	Dwfl_Module *mod;
	Dwarf *dw;
	Dwarf_Addr bias;
	char *image;		/* a compressed file's ELF image, which dwfl reads */
};

/* 0: open; 1: the file has no DWARF (nothing printed); -1: error printed. */
int dwarf_file_open(struct dwarf_file *df, const char *path);
void dwarf_file_close(struct dwarf_file *df);

/* The DIE a type refers to, through typedefs, qualifiers and arrays; NULL if none. */
Dwarf_Die *dwarf_strip_type(Dwarf_Die *die, Dwarf_Die *mem);

/* The name of a DIE, or of its abstract origin (an inlined or concrete instance). */
const char *dwarf_origin_name(Dwarf_Die *die);
/*
 * The ELF symbol at the start of one of die's ranges (the hot part over
 * .cold): DWARF names foo.constprop.0 "foo". dwarf_name when none (malloc'ed).
 */
char *dwarf_code_symbol(struct dwarf_file *df, Dwarf_Die *die, const char *dwarf_name);

/*
 * Add an edge for every inlined copy of a function named in wanted found in
 * path's DWARF, nested ones included. Returns 0, or -1 with the error printed.
 */
int dwarf_find_inlines(const char *path, const struct strset *wanted,
		       struct inline_edges *out);

#endif
