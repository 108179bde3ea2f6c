// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-convert's pipeline, in one place for every front end.
 */
#include "check/tables_check.h"
#include "patch/klp_tables.h"
#include "convert/pipeline.h"
#include "base/util.h"

/* A module needs a few names out of a million: the map keeps only those. */
static struct symmap *load_map(struct elf_file *elf, const char *path,
			       const struct klp_tables *t)
{
	struct strset names = { 0 };
	struct symmap *map = symmap_new();

	klp_needed_names(elf, &names);
	klp_tables_add_names(t, &names);
	if (symmap_load_names(map, path, &names)) {
		symmap_free(map);
		map = NULL;
	} else {
		pr_info("%s: %zu symbols read, %zu kept for the %zu names %s needs", path,
			symmap_nr_read(map), symmap_nr_symbols(map), names.ht.nr, elf->path);
	}
	strset_free(&names);
	return map;
}

/*
 * The patch's own klp_patch/klp_object/klp_func tables are checked before
 * anything is written, so that a bad old_name or old_sympos fails the build
 * rather than the insmod.
 */
static unsigned int check_tables(struct elf_file *elf, int read, const struct klp_tables *t,
				 const struct symmap *map, struct check_report *rep)
{
	if (read > 0) {
		pr_warn("%s: no struct klp_patch found: its tables were not checked", elf->path);
		return 0;
	}
	if (read < 0)
		return 1;
	return klp_tables_check(t, elf, map, rep);
}

int klp_run_job(const struct klp_job *job, struct convert_stats *stats)
{
	struct convert_opts opts = { .plan = job->plan };
	struct check_report rep = { 0 };
	struct strset patched = { 0 };
	struct convert_stats dummy;
	struct symmap *own_map = NULL;
	struct klp_tables t;
	struct elf_file *elf;
	unsigned int errors;
	int read, ret = 1;
	size_t i;

	if (!stats)
		stats = &dummy;
	elf = elf_open_read(job->in);
	if (!elf)
		return 1;
	read = klp_read_tables(elf, &t, &rep);
	opts.map = job->map;
	if (job->map_path) {
		own_map = load_map(elf, job->map_path, &t);
		if (!own_map)
			goto out;
		opts.map = own_map;
	}
	errors = check_tables(elf, read, &t, opts.map, &rep);
	report_print_messages(&rep, elf->path);
	if (errors) {
		if (job->out)
			pr_err("%s: the patch's klp tables are wrong; %s was not written",
			       job->in, job->out);
		goto out;
	}
	if (!job->out) {
		ret = 0;
		goto out;
	}
	/* The tables' object names tell which modules the patch targets. */
	for (i = 0; !read && i < t.nr_objs; i++)
		strset_add(&patched, klp_object_name(&t.objs[i]));
	opts.patched = read ? NULL : &patched;
	if (klp_convert(elf, &opts, stats)) {
		pr_err("%s: not converted; %s was not written", job->in, job->out);
	} else if (job->dry_run || !elf_write(elf, job->out)) {
		pr_info("%s: %u symbols, %u relocations into %u .klp.rela sections, %u "
			"annotations removed", job->dry_run ? job->in : job->out, stats->symbols,
			stats->relocs, stats->sections, stats->annotations);
		ret = 0;
	}
out:
	strset_free(&patched);
	report_release(&rep);
	klp_tables_release(&t);
	symmap_free(own_map);
	elf_close(elf);
	return ret;
}
