#!/bin/bash
# klp-check: command line, the ftrace list, and hostile input of every kind
# (bad files, malformed tables, corrupted modules): a clear error, never a
# crash, valgrind clean.
source "$(dirname "$0")/../lib.sh"
command -v jq > /dev/null || { fail "jq installed (apt-get install jq): the JSON report is checked with it"; done_testing; }

cd "$T" || exit 1
cp "$TOP/tests/include/klp_stub.h" klp.h
cat > lp.c <<'SRC'
#include "klp.h"
static struct klp_func vfuncs[] = { { .old_name = "notrace_fn", .new_func = new_fn },
				    { .old_name = "traced_fn", .new_func = new_fn }, { } };
static struct klp_func efuncs[] = { { .old_name = "ext4_fn", .new_func = new_fn }, { } };
static struct klp_object objs[] = { { .funcs = vfuncs }, { .name = "ext4", .funcs = efuncs }, { } };
static struct klp_patch patch = { .mod = &__this_module, .objs = objs };
int lp_init(void) { return klp_enable_patch(&patch); }
SRC
gcc -O2 -g -c lp.c -o lp.o || { fail "compile the patch"; done_testing; }
gcc -O2 -c lp.c -o lp-nodebug.o
cat > map <<'MAP'
klp-symbol-map 1
object vmlinux
ffffffff81000000 t notrace_fn
ffffffff81000100 t traced_fn
object ext4
0000000000000010 t ext4_fn
MAP

# Command line
klp-check > /dev/null 2>&1; is "$?" 2 "no arguments: exit 2"
klp-check lp.o > /dev/null 2>&1; is "$?" 2 "no --map: exit 2"
klp-check --bogus --map map lp.o > /dev/null 2>&1; is "$?" 2 "unknown option: exit 2"
like "$(klp-check --help)" "usage: klp-check --map MAP" "--help prints the usage"
ok "a correct patch: exit 0" klp-check --werror --map map lp.o
ok "the same without DWARF" klp-check --werror --map map lp-nodebug.o
is "$(klp-check --json --map map lp-nodebug.o | jq -r '[.layout, (.functions | length)] | join(" ")')" \
	"leading-fields 3" "without DWARF: leading fields, all three functions"

# ftrace
printf 'traced_fn\nother\next4_fn [ext4]\n' > aff
out=$(klp-check --map map --ftrace-list aff lp.o)
is "$?" 0 "a function missing from ftrace is a warning: exit 0"
like "$out" "warning: vmlinux: notrace_fn is not in aff: ftrace cannot hook it" "notrace_fn: not hookable"
unlike "$out" "traced_fn is not|ext4_fn is not" "traced_fn and ext4_fn [ext4] are hookable"
klp-check --werror --map map --ftrace-list aff lp.o > /dev/null; is "$?" 1 "--werror: exit 1"
is "$(klp-check --json --map map --ftrace-list aff lp.o | jq -c '[.functions[].ftrace]')" "[false,true,true]" \
	"JSON: ftrace per function"
printf 'traced_fn\nnotrace_fn\next4_fn\n' > aff2
like "$(klp-check --map map --ftrace-list aff2 lp.o)" "ext4_fn is not in aff2" \
	"a vmlinux entry does not stand for a module's function"
printf 'traced_fn [ext4\n' > aff3
nok "malformed ftrace list: clean failure" klp-check --map map --ftrace-list aff3 lp.o
like "$(klp-check --map map --ftrace-list aff3 lp.o 2>&1)" 'aff3:1: expected "name \[module\]"' "... saying where"
nok "missing ftrace list" klp-check --map map --ftrace-list nonexistent lp.o

# Upstream's map format: names only, no types.
printf 'klp-convert-symbol-data.0.1\n*vmlinux\nnotrace_fn\ntraced_fn\ntraced_fn.isra.0\n*ext4\next4_fn\n' > up.map
out=$(klp-check --map up.map lp.o)
is "$?" 0 "upstream map: no errors"
like "$out" "traced_fn.isra.0: a copy with parameters removed" "upstream map: clones found without types"
printf 'klp-convert-symbol-data.0.1\n*vmlinux\nnotrace_fn\ntraced_fn\n*ext4\next4_fnn\n' > up2.map
like "$(klp-check --map up2.map lp.o)" "did you mean ext4_fnn\?" "upstream map: typo hints without types"

# Which namesake is which: the target's debug information numbers them as
# sympos does and gives each one's declaration.
cat > a.c <<'SRC'
int ext(int x) { return x * 3; }
static __attribute__((noinline)) int dup_fn(int x)
{
	return ext(x) + 1;
}
int use_a(int x) { return dup_fn(x); }
void _start(void) { }
SRC
cat > b.c <<'SRC'
extern int ext(int);
/* another file's dup_fn, declared further down */

static __attribute__((noinline)) int dup_fn(int x)
{
	return ext(x) - 1;
}
int use_b(int x) { return dup_fn(x); }
SRC
gcc -O2 -g -fno-pie -no-pie -nostdlib -static -o kernel.elf a.c b.c
cat > dup.c <<'SRC'
#include "klp.h"
static struct klp_func funcs[] = { { .old_name = "dup_fn", .new_func = new_fn }, { } };
static struct klp_object objs[] = { { .funcs = funcs }, { } };
static struct klp_patch patch = { .mod = &__this_module, .objs = objs };
int lp_init(void) { return klp_enable_patch(&patch); }
SRC
gcc -O2 -g -c dup.c -o dup.o
{ echo 'klp-symbol-map 1'; echo 'object vmlinux'; nm -n kernel.elf | awk 'NF == 3 { print $1, $2, $3 }'; } > dup.map
out=$(klp-check --map dup.map --debuginfo kernel.elf dup.o)
like "$out" "dup_fn is ambiguous: 2 functions" "two dup_fn: ambiguous"
like "$out" "\.old_sympos = 1 +is $T/a.c:2" "sympos 1 is a.c's, declared on line 2"
like "$out" "\.old_sympos = 2 +is $T/b.c:4" "sympos 2 is b.c's, declared on line 4"
printf 'klp-symbol-map 1\nobject vmlinux\n1 t dup_fn\n2 t dup_fn\n3 t dup_fn\n' > dup3.map
like "$(klp-check --map dup3.map --debuginfo kernel.elf dup.o)" "kernel.elf has 2 dup_fn, the map 3: not the same build" \
	"a debug file of another build: no misleading lines"

# Bad side files
printf 'Callgraph clone;a;1;f.c;1;1\n' > bad.ipa
nok "truncated ipa-clones line: clean failure" klp-check --map map --ipa-clones bad.ipa lp.o
like "$(klp-check --map map --ipa-clones bad.ipa lp.o 2>&1)" "bad.ipa:1: not a line of gcc's -fdump-ipa-clones output" "... saying where"
printf 'hello\0world\n' > nul.ipa
nok "binary ipa-clones: clean failure" klp-check --map map --ipa-clones nul.ipa lp.o
nok "missing ipa-clones file" klp-check --map map --ipa-clones nonexistent lp.o
like "$(klp-check --map map --debuginfo lp-nodebug.o lp.o 2>&1)" "lp-nodebug.o: no DWARF debug information" \
	"--debuginfo without DWARF: says so"
nok "--debuginfo without DWARF: clean failure" klp-check --map map --debuginfo lp-nodebug.o lp.o
echo 'not elf' > junk
nok "--debuginfo not ELF: clean failure" klp-check --map map --debuginfo junk lp.o
nok "module not ELF: clean failure" klp-check --map map junk
nok "missing module" klp-check --map map nonexistent.o
xz -k -c lp.o > lp.o.xz
like "$(klp-check --map map lp.o.xz 2>&1)" "xz-compressed" "compressed module: says so"
nok "missing map" klp-check --map nonexistent lp.o
echo 'klp-symbol-map 2' > map2
nok "map of another version" klp-check --map map2 lp.o
printf 'int x(void) { return 1; }\n' > plain.c && gcc -c plain.c -o plain.o
like "$(klp-check --map map plain.o)" "no struct klp_patch found" "not a livepatch: says so"
nok "not a livepatch: exit 1" klp-check --map map plain.o
out=$(klp-check --tables-only --map map plain.o 2>&1)
is "$?" 0 "--tables-only (klp_run_job) on a module without klp_patch: warning, exit 0"
like "$out" "klp-check: warning: plain.o: no struct klp_patch found" "... with the warning"

# Malformed tables
cat > unterminated.c <<'SRC'
#include "klp.h"
static struct klp_func funcs[] __attribute__((section(".data.funcs"))) =
	{ { .old_name = "traced_fn", .new_func = new_fn } };
static struct klp_object objs[] = { { .funcs = funcs }, { } };
static struct klp_patch patch = { .mod = &__this_module, .objs = objs };
int lp_init(void) { return klp_enable_patch(&patch); }
SRC
cat > nonul.c <<'SRC'
#include "klp.h"
static const char name[4] __attribute__((section(".rodata.name"))) = "abcd";
static struct klp_func funcs[] = { { .old_name = name, .new_func = new_fn }, { } };
static struct klp_object objs[] = { { .funcs = funcs }, { } };
static struct klp_patch patch = { .mod = &__this_module, .objs = objs };
int lp_init(void) { return klp_enable_patch(&patch); }
SRC
cat > bss.c <<'SRC'
#include "klp.h"
static struct klp_object objs[2];
static struct klp_patch patch = { .mod = &__this_module, .objs = objs };
int lp_init(void) { return klp_enable_patch(&patch); }
SRC
cat > nulls.c <<'SRC'
#include "klp.h"
static struct klp_func funcs[] = { { .old_name = "traced_fn" }, { .new_func = new_fn }, { } };
static struct klp_object objs[] = { { .funcs = funcs }, { .name = "ext4" }, { .name = "ext4", .funcs = funcs }, { } };
static struct klp_patch patch = { .mod = &__this_module, .objs = objs };
int lp_init(void) { return klp_enable_patch(&patch); }
SRC
for f in unterminated nonul bss nulls; do
	gcc -O2 -g -c $f.c -o $f.o 2> /dev/null || fail "compile $f.c"
	gcc -O2 -c $f.c -o $f-nodebug.o 2> /dev/null
done
for v in "" -nodebug; do
	like "$(klp-check --map map unterminated$v.o 2>&1)" "klp_func array runs past the end of .data.funcs without a terminating empty entry" \
		"unterminated klp_func array$v: caught"
	like "$(klp-check --map map nonul$v.o 2>&1)" "old_name in .rodata.name is not NUL-terminated" "old_name without NUL$v: caught"
	like "$(klp-check --map map nulls$v.o 2>&1)" "funcs\[1\] has no old_name" "NULL old_name$v: caught"
	like "$(klp-check --map map nulls$v.o 2>&1)" "traced_fn has no new_func" "NULL new_func$v: caught"
done
# All-zero objs[] in .bss reads as no object, as the kernel reads it.
like "$(klp-check --map map bss.o 2>&1)" "warning: .*patch has no klp_object \\(objs\\[\\] is empty\\): the patch changes nothing" \
	"objs in .bss: read as an empty list, with a warning"
out=$(klp-check --json --map map nulls.o)
is "$(jq -r '[.findings[] | select(.level == "error") | .code] | unique | join(" ")' <<< "$out")" \
	"new-func-null object-duplicate object-no-funcs old-name-missing old-name-null" \
	"NULL fields, duplicate and empty objects"

# Scale: a million-symbol map, 400 patched functions, half of them missing
# (each missing one triggers the clone and typo hints): no per-function scan
# of the whole map.
awk 'BEGIN {
	print "klp-symbol-map 1"; print "object vmlinux"
	for (i = 0; i < 1000000; i++) printf "ffffffff8%07x t sym_%d\n", i, i
	for (i = 0; i < 400; i += 2) printf "ffffffff9%07x t f%d\n", i, i
	for (i = 0; i < 400; i++) printf "ffffffffa%07x t f%d.constprop.0\n", i, i
}' > big.map
{
	echo '#include "klp.h"'
	echo 'static struct klp_func funcs[] = {'
	for i in $(seq 0 399); do echo "{ .old_name = \"f$i\", .new_func = new_fn },"; done
	echo '{ } };'
	echo 'static struct klp_object objs[] = { { .funcs = funcs }, { } };'
	echo 'static struct klp_patch patch = { .mod = &__this_module, .objs = objs };'
	echo 'int lp_init(void) { return klp_enable_patch(&patch); }'
} > many.c
gcc -O2 -g -c many.c -o many.o
start=$(date +%s.%N)
out=$(klp-check --json --map big.map many.o)
secs=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.2f", $2 - $1 }')
is "$(jq -r '[.findings[] | select(.code == "old-name-missing")] | length' <<< "$out")/$(jq -r '[.findings[] | select(.code == "gcc-clone")] | length' <<< "$out")" \
	"200/200" "1M symbols: 200 missing functions, 200 clone warnings"
like "$(jq -r '.findings[] | select(.function == "f1") | .notes[]' <<< "$out")" "gcc renamed f1 to f1.constprop.0" \
	"1M symbols: the clone hint for a missing function"
awk -v s="$secs" 'BEGIN { exit !(s < 20) }' && pass "1M symbols, 400 functions: ${secs}s" ||
	fail "1M symbols, 400 functions in under 20 s" "took ${secs}s"
rm -f big.map

# Corrupted modules: random bytes changed, every run must end cleanly.
crashes=
for i in $(seq 1 60); do
	cp lp.o fuzz.o
	size=$(stat -c %s fuzz.o)
	for j in 1 2 3 4; do
		off=$(( (RANDOM * 32768 + RANDOM) % size ))
		printf "$(printf '\\%03o' $((RANDOM % 256)))" |
			dd of=fuzz.o bs=1 seek=$off conv=notrunc status=none
	done
	klp-check --map map --debuginfo fuzz.o --json fuzz.o > /dev/null 2>&1
	rc=$?
	if [ $rc -eq 99 ] || [ $rc -ge 128 ]; then
		crashes="$crashes $i:$rc"
		cp fuzz.o "fuzz-crash-$i.o"
	fi
done
is "$crashes" "" "60 corrupted modules: no crash nor sanitizer report"

# CONFIG_CALL_PADDING's __pfx_ and CFI's __cfi_ symbols (x86 since 6.2) look
# like functions in kallsyms; they are never targets nor suggestions.
cat > pfx.map <<'MAP'
klp-symbol-map 1
object vmlinux
ffffffff810000f0 t __pfx_traced_fn
ffffffff81000100 t traced_fn
ffffffff810001e0 t __cfi_notrace_fn
ffffffff81000200 t notrace_fn
MAP
cat > pfx.c <<'SRC'
#include "klp.h"
static struct klp_func funcs[] = { { .old_name = "__pfx_traced_fn", .new_func = new_fn },
				   { .old_name = "__cfi_notrace_fn", .new_func = new_fn },
				   { .old_name = "pfx_traced_fn", .new_func = new_fn }, { } };
static struct klp_object objs[] = { { .funcs = funcs }, { } };
static struct klp_patch patch = { .mod = &__this_module, .objs = objs };
int lp_init(void) { return klp_enable_patch(&patch); }
SRC
gcc -O2 -c pfx.c -o pfx.o
out=$(klp-check --map pfx.map pfx.o)
is "$?" 1 "__pfx_/__cfi_ old_name: exit 1"
like "$out" "__pfx_traced_fn is the padding before traced_fn, not a function.*set .old_name = \"traced_fn\" \[old-name-padding\]" \
	"__pfx_traced_fn: says which function was meant"
like "$out" "__cfi_notrace_fn is the padding before notrace_fn" "__cfi_notrace_fn: the same"
like "$out" "no function pfx_traced_fn in vmlinux" "a typo near a __pfx_ name is missing..."
unlike "$out" "did you mean __pfx_" "... and no __pfx_ name is suggested for it"

if [ -x "$KLP_BIN/klp-check" ] && ! nm "$KLP_BIN/klp-check" 2>/dev/null | grep -q __asan_init &&
   command -v valgrind > /dev/null; then
	vg() { valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=42 "$@" > /dev/null 2>&1; echo $?; }
	is "$(vg klp-check --map map --ftrace-list aff --json lp.o)" 0 "valgrind: clean run, no leak"
	is "$(vg klp-check --map map nulls-nodebug.o)" 1 "valgrind: malformed tables, no error nor leak"
	is "$(vg klp-check --tables-only --map map nulls.o)" 1 "valgrind: --tables-only, no error nor leak"
else
	pass "valgrind: skipped for a sanitizer build # SKIP"
fi

done_testing
