// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-source: rebuild files of a distribution kernel from its exact source,
 * as the distribution built them, and prove the result is the shipped code.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/cmdline.h"
#include "base/interrupt.h"
#include "base/util.h"
#include "check/func_facts.h"
#include "source/source.h"
#include "source/verify.h"
#include "source/where.h"
#include "symbols/map_build.h"
#include "symbols/symmap.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: klp-source [-q] [-v] -k KDIR -s SOURCE [--cache DIR] PATH...\n"
		"       klp-source -k KDIR -s SOURCE --verify (--vmlinux FILE | --image FILE --map MAP)\n"
		"                  [--modules DIR] PATH...\n"
		"       klp-source -k KDIR -s SOURCE --where NAME (--map MAP | --vmlinux FILE\n"
		"                  [--modules DIR]) [PATH...]\n"
		"       klp-source -k KDIR -s SOURCE --facts NAME [--map MAP] [--vmlinux FILE] PATH...\n"
		"       klp-source --facts NAME --object FILE.o [--ipa-clones DUMP] [--map MAP]\n"
		"                  [--map-object OBJ] [--vmlinux FILE] PATH\n"
		"\n"
		"Rebuild each PATH (fs/namei.c) of the kernel whose headers tree is KDIR from\n"
		"its source, as the distribution built it (built-in, or as a part of its\n"
		"module), and print \"PATH: OBJECT\". Objects are cached and reused.\n"
		"\n"
		"  -k, --kdir KDIR     the target's headers tree (/lib/modules/REL/build)\n"
		"  -s, --source SRC    a kernel source tree, or Debian's linux-source .tar.xz\n"
		"  --cache DIR         where the extracted tree and objects are kept\n"
		"                      (default: $XDG_CACHE_HOME/klp-source, ~/.cache/klp-source)\n"
		"  --force             rebuild even when the cache has the object\n"
		"  --verify            compare every function with the target's code\n"
		"  --vmlinux FILE      the target's vmlinux with symbols (Debian's -dbg one)\n"
		"  --image FILE        without it: the compressed image (/boot/vmlinuz-REL)\n"
		"  --map MAP           with --image: kallsyms, System.map or a klp-symbols map\n"
		"  --where NAME        every copy of NAME in the map, with its sympos and the\n"
		"                      file that defines it (the files that mention NAME and\n"
		"                      are built, or only PATH...), matched by the symbols\n"
		"                      around it; --map is a klp-symbols map or a kallsyms copy\n"
		"  --modules DIR       the target's modules (default: /lib/modules/REL)\n"
		"  --facts NAME        what gcc did to function NAME of each PATH: callers it\n"
		"                      was inlined into, clones, out-of-line copy and ABI,\n"
		"                      from the object, its DWARF and gcc's ipa-clones report;\n"
		"                      --map adds sympos, --vmlinux (-dbg) the units that\n"
		"                      inline a header's static inline\n"
		"  --object FILE.o     with --facts: read this object (built elsewhere, with\n"
		"                      -g) instead of rebuilding PATH\n"
		"  --ipa-clones DUMP   with --object: its gcc -fdump-ipa-clones report\n"
		"  --map-object OBJ    with --object: its object in the map (default vmlinux)\n"
		"  -q, --quiet         no progress lines\n"
		"  -v, --verbose       say what each step found\n"
		"  -h, --help          this text\n");
}

struct opts {
	struct source_opts src;
	const char *vmlinux, *modules, *image, *map, *where, *facts;
	const char *object, *dump, *mapobj;
	bool verify;
	char **paths;
	int nr_paths;
};

enum { OPT_CACHE = 256, OPT_FORCE, OPT_VERIFY, OPT_VMLINUX, OPT_MODULES, OPT_IMAGE, OPT_MAP,
       OPT_WHERE, OPT_FACTS, OPT_OBJECT, OPT_DUMP, OPT_MAPOBJ };

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "kdir", required_argument, NULL, 'k' },
		{ "source", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "cache", required_argument, NULL, OPT_CACHE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "vmlinux", required_argument, NULL, OPT_VMLINUX },
		{ "modules", required_argument, NULL, OPT_MODULES },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "map", required_argument, NULL, OPT_MAP },
		{ "where", required_argument, NULL, OPT_WHERE },
		{ "facts", required_argument, NULL, OPT_FACTS },
		{ "object", required_argument, NULL, OPT_OBJECT },
		{ "ipa-clones", required_argument, NULL, OPT_DUMP },
		{ "map-object", required_argument, NULL, OPT_MAPOBJ },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "k:s:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': o->src.kdir = optarg; break;
		case 's': o->src.source = optarg; break;
		case 'q': o->src.quiet = true; break;
		case OPT_CACHE: o->src.cache = optarg; break;
		case OPT_FORCE: o->src.force = true; break;
		case OPT_VERIFY: o->verify = true; break;
		case OPT_VMLINUX: o->vmlinux = optarg; break;
		case OPT_MODULES: o->modules = optarg; break;
		case OPT_IMAGE: o->image = optarg; break;
		case OPT_MAP: o->map = optarg; break;
		case OPT_WHERE: o->where = optarg; break;
		case OPT_FACTS: o->facts = optarg; break;
		case OPT_OBJECT: o->object = optarg; break;
		case OPT_DUMP: o->dump = optarg; break;
		case OPT_MAPOBJ: o->mapobj = optarg; break;
		default: common_option(c, usage); break;
		}
	}
	o->paths = argv + optind;
	o->nr_paths = argc - optind;
	if ((o->object || o->dump || o->mapobj) && !(o->facts && o->object)) {
		pr_err("--object, --ipa-clones and --map-object are for --facts NAME --object FILE");
		return -1;
	}
	if (o->object) {
		if (o->nr_paths != 1) {
			pr_err("--object reads one object: give the one source PATH it was built from");
			return -1;
		}
		return 0;
	}
	if (!o->src.kdir || !o->src.source) {
		pr_err("-k KDIR and -s SOURCE are both needed");
		return -1;
	}
	if (o->where && o->facts) {
		pr_err("--where and --facts are two questions: ask one at a time");
		return -1;
	}
	if (o->where) {
		if (o->verify || o->image || !o->map == !o->vmlinux || (o->map && o->modules)) {
			pr_err("--where NAME takes either --map MAP or --vmlinux FILE [--modules DIR]");
			return -1;
		}
		return 0;
	}
	if (!o->nr_paths) {
		pr_err("no source files to rebuild (fs/namei.c ...)");
		return -1;
	}
	if (o->facts && (o->verify || o->image || o->modules)) {
		pr_err("--facts takes --map and --vmlinux, not --verify, --image or --modules");
		return -1;
	}
	if (o->facts)
		return 0;
	if ((o->vmlinux || o->image || o->map || o->modules) && !o->verify) {
		pr_err("--vmlinux, --image, --map and --modules are for --verify or --facts");
		return -1;
	}
	if ((o->vmlinux && (o->image || o->map)) || !o->image != !o->map) {
		pr_err("vmlinux is either --vmlinux FILE or --image FILE --map MAP");
		return -1;
	}
	return 0;
}

/* The installed module named name, from modules.dep: its path as the kernel's tools list it. */
static char *find_module(const char *dir, const char *name)
{
	char *dep = xasprintf("%s/modules.dep", dir), *ret = NULL;
	char *want = xasprintf("/%s.ko", name);
	FILE *f = fopen(dep, "r");
	char *line = NULL;
	size_t alloc = 0;

	if (!f) {
		pr_err("%s: cannot read: %m", dep);
		goto out;
	}
	while (getline(&line, &alloc, f) > 0) {
		char *colon = strchr(line, ':'), *ko;

		if (!colon)
			continue;
		*colon = '\0';
		ko = strstr(line, want);
		/* foo.ko, foo.ko.xz, foo.ko.zst: the name ends at ".ko". */
		if (ko && (ko[strlen(want)] == '\0' || ko[strlen(want)] == '.')) {
			ret = xasprintf("%s/%s", dir, line);
			break;
		}
	}
	if (!ret)
		pr_err("%s: no module %s.ko", dep, name);
	free(line);
	fclose(f);
out:
	free(dep);
	free(want);
	return ret;
}

/* The image's vmlinux is decompressed into the cache, beside the source's tree. */
static struct verify_vmlinux *open_image(const struct source_ctx *ctx, const struct opts *o)
{
	const char *base = strrchr(o->image, '/') ? strrchr(o->image, '/') + 1 : o->image;
	char *dir = xasprintf("%s/image", ctx->cachedir);
	char *elf = xasprintf("%s/%s.elf", dir, base);
	struct verify_vmlinux *vm = NULL;

	if (mkdir(dir, 0755) && errno != EEXIST)
		pr_err("%s: cannot create: %m", dir);
	else
		vm = verify_image_open(o->image, o->map, elf);
	free(dir);
	free(elf);
	return vm;
}

/* --where's map: a klp-symbols map or a kallsyms copy, or built from vmlinux and modules. */
static struct symmap *where_map(const struct source_ctx *ctx, const struct opts *o)
{
	struct map_sources src = { 0 };
	struct symmap *map;
	char *line = NULL, *modules = NULL;
	size_t alloc = 0;
	struct stat st;
	FILE *f;

	if (o->map) {
		f = fopen(o->map, "r");
		if (!f) {
			pr_err("%s: cannot read: %m", o->map);
			return NULL;
		}
		if (getline(&line, &alloc, f) > 0 &&
		    (str_starts_with(line, MAP_MAGIC) || str_starts_with(line, MAP_UPSTREAM_MAGIC))) {
			fclose(f);
			free(line);
			map = symmap_new();
			if (symmap_load(map, o->map)) {
				symmap_free(map);
				return NULL;
			}
			return map;
		}
		fclose(f);
		free(line);
		src.kallsyms = o->map;
		return map_build(&src);
	}
	src.vmlinux = o->vmlinux;
	modules = o->modules ? xstrdup(o->modules) : xasprintf("/lib/modules/%s", ctx->release);
	if (o->modules || !stat(modules, &st)) {
		src.module_dirs = (const char **)&modules;
		src.nr_dirs = 1;
	}
	map = map_build(&src);
	free(modules);
	return map;
}

static const char *where_reason(const struct where_file *f, const char *name)
{
	static char buf[256];

	switch (f->state) {
	case WHERE_NOT_DEFINED:
		snprintf(buf, sizeof(buf), "no %s in its object (inlined into its callers, or only "
			 "mentioned)", name);
		return buf;
	case WHERE_NOT_IN_MAP:
		snprintf(buf, sizeof(buf), "its %s is in none of the map's copies (discarded at "
			 "link time, or overridden)", name);
		return buf;
	case WHERE_UNSURE:
		return "two copies in the map match it equally well";
	case WHERE_NO_OBJECT:
		snprintf(buf, sizeof(buf), "its module %s is not in the map", f->module);
		return buf;
	case WHERE_FAILED:
		return "could not be rebuilt";
	case WHERE_PLACED:
		break;
	}
	return "";
}

static int where(struct source_ctx *ctx, const struct opts *o)
{
	struct symmap *map = where_map(ctx, o);
	struct dir_list found = { 0 };
	struct where_result res = { 0 };
	char *const *paths = o->paths;
	size_t nr = o->nr_paths, i, failed = 0;
	int ret = 1;

	if (!map)
		return 1;
	if (!symmap_lookup(map, o->where)) {
		pr_err("%s: no symbol called '%s'", o->map ? o->map : o->vmlinux, o->where);
		goto out;
	}
	if (!nr) {
		if (where_find_files(ctx, o->where, &found))
			goto out;
		paths = found.paths;
		nr = found.nr;
	}
	if (where_place(ctx, map, o->where, paths, nr, &res))
		goto out;
	for (i = 0; i < res.nr_copies; i++) {
		const struct map_symbol *s = res.copies[i];
		const struct where_file *f = res.owners[i];
		bool vmlinux = !strcmp(s->obj->name, "vmlinux");

		printf("%s,%u %s%s%s%s%s\n", s->name, s->pos, f ? f->path : "?",
		       vmlinux ? "" : " [", vmlinux ? "" : s->obj->name, vmlinux ? "" : "]",
		       f ? "" : " not attributed: no rebuilt file's symbols match this copy's");
	}
	for (i = 0; i < res.nr_files; i++) {
		const struct where_file *f = &res.files[i];

		if (f->state == WHERE_PLACED)
			continue;
		failed += f->state == WHERE_FAILED;
		printf("%s: %s\n", f->path, where_reason(f, o->where));
	}
	printf("where: %s: %zu copies, %zu attributed, %zu files rebuilt\n", o->where,
	       res.nr_copies, res.nr_placed, res.nr_files - failed);
	ret = res.nr_placed == res.nr_copies && !failed ? 0 : 1;
	if (res.nr_placed < res.nr_copies)
		pr_err("%s: %zu of %zu copies not attributed to a file", o->where,
		       res.nr_copies - res.nr_placed, res.nr_copies);
out:
	fflush(stdout);
	where_result_release(&res);
	dir_list_release(&found);
	symmap_free(map);
	return ret;
}

/* The facts of o->facts in each file, one block per file. ctx NULL: o->object. */
static int run_facts(struct source_ctx *ctx, const struct opts *o)
{
	struct symmap *map = NULL;
	int i, ret = 1;

	/* A klp-symbols map or a kallsyms copy, as --where reads it. */
	if (o->map) {
		map = where_map(ctx, o);
		if (!map)
			goto out;
	}
	for (i = 0; i < o->nr_paths; i++) {
		struct func_facts ff;
		struct rebuilt r;
		char *mapobj;
		int rc;

		if (!ctx) {
			memset(&r, 0, sizeof(r));
			r.path = xstrdup(o->paths[i]);
			r.object = xstrdup(o->object);
			r.ipa_dump = o->dump ? xstrdup(o->dump) : NULL;
			r.module = o->mapobj && strcmp(o->mapobj, "vmlinux") ? xstrdup(o->mapobj) : NULL;
		} else if (source_rebuild_dump(ctx, o->paths[i], &r)) {
			goto out;
		}
		mapobj = r.module ? module_runtime_name(r.module) : xstrdup("vmlinux");
		rc = func_facts_read(r.object, r.ipa_dump, r.path, o->facts, map, mapobj, &ff);
		if (!rc && o->vmlinux && ff.header_inline)
			rc = func_facts_add_units(&ff, o->vmlinux);
		if (!rc)
			func_facts_print(&ff, stdout);
		func_facts_release(&ff);
		free(mapobj);
		rebuilt_free(&r);
		if (rc)
			goto out;
	}
	ret = 0;
out:
	symmap_free(map);
	return ret;
}

static int run(struct opts *o)
{
	struct verify_vmlinux *vm = NULL;
	struct source_ctx ctx;
	size_t identical = 0, total = 0, files = 0, unexplained = 0;
	char *modules = NULL;
	int i, ret = 1;

	if (o->object)
		return run_facts(NULL, o);
	if (source_open(&ctx, &o->src))
		return 1;
	if (o->where || o->facts) {
		ret = o->where ? where(&ctx, o) : run_facts(&ctx, o);
		source_close(&ctx);
		return ret;
	}
	if (o->verify)
		modules = o->modules ? xstrdup(o->modules) : xasprintf("/lib/modules/%s", ctx.release);
	for (i = 0; i < o->nr_paths; i++) {
		struct verify_result res = { 0 };
		struct rebuilt r;
		char *ko = NULL;

		if (source_rebuild(&ctx, o->paths[i], &r))
			goto out;
		if (!o->verify) {
			printf("%s: %s\n", r.path, r.object);
			rebuilt_free(&r);
			continue;
		}
		if (r.module) {
			ko = find_module(modules, r.module);
		} else if (!vm && o->vmlinux) {
			vm = verify_vmlinux_open(o->vmlinux);
		} else if (!vm && o->image) {
			vm = open_image(&ctx, o);
		} else if (!vm) {
			pr_err("%s: a file of vmlinux: --verify needs --vmlinux FILE or --image FILE --map MAP",
			       r.path);
		}
		if ((r.module && !ko) || (!r.module && !vm) ||
		    verify_object(r.object, r.path, vm, ko, &res)) {
			free(ko);
			rebuilt_free(&r);
			goto out;
		}
		printf("%s: %zu/%zu functions identical%s%s\n", r.path, res.identical, res.total,
		       r.module ? " with " : "", r.module ? ko : "");
		if (res.notes.len)
			fputs(res.notes.buf, stdout);
		if (verbose && res.info.len)
			fputs(res.info.buf, stdout);
		identical += res.identical;
		total += res.total;
		unexplained += res.unexplained;
		files++;
		verify_result_release(&res);
		free(ko);
		rebuilt_free(&r);
	}
	if (o->verify)
		printf("verify: %zu/%zu functions identical in %zu files%s\n", identical, total,
		       files, unexplained ? "" : ", every difference explained");
	ret = o->verify && unexplained ? 1 : 0;
	if (unexplained)
		pr_err("%zu functions differ without an explanation", unexplained);
out:
	fflush(stdout);
	verify_vmlinux_close(vm);
	free(modules);
	source_close(&ctx);
	return ret;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	char *cache = NULL;
	int ret;

	progname = "klp-source";
	interrupt_install();
	if (parse_opts(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	if (!o.src.cache)
		o.src.cache = cache = source_default_cache();
	ret = run(&o);
	free(cache);
	interrupt_reraise();
	return ret;
}
