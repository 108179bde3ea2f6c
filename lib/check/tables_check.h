/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_TABLES_CHECK_H
#define KLP_TABLES_CHECK_H

#include "base/report.h"
#include "elf/elf_file.h"
#include "patch/klp_tables.h"
#include "symbols/symmap.h"

/*
 * Check tables already read against map (NULL: structure only). Returns the
 * number of errors added.
 */
unsigned int klp_tables_check(const struct klp_tables *t, struct elf_file *elf,
			      const struct symmap *map, struct check_report *rep);

#endif
