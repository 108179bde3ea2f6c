// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-check: find what makes a livepatch wrong before a kernel does: a
 * function that does not exist or is ambiguous, an object name the kernel
 * never matches, clones and inlined copies of patched functions that keep
 * running the old code, functions ftrace cannot hook.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cmdline.h"
#include "check/patch_check.h"
#include "convert/pipeline.h"
#include "source/source.h"
#include "source/where.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: klp-check --map MAP [options] MODULE.ko\n"
		"\n"
		"Check a livepatch module (before or after klp-convert) against the target\n"
		"kernel's symbol map: its klp_patch/klp_object/klp_func tables, gcc clones of\n"
		"the patched functions, where they were inlined, whether ftrace can hook them.\n"
		"\n"
		"  -m, --map MAP            symbol map of the target (klp-symbols, or upstream's)\n"
		"  -d, --debuginfo FILE     target object with DWARF (vmlinux, module, .o): list\n"
		"                           the functions holding inlined copies; repeatable\n"
		"  -i, --ipa-clones FILE    gcc -fdump-ipa-clones output: the same from gcc's\n"
		"                           report, and its clones; repeatable; a directory:\n"
		"                           every *.ipa-clones file under it\n"
		"  -f, --ftrace-list FILE   copy of the target's available_filter_functions\n"
		"  -k, --vmlinux FILE       the target's vmlinux (-dbg package): pointers to\n"
		"                           functions whose ENDBR IBT sealed are errors\n"
		"  --source SRC             the target's source (a tree, or Debian's linux-source\n"
		"                           .tar.xz): rebuild each patched function's file as\n"
		"                           the target was and take its inlining, clones and\n"
		"                           ABI from there instead of guessing (needs --kdir)\n"
		"  --kdir KDIR              with --source: the target's headers tree\n"
		"  --source-file NAME=PATH  with --source: NAME is defined in PATH (fs/namei.c);\n"
		"                           repeatable\n"
		"  --cache DIR              with --source: klp-source's cache\n"
		"  -j, --json               machine-readable report on stdout\n"
		"  -W, --werror             warnings make the exit status non-zero\n"
		"  -t, --tables-only        only the table checks, printed as found, as\n"
		"                           klp-convert runs them\n"
		"  -v, --verbose            also print notes\n"
		"  -h, --help               this text\n"
		"\n"
		"Exit status: 0 no errors (warnings allowed unless --werror), 1 errors found,\n"
		"2 bad usage, 3 internal error or out of memory.\n");
}

enum { OPT_SOURCE = 256, OPT_KDIR, OPT_SOURCE_FILE, OPT_CACHE };

struct opts {
	struct klp_check_opts check;
	size_t alloc_debuginfo, alloc_ipa;
	bool json, werror, tables_only;
	struct source_opts src;
	char **files;		/* NAME=PATH */
	size_t nr_files, alloc_files;
};

/* klp-check --source: the patched function's file, rebuilt once, read for its facts. */
struct facts_ctx {
	const struct opts *o;
	struct source_ctx src;
	bool open, failed;
};

static const char *file_for(const struct opts *o, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < o->nr_files; i++)
		if (!strncmp(o->files[i], name, len) && o->files[i][len] == '=')
			return o->files[i] + len + 1;
	return NULL;
}

/* The copy of name in object that old_sympos names (0: the only one), or NULL. */
static const struct map_symbol *patched_copy(const struct symmap *map, const char *object,
					     const char *name, unsigned long long sympos)
{
	const struct map_symbol *s, *only = NULL;
	unsigned int n = 0;

	for (s = symmap_lookup(map, name); s; s = s->next) {
		if (strcmp(s->obj->name, object) || (s->flags & MAP_INIT))
			continue;
		if (sympos && s->pos == sympos)
			return s;
		only = s;
		n++;
	}
	return !sympos && n == 1 ? only : NULL;
}

/*
 * The file defining the patched copy: the map's record of it (klp-symbols
 * --where), else klp-source's --where over the files that mention it.
 */
static char *find_file(struct facts_ctx *fc, const struct symmap *map,
		       const struct map_symbol *copy, const char **how)
{
	struct dir_list dl = { 0 };
	struct where_result res = { 0 };
	char *path = NULL;
	size_t i;

	if (symmap_file(map, copy)) {
		*how = "the map";
		return xstrdup(symmap_file(map, copy));
	}
	*how = "klp-source --where";
	if (!where_find_files(&fc->src, copy->name, &dl) &&
	    !where_place(&fc->src, map, copy->name, dl.paths, dl.nr, &res))
		for (i = 0; i < res.nr_copies && !path; i++)
			if (res.copies[i] == copy && res.owners[i])
				path = xstrdup(res.owners[i]->path);
	where_result_release(&res);
	dir_list_release(&dl);
	return path;
}

static int source_facts(void *arg, const struct symmap *map, const char *object,
			const char *name, unsigned long long sympos, struct func_facts *out)
{
	struct facts_ctx *fc = arg;
	const char *given = file_for(fc->o, name), *how = "--source-file";
	const struct map_symbol *copy = NULL;
	char *path = NULL, *mapobj;
	struct rebuilt r;
	int ret;

	if (fc->failed)
		return -1;
	if (!given) {
		/* A function the map lacks has no copy to look for: inlined everywhere, or wrong. */
		copy = patched_copy(map, object, name, sympos);
		if (!copy)
			return 1;
	}
	if (!fc->open) {
		if (source_open(&fc->src, &fc->o->src)) {
			fc->failed = true;
			return -1;
		}
		fc->open = true;
	}
	path = given ? xstrdup(given) : find_file(fc, map, copy, &how);
	if (!path)
		return 1;
	ret = source_rebuild_dump(&fc->src, path, &r);
	free(path);
	if (ret)
		return -1;
	mapobj = r.module ? module_runtime_name(r.module) : xstrdup("vmlinux");
	if (strcmp(mapobj, object))
		pr_warn("%s is a file of %s, but the patch replaces %s in %s", r.path,
			mapobj, name, object);
	ret = func_facts_read(r.object, r.ipa_dump, r.path, name, map, mapobj, out) ? -1 : 0;
	if (!ret)
		out->path_from = xstrdup(how);
	free(mapobj);
	rebuilt_free(&r);
	return ret;
}

static int run(const struct opts *o, const char *module)
{
	struct facts_ctx fc = { .o = o };
	struct klp_check_opts copts = o->check;
	struct klp_check c;
	int ret = 1;

	if (o->tables_only) {
		/* Exactly klp-convert's checks, without the conversion. */
		struct klp_job job = { .in = module, .map_path = o->check.map_path };
		unsigned int before = warning_count();

		return klp_run_job(&job, NULL) || (o->werror && warning_count() > before) ? 1 : 0;
	}
	if (o->src.source) {
		copts.facts = source_facts;
		copts.facts_arg = &fc;
	}
	if (!klp_check_module(&c, &copts, module)) {
		if (o->json)
			klp_check_print_json(&c, stdout);
		else
			klp_check_print_text(&c, stdout);
		ret = c.rep.errors || (o->werror && c.rep.warnings) ? 1 : 0;
	}
	klp_check_release(&c);
	if (fc.open)
		source_close(&fc.src);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "map", required_argument, NULL, 'm' },
		{ "debuginfo", required_argument, NULL, 'd' },
		{ "ipa-clones", required_argument, NULL, 'i' },
		{ "ftrace-list", required_argument, NULL, 'f' },
		{ "vmlinux", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "werror", no_argument, NULL, 'W' },
		{ "tables-only", no_argument, NULL, 't' },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "kdir", required_argument, NULL, OPT_KDIR },
		{ "source-file", required_argument, NULL, OPT_SOURCE_FILE },
		{ "cache", required_argument, NULL, OPT_CACHE },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	char *cache = NULL;
	int c, ret;

	progname = "klp-check";
	while ((c = getopt_long(argc, argv, "m:d:i:f:k:jWtvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o.check.map_path = optarg;
			break;
		case 'd':
			grow_array(&o.check.debuginfo, &o.alloc_debuginfo, o.check.nr_debuginfo + 1,
				   sizeof(*o.check.debuginfo));
			o.check.debuginfo[o.check.nr_debuginfo++] = optarg;
			break;
		case 'i':
			grow_array(&o.check.ipa, &o.alloc_ipa, o.check.nr_ipa + 1,
				   sizeof(*o.check.ipa));
			o.check.ipa[o.check.nr_ipa++] = optarg;
			break;
		case 'f':
			o.check.ftrace_path = optarg;
			break;
		case 'k':
			o.check.vmlinux_path = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'W':
			o.werror = true;
			break;
		case 't':
			o.tables_only = true;
			break;
		case OPT_SOURCE:
			o.src.source = optarg;
			break;
		case OPT_KDIR:
			o.src.kdir = optarg;
			break;
		case OPT_CACHE:
			o.src.cache = optarg;
			break;
		case OPT_SOURCE_FILE:
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				pr_err("--source-file %s: expected NAME=PATH (path_put=fs/namei.c)",
				       optarg);
				return 2;
			}
			grow_array(&o.files, &o.alloc_files, o.nr_files + 1, sizeof(*o.files));
			o.files[o.nr_files++] = optarg;
			break;
		default:
			common_option(c, usage);
		}
	}
	if (!o.src.cache) {
		const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

		cache = xdg && *xdg ? xasprintf("%s/klp-source", xdg) :
			xasprintf("%s/.cache/klp-source", home && *home ? home : "/tmp");
		o.src.cache = cache;
	}
	o.src.quiet = !verbose;
	if (argc - optind != 1 || !o.check.map_path || !o.src.source != !o.src.kdir ||
	    (o.nr_files && !o.src.source)) {
		if (!o.check.map_path)
			pr_err("--map is required");
		else if (!o.src.source != !o.src.kdir)
			pr_err("--source and --kdir go together");
		else if (o.nr_files && !o.src.source)
			pr_err("--source-file needs --source SRC --kdir KDIR");
		ret = 2;
		usage(stderr);
	} else {
		ret = run(&o, argv[optind]);
	}
	free(o.check.debuginfo);
	free(o.check.ipa);
	free(o.files);
	free(cache);
	return ret;
}
