#!/bin/bash
# One way of opening an ELF input (lib/elf/elf_input.c) for klp-convert,
# klp-symbols --module and --vmlinux and klp-check --debuginfo: the same bad
# file gets the same message from each, compressed input is decompressed
# where it is read (modules, debug files) and named where it is refused.
source "$(dirname "$0")/../lib.sh"
command -v jq > /dev/null || { fail "jq installed (apt-get install jq): the JSON report is checked with it"; done_testing; }

cd "$T" || exit 1
cp "$TOP/tests/include/klp_stub.h" klp.h
cat > kernel.c <<'SRC'
extern int ext(int);
static int helper(int x) { return ext(x) + 1; }
int caller_a(int x) { return helper(x) * 2; }
int caller_b(int x) { return helper(x + 3) - 1; }
SRC
gcc -O2 -g -c kernel.c -o kernel.o || { fail "compile the kernel"; done_testing; }
cat > lp.c <<'SRC'
#include "klp.h"
static struct klp_func funcs[] = { { .old_name = "caller_a", .new_func = new_fn },
				   { .old_name = "helper", .new_func = new_fn }, { } };
static struct klp_object objs[] = { { .funcs = funcs }, { } };
static struct klp_patch patch = { .mod = &__this_module, .objs = objs };
int lp_init(void) { return klp_enable_patch(&patch); }
SRC
gcc -O2 -g -c lp.c -o lp.o || { fail "compile the patch"; done_testing; }
printf 'klp-symbol-map 1\nobject vmlinux\n0 T caller_a\n20 T caller_b\n40 t helper\n' > map

# --debuginfo: a compressed debug file reads as the plain one.
inl() { klp-check --json --map map --debuginfo "$1" lp.o |
	jq -r '.functions[] | select(.old_name == "helper") | .inlined_into.dwarf | map(.function) | join(" ")'; }
is "$(inl kernel.o)" "caller_a caller_b" "debug file: helper's inlined copies"
xz -k -c kernel.o > kernel.o.xz
gzip -c kernel.o > kernel.o.gz
zstd -q -c kernel.o > kernel.o.zst
cp kernel.o.xz kernel-xz-unnamed
for f in kernel.o.xz kernel.o.gz kernel.o.zst kernel-xz-unnamed; do
	is "$(inl "$f")" "caller_a caller_b" "debug file $f: the same copies"
done

# klp-symbols --module: xz data is read by its magic as well as by its name.
cc_obj mod.o 'static const char mi[] __attribute__((section(".modinfo"), used, aligned(1))) =
	"name=mod"; int f(void) { return 0; }'
ld -r -o mod.ko mod.o
ok "plain module" klp-symbols -o plain.map --module mod.ko
xz -c mod.ko > xzdata.ko
ok "xz data named .ko" klp-symbols -o xz.map --module xzdata.ko
is "$(grep -v '^#' xz.map)" "$(grep -v '^#' plain.map)" "... the same map"
: > empty.ko.xz
like "$(klp-symbols -o x.map --module empty.ko.xz 2>&1)" "empty\.ko\.xz: empty file" "empty .ko.xz"
echo 'not an elf' | xz > text.ko.xz
like "$(klp-symbols -o x.map --module text.ko.xz 2>&1)" "text\.ko\.xz: not an ELF file" \
	"xz of something else: not an ELF file"

# The same refusals from every tool.
mkdir dir
like "$(klp-convert map dir out.o 2>&1)" "dir: not a regular file" "klp-convert: a directory"
like "$(klp-symbols -o x.map --module dir 2>&1)" "dir: not a regular file" "klp-symbols --module: a directory"
like "$(klp-symbols -o x.map --vmlinux dir 2>&1)" "dir: not a regular file" "klp-symbols --vmlinux: a directory"
like "$(klp-check --map map --debuginfo dir lp.o 2>&1)" "dir: not a regular file" "klp-check --debuginfo: a directory"
echo 'not an elf' > text
like "$(klp-check --map map --debuginfo text lp.o 2>&1)" "text: not an ELF file" "klp-check --debuginfo: not ELF"
nok "klp-check --debuginfo: not ELF, exit 1" klp-check --map map --debuginfo text lp.o

gcc -o exe -x c - <<< 'int main(void) { return 0; }'
head -c 2000 exe > exe-cut
like "$(klp-symbols -o x.map --vmlinux exe-cut 2>&1)" "exe-cut: truncated: the section headers are past the end" \
	"a truncated vmlinux"
like "$(klp-check --map map --debuginfo exe-cut lp.o 2>&1)" "exe-cut: truncated" "a truncated debug file"
xz -k -c exe > exe.xz
like "$(klp-symbols -o x.map --vmlinux exe.xz 2>&1)" "exe\.xz: xz-compressed: decompress it first" \
	"a compressed vmlinux is named as such"
# e_shentsize larger than a section header (found by fuzz_annotations):
# libelf reads the headers at their real size, so klp-convert converted the
# module while its DWARF reader refused it; now every reader refuses it.
cp lp.o wide.o
printf '\xff\x08' | dd of=wide.o bs=1 seek=58 conv=notrunc status=none
for t in "klp-convert map wide.o out.o" "klp-check --map map wide.o" "klp-symbols -o x.map --module wide.o"; do
	out=$($t 2>&1)
	like "$?:$out" "^1:.*wide\.o: section header size 2303 is not the ELF class's" "${t%% *}: e_shentsize 2303 refused"
done
is "$(ls x.map out.o 2>/dev/null)" "" "no output from any refusal"

done_testing
