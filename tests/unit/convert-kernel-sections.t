#!/bin/bash
# The sections a kernel's build adds to every module, which klp-convert has
# no business changing, come out of the conversion as they went in, for a
# livepatch built against each installed kernel's headers: 6.12 adds
# .call_sites (call depth tracking), __patchable_function_entries (call
# padding, SHF_LINK_ORDER to .text), .orc_header and .BTF (split BTF against
# the headers' vmlinux) to 6.1's .orc_unwind, .orc_unwind_ip and
# .return_sites. For each such section present in the input: type, flags,
# size, alignment, linked sections, bytes, and the relocations of its
# relocation section (offset, type, symbol name, addend: the symbol's index
# may change, what it names may not). A section no module of that kernel
# has is said in the TAP line, not failed.
source "$(dirname "$0")/../lib.sh"

rels=$(kernel_releases) || skip_all "no kernel headers (apt-get install linux-headers-amd64)"

# The kernel's own tables; .orc_* stands for every ORC section.
KSECS='.call_sites __patchable_function_entries .ibt_endbr_seal .orc_* .BTF .return_sites .retpoline_sites'

# sec_headers FILE: "index name type size entsize flags link info align" per
# section; the flags column of readelf is empty for some sections.
sec_headers() {
	readelf -SW "$1" | sed -n 's/^ *\[ *\([0-9]*\)\] /\1 /p' | awk '
	NF == 10 { print $1, $2, $3, $6, $7, "-", $8, $9, $10 }
	NF == 11 { print $1, $2, $3, $6, $7, $8, $9, $10, $11 }'
}

# sec_shape FILE NAME: what must not change about a section, with its link
# and info given as section names (klp-convert may renumber sections).
sec_shape() {
	sec_headers "$1" | awk -v n="$2" '
	{ name[$1] = $2; line[$2] = $0 }
	END {
		if (!(n in line)) exit 1
		split(line[n], f, " ")
		printf "type=%s size=%s es=%s flags=%s link=%s info=%s align=%s\n",
			f[3], f[4], f[5], f[6], (f[7] in name ? name[f[7]] : f[7]),
			(f[6] ~ /I/ && f[8] in name ? name[f[8]] : f[8]), f[9]
	}'
}

# hexdump_of FILE NAME: the section's bytes as readelf -x dumps them (objcopy
# -O binary, as same_section uses, drops sections without SHF_ALLOC: .BTF).
hexdump_of() {
	readelf -x "$2" "$1" 2>/dev/null | grep '^ *0x[0-9a-f]* '
}

# relocs FILE RELA-NAME: its relocations without the Info column (it holds
# the symbol index): offset, type, symbol value, symbol name + addend.
relocs() {
	readelf -rW "$1" | awk -v n="$2" '
	/^Relocation section / { f = ($3 == "'\''" n "'\''"); next }
	f && /^ *[0-9a-f]+ +[0-9a-f]+ +R_/ { $2 = ""; print }'
}

printf 'klp-symbol-map 1\nobject vmlinux\nffffffff81400000 t cmdline_proc_show\nffffffff82a1e0c8 B saved_command_line\nffffffff81123450 T seq_printf x\n' > "$T/map"

for rel in $rels; do
	kdir=/lib/modules/$rel/build
	src=$T/m-$rel
	cp -r "$TOP/samples/livepatch-cmdline" "$src"
	ko=$src/livepatch-cmdline.ko
	out=$(make -C "$kdir" M="$src" KBUILD_MODPOST_WARN=1 modules 2>&1)
	if [ ! -f "$ko" ]; then
		fail "$rel: the cmdline sample builds against its headers" "$out"
		continue
	fi
	if ! klp-convert "$T/map" "$ko" "$T/out-$rel.ko" > "$T/convert.log" 2>&1; then
		fail "$rel: klp-convert converts it" "$(cat "$T/convert.log")"
		continue
	fi
	like "$(readelf -SW "$T/out-$rel.ko")" ' \.klp\.rela\.vmlinux\.\.text +RELA ' \
		"$rel: converted: .klp.rela.vmlinux..text written"

	names=$(sec_headers "$ko" | awk '{ print $2 }')
	absent=
	for want in $KSECS; do
		# shellcheck disable=SC2254
		found=$(printf '%s\n' "$names" | while read -r n; do
			case $n in $want) echo "$n" ;; esac
		done)
		if [ -z "$found" ]; then
			absent="$absent $want"
			continue
		fi
		for s in $found; do
			is "$(sec_shape "$T/out-$rel.ko" "$s")" "$(sec_shape "$ko" "$s")" \
				"$rel: $s: same type, size, flags, links ($(sec_shape "$ko" "$s" | cut -d' ' -f1-4))"
			a=$(hexdump_of "$ko" "$s")
			b=$(hexdump_of "$T/out-$rel.ko" "$s")
			if [ -n "$a" ] && [ "$a" = "$b" ]; then
				pass "$rel: $s: the same $(printf '%s\n' "$a" | wc -l) lines of hex dump"
			else
				fail "$rel: $s: the same bytes" "input:" "$a" "output:" "$b"
			fi
			for r in ".rela$s" ".rela.$s"; do
				printf '%s\n' "$names" | grep -qxF -- "$r" || continue
				a=$(relocs "$ko" "$r")
				b=$(relocs "$T/out-$rel.ko" "$r")
				if [ -n "$a" ] && [ "$a" = "$b" ]; then
					pass "$rel: $r: the same $(printf '%s\n' "$a" | wc -l) relocations"
				else
					fail "$rel: $r: the same relocations" "input:" "$a" "output:" "$b"
				fi
			done
		done
	done
	pass "$rel: not in this kernel's modules:${absent:- none}"
done

done_testing
