/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_BUILD_CHEADER_H
#define KLP_BUILD_CHEADER_H

/*
 * What a C header declares, read without a preprocessor: its top-level
 * entities (a #define, a function with its body, a struct, union or enum
 * definition, a typedef, a declaration), each with the names it declares,
 * the identifiers it uses and a hash of its tokens and of the #if context
 * around it. Comments and white space are not tokens: a change to them
 * changes no hash. Whatever the reader cannot tell apart is kept together
 * (a construct it does not know runs to the next ';' at depth 0), so that a
 * misreading can only widen what counts as changed, never hide a change.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

enum hdr_kind {
	HDR_MACRO,		/* #define, #undef */
	HDR_FUNCTION,		/* a function with its body: static inline */
	HDR_TYPE,		/* a struct, union or enum tag */
	HDR_TYPEDEF,
	HDR_CONSTANT,		/* an enumerator */
	HDR_DECL,		/* a declaration: extern, a prototype, a variable */
};

const char *hdr_kind_name(enum hdr_kind kind);

struct hdr_name {
	const char *name;	/* owned by its entity */
	enum hdr_kind kind;
};

/* An identifier in the file's cleaned text, not NUL-terminated. */
struct hdr_ident {
	const char *p;
	size_t len;
};

struct hdr_entity {
	struct hdr_name *names;
	size_t nr_names, alloc_names;
	struct hdr_ident *idents;	/* what it uses, and what its #if context tests */
	size_t nr_idents, alloc_idents;
	uint64_t hash;
};

struct hdr_file {
	char *text;		/* comments removed, lines spliced: the identifiers point into it */
	struct hdr_entity *ents;
	size_t nr, alloc;
	/* #include, #pragma, and what declares no name, in order, with their context. */
	uint64_t structure;
};

/* Never fails: any text is some sequence of entities. */
void hdr_parse(const char *text, size_t len, struct hdr_file *hf);
void hdr_release(struct hdr_file *hf);

struct hdr_changes {
	struct hdr_name *v;	/* names of before's or after's text */
	size_t nr, alloc;
	/* An #include, a #pragma or an unnamed construct changed: every name may have. */
	bool structural;
};

/*
 * The names whose entities differ between before and after (in order, or
 * in #if context), or that only one of them declares, each once, in
 * after's order then before's. With changes->structural, every name of
 * both.
 */
void hdr_compare(const struct hdr_file *before, const struct hdr_file *after,
		 struct hdr_changes *changes);
void hdr_changes_release(struct hdr_changes *changes);

/*
 * The names of hf's entities that use a name of set, added to set (and to
 * added, if not NULL), until none is left: a macro or an inline function
 * that uses a changed one is changed too. The number added.
 */
size_t hdr_spread(const struct hdr_file *hf, struct strset *set, struct hdr_changes *added);

#endif
