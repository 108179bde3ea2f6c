#!/bin/bash
# klp-build's struct layout check on small fixtures built with -g: a type
# both builds define whose layout the patched build changes (a member
# added, moved, resized or removed, the type's size) fails the comparison
# naming the type, the member and the old and new offset or size; a new
# type, a renamed-away one and an unchanged build pass; so does an object
# without DWARF.
source "$(dirname "$0")/../lib.sh"

KBP="$KLP_BIN/klp-build-patch"
[ -x "$KBP" ] || skip_all "no $KBP"

cat > "$T/s.c" <<'C'
struct stats {
	unsigned long resident;
#ifdef ADD
	unsigned long added;
#endif
	int flags;
#ifndef REMOVE
	int gone;
#endif
	union {
		int c;
		short d;
#ifdef PAD
		short in_padding;
#endif
	};
#ifdef BITS
	unsigned int mode:5;
#else
	unsigned int mode:3;
#endif

#ifdef BIG
	char name[32];
#else
	char name[16];
#endif
};
typedef struct { int counter; } my_atomic_t;
static struct {
	int x;
#ifdef ANON
	long y;
#endif
} anon_var;
#ifdef NEWTYPE
struct fresh { long a, b; };
long fresh_use(struct fresh *f) { return f->a; }
#endif
int use(struct stats *s, my_atomic_t *a)
{
	return s->resident + s->flags + s->c + s->mode + s->name[1] + a->counter + anon_var.x;
}
C

# diff_of DEFINE...: the original against a build with the defines; out, rc.
diff_of() {
	local d=()
	for a in "$@"; do d+=(-D"$a"); done
	gcc -g -O2 -c -ffunction-sections -fdata-sections "${d[@]}" -o "$T/p.o" "$T/s.c" || return 1
	out=$("$KBP" --diff-objects "$T/orig.o" "$T/p.o" 2>&1)
	rc=$?
}
# refused WHAT REGEX: the comparison failed, with that message.
refused() {
	is "$rc" 1 "$1: refused"
	like "$out" "$2" "... $3"
}
gcc -g -O2 -c -ffunction-sections -fdata-sections -o "$T/orig.o" "$T/s.c" ||
	skip_all "gcc cannot build the fixture"

diff_of
is "$rc:$out" "0:" "the same build: no finding"
diff_of NEWTYPE
is "$rc" 0 "a new struct only the patched build has: fine" "$out"

diff_of ADD
refused "a member added" "symbol 'struct stats': member 'flags' moved from offset 8 to offset 16; its size changed from 40 to 48 bytes" \
	"naming the type, the first moved member, both offsets and sizes"
is "$(printf '%s\n' "$out" | grep -c "struct stats")" 1 "... one message for the type"
diff_of PAD
refused "a member added where the size and the others stay" "'struct stats': member 'in_padding' \\(short int\\) was added at offset 16:" \
	"named with its offset (a member of an anonymous union)"
diff_of REMOVE
refused "a member removed" "'struct stats': member 'gone' \\(int, at offset 12\\) was removed" \
	"named with its old offset"
diff_of BITS
refused "a bit-field widened" "'struct stats': member 'mode' \\(unsigned int\\) changed size from 3 bits to 5 bits" \
	"both sizes in bits"
diff_of BIG
refused "an array member grown" "'struct stats': member 'name' \\(char\\[\\]\\) changed size from 16 bytes to 32 bytes" \
	"both sizes"
diff_of ANON
refused "a file-scope variable's anonymous struct grown" "'variable anon_var': member 'y' \\(long int\\) was added at offset 8; its size changed from 4 to 16 bytes" \
	"named by the variable"

gcc -O2 -c -o "$T/nodw.o" "$T/s.c"
out=$("$KBP" --diff-objects "$T/nodw.o" "$T/nodw.o" 2>&1)
is "$?:$out" "0:" "objects without DWARF: nothing to compare, no error"

if ! command -v valgrind > /dev/null; then
	pass "# SKIP valgrind is not installed"
elif ldd "$KBP" 2>/dev/null | grep -q libasan; then
	pass "# SKIP $KBP is a sanitizer build: valgrind runs against the plain build"
else
	diff_of ADD
	valgrind -q --error-exitcode=86 --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=definite,indirect,possible --log-file="$T/vg.log" \
		"$KBP" --diff-objects "$T/orig.o" "$T/p.o" > /dev/null 2>&1
	rc=$?
	[ "$rc" = 1 ] && ! [ -s "$T/vg.log" ] && pass "memcheck-clean (exit $rc)" ||
		fail "memcheck-clean" "exit $rc" "$(head -30 "$T/vg.log")"
fi

done_testing
