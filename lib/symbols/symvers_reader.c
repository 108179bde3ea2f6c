// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exports from Module.symvers. An export whose object is not in the map is
 * skipped (the map need not cover every module); one whose object is there
 * but lacks the symbol means the files come from different builds: the
 * caller warns.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/symmap.h"
#include "symbols/symvers_reader.h"
#include "base/util.h"

/* Prefer the global namesakes, as kallsyms exports only those. */
static bool mark(struct symmap *map, struct map_object *obj, const char *name)
{
	struct map_symbol *first = symmap_lookup(map, name), *s;
	bool global = false, found = false;

	for (s = first; s; s = s->next)
		if (s->obj == obj && isupper((unsigned char)s->type))
			global = true;
	for (s = first; s; s = s->next) {
		if (s->obj != obj || (global && !isupper((unsigned char)s->type)))
			continue;
		s->flags |= MAP_EXPORTED;
		found = true;
	}
	return found;
}

/* The object a MODULE field names: vmlinux, or a module path's runtime name. */
static char *object_name(const char *field)
{
	const char *base = strrchr(field, '/');

	return module_runtime_name(base ? base + 1 : field);
}

static int split_tabs(char *line, char **f, int max)
{
	int n = 0;

	for (;;) {
		char *tab = strchr(line, '\t');

		if (n == max)
			return -1;
		f[n++] = line;
		if (!tab)
			return n;
		*tab = '\0';
		line = tab + 1;
	}
}

static const char *check_line(char **f, int n)
{
	if (n < 4)
		return "expected 'CRC<TAB>NAME<TAB>MODULE<TAB>EXPORT_SYMBOL[_GPL][<TAB>NAMESPACE]'";
	if (strncmp(f[0], "0x", 2) || !f[0][2] || f[0][2 + strspn(f[0] + 2, "0123456789abcdefABCDEF")])
		return "invalid CRC (expected 0x and hex digits)";
	if (!*f[1] || strlen(f[1]) >= 512 || strpbrk(f[1], " "))
		return "invalid symbol name";
	if (!*f[2])
		return "empty module field";
	if (strncmp(f[3], "EXPORT_SYMBOL", 13))
		return "invalid export type (expected EXPORT_SYMBOL...)";
	return NULL;
}

static int apply_line(struct symmap *map, char *line, struct symvers_stats *st,
		      const char **err)
{
	struct map_object *obj;
	char *f[6], *name;
	int n = split_tabs(line, f, 6);

	*err = n < 0 ? "too many fields" : check_line(f, n);
	if (*err)
		return -1;
	st->exports++;
	name = object_name(f[2]);
	obj = symmap_find_object(map, name);
	free(name);
	if (!obj)
		st->no_object++;
	else if (mark(map, obj, f[1]))
		st->marked++;
	else if (st->no_symbol++ == 0)
		pr_warn("%s exported by %s is not in the map: is Module.symvers from another build?",
		     f[1], obj->name);
	return 0;
}

int symvers_apply(struct symmap *map, const char *path, struct symvers_stats *st)
{
	struct mapped_file mf;
	unsigned long lineno = 0;
	char *buf, *p, *end;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	if (map_file(&mf, path))
		return -1;
	buf = xmalloc(mf.size + 1);
	memcpy(buf, mf.data, mf.size);
	buf[mf.size] = '\0';
	end = buf + mf.size;
	unmap_file(&mf);
	for (p = buf; p < end;) {
		char *nl = memchr(p, '\n', end - p), *line = p;
		const char *err;

		if (!nl)
			nl = end;
		*nl = '\0';
		p = nl + 1;
		lineno++;
		if (!*line)
			continue;
		if (strlen(line) != (size_t)(nl - line))
			err = "NUL byte in line";
		else if (!apply_line(map, line, st, &err))
			continue;
		pr_err("%s:%lu: %s", path, lineno, err);
		ret = -1;
		break;
	}
	if (!ret && !st->exports) {
		pr_err("%s: no exports: not a Module.symvers", path);
		ret = -1;
	}
	free(buf);
	return ret;
}
