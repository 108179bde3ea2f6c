/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_FACTS_REPORT_H
#define KLP_FACTS_REPORT_H

/*
 * Findings from the exact facts of a patched function (klp-check --source):
 * inlined copies in callers the patch leaves alone, clones, no out-of-line
 * body, a header's static inline; each names the sources it came from.
 */

#include "check/patch_check.h"

void facts_report_add(struct klp_check *c, const struct func_report *fr);
/* --source was given but no file is known for fr: say that guesses follow. */
void facts_report_missing(struct klp_check *c, const struct func_report *fr);

#endif
