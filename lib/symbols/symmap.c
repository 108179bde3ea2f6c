// SPDX-License-Identifier: GPL-2.0-only
/*
 * The symbol map: a name hash over every symbol of the target kernel, with
 * each symbol's sympos computed as it is added, so that resolution never
 * scans.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/symmap.h"
#include "symbols/symmap_priv.h"
#include "base/util.h"

/*
 * All symbols of one name, across objects. It lives in the arena with the
 * name's first symbol and the name itself, which the namesakes share: four
 * names in five have one symbol, and those then cost one allocation, and a
 * lookup touches a single place.
 */
struct name_entry {
	struct map_symbol *tail;
	unsigned int pos_count;		/* non-init namesakes in tail's object */
	struct map_symbol head;
	char name[];
};

/* Memory that lives as long as the map: strings and symbols. */
struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	char data[];
};

#define ARENA_CHUNK (1 << 20)

static void *arena_alloc(struct symmap *map, size_t size)
{
	struct arena_chunk *c = map->arena;
	void *p;

	size = (size + 7) & ~(size_t)7;
	if (!c || c->size - c->used < size) {
		size_t want = size > ARENA_CHUNK ? size : ARENA_CHUNK;

		c = xmalloc(sizeof(*c) + want);
		c->size = want;
		c->used = 0;
		c->next = map->arena;
		map->arena = c;
	}
	p = c->data + c->used;
	c->used += size;
	return p;
}

static const char *arena_strndup(struct symmap *map, const char *s, size_t len)
{
	char *p = arena_alloc(map, len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

struct symmap *symmap_new(void)
{
	/* No table up front: the loaders reserve for what they are about to add. */
	return xcalloc(1, sizeof(struct symmap));
}

void symmap_free(struct symmap *map)
{
	struct arena_chunk *c, *next;
	size_t i;

	if (!map)
		return;
	for (i = 0; i < map->nr_objs; i++)
		free(map->objs[i]->syms);
	for (c = map->arena; c; c = next) {
		next = c->next;
		free(c);
	}
	free(map->objs);
	hashtab_free(&map->objs_by_name);
	hashtab_free(&map->files);
	hashtab_free(&map->names);
	free(map);
}

/*
 * Most names in a kernel are unique: about four symbols in five bring a new
 * one. Reserving for those up front spares the table its doublings, each of
 * which touches a fresh table twice the size of the last.
 */
void symmap_reserve(struct symmap *map, size_t nr_syms)
{
	hashtab_reserve(&map->names, map->names.nr + nr_syms / 5 * 4);
}

/*
 * Doubling would leave a module of 132 symbols room for 256: a kernel's
 * worth of modules wastes megabytes that way.
 */
void symmap_reserve_object(struct map_object *obj, size_t nr)
{
	if (obj->nr_syms + nr <= obj->alloc_syms)
		return;
	obj->alloc_syms = obj->nr_syms + nr;
	obj->syms = xrealloc(obj->syms, obj->alloc_syms * sizeof(*obj->syms));
}

static struct name_entry *find_name(const struct symmap *map, const char *name, size_t len,
				    uint64_t hash)
{
	struct name_entry *e;
	struct hash_iter it;

	hashtab_for_each(&map->names, hash, it, e)
		if (!strncmp(e->name, name, len) && !e->name[len])
			return e;
	return NULL;
}

/* The entry of name, or NULL and a new entry in *e to fill with the first symbol. */
static struct name_entry *name_entry(struct symmap *map, const char *name, size_t len,
				     uint64_t hash, struct name_entry **e)
{
	struct name_entry *old = find_name(map, name, len, hash);

	if (old)
		return old;
	*e = arena_alloc(map, offsetof(struct name_entry, name) + len + 1);
	(*e)->pos_count = 0;
	memcpy((*e)->name, name, len);
	(*e)->name[len] = '\0';
	hashtab_add(&map->names, hash, *e);
	return NULL;
}

struct map_symbol *symmap_lookup(const struct symmap *map, const char *name)
{
	struct name_entry *e = find_name(map, name, strlen(name), hash_str(name));

	return e ? &e->head : NULL;
}

unsigned int symmap_count_in(const struct map_symbol *first, const struct map_object *obj)
{
	unsigned int n = 0;

	for (; first; first = first->next)
		if (first->obj == obj && !(first->flags & MAP_INIT))
			n++;
	return n;
}

bool symmap_valid_objname(const char *name)
{
	size_t len = strlen(name), i;

	/* No blank nor control character: the map reader refuses those (valid_name()). */
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x21 || name[i] == 0x7f)
			return false;
	return len && len <= MAP_OBJNAME_MAX && !strpbrk(name, ".-,/");
}

/* By name: maps of 4,000 modules would make a linear search quadratic. */
struct map_object *symmap_find_object(const struct symmap *map, const char *name)
{
	struct map_object *obj;
	struct hash_iter it;

	hashtab_for_each(&map->objs_by_name, hash_str(name), it, obj)
		if (!strcmp(obj->name, name))
			return obj;
	return NULL;
}

struct map_object *symmap_add_object(struct symmap *map, const char *name)
{
	struct map_object *obj;

	if (!symmap_valid_objname(name) || symmap_find_object(map, name))
		return NULL;
	obj = arena_alloc(map, sizeof(*obj));
	memset(obj, 0, sizeof(*obj));
	obj->name = arena_strndup(map, name, strlen(name));
	obj->index = map->nr_objs;
	hashtab_add(&map->objs_by_name, hash_str(obj->name), obj);
	grow_array(&map->objs, &map->alloc_objs, map->nr_objs + 1, sizeof(*map->objs));
	map->objs[map->nr_objs++] = obj;
	return obj;
}

struct map_symbol *symmap_add_hashed(struct symmap *map, struct map_object *obj,
				     const char *name, size_t len, uint64_t hash, char type,
				     uint64_t addr, unsigned int flags)
{
	struct name_entry *new, *e = name_entry(map, name, len, hash, &new);
	struct map_symbol *sym;

	if (e) {
		sym = arena_alloc(map, sizeof(*sym));
		/* An object's symbols come together: a new tail object restarts the count. */
		if (e->tail->obj != obj)
			e->pos_count = 0;
		e->tail->next = sym;
	} else {
		e = new;
		sym = &e->head;
	}
	e->tail = sym;
	sym->name = e->name;
	sym->obj = obj;
	sym->addr = addr;
	sym->next = NULL;
	sym->flags = flags;
	sym->type = type;
	sym->pos = flags & MAP_INIT ? 0 : ++e->pos_count;

	grow_array(&obj->syms, &obj->alloc_syms, obj->nr_syms + 1, sizeof(*obj->syms));
	obj->syms[obj->nr_syms++] = sym;
	map->nr_syms++;
	return sym;
}

struct map_symbol *symmap_add_len(struct symmap *map, struct map_object *obj,
				  const char *name, size_t len, char type, uint64_t addr,
				  unsigned int flags)
{
	return symmap_add_hashed(map, obj, name, len, hash_mem(name, len), type, addr, flags);
}

/*
 * Symbols of one object must be added together: sympos counts within the
 * run of an object, so interleaving objects would restart the count.
 */
struct map_symbol *symmap_add(struct symmap *map, struct map_object *obj, const char *name,
			      char type, uint64_t addr, unsigned int flags)
{
	return symmap_add_len(map, obj, name, strlen(name), type, addr, flags);
}

/*
 * Few symbols have a file (the namesakes klp-symbols --where attributed):
 * a table beside the map costs nothing to the million others.
 */
struct sym_file {
	const struct map_symbol *sym;
	const char *file;
};

void symmap_set_file_len(struct symmap *map, const struct map_symbol *s, const char *file,
			 size_t len)
{
	uint64_t hash = hash_u64((uintptr_t)s);
	struct sym_file *sf;
	struct hash_iter it;

	hashtab_for_each(&map->files, hash, it, sf) {
		if (sf->sym == s) {
			sf->file = arena_strndup(map, file, len);
			return;
		}
	}
	sf = arena_alloc(map, sizeof(*sf));
	sf->sym = s;
	sf->file = arena_strndup(map, file, len);
	hashtab_add(&map->files, hash, sf);
}

void symmap_set_file(struct symmap *map, const struct map_symbol *s, const char *file)
{
	symmap_set_file_len(map, s, file, strlen(file));
}

const char *symmap_file(const struct symmap *map, const struct map_symbol *s)
{
	struct sym_file *sf;
	struct hash_iter it;

	if (!map->files.nr)
		return NULL;
	hashtab_for_each(&map->files, hash_u64((uintptr_t)s), it, sf)
		if (sf->sym == s)
			return sf->file;
	return NULL;
}

size_t symmap_nr_files(const struct symmap *map)
{
	return map->files.nr;
}

char *symmap_candidate_line(const struct symmap *map, const struct map_symbol *s)
{
	const char *file = map ? symmap_file(map, s) : NULL;

	if (s->flags & MAP_INIT)
		return xasprintf("%-20s init  %c %016llx  (init section: gone after the module's "
				 "init, not a valid sympos)%s%s", s->obj->name, s->type,
				 (unsigned long long)s->addr, file ? "  " : "", file ? file : "");
	return xasprintf("%-20s %4u  %c %016llx  KLP_SYMPOS(%s, %u),%s  /* %s%sin KLP_MODULE_RELOC(%s) */",
			 s->obj->name, s->pos, s->type, (unsigned long long)s->addr, s->name,
			 s->pos, s->flags & MAP_EXPORTED ? " /* exported */" : "",
			 file ? file : "", file ? ", " : "", s->obj->name);
}

struct map_counts symmap_count_object(const struct map_object *obj)
{
	struct map_counts c = { .syms = obj->nr_syms };
	size_t j;

	for (j = 0; j < obj->nr_syms; j++) {
		const struct map_symbol *s = obj->syms[j];

		c.init += !!(s->flags & MAP_INIT);
		c.exported += !!(s->flags & MAP_EXPORTED);
		/* A name's second occurrence makes it a duplicate needing sympos. */
		c.dups += s->pos == 2;
	}
	return c;
}

size_t symmap_nr_objects(const struct symmap *map)
{
	return map->nr_objs;
}

struct map_object *symmap_object(const struct symmap *map, size_t i)
{
	return i < map->nr_objs ? map->objs[i] : NULL;
}

size_t symmap_nr_symbols(const struct symmap *map)
{
	return map->nr_syms;
}

size_t symmap_nr_read(const struct symmap *map)
{
	return map->nr_read;
}
