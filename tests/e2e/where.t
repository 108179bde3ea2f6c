#!/bin/bash
# klp-source --where type_show on the kernel under test: every copy of
# type_show the kernel has (read from the -dbg vmlinux's symbol table, in
# address order, which is the order kallsyms counts sympos in) must be
# attributed to the file the kernel's own DWARF names for it (the line
# table at the function's first address, through addr2line), from the
# rebuilt files of Debian's linux-source and the kallsyms dump the harness
# keeps; and from the -dbg vmlinux with the installed modules, every
# module's copy too. Then klp-symbols --where must record those files in
# the map.
#
# Needs the linux-source tarball of the kernel's version and its -dbg
# vmlinux (e2e_dbg_vmlinux finds or downloads it). The source tree and the
# objects are cached under $KLP_E2E_CACHE/source: the first run rebuilds
# about 40 files (a few minutes), later runs none.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"

rel=$(e2e_release) || skip_all "no Debian kernel"
kdir=$(e2e_kdir)
tarball=$(e2e_source_tarball) || skip_all "$tarball"
command -v addr2line > /dev/null || skip_all "no addr2line (binutils)"
dbg=$(e2e_dbg_vmlinux) || skip_all "no -dbg vmlinux of $rel"
ks=$(e2e_kallsyms) || skip_all "no kallsyms dump of $rel"
cache=$E2E_CACHE/source
name=type_show

# The kernel's own answer: each copy's address in sympos order, and its file.
readelf -sW "$dbg" | awk -v n="$name" '$8 == n && $4 == "FUNC" {print $2}' | sort > "$T/addrs"
want=$(wc -l < "$T/addrs")
[ "$want" -gt 1 ] || skip_all "$name is not ambiguous in $rel's vmlinux"
# shellcheck disable=SC2046
addr2line -e "$dbg" $(sed 's/^/0x/' "$T/addrs") | sed 's/:[0-9?]*$//' > "$T/dwarf"
is "$(wc -l < "$T/dwarf")" "$want" "DWARF names a file for each of the $want copies of $name"

start=$(date +%s)
out=$(klp-source -q -k "$kdir" -s "$tarball" --cache "$cache" --where "$name" --map "$ks" 2> "$T/err")
rc=$?
diag "klp-source --where $name: $(($(date +%s) - start)) s"
printf '%s\n' "$out" | while IFS= read -r l; do diag "$l"; done
[ -s "$T/err" ] && diag "$(cat "$T/err")"
is "$rc" 0 "--where $name: every candidate rebuilt, every copy attributed"

printf '%s\n' "$out" | grep -E "^$name,[0-9]+ " | grep -v ' \[' > "$T/vmlinux"
is "$(wc -l < "$T/vmlinux")" "$want" "... one line for each of vmlinux's $want copies"
i=0 bad=
while IFS= read -r file; do
	i=$((i + 1))
	got=$(sed -n "${i}p" "$T/vmlinux")
	case $file in
	*/"${got#* }" | "${got#* }") ;;
	*) bad="$bad
sympos $i: --where says '${got#* }', DWARF says '$file'" ;;
	esac
	[ "${got%% *}" = "$name,$i" ] || bad="$bad
line $i is '$got', not sympos $i"
done < "$T/dwarf"
if [ -z "$bad" ]; then
	pass "... each in sympos order, with the file of the kernel's DWARF"
else
	fail "... each in sympos order, with the file of the kernel's DWARF" "$bad"
fi

# From the -dbg vmlinux and the installed modules: the modules' copies too.
start=$(date +%s)
outv=$(klp-source -q -k "$kdir" -s "$tarball" --cache "$cache" --where "$name" --vmlinux "$dbg" 2> "$T/err")
rc=$?
diag "klp-source --where $name --vmlinux: $(($(date +%s) - start)) s, $(printf '%s\n' "$outv" | tail -n 1)"
printf '%s\n' "$outv" | grep -E "^$name,[0-9]+ .* \[" | while IFS= read -r l; do diag "$l"; done
is "$rc" 0 "--where $name --vmlinux: every copy attributed, the modules' too"
is "$(printf '%s\n' "$outv" | grep -E "^$name,[0-9]+ " | grep -v ' \[')" "$(cat "$T/vmlinux")" \
	"... vmlinux's copies as from kallsyms"

# The map records the same files, and the candidate lines show them.
start=$(date +%s)
klp-symbols -q -o "$T/map" --kallsyms "$ks" --where "$name" -k "$kdir" -s "$tarball" \
	--cache "$cache" 2> "$T/err"
rc=$?
diag "klp-symbols --where $name: $(($(date +%s) - start)) s"
is "$rc" 0 "klp-symbols --where $name writes the map"
copies=$(printf '%s\n' "$out" | grep -cE "^$name,[0-9]+ [^?]")
is "$(grep -A1 " $name\$" "$T/map" | grep -c '^#:file ')" "$copies" "... with a file for each of the $copies attributed copies"
found=$(klp-symbols --map "$T/map" --find "$name" | grep '^vmlinux ')
first=$(head -n 1 "$T/vmlinux")
like "$found" "KLP_SYMPOS\($name, 1\),  /\* ${first#* }, in KLP_MODULE_RELOC\(vmlinux\) \*/" \
	"... and --find shows the first copy's file"

done_testing
