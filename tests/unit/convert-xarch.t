#!/bin/bash
# ppc64le and s390x (big-endian) livepatch modules, cross-compiled with the
# kernel's module flags: converted by the rules of each arch's 6.1 loader
# (lib/elf/arch.c), annotations and klp tables read in the object's byte
# order, and what the loader cannot apply late refused with its reason.
source "$(dirname "$0")/../lib.sh"

# arch/powerpc/Makefile: modules get -mcmodel=large (KBUILD_CFLAGS_MODULE),
# ftrace -mprofile-kernel; arch/s390/Makefile: modules are -fPIC.
PPC_CC=powerpc64le-linux-gnu-gcc
PPC_FLAGS="-mlittle-endian -mabi=elfv2 -mcmodel=large -mprofile-kernel -pg
	-mno-pointers-to-nested-functions -mno-save-toc-indirect -msoft-float
	-mno-altivec -mno-vsx"
S390_CC=s390x-linux-gnu-gcc
S390_FLAGS="-m64 -fPIC -mpacked-stack -mbackchain -msoft-float"

have_ppc=false
have_s390=false
command -v "$PPC_CC" > /dev/null && have_ppc=true
command -v "$S390_CC" > /dev/null && have_s390=true
$have_ppc || $have_s390 ||
	skip_all "no cross compiler ($PPC_CC, $S390_CC: apt-get install gcc-powerpc64le-linux-gnu gcc-s390x-linux-gnu)"

# xcc_obj ARCH OUT.o C-SOURCE [CFLAGS...]: cc_obj for ARCH (ppc or s390).
xcc_obj() {
	local arch=$1 out=$2 src=$3 cc flags
	shift 3
	case $arch in
	ppc) cc=$PPC_CC flags=$PPC_FLAGS ;;
	s390) cc=$S390_CC flags=$S390_FLAGS ;;
	esac
	printf '%s\n' "$src" > "${out%.o}.c"
	# shellcheck disable=SC2086
	$cc -c -O2 $flags -fno-asynchronous-unwind-tables -ffunction-sections \
		-I"$TOP/include" "$@" -o "$out" "${out%.o}.c"
}

# vmlinux at 0xc000000000000000 and modules in vmalloc space on ppc64;
# vmlinux low and modules near the top of the address space on s390x.
map_for() {	# ARCH
	local v m
	case $1 in
	ppc) v=c0000000 m=c0080000 ;;
	s390) v=00000000 m=000003ff ;;
	esac
	cat <<MAP
klp-symbol-map 1
object vmlinux
${v}00123400 t hidden_fn
${v}01234500 d hidden_var
${v}00100100 t type_show
${v}00100200 t type_show
${v}00200100 t vmlinux_fn
${v}00200200 t vmlinux_fn
object target_mod
${m}80001010 d counter
${m}80001020 d counter
${m}80001030 d tgt_data
${m}80000030 t tgt_fn
MAP
}

HEAD='#include "klp_convert.h"
static const char modinfo[] __attribute__((section(".modinfo"), used)) = "livepatch=Y";
char __this_module[64] __attribute__((section(".gnu.linkonce.this_module")));
struct klp_func { const char *old_name; void *new_func; unsigned long old_sympos;
		  void *old_func; char rest[120]; };
struct klp_object { const char *name; struct klp_func *funcs; void *callbacks[4];
		    char rest[120]; };
struct klp_patch { void *mod; struct klp_object *objs; char rest[184]; };
extern int hidden_fn(int);
extern int hidden_var;
extern int type_show(void);'

# A call to an unexported function, a data pointer and a data use of an
# unexported variable, a KLP_SYMPOS homonym, a KLP_RELOC_SYMBOL module
# symbol, and klp tables for vmlinux and target_mod.
patch_src() {	# VMLINUX-OLD-SYMPOS
	cat <<SRC
$HEAD
KLP_MODULE_RELOC(vmlinux) vmlinux_relocs[] = { KLP_SYMPOS(type_show, 2), };
extern int counter KLP_RELOC_SYMBOL(target_mod, target_mod, counter, 2);
int *ptr = &hidden_var;
int new_fn(int x) { return hidden_fn(x) + hidden_var + type_show() + 1; }
int new_tgt(void) { return counter; }
static struct klp_func vfuncs[] = { { .old_name = "vmlinux_fn", .new_func = new_fn,
				      .old_sympos = $1 }, { } };
static struct klp_func tfuncs[] = { { .old_name = "tgt_fn", .new_func = new_tgt }, { } };
static struct klp_object objs[] = { { .name = 0, .funcs = vfuncs },
				    { .name = "target_mod", .funcs = tfuncs }, { } };
struct klp_patch patch = { .mod = __this_module, .objs = objs };
SRC
}

# rela_of OUT SECTION: the relocations of one section, "TYPE SYMBOL" a line.
rela_of() {
	readelf -rW "$1" | awk -v sec="'$2'" '
		/^Relocation section/ { on = ($3 == sec); next }
		on && NF >= 5 && $1 ~ /^[0-9a-f]+$/ { print $3, $5 }'
}

# expect_refused ARCH DESC REGEX SOURCE: the conversion fails with REGEX.
expect_refused() {
	local arch=$1 desc=$2 regex=$3 src=$4 out rc
	xcc_obj "$arch" "$T/e.o" "$src" || { fail "$desc" "fixture does not compile"; return; }
	rm -f "$T/e.out"
	out=$(klp-convert "$T/map.$arch" "$T/e.o" "$T/e.out" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && [ ! -e "$T/e.out" ] && printf '%s' "$out" | grep -qE -- "$regex"; then
		pass "$desc"
	else
		fail "$desc" "exit $rc" "$out"
	fi
}

common_checks() {	# ARCH LABEL
	local arch=$1 a=$2 syms secs
	syms=$(readelf -sW "$T/lp.$arch.out")
	secs=$(readelf -SW "$T/lp.$arch.out")
	like "$syms" 'OS \[0xff20\] \.klp\.sym\.vmlinux\.hidden_fn,0$' "$a: unexported function: .klp.sym.vmlinux.hidden_fn,0"
	like "$syms" 'OS \[0xff20\] \.klp\.sym\.vmlinux\.hidden_var,0$' "$a: unexported variable: .klp.sym.vmlinux.hidden_var,0"
	like "$syms" 'OS \[0xff20\] \.klp\.sym\.vmlinux\.type_show,2$' "$a: KLP_SYMPOS(type_show, 2): sympos read from the annotation"
	like "$syms" 'OS \[0xff20\] \.klp\.sym\.target_mod\.counter,2$' "$a: KLP_RELOC_SYMBOL: .klp.sym.target_mod.counter,2"
	unlike "$secs" 'klp\.module_relocs' "$a: annotation section removed"
	unlike "$syms" 'vmlinux_relocs|klp\.sym\.rela\.' "$a: annotation symbols removed"
	is "$(readelf -SW "$T/lp.$arch.out" | grep -c '\.klp\.rela\..* RELA .* A[IO]*[^ ]* ')" \
		"$(readelf -SW "$T/lp.$arch.out" | grep -c '\.klp\.rela\.')" "$a: every .klp.rela section is SHT_RELA and SHF_ALLOC"
	like "$(readelf -SW "$T/lp.$arch.out" | grep '\.klp\.rela\.vmlinux\.\.text\.new_fn')" \
		' RELA .* AIo ' "$a: .klp.rela sections carry SHF_RELA_LIVEPATCH (o)"
	ok "$a: readelf reads the output without complaint" \
		sh -c "readelf -a '$T/lp.$arch.out' 2>&1 >/dev/null | grep -q . && exit 1 || exit 0"
	like "$(klp-check --map "$T/map.$arch" "$T/lp.$arch.out" 2>&1)" \
		'patch \(layout from DWARF\): 2 objects, 2 functions' "$a: klp-check reads the klp tables"
	ok "$a: klp-check --tables-only passes" klp-check --tables-only --map "$T/map.$arch" "$T/lp.$arch.out"
}

tables_checks() {	# ARCH LABEL
	local arch=$1 a=$2 dbg out
	for dbg in -g -g0; do
		# old_sympos 3: vmlinux has two vmlinux_fn; read in the wrong byte order it
		# would be 3 << 56 and fail differently.
		xcc_obj "$arch" "$T/bad.o" "$(patch_src 3)" $dbg
		out=$(klp-convert "$T/map.$arch" "$T/bad.o" "$T/bad.out" 2>&1)
		like "$out" "vmlinux_fn.*(sympos|position) 3" "$a $dbg: a wrong old_sympos in the klp tables is caught"
		xcc_obj "$arch" "$T/good.o" "$(patch_src 2)" $dbg
		ok "$a $dbg: the right one converts" klp-convert "$T/map.$arch" "$T/good.o" "$T/good.out"
	done
	xcc_obj "$arch" "$T/name.o" "$(patch_src 2 | sed 's/"tgt_fn"/"no_such_fn"/')" -g
	like "$(klp-convert "$T/map.$arch" "$T/name.o" "$T/name.out" 2>&1)" \
		"target_mod: no function no_such_fn in target_mod" "$a: a wrong old_name is caught"
}

if $have_ppc; then
	map_for ppc > "$T/map.ppc"
	xcc_obj ppc "$T/lp.ppc.o" "$(patch_src 2)" -g
	out=$(klp-convert -v "$T/map.ppc" "$T/lp.ppc.o" "$T/lp.ppc.out" 2>&1)
	ok "ppc64le: converts" test -e "$T/lp.ppc.out"
	unlike "$out" 'warning' "ppc64le: without a warning"
	common_checks ppc ppc64le
	is "$(rela_of "$T/lp.ppc.out" .klp.rela.vmlinux..text.new_fn)" \
		"R_PPC64_REL24 .klp.sym.vmlinux.hidden_fn,0
R_PPC64_REL24 .klp.sym.vmlinux.type_show,2" "ppc64le: calls stay R_PPC64_REL24 (through the loader's stubs)"
	is "$(rela_of "$T/lp.ppc.out" .klp.rela.vmlinux..toc)" "R_PPC64_ADDR64 .klp.sym.vmlinux.hidden_var,0" \
		"ppc64le: the variable's .toc entry is R_PPC64_ADDR64 in .klp.rela.vmlinux..toc"
	is "$(rela_of "$T/lp.ppc.out" .klp.rela.target_mod..toc)" "R_PPC64_ADDR64 .klp.sym.target_mod.counter,2" \
		"ppc64le: the module's is in .klp.rela.target_mod..toc"
	like "$(rela_of "$T/lp.ppc.out" .klp.rela.vmlinux..data.rel)" "^R_PPC64_ADDR64 .klp.sym.vmlinux.hidden_var,0$" \
		"ppc64le: the data pointer is R_PPC64_ADDR64"
	syms=$(readelf -sW "$T/lp.ppc.out")
	like "$syms" ' UND \.TOC\.$' "ppc64le: .TOC. is left to the loader"
	like "$syms" ' UND _mcount$' "ppc64le: _mcount is left to the loader (its ftrace stub goes by name)"
	like "$(readelf -rW "$T/lp.ppc.out" | sed -n "/section '.rela.text.new_fn'/,/^\$/p")" 'R_PPC64_ENTRY' \
		"ppc64le: R_PPC64_ENTRY stays with the loader"
	# REL24 is merged into the bl: 6.1 checks no zero target, so the bytes stay.
	# The cross objcopy: the host's knows only x86 without binutils-multiarch.
	ok "ppc64le: the bl instructions under the relocations are kept" sh -c "
		powerpc64le-linux-gnu-objcopy -O binary --only-section=.text.new_fn '$T/lp.ppc.o' '$T/a.bin' &&
		powerpc64le-linux-gnu-objcopy -O binary --only-section=.text.new_fn '$T/lp.ppc.out' '$T/b.bin' &&
		[ -s '$T/a.bin' ] && cmp '$T/a.bin' '$T/b.bin'"
	tables_checks ppc ppc64le

	expect_refused ppc "ppc64le: R_PPC64_REL32 to vmlinux is refused: not in reach" \
		"symbol 'hidden_var': R_PPC64_REL32 relocation at .* cannot become a livepatch relocation for object 'vmlinux': checked to 2 GB" \
		"$HEAD
int use(void) { return hidden_var; }
asm(\".pushsection .data.rel32,\\\"aw\\\"\\n.long hidden_var - .\\n.popsection\");"
	expect_refused ppc "ppc64le: R_PPC64_TOC16_HA to vmlinux is refused: relative to the module's TOC" \
		"symbol 'hidden_var': R_PPC64_TOC16_HA relocation .* own TOC pointer" \
		"$HEAD
int use(void) { int r; asm(\"addis %0,2,hidden_var@toc@ha\" : \"=r\"(r)); return r; }"
	expect_refused ppc "ppc64le: a module-specific R_PPC64_ADDR64 in read-only data is refused (plain store)" \
		"symbol 'tgt_data': R_PPC64_ADDR64 relocation at \\.rodata\\.cptr.* for object 'target_mod': .*plain store" \
		"$HEAD
extern int tgt_data;
int use(void) { return tgt_data; }
asm(\".pushsection .rodata.cptr,\\\"a\\\"\\n.quad tgt_data\\n.popsection\");"
	expect_refused ppc "ppc64le: a bl to a livepatch symbol without the nop after it is refused" \
		"symbol 'hidden_fn': R_PPC64_REL24 relocation at .* needs a nop after the bl .*Expected nop after call" \
		"$HEAD
int use(void);
asm(\".pushsection .text.use,\\\"ax\\\"\\n.globl use\\nuse: mflr 0\\nbl hidden_fn\\naddi 3,3,1\\nmtlr 0\\nblr\\n.popsection\");"
	xcc_obj ppc "$T/sib.o" "$HEAD
int use(void);
asm(\".pushsection .text.use,\\\"ax\\\"\\n.globl use\\nuse: b hidden_fn\\n.popsection\");"
	ok "ppc64le: ... a sibling call (b) needs none" klp-convert "$T/map.ppc" "$T/sib.o" "$T/sib.out"
	# In writable data it is fine.
	xcc_obj ppc "$T/rw.o" "$HEAD
extern int counter KLP_RELOC_SYMBOL(target_mod, target_mod, counter, 2);
int *wptr = &counter;"
	ok "ppc64le: ... in writable data it converts" klp-convert "$T/map.ppc" "$T/rw.o" "$T/rw.out"
else
	pass "ppc64le # SKIP no $PPC_CC"
fi

if $have_s390; then
	map_for s390 > "$T/map.s390"
	xcc_obj s390 "$T/lp.s390.o" "$(patch_src 2)" -g
	out=$(klp-convert -v "$T/map.s390" "$T/lp.s390.o" "$T/lp.s390.out" 2>&1)
	ok "s390x: converts" test -e "$T/lp.s390.out"
	like "$(readelf -h "$T/lp.s390.out")" "big endian" "s390x: the output is big-endian"
	common_checks s390 s390x
	is "$(rela_of "$T/lp.s390.out" .klp.rela.vmlinux..text.new_fn)" \
		"R_390_PLT32DBL .klp.sym.vmlinux.hidden_fn,0
R_390_GOTENT .klp.sym.vmlinux.hidden_var,0
R_390_PLT32DBL .klp.sym.vmlinux.type_show,2" "s390x: calls are R_390_PLT32DBL, data through the GOT R_390_GOTENT"
	is "$(rela_of "$T/lp.s390.out" .klp.rela.target_mod..text.new_tgt)" "R_390_GOTENT .klp.sym.target_mod.counter,2" \
		"s390x: the module's variable is in .klp.rela.target_mod..text.new_tgt"
	like "$(rela_of "$T/lp.s390.out" .klp.rela.vmlinux..data.rel)" "^R_390_64 .klp.sym.vmlinux.hidden_var,0$" \
		"s390x: the data pointer is R_390_64"
	like "$out" "warning: .*symbol 'counter': R_390_GOTENT relocation at \.text\.new_tgt.* for object 'target_mod': the loader fills a symbol's GOT slot only once" \
		"s390x: a module-specific GOT use warns that a reload leaves the slot stale"
	is "$(printf '%s\n' "$out" | grep -c 'GOT slot only once')" 1 "... once"
	# The klp symbols stay in the symbol table: the loader's GOT and PLT slots
	# are per symbol index.
	is "$(readelf -sW "$T/lp.s390.out" | grep -c 'OS \[0xff20\]')" 4 "s390x: the livepatch symbols are in .symtab"
	tables_checks s390 s390x

	expect_refused s390 "s390x: R_390_PC32DBL to vmlinux is refused: not in reach of the module area" \
		"symbol 'hidden_var': R_390_PC32DBL relocation at .* for object 'vmlinux': PC-relative within 2 or 4 GB" \
		"$HEAD
long use(void) { long r; asm(\"larl %0,hidden_var\" : \"=r\"(r)); return r; }"
	xcc_obj s390 "$T/pc.o" "$HEAD
extern int tgt_data;
long use(void) { long r; asm(\"larl %0,tgt_data\" : \"=r\"(r)); return r; }"
	ok "s390x: ... to a module symbol it converts (modules share 2 GB)" \
		klp-convert "$T/map.s390" "$T/pc.o" "$T/pc.out"
	is "$(rela_of "$T/pc.out" .klp.rela.target_mod..text.use)" "R_390_PC32DBL .klp.sym.target_mod.tgt_data,0" \
		"... as R_390_PC32DBL in .klp.rela.target_mod..text.use"
	expect_refused s390 "s390x: R_390_32 is refused: a kernel address need not fit" \
		"symbol 'hidden_var': R_390_32 relocation .* range-checked" \
		"$HEAD
int use(void) { return hidden_var; }
asm(\".pushsection .data.abs32,\\\"aw\\\"\\n.long hidden_var\\n.popsection\");"

	# Section groups are read and written in the object's byte order.
	xcc_obj s390 "$T/grp.o" "$HEAD
int use(void) { return hidden_fn(1); }
asm(\".pushsection .text.grp,\\\"axG\\\",@progbits,grpsig,comdat\\n.globl grpsig\\ngrpsig: br %r14\\n.popsection\");"
	ok "s390x: a module with a COMDAT group converts" klp-convert "$T/map.s390" "$T/grp.o" "$T/grp.out"
	like "$(readelf -gW "$T/grp.out")" "COMDAT group section \[ *[0-9]+\] \`\.group' \[grpsig\] contains 1 section" \
		"... and keeps the group"
	is "$(readelf -gW "$T/grp.out" | awk '/^ +\[ *[0-9]+\] +\.text\.grp$/ { print $NF }')" ".text.grp" \
		"... with its member"
	ok "... readelf reads it without complaint" \
		sh -c "readelf -a '$T/grp.out' 2>&1 >/dev/null | grep -q . && exit 1 || exit 0"

	# The map readers on big-endian ELF: a linked "vmlinux" and a module.
	printf '%s\n' 'int hidden_var = 1;' \
		'static int __attribute__((noinline, used)) type_show(void) { return hidden_var; }' \
		'int __attribute__((noinline)) hidden_fn(int x) { return x + type_show(); }' \
		'void _start(void) { hidden_fn(1); for (;;); }' > "$T/vmlinux.c"
	$S390_CC -O2 -nostdlib -static -fno-pie -no-pie -o "$T/vmlinux" "$T/vmlinux.c"
	printf '%s\n' 'static const char modinfo[] __attribute__((section(".modinfo"), used)) = "name=target_mod";' \
		'char __this_module[64] __attribute__((section(".gnu.linkonce.this_module")));' \
		'int tgt_data = 1;' 'int tgt_fn(void) { return tgt_data; }' > "$T/target_mod.c"
	$S390_CC -c -O2 -fPIC -o "$T/target_mod.ko" "$T/target_mod.c"
	ok "s390x: klp-symbols reads a big-endian vmlinux and module" \
		klp-symbols --vmlinux "$T/vmlinux" --module "$T/target_mod.ko" -o "$T/be.map"
	addr=$(s390x-linux-gnu-nm "$T/vmlinux" | awk '$3 == "hidden_fn" { print $1 }')
	like "$(cat "$T/be.map")" "^$addr T hidden_fn$" "... with vmlinux's addresses as nm gives them"
	like "$(sed -n '/^object target_mod/,$p' "$T/be.map")" ' t tgt_fn$' "... and the module's symbols"
	ok "s390x: the patch converts against that map" \
		klp-convert "$T/be.map" "$T/pc.o" "$T/pc2.out"
	# s390x's WARN() points its __bug_table entry at the file name in
	# .rodata.str (SHF_MERGE) PC-relatively, so gas keeps the label "1:"
	# in .symtab as ".L1\002<n>": klp_tgt.ko of the e2e tests has two.
	printf '%s\n' 'static const char modinfo[] __attribute__((section(".modinfo"), used)) = "name=label_mod";' \
		'char __this_module[64] __attribute__((section(".gnu.linkonce.this_module")));' \
		'int lbl_fn(void) { return 1; }' \
		'asm(".pushsection .rodata.str,\"aMS\",@progbits,1\n1: .asciz \"f.c\"\n.popsection\n.pushsection .data.ref,\"aw\"\n.long 1b - .\n.popsection");' \
		> "$T/label_mod.c"
	$S390_CC -c -O2 -fPIC -o "$T/label_mod.ko" "$T/label_mod.c"
	like "$(s390x-linux-gnu-readelf -sW "$T/label_mod.ko")" ' NOTYPE +LOCAL +DEFAULT +[0-9]+ \.L1\^B[0-9]+$' \
		"s390x: the module has gas's local label .L1\\002N in .symtab"
	ok "s390x: klp-symbols --module skips that label (no C name, no sympos of another)" \
		klp-symbols --module "$T/label_mod.ko" -o "$T/label.map"
	like "$(cat "$T/label.map")" ' [tT] lbl_fn$' "... and keeps the module's other symbols"
else
	pass "s390x # SKIP no $S390_CC"
fi

# klp-symbols: kallsyms with either arch's addresses.
printf '%s\n' 'c000000000000000 T _stext' 'c000000000123400 t hidden_fn' 'c000000000100100 t type_show' \
	'c000000000100200 t type_show' 'c008000000001010 d counter	[target_mod]' > "$T/k.ppc"
sed 's/^c000000000/0000000000/; s/^c008000000/000003ff80/' "$T/k.ppc" > "$T/k.s390"
for a in ppc s390; do
	ok "klp-symbols --kallsyms with $a addresses" klp-symbols --kallsyms "$T/k.$a" -o "$T/km.$a"
	like "$(klp-symbols --map "$T/km.$a" --find type_show)" "vmlinux +2 +t $(sed -n 's/ t type_show//p' "$T/k.$a" | tail -n 1) +KLP_SYMPOS\(type_show, 2\)" \
		"... --find lists the $a homonyms with their addresses"
	like "$(klp-symbols --map "$T/km.$a" --find counter)" "target_mod +(0|1) +d $(sed -n 's/ d counter.*//p' "$T/k.$a")" \
		"... and the module's symbol"
done

done_testing
