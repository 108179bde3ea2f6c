/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_SYMVERS_READER_H
#define KLP_SYMVERS_READER_H

/*
 * Module.symvers: "CRC<TAB>NAME<TAB>MODULE<TAB>EXPORT_SYMBOL[_GPL]<TAB>NAMESPACE".
 * Marks each listed symbol MAP_EXPORTED in its object (vmlinux, or the
 * module's runtime name: the basename of MODULE with '-' as '_').
 */

struct symmap;

struct symvers_stats {
	unsigned long exports;		/* lines read */
	unsigned long marked;		/* symbols newly or already marked */
	unsigned long no_object;	/* object not in the map: skipped */
	unsigned long no_symbol;	/* object in the map, symbol not: skipped */
};

/* Errors name the file and line; -1 after one. */
int symvers_apply(struct symmap *map, const char *path, struct symvers_stats *stats);

#endif
