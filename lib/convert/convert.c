// SPDX-License-Identifier: GPL-2.0-only
/*
 * The conversion: once resolve.c has decided where every undefined symbol
 * lives, move the relocations livepatch must apply into .klp.rela sections
 * and rename the symbols.
 *
 * Every problem is reported and counted; nothing stops at the first one, so
 * a patch author sees all that is wrong in one run.
 */
#include <stdlib.h>
#include <string.h>

#include "convert/converter.h"
#include "elf/module_info.h"

static struct section *klp_section(struct converter *c, const char *lp_obj,
				   struct section *target)
{
	char *name = xasprintf(".klp.rela.%s.%s", lp_obj, target->name);
	struct section *sec = elf_find_section(c->elf, name), *s;
	struct hash_iter it;

	/* A module converted before keeps its sections; new relocations join them. */
	if (!sec) {
		sec = elf_add_section(c->elf, name, SHT_RELA,
				      SHF_ALLOC | SHF_INFO_LINK | SHF_RELA_LIVEPATCH,
				      sizeof(Elf64_Rela), 8);
		sec->link = c->elf->symtab;
		sec->info = target;
	}
	free(name);
	/* Counted once each, whether found or added. */
	hashtab_for_each(&c->klp_secs, hash_u64(sec->idx), it, s)
		if (s == sec)
			return sec;
	hashtab_add(&c->klp_secs, hash_u64(sec->idx), sec);
	c->stats->sections++;
	return sec;
}

/*
 * A module converted before keeps its .klp.rela sections and new relocations
 * join them (klp_section()): each must really be the livepatch relocation
 * section its name says, or relocations would be moved into a section that
 * is not one (lost on write) or into the very section being read.
 */
static void validate_existing_klp_rela(struct converter *c)
{
	static const char prefix[] = ".klp.rela.";
	struct section *sec;
	const char *dot;
	size_t i;

	for_each_section(c->elf, sec, i) {
		if (!str_starts_with(sec->name, prefix))
			continue;
		dot = strchr(sec->name + strlen(prefix), '.');
		if (sec->sh.sh_type == SHT_RELA && (sec->sh.sh_flags & SHF_RELA_LIVEPATCH) &&
		    dot && !strcmp(dot + 1, sec->info->name))
			continue;
		pr_err("%s: section %s is not a livepatch relocation section (SHT_RELA, "
		      "SHF_RELA_LIVEPATCH, .klp.rela.<object>.<section it relocates>)",
		      c->elf->path, sec->name);
		c->errors++;
	}
}

static bool is_init_section(const char *name)
{
	return str_starts_with(name, ".init.") || str_starts_with(name, ".init_");
}

/*
 * Still writable when a module-specific relocation is written: after
 * module_enable_ro(), which leaves only SHF_WRITE sections writable and,
 * after the livepatch's init, not those layout_and_allocate() marks
 * SHF_RO_AFTER_INIT (kernel/module/main.c).
 */
static bool late_writable(const struct section *target)
{
	return (target->sh.sh_flags & SHF_WRITE) &&
	       strcmp(target->name, ".data..ro_after_init") &&
	       strcmp(target->name, "__jump_table");
}

/* The instruction after the target, when the rule needs one (ppc64's nop after bl). */
static bool next_insn_ok(const struct converter *c, const struct section *target,
			 const struct reloc *r, const struct reloc_rule *rule)
{
	if (!rule->next_why || r->offset + 4 > target->size ||
	    (elf_get_u32(c->elf, target->data + r->offset) & rule->insn_mask) != rule->insn_match)
		return true;
	return r->offset + 8 <= target->size &&
	       elf_get_u32(c->elf, target->data + r->offset + 4) == rule->next_insn;
}

/* Can the loader apply r, in target, to a livepatch symbol? Reports why not. */
static bool check_reloc(struct converter *c, struct klp_target *t,
			struct section *target, const struct reloc *r)
{
	const struct reloc_rule *rule = arch_reloc_rule(c->arch, r->type);
	const char *why = NULL;
	char *where;

	if (!rule || !rule->klp_ok)
		why = rule ? rule->why_not : "the module loader does not know this type";
	else if (target->sh.sh_type == SHT_NOBITS)
		why = "the section has no bytes in the file";
	else if (r->offset + rule->size > target->size)
		why = "the relocation runs past the end of the section";
	else if (!is_vmlinux(t->lp_obj) && !strcmp(target->name, "__jump_table"))
		/* As upstream's klp-build: a key of a module is tested, not branched on. */
		why = "a static branch on a key of a module: the kernel registers the "
		      "livepatch's jump labels when it loads, before the module's livepatch "
		      "relocations are written; test the key with static_key_enabled() instead";
	else if (!is_vmlinux(t->lp_obj) && arch_is_special_section(c->arch, target->name))
		why = "the kernel processes this special section at load time, before "
		      "module-specific livepatch relocations are written";
	else if (!is_vmlinux(t->lp_obj) && is_init_section(target->name))
		why = "module-specific livepatch relocations are written after the livepatch's "
		      "init memory is freed";
	else if (!next_insn_ok(c, target, r, rule))
		why = rule->next_why;
	else if (is_vmlinux(t->lp_obj) && rule->not_vmlinux)
		why = rule->not_vmlinux;
	else if (!is_vmlinux(t->lp_obj) && rule->not_module)
		why = rule->not_module;
	else if (!is_vmlinux(t->lp_obj) && rule->late_store && !late_writable(target))
		why = "the loader writes this type with a plain store, and module-specific "
		      "livepatch relocations are written after the section is made read-only";
	if (!why) {
		if (!is_vmlinux(t->lp_obj) && rule->module_caveat && !t->caveat_told) {
			where = convert_site(target, r->offset);
			pr_warn("%s: symbol '%s': %s relocation at %s for object '%s': %s",
			     c->elf->path, t->name, rule->name, where, t->lp_obj,
			     rule->module_caveat);
			free(where);
			t->caveat_told = true;
		}
		return true;
	}
	where = convert_site(target, r->offset);
	pr_err("%s: symbol '%s': %s relocation at %s cannot become a livepatch relocation "
	      "for object '%s': %s", c->elf->path, t->name, arch_reloc_name(c->arch, r->type),
	      where, t->lp_obj, why);
	free(where);
	c->errors++;
	return false;
}

/* x86 refuses to apply a relocation over bytes that are not zero (arch->zero_target). */
static void clear_target(struct section *target, const struct reloc *r, unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size; i++) {
		if (target->data[r->offset + i]) {
			memset(section_writable_data(target) + r->offset, 0, size);
			pr_info("%s: %s+0x%llx: cleared non-zero bytes under a livepatch relocation",
			     target->elf->path, target->name, (unsigned long long)r->offset);
			return;
		}
	}
}

static void move_relocs(struct converter *c, struct section *rela)
{
	struct section *target = rela->info;
	size_t i, live = 0;

	for (i = 0; i < rela->nr_relocs; i++) {
		struct reloc *r = &rela->relocs[i];
		struct klp_target *t;

		if (r->removed)
			continue;
		t = c->targets[r->sym->idx];
		if (!t || !section_is_alloc(target) || !check_reloc(c, t, target, r)) {
			live++;
			continue;
		}
		/* Elsewhere the bytes may be an instruction's other bits (ppc64 REL24). */
		if (c->arch->zero_target)
			clear_target(target, r, arch_reloc_rule(c->arch, r->type)->size);
		section_add_reloc(klp_section(c, t->lp_obj, target), r->offset, r->type, r->sym,
				  r->addend);
		r->removed = true;
		t->moved++;
		c->stats->relocs++;
	}
	/* Nothing left for the loader to apply: the section goes. */
	if (!live && rela->nr_relocs)
		elf_remove_section(rela);
}

static void move_all_relocs(struct converter *c)
{
	size_t i, n = c->elf->nr_secs;	/* sections added meanwhile are ours */

	for (i = 1; i < n; i++) {
		struct section *sec = c->elf->secs[i];

		if (sec->removed || sec->sh.sh_type != SHT_RELA ||
		    (sec->sh.sh_flags & SHF_RELA_LIVEPATCH) || is_annotation_section(sec->info))
			continue;
		move_relocs(c, sec);
	}
}

static void check_annotations_used(struct converter *c)
{
	struct section *sec;
	size_t i, j, k;

	for_each_section(c->elf, sec, i) {
		if (sec->sh.sh_type != SHT_RELA || is_annotation_section(sec->info))
			continue;
		for (j = 0; j < sec->nr_relocs; j++) {
			struct annotation *a = annotation_for(&c->ann, sec->relocs[j].sym);

			if (a)
				a->used = true;
		}
	}
	for (k = 0; k < c->ann.nr; k++) {
		struct annotation *a = &c->ann.list[k];

		if (a->used || c->ann.by_sym[a->sym->idx] != a)
			continue;
		pr_err("%s: symbol '%s': %s is not used by any relocation of the module: remove it",
		      c->elf->path, a->name, a->where);
		c->errors++;
	}
}

static void rename_symbols(struct converter *c)
{
	size_t i;

	for (i = 0; i < c->nr; i++) {
		struct klp_target *t = c->list[i];
		char *name = xasprintf(".klp.sym.%s.%s,%lu", t->obj, t->name, t->pos);

		if (c->opts->plan)
			fprintf(c->opts->plan, "%s -> %s (%s, %u relocation%s moved)\n",
				t->sym->name, name, t->how, t->moved, t->moved == 1 ? "" : "s");
		symbol_rename(t->sym, name);
		free(name);
		t->sym->sym.st_shndx = SHN_LIVEPATCH;
		t->sym->sym.st_value = 0;
		t->sym->sym.st_size = 0;
		t->sym->sec = NULL;
		c->stats->symbols++;
	}
}

static void free_converter(struct converter *c)
{
	size_t i;

	for (i = 0; i < c->nr; i++) {
		free(c->list[i]->name);
		free(c->list[i]->obj);
		free(c->list[i]->lp_obj);
		free(c->list[i]);
	}
	free(c->list);
	free(c->targets);
	hashtab_free(&c->klp_secs);
	annotations_free(&c->ann);
}

void klp_needed_names(const struct elf_file *elf, struct strset *names)
{
	struct symbol *sym;
	size_t i;

	for_each_symbol(elf, sym, i) {
		const char *comma, *p;
		char *name;
		int dots = 0;

		if (!symbol_is_undef(sym))
			continue;
		if (!str_starts_with(sym->name, KLP_RELOC_SYMBOL_PREFIX)) {
			strset_add(names, sym->name);
			continue;
		}
		p = sym->name + strlen(KLP_RELOC_SYMBOL_PREFIX);
		/* <lp_obj>.<sym_obj>.<name>,<pos>: malformed ones are reported later. */
		while (*p && dots < 2)
			dots += *p++ == '.';
		comma = strrchr(p, ',');
		if (!comma)
			continue;
		name = strndup(p, comma - p);
		strset_add(names, name);
		free(name);
	}
}

int klp_convert(struct elf_file *elf, const struct convert_opts *opts,
		struct convert_stats *stats)
{
	struct converter c = { .elf = elf, .opts = opts, .stats = stats };

	memset(stats, 0, sizeof(*stats));
	c.arch = arch_for(&elf->ehdr, elf->path);
	if (!c.arch)
		return -1;
	if (!module_is_livepatch(elf)) {
		pr_err("%s: not a livepatch module: .modinfo has no livepatch=Y "
		      "(add MODULE_INFO(livepatch, \"Y\"))", elf->path);
		return -1;
	}
	c.self = module_name(elf);
	/* libelf drops what follows the ELF data; the kernel would refuse a stale one anyway. */
	if (module_is_signed(elf))
		pr_warn("%s: carries a module signature, which the converted module loses: "
		     "sign the output again (scripts/sign-file)", elf->path);
	c.targets = xcalloc(elf->nr_syms, sizeof(*c.targets));
	validate_existing_klp_rela(&c);
	c.errors += annotations_read(elf, c.arch, &c.ann);
	stats->annotations = c.ann.nr;
	convert_resolve_symbols(&c);
	check_annotations_used(&c);
	if (!c.errors) {
		move_all_relocs(&c);
		c.errors += annotations_strip(elf);
		rename_symbols(&c);
	}
	free_converter(&c);
	return c.errors ? -1 : 0;
}
