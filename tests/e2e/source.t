#!/bin/bash
# klp-source on the kernel under test: real files rebuilt from Debian's
# linux-source tarball of the same version and proven to be the shipped code,
# function by function. Two files of vmlinux (fs/namei.c, kernel/sys.c)
# against the -dbg package's vmlinux when it is there, and against
# /boot/vmlinuz with the kallsyms dump the harness keeps (one boot, shared
# with the other tests), and one file of a module (fs/ext4/inode.c) against
# the installed ext4.ko.
#
# The tarball is extracted once (30-60 s) into $KLP_E2E_CACHE/source/<Debian
# version>/tree and kept, with the objects: a run after the first rebuilds
# nothing. A -dbg vmlinux is looked for at KLP_E2E_DBG_VMLINUX, then
# /usr/lib/debug/boot/vmlinux-<rel> and /var/tmp/dbg*/usr/lib/debug/boot/
# (apt-get download linux-image-<rel>-dbg, then dpkg-deb --fsys-tarfile X.deb |
# tar -x --wildcards '*/boot/vmlinux-*').
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"

rel=$(e2e_release) || skip_all "no Debian kernel"
kdir=$(e2e_kdir)
debver=$(dpkg-query -W -f='${Version}' "linux-headers-$rel" 2>/dev/null)
tarball=
for f in /usr/src/linux-source-*.tar.xz; do
	[ -f "$f" ] || continue
	pkg=$(dpkg-query -S "$f" 2>/dev/null | cut -d: -f1)
	[ -n "$pkg" ] && [ "$(dpkg-query -W -f='${Version}' "$pkg")" = "$debver" ] && tarball=$f
done
[ -n "$tarball" ] || skip_all "no linux-source tarball of version $debver (apt-get install linux-source)"
ext4=$(grep -o '^kernel/fs/ext4/ext4.ko[^:]*' "/lib/modules/$rel/modules.dep")
[ -n "$ext4" ] || skip_all "no ext4 module in /lib/modules/$rel/modules.dep"

dbg=
for f in ${KLP_E2E_DBG_VMLINUX:-} "/usr/lib/debug/boot/vmlinux-$rel" \
	/var/tmp/dbg*/usr/lib/debug/boot/"vmlinux-$rel"; do
	[ -f "$f" ] && { dbg=$f; break; }
done

cache=$E2E_CACHE/source
files="fs/ext4/inode.c"
# kernel/sched/core.c: its Makefile's CFLAGS_core.o is conditional;
# mm/memory.c is listed through $(mmu-y).
[ -n "$dbg" ] && files="fs/namei.c kernel/sys.c kernel/sched/core.c mm/memory.c $files"
start=$(date +%s)
out=$(klp-source -k "$kdir" -s "$tarball" --cache "$cache" --verify ${dbg:+--vmlinux "$dbg"} \
	$files 2>"$T/err")
rc=$?
diag "klp-source --verify $files: $(($(date +%s) - start)) s"
diag "$(cat "$T/err")"
printf '%s\n' "$out" | while IFS= read -r l; do diag "$l"; done
is "$rc" 0 "klp-source --verify: every difference explained"

# The total of each file is its rebuilt object's functions.
nfuncs() {
	readelf -sW "$1" | awk '$4 == "FUNC" && $3 != 0 && $7 != "UND"' | wc -l
}
obj() {
	klp-source -q -k "$kdir" -s "$tarball" --cache "$cache" "$1" | sed "s|^$1: ||"
}

if [ -n "$dbg" ]; then
	n=$(nfuncs "$(obj fs/namei.c)")
	like "$out" "^fs/namei.c: $n/$n functions identical$" \
		"fs/namei.c: all $n functions are the -dbg vmlinux's"

	for f in kernel/sched/core.c mm/memory.c; do
		n=$(nfuncs "$(obj $f)")
		like "$out" "^$f: $n/$n functions identical$" "$f: all $n functions are the -dbg vmlinux's"
	done

	o=$(obj kernel/sys.c)
	n=$(nfuncs "$o")
	notes=$(printf '%s\n' "$out" | sed -n '/^kernel\/sys.c:/,/^[^ ]/p' | grep '^    ')
	weak=$(printf '%s\n' "$notes" | grep -c ': __weak, overridden by another definition$')
	is "$(printf '%s\n' "$notes" | grep -vc ': __weak, overridden' )" 0 \
		"kernel/sys.c: every difference is a __weak function"
	like "$out" "^kernel/sys.c: $((n - weak))/$n functions identical$" \
		"kernel/sys.c: $((n - weak))/$n identical, the $weak others __weak"
	for name in $(printf '%s\n' "$notes" | sed 's/^ *\([^:]*\):.*/\1/'); do
		ours=$(readelf -sW "$o" | awk -v n="$name" '$8 == n { print $5 }')
		theirs=$(readelf -sW "$dbg" | awk -v n="$name" '$8 == n && $4 == "FUNC" { print $5 }' | sort -u)
		is "$ours/$theirs" "WEAK/GLOBAL" "kernel/sys.c: $name is __weak here, overridden in vmlinux"
	done
else
	pass "# SKIP no -dbg vmlinux of $rel for fs/namei.c and kernel/sys.c"
fi

n=$(nfuncs "$(obj fs/ext4/inode.c)")
like "$out" "^fs/ext4/inode.c: $n/$n functions identical with /lib/modules/$rel/$ext4$" \
	"fs/ext4/inode.c: all $n functions are the installed ext4.ko's"
like "$out" "^verify: [0-9]+/[0-9]+ functions identical in $(echo $files | wc -w) files, every difference explained$" \
	"the summary line"

# Without the -dbg vmlinux: the code of /boot/vmlinuz, located by the
# booted kernel's kallsyms (KASLR: relative to _text).
ksyms=$(e2e_kallsyms)
if [ -n "$ksyms" ]; then
	start=$(date +%s)
	out=$(klp-source -q -k "$kdir" -s "$tarball" --cache "$cache" --verify \
		--image "/boot/vmlinuz-$rel" --map "$ksyms" fs/namei.c kernel/sys.c 2>&1)
	rc=$?
	diag "--image: $(($(date +%s) - start)) s"
	printf '%s\n' "$out" | while IFS= read -r l; do diag "$l"; done
	is "$rc" 0 "--image /boot/vmlinuz-$rel --map kallsyms: every difference explained"
	n=$(nfuncs "$(obj fs/namei.c)")
	like "$out" "^fs/namei.c: $n/$n functions identical$" \
		"--image: fs/namei.c: all $n functions are the image's"
	n=$(nfuncs "$(obj kernel/sys.c)")
	weak=$(printf '%s\n' "$out" | grep -c ': __weak, overridden by another definition$')
	like "$out" "^kernel/sys.c: $((n - weak))/$n functions identical$" \
		"--image: kernel/sys.c: $((n - weak))/$n identical, the $weak others __weak"
	is "$(printf '%s\n' "$out" | grep '^    ' | grep -vc ': __weak, overridden')" 0 \
		"--image: no other difference"
	printf 'not a kernel' > "$T/junk"
	out=$(klp-source -q -k "$kdir" -s "$tarball" --cache "$cache" --verify \
		--image "$T/junk" --map "$ksyms" fs/namei.c 2>&1)
	like "$?:$out" "^1:.*junk: not an x86 bzImage" "--image refuses a file that is not a bzImage"
	out=$(klp-source -q -k "$kdir" -s "$tarball" --cache "$cache" --verify \
		--image "/boot/vmlinuz-$rel" --map "$T/junk" fs/namei.c 2>&1)
	like "$?:$out" "^1:.*junk: no function symbols of vmlinux" "--map refuses a file with no symbols"
	out=$(klp-source -q -k "$kdir" -s "$tarball" --cache "$cache" --verify \
		--vmlinux "$T/junk" fs/namei.c 2>&1)
	like "$?:$out" "^1:.*junk: not an ELF file" "--vmlinux refuses a file that is not ELF"
	elf=$(ls "$cache/$debver/image/vmlinuz-$rel.elf" 2>/dev/null)
	out=$(klp-source -q -k "$kdir" -s "$tarball" --cache "$cache" --verify \
		--vmlinux "$elf" fs/namei.c 2>&1)
	like "$?:$out" "^1:.*no function symbols \(.symtab\): use the -dbg package's vmlinux" \
		"--vmlinux refuses a stripped vmlinux (the image's) and says which one to use"
	out=$(klp-source -q -k "$kdir" -s "$tarball" --cache "$cache" --verify \
		fs/namei.c 2>&1)
	like "$?:$out" "^1:.*fs/namei.c: a file of vmlinux: --verify needs --vmlinux FILE" \
		"--verify of a file of vmlinux without a vmlinux is refused"
else
	fail "a kallsyms dump of $rel for --image"
fi

start=$(date +%s)
klp-source -k "$kdir" -s "$tarball" --cache "$cache" $files > /dev/null 2> "$T/err2"
unlike "$(cat "$T/err2")" "  (EXTRACT|CC) " "a second run extracts and compiles nothing (cached)"
diag "cached run: $(($(date +%s) - start)) s"

done_testing
