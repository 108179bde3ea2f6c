/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_CONVERT_H
#define KLP_CONVERT_H

/*
 * Turn relocations to symbols the kernel does not export into livepatch
 * relocations (.klp.rela.<obj>.<section>) against livepatch symbols
 * (.klp.sym.<obj>.<name>,<pos>, SHN_LIVEPATCH), in the model only.
 */

#include <stdbool.h>
#include <stdio.h>

#include "elf/elf_file.h"
#include "symbols/symmap.h"

struct convert_opts {
	const struct symmap *map;	/* NULL: only annotated symbols convert */
	const struct strset *patched;	/* the patch's klp_object names; NULL: unknown */
	FILE *plan;			/* where to print what is done; NULL: nowhere */
};

struct convert_stats {
	unsigned int symbols;		/* symbols made livepatch symbols */
	unsigned int relocs;		/* relocations moved */
	unsigned int sections;		/* .klp.rela sections written to */
	unsigned int annotations;	/* annotations removed */
};

/* The names klp_convert() may look up in a map: load only those. */
void klp_needed_names(const struct elf_file *elf, struct strset *names);

/* 0 on success; -1 after every problem found has been reported. */
int klp_convert(struct elf_file *elf, const struct convert_opts *opts,
		struct convert_stats *stats);

#endif
