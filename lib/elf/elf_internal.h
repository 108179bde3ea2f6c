/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_ELF_INTERNAL_H
#define KLP_ELF_INTERNAL_H

/* What elf_file.c, elf_edit.c and elf_write.c share; nothing else uses it. */

#include "elf/elf_file.h"

#define elf_err(elf, fmt, ...) pr_err("%s: " fmt, (elf)->path, ##__VA_ARGS__)
#define libelf_err(elf, what) pr_err("%s: %s: %s", (elf)->path, what, elf_errmsg(-1))

/* A new, empty section at the end of elf->secs, its idx set. */
struct section *elf_new_section(struct elf_file *elf);

#endif
