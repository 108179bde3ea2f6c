// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-build's header reader (build/cheader) and the lexing it shares with
 * the tree scans (base/ctext). Any text must parse; a text compared with
 * itself, or with itself and a comment after it, changes no name; every
 * name is a non-empty identifier; spreading the set of all names adds
 * none.
 */
#include <stdlib.h>
#include <string.h>

#include "base/ctext.h"
#include "build/cheader.h"
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool count_ident(const char *id, size_t len, void *data)
{
	if (!len || !id)
		FUZZ_BUG("an empty identifier");
	(*(size_t *)data)++;
	return true;
}

static void count_include(const char *name, size_t len, bool quoted, void *data)
{
	(void)quoted;
	if (!len || memchr(name, '\n', len))
		FUZZ_BUG("an #include name of %zu bytes across a line", len);
	(*(size_t *)data)++;
}

static void same(const struct hdr_file *a, const struct hdr_file *b, const char *what)
{
	struct hdr_changes ch;

	hdr_compare(a, b, &ch);
	if (ch.nr || ch.structural)
		FUZZ_BUG("%s: %zu names changed (%s), structural %d", what, ch.nr,
			 ch.nr ? ch.v[0].name : "", ch.structural);
	hdr_changes_release(&ch);
}

static bool ends_in_backslash(const uint8_t *data, size_t size)
{
	while (size && data[size - 1] == '\r')
		size--;
	return size && data[size - 1] == '\\';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char comment[] = "\n/* a comment */\n";
	struct hdr_file a, b, c;
	struct strset all = { 0 };
	char *more = malloc(size + sizeof(comment));
	size_t i, j, n = 0;

	hdr_parse((const char *)data, size, &a);
	hdr_parse((const char *)data, size, &b);
	memcpy(more, data, size);
	memcpy(more + size, comment, sizeof(comment) - 1);
	hdr_parse(more, size + sizeof(comment) - 1, &c);
	same(&a, &b, "the same text");
	/* A backslash at the end would splice the comment's line to the last one. */
	if (!ends_in_backslash(data, size))
		same(&a, &c, "a comment added at the end");
	for (i = 0; i < a.nr; i++)
		for (j = 0; j < a.ents[i].nr_names; j++) {
			const char *s = a.ents[i].names[j].name;

			if (!*s || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$0123456789") != strlen(s))
				FUZZ_BUG("a name that is no identifier: '%s'", s);
			strset_add(&all, s);
		}
	if (hdr_spread(&a, &all, NULL))
		FUZZ_BUG("spreading every name added one");
	c_identifiers((const char *)data, size, count_ident, &n);
	c_includes((const char *)data, size, count_include, &n);
	strset_free(&all);
	hdr_release(&a);
	hdr_release(&b);
	hdr_release(&c);
	free(more);
	return 0;
}
