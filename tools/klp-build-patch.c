// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-build's patch mode (klp-build runs it when given patches instead of
 * a Kbuild directory): source patches to a livepatch for the distribution's
 * kernel, rebuilding only the files they touch.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cmdline.h"
#include "base/interrupt.h"
#include "base/util.h"
#include "build/extract.h"
#include "build/patch_build.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: klp-build -k KDIR -s SOURCE (--kallsyms FILE | --map MAP) [-o OUT.ko]\n"
		"                 [--no-replace] [--cache DIR] [-q] [-v] PATCH...\n"
		"       klp-build --diff-objects ORIG.o PATCHED.o\n"
		"       klp-build --kpatch-markers OBJ.o...\n"
		"       klp-build --prove-objects LIVEPATCH.ko PATCHED.o FUNCTION...\n"
		"       klp-build --extract-objects -m MAP [--target OBJ] [--kernel-version X.Y]\n"
		"                 -o OUT.o ORIG.o PATCHED.o\n"
		"\n"
		"Apply each PATCH (a unified diff, -p1) to a copy of the files it touches in\n"
		"SOURCE, rebuild each of them as the kernel of KDIR was built, original and\n"
		"patched, and report every function the patches change.\n"
		"\n"
		"  -k, --kdir KDIR     the target's headers tree (/lib/modules/REL/build)\n"
		"  -s, --source SRC    its kernel source: a tree, or Debian's linux-source .tar.xz\n"
		"      --kallsyms FILE the target's /proc/kallsyms\n"
		"  -m, --map MAP       or its symbol map (klp-symbols -o)\n"
		"  -o, --output KO     the livepatch (default: livepatch-<first patch>.ko)\n"
		"      --no-replace    not an atomic-replace livepatch\n"
		"      --cache DIR     klp-source's cache (default: ~/.cache/klp-source)\n"
		"      --kpatch-include DIR  kpatch-macros.h's directory, for the patched build\n"
		"                      (default: $KLP_KPATCH_INCLUDE, which klp-build sets)\n"
		"  --diff-objects      only compare two builds of one file, function by function\n"
		"  --extract-objects   only write the livepatch's part of one file (for OBJ, default\n"
		"                      vmlinux, of a kernel X.Y) from its two builds\n"
		"  --kpatch-markers    only list the kpatch-macros.h markers of objects\n"
		"  --prove-objects     only prove that each FUNCTION of a converted livepatch is\n"
		"                      the patched build's\n"
		"  -q, --quiet         no stage lines and findings\n"
		"  -v, --verbose       say what each step found\n"
		"  -h, --help          this text\n");
}

enum {
	OPT_KALLSYMS = 256, OPT_NO_REPLACE, OPT_CACHE, OPT_DIFF_OBJECTS, OPT_EXTRACT_OBJECTS,
	OPT_TARGET, OPT_KVER, OPT_PROVE_OBJECTS, OPT_KPATCH_INCLUDE, OPT_KPATCH_MARKERS,
};

static bool diff_objects, extract_objects, prove_objects, kpatch_markers;
static const char *target = "vmlinux";
static unsigned int kver;

static int parse_opts(int argc, char **argv, struct patch_build_opts *o)
{
	static const struct option longopts[] = {
		{ "kdir", required_argument, NULL, 'k' },
		{ "source", required_argument, NULL, 's' },
		{ "kallsyms", required_argument, NULL, OPT_KALLSYMS },
		{ "map", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "no-replace", no_argument, NULL, OPT_NO_REPLACE },
		{ "cache", required_argument, NULL, OPT_CACHE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "diff-objects", no_argument, NULL, OPT_DIFF_OBJECTS },
		{ "extract-objects", no_argument, NULL, OPT_EXTRACT_OBJECTS },
		{ "prove-objects", no_argument, NULL, OPT_PROVE_OBJECTS },
		{ "kpatch-include", required_argument, NULL, OPT_KPATCH_INCLUDE },
		{ "kpatch-markers", no_argument, NULL, OPT_KPATCH_MARKERS },
		{ "target", required_argument, NULL, OPT_TARGET },
		{ "kernel-version", required_argument, NULL, OPT_KVER },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *sym;
	int c;

	while ((c = getopt_long(argc, argv, "k:s:m:o:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': o->src.kdir = optarg; break;
		case 's': o->src.source = optarg; break;
		case OPT_KALLSYMS: o->kallsyms = optarg; break;
		case 'm': o->map = optarg; break;
		case 'o': o->output = optarg; break;
		case OPT_NO_REPLACE: o->no_replace = true; break;
		case OPT_CACHE: o->src.cache = optarg; break;
		case 'q': o->quiet = true; break;
		case OPT_DIFF_OBJECTS: diff_objects = true; break;
		case OPT_EXTRACT_OBJECTS: extract_objects = true; break;
		case OPT_PROVE_OBJECTS: prove_objects = true; break;
		case OPT_KPATCH_INCLUDE: o->kpatch_include = optarg; break;
		case OPT_KPATCH_MARKERS: kpatch_markers = true; break;
		case OPT_TARGET: target = optarg; break;
		case OPT_KVER: {
			unsigned int a, b;
			char end;

			if (sscanf(optarg, "%u.%u%c", &a, &b, &end) != 2 || a > 255 || b > 255) {
				pr_err("--kernel-version %s: X.Y expected", optarg);
				return -1;
			}
			kver = KLP_KVER(a, b);
			break;
		}
		default: common_option(c, usage); break;
		}
	}
	o->patches = argv + optind;
	o->nr_patches = argc - optind;
	if (kpatch_markers) {
		if (!o->nr_patches) {
			pr_err("--kpatch-markers takes the objects to read");
			return -1;
		}
		return 0;
	}
	if (!o->kpatch_include && getenv("KLP_KPATCH_INCLUDE") && *getenv("KLP_KPATCH_INCLUDE"))
		o->kpatch_include = getenv("KLP_KPATCH_INCLUDE");
	if (extract_objects) {
		if (o->nr_patches != 2 || !o->map || !o->output) {
			pr_err("--extract-objects takes -m MAP, -o OUT.o and two objects: ORIG.o PATCHED.o");
			return -1;
		}
		return 0;
	}
	if (prove_objects) {
		if (o->nr_patches < 3) {
			pr_err("--prove-objects takes LIVEPATCH.ko, PATCHED.o and the functions to prove");
			return -1;
		}
		return 0;
	}
	if (diff_objects) {
		if (o->nr_patches != 2) {
			pr_err("--diff-objects takes two objects: ORIG.o PATCHED.o");
			return -1;
		}
		return 0;
	}
	if (!o->src.kdir || !o->src.source) {
		pr_err("-k KDIR and -s SOURCE are both needed");
		return -1;
	}
	if (!o->kallsyms == !o->map) {
		pr_err("the target's symbols are needed: --kallsyms FILE or --map MAP, one of the two");
		return -1;
	}
	if (!o->nr_patches) {
		pr_err("no patch given");
		return -1;
	}
	if (o->output && !str_ends_with(o->output, ".ko")) {
		pr_err("%s: the livepatch's name must end in .ko", o->output);
		return -1;
	}
	sym = o->kallsyms ? o->kallsyms : o->map;
	if (access(sym, R_OK)) {
		pr_err("%s: %m", sym);
		return 1;
	}
	/* -q silences klp-source's "  CC" lines too; -v shows them. */
	o->src.quiet = !verbose;
	return 0;
}

int main(int argc, char **argv)
{
	struct patch_build_opts o = { 0 };
	char *cache = NULL;
	int ret;

	progname = "klp-build";
	interrupt_install();
	ret = parse_opts(argc, argv, &o);
	if (ret) {
		if (ret < 0)
			usage(stderr);
		return ret < 0 ? 2 : 1;
	}
	if (kpatch_markers)
		return patch_kpatch_markers(o.patches, o.nr_patches);
	if (diff_objects)
		return patch_diff_objects(o.patches[0], o.patches[1], kver, o.quiet);
	if (prove_objects)
		return patch_prove_objects(o.patches[0], o.patches[1], kver,
					   (const char *const *)o.patches + 2, o.nr_patches - 2);
	if (extract_objects)
		return patch_extract_objects(o.patches[0], o.patches[1], o.output, o.map, target, kver);
	if (!o.src.cache) {
		const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

		if (xdg && *xdg)
			cache = xasprintf("%s/klp-source", xdg);
		else
			cache = xasprintf("%s/.cache/klp-source", home && *home ? home : "/tmp");
		o.src.cache = cache;
	}
	ret = patch_build(&o);
	free(cache);
	interrupt_reraise();
	return ret;
}
