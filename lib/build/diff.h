/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_BUILD_DIFF_H
#define KLP_BUILD_DIFF_H

/*
 * A unified diff, as git format-patch, diff -u and quilt write them: the
 * files it touches, -p1 (a/ b/, src.orig/ src/, any first component), and
 * the hunks of each. Text around the diffs (a mail's header and message,
 * git's extended header lines, a signature) is skipped. What klp-build
 * cannot patch is refused here, one message per file, before anything is
 * built.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"

struct diff_hunk {
	unsigned long old_start, old_len, new_start, new_len;
	unsigned long lineno;		/* of its "@@" line in the patch */
	const char *body;		/* its lines, in the patch's text */
	size_t body_len;
};

enum diff_change { DIFF_MODIFY, DIFF_CREATE, DIFF_DELETE };

struct diff_file {
	char *path;			/* in the source tree, -p1 */
	enum diff_change change;
	unsigned long lineno;		/* of its "---" (or "diff --git") line */
	struct diff_hunk *hunks;
	size_t nr_hunks, alloc_hunks;
	const char *refused;		/* why klp-build cannot take it; NULL: it can */
	bool ignored;			/* not the kernel's code (documentation, tools/) */
};

struct diff {
	char *name;			/* the patch's path, for messages */
	char *text;			/* its text, owned: hunks point into it */
	size_t len;
	struct diff_file *files;
	size_t nr_files, alloc_files;
};

/*
 * Parse text (len bytes, copied). 0, or -1 after one message naming the
 * patch, the line and what is wrong with it (a malformed diff).
 */
int diff_parse(struct diff *d, const char *name, const char *text, size_t len);
/* diff_parse() of a file's contents. */
int diff_read(struct diff *d, const char *path);
void diff_release(struct diff *d);

/*
 * One error per refused file (the patch, the file, the reason) and one
 * note per ignored one. 0 when every file can be patched, else -1.
 */
int diff_check(const struct diff *d);

/* One file's hunks as a unified diff with a/ b/ names, for patch -p1. */
void diff_format_file(const struct diff_file *f, struct strbuf *out);

#endif
