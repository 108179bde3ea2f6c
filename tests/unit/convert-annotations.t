#!/bin/bash
# KLP_MODULE_RELOC/KLP_SYMPOS and KLP_RELOC_SYMBOL annotations: honoured,
# checked against the map, and removed from the output.
source "$(dirname "$0")/../lib.sh"

cat > "$T/map" <<'MAP'
klp-symbol-map 1
object vmlinux
ffffffff81000100 t type_show
ffffffff81000200 t type_show
ffffffff81000300 t type_show
ffffffff81000400 D saved_command_line
object target_mod
0000000000000010 d counter
0000000000000020 d counter
0000000000000030 t helper
MAP

MODINFO='static const char modinfo[] __attribute__((section(".modinfo"), used)) = "livepatch=Y";'

cc_obj "$T/a.o" "#include \"klp_convert.h\"
$MODINFO
extern int type_show(void);
extern char *saved_command_line;
KLP_MODULE_RELOC(vmlinux) vmlinux_relocs[] = {
	KLP_SYMPOS(type_show, 2),
};
extern int counter KLP_RELOC_SYMBOL(target_mod, target_mod, counter, 2);
int use(void) { return type_show() + saved_command_line[0] + counter; }
"

ok "annotated module converts" klp-convert "$T/map" "$T/a.o" "$T/a.out"
syms=$(readelf -sW "$T/a.out")
secs=$(readelf -SW "$T/a.out")
like "$syms" "OS \[0xff20\] \.klp\.sym\.vmlinux\.type_show,2$" "KLP_SYMPOS(type_show, 2) gives .klp.sym.vmlinux.type_show,2"
like "$syms" "OS \[0xff20\] \.klp\.sym\.target_mod\.counter,2$" "KLP_RELOC_SYMBOL gives .klp.sym.target_mod.counter,2"
like "$syms" "OS \[0xff20\] \.klp\.sym\.vmlinux\.saved_command_line,0$" "unique symbol resolved from the map beside annotations"
like "$secs" "\.klp\.rela\.target_mod\.\.text\.use " "module symbol goes to .klp.rela.target_mod..text.use"
like "$secs" "\.klp\.rela\.vmlinux\.\.text\.use " "vmlinux symbols go to .klp.rela.vmlinux..text.use"
unlike "$secs" "klp\.module_relocs" "annotation section and its relocations are gone"
unlike "$syms" "vmlinux_relocs" "annotation array symbol is gone"
unlike "$syms" "klp\.sym\.rela\." "KLP_RELOC_SYMBOL name is gone"
ok "readelf reads the output without complaint" sh -c "readelf -a '$T/a.out' 2>&1 >/dev/null | grep -q . && exit 1 || exit 0"

# Without a map, annotations alone are enough.
cc_obj "$T/nomap.o" "#include \"klp_convert.h\"
$MODINFO
extern int type_show(void);
KLP_MODULE_RELOC(vmlinux) r[] = { KLP_SYMPOS(type_show, 3) };
int use(void) { return type_show(); }
"
ok "annotations convert without a map" klp-convert "$T/nomap.o" "$T/nomap.out"
like "$(readelf -sW "$T/nomap.out")" "\.klp\.sym\.vmlinux\.type_show,3$" "sympos taken from the annotation"

# Error paths: each has its message, a non-zero exit and no output file.
expect_error() {
	local desc=$1 regex=$2 src=$3 map=${4-$T/map}
	local out rc
	cc_obj "$T/e.o" "#include \"klp_convert.h\"
$src"
	rm -f "$T/e.out"
	out=$(klp-convert $map "$T/e.o" "$T/e.out" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && [ ! -e "$T/e.out" ] && printf '%s' "$out" | grep -qE -- "$regex"; then
		pass "$desc"
	else
		fail "$desc" "exit $rc, output file $( [ -e "$T/e.out" ] && echo exists || echo absent)" "$out"
	fi
	ls -a "$T" | grep -q '\.e\.out\.tmp' && fail "$desc: temporary file left behind" || true
}

for n in 1 2 3; do
	expect_error "ambiguous name: candidate $n listed as a pasteable KLP_SYMPOS line" \
		"^ +vmlinux +$n +t ffffffff81000$((n))00 +KLP_SYMPOS\(type_show, $n\)," \
		"$MODINFO
extern int type_show(void); int use(void) { return type_show(); }"
done

expect_error "ambiguous name error names the relocation site and function" \
	"used at \.text\.use\+0x[0-9a-f]+ \(in use\+0x" \
	"$MODINFO
extern int type_show(void); int use(void) { return type_show(); }"

expect_error "sympos past the last candidate" \
	"says sympos 4, but 'vmlinux' has only 3" \
	"$MODINFO
extern int type_show(void);
KLP_MODULE_RELOC(vmlinux) r[] = { KLP_SYMPOS(type_show, 4) };
int use(void) { return type_show(); }"

expect_error "sympos 0 on a name that is not unique" \
	"says sympos 0 \(unique\), but 'vmlinux' has 3" \
	"$MODINFO
extern int type_show(void);
KLP_MODULE_RELOC(vmlinux) r[] = { KLP_SYMPOS(type_show, 0) };
int use(void) { return type_show(); }"

expect_error "annotation of a name the object does not have" \
	"names object 'target_mod', which has no such symbol" \
	"$MODINFO
extern int type_show(void);
KLP_MODULE_RELOC(target_mod) r[] = { KLP_SYMPOS(type_show, 1) };
int use(void) { return type_show(); }"

expect_error "duplicate annotation" \
	"annotated twice" \
	"$MODINFO
extern int type_show(void);
KLP_MODULE_RELOC(vmlinux) r[] = { KLP_SYMPOS(type_show, 1), KLP_SYMPOS(type_show, 1) };
int use(void) { return type_show(); }"

expect_error "conflicting annotations" \
	"conflicting annotations: .* says vmlinux sympos 1, .* says vmlinux sympos 2" \
	"$MODINFO
extern int type_show(void);
KLP_MODULE_RELOC(vmlinux) r[] = { KLP_SYMPOS(type_show, 1), KLP_SYMPOS(type_show, 2) };
int use(void) { return type_show(); }"

expect_error "annotation no relocation uses" \
	"symbol 'type_show': .klp.module_relocs.vmlinux entry 0 is not used by any relocation" \
	"$MODINFO
extern int type_show(void);
KLP_MODULE_RELOC(vmlinux) r[] = { KLP_SYMPOS(type_show, 1) };
int use(void) { return 0; }"

expect_error "name found nowhere" \
	"symbol 'no_such_symbol' is not exported and not in the symbol map" \
	"$MODINFO
extern int no_such_symbol; int use(void) { return no_such_symbol; }"

expect_error "not a livepatch module" \
	"not a livepatch module: .modinfo has no livepatch=Y" \
	"extern char *saved_command_line; int use(void) { return saved_command_line[0]; }"

expect_error "module symbol used from a special section (.altinstructions)" \
	"symbol 'helper': R_X86_64_64 relocation at .altinstructions\+0x0 cannot become a livepatch relocation for object 'target_mod': the kernel processes this special section at load time" \
	"$MODINFO
extern int helper(void) KLP_RELOC_SYMBOL(target_mod, target_mod, helper);
void f(void) { asm volatile(\".pushsection .altinstructions, \\\"aw\\\"\n.quad helper\n.popsection\"); }
int use(void) { return helper(); }"

# A static branch on a module's key: the __jump_table entry names the key
# (here helper, unique in target_mod, stands for one).
expect_error "static branch on a module's static key" \
	"symbol 'helper': R_X86_64_64 relocation at __jump_table\\+0x0 cannot become a livepatch relocation for object 'target_mod': a static branch on a key of a module: .* static_key_enabled\\(\\) instead" \
	"$MODINFO
void f(void) { asm volatile(\".pushsection __jump_table, \\\"aw\\\"\\n.quad helper\\n.popsection\"); }"

expect_error "module symbol used from init code" \
	"for object 'target_mod': module-specific livepatch relocations are written after the livepatch's init memory is freed" \
	"$MODINFO
extern int helper(void) KLP_RELOC_SYMBOL(target_mod, target_mod, helper);
__attribute__((section(\".init.text\"))) int init(void) { return helper(); }"

expect_error "a .klp.rela.<module> section needing a vmlinux symbol" \
	"the kernel refuses vmlinux symbols in module-specific section .klp.rela.target_mod" \
	"$MODINFO
extern char *saved_command_line KLP_RELOC_SYMBOL(target_mod, vmlinux, saved_command_line);
int use(void) { return saved_command_line[0]; }"

expect_error "a .klp.rela.vmlinux section needing a module symbol" \
	"are applied when the livepatch loads, before module 'target_mod' can be resolved" \
	"$MODINFO
extern int counter KLP_RELOC_SYMBOL(vmlinux, target_mod, counter, 1);
int use(void) { return counter; }"

printf 'klp-symbol-map 1\nobject vmlinux\n0 D saved_command_line\n0 ? _GLOBAL_OFFSET_TABLE_ x\n' > "$T/map-got"
expect_error "relocation type the loader cannot apply" \
	"R_X86_64_(REX_)?GOTPCRELX? relocation at .* cannot become a livepatch relocation .*no GOT" \
	"$MODINFO
extern char *saved_command_line;
long use(void) { long x; asm(\"movq saved_command_line@GOTPCREL(%%rip), %0\" : \"=r\"(x)); return x; }" "$T/map-got"

expect_error "unannotated unexported symbol with no map and modpost's __versions" \
	"symbol 'hidden' is not exported \(modpost recorded no CRC for it\) and not annotated" \
	"$MODINFO
static const char versions[64] __attribute__((section(\"__versions\"), used)) = \"\\0\\0\\0\\0\\0\\0\\0\\0printk\";
extern int hidden; int use(void) { return hidden; }" ""

expect_error "malformed KLP_RELOC_SYMBOL name" \
	"is not of the form .klp.sym.rela.<lp_obj>.<sym_obj>.<name>,<pos>" \
	"$MODINFO
extern int counter asm(\".klp.sym.rela.target_mod.counter\");
int use(void) { return counter; }"

# Ambiguity across objects: a vmlinux symbol with a namesake in a module.
cat > "$T/map2" <<'MAP'
klp-symbol-map 1
object vmlinux
ffffffff81000400 D shared_name
object some_mod
0000000000000010 d shared_name
MAP
expect_error "same name in vmlinux and a module is ambiguous" \
	"some_mod +1 .*KLP_SYMPOS\(shared_name, 1\), +/\* in KLP_MODULE_RELOC\(some_mod\)" \
	"$MODINFO
extern int shared_name; int use(void) { return shared_name; }" "$T/map2"

# A name exported only by another module: left to the loader, with a warning.
cat > "$T/map3" <<'MAP'
klp-symbol-map 1
object vmlinux
ffffffff81000400 D saved_command_line
object other_mod
0000000000000010 T other_export x
MAP
cc_obj "$T/w.o" "$MODINFO
extern int other_export(void); int use(void) { return other_export(); }"
out=$(klp-convert "$T/map3" "$T/w.o" "$T/w.out" 2>&1)
like "$out" "warning: .*symbol 'other_export' is exported by module 'other_mod'" "export of another module: warning"
like "$(readelf -sW "$T/w.out")" " UND other_export$" "... and it stays an ordinary undefined symbol"

done_testing
