/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_BUILD_LAYOUT_H
#define KLP_BUILD_LAYOUT_H

/*
 * Struct layout: a livepatch replaces code, not the objects the running
 * kernel already has, so a fix that changes the layout of a type both
 * builds define (a member added, moved, resized) would have the new code
 * read the old objects wrongly. The types are read from each object's DWARF.
 */

#include <stddef.h>

/*
 * Compare every named struct and union, and the type of every file-scope
 * variable, of orig and patched (path names the source file in messages).
 * Returns the number of changed layouts, each reported once; 0 when
 * neither object has DWARF; -1 after a message when one cannot be read.
 */
long layout_compare(const char *orig, const char *patched, const char *path);

#endif
