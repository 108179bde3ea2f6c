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

#include "source/run.h"
#include "source/source.h"

static void say(const struct source_ctx *ctx, const char *what, const char *arg)
{
	if (!ctx->o.quiet)
		fprintf(stderr, "  %-7s %s\n", what, arg);
}

/* The value of NAME = in a Makefile ("VERSION = 6"), or NULL. */
static char *make_var(const char *text, const char *name)
{
	size_t len = strlen(name);
	const char *p;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *v, *e;

		if (strncmp(p, name, len) || (p[len] != ' ' && p[len] != '='))
			continue;
		v = p + len;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v++ != '=')
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		e = v;
		while (*e && *e != '\n' && *e != ' ')
			e++;
		return strndup(v, e - v);
	}
	return NULL;
}

/* "6.1.192" from a top-level Makefile's text. */
static char *makefile_version(const char *text)
{
	char *v = make_var(text, "VERSION"), *p = make_var(text, "PATCHLEVEL");
	char *s = make_var(text, "SUBLEVEL"), *ret = NULL;

	if (v && p && s && *v && *p && *s)
		ret = xasprintf("%s.%s.%s", v, p, s);
	free(v);
	free(p);
	free(s);
	return ret;
}

/* Debian's package version in UTS_VERSION ("... Debian 6.1.192-3 (date)"). */
static char *dist_version(const char *kdir)
{
	static const char *const files[] = {
		"include/generated/utsversion.h", "include/generated/compile.h",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *path = xasprintf("%s/%s", kdir, files[i]);
		char *text = read_text(path), *p, *e, *ret = NULL;

		free(path);
		if (!text)
			continue;
		p = strstr(text, "UTS_VERSION");
		if (p)
			p = strstr(p, " Debian ");
		if (p) {
			p += strlen(" Debian ");
			for (e = p; *e && !isspace((unsigned char)*e) && *e != '"'; e++)
				;
			if (e > p)
				ret = strndup(p, e - p);
		}
		free(text);
		if (ret)
			return ret;
	}
	return NULL;
}

static char *uts_release(const char *kdir)
{
	char *path = xasprintf("%s/include/generated/utsrelease.h", kdir);
	char *text = read_text(path), *p, *ret = NULL;

	free(path);
	p = text ? strstr(text, "UTS_RELEASE \"") : NULL;
	if (p) {
		p += strlen("UTS_RELEASE \"");
		ret = strndup(p, strcspn(p, "\""));
	}
	free(text);
	return ret;
}

/* A CONFIG_ value of the target: 'y', 'm' or 0 (unset). */
static int config_value(const struct source_ctx *ctx, const char *sym)
{
	char *path = xasprintf("%s/include/config/auto.conf", ctx->o.kdir);
	char *text = read_text(path), *v;
	int ret = 0;

	free(path);
	if (!text)
		return 0;
	v = make_var(text, sym);
	if (v && (!strcmp(v, "y") || !strcmp(v, "m")))
		ret = v[0];
	free(v);
	free(text);
	return ret;
}

static char *config_string(const struct source_ctx *ctx, const char *sym)
{
	char *path = xasprintf("%s/include/config/auto.conf", ctx->o.kdir);
	char *text = read_text(path), *p, *e, *ret = NULL;
	size_t len = strlen(sym);

	free(path);
	if (!text)
		return NULL;
	for (p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, sym, len) || p[len] != '=')
			continue;
		p += len + 1;
		if (*p == '"')
			p++;
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		if (e > p && e[-1] == '"')
			e--;
		ret = strndup(p, e - p);
		break;
	}
	free(text);
	return ret;
}

/*
 * The compiler Debian used must be the one that compiles: its first word of
 * CONFIG_CC_VERSION_TEXT is the command (Debian names it gcc-12, like its
 * package), and its --version must say the same text.
 */
static int check_compiler(struct source_ctx *ctx)
{
	char *text = config_string(ctx, "CONFIG_CC_VERSION_TEXT"), *full;
	struct strbuf out = { 0 };
	const char *argv[3];
	int ret = -1;
	char *nl;

	if (!text) {
		pr_err("%s/include/config/auto.conf: no CONFIG_CC_VERSION_TEXT: not a configured kernel headers tree",
		       ctx->o.kdir);
		return -1;
	}
	ctx->cc = strndup(text, strcspn(text, " "));
	full = find_in_path(ctx->cc);
	if (!full) {
		pr_err("%s: the kernel was built with '%s', and %s is not installed: apt-get install %s",
		       ctx->o.kdir, text, ctx->cc, ctx->cc);
		goto out;
	}
	argv[0] = full;
	argv[1] = "--version";
	argv[2] = NULL;
	if (run_capture(argv, NULL, &out) || !out.buf) {
		pr_err("%s --version failed", full);
		goto out;
	}
	nl = strchr(out.buf, '\n');
	if (nl)
		*nl = '\0';
	if (strcmp(out.buf, text)) {
		pr_err("%s: the kernel was built with '%s', but %s is '%s': install the same version of package %s",
		       ctx->o.kdir, text, ctx->cc, out.buf, ctx->cc);
		goto out;
	}
	ret = 0;
out:
	strbuf_release(&out);
	free(full);
	free(text);
	return ret;
}

/* The version of the package owning path, when dpkg knows it. */
static char *dpkg_version_of(const char *path)
{
	const char *q[] = { "dpkg-query", "-S", path, NULL };
	struct strbuf out = { 0 };
	char *ret = NULL, *colon;

	if (run_capture(q, NULL, &out) || !out.buf)
		goto out;
	colon = strchr(out.buf, ':');
	if (!colon || strchr(out.buf, ','))
		goto out;
	*colon = '\0';
	{
		const char *w[] = { "dpkg-query", "-W", "-f", "${Version}", out.buf, NULL };
		struct strbuf v = { 0 };

		if (!run_capture(w, NULL, &v) && v.buf && *v.buf)
			ret = xstrdup(v.buf);
		strbuf_release(&v);
	}
out:
	strbuf_release(&out);
	return ret;
}

static bool is_tarball(const char *path)
{
	return str_ends_with(path, ".tar.xz") || str_ends_with(path, ".tar.zst") ||
	       str_ends_with(path, ".tar.gz") || str_ends_with(path, ".tar");
}

/* The tarball's top directory: Debian's is its name without .tar.xz. */
static char *tar_top(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return strndup(base, strstr(base, ".tar") - base);
}

static int tarball_version(struct source_ctx *ctx, char **pkgver)
{
	char *top = tar_top(ctx->o.source), *member = xasprintf("%s/Makefile", top);
	const char *argv[] = { "tar", "--occurrence=1", "-xOaf", ctx->o.source, member, NULL };
	struct strbuf out = { 0 };
	int ret = -1;

	/* The top Makefile comes early in the archive: this reads little. */
	if (run_capture(argv, NULL, &out) || !out.buf ||
	    !(ctx->srcver = makefile_version(out.buf))) {
		pr_err("%s: not a kernel source tarball (no %s with a version)", ctx->o.source, member);
		goto out;
	}
	*pkgver = dpkg_version_of(ctx->o.source);
	ret = 0;
out:
	strbuf_release(&out);
	free(member);
	free(top);
	return ret;
}

/*
 * Extract once what a rebuild can need, into a temporary directory renamed
 * into place: the C and assembler sources, headers and Makefiles, without
 * the documentation, tools, samples and device trees.
 */
static int extract(struct source_ctx *ctx, const char *dest)
{
	char *tmp = xasprintf("%s.tmp.XXXXXX", dest);
	struct strbuf out = { 0 };
	struct timespec t0, t1;
	int ret = -1, rc;

	if (!mkdtemp(tmp)) {
		pr_err("%s: cannot create: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	{
		const char *argv[] = {
			"tar", "-xaf", ctx->o.source, "-C", tmp, "--strip-components=1",
			"--exclude=*/Documentation", "--exclude=*/tools", "--exclude=*/samples",
			"--exclude=*/LICENSES", "--exclude=*/boot/dts", "--wildcards",
			"*.c", "*.h", "*.S", "*Makefile*", "*Kbuild*", "*Kconfig*", NULL,
		};

		say(ctx, "EXTRACT", ctx->o.source);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = run_capture(argv, NULL, &out);
		clock_gettime(CLOCK_MONOTONIC, &t1);
	}
	if (rc) {
		pr_err("%s: tar failed (exit %d): %s", ctx->o.source, rc, out.buf ? out.buf : "");
		goto out;
	}
	if (rename(tmp, dest)) {
		/* Another run may have won the race: its tree is as good. */
		if (!path_exists(dest)) {
			pr_err("%s: cannot rename into place: %s", dest, strerror(errno));
			goto out;
		}
	}
	pr_info("%s: extracted in %.1f s", dest,
		(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	ret = 0;
out:
	if (path_exists(tmp))
		remove_tree(tmp);
	strbuf_release(&out);
	free(tmp);
	return ret;
}

int source_open(struct source_ctx *ctx, const struct source_opts *o)
{
	char *path, *text, *pkgver = NULL, *up = NULL, *kernel_release = NULL;
	struct stat st;
	int ret = -1;

	memset(ctx, 0, sizeof(*ctx));
	ctx->o = *o;
	path = xasprintf("%s/include/config/kernel.release", o->kdir);
	text = read_text(path);
	if (!text || !*text) {
		pr_err("%s: %s: not a kernel headers tree", path, text ? "empty" : strerror(errno));
		free(path);
		free(text);
		return -1;
	}
	free(path);
	text[strcspn(text, "\n")] = '\0';
	/*
	 * Debian's 6.1 headers say the upstream version there; the release
	 * the modules are installed under is UTS_RELEASE.
	 */
	ctx->release = uts_release(o->kdir);
	if (!ctx->release)
		ctx->release = xstrdup(text);
	kernel_release = text;
	ctx->distver = dist_version(o->kdir);

	if (stat(o->source, &st)) {
		pr_err("%s: %s", o->source, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		path = xasprintf("%s/Makefile", o->source);
		text = read_text(path);
		ctx->srcver = text ? makefile_version(text) : NULL;
		free(text);
		if (!ctx->srcver) {
			pr_err("%s: no kernel version: not a kernel source tree", path);
			free(path);
			goto out;
		}
		free(path);
		ctx->tree = xstrdup(o->source);
	} else if (S_ISREG(st.st_mode) && is_tarball(o->source)) {
		if (tarball_version(ctx, &pkgver))
			goto out;
	} else {
		pr_err("%s: neither a kernel source directory nor a .tar.xz of one", o->source);
		goto out;
	}

	/*
	 * The same upstream version, and when dpkg knows the tarball's package,
	 * the same Debian version as the headers: Debian's patches differ
	 * between revisions of one upstream release.
	 */
	{
		size_t n = strlen(ctx->srcver);

		/* kernel.release: "6.1.192" in Debian's 6.1 headers, "6.12.117+deb12-amd64" later. */
		if (strncmp(kernel_release, ctx->srcver, n) ||
		    (kernel_release[n] >= '0' && kernel_release[n] <= '9')) {
			pr_err("%s is version %s, but %s/include/config/kernel.release says %s",
			       o->source, ctx->srcver, o->kdir, kernel_release);
			goto out;
		}
	}
	if (ctx->distver) {
		up = strndup(ctx->distver, strcspn(ctx->distver, "-"));
		if (strcmp(up, ctx->srcver) || (pkgver && strcmp(pkgver, ctx->distver))) {
			pr_err("%s is version %s%s%s%s, but %s was built from %s: use linux-source of the same version",
			       o->source, ctx->srcver, pkgver ? " (package " : "",
			       pkgver ? pkgver : "", pkgver ? ")" : "", o->kdir, ctx->distver);
			goto out;
		}
	} else {
		path = xasprintf("%s/Makefile", o->kdir);
		text = read_text(path);
		up = text ? makefile_version(text) : NULL;
		free(text);
		free(path);
		if (up && strcmp(up, ctx->srcver)) {
			pr_err("%s is version %s, but %s is %s", o->source, ctx->srcver, o->kdir, up);
			goto out;
		}
	}
	if (check_compiler(ctx))
		goto out;

	ctx->cachedir = xasprintf("%s/%s", o->cache, ctx->distver ? ctx->distver : ctx->srcver);
	if (mkdir_p(ctx->cachedir)) {
		pr_err("%s: cannot create: %s", ctx->cachedir, strerror(errno));
		goto out;
	}
	if (!ctx->tree) {
		ctx->tree = xasprintf("%s/tree", ctx->cachedir);
		if (!path_exists(ctx->tree) && extract(ctx, ctx->tree))
			goto out;
		ctx->objdir = xasprintf("%s/obj/%s", ctx->cachedir, ctx->release);
	} else {
		/*
		 * A tree of the user's may hold changes: its objects are its
		 * own, by its real path.
		 */
		char *real = realpath(ctx->tree, NULL);

		ctx->objdir = xasprintf("%s/obj/%s/tree-%016llx", ctx->cachedir, ctx->release,
					(unsigned long long)hash_str(real ? real : ctx->tree));
		free(real);
	}
	ret = 0;
out:
	if (ret)
		source_close(ctx);
	free(kernel_release);
	free(pkgver);
	free(up);
	return ret;
}

void source_close(struct source_ctx *ctx)
{
	free(ctx->release);
	free(ctx->distver);
	free(ctx->srcver);
	free(ctx->tree);
	free(ctx->cachedir);
	free(ctx->objdir);
	free(ctx->cc);
	memset(ctx, 0, sizeof(*ctx));
}

void rebuilt_free(struct rebuilt *r)
{
	free(r->path);
	free(r->object);
	free(r->module);
	memset(r, 0, sizeof(*r));
}

/* Makefiles ------------------------------------------------------------------ */

/* The Makefile's text with continuation lines joined and comments dropped. */
static char *makefile_logical(const char *path)
{
	char *text = read_text(path), *r, *w;

	if (!text)
		return NULL;
	for (r = w = text; *r; r++) {
		if (*r == '\\' && r[1] == '\n') {
			*w++ = ' ';
			r++;
		} else if (*r == '#') {
			while (r[1] && r[1] != '\n')
				r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return text;
}

/* Does the assignment's value (after = or +=) list word as a whole word? */
static bool lists_word(const char *value, const char *word)
{
	size_t len = strlen(word);
	const char *p = value;

	while ((p = strstr(p, word))) {
		bool start = p == value || isspace((unsigned char)p[-1]);
		bool end = !p[len] || isspace((unsigned char)p[len]);

		if (start && end)
			return true;
		p += len;
	}
	return false;
}

/*
 * The variable that lists word in the Makefile: "obj-y", "obj-$(CONFIG_X)",
 * "ext4-y", "ext4-$(CONFIG_X)", "foo-objs". NULL when none does.
 */
static char *assigned_in(const char *text, const char *word)
{
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n'), *eq;
		char *l = nl ? strndup(line, nl - line) : xstrdup(line);
		char *var = NULL;

		eq = strstr(l, "=");
		if (eq && eq > l && lists_word(eq + 1, word)) {
			const char *e = eq;

			if (e > l && (e[-1] == '+' || e[-1] == ':' || e[-1] == '?'))
				e--;
			while (e > l && isspace((unsigned char)e[-1]))
				e--;
			const char *s = l;

			while (isspace((unsigned char)*s))
				s++;
			var = strndup(s, e - s);
		}
		free(l);
		if (var)
			return var;
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* 'y', 'm' or 0 for the suffix of a Kbuild variable: "y", "m", "$(CONFIG_X)". */
static int suffix_value(const struct source_ctx *ctx, const char *suffix)
{
	if (!strcmp(suffix, "y") || !strcmp(suffix, "objs"))
		return 'y';
	if (!strcmp(suffix, "m"))
		return 'm';
	if (str_starts_with(suffix, "$(") && str_ends_with(suffix, ")")) {
		char *sym = strndup(suffix + 2, strlen(suffix) - 3);
		int v = config_value(ctx, sym);

		free(sym);
		return v;
	}
	return 0;
}

/*
 * Built-in or module, and which module: the directory's Makefile lists the
 * object in obj-<y|m|$(CONFIG_X)> (alone) or in <composite>-<...> (part of
 * composite.o, itself in an obj- line).
 */
static int file_role(struct source_ctx *ctx, const char *path, char **module, char **composite)
{
	char *dir = strndup(path, strrchr(path, '/') ? strrchr(path, '/') - path : 0);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *obj = xasprintf("%.*s.o", (int)(strlen(base) - 2), base);
	char *mk = xasprintf("%s/%s/Makefile", ctx->tree, dir);
	char *text = makefile_logical(mk), *var = NULL, *var2 = NULL, *comp = NULL;
	int ret = -1, v;

	*module = *composite = NULL;
	if (!text) {
		char *kb = xasprintf("%s/%s/Kbuild", ctx->tree, dir);

		text = makefile_logical(kb);
		free(kb);
	}
	if (!text) {
		pr_err("%s: %s", mk, strerror(errno));
		goto out;
	}
	var = assigned_in(text, obj);
	if (!var) {
		pr_err("%s: %s: no Makefile line builds %s", path, mk, obj);
		goto out;
	}
	if (str_starts_with(var, "obj-")) {
		v = suffix_value(ctx, var + 4);
		if (v == 'm')
			*module = strndup(obj, strlen(obj) - 2);
	} else {
		/*
		 * A part of a composite: <comp>-y, <comp>-objs, <comp>-$(CONFIG_X),
		 * possibly through a list variable of its own
		 * (isofs-objs-y := dir.o ...; isofs-objs := $(isofs-objs-y)), or
		 * a list that an obj- line takes in whole
		 * (mmu-$(CONFIG_MMU) := memory.o ...; obj-y := ... $(mmu-y)).
		 */
		bool direct = false;
		int depth;

		for (depth = 0; depth < 8; depth++) {
			char *dash = strrchr(var, '-'), *ref, *next;

			if (!dash || suffix_value(ctx, dash + 1) != 'y') {
				pr_err("%s: not built in this configuration (%s in %s)", path, var, mk);
				goto out;
			}
			free(comp);
			comp = xasprintf("%.*s.o", (int)(dash - var), var);
			var2 = assigned_in(text, comp);
			if (var2)
				break;
			ref = xasprintf("$(%s)", var);
			next = assigned_in(text, ref);
			free(ref);
			if (!next && dash[1] == '$') {
				ref = xasprintf("$(%.*s-y)", (int)(dash - var), var);
				next = assigned_in(text, ref);
				free(ref);
			}
			free(var);
			var = next;
			if (!var)
				break;
			if (str_starts_with(var, "obj-")) {
				direct = true;
				break;
			}
		}
		if (direct) {
			v = suffix_value(ctx, var + 4);
			if (v == 'm')
				*module = strndup(obj, strlen(obj) - 2);
		} else if (!var2 || !str_starts_with(var2, "obj-")) {
			pr_err("%s: %s: part of %s, which no obj- line builds", path, mk,
			       comp ? comp : obj);
			goto out;
		} else {
			v = suffix_value(ctx, var2 + 4);
			*composite = strndup(comp, strlen(comp) - 2);
			if (v == 'm')
				*module = xstrdup(*composite);
		}
	}
	if (!v) {
		pr_err("%s: not built in this configuration (%s in %s)", path,
		       var2 ? var2 : var ? var : obj, mk);
		free(*module);
		free(*composite);
		*module = *composite = NULL;
		goto out;
	}
	ret = 0;
out:
	free(comp);
	free(var);
	free(var2);
	free(text);
	free(mk);
	free(obj);
	free(dir);
	return ret;
}

/* line with $(srctree)/$(src), $(src) and $(obj) made root/dir. */
static void add_rewritten(struct strbuf *kb, const char *line, const char *root, const char *dir)
{
	static const char *const refs[] = { "$(srctree)/$(src)", "$(src)", "$(obj)" };
	const char *p = line;

	while (*p) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(refs); i++)
			if (str_starts_with(p, refs[i]))
				break;
		if (i < ARRAY_SIZE(refs)) {
			strbuf_addf(kb, "%s/%s", root, dir);
			p += strlen(refs[i]);
		} else {
			strbuf_add(kb, p++, 1);
		}
	}
	strbuf_add(kb, "\n", 1);
}

/* The directory-wide switches of instrumentation and objtool. */
static bool dir_wide(const char *line, const char *name_end)
{
	static const char *const vars[] = {
		"KCOV_INSTRUMENT", "KASAN_SANITIZE", "KCSAN_SANITIZE", "KMSAN_SANITIZE",
		"UBSAN_SANITIZE", "GCOV_PROFILE", "OBJECT_FILES_NON_STANDARD",
	};
	size_t i, len = name_end - line;

	for (i = 0; i < ARRAY_SIZE(vars); i++)
		if (len == strlen(vars[i]) && !strncmp(line, vars[i], len))
			return true;
	return false;
}

/*
 * The directory Makefile's settings for this one object (CFLAGS_namei.o,
 * CFLAGS_REMOVE_, OBJECT_FILES_NON_STANDARD_, ...) and for the whole
 * directory (ccflags-*), rewritten for a Kbuild file one level up: its own
 * directory is root/dir ("$(src)" in the build, the source tree in the
 * dependency pass, so that its -I paths find the tree's headers there).
 */
static void dir_settings(const struct source_ctx *ctx, const char *path, struct strbuf *kb,
			 const char *root)
{
	char *dir = strndup(path, strrchr(path, '/') - path);
	const char *base = strrchr(path, '/') + 1;
	char *suffix = xasprintf("_%.*s.o", (int)(strlen(base) - 2), base);
	char *mk = xasprintf("%s/%s/Makefile", ctx->tree, dir);
	char *text = makefile_logical(mk), *line, *save = NULL;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '='), *name_end;

		{
			const char *w = line + strspn(line, " \t");

			/*
			 * Conditionals stay around what is copied, so that
			 * "ifneq ($(CONFIG_X),y) CFLAGS_core.o := ..." is still
			 * conditional (Kbuild has the configuration).
			 */
			if (str_starts_with(w, "ifeq") || str_starts_with(w, "ifneq") ||
			    str_starts_with(w, "ifdef") || str_starts_with(w, "ifndef") ||
			    str_starts_with(w, "else") || str_starts_with(w, "endif")) {
				strbuf_addf(kb, "%s\n", w);
				continue;
			}
		}
		if (!eq || line[0] == '\t')
			continue;
		name_end = eq;
		while (name_end > line && strchr("+:? \t", name_end[-1]))
			name_end--;
		if (str_starts_with(line, "ccflags-") || dir_wide(line, name_end)) {
			add_rewritten(kb, line, root, dir);
		} else if ((size_t)(name_end - line) > strlen(suffix) &&
			   !strncmp(name_end - strlen(suffix), suffix, strlen(suffix))) {
			/* Kbuild looks these up by the object's path under M. */
			int prefix = (int)(name_end - line - strlen(suffix) + 1);
			char *l = xasprintf("%.*s%s/%s", prefix, line, dir, line + prefix);

			add_rewritten(kb, l, root, dir);
			free(l);
		}
	}
	free(text);
	free(mk);
	free(suffix);
	free(dir);
}

static int run_kbuild(const struct source_ctx *ctx, const char *scratch, const char *target,
		      const char *what)
{
	char *m = xasprintf("M=%s", scratch), *cc = xasprintf("CC=%s", ctx->cc);
	const char *argv[] = { "make", "-s", "-C", ctx->o.kdir, m, cc, target, NULL };
	struct strbuf out = { 0 };
	int rc = run_capture(argv, NULL, &out);

	if (rc)
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
		     const char *path, struct strbuf *list)
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
		char *p = line, *e, *rel, *to, *slash;

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
		if (!ret && copy_file(p, to)) {
			pr_err("%s: cannot copy to %s: %s", p, to, strerror(errno));
			ret = -1;
		}
		pr_info("%s: needs %s", path, rel);
		free(to);
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
	char *scratch = NULL, *tmpl, *src = NULL, *to = NULL, *composite = NULL;
	char *stem = NULL, *target = NULL, *cmdfile = NULL, *built = NULL;
	struct strbuf kb = { 0 }, deps = { 0 };
	int ret = -1;

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
	if (file_role(ctx, r->path, &r->module, &composite))
		goto out;
	stem = strndup(r->path, strlen(r->path) - 2);
	r->object = xasprintf("%s/%s.o", ctx->objdir, stem);
	if (!ctx->o.force && object_current(ctx, r->object)) {
		pr_info("%s: %s (cached)", r->path, r->object);
		ret = 0;
		goto out;
	}

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
		dir_settings(ctx, r->path, &dep, ctx->tree);
		strbuf_addf(&dep, "ccflags-y += -iquote %s/%s\n", ctx->tree, dir);
		dir_settings(ctx, r->path, &kb, "$(src)");
		rc = write_text(kbuild, dep.buf);
		strbuf_release(&dep);
		free(dir);
		if (rc) {
			pr_err("%s: cannot write: %s", kbuild, strerror(errno));
			free(kbuild);
			goto out;
		}
		target = xasprintf("%s.i", stem);
		say(ctx, "DEP", r->path);
		if (run_kbuild(ctx, scratch, target, r->path)) {
			free(kbuild);
			goto out;
		}
		cmdfile = xasprintf("%s/%.*s.%s.i.cmd", scratch,
				    (int)(strrchr(stem, '/') - stem + 1), stem,
				    strrchr(stem, '/') + 1);
		if (copy_deps(ctx, cmdfile, scratch, r->path, &deps)) {
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
	say(ctx, "CC", r->path);
	if (run_kbuild(ctx, scratch, target, r->path))
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
	if (rename(built, r->object)) {
		pr_err("%s: cannot rename to %s: %s", built, r->object, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (scratch)
		remove_tree(scratch);
	if (ret)
		rebuilt_free(r);
	strbuf_release(&kb);
	strbuf_release(&deps);
	free(scratch);
	free(src);
	free(to);
	free(composite);
	free(stem);
	free(target);
	free(cmdfile);
	free(built);
	return ret;
}
