// SPDX-License-Identifier: GPL-2.0-only
/*
 * The klp tables without DWARF: the fields every kernel since v5.1 has kept
 * first (klp_func: old_name 0, new_func 8, old_sympos 16; klp_object: name 0,
 * funcs 8; klp_patch: mod 0, objs 8), the klp_patch found by what its first
 * two pointers point to, and array strides inferred from the arrays'
 * symbols.
 */
#include <string.h>

#include "patch/tables_reader.h"

void layout_guess(struct layout *l)
{
	memset(l, 0, sizeof(*l));
	l->func_new_func = 8;
	l->func_old_sympos = 16;
	l->obj_funcs = 8;
	l->patch_objs = 8;
}

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
bool find_patch_by_relocs(struct reader *r, struct patch_var *pv)
{
	struct section *rela;
	size_t i, j;

	for_each_section(r->elf, rela, i) {
		if (rela->sh.sh_type != SHT_RELA || !is_writable_data(rela->info))
			continue;
		for (j = 0; j < rela->nr_relocs; j++) {
			const struct reloc *rel = &rela->relocs[j];
			uint64_t start = rel->offset - r->lay.patch_mod;
			struct ptr objs;

			if (strcmp(rel->sym->name, "__this_module") ||
			    rel->offset < r->lay.patch_mod)
				continue;
			if (!elf_find_reloc(rela->info, start + r->lay.patch_objs) ||
			    !tables_read_ptr(r, rela->info, start + r->lay.patch_objs, &objs) ||
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

uint64_t guess_func_stride(struct reader *r, const struct section *sec, uint64_t start)
{
	/*
	 * v6.1's sizeof(struct klp_func) when nothing better is known: the same
	 * on x86_64, ppc64le and s390x (LP64, no arch-specific members).
	 */
	return infer_stride(r, sec, start, anchor_string, 24, 152);
}

uint64_t guess_obj_stride(struct reader *r, const struct section *sec, uint64_t start)
{
	return infer_stride(r, sec, start, anchor_data, 16, 168);
}

