// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-check's findings from a patched function's own file, rebuilt: what
 * gcc did, not what clone names in the map suggest.
 */
#include <stdlib.h>
#include <string.h>

#include "check/facts_report.h"

static bool is_patched_in(const struct klp_check *c, const char *object, const char *name)
{
	char *key = xasprintf("%s\t%s", object, name);
	bool ret = strset_has(&c->patched_in, key, strlen(key));

	free(key);
	return ret;
}

static void report_callers(struct klp_check *c, const struct func_report *fr,
			   const struct func_facts *ff, const char *src)
{
	struct strbuf list = { 0 };
	size_t k, unpatched = 0;
	struct finding *f;
	char from[128], pos[128];

	for (k = 0; k < ff->nr_callers; k++) {
		unpatched += !is_patched_in(c, fr->object, ff->callers[k].name);
		strbuf_addf(&list, "%s%s", k ? ", " : "", ff->callers[k].name);
	}
	f = report_add(&c->rep, unpatched ? FINDING_WARNING : FINDING_NOTE, "facts-inlined",
		       fr->object, ff->name,
		       "%s: %s is inlined into %zu function%s of %s (%s): %s%s", fr->object,
		       ff->name, ff->nr_callers, ff->nr_callers == 1 ? "" : "s", ff->path, src,
		       list.buf, unpatched ? "; the copies in unpatched ones keep the old code: "
		       "patch them too" : "; all patched");
	for (k = 0; k < ff->nr_callers; k++) {
		const struct fact_caller *fc = &ff->callers[k];

		fact_sources_text(fc->from, from, sizeof(from));
		fact_sympos_text(&fc->sympos, pos, sizeof(pos));
		finding_note(f, "%s [%s]%s%s, %s (%s)", fc->name,
			     is_patched_in(c, fr->object, fc->name) ? "patched" : "NOT patched",
			     fc->via ? " via " : "", fc->via ? fc->via : "",
			     ff->mapobj ? pos : "no map", from);
	}
	strbuf_release(&list);
}

static void report_clones(struct klp_check *c, const struct func_report *fr,
			  const struct func_facts *ff, const char *src)
{
	struct finding *f = NULL;
	char from[128], pos[128];
	size_t k;

	for (k = 0; k < ff->nr_clones; k++) {
		const struct fact_clone *cl = &ff->clones[k];
		bool patched = is_patched_in(c, fr->object, cl->name);

		fact_sources_text(cl->from, from, sizeof(from));
		fact_sympos_text(&cl->sympos, pos, sizeof(pos));
		/* .cold is a part of the function's own body; a clone without a symbol has no code. */
		if (!strcmp(cl->kind, "cold") || patched || !(cl->from & FACT_SYMTAB)) {
			report_add(&c->rep, FINDING_NOTE, "facts-clone-ok", fr->object, ff->name,
				   "%s: %s: %s is %s (%s)", fr->object, ff->name, cl->name,
				   patched ? "patched too" : !(cl->from & FACT_SYMTAB) ?
				   "gone: cloned or inlined again" : fact_clone_meaning(cl->kind),
				   from);
			continue;
		}
		if (!f)
			f = report_add(&c->rep, FINDING_WARNING, "facts-clone", fr->object, ff->name,
				       "%s: %s has clones gcc made in %s (%s) that this patch "
				       "leaves alone: callers reaching a clone run the old code. "
				       "Patch each clone too, or its callers:", fr->object, ff->name,
				       ff->path, src);
		finding_note(f, "%s: %s, %s (%s)", cl->name, fact_clone_meaning(cl->kind),
			     ff->mapobj ? pos : "no map", from);
	}
}

void facts_report_add(struct klp_check *c, const struct func_report *fr)
{
	const struct func_facts *ff = fr->facts;
	char src[160], pos[128];
	struct finding *f;
	size_t k;

	fact_sources_text(ff->sources, src, sizeof(src));
	report_add(&c->rep, FINDING_NOTE, "facts", fr->object, ff->name,
		   "%s: %s: facts from %s%s%s%s rebuilt as the target was (%s; %s%s%s)",
		   fr->object, ff->name, ff->path, ff->path_from ? " (file from " : "",
		   ff->path_from ? ff->path_from : "", ff->path_from ? ")" : "", src, ff->object,
		   ff->dump ? ", " : "", ff->dump ? ff->dump : "");
	if (!ff->defined) {
		report_add(&c->rep, FINDING_ERROR, "facts-not-defined", fr->object, ff->name,
			   "%s: %s is not defined in %s (object symbols, object DWARF): wrong "
			   "file for it?", fr->object, ff->name, ff->path);
		return;
	}
	if (ff->header_inline) {
		f = report_add(&c->rep, FINDING_WARNING, "facts-header-inline", fr->object,
			       ff->name,
			       "%s: %s is a static inline of %s (object DWARF): every file "
			       "including it has its own copy; %s", fr->object, ff->name,
			       ff->decl_file, ff->nr_units ?
			       "the target's DWARF names the units that inline it:" :
			       "give the target's -dbg vmlinux (--debuginfo) to list the "
			       "units that inline it");
		for (k = 0; k < ff->nr_units; k++)
			finding_note(f, "%s", ff->units[k]);
		if (ff->out_of_line) {
			fact_sympos_text(&ff->sympos, pos, sizeof(pos));
			report_add(&c->rep, FINDING_NOTE, "facts-abi", fr->object, ff->name,
				   "%s: %s: %s has an out-of-line copy of its own, %s (object "
				   "symbols%s)", fr->object, ff->name, ff->path,
				   ff->mapobj ? pos : "no map", ff->mapobj ? ", map" : "");
		}
	} else if (!ff->out_of_line) {
		report_add(&c->rep, FINDING_WARNING, "facts-no-body", fr->object, ff->name,
			   "%s: %s: %s (%s in %s): patching the name changes nothing that runs",
			   fr->object, ff->name, fact_abi_text(ff->abi), "object symbols",
			   ff->path);
	} else {
		report_add(&c->rep, ff->abi == ABI_NOCALL ? FINDING_WARNING : FINDING_NOTE,
			   "facts-abi", fr->object, ff->name, "%s: %s: %s (object symbols%s)",
			   fr->object, ff->name, fact_abi_text(ff->abi),
			   ff->abi == ABI_NOCALL ? ", object DWARF" : "");
	}
	if (ff->out_of_line && ff->mapobj &&
	    (ff->sympos.how == SYMPOS_NEIGHBOURS || ff->sympos.how == SYMPOS_UNIQUE) &&
	    fr->fn->old_sympos > 1 && fr->fn->old_sympos != ff->sympos.pos) {
		fact_sympos_text(&ff->sympos, pos, sizeof(pos));
		report_add(&c->rep, FINDING_WARNING, "facts-sympos", fr->object, ff->name,
			   "%s: %s: old_sympos is %llu, but the copy from %s is %s", fr->object,
			   ff->name, (unsigned long long)fr->fn->old_sympos, ff->path, pos);
	}
	if (ff->nr_callers)
		report_callers(c, fr, ff, src);
	if (ff->nr_clones)
		report_clones(c, fr, ff, src);
}

void facts_report_missing(struct klp_check *c, const struct func_report *fr)
{
	report_add(&c->rep, FINDING_NOTE, "facts-no-file", fr->object, fr->fn->old_name,
		   "%s: %s: no source file known for it (--source-file %s=PATH): its clones "
		   "and inlined copies below are guessed from the map and what else was given",
		   fr->object, fr->fn->old_name, fr->fn->old_name);
}
