/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_DIR_WALK_H
#define KLP_DIR_WALK_H

/*
 * The files of a directory tree, as a sorted list of paths: readdir order
 * differs from one filesystem to the next, and what the tools print must
 * not. All state lives in the caller's list, so walks may nest or run in
 * threads, which nftw's callback cannot offer.
 */

#include <stdbool.h>
#include <stddef.h>

struct dir_list {
	char **paths;		/* "dir/sub/name", sorted by strcmp */
	size_t nr, alloc;
};

/*
 * Every regular file under dir, recursively, whose name (without the
 * directory) want accepts. Symbolic links are not followed: a link to a
 * parent would loop, and a tree holds each file once. A directory that
 * cannot be opened is reported with pr_err() and skipped, the rest still
 * listed; the return value is then -1, else 0.
 */
int dir_list_files(struct dir_list *dl, const char *dir, bool (*want)(const char *name));
void dir_list_release(struct dir_list *dl);

#endif
