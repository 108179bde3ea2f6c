#!/bin/bash
# A livepatch that replaces no function (samples/livepatch-relocs), the shape
# of the klp-convert series' selftests: empty function lists for vmlinux and
# klp_tgt (tables in .bss), relocations from .text, .data, .rodata, a custom
# section and .init.text, resolved by map, KLP_SYMPOS, KLP_RELOC_SYMBOL and
# through __asm__ labels, data pointers read back after load, static keys of
# vmlinux (a branch) and of klp_tgt (static_key_enabled). Boot 1 loads
# the patch first, then klp_tgt, then unloads and reloads klp_tgt; boot 2
# loads klp_tgt first.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"

expect='main=111 aux=222 main_only=333 aux_only=444 secret=41 ro=111 custom=222 fn=cmdline_proc_show tgt_key=1'

ks=$(e2e_kallsyms) || { fail "kallsyms of the Debian kernel"; done_testing; }
map=$(e2e_map) || { fail "symbol map of the Debian kernel"; done_testing; }

# The sample names three vmlinux symbols and lets the map resolve them, which
# needs each to be unique and unexported in the kernel under test: say so if
# one is not.
for s in saved_command_line cmdline_proc_show sched_schedstats; do
	is "$(awk -v n="$s" '$3 == n' "$ks" | wc -l)" 1 "$s is unique in this kernel's kallsyms"
	e2e_exported "$map" "$s" && fail "$s is not exported (the map says it is)" ||
		pass "$s is not exported: it needs a livepatch relocation"
done

e2e_target_ko
tko=$TARGET_KO

psrc=$(e2e_sample livepatch-relocs)
pko=$psrc/livepatch-relocs.ko
if e2e_klp_build "$T/patch.log" --kallsyms "$ks" --module "$tko" "$psrc"; then
	pass "klp-build converts a livepatch whose function lists are empty"
else
	fail "klp-build converts a livepatch whose function lists are empty" "$(cat "$T/patch.log")"
	done_testing
fi

# The shape under test: gcc put the all-zero funcs[] arrays in .bss.
syms=$(readelf -sW "$pko")
secs=$(readelf -SW "$pko")
for f in vmlinux_funcs tgt_funcs; do
	ndx=$(printf '%s\n' "$syms" | awk -v n="$f" '$8 == n { print $7 }')
	like "$(printf '%s\n' "$secs" | awk -v n="$ndx" '{ sub(/^ *\[ */, ""); sub(/\]/, "") } $1 == n')" \
		' NOBITS ' "$f is in a NOBITS section"
done
for sec in klp_tgt..data klp_tgt..rodata klp_tgt..klp_lp_custom klp_tgt..text vmlinux..data vmlinux..init.text; do
	like "$secs" " \\.klp\\.rela\\.${sec//./\\.} +RELA .* AIo " ".klp.rela.$sec exists (flags AIo)"
done
for s in klp_tgt.tgt_counter,1 klp_tgt.tgt_counter,2 klp_tgt.tgt_main_only,0 \
	 klp_tgt.tgt_aux_only,0 klp_tgt.tgt_secret,0 vmlinux.saved_command_line,0 \
	 vmlinux.cmdline_proc_show,0; do
	like "$syms" "OS \\[0xff20\\] \\.klp\\.sym\\.${s//./\\.}\$" ".klp.sym.$s in SHN_LIVEPATCH"
done
unlike "$syms" 'lp_secret|lp_aux_only' "no symbol under the C name of an __asm__ label"
like "$secs" ' \.klp\.rela\.vmlinux\.__jump_table +RELA .* AIo ' \
	"the static branch's __jump_table entry names vmlinux's key through .klp.rela.vmlinux.__jump_table"
like "$syms" 'OS \[0xff20\] \.klp\.sym\.vmlinux\.sched_schedstats,0$' ".klp.sym.vmlinux.sched_schedstats,0"
like "$syms" 'OS \[0xff20\] \.klp\.sym\.klp_tgt\.tgt_key,0$' ".klp.sym.klp_tgt.tgt_key,0"

guest_common='
show() {
	echo "$1-object: $(cat /sys/kernel/livepatch/livepatch_relocs/klp_tgt/patched)"
	[ "$(cat /sys/kernel/livepatch/livepatch_relocs/klp_tgt/patched)" = 1 ] &&
		echo "$1-values: $(cat /sys/module/livepatch_relocs/parameters/values)"
}
echo "proc-cmdline: $(cat /proc/cmdline)"
keys() {
	echo "keys: $(cat /proc/sys/kernel/sched_schedstats) $(cat /sys/module/livepatch_relocs/parameters/schedstats)"
	echo $((1 - $(cat /proc/sys/kernel/sched_schedstats))) > /proc/sys/kernel/sched_schedstats
	echo "keys: $(cat /proc/sys/kernel/sched_schedstats) $(cat /sys/module/livepatch_relocs/parameters/schedstats)"
}
'

check_loaded() {	# LABEL
	like "$out" '^insmod patch: ok$' "$1: insmod of the patch accepted"
	like "$out" '^klp_wait: livepatch_relocs transition=0 enabled=1$' "$1: patch enabled"
	is "$(sed -n 's/^vmlinux-object: //p' "$E2E_OUT")" 1 "$1: vmlinux object patched"
	is "$(sed -n 's/^.*livepatch_relocs: init: cmdline=//p' "$E2E_OUT")" \
		"$(sed -n 's/^proc-cmdline: //p' "$E2E_OUT")" \
		"$1: .init.text read saved_command_line through its livepatch relocation"
	is "$(sed -n 's/^loaded-object: //p' "$E2E_OUT")" 1 "$1: klp_tgt object patched"
	is "$(sed -n 's/^loaded-values: //p' "$E2E_OUT")" "$expect" \
		"$1: every pointer and reference reads klp_tgt's and vmlinux's values"
	keys=$(sed -n 's/^keys: //p' "$E2E_OUT")
	like "$keys" '^([01]) \1$' "$1: the static branch on sched_schedstats follows the sysctl"
	is "$(printf '%s\n' "$keys" | sort -u | wc -l)" 2 "$1: ... before and after the sysctl flips it"
	unlike "$keys" '^(0 1|1 0)$' "$1: ... never disagreeing"
}

# --- boot 1: patch first, target later, then the target unloaded and reloaded ---
cat > "$T/guest1.sh" <<SH
$guest_common
insmod /m/livepatch-relocs.ko && echo "insmod patch: ok"
klp_wait livepatch_relocs
echo "vmlinux-object: \$(cat /sys/kernel/livepatch/livepatch_relocs/vmlinux/patched)"
show before
insmod /m/klp_tgt.ko && echo "insmod target: ok"
show loaded
keys
rmmod klp_tgt && echo "rmmod target: ok"
show removed
if insmod /m/klp_tgt.ko; then echo "reload target: ok"; else echo "reload target: refused"; fi
show reloaded
dmesg | grep -E 'livepatch|klp_tgt|Unknown symbol|relocation'
SH
e2e_boot relocs-late "$T/guest1.sh" "$pko" "$tko"
e2e_boot_ok "boot 1: patch loaded before the target"
out=$(cat "$E2E_OUT")
diag "guest output (boot 1):" "$out"
is "$(sed -n 's/^before-object: //p' "$E2E_OUT")" 0 "boot 1: klp_tgt object not patched before klp_tgt loads"
like "$out" "livepatch: applying patch 'livepatch_relocs' to loading module 'klp_tgt'" \
	"boot 1: the kernel applied the patch to klp_tgt as it loaded"
check_loaded "boot 1"
like "$out" '^rmmod target: ok$' "boot 1: klp_tgt unloads under the patch"
is "$(sed -n 's/^removed-object: //p' "$E2E_OUT")" 0 "boot 1: klp_tgt object unpatched after rmmod"
unlike "$out" 'Unknown symbol|Invalid relocation' "boot 1: no loader complaint"

# Reloading a target under a patch needs the kernel to clear the livepatch
# relocations when the module goes (v6.3, "livepatch,x86: Clear relocation
# targets on a module removal", which added clear_relocate_add()); older
# kernels refuse the second load. Which one this kernel is comes from its
# kallsyms, not from its version string (a backport would move it).
if [ "$(awk '$3 == "clear_relocate_add"' "$ks" | wc -l)" -gt 0 ]; then
	like "$out" '^reload target: ok$' "boot 1: clear_relocate_add in kallsyms: klp_tgt loads again under the patch"
	is "$(sed -n 's/^reloaded-values: //p' "$E2E_OUT")" "$expect" "boot 1: ... with every relocation right"
else
	like "$out" '^reload target: refused$' "boot 1: no clear_relocate_add in kallsyms (before 6.3): klp_tgt refused again under the patch"
	like "$out" 'Skipping invalid relocation target, existing value is nonzero' \
		"boot 1: ... because the relocation targets were left written"
fi
e2e_diag_on_fail

# --- boot 2: target first, then the patch ---
cat > "$T/guest2.sh" <<SH
$guest_common
insmod /m/klp_tgt.ko && echo "insmod target: ok"
insmod /m/livepatch-relocs.ko && echo "insmod patch: ok"
klp_wait livepatch_relocs
echo "vmlinux-object: \$(cat /sys/kernel/livepatch/livepatch_relocs/vmlinux/patched)"
show loaded
keys
dmesg | grep -E 'livepatch|klp_tgt|Unknown symbol|relocation'
SH
e2e_boot relocs-early "$T/guest2.sh" "$pko" "$tko"
e2e_boot_ok "boot 2: target loaded before the patch"
out=$(cat "$E2E_OUT")
diag "guest output (boot 2):" "$out"
check_loaded "boot 2"
unlike "$out" 'Unknown symbol|Invalid relocation' "boot 2: no loader complaint"
e2e_diag_on_fail

done_testing
