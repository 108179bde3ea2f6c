#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make demo: the whole job on the installed Debian kernel, step by step.
# Builds samples/livepatch-cmdline with klp-build, using a symbol map made
# from the booted kernel's own /proc/kallsyms, boots it under qemu and shows
# /proc/cmdline before and after the livepatch.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"

step() {
	printf '\n== %s\n' "$*"
}
die() {
	echo "demo: FAILED: $*" >&2
	exit 1
}
t0=$(date +%s)

rel=$(e2e_release) || die "no Debian kernel installed (scripts/install-deps)"
kdir=$(e2e_kdir)
step "1/5 Target kernel: Debian $rel (/boot/vmlinuz-$rel), headers in $kdir"
echo "   The running host kernel ($(uname -r)) is not used."

step "2/5 Boot it once under qemu (TCG) and save its /proc/kallsyms"
cache=$(_e2e_cachedir)
[ -s "$cache/kallsyms" ] && echo "   (cached in $cache/kallsyms; delete it to redo)"
ks=$(e2e_kallsyms) || die "could not boot the kernel to read /proc/kallsyms"
echo "   $(wc -l < "$ks") symbols in $ks"
grep -E ' saved_command_line$' "$ks" | sed 's/^/   kallsyms: /'
grep -qw saved_command_line "$kdir/Module.symvers" ||
	echo "   saved_command_line is not in Module.symvers: not exported, modules cannot link to it"

step "3/5 Symbol map: klp-symbols -o kernel.map --kallsyms $ks"
map=$(e2e_map) || die "klp-symbols failed"
echo "   map: $map"
klp-symbols --map "$map" --find saved_command_line 2>&1 | sed 's/^/   /'

step "4/5 Build and convert the sample: klp-build -k $kdir --map kernel.map samples/livepatch-cmdline"
src=$(e2e_sample livepatch-cmdline)
e2e_klp_build "$T/build.log" --map "$map" "$src" || { cat "$T/build.log"; die "klp-build failed"; }
grep -E 'WARNING: modpost|klp-build:' "$T/build.log" | sed "s|$src|samples/livepatch-cmdline|g; s/^/   /"
ko=$src/livepatch-cmdline.ko
echo "   the converted relocation (readelf -rW livepatch-cmdline.ko):"
readelf -rW "$ko" | awk '/^Relocation section/ { s = $3 } /klp\.sym/ { print "   " s ": " $3 " " $5 " " $6 " " $7 }'

step "5/5 Boot with the module and load it"
cat > "$T/guest.sh" <<'SH'
echo "\$ cat /proc/cmdline"
cat /proc/cmdline
echo "\$ insmod livepatch-cmdline.ko"
insmod /m/livepatch-cmdline.ko
klp_wait livepatch_cmdline > /dev/null
echo "\$ cat /sys/kernel/livepatch/livepatch_cmdline/transition"
cat /sys/kernel/livepatch/livepatch_cmdline/transition
echo "\$ cat /proc/cmdline"
cat /proc/cmdline
SH
if ! e2e_boot demo "$T/guest.sh" "$ko"; then
	e2e_diag_console 30
	die "the boot did not finish"
fi
sed 's/^/   /' "$E2E_OUT"
grep -E 'livepatch: ' "$E2E_CONSOLE" | sed 's/^/   console: /'
echo
if tail -n 1 "$E2E_OUT" | grep -q ' livepatch=1$'; then
	echo "demo: OK: the patched cmdline_proc_show() read the unexported saved_command_line ($(($(date +%s) - t0)) s)"
else
	die "/proc/cmdline does not end with ' livepatch=1'"
fi
