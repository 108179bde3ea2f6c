#!/bin/bash
# klp-build's kpatch compatibility on fixtures built with include/kpatch's
# kpatch-macros.h (the kernel's few macros it uses, stubbed): the markers
# read from an object (--kpatch-markers), what they change in the findings
# (--diff-objects: an ignored function is no finding, a hook is a new
# function, KPATCH_FORCE_UNSAFE is refused), KPATCH_IGNORE_STATIC in the
# extraction, and marker sections that are not what the header writes.
source "$(dirname "$0")/../lib.sh"

KBP="$KLP_BIN/klp-build-patch"
[ -x "$KBP" ] || skip_all "no $KBP"

mkdir -p "$T/inc/linux"
cat > "$T/inc/linux/compiler.h" <<'C'
#define __used __attribute__((__used__))
#define __section(s) __attribute__((__section__(s)))
#define ___PASTE(a, b) a##b
#define __PASTE(a, b) ___PASTE(a, b)
#define __UNIQUE_ID(prefix) __PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)
C
cat > "$T/inc/linux/printk.h" <<'C'
extern int printk(const char *, ...);
C

cat > "$T/fx.c" <<'C'
#include "kpatch-macros.h"
struct klp_object { const char *name; };
extern int printk(const char *, ...);
static int counter;
int changed(int x) { return printk(MSG, x + ++counter); }
int other(int x) { return printk(MSG2, x); }
__attribute__((section(".text.special"))) int special(int x) { return printk(MSG3, x); }
int statics(void)
{
#ifdef NEW_STATIC
	static int calls;
	return ++calls;
#else
	return 0;
#endif
}
#ifdef HOOKS
static int pre(patch_object *obj) { return printk("pre %s\n", obj->name); }
static void post(patch_object *obj) { printk("post %s\n", obj->name); }
static void pre_un(patch_object *obj) { printk("pre_un %s\n", obj->name); }
static void post_un(patch_object *obj) { printk("post_un %s\n", obj->name); }
static void load(void) { KPATCH_PRINTK("load\n"); }
static void unload(void) { KPATCH_PRINTK("unload\n"); }
KPATCH_PRE_PATCH_CALLBACK(pre);
KPATCH_POST_PATCH_CALLBACK(post);
KPATCH_PRE_UNPATCH_CALLBACK(pre_un);
KPATCH_POST_UNPATCH_CALLBACK(post_un);
KPATCH_LOAD_HOOK(load);
KPATCH_UNLOAD_HOOK(unload);
#endif
#ifdef IGNORE
KPATCH_IGNORE_FUNCTION(other);
KPATCH_IGNORE_SECTION(".text.special");
KPATCH_IGNORE_STATIC("calls");
#endif
#ifdef UNSAFE
KPATCH_FORCE_UNSAFE(changed);
#endif
C

# fx OUT DEFINE...: built as klp-build's patched build, with the header's directory.
fx() {
	local out=$1 d=() a
	shift
	for a in 'MSG="old %d\n"' 'MSG2="two %d\n"' 'MSG3="three %d\n"' "$@"; do d+=(-D"$a"); done
	gcc -c -O2 -fno-pic -mcmodel=kernel -fno-asynchronous-unwind-tables -pg -mfentry \
		-mrecord-mcount -ffunction-sections -fdata-sections -I"$T/inc" \
		-idirafter "$TOP/include/kpatch" "${d[@]}" -o "$T/$out" "$T/fx.c"
}
fx orig.o || skip_all "gcc cannot build the fixture (-mrecord-mcount)"

fx hooks.o HOOKS
out=$("$KBP" --kpatch-markers "$T/hooks.o" 2>&1)
is "$?" 0 "--kpatch-markers reads the hooks" "$out"
for want in 'hook pre_patch: pre$' 'hook post_patch: post$' 'hook pre_unpatch: pre_un$' \
	    'hook post_unpatch: post_un$' 'hook post_patch: load \(load hook\)$' \
	    'hook pre_unpatch: unload \(unload hook\)$'; do
	like "$out" "$want" "a hook: $want"
done
is "$(printf '%s\n' "$out" | grep -c '^hook ')" 6 "six hooks, one line each"
out=$("$KBP" --kpatch-markers "$T/orig.o" 2>&1)
is "$out" "$T/orig.o:" "an object without markers: none"

out=$("$KBP" --diff-objects "$T/orig.o" "$T/hooks.o" 2>&1)
is "$?" 0 "--diff-objects: hooks are new functions" "$out"
for f in pre post pre_un post_un load unload; do
	like "$out" "^new function: $f " "hook $f: a new function of the patched build"
done

# A hook the original build has too, unchanged: the livepatch would not carry it.
fx orig-hooks.o HOOKS
fx hooks-chg.o HOOKS 'MSG="new %d\n"'
out=$("$KBP" --diff-objects "$T/orig-hooks.o" "$T/hooks-chg.o" 2>&1)
is "$?" 1 "a hook the original has unchanged: refused" "$out"
like "$out" "symbol 'load': a post_patch hook, but not a new or changed function" \
	"... naming the hook and why"

fx ign.o IGNORE 'MSG2="changed two %d\n"' 'MSG3="changed three %d\n"'
out=$("$KBP" --kpatch-markers "$T/ign.o" 2>&1)
like "$out" '^ignored function: other$' "KPATCH_IGNORE_FUNCTION: named"
like "$out" '^ignored section: \.text\.special$' "KPATCH_IGNORE_SECTION: named"
like "$out" '^ignored function: special$' "... its function, ignored"
like "$out" '^ignored static: calls$' "KPATCH_IGNORE_STATIC: named"
out=$("$KBP" --diff-objects "$T/orig.o" "$T/ign.o" 2>&1)
is "$?" 0 "--diff-objects with ignored functions" "$out"
like "$out" '^ignored function: other ' "the ignored changed function: said so"
like "$out" '^ignored function: special ' "the changed function of the ignored section: said so"
unlike "$out" '^changed function: (other|special) ' "neither is a finding"
fx chg.o 'MSG2="changed two %d\n"' 'MSG3="changed three %d\n"'
out=$("$KBP" --diff-objects "$T/orig.o" "$T/chg.o" 2>&1)
like "$out" '^changed function: other ' "without the markers, the same change is a finding"

fx unsafe.o UNSAFE 'MSG="new %d\n"'
out=$("$KBP" --kpatch-markers "$T/unsafe.o" 2>&1)
like "$out" '^force unsafe: changed$' "KPATCH_FORCE_UNSAFE: named"
out=$("$KBP" --diff-objects "$T/orig.o" "$T/unsafe.o" 2>&1)
like "$?:$out" "^1:.*symbol 'changed': KPATCH_FORCE_UNSAFE: .*consistency model" \
	"KPATCH_FORCE_UNSAFE: refused, naming the function and why"

# KPATCH_IGNORE_STATIC: the kernel's variable or nothing, never a new one.
printf 'klp-symbol-map 1\nobject vmlinux\nffffffff81000000 b counter\nffffffff81000100 T changed\nffffffff81000200 T statics\n' > "$T/k.map"
fx static.o NEW_STATIC
out=$("$KBP" --extract-objects -m "$T/k.map" -o "$T/static-out.o" "$T/orig.o" "$T/static.o" 2>&1)
is "$?" 0 "a new function-local static, not ignored: a new variable" "$out"
fx static-ign.o NEW_STATIC IGNORE
rm -f "$T/out.o"
out=$("$KBP" --extract-objects -m "$T/k.map" -o "$T/out.o" "$T/orig.o" "$T/static-ign.o" 2>&1)
like "$?:$out" "^1:.*symbol 'calls\.[0-9]+': KPATCH_IGNORE_STATIC: .*statics has no static of that name" \
	"an ignored static the original function has not: refused"
[ -e "$T/out.o" ] && fail "refused, yet written" || pass "refused: nothing written"

# The hooks are extracted as new functions; no marker section is kept.
out=$("$KBP" --extract-objects -m "$T/k.map" -o "$T/hooks-out.o" "$T/orig.o" "$T/hooks.o" 2>&1)
is "$?" 0 "the hooks' object extracted" "$out"
secs=$(readelf -SW "$T/hooks-out.o")
for f in pre post pre_un post_un load unload; do
	like "$secs" " \.text(\.unlikely)?\.$f " "hook $f: kept"
done
unlike "$secs" 'klp_build' "no .discard.klp_build.* section in the extracted object"

# Marker sections that are not the header's: refused, by section.
cat > "$T/bad.s" <<'S'
	.text
	.globl f
	.type f, @function
f:	ret
	.size f, .-f
	.section .discard.klp_build.hook.load,"aw"
	.quad 0
S
gcc -c -o "$T/bad.o" "$T/bad.s"
out=$("$KBP" --kpatch-markers "$T/bad.o" 2>&1)
like "$?:$out" "^1:.*'\.discard\.klp_build\.hook\.load': 8 bytes and 0 relocations" \
	"a hook entry without its relocation: refused"
sed -i 's/\.quad 0/.quad undefined_fn/' "$T/bad.s"
gcc -c -o "$T/bad.o" "$T/bad.s"
out=$("$KBP" --kpatch-markers "$T/bad.o" 2>&1)
like "$?:$out" "^1:.*not a function of the file: a hook must be defined in the patched file" \
	"a hook that is not the file's function: refused"
printf 'f:\tret\n\t.section .discard.klp_build.ignore_function,"a"\n\t.ascii "f"\n' > "$T/bad2.s"
gcc -c -o "$T/bad2.o" "$T/bad2.s"
out=$("$KBP" --kpatch-markers "$T/bad2.o" 2>&1)
like "$?:$out" "^1:.*not the NUL-terminated names" "names without their NUL: refused"
printf 'f:\tret\n\t.section .discard.klp_build.hook.sometimes,"aw"\n\t.quad f\n' > "$T/bad3.s"
gcc -c -o "$T/bad3.o" "$T/bad3.s"
out=$("$KBP" --kpatch-markers "$T/bad3.o" 2>&1)
like "$?:$out" "^1:.*a marker klp-build does not know" "an unknown marker: refused"
printf 'not an object' > "$T/junk.o"
out=$("$KBP" --kpatch-markers "$T/junk.o" 2>&1)
like "$?:$out" "^1:.*junk\.o" "not an object: refused, naming it"

# klp-build (the script) gives the patch mode the source tree's headers.
mkdir "$T/fake"
printf '#!/bin/sh\necho "$KLP_KPATCH_INCLUDE"\n' > "$T/fake/klp-build-patch"
chmod +x "$T/fake/klp-build-patch"
is "$(KLP_BIN=$T/fake KLP_KPATCH_INCLUDE= "$TOP/scripts/klp-build" --kpatch-markers x.o)" \
	"$(cd "$TOP/include/kpatch" && pwd)" "scripts/klp-build sets KLP_KPATCH_INCLUDE to include/kpatch"

# The reader and the filter under valgrind, on good markers and bad ones.
if ! command -v valgrind > /dev/null; then
	skip "valgrind runs" "valgrind is not installed"
elif ldd "$KBP" 2>/dev/null | grep -q libasan; then
	skip "valgrind runs" "a sanitizer build: valgrind runs against the plain build"
else
	vg() { valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=99 "$KBP" "$@" > /dev/null 2> "$T/vg"; }
	for args in "--kpatch-markers $T/hooks.o $T/ign.o" "--diff-objects $T/orig.o $T/ign.o" \
		    "--diff-objects $T/orig-hooks.o $T/hooks-chg.o" "--kpatch-markers $T/bad.o" \
		    "--extract-objects -m $T/k.map -o $T/vg.o $T/orig.o $T/static-ign.o"; do
		# shellcheck disable=SC2086
		vg $args
		[ "$?" != 99 ] && pass "valgrind clean: ${args%% *}" || fail "valgrind: $args" "$(cat "$T/vg")"
	done
fi

done_testing
