// SPDX-License-Identifier: GPL-2.0-only
/*
 * Relocation rules per architecture, from each arch's apply_relocate_add()
 * in arch/<arch>/kernel/module*.c of Linux 6.1.
 */
#include <stdio.h>
#include <string.h>

#include "elf/arch.h"
#include "base/util.h"

#ifndef EM_S390
#define EM_S390 22
#endif

/* Sections whose entries the loader walks at load time (module_finalize()),
 * before module-specific klp relocations have been written. */
static const char *const x86_special[] = {
	".altinstructions", ".altinstr_replacement", ".altinstr_aux", ".parainstructions",
	"__jump_table", ".static_call_sites", "__ex_table", "__bug_table", ".smp_locks",
	".return_sites", ".retpoline_sites", ".call_sites", ".ibt_endbr_seal",
	".orc_unwind", ".orc_unwind_ip", "__mcount_loc",
	"__tracepoints_ptrs", "_ftrace_events", "__bpf_raw_tp_map", NULL,
};

/* The <elf.h> constant and its name, so a message says R_X86_64_PC32, not 2. */
#define RULE(type, size, klp_ok, why_not) { type, #type, size, klp_ok, why_not, false }
#define BRANCH(type, size) { type, #type, size, true, NULL, true }

static const char *const x86_loader_symbols[] = { NULL };

static const struct reloc_rule x86_64_rules[] = {
	RULE(R_X86_64_NONE, 0, true, NULL),
	RULE(R_X86_64_64, 8, true, NULL),
	RULE(R_X86_64_PC32, 4, true, NULL),
	BRANCH(R_X86_64_PLT32, 4),
	RULE(R_X86_64_32, 4, true, NULL),
	RULE(R_X86_64_32S, 4, true, NULL),
	RULE(R_X86_64_PC64, 8, true, NULL),
	RULE(R_X86_64_GOTPCREL, 4, false, "the module loader has no GOT"),
	RULE(R_X86_64_GOTPCRELX, 4, false, "the module loader has no GOT"),
	RULE(R_X86_64_REX_GOTPCRELX, 4, false, "the module loader has no GOT"),
};

/*
 * ppc64le and s390x have livepatch in 6.1 but these rules have not been
 * proven in a kernel yet: the tables document what is known, and the
 * converter refuses their modules until they are.
 */
static const char *const ppc64_loader_symbols[] = {
	".TOC.", "_mcount", "ftrace_caller", "ftrace_regs_caller", NULL,
};

static const struct reloc_rule ppc64le_rules[] = {
	RULE(R_PPC64_NONE, 0, true, NULL),
	RULE(R_PPC64_ADDR64, 8, true, NULL),
	BRANCH(R_PPC64_REL24, 4),
	RULE(R_PPC64_REL32, 4, true, NULL),
	RULE(R_PPC64_REL64, 8, true, NULL),
	RULE(R_PPC64_TOC16, 2, false, "computed against the module's TOC with no range check"),
	RULE(R_PPC64_TOC16_LO, 2, false, "computed against the module's TOC with no range check"),
	RULE(R_PPC64_TOC16_HA, 2, false, "computed against the module's TOC with no range check"),
	RULE(R_PPC64_TOC16_DS, 2, false, "computed against the module's TOC with no range check"),
	RULE(R_PPC64_TOC16_LO_DS, 2, false, "computed against the module's TOC with no range check"),
};

static const struct reloc_rule s390x_rules[] = {
	RULE(R_390_NONE, 0, true, NULL),
	RULE(R_390_64, 8, true, NULL),
	RULE(R_390_PC32DBL, 4, true, NULL),
	BRANCH(R_390_PLT32DBL, 4),
};

static const char *const none[] = { NULL };

static const struct arch arches[] = {
	{ "x86_64", EM_X86_64, ELFDATA2LSB, true, R_X86_64_64, x86_64_rules, ARRAY_SIZE(x86_64_rules),
	  x86_loader_symbols, x86_special },
	{ "ppc64le", EM_PPC64, ELFDATA2LSB, false, R_PPC64_ADDR64, ppc64le_rules, ARRAY_SIZE(ppc64le_rules),
	  ppc64_loader_symbols, none },
	{ "s390x", EM_S390, ELFDATA2MSB, false, R_390_64, s390x_rules, ARRAY_SIZE(s390x_rules),
	  none, none },
};

const struct arch *arch_for(const GElf_Ehdr *ehdr, const char *path)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(arches); i++) {
		const struct arch *a = &arches[i];

		if (a->machine != ehdr->e_machine || a->data != ehdr->e_ident[EI_DATA])
			continue;
		if (!a->supported) {
			pr_err("%s: %s modules are not supported yet (only x86_64 has been proven "
			      "in a kernel)", path, a->name);
			return NULL;
		}
		return a;
	}
	pr_err("%s: ELF machine %u (%s-endian) is not a livepatch architecture klp-convert "
	      "knows (x86_64)", path, ehdr->e_machine,
	      ehdr->e_ident[EI_DATA] == ELFDATA2MSB ? "big" : "little");
	return NULL;
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

static bool in_list(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (!strcmp(*list, name))
			return true;
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
