/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_ELF_INPUT_H
#define KLP_ELF_INPUT_H

/*
 * Opening an ELF file for reading, the same way for every reader (the
 * module model, the module, vmlinux and DWARF readers): open(2), a regular
 * file, compressed input decompressed or refused, libelf's descriptor, the
 * ELF header, the expected ELF type, a section header table inside the file.
 *
 * Thread-safe: errors come back as strings, "<path>: <what is wrong>", for
 * the caller to print (pr_err("%s", err)) or to hand on.
 */

#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "elf/decompress.h"

enum {
	/*
	 * libelf's ELF_C_READ_MMAP rather than ELF_C_READ. Read mode preads
	 * only the headers and the sections asked for: mapping 4,000 modules
	 * costs more in munmap() TLB shootdowns than reading their symbol
	 * tables. Mapping suits a reader that goes on to read most of the file.
	 */
	ELF_INPUT_MMAP = 1 << 0,
	/*
	 * Decompress xz, zstd or gzip input into memory (named .xz, .zst, .gz,
	 * or recognised by its magic) rather than refusing it.
	 */
	ELF_INPUT_DECOMPRESS = 1 << 1,
	/*
	 * Refuse a section header table that ends past the end of the file:
	 * libelf would show it as no sections at all.
	 */
	ELF_INPUT_SHDRS_IN_FILE = 1 << 2,
};

struct elf_input_want {
	unsigned int flags;		/* ELF_INPUT_* */
	unsigned int types;		/* the e_type values accepted, ELF_TYPE_BIT()s; 0: any */
	/*
	 * With types: the message after "<path>: " for any other type, a
	 * printf format given the e_type as an unsigned int (it may leave it out).
	 */
	const char *type_error;
};

#define ELF_TYPE_BIT(t) (1U << (t))

struct elf_input {
	const char *path;		/* the caller's string */
	int fd;				/* -1 for decompressed input */
	Elf *elf;
	GElf_Ehdr ehdr;
	size_t shnum;			/* elf_getshdrnum() */
	size_t shstrndx;		/* elf_getshdrstrndx() */
	uint64_t size;			/* of the ELF image: the file, or the decompressed data */
	struct stat st;			/* of the file as opened */
	enum compression compression;	/* of the file; image holds the ELF */
	char *image;			/* the decompressed image (malloc'ed), or NULL */
};

/*
 * Open path as want says. 0 on success; -1 with *err set (free() it) and
 * nothing left open otherwise.
 */
int elf_input_open(struct elf_input *in, const char *path, const struct elf_input_want *want,
		   char **err);
/*
 * elf_end(), close(), free() what is open; nothing for a zeroed or closed
 * structure, which may be opened again.
 */
void elf_input_close(struct elf_input *in);

#endif
