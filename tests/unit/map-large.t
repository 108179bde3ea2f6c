#!/bin/bash
# Maps above 4 MB are parsed in two halves on two threads: results, sympos
# and error line numbers must be those of a single pass.
source "$(dirname "$0")/../lib.sh"

# gen N_OBJECTS [EXTRA-AWK]: a map of ~6 MB: object i holds 2000 symbols.
gen() {
	awk -v nobj="$1" 'BEGIN {
		print "klp-symbol-map 1"
		for (o = 0; o < nobj; o++) {
			printf "object %s\n", (o ? "mod_" o : "vmlinux")
			for (i = 0; i < 2000; i++)
				printf "%016x t sym_%d_%d\n", i * 16, o, i
			# a duplicate name in the last object: sympos 1 and 2 there
			if (o == nobj - 1) {
				printf "%016x t twin\n", 1
				printf "%016x t twin\n", 2
			}
		}
	}'
}
gen 100 > "$T/big.map"
size=$(stat -c %s "$T/big.map")
[ "$size" -gt $((4 << 20)) ] && pass "map is large enough to be split ($size bytes)" ||
	fail "map is large enough to be split ($size bytes)"

MODINFO='static const char modinfo[] __attribute__((section(".modinfo"), used)) = "livepatch=Y";'
cc_obj "$T/lp.o" "#include \"klp_convert.h\"
$MODINFO
extern int sym_0_5, sym_99_1999, twin;
KLP_MODULE_RELOC(mod_99) r[] = { KLP_SYMPOS(twin, 2) };
int use(void) { return sym_0_5 + sym_99_1999 + twin; }"

ok "converts against a split map" klp-convert "$T/big.map" "$T/lp.o" "$T/out.o"
syms=$(readelf -sW "$T/out.o")
like "$syms" '\.klp\.sym\.vmlinux\.sym_0_5,0$' "symbol of the first half resolved"
like "$syms" '\.klp\.sym\.mod_99\.sym_99_1999,0$' "symbol of the second half resolved"
like "$syms" '\.klp\.sym\.mod_99\.twin,2$' "annotation checked against the second half (sympos 2 exists)"

# An error in the second half is reported with its line in the whole file.
line=$(( $(wc -l < "$T/big.map") - 100 ))
sed "${line}s/.*/garbage line here/" "$T/big.map" > "$T/bad.map"
out=$(klp-convert "$T/bad.map" "$T/lp.o" "$T/bad.o" 2>&1)
like "$out" "bad\.map:$line: invalid address" "error line number in the second half is exact ($line)"

# An error in the first half wins over one in the second.
sed -e "10s/.*/zzzz t bad/" -e "${line}s/.*/garbage/" "$T/big.map" > "$T/bad2.map"
out=$(klp-convert "$T/bad2.map" "$T/lp.o" "$T/bad2.o" 2>&1)
like "$out" "bad2\.map:10: invalid address" "the first error in file order is the one reported"
unlike "$out" "bad2\.map:$line:" "... and only that one"

# A duplicate object across the halves.
{ cat "$T/big.map"; echo "object vmlinux"; echo "0 t x"; } > "$T/dup.map"
total=$(wc -l < "$T/big.map")
out=$(klp-convert "$T/dup.map" "$T/lp.o" "$T/dup.o" 2>&1)
like "$out" "dup\.map:$((total + 1)): object 'vmlinux' appears twice" "duplicate object across halves, exact line"

done_testing
