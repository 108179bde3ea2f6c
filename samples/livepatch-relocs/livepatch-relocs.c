// SPDX-License-Identifier: GPL-2.0-only
/*
 * A livepatch that replaces no function: both of its objects, vmlinux and
 * the module klp_tgt (../livepatch-module/target), have an empty function
 * list. It exists, as the klp-convert series' selftests do, to carry
 * livepatch relocations of every shape a patch author writes:
 *
 *   - from .text, .data, .rodata, a section of its own and .init.text;
 *   - to unexported data and functions of vmlinux and of klp_tgt, named by
 *     the map (unique), by KLP_SYMPOS and KLP_RELOC_SYMBOL (klp_tgt has two
 *     static tgt_counter), and through __asm__ labels (the C name is not the
 *     symbol's);
 *   - pointers in initialised data, read back after the kernel resolved them;
 *   - static keys: a static branch on vmlinux's sched_schedstats (its
 *     __jump_table entry becomes a vmlinux livepatch relocation) and
 *     static_key_enabled() on klp_tgt's tgt_key (a branch on a module's key
 *     cannot be converted: klp-convert refuses it).
 *
 * Its zero-initialised funcs[] arrays land in .bss.
 *
 *	cat /sys/module/livepatch_relocs/parameters/values ->
 *	main=111 aux=222 main_only=333 aux_only=444 secret=41 ro=111 custom=222 fn=cmdline_proc_show tgt_key=1
 *	cat /sys/module/livepatch_relocs/parameters/schedstats -> 0 or 1, as
 *	/proc/sys/kernel/sched_schedstats
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/jump_label.h>
#include <linux/seq_file.h>
#include <linux/livepatch.h>
#include <klp_convert.h>

/* vmlinux: unexported and unique, so the map alone resolves them. */
extern char *saved_command_line;
extern int cmdline_proc_show(struct seq_file *m, void *v);

/* klp_tgt: the first tgt_counter (tgt_main.c) by name, the second by sympos. */
extern int tgt_counter_main KLP_RELOC_SYMBOL(klp_tgt, klp_tgt, tgt_counter, 1);
extern int tgt_counter;
KLP_MODULE_RELOC(klp_tgt) klp_tgt_relocs[] = {
	KLP_SYMPOS(tgt_counter, 2),
};

/* __asm__ labels: the relocations name tgt_secret and tgt_aux_only. */
extern int lp_secret(int x) __asm__("tgt_secret");
extern int lp_aux_only __asm__("tgt_aux_only");
extern int tgt_main_only;

extern struct static_key_false sched_schedstats;
extern struct static_key_false tgt_key;

struct lp_refs {
	int (*secret)(int x);
	int *aux_only;
	int (*show)(struct seq_file *m, void *v);
};

/* __section: gcc would move a table that is never written to .rodata. */
static struct lp_refs lp_data __section(".data") = {
	.secret = lp_secret,
	.aux_only = &lp_aux_only,
	.show = cmdline_proc_show,
};

static int * const lp_rodata = &tgt_counter_main;
static int *lp_custom __section(".klp_lp_custom") __used = &tgt_counter;

static noinline int lp_read_main_only(void)
{
	return READ_ONCE(tgt_main_only);
}

/*
 * Read only while klp_tgt is loaded (the guest checks the object's
 * "patched" file first): before that its relocations are not applied.
 */
static int values_get(char *buf, const struct kernel_param *kp)
{
	int (*secret)(int x) = READ_ONCE(lp_data.secret);
	int *aux_only = READ_ONCE(lp_data.aux_only);
	int *ro = READ_ONCE(lp_rodata);
	int *custom = READ_ONCE(lp_custom);

	return sysfs_emit(buf, "main=%d aux=%d main_only=%d aux_only=%d secret=%d ro=%d custom=%d fn=%ps tgt_key=%d\n",
			  READ_ONCE(tgt_counter_main), READ_ONCE(tgt_counter), lp_read_main_only(),
			  *aux_only, secret(20), *ro, *custom, READ_ONCE(lp_data.show),
			  static_key_enabled(&tgt_key));
}

/* The branch itself, patched by the kernel when the sysctl flips the key. */
static int schedstats_get(char *buf, const struct kernel_param *kp)
{
	if (static_branch_unlikely(&sched_schedstats))
		return sysfs_emit(buf, "1\n");
	return sysfs_emit(buf, "0\n");
}

static const struct kernel_param_ops values_ops = {
	.get = values_get,
};
module_param_cb(values, &values_ops, NULL, 0444);

static const struct kernel_param_ops schedstats_ops = {
	.get = schedstats_get,
};
module_param_cb(schedstats, &schedstats_ops, NULL, 0444);

static struct klp_func vmlinux_funcs[] = { { }, { } };
static struct klp_func tgt_funcs[] = { { }, { } };

static struct klp_object objs[] = {
	{
		/* name NULL: vmlinux */
		.funcs = vmlinux_funcs,
	}, {
		.name = "klp_tgt",
		.funcs = tgt_funcs,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

/*
 * vmlinux relocations are applied by the module loader, before init runs
 * (so .init.text may use them); klp_tgt's only when klp_tgt is there.
 */
static int __init livepatch_init(void)
{
	pr_info("init: cmdline=%s\n", saved_command_line);
	return klp_enable_patch(&patch);
}

static void __exit livepatch_exit(void)
{
}

module_init(livepatch_init);
module_exit(livepatch_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
