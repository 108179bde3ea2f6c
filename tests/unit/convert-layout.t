#!/bin/bash
# klp-convert on a module referencing unexported symbols from every kind of
# section: the result must have the livepatch ELF layout the kernel expects.
source "$(dirname "$0")/../lib.sh"

cat > "$T/map" <<'MAP'
klp-symbol-map 1
object vmlinux
ffffffff81000000 D saved_command_line
ffffffff81000100 t hidden_fn
ffffffff81000200 d hidden_data
ffffffff81000300 T printk x
ffffffff81000400 r hidden_const
ffffffff81000500 t jump_target
MAP

cc_obj "$T/lp.o" '
extern char *saved_command_line;
extern int hidden_fn(int);
extern int hidden_data;
extern const int hidden_const;
extern int printk(const char *, ...);
static const char modinfo[] __attribute__((section(".modinfo"), used)) = "livepatch=Y";
int text_user(void) { return saved_command_line[0] + printk("x"); }
int other_user(int x) { return hidden_fn(x) + hidden_data; }
void *table[] = { hidden_fn, &hidden_data, &saved_command_line };
const void *const ro_table[] = { &hidden_const };
void special(void) { asm volatile(".pushsection __jump_table, \"aw\"\n\t.quad jump_target\n\t.popsection"); }
'
cp "$T/lp.o" "$T/orig.o"

ok "converts" klp-convert "$T/map" "$T/lp.o" "$T/out.o"
cmp -s "$T/lp.o" "$T/orig.o" && pass "input unchanged" || fail "input unchanged"

secs=$(readelf -SW "$T/out.o")
syms=$(readelf -sW "$T/out.o")
relocs=$(readelf -rW "$T/out.o")

for s in .text.text_user .text.other_user .data .rodata __jump_table; do
	like "$secs" "\.klp\.rela\.vmlinux\.$s +RELA .* 18 AIo " ".klp.rela.vmlinux.$s: SHT_RELA, entsize 24, flags AIo"
done

# sh_link is .symtab, sh_info the section it relocates.
symtab_idx=$(echo "$secs" | sed -n 's/^ *\[ *\([0-9]*\)\] \.symtab .*/\1/p')
text_idx=$(echo "$secs" | sed -n 's/^ *\[ *\([0-9]*\)\] \.text\.other_user .*/\1/p')
line=$(echo "$secs" | grep '\.klp\.rela\.vmlinux\.\.text\.other_user')
is "$(echo "$line" | awk '{print $(NF-2), $(NF-1)}')" "$symtab_idx $text_idx" \
	"sh_link = .symtab, sh_info = .text.other_user"

flags=$(python3 - "$T/out.o" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
shoff, = struct.unpack_from('<Q', d, 0x28)
shnum, shstrndx = struct.unpack_from('<HH', d, 0x3c)
def sh(i): return struct.unpack_from('<IIQQQQIIQQ', d, shoff + 64 * i)
strtab = sh(shstrndx)
for i in range(shnum):
    s = sh(i)
    name = d[strtab[4] + s[0]:].split(b'\0')[0].decode()
    if name.startswith('.klp.rela.'):
        print(name, hex(s[2]))
PY
)
is "$(echo "$flags" | wc -l)" "$(echo "$secs" | grep -c '\.klp\.rela\.')" "flags read for every .klp.rela section"
like "$(echo "$flags" | awk '{print $2}' | sort -u)" "^0x100042$" "sh_flags are exactly SHF_ALLOC|SHF_INFO_LINK|SHF_RELA_LIVEPATCH"

for s in saved_command_line hidden_fn hidden_data hidden_const jump_target; do
	like "$syms" "NOTYPE +GLOBAL +DEFAULT +OS \[0xff20\] \.klp\.sym\.vmlinux\.$s,0$" \
		"$s became .klp.sym.vmlinux.$s,0 in SHN_LIVEPATCH"
done
like "$syms" " UND printk$" "exported printk stays an undefined symbol"
like "$relocs" "R_X86_64_PLT32 .* printk - 4" "printk's relocation stays ordinary"

# Symbol indices are kept: the klp symbol sits where the undefined one was.
is "$(readelf -sW "$T/lp.o" | awk '$NF=="saved_command_line"{print $1}')" \
	"$(readelf -sW "$T/out.o" | awk '$NF==".klp.sym.vmlinux.saved_command_line,0"{print $1}')" \
	"saved_command_line keeps its symbol index"

# Moved, not copied: no ordinary relocation section mentions a klp symbol.
ordinary=$(echo "$relocs" | awk '/^Relocation section/{klp = ($3 ~ /klp/)} !klp')
unlike "$ordinary" "\.klp\.sym\." "no ordinary .rela section still uses a klp symbol"
nklp=$(echo "$relocs" | grep -c '\.klp\.sym\.vmlinux\.')
norig=$(readelf -rW "$T/lp.o" | grep -cE ' (saved_command_line|hidden_fn|hidden_data|hidden_const|jump_target) ')
is "$nklp" "$norig" "every relocation to an unexported symbol moved ($norig)"

# The bytes under each klp relocation are zero (x86 refuses to write over others).
off=$(echo "$relocs" | awk '/klp.rela.vmlinux..text.text_user/{f=1;next} /^Relocation/{f=0} f && /saved_command_line/{print $1; exit}')
bytes=$(section_bytes "$T/out.o" .text.text_user | od -An -tx1 -j $((16#$off)) -N4 | tr -d ' ')
is "$bytes" "00000000" "target bytes are zero"

# Everything else is untouched.
for s in .text.text_user .data .modinfo; do
	same_section "$T/lp.o" "$T/out.o" $s &&
		pass "$s bytes unchanged" || fail "$s bytes unchanged"
done

# The kernel's own linker accepts the result.
ok "ld -r accepts the output" ld -r -o "$T/relinked.o" "$T/out.o"

# Converting the output again changes nothing that matters.
ok "converting twice succeeds" klp-convert "$T/map" "$T/out.o" "$T/out2.o"
is "$(readelf -rW "$T/out2.o" | grep -c klp.sym)" "$nklp" "second pass keeps the same klp relocations"

done_testing
