#!/bin/bash
# klp-check against the real Debian kernel: its kallsyms (dumped once by the
# e2e harness, turned into a map by klp-symbols) has cpumask_weight beside
# cpumask_weight.constprop.0, and type_show many times over. A livepatch built
# with Kbuild against the same kernel's headers patches both.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"
command -v jq > /dev/null || { fail "jq installed (apt-get install jq): the JSON report is checked with it"; done_testing; }

kdir=$(e2e_kdir) || { fail "a Debian kernel with its headers"; done_testing; }
map=$(e2e_map)
[ -s "$map" ] || { fail "e2e_map: a symbol map of the Debian kernel" "see the messages above"; done_testing; }
pass "map of $(e2e_release): $(grep -c . "$map") lines"

# The facts this test relies on, read from the map itself.
cw=$(awk '/^object /{o=$2} o=="vmlinux" && $3=="cpumask_weight"' "$map" | wc -l)
cwc=$(awk '/^object /{o=$2} o=="vmlinux" && $3=="cpumask_weight.constprop.0"' "$map" | wc -l)
ts=$(awk '/^object /{o=$2} o=="vmlinux" && $3=="type_show"' "$map" | wc -l)
[ "$cw" -gt 0 ] && [ "$cwc" -gt 0 ] && [ "$ts" -gt 1 ] &&
	pass "the map has cpumask_weight ($cw), cpumask_weight.constprop.0 ($cwc), type_show ($ts)" ||
	fail "the map has cpumask_weight, its constprop clone and several type_show" "$cw $cwc $ts"

mkdir -p "$T/m"
cat > "$T/m/lp.c" <<'SRC'
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/livepatch.h>

static unsigned int new_cpumask_weight(const struct cpumask *m) { return 1; }
static ssize_t new_type_show(struct device *d, struct device_attribute *a, char *b) { return 0; }

static struct klp_func funcs[] = {
	{ .old_name = "cpumask_weight", .new_func = new_cpumask_weight, .old_sympos = 1, },
	{ .old_name = "type_show", .new_func = new_type_show, },
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
echo 'obj-m := lp.o' > "$T/m/Kbuild"
out=$(make -C "$kdir" M="$T/m" KBUILD_MODPOST_WARN=1 modules 2>&1)
[ -f "$T/m/lp.ko" ] || { fail "module built" "$out"; done_testing; }

start=$(date +%s.%N)
txt=$(klp-check --map "$map" "$T/m/lp.ko")
rc=$?
secs=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.2f", $2 - $1 }')
is "$rc" 1 "exit 1: type_show is ambiguous"
like "$txt" "warning: vmlinux: cpumask_weight has compiler-made copies" "warns on a patch of cpumask_weight"
like "$txt" "cpumask_weight.constprop.0 \($cwc copies\): a copy specialized for constant arguments" \
	"names cpumask_weight.constprop.0 and its $cwc copies"
like "$txt" "type_show is ambiguous: $ts functions of that name in vmlinux" "type_show: ambiguous, $ts candidates"
is "$(grep -c '\.old_sympos = [0-9]* */\* ffffffff[0-9a-f]\{8\} t type_show \*/' <<< "$txt")" "$ts" \
	"every type_show candidate with its kernel address"
unlike "$txt" "error: .*cpumask_weight" "cpumask_weight with old_sympos 1: no error"
json=$(klp-check --json --map "$map" "$T/m/lp.ko")
is "$(jq -r '.functions[] | select(.old_name == "cpumask_weight") | .clones | map(.name) | join(" ")' <<< "$json")" \
	"cpumask_weight.constprop.0" "JSON: the one clone name"
awk -v s="$secs" 'BEGIN { exit !(s < 5) }' && pass "checked against the full map in ${secs}s" ||
	fail "checked against the full map in under 5 s" "took ${secs}s"

done_testing
