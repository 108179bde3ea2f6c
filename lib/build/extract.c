// SPDX-License-Identifier: GPL-2.0-only
/*
 * Extraction: the patched object cut down to what the livepatch carries,
 * every other reference turned into one klp-convert resolves against the
 * running kernel.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/extract.h"
#include "elf/arch.h"
#include "elf/elf_file.h"

/*
 * The special sections whose entries point into functions, x86_64, by
 * kernel: an entry is kept when its first field points into a kept
 * function. The sizes are the kernel's structures (struct alt_instr grew
 * its ft_flags in 6.3); objtool also writes sh_entsize for its own tables,
 * which must agree.
 */
static const struct special {
	const char *name;
	unsigned int from, to;		/* KLP_KVER range, to exclusive; 0: open */
	size_t size;
} specials[] = {
	{ "__mcount_loc", 0, 0, 8 },
	{ "__patchable_function_entries", 0, 0, 8 },
	{ ".orc_unwind_ip", 0, 0, 4 },
	{ ".orc_unwind", 0, 0, 6 },
	{ ".return_sites", 0, 0, 4 },
	{ ".call_sites", 0, 0, 4 },
	{ ".retpoline_sites", 0, 0, 4 },
	{ ".ibt_endbr_seal", 0, 0, 4 },
	{ ".smp_locks", 0, 0, 4 },
	{ "__bug_table", 0, 0, 12 },
	{ "__ex_table", 0, 0, 12 },
	{ "__jump_table", 0, 0, 16 },
	{ ".static_call_sites", 0, 0, 8 },
	/* A layout that changed: refused when the kernel's version is not known (0). */
	{ ".altinstructions", KLP_KVER(3, 0), KLP_KVER(6, 3), 12 },
	{ ".altinstructions", KLP_KVER(6, 3), 0, 14 },
};

size_t special_entry_size(const char *name, unsigned int kver)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(specials); i++)
		if (!strcmp(specials[i].name, name) && kver >= specials[i].from &&
		    (!specials[i].to || kver < specials[i].to))
			return specials[i].size;
	return 0;
}

/*
 * Sections whose references to a kept function the livepatch drops: code
 * and data of the file that stay the kernel's, boot-time tables, what the
 * linker discards, debugging information.
 */
static bool droppable(const struct section *sec)
{
	static const char *const prefixes[] = {
		".text", ".data", ".rodata", ".bss", ".init.", ".exit.", ".discard.", ".debug",
		"__ksymtab", ".initcall", ".note", ".comment", ".BTF", ".export_symbol",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (str_starts_with(sec->name, prefixes[i]))
			return true;
	return !section_is_alloc(sec);
}

/* Where ordinary code and data live: a symbol elsewhere is not one we can refer to yet. */
static bool plain_section(const struct section *sec)
{
	return str_starts_with(sec->name, ".text") || str_starts_with(sec->name, ".data") ||
	       str_starts_with(sec->name, ".rodata") || str_starts_with(sec->name, ".bss");
}

/*
 * Sections of the kernel's own objects a kept function may name, never
 * copy: a tracepoint defined in the patched file (__tracepoint_foo) and
 * its static call trampoline stay the running kernel's.
 */
static bool kernel_owned(const struct section *sec)
{
	return !strcmp(sec->name, "__tracepoints") || !strcmp(sec->name, ".static_call.text");
}

/* Special sections refused whatever they hold, and why. */
static const struct refused {
	const char *prefix, *why;
} refused[] = {
	{ "runtime_ptr_", "a runtime constant (runtime_const_ptr()): the kernel writes its value into vmlinux's code at boot (runtime_const_init()), the module loader never does in a module, whose copy would keep the placeholder" },
	{ "runtime_shift_", "a runtime constant (runtime_const_shift_right_32()): the kernel writes its value into vmlinux's code at boot (runtime_const_init()), the module loader never does in a module, whose copy would keep the placeholder" },
	{ ".printk_index", "CONFIG_PRINTK_INDEX's table of printk formats: the livepatch would have to carry the entries of its own printk() calls, which klp-build does not pick out (Debian's kernels are built without it)" },
};

static const char *refused_why(const struct section *sec)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refused); i++)
		if (str_starts_with(sec->name, refused[i].prefix))
			return refused[i].why;
	return NULL;
}

struct sym_at {
	uint64_t value, size;
	struct symbol *sym;
};

struct ex {
	const struct extract_opts *o;
	struct extract_stats *st;
	struct elf_file *elf, *orig;
	const struct arch *arch;
	bool *keep;			/* by section index */
	unsigned char *done;		/* by symbol index: its reference is settled */
	struct sym_at **at;		/* by section index: its symbols by value, as read */
	size_t *nr_at;
	struct sym_at **oat;		/* the same of the original build */
	size_t *nr_oat;
	struct section **queue;		/* kept sections whose relocations are to be seen */
	size_t nr_queue, alloc_queue;
	struct section *aux;		/* .altinstr_aux, when kept code jumps into it */
	uint64_t *aux_live;		/* where kept code jumps into it */
	size_t nr_aux_live, alloc_aux_live;
	const struct section *from;	/* the section whose relocations are being seen */
	bool *dyndbg;			/* by symbol index: a __dyndbg descriptor kept code uses */
	size_t nr_dyndbg;
	int errors;
};

/*
 * Dynamic debug's descriptors (struct _ddebug, one per pr_debug() call
 * site): the module loader registers a module's __dyndbg section as its
 * own table, so the livepatch carries those of its code, with their
 * static keys and the strings control's "file" and "func" match.
 */
static bool is_dyndbg(const struct section *sec)
{
	return !strcmp(sec->name, "__dyndbg");
}

static int cmp_at(const void *a, const void *b)
{
	const struct sym_at *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	if (!x->size != !y->size)
		return x->size ? -1 : 1;
	return x->sym->idx < y->sym->idx ? -1 : x->sym->idx > y->sym->idx;
}

static void index_symbols(struct elf_file *elf, struct sym_at ***atp, size_t **nrp)
{
	size_t *alloc = xcalloc(elf->nr_secs, sizeof(*alloc));
	struct sym_at **at = xcalloc(elf->nr_secs, sizeof(*at));
	size_t *nr = xcalloc(elf->nr_secs, sizeof(*nr));
	struct symbol *s;
	size_t i;

	for_each_symbol(elf, s, i) {
		unsigned char type = GELF_ST_TYPE(s->sym.st_info);
		size_t k;

		if (!s->sec || !*s->name || (type != STT_FUNC && type != STT_OBJECT &&
					     type != STT_NOTYPE))
			continue;
		k = s->sec->idx;
		grow_array(&at[k], &alloc[k], nr[k] + 1, sizeof(**at));
		at[k][nr[k]++] = (struct sym_at){ s->sym.st_value, s->sym.st_size, s };
	}
	for (i = 0; i < elf->nr_secs; i++)
		if (nr[i])
			qsort(at[i], nr[i], sizeof(**at), cmp_at);
	free(alloc);
	*atp = at;
	*nrp = nr;
}

/* The symbol covering offset of sec in an index of index_symbols(), or NULL. */
static const struct sym_at *containing_in(struct sym_at *const *at, const size_t *nr,
					  const struct section *sec, int64_t offset)
{
	const struct sym_at *a = at[sec->idx];
	size_t lo = 0, hi = nr[sec->idx];
	const struct sym_at *best = NULL;
	uint64_t v;

	if (offset < 0)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid].value <= (uint64_t)offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	v = a[lo - 1].value;
	while (lo && a[lo - 1].value == v) {
		const struct sym_at *s = &a[--lo];

		if ((uint64_t)offset < v + s->size || (!s->size && (uint64_t)offset == v))
			best = s;
	}
	return best;
}


/*
 * The symbol a pc-relative operand names. The addend counts from the
 * instruction's end, which is the field's end unless an immediate follows
 * it (movb $1, once(%rip): 1 byte more); when no symbol covers the
 * field's end, the immediate sizes are tried. The reference is then
 * rewritten relative to the symbol found, so the address stays the same.
 */
static const struct sym_at *containing_pcrel_in(struct sym_at *const *idx, const size_t *nr,
						const struct section *sec, int64_t at,
						const struct reloc_rule *rule)
{
	static const int imm[] = { 1, 2, 4 };
	const struct sym_at *c = containing_in(idx, nr, sec, at);
	size_t i;

	for (i = 0; !c && rule && rule->pcrel && i < ARRAY_SIZE(imm); i++)
		c = containing_in(idx, nr, sec, at + imm[i]);
	return c;
}

static const struct sym_at *containing_pcrel(const struct ex *x, const struct section *sec,
					     int64_t at, const struct reloc_rule *rule)
{
	return containing_pcrel_in(x->at, x->nr_at, sec, at, rule);
}

static void keep_section(struct ex *x, struct section *sec)
{
	if (x->keep[sec->idx])
		return;
	x->keep[sec->idx] = true;
	grow_array(&x->queue, &x->alloc_queue, x->nr_queue + 1, sizeof(*x->queue));
	x->queue[x->nr_queue++] = sec;
}

/* foo.12: gcc's name for a function-local static; the length of ".12", or 0. */
static size_t local_suffix(const char *name)
{
	size_t n = strlen(name), i = n;

	while (i && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	return i < n && i > 1 && name[i - 1] == '.' ? n - i + 1 : 0;
}

static int rename_klp(struct ex *x, struct symbol *s, const char *kname, unsigned int pos)
{
	char *name = xasprintf(".klp.sym.rela.%s.%s.%s,%u", x->o->target, x->o->target, kname, pos);

	symbol_rename(s, name);
	free(name);
	x->st->klp_syms++;
	return 0;
}

/*
 * A file-local symbol of the kernel, by the sympos the map gives it in the
 * target: a unique name from the map alone; one of several namesakes by
 * the copy klp-source --where places in this file.
 */
static int name_local(struct ex *x, struct symbol *s, const char *kname)
{
	const struct map_object *obj = symmap_find_object(x->o->map, x->o->target);
	const struct map_symbol *first = symmap_lookup(x->o->map, kname), *m;
	unsigned int n, pos;

	if (!obj) {
		pr_err_sym(x->o->path, s->name, "file-local, and the map has no object %s",
			   x->o->target);
		return -1;
	}
	n = symmap_count_in(first, obj);
	if (!n) {
		pr_err_sym(x->o->path, s->name, "file-local, and %s has no symbol %s in the map",
			   x->o->target, kname);
		return -1;
	}
	if (n > 1 && x->o->file_sympos)
		return x->o->file_sympos(x->o->data, x->o->path, kname, &pos) ? -1 :
		       rename_klp(x, s, kname, pos);
	if (n > 1) {
		pr_err_sym(x->o->path, s->name,
			   "file-local, and %s has %u symbols of that name: which one is this file's cannot be told. The candidates:",
			   x->o->target, n);
		for (m = first; m; m = m->next)
			if (m->obj == obj) {
				char *line = symmap_candidate_line(x->o->map, m);

				pr_note("%s", line);
				free(line);
			}
		return -1;
	}
	return rename_klp(x, s, kname, 0);
}

/*
 * The running kernel's copy of function-local static s (calls.4), used by
 * kept function fn: gcc numbers them as it emits them, so the patched
 * build's number means nothing. The original fn's code names its statics:
 * the one of the same name without the number is the kernel's. 0 with
 * *found NULL when the original has none (a new variable), -1 after a
 * message.
 */
static int kernel_static(struct ex *x, const char *fn, const struct symbol *s,
			 struct symbol **found)
{
	size_t n = strlen(s->name) - local_suffix(s->name), i;
	struct symbol *of = fn ? elf_find_symbol(x->orig, fn) : NULL;
	const struct reloc_rule *rule;

	*found = NULL;
	if (!fn) {
		pr_err_sym(x->o->path, s->name,
			   "a function-local static used outside a function's code: not supported yet");
		return -1;
	}
	if (!of || !of->sec || GELF_ST_TYPE(of->sym.st_info) != STT_FUNC || !of->sec->rela)
		return 0;
	for (i = 0; i < of->sec->rela->nr_relocs; i++) {
		const struct reloc *r = &of->sec->rela->relocs[i];
		struct symbol *t = r->sym;

		if (r->removed || !t || !t->idx || !t->sec || r->offset < of->sym.st_value ||
		    r->offset - of->sym.st_value >= of->sym.st_size)
			continue;
		if (GELF_ST_TYPE(t->sym.st_info) == STT_SECTION) {
			const struct sym_at *c;
			int64_t at;

			rule = x->arch ? arch_reloc_rule(x->arch, r->type) : NULL;
			at = (int64_t)((uint64_t)r->addend + (rule && rule->pcrel ? rule->size : 0));
			c = containing_pcrel_in(x->oat, x->nr_oat, t->sec, at, rule);
			t = c ? c->sym : NULL;
		}
		if (!t || !local_suffix(t->name) || strlen(t->name) - local_suffix(t->name) != n ||
		    strncmp(t->name, s->name, n) || t == *found)
			continue;
		if (*found) {
			pr_err_sym(x->o->path, s->name,
				   "a function-local static, and the original %s has two of that name: %s and %s",
				   fn, (*found)->name, t->name);
			return -1;
		}
		*found = t;
	}
	return 0;
}

/* KPATCH_IGNORE_STATIC names counter of counter.12. */
static bool ignored_static(const struct ex *x, const char *name)
{
	char *base;
	bool ret;

	if (!x->o->kpatch)
		return false;
	base = xasprintf("%.*s", (int)(strlen(name) - local_suffix(name)), name);
	ret = kp_ignored_static(x->o->kpatch, base);
	free(base);
	return ret;
}

/*
 * A defined symbol a kept section refers to: the livepatch's or the
 * kernel's. fn is the kept function whose code refers to it, or NULL.
 */
static int take_symbol(struct ex *x, struct symbol *s, const char *fn)
{
	struct symbol *old;
	bool local;

	if (x->done[s->idx] || x->keep[s->sec->idx])
		return 0;
	x->done[s->idx] = 1;
	if (is_dyndbg(s->sec) && GELF_ST_TYPE(s->sym.st_info) == STT_OBJECT && s->sym.st_size) {
		x->dyndbg[s->idx] = true;
		x->nr_dyndbg++;
		return 0;
	}
	/* A descriptor's strings (its function's __func__ too): the livepatch's copies. */
	if (x->from && is_dyndbg(x->from) && str_starts_with(s->sec->name, ".rodata") &&
	    GELF_ST_BIND(s->sym.st_info) == STB_LOCAL) {
		keep_section(x, s->sec);
		x->st->data++;
		return 0;
	}
	if (!plain_section(s->sec) && !kernel_owned(s->sec)) {
		pr_err_sym(x->o->path, s->name, "used by the patched code, in section %s: not supported yet",
			   s->sec->name);
		return -1;
	}
	/*
	 * printk_once()'s and WARN_ONCE()'s flags (__already_done.3 in
	 * .data.once, .data..once on later kernels) are the livepatch's own, as kpatch has them: the
	 * message may be printed once more, and dozens of homonyms in one
	 * section cannot be told apart by their neighbours.
	 */
	if (GELF_ST_BIND(s->sym.st_info) == STB_LOCAL &&
	    (str_starts_with(s->sec->name, ".data.once") ||
	     str_starts_with(s->sec->name, ".data..once"))) {
		pr_info("%s: %s: a once-only flag: the livepatch's own", x->o->path, s->name);
		keep_section(x, s->sec);
		x->st->data++;
		return 0;
	}
	if (GELF_ST_BIND(s->sym.st_info) == STB_LOCAL && GELF_ST_TYPE(s->sym.st_info) == STT_OBJECT &&
	    local_suffix(s->name)) {
		if (kernel_static(x, fn, s, &old))
			return -1;
		if (!old && ignored_static(x, s->name)) {
			pr_err_sym(x->o->path, s->name,
				   "KPATCH_IGNORE_STATIC: the livepatch must use the kernel's, and the original %s has no static of that name",
				   fn);
			return -1;
		}
		if (!old) {
			pr_info("%s: %s: a function-local static the original %s has not: a new variable",
				x->o->path, s->name, fn);
			keep_section(x, s->sec);
			x->st->data++;
			return 0;
		}
		if (name_local(x, s, old->name))
			return -1;
		symbol_make_undef(s);
		return 0;
	}
	old = elf_find_symbol(x->orig, s->name);
	if (!old || symbol_is_undef(old)) {
		if (GELF_ST_TYPE(s->sym.st_info) == STT_FUNC) {
			pr_err_sym(x->o->path, s->name, "a new function the comparison left out (in %s)",
				   s->sec->name);
			return -1;
		}
		if (kernel_owned(s->sec)) {
			pr_err_sym(x->o->path, s->name,
				   "in section %s, which the original build has not: a new tracepoint or static call, not supported yet",
				   s->sec->name);
			return -1;
		}
		/* New data: the livepatch's own, its section whole. */
		keep_section(x, s->sec);
		x->st->data++;
		return 0;
	}
	local = GELF_ST_BIND(s->sym.st_info) == STB_LOCAL;
	if (local && name_local(x, s, s->name))
		return -1;
	symbol_make_undef(s);
	return 0;
}

static int take_reloc(struct ex *x, struct reloc *r, const char *fn)
{
	struct symbol *t = r->sym;
	const struct reloc_rule *rule;
	const struct sym_at *c;
	struct section *sec;
	int64_t at;

	if (!t || !t->idx || symbol_is_undef(t))
		return 0;
	if (!t->sec) {
		pr_err_sym(x->o->path, t->name, "an absolute or common symbol: not supported yet");
		return -1;
	}
	sec = t->sec;
	if (!strcmp(sec->name, ".altinstr_aux")) {
		/* static_cpu_has()'s slow path: settled once every kept function is known. */
		rule = x->arch ? arch_reloc_rule(x->arch, r->type) : NULL;
		at = (int64_t)((uint64_t)r->addend + (rule && rule->pcrel ? rule->size : 0) +
			       (GELF_ST_TYPE(t->sym.st_info) == STT_SECTION ? 0 : t->sym.st_value));
		x->aux = sec;
		grow_array(&x->aux_live, &x->alloc_aux_live, x->nr_aux_live + 1,
			   sizeof(*x->aux_live));
		x->aux_live[x->nr_aux_live++] = at;
		return 0;
	}
	/* A local label in a string section (.LC37, an asm operand's __FILE__) is a literal. */
	if (GELF_ST_TYPE(t->sym.st_info) != STT_SECTION &&
	    !(GELF_ST_BIND(t->sym.st_info) == STB_LOCAL && (sec->sh.sh_flags & SHF_MERGE)))
		return take_symbol(x, t, fn);
	if (x->keep[sec->idx])
		return 0;
	if (sec->sh.sh_flags & SHF_MERGE) {
		/* A string or constant: copied, with its section. */
		keep_section(x, sec);
		x->st->data++;
		return 0;
	}
	rule = x->arch ? arch_reloc_rule(x->arch, r->type) : NULL;
	at = (int64_t)((uint64_t)r->addend + (rule && rule->pcrel ? rule->size : 0));
	c = containing_pcrel(x, sec, at, rule);
	if (!c) {
		if (!(sec->sh.sh_flags & SHF_WRITE) && str_starts_with(sec->name, ".rodata") &&
		    !x->nr_at[sec->idx]) {
			/* Constants without a name (a switch's jump table): copied. */
			keep_section(x, sec);
			x->st->data++;
			return 0;
		}
		pr_err_sym(x->o->path, sec->name,
			   "the patched code refers to %s+0x%" PRIx64 ", where no symbol is: not supported yet",
			   sec->name, (uint64_t)at);
		return -1;
	}
	r->sym = c->sym;
	r->addend = (int64_t)((uint64_t)r->addend - c->value);
	return take_symbol(x, c->sym, fn);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * .altinstr_aux holds static_cpu_has()'s slow paths of the whole file,
 * one fragment per site (test the feature bit, jump back into the
 * function), each starting where a function's code jumps into it. The
 * livepatch keeps the section; the fragments of dropped functions are
 * dead bytes there, their relocations (into dropped code) dropped.
 */
static void take_aux(struct ex *x)
{
	struct section *aux = x->aux, *sec;
	uint64_t *starts = NULL;
	size_t nr = 0, alloc = 0, i, j;

	if (!aux)
		return;
	/* Every fragment's start: where any code of the file jumps into it. */
	for_each_section(x->elf, sec, i) {
		const struct section *from = sec->info;

		if (sec->sh.sh_type != SHT_RELA || !from || from == aux ||
		    !(from->sh.sh_flags & SHF_EXECINSTR))
			continue;
		for (j = 0; j < sec->nr_relocs; j++) {
			const struct reloc *r = &sec->relocs[j];
			const struct reloc_rule *rule;

			if (r->removed || !r->sym || r->sym->sec != aux)
				continue;
			rule = x->arch ? arch_reloc_rule(x->arch, r->type) : NULL;
			grow_array(&starts, &alloc, nr + 1, sizeof(*starts));
			starts[nr++] = (uint64_t)r->addend + (rule && rule->pcrel ? rule->size : 0) +
				       (GELF_ST_TYPE(r->sym->sym.st_info) == STT_SECTION ?
					0 : r->sym->sym.st_value);
		}
	}
	qsort(starts, nr, sizeof(*starts), cmp_u64);
	qsort(x->aux_live, x->nr_aux_live, sizeof(*x->aux_live), cmp_u64);
	if (aux->rela)
		for (i = 0; i < aux->rela->nr_relocs; i++) {
			struct reloc *r = &aux->rela->relocs[i];
			size_t lo = 0, hi = nr;
			uint64_t start;

			/* The fragment r is in: the last start at or before it. */
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;

				if (starts[mid] <= r->offset)
					lo = mid + 1;
				else
					hi = mid;
			}
			start = lo ? starts[lo - 1] : 0;
			if (!bsearch(&start, x->aux_live, x->nr_aux_live, sizeof(*x->aux_live), cmp_u64))
				r->removed = true;
		}
	free(starts);
	keep_section(x, aux);
	x->st->data++;
}

static void drain(struct ex *x)
{
	size_t q, i;

	for (q = 0; q < x->nr_queue; q++) {
		struct section *sec = x->queue[q], *rela = sec->rela;
		const struct sym_at *fn = NULL;

		if (!rela)
			continue;
		/* A function's own section: the function whose code it is. */
		if ((sec->sh.sh_flags & SHF_EXECINSTR) && x->nr_at[sec->idx] == 1)
			fn = &x->at[sec->idx][0];
		x->from = sec;
		for (i = 0; i < rela->nr_relocs; i++)
			if (!rela->relocs[i].removed &&
			    take_reloc(x, &rela->relocs[i], fn ? fn->sym->name : NULL))
				x->errors++;
	}
	x->from = NULL;
	x->nr_queue = 0;
}

/* The section a relocation's target is in, as read. */
static struct section *target_section(const struct reloc *r)
{
	return r->sym && r->sym->idx ? r->sym->sec : NULL;
}

static bool points_into_kept(const struct ex *x, const struct reloc *r)
{
	const struct section *t = target_section(r);

	return t && x->keep[t->idx] && (t->sh.sh_flags & SHF_EXECINSTR);
}

/*
 * Keep the entries of sec whose first field points into kept code; with
 * only, the entries to keep (.orc_unwind, whose entries pair with
 * .orc_unwind_ip's and have no relocations). Returns the entries kept, or
 * -1 after a message; *keepv (malloc'ed, optional) gets the choice.
 */
static long filter_entries(struct ex *x, struct section *sec, const bool *only, size_t only_nr,
			   bool **keepv)
{
	size_t es = special_entry_size(sec->name, x->o->kver), n, i, k;
	struct section *rela = sec->rela;
	unsigned char *data;
	size_t *newidx;
	bool *keep;

	if (!es || (sec->sh.sh_entsize && sec->sh.sh_entsize != es) || sec->size % es) {
		pr_err_sym(x->o->path, sec->name,
			   "%zu bytes, entries of %zu bytes expected (sh_entsize %" PRIu64 "): this kernel's layout is not known",
			   sec->size, es, (uint64_t)sec->sh.sh_entsize);
		return -1;
	}
	n = sec->size / es;
	if (only && only_nr != n) {
		pr_err_sym(x->o->path, sec->name, "%zu entries for %zu of its pair", n, only_nr);
		return -1;
	}
	keep = xcalloc(n ? n : 1, sizeof(*keep));
	newidx = xcalloc(n ? n : 1, sizeof(*newidx));
	if (only)
		memcpy(keep, only, n * sizeof(*keep));
	else if (rela)
		for (i = 0; i < rela->nr_relocs; i++) {
			const struct reloc *r = &rela->relocs[i];

			if (!r->removed && r->offset % es == 0 && r->offset / es < n &&
			    points_into_kept(x, r))
				keep[r->offset / es] = true;
		}
	data = xcalloc(1, sec->size ? sec->size : 1);
	for (i = k = 0; i < n; i++) {
		newidx[i] = k;
		if (!keep[i])
			continue;
		if (sec->data)
			memcpy(data + k * es, sec->data + i * es, es);
		k++;
	}
	if (rela)
		for (i = 0; i < rela->nr_relocs; i++) {
			struct reloc *r = &rela->relocs[i];

			if (r->removed)
				continue;
			if (r->offset / es >= n || !keep[r->offset / es]) {
				r->removed = true;
				continue;
			}
			r->offset = newidx[r->offset / es] * es + r->offset % es;
		}
	/*
	 * SHF_LINK_ORDER (6.12's __patchable_function_entries): its sh_link
	 * names the code it goes with, which must be a kept one.
	 */
	if ((sec->sh.sh_flags & SHF_LINK_ORDER) && sec->link && !x->keep[sec->link->idx] && rela)
		for (i = 0; i < rela->nr_relocs; i++)
			if (!rela->relocs[i].removed && points_into_kept(x, &rela->relocs[i])) {
				sec->link = target_section(&rela->relocs[i]);
				break;
			}
	if (sec->data)
		section_set_data(sec, data, k * es);
	else
		free(data);
	sec->size = k * es;
	free(newidx);
	if (keepv)
		*keepv = keep;
	else
		free(keep);
	return k;
}

static bool refers_to_kept(const struct ex *x, const struct section *sec)
{
	size_t i;

	if (!sec->rela)
		return false;
	for (i = 0; i < sec->rela->nr_relocs; i++)
		if (!sec->rela->relocs[i].removed && points_into_kept(x, &sec->rela->relocs[i]))
			return true;
	return false;
}

struct range {
	uint64_t start, end;
};

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * The replacements no kept .altinstructions entry uses are dead bytes in
 * the livepatch: their relocations (into the code of dropped functions)
 * are dropped with them. An entry is s32 instr_offset, s32 repl_offset,
 * ..., u8 replacementlen last, on every layout of the table.
 */
static void trim_replacements(struct ex *x, struct section *alt, struct section *repl)
{
	size_t es = special_entry_size(alt->name, x->o->kver), i, n = 0;
	struct range *r;

	if (!alt->rela || !repl->rela || !alt->data)
		return;
	r = xcalloc(alt->rela->nr_relocs + 1, sizeof(*r));
	for (i = 0; i < alt->rela->nr_relocs; i++) {
		const struct reloc *e = &alt->rela->relocs[i];
		uint64_t start;

		if (e->removed || e->offset % es != 4 || target_section(e) != repl)
			continue;
		start = (uint64_t)e->addend +
			(GELF_ST_TYPE(e->sym->sym.st_info) == STT_SECTION ? 0 : e->sym->sym.st_value);
		r[n].start = start;
		r[n].end = start + alt->data[e->offset - 4 + es - 1];
		n++;
	}
	qsort(r, n, sizeof(*r), cmp_range);
	for (i = 0; i < repl->rela->nr_relocs; i++) {
		struct reloc *rel = &repl->rela->relocs[i];
		size_t lo = 0, hi = n;
		bool used = false;

		/* The last range starting at or before the relocation; they do not overlap. */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (r[mid].start <= rel->offset)
				lo = mid + 1;
			else
				hi = mid;
		}
		used = lo && rel->offset < r[lo - 1].end;
		if (!used)
			rel->removed = true;
	}
	free(r);
}

/* The special sections, each entry of a kept function kept, the others dropped. */
static void take_specials(struct ex *x)
{
	struct section *sec, *alt = elf_find_section(x->elf, ".altinstructions");
	struct section *orc = elf_find_section(x->elf, ".orc_unwind");
	bool *orc_keep = NULL;
	size_t orc_n = 0, i;
	long k;

	/* First, so that what the replacements hold counts as kept code. */
	if (alt && refers_to_kept(x, alt)) {
		k = filter_entries(x, alt, NULL, 0, NULL);
		if (k < 0) {
			x->errors++;
		} else if (k) {
			struct section *repl = elf_find_section(x->elf, ".altinstr_replacement");

			keep_section(x, alt);
			x->st->entries += k;
			if (repl) {
				trim_replacements(x, alt, repl);
				keep_section(x, repl);
			}
		}
	}
	for_each_section(x->elf, sec, i) {
		const char *why = refused_why(sec);

		/* .printk_index names no code: its entries are those of every printk() of the file. */
		if (why && sec->size && (refers_to_kept(x, sec) || !strcmp(sec->name, ".printk_index"))) {
			pr_err_sym(x->o->path, sec->name, "%s: not supported", why);
			x->errors++;
			continue;
		}
		if (x->keep[sec->idx] || sec == alt || sec == orc || sec->sh.sh_type == SHT_RELA ||
		    !refers_to_kept(x, sec))
			continue;
		if (!special_entry_size(sec->name, x->o->kver)) {
			if (droppable(sec))
				continue;
			pr_err_sym(x->o->path, sec->name,
				   "a special section with entries for the patched functions: not supported yet");
			x->errors++;
			continue;
		}
		if (!strcmp(sec->name, ".orc_unwind_ip")) {
			size_t es = special_entry_size(sec->name, x->o->kver);

			orc_n = es ? sec->size / es : 0;
			k = filter_entries(x, sec, NULL, 0, &orc_keep);
		} else {
			k = filter_entries(x, sec, NULL, 0, NULL);
		}
		if (k < 0) {
			x->errors++;
			continue;
		}
		if (k) {
			keep_section(x, sec);
			x->st->entries += k;
		}
	}
	/* .orc_unwind's entries pair with .orc_unwind_ip's, one for one. */
	if (orc && orc_keep) {
		k = filter_entries(x, orc, orc_keep, orc_n, NULL);
		if (k < 0)
			x->errors++;
		else if (k)
			keep_section(x, orc);
	}
	free(orc_keep);
	drain(x);
}

/*
 * __dyndbg cut down to the descriptors kept code uses, in their order:
 * the loader takes the section as an array of struct _ddebug, so each
 * descriptor symbol must be one whole element. Their relocations (the
 * strings) are then seen like any kept section's.
 */
static int take_dyndbg(struct ex *x)
{
	struct section *sec = elf_find_section(x->elf, "__dyndbg"), *rela;
	const struct sym_at *a;
	size_t n, es = 0, i, k, nr;
	unsigned char *data;
	size_t *newidx;
	bool *keep;

	if (!x->nr_dyndbg || !sec)
		return 0;
	a = x->at[sec->idx];
	nr = x->nr_at[sec->idx];
	for (i = 0; i < nr; i++) {
		if (!a[i].size)
			continue;
		if (!es)
			es = a[i].size;
		if (a[i].size != es || a[i].value % es || a[i].value + es > sec->size) {
			pr_err_sym(x->o->path, a[i].sym->name,
				   "a dynamic debug descriptor of %" PRIu64 " bytes at 0x%" PRIx64 " of __dyndbg, where the others are of %zu: not an array of struct _ddebug",
				   a[i].size, a[i].value, es);
			return -1;
		}
	}
	if (!es || sec->size % es || !sec->data) {
		pr_err_sym(x->o->path, sec->name, "%zu bytes, not an array of %zu-byte descriptors",
			   sec->size, es);
		return -1;
	}
	n = sec->size / es;
	keep = xcalloc(n, sizeof(*keep));
	newidx = xcalloc(n, sizeof(*newidx));
	for (i = 0; i < nr; i++) {
		unsigned int class;

		if (!a[i].size || !x->dyndbg[a[i].sym->idx])
			continue;
		keep[a[i].value / es] = true;
		/*
		 * Since 6.1, after the four strings: lineno:18, class_id:6,
		 * flags:8. A class (DECLARE_DYNDBG_CLASSMAP's, DRM's) is
		 * controlled through the module's class maps only, which the
		 * livepatch has not: control could never turn it on.
		 */
		if (x->o->kver < KLP_KVER(6, 1) || es < 36)
			continue;
		class = (elf_get_u32(x->elf, sec->data + a[i].value + 32) >> 18) & 0x3f;
		if (class != 0x3f) {
			pr_err_sym(x->o->path, a[i].sym->name,
				   "a dynamic debug descriptor of class %u (a DECLARE_DYNDBG_CLASSMAP class): the livepatch has no class map, so dynamic debug could never turn it on: not supported yet",
				   class);
			x->errors++;
		}
	}
	if (x->errors) {
		free(keep);
		free(newidx);
		return -1;
	}
	data = xcalloc(1, sec->size);
	for (i = k = 0; i < n; i++) {
		newidx[i] = k;
		if (keep[i])
			memcpy(data + k++ * es, sec->data + i * es, es);
	}
	for (i = 0; i < nr; i++) {
		struct symbol *s = a[i].sym;

		if (!a[i].size)
			continue;
		if (keep[a[i].value / es])
			s->sym.st_value = newidx[a[i].value / es] * es;
		else
			s->removed = true;
	}
	rela = sec->rela;
	for (i = 0; rela && i < rela->nr_relocs; i++) {
		struct reloc *r = &rela->relocs[i];

		if (r->removed)
			continue;
		if (r->offset / es >= n || !keep[r->offset / es])
			r->removed = true;
		else
			r->offset = newidx[r->offset / es] * es + r->offset % es;
	}
	section_set_data(sec, data, k * es);
	sec->size = k * es;
	x->st->data += k;
	free(keep);
	free(newidx);
	keep_section(x, sec);
	drain(x);
	return x->errors ? -1 : 0;
}

/*
 * A static call's key, __SCK__NAME, kept beside its trampoline __SCT__NAME
 * that kept code calls: 6.12 runs objtool when it links the module, which
 * writes the call site's key as the trampoline when the object has no
 * symbol of the key's name, and the loader then refuses any trampoline
 * the kernel does not export ("Failed to fixup __raw_static_call()", on
 * 6.12's tracepoints). Given the name, objtool names the key, which
 * klp-convert resolves like any other symbol.
 */
static bool static_call_key_kept(struct ex *x, const struct symbol *s)
{
	const struct symbol *t;
	char *name;

	if (!str_starts_with(s->name, "__SCK__"))
		return false;
	name = xasprintf("__SCT__%s", s->name + strlen("__SCK__"));
	t = elf_find_symbol(x->elf, name);
	free(name);
	return t && !t->sec && x->done[t->idx];
}

int extract(const struct extract_opts *o, struct extract_stats *st)
{
	struct ex x = { .o = o, .st = st };
	struct section *sec;
	struct symbol *s;
	size_t i, j;
	int ret = -1;

	memset(st, 0, sizeof(*st));
	x.orig = elf_open_read(o->orig);
	if (!x.orig)
		return -1;
	x.elf = elf_open_read(o->patched);
	if (!x.elf) {
		elf_close(x.orig);
		return -1;
	}
	x.arch = arch_lookup(&x.elf->ehdr);
	x.keep = xcalloc(x.elf->nr_secs, sizeof(*x.keep));
	x.done = xcalloc(x.elf->nr_syms, 1);
	x.dyndbg = xcalloc(x.elf->nr_syms, sizeof(*x.dyndbg));
	index_symbols(x.elf, &x.at, &x.nr_at);
	index_symbols(x.orig, &x.oat, &x.nr_oat);

	for (i = 0; i < o->diff->nr; i++) {
		const struct fn_finding *f = &o->diff->fns[i];

		if (f->change == FN_DELETED)
			continue;
		s = elf_find_symbol(x.elf, f->name);
		if (!s || !s->sec || GELF_ST_TYPE(s->sym.st_info) != STT_FUNC) {
			pr_err_sym(o->path, f->name, "not a function of %s", o->patched);
			x.errors++;
			continue;
		}
		/* 6.12's functions start after their padding: at 16, not 0. */
		if (x.nr_at[s->sec->idx] != 1) {
			pr_err_sym(o->path, f->name,
				   "shares section %s with other symbols: the file must be built with -ffunction-sections",
				   s->sec->name);
			x.errors++;
			continue;
		}
		keep_section(&x, s->sec);
		x.done[s->idx] = 1;
		/* Global: the generated init file names it. */
		s->sym.st_info = GELF_ST_INFO(STB_GLOBAL, STT_FUNC);
		st->funcs++;
	}
	if (x.errors)
		goto out;
	drain(&x);
	take_aux(&x);
	drain(&x);
	if (x.errors)
		goto out;
	take_specials(&x);
	if (x.errors || take_dyndbg(&x))
		goto out;

	for_each_section(x.elf, sec, i) {
		if (sec == x.elf->symtab || sec == x.elf->strtab || sec == x.elf->shstrtab ||
		    !strcmp(sec->name, ".note.GNU-stack"))
			continue;
		if (sec->sh.sh_type == SHT_RELA) {
			if (!sec->info || !x.keep[sec->info->idx])
				elf_remove_section(sec);
			continue;
		}
		if (x.keep[sec->idx])
			continue;
		if (sec->sh.sh_type == SHT_GROUP)
			for (j = 0; j < sec->nr_group; j++)
				if (x.keep[sec->group[j]->idx]) {
					pr_err_sym(o->path, sec->group[j]->name,
						   "in section group %s: not supported yet", sec->name);
					goto out;
				}
		elf_remove_section(sec);
	}
	/* The symbols the kept relocations use, the kept sections', and no other. */
	memset(x.done, 0, x.elf->nr_syms);
	for_each_section(x.elf, sec, i) {
		if (sec->removed || sec->sh.sh_type != SHT_RELA)
			continue;
		for (j = 0; j < sec->nr_relocs; j++)
			if (!sec->relocs[j].removed && sec->relocs[j].sym)
				x.done[sec->relocs[j].sym->idx] = 1;
	}
	for_each_symbol(x.elf, s, i) {
		unsigned char type = GELF_ST_TYPE(s->sym.st_info);

		if (s->sec && !s->sec->removed)
			continue;
		if (!x.done[s->idx] && !s->sec && s->sym.st_shndx == SHN_UNDEF &&
		    static_call_key_kept(&x, s))
			x.done[s->idx] = 1;
		if (x.done[s->idx] && !s->sec && s->sym.st_shndx == SHN_UNDEF)
			st->undef++;
		if (!x.done[s->idx] || (s->sec && s->sec->removed) || type == STT_FILE) {
			if (x.done[s->idx] && s->sec) {
				pr_err_sym(o->path, s->name, "internal error: used, in removed section %s",
					   s->sec->name);
				goto out;
			}
			s->removed = true;
		}
	}
	ret = elf_write(x.elf, o->out);
out:
	for (i = 0; i < x.elf->nr_secs; i++)
		free(x.at[i]);
	free(x.at);
	free(x.nr_at);
	for (i = 0; i < x.orig->nr_secs; i++)
		free(x.oat[i]);
	free(x.oat);
	free(x.nr_oat);
	free(x.keep);
	free(x.done);
	free(x.dyndbg);
	free(x.queue);
	free(x.aux_live);
	elf_close(x.elf);
	elf_close(x.orig);
	return ret;
}
