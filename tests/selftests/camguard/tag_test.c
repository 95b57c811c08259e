// SPDX-License-Identifier: GPL-2.0
/*
 * camguard frame tags: every dequeued buffer's tag names its owner (the
 * opener of the file that owns the queue), its stream and sequence, and
 * digests exactly the dequeued bytes; the MAC is HMAC-SHA256 with the
 * channel key; frames reach only channels of their owner.
 *
 * Run as root with camguard loaded (cameras >= 2); the tests take uids
 * 1000, 2000, 3000 and a user namespace themselves.
 *
 * CG_STREAM_ID_FILE: stream_ids_increase stores the largest stream id
 * it saw there, and if the file already exists checks that every new id
 * is larger (tests/guest/selftests.sh reloads the module in between).
 */
#define _GNU_SOURCE
#include <endian.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "cg_test.h"

#define CAM 0

static const uint8_t test_key[CAMGUARD_KEY_LEN] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	0xc6, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
};

/* ---- owner match: one stream, every frame checked -------------------------- */

FIXTURE(owner) {
	struct cg_nl nl;
};

FIXTURE_VARIANT(owner) {
	const struct cg_who *who;
	const uint8_t *key;
	int frames;
	int atomic_percent;	/* frames completed with interrupts off */
};

FIXTURE_VARIANT_ADD(owner, key_given) {
	.who = &cg_a, .key = test_key, .frames = 12,
};

FIXTURE_VARIANT_ADD(owner, key_from_kernel) {
	.who = &cg_a, .key = NULL, .frames = 8,
};

FIXTURE_VARIANT_ADD(owner, other_uid) {
	.who = &cg_b, .key = test_key, .frames = 5,
};

FIXTURE_VARIANT_ADD(owner, user_namespace) {
	.who = &cg_ns_a, .key = test_key, .frames = 8,
};

/*
 * Half the frames completed as from an interrupt handler: camguard defers
 * those to its work item, and the frames completed directly meanwhile
 * must wait their turn (cg_streamer checks the order of DQBUF).
 */
FIXTURE_VARIANT_ADD(owner, atomic_completion) {
	.who = &cg_a, .key = test_key, .frames = 24, .atomic_percent = 50,
};

FIXTURE_SETUP(owner)
{
	int ret;

	self->nl.fd = -1;
	CG_NEED(2);
	ASSERT_EQ(0, cg_nl_open(&self->nl));
	if (variant->atomic_percent) {
		ret = cg_root_set_ctrl(CAM, CG_CID_ATOMIC_PERCENT, variant->atomic_percent);
		ASSERT_EQ(0, ret) TH_LOG("root setting Complete Atomically %d%%: %s",
					 variant->atomic_percent, strerror(-ret));
	}
}

FIXTURE_TEARDOWN(owner)
{
	int ret;

	if (variant->atomic_percent) {
		ret = cg_root_set_ctrl(CAM, CG_CID_ATOMIC_PERCENT, 0);
		if (ret)
			TH_LOG("root resetting Complete Atomically to 0: %s", strerror(-ret));
	}
	if (self->nl.fd >= 0)
		cg_nl_close(&self->nl);
}

TEST_F_TIMEOUT(owner, every_frame_matches_its_tag, 180)
{
	struct cg_stream_opts o;
	struct cg_stream_info si;
	struct cg_chan_info ci;
	struct cg_proc p;
	struct cg_ctl m;

	long atomic0 = cg_cam_stat(CAM, "frames_done_atomic");

	cg_stream_opts_init(&o, CAM, variant->who);
	o.key = variant->key;
	o.frames = variant->frames;
	ASSERT_EQ(0, cg_spawn(&p, variant->who, cg_streamer_child, &o));
	ASSERT_EQ(0, cg_expect(p.ctl, 'R', &m, cg_tmo(150000)));
	EXPECT_EQ(variant->frames, m.v[2]);
	EXPECT_NE(0, m.v[0]);
	ASSERT_CHILD_OK(&p, 10000);
	/* the owner closed everything: no stream, no channel left */
	EXPECT_EQ(0, cg_stream_of(&self->nl, CAM, &si));
	EXPECT_EQ(0, cg_chan_find(&self->nl, (uint32_t)m.v[1], &ci));
	if (variant->atomic_percent)	/* the deferred path was taken */
		EXPECT_LT(atomic0, cg_cam_stat(CAM, "frames_done_atomic"));
}

/* ---- the rest ------------------------------------------------------------------ */

FIXTURE(tag) {
	struct cg_nl nl;	/* root */
	struct cg_nl audit;	/* root, in the audit group */
	long digest;
};

FIXTURE_SETUP(tag)
{
	self->nl.fd = -1;
	self->audit.fd = -1;
	self->digest = -1;
	CG_NEED(2);
	ASSERT_EQ(0, cg_nl_open(&self->nl));
	ASSERT_EQ(0, cg_nl_open(&self->audit));
	ASSERT_EQ(0, cg_nl_join_audit(&self->audit));
	cg_param_read("digest", &self->digest);
}

FIXTURE_TEARDOWN(tag)
{
	if (self->nl.fd >= 0) {
		cg_cam_mute(&self->nl, CAM, 0);
		cg_cam_unbind(&self->nl, CAM);
		cg_nl_close(&self->nl);
	}
	if (self->audit.fd >= 0)
		cg_nl_close(&self->audit);
	if (self->digest >= 0)
		cg_param_write("digest", self->digest);
}

/* An AUDIT event with @reason within @ms (others skipped): 1, 0, -errno. */
/* STREAM_START / STOP go only to channels that asked for them. */
static int stream_events_child(void *arg, int ctl)
{
	struct cg_msg *ev = malloc(sizeof(*ev));
	struct cg_nl nl;
	struct cg_cam cam;
	uint32_t with, without;
	uint64_t sid = 0;
	int i, ret, starts = 0, stops = 0, frames_with = 0, frames_without = 0;

	(void)arg;
	(void)ctl;
	CK(ev, "malloc");
	CK(!cg_nl_open(&nl), "netlink");
	ret = cg_chan_new(&nl, "with-events", NULL, CAMGUARD_CHAN_F_STREAM_EVENTS, &with, NULL);
	CK(!ret, "CHAN_NEW flags STREAM_EVENTS: %s (%s)", strerror(-ret), nl.ext_msg);
	ret = cg_chan_new(&nl, "without", NULL, 0, &without, NULL);
	CK(!ret, "CHAN_NEW flags 0: %s (%s)", strerror(-ret), nl.ext_msg);
	CK(!cg_chan_attach(&nl, with, CAM), "attach: %s", nl.ext_msg);
	CK(!cg_chan_attach(&nl, without, CAM), "attach: %s", nl.ext_msg);
	CK(!cg_cam_open(&cam, CAM), "open");
	CK(!cg_cam_set_fmt(&cam, 160, 120, 0, 0), "S_FMT");
	CK(!cg_cam_start(&cam, 8), "start");
	for (i = 0; i < 3; i++) {
		struct v4l2_buffer b;

		CK(!cg_cam_dqbuf(&cam, &b, cg_tmo(5000)), "DQBUF");
		CK(!cg_cam_qbuf(&cam, b.index), "QBUF");
	}
	cg_cam_stop(&cam);
	cg_cam_close(&cam);
	/* collect everything that arrived */
	while (cg_nl_event(&nl, cg_tmo(1500), ev) == 1) {
		uint32_t chan = cg_msg_u32(ev, CAMGUARD_A_CHAN_ID);

		switch (ev->cmd) {
		case CAMGUARD_CMD_STREAM_START:
			CK(chan == with, "STREAM_START to channel %u (flags 0)", chan);
			CK(cg_msg_u32(ev, CAMGUARD_A_CAM_ID) == CAM, "STREAM_START CAM_ID");
			sid = cg_msg_u64(ev, CAMGUARD_A_STREAM_ID);
			CK(sid, "STREAM_START without STREAM_ID");
			CK(!stops && !frames_with, "STREAM_START after frames or STOP");
			starts++;
			break;
		case CAMGUARD_CMD_STREAM_STOP:
			CK(chan == with, "STREAM_STOP to channel %u (flags 0)", chan);
			CK(cg_msg_u64(ev, CAMGUARD_A_STREAM_ID) == sid,
			   "STREAM_STOP stream %llu, START said %llu",
			   (unsigned long long)cg_msg_u64(ev, CAMGUARD_A_STREAM_ID),
			   (unsigned long long)sid);
			CK(cg_msg_has(ev, CAMGUARD_A_STATS), "STREAM_STOP without STATS");
			CK(cg_msg_stat(ev, CAMGUARD_STAT_FRAMES_TAGGED) >= 3,
			   "STREAM_STOP FRAMES_TAGGED %llu",
			   (unsigned long long)cg_msg_stat(ev, CAMGUARD_STAT_FRAMES_TAGGED));
			stops++;
			break;
		case CAMGUARD_CMD_FRAME:
			if (chan == with)
				frames_with++;
			else
				frames_without++;
			break;
		default:
			CK(false, "unexpected event %s", cg_cmd_name(ev->cmd));
		}
	}
	CK(starts == 1 && stops == 1, "%d STREAM_START, %d STREAM_STOP; want 1 each", starts, stops);
	CK(frames_with >= 3 && frames_without >= 3, "FRAME events %d and %d, want >= 3 each",
	   frames_with, frames_without);
	cg_nl_close(&nl);
	free(ev);
	return 0;
}

TEST_F_TIMEOUT(tag, stream_events_only_when_asked, 120)
{
	struct cg_proc p;

	ASSERT_EQ(0, cg_spawn(&p, &cg_a, stream_events_child, NULL));
	ASSERT_CHILD_OK(&p, 100000);
}

/* Opener A passes its video fd to B: frames stay A's. */
static int open_and_pass_child(void *arg, int ctl)
{
	struct cg_cam cam;
	struct cg_ctl m = { .op = 'F' };
	int ret;

	(void)arg;
	ret = cg_cam_open(&cam, CAM);
	CK(!ret, "open: %s", strerror(-ret));
	CK(!cg_cam_set_fmt(&cam, 320, 240, 0, 0), "S_FMT");
	CK(!cg_ctl_send(ctl, &m, cam.fd), "send fd");
	cg_cam_close(&cam);
	return 0;
}

/* Compare the viewer's 'T' digests with the streamer's 'B' digests. */
static int collect(int ctl, int op, int64_t *seq, char (*dig)[32], int max)
{
	struct cg_ctl m;
	int n = 0;

	while (n < max && cg_ctl_recv(ctl, &m, NULL, cg_tmo(60000)) == 0 && m.op == op) {
		seq[n] = m.v[0];
		memcpy(dig[n], m.s, 32);
		n++;
	}
	return n;
}

/* B streams from a file it did not open: reports (seq, sha256) per frame. */
struct passed_streamer {
	int fd;
	int frames;
};

static int passed_streamer_child(void *arg, int ctl)
{
	struct passed_streamer *ps = arg;
	struct cg_stream_info si;
	struct cg_cam cam;
	struct cg_nl nl;
	uint32_t chan;
	int i, ret;

	CK(!cg_nl_open(&nl), "netlink");
	cg_cam_adopt(&cam, ps->fd, CAM);
	CK(!cg_cam_start(&cam, 8), "REQBUFS/STREAMON on the passed fd");
	/* the stream is A's: B does not see it, and B cannot attach */
	ret = cg_stream_of(&nl, CAM, &si);
	CK(ret == 0, "B's STREAM_GET lists the stream (%d, owner %u): owner is not the opener",
	   ret, si.uid);
	CK(!cg_chan_new(&nl, "b", NULL, CG_NO_FLAGS, &chan, NULL), "CHAN_NEW");
	ret = cg_chan_attach(&nl, chan, CAM);
	CK(ret == -EACCES, "B's attach to A's stream: %d (%s), want EACCES", ret, nl.ext_msg);
	CK(nl.ext_msg[0], "EACCES without an extack message");
	cg_say(ctl, 'S', 0);
	for (i = 0; i < ps->frames; i++) {
		struct cg_ctl m = { .op = 'B' };
		struct v4l2_buffer b;

		ret = cg_cam_dqbuf(&cam, &b, cg_tmo(5000));
		CK(!ret, "DQBUF: %s", strerror(-ret));
		m.v[0] = b.sequence;
		cg_sha256(cam.map[b.index], b.bytesused, (uint8_t *)m.s);
		cg_ctl_send(ctl, &m, -1);
		CK(!cg_cam_qbuf(&cam, b.index), "QBUF");
	}
	cg_say(ctl, 'D', 0);
	cg_cam_stop(&cam);
	cg_cam_close(&cam);
	cg_nl_close(&nl);
	return 0;
}

static int match_digests(struct __test_metadata *_metadata, int na, int64_t *sa,
			 char (*da)[32], int nb, int64_t *sb, char (*db)[32])
{
	int i, j, common = 0;

	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++) {
			if (sa[i] != sb[j])
				continue;
			common++;
			if (memcmp(da[i], db[j], 32)) {
				TH_LOG("seq %lld: the tag's digest differs from the dequeued bytes' SHA-256",
				       (long long)sa[i]);
				return -1;
			}
		}
	}
	return common;
}

TEST_F_TIMEOUT(tag, passed_fd_keeps_the_opener, 180)
{
	struct cg_viewer v = { .cam = CAM, .frames = 6, .uid = CG_UID_A, .gid = CG_GID_A };
	struct passed_streamer ps = { .frames = 14 };
	struct cg_proc opener, viewer, streamer;
	struct cg_stream_info si;
	int64_t sa[16], sb[16];
	char da[16][32], db[16][32];
	struct cg_ctl m;
	int na, nb, fd;

	/* A's viewer attaches while the camera is idle */
	ASSERT_EQ(0, cg_spawn(&viewer, &cg_a, cg_viewer_child, &v));
	ASSERT_EQ(0, cg_expect(viewer.ctl, 'A', &m, cg_tmo(10000)));
	ASSERT_EQ(0, m.err) TH_LOG("A's attach: %s", m.s);
	/* A opens, the fd goes (through us) to B; A exits */
	ASSERT_EQ(0, cg_spawn(&opener, &cg_a, open_and_pass_child, NULL));
	ASSERT_EQ(0, cg_ctl_recv(opener.ctl, &m, &fd, cg_tmo(10000)));
	ASSERT_LE(0, fd);
	ASSERT_CHILD_OK(&opener, 10000);
	ps.fd = fd;
	ASSERT_EQ(0, cg_spawn(&streamer, &cg_b, passed_streamer_child, &ps));
	close(fd);
	ASSERT_EQ(0, cg_expect(streamer.ctl, 'S', &m, cg_tmo(30000)));
	ASSERT_EQ(1, cg_stream_of(&self->nl, CAM, &si));
	EXPECT_EQ(CG_UID_A, si.uid);
	EXPECT_EQ(CG_GID_A, si.gid);
	nb = collect(streamer.ctl, 'B', sb, db, 16);
	na = collect(viewer.ctl, 'T', sa, da, 16);
	cg_say(viewer.ctl, 'Q', 0);
	EXPECT_CHILD_OK(&streamer, 30000);
	EXPECT_CHILD_OK(&viewer, 30000);
	ASSERT_EQ(ps.frames, nb);
	ASSERT_EQ(v.frames, na);
	/* A's tags digest the very bytes B dequeued */
	EXPECT_LE(3, match_digests(_metadata, na, sa, da, nb, sb, db));
}

/* A viewer's 'T' messages up to its 'D': how many, or -errno. */
static int wait_done(int ctl)
{
	struct cg_ctl m;
	int n = 0, ret;

	for (;;) {
		ret = cg_ctl_recv(ctl, &m, NULL, cg_tmo(60000));
		if (ret)
			return ret;
		if (m.op == 'D')
			return n;
		if (m.op != 'T')
			return -EPROTO;
		n++;
	}
}

/* Opens as uid A (saved uid root), then becomes B for good and streams. */
static int setuid_streamer_child(void *arg, int ctl)
{
	struct cg_stream_opts o;
	struct cg_stream_result r;
	struct cg_cam cam;
	int ret;

	(void)arg;
	CK(!setgroups(0, NULL), "setgroups");
	CK(!setresgid(CG_GID_A, CG_GID_A, 0), "setresgid");
	CK(!setresuid(CG_UID_A, CG_UID_A, 0), "setresuid");
	ret = cg_cam_open(&cam, CAM);
	CK(!ret, "open as uid A: %s", strerror(-ret));
	CK(!cg_cam_set_fmt(&cam, 320, 240, 0, 0), "S_FMT");
	CK(!seteuid(0), "seteuid(0)");
	CK(!setresgid(CG_GID_B, CG_GID_B, CG_GID_B), "setresgid B");
	CK(!setresuid(CG_UID_B, CG_UID_B, CG_UID_B), "setresuid B");
	CK(geteuid() == CG_UID_B && getegid() == CG_GID_B, "not B");
	cg_stream_opts_init(&o, CAM, &cg_b);
	o.channel = false;
	o.no_stream_get = true;
	o.fd = cam.fd;
	o.frames = 12;
	o.pause = true;
	o.ctl = ctl;
	return cg_streamer(&o, &r);
}

TEST_F_TIMEOUT(tag, setuid_after_open_keeps_the_opener, 180)
{
	struct cg_viewer va = { .cam = CAM, .frames = 3, .uid = CG_UID_A, .gid = CG_GID_A };
	struct cg_viewer vb = { .cam = CAM, .want_attach = -EACCES };
	struct cg_proc s, a, b;
	struct cg_stream_info si;
	struct cg_ctl m;

	ASSERT_EQ(0, cg_spawn(&s, &cg_root, setuid_streamer_child, NULL));
	ASSERT_EQ(0, cg_expect(s.ctl, 'S', &m, cg_tmo(30000)));
	ASSERT_EQ(1, cg_stream_of(&self->nl, CAM, &si));
	EXPECT_EQ(CG_UID_A, si.uid);
	EXPECT_EQ(CG_GID_A, si.gid);
	/* B (the process's uid now) cannot attach, A can and gets the frames */
	ASSERT_EQ(0, cg_spawn(&b, &cg_b, cg_viewer_child, &vb));
	EXPECT_CHILD_OK(&b, 20000);
	ASSERT_EQ(0, cg_spawn(&a, &cg_a, cg_viewer_child, &va));
	ASSERT_EQ(0, cg_expect(a.ctl, 'A', &m, cg_tmo(10000)));
	EXPECT_EQ(0, m.err) TH_LOG("A's attach to its own stream: %s", m.s);
	cg_say(s.ctl, 'G', 0);
	if (m.err == 0)
		EXPECT_EQ(va.frames, wait_done(a.ctl));
	cg_say(a.ctl, 'Q', 0);
	EXPECT_CHILD_OK(&a, 20000);
	EXPECT_CHILD_OK(&s, 60000);
}

/* While A owns the queue, nobody else can take it. */
static int busy_child(void *arg, int ctl)
{
	struct cg_cam cam;
	char buf[64];
	int ret, want = (int)(intptr_t)arg;

	ret = cg_cam_open(&cam, CAM);
	CK(!ret, "open: %s", strerror(-ret));
	ret = cg_cam_reqbufs(&cam, 8, V4L2_MEMORY_MMAP);
	CK(ret == want || (want > 0 && ret >= 8), "REQBUFS: %d (%s), want %d", ret,
	   ret < 0 ? strerror(-ret) : "", want);
	if (want < 0) {
		ret = (int)read(cam.fd, buf, sizeof(buf));
		CK(ret < 0 && errno == EBUSY, "read(): %d (%s), want EBUSY", ret, strerror(errno));
	}
	cg_say(ctl, 'R', 0);
	cg_cam_close(&cam);
	return 0;
}

TEST_F_TIMEOUT(tag, second_opener_gets_ebusy, 90)
{
	struct cg_cam a2;
	struct cg_proc p, a;
	struct cg_ctl m;
	struct cg_stream_opts o;

	cg_stream_opts_init(&o, CAM, &cg_a);
	o.channel = false;
	o.pause = true;
	o.frames = 2;
	/* A owns the queue and streams, paused */
	ASSERT_EQ(0, cg_spawn(&a, &cg_a, cg_streamer_child, &o));
	ASSERT_EQ(0, cg_expect(a.ctl, 'S', &m, cg_tmo(30000)));
	ASSERT_EQ(0, cg_spawn(&p, &cg_b, busy_child, (void *)(intptr_t)-EBUSY));
	EXPECT_CHILD_OK(&p, 20000);
	/* root too: ownership is per file, not per user */
	ASSERT_EQ(0, cg_cam_open(&a2, CAM));
	EXPECT_EQ(-EBUSY, cg_cam_reqbufs(&a2, 8, V4L2_MEMORY_MMAP));
	cg_cam_close(&a2);
	cg_say(a.ctl, 'G', 0);
	ASSERT_EQ(0, cg_expect(a.ctl, 'R', &m, cg_tmo(60000)));
	EXPECT_CHILD_OK(&a, 20000);
	/* released: B gets it now */
	ASSERT_EQ(0, cg_spawn(&p, &cg_b, busy_child, (void *)(intptr_t)8));
	EXPECT_CHILD_OK(&p, 20000);
}

TEST_F_TIMEOUT(tag, other_owner_frames_are_withheld, 180)
{
	struct cg_viewer v = { .cam = CAM, .quiet_ms = 0, .uid = CG_UID_A, .gid = CG_GID_A };
	struct cg_stream_opts o;
	struct cg_proc viewer, b;
	struct cg_msg cam0, cam1, ev;
	struct cg_ctl m;
	uint32_t chan;
	int ret;

	ASSERT_EQ(0, cg_cam_get(&self->nl, CAM, &cam0));
	cg_nl_drain(&self->audit);
	/* A's channel on the idle camera */
	v.quiet_ms = cg_tmo(4000);
	ASSERT_EQ(0, cg_spawn(&viewer, &cg_a, cg_viewer_child, &v));
	ASSERT_EQ(0, cg_expect(viewer.ctl, 'A', &m, cg_tmo(10000)));
	ASSERT_EQ(0, m.err) TH_LOG("A's attach to the idle camera: %s", m.s);
	chan = (uint32_t)m.v[0];
	/* B streams; A's viewer must get nothing meanwhile */
	cg_stream_opts_init(&o, CAM, &cg_b);
	o.frames = 30;
	ASSERT_EQ(0, cg_spawn(&b, &cg_b, cg_streamer_child, &o));
	ASSERT_EQ(0, cg_expect(viewer.ctl, 'C', &m, cg_tmo(120000)));
	EXPECT_EQ(0, m.v[0]) TH_LOG("A's channel delivered %lld frames", (long long)m.v[0]);
	EXPECT_LT(0, m.v[1]) TH_LOG("A's channel counts no withheld frame");
	ASSERT_EQ(0, cg_expect(b.ctl, 'R', &m, cg_tmo(120000)));
	EXPECT_CHILD_OK(&b, 20000);
	cg_say(viewer.ctl, 'Q', 0);
	EXPECT_CHILD_OK(&viewer, 20000);
	ASSERT_EQ(0, cg_cam_get(&self->nl, CAM, &cam1));
	EXPECT_LT(cg_msg_stat(&cam0, CAMGUARD_STAT_FRAMES_WITHHELD),
		  cg_msg_stat(&cam1, CAMGUARD_STAT_FRAMES_WITHHELD));
	EXPECT_LT(cg_msg_stat(&cam0, CAMGUARD_STAT_FRAMES_TAGGED),
		  cg_msg_stat(&cam1, CAMGUARD_STAT_FRAMES_TAGGED));
	/* audit: frames of B withheld from A's channel */
	ret = cg_audit_wait(&self->audit, CAMGUARD_REASON_FRAME_WITHHELD, cg_tmo(3000), &ev);
	ASSERT_EQ(1, ret) TH_LOG("no FRAME_WITHHELD audit event");
	EXPECT_EQ(CG_UID_B, cg_msg_u32(&ev, CAMGUARD_A_OWNER_UID));
	EXPECT_EQ(CAM, cg_msg_u32(&ev, CAMGUARD_A_CAM_ID));
	/* one event may cover several channels: CHAN_ID only "as known" */
	if (cg_msg_has(&ev, CAMGUARD_A_CHAN_ID))
		EXPECT_EQ(chan, cg_msg_u32(&ev, CAMGUARD_A_CHAN_ID));
	EXPECT_LE(1, cg_msg_u64(&ev, CAMGUARD_A_COUNT));
}

static int reqbufs_child(void *arg, int ctl)
{
	struct cg_cam cam;
	char buf[64];
	int ret, want = (int)(intptr_t)arg;

	(void)ctl;
	ret = cg_cam_open(&cam, CAM);
	CK(!ret, "open: %s", strerror(-ret));
	ret = cg_cam_reqbufs(&cam, 8, V4L2_MEMORY_MMAP);
	CK(want < 0 ? ret == want : ret >= 8, "REQBUFS: %d, want %d", ret, want);
	if (want < 0) {
		ret = (int)read(cam.fd, buf, sizeof(buf));
		CK(ret < 0 && errno == -want, "read(): %d (%s), want %s", ret,
		   strerror(errno), strerror(-want));
	}
	cg_cam_close(&cam);
	return 0;
}

TEST_F_TIMEOUT(tag, bound_camera_refuses_others, 180)
{
	struct cg_viewer vb = { .cam = CAM, .want_attach = -EACCES };
	struct cg_stream_opts o;
	struct cg_proc p;
	struct cg_msg cam0, cam1, ev;
	struct cg_ctl m;

	ASSERT_EQ(0, cg_cam_get(&self->nl, CAM, &cam0));
	EXPECT_FALSE(cg_msg_has(&cam0, CAMGUARD_A_CAM_BOUND_UID));
	cg_nl_drain(&self->audit);
	ASSERT_NL(0, &self->nl, cg_cam_bind(&self->nl, CAM, CG_UID_A, CG_GID_A));
	ASSERT_EQ(0, cg_cam_get(&self->nl, CAM, &cam1));
	EXPECT_EQ(CG_UID_A, cg_msg_u32(&cam1, CAMGUARD_A_CAM_BOUND_UID));
	/* B can neither own the queue nor attach while it is idle */
	ASSERT_EQ(0, cg_spawn(&p, &cg_b, reqbufs_child, (void *)(intptr_t)-EACCES));
	EXPECT_CHILD_OK(&p, 20000);
	ASSERT_EQ(0, cg_spawn(&p, &cg_b, cg_viewer_child, &vb));
	EXPECT_CHILD_OK(&p, 20000);
	EXPECT_EQ(1, cg_audit_wait(&self->audit, CAMGUARD_REASON_CAMERA_BOUND, cg_tmo(3000), &ev));
	EXPECT_EQ(CG_UID_B, cg_msg_u32(&ev, CAMGUARD_A_OWNER_UID));
	ASSERT_EQ(0, cg_cam_get(&self->nl, CAM, &cam1));
	EXPECT_LT(cg_msg_stat(&cam0, CAMGUARD_STAT_REFUSED), cg_msg_stat(&cam1, CAMGUARD_STAT_REFUSED));
	/* A, the bound owner, attaches and streams */
	cg_stream_opts_init(&o, CAM, &cg_a);
	o.frames = 4;
	ASSERT_EQ(0, cg_spawn(&p, &cg_a, cg_streamer_child, &o));
	ASSERT_EQ(0, cg_expect(p.ctl, 'R', &m, cg_tmo(60000)));
	EXPECT_CHILD_OK(&p, 20000);
	/* unbound: B again */
	ASSERT_NL(0, &self->nl, cg_cam_unbind(&self->nl, CAM));
	ASSERT_EQ(0, cg_cam_get(&self->nl, CAM, &cam1));
	EXPECT_FALSE(cg_msg_has(&cam1, CAMGUARD_A_CAM_BOUND_UID));
	ASSERT_EQ(0, cg_spawn(&p, &cg_b, reqbufs_child, (void *)(intptr_t)8));
	EXPECT_CHILD_OK(&p, 20000);
}

TEST_F_TIMEOUT(tag, muted_frames_are_black_and_flagged, 180)
{
	struct cg_stream_opts o;
	struct cg_proc p;
	struct cg_msg cam;
	struct cg_ctl m;

	ASSERT_NL(0, &self->nl, cg_cam_mute(&self->nl, CAM, 1));
	ASSERT_EQ(0, cg_cam_get(&self->nl, CAM, &cam));
	EXPECT_EQ(1, cg_msg_u8(&cam, CAMGUARD_A_CAM_MUTED));
	cg_stream_opts_init(&o, CAM, &cg_a);
	o.frames = 6;
	o.black = true;
	o.tag_flags = CAMGUARD_TAG_F_MUTED;
	ASSERT_EQ(0, cg_spawn(&p, &cg_a, cg_streamer_child, &o));
	ASSERT_EQ(0, cg_expect(p.ctl, 'R', &m, cg_tmo(120000)));
	EXPECT_CHILD_OK(&p, 20000);
	/* unmuted: pictures and no flag again */
	ASSERT_NL(0, &self->nl, cg_cam_mute(&self->nl, CAM, 0));
	ASSERT_EQ(0, cg_cam_get(&self->nl, CAM, &cam));
	EXPECT_EQ(0, cg_msg_u8(&cam, CAMGUARD_A_CAM_MUTED));
	o.black = false;
	o.tag_flags = 0;
	o.frames = 3;
	ASSERT_EQ(0, cg_spawn(&p, &cg_a, cg_streamer_child, &o));
	ASSERT_EQ(0, cg_expect(p.ctl, 'R', &m, cg_tmo(120000)));
	EXPECT_CHILD_OK(&p, 20000);
}

TEST_F_TIMEOUT(tag, digest_off_flags_tags, 120)
{
	struct cg_stream_opts o;
	struct cg_proc p;
	struct cg_ctl m;
	int ret;

	if (self->digest < 0)
		SKIP(return, "no module parameter 'digest'");
	ret = cg_param_write("digest", 0);
	ASSERT_EQ(0, ret) TH_LOG("digest is documented as writable: %s", strerror(-ret));
	cg_stream_opts_init(&o, CAM, &cg_a);
	o.frames = 3;
	o.tag_flags = CAMGUARD_TAG_F_NO_DIGEST;
	ASSERT_EQ(0, cg_spawn(&p, &cg_a, cg_streamer_child, &o));
	ASSERT_EQ(0, cg_expect(p.ctl, 'R', &m, cg_tmo(60000)));
	EXPECT_CHILD_OK(&p, 20000);
}

/*
 * Stream ids: a new one at every STREAMON after the first within one
 * ownership and at every new ownership, always increasing; the tags carry
 * the current one.
 */
static int stream_ids_child(void *arg, int ctl)
{
	struct cg_frames *fr = malloc(sizeof(*fr));
	struct cg_msg *ev = malloc(sizeof(*ev));
	struct cg_stream_info si;
	struct camguard_frame_tag tag;
	struct cg_nl nl;
	struct cg_cam cam;
	uint64_t last = 0;
	uint32_t chan;
	int round, i, ret;

	(void)arg;
	CK(fr && ev, "malloc");
	CK(!cg_nl_open(&nl), "netlink");
	CK(!cg_chan_new(&nl, "ids", NULL, CG_NO_FLAGS, &chan, NULL), "CHAN_NEW");
	CK(!cg_chan_attach(&nl, chan, CAM), "attach: %s", nl.ext_msg);
	CK(!cg_cam_open(&cam, CAM), "open");
	CK(!cg_cam_set_fmt(&cam, 160, 120, 0, 0), "S_FMT");
	cg_frames_init(fr, &nl);
	for (round = 0; round < 4; round++) {
		/* rounds 0, 2: new ownership; 1, 3: STREAMON again in it */
		if (round % 2 == 0) {
			ret = cg_cam_reqbufs(&cam, 8, V4L2_MEMORY_MMAP);
			CK(ret >= 8, "REQBUFS: %d", ret);
			CK(!cg_cam_mmap(&cam), "mmap");
			ret = cg_stream_of(&nl, CAM, &si);
			CK(ret == 1, "no stream listed once the queue is owned (%d)", ret);
			CK(si.id > last, "stream id %llu after REQBUFS, previous %llu",
			   (unsigned long long)si.id, (unsigned long long)last);
			CK(!si.streaming, "STREAMING before STREAMON");
		}
		CK(!cg_cam_queue_all(&cam), "QBUF");
		CK(!cg_cam_streamon(&cam), "STREAMON");
		ret = cg_stream_of(&nl, CAM, &si);
		CK(ret == 1 && si.streaming, "stream not listed as streaming (%d)", ret);
		CK(si.id > last, "round %d: stream id %llu, previous %llu", round,
		   (unsigned long long)si.id, (unsigned long long)last);
		for (i = 0; i < 2; i++) {
			struct v4l2_buffer b;

			CK(!cg_cam_dqbuf(&cam, &b, cg_tmo(5000)), "DQBUF");
			ret = cg_frames_get(fr, chan, b.sequence, cg_tmo(3000), ev);
			CK(ret == 1, "no FRAME event for seq %u", b.sequence);
			cg_frame_tag(ev, &tag);
			CK(le64toh(tag.stream_id) == si.id, "tag stream %llu, STREAM_GET %llu",
			   (unsigned long long)le64toh(tag.stream_id), (unsigned long long)si.id);
			CK(!cg_cam_qbuf(&cam, b.index), "QBUF");
		}
		last = si.id;
		CK(!cg_cam_streamoff(&cam), "STREAMOFF");
		if (round % 2 == 1) {
			cg_cam_munmap(&cam);
			CK(cg_cam_reqbufs(&cam, 0, V4L2_MEMORY_MMAP) == 0, "REQBUFS 0");
			ret = cg_stream_of(&nl, CAM, &si);
			CK(ret == 0, "a stream is still listed after REQBUFS 0");
		}
		cg_nl_drain(&nl);
		fr->n = 0;
		{
			struct cg_ctl m = { .op = 'I', .v = { (int64_t)last } };

			cg_ctl_send(ctl, &m, -1);
		}
	}
	cg_cam_close(&cam);
	cg_nl_close(&nl);
	return 0;
}

TEST_F_TIMEOUT(tag, stream_ids_increase, 180)
{
	const char *file = getenv("CG_STREAM_ID_FILE");
	unsigned long long before = 0, ids[4];
	struct cg_proc p;
	struct cg_ctl m;
	FILE *f;
	int i;

	if (file) {
		f = fopen(file, "r");
		if (f) {
			if (fscanf(f, "%llu", &before) != 1)
				before = 0;
			fclose(f);
			TH_LOG("largest stream id before: %llu", before);
		}
	}
	ASSERT_EQ(0, cg_spawn(&p, &cg_a, stream_ids_child, NULL));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, cg_expect(p.ctl, 'I', &m, cg_tmo(60000)));
		ids[i] = (unsigned long long)m.v[0];
	}
	ASSERT_CHILD_OK(&p, 20000);
	EXPECT_LT(before, ids[0]) TH_LOG("stream id %llu not above %llu seen before (reload?)",
					 ids[0], before);
	for (i = 1; i < 4; i++)
		EXPECT_LT(ids[i - 1], ids[i]);
	if (file) {
		f = fopen(file, "w");
		ASSERT_NE(NULL, f);
		fprintf(f, "%llu\n", ids[3]);
		fclose(f);
	}
}

/* A user namespace's root mapped to uid A is not uid A. */
TEST_F_TIMEOUT(tag, user_namespace_is_another_owner, 180)
{
	struct cg_viewer va = { .cam = CAM, .want_attach = -EACCES };
	struct cg_viewer vns = { .cam = CAM, .frames = 2, .uid = CG_UID_A, .gid = CG_GID_A };
	struct cg_who same_ns = cg_ns_a;
	struct cg_stream_opts o;
	struct cg_chan_info ci;
	struct cg_proc s, a, ns;
	struct cg_ctl m;

	/* A (initial namespace) streams */
	cg_stream_opts_init(&o, CAM, &cg_a);
	o.pause = true;
	o.frames = 2;
	ASSERT_EQ(0, cg_spawn(&s, &cg_a, cg_streamer_child, &o));
	ASSERT_EQ(0, cg_expect(s.ctl, 'S', &m, cg_tmo(30000)));
	/* same kuid, other namespace: refused */
	vns.want_attach = -EACCES;
	ASSERT_EQ(0, cg_spawn(&ns, &cg_ns_a, cg_viewer_child, &vns));
	EXPECT_CHILD_OK(&ns, 20000);
	cg_say(s.ctl, 'G', 0);
	ASSERT_EQ(0, cg_expect(s.ctl, 'R', &m, cg_tmo(60000)));
	EXPECT_CHILD_OK(&s, 20000);

	/*
	 * now the namespace streams: A may not attach, the namespace's own may.
	 * The driver fills every queued buffer while the streamer waits for
	 * 'G', before the viewer is attached: the streamer dequeues more frames
	 * than it has buffers so the viewer's are tagged after its attach.
	 */
	cg_stream_opts_init(&o, CAM, &cg_ns_a);
	o.pause = true;
	o.frames = 12;
	ASSERT_EQ(0, cg_spawn(&s, &cg_ns_a, cg_streamer_child, &o));
	ASSERT_EQ(0, cg_expect(s.ctl, 'S', &m, cg_tmo(30000)));
	ASSERT_EQ(0, cg_spawn(&a, &cg_a, cg_viewer_child, &va));
	EXPECT_CHILD_OK(&a, 20000);
	/* another namespace with the same mapping is another owner too */
	vns.want_attach = -EACCES;
	ASSERT_EQ(0, cg_spawn(&ns, &cg_ns_a, cg_viewer_child, &vns));
	EXPECT_CHILD_OK(&ns, 20000);
	/* the streamer's own namespace */
	vns.want_attach = 0;
	same_ns.ns_of = s.pid;
	ASSERT_EQ(0, cg_spawn(&ns, &same_ns, cg_viewer_child, &vns));
	ASSERT_EQ(0, cg_expect(ns.ctl, 'A', &m, cg_tmo(10000)));
	EXPECT_EQ(0, m.err) TH_LOG("namespace viewer attach: %s", m.s);
	/* root sees the namespace's channel with its initial-namespace uid */
	ASSERT_EQ(1, cg_chan_find(&self->nl, (uint32_t)m.v[0], &ci));
	EXPECT_EQ(CG_UID_A, ci.uid);
	EXPECT_EQ(CG_GID_A, ci.gid);
	cg_say(s.ctl, 'G', 0);
	if (m.err == 0)
		EXPECT_EQ(vns.frames, wait_done(ns.ctl));
	cg_say(ns.ctl, 'Q', 0);
	EXPECT_CHILD_OK(&ns, 20000);
	ASSERT_EQ(0, cg_expect(s.ctl, 'R', &m, cg_tmo(60000)));
	EXPECT_CHILD_OK(&s, 20000);
}

TEST_HARNESS_MAIN
