#!/bin/bash
# klp-check against the real Debian kernel: its kallsyms (dumped once by the
# e2e harness, turned into a map by klp-symbols) has functions beside their
# gcc clones (foo.constprop.N) and names defined many times over. The test
# picks one of each from the map of the kernel under test (which ones differs
# between releases: 6.1 clones cpumask_weight, 6.12 made it __always_inline),
# and a livepatch built with Kbuild against the same kernel's headers patches
# both.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"
command -v jq > /dev/null || { fail "jq installed (apt-get install jq): the JSON report is checked with it"; done_testing; }

kdir=$(e2e_kdir) || { fail "a Debian kernel with its headers"; done_testing; }
map=$(e2e_map)
[ -s "$map" ] || { fail "e2e_map: a symbol map of the Debian kernel" "see the messages above"; done_testing; }
pass "map: $(grep -c . "$map") lines"

# The facts this test relies on, read from the map itself.
if read -r cw cwn cwc cwcn < <(e2e_pick_clone "$map"); then
	pass "picked from the map: $cw ($cwn) with one kind of clone, $cwc ($cwcn copies)"
else
	fail "the map has a function whose only clone is a .constprop.N one"
	done_testing
fi
if read -r ts tsn < <(e2e_pick_homonym "$map") && [ "$tsn" -gt 1 ]; then
	pass "picked from the map: $ts, $tsn local functions of that name"
else
	fail "the map has a function name defined several times"
	done_testing
fi

mkdir -p "$T/m"
cat > "$T/m/lp.c" <<'SRC'
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/stringify.h>
#include <linux/livepatch.h>

/* Only the names matter to klp-check: the replacements need no prototype. */
static void new_clone(void) { }
static void new_homonym(void) { }

static struct klp_func funcs[] = {
	{ .old_name = __stringify(CLONED), .new_func = new_clone, .old_sympos = 1, },
	{ .old_name = __stringify(HOMONYM), .new_func = new_homonym, },
	{ }
};
static struct klp_object objs[] = { { .funcs = funcs, }, { } };
static struct klp_patch patch = { .mod = THIS_MODULE, .objs = objs, };

static int lp_init(void) { return klp_enable_patch(&patch); }
static void lp_exit(void) { }
module_init(lp_init);
module_exit(lp_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
SRC
printf 'obj-m := lp.o\nccflags-y += -DCLONED=%s -DHOMONYM=%s\n' "$cw" "$ts" > "$T/m/Kbuild"
out=$(make -C "$kdir" M="$T/m" KBUILD_MODPOST_WARN=1 modules 2>&1)
[ -f "$T/m/lp.ko" ] || { fail "module built" "$out"; done_testing; }

start=$(date +%s.%N)
txt=$(klp-check --map "$map" "$T/m/lp.ko")
rc=$?
secs=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.2f", $2 - $1 }')
is "$rc" 1 "exit 1: $ts is ambiguous"
like "$txt" "warning: vmlinux: $cw has compiler-made copies" "warns on a patch of $cw"
like "$txt" "${cwc//./\\.} \\($cwcn cop(y|ies)\\): a copy specialized for constant arguments" \
	"names $cwc and its $cwcn copies"
like "$txt" "$ts is ambiguous: $tsn functions of that name in vmlinux" "$ts: ambiguous, $tsn candidates"
is "$(grep -c "\\.old_sympos = [0-9]* */\\* ffffffff[0-9a-f]\\{8\\} t $ts \\*/" <<< "$txt")" "$tsn" \
	"every $ts candidate with its kernel address"
unlike "$txt" "error: .*$cw" "$cw with old_sympos 1: no error"
json=$(klp-check --json --map "$map" "$T/m/lp.ko")
is "$(jq -r --arg n "$cw" '.functions[] | select(.old_name == $n) | .clones | map(.name) | join(" ")' <<< "$json")" \
	"$cwc" "JSON: the one clone name, $cwc"
awk -v s="$secs" 'BEGIN { exit !(s < 5) }' && pass "checked against the full map in ${secs}s" ||
	fail "checked against the full map in under 5 s" "took ${secs}s"

done_testing
