// SPDX-License-Identifier: GPL-2.0-only
/*
 * Building the map from its sources. Which file wins when two name the same
 * object is decided here; doc/klp-symbols.md gives the reasons.
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "base/workers.h"
#include "symbols/kallsyms_reader.h"
#include "symbols/map_build.h"
#include "symbols/module_reader.h"
#include "symbols/symvers_reader.h"
#include "symbols/vmlinux_reader.h"

struct job {
	const char *path;
	bool explicit;		/* --module: wins over a tree's namesake */
	struct module_file mf;
	dev_t dev;		/* mf's identity, kept past its release */
	ino_t ino;
};

struct jobs {
	struct job *v;
	size_t nr, alloc;
	char **tree_paths;	/* owned: the paths of the tree jobs */
	size_t nr_tree;
};

/*
 * Two workers: the scan waits on I/O, and two cores are shared. They read at
 * most WINDOW modules ahead of the map, which releases each once added, so
 * memory stays flat however many modules there are.
 */
#define READ_THREADS 2
#define WINDOW 64

struct origin {
	size_t first_file;	/* objects before this index came from kallsyms */
	size_t first_tree;	/* objects before this (and after first_file): --module */
	bool tree_started;
	struct hashtab seen;	/* struct job of each file read, by (dev, ino) */
};

/* The same file twice (--module and a tree, overlapping trees) counts once. */
static bool seen_before(struct origin *org, struct job *j)
{
	uint64_t hash = hash_u64(j->mf.ino ^ hash_u64(j->mf.dev));
	struct hash_iter it;
	struct job *old;

	if (!j->mf.ino)
		return false;
	hashtab_for_each(&org->seen, hash, it, old)
		if (old->dev == j->mf.dev && old->ino == j->mf.ino)
			return true;
	j->dev = j->mf.dev;
	j->ino = j->mf.ino;
	hashtab_add(&org->seen, hash, j);
	return false;
}

/*
 * Which module files go in the map: kallsyms wins for loaded modules, a
 * --module file wins over a tree's, and two of one name otherwise are an
 * error.
 */
static int add_module(struct symmap *map, struct job *j, struct origin *org)
{
	const char *name = j->mf.syms.name;
	struct map_object *old;

	if (j->mf.err) {
		pr_err("%s", j->mf.err);
		return -1;
	}
	if (seen_before(org, j)) {
		pr_info("%s: given twice, read once", j->path);
		return 0;
	}
	if (j->mf.livepatch) {
		pr_info("%s: livepatch module %s left out", j->path, name);
		return 0;
	}
	if (!j->explicit && !org->tree_started) {
		org->first_tree = symmap_nr_objects(map);
		org->tree_started = true;
	}
	old = symmap_find_object(map, name);
	if (!old)
		return symlist_to_map(map, &j->mf.syms);
	if (old->index < org->first_file) {
		pr_info("%s: %s is loaded: its kallsyms symbols are used", j->path, name);
		return 0;
	}
	if (org->tree_started && old->index < org->first_tree && !j->explicit) {
		pr_info("%s: module %s given with --module: this file is ignored", j->path, name);
		return 0;
	}
	pr_err("%s: module %s was already read from another file (pass the one you mean "
	      "with --module)", j->path, name);
	return -1;
}

static void read_job(void *ctx, size_t i)
{
	struct job *j = &((struct jobs *)ctx)->v[i];

	module_read(j->path, &j->mf);
}

static int add_modules(struct symmap *map, struct jobs *jobs)
{
	struct origin org = { .first_file = symmap_nr_objects(map) };
	struct workers *w;
	int ret = 0;
	size_t i;

	hashtab_reserve(&org.seen, jobs->nr);
	w = workers_start(jobs->nr, READ_THREADS, WINDOW, read_job, jobs);
	for (i = 0; i < jobs->nr; i++) {
		struct job *j = &jobs->v[i];

		workers_wait(w, i);
		ret |= add_module(map, j, &org);
		module_file_release(&j->mf);
	}
	workers_finish(w);
	hashtab_free(&org.seen);
	return ret;
}

static void add_job(struct jobs *jobs, const char *path, bool explicit)
{
	struct job *j;

	grow_array(&jobs->v, &jobs->alloc, jobs->nr + 1, sizeof(*jobs->v));
	j = &jobs->v[jobs->nr++];
	memset(j, 0, sizeof(*j));
	j->path = path;
	j->explicit = explicit;
}

/* --module files first, so that they win; then each tree in sorted path order. */
static int collect_jobs(const struct map_sources *src, struct jobs *jobs)
{
	size_t i, d;
	int ret = 0;

	for (i = 0; i < src->nr_modules; i++)
		add_job(jobs, src->modules[i], true);
	for (d = 0; d < src->nr_dirs; d++) {
		char **paths;
		size_t nr;

		if (module_tree_list(src->module_dirs[d], &paths, &nr))
			ret = -1;
		else if (!nr)
			pr_warn("%s: no modules found", src->module_dirs[d]);
		jobs->tree_paths = xrealloc(jobs->tree_paths,
					    (jobs->nr_tree + nr + 1) * sizeof(char *));
		if (nr)
			memcpy(jobs->tree_paths + jobs->nr_tree, paths, nr * sizeof(char *));
		jobs->nr_tree += nr;
		free(paths);
	}
	for (i = 0; i < jobs->nr_tree; i++)
		add_job(jobs, jobs->tree_paths[i], false);
	return ret;
}

static void jobs_release(struct jobs *jobs)
{
	size_t i;

	for (i = 0; i < jobs->nr_tree; i++)
		free(jobs->tree_paths[i]);
	free(jobs->tree_paths);
	free(jobs->v);
}

static int read_vmlinux(const struct map_sources *src, const struct kallsyms *ks,
			struct symlist *vml)
{
	int sources = ks->has_vmlinux + !!src->vmlinux + !!src->system_map;

	if (sources > 1) {
		pr_err("vmlinux given by more than one of --kallsyms, --vmlinux and "
		      "--system-map: pass one");
		return -1;
	}
	if (src->vmlinux)
		return vmlinux_read_elf(src->vmlinux, vml);
	if (src->system_map)
		return vmlinux_read_system_map(src->system_map, vml);
	return 0;
}

static int apply_symvers(struct symmap *map, const struct map_sources *src)
{
	size_t i;

	for (i = 0; i < src->nr_symvers; i++) {
		struct symvers_stats st;

		if (symvers_apply(map, src->symvers[i], &st))
			return -1;
		pr_info("%s: %lu exports: %lu marked, %lu of objects not in the map, %lu missing",
			src->symvers[i], st.exports, st.marked, st.no_object, st.no_symbol);
		if (st.no_symbol)
			pr_warn("%s: %lu exported symbols are missing from their object",
				src->symvers[i], st.no_symbol);
	}
	return 0;
}

/*
 * A distribution module has about 130 symbols (Debian's 6.1: 532,866 in
 * 4,023 modules): enough to size the map's name table once, up front.
 */
#define MODULE_SYMS_GUESS 130

static int fill_map(struct symmap *map, const struct map_sources *src,
		    const struct kallsyms *ks, const struct symlist *vml, struct jobs *jobs)
{
	size_t i, nr_syms = vml->nr + jobs->nr * MODULE_SYMS_GUESS;

	for (i = 0; i < ks->nr; i++)
		nr_syms += ks->objs[i].nr;
	symmap_reserve(map, nr_syms);

	if (vml->name && symlist_to_map(map, vml))
		return -1;
	for (i = 0; i < ks->nr; i++)
		if (symlist_to_map(map, &ks->objs[i]))
			return -1;
	if (add_modules(map, jobs))
		return -1;
	return apply_symvers(map, src);
}

struct symmap *map_build(const struct map_sources *src)
{
	struct kallsyms ks = { 0 };
	struct symlist vml = { 0 };
	struct jobs jobs = { 0 };
	struct symmap *map = NULL;

	if (src->kallsyms && kallsyms_read(&ks, src->kallsyms))
		goto out;
	if (read_vmlinux(src, &ks, &vml) || collect_jobs(src, &jobs))
		goto out;
	map = symmap_new();
	if (fill_map(map, src, &ks, &vml, &jobs)) {
		symmap_free(map);
		map = NULL;
	}
out:
	jobs_release(&jobs);
	symlist_release(&vml);
	kallsyms_release(&ks);
	return map;
}
