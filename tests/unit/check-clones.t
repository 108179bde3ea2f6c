#!/bin/bash
# klp-check on gcc's transformations: a small "kernel" compiled with
# -O2 -g -fdump-ipa-clones where one static function is inlined into two
# callers, one is cloned for a constant argument (.constprop), one is split
# (.part) after partial inlining, one is inlined into a function that is
# itself inlined (nested), and one has a cold path (.cold). The patch is a
# relocatable object with klp tables; the map comes from the kernel's nm.
source "$(dirname "$0")/../lib.sh"
command -v jq > /dev/null || { fail "jq installed (apt-get install jq): the JSON report is checked with it"; done_testing; }

cd "$T" || exit 1
cat > kernel.c <<'SRC'
extern int ext(int);
extern void ext2(const char *);
extern void complain(const char *, int) __attribute__((cold));
volatile int sink;

static int helper(int x) { return ext(x) + 1; }
int caller_a(int x) { return helper(x) * 2; }
int caller_b(int x) { return helper(x + 3) - 1; }

static __attribute__((noinline)) int scale(int x, int k)
{
	int i, s = 0;

	for (i = 0; i < k; i++)
		s += ext(x + i);
	return s;
}
int use_scale1(int x) { return scale(x, 7); }
int use_scale2(int x) { return scale(x + 1, 7); }

static int big;
static __attribute__((noinline)) void heavy(int x) { sink = x; }
static int split_me(int x)
{
	if (__builtin_expect(x > 100, 0)) {
		int i;

		for (i = 0; i < x; i++) { ext(i); ext(i * 2); ext(i * 3); ext(big + i); }
		heavy(x);
		return ext(x);
	}
	return 0;
}
int use_split1(int x) { return split_me(x) + 1; }
int use_split2(int x) { return split_me(x) + 2; }

static int inner(int x) { return ext(x) ^ 5; }
static int middle(int x) { return inner(x) + inner(x + 1); }
int outer(int x) { return middle(x) * 3; }
int outer2(int x) { return middle(x) * 5; }

int cold_user(int *p, int n)
{
	int i, s = 0;

	for (i = 0; i < n; i++) {
		if (p[i] < 0) {
			complain("negative", i);
			ext2("neg"); ext(i); ext2("x");
			s -= ext(p[i] * 7);
			continue;
		}
		s += p[i];
	}
	return s;
}
SRC
# The leading fields of v6.1's structures, and a table-building macro.
{ cat "$TOP/tests/include/klp_stub.h"; cat <<'SRC'; } > klp.h
#define PATCH(...) \
	static struct klp_func funcs[] = { __VA_ARGS__, { } }; \
	static struct klp_object objs[] = { { .funcs = funcs }, { } }; \
	static struct klp_patch patch = { .mod = &__this_module, .objs = objs }; \
	int lp_init(void) { return klp_enable_patch(&patch); }
#define F(name) { .old_name = name, .new_func = new_fn }
#define FP(name, pos) { .old_name = name, .new_func = new_fn, .old_sympos = pos }
SRC
cat > lp.c <<'SRC'
#include "klp.h"
PATCH(F("helper"), F("scale"), F("split_me"), F("cold_user"), F("inner"), F("caller_a"))
SRC

mkdir dump
gcc -O2 -g -c -fdump-ipa-clones -dumpdir "$T/dump/" kernel.c -o kernel.o ||
	{ fail "compile the kernel fixture"; done_testing; }
ipa=$(ls dump/*ipa-clones 2>/dev/null | head -n 1)
[ -s "$ipa" ] && pass "gcc wrote its ipa-clones dump ($(basename "$ipa"))" ||
	{ fail "gcc wrote its ipa-clones dump" "$(ls dump)"; done_testing; }
gcc -O2 -g -c lp.c -o lp.o || { fail "compile the patch"; done_testing; }

# The transformations happened as the fixture intends, else the test proves nothing.
syms=$(nm kernel.o)
for s in scale.constprop.0 split_me.part.0 cold_user.cold caller_a caller_b outer outer2; do
	like "$syms" " t $s$| T $s$" "gcc made $s"
done
unlike "$syms" ' (helper|inner|middle|split_me|scale)$' "helper, inner, middle, split_me, scale have no body of their own"

nm_map() {
	echo 'klp-symbol-map 1'
	echo 'object vmlinux'
	nm -n "$1" | awk 'NF == 3 && $3 !~ /^\./ { print $1, $2, $3 }'
}
nm_map kernel.o > map

out=$(klp-check --map map --debuginfo kernel.o --ipa-clones "$ipa" --json lp.o)
rc=$?
is "$rc" 1 "exit 1: patched functions are missing from the kernel"
jq -e . <<< "$out" > /dev/null && pass "--json is valid JSON" || fail "--json is valid JSON" "$out"

inl() { # FUNC SOURCE: the functions holding a copy, sorted, space-separated
	jq -r --arg f "$1" --arg s "$2" \
		'.functions[] | select(.old_name == $f) | .inlined_into[$s] // [] | map(.function) | sort | join(" ")' <<< "$out"
}
clones() {
	jq -r --arg f "$1" '.functions[] | select(.old_name == $f) | .clones | map(.name) | sort | join(" ")' <<< "$out"
}
is "$(inl helper dwarf)" "caller_a caller_b" "DWARF: helper is inlined into caller_a and caller_b"
is "$(inl helper ipa_clones)" "caller_a caller_b" "ipa-clones: helper is inlined into caller_a and caller_b"
is "$(inl split_me dwarf)" "use_split1 use_split2" "DWARF: split_me's head is inlined into use_split1, use_split2"
is "$(inl split_me ipa_clones)" "use_split1 use_split2" "ipa-clones: the same for split_me"
is "$(inl inner dwarf)" "outer outer2" "DWARF: inner reaches outer and outer2 through middle (nested)"
is "$(inl inner ipa_clones)" "outer outer2" "ipa-clones: the closure through middle gives outer, outer2 (middle was removed)"
is "$(inl scale dwarf)|$(inl cold_user dwarf)|$(inl caller_a dwarf)" "||" "no inlined copies of scale, cold_user, caller_a"
for f in helper scale split_me cold_user inner caller_a; do
	is "$(inl $f dwarf)" "$(inl $f ipa_clones)" "DWARF and ipa-clones agree for $f"
done
is "$(jq -r '.functions[] | select(.old_name == "inner") | .inlined_into.dwarf | map(.via) | unique | join(",")' <<< "$out")" \
	"middle" "DWARF names the function in between (middle)"
is "$(jq -r '.functions[] | select(.old_name == "helper") | .inlined_into.dwarf | map("\(.function)=\(.patched)") | sort | join(" ")' <<< "$out")" \
	"caller_a=true caller_b=false" "caller_a is patched, caller_b is not"
is "$(clones scale)" "scale.constprop.0" "scale's clone: scale.constprop.0"
is "$(clones split_me)" "split_me.part.0" "split_me's clone: split_me.part.0"
is "$(clones cold_user)" "cold_user.cold" "cold_user's clone: cold_user.cold"
is "$(clones helper)$(clones inner)$(clones caller_a)" "" "no clones of helper, inner, caller_a"
is "$(jq -r '.functions[] | select(.old_name == "scale") | .clones[0].in_ipa_clones' <<< "$out")" "true" \
	"gcc's dump reports scale.constprop.0 too"
is "$(jq -r '[.findings[] | select(.level == "error") | .function] | sort | join(" ")' <<< "$out")" \
	"helper inner scale split_me" "errors: exactly the four functions with no body of their own"
is "$(jq -r '[.findings[] | select(.code == "gcc-clone")] | length' <<< "$out")" 0 \
	"no gcc-clone warning: .cold is part of cold_user, the others are missing (errors)"

dirout=$(klp-check --map map --ipa-clones dump --json lp.o)
is "$(jq -c '[.functions[] | .inlined_into.ipa_clones | map(.function)]' <<< "$dirout")" \
	"$(jq -c '[.functions[] | .inlined_into.ipa_clones | map(.function)]' <<< "$out")" \
	"--ipa-clones DIR reads the dumps under it: the same result"

txt=$(klp-check --map map --debuginfo kernel.o --ipa-clones "$ipa" lp.o)
like "$txt" "gcc renamed scale to scale.constprop.0: only the clone exists" "text: says gcc renamed scale"
like "$txt" "gcc renamed split_me to split_me.part.0" "text: says gcc renamed split_me"
like "$txt" "helper has no body of its own to patch: it is inlined into 2 functions \(DWARF\): caller_a, caller_b; patch those instead" \
	"text: helper was inlined away, says where"
like "$txt" "caller_b \[NOT patched\]" "text: marks caller_b not patched"
like "$txt" "outer \[NOT patched\] via middle" "text: nested copy shown via middle"
like "$txt" "note: vmlinux: cold_user: cold_user.cold is its unlikely blocks" "text: .cold explained as part of the function"

# A patch of a function that exists beside its clones: the Debian kernel's
# cpumask_weight has static copies and cpumask_weight.constprop.0 ones.
cat > map2 <<'MAP'
klp-symbol-map 1
object vmlinux
ffffffff81000100 t cpumask_weight
ffffffff81000200 t cpumask_weight.constprop.0
ffffffff81000300 t cpumask_weight
ffffffff81000400 t cpumask_weight.constprop.0
ffffffff81000500 t foo.isra.0
ffffffff81000600 t foo
ffffffff81000700 t foo.cold
ffffffff81000800 t bar.llvm.4242
ffffffff81000900 T baz
MAP
printf '#include "klp.h"\nPATCH(FP("cpumask_weight", 2), F("foo"), F("baz"))\n' > lp2.c
gcc -O2 -g -c lp2.c -o lp2.o
out=$(klp-check --map map2 lp2.o)
is "$?" 0 "clones alone are warnings: exit 0"
like "$out" "warning: vmlinux: cpumask_weight has compiler-made copies" "warns on a patch of cpumask_weight"
like "$out" "cpumask_weight.constprop.0 \(2 copies\): a copy specialized for constant arguments" \
	"names cpumask_weight.constprop.0, its copies and what constprop means"
like "$out" "foo.isra.0: a copy with parameters removed or passed by value \(IPA-SRA\)" "explains .isra"
unlike "$out" "foo.cold:|baz has" "no warning for foo.cold nor baz"
klp-check --werror --map map2 lp2.o > /dev/null
is "$?" 1 "--werror makes the clone warning fatal"

printf '#include "klp.h"\nPATCH(FP("cpumask_weight", 2), FP("cpumask_weight.constprop.0", 1), F("bar"))\n' > lp3.c
gcc -O2 -g -c lp3.c -o lp3.o
out=$(klp-check --map map2 lp3.o)
unlike "$out" "warning: vmlinux: cpumask_weight has" "no warning once the clone is patched too"
like "$out" "error: vmlinux: no function bar in vmlinux" "bar is missing"
like "$out" "bar.llvm.4242 is bar renamed by LTO" "and was renamed by LTO"

# A prefix must end at the dot: cpumask_weightx.constprop.0 is not a clone of cpumask_weight.
printf 'klp-symbol-map 1\nobject vmlinux\n1 t cpumask_weight\n2 t cpumask_weightx.constprop.0\n3 t cpumask_weight_x\n' > map3
out=$(klp-check --map map3 --werror lp2.o 2>&1)
unlike "$out" "cpumask_weightx|gcc-clone" "no false clone from a longer name"

if ! nm "$KLP_BIN/klp-check" 2>/dev/null | grep -q __asan_init && command -v valgrind > /dev/null; then
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=42 \
		klp-check --map map --debuginfo kernel.o --ipa-clones "$ipa" --json lp.o > /dev/null 2>&1
	is "$?" 1 "valgrind: DWARF and ipa-clones analysis without memory error nor leak"
else
	pass "valgrind: skipped for a sanitizer build # SKIP"
fi

done_testing
