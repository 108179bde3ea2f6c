// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-check: find what makes a livepatch wrong before a kernel does: a
 * function that does not exist or is ambiguous, an object name the kernel
 * never matches, clones and inlined copies of patched functions that keep
 * running the old code, functions ftrace cannot hook.
 */
#include <dwarf.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check/check_clones.h"
#include "check/check_ftrace.h"
#include "base/report.h"
#include "elf/dwarf_inline.h"
#include "elf/elf_file.h"
#include "check/ipa_clones.h"
#include "patch/klp_tables.h"
#include "convert/pipeline.h"
#include "symbols/symmap.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: klp-check --map MAP [options] MODULE.ko\n"
		"\n"
		"Check a livepatch module (before or after klp-convert) against the target\n"
		"kernel's symbol map: its klp_patch/klp_object/klp_func tables, gcc clones of\n"
		"the patched functions, where they were inlined, whether ftrace can hook them.\n"
		"\n"
		"  -m, --map MAP            symbol map of the target (klp-symbols, or upstream's)\n"
		"  -d, --debuginfo FILE     target object with DWARF (vmlinux, module, .o): list\n"
		"                           the functions holding inlined copies; repeatable\n"
		"  -i, --ipa-clones FILE    gcc -fdump-ipa-clones output: the same from gcc's\n"
		"                           report, and its clones; repeatable; a directory:\n"
		"                           every *.ipa-clones file under it\n"
		"  -f, --ftrace-list FILE   copy of the target's available_filter_functions\n"
		"  -j, --json               machine-readable report on stdout\n"
		"  -W, --werror             warnings make the exit status non-zero\n"
		"  -t, --tables-only        only the table checks, printed as found, as\n"
		"                           klp-convert runs them\n"
		"  -v, --verbose            also print notes\n"
		"  -h, --help               this text\n"
		"\n"
		"Exit status: 0 no errors (warnings allowed unless --werror), 1 errors found,\n"
		"2 bad usage.\n");
}

struct opts {
	const char *map_path;
	const char **debuginfo, **ipa;
	size_t nr_debuginfo, alloc_debuginfo, nr_ipa, alloc_ipa;
	const char *ftrace_path;
	bool json, werror, tables_only;
};

/* One distinct clone name of a patched function, with where it was seen. */
struct clone_seen {
	const char *name;
	unsigned int copies;	/* in the map's object */
	bool in_map, in_ipa, patched;
	const char *suffix;	/* gcc's kind, from the ipa dump */
};

struct container {
	const char *name;
	const char *via;
	bool patched;
};

/* What klp-check learnt about one patched function. */
struct func_report {
	const char *object;	/* runtime name */
	const struct klp_func_entry *fn;
	bool in_map;
	struct clone_seen *clones;
	size_t nr_clones, alloc_clones;
	struct container *inl[2];	/* [0] DWARF, [1] ipa-clones */
	size_t nr_inl[2];
	int ftrace;		/* -1 not checked, 0 missing, 1 present */
};

struct ctx {
	struct opts *o;
	struct check_report rep;
	struct klp_tables tables;
	struct symmap *map;
	struct strset patched;	/* "name" of every patched function */
	struct strset patched_in;	/* "object\tname" of every patched function */
	struct func_report *funcs;
	size_t nr_funcs;
	char **objnames;	/* runtime name of each klp_object */
	struct inline_edges edges[2];
	struct ipa_clones ipa;
	bool have_dwarf, have_ipa;
};

static const char *const source_name[2] = { "DWARF", "gcc ipa-clones" };

static struct clone_seen *add_clone(struct func_report *fr, const char *name)
{
	size_t i;

	for (i = 0; i < fr->nr_clones; i++)
		if (!strcmp(fr->clones[i].name, name))
			return &fr->clones[i];
	grow_array(&fr->clones, &fr->alloc_clones, fr->nr_clones + 1, sizeof(*fr->clones));
	memset(&fr->clones[fr->nr_clones], 0, sizeof(*fr->clones));
	fr->clones[fr->nr_clones].name = name;
	return &fr->clones[fr->nr_clones++];
}

static bool is_patched_in(const struct ctx *c, const char *object, const char *name)
{
	char *key = xasprintf("%s\t%s", object, name);
	bool ret = strset_has(&c->patched_in, key, strlen(key));

	free(key);
	return ret;
}

static void collect_funcs(struct ctx *c)
{
	size_t i, j;

	for (i = 0; i < c->tables.nr_objs; i++) {
		const struct klp_object_entry *o = &c->tables.objs[i];
		char *rt = module_runtime_name(klp_object_name(o));
		const struct map_object *mobj;

		/* The name the kernel would match had the author written it right. */
		if (strlen(rt) > 3 && str_ends_with(rt, ".ko"))
			rt[strlen(rt) - 3] = '\0';
		mobj = symmap_find_object(c->map, rt);
		for (j = 0; j < o->nr_funcs; j++) {
			struct func_report *fr;
			char *key;

			if (!o->funcs[j].old_name)
				continue;
			c->funcs = xrealloc(c->funcs, (c->nr_funcs + 1) * sizeof(*c->funcs));
			fr = &c->funcs[c->nr_funcs++];
			memset(fr, 0, sizeof(*fr));
			fr->object = rt;
			fr->fn = &o->funcs[j];
			fr->ftrace = -1;
			fr->in_map = mobj &&
				     symmap_count_in(symmap_lookup(c->map, fr->fn->old_name), mobj);
			strset_add(&c->patched, fr->fn->old_name);
			key = xasprintf("%s\t%s", rt, fr->fn->old_name);
			strset_add(&c->patched_in, key);
			free(key);
		}
		c->objnames = xrealloc(c->objnames, (i + 1) * sizeof(*c->objnames));
		c->objnames[i] = rt;
	}
}

static void free_funcs(struct ctx *c)
{
	size_t i;
	int s;

	for (i = 0; i < c->tables.nr_objs && c->objnames; i++)
		free(c->objnames[i]);
	free(c->objnames);
	for (i = 0; i < c->nr_funcs; i++) {
		free(c->funcs[i].clones);
		for (s = 0; s < 2; s++)
			free(c->funcs[i].inl[s]);
	}
	free(c->funcs);
}

/* Clones ------------------------------------------------------------------- */

static void find_clones(struct ctx *c)
{
	struct clone_index *ci = clone_index_build(c->map, &c->patched);
	size_t i, j;

	for (i = 0; i < c->nr_funcs; i++) {
		struct func_report *fr = &c->funcs[i];
		struct map_symbol *const *cl = clone_index_get(ci, fr->fn->old_name);

		for (j = 0; cl && cl[j]; j++) {
			struct clone_seen *cs;

			if (strcmp(cl[j]->obj->name, fr->object) || !map_symbol_maybe_func(cl[j]))
				continue;
			cs = add_clone(fr, cl[j]->name);
			cs->in_map = true;
			if (!(cl[j]->flags & MAP_INIT))
				cs->copies++;
		}
		/* gcc's own report names clones the map may lack (another config, a .o). */
		for (j = 0; j < c->ipa.nr; j++) {
			struct clone_seen *cs;

			if (strcmp(c->ipa.v[j].orig, fr->fn->old_name))
				continue;
			cs = add_clone(fr, c->ipa.v[j].clone);
			cs->in_ipa = true;
			cs->suffix = c->ipa.v[j].suffix;
		}
		for (j = 0; j < fr->nr_clones; j++)
			fr->clones[j].patched = is_patched_in(c, fr->object, fr->clones[j].name);
	}
	clone_index_free(ci);
}

static void report_clones(struct ctx *c, struct func_report *fr)
{
	const char *name = fr->fn->old_name;
	struct finding *f = NULL;
	char copies[32];
	size_t j;

	/* A missing function got its clone hint with the error. */
	if (!fr->in_map)
		return;
	for (j = 0; j < fr->nr_clones; j++) {
		const struct clone_seen *cs = &fr->clones[j];

		if (!clone_is_separate(cs->name) || cs->patched)
			continue;
		if (!f)
			f = report_add(&c->rep, FINDING_WARNING, "gcc-clone", fr->object, name,
				       "%s: %s has compiler-made copies that this patch leaves "
				       "alone: callers reaching a copy run the old code. Patch "
				       "each copy too (a klp_func with its name as old_name), or "
				       "patch its callers:", fr->object, name);
		snprintf(copies, sizeof(copies), " (%u copies)", cs->copies);
		finding_note(f, "%s%s%s: %s", cs->name, cs->copies > 1 ? copies : "",
			     cs->in_map ? "" : " (gcc ipa-clones only)", clone_meaning(cs->name));
	}
	/* The rest are fine as they are: say so once each. */
	for (j = 0; j < fr->nr_clones; j++) {
		const struct clone_seen *cs = &fr->clones[j];

		if (clone_is_separate(cs->name) && !cs->patched)
			continue;
		report_add(&c->rep, FINDING_NOTE, "gcc-clone-ok", fr->object, name,
			   "%s: %s: %s is %s", fr->object, name, cs->name,
			   cs->patched ? "patched too" : clone_meaning(cs->name));
	}
}

/* Inlining ----------------------------------------------------------------- */

static int cmp_container(const void *a, const void *b)
{
	const struct container *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static void gather_inlines(struct ctx *c)
{
	size_t i, j;
	int s;

	for (s = 0; s < 2; s++) {
		for (i = 0; i < c->nr_funcs; i++) {
			struct func_report *fr = &c->funcs[i];

			for (j = 0; j < c->edges[s].nr; j++) {
				const struct inline_edge *e = &c->edges[s].v[j];
				size_t k;

				if (strcmp(e->callee, fr->fn->old_name))
					continue;
				for (k = 0; k < fr->nr_inl[s]; k++)
					if (!strcmp(fr->inl[s][k].name, e->container))
						break;
				if (k < fr->nr_inl[s])
					continue;
				fr->inl[s] = xrealloc(fr->inl[s], (k + 1) * sizeof(*fr->inl[s]));
				fr->inl[s][k].name = e->container;
				fr->inl[s][k].via = e->via;
				fr->inl[s][k].patched = strset_has(&c->patched, e->container,
								   strlen(e->container));
				fr->nr_inl[s]++;
			}
			if (fr->nr_inl[s])
				qsort(fr->inl[s], fr->nr_inl[s], sizeof(*fr->inl[s]),
				      cmp_container);
		}
	}
}

static bool in_list(const struct container *v, size_t nr, const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(v[i].name, name))
			return true;
	return false;
}

static void report_inlines(struct ctx *c, struct func_report *fr)
{
	const char *name = fr->fn->old_name;
	int s;

	for (s = 0; s < 2; s++) {
		size_t k, unpatched = 0;
		struct strbuf list = { 0 };
		struct finding *f;

		if (!(s ? c->have_ipa : c->have_dwarf) || !fr->nr_inl[s])
			continue;
		for (k = 0; k < fr->nr_inl[s]; k++) {
			const struct container *it = &fr->inl[s][k];

			unpatched += !it->patched;
			strbuf_addf(&list, "%s%s", k ? ", " : "", it->name);
		}
		f = report_add(&c->rep, unpatched ? FINDING_WARNING : FINDING_NOTE,
			       s ? "inlined-ipa" : "inlined-dwarf", fr->object, name,
			       "%s: %s %s %zu function%s (%s): %s%s", fr->object, name,
			       /* The error said it is missing: this says where its code went. */
			       fr->in_map ? "is inlined into" :
			       "has no body of its own to patch: it is inlined into",
			       fr->nr_inl[s], fr->nr_inl[s] == 1 ? "" : "s", source_name[s],
			       list.buf,
			       !fr->in_map ? "; patch those instead" :
			       unpatched ? "; the copies in unpatched ones keep the old code: "
			       "patch them too" : "; all patched");
		for (k = 0; k < fr->nr_inl[s]; k++) {
			const struct container *it = &fr->inl[s][k];

			finding_note(f, "%s [%s]%s%s", it->name,
				     it->patched ? "patched" : "NOT patched",
				     it->via ? " via " : "", it->via ? it->via : "");
		}
		strbuf_release(&list);
	}
	if (c->have_dwarf && c->have_ipa) {
		struct strbuf only[2] = { { 0 }, { 0 } };
		size_t k;

		for (s = 0; s < 2; s++)
			for (k = 0; k < fr->nr_inl[s]; k++)
				if (!in_list(fr->inl[!s], fr->nr_inl[!s], fr->inl[s][k].name))
					strbuf_addf(&only[s], "%s%s", only[s].len ? ", " : "",
						    fr->inl[s][k].name);
		if (only[0].len || only[1].len)
			report_add(&c->rep, FINDING_WARNING, "inlined-disagree", fr->object, name,
				   "%s: %s: DWARF and gcc's ipa-clones disagree on where it is "
				   "inlined (only DWARF: %s; only ipa-clones: %s): were they made "
				   "from the same build?", fr->object, name,
				   only[0].len ? only[0].buf : "-",
				   only[1].len ? only[1].buf : "-");
		strbuf_release(&only[0]);
		strbuf_release(&only[1]);
	}
}

/* JSON ----------------------------------------------------------------------- */

static void print_json(struct ctx *c, const char *module, FILE *f)
{
	size_t i, j;
	int s;

	fputs("{\n  \"module\": ", f);
	json_string(f, module);
	fputs(",\n  \"map\": ", f);
	json_string(f, c->o->map_path);
	fputs(",\n  \"patch\": ", f);
	json_string(f, c->tables.patch);
	fprintf(f, ",\n  \"layout\": \"%s\",\n  \"functions\": [",
		c->tables.from_dwarf ? "dwarf" : "leading-fields");
	for (i = 0; i < c->nr_funcs; i++) {
		const struct func_report *fr = &c->funcs[i];

		fprintf(f, "%s\n    {\"object\": ", i ? "," : "");
		json_string(f, fr->object);
		fputs(", \"old_name\": ", f);
		json_string(f, fr->fn->old_name);
		fprintf(f, ", \"old_sympos\": %llu, \"new_func\": ",
			(unsigned long long)fr->fn->old_sympos);
		json_string(f, fr->fn->new_func);
		fprintf(f, ", \"in_map\": %s,\n     \"clones\": [", fr->in_map ? "true" : "false");
		for (j = 0; j < fr->nr_clones; j++) {
			const struct clone_seen *cs = &fr->clones[j];

			fprintf(f, "%s{\"name\": ", j ? ", " : "");
			json_string(f, cs->name);
			fprintf(f, ", \"copies\": %u, \"in_map\": %s, \"in_ipa_clones\": %s, "
				"\"separate\": %s, \"patched\": %s, \"meaning\": ", cs->copies,
				cs->in_map ? "true" : "false", cs->in_ipa ? "true" : "false",
				clone_is_separate(cs->name) ? "true" : "false",
				cs->patched ? "true" : "false");
			json_string(f, clone_meaning(cs->name));
			fputc('}', f);
		}
		fputs("],\n     \"inlined_into\": {", f);
		for (s = 0; s < 2; s++) {
			fprintf(f, "%s\"%s\": ", s ? ", " : "", s ? "ipa_clones" : "dwarf");
			if (!(s ? c->have_ipa : c->have_dwarf)) {
				fputs("null", f);
				continue;
			}
			fputc('[', f);
			for (j = 0; j < fr->nr_inl[s]; j++) {
				fprintf(f, "%s{\"function\": ", j ? ", " : "");
				json_string(f, fr->inl[s][j].name);
				fprintf(f, ", \"patched\": %s, \"via\": ",
					fr->inl[s][j].patched ? "true" : "false");
				json_string(f, fr->inl[s][j].via);
				fputc('}', f);
			}
			fputc(']', f);
		}
		fprintf(f, "},\n     \"ftrace\": %s}",
			fr->ftrace < 0 ? "null" : fr->ftrace ? "true" : "false");
	}
	fputs(c->nr_funcs ? "\n  ],\n  \"findings\": " : "],\n  \"findings\": ", f);
	report_print_json_findings(&c->rep, f);
	fprintf(f, ",\n  \"errors\": %u,\n  \"warnings\": %u\n}\n", c->rep.errors, c->rep.warnings);
}

/* Sources of ambiguous names ------------------------------------------------ */

static int cmp_addr(const void *a, const void *b)
{
	const GElf_Addr *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* Where the function at addr is declared: its DWARF, else its first line. */
static void decl_of(struct dwarf_file *df, GElf_Addr addr, const char **file, int *line)
{
	Dwarf_Die *cu, *scopes = NULL;
	Dwarf_Addr bias;
	Dwfl_Line *l;
	int i, n;

	cu = dwfl_module_addrdie(df->mod, addr, &bias);
	n = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : -1;
	for (i = 0; i < n; i++) {
		if (dwarf_tag(&scopes[i]) != DW_TAG_subprogram)
			continue;
		*file = dwarf_decl_file(&scopes[i]);
		if (*file && !dwarf_decl_line(&scopes[i], line)) {
			free(scopes);
			return;
		}
		break;
	}
	free(scopes);
	l = dwfl_module_getsrc(df->mod, addr);
	*file = l ? dwfl_lineinfo(l, NULL, line, NULL, NULL, NULL) : NULL;
}

/*
 * Which of several namesakes is which: the debug information of the target
 * numbers them as sympos does (address order for vmlinux, symbol-table order
 * for a module) and knows each one's source line.
 */
static void source_hints(struct finding *f, const char *path, const char *object,
			 const char *name, unsigned int expected)
{
	GElf_Addr *addrs = NULL, bias;
	size_t nr = 0, alloc = 0, k;
	struct dwarf_file df;
	GElf_Ehdr eh;
	Elf *elf;
	int i, n;

	if (dwarf_file_open(&df, path))
		return;
	elf = dwfl_module_getelf(df.mod, &bias);
	n = dwfl_module_getsymtab(df.mod);
	if (!elf || !gelf_getehdr(elf, &eh) || n <= 0)
		goto out;
	/* A module's debug file for a module object, vmlinux for vmlinux. */
	if ((eh.e_type == ET_REL) != !!strcmp(object, "vmlinux"))
		goto out;
	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *s;

		s = dwfl_module_getsym_info(df.mod, i, &sym, &addr, &shndx, NULL, NULL);
		if (!s || strcmp(s, name) || shndx == SHN_UNDEF ||
		    GELF_ST_TYPE(sym.st_info) == STT_SECTION ||
		    GELF_ST_TYPE(sym.st_info) == STT_FILE)
			continue;
		grow_array(&addrs, &alloc, nr + 1, sizeof(*addrs));
		addrs[nr++] = addr;
	}
	if (eh.e_type != ET_REL)
		qsort(addrs, nr, sizeof(*addrs), cmp_addr);
	if (nr != expected) {
		if (nr)
			finding_note(f, "%s has %zu %s, the map %u: not the same build, no "
				     "source lines", path, nr, name, expected);
		goto out;
	}
	for (k = 0; k < nr; k++) {
		const char *file = NULL;
		int lineno = 0;

		decl_of(&df, addrs[k], &file, &lineno);
		finding_note(f, ".old_sympos = %-3zu is %s:%d", k + 1, file ? file : "?",
			     lineno);
	}
out:
	free(addrs);
	dwarf_file_close(&df);
}

static void add_source_hints(struct ctx *c)
{
	size_t i, j;

	for (i = 0; i < c->rep.nr; i++) {
		struct finding *f = &c->rep.items[i];
		const struct map_object *mobj;
		unsigned int count;

		if (strcmp(f->code, "sympos-missing") && strcmp(f->code, "sympos-range"))
			continue;
		mobj = symmap_find_object(c->map, f->object);
		count = mobj ? symmap_count_in(symmap_lookup(c->map, f->function), mobj) : 0;
		for (j = 0; count > 1 && j < c->o->nr_debuginfo; j++)
			source_hints(f, c->o->debuginfo[j], f->object, f->function, count);
	}
}

/* gcc ipa-clones dumps --------------------------------------------------------- */

static struct ctx *walk_ctx;
static int walk_ret;

static int ipa_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (type != FTW_F || !str_ends_with(path, ".ipa-clones"))
		return 0;
	if (ipa_clones_read(path, &walk_ctx->patched, &walk_ctx->edges[1], &walk_ctx->ipa)) {
		walk_ret = -1;
		return 1;
	}
	return 0;
}

/* A dump, or a build tree: a kernel build leaves one dump per translation unit. */
static int read_ipa_path(struct ctx *c, const char *path)
{
	struct stat st;

	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return ipa_clones_read(path, &c->patched, &c->edges[1], &c->ipa);
	walk_ctx = c;
	walk_ret = 0;
	if (nftw(path, ipa_file, 16, FTW_PHYS) < 0) {
		pr_err("%s: cannot walk: %m", path);
		return -1;
	}
	return walk_ret;
}

/* Main ----------------------------------------------------------------------- */

static int run(struct opts *o, const char *module)
{
	struct ctx c = { .o = o };
	struct ftrace_list fl;
	struct elf_file *elf;
	size_t i;
	int ret = 1, r;

	if (o->tables_only) {
		/* Exactly klp-convert's checks, without the conversion. */
		struct klp_job job = { .in = module, .map_path = o->map_path };
		unsigned int before = warning_count();

		return klp_run_job(&job, NULL) || (o->werror && warning_count() > before) ? 1 : 0;
	}
	elf = elf_open_read(module);
	if (!elf)
		return 1;
	c.map = symmap_new();
	if (symmap_load(c.map, o->map_path))
		goto out;
	r = klp_read_tables(elf, &c.tables, &c.rep);
	if (r > 0) {
		report_add(&c.rep, FINDING_ERROR, "no-klp-patch", NULL, NULL,
			   "%s: no struct klp_patch found (neither in DWARF nor as a data "
			   "structure pointing to THIS_MODULE and a klp_object array): is it a "
			   "livepatch module?", module);
	} else {
		klp_tables_check(&c.tables, elf, c.map, &c.rep);
	}
	collect_funcs(&c);

	for (i = 0; i < o->nr_ipa; i++) {
		if (read_ipa_path(&c, o->ipa[i]))
			goto out;
		c.have_ipa = true;
	}
	for (i = 0; i < o->nr_debuginfo; i++) {
		if (dwarf_find_inlines(o->debuginfo[i], &c.patched, &c.edges[0]))
			goto out;
		c.have_dwarf = true;
	}
	find_clones(&c);
	gather_inlines(&c);
	if (o->ftrace_path) {
		if (ftrace_list_load(&fl, o->ftrace_path))
			goto out;
		for (i = 0; i < c.nr_funcs; i++)
			c.funcs[i].ftrace = ftrace_list_has(&fl, c.funcs[i].object,
							    c.funcs[i].fn->old_name);
		ftrace_list_release(&fl);
	}
	add_source_hints(&c);
	for (i = 0; i < c.nr_funcs; i++) {
		struct func_report *fr = &c.funcs[i];

		report_clones(&c, fr);
		report_inlines(&c, fr);
		if (fr->ftrace == 0 && fr->in_map)
			report_add(&c.rep, FINDING_WARNING, "ftrace-missing", fr->object,
				   fr->fn->old_name,
				   "%s: %s is not in %s: ftrace cannot hook it (notrace, or no "
				   "out-of-line body in that kernel), so enabling the patch "
				   "would fail",
				   fr->object, fr->fn->old_name, o->ftrace_path);
	}

	if (o->json) {
		print_json(&c, module, stdout);
	} else {
		if (c.tables.patch)
			printf("%s: %s (layout from %s): %zu object%s, %zu function%s\n", module,
			       c.tables.patch, c.tables.from_dwarf ? "DWARF" : "the leading fields",
			       c.tables.nr_objs, c.tables.nr_objs == 1 ? "" : "s", c.nr_funcs,
			       c.nr_funcs == 1 ? "" : "s");
		report_print_text(&c.rep, stdout);
	}
	ret = c.rep.errors || (o->werror && c.rep.warnings) ? 1 : 0;
out:
	for (i = 0; i < 2; i++)
		inline_edges_release(&c.edges[i]);
	ipa_clones_release(&c.ipa);
	free_funcs(&c);
	strset_free(&c.patched);
	strset_free(&c.patched_in);
	klp_tables_release(&c.tables);
	report_release(&c.rep);
	symmap_free(c.map);
	elf_close(elf);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "map", required_argument, NULL, 'm' },
		{ "debuginfo", required_argument, NULL, 'd' },
		{ "ipa-clones", required_argument, NULL, 'i' },
		{ "ftrace-list", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "werror", no_argument, NULL, 'W' },
		{ "tables-only", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	int c, ret;

	progname = "klp-check";
	while ((c = getopt_long(argc, argv, "m:d:i:f:jWtvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o.map_path = optarg;
			break;
		case 'd':
			grow_array(&o.debuginfo, &o.alloc_debuginfo, o.nr_debuginfo + 1,
				   sizeof(*o.debuginfo));
			o.debuginfo[o.nr_debuginfo++] = optarg;
			break;
		case 'i':
			grow_array(&o.ipa, &o.alloc_ipa, o.nr_ipa + 1, sizeof(*o.ipa));
			o.ipa[o.nr_ipa++] = optarg;
			break;
		case 'f':
			o.ftrace_path = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'W':
			o.werror = true;
			break;
		case 't':
			o.tables_only = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			print_version();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1 || !o.map_path) {
		if (!o.map_path)
			fprintf(stderr, "klp-check: --map is required\n");
		usage(stderr);
		free(o.debuginfo);
		free(o.ipa);
		return 2;
	}
	ret = run(&o, argv[optind]);
	free(o.debuginfo);
	free(o.ipa);
	return ret;
}
