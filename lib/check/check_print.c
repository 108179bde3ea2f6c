// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-check's report as text and as JSON. The JSON layout is an interface:
 * scripts read it, so fields only ever get added.
 */
#include <stdio.h>

#include "check/check_clones.h"
#include "check/patch_check.h"

void klp_check_print_text(const struct klp_check *c, FILE *f)
{
	if (c->tables.patch)
		fprintf(f, "%s: %s (layout from %s): %zu object%s, %zu function%s\n", c->module,
			c->tables.patch, c->tables.from_dwarf ? "DWARF" : "the leading fields",
			c->tables.nr_objs, c->tables.nr_objs == 1 ? "" : "s", c->nr_funcs,
			c->nr_funcs == 1 ? "" : "s");
	report_print_text(&c->rep, f);
}

static const char *json_bool(bool b)
{
	return b ? "true" : "false";
}

static void print_clones(const struct func_report *fr, FILE *f)
{
	size_t j;

	fputc('[', f);
	for (j = 0; j < fr->nr_clones; j++) {
		const struct clone_seen *cs = &fr->clones[j];

		fprintf(f, "%s{\"name\": ", j ? ", " : "");
		json_string(f, cs->name);
		fprintf(f, ", \"copies\": %u, \"in_map\": %s, \"in_ipa_clones\": %s, "
			"\"separate\": %s, \"patched\": %s, \"meaning\": ", cs->copies,
			json_bool(cs->in_map), json_bool(cs->in_ipa),
			json_bool(clone_is_separate(cs->name)), json_bool(cs->patched));
		json_string(f, clone_meaning(cs->name));
		fputc('}', f);
	}
	fputc(']', f);
}

/* null for a source not given: "not looked" differs from "inlined nowhere". */
static void print_inlines(const struct klp_check *c, const struct func_report *fr, FILE *f)
{
	static const char *const key[NR_INLINE_SOURCES] = {
		[INLINE_DWARF] = "dwarf",
		[INLINE_IPA] = "ipa_clones",
	};
	size_t j;
	int s;

	fputc('{', f);
	for (s = 0; s < NR_INLINE_SOURCES; s++) {
		fprintf(f, "%s\"%s\": ", s ? ", " : "", key[s]);
		if (!c->have_inl[s]) {
			fputs("null", f);
			continue;
		}
		fputc('[', f);
		for (j = 0; j < fr->nr_inl[s]; j++) {
			fprintf(f, "%s{\"function\": ", j ? ", " : "");
			json_string(f, fr->inl[s][j].name);
			fprintf(f, ", \"patched\": %s, \"via\": ", json_bool(fr->inl[s][j].patched));
			json_string(f, fr->inl[s][j].via);
			fputc('}', f);
		}
		fputc(']', f);
	}
	fputc('}', f);
}

static void print_from(unsigned int from, FILE *f)
{
	static const char *const names[] = { "symtab", "dwarf", "ipa_clones", "map", "target_dwarf" };
	size_t i, n = 0;

	fputc('[', f);
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (from & (1u << i))
			fprintf(f, "%s\"%s\"", n++ ? ", " : "", names[i]);
	fputc(']', f);
}

static void print_sympos(const struct func_facts *ff, const struct fact_sympos *sp, FILE *f)
{
	if (!ff->mapobj || (sp->how != SYMPOS_UNIQUE && sp->how != SYMPOS_NEIGHBOURS))
		fputs("null", f);
	else
		fprintf(f, "%u", sp->pos);
}

/* null without --source; the exact facts from the function's own file otherwise. */
static void print_facts(const struct func_report *fr, FILE *f)
{
	static const char *const abi[] = {
		[ABI_KEPT] = "kept", [ABI_NOCALL] = "nocall",
		[ABI_CLONES_ONLY] = "clones-only", [ABI_NO_CODE] = "no-code",
	};
	const struct func_facts *ff = fr->facts;
	size_t j;

	if (!ff) {
		fputs("null", f);
		return;
	}
	fputs("{\"file\": ", f);
	json_string(f, ff->path);
	fputs(", \"object\": ", f);
	json_string(f, ff->object);
	fputs(", \"sources\": ", f);
	print_from(ff->sources, f);
	fprintf(f, ", \"defined\": %s, \"out_of_line\": %s, \"abi\": \"%s\", "
		"\"header_inline\": %s, \"decl_file\": ", json_bool(ff->defined),
		json_bool(ff->out_of_line), abi[ff->abi], json_bool(ff->header_inline));
	json_string(f, ff->decl_file);
	fputs(", \"sympos\": ", f);
	print_sympos(ff, &ff->sympos, f);
	fputs(",\n       \"inlined_into\": [", f);
	for (j = 0; j < ff->nr_callers; j++) {
		fprintf(f, "%s{\"function\": ", j ? ", " : "");
		json_string(f, ff->callers[j].name);
		fputs(", \"via\": ", f);
		json_string(f, ff->callers[j].via);
		fputs(", \"sympos\": ", f);
		print_sympos(ff, &ff->callers[j].sympos, f);
		fputs(", \"from\": ", f);
		print_from(ff->callers[j].from, f);
		fputc('}', f);
	}
	fputs("],\n       \"clones\": [", f);
	for (j = 0; j < ff->nr_clones; j++) {
		fprintf(f, "%s{\"name\": ", j ? ", " : "");
		json_string(f, ff->clones[j].name);
		fputs(", \"kind\": ", f);
		json_string(f, ff->clones[j].kind);
		fputs(", \"from\": ", f);
		print_from(ff->clones[j].from, f);
		fputc('}', f);
	}
	fputs("], \"units\": [", f);
	for (j = 0; j < ff->nr_units; j++) {
		fputs(j ? ", " : "", f);
		json_string(f, ff->units[j]);
	}
	fputs("]}", f);
}

static void print_func(const struct klp_check *c, const struct func_report *fr, FILE *f)
{
	fputs("{\"object\": ", f);
	json_string(f, fr->object);
	fputs(", \"old_name\": ", f);
	json_string(f, fr->fn->old_name);
	fprintf(f, ", \"old_sympos\": %llu, \"new_func\": ",
		(unsigned long long)fr->fn->old_sympos);
	json_string(f, fr->fn->new_func);
	fprintf(f, ", \"in_map\": %s,\n     \"clones\": ", json_bool(fr->in_map));
	print_clones(fr, f);
	fputs(",\n     \"inlined_into\": ", f);
	print_inlines(c, fr, f);
	fputs(",\n     \"facts\": ", f);
	print_facts(fr, f);
	fprintf(f, ",\n     \"ftrace\": %s}",
		fr->ftrace < 0 ? "null" : json_bool(fr->ftrace));
}

void klp_check_print_json(const struct klp_check *c, FILE *f)
{
	size_t i;

	fputs("{\n  \"module\": ", f);
	json_string(f, c->module);
	fputs(",\n  \"map\": ", f);
	json_string(f, c->o->map_path);
	fputs(",\n  \"patch\": ", f);
	json_string(f, c->tables.patch);
	fprintf(f, ",\n  \"layout\": \"%s\",\n  \"functions\": [",
		c->tables.from_dwarf ? "dwarf" : "leading-fields");
	for (i = 0; i < c->nr_funcs; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		print_func(c, &c->funcs[i], f);
	}
	fputs(c->nr_funcs ? "\n  ],\n  \"findings\": " : "],\n  \"findings\": ", f);
	report_print_json_findings(&c->rep, f);
	fprintf(f, ",\n  \"errors\": %u,\n  \"warnings\": %u\n}\n", c->rep.errors, c->rep.warnings);
}
