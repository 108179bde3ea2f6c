/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_PIPELINE_H
#define KLP_PIPELINE_H

#include <stdbool.h>
#include <stdio.h>

#include "convert/convert.h"
#include "symbols/symmap.h"

/*
 * One livepatch module through klp-convert's steps: the module, the names
 * it needs, the map (only those names), its klp tables (read once), their
 * checks, the conversion, the atomic write. klp-convert, klp-check
 * --tables-only and the fuzz harness all run it.
 */
struct klp_job {
	const char *in;
	const char *out;		/* NULL: stop after the table checks */
	const char *map_path;		/* read for the names the module needs */
	const struct symmap *map;	/* or a map already loaded; neither: no map */
	bool dry_run;			/* convert, print the plan, write nothing */
	FILE *plan;			/* where the conversion says what it does */
};

/*
 * Returns 0 when done, 1 when the input was refused (every reason printed,
 * naming the file; nothing written). stats may be NULL.
 */
int klp_run_job(const struct klp_job *job, struct convert_stats *stats);

#endif
