#!/bin/bash
# klp-source --facts and klp-check --source on the kernel under test: a
# real file of vmlinux rebuilt from Debian's linux-source with gcc's
# -fdump-ipa-clones, still the shipped code, and the facts of a function
# gcc inlined into callers there, checked against what readelf reads from
# the same object's DWARF and against the kernel's own map. The function is
# picked from that DWARF (the global function of the file with the most
# out-of-line functions holding inlined copies), never named here.
#
# No boot: the map comes from the harness's cached kallsyms dump. The -dbg
# vmlinux (e2e_dbg_vmlinux) adds the proof that the dump option changes no
# code, a sympos told apart by neighbouring functions, and a header's static
# inline with the units that inline it; without it those are skipped.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-e2e.sh"
command -v jq > /dev/null || skip_all "jq not installed (apt-get install jq)"

rel=$(e2e_release) || skip_all "no Debian kernel"
kdir=$(e2e_kdir)
tarball=$(e2e_source_tarball) || skip_all "$tarball"
map=$(e2e_map) || skip_all "no symbol map of $rel (kallsyms dump failed)"
dbg=$(e2e_dbg_vmlinux 2>/dev/null) || dbg=
cache=$E2E_CACHE/source
file=fs/namei.c

ks() {
	klp-source -q -k "$kdir" -s "$tarball" --cache "$cache" "$@"
}

start=$(date +%s)
obj=$(ks "$file" | sed "s|^$file: ||")
diag "rebuild $file: $(($(date +%s) - start)) s"
ok "$file rebuilt" [ -s "$obj" ]
ok "gcc's -fdump-ipa-clones report is kept beside it" [ -s "$obj.ipa-clones" ]
like "$(head -n 1 "$obj.ipa-clones")" "^Callgraph (clone|removal);" "and it is gcc's report"

if [ -n "$dbg" ]; then
	out=$(ks --verify --vmlinux "$dbg" "$file" 2>&1)
	if printf '%s\n' "$out" | grep -Eq "^$file: ([0-9]+)/\\1 functions identical"; then
		pass "the object built with the dump is still the shipped code, function by function"
	else
		# A file may not verify whole for reasons of its own: source.t says which.
		printf '%s\n' "$out" | while IFS= read -r l; do diag "$l"; done
		pass "# SKIP $file does not verify whole on $rel (see source.t): the dump's effect is not proven here"
	fi
else
	pass "# SKIP no -dbg vmlinux of $rel: the code is not compared"
fi

# dwarf_inlines OBJ: "CALLEE CONTAINER" for each function holding an
# inlined copy, by DWARF names, read by readelf: an independent reader.
dwarf_inlines() {
	readelf --debug-dump=info "$1" 2> /dev/null > "$T/dw.txt"
	awk '
	function val(s) { sub(/^[^D]*DW_AT_[a-z_]*[ \t]*: /, "", s); sub(/^\([^)]*\): /, "", s); return s }
	/^ *<[0-9]+><[0-9a-f]+>:/ {
		match($0, /<[0-9]+></); d = substr($0, RSTART + 1, RLENGTH - 3) + 0
		match($0, /><[0-9a-f]+>/); off = substr($0, RSTART + 2, RLENGTH - 3)
		tag = $0; sub(/.*\(/, "", tag); sub(/\).*/, "", tag)
		if (NR == FNR)
			next
		if (d == 1) { top = off; toptag = tag }
		curtag = tag
		next
	}
	NR == FNR && /DW_AT_name/ { name[off] = val($0); next }
	NR == FNR && /DW_AT_abstract_origin/ { o = val($0); gsub(/[<>]|0x/, "", o); origin[off] = o; next }
	NR == FNR && /DW_AT_low_pc|DW_AT_ranges/ { if (tag == "DW_TAG_subprogram") code[off] = 1; next }
	NR == FNR { next }
	curtag == "DW_TAG_inlined_subroutine" && /DW_AT_abstract_origin/ &&
	toptag == "DW_TAG_subprogram" && code[top] {
		o = val($0); gsub(/[<>]|0x/, "", o)
		print name[o], (name[top] != "" ? name[top] : name[origin[top]])
	}' "$T/dw.txt" "$T/dw.txt" | sort -u
}
dwarf_inlines "$obj" > "$T/pairs"
nm "$obj" | awk '$2 == "T" { print $3 }' | sort > "$T/globals"
name=$(awk '{ print $1 }' "$T/pairs" | sort | uniq -c | sort -k1,1nr -k2 |
	awk '{ print $2 }' | grep -Fxf "$T/globals" | head -n 1)
[ -n "$name" ] || { fail "$file: a global function inlined somewhere"; done_testing; }
want=$(awk -v n="$name" '$1 == n { print $2 }' "$T/pairs" | sort -u)
nwant=$(printf '%s\n' "$want" | wc -l)
diag "the real case: $name of $file, inlined into $nwant functions by its DWARF"
ok "$name is inlined into $nwant functions of $file ($(echo $want))" [ "$nwant" -ge 2 ]

out=$(ks --map "$map" --facts "$name" "$file" 2>&1)
rc=$?
printf '%s\n' "$out" | while IFS= read -r l; do diag "$l"; done
is "$rc" 0 "klp-source --facts $name $file: exit 0"
like "$out" "^$file: $name \(read: object symbols, object DWARF, gcc ipa-clones, map\)" \
	"reads the object's symbols, its DWARF, gcc's report and the map"
like "$out" "out-of-line: yes" "$name has an out-of-line copy (it is global)"
like "$out" "abi: an out-of-line copy keeps the source ABI" "which keeps the source ABI"
got=$(printf '%s\n' "$out" | sed -n 's/^    \([^ ,]*\)[ ,].*(.*object DWARF.*)$/\1/p' | sed 's/\..*//' | sort -u)
is "$(echo $got)" "$(echo $want)" "the callers the DWARF holds copies in: all of them, no other"
n=$(printf '%s\n' "$out" | grep -c "^    .*, sympos [0-9]")
is "$n" "$(printf '%s\n' "$out" | grep -c '^    [^ ]* .*(.*)$' )" "each caller has its sympos from the map"
pos=$(awk -v n="$name" '$1 == "object" { o = $2 } o == "vmlinux" && $3 == n' "$map" | wc -l)
[ "$pos" = 1 ] && like "$out" "$name in vmlinux: sympos 1 \(map: unique\)" "$name itself: unique in the map"

# klp-check --source on a livepatch replacing it: exact facts, not guesses.
{ cat "$TOP/tests/include/klp_stub.h"; cat <<'SRC'; } > "$T/klp.h"
#define PATCH(...) \
	static struct klp_func funcs[] = { __VA_ARGS__, { } }; \
	static struct klp_object objs[] = { { .funcs = funcs }, { } }; \
	static struct klp_patch patch = { .mod = &__this_module, .objs = objs }; \
	int lp_init(void) { return klp_enable_patch(&patch); }
#define F(name) { .old_name = #name, .new_func = new_fn }
#define FP(name, pos) { .old_name = #name, .new_func = new_fn, .old_sympos = pos }
SRC
first=$(printf '%s\n' "$want" | head -n 1)
printf '#include "klp.h"\nPATCH(F(%s), F(%s))\n' "$name" "$first" > "$T/lp.c"
gcc -O2 -g -c "$T/lp.c" -o "$T/lp.o" || { fail "compile the livepatch"; done_testing; }
chk() {
	klp-check --map "$map" --source "$tarball" --kdir "$kdir" --cache "$cache" \
		--source-file "$name=$file" "$@" "$T/lp.o"
}
json=$(chk --json)
is "$(jq -r --arg n "$name" '.functions[] | select(.old_name == $n) | .facts.sources | join(",")' <<< "$json")" \
	"symtab,dwarf,ipa_clones,map" "--json: the facts' sources"
is "$(jq -r --arg n "$name" '[.functions[] | select(.old_name == $n) | .facts.inlined_into[]
	| select(.from | index("dwarf")) | .function | sub("\\..*"; "")] | unique | join(" ")' <<< "$json")" \
	"$(echo $want)" "--json: the callers holding copies, from the object's DWARF"
is "$(jq -r --arg n "$first" '.functions[] | select(.old_name == $n) | .facts' <<< "$json")" "null" \
	"no file given for $first: no facts"
txt=$(chk)
printf '%s\n' "$txt" | while IFS= read -r l; do diag "$l"; done
like "$txt" "warning: vmlinux: $name is inlined into [0-9]+ functions of $file \(object symbols, object DWARF, gcc ipa-clones, map\)" \
	"klp-check warns of the inlined copies and names where the facts came from"
like "$txt" "    $first \[patched\]" "the caller the patch replaces too is marked patched"
like "$txt" "\[NOT patched\].*sympos [0-9]" "the others not, each with its sympos"
like "$txt" "note: vmlinux: $first: no source file known for it" "a function without a file says its facts are guesses"

# Sympos by neighbours: a function of a rebuilt file whose name the map has
# as several functions; the copy chosen must sit among that file's functions
# in the -dbg vmlinux. kernel/sched/core.c has static copies of header
# functions (cpumask_weight and the like) when fs/namei.c has none.
dup=
if [ -n "$dbg" ]; then
	for dfile in "$file" kernel/sched/core.c; do
		dobj=$(ks "$dfile" | sed "s|^$dfile: ||")
		for f in $(nm "$dobj" | awk '$2 == "t" && $3 !~ /\./ { print $3 }'); do
			c=$(awk -v n="$f" '$1 == "object" { o = $2 } o == "vmlinux" && $3 == n && ($2 == "t" || $2 == "T")' "$map" | wc -l)
			[ "$c" -gt 1 ] && { dup=$f; break 2; }
		done
	done
fi
if [ -n "$dup" ]; then
	out=$(ks --map "$map" --facts "$dup" "$dfile")
	p=$(printf '%s\n' "$out" | sed -n "s/^  $dup in vmlinux: sympos \([0-9]*\) of [0-9]* (map: by this file's neighbouring functions)$/\1/p")
	ok "$dfile: $dup: the map has it several times, the file's copy found by its neighbours (sympos $p)" [ -n "$p" ]
	addr=$(awk -v n="$dup" '$1 == "object" { o = $2 } o == "vmlinux" && $3 == n' "$map" | sed -n "${p:-1}p" | cut -d' ' -f1)
	text=$(awk '$1 == "object" { o = $2 } o == "vmlinux" && $3 == "_text" { print $1 }' "$map")
	dtext=$(nm "$dbg" | awk '$3 == "_text" { print $1 }')
	at=$(printf '%x' $((0x$addr - 0x$text + 0x$dtext)))
	next=$(nm -n "$dbg" | awk -v a="$at" 'f && ($2 == "t" || $2 == "T") && $3 !~ /^__pfx_/ { print $3; exit } $1 == a && $3 == "'"$dup"'" { f = 1 }')
	nm "$dobj" | awk '{ print $3 }' > "$T/objsyms"
	ok "in the -dbg vmlinux, the function after that copy ($next) is one of $dfile's" \
		grep -qx "${next:-none}" "$T/objsyms"
	wrong=$(( ${p:-1} == 1 ? 2 : 1 ))
	printf '#include "klp.h"\nPATCH(FP(%s, %s))\n' "$dup" "$wrong" > "$T/lp.c"
	gcc -O2 -g -c "$T/lp.c" -o "$T/lp.o"
	txt=$(klp-check --map "$map" --source "$tarball" --kdir "$kdir" --cache "$cache" \
		--source-file "$dup=$dfile" "$T/lp.o")
	like "$txt" "warning: vmlinux: $dup: old_sympos is $wrong, but the copy from $dfile is sympos ${p:-?} of" \
		"klp-check: an old_sympos that is another file's copy is caught"
	# Without --source-file: the file of that copy by klp-source --where,
	# when it can tell (it looks in the .c files naming it, not in headers).
	printf '#include "klp.h"\nPATCH(FP(%s, %s))\n' "$dup" "${p:-1}" > "$T/lp.c"
	gcc -O2 -g -c "$T/lp.c" -o "$T/lp.o"
	start=$(date +%s)
	txt=$(klp-check --map "$map" --source "$tarball" --kdir "$kdir" --cache "$cache" "$T/lp.o" 2>/dev/null)
	diag "klp-check --source without --source-file ($dup): $(($(date +%s) - start)) s"
	wfile=$(ks --where "$dup" --map "$map" 2>/dev/null | awk -v c="$dup,${p:-1}" '$1 == c && $2 != "?" { print $2 }')
	if [ "$wfile" = "$dfile" ]; then
		like "$txt" "note: vmlinux: $dup: facts from $dfile \(file from (klp-source --where|the map)\)" \
			"without --source-file, the file of $dup,${p:-1} is found by --where"
	else
		like "$txt" "note: vmlinux: $dup: no source file known for it" \
			"--where does not place $dup,${p:-1} (${wfile:-no file}): klp-check says its facts are guesses"
	fi
else
	pass "# SKIP no -dbg vmlinux, or no function with namesakes in the rebuilt files"
fi

# A header's static inline, inlined in this file: reported as such, with the
# units of the -dbg vmlinux that inline it.
hdr=$(readelf --debug-dump=info "$obj" 2> /dev/null | awk '
	/DW_TAG_subprogram/ { n = ""; inl = 0; ext = 0 }
	/DW_AT_name/ { n = $NF }
	/DW_AT_external/ { ext = 1 }
	/DW_AT_inline.*declared as inline and inlined/ { if (!ext && n != "") print n }' |
	grep -Fxf <(awk '{ print $1 }' "$T/pairs") | grep -v '^__' | head -n 20 |
	while read -r h; do
		ks --facts "$h" "$file" | grep -q "static inline in a header" && { echo "$h"; break; }
	done)
if [ -n "$hdr" ]; then
	out=$(ks --facts "$hdr" "$file")
	like "$out" "declared: include/[^:]*\.h:[0-9]+, static inline in a header" "$hdr: a static inline of a header"
	like "$out" "abi: no code of its own" "$hdr has no code of its own in $file"
	if [ -n "$dbg" ]; then
		printf '#include "klp.h"\nPATCH(F(%s))\n' "$hdr" > "$T/lp.c"
		gcc -O2 -g -c "$T/lp.c" -o "$T/lp.o"
		txt=$(klp-check --map "$map" --source "$tarball" --kdir "$kdir" --cache "$cache" \
			--source-file "$hdr=$file" --debuginfo "$dbg" "$T/lp.o")
		like "$txt" "warning: vmlinux: $hdr is a static inline of include/.*the target's DWARF names the units that inline it" \
			"klp-check: $hdr is a header's static inline, with the units that inline it"
		like "$txt" "^    $file$" "and $file is among them"
	fi
else
	fail "a header's static inline inlined in $file"
fi
done_testing
