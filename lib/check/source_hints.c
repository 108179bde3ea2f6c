// SPDX-License-Identifier: GPL-2.0-only
/*
 * Source lines of ambiguous names, through libdwfl.
 */
#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#include "check/source_hints.h"

static int cmp_addr(const void *a, const void *b)
{
	const GElf_Addr *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* Where the function at addr is declared: its DWARF, else its first line. */
static void decl_of(struct dwarf_file *df, GElf_Addr addr, const char **file, int *line)
{
	Dwarf_Die *cu, *scopes = NULL;
	Dwarf_Addr bias;
	Dwfl_Line *l;
	int i, n;

	cu = dwfl_module_addrdie(df->mod, addr, &bias);
	n = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : -1;
	for (i = 0; i < n; i++) {
		if (dwarf_tag(&scopes[i]) != DW_TAG_subprogram)
			continue;
		*file = dwarf_decl_file(&scopes[i]);
		if (*file && !dwarf_decl_line(&scopes[i], line)) {
			free(scopes);
			return;
		}
		break;
	}
	free(scopes);
	l = dwfl_module_getsrc(df->mod, addr);
	*file = l ? dwfl_lineinfo(l, NULL, line, NULL, NULL, NULL) : NULL;
}

/*
 * The addresses of name's definitions in path, in the order sympos numbers
 * them: address order for vmlinux, symbol-table order for a module. Zero
 * when path is not the kind of file object lives in.
 */
static size_t namesakes(struct dwarf_file *df, const char *object, const char *name,
			GElf_Addr **addrs)
{
	size_t nr = 0, alloc = 0;
	GElf_Addr bias;
	GElf_Ehdr eh;
	Elf *elf;
	int i, n;

	elf = dwfl_module_getelf(df->mod, &bias);
	n = dwfl_module_getsymtab(df->mod);
	if (!elf || !gelf_getehdr(elf, &eh) || n <= 0)
		return 0;
	/* A module's debug file for a module object, vmlinux for vmlinux. */
	if ((eh.e_type == ET_REL) != !!strcmp(object, "vmlinux"))
		return 0;
	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *s;

		s = dwfl_module_getsym_info(df->mod, i, &sym, &addr, &shndx, NULL, NULL);
		if (!s || strcmp(s, name) || shndx == SHN_UNDEF ||
		    GELF_ST_TYPE(sym.st_info) == STT_SECTION ||
		    GELF_ST_TYPE(sym.st_info) == STT_FILE)
			continue;
		grow_array(addrs, &alloc, nr + 1, sizeof(**addrs));
		(*addrs)[nr++] = addr;
	}
	if (eh.e_type != ET_REL && nr)
		qsort(*addrs, nr, sizeof(**addrs), cmp_addr);
	return nr;
}

/*
 * The debug information of the target numbers namesakes as sympos does and
 * knows each one's source line; a count other than the map's means another
 * build, whose lines would mislead.
 */
static void source_hints(struct finding *f, const char *path, const char *object,
			 const char *name, unsigned int expected)
{
	GElf_Addr *addrs = NULL;
	struct dwarf_file df;
	size_t nr, k;

	if (dwarf_file_open(&df, path))
		return;
	nr = namesakes(&df, object, name, &addrs);
	if (nr != expected) {
		if (nr)
			finding_note(f, "%s has %zu %s, the map %u: not the same build, no "
				     "source lines", path, nr, name, expected);
	} else {
		for (k = 0; k < nr; k++) {
			const char *file = NULL;
			int lineno = 0;

			decl_of(&df, addrs[k], &file, &lineno);
			finding_note(f, ".old_sympos = %-3zu is %s:%d", k + 1,
				     file ? file : "?", lineno);
		}
	}
	free(addrs);
	dwarf_file_close(&df);
}

void source_hints_add(struct klp_check *c)
{
	size_t i, j;

	for (i = 0; i < c->rep.nr; i++) {
		struct finding *f = &c->rep.items[i];
		const struct map_object *mobj;
		unsigned int count;

		if (strcmp(f->code, "sympos-missing") && strcmp(f->code, "sympos-range"))
			continue;
		mobj = symmap_find_object(c->map, f->object);
		count = mobj ? symmap_count_in(symmap_lookup(c->map, f->function), mobj) : 0;
		for (j = 0; count > 1 && j < c->o->nr_debuginfo; j++)
			source_hints(f, c->o->debuginfo[j], f->object, f->function, count);
	}
}
