// SPDX-License-Identifier: GPL-2.0-only
/*
 * The symbol map: a name hash over every symbol of the target kernel, with
 * each symbol's sympos computed as it is added, so that resolution never
 * scans.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/symmap.h"
#include "symbols/symmap_priv.h"
#include "base/util.h"

/* All symbols of one name, across objects. */
struct name_entry {
	uint64_t hash;
	struct map_symbol *head, *tail;
	const struct map_object *pos_obj;	/* the object pos_count counts in */
	unsigned int pos_count;
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
	struct symmap *map = xcalloc(1, sizeof(*map));

	map->table_size = 1 << 16;
	map->table = xcalloc(map->table_size, sizeof(*map->table));
	map->nr_names = 1;
	grow_array(&map->names, &map->alloc_names, 1, sizeof(*map->names));
	return map;
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
	free(map->obj_table);
	free(map->names);
	free(map->table);
	free(map);
}

static void rehash(struct symmap *map)
{
	size_t size = map->table_size * 2, i, mask = size - 1;
	uint32_t *table = xcalloc(size, sizeof(*table));

	for (i = 1; i < map->nr_names; i++) {
		size_t slot = map->names[i].hash & mask;

		while (table[slot])
			slot = (slot + 1) & mask;
		table[slot] = i;
	}
	free(map->table);
	map->table = table;
	map->table_size = size;
}

/* The slot holding name, or the empty slot where it would go. */
static size_t find_slot(const struct symmap *map, const char *name, size_t len, uint64_t hash)
{
	size_t mask = map->table_size - 1, slot = hash & mask;
	uint32_t idx;

	while ((idx = map->table[slot])) {
		const struct name_entry *e = &map->names[idx];

		if (e->hash == hash && !strncmp(e->head->name, name, len) &&
		    !e->head->name[len])
			break;
		slot = (slot + 1) & mask;
	}
	return slot;
}

static struct name_entry *name_entry(struct symmap *map, const char *name, size_t len)
{
	uint64_t hash = hash_mem(name, len);
	size_t slot = find_slot(map, name, len, hash);
	struct name_entry *e;

	if (map->table[slot])
		return &map->names[map->table[slot]];

	if ((map->nr_names + 1) * 2 > map->table_size) {
		rehash(map);
		slot = find_slot(map, name, len, hash);
	}
	grow_array(&map->names, &map->alloc_names, map->nr_names + 1, sizeof(*map->names));
	e = &map->names[map->nr_names];
	memset(e, 0, sizeof(*e));
	e->hash = hash;
	map->table[slot] = map->nr_names++;
	return e;
}

struct map_symbol *symmap_lookup(const struct symmap *map, const char *name)
{
	size_t slot = find_slot(map, name, strlen(name), hash_str(name));

	return map->table[slot] ? map->names[map->table[slot]].head : NULL;
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

/* Objects by name: maps of 4,000 modules would make a linear search quadratic. */
static uint32_t *obj_slot(const struct symmap *map, const char *name)
{
	size_t mask = map->obj_table_size - 1, slot = hash_str(name) & mask;
	uint32_t idx;

	while ((idx = map->obj_table[slot]) && strcmp(map->objs[idx - 1]->name, name))
		slot = (slot + 1) & mask;
	return &map->obj_table[slot];
}

static void obj_table_insert(struct symmap *map, struct map_object *obj)
{
	size_t i;

	if ((map->nr_objs + 1) * 2 > map->obj_table_size) {
		free(map->obj_table);
		map->obj_table_size = map->obj_table_size ? map->obj_table_size * 2 : 64;
		map->obj_table = xcalloc(map->obj_table_size, sizeof(*map->obj_table));
		for (i = 0; i < map->nr_objs; i++)
			*obj_slot(map, map->objs[i]->name) = i + 1;
	}
	*obj_slot(map, obj->name) = obj->index + 1;
}

struct map_object *symmap_find_object(const struct symmap *map, const char *name)
{
	uint32_t idx;

	if (!map->obj_table)
		return NULL;
	idx = *obj_slot(map, name);
	return idx ? map->objs[idx - 1] : NULL;
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
	obj_table_insert(map, obj);
	grow_array(&map->objs, &map->alloc_objs, map->nr_objs + 1, sizeof(*map->objs));
	map->objs[map->nr_objs++] = obj;
	return obj;
}

struct map_symbol *symmap_add_len(struct symmap *map, struct map_object *obj,
				     const char *name, size_t len, char type,
				     uint64_t addr, unsigned int flags)
{
	struct name_entry *e = name_entry(map, name, len);
	struct map_symbol *sym = arena_alloc(map, sizeof(*sym));

	sym->name = e->head ? e->head->name : arena_strndup(map, name, len);
	sym->obj = obj;
	sym->addr = addr;
	sym->next = NULL;
	sym->flags = flags;
	sym->type = type;
	sym->pos = 0;
	if (!(flags & MAP_INIT)) {
		if (e->pos_obj != obj) {
			e->pos_obj = obj;
			e->pos_count = 0;
		}
		sym->pos = ++e->pos_count;
	}
	if (e->tail)
		e->tail->next = sym;
	else
		e->head = sym;
	e->tail = sym;

	grow_array(&obj->syms, &obj->alloc_syms, obj->nr_syms + 1, sizeof(*obj->syms));
	obj->syms[obj->nr_syms++] = sym;
	map->nr_syms++;
	return sym;
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

unsigned int symmap_print_candidates(FILE *f, const struct map_symbol *first, const char *indent)
{
	const struct map_symbol *s;
	unsigned int n = 0;

	for (s = first; s; s = s->next, n++) {
		if (s->flags & MAP_INIT) {
			fprintf(f, "%s%-20s init  %c %016llx  (init section: gone after the module's "
				"init, not a valid sympos)\n", indent, s->obj->name, s->type,
				(unsigned long long)s->addr);
			continue;
		}
		fprintf(f, "%s%-20s %4u  %c %016llx  KLP_SYMPOS(%s, %u),%s  /* in KLP_MODULE_RELOC(%s) */\n",
			indent, s->obj->name, s->pos, s->type, (unsigned long long)s->addr, s->name,
			s->pos, s->flags & MAP_EXPORTED ? " /* exported */" : "", s->obj->name);
	}
	return n;
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
