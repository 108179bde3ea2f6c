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

/* Character classes, by table: the tree scans lex hundreds of megabytes. */
#define C_IDSTART 1
#define C_IDCHAR 2
#define C_SPECIAL 4	/* what ctext_clean() must look at: \\ " ' / NUL */

static const unsigned char cclass[256] = {
	['\0'] = C_SPECIAL, ['\\'] = C_SPECIAL, ['"'] = C_SPECIAL, ['\''] = C_SPECIAL,
	['/'] = C_SPECIAL,
	['$'] = C_IDSTART | C_IDCHAR, ['_'] = C_IDSTART | C_IDCHAR,
#define R(a) [a] = C_IDSTART | C_IDCHAR
	R('a'), R('b'), R('c'), R('d'), R('e'), R('f'), R('g'), R('h'), R('i'), R('j'),
	R('k'), R('l'), R('m'), R('n'), R('o'), R('p'), R('q'), R('r'), R('s'), R('t'),
	R('u'), R('v'), R('w'), R('x'), R('y'), R('z'),
	R('A'), R('B'), R('C'), R('D'), R('E'), R('F'), R('G'), R('H'), R('I'), R('J'),
	R('K'), R('L'), R('M'), R('N'), R('O'), R('P'), R('Q'), R('R'), R('S'), R('T'),
	R('U'), R('V'), R('W'), R('X'), R('Y'), R('Z'),
#undef R
	['0'] = C_IDCHAR, ['1'] = C_IDCHAR, ['2'] = C_IDCHAR, ['3'] = C_IDCHAR,
	['4'] = C_IDCHAR, ['5'] = C_IDCHAR, ['6'] = C_IDCHAR, ['7'] = C_IDCHAR,
	['8'] = C_IDCHAR, ['9'] = C_IDCHAR,
};

static inline bool ident_start(char c)
{
	return cclass[(unsigned char)c] & C_IDSTART;
}

static inline bool ident_char(char c)
{
	return cclass[(unsigned char)c] & C_IDCHAR;
}

/* Past any backslash-newlines (or backslash-CR-LFs) at i. */
static inline size_t splices(const char *t, size_t len, size_t i)
{
	for (;;) {
		if (i + 1 < len && t[i] == '\\' && t[i + 1] == '\n')
			i += 2;
		else if (i + 2 < len && t[i] == '\\' && t[i + 1] == '\r' && t[i + 2] == '\n')
			i += 3;
		else
			return i;
	}
}

/* The logical character at *i (splices skipped), *i moved past it; -1 at the end. */
static inline int next_char(const char *t, size_t len, size_t *i)
{
	size_t k = splices(t, len, *i);

	if (k >= len) {
		*i = len;
		return -1;
	}
	*i = k + 1;
	return (unsigned char)t[k];
}

/* The logical character at i without moving. */
static inline int peek_char(const char *t, size_t len, size_t i)
{
	return next_char(t, len, &i);
}

char *ctext_clean(const char *text, size_t len, size_t *out_len)
{
	char *out = xmalloc(len + 2);
	size_t i = 0, o = 0;
	char quote = 0;
	int c;

	while ((c = next_char(text, len, &i)) >= 0) {
		/* Runs of ordinary characters: copied until the next one that matters. */
		if (!quote && !(cclass[c] & C_SPECIAL)) {
			out[o++] = c;
			while (i < len && !(cclass[(unsigned char)text[i]] & C_SPECIAL))
				out[o++] = text[i++];
			continue;
		}
		if (!c)
			c = ' ';
		if (quote) {
			out[o++] = c;
			if (c == '\\' && peek_char(text, len, i) >= 0 &&
			    peek_char(text, len, i) != '\n')
				out[o++] = next_char(text, len, &i);
			else if (c == quote || c == '\n')
				quote = 0;
			continue;
		}
		if (c == '"' || c == '\'') {
			quote = c;
			out[o++] = c;
		} else if (c == '/' && peek_char(text, len, i) == '*') {
			int prev = 0;

			next_char(text, len, &i);
			/* Its newlines are kept: directives stay on lines of their own. */
			while ((c = next_char(text, len, &i)) >= 0 && !(prev == '*' && c == '/')) {
				if (c == '\n')
					out[o++] = '\n';
				prev = c;
			}
			out[o++] = ' ';
		} else if (c == '/' && peek_char(text, len, i) == '/') {
			while (peek_char(text, len, i) >= 0 && peek_char(text, len, i) != '\n')
				next_char(text, len, &i);
			out[o++] = ' ';
		} else {
			out[o++] = c;
		}
	}
	out[o] = '\0';
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
