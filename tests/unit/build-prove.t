#!/bin/bash
# klp-build's proving stage on small fixtures: each function of a
# livepatch against the same function of the patched build, relocations
# by what they name. The kernel's symbols named for klp-convert (its input
# .klp.sym.rela.OBJ.OBJ.NAME,POS and its output .klp.sym.OBJ.NAME,POS)
# and a function-local static under the kernel's number count as the
# patched build's plain names; a byte changed in the livepatch's code, a
# relocation naming another symbol, a function the livepatch lacks and an
# input that is no object are each caught, by name and offset.
source "$(dirname "$0")/../lib.sh"

KBP="$KLP_BIN/klp-build-patch"
[ -x "$KBP" ] || skip_all "no $KBP"

cat > "$T/fx.c" <<'C'
#ifndef MSG
#define MSG "old %d\n"
#endif
extern int printk(const char *, ...);
extern int exported_thing;
static int file_local = 4;
static __attribute__((noinline)) int helper(int x) { return x + file_local; }
#ifdef SHIFT
/* A new function with a static of the same name: gcc numbers the statics anew. */
static int __attribute__((noinline)) early(void) { static int calls; return ++calls; }
#define EARLY() early()
#else
#define EARLY() 0
#endif
int changed(int x)
{
	static int calls;

	return printk(MSG, helper(x) + exported_thing + ++calls) + EARLY();
}
int unchanged(int x)
{
	return printk("unchanged %d\n", helper(x));
}
C

fx() {
	gcc -c -O2 -fno-pic -mcmodel=kernel -fno-asynchronous-unwind-tables -pg -mfentry \
		-mrecord-mcount -ffunction-sections -fdata-sections "$@" "$T/fx.c"
}
fx -o "$T/orig.o" || skip_all "gcc cannot build the fixture (-mrecord-mcount)"
kcalls=$(readelf -sW "$T/orig.o" | awk '$4 == "OBJECT" && $8 ~ /^calls\.[0-9]+$/ { print $8 }')
{
	printf 'klp-symbol-map 1\nobject vmlinux\n'
	printf 'ffffffff81000000 t helper\nffffffff81000100 d file_local\n'
	printf 'ffffffff81000400 T changed\nffffffff81000500 D exported_thing x\n'
	printf 'ffffffff81000600 T unchanged\nffffffff81000800 b %s\n' "$kcalls"
} > "$T/k.map"

# The patched build: a new string, a new function whose static shifts gcc's numbers.
fx -D'MSG="new %d\n"' -DSHIFT -o "$T/p.o"
"$KBP" --extract-objects -m "$T/k.map" -o "$T/lp.o" "$T/orig.o" "$T/p.o" > /dev/null 2>&1 ||
	{ fail "the fixture can be extracted"; done_testing; exit 1; }
pcalls=$(readelf -sW "$T/p.o" | awk '$4 == "OBJECT" && $8 ~ /^calls\.[0-9]+$/ { print $8 }' | tr '\n' ' ')
like "$(readelf -sW "$T/lp.o")" "UND \\.klp\\.sym\\.rela\\.vmlinux\\.vmlinux\\.${kcalls//./\\.},0\$" \
	"the fixture: the kernel's static under the original's number ($kcalls; patched: $pcalls)"

prove() {
	out=$("$KBP" "$@" 2>&1)
	rc=$?
}
prove -v --prove-objects "$T/lp.o" "$T/p.o" changed early
is "$rc" 0 "the extracted functions: proved" "$out"
is "$(printf '%s\n' "$out" | grep -c ': identical to the patched build$')" 2 "-v: a line for each function"
like "$out" '^proved function: changed: identical' "... naming it"

# As klp-convert writes them: .klp.sym.OBJ.NAME,POS.
args=()
for s in $(readelf -sW "$T/lp.o" | awk '$8 ~ /^\.klp\.sym\.rela\./ { print $8 }'); do
	n=${s#.klp.sym.rela.vmlinux.vmlinux.}
	args+=(--redefine-sym "$s=.klp.sym.vmlinux.$n")
done
[ ${#args[@]} -ge 2 ] && pass "the fixture has ${#args[@]} kernel symbols by sympos" ||
	fail "the fixture has kernel symbols by sympos" "${args[*]}"
objcopy "${args[@]}" "$T/lp.o" "$T/conv.o"
like "$(readelf -sW "$T/conv.o")" ' \.klp\.sym\.vmlinux\.helper,0$' "... renamed as klp-convert names them"
prove --prove-objects "$T/conv.o" "$T/p.o" changed early
is "$rc:$out" "0:" "klp-convert's names: proved, silently without -v"

# One byte of the livepatch's code changed: the call opcode of __fentry__, never relocated.
off=$(readelf -SW "$T/conv.o" | sed 's/^ *\[ *[0-9]*\] *//' | awk '$1 == ".text.changed" { print $4 }')
value=$(readelf -sW "$T/conv.o" | awk '$4 == "FUNC" && $8 == "changed" { print $2 }')
cp "$T/conv.o" "$T/bad.o"
printf '\xcc' | dd of="$T/bad.o" bs=1 seek=$((0x$off + 0x$value)) conv=notrunc 2>/dev/null
prove -v --prove-objects "$T/bad.o" "$T/p.o" changed early
is "$rc" 1 "a corrupted byte: the proof fails"
like "$out" "bad\\.o: symbol 'changed': not the code of .*p\\.o: the bytes differ at \\+0x0\$" \
	"... naming the function and the first differing offset"
like "$out" '^proved function: early: identical' "... the other function still proved"

# A relocation naming another symbol of the kernel than the build's.
objcopy --redefine-sym .klp.sym.vmlinux.helper,0=.klp.sym.vmlinux.unchanged,0 "$T/conv.o" "$T/bad.o"
prove --prove-objects "$T/bad.o" "$T/p.o" changed
is "$rc" 1 "a relocation to another symbol: the proof fails"
like "$out" "symbol 'changed':.*the relocation at \\+0x[0-9a-f]+ was [0-9]+:helper.*now [0-9]+:unchanged" \
	"... naming the offset and both symbols"
# Another sympos names the same symbol: the sympos was proven when it was chosen.
objcopy --redefine-sym .klp.sym.vmlinux.helper,0=.klp.sym.vmlinux.helper,2 "$T/conv.o" "$T/pos.o"
prove --prove-objects "$T/pos.o" "$T/p.o" changed
is "$rc" 0 "a sympos is not part of the name compared"

prove --prove-objects "$T/conv.o" "$T/p.o" unchanged
like "$rc:$out" "^1:.*symbol 'unchanged':.*no function of that name in .*conv\\.o" \
	"a function the livepatch lacks: named"
echo 'not an object' > "$T/junk.ko"
prove --prove-objects "$T/junk.ko" "$T/p.o" changed
like "$rc:$out" "^1:.*junk\\.ko" "an input that is no object: an error naming it"

# A static branch whose key asks objtool for a NOP (x86's bit 1): where
# objtool runs only at the module's link (6.12 with IBT), the livepatch
# has the NOP and the patched build the compiler's jmp.
cat > "$T/jl.c" <<'C'
extern int printk(const char *, ...);
struct static_key { int enabled; } key_nop, key_jmp;
static inline __attribute__((always_inline)) int branch(struct static_key *key, const int flag)
{
	asm goto("1: jmp %l[l_yes]\n\t"
		 ".pushsection __jump_table, \"aw\"\n\t.balign 8\n\t"
		 ".long 1b - .\n\t.long %l[l_yes] - .\n\t.quad %c0 + %c1 - .\n\t.popsection"
		 : : "i" (key), "i" (flag) : : l_yes);
	return 0;
l_yes:
	return 1;
}
int branchy(int x)
{
	if (branch(&key_nop, 2))
		x += printk("nop\n");
	if (branch(&key_jmp, 0))
		x += printk("jmp\n");
	return x;
}
C
gcc -c -O2 -fno-pic -mcmodel=kernel -fno-asynchronous-unwind-tables -pg -mfentry \
	-mrecord-mcount -ffunction-sections -fdata-sections -o "$T/jl.o" "$T/jl.c"
# The sites: the code field (offset 0 of the 16-byte entry) of each __jump_table entry.
sites=($(readelf -rW "$T/jl.o" | awk '/__jump_table/ { f = 1; next } /^Relocation/ { f = 0 }
	f && $1 ~ /^[0-9a-f]+0$/ && $5 == ".text.branchy" { print "0x" $NF }'))
off=$(readelf -SW "$T/jl.o" | sed 's/^ *\[ *[0-9]*\] *//' | awk '$1 == ".text.branchy" { print $4 }')
value=$(readelf -sW "$T/jl.o" | awk '$4 == "FUNC" && $8 == "branchy" { print $2 }')
site() {	# site N BYTES: jl.o with the Nth site's jmp replaced
	cp "$T/jl.o" "$T/jl-$1.o"
	printf "$2" | dd of="$T/jl-$1.o" bs=1 seek=$((0x$off + ${sites[$1]})) conv=notrunc 2>/dev/null
}
if [ ${#sites[@]} = 2 ] && [ "$(od -An -tx1 -j $((0x$off + ${sites[0]})) -N1 "$T/jl.o")" = " eb" ]; then
	site 0 '\x66\x90'
	prove --prove-objects "$T/jl-0.o" "$T/jl.o" branchy
	is "$rc:$out" "0:" "a static branch objtool made a NOP: proved"
	site 1 '\x66\x90'
	prove --prove-objects "$T/jl-1.o" "$T/jl.o" branchy
	like "$rc:$out" "^1:.*symbol 'branchy':.*the bytes differ at \\+0x$(printf %x $((sites[1] - 0x$value)))\$" \
		"a NOP where the key keeps the jmp: the proof fails at the site"
	site 0 '\x90\x90'
	prove --prove-objects "$T/jl-0.o" "$T/jl.o" branchy
	like "$rc:$out" "^1:.*the bytes differ at \\+0x$(printf %x $((sites[0] - 0x$value)))\$" \
		"another NOP than objtool's: the proof fails"
else
	for i in 1 2 3; do skip "static branch $i" "gcc made no short jmp at the sites (${sites[*]})"; done
fi
done_testing
