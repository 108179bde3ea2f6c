// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading a livepatch module's klp_patch/klp_object/klp_func arrays.
 *
 * The arrays are initialized data: every pointer in them is a relocation
 * (RELA: the field itself holds zero), old_sympos is a plain value. The
 * struct layouts come from the module's DWARF when it has some
 * (layout_dwarf.c), else from the fields every kernel keeps first
 * (layout_guess.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patch/klp_tables.h"
#include "patch/tables_reader.h"

/* More entries than any real patch has: ends a walk over a corrupt array. */
#define MAX_ENTRIES 65536

void tables_error(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	/* The file is named by whoever prints the finding. */
	va_start(ap, fmt);
	report_vadd(r->rep, FINDING_ERROR, "table-malformed", NULL, NULL, fmt, ap);
	va_end(ap);
	r->errors++;
}

/*
 * Whether the module's image has bytes for a section: zero-initialised
 * tables (a patch that changes no function has funcs[] = { {} }) are placed
 * in .bss, which the kernel reads as zeros like any other data.
 */
static bool has_contents(const struct section *sec)
{
	return sec->data || sec->sh.sh_type == SHT_NOBITS;
}

static bool read_u64(struct reader *r, const struct section *sec, uint64_t off, uint64_t *val)
{
	if (!has_contents(sec) || off > sec->size || sec->size - off < 8)
		return false;
	if (!sec->data) {
		*val = 0;
		return true;
	}
	*val = elf_get_u64(r->elf, sec->data + off);
	return true;
}

bool tables_read_ptr(struct reader *r, const struct section *sec, uint64_t off, struct ptr *p)
{
	struct reloc *rel = elf_find_reloc(sec, off);
	uint64_t raw;

	memset(p, 0, sizeof(*p));
	if (!read_u64(r, sec, off, &raw)) {
		tables_error(r, "%s+0x%llx: past the end of the section", sec->name,
			     (unsigned long long)off);
		return false;
	}
	if (!rel) {
		/* An absolute address in a relocatable object is not a pointer we can follow. */
		if (raw) {
			tables_error(r, "%s+0x%llx: a pointer without a relocation (0x%llx)",
				     sec->name, (unsigned long long)off, (unsigned long long)raw);
			return false;
		}
		p->null = true;
		return true;
	}
	p->sym = rel->sym;
	if (rel->sym->sec && rel->sym->sym.st_shndx < SHN_LORESERVE) {
		p->sec = rel->sym->sec;
		/* RELA: the loader writes S + A over whatever the field holds. */
		p->off = rel->sym->sym.st_value + rel->addend;
	}
	return true;
}

static char *read_string(struct reader *r, const struct ptr *p, const char *what)
{
	const struct section *s = p->sec;
	const char *str, *end;

	if (!s) {
		tables_error(r, "%s points to undefined symbol %s, not to a string", what,
			     p->sym ? p->sym->name : "?");
		return NULL;
	}
	if (!has_contents(s) || p->off >= s->size) {
		tables_error(r, "%s points past the end of %s", what, s->name);
		return NULL;
	}
	if (!s->data)
		return xstrdup("");
	str = (const char *)s->data + p->off;
	end = memchr(str, '\0', s->size - p->off);
	if (!end) {
		tables_error(r, "%s in %s is not NUL-terminated", what, s->name);
		return NULL;
	}
	return xstrdup(str);
}

/* The function a new_func pointer names: foo, or foo+0x10 when it points inside. */
static char *func_name(const struct ptr *p)
{
	struct symbol *sym;

	if (!p->sec)
		return xstrdup(p->sym && *p->sym->name ? p->sym->name : "?");
	if (p->sym && GELF_ST_TYPE(p->sym->sym.st_info) == STT_FUNC && *p->sym->name &&
	    p->sym->sym.st_value == p->off)
		return xstrdup(p->sym->name);
	sym = symbol_containing(p->sec, p->off);
	if (sym && *sym->name) {
		if (sym->sym.st_value == p->off)
			return xstrdup(sym->name);
		return xasprintf("%s+0x%llx", sym->name,
				 (unsigned long long)(p->off - sym->sym.st_value));
	}
	return xasprintf("%s+0x%llx", p->sec->name, (unsigned long long)p->off);
}

static void read_funcs(struct reader *r, struct klp_object_entry *o, const struct ptr *fp,
		       const char *objname)
{
	const struct layout *l = &r->lay;
	uint64_t stride = l->func_size, off;
	size_t n;

	if (!fp->sec || !has_contents(fp->sec)) {
		tables_error(r, "klp_object %s: funcs does not point into the module's data",
			     objname);
		return;
	}
	if (!l->have_func)
		stride = guess_func_stride(r, fp->sec, fp->off);
	for (n = 0, off = fp->off; n < MAX_ENTRIES; n++, off += stride) {
		struct ptr name, func;
		struct klp_func_entry *f;
		uint64_t sympos;

		if (off > fp->sec->size || fp->sec->size - off < l->func_old_sympos + 8) {
			tables_error(r, "klp_object %s: its klp_func array runs past the end of %s "
				     "without a terminating empty entry", objname, fp->sec->name);
			return;
		}
		if (!tables_read_ptr(r, fp->sec, off + l->func_old_name, &name) ||
		    !tables_read_ptr(r, fp->sec, off + l->func_new_func, &func) ||
		    !read_u64(r, fp->sec, off + l->func_old_sympos, &sympos))
			return;
		/* The kernel's klp_for_each_func_static() stops at the first all-zero entry. */
		if (name.null && func.null && !sympos)
			return;
		o->funcs = xrealloc(o->funcs, (o->nr_funcs + 1) * sizeof(*o->funcs));
		f = &o->funcs[o->nr_funcs++];
		memset(f, 0, sizeof(*f));
		f->index = n;
		f->old_sympos = sympos;
		if (!name.null)
			f->old_name = read_string(r, &name, "old_name");
		if (!func.null)
			f->new_func = func_name(&func);
		if (!name.null && !f->old_name)
			return;
	}
	tables_error(r, "klp_object %s: more than %d klp_func entries", objname, MAX_ENTRIES);
}

static void read_objects(struct reader *r, struct klp_tables *t, const struct ptr *op)
{
	const struct layout *l = &r->lay;
	uint64_t stride = l->obj_size, off;
	size_t n;

	if (!l->have_obj)
		stride = guess_obj_stride(r, op->sec, op->off);
	for (n = 0, off = op->off; n < MAX_ENTRIES; n++, off += stride) {
		struct ptr name, funcs;
		struct klp_object_entry *o;
		char label[32];

		if (off > op->sec->size || op->sec->size - off < l->obj_funcs + 8) {
			tables_error(r, "%s: its klp_object array runs past the end of %s "
				     "without a terminating empty entry", t->patch, op->sec->name);
			return;
		}
		if (!tables_read_ptr(r, op->sec, off + l->obj_name, &name) ||
		    !tables_read_ptr(r, op->sec, off + l->obj_funcs, &funcs))
			return;
		/* klp_for_each_object_static() stops where both are NULL. */
		if (name.null && funcs.null)
			return;
		t->objs = xrealloc(t->objs, (t->nr_objs + 1) * sizeof(*t->objs));
		o = &t->objs[t->nr_objs++];
		memset(o, 0, sizeof(*o));
		if (!name.null) {
			o->name = read_string(r, &name, "klp_object.name");
			if (!o->name)
				return;
		}
		snprintf(label, sizeof(label), "objs[%zu]", n);
		o->has_funcs = !funcs.null;
		if (o->has_funcs)
			read_funcs(r, o, &funcs, o->name ? o->name : label);
	}
	tables_error(r, "%s: more than %d klp_object entries", t->patch, MAX_ENTRIES);
}

int klp_read_tables(struct elf_file *elf, struct klp_tables *t, struct check_report *rep)
{
	struct reader r = { .elf = elf, .rep = rep };
	struct patch_var pv = { 0 };
	struct ptr objs;

	memset(t, 0, sizeof(*t));
	/* What DWARF does not say keeps the stable leading fields. */
	layout_guess(&r.lay);
	t->from_dwarf = layout_from_dwarf(&r, &pv);
	if (!t->from_dwarf) {
		/* Half a layout is no layout: use the stable leading fields throughout. */
		layout_guess(&r.lay);
		free(pv.name);
		memset(&pv, 0, sizeof(pv));
	}
	if (!pv.sec && !find_patch_by_relocs(&r, &pv))
		return r.errors ? -1 : 1;
	if (pv.name) {
		t->patch = pv.name;
	} else {
		struct symbol *sym = symbol_containing(pv.sec, pv.off);

		t->patch = sym && *sym->name && sym->sym.st_value == pv.off ?
			   xstrdup(sym->name) :
			   xasprintf("%s+0x%llx", pv.sec->name, (unsigned long long)pv.off);
	}
	if (tables_read_ptr(&r, pv.sec, pv.off + r.lay.patch_objs, &objs)) {
		if (objs.null || !objs.sec || !has_contents(objs.sec))
			tables_error(&r, "%s: objs does not point into the module's data",
				     t->patch);
		else
			read_objects(&r, t, &objs);
	}
	return r.errors ? -1 : 0;
}

void klp_tables_release(struct klp_tables *t)
{
	size_t i, j;

	for (i = 0; i < t->nr_objs; i++) {
		for (j = 0; j < t->objs[i].nr_funcs; j++) {
			free(t->objs[i].funcs[j].old_name);
			free(t->objs[i].funcs[j].new_func);
		}
		free(t->objs[i].funcs);
		free(t->objs[i].name);
	}
	free(t->objs);
	free(t->patch);
	memset(t, 0, sizeof(*t));
}

void klp_tables_add_names(const struct klp_tables *t, struct strset *names)
{
	size_t i, j;

	for (i = 0; i < t->nr_objs; i++)
		for (j = 0; j < t->objs[i].nr_funcs; j++)
			if (t->objs[i].funcs[j].old_name)
				strset_add(names, t->objs[i].funcs[j].old_name);
}
