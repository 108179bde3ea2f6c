/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_CMDLINE_H
#define KLP_CMDLINE_H

/*
 * The options every command has, handled alike: -v/--verbose, -h/--help,
 * --version, and an option getopt refused (exit status 2, as the man pages
 * say). The commands put COMMON_LONGOPTS in their table, "vh" in their
 * short options, and pass any option they do not know to common_option().
 */

#include <getopt.h>
#include <stdio.h>

#define COMMON_LONGOPTS					\
	{ "verbose", no_argument, NULL, 'v' },		\
	{ "help", no_argument, NULL, 'h' },		\
	{ "version", no_argument, NULL, 'V' }

/* Counts -v; exits for --help and --version (0) and for anything else (2). */
void common_option(int c, void (*usage)(FILE *f));

#endif
