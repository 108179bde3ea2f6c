#!/bin/bash
# Use-case 1: the classic cmdline_proc_show livepatch, built with klp-build
# against the Debian headers, using the unexported saved_command_line
# (resolved from the map), loaded into the Debian kernel under qemu; then
# disabled, and the original /proc/cmdline returns.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"

map=$(e2e_map) || { fail "symbol map of the Debian kernel"; done_testing; }
pass "symbol map: $map"

# What the sample assumes of the kernel, checked in the map of this one: the
# function it replaces and the variable it reads are there once each (no
# annotation needed), the variable is not exported (so it is klp-convert's
# job) and seq_printf is (so it stays with the module loader).
e2e_unique "$map" cmdline_proc_show && pass "cmdline_proc_show is unique in vmlinux" ||
	fail "cmdline_proc_show is unique in vmlinux"
if e2e_unique "$map" saved_command_line && ! e2e_exported "$map" saved_command_line; then
	pass "saved_command_line is unique and not exported"
else
	fail "saved_command_line is unique and not exported" "$(grep ' saved_command_line\( \|$\)' "$map")"
fi
e2e_exported "$map" seq_printf && pass "seq_printf is exported (map flag x)" ||
	fail "seq_printf is exported (map flag x)"

src=$(e2e_sample livepatch-cmdline)
ko=$src/livepatch-cmdline.ko
if e2e_klp_build "$T/build.log" --map "$map" "$src"; then
	pass "klp-build builds and converts the cmdline sample"
else
	fail "klp-build builds and converts the cmdline sample" "$(cat "$T/build.log")"
	done_testing
fi
like "$(cat "$T/build.log")" 'WARNING: modpost: "saved_command_line" .* undefined!' \
	"modpost only warned about saved_command_line"

relocs=$(readelf -rW "$ko")
like "$(readelf -SW "$ko")" ' \.klp\.rela\.vmlinux\.\.text +RELA .* AIo ' \
	"converted .ko has .klp.rela.vmlinux..text (flags AIo)"
like "$relocs" 'R_X86_64_PC32 +0+ \.klp\.sym\.vmlinux\.saved_command_line,0 - 4' \
	"saved_command_line became .klp.sym.vmlinux.saved_command_line,0"
like "$(echo "$relocs" | awk '/^Relocation section .\.rela\.text/{f=1;next} /^Relocation/{f=0} f')" \
	' seq_printf - 4$' "exported seq_printf stays an ordinary relocation in .rela.text"
unlike "$relocs" 'klp\.sym\.vmlinux\.(seq_printf|klp_enable_patch|_?printk)' \
	"no exported symbol was converted"

e2e_cmdline_guest "$T/guest.sh"
e2e_boot cmdline "$T/guest.sh" "$ko"
e2e_boot_ok "boot the Debian kernel with the converted module"
out=$(cat "$E2E_OUT")
diag "guest output:" "$out"

before=$(sed -n 's/^before: //p' "$E2E_OUT")
patched=$(sed -n 's/^patched: //p' "$E2E_OUT")
disabled=$(sed -n 's/^disabled: //p' "$E2E_OUT")
like "$before" 'console=ttyS0' "/proc/cmdline read before the patch"
unlike "$before" 'livepatch=1' "no livepatch=1 before loading"
like "$out" '^insmod: ok$' "insmod accepted the converted module (klp relocations applied, seq_printf resolved)"
like "$out" '^klp_wait: livepatch_cmdline transition=0 enabled=1$' \
	"/sys/kernel/livepatch/livepatch_cmdline: transition 0, enabled 1"
is "$patched" "$before livepatch=1" "/proc/cmdline shows ' livepatch=1' from the patched function"
like "$out" "livepatch: enabling patch 'livepatch_cmdline'" "kernel log: enabling patch"
like "$out" '^klp_wait: livepatch_cmdline gone$' "disabling finished its transition"
is "$disabled" "$before" "after echo 0 > enabled, /proc/cmdline is the original again"
like "$out" '^rmmod: ok$' "the disabled patch module unloads"
unlike "$out" 'Unknown symbol|not marked as a livepatch' "no loader complaint"
e2e_diag_on_fail

done_testing
