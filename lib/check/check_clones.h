/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_CHECK_CLONES_H
#define KLP_CHECK_CLONES_H

/*
 * Compiler-made copies of functions in the symbol map: foo.isra.0,
 * foo.constprop.1, foo.part.0, foo.cold, foo.llvm.123. Names never contain a
 * dot in C, so the part before the first dot is the function they came from.
 */

#include "symbols/symmap.h"
#include "base/util.h"

struct clone_index;

/*
 * One pass over every symbol of the map, keeping the dotted names whose base
 * is in bases: a hash lookup per guessed suffix cannot find foo.constprop.7,
 * and a scan per patched function would not scale to a million symbols.
 */
struct clone_index *clone_index_build(const struct symmap *map, const struct strset *bases);
void clone_index_free(struct clone_index *ci);

/* The clones of base, in map order (NULL-terminated array; NULL when none). */
struct map_symbol *const *clone_index_get(const struct clone_index *ci, const char *base);

/* A function, or of unknown type (upstream's map format has no types). */
static inline bool map_symbol_maybe_func(const struct map_symbol *s)
{
	return s->type == '?' || map_symbol_is_func(s);
}

/* What the suffix of a clone's name means for a patch author, in a few words. */
const char *clone_meaning(const char *name);
/*
 * Does a clone leave callers running old code when only its base is patched?
 * .cold is part of the function itself, .llvm.N and .lto_priv.N are the
 * function renamed: not clones in that sense.
 */
bool clone_is_separate(const char *name);
/* A renamed copy (.llvm.N, .lto_priv.N): the function under another name. */
bool clone_is_rename(const char *name);

#endif
