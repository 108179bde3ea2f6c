#!/bin/bash
# klp-symbols --module/--modules: a fake module linked like Kbuild links one
# (ld -r of several objects) with same-named statics across files and
# sections, an .init.text twin, exports, per-CPU data, .modinfo and
# non-allocated symbols: each occurrence must get the sympos the kernel
# counts (kernel/module/kallsyms.c: .symtab order, allocated non-init only).
source "$(dirname "$0")/../lib.sh"

# c.o first: its .init.text twin precedes the counted dup_fn occurrences.
cc_obj "$T/c.o" '
__attribute__((section(".init.text"), used, noinline)) static int dup_fn(int x) { return x * 5; }
int init_module(void) { return dup_fn(1); }'
cc_obj "$T/a.o" '
static int dup_var = 1;
__attribute__((noinline)) static int dup_fn(int x) { return x + dup_var++; }
__attribute__((section(".data..percpu"), used)) static int pcpu_var;
int exp_fn(int x) { return dup_fn(x); }
int plain_global(int x) { return dup_fn(x) * 2; }
const int __ksymtab_exp_fn __attribute__((section("__ksymtab"), used)) = 0;
static const char modinfo_sym[] __attribute__((section(".modinfo"), used, aligned(1))) =
	"name=fake_mod";
__asm__(".section .nonalloc,\"\"\nnonalloc_sym: .byte 0\n.previous\n.set abs_sym, 0x1234");'
cc_obj "$T/b.o" '
static int dup_var = 2;
static int bss_var;
__attribute__((noinline)) static int dup_fn(int x) { return x - dup_var-- + bss_var++; }
int b_user(int x) { return dup_fn(x); }'
ld -r -o "$T/fake-mod.ko" "$T/c.o" "$T/a.o" "$T/b.o"

ok "a fake module maps" klp-symbols -o "$T/m.map" --module "$T/fake-mod.ko"
map=$(cat "$T/m.map")
is "$(sed -n 2p "$T/m.map")" "object fake_mod" "the object is .modinfo's name="
is "$(grep -E ' dup_fn( |$)' "$T/m.map" | awk '{print $2, $4}' | tr '\n' ,)" "t i,t ,t ," \
	"dup_fn: the init twin first, flagged i, then the two counted ones"

# The two counted dup_fn: a.o's (at .text.dup_fn offset 0) is sympos 1, b.o's 2.
a_off=$(readelf -sW "$T/fake-mod.ko" | awk '$8 == "dup_fn" && $5 == "LOCAL"' | sed -n 2p | awk '{print $2}')
b_off=$(readelf -sW "$T/fake-mod.ko" | awk '$8 == "dup_fn" && $5 == "LOCAL"' | sed -n 3p | awk '{print $2}')
find=$(klp-symbols --map "$T/m.map" --find dup_fn)
like "$find" "^fake_mod +init +t [0-9a-f]+ +\(init section" "--find lists the init twin as not a sympos"
like "$(echo "$find" | sed -n 2p)" "^fake_mod +1 +t 0*${a_off#0*} +KLP_SYMPOS\(dup_fn, 1\)" \
	"a.o's dup_fn is sympos 1"
like "$(echo "$find" | sed -n 3p)" "^fake_mod +2 +t 0*${b_off#0*} +KLP_SYMPOS\(dup_fn, 2\)" \
	"b.o's dup_fn is sympos 2"
is "$(grep -cE ' dup_var$' "$T/m.map")" 2 "both dup_var statics are kept"
is "$(klp-symbols --map "$T/m.map" --find dup_var | grep -c KLP_SYMPOS)" 2 "dup_var has sympos 1 and 2"
like "$map" "T exp_fn x" "an export (a __ksymtab_ entry) is upper case and flagged x"
like "$map" " t plain_global$" "a global that is not exported is lower case, as in kallsyms"
like "$map" " a pcpu_var$" ".data..percpu symbols are kept, type a"
like "$map" " b bss_var$" ".bss symbols are b"
unlike "$map" "modinfo_sym|nonalloc_sym|abs_sym" "no .modinfo, non-allocated or absolute symbols"
unlike "$map" " (c|a|b)\.c$" "no file symbols"

# The same order as the loader's rule, computed independently from readelf.
readelf -SW "$T/fake-mod.ko" | sed -n 's/^ *\[ *\([0-9]*\)\] \([^ ]*\) .*/\1 \2/p' > "$T/secs"
want=$(readelf -sW "$T/fake-mod.ko" | awk -v secs="$T/secs" '
	BEGIN { while ((getline l < secs) > 0) { split(l, f, " "); name[f[1]] = f[2] } }
	$7 ~ /^[0-9]+$/ && $8 != "" && $4 != "SECTION" {
		s = name[$7]
		if (s == ".modinfo" || s == ".nonalloc") next
		print $8 (s ~ /^\.init/ ? " i" : "")
	}')
got=$(awk 'NR > 2 {print $3 ($4 ? " " $4 : "")}' "$T/m.map" | sed 's/ x$//')
is "$got" "$want" "every symbol in .symtab order, as the loader keeps them"

# Compressed modules give the same symbols.
for z in xz zstd gzip; do
	ext=$z; [ $z = gzip ] && ext=gz; [ $z = zstd ] && ext=zst
	mkdir -p "$T/$z"
	$z -q -c "$T/fake-mod.ko" > "$T/$z/fake-mod.ko.$ext"
	ok "$ext module maps" klp-symbols -o "$T/$z.map" --modules "$T/$z"
	is "$(tail -n +2 "$T/$z.map")" "$(tail -n +2 "$T/m.map")" ".ko.$ext gives the same map"
done

# No name=: the name comes from the file name, '-' as '_'.
ld -r -o "$T/no-name.ko" "$T/b.o"
ok "a module without name= maps" klp-symbols -o "$T/n.map" --module "$T/no-name.ko"
is "$(sed -n 2p "$T/n.map")" "object no_name" "the file name gives the runtime name"

# No name=, but struct module's name in .gnu.linkonce.this_module (offset 24).
cc_obj "$T/tm.o" 'struct { char pad[24]; char name[56]; char rest[64]; } __this_module
	__attribute__((section(".gnu.linkonce.this_module"), used)) = { .name = "from_this_module" };
int tm_fn(void) { return 0; }'
ld -r -o "$T/other-name.ko" "$T/tm.o"
ok "a module named by .gnu.linkonce.this_module maps" klp-symbols -o "$T/tm.map" --module "$T/other-name.ko"
is "$(sed -n 2p "$T/tm.map")" "object from_this_module" "struct module's name gives the runtime name"

# Livepatch modules are left out.
cc_obj "$T/lp.o" 'static const char mi[] __attribute__((section(".modinfo"), used, aligned(1))) =
	"livepatch=Y\0name=lp"; int lp_fn(void) { return 0; }'
ld -r -o "$T/lp.ko" "$T/lp.o"
ok "a livepatch module beside a target" klp-symbols -o "$T/l.map" --module "$T/lp.ko" --module "$T/fake-mod.ko"
unlike "$(cat "$T/l.map")" "object lp|lp_fn" "the livepatch module is left out"

# A tree: recursive, symlinks not followed, the same file given twice read once.
mkdir -p "$T/tree/kernel/a" "$T/tree/kernel/b" "$T/elsewhere"
cp "$T/fake-mod.ko" "$T/tree/kernel/a/"
cp "$T/no-name.ko" "$T/tree/kernel/b/"
cp "$T/b.o" "$T/tree/kernel/b/not-a-module.o"
cp "$T/b.o" "$T/elsewhere/x.ko"
ln -s "$T/elsewhere" "$T/tree/build"
ok "a modules tree maps" klp-symbols -o "$T/t.map" --modules "$T/tree" --module "$T/tree/kernel/a/fake-mod.ko"
is "$(grep ^object "$T/t.map" | tr '\n' ,)" "object fake_mod,object no_name," \
	"every module of the tree once, nothing through the symlink"

# --module wins over a tree's namesake; two namesakes otherwise are an error.
mkdir -p "$T/tree2/x" "$T/tree2/y"
cp "$T/fake-mod.ko" "$T/tree2/x/"
cp "$T/fake-mod.ko" "$T/tree2/y/"
out=$(klp-symbols -o "$T/t2.map" --modules "$T/tree2" 2>&1)
rc=$?
[ $rc -eq 1 ] && pass "two modules of one name: exit 1" || fail "two modules of one name: exit 1" "$rc"
like "$out" "fake_mod was already read" "the error names the module"
[ ! -e "$T/t2.map" ] && pass "no map written" || fail "no map written"
ok "--module chooses among namesakes" klp-symbols -o "$T/t3.map" --modules "$T/tree2" --module "$T/tree2/x/fake-mod.ko"
is "$(grep -c ^object "$T/t3.map")" 1 "one fake_mod"

done_testing
