/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_SOURCE_VERIFY_H
#define KLP_SOURCE_VERIFY_H

/*
 * Proof that a rebuilt object is the shipped code: every function of the
 * object against the target's bytes at that function (a vmlinux with its
 * symbol table, or the installed module), relocated fields masked on both
 * sides. A difference is explained when it is expected of a rebuild of one
 * file: a __weak definition another file overrides, init code, a function
 * the target does not have (inlined everywhere, or discarded). A
 * static-branch site objtool turns into a NOP only at the final link is
 * equal when the target has exactly that NOP there.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"

struct verify_vmlinux;

/* Open a vmlinux ELF with its .symtab; NULL after a message. */
struct verify_vmlinux *verify_vmlinux_open(const char *path);
/*
 * Without a -dbg vmlinux: the distribution's compressed image (an x86
 * bzImage), decompressed into elf (kept there, and reused while it is newer
 * than the image), its functions located by a symbol map (kallsyms,
 * System.map or a klp-symbols map) relative to _text.
 */
struct verify_vmlinux *verify_image_open(const char *image, const char *map, const char *elf);
void verify_vmlinux_close(struct verify_vmlinux *vm);

struct verify_result {
	size_t identical, total;
	size_t unexplained;
	struct strbuf notes;	/* one "    name: why" line per difference */
	struct strbuf info;	/* for -v: what was equal without being the same bytes */
};

/*
 * Compare object (rebuilt from source path, e.g. fs/namei.c) with vm, or
 * with the module file ko when ko is not NULL. 0, or -1 after a message
 * when a file cannot be read.
 */
int verify_object(const char *object, const char *path, struct verify_vmlinux *vm,
		  const char *ko, struct verify_result *res);
void verify_result_release(struct verify_result *res);

#endif
