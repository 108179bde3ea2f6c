// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inlined copies and clones of functions, as gcc's -fdump-ipa-clones reports
 * them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/ipa_clones.h"

/* The dump's graph of one translation unit, by function name. */
struct ipa_node {
	char *name;
	bool removed, seen;
	size_t *inlined_into;	/* callers holding a copy, as node indices */
	size_t nr_inl, alloc_inl;
	struct {
		size_t idx;
		char *suffix;	/* gcc's kind: constprop, isra, part, ... */
	} *clones;		/* functions cloned from this one */
	size_t nr_clones, alloc_clones;
};

struct ipa_graph {
	struct ipa_node *nodes;
	size_t nr, alloc;
	/* Node indices + 1 by name: the nodes move as the array grows, indices do not. */
	struct hashtab by_name;
};

static size_t node(struct ipa_graph *g, const char *name)
{
	uint64_t hash = hash_str(name);
	struct hash_iter it;
	void *item;

	hashtab_for_each(&g->by_name, hash, it, item) {
		size_t i = (uintptr_t)item - 1;

		if (!strcmp(g->nodes[i].name, name))
			return i;
	}
	grow_array(&g->nodes, &g->alloc, g->nr + 1, sizeof(*g->nodes));
	memset(&g->nodes[g->nr], 0, sizeof(g->nodes[g->nr]));
	g->nodes[g->nr].name = xstrdup(name);
	hashtab_add(&g->by_name, hash, (void *)(uintptr_t)(g->nr + 1));
	return g->nr++;
}

static void add_index(size_t **v, size_t *nr, size_t *alloc, size_t idx)
{
	size_t i;

	/* gcc prints one line per inlined call site: keep one edge. */
	for (i = 0; i < *nr; i++)
		if ((*v)[i] == idx)
			return;
	grow_array(v, alloc, *nr + 1, sizeof(**v));
	(*v)[(*nr)++] = idx;
}

static void add_clone(struct ipa_node *n, size_t idx, const char *suffix)
{
	size_t i;

	for (i = 0; i < n->nr_clones; i++)
		if (n->clones[i].idx == idx)
			return;
	grow_array(&n->clones, &n->alloc_clones, n->nr_clones + 1, sizeof(*n->clones));
	n->clones[n->nr_clones].idx = idx;
	n->clones[n->nr_clones++].suffix = xstrdup(suffix);
}

static void graph_release(struct ipa_graph *g)
{
	size_t i, j;

	for (i = 0; i < g->nr; i++) {
		free(g->nodes[i].name);
		free(g->nodes[i].inlined_into);
		for (j = 0; j < g->nodes[i].nr_clones; j++)
			free(g->nodes[i].clones[j].suffix);
		free(g->nodes[i].clones);
	}
	free(g->nodes);
	hashtab_free(&g->by_name);
}

/* Split a line at ';' in place; returns the number of fields. */
static int split(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	for (; *line && n < max; line++) {
		if (*line == ';') {
			*line = '\0';
			f[n++] = line + 1;
		}
	}
	return n;
}

static int parse(const char *path, struct ipa_graph *g)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int ret = 0;

	if (!fp) {
		pr_err("%s: cannot open: %m", path);
		return -1;
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		char *f[16];
		int n;

		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		if (strlen(line) != (size_t)len) {
			pr_err("%s:%zu: a NUL byte: not a gcc -fdump-ipa-clones file", path, lineno);
			ret = -1;
			break;
		}
		n = split(line, f, ARRAY_SIZE(f));
		if (!strcmp(f[0], "Callgraph clone") && n >= 12 && *f[1] && *f[6]) {
			size_t orig = node(g, f[1]), clone = node(g, f[6]);
			struct ipa_node *o = &g->nodes[orig];

			if (orig == clone)
				continue;
			if (!strcmp(f[11], "inlining to"))
				add_index(&o->inlined_into, &o->nr_inl, &o->alloc_inl, clone);
			else
				add_clone(o, clone, f[11]);
		} else if (!strcmp(f[0], "Callgraph removal") && n >= 6 && *f[1]) {
			/* node() may move the array: index it only after. */
			size_t idx = node(g, f[1]);

			g->nodes[idx].removed = true;
		} else {
			pr_err("%s:%zu: not a line of gcc's -fdump-ipa-clones output "
			      "(\"Callgraph clone;...\" with 12 fields or "
			      "\"Callgraph removal;...\" with 6)",
			      path, lineno);
			ret = -1;
			break;
		}
	}
	if (!ret && ferror(fp)) {
		pr_err("%s: read error", path);
		ret = -1;
	}
	free(line);
	fclose(fp);
	return ret;
}

/*
 * Where copies of root's code live: callers it was inlined into, their own
 * callers when those were inlined in turn, and the same for root's clones
 * (an inlined foo.constprop.0 carries foo's code too). Each edge names the
 * last function in between, if any.
 */
static void closure(struct ipa_graph *g, size_t root, struct inline_edges *out,
		    struct ipa_clones *clones)
{
	size_t *stack = NULL, nr = 0, alloc = 0, i, k;
	size_t *seen = NULL, nr_seen = 0, alloc_seen = 0;

	grow_array(&stack, &alloc, 1, sizeof(*stack));
	stack[nr++] = root;
	g->nodes[root].seen = true;
	while (nr) {
		size_t cur = stack[--nr];
		struct ipa_node *n = &g->nodes[cur];

		/* Reset what this walk marked only: a dump can hold many functions. */
		grow_array(&seen, &alloc_seen, nr_seen + 1, sizeof(*seen));
		seen[nr_seen++] = cur;

		for (k = 0; k < n->nr_clones + n->nr_inl; k++) {
			bool is_clone = k < n->nr_clones;
			size_t next = is_clone ? n->clones[k].idx :
					       n->inlined_into[k - n->nr_clones];

			if (is_clone && cur == root) {
				grow_array(&clones->v, &clones->alloc, clones->nr + 1,
					   sizeof(*clones->v));
				clones->v[clones->nr].orig = xstrdup(n->name);
				clones->v[clones->nr].clone = xstrdup(g->nodes[next].name);
				clones->v[clones->nr++].suffix = xstrdup(n->clones[k].suffix);
			}
			if (!is_clone && !g->nodes[next].removed)
				inline_edges_add(out, g->nodes[root].name, g->nodes[next].name,
						 cur != root ? n->name : NULL);
			if (g->nodes[next].seen)
				continue;
			g->nodes[next].seen = true;
			grow_array(&stack, &alloc, nr + 1, sizeof(*stack));
			stack[nr++] = next;
		}
	}
	for (i = 0; i < nr_seen; i++)
		g->nodes[seen[i]].seen = false;
	free(seen);
	free(stack);
}

int ipa_clones_read(const char *path, const struct strset *wanted,
		    struct inline_edges *inlines, struct ipa_clones *clones)
{
	struct ipa_graph g = { 0 };
	size_t i;

	if (parse(path, &g)) {
		graph_release(&g);
		return -1;
	}
	for (i = 0; i < g.nr; i++)
		if (strset_has(wanted, g.nodes[i].name, strlen(g.nodes[i].name)))
			closure(&g, i, inlines, clones);
	graph_release(&g);
	return 0;
}

void ipa_clones_release(struct ipa_clones *c)
{
	size_t i;

	for (i = 0; i < c->nr; i++) {
		free(c->v[i].orig);
		free(c->v[i].clone);
		free(c->v[i].suffix);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}
