// SPDX-License-Identifier: GPL-2.0-only
/*
 * The symbol map parser, both formats. The first input byte picks the first
 * line (ours, upstream's, or none: the input's own), so mutations spend their
 * time on the body. A map that loads must write and load again identically,
 * and loading only some names must agree with loading all of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const wanted_names[] = {
	"saved_command_line", "type_show", "counter", "printk", "a", "b", "x",
};

static void same_symbol(const struct map_symbol *a, const struct map_symbol *b)
{
	if (strcmp(a->name, b->name) || a->addr != b->addr || a->flags != b->flags ||
	    a->type != b->type || a->pos != b->pos || strcmp(a->obj->name, b->obj->name))
		FUZZ_BUG("symbol %s differs after a round trip", a->name);
}

static void check_round_trip(const struct symmap *map)
{
	const char *out = fuzz_output("map");
	struct symmap *back;
	size_t i, j;

	if (symmap_write(map, out))
		FUZZ_BUG("a map that loaded cannot be written");
	back = symmap_new();
	if (symmap_load(back, out))
		FUZZ_BUG("a map written cannot be loaded");
	unlink(out);
	if (symmap_nr_objects(back) != symmap_nr_objects(map) ||
	    symmap_nr_symbols(back) != symmap_nr_symbols(map))
		FUZZ_BUG("object or symbol count differs after a round trip");
	for (i = 0; i < symmap_nr_objects(map); i++) {
		const struct map_object *a = symmap_object(map, i), *b = symmap_object(back, i);

		if (strcmp(a->name, b->name) || a->nr_syms != b->nr_syms)
			FUZZ_BUG("object %s differs after a round trip", a->name);
		for (j = 0; j < a->nr_syms; j++) {
			const char *fa = symmap_file(map, a->syms[j]), *fb = symmap_file(back, b->syms[j]);

			same_symbol(a->syms[j], b->syms[j]);
			if (!fa != !fb || (fa && strcmp(fa, fb)))
				FUZZ_BUG("the file of %s differs after a round trip", a->syms[j]->name);
		}
	}
	symmap_free(back);
}

/* The filtered load keeps every symbol of a wanted name, with the same sympos. */
static void check_filtered(const struct symmap *full, const struct symmap *part)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(wanted_names); i++) {
		const struct map_symbol *a = symmap_lookup(full, wanted_names[i]);
		const struct map_symbol *b = symmap_lookup(part, wanted_names[i]);

		for (; a && b; a = a->next, b = b->next)
			same_symbol(a, b);
		if (a || b)
			FUZZ_BUG("filtered load lost or invented a '%s'", wanted_names[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const magic[] = { "", MAP_MAGIC "\n", MAP_UPSTREAM_MAGIC "\n", "" };
	static struct strset names;
	const char *path, *m;
	struct symmap *full, *part;
	int full_ret, part_ret;
	size_t i;

	if (!size)
		return 0;
	if (!names.ht.nr) {
		for (i = 0; i < ARRAY_SIZE(wanted_names); i++)
			strset_add(&names, wanted_names[i]);
	}
	m = magic[data[0] & 3];
	path = fuzz_input(m, strlen(m), data + 1, size - 1);

	full = symmap_new();
	full_ret = symmap_load(full, path);
	part = symmap_new();
	part_ret = symmap_load_names(part, path, &names);
	/* Failing is a property of the file, not of the names kept. */
	if (!full_ret != !part_ret)
		FUZZ_BUG("full load %d but filtered load %d", full_ret, part_ret);
	if (!full_ret) {
		check_round_trip(full);
		check_filtered(full, part);
		for (i = 0; i < ARRAY_SIZE(wanted_names); i++) {
			const struct map_symbol *s;

			for (s = symmap_lookup(part, wanted_names[i]); s; s = s->next)
				free(symmap_candidate_line(part, s));
		}
	}
	symmap_free(full);
	symmap_free(part);
	fuzz_check_no_leftovers();
	return 0;
}
