// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-build's unified-diff reader. A patch it accepted must come back the
 * same through the writer that feeds GNU patch: each file's hunks written
 * out and read again give the same ranges, and an accepted file the same
 * path.
 */
#include <string.h>

#include "build/diff.h"
#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct diff_file *f)
{
	struct strbuf sb = { 0 };
	struct diff back;
	size_t i;

	diff_format_file(f, &sb);
	if (diff_parse(&back, "written", sb.buf ? sb.buf : "", sb.len))
		FUZZ_BUG("a file's hunks, written out, do not parse: %.200s", sb.buf);
	if (back.nr_files != 1 || back.files[0].nr_hunks != f->nr_hunks)
		FUZZ_BUG("%zu files, %zu hunks written back: %zu files", (size_t)1, f->nr_hunks,
			 back.nr_files);
	for (i = 0; i < f->nr_hunks; i++) {
		const struct diff_hunk *a = &f->hunks[i], *b = &back.files[0].hunks[i];

		if (a->old_start != b->old_start || a->old_len != b->old_len ||
		    a->new_start != b->new_start || a->new_len != b->new_len)
			FUZZ_BUG("hunk %zu: -%lu,%lu +%lu,%lu read back as -%lu,%lu +%lu,%lu", i,
				 a->old_start, a->old_len, a->new_start, a->new_len, b->old_start,
				 b->old_len, b->new_start, b->new_len);
	}
	if (!f->refused && (strcmp(back.files[0].path, f->path) ||
			    back.files[0].change != f->change || back.files[0].refused))
		FUZZ_BUG("%s read back as %s", f->path, back.files[0].path);
	diff_release(&back);
	strbuf_release(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diff d;
	size_t i;

	if (!diff_read(&d, fuzz_input(NULL, 0, data, size))) {
		diff_check(&d);
		for (i = 0; i < d.nr_files; i++)
			if (d.files[i].nr_hunks)
				check_round_trip(&d.files[i]);
	}
	diff_release(&d);
	return 0;
}
