// SPDX-License-Identifier: GPL-2.0-only
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "base/interrupt.h"
#include "base/message.h"

static volatile sig_atomic_t got_signal;
static volatile pid_t child;
static const int signals[] = { SIGINT, SIGTERM, SIGHUP };

static void on_signal(int sig)
{
	pid_t pid = child;

	got_signal = sig;
	/*
	 * make passes SIGTERM on to its own children; a terminal's SIGINT
	 * reaches the whole process group anyway, so this one is for kill(1).
	 */
	if (pid > 0)
		kill(pid, SIGTERM);
}

void interrupt_install(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* Reads and waits resume; the code that matters checks interrupted(). */
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		struct sigaction old;

		/* A signal the caller ignores (nohup, a background job's SIGINT) stays ignored. */
		if (!sigaction(signals[i], NULL, &old) && old.sa_handler == SIG_IGN)
			continue;
		sigaction(signals[i], &sa, NULL);
	}
}

int interrupted(void)
{
	return got_signal;
}

void interrupt_child(pid_t pid)
{
	child = pid;
	/* A signal between fork() and here found no child to pass it to. */
	if (pid > 0 && got_signal)
		kill(pid, SIGTERM);
}

bool interrupt_check(void)
{
	static bool told;

	if (!got_signal)
		return false;
	if (!told)
		pr_err("interrupted by %s: stopping, removing what was made", strsignal(got_signal));
	told = true;
	return true;
}

void interrupt_reraise(void)
{
	int sig = got_signal;

	if (!sig)
		return;
	signal(sig, SIG_DFL);
	raise(sig);
}
