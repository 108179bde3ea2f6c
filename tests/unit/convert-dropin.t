#!/bin/bash
# klp-convert as a drop-in for the two klp-convert series' Kbuild rules:
#   v7 (2023):      klp-convert symbols.klp X.tmp.ko X.ko
#                   with a klp-convert-symbol-data.0.1 file (names only);
#   minimal (2024): klp-convert X.tmp.ko X.ko
#                   with KLP_RELOC_SYMBOL names only, no map.
# Both rules test only for a zero exit; the output must not exist on failure.
# Also a module built as for an IBT kernel (.note.gnu.property,
# .ibt_endbr_seal), converted the minimal way, keeps those sections intact.
source "$(dirname "$0")/../lib.sh"

MODINFO='static const char modinfo[] __attribute__((section(".modinfo"), used)) = "livepatch=Y";'

# --- v7: a symbols.klp as its filechk_klp_map writes it (nm -f posix names) ---
cat > "$T/symbols.klp" <<'MAP'
klp-convert-symbol-data.0.1
*vmlinux
__ksymtab_printk
printk
saved_command_line
type_show
type_show
*test_klp_convert_mod
driver_name
MAP
cc_obj "$T/v7.tmp.ko" "#include \"klp_convert.h\"
$MODINFO
extern int printk(const char *, ...);
extern char *saved_command_line;
extern int type_show(void);
extern char driver_name[];
KLP_MODULE_RELOC(vmlinux) vmlinux_relocs[] = { KLP_SYMPOS(type_show, 2) };
int use(void) { return printk(\"%s\", saved_command_line) + type_show() + driver_name[0]; }
"
ok "v7 rule: klp-convert symbols.klp X.tmp.ko X.ko" klp-convert "$T/symbols.klp" "$T/v7.tmp.ko" "$T/v7.ko"
syms=$(readelf -sW "$T/v7.ko")
like "$syms" '\.klp\.sym\.vmlinux\.saved_command_line,0$' "v7: a unique name converts with sympos 0"
like "$syms" '\.klp\.sym\.vmlinux\.type_show,2$' "v7: KLP_SYMPOS picks among namesakes"
like "$syms" '\.klp\.sym\.test_klp_convert_mod\.driver_name,0$' "v7: a module's symbol converts"
like "$syms" ' UND printk$' "v7: a __ksymtab_ export stays with the loader"
cmp -s "$T/v7.tmp.ko" "$T/v7.ko" && fail "v7: IN is left as it was and OUT differs" ||
	pass "v7: IN is left as it was and OUT differs"

# --- minimal: two arguments, KLP_RELOC_SYMBOL only ---
cc_obj "$T/min.tmp.ko" "#include \"klp_convert.h\"
$MODINFO
extern char *saved_command_line KLP_RELOC_SYMBOL(vmlinux, vmlinux, saved_command_line);
extern int counter KLP_RELOC_SYMBOL(test_mod, test_mod, counter, 2);
int use(void) { return saved_command_line[0] + counter; }
"
ok "minimal rule: klp-convert X.tmp.ko X.ko" klp-convert "$T/min.tmp.ko" "$T/min.ko"
syms=$(readelf -sW "$T/min.ko")
like "$syms" 'OS \[0xff20\] \.klp\.sym\.vmlinux\.saved_command_line,0$' "minimal: KLP_RELOC_SYMBOL without pos is sympos 0"
like "$syms" 'OS \[0xff20\] \.klp\.sym\.test_mod\.counter,2$' "minimal: KLP_RELOC_SYMBOL with pos"
unlike "$syms" '\.klp\.sym\.rela\.' "minimal: no placeholder name left"

# Nothing to convert: the minimal tool rewrites OUT and exits 0; so do we.
cc_obj "$T/none.tmp.ko" "$MODINFO
int use(void) { return 1; }"
ok "minimal: a livepatch with nothing to convert exits 0" klp-convert "$T/none.tmp.ko" "$T/none.ko"
[ -s "$T/none.ko" ] && pass "... and writes OUT" || fail "... and writes OUT"

# Without a map, other undefined names are left to modpost and the loader,
# as the minimal tool leaves them.
cc_obj "$T/plain.tmp.ko" "$MODINFO
extern int printk(const char *, ...);
int use(void) { return printk(\"x\"); }"
ok "minimal: other undefined names without a map are left alone" klp-convert "$T/plain.tmp.ko" "$T/plain.ko"
like "$(readelf -sW "$T/plain.ko")" ' UND printk$' "... as ordinary undefined symbols"

# An annotation the kernel would refuse: non-zero, no OUT, file and symbol named.
cc_obj "$T/bad.tmp.ko" "#include \"klp_convert.h\"
$MODINFO
extern int counter KLP_RELOC_SYMBOL(test_mod, vmlinux, counter);
int use(void) { return counter; }"
nok "minimal: a vmlinux symbol in a module's .klp.rela fails" klp-convert "$T/bad.tmp.ko" "$T/bad.ko"
[ ! -e "$T/bad.ko" ] && pass "... and OUT is not written" || fail "... and OUT is not written"
out=$(klp-convert "$T/bad.tmp.ko" "$T/bad.ko" 2>&1)
like "$out" "$T/bad.tmp.ko.*counter" "... with a message naming the file and the symbol"

# --- IBT: what a CONFIG_X86_KERNEL_IBT=y build leaves in a module ---
# -fcf-protection=branch puts endbr64 at function entries and writes
# .note.gnu.property; objtool lists the sealable endbr in .ibt_endbr_seal,
# PC32 relocations to the functions.
cc_obj "$T/ibt.tmp.ko" "#include \"klp_convert.h\"
$MODINFO
extern char *saved_command_line KLP_RELOC_SYMBOL(vmlinux, vmlinux, saved_command_line);
extern int counter KLP_RELOC_SYMBOL(test_mod, test_mod, counter, 1);
int lp_show(void) { return saved_command_line[0] + counter; }
asm(\".pushsection .ibt_endbr_seal, \\\"a\\\", @progbits\n.long lp_show - .\n.popsection\");
" -fcf-protection=branch
like "$(readelf -SW "$T/ibt.tmp.ko")" '\.note\.gnu\.property' "IBT fixture has .note.gnu.property"
like "$(objdump -d "$T/ibt.tmp.ko")" 'endbr64' "IBT fixture's functions start with endbr64"
ok "IBT module converts with KLP_RELOC_SYMBOL only, no map" klp-convert "$T/ibt.tmp.ko" "$T/ibt.ko"
for sec in .note.gnu.property .ibt_endbr_seal; do
	a=$(section_bytes "$T/ibt.tmp.ko" "$sec" | od -An -tx1)
	b=$(section_bytes "$T/ibt.ko" "$sec" | od -An -tx1)
	[ -n "$a" ] && [ "$a" = "$b" ] && pass "IBT: $sec kept byte for byte" ||
		fail "IBT: $sec kept byte for byte" "in: $a" "out: $b"
done
like "$(readelf -rW "$T/ibt.ko" | sed -n '/\.rela\.ibt_endbr_seal/,/^$/p')" 'R_X86_64_PC32 .* lp_show' \
	"IBT: .ibt_endbr_seal's relocation to lp_show is kept"
is "$(objdump -d --section=.text "$T/ibt.ko" | grep -c endbr64)" \
	"$(objdump -d --section=.text "$T/ibt.tmp.ko" | grep -c endbr64)" "IBT: every endbr64 is kept"
syms=$(readelf -sW "$T/ibt.ko")
like "$syms" '\.klp\.sym\.vmlinux\.saved_command_line,0$' "IBT: vmlinux reference converted"
like "$syms" '\.klp\.sym\.test_mod\.counter,1$' "IBT: module reference converted"

done_testing
