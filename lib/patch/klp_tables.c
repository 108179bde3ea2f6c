// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading a livepatch module's klp_patch/klp_object/klp_func arrays, and
 * checking them against the target kernel's symbol map.
 *
 * The arrays are initialized data: every pointer in them is a relocation
 * (RELA: the field itself holds zero), old_sympos is a plain value. The
 * struct layouts come from the module's DWARF when it has some; without it,
 * the fields every kernel since v5.1 has kept first are used (klp_func:
 * old_name 0, new_func 8, old_sympos 16; klp_object: name 0, funcs 8;
 * klp_patch: mod 0, objs 8) and array strides are inferred from the arrays'
 * symbols.
 */
#include <dwarf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_clones.h"
#include "elf/dwarf_inline.h"
#include "patch/klp_tables.h"

/* The kernel reads at most KSYM_NAME_LEN - 1 characters of old_name (v6.1: 512). */
#define KSYM_NAME_MAX 511
/* More entries than any real patch has: ends a walk over a corrupt array. */
#define MAX_ENTRIES 65536

struct layout {
	uint64_t func_size, func_old_name, func_new_func, func_old_sympos;
	uint64_t obj_size, obj_name, obj_funcs;
	uint64_t patch_size, patch_mod, patch_objs;
	bool have_func, have_obj, have_patch;
};

struct reader {
	struct elf_file *elf;
	struct check_report *rep;
	struct layout lay;
	int errors;
};

/* A pointer field: NULL, or a place in a section, or an undefined symbol. */
struct ptr {
	bool null;
	struct symbol *sym;
	struct section *sec;	/* NULL when sym is undefined */
	uint64_t off;
};

static void rd_error(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rd_error(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	/* The file is named by whoever prints the finding. */
	report_add(r->rep, FINDING_ERROR, "table-malformed", NULL, NULL, "%s", msg);
	free(msg);
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
	const unsigned char *p;
	uint64_t v = 0;
	int i;

	if (!has_contents(sec) || off > sec->size || sec->size - off < 8)
		return false;
	if (!sec->data) {
		*val = 0;
		return true;
	}
	p = sec->data + off;
	for (i = 0; i < 8; i++) {
		int b = r->elf->ehdr.e_ident[EI_DATA] == ELFDATA2MSB ? i : 7 - i;

		v = v << 8 | p[b];
	}
	*val = v;
	return true;
}

static bool read_ptr(struct reader *r, const struct section *sec, uint64_t off, struct ptr *p)
{
	struct reloc *rel = elf_find_reloc(sec, off);
	uint64_t raw;

	memset(p, 0, sizeof(*p));
	if (!read_u64(r, sec, off, &raw)) {
		rd_error(r, "%s+0x%llx: past the end of the section", sec->name,
			 (unsigned long long)off);
		return false;
	}
	if (!rel) {
		/* An absolute address in a relocatable object is not a pointer we can follow. */
		if (raw) {
			rd_error(r, "%s+0x%llx: a pointer without a relocation (0x%llx)", sec->name,
				 (unsigned long long)off, (unsigned long long)raw);
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
		rd_error(r, "%s points to undefined symbol %s, not to a string", what,
			 p->sym ? p->sym->name : "?");
		return NULL;
	}
	if (!has_contents(s) || p->off >= s->size) {
		rd_error(r, "%s points past the end of %s", what, s->name);
		return NULL;
	}
	if (!s->data)
		return xstrdup("");
	str = (const char *)s->data + p->off;
	end = memchr(str, '\0', s->size - p->off);
	if (!end) {
		rd_error(r, "%s in %s is not NUL-terminated", what, s->name);
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

/* DWARF ------------------------------------------------------------------- */

static bool member_offset(Dwarf_Die *st, const char *name, uint64_t *off)
{
	Dwarf_Die m;

	if (dwarf_child(st, &m))
		return false;
	do {
		Dwarf_Attribute attr;
		Dwarf_Word w;
		const char *n;

		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		n = dwarf_diename(&m);
		if (!n || strcmp(n, name))
			continue;
		if (!dwarf_attr(&m, DW_AT_data_member_location, &attr) ||
		    dwarf_formudata(&attr, &w))
			return false;
		*off = w;
		return true;
	} while (dwarf_siblingof(&m, &m) == 0);
	return false;
}

static void read_struct(struct reader *r, Dwarf_Die *st)
{
	struct layout *l = &r->lay;
	const char *name = dwarf_diename(st);
	Dwarf_Word size;
	Dwarf_Attribute attr;

	if (!name || dwarf_hasattr(st, DW_AT_declaration) ||
	    !dwarf_attr(st, DW_AT_byte_size, &attr) || dwarf_formudata(&attr, &size))
		return;
	if (!strcmp(name, "klp_func") && !l->have_func) {
		l->have_func = member_offset(st, "old_name", &l->func_old_name) &&
			       member_offset(st, "new_func", &l->func_new_func) &&
			       member_offset(st, "old_sympos", &l->func_old_sympos);
		l->func_size = size;
	} else if (!strcmp(name, "klp_object") && !l->have_obj) {
		l->have_obj = member_offset(st, "name", &l->obj_name) &&
			      member_offset(st, "funcs", &l->obj_funcs);
		l->obj_size = size;
	} else if (!strcmp(name, "klp_patch") && !l->have_patch) {
		l->have_patch = member_offset(st, "mod", &l->patch_mod) &&
				member_offset(st, "objs", &l->patch_objs);
		l->patch_size = size;
	}
}

/* Where a klp_patch variable is, as a section and offset of the module. */
struct patch_var {
	struct section *sec;
	uint64_t off;
	char *name;
};

static bool variable_place(struct reader *r, struct dwarf_file *df, Dwarf_Die *var,
			   struct patch_var *pv)
{
	Dwarf_Attribute attr;
	Dwarf_Op *expr;
	size_t len;
	Dwarf_Addr addr, bias;
	Elf_Scn *scn;

	if (!dwarf_attr(var, DW_AT_location, &attr) || dwarf_getlocation(&attr, &expr, &len) ||
	    len != 1 || expr[0].atom != DW_OP_addr)
		return false;
	addr = expr[0].number + df->bias;
	scn = dwfl_module_address_section(df->mod, &addr, &bias);
	if (!scn)
		return false;
	pv->sec = elf_section_by_index(r->elf, elf_ndxscn(scn));
	pv->off = addr;
	return pv->sec;
}

static void scan_dies(struct reader *r, struct dwarf_file *df, Dwarf_Die *parent,
		      struct patch_var *pv, int depth)
{
	Dwarf_Die die;

	if (depth > 8 || dwarf_child(parent, &die))
		return;
	do {
		int tag = dwarf_tag(&die);

		if (tag == DW_TAG_structure_type) {
			read_struct(r, &die);
		} else if (tag == DW_TAG_variable && !pv->sec) {
			Dwarf_Die tmem, *type = dwarf_strip_type(&die, &tmem);
			const char *tn = type ? dwarf_diename(type) : NULL;

			if (tn && dwarf_tag(type) == DW_TAG_structure_type &&
			    !strcmp(tn, "klp_patch") && variable_place(r, df, &die, pv)) {
				const char *n = dwarf_diename(&die);

				pv->name = xstrdup(n ? n : "?");
				read_struct(r, type);
			}
		} else if (tag == DW_TAG_subprogram || tag == DW_TAG_lexical_block) {
			/* A function-scope static klp_patch. */
			scan_dies(r, df, &die, pv, depth + 1);
		}
	} while (dwarf_siblingof(&die, &die) == 0);
}

static void dwarf_layout(struct reader *r, struct patch_var *pv)
{
	struct dwarf_file df;
	Dwarf_Off off = 0, next;
	size_t hsize;

	if (dwarf_file_open(&df, r->elf->path))
		return;
	while (dwarf_nextcu(df.dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;

		if (dwarf_offdie(df.dw, off + hsize, &cu))
			scan_dies(r, &df, &cu, pv, 0);
		off = next;
	}
	dwarf_file_close(&df);
}

/* Without DWARF --------------------------------------------------------------- */

static bool is_writable_data(const struct section *s)
{
	return s && section_is_alloc(s) && (s->sh.sh_flags & SHF_WRITE) &&
	       !(s->sh.sh_flags & SHF_EXECINSTR);
}

/*
 * A klp_patch starts with mod = THIS_MODULE and objs pointing into writable
 * data. Other structures start with an owner module too (file_operations),
 * but their second field is a function pointer.
 */
static bool find_patch_by_relocs(struct reader *r, struct patch_var *pv)
{
	struct section *rela;
	size_t i, j;

	for_each_section(r->elf, rela, i) {
		if (rela->sh.sh_type != SHT_RELA || !is_writable_data(rela->info))
			continue;
		for (j = 0; j < rela->nr_relocs; j++) {
			const struct reloc *rel = &rela->relocs[j];
			struct ptr objs;

			uint64_t start = rel->offset - r->lay.patch_mod;

			if (strcmp(rel->sym->name, "__this_module") ||
			    rel->offset < r->lay.patch_mod)
				continue;
			if (!elf_find_reloc(rela->info, start + r->lay.patch_objs) ||
			    !read_ptr(r, rela->info, start + r->lay.patch_objs, &objs) ||
			    !is_writable_data(objs.sec))
				continue;
			pv->sec = rela->info;
			pv->off = start;
			return true;
		}
	}
	return false;
}

/*
 * The stride of an array with no DWARF: its symbol's size divided by its
 * entries, counted by one pointer every real entry has, plus the terminator.
 */
static uint64_t infer_stride(struct reader *r, const struct section *sec, uint64_t start,
			     bool (*anchor)(const struct section *target), uint64_t min,
			     uint64_t fallback)
{
	const struct symbol *sym = symbol_containing(sec, start);
	uint64_t size, k = 0, stride;
	struct section *rela;
	size_t i, j;

	if (!sym || sym->sym.st_value != start || !sym->sym.st_size)
		return fallback;
	size = sym->sym.st_size;
	/* Converted modules have .klp.rela sections beside the ordinary one. */
	for_each_section(r->elf, rela, i) {
		if (rela->sh.sh_type != SHT_RELA || rela->info != sec)
			continue;
		for (j = 0; j < rela->nr_relocs; j++) {
			const struct reloc *rel = &rela->relocs[j];

			if (!rel->removed && rel->offset >= start && rel->offset - start < size &&
			    rel->sym->sec && anchor(rel->sym->sec))
				k++;
		}
	}
	stride = size / (k + 1);
	if (size % (k + 1) || stride < min || stride % 8)
		return fallback;
	return stride;
}

static bool anchor_string(const struct section *s)
{
	return !(s->sh.sh_flags & (SHF_WRITE | SHF_EXECINSTR));
}

static bool anchor_data(const struct section *s)
{
	return is_writable_data(s);
}

/* Reading ------------------------------------------------------------------ */

static void read_funcs(struct reader *r, struct klp_object_entry *o, const struct ptr *fp,
		       const char *objname)
{
	const struct layout *l = &r->lay;
	uint64_t stride = l->func_size, off;
	size_t n;

	if (!fp->sec || !has_contents(fp->sec)) {
		rd_error(r, "klp_object %s: funcs does not point into the module's data", objname);
		return;
	}
	if (!l->have_func)
		/* v6.1 x86_64's sizeof(struct klp_func) when nothing better is known */
		stride = infer_stride(r, fp->sec, fp->off, anchor_string, 24, 152);
	for (n = 0, off = fp->off; n < MAX_ENTRIES; n++, off += stride) {
		struct ptr name, func;
		struct klp_func_entry *f;
		uint64_t sympos;

		if (off > fp->sec->size || fp->sec->size - off < l->func_old_sympos + 8) {
			rd_error(r, "klp_object %s: its klp_func array runs past the end of %s "
				 "without a terminating empty entry", objname, fp->sec->name);
			return;
		}
		if (!read_ptr(r, fp->sec, off + l->func_old_name, &name) ||
		    !read_ptr(r, fp->sec, off + l->func_new_func, &func) ||
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
	rd_error(r, "klp_object %s: more than %d klp_func entries", objname, MAX_ENTRIES);
}

static void read_objects(struct reader *r, struct klp_tables *t, const struct ptr *op)
{
	const struct layout *l = &r->lay;
	uint64_t stride = l->obj_size, off;
	size_t n;

	if (!l->have_obj)
		stride = infer_stride(r, op->sec, op->off, anchor_data, 16, 168);
	for (n = 0, off = op->off; n < MAX_ENTRIES; n++, off += stride) {
		struct ptr name, funcs;
		struct klp_object_entry *o;
		char label[32];

		if (off > op->sec->size || op->sec->size - off < l->obj_funcs + 8) {
			rd_error(r, "%s: its klp_object array runs past the end of %s without a "
				 "terminating empty entry", t->patch, op->sec->name);
			return;
		}
		if (!read_ptr(r, op->sec, off + l->obj_name, &name) ||
		    !read_ptr(r, op->sec, off + l->obj_funcs, &funcs))
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
	rd_error(r, "%s: more than %d klp_object entries", t->patch, MAX_ENTRIES);
}

/* Fields inside their structure, pointers aligned: else the DWARF is not to be trusted. */
static bool layout_sane(const struct layout *l)
{
	const uint64_t f[] = { l->func_old_name, l->func_new_func, l->func_old_sympos };
	const uint64_t o[] = { l->obj_name, l->obj_funcs };
	const uint64_t p[] = { l->patch_mod, l->patch_objs };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(f); i++)
		if (f[i] % 8 || f[i] + 8 > l->func_size || l->func_size % 8)
			return false;
	for (i = 0; i < ARRAY_SIZE(o); i++)
		if (o[i] % 8 || o[i] + 8 > l->obj_size || l->obj_size % 8)
			return false;
	for (i = 0; i < ARRAY_SIZE(p); i++)
		if (p[i] % 8 || p[i] + 8 > l->patch_size)
			return false;
	return l->func_old_name != l->func_new_func && l->obj_name != l->obj_funcs;
}

int klp_read_tables(struct elf_file *elf, struct klp_tables *t, struct check_report *rep)
{
	struct reader r = { .elf = elf, .rep = rep };
	struct patch_var pv = { 0 };
	struct ptr objs;

	memset(t, 0, sizeof(*t));
	/* The fields every kernel since v5.1 keeps first. */
	r.lay.func_new_func = 8;
	r.lay.func_old_sympos = 16;
	r.lay.obj_funcs = 8;
	r.lay.patch_objs = 8;
	dwarf_layout(&r, &pv);
	t->from_dwarf = r.lay.have_func && r.lay.have_obj && r.lay.have_patch &&
			layout_sane(&r.lay);
	if (!t->from_dwarf) {
		/* Half a layout is no layout: use the stable leading fields throughout. */
		memset(&r.lay, 0, sizeof(r.lay));
		r.lay.func_new_func = 8;
		r.lay.func_old_sympos = 16;
		r.lay.obj_funcs = 8;
		r.lay.patch_objs = 8;
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
	if (read_ptr(&r, pv.sec, pv.off + r.lay.patch_objs, &objs)) {
		if (objs.null || !objs.sec || !has_contents(objs.sec))
			rd_error(&r, "%s: objs does not point into the module's data", t->patch);
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

/* Checking ------------------------------------------------------------------- */

struct checker {
	struct elf_file *elf;
	const struct symmap *map;
	struct check_report *rep;
	unsigned int errors;
	struct clone_index *clones;	/* of the names not found: gcc may have renamed them */
	unsigned int suggestions;
};

#define MAX_SUGGESTIONS 16

static struct finding *cerror(struct checker *c, const char *code, const char *obj,
			      const char *func, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static struct finding *cerror(struct checker *c, const char *code, const char *obj,
			      const char *func, const char *fmt, ...)
{
	struct finding *f;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	c->errors++;
	f = report_add(c->rep, FINDING_ERROR, code, obj, func, "%s", msg);
	free(msg);
	return f;
}

/* Edit distance up to max, or max + 1: enough to catch a typo. */
static unsigned int distance(const char *a, const char *b, unsigned int max)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned int row[64], prev[64];

	if (la >= 64 || lb >= 64 || (la > lb ? la - lb : lb - la) > max)
		return max + 1;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		unsigned int best;

		row[0] = i;
		best = row[0];
		for (j = 1; j <= lb; j++) {
			unsigned int v = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
		memcpy(prev, row, (lb + 1) * sizeof(*row));
	}
	return prev[lb];
}

/* Up to three functions of obj whose names are a typo away from name. */
static void suggest_names(struct finding *f, const struct map_object *obj, const char *name)
{
	const char *seen[3];
	unsigned int n = 0, d;
	size_t i, k;

	for (d = 1; d <= 2 && !n; d++) {
		for (i = 0; i < obj->nr_syms && n < ARRAY_SIZE(seen); i++) {
			const struct map_symbol *s = obj->syms[i];

			if (!map_symbol_maybe_func(s) || distance(name, s->name, d) != d)
				continue;
			for (k = 0; k < n; k++)
				if (!strcmp(seen[k], s->name))
					break;
			if (k < n)
				continue;
			seen[n++] = s->name;
			finding_note(f, "did you mean %s?", s->name);
		}
	}
}

static void list_candidates(struct finding *f, const struct map_symbol *first,
			    const struct map_object *obj)
{
	const struct map_symbol *s;
	unsigned int shown = 0, total = symmap_count_in(first, obj);

	for (s = first; s; s = s->next) {
		if (s->obj != obj || (s->flags & MAP_INIT))
			continue;
		if (shown++ == 40) {
			finding_note(f, "... and %u more", total - 40);
			break;
		}
		finding_note(f, ".old_sympos = %-3u /* %016llx %c %s */", s->pos,
			     (unsigned long long)s->addr, s->type, s->name);
	}
	finding_note(f, "(numbered as the kernel counts them: %s order; pick the one your "
		     "patch replaces, e.g. by its address in System.map or /proc/kallsyms)",
		     strcmp(obj->name, "vmlinux") ? "the module's symbol table" : "address");
}

/* The runtime name of a klp_object, as the map and the kernel know it; NULL if hopeless. */
static char *check_objname(struct checker *c, const struct klp_object_entry *o)
{
	const char *name = o->name;
	char *fixed;
	size_t len;

	if (!name)
		return xstrdup("vmlinux");
	if (!strcmp(name, "vmlinux")) {
		struct finding *f = cerror(c, "object-name", name, NULL,
			"klp_object .name = \"vmlinux\": the kernel takes that for a module called "
			"vmlinux, which never loads, so its functions would never be patched");

		finding_note(f, "vmlinux is .name = NULL (leave .name out)");
		return xstrdup("vmlinux");
	}
	len = strlen(name);
	fixed = xstrdup(name);
	if (len > 3 && str_ends_with(fixed, ".ko"))
		fixed[len - 3] = '\0';
	{
		char *rt = module_runtime_name(fixed);

		free(fixed);
		fixed = rt;
	}
	if (strcmp(fixed, name)) {
		struct finding *f = cerror(c, "object-name", name, NULL,
			"klp_object .name = \"%s\" is not the module's runtime name: the kernel "
			"compares it with mod->name, which has '_' for '-' and no .ko, so these "
			"functions would never be patched", name);

		finding_note(f, ".name = \"%s\",", fixed);
	}
	if (!symmap_valid_objname(fixed)) {
		cerror(c, "object-name", name, NULL,
		       "klp_object .name = \"%s\" cannot be a module name (1 to %d characters, "
		       "no '.', ',' or '/')", name, MAP_OBJNAME_MAX);
		free(fixed);
		return NULL;
	}
	return fixed;
}

static void hint_clones(struct checker *c, struct finding *f, const struct map_object *mobj,
			const char *name)
{
	struct map_symbol *const *cl = clone_index_get(c->clones, name);
	struct strbuf names = { 0 };
	size_t i;

	for (i = 0; cl && cl[i]; i++) {
		if (cl[i]->obj != mobj || !map_symbol_maybe_func(cl[i]) ||
		    !clone_is_separate(cl[i]->name))
			continue;
		if (names.len && strstr(names.buf, cl[i]->name))
			continue;
		strbuf_addf(&names, "%s%s", names.len ? ", " : "", cl[i]->name);
	}
	if (names.len) {
		finding_note(f, "gcc renamed %s to %s: only the clone exists. Patch it under "
			     "that name (.old_name = \"%s\", with its own old_sympos), or "
			     "patch its callers", name, names.buf, names.buf);
	}
	for (i = 0; cl && cl[i]; i++)
		if (cl[i]->obj == mobj && clone_is_rename(cl[i]->name)) {
			finding_note(f, "%s is %s renamed by LTO: patch it under that name",
				     cl[i]->name, name);
			break;
		}
	strbuf_release(&names);
}

static void check_func_in_map(struct checker *c, const struct map_object *mobj,
			      const char *objname, const struct klp_func_entry *fn)
{
	const char *name = fn->old_name;
	struct map_symbol *first = symmap_lookup(c->map, name), *s, *chosen = NULL;
	unsigned int count = symmap_count_in(first, mobj);
	struct finding *f;

	if (!count) {
		struct strbuf where = { 0 };
		bool init = false;

		for (s = first; s; s = s->next) {
			if (s->obj == mobj) {
				init = true;
				continue;
			}
			if (!strstr(where.buf ? where.buf : "", s->obj->name))
				strbuf_addf(&where, "%s%s", where.len ? ", " : "", s->obj->name);
		}
		if (init) {
			f = cerror(c, "old-name-init", objname, name,
				   "%s: %s is only in an init section of %s: gone once the module "
				   "has loaded, it cannot be patched", objname, name, objname);
		} else {
			f = cerror(c, "old-name-missing", objname, name,
				   "%s: no function %s in %s: klp_enable_patch() would fail "
				   "(\"symbol '%s' not found in symbol table\")", objname, name,
				   objname, name);
			if (where.len)
				finding_note(f, "%s is in %s: is the klp_object right?", name,
					     where.buf);
			hint_clones(c, f, mobj, name);
			/* A scan of the object per name: worth it for a few typos only. */
			if (c->suggestions++ < MAX_SUGGESTIONS)
				suggest_names(f, mobj, name);
		}
		strbuf_release(&where);
		return;
	}
	if (fn->old_sympos == 0 && count > 1) {
		f = cerror(c, "sympos-missing", objname, name,
			   "%s: %s is ambiguous: %u functions of that name in %s and old_sympos is "
			   "0; the kernel refuses it (\"unresolvable ambiguity for symbol '%s' in "
			   "object '%s'\"). Set .old_sympos to one of:", objname, name, count,
			   objname, name, objname);
		list_candidates(f, first, mobj);
		return;
	}
	if (fn->old_sympos > count) {
		f = cerror(c, "sympos-range", objname, name,
			   "%s: %s: old_sympos %llu is out of range: %s has %u %s; the kernel "
			   "refuses it (\"symbol position %llu for symbol '%s' in object '%s' not "
			   "found\"). Set .old_sympos to %s:", objname, name,
			   (unsigned long long)fn->old_sympos, objname, count,
			   count == 1 ? "of that name" : "of them",
			   (unsigned long long)fn->old_sympos,
			   name, objname, count == 1 ? "0 or 1" : "one of");
		if (count > 1)
			list_candidates(f, first, mobj);
		return;
	}
	for (s = first; s; s = s->next)
		if (s->obj == mobj && !(s->flags & MAP_INIT) &&
		    (fn->old_sympos ? s->pos == fn->old_sympos : true)) {
			chosen = s;
			break;
		}
	if (chosen && chosen->type != '?' && !map_symbol_is_func(chosen))
		cerror(c, "old-name-not-function", objname, name,
		       "%s: %s is not a function (kallsyms type '%c'): klp_func patches code only",
		       objname, name, chosen->type);
}

/* The object part of a .klp.rela.<obj>.<sec> name, as the kernel's %55[^.] reads it. */
static char *klp_rela_object(const char *secname)
{
	const char *p = secname + strlen(".klp.rela."), *dot = strchr(p, '.');
	size_t len = dot ? (size_t)(dot - p) : strlen(p);
	char *s;

	if (len > MAP_OBJNAME_MAX)
		len = MAP_OBJNAME_MAX;
	s = xmalloc(len + 1);
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

static bool has_object(const struct klp_tables *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nr_objs; i++)
		if (!strcmp(klp_object_name(&t->objs[i]), name) &&
		    (t->objs[i].name == NULL) == !strcmp(name, "vmlinux"))
			return true;
	return false;
}

static void check_klp_rela_objects(struct checker *c, const struct klp_tables *t)
{
	struct section *s;
	size_t i, j, nr_klp = 0;
	struct strset done = { 0 };

	for_each_section(c->elf, s, i) {
		char *obj;

		if (!str_starts_with(s->name, ".klp.rela."))
			continue;
		nr_klp++;
		obj = klp_rela_object(s->name);
		/*
		 * vmlinux's are applied at load time whatever the klp_objects
		 * (v5.8+); a module's only when its klp_object is initialized.
		 */
		if (strcmp(obj, "vmlinux") && !strset_has(&done, obj, strlen(obj)) &&
		    !has_object(t, obj)) {
			struct finding *f = cerror(c, "klp-rela-orphan", obj, NULL,
				"section %s relocates for module %s, but no klp_object is "
				"named %s: the kernel never applies it, and the code using it "
				"would run with unresolved addresses", s->name, obj, obj);

			finding_note(f, "add { .name = \"%s\", .funcs = ... } to the "
				     "klp_object array", obj);
		}
		strset_add(&done, obj);
		free(obj);
	}
	/* Only a converted module has klp relocations to compare with. */
	for (j = 0; nr_klp && j < t->nr_objs; j++) {
		const char *obj = klp_object_name(&t->objs[j]);

		if (t->objs[j].name && !strset_has(&done, obj, strlen(obj)))
			report_add(c->rep, FINDING_NOTE, "klp-object-no-rela", obj, NULL,
				   "klp_object %s has no .klp.rela.%s.* section: fine when the "
				   "patch uses no unexported symbol of %s", obj, obj, obj);
	}
	strset_free(&done);
}

unsigned int klp_tables_check(const struct klp_tables *t, struct elf_file *elf,
			      const struct symmap *map, struct check_report *rep)
{
	struct checker c = { .elf = elf, .map = map, .rep = rep };
	struct strset seen = { 0 }, missing = { 0 };
	size_t i, j, k;

	/*
	 * A function gcc renamed is missing under its own name: one pass over the
	 * map finds the clones of all such names at once.
	 */
	for (i = 0; map && i < t->nr_objs; i++) {
		char *rt = module_runtime_name(klp_object_name(&t->objs[i]));
		const struct map_object *mobj = symmap_find_object(map, rt);

		for (j = 0; mobj && j < t->objs[i].nr_funcs; j++) {
			const char *n = t->objs[i].funcs[j].old_name;

			if (n && !symmap_count_in(symmap_lookup(map, n), mobj))
				strset_add(&missing, n);
		}
		free(rt);
	}
	if (missing.ht.nr)
		c.clones = clone_index_build(map, &missing);
	strset_free(&missing);

	/* The kernel enables such a patch, which then changes nothing. */
	if (!t->nr_objs)
		report_add(c.rep, FINDING_WARNING, "patch-no-objects", NULL, NULL,
			   "%s has no klp_object (objs[] is empty): the patch changes nothing",
			   t->patch);

	for (i = 0; i < t->nr_objs; i++) {
		const struct klp_object_entry *o = &t->objs[i];
		const struct map_object *mobj = NULL;
		char *objname = check_objname(&c, o);
		const char *label = objname ? objname : o->name;

		for (k = 0; k < i; k++)
			if (!strcmp(klp_object_name(&t->objs[k]), klp_object_name(o)))
				break;
		if (k < i)
			cerror(&c, "object-duplicate", label, NULL,
			       "klp_object %s appears twice: the kernel refuses the patch (its "
			       "sysfs directory exists already)", label);
		if (!o->has_funcs)
			cerror(&c, "object-no-funcs", label, NULL,
			       "klp_object %s has no funcs: klp_enable_patch() fails with -EINVAL",
			       label);
		if (map && objname) {
			mobj = symmap_find_object(map, objname);
			if (!mobj)
				cerror(&c, "object-not-in-map", objname, NULL,
				       "%s: the symbol map has no object %s: nothing of it can be "
				       "checked (a module missing from the map, or a wrong name?)",
				       objname, objname);
		}
		for (j = 0; j < o->nr_funcs; j++) {
			const struct klp_func_entry *fn = &o->funcs[j];
			char *key;

			if (!fn->old_name) {
				cerror(&c, "old-name-null", label, NULL,
				       "klp_object %s: funcs[%zu] has no old_name: the kernel "
				       "refuses it (-EINVAL)", label, fn->index);
				continue;
			}
			if (!fn->new_func)
				cerror(&c, "new-func-null", label, fn->old_name,
				       "%s: %s has no new_func: the kernel refuses it (-EINVAL)",
				       label, fn->old_name);
			if (strlen(fn->old_name) > KSYM_NAME_MAX)
				cerror(&c, "old-name-long", label, fn->old_name,
				       "%s: old_name is longer than %d characters: the kernel "
				       "refuses it", label, KSYM_NAME_MAX);
			key = xasprintf("%s\t%s\t%llu", label, fn->old_name,
					(unsigned long long)fn->old_sympos);
			if (strset_has(&seen, key, strlen(key)))
				cerror(&c, "func-duplicate", label, fn->old_name,
				       "%s: %s (old_sympos %llu) is patched twice in this patch",
				       label, fn->old_name, (unsigned long long)fn->old_sympos);
			strset_add(&seen, key);
			free(key);
			if (mobj)
				check_func_in_map(&c, mobj, objname, fn);
		}
		free(objname);
	}
	strset_free(&seen);
	check_klp_rela_objects(&c, t);
	clone_index_free(c.clones);
	return c.errors;
}
