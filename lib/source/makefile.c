// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the directory's Makefile says of a file: built in or part of which
 * module (composites, lists, conditionals on the configuration), and the
 * flags it adds for it.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "source/run.h"
#include "source/source.h"
#include "source/source_priv.h"

/* Makefiles ------------------------------------------------------------------ */

/* An error, or with quiet a -v line: the caller only wanted to know. */
#define role_err(quiet, ...) ((quiet) ? pr_info(__VA_ARGS__) : pr_err(__VA_ARGS__))

/*
 * $(addprefix dir/, a.o b.o) written out as "dir/a.o dir/b.o", so that a
 * parent's list names its subdirectory's objects as they are looked for
 * (fs/xfs/Makefile lists libxfs/ so). A prefix that is not literal stays.
 */
static char *expand_addprefix(char *text)
{
	static const char fn[] = "$(addprefix ";
	struct strbuf sb = { 0 };
	const char *p = text, *m;

	while ((m = strstr(p, fn))) {
		const char *pre = m + strlen(fn), *comma = strchr(pre, ','), *e;
		int depth = 1;

		for (e = pre; *e && depth; e++)
			depth += *e == '(' ? 1 : *e == ')' ? -1 : 0;
		if (depth || !comma || comma >= e || memchr(pre, '$', comma - pre) ||
		    memchr(comma, '$', e - comma)) {
			strbuf_add(&sb, p, pre - p);
			p = pre;
			continue;
		}
		strbuf_add(&sb, p, m - p);
		while (pre < comma && isspace((unsigned char)*pre))
			pre++;
		{
			size_t plen = comma - pre;
			const char *q = comma + 1, *end = e - 1;

			while (plen && isspace((unsigned char)pre[plen - 1]))
				plen--;
			while (q < end) {
				size_t len;

				q += strspn(q, " \t");
				len = strcspn(q, " \t");
				if (q + len > end)
					len = end - q;
				if (len)
					strbuf_addf(&sb, " %.*s%.*s", (int)plen, pre, (int)len, q);
				q += len;
			}
		}
		p = e;
	}
	strbuf_addf(&sb, "%s", p);
	free(text);
	return sb.buf ? sb.buf : xstrdup("");
}

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
	return expand_addprefix(text);
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

/*
 * Does any line of the Makefile that lists word say it is built? 1 if one
 * does (or lists it under a name this cannot evaluate), 0 if every one
 * evaluates to unset, -1 if none lists it. drivers/Makefile lists usb/
 * three times, under CONFIG_USB_PHY, CONFIG_USB and CONFIG_USB_SUPPORT.
 */
static int suffix_value(const struct source_ctx *ctx, const char *suffix);

static int listed_value(const struct source_ctx *ctx, const char *text, const char *word,
			char **unset)
{
	const char *line = text;
	int ret = -1;

	while (line && *line && ret != 1) {
		const char *nl = strchr(line, '\n');
		char *l = nl ? strndup(line, nl - line) : xstrdup(line);
		char *var = assigned_in(l, word), *dash;

		if (var) {
			dash = strrchr(var, '-');
			if (dash && str_starts_with(dash, "-$(") && !suffix_value(ctx, dash + 1)) {
				ret = 0;
				if (!*unset)
					*unset = xstrdup(var);
			} else {
				ret = 1;
			}
		}
		free(var);
		free(l);
		line = nl ? nl + 1 : NULL;
	}
	return ret;
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
		int v = source_config_value(ctx, sym);

		free(sym);
		return v;
	}
	return 0;
}

/*
 * The kbuild file of dir (relative to the tree, "" for the top): Kbuild
 * when there is one, as kbuild itself prefers (arch/x86 has both, its
 * Makefile being the arch's top-level one), else Makefile. NULL when
 * neither is there; *file is the path looked at, for messages.
 */
static char *kbuild_text(const struct source_ctx *ctx, const char *dir, char **file)
{
	const char *sep = *dir ? "/" : "";
	char *kb = xasprintf("%s%s%s/Kbuild", ctx->tree, sep, dir), *text;

	text = makefile_logical(kb);
	if (text) {
		*file = kb;
		return text;
	}
	free(kb);
	*file = xasprintf("%s%s%s/Makefile", ctx->tree, sep, dir);
	return makefile_logical(*file);
}

/*
 * The kbuild file that builds path's object: the directory's own, or,
 * when that directory has none or does not list it, the nearest parent
 * that lists it by its relative name (fs/xfs/Makefile: libxfs/xfs_bmap.o;
 * drivers/gpu/drm/i915/Makefile: gem/i915_gem_shrinker.o). Sets *dir to
 * that directory, *obj to the name it lists, *var to the variable that
 * lists it, *text to the file's text and *mk to its path; -1 after a
 * message when none does.
 */
static int find_listing(const struct source_ctx *ctx, const char *path, char **dir, char **obj,
			char **text, char **mk, char **var, bool quiet)
{
	const char *slash = strrchr(path, '/'), *base = slash + 1;
	char *first_mk = NULL, *first_obj;

	*dir = strndup(path, slash - path);
	*obj = xasprintf("%.*s.o", (int)(strlen(base) - 2), base);
	first_obj = xstrdup(*obj);
	for (;;) {
		char *up, *next;

		*text = kbuild_text(ctx, *dir, mk);
		*var = *text ? assigned_in(*text, *obj) : NULL;
		if (*var)
			break;
		if (!first_mk && *text)
			first_mk = xstrdup(*mk);
		free(*text);
		*text = NULL;
		up = strrchr(*dir, '/');
		if (!up) {
			if (first_mk)
				role_err(quiet, "%s: %s: no Makefile line builds %s (nor a parent directory's)",
				       path, first_mk, first_obj);
			else
				role_err(quiet, "%s: %s: %s", path, *mk, strerror(ENOENT));
			free(*mk);
			free(*dir);
			free(*obj);
			*mk = *dir = *obj = NULL;
			free(first_mk);
			free(first_obj);
			return -1;
		}
		next = xasprintf("%s/%s", up + 1, *obj);
		free(*obj);
		*obj = next;
		*up = '\0';
		free(*mk);
	}
	free(first_mk);
	free(first_obj);
	return 0;
}

/* A module's name from its object as a Makefile lists it: sub/foo.o is foo. */
static char *xstrndup_base(const char *obj)
{
	const char *b = strrchr(obj, '/') ? strrchr(obj, '/') + 1 : obj;

	return strndup(b, strlen(b) - 2);
}

/* "obj-" and "lib-" (lib.a, linked into vmlinux) list objects of the build. */
static const char *obj_suffix(const char *var)
{
	if (str_starts_with(var, "obj-") || str_starts_with(var, "lib-"))
		return var + 4;
	return NULL;
}

/*
 * Built-in or module, and which module: the directory's Makefile lists the
 * object in obj-<y|m|$(CONFIG_X)> (alone) or in <composite>-<...> (part of
 * composite.o, itself in an obj- line).
 */
static int file_role(struct source_ctx *ctx, const char *path, char **module, char **composite,
		     bool quiet)
{
	char *dir = NULL, *obj = NULL, *mk = NULL, *text = NULL, *var = NULL;
	char *var2 = NULL, *comp = NULL;
	int ret = -1, v;

	*module = *composite = NULL;
	if (find_listing(ctx, path, &dir, &obj, &text, &mk, &var, quiet))
		goto out;
	if (obj_suffix(var)) {
		v = suffix_value(ctx, obj_suffix(var));
		if (v == 'm')
			*module = xstrndup_base(obj);
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
				role_err(quiet, "%s: not built in this configuration (%s in %s)", path, var, mk);
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
			if (obj_suffix(var)) {
				direct = true;
				break;
			}
		}
		if (direct) {
			v = suffix_value(ctx, obj_suffix(var));
			if (v == 'm')
				*module = xstrndup_base(obj);
		} else if (!var2 || !obj_suffix(var2)) {
			role_err(quiet, "%s: %s: part of %s, which no obj- line builds", path, mk,
			       comp ? comp : obj);
			goto out;
		} else {
			v = suffix_value(ctx, obj_suffix(var2));
			*composite = strndup(comp, strlen(comp) - 2);
			if (v == 'm')
				*module = xstrdup(*composite);
		}
	}
	if (!v) {
		role_err(quiet, "%s: not built in this configuration (%s in %s)", path,
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

int source_file_role(struct source_ctx *ctx, const char *path, char **module, char **composite)
{
	return file_role(ctx, path, module, composite, false);
}

/*
 * The same without an error when the file is not built: a search over the
 * tree asks it of files most of which are not, and says why with -v only.
 */
int source_file_role_quiet(struct source_ctx *ctx, const char *path, char **module,
			   char **composite)
{
	return file_role(ctx, path, module, composite, true);
}

/*
 * Is the file's directory descended into? Each directory up to the top
 * level must be listed ("sub/" or "sub/dir/") by an ancestor's Makefile or
 * the target arch's (drivers-y += drivers/s390/), in an obj- line the
 * configuration makes y or m when it is one.
 */
/* Does the tree's dir have that file? */
static bool path_is_file_in(const struct source_ctx *ctx, const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s/%s", ctx->tree, dir, name);
	struct stat st;
	bool ok = !stat(p, &st) && S_ISREG(st.st_mode);

	free(p);
	return ok;
}

/* The target's arch: the one the headers tree has generated headers for. */
static char *srcarch(const struct source_ctx *ctx)
{
	char *dir = xasprintf("%s/arch", ctx->o.kdir), *ret = NULL;
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && !ret && (de = readdir(d))) {
		char *gen = xasprintf("%s/%s/include/generated", dir, de->d_name);
		struct stat st;

		if (de->d_name[0] != '.' && !stat(gen, &st) && S_ISDIR(st.st_mode))
			ret = xstrdup(de->d_name);
		free(gen);
	}
	if (d)
		closedir(d);
	free(dir);
	return ret;
}

/* The target arch's Makefile (drivers-y += drivers/s390/), or NULL. */
static char *arch_makefile(const struct source_ctx *ctx)
{
	char *arch = srcarch(ctx), *mk, *text;

	if (!arch)
		return NULL;
	mk = xasprintf("%s/arch/%s/Makefile", ctx->tree, arch);
	text = makefile_logical(mk);
	free(mk);
	free(arch);
	return text;
}

bool source_dir_built(struct source_ctx *ctx, const char *path)
{
	char *dir = strndup(path, strrchr(path, '/') ? strrchr(path, '/') - path : 0);
	bool built = true;

	while (built && strchr(dir, '/')) {
		char *up = xstrdup(dir), *slash, *var = NULL;
		int v = -1, w;

		/* arch/<arch> is the top Makefile's: its own Kbuild lists the rest. */
		if (str_starts_with(dir, "arch/") && !strchr(dir + 5, '/')) {
			free(up);
			break;
		}
		/* No Makefile: an ancestor's lists its objects (lag/debugfs.o), not it. */
		if (!path_is_file_in(ctx, dir, "Makefile") && !path_is_file_in(ctx, dir, "Kbuild")) {
			free(up);
			*strrchr(dir, '/') = '\0';
			continue;
		}
		while (v < 0 && (slash = strrchr(up, '/'))) {
			char *mk, *text, *sub;

			*slash = '\0';
			/* arch/x86 has both: Kbuild lists kernel/, the Makefile pci/. */
			sub = xasprintf("%s/", dir + strlen(up) + 1);
			mk = xasprintf("%s/%s/Kbuild", ctx->tree, up);
			text = makefile_logical(mk);
			v = text ? listed_value(ctx, text, sub, &var) : -1;
			free(text);
			free(mk);
			mk = xasprintf("%s/%s/Makefile", ctx->tree, up);
			text = v == 1 ? NULL : makefile_logical(mk);
			if (text && (w = listed_value(ctx, text, sub, &var)) >= 0)
				v = w;
			free(sub);
			free(text);
			free(mk);
		}
		if (v < 0) {
			char *arch = arch_makefile(ctx), *sub = xasprintf("%s/", dir);

			v = arch ? listed_value(ctx, arch, sub, &var) : -1;
			free(arch);
			free(sub);
		}
		if (v < 0) {
			pr_info("%s: no Makefile lists %s/", path, dir);
			built = false;
		} else if (!v) {
			pr_info("%s: %s/ is not built in this configuration (%s)", path, dir, var);
			built = false;
		}
		free(var);
		free(up);
		*strrchr(dir, '/') = '\0';
	}
	free(dir);
	return built;
}

/*
 * Is $(srctree)/path in the headers tree: include/, arch/<arch>/include/,
 * or tools/ (which the extracted tree leaves out)?
 */
static bool srctree_headers(const char *path)
{
	const char *slash;

	if (str_starts_with(path, "include") || str_starts_with(path, "tools/"))
		return true;
	if (!str_starts_with(path, "arch/"))
		return false;
	slash = strchr(path + 5, '/');
	return slash && str_starts_with(slash + 1, "include");
}

/*
 * line with $(srctree)/$(src), $(src) and $(obj) made root/dir, and other
 * source directories under $(srctree) made root's.
 */
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
		} else if (str_starts_with(p, "$(srctree)/") && !srctree_headers(p + 11)) {
			/*
			 * -I$(srctree)/drivers/cxl (cxl/core's <cxlmem.h>): the
			 * headers tree has no such headers, the source has.
			 */
			strbuf_addf(kb, "%s/", root);
			p += 11;
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

static bool is_conditional(const char *w)
{
	return str_starts_with(w, "ifeq") || str_starts_with(w, "ifneq") ||
	       str_starts_with(w, "ifdef") || str_starts_with(w, "ifndef") ||
	       str_starts_with(w, "else") || str_starts_with(w, "endif");
}

/*
 * Is line (up to name_end) a per-object setting of suffix ("_namei.o",
 * "_libxfs/xfs_bmap.o")? Its prefix is a kbuild variable's name, all
 * capitals (CFLAGS, CFLAGS_REMOVE, KASAN_SANITIZE): CFLAGS_foo_core.o is
 * not one of core.o.
 */
static bool per_object(const char *line, const char *name_end, const char *suffix)
{
	size_t len = name_end - line, slen = strlen(suffix), i;

	if (len <= slen || strncmp(name_end - slen, suffix, slen))
		return false;
	for (i = 0; i < len - slen; i++)
		if (!isupper((unsigned char)line[i]) && line[i] != '_')
			return false;
	return true;
}

/*
 * One kbuild file's settings for the object, rewritten for a Kbuild file
 * at the top of M (its directory is root/dir). own: the file that builds
 * the object, whose ccflags-*, per-object and directory-wide settings
 * apply; a parent's give only their subdir-ccflags-*. Conditionals stay
 * around what is copied, so that "ifneq ($(CONFIG_X),y) CFLAGS_core.o :=
 * ..." is still conditional (Kbuild has the configuration).
 */
static void file_settings(char *text, const char *dir, const char *suffix, bool own,
			  struct strbuf *kb, const char *root)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *w = line + strspn(line, " \t");
		char *eq = strchr(line, '='), *name_end;

		if (is_conditional(w)) {
			strbuf_addf(kb, "%s\n", w);
			continue;
		}
		if (!eq || line[0] == '\t')
			continue;
		name_end = eq;
		while (name_end > line && strchr("+:? \t", name_end[-1]))
			name_end--;
		if (str_starts_with(line, "subdir-ccflags-") ||
		    (own && (str_starts_with(line, "ccflags-") || dir_wide(line, name_end)))) {
			add_rewritten(kb, line, root, dir);
		} else if (own && per_object(line, name_end, suffix)) {
			/* Kbuild looks these up by the object's path under M. */
			int prefix = (int)(name_end - line - strlen(suffix) + 1);
			char *l = xasprintf("%.*s%s/%s", prefix, line, dir, line + prefix);

			add_rewritten(kb, l, root, dir);
			free(l);
		}
	}
}

/*
 * The settings kbuild gives this object, rewritten for a Kbuild file one
 * level up (root/dir is "$(src)" in the build, the source tree in the
 * dependency pass, so that -I paths find the tree's headers there): the
 * subdir-ccflags-* of every directory kbuild descends through to the one
 * whose file builds it (they accumulate in KBUILD_CFLAGS, the outermost
 * first), then that file's own ccflags-*, per-object (CFLAGS_namei.o,
 * CFLAGS_REMOVE_, OBJECT_FILES_NON_STANDARD_) and directory-wide settings.
 * A parent's ccflags-y is not inherited: kbuild applies it to its own
 * directory only.
 */
void source_dir_settings(const struct source_ctx *ctx, const char *path, struct strbuf *kb,
			 const char *root)
{
	char *dir = NULL, *obj = NULL, *text = NULL, *mk = NULL, *var = NULL, *suffix;
	const char *p;

	if (find_listing(ctx, path, &dir, &obj, &text, &mk, &var, false))
		return;
	for (p = strchr(dir, '/'); p; p = strchr(p + 1, '/')) {
		char *parent = strndup(dir, p - dir), *pmk, *ptext;

		ptext = kbuild_text(ctx, parent, &pmk);
		if (ptext)
			file_settings(ptext, parent, "", false, kb, root);
		free(ptext);
		free(pmk);
		free(parent);
	}
	suffix = xasprintf("_%s", obj);
	file_settings(text, dir, suffix, true, kb, root);
	free(suffix);
	free(text);
	free(mk);
	free(var);
	free(obj);
	free(dir);
}
