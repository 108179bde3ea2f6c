// SPDX-License-Identifier: GPL-2.0-only
/*
 * klp-symbols' own reader of target modules (.ko files of the kernel being
 * patched), and what klp-symbols does next with its symbols (symlist_to_map). The first input byte picks the file name's suffix, so the
 * xz, zstd and gzip paths are reached too.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "common.h"
#include "symbols/module_reader.h"
#include "symbols/symlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "mod.ko", "mod.ko.xz", "mod.ko.zst", "mod.ko.gz" };
	const char *path;
	struct module_file mf = { 0 };
	struct symmap *map;
	int fd;

	if (!size)
		return 0;
	path = fuzz_output(names[data[0] & 3]);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1) || close(fd))
		FUZZ_BUG("cannot write %s", path);
	if (!module_read(path, &mf) && mf.syms.name) {
		/* A module name the reader returns must be one the map takes. */
		if (!symmap_valid_objname(mf.syms.name))
			FUZZ_BUG("module name '%s' is not a valid object name", mf.syms.name);
		map = symmap_new();
		symlist_to_map(map, &mf.syms);	/* may refuse a symbol name (reported) */
		symmap_free(map);
	}
	module_file_release(&mf);
	unlink(path);
	fuzz_check_no_leftovers();
	return 0;
}
