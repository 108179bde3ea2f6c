#!/bin/bash
# klp-build's diffing stage on small fixtures, one change at a time: a
# caller of a changed static helper gcc inlined, a new function (which
# shifts every string and renumbers the function-local statics: nothing
# else may count as changed), a .cold part with its parent, a .constprop
# clone named with its function, a deleted function, a changed string, and
# what a livepatch cannot change: initialised data, __init code, a notrace
# function.
source "$(dirname "$0")/../lib.sh"

KBP="$KLP_BIN/klp-build-patch"
[ -x "$KBP" ] || skip_all "no $KBP"

cat > "$T/fx.c" <<'C'
#ifndef HELPER_MUL
#define HELPER_MUL 2
#endif
#ifndef INIT_VALUE
#define INIT_VALUE 1
#endif
#ifndef TABLE_LAST
#define TABLE_LAST 3
#endif
#ifndef COLD_MSG
#define COLD_MSG "negative\n"
#endif
#ifndef CLONE_ADD
#define CLONE_ADD 5
#endif
#ifndef NOTRACE_ADD
#define NOTRACE_ADD 1
#endif
#ifndef INIT_CODE
#define INIT_CODE 1
#endif
#ifndef BODY_ADD
#define BODY_ADD 1
#endif
#ifndef HELD_ADD
#define HELD_ADD 1
#endif
#ifndef STATIC_INIT
#define STATIC_INIT 0
#endif
#ifndef UNCHANGED_MSG
#define UNCHANGED_MSG "unchanged %d\n"
#endif
extern int printk(const char *, ...);
extern void report(int) __attribute__((cold));
/* Called by user() below, which must not get copies of them. */
int caller(int x) __attribute__((noinline));
int counted(void) __attribute__((noinline));
#ifdef NEWFN
int early(void) { return printk("a new string before the others\n"); }
#endif
int data_init = INIT_VALUE;
const int table[] = { 1, 2, TABLE_LAST };
static int helper(int x) { return x * HELPER_MUL; }
int caller(int x) { return helper(x) + 1; }
int unchanged(int x) { return printk(UNCHANGED_MSG, x); }
int uses_table(int i) { return table[i]; }
int with_cold(int x)
{
	if (__builtin_expect(x < 0, 0)) {
		report(x);
		printk(COLD_MSG);
		return -1;
	}
	return x + 2;
}
static __attribute__((noinline)) int scale(int x, int k) { return x * k + CLONE_ADD; }
int use_scale(int x) { return scale(x, 3) + scale(x + 1, 3); }
__attribute__((no_instrument_function)) int untraced(int x) { return x + NOTRACE_ADD; }
/* The kernel's out-of-line "static inline": notrace, its callers traced. */
static __attribute__((no_instrument_function, noinline)) int body(int x) { return x * 3 + BODY_ADD; }
int wrap_a(int x) { return body(x) + 1; }
int wrap_b(int x) { return body(x + 2) - 1; }
/* ... and one whose address data holds. */
static __attribute__((no_instrument_function, noinline)) int held(int x) { return x + HELD_ADD; }
int (*const held_ptr)(int) = held;
int call_held(int x) { return held(x) * 2; }
__attribute__((section(".init.text"))) int setup(void) { return printk("setup %d\n", INIT_CODE); }
int counted(void) { static int calls = STATIC_INIT; return ++calls; }
/* A loop to its table's end: a relocation one past the table's symbol. */
extern int step(int);
int to_end(void)
{
	static const char offs[] = { 1, 2, 3, 5, 8, 13, 21 };
	const char *p;
	int s = 0;

	for (p = offs; p < offs + sizeof(offs); p++)
		s += step(*p);
	return s;
}
/* Dynamic debug's descriptors: named by __COUNTER__, holding __LINE__. */
struct desc { const char *fmt; int line; };
extern void hook(struct desc *);
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define DBG_N(n) ({ static struct desc __attribute__((section("__dyndbg"), used)) n = { "dbg", __LINE__ }; hook(&n); })
#define DBG() DBG_N(CAT(__UNIQUE_ID_ddebug, __COUNTER__))
#ifdef SHIFT
#line 500
int shifted(void) { DBG(); return 1; }
#endif
int debugged(void) { DBG(); return 0; }
/* What a changed function uses, for the extraction. */
#ifdef USES
int new_var = 7;
#endif
static __attribute__((noinline)) int local_fn(int x) { return x * 7; }
int user(int x)
{
	return printk("user %d\n", x) + local_fn(x) + data_init + caller(x) + counted()
#ifdef USES
		+ new_var
#endif
		;
}
#ifdef NEWFN
int late(void) { static int calls; return ++calls; }
#endif
#ifndef DROP
int dropped(int x) { return printk("dropped %d\n", x); }
#endif
/* As the kernel's WARN(): its flags (ONCE, TAINT) only in __bug_table, with __LINE__. */
#ifndef BUG_FLAGS
#define BUG_FLAGS 0x0900
#endif
int warns(int x)
{
	if (x > 10)
		asm volatile("1: ud2\n.pushsection __bug_table,\"aw\"\n"
			     ".long 1b - .\n.long %c0 - .\n.word %c1\n.word %c2\n.popsection"
			     :: "i"(__FILE__), "i"(__LINE__), "i"(BUG_FLAGS));
	return x;
}
C

# As klp-build builds: function and data sections, ftrace's call sites.
fx() {
	gcc -c -O2 -fno-pic -mcmodel=kernel -fno-asynchronous-unwind-tables -pg -mfentry \
		-mrecord-mcount -ffunction-sections -fdata-sections "$@" "$T/fx.c"
}
fx -o "$T/base.o" || skip_all "gcc cannot build the fixture (-mrecord-mcount)"
readelf -sW "$T/base.o" | grep -q ' with_cold\.cold$' || skip_all "gcc made no .cold part"

# diff_of DEFINE... [-v]: sets out (findings and messages) and rc.
diff_of() {
	local d=() v=
	for a in "$@"; do
		case $a in -v) v=-v ;; *) d+=(-D"$a") ;; esac
	done
	fx "${d[@]}" -o "$T/v.o"
	out=$("$KBP" $v --diff-objects "$T/base.o" "$T/v.o" 2>&1)
	rc=$?
}
# The findings, one "change name" a line, sorted.
found() {
	printf '%s\n' "$out" | sed -n 's/^\([a-z]*\) function: \([^ ]*\) .*/\1 \2/p' | sort | tr '\n' ' '
}

out=$("$KBP" --diff-objects "$T/base.o" "$T/base.o" 2>&1)
is "$?:$out" "0:" "the same object: nothing changed"

diff_of HELPER_MUL=3
is "$rc:$(found)" "0:changed caller " "a changed static helper gcc inlined: its caller changed, alone"
unlike "$(readelf -sW "$T/v.o")" ' helper$' "... (helper has no symbol of its own)"

diff_of NEWFN
is "$rc:$(found)" "0:new early new late " "new functions, which move every string and renumber statics: only they"
counted_static() { readelf -rW "$1" | sed -n '/rela.text.counted/,/^$/p' | grep -o 'calls\.[0-9]*' | head -n 1; }
a=$(counted_static "$T/base.o") b=$(counted_static "$T/v.o")
if [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]; then
	pass "... (counted's static local was renumbered: $a, then $b)"
else
	fail "... (counted's static local was renumbered)" "$a, then $b"
fi
# to_end's loop bound points one past its renumbered table: no symbol covers it.
end_reloc() { readelf -rW "$1" | sed -n '/rela.text.to_end/,/^$/p' | grep -o '\.rodata\.offs\.[0-9]* + 7'; }
a=$(end_reloc "$T/base.o") b=$(end_reloc "$T/v.o")
if [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]; then
	pass "... (to_end's bound is one past its renumbered table: $a, then $b)"
else
	fail "... (to_end's bound is one past its renumbered table)" "$a, then $b"
fi

diff_of SHIFT
is "$rc:$(found)" "0:new shifted " "lines and __COUNTER__ moved under a debug descriptor: its user unchanged"
bug_line() { readelf -x __bug_table "$1" | sed -n 's/^  0x00000000 [0-9a-f]* [0-9a-f]* \([0-9a-f]\{4\}\).*/\1/p'; }
a=$(bug_line "$T/base.o") b=$(bug_line "$T/v.o")
if [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]; then
	pass "... and warns, whose __bug_table line moved ($a, then $b)"
else
	fail "... and warns, whose __bug_table line moved" "$a, then $b"
fi

# The special tables: what a function does beside its bytes.
diff_of BUG_FLAGS=0x0901
is "$rc:$(found)" "0:changed warns " "WARN_ON to WARN_ON_ONCE: only the __bug_table entry's flags, the function changed"
like "$out" 'changed function: warns ' "... reported"
diff_of BUG_FLAGS=0x0901 -v
like "$out" 'warns: its __bug_table entry for \+0x[0-9a-f]+ differs' "... saying which entry"

diff_of 'UNCHANGED_MSG="changed %d\n"'
is "$rc:$(found)" "0:changed unchanged " "a changed string literal: its user changed"

diff_of 'COLD_MSG="neg\n"'
is "$rc:$(found)" "0:changed with_cold changed with_cold.cold " "a changed .cold part brings its function"
like "$out" 'changed function: with_cold \(.*its \.cold part changed\)' "... saying why"
like "$out" 'changed function: with_cold\.cold \(.*part of with_cold\)' "... and the part names it"

diff_of CLONE_ADD=6
like "$rc:$(found)" '^0:changed scale\.(constprop|isra)\.[0-9]+ $' "a changed gcc clone"
like "$out" 'a clone of scale\)' "... named with its function"

diff_of DROP
is "$rc:$(found)" "0:deleted dropped " "a deleted function"

diff_of STATIC_INIT=1
is "$rc:$(found)" "0:changed counted " "a static local's new initial value: its function changed"

diff_of INIT_VALUE=2
is "$rc" 1 "changed initialised data: refused"
like "$out" "symbol 'data_init': its initial value changed" "... naming the variable and why"
diff_of TABLE_LAST=4
like "$rc:$out" "^1:.*symbol 'table': constant data changed" "changed constant data: refused"
diff_of INIT_CODE=2
like "$rc:$out" "^1:.*symbol 'setup': __init or __exit code changed" "changed __init code: refused"
diff_of NOTRACE_ADD=2
like "$rc:$out" "^1:.*symbol 'untraced': changed, but ftrace cannot patch it \(notrace\): it is global" \
	"a changed global notrace function: refused"
diff_of BODY_ADD=2
is "$rc:$(found)" "0:changed body changed wrap_a changed wrap_b " \
	"a changed static notrace function: carried, with its callers"
like "$out" 'changed function: body \(.*notrace: carried, its callers patched instead\)' "... saying why"
like "$out" 'changed function: wrap_a \(.*calls a changed notrace function\)' "... and why for each caller"
diff_of HELD_ADD=2
like "$rc:$out" "^1:.*symbol 'held': changed, but ftrace cannot patch it \(notrace\), and \.(data\.rel\.ro|rodata)[.a-z_]* holds its address" \
	"a changed static notrace function whose address data holds: refused, naming where"

# The uses of a changed function, each as the extraction will treat it.
diff_of USES HELPER_MUL=3 -v
is "$rc:$(found)" "0:changed caller changed user " "uses: caller and user changed"
uses=$(printf '%s\n' "$out" | sed -n '/^changed function: user /,/^[^ ]/s/^    uses //p')
for want in 'printk \(another file.s\)' '\.rodata(\.user)?\.str1\.1 \(literal, copied\)' \
	'local_fn \(the kernel.s, file-local\)' 'data_init \(the kernel.s, global\)' \
	'caller \(in the livepatch\)' 'counted \(the kernel.s, global\)' 'new_var \(new, copied\)'; do
	like "$uses" "^$want$" "uses: ${want//\\/}"
done
unlike "$uses" '__fentry__' "uses: not ftrace's __fentry__"
is "$(printf '%s\n' "$uses" | sort | uniq -d)" "" "uses: each once"

echo junk > "$T/junk.o"
out=$("$KBP" --diff-objects "$T/base.o" "$T/junk.o" 2>&1)
like "$?:$out" '^1:.*junk.o' "an object that is not ELF: refused, named"
out=$("$KBP" --diff-objects "$T/base.o" 2>&1)
is "$?" 2 "--diff-objects with one object: a usage error"

done_testing
