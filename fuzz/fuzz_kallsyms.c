// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-symbols' /proc/kallsyms reader, and the map made from what it read, as
 * klp-symbols makes it. A map that symlist_to_map() accepted must be written
 * by the map writer and read back whole by the map reader (klp-convert's).
 */
#include <unistd.h>

#include "common.h"
#include "symbols/kallsyms_reader.h"
#include "symbols/symlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_input(NULL, 0, data, size), *out;
	struct kallsyms ks;
	struct symmap *map, *back;
	size_t i;

	if (kallsyms_read(&ks, path)) {
		kallsyms_release(&ks);
		return 0;
	}
	/* klp-symbols' fill_map(): a name the map refuses fails the run (reported). */
	map = symmap_new();
	for (i = 0; i < ks.nr; i++)
		if (symlist_to_map(map, &ks.objs[i]))
			break;
	if (i == ks.nr && symmap_nr_symbols(map)) {
		out = fuzz_output("map");
		if (symmap_write(map, out))
			FUZZ_BUG("the map from kallsyms cannot be written");
		back = symmap_new();
		if (symmap_load(back, out))
			FUZZ_BUG("the map written from kallsyms cannot be read");
		if (symmap_nr_symbols(back) != symmap_nr_symbols(map) ||
		    symmap_nr_objects(back) != symmap_nr_objects(map))
			FUZZ_BUG("the map read back differs");
		unlink(out);
		symmap_free(back);
	}
	symmap_free(map);
	kallsyms_release(&ks);
	fuzz_check_no_leftovers();
	return 0;
}
