#!/bin/bash
# The harness's Debian-module loading (E2E_DEBIAN_MODULES): a module of the
# kernel under test and what it depends on go into the initramfs with a
# modules.dep, and "modprobe NAME" loads them in the guest. Kernels that
# install compressed modules (6.12: .ko.xz) get them decompressed by the
# harness: busybox would hand the compressed file to the kernel first, which
# logs "Invalid ELF header magic: != ELF" for each.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"

rel=$(e2e_release)
mdir=/lib/modules/$rel

# A filesystem module with dependencies, from this kernel's modules.dep:
# registering a filesystem needs no hardware. The fewest dependencies, then
# the first path in C order.
line=$(grep -E '^kernel/fs/[^:]*: +[^ ]' "$mdir/modules.dep" |
	awk -F: '{ print split($2, d, " "), $0 }' | LC_ALL=C sort -k1,1n -k2,2 | head -n 1 | cut -d' ' -f2-)
[ -n "$line" ] || { fail "$mdir/modules.dep has a filesystem module with dependencies"; done_testing; }
path=${line%%:*}
mods=()
for p in "$path" ${line#*:}; do
	p=${p##*/}
	mods+=("${p%%.ko*}")
done
name=${mods[0]}
case $path in
*.ko) how="uncompressed" ;;
*) how="compressed, .${path##*.ko.}" ;;
esac
pass "picked from modules.dep: $name ($how), which needs ${mods[*]:1}"

cat > "$T/guest.sh" <<SH
modprobe $name && echo "modprobe: ok"
echo "modules: \$(cut -d' ' -f1 /proc/modules | sort | tr '\n' ' ')"
for f in \$(find /lib/modules -name '*.ko*'); do
	echo "file: \${f##*/} \$(head -c 4 "\$f" | od -An -c | tr -d ' ')"
done
dmesg | grep -E 'Invalid ELF header|module'
true
SH
E2E_DEBIAN_MODULES=$name e2e_boot debian-modules "$T/guest.sh"
e2e_boot_ok "boot with $name and its dependencies in the initramfs"
out=$(cat "$E2E_OUT")
diag "guest output:" "$out"
like "$out" '^modprobe: ok$' "modprobe $name succeeded"
loaded=$(sed -n 's/^modules: //p' "$E2E_OUT")
for m in "${mods[@]}"; do
	like " $loaded" " ${m//-/_} " "/proc/modules lists ${m//-/_}"
done
files=$(grep -c '^file: ' "$E2E_OUT")
is "$files" "${#mods[@]}" "the initramfs holds the ${#mods[@]} modules"
is "$(grep '^file: ' "$E2E_OUT" | grep -vc '^file: [^ ]*\.ko 177ELF$')" 0 \
	"each one is an uncompressed .ko (ELF magic)"
unlike "$out$(cat "$E2E_CONSOLE")" 'Invalid ELF header magic' "the kernel logged no 'Invalid ELF header magic'"
e2e_diag_on_fail

done_testing
