#!/bin/bash
# klp-build stopped by a signal while it compiles: SIGTERM (kill(1), a CI
# timeout) and SIGHUP (a closed terminal) end the compiler it waits for,
# and it removes what it made as on any failure. No scratch tree
# (TMPDIR/klp-build.*), no half-built object in klp-source's cache, no
# livepatch, and it dies of the signal. The same patch then builds, so the
# cache was left sound. No boot.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"

e2e_patch_setup
# A cache of this test's own, the extracted tree shared: other runs' scratch
# directories in the shared cache are not this one's.
ver=${tree%/tree}
ver=${ver##*/}
cache=$T/cache
mkdir -p "$cache/$ver"
ln -s "$tree" "$cache/$ver/tree"

# A text no earlier run compiled: the patched object is never cached.
mark="interrupted-$$-$(date +%s%N)"
mkdir -p "$T/a/fs/proc" "$T/b/fs/proc" "$T/tmp" "$T/run"
cp "$tree/fs/proc/cmdline.c" "$T/a/fs/proc/cmdline.c"
sed "s/^\tseq_putc(m, .\\\\n.);\$/\tseq_puts(m, \" $mark\\\\n\");/" "$tree/fs/proc/cmdline.c" \
	> "$T/b/fs/proc/cmdline.c"
(cd "$T" && diff -u a/fs/proc/cmdline.c b/fs/proc/cmdline.c) > "$T/cmdline.patch"
[ -s "$T/cmdline.patch" ] || skip_all "fs/proc/cmdline.c has no seq_putc(m, '\\n') line to change"

# stop SIG: start klp-build, send SIG to it (not its process group) while
# it compiles (the original in this process, the patched file in a
# child); rc, err.
stop() {
	local pid i
	(cd "$T/run" && exec env TMPDIR="$T/tmp" "$KB" -k "$kdir" \
		-s "$tarball" --cache "$cache" --kallsyms "$ks" -o "$T/run/lp.ko" "$T/cmdline.patch" \
		> "$T/out" 2> "$T/err") &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		grep -q '^  applying' "$T/out" 2>/dev/null && break
		sleep 0.1
	done
	sleep 1
	kill -s "$1" "$pid"
	{ wait "$pid"; } 2> /dev/null	# the shell's "Hangup" notice
	rc=$?
	err=$(cat "$T/err")
}

for sig in TERM HUP; do
	stop $sig
	num=$(kill -l $sig)
	is "$rc" "$((128 + num))" "SIG$sig: klp-build dies of the signal (exit $((128 + num)))"
	like "$err" '^klp-build: error: interrupted by ' "SIG$sig: it says it was interrupted"
	unlike "$err" 'Kbuild failed' "SIG$sig: ... and not that the build failed"
	like "$(cat "$T/out")" '^  applying' "SIG$sig: it was stopped after applying"
	unlike "$(cat "$T/out")" '^  building original' "SIG$sig: ... while it compiled"
	sleep 1
	is "$(pgrep -f -- "$cache" | tr '\n' ' ')" "" "SIG$sig: no make or gcc of it runs on"
	is "$(ls -A "$T/tmp")" "" "SIG$sig: no scratch tree is left in TMPDIR"
	is "$(find "$cache" -name 'build.*' 2>/dev/null)" "" \
		"SIG$sig: no half-built object is left in the cache"
	ok "SIG$sig: no livepatch was written" test ! -e "$T/run/lp.ko"
done

(cd "$T/run" && TMPDIR="$T/tmp" "$KB" -k "$kdir" -s "$tarball" --cache "$cache" \
	--kallsyms "$ks" -o "$T/run/lp.ko" "$T/cmdline.patch" > "$T/out" 2> "$T/err")
is "$?" 0 "the same patch then builds" "$(cat "$T/err")"
like "$(cat "$T/out")" '^changed function: cmdline_proc_show' "... and finds its change"
ok "... and writes the livepatch" test -s "$T/run/lp.ko"
is "$(ls -A "$T/tmp")" "" "... and leaves no scratch tree"

done_testing
