// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading a kernel module into the model of elf_file.h (elf_edit.c keeps its
 * lookups and edits, elf_write.c writes it back).
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
#include "elf/elf_internal.h"

/* The largest page size of a livepatch architecture (ppc64le: 64 KiB). */
#define MAX_SECTION_ALIGN 0x10000

struct section *elf_new_section(struct elf_file *elf)
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
	elf_new_section(elf)->name = "";
	for (i = 1; i < nr; i++) {
		struct section *sec = elf_new_section(elf);

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
		hashtab_add(&elf->section_hash, hash_str(sec->name), sec);
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
			sec->link = elf_section_by_index(elf, sec->sh.sh_link);
			if (!sec->link) {
				elf_err(elf, "section %s: sh_link %u is not a section", sec->name,
					sec->sh.sh_link);
				return -1;
			}
		}
		if (section_info_is_section(&sec->sh)) {
			sec->info = elf_section_by_index(elf, sec->sh.sh_info);
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
		sym->elf = elf;
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
			sym->sec = elf_section_by_index(elf, sym->sym.st_shndx);
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
		r->sec = sec;
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
	/* Raw bytes in the object's order; the writer hands libelf ELF_T_WORD. */
	sec->group_flags = elf_get_u32(elf, p);
	sec->group = xcalloc(nr, sizeof(*sec->group));
	for (i = 1; i < nr; i++) {
		uint32_t idx = elf_get_u32(elf, p + 4 * i);

		sec->group[sec->nr_group] = elf_section_by_index(elf, idx);
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
	hashtab_free(&elf->section_hash);
	hashtab_free(&elf->symbol_hash);
	hashtab_free(&elf->reloc_hash);
	if (elf->elf)
		elf_end(elf->elf);
	if (elf->fd >= 0)
		close(elf->fd);
	free(elf);
}
