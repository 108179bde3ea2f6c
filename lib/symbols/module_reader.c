// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel modules as kallsyms sees them once loaded. The loader
 * (kernel/module/main.c and kallsyms.c of v6.1) keeps symbol i when it is
 * defined in a real section, has a name, and its section is allocated and
 * not laid out in init memory; .modinfo and __versions lose SHF_ALLOC before
 * that test, and .data..percpu symbols stay under CONFIG_KALLSYMS_ALL.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "elf/module_info.h"
#include "symbols/module_reader.h"
#include "symbols/symmap.h"
#include "base/dir_walk.h"
#include "base/util.h"

/* A decompressed module larger than this is a bomb, not a module. */
#define MAX_IMAGE (1UL << 30)

static int fail(char **err, const char *path, const char *what)
{
	*err = xasprintf("%s: %s", path, what);
	return -1;
}

static int grow_output(char **out, size_t *alloc, size_t used, char **err, const char *path)
{
	if (used < *alloc)
		return 0;
	if (*alloc >= MAX_IMAGE)
		return fail(err, path, "decompressed size over 1 GiB, refusing");
	*alloc = *alloc ? *alloc * 2 : 1 << 20;
	*out = xrealloc(*out, *alloc);
	return 0;
}

static int unxz(const char *path, const char *in, size_t in_size, struct module_image *img,
		char **err)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t alloc = 0;
	lzma_ret r;

	if (lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return fail(err, path, "cannot start the xz decoder");
	s.next_in = (const uint8_t *)in;
	s.avail_in = in_size;
	do {
		if (grow_output(&img->data, &alloc, img->size, err, path))
			break;
		s.next_out = (uint8_t *)img->data + img->size;
		s.avail_out = alloc - img->size;
		r = lzma_code(&s, LZMA_FINISH);
		img->size = alloc - s.avail_out;
	} while (r == LZMA_OK || (r == LZMA_BUF_ERROR && !s.avail_out));
	lzma_end(&s);
	if (*err)
		return -1;
	return r == LZMA_STREAM_END ? 0 : fail(err, path, "corrupt or truncated xz data");
}

static int unzstd(const char *path, const char *in, size_t in_size, struct module_image *img,
		  char **err)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, in_size, 0 };
	size_t alloc = 0, r = 1;

	if (!ds)
		return fail(err, path, "cannot start the zstd decoder");
	while (ib.pos < ib.size || r) {
		ZSTD_outBuffer ob;

		if (grow_output(&img->data, &alloc, img->size, err, path))
			break;
		ob.dst = img->data;
		ob.size = alloc;
		ob.pos = img->size;
		r = ZSTD_decompressStream(ds, &ob, &ib);
		img->size = ob.pos;
		if (ZSTD_isError(r) || (ib.pos == ib.size && r && ob.pos < ob.size))
			break;
	}
	ZSTD_freeDStream(ds);
	if (*err)
		return -1;
	return !ZSTD_isError(r) && !r ? 0 : fail(err, path, "corrupt or truncated zstd data");
}

static int gunzip(const char *path, const char *in, size_t in_size, struct module_image *img,
		  char **err)
{
	z_stream z = { 0 };
	size_t alloc = 0;
	int r = Z_OK;

	if (in_size > UINT32_MAX || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return fail(err, path, "cannot start the gzip decoder");
	z.next_in = (Bytef *)in;
	z.avail_in = in_size;
	while (r == Z_OK) {
		if (grow_output(&img->data, &alloc, img->size, err, path))
			break;
		z.next_out = (Bytef *)img->data + img->size;
		z.avail_out = alloc - img->size > UINT32_MAX ? UINT32_MAX : alloc - img->size;
		r = inflate(&z, Z_NO_FLUSH);
		img->size = (char *)z.next_out - img->data;
		if (r == Z_BUF_ERROR && z.avail_out)
			break;
		if (r == Z_BUF_ERROR)
			r = Z_OK;
	}
	inflateEnd(&z);
	if (*err)
		return -1;
	return r == Z_STREAM_END ? 0 : fail(err, path, "corrupt or truncated gzip data");
}

static int decompress(const char *path, const char *in, size_t size, struct module_image *img,
		      char **err)
{
	if (str_ends_with(path, ".xz")) {
		if (size < 6 || memcmp(in, "\xfd" "7zXZ", 6))
			return fail(err, path, "not xz data despite the .xz name");
		return unxz(path, in, size, img, err);
	}
	if (str_ends_with(path, ".zst")) {
		if (size < 4 || memcmp(in, "\x28\xb5\x2f\xfd", 4))
			return fail(err, path, "not zstd data despite the .zst name");
		return unzstd(path, in, size, img, err);
	}
	if (size < 2 || memcmp(in, "\x1f\x8b", 2))
		return fail(err, path, "not gzip data despite the .gz name");
	return gunzip(path, in, size, img, err);
}

static bool compressed_name(const char *path)
{
	return str_ends_with(path, ".xz") || str_ends_with(path, ".zst") ||
	       str_ends_with(path, ".gz");
}

int module_image_load(const char *path, struct module_image *img, char **err)
{
	struct stat st;
	char *in;
	int fd, ret;

	memset(img, 0, sizeof(*img));
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		*err = xasprintf("%s: cannot open: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		return fail(err, path, S_ISREG(st.st_mode) ? "empty file" : "not a regular file");
	}
	/* Writable private pages: libelf may convert in place; the file never changes. */
	in = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (in == MAP_FAILED) {
		*err = xasprintf("%s: mmap: %s", path, strerror(errno));
		return -1;
	}
	if (!compressed_name(path)) {
		img->data = in;
		img->size = st.st_size;
		img->mapped = true;
		return 0;
	}
	ret = decompress(path, in, st.st_size, img, err);
	munmap(in, st.st_size);
	if (ret)
		module_image_release(img);
	return ret;
}

void module_image_release(struct module_image *img)
{
	if (!img->data)
		return;
	if (img->mapped)
		munmap(img->data, img->size);
	else
		free(img->data);
	memset(img, 0, sizeof(*img));
}

bool module_file_name(const char *name)
{
	return str_ends_with(name, ".ko") || str_ends_with(name, ".ko.xz") ||
	       str_ends_with(name, ".ko.zst") || str_ends_with(name, ".ko.gz");
}

/* ELF scanning --------------------------------------------------------------- */

struct sec_info {
	unsigned char keep;	/* KEEP_* */
	char type;		/* kernel elf_type() letter for symbols defined here */
};

enum { KEEP_NONE, KEEP_CORE, KEEP_INIT };

struct scan {
	const char *path;
	Elf *elf;
	size_t shnum;
	struct sec_info *secs;
	Elf_Scn *symtab;
	const char *modinfo;
	size_t modinfo_size;
	const char *this_module;
	size_t this_module_size;
	uint64_t file_size;
	char **err;
};

static int elf_fail(struct scan *sc, const char *what)
{
	*sc->err = xasprintf("%s: %s: %s", sc->path, what, elf_errmsg(-1));
	return -1;
}

static const char *section_bytes(Elf_Scn *scn, size_t *size)
{
	Elf_Data *d = elf_getdata(scn, NULL);

	/* A second, empty .modinfo must not leave the first one's size behind. */
	*size = d && d->d_buf ? d->d_size : 0;
	return *size ? d->d_buf : NULL;
}

/* kernel/module/kallsyms.c elf_type(), for a section (x86: no small data). */
static char section_letter(const GElf_Shdr *sh)
{
	if (sh->sh_flags & SHF_EXECINSTR)
		return 't';
	if ((sh->sh_flags & SHF_ALLOC) && sh->sh_type != SHT_NOBITS)
		return sh->sh_flags & SHF_WRITE ? 'd' : 'r';
	if (sh->sh_type == SHT_NOBITS)
		return 'b';
	return '?';
}

static void classify_section(struct scan *sc, size_t i, const GElf_Shdr *sh, const char *name)
{
	struct sec_info *si = &sc->secs[i];

	si->type = section_letter(sh);
	/* The loader strips SHF_ALLOC from these two before deciding. */
	if (!strcmp(name, ".modinfo") || !strcmp(name, "__versions") ||
	    !(sh->sh_flags & SHF_ALLOC))
		si->keep = KEEP_NONE;
	else if (!strcmp(name, ".data..percpu"))
		si->type = 'a', si->keep = KEEP_CORE;
	else if (!strncmp(name, ".init", 5))
		si->keep = KEEP_INIT;
	else
		si->keep = KEEP_CORE;
}

static int scan_sections(struct scan *sc)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrnum(sc->elf, &sc->shnum) || elf_getshdrstrndx(sc->elf, &shstrndx))
		return elf_fail(sc, "cannot read the section headers");
	sc->secs = xcalloc(sc->shnum ? sc->shnum : 1, sizeof(*sc->secs));
	while ((scn = elf_nextscn(sc->elf, scn))) {
		size_t i = elf_ndxscn(scn);
		const char *name;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			return elf_fail(sc, "cannot read a section header");
		name = elf_strptr(sc->elf, shstrndx, sh.sh_name);
		if (!name)
			return elf_fail(sc, "bad section name");
		if (i < sc->shnum)
			classify_section(sc, i, &sh, name);
		if (sh.sh_type == SHT_SYMTAB)
			sc->symtab = scn;
		else if (!strcmp(name, ".modinfo") && sh.sh_type != SHT_NOBITS)
			sc->modinfo = section_bytes(scn, &sc->modinfo_size);
		else if (!strcmp(name, ".gnu.linkonce.this_module") && sh.sh_type != SHT_NOBITS)
			sc->this_module = section_bytes(scn, &sc->this_module_size);
	}
	if (elf_errno())
		return elf_fail(sc, "cannot read the sections");
	return 0;
}

static const char *modinfo_value(const struct scan *sc, const char *key)
{
	return modinfo_find(sc->modinfo, sc->modinfo_size, key);
}

/*
 * Without modpost's name=, struct module's name field: it follows the state
 * enum and a list_head, offset 24 on 64-bit and 12 on 32-bit.
 */
static char *this_module_name(const struct scan *sc)
{
	size_t off = gelf_getclass(sc->elf) == ELFCLASS64 ? 24 : 12, len;
	const char *p;

	if (!sc->this_module || sc->this_module_size < off + MAP_OBJNAME_MAX + 1)
		return NULL;
	p = sc->this_module + off;
	len = strnlen(p, MAP_OBJNAME_MAX + 1);
	if (!len || len > MAP_OBJNAME_MAX)
		return NULL;
	return strndup(p, len);
}

static char *file_module_name(const char *path)
{
	const char *base = strrchr(path, '/');
	char *name, *dot;

	name = module_runtime_name(base ? base + 1 : path);
	dot = strstr(name, ".ko");
	if (dot)
		*dot = '\0';
	return name;
}

static int find_name(struct scan *sc, struct module_file *mf)
{
	const char *v;
	char *name;

	mf->livepatch = (v = modinfo_value(sc, "livepatch")) && !strcmp(v, "Y");
	v = modinfo_value(sc, "name");
	if (v)
		name = module_runtime_name(v);
	else if (!(name = this_module_name(sc)) || !symmap_valid_objname(name)) {
		free(name);
		name = file_module_name(sc->path);
	}
	if (!symmap_valid_objname(name)) {
		*sc->err = xasprintf("%s: invalid module name '%s'", sc->path, name);
		free(name);
		return -1;
	}
	mf->syms.name = name;
	return 0;
}

#define KSYMTAB "__ksymtab_"

/* Module exports: globals with a __ksymtab_<name> entry, shown upper case by kallsyms. */
static void mark_exports(struct symlist *l, const unsigned char *global)
{
	struct strset exported = { 0 };
	size_t i, plen = strlen(KSYMTAB);

	for (i = 0; i < l->nr; i++)
		if (!strncmp(l->syms[i].name, KSYMTAB, plen) && l->syms[i].name[plen])
			strset_add(&exported, l->syms[i].name + plen);
	for (i = 0; exported.ht.nr && i < l->nr; i++) {
		struct lsym *s = &l->syms[i];

		if (global[i] && strset_has(&exported, s->name, strlen(s->name))) {
			s->flags |= MAP_EXPORTED;
			if (s->type >= 'a' && s->type <= 'z')
				s->type += 'A' - 'a';
		}
	}
	strset_free(&exported);
}

static char symbol_letter(const struct scan *sc, const GElf_Sym *sym)
{
	if (GELF_ST_BIND(sym->st_info) == STB_WEAK)
		return GELF_ST_TYPE(sym->st_info) == STT_OBJECT ? 'v' : 'w';
	return sc->secs[sym->st_shndx].type;
}

static int scan_symbols(struct scan *sc, struct symlist *l)
{
	Elf_Data *syms, *strs;
	unsigned char *global;
	GElf_Shdr sh;
	size_t i, n;

	if (!sc->symtab)
		return *sc->err = xasprintf("%s: no .symtab (stripped?)", sc->path), -1;
	if (!gelf_getshdr(sc->symtab, &sh) || sh.sh_link >= sc->shnum)
		return elf_fail(sc, "bad .symtab header");
	syms = elf_getdata(sc->symtab, NULL);
	strs = elf_getdata(elf_getscn(sc->elf, sh.sh_link), NULL);
	if (!syms || !strs || !strs->d_size || !strs->d_buf)
		return elf_fail(sc, "cannot read .symtab or its string table (truncated?)");
	if (((const char *)strs->d_buf)[strs->d_size - 1])
		return *sc->err = xasprintf("%s: string table not NUL-terminated", sc->path), -1;
	if (sh.sh_entsize != gelf_fsize(sc->elf, ELF_T_SYM, 1, EV_CURRENT))
		return *sc->err = xasprintf("%s: bad .symtab entry size", sc->path), -1;
	n = syms->d_size / sh.sh_entsize;
	global = xmalloc(n ? n : 1);
	for (i = 1; i < n; i++) {
		GElf_Sym sym;

		if (!gelf_getsym(syms, i, &sym)) {
			free(global);
			return elf_fail(sc, "bad symbol");
		}
		if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= sc->shnum || !sym.st_name ||
		    sym.st_name >= strs->d_size || sc->secs[sym.st_shndx].keep == KEEP_NONE)
			continue;
		global[l->nr] = GELF_ST_BIND(sym.st_info) != STB_LOCAL;
		symlist_add(l, (const char *)strs->d_buf + sym.st_name, sym.st_value, symbol_letter(sc, &sym),
			    sc->secs[sym.st_shndx].keep == KEEP_INIT ? MAP_INIT : 0);
	}
	mark_exports(l, global);
	free(global);
	return 0;
}

static int check_elf(struct scan *sc)
{
	GElf_Ehdr eh;

	if (!sc->elf || elf_kind(sc->elf) != ELF_K_ELF)
		return fail(sc->err, sc->path, "not an ELF file");
	if (!gelf_getehdr(sc->elf, &eh))
		return elf_fail(sc, "bad ELF header");
	if (eh.e_type != ET_REL)
		return fail(sc->err, sc->path, "not a kernel module (ELF type is not ET_REL)");
	/* libelf would show a cut-off section header table as no sections at all. */
	if (eh.e_shoff > sc->file_size ||
	    (uint64_t)eh.e_shnum * eh.e_shentsize > sc->file_size - eh.e_shoff)
		return fail(sc->err, sc->path, "truncated: the section headers are past the end");
	return scan_sections(sc);
}

/*
 * Plain files go through libelf's read mode, which preads only the headers
 * and the sections asked for: mapping 4,000 files costs more in munmap()
 * TLB shootdowns than reading their symbol tables.
 */
static int open_elf(struct scan *sc, struct module_image *img, int *fd, struct stat *st)
{
	elf_version(EV_CURRENT);
	if (compressed_name(sc->path)) {
		if (stat(sc->path, st))
			memset(st, 0, sizeof(*st));
		if (module_image_load(sc->path, img, sc->err))
			return -1;
		sc->elf = elf_memory(img->data, img->size);
		sc->file_size = img->size;
		return check_elf(sc);
	}
	*fd = open(sc->path, O_RDONLY);
	if (*fd < 0) {
		*sc->err = xasprintf("%s: cannot open: %s", sc->path, strerror(errno));
		return -1;
	}
	if (fstat(*fd, st))
		memset(st, 0, sizeof(*st));
	sc->file_size = st->st_size;
	sc->elf = elf_begin(*fd, ELF_C_READ, NULL);
	return check_elf(sc);
}

static int read_module(const char *path, struct module_file *mf, bool symbols)
{
	struct scan sc = { .path = path, .err = &mf->err };
	struct stat st;
	int ret;

	memset(mf, 0, sizeof(*mf));
	mf->fd = -1;
	ret = open_elf(&sc, &mf->img, &mf->fd, &st);
	mf->elf = sc.elf;
	mf->dev = st.st_dev;
	mf->ino = st.st_ino;
	if (!ret)
		ret = find_name(&sc, mf);
	if (!ret && symbols && !mf->livepatch)
		ret = scan_symbols(&sc, &mf->syms);
	mf->syms.path = xstrdup(path);
	free(sc.secs);
	return ret;
}

int module_read(const char *path, struct module_file *mf)
{
	return read_module(path, mf, true);
}

int module_read_name(const char *path, struct module_file *mf)
{
	return read_module(path, mf, false);
}

void module_file_release(struct module_file *mf)
{
	elf_end(mf->elf);
	mf->elf = NULL;
	if (mf->fd >= 0)
		close(mf->fd);
	mf->fd = -1;
	module_image_release(&mf->img);
	symlist_release(&mf->syms);
	free(mf->err);
	mf->err = NULL;
}

/* Tree walk ------------------------------------------------------------------ */

int module_tree_list(const char *dir, char ***paths, size_t *nr)
{
	struct dir_list dl = { 0 };
	int ret = dir_list_files(&dl, dir, module_file_name);

	*paths = dl.paths;
	*nr = dl.nr;
	return ret;
}
