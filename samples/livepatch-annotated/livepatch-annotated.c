// SPDX-License-Identifier: GPL-2.0-only
/*
 * A livepatch that needs an annotation: vmlinux has many local functions
 * of one name (type_show, 17 of them in Debian's 6.1), so the symbol map
 * alone cannot tell which one is meant. KLP_SYMPOS(type_show, 3) picks the
 * third in kallsyms order (ascending address); klp-convert writes
 * .klp.sym.vmlinux.type_show,3 and the kernel resolves it at load time.
 * Without the annotation klp-convert refuses the module and lists the
 * candidates.
 *
 * The name and the position are build parameters, so a test can take them
 * from the kernel it builds for (tests/e2e/annotated.t picks the name with
 * the most namesakes in that kernel's map):
 *
 *	klp-build --map MAP . -- KLP_AMBIG=type_show KLP_AMBIG_POS=3
 *
 * (type_show and 3 when not given). The function is reached through an
 * __asm__ label: its C name, lp_ambig, cannot clash with a declaration of
 * that name in a header, and only its address is used.
 *
 * The unexported symbols are referenced from .text, .init.text, a table in
 * .data (function and data pointers) and .rodata, so every kind of section
 * gets a .klp.rela.vmlinux.* relocation section; the exported _printk and
 * seq_printf stay ordinary relocations.
 *
 *	cat /proc/version		-> original line, then
 *	klp-annotated: ambig=<addr> data_fn=<addr> data_ptr=<addr> rodata_ptr=<addr>
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/device.h>
#include <linux/seq_file.h>
#include <linux/utsname.h>
#include <linux/stringify.h>
#include <linux/livepatch.h>
#include <klp_convert.h>

#ifndef KLP_AMBIG
#define KLP_AMBIG type_show
#endif
#ifndef KLP_AMBIG_POS
#define KLP_AMBIG_POS 3
#endif

/* Local to some files of vmlinux; the type does not matter, the address does. */
extern void lp_ambig(void) __asm__(__stringify(KLP_AMBIG));

/* klp-annotation-begin (tests/e2e/annotated.t drops this block to use-case 3) */
KLP_MODULE_RELOC(vmlinux) vmlinux_relocs[] = {
	KLP_SYMPOS(lp_ambig, KLP_AMBIG_POS),
};
/* klp-annotation-end */

struct lp_ref {
	void *fn;
	char **data;
};

/*
 * .data, filled in by the kernel when it applies .klp.rela.vmlinux..data.
 * __section: gcc would move a table that is never written to .rodata.
 */
static struct lp_ref lp_table[] __section(".data") = {
	{ .fn = lp_ambig, .data = &saved_command_line },
};

/* .rodata: relocated at load time, before the section turns read-only */
static char ** const lp_rodata_ptr = &saved_command_line;

static int livepatch_version_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, linux_proc_banner,
		   utsname()->sysname,
		   utsname()->release,
		   utsname()->version);
	/* READ_ONCE: load the pointers from .data/.rodata, not a folded copy */
	seq_printf(m, "klp-annotated: ambig=%px data_fn=%px data_ptr=%px rodata_ptr=%px\n",
		   lp_ambig, READ_ONCE(lp_table[0].fn),
		   READ_ONCE(lp_table[0].data), READ_ONCE(lp_rodata_ptr));
	return 0;
}

static struct klp_func funcs[] = {
	{
		.old_name = "version_proc_show",
		.new_func = livepatch_version_proc_show,
	}, { }
};

static struct klp_object objs[] = {
	{
		.funcs = funcs,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

/*
 * Init code may use vmlinux symbols too: .klp.rela.vmlinux.* is applied at
 * load time, while .init.text still exists.
 */
static int __init livepatch_init(void)
{
	pr_info("%s #%d at %px\n", __stringify(KLP_AMBIG), KLP_AMBIG_POS, lp_ambig);
	return klp_enable_patch(&patch);
}

static void livepatch_exit(void)
{
}

module_init(livepatch_init);
module_exit(livepatch_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
