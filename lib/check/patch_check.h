/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_PATCH_CHECK_H
#define KLP_PATCH_CHECK_H

/*
 * klp-check's analysis of one livepatch module against the target's symbol
 * map: its tables, the clones and inlined copies of each patched function,
 * whether ftrace can hook it, whether it points at functions IBT sealed. The front end only parses options and prints.
 */

#include <stdbool.h>
#include <stdio.h>

#include "base/report.h"
#include "check/func_facts.h"
#include "check/ipa_clones.h"
#include "elf/dwarf_inline.h"
#include "elf/elf_file.h"
#include "patch/klp_tables.h"
#include "symbols/symmap.h"

struct klp_check_opts {
	const char *map_path;
	const char **debuginfo;	/* targets with DWARF, for inlining and source lines */
	size_t nr_debuginfo;
	const char **ipa;		/* gcc -fdump-ipa-clones dumps, or trees of them */
	size_t nr_ipa;
	const char *ftrace_path;	/* available_filter_functions, or NULL */
	const char *vmlinux_path;	/* with .ibt_endbr_seal: the IBT check, or NULL */
	/*
	 * The facts of a patched function from its own rebuilt source file
	 * (klp-check --source), used instead of the map's clone names and the
	 * DWARF and ipa-clones given: 0 and out filled, 1 when no file is
	 * known for it, -1 on error (printed). NULL: not asked for.
	 */
	int (*facts)(void *arg, const struct symmap *map, const char *object, const char *name,
		     unsigned long long sympos, struct func_facts *out);
	void *facts_arg;
};

/* One distinct clone name of a patched function, with where it was seen. */
struct clone_seen {
	const char *name;
	unsigned int copies;	/* in the map's object */
	bool in_map, in_ipa, patched;
	const char *suffix;	/* gcc's kind, from the ipa dump */
};

/* An out-of-line function holding an inlined copy of a patched one. */
struct inline_container {
	const char *name;
	const char *via;
	bool patched;
};

enum inline_source {
	INLINE_DWARF,
	INLINE_IPA,
	NR_INLINE_SOURCES,
};

/* What klp-check learnt about one patched function. */
struct func_report {
	const char *object;	/* runtime name */
	const struct klp_func_entry *fn;
	bool in_map;
	struct clone_seen *clones;
	size_t nr_clones, alloc_clones;
	struct inline_container *inl[NR_INLINE_SOURCES];	/* sorted by name */
	size_t nr_inl[NR_INLINE_SOURCES];
	int ftrace;		/* -1 not checked, 0 missing, 1 present */
	struct func_facts *facts;	/* from its source (--source), or NULL */
	bool no_facts;		/* --source was given, but no file is known for it */
};

struct klp_check {
	const struct klp_check_opts *o;
	const char *module;
	struct check_report rep;
	struct elf_file *elf;
	struct klp_tables tables;
	struct symmap *map;
	struct strset patched;	/* "name" of every patched function */
	struct strset patched_in;	/* "object\tname" of every patched function */
	struct func_report *funcs;
	size_t nr_funcs;
	char **objnames;	/* runtime name of each klp_object */
	struct inline_edges edges[NR_INLINE_SOURCES];
	struct ipa_clones ipa;
	bool have_inl[NR_INLINE_SOURCES];
};

/*
 * Check module; the findings land in c->rep. Returns 0 when the check ran
 * (whatever it found), -1 when it could not (error printed: unreadable
 * module, map, dump or list). Release c either way.
 */
int klp_check_module(struct klp_check *c, const struct klp_check_opts *o, const char *module);
void klp_check_release(struct klp_check *c);

/* A summary line, then the findings. */
void klp_check_print_text(const struct klp_check *c, FILE *f);
/* Every patched function with what was learnt about it, and the findings. */
void klp_check_print_json(const struct klp_check *c, FILE *f);

#endif
