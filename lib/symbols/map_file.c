// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading the two map file formats: ours, parsed in parts on several
 * threads when it is large, and upstream's. map_write.c writes ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/symmap.h"
#include "base/lines.h"
#include "symbols/symmap_priv.h"
#include "base/util.h"
#include "base/workers.h"

static bool wanted(struct symmap *map, const char *name, size_t len)
{
	map->nr_read++;
	return !map->filter || strset_has(map->filter, name, len);
}

static int parse_error(const struct lines *lr, const char *what)
{
	pr_err("%s:%lu: %s", lr->path, lr->lineno, what);
	return -1;
}

/* Hex digit values plus one; 0 for anything else. */
static const unsigned char hex_value[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
	['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
	['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
	['F'] = 16,
};

static bool parse_hex(const char *s, size_t len, uint64_t *val)
{
	uint64_t v = 0;
	size_t i;

	if (!len || len > 16)
		return false;
	for (i = 0; i < len; i++) {
		unsigned int d = hex_value[(unsigned char)s[i]];

		if (!d)
			return false;
		v = v << 4 | (d - 1);
	}
	*val = v;
	return true;
}

/* Split the current line into at most max space-separated fields. */
static int split_fields(const struct lines *lr, const char **f, size_t *flen, int max)
{
	const char *p = lr->line, *end = lr->line + lr->len;
	int n = 0;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end)
			break;
		if (n == max)
			return -1;
		f[n] = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		flen[n] = p - f[n];
		n++;
	}
	return n;
}

/*
 * The common case, as klp-symbols writes it: fields separated by one space,
 * no control characters. One pass over the bytes reads the line, splits it
 * and validates the name's characters. Returns -1 for anything else, which
 * the general split_fields() then takes; lr describes the line either way.
 */
/* Non-zero for the bytes the line scanner must look at. */
static const unsigned char byte_class[256] = {
	[0 ... 0x20] = 1, [0x7f] = 1,
};

static int next_simple_line(struct lines *lr, const char **f, size_t *flen,
			    uint64_t *addr)
{
	const char *p = lr->p, *end = lr->end, *start = p;
	bool simple = true, addr_parsed = false;
	int n = 0;

	lr->line = p;
	lr->lineno++;
	/* klp-symbols writes 16 digits: parse them instead of scanning them twice. */
	if (end - p > 17 && p[16] == ' ' && parse_hex(p, 16, addr)) {
		f[n] = p;
		flen[n++] = 16;
		p += 17;
		start = p;
		addr_parsed = true;
	}
	for (; p < end; p++) {
		unsigned char c = *p;

		if (!byte_class[c])
			continue;
		if (c == '\n')
			break;
		if (c == ' ') {
			if (p == start || n == 3)
				simple = false;
			else {
				f[n] = start;
				flen[n++] = p - start;
			}
			start = p + 1;
		} else if (c < 0x21 || c == 0x7f) {
			simple = false;
		}
	}
	lr->len = p - lr->line;
	lr->p = p < end ? p + 1 : end;
	/* parse_symbol() trusts a 16-character address field of the fast path. */
	if (!simple || start == p || (!addr_parsed && n && flen[0] == 16))
		return -1;
	f[n] = start;
	flen[n++] = p - start;
	return n;
}

static int parse_flags(const char *s, size_t len, unsigned int *flags)
{
	size_t i;

	*flags = 0;
	for (i = 0; i < len; i++) {
		if (s[i] == 'x')
			*flags |= MAP_EXPORTED;
		else if (s[i] == 'i')
			*flags |= MAP_INIT;
		else
			return -1;
	}
	return 0;
}

static bool valid_name(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] == 0x7f)
			return false;
	return len > 0 && len < 512;
}

static int start_object(struct symmap *map, const struct lines *lr,
			const char *name, size_t len, struct map_object **obj)
{
	char buf[MAP_OBJNAME_MAX + 2];

	if (!len || len > MAP_OBJNAME_MAX || !valid_name(name, len))
		return parse_error(lr, "object name is empty, longer than 55 characters or "
				   "has control characters");
	memcpy(buf, name, len);
	buf[len] = '\0';
	if (symmap_find_object(map, buf)) {
		pr_err("%s:%lu: object '%s' appears twice", lr->path, lr->lineno, buf);
		return -1;
	}
	*obj = symmap_add_object(map, buf);
	if (!*obj) {
		pr_err("%s:%lu: invalid object name '%s' (use the module's runtime name: "
		      "'_' for '-', no '.ko')", lr->path, lr->lineno, buf);
		return -1;
	}
	return 0;
}


static bool valid_type(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '?';
}

/*
 * A part of a map file, parsed on its own (maybe on another thread) into
 * pending objects and symbols that load_chunk() then adds in file order, so
 * sympos, duplicate objects and the first error come out as in one pass.
 */
struct pending_obj {
	const char *name;
	size_t len;
	unsigned long lineno;
	size_t first_sym;
};

struct pending_sym {
	const char *name;
	uint64_t addr;
	uint32_t len;
	unsigned short flags;
	char type;
};

/* A "#:file PATH" line, for the chunk's symbol sym. */
struct pending_file {
	size_t sym;
	const char *path;
	size_t len;
};

struct chunk {
	const struct strset *filter;
	struct pending_file *files;
	size_t nr_files, alloc_files;
	unsigned long last_sym_line;	/* line of the last symbol, kept or not */
	bool last_kept;
	struct lines lr;
	struct pending_obj *objs;
	size_t nr_objs, alloc_objs;
	struct pending_sym *syms;
	size_t nr_syms, alloc_syms;
	size_t nr_read;
	const char *err;
	unsigned long err_line;
};

/* quiet: the fast path, whose scan already checked the name's characters. */
static const char *check_symbol(const char **f, const size_t *flen, int n, uint64_t *addr,
				unsigned int *flags, bool quiet)
{
	*flags = 0;
	if (n < 3 || n > 4)
		return "expected 'ADDRESS TYPE NAME [FLAGS]' or 'object NAME'";
	if (!(quiet && flen[0] == 16) && !parse_hex(f[0], flen[0], addr))
		return "invalid address (expected up to 16 hex digits)";
	if (flen[1] != 1 || !valid_type(f[1][0]))
		return "invalid symbol type (expected one letter or '?')";
	if (quiet ? flen[2] >= 512 : !valid_name(f[2], flen[2]))
		return "invalid symbol name";
	if (n == 4 && parse_flags(f[3], flen[3], flags))
		return "unknown symbol flag (expected 'x' or 'i')";
	return NULL;
}

static void chunk_add_symbol(struct chunk *c, const char **f, const size_t *flen,
			     uint64_t addr, unsigned int flags)
{
	struct pending_sym *ps;

	c->nr_read++;
	c->last_sym_line = c->lr.lineno;
	c->last_kept = !c->filter || strset_has(c->filter, f[2], flen[2]);
	if (!c->last_kept)
		return;
	grow_array(&c->syms, &c->alloc_syms, c->nr_syms + 1, sizeof(*c->syms));
	ps = &c->syms[c->nr_syms++];
	ps->name = f[2];
	ps->len = flen[2];
	ps->addr = addr;
	ps->flags = flags;
	ps->type = f[1][0];
}

static void chunk_add_object(struct chunk *c, const char *name, size_t len)
{
	struct pending_obj *po;

	grow_array(&c->objs, &c->alloc_objs, c->nr_objs + 1, sizeof(*c->objs));
	po = &c->objs[c->nr_objs++];
	po->name = name;
	po->len = len;
	po->lineno = c->lr.lineno;
	po->first_sym = c->nr_syms;
}

static int chunk_error(struct chunk *c, const char *err)
{
	c->err = err;
	c->err_line = c->lr.lineno;
	return -1;
}

/* One line the fast path did not take: an object, a loose symbol, or an error. */
static int parse_slow_line(struct chunk *c)
{
	struct lines *lr = &c->lr;
	unsigned int flags;
	uint64_t addr = 0;
	const char *f[4], *err;
	size_t flen[4];
	int n = split_fields(lr, f, flen, 4);

	if (n == 0)
		return 0;
	if (n == 2 && flen[0] == 6 && !memcmp(f[0], "object", 6)) {
		chunk_add_object(c, f[1], flen[1]);
		return 0;
	}
	if (n < 0)
		n = 5;
	err = check_symbol(f, flen, n, &addr, &flags, false);
	if (!err && !c->nr_objs)
		err = "symbol before the first 'object' line";
	if (err)
		return chunk_error(c, err);
	chunk_add_symbol(c, f, flen, addr, flags);
	return 0;
}

/*
 * A comment; "#:file PATH" right after a symbol's line records the file
 * that defines it (and goes with the symbol when a filter drops it).
 */
static int parse_comment(struct chunk *c)
{
	const struct lines *lr = &c->lr;
	size_t plen = strlen(MAP_FILE_PREFIX);
	struct pending_file *pf;

	if (lr->len < plen || memcmp(lr->line, MAP_FILE_PREFIX, plen))
		return 0;
	if (!c->last_sym_line || c->last_sym_line + 1 != lr->lineno)
		return chunk_error(c, "a '#:file' line must follow a symbol's line");
	if (!valid_name(lr->line + plen, lr->len - plen) || lr->len - plen >= 512)
		return chunk_error(c, "invalid file name in a '#:file' line");
	if (!c->last_kept)
		return 0;
	grow_array(&c->files, &c->alloc_files, c->nr_files + 1, sizeof(*c->files));
	pf = &c->files[c->nr_files++];
	pf->sym = c->nr_syms - 1;
	pf->path = lr->line + plen;
	pf->len = lr->len - plen;
	return 0;
}

static void parse_chunk(struct chunk *c)
{
	struct lines *lr = &c->lr;

	while (lr->p < lr->end) {
		const char *f[4];
		size_t flen[4];
		unsigned int flags;
		uint64_t addr = 0;
		int n;

		/* Fast path first; anything it cannot take gets the general split. */
		n = next_simple_line(lr, f, flen, &addr);
		if (lr->len && lr->line[0] == '#') {
			if (parse_comment(c))
				break;
			continue;
		}
		if (!lr->len)
			continue;
		if (n >= 3 && c->nr_objs && !check_symbol(f, flen, n, &addr, &flags, true)) {
			chunk_add_symbol(c, f, flen, addr, flags);
			continue;
		}
		if (parse_slow_line(c))
			break;
	}
}

/* How many names ahead of the one being added load_chunk() hashes. */
#define AHEAD 8

static uint64_t hash_ahead(const struct symmap *map, const struct chunk *c, size_t j)
{
	uint64_t hash = 0;

	if (j < c->nr_syms) {
		hash = hash_mem(c->syms[j].name, c->syms[j].len);
		symmap_prefetch(map, hash);
	}
	return hash;
}

/* Add a parsed chunk to the map; its line numbers start after line_offset. */
static int load_chunk(struct symmap *map, struct chunk *c, unsigned long line_offset)
{
	struct lines lr = { .path = c->lr.path };
	struct map_object *obj;
	uint64_t ahead[AHEAD];
	size_t i, j, k = 0;

	map->nr_read += c->nr_read;
	for (j = 0; j < AHEAD; j++)
		ahead[j] = hash_ahead(map, c, j);
	for (i = 0; i < c->nr_objs; i++) {
		const struct pending_obj *po = &c->objs[i];
		size_t end = i + 1 < c->nr_objs ? c->objs[i + 1].first_sym : c->nr_syms;

		lr.lineno = po->lineno + line_offset;
		if (start_object(map, &lr, po->name, po->len, &obj))
			return -1;
		symmap_reserve_object(obj, end - po->first_sym);
		for (j = po->first_sym; j < end; j++) {
			const struct pending_sym *ps = &c->syms[j];
			uint64_t hash = ahead[j % AHEAD];
			struct map_symbol *s;

			ahead[j % AHEAD] = hash_ahead(map, c, j + AHEAD);
			s = symmap_add_hashed(map, obj, ps->name, ps->len, hash, ps->type,
					      ps->addr, ps->flags);
			for (; k < c->nr_files && c->files[k].sym == j; k++)
				symmap_set_file_len(map, s, c->files[k].path, c->files[k].len);
		}
	}
	if (c->err) {
		lr.lineno = c->err_line + line_offset;
		return parse_error(&lr, c->err);
	}
	return 0;
}

/*
 * Two threads, as two cores are what the tools usually share; a part under
 * 4 MB costs more in a thread than it saves.
 */
#define PARSE_THREADS 2
#define CHUNK_MIN (1 << 22)

/* Cut the body into parts that start at object lines, about evenly spaced. */
static size_t split_chunks(struct chunk *c, const struct lines *lr,
			   const struct strset *filter)
{
	static const char marker[] = "\nobject ";
	size_t size = lr->end - lr->p, n = size / CHUNK_MIN, nr = 1, i;

	if (n > PARSE_THREADS)
		n = PARSE_THREADS;
	c[0].lr = *lr;
	for (i = 1; i < n; i++) {
		const char *from = lr->p + size / n * i, *p;

		if (from < c[nr - 1].lr.p)
			continue;
		p = memmem(from, lr->end - from, marker, sizeof(marker) - 1);
		if (!p)
			break;
		c[nr - 1].lr.end = p + 1;
		c[nr].lr.path = lr->path;
		c[nr].lr.p = p + 1;
		c[nr].lr.end = lr->end;
		nr++;
	}
	for (i = 0; i < nr; i++)
		c[i].filter = filter;
	return nr;
}

static void parse_job(void *ctx, size_t i)
{
	struct chunk *c = ctx;

	parse_chunk(&c[i]);
}

static int parse_ours(struct symmap *map, struct lines *lr)
{
	struct chunk c[PARSE_THREADS] = { 0 };
	size_t nr = split_chunks(c, lr, map->filter), nr_syms = 0, i;
	struct workers *w = workers_start(nr, nr > 1 ? PARSE_THREADS : 0, 0, parse_job, c);
	unsigned long lines = 0;
	int ret = 0;

	for (i = 0; i < nr; i++) {
		workers_wait(w, i);
		nr_syms += c[i].nr_syms;
	}
	workers_finish(w);
	symmap_reserve(map, nr_syms);
	/* In file order, so that sympos and the first error are those of one pass. */
	for (i = 0; i < nr && !ret; i++) {
		ret = load_chunk(map, &c[i], lines);
		lines += c[i].lr.lineno;
	}
	for (i = 0; i < nr; i++) {
		free(c[i].objs);
		free(c[i].syms);
		free(c[i].files);
	}
	return ret;
}

#define KSYMTAB "__ksymtab_"
#define KSYMTAB_LEN (sizeof(KSYMTAB) - 1)

/* Upstream marks an export by listing __ksymtab_<name> beside <name>. */
static void mark_upstream_exports(struct symmap *map)
{
	size_t i, j;

	for (i = 0; i < map->nr_objs; i++) {
		struct map_object *obj = map->objs[i];

		for (j = 0; j < obj->nr_syms; j++) {
			struct map_symbol *s;

			if (!str_starts_with(obj->syms[j]->name, "__ksymtab_"))
				continue;
			s = symmap_lookup(map, obj->syms[j]->name + strlen("__ksymtab_"));
			for (; s; s = s->next)
				if (s->obj == obj)
					s->flags |= MAP_EXPORTED;
		}
	}
}

static int parse_upstream(struct symmap *map, struct lines *lr)
{
	struct map_object *obj = NULL;

	while (lines_next(lr)) {
		if (!lr->len)
			continue;
		if (lr->line[0] == '*') {
			if (start_object(map, lr, lr->line + 1, lr->len - 1, &obj))
				return -1;
			continue;
		}
		if (!obj)
			return parse_error(lr, "symbol before the first '*object' line");
		if (!valid_name(lr->line, lr->len))
			return parse_error(lr, "invalid symbol name");
		if (wanted(map, lr->line, lr->len) ||
		    (lr->len > KSYMTAB_LEN && !memcmp(lr->line, KSYMTAB, KSYMTAB_LEN) &&
		     strset_has(map->filter, lr->line + KSYMTAB_LEN, lr->len - KSYMTAB_LEN)))
			symmap_add_len(map, obj, lr->line, lr->len, '?', 0, 0);
	}
	mark_upstream_exports(map);
	return 0;
}

int symmap_load_names(struct symmap *map, const char *path, const struct strset *names)
{
	int ret;

	map->filter = names;
	ret = symmap_load(map, path);
	map->filter = NULL;
	return ret;
}

int symmap_load(struct symmap *map, const char *path)
{
	struct mapped_file mf;
	struct lines lr = { .path = path };
	int ret;

	if (map_file(&mf, path))
		return -1;
	lr.p = mf.data;
	lr.end = mf.data + mf.size;
	if (!lines_next(&lr)) {
		pr_err("%s: empty file, not a symbol map", path);
		ret = -1;
	} else if (lr.len == strlen(MAP_MAGIC) && !memcmp(lr.line, MAP_MAGIC, lr.len)) {
		ret = parse_ours(map, &lr);
	} else if (lr.len == strlen(MAP_UPSTREAM_MAGIC) &&
		   !memcmp(lr.line, MAP_UPSTREAM_MAGIC, lr.len)) {
		ret = parse_upstream(map, &lr);
	} else {
		pr_err("%s:1: not a symbol map: the first line must be '%s' (or upstream's '%s')",
		      path, MAP_MAGIC, MAP_UPSTREAM_MAGIC);
		ret = -1;
	}
	if (!ret && !map->nr_read) {
		pr_err("%s: the symbol map has no symbols", path);
		ret = -1;
	}
	unmap_file(&mf);
	return ret;
}
