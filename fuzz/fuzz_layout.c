// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-build's struct layout check, on DWARF it did not write: libdw
 * checks the encoding, the type graph (loops, depth, sizes) is the
 * reader's. Any object that reads compared with itself changes nothing.
 */
#include "build/layout.h"
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_input(NULL, 0, data, size);
	long n = layout_compare(path, path, "fuzz.c");

	if (n > 0)
		FUZZ_BUG("an object against itself: %ld changed layouts", n);
	return 0;
}
