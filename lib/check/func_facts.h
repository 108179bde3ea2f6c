/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_FUNC_FACTS_H
#define KLP_FUNC_FACTS_H

/*
 * What gcc did to one function of one translation unit, from that unit's
 * object as the distribution built it (klp-source rebuilds it): where its
 * body was inlined, which clones it made, whether an out-of-line copy with
 * the source's ABI exists. Read from the object's symbol table and DWARF,
 * gcc's -fdump-ipa-clones report beside it, and the target's map for the
 * sympos of each function named. Each fact says where it came from.
 */

#include <stdbool.h>
#include <stdio.h>

#include "symbols/symmap.h"

enum fact_source {
	FACT_SYMTAB = 1 << 0,	/* the object's symbol table */
	FACT_DWARF = 1 << 1,	/* the object's DWARF */
	FACT_IPA = 1 << 2,	/* gcc's -fdump-ipa-clones report */
	FACT_MAP = 1 << 3,	/* the target's map */
	FACT_DBG = 1 << 4,	/* the target's own DWARF (-dbg vmlinux) */
};

/* How a name of the object was found in the map. */
enum sympos_how {
	SYMPOS_NONE,		/* no map, or not in it */
	SYMPOS_UNIQUE,		/* the object has one of that name */
	SYMPOS_NEIGHBOURS,	/* several: the one among this file's functions */
	SYMPOS_AMBIGUOUS,	/* several, and the neighbours do not tell */
	SYMPOS_INIT,		/* in an init section: freed after boot */
};

struct fact_sympos {
	unsigned int pos, count;	/* count: namesakes in the map's object */
	enum sympos_how how;
};

struct fact_caller {
	char *name;		/* the out-of-line function holding a copy (its symbol) */
	char *via;		/* functions inlined in between, or NULL */
	unsigned int from;	/* FACT_DWARF and/or FACT_IPA */
	struct fact_sympos sympos;
};

struct fact_clone {
	char *name;		/* foo.isra.0 */
	char *kind;		/* isra, constprop, part, cold; "constprop+isra" for a clone of a clone */
	unsigned int from;	/* FACT_SYMTAB and/or FACT_IPA */
	struct fact_sympos sympos;
};

enum fact_abi {
	ABI_KEPT,		/* an out-of-line copy under its own name, normal calling convention */
	ABI_NOCALL,		/* DWARF: DW_CC_nocall, not callable with the source's ABI */
	ABI_CLONES_ONLY,	/* only clones have code: their ABI is gcc's */
	ABI_NO_CODE,		/* no code at all: inlined everywhere, or unused */
};

struct func_facts {
	char *name, *path;	/* the function, its source file (fs/namei.c) */
	char *path_from;	/* how the file was found ("--source-file"), or NULL */
	char *object, *dump;	/* what was read; dump NULL when absent */
	char *mapobj;		/* the map's object (vmlinux, ext4), or NULL without a map */
	unsigned int sources;	/* every source read */
	bool defined;		/* the unit's DWARF or symbols know it */
	char *decl_file;	/* where it is declared (a header for a static inline) */
	unsigned int decl_line;
	bool external, declared_inline, header_inline;
	bool out_of_line;	/* a symbol called name has code (symtab) */
	enum fact_abi abi;
	struct fact_sympos sympos;	/* its own, when out_of_line */
	struct fact_caller *callers;	/* by name */
	size_t nr_callers, alloc_callers;
	struct fact_clone *clones;
	size_t nr_clones, alloc_clones;
	/* With the target's DWARF, for a header inline: the units that inline it. */
	char **units;
	size_t nr_units, alloc_units;
};

/*
 * Read the facts for name from object (and its dump when dump is not NULL;
 * map with mapobj for sympos when map is not NULL). Returns 0, or -1 with
 * the error printed.
 */
int func_facts_read(const char *object, const char *dump, const char *path, const char *name,
		    const struct symmap *map, const char *mapobj, struct func_facts *out);
/* Add the units of the target's DWARF that inline a header function (FACT_DBG). */
int func_facts_add_units(struct func_facts *ff, const char *dbg_dwarf);
void func_facts_release(struct func_facts *ff);

/* "object DWARF, gcc ipa-clones" for a FACT_ mask. */
void fact_sources_text(unsigned int from, char *buf, size_t len);
/* "sympos 2 of 3 (map, by neighbouring functions)" and the like. */
void fact_sympos_text(const struct fact_sympos *sp, char *buf, size_t len);
/* What a clone kind means for the ABI, in a few words. */
const char *fact_clone_meaning(const char *kind);
const char *fact_abi_text(enum fact_abi abi);

/* klp-source --facts: every fact, one per line, with its source. */
void func_facts_print(const struct func_facts *ff, FILE *f);

#endif
