/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_BUILD_APPLY_H
#define KLP_BUILD_APPLY_H

/*
 * The patches applied to a scratch copy of only the files they touch,
 * taken from the source tree: the tree itself is never written. GNU patch
 * applies them, without fuzz, after a dry run that names each hunk that
 * does not apply.
 */

#include <stddef.h>

#include "build/diff.h"

struct patch_files {
	char **paths;		/* the .c and .h files the patches change, each once, in order */
	size_t nr, alloc;
};

/* The files to rebuild, from patches diff_check() accepted. */
void patch_files_collect(const struct diff *diffs, size_t nr, struct patch_files *pf);
void patch_files_release(struct patch_files *pf);

/*
 * Copy each file from tree to scratch and apply the patches, in order.
 * 0, or -1 after one message per hunk that does not apply (patch, file,
 * hunk, its line in the patch and in the file).
 */
int apply_patches(const char *tree, const char *scratch, const struct diff *diffs, size_t nr,
		  const struct patch_files *pf);

#endif
