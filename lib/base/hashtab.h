/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_HASHTAB_H
#define KLP_HASHTAB_H

/*
 * The one hash table of the library: open addressing from a 64-bit hash to
 * the caller's item pointer. It keeps no keys: a lookup yields every item
 * stored under the same hash and the caller compares its own key, so one
 * table serves names, indices, (section, offset) pairs and inodes alike, and
 * items stay wherever their owner keeps them. Items must not be NULL.
 */

#include <stddef.h>
#include <stdint.h>

struct hash_slot {
	uint64_t hash;
	void *item;		/* NULL: empty */
};

struct hashtab {
	struct hash_slot *slots;
	size_t nr, size;	/* size: a power of two, or 0 before the first add */
};

struct hash_iter {
	const struct hashtab *ht;
	uint64_t hash;
	size_t slot;
};

/* Room for nr items without growing; optional. */
void hashtab_reserve(struct hashtab *ht, size_t nr);
void hashtab_add(struct hashtab *ht, uint64_t hash, void *item);
void hashtab_free(struct hashtab *ht);

void *hashtab_first(const struct hashtab *ht, uint64_t hash, struct hash_iter *it);
void *hashtab_next(struct hash_iter *it);

/*
 * Start loading the slot where a lookup or an add of hash begins. A table
 * far larger than the caches waits on a miss per access: a caller that
 * knows its next hashes a few ahead overlaps those waits.
 */
static inline void hashtab_prefetch(const struct hashtab *ht, uint64_t hash)
{
	if (ht->size)
		__builtin_prefetch(&ht->slots[hash & (ht->size - 1)]);
}

/* Every item stored under hash; compare the key in the loop body. */
#define hashtab_for_each(ht, hash, it, pos) \
	for ((pos) = hashtab_first((ht), (hash), &(it)); (pos); (pos) = hashtab_next(&(it)))

/* Every item, in no particular order (for freeing them). */
#define hashtab_for_all(ht, i, pos) \
	for ((i) = 0; (i) < (ht)->size; (i)++) \
		if (((pos) = (ht)->slots[i].item))

/* Mixes an integer key (an index, an offset, an inode) into a hash. */
static inline uint64_t hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

#endif
