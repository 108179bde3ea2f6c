/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_SOURCE_RUN_H
#define KLP_SOURCE_RUN_H

#include <stdbool.h>

#include "base/util.h"

/*
 * Run argv (no shell: paths are never parsed again) with stdout and stderr
 * into out (NULL: discarded), optionally in dir. Returns the exit status,
 * 127 when it could not start, 128+N for a signal.
 */
int run_capture(const char *const *argv, const char *dir, struct strbuf *out);
/* The command in PATH (or a path), or NULL. Free it. */
char *find_in_path(const char *cmd);
int mkdir_p(const char *path);
/* Copy a regular file; 0 or -1 with errno. */
int copy_file(const char *from, const char *to);
/* The whole file as a string (NUL-terminated), or NULL with errno. */
char *read_text(const char *path);
bool path_exists(const char *path);
/* rm -rf of a directory the tool made itself. */
void remove_tree(const char *path);

#endif
