/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_CHECK_FTRACE_H
#define KLP_CHECK_FTRACE_H

/*
 * A copy of the target's /sys/kernel/tracing/available_filter_functions:
 * livepatch redirects a function through ftrace, so one that ftrace cannot
 * hook (notrace, no __fentry__ call) cannot be patched.
 */

#include <stdbool.h>

#include "base/util.h"

struct ftrace_list {
	struct strset names;	/* "name" for vmlinux, "name\tmodule" for a module */
	size_t nr_lines;
};

/* 0, or -1 with the error printed (unreadable, not a list). */
int ftrace_list_load(struct ftrace_list *fl, const char *path);
bool ftrace_list_has(const struct ftrace_list *fl, const char *object, const char *name);
void ftrace_list_release(struct ftrace_list *fl);

#endif
