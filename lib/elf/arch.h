/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_ARCH_H
#define KLP_ARCH_H

/*
 * What each architecture's module loader can do with a relocation against a
 * livepatch symbol. Adding an architecture means adding a table, not code.
 */

#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>

struct reloc_rule {
	uint32_t type;
	const char *name;
	unsigned int size;	/* bytes written at the target: must be zero before */
	bool klp_ok;		/* the loader applies it to an SHN_LIVEPATCH symbol */
	const char *why_not;	/* when !klp_ok */
	bool branch;		/* a direct call or jump: takes no address */
};

struct arch {
	const char *name;
	uint16_t machine;
	unsigned char data;		/* ELFDATA2LSB or ELFDATA2MSB */
	bool supported;			/* the rules were checked in a real kernel */
	uint32_t abs64;			/* pointer-sized absolute: annotation entries */
	const struct reloc_rule *rules;
	size_t nr_rules;
	const char *const *loader_symbols;	/* the loader resolves these itself */
	const char *const *special_sections;	/* processed at load, before late relocs */
};

/* NULL, after a message naming path, when the ELF's machine has no rules. */
const struct arch *arch_for(const GElf_Ehdr *ehdr, const char *path);
const struct reloc_rule *arch_reloc_rule(const struct arch *arch, uint32_t type);
const char *arch_reloc_name(const struct arch *arch, uint32_t type);
bool arch_is_loader_symbol(const struct arch *arch, const char *name);
bool arch_is_special_section(const struct arch *arch, const char *name);

#endif
