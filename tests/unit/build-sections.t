#!/bin/bash
# klp-build's extracting stage on the sections that come with pr_debug(),
# tracepoints and their kin: the dynamic debug descriptors the kept code
# uses are the livepatch's own (their strings and the __jump_table entries
# at their keys with them), a tracepoint the file defines stays the
# kernel's, and runtime constants and CONFIG_PRINTK_INDEX's table are
# refused, saying why.
source "$(dirname "$0")/../lib.sh"

KBP="$KLP_BIN/klp-build-patch"
[ -x "$KBP" ] || skip_all "no $KBP"

cat > "$T/fx.c" <<'C'
#ifndef MSG
#define MSG "old %d\n"
#endif
/* struct _ddebug's shape since 6.1: four strings, line, class and flags, a static key. */
struct key { int enabled; long type; };
struct ddebug {
	const char *modname, *function, *filename, *format;
	unsigned int lineno:18, class_id:6, flags:8;
	struct key key;
};
#ifndef CLASS
#define CLASS 63	/* _DPRINTK_CLASS_DFLT: none */
#endif
extern void __dynamic_pr_debug(struct ddebug *, const char *, ...);
/* A descriptor and the __jump_table entry that points at its key, as pr_debug() makes them. */
#define DD(n, fmt, ...) do { __label__ yes; \
	static struct ddebug __attribute__((section("__dyndbg"), aligned(8), used)) n = \
		{ "fx", __func__, __FILE__, fmt, __LINE__, CLASS, 0, { 0, 0 } }; \
	asm goto("1: .byte 0x0f,0x1f,0x44,0,0\n.pushsection __jump_table,\"aw\"\n.balign 8\n" \
		 ".long 1b - .\n.long %l[yes] - .\n.quad %c0 + 2 - .\n.popsection" \
		 :: "i"(&n.key) :: yes); \
	if (0) { yes: __dynamic_pr_debug(&n, fmt, __VA_ARGS__); } } while (0)
/* A tracepoint the file defines (CREATE_TRACE_POINTS), its static call trampoline. */
struct tracepoint { const char *name; int key; };
struct tracepoint __tracepoint_foo __attribute__((section("__tracepoints"))) = { "foo", 0 };
#ifdef NEWTP
struct tracepoint __tracepoint_bar __attribute__((section("__tracepoints"))) = { "bar", 0 };
#define TP() tp_call(&__tracepoint_bar)
#else
#define TP() tp_call(&__tracepoint_foo)
#endif
extern void tp_call(struct tracepoint *);
/* Its static call: the trampoline called, the key only named (DEFINE_STATIC_CALL's). */
extern void __SCT__tp_func_foo(int);
extern struct key __SCK__tp_func_foo;
static void *__attribute__((section(".discard.addressable"), used)) key_addr = &__SCK__tp_func_foo;
#ifdef RUNTIME
#define RC() asm volatile("mov $0x0123456789abcdef, %%rax\n1:\n" \
			  ".pushsection runtime_ptr_foo,\"a\"\n.long 1b - 8 - .\n.popsection" ::: "rax")
#else
#define RC() do { } while (0)
#endif
#ifdef PRINTK_INDEX
static const char *__attribute__((section(".printk_index"), used)) pi_entry_ptr = "fmt";
#endif
int changed(int x)
{
	DD(dd_changed, MSG, x);
	DD(dd_changed2, "second %d\n", x);
	TP();
	RC();
	__SCT__tp_func_foo(x);
	return x + 1;
}
int unchanged(int x)
{
	DD(dd_unchanged, "unchanged %d\n", x);
	TP();
	return x;
}
C

fx() {
	gcc -c -O2 -fno-pic -mcmodel=kernel -fno-asynchronous-unwind-tables -pg -mfentry \
		-mrecord-mcount -ffunction-sections -fdata-sections "$@" "$T/fx.c"
}
fx -o "$T/orig.o" || skip_all "gcc cannot build the fixture (-mrecord-mcount, asm goto)"
printf 'klp-symbol-map 1\nobject vmlinux\nffffffff81000400 T changed\nffffffff81000600 T unchanged\nffffffff81000700 D __tracepoint_foo\n' > "$T/k.map"

# extract_of DEFINE...: the patched build, extracted; out, rc, $T/out.o.
extract_of() {
	local d=()
	for a in "$@"; do d+=(-D"$a"); done
	fx "${d[@]}" -o "$T/p.o"
	rm -f "$T/out.o"
	out=$("$KBP" --extract-objects -m "$T/k.map" --kernel-version 6.1 -o "$T/out.o" \
		"$T/orig.o" "$T/p.o" 2>&1)
	rc=$?
}
# The size of section $1 of $T/out.o, in hex.
secsize() {
	readelf -SW "$T/out.o" | sed 's/^.*\] //' | awk -v s="$1" '$1 == s { print $5 }'
}

extract_of 'MSG="new %d\n"'
is "$rc" 0 "a changed function with two pr_debug()s: extracted" "$out"
syms=$(readelf -sW "$T/out.o") relocs=$(readelf -rW "$T/out.o")
es=$(readelf -sW "$T/p.o" | awk '$8 ~ /^dd_changed\./ { print $3; exit }')
is "$((16#$(secsize __dyndbg)))" "$((2 * es))" "__dyndbg: the kept function's 2 descriptors of $es bytes, not the other one's"
like "$syms" " $es OBJECT +LOCAL +DEFAULT +[0-9]+ dd_changed\\.[0-9]+\$" "... each its own symbol"
like "$syms" "0000000000000000 +$es OBJECT +LOCAL +DEFAULT +[0-9]+ dd_changed[0-9.]*\$" "... renumbered from 0"
unlike "$syms" 'dd_unchanged' "... none of the function the livepatch leaves"
dd=$(echo "$relocs" | sed -n '/rela__dyndbg/,/^$/p')
is "$(echo "$dd" | grep -c R_X86_64_64)" 8 "... with their 4 strings each"
like "$dd" '__func__\.[0-9]+ \+ 0$' "... the function's name the livepatch's own copy"
fsec=$(readelf -SW "$T/out.o" | grep -o '\.rodata\.__func__\.[0-9]*' | head -n 1)
like "$(readelf -p "$fsec" "$T/out.o")" '\] +changed$' "... which reads 'changed'"
jt=$(echo "$relocs" | sed -n '/rela__jump_table/,/^$/p')
is "$(echo "$jt" | grep -c 'R_X86_64_PC64 .* dd_changed[0-9.]* + 2a$')" 2 \
	"__jump_table: both entries' keys point at the livepatch's descriptors"
unlike "$jt" '\.text\.unchanged' "... and no entry of the dropped function"
like "$syms" 'NOTYPE +GLOBAL +DEFAULT +UND __tracepoint_foo$' \
	"a tracepoint the file defines: the kernel's, an undefined symbol"
unlike "$(readelf -SW "$T/out.o")" ' __tracepoints ' "... its section not copied"
like "$syms" 'NOTYPE +GLOBAL +DEFAULT +UND __SCK__tp_func_foo$' \
	"a static call's key kept beside the trampoline called, for objtool to name"
ld -r -o "$T/linked.o" "$T/out.o" && pass "ld -r takes it" || fail "ld -r takes it"

extract_of 'MSG="new %d\n"' CLASS=3
like "$rc:$out" "^1:.*symbol 'dd_changed[0-9.]*': a dynamic debug descriptor of class 3 .*no class map" \
	"a descriptor of a DYNDBG class (DRM's): refused, naming it and the class"

extract_of 'MSG="new %d\n"' NEWTP
like "$rc:$out" "^1:.*symbol '__tracepoint_bar'.*a new tracepoint" "a new tracepoint: refused, named"

extract_of 'MSG="new %d\n"' RUNTIME
like "$rc:$out" "^1:.*'runtime_ptr_foo'.*runtime constant.*module loader never does" \
	"a runtime constant in kept code: refused, saying why"
extract_of 'MSG="new %d\n"' PRINTK_INDEX
like "$rc:$out" "^1:.*'\\.printk_index'.*CONFIG_PRINTK_INDEX" "CONFIG_PRINTK_INDEX's table: refused, saying why"
[ -e "$T/out.o" ] && fail "... and nothing written" || pass "... and nothing written"

# Descriptors that are no array of one size: the loader could not read them.
sed -i 's/aligned(8), used)) n/used)) n/' "$T/fx.c"
fx -o "$T/orig.o"
extract_of 'MSG="new %d\n"'
if [ "$rc" = 0 ]; then
	pass "# SKIP gcc packs the descriptors without a gap here"
else
	like "$out" "dynamic debug descriptor of [0-9]+ bytes at 0x[0-9a-f]+ of __dyndbg" \
		"descriptors with gaps between them: refused, named"
fi

# The proof: 6.12's static branches are jumps in the object that objtool
# makes NOPs of in the linked module; at a __jump_table site they are the same code.
cat > "$T/jl.c" <<'C'
extern int key;
int jl(int x)
{
	/* Flag 2 in the key reference: a site objtool makes a NOP of. */
	asm goto("1: jmp %l[yes]\n.pushsection __jump_table,\"aw\"\n.balign 8\n"
		 ".long 1b - .\n.long %l[yes] - .\n.quad key + 2 - .\n.popsection" :::: yes);
	return x;
yes:
	return x * 3;
}
C
gcc -c -O2 -ffunction-sections -o "$T/jl.o" "$T/jl.c"
site=$(readelf -rW "$T/jl.o" | sed -n '/rela__jump_table/,/^$/p' | awk '$1 ~ /^0+$/ { print $NF }')
secoff=$(readelf -SW "$T/jl.o" | sed 's/^.*\] //' | awk '$1 == ".text.jl" { print $4 }')
at=$((16#$secoff + 16#${site:-0}))
if [ "$(od -An -tx1 -j "$at" -N1 "$T/jl.o" | tr -d ' ')" != eb ]; then
	pass "# SKIP gcc did not make the site a 2-byte jump"
else
	cp "$T/jl.o" "$T/jl.ko"
	printf '\x66\x90' | dd of="$T/jl.ko" bs=1 seek="$at" conv=notrunc 2> /dev/null
	out=$("$KBP" --prove-objects "$T/jl.ko" "$T/jl.o" jl 2>&1)
	is "$?" 0 "a jump label's jmp, a NOP in the module: the same code" "$out"
	printf '\x66\x90' | dd of="$T/jl.ko" bs=1 seek="$((at + 2))" conv=notrunc 2> /dev/null
	out=$("$KBP" --prove-objects "$T/jl.ko" "$T/jl.o" jl 2>&1)
	like "$?:$out" "^1:.*'jl'.*bytes differ at \\+0x$(printf %x $((16#$site + 2)))" \
		"... a NOP anywhere else: a difference"
fi

if ! command -v valgrind > /dev/null; then
	pass "# SKIP valgrind is not installed"
elif ldd "$KBP" 2>/dev/null | grep -q libasan; then
	pass "# SKIP $KBP is a sanitizer build: valgrind runs against the plain build"
else
	sed -i 's/used)) n/aligned(8), used)) n/' "$T/fx.c"
	fx -o "$T/orig.o"
	fx '-DMSG="new %d\n"' -o "$T/p.o"
	valgrind -q --error-exitcode=86 --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=definite,indirect,possible --log-file="$T/vg.log" \
		"$KBP" --extract-objects -m "$T/k.map" -o "$T/vg.o" "$T/orig.o" "$T/p.o" > /dev/null 2>&1
	rc=$?
	[ "$rc" = 0 ] && ! [ -s "$T/vg.log" ] && pass "memcheck-clean" ||
		fail "memcheck-clean" "exit $rc" "$(head -30 "$T/vg.log")"
fi

done_testing
