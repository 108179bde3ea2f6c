#!/bin/bash
# A module with thousands of sections: every lookup the conversion makes (a
# .klp.rela section by name, the klp tables' relocations by offset) must
# find the right one among them, not just the first few.
source "$(dirname "$0")/../lib.sh"

n=2000
{
	echo 'klp-symbol-map 1'
	echo 'object vmlinux'
	for i in $(seq 0 $((n - 1))); do
		printf '%016x t hidden_%d\n' $((0xffffffff81000000 + i * 16)) "$i"
	done
	printf '%016x t patched_fn\n' $((0xffffffff82000000))
} > "$T/map"

{
	cat <<'SRC'
static const char modinfo[] __attribute__((section(".modinfo"), used)) = "livepatch=Y";
char __this_module[64] __attribute__((section(".gnu.linkonce.this_module")));
struct klp_func { const char *old_name; void *new_func; unsigned long old_sympos; char rest[64]; };
struct klp_object { const char *name; struct klp_func *funcs; char rest[64]; };
struct klp_patch { void *mod; struct klp_object *objs; char rest[64]; };
int new_fn(void) { return 0; }
static struct klp_func funcs[] = { { .old_name = "patched_fn", .new_func = new_fn }, { } };
static struct klp_object objs[] = { { .name = 0, .funcs = funcs }, { } };
struct klp_patch patch = { .mod = __this_module, .objs = objs };
SRC
	for i in $(seq 0 $((n - 1))); do
		echo "extern int hidden_$i(void); int user_$i(void) { return hidden_$i() + 1; }"
	done
} > "$T/lp.c"
cc_obj "$T/lp.o" "$(cat "$T/lp.c")"

out=$(klp-convert -v "$T/map" "$T/lp.o" "$T/out.o" 2>&1)
is "$?" 0 "a module with $n sections converts"
unlike "$out" "no struct klp_patch found" "... its klp tables are found without DWARF"
secs=$(readelf -SW "$T/out.o")
is "$(echo "$secs" | grep -c '\.klp\.rela\.vmlinux\.\.text\.user_')" "$n" \
	"... one .klp.rela section per function"
is "$(echo "$secs" | grep -c ' \.rela\.text\.user_')" 0 "... and no ordinary one left"
relocs=$(readelf -rW "$T/out.o")
for i in 0 777 $((n - 1)); do
	like "$(echo "$relocs" | grep -A3 "^Relocation section '\.klp\.rela\.vmlinux\.\.text\.user_$i'")" \
		"\.klp\.sym\.vmlinux\.hidden_$i,0" "... user_$i's relocation names hidden_$i"
done

# Converted again, nothing is left to move: its .klp.rela sections stay as they are.
ok "the output converts again" klp-convert "$T/map" "$T/out.o" "$T/again.o"
is "$(readelf -SW "$T/again.o" | grep -c '\.klp\.rela\.')" "$n" "... with the same .klp.rela sections"

done_testing
