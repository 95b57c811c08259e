// SPDX-License-Identifier: GPL-2.0
/*
 * cg-chanwatch: a camguard channel of the calling user, attached to one
 * camera, for the guest tests (tests/guest/drivers.sh). Run as a user who
 * does not own the camera's stream, it shows the kernel withholding every
 * frame from a stranger's channel: it counts the frame events it receives
 * (none is the point) and says whether, and why, it was revoked.
 *
 *   cg-chanwatch CAMERA SECONDS
 *
 * prints "attached channel N to camera C" once attached (the tests wait
 * for that line before they stream), then, after SECONDS, at SIGTERM or
 * at a revocation, "frames N revoked REASON" (REASON "none" if it was
 * not).
 * Exit status 0, 1 when a netlink request fails, 2 for bad arguments.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgnl.h"

struct watch {
	uint32_t chan;
	uint32_t cam;
	unsigned long frames;
	int revoked;		/* reason + 1, 0 while not revoked */
};

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int event(uint8_t cmd, struct nlattr **a, void *arg)
{
	struct watch *w = arg;

	if (cmd == CAMGUARD_CMD_FRAME) {
		w->frames++;
	} else if (cmd == CAMGUARD_CMD_CHAN_REVOKED) {
		w->revoked = 1 + (int)(a[CAMGUARD_A_REASON] ?
				       nla_get_u32(a[CAMGUARD_A_REASON]) : 0);
		return NL_STOP;
	}
	return 0;
}

int main(int argc, char **argv)
{
	/* The key only MACs the events: any fixed one will do here. */
	static const uint8_t key[CAMGUARD_KEY_LEN] = { 0x63, 0x77 };
	struct watch w = { 0 };
	struct cg_nl nl;
	long end, left;
	char *e1, *e2;
	unsigned long cam, secs;
	int ret;

	if (argc != 3)
		goto usage;
	errno = 0;
	cam = strtoul(argv[1], &e1, 10);
	secs = strtoul(argv[2], &e2, 10);
	if (errno || *e1 || *e2 || e1 == argv[1] || e2 == argv[2] ||
	    cam > 65535 || !secs || secs > 3600)
		goto usage;
	w.cam = (uint32_t)cam;

	if (cg_nl_open(&nl) < 0) {
		fprintf(stderr, "cg-chanwatch: %s\n", nl.errmsg);
		return 1;
	}
	/* Events that come before the attach's ack are counted too. */
	nl.event_fn = event;
	nl.event_arg = &w;
	ret = cg_nl_chan_new(&nl, "cg-chanwatch", key, 0, &w.chan);
	if (!ret)
		ret = cg_nl_chan_attach(&nl, w.chan, w.cam);
	if (ret) {
		fprintf(stderr, "cg-chanwatch: camera %u: %s\n", w.cam,
			nl.errmsg[0] ? nl.errmsg : strerror(-ret));
		cg_nl_close(&nl);
		return 1;
	}
	/* No SA_RESTART: SIGTERM ends the wait in poll() at once. */
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_term }, NULL);
	printf("attached channel %u to camera %u\n", w.chan, w.cam);
	fflush(stdout);

	end = now_ms() + (long)secs * 1000L;
	while (!stop && !w.revoked && (left = end - now_ms()) > 0) {
		ret = cg_nl_recv_events(&nl, (int)left, event, &w);
		if (ret < 0 && ret != -ENOBUFS && ret != -EINTR) {
			fprintf(stderr, "cg-chanwatch: %s\n", nl.errmsg);
			cg_nl_close(&nl);
			return 1;
		}
	}
	printf("frames %lu revoked %s\n", w.frames,
	       w.revoked ? cg_nl_reason_name((uint32_t)w.revoked - 1) : "none");
	cg_nl_close(&nl);
	return 0;
usage:
	fprintf(stderr, "usage: cg-chanwatch CAMERA SECONDS\n");
	return 2;
}
