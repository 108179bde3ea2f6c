// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-symbols: write the symbol map of a target kernel (vmlinux and its
 * modules, in the order the kernel counts sympos), or query one.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/kallsyms_reader.h"
#include "symbols/module_reader.h"
#include "symbols/symmap.h"
#include "symbols/symvers_reader.h"
#include "base/util.h"
#include "symbols/vmlinux_reader.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: klp-symbols [-v] -o MAP [SOURCES...]\n"
		"       klp-symbols --map MAP --find NAME\n"
		"       klp-symbols --map MAP --stats\n"
		"\n"
		"Write the symbol map of a target kernel: vmlinux first, then its modules,\n"
		"each in the order the kernel counts sympos. MAP appears only on success.\n"
		"\n"
		"Sources (combinable; at most one for vmlinux):\n"
		"  --kallsyms FILE     a copy of /proc/kallsyms (vmlinux and loaded modules)\n"
		"  --vmlinux FILE      vmlinux ELF with its .symtab\n"
		"  --system-map FILE   a full System.map\n"
		"  --modules DIR       every .ko[.xz|.zst|.gz] under DIR, recursively\n"
		"  --module FILE       one module (repeatable)\n"
		"  --symvers FILE      Module.symvers: marks exports (repeatable)\n"
		"\n"
		"  -o, --output MAP    the map to write\n"
		"  --map MAP           the map to query\n"
		"  --find NAME         every candidate for NAME with its KLP_SYMPOS line\n"
		"  --stats             object, symbol and duplicate counts\n"
		"  -v, --verbose       say what each source gave\n"
		"  -h, --help          this text\n");
}

struct opts {
	const char *output, *map, *find, *kallsyms, *vmlinux, *system_map;
	const char **module_dirs, **modules, **symvers;
	size_t nr_dirs, nr_modules, nr_symvers, alloc_dirs, alloc_modules, alloc_symvers;
	bool stats;
};

static void push(const char ***v, size_t *nr, size_t *alloc, const char *s)
{
	grow_array(v, alloc, *nr + 1, sizeof(**v));
	(*v)[(*nr)++] = s;
}

/* Module scanning ------------------------------------------------------------ */

struct job {
	const char *path;
	bool explicit;		/* --module: wins over a tree's namesake */
	bool done;
	struct module_file mf;
};

/*
 * Workers read modules ahead of the main thread, which adds them to the map
 * in job order and releases them: at most WINDOW modules are open at once.
 */
#define WINDOW 64

struct pool {
	struct job *jobs;
	size_t nr, next, consumed;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (p->next < p->nr && p->next - p->consumed >= WINDOW)
			pthread_cond_wait(&p->cond, &p->lock);
		i = p->next < p->nr ? p->next++ : p->nr;
		pthread_mutex_unlock(&p->lock);
		if (i == p->nr)
			return NULL;
		module_read(p->jobs[i].path, &p->jobs[i].mf);
		pthread_mutex_lock(&p->lock);
		p->jobs[i].done = true;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
}

static struct job *wait_job(struct pool *p, size_t i)
{
	pthread_mutex_lock(&p->lock);
	while (!p->jobs[i].done)
		pthread_cond_wait(&p->cond, &p->lock);
	p->consumed = i + 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return &p->jobs[i];
}

struct origin {
	size_t first_file;	/* objects before this index came from kallsyms */
	size_t first_tree;	/* objects before this (and after first_file): --module */
	bool tree_started;
	struct file_seen *seen;	/* files read: (dev, ino), open addressing */
	size_t seen_size;
};

struct file_seen {
	dev_t dev;
	ino_t ino;
	bool used;
};

/* The same file twice (--module and a tree, overlapping trees) counts once. */
static bool seen_before(struct origin *org, const struct module_file *mf)
{
	size_t mask = org->seen_size - 1;
	size_t s = (hash_mem(&mf->ino, sizeof(mf->ino)) ^ mf->dev) & mask;

	if (!mf->ino)
		return false;
	for (; org->seen[s].used; s = (s + 1) & mask)
		if (org->seen[s].dev == mf->dev && org->seen[s].ino == mf->ino)
			return true;
	org->seen[s].dev = mf->dev;
	org->seen[s].ino = mf->ino;
	org->seen[s].used = true;
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
	if (seen_before(org, &j->mf)) {
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

static int add_modules(struct symmap *map, struct pool *p)
{
	struct origin org = { .first_file = symmap_nr_objects(map), .seen_size = 16 };
	pthread_t threads[2];
	int nr_threads = 0, ret = 0;
	size_t i;

	while (org.seen_size < p->nr * 2)
		org.seen_size *= 2;
	org.seen = xcalloc(org.seen_size, sizeof(*org.seen));
	/* Two workers: the scan waits on I/O, and two cores are shared. */
	while (nr_threads < 2 && !pthread_create(&threads[nr_threads], NULL, worker, p))
		nr_threads++;
	if (!nr_threads)
		worker(p);
	for (i = 0; i < p->nr; i++) {
		struct job *j = wait_job(p, i);

		ret |= add_module(map, j, &org);
		module_file_release(&j->mf);
	}
	while (nr_threads)
		pthread_join(threads[--nr_threads], NULL);
	free(org.seen);
	return ret;
}

static void add_job(struct pool *p, size_t *alloc, const char *path, bool explicit)
{
	grow_array(&p->jobs, alloc, p->nr + 1, sizeof(*p->jobs));
	memset(&p->jobs[p->nr], 0, sizeof(p->jobs[p->nr]));
	p->jobs[p->nr].path = path;
	p->jobs[p->nr++].explicit = explicit;
}

/* --module files first, so that they win; then each tree in sorted path order. */
static int collect_jobs(const struct opts *o, struct pool *p, char ***tree_paths,
			size_t *nr_tree)
{
	size_t alloc = 0, i, d;
	int ret = 0;

	*tree_paths = NULL;
	*nr_tree = 0;
	for (i = 0; i < o->nr_modules; i++)
		add_job(p, &alloc, o->modules[i], true);
	for (d = 0; d < o->nr_dirs; d++) {
		char **paths;
		size_t nr;

		if (module_tree_list(o->module_dirs[d], &paths, &nr))
			ret = -1;
		else if (!nr)
			pr_warn("%s: no modules found", o->module_dirs[d]);
		*tree_paths = xrealloc(*tree_paths, (*nr_tree + nr + 1) * sizeof(char *));
		if (nr)
			memcpy(*tree_paths + *nr_tree, paths, nr * sizeof(char *));
		*nr_tree += nr;
		free(paths);
	}
	for (i = 0; i < *nr_tree; i++)
		add_job(p, &alloc, (*tree_paths)[i], false);
	return ret;
}

/* Building ------------------------------------------------------------------- */

static int read_vmlinux(const struct opts *o, const struct kallsyms *ks, struct symlist *vml)
{
	int sources = ks->has_vmlinux + !!o->vmlinux + !!o->system_map;

	if (sources > 1) {
		pr_err("vmlinux given by more than one of --kallsyms, --vmlinux and "
		      "--system-map: pass one");
		return -1;
	}
	if (o->vmlinux)
		return vmlinux_read_elf(o->vmlinux, vml);
	if (o->system_map)
		return vmlinux_read_system_map(o->system_map, vml);
	return 0;
}

static int apply_symvers(struct symmap *map, const struct opts *o)
{
	size_t i;

	for (i = 0; i < o->nr_symvers; i++) {
		struct symvers_stats st;

		if (symvers_apply(map, o->symvers[i], &st))
			return -1;
		pr_info("%s: %lu exports: %lu marked, %lu of objects not in the map, %lu missing",
		     o->symvers[i], st.exports, st.marked, st.no_object, st.no_symbol);
		if (st.no_symbol)
			pr_warn("%s: %lu exported symbols are missing from their object",
			     o->symvers[i], st.no_symbol);
	}
	return 0;
}

/* Object order: vmlinux, the modules of kallsyms, --module files, then trees. */
static int fill_map(struct symmap *map, const struct opts *o, struct kallsyms *ks,
		    struct symlist *vml, struct pool *p)
{
	size_t i;

	if (vml->name && symlist_to_map(map, vml))
		return -1;
	for (i = 0; i < ks->nr; i++)
		if (symlist_to_map(map, &ks->objs[i]))
			return -1;
	if (add_modules(map, p))
		return -1;
	return apply_symvers(map, o);
}

static int build(const struct opts *o)
{
	struct pool p = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct kallsyms ks = { 0 };
	struct symlist vml = { 0 };
	struct symmap *map = NULL;
	char **tree_paths = NULL;
	size_t nr_tree = 0, i;
	int ret = 1;

	if (o->kallsyms && kallsyms_read(&ks, o->kallsyms))
		goto out;
	if (read_vmlinux(o, &ks, &vml) || collect_jobs(o, &p, &tree_paths, &nr_tree))
		goto out;
	map = symmap_new();
	if (fill_map(map, o, &ks, &vml, &p))
		goto out;
	pr_info("%s: %zu objects, %zu symbols", o->output, symmap_nr_objects(map),
	     symmap_nr_symbols(map));
	ret = symmap_write(map, o->output) ? 1 : 0;
out:
	if (ret)
		pr_err("%s not written", o->output);
	symmap_free(map);
	free(p.jobs);
	for (i = 0; i < nr_tree; i++)
		free(tree_paths[i]);
	free(tree_paths);
	symlist_release(&vml);
	kallsyms_release(&ks);
	return ret;
}

/* Queries -------------------------------------------------------------------- */

static int find(const char *path, const char *name)
{
	struct strset names = { 0 };
	struct symmap *map = symmap_new();
	struct map_symbol *first;
	int ret = 1;

	strset_add(&names, name);
	if (symmap_load_names(map, path, &names))
		goto out;
	first = symmap_lookup(map, name);
	if (!first) {
		pr_err("%s: no symbol called '%s'", path, name);
		goto out;
	}
	symmap_print_candidates(stdout, first, "");
	ret = 0;
out:
	strset_free(&names);
	symmap_free(map);
	return ret;
}

struct obj_counts {
	size_t syms, init, exported, dups;
};

static struct obj_counts count_object(const struct map_object *obj)
{
	struct obj_counts c = { .syms = obj->nr_syms };
	size_t j;

	for (j = 0; j < obj->nr_syms; j++) {
		const struct map_symbol *s = obj->syms[j];

		c.init += !!(s->flags & MAP_INIT);
		c.exported += !!(s->flags & MAP_EXPORTED);
		/* A name's second occurrence makes it a duplicate needing sympos. */
		c.dups += s->pos == 2;
	}
	return c;
}

static int stats(const char *path)
{
	struct symmap *map = symmap_new();
	size_t i, n, dups = 0;

	if (symmap_load(map, path)) {
		symmap_free(map);
		return 1;
	}
	n = symmap_nr_objects(map);
	for (i = 0; i < n; i++)
		dups += count_object(symmap_object(map, i)).dups;
	printf("objects: %zu, symbols: %zu, duplicate names: %zu\n", n, symmap_nr_symbols(map),
	       dups);
	for (i = 0; i < n; i++) {
		const struct map_object *obj = symmap_object(map, i);
		struct obj_counts c = count_object(obj);

		printf("%-32s %8zu symbols %6zu init %6zu exported %6zu duplicate names\n",
		       obj->name, c.syms, c.init, c.exported, c.dups);
	}
	symmap_free(map);
	return 0;
}

/* Options -------------------------------------------------------------------- */

enum { OPT_KALLSYMS = 256, OPT_VMLINUX, OPT_SYSTEM_MAP, OPT_MODULES, OPT_MODULE, OPT_SYMVERS,
       OPT_MAP, OPT_FIND, OPT_STATS };

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "kallsyms", required_argument, NULL, OPT_KALLSYMS },
		{ "vmlinux", required_argument, NULL, OPT_VMLINUX },
		{ "system-map", required_argument, NULL, OPT_SYSTEM_MAP },
		{ "modules", required_argument, NULL, OPT_MODULES },
		{ "module", required_argument, NULL, OPT_MODULE },
		{ "symvers", required_argument, NULL, OPT_SYMVERS },
		{ "map", required_argument, NULL, OPT_MAP },
		{ "find", required_argument, NULL, OPT_FIND },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char **once = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': once = &o->output; break;
		case OPT_KALLSYMS: once = &o->kallsyms; break;
		case OPT_VMLINUX: once = &o->vmlinux; break;
		case OPT_SYSTEM_MAP: once = &o->system_map; break;
		case OPT_MAP: once = &o->map; break;
		case OPT_FIND: once = &o->find; break;
		case OPT_MODULES:
			push(&o->module_dirs, &o->nr_dirs, &o->alloc_dirs, optarg);
			continue;
		case OPT_MODULE:
			push(&o->modules, &o->nr_modules, &o->alloc_modules, optarg);
			continue;
		case OPT_SYMVERS:
			push(&o->symvers, &o->nr_symvers, &o->alloc_symvers, optarg);
			continue;
		case OPT_STATS: o->stats = true; continue;
		case 'v': verbose++; continue;
		case 'h': usage(stdout); exit(0);
		case 'V': print_version(); exit(0);
		default: return -1;
		}
		if (*once) {
			pr_err("an option was given twice (%s and %s)", *once, optarg);
			return -1;
		}
		*once = optarg;
	}
	return optind == argc ? 0 : (pr_err("unexpected argument '%s'", argv[optind]), -1);
}

static int check_mode(const struct opts *o)
{
	bool sources = o->kallsyms || o->vmlinux || o->system_map || o->nr_dirs ||
		       o->nr_modules;

	if (o->map) {
		if (o->output || sources || o->nr_symvers || !!o->find == o->stats) {
			pr_err("--map takes exactly one of --find NAME and --stats, and no sources");
			return -1;
		}
		return 0;
	}
	if (o->find || o->stats) {
		pr_err("--find and --stats need --map MAP");
		return -1;
	}
	if (!o->output || !sources) {
		pr_err(!o->output ? "no output map (-o MAP)" : "no sources (--kallsyms, --vmlinux, "
		      "--system-map, --modules, --module)");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	int ret;

	progname = "klp-symbols";
	if (parse_opts(argc, argv, &o) || check_mode(&o)) {
		usage(stderr);
		ret = 2;
	} else if (o.map) {
		ret = o.find ? find(o.map, o.find) : stats(o.map);
	} else {
		ret = build(&o);
	}
	free(o.module_dirs);
	free(o.modules);
	free(o.symvers);
	return ret;
}
