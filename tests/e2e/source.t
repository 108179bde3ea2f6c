#!/bin/bash
# klp-source on the kernel under test: real files rebuilt from Debian's
# linux-source tarball of the same version and proven to be the shipped code,
# function by function: files of vmlinux against the -dbg package's vmlinux
# (e2e_dbg_vmlinux finds or downloads it) and files of modules against the
# installed .ko; then two files of vmlinux against /boot/vmlinuz with the
# kallsyms dump the harness keeps (one boot, shared with the other tests).
#
# The tarball is extracted once (30-60 s) into $KLP_E2E_CACHE/source/<Debian
# version>/tree and kept, with the objects: a run after the first rebuilds
# nothing: the files below take about 5 minutes cold (2 cores), the whole test
# 15 s warm.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"

rel=$(e2e_release) || skip_all "no Debian kernel"
kdir=$(e2e_kdir)
tarball=$(e2e_source_tarball) || skip_all "$tarball"
debver=$(dpkg-query -W -f='${Version}' "linux-headers-$rel")
dbg=$(e2e_dbg_vmlinux) || skip_all "no -dbg vmlinux of $rel to verify files of vmlinux"

cache=$E2E_CACHE/source
# Varied on purpose: each line is a way kbuild builds a file, and each must
# give the shipped code. Whether a file is of vmlinux or of a module is
# klp-source's to find (fs/fuse is built in on one kernel, a module on the
# other); the counts are read from the rebuilt objects.
files="
fs/namei.c kernel/sys.c kernel/fork.c kernel/signal.c kernel/exit.c
kernel/time/timer.c kernel/module/main.c ipc/msg.c security/commoncap.c
fs/open.c fs/proc/base.c block/blk-core.c drivers/base/core.c drivers/tty/tty_io.c
mm/mmap.c mm/page_alloc.c mm/slub.c net/ipv4/tcp.c net/core/sock.c net/core/dev.c
net/ipv6/addrconf.c arch/x86/kernel/process.c fs/fuse/dev.c
kernel/sched/core.c
mm/memory.c
lib/string.c
fs/ext4/inode.c fs/nfs/inode.c fs/btrfs/inode.c drivers/md/dm.c sound/core/pcm_native.c
net/sctp/socket.c drivers/net/ethernet/intel/e1000e/netdev.c drivers/gpu/drm/drm_gem.c
fs/xfs/xfs_inode.c
fs/xfs/libxfs/xfs_bmap.c
drivers/gpu/drm/i915/gem/i915_gem_shrinker.c
net/netfilter/nf_tables_api.c
net/bridge/br_fdb.c
"
# kernel/sched/core.c: its Makefile's CFLAGS_core.o is conditional;
# mm/memory.c is listed through $(mmu-y); lib/string.c is in lib-y (lib.a);
# fs/xfs/libxfs/ and i915's gem/ have no Makefile: fs/xfs/Makefile lists them
# with $(addprefix libxfs/, ...), and i915's subdir-ccflags-y has the -I
# (and on 6.12 the -DI915) they need; nf_tables_api.c is one part of
# nf_tables.ko; br_fdb.c includes a trace header that includes
# ../../../net/bridge/br_private.h.
nfiles=$(echo $files | wc -w)
start=$(date +%s)
out=$(klp-source -k "$kdir" -s "$tarball" --cache "$cache" --verify --vmlinux "$dbg" \
	$files 2>"$T/err")
rc=$?
secs=$(($(date +%s) - start))
diag "klp-source --verify of $nfiles files: $secs s ($((secs * 10 / nfiles / 10)).$((secs * 10 / nfiles % 10)) s a file)"
diag "$(grep -v '^  ' "$T/err")"
printf '%s\n' "$out" | while IFS= read -r l; do diag "$l"; done
is "$rc" 0 "klp-source --verify: every difference explained"

# The total of each file is its rebuilt object's functions.
nfuncs() {
	readelf -sW "$1" | awk '$4 == "FUNC" && $3 != 0 && $7 != "UND"' | wc -l
}
obj() {
	klp-source -q -k "$kdir" -s "$tarball" --cache "$cache" "$1" | sed "s|^$1: ||"
}
# notes PATH: the lines under PATH's line in $out, one per difference.
notes() {
	printf '%s\n' "$out" | awk -v p="$1: " 'index($0, p) == 1 { on = 1; next }
		/^[^ ]/ { on = 0 } on'
}

rel_re=$(printf '%s' "$rel" | sed 's/[.+]/\\&/g')
# Every file: all its functions identical but those a note explains, and
# every __weak one is __weak here and overridden (global) in vmlinux.
for f in $files; do
	o=$(obj "$f")
	n=$(nfuncs "$o")
	k=$(notes "$f" | grep -c .)
	like "$out" "^$f: $((n - k))/$n functions identical( with /lib/modules/$rel_re/kernel/.*\.ko.*)?$" \
		"$f: $((n - k))/$n identical, $k explained"
	bad=$(notes "$f" | grep -v -e ': __weak, overridden by another definition$' \
		-e ': init code (' -e ': not in the target (inlined everywhere or discarded)$')
	is "$bad" "" "$f: no other kind of difference"
	for name in $(notes "$f" | sed -n 's/^ *\([^:]*\): __weak, overridden.*/\1/p'); do
		ours=$(readelf -sW "$o" | awk -v n="$name" '$8 == n { print $5 }')
		theirs=$(readelf -sW "$dbg" | awk -v n="$name" '$8 == n && $4 == "FUNC" { print $5 }' | sort -u)
		is "$ours/$theirs" "WEAK/GLOBAL" "$f: $name is __weak here, overridden in vmlinux"
	done
done
like "$out" "^verify: [0-9]+/[0-9]+ functions identical in $nfiles files, every difference explained$" \
	"the summary line"

# -v says which functions are equal only through static-branch sites
# (6.12: objtool NOPs them at the final link, the object has the jmp): each
# is one of the identical ones.
vout=$(klp-source -q -v -k "$kdir" -s "$tarball" --cache "$cache" --verify --vmlinux "$dbg" \
	fs/namei.c kernel/sys.c 2>&1)
jl=$(printf '%s\n' "$vout" | grep -c ': identical; [0-9]* static-branch sites*: jmp here, NOP in the target')
diag "-v: $jl functions of fs/namei.c and kernel/sys.c identical through static-branch sites"
is "$(printf '%s\n' "$vout" | grep -c 'unexplained')" 0 "-v adds no difference"

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
diag "cached run of $nfiles files: $(($(date +%s) - start)) s"

done_testing
