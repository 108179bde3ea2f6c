// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sealed ENDBR list is read from the same vmlinux as the symbols, so the
 * addresses agree whatever KASLR does at boot. A symbol is named the way the
 * kernel resolves it: .klp.sym names after klp-convert, KLP_RELOC_SYMBOL and
 * KLP_MODULE_RELOC annotations before, or a name unique in vmlinux.
 */
#include <stdlib.h>
#include <string.h>

#include "check/ibt_seal.h"
#include "elf/arch.h"
#include "elf/elf_input.h"
#include "patch/annotations.h"
#include "symbols/symlist.h"
#include "symbols/symmap.h"
#include "symbols/vmlinux_reader.h"

#define SEAL_SECTION ".ibt_endbr_seal"

struct ibt_vmlinux {
	struct symmap *map;
	uint64_t *sealed;	/* sorted, unique */
	size_t nr_sealed;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Each entry is a 32-bit offset from itself to a sealed ENDBR. */
static int seals_from(struct ibt_vmlinux *v, const char *path, Elf_Scn *scn, const GElf_Shdr *sh,
		      bool msb)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t i, n;

	if (!d || d->d_size != sh->sh_size || sh->sh_size % 4) {
		pr_err("%s: %s cannot be read (truncated?)", path, SEAL_SECTION);
		return -1;
	}
	n = d->d_size / 4;
	v->sealed = xcalloc(n ? n : 1, sizeof(*v->sealed));
	for (i = 0; i < n; i++) {
		/* Raw section bytes, in the vmlinux's byte order whatever the host's. */
		const unsigned char *p = (const unsigned char *)d->d_buf + i * 4;
		uint32_t u = msb ? (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3] :
				   p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;

		v->sealed[i] = sh->sh_addr + i * 4 + (int64_t)(int32_t)u;
	}
	qsort(v->sealed, n, sizeof(*v->sealed), cmp_u64);
	for (i = 0; i < n; i++)
		if (!v->nr_sealed || v->sealed[v->nr_sealed - 1] != v->sealed[i])
			v->sealed[v->nr_sealed++] = v->sealed[i];
	return 0;
}

static int read_seals(struct ibt_vmlinux *v, const char *path)
{
	static const struct elf_input_want want = {
		.flags = ELF_INPUT_MMAP | ELF_INPUT_SHDRS_IN_FILE,
		.types = ELF_TYPE_BIT(ET_EXEC) | ELF_TYPE_BIT(ET_DYN),
		.type_error = "not a linked vmlinux (ELF type %u)",
	};
	struct elf_input in = { 0 };
	const struct arch *arch;
	Elf_Scn *scn = NULL;
	char *err;
	int ret = -1;

	if (elf_input_open(&in, path, &want, &err)) {
		pr_err("%s", err);
		free(err);
		return -1;
	}
	arch = arch_lookup(&in.ehdr);
	if (!arch || !arch->ibt) {
		pr_err("%s: not a vmlinux of an architecture with IBT (x86_64)", path);
		goto out;
	}
	while ((scn = elf_nextscn(in.elf, scn))) {
		const char *name;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) ||
		    !(name = elf_strptr(in.elf, in.shstrndx, sh.sh_name)) ||
		    strcmp(name, SEAL_SECTION))
			continue;
		ret = seals_from(v, path, scn, &sh, in.ehdr.e_ident[EI_DATA] == ELFDATA2MSB);
		goto out;
	}
	pr_err("%s: no %s section: built without CONFIG_X86_KERNEL_IBT, so there is "
	       "nothing to check", path, SEAL_SECTION);
out:
	elf_input_close(&in);
	return ret;
}

struct ibt_vmlinux *ibt_vmlinux_read(const char *path)
{
	struct ibt_vmlinux *v = xcalloc(1, sizeof(*v));
	struct symlist l;

	if (read_seals(v, path) || vmlinux_read_elf(path, &l))
		goto fail;
	free(l.name);
	l.name = xstrdup("vmlinux");
	v->map = symmap_new();
	if (symlist_to_map(v->map, &l)) {
		symlist_release(&l);
		goto fail;
	}
	symlist_release(&l);
	return v;
fail:
	ibt_vmlinux_free(v);
	return NULL;
}

void ibt_vmlinux_free(struct ibt_vmlinux *v)
{
	if (!v)
		return;
	symmap_free(v->map);
	free(v->sealed);
	free(v);
}

size_t ibt_vmlinux_nr_sealed(const struct ibt_vmlinux *v)
{
	return v->nr_sealed;
}

static bool is_sealed(const struct ibt_vmlinux *v, uint64_t addr)
{
	return bsearch(&addr, v->sealed, v->nr_sealed, sizeof(*v->sealed), cmp_u64);
}

/* What the kernel will resolve sym to, when it is a vmlinux symbol. */
struct target {
	char *name;
	unsigned long pos;	/* 0: the name is unique */
};

/* .klp.sym.<obj>.<name>,<pos> (converted) or .klp.sym.rela.<lp>.<obj>.<name>,<pos>. */
static bool parse_klp_sym(const char *s, struct target *t)
{
	const char *comma, *obj;
	char *end;

	if (str_starts_with(s, KLP_RELOC_SYMBOL_PREFIX)) {
		s = strchr(s + strlen(KLP_RELOC_SYMBOL_PREFIX), '.');
		if (!s)
			return false;
		obj = s + 1;
	} else if (str_starts_with(s, ".klp.sym.")) {
		obj = s + strlen(".klp.sym.");
	} else {
		return false;
	}
	if (!str_starts_with(obj, "vmlinux."))
		return false;
	s = obj + strlen("vmlinux.");
	comma = strrchr(s, ',');
	if (!comma || comma == s)
		return false;
	t->pos = strtoul(comma + 1, &end, 10);
	if (*end || end == comma + 1)
		return false;
	t->name = strndup(s, comma - s);
	return t->name;
}

static bool resolve(const struct symbol *sym, const struct annotations *ann, struct target *t)
{
	const struct annotation *a;

	if (!sym->idx || !sym->name)
		return false;
	if (parse_klp_sym(sym->name, t))
		return true;
	if (!symbol_is_undef(sym))
		return false;
	a = ann ? annotation_for(ann, sym) : NULL;
	if (a) {
		if (strcmp(a->obj, "vmlinux"))
			return false;
		t->name = xstrdup(a->name);
		t->pos = a->pos;
		return true;
	}
	t->name = xstrdup(sym->name);
	t->pos = 0;
	return true;
}

/* The symbol sympos pos picks, or NULL when the name does not pick one. */
static const struct map_symbol *pick(const struct symmap *map, const struct target *t)
{
	const struct map_symbol *s, *found = NULL;
	unsigned int n = 0;

	for (s = symmap_lookup(map, t->name); s; s = s->next) {
		if (s->flags & MAP_INIT)
			continue;
		if (t->pos ? s->pos == t->pos : !n)
			found = s;
		n++;
	}
	/* An ambiguous name is klp-convert's error, not this check's. */
	return !t->pos && n != 1 ? NULL : found;
}

static void report_site(struct check_report *rep, const struct section *target,
			const struct reloc *r, const struct reloc_rule *rule,
			const struct map_symbol *fn)
{
	const struct symbol *at = symbol_containing(target, r->offset);
	struct finding *f;
	char *where;

	if (at)
		where = xasprintf("%s+0x%lx", at->name, (unsigned long)(r->offset - at->sym.st_value));
	else
		where = xasprintf("%s+0x%lx", target->name, (unsigned long)r->offset);
	f = report_add(rep, FINDING_ERROR, "ibt-sealed-address", "vmlinux", fn->name,
		       "%s takes the address of vmlinux's '%s' (%s), whose ENDBR vmlinux seals at "
		       "boot: an indirect call through it faults on IBT hardware", where, fn->name,
		       rule ? rule->name : "relocation");
	finding_note(f, "objtool sealed it because vmlinux never takes its address; call it "
		     "directly, or point at a function of the livepatch that calls it");
	free(where);
}

unsigned int ibt_check(struct elf_file *lp, const struct annotations *ann,
		       const struct ibt_vmlinux *v, struct check_report *rep)
{
	const struct arch *arch = arch_for(&lp->ehdr, lp->path);
	unsigned int errors = 0;
	struct section *sec;
	size_t i, j;

	if (!arch)
		return 1;
	if (!arch->ibt)
		return 0;
	for_each_section(lp, sec, i) {
		/* The annotations name symbols; klp-convert removes them. */
		if (sec->removed || sec->sh.sh_type != SHT_RELA || !sec->info ||
		    !section_is_alloc(sec->info) || is_annotation_section(sec->info))
			continue;
		for (j = 0; j < sec->nr_relocs; j++) {
			const struct reloc *r = &sec->relocs[j];
			const struct reloc_rule *rule = arch_reloc_rule(arch, r->type);
			const struct map_symbol *fn;
			struct target t;

			if (r->removed || !r->sym || (rule && rule->branch) ||
			    !resolve(r->sym, ann, &t))
				continue;
			fn = pick(v->map, &t);
			if (fn && map_symbol_is_func(fn) && is_sealed(v, fn->addr)) {
				report_site(rep, sec->info, r, rule, fn);
				errors++;
			}
			free(t.name);
		}
	}
	return errors;
}
