#!/bin/bash
# Issue 12, the foundation: on ppc64le and s390x, a livepatch-enabled
# kernel built from Debian's linux-source-6.1 (tests/e2e/cross-kernel)
# boots under qemu TCG and runs the kernel's own
# samples/livepatch/livepatch-sample.c, built out of tree against that
# kernel's tree by Debian's cross compiler: /proc/cmdline is patched,
# disabling the patch brings the real line back, the module unloads. The
# guest's /proc/kallsyms comes back whole and names saved_command_line at
# the address of the build's System.map. KLP_CROSS_ARCHES selects arches
# (default: both).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-cross.sh"

# Set and empty: none (the first run builds each kernel, minutes per arch).
ARCHES=${KLP_CROSS_ARCHES-ppc64le s390x}
[ -n "$ARCHES" ] || skip_all "KLP_CROSS_ARCHES is empty"


runnable=
for arch in $ARCHES; do
	cross_skip_reason "$arch" > /dev/null || runnable="$runnable $arch"
done
[ -n "$runnable" ] || skip_all "$(for a in $ARCHES; do echo -n "$a: $(cross_skip_reason "$a"); "; done)"

cat > "$T/guest.sh" <<'SH'
echo "uname: $(uname -r) $(uname -m)"
echo "before: $(cat /proc/cmdline)"
insmod /m/livepatch-sample.ko && echo "insmod: ok"
klp_wait livepatch_sample
echo "patched: $(cat /proc/cmdline)"
# Read while the patch module is loaded: its symbols are in it too.
cat /proc/kallsyms > $DATA
echo "kallsyms lines $(wc -l < /proc/kallsyms)"
echo 0 > /sys/kernel/livepatch/livepatch_sample/enabled
klp_wait livepatch_sample
echo "disabled: $(cat /proc/cmdline)"
rmmod livepatch_sample && echo "rmmod: ok"
[ -d /sys/module/livepatch_sample ] || echo "module gone"
dmesg | grep -E 'livepatch|Unknown symbol|klp'
SH

for arch in $ARCHES; do
	cross_arch_start "$arch" "livepatch-sample under qemu" || continue
	pass "$tag: kernel from linux-source-6.1 in $CROSS_DIR (build took ${CROSS_BUILD_SECONDS}s)"
	like "$(grep -E '^CONFIG_(LIVEPATCH|KALLSYMS_ALL)=' "$CROSS_TREE/.config" | sort | tr '\n' ' ')" \
		'^CONFIG_KALLSYMS_ALL=y CONFIG_LIVEPATCH=y $' "$tag: .config has LIVEPATCH and KALLSYMS_ALL"

	# The kernel's own sample, from the tree the kernel was built from.
	src=$T/sample-$arch
	mkdir -p "$src"
	cp "$CROSS_TREE/samples/livepatch/livepatch-sample.c" "$src/"
	echo 'obj-m := livepatch-sample.o' > "$src/Makefile"
	ko=$src/livepatch-sample.ko
	if e2e_make "$T/make-$arch.log" "$src" && [ -f "$ko" ]; then
		pass "$tag: samples/livepatch/livepatch-sample.c builds out of tree"
	else
		fail "$tag: samples/livepatch/livepatch-sample.c builds out of tree" "$(tail -n 30 "$T/make-$arch.log")"
		continue
	fi
	case $arch in
	ppc64le) machine='PowerPC64' ;;
	s390x) machine='IBM S/390' ;;
	esac
	like "$(readelf -h "$ko" | sed -n 's/^ *Machine: *//p')" "^$machine" \
		"$tag: the module is a $machine object"
	like "$(modinfo -F livepatch "$ko")" '^Y$' "$tag: the module is marked as a livepatch"

	e2e_boot sample "$T/guest.sh" "$ko"
	e2e_boot_ok "$tag: boot with the sample livepatch"
	out=$(cat "$E2E_OUT")
	diag "$tag guest output:"
	diag "$out"
	like "$(cat "$E2E_CONSOLE")" "Linux version $rel " "$tag: the console shows the kernel booting"
	is "$(sed -n 's/^uname: //p' "$E2E_OUT")" "$rel $arch" "$tag: uname -r -m in the guest"

	before=$(sed -n 's/^before: //p' "$E2E_OUT")
	like "$before" 'rdinit=/init' "$tag: /proc/cmdline read before the patch"
	like "$out" '^insmod: ok$' "$tag: insmod livepatch-sample.ko"
	like "$out" '^klp_wait: livepatch_sample transition=0 enabled=1$' \
		"$tag: /sys/kernel/livepatch/livepatch_sample: transition 0, enabled 1"
	is "$(sed -n 's/^patched: //p' "$E2E_OUT")" "this has been live patched" \
		"$tag: /proc/cmdline reads 'this has been live patched'"
	like "$out" "livepatch: enabling patch 'livepatch_sample'" "$tag: kernel log: enabling patch"
	like "$out" '^klp_wait: livepatch_sample gone$' "$tag: disabling finished its transition"
	is "$(sed -n 's/^disabled: //p' "$E2E_OUT")" "$before" \
		"$tag: after echo 0 > enabled, /proc/cmdline is the real command line again"
	like "$out" '^rmmod: ok$' "$tag: rmmod livepatch_sample"
	like "$out" '^module gone$' "$tag: /sys/module/livepatch_sample is gone"
	unlike "$out" 'Unknown symbol|not marked as a livepatch|Oops|BUG' "$tag: no loader complaint"

	# The dump must be whole (the guest's own count) before its contents
	# mean anything; then the address of saved_command_line is the
	# build's: neither arch's kernel is randomised here.
	lines=$(sed -n 's/^kallsyms lines //p' "$E2E_OUT")
	is "$(wc -l < "$E2E_DATA")" "${lines:-?}" "$tag: /proc/kallsyms arrived whole ($lines lines)"
	case $arch in
	ppc64le) hi='c000' ;;
	s390x) hi='0000' ;;
	esac
	ks=$(grep -E ' saved_command_line$' "$E2E_DATA")
	like "$ks" "^${hi}[0-9a-f]{12} [bBdD] saved_command_line$" \
		"$tag: kallsyms has saved_command_line at a $hi... address"
	is "$(grep -E ' saved_command_line$' "$CROSS_SYSMAP" | cut -d' ' -f1)" "${ks%% *}" \
		"$tag: ... the address System.map gives it"
	# Modules live elsewhere (ppc64 c008..., s390x 000003ff...).
	like "$(grep -E ' livepatch_cmdline_proc_show' "$E2E_DATA")" \
		"^[0-9a-f]{16} t livepatch_cmdline_proc_show\s+\[livepatch_sample\]$" \
		"$tag: kallsyms lists the patch module's function"
	e2e_diag_on_fail
	diag "$tag: kernel build ${CROSS_BUILD_SECONDS}s (once; cached since), boot to /init ${E2E_BOOTED_SECONDS}s, qemu run ${E2E_SECONDS}s, this arch $(($(date +%s) - start))s"
done

done_testing
