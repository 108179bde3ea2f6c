// SPDX-License-Identifier: GPL-2.0-only
/*
 * The klp tables' struct layouts from the module's own DWARF: the kernel it
 * was built for may have moved or added fields, which only its debug info
 * tells. The klp_patch variable is found there too, by its type.
 */
#include <dwarf.h>
#include <string.h>

#include "elf/dwarf_inline.h"
#include "patch/tables_reader.h"

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
	return pv->sec != NULL;
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

static void scan_cus(struct reader *r, struct patch_var *pv)
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

bool layout_from_dwarf(struct reader *r, struct patch_var *pv)
{
	scan_cus(r, pv);
	return r->lay.have_func && r->lay.have_obj && r->lay.have_patch && layout_sane(&r->lay);
}
