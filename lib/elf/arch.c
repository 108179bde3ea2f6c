// SPDX-License-Identifier: GPL-2.0-only
/*
 * Relocation rules per architecture, from each arch's apply_relocate_add()
 * in arch/<arch>/kernel/module*.c of Linux 6.1 (linux-source-6.1), and the
 * generic loader in kernel/module/main.c and kernel/livepatch/core.c.
 *
 * What the generic code decides for every arch (6.1):
 *  - .klp.rela.vmlinux.* sections are applied by the module loader itself,
 *    in apply_relocations() (kernel/module/main.c) through
 *    klp_apply_section_relocs(..., NULL): early, while the module is still
 *    MODULE_STATE_UNFORMED and writable, before module_finalize() walks the
 *    special sections.
 *  - .klp.rela.<module>.* sections are applied late, by klp_init_object_loaded()
 *    (kernel/livepatch/core.c) when the patch or the module loads, whichever
 *    is last: after complete_formation()'s module_enable_ro(), so text and
 *    .rodata are read-only, and ".data..ro_after_init" and "__jump_table"
 *    (marked SHF_RO_AFTER_INIT by layout_and_allocate()) are too once the
 *    livepatch's init has run.
 *  - Every .klp.rela section is SHT_RELA, so the arch hooks that size stubs,
 *    PLT and GOT from "every SHT_RELA section" at module load
 *    (module_frob_arch_sections()) count livepatch relocations too.
 *  - Nothing clears a late relocation's target when the patched module is
 *    unloaded (no klp_clear_object_relocs() in 6.1): when it loads again the
 *    relocations are applied over what the first load wrote.
 */
#include <stdio.h>
#include <string.h>

#include "elf/arch.h"
#include "base/util.h"

#ifndef EM_S390
#define EM_S390 22
#endif
#ifndef R_PPC64_ENTRY
#define R_PPC64_ENTRY 118	/* binutils' include/elf/ppc64.h; not in glibc's <elf.h> */
#endif

/* The <elf.h> constant and its name, so a message says R_X86_64_PC32, not 2. */
#define RULE(t, sz, ok, why, ...) \
	{ .type = t, .name = #t, .size = sz, .klp_ok = ok, .why_not = why, __VA_ARGS__ }
#define BRANCH(t, sz, ...) \
	{ .type = t, .name = #t, .size = sz, .klp_ok = true, .branch = true, __VA_ARGS__ }

/*
 * Sections every arch's loader walks at load time (kernel/module/main.c
 * find_module_sections() and post_relocation(), kernel/jump_label.c,
 * kernel/trace/ftrace.c), before module-specific klp relocations are written.
 */
#define GENERIC_SPECIAL \
	"__jump_table", "__ex_table", "__bug_table", "__mcount_loc", \
	"__tracepoints_ptrs", "_ftrace_events", "__bpf_raw_tp_map"

/* ---- x86_64: arch/x86/kernel/module.c __apply_relocate_add() ---- */

/* arch/x86/kernel/module.c module_finalize(), plus the generic ones. */
static const char *const x86_special[] = {
	GENERIC_SPECIAL,
	".altinstructions", ".altinstr_replacement", ".altinstr_aux", ".parainstructions",
	".static_call_sites", ".smp_locks", ".return_sites", ".retpoline_sites", ".call_sites",
	".ibt_endbr_seal", ".orc_unwind", ".orc_unwind_ip", NULL,
};

/*
 * kernel/module/main.c ignore_undef_symbol(): an unresolved
 * _GLOBAL_OFFSET_TABLE_ is tolerated on x86 (GNU as before 2.37 emits one).
 */
static const char *const x86_loader_symbols[] = { "_GLOBAL_OFFSET_TABLE_", NULL };

/*
 * Every type checks the target is zero first ("Skipping invalid relocation
 * target, existing value is nonzero"): the converter clears it. Late
 * relocations are written with text_poke(), so read-only targets are fine.
 */
static const struct reloc_rule x86_64_rules[] = {
	RULE(R_X86_64_NONE, 0, true, NULL),
	RULE(R_X86_64_64, 8, true, NULL),
	RULE(R_X86_64_PC32, 4, true, NULL, .pcrel = true),
	BRANCH(R_X86_64_PLT32, 4, .pcrel = true),
	/* -mcmodel=kernel: vmlinux and modules live in the top 2 GB ("overflow" check). */
	RULE(R_X86_64_32, 4, true, NULL),
	RULE(R_X86_64_32S, 4, true, NULL),
	RULE(R_X86_64_PC64, 8, true, NULL, .pcrel = true),
	/* Not in the switch: "Unknown rela relocation". */
	RULE(R_X86_64_GOTPCREL, 4, false, "the module loader has no GOT"),
	RULE(R_X86_64_GOTPCRELX, 4, false, "the module loader has no GOT"),
	RULE(R_X86_64_REX_GOTPCRELX, 4, false, "the module loader has no GOT"),
};

/*
 * ---- ppc64le (ELFv2): arch/powerpc/kernel/module_64.c apply_relocate_add() ----
 *
 * Modules are built -mcmodel=large -mprofile-kernel (arch/powerpc/Makefile):
 * calls to other objects are "bl sym; nop" (R_PPC64_REL24), their data is
 * reached through .toc entries (R_PPC64_ADDR64 in .rela.toc; the code has
 * TOC16 relocations against .toc only), and every prologue has
 * R_PPC64_REL64 against .TOC. and R_PPC64_ENTRY.
 *
 * No type checks that the target is zero; TOC16/REL16/REL24 merge into the
 * instruction's other bits, so the converter must not clear the target.
 * Late relocations are written with plain stores except R_PPC64_REL24, which
 * uses patch_instruction().
 *
 * Book3s64 has no MODULES_VADDR: module_alloc() (arch/powerpc/kernel/module.c)
 * takes vmalloc space, nowhere near vmlinux at 0xc000000000000000 nor
 * necessarily near another module, so only 64-bit values and the stubs reach
 * another object.
 */
static const char *const ppc64_special[] = {
	GENERIC_SPECIAL,
	/* arch/powerpc/kernel/module.c module_finalize() */
	"__ftr_fixup", "__mmu_ftr_fixup", "__fw_ftr_fixup", "__spec_barrier_fixup",
	"__lwsync_fixup", NULL,
};

/*
 * .TOC.: module_frob_arch_sections()'s dedotify() makes the undefined .TOC.
 * SHN_ABS and apply_relocate_add() gives it my_r2(), the module's own TOC.
 * (dedotify() strips a leading '.' from SHN_UNDEF names only: SHN_LIVEPATCH
 * .klp.sym.* names are left alone.) _mcount, ftrace_caller and
 * ftrace_regs_caller are told apart by name in is_mprofile_ftrace_call(): the
 * call needs the special ftrace stub and no r2 restore, so it must keep its
 * name (_mcount is exported anyway).
 */
static const char *const ppc64_loader_symbols[] = {
	".TOC.", "_mcount", "ftrace_caller", "ftrace_regs_caller", NULL,
};

#define PPC64_TOC_REL \
	"an offset from the livepatch module's own TOC pointer (my_r2()), range-checked " \
	"or silently truncated to 16 bits: only the module's own .toc and data are in " \
	"reach; another object's symbol is reached through a .toc entry (R_PPC64_ADDR64)"
#define PPC64_REL16 \
	"one half of a 32-bit PC-relative value, never range-checked: another object " \
	"is not within 2 GB of the module (vmalloc space) and the value would be " \
	"silently truncated"

static const struct reloc_rule ppc64le_rules[] = {
	RULE(R_PPC64_NONE, 0, false,
	     "apply_relocate_add() has no case for it: the loader refuses it "
	     "(\"Unknown ADD relocation\")"),
	RULE(R_PPC64_ADDR32, 4, false,
	     "stored truncated to 32 bits without a check: no kernel address fits"),
	/* "Simply set it": .toc entries and data pointers. */
	RULE(R_PPC64_ADDR64, 8, true, NULL, .late_store = true),
	/*
	 * External (SHN_UNDEF or SHN_LIVEPATCH): through a stub from
	 * stub_for_addr(), reserved by get_stubs_size(), which counts the
	 * distinct symbol+addend REL24s of every SHT_RELA section, .klp.rela
	 * included; restore_r2() then needs the nop after a "bl" and turns it
	 * into "ld r2,24(r1)" (patch_instruction(): fine on read-only text).
	 * Applied again when a patched module is reloaded, restore_r2() finds
	 * its own "ld" instead of the nop and the module fails to load
	 * ("Expected nop after call"); x86's zero check fails the same way.
	 */
	BRANCH(R_PPC64_REL24, 4,
	       /* instr_is_relative_link_branch(): "bl", not "b" (a sibling call) */
	       .insn_mask = 0xfc000003, .insn_match = 0x48000001,
	       .next_insn = 0x60000000,	/* PPC_RAW_NOP() */
	       .next_why = "a call through the loader's stub needs a nop after the bl for "
			   "restore_r2() to turn into the TOC restore; the loader refuses "
			   "the module (\"Expected nop after call\")"),
	/* 64-bit: "used by features fixups", __jump_table entries, prologues' .TOC.-func */
	RULE(R_PPC64_REL64, 8, true, NULL, .late_store = true),
	RULE(R_PPC64_REL32, 4, false,
	     "checked to 2 GB from the livepatch module (\"REL32 out of range\"): "
	     "another object is not within reach of a module in vmalloc space"),
	RULE(R_PPC64_TOC, 8, false,
	     "the loader stores the livepatch module's own TOC pointer; the symbol is not used"),
	RULE(R_PPC64_TOC16, 2, false, PPC64_TOC_REL),
	RULE(R_PPC64_TOC16_LO, 2, false, PPC64_TOC_REL),
	RULE(R_PPC64_TOC16_HA, 2, false, PPC64_TOC_REL),
	RULE(R_PPC64_TOC16_DS, 2, false, PPC64_TOC_REL),
	RULE(R_PPC64_TOC16_LO_DS, 2, false, PPC64_TOC_REL),
	RULE(R_PPC64_TOCSAVE, 4, false,
	     "a marker the loader ignores; its symbol is a place in the module's own code"),
	RULE(R_PPC64_ENTRY, 8, false,
	     "rewrites the function's own large-model prologue against the livepatch "
	     "module's TOC; the symbol is not used"),
	RULE(R_PPC64_REL16_HA, 2, false, PPC64_REL16),
	RULE(R_PPC64_REL16_LO, 2, false, PPC64_REL16),
};

/*
 * ---- s390x: arch/s390/kernel/module.c apply_rela() ----
 *
 * Modules are built -fPIC (arch/s390/Makefile KBUILD_CFLAGS_MODULE): calls
 * are R_390_PLT32DBL, data of other objects is reached through the GOT
 * (R_390_GOTENT), data pointers are R_390_64, and __jump_table keys are
 * R_390_PC64 (arch/s390/include/asm/jump_label.h).
 *
 * module_frob_arch_sections() gives every symbol of the symbol table a GOT
 * and a PLT slot when any relocation of any SHT_RELA section (.klp.rela
 * included, check_rela()) needs one, indexed by symbol number: livepatch
 * symbols must stay in the real symbol table, as SHN_LIVEPATCH, for their
 * slots to exist. module_arch_freeing_init() keeps that syminfo for a live
 * livepatch module so late relocations can use it.
 *
 * No type checks that the target is zero (apply_rela_bits() merges 12- and
 * 20-bit fields into the instruction); late relocations are written with
 * s390_kernel_write(), so read-only targets are fine.
 *
 * Modules live in MODULES_LEN (2 GB, asm/pgtable.h) at MODULES_VADDR, so a
 * 32-bit PC-relative value reaches any other module; vmlinux need not be in
 * reach, which is why modules are -fPIC.
 */
static const char *const s390_special[] = {
	GENERIC_SPECIAL,
	/* arch/s390/kernel/module.c module_finalize() */
	".altinstructions", ".s390_indirect*", ".s390_return*", NULL,
};

/* module_frob_arch_sections(): an undefined _GLOBAL_OFFSET_TABLE_ is made SHN_ABS. */
static const char *const s390_loader_symbols[] = { "_GLOBAL_OFFSET_TABLE_", NULL };

#define S390_DIRECT \
	"a direct value of fewer than 64 bits, range-checked (\"relocation error\"): " \
	"an address of vmlinux or of a module need not fit"
#define S390_PC_SHORT \
	"PC-relative within 64 or 128 KB of the livepatch module: another object is " \
	"not in reach"
#define S390_PC32_VMLINUX \
	"PC-relative within 2 or 4 GB of the livepatch module, range-checked: vmlinux " \
	"need not be in reach of the module area (s390 modules are built -fPIC and " \
	"reach vmlinux through the GOT and PLT)"
#define S390_GOT_OWN \
	"an offset to the livepatch module's own GOT; the symbol is not used (it is " \
	"_GLOBAL_OFFSET_TABLE_, which the loader defines)"
#define S390_GOT_CAVEAT \
	"the loader fills a symbol's GOT slot only once (got_initialized in apply_rela()): " \
	"if the patched module is unloaded and loaded again while the livepatch stays, " \
	"its relocations are applied again but the slot keeps the address from the first " \
	"load, and the patched code uses stale memory; do not reload the module, or " \
	"reach the symbol another way"

static const struct reloc_rule s390x_rules[] = {
	RULE(R_390_NONE, 0, true, NULL),
	RULE(R_390_8, 1, false, S390_DIRECT),
	RULE(R_390_12, 2, false, S390_DIRECT),
	RULE(R_390_16, 2, false, S390_DIRECT),
	RULE(R_390_20, 4, false, S390_DIRECT),
	RULE(R_390_32, 4, false, S390_DIRECT),
	RULE(R_390_64, 8, true, NULL),
	RULE(R_390_PC16, 2, false, S390_PC_SHORT),
	RULE(R_390_PC16DBL, 2, false, S390_PC_SHORT),
	RULE(R_390_PC32, 4, true, NULL, .not_vmlinux = S390_PC32_VMLINUX),
	RULE(R_390_PC32DBL, 4, true, NULL, .not_vmlinux = S390_PC32_VMLINUX),
	RULE(R_390_PC64, 8, true, NULL),
	/*
	 * The slot is reserved by check_rela() and written with the symbol's
	 * value on first use; the instruction gets the slot's offset. Once per
	 * symbol: .klp.rela.vmlinux is applied once, at load.
	 */
	RULE(R_390_GOTENT, 4, true, NULL, .module_caveat = S390_GOT_CAVEAT),
	RULE(R_390_GOTPLTENT, 4, true, NULL, .module_caveat = S390_GOT_CAVEAT),
	RULE(R_390_GOT12, 2, true, NULL, .module_caveat = S390_GOT_CAVEAT),
	RULE(R_390_GOT20, 4, true, NULL, .module_caveat = S390_GOT_CAVEAT),
	RULE(R_390_GOT32, 4, true, NULL, .module_caveat = S390_GOT_CAVEAT),
	RULE(R_390_GOT64, 8, true, NULL, .module_caveat = S390_GOT_CAVEAT),
	/*
	 * A direct branch when the target is within 4 GB, else through the
	 * symbol's PLT slot (reserved by check_rela(), filled once). Another
	 * module is always within the 2 GB module area, so a late relocation
	 * never uses the PLT and is right again when a patched module reloads.
	 */
	BRANCH(R_390_PLT32DBL, 4),
	RULE(R_390_GOTPC, 4, false, S390_GOT_OWN),
	RULE(R_390_GOTPCDBL, 4, false, S390_GOT_OWN),
	RULE(R_390_GOTOFF16, 2, false,
	     "a 16-bit offset from the livepatch module's GOT: another object is not in reach"),
	RULE(R_390_GOTOFF32, 4, false,
	     "an unsigned 32-bit offset from the livepatch module's GOT: another object "
	     "need not be in reach"),
	RULE(R_390_COPY, 0, false, "only in linked objects: the loader refuses it"),
	RULE(R_390_GLOB_DAT, 8, false, "only in linked objects: the loader refuses it"),
	RULE(R_390_JMP_SLOT, 8, false, "only in linked objects: the loader refuses it"),
	RULE(R_390_RELATIVE, 8, false, "only in linked objects: the loader refuses it"),
};

/*
 * arch/x86/include/asm/jump_label.h: struct jump_entry is { s32 code;
 * s32 target; long key; }, and the key's bit 1 asks objtool for a NOP.
 */
static const struct jump_label_form x86_jump_forms[] = {
	{ 2, 0xeb, { 0x66, 0x90 } },
	{ 5, 0xe9, { 0x0f, 0x1f, 0x44, 0x00, 0x00 } },
};

static const struct jump_label_rule x86_jump_label = {
	.entry_size = 16, .code_off = 0, .key_off = 8, .nop_flag = 2,
	.forms = x86_jump_forms, .nr_forms = ARRAY_SIZE(x86_jump_forms),
};

/*
 * supported: the rules above are derived from the 6.1 loaders' source.
 * x86_64's are also proven by loading converted modules in a kernel
 * (tests/e2e); ppc64le's and s390x's await that proof from a qemu boot of
 * those kernels.
 */
static const struct arch arches[] = {
	{ .name = "x86_64", .machine = EM_X86_64, .data = ELFDATA2LSB, .supported = true,
	  .abs64 = R_X86_64_64, .rules = x86_64_rules, .nr_rules = ARRAY_SIZE(x86_64_rules),
	  .loader_symbols = x86_loader_symbols, .special_sections = x86_special,
	  .zero_target = true, .ibt = true, .jump_label = &x86_jump_label },
	{ .name = "ppc64le", .machine = EM_PPC64, .data = ELFDATA2LSB, .supported = true,
	  .abs64 = R_PPC64_ADDR64, .rules = ppc64le_rules, .nr_rules = ARRAY_SIZE(ppc64le_rules),
	  .loader_symbols = ppc64_loader_symbols, .special_sections = ppc64_special },
	{ .name = "s390x", .machine = EM_S390, .data = ELFDATA2MSB, .supported = true,
	  .abs64 = R_390_64, .rules = s390x_rules, .nr_rules = ARRAY_SIZE(s390x_rules),
	  .loader_symbols = s390_loader_symbols, .special_sections = s390_special },
};

const char *arch_names(void)
{
	static char buf[128];
	size_t i, n = 0;

	if (buf[0])
		return buf;
	for (i = 0; i < ARRAY_SIZE(arches); i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? ", " : "", arches[i].name);
	return buf;
}

const struct arch *arch_lookup(const GElf_Ehdr *ehdr)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(arches); i++)
		if (arches[i].machine == ehdr->e_machine &&
		    arches[i].data == ehdr->e_ident[EI_DATA])
			return &arches[i];
	return NULL;
}

const struct arch *arch_for(const GElf_Ehdr *ehdr, const char *path)
{
	const struct arch *a = arch_lookup(ehdr);

	if (a && !a->supported) {
		pr_err("%s: %s modules are not supported yet", path, a->name);
		return NULL;
	}
	if (!a)
		pr_err("%s: ELF machine %u (%s-endian) is not a livepatch architecture "
		      "klp-convert knows (%s)", path, ehdr->e_machine,
		      ehdr->e_ident[EI_DATA] == ELFDATA2MSB ? "big" : "little", arch_names());
	return a;
}

const struct reloc_rule *arch_reloc_rule(const struct arch *arch, uint32_t type)
{
	size_t i;

	for (i = 0; i < arch->nr_rules; i++)
		if (arch->rules[i].type == type)
			return &arch->rules[i];
	return NULL;
}

const char *arch_reloc_name(const struct arch *arch, uint32_t type)
{
	static char buf[32];
	const struct reloc_rule *r = arch_reloc_rule(arch, type);

	if (r)
		return r->name;
	snprintf(buf, sizeof(buf), "type %u", type);
	return buf;
}

/* An entry ending in '*' matches the names it starts. */
static bool in_list(const char *const *list, const char *name)
{
	for (; *list; list++) {
		size_t n = strlen(*list);

		if (n && (*list)[n - 1] == '*' ? !strncmp(*list, name, n - 1) :
		    !strcmp(*list, name))
			return true;
	}
	return false;
}

bool arch_is_loader_symbol(const struct arch *arch, const char *name)
{
	return in_list(arch->loader_symbols, name);
}

bool arch_is_special_section(const struct arch *arch, const char *name)
{
	return in_list(arch->special_sections, name);
}
