// SPDX-License-Identifier: GPL-2.0-only
/*
 * kpatch compatibility: reading the markers of kpatch-macros.h, and what
 * they change in the findings of a patched file.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "build/kpatch.h"
#include "elf/elf_file.h"

static const struct hook_kind {
	const char *name;	/* after KP_MARKER_PREFIX "hook." */
	enum kp_slot slot;
	bool no_arg;
} hook_kinds[] = {
	{ "pre_patch", KP_PRE_PATCH, false },
	{ "post_patch", KP_POST_PATCH, false },
	{ "pre_unpatch", KP_PRE_UNPATCH, false },
	{ "post_unpatch", KP_POST_UNPATCH, false },
	/* As kpatch-build makes them for livepatch. */
	{ "load", KP_POST_PATCH, true },
	{ "unload", KP_PRE_UNPATCH, true },
};

const char *kp_slot_name(enum kp_slot slot)
{
	static const char *const names[] = {
		[KP_PRE_PATCH] = "pre_patch", [KP_POST_PATCH] = "post_patch",
		[KP_PRE_UNPATCH] = "pre_unpatch", [KP_POST_UNPATCH] = "post_unpatch",
	};

	return slot < KP_NR_SLOTS ? names[slot] : "?";
}

static void add_name(char ***names, size_t *nr, size_t *alloc, struct strset *set,
		     const char *name)
{
	if (set) {
		if (strset_has(set, name, strlen(name)))
			return;
		strset_add(set, name);
	}
	grow_array(names, alloc, *nr + 1, sizeof(**names));
	(*names)[(*nr)++] = xstrdup(name);
}

/* The functions by their section and offset: what a relocation to a static one names. */
static uint64_t at_hash(size_t sec, uint64_t value)
{
	return hash_u64(((uint64_t)sec << 40) ^ value);
}

static struct symbol *func_at(const struct hashtab *ht, const struct section *sec,
			      uint64_t value)
{
	struct hash_iter it;
	struct symbol *s;

	for (s = hashtab_first(ht, at_hash(sec->idx, value), &it); s; s = hashtab_next(&it))
		if (s->sec == sec && s->sym.st_value == value)
			return s;
	return NULL;
}

static int read_hooks(struct elf_file *elf, const struct hashtab *funcs, struct section *sec,
		      const struct hook_kind *k, const char *path, struct kp_markers *m)
{
	size_t i, n = sec->size / 8;

	if (sec->size % 8 || !sec->rela || sec->rela->nr_relocs != n) {
		pr_err_sym(path, sec->name,
			   "%zu bytes and %zu relocations in %s: not the function pointers kpatch-macros.h writes",
			   sec->size, sec->rela ? sec->rela->nr_relocs : 0, elf->path);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const struct reloc *r = &sec->rela->relocs[i];
		struct symbol *s = r->sym;

		if (s && s->idx && GELF_ST_TYPE(s->sym.st_info) == STT_SECTION && s->sec &&
		    r->addend >= 0)
			s = func_at(funcs, s->sec, (uint64_t)r->addend);
		else if (r->addend)
			s = NULL;
		if (!s || !s->idx || !s->sec || GELF_ST_TYPE(s->sym.st_info) != STT_FUNC) {
			pr_err_sym(path, sec->name,
				   "entry at 0x%" PRIx64 " is not a function of the file: a hook must be defined in the patched file",
				   r->offset);
			return -1;
		}
		grow_array(&m->hooks, &m->alloc_hooks, m->nr_hooks + 1, sizeof(*m->hooks));
		m->hooks[m->nr_hooks++] = (struct kp_hook){
			.func = xstrdup(s->name), .slot = k->slot, .no_arg = k->no_arg,
		};
	}
	return 0;
}

/* NUL-terminated names, one after another; alignment may leave empty ones. */
static int read_names(const struct section *sec, const char *path, char ***names, size_t *nr,
		      size_t *alloc, struct strset *set)
{
	const char *p, *end;

	if (!sec->data || (sec->size && sec->data[sec->size - 1])) {
		pr_err_sym(path, sec->name, "not the NUL-terminated names kpatch-macros.h writes");
		return -1;
	}
	p = (const char *)sec->data;
	end = p + sec->size;
	for (; p < end; p += strlen(p) + 1)
		if (*p)
			add_name(names, nr, alloc, set, p);
	return 0;
}

int kp_markers_read(const char *obj, const char *path, struct kp_markers *m)
{
	size_t plen = strlen(KP_MARKER_PREFIX), i, j;
	struct strset sections = { 0 };
	struct hashtab funcs = { 0 };
	struct elf_file *elf;
	struct section *sec;
	struct symbol *s;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	elf = elf_open_read(obj);
	if (!elf)
		return -1;
	for_each_symbol(elf, s, i)
		if (s->sec && GELF_ST_TYPE(s->sym.st_info) == STT_FUNC)
			hashtab_add(&funcs, at_hash(s->sec->idx, s->sym.st_value), s);
	for_each_section(elf, sec, i) {
		const char *kind = sec->name + plen;

		if (sec->sh.sh_type == SHT_RELA || !str_starts_with(sec->name, KP_MARKER_PREFIX))
			continue;
		if (str_starts_with(kind, "hook.")) {
			for (j = 0; j < ARRAY_SIZE(hook_kinds); j++)
				if (!strcmp(kind + 5, hook_kinds[j].name))
					break;
			if (j < ARRAY_SIZE(hook_kinds)) {
				if (read_hooks(elf, &funcs, sec, &hook_kinds[j], path, m))
					ret = -1;
				continue;
			}
		} else if (!strcmp(kind, "ignore_function")) {
			if (read_names(sec, path, &m->ignore_funcs, &m->nr_ignore_funcs,
				       &m->alloc_ignore_funcs, &m->funcs_set))
				ret = -1;
			continue;
		} else if (!strcmp(kind, "ignore_section")) {
			if (read_names(sec, path, &m->ignore_sections, &m->nr_ignore_sections,
				       &m->alloc_ignore_sections, &sections))
				ret = -1;
			continue;
		} else if (!strcmp(kind, "ignore_static")) {
			if (read_names(sec, path, &m->ignore_statics, &m->nr_ignore_statics,
				       &m->alloc_ignore_statics, &m->statics_set))
				ret = -1;
			continue;
		} else if (!strcmp(kind, "force_unsafe")) {
			if (read_names(sec, path, &m->force_unsafe, &m->nr_force_unsafe,
				       &m->alloc_force_unsafe, NULL))
				ret = -1;
			continue;
		}
		pr_err_sym(path, sec->name,
			   "a marker klp-build does not know: the patch was built with another kpatch-macros.h than klp-build's");
		ret = -1;
	}
	/* The functions of an ignored section are ignored functions. */
	if (m->nr_ignore_sections)
		for_each_symbol(elf, s, i)
			if (s->sec && *s->name && GELF_ST_TYPE(s->sym.st_info) == STT_FUNC &&
			    strset_has(&sections, s->sec->name, strlen(s->sec->name)))
				add_name(&m->ignore_funcs, &m->nr_ignore_funcs,
					 &m->alloc_ignore_funcs, &m->funcs_set, s->name);
	strset_free(&sections);
	hashtab_free(&funcs);
	elf_close(elf);
	if (ret)
		kp_markers_release(m);
	return ret;
}

static void free_names(char **names, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
}

void kp_markers_release(struct kp_markers *m)
{
	size_t i;

	for (i = 0; i < m->nr_hooks; i++)
		free(m->hooks[i].func);
	free(m->hooks);
	free_names(m->ignore_funcs, m->nr_ignore_funcs);
	free_names(m->ignore_sections, m->nr_ignore_sections);
	free_names(m->ignore_statics, m->nr_ignore_statics);
	free_names(m->force_unsafe, m->nr_force_unsafe);
	strset_free(&m->funcs_set);
	strset_free(&m->statics_set);
	memset(m, 0, sizeof(*m));
}

void kp_markers_print(const struct kp_markers *m, FILE *f)
{
	size_t i;

	for (i = 0; i < m->nr_hooks; i++)
		fprintf(f, "hook %s: %s%s\n", kp_slot_name(m->hooks[i].slot), m->hooks[i].func,
			!m->hooks[i].no_arg ? "" :
			m->hooks[i].slot == KP_POST_PATCH ? " (load hook)" : " (unload hook)");
	for (i = 0; i < m->nr_ignore_sections; i++)
		fprintf(f, "ignored section: %s\n", m->ignore_sections[i]);
	for (i = 0; i < m->nr_ignore_funcs; i++)
		fprintf(f, "ignored function: %s\n", m->ignore_funcs[i]);
	for (i = 0; i < m->nr_ignore_statics; i++)
		fprintf(f, "ignored static: %s\n", m->ignore_statics[i]);
	for (i = 0; i < m->nr_force_unsafe; i++)
		fprintf(f, "force unsafe: %s\n", m->force_unsafe[i]);
}

bool kp_ignored_static(const struct kp_markers *m, const char *name)
{
	return m && strset_has(&m->statics_set, name, strlen(name));
}

static void finding_free(struct fn_finding *f)
{
	size_t j;

	for (j = 0; j < f->nr_uses; j++)
		free(f->uses[j].name);
	free(f->uses);
	free(f->name);
	free(f->parent);
}

int kp_markers_apply(const struct kp_markers *m, const char *path, struct objdiff_result *res,
		     bool quiet)
{
	struct strset found = { 0 };
	size_t i, k;
	int ret = 0;

	for (i = 0; i < m->nr_force_unsafe; i++) {
		pr_err_sym(path, m->force_unsafe[i],
			   "KPATCH_FORCE_UNSAFE: a livepatch is applied through the kernel's consistency model only, and cannot patch a function without it: remove the marker");
		ret = -1;
	}
	for (i = k = 0; i < res->nr; i++) {
		struct fn_finding *f = &res->fns[i];
		const char *by = f->parent ? f->parent : f->name;

		if (strset_has(&m->funcs_set, f->name, strlen(f->name)) ||
		    strset_has(&m->funcs_set, by, strlen(by))) {
			if (!quiet)
				printf("ignored function: %s (%s)\n", f->name, path);
			finding_free(f);
			continue;
		}
		if (f->change != FN_DELETED)
			strset_add(&found, f->name);
		res->fns[k++] = *f;
	}
	res->nr = k;
	for (i = 0; i < m->nr_hooks; i++)
		if (!strset_has(&found, m->hooks[i].func, strlen(m->hooks[i].func))) {
			pr_err_sym(path, m->hooks[i].func,
				   "a %s hook, but not a new or changed function of the patched file (ignored, or the original has it too): the livepatch would not carry it",
				   kp_slot_name(m->hooks[i].slot));
			ret = -1;
		}
	strset_free(&found);
	return ret;
}
