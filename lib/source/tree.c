// SPDX-License-Identifier: GPL-2.0-only
/*
 * The source tree and what it must match: the headers tree's release and
 * Debian version, the compiler the kernel was built with, Debian's
 * linux-source tarball extracted once into the cache.
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

void source_say(const struct source_ctx *ctx, const char *what, const char *arg)
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
int source_config_value(const struct source_ctx *ctx, const char *sym)
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
 * What tarball_version found, kept beside the extracted tree: reading the
 * top Makefile out of the tarball costs about 2 s of xz each run, and a
 * tarball of the same path, size and modification time is the same file.
 * Only where the cache directory is known before the version (Debian's
 * headers name their version).
 */
static char *stamp_path(const struct source_ctx *ctx)
{
	return ctx->distver ? xasprintf("%s/%s/tree.source", ctx->o.cache, ctx->distver) : NULL;
}

static char *stamp_key(const char *source, const struct stat *st)
{
	char *real = realpath(source, NULL);
	char *key = xasprintf("%s %lld %lld.%09ld", real ? real : source, (long long)st->st_size,
			      (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);

	free(real);
	return key;
}

/* 0 when the stamp is this tarball's: ctx->srcver and *pkgver set from it. */
static int stamp_read(struct source_ctx *ctx, const struct stat *st, char **pkgver)
{
	char *path = stamp_path(ctx), *text = path ? read_text(path) : NULL;
	char *key = stamp_key(ctx->o.source, st), *l2, *l3;
	int ret = -1;

	/* "KEY\nSRCVER\nPKGVER\n", PKGVER empty when dpkg does not know it. */
	if (!text || !(l2 = strchr(text, '\n')) || !(l3 = strchr(l2 + 1, '\n')))
		goto out;
	*l2++ = '\0';
	*l3++ = '\0';
	if (strcmp(text, key) || !*l2)
		goto out;
	l3[strcspn(l3, "\n")] = '\0';
	ctx->srcver = xstrdup(l2);
	*pkgver = *l3 ? xstrdup(l3) : NULL;
	ret = 0;
out:
	free(key);
	free(text);
	free(path);
	return ret;
}

/* A stamp that cannot be written costs the next run 2 s, nothing else. */
static void stamp_write(const struct source_ctx *ctx, const struct stat *st, const char *pkgver)
{
	char *path = stamp_path(ctx), *key = stamp_key(ctx->o.source, st), *text;
	struct atomic_file af;

	text = xasprintf("%s\n%s\n%s\n", key, ctx->srcver, pkgver ? pkgver : "");
	if (path && !atomic_file_open(&af, path, 0644)) {
		if (write(af.fd, text, strlen(text)) == (ssize_t)strlen(text))
			atomic_file_commit(&af);
		else
			atomic_file_abort(&af);
	}
	free(text);
	free(key);
	free(path);
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

		source_say(ctx, "EXTRACT", ctx->o.source);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = run_capture(argv, NULL, &out);
		clock_gettime(CLOCK_MONOTONIC, &t1);
	}
	if (rc) {
		if (!interrupt_check())
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

char *source_default_cache(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg && *xdg)
		return xasprintf("%s/klp-source", xdg);
	return xasprintf("%s/.cache/klp-source", home && *home ? home : "/tmp");
}

int source_open(struct source_ctx *ctx, const struct source_opts *o)
{
	char *path, *text, *pkgver = NULL, *up = NULL, *kernel_release = NULL;
	bool stamped = false;
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
		/* Kbuild runs in KDIR: a relative tree would name another directory there. */
		ctx->tree = realpath(o->source, NULL);
		if (!ctx->tree)
			ctx->tree = xstrdup(o->source);
	} else if (S_ISREG(st.st_mode) && is_tarball(o->source)) {
		stamped = !stamp_read(ctx, &st, &pkgver);
		if (!stamped && tarball_version(ctx, &pkgver))
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
		if (!stamped)
			stamp_write(ctx, &st, pkgver);
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
