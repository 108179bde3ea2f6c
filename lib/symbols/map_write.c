// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writing a map in our format (doc/map-format.md): whole or not at all,
 * through an atomic file, so that a failed run leaves the old map.
 */
#include <stdio.h>
#include <unistd.h>

#include "symbols/symmap.h"
#include "symbols/symmap_priv.h"
#include "base/util.h"

/*
 * What fprintf("%016llx %c %s[ FLAGS]\n") writes, without a format to
 * interpret for each of a million lines: that was most of the writer's time.
 * One thread owns the stream, so the unlocked calls are safe.
 */
static void write_symbol(FILE *f, const struct map_symbol *s)
{
	static const char digits[] = "0123456789abcdef";
	char buf[19];
	int i;

	for (i = 0; i < 16; i++)
		buf[i] = digits[(s->addr >> (60 - 4 * i)) & 0xf];
	buf[16] = ' ';
	buf[17] = s->type;
	buf[18] = ' ';
	fwrite_unlocked(buf, 1, sizeof(buf), f);
	fputs_unlocked(s->name, f);
	if (s->flags)
		putc_unlocked(' ', f);
	if (s->flags & MAP_EXPORTED)
		putc_unlocked('x', f);
	if (s->flags & MAP_INIT)
		putc_unlocked('i', f);
	putc_unlocked('\n', f);
}

static int write_map(const struct symmap *map, FILE *f)
{
	size_t i, j;

	fprintf(f, "%s\n", MAP_MAGIC);
	for (i = 0; i < map->nr_objs; i++) {
		const struct map_object *obj = map->objs[i];

		fprintf(f, "object %s\n", obj->name);
		for (j = 0; j < obj->nr_syms; j++) {
			const char *file;

			write_symbol(f, obj->syms[j]);
			/* A comment to readers that do not know it: the format stays version 1. */
			file = symmap_file(map, obj->syms[j]);
			if (file)
				fprintf(f, "%s%s\n", MAP_FILE_PREFIX, file);
		}
	}
	return ferror(f) ? -1 : 0;
}

int symmap_write(const struct symmap *map, const char *path)
{
	struct atomic_file af;
	FILE *f;

	if (!map->nr_syms) {
		pr_err("%s: refusing to write an empty symbol map", path);
		return -1;
	}
	if (atomic_file_open(&af, path, 0666))
		return -1;
	f = fdopen(dup(af.fd), "w");
	if (!f || write_map(map, f) | fclose(f)) {
		pr_err("%s: write failed", path);
		atomic_file_abort(&af);
		return -1;
	}
	return atomic_file_commit(&af);
}
