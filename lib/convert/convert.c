// SPDX-License-Identifier: GPL-2.0-only
/*
 * The conversion: decide, for every undefined symbol, whether the loader
 * resolves it (exported) or livepatch must (unexported), and where it lives;
 * then move the relocations and rename the symbols.
 *
 * Every problem is reported and counted; nothing stops at the first one, so
 * a patch author sees all that is wrong in one run.
 */
#include <stdlib.h>
#include <string.h>

#include "base/hashtab.h"
#include "patch/annotations.h"
#include "elf/arch.h"
#include "convert/convert.h"
#include "elf/module_info.h"

#define KLP_SYM_NAME_MAX 511	/* %511[^,] in klp_resolve_symbols() since 6.1 */

/* Where one symbol of the module resolves. */
struct klp_target {
	struct symbol *sym;
	char *name;		/* in the target object */
	char *obj;		/* the object defining it */
	char *lp_obj;		/* the object whose patch applies its relocations */
	unsigned long pos;
	const char *how;
	unsigned int moved;
	bool caveat_told;	/* a rule's module_caveat was printed for it */
};

struct converter {
	struct elf_file *elf;
	const struct arch *arch;
	const struct convert_opts *opts;
	const char *self;		/* the livepatch module's own runtime name */
	struct annotations ann;
	struct klp_target **targets;	/* by symbol index */
	struct klp_target **list;
	size_t nr, alloc;
	struct hashtab klp_secs;		/* the .klp.rela sections used, by index */
	unsigned int errors;
	bool warned_no_versions;
	struct convert_stats *stats;
};

static bool is_vmlinux(const char *obj)
{
	return !strcmp(obj, "vmlinux");
}

/* "section+offset (in function)" for messages; a linear search, errors only. */
static char *site(const struct section *sec, uint64_t offset)
{
	struct symbol *fn = symbol_containing(sec, offset);

	if (fn)
		return xasprintf("%s+0x%llx (in %s+0x%llx)", sec->name,
				 (unsigned long long)offset, fn->name,
				 (unsigned long long)(offset - fn->sym.st_value));
	return xasprintf("%s+0x%llx", sec->name, (unsigned long long)offset);
}

/* Where the module uses sym, for an error message about it. */
static void print_uses(const struct converter *c, const struct symbol *sym)
{
	struct section *sec;
	unsigned int shown = 0, total = 0;
	size_t i, j;

	for_each_section(c->elf, sec, i) {
		if (sec->sh.sh_type != SHT_RELA || is_annotation_section(sec->info) ||
		    !section_is_alloc(sec->info))
			continue;
		for (j = 0; j < sec->nr_relocs; j++) {
			char *s;

			if (sec->relocs[j].sym != sym || sec->relocs[j].removed)
				continue;
			if (total++ >= 5)
				continue;
			s = site(sec->info, sec->relocs[j].offset);
			pr_note("used at %s", s);
			free(s);
			shown++;
		}
	}
	if (total > shown)
		pr_note("... and %u more uses", total - shown);
}

static void add_target(struct converter *c, struct symbol *sym, const char *name,
		       const char *obj, const char *lp_obj, unsigned long pos, const char *how)
{
	struct klp_target *t = xcalloc(1, sizeof(*t));

	t->sym = sym;
	t->name = xstrdup(name);
	t->obj = xstrdup(obj);
	t->lp_obj = xstrdup(lp_obj);
	t->pos = pos;
	t->how = how;
	c->targets[sym->idx] = t;
	grow_array(&c->list, &c->alloc, c->nr + 1, sizeof(*c->list));
	c->list[c->nr++] = t;
}

static void print_candidates(const struct converter *c, const char *name)
{
	const struct map_symbol *s;
	char *line;

	if (!c->opts->map)
		return;
	for (s = symmap_lookup(c->opts->map, name); s; s = s->next) {
		line = symmap_candidate_line(s);
		pr_note("%s", line);
		free(line);
	}
}

/* The map can say whether what the author annotated exists. */
static void check_annotation(struct converter *c, const struct annotation *a)
{
	const struct symmap *map = c->opts->map;
	const struct map_object *obj;
	unsigned int n;

	if (!map)
		return;
	obj = symmap_find_object(map, a->obj);
	if (!obj) {
		pr_warn("%s: symbol '%s': the map has no object '%s', so %s cannot be checked",
		     c->elf->path, a->name, a->obj, a->where);
		return;
	}
	n = symmap_count_in(symmap_lookup(map, a->name), obj);
	if (!n) {
		pr_err("%s: symbol '%s': %s names object '%s', which has no such symbol",
		      c->elf->path, a->name, a->where, a->obj);
	} else if (a->pos == 0 && n > 1) {
		pr_err("%s: symbol '%s': %s says sympos 0 (unique), but '%s' has %u of them; "
		      "pick one:", c->elf->path, a->name, a->where, a->obj, n);
	} else if (a->pos > n) {
		pr_err("%s: symbol '%s': %s says sympos %lu, but '%s' has only %u; pick one:",
		      c->elf->path, a->name, a->where, a->pos, a->obj, n);
	} else {
		return;
	}
	c->errors++;
	print_candidates(c, a->name);
}

static bool check_objects(struct converter *c, const struct symbol *sym, const char *name,
			  const char *obj, const char *lp_obj)
{
	const char *path = c->elf->path;

	if (is_vmlinux(lp_obj) && !is_vmlinux(obj)) {
		pr_err("%s: symbol '%s': .klp.rela.vmlinux sections are applied when the livepatch "
		      "loads, before module '%s' can be resolved; use KLP_RELOC_SYMBOL(%s, %s, ...)",
		      path, name, obj, obj, obj);
		return false;
	}
	if (!is_vmlinux(lp_obj) && is_vmlinux(obj)) {
		pr_err("%s: symbol '%s': the kernel refuses vmlinux symbols in module-specific "
		      "section .klp.rela.%s.*; use KLP_RELOC_SYMBOL(vmlinux, vmlinux, %s)",
		      path, name, lp_obj, name);
		return false;
	}
	if (strcmp(obj, lp_obj))
		pr_warn("%s: symbol '%s': resolved in module '%s' when patching '%s': both must be "
		     "loaded together", path, name, obj, lp_obj);
	if (strchr(name, ',') || strlen(name) > KLP_SYM_NAME_MAX) {
		pr_err("%s: symbol '%s': a livepatch symbol name cannot contain ',' or exceed %d "
		      "characters", path, sym->name, KLP_SYM_NAME_MAX);
		return false;
	}
	return true;
}

static void resolve_annotated(struct converter *c, struct symbol *sym, struct annotation *a)
{
	check_annotation(c, a);
	if (!check_objects(c, sym, a->name, a->obj, a->lp_obj)) {
		c->errors++;
		return;
	}
	add_target(c, sym, a->name, a->obj, a->lp_obj, a->pos, "annotation");
	pr_info("%s: %s: %s sympos %lu, from %s", c->elf->path, a->name, a->obj, a->pos, a->where);
}

/* A module's init symbols count while it loads: a late patch may see them first. */
static void warn_init_twin(const struct converter *c, const struct map_symbol *first,
			   const struct map_symbol *chosen)
{
	const struct map_symbol *s;

	for (s = first; s && s != chosen; s = s->next) {
		if (s->obj == chosen->obj && (s->flags & MAP_INIT)) {
			pr_warn("%s: symbol '%s': module '%s' has an init-section namesake before it: "
			     "patching the module while it loads would resolve that one",
			     c->elf->path, chosen->name, chosen->obj->name);
			return;
		}
	}
}

/* The export the loader would bind to: vmlinux's first. */
static const struct map_symbol *find_export(const struct map_symbol *first)
{
	const struct map_symbol *s, *exp = NULL;

	for (s = first; s; s = s->next)
		if ((s->flags & MAP_EXPORTED) && (!exp || is_vmlinux(s->obj->name)))
			exp = s;
	return exp;
}

static bool patches_object(const struct converter *c, const char *obj)
{
	return c->opts->patched && strset_has(c->opts->patched, obj, strlen(obj));
}

static bool exported(struct converter *c, struct symbol *sym, const struct map_symbol *exp)
{
	if (!exp) {
		if (!module_versions_has(c->elf, sym->name))
			return false;
		pr_info("%s: %s: not marked exported in the map, but modpost recorded a CRC for it: "
		     "left to the loader", c->elf->path, sym->name);
		return true;
	}
	if (!is_vmlinux(exp->obj->name))
		pr_warn("%s: symbol '%s' is exported by module '%s': the livepatch will depend on it "
		     "being loaded", c->elf->path, sym->name, exp->obj->name);
	pr_info("%s: %s: exported by %s: left to the loader", c->elf->path, sym->name,
	     exp->obj->name);
	return true;
}

/*
 * An export of a module the patch targets: that module may load after the
 * patch, when the loader could not resolve it, so livepatch binds it late.
 */
static bool resolve_patched_export(struct converter *c, struct symbol *sym,
				   const struct map_symbol *first, const struct map_symbol *exp)
{
	unsigned int n;

	if (!exp || is_vmlinux(exp->obj->name) || !patches_object(c, exp->obj->name))
		return false;
	n = symmap_count_in(first, exp->obj);
	add_target(c, sym, sym->name, exp->obj->name, exp->obj->name, n > 1 ? exp->pos : 0,
		   "exported by the patched module");
	pr_info("%s: %s: exported by %s, which the patch targets: bound by livepatch when it loads",
	     c->elf->path, sym->name, exp->obj->name);
	return true;
}

static void resolve_from_map(struct converter *c, struct symbol *sym)
{
	const struct map_symbol *first = symmap_lookup(c->opts->map, sym->name), *s;
	const struct map_symbol *only = NULL, *exp = find_export(first);
	unsigned int n = 0;

	if (resolve_patched_export(c, sym, first, exp) || exported(c, sym, exp))
		return;
	for (s = first; s; s = s->next) {
		/* A dump taken with this very patch loaded lists its own symbols. */
		if (c->self && !strcmp(s->obj->name, c->self))
			continue;
		if (!(s->flags & MAP_INIT)) {
			n++;
			only = s;
		}
	}
	if (!n) {
		pr_err("%s: symbol '%s' is not exported and not in the symbol map%s", c->elf->path,
		      sym->name, first ? " (only in init sections, gone at run time)" : "");
		print_uses(c, sym);
		c->errors++;
		return;
	}
	if (n > 1) {
		pr_err("%s: symbol '%s' is ambiguous: %u symbols have that name; annotate the one "
		      "you mean with KLP_MODULE_RELOC(<object>) and one of these:", c->elf->path,
		      sym->name, n);
		print_uses(c, sym);
		print_candidates(c, sym->name);
		c->errors++;
		return;
	}
	if (!check_objects(c, sym, sym->name, only->obj->name, only->obj->name)) {
		c->errors++;
		return;
	}
	warn_init_twin(c, first, only);
	add_target(c, sym, sym->name, only->obj->name, only->obj->name, 0, "unique in the map");
	pr_info("%s: %s: unique in the map: %s", c->elf->path, sym->name, only->obj->name);
}

/* With no map, modpost's CRCs in __versions are the only record of exports. */
static void resolve_without_map(struct converter *c, struct symbol *sym)
{
	if (!module_has_versions(c->elf)) {
		if (!c->warned_no_versions)
			pr_warn("%s: no symbol map and no __versions section: unannotated undefined "
			     "symbols are assumed exported", c->elf->path);
		c->warned_no_versions = true;
		return;
	}
	if (module_versions_has(c->elf, sym->name))
		return;
	pr_err("%s: symbol '%s' is not exported (modpost recorded no CRC for it) and not "
	      "annotated: give klp-convert a symbol map, or annotate it", c->elf->path,
	      sym->name);
	print_uses(c, sym);
	c->errors++;
}

static void resolve_symbols(struct converter *c)
{
	struct symbol *sym;
	size_t i;

	for_each_symbol(c->elf, sym, i) {
		struct annotation *a;

		if (!symbol_is_undef(sym))
			continue;
		a = annotation_for(&c->ann, sym);
		if (a)
			resolve_annotated(c, sym, a);
		else if (arch_is_loader_symbol(c->arch, sym->name))
			continue;
		else if (c->opts->map)
			resolve_from_map(c, sym);
		else
			resolve_without_map(c, sym);
	}
}

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
			where = site(target, r->offset);
			pr_warn("%s: symbol '%s': %s relocation at %s for object '%s': %s",
			     c->elf->path, t->name, rule->name, where, t->lp_obj,
			     rule->module_caveat);
			free(where);
			t->caveat_told = true;
		}
		return true;
	}
	where = site(target, r->offset);
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
	resolve_symbols(&c);
	check_annotations_used(&c);
	if (!c.errors) {
		move_all_relocs(&c);
		c.errors += annotations_strip(elf);
		rename_symbols(&c);
	}
	free_converter(&c);
	return c.errors ? -1 : 0;
}
