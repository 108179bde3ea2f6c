// SPDX-License-Identifier: GPL-2.0-only
/*
 * A C header's top-level entities and the names they declare, to tell
 * which names a change to the header changes.
 */
#include <stdlib.h>
#include <string.h>

#include "base/ctext.h"
#include "base/hashtab.h"
#include "build/cheader.h"

/* Beyond this many nested #ifs a text is not a header; deeper ones count as one. */
#define MAX_NESTING 64

const char *hdr_kind_name(enum hdr_kind kind)
{
	static const char *const names[] = {
		[HDR_MACRO] = "macro", [HDR_FUNCTION] = "inline function", [HDR_TYPE] = "type",
		[HDR_TYPEDEF] = "typedef", [HDR_CONSTANT] = "enumerator",
		[HDR_DECL] = "declaration",
	};

	return kind < ARRAY_SIZE(names) ? names[kind] : "name";
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return hash_u64(h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
}

/* Words of C that declare nothing by themselves. */
static bool keyword(const struct ctok *t)
{
	static const char *const words[] = {
		"auto", "bool", "break", "case", "char", "const", "continue", "default", "do",
		"double", "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int",
		"long", "register", "restrict", "return", "short", "signed", "sizeof", "static",
		"struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
		"_Bool", "__inline", "__inline__", "__restrict", "__always_inline", "noinline",
		"__const", "__volatile__", "__signed__", "_Static_assert", "static_assert",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (ctok_is(t, words[i]))
			return true;
	return false;
}

/* Attribute spellings followed by parentheses: "__printf(1, 2)" names no function. */
static bool attribute(const struct ctok *t)
{
	static const char *const words[] = {
		"__attribute__", "__attribute", "__printf", "__scanf", "__section", "__aligned",
		"__alloc_size", "__must_hold", "__acquires", "__releases", "__cond_acquires",
		"__cond_releases", "__diagnose_as", "__assume_aligned", "__counted_by",
		"__malloc", "__no_sanitize_or_inline", "typeof", "__typeof__", "__typeof",
		"asm", "__asm__", "__asm", "_Alignas", "__alignof__", "__nocfi", "__realloc_size",
		"__access", "__designated_init", "__weak", "__visible", "__used", "__cold",
		"__packed", "__randomize_layout", "__no_randomize_layout", "__rcu",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (ctok_is(t, words[i]))
			return true;
	return false;
}

static bool punct(const struct ctok *t, char c)
{
	return t->type == CTOK_PUNCT && t->len == 1 && t->p[0] == c;
}

struct toks {
	struct ctok *v;
	size_t nr, alloc;
};

static void toks_add(struct toks *ts, const struct ctok *t)
{
	grow_array(&ts->v, &ts->alloc, ts->nr + 1, sizeof(*ts->v));
	ts->v[ts->nr++] = *t;
}

/* The index after the group that opens at i ("(", "[" or "{"), or nr. */
static size_t skip_group(const struct toks *ts, size_t i)
{
	int depth = 0;

	for (; i < ts->nr; i++) {
		const struct ctok *t = &ts->v[i];

		if (punct(t, '(') || punct(t, '[') || punct(t, '{'))
			depth++;
		else if ((punct(t, ')') || punct(t, ']') || punct(t, '}')) && --depth <= 0)
			return i + 1;
	}
	return ts->nr;
}

static void add_name(struct hdr_entity *e, const struct ctok *t, enum hdr_kind kind)
{
	size_t i;

	for (i = 0; i < e->nr_names; i++)
		if (strlen(e->names[i].name) == t->len && !memcmp(e->names[i].name, t->p, t->len))
			return;
	grow_array(&e->names, &e->alloc_names, e->nr_names + 1, sizeof(*e->names));
	e->names[e->nr_names++] = (struct hdr_name){ .name = strndup(t->p, t->len), .kind = kind };
}

static void add_ident(struct hdr_entity *e, const struct ctok *t)
{
	grow_array(&e->idents, &e->alloc_idents, e->nr_idents + 1, sizeof(*e->idents));
	e->idents[e->nr_idents++] = (struct hdr_ident){ .p = t->p, .len = t->len };
}

static void entity_free(struct hdr_entity *e)
{
	size_t i;

	for (i = 0; i < e->nr_names; i++)
		free((char *)e->names[i].name);
	free(e->names);
	free(e->idents);
}

enum decl_class { DECL_PLAIN, DECL_FUNCTION, DECL_AGGREGATE };

/*
 * What a top-level '{' opens, from the tokens before it: an aggregate when
 * "struct|union|enum [tag]" precedes it (attributes aside), a function's
 * body after a parameter list, else an initializer.
 */
static enum decl_class classify(const struct toks *ts)
{
	size_t i = ts->nr;
	bool eq = false, paren = false, tag = false;

	for (size_t k = 0; k < ts->nr; k++) {
		eq |= punct(&ts->v[k], '=');
		paren |= punct(&ts->v[k], ')');
	}
	while (i > 0) {
		const struct ctok *t = &ts->v[i - 1];

		if (t->type == CTOK_IDENT && (ctok_is(t, "struct") || ctok_is(t, "union") ||
					      ctok_is(t, "enum")))
			return DECL_AGGREGATE;
		if (punct(t, ')')) {
			int depth = 0;
			size_t j = i;

			/* Back to its '(': an attribute's arguments, or a parameter list. */
			while (j > 0) {
				const struct ctok *u = &ts->v[--j];

				depth += punct(u, ')') - punct(u, '(');
				if (!depth)
					break;
			}
			if (j == 0 || !attribute(&ts->v[j - 1]))
				break;
			i = j - 1;
			continue;
		}
		if (t->type == CTOK_IDENT && !tag && !keyword(t)) {
			/* A tag, or an attribute macro with no arguments ("__packed"). */
			tag = !attribute(t);
			i--;
			continue;
		}
		if (t->type == CTOK_IDENT && attribute(t)) {
			i--;
			continue;
		}
		break;
	}
	if (eq)
		return DECL_PLAIN;
	return paren ? DECL_FUNCTION : DECL_PLAIN;
}

/*
 * The names a declaration (tokens up to its ';', or a function up to its
 * body's '}') declares.
 */
static void declared_names(struct hdr_entity *e, struct toks *ts, enum decl_class cls)
{
	bool is_typedef = false, got = false;
	enum hdr_kind kind;
	size_t i, body = ts->nr, first_call = ts->nr;

	for (i = 0; i < ts->nr; i++)
		if (ts->v[i].type == CTOK_IDENT && ctok_is(&ts->v[i], "typedef"))
			is_typedef = true;
	kind = is_typedef ? HDR_TYPEDEF : HDR_DECL;

	if (cls == DECL_AGGREGATE) {
		bool is_enum = false;

		/* The tag, the enumerators, then the declarators after the body. */
		for (i = 0; i < ts->nr && !punct(&ts->v[i], '{'); i++) {
			struct ctok *t = &ts->v[i];

			if (t->type != CTOK_IDENT)
				continue;
			if (ctok_is(t, "enum"))
				is_enum = true;
			if ((ctok_is(t, "struct") || ctok_is(t, "union") || ctok_is(t, "enum")) &&
			    i + 1 < ts->nr && ts->v[i + 1].type == CTOK_IDENT &&
			    !attribute(&ts->v[i + 1])) {
				add_name(e, &ts->v[i + 1], HDR_TYPE);
				got = true;
			}
		}
		if (i < ts->nr) {
			size_t end = skip_group(ts, i), k;

			if (is_enum) {
				int depth = 0;

				for (k = i; k < end; k++) {
					struct ctok *t = &ts->v[k];

					if (punct(t, '(') || punct(t, '[') || punct(t, '{'))
						depth++;
					else if (punct(t, ')') || punct(t, ']') || punct(t, '}'))
						depth--;
					else if (depth == 1 && t->type == CTOK_IDENT && k > 0 &&
						 (punct(&ts->v[k - 1], '{') ||
						  punct(&ts->v[k - 1], ','))) {
						add_name(e, t, HDR_CONSTANT);
						got = true;
					}
				}
			}
			body = i;
			i = end;
		}
		/* "} name, *other[4];" */
		for (; i < ts->nr; i++) {
			struct ctok *t = &ts->v[i];

			if (punct(t, '(') || punct(t, '[')) {
				i = skip_group(ts, i) - 1;
				continue;
			}
			if (t->type == CTOK_IDENT && !keyword(t) && !attribute(t)) {
				add_name(e, t, kind);
				got = true;
			}
		}
		(void)body;
		if (got)
			return;
	}

	/* A function or a prototype: the first "name(" that is no attribute; "(*name)" too. */
	for (i = 0; i + 1 < ts->nr; i++) {
		struct ctok *t = &ts->v[i];

		if (punct(t, '{') || punct(t, '='))
			break;
		if (t->type == CTOK_IDENT && punct(&ts->v[i + 1], '(') && !keyword(t)) {
			if (attribute(t)) {
				i = skip_group(ts, i + 1) - 1;
				continue;
			}
			add_name(e, t, cls == DECL_FUNCTION ? HDR_FUNCTION : kind);
			first_call = i;
			got = true;
			break;
		}
		if (punct(t, '(') && punct(&ts->v[i + 1], '*')) {
			size_t k = i + 2;

			while (k < ts->nr && ts->v[k].type == CTOK_IDENT && keyword(&ts->v[k]))
				k++;
			if (k < ts->nr && ts->v[k].type == CTOK_IDENT) {
				add_name(e, &ts->v[k], kind);
				got = true;
				break;
			}
		}
	}
	if (got && cls == DECL_PLAIN && first_call == 0) {
		/* "DECLARE_SOMETHING(name, ...);": a macro call declares its arguments. */
		size_t end = skip_group(ts, 1);

		if (end + 1 >= ts->nr)
			for (i = 2; i + 1 < end; i++)
				if (ts->v[i].type == CTOK_IDENT && !keyword(&ts->v[i]))
					add_name(e, &ts->v[i], kind);
	}
	if (got)
		return;

	/* Variables, typedef names, forward declarations: each declarator's last identifier. */
	for (i = 0; i < ts->nr; i++) {
		struct ctok *t = &ts->v[i], *n = i + 1 < ts->nr ? &ts->v[i + 1] : NULL;

		if (punct(t, '(') || punct(t, '[') || punct(t, '{')) {
			i = skip_group(ts, i) - 1;
			continue;
		}
		if (punct(t, '=')) {
			/* The initializer, to the next ',' at depth 0. */
			while (i + 1 < ts->nr && !punct(&ts->v[i + 1], ',')) {
				if (punct(&ts->v[i + 1], '(') || punct(&ts->v[i + 1], '{') ||
				    punct(&ts->v[i + 1], '['))
					i = skip_group(ts, i + 1) - 1;
				else
					i++;
			}
			continue;
		}
		if (t->type != CTOK_IDENT || keyword(t) || attribute(t))
			continue;
		if (!n || punct(n, ';') || punct(n, ',') || punct(n, '=') || punct(n, '[') ||
		    punct(n, ':')) {
			add_name(e, t, kind);
			got = true;
		} else if (i > 0 && ts->v[i - 1].type == CTOK_IDENT &&
			   (ctok_is(&ts->v[i - 1], "struct") || ctok_is(&ts->v[i - 1], "union") ||
			    ctok_is(&ts->v[i - 1], "enum")) && n && punct(n, ';')) {
			add_name(e, t, HDR_TYPE);
			got = true;
		}
	}
}

struct frame {
	uint64_t hash;		/* the directives of this #if, #elif, #else so far */
	size_t first, nr;	/* their identifiers, in the parser's list */
};

struct parser {
	struct hdr_file *hf;
	struct frame frames[MAX_NESTING];
	int depth;			/* of #if nesting, frames used: min(depth, MAX_NESTING) */
	struct toks cond_idents;	/* the identifiers of the open #if directives */
	struct toks decl;		/* the declaration being read */
	uint64_t decl_hash;
	int nest;			/* of (), [], {} in it */
	enum decl_class cls;
	bool cls_known;
};

static uint64_t context(const struct parser *ps)
{
	uint64_t h = 0x1234;
	int i;

	for (i = 0; i < ps->depth && i < MAX_NESTING; i++)
		h = mix(h, ps->frames[i].hash);
	return h;
}

static uint64_t tok_hash(const struct ctok *t)
{
	return hash_mem(t->p, t->len) ^ t->type;
}

static struct hdr_entity *new_entity(struct parser *ps)
{
	struct hdr_file *hf = ps->hf;
	struct hdr_entity *e;
	size_t i;

	grow_array(&hf->ents, &hf->alloc, hf->nr + 1, sizeof(*hf->ents));
	e = &hf->ents[hf->nr++];
	memset(e, 0, sizeof(*e));
	for (i = 0; i < ps->cond_idents.nr; i++)
		add_ident(e, &ps->cond_idents.v[i]);
	return e;
}

/* An entity that names nothing: part of the file's structure. */
static void drop_entity(struct parser *ps, struct hdr_entity *e)
{
	ps->hf->structure = mix(ps->hf->structure, e->hash);
	entity_free(e);
	ps->hf->nr--;
}

static void end_decl(struct parser *ps)
{
	struct hdr_entity *e;
	size_t i;

	if (!ps->decl.nr)
		return;
	e = new_entity(ps);
	e->hash = ps->decl_hash;
	for (i = 0; i < ps->decl.nr; i++)
		if (ps->decl.v[i].type == CTOK_IDENT)
			add_ident(e, &ps->decl.v[i]);
	declared_names(e, &ps->decl, ps->cls_known ? ps->cls : DECL_PLAIN);
	if (!e->nr_names)
		drop_entity(ps, e);
	ps->decl.nr = 0;
	ps->nest = 0;
	ps->cls_known = false;
}

static void code_token(struct parser *ps, struct ctok *t)
{
	if (!ps->decl.nr)
		ps->decl_hash = mix(context(ps), 0xdec1);
	if (punct(t, '{') && !ps->nest && !ps->cls_known) {
		ps->cls = classify(&ps->decl);
		ps->cls_known = true;
	}
	toks_add(&ps->decl, t);
	ps->decl_hash = mix(ps->decl_hash, tok_hash(t));
	if (punct(t, '(') || punct(t, '[') || punct(t, '{')) {
		ps->nest++;
	} else if (punct(t, ')') || punct(t, ']') || punct(t, '}')) {
		if (ps->nest > 0)
			ps->nest--;
		if (!ps->nest && punct(t, '}') && ps->cls_known && ps->cls == DECL_FUNCTION)
			end_decl(ps);
	} else if (punct(t, ';') && !ps->nest) {
		end_decl(ps);
	}
}

/* One directive line: its tokens after '#', up to the newline (excluded). */
static void directive(struct parser *ps, struct ctok *toks, size_t nr)
{
	struct hdr_file *hf = ps->hf;
	uint64_t h = 0xd1;
	size_t i;

	for (i = 0; i < nr; i++)
		h = mix(h, tok_hash(&toks[i]));
	if (!nr)
		return;
	if ((ctok_is(&toks[0], "define") || ctok_is(&toks[0], "undef")) && nr > 1 &&
	    toks[1].type == CTOK_IDENT) {
		struct hdr_entity *e = new_entity(ps);

		e->hash = mix(context(ps), h);
		for (i = 2; i < nr; i++)
			if (toks[i].type == CTOK_IDENT)
				add_ident(e, &toks[i]);
		add_name(e, &toks[1], HDR_MACRO);
		/* A #define inside a declaration changes that declaration's text too. */
		if (ps->decl.nr)
			ps->decl_hash = mix(ps->decl_hash, h);
		return;
	}
	if (ctok_is(&toks[0], "if") || ctok_is(&toks[0], "ifdef") || ctok_is(&toks[0], "ifndef")) {
		if (ps->depth < MAX_NESTING) {
			struct frame *f = &ps->frames[ps->depth];

			f->hash = h;
			f->first = ps->cond_idents.nr;
			f->nr = 0;
			for (i = 1; i < nr; i++)
				if (toks[i].type == CTOK_IDENT) {
					toks_add(&ps->cond_idents, &toks[i]);
					f->nr++;
				}
		}
		ps->depth++;
	} else if (ctok_is(&toks[0], "elif") || ctok_is(&toks[0], "else") ||
		   ctok_is(&toks[0], "elifdef") || ctok_is(&toks[0], "elifndef")) {
		if (ps->depth > 0 && ps->depth <= MAX_NESTING) {
			struct frame *f = &ps->frames[ps->depth - 1];

			f->hash = mix(f->hash, h);
			for (i = 1; i < nr; i++)
				if (toks[i].type == CTOK_IDENT) {
					toks_add(&ps->cond_idents, &toks[i]);
					f->nr++;
				}
		}
	} else if (ctok_is(&toks[0], "endif")) {
		if (ps->depth > 0 && ps->depth <= MAX_NESTING)
			ps->cond_idents.nr = ps->frames[ps->depth - 1].first;
		if (ps->depth > 0)
			ps->depth--;
	} else {
		/* #include, #pragma, #error and the rest: the file's structure. */
		hf->structure = mix(hf->structure, mix(context(ps), h));
	}
	if (ps->decl.nr)
		ps->decl_hash = mix(ps->decl_hash, h);
}

void hdr_parse(const char *text, size_t len, struct hdr_file *hf)
{
	struct parser ps = { .hf = hf };
	struct toks line = { 0 };
	struct ctok t;
	size_t n, pos = 0;
	bool bol = true;

	memset(hf, 0, sizeof(*hf));
	hf->text = ctext_clean(text, len, &n);
	while (ctext_next(hf->text, n, &pos, &t)) {
		if (t.type == CTOK_NEWLINE) {
			bol = true;
			continue;
		}
		if (bol && punct(&t, '#')) {
			line.nr = 0;
			while (ctext_next(hf->text, n, &pos, &t) && t.type != CTOK_NEWLINE)
				toks_add(&line, &t);
			directive(&ps, line.v, line.nr);
			bol = true;
			continue;
		}
		bol = false;
		code_token(&ps, &t);
	}
	end_decl(&ps);
	free(line.v);
	free(ps.decl.v);
	free(ps.cond_idents.v);
}

void hdr_release(struct hdr_file *hf)
{
	size_t i;

	for (i = 0; i < hf->nr; i++)
		entity_free(&hf->ents[i]);
	free(hf->ents);
	free(hf->text);
	memset(hf, 0, sizeof(*hf));
}

/* A name's entities, in order, as one hash. */
struct name_sum {
	const struct hdr_name *name;
	uint64_t sum;
	bool other;		/* the other side has it, with the same sum */
};

static void sums(const struct hdr_file *hf, struct hashtab *ht, struct name_sum **all,
		 size_t *nr, size_t *alloc)
{
	size_t i, j;

	for (i = 0; i < hf->nr; i++)
		for (j = 0; j < hf->ents[i].nr_names; j++) {
			const struct hdr_name *n = &hf->ents[i].names[j];
			uint64_t h = hash_str(n->name);
			struct hash_iter it;
			size_t *idx, found = SIZE_MAX;

			hashtab_for_each(ht, h, it, idx)
				if (!strcmp((*all)[*idx - 1].name->name, n->name))
					found = *idx - 1;
			if (found == SIZE_MAX) {
				grow_array(all, alloc, *nr + 1, sizeof(**all));
				(*all)[*nr] = (struct name_sum){ .name = n, .sum = 0x5eed };
				found = (*nr)++;
				idx = xmalloc(sizeof(*idx));
				*idx = found + 1;
				hashtab_add(ht, h, idx);
			}
			(*all)[found].sum = mix((*all)[found].sum, hf->ents[i].hash);
		}
}

static void free_index(struct hashtab *ht)
{
	size_t i;
	void *p;

	hashtab_for_all(ht, i, p)
		free(p);
	hashtab_free(ht);
}

static const struct name_sum *find_sum(const struct hashtab *ht, const struct name_sum *all,
				       const char *name)
{
	struct hash_iter it;
	size_t *idx;

	hashtab_for_each(ht, hash_str(name), it, idx)
		if (!strcmp(all[*idx - 1].name->name, name))
			return &all[*idx - 1];
	return NULL;
}

static void add_change(struct hdr_changes *c, const struct hdr_name *n)
{
	grow_array(&c->v, &c->alloc, c->nr + 1, sizeof(*c->v));
	c->v[c->nr++] = *n;
}

void hdr_compare(const struct hdr_file *before, const struct hdr_file *after,
		 struct hdr_changes *c)
{
	struct hashtab hb = { 0 }, ha = { 0 };
	struct name_sum *sb = NULL, *sa = NULL;
	size_t nb = 0, na = 0, ab = 0, aa = 0, i;

	memset(c, 0, sizeof(*c));
	c->structural = before->structure != after->structure;
	sums(before, &hb, &sb, &nb, &ab);
	sums(after, &ha, &sa, &na, &aa);
	for (i = 0; i < na; i++) {
		const struct name_sum *o = find_sum(&hb, sb, sa[i].name->name);

		if (o && o->sum == sa[i].sum && !c->structural)
			continue;
		add_change(c, sa[i].name);
	}
	for (i = 0; i < nb; i++)
		if (!find_sum(&ha, sa, sb[i].name->name))
			add_change(c, sb[i].name);
	free_index(&hb);
	free_index(&ha);
	free(sb);
	free(sa);
}

void hdr_changes_release(struct hdr_changes *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

size_t hdr_spread(const struct hdr_file *hf, struct strset *set, struct hdr_changes *added)
{
	size_t total = 0, round, i, j, k;

	do {
		round = 0;
		for (i = 0; i < hf->nr; i++) {
			const struct hdr_entity *e = &hf->ents[i];
			bool uses = false, all_in = true;

			for (j = 0; j < e->nr_names && all_in; j++)
				all_in = strset_has(set, e->names[j].name, strlen(e->names[j].name));
			if (all_in)
				continue;
			for (k = 0; k < e->nr_idents && !uses; k++)
				uses = strset_has(set, e->idents[k].p, e->idents[k].len);
			if (!uses)
				continue;
			for (j = 0; j < e->nr_names; j++) {
				const struct hdr_name *n = &e->names[j];

				if (strset_has(set, n->name, strlen(n->name)))
					continue;
				strset_add(set, n->name);
				if (added)
					add_change(added, n);
				round++;
			}
		}
		total += round;
	} while (round);
	return total;
}
