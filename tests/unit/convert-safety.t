#!/bin/bash
# Never lose data: the input is never written, the output appears whole or
# not at all, and bad input of every kind is a clear error.
source "$(dirname "$0")/../lib.sh"

printf 'klp-symbol-map 1\nobject vmlinux\nffffffff81000400 D saved_command_line\n' > "$T/map"
cc_obj "$T/lp.o" '
static const char modinfo[] __attribute__((section(".modinfo"), used)) = "livepatch=Y";
extern char *saved_command_line;
int use(void) { return saved_command_line[0]; }'
sum=$(sha256sum < "$T/lp.o")

out=$(klp-convert --dry-run "$T/map" "$T/lp.o" "$T/dry.o" 2>&1)
like "$out" "^saved_command_line -> \.klp\.sym\.vmlinux\.saved_command_line,0 \(unique in the map, 1 relocation moved\)$" \
	"--dry-run prints the plan"
[ ! -e "$T/dry.o" ] && pass "--dry-run writes nothing" || fail "--dry-run writes nothing"

cp "$T/lp.o" "$T/same.o"
ok "IN and OUT may be the same path" klp-convert "$T/map" "$T/same.o" "$T/same.o"
like "$(readelf -sW "$T/same.o")" "klp\.sym\.vmlinux\.saved_command_line,0" "... and the file was converted in place"
is "$(sha256sum < "$T/lp.o")" "$sum" "input of a successful run is unchanged"

chmod 640 "$T/lp.o"
klp-convert "$T/map" "$T/lp.o" "$T/mode.o" 2>/dev/null
is "$(stat -c %a "$T/mode.o")" "640" "output keeps the input's permissions"
chmod 644 "$T/lp.o"
(umask 077; klp-convert "$T/map" "$T/lp.o" "$T/umask.o" 2>/dev/null)
is "$(stat -c %a "$T/umask.o")" "600" "output mode honours the umask, as open(2) would"

# A failed conversion over an existing output leaves that output alone.
echo "previous" > "$T/existing.o"
printf 'klp-symbol-map 1\nobject vmlinux\n1 D saved_command_line\n2 D saved_command_line\n' > "$T/ambig"
nok "ambiguous conversion fails" klp-convert "$T/ambig" "$T/lp.o" "$T/existing.o"
is "$(cat "$T/existing.o")" "previous" "failed run leaves an existing OUT untouched"
is "$(sha256sum < "$T/lp.o")" "$sum" "input of a failed run is unchanged"
is "$(ls -a "$T" | grep -c '\.tmp')" "0" "no temporary file left behind"

# Output directory not writable: error, nothing written.
mkdir "$T/ro" && chmod 555 "$T/ro"
if [ "$(id -u)" -ne 0 ]; then
	nok "unwritable output directory" klp-convert "$T/map" "$T/lp.o" "$T/ro/out.o"
else
	nok "output in a missing directory" klp-convert "$T/map" "$T/lp.o" "$T/missing/out.o"
fi

# Bad inputs: a message naming the file and what is wrong, exit 1, no output.
bad() {
	local desc=$1 regex=$2 file=$3 map=${4-$T/map} out rc
	rm -f "$T/bad.out"
	out=$(klp-convert $map "$file" "$T/bad.out" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && [ ! -e "$T/bad.out" ] && printf '%s' "$out" | grep -qE -- "$regex"; then
		pass "$desc"
	else
		fail "$desc" "exit $rc" "$out"
	fi
}

bad "missing input" "nope\.o: cannot open: No such file" "$T/nope.o"
echo "not an elf" > "$T/text.o"
bad "not an ELF file" "text\.o: not an ELF file" "$T/text.o"
head -c 100 "$T/lp.o" > "$T/trunc.o"
bad "truncated ELF" "trunc\.o: " "$T/trunc.o"
objcopy -O elf32-x86-64 "$T/lp.o" "$T/x32.o" 2>/dev/null
bad "32-bit ELF" "x32\.o: a 32-bit ELF object" "$T/x32.o"
gcc -c -o "$T/exe.o" -x c - <<< 'int main(void) { return 0; }' && gcc -o "$T/exe" "$T/exe.o"
bad "an executable, not a module" "exe: not a relocatable object" "$T/exe"

xz -k -c "$T/lp.o" > "$T/lp.ko.xz"
bad "compressed module" "lp\.ko\.xz: xz-compressed: decompress it first" "$T/lp.ko.xz"
zstd -q -c "$T/lp.o" > "$T/lp.ko.zst"
bad "zstd-compressed module" "lp\.ko\.zst: zstd-compressed: decompress it first" "$T/lp.ko.zst"

# A signed module: converted, with a warning that the signature is gone.
{ cat "$T/lp.o"; printf 'fake-signature~Module signature appended~\n'; } > "$T/signed.o"
out=$(klp-convert "$T/map" "$T/signed.o" "$T/signed.out" 2>&1)
like "$out" "signed\.o: carries a module signature, which the converted module loses" "signed input: warning"
unlike "$(tail -c 64 "$T/signed.out" | tr -d '\0')" "Module signature appended" "... and no stale signature in the output"

patch_machine() {	# FILE MACHINE: rewrite e_machine (little-endian u16 at 18)
	cp "$T/lp.o" "$1"
	printf "$(printf '\\x%02x\\x%02x' $(($2 & 255)) $(($2 >> 8)))" |
		dd of="$1" bs=1 seek=18 conv=notrunc status=none
}
patch_machine "$T/arm64.o" 183
bad "module for another architecture" "arm64\.o: ELF machine 183 .* is not a livepatch architecture" "$T/arm64.o"
patch_machine "$T/ppc.o" 21
# x86 relocation types read as ppc64le ones: the ppc64le table does not know them.
bad "relocation type the architecture's loader does not know" \
	"ppc\.o: symbol 'saved_command_line': type 2 relocation at .* the module loader does not know this type" "$T/ppc.o"

# Bad maps.
printf 'something else\n' > "$T/m1"
bad "map with a wrong first line" "m1:1: not a symbol map" "$T/lp.o" "$T/m1"
printf 'klp-symbol-map 1\nffffffff81000400 D saved_command_line\n' > "$T/m2"
bad "map symbol before any object" "m2:2: symbol before the first 'object' line" "$T/lp.o" "$T/m2"
printf 'klp-symbol-map 1\nobject vmlinux\n1 D a\nobject vmlinux\n' > "$T/m3"
bad "map with a duplicate object" "m3:4: object 'vmlinux' appears twice" "$T/lp.o" "$T/m3"
printf 'klp-symbol-map 1\nobject vmlinux\nzz D a\n' > "$T/m4"
bad "map with a bad address" "m4:3: invalid address" "$T/lp.o" "$T/m4"
printf 'klp-symbol-map 1\nobject my-mod\n1 D a\n' > "$T/m5"
bad "map with a non-runtime module name" "m5:2: invalid object name 'my-mod'" "$T/lp.o" "$T/m5"
printf 'klp-symbol-map 1\n' > "$T/m6"
bad "empty map" "m6: the symbol map has no symbols" "$T/lp.o" "$T/m6"

# The map reader's fast path (klp-symbols' own layout) and its general path
# (tabs, short addresses, comments) read the same map alike.
printf 'klp-symbol-map 1\n# comment\n\nobject vmlinux\n4\tD\tsaved_command_line\n  5   t   other   x\n' > "$T/loose"
ok "a hand-written map with tabs and comments is read" klp-convert "$T/loose" "$T/lp.o" "$T/loose.o"
like "$(readelf -sW "$T/loose.o")" "klp\.sym\.vmlinux\.saved_command_line,0" "... and resolves like a strict one"
printf 'klp-symbol-map 1\nobject vmlinux\nffffffff81000000 D saved_command_line\nffffffff81000010 D saved_command_line i\n' > "$T/initmap"
ok "an init-only namesake does not make a name ambiguous" klp-convert "$T/initmap" "$T/lp.o" "$T/init.o"
printf 'klp-symbol-map 1\nobject vmlinux\nffffffff81000000 D saved_command_line q\n' > "$T/badflag"
bad "map with an unknown flag" "badflag:3: unknown symbol flag" "$T/lp.o" "$T/badflag"

# Upstream's klp-convert-symbol-data.0.1 format is read too.
printf 'klp-convert-symbol-data.0.1\n*vmlinux\nsaved_command_line\nprintk\n__ksymtab_printk\n' > "$T/upstream"
ok "upstream map format accepted" klp-convert "$T/upstream" "$T/lp.o" "$T/up.o"
like "$(readelf -sW "$T/up.o")" "klp\.sym\.vmlinux\.saved_command_line,0" "upstream map resolves the symbol"

out=$(klp-convert 2>&1); rc=$?
is "$rc" "2" "no arguments: usage, exit 2"
like "$out" "usage: klp-convert" "usage text"

done_testing
