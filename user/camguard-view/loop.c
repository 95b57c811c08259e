// SPDX-License-Identifier: MIT
/*
 * camguard-view: SIGTERM and SIGINT, let in only while polling, and the
 * one ppoll() every wait goes through, which keeps the statistics ticking
 * and ends the wait when the program is to stop.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

#include "view.h"

volatile sig_atomic_t view_stop_signal;

static void on_signal(int sig)
{
	view_stop_signal = sig;
}

bool view_done(struct view *v)
{
	return view_stop_signal || v->frames_reached ||
	       (v->end_ms && view_mono_ms() >= v->end_ms);
}

/*
 * Wait until @fd (-1: none) has @events, keeping the statistics ticking.
 * Returns the revents (> 0), -ETIMEDOUT at @deadline (0: none),
 * -ECANCELED when the program is to stop, or -errno.
 */
int view_wait(struct view *v, int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		int64_t now = view_mono_ms(), wake = v->next_tick_ms;
		struct timespec ts;
		int n;

		view_tick(v, now);
		if (view_done(v))
			return -ECANCELED;
		if (deadline && now >= deadline)
			return -ETIMEDOUT;
		if (deadline && deadline < wake)
			wake = deadline;
		if (v->end_ms && v->end_ms < wake)
			wake = v->end_ms;
		if (wake < now)
			wake = now;
		ts.tv_sec = (wake - now) / 1000;
		ts.tv_nsec = (wake - now) % 1000 * 1000000;
		/* SIGTERM and SIGINT are blocked except in here: no race. */
		n = ppoll(&pfd, fd >= 0 ? 1 : 0, &ts, &v->wait_mask);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			return pfd.revents;
	}
}

void view_setup_signals(struct view *v)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Delivered only inside ppoll(), so a stop is never missed. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &v->wait_mask);
	sigdelset(&v->wait_mask, SIGTERM);
	sigdelset(&v->wait_mask, SIGINT);
}
