// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/symlist.h"
#include "symbols/symmap.h"
#include "symbols/symmap_priv.h"
#include "base/util.h"

void symlist_add(struct symlist *l, const char *name, uint64_t addr, char type,
		 unsigned int flags)
{
	struct lsym *s;

	grow_array(&l->syms, &l->alloc, l->nr + 1, sizeof(*l->syms));
	s = &l->syms[l->nr++];
	s->name = name;
	s->addr = addr;
	s->type = type;
	s->flags = flags;
}

void symlist_own_names(struct symlist *l)
{
	struct strbuf sb = { 0 };
	size_t i;

	for (i = 0; i < l->nr; i++)
		strbuf_add(&sb, l->syms[i].name, strlen(l->syms[i].name) + 1);
	free(l->strings);
	l->strings = sb.buf;
	for (i = 0, sb.len = 0; i < l->nr; i++) {
		l->syms[i].name = sb.buf + sb.len;
		sb.len += strlen(sb.buf + sb.len) + 1;
	}
}

#define KSYMTAB "__ksymtab_"

void symlist_mark_ksymtab_exports(struct symlist *l)
{
	struct strset exported = { 0 }, global = { 0 };
	size_t i, plen = strlen(KSYMTAB);

	for (i = 0; i < l->nr; i++)
		if (!strncmp(l->syms[i].name, KSYMTAB, plen) && l->syms[i].name[plen])
			strset_add(&exported, l->syms[i].name + plen);
	if (!exported.ht.nr)
		return;
	for (i = 0; i < l->nr; i++) {
		struct lsym *s = &l->syms[i];

		if (isupper((unsigned char)s->type) &&
		    strset_has(&exported, s->name, strlen(s->name))) {
			s->flags |= MAP_EXPORTED;
			strset_add(&global, s->name);
		}
	}
	/* No global namesake (zeroed or odd letters): mark them all. */
	for (i = 0; i < l->nr; i++) {
		struct lsym *s = &l->syms[i];
		size_t len = strlen(s->name);

		if (!(s->flags & MAP_EXPORTED) && strset_has(&exported, s->name, len) &&
		    !strset_has(&global, s->name, len))
			s->flags |= MAP_EXPORTED;
	}
	strset_free(&exported);
	strset_free(&global);
}

/* What the map format can carry: kallsyms' limit, no blanks nor control bytes. */
static bool usable_name(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	for (; *p; p++)
		if (*p < 0x21 || *p == 0x7f)
			return false;
	return p != (const unsigned char *)name && p - (const unsigned char *)name < 512;
}

/* As the map parser does: hash a few names ahead so that table misses overlap. */
#define LIST_AHEAD 8

static uint64_t hash_ahead(const struct symmap *map, const struct symlist *l, size_t i)
{
	uint64_t hash = 0;

	if (i < l->nr) {
		hash = hash_str(l->syms[i].name);
		symmap_prefetch(map, hash);
	}
	return hash;
}

int symlist_to_map(struct symmap *map, const struct symlist *l)
{
	uint64_t ahead[LIST_AHEAD];
	struct map_object *obj;
	size_t i;

	for (i = 0; i < l->nr; i++) {
		if (!usable_name(l->syms[i].name)) {
			pr_err("%s: a symbol name is empty, longer than 511 bytes or has blanks or "
			      "control characters", l->path);
			return -1;
		}
	}
	if (symmap_find_object(map, l->name)) {
		pr_err("%s: object '%s' is already in the map", l->path, l->name);
		return -1;
	}
	obj = symmap_add_object(map, l->name);
	if (!obj) {
		pr_err("%s: invalid object name '%s'", l->path, l->name);
		return -1;
	}
	symmap_reserve_object(obj, l->nr);
	for (i = 0; i < LIST_AHEAD; i++)
		ahead[i] = hash_ahead(map, l, i);
	for (i = 0; i < l->nr; i++) {
		const struct lsym *ls = &l->syms[i];
		uint64_t hash = ahead[i % LIST_AHEAD];

		ahead[i % LIST_AHEAD] = hash_ahead(map, l, i + LIST_AHEAD);
		symmap_add_hashed(map, obj, ls->name, strlen(ls->name), hash, ls->type, ls->addr,
				  ls->flags);
	}
	return 0;
}

void symlist_release(struct symlist *l)
{
	free(l->name);
	free(l->path);
	free(l->syms);
	free(l->strings);
	memset(l, 0, sizeof(*l));
}
