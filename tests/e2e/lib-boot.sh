# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# What the real-kernel harnesses share around a boot: lib-e2e.sh
# (Debian's x86_64 kernels) and lib-cross.sh (the ppc64le and s390x kernels)
# source it. They set E2E_NAME, E2E_OUT, E2E_CONSOLE, E2E_RC and
# E2E_SECONDS (lib-cross.sh also E2E_BOOTED_SECONDS: qemu start to the
# script) and define _e2e_log_dir, _e2e_log_name and _e2e_console_label.

# _e2e_boot_start NAME DIR: the state of a new boot, its files empty.
_e2e_boot_start() {
	E2E_NAME=$1
	_e2e_failed_before=${_tap_failed:-0}
	mkdir -p "$2"
	E2E_OUT=$2/out
	E2E_CONSOLE=$2/console.log
	E2E_DATA=$2/data
	E2E_RC=
	: > "$E2E_OUT"
	: > "$E2E_CONSOLE"
	: > "$E2E_DATA"
}

# e2e_run NAME SCRIPT [KO...]: e2e_boot, then print the script's output;
# for $(...) callers, which do not see the E2E_* variables. On a failed boot
# the console goes to stderr and the status is 1.
e2e_run() {
	if e2e_boot "$@"; then
		cat "$E2E_OUT"
		return 0
	fi
	e2e_diag_console >&2
	return 1
}

# A failed boot's log outlives $T, so it can be read after prove is done.
_e2e_keep_log() {
	local keep
	keep=$(_e2e_log_dir)
	mkdir -p "$keep" 2>/dev/null || return 0
	keep="$keep/$(basename "$0" .t)-$(_e2e_log_name).log"
	{
		cat "$E2E_CONSOLE"
		echo "---- script output ----"
		cat "$E2E_OUT"
	} > "$keep" 2>/dev/null && echo "# e2e: serial log kept in $keep"
}

e2e_diag_console() {
	echo "# ---- $(_e2e_console_label) of boot '$E2E_NAME' ($E2E_CONSOLE) ----"
	tail -n "${1:-80}" "$E2E_CONSOLE" | sed 's/^/#   /'
	echo "# ---- script output ----"
	tail -n "${1:-80}" "$E2E_OUT" | sed 's/^/#   /'
}

# e2e_diag_on_fail: after the checks of a boot, print its serial log if any
# of them failed.
e2e_diag_on_fail() {
	[ "${_tap_failed:-0}" -gt "${_e2e_failed_before:-0}" ] || return 0
	e2e_diag_console 60
	_e2e_keep_log
}

e2e_boot_ok() {
	if [ "$E2E_RC" != none ]; then
		if [ -n "${E2E_BOOTED_SECONDS:-}" ]; then
			pass "$1 (booted in ${E2E_BOOTED_SECONDS}s, all ${E2E_SECONDS:-?}s, script exit $E2E_RC)"
		else
			pass "$1 (booted in ${E2E_SECONDS:-?}s, script exit $E2E_RC)"
		fi
	else
		fail "$1" "boot '$E2E_NAME' did not reach the end of its script"
		e2e_diag_console
	fi
}

# e2e_pick_homonym MAP: "NAME COUNT" of the vmlinux function with the most
# namesakes in the kernel under test (ties: the first name in C order), so a
# test of sympos never names a function of one release. Every one of the
# COUNT symbols is a local function in .text (between _stext and _etext: not
# init code, not data, which would count towards sympos too), and NAME is a C
# identifier that is not ftrace/CFI padding (__pfx_*, __cfi_*).
e2e_pick_homonym() {
	awk '
	/^object / { o = $2; next }
	o != "vmlinux" { next }
	$3 == "_stext" { lo = $1 }
	$3 == "_etext" { hi = $1 }
	{ n[NR] = $3; a[NR] = $1; t[NR] = $2 }
	END {
		for (i in n) {
			all[n[i]]++
			if (t[i] == "t" && a[i] >= lo && a[i] < hi)
				txt[n[i]]++
		}
		for (s in txt)
			if (txt[s] > 1 && txt[s] == all[s] &&
			    s ~ /^[A-Za-z_][A-Za-z0-9_]*$/ && s !~ /^__(pfx|cfi)_/)
				print txt[s], s
	}' "$1" | LC_ALL=C sort -k1,1nr -k2,2 | awk 'NR == 1 { print $2, $1 }' | grep .
}

# Shell functions every guest script can use.
_e2e_guest_lib() {
	cat <<'EOF'
# klp_wait PATCH: wait until the patch's transition is over (an idle busybox
# system finishes within a second even under TCG). A disabled patch's sysfs
# directory goes away when its transition ends.
klp_wait() {
	_n=0
	while :; do
		if [ ! -d /sys/kernel/livepatch/$1 ]; then
			echo "klp_wait: $1 gone"
			return 0
		fi
		[ "$(cat /sys/kernel/livepatch/$1/transition)" = 0 ] && break
		_n=$((_n + 1))
		if [ $_n -gt 300 ]; then
			echo "klp_wait: $1 still in transition after 30s"
			return 1
		fi
		sleep 0.1
	done
	echo "klp_wait: $1 transition=0 enabled=$(cat /sys/kernel/livepatch/$1/enabled)"
}
EOF
}
