#!/bin/bash
# klp-symbols --kallsyms and --symvers: vmlinux in kallsyms order, loaded
# modules in their own order, pseudo-modules skipped, exports marked;
# kallsyms wins over a module file of the same name; --find and --stats.
source "$(dirname "$0")/../lib.sh"

printf '%s\n' \
	'0000000000000000 A fixed_percpu_data' \
	'ffffffff81000000 T _text' \
	'ffffffff81001000 t type_show' \
	'ffffffff81002000 T printk' \
	'ffffffff81003000 t type_show' \
	'ffffffff81004000 r __ksymtab_printk' \
	'ffffffff81005000 t helper' \
	'ffffffff81006000 T helper' \
	'ffffffff81007000 r __ksymtab_helper' \
	'ffffffffc0001000 t type_show	[mod_a]' \
	'ffffffffc0002000 T mod_a_export	[mod_a]' \
	'ffffffffc0003000 t type_show	[mod_a]' \
	'ffffffffc0004000 t fake_only	[fake_mod]' \
	'ffffffffc0005000 t bpf_prog_6deef7357e7b4530_sd_fw_ingress	[bpf]' \
	'ffffffffc0006000 t ftrace_trampoline	[__builtin__ftrace]' \
	'ffffffffc0007000 t kprobe_insn_page	[__builtin__kprobes]' > "$T/kallsyms"

ok "kallsyms maps" klp-symbols -o "$T/k.map" --kallsyms "$T/kallsyms"
is "$(grep ^object "$T/k.map" | tr '\n' ,)" "object vmlinux,object mod_a,object fake_mod," \
	"vmlinux first, then the modules in kallsyms order, no pseudo-modules"
unlike "$(cat "$T/k.map")" "bpf_prog|ftrace_trampoline|kprobe_insn_page" "pseudo-module symbols are skipped"
find=$(klp-symbols --map "$T/k.map" --find type_show)
like "$(echo "$find" | sed -n 1p)" "^vmlinux +1 +t ffffffff81001000 +KLP_SYMPOS\(type_show, 1\)" "vmlinux type_show 1"
like "$(echo "$find" | sed -n 2p)" "^vmlinux +2 +t ffffffff81003000 +KLP_SYMPOS\(type_show, 2\)" "vmlinux type_show 2"
like "$(echo "$find" | sed -n 3p)" "^mod_a +1 +t ffffffffc0001000 .*KLP_MODULE_RELOC\(mod_a\)" "mod_a type_show 1"
like "$(echo "$find" | sed -n 4p)" "^mod_a +2 +t ffffffffc0003000" "mod_a type_show 2"
like "$(cat "$T/k.map")" "T printk x" "__ksymtab_printk marks printk exported"
like "$(cat "$T/k.map")" "ffffffff81006000 T helper x" "the global helper is the exported one"
like "$(cat "$T/k.map")" "ffffffff81005000 t helper$" "its static namesake is not"
like "$(cat "$T/k.map")" "T mod_a_export x" "an upper-case module symbol is an export"
klp-symbols --map "$T/k.map" --find nothing_like_this > "$T/out" 2>&1
is "$?" 1 "--find of an unknown name exits 1"
like "$(cat "$T/out")" "no symbol called 'nothing_like_this'" "and says so"

stats=$(klp-symbols --map "$T/k.map" --stats)
is "$(echo "$stats" | head -1)" "objects: 3, symbols: 13, duplicate names: 3" "--stats first line"
like "$stats" "^vmlinux +9 symbols +0 init +2 exported +2 duplicate names" "--stats per object"

# ftrace lists the freed init functions of modules after every module: init.
{ cat "$T/kallsyms"; printf '%s\n' 'ffffffffc0008000 t type_show	[mod_a]' \
	'ffffffffc0009000 t mod_a_init	[mod_a]'; } > "$T/kallsyms.ftrace"
ok "kallsyms with ftrace's freed init functions" klp-symbols -o "$T/kt.map" --kallsyms "$T/kallsyms.ftrace"
like "$(cat "$T/kt.map")" "ffffffffc0009000 t mod_a_init i" "a late module line is an init symbol"
is "$(grep -c ^object "$T/kt.map")" 3 "the module is not listed twice"
is "$(klp-symbols --map "$T/kt.map" --find type_show | grep -c 'KLP_SYMPOS(type_show, 3)')" 0 \
	"a freed init namesake does not count"

# kallsyms wins over a module file for a loaded module.
cc_obj "$T/f.o" 'static const char mi[] __attribute__((section(".modinfo"), used, aligned(1))) =
	"name=fake_mod"; int file_only(void) { return 0; }'
ld -r -o "$T/fake-mod.ko" "$T/f.o"
ok "kallsyms and a module file" klp-symbols -o "$T/kf.map" --kallsyms "$T/kallsyms" --module "$T/fake-mod.ko"
like "$(cat "$T/kf.map")" "fake_only" "the loaded module's kallsyms symbols are used"
unlike "$(cat "$T/kf.map")" "file_only" "not its file's"

# Module.symvers: vmlinux and module paths; other objects skipped; missing warned.
printf '0x%08x\t%s\t%s\t%s\t%s\n' \
	1 _text vmlinux EXPORT_SYMBOL '' \
	2 fake_only drivers/misc/fake-mod EXPORT_SYMBOL_GPL MY_NS \
	3 absent_module_sym drivers/misc/not-in-map EXPORT_SYMBOL '' > "$T/Module.symvers"
ok "symvers applies" klp-symbols -o "$T/s.map" --kallsyms "$T/kallsyms" --symvers "$T/Module.symvers"
like "$(cat "$T/s.map")" "T _text x" "a vmlinux export is marked"
like "$(cat "$T/s.map")" "t fake_only x" "a module export (path with '-') is marked"
printf '0x1\tno_such_symbol\tvmlinux\tEXPORT_SYMBOL\t\n' >> "$T/Module.symvers"
out=$(klp-symbols -o "$T/s2.map" --kallsyms "$T/kallsyms" --symvers "$T/Module.symvers" 2>&1)
is "$?" 0 "a symbol missing from its object is a warning"
like "$out" "warning: no_such_symbol exported by vmlinux is not in the map" "naming the symbol"

# Garbage: the error names file and line; no map.
for bad in 'ffffffff81000000 T' 'zzzz T foo' 'ffffffff81000000 TT foo' \
	'ffffffff81000000 T foo [mod] extra' 'ffffffff81000000 T foo mod'; do
	{ head -3 "$T/kallsyms"; echo "$bad"; } > "$T/bad"
	out=$(klp-symbols -o "$T/bad.map" --kallsyms "$T/bad" 2>&1)
	rc=$?
	is "$rc" 1 "garbage '$bad': exit 1"
	like "$out" "$T/bad:4: " "garbage '$bad': file:line"
	[ ! -e "$T/bad.map" ] && pass "garbage '$bad': no map" || fail "garbage '$bad': no map"
done
{ cat "$T/kallsyms"; echo 'ffffffff81000000 T late_vmlinux'; } > "$T/bad"
like "$(klp-symbols -o "$T/bad.map" --kallsyms "$T/bad" 2>&1)" "$T/bad:17: vmlinux symbol after module" \
	"vmlinux after modules is refused"
printf '0x1\tfoo\tvmlinux\n' > "$T/bad.symvers"
like "$(klp-symbols -o "$T/bad.map" --kallsyms "$T/kallsyms" --symvers "$T/bad.symvers" 2>&1)" \
	"$T/bad.symvers:1: expected" "a bad Module.symvers line: file:line"
[ ! -e "$T/bad.map" ] && pass "no map after a bad Module.symvers" || fail "no map after a bad Module.symvers"

# A failing run leaves an existing map untouched and no temporary file.
echo old > "$T/keep.map"
nok "a failing run" klp-symbols -o "$T/keep.map" --kallsyms "$T/bad"
is "$(cat "$T/keep.map")" old "the old map is untouched"
is "$(ls "$T" | grep -c keep)" 1 "no temporary file left"

done_testing
