// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel modules as kallsyms sees them once loaded. The loader
 * (kernel/module/main.c and kallsyms.c of v6.1) keeps symbol i when it is
 * defined in a real section, has a name, and its section is allocated and
 * not laid out in init memory; .modinfo and __versions lose SHF_ALLOC before
 * that test, and .data..percpu symbols stay under CONFIG_KALLSYMS_ALL.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elf/elf_input.h"
#include "elf/module_info.h"
#include "symbols/module_reader.h"
#include "symbols/symmap.h"
#include "base/dir_walk.h"
#include "base/util.h"

bool module_file_name(const char *name)
{
	return str_ends_with(name, ".ko") || str_ends_with(name, ".ko.xz") ||
	       str_ends_with(name, ".ko.zst") || str_ends_with(name, ".ko.gz");
}

/* ELF scanning --------------------------------------------------------------- */

struct sec_info {
	unsigned char keep;	/* KEEP_* */
	char type;		/* kernel elf_type() letter for symbols defined here */
};

enum { KEEP_NONE, KEEP_CORE, KEEP_INIT };

struct scan {
	const char *path;
	Elf *elf;
	size_t shnum, shstrndx;
	struct sec_info *secs;
	Elf_Scn *symtab;
	const char *modinfo;
	size_t modinfo_size;
	const char *this_module;
	size_t this_module_size;
	char **err;
};

static int elf_fail(struct scan *sc, const char *what)
{
	*sc->err = xasprintf("%s: %s: %s", sc->path, what, elf_errmsg(-1));
	return -1;
}

static const char *section_bytes(Elf_Scn *scn, size_t *size)
{
	Elf_Data *d = elf_getdata(scn, NULL);

	/* A second, empty .modinfo must not leave the first one's size behind. */
	*size = d && d->d_buf ? d->d_size : 0;
	return *size ? d->d_buf : NULL;
}

/*
 * kernel/module/kallsyms.c elf_type(), for a section; ARCH_SHF_SMALL ('g', 's')
 * is 0 on every livepatch architecture (only ia64 has small data).
 */
static char section_letter(const GElf_Shdr *sh)
{
	if (sh->sh_flags & SHF_EXECINSTR)
		return 't';
	if ((sh->sh_flags & SHF_ALLOC) && sh->sh_type != SHT_NOBITS)
		return sh->sh_flags & SHF_WRITE ? 'd' : 'r';
	if (sh->sh_type == SHT_NOBITS)
		return 'b';
	return '?';
}

static void classify_section(struct scan *sc, size_t i, const GElf_Shdr *sh, const char *name)
{
	struct sec_info *si = &sc->secs[i];

	si->type = section_letter(sh);
	/* The loader strips SHF_ALLOC from these two before deciding. */
	if (!strcmp(name, ".modinfo") || !strcmp(name, "__versions") ||
	    !(sh->sh_flags & SHF_ALLOC))
		si->keep = KEEP_NONE;
	else if (!strcmp(name, ".data..percpu"))
		si->type = 'a', si->keep = KEEP_CORE;
	else if (!strncmp(name, ".init", 5))
		si->keep = KEEP_INIT;
	else
		si->keep = KEEP_CORE;
}

static int scan_sections(struct scan *sc)
{
	Elf_Scn *scn = NULL;

	sc->secs = xcalloc(sc->shnum ? sc->shnum : 1, sizeof(*sc->secs));
	while ((scn = elf_nextscn(sc->elf, scn))) {
		size_t i = elf_ndxscn(scn);
		const char *name;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			return elf_fail(sc, "cannot read a section header");
		name = elf_strptr(sc->elf, sc->shstrndx, sh.sh_name);
		if (!name)
			return elf_fail(sc, "bad section name");
		if (i < sc->shnum)
			classify_section(sc, i, &sh, name);
		if (sh.sh_type == SHT_SYMTAB)
			sc->symtab = scn;
		else if (!strcmp(name, ".modinfo") && sh.sh_type != SHT_NOBITS)
			sc->modinfo = section_bytes(scn, &sc->modinfo_size);
		else if (!strcmp(name, ".gnu.linkonce.this_module") && sh.sh_type != SHT_NOBITS)
			sc->this_module = section_bytes(scn, &sc->this_module_size);
	}
	if (elf_errno())
		return elf_fail(sc, "cannot read the sections");
	return 0;
}

static const char *modinfo_value(const struct scan *sc, const char *key)
{
	return modinfo_find(sc->modinfo, sc->modinfo_size, key);
}

/*
 * Without modpost's name=, struct module's name field: it follows the state
 * enum and a list_head, offset 24 on 64-bit and 12 on 32-bit.
 */
static char *this_module_name(const struct scan *sc)
{
	size_t off = gelf_getclass(sc->elf) == ELFCLASS64 ? 24 : 12, len;
	const char *p;

	if (!sc->this_module || sc->this_module_size < off + MAP_OBJNAME_MAX + 1)
		return NULL;
	p = sc->this_module + off;
	len = strnlen(p, MAP_OBJNAME_MAX + 1);
	if (!len || len > MAP_OBJNAME_MAX)
		return NULL;
	return strndup(p, len);
}

static char *file_module_name(const char *path)
{
	const char *base = strrchr(path, '/');
	char *name, *dot;

	name = module_runtime_name(base ? base + 1 : path);
	dot = strstr(name, ".ko");
	if (dot)
		*dot = '\0';
	return name;
}

static int find_name(struct scan *sc, struct module_file *mf)
{
	const char *v;
	char *name;

	mf->livepatch = (v = modinfo_value(sc, "livepatch")) && !strcmp(v, "Y");
	v = modinfo_value(sc, "name");
	if (v)
		name = module_runtime_name(v);
	else if (!(name = this_module_name(sc)) || !symmap_valid_objname(name)) {
		free(name);
		name = file_module_name(sc->path);
	}
	if (!symmap_valid_objname(name)) {
		*sc->err = xasprintf("%s: invalid module name '%s'", sc->path, name);
		free(name);
		return -1;
	}
	mf->syms.name = name;
	return 0;
}

#define KSYMTAB "__ksymtab_"

/* Module exports: globals with a __ksymtab_<name> entry, shown upper case by kallsyms. */
static void mark_exports(struct symlist *l, const unsigned char *global)
{
	struct strset exported = { 0 };
	size_t i, plen = strlen(KSYMTAB);

	for (i = 0; i < l->nr; i++)
		if (!strncmp(l->syms[i].name, KSYMTAB, plen) && l->syms[i].name[plen])
			strset_add(&exported, l->syms[i].name + plen);
	for (i = 0; exported.ht.nr && i < l->nr; i++) {
		struct lsym *s = &l->syms[i];

		if (global[i] && strset_has(&exported, s->name, strlen(s->name))) {
			s->flags |= MAP_EXPORTED;
			if (s->type >= 'a' && s->type <= 'z')
				s->type += 'A' - 'a';
		}
	}
	strset_free(&exported);
}

static char symbol_letter(const struct scan *sc, const GElf_Sym *sym)
{
	if (GELF_ST_BIND(sym->st_info) == STB_WEAK)
		return GELF_ST_TYPE(sym->st_info) == STT_OBJECT ? 'v' : 'w';
	return sc->secs[sym->st_shndx].type;
}

/*
 * gas's local labels: "1:" is ".L1\002<n>", "1$:" ".L1\001<n>". They stay in
 * .symtab when a PC-relative reference into a SHF_MERGE section needs them,
 * as s390x's __bug_table does with .rodata.str. No livepatch can name them
 * and no other name's sympos counts them; the map could not carry them.
 */
static bool gas_local_label(const char *name)
{
	return !strncmp(name, ".L", 2) && strpbrk(name + 2, "\001\002");
}

static int scan_symbols(struct scan *sc, struct symlist *l)
{
	Elf_Data *syms, *strs;
	unsigned char *global;
	GElf_Shdr sh;
	size_t i, n;

	if (!sc->symtab)
		return *sc->err = xasprintf("%s: no .symtab (stripped?)", sc->path), -1;
	if (!gelf_getshdr(sc->symtab, &sh) || sh.sh_link >= sc->shnum)
		return elf_fail(sc, "bad .symtab header");
	syms = elf_getdata(sc->symtab, NULL);
	strs = elf_getdata(elf_getscn(sc->elf, sh.sh_link), NULL);
	if (!syms || !strs || !strs->d_size || !strs->d_buf)
		return elf_fail(sc, "cannot read .symtab or its string table (truncated?)");
	if (((const char *)strs->d_buf)[strs->d_size - 1])
		return *sc->err = xasprintf("%s: string table not NUL-terminated", sc->path), -1;
	if (sh.sh_entsize != gelf_fsize(sc->elf, ELF_T_SYM, 1, EV_CURRENT))
		return *sc->err = xasprintf("%s: bad .symtab entry size", sc->path), -1;
	n = syms->d_size / sh.sh_entsize;
	global = xmalloc(n ? n : 1);
	for (i = 1; i < n; i++) {
		GElf_Sym sym;

		if (!gelf_getsym(syms, i, &sym)) {
			free(global);
			return elf_fail(sc, "bad symbol");
		}
		if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= sc->shnum || !sym.st_name ||
		    sym.st_name >= strs->d_size || sc->secs[sym.st_shndx].keep == KEEP_NONE)
			continue;
		if (GELF_ST_BIND(sym.st_info) == STB_LOCAL &&
		    gas_local_label((const char *)strs->d_buf + sym.st_name))
			continue;
		global[l->nr] = GELF_ST_BIND(sym.st_info) != STB_LOCAL;
		symlist_add(l, (const char *)strs->d_buf + sym.st_name, sym.st_value, symbol_letter(sc, &sym),
			    sc->secs[sym.st_shndx].keep == KEEP_INIT ? MAP_INIT : 0);
	}
	mark_exports(l, global);
	free(global);
	return 0;
}

/*
 * Plain files go through libelf's read mode (no ELF_INPUT_MMAP), which
 * preads only the headers and the sections asked for: mapping 4,000 files
 * costs more in munmap() TLB shootdowns than reading their symbol tables.
 */
static const struct elf_input_want module_want = {
	.flags = ELF_INPUT_DECOMPRESS | ELF_INPUT_SHDRS_IN_FILE,
	.types = ELF_TYPE_BIT(ET_REL),
	.type_error = "not a kernel module (ELF type is not ET_REL)",
};

static int read_module(const char *path, struct module_file *mf, bool symbols)
{
	struct scan sc = { .path = path, .err = &mf->err };
	int ret;

	memset(mf, 0, sizeof(*mf));
	ret = elf_input_open(&mf->in, path, &module_want, &mf->err);
	if (!ret) {
		mf->dev = mf->in.st.st_dev;
		mf->ino = mf->in.st.st_ino;
		sc.elf = mf->in.elf;
		sc.shnum = mf->in.shnum;
		sc.shstrndx = mf->in.shstrndx;
		ret = scan_sections(&sc);
	}
	if (!ret)
		ret = find_name(&sc, mf);
	if (!ret && symbols && !mf->livepatch)
		ret = scan_symbols(&sc, &mf->syms);
	mf->syms.path = xstrdup(path);
	free(sc.secs);
	/*
	 * The reader runs ahead of the map by a window of modules: holding
	 * each one's file (a decompressed image of up to tens of MB) until the
	 * map takes its symbols would multiply the memory by the window.
	 */
	symlist_own_names(&mf->syms);
	elf_input_close(&mf->in);
	return ret;
}

int module_read(const char *path, struct module_file *mf)
{
	return read_module(path, mf, true);
}

int module_read_name(const char *path, struct module_file *mf)
{
	return read_module(path, mf, false);
}

void module_file_release(struct module_file *mf)
{
	elf_input_close(&mf->in);
	symlist_release(&mf->syms);
	free(mf->err);
	mf->err = NULL;
}

/* Tree walk ------------------------------------------------------------------ */

int module_tree_list(const char *dir, char ***paths, size_t *nr)
{
	struct dir_list dl = { 0 };
	int ret = dir_list_files(&dl, dir, module_file_name);

	*paths = dl.paths;
	*nr = dl.nr;
	return ret;
}
