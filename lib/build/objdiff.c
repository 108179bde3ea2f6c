// SPDX-License-Identifier: GPL-2.0-only
/*
 * The function-by-function comparison of a file's original and patched
 * objects: what changed, what is new, what a livepatch cannot change.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/extract.h"
#include "build/objdiff.h"
#include "elf/arch.h"
#include "elf/elf_file.h"
#include "elf/jump_sites.h"

/* What one section holds, sorted once: relocations by offset, symbols by value. */
struct sec_index {
	struct reloc **relocs;
	size_t nr_relocs;
	bool relocs_sorted;
	struct symbol **syms;
	size_t nr_syms, alloc_syms;
	uint64_t *fentry;		/* ftrace call sites, sorted */
	size_t nr_fentry, alloc_fentry;
	struct section **relas;		/* every relocation section for it (.klp.rela too) */
	size_t nr_relas, alloc_relas;
};

struct obj {
	struct elf_file *elf;
	const struct arch *arch;
	struct sec_index *idx;		/* by section index */
	struct hashtab funcs, data;	/* by name */
	bool has_fentry;		/* the object has ftrace call site tables */
	unsigned int kver;		/* KLP_KVER: the special tables' layouts; 0 unknown */
	struct entry *entries;		/* special-table entries of functions, by function */
	size_t nr_entries;
	/*
	 * The proof: a converted livepatch against the patched build, where
	 * the kernel's symbols are .klp.sym names in one and plain ones in the
	 * other, and a function-local static has the kernel's number in one
	 * and the patched build's in the other.
	 */
	bool prove;
	/* The proof's patched build: the static branches the module's objtool made NOPs. */
	struct jump_sites jumps;
};

static int cmp_reloc(const void *a, const void *b)
{
	const struct reloc *x = *(struct reloc *const *)a, *y = *(struct reloc *const *)b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct symbol *x = *(struct symbol *const *)a, *y = *(struct symbol *const *)b;

	if (x->sym.st_value != y->sym.st_value)
		return x->sym.st_value < y->sym.st_value ? -1 : 1;
	/* Aliases: the sized one first, then symbol table order. */
	if (!x->sym.st_size != !y->sym.st_size)
		return x->sym.st_size ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct sec_index *relocs_of(struct obj *o, const struct section *sec)
{
	struct sec_index *si = &o->idx[sec->idx];
	size_t i, k, n = 0;

	if (si->relocs_sorted)
		return si;
	si->relocs_sorted = true;
	for (k = 0; k < si->nr_relas; k++)
		n += si->relas[k]->nr_relocs;
	if (!n)
		return si;
	si->relocs = xcalloc(n, sizeof(*si->relocs));
	for (k = 0; k < si->nr_relas; k++)
		for (i = 0; i < si->relas[k]->nr_relocs; i++)
			if (!si->relas[k]->relocs[i].removed)
				si->relocs[si->nr_relocs++] = &si->relas[k]->relocs[i];
	qsort(si->relocs, si->nr_relocs, sizeof(*si->relocs), cmp_reloc);
	return si;
}

/* The first relocation of sec at or after offset. */
static size_t reloc_lower(const struct sec_index *si, uint64_t offset)
{
	size_t lo = 0, hi = si->nr_relocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (si->relocs[mid]->offset < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The function or object of sec covering offset, or NULL. */
static const struct symbol *containing(const struct obj *o, const struct section *sec,
				       int64_t offset)
{
	const struct sec_index *si = &o->idx[sec->idx];
	size_t lo = 0, hi = si->nr_syms;
	const struct symbol *s, *best;
	uint64_t v;

	if (offset < 0)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (si->syms[mid]->sym.st_value <= (uint64_t)offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* The run of symbols at the last value at or before offset: the sized ones sort first. */
	best = NULL;
	if (!lo)
		return NULL;
	v = si->syms[lo - 1]->sym.st_value;
	while (lo && si->syms[lo - 1]->sym.st_value == v) {
		s = si->syms[--lo];
		if ((uint64_t)offset < v + s->sym.st_size ||
		    (!s->sym.st_size && (uint64_t)offset == v))
			best = s;
	}
	return best;
}

/* ".12" at the end of a function-local static's name ("counter.12"). */
static size_t local_suffix(const char *name)
{
	size_t n = strlen(name), i = n;

	while (i && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	return i < n && i > 1 && name[i - 1] == '.' ? n - i + 1 : 0;
}

static bool is_local_static(const struct symbol *s)
{
	return GELF_ST_BIND(s->sym.st_info) == STB_LOCAL &&
	       GELF_ST_TYPE(s->sym.st_info) == STT_OBJECT && local_suffix(s->name);
}

static bool in_data_section(const struct section *sec)
{
	return str_starts_with(sec->name, ".data") || str_starts_with(sec->name, ".bss") ||
	       str_starts_with(sec->name, ".rodata");
}

static char *clone_parent(const char *name);
static bool is_func(const struct symbol *s);

/*
 * The kernel's name of a symbol of a converted livepatch: klp-convert's
 * .klp.sym.OBJ.NAME,POS (or its input, .klp.sym.rela.OBJ.OBJ.NAME,POS)
 * is NAME; the sympos is the map's, proven when it was chosen. A
 * function-local static goes by its name without gcc's number: the
 * livepatch has the running kernel's (calls.3), the patched build its own
 * (calls.5), and the extraction refuses two of one name in one function.
 */
static void prove_key(const struct symbol *s, struct strbuf *k)
{
	const char *name = s->name, *comma;
	size_t n = strlen(name);
	bool klp = false;
	char *parent;

	if (str_starts_with(name, ".klp.sym.")) {
		int dots = str_starts_with(name, ".klp.sym.rela.") ? 2 : 1;

		name += str_starts_with(name, ".klp.sym.rela.") ? 14 : 9;
		while (dots-- && strchr(name, '.'))
			name = strchr(name, '.') + 1;
		comma = strrchr(name, ',');
		n = comma ? (size_t)(comma - name) : strlen(name);
		klp = true;
	}
	strbuf_add(k, name, n);
	if (is_local_static(s) || klp) {
		char *plain = strndup(name, n);
		size_t suffix = local_suffix(plain);

		parent = clone_parent(plain);
		if (suffix && !parent && GELF_ST_TYPE(s->sym.st_info) != STT_FUNC) {
			k->len -= suffix;
			strbuf_add(k, ".static", 7);
		}
		free(parent);
		free(plain);
	}
}

/*
 * How a relocation names a symbol: its name. gcc numbers function-local
 * statics in the order it emits them (counter.12), which a patch shifts:
 * a variable goes by its name without the number, and its contents, so
 * that a changed initial value still makes its users differ. A static in
 * a special section (dynamic debug's descriptors, named by __COUNTER__,
 * holding __LINE__) goes by its section and the name without any number:
 * a line added above it must not change its users.
 */
static void symbol_key(const struct obj *o, const struct symbol *s, struct strbuf *k)
{
	size_t n = strlen(s->name) - local_suffix(s->name);

	if (o->prove) {
		prove_key(s, k);
		return;
	}
	if (!is_local_static(s)) {
		strbuf_addf(k, "%s", s->name);
	} else if (s->sec && in_data_section(s->sec)) {
		uint64_t h = s->sec->data && s->sym.st_value <= s->sec->size &&
			     s->sym.st_size <= s->sec->size - s->sym.st_value ?
			     hash_mem(s->sec->data + s->sym.st_value, s->sym.st_size) : 0;

		strbuf_addf(k, "%.*s{%" PRIu64 ",%016" PRIx64 "}", (int)n, s->name,
			    (uint64_t)s->sym.st_size, h);
	} else {
		while (n && s->name[n - 1] >= '0' && s->name[n - 1] <= '9')
			n--;
		strbuf_addf(k, "%.*s@%s", (int)n, s->name, s->sec ? s->sec->name : "");
	}
}

/*
 * What a relocation names, as text two objects can compare. An
 * instruction's pc-relative operand is relative to the instruction's end
 * (the addend is the target minus the field's size); a table's ".long
 * sym - ." field (in_table) is not.
 */
static void target_key_of(const struct obj *o, const struct reloc *r, bool in_table,
			  struct strbuf *k)
{
	const struct symbol *s = r->sym;
	const struct reloc_rule *rule;
	const struct section *sec;
	int64_t a = r->addend, at;

	strbuf_addf(k, "%u:", r->type);
	if (!s || !s->idx) {
		strbuf_addf(k, "abs%+" PRId64, a);
		return;
	}
	if (GELF_ST_TYPE(s->sym.st_info) != STT_SECTION || !s->sec) {
		/*
		 * A local label in a string or constant section (.LC0, which
		 * the assembler keeps for an asm operand such as __bug_table's
		 * __FILE__) is renumbered as any literal: it goes by contents.
		 */
		if (!s->sec || !(s->sec->sh.sh_flags & SHF_MERGE) ||
		    GELF_ST_BIND(s->sym.st_info) != STB_LOCAL) {
			symbol_key(o, s, k);
			strbuf_addf(k, "%+" PRId64, a);
			return;
		}
		a = (int64_t)((uint64_t)a + s->sym.st_value);
	}
	sec = s->sec;
	rule = o->arch ? arch_reloc_rule(o->arch, r->type) : NULL;
	/* Wrapping: an addend is whatever the object says. */
	at = (int64_t)((uint64_t)a + (rule && rule->pcrel && !in_table ? rule->size : 0));
	if ((sec->sh.sh_flags & SHF_MERGE) && sec->data && at >= 0 && (uint64_t)at < sec->size) {
		if (sec->sh.sh_flags & SHF_STRINGS) {
			/* A string literal: its text, wherever the assembler put it. */
			size_t start = at, end;
			const unsigned char *nul;

			while (start && sec->data[start - 1])
				start--;
			nul = memchr(sec->data + at, 0, sec->size - at);
			end = nul ? (size_t)(nul - sec->data) : sec->size;
			strbuf_add(k, "str\"", 4);
			strbuf_add(k, sec->data + start, end - start);
			strbuf_addf(k, "\"%+" PRId64, (int64_t)((uint64_t)a - start));
			return;
		}
		if (sec->sh.sh_entsize) {
			uint64_t n = sec->sh.sh_entsize, e = at / n * n, i;

			strbuf_add(k, "cst:", 4);
			for (i = e; i < e + n && i < sec->size; i++)
				strbuf_addf(k, "%02x", sec->data[i]);
			strbuf_addf(k, "%+" PRId64, (int64_t)((uint64_t)a - e));
			return;
		}
	}
	s = containing(o, sec, at);
	/* An immediate after the field (movb $1, once(%rip)): the addend counts from its end. */
	if (!s && rule && rule->pcrel && !in_table) {
		static const int imm[] = { 1, 2, 4 };
		size_t i;

		for (i = 0; !s && i < ARRAY_SIZE(imm); i++)
			s = containing(o, sec, at + imm[i]);
	}
	/*
	 * One past an object's end (a loop's bound, "p < tbl + n") is in no
	 * symbol: it goes by the object it ends, not by the section's name,
	 * which -fdata-sections numbers as gcc numbers the static
	 * (.rodata.offsets.67, then .68).
	 */
	if (!s && at > 0) {
		s = containing(o, sec, at - 1);
		if (s && (uint64_t)at != s->sym.st_value + s->sym.st_size)
			s = NULL;
	}
	if (s) {
		symbol_key(o, s, k);
		strbuf_addf(k, "%+" PRId64, (int64_t)((uint64_t)a - s->sym.st_value));
		return;
	}
	strbuf_addf(k, "%s%+" PRId64, sec->name, a);
}

static void target_key(const struct obj *o, const struct reloc *r, struct strbuf *k)
{
	target_key_of(o, r, false, k);
}

/* The relocations of sym's bytes, compared by what they name. */
static bool same_relocs(struct obj *a, const struct symbol *sa, struct obj *b,
			const struct symbol *sb, struct strbuf *why)
{
	struct sec_index *ia = relocs_of(a, sa->sec), *ib = relocs_of(b, sb->sec);
	uint64_t va = sa->sym.st_value, vb = sb->sym.st_value, n = sa->sym.st_size;
	size_t i = reloc_lower(ia, va), j = reloc_lower(ib, vb);
	struct strbuf ka = { 0 }, kb = { 0 };
	bool same = true;

	for (; same; i++, j++) {
		bool ea = i >= ia->nr_relocs || ia->relocs[i]->offset >= va + n;
		bool eb = j >= ib->nr_relocs || ib->relocs[j]->offset >= vb + n;

		if (ea || eb) {
			same = ea && eb;
			if (!same)
				strbuf_addf(why, "a relocation %s at +0x%" PRIx64,
					    ea ? "added" : "removed",
					    ea ? ib->relocs[j]->offset - vb : ia->relocs[i]->offset - va);
			break;
		}
		if (ia->relocs[i]->offset - va != ib->relocs[j]->offset - vb) {
			same = false;
			strbuf_addf(why, "relocations at +0x%" PRIx64 ", now +0x%" PRIx64,
				    ia->relocs[i]->offset - va, ib->relocs[j]->offset - vb);
			break;
		}
		ka.len = kb.len = 0;
		target_key(a, ia->relocs[i], &ka);
		target_key(b, ib->relocs[j], &kb);
		same = ka.len == kb.len && !memcmp(ka.buf, kb.buf, ka.len);
		if (!same)
			strbuf_addf(why, "the relocation at +0x%" PRIx64 " was %.*s, now %.*s",
				    ia->relocs[i]->offset - va, (int)ka.len, ka.buf, (int)kb.len,
				    kb.buf);
	}
	strbuf_release(&ka);
	strbuf_release(&kb);
	return same;
}

/* The bytes, relocated fields aside (their targets are compared by same_relocs()). */
static bool same_bytes(struct obj *a, const struct symbol *sa, const struct symbol *sb,
		       struct strbuf *why)
{
	uint64_t n = sa->sym.st_size, va = sa->sym.st_value, vb = sb->sym.st_value, i;
	struct sec_index *ia = relocs_of(a, sa->sec);
	const unsigned char *pa, *pb;
	unsigned char *mask;
	size_t r;
	bool same = true;

	if (!sa->sec->data || !sb->sec->data) {
		if (!sa->sec->data && !sb->sec->data)
			return true;
		strbuf_addf(why, "%s, now %s", sa->sec->data ? "initialised" : "zeroed (.bss)",
			    sb->sec->data ? "initialised" : "zeroed (.bss)");
		return false;
	}
	/* A symbol past its section's end (a broken object): what the section has of it. */
	{
		uint64_t na = va < sa->sec->size ? sa->sec->size - va : 0;
		uint64_t nb = vb < sb->sec->size ? sb->sec->size - vb : 0;

		na = na < n ? na : n;
		nb = nb < n ? nb : n;
		if (na != nb) {
			strbuf_addf(why, "%" PRIu64 " bytes in its section, now %" PRIu64, na, nb);
			return false;
		}
		n = na;
	}
	if (!n)
		return true;
	pa = sa->sec->data + va;
	pb = sb->sec->data + vb;
	mask = xcalloc(1, n);
	for (r = reloc_lower(ia, va); r < ia->nr_relocs && ia->relocs[r]->offset < va + n; r++) {
		const struct reloc_rule *rule = a->arch ? arch_reloc_rule(a->arch, ia->relocs[r]->type) : NULL;
		uint64_t w = rule && rule->size ? rule->size : 4, k;

		for (k = 0; k < w && ia->relocs[r]->offset - va + k < n; k++)
			mask[ia->relocs[r]->offset - va + k] = 1;
	}
	for (i = 0; i < n; i++) {
		unsigned int len;

		if (mask[i] || pa[i] == pb[i])
			continue;
		/* A jmp differs from the NOP in its first byte: i is the site. */
		len = jump_sites_nop(&a->jumps, sa->sec->idx, va + i, pa, pb, i, n);
		if (len) {
			i += len - 1;
			continue;
		}
		same = false;
		strbuf_addf(why, "the bytes differ at +0x%" PRIx64, i);
		break;
	}
	free(mask);
	return same;
}

/*
 * The special tables whose entries say what a function does beside its
 * bytes: WARN_ON to WARN_ON_ONCE changes only a __bug_table entry's
 * flags, an alternative only its feature bit. Each entry goes with the
 * function its first field points into. The other tables (ORC, ftrace's,
 * the return and call sites) follow from the code itself.
 */
static const struct compared_table {
	const char *name;
	size_t line_at;		/* a __LINE__ field, not compared by the diffing; 0: none */
} compared_tables[] = {
	{ "__bug_table", 8 },	/* bug_addr_disp, file_disp, line, flags */
	{ "__ex_table", 0 },
	{ "__jump_table", 0 },
	{ ".altinstructions", 0 },
	{ ".static_call_sites", 0 },
};

struct entry {
	const struct symbol *fn;
	const struct section *sec;
	const struct compared_table *table;
	uint64_t at;		/* the entry's offset in sec */
	uint64_t pos;		/* where in fn it points */
	size_t size;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->fn->idx != y->fn->idx)
		return x->fn->idx < y->fn->idx ? -1 : 1;
	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	if (x->sec->idx != y->sec->idx)
		return x->sec->idx < y->sec->idx ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Where a table's field points: its section and offset there. */
static int64_t reloc_points_at(const struct reloc *r, const struct section **sec)
{
	int64_t at = r->addend;

	*sec = r->sym ? r->sym->sec : NULL;
	if (r->sym && GELF_ST_TYPE(r->sym->sym.st_info) != STT_SECTION)
		at = (int64_t)((uint64_t)at + r->sym->sym.st_value);
	return at;
}

static void index_entries(struct obj *o)
{
	size_t alloc = 0, t;

	if (!o->arch || o->elf->ehdr.e_machine != EM_X86_64)
		return;
	for (t = 0; t < ARRAY_SIZE(compared_tables); t++) {
		struct section *sec = elf_find_section(o->elf, compared_tables[t].name);
		size_t es = special_entry_size(compared_tables[t].name, o->kver), i;
		struct sec_index *si;

		if (!sec || !es)
			continue;
		si = relocs_of(o, sec);
		for (i = 0; i < si->nr_relocs; i++) {
			const struct reloc *r = si->relocs[i];
			const struct section *to;
			const struct symbol *fn;
			int64_t at;

			if (r->offset % es)
				continue;
			at = reloc_points_at(r, &to);
			fn = to ? containing(o, to, at) : NULL;
			if (!fn || !is_func(fn))
				continue;
			grow_array(&o->entries, &alloc, o->nr_entries + 1, sizeof(*o->entries));
			o->entries[o->nr_entries++] = (struct entry){
				.fn = fn, .sec = sec, .table = &compared_tables[t], .at = r->offset,
				.pos = at - fn->sym.st_value, .size = es,
			};
		}
	}
	if (o->nr_entries)
		qsort(o->entries, o->nr_entries, sizeof(*o->entries), cmp_entry);
}

/* fn's entries: *nr of them from the returned one. */
static const struct entry *entries_of(const struct obj *o, const struct symbol *fn, size_t *nr)
{
	size_t lo = 0, hi = o->nr_entries, n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (o->entries[mid].fn->idx < fn->idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (n = 0; lo + n < o->nr_entries && o->entries[lo + n].fn == fn; n++)
		;
	*nr = n;
	return n ? &o->entries[lo] : NULL;
}

/*
 * A relocation of an entry, as text: as target_key(), except that an
 * alternative's replacement goes by nothing more than being one, since
 * its offset moves with every alternative before it in the file.
 */
static void entry_target_key(const struct obj *o, const struct reloc *r, struct strbuf *k)
{
	const struct section *to;

	reloc_points_at(r, &to);
	if (to && !strcmp(to->name, ".altinstr_replacement")) {
		strbuf_addf(k, "%u:.altinstr_replacement", r->type);
		return;
	}
	target_key_of(o, r, true, k);
}

static bool same_entry(struct obj *a, const struct entry *ea, struct obj *b,
		       const struct entry *eb, struct strbuf *why)
{
	struct sec_index *ia = relocs_of(a, ea->sec), *ib = relocs_of(b, eb->sec);
	const unsigned char *pa, *pb;
	struct strbuf ka = { 0 }, kb = { 0 };
	unsigned char *mask;
	size_t i, j, n = ea->size;
	bool same = true;

	if (!ea->sec->data || !eb->sec->data || ea->at + n > ea->sec->size ||
	    eb->at + n > eb->sec->size)
		return ea->sec->data == eb->sec->data;
	pa = ea->sec->data + ea->at;
	pb = eb->sec->data + eb->at;
	mask = xcalloc(1, n);
	if (ea->table->line_at && !a->prove)
		mask[ea->table->line_at] = mask[ea->table->line_at + 1] = 1;
	i = reloc_lower(ia, ea->at);
	j = reloc_lower(ib, eb->at);
	for (;; i++, j++) {
		bool enda = i >= ia->nr_relocs || ia->relocs[i]->offset >= ea->at + n;
		bool endb = j >= ib->nr_relocs || ib->relocs[j]->offset >= eb->at + n;
		const struct reloc_rule *rule;
		uint64_t w, k;

		if (enda || endb) {
			same = enda && endb;
			break;
		}
		if (ia->relocs[i]->offset - ea->at != ib->relocs[j]->offset - eb->at) {
			same = false;
			break;
		}
		ka.len = kb.len = 0;
		entry_target_key(a, ia->relocs[i], &ka);
		entry_target_key(b, ib->relocs[j], &kb);
		if (ka.len != kb.len || memcmp(ka.buf, kb.buf, ka.len)) {
			same = false;
			break;
		}
		rule = a->arch ? arch_reloc_rule(a->arch, ia->relocs[i]->type) : NULL;
		w = rule && rule->size ? rule->size : 4;
		for (k = 0; k < w && ia->relocs[i]->offset - ea->at + k < n; k++)
			mask[ia->relocs[i]->offset - ea->at + k] = 1;
	}
	for (i = 0; i < n && same; i++)
		same = mask[i] || pa[i] == pb[i];
	if (!same)
		strbuf_addf(why, "its %s entry for +0x%" PRIx64 " differs", ea->sec->name, ea->pos);
	free(mask);
	strbuf_release(&ka);
	strbuf_release(&kb);
	return same;
}

/*
 * The entries of a table both objects have: one only one has is objtool's
 * doing (6.12 runs it on vmlinux.o, so a file's object has no
 * .static_call_sites, while the livepatch's link makes them).
 */
static size_t next_shared(const struct entry *e, size_t i, size_t n, const struct obj *other)
{
	while (i < n && !elf_find_section(other->elf, e[i].sec->name))
		i++;
	return i;
}

/* The special-table entries of two functions with the same code. */
static bool same_entries(struct obj *a, const struct symbol *sa, struct obj *b,
			 const struct symbol *sb, struct strbuf *why)
{
	size_t na, nb, i = 0, j = 0;
	const struct entry *ea = entries_of(a, sa, &na), *eb = entries_of(b, sb, &nb);

	for (;; i++, j++) {
		i = next_shared(ea, i, na, b);
		j = next_shared(eb, j, nb, a);
		if (i == na || j == nb)
			break;
		if (strcmp(ea[i].sec->name, eb[j].sec->name) || ea[i].pos != eb[j].pos) {
			strbuf_addf(why, "its %s entry for +0x%" PRIx64 " is now %s's for +0x%" PRIx64,
				    ea[i].sec->name, ea[i].pos, eb[j].sec->name, eb[j].pos);
			return false;
		}
		if (!same_entry(a, &ea[i], b, &eb[j], why))
			return false;
	}
	if (i != na || j != nb) {
		const struct entry *e = i != na ? &ea[i] : &eb[j];

		strbuf_addf(why, "its %s entry for +0x%" PRIx64 " was %s", e->sec->name, e->pos,
			    i != na ? "removed" : "added");
		return false;
	}
	return true;
}

/* Equal, or false with what differs first in why. */
static bool same_symbol(struct obj *a, const struct symbol *sa, struct obj *b,
			const struct symbol *sb, struct strbuf *why)
{
	if (sa->sym.st_size != sb->sym.st_size) {
		strbuf_addf(why, "%" PRIu64 " bytes, now %" PRIu64, (uint64_t)sa->sym.st_size,
			    (uint64_t)sb->sym.st_size);
		return false;
	}
	return same_relocs(a, sa, b, sb, why) && same_bytes(a, sa, sb, why) &&
	       (!is_func(sa) || same_entries(a, sa, b, sb, why));
}

static bool is_func(const struct symbol *s)
{
	return GELF_ST_TYPE(s->sym.st_info) == STT_FUNC && s->sec && s->sym.st_size && *s->name;
}

/* Data a patch must not change: variables and constants at file scope. */
static bool is_checked_data(const struct symbol *s)
{
	static const char *const prefixes[] = {
		".data", ".rodata", ".bss", ".init.data", ".init.rodata", ".exit.data",
	};
	size_t i;

	if (GELF_ST_TYPE(s->sym.st_info) != STT_OBJECT || !s->sec || !*s->name ||
	    local_suffix(s->name))
		return false;
	for (i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (str_starts_with(s->sec->name, prefixes[i]))
			return !(s->sec->sh.sh_flags & SHF_MERGE);
	return false;
}

static bool in_init_exit(const struct section *sec)
{
	return str_starts_with(sec->name, ".init.") || str_starts_with(sec->name, ".exit.");
}

static const struct symbol *lookup(const struct hashtab *ht, const char *name)
{
	struct hash_iter it;
	const struct symbol *s;

	hashtab_for_each(ht, hash_str(name), it, s)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

/* ftrace's call sites: __mcount_loc (or __patchable_function_entries) entries. */
static void index_fentry(struct obj *o)
{
	static const char *const tables[] = { "__mcount_loc", "__patchable_function_entries" };
	size_t t, i;

	for (t = 0; t < ARRAY_SIZE(tables); t++) {
		struct section *sec = elf_find_section(o->elf, tables[t]);

		if (!sec)
			continue;
		o->has_fentry = true;
		if (!sec->rela)
			continue;
		for (i = 0; i < sec->rela->nr_relocs; i++) {
			const struct reloc *r = &sec->rela->relocs[i];
			struct sec_index *si;
			int64_t off;

			if (r->removed || !r->sym || !r->sym->sec)
				continue;
			off = (int64_t)((uint64_t)r->addend +
					(GELF_ST_TYPE(r->sym->sym.st_info) == STT_SECTION ? 0 :
					 r->sym->sym.st_value));
			if (off < 0)
				continue;
			si = &o->idx[r->sym->sec->idx];
			grow_array(&si->fentry, &si->alloc_fentry, si->nr_fentry + 1,
				   sizeof(*si->fentry));
			si->fentry[si->nr_fentry++] = off;
		}
	}
	for (i = 0; i < o->elf->nr_secs; i++)
		if (o->idx[i].nr_fentry)
			qsort(o->idx[i].fentry, o->idx[i].nr_fentry, sizeof(uint64_t), cmp_u64);
}

static bool has_fentry(const struct obj *o, const struct symbol *f)
{
	const struct sec_index *si = &o->idx[f->sec->idx];
	uint64_t v = f->sym.st_value;
	size_t lo = 0, hi = si->nr_fentry;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (si->fentry[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < si->nr_fentry && si->fentry[lo] < v + f->sym.st_size;
}

static void obj_close(struct obj *o)
{
	size_t i;

	if (o->idx)
		for (i = 0; i < o->elf->nr_secs; i++) {
			free(o->idx[i].relocs);
			free(o->idx[i].syms);
			free(o->idx[i].fentry);
			free(o->idx[i].relas);
		}
	free(o->idx);
	free(o->entries);
	hashtab_free(&o->funcs);
	hashtab_free(&o->data);
	jump_sites_free(&o->jumps);
	elf_close(o->elf);
	memset(o, 0, sizeof(*o));
}

static int obj_open(struct obj *o, const char *path, unsigned int kver)
{
	struct section *sec;
	struct symbol *s;
	size_t i;

	memset(o, 0, sizeof(*o));
	o->elf = elf_open_read(path);
	if (!o->elf)
		return -1;
	o->arch = arch_lookup(&o->elf->ehdr);
	o->idx = xcalloc(o->elf->nr_secs, sizeof(*o->idx));
	for_each_section(o->elf, sec, i) {
		struct sec_index *si;

		if (sec->sh.sh_type != SHT_RELA || !sec->info)
			continue;
		si = &o->idx[sec->info->idx];
		grow_array(&si->relas, &si->alloc_relas, si->nr_relas + 1, sizeof(*si->relas));
		si->relas[si->nr_relas++] = sec;
	}
	for_each_symbol(o->elf, s, i) {
		unsigned char type = GELF_ST_TYPE(s->sym.st_info);
		struct sec_index *si;

		if (!s->sec || !*s->name || type == STT_SECTION || type == STT_FILE)
			continue;
		si = &o->idx[s->sec->idx];
		grow_array(&si->syms, &si->alloc_syms, si->nr_syms + 1, sizeof(*si->syms));
		si->syms[si->nr_syms++] = s;
		if (is_func(s) && !lookup(&o->funcs, s->name))
			hashtab_add(&o->funcs, hash_str(s->name), s);
		else if (is_checked_data(s) && !lookup(&o->data, s->name))
			hashtab_add(&o->data, hash_str(s->name), s);
	}
	for (i = 0; i < o->elf->nr_secs; i++)
		if (o->idx[i].nr_syms)
			qsort(o->idx[i].syms, o->idx[i].nr_syms, sizeof(*o->idx[i].syms), cmp_sym);
	index_fentry(o);
	o->kver = kver;
	index_entries(o);
	return 0;
}

/* foo of foo.isra.0, foo.cold, foo.part.1.constprop.0; NULL for a plain name. */
static char *clone_parent(const char *name)
{
	static const char *const marks[] = {
		".cold", ".part.", ".isra.", ".constprop.", ".lto_priv.", ".localalias",
	};
	const char *first = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(marks); i++) {
		const char *p = strstr(name, marks[i]);

		if (p && p > name && (!first || p < first))
			first = p;
	}
	return first ? strndup(name, first - name) : NULL;
}

static bool is_cold(const char *name)
{
	const char *p = strstr(name, ".cold");

	return p && (!p[5] || p[5] == '.');
}

struct findings {
	struct objdiff_result *res;
	struct hashtab by_name;		/* the findings' names; indices + 1 */
};

static void add_finding(struct findings *fs, const char *name, enum fn_change change,
			const char *why)
{
	struct objdiff_result *res = fs->res;
	struct fn_finding *f;

	grow_array(&res->fns, &res->alloc, res->nr + 1, sizeof(*res->fns));
	f = &res->fns[res->nr++];
	memset(f, 0, sizeof(*f));
	f->name = xstrdup(name);
	f->change = change;
	/* A .cold part's function is what precedes .cold: __set_oom_adj.isra.0 of its .cold. */
	f->parent = is_cold(name) ? strndup(name, strstr(name, ".cold") - name) : clone_parent(name);
	f->why = why;
	hashtab_add(&fs->by_name, hash_str(name), (void *)(uintptr_t)res->nr);
}

static bool has_finding(const struct findings *fs, const char *name)
{
	struct hash_iter it;
	void *v;

	hashtab_for_each(&fs->by_name, hash_str(name), it, v)
		if (!strcmp(fs->res->fns[(uintptr_t)v - 1].name, name))
			return true;
	return false;
}

static void check_data(struct obj *o, struct obj *p, const char *path,
		       struct objdiff_result *res)
{
	struct strbuf why_buf = { 0 };
	struct symbol *s;
	size_t i;

	for_each_symbol(p->elf, s, i) {
		const struct symbol *old;
		const char *why;

		if (!is_checked_data(s) || lookup(&p->data, s->name) != s)
			continue;
		old = lookup(&o->data, s->name);
		why_buf.len = 0;
		if (!old || same_symbol(o, old, p, s, &why_buf))
			continue;
		pr_info("%s: %s: %s", path, s->name, why_buf.buf ? why_buf.buf : "differs");
		if (in_init_exit(s->sec) || in_init_exit(old->sec))
			why = "__init or __exit data changed: it served at boot or load and a livepatch cannot change it";
		else if (s->sym.st_size != old->sym.st_size)
			why = "its size changed: the running kernel's variable keeps its size";
		else if (s->sec->sh.sh_flags & SHF_WRITE)
			why = "its initial value changed: a livepatch cannot change the running kernel's variable";
		else
			why = "constant data changed: the running kernel's code keeps using the old copy";
		pr_err_sym(path, s->name, "%s", why);
		res->errors++;
	}
	strbuf_release(&why_buf);
}

const char *use_kind_name(enum use_kind kind)
{
	static const char *const names[] = {
		[USE_INCLUDED] = "in the livepatch", [USE_NEW] = "new, copied",
		[USE_LITERAL] = "literal, copied", [USE_KERNEL_GLOBAL] = "the kernel's, global",
		[USE_KERNEL_LOCAL] = "the kernel's, file-local",
		[USE_KERNEL_STATIC] = "the kernel's, function-local static",
		[USE_EXTERNAL] = "another file's",
	};

	return names[kind];
}

static void add_use(struct fn_finding *f, struct hashtab *seen, const char *name,
		    enum use_kind kind)
{
	struct hash_iter it;
	void *v;

	hashtab_for_each(seen, hash_str(name), it, v)
		if (!strcmp(f->uses[(uintptr_t)v - 1].name, name))
			return;
	grow_array(&f->uses, &f->alloc_uses, f->nr_uses + 1, sizeof(*f->uses));
	f->uses[f->nr_uses].name = xstrdup(name);
	f->uses[f->nr_uses].kind = kind;
	f->nr_uses++;
	hashtab_add(seen, hash_str(name), (void *)(uintptr_t)f->nr_uses);
}

/* A named symbol of the patched build, as the livepatch will see it. */
static enum use_kind use_of(const struct obj *o, const struct findings *fs,
			    const struct symbol *s)
{
	unsigned char type = GELF_ST_TYPE(s->sym.st_info);
	bool local = GELF_ST_BIND(s->sym.st_info) == STB_LOCAL;
	const struct symbol *old;

	if (symbol_is_undef(s) || !s->sec)
		return USE_EXTERNAL;
	if (type == STT_FUNC && has_finding(fs, s->name))
		return USE_INCLUDED;
	if (is_local_static(s))
		return USE_KERNEL_STATIC;
	old = lookup(type == STT_FUNC ? &o->funcs : &o->data, s->name);
	if (!old && type != STT_FUNC) {
		struct symbol *any = elf_find_symbol(o->elf, s->name);

		old = any && any->sec ? any : NULL;
	}
	if (!old)
		return USE_NEW;
	return local ? USE_KERNEL_LOCAL : USE_KERNEL_GLOBAL;
}

/* What f's code refers to, each once: the extraction's list of work. */
static void find_uses(struct obj *o, struct obj *p, const struct findings *fs,
		      struct fn_finding *f)
{
	const struct symbol *s = lookup(&p->funcs, f->name);
	struct hashtab seen = { 0 };
	struct sec_index *si;
	uint64_t v, n;
	size_t r;

	if (!s)
		return;
	si = relocs_of(p, s->sec);
	v = s->sym.st_value;
	n = s->sym.st_size;
	for (r = reloc_lower(si, v); r < si->nr_relocs && si->relocs[r]->offset - v < n; r++) {
		const struct reloc *rel = si->relocs[r];
		const struct symbol *t = rel->sym;
		const struct reloc_rule *rule;
		int64_t at;

		if (!t || !t->idx)
			continue;
		if (GELF_ST_TYPE(t->sym.st_info) != STT_SECTION || !t->sec) {
			if (*t->name && strcmp(t->name, "__fentry__"))
				add_use(f, &seen, t->name, use_of(o, fs, t));
			continue;
		}
		rule = p->arch ? arch_reloc_rule(p->arch, rel->type) : NULL;
		at = (int64_t)((uint64_t)rel->addend + (rule && rule->pcrel ? rule->size : 0));
		t = (t->sec->sh.sh_flags & SHF_MERGE) ? NULL : containing(p, t->sec, at);
		if (t)
			add_use(f, &seen, t->name, use_of(o, fs, t));
		else
			add_use(f, &seen, rel->sym->sec->name, USE_LITERAL);
	}
	hashtab_free(&seen);
}

/* A reference of the original object to a function: from which function, or from data. */
struct ref {
	const struct symbol *to, *from;	/* from: NULL when data holds the address */
	const struct section *in;
};

static int cmp_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	return x->to->idx < y->to->idx ? -1 : x->to->idx > y->to->idx;
}

/* Where a function's address may be stored, for a caller we cannot see. */
static bool holds_addresses(const struct section *sec)
{
	return in_data_section(sec) || str_starts_with(sec->name, ".init.data") ||
	       str_starts_with(sec->name, ".exit.data") || str_starts_with(sec->name, ".ref.data");
}

/*
 * Every reference to a local function in the original object, sorted by
 * the function: one pass, for the few notrace functions a patch changes.
 * The special tables (ftrace's, ORC, __bug_table, ...) point into code
 * without calling it and are not references.
 */
static struct ref *index_refs(struct obj *o, size_t *nr)
{
	struct ref *refs = NULL;
	size_t alloc = 0, n = 0, i, j;
	struct section *rela;

	for_each_section(o->elf, rela, i) {
		const struct section *in = rela->info;
		bool code;

		if (rela->sh.sh_type != SHT_RELA || !in || !(in->sh.sh_flags & SHF_ALLOC))
			continue;
		code = in->sh.sh_flags & SHF_EXECINSTR;
		if (!code && !holds_addresses(in))
			continue;
		/*
		 * Code in no function (.altinstr_aux, .altinstr_replacement)
		 * is a part of the function it jumps back into, not a caller.
		 */
		for (j = 0; j < rela->nr_relocs; j++) {
			const struct reloc *r = &rela->relocs[j];
			const struct symbol *t = r->sym, *from;

			if (r->removed || !t || !t->sec)
				continue;
			if (GELF_ST_TYPE(t->sym.st_info) == STT_SECTION) {
				const struct reloc_rule *rule = o->arch ? arch_reloc_rule(o->arch, r->type) : NULL;

				t = containing(o, t->sec, (int64_t)((uint64_t)r->addend +
								    (rule && rule->pcrel ? rule->size : 0)));
			}
			if (!t || !is_func(t) || GELF_ST_BIND(t->sym.st_info) != STB_LOCAL)
				continue;
			from = code ? containing(o, (struct section *)in, r->offset) : NULL;
			if (code && !from)
				continue;
			grow_array(&refs, &alloc, n + 1, sizeof(*refs));
			refs[n++] = (struct ref){ .to = t, .in = in, .from = from };
		}
	}
	if (n)
		qsort(refs, n, sizeof(*refs), cmp_ref);
	*nr = n;
	return refs;
}

/*
 * A changed function ftrace cannot patch: carried in the livepatch when it
 * is static and only functions call it, and then those callers are
 * patched instead (a notrace caller in turn, through its own callers).
 * Its address in data, or a global, has users the livepatch cannot reach.
 */
static void carry_notrace(struct obj *o, struct obj *p, struct findings *fs, const char *path,
			  const struct symbol **work, size_t nr_work, size_t alloc_work)
{
	struct objdiff_result *res = fs->res;
	struct ref *refs = NULL;
	size_t nr_refs = 0, w;

	if (nr_work)
		refs = index_refs(o, &nr_refs);
	for (w = 0; w < nr_work; w++) {
		const struct symbol *f = work[w];
		struct ref key = { .to = f }, *r;
		size_t first, last;
		const char *bad = NULL;

		if (has_finding(fs, f->name))
			continue;
		if (GELF_ST_BIND(f->sym.st_info) != STB_LOCAL)
			bad = "it is global: other files' calls cannot be redirected";
		r = nr_refs ? bsearch(&key, refs, nr_refs, sizeof(*refs), cmp_ref) : NULL;
		if (!bad && !r)
			bad = "nothing in this file calls it";
		if (bad) {
			pr_err_sym(path, f->name, "changed, but ftrace cannot patch it (notrace): %s", bad);
			res->errors++;
			continue;
		}
		for (first = r - refs; first && refs[first - 1].to == f; first--)
			;
		for (last = r - refs; last < nr_refs && refs[last].to == f; last++)
			if (!refs[last].from)
				bad = refs[last].in->name;
		if (bad) {
			pr_err_sym(path, f->name,
				   "changed, but ftrace cannot patch it (notrace), and %s holds its address: its callers cannot all be patched instead",
				   bad);
			res->errors++;
			continue;
		}
		add_finding(fs, f->name, FN_CHANGED, "notrace: carried, its callers patched instead");
		res->fns[res->nr - 1].notrace = true;
		for (; first < last; first++) {
			const struct symbol *c = refs[first].from;

			if (c == f || has_finding(fs, c->name))
				continue;
			if (!lookup(&p->funcs, c->name) || in_init_exit(c->sec)) {
				pr_err_sym(path, f->name,
					   "changed, but ftrace cannot patch it (notrace), and its caller %s %s",
					   c->name, in_init_exit(c->sec) ? "is __init or __exit code" :
					   "is gone from the patched build");
				res->errors++;
				continue;
			}
			if (!has_fentry(o, c) && !is_cold(c->name)) {
				grow_array(&work, &alloc_work, nr_work + 1, sizeof(*work));
				work[nr_work++] = c;
				continue;
			}
			add_finding(fs, c->name, FN_CHANGED, "calls a changed notrace function");
		}
	}
	free(refs);
	free(work);
}

int objdiff(const char *orig, const char *patched, const char *path, unsigned int kver,
	    struct objdiff_result *res)
{
	const struct symbol **notrace = NULL;
	size_t nr_notrace = 0, alloc_notrace = 0;
	struct obj o, p;
	struct findings fs = { .res = res };
	struct strbuf why = { 0 };
	struct symbol *s;
	size_t i, n;

	memset(res, 0, sizeof(*res));
	if (obj_open(&o, orig, kver))
		return -1;
	if (obj_open(&p, patched, kver)) {
		obj_close(&o);
		return -1;
	}
	for_each_symbol(p.elf, s, i) {
		const struct symbol *old;

		if (!is_func(s) || lookup(&p.funcs, s->name) != s)
			continue;
		old = lookup(&o.funcs, s->name);
		if (!old) {
			if (in_init_exit(s->sec))
				pr_info("%s: new __init or __exit function %s: left out", path, s->name);
			else
				add_finding(&fs, s->name, FN_NEW, NULL);
			continue;
		}
		res->compared++;
		why.len = 0;
		if (same_symbol(&o, old, &p, s, &why))
			continue;
		pr_info("%s: %s: %s", path, s->name, why.buf ? why.buf : "differs");
		if (in_init_exit(s->sec) || in_init_exit(old->sec)) {
			pr_err_sym(path, s->name,
				   "__init or __exit code changed: it ran at boot or load, and a livepatch cannot change it");
			res->errors++;
			continue;
		}
		if (o.has_fentry && !is_cold(s->name) && !has_fentry(&o, old)) {
			grow_array(&notrace, &alloc_notrace, nr_notrace + 1, sizeof(*notrace));
			notrace[nr_notrace++] = old;
			continue;
		}
		add_finding(&fs, s->name, FN_CHANGED, NULL);
	}
	carry_notrace(&o, &p, &fs, path, notrace, nr_notrace, alloc_notrace);
	/* A .cold part is never patched alone: its function comes with it. */
	for (i = 0, n = res->nr; i < n; i++) {
		const struct fn_finding *f = &res->fns[i];

		if (f->change == FN_CHANGED && is_cold(f->name) && f->parent &&
		    !has_finding(&fs, f->parent) && lookup(&o.funcs, f->parent) &&
		    lookup(&p.funcs, f->parent))
			add_finding(&fs, res->fns[i].parent, FN_CHANGED, "its .cold part changed");
	}
	for_each_symbol(o.elf, s, i)
		if (is_func(s) && lookup(&o.funcs, s->name) == s && !lookup(&p.funcs, s->name) &&
		    !in_init_exit(s->sec))
			add_finding(&fs, s->name, FN_DELETED, NULL);
	check_data(&o, &p, path, res);
	for (i = 0; i < res->nr; i++)
		if (res->fns[i].change != FN_DELETED)
			find_uses(&o, &p, &fs, &res->fns[i]);
	strbuf_release(&why);
	hashtab_free(&fs.by_name);
	obj_close(&p);
	obj_close(&o);
	return 0;
}

void objdiff_release(struct objdiff_result *res)
{
	size_t i;

	for (i = 0; i < res->nr; i++) {
		size_t j;

		for (j = 0; j < res->fns[i].nr_uses; j++)
			free(res->fns[i].uses[j].name);
		free(res->fns[i].uses);
		free(res->fns[i].name);
		free(res->fns[i].parent);
	}
	free(res->fns);
	memset(res, 0, sizeof(*res));
}

int objdiff_prove(const char *ko, const char *patched, unsigned int kver, const char *const *names,
		  size_t nr, char **why)
{
	struct obj k, p;
	struct strbuf wb = { 0 };
	size_t i;

	if (obj_open(&k, ko, kver))
		return -1;
	if (obj_open(&p, patched, kver)) {
		obj_close(&k);
		return -1;
	}
	k.prove = p.prove = true;
	/*
	 * Where objtool runs only at the module's link (6.12 with IBT), the
	 * livepatch has the NOP of a static branch the patched build keeps
	 * as the compiler's jmp.
	 */
	jump_sites_read(&p.jumps, p.elf, p.arch);
	for (i = 0; i < nr; i++) {
		const struct symbol *sk = lookup(&k.funcs, names[i]);
		const struct symbol *sp = lookup(&p.funcs, names[i]);

		why[i] = NULL;
		if (!sk || !sp) {
			why[i] = xasprintf("no function of that name in %s", sk ? patched : ko);
			continue;
		}
		wb.len = 0;
		if (!same_symbol(&p, sp, &k, sk, &wb))
			why[i] = xstrdup(wb.buf ? wb.buf : "differs");
	}
	strbuf_release(&wb);
	obj_close(&p);
	obj_close(&k);
	return 0;
}
