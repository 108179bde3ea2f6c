// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-build's "applying" stage: a scratch copy of the touched files, and
 * GNU patch on it, one file's hunks at a time, so that its messages can be
 * tied to the hunks of the patch as the user wrote it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/apply.h"
#include "source/run.h"

void patch_files_collect(const struct diff *diffs, size_t nr, struct patch_files *pf)
{
	struct hashtab seen = { 0 };
	size_t i, j;

	memset(pf, 0, sizeof(*pf));
	for (i = 0; i < nr; i++)
		for (j = 0; j < diffs[i].nr_files; j++) {
			const struct diff_file *f = &diffs[i].files[j];
			struct hash_iter it;
			char *p;
			bool dup = false;

			if (f->refused || f->ignored)
				continue;
			hashtab_for_each(&seen, hash_str(f->path), it, p)
				dup |= !strcmp(p, f->path);
			if (dup)
				continue;
			grow_array(&pf->paths, &pf->alloc, pf->nr + 1, sizeof(*pf->paths));
			pf->paths[pf->nr] = xstrdup(f->path);
			hashtab_add(&seen, hash_str(f->path), pf->paths[pf->nr]);
			pf->nr++;
		}
	hashtab_free(&seen);
}

void patch_files_release(struct patch_files *pf)
{
	size_t i;

	for (i = 0; i < pf->nr; i++)
		free(pf->paths[i]);
	free(pf->paths);
	memset(pf, 0, sizeof(*pf));
}

static int copy_in(const char *tree, const char *scratch, const char *path)
{
	char *from = xasprintf("%s/%s", tree, path), *to = xasprintf("%s/%s", scratch, path);
	int ret = -1;

	if (!path_exists(from)) {
		pr_err("%s: not in the source tree (%s)", path, from);
		goto out;
	}
	*strrchr(to, '/') = '\0';
	if (mkdir_p(to)) {
		pr_err("%s: cannot create: %s", to, strerror(errno));
		goto out;
	}
	to[strlen(to)] = '/';
	if (copy_file(from, to)) {
		pr_err("%s: cannot copy to %s: %s", from, to, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(from);
	free(to);
	return ret;
}

/*
 * patch's report of a failed dry run, one message per hunk: "Hunk #2
 * FAILED at 45." names the hunk by its number in the file's part of the
 * patch, which is ours too.
 */
static void report_failure(const struct diff *d, const struct diff_file *f, const char *out)
{
	const char *p;
	bool said = false;

	for (p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		unsigned long n, at;

		if (sscanf(p, "Hunk #%lu FAILED at %lu", &n, &at) == 2 && n >= 1 &&
		    n <= f->nr_hunks) {
			pr_err("%s: %s: hunk %lu (patch line %lu, line %lu of the file) does not apply",
			       d->name, f->path, n, f->hunks[n - 1].lineno, f->hunks[n - 1].old_start);
			said = true;
		} else if (str_starts_with(p, "Reversed (or previously applied) patch detected")) {
			pr_err("%s: %s: does not apply: already applied, or a reversed patch", d->name,
			       f->path);
			said = true;
		}
	}
	if (!said)
		pr_err("%s: %s: does not apply:\n%s", d->name, f->path, out);
}

static int apply_file(const char *scratch, const char *patch, const struct diff *d,
		      const struct diff_file *f, const char *tmp)
{
	const char *argv[] = {
		patch, "-p1", "--forward", "--fuzz=0", "--batch", "--no-backup-if-mismatch",
		"--reject-file=-", "-d", scratch, "-i", tmp, "--dry-run", NULL,
	};
	struct strbuf text = { 0 }, out = { 0 };
	struct atomic_file af;
	int rc, ret = -1;

	diff_format_file(f, &text);
	if (atomic_file_open(&af, tmp, 0644))
		goto out;
	if (write(af.fd, text.buf, text.len) != (ssize_t)text.len) {
		pr_err("%s: %s", af.tmp_path, strerror(errno));
		atomic_file_abort(&af);
		goto out;
	}
	if (atomic_file_commit(&af))
		goto out;
	rc = run_capture(argv, NULL, &out);
	if (rc) {
		report_failure(d, f, out.buf ? out.buf : "");
		goto out;
	}
	argv[ARRAY_SIZE(argv) - 2] = NULL;
	out.len = 0;
	rc = run_capture(argv, NULL, &out);
	if (rc) {
		pr_err("%s: %s: patch failed after its dry run passed:\n%s", d->name, f->path,
		       out.buf ? out.buf : "");
		goto out;
	}
	if (out.buf && strstr(out.buf, "offset"))
		pr_info("%s: %s: %s", d->name, f->path, out.buf);
	ret = 0;
out:
	strbuf_release(&text);
	strbuf_release(&out);
	return ret;
}

int apply_patches(const char *tree, const char *scratch, const struct diff *diffs, size_t nr,
		  const struct patch_files *pf)
{
	char *patch = find_in_path("patch"), *tmp = NULL;
	size_t i, j;
	int ret = -1;

	if (!patch) {
		pr_err("GNU patch is needed to apply the patches: apt-get install patch");
		return -1;
	}
	for (i = 0; i < pf->nr; i++)
		if (copy_in(tree, scratch, pf->paths[i]))
			goto out;
	/* The hunks of one file, outside the copies patch works on. */
	tmp = xasprintf("%s.diff", scratch);
	ret = 0;
	for (i = 0; i < nr; i++)
		for (j = 0; j < diffs[i].nr_files; j++) {
			const struct diff_file *f = &diffs[i].files[j];

			if (f->refused || f->ignored)
				continue;
			/* Every file is tried, so that each failing hunk is named. */
			if (apply_file(scratch, patch, &diffs[i], f, tmp))
				ret = -1;
		}
	unlink(tmp);
out:
	free(tmp);
	free(patch);
	return ret;
}
