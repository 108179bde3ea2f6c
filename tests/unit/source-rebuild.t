#!/bin/bash
# klp-source: the refusals on fake headers trees (wrong version, compiler
# not installed or not the same, files no Makefile builds), then, when the
# installed Debian kernel's headers and its linux-source tarball are there,
# a real rebuild of one file of a module, verified against the installed
# .ko, cached, and caught when the source differs.
source "$(dirname "$0")/../lib.sh"

KS="$KLP_BIN/klp-source"
[ -x "$KS" ] || skip_all "no $KS"

# fake_kdir DIR CC_VERSION_TEXT: just what klp-source reads of a headers tree.
fake_kdir() {
	mkdir -p "$1/include/config" "$1/include/generated"
	echo "6.1.192" > "$1/include/config/kernel.release"
	echo '#define UTS_RELEASE "6.1.0-99-fake"' > "$1/include/generated/utsrelease.h"
	echo '#define UTS_VERSION "#1 SMP Debian 6.1.192-3 (2026-01-01)"' \
		> "$1/include/generated/utsversion.h"
	printf 'CONFIG_CC_VERSION_TEXT="%s"\nCONFIG_BAR=m\n' "$2" > "$1/include/config/auto.conf"
}

# fake_tree DIR SUBLEVEL
fake_tree() {
	mkdir -p "$1/fs/foo"
	printf 'VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = %s\nEXTRAVERSION =\n' "$2" > "$1/Makefile"
	printf 'obj-$(CONFIG_FOO) += a.o $(addprefix sub/, d.o)\nobj-$(CONFIG_BAR) += bar.o\nbar-y := b.o\n' \
		> "$1/fs/foo/Makefile"
	mkdir -p "$1/fs/foo/sub"
	echo 'int d(void) { return 4; }' > "$1/fs/foo/sub/d.c"
	echo 'int a(void) { return 1; }' > "$1/fs/foo/a.c"
	echo 'int b(void) { return 2; }' > "$1/fs/foo/b.c"
	echo 'int c(void) { return 3; }' > "$1/fs/foo/c.c"
}

# run_ks ARGS...: sets out (stdout and stderr) and rc.
run_ks() {
	out=$("$KS" --cache "$T/cache" "$@" 2>&1)
	rc=$?
}

cc_text=$(gcc --version 2>/dev/null | head -n 1)
fake_kdir "$T/k-gcc99" "gcc-99 (Debian 99.1.0-1) 99.1.0"
fake_kdir "$T/k-other" "gcc (Nowhere 0.0.1) 0.0.1"
fake_kdir "$T/k" "$cc_text"
fake_tree "$T/src" 192
fake_tree "$T/src-old" 191

run_ks -s "$T/src" fs/foo/a.c
is "$rc" 2 "no -k: a usage error"
run_ks -k "$T/k" -s "$T/src"
is "$rc" 2 "no files: a usage error"

run_ks -k "$T/k" -s "$T/src" --image /boot/vmlinuz fs/foo/a.c
is "$rc" 2 "--image without --verify: a usage error"
run_ks -k "$T/k" -s "$T/src" --verify --image /boot/vmlinuz fs/foo/a.c
like "$rc:$out" "^2:.*either --vmlinux FILE or --image FILE --map MAP" "--image without --map: a usage error"
run_ks -k "$T/k" -s "$T/src" --verify --vmlinux v --image i --map m fs/foo/a.c
is "$rc" 2 "--vmlinux with --image: a usage error"

run_ks -k "$T/nowhere" -s "$T/src" fs/foo/a.c
is "$rc" 1 "a missing headers tree is refused"
like "$out" "$T/nowhere/include/config/kernel.release: .*not a kernel headers tree" \
	"... naming the file it looked for"

run_ks -k "$T/k" -s "$T/src-old" fs/foo/a.c
is "$rc" 1 "a source of another version is refused"
like "$out" "src-old is version 6.1.191, but .* says 6.1.192" "... with both versions"

run_ks -k "$T/k-gcc99" -s "$T/src" fs/foo/a.c
is "$rc" 1 "a compiler that is not installed is refused"
like "$out" "built with 'gcc-99 \(Debian 99.1.0-1\) 99.1.0', and gcc-99 is not installed: apt-get install gcc-99" \
	"... naming the package to install"

if [ -n "$cc_text" ]; then
	run_ks -k "$T/k-other" -s "$T/src" fs/foo/a.c
	is "$rc" 1 "another version of the compiler is refused"
	case $out in
	*"but gcc is '$cc_text': install the same version of package gcc"*)
		pass "... saying which one is installed" ;;
	*) fail "... saying which one is installed" "$out" ;;
	esac

	run_ks -k "$T/k" -s "$T/src" fs/foo/a.c
	is "$rc" 1 "a file whose option is not set is refused"
	like "$out" "fs/foo/a.c: not built in this configuration \(obj-\\$\(CONFIG_FOO\)" \
		"... naming the Makefile's variable"
	run_ks -k "$T/k" -s "$T/src" fs/foo/sub/d.c
	like "$rc:$out" "^1:.*fs/foo/sub/d.c: not built in this configuration \(obj-\\$\(CONFIG_FOO\) in $T/src/fs/foo/Makefile" \
		"a file of a directory without a Makefile is found in its parent's (\$(addprefix sub/, d.o))"
	# Malformed: an unterminated $(addprefix, one at the very end.
	cp -r "$T/src" "$T/src-bad"
	printf 'obj-y += $(addprefix sub/, d.o\nobj-y += $(addprefix ' > "$T/src-bad/fs/foo/Makefile"
	run_ks -k "$T/k" -s "$T/src-bad" fs/foo/sub/d.c
	like "$rc:$out" "^1:.*fs/foo/sub/d.c: .*fs/foo/Makefile: no Makefile line builds d.o \(nor a parent directory's\)" \
		"an unterminated \$(addprefix is no list"
	run_ks -k "$T/k" -s "$T/src" fs/foo/c.c
	like "$out" "fs/foo/c.c: .*fs/foo/Makefile: no Makefile line builds c.o" \
		"a file no Makefile line builds is refused"
	for bad in /abs/x.c ../x.c fs/foo/a.h nodir.c; do
		run_ks -k "$T/k" -s "$T/src" "$bad"
		like "$rc:$out" "^1:.*expected a .c file's path relative to the source tree" \
			"'$bad' is refused as a path"
	done
	run_ks -k "$T/k" -s "$T/src" fs/foo/nothere.c
	like "$rc:$out" "^1:.*fs/foo/nothere.c: not in the source tree" "a missing file is refused"
	run_ks -k "$T/k" -s "$T/src/Makefile" fs/foo/a.c
	like "$rc:$out" "^1:.*neither a kernel source directory nor a .tar.xz" \
		"a source that is neither a tree nor a tarball is refused"
	echo junk > "$T/junk.tar.xz"
	run_ks -k "$T/k" -s "$T/junk.tar.xz" fs/foo/a.c
	like "$rc:$out" "^1:.*junk.tar.xz: not a kernel source tarball" "a tarball that is not a kernel's is refused"
fi
# A tarball's version is kept beside its extracted tree (tree.source) and
# trusted only for the same file: another tarball at that path is read.
# (tar wants a member for each pattern klp-source extracts.)
mk_tarball() {
	rm -rf "$T/tars/src" "$T/tars/src.tar.xz"
	mkdir -p "$T/tars/src/include" "$T/tars/src/arch/x"
	cp -r "$1/." "$T/tars/src/"
	touch "$T/tars/src/include/x.h" "$T/tars/src/arch/x/x.S" "$T/tars/src/arch/x/Kbuild" \
		"$T/tars/src/Kconfig"
	(cd "$T/tars" && tar -cJf src.tar.xz src)
}
mk_tarball "$T/src"
run_ks -k "$T/k" -s "$T/tars/src.tar.xz" fs/foo/sub/d.c
ok "the tarball's version is kept beside its tree" grep -qx 6.1.192 "$T/cache/6.1.192-3/tree.source"
run_ks -k "$T/k" -s "$T/tars/src.tar.xz" fs/foo/sub/d.c
unlike "$out" "version" "... and trusted for the same tarball"
mk_tarball "$T/src-old"
run_ks -k "$T/k" -s "$T/tars/src.tar.xz" fs/foo/sub/d.c
like "$rc:$out" "^1:.*src.tar.xz is version 6.1.191" "another tarball at that path is read again"
rm -rf "$T/cache/6.1.192-3/tree" "$T/cache/6.1.192-3/tree.source"

[ -z "$(ls "$T/cache" 2>/dev/null | grep -v '^6.1.192-3$')" ] &&
	[ -z "$(find "$T/cache" -name '*.tmp.*' -o -name 'build.*' 2>/dev/null)" ]
is "$?" 0 "refused runs leave no temporary directory in the cache"

# The real kernel: one file of a composite module (fs/isofs/dir.c, in
# isofs.ko), from a tree of the few files it needs taken from the tarball of
# the same Debian version (or from the e2e cache's extracted tree).
rel=$(kernel_release) || rel=
kdir=/lib/modules/$rel/build
debver=$([ -n "$rel" ] && dpkg-query -W -f='${Version}' "linux-headers-$rel" 2>/dev/null)
tarball=
for f in /usr/src/linux-source-*.tar.xz; do
	[ -f "$f" ] || continue
	pkg=$(dpkg-query -S "$f" 2>/dev/null | cut -d: -f1)
	[ -n "$pkg" ] && [ "$(dpkg-query -W -f='${Version}' "$pkg")" = "$debver" ] && tarball=$f
done
ko=$(grep -o '^kernel/fs/isofs/isofs.ko[^:]*' "/lib/modules/$rel/modules.dep" 2>/dev/null)
if [ -z "$rel" ] || [ ! -d "$kdir" ] || [ -z "$tarball" ] || [ -z "$ko" ]; then
	pass "# SKIP no installed headers, linux-source tarball of the same version and isofs.ko"
	done_testing
fi

files="Makefile fs/isofs/Makefile fs/isofs/dir.c fs/isofs/isofs.h"
mkdir -p "$T/tree"
cached=/var/tmp/klp-e2e/source/$debver/tree
if [ -d "$cached" ]; then
	(cd "$cached" && cp --parents $files "$T/tree/")
else
	top=$(basename "$tarball" .tar.xz)
	tar --occurrence=1 -xJf "$tarball" -C "$T/tree" --strip-components=1 \
		$(for f in $files; do echo "$top/$f"; done)
fi
ok "the tree has the files of fs/isofs/dir.c" test -f "$T/tree/fs/isofs/isofs.h"
chmod -R a-w "$T/tree"

run_ks -k "$kdir" -s "$T/tree" --verify fs/isofs/dir.c
is "$rc" 0 "fs/isofs/dir.c rebuilt and verified"
like "$out" "^  DEP     fs/isofs/dir.c$" "a kbuild-style line for the dependency pass"
like "$out" "^  CC      fs/isofs/dir.c$" "... and for the compilation"
like "$out" "^fs/isofs/dir.c: ([0-9]+)/\1 functions identical with /lib/modules/$rel/$ko$" \
	"every function is the installed isofs.ko's"
like "$out" "^verify: ([0-9]+)/\1 functions identical in 1 files, every difference explained$" \
	"the summary line"

run_ks -k "$kdir" -s "$T/tree" --verify fs/isofs/dir.c
unlike "$out" "  CC " "the second run takes the object from the cache"
is "$rc" 0 "... and verifies it again"

run_ks -q -k "$kdir" -s "$T/tree" fs/isofs/dir.c
like "$out" "^fs/isofs/dir.c: $T/cache/$debver/obj/$rel/tree-[0-9a-f]+/fs/isofs/dir.o$" \
	"without --verify it prints the cached object"
unlike "$out" "^  " "-q prints no progress lines"

is "$(find "$T/tree" -type f | sort | tr '\n' ' ')" \
	"$(for f in $files; do echo "$T/tree/$f"; done | sort | tr '\n' ' ')" \
	"the source tree is left as it was"

# A modules tree that installs compressed modules (6.12: .ko.xz).
mkdir -p "$T/mods/kernel/fs/isofs"
xz -c "/lib/modules/$rel/$ko" > "$T/mods/kernel/fs/isofs/isofs.ko.xz"
echo "kernel/fs/isofs/isofs.ko.xz:" > "$T/mods/modules.dep"
run_ks -q -k "$kdir" -s "$T/tree" --verify --modules "$T/mods" fs/isofs/dir.c
like "$rc:$out" "^0:fs/isofs/dir.c: ([0-9]+)/\1 functions identical with $T/mods/kernel/fs/isofs/isofs.ko.xz$" \
	"a compressed module is read"
head -c 100 "/lib/modules/$rel/$ko" | xz -c > "$T/mods/kernel/fs/isofs/isofs.ko.xz"
run_ks -q -k "$kdir" -s "$T/tree" --verify --modules "$T/mods" fs/isofs/dir.c
is "$rc" 1 "a truncated compressed module is refused"
like "$out" "isofs.ko.xz: not a valid module once decompressed" "... by its name"

# The flags kbuild gives a file, from its own directory and from its
# parents: subdir-ccflags-y of every directory down to the one whose
# Makefile builds it, that one's ccflags-y and CFLAGS_<obj>, not a parent's
# ccflags-y. A file of a directory without a Makefile (sub/) is built by
# its parent's, listed through $(addprefix). Each #error fires when a flag
# is missing or one that must not be there is.
mkdir -p "$T/flags/fs/klpa/klpb/sub"
cp "$T/tree/Makefile" "$T/flags/"
cat > "$T/flags/fs/klpa/Makefile" <<'MK'
subdir-ccflags-y += -DKLP_PARENT=42
ccflags-y += -DKLP_PARENT_ONLY
obj-y += klpb/
MK
cat > "$T/flags/fs/klpa/klpb/Makefile" <<'MK'
subdir-ccflags-y += -DKLP_OWN_SUBDIR=5
ccflags-y += -DKLP_OWN=7
obj-m += klpc.o
klpc-y := main.o $(addprefix sub/, \
	part.o)
CFLAGS_sub/part.o += -DKLP_PART=3
CFLAGS_main.o += -DKLP_NOT_PART
MK
cat > "$T/flags/fs/klpa/klpb/main.c" <<'C'
#if KLP_PARENT != 42 || KLP_OWN != 7 || KLP_OWN_SUBDIR != 5 || !defined(MODULE)
#error "a flag of fs/klpa or fs/klpa/klpb is missing"
#endif
int klp_main(void) { return KLP_PARENT; }
C
cat > "$T/flags/fs/klpa/klpb/sub/part.c" <<'C'
#if KLP_PARENT != 42 || KLP_OWN != 7 || KLP_PART != 3
#error "a flag of fs/klpa, fs/klpa/klpb or CFLAGS_sub/part.o is missing"
#endif
#if defined(KLP_PARENT_ONLY) || defined(KLP_NOT_PART)
#error "a parent's ccflags-y or another object's CFLAGS_ reached sub/part.c"
#endif
int klp_part(void) { return KLP_PART; }
C
for f in fs/klpa/klpb/main.c fs/klpa/klpb/sub/part.c; do
	run_ks -q -k "$kdir" -s "$T/flags" "$f"
	like "$rc:$out" "^0:$f: .*/$(basename "$f" .c).o$" \
		"$f: built with its parents' subdir-ccflags-y and its own flags only"
done
sed -i 's/^subdir-ccflags-y/ccflags-y/' "$T/flags/fs/klpa/Makefile"
run_ks -q -k "$kdir" -s "$T/flags" --force fs/klpa/klpb/sub/part.c
is "$rc" 1 "a parent's ccflags-y is not inherited"
like "$out" 'error: #error "a flag of fs/klpa' "... the file's own #error says so"

# A changed source is not the shipped code: the proof must say so.
cp -r "$T/tree" "$T/changed"
chmod -R u+w "$T/changed"
sed -i 's/return retnamlen;/return retnamlen + 1;/' "$T/changed/fs/isofs/dir.c"
run_ks -k "$kdir" -s "$T/changed" --verify fs/isofs/dir.c
is "$rc" 1 "a changed function fails the verification"
like "$out" "^    [a-z_]+: unexplained: (differs at|[0-9]+ bytes)" "... naming it as unexplained"
like "$out" "functions differ without an explanation" "... and saying so"

touch "$T/changed/fs/isofs/isofs.h"
run_ks -k "$kdir" -s "$T/changed" fs/isofs/dir.c
like "$out" "  CC      fs/isofs/dir.c" "a header newer than the object rebuilds it"
[ -z "$(find "$T/cache" -name 'build.*' -o -name '*.tmp.*')" ]
is "$?" 0 "no scratch directory is left in the cache"
chmod -R u+w "$T/tree"

done_testing
