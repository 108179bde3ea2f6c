#!/bin/bash
# klp-build's patch mode on the kernel under test: small real fixes to
# files of its linux-source (fs/proc/cmdline.c, kernel/sys.c) go through
# applying, building original, building patched and diffing, and the
# changed functions are exactly the ones each fix changes. The cmdline fix
# goes on through extracting, linking, converting and checking to a
# livepatch klp-check accepts, which is loaded under qemu and must make
# /proc/cmdline print the patched text; the isofs fix makes a livepatch of
# a module target, loaded before isofs and applied as isofs loads. The
# extracted tree and the objects are klp-source's
# cache ($KLP_E2E_CACHE/source), shared with tests/e2e/source.t.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"

e2e_patch_setup

# fix NAME FILE SED: a patch made as a developer would, a/ b/ from diff -u.
fix() {
	mkdir -p "$T/$1/a/${2%/*}" "$T/$1/b/${2%/*}"
	cp "$tree/$2" "$T/$1/a/$2"
	sed "$3" "$tree/$2" > "$T/$1/b/$2"
	(cd "$T/$1" && diff -u "a/$2" "b/$2") > "$T/$1.patch"
	[ -s "$T/$1.patch" ]
}
# run_kb ARGS...: out (stdout: stages, findings), err (messages), rc; in $T/run.
# Every livepatch built is proved: each changed and new function it
# carries, identical to the patched build's.
run_kb() {
	local nf np
	mkdir -p "$T/run"
	(cd "$T/run" && "$KB" -k "$kdir" -s "$tarball" --cache "$cache" --kallsyms "$ks" "$@" \
		> "$T/out" 2> "$T/err")
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
	if printf '%s\n' "$out" | grep -q '^livepatch: '; then
		nf=$(printf '%s\n' "$out" | grep -cE '^(changed|new) function: ')
		np=$(printf '%s\n' "$out" | sed -n 's/^  proving  *\([0-9]*\) functions* identical to the patched build .*/\1/p')
		is "$np" "$nf" "$(basename "${*: -1}"): the proof covers all $nf function(s) of the livepatch"
	fi
}
changed() {
	printf '%s\n' "$out" | sed -n 's/^\([a-z]*\) function: \([^ ]*\) .*/\1 \2/p' | sort | tr '\n' ' '
}

# 1. /proc/cmdline says more: one static function of vmlinux.
fix cmdline fs/proc/cmdline.c 's/^\tseq_putc(m, .\\n.);$/\tseq_puts(m, " livepatched\\n");/' ||
	skip_all "fs/proc/cmdline.c has no seq_putc(m, '\\n') line to change"
start=$(date +%s.%N)
run_kb "$T/cmdline.patch"
diag "fs/proc/cmdline.c: $(echo "$(date +%s.%N) - $start" | bc) s"
printf '%s\n' "$out" | while IFS= read -r l; do diag "$l"; done
is "$(changed)" "changed cmdline_proc_show " "cmdline: the one function the fix changes"
for s in applying 'building original' 'building patched' diffing extracting linking converting checking; do
	like "$out" "^  $s +.* [0-9]+\\.[0-9]{2} s$" "cmdline: stage '$s' reported, timed"
done
like "$out" '^  building original +fs/proc/cmdline.c \(vmlinux\)' "cmdline: a file of vmlinux"
is "$rc" 0 "cmdline: the livepatch is made"
is "$err" "" "cmdline: no message"
like "$out" '^  checking +0 errors' "cmdline: klp-check found no error"
is "$(ls -A "$T/run")" "livepatch-cmdline.ko" "cmdline: livepatch-cmdline.ko in the current directory, and nothing else"
ko=$T/run/livepatch-cmdline.ko
secs=$(readelf -SW "$ko" 2>&1)
syms=$(readelf -sW "$ko" 2>&1)
relocs=$(readelf -rW "$ko" 2>&1)
like "$secs" ' \.text\.cmdline_proc_show ' "cmdline .ko: the patched function's section"
like "$secs" ' \.klp\.rela\.vmlinux\.\.text\.cmdline_proc_show +RELA .* AIo ' \
	"cmdline .ko: its livepatch relocations (flags AIo)"
like "$relocs" '\.klp\.sym\.vmlinux\.saved_command_line,0' "cmdline .ko: saved_command_line, resolved by klp-convert"
unlike "$syms" ' (proc_cmdline_init|__initcall_)' "cmdline .ko: the file's init code is left out"
like "$(readelf -p .modinfo "$ko")" 'livepatch=Y' "cmdline .ko: modinfo livepatch=Y"
# Every entry of the special sections points into the patched function or the init file's code.
for t in __mcount_loc .orc_unwind_ip .return_sites; do
	tr=$(echo "$relocs" | awk -v s=".rela$t" '$0 ~ "^Relocation section ." s "." {f=1; next} /^Relocation/ {f=0} f && / R_X86/ {print $5}' | sort -u | tr '\n' ' ')
	[ -z "$tr" ] && continue
	like "$tr" '^(\.(text\.cmdline_proc_show|init\.text|exit\.text) )+$' "cmdline .ko: $t has only the kept code's entries ($tr)"
done
sec_relocs() { echo "$relocs" | awk -v s="$1" '$0 ~ "^Relocation section ." s "." {f=1; next} /^Relocation/ {f=0} f'; }
like "$(sec_relocs '\\.rela\\.orc_unwind_ip')" '\.text\.cmdline_proc_show' \
	"cmdline .ko: the ORC entries of the patched function (reliable stacks for the transition)"
like "$(sec_relocs '\\.rela__mcount_loc')" '\.text\.cmdline_proc_show' \
	"cmdline .ko: its ftrace call site"
if map=$(e2e_map 2>/dev/null); then
	chk=$(klp-check --map "$map" "$ko" 2>&1)
	is "$?" 0 "cmdline .ko: klp-check accepts it" "$chk"
	like "$chk" '1 function' "cmdline .ko: klp-check sees one patched function"
else
	pass "# SKIP no symbol map of $rel"
fi

# Loaded into the kernel under test, the patched function prints the new text.
e2e_cmdline_guest "$T/guest.sh"
cp "$ko" "$T/livepatch-cmdline.ko"
{
	e2e_boot patch-cmdline "$T/guest.sh" "$T/livepatch-cmdline.ko"
	e2e_boot_ok "boot the kernel under test with klp-build's livepatch"
	gout=$(cat "$E2E_OUT")
	diag "guest output:" "$gout"
	before=$(sed -n 's/^before: //p' "$E2E_OUT")
	like "$gout" '^insmod: ok$' "cmdline: insmod accepts the livepatch"
	like "$gout" '^klp_wait: livepatch_cmdline transition=0 enabled=1$' "cmdline: enabled, transition done"
	is "$(sed -n 's/^patched: //p' "$E2E_OUT")" "$before livepatched" \
		"cmdline: /proc/cmdline prints the patched function's text"
	is "$(sed -n 's/^disabled: //p' "$E2E_OUT")" "$before" "cmdline: disabled, the original text again"
	like "$gout" '^rmmod: ok$' "cmdline: the disabled livepatch unloads"
	unlike "$gout" 'Unknown symbol|not marked as a livepatch' "cmdline: no loader complaint"
	e2e_diag_on_fail
}
rm -f "$T/run/livepatch-cmdline.ko"

# 2. A function whose name vmlinux has many times: kernel/reboot.c's
# type_show (/sys/kernel/reboot/type). Its sympos is the copy klp-source
# --where places in that file, not a guess.
if fix reboot-type kernel/reboot.c '/^static ssize_t type_show(/,/^}/s/return sprintf(buf, "%s\\n", val);/return sprintf(buf, "%s livepatched\\n", val);/' &&
   grep -q 'livepatched' "$T/reboot-type/b/kernel/reboot.c"; then
	want=$(klp-source -q -k "$kdir" -s "$tarball" --cache "$cache" --where type_show --map "$ks" \
		kernel/reboot.c 2>/dev/null | sed -n 's|^type_show,\([0-9]*\) kernel/reboot.c$|\1|p')
	copies=$(grep -c ' [tT] type_show$' "$ks")
	run_kb "$T/reboot-type.patch"
	is "$rc:$(changed)" "0:changed type_show " "reboot: type_show changed, the livepatch made ($copies copies in vmlinux)"
	ko=$T/run/livepatch-reboot-type.ko
	if map=$(e2e_map 2>/dev/null) && [ -n "$want" ]; then
		got=$(klp-check --json --map "$map" "$ko" 2>/dev/null | sed -n 's/.*"old_name": "type_show", "old_sympos": \([0-9]*\).*/\1/p')
		is "$got" "$want" "reboot: old_sympos $want, the copy --where places in kernel/reboot.c"
	else
		fail "reboot: --where placed kernel/reboot.c's type_show ($want) and a map of $rel"
	fi
	cat > "$T/guest-reboot.sh" <<'SH'
echo "before: $(cat /sys/kernel/reboot/type)"
insmod /m/livepatch-reboot-type.ko && echo "insmod: ok"
klp_wait livepatch_reboot_type
echo "patched: $(cat /sys/kernel/reboot/type)"
dmesg | grep -E 'livepatch|Unknown symbol|klp'
SH
	cp "$ko" "$T/livepatch-reboot-type.ko"
	rm -f "$ko"
	e2e_boot patch-reboot "$T/guest-reboot.sh" "$T/livepatch-reboot-type.ko"
	e2e_boot_ok "reboot: boot with the livepatch of one of $copies type_show"
	before=$(sed -n 's/^before: //p' "$E2E_OUT")
	is "$(sed -n 's/^patched: //p' "$E2E_OUT")" "$before livepatched" \
		"reboot: /sys/kernel/reboot/type prints the patched type_show's text ('$before livepatched')"
	e2e_diag_on_fail
else
	pass "reboot # SKIP kernel/reboot.c's type_show has no sprintf(buf, \"%s\\n\", val) to change"
fi

o=$(find "$cache" -path "*/obj/$rel/split/fs/proc/cmdline.o" | head -n 1)
p=$(grep -l ' livepatched' $(find "$cache" -path "*/obj/$rel/patched/*/fs/proc/cmdline.o") /dev/null | head -n 1)
if [ -n "$o" ] && [ -n "$p" ]; then
	pass "cmdline: the split objects are cached apart from klp-source's"
	like "$(readelf -SW "$o")" ' \.text\.cmdline_proc_show ' "cmdline: built -ffunction-sections"
else
	fail "cmdline: the split objects are cached apart from klp-source's" "original: $o" "patched: $p"
fi

run_kb -v "$T/cmdline.patch"
like "$out" '^proved function: cmdline_proc_show \(vmlinux, sympos [0-9]+\): identical to the patched build$' \
	"cmdline -v: cmdline_proc_show proved, with its object and sympos"
uses=$(printf '%s\n' "$out" | sed -n 's/^    uses //p')
like "$uses" "^saved_command_line \\(another file's\\)$" "cmdline -v: uses saved_command_line, of another file"
# 6.12 inlines seq_puts() into a call of __seq_puts().
like "$uses" "^(__)?seq_puts \\(another file's\\)$" "cmdline -v: uses seq_puts (or __seq_puts), of another file"
like "$uses" '^\.rodata.*str.* \(literal, copied\)$' "cmdline -v: uses the new string, copied"
run_kb -q -o "$T/q.ko" "$T/cmdline.patch"
is "$rc:$out" "0:" "cmdline -q: no stage lines, no findings"
[ -f "$T/q.ko" ] && pass "cmdline -o: the livepatch where -o says" || fail "cmdline -o: the livepatch where -o says"
start=$(date +%s.%N)
run_kb "$T/cmdline.patch"
diag "warm: $(echo "$(date +%s.%N) - $start" | bc) s"
is "$(changed)" "changed cmdline_proc_show " "cmdline, warm: the same finding"

# 2. kernel/sys.c: a constant changed in override_release, one line added
# above ~600 lines of functions (their __LINE__s all move). What changes is
# override_release, or where gcc inlined it, its callers.
fix sys kernel/sys.c 's|^\(\t*\)v = LINUX_VERSION_PATCHLEVEL + 60;$|\1/* 2.6.6x for 6.x */\n\1v = LINUX_VERSION_PATCHLEVEL + 61;|' ||
	skip_all "kernel/sys.c has no override_release line to change"
run_kb "$T/sys.patch"
printf '%s\n' "$out" | while IFS= read -r l; do diag "$l"; done
so=$(find "$cache" -path "*/obj/$rel/split/kernel/sys.o" | head -n 1)
if readelf -sW "$so" | awk '$4 == "FUNC" && $8 == "override_release"' | grep -q .; then
	is "$(changed)" "changed override_release " "sys: only override_release, whose code changed"
else
	like "$(changed)" '^(changed [a-z_]*newuname )+$' "sys: the callers override_release was inlined into"
fi
is "$rc" 0 "sys: the livepatch is made" "$err"
like "$(readelf -SW "$T/run/livepatch-sys.ko" 2>&1)" ' \.text\.(override_release|[a-z_]*newuname) ' \
	"sys: the changed code's section is in it"
# The code's strings, not DWARF's (which names the directory it was built in).
strip -g -o "$T/sys-nodebug.o" "$so"
unlike "$(strings "$T/sys-nodebug.o")" '/build\.[A-Za-z0-9]{6}/' "sys: no scratch directory in the code's strings"
like "$(strings "$T/sys-nodebug.o")" '^kernel/sys\.c$' "sys: __FILE__ is the in-tree path"

# 3. A file of a module: fs/isofs/dir.c, part of isofs.ko. The change is in
# do_isofs_readdir, which gcc may inline into isofs_readdir: then that
# caller is what changed.
if grep -q '^kernel/fs/isofs/isofs.ko' "/lib/modules/$rel/modules.dep" &&
	fix isofs fs/isofs/dir.c '/^static int do_isofs_readdir/,/^}/s/^\(\t*\)if (de_len == 0) {$/\1if (de_len < 2) {/'; then
	run_kb "$T/isofs.patch"
	printf '%s\n' "$out" | while IFS= read -r l; do diag "$l"; done
	like "$out" '^  building original +fs/isofs/dir.c \(isofs\)' "isofs: built as a part of its module"
	io=$(find "$cache" -path "*/obj/$rel/split/fs/isofs/dir.o" | head -n 1)
	if readelf -sW "$io" | awk '$4 == "FUNC" && $8 == "do_isofs_readdir"' | grep -q .; then
		like "$(changed)" '^changed do_isofs_readdir (changed do_isofs_readdir\.cold )?$' \
			"isofs: do_isofs_readdir, out of line (and its .cold part)"
	else
		like "$(changed)" '^changed isofs_readdir (changed isofs_readdir\.cold )?$' \
			"isofs: isofs_readdir, into which do_isofs_readdir was inlined (and its .cold part)"
	fi
	# The module was not loaded as the kallsyms dump was taken: its installed file gives its symbols.
	is "$rc" 0 "isofs: the livepatch is made" "$err"
	like "$(readelf -SW "$T/run/livepatch-isofs.ko" 2>&1)" ' \.klp\.rela\.isofs\.' \
		"isofs: its references to the module are livepatch relocations of isofs"
	like "$(strings "$T/run/livepatch-isofs.ko")" '^isofs$' \
		"isofs: its klp_object names isofs"
	# Loaded before its target: the module's relocations and patching happen as isofs loads.
	cat > "$T/guest-isofs.sh" <<'SH'
insmod /m/livepatch-isofs.ko && echo "insmod: ok"
klp_wait livepatch_isofs
echo "before target: $(cat /sys/kernel/livepatch/livepatch_isofs/isofs/patched 2>&1)"
modprobe isofs && echo "modprobe isofs: ok"
echo "after target: $(cat /sys/kernel/livepatch/livepatch_isofs/isofs/patched 2>&1)"
echo 0 > /sys/kernel/livepatch/livepatch_isofs/enabled
klp_wait livepatch_isofs
rmmod livepatch_isofs && echo "rmmod: ok"
rmmod isofs && echo "rmmod isofs: ok"
dmesg | grep -E 'livepatch|Unknown symbol|klp|isofs'
SH
	cp "$T/run/livepatch-isofs.ko" "$T/livepatch-isofs.ko"
	E2E_DEBIAN_MODULES=isofs e2e_boot patch-isofs "$T/guest-isofs.sh" "$T/livepatch-isofs.ko"
	e2e_boot_ok "isofs: boot with the module target's livepatch"
	gout=$(cat "$E2E_OUT")
	diag "guest output:" "$gout"
	like "$gout" '^insmod: ok$' "isofs: insmod accepts the livepatch before its target is loaded"
	like "$gout" '^before target: 0$' "isofs: the object waits for its module"
	like "$gout" '^modprobe isofs: ok$' "isofs: the target loads, its livepatch relocations applied"
	like "$gout" '^after target: 1$' "isofs: the object is patched once isofs is loaded"
	like "$gout" '^rmmod: ok$' "isofs: the disabled livepatch unloads"
	unlike "$gout" 'Unknown symbol|not marked as a livepatch|invalid relocation' "isofs: no loader complaint"
	e2e_diag_on_fail
else
	pass "# SKIP no isofs module, or no de_len test in do_isofs_readdir"
fi

# 4. A fix whose context is not in the file.
sed 's/^ \tseq_puts(m, saved_command_line);$/ \tseq_puts(m, other_command_line);/' "$T/cmdline.patch" > "$T/stale.patch"
run_kb "$T/stale.patch"
like "$rc:$err" '^1:.*stale.patch: fs/proc/cmdline.c: hunk 1 \(patch line 3, line [0-9]+ of the file\) does not apply' \
	"a stale patch: the hunk that does not apply, named"

done_testing
