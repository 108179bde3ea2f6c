/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_SOURCE_HINTS_H
#define KLP_SOURCE_HINTS_H

/*
 * Which of several namesakes is which: to each finding about a missing or
 * out-of-range old_sympos, a note per namesake with its source line, from
 * the debug information given with --debuginfo.
 */

#include "check/patch_check.h"

void source_hints_add(struct klp_check *c);

#endif
