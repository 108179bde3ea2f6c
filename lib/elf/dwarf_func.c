// SPDX-License-Identifier: GPL-2.0-only
/*
 * One function as an object's DWARF describes it: its declaration and the
 * out-of-line instances the compiler emitted. C puts every function at the
 * top of its compilation unit, so one level of each CU is read.
 */
#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#include "elf/dwarf_func.h"
#include "elf/dwarf_inline.h"

/* Relative to the compilation directory when under it, as the build named it. */
static void read_decl(Dwarf_Die *die, const char *comp_dir, struct dwarf_func *out)
{
	Dwarf_Attribute attr;
	Dwarf_Word inl;
	const char *file;
	int line;

	out->found = true;
	file = dwarf_decl_file(die);
	if (file && !out->decl_file) {
		size_t n = comp_dir ? strlen(comp_dir) : 0;

		if (n && !strncmp(file, comp_dir, n) && file[n] == '/')
			file += n + 1;
		out->decl_file = xstrdup(file);
	}
	if (!dwarf_decl_line(die, &line) && line > 0)
		out->decl_line = line;
	out->external = dwarf_hasattr_integrate(die, DW_AT_external);
	if (dwarf_attr_integrate(die, DW_AT_inline, &attr) && !dwarf_formudata(&attr, &inl))
		out->declared_inline = inl == DW_INL_declared_inlined ||
				       inl == DW_INL_declared_not_inlined;
}

static void add_instance(struct dwarf_file *df, Dwarf_Die *die, const char *name,
			 struct dwarf_func *out)
{
	struct dwarf_instance *in;
	Dwarf_Attribute attr;
	Dwarf_Word cc = DW_CC_normal;

	if (dwarf_attr_integrate(die, DW_AT_calling_convention, &attr))
		dwarf_formudata(&attr, &cc);
	grow_array(&out->inst, &out->alloc_inst, out->nr_inst + 1, sizeof(*out->inst));
	in = &out->inst[out->nr_inst++];
	in->symbol = dwarf_code_symbol(df, die, name);
	in->calling_convention = cc;
}

int dwarf_func_read(const char *path, const char *name, struct dwarf_func *out)
{
	struct dwarf_file df;
	Dwarf_Off off = 0, next;
	size_t hsize;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = dwarf_file_open(&df, path);
	if (ret) {
		if (ret > 0)
			pr_err("%s: no DWARF debug information (build with -g)", path);
		return -1;
	}
	while (dwarf_nextcu(df.dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, die;
		bool ok = dwarf_offdie(df.dw, off + hsize, &cu) && dwarf_child(&cu, &die) == 0;
		Dwarf_Attribute attr;
		const char *comp_dir;

		off = next;
		if (!ok)
			continue;
		comp_dir = dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &attr));
		do {
			const char *own, *origin;
			Dwarf_Addr low;

			if (dwarf_tag(&die) != DW_TAG_subprogram)
				continue;
			own = dwarf_diename(&die);
			if (own && !strcmp(own, name) && !out->decl_file)
				read_decl(&die, comp_dir, out);
			if (dwarf_lowpc(&die, &low) && !dwarf_hasattr(&die, DW_AT_ranges))
				continue;
			origin = dwarf_origin_name(&die);
			if (origin && !strcmp(origin, name)) {
				if (!out->found)
					read_decl(&die, comp_dir, out);
				add_instance(&df, &die, name, out);
			}
		} while (dwarf_siblingof(&die, &die) == 0);
	}
	dwarf_file_close(&df);
	return 0;
}

void dwarf_func_release(struct dwarf_func *f)
{
	size_t i;

	for (i = 0; i < f->nr_inst; i++)
		free(f->inst[i].symbol);
	free(f->inst);
	free(f->decl_file);
	memset(f, 0, sizeof(*f));
}
