// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ELF module reader and the converter end to end: any bytes as IN.ko,
 * converted against a small fixed map, written, and read back.
 */
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_convert(fuzz_input(NULL, 0, data, size), fuzz_map());
	return 0;
}
