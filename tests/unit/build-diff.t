#!/bin/bash
# klp-build's patch mode up to the build: the diff reader (prefixes, mail
# text around the diff, files it refuses with one message each, malformed
# diffs with their line), and the applying stage on a small fake source
# tree (hunks that do not apply are named; the tree is never written).
source "$(dirname "$0")/../lib.sh"

KB="$TOP/scripts/klp-build"
[ -x "$KLP_BIN/klp-build-patch" ] || skip_all "no $KLP_BIN/klp-build-patch"
cc_text=$(gcc --version 2>/dev/null | head -n 1)
[ -n "$cc_text" ] || skip_all "no gcc"

# A headers tree and a source tree with just what klp-source reads of them.
mkdir -p "$T/k/include/config" "$T/k/include/generated" "$T/src/fs/foo"
echo "6.1.192" > "$T/k/include/config/kernel.release"
echo '#define UTS_RELEASE "6.1.0-99-fake"' > "$T/k/include/generated/utsrelease.h"
printf 'CONFIG_CC_VERSION_TEXT="%s"\nCONFIG_FOO=y\n' "$cc_text" > "$T/k/include/config/auto.conf"
printf 'VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 192\nEXTRAVERSION =\n' > "$T/src/Makefile"
printf 'obj-$(CONFIG_FOO) += a.o\n' > "$T/src/fs/foo/Makefile"
printf 'int a(void)\n{\n\treturn 1;\n}\n\nint b(void)\n{\n\treturn 2;\n}\n' > "$T/src/fs/foo/a.c"
cp "$T/src/fs/foo/a.c" "$T/a.c.orig"
touch "$T/kallsyms"

# run_kb PATCH...: sets out (the messages, stderr), stages (stdout) and rc.
run_kb() {
	out=$("$KB" -k "$T/k" -s "$T/src" --cache "$T/cache" --kallsyms "$T/kallsyms" "$@" \
		2>&1 > "$T/stdout")
	rc=$?
	stages=$(cat "$T/stdout")
}

# hunk FILE OLD NEW: a one-hunk diff of FILE changing line 3 from OLD to NEW.
hunk() {
	printf -- '--- a/%s\n+++ b/%s\n@@ -2,3 +2,3 @@\n {\n-\t%s\n+\t%s\n }\n' "$1" "$1" "$2" "$3"
}

# Usage.
out=$("$KB" -s "$T/src" --kallsyms "$T/kallsyms" x.patch 2>&1)
like "$?:$out" '^2:.*-k KDIR and -s SOURCE are both needed' "no -k: a usage error"
out=$("$KB" -k "$T/k" -s "$T/src" x.patch 2>&1)
like "$?:$out" '^2:.*--kallsyms FILE or --map MAP' "no symbols: a usage error"
out=$("$KB" -k "$T/k" -s "$T/src" --kallsyms "$T/kallsyms" --map "$T/kallsyms" x.patch 2>&1)
is "$?" 2 "--kallsyms and --map together: a usage error"
out=$("$KB" -k "$T/k" -s "$T/src" --kallsyms "$T/kallsyms" -o out.txt x.patch 2>&1)
like "$?:$out" '^2:.*must end in .ko' "-o without .ko: a usage error"
like "$("$KB" x.patch --help)" 'PATCH\.\.\.' "klp-build PATCH --help: the patch mode's usage"
out=$("$KB" --kallsyms "$T/kallsyms" "$T" 2>&1)
unlike "$out" 'SOURCE' "a directory operand: the Kbuild mode, as before"

# Refused kinds, one message each, nothing built.
{
	hunk arch/x86/lib/foo.S 'ret' 'nop'
	hunk arch/x86/kernel/vmlinux.lds.S 'x' 'y'
	hunk fs/foo/Kconfig 'x' 'y'
	hunk fs/foo/Makefile 'x' 'y'
	hunk fs/foo/Kbuild 'x' 'y'
	printf -- '--- /dev/null\n+++ b/include/linux/foo.h\n@@ -0,0 +1 @@\n+int n;\n'
	hunk fs/../../etc/x.c 'x' 'y'
	printf -- '--- /abs/fs/foo/a.c\n+++ /abs/fs/foo/a.c\n@@ -1 +1 @@\n-x\n+y\n'
	printf -- '--- /dev/null\n+++ b/fs/foo/new.c\n@@ -0,0 +1 @@\n+int n;\n'
	printf -- '--- a/fs/foo/old.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-int o;\n'
	printf -- '--- a/fs/foo/one.c\n+++ b/fs/foo/two.c\n@@ -1 +1 @@\n-x\n+y\n'
	printf 'diff --git a/fs/foo/blob.c b/fs/foo/blob.c\nindex 1..2 100644\nBinary files a/fs/foo/blob.c and b/fs/foo/blob.c differ\n'
	printf 'diff --git a/fs/foo/r1.c b/fs/foo/r2.c\nsimilarity index 100%%\nrename from fs/foo/r1.c\nrename to fs/foo/r2.c\n'
	hunk scripts/foo.py 'x' 'y'
	hunk fs/foo/a.c 'return 1;' 'return 3;'
} > "$T/refused.patch"
run_kb "$T/refused.patch"
is "$rc" 1 "refused files: exit 1"
is "$(printf '%s\n' "$out" | grep -c 'error: .*refused.patch: ')" 14 "one error per refused file (14)"
for want in 'arch/x86/lib/foo.S: assembler' 'vmlinux.lds.S: a linker script' \
	'fs/foo/Kconfig: configuration or build rules' 'fs/foo/Makefile: configuration' \
	'fs/foo/Kbuild: configuration' 'include/linux/foo.h: a new header' \
	"outside the source tree \\(a '\\.\\.' component\\)" '/abs/fs/foo/a.c: an absolute path' \
	'fs/foo/new.c: a new file' 'fs/foo/old.c: a deleted file' 'fs/foo/two.c: renamed' \
	'fs/foo/blob.c: a binary change' 'fs/foo/r2.c: renamed or copied' 'scripts/foo.py: not a C file'; do
	like "$out" "$want" "refused: $want"
done
unlike "$out" ': fs/foo/a.c: ' "the .c file is not refused"
like "$out" 'nothing was built' "... and nothing is built"
[ ! -e "$T/cache" ] && pass "refused patches: no cache touched" || fail "refused patches: no cache touched"

# Malformed diffs, with their line.
printf -- '--- a/fs/foo/a.c\n+++ b/fs/foo/a.c\n@@ -2,3 +2,3 @@\n {\n-\treturn 1;\n+\treturn 3;\n' > "$T/short.patch"
run_kb "$T/short.patch"
like "$rc:$out" '^1:.*short.patch:6: fs/foo/a.c: hunk 1 ends early, at the end of the patch: 1 old and 1 new lines missing: not a valid unified diff' \
	"a hunk cut short: its line and what is missing"
printf -- '--- a/fs/foo/a.c\n+++ b/fs/foo/a.c\n@@ -2,1 +2,1 @@\n {\n-\treturn 1;\n+\treturn 3;\n' > "$T/long.patch"
run_kb "$T/long.patch"
like "$rc:$out" '^1:.*long.patch:5: fs/foo/a.c: hunk 1 has more old lines than its header \(line 3\) says' \
	"a hunk longer than its header"
printf -- '--- a/fs/foo/a.c\n+++ b/fs/foo/a.c\n@@ -2,x +2,3 @@\n' > "$T/header.patch"
run_kb "$T/header.patch"
like "$rc:$out" '^1:.*header.patch:3: fs/foo/a.c: a hunk header that is not' "a bad hunk header"
printf -- '--- a/fs/foo/a.c\n+++ b/fs/foo/a.c\nsome text\n' > "$T/nohunk.patch"
run_kb "$T/nohunk.patch"
like "$rc:$out" '^1:.*nohunk.patch:1: fs/foo/a.c: no hunk after the file names' "file names without a hunk"
printf 'just some text\n*** a/x.c\n' > "$T/none.patch"
run_kb "$T/none.patch"
like "$rc:$out" '^1:.*none.patch:2: no file changes .*unified diffs' "not a unified diff at all"
{ hunk fs/foo/a.c 'return 1;' 'return 3;'; printf '@@ -1,1 +1,1 @@\n-x\n+y\n'; } > "$T/order.patch"
run_kb "$T/order.patch"
like "$rc:$out" '^1:.*order.patch:8: fs/foo/a.c: hunk 2 starts at line 1, inside or before hunk 1' \
	"hunks out of order"
: > "$T/empty.patch"
run_kb "$T/empty.patch"
like "$rc:$out" '^1:.*empty.patch:1: no file changes' "an empty patch"
run_kb "$T/nonexistent.patch"
like "$rc:$out" '^1:.*nonexistent.patch' "a missing patch file"

# Does not apply: each failing hunk named, with its line in the patch.
{
	printf -- '--- a/fs/foo/a.c\n+++ b/fs/foo/a.c\n'
	printf '@@ -2,3 +2,3 @@\n {\n-\treturn 1;\n+\treturn 3;\n }\n'
	printf '@@ -7,3 +7,3 @@\n {\n-\treturn 7;\n+\treturn 8;\n }\n'
} > "$T/noapply.patch"
run_kb "$T/noapply.patch"
like "$rc:$out" '^1:.*noapply.patch: fs/foo/a.c: hunk 2 \(patch line 8, line 7 of the file\) does not apply' \
	"a hunk that does not apply: named with its lines"
unlike "$out" 'hunk 1 ' "... and only that one"
hunk fs/foo/nothere.c 'x' 'y' > "$T/missing.patch"
run_kb "$T/missing.patch"
like "$rc:$out" '^1:.*fs/foo/nothere.c: not in the source tree' "a file the tree does not have"
cmp -s "$T/src/fs/foo/a.c" "$T/a.c.orig"
is "$?" 0 "the source tree is never written"

# Applies: a mail with text around the diff, src.orig/ src/ names, a
# Documentation file left out, a second patch on top of the first; then
# the build, which the fake headers tree cannot do.
{
	printf 'From 1234 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] foo: return 3\n\n--- \n'
	printf ' fs/foo/a.c | 2 +-\n\ndiff --git a/fs/foo/a.c b/fs/foo/a.c\nindex 1..2 100644\n'
	hunk fs/foo/a.c 'return 1;' 'return 3;'
	hunk Documentation/foo.rst 'x' 'y'
	printf -- '-- \n2.39.2\n'
} > "$T/one.patch"
printf -- '--- src.orig/fs/foo/a.c\n+++ src/fs/foo/a.c\n@@ -7,3 +7,3 @@\n {\n-\treturn 2;\n+\treturn 4;\n }\n' \
	> "$T/two.patch"
run_kb "$T/one.patch" "$T/two.patch"
like "$out" 'warning: .*one.patch: Documentation/foo.rst: not the kernel.s code: left out' \
	"a documentation file: left out, with a warning"
like "$stages" '^  applying +2 patches, 1 file: fs/foo/a.c +[0-9.]+ s$' "applying: 2 patches, 1 file, timed"
like "$out" 'fs/foo/a.c: Kbuild failed' "... then the build is tried"
run_kb -q "$T/one.patch" "$T/two.patch"
is "$stages" "" "-q: no stage lines"
cmp -s "$T/src/fs/foo/a.c" "$T/a.c.orig"
is "$?" 0 "the source tree is still as it was"
[ -z "$(ls -d "${TMPDIR:-/tmp}"/klp-build.* 2>/dev/null | while read -r d; do [ -O "$d" ] && find "$d" -newer "$T/one.patch" -maxdepth 0; done)" ]
is "$?" 0 "no scratch directory left behind"

done_testing
