#!/bin/bash
# klp-check on the klp_patch/klp_object/klp_func tables of livepatch modules
# built with Kbuild against the Debian kernel headers: one module with every
# mistake the kernel would refuse or silently ignore, one correct module (also
# after klp-convert), one whose converted relocations name an object the
# patch has no klp_object for.
source "$(dirname "$0")/../lib.sh"
command -v jq > /dev/null || { fail "jq installed (apt-get install jq): the JSON report is checked with it"; done_testing; }

rel=$(kernel_release) || skip_all "no kernel headers (apt-get install linux-headers-amd64)"
kdir=/lib/modules/$rel/build

mkdir -p "$T/m"
cd "$T/m" || exit 1
cat > bad.c <<'SRC'
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/device.h>
#include <linux/livepatch.h>

static int new_cmdline_proc_show(struct seq_file *m, void *v) { seq_puts(m, "x\n"); return 0; }
static ssize_t new_type_show(struct device *d, struct device_attribute *a, char *b) { return 0; }
static ssize_t new_type_show2(struct device *d, struct device_attribute *a, char *b) { return 1; }
static int new_other(void) { return 0; }

static struct klp_func vmlinux_funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = new_cmdline_proc_show, },
	{ .old_name = "cmdline_proc_shwo", .new_func = new_other, },
	{ .old_name = "type_show", .new_func = new_type_show, },
	{ .old_name = "type_show", .new_func = new_type_show2, .old_sympos = 99, },
	{ .old_name = "saved_command_line", .new_func = new_other, },
	{ .old_name = "uptime_proc_show", .new_func = new_other, .old_sympos = 1, },
	{ }
};
static struct klp_func ext4_funcs[] = { { .old_name = "ext4_foo", .new_func = new_other, }, { } };
static struct klp_func hda_funcs[] = { { .old_name = "snd_hda_codec_foo", .new_func = new_other, }, { } };
static struct klp_func xfs_funcs[] = { { .old_name = "xfs_foo", .new_func = new_other, }, { } };
static struct klp_object objs[] = {
	{ .funcs = vmlinux_funcs, },
	{ .name = "ext4", .funcs = ext4_funcs, },
	{ .name = "snd-hda-codec", .funcs = hda_funcs, },
	{ .name = "xfs.ko", .funcs = xfs_funcs, },
	{ }
};
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs, };

static int bad_init(void) { return klp_enable_patch(&patch); }
static void bad_exit(void) { }
module_init(bad_init);
module_exit(bad_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
SRC
# good: right names and sympos; orphan: the same plus a converted reference
# to ext4, which has no klp_object there.
for m in good orphan; do
	cat > $m.c <<SRC
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/device.h>
#include <linux/livepatch.h>
#include "klp_convert.h"

extern char *saved_command_line;
$( [ $m = orphan ] && echo 'extern int ext4_counter KLP_RELOC_SYMBOL(ext4, ext4, ext4_counter);' )
static int new_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s livepatch=1\n", saved_command_line);
	$( [ $m = orphan ] && echo 'ext4_counter++;' )
	return 0;
}
static ssize_t new_type_show(struct device *d, struct device_attribute *a, char *b) { return 0; }
static int new_ext4_foo(void) { return 0; }

static struct klp_func vmlinux_funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = new_cmdline_proc_show, },
	{ .old_name = "type_show", .new_func = new_type_show, .old_sympos = 3, },
	{ }
};
$( [ $m = good ] && echo 'static struct klp_func ext4_funcs[] = { { .old_name = "ext4_foo", .new_func = new_ext4_foo, }, { } };' )
static struct klp_object objs[] = {
	{ .funcs = vmlinux_funcs, },
	$( [ $m = good ] && echo '{ .name = "ext4", .funcs = ext4_funcs, },' )
	{ }
};
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs, };

static int lp_init(void) { (void)new_ext4_foo; return klp_enable_patch(&patch); }
static void lp_exit(void) { }
module_init(lp_init);
module_exit(lp_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
SRC
done
# modonly: patches ext4 only, yet uses unexported vmlinux data.
cat > modonly.c <<'SRC'
#include <linux/module.h>
#include <linux/livepatch.h>

extern char *saved_command_line;
static int new_ext4_foo(void) { return saved_command_line[0]; }
static struct klp_func ext4_funcs[] = { { .old_name = "ext4_foo", .new_func = new_ext4_foo, }, { } };
static struct klp_object objs[] = { { .name = "ext4", .funcs = ext4_funcs, }, { } };
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs, };
static int lp_init(void) { return klp_enable_patch(&patch); }
static void lp_exit(void) { }
module_init(lp_init);
module_exit(lp_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
SRC
printf 'obj-m := bad.o good.o orphan.o modonly.o\nccflags-y := -I%s/include\n' "$TOP" > Kbuild
out=$(make -C "$kdir" M="$T/m" KBUILD_MODPOST_WARN=1 modules 2>&1)
for m in bad good orphan modonly; do
	[ -f $m.ko ] || { fail "$m.ko built" "$out"; done_testing; }
done
pass "four livepatch modules built against $(basename "$(dirname "$kdir")")"

cat > map <<'MAP'
klp-symbol-map 1
object vmlinux
ffffffff81100000 t cmdline_proc_show
ffffffff81110000 t type_show
ffffffff81120000 t type_show
ffffffff81130000 t type_show
ffffffff81140000 t uptime_proc_show
ffffffff81150000 T seq_printf x
ffffffff82a1e0c8 B saved_command_line
object ext4
0000000000001230 t ext4_foo
0000000000002000 d ext4_counter
object snd_hda_codec
0000000000000100 t snd_hda_codec_foo
object xfs
0000000000000100 t xfs_foo
MAP

codes() { jq -r '[.findings[] | select(.level == "error") | "\(.code):\(.object):\(.function)"] | sort | join(" ")' <<< "$1"; }
expected="object-name:snd-hda-codec:null object-name:xfs.ko:null old-name-missing:vmlinux:cmdline_proc_shwo old-name-not-function:vmlinux:saved_command_line sympos-missing:vmlinux:type_show sympos-range:vmlinux:type_show"

objcopy --strip-debug bad.ko bad-nodebug.ko
for ko in bad.ko bad-nodebug.ko; do
	json=$(klp-check --json --map map $ko)
	rc=$?
	is "$rc" 1 "$ko: exit 1 on errors"
	is "$(codes "$json")" "$expected" "$ko: exactly the six expected errors"
	is "$(jq -r '.functions | length' <<< "$json")" 9 "$ko: all 9 klp_func entries read"
	is "$(jq -r '[.functions[] | "\(.object)/\(.old_name)/\(.old_sympos)/\(.new_func)"] | join(" ")' <<< "$json")" \
		"vmlinux/cmdline_proc_show/0/new_cmdline_proc_show vmlinux/cmdline_proc_shwo/0/new_other vmlinux/type_show/0/new_type_show vmlinux/type_show/99/new_type_show2 vmlinux/saved_command_line/0/new_other vmlinux/uptime_proc_show/1/new_other ext4/ext4_foo/0/new_other snd_hda_codec/snd_hda_codec_foo/0/new_other xfs/xfs_foo/0/new_other" \
		"$ko: old_name, old_sympos and new_func of each entry"
done
is "$(klp-check --json --map map bad.ko | jq -r .layout)/$(klp-check --json --map map bad-nodebug.ko | jq -r .layout)" \
	"dwarf/leading-fields" "layout from DWARF, else from the stable leading fields"

txt=$(klp-check --map map bad.ko)
like "$txt" "error: vmlinux: no function cmdline_proc_shwo in vmlinux: klp_enable_patch\(\) would fail" "wrong old_name: caught"
like "$txt" "did you mean cmdline_proc_show\?" "wrong old_name: the likely intended name"
like "$txt" "type_show is ambiguous: 3 functions of that name in vmlinux and old_sympos is 0" "ambiguous name without old_sympos: caught"
like "$txt" '\.old_sympos = 2 +/\* ffffffff81120000 t type_show \*/' "each candidate with its sympos and address"
like "$txt" "type_show: old_sympos 99 is out of range: vmlinux has 3 of them" "out-of-range old_sympos: caught"
like "$txt" 'klp_object .name = "snd-hda-codec" is not the module.s runtime name' "object name with '-': caught"
like "$txt" '\.name = "snd_hda_codec",' "the runtime name to use"
like "$txt" '\.name = "xfs",' ".ko suffix: the name to use"
like "$txt" "saved_command_line is not a function \(kallsyms type 'B'\)" "data symbol as old_name: caught"
unlike "$txt" "uptime_proc_show|error: .*ext4_foo|error: .*snd_hda_codec_foo" "right entries (sympos 1 on a unique name, fixed object names) pass"

# A map that knows the candidates' files (klp-symbols --where) shows them.
sed '/ffffffff81120000 t type_show/a #:file drivers/base/core.c' map > files.map
like "$(klp-check --map files.map bad.ko)" '\.old_sympos = 2 +/\* ffffffff81120000 t type_show, drivers/base/core.c \*/' \
	"a candidate with its file when the map has it"

printf 'klp-symbol-map 1\nobject vmlinux\n1 t cmdline_proc_show\n' > small.map
like "$(klp-check --map small.map bad.ko)" "the symbol map has no object ext4" "object missing from the map: caught"

# klp-convert's own pipeline (klp_run_job), stopped after the table checks.
out=$(klp-check --tables-only --map map bad.ko 2>&1)
is "$?" 1 "--tables-only (klp_run_job): exit 1"
is "$(grep -c '^klp-check: error: ' <<< "$out")" 6 "--tables-only: six errors through pr_err()"
like "$out" "^klp-check: error: bad.ko: vmlinux: type_show is ambiguous" "--tables-only: the same message, naming the file"
like "$out" $'\n''    \.old_sympos = 1 ' "--tables-only: candidates under it"

ok "good.ko: exit 0" klp-check --werror --map map good.ko
like "$(klp-check --map map good.ko)" "^0 errors, 0 warnings$" "good.ko: nothing to say"
ok "good.ko: klp-convert converts it" klp-convert map good.ko good-conv.ko
like "$(readelf -SW good-conv.ko)" '\.klp\.rela\.vmlinux\.' "converted: has .klp.rela.vmlinux"
ok "converted good.ko: exit 0" klp-check --werror --map map good-conv.ko

ok "orphan.ko: klp-convert converts it" klp-convert map orphan.ko orphan-conv.ko
like "$(readelf -SW orphan-conv.ko)" '\.klp\.rela\.ext4\.' "converted: has .klp.rela.ext4"
out=$(klp-check --json --map map orphan-conv.ko)
is "$?" 1 "orphan: exit 1"
is "$(codes "$out")" "klp-rela-orphan:ext4:null" "orphan: .klp.rela.ext4 without a klp_object ext4 is the one error"
like "$(klp-check --map map orphan-conv.ko)" "add \{ .name = \"ext4\", .funcs = ... \}" "orphan: says what to add"

ok "modonly.ko: klp-convert converts it" klp-convert map modonly.ko modonly-conv.ko
like "$(readelf -SW modonly-conv.ko)" '\.klp\.rela\.vmlinux\.' "converted: has .klp.rela.vmlinux"
ok ".klp.rela.vmlinux without a vmlinux klp_object: fine (applied at load)" \
	klp-check --werror --map map modonly-conv.ko

done_testing
