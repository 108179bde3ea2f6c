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

#include "base/cmdline.h"
#include "check/patch_check.h"
#include "convert/pipeline.h"

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

struct opts {
	struct klp_check_opts check;
	size_t alloc_debuginfo, alloc_ipa;
	bool json, werror, tables_only;
};

static int run(const struct opts *o, const char *module)
{
	struct klp_check c;
	int ret = 1;

	if (o->tables_only) {
		/* Exactly klp-convert's checks, without the conversion. */
		struct klp_job job = { .in = module, .map_path = o->check.map_path };
		unsigned int before = warning_count();

		return klp_run_job(&job, NULL) || (o->werror && warning_count() > before) ? 1 : 0;
	}
	if (!klp_check_module(&c, &o->check, module)) {
		if (o->json)
			klp_check_print_json(&c, stdout);
		else
			klp_check_print_text(&c, stdout);
		ret = c.rep.errors || (o->werror && c.rep.warnings) ? 1 : 0;
	}
	klp_check_release(&c);
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
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
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
		default:
			common_option(c, usage);
		}
	}
	if (argc - optind != 1 || !o.check.map_path) {
		if (!o.check.map_path)
			pr_err("--map is required");
		ret = 2;
		usage(stderr);
	} else {
		ret = run(&o, argv[optind]);
	}
	free(o.check.debuginfo);
	free(o.check.ipa);
	return ret;
}
