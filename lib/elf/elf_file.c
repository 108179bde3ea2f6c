// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading a kernel module into the model of elf.h and writing it back.
 *
 * Everything an index or an offset in the input could get wrong is checked
 * here, once, so the rest of the code may follow pointers without checking.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf/elf_file.h"
#include "elf/elf_input.h"

/* The largest page size of a livepatch architecture (ppc64le: 64 KiB). */
#define MAX_SECTION_ALIGN 0x10000

#define elf_err(elf, fmt, ...) pr_err("%s: " fmt, (elf)->path, ##__VA_ARGS__)
#define libelf_err(elf, what) pr_err("%s: %s: %s", (elf)->path, what, elf_errmsg(-1))

static struct section *new_section(struct elf_file *elf)
{
	struct section *sec = xcalloc(1, sizeof(*sec));

	grow_array(&elf->secs, &elf->alloc_secs, elf->nr_secs + 1, sizeof(*elf->secs));
	sec->elf = elf;
	sec->idx = elf->nr_secs;
	elf->secs[elf->nr_secs++] = sec;
	return sec;
}

static bool section_has_link(const GElf_Shdr *sh)
{
	switch (sh->sh_type) {
	case SHT_SYMTAB:
	case SHT_RELA:
	case SHT_GROUP:
		return true;
	default:
		return sh->sh_flags & SHF_LINK_ORDER;
	}
}

static bool section_info_is_section(const GElf_Shdr *sh)
{
	return sh->sh_type == SHT_RELA || (sh->sh_flags & SHF_INFO_LINK);
}

static int read_section_data(struct elf_file *elf, struct section *sec, Elf_Scn *scn)
{
	Elf_Data *data;

	sec->size = sec->sh.sh_size;
	if (sec->sh.sh_type == SHT_NOBITS || !sec->sh.sh_size)
		return 0;
	/* Raw bytes: copied as they are, whatever the byte order. */
	data = elf_rawdata(scn, NULL);
	if (!data || data->d_size != sec->sh.sh_size) {
		size_t file_size = 0;

		/* libelf also refuses a size that is not a multiple of the entry size. */
		elf_rawfile(elf->elf, &file_size);
		if (sec->sh.sh_entsize && sec->sh.sh_size % sec->sh.sh_entsize)
			elf_err(elf, "section %zu (%s): size 0x%llx is not a multiple of its entry "
				"size %llu", sec->idx, sec->name, (unsigned long long)sec->sh.sh_size,
				(unsigned long long)sec->sh.sh_entsize);
		else if (sec->sh.sh_offset <= file_size &&
			 sec->sh.sh_size <= file_size - sec->sh.sh_offset)
			elf_err(elf, "section %zu (%s): cannot read its 0x%llx bytes: %s", sec->idx,
				sec->name, (unsigned long long)sec->sh.sh_size, elf_errmsg(-1));
		else
			elf_err(elf, "section %zu (%s): offset 0x%llx and size 0x%llx lie outside "
				"the file", sec->idx, sec->name,
				(unsigned long long)sec->sh.sh_offset,
				(unsigned long long)sec->sh.sh_size);
		return -1;
	}
	sec->data = data->d_buf;
	return 0;
}

static int read_sections(struct elf_file *elf)
{
	size_t nr, shstrndx, i;
	GElf_Shdr shstr;
	Elf_Scn *scn;

	if (elf_getshdrnum(elf->elf, &nr) || elf_getshdrstrndx(elf->elf, &shstrndx)) {
		libelf_err(elf, "cannot read the section headers");
		return -1;
	}
	if (nr < 2 || shstrndx == SHN_UNDEF || shstrndx >= nr) {
		elf_err(elf, "no section headers or no section name table");
		return -1;
	}
	/* Checked first: elf_strptr() fails on any other type, which would blame a name. */
	scn = elf_getscn(elf->elf, shstrndx);
	if (!scn || !gelf_getshdr(scn, &shstr) || shstr.sh_type != SHT_STRTAB) {
		elf_err(elf, "the section name table (section %zu) is not SHT_STRTAB", shstrndx);
		return -1;
	}
	new_section(elf)->name = "";
	for (i = 1; i < nr; i++) {
		struct section *sec = new_section(elf);

		scn = elf_getscn(elf->elf, i);
		if (!scn || !gelf_getshdr(scn, &sec->sh)) {
			libelf_err(elf, "cannot read a section header");
			return -1;
		}
		sec->name = elf_strptr(elf->elf, shstrndx, sec->sh.sh_name);
		if (!sec->name) {
			elf_err(elf, "section %zu: name offset %u is outside the section name table",
				i, sec->sh.sh_name);
			return -1;
		}
		/* The writer pads to it: 2^48 would mean a 256 TiB output. */
		if (sec->sh.sh_addralign & (sec->sh.sh_addralign - 1) ||
		    sec->sh.sh_addralign > MAX_SECTION_ALIGN) {
			elf_err(elf, "section %zu (%s): alignment 0x%llx is not a power of two up "
				"to 0x%x", i, sec->name, (unsigned long long)sec->sh.sh_addralign,
				MAX_SECTION_ALIGN);
			return -1;
		}
		if (read_section_data(elf, sec, scn))
			return -1;
	}
	elf->shstrtab = elf->secs[shstrndx];
	return 0;
}

static int cmp_offset(const void *a, const void *b)
{
	const struct section *x = *(struct section * const *)a;
	const struct section *y = *(struct section * const *)b;

	return x->sh.sh_offset < y->sh.sh_offset ? -1 : x->sh.sh_offset > y->sh.sh_offset;
}

/* Overlapping sections mean a corrupt or crafted file; libelf does not care. */
static int check_overlap(struct elf_file *elf)
{
	struct section **v = xcalloc(elf->nr_secs, sizeof(*v));
	size_t n = 0, i;
	int ret = 0;

	for (i = 1; i < elf->nr_secs; i++)
		if (elf->secs[i]->data)
			v[n++] = elf->secs[i];
	qsort(v, n, sizeof(*v), cmp_offset);
	for (i = 1; i < n && !ret; i++) {
		if (v[i - 1]->sh.sh_offset + v[i - 1]->sh.sh_size > v[i]->sh.sh_offset) {
			elf_err(elf, "sections %s and %s overlap in the file", v[i - 1]->name,
				v[i]->name);
			ret = -1;
		}
	}
	if (!ret && n && v[0]->sh.sh_offset < sizeof(Elf64_Ehdr)) {
		elf_err(elf, "section %s overlaps the ELF header", v[0]->name);
		ret = -1;
	}
	free(v);
	return ret;
}

static struct section *section_by_index(struct elf_file *elf, size_t idx)
{
	return idx && idx < elf->nr_secs ? elf->secs[idx] : NULL;
}

static int link_sections(struct elf_file *elf)
{
	struct section *sec;
	size_t i;

	for_each_section(elf, sec, i) {
		if (sec->sh.sh_type == SHT_REL) {
			elf_err(elf, "section %s: SHT_REL relocations are not supported", sec->name);
			return -1;
		}
		if (sec->sh.sh_type == SHT_SYMTAB_SHNDX) {
			elf_err(elf, "section %s: extended section indices are not supported",
				sec->name);
			return -1;
		}
		if (sec->sh.sh_type == SHT_SYMTAB) {
			if (elf->symtab) {
				elf_err(elf, "more than one symbol table");
				return -1;
			}
			elf->symtab = sec;
		}
		if (section_has_link(&sec->sh)) {
			sec->link = section_by_index(elf, sec->sh.sh_link);
			if (!sec->link) {
				elf_err(elf, "section %s: sh_link %u is not a section", sec->name,
					sec->sh.sh_link);
				return -1;
			}
		}
		if (section_info_is_section(&sec->sh)) {
			sec->info = section_by_index(elf, sec->sh.sh_info);
			if (!sec->info) {
				elf_err(elf, "section %s: sh_info %u is not a section", sec->name,
					sec->sh.sh_info);
				return -1;
			}
		}
	}
	if (!elf->symtab) {
		elf_err(elf, "no symbol table (stripped?)");
		return -1;
	}
	elf->strtab = elf->symtab->link;
	if (elf->strtab->sh.sh_type != SHT_STRTAB) {
		elf_err(elf, "the symbol table's sh_link does not name a string table");
		return -1;
	}
	return 0;
}

static int read_symbols(struct elf_file *elf)
{
	struct section *symtab = elf->symtab;
	Elf_Data *data;
	size_t nr, i, first_global = 0;
	Elf_Scn *scn = elf_getscn(elf->elf, symtab->idx);

	if (symtab->sh.sh_entsize != sizeof(Elf64_Sym) || symtab->size % sizeof(Elf64_Sym)) {
		elf_err(elf, "symbol table: entry size %llu or size %zu is wrong",
			(unsigned long long)symtab->sh.sh_entsize, symtab->size);
		return -1;
	}
	nr = symtab->size / sizeof(Elf64_Sym);
	data = elf_getdata(scn, NULL);
	if (!nr || !data) {
		elf_err(elf, "the symbol table is empty or unreadable");
		return -1;
	}
	if (symtab->sh.sh_info > nr) {
		elf_err(elf, "symbol table: sh_info %u is past its %zu symbols", symtab->sh.sh_info,
			nr);
		return -1;
	}
	elf->syms = xcalloc(nr, sizeof(*elf->syms));
	elf->alloc_syms = nr;
	for (i = 0; i < nr; i++) {
		struct symbol *sym = xcalloc(1, sizeof(*sym));

		elf->syms[elf->nr_syms++] = sym;
		sym->idx = i;
		if (!gelf_getsym(data, i, &sym->sym)) {
			libelf_err(elf, "cannot read a symbol");
			return -1;
		}
		sym->name = elf_strptr(elf->elf, elf->strtab->idx, sym->sym.st_name);
		if (!sym->name) {
			elf_err(elf, "symbol %zu: name offset %u is outside the string table", i,
				sym->sym.st_name);
			return -1;
		}
		if (sym->sym.st_shndx == SHN_XINDEX) {
			elf_err(elf, "symbol %zu (%s): extended section indices are not supported",
				i, sym->name);
			return -1;
		}
		if (sym->sym.st_shndx != SHN_UNDEF && sym->sym.st_shndx < SHN_LORESERVE) {
			sym->sec = section_by_index(elf, sym->sym.st_shndx);
			if (!sym->sec) {
				elf_err(elf, "symbol %zu (%s): section index %u does not exist", i,
					sym->name, sym->sym.st_shndx);
				return -1;
			}
			if (GELF_ST_TYPE(sym->sym.st_info) == STT_SECTION && !sym->sec->sym)
				sym->sec->sym = sym;
		}
		if (i && GELF_ST_BIND(sym->sym.st_info) != STB_LOCAL && !first_global)
			first_global = i;
		else if (i && first_global && GELF_ST_BIND(sym->sym.st_info) == STB_LOCAL) {
			elf_err(elf, "symbol %zu (%s): a local symbol after the first global one",
				i, sym->name);
			return -1;
		}
	}
	return 0;
}

static int read_relocs(struct elf_file *elf, struct section *sec)
{
	Elf_Data *data;
	size_t nr, i;

	if (sec->link != elf->symtab) {
		elf_err(elf, "section %s: sh_link does not name the symbol table", sec->name);
		return -1;
	}
	if (sec->sh.sh_entsize != sizeof(Elf64_Rela) || sec->size % sizeof(Elf64_Rela)) {
		elf_err(elf, "section %s: entry size %llu or size %zu is not that of Elf64_Rela",
			sec->name, (unsigned long long)sec->sh.sh_entsize, sec->size);
		return -1;
	}
	/* One ordinary relocation section per target; livepatch ones add one per object. */
	if (!(sec->sh.sh_flags & SHF_RELA_LIVEPATCH)) {
		if (sec->info->rela) {
			elf_err(elf, "sections %s and %s both relocate %s", sec->info->rela->name,
				sec->name, sec->info->name);
			return -1;
		}
		sec->info->rela = sec;
	}
	nr = sec->size / sizeof(Elf64_Rela);
	data = nr ? elf_getdata(elf_getscn(elf->elf, sec->idx), NULL) : NULL;
	if (nr && !data) {
		libelf_err(elf, sec->name);
		return -1;
	}
	sec->relocs = xcalloc(nr, sizeof(*sec->relocs));
	sec->alloc_relocs = nr;
	for (i = 0; i < nr; i++) {
		struct reloc *r = &sec->relocs[sec->nr_relocs++];
		GElf_Rela rela;
		size_t symidx;

		if (!gelf_getrela(data, i, &rela)) {
			libelf_err(elf, sec->name);
			return -1;
		}
		symidx = GELF_R_SYM(rela.r_info);
		if (symidx >= elf->nr_syms) {
			elf_err(elf, "section %s: relocation %zu uses symbol %zu, past the %zu symbols",
				sec->name, i, symidx, elf->nr_syms);
			return -1;
		}
		if (rela.r_offset >= sec->info->sh.sh_size) {
			elf_err(elf, "section %s: relocation %zu at offset 0x%llx is past the end of %s",
				sec->name, i, (unsigned long long)rela.r_offset, sec->info->name);
			return -1;
		}
		r->offset = rela.r_offset;
		r->addend = rela.r_addend;
		r->type = GELF_R_TYPE(rela.r_info);
		r->sym = elf->syms[symidx];
	}
	return 0;
}

static int read_group(struct elf_file *elf, struct section *sec)
{
	const unsigned char *p = sec->data;
	size_t i, nr = sec->size / 4;

	if (sec->size % 4 || !nr || sec->sh.sh_info >= elf->nr_syms) {
		elf_err(elf, "section group %s is malformed", sec->name);
		return -1;
	}
	if (elf->ehdr.e_ident[EI_DATA] != ELFDATA2LSB) {
		elf_err(elf, "section groups in big-endian objects are not supported");
		return -1;
	}
	sec->group_flags = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
	sec->group = xcalloc(nr, sizeof(*sec->group));
	for (i = 1; i < nr; i++) {
		const unsigned char *w = p + 4 * i;
		uint32_t idx = w[0] | w[1] << 8 | w[2] << 16 | (uint32_t)w[3] << 24;

		sec->group[sec->nr_group] = section_by_index(elf, idx);
		if (!sec->group[sec->nr_group++]) {
			elf_err(elf, "section group %s names section %u, which does not exist",
				sec->name, idx);
			return -1;
		}
	}
	return 0;
}

/* The model is of 64-bit objects; elf_input_open() checked the rest. */
static int read_elf_header(struct elf_file *elf)
{
	if (elf->ehdr.e_ident[EI_CLASS] != ELFCLASS64) {
		elf_err(elf, "a 32-bit ELF object: livepatch modules are 64-bit");
		return -1;
	}
	return 0;
}

struct elf_file *elf_open_read(const char *path)
{
	static const struct elf_input_want want = {
		.flags = ELF_INPUT_MMAP,
		.types = ELF_TYPE_BIT(ET_REL),
		.type_error = "not a relocatable object (ELF type %u): expected a kernel module",
	};
	struct elf_file *elf;
	struct elf_input in;
	struct section *sec;
	char *msg;
	size_t i;

	if (elf_input_open(&in, path, &want, &msg)) {
		pr_err("%s", msg);
		free(msg);
		return NULL;
	}
	/* The descriptors are the model's now: elf_close() ends them. */
	elf = xcalloc(1, sizeof(*elf));
	elf->path = path;
	elf->fd = in.fd;
	elf->elf = in.elf;
	elf->ehdr = in.ehdr;
	if (read_elf_header(elf) || read_sections(elf) || check_overlap(elf) ||
	    link_sections(elf) || read_symbols(elf))
		goto err;
	for_each_section(elf, sec, i) {
		if (sec->sh.sh_type == SHT_RELA && read_relocs(elf, sec))
			goto err;
		if (sec->sh.sh_type == SHT_GROUP && read_group(elf, sec))
			goto err;
	}
	return elf;
err:
	elf_close(elf);
	return NULL;
}

void elf_close(struct elf_file *elf)
{
	size_t i;

	if (!elf)
		return;
	for (i = 0; i < elf->nr_secs; i++) {
		struct section *sec = elf->secs[i];

		if (sec->data_owned)
			free(sec->data);
		free(sec->relocs);
		free(sec->group);
		if (sec->added)
			free((char *)sec->name);
		free(sec);
	}
	for (i = 0; i < elf->nr_syms; i++) {
		if (elf->syms[i]->renamed)
			free((char *)elf->syms[i]->name);
		free(elf->syms[i]);
	}
	free(elf->secs);
	free(elf->syms);
	if (elf->elf)
		elf_end(elf->elf);
	if (elf->fd >= 0)
		close(elf->fd);
	free(elf);
}

/* Editing ------------------------------------------------------------------ */

struct section *elf_find_section(const struct elf_file *elf, const char *name)
{
	size_t i;

	for (i = 1; i < elf->nr_secs; i++)
		if (!elf->secs[i]->removed && !strcmp(elf->secs[i]->name, name))
			return elf->secs[i];
	return NULL;
}

struct section *elf_add_section(struct elf_file *elf, const char *name, GElf_Word type,
				GElf_Xword flags, GElf_Xword entsize, GElf_Xword align)
{
	struct section *sec = new_section(elf);

	sec->name = xstrdup(name);
	sec->added = true;
	sec->sh.sh_type = type;
	sec->sh.sh_flags = flags;
	sec->sh.sh_entsize = entsize;
	sec->sh.sh_addralign = align;
	return sec;
}

void elf_remove_section(struct section *sec)
{
	sec->removed = true;
}

unsigned char *section_writable_data(struct section *sec)
{
	if (!sec->data_owned && sec->data) {
		unsigned char *copy = xmalloc(sec->size);

		memcpy(copy, sec->data, sec->size);
		sec->data = copy;
		sec->data_owned = true;
	}
	return sec->data;
}

struct reloc *section_add_reloc(struct section *rela, uint64_t offset, uint32_t type,
				struct symbol *sym, int64_t addend)
{
	struct reloc *r;

	grow_array(&rela->relocs, &rela->alloc_relocs, rela->nr_relocs + 1, sizeof(*r));
	r = &rela->relocs[rela->nr_relocs++];
	memset(r, 0, sizeof(*r));
	r->offset = offset;
	r->type = type;
	r->sym = sym;
	r->addend = addend;
	return r;
}

void symbol_rename(struct symbol *sym, const char *name)
{
	if (sym->renamed)
		free((char *)sym->name);
	sym->name = xstrdup(name);
	sym->renamed = true;
}

struct symbol *symbol_containing(const struct section *sec, uint64_t offset)
{
	struct elf_file *elf = sec->elf;
	size_t i;

	for (i = 1; i < elf->nr_syms; i++) {
		struct symbol *s = elf->syms[i];
		int type = GELF_ST_TYPE(s->sym.st_info);

		if (s->sec == sec && (type == STT_FUNC || type == STT_OBJECT) &&
		    offset >= s->sym.st_value && offset - s->sym.st_value < s->sym.st_size)
			return s;
	}
	return NULL;
}

/* Writing ------------------------------------------------------------------ */

/*
 * Indices are assigned afresh: a removed section or symbol must no longer be
 * referred to, which is checked here rather than trusted.
 */
static int assign_indices(struct elf_file *elf)
{
	size_t i, n = 1;

	for (i = 1; i < elf->nr_secs; i++) {
		struct section *sec = elf->secs[i];

		sec->out_idx = sec->removed ? 0 : n++;
		if (!sec->removed && sec->sh.sh_type == SHT_RELA && sec->info->removed) {
			elf_err(elf, "internal error: %s relocates removed section %s", sec->name,
				sec->info->name);
			return -1;
		}
	}
	if (n >= SHN_LORESERVE) {
		elf_err(elf, "too many sections (%zu)", n);
		return -1;
	}
	n = 1;
	for (i = 1; i < elf->nr_syms; i++) {
		struct symbol *sym = elf->syms[i];

		if (!sym->removed && sym->sec && sym->sec->removed) {
			elf_err(elf, "internal error: symbol %s is in removed section %s",
				sym->name, sym->sec->name);
			return -1;
		}
		sym->out_idx = sym->removed ? 0 : n++;
	}
	return 0;
}

static size_t strtab_add(struct strbuf *sb, const char *s)
{
	size_t off = sb->len;

	strbuf_add(sb, s, strlen(s) + 1);
	return off;
}

/* A string table is kept as it was; new names go at its end. */
static void strtab_start(struct strbuf *sb, const struct section *sec)
{
	strbuf_add(sb, sec->data ? sec->data : (const unsigned char *)"", sec->data ? sec->size : 1);
}

struct out_tables {
	struct strbuf strtab, shstrtab;
	size_t *sh_name;		/* per input-or-added section */
	GElf_Sym *syms;
	size_t nr_syms, first_global;
};

static void build_symtab(struct elf_file *elf, struct out_tables *t)
{
	size_t i;

	t->syms = xcalloc(elf->nr_syms, sizeof(*t->syms));
	t->nr_syms = 1;
	t->first_global = 0;
	for (i = 1; i < elf->nr_syms; i++) {
		struct symbol *sym = elf->syms[i];
		GElf_Sym *out;

		if (sym->removed)
			continue;
		out = &t->syms[t->nr_syms++];
		*out = sym->sym;
		if (sym->renamed)
			out->st_name = strtab_add(&t->strtab, sym->name);
		if (sym->sec)
			out->st_shndx = sym->sec->out_idx;
		if (!t->first_global && GELF_ST_BIND(out->st_info) != STB_LOCAL)
			t->first_global = t->nr_syms - 1;
	}
	if (!t->first_global)
		t->first_global = t->nr_syms;
}

static int build_relocs(struct section *sec, Elf_Data *d)
{
	GElf_Rela *out = xcalloc(sec->nr_relocs, sizeof(Elf64_Rela));
	size_t i, n = 0;

	for (i = 0; i < sec->nr_relocs; i++) {
		const struct reloc *r = &sec->relocs[i];

		if (r->removed)
			continue;
		if (r->sym->removed) {
			pr_err("%s: internal error: a relocation in %s uses removed symbol %s",
			      sec->elf->path, sec->name, r->sym->name);
			free(out);
			return -1;
		}
		out[n].r_offset = r->offset;
		out[n].r_addend = r->addend;
		out[n].r_info = GELF_R_INFO(r->sym->out_idx, r->type);
		n++;
	}
	/* GElf_Rela and Elf64_Rela are the same layout; libelf converts byte order. */
	d->d_buf = out;
	d->d_size = n * sizeof(Elf64_Rela);
	d->d_type = ELF_T_RELA;
	return 0;
}

static void build_group(struct section *sec, Elf_Data *d)
{
	uint32_t *w = xcalloc(sec->nr_group + 1, sizeof(*w));
	size_t i, n = 1;

	w[0] = sec->group_flags;
	for (i = 0; i < sec->nr_group; i++)
		if (!sec->group[i]->removed)
			w[n++] = sec->group[i]->out_idx;
	d->d_buf = w;
	d->d_size = n * sizeof(*w);
	d->d_type = ELF_T_WORD;
}

static int fill_section(struct elf_file *elf, struct section *sec, struct out_tables *t,
			Elf_Scn *scn, void **owned)
{
	Elf_Data *d = elf_newdata(scn);
	GElf_Shdr sh = sec->sh;

	if (!d) {
		libelf_err(elf, "elf_newdata");
		return -1;
	}
	d->d_align = sh.sh_addralign ? sh.sh_addralign : 1;
	d->d_type = ELF_T_BYTE;
	d->d_buf = sec->data;
	d->d_size = sec->size;
	if (sec == elf->symtab) {
		d->d_buf = t->syms;
		d->d_size = t->nr_syms * sizeof(Elf64_Sym);
		d->d_type = ELF_T_SYM;
		sh.sh_info = t->first_global;
	} else if (sec == elf->strtab) {
		d->d_buf = t->strtab.buf;
		d->d_size = t->strtab.len;
	} else if (sec == elf->shstrtab) {
		d->d_buf = t->shstrtab.buf;
		d->d_size = t->shstrtab.len;
	} else if (sh.sh_type == SHT_RELA) {
		if (build_relocs(sec, d))
			return -1;
		*owned = d->d_buf;
	} else if (sh.sh_type == SHT_GROUP) {
		build_group(sec, d);
		*owned = d->d_buf;
		sh.sh_info = elf->syms[sh.sh_info]->out_idx;
	}
	if (sh.sh_type == SHT_NOBITS)
		d->d_buf = NULL;
	if (sec->link)
		sh.sh_link = sec->link->out_idx;
	if (sec->info)
		sh.sh_info = sec->info->out_idx;
	sh.sh_name = t->sh_name[sec->idx];
	sh.sh_size = d->d_size;
	sh.sh_offset = 0;
	if (!gelf_update_shdr(scn, &sh)) {
		libelf_err(elf, "gelf_update_shdr");
		return -1;
	}
	return 0;
}

static int write_elf(struct elf_file *elf, int fd, struct out_tables *t)
{
	Elf *out = elf_begin(fd, ELF_C_WRITE, NULL);
	void **owned = xcalloc(elf->nr_secs, sizeof(*owned));
	GElf_Ehdr eh;
	size_t i;
	int ret = -1;

	if (!out || !gelf_newehdr(out, ELFCLASS64) || !gelf_getehdr(out, &eh)) {
		libelf_err(elf, "cannot create the output");
		goto out;
	}
	memcpy(eh.e_ident, elf->ehdr.e_ident, EI_NIDENT);
	eh.e_type = elf->ehdr.e_type;
	eh.e_machine = elf->ehdr.e_machine;
	eh.e_version = elf->ehdr.e_version;
	eh.e_flags = elf->ehdr.e_flags;
	eh.e_entry = elf->ehdr.e_entry;
	eh.e_shstrndx = elf->shstrtab->out_idx;
	if (!gelf_update_ehdr(out, &eh)) {
		libelf_err(elf, "gelf_update_ehdr");
		goto out;
	}
	for (i = 1; i < elf->nr_secs; i++) {
		Elf_Scn *scn;

		if (elf->secs[i]->removed)
			continue;
		scn = elf_newscn(out);
		if (!scn) {
			libelf_err(elf, "elf_newscn");
			goto out;
		}
		if (fill_section(elf, elf->secs[i], t, scn, &owned[i]))
			goto out;
	}
	if (elf_update(out, ELF_C_WRITE) < 0) {
		libelf_err(elf, "cannot write the output");
		goto out;
	}
	ret = 0;
out:
	if (out)
		elf_end(out);
	for (i = 0; i < elf->nr_secs; i++)
		free(owned[i]);
	free(owned);
	return ret;
}

int elf_write(struct elf_file *elf, const char *path)
{
	struct out_tables t = { 0 };
	struct atomic_file af;
	struct stat st;
	size_t i;
	int ret;

	if (assign_indices(elf))
		return -1;
	strtab_start(&t.strtab, elf->strtab);
	strtab_start(&t.shstrtab, elf->shstrtab);
	/* Every name must be in place before an Elf_Data points at the buffer. */
	t.sh_name = xcalloc(elf->nr_secs, sizeof(*t.sh_name));
	for (i = 1; i < elf->nr_secs; i++) {
		struct section *sec = elf->secs[i];

		t.sh_name[i] = sec->added ? strtab_add(&t.shstrtab, sec->name) : sec->sh.sh_name;
	}
	build_symtab(elf, &t);

	if (fstat(elf->fd, &st) < 0)
		st.st_mode = 0644;
	ret = atomic_file_open(&af, path, st.st_mode & 07777);
	if (!ret) {
		ret = write_elf(elf, af.fd, &t);
		if (ret)
			atomic_file_abort(&af);
		else
			ret = atomic_file_commit(&af);
	}
	strbuf_release(&t.strtab);
	strbuf_release(&t.shstrtab);
	free(t.sh_name);
	free(t.syms);
	return ret;
}
