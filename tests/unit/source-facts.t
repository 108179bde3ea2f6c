#!/bin/bash
# klp-source --facts --object: what gcc did to one function, from a small
# translation unit compiled with -O2 -g -fdump-ipa-clones: a global function
# inlined into two callers and kept out of line, an IPA-SRA clone, a
# constprop clone, partial inlining (.part), a cold split, a header's static
# inline; sympos of a caller whose name another file of the map also has,
# told apart by its neighbours. Then bad input.
source "$(dirname "$0")/../lib.sh"

KS="$KLP_BIN/klp-source"
[ -x "$KS" ] || skip_all "no $KS"
cd "$T" || exit 1

cat > hdr.h <<'SRC'
extern int ext(int);
static inline int hdr_twice(int v) { return ext(v) * 2 + 1; }
SRC
cat > kernel.c <<'SRC'
#include "hdr.h"
extern void complain(const char *, int) __attribute__((cold));
extern void ext2(const char *);
struct big { int a, b, c, d; long pad[8]; };
volatile int sink;

int shared(int x) { return ext(x) + 7; }
static int __attribute__((__noinline__)) caller_b(int x) { return shared(x + 2) - 1; }
int caller_a(int x) { return shared(x) * 3 + caller_b(x); }

static int __attribute__((__noinline__)) sra_me(struct big *p, int unused)
{
	return p->a + p->b * 3 + ext(p->c);
}
int use_sra(struct big *p) { return sra_me(p, 5) + sra_me(p + 1, 9); }

static __attribute__((__noinline__)) int scale(int x, int k)
{
	int i, s = 0;

	for (i = 0; i < k; i++)
		s += ext(x + i);
	return s;
}
int use_scale1(int x) { return scale(x, 7); }
int use_scale2(int x) { return scale(x + 1, 7); }

static int big;
static __attribute__((__noinline__)) void heavy(int x) { sink = x; }
static int split_me(int x)
{
	if (__builtin_expect(x > 100, 0)) {
		int i;

		for (i = 0; i < x; i++) { ext(i); ext(i * 2); ext(i * 3); ext(big + i); }
		heavy(x);
		return ext(x);
	}
	return 0;
}
int use_split1(int x) { return split_me(x) + 1; }
int use_split2(int x) { return split_me(x) + 2; }

int cold_user(int *p, int n)
{
	int i, s = 0;

	for (i = 0; i < n; i++) {
		if (p[i] < 0) {
			complain("negative", i);
			ext2("neg"); ext(i); ext2("x");
			s -= ext(p[i] * 7);
			continue;
		}
		s += p[i];
	}
	return s;
}
int use_hdr(int x) { return hdr_twice(x) + hdr_twice(x + 1); }
SRC
# Another file with its own static caller_b, first in the map.
cat > other.c <<'SRC'
extern int ext(int);
int __attribute__((__noinline__)) o1(int x) { return ext(x); }
int __attribute__((__noinline__)) caller_b(int x) { return ext(x) + o1(x); }
int o2(int x) { return caller_b(x) + 1; }
SRC
mkdir dump
gcc -O2 -g -c -fdump-ipa-clones -dumpdir "$T/dump/" kernel.c -o kernel.o &&
	gcc -O2 -g -c other.c -o other.o || { fail "compile the fixtures"; done_testing; }
ipa=$(ls dump/*ipa-clones 2>/dev/null | head -n 1)
[ -s "$ipa" ] && pass "gcc wrote its ipa-clones dump" || { fail "gcc wrote its dump"; done_testing; }

# The transformations happened as the fixture intends, else the test proves nothing.
syms=$(nm kernel.o)
for s in shared caller_a caller_b scale.constprop.0 split_me.part.0 cold_user.cold; do
	like "$syms" " [tT] $s$" "gcc made $s"
done
like "$syms" " t sra_me[.a-z0-9]*isra" "gcc made an IPA-SRA clone of sra_me"

{
	echo 'klp-symbol-map 1'
	echo 'object vmlinux'
	for f in other.o:4096 kernel.o:65536; do
		nm -n "${f%:*}" | while read -r addr type name; do
			[ -n "$name" ] && [ "${name#.}" = "$name" ] &&
				printf '%016x %s %s\n' $((0x$addr + ${f#*:})) "$type" "$name"
		done
	done
} > map

facts() { # NAME: sets out and rc
	out=$("$KS" --facts "$1" --object kernel.o --ipa-clones "$ipa" --map map kernel.c 2>&1)
	rc=$?
}

facts shared
is "$rc" 0 "--facts shared: exit 0"
like "$out" "^kernel.c: shared \(read: object symbols, object DWARF, gcc ipa-clones, map\)" \
	"names the file, the function and every source read"
like "$out" "out-of-line: yes" "shared has an out-of-line copy"
like "$out" "abi: an out-of-line copy keeps the source ABI" "which keeps the source ABI"
like "$out" "inlined into 2 functions" "shared is inlined into two functions"
like "$out" "    caller_a, sympos 1 \(map: unique\) \(object DWARF, gcc ipa-clones\)" \
	"caller_a, unique in the map, from DWARF and the dump"
like "$out" "    caller_b, sympos 2 of 2 \(map: by this file's neighbouring functions\)" \
	"caller_b: the map has two, this file's is the second"

facts sra_me
like "$out" "abi: no out-of-line copy under its own name: only clones" "sra_me: only clones"
like "$out" "sra_me[.a-z0-9]*isra[.0-9]*: [a-z+]*isra: IPA-SRA: parameters removed or changed, not the source's ABI.*object symbols" \
	"its IPA-SRA clone, from the symbols"
facts scale
like "$out" "scale.constprop.0: constprop: constant propagation.*\(object symbols, gcc ipa-clones\)" \
	"scale.constprop.0 from the symbols and gcc's report"
facts split_me
like "$out" "split_me.part.0: part: partial inlining" "split_me.part.0: partial inlining"
like "$out" "inlined into 2 functions" "split_me's head is inlined into its two users"
facts cold_user
like "$out" "cold_user.cold: cold: cold split" "cold_user.cold: a cold split"
like "$out" "out-of-line: yes" "cold_user itself is out of line"
facts hdr_twice
like "$out" "declared: hdr.h:2, static inline in a header" "hdr_twice: a static inline of hdr.h"
like "$out" "use_hdr.*object DWARF" "inlined into use_hdr"
like "$out" "abi: no code of its own" "no code of its own"
facts nosuch
like "$out" "not defined in this file" "a name the file lacks: said so"

out=$("$KS" --facts shared --object kernel.o kernel.c 2>&1)
like "$out" "read: object symbols, object DWARF\)" "without a dump or a map: only the object's sources"
unlike "$out" "sympos" "no sympos without a map"

# Bad input: a clear error and exit 1, never a crash.
echo junk > junk.o
out=$("$KS" --facts shared --object junk.o kernel.c 2>&1)
like "$?:$out" "^1:.*junk.o" "not an object: refused, naming it"
gcc -O2 -c other.c -o nodebug.o
out=$("$KS" --facts o1 --object nodebug.o other.c 2>&1)
like "$?:$out" "^1:.*nodebug.o: no DWARF" "an object without DWARF: refused"
printf 'Callgraph clone;a;b\n' > bad.ipa
out=$("$KS" --facts shared --object kernel.o --ipa-clones bad.ipa kernel.c 2>&1)
like "$?:$out" "^1:.*bad.ipa:1: not a line of gcc's -fdump-ipa-clones" "a malformed dump: refused, naming the line"
out=$("$KS" --facts shared --object kernel.o kernel.c other.c 2>&1)
like "$?:$out" "^2:.*--object reads one object" "--object with two paths: usage error"
out=$("$KS" --object kernel.o kernel.c 2>&1)
like "$?:$out" "^2:.*--object, --ipa-clones and --map-object are for --facts" "--object without --facts: usage error"

if ! nm "$KS" 2>/dev/null | grep -q __asan_init && command -v valgrind > /dev/null; then
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=42 \
		"$KS" --facts shared --object kernel.o --ipa-clones "$ipa" --map map kernel.c > /dev/null 2>&1
	is "$?" 0 "valgrind: --facts without memory error nor leak"
fi
# klp-check --source on the same fixture, rebuilt by klp-source as a file
# of vmlinux of the installed kernel: a tree holding the tarball's top
# Makefile (its version) and the fixture, Kbuild from the headers tree.
rel=$(kernel_release) || rel=
kdir=/lib/modules/$rel/build
debver=$([ -n "$rel" ] && dpkg-query -W -f='${Version}' "linux-headers-$rel" 2>/dev/null)
tarball=
for f in /usr/src/linux-source-*.tar.xz; do
	[ -f "$f" ] || continue
	pkg=$(dpkg-query -S "$f" 2>/dev/null | cut -d: -f1)
	[ -n "$pkg" ] && [ "$(dpkg-query -W -f='${Version}' "$pkg")" = "$debver" ] && tarball=$f
done
if [ -z "$rel" ] || [ ! -d "$kdir" ] || [ -z "$tarball" ]; then
	pass "# SKIP no installed headers with a linux-source tarball of the same version"
	done_testing
fi
mkdir -p tree/fs/foo
cached=/var/tmp/klp-e2e/source/$debver/tree
if [ -f "$cached/Makefile" ]; then
	cp "$cached/Makefile" tree/
else
	tar --occurrence=1 -xJf "$tarball" -C tree --strip-components=1 \
		"$(basename "$tarball" .tar.xz)/Makefile"
fi
cp kernel.c hdr.h tree/fs/foo/
echo 'obj-y += kernel.o' > tree/fs/foo/Makefile
out=$("$KS" -q -k "$kdir" -s tree --cache "$T/cache" fs/foo/kernel.c 2>&1)
kobj=${out#fs/foo/kernel.c: }
ok "klp-source rebuilt the fixture with $rel's Kbuild" test -s "$kobj"
ok "and kept gcc's report beside it" test -s "$kobj.ipa-clones"
syms=$(nm "$kobj")
{
	echo 'klp-symbol-map 1'
	echo 'object vmlinux'
	nm -n "$kobj" | awk 'NF == 3 && $3 !~ /^\./ { print $1, $2, $3 }'
} > kmap
{ cat "$TOP/tests/include/klp_stub.h"; cat <<'SRC'; } > klp.h
#define PATCH(...) \
	static struct klp_func funcs[] = { __VA_ARGS__, { } }; \
	static struct klp_object objs[] = { { .funcs = funcs }, { } }; \
	static struct klp_patch patch = { .mod = &__this_module, .objs = objs }; \
	int lp_init(void) { return klp_enable_patch(&patch); }
#define F(name) { .old_name = name, .new_func = new_fn }
SRC
printf '#include "klp.h"\nPATCH(F("shared"), F("caller_a"), F("cold_user"), F("hdr_twice"))\n' > lp.c
gcc -O2 -g -c lp.c -o lp.o || { fail "compile the patch"; done_testing; }
chk() {
	out=$("$KLP_BIN/klp-check" --map kmap --source tree --kdir "$kdir" --cache "$T/cache" \
		--source-file shared=fs/foo/kernel.c --source-file cold_user=fs/foo/kernel.c \
		--source-file hdr_twice=fs/foo/kernel.c "$@" lp.o 2>&1)
	rc=$?
}
chk
callers=$(printf '%s\n' "$syms" | grep -c ' [tT] caller_[ab]$')
if [ "$callers" = 2 ] && printf '%s\n' "$syms" | grep -qv ' T shared$'; then
	like "$out" "warning: vmlinux: shared is inlined into [0-9]+ functions of fs/foo/kernel.c \(object symbols, object DWARF, gcc ipa-clones, map\)" \
		"klp-check --source: shared's inlined copies, and where the facts came from"
	like "$out" "    caller_a \[patched\]" "caller_a is patched"
	like "$out" "    caller_b \[NOT patched\], sympos 1 \(map: unique\)" "caller_b is not, with its sympos"
fi
like "$out" "note: vmlinux: shared: facts from fs/foo/kernel.c \(file from --source-file\) rebuilt as the target was" \
	"the facts name the file they come from"
unlike "$out" "\[inlined-(dwarf|ipa)\]|\[gcc-clone\]" "no guesses for the functions with facts"
like "$out" "note: vmlinux: caller_a: no source file known for it" "caller_a has no file: said so"
like "$out" "hdr_twice is a static inline of fs/foo/hdr.h" "hdr_twice: a header's static inline"
if printf '%s\n' "$syms" | grep -q ' t cold_user.cold$'; then
	like "$out" "note: vmlinux: cold_user: cold_user.cold is cold split" ".cold is part of cold_user: a note"
fi
chk --json
is "$(jq -r '.functions[] | select(.old_name == "shared") | .facts.sources | join(",")' <<< "$out")" \
	"symtab,dwarf,ipa_clones,map" "--json: the sources of shared's facts"
is "$(jq -r '.functions[] | select(.old_name == "caller_a") | .facts' <<< "$out")" "null" \
	"--json: no facts for caller_a"
out=$("$KLP_BIN/klp-check" --map kmap --source tree lp.o 2>&1)
like "$?:$out" "^2:.*--source and --kdir go together" "--source without --kdir: usage error"
out=$("$KLP_BIN/klp-check" --map kmap --source tree --kdir "$kdir" --source-file shared lp.o 2>&1)
like "$?:$out" "^2:.*expected NAME=PATH" "--source-file without =: usage error"
out=$("$KLP_BIN/klp-check" --map kmap --source tree --kdir "$kdir" --cache "$T/cache" \
	--source-file shared=fs/foo/nothere.c lp.o 2>&1)
like "$?:$out" "^1:.*fs/foo/nothere.c: not in the source tree" "a file the tree lacks: an error naming it"
done_testing
