/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_ARCH_H
#define KLP_ARCH_H

/*
 * What each architecture's module loader can do with a relocation against a
 * livepatch symbol. Adding an architecture means adding a table, not code:
 * nothing outside arch.c names a machine, a relocation type or a byte order.
 */

#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>

struct reloc_rule {
	uint32_t type;
	const char *name;
	unsigned int size;	/* bytes at r_offset the loader writes or merges into */
	bool klp_ok;		/* the loader applies it to an SHN_LIVEPATCH symbol */
	const char *why_not;	/* when !klp_ok */
	bool branch;		/* a direct call or jump: takes no address */
	/*
	 * PC-relative: the addend is biased by the field's size (the CPU
	 * counts from the field's end), so the byte it points at is A + size.
	 */
	bool pcrel;
	/* When klp_ok, why it still cannot be in one kind of .klp.rela section: */
	const char *not_vmlinux;	/* .klp.rela.vmlinux.* (NULL: it can) */
	const char *not_module;		/* .klp.rela.<module>.* (NULL: it can) */
	/* Allowed in .klp.rela.<module>.*, but worth a warning. */
	const char *module_caveat;
	/*
	 * The loader writes it with a plain store, also when the relocation is
	 * late (module-specific: written after module_enable_ro()): its target
	 * must stay writable.
	 */
	bool late_store;
	/*
	 * When the instruction at the target, read in the object's byte order,
	 * matches insn_mask/insn_match, the loader needs the next one to be
	 * next_insn, or refuses the module with next_why.
	 */
	uint32_t insn_mask, insn_match, next_insn;
	const char *next_why;
};

/*
 * Static branches (asm goto): each __jump_table entry of an object names
 * a site (code_off), its target and its key (key_off). A site whose key
 * reference carries nop_flag holds the compiler's jmp in the object and
 * is turned into a NOP of the same length by objtool (--hacks=jump_label)
 * when the object is checked: per object, or at the final link of vmlinux
 * or of the module when objtool's run is delayed there (6.12 with IBT).
 */
struct jump_label_form {
	unsigned int len;
	unsigned char opcode;		/* the jmp's first byte */
	unsigned char nop[8];		/* what objtool writes instead */
};

struct jump_label_rule {
	unsigned int entry_size, code_off, key_off;
	uint64_t nop_flag;
	const struct jump_label_form *forms;
	size_t nr_forms;
};

struct arch {
	const char *name;
	uint16_t machine;
	unsigned char data;		/* ELFDATA2LSB or ELFDATA2MSB */
	bool supported;			/* the rules are derived from the loader's source */
	uint32_t abs64;			/* pointer-sized absolute: annotation entries */
	const struct reloc_rule *rules;
	size_t nr_rules;
	const char *const *loader_symbols;	/* the loader resolves these itself */
	/* Processed at load, before late relocs; "name*" is a prefix. */
	const char *const *special_sections;
	bool zero_target;		/* the loader refuses a target holding non-zero bytes */
	bool ibt;			/* vmlinux may seal ENDBRs (CONFIG_X86_KERNEL_IBT) */
	const struct jump_label_rule *jump_label;	/* NULL: not known */
};

/* NULL, after a message naming path, when the ELF's machine has no rules. */
const struct arch *arch_for(const GElf_Ehdr *ehdr, const char *path);
/* The same without messages, supported or not: for a vmlinux, say. */
const struct arch *arch_lookup(const GElf_Ehdr *ehdr);
const struct reloc_rule *arch_reloc_rule(const struct arch *arch, uint32_t type);
const char *arch_reloc_name(const struct arch *arch, uint32_t type);
bool arch_is_loader_symbol(const struct arch *arch, const char *name);
bool arch_is_special_section(const struct arch *arch, const char *name);
/* The names of the architectures klp-convert knows, for messages: "x86_64, ...". */
const char *arch_names(void);

#endif
