// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-build's function-by-function comparison, on objects it did not
 * build: any object that reads compared with itself changes nothing.
 */
#include "build/extract.h"
#include "build/objdiff.h"
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_input(NULL, 0, data, size);
	struct objdiff_result res;

	if (!objdiff(path, path, "fuzz.c", KLP_KVER(6, 1), &res)) {
		if (res.nr || res.errors)
			FUZZ_BUG("an object against itself: %zu findings, %zu errors (%s)", res.nr,
				 res.errors, res.nr ? res.fns[0].name : "");
		objdiff_release(&res);
	}
	return 0;
}
