// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-check's run: read the module's klp tables and the target's map, then
 * learn about each patched function from whatever else the user gave.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/dir_walk.h"
#include "check/check_ftrace.h"
#include "check/ibt_seal.h"
#include "check/clone_report.h"
#include "check/facts_report.h"
#include "check/inline_report.h"
#include "check/patch_check.h"
#include "check/source_hints.h"
#include "check/tables_check.h"
#include "elf/arch.h"
#include "patch/annotations.h"

static void collect_funcs(struct klp_check *c)
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

static bool is_ipa_dump(const char *name)
{
	return str_ends_with(name, ".ipa-clones");
}

/* A dump, or a build tree: a kernel build leaves one dump per translation unit. */
static int read_ipa_path(struct klp_check *c, const char *path)
{
	struct dir_list dl = { 0 };
	struct stat st;
	size_t i, len;
	char *dir;
	int ret;

	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return ipa_clones_read(path, &c->patched, &c->edges[INLINE_IPA], &c->ipa);
	/* The slash a shell completion leaves must not double in the paths messages name. */
	dir = xstrdup(path);
	len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';
	ret = dir_list_files(&dl, dir, is_ipa_dump);
	for (i = 0; !ret && i < dl.nr; i++)
		ret = ipa_clones_read(dl.paths[i], &c->patched, &c->edges[INLINE_IPA], &c->ipa);
	dir_list_release(&dl);
	free(dir);
	return ret;
}

static int check_ftrace(struct klp_check *c)
{
	struct ftrace_list fl;
	size_t i;

	if (ftrace_list_load(&fl, c->o->ftrace_path))
		return -1;
	for (i = 0; i < c->nr_funcs; i++)
		c->funcs[i].ftrace = ftrace_list_has(&fl, c->funcs[i].object,
						     c->funcs[i].fn->old_name);
	ftrace_list_release(&fl);
	return 0;
}

static int check_ibt(struct klp_check *c)
{
	struct ibt_vmlinux *v = ibt_vmlinux_read(c->o->vmlinux_path);
	const struct arch *arch = arch_for(&c->elf->ehdr, c->elf->path);
	struct annotations ann = { 0 };

	if (!v || !arch) {
		ibt_vmlinux_free(v);
		return -1;
	}
	/* Bad annotations are klp-convert's errors; here they only name symbols. */
	annotations_read(c->elf, arch, &ann);
	ibt_check(c->elf, &ann, v, &c->rep);
	annotations_free(&ann);
	ibt_vmlinux_free(v);
	return 0;
}

/*
 * The exact facts of each patched function from its own file. A header's
 * static inline has no body of its own: the target's DWARF, when given,
 * names the units that inline it.
 */
static int gather_facts(struct klp_check *c)
{
	const struct klp_check_opts *o = c->o;
	size_t i;

	for (i = 0; i < c->nr_funcs; i++) {
		struct func_report *fr = &c->funcs[i];
		struct func_facts *ff = xcalloc(1, sizeof(*ff));
		int r = o->facts(o->facts_arg, c->map, fr->object, fr->fn->old_name,
				 fr->fn->old_sympos, ff);

		if (r) {
			free(ff);
			if (r < 0)
				return -1;
			fr->no_facts = true;
			continue;
		}
		fr->facts = ff;
		if (ff->header_inline && o->nr_debuginfo &&
		    func_facts_add_units(ff, o->debuginfo[0]))
			return -1;
	}
	return 0;
}

/*
 * Every source is read before any finding about a function is made: telling
 * DWARF and ipa-clones apart needs both.
 */
static int gather(struct klp_check *c)
{
	const struct klp_check_opts *o = c->o;
	size_t i;
	int r;

	c->elf = elf_open_read(c->module);
	if (!c->elf)
		return -1;
	c->map = symmap_new();
	if (symmap_load(c->map, o->map_path))
		return -1;
	r = klp_read_tables(c->elf, &c->tables, &c->rep);
	if (r > 0)
		report_add(&c->rep, FINDING_ERROR, "no-klp-patch", NULL, NULL,
			   "%s: no struct klp_patch found (neither in DWARF nor as a data "
			   "structure pointing to THIS_MODULE and a klp_object array): is it a "
			   "livepatch module?", c->module);
	else
		klp_tables_check(&c->tables, c->elf, c->map, &c->rep);
	collect_funcs(c);

	for (i = 0; i < o->nr_ipa; i++) {
		if (read_ipa_path(c, o->ipa[i]))
			return -1;
		c->have_inl[INLINE_IPA] = true;
	}
	for (i = 0; i < o->nr_debuginfo; i++) {
		if (dwarf_find_inlines(o->debuginfo[i], &c->patched, &c->edges[INLINE_DWARF]))
			return -1;
		c->have_inl[INLINE_DWARF] = true;
	}
	if (o->facts && gather_facts(c))
		return -1;
	clone_report_find(c);
	inline_report_gather(c);
	if (o->ftrace_path && check_ftrace(c))
		return -1;
	if (o->vmlinux_path && check_ibt(c))
		return -1;
	return 0;
}

int klp_check_module(struct klp_check *c, const struct klp_check_opts *o, const char *module)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->o = o;
	c->module = module;
	if (gather(c))
		return -1;
	source_hints_add(c);
	for (i = 0; i < c->nr_funcs; i++) {
		const struct func_report *fr = &c->funcs[i];

		if (fr->facts) {
			facts_report_add(c, fr);
		} else {
			if (fr->no_facts)
				facts_report_missing(c, fr);
			clone_report_add(c, fr);
			inline_report_add(c, fr);
		}
		if (fr->ftrace == 0 && fr->in_map)
			report_add(&c->rep, FINDING_WARNING, "ftrace-missing", fr->object,
				   fr->fn->old_name,
				   "%s: %s is not in %s: ftrace cannot hook it (notrace, or no "
				   "out-of-line body in that kernel), so enabling the patch "
				   "would fail",
				   fr->object, fr->fn->old_name, o->ftrace_path);
	}
	return 0;
}

void klp_check_release(struct klp_check *c)
{
	size_t i;
	int s;

	for (s = 0; s < NR_INLINE_SOURCES; s++)
		inline_edges_release(&c->edges[s]);
	ipa_clones_release(&c->ipa);
	for (i = 0; i < c->tables.nr_objs && c->objnames; i++)
		free(c->objnames[i]);
	free(c->objnames);
	for (i = 0; i < c->nr_funcs; i++) {
		if (c->funcs[i].facts)
			func_facts_release(c->funcs[i].facts);
		free(c->funcs[i].facts);
		free(c->funcs[i].clones);
		for (s = 0; s < NR_INLINE_SOURCES; s++)
			free(c->funcs[i].inl[s]);
	}
	free(c->funcs);
	strset_free(&c->patched);
	strset_free(&c->patched_in);
	klp_tables_release(&c->tables);
	report_release(&c->rep);
	symmap_free(c->map);
	elf_close(c->elf);
	memset(c, 0, sizeof(*c));
}
