# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Cross-arch real-kernel harness: boots a livepatch-enabled ppc64le or s390x
# kernel built by tests/e2e/cross-kernel under qemu (TCG) with a busybox
# initramfs of the same arch, and hands back what the guest script printed.
# The API is that of lib-e2e.sh, parameterised by arch; source this file
# after tests/lib.sh, instead of lib-e2e.sh, then call cross_use ARCH.
#
#   cross_skip_reason ARCH      print why ARCH cannot run here (no cross gcc,
#                               no qemu, no linux-source-6.1); 1 if it can
#   cross_use ARCH              build or find the cached kernel and busybox of
#                               ARCH (ppc64le|s390x) and select them for the
#                               functions below. Sets CROSS_ARCH, CROSS_DIR
#                               (cache dir), CROSS_TREE (Kbuild tree),
#                               CROSS_IMAGE, CROSS_SYSMAP, CROSS_KARCH
#                               (powerpc|s390), CROSS_COMPILE (triplet-),
#                               CROSS_RELEASE (uname -r of the guest),
#                               CROSS_BUSYBOX, CROSS_BUILD_SECONDS
#   e2e_release, e2e_kdir       CROSS_RELEASE, CROSS_TREE
#   e2e_boot NAME SCRIPT [KO...]
#                               boot once; the modules are in /m/ ($M in the
#                               guest), SCRIPT runs as root under busybox sh
#                               with klp_wait PATCH defined. Sets E2E_OUT,
#                               E2E_CONSOLE, E2E_DATA (what the script wrote
#                               to $DATA), E2E_RC ("none" if it never ended),
#                               E2E_SECONDS, and E2E_BOOTED_SECONDS (qemu
#                               start to "e2e: script begin" on the console).
#                               Returns 0 when the script ended
#   e2e_run, e2e_boot_ok, e2e_diag_console, e2e_diag_on_fail
#                               as in lib-e2e.sh
#   e2e_make LOG DIR            out-of-tree module build against CROSS_TREE
#
# The guest's output does not stream over its own port as on x86: s390x
# has only two SCLP terminals, and the line-mode one breaks long lines and
# loses what is still queued at poweroff; a pseries hvc resets termios on
# every open. So the script's output and $DATA are collected in the guest
# and sent once, at the end, gzip+base64 between markers, over the second
# port (kept open on one fd), followed by a pause before poweroff. gzip's
# CRC tells a damaged transfer from a good one. The console gets a copy of
# the script's output as it runs, for the diagnostics of a hung boot.
#
# Environment: KLP_E2E_CACHE (default /var/tmp/klp-e2e), KLP_E2E_TIMEOUT
# (seconds per boot, default 240: TCG of a foreign arch is slower than x86).

# shellcheck source=lib-boot.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-boot.sh"

E2E_CACHE=${KLP_E2E_CACHE:-/var/tmp/klp-e2e}
E2E_TIMEOUT=${KLP_E2E_TIMEOUT:-240}
CROSS_KERNEL=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/cross-kernel
E2E_OUT=
E2E_CONSOLE=
E2E_DATA=
E2E_RC=
E2E_NAME=
E2E_SECONDS=
E2E_BOOTED_SECONDS=
CROSS_ARCH=

# _cross_qemu ARCH: the qemu of the arch and its package.
_cross_qemu() {
	case $1 in
	ppc64le) echo "qemu-system-ppc64 qemu-system-ppc" ;;
	s390x) echo "qemu-system-s390x qemu-system-misc" ;;
	*) return 1 ;;
	esac
}

cross_skip_reason() {
	local q why
	q=$(_cross_qemu "$1") || { echo "unknown arch $1"; return 0; }
	# shellcheck disable=SC2086
	set -- "$1" $q
	command -v "$2" > /dev/null || { echo "$2 not installed (apt-get install $3)"; return 0; }
	why=$("$CROSS_KERNEL" --check "$1" 2>&1) || { echo "$why"; return 0; }
	command -v cpio > /dev/null || { echo "cpio not installed"; return 0; }
	return 1
}

# cross_arch_start ARCH WHAT: the start of each arch's turn in a test: a
# skip (WHAT names what is skipped) when the host lacks its qemu or
# toolchain, a failure when its kernel does not build, else 0 with the
# kernel in use, rel and tag ("ppc64le 6.1.192") set for TAP lines and
# start (seconds) for the arch's time.
cross_arch_start() {
	local why
	start=$(date +%s)
	if why=$(cross_skip_reason "$1"); then
		skip "$1: $2" "$why"
		return 1
	fi
	if ! cross_use "$1" 2> "$T/cross-$1.log"; then
		fail "$1: livepatch kernel builds from linux-source-6.1" "$(tail -n 40 "$T/cross-$1.log")"
		return 1
	fi
	rel=$(e2e_release)
	tag="$1 $rel"
}

# The CROSS_* variables are for the tests that source this file.
# shellcheck disable=SC2034
cross_use() {
	local dir env
	CROSS_ARCH=$1
	dir=$("$CROSS_KERNEL" "$1") || return 1
	env=$dir/env
	CROSS_DIR=$dir
	CROSS_TREE=$dir/linux
	CROSS_IMAGE=$dir/image
	CROSS_SYSMAP=$dir/System.map
	CROSS_KARCH=$(sed -n 's/^KARCH=//p' "$env")
	CROSS_COMPILE=$(sed -n 's/^CROSS_COMPILE=//p' "$env")
	CROSS_RELEASE=$(sed -n 's/^KERNELRELEASE=//p' "$env")
	CROSS_BUILD_SECONDS=$(sed -n 's/^BUILD_SECONDS=//p' "$env")
	CROSS_BUSYBOX=$("$CROSS_KERNEL" --busybox "$1") || return 1
	case $1 in
	ppc64le)
		# x-vof: qemu's minimal Open Firmware, seconds faster than SLOF.
		# Each -serial is one spapr-vty: hvc0 console, hvc1 data. The
		# spectre workarounds TCG cannot emulate are declared absent,
		# which only silences four warnings per boot.
		# shellcheck disable=SC2054 # machine options are comma-separated
		_cross_qemu_cmd=(qemu-system-ppc64 -M pseries,x-vof=on,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off)
		_cross_console=hvc0
		_cross_port=/dev/hvc1
		;;
	s390x)
		# -serial is the SCLP VT220 console; the line-mode terminal
		# (sclp_line0) needs its own device.
		_cross_qemu_cmd=(qemu-system-s390x -M s390-ccw-virtio)
		_cross_console=ttysclp0
		_cross_port=/dev/sclp_line0
		;;
	esac
}

e2e_release() {
	[ -n "$CROSS_ARCH" ] || { echo "e2e: call cross_use ARCH first" >&2; return 1; }
	echo "$CROSS_RELEASE"
}

e2e_kdir() {
	e2e_release > /dev/null || return 1
	echo "$CROSS_TREE"
}

# e2e_make LOG DIR: the out-of-tree module in DIR, built against the cross
# tree by the cross compiler.
e2e_make() {
	e2e_release > /dev/null || return 1
	make -C "$CROSS_TREE" ARCH="$CROSS_KARCH" CROSS_COMPILE="$CROSS_COMPILE" \
		M="$2" modules > "$1" 2>&1
}

_cross_init() {
	cat <<EOF
#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo 0 > /proc/sys/kernel/kptr_restrict
export M=/m DATA=/tmp/data PATH=/bin
: > /tmp/data
echo "e2e: script begin"
cd /
{ sh /script < /dev/null; echo \$? > /tmp/rc; } 2>&1 | tee /tmp/out
rc=\$(cat /tmp/rc)
sync
echo "e2e: script end rc=\$rc"
# Kernel messages must not land in the middle of the transfer.
dmesg -n 1
exec 3> $_cross_port
stty raw -echo <&3 2>/dev/null
{
	echo "E2E-BEGIN out"
	gzip -c /tmp/out | base64
	echo "E2E-END out"
	echo "E2E-BEGIN data"
	gzip -c /tmp/data | base64
	echo "E2E-END data"
	echo "E2E-RC=\$rc"
} >&3
# The SCLP line-mode terminal drops what it has not sent at poweroff.
sleep 2
echo "e2e: poweroff"
poweroff -f
EOF
}

# e2e_initramfs OUT SCRIPT [KO...]
e2e_initramfs() {
	local out=$1 script=$2 root ko
	shift 2
	root=$(mktemp -d "$T/initramfs.XXXXXX") || return 1
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/m" || return 1
	cp "$CROSS_BUSYBOX" "$root/bin/busybox" || return 1
	ln -s busybox "$root/bin/sh"
	_cross_init > "$root/init"
	chmod 755 "$root/init"
	{ _e2e_guest_lib; cat "$script"; } > "$root/script" || return 1
	for ko in "$@"; do
		cp "$ko" "$root/m/" || return 1
	done
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out" || return 1
	rm -rf "$root"
}

# _cross_section FILE NAME OUT: decode one E2E-BEGIN/END block; 1 if the
# block is missing or fails gzip's check.
_cross_section() {
	sed -n "/^E2E-BEGIN $2\$/,/^E2E-END $2\$/p" "$1" | sed '1d;$d' |
		base64 -d -i 2>/dev/null | gzip -dc > "$3" 2>/dev/null
}

e2e_boot() {
	local name=$1 script=$2 dir start rc line
	shift 2
	dir="$T/boot-$CROSS_ARCH-$name"
	_e2e_boot_start "$name" "$dir"
	E2E_BOOTED_SECONDS=
	if [ -z "$CROSS_ARCH" ]; then
		echo "e2e: call cross_use ARCH first" > "$E2E_CONSOLE"
		E2E_RC=none
		return 1
	fi
	if ! e2e_initramfs "$dir/initramfs.cpio" "$script" "$@" >> "$E2E_CONSOLE" 2>&1; then
		echo "e2e: building the initramfs failed" >> "$E2E_CONSOLE"
		E2E_RC=none
		return 1
	fi
	: > "$E2E_CONSOLE.raw"
	: > "$dir/port.raw"
	local dev=()
	# shellcheck disable=SC2054 # qemu options are comma-separated
	[ "$CROSS_ARCH" = s390x ] &&
		dev=(-chardev "file,id=port,path=$dir/port.raw" -device sclplmconsole,chardev=port)
	[ "$CROSS_ARCH" = ppc64le ] && dev=(-serial "file:$dir/port.raw")
	start=$(date +%s.%N)
	# The console is watched while qemu runs: the time to "script begin" is
	# the boot time the report wants, measured, not guessed.
	(
		while [ ! -s "$E2E_CONSOLE.raw" ] || ! grep -q 'e2e: script begin' "$E2E_CONSOLE.raw"; do
			sleep 0.2
			[ -e "$dir/qemu.done" ] && exit 0
		done
		echo "$start $(date +%s.%N)" | awk '{ printf "%.1f\n", $2 - $1 }' > "$dir/booted"
	) &
	local watch=$!
	# oops=panic + panic=-1 + -no-reboot: a crash ends the run at once.
	timeout --kill-after=5 "$E2E_TIMEOUT" "${_cross_qemu_cmd[@]}" \
		-accel tcg -m 1G -nographic -no-reboot -monitor none \
		-kernel "$CROSS_IMAGE" -initrd "$dir/initramfs.cpio" \
		-append "console=$_cross_console rdinit=/init panic=-1 oops=panic loglevel=7" \
		-serial "file:$E2E_CONSOLE.raw" "${dev[@]}" \
		< /dev/null > "$dir/qemu.stdout" 2>&1
	rc=$?
	touch "$dir/qemu.done"
	wait "$watch" 2>/dev/null
	E2E_SECONDS=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
	E2E_BOOTED_SECONDS=$(cat "$dir/booted" 2>/dev/null)
	tr -d '\r' < "$E2E_CONSOLE.raw" >> "$E2E_CONSOLE" 2>/dev/null
	cat "$dir/qemu.stdout" >> "$E2E_CONSOLE"
	{ [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; } &&
		echo "e2e: qemu killed after ${E2E_TIMEOUT}s (timeout)" >> "$E2E_CONSOLE"
	tr -d '\r' < "$dir/port.raw" > "$dir/port.txt" 2>/dev/null
	E2E_RC=$(sed -n 's/^E2E-RC=\([0-9]*\)$/\1/p' "$dir/port.txt" | tail -n 1)
	if [ -z "$E2E_RC" ]; then
		echo "e2e: ${_cross_qemu_cmd[0]} exited with status $rc before the script's output arrived" >> "$E2E_CONSOLE"
		E2E_RC=none
		_e2e_keep_log
		return 1
	fi
	for line in out data; do
		if ! _cross_section "$dir/port.txt" "$line" "$dir/$line.dec"; then
			echo "e2e: the guest's '$line' block is damaged or missing ($dir/port.txt)" >> "$E2E_CONSOLE"
			E2E_RC=none
			_e2e_keep_log
			return 1
		fi
	done
	mv "$dir/out.dec" "$E2E_OUT"
	mv "$dir/data.dec" "$E2E_DATA"
	return 0
}

# Where a failed boot's log is kept, and what its console is called (lib-boot.sh).
_e2e_log_dir() { echo "$E2E_CACHE/logs"; }
_e2e_log_name() { echo "$CROSS_ARCH-$E2E_NAME"; }
_e2e_console_label() { echo "$CROSS_ARCH console"; }
