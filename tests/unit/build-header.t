#!/bin/bash
# klp-build's patched headers on a small fake kernel: which names a header
# change changes (comments and white space none, a macro through the
# inline function of another header that uses it, an #include everything),
# which built files use them (through a header, through a .c file a built
# one #includes; not a file the configuration leaves out, not one that only
# includes the header), the users rebuilt with the patched header (a local
# one and one of include/, read through the overlay), and the refusal,
# with the list, when they are too many.
source "$(dirname "$0")/../lib.sh"

KB="$TOP/scripts/klp-build"
[ -x "$KLP_BIN/klp-build-patch" ] || skip_all "no $KLP_BIN/klp-build-patch"
cc_text=$(gcc --version 2>/dev/null | head -n 1)
[ -n "$cc_text" ] || skip_all "no gcc"

K=$T/k S=$T/src
mkdir -p "$K/include/config" "$K/include/generated" "$K/arch/x86/include/generated"
echo "6.1.192" > "$K/include/config/kernel.release"
echo '#define UTS_RELEASE "6.1.0-99-fake"' > "$K/include/generated/utsrelease.h"
printf 'CONFIG_CC_VERSION_TEXT="%s"\nCONFIG_ON=y\n' "$cc_text" > "$K/include/config/auto.conf"
# Kbuild, as far as klp-source and klp-build use it: the Kbuild file's flags,
# NOSTDINC_FLAGS before the tree's include/ (as Kbuild puts it before
# LINUXINCLUDE); X.i lists the files the compiler read, X.o compiles.
cat > "$K/Makefile" <<EOF
-include \$(M)/Kbuild
INC = \$(NOSTDINC_FLAGS) \$(filter -iquote %,\$(ccflags-y)) -I$S/include
FL = -O2 -fno-pic -fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections
%.i:
	@mkdir -p \$(M)/\$(dir \$@) && \$(CC) \$(INC) -MM -MT x \$(M)/\$*.c | tr ' ' '\n' | grep '^/' > \$(M)/\$(dir \$@).\$(notdir \$@).cmd
%.o:
	@\$(CC) -c \$(FL) \$(INC) -o \$(M)/\$@ \$(M)/\$*.c
EOF

mkdir -p "$S/include/foo" "$S/fs/foo" "$S/fs/off"
printf 'VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 192\nEXTRAVERSION =\n' > "$S/Makefile"
printf 'obj-$(CONFIG_ON) += foo/\nobj-$(CONFIG_OFF) += off/\n' > "$S/fs/Makefile"
echo 'obj-y += d.o' > "$S/fs/off/Makefile"
cat > "$S/include/foo/h1.h" <<'EOF'
#ifndef H1_H
#define H1_H
/* The scale. */
#define SCALE 3
#define UNUSED_MACRO 7

struct thing {
	int a;
};

static inline int scaled(int x)
{
	return x * SCALE;
}

extern int thing_count;
#endif
EOF
cat > "$S/include/foo/h2.h" <<'EOF'
#include <foo/h1.h>
static inline int twice_scaled(int x) { return 2 * scaled(x); }
EOF
cat > "$S/fs/foo/local.h" <<'EOF'
#define LOCAL_OFFSET 10
EOF
# a: SCALE itself; b: through h2.h's inline; c: includes, uses nothing
# changed; e: through part.c, which includes nothing; l: the local header.
printf '#include <foo/h1.h>\nint a_fn(int x) { return x + SCALE; }\nint a_other(int x) { return x - 1; }\n' > "$S/fs/foo/a.c"
printf '#include <foo/h2.h>\nint b_fn(int x) { return twice_scaled(x); }\n' > "$S/fs/foo/b.c"
printf '#include <foo/h1.h>\nint c_fn(struct thing *t) { return t->a; }\n' > "$S/fs/foo/c.c"
printf '#include <foo/h1.h>\nint d_fn(int x) { return scaled(x); }\n' > "$S/fs/off/d.c"
printf '#include <foo/h1.h>\n#include "part.c"\n' > "$S/fs/foo/e.c"
printf 'int part_fn(int x) { return scaled(x) + 1; }\n' > "$S/fs/foo/part.c"
printf '#include "local.h"\nint l_fn(int x) { return x + LOCAL_OFFSET; }\n' > "$S/fs/foo/l.c"
printf 'obj-y += a.o b.o c.o e.o l.o\n' > "$S/fs/foo/Makefile"
# Nine users of one macro: more than a build rebuilds.
printf '#define MANY 1\n' > "$S/include/foo/many.h"
for i in 1 2 3 4 5 6 7 8 9; do
	printf '#include <foo/many.h>\nint u%s_fn(void) { return MANY; }\n' $i > "$S/fs/foo/u$i.c"
	echo "obj-y += u$i.o" >> "$S/fs/foo/Makefile"
done
touch "$T/kallsyms"

# patch_of FILE SED: a -p1 diff of FILE changed by the sed script.
patch_of() {
	mkdir -p "$T/p/a/$(dirname "$1")" "$T/p/b/$(dirname "$1")"
	cp "$S/$1" "$T/p/a/$1"
	sed "$2" "$S/$1" > "$T/p/b/$1"
	(cd "$T/p" && diff -u "a/$1" "b/$1" | sed 's/^\(---\|+++\) \([^\t]*\)\t.*/\1 \2/')
	rm -rf "$T/p"
}
run_kb() {
	out=$(TMPDIR=$T "$KB" -k "$K" -s "$S" --cache "$T/cache" --kallsyms "$T/kallsyms" \
		-o "$T/lp.ko" "$@" 2>&1)
	rc=$?
}

patch_of include/foo/h1.h 's|/\* The scale. \*/|/* The scale, a constant. */|; s|return x \* SCALE;|return x  *  SCALE;|' > "$T/comment.patch"
run_kb "$T/comment.patch"
like "$out" 'header include/foo/h1.h: no declaration changed \(comments or white space only\)' \
	"a comment and white space: no name changed"
is "$rc" 1 "... and nothing to build: exit 1"
like "$out" 'the patches change no C file, and no file the kernel builds uses what their headers change' \
	"... and nothing to build"

patch_of include/foo/h1.h 's|#define SCALE 3|#define SCALE 5|' > "$T/scale.patch"
run_kb "$T/scale.patch"
like "$out" 'header include/foo/h1.h: changes SCALE \(macro\), and 2 names defined with them; 3 built users \(of 5 .c files and 1 header including it\)' \
	"a macro: its name, the names that use it, users among the built includers"
like "$out" '    fs/foo/a\.c uses SCALE \(rebuilt too\)' "... a file that uses the macro"
like "$out" '    fs/foo/b\.c uses twice_scaled \(rebuilt too\)' "... one that uses it through another header's inline function"
like "$out" '    fs/foo/e\.c uses scaled in fs/foo/part\.c \(rebuilt too\)' "... one that #includes a .c file using it"
unlike "$out" 'fs/foo/c\.c uses|fs/off/d\.c' "... not one that only includes the header, nor one the configuration leaves out"
like "$out" '  headers +1 header: 3 users rebuilt too \([0-9]+ files read\)' "... the stage line"
like "$out" 'changed function: a_fn \(fs/foo/a\.c\)' "... rebuilt with the patched header (include/, through NOSTDINC_FLAGS)"
like "$out" 'changed function: b_fn \(fs/foo/b\.c\)' "... through the header that includes it"
like "$out" 'changed function: part_fn \(fs/foo/e\.c\)' "... and in the .c file a built one includes"
unlike "$out" 'changed function: a_other' "... the function-level diff keeps only what changed"

patch_of fs/foo/local.h 's|10|11|' > "$T/local.patch"
run_kb "$T/local.patch"
like "$out" 'header fs/foo/local.h: changes LOCAL_OFFSET \(macro\); 1 built user \(of 1 .c file and 0 headers including it\)' \
	"a local header: its one user"
like "$out" 'changed function: l_fn \(fs/foo/l\.c\)' "... rebuilt with the patched local header"
patch_of fs/foo/l.c 's|x + LOCAL_OFFSET|x - LOCAL_OFFSET|' > "$T/l.patch"
run_kb "$T/local.patch" "$T/l.patch"
like "$out" '    fs/foo/l\.c uses LOCAL_OFFSET \(patched\)' "a user the patches change: patched, not added"
like "$out" '  headers +1 header: 0 users rebuilt too' "... nothing more to rebuild"

patch_of include/foo/many.h 's|1|2|' > "$T/many.patch"
run_kb "$T/many.patch"
is "$rc" 1 "too many users: exit 1"
like "$out" 'error: include/foo/many\.h: changes MANY \(macro\); used by 9 built files the patches do not change: fs/foo/u1\.c \(MANY\), fs/foo/u2\.c \(MANY\), fs/foo/u3\.c \(MANY\), fs/foo/u4\.c \(MANY\), fs/foo/u5\.c \(MANY\) and 4 more: more than the 8 a livepatch build rebuilds' \
	"too many users: refused, the first five named, the rest counted"
unlike "$out" 'building' "... before anything is built"
[ -e "$T/lp.ko" ] && fail "refused: no livepatch written" || pass "refused: no livepatch written"

patch_of include/foo/h1.h 's|	int a;|	long a;|' > "$T/struct.patch"
run_kb "$T/struct.patch"
like "$out" 'header include/foo/h1.h: changes thing \(type\)' "a struct's member: the type changes"
like "$out" 'warning: include/foo/h1.h: thing: a changed type: the data the running kernel holds keeps its old layout' \
	"... with a warning about the data"
like "$out" '    fs/foo/c\.c uses thing' "... its user"

patch_of include/foo/h1.h 's|#define H1_H|#define H1_H\n#include <foo/many.h>|' > "$T/include.patch"
run_kb "$T/include.patch"
like "$out" 'include/foo/h1.h: changes .*\(an #include or #pragma changed: everything it declares\)' \
	"an added #include: everything the header declares"

patch_of include/foo/h1.h 's|#define UNUSED_MACRO 7|#define UNUSED_MACRO 8|' > "$T/unused.patch"
run_kb "$T/unused.patch"
like "$out" 'header include/foo/h1.h: changes UNUSED_MACRO \(macro\); 0 built users' "a macro nothing uses: no user"

printf -- '--- /dev/null\n+++ b/include/foo/new.h\n@@ -0,0 +1 @@\n+#define NEW 1\n' > "$T/new.patch"
run_kb "$T/new.patch"
is "$rc" 1 "a new header: exit 1"
like "$out" 'include/foo/new\.h: a new header' "a new header: refused"
[ -n "$(grep 'SCALE 3' "$S/include/foo/h1.h")" ] &&
	pass "the tree's header is never written" || fail "the tree's header is never written"

done_testing
