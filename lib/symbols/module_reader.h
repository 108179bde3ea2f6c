/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_MODULE_READER_H
#define KLP_MODULE_READER_H

/*
 * The symbols a kernel module keeps in kallsyms, read from its .ko file
 * (plain, or compressed with xz, zstd or gzip), in .symtab order as the
 * loader keeps them (kernel/module/kallsyms.c, v6.1, CONFIG_KALLSYMS_ALL):
 * defined, named, in an allocated section the loader keeps after init, or
 * in .data..percpu. Init-section symbols are kept with MAP_INIT.
 *
 * Thread-safe: errors come back as strings, nothing is printed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "elf/elf_input.h"
#include "symbols/symlist.h"

/* Read whole: the file is closed again, and the symbols own their names. */
struct module_file {
	struct symlist syms;	/* name: the module's runtime name */
	bool livepatch;		/* .modinfo livepatch=Y: not a patch target */
	char *err;		/* set when reading failed */
	dev_t dev;		/* the file's identity, to notice a file given twice */
	ino_t ino;
	struct elf_input in;	/* while reading */
};

/* Read the module at path; on failure return -1 with mf->err set. */
int module_read(const char *path, struct module_file *mf);
/* Read only the runtime name and the livepatch flag (no symbols). */
int module_read_name(const char *path, struct module_file *mf);
void module_file_release(struct module_file *mf);

/* Does the file name look like a module (.ko, .ko.xz, .ko.zst, .ko.gz)? */
bool module_file_name(const char *name);

/* Every module file under dir, recursively, sorted; symlinks are not followed. */
int module_tree_list(const char *dir, char ***paths, size_t *nr);

#endif
