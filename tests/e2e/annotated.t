#!/bin/bash
# Use-cases 2 and 3: a name that exists many times in vmlinux, picked from
# the map of the kernel under test (the one with the most namesakes) and
# passed to samples/livepatch-annotated at build time (KLP_AMBIG, KLP_AMBIG_POS).
#  2: with KLP_SYMPOS(name, pos) the kernel resolves that one: the address
#     the patched /proc/version prints equals the pos-th of the name in the
#     same boot's /proc/kallsyms. The same module references vmlinux from
#     .text, a .data table and .rodata.
#  3: without the annotation klp-build fails, lists the candidates and leaves
#     no .ko behind.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"

map=$(e2e_map) || { fail "symbol map of the Debian kernel"; done_testing; }
ks=$(e2e_kallsyms)
read -r name count < <(e2e_pick_homonym "$map")
# The 3rd (the last if there are fewer): neither the first nor, mostly, the
# last, so an off-by-one in the counting shows.
pos=3
[ "${count:-0}" -ge "$pos" ] || pos=${count:-0}
if [ -n "${name:-}" ] && [ "$pos" -ge 2 ] &&
   [ "$(awk -v n="$name" 'NF == 3 && $3 == n' "$ks" | wc -l)" -eq "$count" ]; then
	pass "picked from the map: $name, $count local functions of that name; the sample resolves #$pos"
else
	fail "the map has a function name defined several times, as often as in kallsyms" "${name:-none} ${count:-}"
	done_testing
fi
# klp-build's make arguments for the sample.
pick=(-- "KLP_AMBIG=$name" "KLP_AMBIG_POS=$pos")

# --- use-case 3: no annotation ---
src3=$(e2e_sample livepatch-annotated)
mv "$src3" "$src3-noannot" && src3=$src3-noannot
sed -i '/klp-annotation-begin/,/klp-annotation-end/d' "$src3/livepatch-annotated.c"
unlike "$(cat "$src3/livepatch-annotated.c")" 'KLP_MODULE_RELOC\(' "variant without the annotation prepared"
nok "klp-build fails without the annotation" e2e_klp_build "$T/build3.log" --map "$map" "$src3" "${pick[@]}"
log3=$(cat "$T/build3.log")
like "$log3" "symbol '$name' is ambiguous" "klp-convert says $name is ambiguous"
listed=$(grep -cE "KLP_SYMPOS\($name, [0-9]+\)" "$T/build3.log")
is "$listed" "$count" "all $count candidates are listed"
like "$log3" "vmlinux +$pos +t +$(awk -v n="$name" 'NF == 3 && $3 == n' "$ks" | sed -n "${pos}p" | cut -d' ' -f1)" \
	"candidate $pos is listed with its kallsyms address"
if [ -e "$src3/livepatch-annotated.ko" ]; then
	fail "no .ko left after the failed conversion" "$(ls -l "$src3"/*.ko)"
else
	pass "no .ko left after the failed conversion"
fi

# --- use-case 2: annotated ---
src=$(e2e_sample livepatch-annotated)
ko=$src/livepatch-annotated.ko
if e2e_klp_build "$T/build.log" --map "$map" "$src" "${pick[@]}"; then
	pass "klp-build builds and converts the annotated sample"
else
	fail "klp-build builds and converts the annotated sample" "$(cat "$T/build.log")"
	done_testing
fi
relocs=$(readelf -rW "$ko")
for sec in .text .init.text .data .rodata; do
	like "$(readelf -SW "$ko")" " \\.klp\\.rela\\.vmlinux\\.\\$sec +RELA .* AIo " \
		".klp.rela.vmlinux.$sec exists (flags AIo)"
done
like "$relocs" "\\.klp\\.sym\\.vmlinux\\.$name,$pos" "$name became .klp.sym.vmlinux.$name,$pos"
like "$relocs" '\.klp\.sym\.vmlinux\.saved_command_line,0' "saved_command_line became .klp.sym.vmlinux.saved_command_line,0"
unlike "$(readelf -SW "$ko")" '\.klp\.module_relocs' "the annotation section is gone"
unlike "$relocs" 'klp\.sym\.vmlinux\.(seq_printf|klp_enable_patch|_?printk)' "exported symbols are not converted"
# pr_info() calls _printk from 5.15 on, printk before: whichever the headers
# of this kernel made the module call, and the map says vmlinux exports.
pk=$(readelf -sW "$ko" | awk '$7 == "UND" && ($8 == "_printk" || $8 == "printk") { print $8; exit }')
if [ -n "$pk" ] && e2e_exported "$map" "$pk"; then
	like "$(echo "$relocs" | awk '/^Relocation section .\.rela\.init\.text/{f=1;next} /^Relocation/{f=0} f')" \
		" $pk - 4\$" "exported $pk stays an ordinary relocation in .rela.init.text"
else
	fail "the module calls printk or _printk, which vmlinux exports" "${pk:-neither is undefined in the module}"
fi
like "$(echo "$relocs" | awk '/^Relocation section .\.rela\.text/{f=1;next} /^Relocation/{f=0} f')" \
	' seq_printf - 4$' "exported seq_printf stays an ordinary relocation in .rela.text"

cat > "$T/guest.sh" <<SH
insmod /m/livepatch-annotated.ko && echo "insmod: ok"
klp_wait livepatch_annotated
cat /proc/version
echo "kallsyms:"
grep -E ' ($name|saved_command_line)\$' /proc/kallsyms
echo "dmesg:"
dmesg | grep -E 'livepatch|Unknown symbol'
SH
e2e_boot annotated "$T/guest.sh" "$ko"
e2e_boot_ok "boot with the annotated livepatch"
out=$(cat "$E2E_OUT")
diag "guest output:" "$(grep -v "^[0-9a-f]\{16\} t $name\$" "$E2E_OUT")"
kallsyms_of_boot=$(sed -n '/^kallsyms:$/,/^dmesg:$/p' "$E2E_OUT")
like "$out" '^insmod: ok$' "insmod accepted the converted module"
like "$out" '^klp_wait: livepatch_annotated transition=0 enabled=1$' "patch enabled, transition 0"
like "$out" '^Linux version ' "/proc/version keeps its first line"

line=$(grep '^klp-annotated: ' "$E2E_OUT")
want=$(echo "$kallsyms_of_boot" | awk -v n="$name" '$3 == n && NF == 3' | sed -n "${pos}p" | cut -d' ' -f1)
saved=$(echo "$kallsyms_of_boot" | awk '$3 == "saved_command_line" && NF == 3 { print $1 }')
like "$want" '^ffffffff[0-9a-f]{8}$' "this boot's kallsyms has a $pos. $name ($want)"
got=$(echo "$line" | sed -n 's/.*ambig=\([0-9a-f]*\).*/\1/p')
is "$got" "$want" ".text: printed $name == the $pos. $name in this boot's /proc/kallsyms"
is "$(echo "$line" | sed -n 's/.*data_fn=\([0-9a-f]*\).*/\1/p')" "$want" ".data table: function pointer == the $pos. $name"
is "$(echo "$line" | sed -n 's/.*data_ptr=\([0-9a-f]*\).*/\1/p')" "$saved" ".data table: data pointer == &saved_command_line"
is "$(echo "$line" | sed -n 's/.*rodata_ptr=\([0-9a-f]*\).*/\1/p')" "$saved" ".rodata: pointer == &saved_command_line"
is "$(sed -n "s/.*livepatch_annotated: $name #$pos at \\([0-9a-f]*\\)\$/\\1/p" "$E2E_OUT")" "$want" \
	".init.text: the address printed at module init == the $pos. $name"
unlike "$out" 'Unknown symbol|not marked as a livepatch' "no loader complaint"
e2e_diag_on_fail

done_testing
