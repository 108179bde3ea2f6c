#!/bin/bash
# The patch suite (tests/e2e/patches/): every NAME.patch must become a
# livepatch of the kernel under test, every NAME-FAIL.patch must be refused
# with the message NAME-FAIL.expect holds. All livepatches built are then
# loaded in ONE boot of that kernel (TCG is slow), each in turn: insmod,
# NAME-LOADED.test must exit 0 while it is enabled, disable, rmmod. Then
# all of them at once (--no-replace: they patch different functions): each
# insmod, every test, each disabled and unloaded in reverse order.
# NAME.sections lists sections the livepatch must have, NAME.functions the
# functions the build must report as changed, NAME.modules the Debian
# modules its test loads, NAME.dmesg lines (EREs) the kernel log must have
# at the end (an unload hook's message). A test finds in $bug_sites the
# FILE:LINE of each WARN or BUG the patch adds, in the patched file.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"

e2e_patch_setup
dir=$(cd "$(dirname "$0")/patches" 2>/dev/null && pwd) || skip_all "no tests/e2e/patches"

mkdir -p "$T/ko" "$T/run" "$T/bs"
built=()
declare -A bugs
# FILE:LINE of each line with a WARN or BUG that patch $1 adds to the files
# of tree $2, as GNU patch places them (with an offset on another release).
bug_sites() {
	local f
	rm -rf "$T/bs/a" "$T/bs/b"
	for f in $(sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$1"); do
		mkdir -p "$T/bs/a/$(dirname "$f")" && cp "$2/$f" "$T/bs/a/$f" || return
	done
	cp -a "$T/bs/a" "$T/bs/b" && (cd "$T/bs/b" && patch -s -p1 -F0 < "$1") > /dev/null || return
	for f in $(sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$1"); do
		diff --unchanged-line-format= --old-line-format= --new-line-format="$f:%dn %l
" "$T/bs/a/$f" "$T/bs/b/$f" | grep -E '(WARN|BUG)(_ON)?(_ONCE)?\(' | cut -d' ' -f1
	done | tr '\n' ' '
}
for p in "$dir"/*.patch; do
	name=$(basename "$p" .patch)
	start=$(date +%s)
	(cd "$T/run" && "$KB" -k "$kdir" -s "$tarball" --cache "$cache" --kallsyms "$ks" \
		--no-replace -o "$T/ko/livepatch-$name.ko" "$p" > "$T/out" 2> "$T/err")
	rc=$?
	secs=$(($(date +%s) - start))
	out=$(cat "$T/out")
	err=$(cat "$T/err")
	fns=$(printf '%s\n' "$out" | sed -n 's/^\(changed\|new\) function: \([^ ]*\).*/\1 \2/p' | tr '\n' ',' | sed 's/,$//')
	case $name in
	*-FAIL)
		want=$(cat "$dir/$name.expect" 2>/dev/null) ||
			want=$(sed -n 's/^# expect: //p' "$p" | head -n 1)
		[ -n "$want" ] || { fail "$name: no expected message ($name.expect)"; continue; }
		if [ "$rc" -ne 0 ] && printf '%s\n' "$err" | grep -qF -- "$want"; then
			pass "$name: refused ($secs s): $(printf '%s\n' "$err" | grep -F -- "$want" | head -n 1)"
		else
			fail "$name: refused with '$want'" "rc=$rc" "$err"
		fi
		[ -e "$T/ko/livepatch-$name.ko" ] && fail "$name: refused, yet a .ko was written"
		;;
	*)
		if [ "$rc" -eq 0 ] && [ -f "$T/ko/livepatch-$name.ko" ]; then
			pass "$name: livepatch built ($secs s): $fns"
			built+=("$name")
			bugs[$name]=$(bug_sites "$p" "$tree")
		else
			fail "$name: livepatch built" "rc=$rc" "$err"
		fi
		like "$out" '^  checking +0 errors' "$name: klp-check found no error"
		# The equivalence check covers every function of the livepatch.
		nf=$(printf '%s\n' "$out" | grep -cE '^(changed|new) function: ')
		np=$(printf '%s\n' "$out" | sed -n 's/^  proving  *\([0-9]*\) functions* identical to the patched build .*/\1/p')
		is "$np" "$nf" "$name: all $nf function(s) proven identical to the patched build"
		# NAME.sections: sections the livepatch must carry (the fix's __ex_table, __bug_table).
		[ -f "$dir/$name.sections" ] && while read -r sec; do
			like "$(readelf -SW "$T/ko/livepatch-$name.ko" 2>&1)" " ${sec//./\\.} " \
				"$name: the livepatch has its own $sec"
		done < "$dir/$name.sections"
		# NAME.functions: every function the fix reaches (callers of an inlined helper, clones).
		[ -f "$dir/$name.functions" ] && while read -r fn; do
			like "$out" "^(changed|new) function: ${fn//./\\.}( |\$)" \
				"$name: the build reports $fn"
		done < "$dir/$name.functions"
		[ -f "$dir/$name-LOADED.test" ] || fail "$name: has a $name-LOADED.test"
		;;
	esac
done
[ ${#built[@]} -gt 0 ] || { done_testing; exit; }

# One guest script: each livepatch in turn, its test run in a subshell.
{
	for name in "${built[@]}"; do
		mod=livepatch_${name//-/_}
		echo "echo '== $name'"
		echo "insmod /m/livepatch-$name.ko && echo 'insmod: ok'"
		echo "klp_wait $mod"
		echo "( set -e"
		echo "bug_sites='${bugs[$name]}'"
		cat "$dir/$name-LOADED.test"
		# set -e holds only in a command whose status no && or || tests.
		echo ")"
		echo "rc=\$?; [ \$rc = 0 ] && echo 'loaded test: ok' || echo \"loaded test: failed (\$rc)\""
		echo "echo 0 > /sys/kernel/livepatch/$mod/enabled"
		echo "klp_wait $mod"
		echo "rmmod $mod && echo 'rmmod: ok'"
	done
	# All at once, on top of each other.
	echo "echo '== all'"
	for name in "${built[@]}"; do
		mod=livepatch_${name//-/_}
		echo "insmod /m/livepatch-$name.ko && echo 'insmod $name: ok'"
		echo "klp_wait $mod"
	done
	for name in "${built[@]}"; do
		echo "( set -e"
		echo "bug_sites='${bugs[$name]}'"
		cat "$dir/$name-LOADED.test"
		echo ")"
		echo "rc=\$?; [ \$rc = 0 ] && echo 'loaded test $name: ok' || echo \"loaded test $name: failed (\$rc)\""
	done
	for ((i = ${#built[@]} - 1; i >= 0; i--)); do
		mod=livepatch_${built[i]//-/_}
		echo "echo 0 > /sys/kernel/livepatch/$mod/enabled"
		echo "klp_wait $mod"
		echo "rmmod $mod && echo 'rmmod ${built[i]}: ok'"
	done
	echo "echo '== dmesg'"
	echo "dmesg | grep -E 'livepatch|klp|Unknown symbol|WARNING'"
} > "$T/guest.sh"
kos=()
modules=
for name in "${built[@]}"; do
	kos+=("$T/ko/livepatch-$name.ko")
	[ -f "$dir/$name.modules" ] && modules="$modules $(cat "$dir/$name.modules")"
done
E2E_DEBIAN_MODULES=$modules e2e_boot patch-suite "$T/guest.sh" "${kos[@]}"
e2e_boot_ok "one boot of $rel with ${#built[@]} livepatches"
gout=$(cat "$E2E_OUT")
diag "guest output:" "$gout"
for name in "${built[@]}"; do
	mod=livepatch_${name//-/_}
	part=$(awk -v n="== $name" '$0 == n {f=1; next} /^== / {f=0} f' "$E2E_OUT")
	like "$part" '^insmod: ok$' "$name: insmod accepts it"
	like "$part" "^klp_wait: $mod transition=0 enabled=1\$" "$name: enabled, transition done"
	like "$part" '^loaded test: ok$' "$name: $name-LOADED.test passes while it is enabled" "$part"
	like "$part" '^rmmod: ok$' "$name: disabled and unloaded"
done
part=$(awk '$0 == "== all" {f=1; next} /^== / {f=0} f' "$E2E_OUT")
for name in "${built[@]}"; do
	mod=livepatch_${name//-/_}
	like "$part" "^insmod $name: ok\$" "all at once: $name: insmod accepts it"
	like "$part" "^klp_wait: $mod transition=0 enabled=1\$" "all at once: $name: enabled, transition done"
	like "$part" "^loaded test $name: ok\$" "all at once: $name-LOADED.test passes with every livepatch enabled" "$part"
	like "$part" "^rmmod $name: ok\$" "all at once: $name: disabled and unloaded in reverse order"
done
dmesg_part=$(awk '$0 == "== dmesg" {f=1; next} f' "$E2E_OUT")
for name in "${built[@]}"; do
	[ -f "$dir/$name.dmesg" ] && while IFS= read -r line; do
		like "$dmesg_part" "$line" "$name: the kernel log has /$line/"
	done < "$dir/$name.dmesg"
done
unlike "$gout" 'Unknown symbol|not marked as a livepatch|invalid relocation' "no loader complaint"
e2e_diag_on_fail

done_testing
