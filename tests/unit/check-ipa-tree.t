#!/bin/bash
# klp-check --ipa-clones DIR: the dumps under a build tree are read in path
# order whatever the filesystem's readdir order, links are not followed, and
# of several edges into one function the first read names the "via". The
# dumps are written by hand so that each case is exact.
source "$(dirname "$0")/../lib.sh"
command -v jq > /dev/null || { fail "jq installed (apt-get install jq): the JSON report is checked with it"; done_testing; }

cd "$T" || exit 1
cp "$TOP/tests/include/klp_stub.h" klp.h
cat > lp.c <<'SRC'
#include "klp.h"
static struct klp_func vfuncs[] = { { .old_name = "helper", .new_func = new_fn },
				    { .old_name = "c2", .new_func = new_fn }, { } };
static struct klp_func mfuncs[] = { { .old_name = "helper", .new_func = new_fn }, { } };
static struct klp_object objs[] = { { .funcs = vfuncs }, { .name = "mod_a", .funcs = mfuncs },
				    { } };
static struct klp_patch patch = { .mod = &__this_module, .objs = objs };
int lp_init(void) { return klp_enable_patch(&patch); }
SRC
gcc -O2 -c lp.c -o lp.o || { fail "compile the patch"; done_testing; }
printf 'klp-symbol-map 1\nobject vmlinux\n1 t helper\n2 T c1\n3 T c2\n4 T c3\nobject mod_a\n10 t helper\n' > map

# "a-x" sorts before "b" ('-' < 'b'): b.c's dump is read first, its direct
# edge into c1 comes before a.c's through mid.
mkdir -p tree/b tree/a-x elsewhere
cat > tree/b/a.c.000i.ipa-clones <<'DUMP'
Callgraph clone;helper;1;h.h;1;1;mid;2;a.c;2;1;inlining to
Callgraph clone;mid;2;a.c;2;1;c1;3;a.c;9;1;inlining to
Callgraph removal;mid;2;a.c;2;1
Callgraph clone;helper;1;h.h;1;1;helper.constprop.0;4;h.h;1;1;constprop
DUMP
cat > tree/a-x/b.c.000i.ipa-clones <<'DUMP'
Callgraph clone;helper;1;h.h;1;1;c1;3;b.c;9;1;inlining to
Callgraph clone;helper;1;h.h;1;1;c2;4;b.c;19;1;inlining to
Callgraph clone;helper;1;h.h;1;1;helper.isra.0;5;h.h;1;1;isra
DUMP
echo 'Callgraph clone;helper;1;h.h;1;1;c3;3;c.c;9;1;inlining to' > elsewhere/c.c.000i.ipa-clones
ln -s ../elsewhere/c.c.000i.ipa-clones tree/link.ipa-clones
ln -s ../elsewhere tree/linkdir
echo 'not a dump' > tree/notes.txt

summary() { # the clones and inlined copies of every patched function, one line each
	jq -r '.functions[] | "\(.object) \(.old_name): \(.clones | map(.name) | join(","));" +
		" \(.inlined_into.ipa_clones | map("\(.function)/\(.via)") | join(","))"'
}
dir=$(klp-check --map map --ipa-clones tree --json lp.o | summary)
files=$(klp-check --map map --ipa-clones tree/a-x/b.c.000i.ipa-clones \
	--ipa-clones tree/b/a.c.000i.ipa-clones --json lp.o | summary)
is "$dir" "$files" "a tree is read as its dumps in path order"
is "$(head -n 1 <<< "$dir")" "vmlinux helper: helper.isra.0,helper.constprop.0; c1/null,c2/null" \
	"clones in dump order; c1 from the first edge read (direct, no via)"
is "$(sed -n 3p <<< "$dir")" "mod_a helper: helper.isra.0,helper.constprop.0; c1/null,c2/null" \
	"a namesake in another object gets the same clones and copies"
is "$(sed -n 2p <<< "$dir")" "vmlinux c2: ; " "c2 is patched but inlined nowhere"
reversed=$(klp-check --map map --ipa-clones tree/b/a.c.000i.ipa-clones \
	--ipa-clones tree/a-x/b.c.000i.ipa-clones --json lp.o | summary)
is "$(head -n 1 <<< "$reversed")" "vmlinux helper: helper.constprop.0,helper.isra.0; c1/mid,c2/null" \
	"the other order: the edge through mid is first"
unlike "$dir" "c3" "links in the tree are not followed"

ln -s tree tree-link
is "$(klp-check --map map --ipa-clones tree-link --json lp.o | summary)" "$dir" \
	"a link given on the command line is followed"

txt=$(klp-check --map map --ipa-clones tree lp.o)
like "$txt" "warning: vmlinux: helper is inlined into 2 functions \(gcc ipa-clones\): c1, c2; the copies in unpatched ones keep the old code" \
	"text: where helper was inlined"
like "$txt" "c2 \[patched\]" "text: c2 is patched"

mkdir empty
is "$(klp-check --map map --ipa-clones empty --json lp.o | jq -c '.functions[0].inlined_into')" \
	'{"dwarf":null,"ipa_clones":[]}' "an empty tree: looked, inlined nowhere"

echo 'Callgraph clone;truncated' > tree/b/z.c.000i.ipa-clones
nok "a bad dump in the tree fails" klp-check --map map --ipa-clones tree lp.o
like "$(klp-check --map map --ipa-clones tree/ lp.o 2>&1)" "error: tree/b/z.c.000i.ipa-clones:1: not a line" \
	"... naming it (one slash, however the tree was given)"
rm tree/b/z.c.000i.ipa-clones

if [ "$(id -u)" != 0 ]; then
	mkdir tree/locked && chmod 000 tree/locked
	out=$(klp-check --map map --ipa-clones tree lp.o 2>&1)
	is "$?" 1 "an unreadable directory in the tree: exit 1"
	like "$out" "tree/locked: cannot open directory" "... naming it"
	chmod 755 tree/locked
fi

if ! nm "$KLP_BIN/klp-check" 2>/dev/null | grep -q __asan_init && command -v valgrind > /dev/null; then
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=42 \
		klp-check --map map --ipa-clones tree --json lp.o > /dev/null 2>&1
	is "$?" 0 "valgrind: a tree walk without memory error nor leak"
fi
done_testing
