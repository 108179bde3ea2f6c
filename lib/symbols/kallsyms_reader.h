/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_KALLSYMS_READER_H
#define KLP_KALLSYMS_READER_H

/*
 * A copy of /proc/kallsyms: vmlinux first, in kallsyms order, then each
 * loaded module in its .symtab order; both are the orders sympos counts.
 */

#include <stdbool.h>

#include "symbols/symlist.h"

struct kallsyms {
	char *buf;		/* the file, NUL-split: names point here */
	struct symlist *objs;	/* vmlinux (if any lines) first, then modules */
	size_t nr, alloc;
	bool has_vmlinux;
	unsigned int skipped_pseudo, skipped_livepatch;
};

/* Errors name the file and line; -1 after an error. */
int kallsyms_read(struct kallsyms *ks, const char *path);
void kallsyms_release(struct kallsyms *ks);

/* Bracketed names that are not modules: ftrace/kprobe trampolines, BPF programs. */
bool kallsyms_pseudo_module(const char *name);

#endif
