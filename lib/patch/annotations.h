/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_ANNOTATIONS_H
#define KLP_ANNOTATIONS_H

/*
 * What the patch author wrote about where a symbol lives:
 * KLP_MODULE_RELOC(obj)/KLP_SYMPOS arrays in .klp.module_relocs.<obj>, and
 * undefined symbols named .klp.sym.rela.<lp_obj>.<sym_obj>.<name>,<pos>.
 */

#include "elf/arch.h"
#include "elf/elf_file.h"

#define KLP_MODULE_RELOCS_PREFIX ".klp.module_relocs."
#define KLP_RELOC_SYMBOL_PREFIX ".klp.sym.rela."
#define KLP_MODULE_RELOC_SIZE 12	/* packed { void *sym; u32 sympos; } */

struct annotation {
	struct symbol *sym;	/* the undefined symbol it is about */
	char *name;		/* the symbol's name in the target object */
	char *obj;		/* the object defining it */
	char *lp_obj;		/* the klp_object whose .klp.rela section applies it */
	unsigned long pos;
	char *where;		/* for messages: which section entry or symbol said so */
	bool used;		/* some relocation outside the annotations uses it */
};

struct annotations {
	struct annotation **by_sym;	/* indexed by symbol index */
	struct annotation *list;
	size_t nr, alloc;
};

/* Returns the number of errors found (each already reported). */
unsigned int annotations_read(struct elf_file *elf, const struct arch *arch,
			      struct annotations *ann);
void annotations_free(struct annotations *ann);

static inline struct annotation *annotation_for(const struct annotations *ann,
						const struct symbol *sym)
{
	return ann->by_sym ? ann->by_sym[sym->idx] : NULL;
}

static inline bool is_annotation_section(const struct section *sec)
{
	return str_starts_with(sec->name, KLP_MODULE_RELOCS_PREFIX);
}

/*
 * Remove the KLP_MODULE_RELOC arrays with their relocations and symbols.
 * Returns the number of errors (an allocated section still using them).
 */
unsigned int annotations_strip(struct elf_file *elf);

#endif
