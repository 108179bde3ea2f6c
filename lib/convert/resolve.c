// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where each undefined symbol of the module lives: its annotation, the map
 * (a unique name, the export the loader resolves, the object the patch
 * targets), or nowhere, with every candidate listed for the author.
 */
#include <stdlib.h>
#include <string.h>

#include "convert/converter.h"
#include "elf/module_info.h"

char *convert_site(const struct section *sec, uint64_t offset)
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
			s = convert_site(sec->info, sec->relocs[j].offset);
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
		line = symmap_candidate_line(c->opts->map, s);
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

void convert_resolve_symbols(struct converter *c)
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
