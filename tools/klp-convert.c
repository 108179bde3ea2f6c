// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-convert: turn a built livepatch module into one the kernel can load.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "elf_file.h"
#include "symmap.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: klp-convert [-v] [--dry-run] [MAP] IN.ko OUT.ko\n"
		"\n"
		"Convert relocations of IN.ko to unexported kernel symbols into livepatch\n"
		"relocations, resolving each symbol from its annotation (klp_convert.h) or\n"
		"from MAP, a symbol map made by klp-symbols. Without MAP only annotated\n"
		"symbols are converted. IN.ko is never modified; OUT.ko appears only on\n"
		"success and may be the same path.\n"
		"\n"
		"  -n, --dry-run   print what would be converted, write nothing\n"
		"  -v, --verbose   explain every decision\n"
		"  -h, --help      this text\n");
}

/* A module needs a few names out of a million: the map keeps only those. */
static int load_map(const struct elf_file *elf, const char *path, struct symmap **map)
{
	struct strset names = { 0 };
	int ret;

	klp_needed_names(elf, &names);
	*map = symmap_new();
	ret = symmap_load_names(*map, path, &names);
	if (!ret)
		info("%s: %zu symbols read, %zu kept for the %zu names %s needs", path,
		     symmap_nr_read(*map), symmap_nr_symbols(*map), names.nr, elf->path);
	strset_free(&names);
	return ret;
}

static int convert(const char *map_path, const char *in, const char *out, bool dry_run)
{
	struct convert_opts opts = { .plan = dry_run ? stdout : (verbose ? stderr : NULL) };
	struct convert_stats stats;
	struct symmap *map = NULL;
	struct elf_file *elf;
	int ret = 1;

	elf = elf_open_read(in);
	if (!elf)
		return 1;
	if (map_path && load_map(elf, map_path, &map))
		goto out;
	opts.map = map;
	if (klp_convert(elf, &opts, &stats)) {
		error("%s: not converted; %s was not written", in, out);
	} else if (dry_run || !elf_write(elf, out)) {
		info("%s: %u symbols, %u relocations into %u .klp.rela sections, %u annotations "
		     "removed", dry_run ? in : out, stats.symbols, stats.relocs, stats.sections,
		     stats.annotations);
		ret = 0;
	}
out:
	elf_close(elf);
	symmap_free(map);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool dry_run = false;
	int c, nargs;

	progname = "klp-convert";
	while ((c = getopt_long(argc, argv, "nvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	nargs = argc - optind;
	if (nargs != 2 && nargs != 3) {
		usage(stderr);
		return 2;
	}
	return convert(nargs == 3 ? argv[optind] : NULL, argv[argc - 2], argv[argc - 1],
		       dry_run);
}
