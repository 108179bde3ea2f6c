#!/bin/bash
# klp-symbols over a tree of more modules than its readers may run ahead
# (64) on two threads: modules must still enter the map in sorted path
# order, each whole, the same file twice must be read once however far
# apart the two jobs are, and a failing module deep in the tree must fail
# the run after every module was reported.
source "$(dirname "$0")/../lib.sh"

N=150
cc_obj "$T/m.o" '
static const char modinfo[] __attribute__((section(".modinfo"), used, aligned(1))) =
	"name=mod_000";
static int twin(int x) { return x + 1; }
int shared_fn(int x) { return twin(x); }
__attribute__((section(".text.b"), used)) static int twin2(int x) { return x * 2; }'
# One object, renamed by its .modinfo bytes: every module has the same symbols.
mkdir -p "$T/tree/a" "$T/tree/b"
for i in $(seq 0 $((N - 1))); do
	name=$(printf 'mod_%03d' "$i")
	dir=$([ $((i % 2)) -eq 0 ] && echo a || echo b)
	sed "s/name=mod_000/name=$name/" "$T/m.o" > "$T/tree/$dir/$name.ko"
done

ok "a tree of $N modules maps" klp-symbols -o "$T/t.map" --modules "$T/tree"
want=$( (cd "$T/tree" && find . -name '*.ko' | LC_ALL=C sort |
	sed 's|.*/||; s|\.ko$||; s|^|object |'))
is "$(grep '^object ' "$T/t.map")" "$want" "objects in sorted path order"
per=$(awk '/^object/ { if (o) print n; o = $2; n = 0; next } NR > 1 { n++ } END { print n }' \
	"$T/t.map" | sort -u)
is "$per" "$(sed -n '/^object mod_000$/,/^object /p' "$T/t.map" | grep -vc '^object')" \
	"every module has all its symbols"
is "$(klp-symbols --map "$T/t.map" --find shared_fn | grep -c 'KLP_SYMPOS(shared_fn, 1)')" \
	"$N" "one shared_fn per module, each sympos 1"
is "$(klp-symbols --map "$T/t.map" --stats | head -1 | cut -d, -f1)" "objects: $N" \
	"--stats counts them"

# The tree twice: the second copy of each file is 150 jobs after the first.
out=$(klp-symbols -v -o "$T/t2.map" --modules "$T/tree" --modules "$T/tree" 2>&1)
is "$?" 0 "the same tree twice maps"
is "$(echo "$out" | grep -c 'given twice, read once')" "$N" "each file read once"
ok "... into the same map" cmp "$T/t.map" "$T/t2.map"

# A broken module late in the tree: the run fails and writes nothing.
printf 'not an ELF file' > "$T/tree/b/zzz.ko"
cp "$T/t.map" "$T/keep.map"
nok "a broken module fails the run" klp-symbols -o "$T/keep.map" --modules "$T/tree"
out=$(klp-symbols -o "$T/keep.map" --modules "$T/tree" 2>&1)
like "$out" "zzz\.ko" "the error names the file"
like "$out" "keep\.map not written" "... and the map is not written"
ok "the old map stays" cmp "$T/t.map" "$T/keep.map"

done_testing
