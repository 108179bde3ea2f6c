#!/bin/bash
# klp-check --vmlinux: a function pointer to a function whose ENDBR vmlinux
# seals (.ibt_endbr_seal) is an error, before and after klp-convert; calls,
# jumps and pointers to unsealed functions are not. The vmlinux is a fixture
# linked here; with the -dbg package's vmlinux of an IBT kernel installed
# (or KLP_DBG_VMLINUX naming one), a sealed and an unsealed function are also
# picked from it and checked.
source "$(dirname "$0")/../lib.sh"
cd "$T" || exit 1

# Two static twins: sympos 1 in a.o is left open, sympos 2 in b.o is sealed.
cat > a.c <<'SRC'
void sealed_fn(void) { asm volatile(""); }
void open_fn(void) { asm volatile(""); }
static void __attribute__((used, noinline)) twin(void) { asm volatile("nop"); }
void *keep_open = open_fn;
void *keep_twin = twin;
void _start(void) {}
asm(".pushsection .ibt_endbr_seal,\"a\"\n.long sealed_fn - .\n.popsection");
SRC
cat > b.c <<'SRC'
static void __attribute__((used, noinline)) twin(void) { asm volatile("nop; nop"); }
asm(".pushsection .ibt_endbr_seal,\"a\"\n.long twin - .\n.popsection");
SRC
gcc -O2 -fcf-protection=branch -c a.c b.c && ld -o vmlinux -Ttext=0xffffffff81000000 a.o b.o ||
	{ fail "link the vmlinux fixture"; done_testing; }
ok "the fixture's map" klp-symbols --vmlinux vmlinux -o map
echo "ffffffff81000f00 T klp_enable_patch x" >> map

# Enough of a livepatch for klp-check and klp-convert: modinfo and klp tables.
cp "$TOP/tests/include/klp_stub.h" klp.h
PATCH='#include "klp.h"
static const char modinfo[] __attribute__((section(".modinfo"), used)) = "livepatch=Y";
static struct klp_func funcs[] = { { .old_name = "open_fn", .new_func = new_fn }, { } };
static struct klp_object objs[] = { { .funcs = funcs }, { } };
static struct klp_patch patch = { .mod = &__this_module, .objs = objs };
int lp_init(void) { return klp_enable_patch(&patch); }
asm(".section .gnu.linkonce.this_module,\"aw\"\n.globl __this_module\n__this_module: .zero 64\n.previous");'
cc_obj lp.o "#include \"klp_convert.h\"
$PATCH
extern void sealed_fn(void);
extern void open_fn(void);
extern void twin(void);
KLP_MODULE_RELOC(vmlinux) relocs[] = { KLP_SYMPOS(twin, 2) };
void (*to_sealed)(void) = sealed_fn;
void (*to_open)(void) = open_fn;
void (*to_twin)(void) = twin;
void calls(void) { sealed_fn(); twin(); }
void *takes(void) { return sealed_fn; }
" -fcf-protection=branch || { fail "compile the livepatch"; done_testing; }

out=$(klp-check --map map --vmlinux vmlinux lp.o)
is "$?" 1 "pointers to sealed functions: exit 1"
is "$(grep -c 'ibt-sealed-address' <<< "$out")" 3 "three sites take a sealed address" "$out"
like "$out" "to_sealed\+0x0 takes the address of vmlinux's 'sealed_fn' \(R_X86_64_64\)" "a data pointer"
like "$out" "takes\+0x[0-9a-f]* takes the address of vmlinux's 'sealed_fn' \(R_X86_64_32S\)" "a mov \$imm"
like "$out" "to_twin\+0x0 takes the address of vmlinux's 'twin'" "KLP_SYMPOS(twin, 2): the sealed twin"
unlike "$out" "'open_fn'|calls\+" "an unsealed function and direct calls are fine"

ok "the livepatch converts" klp-convert map lp.o lp.ko
like "$(readelf -sW lp.ko)" "\.klp\.sym\.vmlinux\.sealed_fn,0" "converted: .klp.sym names"
out=$(klp-check --map map --vmlinux vmlinux lp.ko)
is "$(grep -c 'ibt-sealed-address' <<< "$out")" 3 "after klp-convert: the same three"

cc_obj one.o "#include \"klp_convert.h\"
$PATCH
extern void twin(void);
KLP_MODULE_RELOC(vmlinux) relocs[] = { KLP_SYMPOS(twin, 1) };
void (*to_twin)(void) = twin;
" -fcf-protection=branch
ok "KLP_SYMPOS(twin, 1): the open twin is fine" klp-check --map map --vmlinux vmlinux one.o

# Bad input: a clear error, no crash.
objcopy --remove-section .ibt_endbr_seal vmlinux noseal
out=$(klp-check --map map --vmlinux noseal lp.o 2>&1)
is "$?" 1 "a vmlinux without .ibt_endbr_seal: exit 1"
like "$out" "noseal: no \.ibt_endbr_seal section" "... saying so"
out=$(klp-check --map map --vmlinux lp.o lp.o 2>&1)
is "$?" 1 "a module given as vmlinux: exit 1"
head -c 5000 vmlinux > cut
nok "a truncated vmlinux: refused" klp-check --map map --vmlinux cut lp.o
if ! nm "$KLP_BIN/klp-check" 2>/dev/null | grep -q __asan_init && command -v valgrind > /dev/null
then
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=42 \
		klp-check --map map --vmlinux vmlinux lp.o > /dev/null 2>&1
	is "$?" 1 "valgrind: no error nor leak"
else
	pass "valgrind: skipped for a sanitizer build # SKIP"
fi

# The real thing: an IBT kernel's vmlinux from its -dbg package.
rel=$(kernel_release) || rel=
dbg=${KLP_DBG_VMLINUX:-/usr/lib/debug/boot/vmlinux-$rel}
if [ -n "$rel" ] && [ -r "$dbg" ] && readelf -SW "$dbg" | grep -q '\.ibt_endbr_seal'; then
	# A sealed and an unsealed global function, from the kernel itself.
	read -r sealed open < <(perl -e '
		my ($v) = @ARGV;
		open(my $s, "-|", "readelf", "-SW", $v) or die;
		my ($addr, $off, $size);
		while (<$s>) { ($addr, $off, $size) = map hex, (split)[3,4,5] if /\.ibt_endbr_seal/ }
		open(my $f, "<:raw", $v) or die; seek($f, $off, 0); read($f, my $b, $size);
		my %seal; $seal{$addr + 4 * $_ + unpack("l<", substr($b, 4 * $_, 4))} = 1 for 0 .. $size / 4 - 1;
		open(my $n, "-|", "nm", $v) or die;
		my (%cnt, %at); while (<$n>) { my ($a, $t, $name) = split; next unless $t eq "T";
			$cnt{$name}++; $at{$name} = hex $a }
		my @s = sort grep { $cnt{$_} == 1 && $seal{$at{$_}} } keys %at;
		my @o = sort grep { $cnt{$_} == 1 && !$seal{$at{$_}} && $_ !~ /^__pfx_|^__cfi_/ } keys %at;
		print "$s[@s / 2] $o[@o / 2]\n";' "$dbg")
	diag "$rel: $sealed is sealed, $open is not"
	printf 'klp-symbol-map 1\nobject vmlinux\nffffffff81000000 T %s\nffffffff81000010 T %s\n' \
		"$sealed" "$open" > real.map
	printf 'ffffffff81000020 T open_fn\n' >> real.map
	cc_obj real.o "$PATCH
extern void $sealed(void);
extern void $open(void);
void (*a)(void) = $sealed;
void (*b)(void) = $open;
" -fcf-protection=branch
	out=$(klp-check --map real.map --vmlinux "$dbg" real.o)
	like "$out" "takes the address of vmlinux's '$sealed'" "$rel: a pointer to $sealed is an error"
	unlike "$out" "'$open'" "$rel: a pointer to $open is not"
else
	pass "a real IBT vmlinux # SKIP no -dbg vmlinux with .ibt_endbr_seal at $dbg"
fi
done_testing
