// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inlined copies of functions, from DWARF: every out-of-line function's
 * DW_TAG_inlined_subroutine descendants, named through DW_AT_abstract_origin.
 */
#include <dwarf.h>
#include <elfutils/version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf/dwarf_inline.h"
#include "elf/elf_input.h"

void inline_edges_add(struct inline_edges *e, const char *callee, const char *container,
		      const char *via)
{
	struct inline_edge *it;

	grow_array(&e->v, &e->alloc, e->nr + 1, sizeof(*e->v));
	it = &e->v[e->nr++];
	it->callee = xstrdup(callee);
	it->container = xstrdup(container);
	it->via = via && *via ? xstrdup(via) : NULL;
	it->cu = NULL;
}

void inline_edges_release(struct inline_edges *e)
{
	size_t i;

	for (i = 0; i < e->nr; i++) {
		free(e->v[i].callee);
		free(e->v[i].container);
		free(e->v[i].via);
		free(e->v[i].cu);
	}
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/* The debug information is in the file itself: never look elsewhere. */
static int no_separate_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
				 Dwarf_Addr base, const char *file_name,
				 const char *debuglink_file, GElf_Word debuglink_crc,
				 char **debuginfo_file_name)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name;
	(void)debuglink_file, (void)debuglink_crc, (void)debuginfo_file_name;
	return -1;
}

static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = no_separate_debuginfo,
	.section_address = dwfl_offline_section_address,
};

/* libdwfl's "no DWARF" error code is private: look for the section. */
static bool has_debug_info(Dwfl_Module *mod)
{
	GElf_Addr bias;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *elf;

	elf = dwfl_module_getelf(mod, &bias);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info")))
			return sh.sh_type != SHT_NOBITS;
	}
	return false;
}

/*
 * Checked as every ELF input is, then read by libdwfl: a plain file through
 * the same descriptor, a compressed one from the image decompressed here.
 * libelf's read mode: the check reads only the headers.
 */
static const struct elf_input_want dwarf_want = {
	.flags = ELF_INPUT_DECOMPRESS | ELF_INPUT_SHDRS_IN_FILE,
};

static Dwfl_Module *report(struct dwarf_file *df, struct elf_input *in)
{
	int fd = in->fd;

	if (in->image) {
#if _ELFUTILS_PREREQ(0, 188)
		df->image = in->image;
		in->image = NULL;
		return dwfl_report_offline_memory(df->dwfl, in->path, in->path, df->image,
						  in->size);
#else
		/* No libdwfl interface for an image: it decompresses the file again. */
		fd = -1;
#endif
	}
	/* dwfl takes the descriptor, and closes it in dwfl_end(). */
	in->fd = -1;
	return dwfl_report_offline(df->dwfl, in->path, in->path, fd);
}

int dwarf_file_open(struct dwarf_file *df, const char *path)
{
	struct elf_input in;
	char *msg;

	memset(df, 0, sizeof(*df));
	if (elf_input_open(&in, path, &dwarf_want, &msg)) {
		pr_err("%s", msg);
		free(msg);
		return -1;
	}
	/* libdwfl makes its own descriptor: two on one image could both convert it. */
	elf_end(in.elf);
	in.elf = NULL;
	df->dwfl = dwfl_begin(&offline_callbacks);
	if (!df->dwfl) {
		elf_input_close(&in);
		pr_err("%s: libdwfl: %s", path, dwfl_errmsg(-1));
		return -1;
	}
	df->mod = report(df, &in);
	elf_input_close(&in);
	if (!df->mod || dwfl_report_end(df->dwfl, NULL, NULL)) {
		pr_err("%s: cannot read as ELF: %s", path, dwfl_errmsg(-1));
		dwarf_file_close(df);
		return -1;
	}
	if (!has_debug_info(df->mod)) {
		dwarf_file_close(df);
		return 1;
	}
	df->dw = dwfl_module_getdwarf(df->mod, &df->bias);
	if (!df->dw) {
		pr_err("%s: cannot read its DWARF: %s", path, dwfl_errmsg(-1));
		dwarf_file_close(df);
		return -1;
	}
	return 0;
}

void dwarf_file_close(struct dwarf_file *df)
{
	if (df->dwfl)
		dwfl_end(df->dwfl);
	free(df->image);
	memset(df, 0, sizeof(*df));
}

Dwarf_Die *dwarf_strip_type(Dwarf_Die *die, Dwarf_Die *mem)
{
	Dwarf_Attribute attr;
	int depth;

	/* A bound on the chain: a hostile file may make it loop. */
	for (depth = 0; depth < 64; depth++) {
		if (!dwarf_attr_integrate(die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, mem))
			return NULL;
		die = mem;
		switch (dwarf_tag(die)) {
		case DW_TAG_typedef:
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
		case DW_TAG_atomic_type:
		case DW_TAG_array_type:
			continue;
		default:
			return die;
		}
	}
	return NULL;
}

/* The name of an inlined or concrete instance: that of its abstract origin. */
const char *dwarf_origin_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Die origin;
	const char *name;

	name = dwarf_diename(die);
	if (name)
		return name;
	if (dwarf_attr_integrate(die, DW_AT_abstract_origin, &attr) &&
	    dwarf_formref_die(&attr, &origin))
		return dwarf_diename(&origin);
	return NULL;
}

/* The out-of-line function being walked. */
struct subprog {
	Dwarf_Die die;
	char *name;		/* its symbol name, once needed */
};

struct walk {
	struct dwarf_file *df;
	const struct strset *wanted;
	struct inline_edges *out;
	struct subprog *sub;
	struct strbuf chain;	/* inlined functions above the current DIE */
	const char *cu;		/* the compilation unit's name */
};

/*
 * The symbol at the start of one of the function's ranges: it tells clones
 * apart (DWARF names foo.constprop.0 "foo"). The hot part wins over .cold.
 */
char *dwarf_code_symbol(struct dwarf_file *df, Dwarf_Die *die, const char *dwarf_name)
{
	Dwarf_Addr base, start, end;
	ptrdiff_t off = 0;
	char *best = NULL;
	int n = 0;

	while ((off = dwarf_ranges(die, off, &base, &start, &end)) > 0 && n++ < 16) {
		GElf_Off sym_off;
		GElf_Sym sym;
		const char *name;

		name = dwfl_module_addrinfo(df->mod, start + df->bias, &sym_off, &sym,
					    NULL, NULL, NULL);
		if (!name || sym_off || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
			continue;
		if (!best || (str_ends_with(best, ".cold") && !str_ends_with(name, ".cold"))) {
			free(best);
			best = xstrdup(name);
		}
	}
	return best ? best : xstrdup(dwarf_name ? dwarf_name : "?");
}

static void walk_children(struct walk *w, Dwarf_Die *parent, int depth);

static void walk_die(struct walk *w, Dwarf_Die *die, int depth)
{
	int tag = dwarf_tag(die);

	if (tag == DW_TAG_subprogram) {
		struct subprog *saved = w->sub, sub = { .die = *die };
		size_t saved_len = w->chain.len;
		Dwarf_Addr low;

		/* Only out-of-line instances hold code; abstract ones are templates. */
		if (dwarf_lowpc(die, &low) && !dwarf_hasattr(die, DW_AT_ranges)) {
			walk_children(w, die, depth + 1);
			return;
		}
		w->sub = &sub;
		w->chain.len = 0;
		walk_children(w, die, depth + 1);
		w->sub = saved;
		w->chain.len = saved_len;
		if (w->chain.buf)
			w->chain.buf[saved_len] = '\0';
		free(sub.name);
		return;
	}
	if (tag == DW_TAG_inlined_subroutine && w->sub) {
		const char *name = dwarf_origin_name(die);
		size_t saved_len = w->chain.len;

		if (!name)
			name = "?";
		if (strset_has(w->wanted, name, strlen(name))) {
			/* Named only when it holds a wanted copy: most hold none. */
			if (!w->sub->name)
				w->sub->name = dwarf_code_symbol(w->df, &w->sub->die,
								 dwarf_origin_name(&w->sub->die));
			inline_edges_add(w->out, name, w->sub->name,
					 w->chain.len ? w->chain.buf : NULL);
			if (w->cu)
				w->out->v[w->out->nr - 1].cu = xstrdup(w->cu);
		}
		if (w->chain.len)
			strbuf_add(&w->chain, " > ", 3);
		strbuf_add(&w->chain, name, strlen(name));
		walk_children(w, die, depth + 1);
		w->chain.len = saved_len;
		w->chain.buf[saved_len] = '\0';
		return;
	}
	walk_children(w, die, depth + 1);
}

static void walk_children(struct walk *w, Dwarf_Die *parent, int depth)
{
	Dwarf_Die child;

	/* Real code nests a few dozen deep; a hostile file could recurse forever. */
	if (depth > 256 || dwarf_child(parent, &child) != 0)
		return;
	do
		walk_die(w, &child, depth);
	while (dwarf_siblingof(&child, &child) == 0);
}

int dwarf_find_inlines(const char *path, const struct strset *wanted, struct inline_edges *out)
{
	struct walk w = { .wanted = wanted, .out = out };
	struct dwarf_file df;
	Dwarf_Off off = 0, next;
	size_t hsize;
	int ret;

	ret = dwarf_file_open(&df, path);
	if (ret) {
		if (ret > 0)
			pr_err("%s: no DWARF debug information (build with -g, or give the "
			      "debug package's file)", path);
		return -1;
	}
	w.df = &df;
	while (dwarf_nextcu(df.dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;

		if (dwarf_offdie(df.dw, off + hsize, &cu)) {
			w.cu = dwarf_diename(&cu);
			walk_die(&w, &cu, 0);
		}
		off = next;
	}
	strbuf_release(&w.chain);
	dwarf_file_close(&df);
	return 0;
}
