// SPDX-License-Identifier: GPL-2.0-only
/*
 * One lock and one condition for everything: jobs here are whole files or
 * megabytes of a map, so the lock is taken a few thousand times at most and
 * a finer scheme would buy nothing.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/util.h"
#include "base/workers.h"

#define MAX_THREADS 16

struct workers {
	workers_fn *fn;
	void *ctx;
	size_t nr, window;
	size_t next;		/* the next job to start */
	size_t consumed;	/* jobs before this one were waited for */
	bool *done;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t threads[MAX_THREADS];
	unsigned int nr_threads;
};

/* Under the lock: may a worker start job w->next now? */
static bool may_start(const struct workers *w)
{
	return !w->window || w->next - w->consumed < w->window;
}

static void *worker(void *arg)
{
	struct workers *w = arg;
	size_t i;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->next < w->nr && !may_start(w))
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->next == w->nr)
			break;
		i = w->next++;
		pthread_mutex_unlock(&w->lock);
		w->fn(w->ctx, i);
		pthread_mutex_lock(&w->lock);
		w->done[i] = true;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct workers *workers_start(size_t nr, unsigned int threads, size_t window,
			      workers_fn *fn, void *ctx)
{
	struct workers *w = xcalloc(1, sizeof(*w));

	w->fn = fn;
	w->ctx = ctx;
	w->nr = nr;
	w->window = window;
	w->done = xcalloc(nr ? nr : 1, sizeof(*w->done));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (threads > nr)
		threads = nr;
	while (w->nr_threads < threads &&
	       !pthread_create(&w->threads[w->nr_threads], NULL, worker, w))
		w->nr_threads++;
	return w;
}

void workers_wait(struct workers *w, size_t i)
{
	pthread_mutex_lock(&w->lock);
	w->consumed = i;
	pthread_cond_broadcast(&w->cond);
	/* Without threads the caller runs the jobs: the window never blocks it. */
	while (!w->nr_threads && w->next <= i) {
		size_t j = w->next++;

		pthread_mutex_unlock(&w->lock);
		w->fn(w->ctx, j);
		pthread_mutex_lock(&w->lock);
		w->done[j] = true;
	}
	while (!w->done[i])
		pthread_cond_wait(&w->cond, &w->lock);
	w->consumed = i + 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void workers_finish(struct workers *w)
{
	if (!w)
		return;
	/* A caller that stops early (an error) wants no more work done. */
	pthread_mutex_lock(&w->lock);
	w->next = w->nr;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	while (w->nr_threads)
		pthread_join(w->threads[--w->nr_threads], NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w->done);
	free(w);
}
