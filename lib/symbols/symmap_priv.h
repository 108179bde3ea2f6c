/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_SYMMAP_PRIV_H
#define KLP_SYMMAP_PRIV_H

/*
 * The inside of a symbol map, shared by the container (symmap.c) and the
 * file formats (map_file.c) only: the parsers add names by length, straight
 * from the mapped file, and count what they read.
 */

#include "base/hashtab.h"
#include "symbols/symmap.h"

struct symmap {
	struct map_object **objs;
	size_t nr_objs, alloc_objs;
	size_t nr_syms;

	struct hashtab names;		/* struct name_entry, in the arena */
	struct hashtab objs_by_name;	/* struct map_object */

	struct arena_chunk *arena;
	struct hashtab files;		/* struct sym_file: the source file of a symbol */
	const struct strset *filter;	/* keep only these names, when set */
	size_t nr_read;
};

/* symmap_add() for a name that is not NUL-terminated. */
struct map_symbol *symmap_add_len(struct symmap *map, struct map_object *obj,
				  const char *name, size_t len, char type, uint64_t addr,
				  unsigned int flags);

/* The same, with hash_mem(name, len) computed ahead by the caller. */
struct map_symbol *symmap_add_hashed(struct symmap *map, struct map_object *obj,
				     const char *name, size_t len, uint64_t hash, char type,
				     uint64_t addr, unsigned int flags);

/* Names hashed a few ahead of adding them: see hashtab_prefetch(). */
static inline void symmap_prefetch(const struct symmap *map, uint64_t hash)
{
	hashtab_prefetch(&map->names, hash);
}

#endif
