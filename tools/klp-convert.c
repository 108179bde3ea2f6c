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
#include "klp_tables.h"
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
static int load_map(struct elf_file *elf, const char *path, struct symmap **map)
{
	struct strset names = { 0 };
	int ret;

	klp_needed_names(elf, &names);
	klp_tables_needed_names(elf, &names);
	*map = symmap_new();
	ret = symmap_load_names(*map, path, &names);
	if (!ret)
		pr_info("%s: %zu symbols read, %zu kept for the %zu names %s needs", path,
		     symmap_nr_read(*map), symmap_nr_symbols(*map), names.nr, elf->path);
	strset_free(&names);
	return ret;
}

/*
 * The patch's own klp_patch/klp_object/klp_func tables, checked here so that
 * a bad old_name or old_sympos fails the build rather than the insmod. Their
 * object names tell which modules the patch targets.
 */
static unsigned int check_tables(struct elf_file *elf, const struct symmap *map,
				 struct strset *patched, bool *known)
{
	struct check_report rep = { 0 };
	struct klp_tables t;
	unsigned int errors = 0;
	size_t i;
	int ret = klp_read_tables(elf, &t, &rep);

	*known = !ret;
	if (ret > 0)
		pr_warn("%s: no struct klp_patch found: its tables were not checked", elf->path);
	else if (ret < 0)
		errors++;
	else
		errors += klp_tables_check(&t, elf, map, &rep);
	for (i = 0; !ret && i < t.nr_objs; i++)
		strset_add(patched, klp_object_name(&t.objs[i]));
	report_print_messages(&rep, elf->path);
	report_release(&rep);
	klp_tables_release(&t);
	return errors;
}

static int convert(const char *map_path, const char *in, const char *out, bool dry_run)
{
	struct convert_opts opts = { .plan = dry_run ? stdout : (verbose ? stderr : NULL) };
	struct strset patched = { 0 };
	struct convert_stats stats;
	struct symmap *map = NULL;
	struct elf_file *elf;
	bool known;
	int ret = 1;

	elf = elf_open_read(in);
	if (!elf)
		return 1;
	if (map_path && load_map(elf, map_path, &map))
		goto out;
	opts.map = map;
	if (check_tables(elf, map, &patched, &known)) {
		pr_err("%s: the patch's klp tables are wrong; %s was not written", in, out);
		goto out;
	}
	opts.patched = known ? &patched : NULL;
	if (klp_convert(elf, &opts, &stats)) {
		pr_err("%s: not converted; %s was not written", in, out);
	} else if (dry_run || !elf_write(elf, out)) {
		pr_info("%s: %u symbols, %u relocations into %u .klp.rela sections, %u annotations "
		     "removed", dry_run ? in : out, stats.symbols, stats.relocs, stats.sections,
		     stats.annotations);
		ret = 0;
	}
out:
	elf_close(elf);
	symmap_free(map);
	strset_free(&patched);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
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
		case 'V':
			print_version();
			return 0;
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
