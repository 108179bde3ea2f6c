// SPDX-License-Identifier: GPL-2.0-only
/*
 * Struct layout of the original and patched builds, from their DWARF:
 * each type is flattened to its members (anonymous members' own members
 * at their place), each with its offset and size, and the two compared
 * member by member under the type's name.
 */
#include <dwarf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hashtab.h"
#include "base/message.h"
#include "build/layout.h"
#include "elf/dwarf_inline.h"

/* A bound on nesting and on type chains: a hostile file may make them loop. */
#define MAX_DEPTH 32

struct member {
	char *name;
	uint64_t bitoff;	/* from the start of the type */
	uint64_t bits;		/* its size */
	char *type;		/* for messages */
	unsigned int nth;	/* of the members of its name before it (anonymous ones) */
};

struct layout {
	char *key;		/* "struct foo", "typedef foo_t", "variable foo" */
	int64_t size;		/* bytes; -1: not known */
	char *type;		/* a variable's type, for messages */
	struct member *m;
	size_t nr, alloc;
};

struct layouts {
	struct layout **v;
	size_t nr, alloc;
	struct hashtab ht;	/* by key */
};

static Dwarf_Die *type_of(Dwarf_Die *die, Dwarf_Die *mem)
{
	Dwarf_Attribute attr;

	if (!dwarf_attr_integrate(die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, mem))
		return NULL;
	return mem;
}

/* Through typedefs and qualifiers, not arrays or pointers. */
static Dwarf_Die *strip_cv(Dwarf_Die *die, Dwarf_Die *mem)
{
	int depth;

	for (depth = 0; die && depth < MAX_DEPTH; depth++) {
		switch (dwarf_tag(die)) {
		case DW_TAG_typedef:
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
		case DW_TAG_atomic_type:
			die = type_of(die, mem);
			continue;
		default:
			return die;
		}
	}
	return NULL;
}

static void describe(Dwarf_Die *die, int depth, char *buf, size_t len)
{
	const char *name = die ? dwarf_diename(die) : "void";
	Dwarf_Die mem;
	size_t n;

	if (depth > MAX_DEPTH) {
		snprintf(buf, len, "...");
		return;
	}
	if (!die) {
		snprintf(buf, len, "void");
		return;
	}
	switch (dwarf_tag(die)) {
	case DW_TAG_structure_type:
		snprintf(buf, len, "struct %s", name ? name : "{...}");
		return;
	case DW_TAG_union_type:
		snprintf(buf, len, "union %s", name ? name : "{...}");
		return;
	case DW_TAG_enumeration_type:
		snprintf(buf, len, "enum %s", name ? name : "{...}");
		return;
	case DW_TAG_subroutine_type:
		snprintf(buf, len, "a function");
		return;
	case DW_TAG_pointer_type:
	case DW_TAG_array_type:
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		describe(type_of(die, &mem), depth + 1, buf, len);
		n = strlen(buf);
		if (dwarf_tag(die) == DW_TAG_pointer_type)
			snprintf(buf + n, len - n, " *");
		else if (dwarf_tag(die) == DW_TAG_array_type)
			snprintf(buf + n, len - n, "[]");
		return;
	default:
		snprintf(buf, len, "%s", name ? name : "?");
	}
}

/* Bytes of a member's or variable's type; -1 when DWARF does not tell. */
static int64_t type_size(Dwarf_Die *type)
{
	Dwarf_Word size;

	if (!type)
		return -1;
	if (dwarf_tag(type) == DW_TAG_pointer_type) {
		Dwarf_Attribute attr;

		if (dwarf_attr(type, DW_AT_byte_size, &attr) && !dwarf_formudata(&attr, &size))
			return (int64_t)size;
		return 8;
	}
	return dwarf_aggregate_size(type, &size) ? -1 : (int64_t)size;
}

static bool attr_udata(Dwarf_Die *die, unsigned int name, Dwarf_Word *v)
{
	Dwarf_Attribute attr;

	return dwarf_attr(die, name, &attr) && !dwarf_formudata(&attr, v);
}

static void add_members(struct layout *l, Dwarf_Die *type, uint64_t base, const char *prefix,
			int depth)
{
	Dwarf_Die child;

	if (depth > MAX_DEPTH || dwarf_child(type, &child))
		return;
	do {
		Dwarf_Die tmem, *t, smem, *st;
		Dwarf_Word loc = 0, bit = 0, bits = 0;
		const char *name;
		struct member *m;
		char desc[256];
		int64_t size;

		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		name = dwarf_diename(&child);
		t = type_of(&child, &tmem);
		if (attr_udata(&child, DW_AT_data_bit_offset, &bit))
			loc = 0;
		else if (attr_udata(&child, DW_AT_data_member_location, &loc))
			bit = loc * 8;
		st = strip_cv(t, &smem);
		if (!name && st && (dwarf_tag(st) == DW_TAG_structure_type ||
				    dwarf_tag(st) == DW_TAG_union_type)) {
			add_members(l, st, base + bit, prefix, depth + 1);
			continue;
		}
		size = type_size(t);
		if (!attr_udata(&child, DW_AT_bit_size, &bits))
			bits = size < 0 ? 0 : (uint64_t)size * 8;
		describe(t, 0, desc, sizeof(desc));
		grow_array(&l->m, &l->alloc, l->nr + 1, sizeof(*l->m));
		m = &l->m[l->nr++];
		m->name = xasprintf("%s%s", prefix, name ? name : "(anonymous)");
		m->bitoff = base + bit;
		m->bits = bits;
		m->type = xstrdup(desc);
	} while (dwarf_siblingof(&child, &child) == 0);
}

static struct layout *find(const struct layouts *ls, const char *key)
{
	struct hash_iter it;
	struct layout *l;

	hashtab_for_each(&ls->ht, hash_str(key), it, l)
		if (!strcmp(l->key, key))
			return l;
	return NULL;
}

/* The layout of type (an aggregate, or any type for a variable) under key. */
static void add_layout(struct layouts *ls, const char *key, Dwarf_Die *type, bool members)
{
	struct layout *l;
	char desc[256];

	if (find(ls, key))
		return;
	l = xcalloc(1, sizeof(*l));
	l->key = xstrdup(key);
	l->size = type_size(type);
	describe(type, 0, desc, sizeof(desc));
	l->type = xstrdup(desc);
	if (members && type)
		add_members(l, type, 0, "", 0);
	grow_array(&ls->v, &ls->alloc, ls->nr + 1, sizeof(*ls->v));
	ls->v[ls->nr++] = l;
	hashtab_add(&ls->ht, hash_str(key), l);
}

static bool aggregate(Dwarf_Die *die)
{
	return die && (dwarf_tag(die) == DW_TAG_structure_type ||
		       dwarf_tag(die) == DW_TAG_union_type);
}

static void read_die(struct layouts *ls, Dwarf_Die *die)
{
	const char *name = dwarf_diename(die);
	Dwarf_Attribute attr;
	Dwarf_Die tmem, smem, *t, *st;
	char *key;

	switch (dwarf_tag(die)) {
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
		if (!name || dwarf_hasattr(die, DW_AT_declaration))
			return;
		key = xasprintf("%s %s", dwarf_tag(die) == DW_TAG_union_type ? "union" : "struct",
				name);
		add_layout(ls, key, die, true);
		free(key);
		return;
	case DW_TAG_typedef:
		/* typedef struct { ... } atomic_t: the struct has only this name. */
		st = strip_cv(type_of(die, &tmem), &smem);
		if (!name || !aggregate(st) || dwarf_diename(st))
			return;
		key = xasprintf("typedef %s", name);
		add_layout(ls, key, st, true);
		free(key);
		return;
	case DW_TAG_variable:
		if (dwarf_hasattr(die, DW_AT_declaration))
			return;
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
		t = type_of(die, &tmem);
		if (!name || !t)
			return;
		st = strip_cv(t, &smem);
		key = xasprintf("variable %s", name);
		/* A named type is compared under its own name. */
		add_layout(ls, key, t, aggregate(st) && !dwarf_diename(st));
		free(key);
		return;
	default:
		return;
	}
}

static void layouts_release(struct layouts *ls)
{
	size_t i, j;

	for (i = 0; i < ls->nr; i++) {
		struct layout *l = ls->v[i];

		for (j = 0; j < l->nr; j++) {
			free(l->m[j].name);
			free(l->m[j].type);
		}
		free(l->m);
		free(l->key);
		free(l->type);
		free(l);
	}
	free(ls->v);
	hashtab_free(&ls->ht);
	memset(ls, 0, sizeof(*ls));
}

/* 0: read; 1: no DWARF; -1: error printed. */
static int read_layouts(const char *path, struct layouts *ls)
{
	struct dwarf_file df;
	Dwarf_Off off = 0, next;
	size_t hsize;
	int ret;

	memset(ls, 0, sizeof(*ls));
	ret = dwarf_file_open(&df, path);
	if (ret)
		return ret;
	while (dwarf_nextcu(df.dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, die;

		if (dwarf_offdie(df.dw, off + hsize, &cu) && dwarf_child(&cu, &die) == 0)
			do
				read_die(ls, &die);
			while (dwarf_siblingof(&die, &die) == 0);
		off = next;
	}
	dwarf_file_close(&df);
	return 0;
}

static char *offset_str(uint64_t bits)
{
	return bits % 8 ? xasprintf("bit %" PRIu64, bits) : xasprintf("offset %" PRIu64, bits / 8);
}

static char *size_str(uint64_t bits)
{
	return bits % 8 ? xasprintf("%" PRIu64 " bits", bits) : xasprintf("%" PRIu64 " bytes", bits / 8);
}

static struct member *find_member(const struct hashtab *ht, const char *name, unsigned int nth)
{
	struct hash_iter it;
	struct member *m;

	hashtab_for_each(ht, hash_str(name), it, m)
		if (m->nth == nth && !strcmp(m->name, name))
			return m;
	return NULL;
}

/* Members of one name (anonymous ones, a broken file's) pair in their order. */
static void index_members(struct hashtab *ht, const struct layout *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++) {
		struct member *m = &l->m[i];
		struct hash_iter it;
		struct member *o;

		m->nth = 0;
		hashtab_for_each(ht, hash_str(m->name), it, o)
			if (!strcmp(o->name, m->name))
				m->nth++;
		hashtab_add(ht, hash_str(m->name), m);
	}
}

/* The first member that differs, in the original's order, then a new one; NULL: none. */
static char *member_change(const struct layout *a, const struct layout *b)
{
	struct hashtab ha = { 0 }, hb = { 0 };
	char *why = NULL, *x, *y;
	size_t i;

	index_members(&ha, a);
	index_members(&hb, b);
	for (i = 0; i < a->nr && !why; i++) {
		const struct member *o = &a->m[i], *m = find_member(&hb, o->name, o->nth);

		if (!m) {
			x = offset_str(o->bitoff);
			why = xasprintf("member '%s' (%s, at %s) was removed", o->name, o->type, x);
			free(x);
		} else if (m->bitoff != o->bitoff) {
			x = offset_str(o->bitoff);
			y = offset_str(m->bitoff);
			why = xasprintf("member '%s' moved from %s to %s", o->name, x, y);
			free(x);
			free(y);
		} else if (m->bits != o->bits) {
			x = size_str(o->bits);
			y = size_str(m->bits);
			why = xasprintf("member '%s' (%s) changed size from %s to %s", o->name,
					m->type, x, y);
			free(x);
			free(y);
		}
	}
	for (i = 0; i < b->nr && !why; i++)
		if (!find_member(&ha, b->m[i].name, b->m[i].nth)) {
			x = offset_str(b->m[i].bitoff);
			why = xasprintf("member '%s' (%s) was added at %s", b->m[i].name,
					b->m[i].type, x);
			free(x);
		}
	hashtab_free(&ha);
	hashtab_free(&hb);
	return why;
}

long layout_compare(const char *orig, const char *patched, const char *path)
{
	struct layouts a, b;
	long changed = 0;
	size_t i;
	int ra, rb;

	ra = read_layouts(orig, &a);
	if (ra < 0)
		return -1;
	rb = read_layouts(patched, &b);
	if (rb < 0) {
		layouts_release(&a);
		return -1;
	}
	for (i = 0; i < a.nr; i++) {
		const struct layout *o = a.v[i], *n = find(&b, o->key);
		char *why;

		if (!n)
			continue;
		why = member_change(o, n);
		if (!why && o->size == n->size)
			continue;
		if (o->size != n->size)
			pr_err_sym(path, o->key,
				   "%s%sits size changed from %" PRId64 " to %" PRId64 " bytes (%s): the running kernel's objects keep the old layout, which a livepatch cannot change",
				   why ? why : "", why ? "; " : "", o->size, n->size, n->type);
		else
			pr_err_sym(path, o->key,
				   "%s: the running kernel's objects keep the old layout, which a livepatch cannot change",
				   why);
		free(why);
		changed++;
	}
	layouts_release(&a);
	layouts_release(&b);
	return changed;
}
