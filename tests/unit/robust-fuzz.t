#!/bin/bash
# The fuzz harnesses still build (clang, ASan, UBSan, -Werror) against the
# current lib/ and run their seed corpora clean: a smoke test of `make fuzz`
# (doc/robustness.md), not a fuzzing run.
source "$(dirname "$0")/../lib.sh"

command -v clang > /dev/null || skip_all "clang is not installed"
printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { return !d + n; }\n' > "$T/probe.c"
clang -fsanitize=fuzzer,address,undefined -o "$T/probe" "$T/probe.c" 2> /dev/null ||
	skip_all "clang cannot link libFuzzer (libclang-rt-14-dev missing?)"
# The harnesses do not use KLP_BIN: once per `make check` is enough.
case $KLP_BIN in *-san) skip_all "runs once, with the plain build's pass" ;; esac

cd "$TOP"
if out=$(make -s -f fuzz/Makefile O="$T/fuzz" -j2 2>&1); then
	pass "the harnesses build"
else
	fail "the harnesses build" "$out"
	done_testing
fi
fuzz/seeds "$T/seeds" > /dev/null 2>&1 || fail "fuzz/seeds makes the seed corpora"
for bin in "$T"/fuzz/fuzz_*; do
	case $bin in *.o) continue ;; esac
	h=${bin##*/fuzz_}
	[ -d "$T/seeds/$h" ] || { fail "$h: has seeds"; continue; }
	if out=$(KLP_FUZZ_DIR=$T "$bin" -runs=0 -close_fd_mask=2 "$T/seeds/$h" 2>&1); then
		pass "$h: $(ls "$T/seeds/$h" | wc -l) seeds run clean"
	else
		fail "$h: seeds run clean" "$(printf '%s\n' "$out" | tail -20)"
	fi
done

done_testing
