// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-source --facts' readers: the first byte picks the input's kind. 0: a
 * gcc -fdump-ipa-clones report, read for a few names as klp-check reads a
 * build tree's dumps; 1: an object, read for its symbols and DWARF (the
 * function "f" and its callers, clones, declaration) against a small map.
 */
#include <string.h>

#include "common.h"
#include "check/func_facts.h"
#include "check/ipa_clones.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct symmap *new_map(void)
{
	struct symmap *map = symmap_new();
	struct map_object *o = symmap_add_object(map, "vmlinux");

	symmap_add(map, o, "f", 't', 1, 0);
	symmap_add(map, o, "caller", 't', 2, 0);
	symmap_add(map, o, "f", 't', 3, 0);
	symmap_add(map, o, "f.isra.0", 't', 4, 0);
	symmap_add(map, o, "caller", 'T', 5, 0);
	return map;
}

static void read_dump(const char *path)
{
	struct inline_edges edges = { 0 };
	struct ipa_clones clones = { 0 };
	struct strset wanted = { 0 };
	size_t i;

	strset_add(&wanted, "f");
	strset_add(&wanted, "helper");
	if (!ipa_clones_read(path, &wanted, &edges, &clones)) {
		for (i = 0; i < edges.nr; i++)
			if (!edges.v[i].callee || !edges.v[i].container)
				FUZZ_BUG("an edge without its ends");
		for (i = 0; i < clones.nr; i++)
			if (!strset_has(&wanted, clones.v[i].orig, strlen(clones.v[i].orig)))
				FUZZ_BUG("a clone of %s, which was not asked for", clones.v[i].orig);
	}
	inline_edges_release(&edges);
	ipa_clones_release(&clones);
	strset_free(&wanted);
}

static void read_object(const char *path)
{
	struct symmap *map = new_map();
	struct func_facts ff;
	size_t i;

	if (!func_facts_read(path, NULL, "x.c", "f", map, "vmlinux", &ff)) {
		for (i = 0; i < ff.nr_clones; i++)
			if (strncmp(ff.clones[i].name, "f.", 2))
				FUZZ_BUG("%s is not a clone of f", ff.clones[i].name);
		if (ff.sympos.how == SYMPOS_NEIGHBOURS && ff.sympos.pos > 2)
			FUZZ_BUG("sympos %u of a name the map has twice", ff.sympos.pos);
	}
	func_facts_release(&ff);
	symmap_free(map);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;

	if (!size)
		return 0;
	path = fuzz_input(NULL, 0, data + 1, size - 1);
	if (data[0] == 0)
		read_dump(path);
	else if (data[0] == 1)
		read_object(path);
	return 0;
}
