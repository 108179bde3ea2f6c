/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_BUILD_PATCH_BUILD_H
#define KLP_BUILD_PATCH_BUILD_H

/*
 * klp-build's patch mode, stage by stage (applying, building original,
 * building patched, diffing, then extracting, linking, converting and
 * checking), each reported with the time it took and what it found.
 */

#include <stdbool.h>
#include <stddef.h>

#include "source/source.h"

struct patch_build_opts {
	struct source_opts src;
	const char *kallsyms, *map;	/* the target's symbols, one of the two */
	const char *output;		/* NULL: livepatch-<first patch's name>.ko */
	const char *kpatch_include;	/* kpatch-macros.h's directory, for the patched build */
	bool no_replace;
	bool quiet;			/* no stage lines and findings */
	char **patches;
	int nr_patches;
};

/* The exit status: 0 done, 1 refused or failed (nothing written). */
int patch_build(const struct patch_build_opts *o);

/*
 * The diffing stage alone, on two objects built with
 * -ffunction-sections -fdata-sections: the findings on stdout, and exit
 * status 1 when the change is one a livepatch cannot make.
 */
int patch_diff_objects(const char *orig, const char *patched, unsigned int kver, bool quiet);

/*
 * The kpatch-macros.h markers of each object, a line each, after a
 * "OBJ:" line: exit status 0, 1 when one cannot be read.
 */
int patch_kpatch_markers(char *const *objs, int nr);

/*
 * The extracting stage alone: the livepatch's part of one file from its two
 * builds, for a target object of map; kver is KLP_KVER of the kernel, 0 if
 * not known. Exit status 0 with out written, 1 refused.
 */
int patch_extract_objects(const char *orig, const char *patched, const char *out,
			  const char *map, const char *target, unsigned int kver);

/*
 * The proving stage alone: each of the nr functions of a converted
 * livepatch against the patched build. Exit status 0 when all are the
 * same (-v: a line for each), 1 with a message for each that is not.
 */
int patch_prove_objects(const char *ko, const char *patched, unsigned int kver,
			const char *const *names, size_t nr);

#endif
