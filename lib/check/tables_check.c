// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checking a livepatch module's klp tables, once read, against the target
 * kernel's symbol map: what the kernel would refuse only at
 * klp_enable_patch() time, or not notice at all.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_clones.h"
#include "check/tables_check.h"

/* The kernel reads at most KSYM_NAME_LEN - 1 characters of old_name (v6.1: 512). */
#define KSYM_NAME_MAX 511

struct checker {
	struct elf_file *elf;
	const struct symmap *map;
	struct check_report *rep;
	unsigned int errors;
	struct clone_index *clones;	/* of the names not found: gcc may have renamed them */
	unsigned int suggestions;
};

#define MAX_SUGGESTIONS 16

static struct finding *cerror(struct checker *c, const char *code, const char *obj,
			      const char *func, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static struct finding *cerror(struct checker *c, const char *code, const char *obj,
			      const char *func, const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	va_start(ap, fmt);
	f = report_vadd(c->rep, FINDING_ERROR, code, obj, func, fmt, ap);
	va_end(ap);
	c->errors++;
	return f;
}

/* Edit distance up to max, or max + 1: enough to catch a typo. */
static unsigned int distance(const char *a, const char *b, unsigned int max)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned int row[64], prev[64];

	if (la >= 64 || lb >= 64 || (la > lb ? la - lb : lb - la) > max)
		return max + 1;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		unsigned int best;

		row[0] = i;
		best = row[0];
		for (j = 1; j <= lb; j++) {
			unsigned int v = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
		memcpy(prev, row, (lb + 1) * sizeof(*row));
	}
	return prev[lb];
}

/* Up to three functions of obj whose names are a typo away from name. */
/*
 * CONFIG_CALL_PADDING (x86 since 6.2) puts __pfx_<fn> on the NOPs before each
 * function, and CFI's __cfi_<fn> marks its hash: kallsyms lists both as
 * functions, but neither is one, and ftrace has no location in them.
 */
static const char *padding_of(const char *name)
{
	if (str_starts_with(name, "__pfx_"))
		return name + strlen("__pfx_");
	if (str_starts_with(name, "__cfi_"))
		return name + strlen("__cfi_");
	return NULL;
}

static void suggest_names(struct finding *f, const struct map_object *obj, const char *name)
{
	const char *seen[3];
	unsigned int n = 0, d;
	size_t i, k;

	for (d = 1; d <= 2 && !n; d++) {
		for (i = 0; i < obj->nr_syms && n < ARRAY_SIZE(seen); i++) {
			const struct map_symbol *s = obj->syms[i];

			if (!map_symbol_maybe_func(s) || padding_of(s->name) ||
			    distance(name, s->name, d) != d)
				continue;
			for (k = 0; k < n; k++)
				if (!strcmp(seen[k], s->name))
					break;
			if (k < n)
				continue;
			seen[n++] = s->name;
			finding_note(f, "did you mean %s?", s->name);
		}
	}
}

static void list_candidates(const struct checker *c, struct finding *f,
			    const struct map_symbol *first, const struct map_object *obj)
{
	const struct map_symbol *s;
	unsigned int shown = 0, total = symmap_count_in(first, obj);
	const char *file;

	for (s = first; s; s = s->next) {
		if (s->obj != obj || (s->flags & MAP_INIT))
			continue;
		if (shown++ == 40) {
			finding_note(f, "... and %u more", total - 40);
			break;
		}
		file = symmap_file(c->map, s);
		finding_note(f, ".old_sympos = %-3u /* %016llx %c %s%s%s */", s->pos,
			     (unsigned long long)s->addr, s->type, s->name, file ? ", " : "",
			     file ? file : "");
	}
	finding_note(f, "(numbered as the kernel counts them: %s order; pick the one your "
		     "patch replaces, e.g. by its address in System.map or /proc/kallsyms)",
		     strcmp(obj->name, "vmlinux") ? "the module's symbol table" : "address");
}

/* The runtime name of a klp_object, as the map and the kernel know it; NULL if hopeless. */
static char *check_objname(struct checker *c, const struct klp_object_entry *o)
{
	const char *name = o->name;
	char *fixed;
	size_t len;

	if (!name)
		return xstrdup("vmlinux");
	if (!strcmp(name, "vmlinux")) {
		struct finding *f = cerror(c, "object-name", name, NULL,
			"klp_object .name = \"vmlinux\": the kernel takes that for a module called "
			"vmlinux, which never loads, so its functions would never be patched");

		finding_note(f, "vmlinux is .name = NULL (leave .name out)");
		return xstrdup("vmlinux");
	}
	len = strlen(name);
	fixed = xstrdup(name);
	if (len > 3 && str_ends_with(fixed, ".ko"))
		fixed[len - 3] = '\0';
	{
		char *rt = module_runtime_name(fixed);

		free(fixed);
		fixed = rt;
	}
	if (strcmp(fixed, name)) {
		struct finding *f = cerror(c, "object-name", name, NULL,
			"klp_object .name = \"%s\" is not the module's runtime name: the kernel "
			"compares it with mod->name, which has '_' for '-' and no .ko, so these "
			"functions would never be patched", name);

		finding_note(f, ".name = \"%s\",", fixed);
	}
	if (!symmap_valid_objname(fixed)) {
		cerror(c, "object-name", name, NULL,
		       "klp_object .name = \"%s\" cannot be a module name (1 to %d characters, "
		       "no '.', ',' or '/')", name, MAP_OBJNAME_MAX);
		free(fixed);
		return NULL;
	}
	return fixed;
}

static void hint_clones(struct checker *c, struct finding *f, const struct map_object *mobj,
			const char *name)
{
	struct map_symbol *const *cl = clone_index_get(c->clones, name);
	struct strbuf names = { 0 };
	size_t i;

	for (i = 0; cl && cl[i]; i++) {
		if (cl[i]->obj != mobj || !map_symbol_maybe_func(cl[i]) ||
		    !clone_is_separate(cl[i]->name))
			continue;
		if (names.len && strstr(names.buf, cl[i]->name))
			continue;
		strbuf_addf(&names, "%s%s", names.len ? ", " : "", cl[i]->name);
	}
	if (names.len) {
		finding_note(f, "gcc renamed %s to %s: only the clone exists. Patch it under "
			     "that name (.old_name = \"%s\", with its own old_sympos), or "
			     "patch its callers", name, names.buf, names.buf);
	}
	for (i = 0; cl && cl[i]; i++)
		if (cl[i]->obj == mobj && clone_is_rename(cl[i]->name)) {
			finding_note(f, "%s is %s renamed by LTO: patch it under that name",
				     cl[i]->name, name);
			break;
		}
	strbuf_release(&names);
}

/* No sympos-counted name in the object: an init-only symbol, or none at all. */
static void report_missing(struct checker *c, const struct map_object *mobj, const char *objname,
			   const char *name, const struct map_symbol *first)
{
	struct strbuf where = { 0 };
	const struct map_symbol *s;
	struct finding *f;
	bool init = false;

	for (s = first; s; s = s->next) {
		if (s->obj == mobj) {
			init = true;
			continue;
		}
		if (!strstr(where.buf ? where.buf : "", s->obj->name))
			strbuf_addf(&where, "%s%s", where.len ? ", " : "", s->obj->name);
	}
	if (init) {
		f = cerror(c, "old-name-init", objname, name,
			   "%s: %s is only in an init section of %s: gone once the module "
			   "has loaded, it cannot be patched", objname, name, objname);
	} else {
		f = cerror(c, "old-name-missing", objname, name,
			   "%s: no function %s in %s: klp_enable_patch() would fail "
			   "(\"symbol '%s' not found in symbol table\")", objname, name,
			   objname, name);
		if (where.len)
			finding_note(f, "%s is in %s: is the klp_object right?", name,
				     where.buf);
		hint_clones(c, f, mobj, name);
		/* A scan of the object per name: worth it for a few typos only. */
		if (c->suggestions++ < MAX_SUGGESTIONS)
			suggest_names(f, mobj, name);
	}
	strbuf_release(&where);
}

static void check_func_in_map(struct checker *c, const struct map_object *mobj,
			      const char *objname, const struct klp_func_entry *fn)
{
	const char *name = fn->old_name;
	struct map_symbol *first = symmap_lookup(c->map, name), *s, *chosen = NULL;
	unsigned int count = symmap_count_in(first, mobj);
	const char *fn_name = padding_of(name);
	struct finding *f;

	if (fn_name && *fn_name) {
		cerror(c, "old-name-padding", objname, name,
		       "%s: %s is the padding before %s, not a function: ftrace has no location "
		       "there and enabling the patch would fail; set .old_name = \"%s\"",
		       objname, name, fn_name, fn_name);
		return;
	}
	if (!count) {
		report_missing(c, mobj, objname, name, first);
		return;
	}
	if (fn->old_sympos == 0 && count > 1) {
		f = cerror(c, "sympos-missing", objname, name,
			   "%s: %s is ambiguous: %u functions of that name in %s and old_sympos is "
			   "0; the kernel refuses it (\"unresolvable ambiguity for symbol '%s' in "
			   "object '%s'\"). Set .old_sympos to one of:", objname, name, count,
			   objname, name, objname);
		list_candidates(c, f, first, mobj);
		return;
	}
	if (fn->old_sympos > count) {
		f = cerror(c, "sympos-range", objname, name,
			   "%s: %s: old_sympos %llu is out of range: %s has %u %s; the kernel "
			   "refuses it (\"symbol position %llu for symbol '%s' in object '%s' not "
			   "found\"). Set .old_sympos to %s:", objname, name,
			   (unsigned long long)fn->old_sympos, objname, count,
			   count == 1 ? "of that name" : "of them",
			   (unsigned long long)fn->old_sympos,
			   name, objname, count == 1 ? "0 or 1" : "one of");
		if (count > 1)
			list_candidates(c, f, first, mobj);
		return;
	}
	for (s = first; s; s = s->next)
		if (s->obj == mobj && !(s->flags & MAP_INIT) &&
		    (fn->old_sympos ? s->pos == fn->old_sympos : true)) {
			chosen = s;
			break;
		}
	if (chosen && chosen->type != '?' && !map_symbol_is_func(chosen))
		cerror(c, "old-name-not-function", objname, name,
		       "%s: %s is not a function (kallsyms type '%c'): klp_func patches code only",
		       objname, name, chosen->type);
}

/* The object part of a .klp.rela.<obj>.<sec> name, as the kernel's %55[^.] reads it. */
static char *klp_rela_object(const char *secname)
{
	const char *p = secname + strlen(".klp.rela."), *dot = strchr(p, '.');
	size_t len = dot ? (size_t)(dot - p) : strlen(p);
	char *s;

	if (len > MAP_OBJNAME_MAX)
		len = MAP_OBJNAME_MAX;
	s = xmalloc(len + 1);
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

static bool has_object(const struct klp_tables *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nr_objs; i++)
		if (!strcmp(klp_object_name(&t->objs[i]), name) &&
		    (t->objs[i].name == NULL) == !strcmp(name, "vmlinux"))
			return true;
	return false;
}

static void check_klp_rela_objects(struct checker *c, const struct klp_tables *t)
{
	struct section *s;
	size_t i, j, nr_klp = 0;
	struct strset done = { 0 };

	for_each_section(c->elf, s, i) {
		char *obj;

		if (!str_starts_with(s->name, ".klp.rela."))
			continue;
		nr_klp++;
		obj = klp_rela_object(s->name);
		/*
		 * vmlinux's are applied at load time whatever the klp_objects
		 * (v5.8+); a module's only when its klp_object is initialized.
		 */
		if (strcmp(obj, "vmlinux") && !strset_has(&done, obj, strlen(obj)) &&
		    !has_object(t, obj)) {
			struct finding *f = cerror(c, "klp-rela-orphan", obj, NULL,
				"section %s relocates for module %s, but no klp_object is "
				"named %s: the kernel never applies it, and the code using it "
				"would run with unresolved addresses", s->name, obj, obj);

			finding_note(f, "add { .name = \"%s\", .funcs = ... } to the "
				     "klp_object array", obj);
		}
		strset_add(&done, obj);
		free(obj);
	}
	/* Only a converted module has klp relocations to compare with. */
	for (j = 0; nr_klp && j < t->nr_objs; j++) {
		const char *obj = klp_object_name(&t->objs[j]);

		if (t->objs[j].name && !strset_has(&done, obj, strlen(obj)))
			report_add(c->rep, FINDING_NOTE, "klp-object-no-rela", obj, NULL,
				   "klp_object %s has no .klp.rela.%s.* section: fine when the "
				   "patch uses no unexported symbol of %s", obj, obj, obj);
	}
	strset_free(&done);
}

/*
 * A function gcc renamed is missing under its own name: one pass over the
 * map finds the clones of all such names at once.
 */
static struct clone_index *index_clones(const struct klp_tables *t, const struct symmap *map)
{
	struct strset missing = { 0 };
	struct clone_index *clones = NULL;
	size_t i, j;

	for (i = 0; map && i < t->nr_objs; i++) {
		char *rt = module_runtime_name(klp_object_name(&t->objs[i]));
		const struct map_object *mobj = symmap_find_object(map, rt);

		for (j = 0; mobj && j < t->objs[i].nr_funcs; j++) {
			const char *n = t->objs[i].funcs[j].old_name;

			if (n && !symmap_count_in(symmap_lookup(map, n), mobj))
				strset_add(&missing, n);
		}
		free(rt);
	}
	if (missing.ht.nr)
		clones = clone_index_build(map, &missing);
	strset_free(&missing);
	return clones;
}

static void check_func(struct checker *c, const struct map_object *mobj, const char *objname,
		       const char *label, const struct klp_func_entry *fn, struct strset *seen)
{
	char *key;

	if (!fn->old_name) {
		cerror(c, "old-name-null", label, NULL,
		       "klp_object %s: funcs[%zu] has no old_name: the kernel refuses it (-EINVAL)",
		       label, fn->index);
		return;
	}
	if (!fn->new_func)
		cerror(c, "new-func-null", label, fn->old_name,
		       "%s: %s has no new_func: the kernel refuses it (-EINVAL)",
		       label, fn->old_name);
	if (strlen(fn->old_name) > KSYM_NAME_MAX)
		cerror(c, "old-name-long", label, fn->old_name,
		       "%s: old_name is longer than %d characters: the kernel refuses it",
		       label, KSYM_NAME_MAX);
	key = xasprintf("%s\t%s\t%llu", label, fn->old_name, (unsigned long long)fn->old_sympos);
	if (strset_has(seen, key, strlen(key)))
		cerror(c, "func-duplicate", label, fn->old_name,
		       "%s: %s (old_sympos %llu) is patched twice in this patch",
		       label, fn->old_name, (unsigned long long)fn->old_sympos);
	strset_add(seen, key);
	free(key);
	if (mobj)
		check_func_in_map(c, mobj, objname, fn);
}

/* objs[i]; seen collects the functions patched so far, to catch one patched twice. */
static void check_object(struct checker *c, const struct klp_tables *t, size_t i,
			 struct strset *seen)
{
	const struct klp_object_entry *o = &t->objs[i];
	const struct map_object *mobj = NULL;
	char *objname = check_objname(c, o);
	const char *label = objname ? objname : o->name;
	size_t j, k;

	for (k = 0; k < i; k++)
		if (!strcmp(klp_object_name(&t->objs[k]), klp_object_name(o)))
			break;
	if (k < i)
		cerror(c, "object-duplicate", label, NULL,
		       "klp_object %s appears twice: the kernel refuses the patch (its sysfs "
		       "directory exists already)", label);
	if (!o->has_funcs)
		cerror(c, "object-no-funcs", label, NULL,
		       "klp_object %s has no funcs: klp_enable_patch() fails with -EINVAL", label);
	if (c->map && objname) {
		mobj = symmap_find_object(c->map, objname);
		if (!mobj)
			cerror(c, "object-not-in-map", objname, NULL,
			       "%s: the symbol map has no object %s: nothing of it can be checked "
			       "(a module missing from the map, or a wrong name?)",
			       objname, objname);
	}
	for (j = 0; j < o->nr_funcs; j++)
		check_func(c, mobj, objname, label, &o->funcs[j], seen);
	free(objname);
}

unsigned int klp_tables_check(const struct klp_tables *t, struct elf_file *elf,
			      const struct symmap *map, struct check_report *rep)
{
	struct checker c = { .elf = elf, .map = map, .rep = rep };
	struct strset seen = { 0 };
	size_t i;

	c.clones = index_clones(t, map);
	/* The kernel enables such a patch, which then changes nothing. */
	if (!t->nr_objs)
		report_add(c.rep, FINDING_WARNING, "patch-no-objects", NULL, NULL,
			   "%s has no klp_object (objs[] is empty): the patch changes nothing",
			   t->patch);
	for (i = 0; i < t->nr_objs; i++)
		check_object(&c, t, i, &seen);
	strset_free(&seen);
	check_klp_rela_objects(&c, t);
	clone_index_free(c.clones);
	return c.errors;
}
