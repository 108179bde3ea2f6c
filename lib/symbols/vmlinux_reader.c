// SPDX-License-Identifier: GPL-2.0-only
/*
 * How v6.1 builds vmlinux's kallsyms: "nm -n" (address, then name) goes
 * through scripts/mksysmap's filter, then scripts/kallsyms drops a few more
 * names and types and re-sorts equal addresses: non-weak before weak,
 * ordinary names before linker-script-provided ones (__start_*, *_end...),
 * fewer leading underscores first, else the order it read.
 */
#include <ctype.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "elf/elf_input.h"
#include "symbols/symmap.h"
#include "base/lines.h"
#include "base/util.h"
#include "symbols/vmlinux_reader.h"

struct cand {
	const char *name;
	uint64_t addr;
	size_t seq;
	char type;
};

struct cands {
	struct cand *v;
	size_t nr, alloc;
	bool by_name;		/* ties not yet in nm's name order */
};

static bool has_prefix(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strncmp(s, *list, strlen(*list)))
			return true;
	return false;
}

static bool has_suffix(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (str_ends_with(s, *list))
			return true;
	return false;
}

/* scripts/mksysmap: types a, N, U, w and a few compiler/modversions names. */
static bool mksysmap_drops(const char *name, char type)
{
	static const char *const prefixes[] = {
		"$", ".L", "__crc_", "__kstrtab_", "__kstrtabns_", NULL
	};

	return strchr("aNUw", type) || has_prefix(name, prefixes) || !strcmp(name, "L0");
}

/* scripts/kallsyms is_ignored_symbol() of v6.1. */
static bool kallsyms_drops(const char *name, char type)
{
	static const char *const names[] = {
		"kallsyms_addresses", "kallsyms_offsets", "kallsyms_relative_base",
		"kallsyms_num_syms", "kallsyms_names", "kallsyms_markers",
		"kallsyms_token_table", "kallsyms_token_index", "_SDA_BASE_",
		"_SDA2_BASE_", NULL
	};
	static const char *const prefixes[] = {
		"$", ".L", "__crc_", "__efistub_", "__kvm_nvhe_$", "__kvm_nvhe_.L",
		"__AArch64ADRPThunk_", "__ARMV5PILongThunk_", "__ARMV7PILongThunk_",
		"__ThumbV7PILongThunk_", "__LA25Thunk_", "__microLA25Thunk_", NULL
	};
	static const char *const suffixes[] = { "_from_arm", "_from_thumb", "_veneer", NULL };
	static const char *const kept_abs[] = {
		"__kernel_syscall_via_break", "__kernel_syscall_via_epc",
		"__kernel_sigtramp", "__gp", NULL
	};
	const char *const *p;

	for (p = names; *p; p++)
		if (!strcmp(name, *p))
			return true;
	if (has_prefix(name, prefixes) || has_suffix(name, suffixes) ||
	    strstr(name, ".long_branch.") || strstr(name, ".plt_branch."))
		return true;
	if (strchr("UuNn", type))
		return true;
	if (toupper((unsigned char)type) == 'A') {
		for (p = kept_abs; *p; p++)
			if (!strcmp(name, *p))
				return false;
		return true;
	}
	return false;
}

static void add_cand(struct cands *c, const char *name, uint64_t addr, char type)
{
	struct cand *e;

	if (!*name || mksysmap_drops(name, type) || kallsyms_drops(name, type))
		return;
	grow_array(&c->v, &c->alloc, c->nr + 1, sizeof(*c->v));
	e = &c->v[c->nr];
	e->name = name;
	e->addr = addr;
	e->type = type;
	e->seq = c->nr++;
}

static bool is_weak(const struct cand *c)
{
	return c->type == 'w' || c->type == 'W';
}

/* __start_X, __stop_X, __end_X, __X_start, __X_end. */
static bool linker_provided(const struct cand *c)
{
	const char *s = c->name;
	size_t len = strlen(s);

	if (len < 8 || s[0] != '_' || s[1] != '_')
		return false;
	return !strncmp(s + 2, "start_", 6) || !strncmp(s + 2, "stop_", 5) ||
	       !strncmp(s + 2, "end_", 4) || !strcmp(s + len - 6, "_start") ||
	       !strcmp(s + len - 4, "_end");
}

static int cmp_cand(const void *pa, const void *pb, void *arg)
{
	const struct cand *a = pa, *b = pb;
	const struct cands *c = arg;
	int wa, wb;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	wa = is_weak(a), wb = is_weak(b);
	if (wa != wb)
		return wa - wb;
	wa = linker_provided(a), wb = linker_provided(b);
	if (wa != wb)
		return wa - wb;
	wa = strspn(a->name, "_"), wb = strspn(b->name, "_");
	if (wa != wb)
		return wa - wb;
	if (c->by_name) {
		int r = strcmp(a->name, b->name);

		if (r)
			return r;
	}
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/*
 * --absolute-percpu (x86_64 SMP, whose per-CPU area starts at 0): kallsyms
 * lists the per-CPU symbols as 'A'.
 */
static void absolute_percpu(struct cands *c)
{
	uint64_t start = UINT64_MAX, end = 0;
	size_t i;

	for (i = 0; i < c->nr; i++) {
		if (!strcmp(c->v[i].name, "__per_cpu_start"))
			start = c->v[i].addr;
		else if (!strcmp(c->v[i].name, "__per_cpu_end"))
			end = c->v[i].addr;
	}
	if (start != 0)
		return;
	for (i = 0; i < c->nr; i++)
		if (c->v[i].addr <= end)
			c->v[i].type = 'A';
}

static int finish(struct cands *c, const char *path, struct symlist *out)
{
	size_t i;

	if (!c->nr) {
		pr_err("%s: no symbols that kallsyms would keep", path);
		return -1;
	}
	absolute_percpu(c);
	qsort_r(c->v, c->nr, sizeof(*c->v), cmp_cand, c);
	out->name = xstrdup("vmlinux");
	out->path = xstrdup(path);
	for (i = 0; i < c->nr; i++)
		symlist_add(out, c->v[i].name, c->v[i].addr, c->v[i].type, 0);
	symlist_mark_ksymtab_exports(out);
	return 0;
}

/* ELF ------------------------------------------------------------------------ */

/* binutils' nm letter for an ELF section (bfd decode_section_type()). */
static char nm_section_letter(const GElf_Shdr *sh, const char *name)
{
	bool alloc = sh->sh_flags & SHF_ALLOC, contents = sh->sh_type != SHT_NOBITS;

	if (sh->sh_flags & SHF_EXECINSTR)
		return 't';
	if (alloc && contents)
		return sh->sh_flags & SHF_WRITE ? 'd' : 'r';
	if (!contents)
		return 'b';
	if (!strncmp(name, ".debug", 6) || !strncmp(name, ".zdebug", 7) ||
	    !strncmp(name, ".stab", 5) || !strncmp(name, ".line", 5) ||
	    !strncmp(name, ".gnu.linkonce.wi.", 17))
		return 'N';
	return sh->sh_flags & SHF_WRITE ? '?' : 'n';
}

static char nm_letter(const GElf_Sym *sym, const char *sec_letters, size_t shnum)
{
	int bind = GELF_ST_BIND(sym->st_info), type = GELF_ST_TYPE(sym->st_info);
	char c;

	if (sym->st_shndx == SHN_UNDEF)
		return bind == STB_WEAK ? (type == STT_OBJECT ? 'v' : 'w') : 'U';
	if (sym->st_shndx == SHN_COMMON)
		return 'C';
	if (type == STT_GNU_IFUNC)
		return 'i';
	if (bind == STB_WEAK)
		return type == STT_OBJECT ? 'V' : 'W';
	if (bind == STB_GNU_UNIQUE)
		return 'u';
	if (sym->st_shndx == SHN_ABS)
		c = 'a';
	else if (sym->st_shndx < shnum)
		c = sec_letters[sym->st_shndx];
	else
		return '?';
	return bind == STB_GLOBAL ? toupper((unsigned char)c) : c;
}

struct velf {
	const char *path;
	struct elf_input in;
	Elf *elf;		/* in.elf */
	char *letters;
	size_t shnum;
	Elf_Scn *symtab;
};

static int velf_error(const struct velf *v, const char *what)
{
	pr_err("%s: %s: %s", v->path, what, elf_errmsg(-1));
	return -1;
}

static int velf_sections(struct velf *v)
{
	size_t shstrndx = v->in.shstrndx;
	bool code = false, btf = false;
	Elf_Scn *scn = NULL;

	v->letters = xcalloc(v->shnum + 1, 1);
	while ((scn = elf_nextscn(v->elf, scn))) {
		size_t i = elf_ndxscn(scn);
		const char *name;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(v->elf, shstrndx, sh.sh_name)))
			return velf_error(v, "bad section header");
		if (i < v->shnum)
			v->letters[i] = nm_section_letter(&sh, name);
		if (sh.sh_type == SHT_SYMTAB)
			v->symtab = scn;
		code |= sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_EXECINSTR);
		btf |= !strcmp(name, ".BTF");
	}
	/*
	 * linux-headers ships vmlinux with .BTF and a few hundred symbols only,
	 * for resolve_btfids: its map would lack almost every function.
	 */
	if (!code) {
		pr_err("%s: %s: no code, so not the kernel's symbols; use the linux-image-"
		       "<release>-dbg package's vmlinux or System.map, or --kallsyms", v->path,
		       btf ? "a BTF-only vmlinux (as linux-headers ships)" : "no executable section");
		return -1;
	}
	if (!v->symtab) {
		pr_err("%s: no .symtab (stripped? use the -dbg package's vmlinux)", v->path);
		return -1;
	}
	return 0;
}

static int velf_symbols(struct velf *v, struct cands *c)
{
	Elf_Data *syms, *strs;
	GElf_Shdr sh;
	size_t i, n;

	if (!gelf_getshdr(v->symtab, &sh))
		return velf_error(v, "bad .symtab header");
	syms = elf_getdata(v->symtab, NULL);
	strs = elf_getdata(elf_getscn(v->elf, sh.sh_link), NULL);
	if (!syms || !strs || !strs->d_size)
		return velf_error(v, "cannot read .symtab or its string table (truncated?)");
	if (sh.sh_entsize != gelf_fsize(v->elf, ELF_T_SYM, 1, EV_CURRENT)) {
		pr_err("%s: bad .symtab entry size", v->path);
		return -1;
	}
	if (((const char *)strs->d_buf)[strs->d_size - 1]) {
		pr_err("%s: string table not NUL-terminated", v->path);
		return -1;
	}
	n = syms->d_size / sh.sh_entsize;
	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		int type;

		if (!gelf_getsym(syms, i, &sym))
			return velf_error(v, "bad symbol");
		type = GELF_ST_TYPE(sym.st_info);
		/* nm shows neither section nor file symbols. */
		if (type == STT_SECTION || type == STT_FILE || sym.st_name >= strs->d_size)
			continue;
		add_cand(c, (const char *)strs->d_buf + sym.st_name, sym.st_value,
			 nm_letter(&sym, v->letters, v->shnum));
	}
	return 0;
}

/* Mapped: one large file, whose symbol and string tables are read whole. */
static const struct elf_input_want vmlinux_want = {
	.flags = ELF_INPUT_MMAP | ELF_INPUT_SHDRS_IN_FILE,
	.types = ELF_TYPE_BIT(ET_EXEC) | ELF_TYPE_BIT(ET_DYN),
	.type_error = "not a linked vmlinux (ELF type %u)",
};

int vmlinux_read_elf(const char *path, struct symlist *out)
{
	struct velf v = { .path = path };
	struct cands c = { .by_name = true };
	char *msg;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (elf_input_open(&v.in, path, &vmlinux_want, &msg)) {
		pr_err("%s", msg);
		free(msg);
		return -1;
	}
	v.elf = v.in.elf;
	v.shnum = v.in.shnum;
	if (!velf_sections(&v) && !velf_symbols(&v, &c))
		ret = finish(&c, path, out);
	/* The names live in the ELF image: copy them before it goes. */
	if (!ret)
		symlist_own_names(out);
	free(c.v);
	free(v.letters);
	elf_input_close(&v.in);
	return ret;
}

/* System.map ----------------------------------------------------------------- */

#define DEBIAN_STUB "The real System.map is in the linux-image-"

static int parse_map_line(char *line, const char **name, uint64_t *addr, char *type)
{
	char *f[4], *p = line, *end;
	int n = 0;

	while (n < 4 && (f[n] = strtok_r(n ? NULL : p, " \t\r", &end)))
		n++;
	if (n != 3 || strlen(f[0]) > 16 || f[0][strspn(f[0], "0123456789abcdefABCDEF")] ||
	    f[1][1] || !(isalpha((unsigned char)f[1][0]) || f[1][0] == '?'))
		return -1;
	*addr = strtoull(f[0], NULL, 16);
	*type = f[1][0];
	*name = f[2];
	return 0;
}

int vmlinux_read_system_map(const char *path, struct symlist *out)
{
	struct cands c = { .by_name = false };
	struct mapped_file mf;
	struct lines lr;
	char *buf, *end;
	size_t size;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (map_file(&mf, path))
		return -1;
	size = mf.size;
	buf = xmalloc(size + 1);
	memcpy(buf, mf.data, size);
	buf[size] = '\0';
	end = buf + size;
	unmap_file(&mf);
	/* Debian ships a one-line file pointing at the -dbg package. */
	if (strstr(buf, DEBIAN_STUB) && (!memchr(buf, '\n', size) ||
					 memchr(buf, '\n', size) == end - 1)) {
		pr_err("%s: this is Debian's one-line placeholder, not a System.map; install the "
		      "linux-image-<release>-dbg package and use its System.map or vmlinux, or "
		      "use --kallsyms", path);
		free(buf);
		return -1;
	}
	lr = (struct lines){ .path = path, .p = buf, .end = end };
	while (!ret && lines_next(&lr)) {
		/* The copy is ours: the line may be NUL-terminated in place. */
		char *line = buf + (lr.line - buf);
		const char *name;
		uint64_t addr;
		char type;

		line[lr.len] = '\0';
		if (lines_blank(&lr))
			continue;
		if (strlen(line) != lr.len || parse_map_line(line, &name, &addr, &type)) {
			pr_err("%s:%lu: expected 'ADDRESS TYPE NAME' (nm -n output)", path, lr.lineno);
			ret = -1;
			break;
		}
		add_cand(&c, name, addr, type);
	}
	if (!ret)
		ret = finish(&c, path, out);
	free(c.v);
	if (ret)
		free(buf);
	else
		out->strings = buf;
	return ret;
}
