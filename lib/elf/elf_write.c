// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writing the model back: indices, string and symbol tables are made afresh
 * from what is left of it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elf/elf_file.h"
#include "elf/elf_internal.h"

/*
 * Indices are assigned afresh: a removed section or symbol must no longer be
 * referred to, which is checked here rather than trusted.
 */
static int assign_indices(struct elf_file *elf)
{
	size_t i, n = 1;
	int pass;

	for (i = 1; i < elf->nr_secs; i++) {
		struct section *sec = elf->secs[i];

		sec->out_idx = sec->removed ? 0 : n++;
		if (!sec->removed && sec->link && sec->link->removed) {
			elf_err(elf, "internal error: %s links to removed section %s", sec->name,
				sec->link->name);
			return -1;
		}
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
	/*
	 * ELF wants the local symbols first: an edit that made a symbol global
	 * or added a local one must not leave a local after sh_info.
	 */
	n = 1;
	for (pass = 0; pass < 2; pass++)
		for (i = 1; i < elf->nr_syms; i++) {
			struct symbol *sym = elf->syms[i];
			bool local = GELF_ST_BIND(sym->sym.st_info) == STB_LOCAL;

			if (sym->removed) {
				sym->out_idx = 0;
				continue;
			}
			if (local != !pass)
				continue;
			if (sym->sec && sym->sec->removed) {
				elf_err(elf, "internal error: symbol %s is in removed section %s",
					sym->name, sym->sec->name);
				return -1;
			}
			sym->out_idx = n++;
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
	/* In the order assign_indices() numbered them. */
	for (i = 1; i < elf->nr_syms; i++) {
		struct symbol *sym = elf->syms[i];
		GElf_Sym *out;

		if (sym->removed)
			continue;
		out = &t->syms[sym->out_idx];
		*out = sym->sym;
		if (sym->renamed)
			out->st_name = strtab_add(&t->strtab, sym->name);
		if (sym->sec)
			out->st_shndx = sym->sec->out_idx;
		t->nr_syms++;
		if (GELF_ST_BIND(out->st_info) == STB_LOCAL && sym->out_idx + 1 > t->first_global)
			t->first_global = sym->out_idx + 1;
	}
	if (!t->first_global)
		t->first_global = 1;
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
