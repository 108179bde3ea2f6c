/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_CLONE_REPORT_H
#define KLP_CLONE_REPORT_H

/*
 * The gcc clones of each patched function, from the map and from gcc's
 * ipa-clones dumps, and the findings about those the patch leaves alone.
 */

#include "check/patch_check.h"

void clone_report_find(struct klp_check *c);
void clone_report_add(struct klp_check *c, const struct func_report *fr);

#endif
