#!/bin/bash
# tests/e2e/matrix, without booting anything: it lists every installed
# kernel with an image and a build tree, runs the given test files once per
# kernel with KLP_E2E_RELEASE set to it, reports each kernel, and fails when
# one kernel fails; KLP_E2E_RELEASE narrows it to one kernel.
source "$(dirname "$0")/../lib.sh"

matrix=$TOP/tests/e2e/matrix
want=$(for d in /lib/modules/*/build; do
	[ -d "$d" ] || continue
	r=${d#/lib/modules/}
	r=${r%/build}
	[ -f "/boot/vmlinuz-$r" ] && echo "$r"
done | sort -V)
[ -n "$want" ] || skip_all "no kernel with /boot/vmlinuz-<rel> and /lib/modules/<rel>/build"
n=$(printf '%s\n' "$want" | wc -l)
last=$(printf '%s\n' "$want" | tail -n 1)

is "$(env -u KLP_E2E_RELEASE "$matrix" --list)" "$want" "--list: the $n kernels with an image and a build tree ($(printf '%s\n' "$want" | paste -sd ' '))"
is "$(KLP_E2E_RELEASE=$last "$matrix" --list)" "$last" "--list with KLP_E2E_RELEASE: that one only"

# A stand-in for an e2e file: passes, except on the kernel FAIL_ON names.
mkdir -p "$T/e2e"
cat > "$T/e2e/stand-in.t" <<'T'
#!/bin/bash
echo "ok 1 - ${KLP_E2E_RELEASE:-unset}: run"
if [ "${KLP_E2E_RELEASE:-}" = "${FAIL_ON:-}" ]; then echo "not ok 2 - failed here"; else echo "ok 2 - fine"; fi
echo "1..2"
T
chmod +x "$T/e2e/stand-in.t"

out=$(env -u KLP_E2E_RELEASE FAIL_ON=none "$matrix" -v "$T/e2e/stand-in.t" 2>&1)
rc=$?
is "$rc" 0 "every kernel passes: exit 0"
is "$(printf '%s\n' "$out" | sed -n 's/^ok 1 - \(.*\): run$/\1/p')" "$want" "prove ran once per kernel, KLP_E2E_RELEASE set to each, oldest first"
is "$(printf '%s\n' "$out" | grep -c '^e2e: .*: PASS in [0-9]* s$')" "$n" "one PASS line per kernel"

out=$(env -u KLP_E2E_RELEASE FAIL_ON="$last" "$matrix" "$T/e2e/stand-in.t" 2>&1)
rc=$?
is "$rc" 1 "a failure on $last: exit 1"
is "$(printf '%s\n' "$out" | grep -cF "e2e: $last: FAIL in ")" 1 "... with a FAIL line for $last"
is "$(printf '%s\n' "$out" | grep -c '^e2e: .*: PASS in')" "$((n - 1))" "... and the other kernels still ran and passed"

out=$(KLP_E2E_RELEASE=$last FAIL_ON=none "$matrix" -v "$T/e2e/stand-in.t" 2>&1)
is "$(printf '%s\n' "$out" | grep -c '^ok 1 - ')" 1 "KLP_E2E_RELEASE: one run"

done_testing
