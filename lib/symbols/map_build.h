/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_MAP_BUILD_H
#define KLP_MAP_BUILD_H

/*
 * The symbol map of a target kernel from what describes it: a kallsyms
 * copy, vmlinux or System.map, module files and trees, Module.symvers.
 */

#include <stddef.h>

#include "symbols/symmap.h"

struct map_sources {
	const char *kallsyms, *vmlinux, *system_map;	/* at most one gives vmlinux */
	const char **module_dirs, **modules, **symvers;
	size_t nr_dirs, nr_modules, nr_symvers;
};

/*
 * Objects in the order: vmlinux, the modules of kallsyms, the given module
 * files, then each tree's modules in sorted path order. Every error is
 * printed (all failing modules first); NULL after one.
 */
struct symmap *map_build(const struct map_sources *src);

#endif
