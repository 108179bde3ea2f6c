// SPDX-License-Identifier: GPL-2.0-only
/*
 * A livepatch for the module klp_tgt (../target), not for vmlinux: it replaces
 * tgt_show() and reads klp_tgt's statics, which no one exports. klp-convert
 * turns each reference into a .klp.rela.klp_tgt.* relocation, which the kernel
 * applies when both the patch and klp_tgt are loaded, in either order.
 *
 * klp_tgt has two statics called tgt_counter (one per source file): the first
 * is named with KLP_RELOC_SYMBOL, the second with KLP_MODULE_RELOC +
 * KLP_SYMPOS. The unique names (tgt_main_only, tgt_aux_only, tgt_secret) come
 * from the symbol map (klp-symbols --module klp_tgt.ko).
 *
 * References come from .text, two .text.* sections, a .data table of a
 * function and a data pointer, and a .rodata pointer.
 *
 *	cat /proc/klp_tgt ->
 *	klp_tgt: patched main=111 aux=222 main_only=333 aux_only=444 secret=41 ro_main=111
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/livepatch.h>
#include <klp_convert.h>

/* tgt_counter of tgt_main.c: the first in klp_tgt's .symtab */
extern int tgt_counter_main KLP_RELOC_SYMBOL(klp_tgt, klp_tgt, tgt_counter, 1);

/* tgt_counter of tgt_aux.c: the second */
extern int tgt_counter;
KLP_MODULE_RELOC(klp_tgt) klp_tgt_relocs[] = {
	KLP_SYMPOS(tgt_counter, 2),
};

extern int tgt_main_only;
extern int tgt_aux_only;
extern int tgt_secret(int x);

static noinline __section(".text.klp_lp_a") int lp_read_main_only(void)
{
	return tgt_main_only;
}

static noinline __section(".text.klp_lp_b") int lp_read_counter_aux(void)
{
	return tgt_counter;
}

struct lp_ref {
	int (*fn)(int x);
	int *data;
};

/* __section: gcc would move a table that is never written to .rodata. */
static struct lp_ref lp_table[] __section(".data") = {
	{ .fn = tgt_secret, .data = &tgt_aux_only },
};

static int * const lp_rodata_ptr = &tgt_counter_main;

static int livepatch_tgt_show(struct seq_file *m, void *v)
{
	/* READ_ONCE: load the pointers from .data/.rodata, not a folded copy */
	int (*fn)(int x) = READ_ONCE(lp_table[0].fn);
	int *data = READ_ONCE(lp_table[0].data);
	int *ro = READ_ONCE(lp_rodata_ptr);

	seq_printf(m, "klp_tgt: patched main=%d aux=%d main_only=%d aux_only=%d secret=%d ro_main=%d\n",
		   tgt_counter_main, lp_read_counter_aux(), lp_read_main_only(),
		   *data, fn(20), *ro);
	return 0;
}

static struct klp_func funcs[] = {
	{
		.old_name = "tgt_show",
		.new_func = livepatch_tgt_show,
	}, { }
};

static struct klp_object objs[] = {
	{
		.name = "klp_tgt",
		.funcs = funcs,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int livepatch_init(void)
{
	return klp_enable_patch(&patch);
}

static void livepatch_exit(void)
{
}

module_init(livepatch_init);
module_exit(livepatch_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
