// SPDX-License-Identifier: GPL-2.0
/*
 * camguard channel lifetime: revocation on detach, delete, socket close,
 * camera disconnect (injected and sysfs unbind); the owner killed in the
 * middle of a stream; a new socket on a dead socket's port id; concurrent
 * queue and channel operations; a reader too slow for its events.
 *
 * Run as root with camguard loaded (cameras >= 2). Camera 1 is
 * disconnected and rebound by the disconnect tests.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>

#include "cg_test.h"

FIXTURE(ch) {
	struct cg_nl nl;	/* root */
};

FIXTURE_SETUP(ch)
{
	self->nl.fd = -1;
	CG_NEED(2);
	ASSERT_EQ(0, cg_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(ch)
{
	struct cg_cam c;

	if (self->nl.fd >= 0)
		cg_nl_close(&self->nl);
	/* leave camera 1 usable for whatever runs next */
	if (cg_wait_node(1, 100)) {
		cg_rebind(1);
	} else if (!cg_cam_open(&c, 1)) {
		/* no disconnect left armed by a test that failed before it */
		cg_cam_set_ctrl(&c, CG_CID_DISCONNECT_AFTER, 0);
		cg_cam_close(&c);
	}
}

/* ---- detach and delete revoke ------------------------------------------------ */

static int revoke_child(void *arg, int ctl)
{
	bool detach = (bool)(uintptr_t)arg;
	struct cg_msg *ev = malloc(sizeof(*ev));
	struct cg_chan_info ci;
	struct cg_nl nl;
	uint32_t id, want;
	int ret;

	(void)ctl;
	CK(ev && !cg_nl_open(&nl), "netlink");
	CK(!cg_chan_new(&nl, "r", NULL, CG_NO_FLAGS, &id, NULL), "CHAN_NEW");
	CK(!cg_chan_attach(&nl, id, 1), "attach: %s", nl.ext_msg);
	ret = detach ? cg_chan_detach(&nl, id) : cg_chan_del(&nl, id);
	CK(!ret, "%s: %d (%s)", detach ? "DETACH" : "DEL", ret, nl.ext_msg);
	ret = cg_nl_event_cmd(&nl, CAMGUARD_CMD_CHAN_REVOKED, cg_tmo(5000), ev);
	CK(ret == 1, "no CHAN_REVOKED (%d)", ret);
	want = detach ? CAMGUARD_REASON_DETACHED : CAMGUARD_REASON_DELETED;
	CK(cg_msg_u32(ev, CAMGUARD_A_CHAN_ID) == id, "revoked channel %u, want %u",
	   cg_msg_u32(ev, CAMGUARD_A_CHAN_ID), id);
	CK(cg_msg_u32(ev, CAMGUARD_A_REASON) == want, "reason %u, want %u",
	   cg_msg_u32(ev, CAMGUARD_A_REASON), want);
	ret = cg_nl_event(&nl, 300, ev);
	CK(ret == 0, "another event after the revocation: %s", ret == 1 ? cg_cmd_name(ev->cmd) : "error");
	ret = cg_chan_find(&nl, id, &ci);
	CK(ret == 0, "the channel is still listed (%d)", ret);
	CK(cg_chan_attach(&nl, id, 1) == -ENOENT, "attach of a dead channel");
	CK(cg_chan_detach(&nl, id) == -ENOENT, "detach of a dead channel");
	CK(cg_chan_del(&nl, id) == -ENOENT, "delete of a dead channel");
	cg_nl_close(&nl);
	free(ev);
	return 0;
}

TEST_F_TIMEOUT(ch, detach_revokes, 60)
{
	struct cg_proc p;

	ASSERT_EQ(0, cg_spawn(&p, &cg_a, revoke_child, (void *)(uintptr_t)true));
	EXPECT_CHILD_OK(&p, 30000);
}

TEST_F_TIMEOUT(ch, delete_revokes, 60)
{
	struct cg_proc p;

	ASSERT_EQ(0, cg_spawn(&p, &cg_a, revoke_child, (void *)(uintptr_t)false));
	EXPECT_CHILD_OK(&p, 30000);
}

static int close_child(void *arg, int ctl)
{
	struct cg_ctl m = { .op = 'C' };
	struct cg_nl nl;
	uint32_t id;
	int i;

	(void)arg;
	CK(!cg_nl_open(&nl), "netlink");
	for (i = 0; i < 3; i++) {
		CK(!cg_chan_new(&nl, "c", NULL, CG_NO_FLAGS, &id, NULL), "CHAN_NEW");
		CK(!cg_chan_attach(&nl, id, (uint32_t)(i % 2)), "attach: %s", nl.ext_msg);
		m.v[i] = id;
	}
	cg_ctl_send(ctl, &m, -1);
	return 0;	/* exit closes the socket */
}

TEST_F_TIMEOUT(ch, socket_close_releases_channels, 60)
{
	struct cg_chan_info ci;
	struct cg_proc p;
	struct cg_ctl m;
	int i;

	ASSERT_EQ(0, cg_spawn(&p, &cg_a, close_child, NULL));
	ASSERT_EQ(0, cg_expect(p.ctl, 'C', &m, cg_tmo(20000)));
	ASSERT_CHILD_OK(&p, 20000);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, cg_chan_find(&self->nl, (uint32_t)m.v[i], &ci));
}

/* ---- the owner dies in the middle of a stream ---------------------------------- */

/* A second process of the owner: a channel with stream events. */
static int watcher_child(void *arg, int ctl)
{
	struct cg_msg *ev = malloc(sizeof(*ev));
	struct cg_ctl m = { .op = 'A' };
	struct cg_nl nl;
	uint32_t id;
	uint64_t start = 0;
	int ret;

	(void)arg;
	CK(ev && !cg_nl_open(&nl), "netlink");
	CK(!cg_chan_new(&nl, "watch", NULL, CAMGUARD_CHAN_F_STREAM_EVENTS, &id, NULL), "CHAN_NEW");
	ret = cg_chan_attach(&nl, id, 0);
	CK(!ret, "attach to the idle camera: %d (%s)", ret, nl.ext_msg);
	m.v[0] = id;
	cg_ctl_send(ctl, &m, -1);
	for (;;) {
		ret = cg_nl_event(&nl, cg_tmo(60000), ev);
		CK(ret == 1, "waiting for STREAM_START/STOP: %d", ret);
		if (ev->cmd == CAMGUARD_CMD_STREAM_START && !start) {
			start = cg_msg_u64(ev, CAMGUARD_A_STREAM_ID);
		} else if (ev->cmd == CAMGUARD_CMD_STREAM_STOP && start &&
			   cg_msg_u64(ev, CAMGUARD_A_STREAM_ID) == start) {
			break;
		} else if (ev->cmd == CAMGUARD_CMD_CHAN_REVOKED) {
			CK(false, "the watcher's channel was revoked (reason %u)",
			   cg_msg_u32(ev, CAMGUARD_A_REASON));
		}
	}
	m.op = 'T';
	m.v[0] = (int64_t)start;
	cg_ctl_send(ctl, &m, -1);
	CK(!cg_expect(ctl, 'Q', NULL, cg_tmo(120000)), "no quit");
	/* still alive and attached */
	CK(cg_chan_detach(&nl, id) == 0, "detach after the owner's death: %s", nl.ext_msg);
	cg_nl_close(&nl);
	free(ev);
	return 0;
}

TEST_F_TIMEOUT(ch, owner_killed_mid_stream, 180)
{
	struct cg_stream_opts o;
	struct cg_stream_info si;
	struct cg_chan_info ci;
	struct cg_proc w, s;
	struct cg_ctl m;
	uint32_t wchan;
	uint64_t sid;
	int i, ret;

	ASSERT_EQ(0, cg_spawn(&w, &cg_a, watcher_child, NULL));
	ASSERT_EQ(0, cg_expect(w.ctl, 'A', &m, cg_tmo(20000)));
	wchan = (uint32_t)m.v[0];
	cg_stream_opts_init(&o, 0, &cg_a);
	o.pause = true;
	o.frames = 1000;	/* it never gets there */
	ASSERT_EQ(0, cg_spawn(&s, &cg_a, cg_streamer_child, &o));
	ASSERT_EQ(0, cg_expect(s.ctl, 'S', &m, cg_tmo(30000)));
	sid = (uint64_t)m.v[0];
	cg_say(s.ctl, 'G', 0);
	cg_sleep_ms(cg_tmo(1000));
	ASSERT_EQ(1, cg_stream_of(&self->nl, 0, &si));
	EXPECT_EQ(sid, si.id);
	EXPECT_TRUE(si.streaming);
	cg_kill(&s, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, cg_reap(&s, cg_tmo(20000)));
	/* stream gone, streamer's channel gone, watcher's still there */
	for (i = 0; i < 50; i++) {
		ret = cg_stream_of(&self->nl, 0, &si);
		if (ret == 0)
			break;
		cg_sleep_ms(100);
	}
	EXPECT_EQ(0, ret) TH_LOG("stream %llu still listed after its owner died",
				 (unsigned long long)si.id);
	ASSERT_EQ(0, cg_expect(w.ctl, 'T', &m, cg_tmo(30000)));
	EXPECT_EQ(sid, (uint64_t)m.v[0]);
	ASSERT_EQ(1, cg_chan_find(&self->nl, wchan, &ci));
	EXPECT_EQ(0, ci.cam);
	EXPECT_EQ(1, cg_chan_get(&self->nl, NULL, 0)) TH_LOG("the dead owner's channel is left");
	/* the camera works for someone else */
	cg_stream_opts_init(&o, 0, &cg_b);
	o.frames = 3;
	ASSERT_EQ(0, cg_spawn(&s, &cg_b, cg_streamer_child, &o));
	ASSERT_EQ(0, cg_expect(s.ctl, 'R', &m, cg_tmo(60000)));
	EXPECT_EQ(3, m.v[2]);
	EXPECT_CHILD_OK(&s, 20000);
	cg_say(w.ctl, 'Q', 0);
	EXPECT_CHILD_OK(&w, 20000);
}

/* ---- port id reuse --------------------------------------------------------------- */

/* uid A: a channel on camera 0 (whose stream is A's); reports its port id. */
static int portid_helper_child(void *arg, int ctl)
{
	struct cg_msg *ev = malloc(sizeof(*ev));
	struct cg_ctl m = { .op = 'P' };
	struct cg_nl nl;
	uint32_t id;
	int ret;

	(void)arg;
	CK(ev && !cg_nl_open(&nl), "netlink");
	CK(!cg_chan_new(&nl, "helper", NULL, CG_NO_FLAGS, &id, NULL), "CHAN_NEW");
	ret = cg_chan_attach(&nl, id, 0);
	CK(!ret, "attach: %d (%s)", ret, nl.ext_msg);
	/* frames are flowing to us */
	ret = cg_nl_event_cmd(&nl, CAMGUARD_CMD_FRAME, cg_tmo(10000), ev);
	CK(ret == 1, "the helper gets no frames (%d)", ret);
	m.v[0] = nl.portid;
	m.v[1] = id;
	cg_ctl_send(ctl, &m, -1);
	pause();	/* killed */
	return 1;
}

/* uid B: bind the port id as soon as it is free; count what arrives. */
static int portid_taker_child(void *arg, int ctl)
{
	struct cg_msg *ev = malloc(sizeof(*ev));
	struct cg_ctl m;
	int listen_ms = (int)(intptr_t)arg;

	CK(ev, "malloc");
	for (;;) {
		struct cg_nl nl;
		int64_t deadline;
		int ret, got = 0, frames = 0;

		ret = cg_ctl_recv(ctl, &m, NULL, cg_tmo(120000));
		CK(!ret, "ctl: %d", ret);
		if (m.op == 'Q')
			break;
		CK(m.op == 'P', "op %c", m.op);
		deadline = cg_now_ms() + cg_tmo(5000);
		while ((ret = cg_nl_open_port(&nl, (uint32_t)m.v[0])) == -EADDRINUSE &&
		       cg_now_ms() < deadline)
			;
		CK(!ret, "bind to port id %lld: %d (%s)", (long long)m.v[0], ret, strerror(-ret));
		cg_say(ctl, 'B', 0);
		deadline = cg_now_ms() + listen_ms;
		while (cg_now_ms() < deadline) {
			ret = cg_nl_event(&nl, (int)(deadline - cg_now_ms()), ev);
			if (ret <= 0)
				break;
			got++;
			if (ev->cmd == CAMGUARD_CMD_FRAME)
				frames++;
			cg_log("port id %u reused by uid %u received %s (channel %u)", nl.portid,
			       getuid(), cg_cmd_name(ev->cmd), cg_msg_u32(ev, CAMGUARD_A_CHAN_ID));
		}
		cg_nl_close(&nl);
		m.op = 'N';
		m.v[0] = got;
		m.v[1] = frames;
		cg_ctl_send(ctl, &m, -1);
	}
	free(ev);
	return 0;
}

TEST_F_TIMEOUT(ch, reused_portid_gets_nothing, 300)
{
	struct cg_stream_opts o;
	struct cg_chan_info ci;
	struct cg_proc s, h, t;
	struct cg_ctl m;
	int round, rounds = 6;

	/* A streams camera 0 for the whole test */
	cg_stream_opts_init(&o, 0, &cg_a);
	o.pause = true;
	o.frames = 100000;
	ASSERT_EQ(0, cg_spawn(&s, &cg_a, cg_streamer_child, &o));
	ASSERT_EQ(0, cg_expect(s.ctl, 'S', &m, cg_tmo(30000)));
	cg_say(s.ctl, 'G', 0);
	ASSERT_EQ(0, cg_spawn(&t, &cg_b, portid_taker_child, (void *)(intptr_t)cg_tmo(1500)));
	for (round = 0; round < rounds; round++) {
		uint32_t portid, hchan;

		ASSERT_EQ(0, cg_spawn(&h, &cg_a, portid_helper_child, NULL));
		ASSERT_EQ(0, cg_expect(h.ctl, 'P', &m, cg_tmo(30000)));
		portid = (uint32_t)m.v[0];
		hchan = (uint32_t)m.v[1];
		/* the taker spins on bind while the helper dies */
		m.op = 'P';
		m.v[0] = portid;
		ASSERT_EQ(0, cg_ctl_send(t.ctl, &m, -1));
		cg_kill(&h, SIGKILL);
		EXPECT_EQ(128 + SIGKILL, cg_reap(&h, cg_tmo(10000)));
		ASSERT_EQ(0, cg_expect(t.ctl, 'B', &m, cg_tmo(30000)));
		ASSERT_EQ(0, cg_expect(t.ctl, 'N', &m, cg_tmo(30000)));
		EXPECT_EQ(0, m.v[0]) TH_LOG("round %d: the socket that took port id %u got %lld messages (%lld FRAME)",
					    round, portid, (long long)m.v[0], (long long)m.v[1]);
		EXPECT_EQ(0, cg_chan_find(&self->nl, hchan, &ci));
	}
	cg_say(t.ctl, 'Q', 0);
	EXPECT_CHILD_OK(&t, 20000);
	cg_kill(&s, SIGKILL);
	cg_reap(&s, cg_tmo(10000));
}

/* ---- concurrency ------------------------------------------------------------------ */

struct race {
	struct cg_cam cam;	/* shared by the queue threads */
	atomic_bool stop;
	atomic_long ops, errors;
	int seed;
};

static void *race_queue(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		struct v4l2_buffer b;
		int i;

		if (cg_cam_reqbufs(&r->cam, 8, V4L2_MEMORY_MMAP) < 8)
			continue;
		for (i = 0; i < 8; i++)
			cg_cam_qbuf(&r->cam, (unsigned int)i);
		cg_cam_streamon(&r->cam);
		for (i = 0; i < 2; i++)
			if (!cg_cam_dqbuf(&r->cam, &b, 100))
				cg_cam_qbuf(&r->cam, b.index);
		cg_cam_streamoff(&r->cam);
		cg_cam_reqbufs(&r->cam, 0, V4L2_MEMORY_MMAP);
		atomic_fetch_add(&r->ops, 1);
	}
	return NULL;
}

static void *race_stop(void *arg)
{
	struct race *r = arg;
	unsigned int seed = (unsigned int)r->seed;

	while (!atomic_load(&r->stop)) {
		if (rand_r(&seed) % 2)
			cg_cam_streamoff(&r->cam);
		else
			cg_cam_reqbufs(&r->cam, 0, V4L2_MEMORY_MMAP);
		usleep(rand_r(&seed) % 3000);
		atomic_fetch_add(&r->ops, 1);
	}
	return NULL;
}

static void *race_chan(void *arg)
{
	struct race *r = arg;
	struct cg_nl nl;
	unsigned int seed = (unsigned int)r->seed + 1;

	if (cg_nl_open(&nl)) {
		atomic_fetch_add(&r->errors, 1);
		return NULL;
	}
	while (!atomic_load(&r->stop)) {
		uint32_t id;
		int ret;

		ret = cg_chan_new(&nl, "race", NULL, CAMGUARD_CHAN_F_STREAM_EVENTS, &id, NULL);
		if (ret) {
			if (ret != -ENOSPC)
				atomic_fetch_add(&r->errors, 1);
			cg_nl_drain(&nl);
			continue;
		}
		ret = cg_chan_attach(&nl, id, 0);
		/* EACCES is fine: someone else's stream may be on */
		if (ret && ret != -EACCES && ret != -ENOSPC)
			atomic_fetch_add(&r->errors, 1);
		if (rand_r(&seed) % 2)
			ret = cg_chan_detach(&nl, id);
		ret = cg_chan_del(&nl, id);
		cg_nl_drain(&nl);
		atomic_fetch_add(&r->ops, 1);
	}
	cg_nl_close(&nl);
	return NULL;
}

static void *race_dump(void *arg)
{
	struct race *r = arg;
	struct cg_stream_info si[8];
	struct cg_msg m;
	struct cg_nl nl;

	if (cg_nl_open(&nl)) {
		atomic_fetch_add(&r->errors, 1);
		return NULL;
	}
	while (!atomic_load(&r->stop)) {
		if (cg_chan_get(&nl, NULL, 0) < 0 || cg_stream_get(&nl, si, 8) < 0 ||
		    cg_cam_get(&nl, 0, &m))
			atomic_fetch_add(&r->errors, 1);
		cg_nl_drain(&nl);
		atomic_fetch_add(&r->ops, 1);
	}
	cg_nl_close(&nl);
	return NULL;
}

static void *race_other_fd(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		struct cg_cam c;

		if (cg_cam_open(&c, 0)) {
			atomic_fetch_add(&r->errors, 1);
			continue;
		}
		if (cg_cam_reqbufs(&c, 8, V4L2_MEMORY_MMAP) >= 8) {
			cg_cam_queue_all(&c);
			cg_cam_streamon(&c);
			usleep(2000);
		}
		cg_cam_close(&c);
		atomic_fetch_add(&r->ops, 1);
	}
	return NULL;
}

static int race_child(void *arg, int ctl)
{
	int secs = (int)(intptr_t)arg;
	struct race r = { 0 };
	void *(*fns[])(void *) = { race_queue, race_stop, race_stop, race_chan, race_chan,
				   race_dump, race_other_fd };
	pthread_t th[sizeof(fns) / sizeof(fns[0])];
	struct cg_ctl m = { .op = 'R' };
	unsigned int i;

	r.seed = getpid();
	CK(!cg_cam_open(&r.cam, 0), "open");
	/* EBUSY when the other process owns the queue: keep its format */
	cg_cam_set_fmt(&r.cam, 160, 120, 0, 0);
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		CK(!pthread_create(&th[i], NULL, fns[i], &r), "pthread_create");
	cg_sleep_ms(secs * 1000);
	atomic_store(&r.stop, true);
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		pthread_join(th[i], NULL);
	cg_cam_stop(&r.cam);
	cg_cam_close(&r.cam);
	m.v[0] = atomic_load(&r.ops);
	m.v[1] = atomic_load(&r.errors);
	cg_ctl_send(ctl, &m, -1);
	return 0;
}

TEST_F_TIMEOUT(ch, concurrent_queue_and_channel_ops, 240)
{
	struct cg_stream_opts o;
	struct cg_stream_info si;
	struct cg_proc a, b;
	struct cg_ctl m;
	int secs = 4 * cg_scale();

	/* the same owner in one process (threads), another owner beside it */
	ASSERT_EQ(0, cg_spawn(&a, &cg_a, race_child, (void *)(intptr_t)secs));
	ASSERT_EQ(0, cg_spawn(&b, &cg_b, race_child, (void *)(intptr_t)secs));
	ASSERT_EQ(0, cg_expect(a.ctl, 'R', &m, cg_tmo(120000)));
	TH_LOG("uid A: %lld operations, %lld unexpected errors", (long long)m.v[0],
	       (long long)m.v[1]);
	EXPECT_LT(0, m.v[0]);
	EXPECT_EQ(0, m.v[1]);
	ASSERT_EQ(0, cg_expect(b.ctl, 'R', &m, cg_tmo(120000)));
	TH_LOG("uid B: %lld operations, %lld unexpected errors", (long long)m.v[0],
	       (long long)m.v[1]);
	EXPECT_EQ(0, m.v[1]);
	EXPECT_CHILD_OK(&a, 30000);
	EXPECT_CHILD_OK(&b, 30000);
	/* consistent afterwards: nothing left, and a clean stream works */
	EXPECT_EQ(0, cg_stream_of(&self->nl, 0, &si));
	EXPECT_EQ(0, cg_chan_get(&self->nl, NULL, 0));
	cg_stream_opts_init(&o, 0, &cg_c);
	o.frames = 4;
	ASSERT_EQ(0, cg_spawn(&a, &cg_c, cg_streamer_child, &o));
	ASSERT_EQ(0, cg_expect(a.ctl, 'R', &m, cg_tmo(60000)));
	EXPECT_EQ(4, m.v[2]);
	EXPECT_CHILD_OK(&a, 20000);
}

/* ---- camera disconnect ------------------------------------------------------------ */

/*
 * In the child: stream camera 1 until it goes (the test has armed
 * "Disconnect After Frames", which is root's alone, or unbinds the
 * device); expect the revocation.
 */
static int disconnect_child(void *arg, int ctl)
{
	struct cg_msg *ev = malloc(sizeof(*ev));
	struct cg_ctl m = { .op = 'S' };
	struct cg_nl nl;
	struct cg_cam cam;
	int revoked = 0;	/* 1: CHAN_REVOKED is in ev */
	uint32_t id;
	int i, ret, err = 0;

	(void)arg;
	CK(ev && !cg_nl_open(&nl), "netlink");
	CK(!cg_chan_new(&nl, "d", NULL, CG_NO_FLAGS, &id, NULL), "CHAN_NEW");
	CK(!cg_chan_attach(&nl, id, 1), "attach: %s", nl.ext_msg);
	CK(!cg_cam_open(&cam, 1), "open camera 1");
	CK(!cg_cam_set_fmt(&cam, 160, 120, 0, 0), "S_FMT");
	CK(!cg_cam_start(&cam, 8), "start");
	m.v[0] = id;
	cg_ctl_send(ctl, &m, -1);
	for (i = 0; i < 1000; i++) {
		struct v4l2_buffer b;

		ret = cg_cam_dqbuf(&cam, &b, cg_tmo(5000));
		if (ret || (b.flags & V4L2_BUF_FLAG_ERROR)) {
			err = ret ? ret : -EIO;
			break;
		}
		cg_cam_qbuf(&cam, b.index);
		/* Keep up with the events, as a display would. */
		if (!revoked)
			revoked = cg_nl_event_cmd(&nl, CAMGUARD_CMD_CHAN_REVOKED, 0, ev);
		CK(revoked >= 0, "reading events: %s", strerror(-revoked));
	}
	CK(err, "camera 1 never stopped");
	cg_log("the stream ended with %s after %d frames", strerror(-err), i);
	if (!revoked)
		revoked = cg_nl_event_cmd(&nl, CAMGUARD_CMD_CHAN_REVOKED, cg_tmo(10000), ev);
	CK(revoked == 1, "no CHAN_REVOKED after the disconnect (%d; %ld events refused by the socket)",
	   revoked, cg_nl_sock_drops(&nl));
	CK(cg_msg_u32(ev, CAMGUARD_A_CHAN_ID) == id, "revoked %u",
	   cg_msg_u32(ev, CAMGUARD_A_CHAN_ID));
	CK(cg_msg_u32(ev, CAMGUARD_A_REASON) == CAMGUARD_REASON_CAMERA_GONE,
	   "reason %u, want CAMERA_GONE", cg_msg_u32(ev, CAMGUARD_A_REASON));
	CK(cg_chan_attach(&nl, id, 1) == -ENOENT, "the revoked channel can be attached");
	cg_cam_stop(&cam);
	cg_cam_close(&cam);
	cg_nl_close(&nl);
	free(ev);
	return 0;
}

static void disconnect_test(struct __test_metadata *_metadata, struct cg_nl *nl,
			    bool by_control)
{
	struct cg_stream_opts o;
	struct cg_stream_info si;
	struct cg_chan_info ci;
	struct cg_proc p;
	struct cg_msg cam;
	struct cg_ctl m;
	struct cg_cam c;
	int ret;

	if (by_control) {
		/* the next stream of camera 1 disconnects after 5 frames */
		ASSERT_EQ(0, cg_cam_open(&c, 1));
		ret = cg_cam_set_ctrl(&c, CG_CID_DISCONNECT_AFTER, 5);
		cg_cam_close(&c);
		ASSERT_EQ(0, ret) TH_LOG("root setting Disconnect After Frames on idle camera 1: %s",
					 strerror(-ret));
	}
	ASSERT_EQ(0, cg_spawn(&p, &cg_a, disconnect_child, NULL));
	ASSERT_EQ(0, cg_expect(p.ctl, 'S', &m, cg_tmo(30000)));
	if (!by_control) {
		cg_sleep_ms(cg_tmo(500));
		ASSERT_EQ(0, cg_write_file("/sys/bus/platform/drivers/camguard/unbind", "camguard.1"));
	}
	EXPECT_CHILD_OK(&p, 60000);
	EXPECT_EQ(0, cg_chan_find(nl, (uint32_t)m.v[0], &ci));
	EXPECT_EQ(0, cg_stream_of(nl, 1, &si));
	EXPECT_EQ(-ENOENT, cg_cam_get(nl, 1, &cam)) TH_LOG("the disconnected camera is still listed");
	/* back: same id, and it streams */
	ASSERT_EQ(0, cg_rebind(1));
	ASSERT_EQ(0, cg_cam_get(nl, 1, &cam));
	cg_stream_opts_init(&o, 1, &cg_a);
	o.frames = 3;
	ASSERT_EQ(0, cg_spawn(&p, &cg_a, cg_streamer_child, &o));
	ASSERT_EQ(0, cg_expect(p.ctl, 'R', &m, cg_tmo(60000)));
	EXPECT_CHILD_OK(&p, 20000);
}

TEST_F_TIMEOUT(ch, disconnect_by_control_revokes, 180)
{
	disconnect_test(_metadata, &self->nl, true);
}

TEST_F_TIMEOUT(ch, disconnect_by_unbind_revokes, 180)
{
	disconnect_test(_metadata, &self->nl, false);
}

/* ---- a slow reader ----------------------------------------------------------- */

#define SLOW_RCVBUF	16384	/* asked; the kernel doubles it */
#define SLOW_FRAMES	64	/* captured while nothing is read */
#define SLOW_KEPT_MIN	16	/* frame events a 32 KiB buffer must hold */
#define SLOW_AFTER	16	/* captured while reading again */

/* The FRAME events on @nl now, for at most @timeout_ms; or -errno. */
static int frame_events(struct cg_nl *nl, int timeout_ms, struct cg_msg *ev,
			uint32_t *last_seq)
{
	struct camguard_frame_tag tag;
	int n = 0, ret;

	while ((ret = cg_nl_event_cmd(nl, CAMGUARD_CMD_FRAME, timeout_ms, ev)) == 1) {
		if (!cg_frame_tag(ev, &tag))
			*last_seq = le32toh(tag.sequence);
		n++;
		timeout_ms = 0;
	}
	return ret < 0 ? ret : n;
}

/*
 * In the child: capture goes on while the reader reads nothing; its lost
 * events are counted; once it reads again it gets every new frame's event.
 */
static int slow_reader_child(void *arg, int ctl)
{
	struct cg_msg *ev = malloc(sizeof(*ev));
	struct cg_stream_info si;
	struct cg_chan_info ci;
	struct v4l2_buffer b;
	struct cg_cam cam;
	struct cg_nl nl;
	int rcv = SLOW_RCVBUF, i, kept, read_after = 0, n;
	socklen_t sl = sizeof(rcv);
	uint32_t id, seq = 0, last_seq = UINT32_MAX;

	(void)arg;
	(void)ctl;
	CK(ev && !cg_nl_open(&nl), "netlink");
	CK(!setsockopt(nl.fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)), "SO_RCVBUF");
	CK(!getsockopt(nl.fd, SOL_SOCKET, SO_RCVBUF, &rcv, &sl), "SO_RCVBUF");
	CK(!cg_chan_new(&nl, "s", NULL, CG_NO_FLAGS, &id, NULL), "CHAN_NEW");
	CK(!cg_chan_attach(&nl, id, 0), "attach: %s", nl.ext_msg);
	CK(!cg_cam_open(&cam, 0), "open camera 0");
	CK(!cg_cam_set_fmt(&cam, 320, 240, 0, 60), "S_FMT");
	CK(!cg_cam_start(&cam, 8), "start");
	for (i = 0; i < SLOW_FRAMES; i++) {
		CK(!cg_cam_dqbuf(&cam, &b, cg_tmo(5000)), "capture waited for the reader: DQBUF %d", i);
		CK(!cg_cam_qbuf(&cam, b.index), "QBUF");
	}
	kept = frame_events(&nl, 0, ev, &last_seq);
	CK(kept >= SLOW_KEPT_MIN, "%d frame events in a %d-byte receive buffer, want >= %d",
	   kept, rcv, SLOW_KEPT_MIN);
	for (i = 0; i < SLOW_AFTER; i++) {
		CK(!cg_cam_dqbuf(&cam, &b, cg_tmo(5000)), "DQBUF");
		seq = b.sequence;
		CK(!cg_cam_qbuf(&cam, b.index), "QBUF");
		n = frame_events(&nl, 0, ev, &last_seq);
		CK(n >= 0, "reading events: %s", strerror(-n));
		read_after += n;
	}
	/* The event of the last frame dequeued is there, as all after it. */
	while (last_seq == UINT32_MAX || last_seq < seq) {
		n = frame_events(&nl, cg_tmo(2000), ev, &last_seq);
		CK(n > 0, "no event for frame %u (last %d)", seq, (int)last_seq);
		read_after += n;
	}
	/* STREAMOFF stops the generator: every event is queued by now. */
	CK(!cg_cam_streamoff(&cam), "STREAMOFF");
	n = frame_events(&nl, 0, ev, &last_seq);
	CK(n >= 0, "reading events: %s", strerror(-n));
	read_after += n;
	CK(cg_stream_of(&nl, 0, &si) == 1, "our stream is not listed");
	CK(cg_chan_find(&nl, id, &ci) == 1, "our channel is not listed");
	cg_log("receive buffer %d bytes: %d events kept of %d frames, then %d read; "
	       "stream tagged %llu, delivered %llu, dropped %llu; socket refused %ld",
	       rcv, kept, SLOW_FRAMES, read_after, (unsigned long long)si.tagged,
	       (unsigned long long)si.delivered, (unsigned long long)si.dropped,
	       cg_nl_sock_drops(&nl));
	CK(si.dropped > 0, "nothing lost: the reader was not slow");
	CK(si.delivered == (uint64_t)(kept + read_after), "delivered %llu, read %d",
	   (unsigned long long)si.delivered, kept + read_after);
	CK(si.delivered + si.dropped == si.tagged, "tagged %llu != delivered + dropped",
	   (unsigned long long)si.tagged);
	CK(ci.delivered == si.delivered && ci.dropped == si.dropped,
	   "channel: delivered %llu dropped %llu", (unsigned long long)ci.delivered,
	   (unsigned long long)ci.dropped);
	CK(cg_nl_sock_drops(&nl) == (long)si.dropped, "the socket refused %ld",
	   cg_nl_sock_drops(&nl));
	cg_cam_stop(&cam);
	cg_cam_close(&cam);
	cg_nl_close(&nl);
	free(ev);
	return 0;
}

TEST_F_TIMEOUT(ch, slow_reader_loses_counted_events, 120)
{
	struct cg_proc p;

	ASSERT_EQ(0, cg_spawn(&p, &cg_a, slow_reader_child, NULL));
	EXPECT_CHILD_OK(&p, 90000);
}

TEST_HARNESS_MAIN
