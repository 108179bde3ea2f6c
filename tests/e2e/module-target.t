#!/bin/bash
# A livepatch for a module of our own (klp_tgt, samples/livepatch-module):
# klp_tgt's two files both have a static tgt_counter; the patch reads both
# (KLP_RELOC_SYMBOL and KLP_SYMPOS), unique statics and a static function
# (from the map), from .text, two .text.* sections, a .data table and .rodata.
# Boot 1 loads the patch BEFORE the target (relocations applied by the module
# notifier when klp_tgt comes), boot 2 AFTER it; boot 1 also disables it.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"

expect='klp_tgt: patched main=111 aux=222 main_only=333 aux_only=444 secret=41 ro_main=111'
orig='klp_tgt: original counter=111'

ks=$(e2e_kallsyms) || { fail "kallsyms of the Debian kernel"; done_testing; }

e2e_target_ko
tko=$TARGET_KO
is "$(readelf -sW "$tko" | awk '$8 == "tgt_counter" && $4 == "OBJECT"' | wc -l)" 2 \
	"klp_tgt.ko has two local tgt_counter"

# The map of the kernel plus klp_tgt, built by klp-build itself.
psrc=$(e2e_sample livepatch-module/patch)
pko=$psrc/livepatch-module.ko
if e2e_klp_build "$T/patch.log" --kallsyms "$ks" --module "$tko" "$psrc"; then
	pass "klp-build --kallsyms --module builds and converts the livepatch"
else
	fail "klp-build --kallsyms --module builds and converts the livepatch" "$(cat "$T/patch.log")"
	done_testing
fi

secs=$(readelf -SW "$pko")
for sec in .text .text.klp_lp_a .text.klp_lp_b .data .rodata; do
	rela=".klp.rela.klp_tgt.$sec"
	like "$secs" " $(printf '%s' "$rela" | sed 's/\./\\./g') +RELA .* AIo " "$rela exists (flags AIo)"
done
syms=$(readelf -sW "$pko")
for s in tgt_counter,1 tgt_counter,2 tgt_main_only,0 tgt_aux_only,0 tgt_secret,0; do
	like "$syms" "OS \\[0xff20\\] \\.klp\\.sym\\.klp_tgt\\.$s\$" ".klp.sym.klp_tgt.$s in SHN_LIVEPATCH"
done
unlike "$syms" '\.klp\.sym\.rela\.' "no KLP_RELOC_SYMBOL placeholder left"
unlike "$(readelf -rW "$pko")" 'klp\.sym\.[a-z_]*\.(seq_printf|klp_enable_patch)' "exported symbols stay ordinary relocations"

check_patched() {
	like "$out" '^insmod patch: ok$' "$1: insmod livepatch-module accepted"
	like "$out" '^klp_wait: livepatch_module transition=0 enabled=1$' "$1: patch enabled, transition 0"
	like "$out" '^insmod target: ok$' "$1: insmod klp_tgt accepted"
	is "$(sed -n 's/^patched: //p' "$E2E_OUT")" "$expect" "$1: /proc/klp_tgt shows the patched function reading every static right"
	is "$(sed -n 's/^object-patched: //p' "$E2E_OUT")" 1 "$1: /sys/kernel/livepatch/livepatch_module/klp_tgt/patched is 1"
	unlike "$out" 'Unknown symbol|not found|ambiguity|Invalid relocation' "$1: no loader or livepatch complaint"
}

# --- boot 1: patch first, target later (late relocation), then disable ---
cat > "$T/guest1.sh" <<'SH'
insmod /m/livepatch-module.ko && echo "insmod patch: ok"
klp_wait livepatch_module
echo "object-before: $(cat /sys/kernel/livepatch/livepatch_module/klp_tgt/patched)"
insmod /m/klp_tgt.ko && echo "insmod target: ok"
echo "object-patched: $(cat /sys/kernel/livepatch/livepatch_module/klp_tgt/patched)"
echo "patched: $(cat /proc/klp_tgt)"
echo 0 > /sys/kernel/livepatch/livepatch_module/enabled
klp_wait livepatch_module
echo "disabled: $(cat /proc/klp_tgt)"
dmesg | grep -E 'livepatch|klp_tgt|Unknown symbol'
SH
e2e_boot module-late "$T/guest1.sh" "$pko" "$tko"
e2e_boot_ok "boot 1: patch loaded before the target"
out=$(cat "$E2E_OUT")
diag "guest output (boot 1):" "$out"
like "$out" "livepatch: applying patch 'livepatch_module' to loading module 'klp_tgt'" \
	"boot 1: the kernel patched klp_tgt as it loaded"
is "$(sed -n 's/^object-before: //p' "$E2E_OUT")" 0 "boot 1: klp_tgt object not patched while klp_tgt is not loaded"
check_patched "boot 1"
like "$out" '^klp_wait: livepatch_module gone$' "boot 1: disabling finished its transition"
is "$(sed -n 's/^disabled: //p' "$E2E_OUT")" "$orig" "boot 1: after disabling, klp_tgt's original tgt_show is back"
e2e_diag_on_fail

# --- boot 2: target first, then the patch ---
cat > "$T/guest2.sh" <<'SH'
insmod /m/klp_tgt.ko && echo "insmod target: ok"
echo "original: $(cat /proc/klp_tgt)"
insmod /m/livepatch-module.ko && echo "insmod patch: ok"
klp_wait livepatch_module
echo "object-patched: $(cat /sys/kernel/livepatch/livepatch_module/klp_tgt/patched)"
echo "patched: $(cat /proc/klp_tgt)"
dmesg | grep -E 'livepatch|klp_tgt|Unknown symbol'
SH
e2e_boot module-early "$T/guest2.sh" "$pko" "$tko"
e2e_boot_ok "boot 2: target loaded before the patch"
out=$(cat "$E2E_OUT")
diag "guest output (boot 2):" "$out"
is "$(sed -n 's/^original: //p' "$E2E_OUT")" "$orig" "boot 2: klp_tgt's original output before the patch"
check_patched "boot 2"
e2e_diag_on_fail

done_testing
