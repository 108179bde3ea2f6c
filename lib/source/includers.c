// SPDX-License-Identifier: GPL-2.0-only
/*
 * The source tree's include graph: every .c and .h file's #include lines,
 * read once, resolved to files of the tree, and walked backwards from a
 * header to the files that include it.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ctext.h"
#include "base/hashtab.h"
#include "source/includers.h"
#include "source/run.h"
#include "source/source_priv.h"

struct inc_node {
	char *path;			/* relative to the tree */
	size_t *includers;		/* nodes that include it */
	size_t nr_includers, alloc_includers;
};

/* An #include name that resolved to no file of the tree. */
struct unresolved {
	char *name;
	size_t from;
};

struct dir_built {
	char *dir;
	bool built;
};

struct include_graph {
	struct inc_node *nodes;
	size_t nr;
	struct hashtab by_path;		/* path -> node index + 1 */
	struct unresolved *unres;
	size_t nr_unres, alloc_unres;
	struct hashtab unres_by_base;	/* the name's last component -> unresolved + 1 */
	char *arch;			/* the target's arch/ directory name */
	size_t *parts, nr_parts, alloc_parts;	/* .c files other .c files #include */
	struct hashtab dirs;		/* directory -> struct dir_built */
};

/* Directories whose files are not the kernel's, or another architecture's. */
static bool skipped(const struct include_graph *g, const char *rel)
{
	static const char *const dirs[] = {
		"Documentation/", "tools/", "samples/", "scripts/", "usr/",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		if (str_starts_with(rel, dirs[i]))
			return true;
	if (str_starts_with(rel, "arch/")) {
		size_t n = strlen(g->arch);

		return !g->arch[0] || strncmp(rel + 5, g->arch, n) || rel[5 + n] != '/';
	}
	return false;
}

static bool c_or_h(const char *name)
{
	return str_ends_with(name, ".c") || str_ends_with(name, ".h");
}

/* The architecture of the headers tree: the one arch/ directory with generated headers. */
static char *target_arch(const struct source_ctx *ctx)
{
	char *dir = xasprintf("%s/arch", ctx->o.kdir), *found = NULL;
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && !found && (de = readdir(d))) {
		char *gen;

		if (de->d_name[0] == '.')
			continue;
		gen = xasprintf("%s/%s/include/generated", dir, de->d_name);
		if (path_exists(gen))
			found = xstrdup(de->d_name);
		free(gen);
	}
	if (d)
		closedir(d);
	free(dir);
	return found ? found : xstrdup("");
}

static ssize_t node_of(const struct include_graph *g, const char *path)
{
	struct hash_iter it;
	size_t *idx;

	hashtab_for_each(&g->by_path, hash_str(path), it, idx)
		if (!strcmp(g->nodes[*idx - 1].path, path))
			return *idx - 1;
	return -1;
}

/* dir/name with "." and ".." components folded; NULL when it leaves the tree. */
static char *join(const char *dir, size_t dlen, const char *name, size_t nlen)
{
	char *s = xasprintf("%.*s%s%.*s", (int)dlen, dir, dlen ? "/" : "", (int)nlen, name);
	char *out = xmalloc(strlen(s) + 1), *p = s;
	size_t o = 0;

	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (!o) {
				free(s);
				free(out);
				return NULL;
			}
			while (o && out[o - 1] != '/')
				o--;
			if (o)
				o--;
		} else if (n) {
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		if (*p)
			p++;
	}
	out[o] = '\0';
	free(s);
	return out;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

struct reading {
	struct include_graph *g;
	size_t from;
	struct strbuf names;		/* "q name\n" lines */
};

static void collect(const char *name, size_t len, bool quoted, void *data)
{
	struct reading *r = data;

	if (memchr(name, '\n', len))
		return;
	strbuf_addf(&r->names, "%c %.*s\n", quoted ? 'q' : 'a', (int)len, name);
}

static ssize_t resolve(const struct include_graph *g, const char *from, const char *name,
		       bool quoted)
{
	const char *slash = strrchr(from, '/');
	char *cand[6] = { 0 };
	size_t i, nr = 0;
	ssize_t found = -1;

	if (quoted)
		cand[nr++] = join(from, slash ? (size_t)(slash - from) : 0, name, strlen(name));
	cand[nr++] = join("include", 7, name, strlen(name));
	cand[nr++] = xasprintf("arch/%s/include/%s", g->arch, name);
	cand[nr++] = join("include/uapi", 12, name, strlen(name));
	cand[nr++] = xasprintf("arch/%s/include/uapi/%s", g->arch, name);
	/* Kbuild's generic-y: a generated <asm/x.h> that includes <asm-generic/x.h>. */
	if (str_starts_with(name, "asm/"))
		cand[nr++] = xasprintf("include/asm-generic/%s", name + 4);
	for (i = 0; i < nr; i++) {
		if (found < 0 && cand[i])
			found = node_of(g, cand[i]);
		free(cand[i]);
	}
	return found;
}

static void add_edge(struct include_graph *g, size_t to, size_t from)
{
	struct inc_node *n = &g->nodes[to];

	if (n->nr_includers && n->includers[n->nr_includers - 1] == from)
		return;
	grow_array(&n->includers, &n->alloc_includers, n->nr_includers + 1,
		   sizeof(*n->includers));
	n->includers[n->nr_includers++] = from;
}

struct include_graph *include_graph_read(struct source_ctx *ctx)
{
	struct include_graph *g = xcalloc(1, sizeof(*g));
	struct dir_list all = { 0 };
	size_t tlen = strlen(ctx->tree), i;
	char **names;
	int bad = 0;

	g->arch = target_arch(ctx);
	source_say(ctx, "INCLUDES", ctx->tree);
	if (dir_list_files(&all, ctx->tree, c_or_h))
		bad = -1;
	g->nodes = xcalloc(all.nr + 1, sizeof(*g->nodes));
	names = xcalloc(all.nr + 1, sizeof(*names));
	for (i = 0; i < all.nr; i++) {
		const char *rel = all.paths[i] + tlen + 1;
		size_t *idx;

		if (skipped(g, rel))
			continue;
		g->nodes[g->nr].path = xstrdup(rel);
		idx = xmalloc(sizeof(*idx));
		*idx = g->nr + 1;
		hashtab_add(&g->by_path, hash_str(rel), idx);
		{
			struct reading r = { .g = g, .from = g->nr };
			struct mapped_file mf;

			if (map_file(&mf, all.paths[i])) {
				bad = -1;
			} else {
				c_includes(mf.data, mf.size, collect, &r);
				unmap_file(&mf);
			}
			names[g->nr] = r.names.buf;
		}
		g->nr++;
	}
	dir_list_release(&all);
	for (i = 0; i < g->nr; i++) {
		char *line, *save = NULL;

		for (line = names[i] ? strtok_r(names[i], "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save)) {
			ssize_t to = resolve(g, g->nodes[i].path, line + 2, line[0] == 'q');

			if (to >= 0) {
				add_edge(g, to, i);
				continue;
			}
			grow_array(&g->unres, &g->alloc_unres, g->nr_unres + 1, sizeof(*g->unres));
			g->unres[g->nr_unres++] = (struct unresolved){ .name = xstrdup(line + 2),
								       .from = i };
		}
		free(names[i]);
	}
	free(names);
	for (i = 0; i < g->nr; i++) {
		const struct inc_node *n = &g->nodes[i];
		size_t k;

		if (!str_ends_with(n->path, ".c"))
			continue;
		for (k = 0; k < n->nr_includers; k++)
			if (str_ends_with(g->nodes[n->includers[k]].path, ".c"))
				break;
		if (k == n->nr_includers)
			continue;
		grow_array(&g->parts, &g->alloc_parts, g->nr_parts + 1, sizeof(*g->parts));
		g->parts[g->nr_parts++] = i;
	}
	for (i = 0; i < g->nr_unres; i++) {
		size_t *idx = xmalloc(sizeof(*idx));

		*idx = i + 1;
		hashtab_add(&g->unres_by_base, hash_str(base_name(g->unres[i].name)), idx);
	}
	if (bad)
		pr_warn("%s: some files could not be read: their #includes are missing", ctx->tree);
	return g;
}

void include_graph_free(struct include_graph *g)
{
	size_t i;
	void *p;

	if (!g)
		return;
	for (i = 0; i < g->nr; i++) {
		free(g->nodes[i].path);
		free(g->nodes[i].includers);
	}
	for (i = 0; i < g->nr_unres; i++)
		free(g->unres[i].name);
	hashtab_for_all(&g->by_path, i, p)
		free(p);
	hashtab_free(&g->by_path);
	hashtab_for_all(&g->unres_by_base, i, p)
		free(p);
	hashtab_free(&g->unres_by_base);
	hashtab_for_all(&g->dirs, i, p) {
		free(((struct dir_built *)p)->dir);
		free(p);
	}
	hashtab_free(&g->dirs);
	free(g->parts);
	free(g->unres);
	free(g->nodes);
	free(g->arch);
	free(g);
}

size_t include_graph_files(const struct include_graph *g)
{
	return g->nr;
}

/* Does path end with name, at a '/'? */
static bool path_tail(const char *path, const char *name)
{
	size_t p = strlen(path), n = strlen(name);

	return n <= p && !strcmp(path + p - n, name) && (n == p || path[p - n - 1] == '/');
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_list(struct dir_list *l)
{
	if (l->nr)
		qsort(l->paths, l->nr, sizeof(*l->paths), cmp_str);
}

static void list_add(struct dir_list *l, const char *s)
{
	grow_array(&l->paths, &l->alloc, l->nr + 1, sizeof(*l->paths));
	l->paths[l->nr++] = xstrdup(s);
}

/* Every node that includes start, directly or not, in BFS order; *nr of them. */
static size_t *closure(const struct include_graph *g, size_t start, size_t *nr)
{
	bool *seen = xcalloc(g->nr, sizeof(*seen));
	size_t *queue = xcalloc(g->nr, sizeof(*queue)), head = 0, tail = 0, i, *idx;
	struct hash_iter it;

	seen[start] = true;
	queue[tail++] = start;
	while (head < tail) {
		const struct inc_node *n = &g->nodes[queue[head++]];

		for (i = 0; i < n->nr_includers; i++)
			if (!seen[n->includers[i]]) {
				seen[n->includers[i]] = true;
				queue[tail++] = n->includers[i];
			}
		hashtab_for_each(&g->unres_by_base, hash_str(base_name(n->path)), it, idx) {
			const struct unresolved *u = &g->unres[*idx - 1];

			if (!seen[u->from] && path_tail(n->path, u->name)) {
				seen[u->from] = true;
				queue[tail++] = u->from;
			}
		}
	}
	free(seen);
	*nr = tail;
	return queue;
}

static ssize_t find_sorted(const struct dir_list *l, const char *s)
{
	char *const *p = l->nr ? bsearch(&s, l->paths, l->nr, sizeof(*l->paths), cmp_str) : NULL;

	return p ? p - l->paths : -1;
}

/* start and the .c files that include it, directly or through other .c files. */
static size_t *c_closure(const struct include_graph *g, size_t start, size_t *nr)
{
	size_t *queue = xmalloc(sizeof(*queue)), alloc = 1, head = 0, tail = 0, i, k;

	queue[tail++] = start;
	while (head < tail) {
		const struct inc_node *n = &g->nodes[queue[head++]];

		for (i = 0; i < n->nr_includers; i++) {
			size_t from = n->includers[i];
			bool seen = false;

			if (!str_ends_with(g->nodes[from].path, ".c"))
				continue;
			/* These chains are a file or two long. */
			for (k = 0; k < tail && !seen; k++)
				seen = queue[k] == from;
			if (seen)
				continue;
			grow_array(&queue, &alloc, tail + 1, sizeof(*queue));
			queue[tail++] = from;
		}
	}
	*nr = tail;
	return queue;
}

/* part is compiled in u->cfiles.paths[built]; parts: path -> index in u->parts + 1. */
static void add_part(struct include_users *u, struct hashtab *parts, const char *part,
		     size_t built)
{
	uint64_t h = hash_str(part);
	struct hash_iter it;
	size_t *idx, k = SIZE_MAX;

	hashtab_for_each(parts, h, it, idx)
		if (!strcmp(u->parts.paths[*idx - 1], part))
			k = *idx - 1;
	if (k == SIZE_MAX) {
		k = u->parts.nr;
		list_add(&u->parts, part);
		u->part_of = xrealloc(u->part_of, u->parts.nr * sizeof(*u->part_of));
		u->nr_part_of = xrealloc(u->nr_part_of, u->parts.nr * sizeof(*u->nr_part_of));
		u->part_of[k] = NULL;
		u->nr_part_of[k] = 0;
		idx = xmalloc(sizeof(*idx));
		*idx = k + 1;
		hashtab_add(parts, h, idx);
	}
	u->part_of[k] = xrealloc(u->part_of[k], (u->nr_part_of[k] + 1) * sizeof(**u->part_of));
	u->part_of[k][u->nr_part_of[k]++] = built;
}

int include_graph_users(struct include_graph *g, struct source_ctx *ctx, const char *header,
			struct include_users *u)
{
	ssize_t start = node_of(g, header);
	struct hashtab parts = { 0 };
	bool *in_closure;
	size_t *queue, nr, i;
	void *p;

	memset(u, 0, sizeof(*u));
	if (start < 0) {
		pr_err("%s: not a header of the source tree (%s)", header, ctx->tree);
		return -1;
	}
	queue = closure(g, start, &nr);
	in_closure = xcalloc(g->nr, sizeof(*in_closure));
	for (i = 1; i < nr; i++) {
		const char *rel = g->nodes[queue[i]].path;

		in_closure[queue[i]] = true;
		list_add(str_ends_with(rel, ".h") ? &u->hdrs : &u->cfiles, rel);
	}
	free(queue);
	sort_list(&u->hdrs);
	sort_list(&u->cfiles);
	/*
	 * The .c files some .c file #includes (a few hundred in the tree),
	 * each with the files of the closure that compile it, whether or not
	 * it includes the header itself: kernel/sched/psi.c includes nothing,
	 * and is compiled in build_utility.c after its headers.
	 */
	for (i = 0; i < g->nr_parts; i++) {
		size_t *q, k;

		q = c_closure(g, g->parts[i], &nr);
		for (k = 1; k < nr; k++) {
			ssize_t at;

			if (!in_closure[q[k]])
				continue;
			at = find_sorted(&u->cfiles, g->nodes[q[k]].path);
			if (at >= 0)
				add_part(u, &parts, g->nodes[g->parts[i]].path, at);
		}
		free(q);
	}
	free(in_closure);
	hashtab_for_all(&parts, i, p)
		free(p);
	hashtab_free(&parts);
	return 0;
}

bool include_graph_built(struct include_graph *g, struct source_ctx *ctx, const char *path)
{
	char *dir = strndup(path, strrchr(path, '/') ? strrchr(path, '/') - path : 0);
	char *module = NULL, *composite = NULL;
	uint64_t h = hash_str(dir);
	struct hash_iter it;
	struct dir_built *db;
	int built = -1;

	/* A directory's answer is its ancestors' Makefiles: asked once. */
	hashtab_for_each(&g->dirs, h, it, db)
		if (!strcmp(db->dir, dir))
			built = db->built;
	if (built < 0) {
		db = xmalloc(sizeof(*db));
		db->dir = dir;
		db->built = strchr(path, '/') && source_dir_built(ctx, path);
		built = db->built;
		hashtab_add(&g->dirs, h, db);
		dir = NULL;
	}
	free(dir);
	if (!built || source_file_role_quiet(ctx, path, &module, &composite))
		return false;
	free(module);
	free(composite);
	return true;
}

void include_users_release(struct include_users *u)
{
	size_t i;

	for (i = 0; i < u->parts.nr; i++)
		free(u->part_of ? u->part_of[i] : NULL);
	free(u->part_of);
	free(u->nr_part_of);
	dir_list_release(&u->hdrs);
	dir_list_release(&u->cfiles);
	dir_list_release(&u->parts);
	memset(u, 0, sizeof(*u));
}
