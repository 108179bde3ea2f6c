// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "elf/jump_sites.h"

static int site_cmp(const void *a, const void *b)
{
	const struct jump_site *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

void jump_sites_read(struct jump_sites *js, const struct elf_file *obj, const struct arch *arch)
{
	const struct jump_label_rule *jl = arch ? arch->jump_label : NULL;
	struct section *sec;
	size_t i, alloc = 0;

	memset(js, 0, sizeof(*js));
	js->rule = jl;
	if (!jl)
		return;
	for_each_section(obj, sec, i) {
		const struct reloc **code, **key;
		size_t n, k;

		if (strcmp(sec->name, "__jump_table") || !sec->rela)
			continue;
		n = sec->size / jl->entry_size;
		code = xcalloc(n + 1, sizeof(*code));
		key = xcalloc(n + 1, sizeof(*key));
		for (k = 0; k < sec->rela->nr_relocs; k++) {
			const struct reloc *r = &sec->rela->relocs[k];
			size_t e = r->offset / jl->entry_size, at = r->offset % jl->entry_size;

			if (r->removed || e >= n)
				continue;
			if (at == jl->code_off)
				code[e] = r;
			else if (at == jl->key_off)
				key[e] = r;
		}
		for (k = 0; k < n; k++) {
			const struct symbol *cs = code[k] ? code[k]->sym : NULL;
			const struct symbol *ks = key[k] ? key[k]->sym : NULL;
			uint64_t flags;

			if (!cs || !cs->sec || !ks)
				continue;
			/* A key of this object: its address is part of the sum. */
			flags = (ks->sec ? ks->sym.st_value : 0) + (uint64_t)key[k]->addend;
			if (!(flags & jl->nop_flag))
				continue;
			grow_array(&js->v, &alloc, js->nr + 1, sizeof(*js->v));
			js->v[js->nr].sec = cs->sec->idx;
			js->v[js->nr++].off = cs->sym.st_value + (uint64_t)code[k]->addend;
		}
		free(code);
		free(key);
	}
	if (js->nr)
		qsort(js->v, js->nr, sizeof(*js->v), site_cmp);
}

unsigned int jump_sites_nop(const struct jump_sites *js, size_t sec, uint64_t sec_off,
			    const unsigned char *ours, const unsigned char *theirs, uint64_t off,
			    uint64_t n)
{
	struct jump_site key = { sec, sec_off };
	size_t i;

	if (!js->nr || !bsearch(&key, js->v, js->nr, sizeof(key), site_cmp))
		return 0;
	for (i = 0; i < js->rule->nr_forms; i++) {
		const struct jump_label_form *f = &js->rule->forms[i];

		if (off + f->len <= n && ours[off] == f->opcode &&
		    !memcmp(theirs + off, f->nop, f->len))
			return f->len;
	}
	return 0;
}

void jump_sites_free(struct jump_sites *js)
{
	free(js->v);
	memset(js, 0, sizeof(*js));
}
