// SPDX-License-Identifier: GPL-2.0-only
/*
 * A recursive directory walk that keeps no state of its own.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/dir_walk.h"
#include "base/util.h"

static int walk(struct dir_list *dl, const char *dir, bool (*want)(const char *name))
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int ret = 0;

	if (!d) {
		pr_err("%s: cannot open directory: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		unsigned char type = de->d_type;
		struct stat st;
		char *path;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		/* Some filesystems leave d_type unset; lstat, so that links stay links. */
		if (type == DT_UNKNOWN && !lstat(path, &st))
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : 0;
		if (type == DT_DIR) {
			ret |= walk(dl, path, want);
			free(path);
		} else if (type == DT_REG && want(de->d_name)) {
			grow_array(&dl->paths, &dl->alloc, dl->nr + 1, sizeof(*dl->paths));
			dl->paths[dl->nr++] = path;
		} else {
			free(path);
		}
	}
	closedir(d);
	return ret;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dir_list_files(struct dir_list *dl, const char *dir, bool (*want)(const char *name))
{
	int ret = walk(dl, dir, want);

	if (dl->nr)
		qsort(dl->paths, dl->nr, sizeof(*dl->paths), cmp_path);
	return ret;
}

void dir_list_release(struct dir_list *dl)
{
	size_t i;

	for (i = 0; i < dl->nr; i++)
		free(dl->paths[i]);
	free(dl->paths);
	memset(dl, 0, sizeof(*dl));
}
