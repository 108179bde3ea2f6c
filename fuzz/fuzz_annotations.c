// SPDX-License-Identifier: GPL-2.0-only
/*
 * The annotation parser: KLP_MODULE_RELOC arrays (.klp.module_relocs.<obj>
 * with their relocations) and KLP_RELOC_SYMBOL names (.klp.sym.rela.*).
 *
 * The seeds are annotated objects compiled by fuzz/seeds. A structure-aware
 * mutator finds, in the raw ELF bytes, the annotation arrays, their
 * relocations, the symbols those use and the annotation names, and mutates
 * those fields in place, so that most inputs stay valid ELF and reach the
 * parser instead of dying in the reader. Every input is then converted both
 * with the fixed map (annotations checked against it) and without a map.
 */
#include <elf.h>
#include <string.h>

#include "patch/annotations.h"
#include "elf/arch.h"
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_input(NULL, 0, data, size);
	struct elf_file *elf = elf_open_read(path);

	/* The parser on its own first: it must not need the rest to be right. */
	if (elf) {
		const struct arch *arch = arch_for(&elf->ehdr, path);
		struct annotations ann;

		if (arch) {
			annotations_read(elf, arch, &ann);
			annotations_free(&ann);
		}
		elf_close(elf);
	}
	fuzz_convert(path, fuzz_map());
	fuzz_convert(path, NULL);
	return 0;
}

/* Mutation ----------------------------------------------------------------- */

struct region {
	size_t off, len;
	bool text;		/* a name: mutate with name characters */
};

struct regions {
	struct region r[256];
	size_t n;
};

static unsigned int rnd(unsigned int *state)
{
	*state = *state * 1103515245 + 12345;
	return *state >> 8;
}

static void add_region(struct regions *rs, size_t off, size_t len, bool text)
{
	if (len && rs->n < sizeof(rs->r) / sizeof(rs->r[0]))
		rs->r[rs->n++] = (struct region){ off, len, text };
}

static bool in_file(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

static const char *str_at(const uint8_t *data, size_t size, const Elf64_Shdr *strtab,
			  uint32_t name)
{
	if (!in_file(size, strtab->sh_offset, strtab->sh_size) || name >= strtab->sh_size ||
	    !memchr(data + strtab->sh_offset + name, '\0', strtab->sh_size - name))
		return NULL;
	return (const char *)data + strtab->sh_offset + name;
}

/* The fields of a little-endian ELF64 object that annotations are made of. */
static void find_regions(const uint8_t *data, size_t size, struct regions *rs)
{
	const Elf64_Ehdr *eh = (const void *)data;
	const Elf64_Shdr *sh, *shstr, *symtab = NULL, *strtab = NULL;
	size_t i, j, nsyms = 0;
	bool ann_sym[4096] = { false };

	rs->n = 0;
	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff % 8 ||
	    !in_file(size, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return;
	sh = (const void *)(data + eh->e_shoff);
	shstr = &sh[eh->e_shstrndx];
	for (i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_SYMTAB && sh[i].sh_link < eh->e_shnum &&
		    in_file(size, sh[i].sh_offset, sh[i].sh_size) && sh[i].sh_offset % 8 == 0) {
			symtab = &sh[i];
			strtab = &sh[sh[i].sh_link];
			nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
		}
	}
	for (i = 0; i < eh->e_shnum; i++) {
		const char *name = str_at(data, size, shstr, sh[i].sh_name);

		if (!name || !in_file(size, sh[i].sh_offset, sh[i].sh_size))
			continue;
		if (!strncmp(name, KLP_MODULE_RELOCS_PREFIX, strlen(KLP_MODULE_RELOCS_PREFIX))) {
			add_region(rs, sh[i].sh_offset, sh[i].sh_size, false);
			/* the object name in the section name, and the size */
			add_region(rs, shstr->sh_offset + sh[i].sh_name, strlen(name), true);
			add_region(rs, eh->e_shoff + i * sizeof(*sh) +
				   offsetof(Elf64_Shdr, sh_size), 1, false);
		}
		if (sh[i].sh_type == SHT_RELA && sh[i].sh_info < eh->e_shnum &&
		    sh[i].sh_offset % 8 == 0) {
			const char *target = str_at(data, size, shstr, sh[sh[i].sh_info].sh_name);
			const Elf64_Rela *r = (const void *)(data + sh[i].sh_offset);

			if (!target || strncmp(target, KLP_MODULE_RELOCS_PREFIX,
					       strlen(KLP_MODULE_RELOCS_PREFIX)))
				continue;
			for (j = 0; j < sh[i].sh_size / sizeof(*r); j++) {
				size_t s = ELF64_R_SYM(r[j].r_info);

				add_region(rs, sh[i].sh_offset + j * sizeof(*r), sizeof(*r), false);
				if (s < sizeof(ann_sym))
					ann_sym[s] = true;
			}
		}
	}
	if (!symtab)
		return;
	for (i = 1; i < nsyms; i++) {
		const Elf64_Sym *s = (const void *)(data + symtab->sh_offset + i * sizeof(*s));
		const char *name = str_at(data, size, strtab, s->st_name);
		bool klp = name && !strncmp(name, KLP_RELOC_SYMBOL_PREFIX,
					    strlen(KLP_RELOC_SYMBOL_PREFIX));

		if (klp)
			add_region(rs, strtab->sh_offset + s->st_name, strlen(name), true);
		if (klp || (i < sizeof(ann_sym) && ann_sym[i]))
			add_region(rs, symtab->sh_offset + i * sizeof(*s), sizeof(*s), false);
	}
}

static void mutate_text(uint8_t *p, size_t len, unsigned int *st)
{
	static const char chars[] = "._,-0123456789vmlinuxtarget_mod\0";
	size_t at = rnd(st) % len;

	switch (rnd(st) % 4) {
	case 0:		/* a name character */
		p[at] = chars[rnd(st) % (sizeof(chars) - 1)];
		break;
	case 1:		/* shift the tail left: a shorter name, still terminated */
		memmove(p + at, p + at + 1, len - at - 1);
		p[len - 1] = '\0';
		break;
	case 2:		/* an empty field */
		p[at] = '.';
		if (at + 1 < len)
			p[at + 1] = '.';
		break;
	default:
		p[at] = ',';
		break;
	}
}

static void mutate_binary(uint8_t *p, size_t len, unsigned int *st)
{
	static const uint64_t values[] = {
		0, 1, 2, 3, 8, 11, 12, 13, 24, 0xff, 0xffff, 0xff20, 0xfff1, 0xfff2,
		0x7fffffff, 0xffffffff, 0x100000000ULL, ~0ULL,
	};
	size_t at = rnd(st) % len, w = 1 << (rnd(st) % 4);
	uint64_t v = values[rnd(st) % (sizeof(values) / sizeof(values[0]))];

	if (rnd(st) % 3 == 0) {
		LLVMFuzzerMutate(p, len, len);
		return;
	}
	if (w > len - at)
		w = len - at;
	memcpy(p + at, &v, w);	/* little-endian host, little-endian object */
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	struct regions rs;
	unsigned int st = seed;
	int i, n;

	find_regions(data, size, &rs);
	if (!rs.n || rnd(&st) % 8 == 0)
		return LLVMFuzzerMutate(data, size, max_size);
	n = 1 + rnd(&st) % 3;
	for (i = 0; i < n; i++) {
		const struct region *r = &rs.r[rnd(&st) % rs.n];

		if (r->text)
			mutate_text(data + r->off, r->len, &st);
		else
			mutate_binary(data + r->off, r->len, &st);
	}
	return size;
}
