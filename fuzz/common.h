/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_FUZZ_COMMON_H
#define KLP_FUZZ_COMMON_H

/*
 * Shared by the libFuzzer harnesses: the readers take paths, so each input
 * goes into a memfd named by /proc/self/fd/N, and outputs go to a private
 * directory in /dev/shm that is removed at exit.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symbols/symmap.h"

/* The input as a file: a path valid until the next call. */
const char *fuzz_input(const void *prefix, size_t prefix_len, const uint8_t *data,
		       size_t size);
/* A path in the private output directory, e.g. fuzz_output("out.ko"). */
const char *fuzz_output(const char *name);
/* Fails the run (abort) when the output directory holds anything. */
void fuzz_check_no_leftovers(void);

/* The small fixed map the converter resolves against. */
const struct symmap *fuzz_map(void);

/*
 * The tool's path: read, convert, write, and read the output back, which must
 * succeed whenever the conversion did.
 */
void fuzz_convert(const char *path, const struct symmap *map);

#define FUZZ_BUG(fmt, ...) fuzz_bug(__FILE__, __LINE__, fmt, ##__VA_ARGS__)
void fuzz_bug(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

#endif
