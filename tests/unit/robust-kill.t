#!/bin/bash
# Crash safety of the output: SIGKILL at many points while the converter
# writes a large module never leaves a partial OUT. OUT is absent or whole
# (byte-identical to an uninterrupted run's), or an earlier OUT stays
# byte-identical. A killed run may leave its temporary file,
# .OUT.tmpXXXXXX beside OUT (mkstemp's name), and nothing else.
source "$(dirname "$0")/../lib.sh"

# A large module: a 16 MiB initialized array and 20000 relocations to an
# unexported symbol, all of which move to .klp.rela.vmlinux..data.
{
	echo 'static const char modinfo[] __attribute__((section(".modinfo"), used)) = "livepatch=Y";'
	echo 'extern char *saved_command_line;'
	echo 'char big[16 << 20] = { 1 };'
	echo 'char **ptrs[] = {'
	for ((i = 0; i < 5000; i++)); do
		echo '&saved_command_line, &saved_command_line, &saved_command_line, &saved_command_line,'
	done
	echo '};'
	echo 'int use(void) { return saved_command_line[0]; }'
} > "$T/big.c"
gcc -c -O2 -fno-pic -mcmodel=kernel -fno-asynchronous-unwind-tables -ffunction-sections \
	-o "$T/big.o" "$T/big.c" || { fail "compile the large fixture"; done_testing; }
printf 'klp-symbol-map 1\nobject vmlinux\nffffffff81000400 D saved_command_line\n' > "$T/map"
in_sum=$(sha256sum < "$T/big.o")

mkdir "$T/ref"
start=$(date +%s%N)
ok "the large module converts" klp-convert "$T/map" "$T/big.o" "$T/ref/out.ko"
took=$((($(date +%s%N) - start) / 1000))	# microseconds
ref_sum=$(sha256sum < "$T/ref/out.ko")
like "$(readelf -rW "$T/ref/out.ko" | grep -c 'saved_command_line')" "^2000[0-9]$" \
	"... with its 20000 relocations moved"
diag "an uninterrupted run takes $((took / 1000)) ms"

# kill_at DIR DELAY_US: start a conversion to DIR/out.ko, SIGKILL it after
# DELAY_US, and classify what it left: "done" (it finished first), "before"
# (killed before it wrote anything), "during" (killed with its temporary file
# open) or "bad: ..." when OUT is partial or anything unexpected is left.
kill_at() {
	local dir=$1 delay=$2 pid early=$3 left sum
	klp-convert "$T/map" "$T/big.o" "$dir/out.ko" 2>/dev/null &
	pid=$!
	sleep "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))"
	if kill -KILL "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null
		status=killed
	else
		wait "$pid"
		status=done
	fi
	left=$(cd "$dir" && ls -A | grep -v '^out\.ko$')
	if [ -n "$left" ] && ! printf '%s\n' "$left" | grep -qxE '\.out\.ko\.tmp[A-Za-z0-9]{6}'; then
		echo "bad: left behind: $left"
		return
	fi
	if [ -e "$dir/out.ko" ]; then
		sum=$(sha256sum < "$dir/out.ko")
		if [ "$sum" != "$ref_sum" ] && [ "$sum" != "$early" ]; then
			echo "bad: out.ko is neither the earlier file nor a whole conversion ($status)"
			return
		fi
	fi
	if [ $status = done ]; then
		echo done
	elif [ -n "$left" ]; then
		echo during
	else
		echo before
	fi
	rm -f "$dir"/.out.ko.tmp*
}

# run_kills NAME EARLY: kill at 40 points spread over the run, and again over
# its second half (where the writing is) until 3 kills landed mid-write.
run_kills() {
	local name=$1 early=$2 i r delay during=0 bad=() outcomes=""
	for ((i = 0; i < 80; i++)); do
		if [ -n "$early" ]; then
			cp "$T/earlier.ko" "$T/k/out.ko"
		else
			rm -f "$T/k/out.ko"
		fi
		if [ $i -lt 40 ]; then
			delay=$((took * i / 36))
		else
			delay=$((took / 2 + took * (i - 40) / 60))
		fi
		r=$(kill_at "$T/k" "$delay" "$early")
		case $r in
		during) during=$((during + 1)) ;;
		bad*) bad+=("kill after $delay us: $r") ;;
		esac
		outcomes+=" ${r%% *}"
		[ $i -ge 40 ] && [ $during -ge 3 ] && break
	done
	diag "$name: $(printf '%s\n' $outcomes | sort | uniq -c | tr '\n' ' ')"
	if [ ${#bad[@]} -eq 0 ]; then
		pass "$name: OUT never partial, nothing but the temporary file left"
	else
		fail "$name: OUT never partial, nothing but the temporary file left" "${bad[@]}"
	fi
	# Without this the test could pass by never killing the writer at all.
	if [ $during -ge 1 ]; then
		pass "$name: some kills landed while the output was being written"
	else
		fail "$name: some kills landed while the output was being written" "$outcomes"
	fi
}

mkdir "$T/k"
run_kills "no earlier OUT" ""
cp "$T/big.o" "$T/earlier.ko"
run_kills "an earlier OUT" "$(sha256sum < "$T/earlier.ko")"

is "$(sha256sum < "$T/big.o")" "$in_sum" "the input is unchanged by every killed run"

done_testing
