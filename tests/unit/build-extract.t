#!/bin/bash
# klp-build's extracting stage on small fixtures: the patched object cut
# down to the changed and new functions, the data only the patched build
# has and the strings they print; the file's other symbols referred to as
# the kernel's (file-local ones with the sympos of the map, for
# klp-convert), the special sections' entries of the kept functions only;
# and what it refuses, by name: an ambiguous file-local symbol, a
# function-local static, a special section it does not know, an input that
# is no object.
source "$(dirname "$0")/../lib.sh"

KBP="$KLP_BIN/klp-build-patch"
[ -x "$KBP" ] || skip_all "no $KBP"

cat > "$T/fx.c" <<'C'
#ifndef MSG
#define MSG "old %d\n"
#endif
extern int printk(const char *, ...);
extern int exported_thing;
int file_global = 3;
static int file_local = 4;
static int counter;
static __attribute__((noinline)) int helper(int x) { return x + file_local; }
#ifdef NEWDATA
static int new_var = 7;
static int __attribute__((noinline)) new_fn(int x) { return x * new_var++; }
#define NEWCALL(x) new_fn(x)
#else
#define NEWCALL(x) 0
#endif
/* An exception table entry in each function, as copy_from_user() makes them. */
#define EXT(l) asm volatile("1: nop\n.pushsection __ex_table,\"a\"\n.balign 4\n" \
			    ".long 1b - .\n.long 1b - .\n.long " #l "\n.popsection")
#ifdef UNKNOWN_TABLE
#define TAB() asm volatile("2: nop\n.pushsection .my_table,\"a\"\n.long 2b - .\n.popsection")
#else
#define TAB() do { } while (0)
#endif
#ifdef LOCAL_STATIC
#define CALLS() ({ static int calls; ++calls; })
#else
#define CALLS() 0
#endif
#ifdef TWO_STATICS
#define CALLS2() ({ static int calls; calls += 2; })
#else
#define CALLS2() 0
#endif
#ifdef ALT
/* An alternative in each function (6.1's struct alt_instr); unchanged's calls other(). */
static __attribute__((noinline, used)) void other(void) { asm volatile(""); }
#define ALTERNATIVE(repl) asm volatile("661: .skip 5, 0x90\n662:\n" \
	".pushsection .altinstructions,\"a\"\n.long 661b - .\n.long 6631f - .\n.word 1\n" \
	".byte 662b - 661b\n.byte 6641f - 6631f\n.popsection\n" \
	".pushsection .altinstr_replacement,\"ax\"\n6631: " repl "\n6641:\n.popsection" \
	:: "i"(other))
#else
#define ALTERNATIVE(repl) do { } while (0)
#endif
#ifdef WARN
/* As the kernel's WARN(): __FILE__ an asm operand, which the assembler names .LCn. */
#define WARNING() asm volatile("1: ud2\n.pushsection __bug_table,\"aw\"\n.long 1b - .\n" \
			       ".long %c0 - .\n.word %c1\n.word 0x0901\n.popsection" \
			       :: "i"(__FILE__), "i"(__LINE__))
int warned(int x)
{
	WARNING();
	return x * WARN;
}
#endif
#ifdef AUX
/* static_cpu_has() as 6.1 has it: the slow path a fragment in .altinstr_aux. */
extern unsigned char cpu_caps[];
static inline __attribute__((always_inline)) int cpu_has(void)
{
	asm goto("jmp 6f\n.pushsection .altinstr_aux,\"ax\"\n"
		 "6: testb $1, cpu_caps(%%rip)\njnz %l[yes]\njmp %l[no]\n.popsection" :::: yes, no);
no:
	return 0;
yes:
	return 1;
}
#define CPU_HAS() cpu_has()
#else
#define CPU_HAS() 0
#endif
#ifdef IMM
/*
 * A store of an immediate (movb $1, once_a(%rip)): the immediate follows
 * the pc-relative field, so the addend is 1 less than the field's end
 * counts: .data.once-5, no symbol at -1. printk_once()'s flag.
 */
static char once_a __attribute__((section(".data.once"), used));
#define STORE() ({ once_a = IMM; 0; })
#else
#define STORE() 0
#endif
#ifdef SHIFT
/* A new function with a static of the same name: gcc numbers the statics anew. */
static int __attribute__((noinline)) early(void) { static int calls; return ++calls; }
#define EARLY() early()
#else
#define EARLY() 0
#endif
int changed(int x)
{
	EXT(1);
	TAB();
	ALTERNATIVE(".skip 5, 0xcc");
	counter++;
	return printk(MSG, helper(x) + file_global + exported_thing + counter + CALLS() + CALLS2()) +
	       NEWCALL(x) + EARLY() + CPU_HAS() + STORE();
}
int unchanged(int x)
{
	EXT(2);
	ALTERNATIVE("call %c0");
	return printk("unchanged %d\n", helper(x)) + CPU_HAS();
}
C

# As klp-build builds: function and data sections, ftrace's call sites.
fx() {
	gcc -c -O2 -fno-pic -mcmodel=kernel -fno-asynchronous-unwind-tables -pg -mfentry \
		-mrecord-mcount -ffunction-sections -fdata-sections "$@" "$T/fx.c"
}
fx -o "$T/orig.o" || skip_all "gcc cannot build the fixture (-mrecord-mcount)"

map() {
	printf 'klp-symbol-map 1\nobject vmlinux\n'
	printf 'ffffffff81000000 t helper\nffffffff81000100 d file_local\n'
	printf 'ffffffff81000200 b counter\nffffffff81000300 D file_global\n'
	printf 'ffffffff81000400 T changed\nffffffff81000500 D exported_thing x\n'
	printf 'ffffffff81000600 T unchanged\n'
	printf '%s\n' "$@"
}
map > "$T/k.map"

# extract_of DEFINE...: the patched build, extracted; out, rc, $T/out.o.
extract_of() {
	local d=()
	for a in "$@"; do d+=(-D"$a"); done
	fx "${d[@]}" -o "$T/p.o"
	rm -f "$T/out.o"
	out=$("$KBP" --extract-objects -m "$T/${MAP:-k.map}" ${KVER:+--kernel-version "$KVER"} \
		-o "$T/out.o" "$T/orig.o" "$T/p.o" 2>&1)
	rc=$?
}

extract_of 'MSG="new %d\n"' NEWDATA
is "$rc" 0 "a changed function with a new function and a new variable: extracted" "$out"
like "$out" '2 functions, 2 data, 6 kernel symbols \(2 by sympos\), 3 entries' \
	"... counted: 2 functions, the string and the new variable, 6 kernel symbols, 3 entries"
secs=$(readelf -SW "$T/out.o") syms=$(readelf -sW "$T/out.o") relocs=$(readelf -rW "$T/out.o")
like "$secs" ' \.text\.changed ' "the changed function's section"
like "$secs" ' \.text\.new_fn ' "the new function's section"
like "$secs" ' \.(data|bss)\.new_var ' "the new variable's section"
like "$secs" ' \.rodata\.[a-z.]*str1\.1 ' "the new string's section"
unlike "$secs" 'unchanged' "no section of the unchanged function"
unlike "$syms" ' (unchanged|file_local)$' "no symbol of what the kept code does not use"
like "$syms" 'NOTYPE +GLOBAL +DEFAULT +UND \.klp\.sym\.rela\.vmlinux\.vmlinux\.helper,0$' \
	"a file-local function: named for klp-convert, with its sympos"
like "$syms" 'NOTYPE +GLOBAL +DEFAULT +UND \.klp\.sym\.rela\.vmlinux\.vmlinux\.counter,0$' \
	"a file-local variable: named for klp-convert"
for s in file_global exported_thing printk __fentry__; do
	like "$syms" "NOTYPE +GLOBAL +DEFAULT +UND $s\$" "$s: an ordinary undefined symbol"
done
like "$syms" 'FUNC +GLOBAL +DEFAULT +[0-9]+ changed$' "the changed function: global, for the init file"
# ELF's rule: every local symbol before sh_info, every global after.
first_global=$(readelf -SW "$T/out.o" | sed 's/^.*\] //' | awk '$1 == ".symtab" { print $(NF-1) }')
last_local=$(echo "$syms" | awk '$5 == "LOCAL" { n = $1 } END { sub(":", "", n); print n }')
is "$((last_local + 1))" "$first_global" "the locals come first: sh_info $first_global"
is "$(readelf -SW "$T/out.o" | sed -n 's/.* __ex_table *PROGBITS *[0-9a-f]* [0-9a-f]* \([0-9a-f]*\) .*/\1/p')" 00000c \
	"__ex_table: the kept function's entry, not the other one's"
is "$(echo "$relocs" | sed -n '/__mcount_loc/,/^$/p' | grep -c R_X86_64_64)" 2 \
	"__mcount_loc: the two kept functions"
unlike "$(echo "$relocs" | sed -n '/rela__ex_table/,/^$/p')" 'unchanged' "... __ex_table points at no dropped code"
like "$(echo "$relocs" | sed -n '/rela.text.changed/,/^$/p')" 'R_X86_64_PC32 .*\.helper,0 - 4$' \
	"a call through the section symbol now names the function"
ld -r -o "$T/linked.o" "$T/out.o" && pass "ld -r takes it" || fail "ld -r takes it"

# A name the target has twice: which one is the file's is not known.
map 'ffffffff81000700 t helper' > "$T/dup.map"
MAP=dup.map extract_of 'MSG="new %d\n"'
is "$rc" 1 "an ambiguous file-local symbol: refused"
like "$out" "symbol 'helper'.*vmlinux has 2 symbols of that name" "... naming it and the count"
is "$(printf '%s\n' "$out" | grep -c '^    ')" 2 "... with its 2 candidates"
[ -e "$T/out.o" ] && fail "... and nothing written" || pass "... and nothing written"

grep -v ' helper$' "$T/k.map" > "$T/none.map"
MAP=none.map extract_of 'MSG="new %d\n"'
like "$rc:$out" "^1:.*symbol 'helper'.*no symbol helper in the map" "a file-local symbol the map lacks: refused"

extract_of 'MSG="new %d\n"' LOCAL_STATIC
is "$rc" 0 "a new function-local static: extracted" "$out"
like "$(readelf -SW "$T/out.o")" ' \.bss\.calls\.[0-9]+ ' "... as the livepatch's own variable"

# The kernel's static is the original build's: its number, not the patched one's.
fx -DLOCAL_STATIC -o "$T/orig.o"
kcalls=$(readelf -sW "$T/orig.o" | awk '$4 == "OBJECT" && $8 ~ /^calls\.[0-9]+$/ { print $8 }')
map "ffffffff81000800 b $kcalls" > "$T/static.map"
MAP=static.map extract_of 'MSG="new %d\n"' LOCAL_STATIC SHIFT
pcalls=$(readelf -sW "$T/p.o" | awk '$4 == "OBJECT" && $8 ~ /^calls\.[0-9]+$/ { print $8 }' | tr '\n' ' ')
is "$rc" 0 "a function-local static of the kernel: extracted" "$out"
like "$(readelf -sW "$T/out.o")" "UND \\.klp\\.sym\\.rela\\.vmlinux\\.vmlinux\\.${kcalls//./\\.},0\$" \
	"... named as the original build names it ($kcalls; the patched build has $pcalls)"
like "$(readelf -SW "$T/out.o")" ' \.text\.early ' "... and the new function, with its own new static"
like "$(readelf -sW "$T/out.o")" ' OBJECT +LOCAL +DEFAULT +[0-9]+ calls\.[0-9]+$' "... which is the livepatch's"
# Two statics of one name in one function: which is which cannot be told.
fx -DLOCAL_STATIC -DTWO_STATICS -o "$T/orig.o"
MAP=static.map extract_of 'MSG="new %d\n"' LOCAL_STATIC TWO_STATICS
like "$rc:$out" "^1:.*symbol 'calls\.[0-9]+'.*the original changed has two of that name: calls\.[0-9]+ and calls\.[0-9]+" \
	"two function-local statics of one name: refused, both named"
fx -o "$T/orig.o"

extract_of 'MSG="new %d\n"' UNKNOWN_TABLE
like "$rc:$out" "^1:.*'\.my_table'.*special section" "an unknown special section of a kept function: refused, named"
fx -DUNKNOWN_TABLE -o "$T/orig.o"
extract_of UNKNOWN_TABLE 'MSG="new %d\n"'
like "$rc:$out" "^1:.*'\.my_table'" "... also when the original has it too"
fx -o "$T/orig.o"

# A __bug_table entry whose file is a local label in a string section
# the function's code does not use, which the original build has too.
fx -DWARN=1 -o "$T/orig.o"
map 'ffffffff81000b00 T warned' > "$T/warn.map"
MAP=warn.map extract_of WARN=2
is "$rc" 0 "a WARN() whose __FILE__ is a .LC label: extracted" "$out"
lc=$(readelf -rW "$T/out.o" | sed -n '/rela__bug_table/,/^$/p' | awk '$1 ~ /^0*4$/ { print $5 }')
case $lc in
.LC*)
	like "$(readelf -sW "$T/out.o" | awk -v l="$lc" '$8 == l')" 'NOTYPE +LOCAL +DEFAULT +[0-9]+ ' \
		"... the label ($lc) is the livepatch's own string, not a kernel symbol"
	;;
*) skip "... the label is the livepatch's own string" "gcc named __FILE__ by its section ($lc)" ;;
esac
fx -o "$T/orig.o"

# movb $1, once_a(%rip): the target is not the field's end.
fx -DIMM=1 -o "$T/orig.o"
extract_of IMM=2 'MSG="new %d\n"'
is "$rc" 0 "a store of an immediate to a static: extracted" "$out"
like "$(readelf -rW "$T/out.o" | sed -n '/rela.text.changed/,/^$/p')" ' once_a - 5$' \
	"... named, the immediate's byte in the addend"
like "$(readelf -SW "$T/out.o")" ' \.data\.once ' "... a once-only flag: the livepatch's own"
fx -o "$T/orig.o"

# static_cpu_has()'s fragments: the kept function's, the other one's dead.
fx -DAUX -o "$T/orig.o"
extract_of AUX 'MSG="new %d\n"'
is "$rc" 0 "a function with a static_cpu_has() slow path in .altinstr_aux: extracted" "$out"
aux=$(readelf -rW "$T/out.o" | sed -n '/rela.altinstr_aux/,/^$/p')
like "$(readelf -SW "$T/out.o")" ' \.altinstr_aux ' "... with .altinstr_aux"
like "$aux" '\.text\.changed' "... whose kept fragment jumps back into the kept function"
like "$aux" 'cpu_caps' "... and tests the kernel's feature bits"
unlike "$aux" 'unchanged' "... and the dropped function's fragment has no relocation left"
fx -o "$T/orig.o"

# The alternatives: the kept function's entry; the replacement of the other
# one, which calls a function the map has twice, is dead code, relocations dropped.
fx -DALT -o "$T/orig.o"
map 'ffffffff81000900 t other' 'ffffffff81000a00 t other' > "$T/alt.map"
MAP=alt.map KVER=6.1 extract_of ALT 'MSG="new %d\n"'
is "$rc" 0 "alternatives: extracted" "$out"
is "$(readelf -SW "$T/out.o" | sed -n 's/.* \.altinstructions *PROGBITS *[0-9a-f]* [0-9a-f]* \([0-9a-f]*\) .*/\1/p')" 00000c \
	"... one entry of 12 bytes: the kept function's"
unlike "$(readelf -rW "$T/out.o" | sed -n '/rela.altinstr_replacement/,/^$/p')" 'other' \
	"... no relocation of the dead replacement"
MAP=alt.map extract_of ALT 'MSG="new %d\n"'
like "$rc:$out" "^1:.*'\.altinstructions'.*layout is not known" \
	"alternatives of a kernel of unknown version: refused (struct alt_instr changed in 6.3)"
fx -o "$T/orig.o"

head -c 100 "$T/p.o" > "$T/cut.o"
out=$("$KBP" --extract-objects -m "$T/k.map" -o "$T/out.o" "$T/orig.o" "$T/cut.o" 2>&1)
like "$?:$out" '^1:.*cut\.o' "a truncated object: an error naming it"

out=$("$KBP" --extract-objects -o "$T/out.o" "$T/orig.o" "$T/p.o" 2>&1)
is "$?" 2 "--extract-objects without -m: a usage error"

# memcheck: an extraction and a refusal (the sanitizer build is checked by running it).
if ! command -v valgrind > /dev/null; then
	pass "# SKIP valgrind is not installed"
elif ldd "$KBP" 2>/dev/null | grep -q libasan; then
	pass "# SKIP $KBP is a sanitizer build: valgrind runs against the plain build"
else
	for m in k.map dup.map; do
		fx '-DMSG="new %d\n"' -DNEWDATA -o "$T/p.o"
		valgrind -q --error-exitcode=86 --leak-check=full --show-leak-kinds=all \
			--errors-for-leak-kinds=definite,indirect,possible --log-file="$T/vg.log" \
			"$KBP" --extract-objects -m "$T/$m" -o "$T/vg.o" "$T/orig.o" "$T/p.o" > /dev/null 2>&1
		rc=$?
		if [ "$rc" -ne 86 ] && [ "$rc" -le 1 ] && ! [ -s "$T/vg.log" ]; then
			pass "memcheck-clean with $m (exit $rc)"
		else
			fail "memcheck-clean with $m" "exit $rc" "$(head -30 "$T/vg.log")"
		fi
	done
fi

done_testing
