// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "patch/annotations.h"
#include "symbols/symmap.h"

static struct annotation *add_annotation(struct annotations *ann)
{
	struct annotation *a;

	grow_array(&ann->list, &ann->alloc, ann->nr + 1, sizeof(*ann->list));
	a = &ann->list[ann->nr++];
	memset(a, 0, sizeof(*a));
	return a;
}

static bool same_target(const struct annotation *a, const struct annotation *b)
{
	return a->pos == b->pos && !strcmp(a->obj, b->obj) && !strcmp(a->lp_obj, b->lp_obj);
}

/* One symbol, one answer: a second annotation must agree and is still an error. */
static unsigned int index_annotation(struct elf_file *elf, struct annotations *ann,
				     struct annotation *a)
{
	struct annotation *old = ann->by_sym[a->sym->idx];

	if (!old) {
		ann->by_sym[a->sym->idx] = a;
		return 0;
	}
	if (same_target(old, a))
		pr_err("%s: symbol '%s': annotated twice (%s and %s): remove one", elf->path,
		      a->name, old->where, a->where);
	else
		pr_err("%s: symbol '%s': conflicting annotations: %s says %s sympos %lu, "
		      "%s says %s sympos %lu", elf->path, a->name, old->where, old->obj,
		      old->pos, a->where, a->obj, a->pos);
	return 1;
}

static unsigned int check_entry(struct elf_file *elf, const struct arch *arch,
				const struct section *sec, const struct reloc *r)
{
	if (r->offset % KLP_MODULE_RELOC_SIZE) {
		pr_err("%s: %s: a relocation at offset 0x%llx is not at the start of a "
		      "struct klp_module_reloc", elf->path, sec->name,
		      (unsigned long long)r->offset);
		return 1;
	}
	if (r->type != arch->abs64 || r->addend) {
		pr_err("%s: %s: entry %llu: expected %s to a symbol with addend 0, found %s%+lld "
		      "(use KLP_SYMPOS(symbol, pos))", elf->path, sec->name,
		      (unsigned long long)r->offset / KLP_MODULE_RELOC_SIZE,
		      arch_reloc_name(arch, arch->abs64), arch_reloc_name(arch, r->type),
		      (long long)r->addend);
		return 1;
	}
	if (!symbol_is_undef(r->sym)) {
		pr_err("%s: %s: entry %llu: symbol '%s' is defined in the livepatch module itself; "
		      "annotate only symbols of the patched kernel", elf->path, sec->name,
		      (unsigned long long)r->offset / KLP_MODULE_RELOC_SIZE, r->sym->name);
		return 1;
	}
	return 0;
}

static unsigned int read_reloc_section(struct elf_file *elf, const struct arch *arch,
				       struct annotations *ann, struct section *sec)
{
	const char *obj = sec->name + strlen(KLP_MODULE_RELOCS_PREFIX);
	size_t nr = sec->size / KLP_MODULE_RELOC_SIZE, i;
	unsigned int errors = 0;
	bool *seen;

	if (!symmap_valid_objname(obj)) {
		pr_err("%s: %s: '%s' is not an object name (vmlinux or a module's runtime name, "
		      "'_' not '-')", elf->path, sec->name, obj);
		return 1;
	}
	if (sec->size % KLP_MODULE_RELOC_SIZE || !sec->data) {
		pr_err("%s: %s: size %zu is not a multiple of %d (struct klp_module_reloc)",
		      elf->path, sec->name, sec->size, KLP_MODULE_RELOC_SIZE);
		return 1;
	}
	seen = xcalloc(nr, sizeof(*seen));
	for (i = 0; sec->rela && i < sec->rela->nr_relocs; i++) {
		const struct reloc *r = &sec->rela->relocs[i];
		struct annotation *a;
		size_t entry = r->offset / KLP_MODULE_RELOC_SIZE;

		if (check_entry(elf, arch, sec, r)) {
			errors++;
			continue;
		}
		if (seen[entry]) {
			pr_err("%s: %s: entry %zu has two relocations", elf->path, sec->name, entry);
			errors++;
			continue;
		}
		seen[entry] = true;
		a = add_annotation(ann);
		a->sym = r->sym;
		a->name = xstrdup(r->sym->name);
		a->obj = xstrdup(obj);
		a->lp_obj = xstrdup(obj);
		/* struct klp_module_reloc { void *sym; u32 sympos; }, packed: 8 + 4 */
		a->pos = elf_get_u32(elf, sec->data + r->offset + 8);
		a->where = xasprintf("%s entry %zu", sec->name, entry);
	}
	for (i = 0; i < nr; i++) {
		if (!seen[i]) {
			pr_err("%s: %s: entry %zu names no symbol (a NULL .sym?)", elf->path,
			      sec->name, i);
			errors++;
		}
	}
	free(seen);
	return errors;
}

static bool split_at(char **s, char sep, char **field)
{
	char *p = strchr(*s, sep);

	if (!p)
		return false;
	*p = '\0';
	*field = *s;
	*s = p + 1;
	return true;
}

/* .klp.sym.rela.<lp_obj>.<sym_obj>.<name>,<pos>: the name may contain dots. */
static unsigned int read_reloc_symbol(struct elf_file *elf, struct annotations *ann,
				      struct symbol *sym)
{
	char *buf = xstrdup(sym->name + strlen(KLP_RELOC_SYMBOL_PREFIX));
	char *s = buf, *lp = NULL, *so = NULL, *comma = strrchr(buf, ','), *end;
	struct annotation *a;
	unsigned long pos;

	if (!comma || !split_at(&s, '.', &lp) || !split_at(&s, '.', &so) || s >= comma)
		goto bad;
	*comma = '\0';
	errno = 0;
	pos = strtoul(comma + 1, &end, 10);
	if (errno || *end || end == comma + 1 || strchr(s, ',') ||
	    !symmap_valid_objname(lp) || !symmap_valid_objname(so))
		goto bad;
	a = add_annotation(ann);
	a->sym = sym;
	a->name = xstrdup(s);
	a->obj = xstrdup(so);
	a->lp_obj = xstrdup(lp);
	a->pos = pos;
	a->where = xasprintf("symbol %s", sym->name);
	free(buf);
	return 0;
bad:
	pr_err("%s: symbol '%s' is not of the form %s<lp_obj>.<sym_obj>.<name>,<pos> "
	      "(see KLP_RELOC_SYMBOL in klp_convert.h)", elf->path, sym->name,
	      KLP_RELOC_SYMBOL_PREFIX);
	free(buf);
	return 1;
}

unsigned int annotations_read(struct elf_file *elf, const struct arch *arch,
			      struct annotations *ann)
{
	unsigned int errors = 0;
	struct section *sec;
	struct symbol *sym;
	size_t i;

	memset(ann, 0, sizeof(*ann));
	ann->by_sym = xcalloc(elf->nr_syms, sizeof(*ann->by_sym));
	for_each_section(elf, sec, i)
		if (is_annotation_section(sec))
			errors += read_reloc_section(elf, arch, ann, sec);
	for_each_symbol(elf, sym, i)
		if (symbol_is_undef(sym) && str_starts_with(sym->name, KLP_RELOC_SYMBOL_PREFIX))
			errors += read_reloc_symbol(elf, ann, sym);
	/* Index only now: the list may have moved while it grew. */
	for (i = 0; i < ann->nr; i++)
		errors += index_annotation(elf, ann, &ann->list[i]);
	return errors;
}

void annotations_free(struct annotations *ann)
{
	size_t i;

	for (i = 0; i < ann->nr; i++) {
		free(ann->list[i].name);
		free(ann->list[i].obj);
		free(ann->list[i].lp_obj);
		free(ann->list[i].where);
	}
	free(ann->list);
	free(ann->by_sym);
	memset(ann, 0, sizeof(*ann));
}

static bool symbol_in_annotation(const struct symbol *sym)
{
	return sym->sec && is_annotation_section(sym->sec);
}

/*
 * Debug info describes the annotation arrays too; with the arrays gone its
 * relocations to them are dropped (the loader never applies them).
 */
static unsigned int drop_references(struct elf_file *elf)
{
	unsigned int errors = 0;
	struct section *sec;
	size_t i, j;

	for_each_section(elf, sec, i) {
		if (sec->sh.sh_type != SHT_RELA)
			continue;
		for (j = 0; j < sec->nr_relocs; j++) {
			struct reloc *r = &sec->relocs[j];

			if (r->removed || !symbol_in_annotation(r->sym))
				continue;
			if (section_is_alloc(sec->info)) {
				pr_err("%s: %s+0x%llx refers to the annotation array %s, which "
				      "klp-convert removes", elf->path, sec->info->name,
				      (unsigned long long)r->offset, r->sym->sec->name);
				errors++;
			}
			r->removed = true;
		}
	}
	return errors;
}

unsigned int annotations_strip(struct elf_file *elf)
{
	unsigned int errors = 0;
	struct section *sec;
	struct symbol *sym;
	size_t i;

	for_each_section(elf, sec, i) {
		if (!is_annotation_section(sec))
			continue;
		elf_remove_section(sec);
		if (sec->rela)
			elf_remove_section(sec->rela);
	}
	errors += drop_references(elf);
	for_each_symbol(elf, sym, i)
		if (symbol_in_annotation(sym))
			sym->removed = true;
	return errors;
}
