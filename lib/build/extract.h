/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_BUILD_EXTRACT_H
#define KLP_BUILD_EXTRACT_H

/*
 * The livepatch's part of one patched file: a relocatable object with only
 * the changed and new functions (each its own .text.NAME section, built
 * with -ffunction-sections), the data only the patched build has, the
 * literals they use, and the entries of the special sections that belong
 * to them. Everything else they refer to is the running kernel's: an
 * undefined symbol, named for klp-convert (".klp.sym.rela.OBJ.OBJ.NAME,POS"
 * for a file-local symbol, with the sympos the map gives it in OBJ).
 */

#include <stddef.h>

#include "build/kpatch.h"
#include "build/objdiff.h"
#include "symbols/symmap.h"

struct extract_opts {
	const char *orig, *patched;	/* the file's two builds */
	const char *path;		/* the source file, for messages */
	const char *target;		/* vmlinux or the module's name */
	const struct symmap *map;	/* the target's symbols */
	unsigned int kver;		/* KERNEL_VERSION(major, minor, 0) of the target */
	const struct objdiff_result *diff;
	const char *out;
	/*
	 * Which of a name's several copies in the target is this file's, as
	 * klp-source --where proves it: 0 with *pos set, -1 after a message.
	 * NULL: an ambiguous file-local name is refused.
	 */
	int (*file_sympos)(void *data, const char *path, const char *name, unsigned int *pos);
	void *data;
	const struct kp_markers *kpatch;	/* the file's kpatch-macros.h markers, or NULL */
};

struct extract_stats {
	size_t funcs;			/* functions kept */
	size_t data;			/* data and literal sections kept */
	size_t undef;			/* symbols of the kernel it refers to: undefined */
	size_t klp_syms;		/* of them, named with a sympos (file-local) */
	size_t entries;			/* special-section entries kept */
};

/* 0 with out written, or -1 after a message naming the file and the symbol. */
int extract(const struct extract_opts *o, struct extract_stats *st);

/* The table of special sections: entry size for the kernel kver, or 0 (not one). */
size_t special_entry_size(const char *name, unsigned int kver);

#define KLP_KVER(a, b) (((a) << 16) + ((b) << 8))

#endif
