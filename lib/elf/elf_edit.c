// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lookups in the model and edits of it, side by side: every edit must keep
 * the lookups right.
 */
#include <stdlib.h>
#include <string.h>

#include "elf/elf_file.h"
#include "elf/elf_internal.h"

/* Lookups ------------------------------------------------------------------ */

struct section *elf_find_section(const struct elf_file *elf, const char *name)
{
	struct section *sec, *found = NULL;
	struct hash_iter it;

	hashtab_for_each(&elf->section_hash, hash_str(name), it, sec)
		if (!sec->removed && !strcmp(sec->name, name) && (!found || sec->idx < found->idx))
			found = sec;
	return found;
}

struct section *elf_section_by_index(const struct elf_file *elf, size_t idx)
{
	return idx && idx < elf->nr_secs && !elf->secs[idx]->removed ? elf->secs[idx] : NULL;
}

/*
 * Built on first use: klp-convert itself never looks a symbol up by name,
 * and a module with debug info has tens of thousands of them.
 */
static void hash_symbols(struct elf_file *elf)
{
	size_t i;

	hashtab_reserve(&elf->symbol_hash, elf->nr_syms);
	for (i = 1; i < elf->nr_syms; i++)
		if (*elf->syms[i]->name)
			hashtab_add(&elf->symbol_hash, hash_str(elf->syms[i]->name), elf->syms[i]);
	elf->symbols_hashed = true;
}

struct symbol *elf_find_symbol(struct elf_file *elf, const char *name)
{
	struct symbol *sym, *found = NULL;
	struct hash_iter it;

	if (!*name)
		return NULL;
	if (!elf->symbols_hashed)
		hash_symbols(elf);
	hashtab_for_each(&elf->symbol_hash, hash_str(name), it, sym)
		if (!sym->removed && !strcmp(sym->name, name) && (!found || sym->idx < found->idx))
			found = sym;
	return found;
}

static uint64_t reloc_hash(const struct section *target, uint64_t offset)
{
	return hash_u64(offset ^ hash_u64(target->idx));
}

/*
 * A section's relocations go into the index the first time one of them is
 * looked up: most sections' never are, and .debug_info alone may have more
 * relocations than all the rest together.
 */
static void index_relocs(struct section *target)
{
	struct elf_file *elf = target->elf;
	size_t i, j;

	for (i = 1; i < elf->nr_secs; i++) {
		struct section *rela = elf->secs[i];

		if (rela->sh.sh_type != SHT_RELA || rela->info != target)
			continue;
		for (j = 0; j < rela->nr_relocs; j++)
			hashtab_add(&elf->reloc_hash, reloc_hash(target, rela->relocs[j].offset),
				    &rela->relocs[j]);
	}
	target->relocs_indexed = true;
}

/* The index points into the relocation arrays: when one moves, it starts over. */
static void drop_reloc_index(struct elf_file *elf)
{
	size_t i;

	hashtab_free(&elf->reloc_hash);
	for (i = 0; i < elf->nr_secs; i++)
		elf->secs[i]->relocs_indexed = false;
}

/* Which comes first in the file. */
static bool reloc_before(const struct reloc *a, const struct reloc *b)
{
	if (a->sec != b->sec)
		return a->sec->idx < b->sec->idx;
	return a < b;
}

struct reloc *elf_find_reloc(const struct section *sec, uint64_t offset)
{
	struct section *target = sec->elf->secs[sec->idx];
	struct reloc *r, *found = NULL;
	struct hash_iter it;

	if (!target->relocs_indexed)
		index_relocs(target);
	hashtab_for_each(&target->elf->reloc_hash, reloc_hash(target, offset), it, r) {
		if (r->removed || r->sec->removed || r->sec->info != target || r->offset != offset)
			continue;
		if (!found || reloc_before(r, found))
			found = r;
	}
	return found;
}

/* Editing ------------------------------------------------------------------ */

struct section *elf_add_section(struct elf_file *elf, const char *name, GElf_Word type,
				GElf_Xword flags, GElf_Xword entsize, GElf_Xword align)
{
	struct section *sec = elf_new_section(elf);

	sec->name = xstrdup(name);
	sec->added = true;
	sec->sh.sh_type = type;
	sec->sh.sh_flags = flags;
	sec->sh.sh_entsize = entsize;
	sec->sh.sh_addralign = align;
	hashtab_add(&elf->section_hash, hash_str(sec->name), sec);
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

void section_set_data(struct section *sec, unsigned char *data, size_t size)
{
	if (sec->data_owned)
		free(sec->data);
	sec->data = data;
	sec->size = size;
	sec->data_owned = true;
}

void symbol_make_undef(struct symbol *sym)
{
	sym->sec = NULL;
	sym->sym.st_shndx = SHN_UNDEF;
	sym->sym.st_value = 0;
	sym->sym.st_size = 0;
	sym->sym.st_info = GELF_ST_INFO(STB_GLOBAL, STT_NOTYPE);
}

struct reloc *section_add_reloc(struct section *rela, uint64_t offset, uint32_t type,
				struct symbol *sym, int64_t addend)
{
	struct reloc *r, *old = rela->relocs;
	bool indexed = rela->info && rela->info->relocs_indexed;

	grow_array(&rela->relocs, &rela->alloc_relocs, rela->nr_relocs + 1, sizeof(*r));
	if (indexed && old && rela->relocs != old) {
		drop_reloc_index(rela->elf);
		indexed = false;
	}
	r = &rela->relocs[rela->nr_relocs++];
	memset(r, 0, sizeof(*r));
	r->sec = rela;
	r->offset = offset;
	r->type = type;
	r->sym = sym;
	r->addend = addend;
	if (indexed)
		hashtab_add(&rela->elf->reloc_hash, reloc_hash(rela->info, offset), r);
	return r;
}

void symbol_rename(struct symbol *sym, const char *name)
{
	if (sym->renamed)
		free((char *)sym->name);
	sym->name = xstrdup(name);
	sym->renamed = true;
	/* The entry under the old name stays; lookups compare names. */
	if (sym->elf->symbols_hashed && *name)
		hashtab_add(&sym->elf->symbol_hash, hash_str(name), sym);
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
