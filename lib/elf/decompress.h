/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_DECOMPRESS_H
#define KLP_DECOMPRESS_H

/*
 * The compressions distributions ship kernel modules in (xz, zstd, gzip):
 * recognised by their magic, decompressed into memory. Thread-safe: errors
 * come back as strings, nothing is printed.
 */

#include <stddef.h>

enum compression {
	COMPRESSION_NONE,
	COMPRESSION_XZ,
	COMPRESSION_ZSTD,
	COMPRESSION_GZIP,
};

/* What the first bytes of a file say it is compressed with. */
enum compression compression_by_magic(const void *data, size_t size);
/* What a file name ending in .xz, .zst or .gz says. */
enum compression compression_by_name(const char *path);
/* "xz", "zstd", "gzip". */
const char *compression_name(enum compression c);
/* The file name suffix: ".xz", ".zst", ".gz". */
const char *compression_suffix(enum compression c);

/*
 * Decompress in[0..size) into a buffer (*out, *out_size) that the caller
 * gives back with decompress_release() (free() works too, reusing nothing).
 * More than 1 GiB of output is taken for a bomb and refused. On failure,
 * -1 with *err set to "<path>: <what is wrong>" and *out NULL.
 */
int decompress(const char *path, enum compression c, const char *in, size_t size,
	       char **out, size_t *out_size, char **err);
/* Done with a decompressed buffer: kept for this thread's next decompress(). */
void decompress_release(char *image);

#endif
