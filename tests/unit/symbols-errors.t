#!/bin/bash
# klp-symbols error paths: each names the file, exits non-zero (not by a
# signal or a sanitizer) and leaves no map and no temporary file.
source "$(dirname "$0")/../lib.sh"

cc_obj "$T/a.o" 'static const char mi[] __attribute__((section(".modinfo"), used, aligned(1))) =
	"name=good"; int f(void) { return 0; }'
ld -r -o "$T/good.ko" "$T/a.o"

# refuse DESC REGEX ARGS...: exit 1, message matching REGEX, no map left.
refuse() {
	local desc=$1 re=$2 out rc
	shift 2
	rm -rf "$T/out"
	mkdir "$T/out"
	out=$(klp-symbols -o "$T/out/m.map" "$@" 2>&1)
	rc=$?
	is "$rc" 1 "$desc: exit 1"
	like "$out" "$re" "$desc: message"
	is "$(ls -A "$T/out")" "" "$desc: no map, no temporary file"
}

refuse "missing module" "$T/nope.ko: cannot open" --module "$T/nope.ko"
echo 'not an elf' > "$T/text.ko"
refuse "non-ELF module" "$T/text.ko: not an ELF file" --module "$T/text.ko"
head -c 700 "$T/good.ko" > "$T/trunc.ko"
refuse "truncated module" "$T/trunc.ko: truncated" --module "$T/trunc.ko"
size=$(stat -c %s "$T/good.ko")
head -c $((size - 200)) "$T/good.ko" > "$T/trunc2.ko"
refuse "module cut short of its section headers" "$T/trunc2.ko: truncated" --module "$T/trunc2.ko"
: > "$T/empty.ko"
refuse "empty module file" "$T/empty.ko: not an ELF file" --module "$T/empty.ko"
cp "$T/good.ko" "$T/nosym.ko"
strip --strip-all "$T/nosym.ko"
refuse "module without .symtab" "$T/nosym.ko: no .symtab" --module "$T/nosym.ko"
gcc -o "$T/exe" -x c - <<< 'int main(void) { return 0; }'
refuse "an executable as a module" "$T/exe: not a kernel module" --module "$T/exe"
cp "$T/good.ko" "$T/bad.ko.xz"
refuse "not xz despite the name" "$T/bad.ko.xz: not xz data" --module "$T/bad.ko.xz"
xz -c "$T/good.ko" | head -c 200 > "$T/cut.ko.xz"
refuse "truncated xz" "$T/cut.ko.xz: corrupt or truncated xz" --module "$T/cut.ko.xz"
zstd -q -c "$T/good.ko" | head -c 100 > "$T/cut.ko.zst"
refuse "truncated zstd" "$T/cut.ko.zst: corrupt or truncated zstd" --module "$T/cut.ko.zst"
gzip -c "$T/good.ko" | head -c 100 > "$T/cut.ko.gz"
refuse "truncated gzip" "$T/cut.ko.gz: corrupt or truncated gzip" --module "$T/cut.ko.gz"
cc_obj "$T/w.o" '__asm__(".data\n\"weird name\": .byte 0");'
ld -r -o "$T/weird.ko" "$T/w.o"
refuse "a symbol name with a blank" "$T/weird.ko: a symbol name .* blanks" --module "$T/weird.ko"
# .symtab with a bogus sh_entsize (Elf64_Shdr: sh_entsize at 56).
cp "$T/good.ko" "$T/entsize.ko"
python3 - "$T/entsize.ko" <<'PY'
import struct, sys
f = open(sys.argv[1], "r+b"); d = f.read()
shoff, = struct.unpack_from("<Q", d, 0x28); shentsize, shnum = struct.unpack_from("<HH", d, 0x3a)
for i in range(shnum):
    off = shoff + i * shentsize
    if struct.unpack_from("<I", d, off + 4)[0] == 2:	# SHT_SYMTAB
        f.seek(off + 56); f.write(struct.pack("<Q", 1))
PY
refuse "a bogus .symtab entry size" "$T/entsize.ko: bad .symtab entry size" --module "$T/entsize.ko"
mkdir -p "$T/empty-tree"
refuse "empty result" "refusing to write an empty symbol map" --modules "$T/empty-tree"
refuse "missing tree" "$T/no-tree: cannot open directory" --modules "$T/no-tree"
cc_obj "$T/lp.o" 'static const char mi[] __attribute__((section(".modinfo"), used, aligned(1))) =
	"livepatch=Y"; int g(void) { return 0; }'
ld -r -o "$T/lp.ko" "$T/lp.o"
refuse "only a livepatch module" "empty symbol map" --module "$T/lp.ko"
cp "$T/good.ko" "$T/other.ko"
refuse "two --module of one name" "good was already read" --module "$T/good.ko" --module "$T/other.ko"
mkdir -p "$T/tree"
cp "$T/good.ko" "$T/tree/"
cp "$T/text.ko" "$T/tree/"
refuse "one bad module in a tree" "$T/tree/text.ko: not an ELF file" --modules "$T/tree"
refuse "a directory as kallsyms" "$T/tree: is a directory" --kallsyms "$T/tree"
: > "$T/empty.kallsyms"
refuse "empty kallsyms" "$T/empty.kallsyms: no symbols" --kallsyms "$T/empty.kallsyms"
out=$(klp-symbols -o "$T/nodir/m.map" --module "$T/good.ko" 2>&1)
is "$?" 1 "output directory missing: exit 1"
like "$out" "$T/nodir/m.map" "output directory missing: named"

# Usage errors exit 2.
klp-symbols > /dev/null 2>&1; is "$?" 2 "no arguments: exit 2"
klp-symbols -o "$T/x.map" > /dev/null 2>&1; is "$?" 2 "no sources: exit 2"
klp-symbols --map "$T/x.map" > /dev/null 2>&1; is "$?" 2 "--map without --find or --stats: exit 2"
klp-symbols --map "$T/x.map" --find a --stats > /dev/null 2>&1; is "$?" 2 "--find and --stats: exit 2"
klp-symbols -o a -o b --module "$T/good.ko" > /dev/null 2>&1; is "$?" 2 "-o twice: exit 2"
nok "--stats of a missing map" klp-symbols --map "$T/none.map" --stats
nok "--find in a file that is not a map" klp-symbols --map "$T/good.ko" --find f

done_testing
