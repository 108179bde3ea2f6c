// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linear probing, at most four fifths full: a symbol map's 800,000 names then
 * fit 2^20 slots (16 MB) rather than 2^21, and since the full hash is stored
 * with each item a probe rejects a wrong slot without touching the item; the
 * hash also means growing never calls back into the owner.
 */
#include <stdlib.h>

#include "base/hashtab.h"
#include "base/util.h"

static void insert(struct hash_slot *slots, size_t size, uint64_t hash, void *item)
{
	size_t mask = size - 1, slot = hash & mask;

	while (slots[slot].item)
		slot = (slot + 1) & mask;
	slots[slot].hash = hash;
	slots[slot].item = item;
}

static void resize(struct hashtab *ht, size_t size)
{
	struct hash_slot *slots = xcalloc(size, sizeof(*slots));
	size_t i;

	for (i = 0; i < ht->size; i++)
		if (ht->slots[i].item)
			insert(slots, size, ht->slots[i].hash, ht->slots[i].item);
	free(ht->slots);
	ht->slots = slots;
	ht->size = size;
}

void hashtab_reserve(struct hashtab *ht, size_t nr)
{
	size_t size = ht->size ? ht->size : 16;

	while (nr * 5 > size * 4)
		size *= 2;
	if (size != ht->size)
		resize(ht, size);
}

void hashtab_add(struct hashtab *ht, uint64_t hash, void *item)
{
	hashtab_reserve(ht, ht->nr + 1);
	insert(ht->slots, ht->size, hash, item);
	ht->nr++;
}

void hashtab_free(struct hashtab *ht)
{
	free(ht->slots);
	ht->slots = NULL;
	ht->nr = ht->size = 0;
}

static void *scan(struct hash_iter *it)
{
	const struct hashtab *ht = it->ht;
	size_t mask = ht->size - 1;

	for (; ht->slots[it->slot].item; it->slot = (it->slot + 1) & mask)
		if (ht->slots[it->slot].hash == it->hash)
			return ht->slots[it->slot].item;
	return NULL;
}

void *hashtab_first(const struct hashtab *ht, uint64_t hash, struct hash_iter *it)
{
	if (!ht->size)
		return NULL;
	it->ht = ht;
	it->hash = hash;
	it->slot = hash & (ht->size - 1);
	return scan(it);
}

void *hashtab_next(struct hash_iter *it)
{
	it->slot = (it->slot + 1) & (it->ht->size - 1);
	return scan(it);
}
