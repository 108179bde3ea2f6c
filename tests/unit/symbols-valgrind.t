#!/bin/bash
# klp-symbols under valgrind (memcheck, full leak check) over part of the
# installed modules tree, with a kallsyms copy and Module.symvers when the
# system has them, and over a failing run.
source "$(dirname "$0")/../lib.sh"

command -v valgrind > /dev/null || skip_all "valgrind is not installed"
bin=$(command -v klp-symbols)
if ldd "$bin" 2>/dev/null | grep -q libasan; then
	skip_all "$bin is a sanitizer build: valgrind runs against the plain build"
fi
rel=$(kernel_release) && rel=/lib/modules/$rel
[ -n "$rel" ] && [ -d "$rel/kernel/fs" ] || skip_all "no modules tree of a Debian kernel under /lib/modules"

vg() {
	valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		"$bin" "$@"
}

args=(--modules "$rel/kernel/fs")
symvers=$rel/build/Module.symvers
[ -f "$symvers" ] && args+=(--symvers "$symvers")
head -2000 /proc/kallsyms > "$T/kallsyms" 2>/dev/null && [ -s "$T/kallsyms" ] &&
	args+=(--kallsyms "$T/kallsyms")
out=$(vg -o "$T/m.map" "${args[@]}" 2>&1)
rc=$?
is "$rc" 0 "a tree scan is clean under valgrind"
[ "$rc" -eq 0 ] || diag "$out"
ok "the map was written" test -s "$T/m.map"
out=$(vg --map "$T/m.map" --stats 2>&1 > /dev/null)
is "$?" 0 "--stats is clean under valgrind"
echo 'not an elf' > "$T/bad.ko"
vg -o "$T/bad.map" --modules "$rel/kernel/fs" --module "$T/bad.ko" > /dev/null 2>&1
is "$?" 1 "a failing run is clean under valgrind (exit 1, not 9)"

done_testing
