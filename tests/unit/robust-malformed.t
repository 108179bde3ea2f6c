#!/bin/bash
# Malformed input of every kind, made here by patching a valid annotated
# module byte by byte: each is a clear error naming the file and what is
# wrong, exit status exactly 1 (not a signal, not a sanitizer's 99), the input
# byte-identical afterwards, and no output nor temporary file.
source "$(dirname "$0")/../lib.sh"

cat > "$T/map" <<'MAP'
klp-symbol-map 1
object vmlinux
ffffffff81000100 t type_show
ffffffff81000200 t type_show
ffffffff81000300 t type_show
ffffffff81000400 D saved_command_line
object target_mod
0000000000000010 d counter
0000000000000020 d counter
MAP

cc_obj "$T/good.o" '#include "klp_convert.h"
static const char modinfo[] __attribute__((section(".modinfo"), used)) = "livepatch=Y";
extern char *saved_command_line;
extern int type_show(void);
KLP_MODULE_RELOC(vmlinux) vmlinux_relocs[] = { KLP_SYMPOS(type_show, 2) };
extern int counter KLP_RELOC_SYMBOL(target_mod, target_mod, counter, 2);
int use(void) { return type_show() + saved_command_line[0] + counter; }'

mkdir "$T/out"
ok "the unpatched fixture converts" klp-convert "$T/map" "$T/good.o" "$T/out/good.ko"
rm -f "$T/out/good.ko"

# patch.py IN DIR: writes DIR/<case>.o, one per way of breaking IN.
cat > "$T/patch.py" <<'PY'
import os, struct, sys

SHDR = struct.Struct('<IIQQQQIIQQ')	# name type flags addr offset size link info align entsize
SHF = ('name', 'type', 'flags', 'addr', 'offset', 'size', 'link', 'info', 'align', 'entsize')
SYM = struct.Struct('<IBBHQQ')		# name info other shndx value size
SYF = ('name', 'info', 'other', 'shndx', 'value', 'size')
RELA = struct.Struct('<QQq')		# offset info addend

class Elf:
    def __init__(self, data):
        self.b = bytearray(data)
        self.shoff, = struct.unpack_from('<Q', self.b, 0x28)
        self.shnum, self.shstrndx = struct.unpack_from('<HH', self.b, 0x3c)
        shstr = self.sh(self.shstrndx)
        self.names = [self.cstr(shstr['offset'] + self.sh(i)['name']) for i in range(self.shnum)]
        self.symtab = self.sec('.symtab')
        self.strtab = self.sh(self.symtab)['link']

    def cstr(self, off):
        return self.b[off:self.b.index(0, off)].decode()

    def sec(self, name):
        return self.names.index(name)

    def sh(self, i):
        return dict(zip(SHF, SHDR.unpack_from(self.b, self.shoff + i * SHDR.size)))

    def set_sh(self, which, **kw):
        i = self.sec(which) if isinstance(which, str) else which
        h = self.sh(i)
        h.update(kw)
        SHDR.pack_into(self.b, self.shoff + i * SHDR.size, *(h[f] for f in SHF))

    def sym_off(self, i):
        return self.sh(self.symtab)['offset'] + i * SYM.size

    def sym_index(self, name):
        st = self.sh(self.strtab)['offset']
        for i in range(self.sh(self.symtab)['size'] // SYM.size):
            if self.cstr(st + self.sym(i)['name']) == name:
                return i
        raise KeyError(name)

    def sym(self, i):
        return dict(zip(SYF, SYM.unpack_from(self.b, self.sym_off(i))))

    def set_sym(self, which, **kw):
        i = self.sym_index(which)
        s = self.sym(i)
        s.update(kw)
        SYM.pack_into(self.b, self.sym_off(i), *(s[f] for f in SYF))

    def set_rela(self, sec, j, offset=None, sym=None, type=None, addend=None):
        off = self.sh(self.sec(sec))['offset'] + j * RELA.size
        o, info, a = RELA.unpack_from(self.b, off)
        o = o if offset is None else offset
        s = info >> 32 if sym is None else sym
        t = info & 0xffffffff if type is None else type
        a = a if addend is None else addend
        RELA.pack_into(self.b, off, o, s << 32 | t, a)

    def rename(self, which, new):	# a new section name table at the end
        sh = self.sh(self.shstrndx)
        old = bytes(self.b[sh['offset']:sh['offset'] + sh['size']])
        self.set_sh(self.shstrndx, offset=len(self.b), size=len(old) + len(new) + 1)
        self.b += old + new.encode() + b'\0'
        self.set_sh(which, name=len(old))

    def replace(self, old, new):	# every occurrence: names share tails
        assert len(old) == len(new) and old in self.b, old
        self.b = bytearray(bytes(self.b).replace(old, new))

src, out = sys.argv[1], sys.argv[2]
base = open(src, 'rb').read()

def case(name, f):
    e = Elf(base)
    r = f(e)
    open(os.path.join(out, name + '.o'), 'wb').write(e.b if r is None else r)

def at(off, data):
    return lambda e: e.b.__setitem__(slice(off, off + len(data)), data)

end = lambda e: e.sh(e.sec(e.names[-1]))	# the last section
case('trunc-ident', lambda e: e.b[:10])
case('trunc-ehdr', lambda e: e.b[:63])
case('trunc-shdrs', lambda e: e.b[:-20])
case('trunc-half', lambda e: e.b[:len(e.b) // 2])
case('shoff-past-end', lambda e: struct.pack_into('<Q', e.b, 0x28, len(e.b) + 64))
case('shnum-huge', lambda e: struct.pack_into('<H', e.b, 0x3c, 0xfff0))
case('shstrndx-range', lambda e: struct.pack_into('<H', e.b, 0x3e, e.shnum + 3))
case('shstrndx-not-strtab', lambda e: struct.pack_into('<H', e.b, 0x3e, e.sec('.text.use')))
case('elf32', at(4, b'\x01'))
case('big-endian', at(5, b'\x02'))
case('machine-arm64', at(18, struct.pack('<H', 183)))
case('exec-type', at(16, struct.pack('<H', 2)))
case('offset-past-end', lambda e: e.set_sh('.text.use', offset=len(e.b) + 0x1000))
case('size-huge', lambda e: e.set_sh('.modinfo', size=1 << 62))
case('size-past-end', lambda e: e.set_sh('.strtab', size=len(e.b)))
case('overlap', lambda e: e.set_sh('.modinfo', offset=e.sh(e.sec('.text.use'))['offset'] + 8))
case('overlap-ehdr', lambda e: e.set_sh('.text.use', offset=16))
case('sh-name-past', lambda e: e.set_sh('.text.use', name=0x10000))
case('align-huge', lambda e: e.set_sh('.bss', align=1 << 48))
case('align-odd', lambda e: e.set_sh('.text.use', align=24))
case('rela-link-range', lambda e: e.set_sh('.rela.text.use', link=200))
case('rela-link-not-symtab', lambda e: e.set_sh('.rela.text.use', link=e.sec('.strtab')))
case('rela-info-range', lambda e: e.set_sh('.rela.text.use', info=200))
case('rela-entsize', lambda e: e.set_sh('.rela.text.use', entsize=16))
case('rela-size-odd', lambda e: e.set_sh('.rela.text.use', size=e.sh(e.sec('.rela.text.use'))['size'] - 8))
case('rela-type-rel', lambda e: e.set_sh('.rela.text.use', type=9))
case('rela-twice', lambda e: e.set_sh('.rela.klp.module_relocs.vmlinux', info=e.sec('.text.use')))
case('reloc-sym-range', lambda e: e.set_rela('.rela.text.use', 1, sym=500))
case('reloc-offset-past', lambda e: e.set_rela('.rela.text.use', 1, offset=0x1000))
case('symtab-link-range', lambda e: e.set_sh('.symtab', link=200))
case('symtab-link-not-strtab', lambda e: e.set_sh('.symtab', link=e.sec('.text.use')))
case('symtab-info-past', lambda e: e.set_sh('.symtab', info=100))
case('symtab-entsize', lambda e: e.set_sh('.symtab', entsize=16))
case('symtab-empty', lambda e: e.set_sh('.symtab', size=0))
case('symtab-twice', lambda e: e.set_sh('.note.GNU-stack', type=2, link=e.strtab, entsize=24))
case('strtab-no-nul', lambda e: e.b.__setitem__(e.sh(e.strtab)['offset'] + e.sh(e.strtab)['size'] - 1, 0x41))
case('shstrtab-no-nul', lambda e: e.b.__setitem__(e.sh(e.shstrndx)['offset'] + e.sh(e.shstrndx)['size'] - 1, 0x41))
case('st-name-past', lambda e: e.set_sym('saved_command_line', name=0x10000))
case('st-shndx-range', lambda e: e.set_sym('use', shndx=200))
case('st-shndx-xindex', lambda e: e.set_sym('use', shndx=0xffff))
case('local-after-global', lambda e: e.set_sym('vmlinux_relocs', info=0x01))
case('relocs-size-not-12', lambda e: e.set_sh('.klp.module_relocs.vmlinux', size=11))
case('relocs-bad-objname', lambda e: e.replace(b'.klp.module_relocs.vmlinux\0', b'.klp.module_relocs.vmlin-x\0'))
case('ann-wrong-symbol', lambda e: e.set_rela('.rela.klp.module_relocs.vmlinux', 0, sym=e.sym_index('use')))
case('ann-null-symbol', lambda e: e.set_rela('.rela.klp.module_relocs.vmlinux', 0, sym=0))
case('ann-addend', lambda e: e.set_rela('.rela.klp.module_relocs.vmlinux', 0, addend=8))
case('ann-type', lambda e: e.set_rela('.rela.klp.module_relocs.vmlinux', 0, type=2))
case('ann-offset', lambda e: e.set_rela('.rela.klp.module_relocs.vmlinux', 0, offset=4))
case('ann-conflict', lambda e: e.set_rela('.rela.klp.module_relocs.vmlinux', 0,
     sym=e.sym_index('.klp.sym.rela.target_mod.target_mod.counter,2')))
case('ann-sym-no-comma', lambda e: e.replace(b'counter,2\0', b'counterX2\0'))
case('ann-sym-bad-obj', lambda e: e.replace(b'rela.target_mod.target_mod.', b'rela.target-mod.target_mod.'))
case('ann-sym-bad-pos', lambda e: e.replace(b'counter,2\0', b'counter,x\0'))
case('ann-sym-vmlinux-mod', lambda e: e.replace(b'rela.target_mod.target_mod.', b'rela.vmlinux.target_mod.xx.'))
case('empty-names', lambda e: e.set_sym('saved_command_line', name=0) or e.set_sym('type_show', name=0))
# A section named like the .klp.rela section the converter would create: the
# relocations must not be moved into it (nor into the section being read).
case('klp-rela-clash', lambda e: e.rename('.rela.text.use', '.klp.rela.vmlinux..text.use'))
case('klp-rela-progbits', lambda e: e.rename('.comment', '.klp.rela.vmlinux..text.use'))
case('modinfo-not-livepatch', lambda e: e.replace(b'livepatch=Y', b'livepatch=N'))
case('reloc-type-unknown', lambda e: e.set_rela('.rela.text.use', 1, type=200))
PY
mkdir "$T/cases"
python3 "$T/patch.py" "$T/good.o" "$T/cases" 2>&1 || fail "patch.py failed"

# CASE|what the message must say (after "<case>.o: ").
cases='
trunc-ident|not an ELF file
trunc-ehdr|cannot read: invalid ELF file data
trunc-shdrs|no section headers or no section name table
trunc-half|no section headers or no section name table
shoff-past-end|no section headers or no section name table
shnum-huge|no section headers or no section name table
shstrndx-range|no section headers or no section name table
shstrndx-not-strtab|the section name table \(section 4\) is not SHT_STRTAB
elf32|a 32-bit ELF object: livepatch modules are 64-bit
big-endian|not a relocatable object \(ELF type 256\)
machine-arm64|ELF machine 183 .* is not a livepatch architecture
exec-type|not a relocatable object \(ELF type 2\)
offset-past-end|section 4 \(\.text\.use\): offset 0x[0-9a-f]+ and size 0x22 lie outside the file
size-huge|section 8 \(\.modinfo\): offset 0x70 and size 0x4000000000000000 lie outside the file
size-past-end|section 12 \(\.strtab\): offset 0x[0-9a-f]+ and size 0x[0-9a-f]+ lie outside the file
overlap|sections \.text\.use and \.modinfo overlap in the file
overlap-ehdr|section \.text\.use overlaps the ELF header
sh-name-past|section 4: name offset 65536 is outside the section name table
align-huge|section 3 \(\.bss\): alignment 0x1000000000000 is not a power of two up to 0x10000
align-odd|section 4 \(\.text\.use\): alignment 0x18 is not a power of two
rela-link-range|section \.rela\.text\.use: sh_link 200 is not a section
rela-link-not-symtab|section \.rela\.text\.use: sh_link does not name the symbol table
rela-info-range|section \.rela\.text\.use: sh_info 200 is not a section
rela-entsize|section \.rela\.text\.use: entry size 16 or size 72 is not that of Elf64_Rela
rela-size-odd|section 5 \(\.rela\.text\.use\): size 0x40 is not a multiple of its entry size 24
rela-type-rel|section 5 \(\.rela\.text\.use\): cannot read its 0x48 bytes
rela-twice|sections \.rela\.text\.use and \.rela\.klp\.module_relocs\.vmlinux both relocate \.text\.use
reloc-sym-range|section \.rela\.text\.use: relocation 1 uses symbol 500, past the 8 symbols
reloc-offset-past|section \.rela\.text\.use: relocation 1 at offset 0x1000 is past the end of \.text\.use
symtab-link-range|section \.symtab: sh_link 200 is not a section
symtab-link-not-strtab|the symbol table.s sh_link does not name a string table
symtab-info-past|symbol table: sh_info 100 is past its 8 symbols
symtab-entsize|symbol table: entry size 16 or size 192 is wrong
symtab-empty|the symbol table is empty or unreadable
symtab-twice|more than one symbol table
strtab-no-nul|symbol 7: name offset [0-9]+ is outside the string table
shstrtab-no-nul|section [0-9]+: name offset [0-9]+ is outside the section name table
st-name-past|symbol 5: name offset 65536 is outside the string table
st-shndx-range|symbol 3 \(use\): section index 200 does not exist
st-shndx-xindex|symbol 3 \(use\): extended section indices are not supported
local-after-global|symbol 7 \(vmlinux_relocs\): a local symbol after the first global one
relocs-size-not-12|\.klp\.module_relocs\.vmlinux: size 11 is not a multiple of 12
relocs-bad-objname|\.klp\.module_relocs\.vmlin-x: .vmlin-x. is not an object name
ann-wrong-symbol|\.klp\.module_relocs\.vmlinux: entry 0: symbol .use. is defined in the livepatch module itself
ann-null-symbol|\.klp\.module_relocs\.vmlinux: entry 0: symbol .. is defined in the livepatch module itself
ann-addend|\.klp\.module_relocs\.vmlinux: entry 0: expected R_X86_64_64 to a symbol with addend 0, found R_X86_64_64\+8
ann-type|\.klp\.module_relocs\.vmlinux: entry 0: expected R_X86_64_64 to a symbol with addend 0, found R_X86_64_PC32
ann-offset|\.klp\.module_relocs\.vmlinux: a relocation at offset 0x4 is not at the start of a struct klp_module_reloc
ann-conflict|symbol .counter.: conflicting annotations: \.klp\.module_relocs\.vmlinux entry 0 says vmlinux sympos 2
ann-sym-no-comma|symbol .\.klp\.sym\.rela\.target_mod\.target_mod\.counterX2. is not of the form
ann-sym-bad-obj|symbol .\.klp\.sym\.rela\.target-mod\.target_mod\.counter,2. is not of the form
ann-sym-bad-pos|symbol .\.klp\.sym\.rela\.target_mod\.target_mod\.counter,x. is not of the form
ann-sym-vmlinux-mod|symbol .xx\.counter.: .* before module .target_mod. can be resolved
empty-names|symbol .. is not exported and not in the symbol map
klp-rela-clash|section \.klp\.rela\.vmlinux\.\.text\.use is not a livepatch relocation section
klp-rela-progbits|section \.klp\.rela\.vmlinux\.\.text\.use is not a livepatch relocation section
modinfo-not-livepatch|not a livepatch module: \.modinfo has no livepatch=Y
reloc-type-unknown|symbol .saved_command_line.: type 200 relocation at \.text\.use\+0xe .* the module loader does not know this type
'

# A regression that ignored a crafted alignment would pad the output to
# 256 TiB: the file size limit turns that into a failure, not a full disk.
ulimit -f 65536

# check NAME REGEX NAMED MAP IN: exit exactly 1, a message naming NAMED,
# the input and the map unchanged, nothing written: no OUT, no temporary file.
check() {
	local name=$1 regex=$2 named=$3 map=$4 file=$5 out rc sum
	sum=$(cat "$file" "$map" | sha256sum)
	out=$(klp-convert "$map" "$file" "$T/out/out.ko" 2>&1)
	rc=$?
	local problems=()
	[ "$rc" -eq 1 ] || problems+=("exit $rc, expected 1")
	printf '%s\n' "$out" | grep -qE -- "^klp-convert: error: [^ ]*$(basename "$named")(:[0-9]+)?: $regex" ||
		problems+=("no message matching /$regex/")
	[ "$(cat "$file" "$map" | sha256sum)" = "$sum" ] || problems+=("the input changed")
	[ -z "$(ls -A "$T/out")" ] || problems+=("left behind: $(ls -A "$T/out")")
	rm -rf "$T/out" && mkdir "$T/out"
	if [ ${#problems[@]} -eq 0 ]; then
		pass "$name"
	else
		fail "$name" "${problems[@]}" "$out"
	fi
}

n=0
while IFS='|' read -r name regex; do
	[ -n "$name" ] || continue
	n=$((n + 1))
	if [ -f "$T/cases/$name.o" ]; then
		check "$name" "$regex" "$T/cases/$name.o" "$T/map" "$T/cases/$name.o"
	else
		fail "$name: case not generated"
	fi
done <<< "$cases"
is "$(ls "$T/cases" | wc -l)" "$n" "every generated case is checked"

# Maps, broken the same way, against the good module.
printf 'klp-symbol-map 1\nobject vmlinux\n1 t type_show\nobject target_mod\n2 d counter\nobject vmlinux\n3 t x\n' > "$T/dup.map"
check "map with duplicate object headers" "object 'vmlinux' appears twice" "$T/dup.map" "$T/dup.map" "$T/good.o"
printf 'klp-convert-symbol-data.0.1\n*vmlinux\ntype_show\n*vmlinux\n' > "$T/dupup.map"
check "upstream map with duplicate object headers" "object 'vmlinux' appears twice" "$T/dupup.map" "$T/dupup.map" "$T/good.o"
printf 'klp-symbol-map 1\nobject vmlinux\n1 t type_show\n\001 t x\n' > "$T/ctl.map"
check "map with a control character" "invalid address" "$T/ctl.map" "$T/ctl.map" "$T/good.o"
head -c 40 "$T/map" > "$T/trunc.map"
check "map cut in the middle of a line" "expected 'ADDRESS TYPE NAME \\[FLAGS\\]'" "$T/trunc.map" "$T/trunc.map" "$T/good.o"
printf 'klp-symbol-map 1\nobject vmlinux\n1 t %s\n' "$(head -c 600 /dev/zero | tr '\0' a)" > "$T/long.map"
check "map with a 600-character name" "invalid symbol name" "$T/long.map" "$T/long.map" "$T/good.o"

# The patch's klp tables, located from DWARF, in a section left without its
# relocations: qsort() was given NULL (UBSan, exit 99 under the sanitizers).
cc_obj "$T/klp.o" 'static const char modinfo[] __attribute__((section(".modinfo"), used)) = "livepatch=Y";
struct module; extern struct module __this_module; extern int klp_enable_patch(void *);
struct klp_func { const char *old_name; void *new_func; unsigned long old_sympos; char rest[96]; };
struct klp_object { const char *name; struct klp_func *funcs; char rest[96]; };
struct klp_patch { struct module *mod; struct klp_object *objs; char rest[96]; };
static int new_show(void) { return 0; }
static struct klp_func funcs[] = { { .old_name = "type_show", .new_func = new_show, .old_sympos = 2 }, { } };
static struct klp_object objs[] = { { .funcs = funcs }, { } };
static struct klp_patch patch = { .mod = &__this_module, .objs = objs };
int init(void) { return klp_enable_patch(&patch); }' -g
python3 - "$T/patch.py" "$T/klp.o" "$T/cases/klp-norela.o" <<'PY'
import sys
exec(open(sys.argv[1]).read().split("src, out = sys.argv[1]")[0])
e = Elf(open(sys.argv[2], 'rb').read())
e.set_sh('.rela.data', type=0x2f04)
open(sys.argv[3], 'wb').write(e.b)
PY
check "klp tables in a section without relocations" ".*patch: objs does not point into the module.s data" \
	"$T/cases/klp-norela.o" "$T/map" "$T/cases/klp-norela.o"

# klp-symbols' reader of target modules, fed the same way: a second, empty
# .modinfo once left the first one's size with a NULL pointer (SIGSEGV).
if command -v klp-symbols > /dev/null; then
	cc_obj "$T/target.o" 'static const char modinfo[] __attribute__((section(".modinfo"), used)) = "name=target_mod";
int counter; int helper(void) { return counter; }'
	python3 - "$T/patch.py" "$T/target.o" "$T/twomodinfo.ko" <<'PY'
import sys
exec(open(sys.argv[1]).read().split("src, out = sys.argv[1]")[0])
e = Elf(open(sys.argv[2], 'rb').read())
i = e.sec('.comment')
e.rename(i, '.modinfo')
e.set_sh(i, size=0)
open(sys.argv[3], 'wb').write(e.b)
PY
	out=$(klp-symbols -o "$T/out/sym.map" --module "$T/twomodinfo.ko" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && grep -q ' counter$' "$T/out/sym.map"; then
		pass "klp-symbols: a module with a second, empty .modinfo is read"
	elif [ $rc -eq 1 ] && printf '%s' "$out" | grep -q 'twomodinfo\.ko: '; then
		pass "klp-symbols: a module with a second, empty .modinfo is refused cleanly"
	else
		fail "klp-symbols: a module with a second, empty .modinfo" "exit $rc" "$out"
	fi
	# A module name with a control character once went into the map, which
	# klp-symbols wrote and klp-convert then refused to read.
	printf 'ffffffff81000000 T startup_64\nffffffffc0000000 t x\t[ex\rt4]\n' > "$T/kallsyms"
	rm -rf "$T/out" && mkdir "$T/out"
	out=$(klp-symbols -o "$T/out/cr.map" --kallsyms "$T/kallsyms" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && [ -z "$(ls -A "$T/out")" ] &&
	   printf '%s' "$out" | grep -q 'kallsyms:2: invalid module name'; then
		pass "klp-symbols: a module name with a control character is refused"
	else
		fail "klp-symbols: a module name with a control character is refused" "exit $rc" "$out"
	fi
fi

done_testing
