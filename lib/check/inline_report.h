/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_INLINE_REPORT_H
#define KLP_INLINE_REPORT_H

/*
 * Where each patched function was inlined, by DWARF and by gcc's
 * ipa-clones, and the findings: copies in unpatched functions keep the old
 * code, and two sources that disagree were likely not from one build.
 */

#include "check/patch_check.h"

/* Fill each function's inl[] from c->edges. */
void inline_report_gather(struct klp_check *c);
void inline_report_add(struct klp_check *c, const struct func_report *fr);

#endif
