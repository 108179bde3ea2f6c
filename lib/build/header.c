// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-build's patched headers: what each changes, who uses it, and which
 * files must be rebuilt with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ctext.h"
#include "base/hashtab.h"
#include "build/cheader.h"
#include "build/header.h"
#include "source/includers.h"
#include "source/run.h"

/* Names and users shown in a message; the rest are counted. */
#define SHOW_NAMES 6
#define SHOW_USERS 5

static int parse_file(const char *path, struct hdr_file *hf)
{
	struct mapped_file mf;

	if (map_file(&mf, path))
		return -1;
	hdr_parse(mf.data, mf.size, hf);
	unmap_file(&mf);
	return 0;
}

struct first_use {
	const struct strset *set;
	char *name;		/* the first changed name the file uses */
};

static bool find_use(const char *id, size_t len, void *data)
{
	struct first_use *u = data;

	if (!strset_has(u->set, id, len))
		return true;
	u->name = strndup(id, len);
	return false;
}

/* The first name of set the file uses, or NULL (malloc'ed). */
static char *uses(const char *path, const struct strset *set)
{
	struct first_use u = { .set = set };
	struct mapped_file mf;

	if (map_file(&mf, path))
		return NULL;
	c_identifiers(mf.data, mf.size, find_use, &u);
	unmap_file(&mf);
	return u.name;
}

static bool has(const struct strset *set, const char *path)
{
	return strset_has(set, path, strlen(path));
}

static void pf_add(struct patch_files *pf, const char *path)
{
	grow_array(&pf->paths, &pf->alloc, pf->nr + 1, sizeof(*pf->paths));
	pf->paths[pf->nr++] = xstrdup(path);
}

/* "a (macro), b (inline function), ... and 3 more" */
static void describe_names(const struct hdr_changes *ch, size_t nr, struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < nr && i < SHOW_NAMES; i++)
		strbuf_addf(sb, "%s%s (%s)", i ? ", " : "", ch->v[i].name,
			    hdr_kind_name(ch->v[i].kind));
	if (nr > SHOW_NAMES)
		strbuf_addf(sb, " and %zu more", nr - SHOW_NAMES);
}

struct user {
	char *path;
	char *name;		/* the changed name it uses */
	bool patched;
};

struct one_header {
	const char *path;
	struct hdr_changes ch;
	size_t direct;		/* of ch's names, the header's own; the rest come from its includers */
	struct user *users;
	size_t nr_users, alloc_users, unpatched;
	size_t nr_hdrs, nr_cfiles;
};

static void one_release(struct one_header *h)
{
	size_t i;

	for (i = 0; i < h->nr_users; i++) {
		free(h->users[i].path);
		free(h->users[i].name);
	}
	free(h->users);
	for (i = 0; i < h->ch.nr; i++)
		free((char *)h->ch.v[i].name);
	hdr_changes_release(&h->ch);
}

/* The headers in hdrs, parsed: patched ones in their patched text. */
static struct hdr_file *parse_includers(const struct source_ctx *ctx, const char *scratch,
					const struct strset *patched, const struct dir_list *hdrs)
{
	struct hdr_file *hf = xcalloc(hdrs->nr + 1, sizeof(*hf));
	size_t i;

	for (i = 0; i < hdrs->nr; i++) {
		char *p = xasprintf("%s/%s", has(patched, hdrs->paths[i]) ? scratch : ctx->tree,
				    hdrs->paths[i]);

		if (parse_file(p, &hf[i]))
			pr_warn("%s: cannot read: %s: what it defines with the patched names is not followed",
				p, strerror(errno));
		free(p);
	}
	return hf;
}

/* The first changed name path uses, in its patched text if it is patched. */
static char *file_uses(const struct source_ctx *ctx, const char *scratch,
		       const struct strset *patched, const char *path, const struct strset *set)
{
	char *p = xasprintf("%s/%s", has(patched, path) ? scratch : ctx->tree, path);
	char *name = uses(p, set);

	free(p);
	return name;
}

/* patched: the paths of every patched file, .c and .h, whose text is in scratch. */
static int analyse(struct source_ctx *ctx, struct include_graph *g, const char *scratch,
		   const struct strset *patched, struct one_header *h)
{
	char *before = xasprintf("%s/%s", ctx->tree, h->path);
	char *after = xasprintf("%s/%s", scratch, h->path);
	struct hdr_file hb = { 0 }, ha = { 0 }, *inc = NULL;
	char **names = NULL;
	struct include_users iu = { 0 };
	struct strset set = { 0 };
	size_t i, round;
	int ret = -1;

	if (parse_file(before, &hb) || parse_file(after, &ha)) {
		pr_err("%s: cannot read: %s", h->path, strerror(errno));
		goto out;
	}
	hdr_compare(&hb, &ha, &h->ch);
	h->direct = h->ch.nr;
	ret = 0;
	if (!h->ch.nr)
		goto out;
	for (i = 0; i < h->ch.nr; i++)
		strset_add(&set, h->ch.v[i].name);
	if (include_graph_users(g, ctx, h->path, &iu)) {
		ret = -1;
		goto out;
	}
	h->nr_hdrs = iu.hdrs.nr;
	h->nr_cfiles = iu.cfiles.nr;
	/*
	 * What uses a changed name is changed: a macro of the header itself,
	 * an inline function of a header that includes it, and so on, to the
	 * end. Each round passes over every includer once.
	 */
	inc = parse_includers(ctx, scratch, patched, &iu.hdrs);
	do {
		round = hdr_spread(&ha, &set, &h->ch);
		for (i = 0; i < iu.hdrs.nr; i++)
			round += hdr_spread(&inc[i], &set, &h->ch);
	} while (round);
	names = xcalloc(iu.cfiles.nr + 1, sizeof(*names));
	for (i = 0; i < iu.cfiles.nr; i++)
		names[i] = file_uses(ctx, scratch, patched, iu.cfiles.paths[i], &set);
	/* A part's use is the use of each built file that #includes it. */
	for (i = 0; i < iu.parts.nr; i++) {
		char *name = iu.nr_part_of[i] ?
			     file_uses(ctx, scratch, patched, iu.parts.paths[i], &set) : NULL;

		for (size_t k = 0; name && k < iu.nr_part_of[i]; k++)
			if (!names[iu.part_of[i][k]])
				names[iu.part_of[i][k]] = xasprintf("%s in %s", name,
								    iu.parts.paths[i]);
		free(name);
	}
	for (i = 0; i < iu.cfiles.nr; i++) {
		bool is_patched = has(patched, iu.cfiles.paths[i]);

		/* Only a user's Makefiles are read: thousands of files may include it. */
		if (!names[i] || !include_graph_built(g, ctx, iu.cfiles.paths[i])) {
			free(names[i]);
			continue;
		}
		grow_array(&h->users, &h->alloc_users, h->nr_users + 1, sizeof(*h->users));
		h->users[h->nr_users++] = (struct user){
			.path = xstrdup(iu.cfiles.paths[i]), .name = names[i], .patched = is_patched,
		};
		h->unpatched += !is_patched;
	}
	free(names);
out:
	/* The names live in the parsed texts: copied out before those go. */
	for (i = 0; i < h->ch.nr; i++)
		h->ch.v[i].name = xstrdup(h->ch.v[i].name);
	if (inc)
		for (i = 0; i < iu.hdrs.nr; i++)
			hdr_release(&inc[i]);
	free(inc);
	hdr_release(&hb);
	hdr_release(&ha);
	include_users_release(&iu);
	strset_free(&set);
	free(before);
	free(after);
	return ret;
}

static void report(const struct one_header *h, bool quiet)
{
	struct strbuf sb = { 0 };
	size_t i;

	if (quiet)
		return;
	if (!h->ch.nr) {
		printf("header %s: no declaration changed (comments or white space only)\n", h->path);
		return;
	}
	describe_names(&h->ch, h->direct, &sb);
	printf("header %s: changes %s%s", h->path, sb.buf ? sb.buf : "",
	       h->ch.structural ? " (an #include or #pragma changed: everything it declares)" : "");
	if (h->ch.nr > h->direct)
		printf(", and %zu name%s defined with them", h->ch.nr - h->direct,
		       h->ch.nr - h->direct == 1 ? "" : "s");
	printf("; %zu built user%s (of %zu .c file%s and %zu header%s including it)\n",
	       h->nr_users, h->nr_users == 1 ? "" : "s", h->nr_cfiles,
	       h->nr_cfiles == 1 ? "" : "s", h->nr_hdrs, h->nr_hdrs == 1 ? "" : "s");
	for (i = 0; i < h->nr_users; i++)
		printf("    %s uses %s (%s)\n", h->users[i].path, h->users[i].name,
		       h->users[i].patched ? "patched" : "rebuilt too");
	if (verbose)
		for (i = h->direct; i < h->ch.nr; i++)
			printf("    changed through the header: %s (%s)\n", h->ch.v[i].name,
			       hdr_kind_name(h->ch.v[i].kind));
	strbuf_release(&sb);
}

static void refuse(const struct one_header *h)
{
	struct strbuf names = { 0 }, list = { 0 };
	size_t i, shown = 0;

	describe_names(&h->ch, h->direct, &names);
	for (i = 0; i < h->nr_users && shown < SHOW_USERS; i++)
		if (!h->users[i].patched)
			strbuf_addf(&list, "%s%s (%s)", shown++ ? ", " : "", h->users[i].path,
				    h->users[i].name);
	if (h->unpatched > shown)
		strbuf_addf(&list, " and %zu more", h->unpatched - shown);
	pr_err("%s: changes %s; used by %zu built file%s the patches do not change: %s: more than the %d a livepatch build rebuilds with a header (patch those files, or make the change where it is used)",
	       h->path, names.buf ? names.buf : "", h->unpatched, h->unpatched == 1 ? "" : "s",
	       list.buf ? list.buf : "", HEADER_MAX_USERS);
	strbuf_release(&names);
	strbuf_release(&list);
}

int header_users(struct source_ctx *ctx, const char *scratch, struct patch_files *pf,
		 bool quiet, struct header_result *res)
{
	struct patch_files cfiles = { 0 };
	struct one_header *hs;
	struct include_graph *g;
	struct patch_files extra = { 0 };
	struct strset patched = { 0 }, seen = { 0 };
	size_t i, j;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < pf->nr; i++) {
		pf_add(str_ends_with(pf->paths[i], ".h") ? &res->headers : &cfiles, pf->paths[i]);
		strset_add(&patched, pf->paths[i]);
		free(pf->paths[i]);
	}
	free(pf->paths);
	*pf = cfiles;
	if (!res->headers.nr)
		goto done;
	for (i = 0; i < res->headers.nr; i++) {
		char *p = xasprintf("%s/%s", scratch, res->headers.paths[i]), *text = read_text(p);

		if (!text) {
			pr_err("%s: %s", p, strerror(errno));
			free(p);
			ret = -1;
			goto done;
		}
		res->hash = hash_u64(res->hash ^ hash_str(res->headers.paths[i]) ^ hash_str(text));
		free(text);
		free(p);
	}
	g = include_graph_read(ctx);
	if (!g) {
		ret = -1;
		goto done;
	}
	res->files_read = include_graph_files(g);
	hs = xcalloc(res->headers.nr, sizeof(*hs));
	for (i = 0; i < res->headers.nr; i++) {
		hs[i].path = res->headers.paths[i];
		if (analyse(ctx, g, scratch, &patched, &hs[i]))
			ret = -1;
	}
	include_graph_free(g);
	for (i = 0; i < res->headers.nr && !ret; i++) {
		for (j = 0; j < hs[i].direct; j++)
			if (hs[i].ch.v[j].kind == HDR_TYPE)
				pr_warn("%s: %s: a changed type: the data the running kernel holds keeps its old layout, which a livepatch cannot change",
					hs[i].path, hs[i].ch.v[j].name);
		for (j = 0; j < hs[i].nr_users; j++)
			if (!hs[i].users[j].patched && !has(&seen, hs[i].users[j].path)) {
				strset_add(&seen, hs[i].users[j].path);
				pf_add(&extra, hs[i].users[j].path);
			}
	}
	if (!ret && extra.nr > HEADER_MAX_USERS) {
		for (i = 0; i < res->headers.nr; i++)
			if (hs[i].unpatched)
				refuse(&hs[i]);
		ret = -1;
	}
	if (!ret) {
		for (i = 0; i < res->headers.nr; i++)
			report(&hs[i], quiet);
		for (i = 0; i < extra.nr; i++)
			pf_add(pf, extra.paths[i]);
		res->added = extra.nr;
	}
	for (i = 0; i < res->headers.nr; i++)
		one_release(&hs[i]);
	free(hs);
	patch_files_release(&extra);
done:
	strset_free(&patched);
	strset_free(&seen);
	return ret;
}

void header_result_release(struct header_result *res)
{
	patch_files_release(&res->headers);
	memset(res, 0, sizeof(*res));
}
