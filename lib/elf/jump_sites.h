/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_JUMP_SITES_H
#define KLP_JUMP_SITES_H

/*
 * The static branch sites of an object that objtool turns into NOPs
 * (struct jump_label_rule): an object checked before objtool's run at the
 * final link holds the jmp there, the linked vmlinux or module the NOP.
 */

#include <stdint.h>

#include "elf/arch.h"
#include "elf/elf_file.h"

struct jump_site {
	size_t sec;			/* the code section's index */
	uint64_t off;
};

struct jump_sites {
	const struct jump_label_rule *rule;	/* NULL: the arch has none */
	struct jump_site *v;		/* sorted by section, then offset */
	size_t nr;
};

/* Every __jump_table entry of obj whose key reference asks for a NOP. */
void jump_sites_read(struct jump_sites *js, const struct elf_file *obj, const struct arch *arch);
/*
 * The length of the site at off of section sec, when ours (n bytes from
 * the same start as theirs, off < n) has the jmp there and theirs the NOP
 * objtool writes instead; 0 otherwise.
 */
unsigned int jump_sites_nop(const struct jump_sites *js, size_t sec, uint64_t sec_off,
			    const unsigned char *ours, const unsigned char *theirs, uint64_t off,
			    uint64_t n);
void jump_sites_free(struct jump_sites *js);

#endif
