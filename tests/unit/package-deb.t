#!/bin/bash
# The Debian package: dpkg-buildpackage builds it from a copy of the tree,
# it holds the tools, the man pages and the header at both paths, and
# lintian finds no error in it.
source "$(dirname "$0")/../lib.sh"

for t in dpkg-buildpackage dh lintian fakeroot; do
	command -v "$t" > /dev/null || skip_all "$t not installed (apt-get install dpkg-dev debhelper lintian fakeroot)"
done
[ -d "$TOP/.git" ] || skip_all "not a git checkout: the package is built from the tracked files"

mkdir -p "$T/src"
(cd "$TOP" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$T/src") ||
	{ fail "copy the tree"; done_testing; }
out=$(cd "$T/src" && dpkg-buildpackage -us -uc -b 2>&1)
rc=$?
is "$rc" 0 "dpkg-buildpackage -us -uc -b builds the package"
[ "$rc" -eq 0 ] || { diag "$(printf '%s\n' "$out" | tail -n 30)"; done_testing; }
deb=$(ls "$T"/klp-convert_*.deb 2>/dev/null | head -n 1)
[ -f "$deb" ] && pass "a .deb is written" || { fail "a .deb is written"; done_testing; }

files=$(dpkg-deb -c "$deb")
for f in usr/bin/klp-convert usr/bin/klp-symbols usr/bin/klp-check usr/bin/klp-build usr/bin/klp-build-patch usr/bin/klp-source \
	 usr/include/klp/klp_convert.h usr/include/klp_convert.h \
	 usr/include/klp/kpatch/kpatch-macros.h usr/include/klp/kpatch/kpatch-syscall.h \
	 usr/share/man/man1/klp-convert.1.gz usr/share/man/man1/klp-build.1.gz \
	 usr/share/man/man1/klp-source.1.gz; do
	like "$files" " \./$f\$" "the package holds /$f"
done

# The packaged tool runs; package, changelog and tool agree on VERSION.
mkdir "$T/root"
dpkg-deb -x "$deb" "$T/root"
ver=$(cat "$TOP/VERSION")
is "$(dpkg-deb -f "$deb" Version)" "$ver" "the package's version is VERSION ($ver)"
is "$("$T/root/usr/bin/klp-convert" --version)" "klp-convert $ver" "the packaged klp-convert --version prints it"

# The packaged klp-build gives its patch mode the packaged kpatch headers.
mkdir "$T/fake"
printf '#!/bin/sh\necho "$KLP_KPATCH_INCLUDE"\n' > "$T/fake/klp-build-patch"
chmod +x "$T/fake/klp-build-patch"
is "$(KLP_BIN=$T/fake KLP_KPATCH_INCLUDE= "$T/root/usr/bin/klp-build" --kpatch-markers x.o)" \
	"$T/root/usr/include/klp/kpatch" "the packaged klp-build finds the packaged kpatch-macros.h"

lint=$(lintian --tag-display-limit 0 --fail-on error "$deb" 2>&1)
rc=$?
is "$rc" 0 "lintian --fail-on error passes"
unlike "$lint" '^E: ' "lintian: no error tag"
diag "lintian:" "$lint"

done_testing
