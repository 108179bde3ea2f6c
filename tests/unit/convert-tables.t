#!/bin/bash
# klp-convert reads the patch's own klp tables: an export of a module the
# patch targets is bound late by livepatch (the module may load after the
# patch); an export of any other module stays with the loader, with a warning.
source "$(dirname "$0")/../lib.sh"

cat > "$T/map" <<'MAP'
klp-symbol-map 1
object vmlinux
ffffffff81000000 t vmlinux_fn
object target_mod
0000000000000010 t tgt_fn
0000000000000020 T helper_export x
object other_mod
0000000000000030 T other_export x
MAP

# The leading fields of include/linux/livepatch.h's structures, enough for
# the reader (it finds the klp_patch through its mod = THIS_MODULE field).
patch_src() {	# OBJECT-NAME-EXPRESSION OLD-NAME
	cat <<SRC
static const char modinfo[] __attribute__((section(".modinfo"), used)) = "livepatch=Y";
char __this_module[64] __attribute__((section(".gnu.linkonce.this_module")));
extern int helper_export(void), other_export(void);
struct klp_func { const char *old_name; void *new_func; unsigned long old_sympos; char rest[64]; };
struct klp_object { const char *name; struct klp_func *funcs; char rest[64]; };
struct klp_patch { void *mod; struct klp_object *objs; char rest[64]; };
int new_fn(void) { return helper_export() + other_export(); }
static struct klp_func funcs[] = { { .old_name = "$2", .new_func = new_fn }, { } };
static struct klp_object objs[] = { { .name = $1, .funcs = funcs }, { } };
struct klp_patch patch = { .mod = __this_module, .objs = objs };
SRC
}

cc_obj "$T/mod.o" "$(patch_src '"target_mod"' tgt_fn)" -g
out=$(klp-convert -v "$T/map" "$T/mod.o" "$T/mod.out" 2>&1)
like "$out" "helper_export: exported by target_mod, which the patch targets: bound by livepatch" \
	"export of the patched module: bound by livepatch"
syms=$(readelf -sW "$T/mod.out")
like "$syms" 'OS \[0xff20\] \.klp\.sym\.target_mod\.helper_export,0$' "... as .klp.sym.target_mod.helper_export,0"
like "$(readelf -SW "$T/mod.out")" '\.klp\.rela\.target_mod\.\.text\.new_fn ' "... in .klp.rela.target_mod..text.new_fn"
like "$out" "symbol 'other_export' is exported by module 'other_mod': the livepatch will depend on it" \
	"export of a module the patch does not target: warning"
like "$syms" ' UND other_export$' "... and left to the loader"

# A patch of vmlinux only: the module's export is not bound late.
cc_obj "$T/vml.o" "$(patch_src '(void *)0' vmlinux_fn)" -g
out=$(klp-convert "$T/map" "$T/vml.o" "$T/vml.out" 2>&1)
like "$(readelf -sW "$T/vml.out")" ' UND helper_export$' "patch of vmlinux: target_mod's export stays with the loader"
like "$out" "symbol 'helper_export' is exported by module 'target_mod'" "... with a warning"

# The tables are checked: an old_name the target does not have fails.
cc_obj "$T/bad.o" "$(patch_src '"target_mod"' no_such_fn)" -g
nok "a klp_func naming a function the target lacks fails the conversion" \
	klp-convert "$T/map" "$T/bad.o" "$T/bad.out"
out=$(klp-convert "$T/map" "$T/bad.o" "$T/bad.out" 2>&1)
like "$out" "error: $T/bad.o: target_mod: no function no_such_fn in target_mod" "... naming file, object and function"
[ ! -e "$T/bad.out" ] && pass "... and nothing is written" || fail "... and nothing is written"

# A patch that changes no function, only to carry relocations (the shape of
# the klp-convert series' selftests): funcs[] = { {}, {} } is all zeros, so gcc
# puts it in .bss. The kernel reads that as an empty list; so must we, with
# the layout from DWARF and without it.
empty_src() {	# OBJECT-NAME-EXPRESSION
	cat <<SRC
static const char modinfo[] __attribute__((section(".modinfo"), used)) = "livepatch=Y";
char __this_module[64] __attribute__((section(".gnu.linkonce.this_module")));
extern int tgt_fn(void);
struct klp_func { const char *old_name; void *new_func; unsigned long old_sympos; char rest[64]; };
struct klp_object { const char *name; struct klp_func *funcs; char rest[64]; };
struct klp_patch { void *mod; struct klp_object *objs; char rest[64]; };
int use(void) { return tgt_fn(); }
static struct klp_func funcs[] = { { }, { } };
static struct klp_object objs[] = { { .name = $1, .funcs = funcs }, { } };
struct klp_patch patch = { .mod = __this_module, .objs = objs };
SRC
}
for dbg in -g -g0; do
	for obj in '"target_mod"' '(void *)0'; do
		what="funcs[] in .bss, object ${obj//\"/}"
		[ "$dbg" = -g0 ] && what="$what, no DWARF"
		cc_obj "$T/empty.o" "$(empty_src "$obj")" "$dbg"
		like "$(readelf -sW "$T/empty.o" | awk '$8 == "funcs" { print $7 }')" '^[0-9]+$' \
			"$what: fixture has funcs in a section"
		bss=$(readelf -SW "$T/empty.o" | grep -E ' \.bss[. ]' | grep -c NOBITS)
		[ "$bss" -ge 1 ] && pass "$what: gcc placed it in NOBITS" ||
			fail "$what: gcc placed it in NOBITS" "$(readelf -SW "$T/empty.o")"
		rm -f "$T/empty.out"
		ok "$what: converts" klp-convert "$T/map" "$T/empty.o" "$T/empty.out"
		like "$(readelf -sW "$T/empty.out" 2>&1)" '\.klp\.sym\.target_mod\.tgt_fn,0$' \
			"$what: its relocation is converted"
		like "$(klp-check --map "$T/map" "$T/empty.out" 2>&1)" ' 0 functions?' \
			"$what: klp-check reads an empty function list"
	done
done

# NULL funcs is still refused: klp_init_object() fails with -EINVAL.
cc_obj "$T/nofuncs.o" "$(empty_src '"target_mod"' | sed 's/, .funcs = funcs//; /klp_func funcs/d')" -g
nok "a klp_object without funcs is refused" klp-convert "$T/map" "$T/nofuncs.o" "$T/nofuncs.out"

done_testing
