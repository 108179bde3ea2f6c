// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp_tgt: a target module for the livepatch in ../patch. Both of its files
 * define a static called tgt_counter, so a livepatch that reads one of them
 * must say which (sympos 1 = this file, the first in .symtab order).
 *
 *	cat /proc/klp_tgt		-> "klp_tgt: original counter=111"
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/jump_label.h>

#include "tgt.h"

/* Initialised here and changed at init, so a reader sees run-time values. */
static int tgt_counter __used = 1;
static int tgt_main_only __used = 3;
/* Enabled at init: a livepatch tests it with static_key_enabled(). */
static DEFINE_STATIC_KEY_FALSE(tgt_key);

/* noipa: keep one plain copy under its own name (no .constprop/.isra clone). */
static __attribute__((__noipa__)) __used int tgt_secret(int x)
{
	return 2 * x + 1;
}

static int tgt_show(struct seq_file *m, void *v)
{
	seq_printf(m, "klp_tgt: original counter=%d\n", tgt_counter);
	return 0;
}

static int __init tgt_init(void)
{
	tgt_counter = 111;
	tgt_main_only = 333;
	tgt_aux_setup();
	static_branch_enable(&tgt_key);
	if (!proc_create_single("klp_tgt", 0444, NULL, tgt_show))
		return -ENOMEM;
	pr_info("loaded, secret(%d)=%d\n", tgt_counter, tgt_secret(tgt_counter));
	return 0;
}

static void __exit tgt_exit(void)
{
	remove_proc_entry("klp_tgt", NULL);
}

module_init(tgt_init);
module_exit(tgt_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("target module for the klp-convert livepatch-module sample");
