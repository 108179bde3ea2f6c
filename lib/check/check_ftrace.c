// SPDX-License-Identifier: GPL-2.0-only
/*
 * available_filter_functions: one function per line, "name" for vmlinux,
 * "name [module]" for a module's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check_ftrace.h"

int ftrace_list_load(struct ftrace_list *fl, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ret = 0;

	memset(fl, 0, sizeof(*fl));
	if (!f) {
		pr_err("%s: cannot open: %m", path);
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *name = line, *mod, *end;

		fl->nr_lines++;
		if ((size_t)len != strlen(line)) {
			pr_err("%s:%zu: a NUL byte: not a copy of available_filter_functions",
			      path, fl->nr_lines);
			ret = -1;
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		name += strspn(name, " \t");
		if (!*name || *name == '#')
			continue;
		end = name + strcspn(name, " \t");
		mod = end + strspn(end, " \t");
		*end = '\0';
		if (*mod == '[') {
			char *close = strchr(mod, ']');
			char *key;

			if (!close || close == mod + 1) {
				pr_err("%s:%zu: expected \"name [module]\"", path, fl->nr_lines);
				ret = -1;
				break;
			}
			*close = '\0';
			key = xasprintf("%s\t%s", name, mod + 1);
			strset_add(&fl->names, key);
			free(key);
		} else if (*mod) {
			pr_err("%s:%zu: expected \"name\" or \"name [module]\"", path, fl->nr_lines);
			ret = -1;
			break;
		} else {
			strset_add(&fl->names, name);
		}
	}
	free(line);
	fclose(f);
	if (ret)
		ftrace_list_release(fl);
	return ret;
}

bool ftrace_list_has(const struct ftrace_list *fl, const char *object, const char *name)
{
	char *key;
	bool ret;

	if (!strcmp(object, "vmlinux"))
		return strset_has(&fl->names, name, strlen(name));
	key = xasprintf("%s\t%s", name, object);
	ret = strset_has(&fl->names, key, strlen(key));
	free(key);
	return ret;
}

void ftrace_list_release(struct ftrace_list *fl)
{
	strset_free(&fl->names);
	memset(fl, 0, sizeof(*fl));
}
