/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KLP_WORKERS_H
#define KLP_WORKERS_H

/*
 * A pool that runs jobs 0..nr-1 on a few threads while the caller consumes
 * their results in job order: workers_wait(w, i) returns once job i is done,
 * whatever the order the others finish in. With a window, workers start a
 * job at most window ahead of the last one waited for, so that results the
 * caller has not released yet stay few.
 */

#include <stddef.h>

struct workers;

typedef void workers_fn(void *ctx, size_t i);

/*
 * Start up to threads threads running fn(ctx, i) for every i < nr; window 0
 * means no limit. If no thread can be started, workers_wait() runs the jobs
 * on the caller's thread instead.
 */
struct workers *workers_start(size_t nr, unsigned int threads, size_t window,
			      workers_fn *fn, void *ctx);
/* Wait for job i to be done; i must not decrease from one call to the next. */
void workers_wait(struct workers *w, size_t i);
/* Wait for the jobs under way, start no other, and free the pool. */
void workers_finish(struct workers *w);

#endif
