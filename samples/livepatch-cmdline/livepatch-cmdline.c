// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's samples/livepatch/livepatch-sample.c, made to need klp-convert:
 * the new cmdline_proc_show() reads saved_command_line, which vmlinux does not
 * export. modpost only warns (KBUILD_MODPOST_WARN=1); klp-convert then turns
 * the reference into a .klp.rela.vmlinux relocation, resolved from the map.
 *
 *	cat /proc/cmdline		-> "<cmdline> livepatch=1"
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/seq_file.h>
#include <linux/livepatch.h>

static int livepatch_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s livepatch=1\n", saved_command_line);
	return 0;
}

static struct klp_func funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = livepatch_cmdline_proc_show,
	}, { }
};

static struct klp_object objs[] = {
	{
		/* name being NULL means vmlinux */
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
