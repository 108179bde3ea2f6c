#!/bin/bash
# Every tool answers --version with its name and the tree's version (VERSION
# outside a git checkout with tags), and exits 0.
source "$(dirname "$0")/../lib.sh"

want=$(cd "$TOP" && git describe --tags --dirty 2>/dev/null | sed 's/^v//')
[ -n "$want" ] || want=$(cat "$TOP/VERSION")
for t in klp-convert klp-symbols klp-check klp-source; do
	is "$("$KLP_BIN/$t" --version 2>&1)" "$t $want" "$t --version prints '$t $want'"
done
is "$(KLP_BIN=$KLP_BIN "$TOP/scripts/klp-build" --version 2>&1)" "klp-build $want" \
	"klp-build --version prints the version of the klp-convert beside it"
is "$(KLP_BIN=$KLP_BIN "$TOP/scripts/klp-build" fix.patch --version 2>&1)" "klp-build $want" \
	"klp-build's patch mode (klp-build-patch) says the same version"
"$KLP_BIN/klp-convert" --version > /dev/null 2>&1
is "$?" 0 "--version exits 0"
"$KLP_BIN/klp-convert" --no-such-option > /dev/null 2>&1
is "$?" 2 "an unknown option is a usage error (exit 2)"

done_testing
