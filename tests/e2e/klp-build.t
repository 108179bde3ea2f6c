#!/bin/bash
# scripts/klp-build without booting: argument errors, a module that is not a
# livepatch is left as built, and a second run converts afresh instead of
# feeding an already converted .ko back to klp-convert.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"

kb=$TOP/scripts/klp-build
map=$(e2e_map) || { fail "symbol map of the Debian kernel"; done_testing; }
kdir=$(e2e_kdir)

src=$(e2e_sample livepatch-cmdline)
nok "no map: refused" "$kb" -k "$kdir" "$src"
like "$("$kb" -k "$kdir" "$src" 2>&1)" 'a symbol map is needed' "no map: says a map is needed"
nok "--map and --kallsyms together: refused" "$kb" -k "$kdir" --map "$map" --kallsyms "$map" "$src"
"$kb" -k "$kdir" --map "$map" --module "$map" "$src" > /dev/null 2>&1
is "$?" 2 "--module without --kallsyms: usage error (exit 2)"
nok "missing directory: refused" "$kb" -k "$kdir" --map "$map" "$T/nonexistent"
nok "bad KDIR: refused" "$kb" -k "$T/nonexistent" --map "$map" "$src"
if [ -e "$src/livepatch-cmdline.ko" ]; then
	fail "refused runs built nothing"
else
	pass "refused runs built nothing"
fi
like "$("$kb" --help)" '^usage: klp-build' "--help prints the usage"

# Not a livepatch: built, left alone.
tsrc=$(e2e_sample livepatch-module/target)
ok "klp-build on a plain module succeeds" "$kb" -k "$kdir" --map "$map" "$tsrc"
like "$("$kb" -k "$kdir" --map "$map" "$tsrc" 2>&1)" 'klp_tgt\.ko: not a livepatch' "says klp_tgt.ko is not a livepatch"
unlike "$(readelf -SW "$tsrc/klp_tgt.ko")" '\.klp\.' "klp_tgt.ko not converted"

# Twice in a row: the second run links and converts again.
ok "first klp-build" "$kb" -k "$kdir" --map "$map" "$src"
first=$(readelf -rW "$src/livepatch-cmdline.ko" | grep -c 'klp\.sym\.vmlinux\.saved_command_line,0')
out=$("$kb" -k "$kdir" --map "$map" "$src" 2>&1)
rc=$?
if [ "$rc" -eq 0 ]; then
	pass "second klp-build succeeds"
else
	fail "second klp-build succeeds" "exit $rc" "$out"
fi
like "$out" 'LD \[M\] .*livepatch-cmdline\.ko' "second run re-linked the module"
is "$(readelf -rW "$src/livepatch-cmdline.ko" | grep -c 'klp\.sym\.vmlinux\.saved_command_line,0')" "$first" \
	"same conversion as the first run"
is "$(modinfo -F livepatch "$src/livepatch-cmdline.ko")" Y "modinfo livepatch=Y kept"

done_testing
