/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_IPA_CLONES_H
#define KLP_IPA_CLONES_H

/*
 * gcc's -fdump-ipa-clones report (FILE.000i.ipa-clones), one line per
 * transformation of one translation unit:
 *
 *   Callgraph clone;ORIG;ORDER;FILE;LINE;COL;CLONE;ORDER;FILE;LINE;COL;SUFFIX
 *   Callgraph removal;NAME;ORDER;FILE;LINE;COL
 *
 * SUFFIX "inlining to" says ORIG's body was copied into CLONE, the caller
 * (immediate: nested inlining takes a closure); other suffixes (constprop,
 * isra, part, ...) made a new function CLONE from ORIG; removal says NAME
 * has no out-of-line body left.
 */

#include "elf/dwarf_inline.h"

struct ipa_clone {
	char *orig, *clone, *suffix;
};

struct ipa_clones {
	struct ipa_clone *v;
	size_t nr, alloc;
};

/*
 * Read one dump; for each name in wanted add an edge per out-of-line function
 * that holds an inlined copy of it (through clones and nested inlining), and
 * a clone entry per function gcc cloned from it. Returns 0, or -1 with the
 * error printed (not a dump, malformed line).
 */
int ipa_clones_read(const char *path, const struct strset *wanted,
		    struct inline_edges *inlines, struct ipa_clones *clones);
void ipa_clones_release(struct ipa_clones *c);

#endif
