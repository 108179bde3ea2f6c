// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-build's patch mode: from source patches to what changed, rebuilding
 * only the files they touch, twice, with klp-source's exact rebuild.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/interrupt.h"
#include "build/apply.h"
#include "build/diff.h"
#include "build/extract.h"
#include "build/header.h"
#include "build/kpatch.h"
#include "build/lpmod.h"
#include "build/layout.h"
#include "build/objdiff.h"
#include "build/patch_build.h"
#include "check/patch_check.h"
#include "convert/pipeline.h"
#include "source/run.h"
#include "source/where.h"
#include "symbols/map_build.h"

/* Each function in its own section: what the extraction will pick from. */
#define SPLIT_CFLAGS "-ffunction-sections -fdata-sections"

struct stages {
	bool quiet;
	struct timespec t0;
};

/* Non-zero when a signal came: every stage is a point to stop at. */
static __attribute__((warn_unused_result)) int stage_begin(struct stages *st)
{
	clock_gettime(CLOCK_MONOTONIC, &st->t0);
	return interrupt_check() ? -1 : 0;
}

/* "  building original  fs/proc/cmdline.c (vmlinux)  2.41 s" */
static void stage_end(struct stages *st, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void stage_end(struct stages *st, const char *name, const char *fmt, ...)
{
	struct timespec t1;
	va_list ap;
	char *what;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (st->quiet)
		return;
	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	printf("  %-18s %-50s %6.2f s\n", name, what,
	       (t1.tv_sec - st->t0.tv_sec) + (t1.tv_nsec - st->t0.tv_nsec) / 1e9);
	fflush(stdout);
	free(what);
}

/* The default output: livepatch-<name>.ko, the first patch's name without .patch/.diff. */
static char *default_output(const char *patch)
{
	const char *base = strrchr(patch, '/') ? strrchr(patch, '/') + 1 : patch;
	size_t n = strlen(base);

	if (str_ends_with(base, ".patch"))
		n -= 6;
	else if (str_ends_with(base, ".diff"))
		n -= 5;
	return xasprintf("livepatch-%.*s.ko", (int)n, base);
}

static const char *where(const struct rebuilt *r)
{
	return r->module ? r->module : "vmlinux";
}

static void print_finding(const struct fn_finding *f, const char *path)
{
	static const char *const what[] = {
		[FN_CHANGED] = "changed", [FN_NEW] = "new", [FN_DELETED] = "deleted",
	};

	printf("%s function: %s (%s", what[f->change], f->name, path);
	if (f->parent)
		printf(", %s %s", strstr(f->name, ".cold") ? "part of" : "a clone of", f->parent);
	if (f->why)
		printf(", %s", f->why);
	printf(")\n");
	if (verbose)
		for (size_t i = 0; i < f->nr_uses; i++)
			printf("    uses %s (%s)\n", f->uses[i].name, use_kind_name(f->uses[i].kind));
}

int patch_diff_objects(const char *orig, const char *patched, unsigned int kver, bool quiet)
{
	struct objdiff_result res;
	struct kp_markers kp;
	long layouts;
	size_t j;
	int ret, bad;

	if (objdiff(orig, patched, patched, kver, &res))
		return 1;
	if (kp_markers_read(patched, patched, &kp)) {
		objdiff_release(&res);
		return 1;
	}
	bad = kp_markers_apply(&kp, patched, &res, quiet);
	kp_markers_release(&kp);
	if (!quiet)
		for (j = 0; j < res.nr; j++)
			print_finding(&res.fns[j], patched);
	fflush(stdout);
	layouts = layout_compare(orig, patched, patched);
	if (layouts < 0) {
		objdiff_release(&res);
		return 1;
	}
	res.errors += (size_t)layouts;
	ret = res.errors || bad ? 1 : 0;
	if (res.errors)
		pr_err("%s: %zu change%s a livepatch cannot make", patched, res.errors,
		       res.errors == 1 ? "" : "s");
	objdiff_release(&res);
	return ret;
}

int patch_kpatch_markers(char *const *objs, int nr)
{
	struct kp_markers kp;
	int i, ret = 0;

	for (i = 0; i < nr; i++) {
		if (kp_markers_read(objs[i], objs[i], &kp)) {
			ret = 1;
			continue;
		}
		printf("%s:\n", objs[i]);
		kp_markers_print(&kp, stdout);
		kp_markers_release(&kp);
	}
	fflush(stdout);
	return ret;
}

int patch_extract_objects(const char *orig, const char *patched, const char *out,
			  const char *map_path, const char *target, unsigned int kver)
{
	struct extract_opts eo = {
		.orig = orig, .patched = patched, .path = patched, .target = target, .kver = kver,
		.out = out,
	};
	struct objdiff_result res;
	struct extract_stats es;
	struct kp_markers kp = { 0 };
	struct symmap *map = symmap_new();
	int ret = 1, bad;

	if (symmap_load(map, map_path)) {
		symmap_free(map);
		return 1;
	}
	eo.map = map;
	if (objdiff(orig, patched, patched, kver, &res)) {
		symmap_free(map);
		return 1;
	}
	eo.diff = &res;
	eo.kpatch = &kp;
	bad = kp_markers_read(patched, patched, &kp) || kp_markers_apply(&kp, patched, &res, true);
	if (!bad && res.errors)
		pr_err("%s: %zu change%s a livepatch cannot make", patched, res.errors,
		       res.errors == 1 ? "" : "s");
	else if (!bad && !extract(&eo, &es)) {
		printf("%s: %zu function%s, %zu data, %zu kernel symbol%s (%zu by sympos), %zu entries\n",
		       out, es.funcs, es.funcs == 1 ? "" : "s", es.data, es.undef,
		       es.undef == 1 ? "" : "s", es.klp_syms, es.entries);
		ret = 0;
	}
	kp_markers_release(&kp);
	objdiff_release(&res);
	symmap_free(map);
	return ret;
}

int patch_prove_objects(const char *ko, const char *patched, unsigned int kver,
			const char *const *names, size_t nr)
{
	char **why = xcalloc(nr, sizeof(*why));
	size_t i, bad = 0;

	if (objdiff_prove(ko, patched, kver, names, nr, why)) {
		free(why);
		return 1;
	}
	for (i = 0; i < nr; i++) {
		if (why[i]) {
			pr_err_sym(ko, names[i], "not the code of %s: %s", patched, why[i]);
			bad++;
		} else if (verbose) {
			printf("proved function: %s: identical to the patched build\n", names[i]);
		}
		free(why[i]);
	}
	free(why);
	fflush(stdout);
	return bad ? 1 : 0;
}

/* KLP_KVER of "6.1.192". */
static unsigned int kernel_version(const char *v)
{
	unsigned int a = 0, b = 0;

	if (!v || sscanf(v, "%u.%u", &a, &b) != 2)
		return 0;
	return KLP_KVER(a, b);
}

/*
 * The installed file of module name (kernel/fs/isofs/isofs.ko[.xz]) of
 * release, from modules.dep, or NULL: what a map from kallsyms lacks when
 * the module was not loaded as the dump was taken.
 */
static char *installed_module(const char *release, const char *name)
{
	char *dep = xasprintf("/lib/modules/%s/modules.dep", release);
	char *text = read_text(dep), *line, *save = NULL, *found = NULL;

	free(dep);
	if (!text)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':'), *base, *dot;
		size_t i;

		if (!colon)
			continue;
		*colon = 0;
		base = strrchr(line, '/') ? strrchr(line, '/') + 1 : line;
		dot = strstr(base, ".ko");
		if (!dot || (size_t)(dot - base) != strlen(name))
			continue;
		for (i = 0; base + i < dot; i++)
			if ((base[i] == '-' ? '_' : base[i]) != name[i])
				break;
		if (base + i == dot)
			found = xasprintf("/lib/modules/%s/%s", release, line);
	}
	free(text);
	return found;
}

struct where_ctx {
	struct source_ctx *ctx;
	const struct symmap *map;
};

/*
 * Which copy of name, among its namesakes in the map, path's object
 * defines: klp-source --where's placement by neighbouring symbols, on the
 * original build of path (cached). 0 with *pos, or -1 after a message.
 */
static int file_sympos(void *data, const char *path, const char *name, unsigned int *pos)
{
	struct where_ctx *w = data;
	struct where_result res = { 0 };
	char *paths[] = { (char *)path };
	size_t k;
	int ret = -1;

	if (where_place(w->ctx, w->map, name, paths, 1, &res))
		return -1;
	for (k = 0; k < res.nr_copies; k++)
		if (res.owners[k] && res.owners[k]->state == WHERE_PLACED) {
			*pos = res.copies[k]->pos;
			ret = 0;
			break;
		}
	if (ret) {
		pr_err_sym(path, name, "%zu copies in the map, and none could be placed in this file's object",
			   res.nr_copies);
		for (k = 0; k < res.nr_copies; k++) {
			char *line = symmap_candidate_line(w->map, res.copies[k]);

			pr_note("%s", line);
			free(line);
		}
	}
	where_result_release(&res);
	return ret;
}

/* The sympos of a changed function in its object: 0 when the name is unique. */
static int func_sympos(struct where_ctx *w, const char *target, const char *path,
		       const char *name, unsigned int *pos)
{
	const struct symmap *map = w->map;
	const struct map_object *obj = symmap_find_object(map, target);
	const struct map_symbol *first = symmap_lookup(map, name);
	unsigned int n = obj ? symmap_count_in(first, obj) : 0;

	*pos = 0;
	if (n == 1)
		return 0;
	if (!n) {
		pr_err_sym(path, name, "changed, but %s has no function of that name in the map%s",
			   target, obj ? "" : " (the map has no such object: is the module loaded?)");
		return -1;
	}
	return file_sympos(w, path, name, pos);
}

/* from to path, through a temporary file beside it. */
static int install_file(const char *from, const char *path)
{
	struct atomic_file af;
	char buf[65536];
	ssize_t n;
	int fd = open(from, O_RDONLY);

	if (fd < 0) {
		pr_err("%s: %s", from, strerror(errno));
		return -1;
	}
	if (atomic_file_open(&af, path, 0644)) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(af.fd, buf, n) != n) {
			n = -1;
			break;
		}
	close(fd);
	if (n < 0) {
		pr_err("%s: cannot write: %s", path, strerror(errno));
		atomic_file_abort(&af);
		return -1;
	}
	return atomic_file_commit(&af);
}

/*
 * Every function the livepatch carries, a klp_func's new_func or a kept
 * section, against the same function of the patched file's build: what
 * the extraction, the link and the conversion did must leave its code
 * and what each relocation names as the compiler made them. 0 with
 * *proved, or -1 after a message for each that differs.
 */
static int prove(const char *output, const char *ko, unsigned int kver,
		 const struct patch_files *pf, const struct rebuilt *patched,
		 const struct objdiff_result *diffres, const struct lp_func *funcs,
		 size_t nr_funcs, size_t *proved)
{
	size_t i, j, k, bad = 0;

	*proved = 0;
	for (i = 0; i < pf->nr; i++) {
		const struct objdiff_result *r = &diffres[i];
		const char **names = xcalloc(r->nr + 1, sizeof(*names));
		const struct fn_finding **fns = xcalloc(r->nr + 1, sizeof(*fns));
		char **why = xcalloc(r->nr + 1, sizeof(*why));
		size_t n = 0;

		for (j = 0; j < r->nr; j++)
			if (r->fns[j].change != FN_DELETED) {
				fns[n] = &r->fns[j];
				names[n++] = r->fns[j].name;
			}
		if (n && objdiff_prove(ko, patched[i].object, kver, names, n, why)) {
			bad++;
			n = 0;
		}
		for (j = 0; j < n; j++) {
			const char *obj = where(&patched[i]);
			char *pos = NULL;

			/* Few functions: the klp_func table is searched for each. */
			for (k = 0; k < nr_funcs && !pos; k++)
				if (!strcmp(funcs[k].name, names[j]) && !strcmp(funcs[k].object, obj))
					pos = xasprintf("sympos %u", funcs[k].sympos);
			if (!pos)
				pos = xstrdup(fns[j]->change == FN_NEW ? "new" :
					      fns[j]->notrace ? "carried for its callers" :
					      "kept with its function");
			if (why[j]) {
				pr_err_sym(pf->paths[i], names[j],
					   "in %s (%s, %s), not the patched build's code: %s", output,
					   obj, pos, why[j]);
				bad++;
			} else {
				(*proved)++;
				if (verbose)
					printf("proved function: %s (%s, %s): identical to the patched build\n",
					       names[j], obj, pos);
			}
			free(pos);
			free(why[j]);
		}
		free(why);
		free(names);
		free(fns);
	}
	fflush(stdout);
	return bad ? -1 : 0;
}

/* Extracting, linking, converting, checking: the module at output, or -1 and nothing written. */
static int make_livepatch(const struct patch_build_opts *o, struct source_ctx *ctx,
			  struct stages *st, const char *scratch, const char *output,
			  const struct patch_files *pf, const struct rebuilt *orig,
			  const struct rebuilt *patched, const struct objdiff_result *diffres,
			  const struct kp_markers *kps)
{
	const char *base = strrchr(output, '/') ? strrchr(output, '/') + 1 : output;
	char *name = xasprintf("%.*s", (int)(strlen(base) - 3), base);
	char *lpdir = xasprintf("%s/livepatch", scratch), *ko = NULL, *conv = NULL;
	char *mappath = NULL, *what = NULL;
	const char **objects = xcalloc(pf->nr, sizeof(*objects));
	const char **linked = xcalloc(pf->nr + 1, sizeof(*linked));
	struct lp_func *funcs = NULL;
	struct lp_hook *hooks = NULL;
	size_t nr_funcs = 0, alloc_funcs = 0, nr_hooks = 0, alloc_hooks = 0, i, j, k, proved = 0;
	struct extract_stats total = { 0 };
	struct strset names = { 0 };
	struct symmap *map = NULL;
	struct strbuf wb = { 0 };
	struct where_ctx wc;
	int ret = -1;

	for (i = 0; name[i]; i++)
		if (!(name[i] == '-' || name[i] == '_' || (name[i] >= '0' && name[i] <= '9') ||
		      (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z'))) {
			pr_err("%s: a module's name has letters, digits, '-' and '_' only", output);
			goto out;
		}
	if (mkdir_p(lpdir)) {
		pr_err("%s: cannot create: %s", lpdir, strerror(errno));
		goto out;
	}

	if (stage_begin(st))
		goto out;
	if (o->kallsyms) {
		struct map_sources src = { .kallsyms = o->kallsyms };
		const char **mods = xcalloc(pf->nr + 1, sizeof(*mods));
		struct strset seen = { 0 };

		/* The target modules from their installed files: kallsyms has only the loaded ones. */
		for (i = 0; i < pf->nr; i++) {
			char *ko_path;

			if (!orig[i].module ||
			    strset_has(&seen, orig[i].module, strlen(orig[i].module)))
				continue;
			strset_add(&seen, orig[i].module);
			ko_path = installed_module(ctx->release, orig[i].module);
			if (ko_path) {
				pr_info("%s: symbols of module %s from %s", pf->paths[i], orig[i].module,
					ko_path);
				mods[src.nr_modules++] = ko_path;
			}
		}
		strset_free(&seen);
		src.modules = mods;
		map = map_build(&src);
		for (i = 0; i < src.nr_modules; i++)
			free((char *)mods[i]);
		free(mods);
		if (!map)
			goto out;
		mappath = xasprintf("%s/kernel.map", scratch);
		if (symmap_write(map, mappath))
			goto out;
	} else {
		map = symmap_new();
		if (symmap_load(map, o->map))
			goto out;
		mappath = xstrdup(o->map);
	}
	wc = (struct where_ctx){ .ctx = ctx, .map = map };
	for (i = 0; i < pf->nr; i++) {
		struct extract_opts eo = {
			.orig = orig[i].object, .patched = patched[i].object, .path = pf->paths[i],
			.target = orig[i].module ? orig[i].module : "vmlinux", .map = map,
			.kver = kernel_version(ctx->srcver), .diff = &diffres[i],
			.file_sympos = file_sympos, .data = &wc, .kpatch = &kps[i],
		};
		struct extract_stats es;
		char *out;

		if (!diffres[i].nr)
			continue;
		for (j = 0; j < diffres[i].nr; j++) {
			const struct fn_finding *f = &diffres[i].fns[j];

			if (f->change == FN_DELETED)
				continue;
			if (strset_has(&names, f->name, strlen(f->name))) {
				pr_err_sym(pf->paths[i], f->name,
					   "another patched file has a function of that name: not supported yet");
				goto out;
			}
			strset_add(&names, f->name);
			/*
			 * A .cold part or a notrace function has no ftrace call: the
			 * patched functions' code calls the new one.
			 */
			if (f->change != FN_CHANGED || f->notrace || (f->parent && strstr(f->name, ".cold")))
				continue;
			grow_array(&funcs, &alloc_funcs, nr_funcs + 1, sizeof(*funcs));
			funcs[nr_funcs] = (struct lp_func){ .name = f->name, .object = eo.target };
			if (func_sympos(&wc, eo.target, pf->paths[i], f->name, &funcs[nr_funcs].sympos))
				goto out;
			nr_funcs++;
		}
		for (j = 0; j < kps[i].nr_hooks; j++) {
			const struct kp_hook *h = &kps[i].hooks[j];

			grow_array(&hooks, &alloc_hooks, nr_hooks + 1, sizeof(*hooks));
			hooks[nr_hooks++] = (struct lp_hook){
				.func = h->func, .object = eo.target, .slot = h->slot,
				.no_arg = h->no_arg,
			};
			if (!o->quiet)
				printf("%s callback: %s (%s, %s)\n", kp_slot_name(h->slot), h->func,
				       pf->paths[i], eo.target);
		}
		out = xasprintf("%s/part%zu.o", scratch, i);
		eo.out = out;
		objects[i] = out;
		if (extract(&eo, &es))
			goto out;
		total.funcs += es.funcs;
		total.data += es.data;
		total.undef += es.undef;
		total.klp_syms += es.klp_syms;
		total.entries += es.entries;
	}
	/* Only parts of functions (.cold, notrace helpers): nothing would call the new code. */
	if (!nr_funcs) {
		pr_err("%s: no function the livepatch can patch: the changed code is only reached through functions that did not change",
		       output);
		goto out;
	}
	stage_end(st, "extracting", "%zu function%s, %zu data, %zu kernel symbol%s (%zu by sympos), %zu entries",
		  total.funcs, total.funcs == 1 ? "" : "s", total.data, total.undef,
		  total.undef == 1 ? "" : "s", total.klp_syms, total.entries);

	if (stage_begin(st))
		goto out;
	for (i = 0; i < (size_t)o->nr_patches; i++)
		strbuf_addf(&wb, "%s%s", i ? ", " : "",
			    strrchr(o->patches[i], '/') ? strrchr(o->patches[i], '/') + 1 : o->patches[i]);
	what = wb.buf;
	wb.buf = NULL;
	/* Only the files with findings have an object. */
	for (i = k = 0; i < pf->nr; i++)
		if (objects[i])
			linked[k++] = objects[i];
	{
		struct lp_module m = {
			.dir = lpdir, .name = name, .objects = linked, .nr_objects = k,
			.funcs = funcs, .nr_funcs = nr_funcs, .hooks = hooks, .nr_hooks = nr_hooks,
			.replace = !o->no_replace, .what = what,
		};

		if (lp_module_write(&m) || lp_module_link(&m, ctx->o.kdir, ctx->cc))
			goto out;
	}
	ko = xasprintf("%s/%s.ko", lpdir, name);
	stage_end(st, "linking", "%s.ko: %zu object%s and klp_init.c", name, k + 1,
		  k + 1 == 1 ? "" : "s");

	if (stage_begin(st))
		goto out;
	conv = xasprintf("%s/%s.converted.ko", scratch, name);
	{
		struct klp_job job = { .in = ko, .out = conv, .map = map };
		struct convert_stats cs = { 0 };

		if (klp_run_job(&job, &cs))
			goto out;
		stage_end(st, "converting", "%u livepatch symbol%s, %u relocation%s", cs.symbols,
			  cs.symbols == 1 ? "" : "s", cs.relocs, cs.relocs == 1 ? "" : "s");
	}

	if (stage_begin(st))
		goto out;
	if (prove(output, conv, kernel_version(ctx->srcver), pf, patched, diffres, funcs, nr_funcs,
		  &proved))
		goto out;
	stage_end(st, "proving", "%zu function%s identical to the patched build", proved,
		  proved == 1 ? "" : "s");

	if (stage_begin(st))
		goto out;
	{
		struct klp_check_opts co = { .map_path = mappath };
		struct klp_check c;
		int bad;

		memset(&c, 0, sizeof(c));
		bad = klp_check_module(&c, &co, conv);
		if (!bad) {
			if (c.rep.errors || c.rep.warnings || verbose)
				klp_check_print_text(&c, stdout);
			bad = c.rep.errors ? 1 : 0;
			stage_end(st, "checking", "%u error%s, %u warning%s", c.rep.errors,
				  c.rep.errors == 1 ? "" : "s", c.rep.warnings,
				  c.rep.warnings == 1 ? "" : "s");
		}
		klp_check_release(&c);
		if (bad) {
			pr_err("%s: klp-check refused the livepatch", output);
			goto out;
		}
	}
	/* The last point to stop at: after it, the livepatch is whole. */
	if (interrupt_check() || install_file(conv, output))
		goto out;
	if (!o->quiet)
		printf("livepatch: %s\n", output);
	ret = 0;
out:
	if (ret)
		pr_err("%s was not written", output);
	fflush(stdout);
	for (i = 0; i < pf->nr; i++)
		free((char *)objects[i]);
	free(objects);
	free(linked);
	free(funcs);
	free(hooks);
	strset_free(&names);
	symmap_free(map);
	strbuf_release(&wb);
	free(what);
	free(mappath);
	free(conv);
	free(ko);
	free(lpdir);
	free(name);
	return ret;
}

/* What the patched files are compiled with: SPLIT_CFLAGS, and the kpatch headers. */
struct patched_flags {
	char *cflags;
	uint64_t headers_hash;
};

/*
 * The patched build's flags: kpatch-macros.h and kpatch-syscall.h of dir
 * found by a patch's #include "kpatch-macros.h", after the file's own
 * directory and the kernel's headers (a tree's own file of that name wins).
 * headers_hash is their contents': a new klp-build's headers make new objects.
 */
static int kpatch_cflags(const char *dir, struct patched_flags *pfl)
{
	static const char *const headers[] = { "kpatch-macros.h", "kpatch-syscall.h" };
	size_t i;

	pfl->headers_hash = 0;
	if (!dir) {
		pfl->cflags = xstrdup(SPLIT_CFLAGS);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(headers); i++) {
		char *path = xasprintf("%s/%s", dir, headers[i]), *text = read_text(path);

		if (!text) {
			pr_err("%s: %s (klp-build's kpatch headers)", path, strerror(errno));
			free(path);
			return -1;
		}
		pfl->headers_hash = hash_u64(pfl->headers_hash ^ hash_str(text));
		free(text);
		free(path);
	}
	pfl->cflags = xasprintf("%s -idirafter %s", SPLIT_CFLAGS, dir);
	return 0;
}

/*
 * A touched file's patched build, its variant named after its contents,
 * the patched headers' and klp-build's kpatch headers'.
 */
static int rebuild_patched(struct source_ctx *ctx, const char *scratch, const char *path,
			   const struct header_result *hr, const struct patched_flags *pfl,
			   struct rebuilt *out)
{
	char *from = xasprintf("%s/%s", scratch, path), *text, *variant;
	struct rebuild_how how = { .cflags = pfl->cflags, .from = from,
				   .overlay = hr->headers.nr ? scratch : NULL };
	int rc;

	/* A user of a patched header is the tree's file, built with the patched header. */
	if (!path_exists(from)) {
		free(from);
		from = xasprintf("%s/%s", ctx->tree, path);
		how.from = from;
	}
	text = read_text(from);
	if (!text) {
		pr_err("%s: %s", from, strerror(errno));
		free(from);
		return -1;
	}
	/* The patched objects are kept by their source's contents, and the headers'. */
	variant = xasprintf("patched/%016llx",
			    (unsigned long long)(hash_str(text) ^ hash_str(pfl->cflags) ^ hr->hash ^
						 pfl->headers_hash));
	free(text);
	how.variant = variant;
	rc = source_rebuild_how(ctx, path, &how, out);
	free(variant);
	free(from);
	return rc;
}

/*
 * The patched files compile in a child while this process compiles the
 * originals: two compilers on two cores. The child only fills
 * klp-source's cache, silently; the "building patched" stage then finds
 * its objects there, or builds (and reports) what it could not. The
 * process id, or 0 to build in turn.
 */
static pid_t build_behind(struct source_ctx *ctx, const char *scratch,
			  const struct patch_files *pf, const struct header_result *hr,
			  const struct patched_flags *pfl)
{
	pid_t pid;
	size_t i;
	int null;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid)
		return pid < 0 ? 0 : pid;
	null = open("/dev/null", O_WRONLY);
	if (null >= 0) {
		dup2(null, 1);
		dup2(null, 2);
	}
	for (i = 0; i < pf->nr && !interrupted(); i++) {
		struct rebuilt r;

		if (!rebuild_patched(ctx, scratch, pf->paths[i], hr, pfl, &r))
			rebuilt_free(&r);
	}
	_exit(0);
}

static void wait_behind(pid_t *pid)
{
	int status;

	if (*pid <= 0)
		return;
	while (waitpid(*pid, &status, 0) < 0)
		if (errno != EINTR)
			break;
	*pid = 0;
}

int patch_build(const struct patch_build_opts *o)
{
	struct diff *diffs = xcalloc(o->nr_patches, sizeof(*diffs));
	struct rebuilt *orig = NULL, *patched = NULL;
	struct objdiff_result *diffres = NULL;
	struct kp_markers *kps = NULL;
	struct patch_files pf = { 0 };
	struct header_result hr = { 0 };
	struct stages st = { .quiet = o->quiet };
	struct source_ctx ctx;
	bool opened = false;
	char *scratch = NULL, *output = NULL;
	struct patched_flags pfl = { 0 };
	size_t i, changed = 0, added = 0, errors = 0;
	long layouts;
	int ret = 1, refused = 0;
	pid_t behind = 0;

	/* Every patch is read and checked before anything is built. */
	for (i = 0; i < (size_t)o->nr_patches; i++) {
		if (diff_read(&diffs[i], o->patches[i]))
			goto out;
		if (diff_check(&diffs[i]))
			refused = 1;
	}
	if (refused) {
		pr_err("nothing was built: the patches change files klp-build cannot patch");
		goto out;
	}
	patch_files_collect(diffs, o->nr_patches, &pf);
	if (!pf.nr) {
		pr_err("%s: the patches change no C file of the kernel", o->patches[0]);
		goto out;
	}
	output = o->output ? xstrdup(o->output) : default_output(o->patches[0]);
	pr_info("the livepatch will be %s", output);

	if (stage_begin(&st))
		goto out;
	if (source_open(&ctx, &o->src))
		goto out;
	opened = true;
	stage_end(&st, "source", "%s", ctx.tree);
	if (stage_begin(&st))
		goto out;
	{
		const char *tmpdir = getenv("TMPDIR");

		scratch = xasprintf("%s/klp-build.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
		if (!mkdtemp(scratch)) {
			pr_err("%s: cannot create: %s", scratch, strerror(errno));
			free(scratch);
			scratch = NULL;
			goto out;
		}
	}
	if (apply_patches(ctx.tree, scratch, diffs, o->nr_patches, &pf))
		goto out;
	stage_end(&st, "applying", "%d patch%s, %zu file%s%s%s", o->nr_patches,
		  o->nr_patches == 1 ? "" : "es", pf.nr, pf.nr == 1 ? "" : "s",
		  pf.nr == 1 ? ": " : "", pf.nr == 1 ? pf.paths[0] : "");
	if (stage_begin(&st) || header_users(&ctx, scratch, &pf, o->quiet, &hr))
		goto out;
	if (hr.headers.nr)
		stage_end(&st, "headers", "%zu header%s: %zu user%s rebuilt too (%zu files read)",
			  hr.headers.nr, hr.headers.nr == 1 ? "" : "s", hr.added,
			  hr.added == 1 ? "" : "s", hr.files_read);
	if (!pf.nr) {
		pr_err("%s: the patches change no C file, and no file the kernel builds uses what their headers change",
		       o->patches[0]);
		goto out;
	}

	orig = xcalloc(pf.nr, sizeof(*orig));
	patched = xcalloc(pf.nr, sizeof(*patched));
	if (kpatch_cflags(o->kpatch_include, &pfl))
		goto out;
	behind = build_behind(&ctx, scratch, &pf, &hr, &pfl);
	for (i = 0; i < pf.nr; i++) {
		struct rebuild_how how = { .variant = "split", .cflags = SPLIT_CFLAGS };

		if (stage_begin(&st))
			goto out;
		if (source_rebuild_how(&ctx, pf.paths[i], &how, &orig[i]))
			goto out;
		stage_end(&st, "building original", "%s (%s)", pf.paths[i], where(&orig[i]));
	}
	for (i = 0; i < pf.nr; i++) {
		if (stage_begin(&st))
			goto out;
		/* While this waits for the child, a signal goes on to it. */
		interrupt_child(behind);
		wait_behind(&behind);
		interrupt_child(0);
		if (interrupt_check() ||
		    rebuild_patched(&ctx, scratch, pf.paths[i], &hr, &pfl, &patched[i]))
			goto out;
		stage_end(&st, "building patched", "%s (%s)", pf.paths[i], where(&patched[i]));
	}

	diffres = xcalloc(pf.nr, sizeof(*diffres));
	kps = xcalloc(pf.nr, sizeof(*kps));
	for (i = 0; i < pf.nr; i++) {
		struct objdiff_result res;
		size_t j, c = 0, n = 0, d = 0;

		if (stage_begin(&st))
			goto out;
		if (objdiff(orig[i].object, patched[i].object, pf.paths[i], kernel_version(ctx.srcver), &res))
			goto out;
		/* kpatch-macros.h's markers: ignored functions are no findings. */
		if (kp_markers_read(patched[i].object, pf.paths[i], &kps[i])) {
			objdiff_release(&res);
			goto out;
		}
		if (kp_markers_apply(&kps[i], pf.paths[i], &res, o->quiet))
			errors++;
		for (j = 0; j < res.nr; j++) {
			c += res.fns[j].change == FN_CHANGED;
			n += res.fns[j].change == FN_NEW;
			d += res.fns[j].change == FN_DELETED;
		}
		stage_end(&st, "diffing", "%s: %zu changed, %zu new, %zu deleted of %zu", pf.paths[i],
			  c, n, d, res.compared);
		if (!o->quiet)
			for (j = 0; j < res.nr; j++)
				print_finding(&res.fns[j], pf.paths[i]);
		changed += c;
		added += n;
		errors += res.errors;
		diffres[i] = res;
		/* What the code reads is checked too: the objects it reads keep their layout. */
		layouts = layout_compare(orig[i].object, patched[i].object, pf.paths[i]);
		if (layouts < 0)
			goto out;
		errors += (size_t)layouts;
	}
	fflush(stdout);
	if (errors) {
		pr_err("the patches change what a livepatch cannot change (%zu error%s above)", errors,
		       errors == 1 ? "" : "s");
		goto out;
	}
	if (!changed && !added) {
		pr_err("the patches change no function's code: there is nothing to livepatch");
		goto out;
	}
	ret = make_livepatch(o, &ctx, &st, scratch, output, &pf, orig, patched, diffres, kps) ?
	      1 : 0;
out:
	/* Stopped early: the child's compile is of no use, its scratch directory goes with it. */
	if (behind > 0)
		kill(behind, SIGTERM);
	wait_behind(&behind);
	if (diffres)
		for (i = 0; i < pf.nr; i++)
			objdiff_release(&diffres[i]);
	free(diffres);
	if (kps)
		for (i = 0; i < pf.nr; i++)
			kp_markers_release(&kps[i]);
	free(kps);
	if (orig)
		for (i = 0; i < pf.nr; i++)
			rebuilt_free(&orig[i]);
	if (patched)
		for (i = 0; i < pf.nr; i++)
			rebuilt_free(&patched[i]);
	free(orig);
	free(patched);
	if (scratch)
		remove_tree(scratch);
	free(scratch);
	free(output);
	free(pfl.cflags);
	patch_files_release(&pf);
	header_result_release(&hr);
	for (i = 0; i < (size_t)o->nr_patches; i++)
		diff_release(&diffs[i]);
	free(diffs);
	if (opened)
		source_close(&ctx);
	return ret;
}
