/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_VMLINUX_READER_H
#define KLP_VMLINUX_READER_H

/*
 * vmlinux's symbols in kallsyms order, from its ELF .symtab or from a full
 * System.map: the symbols scripts/mksysmap and scripts/kallsyms of v6.1 keep
 * (CONFIG_KALLSYMS_ALL), sorted by address with scripts/kallsyms' tie rules.
 * Errors are printed; -1 after one.
 */

#include "symbols/symlist.h"

int vmlinux_read_elf(const char *path, struct symlist *out);
int vmlinux_read_system_map(const char *path, struct symlist *out);

#endif
