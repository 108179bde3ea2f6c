// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kpatch-macros.h markers of objects klp-build did not build: read,
 * listed, and applied to findings that name every hook and ignored
 * function, which must all go or stay without a fault.
 */
#include <stdio.h>
#include <string.h>

#include "build/kpatch.h"
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_input(NULL, 0, data, size);
	struct objdiff_result res = { 0 };
	struct kp_markers m;
	FILE *null;
	size_t i;

	if (kp_markers_read(path, "fuzz.c", &m))
		return 0;
	null = fopen("/dev/null", "w");
	if (null) {
		kp_markers_print(&m, null);
		fclose(null);
	}
	for (i = 0; i < m.nr_hooks + m.nr_ignore_funcs; i++) {
		struct fn_finding *f;

		grow_array(&res.fns, &res.alloc, res.nr + 1, sizeof(*res.fns));
		f = &res.fns[res.nr++];
		memset(f, 0, sizeof(*f));
		f->name = xstrdup(i < m.nr_hooks ? m.hooks[i].func :
				  m.ignore_funcs[i - m.nr_hooks]);
		f->change = FN_NEW;
	}
	kp_markers_apply(&m, "fuzz.c", &res, true);
	if (res.nr > m.nr_hooks)
		FUZZ_BUG("%zu findings left of %zu hooks and %zu ignored", res.nr, m.nr_hooks,
			 m.nr_ignore_funcs);
	objdiff_release(&res);
	kp_markers_release(&m);
	return 0;
}
