/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_SOURCE_WHERE_H
#define KLP_SOURCE_WHERE_H

/*
 * Which source file defines each copy of a name the kernel has several of
 * (type_show: 17 in Debian's 6.1 vmlinux), and so which sympos is which
 * file's. The files that mention the name and are built in the target's
 * configuration are rebuilt; the symbols around the name in each object
 * (in section order, and in symbol table order for modules) are matched
 * against the map's symbols around each copy: a file's functions stay
 * together, in order, at the same distances, in the linked kernel.
 */

#include <stddef.h>

#include "base/dir_walk.h"
#include "source/source.h"
#include "symbols/symmap.h"

enum where_state {
	WHERE_PLACED,		/* copy is this file's */
	WHERE_NOT_DEFINED,	/* the object has no such symbol: inlined, or only mentioned */
	WHERE_NOT_IN_MAP,	/* the object has it, no copy of the map matches */
	WHERE_UNSURE,		/* two copies match it equally well */
	WHERE_NO_OBJECT,	/* its module is not in the map */
	WHERE_FAILED,		/* the rebuild failed (already reported) */
};

struct where_file {
	char *path;			/* drivers/base/core.c */
	char *module;			/* the module's runtime name; NULL: vmlinux */
	enum where_state state;
	const struct map_symbol *copy;	/* WHERE_PLACED */
	unsigned int score;		/* neighbours that matched */
};

struct where_result {
	struct where_file *files;
	size_t nr_files;
	const struct map_symbol **copies;	/* sympos-counted copies, map order */
	const struct where_file **owners;	/* the file of each copy, or NULL */
	size_t nr_copies, nr_placed;
};

/*
 * The .c files of the tree that mention name as a whole word and that the
 * configuration builds (their directory and their Makefile line), sorted.
 * One pass over the tree's .c files. 0, or -1 after a message.
 */
int where_find_files(struct source_ctx *ctx, const char *name, struct dir_list *out);

/*
 * Rebuild each of paths (cached) and place its name among the map's
 * copies. A file that fails to rebuild is reported and marked, the others
 * still placed. 0, or -1 after a message when nothing could be done.
 */
int where_place(struct source_ctx *ctx, const struct symmap *map, const char *name,
		char *const *paths, size_t nr_paths, struct where_result *res);

void where_result_release(struct where_result *res);

/*
 * The names path's object defines that its object in the map has more than
 * once (rebuilt or cached): those not yet in names (the caller's, for this
 * file) are added to it and to list (malloc'ed strings, *nr of them). 0, or -1 after a message.
 */
struct strset;
int where_ambiguous_names(struct source_ctx *ctx, const struct symmap *map, const char *path,
			  struct strset *names, char ***list, size_t *nr);

#endif
