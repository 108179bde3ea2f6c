#!/bin/bash
# A livepatch built with Kbuild against the Debian kernel headers, using the
# unexported saved_command_line, converts to the layout of the spec's worked
# example (the livepatch ELF format specification, section 6: the kernel's
# Documentation/livepatch/module-elf-format.rst covers the same layout).
source "$(dirname "$0")/../lib.sh"

rel=$(kernel_release) || skip_all "no kernel headers (apt-get install linux-headers-amd64)"
kdir=/lib/modules/$rel/build

# The sample itself: what a user starts from.
cp -r "$TOP/samples/livepatch-cmdline" "$T/m"
out=$(make -C "$kdir" M="$T/m" KBUILD_MODPOST_WARN=1 modules 2>&1)
like "$out" 'WARNING: modpost: "saved_command_line" \[.*livepatch-cmdline.ko\] undefined!' \
	"modpost warns about the unexported symbol instead of failing"
ko=$T/m/livepatch-cmdline.ko
[ -f "$ko" ] || { fail "module built" "$out"; done_testing; }

printf 'klp-symbol-map 1\nobject vmlinux\nffffffff81400000 t cmdline_proc_show\nffffffff82a1e0c8 B saved_command_line\nffffffff81123450 T seq_printf x\n' > "$T/map"
ok "klp-convert converts the Kbuild module" klp-convert "$T/map" "$ko" "$T/out.ko"

relocs=$(readelf -rW "$T/out.ko")
sec=$(readelf -SW "$T/out.ko" | grep ' \.klp\.rela\.vmlinux\.\.text ')
like "$sec" 'RELA +0+ [0-9a-f]+ 000018 18 AIo ' ".klp.rela.vmlinux..text: RELA, one 24-byte entry, flags AIo"
klp=$(echo "$relocs" | awk '/^Relocation section .\.klp\.rela\.vmlinux\.\.text/{f=1;next} /^Relocation/{f=0} f && /klp\.sym/')
like "$klp" 'R_X86_64_PC32 +0+ \.klp\.sym\.vmlinux\.saved_command_line,0 - 4$' \
	"PC32 to .klp.sym.vmlinux.saved_command_line,0 - 4"
like "$(readelf -sW "$T/out.ko")" '0+ +0 NOTYPE +GLOBAL DEFAULT +OS \[0xff20\] \.klp\.sym\.vmlinux\.saved_command_line,0$' \
	"symbol in SHN_LIVEPATCH (0xff20), value 0, size 0"

off=$(echo "$klp" | awk '{print $1}')
is "$(readelf -rW "$ko" | awk '/saved_command_line/{print $1}')" "$off" "relocation kept its offset"
unlike "$(echo "$relocs" | awk '/^Relocation section .\.rela\.text/{f=1;next} /^Relocation/{f=0} f')" \
	'saved_command_line' ".rela.text no longer has it (moved, not copied)"
bytes=$(section_bytes "$T/out.ko" .text | od -An -tx1 -j $((16#$off)) -N4 | tr -d ' ')
is "$bytes" "00000000" "the 4 bytes at the target are zero"
like "$(echo "$relocs" | grep -E ' (seq_printf|klp_enable_patch|__fentry__) ')" 'seq_printf' \
	"exported seq_printf stays in ordinary relocations"
for s in __versions .modinfo .gnu.linkonce.this_module .text .data; do
	same_section "$ko" "$T/out.ko" $s &&
		pass "$s unchanged" || fail "$s unchanged"
done
is "$(modinfo -F livepatch "$T/out.ko")" "Y" "modinfo still reads livepatch=Y"
is "$(modinfo -F vermagic "$T/out.ko")" "$(modinfo -F vermagic "$ko")" "vermagic unchanged"

# klp-convert checks the patch's own tables by default: a wrong old_name
# fails the build, not the insmod.
sed -i 's/"cmdline_proc_show"/"cmdline_proc_shwo"/' "$T/m/livepatch-cmdline.c"
make -C "$kdir" M="$T/m" KBUILD_MODPOST_WARN=1 modules > /dev/null 2>&1
out=$(klp-convert "$T/map" "$ko" "$T/typo.ko" 2>&1)
rc=$?
is "$rc" "1" "a patch of a function the kernel does not have fails the conversion"
like "$out" "error: $ko: vmlinux: no function cmdline_proc_shwo in vmlinux" \
	"... naming the file, the object and the function"
[ ! -e "$T/typo.ko" ] && pass "... and writes nothing" || fail "... and writes nothing"

done_testing
