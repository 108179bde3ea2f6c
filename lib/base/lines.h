/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_LINES_H
#define KLP_LINES_H

/*
 * The lines of a text file in memory, for the readers of maps, kallsyms and
 * System.map: no copy, the newline left out, and the line number kept for
 * messages ("path:lineno: ..."). Inline: the map reader calls it a million
 * times.
 */

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct lines {
	const char *path;
	const char *p, *end;	/* what is left */
	const char *line;	/* the current line, len bytes, not NUL-terminated */
	size_t len;
	unsigned long lineno;
};

static inline bool lines_next(struct lines *l)
{
	const char *nl;

	if (l->p >= l->end)
		return false;
	nl = memchr(l->p, '\n', l->end - l->p);
	l->line = l->p;
	l->len = (nl ? nl : l->end) - l->p;
	l->p = nl ? nl + 1 : l->end;
	l->lineno++;
	return true;
}

/* A line with nothing but blanks, as every reader skips. */
static inline bool lines_blank(const struct lines *l)
{
	size_t i;

	for (i = 0; i < l->len; i++)
		if (l->line[i] != ' ' && l->line[i] != '\t' && l->line[i] != '\r')
			return false;
	return true;
}

#endif
