// SPDX-License-Identifier: GPL-2.0-only
/*
 * The unified-diff reader of klp-build's patch mode: which files a patch
 * touches, its hunks, and which files klp-build must refuse.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/lines.h"
#include "build/diff.h"

/* Hunk counts beyond this are not a real patch, and keep the sums in range. */
#define DIFF_MAX_LINES 100000000UL

void diff_release(struct diff *d)
{
	size_t i;

	for (i = 0; i < d->nr_files; i++) {
		free(d->files[i].path);
		free(d->files[i].hunks);
	}
	free(d->files);
	free(d->text);
	free(d->name);
	memset(d, 0, sizeof(*d));
}

static bool line_is(const struct lines *l, const char *prefix)
{
	size_t n = strlen(prefix);

	return l->len >= n && !memcmp(l->line, prefix, n);
}

/* "a/fs/x.c\t2024-01-01 ..." after "--- ": the name, without the date. */
static char *header_name(const char *p, size_t len, const char **err)
{
	size_t n = 0;

	if (len && *p == '"') {
		*err = "quoted file names (git's for unusual characters) are not supported";
		return NULL;
	}
	while (n < len && p[n] != '\t')
		n++;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\r'))
		n--;
	if (!n || memchr(p, '\0', n)) {
		*err = "no file name";
		return NULL;
	}
	return strndup(p, n);
}

/*
 * The -p1 path of a header name, or NULL with the reason in *why (a
 * refusal of that file, not a malformed patch).
 */
static char *strip_p1(const char *name, const char **why)
{
	const char *s, *c;

	if (name[0] == '/') {
		*why = "an absolute path: the patch must name files relative to the source tree (a/fs/x.c)";
		return NULL;
	}
	s = strchr(name, '/');
	if (!s || !s[1]) {
		*why = "no leading directory to strip (-p1 takes a/ b/ or src.orig/ src/ names)";
		return NULL;
	}
	s++;
	for (c = s; *c; ) {
		size_t n = strcspn(c, "/");

		if (!n || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) {
			*why = n == 2 ? "outside the source tree (a '..' component)" :
				"not a plain path (an empty or '.' component)";
			return NULL;
		}
		c += n;
		if (*c)
			c++;
	}
	return xstrdup(s);
}

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* What klp-build cannot take of a file, or NULL; *ignored for what is not the kernel's code. */
static const char *refusal(const char *path, enum diff_change change, bool *ignored)
{
	static const char *const not_code_dirs[] = {
		"Documentation/", "tools/", "samples/", "LICENSES/",
	};
	static const char *const not_code_ext[] = { ".rst", ".txt", ".yaml", ".md" };
	const char *base = base_of(path);
	size_t i;

	*ignored = false;
	if (str_starts_with(base, "Kconfig") || str_starts_with(base, "Makefile") ||
	    str_starts_with(base, "Kbuild"))
		return "configuration or build rules: a livepatch cannot change how the kernel is configured or built";
	if (strstr(base, ".lds"))
		return "a linker script: a livepatch cannot change the kernel's layout";
	if (str_ends_with(base, ".S") || str_ends_with(base, ".s"))
		return "assembler source: klp-build patches C functions only";
	/* A header's users are found, and rebuilt or listed, once the tree is known. */
	if (str_ends_with(base, ".h")) {
		if (change == DIFF_CREATE)
			return "a new header: no file of the kernel includes it";
		if (change == DIFF_DELETE)
			return "a deleted header: the files that include it would not build";
		return NULL;
	}
	if (str_ends_with(base, ".c")) {
		if (change == DIFF_CREATE)
			return "a new file: no Makefile builds it (new files are not supported)";
		if (change == DIFF_DELETE)
			return "a deleted file: a livepatch cannot remove a file's code";
		return NULL;
	}
	for (i = 0; i < ARRAY_SIZE(not_code_dirs); i++)
		if (str_starts_with(path, not_code_dirs[i]))
			goto ignore;
	for (i = 0; i < ARRAY_SIZE(not_code_ext); i++)
		if (str_ends_with(base, not_code_ext[i]))
			goto ignore;
	if (!strcmp(path, "MAINTAINERS") || !strcmp(path, "CREDITS"))
		goto ignore;
	return "not a C file: klp-build patches .c files only";
ignore:
	*ignored = true;
	return NULL;
}

static struct diff_file *add_file(struct diff *d, unsigned long lineno)
{
	struct diff_file *f;

	grow_array(&d->files, &d->alloc_files, d->nr_files + 1, sizeof(*d->files));
	f = &d->files[d->nr_files++];
	memset(f, 0, sizeof(*f));
	f->lineno = lineno;
	return f;
}

/* The -p1 path and the change from the two header names; a refusal sets f->refused. */
static void set_paths(struct diff_file *f, const char *old, const char *new)
{
	bool old_null = !strcmp(old, "/dev/null"), new_null = !strcmp(new, "/dev/null");
	const char *why = NULL;
	char *o = NULL, *n = NULL;

	f->change = old_null ? DIFF_CREATE : new_null ? DIFF_DELETE : DIFF_MODIFY;
	if (old_null && new_null) {
		f->path = xstrdup(old);
		f->refused = "both names are /dev/null";
		return;
	}
	if (!old_null)
		o = strip_p1(old, &why);
	if (!why && !new_null)
		n = strip_p1(new, &why);
	if (why) {
		f->path = xstrdup(new_null ? old : new);
		f->refused = why;
	} else if (o && n && strcmp(o, n)) {
		f->path = n;
		n = NULL;
		f->refused = "renamed (the old and new names differ): renames are not supported";
	} else {
		f->path = n ? n : o;
		if (n)
			n = NULL;
		else
			o = NULL;
	}
	free(o);
	free(n);
	if (!f->refused)
		f->refused = refusal(f->path, f->change, &f->ignored);
}

/* "N" or "N,M" of a hunk header; the end of what was read, or NULL. */
static const char *range(const char *p, const char *end, unsigned long *start,
			 unsigned long *len)
{
	char buf[64];
	size_t n = 0;
	char *e;

	while (p + n < end && n < sizeof(buf) - 1 && ((p[n] >= '0' && p[n] <= '9') || p[n] == ','))
		n++;
	if (!n || n == sizeof(buf) - 1)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return NULL;
	errno = 0;
	*start = strtoul(buf, &e, 10);
	*len = 1;
	if (*e == ',') {
		if (e[1] < '0' || e[1] > '9')
			return NULL;
		*len = strtoul(e + 1, &e, 10);
	}
	if (*e || errno || *start > DIFF_MAX_LINES || *len > DIFF_MAX_LINES)
		return NULL;
	return p + n;
}

/* "@@ -a,b +c,d @@ ..." into h. */
static bool hunk_header(const struct lines *l, struct diff_hunk *h)
{
	const char *p = l->line + 4, *end = l->line + l->len;

	if (!line_is(l, "@@ -"))
		return false;
	p = range(p, end, &h->old_start, &h->old_len);
	if (!p || end - p < 2 || p[0] != ' ' || p[1] != '+')
		return false;
	p = range(p + 2, end, &h->new_start, &h->new_len);
	if (!p || end - p < 3 || memcmp(p, " @@", 3))
		return false;
	/* A non-empty side starts at line 1 or later. */
	return (!h->old_len || h->old_start) && (!h->new_len || h->new_start);
}

static int parse_error(const struct diff *d, unsigned long lineno, const char *path,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int parse_error(const struct diff *d, unsigned long lineno, const char *path,
		       const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	pr_err("%s:%lu: %s%s%s: not a valid unified diff", d->name, lineno, path ? path : "",
	       path ? ": " : "", msg);
	free(msg);
	return -1;
}

/* The body of hunk h, which starts after l's current line. */
static int hunk_body(struct diff *d, struct lines *l, struct diff_file *f, struct diff_hunk *h)
{
	unsigned long old = h->old_len, new = h->new_len;
	size_t n = f->nr_hunks;

	h->body = l->p;
	while (old || new) {
		char c;

		if (!lines_next(l))
			return parse_error(d, l->lineno, f->path,
					   "hunk %zu ends early, at the end of the patch: %lu old and %lu new lines missing",
					   n, old, new);
		c = l->len ? l->line[0] : ' ';
		if (c == '\\')
			continue;
		if ((c == ' ' && old && new) || (c == '-' && old) || (c == '+' && new)) {
			if (c != '+')
				old--;
			if (c != '-')
				new--;
			continue;
		}
		if (c == ' ' || c == '-' || c == '+')
			return parse_error(d, l->lineno, f->path,
					   "hunk %zu has more %s lines than its header (line %lu) says",
					   n, c == '+' ? "new" : c == '-' ? "old" : "context", h->lineno);
		return parse_error(d, l->lineno, f->path,
				   "hunk %zu ends early: %lu old and %lu new lines missing", n, old,
				   new);
	}
	/*
	 * "\ No newline at end of file" after the last line; a removed or
	 * added line after the hunk is one its header does not count ("--- "
	 * is the next file, "-- " a mail's signature).
	 */
	{
		struct lines peek = *l;

		if (lines_next(&peek) && line_is(&peek, "\\")) {
			*l = peek;
			lines_next(&peek);
		}
		if (peek.line && peek.lineno > l->lineno && peek.len &&
		    (peek.line[0] == '+' || peek.line[0] == '-') && !line_is(&peek, "--- ") &&
		    !line_is(&peek, "+++ ") && !(peek.len == 3 && !memcmp(peek.line, "-- ", 3)))
			return parse_error(d, peek.lineno, f->path,
					   "hunk %zu has more %s lines than its header (line %lu) says",
					   n, peek.line[0] == '+' ? "new" : "old", h->lineno);
	}
	h->body_len = l->p - h->body;
	return 0;
}

/* Does "diff --git a/x b/y" end with the name " b/y"? */
static bool git_names(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n + 1 && line[len - n - 1] == ' ' && !memcmp(line + len - n, name, n);
}

/* A git extended header ("diff --git") whose file has no --- +++ lines. */
static void git_only(struct diff *d, const char *line, size_t len, unsigned long lineno,
		     const char *why)
{
	struct diff_file *f = add_file(d, lineno);
	const char *b = NULL, *p;
	char *name;

	/* "diff --git a/x b/x": the second name, after the last " b/"-like split. */
	for (p = line + 11; p + 1 < line + len; p++)
		if (p[0] == ' ' && p + 1 < line + len && p[1] != ' ')
			b = p + 1;
	name = b ? strndup(b, line + len - b) : xstrdup("?");
	f->path = xstrdup(strchr(name, '/') ? strchr(name, '/') + 1 : name);
	free(name);
	f->refused = why;
}

int diff_parse(struct diff *d, const char *name, const char *text, size_t len)
{
	struct lines l = { .path = name };
	/* A "diff --git" block not yet matched by --- +++: its line. */
	const char *git_line = NULL;
	size_t git_len = 0;
	unsigned long git_lineno = 0;
	const char *git_why = NULL;

	memset(d, 0, sizeof(*d));
	d->name = xstrdup(name);
	d->text = xmalloc(len + 1);
	memcpy(d->text, text, len);
	d->text[len] = '\0';
	d->len = len;
	l.p = d->text;
	l.end = d->text + len;

	while (lines_next(&l)) {
		struct lines next;
		struct diff_file *f;
		const char *err = NULL;
		char *old, *new;

		if (line_is(&l, "diff --git ")) {
			if (git_line && git_why)
				git_only(d, git_line, git_len, git_lineno, git_why);
			git_line = l.line;
			git_len = l.len;
			git_lineno = l.lineno;
			git_why = NULL;
			continue;
		}
		if (git_line && (line_is(&l, "rename from ") || line_is(&l, "copy from ")))
			git_why = "renamed or copied: renames are not supported";
		if (git_line && (line_is(&l, "Binary files ") || line_is(&l, "GIT binary patch")))
			git_why = "a binary change";
		if (!line_is(&l, "--- "))
			continue;
		next = l;
		if (!lines_next(&next) || !line_is(&next, "+++ "))
			continue;
		old = header_name(l.line + 4, l.len - 4, &err);
		new = old ? header_name(next.line + 4, next.len - 4, &err) : NULL;
		if (!new) {
			free(old);
			return parse_error(d, l.lineno, NULL, "%s", err);
		}
		/*
		 * The "diff --git" block this header belongs to, if it names
		 * the same file; else that block had no --- +++ of its own.
		 */
		if (git_line && git_why && !git_names(git_line, git_len, new)) {
			git_only(d, git_line, git_len, git_lineno, git_why);
			git_why = NULL;
		}
		f = add_file(d, l.lineno);
		set_paths(f, old, new);
		if (git_line && git_why && !f->refused)
			f->refused = git_why;
		git_line = NULL;
		free(old);
		free(new);
		l = next;
		for (;;) {
			struct diff_hunk h = { 0 };

			next = l;
			if (!lines_next(&next) || !line_is(&next, "@@ "))
				break;
			h.lineno = next.lineno;
			if (!hunk_header(&next, &h))
				return parse_error(d, next.lineno, f->path,
						   "a hunk header that is not \"@@ -N[,N] +N[,N] @@\"");
			if (f->nr_hunks) {
				const struct diff_hunk *prev = &f->hunks[f->nr_hunks - 1];

				if (h.old_start < prev->old_start + prev->old_len)
					return parse_error(d, next.lineno, f->path,
							   "hunk %zu starts at line %lu, inside or before hunk %zu",
							   f->nr_hunks + 1, h.old_start, f->nr_hunks);
			}
			l = next;
			grow_array(&f->hunks, &f->alloc_hunks, f->nr_hunks + 1, sizeof(*f->hunks));
			f->hunks[f->nr_hunks++] = h;
			if (hunk_body(d, &l, f, &f->hunks[f->nr_hunks - 1]))
				return -1;
		}
		if (!f->nr_hunks)
			return parse_error(d, f->lineno, f->path, "no hunk after the file names");
		if (f->change == DIFF_CREATE && (f->nr_hunks != 1 || f->hunks[0].old_len))
			return parse_error(d, f->lineno, f->path,
					   "a new file (from /dev/null) with old lines");
		if (f->change == DIFF_DELETE && (f->nr_hunks != 1 || f->hunks[0].new_len))
			return parse_error(d, f->lineno, f->path,
					   "a deleted file (to /dev/null) with new lines");
	}
	if (git_line && git_why)
		git_only(d, git_line, git_len, git_lineno, git_why);
	if (!d->nr_files)
		return parse_error(d, l.lineno ? l.lineno : 1, NULL,
				   "no file changes (\"--- a/FILE\" and \"+++ b/FILE\" lines, then hunks): klp-build takes unified diffs (diff -u, git diff)");
	return 0;
}

int diff_read(struct diff *d, const char *path)
{
	struct mapped_file mf;
	int ret;

	if (map_file(&mf, path)) {
		memset(d, 0, sizeof(*d));
		return -1;
	}
	ret = diff_parse(d, path, mf.data, mf.size);
	unmap_file(&mf);
	return ret;
}

int diff_check(const struct diff *d)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < d->nr_files; i++) {
		const struct diff_file *f = &d->files[i];

		if (f->refused) {
			pr_err("%s: %s: %s", d->name, f->path, f->refused);
			ret = -1;
		} else if (f->ignored) {
			pr_warn("%s: %s: not the kernel's code: left out", d->name, f->path);
		}
	}
	return ret;
}

void diff_format_file(const struct diff_file *f, struct strbuf *out)
{
	size_t i;

	strbuf_addf(out, "--- %s%s\n+++ %s%s\n", f->change == DIFF_CREATE ? "" : "a/",
		    f->change == DIFF_CREATE ? "/dev/null" : f->path,
		    f->change == DIFF_DELETE ? "" : "b/",
		    f->change == DIFF_DELETE ? "/dev/null" : f->path);
	for (i = 0; i < f->nr_hunks; i++) {
		const struct diff_hunk *h = &f->hunks[i];
		struct lines l = { .p = h->body, .end = h->body + h->body_len };

		strbuf_addf(out, "@@ -%lu,%lu +%lu,%lu @@\n", h->old_start, h->old_len,
			    h->new_start, h->new_len);
		/* An empty line is a context line whose blank was stripped (by a mailer). */
		while (lines_next(&l)) {
			if (!l.len)
				strbuf_add(out, " ", 1);
			strbuf_add(out, l.line, l.len);
			strbuf_add(out, "\n", 1);
		}
	}
}
