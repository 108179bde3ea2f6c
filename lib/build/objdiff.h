/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_BUILD_OBJDIFF_H
#define KLP_BUILD_OBJDIFF_H

/*
 * What a patch changes in one file's object: the original and the patched
 * builds of the file (both -ffunction-sections -fdata-sections), compared
 * function by function. Code bytes are compared with every relocation
 * compared by what it names (a symbol and addend, a string's text, a
 * constant's bytes), never by symbol index or section offset, so that code
 * that moved or strings that were renumbered do not count as changes.
 *
 * A caller into which a changed static function was inlined has different
 * bytes and counts as changed by itself. A changed static function ftrace
 * cannot patch makes its callers count as changed. A .cold part that changed brings
 * its parent; other gcc clones (.isra, .constprop, .part) are functions in
 * their own right, named with their parent.
 */

#include <stdbool.h>
#include <stddef.h>

enum fn_change { FN_CHANGED, FN_NEW, FN_DELETED };

/*
 * What a changed or new function uses, as the extraction will have to
 * treat it: part of the livepatch, copied into it, or a reference to the
 * running kernel.
 */
enum use_kind {
	USE_INCLUDED,		/* another changed or new function */
	USE_NEW,		/* a variable or function only the patched build has */
	USE_LITERAL,		/* a string or constant without a name: copied */
	USE_KERNEL_GLOBAL,	/* a global of this file in the kernel */
	USE_KERNEL_LOCAL,	/* a file-local symbol of this file in the kernel: by sympos */
	USE_KERNEL_STATIC,	/* a function-local static (counter.12): matched by name */
	USE_EXTERNAL,		/* another file's symbol: exported or not, klp-convert decides */
};

struct fn_use {
	char *name;		/* the symbol, or the section of a literal */
	enum use_kind kind;
};

struct fn_finding {
	char *name;
	enum fn_change change;
	char *parent;		/* a gcc clone's function (foo of foo.isra.0), or NULL */
	const char *why;	/* for a function that did not change by itself, or NULL */
	/*
	 * A changed static function ftrace cannot patch (an out-of-line
	 * "static inline", which the kernel makes notrace): carried in the
	 * livepatch, its callers patched instead, never a klp_func itself.
	 */
	bool notrace;
	struct fn_use *uses;	/* changed and new functions: each symbol once, in order */
	size_t nr_uses, alloc_uses;
};

/* "external", "kernel local", ...: for messages. */
const char *use_kind_name(enum use_kind kind);

struct objdiff_result {
	struct fn_finding *fns;
	size_t nr, alloc;
	size_t compared;	/* functions present in both builds */
	size_t errors;		/* what a livepatch cannot change: each had its message */
};

/*
 * Compare orig with patched, the objects of source file path (for
 * messages), of a kernel of version kver (KLP_KVER; 0 when not known: the
 * special tables whose layout changed are then not compared). 0 with the findings in res (res->errors counts the refusals),
 * or -1 after a message when an object cannot be read.
 */
int objdiff(const char *orig, const char *patched, const char *path, unsigned int kver,
	    struct objdiff_result *res);
void objdiff_release(struct objdiff_result *res);

/*
 * The proof that a converted livepatch carries the patched build's code:
 * each function of names in ko against the same function of the patched
 * object, compared as objdiff() compares, the kernel's symbols by the
 * names they have in the kernel. why[i] is NULL when they are the same,
 * else what differs first, at which offset (malloc'ed). 0, or -1 after a
 * message when an object cannot be read.
 */
int objdiff_prove(const char *ko, const char *patched, unsigned int kver, const char *const *names,
		  size_t nr, char **why);

#endif
