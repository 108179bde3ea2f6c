#!/bin/bash
# klp-source --where and klp-symbols --where on a small fake kernel: a tree
# whose files define namesakes (one only through a pasting macro), a
# headers tree whose Kbuild is a two-rule Makefile, a "vmlinux" linked from
# some of the objects in an order of its own and a module. Every copy must
# be given its file, the files that cannot be placed must say why, and the
# files must reach the map and klp-convert's ambiguity message.
source "$(dirname "$0")/../lib.sh"

KS="$KLP_BIN/klp-source"
[ -x "$KS" ] || skip_all "no $KS"
cc_text=$(gcc --version 2>/dev/null | head -n 1)
[ -n "$cc_text" ] || skip_all "no gcc"
command -v nm > /dev/null || skip_all "no nm"

K=$T/k S=$T/src C=$T/cache
mkdir -p "$K/include/config" "$K/include/generated" "$K/arch/x86/include/generated"
echo "6.1.192" > "$K/include/config/kernel.release"
echo '#define UTS_RELEASE "6.1.0-99-fake"' > "$K/include/generated/utsrelease.h"
echo '#define UTS_VERSION "#1 SMP Debian 6.1.192-3 (2026-01-01)"' > "$K/include/generated/utsversion.h"
printf 'CONFIG_CC_VERSION_TEXT="%s"\nCONFIG_BAR=m\nCONFIG_ON=y\n' "$cc_text" > "$K/include/config/auto.conf"
# Kbuild, as far as klp-source uses it: X.i lists the dependencies, X.o compiles.
cat > "$K/Makefile" <<'EOF'
%.i:
	@mkdir -p $(M)/$(dir $@) && echo "deps := $(M)/$*.c" > $(M)/$(dir $@).$(notdir $@).cmd
%.o:
	@$(CC) -c -O2 -fno-pic -fno-asynchronous-unwind-tables -o $(M)/$@ $(M)/$*.c
EOF

mkdir -p "$S/fs/foo/sub" "$S/fs/off" "$S/arch/arm/kernel"
printf 'VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 192\nEXTRAVERSION =\n' > "$S/Makefile"
printf 'obj-$(CONFIG_ON) += foo/\nobj-$(CONFIG_OFF) += off/\n' > "$S/fs/Makefile"
cat > "$S/fs/foo/Makefile" <<'EOF'
obj-y += a.o b.o g.o i.o e.o
# A directory without a Makefile of its own, built from here.
obj-y += sub/s.o
obj-$(CONFIG_BAR) += bar.o
bar-y := m.o
obj-$(CONFIG_NOPE) += c.o
EOF
echo 'obj-y += d.o' > "$S/fs/off/Makefile"
# fun PREFIX BODY...: a file whose type_show sits between two functions of its own.
fun() {
	local p=$1
	cat <<EOF
#define KEEP __attribute__((noinline, used))
static KEEP int ${p}_first(int x) { return x * 7 + ${#p}; }
$2
static KEEP int ${p}_last(int x) { return x - 3; }
int ${p}_entry(int x) { return ${p}_first(x) + type_show(x) + ${p}_last(x); }
EOF
}
fun a 'static KEEP int type_show(int x) { return x * 3 + 1; }' > "$S/fs/foo/a.c"
fun b 'static KEEP int type_show(int x) { return x ^ 0x55; }' > "$S/fs/foo/b.c"
# The name is never spelled out: the macro pastes it.
fun g '#define SHOW(_name) static KEEP int _name##_show(int x) { return x << 2; }
SHOW(type)' > "$S/fs/foo/g.c"
fun m 'static KEEP int type_show(int x) { return x + 42; }' > "$S/fs/foo/m.c"
fun s 'static KEEP int type_show(int x) { return x * 11; }' > "$S/fs/foo/sub/s.c"
# Built, defines it, but not linked into our kernel.
fun e 'static KEEP int type_show(int x) { return x - 9; }' > "$S/fs/foo/e.c"
fun c 'static KEEP int type_show(int x) { return x; }' > "$S/fs/foo/c.c"
fun d 'static KEEP int type_show(int x) { return x; }' > "$S/fs/off/d.c"
fun arm 'static KEEP int type_show(int x) { return x; }' > "$S/arch/arm/kernel/x.c"
printf '/* type_show lives elsewhere */\nint i_entry(void) { return 0; }\n' > "$S/fs/foo/i.c"

# The kernel: b, g, a in that order (not the tree's), plus an object of no file of the tree.
for f in a b g m sub/s; do
	gcc -c -O2 -fno-pic -fno-asynchronous-unwind-tables -o "$T/${f#sub/}.o" "$S/fs/foo/$f.c" || fail "compile $f"
done
fun x 'static KEEP int type_show(int x) { return x | 1; }' > "$T/x.c"
gcc -c -O2 -fno-pic -fno-asynchronous-unwind-tables -o "$T/x.o" "$T/x.c"
# kallsyms: vmlinux by address, then the module in its symbol table order.
kallsyms() {
	gcc -nostdlib -no-pie -Wl,-e,0 -o "$T/vmlinux" "$@" 2> /dev/null
	nm -n "$T/vmlinux" | awk 'NF == 3 && $2 ~ /^[tT]$/ {print $1, $2, $3}'
	nm -p "$T/m.o" | awk 'NF == 3 && $2 ~ /^[tT]$/ {printf "%s %s %s\t[bar]\n", $1, $2, $3}'
}
kallsyms "$T/b.o" "$T/g.o" "$T/a.o" "$T/s.o" > "$T/ks"
kallsyms "$T/b.o" "$T/g.o" "$T/x.o" "$T/a.o" "$T/s.o" > "$T/ks-x"

run_ks() {
	out=$("$KS" -q --cache "$C" -k "$K" -s "$S" "$@" 2> "$T/err")
	rc=$?
}

run_ks --where type_show --map "$T/ks"
is "$rc" 0 "--where: every copy placed, exit 0"
copies() { printf '%s\n' "$out" | grep '^type_show,'; }
is "$(copies)" "type_show,1 fs/foo/b.c
type_show,2 fs/foo/g.c
type_show,3 fs/foo/a.c
type_show,4 fs/foo/sub/s.c
type_show,1 fs/foo/m.c [bar]" "... each copy's file, in sympos order, the module's in brackets (the pasted name, the file of a directory without a Makefile found too)"
like "$out" "fs/foo/e.c: its type_show is in none of the map's copies" "... a file linked nowhere says so"
like "$out" "fs/foo/i.c: no type_show in its object" "... a file that only mentions the name says so"
unlike "$out" "c\.c|d\.c|arch/arm" "... files of other configurations, directories and arches are not candidates"
like "$out" "where: type_show: 5 copies, 5 attributed, 7 files rebuilt$" "... and the summary"

run_ks --where type_show --map "$T/ks-x"
is "$rc" 1 "a copy no file matches: exit 1"
is "$(copies)" "type_show,1 fs/foo/b.c
type_show,2 fs/foo/g.c
type_show,3 ? not attributed: no rebuilt file's symbols match this copy's
type_show,4 fs/foo/a.c
type_show,5 fs/foo/sub/s.c
type_show,1 fs/foo/m.c [bar]" "... the copy is named unattributed, the others still placed"
like "$(cat "$T/err")" "type_show: 1 of 6 copies not attributed" "... and the error says how many"

run_ks --where type_show --map "$T/ks" fs/foo/a.c
is "$rc:$(copies | cut -d' ' -f1-2)" "1:type_show,1 ?
type_show,2 ?
type_show,3 fs/foo/a.c
type_show,4 ?
type_show,1 ?" "PATH... restricts the candidates"
run_ks --where type_show
is "$rc" 2 "--where without --map or --vmlinux: a usage error"
run_ks --where nosuch --map "$T/ks"
like "$rc:$(cat "$T/err")" "^1:.*no symbol called 'nosuch'" "a name the map lacks is refused"

# klp-symbols records the files; the map stays a version 1 map.
klp-symbols -q -o "$T/map" --kallsyms "$T/ks" --where type_show -k "$K" -s "$S" --cache "$C" 2> "$T/err"
is "$?" 0 "klp-symbols --where writes the map"
is "$(head -n 1 "$T/map")" "klp-symbol-map 1" "... a version 1 map"
is "$(awk '/^object / {o = $2} / type_show$/ {n[o]++} /^#:file/ {print o, n[o], $2}' "$T/map")" \
"vmlinux 1 fs/foo/b.c
vmlinux 2 fs/foo/g.c
vmlinux 3 fs/foo/a.c
vmlinux 4 fs/foo/sub/s.c
bar 1 fs/foo/m.c" "... with each copy's file on the line after it"
like "$(klp-symbols --map "$T/map" --find type_show)" "KLP_SYMPOS\(type_show, 3\),  /\* fs/foo/a.c, in KLP_MODULE_RELOC\(vmlinux\) \*/" \
	"--find shows the file"
# What a reader that knows no files sees: the same symbols.
grep -v '^#:file' "$T/map" > "$T/plain"
is "$(klp-symbols --map "$T/map" --stats)" "$(klp-symbols --map "$T/plain" --stats)" \
	"the file lines change no symbol"
printf 'klp-symbol-map 1\nobject vmlinux\n#:file fs/foo/a.c\n1 t x\n' > "$T/bad"
like "$(klp-symbols --map "$T/bad" --stats 2>&1)" "bad:3: a '#:file' line must follow a symbol's line" \
	"a misplaced #:file line is refused with its line"
# --where-file: every name of that file its object has more than once, that file only.
klp-symbols -q -o "$T/map2" --kallsyms "$T/ks" --where-file fs/foo/g.c -k "$K" -s "$S" --cache "$C" 2> "$T/err"
is "$?" 0 "klp-symbols --where-file writes the map"
is "$(grep -c '^#:file' "$T/map2")" 1 "... with one file line, for g.c's own copy"
is "$(awk '/ type_show$/ {n++} /^#:file/ {print n, $2}' "$T/map2")" "2 fs/foo/g.c" \
	"... after the second copy, g.c's"
nok "klp-symbols --where without -k and -s: refused" klp-symbols -o "$T/m2" --kallsyms "$T/ks" --where type_show

# klp-convert's ambiguity message names the file of each candidate.
cc_obj "$T/lp.o" '
static const char modinfo[] __attribute__((section(".modinfo"), used)) = "livepatch=Y";
extern int type_show(int);
int use(int x) { return type_show(x); }'
out=$(klp-convert "$T/map" "$T/lp.o" "$T/out.o" 2>&1)
like "$out" "is ambiguous" "klp-convert: type_show is ambiguous"
like "$out" "KLP_SYMPOS\(type_show, 1\),  /\* fs/foo/b.c, in KLP_MODULE_RELOC\(vmlinux\) \*/" \
	"... the first candidate with its file"
like "$out" "KLP_SYMPOS\(type_show, 2\),  /\* fs/foo/g.c, in KLP_MODULE_RELOC\(vmlinux\) \*/" \
	"... the second (the pasted one)"
like "$out" "KLP_SYMPOS\(type_show, 3\),  /\* fs/foo/a.c, in KLP_MODULE_RELOC\(vmlinux\) \*/" \
	"... the third"
like "$out" "KLP_SYMPOS\(type_show, 1\),  /\* fs/foo/m.c, in KLP_MODULE_RELOC\(bar\) \*/" \
	"... and the module's"

done_testing
