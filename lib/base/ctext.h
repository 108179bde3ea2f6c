/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_CTEXT_H
#define KLP_CTEXT_H

/*
 * C source text as the preprocessor's first phases see it, for the readers
 * that need its tokens but not its meaning: which identifiers a file uses,
 * which headers it includes, what a header declares.
 */

#include <stdbool.h>
#include <stddef.h>

/*
 * A copy of text with backslash-newlines removed, each comment replaced by
 * one space and NUL bytes by spaces (malloc'ed, NUL-terminated, *out_len
 * bytes). Strings and character constants are kept as they are.
 */
char *ctext_clean(const char *text, size_t len, size_t *out_len);

enum ctok_type { CTOK_IDENT, CTOK_NUMBER, CTOK_STRING, CTOK_PUNCT, CTOK_NEWLINE };

struct ctok {
	enum ctok_type type;
	const char *p;
	size_t len;
};

/*
 * The next token of a cleaned text from *pos (blanks skipped, a newline is
 * a token of its own); false at the end. A string or character constant
 * ends at its quote or at the end of its line.
 */
bool ctext_next(const char *text, size_t len, size_t *pos, struct ctok *t);

static inline bool ctok_is(const struct ctok *t, const char *s)
{
	size_t i;

	for (i = 0; i < t->len; i++)
		if (s[i] != t->p[i])
			return false;
	return !s[i];
}

/*
 * Every identifier of a C text, outside comments, strings and character
 * constants, those of directives included, in order; fn returns false to
 * stop.
 */
void c_identifiers(const char *text, size_t len,
		   bool (*fn)(const char *id, size_t len, void *data), void *data);

/*
 * The names of a text's #include lines, in order (quoted: "x.h", not
 * <x.h>). Read line by line without removing comments: a commented-out
 * or #if 0'd #include is listed too, which can only add an includer.
 */
void c_includes(const char *text, size_t len,
		void (*fn)(const char *name, size_t len, bool quoted, void *data), void *data);

#endif
