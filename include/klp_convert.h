/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Annotations for klp-convert: tell it where an unexported symbol lives when
 * the symbol map cannot decide on its own.
 *
 * Style 1, source-compatible with the klp-convert series (v7):
 *
 *	extern char *saved_command_line;
 *	static ssize_t type_show(struct device *, struct device_attribute *, char *);
 *
 *	KLP_MODULE_RELOC(vmlinux) vmlinux_relocs[] = {
 *		KLP_SYMPOS(saved_command_line, 0),	// 0: unique in vmlinux
 *		KLP_SYMPOS(type_show, 3),		// the 3rd type_show, kallsyms order
 *	};
 *
 * Style 2, the symbol-name style of the later "minimal" klp-convert: the
 * symbol's name carries everything, so no map is needed at all.
 *
 *	extern char *saved_command_line
 *		KLP_RELOC_SYMBOL(vmlinux, vmlinux, saved_command_line);
 *	extern int counter
 *		KLP_RELOC_SYMBOL(my_mod, my_mod, counter, 2);
 *
 * klp-convert removes the annotations from the module it writes.
 */
#ifndef _KLP_CONVERT_H
#define _KLP_CONVERT_H

#include <linux/types.h>

struct klp_module_reloc {
	union {
		void *sym;
		__u64 sym64;	/* keeps the layout 12 bytes on every arch */
	};
	__u32 sympos;
} __attribute__((packed));

#define KLP_MODULE_RELOC(obj)						\
	struct klp_module_reloc						\
	__attribute__((__section__(".klp.module_relocs." #obj),	\
		       __aligned__(4), __used__))

#define KLP_SYMPOS(symbol, pos)						\
	{								\
		.sym = &symbol,						\
		.sympos = pos,						\
	}

#define KLP_RELOC_SYMBOL_POS(lp_obj, sym_obj, sym, pos)			\
	asm("\".klp.sym.rela." #lp_obj "." #sym_obj "." #sym "," #pos "\"")

#define __KLP_RELOC_SYMBOL3(lp_obj, sym_obj, sym)			\
	KLP_RELOC_SYMBOL_POS(lp_obj, sym_obj, sym, 0)
#define __KLP_RELOC_PICK(_1, _2, _3, _4, name, ...) name

/* KLP_RELOC_SYMBOL(lp_obj, sym_obj, sym[, pos]): pos defaults to 0 (unique). */
#define KLP_RELOC_SYMBOL(...)						\
	__KLP_RELOC_PICK(__VA_ARGS__, KLP_RELOC_SYMBOL_POS,		\
			 __KLP_RELOC_SYMBOL3, , )(__VA_ARGS__)

#endif /* _KLP_CONVERT_H */
