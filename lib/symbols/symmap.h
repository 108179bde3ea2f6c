/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_SYMMAP_H
#define KLP_SYMMAP_H

/*
 * The symbol map: every symbol of the target kernel, per object, in the order
 * the kernel counts sympos. The text format is documented in doc/map-format.md.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#define MAP_MAGIC "klp-symbol-map 1"
#define MAP_UPSTREAM_MAGIC "klp-convert-symbol-data.0.1"
/* After a symbol's line: the source file that defines it (a comment to older readers). */
#define MAP_FILE_PREFIX "#:file "

/* Longest object name the kernel parses in .klp.rela/.klp.sym names. */
#define MAP_OBJNAME_MAX 55

enum map_flags {
	MAP_EXPORTED = 1 << 0,	/* exported by this object (EXPORT_SYMBOL*) */
	MAP_INIT = 1 << 1,	/* in an init section: gone from kallsyms after init */
};

struct map_object {
	const char *name;
	unsigned int index;
	struct map_symbol **syms;	/* map order */
	size_t nr_syms;
	size_t alloc_syms;
};

struct map_symbol {
	const char *name;
	struct map_object *obj;
	uint64_t addr;
	struct map_symbol *next;	/* next of the same name, any object, map order */
	unsigned int pos;		/* sympos among non-init namesakes in obj; 0 for MAP_INIT */
	unsigned short flags;
	char type;			/* nm/kallsyms letter; '?' when unknown */
};

struct symmap;

struct symmap *symmap_new(void);
void symmap_free(struct symmap *map);

/* Load our format or upstream's, told apart by the first line. */
int symmap_load(struct symmap *map, const char *path);
/*
 * Load only the symbols whose names are in names: sympos stays exact, since
 * every namesake of a kept name is kept. For tools that need a few names out
 * of a million.
 */
struct strset;
int symmap_load_names(struct symmap *map, const char *path, const struct strset *names);
int symmap_write(const struct symmap *map, const char *path);

/* Is name acceptable as an object name (vmlinux or a module's runtime name)? */
bool symmap_valid_objname(const char *name);

struct map_object *symmap_find_object(const struct symmap *map, const char *name);
/* A new object; NULL if the name is taken or invalid (the caller reports). */
struct map_object *symmap_add_object(struct symmap *map, const char *name);
/* Room for about nr_syms more symbols; optional: it only saves time. */
void symmap_reserve(struct symmap *map, size_t nr_syms);
/* Room for exactly nr more symbols in obj; optional: it only saves memory. */
void symmap_reserve_object(struct map_object *obj, size_t nr);
struct map_symbol *symmap_add(struct symmap *map, struct map_object *obj, const char *name,
			      char type, uint64_t addr, unsigned int flags);

/* The first symbol called name, in map order; follow ->next for the others. */
struct map_symbol *symmap_lookup(const struct symmap *map, const char *name);
/* How many sympos-counted symbols called name the object has. */
unsigned int symmap_count_in(const struct map_symbol *first, const struct map_object *obj);

struct map_counts {
	size_t syms, init, exported;
	size_t dups;		/* names the object has more than once */
};

struct map_counts symmap_count_object(const struct map_object *obj);

size_t symmap_nr_objects(const struct symmap *map);
struct map_object *symmap_object(const struct symmap *map, size_t i);
size_t symmap_nr_symbols(const struct symmap *map);
/* Symbols read from the file, kept or not. */
size_t symmap_nr_read(const struct symmap *map);

/*
 * One candidate for a name, as its sympos counts, with the annotation line a
 * patch author pastes (malloc'ed), and its source file when map (may be
 * NULL) records one. Callers walk first->next for the others.
 */
char *symmap_candidate_line(const struct symmap *map, const struct map_symbol *s);

/*
 * The source file that defines a symbol, when the map records it
 * (klp-symbols --where: "#:file PATH" after its line); NULL otherwise.
 */
const char *symmap_file(const struct symmap *map, const struct map_symbol *s);
void symmap_set_file(struct symmap *map, const struct map_symbol *s, const char *file);
void symmap_set_file_len(struct symmap *map, const struct map_symbol *s, const char *file,
			 size_t len);
/* How many symbols have a file. */
size_t symmap_nr_files(const struct symmap *map);

/* Is the symbol a function, by its nm letter? */
static inline bool map_symbol_is_func(const struct map_symbol *s)
{
	return s->type == 't' || s->type == 'T' || s->type == 'w' || s->type == 'W';
}

#endif
