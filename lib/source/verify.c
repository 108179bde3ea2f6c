// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-source --verify: each function of a rebuilt object against the
 * target's code, relocated bytes masked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf/arch.h"
#include "elf/decompress.h"
#include "elf/elf_file.h"
#include "elf/elf_input.h"
#include "elf/jump_sites.h"
#include "source/verify.h"

/* One function of the target. */
struct tsym {
	const char *name;
	const char *file;		/* the STT_FILE before a local, NULL for others */
	unsigned char bind;
	uint64_t addr, size;		/* vmlinux: address; module: offset in sec */
	const struct section *sec;	/* module only */
};

struct target {
	struct tsym *syms;
	size_t nr, alloc;
	struct hashtab by_name;
};

struct verify_vmlinux {
	struct elf_input in;
	struct target t;
	Elf_Data **data;		/* by section index, read on first use */
	char *map_text;			/* --image: the map's text, the names point into it */
};

static void target_add(struct target *t, const struct tsym *s)
{
	grow_array(&t->syms, &t->alloc, t->nr + 1, sizeof(*t->syms));
	t->syms[t->nr++] = *s;
}

/* The table indexes once every symbol is in: the array no longer moves. */
static void target_index(struct target *t)
{
	size_t i;

	hashtab_reserve(&t->by_name, t->nr);
	for (i = 0; i < t->nr; i++)
		hashtab_add(&t->by_name, hash_str(t->syms[i].name), &t->syms[i]);
}

static void target_free(struct target *t)
{
	hashtab_free(&t->by_name);
	free(t->syms);
}

static struct verify_vmlinux *vmlinux_open(const char *path, bool symtab);

struct verify_vmlinux *verify_vmlinux_open(const char *path)
{
	return vmlinux_open(path, true);
}

static struct verify_vmlinux *vmlinux_open(const char *path, bool symtab)
{
	static const struct elf_input_want want = {
		.flags = ELF_INPUT_MMAP | ELF_INPUT_SHDRS_IN_FILE,
		.types = ELF_TYPE_BIT(ET_EXEC) | ELF_TYPE_BIT(ET_DYN),
		.type_error = "not a vmlinux (ELF type %u)",
	};
	struct verify_vmlinux *vm = xcalloc(1, sizeof(*vm));
	Elf_Scn *scn = NULL;
	const char *file = NULL;
	char *err;
	size_t i;

	if (elf_input_open(&vm->in, path, &want, &err)) {
		pr_err("%s", err);
		free(err);
		free(vm);
		return NULL;
	}
	while (symtab && (scn = elf_nextscn(vm->in.elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !sh.sh_entsize)
			break;
		for (i = 1; i < sh.sh_size / sh.sh_entsize; i++) {
			struct tsym s = { 0 };
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(d, i, &sym))
				break;
			name = elf_strptr(vm->in.elf, sh.sh_link, sym.st_name);
			if (!name)
				continue;
			if (GELF_ST_TYPE(sym.st_info) == STT_FILE) {
				file = name;
				continue;
			}
			if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || !*name)
				continue;
			s.name = name;
			s.bind = GELF_ST_BIND(sym.st_info);
			s.file = s.bind == STB_LOCAL ? file : NULL;
			s.addr = sym.st_value;
			s.size = sym.st_size;
			target_add(&vm->t, &s);
		}
		break;
	}
	if (symtab && !vm->t.nr) {
		pr_err("%s: no function symbols (.symtab): use the -dbg package's vmlinux", path);
		verify_vmlinux_close(vm);
		return NULL;
	}
	if (symtab)
		target_index(&vm->t);
	vm->data = xcalloc(vm->in.shnum, sizeof(*vm->data));
	return vm;
}

/* The image -------------------------------------------------------------------- */

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * The ELF vmlinux inside an x86 bzImage: the setup header says where the
 * compressed payload is (payload_offset, from the protected-mode code after
 * the setup sectors), and the payload is the stripped vmlinux, compressed,
 * with its decompressed size appended in 4 bytes.
 */
static int unpack_image(const char *image, const char *out)
{
	struct mapped_file mf;
	const unsigned char *d;
	struct atomic_file af;
	uint64_t start, len;
	enum compression c;
	char *elf = NULL, *err = NULL;
	size_t size;
	int ret = -1;

	if (map_file(&mf, image))
		return -1;
	d = (const unsigned char *)mf.data;
	if (mf.size < 0x250 || memcmp(d + 0x202, "HdrS", 4) || le32(d + 0x206) < 0x208) {
		pr_err("%s: not an x86 bzImage with a payload (no setup header 2.08)", image);
		goto out;
	}
	start = (uint64_t)((d[0x1f1] ? d[0x1f1] : 4) + 1) * 512 + le32(d + 0x248);
	len = le32(d + 0x24c);
	if (len < 4 || start + len > mf.size) {
		pr_err("%s: the payload (%llu bytes at %llu) is outside the file", image,
		       (unsigned long long)len, (unsigned long long)start);
		goto out;
	}
	c = compression_by_magic(d + start, len);
	if (c == COMPRESSION_NONE) {
		pr_err("%s: the payload is compressed with something other than xz, zstd or gzip",
		       image);
		goto out;
	}
	if (decompress(image, c, (const char *)d + start, len - 4, &elf, &size, &err)) {
		pr_err("%s", err);
		goto out;
	}
	if (size < 4 || memcmp(elf, ELFMAG, SELFMAG)) {
		pr_err("%s: the payload is not an ELF vmlinux", image);
		goto out;
	}
	if (atomic_file_open(&af, out, 0644))
		goto out;
	if (write(af.fd, elf, size) != (ssize_t)size) {
		pr_err("%s: %s", af.tmp_path, strerror(errno));
		atomic_file_abort(&af);
		goto out;
	}
	ret = atomic_file_commit(&af) ? -1 : 0;
out:
	free(elf);
	free(err);
	unmap_file(&mf);
	return ret;
}

/*
 * The functions of vmlinux in a symbol map: a kallsyms dump, a System.map
 * or a klp-symbols map (its "object vmlinux" part). Addresses may be
 * randomised (KASLR): they are taken relative to the map's _text and
 * placed at the image's, the start of its .text.
 */
static int image_symbols(struct verify_vmlinux *vm, const char *map, char **names)
{
	struct mapped_file mf;
	uint64_t text = 0, image_text = 0;
	bool have_text = false, in_vmlinux = true;
	struct strbuf sb = { 0 };
	Elf_Scn *scn = NULL;
	size_t i, n = 0;
	char *line, *save = NULL;

	while ((scn = elf_nextscn(vm->in.elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(vm->in.elf, vm->in.shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".text"))
			image_text = sh.sh_addr;
	}
	if (!image_text) {
		pr_err("%s: the image's vmlinux has no .text section", vm->in.path);
		return -1;
	}
	if (map_file(&mf, map))
		return -1;
	strbuf_add(&sb, mf.data, mf.size);
	strbuf_add(&sb, "", 1);
	unmap_file(&mf);
	*names = sb.buf;
	for (line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *addr = line, *type, *name, *end;
		struct tsym s = { 0 };
		uint64_t a;

		if (str_starts_with(line, "object ")) {
			in_vmlinux = !strcmp(line + 7, "vmlinux");
			continue;
		}
		type = strchr(line, ' ');
		if (!in_vmlinux || !type || type[1] == '\0' || type[2] != ' ')
			continue;
		*type++ = '\0';
		name = type + 2;
		end = name + strcspn(name, " \t");
		/* kallsyms: "[module]" after a module's symbols; the map: flags. */
		if (*end && strchr(end, '['))
			continue;
		*end = '\0';
		errno = 0;
		a = strtoull(addr, &end, 16);
		if (errno || *end)
			continue;
		if (!strcmp(name, "_text")) {
			text = a;
			have_text = true;
		}
		if (!strchr("tTwW", *type))
			continue;
		s.name = name;
		s.bind = *type == 't' ? STB_LOCAL : *type == 'T' ? STB_GLOBAL : STB_WEAK;
		s.addr = a;
		/* Sizes are not in a map: the rebuilt function's size is compared. */
		s.size = UINT64_MAX;
		target_add(&vm->t, &s);
		n++;
	}
	if (!have_text || !n || !text) {
		pr_err("%s: %s", map, !n ? "no function symbols of vmlinux" :
			!have_text ? "no _text symbol" :
			"the addresses are zeroed (kptr_restrict): dump /proc/kallsyms as root");
		return -1;
	}
	for (i = 0; i < vm->t.nr; i++)
		vm->t.syms[i].addr = vm->t.syms[i].addr - text + image_text;
	target_index(&vm->t);
	return 0;
}

struct verify_vmlinux *verify_image_open(const char *image, const char *map, const char *elf)
{
	struct verify_vmlinux *vm;
	struct stat ist, est;

	if (stat(image, &ist)) {
		pr_err("%s: %s", image, strerror(errno));
		return NULL;
	}
	/* The decompressed image is kept: it is the same while the image is. */
	if ((stat(elf, &est) || est.st_mtime < ist.st_mtime) && unpack_image(image, elf))
		return NULL;
	vm = vmlinux_open(elf, false);
	if (!vm)
		return NULL;
	if (image_symbols(vm, map, &vm->map_text)) {
		verify_vmlinux_close(vm);
		return NULL;
	}
	return vm;
}

void verify_vmlinux_close(struct verify_vmlinux *vm)
{
	if (!vm)
		return;
	target_free(&vm->t);
	free(vm->data);
	free(vm->map_text);
	elf_input_close(&vm->in);
	free(vm);
}

/* The file bytes of vmlinux at [addr, addr + size), or NULL. */
static const unsigned char *vmlinux_bytes(struct verify_vmlinux *vm, uint64_t addr,
					  uint64_t size)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(vm->in.elf, scn))) {
		size_t idx = elf_ndxscn(scn);
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) ||
		    sh.sh_type != SHT_PROGBITS || addr < sh.sh_addr ||
		    addr + size > sh.sh_addr + sh.sh_size)
			continue;
		if (!vm->data[idx])
			vm->data[idx] = elf_getdata(scn, NULL);
		if (!vm->data[idx] || vm->data[idx]->d_size < sh.sh_size)
			return NULL;
		return (const unsigned char *)vm->data[idx]->d_buf + (addr - sh.sh_addr);
	}
	return NULL;
}

/* Mark the bytes sec's relocations write in [start, start + len). */
static void mask_relocs(const struct arch *arch, const struct section *sec, uint64_t start,
			uint64_t len, unsigned char *mask)
{
	const struct section *rela = sec->rela;
	size_t i;

	if (!rela)
		return;
	for (i = 0; i < rela->nr_relocs; i++) {
		const struct reloc *r = &rela->relocs[i];
		const struct reloc_rule *rule = arch ? arch_reloc_rule(arch, r->type) : NULL;
		/* A type without a rule: mask a pointer's width, to be safe. */
		uint64_t n = rule && rule->size ? rule->size : 8, k;

		if (r->offset + n <= start || r->offset >= start + len)
			continue;
		for (k = 0; k < n; k++)
			if (r->offset + k >= start && r->offset + k < start + len)
				mask[r->offset + k - start] = 1;
	}
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

struct cmp {
	const struct arch *arch;
	struct verify_vmlinux *vm;
	struct elf_file *ko;
	const struct arch *ko_arch;
	/* The static branches objtool NOPs at the final link: jmp here, NOP there. */
	struct jump_sites jumps;
};

/*
 * -1: the candidate cannot be read; 0: identical; otherwise the first
 * differing offset + 1.
 */
static long long compare(const struct cmp *c, const struct symbol *sym,
			 const unsigned char *mask, const struct tsym *t, size_t *nops)
{
	const unsigned char *ours = sym->sec->data + sym->sym.st_value, *theirs;
	uint64_t n = sym->sym.st_size, i;
	unsigned char *tmask = NULL;
	long long ret = 0;

	if (c->vm) {
		theirs = vmlinux_bytes(c->vm, t->addr, n);
	} else {
		theirs = t->sec->data && t->addr + n <= t->sec->size ? t->sec->data + t->addr : NULL;
		if (theirs) {
			tmask = xcalloc(1, n);
			mask_relocs(c->ko_arch, t->sec, t->addr, n, tmask);
		}
	}
	if (!theirs)
		return -1;
	*nops = 0;
	for (i = 0; i < n; i++) {
		unsigned int len;

		if (mask[i] || (tmask && tmask[i]) || ours[i] == theirs[i])
			continue;
		/* A jmp differs from a NOP in its first byte: i is the site. */
		len = jump_sites_nop(&c->jumps, sym->sec->idx, sym->sym.st_value + i, ours, theirs,
				     i, n);
		if (len) {
			(*nops)++;
			i += len - 1;
			continue;
		}
		ret = (long long)i + 1;
		break;
	}
	free(tmask);
	return ret;
}

/* One function of the object: identical, or a note saying why not. */
static void verify_one(const struct cmp *c, const struct target *t, const char *file,
		       const struct symbol *sym, struct verify_result *res)
{
	uint64_t n = sym->sym.st_size;
	unsigned char *mask = xcalloc(1, n);
	unsigned char bind = GELF_ST_BIND(sym->sym.st_info);
	const struct tsym *other = NULL, *sized = NULL;
	long long first = -2;
	size_t nops = 0;
	struct hash_iter it;
	struct tsym *ts;
	bool init = str_starts_with(sym->sec->name, ".init");

	mask_relocs(c->arch, sym->sec, sym->sym.st_value, n, mask);
	hashtab_for_each(&t->by_name, hash_str(sym->name), it, ts) {
		long long r;

		if (strcmp(ts->name, sym->name))
			continue;
		/*
		 * A local is the one of the same file; a global is the global.
		 * A module has no STT_FILE symbols (ld -r of stripped objects):
		 * any of its locals of that name may be the one.
		 */
		if (bind == STB_LOCAL ? ts->bind != STB_LOCAL ||
					(ts->file && strcmp(ts->file, file)) :
					ts->bind == STB_LOCAL) {
			continue;
		}
		if (ts->size != n && ts->size != UINT64_MAX) {
			other = ts;
			continue;
		}
		sized = ts;
		r = compare(c, sym, mask, ts, &nops);
		if (!r) {
			res->identical++;
			if (nops)
				strbuf_addf(&res->info,
					    "    %s: identical; %zu static-branch site%s: jmp here, "
					    "NOP in the target (objtool NOPs them at the final link)\n",
					    sym->name, nops, nops > 1 ? "s" : "");
			free(mask);
			return;
		}
		if (first < 0 || (r > 0 && r < first))
			first = r;
	}
	free(mask);

	if (bind == STB_WEAK && (other || sized) && (other ? other : sized)->bind != STB_WEAK) {
		strbuf_addf(&res->notes, "    %s: __weak, overridden by another definition\n",
			    sym->name);
	} else if (!other && !sized) {
		strbuf_addf(&res->notes, "    %s: not in the target (inlined everywhere or discarded)\n",
			    sym->name);
	} else if (init) {
		strbuf_addf(&res->notes, "    %s: init code (%s)\n", sym->name, sym->sec->name);
	} else if (!sized) {
		strbuf_addf(&res->notes, "    %s: unexplained: %llu bytes, the target's %llu\n",
			    sym->name, (unsigned long long)n, (unsigned long long)other->size);
		res->unexplained++;
	} else if (first == -1) {
		strbuf_addf(&res->notes, "    %s: unexplained: the target's bytes are not in its file\n",
			    sym->name);
		res->unexplained++;
	} else {
		strbuf_addf(&res->notes, "    %s: unexplained: differs at +0x%llx\n", sym->name,
			    first - 1);
		res->unexplained++;
	}
}

static void module_target(struct elf_file *ko, struct target *t)
{
	const char *file = NULL;
	struct symbol *sym;
	size_t i;

	for_each_symbol(ko, sym, i) {
		unsigned char type = GELF_ST_TYPE(sym->sym.st_info);
		struct tsym s = { 0 };

		if (type == STT_FILE) {
			file = sym->name;
			continue;
		}
		if (type != STT_FUNC || !sym->sec || !*sym->name)
			continue;
		s.name = sym->name;
		s.bind = GELF_ST_BIND(sym->sym.st_info);
		s.file = s.bind == STB_LOCAL ? file : NULL;
		s.addr = sym->sym.st_value;
		s.size = sym->sym.st_size;
		s.sec = sym->sec;
		target_add(t, &s);
	}
	target_index(t);
}

/*
 * A module as installed: compressed ones (6.12 installs .ko.xz) are
 * decompressed into a temporary file for the module model, which reads
 * files, and the file is unlinked at once: the model keeps it open.
 */
static struct elf_file *open_module(const char *ko)
{
	enum compression c = compression_by_name(ko);
	const char *tmpdir = getenv("TMPDIR");
	struct elf_file *elf = NULL;
	struct mapped_file mf;
	char *out = NULL, *err = NULL, *tmp;
	size_t size;
	int fd;

	if (c == COMPRESSION_NONE)
		return elf_open_read(ko);
	if (map_file(&mf, ko))
		return NULL;
	if (decompress(ko, c, mf.data, mf.size, &out, &size, &err)) {
		pr_err("%s", err);
		free(err);
		unmap_file(&mf);
		return NULL;
	}
	unmap_file(&mf);
	tmp = xasprintf("%s/klp-source-ko.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(tmp);
	if (fd < 0 || write(fd, out, size) != (ssize_t)size) {
		pr_err("%s: cannot write the decompressed %s: %s", tmp, ko, strerror(errno));
	} else {
		elf = elf_open_read(tmp);
		/* Messages about it name the file given, not the copy. */
		if (elf)
			elf->path = ko;
		else
			pr_err("%s: not a valid module once decompressed (the copy %s above)",
			       ko, tmp);
	}
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	free(tmp);
	free(out);
	return elf;
}

int verify_object(const char *object, const char *path, struct verify_vmlinux *vm,
		  const char *ko, struct verify_result *res)
{
	struct elf_file *obj = elf_open_read(object), *mod = NULL;
	struct target modt = { 0 };
	const struct target *t;
	struct cmp c = { 0 };
	const char *file = base_name(path);
	struct symbol *sym;
	size_t i;

	memset(res, 0, sizeof(*res));
	if (!obj)
		return -1;
	c.arch = arch_lookup(&obj->ehdr);
	if (ko) {
		mod = open_module(ko);
		if (!mod) {
			elf_close(obj);
			return -1;
		}
		c.ko = mod;
		c.ko_arch = arch_lookup(&mod->ehdr);
		module_target(mod, &modt);
		t = &modt;
	} else {
		c.vm = vm;
		t = &vm->t;
	}
	jump_sites_read(&c.jumps, obj, c.arch);
	for_each_symbol(obj, sym, i) {
		if (GELF_ST_TYPE(sym->sym.st_info) != STT_FUNC || !sym->sec || !sym->sym.st_size ||
		    !sym->sec->data || sym->sym.st_value + sym->sym.st_size > sym->sec->size)
			continue;
		res->total++;
		verify_one(&c, t, file, sym, res);
	}
	jump_sites_free(&c.jumps);
	target_free(&modt);
	elf_close(mod);
	elf_close(obj);
	return 0;
}

void verify_result_release(struct verify_result *res)
{
	strbuf_release(&res->notes);
	strbuf_release(&res->info);
}
