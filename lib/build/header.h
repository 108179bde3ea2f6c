/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_BUILD_HEADER_H
#define KLP_BUILD_HEADER_H

/*
 * The patched headers of klp-build's patch mode. What a header change
 * changes is the code of the files that use what it changed: each header
 * is read before and after the patch, the names whose definitions differ
 * (macros, inline functions, types, typedefs, declarations) are spread to
 * every entity of the headers including it that uses them, and the .c
 * files the target builds that include the header and use one of those
 * names are its users. The users the patches do not change are rebuilt
 * too, at most HEADER_MAX_USERS of them, and the function-level diff of
 * each tells what the change did to its code; beyond that the build is
 * refused with the list.
 */

#include <stdbool.h>

#include "build/apply.h"
#include "source/source.h"

#define HEADER_MAX_USERS 8

struct header_result {
	struct patch_files headers;	/* the patched .h files */
	size_t added;			/* users appended to the .c files */
	size_t files_read;		/* by the include graph */
	uint64_t hash;			/* of the patched headers' texts, 0 without any */
};

/*
 * Take the headers out of pf (its paths after apply_patches(), scratch
 * holding the patched copies), and append to pf the users to rebuild.
 * One line per header on stdout unless quiet; 0, or -1 after a message
 * for each header whose users are too many (named, the first few, with
 * their count).
 */
int header_users(struct source_ctx *ctx, const char *scratch, struct patch_files *pf,
		 bool quiet, struct header_result *res);
void header_result_release(struct header_result *res);

#endif
