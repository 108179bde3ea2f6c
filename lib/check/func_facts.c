// SPDX-License-Identifier: GPL-2.0-only
/*
 * The facts of one function from its own translation unit's object: no
 * guessing from clone names in the map, gcc's symbols, DWARF and report say
 * what it did.
 */
#include <dwarf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check/func_facts.h"
#include "check/ipa_clones.h"
#include "elf/dwarf_func.h"
#include "elf/dwarf_inline.h"
#include "elf/elf_file.h"

static struct fact_caller *add_caller(struct func_facts *ff, const char *name, const char *via,
				      unsigned int from)
{
	size_t i;

	/* A function is inlined into tens of callers at most: a scan will do. */
	for (i = 0; i < ff->nr_callers; i++)
		if (!strcmp(ff->callers[i].name, name)) {
			ff->callers[i].from |= from;
			return &ff->callers[i];
		}
	grow_array(&ff->callers, &ff->alloc_callers, ff->nr_callers + 1, sizeof(*ff->callers));
	memset(&ff->callers[ff->nr_callers], 0, sizeof(*ff->callers));
	ff->callers[ff->nr_callers].name = xstrdup(name);
	ff->callers[ff->nr_callers].via = via ? xstrdup(via) : NULL;
	ff->callers[ff->nr_callers].from = from;
	return &ff->callers[ff->nr_callers++];
}

/* "constprop+isra" from "foo.constprop.0.isra.0": the numbers only count. */
static char *clone_kind(const char *suffix)
{
	struct strbuf kind = { 0 };
	const char *p = suffix;

	while (*p) {
		size_t n = strcspn(p, ".");

		if (n && strspn(p, "0123456789") != n) {
			if (kind.len)
				strbuf_add(&kind, "+", 1);
			strbuf_add(&kind, p, n);
		}
		p += n;
		if (*p)
			p++;
	}
	if (!kind.len)
		strbuf_add(&kind, "?", 1);
	return kind.buf;
}

static struct fact_clone *add_clone(struct func_facts *ff, const char *name, const char *kind,
				    unsigned int from)
{
	size_t i;

	for (i = 0; i < ff->nr_clones; i++)
		if (!strcmp(ff->clones[i].name, name)) {
			ff->clones[i].from |= from;
			return &ff->clones[i];
		}
	grow_array(&ff->clones, &ff->alloc_clones, ff->nr_clones + 1, sizeof(*ff->clones));
	memset(&ff->clones[ff->nr_clones], 0, sizeof(*ff->clones));
	ff->clones[ff->nr_clones].name = xstrdup(name);
	ff->clones[ff->nr_clones].kind = kind ? xstrdup(kind) :
					 clone_kind(name + strlen(ff->name) + 1);
	ff->clones[ff->nr_clones].from = from;
	return &ff->clones[ff->nr_clones++];
}

/* The object's symbols: the function, its clones, and every function name (for sympos). */
static int read_symtab(struct func_facts *ff, struct strset *funcs)
{
	struct elf_file *elf = elf_open_read(ff->object);
	size_t len = strlen(ff->name), i;

	if (!elf)
		return -1;
	for (i = 1; i < elf->nr_syms; i++) {
		const struct symbol *s = elf->syms[i];

		if (symbol_is_undef(s) || GELF_ST_TYPE(s->sym.st_info) != STT_FUNC || !*s->name)
			continue;
		strset_add(funcs, s->name);
		if (!strcmp(s->name, ff->name))
			ff->out_of_line = true;
		else if (!strncmp(s->name, ff->name, len) && s->name[len] == '.')
			add_clone(ff, s->name, NULL, FACT_SYMTAB);
	}
	ff->sources |= FACT_SYMTAB;
	elf_close(elf);
	return 0;
}

/*
 * DWARF names files as the build saw them: the scratch directory's copy of
 * the .c, the headers tree's include/ and arch/. Tree-relative reads better.
 */
static char *source_relative(const char *file, const char *path)
{
	size_t fl = strlen(file), pl = strlen(path);
	const char *p;

	const char *slash = strrchr(path, '/');

	if (fl > pl && file[fl - pl - 1] == '/' && !strcmp(file + fl - pl, path))
		return xstrdup(path);
	/* A local header beside the file: from the file's directory on (the last match). */
	if (slash) {
		char *dir = xasprintf("/%.*s/", (int)(slash - path), path);
		const char *hit = NULL, *q = file;

		while ((q = strstr(q, dir)))
			hit = q++;
		free(dir);
		if (hit)
			return xstrdup(hit + 1);
	}
	p = strstr(file, "/include/");
	if (!p)
		p = strstr(file, "/arch/");
	return xstrdup(p ? p + 1 : file);
}

static int read_dwarf(struct func_facts *ff)
{
	struct inline_edges edges = { 0 };
	struct strset wanted = { 0 };
	struct dwarf_func df;
	size_t i;
	int ret = -1;

	strset_add(&wanted, ff->name);
	if (dwarf_find_inlines(ff->object, &wanted, &edges) ||
	    dwarf_func_read(ff->object, ff->name, &df))
		goto out;
	for (i = 0; i < edges.nr; i++)
		if (strcmp(edges.v[i].container, ff->name))
			add_caller(ff, edges.v[i].container, edges.v[i].via, FACT_DWARF);
	ff->defined |= df.found;
	if (df.decl_file) {
		ff->decl_file = source_relative(df.decl_file, ff->path);
		ff->decl_line = df.decl_line;
	}
	ff->external = df.external;
	ff->declared_inline = df.declared_inline;
	for (i = 0; i < df.nr_inst; i++)
		if (!strcmp(df.inst[i].symbol, ff->name) &&
		    df.inst[i].calling_convention == DW_CC_nocall)
			ff->abi = ABI_NOCALL;
	dwarf_func_release(&df);
	ff->sources |= FACT_DWARF;
	ret = 0;
out:
	inline_edges_release(&edges);
	strset_free(&wanted);
	return ret;
}

static int read_dump(struct func_facts *ff)
{
	struct inline_edges edges = { 0 };
	struct ipa_clones clones = { 0 };
	struct strset wanted = { 0 };
	size_t i;
	int ret;

	strset_add(&wanted, ff->name);
	ret = ipa_clones_read(ff->dump, &wanted, &edges, &clones);
	/* A partial-inlining part inlined back into the function is its own body. */
	for (i = 0; !ret && i < edges.nr; i++)
		if (strcmp(edges.v[i].container, ff->name))
			add_caller(ff, edges.v[i].container, edges.v[i].via, FACT_IPA);
	for (i = 0; !ret && i < clones.nr; i++)
		add_clone(ff, clones.v[i].clone, clones.v[i].suffix, FACT_IPA);
	if (!ret)
		ff->sources |= FACT_IPA;
	inline_edges_release(&edges);
	ipa_clones_release(&clones);
	strset_free(&wanted);
	return ret;
}

/* Each name's best candidate while the map's object is walked once. */
struct pos_pick {
	const char *name;
	struct fact_sympos *out;
	unsigned int best_score, best_pos;
	bool tie;
};

/* Names of this file's functions around a namesake tell which copy it is. */
#define NEIGHBOURS 8

static unsigned int neighbour_score(const struct map_object *mobj, size_t at,
				    const struct strset *funcs)
{
	size_t lo = at > NEIGHBOURS ? at - NEIGHBOURS : 0, i;
	unsigned int score = 0;

	for (i = lo; i < mobj->nr_syms && i <= at + NEIGHBOURS; i++) {
		const char *n = mobj->syms[i]->name;

		/* 6.x's padding before each function is named for it in kallsyms, not in the .o. */
		if (str_starts_with(n, "__pfx_"))
			n += strlen("__pfx_");
		if (i != at && strset_has(funcs, n, strlen(n)))
			score++;
	}
	return score;
}

static void find_sympos(struct func_facts *ff, const struct symmap *map,
			const struct strset *funcs)
{
	const struct map_object *mobj = symmap_find_object(map, ff->mapobj);
	struct pos_pick *picks = NULL;
	struct hashtab by_name = { 0 };
	size_t nr = 0, i;

	ff->sources |= FACT_MAP;
	if (!mobj)
		return;
	picks = xcalloc(1 + ff->nr_callers + ff->nr_clones, sizeof(*picks));
	picks[nr].name = ff->name;
	picks[nr++].out = &ff->sympos;
	for (i = 0; i < ff->nr_callers; i++) {
		picks[nr].name = ff->callers[i].name;
		picks[nr++].out = &ff->callers[i].sympos;
	}
	for (i = 0; i < ff->nr_clones; i++) {
		picks[nr].name = ff->clones[i].name;
		picks[nr++].out = &ff->clones[i].sympos;
	}
	for (i = 0; i < nr; i++) {
		const struct map_symbol *s;
		bool init = false;

		picks[i].out->count = symmap_count_in(symmap_lookup(map, picks[i].name), mobj);
		for (s = symmap_lookup(map, picks[i].name); s; s = s->next)
			if (s->obj == mobj && (s->flags & MAP_INIT))
				init = true;
		if (picks[i].out->count == 1)
			for (s = symmap_lookup(map, picks[i].name); s; s = s->next)
				if (s->obj == mobj && !(s->flags & MAP_INIT))
					picks[i].out->pos = s->pos;
		picks[i].out->how = picks[i].out->count == 1 ? SYMPOS_UNIQUE :
				    picks[i].out->count ? SYMPOS_AMBIGUOUS :
				    init ? SYMPOS_INIT : SYMPOS_NONE;
		if (picks[i].out->count > 1)
			hashtab_add(&by_name, hash_str(picks[i].name), &picks[i]);
	}
	/* One walk of the object for every ambiguous name. */
	for (i = 0; by_name.nr && i < mobj->nr_syms; i++) {
		const struct map_symbol *s = mobj->syms[i];
		struct hash_iter it;
		struct pos_pick *p;

		if (s->flags & MAP_INIT)
			continue;
		hashtab_for_each(&by_name, hash_str(s->name), it, p) {
			unsigned int score;

			if (strcmp(p->name, s->name))
				continue;
			score = neighbour_score(mobj, i, funcs);
			if (score > p->best_score) {
				p->best_score = score;
				p->best_pos = s->pos;
				p->tie = false;
			} else if (score == p->best_score) {
				p->tie = true;
			}
		}
	}
	for (i = 0; i < nr; i++)
		if (picks[i].out->count > 1 && picks[i].best_score && !picks[i].tie) {
			picks[i].out->pos = picks[i].best_pos;
			picks[i].out->how = SYMPOS_NEIGHBOURS;
		}
	hashtab_free(&by_name);
	free(picks);
}

static int cmp_caller(const void *a, const void *b)
{
	return strcmp(((const struct fact_caller *)a)->name, ((const struct fact_caller *)b)->name);
}

static int cmp_clone(const void *a, const void *b)
{
	return strcmp(((const struct fact_clone *)a)->name, ((const struct fact_clone *)b)->name);
}

int func_facts_read(const char *object, const char *dump, const char *path, const char *name,
		    const struct symmap *map, const char *mapobj, struct func_facts *ff)
{
	struct strset funcs = { 0 };
	size_t i;
	int ret = -1;

	memset(ff, 0, sizeof(*ff));
	ff->name = xstrdup(name);
	ff->path = xstrdup(path);
	ff->object = xstrdup(object);
	ff->dump = dump ? xstrdup(dump) : NULL;
	ff->mapobj = map && mapobj ? xstrdup(mapobj) : NULL;
	if (read_symtab(ff, &funcs) || read_dwarf(ff) || (dump && read_dump(ff)))
		goto out;
	ff->defined |= ff->out_of_line || ff->nr_clones;
	ff->header_inline = ff->decl_file && !ff->external && str_ends_with(ff->decl_file, ".h");
	if (ff->abi != ABI_NOCALL)
		ff->abi = ff->out_of_line ? ABI_KEPT : ABI_NO_CODE;
	for (i = 0; ff->abi == ABI_NO_CODE && i < ff->nr_clones; i++)
		if (ff->clones[i].from & FACT_SYMTAB)
			ff->abi = ABI_CLONES_ONLY;
	if (ff->nr_callers)
		qsort(ff->callers, ff->nr_callers, sizeof(*ff->callers), cmp_caller);
	if (ff->nr_clones)
		qsort(ff->clones, ff->nr_clones, sizeof(*ff->clones), cmp_clone);
	if (ff->mapobj)
		find_sympos(ff, map, &funcs);
	ret = 0;
out:
	strset_free(&funcs);
	return ret;
}

int func_facts_add_units(struct func_facts *ff, const char *dbg_dwarf)
{
	struct inline_edges edges = { 0 };
	struct strset wanted = { 0 }, seen = { 0 };
	size_t i;
	int ret;

	strset_add(&wanted, ff->name);
	ret = dwarf_find_inlines(dbg_dwarf, &wanted, &edges);
	for (i = 0; !ret && i < edges.nr; i++) {
		const char *cu = edges.v[i].cu;

		if (!cu || strset_has(&seen, cu, strlen(cu)))
			continue;
		strset_add(&seen, cu);
		grow_array(&ff->units, &ff->alloc_units, ff->nr_units + 1, sizeof(*ff->units));
		ff->units[ff->nr_units++] = xstrdup(cu);
	}
	if (!ret)
		ff->sources |= FACT_DBG;
	inline_edges_release(&edges);
	strset_free(&wanted);
	strset_free(&seen);
	return ret;
}

void func_facts_release(struct func_facts *ff)
{
	size_t i;

	for (i = 0; i < ff->nr_callers; i++) {
		free(ff->callers[i].name);
		free(ff->callers[i].via);
	}
	for (i = 0; i < ff->nr_clones; i++) {
		free(ff->clones[i].name);
		free(ff->clones[i].kind);
	}
	for (i = 0; i < ff->nr_units; i++)
		free(ff->units[i]);
	free(ff->callers);
	free(ff->clones);
	free(ff->units);
	free(ff->name);
	free(ff->path);
	free(ff->path_from);
	free(ff->object);
	free(ff->dump);
	free(ff->mapobj);
	free(ff->decl_file);
	memset(ff, 0, sizeof(*ff));
}

void fact_sources_text(unsigned int from, char *buf, size_t len)
{
	static const char *const names[] = {
		"object symbols", "object DWARF", "gcc ipa-clones", "map", "target DWARF",
	};
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (from & (1u << i) && n < len)
			n += snprintf(buf + n, len - n, "%s%s", n ? ", " : "", names[i]);
}

void fact_sympos_text(const struct fact_sympos *sp, char *buf, size_t len)
{
	switch (sp->how) {
	case SYMPOS_UNIQUE:
		snprintf(buf, len, "sympos %u (map: unique)", sp->pos);
		break;
	case SYMPOS_NEIGHBOURS:
		snprintf(buf, len, "sympos %u of %u (map: by this file's neighbouring functions)",
			 sp->pos, sp->count);
		break;
	case SYMPOS_AMBIGUOUS:
		snprintf(buf, len, "sympos ? of %u (map: the neighbours do not tell)", sp->count);
		break;
	case SYMPOS_INIT:
		snprintf(buf, len, "init code (map: freed after boot)");
		break;
	default:
		snprintf(buf, len, "not in the map");
	}
}

const char *fact_clone_meaning(const char *kind)
{
	if (strstr(kind, "isra"))
		return "IPA-SRA: parameters removed or changed, not the source's ABI";
	if (strstr(kind, "constprop"))
		return "constant propagation: specialised for constant arguments, not the source's ABI";
	if (strstr(kind, "part"))
		return "partial inlining: the part callers do not inline, its own ABI";
	if (!strcmp(kind, "cold"))
		return "cold split: the unlikely part of the function's own body";
	return "a compiler-made copy";
}

const char *fact_abi_text(enum fact_abi abi)
{
	switch (abi) {
	case ABI_KEPT:
		return "an out-of-line copy keeps the source ABI";
	case ABI_NOCALL:
		return "its out-of-line copy is not callable with the source ABI (DW_CC_nocall)";
	case ABI_CLONES_ONLY:
		return "no out-of-line copy under its own name: only clones, with gcc's ABI";
	default:
		return "no code of its own: inlined everywhere, or unused";
	}
}

void func_facts_print(const struct func_facts *ff, FILE *f)
{
	char src[128], pos[128];
	size_t i;

	fact_sources_text(ff->sources, src, sizeof(src));
	fprintf(f, "%s: %s (read: %s)\n", ff->path, ff->name, src);
	if (!ff->defined) {
		fprintf(f, "  not defined in this file (object symbols, object DWARF)\n");
		return;
	}
	if (ff->decl_file)
		fprintf(f, "  declared: %s:%u, %s%s%s (object DWARF)\n", ff->decl_file,
			ff->decl_line, ff->external ? "global" : "static",
			ff->declared_inline ? " inline" : "",
			ff->header_inline ? " in a header" : "");
	fprintf(f, "  out-of-line: %s (object symbols)\n", ff->out_of_line ? "yes" : "no");
	fprintf(f, "  abi: %s (object symbols%s)\n", fact_abi_text(ff->abi),
		ff->abi == ABI_NOCALL ? ", object DWARF" : "");
	if (ff->mapobj && ff->out_of_line) {
		fact_sympos_text(&ff->sympos, pos, sizeof(pos));
		fprintf(f, "  %s in %s: %s\n", ff->name, ff->mapobj, pos);
	}
	fprintf(f, "  inlined into %zu function%s\n", ff->nr_callers,
		ff->nr_callers == 1 ? "" : "s");
	for (i = 0; i < ff->nr_callers; i++) {
		const struct fact_caller *c = &ff->callers[i];

		fact_sources_text(c->from, src, sizeof(src));
		fprintf(f, "    %s", c->name);
		if (c->via)
			fprintf(f, " via %s", c->via);
		if (ff->mapobj) {
			fact_sympos_text(&c->sympos, pos, sizeof(pos));
			fprintf(f, ", %s", pos);
		}
		fprintf(f, " (%s)\n", src);
	}
	fprintf(f, "  clones: %zu\n", ff->nr_clones);
	for (i = 0; i < ff->nr_clones; i++) {
		const struct fact_clone *c = &ff->clones[i];

		fact_sources_text(c->from, src, sizeof(src));
		fprintf(f, "    %s: %s: %s%s", c->name, c->kind, fact_clone_meaning(c->kind),
			c->from & FACT_SYMTAB ? "" : "; no symbol of that name (cloned or inlined again)");
		if (ff->mapobj && c->from & FACT_SYMTAB) {
			fact_sympos_text(&c->sympos, pos, sizeof(pos));
			fprintf(f, ", %s", pos);
		}
		fprintf(f, " (%s)\n", src);
	}
	if (ff->nr_units) {
		fprintf(f, "  inlined in %zu unit%s of the target (target DWARF):\n", ff->nr_units,
			ff->nr_units == 1 ? "" : "s");
		for (i = 0; i < ff->nr_units; i++)
			fprintf(f, "    %s\n", ff->units[i]);
	}
}
