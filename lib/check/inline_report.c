// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inlined copies of patched functions, per function and per source.
 */
#include <stdlib.h>
#include <string.h>

#include "check/inline_report.h"

static const char *const source_name[NR_INLINE_SOURCES] = {
	[INLINE_DWARF] = "DWARF",
	[INLINE_IPA] = "gcc ipa-clones",
};

/*
 * By container, then by position in the edge list: of several edges into
 * one container, the first read names the functions it was inlined via.
 */
static int cmp_edge(const void *a, const void *b)
{
	const struct inline_edge *x = *(const struct inline_edge *const *)a;
	const struct inline_edge *y = *(const struct inline_edge *const *)b;
	int r = strcmp(x->container, y->container);

	return r ? r : (x > y) - (x < y);
}

/*
 * A build tree's dumps hold an edge per inlined call of every patched
 * function: index them by callee so that each function finds its own
 * without a pass over all of them.
 */
static void gather_source(struct klp_check *c, int s)
{
	const struct inline_edges *edges = &c->edges[s];
	const struct inline_edge **hits = NULL;
	struct hashtab by_callee = { 0 };
	size_t i, j, nr, alloc = 0;
	struct inline_edge *e;
	struct hash_iter it;

	hashtab_reserve(&by_callee, edges->nr);
	for (j = 0; j < edges->nr; j++)
		hashtab_add(&by_callee, hash_str(edges->v[j].callee), &edges->v[j]);
	for (i = 0; i < c->nr_funcs; i++) {
		struct func_report *fr = &c->funcs[i];
		const char *name = fr->fn->old_name;

		nr = 0;
		hashtab_for_each(&by_callee, hash_str(name), it, e) {
			if (strcmp(e->callee, name))
				continue;
			grow_array(&hits, &alloc, nr + 1, sizeof(*hits));
			hits[nr++] = e;
		}
		if (!nr)
			continue;
		qsort(hits, nr, sizeof(*hits), cmp_edge);
		fr->inl[s] = xcalloc(nr, sizeof(*fr->inl[s]));
		for (j = 0; j < nr; j++) {
			struct inline_container *ic;

			if (j && !strcmp(hits[j]->container, hits[j - 1]->container))
				continue;
			ic = &fr->inl[s][fr->nr_inl[s]++];
			ic->name = hits[j]->container;
			ic->via = hits[j]->via;
			ic->patched = strset_has(&c->patched, ic->name, strlen(ic->name));
		}
	}
	free(hits);
	hashtab_free(&by_callee);
}

void inline_report_gather(struct klp_check *c)
{
	int s;

	for (s = 0; s < NR_INLINE_SOURCES; s++)
		gather_source(c, s);
}

static int cmp_container_name(const void *key, const void *elem)
{
	const struct inline_container *ic = elem;

	return strcmp(key, ic->name);
}

static bool has_container(const struct func_report *fr, int s, const char *name)
{
	return fr->nr_inl[s] && bsearch(name, fr->inl[s], fr->nr_inl[s], sizeof(*fr->inl[s]),
					cmp_container_name);
}

static void report_source(struct klp_check *c, const struct func_report *fr, int s)
{
	const char *name = fr->fn->old_name;
	struct strbuf list = { 0 };
	size_t k, unpatched = 0;
	struct finding *f;

	for (k = 0; k < fr->nr_inl[s]; k++) {
		const struct inline_container *it = &fr->inl[s][k];

		unpatched += !it->patched;
		strbuf_addf(&list, "%s%s", k ? ", " : "", it->name);
	}
	f = report_add(&c->rep, unpatched ? FINDING_WARNING : FINDING_NOTE,
		       s == INLINE_IPA ? "inlined-ipa" : "inlined-dwarf", fr->object, name,
		       "%s: %s %s %zu function%s (%s): %s%s", fr->object, name,
		       /* The error said it is missing: this says where its code went. */
		       fr->in_map ? "is inlined into" :
		       "has no body of its own to patch: it is inlined into",
		       fr->nr_inl[s], fr->nr_inl[s] == 1 ? "" : "s", source_name[s],
		       list.buf,
		       !fr->in_map ? "; patch those instead" :
		       unpatched ? "; the copies in unpatched ones keep the old code: "
		       "patch them too" : "; all patched");
	for (k = 0; k < fr->nr_inl[s]; k++) {
		const struct inline_container *it = &fr->inl[s][k];

		finding_note(f, "%s [%s]%s%s", it->name,
			     it->patched ? "patched" : "NOT patched",
			     it->via ? " via " : "", it->via ? it->via : "");
	}
	strbuf_release(&list);
}

static void report_disagreement(struct klp_check *c, const struct func_report *fr)
{
	struct strbuf only[NR_INLINE_SOURCES] = { { 0 }, { 0 } };
	size_t k;
	int s;

	for (s = 0; s < NR_INLINE_SOURCES; s++)
		for (k = 0; k < fr->nr_inl[s]; k++)
			if (!has_container(fr, !s, fr->inl[s][k].name))
				strbuf_addf(&only[s], "%s%s", only[s].len ? ", " : "",
					    fr->inl[s][k].name);
	if (only[INLINE_DWARF].len || only[INLINE_IPA].len)
		report_add(&c->rep, FINDING_WARNING, "inlined-disagree", fr->object,
			   fr->fn->old_name,
			   "%s: %s: DWARF and gcc's ipa-clones disagree on where it is "
			   "inlined (only DWARF: %s; only ipa-clones: %s): were they made "
			   "from the same build?", fr->object, fr->fn->old_name,
			   only[INLINE_DWARF].len ? only[INLINE_DWARF].buf : "-",
			   only[INLINE_IPA].len ? only[INLINE_IPA].buf : "-");
	strbuf_release(&only[INLINE_DWARF]);
	strbuf_release(&only[INLINE_IPA]);
}

void inline_report_add(struct klp_check *c, const struct func_report *fr)
{
	int s;

	for (s = 0; s < NR_INLINE_SOURCES; s++)
		if (c->have_inl[s] && fr->nr_inl[s])
			report_source(c, fr, s);
	if (c->have_inl[INLINE_DWARF] && c->have_inl[INLINE_IPA])
		report_disagreement(c, fr);
}
