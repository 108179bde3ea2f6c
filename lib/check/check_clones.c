// SPDX-License-Identifier: GPL-2.0-only
/*
 * Compiler-made copies of patched functions, found in the symbol map.
 */
#include <stdlib.h>
#include <string.h>

#include "check/check_clones.h"

struct clone_entry {
	char *base;
	struct map_symbol **syms;	/* NULL-terminated */
	size_t nr, alloc;
};

struct clone_index {
	struct hashtab by_base;		/* struct clone_entry, owned */
};

static struct clone_entry *find(const struct clone_index *ci, const char *base, size_t len)
{
	struct clone_entry *e;
	struct hash_iter it;

	hashtab_for_each(&ci->by_base, hash_mem(base, len), it, e)
		if (!strncmp(e->base, base, len) && !e->base[len])
			return e;
	return NULL;
}

static struct clone_entry *entry(struct clone_index *ci, const char *base, size_t len)
{
	struct clone_entry *e = find(ci, base, len);

	if (e)
		return e;
	e = xcalloc(1, sizeof(*e));
	e->base = xmalloc(len + 1);
	memcpy(e->base, base, len);
	e->base[len] = '\0';
	hashtab_add(&ci->by_base, hash_mem(base, len), e);
	return e;
}

struct clone_index *clone_index_build(const struct symmap *map, const struct strset *bases)
{
	struct clone_index *ci = xcalloc(1, sizeof(*ci));
	size_t i, j;

	for (i = 0; i < symmap_nr_objects(map); i++) {
		const struct map_object *obj = symmap_object(map, i);

		for (j = 0; j < obj->nr_syms; j++) {
			struct map_symbol *s = obj->syms[j];
			const char *dot = strchr(s->name, '.');
			struct clone_entry *e;

			/* ".L" local labels and the like have no base. */
			if (!dot || dot == s->name || !strset_has(bases, s->name, dot - s->name))
				continue;
			e = entry(ci, s->name, dot - s->name);
			grow_array(&e->syms, &e->alloc, e->nr + 2, sizeof(*e->syms));
			e->syms[e->nr++] = s;
			e->syms[e->nr] = NULL;
		}
	}
	return ci;
}

void clone_index_free(struct clone_index *ci)
{
	struct clone_entry *e;
	size_t i;

	if (!ci)
		return;
	hashtab_for_all(&ci->by_base, i, e) {
		free(e->base);
		free(e->syms);
		free(e);
	}
	hashtab_free(&ci->by_base);
	free(ci);
}

struct map_symbol *const *clone_index_get(const struct clone_index *ci, const char *base)
{
	struct clone_entry *e;

	if (!ci || !*base)
		return NULL;
	e = find(ci, base, strlen(base));
	return e ? e->syms : NULL;
}

/* Is word one of the dot-separated parts of name's suffix? */
static bool has_part(const char *name, const char *word)
{
	size_t len = strlen(word);
	const char *p = strchr(name, '.');

	while (p) {
		p++;
		if (!strncmp(p, word, len) && (p[len] == '.' || !p[len]))
			return true;
		p = strchr(p, '.');
	}
	return false;
}

bool clone_is_rename(const char *name)
{
	return has_part(name, "llvm") || has_part(name, "lto_priv");
}

bool clone_is_separate(const char *name)
{
	const char *dot = strchr(name, '.');

	/* foo.cold is a piece of foo; foo.part.0.cold is a piece of a clone. */
	if (dot && !strcmp(dot, ".cold"))
		return false;
	return !clone_is_rename(name);
}

const char *clone_meaning(const char *name)
{
	const char *dot = strchr(name, '.');

	if (dot && !strcmp(dot, ".cold"))
		return "its unlikely blocks, moved out of line: part of the function itself, "
		       "replaced with it";
	if (clone_is_rename(name))
		return "the function itself, renamed by LTO (a promoted local symbol): "
		       "patch it under this name";
	if (has_part(name, "part"))
		return "partial inlining: callers run an inlined copy of the function's head "
		       "and call this outlined rest";
	if (has_part(name, "constprop"))
		return "a copy specialized for constant arguments; callers that call it do "
		       "not reach the patched function";
	if (has_part(name, "isra"))
		return "a copy with parameters removed or passed by value (IPA-SRA); callers "
		       "that call it do not reach the patched function";
	if (has_part(name, "localalias"))
		return "a local alias of the function's code";
	return "a compiler-made copy; callers that call it do not reach the patched function";
}
