// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-convert: turn a built livepatch module into one the kernel can load.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cmdline.h"
#include "convert/pipeline.h"
#include "base/util.h"

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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct klp_job job = { 0 };
	bool dry_run = false;
	int c, nargs;

	progname = "klp-convert";
	while ((c = getopt_long(argc, argv, "nvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = true;
			break;
		default:
			common_option(c, usage);
		}
	}
	nargs = argc - optind;
	if (nargs != 2 && nargs != 3) {
		usage(stderr);
		return 2;
	}
	job.map_path = nargs == 3 ? argv[optind] : NULL;
	job.in = argv[argc - 2];
	job.out = argv[argc - 1];
	job.dry_run = dry_run;
	job.plan = dry_run ? stdout : (verbose ? stderr : NULL);
	return klp_run_job(&job, NULL);
}
