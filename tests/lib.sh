# SPDX-License-Identifier: GPL-2.0-only
# TAP helpers shared by the tests. Source it; then call the assertions and
# end with done_testing.
set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KLP_BIN=${KLP_BIN:-$TOP/build}
export PATH="$KLP_BIN:$PATH"
# Sanitizer builds: any report is a failure, leaks included.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}

T=$(mktemp -d "${TMPDIR:-/tmp}/klp-test.XXXXXX")
trap 'rm -rf "$T"' EXIT

_tap_n=0
_tap_failed=0

# TAP_PREFIX goes before every description: the e2e harness sets it to
# "<release>: " so a line of a matrix run says which kernel it is about.
TAP_PREFIX=${TAP_PREFIX:-}

pass() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $TAP_PREFIX$1"
}

fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $TAP_PREFIX$1"
	shift
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}

diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# ok DESC CMD...: passes when CMD exits 0.
ok() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$desc"
	else
		fail "$desc" "command failed: $*" "$out"
	fi
}

# nok DESC CMD...: passes when CMD exits non-zero (but was not killed by a signal
# or a sanitizer, which exit 99 or >= 128).
nok() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 99 ] && [ "$rc" -lt 128 ]; then
		pass "$desc"
	else
		fail "$desc" "expected a clean failure, got exit $rc: $*" "$out"
	fi
}

is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3" "got:      '$1'" "expected: '$2'"
	fi
}

# like GOT REGEX DESC (grep -E)
like() {
	if printf '%s\n' "$1" | grep -qE -- "$2"; then
		pass "$3"
	else
		fail "$3" "'$1'" "does not match /$2/"
	fi
}

unlike() {
	if printf '%s\n' "$1" | grep -qE -- "$2"; then
		fail "$3" "'$1'" "matches /$2/"
	else
		pass "$3"
	fi
}

# skip DESC REASON: one test skipped, with the reason.
skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $TAP_PREFIX$1 # SKIP $2"
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
	exit $?
}

# kernel_release [--image]: the Debian kernel the tests build against: the
# release linux-image-amd64 depends on (so a Debian upgrade is followed
# without edits), else the newest with a build tree (and, with --image, a
# /boot/vmlinuz). KLP_E2E_RELEASE forces one. Unit and e2e tests use the same
# one, so installing a second kernel does not move one set of tests alone.
kernel_release() {
	local rel dep v need_image=${1:-}
	if [ -n "${KLP_E2E_RELEASE:-}" ]; then
		echo "$KLP_E2E_RELEASE"
		return 0
	fi
	_kernel_ok() {
		[ -d "/lib/modules/$1/build" ] &&
			{ [ -z "$need_image" ] || [ -f "/boot/vmlinuz-$1" ]; }
	}
	dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null) || dep=
	rel=$(printf '%s\n' "$dep" | sed 's/[,|]/\n/g' |
		sed -n 's/^ *linux-image-\([^ ]*-amd64\).*/\1/p' | head -n 1)
	if [ -n "$rel" ] && _kernel_ok "$rel"; then
		echo "$rel"
		return 0
	fi
	rel=
	for v in /lib/modules/*/build; do
		v=${v#/lib/modules/}
		v=${v%/build}
		_kernel_ok "$v" && rel="$rel$v"$'\n'
	done
	rel=$(printf '%s' "$rel" | sort -V | tail -n 1)
	[ -n "$rel" ] || return 1
	echo "$rel"
}

# kernel_releases [--image]: every installed kernel the tests can use, one a
# line, oldest first: a /lib/modules/<rel>/build tree (and, with --image, a
# /boot/vmlinuz-<rel>). The e2e matrix (tests/e2e/matrix) and the unit tests
# that build against each kernel's headers iterate over it, so installing a
# kernel adds it to every run without an edit. KLP_E2E_RELEASE forces one.
kernel_releases() {
	local v need_image=${1:-}
	if [ -n "${KLP_E2E_RELEASE:-}" ]; then
		echo "$KLP_E2E_RELEASE"
		return 0
	fi
	for v in /lib/modules/*/build; do
		[ -d "$v" ] || continue
		v=${v#/lib/modules/}
		v=${v%/build}
		[ -z "$need_image" ] || [ -f "/boot/vmlinuz-$v" ] || continue
		echo "$v"
	done | sort -V | grep .
}

# cc_obj OUT.o C-SOURCE [CFLAGS...]: compile a fixture from a string.
cc_obj() {
	local out=$1 src=$2
	shift 2
	printf '%s\n' "$src" > "${out%.o}.c"
	gcc -c -O2 -fno-pic -mcmodel=kernel -fno-asynchronous-unwind-tables \
		-ffunction-sections -I"$TOP/include" "$@" -o "$out" "${out%.o}.c"
}

# section_bytes FILE SECTION: the section's contents on stdout. objcopy
# replaces its output file by rename, so it must never be given /dev/stdout
# (that replaces the device link itself); an empty result is an error.
section_bytes() {
	local out
	out=$(mktemp "$T/section.XXXXXX")
	objcopy -O binary --only-section="$2" "$1" "$out" && [ -s "$out" ] && cat "$out"
	local rc=$?
	rm -f "$out"
	return $rc
}

# same_section A B SECTION: the section has the same, non-empty, bytes in both.
same_section() {
	local a b
	a=$(section_bytes "$1" "$3" | od -An -tx1 | tr -d ' \n')
	b=$(section_bytes "$2" "$3" | od -An -tx1 | tr -d ' \n')
	[ -n "$a" ] && [ "$a" = "$b" ]
}
