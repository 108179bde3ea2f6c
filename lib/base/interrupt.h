/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_INTERRUPT_H
#define KLP_INTERRUPT_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * SIGINT, SIGTERM and SIGHUP for tools that run compilers and keep scratch
 * trees: the signal ends the child being waited for, and the tool's own
 * error path then removes what it made, as for any failure. Dying at once
 * would leave /tmp/klp-build.* and half-built cache entries behind.
 */
void interrupt_install(void);

/* The signal received, or 0. */
int interrupted(void);

/* The child a signal is passed on to while it runs; 0 when none. */
void interrupt_child(pid_t pid);

/* Report the interruption once; true when there was one. */
bool interrupt_check(void);

/* After cleaning up: die of the signal received, so that callers see it. */
void interrupt_reraise(void);

#endif
