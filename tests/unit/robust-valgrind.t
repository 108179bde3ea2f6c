#!/bin/bash
# The converter under valgrind (memcheck, full leak check) on a real
# livepatch module built with Kbuild against the installed Debian kernel
# headers: a successful conversion and failing ones are all clean.
source "$(dirname "$0")/../lib.sh"

command -v valgrind > /dev/null || skip_all "valgrind is not installed"
bin=$(command -v klp-convert)
# valgrind cannot run ASan binaries; the sanitizer build checks memory itself.
if ldd "$bin" 2>/dev/null | grep -q libasan; then
	skip_all "$bin is a sanitizer build: valgrind runs against the plain build"
fi
rel=$(kernel_release) || skip_all "no kernel headers (apt-get install linux-headers-amd64)"
kdir=/lib/modules/$rel/build

mkdir "$T/m"
cat > "$T/m/lp.c" <<'SRC'
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/livepatch.h>

extern char *saved_command_line;

static int livepatch_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s livepatch=1\n", saved_command_line);
	return 0;
}

static struct klp_func funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = livepatch_cmdline_proc_show, },
	{ }
};
static struct klp_object objs[] = { { .funcs = funcs, }, { } };
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs, };

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
SRC
echo 'obj-m := lp.o' > "$T/m/Kbuild"
make -C "$kdir" M="$T/m" KBUILD_MODPOST_WARN=1 modules > "$T/kbuild.log" 2>&1
ko=$T/m/lp.ko
[ -f "$ko" ] || { fail "the livepatch module builds with Kbuild" "$(tail -20 "$T/kbuild.log")"; done_testing; }
pass "the livepatch module builds with Kbuild against $(basename "$(dirname "$kdir")")"

printf 'klp-symbol-map 1\nobject vmlinux\nffffffff81000300 t cmdline_proc_show\nffffffff81000400 D saved_command_line\nffffffff81000500 T printk x\n' > "$T/map"
printf 'klp-symbol-map 1\nobject vmlinux\n1 t cmdline_proc_show\n2 D saved_command_line\n3 D saved_command_line\n' > "$T/ambiguous"
head -c 3000 "$ko" > "$T/truncated.ko"

# vg DESC WANT_EXIT ARGS...: klp-convert under memcheck exits WANT_EXIT (86
# means valgrind found errors) and memcheck reports no error and no leak.
vg() {
	local desc=$1 want=$2 rc
	shift 2
	valgrind -q --error-exitcode=86 --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=definite,indirect,possible --track-fds=no \
		--log-file="$T/vg.log" "$bin" "$@" > "$T/vg.out" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ] && ! grep -qE 'Invalid|uninitialised|definitely|indirectly|possibly' "$T/vg.log"; then
		pass "$desc"
	else
		fail "$desc" "exit $rc, expected $want" "$(cat "$T/vg.out" "$T/vg.log")"
	fi
}

vg "successful conversion is memcheck-clean" 0 "$T/map" "$ko" "$T/out.ko"
like "$(readelf -sW "$T/out.ko")" "\.klp\.sym\.vmlinux\.saved_command_line,0" "... and converted the module"
vg "failing conversion (ambiguous symbol) is memcheck-clean" 1 "$T/ambiguous" "$ko" "$T/fail.ko"
grep -q "saved_command_line. is ambiguous" "$T/vg.out" && pass "... failing for the ambiguity" ||
	fail "... failing for the ambiguity" "$(cat "$T/vg.out")"
[ ! -e "$T/fail.ko" ] && pass "... and wrote nothing" || fail "... and wrote nothing"
vg "failing conversion (no map, unexported symbol) is memcheck-clean" 1 "$ko" "$T/fail.ko"
vg "truncated module is memcheck-clean" 1 "$T/map" "$T/truncated.ko" "$T/fail.ko"
vg "--dry-run is memcheck-clean" 0 --dry-run "$T/map" "$ko" "$T/fail.ko"

done_testing
