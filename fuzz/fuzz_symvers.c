// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-symbols' Module.symvers reader, applied to a small fixed map: vmlinux
 * and two modules, with global and local namesakes.
 */
#include "common.h"
#include "symbols/symvers_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct symmap *new_map(void)
{
	struct symmap *map = symmap_new();
	struct map_object *o = symmap_add_object(map, "vmlinux");

	symmap_add(map, o, "printk", 'T', 1, 0);
	symmap_add(map, o, "saved_command_line", 'D', 2, 0);
	symmap_add(map, o, "type_show", 't', 3, 0);
	symmap_add(map, o, "type_show", 'T', 4, 0);
	o = symmap_add_object(map, "ext4");
	symmap_add(map, o, "ext4_foo", 'T', 5, 0);
	symmap_add(map, o, "type_show", 't', 6, 0);
	o = symmap_add_object(map, "snd_hda_codec");
	symmap_add(map, o, "snd_hda_x", 't', 7, 0);
	return map;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct symvers_stats st;
	struct symmap *map = new_map();

	if (!symvers_apply(map, fuzz_input(NULL, 0, data, size), &st) &&
	    st.marked + st.no_object + st.no_symbol != st.exports)
		FUZZ_BUG("%lu exports but %lu + %lu + %lu", st.exports, st.marked,
			 st.no_object, st.no_symbol);
	symmap_free(map);
	return 0;
}
