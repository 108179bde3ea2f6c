// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-symbols: write the symbol map of a target kernel (vmlinux and its
 * modules, in the order the kernel counts sympos), or query one.
 */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/cmdline.h"
#include "base/util.h"
#include "source/source.h"
#include "source/where.h"
#include "symbols/map_build.h"
#include "symbols/symmap.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: klp-symbols [-v] -o MAP [SOURCES...]\n"
		"       klp-symbols --map MAP --find NAME\n"
		"       klp-symbols --map MAP --stats\n"
		"\n"
		"Write the symbol map of a target kernel: vmlinux first, then its modules,\n"
		"each in the order the kernel counts sympos. MAP appears only on success.\n"
		"\n"
		"Sources (combinable; at most one for vmlinux):\n"
		"  --kallsyms FILE     a copy of /proc/kallsyms (vmlinux and loaded modules)\n"
		"  --vmlinux FILE      vmlinux ELF with its .symtab\n"
		"  --system-map FILE   a full System.map\n"
		"  --modules DIR       every .ko[.xz|.zst|.gz] under DIR, recursively\n"
		"  --module FILE       one module (repeatable)\n"
		"  --symvers FILE      Module.symvers: marks exports (repeatable)\n"
		"\n"
		"Source files of namesakes (klp-source --where, recorded in the map):\n"
		"  --where NAME        the file of each copy of NAME (repeatable)\n"
		"  --where-file PATH   the same for every name PATH (fs/namei.c) defines that\n"
		"                      its object has more than once; PATH only is rebuilt\n"
		"  -k, --kdir KDIR     with --where: the target's headers tree\n"
		"  -s, --source SRC    with --where: its source tree or linux-source .tar.xz\n"
		"  --cache DIR         with --where: klp-source's cache\n"
		"  -q, --quiet         with --where: no progress lines\n"
		"\n"
		"  -o, --output MAP    the map to write\n"
		"  --map MAP           the map to query\n"
		"  --find NAME         every candidate for NAME with its KLP_SYMPOS line\n"
		"  --stats             object, symbol and duplicate counts\n"
		"  -v, --verbose       say what each source gave\n"
		"  -h, --help          this text\n");
}

struct opts {
	const char *output, *map, *find;
	struct map_sources src;
	struct source_opts source;
	const char **where, **where_files;
	size_t nr_where, alloc_where, nr_where_files, alloc_where_files;
	size_t alloc_dirs, alloc_modules, alloc_symvers;
	bool stats;
};

static void push(const char ***v, size_t *nr, size_t *alloc, const char *s)
{
	grow_array(v, alloc, *nr + 1, sizeof(**v));
	(*v)[(*nr)++] = s;
}

/*
 * Each copy of each --where name gets the file klp-source places there. A
 * copy no file matches is said, and the map is still written: the files
 * are a help to the author, not a fact the conversion needs.
 */
/* One name: the candidates found in the tree, or only those of paths when given. */
static int attribute_name(struct source_ctx *ctx, struct symmap *map, const char *name,
			  char *const *paths, size_t nr_paths)
{
	struct dir_list files = { 0 };
	struct where_result res;
	size_t j;

	if (!symmap_lookup(map, name)) {
		pr_warn("--where %s: no symbol of that name in the map", name);
		return 0;
	}
	if (!paths && where_find_files(ctx, name, &files))
		goto fail;
	if (where_place(ctx, map, name, paths ? paths : files.paths, paths ? nr_paths : files.nr,
			&res))
		goto fail;
	for (j = 0; j < res.nr_copies; j++)
		if (res.owners[j])
			symmap_set_file(map, res.copies[j], res.owners[j]->path);
	pr_info("--where %s: %zu of %zu copies attributed", name, res.nr_placed, res.nr_copies);
	/* With --where-file, the copies of other files are not this run's business. */
	if (!paths && res.nr_placed < res.nr_copies)
		pr_warn("--where %s: %zu of %zu copies not attributed to a file (klp-source "
			"--where %s says why)", name, res.nr_copies - res.nr_placed,
			res.nr_copies, name);
	if (paths && !res.nr_placed)
		pr_warn("--where-file %s: its %s is in none of the map's copies", paths[0], name);
	where_result_release(&res);
	dir_list_release(&files);
	return 0;
fail:
	dir_list_release(&files);
	return -1;
}

static int attribute(const struct opts *o, struct symmap *map)
{
	struct source_ctx ctx;
	size_t i, j;
	int ret = 0;

	if (source_open(&ctx, &o->source))
		return -1;
	/*
	 * A copy placed by a file's own name lists is its file's: no search of
	 * the tree, one rebuild per file.
	 */
	for (i = 0; i < o->nr_where_files && !ret; i++) {
		char *path = (char *)o->where_files[i], **names = NULL;
		struct strset seen = { 0 };
		size_t nr = 0;

		ret = where_ambiguous_names(&ctx, map, path, &seen, &names, &nr);
		strset_free(&seen);
		pr_info("--where-file %s: %zu ambiguous names", path, nr);
		for (j = 0; j < nr; j++) {
			if (!ret)
				ret = attribute_name(&ctx, map, names[j], &path, 1);
			free(names[j]);
		}
		free(names);
	}
	for (i = 0; i < o->nr_where && !ret; i++)
		ret = attribute_name(&ctx, map, o->where[i], NULL, 0);
	source_close(&ctx);
	return ret;
}

static int build(const struct opts *o)
{
	struct symmap *map = map_build(&o->src);
	int ret = 1;

	if (map && (o->nr_where || o->nr_where_files) && attribute(o, map)) {
		symmap_free(map);
		map = NULL;
	}
	if (map) {
		pr_info("%s: %zu objects, %zu symbols", o->output, symmap_nr_objects(map),
			symmap_nr_symbols(map));
		ret = symmap_write(map, o->output) ? 1 : 0;
	}
	if (ret)
		pr_err("%s not written", o->output);
	symmap_free(map);
	return ret;
}

/* Queries -------------------------------------------------------------------- */

static int find(const char *path, const char *name)
{
	struct strset names = { 0 };
	struct symmap *map = symmap_new();
	struct map_symbol *first;
	int ret = 1;

	strset_add(&names, name);
	if (symmap_load_names(map, path, &names))
		goto out;
	first = symmap_lookup(map, name);
	if (!first) {
		pr_err("%s: no symbol called '%s'", path, name);
		goto out;
	}
	for (; first; first = first->next) {
		char *line = symmap_candidate_line(map, first);

		puts(line);
		free(line);
	}
	ret = 0;
out:
	strset_free(&names);
	symmap_free(map);
	return ret;
}

static int stats(const char *path)
{
	struct symmap *map = symmap_new();
	size_t i, n, dups = 0;

	if (symmap_load(map, path)) {
		symmap_free(map);
		return 1;
	}
	n = symmap_nr_objects(map);
	for (i = 0; i < n; i++)
		dups += symmap_count_object(symmap_object(map, i)).dups;
	printf("objects: %zu, symbols: %zu, duplicate names: %zu\n", n, symmap_nr_symbols(map),
	       dups);
	for (i = 0; i < n; i++) {
		const struct map_object *obj = symmap_object(map, i);
		struct map_counts c = symmap_count_object(obj);

		printf("%-32s %8zu symbols %6zu init %6zu exported %6zu duplicate names\n",
		       obj->name, c.syms, c.init, c.exported, c.dups);
	}
	symmap_free(map);
	return 0;
}

/* Options -------------------------------------------------------------------- */

enum { OPT_KALLSYMS = 256, OPT_VMLINUX, OPT_SYSTEM_MAP, OPT_MODULES, OPT_MODULE, OPT_SYMVERS,
       OPT_MAP, OPT_FIND, OPT_STATS, OPT_WHERE, OPT_WHERE_FILE, OPT_CACHE };

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "kallsyms", required_argument, NULL, OPT_KALLSYMS },
		{ "vmlinux", required_argument, NULL, OPT_VMLINUX },
		{ "system-map", required_argument, NULL, OPT_SYSTEM_MAP },
		{ "modules", required_argument, NULL, OPT_MODULES },
		{ "module", required_argument, NULL, OPT_MODULE },
		{ "symvers", required_argument, NULL, OPT_SYMVERS },
		{ "map", required_argument, NULL, OPT_MAP },
		{ "find", required_argument, NULL, OPT_FIND },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "where", required_argument, NULL, OPT_WHERE },
		{ "where-file", required_argument, NULL, OPT_WHERE_FILE },
		{ "kdir", required_argument, NULL, 'k' },
		{ "source", required_argument, NULL, 's' },
		{ "cache", required_argument, NULL, OPT_CACHE },
		{ "quiet", no_argument, NULL, 'q' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char **once = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "o:k:s:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': once = &o->output; break;
		case 'k': once = &o->source.kdir; break;
		case 's': once = &o->source.source; break;
		case OPT_CACHE: once = &o->source.cache; break;
		case 'q': o->source.quiet = true; continue;
		case OPT_WHERE:
			push(&o->where, &o->nr_where, &o->alloc_where, optarg);
			continue;
		case OPT_WHERE_FILE:
			push(&o->where_files, &o->nr_where_files, &o->alloc_where_files, optarg);
			continue;
		case OPT_KALLSYMS: once = &o->src.kallsyms; break;
		case OPT_VMLINUX: once = &o->src.vmlinux; break;
		case OPT_SYSTEM_MAP: once = &o->src.system_map; break;
		case OPT_MAP: once = &o->map; break;
		case OPT_FIND: once = &o->find; break;
		case OPT_MODULES:
			push(&o->src.module_dirs, &o->src.nr_dirs, &o->alloc_dirs, optarg);
			continue;
		case OPT_MODULE:
			push(&o->src.modules, &o->src.nr_modules, &o->alloc_modules, optarg);
			continue;
		case OPT_SYMVERS:
			push(&o->src.symvers, &o->src.nr_symvers, &o->alloc_symvers, optarg);
			continue;
		case OPT_STATS: o->stats = true; continue;
		default: common_option(c, usage); continue;
		}
		if (*once) {
			pr_err("an option was given twice (%s and %s)", *once, optarg);
			return -1;
		}
		*once = optarg;
	}
	return optind == argc ? 0 : (pr_err("unexpected argument '%s'", argv[optind]), -1);
}

static int check_mode(const struct opts *o)
{
	const struct map_sources *src = &o->src;
	bool sources = src->kallsyms || src->vmlinux || src->system_map || src->nr_dirs ||
		       src->nr_modules;
	bool where = o->nr_where || o->nr_where_files;

	if (where && (!o->source.kdir || !o->source.source)) {
		pr_err("--where NAME and --where-file PATH need -k KDIR and -s SOURCE (klp-source's)");
		return -1;
	}
	if (!where && (o->source.kdir || o->source.source || o->source.cache ||
			     o->source.quiet)) {
		pr_err("-k, -s, --cache and -q are for --where and --where-file");
		return -1;
	}
	if (o->map) {
		if (o->output || sources || src->nr_symvers || !!o->find == o->stats ||
		    where) {
			pr_err("--map takes exactly one of --find NAME and --stats, and no sources");
			return -1;
		}
		return 0;
	}
	if (o->find || o->stats) {
		pr_err("--find and --stats need --map MAP");
		return -1;
	}
	if (!o->output || !sources) {
		pr_err(!o->output ? "no output map (-o MAP)" : "no sources (--kallsyms, --vmlinux, "
		      "--system-map, --modules, --module)");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	char *cache = NULL;
	int ret;

	progname = "klp-symbols";
	/*
	 * A decompressed module is a buffer of up to tens of MB, freed as soon
	 * as its symbols are read. glibc's adaptive threshold would serve the
	 * large ones from the reader threads' arenas and keep them there (16 MB
	 * of peak RSS over 6.12's .ko.xz tree): mapped, they go back at free().
	 * Below 8 MB, reusing arena memory saves the page faults.
	 */
	mallopt(M_MMAP_THRESHOLD, 8 << 20);
	if (parse_opts(argc, argv, &o) || check_mode(&o)) {
		usage(stderr);
		ret = 2;
	} else if (o.map) {
		ret = o.find ? find(o.map, o.find) : stats(o.map);
	} else {
		if (!o.source.cache)
			o.source.cache = cache = source_default_cache();
		ret = build(&o);
	}
	free(o.src.module_dirs);
	free(o.src.modules);
	free(o.src.symvers);
	free(o.where);
	free(o.where_files);
	free(cache);
	return ret;
}
