# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Real-kernel harness: boots the installed Debian kernel under qemu (TCG) with a
# busybox initramfs holding our modules and a shell script, and hands back what
# the script printed. Source it after tests/lib.sh.
#
#   e2e_release                 the kernel under test: KLP_E2E_RELEASE (set by
#                               tests/e2e/matrix for each installed kernel),
#                               else linux-image-amd64's (kernel_release)
#   e2e_kdir                    its Kbuild tree (/lib/modules/<rel>/build)
#   e2e_kallsyms                path of a cached /proc/kallsyms dump of that kernel
#   e2e_map                     path of the symbol map built from that dump
#   e2e_boot NAME SCRIPT [KO...]
#                               boot once; the modules are in /m/ ($M in
#                               the guest), SCRIPT runs as root under busybox
#                               sh, with klp_wait PATCH defined. Sets E2E_OUT (file: the script's
#                               stdout+stderr), E2E_CONSOLE (file: serial console),
#                               E2E_DATA (file: what the script wrote to $DATA),
#                               E2E_RC (script exit status, "none" if it never
#                               ended), E2E_SECONDS. Returns 0 when the
#                               boot reached the end of the script, else 1.
#   e2e_run NAME SCRIPT [KO...] e2e_boot, then print the script's output
#                               (for $(...)); 1 if the boot failed
#   e2e_boot_ok DESC            TAP assertion on the last e2e_boot
#   e2e_diag_console [N]        print the last N lines of the last boot's
#                               console and output as TAP diagnostics
#   e2e_diag_on_fail            the same, only if a check failed since the boot
#   e2e_sample NAME             scratch copy of samples/NAME
#   e2e_patch_setup             klp-build's patch mode on the kernel under test:
#                               sets rel, kdir, tarball, ks, cache, KB and tree
#                               (klp-source's extracted tree), or skip_all
#   e2e_klp_build LOG ARGS...   scripts/klp-build -k <Debian kdir> ARGS
#   e2e_make LOG DIR            plain Kbuild build of DIR
#   e2e_target_ko               build klp_tgt, set TARGET_KO (TAP assertion)
#   e2e_map_modules OUT KO...   map of the Debian kernel plus these modules
#   e2e_pick_homonym MAP        "NAME COUNT": a vmlinux function with namesakes
#   e2e_pick_clone MAP          "NAME COUNT CLONE CLONE_COUNT": a function with
#                               one kind of gcc clone, NAME.constprop.N
#   e2e_exported MAP NAME       true if vmlinux exports NAME (map flag x)
#   e2e_unique MAP NAME         true if vmlinux has NAME exactly once
#
# Every TAP description starts with "<release>: " (TAP_PREFIX), and every
# fact a test relies on about the kernel (a name, a count, an address) is
# read from that kernel's map or kallsyms, never written in the test.
#
# Environment: KLP_E2E_CACHE (default /var/tmp/klp-e2e), KLP_E2E_RELEASE (force a
# release), KLP_E2E_TIMEOUT (seconds per boot, default 180), KLP_E2E_QEMU.
# E2E_DEBIAN_MODULES="ext4 ...": Debian modules (and their dependencies) to
# put in the next initramfs, for "modprobe NAME" in the guest script.
#
# Never the host's running kernel, never KVM: the kernel under test is the one
# Debian installed, emulated by TCG so the result does not depend on the host.

# shellcheck source=lib-boot.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-boot.sh"

E2E_CACHE=${KLP_E2E_CACHE:-/var/tmp/klp-e2e}
E2E_TIMEOUT=${KLP_E2E_TIMEOUT:-180}
E2E_QEMU=${KLP_E2E_QEMU:-qemu-system-x86_64}
E2E_OUT=
E2E_CONSOLE=
E2E_DATA=
E2E_RC=
E2E_NAME=
E2E_SECONDS=

# Looked up once per test file (dpkg-query is slow beside the many callers).
_e2e_rel=
e2e_release() {
	[ -n "$_e2e_rel" ] || _e2e_rel=$(kernel_release --image) || {
		_e2e_rel=
		echo "e2e: no Debian kernel: install linux-image-amd64 linux-headers-amd64" >&2
		return 1
	}
	# A forced release must be one the harness can boot and build against.
	if [ ! -f "/boot/vmlinuz-$_e2e_rel" ] || [ ! -d "/lib/modules/$_e2e_rel/build" ]; then
		echo "e2e: kernel $_e2e_rel lacks /boot/vmlinuz-$_e2e_rel or /lib/modules/$_e2e_rel/build" >&2
		return 1
	fi
	echo "$_e2e_rel"
}

e2e_kdir() {
	local rel
	rel=$(e2e_release) || return 1
	echo "/lib/modules/$rel/build"
}

_e2e_cachedir() {
	local rel
	rel=$(e2e_release) || return 1
	mkdir -p "$E2E_CACHE/$rel" || return 1
	echo "$E2E_CACHE/$rel"
}

# Checks that would otherwise surface as a confusing boot timeout.
_e2e_prereq() {
	local rel
	rel=$(e2e_release) || return 1
	[ -r "/boot/vmlinuz-$rel" ] || { echo "e2e: /boot/vmlinuz-$rel not readable" >&2; return 1; }
	command -v "$E2E_QEMU" > /dev/null || { echo "e2e: $E2E_QEMU not found (qemu-system-x86)" >&2; return 1; }
	[ -x /bin/busybox ] || { echo "e2e: /bin/busybox missing (busybox-static)" >&2; return 1; }
	command -v cpio > /dev/null || { echo "e2e: cpio missing" >&2; return 1; }
	# The initramfs has no libc: ldd fails on a static binary.
	if ldd /bin/busybox > /dev/null 2>&1; then
		echo "e2e: /bin/busybox is dynamic; install busybox-static" >&2
		return 1
	fi
}

# The init keeps the script's output off the console: kernel messages would
# interleave with it. ttyS1 carries the output, ttyS2 bulk data ($DATA).
_e2e_init() {
	cat <<'EOF'
#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
echo 0 > /proc/sys/kernel/kptr_restrict
stty -F /dev/ttyS1 raw -echo 2>/dev/null
stty -F /dev/ttyS2 raw -echo 2>/dev/null
export M=/m DATA=/dev/ttyS2 PATH=/bin
echo "e2e: script begin"
cd /
sh /script > /dev/ttyS1 2>&1 < /dev/null
rc=$?
sync
echo "e2e: script end rc=$rc"
echo "E2E-RC=$rc" > /dev/ttyS1
reboot -f
EOF
}

# Debian modules named in E2E_DEBIAN_MODULES go in with what they depend on
# and a modules.dep restricted to them, so "modprobe NAME" works in the
# guest. The tests themselves need none: the 8250 UART, proc, sysfs, devtmpfs
# and the livepatch core are built into Debian's kernel.
#
# Compressed modules (6.12 installs .ko.xz) are decompressed here: busybox's
# modprobe hands the kernel the file as it is first, and the kernel logs
# "Invalid ELF header magic: != ELF" before busybox retries uncompressed.
_e2e_unpack_module() {	# SRC DST-WITHOUT-COMPRESSION-SUFFIX
	case $1 in
	*.ko.xz) xz -dc "$1" > "$2" ;;
	*.ko.zst) zstd -q -dc "$1" > "$2" ;;
	*.ko.gz) gzip -dc "$1" > "$2" ;;
	*) cp "$1" "$2" ;;
	esac
}

_e2e_debian_modules() {
	local root=$1 rel mdir name path todo=() seen=" " dep
	[ -n "${E2E_DEBIAN_MODULES:-}" ] || return 0
	rel=$(e2e_release) || return 1
	mdir=/lib/modules/$rel
	for name in $E2E_DEBIAN_MODULES; do
		path=$(modinfo -k "$rel" -F filename "$name" 2>/dev/null) ||
			{ echo "e2e: no Debian module $name in $mdir" >&2; return 1; }
		todo+=("${path#"$mdir"/}")
	done
	while [ ${#todo[@]} -gt 0 ]; do
		path=${todo[0]}
		todo=("${todo[@]:1}")
		case $seen in *" $path "*) continue ;; esac
		seen="$seen$path "
		mkdir -p "$root$mdir/$(dirname "$path")" || return 1
		_e2e_unpack_module "$mdir/$path" "$root$mdir/${path%.ko*}.ko" || return 1
		# modules.dep lists the dependencies space-separated on one line
		# shellcheck disable=SC2013
		for dep in $(sed -n "s|^$path: *||p" "$mdir/modules.dep"); do
			todo+=("$dep")
		done
	done
	for path in $seen; do
		grep "^$path:" "$mdir/modules.dep"
	done | sed -E 's/\.ko\.(xz|zst|gz)( |:|$)/.ko\2/g' > "$root$mdir/modules.dep"
}

# e2e_initramfs OUT SCRIPT [KO...]
e2e_initramfs() {
	local out=$1 script=$2 root ko
	shift 2
	root=$(mktemp -d "$T/initramfs.XXXXXX") || return 1
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/m" || return 1
	cp /bin/busybox "$root/bin/busybox" || return 1
	ln -s busybox "$root/bin/sh"
	_e2e_init > "$root/init"
	chmod 755 "$root/init"
	{ _e2e_guest_lib; cat "$script"; } > "$root/script" || return 1
	for ko in "$@"; do
		cp "$ko" "$root/m/" || return 1
	done
	_e2e_debian_modules "$root" || return 1
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out" || return 1
	rm -rf "$root"
}

# e2e_boot NAME SCRIPT [KO...]
e2e_boot() {
	local name=$1 script=$2 dir rel start rc
	shift 2
	dir="$T/boot-$name"
	_e2e_boot_start "$name" "$dir"
	if ! _e2e_prereq > "$E2E_CONSOLE" 2>&1; then
		E2E_RC=none
		return 1
	fi
	rel=$(e2e_release)
	if ! e2e_initramfs "$dir/initramfs.cpio" "$script" "$@" >> "$E2E_CONSOLE" 2>&1; then
		echo "e2e: building the initramfs failed" >> "$E2E_CONSOLE"
		E2E_RC=none
		return 1
	fi
	: > "$E2E_CONSOLE.raw"
	: > "$dir/out.raw"
	: > "$dir/data.raw"
	start=$(date +%s.%N)
	# oops=panic + panic=-1 + -no-reboot: a crash ends the run at once
	# instead of waiting for the timeout.
	timeout --kill-after=5 "$E2E_TIMEOUT" "$E2E_QEMU" \
		-accel tcg -m 1G -nographic -no-reboot -monitor none \
		-kernel "/boot/vmlinuz-$rel" -initrd "$dir/initramfs.cpio" \
		-append "console=ttyS0 rdinit=/init panic=-1 oops=panic loglevel=7" \
		-serial "file:$E2E_CONSOLE.raw" -serial "file:$dir/out.raw" \
		-serial "file:$dir/data.raw" < /dev/null > "$dir/qemu.stdout" 2>&1
	rc=$?
	E2E_SECONDS=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
	tr -d '\r' < "$E2E_CONSOLE.raw" >> "$E2E_CONSOLE" 2>/dev/null
	cat "$dir/qemu.stdout" >> "$E2E_CONSOLE"
	[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] &&
		echo "e2e: qemu killed after ${E2E_TIMEOUT}s (timeout)" >> "$E2E_CONSOLE"
	tr -d '\r' < "$dir/out.raw" > "$dir/out.all" 2>/dev/null
	cp "$dir/data.raw" "$E2E_DATA" 2>/dev/null
	E2E_RC=$(sed -n 's/^E2E-RC=\([0-9]*\)$/\1/p' "$dir/out.all" | tail -n 1)
	grep -v '^E2E-RC=' "$dir/out.all" > "$E2E_OUT"
	if [ -z "$E2E_RC" ]; then
		echo "e2e: $E2E_QEMU exited with status $rc before the script ended" >> "$E2E_CONSOLE"
		E2E_RC=none
		_e2e_keep_log
		return 1
	fi
	return 0
}

# Where a failed boot's log is kept, and what its console is called (lib-boot.sh).
_e2e_log_dir() { echo "$E2E_CACHE/$(e2e_release)/logs"; }
_e2e_log_name() { echo "$E2E_NAME"; }
_e2e_console_label() { echo "serial console"; }

# A rebuilt package may keep its release string: the dump belongs to one
# vmlinuz file, not to a release.
_e2e_kernel_id() {
	local rel
	rel=$(e2e_release) || return 1
	stat -L -c '%s %Y' "/boot/vmlinuz-$rel"
}

# Each boot is slow, so the dump is taken once per kernel. Reading it
# as root with kptr_restrict=0 gives real addresses.
e2e_kallsyms() {
	local dir s id
	dir=$(_e2e_cachedir) || return 1
	id=$(_e2e_kernel_id) || return 1
	if [ -s "$dir/kallsyms" ] && [ "$(cat "$dir/kallsyms.id" 2>/dev/null)" = "$id" ]; then
		echo "$dir/kallsyms"
		return 0
	fi
	# gzip: the emulated UART moves about 200 KB/s, the dump is 4 MB.
	s="$T/kallsyms.sh"
	cat > "$s" <<'EOF'
gzip -1 -c /proc/kallsyms > $DATA
echo "lines $(wc -l < /proc/kallsyms)"
EOF
	if ! e2e_boot kallsyms "$s" > /dev/null || [ "$E2E_RC" != 0 ]; then
		echo "e2e: could not dump /proc/kallsyms" >&2
		e2e_diag_console >&2
		return 1
	fi
	# Checked against the guest's own line count: a short dump would give a
	# map that silently lacks symbols. The .tmp.PID name lets two tests race.
	local want tmp="$dir/kallsyms.tmp.$$"
	want=$(sed -n 's/^lines //p' "$E2E_OUT")
	gzip -dc < "$E2E_DATA" > "$tmp" 2>/dev/null
	if [ -z "$want" ] || [ "$(wc -l < "$tmp")" -ne "$want" ] ||
	   ! grep -Eq '^ffffffff[0-9a-f]{8} [tT] cmdline_proc_show$' "$tmp"; then
		echo "e2e: kallsyms dump truncated or without addresses" >&2
		rm -f "$tmp"
		return 1
	fi
	mv "$tmp" "$dir/kallsyms" || return 1
	echo "$id" > "$dir/kallsyms.id"
	echo "$dir/kallsyms"
}

# e2e_cmdline_guest FILE: the guest script for a livepatch-cmdline.ko in
# /m: /proc/cmdline before, patched and disabled (lines "before: ",
# "patched: ", "disabled: "), then unloaded and the kernel's messages.
e2e_cmdline_guest() {
	cat > "$1" <<'SH'
echo "before: $(cat /proc/cmdline)"
insmod /m/livepatch-cmdline.ko && echo "insmod: ok"
klp_wait livepatch_cmdline
echo "patched: $(cat /proc/cmdline)"
echo 0 > /sys/kernel/livepatch/livepatch_cmdline/enabled
klp_wait livepatch_cmdline
echo "disabled: $(cat /proc/cmdline)"
rmmod livepatch_cmdline && echo "rmmod: ok"
dmesg | grep -E 'livepatch|Unknown symbol|klp'
SH
}

# The linux-source tarball of exactly the kernel under test's Debian version
# (the headers package's), or nothing: klp-source refuses any other.
e2e_source_tarball() {
	local rel debver f pkg
	rel=$(e2e_release) || return 1
	debver=$(dpkg-query -W -f='${Version}' "linux-headers-$rel" 2>/dev/null)
	for f in /usr/src/linux-source-*.tar.xz; do
		[ -f "$f" ] || continue
		pkg=$(dpkg-query -S "$f" 2>/dev/null | cut -d: -f1)
		if [ -n "$pkg" ] && [ "$(dpkg-query -W -f='${Version}' "$pkg")" = "$debver" ]; then
			echo "$f"
			return 0
		fi
	done
	echo "no linux-source tarball of version $debver (scripts/install-deps installs it)"
	return 1
}

e2e_patch_setup() {
	local obj
	rel=$(e2e_release) || skip_all "no Debian kernel"
	kdir=$(e2e_kdir)
	tarball=$(e2e_source_tarball) || skip_all "$tarball"
	ks=$(e2e_kallsyms) || skip_all "no kallsyms dump of $rel"
	cache=$E2E_CACHE/source
	KB=$TOP/scripts/klp-build
	# The tree klp-source extracts (once), found through the object it keeps for a file.
	obj=$(klp-source -q -k "$kdir" -s "$tarball" --cache "$cache" fs/proc/cmdline.c) ||
		skip_all "klp-source cannot rebuild fs/proc/cmdline.c"
	obj=${obj#fs/proc/cmdline.c: }
	tree=${obj%%/obj/*}/tree
	[ -f "$tree/fs/proc/cmdline.c" ] || skip_all "no extracted tree at $tree"
}

# The -dbg package's vmlinux of the kernel under test (with .symtab and
# DWARF): KLP_E2E_DBG_VMLINUX, an installed one, one extracted by hand under
# /var/tmp/dbg*/, or else downloaded once (apt-get download, about 1 GB) and
# only boot/vmlinux-REL taken out of it, kept in the cache. Nothing printed
# on stdout but the path; fails when the archive has no such package.
e2e_dbg_vmlinux() {
	local rel dir f tmp
	rel=$(e2e_release) || return 1
	for f in ${KLP_E2E_DBG_VMLINUX:-} "/usr/lib/debug/boot/vmlinux-$rel" \
		/var/tmp/dbg*/usr/lib/debug/boot/"vmlinux-$rel"; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	dir=$(_e2e_cachedir) || return 1
	[ -s "$dir/vmlinux-dbg" ] && { echo "$dir/vmlinux-dbg"; return 0; }
	tmp=$(mktemp -d "$dir/dbg.XXXXXX") || return 1
	# --occurrence: tar stops at vmlinux instead of reading the whole 1 GB.
	if (cd "$tmp" && apt-get download -q "linux-image-$rel-dbg" > download.log 2>&1) &&
	   dpkg-deb --fsys-tarfile "$tmp"/*.deb 2> /dev/null |
	   tar -x --occurrence=1 -O "./usr/lib/debug/boot/vmlinux-$rel" > "$tmp/vmlinux" 2> /dev/null;
	   [ -s "$tmp/vmlinux" ] && mv "$tmp/vmlinux" "$dir/vmlinux-dbg"; then
		rm -rf "$tmp"
		echo "$dir/vmlinux-dbg"
		return 0
	fi
	echo "e2e: no linux-image-$rel-dbg vmlinux: $(tail -1 "$tmp/download.log" 2>/dev/null)" >&2
	rm -rf "$tmp"
	return 1
}

# e2e_map_modules OUT KO...: the map of the Debian kernel plus our own target
# modules (their symbols come from the .ko files).
e2e_map_modules() {
	local out=$1 ks ko args=()
	shift
	ks=$(e2e_kallsyms) || return 1
	for ko in "$@"; do
		args+=(--module "$ko")
	done
	klp-symbols -o "$out" --kallsyms "$ks" "${args[@]}"
}

# e2e_sample NAME: a scratch copy of samples/NAME (builds leave the tree
# clean); echoes its path.
e2e_sample() {
	local dst="$T/samples/$1"
	mkdir -p "$(dirname "$dst")" || return 1
	rm -rf "$dst"
	cp -r "$TOP/samples/$1" "$dst" || return 1
	echo "$dst"
}

# e2e_klp_build LOG [klp-build args...]: klp-build against the Debian kernel.
e2e_klp_build() {
	local log=$1 kdir
	shift
	kdir=$(e2e_kdir) || return 1
	"$TOP/scripts/klp-build" -k "$kdir" "$@" > "$log" 2>&1
}

# e2e_make LOG DIR: plain Kbuild build (target modules).
e2e_make() {
	local kdir
	kdir=$(e2e_kdir) || return 1
	make -C "$kdir" M="$2" modules > "$1" 2>&1
}

# e2e_target_ko: build klp_tgt (samples/livepatch-module/target) and set
# TARGET_KO to it; a TAP assertion, and the end of the test if it fails.
e2e_target_ko() {
	local src
	src=$(e2e_sample livepatch-module/target)
	TARGET_KO=$src/klp_tgt.ko
	if e2e_make "$T/target.log" "$src" && [ -f "$TARGET_KO" ]; then
		pass "target module klp_tgt builds"
	else
		fail "target module klp_tgt builds" "$(cat "$T/target.log")"
		done_testing
	fi
}

e2e_map() {
	local dir ks tool
	dir=$(_e2e_cachedir) || return 1
	ks=$(e2e_kallsyms) || return 1
	tool=$(command -v klp-symbols) || { echo "e2e: klp-symbols not built" >&2; return 1; }
	# A rebuilt klp-symbols may write a different map: redo it.
	if [ -s "$dir/kernel.map" ] && [ "$dir/kernel.map" -nt "$ks" ] &&
	   [ "$dir/kernel.map" -nt "$tool" ]; then
		echo "$dir/kernel.map"
		return 0
	fi
	if ! klp-symbols -o "$dir/kernel.map.tmp.$$" --kallsyms "$ks" >&2; then
		rm -f "$dir/kernel.map.tmp.$$"
		return 1
	fi
	mv "$dir/kernel.map.tmp.$$" "$dir/kernel.map" || return 1
	echo "$dir/kernel.map"
}


# e2e_pick_clone MAP: "NAME COUNT CLONE CLONE_COUNT": a vmlinux function
# (COUNT symbols of that name) whose only compiler-made relative is CLONE,
# NAME.constprop.N (CLONE_COUNT symbols): what klp-check must warn about.
# The one with the most clone copies, then the first name in C order.
e2e_pick_clone() {
	awk '
	/^object / { o = $2; next }
	o != "vmlinux" || ($2 != "t" && $2 != "T") || $3 ~ /^__(pfx|cfi)_/ { next }
	$3 ~ /\./ {
		b = $3
		sub(/\..*/, "", b)
		if (!((b, $3) in seen)) { seen[b, $3]; kinds[b]++; clone[b] = $3 }
		ncl[$3]++
		next
	}
	$3 ~ /^[A-Za-z_][A-Za-z0-9_]*$/ { base[$3]++ }
	END {
		for (b in kinds)
			if (kinds[b] == 1 && (b in base) && clone[b] ~ /\.constprop\.[0-9]+$/)
				print b, base[b], clone[b], ncl[clone[b]]
	}' "$1" | LC_ALL=C sort -k4,4nr -k1,1 | head -n 1 | grep .
}

# e2e_exported MAP NAME: vmlinux exports NAME (the map's x flag).
e2e_exported() {
	awk -v n="$2" '/^object /{ o = $2; next } o == "vmlinux" && $3 == n && $4 ~ /x/ { f = 1 } END { exit !f }' "$1"
}

# e2e_unique MAP NAME: vmlinux has exactly one symbol NAME (so the map alone
# resolves it, sympos 0).
e2e_unique() {
	[ "$(awk -v n="$2" '/^object /{ o = $2; next } o == "vmlinux" && $3 == n' "$1" | wc -l)" -eq 1 ]
}

# A host without qemu or a Debian kernel cannot run these tests at all: skip
# the file with the reason (CI installs both: scripts/install-deps).
if [ "${0##*/}" != demo.sh ]; then
	command -v "$E2E_QEMU" > /dev/null ||
		skip_all "$E2E_QEMU not installed (apt-get install qemu-system-x86)"
	if [ -n "${KLP_E2E_RELEASE:-}" ]; then
		e2e_release > /dev/null 2>&1 ||
			skip_all "KLP_E2E_RELEASE=$KLP_E2E_RELEASE: no /boot/vmlinuz-$KLP_E2E_RELEASE or /lib/modules/$KLP_E2E_RELEASE/build"
	else
		e2e_release > /dev/null 2>&1 ||
			skip_all "no Debian kernel with a build tree (apt-get install linux-image-amd64 linux-headers-amd64)"
	fi
	# Each description names the kernel: the matrix runs every file once
	# per release.
	# shellcheck disable=SC2034 # read by pass/fail in tests/lib.sh
	TAP_PREFIX="$(e2e_release): "
fi
