/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_ELF_FILE_H
#define KLP_ELF_FILE_H

/*
 * An editable model of a relocatable ELF object (a kernel module), read and
 * written through libelf. Sections, symbols and relocations refer to each
 * other by pointer, so sections and symbols can be removed or added and the
 * indices are assigned again when the file is written.
 */

#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/hashtab.h"
#include "base/util.h"

#ifndef SHF_RELA_LIVEPATCH
#define SHF_RELA_LIVEPATCH 0x00100000
#endif
#ifndef SHN_LIVEPATCH
#define SHN_LIVEPATCH 0xff20
#endif

struct elf_file;
struct symbol;

struct reloc {
	struct section *sec;		/* the SHT_RELA section holding it */
	uint64_t offset;
	int64_t addend;
	uint32_t type;
	struct symbol *sym;
	bool removed;
};

struct section {
	struct elf_file *elf;
	size_t idx;			/* index in the input; new sections: above it */
	size_t out_idx;			/* index in the output, set on write */
	GElf_Shdr sh;
	const char *name;
	unsigned char *data;		/* NULL for SHT_NOBITS */
	size_t size;
	bool data_owned;
	bool removed;
	bool added;			/* not in the input */

	struct section *link;		/* sh_link, when it names a section */
	struct section *info;		/* sh_info, when it names a section */
	struct section *rela;		/* the ordinary relocation section applying to it */
	struct symbol *sym;		/* its STT_SECTION symbol */

	struct reloc *relocs;		/* SHT_RELA: in file order */
	size_t nr_relocs, alloc_relocs;

	struct section **group;		/* SHT_GROUP members */
	uint32_t group_flags;
	size_t nr_group;

	bool relocs_indexed;		/* its relocations are in elf->reloc_hash */
};

struct symbol {
	struct elf_file *elf;
	size_t idx;
	size_t out_idx;
	GElf_Sym sym;
	const char *name;
	struct section *sec;		/* NULL unless st_shndx names a section */
	bool removed;
	bool renamed;			/* name is not in the input's string table */
};

struct elf_file {
	const char *path;
	int fd;
	Elf *elf;
	GElf_Ehdr ehdr;

	struct section **secs;		/* [0] is the null section */
	size_t nr_secs, alloc_secs;
	struct symbol **syms;		/* [0] is the null symbol */
	size_t nr_syms, alloc_syms;

	struct section *symtab, *strtab, *shstrtab;

	/*
	 * Lookups. Entries are never taken out: a lookup skips what was removed
	 * or renamed, so the tables only need adding to.
	 */
	struct hashtab section_hash;	/* by name */
	struct hashtab symbol_hash;	/* by name, named symbols only; built on first use */
	bool symbols_hashed;
	struct hashtab reloc_hash;	/* by target and offset, each target on first use */
};

/* Open and validate; prints what is wrong and returns NULL on bad input. */
struct elf_file *elf_open_read(const char *path);
void elf_close(struct elf_file *elf);

/* Write to path through a temporary file; the model is not changed. */
int elf_write(struct elf_file *elf, const char *path);

/*
 * Lookups never return a removed section, symbol or relocation. Where names
 * repeat, the first in the file wins.
 */
struct section *elf_find_section(const struct elf_file *elf, const char *name);
struct section *elf_section_by_index(const struct elf_file *elf, size_t idx);
/* A symbol with that name; NULL for "" (section symbols and the null symbol). */
struct symbol *elf_find_symbol(struct elf_file *elf, const char *name);
/*
 * The relocation applying at offset of sec. A converted module has livepatch
 * relocation sections beside sec->rela; the first in the file wins.
 */
struct reloc *elf_find_reloc(const struct section *sec, uint64_t offset);

struct section *elf_add_section(struct elf_file *elf, const char *name, GElf_Word type,
				GElf_Xword flags, GElf_Xword entsize, GElf_Xword align);
void elf_remove_section(struct section *sec);

/* Make sec->data private, so it may be changed. */
unsigned char *section_writable_data(struct section *sec);
/* Replace sec's contents with data (malloc'ed, taken over), size bytes. */
void section_set_data(struct section *sec, unsigned char *data, size_t size);
/*
 * Make sym a global undefined symbol: what an object refers to and another
 * one defines. The writer puts it after the locals.
 */
void symbol_make_undef(struct symbol *sym);
struct reloc *section_add_reloc(struct section *rela, uint64_t offset, uint32_t type,
				struct symbol *sym, int64_t addend);

void symbol_rename(struct symbol *sym, const char *name);
/* The function or object symbol covering offset in sec, for messages. */
struct symbol *symbol_containing(const struct section *sec, uint64_t offset);

/*
 * An n-byte (n <= 8) value of section data, in the object's byte order
 * (EI_DATA): section data is kept as raw file bytes.
 */
static inline uint64_t elf_get_uint(const struct elf_file *elf, const unsigned char *p,
				    unsigned int n)
{
	bool msb = elf->ehdr.e_ident[EI_DATA] == ELFDATA2MSB;
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[msb ? i : n - 1 - i];
	return v;
}

static inline uint32_t elf_get_u32(const struct elf_file *elf, const unsigned char *p)
{
	return elf_get_uint(elf, p, 4);
}

static inline uint64_t elf_get_u64(const struct elf_file *elf, const unsigned char *p)
{
	return elf_get_uint(elf, p, 8);
}

static inline bool section_is_alloc(const struct section *sec)
{
	return sec->sh.sh_flags & SHF_ALLOC;
}

static inline bool symbol_is_undef(const struct symbol *sym)
{
	return sym->idx && sym->sym.st_shndx == SHN_UNDEF;
}

/* From *i on, the next section or symbol not removed; *i is left at it. */
static inline struct section *elf_next_section(const struct elf_file *elf, size_t *i)
{
	for (; *i < elf->nr_secs; (*i)++)
		if (!elf->secs[*i]->removed)
			return elf->secs[*i];
	return NULL;
}

static inline struct symbol *elf_next_symbol(const struct elf_file *elf, size_t *i)
{
	for (; *i < elf->nr_syms; (*i)++)
		if (!elf->syms[*i]->removed)
			return elf->syms[*i];
	return NULL;
}

/* Removed entries stay in the arrays (the writer skips them); these never yield them. */
#define for_each_section(elf, s, i) \
	for ((i) = 1; ((s) = elf_next_section((elf), &(i))); (i)++)
#define for_each_symbol(elf, s, i) \
	for ((i) = 1; ((s) = elf_next_symbol((elf), &(i))); (i)++)

#endif
