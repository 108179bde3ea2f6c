// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-build's patch mode: from source patches to what changed, rebuilding
 * only the files they touch, twice, with klp-source's exact rebuild.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build/apply.h"
#include "build/diff.h"
#include "build/objdiff.h"
#include "build/patch_build.h"
#include "source/run.h"

/* Each function in its own section: what the extraction will pick from. */
#define SPLIT_CFLAGS "-ffunction-sections -fdata-sections"

struct stages {
	bool quiet;
	struct timespec t0;
};

static void stage_begin(struct stages *st)
{
	clock_gettime(CLOCK_MONOTONIC, &st->t0);
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

int patch_diff_objects(const char *orig, const char *patched, bool quiet)
{
	struct objdiff_result res;
	size_t j;
	int ret;

	if (objdiff(orig, patched, patched, &res))
		return 1;
	if (!quiet)
		for (j = 0; j < res.nr; j++)
			print_finding(&res.fns[j], patched);
	fflush(stdout);
	ret = res.errors ? 1 : 0;
	if (res.errors)
		pr_err("%s: %zu change%s a livepatch cannot make", patched, res.errors,
		       res.errors == 1 ? "" : "s");
	objdiff_release(&res);
	return ret;
}

int patch_build(const struct patch_build_opts *o)
{
	struct diff *diffs = xcalloc(o->nr_patches, sizeof(*diffs));
	struct rebuilt *orig = NULL, *patched = NULL;
	struct patch_files pf = { 0 };
	struct stages st = { .quiet = o->quiet };
	struct source_ctx ctx;
	bool opened = false;
	char *scratch = NULL, *output = NULL;
	size_t i, changed = 0, added = 0, errors = 0;
	int ret = 1, refused = 0;

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

	stage_begin(&st);
	if (source_open(&ctx, &o->src))
		goto out;
	opened = true;
	stage_end(&st, "source", "%s", ctx.tree);
	stage_begin(&st);
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

	orig = xcalloc(pf.nr, sizeof(*orig));
	patched = xcalloc(pf.nr, sizeof(*patched));
	for (i = 0; i < pf.nr; i++) {
		struct rebuild_how how = { .variant = "split", .cflags = SPLIT_CFLAGS };

		stage_begin(&st);
		if (source_rebuild_how(&ctx, pf.paths[i], &how, &orig[i]))
			goto out;
		stage_end(&st, "building original", "%s (%s)", pf.paths[i], where(&orig[i]));
	}
	for (i = 0; i < pf.nr; i++) {
		char *from = xasprintf("%s/%s", scratch, pf.paths[i]), *text = read_text(from);
		char *variant;
		struct rebuild_how how = { .cflags = SPLIT_CFLAGS, .from = from };
		int rc;

		if (!text) {
			pr_err("%s: %s", from, strerror(errno));
			free(from);
			goto out;
		}
		/* The patched objects are kept by their source's contents. */
		variant = xasprintf("patched/%016llx",
				    (unsigned long long)hash_str(text) ^ hash_str(SPLIT_CFLAGS));
		free(text);
		how.variant = variant;
		stage_begin(&st);
		rc = source_rebuild_how(&ctx, pf.paths[i], &how, &patched[i]);
		free(variant);
		free(from);
		if (rc)
			goto out;
		stage_end(&st, "building patched", "%s (%s)", pf.paths[i], where(&patched[i]));
	}

	for (i = 0; i < pf.nr; i++) {
		struct objdiff_result res;
		size_t j, c = 0, n = 0, d = 0;

		stage_begin(&st);
		if (objdiff(orig[i].object, patched[i].object, pf.paths[i], &res))
			goto out;
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
		objdiff_release(&res);
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
	pr_err("extracting, linking, converting and checking are not implemented yet: %s was not written",
	       output);
out:
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
	patch_files_release(&pf);
	for (i = 0; i < (size_t)o->nr_patches; i++)
		diff_release(&diffs[i]);
	free(diffs);
	if (opened)
		source_close(&ctx);
	return ret;
}
