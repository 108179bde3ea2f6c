/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_SYMLIST_H
#define KLP_SYMLIST_H

/*
 * The symbols of one object as a reader found them, in sympos order, before
 * they go into a symbol map. Readers fill these on any thread; only the
 * caller touches the (single-threaded) map.
 */

#include <stddef.h>
#include <stdint.h>

struct symmap;

struct lsym {
	const char *name;
	uint64_t addr;
	unsigned short flags;	/* MAP_EXPORTED, MAP_INIT */
	char type;
};

struct symlist {
	char *name;		/* object: vmlinux or a module's runtime name */
	char *path;		/* where it came from, for messages */
	struct lsym *syms;
	size_t nr, alloc;
	char *strings;		/* owned storage the names may point into */
};

void symlist_add(struct symlist *l, const char *name, uint64_t addr, char type,
		 unsigned int flags);
/*
 * A __ksymtab_<name> entry marks <name> exported. Only a global namesake is
 * exported when there is one: a same-named static elsewhere is not.
 */
void symlist_mark_ksymtab_exports(struct symlist *l);
/* Copy the names into l->strings, so that the file they were read from may go. */
void symlist_own_names(struct symlist *l);
/* Adds the object and its symbols; -1 (reported) if the object exists already. */
int symlist_to_map(struct symmap *map, const struct symlist *l);
void symlist_release(struct symlist *l);

#endif
