// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lexing C text without preprocessing it: spliced lines, comments out,
 * tokens of four kinds, and the two questions asked of many files (which
 * identifiers, which #includes) answered in one pass each.
 */
#include <stdlib.h>
#include <string.h>

#include "base/ctext.h"
#include "base/util.h"

static bool ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

static bool ident_char(char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

/* A backslash-newline (or backslash-CR-LF) at i: its length, else 0. */
static size_t splice_at(const char *t, size_t len, size_t i)
{
	if (t[i] != '\\')
		return 0;
	if (i + 1 < len && t[i + 1] == '\n')
		return 2;
	if (i + 2 < len && t[i + 1] == '\r' && t[i + 2] == '\n')
		return 3;
	return 0;
}

char *ctext_clean(const char *text, size_t len, size_t *out_len)
{
	char *spliced = xmalloc(len + 1), *out = xmalloc(len + 1);
	size_t i, n = 0, o = 0;
	char quote = 0;

	for (i = 0; i < len; ) {
		size_t s = splice_at(text, len, i);

		if (s) {
			i += s;
			continue;
		}
		spliced[n++] = text[i] ? text[i] : ' ';
		i++;
	}
	for (i = 0; i < n; i++) {
		char c = spliced[i];

		if (quote) {
			out[o++] = c;
			if (c == '\\' && i + 1 < n && spliced[i + 1] != '\n')
				out[o++] = spliced[++i];
			else if (c == quote || c == '\n')
				quote = 0;
			continue;
		}
		if (c == '"' || c == '\'') {
			quote = c;
			out[o++] = c;
		} else if (c == '/' && i + 1 < n && spliced[i + 1] == '*') {
			const char *end = memmem(spliced + i + 2, n - i - 2, "*/", 2);

			/* Its newlines are kept: directives stay on lines of their own. */
			for (i += 2; i < n && spliced + i != end; i++)
				if (spliced[i] == '\n')
					out[o++] = '\n';
			i = end ? (size_t)(end - spliced) + 1 : n;
			out[o++] = ' ';
		} else if (c == '/' && i + 1 < n && spliced[i + 1] == '/') {
			while (i + 1 < n && spliced[i + 1] != '\n')
				i++;
			out[o++] = ' ';
		} else {
			out[o++] = c;
		}
	}
	out[o] = '\0';
	free(spliced);
	*out_len = o;
	return out;
}

bool ctext_next(const char *t, size_t len, size_t *pos, struct ctok *tok)
{
	size_t i = *pos, s;

	while (i < len && t[i] != '\n' && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' ||
					  t[i] == '\f' || t[i] == '\v'))
		i++;
	if (i >= len) {
		*pos = len;
		return false;
	}
	s = i;
	if (t[i] == '\n') {
		tok->type = CTOK_NEWLINE;
		i++;
	} else if (ident_start(t[i])) {
		while (i < len && ident_char(t[i]))
			i++;
		tok->type = CTOK_IDENT;
	} else if ((t[i] >= '0' && t[i] <= '9') ||
		   (t[i] == '.' && i + 1 < len && t[i + 1] >= '0' && t[i + 1] <= '9')) {
		for (i++; i < len && (ident_char(t[i]) || t[i] == '.' ||
				      ((t[i] == '+' || t[i] == '-') &&
				       strchr("eEpP", t[i - 1]))); i++)
			;
		tok->type = CTOK_NUMBER;
	} else if (t[i] == '"' || t[i] == '\'') {
		char q = t[i++];

		while (i < len && t[i] != q && t[i] != '\n') {
			if (t[i] == '\\' && i + 1 < len && t[i + 1] != '\n')
				i++;
			i++;
		}
		if (i < len && t[i] == q)
			i++;
		tok->type = CTOK_STRING;
	} else {
		/* "##" is one token: a pasting macro differs from one that is not. */
		i += (t[i] == '#' && i + 1 < len && t[i + 1] == '#') ? 2 : 1;
		tok->type = CTOK_PUNCT;
	}
	tok->p = t + s;
	tok->len = i - s;
	*pos = i;
	return true;
}

void c_identifiers(const char *text, size_t len,
		   bool (*fn)(const char *id, size_t len, void *data), void *data)
{
	size_t n, pos = 0;
	char *c = ctext_clean(text, len, &n);
	struct ctok t;
	int state = 0;		/* 0: at a line's start, 1: after its '#', 2: elsewhere */

	while (ctext_next(c, n, &pos, &t)) {
		if (t.type == CTOK_NEWLINE) {
			state = 0;
			continue;
		}
		if (state == 0 && t.type == CTOK_PUNCT && t.p[0] == '#' && t.len == 1) {
			state = 1;
			continue;
		}
		/* An #include's file name is no identifier: <linux/utsname.h> uses nothing. */
		if (state == 1 && (ctok_is(&t, "include") || ctok_is(&t, "include_next"))) {
			while (ctext_next(c, n, &pos, &t) && t.type != CTOK_NEWLINE)
				;
			state = 0;
			continue;
		}
		state = 2;
		if (t.type == CTOK_IDENT && !fn(t.p, t.len, data))
			break;
	}
	free(c);
}

void c_includes(const char *text, size_t len,
		void (*fn)(const char *name, size_t len, bool quoted, void *data), void *data)
{
	const char *p = text, *end = text + len;

	while (p < end && (p = memchr(p, '#', end - p))) {
		const char *b = p, *q, *e;
		char close;

		/* Only a '#' that starts its line, after blanks. */
		while (b > text && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		q = p + 1;
		p = q;
		if (b > text && b[-1] != '\n')
			continue;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (end - q < 7 || memcmp(q, "include", 7))
			continue;
		q += 7;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= end || (*q != '"' && *q != '<'))
			continue;
		close = *q == '"' ? '"' : '>';
		for (e = ++q; e < end && *e != close && *e != '\n'; e++)
			;
		if (e < end && *e == close && e > q)
			fn(q, e - q, close == '"', data);
		p = e;
	}
}
