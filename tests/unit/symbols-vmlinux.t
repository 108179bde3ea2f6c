#!/bin/bash
# klp-symbols --vmlinux and --system-map: what scripts/mksysmap and
# scripts/kallsyms (v6.1) keep, in address order with kallsyms' tie rules:
# non-weak first, then not linker-provided, then fewer leading underscores,
# then nm -n order (by name for an ELF, file order for a System.map).
source "$(dirname "$0")/../lib.sh"

cat > "$T/v.s" <<'ASM'
	.text
	.globl _start, afoo, bfoo, __foo, _bar, __start_sec
	.weak weak_a
weak_a:
__start_sec:
__foo:
_bar:
bfoo:
afoo:
_start:
	ret
static_fn:
	ret
	.globl dup
dup:	ret
	.section .text.other,"ax"
dup2:
	.local dup
	ret
	.section .rodata,"a"
	.globl __ksymtab_afoo
__ksymtab_afoo:	.quad 0
__kstrtab_afoo:	.asciz "afoo"
__crc_afoo:	.quad 0
kallsyms_names:	.quad 0
	.section .data..percpu,"aw"
	.globl __per_cpu_start, __per_cpu_end
__per_cpu_start:
pcpu_thing:	.quad 0
__per_cpu_end:
	.set abs_thing, 0x10
ASM
gcc -c -o "$T/v.o" "$T/v.s"
cat > "$T/v.lds" <<'LDS'
SECTIONS {
	.data..percpu 0 : { *(.data..percpu) }
	. = 0xffffffff81000000;
	.text : { *(.text) *(.text.*) }
	.rodata : { *(.rodata) }
}
LDS
ld -T "$T/v.lds" -o "$T/vmlinux" "$T/v.o"

ok "vmlinux maps" klp-symbols -o "$T/v.map" --vmlinux "$T/vmlinux"
is "$(awk 'NR > 2 {print $2 " " $3 ($4 ? " " $4 : "")}' "$T/v.map" | tr '\n' ,)" \
"A pcpu_thing,A __per_cpu_start,A __per_cpu_end,T afoo x,T bfoo,T _bar,T _start,T __foo,T __start_sec,W weak_a,t static_fn,t dup,t dup2,R __ksymtab_afoo," \
	"kallsyms order and letters: ties, per-CPU as A, no __kstrtab_/__crc_/kallsyms_*/absolute"

# The same symbols as a System.map (nm -n): ties keep the file's order.
nm -n "$T/vmlinux" > "$T/System.map"
ok "System.map maps" klp-symbols -o "$T/s.map" --system-map "$T/System.map"
is "$(tail -n +3 "$T/s.map")" "$(tail -n +3 "$T/v.map")" "System.map gives what vmlinux gives"
printf '%s\n' 'ffffffff81000000 T zed' 'ffffffff81000000 T abe' > "$T/ties.map"
ok "ties in a System.map" klp-symbols -o "$T/t.map" --system-map "$T/ties.map"
is "$(awk 'NR > 2 {print $3}' "$T/t.map" | tr '\n' ,)" "zed,abe," "ties keep the file's order"

# Debian's stub.
echo 'ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package' > "$T/stub"
out=$(klp-symbols -o "$T/stub.map" --system-map "$T/stub" 2>&1)
is "$?" 1 "Debian's stub System.map: exit 1"
like "$out" "$T/stub: this is Debian's one-line placeholder" "Debian's stub is named as such"
[ ! -e "$T/stub.map" ] && pass "no map from the stub" || fail "no map from the stub"
for f in /boot/System.map-*; do
	[ -f "$f" ] && [ "$(wc -l < "$f")" -le 1 ] || continue
	like "$(klp-symbols -o "$T/stub.map" --system-map "$f" 2>&1)" "placeholder" "$f is refused as a stub"
done
printf 'ffffffff81000000 T ok\nnot a line\n' > "$T/bad.map"
like "$(klp-symbols -o "$T/x.map" --system-map "$T/bad.map" 2>&1)" "$T/bad.map:2: expected" \
	"a garbage System.map line: file:line"

# One vmlinux source only.
printf 'ffffffff81000000 T x\n' > "$T/ks"
like "$(klp-symbols -o "$T/x.map" --kallsyms "$T/ks" --vmlinux "$T/vmlinux" 2>&1)" "more than one" \
	"two vmlinux sources are refused"
[ ! -e "$T/x.map" ] && pass "no map from two vmlinux sources" || fail "no map from two vmlinux sources"

# vmlinux errors.
like "$(klp-symbols -o "$T/x.map" --vmlinux "$T/v.o" 2>&1)" "$T/v.o: not a linked vmlinux" "a .o is not a vmlinux"
strip -o "$T/stripped" "$T/vmlinux"
like "$(klp-symbols -o "$T/x.map" --vmlinux "$T/stripped" 2>&1)" "$T/stripped: no .symtab" "a stripped vmlinux"
echo hello > "$T/text"
like "$(klp-symbols -o "$T/x.map" --vmlinux "$T/text" 2>&1)" "$T/text: not an ELF file" "a text file"
head -c 300 "$T/vmlinux" > "$T/trunc"
nok "a truncated vmlinux" klp-symbols -o "$T/x.map" --vmlinux "$T/trunc"
[ ! -e "$T/x.map" ] && pass "no map from any of them" || fail "no map from any of them"

# linux-headers' vmlinux: .BTF and a few symbols, no code (resolve_btfids needs it).
head -c 64 /dev/zero > "$T/btf"
objcopy --add-section .BTF="$T/btf" --set-section-flags .BTF=alloc,readonly \
	--remove-section .text "$T/vmlinux" "$T/btf-only" 2> /dev/null
like "$(klp-symbols -o "$T/x.map" --vmlinux "$T/btf-only" 2>&1)" \
	"$T/btf-only: a BTF-only vmlinux \(as linux-headers ships\): no code" "a BTF-only vmlinux is refused"
[ ! -e "$T/x.map" ] && pass "... and writes no map" || fail "... and writes no map"
# Every installed build tree's, when it has one (6.12's does, 6.1's does not).
for f in /lib/modules/*/build/vmlinux; do
	[ -f "$f" ] || continue
	like "$(klp-symbols -o "$T/x.map" --vmlinux "$f" 2>&1)" "BTF-only vmlinux" "$f is refused"
done

done_testing
