// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/kallsyms lines are "ADDRESS TYPE NAME" for vmlinux and
 * "ADDRESS TYPE NAME\t[MODULE]" for modules. The kernel prints module
 * symbols upper case when the module exports them.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/kallsyms_reader.h"
#include "symbols/symmap.h"
#include "base/lines.h"
#include "base/util.h"

bool kallsyms_pseudo_module(const char *name)
{
	/*
	 * kernel/kallsyms.c names BPF programs and trampolines "bpf"; ftrace
	 * and kprobe instruction pages are "__builtin__ftrace" and
	 * "__builtin__kprobes". No real module can be called "__builtin__*".
	 */
	return !strcmp(name, "bpf") || !strncmp(name, "__builtin__", 11);
}

struct kline {
	char *addr, *type, *name, *mod;
};

static char *next_field(char **p)
{
	char *s = *p, *start;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	start = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return start;
}

static const char *parse_line(char *line, struct kline *kl, uint64_t *addr)
{
	char *p = line, *end;
	size_t len;

	kl->addr = next_field(&p);
	kl->type = next_field(&p);
	kl->name = next_field(&p);
	kl->mod = next_field(&p);
	if (!kl->name)
		return "expected 'ADDRESS TYPE NAME [[MODULE]]'";
	if (next_field(&p))
		return "extra fields after the module name";
	len = strlen(kl->addr);
	if (!len || len > 16 || kl->addr[strspn(kl->addr, "0123456789abcdefABCDEF")])
		return "invalid address (expected up to 16 hex digits)";
	*addr = strtoull(kl->addr, &end, 16);
	if (kl->type[1] || !(isalpha((unsigned char)kl->type[0]) || kl->type[0] == '?'))
		return "invalid symbol type (expected one letter)";
	if (strlen(kl->name) >= 512)
		return "symbol name longer than 511 characters";
	if (kl->mod) {
		len = strlen(kl->mod);
		if (len < 3 || kl->mod[0] != '[' || kl->mod[len - 1] != ']')
			return "invalid module field (expected '[NAME]')";
		kl->mod[len - 1] = '\0';
		kl->mod++;
	}
	return NULL;
}

static struct symlist *new_object(struct kallsyms *ks, const char *name, const char *path)
{
	struct symlist *l;

	grow_array(&ks->objs, &ks->alloc, ks->nr + 1, sizeof(*ks->objs));
	l = &ks->objs[ks->nr++];
	memset(l, 0, sizeof(*l));
	l->name = xstrdup(name);
	l->path = xstrdup(path);
	return l;
}

/*
 * Which object a line belongs to; NULL with *err set when out of order.
 * A module seen before, after other modules, is ftrace's list of the init
 * functions it freed (ftrace_mod_get_kallsym()): *late says so.
 */
static struct symlist *line_object(struct kallsyms *ks, const char *mod, const char *path,
				   bool *late, const char **err)
{
	struct symlist *cur = ks->nr ? &ks->objs[ks->nr - 1] : NULL;
	size_t i;

	*late = false;
	if (!mod) {
		if (cur && !(ks->has_vmlinux && ks->nr == 1)) {
			*err = "vmlinux symbol after module symbols";
			return NULL;
		}
		if (!cur) {
			ks->has_vmlinux = true;
			cur = new_object(ks, "vmlinux", path);
		}
		return cur;
	}
	if (!strcmp(mod, "vmlinux")) {
		*err = "a module cannot be called vmlinux";
		return NULL;
	}
	if (cur && !strcmp(cur->name, mod))
		return cur;
	for (i = 0; i < ks->nr; i++) {
		if (!strcmp(ks->objs[i].name, mod)) {
			*late = true;
			return &ks->objs[i];
		}
	}
	if (!symmap_valid_objname(mod)) {
		*err = "invalid module name";
		return NULL;
	}
	return new_object(ks, mod, path);
}

/* Module symbols: upper case means exported (kernel/kallsyms.c s_show()). */
static unsigned int line_flags(const struct kline *kl)
{
	return kl->mod && isupper((unsigned char)kl->type[0]) ? MAP_EXPORTED : 0;
}

static int parse_all(struct kallsyms *ks, const char *path, char *buf, char *end)
{
	struct lines lr = { .path = path, .p = buf, .end = end };

	while (lines_next(&lr)) {
		/* The buffer is ours: the line may be NUL-terminated in place. */
		char *line = buf + (lr.line - buf);
		const char *err = NULL;
		struct symlist *l;
		struct kline kl;
		uint64_t addr = 0;
		bool late;

		line[lr.len] = '\0';
		if (lines_blank(&lr))
			continue;
		if (strlen(line) != lr.len)
			err = "NUL byte in line";
		else
			err = parse_line(line, &kl, &addr);
		if (!err && kl.mod && kallsyms_pseudo_module(kl.mod)) {
			ks->skipped_pseudo++;
			continue;
		}
		if (!err)
			l = line_object(ks, kl.mod, path, &late, &err);
		if (err) {
			pr_err("%s:%lu: %s", path, lr.lineno, err);
			return -1;
		}
		/* Freed init functions: never counted by sympos. */
		symlist_add(l, kl.name, addr, kl.type[0], line_flags(&kl) | (late ? MAP_INIT : 0));
	}
	return 0;
}

/* A livepatch module keeps its .klp.sym.* symbols: it is not a patch target. */
static bool is_livepatch(const struct symlist *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (!strncmp(l->syms[i].name, ".klp.sym.", 9))
			return true;
	return false;
}

static void drop_livepatches(struct kallsyms *ks)
{
	size_t i, n = 0;

	for (i = 0; i < ks->nr; i++) {
		if (ks->objs[i].name && strcmp(ks->objs[i].name, "vmlinux") &&
		    is_livepatch(&ks->objs[i])) {
			pr_info("%s: leaving out livepatch module %s", ks->objs[i].path,
			     ks->objs[i].name);
			ks->skipped_livepatch++;
			symlist_release(&ks->objs[i]);
			continue;
		}
		ks->objs[n++] = ks->objs[i];
	}
	ks->nr = n;
}

int kallsyms_read(struct kallsyms *ks, const char *path)
{
	struct mapped_file mf;
	size_t i, size;

	memset(ks, 0, sizeof(*ks));
	if (map_file(&mf, path))
		return -1;
	size = mf.size;
	ks->buf = xmalloc(size + 1);
	memcpy(ks->buf, mf.data, size);
	ks->buf[size] = '\0';
	unmap_file(&mf);
	if (parse_all(ks, path, ks->buf, ks->buf + size))
		return -1;
	drop_livepatches(ks);
	for (i = 0; i < ks->nr; i++)
		symlist_mark_ksymtab_exports(&ks->objs[i]);
	if (!ks->nr) {
		pr_err("%s: no symbols", path);
		return -1;
	}
	return 0;
}

void kallsyms_release(struct kallsyms *ks)
{
	size_t i;

	for (i = 0; i < ks->nr; i++)
		symlist_release(&ks->objs[i]);
	free(ks->objs);
	free(ks->buf);
	memset(ks, 0, sizeof(*ks));
}
