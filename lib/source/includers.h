/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_SOURCE_INCLUDERS_H
#define KLP_SOURCE_INCLUDERS_H

/*
 * Which files of the source tree include a header, directly or through
 * other headers: the tree's #include lines read in one pass into a graph,
 * resolved as the kernel's include path resolves them (the includer's own
 * directory for "x.h", then include/, arch/ARCH/include/, their uapi/
 * directories, and asm-generic/ for an <asm/x.h> the architecture does
 * not have). A name that resolves nowhere in the tree (a directory a
 * Makefile adds with -I) is taken to include every header whose path ends
 * with it: a wrong guess can only add an includer.
 */

#include "base/dir_walk.h"
#include "source/source.h"

struct include_graph;

/* The graph of ctx's tree. NULL after a message. */
struct include_graph *include_graph_read(struct source_ctx *ctx);
void include_graph_free(struct include_graph *g);
/* The number of files it read. */
size_t include_graph_files(const struct include_graph *g);

struct include_users {
	struct dir_list hdrs;		/* the headers that include it */
	struct dir_list cfiles;		/* the .c files that do, built or not */
	/*
	 * The .c files that .c files of cfiles #include (kernel/sched/psi.c,
	 * compiled in build_utility.c), whether or not they include the
	 * header themselves: for each, the indices in cfiles of those.
	 */
	struct dir_list parts;
	size_t **part_of, *nr_part_of;
};

/*
 * The files that include header (a path relative to the tree), directly
 * or not, each list sorted. 0, or -1 after a message (header is not in
 * the tree).
 */
int include_graph_users(struct include_graph *g, struct source_ctx *ctx, const char *header,
			struct include_users *u);
void include_users_release(struct include_users *u);

/*
 * Does the target's configuration build path: its directory (each
 * ancestor's Makefile, asked once per directory) and its Makefile line, as
 * klp-source --where asks?
 */
bool include_graph_built(struct include_graph *g, struct source_ctx *ctx, const char *path);

#endif
