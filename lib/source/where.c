// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which file defines each copy of a name: the files that mention it,
 * rebuilt, and each object's symbols around the name matched against the
 * map's around each copy.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf/elf_file.h"
#include "source/run.h"
#include "source/source_priv.h"
#include "source/where.h"

/* Finding the files ---------------------------------------------------------- */

static bool is_c_file(const char *name)
{
	return str_ends_with(name, ".c");
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Does the text hold name as a whole identifier? */
static bool mentions(const char *text, size_t size, const char *name)
{
	size_t len = strlen(name);
	const char *p = text, *end = text + size;

	while ((p = memmem(p, end - p, name, len))) {
		if ((p == text || !ident_char(p[-1])) && (p + len == end || !ident_char(p[len])))
			return true;
		p += len;
	}
	return false;
}

/* Is word at p an argument of a macro call: "(word," ", word)"? */
static bool macro_argument(const char *text, const char *end, const char *p, size_t len)
{
	const char *b = p, *a = p + len;

	while (b > text && (b[-1] == ' ' || b[-1] == '\t'))
		b--;
	while (a < end && (*a == ' ' || *a == '\t'))
		a++;
	return b > text && (b[-1] == '(' || b[-1] == ',') && a < end && (*a == ',' || *a == ')');
}

/* The text holds word (len bytes) as a whole identifier that is a macro argument. */
static bool has_argument(const char *text, size_t size, const char *word, size_t len)
{
	const char *p = text, *end = text + size;

	while ((p = memmem(p, end - p, word, len))) {
		if ((p == text || !ident_char(p[-1])) && (p + len == end || !ident_char(p[len])) &&
		    macro_argument(text, end, p, len))
			return true;
		p += len;
	}
	return false;
}

/* The text holds pasted (a "##_show" or "show_##") as a token of a macro body. */
static bool has_paste(const char *text, size_t size, const char *pasted, size_t len, bool tail)
{
	const char *p = text, *end = text + size;

	while ((p = memmem(p, end - p, pasted, len))) {
		if (tail ? (p + len == end || !ident_char(p[len])) : (p == text || !ident_char(p[-1])))
			return true;
		p += len;
	}
	return false;
}

/*
 * Names a macro makes by pasting: "static ssize_t _name##_show(...)" and
 * "BGRT_SHOW(type, image_type)" define type_show, which the text never
 * spells. Each split of the name at an underscore is tried both ways.
 */
static bool pastes(const char *text, size_t size, const char *name)
{
	size_t len = strlen(name), k;
	bool found = false;

	if (!memmem(text, size, "##", 2))
		return false;
	for (k = 1; k + 1 < len && !found; k++) {
		char *tail, *head;

		if (name[k] != '_')
			continue;
		tail = xasprintf("##%s", name + k);		/* ##_show */
		head = xasprintf("%.*s##", (int)k + 1, name);	/* type_## */
		found = (has_paste(text, size, tail, strlen(tail), true) &&
			 has_argument(text, size, name, k)) ||
			(has_paste(text, size, head, strlen(head), false) &&
			 has_argument(text, size, name + k + 1, len - k - 1));
		free(tail);
		free(head);
	}
	return found;
}

/* Only the target's own arch/ directory: the headers tree has its generated headers. */
static bool arch_built(const struct source_ctx *ctx, const char *path)
{
	const char *a = path + strlen("arch/"), *slash = strchr(a, '/');
	char *gen;
	bool ok;

	if (!str_starts_with(path, "arch/") || !slash)
		return true;
	gen = xasprintf("%s/arch/%.*s/include/generated", ctx->o.kdir, (int)(slash - a), a);
	ok = path_exists(gen);
	free(gen);
	return ok;
}

int where_find_files(struct source_ctx *ctx, const char *name, struct dir_list *out)
{
	/* A clone of gcc's (foo.constprop.0) is spelled foo in the source. */
	char *base = xstrdup(name);
	struct dir_list all = { 0 };
	size_t tlen = strlen(ctx->tree), i;
	int ret = 0;

	base[strcspn(base, ".")] = '\0';
	memset(out, 0, sizeof(*out));
	source_say(ctx, "SEARCH", name);
	if (dir_list_files(&all, ctx->tree, is_c_file))
		ret = -1;
	for (i = 0; i < all.nr; i++) {
		const char *rel = all.paths[i] + tlen + 1;
		struct mapped_file mf;
		char *module = NULL, *composite = NULL;
		bool hit;

		if (!strchr(rel, '/') || !arch_built(ctx, rel))
			continue;
		if (map_file(&mf, all.paths[i])) {
			ret = -1;
			continue;
		}
		hit = mentions(mf.data, mf.size, base) || pastes(mf.data, mf.size, base);
		unmap_file(&mf);
		if (!hit)
			continue;
		if (!source_dir_built(ctx, rel) ||
		    source_file_role_quiet(ctx, rel, &module, &composite))
			continue;
		free(module);
		free(composite);
		grow_array(&out->paths, &out->alloc, out->nr + 1, sizeof(*out->paths));
		out->paths[out->nr++] = xstrdup(rel);
	}
	dir_list_release(&all);
	free(base);
	return ret;
}

/* Matching ------------------------------------------------------------------- */

/* Neighbours each side: a few functions of the same file are enough, more blur across files. */
#define NEAR 6
#define MAP_NEAR (2 * NEAR)

struct neighbour {
	char *name;		/* owned: the object is closed after reading */
	int64_t delta;		/* from the name's own symbol, same section */
	bool same_section;
};

struct neighbours {
	struct neighbour n[4 * NEAR];
	size_t nr;
	bool func;		/* the name is a function */
};

/* Symbols that take part: named functions and objects, no padding labels. */
static bool counted(const struct symbol *s)
{
	int type = GELF_ST_TYPE(s->sym.st_info);

	return s->name && *s->name && s->sec && (type == STT_FUNC || type == STT_OBJECT) &&
	       !str_starts_with(s->name, "__pfx_") && !str_starts_with(s->name, "__cfi_") &&
	       !str_starts_with(s->name, ".L");
}

static bool map_counted(const struct map_symbol *s)
{
	return !str_starts_with(s->name, "__pfx_") && !str_starts_with(s->name, "__cfi_");
}

static int by_value(const void *a, const void *b)
{
	const struct symbol *x = *(const struct symbol *const *)a, *y = *(const struct symbol *const *)b;

	if (x->sym.st_value != y->sym.st_value)
		return x->sym.st_value < y->sym.st_value ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void add_neighbour(struct neighbours *nb, const struct symbol *self, const struct symbol *s)
{
	size_t i;

	for (i = 0; i < nb->nr; i++)
		if (!strcmp(nb->n[i].name, s->name))
			return;
	if (nb->nr == ARRAY_SIZE(nb->n))
		return;
	nb->n[nb->nr].name = xstrdup(s->name);
	nb->n[nb->nr].same_section = s->sec == self->sec;
	nb->n[nb->nr].delta = (int64_t)(s->sym.st_value - self->sym.st_value);
	nb->nr++;
}

static void neighbours_release(struct neighbours *nb)
{
	size_t i;

	for (i = 0; i < nb->nr; i++)
		free(nb->n[i].name);
	nb->nr = 0;
}

/* The NEAR symbols each side of i in list, not counting self. */
static void take_around(struct neighbours *nb, const struct symbol *self, struct symbol **list,
			size_t nr, size_t i)
{
	size_t from = i > NEAR ? i - NEAR : 0, to = i + NEAR + 1 < nr ? i + NEAR + 1 : nr, j;

	for (j = from; j < to; j++)
		if (j != i)
			add_neighbour(nb, self, list[j]);
}

/*
 * The name's neighbours in the object: in its section by address (vmlinux
 * keeps a file's code in that order) and in symbol table order (a module's
 * map is in that order). 1 if the object defines name, 0 if not, -1 on a
 * bad object (reported).
 */
static int object_neighbours(const char *object, const char *name, struct neighbours *nb)
{
	struct elf_file *elf = elf_open_read(object);
	struct symbol *self = NULL, **sec = NULL, **tab = NULL;
	size_t nr_sec = 0, nr_tab = 0, i, at_sec = 0, at_tab = 0;

	memset(nb, 0, sizeof(*nb));
	if (!elf)
		return -1;
	sec = xcalloc(elf->nr_syms, sizeof(*sec));
	tab = xcalloc(elf->nr_syms, sizeof(*tab));
	for (i = 1; i < elf->nr_syms; i++) {
		struct symbol *s = elf->syms[i];

		if (!counted(s))
			continue;
		if (!self && !strcmp(s->name, name))
			self = s;
		tab[nr_tab++] = s;
	}
	if (!self) {
		free(sec);
		free(tab);
		elf_close(elf);
		return 0;
	}
	for (i = 0; i < nr_tab; i++) {
		if (tab[i] == self)
			at_tab = i;
		if (tab[i]->sec == self->sec)
			sec[nr_sec++] = tab[i];
	}
	qsort(sec, nr_sec, sizeof(*sec), by_value);
	for (i = 0; i < nr_sec; i++)
		if (sec[i] == self)
			at_sec = i;
	nb->func = GELF_ST_TYPE(self->sym.st_info) == STT_FUNC;
	take_around(nb, self, sec, nr_sec, at_sec);
	take_around(nb, self, tab, nr_tab, at_tab);
	free(sec);
	free(tab);
	elf_close(elf);
	return 1;
}

/* One copy of the name in the map, with its index in its object's list. */
struct copy {
	const struct map_symbol *sym;
	size_t idx;
	struct where_file *owner;
};

/*
 * How well the object's neighbours match the map's around the copy: one
 * for each name found near it, one more when it is at the same distance
 * (the same section of one object keeps its layout in the linked kernel).
 */
static unsigned int score(const struct neighbours *nb, const struct copy *c)
{
	const struct map_object *obj = c->sym->obj;
	size_t from = c->idx > MAP_NEAR ? c->idx - MAP_NEAR : 0;
	size_t to = c->idx + MAP_NEAR + 1 < obj->nr_syms ? c->idx + MAP_NEAR + 1 : obj->nr_syms;
	unsigned int points = 0;
	size_t i, j;

	for (i = 0; i < nb->nr; i++) {
		for (j = from; j < to; j++) {
			const struct map_symbol *m = obj->syms[j];

			if (j == c->idx || !map_counted(m) || strcmp(m->name, nb->n[i].name))
				continue;
			points++;
			if (nb->n[i].same_section && m->addr && c->sym->addr &&
			    (int64_t)(m->addr - c->sym->addr) == nb->n[i].delta)
				points++;
			break;
		}
	}
	return points;
}

/* Every sympos-counted copy of name, with its index: one pass over each object holding one. */
static struct copy *find_copies(const struct symmap *map, const char *name, size_t *nr)
{
	const struct map_symbol *first = symmap_lookup(map, name), *s;
	const struct map_object *last = NULL;
	struct copy *copies = NULL;
	size_t alloc = 0, j;

	*nr = 0;
	for (s = first; s; s = s->next) {
		if (s->obj == last)
			continue;
		last = s->obj;
		/* Namesakes share the map's one copy of their name. */
		for (j = 0; j < last->nr_syms; j++) {
			const struct map_symbol *m = last->syms[j];

			if (m->name != first->name || (m->flags & MAP_INIT))
				continue;
			grow_array(&copies, &alloc, *nr + 1, sizeof(*copies));
			copies[*nr].sym = m;
			copies[*nr].idx = j;
			copies[*nr].owner = NULL;
			(*nr)++;
		}
	}
	return copies;
}

struct pair {
	struct where_file *file;
	struct copy *copy;
	unsigned int score;
};

static int by_score(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	/* Stable among equals: the files' order, then the map's. */
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->copy < y->copy ? -1 : x->copy > y->copy;
}

/*
 * Best matches first, each file and each copy taken once. A file whose
 * best remaining score is shared by two free copies stays unsure.
 */
static void assign(struct pair *pairs, size_t nr)
{
	size_t i, j;

	/* No candidate pairs: pairs is NULL, which qsort() must not get. */
	if (!nr)
		return;
	qsort(pairs, nr, sizeof(*pairs), by_score);
	for (i = 0; i < nr; i++) {
		struct pair *p = &pairs[i];
		bool tie = false;

		if (p->copy->owner || p->file->state != WHERE_NOT_IN_MAP)
			continue;
		for (j = i + 1; j < nr && pairs[j].score == p->score; j++)
			if (pairs[j].file == p->file && !pairs[j].copy->owner)
				tie = true;
		if (tie) {
			p->file->state = WHERE_UNSURE;
			continue;
		}
		p->copy->owner = p->file;
		p->file->state = WHERE_PLACED;
		p->file->copy = p->copy->sym;
		p->file->score = p->score;
	}
}

int where_place(struct source_ctx *ctx, const struct symmap *map, const char *name,
		char *const *paths, size_t nr_paths, struct where_result *res)
{
	size_t nr_copies, i, j, nr_pairs = 0, alloc_pairs = 0;
	struct copy *copies = find_copies(map, name, &nr_copies);
	struct pair *pairs = NULL;

	memset(res, 0, sizeof(*res));
	res->files = xcalloc(nr_paths ? nr_paths : 1, sizeof(*res->files));
	res->nr_copies = nr_copies;
	for (i = 0; i < nr_paths; i++) {
		struct where_file *f = &res->files[res->nr_files++];
		const struct map_object *obj;
		struct neighbours nb;
		struct rebuilt r;
		int has;

		f->path = xstrdup(paths[i]);
		f->state = WHERE_FAILED;
		if (source_rebuild(ctx, paths[i], &r))
			continue;
		f->module = r.module ? module_runtime_name(r.module) : NULL;
		has = object_neighbours(r.object, name, &nb);
		rebuilt_free(&r);
		if (has < 0)
			continue;
		if (!has) {
			f->state = WHERE_NOT_DEFINED;
			continue;
		}
		obj = symmap_find_object(map, f->module ? f->module : "vmlinux");
		if (!obj) {
			f->state = WHERE_NO_OBJECT;
			neighbours_release(&nb);
			continue;
		}
		f->state = WHERE_NOT_IN_MAP;
		for (j = 0; j < nr_copies; j++) {
			unsigned int points;

			if (copies[j].sym->obj != obj || map_symbol_is_func(copies[j].sym) != nb.func)
				continue;
			points = score(&nb, &copies[j]);
			pr_info("%s: %s: %u neighbours match %s's copy %u", f->path, name, points,
				obj->name, copies[j].sym->pos);
			if (!points)
				continue;
			grow_array(&pairs, &alloc_pairs, nr_pairs + 1, sizeof(*pairs));
			pairs[nr_pairs].file = f;
			pairs[nr_pairs].copy = &copies[j];
			pairs[nr_pairs++].score = points;
		}
		neighbours_release(&nb);
	}
	assign(pairs, nr_pairs);
	res->copies = xcalloc(nr_copies ? nr_copies : 1, sizeof(*res->copies));
	res->owners = xcalloc(nr_copies ? nr_copies : 1, sizeof(*res->owners));
	for (i = 0; i < nr_copies; i++) {
		res->copies[i] = copies[i].sym;
		res->owners[i] = copies[i].owner;
		res->nr_placed += !!copies[i].owner;
	}
	free(pairs);
	free(copies);
	return 0;
}

int where_ambiguous_names(struct source_ctx *ctx, const struct symmap *map, const char *path,
			  struct strset *names, char ***list, size_t *nr)
{
	const struct map_object *obj;
	struct elf_file *elf;
	struct rebuilt r;
	size_t alloc = 0, i;
	char *module;

	if (source_rebuild(ctx, path, &r))
		return -1;
	module = r.module ? module_runtime_name(r.module) : xstrdup("vmlinux");
	obj = symmap_find_object(map, module);
	elf = obj ? elf_open_read(r.object) : NULL;
	if (!obj)
		pr_warn("%s: its object %s is not in the map", path, module);
	for (i = 1; elf && i < elf->nr_syms; i++) {
		const struct symbol *s = elf->syms[i];
		size_t len;

		if (!counted(s))
			continue;
		len = strlen(s->name);
		if (strset_has(names, s->name, len) ||
		    symmap_count_in(symmap_lookup(map, s->name), obj) < 2)
			continue;
		strset_add(names, s->name);
		grow_array(list, &alloc, *nr + 1, sizeof(**list));
		(*list)[(*nr)++] = xstrdup(s->name);
	}
	elf_close(elf);
	free(module);
	rebuilt_free(&r);
	return obj && !elf ? -1 : 0;
}

void where_result_release(struct where_result *res)
{
	size_t i;

	for (i = 0; i < res->nr_files; i++) {
		free(res->files[i].path);
		free(res->files[i].module);
	}
	free(res->files);
	free(res->copies);
	free(res->owners);
	memset(res, 0, sizeof(*res));
}
