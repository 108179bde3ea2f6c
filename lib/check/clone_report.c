// SPDX-License-Identifier: GPL-2.0-only
/*
 * Clones of patched functions: a caller that reaches foo.constprop.0 runs
 * the old code however well foo is patched.
 */
#include <stdlib.h>
#include <string.h>

#include "check/check_clones.h"
#include "check/clone_report.h"

static struct clone_seen *add_clone(struct func_report *fr, const char *name)
{
	size_t i;

	/* A function has a handful of clones: a scan beats keeping an index. */
	for (i = 0; i < fr->nr_clones; i++)
		if (!strcmp(fr->clones[i].name, name))
			return &fr->clones[i];
	grow_array(&fr->clones, &fr->alloc_clones, fr->nr_clones + 1, sizeof(*fr->clones));
	memset(&fr->clones[fr->nr_clones], 0, sizeof(*fr->clones));
	fr->clones[fr->nr_clones].name = name;
	return &fr->clones[fr->nr_clones++];
}

static bool is_patched_in(const struct klp_check *c, const char *object, const char *name)
{
	char *key = xasprintf("%s\t%s", object, name);
	bool ret = strset_has(&c->patched_in, key, strlen(key));

	free(key);
	return ret;
}

static void add_map_clones(struct func_report *fr, const struct clone_index *ci)
{
	struct map_symbol *const *cl = clone_index_get(ci, fr->fn->old_name);
	size_t j;

	for (j = 0; cl && cl[j]; j++) {
		struct clone_seen *cs;

		if (strcmp(cl[j]->obj->name, fr->object) || !map_symbol_maybe_func(cl[j]))
			continue;
		cs = add_clone(fr, cl[j]->name);
		cs->in_map = true;
		if (!(cl[j]->flags & MAP_INIT))
			cs->copies++;
	}
}

/*
 * gcc's own report names clones the map may lack (another config, a .o).
 * One pass over the dump's clones, each looked up among the patched
 * functions, keeps them in dump order for every function.
 */
static void add_ipa_clones(struct klp_check *c)
{
	struct hashtab by_name = { 0 };
	struct func_report *fr;
	struct hash_iter it;
	size_t i;

	hashtab_reserve(&by_name, c->nr_funcs);
	for (i = 0; i < c->nr_funcs; i++)
		hashtab_add(&by_name, hash_str(c->funcs[i].fn->old_name), &c->funcs[i]);
	for (i = 0; i < c->ipa.nr; i++) {
		const struct ipa_clone *ic = &c->ipa.v[i];

		hashtab_for_each(&by_name, hash_str(ic->orig), it, fr) {
			struct clone_seen *cs;

			if (strcmp(ic->orig, fr->fn->old_name))
				continue;
			cs = add_clone(fr, ic->clone);
			cs->in_ipa = true;
			cs->suffix = ic->suffix;
		}
	}
	hashtab_free(&by_name);
}

void clone_report_find(struct klp_check *c)
{
	struct clone_index *ci = clone_index_build(c->map, &c->patched);
	size_t i, j;

	for (i = 0; i < c->nr_funcs; i++)
		add_map_clones(&c->funcs[i], ci);
	clone_index_free(ci);
	add_ipa_clones(c);
	for (i = 0; i < c->nr_funcs; i++) {
		struct func_report *fr = &c->funcs[i];

		for (j = 0; j < fr->nr_clones; j++)
			fr->clones[j].patched = is_patched_in(c, fr->object, fr->clones[j].name);
	}
}

void clone_report_add(struct klp_check *c, const struct func_report *fr)
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
