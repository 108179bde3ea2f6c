// SPDX-License-Identifier: GPL-2.0-only
/*
 * One way to open an ELF file for reading: what every reader checks before
 * it looks at a section, with the same checks and the same messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "elf/elf_input.h"

static int fail(struct elf_input *in, char **err, char *msg)
{
	*err = msg;
	elf_input_close(in);
	return -1;
}

#define fail_msg(in, err, fmt, ...) \
	fail(in, err, xasprintf("%s: " fmt, (in)->path, ##__VA_ARGS__))
#define fail_libelf(in, err, what) \
	fail_msg(in, err, "%s: %s", what, elf_errmsg(-1))

static int check_elf(struct elf_input *in, const struct elf_input_want *want, char **err)
{
	const GElf_Ehdr *eh = &in->ehdr;

	if (!gelf_getehdr(in->elf, &in->ehdr))
		return fail_libelf(in, err, "cannot read the ELF header");
	if (want->types && (eh->e_type >= 32 || !(want->types & ELF_TYPE_BIT(eh->e_type)))) {
		char *what = xasprintf(want->type_error, (unsigned int)eh->e_type);

		fail_msg(in, err, "%s", what);
		free(what);
		return -1;
	}
	/*
	 * libelf reads section headers at their own size whatever e_shentsize
	 * says, so one reader would accept what another (or readelf) refuses.
	 */
	if (eh->e_shnum && eh->e_shentsize != (gelf_getclass(in->elf) == ELFCLASS64 ?
					       sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr)))
		return fail_msg(in, err, "section header size %u is not the ELF class's",
				(unsigned int)eh->e_shentsize);
	if ((want->flags & ELF_INPUT_SHDRS_IN_FILE) &&
	    (eh->e_shoff > in->size ||
	     (uint64_t)eh->e_shnum * eh->e_shentsize > in->size - eh->e_shoff))
		return fail_msg(in, err, "truncated: the section headers are past the end");
	if (elf_getshdrnum(in->elf, &in->shnum) || elf_getshdrstrndx(in->elf, &in->shstrndx))
		return fail_libelf(in, err, "cannot read the section headers");
	return 0;
}

/*
 * The compressed bytes are read, not mapped: a module is tens of KB, and
 * unmapping it in a reader thread costs a TLB shootdown on every other core,
 * which over 6.12's 4,230 .ko.xz was a tenth of klp-symbols' system time.
 */
static char *read_whole(struct elf_input *in, size_t size, char **err)
{
	char *data = xmalloc(size);
	size_t done = 0;
	ssize_t n;

	while (done < size) {
		n = pread(in->fd, data + done, size - done, done);
		if (n <= 0) {
			free(data);
			fail_msg(in, err, "read: %s", n ? strerror(errno) : "the file shrank");
			return NULL;
		}
		done += n;
	}
	return data;
}

/* The whole file, decompressed into in->image; the descriptor is no longer needed. */
static int open_compressed(struct elf_input *in, const struct elf_input_want *want,
			   enum compression c, bool by_name, char **err)
{
	size_t size = in->st.st_size, image_size;
	char *data, *msg;
	int ret;

	if (!size)
		return fail_msg(in, err, "empty file");
	data = read_whole(in, size, err);
	if (!data)
		return -1;
	if (by_name && compression_by_magic(data, size) != c) {
		free(data);
		return fail_msg(in, err, "not %s data despite the %s name", compression_name(c),
				compression_suffix(c));
	}
	ret = decompress(in->path, c, data, size, &in->image, &image_size, &msg);
	free(data);
	if (ret)
		return fail(in, err, msg);
	close(in->fd);
	in->fd = -1;
	in->compression = c;
	in->size = image_size;
	in->elf = elf_memory(in->image, image_size);
	if (!in->elf)
		return fail_libelf(in, err, "cannot read");
	if (elf_kind(in->elf) != ELF_K_ELF)
		return fail_msg(in, err, "not an ELF file");
	return check_elf(in, want, err);
}

int elf_input_open(struct elf_input *in, const char *path, const struct elf_input_want *want,
		   char **err)
{
	enum compression c;

	memset(in, 0, sizeof(*in));
	in->path = path;
	*err = NULL;
	in->fd = open(path, O_RDONLY);
	if (in->fd < 0 || fstat(in->fd, &in->st))
		return fail_msg(in, err, "cannot open: %s", strerror(errno));
	/* libelf and libdwfl read whatever they are given: a directory, a pipe. */
	if (!S_ISREG(in->st.st_mode))
		return fail_msg(in, err, "not a regular file");
	elf_version(EV_CURRENT);
	if ((want->flags & ELF_INPUT_DECOMPRESS) && (c = compression_by_name(path)))
		return open_compressed(in, want, c, true, err);
	in->size = in->st.st_size;
	in->elf = elf_begin(in->fd, want->flags & ELF_INPUT_MMAP ? ELF_C_READ_MMAP : ELF_C_READ,
			    NULL);
	if (!in->elf)
		return fail_libelf(in, err, "cannot read");
	if (elf_kind(in->elf) != ELF_K_ELF) {
		unsigned char magic[8];
		ssize_t n = pread(in->fd, magic, sizeof(magic), 0);

		/* Distributions ship compressed modules: say so rather than "not ELF". */
		c = n > 0 ? compression_by_magic(magic, n) : COMPRESSION_NONE;
		if (c && (want->flags & ELF_INPUT_DECOMPRESS)) {
			elf_end(in->elf);
			in->elf = NULL;
			return open_compressed(in, want, c, false, err);
		}
		if (c)
			return fail_msg(in, err, "%s-compressed: decompress it first",
					compression_name(c));
		return fail_msg(in, err, "not an ELF file");
	}
	return check_elf(in, want, err);
}

void elf_input_close(struct elf_input *in)
{
	if (!in->path)
		return;
	if (in->elf)
		elf_end(in->elf);
	if (in->fd >= 0)
		close(in->fd);
	decompress_release(in->image);
	memset(in, 0, sizeof(*in));
	in->fd = -1;
}
