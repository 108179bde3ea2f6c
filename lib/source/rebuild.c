// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-source's rebuild: one file of the distribution's kernel, compiled by
 * the distribution's Kbuild rules and compiler, so that its code is the
 * shipped code.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/interrupt.h"
#include "source/run.h"
#include "source/source.h"
#include "source/source_priv.h"

/* Where trace event headers are, in the tree and in the headers tree. */
#define TRACE_EVENTS "include/trace/events"

void rebuilt_free(struct rebuilt *r)
{
	free(r->path);
	free(r->object);
	free(r->module);
	free(r->ipa_dump);
	memset(r, 0, sizeof(*r));
}

static int run_kbuild(const struct source_ctx *ctx, const char *scratch, const char *target,
		      const char *what, const char *nostdinc)
{
	char *m = xasprintf("M=%s", scratch), *cc = xasprintf("CC=%s", ctx->cc);
	const char *argv[] = { "make", "-s", "-C", ctx->o.kdir, m, cc, target, nostdinc, NULL };
	struct strbuf out = { 0 };
	int rc = run_capture(argv, NULL, &out);

	/* Interrupted, make says only that it was killed. */
	if (rc && !interrupt_check())
		pr_err("%s: Kbuild failed (make exit %d):\n%s", what, rc, out.buf ? out.buf : "");
	strbuf_release(&out);
	free(m);
	free(cc);
	return rc ? -1 : 0;
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ret = 0;

	if (!f)
		return -1;
	if (fputs(text, f) < 0)
		ret = -1;
	if (fclose(f))
		ret = -1;
	return ret;
}

/*
 * Copy the local headers the dependency pass used: those the compiler read
 * from the source tree (Kbuild's .cmd file lists each file it read).
 */
static int copy_deps(const struct source_ctx *ctx, const char *cmdfile, const char *scratch,
		     const char *path, const char *overlay, struct strbuf *list)
{
	char *text = read_text(cmdfile), *line, *save = NULL;
	size_t tlen = strlen(ctx->tree);
	int ret = 0;

	if (!text) {
		pr_err("%s: %s: no dependency output from Kbuild", path, cmdfile);
		return -1;
	}
	strbuf_addf(list, "%s\n", path);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *e, *rel, *to, *slash, *ov;

		while (isspace((unsigned char)*p))
			p++;
		e = p + strcspn(p, " \t\\");
		*e = '\0';
		if (strncmp(p, ctx->tree, tlen) || p[tlen] != '/')
			continue;
		rel = p + tlen + 1;
		if (!strcmp(rel, path))
			continue;
		strbuf_addf(list, "%s\n", rel);
		to = xasprintf("%s/%s", scratch, rel);
		slash = strrchr(to, '/');
		*slash = '\0';
		if (mkdir_p(to))
			ret = -1;
		*slash = '/';
		/* A patched local header: the patched text, at the tree's path. */
		ov = overlay ? xasprintf("%s/%s", overlay, rel) : NULL;
		if (ov && path_exists(ov)) {
			pr_info("%s: %s from %s", path, rel, overlay);
			p = ov;
		}
		if (!ret && copy_file(p, to)) {
			pr_err("%s: cannot copy to %s: %s", p, to, strerror(errno));
			ret = -1;
		}
		pr_info("%s: needs %s", path, rel);
		free(to);
		free(ov);
	}
	free(text);
	return ret;
}

/*
 * A cached object is current when it is no older than any file of the tree
 * it was built from (its .deps list: the .c and its local headers).
 */
static bool object_current(const struct source_ctx *ctx, const char *object)
{
	char *list = xasprintf("%s.deps", object), *text, *line, *save = NULL;
	struct stat ost, st;
	bool ok = true;

	text = stat(object, &ost) ? NULL : read_text(list);
	free(list);
	if (!text)
		return false;
	for (line = strtok_r(text, "\n", &save); line && ok; line = strtok_r(NULL, "\n", &save)) {
		char *p = xasprintf("%s/%s", ctx->tree, line);

		ok = !stat(p, &st) && (st.st_mtim.tv_sec < ost.st_mtim.tv_sec ||
				       (st.st_mtim.tv_sec == ost.st_mtim.tv_sec &&
					st.st_mtim.tv_nsec <= ost.st_mtim.tv_nsec));
		free(p);
	}
	free(text);
	return ok;
}

static char *normalise(const char *path)
{
	while (str_starts_with(path, "./"))
		path += 2;
	return xstrdup(path);
}

int source_rebuild(struct source_ctx *ctx, const char *given, struct rebuilt *r)
{
	return source_rebuild_how(ctx, given, NULL, r);
}

int source_rebuild_how(struct source_ctx *ctx, const char *given, const struct rebuild_how *how,
		       struct rebuilt *r)
{
	static const struct rebuild_how plain;
	char *scratch = NULL, *tmpl, *src = NULL, *to = NULL, *composite = NULL;
	char *stem = NULL, *target = NULL, *cmdfile = NULL, *built = NULL, *nostdinc = NULL;
	struct strbuf kb = { 0 }, deps = { 0 }, extra = { 0 };
	int ret = -1;

	if (!how)
		how = &plain;
	memset(r, 0, sizeof(*r));
	r->path = normalise(given);
	if (!str_ends_with(r->path, ".c") || r->path[0] == '/' || strstr(r->path, "..") ||
	    !strchr(r->path, '/')) {
		pr_err("%s: expected a .c file's path relative to the source tree (fs/namei.c)", given);
		goto out;
	}
	src = xasprintf("%s/%s", ctx->tree, r->path);
	if (!path_exists(src)) {
		pr_err("%s: not in the source tree (%s)", r->path, src);
		goto out;
	}
	if (how->from) {
		free(src);
		src = xstrdup(how->from);
		if (!path_exists(src)) {
			pr_err("%s: %s: %s", r->path, src, strerror(errno));
			goto out;
		}
	}
	if (source_file_role(ctx, r->path, &r->module, &composite))
		goto out;
	stem = strndup(r->path, strlen(r->path) - 2);
	r->object = xasprintf("%s/%s%s%s.o", ctx->objdir, how->variant ? how->variant : "",
			      how->variant ? "/" : "", stem);
	r->ipa_dump = xasprintf("%s.ipa-clones", r->object);
	if (!ctx->o.force && object_current(ctx, r->object)) {
		pr_info("%s: %s (cached)", r->path, r->object);
		ret = 0;
		goto out;
	}

	/*
	 * Patched headers of include/ and arch/ARCH/include/ before the
	 * headers tree's: NOSTDINC_FLAGS comes first on the compiler's
	 * command line, before LINUXINCLUDE, and a command-line value
	 * replaces Kbuild's "-nostdinc", so it is given again.
	 */
	if (how->overlay)
		nostdinc = xasprintf("NOSTDINC_FLAGS=-nostdinc -I%s/arch/$(SRCARCH)/include -I%s/include -I%s/arch/$(SRCARCH)/include/uapi -I%s/include/uapi",
				     how->overlay, how->overlay, how->overlay, how->overlay);
	tmpl = xasprintf("%s/build.XXXXXX", ctx->cachedir);
	scratch = mkdtemp(tmpl);
	if (!scratch) {
		pr_err("%s: cannot create: %s", tmpl, strerror(errno));
		free(tmpl);
		goto out;
	}
	to = xasprintf("%s/%s", scratch, r->path);
	*strrchr(to, '/') = '\0';
	if (mkdir_p(to)) {
		pr_err("%s: cannot create: %s", to, strerror(errno));
		goto out;
	}
	*strrchr(to, '\0') = '/';
	free(to);
	/*
	 * __FILE__ is the in-tree path, as in the distribution's build (its
	 * -fmacro-prefix-map strips its own tree): WARN and dynamic debug
	 * name the file as the kernel does, and two builds of a file in two
	 * scratch directories have the same strings.
	 */
	strbuf_addf(&extra, "ccflags-y += -fmacro-prefix-map=%s/=%s%s\n", scratch,
		    how->cflags ? " " : "", how->cflags ? how->cflags : "");
	to = xasprintf("%s/%s", scratch, TRACE_EVENTS);
	if (mkdir_p(to)) {
		pr_err("%s: cannot create: %s", to, strerror(errno));
		goto out;
	}
	free(to);
	to = xasprintf("%s/%s", scratch, r->path);
	if (copy_file(src, to)) {
		pr_err("%s: cannot copy to %s: %s", src, to, strerror(errno));
		goto out;
	}

	/*
	 * A file of a module is a part of that module, so that Kbuild gives it
	 * -DMODULE and the module's KBUILD_MODNAME; a built-in part of a
	 * composite object likewise takes the composite's name.
	 */
	if (composite || r->module) {
		const char *name = r->module ? r->module : composite;

		strbuf_addf(&kb, "obj-%c := %s.o\n%s-y := %s.o\n", r->module ? 'm' : 'y', name,
			    name, stem);
	} else {
		strbuf_addf(&kb, "obj-y := %s.o\n", stem);
	}

	/*
	 * The dependency pass: preprocess with the file's directory in the
	 * source tree on the quote path, so the compiler itself says which
	 * local headers it reads.
	 */
	{
		char *dir = strndup(r->path, strrchr(r->path, '/') - r->path);
		char *kbuild = xasprintf("%s/Kbuild", scratch);
		struct strbuf dep = { 0 };
		int rc;

		strbuf_add(&dep, kb.buf, kb.len);
		source_dir_settings(ctx, r->path, &dep, ctx->tree);
		strbuf_addf(&dep, "ccflags-y += -iquote %s/%s\n", ctx->tree, dir);
		/*
		 * Trace event headers of the headers tree include the private
		 * header of their subsystem relative to themselves
		 * (include/trace/events/bridge.h: "../../../net/bridge/br_private.h"),
		 * which the headers tree does not have: a quote directory three
		 * levels down in the tree resolves them as the kernel's own build
		 * does, in the tree for the dependency pass, then in the scratch
		 * directory, where the header was copied.
		 */
		strbuf_addf(&dep, "ccflags-y += -iquote %s/%s\n", ctx->tree, TRACE_EVENTS);
		strbuf_add(&dep, extra.buf, extra.len);
		source_dir_settings(ctx, r->path, &kb, "$(src)");
		strbuf_addf(&kb, "ccflags-y += -iquote $(src)/%s\n", TRACE_EVENTS);
		strbuf_add(&kb, extra.buf, extra.len);
		/*
		 * gcc's report of its inlining and clones, beside the object: a
		 * dump option changes neither the code nor DW_AT_producer
		 * (measured on kernel/sys.c: the objects differ only in the
		 * scratch directory's name), and tests/e2e/facts.t verifies it.
		 */
		strbuf_addf(&kb, "CFLAGS_%s.o += -fdump-ipa-clones\n", stem);
		rc = write_text(kbuild, dep.buf);
		strbuf_release(&dep);
		free(dir);
		if (rc) {
			pr_err("%s: cannot write: %s", kbuild, strerror(errno));
			free(kbuild);
			goto out;
		}
		target = xasprintf("%s.i", stem);
		source_say(ctx, "DEP", r->path);
		if (run_kbuild(ctx, scratch, target, r->path, nostdinc)) {
			free(kbuild);
			goto out;
		}
		cmdfile = xasprintf("%s/%.*s.%s.i.cmd", scratch,
				    (int)(strrchr(stem, '/') - stem + 1), stem,
				    strrchr(stem, '/') + 1);
		if (copy_deps(ctx, cmdfile, scratch, r->path, how->overlay, &deps)) {
			free(kbuild);
			goto out;
		}
		free(target);
		target = xasprintf("%s.i", stem);
		built = xasprintf("%s/%s", scratch, target);
		unlink(built);
		free(built);
		built = NULL;
		unlink(cmdfile);
		if (write_text(kbuild, kb.buf)) {
			pr_err("%s: cannot write: %s", kbuild, strerror(errno));
			free(kbuild);
			goto out;
		}
		free(kbuild);
	}

	free(target);
	target = xasprintf("%s.o", stem);
	source_say(ctx, "CC", r->path);
	if (run_kbuild(ctx, scratch, target, r->path, nostdinc))
		goto out;
	built = xasprintf("%s/%s", scratch, target);
	{
		char *dir = xstrdup(r->object);

		*strrchr(dir, '/') = '\0';
		if (mkdir_p(dir)) {
			pr_err("%s: cannot create: %s", dir, strerror(errno));
			free(dir);
			goto out;
		}
		free(dir);
	}
	/*
	 * The scratch directory is in the cache: renames, whole or nothing.
	 * The object goes last: an object without its list is rebuilt.
	 */
	{
		char *list = xasprintf("%s.deps", built), *to_list = xasprintf("%s.deps", r->object);
		int rc = write_text(list, deps.buf ? deps.buf : "");

		if (!rc)
			rc = rename(list, to_list);
		if (rc)
			pr_err("%s: cannot write: %s", to_list, strerror(errno));
		free(list);
		free(to_list);
		if (rc)
			goto out;
	}
	{
		/* gcc names the dump after the object: kernel/sys.o, kernel/sys.c.000i.ipa-clones. */
		char *dump = xasprintf("%s/%s.c.000i.ipa-clones", scratch, stem);
		int rc = rename(dump, r->ipa_dump);

		/* A compiler that writes no report leaves an object without one. */
		if (rc && errno != ENOENT) {
			pr_err("%s: cannot rename to %s: %s", dump, r->ipa_dump, strerror(errno));
			free(dump);
			goto out;
		}
		if (rc)
			unlink(r->ipa_dump);
		free(dump);
	}
	if (rename(built, r->object)) {
		pr_err("%s: cannot rename to %s: %s", built, r->object, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (!ret && !path_exists(r->ipa_dump)) {
		free(r->ipa_dump);
		r->ipa_dump = NULL;
	}
	if (scratch)
		remove_tree(scratch);
	if (ret)
		rebuilt_free(r);
	strbuf_release(&kb);
	strbuf_release(&deps);
	strbuf_release(&extra);
	free(scratch);
	free(src);
	free(to);
	free(composite);
	free(stem);
	free(target);
	free(cmdfile);
	free(built);
	free(nostdinc);
	return ret;
}

int source_rebuild_dump(struct source_ctx *ctx, const char *path, struct rebuilt *r)
{
	bool force = ctx->o.force;
	int ret = source_rebuild(ctx, path, r);

	/* An object cached before the dump was kept: built again, once. */
	if (!ret && !r->ipa_dump && !force) {
		rebuilt_free(r);
		ctx->o.force = true;
		ret = source_rebuild(ctx, path, r);
		ctx->o.force = force;
	}
	return ret;
}
