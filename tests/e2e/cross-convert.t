#!/bin/bash
# Issue 12 point 3: klp-convert's output loads in a real ppc64le and s390x
# kernel (tests/e2e/cross-kernel, booted under qemu TCG by lib-cross.sh).
# Per arch:
#  - the map comes from the build's System.map (klp-symbols --system-map);
#    saved_command_line is unique and unexported in it, at a guest address;
#  - use-case 1: samples/livepatch-cmdline, built and converted by
#    klp-build with ARCH= CROSS_COMPILE= passed to make; the unconverted
#    module is refused by the guest ("Unknown symbol saved_command_line"),
#    the converted one patches /proc/cmdline with the real command line,
#    is disabled (original back) and unloads;
#  - use-case 2: samples/livepatch-annotated with the homonym of THIS
#    kernel's System.map with the most copies, KLP_SYMPOS #3: the patched
#    /proc/version prints the address of that copy in the guest's
#    /proc/kallsyms, from .text, .data, .rodata and .init.text;
#  - use-case 3 (module target): samples/livepatch-module for klp_tgt, the
#    map of System.map plus klp_tgt.ko, the patch loaded before and after
#    the target;
#  - use-case 4: samples/livepatch-relocs, relocations of every shape
#    (.text, .data, .rodata, a custom section, .init.text, __jump_table),
#    both load orders, klp_tgt unloaded under the patch and, where
#    klp-convert did not warn of a GOT slot filled once, loaded again.
# KLP_CROSS_ARCHES selects arches (default: both).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib-cross.sh"

ARCHES=${KLP_CROSS_ARCHES-ppc64le s390x}
[ -n "$ARCHES" ] || skip_all "KLP_CROSS_ARCHES is empty"

runnable=
for arch in $ARCHES; do
	cross_skip_reason "$arch" > /dev/null || runnable="$runnable $arch"
done
[ -n "$runnable" ] || skip_all "$(for a in $ARCHES; do echo -n "$a: $(cross_skip_reason "$a"); "; done)"
command -v klp-symbols > /dev/null || skip_all "klp-symbols not built (make; KLP_BIN)"

map_count() {
	awk -v n="$2" '/^object /{ o = $2; next } o == "vmlinux" && $3 == n' "$1" | wc -l
}
map_exported() {
	awk -v n="$2" '/^object /{ o = $2; next } o == "vmlinux" && $3 == n && $4 ~ /x/ { f = 1 } END { exit !f }' "$1"
}

# section_relocs FILE SECTION: the relocation lines of one section.
section_relocs() {
	awk -v s="$2" '/^Relocation section /{ f = ($3 == "'\''" s "'\''"); next } f && NF' "$1"
}

cat > "$T/cmdline.sh" <<'SH'
echo "uname: $(uname -r) $(uname -m)"
echo "before: $(cat /proc/cmdline)"
insmod /m/livepatch-cmdline-raw.ko && echo "insmod raw: ok" || echo "insmod raw: refused"
dmesg | grep -E 'Unknown symbol' | sed 's/^/raw dmesg: /'
[ -d /sys/module/livepatch_cmdline ] && echo "raw: loaded" || echo "raw: not loaded"
insmod /m/livepatch-cmdline.ko && echo "insmod: ok"
klp_wait livepatch_cmdline
echo "patched: $(cat /proc/cmdline)"
echo 0 > /sys/kernel/livepatch/livepatch_cmdline/enabled
klp_wait livepatch_cmdline
echo "disabled: $(cat /proc/cmdline)"
rmmod livepatch_cmdline && echo "rmmod: ok"
[ -d /sys/module/livepatch_cmdline ] || echo "module gone"
dmesg | grep -E 'livepatch|Unknown symbol|klp|Oops|BUG'
SH

for arch in $ARCHES; do
	cross_arch_start "$arch" "klp-convert output under qemu" || continue
	RE=${CROSS_COMPILE}readelf
	case $arch in
	ppc64le) hi='c000' machine='PowerPC64' ;;
	s390x) hi='0000' machine='IBM S/390' ;;
	esac
	build=(-- ARCH="$CROSS_KARCH" CROSS_COMPILE="$CROSS_COMPILE")

	# --- the map, from the build's System.map ---
	map=$T/map-$arch
	margs=()
	# modules.order lists the tree's modules (none in these kernels).
	if [ -s "$CROSS_TREE/modules.order" ]; then
		margs=(--modules "$CROSS_TREE")
	fi
	if klp-symbols -o "$map" --system-map "$CROSS_SYSMAP" "${margs[@]}" 2> "$T/map-$arch.log"; then
		pass "$tag: klp-symbols --system-map $CROSS_SYSMAP${margs[*]:+ ${margs[*]}} writes the map"
	else
		fail "$tag: klp-symbols --system-map writes the map" "$(cat "$T/map-$arch.log")"
		continue
	fi
	scl=$(awk '/^object /{ o = $2; next } o == "vmlinux" && $3 == "saved_command_line"' "$map")
	if [ "$(map_count "$map" saved_command_line)" -eq 1 ] && ! map_exported "$map" saved_command_line; then
		pass "$tag: saved_command_line is unique and unexported in the map ($scl)"
	else
		fail "$tag: saved_command_line is unique and unexported in the map" "$scl"
	fi
	like "$scl" "^${hi}[0-9a-f]{12} [bBdD] saved_command_line$" "$tag: ... at a guest address ${hi}..."
	is "${scl%% *}" "$(awk '$3 == "saved_command_line" { print $1 }' "$CROSS_SYSMAP")" \
		"$tag: ... the address System.map gives it"
	if map_exported "$map" seq_printf; then
		pass "$tag: seq_printf is exported (map flag x)"
	else
		fail "$tag: seq_printf is exported (map flag x)"
	fi

	# --- use-case 1: the cmdline sample ---
	raw=$T/raw-$arch/livepatch-cmdline
	mkdir -p "$(dirname "$raw")"
	cp -r "$TOP/samples/livepatch-cmdline" "$raw"
	if make -C "$CROSS_TREE" ARCH="$CROSS_KARCH" CROSS_COMPILE="$CROSS_COMPILE" \
		M="$raw" KBUILD_MODPOST_WARN=1 modules > "$T/raw-$arch.log" 2>&1 &&
	   cp "$raw/livepatch-cmdline.ko" "$T/raw-$arch/livepatch-cmdline-raw.ko"; then
		pass "$tag: the unconverted cmdline sample builds (make, for the refusal check)"
	else
		fail "$tag: the unconverted cmdline sample builds" "$(tail -n 30 "$T/raw-$arch.log")"
		continue
	fi
	src=$T/cmdline-$arch/livepatch-cmdline
	mkdir -p "$(dirname "$src")"
	cp -r "$TOP/samples/livepatch-cmdline" "$src"
	ko=$src/livepatch-cmdline.ko
	if "$TOP/scripts/klp-build" -k "$CROSS_TREE" --map "$map" "$src" "${build[@]}" > "$T/build-$arch.log" 2>&1; then
		pass "$tag: klp-build -k \$CROSS_TREE ... -- ARCH=$CROSS_KARCH CROSS_COMPILE=$CROSS_COMPILE builds and converts the cmdline sample"
	else
		fail "$tag: klp-build builds and converts the cmdline sample" "$(cat "$T/build-$arch.log")"
		continue
	fi
	like "$($RE -h "$ko" | sed -n 's/^ *Machine: *//p')" "^$machine" "$tag: the converted module is a $machine object"
	"$RE" -SW "$ko" > "$T/secs-$arch"
	"$RE" -rW "$ko" > "$T/relocs-$arch"
	"$RE" -sW "$ko" > "$T/syms-$arch"
	# Where the compiler put the reference: ppc64le loads the address from
	# the module's TOC (a 64-bit word in .toc), s390x from the GOT (GOTENT
	# in .text, modules are -fPIC).
	case $arch in
	ppc64le) ksec=.toc ktype=R_PPC64_ADDR64 ;;
	s390x) ksec=.text ktype=R_390_GOTENT ;;
	esac
	like "$(cat "$T/secs-$arch")" " \\.klp\\.rela\\.vmlinux\\.\\$ksec +RELA .* AIo " \
		"$tag: converted .ko has .klp.rela.vmlinux.$ksec (flags AIo)"
	like "$(section_relocs "$T/relocs-$arch" ".klp.rela.vmlinux.$ksec")" \
		"^[0-9a-f]+ +[0-9a-f]+ $ktype +0+ \\.klp\\.sym\\.vmlinux\\.saved_command_line,0 \\+ [0-9]+$" \
		"$tag: .klp.rela.vmlinux.$ksec: $ktype against .klp.sym.vmlinux.saved_command_line,0"
	like "$(cat "$T/syms-$arch")" 'OS \[0xff20\] \.klp\.sym\.vmlinux\.saved_command_line,0$' \
		"$tag: .klp.sym.vmlinux.saved_command_line,0 is SHN_LIVEPATCH"
	like "$(section_relocs "$T/relocs-$arch" .rela.text)" ' seq_printf \+ [0-9]+$' \
		"$tag: exported seq_printf stays an ordinary relocation in .rela.text"
	unlike "$(cat "$T/relocs-$arch")" 'klp\.sym\.vmlinux\.(seq_printf|klp_enable_patch|_?printk|_mcount)' \
		"$tag: no exported symbol was converted"
	like "$($RE -sW "$T/raw-$arch/livepatch-cmdline-raw.ko" | awk '$7 == "UND" && $8 == "saved_command_line"')" \
		'saved_command_line' "$tag: the unconverted module leaves saved_command_line undefined"

	e2e_boot cmdline "$T/cmdline.sh" "$ko" "$T/raw-$arch/livepatch-cmdline-raw.ko"
	e2e_boot_ok "$tag: boot with the unconverted and the converted cmdline sample"
	out=$(cat "$E2E_OUT")
	diag "$tag guest output (cmdline):"
	diag "$out"
	is "$(sed -n 's/^uname: //p' "$E2E_OUT")" "$rel $arch" "$tag: uname -r -m in the guest"
	like "$out" '^insmod raw: refused$' "$tag: the unconverted module is refused"
	like "$out" '^raw dmesg: (\[[ 0-9.]*\] )?livepatch_cmdline: Unknown symbol saved_command_line \(err -[0-9]+\)$' \
		"$tag: guest dmesg: livepatch_cmdline: Unknown symbol saved_command_line"
	like "$out" '^raw: not loaded$' "$tag: no /sys/module/livepatch_cmdline after the refusal"
	before=$(sed -n 's/^before: //p' "$E2E_OUT")
	like "$before" 'rdinit=/init' "$tag: /proc/cmdline read before the patch"
	like "$out" '^insmod: ok$' "$tag: insmod accepted the converted module (klp relocations applied)"
	like "$out" '^klp_wait: livepatch_cmdline transition=0 enabled=1$' \
		"$tag: /sys/kernel/livepatch/livepatch_cmdline: transition 0, enabled 1"
	is "$(sed -n 's/^patched: //p' "$E2E_OUT")" "$before livepatch=1" \
		"$tag: /proc/cmdline is patched and prints the real saved_command_line + ' livepatch=1'"
	like "$out" "livepatch: enabling patch 'livepatch_cmdline'" "$tag: kernel log: enabling patch"
	like "$out" '^klp_wait: livepatch_cmdline gone$' "$tag: disabling finished its transition"
	is "$(sed -n 's/^disabled: //p' "$E2E_OUT")" "$before" "$tag: after echo 0 > enabled, /proc/cmdline is the original again"
	like "$out" '^rmmod: ok$' "$tag: rmmod livepatch_cmdline"
	like "$out" '^module gone$' "$tag: /sys/module/livepatch_cmdline is gone"
	unlike "$out" 'Oops|BUG|Invalid relocation|not marked as a livepatch|overflow' "$tag: no loader complaint"
	e2e_diag_on_fail
	diag "$tag: cmdline boot to /init ${E2E_BOOTED_SECONDS}s, qemu run ${E2E_SECONDS}s"

	# --- use-case 2: a homonym of this kernel, KLP_SYMPOS ---
	read -r name count < <(e2e_pick_homonym "$map")
	pos=3
	[ "${count:-0}" -ge "$pos" ] || pos=${count:-0}
	if [ -n "${name:-}" ] && [ "$pos" -ge 2 ] &&
	   [ "$(awk -v n="$name" '$3 == n' "$CROSS_SYSMAP" | wc -l)" -eq "$count" ]; then
		pass "$tag: picked from System.map: $name, $count local functions of that name; the sample resolves #$pos"
	else
		fail "$tag: System.map has a function name defined several times" "${name:-none} ${count:-}"
		continue
	fi
	sysmap_addr=$(awk -v n="$name" '$3 == n' "$CROSS_SYSMAP" | sort | sed -n "${pos}p" | cut -d' ' -f1)
	asrc=$T/annotated-$arch/livepatch-annotated
	mkdir -p "$(dirname "$asrc")"
	cp -r "$TOP/samples/livepatch-annotated" "$asrc"
	ako=$asrc/livepatch-annotated.ko
	if "$TOP/scripts/klp-build" -k "$CROSS_TREE" --map "$map" "$asrc" "${build[@]}" \
		"KLP_AMBIG=$name" "KLP_AMBIG_POS=$pos" > "$T/abuild-$arch.log" 2>&1; then
		pass "$tag: klp-build builds and converts the annotated sample ($name #$pos)"
	else
		fail "$tag: klp-build builds and converts the annotated sample" "$(cat "$T/abuild-$arch.log")"
		continue
	fi
	"$RE" -rW "$ako" > "$T/arelocs-$arch"
	# klp-check's table checks on this arch's module: the map has the patched
	# function once; a wrong old_name is what the kernel would refuse.
	ok "$tag: klp-check --tables-only passes on the converted module" \
		klp-check --tables-only --map "$map" "$ako"

	# --- use-case 3: the same sample without its annotation is refused ---
	nsrc=$T/noannot-$arch/livepatch-annotated
	mkdir -p "$(dirname "$nsrc")"
	cp -r "$TOP/samples/livepatch-annotated" "$nsrc"
	sed -i '/klp-annotation-begin/,/klp-annotation-end/d' "$nsrc/livepatch-annotated.c"
	if "$TOP/scripts/klp-build" -k "$CROSS_TREE" --map "$map" "$nsrc" "${build[@]}" \
		"KLP_AMBIG=$name" "KLP_AMBIG_POS=$pos" > "$T/nbuild-$arch.log" 2>&1; then
		fail "$tag: klp-build refuses the sample without its annotation" "$(cat "$T/nbuild-$arch.log")"
	else
		like "$(cat "$T/nbuild-$arch.log")" "symbol '$name' is ambiguous" \
			"$tag: without the annotation, klp-convert says $name is ambiguous"
		is "$(grep -cE "KLP_SYMPOS\($name, [0-9]+\)" "$T/nbuild-$arch.log")" "$count" \
			"$tag: all $count candidates are listed"
		[ ! -e "$nsrc/livepatch-annotated.ko" ] && pass "$tag: no .ko left after the refusal" ||
			fail "$tag: no .ko left after the refusal"
	fi
	like "$(cat "$T/arelocs-$arch")" "\\.klp\\.sym\\.vmlinux\\.$name,$pos" "$tag: $name became .klp.sym.vmlinux.$name,$pos"
	unlike "$("$RE" -SW "$ako")" '\.klp\.module_relocs' "$tag: the annotation section is gone"
	unlike "$(cat "$T/arelocs-$arch")" 'klp\.sym\.vmlinux\.(seq_printf|klp_enable_patch|_?printk)' \
		"$tag: exported symbols are not converted"
	diag "$tag: klp relocation sections of the annotated sample: $(grep -o "'\.klp\.rela[^']*'" "$T/arelocs-$arch" | tr '\n' ' ')"

	cat > "$T/annotated-$arch.sh" <<SH
insmod /m/livepatch-annotated.ko && echo "insmod: ok"
klp_wait livepatch_annotated
cat /proc/version
echo "kallsyms:"
grep -E ' ($name|saved_command_line)\$' /proc/kallsyms
echo "dmesg:"
dmesg | grep -E 'livepatch|Unknown symbol|Oops|BUG'
SH
	e2e_boot annotated "$T/annotated-$arch.sh" "$ako"
	e2e_boot_ok "$tag: boot with the annotated livepatch"
	out=$(cat "$E2E_OUT")
	diag "$tag guest output (annotated):"
	diag "$(grep -v "^[0-9a-f]\{16\} t $name\$" "$E2E_OUT")"
	kallsyms_of_boot=$(sed -n '/^kallsyms:$/,/^dmesg:$/p' "$E2E_OUT")
	like "$out" '^insmod: ok$' "$tag: insmod accepted the annotated module"
	like "$out" '^klp_wait: livepatch_annotated transition=0 enabled=1$' "$tag: patch enabled, transition 0"
	like "$out" "^Linux version $rel " "$tag: /proc/version keeps its first line"
	line=$(grep '^klp-annotated: ' "$E2E_OUT")
	want=$(echo "$kallsyms_of_boot" | awk -v n="$name" '$3 == n && NF == 3' | sed -n "${pos}p" | cut -d' ' -f1)
	saved=$(echo "$kallsyms_of_boot" | awk '$3 == "saved_command_line" && NF == 3 { print $1 }')
	like "$want" "^${hi}[0-9a-f]{12}\$" "$tag: the guest's kallsyms has a $pos. $name ($want)"
	is "$want" "$sysmap_addr" "$tag: ... at the address of the $pos. $name in System.map"
	is "$(echo "$line" | sed -n 's/.*ambig=\([0-9a-f]*\).*/\1/p')" "$want" \
		"$tag: .text: printed $name == the $pos. $name in the guest's /proc/kallsyms"
	is "$(echo "$line" | sed -n 's/.*data_fn=\([0-9a-f]*\).*/\1/p')" "$want" "$tag: .data table: function pointer == the $pos. $name"
	is "$(echo "$line" | sed -n 's/.*data_ptr=\([0-9a-f]*\).*/\1/p')" "$saved" "$tag: .data table: data pointer == &saved_command_line"
	is "$(echo "$line" | sed -n 's/.*rodata_ptr=\([0-9a-f]*\).*/\1/p')" "$saved" "$tag: .rodata: pointer == &saved_command_line"
	is "$(sed -n "s/.*livepatch_annotated: $name #$pos at \\([0-9a-f]*\\)\$/\\1/p" "$E2E_OUT")" "$want" \
		"$tag: .init.text: the address printed at module init == the $pos. $name"
	unlike "$out" 'Unknown symbol|not marked as a livepatch|Oops|BUG|Invalid relocation' "$tag: no loader complaint"
	e2e_diag_on_fail
	diag "$tag: annotated boot to /init ${E2E_BOOTED_SECONDS}s, qemu run ${E2E_SECONDS}s"

	# --- use-case 3: a livepatch for a module (klp_tgt), before and after ---
	tsrc=$T/target-$arch/target
	mkdir -p "$(dirname "$tsrc")"
	cp -r "$TOP/samples/livepatch-module/target" "$tsrc"
	tko=$tsrc/klp_tgt.ko
	if e2e_make "$T/target-$arch.log" "$tsrc" && [ -f "$tko" ]; then
		pass "$tag: target module klp_tgt builds"
	else
		fail "$tag: target module klp_tgt builds" "$(tail -n 30 "$T/target-$arch.log")"
		continue
	fi
	is "$("$RE" -sW "$tko" | awk '$8 == "tgt_counter" && $4 == "OBJECT"' | wc -l)" 2 \
		"$tag: klp_tgt.ko has two local tgt_counter"
	tmap=$T/map-tgt-$arch
	if klp-symbols -o "$tmap" --system-map "$CROSS_SYSMAP" --module "$tko" 2> "$T/tmap-$arch.log"; then
		pass "$tag: klp-symbols --system-map ... --module klp_tgt.ko writes the map"
	else
		fail "$tag: klp-symbols --system-map ... --module klp_tgt.ko writes the map" "$(cat "$T/tmap-$arch.log")"
		continue
	fi
	psrc=$T/patch-$arch/patch
	mkdir -p "$(dirname "$psrc")"
	cp -r "$TOP/samples/livepatch-module/patch" "$psrc"
	pko=$psrc/livepatch-module.ko
	if "$TOP/scripts/klp-build" -k "$CROSS_TREE" --map "$tmap" "$psrc" "${build[@]}" > "$T/pbuild-$arch.log" 2>&1; then
		pass "$tag: klp-build builds and converts the livepatch for klp_tgt"
	else
		fail "$tag: klp-build builds and converts the livepatch for klp_tgt" "$(cat "$T/pbuild-$arch.log")"
		continue
	fi
	psyms=$("$RE" -sW "$pko")
	for s in tgt_counter,1 tgt_counter,2 tgt_main_only,0 tgt_aux_only,0 tgt_secret,0; do
		like "$psyms" "OS \\[0xff20\\] \\.klp\\.sym\\.klp_tgt\\.$s\$" "$tag: .klp.sym.klp_tgt.$s in SHN_LIVEPATCH"
	done
	unlike "$psyms" '\.klp\.sym\.rela\.' "$tag: no KLP_RELOC_SYMBOL placeholder left"
	diag "$tag: klp relocation sections of the klp_tgt patch: $("$RE" -SW "$pko" | grep -o '\.klp\.rela[^ ]*' | tr '\n' ' ')"
	expect='klp_tgt: patched main=111 aux=222 main_only=333 aux_only=444 secret=41 ro_main=111'
	orig='klp_tgt: original counter=111'

	cat > "$T/module-late.sh" <<'SH'
insmod /m/livepatch-module.ko && echo "insmod patch: ok"
klp_wait livepatch_module
echo "object-before: $(cat /sys/kernel/livepatch/livepatch_module/klp_tgt/patched)"
insmod /m/klp_tgt.ko && echo "insmod target: ok"
echo "object-patched: $(cat /sys/kernel/livepatch/livepatch_module/klp_tgt/patched)"
echo "patched: $(cat /proc/klp_tgt)"
echo 0 > /sys/kernel/livepatch/livepatch_module/enabled
klp_wait livepatch_module
echo "disabled: $(cat /proc/klp_tgt)"
dmesg | grep -E 'livepatch|klp_tgt|Unknown symbol|Oops|BUG'
SH
	cat > "$T/module-early.sh" <<'SH'
insmod /m/klp_tgt.ko && echo "insmod target: ok"
echo "original: $(cat /proc/klp_tgt)"
insmod /m/livepatch-module.ko && echo "insmod patch: ok"
klp_wait livepatch_module
echo "object-patched: $(cat /sys/kernel/livepatch/livepatch_module/klp_tgt/patched)"
echo "patched: $(cat /proc/klp_tgt)"
dmesg | grep -E 'livepatch|klp_tgt|Unknown symbol|Oops|BUG'
SH
	for order in late early; do
		e2e_boot "module-$order" "$T/module-$order.sh" "$pko" "$tko"
		case $order in
		late) what="patch loaded before klp_tgt" ;;
		early) what="klp_tgt loaded before the patch" ;;
		esac
		e2e_boot_ok "$tag: boot with the klp_tgt livepatch, $what"
		out=$(cat "$E2E_OUT")
		diag "$tag guest output (module, $what):"
		diag "$out"
		like "$out" '^insmod patch: ok$' "$tag ($order): insmod livepatch-module accepted"
		like "$out" '^klp_wait: livepatch_module transition=0 enabled=1$' "$tag ($order): patch enabled, transition 0"
		like "$out" '^insmod target: ok$' "$tag ($order): insmod klp_tgt accepted"
		is "$(sed -n 's/^patched: //p' "$E2E_OUT")" "$expect" \
			"$tag ($order): /proc/klp_tgt shows the patched function reading every static right"
		is "$(sed -n 's/^object-patched: //p' "$E2E_OUT")" 1 "$tag ($order): livepatch_module/klp_tgt/patched is 1"
		unlike "$out" 'Unknown symbol|not found|ambiguity|Invalid relocation|Oops|BUG' "$tag ($order): no loader or livepatch complaint"
		if [ "$order" = late ]; then
			like "$out" "livepatch: applying patch 'livepatch_module' to loading module 'klp_tgt'" \
				"$tag (late): the kernel patched klp_tgt as it loaded"
			is "$(sed -n 's/^object-before: //p' "$E2E_OUT")" 0 "$tag (late): klp_tgt object not patched before klp_tgt loads"
			like "$out" '^klp_wait: livepatch_module gone$' "$tag (late): disabling finished its transition"
			is "$(sed -n 's/^disabled: //p' "$E2E_OUT")" "$orig" "$tag (late): after disabling, klp_tgt's original tgt_show is back"
		else
			is "$(sed -n 's/^original: //p' "$E2E_OUT")" "$orig" "$tag (early): klp_tgt's original output before the patch"
		fi
		e2e_diag_on_fail
		diag "$tag: module-$order boot to /init ${E2E_BOOTED_SECONDS}s, qemu run ${E2E_SECONDS}s"
	done

	# --- use-case 4: samples/livepatch-relocs, relocations of every shape ---
	# The sample resolves three vmlinux symbols from the map: each must be
	# unique and unexported in this kernel (sched_schedstats needs
	# CONFIG_SCHEDSTATS).
	missing=
	for s in saved_command_line cmdline_proc_show sched_schedstats; do
		if [ "$(map_count "$map" "$s")" -ne 1 ] || map_exported "$map" "$s"; then
			missing="$missing $s"
		fi
	done
	if [ -n "$missing" ]; then
		skip "$tag: samples/livepatch-relocs" "not unique and unexported in System.map:$missing"
		diag "$tag: this arch $(($(date +%s) - start))s"
		continue
	fi
	pass "$tag: saved_command_line, cmdline_proc_show and sched_schedstats are unique and unexported"
	rsrc=$T/rsample-$arch/livepatch-relocs
	mkdir -p "$(dirname "$rsrc")"
	cp -r "$TOP/samples/livepatch-relocs" "$rsrc"
	rko=$rsrc/livepatch-relocs.ko
	if "$TOP/scripts/klp-build" -k "$CROSS_TREE" --map "$tmap" "$rsrc" "${build[@]}" > "$T/rbuild-$arch.log" 2>&1; then
		pass "$tag: klp-build converts the relocs sample (function lists empty)"
	else
		fail "$tag: klp-build converts the relocs sample" "$(cat "$T/rbuild-$arch.log")"
		continue
	fi
	rsecs=$("$RE" -SW "$rko")
	rsyms=$("$RE" -sW "$rko")
	for s in klp_tgt.tgt_counter,1 klp_tgt.tgt_counter,2 klp_tgt.tgt_main_only,0 \
		 klp_tgt.tgt_aux_only,0 klp_tgt.tgt_secret,0 vmlinux.saved_command_line,0 \
		 vmlinux.cmdline_proc_show,0 vmlinux.sched_schedstats,0; do
		like "$rsyms" "OS \\[0xff20\\] \\.klp\\.sym\\.${s//./\\.}\$" "$tag: .klp.sym.$s in SHN_LIVEPATCH"
	done
	unlike "$rsyms" 'lp_secret|lp_aux_only' "$tag: no symbol under the C name of an __asm__ label"
	if grep -q '^CONFIG_JUMP_LABEL=y' "$CROSS_TREE/.config"; then
		like "$rsecs" ' \.klp\.rela\.vmlinux\.__jump_table +RELA .* AIo ' \
			"$tag: JUMP_LABEL: the static branch's __jump_table entry names vmlinux's key in .klp.rela.vmlinux.__jump_table"
	fi
	diag "$tag: klp relocation sections of the relocs sample: $(echo "$rsecs" | grep -o '\.klp\.rela[^ ]*' | tr '\n' ' ')"
	# s390x reaches klp_tgt's data through the GOT, whose slot the loader
	# fills once: klp-convert says reloading klp_tgt under the patch would
	# read stale memory, so the reload is tried only where it did not warn.
	got_caveat=$(grep -c "GOT slot only once" "$T/rbuild-$arch.log")
	rexpect='main=111 aux=222 main_only=333 aux_only=444 secret=41 ro=111 custom=222 fn=cmdline_proc_show tgt_key=1'
	reload=
	[ "$got_caveat" -eq 0 ] && reload='
if insmod /m/klp_tgt.ko; then echo "reload target: ok"; else echo "reload target: refused"; fi
show reloaded'
	# shellcheck disable=SC2016 # expanded in the guest
	common='
show() {
	echo "$1-object: $(cat /sys/kernel/livepatch/livepatch_relocs/klp_tgt/patched)"
	[ "$(cat /sys/kernel/livepatch/livepatch_relocs/klp_tgt/patched)" = 1 ] &&
		echo "$1-values: $(cat /sys/module/livepatch_relocs/parameters/values)"
}
echo "proc-cmdline: $(cat /proc/cmdline)"
keys() {
	echo "keys: $(cat /proc/sys/kernel/sched_schedstats) $(cat /sys/module/livepatch_relocs/parameters/schedstats)"
	echo $((1 - $(cat /proc/sys/kernel/sched_schedstats))) > /proc/sys/kernel/sched_schedstats
	echo "keys: $(cat /proc/sys/kernel/sched_schedstats) $(cat /sys/module/livepatch_relocs/parameters/schedstats)"
}
'
	cat > "$T/relocs-late-$arch.sh" <<SH
$common
insmod /m/livepatch-relocs.ko && echo "insmod patch: ok"
klp_wait livepatch_relocs
echo "vmlinux-object: \$(cat /sys/kernel/livepatch/livepatch_relocs/vmlinux/patched)"
show before
insmod /m/klp_tgt.ko && echo "insmod target: ok"
show loaded
keys
rmmod klp_tgt && echo "rmmod target: ok"
show removed
$reload
dmesg | grep -E 'livepatch|klp_tgt|Unknown symbol|relocation|nop|Oops|BUG'
SH
	cat > "$T/relocs-early-$arch.sh" <<SH
$common
insmod /m/klp_tgt.ko && echo "insmod target: ok"
insmod /m/livepatch-relocs.ko && echo "insmod patch: ok"
klp_wait livepatch_relocs
echo "vmlinux-object: \$(cat /sys/kernel/livepatch/livepatch_relocs/vmlinux/patched)"
show loaded
keys
dmesg | grep -E 'livepatch|klp_tgt|Unknown symbol|relocation|nop|Oops|BUG'
SH
	for order in late early; do
		e2e_boot "relocs-$order" "$T/relocs-$order-$arch.sh" "$rko" "$tko"
		e2e_boot_ok "$tag: boot with the relocs sample ($order target)"
		out=$(cat "$E2E_OUT")
		diag "$tag guest output (relocs, $order target):"
		diag "$out"
		like "$out" '^insmod patch: ok$' "$tag (relocs $order): insmod of the patch accepted"
		like "$out" '^klp_wait: livepatch_relocs transition=0 enabled=1$' "$tag (relocs $order): patch enabled"
		is "$(sed -n 's/^vmlinux-object: //p' "$E2E_OUT")" 1 "$tag (relocs $order): vmlinux object patched"
		is "$(sed -n 's/^.*livepatch_relocs: init: cmdline=//p' "$E2E_OUT")" \
			"$(sed -n 's/^proc-cmdline: //p' "$E2E_OUT")" \
			"$tag (relocs $order): .init.text read saved_command_line through its livepatch relocation"
		is "$(sed -n 's/^loaded-object: //p' "$E2E_OUT")" 1 "$tag (relocs $order): klp_tgt object patched"
		is "$(sed -n 's/^loaded-values: //p' "$E2E_OUT")" "$rexpect" \
			"$tag (relocs $order): every pointer and reference reads klp_tgt's and vmlinux's values"
		keys=$(sed -n 's/^keys: //p' "$E2E_OUT")
		like "$keys" '^([01]) \1$' "$tag (relocs $order): the static branch on sched_schedstats follows the sysctl"
		is "$(printf '%s\n' "$keys" | sort -u | wc -l)" 2 "$tag (relocs $order): ... before and after the sysctl flips it"
		unlike "$keys" '^(0 1|1 0)$' "$tag (relocs $order): ... never disagreeing"
		unlike "$out" 'Unknown symbol|Invalid relocation|Oops|BUG' "$tag (relocs $order): no loader complaint"
		if [ "$order" = late ]; then
			is "$(sed -n 's/^before-object: //p' "$E2E_OUT")" 0 "$tag (relocs late): klp_tgt object not patched before klp_tgt loads"
			like "$out" "livepatch: applying patch 'livepatch_relocs' to loading module 'klp_tgt'" \
				"$tag (relocs late): the kernel applied the patch to klp_tgt as it loaded"
			like "$out" '^rmmod target: ok$' "$tag (relocs late): klp_tgt unloads under the patch"
			is "$(sed -n 's/^removed-object: //p' "$E2E_OUT")" 0 "$tag (relocs late): klp_tgt object unpatched after rmmod"
			if [ "$got_caveat" -ne 0 ]; then
				skip "$tag (relocs late): klp_tgt loaded again under the patch" \
					"klp-convert warned that a GOT slot is filled once (R_390_GOT*): a reload would read stale memory"
			elif grep -q ' clear_relocate_add$' "$CROSS_SYSMAP"; then
				like "$out" '^reload target: ok$' "$tag (relocs late): clear_relocate_add in System.map: klp_tgt loads again under the patch"
				is "$(sed -n 's/^reloaded-values: //p' "$E2E_OUT")" "$rexpect" "$tag (relocs late): ... with every relocation right"
			elif grep -q '^reload target: ok$' "$E2E_OUT"; then
				is "$(sed -n 's/^reloaded-values: //p' "$E2E_OUT")" "$rexpect" \
					"$tag (relocs late): no clear_relocate_add, yet klp_tgt loads again: with every relocation right"
			else
				like "$out" '^reload target: refused$' "$tag (relocs late): no clear_relocate_add in System.map: klp_tgt refused again under the patch"
			fi
		fi
		e2e_diag_on_fail
		diag "$tag: relocs-$order boot to /init ${E2E_BOOTED_SECONDS}s, qemu run ${E2E_SECONDS}s"
	done
	diag "$tag: this arch $(($(date +%s) - start))s"
done

done_testing
