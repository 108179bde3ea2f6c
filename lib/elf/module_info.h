/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_MODULE_INFO_H
#define KLP_MODULE_INFO_H

/* What a module says about itself: .modinfo keys and __versions entries. */

#include <stdbool.h>

#include "elf/elf_file.h"

/* The value of key in .modinfo contents (NUL-separated key=value), or NULL. */
const char *modinfo_find(const char *data, size_t size, const char *key);
/* The value of key in the module's .modinfo, or NULL. */
const char *modinfo_get(const struct elf_file *elf, const char *key);
bool module_is_livepatch(const struct elf_file *elf);
/* The runtime name (name= in .modinfo); NULL when modpost has not run. */
const char *module_name(const struct elf_file *elf);

/* Does __versions have an entry (a CRC modpost found, i.e. an export)? */
bool module_has_versions(const struct elf_file *elf);
bool module_versions_has(const struct elf_file *elf, const char *name);

/* Does the file end with a module signature (scripts/sign-file)? */
bool module_is_signed(const struct elf_file *elf);

#endif
