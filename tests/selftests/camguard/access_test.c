// SPDX-License-Identifier: GPL-2.0
/*
 * camguard netlink access rules: cross-owner attach, requests only from
 * the socket's opener, admin-only commands and audit group, strict
 * attribute validation with extended acks, channel and attachment limits,
 * channels bound to their socket, and every request under injected
 * allocation failures (fail-nth, where the kernel has fault injection).
 *
 * Run as root with camguard loaded (cameras >= 2).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>

#include "cg_test.h"

#define CAM 0

FIXTURE(acc) {
	struct cg_nl nl;	/* root */
	struct cg_nl audit;	/* root, in the audit group */
	long max_channels, max_per_user, max_attach;
};

FIXTURE_SETUP(acc)
{
	self->nl.fd = -1;
	self->audit.fd = -1;
	self->max_channels = self->max_per_user = self->max_attach = -1;
	CG_NEED(2);
	ASSERT_EQ(0, cg_nl_open(&self->nl));
	ASSERT_EQ(0, cg_nl_open(&self->audit));
	ASSERT_EQ(0, cg_nl_join_audit(&self->audit));
	cg_param_read("max_channels", &self->max_channels);
	cg_param_read("max_channels_per_user", &self->max_per_user);
	cg_param_read("max_attach_per_camera", &self->max_attach);
}

FIXTURE_TEARDOWN(acc)
{
	if (self->max_channels >= 0)
		cg_param_write("max_channels", self->max_channels);
	if (self->max_per_user >= 0)
		cg_param_write("max_channels_per_user", self->max_per_user);
	if (self->max_attach >= 0)
		cg_param_write("max_attach_per_camera", self->max_attach);
	if (self->nl.fd >= 0) {
		cg_cam_mute(&self->nl, CAM, 0);
		cg_cam_unbind(&self->nl, CAM);
		cg_nl_close(&self->nl);
	}
	if (self->audit.fd >= 0)
		cg_nl_close(&self->audit);
}

/* ---- attach to another owner's camera ------------------------------------- */

TEST_F_TIMEOUT(acc, cross_owner_attach_refused, 120)
{
	struct cg_viewer vb = { .cam = CAM, .want_attach = -EACCES };
	struct cg_stream_opts o;
	struct cg_proc s, b;
	struct cg_msg ev;
	struct cg_ctl m;
	uint32_t chan, chan2;

	cg_nl_drain(&self->audit);
	cg_stream_opts_init(&o, CAM, &cg_a);
	o.pause = true;
	o.frames = 1;
	ASSERT_EQ(0, cg_spawn(&s, &cg_a, cg_streamer_child, &o));
	ASSERT_EQ(0, cg_expect(s.ctl, 'S', &m, cg_tmo(30000)));
	/* B: EACCES with a message */
	ASSERT_EQ(0, cg_spawn(&b, &cg_b, cg_viewer_child, &vb));
	ASSERT_EQ(0, cg_expect(b.ctl, 'A', &m, cg_tmo(10000)));
	EXPECT_EQ(-EACCES, m.err);
	EXPECT_NE(0, m.s[0]) TH_LOG("no extack message");
	TH_LOG("extack: %s", m.s);
	chan = (uint32_t)m.v[0];
	EXPECT_CHILD_OK(&b, 20000);
	/* audited, naming B, the camera and the channel */
	ASSERT_EQ(1, cg_audit_wait(&self->audit, CAMGUARD_REASON_OWNER_MISMATCH, cg_tmo(3000), &ev));
	EXPECT_EQ(CG_UID_B, cg_msg_u32(&ev, CAMGUARD_A_OWNER_UID));
	EXPECT_EQ(CG_GID_B, cg_msg_u32(&ev, CAMGUARD_A_OWNER_GID));
	EXPECT_EQ(CAM, cg_msg_u32(&ev, CAMGUARD_A_CAM_ID));
	EXPECT_EQ(chan, cg_msg_u32(&ev, CAMGUARD_A_CHAN_ID));
	EXPECT_LE(1, cg_msg_u64(&ev, CAMGUARD_A_COUNT));
	/* root is another owner too: admin does not make frames root's */
	ASSERT_NL(0, &self->nl, cg_chan_new(&self->nl, "root", NULL, CG_NO_FLAGS, &chan, NULL));
	EXPECT_NL(-EACCES, &self->nl, cg_chan_attach(&self->nl, chan, CAM));
	EXPECT_NE(0, self->nl.ext_msg[0]);
	/* no such camera; attached twice */
	EXPECT_NL(-ENOENT, &self->nl, cg_chan_attach(&self->nl, chan, 77));
	EXPECT_NE(0, self->nl.ext_msg[0]);
	EXPECT_NL(0, &self->nl, cg_chan_attach(&self->nl, chan, 1));
	EXPECT_NL(-EBUSY, &self->nl, cg_chan_attach(&self->nl, chan, 1));
	EXPECT_NE(0, self->nl.ext_msg[0]);
	/* no such channel */
	ASSERT_NL(0, &self->nl, cg_chan_new(&self->nl, "root2", NULL, CG_NO_FLAGS, &chan2, NULL));
	EXPECT_NL(0, &self->nl, cg_chan_del(&self->nl, chan2));
	EXPECT_NL(-ENOENT, &self->nl, cg_chan_attach(&self->nl, chan2, 1));
	EXPECT_NL(0, &self->nl, cg_chan_del(&self->nl, chan));
	cg_say(s.ctl, 'G', 0);
	EXPECT_EQ(0, cg_expect(s.ctl, 'R', &m, cg_tmo(30000)));
	EXPECT_CHILD_OK(&s, 20000);
}

/* ---- a netlink socket acts only for its opener ---------------------------- */

static int nl_opener_child(void *arg, int ctl)
{
	struct cg_chan_info ci;
	struct cg_ctl m = { .op = 'F' };
	struct cg_nl nl;
	int ret;

	(void)arg;
	CK(!cg_nl_open(&nl), "netlink");
	ret = cg_chan_new(&nl, "opener", NULL, CG_NO_FLAGS, (uint32_t *)&m.v[0], NULL);
	CK(!ret, "CHAN_NEW: %s", nl.ext_msg);
	CK(!cg_ctl_send(ctl, &m, nl.fd), "send fd");
	CK(!cg_expect(ctl, 'Q', NULL, cg_tmo(60000)), "no quit");
	/* still works for its opener, and the channel survived */
	ret = cg_chan_find(&nl, (uint32_t)m.v[0], &ci);
	CK(ret == 1, "the opener's channel is gone after the other uid's attempts (%d)", ret);
	ret = cg_chan_attach(&nl, (uint32_t)m.v[0], 1);
	CK(!ret, "the opener's attach: %s (%s)", strerror(-ret), nl.ext_msg);
	cg_nl_close(&nl);
	return 0;
}

struct other_user_arg {
	int fd;
	uint32_t chan;
};

/* Every request on a socket someone else opened: EPERM with a message. */
static int nl_other_user_child(void *arg, int ctl)
{
	struct other_user_arg *o = arg;
	struct cg_chan_info ci[4];
	struct cg_stream_info si[4];
	struct cg_msg m;
	struct cg_nl nl;
	uint32_t id;
	int ret;

	(void)ctl;
	ret = cg_nl_adopt(&nl, o->fd);
	CK(!ret, "family lookup on the passed socket: %s", strerror(-ret));
	ret = cg_chan_new(&nl, "intruder", NULL, CG_NO_FLAGS, &id, NULL);
	CK(ret == -EPERM, "CHAN_NEW: %d, want EPERM", ret);
	CK(nl.ext_msg[0], "CHAN_NEW refused without extack");
	cg_log("extack: %s", nl.ext_msg);
	ret = cg_chan_attach(&nl, o->chan, 1);
	CK(ret == -EPERM, "CHAN_ATTACH: %d, want EPERM", ret);
	CK(nl.ext_msg[0], "CHAN_ATTACH refused without extack");
	ret = cg_chan_del(&nl, o->chan);
	CK(ret == -EPERM, "CHAN_DEL: %d, want EPERM", ret);
	ret = cg_chan_detach(&nl, o->chan);
	CK(ret == -EPERM, "CHAN_DETACH: %d, want EPERM", ret);
	ret = cg_chan_get(&nl, ci, 4);
	CK(ret == -EPERM, "CHAN_GET dump: %d, want EPERM", ret);
	CK(nl.ext_msg[0], "CHAN_GET refused without extack");
	ret = cg_stream_get(&nl, si, 4);
	CK(ret == -EPERM, "STREAM_GET dump: %d, want EPERM", ret);
	ret = cg_cam_get(&nl, CAM, &m);
	CK(ret == -EPERM, "CAM_GET: %d, want EPERM", ret);
	cg_nl_close(&nl);
	return 0;
}

TEST_F_TIMEOUT(acc, passed_socket_refused_for_other_uid, 90)
{
	struct other_user_arg oa;
	struct cg_proc a, b;
	struct cg_msg ev;
	struct cg_ctl m;
	int fd;

	cg_nl_drain(&self->audit);
	ASSERT_EQ(0, cg_spawn(&a, &cg_a, nl_opener_child, NULL));
	ASSERT_EQ(0, cg_ctl_recv(a.ctl, &m, &fd, cg_tmo(10000)));
	ASSERT_LE(0, fd);
	oa.fd = fd;
	oa.chan = (uint32_t)m.v[0];
	ASSERT_EQ(0, cg_spawn(&b, &cg_b, nl_other_user_child, &oa));
	close(fd);
	EXPECT_CHILD_OK(&b, 30000);
	cg_say(a.ctl, 'Q', 0);
	EXPECT_CHILD_OK(&a, 30000);
	ASSERT_EQ(1, cg_audit_wait(&self->audit, CAMGUARD_REASON_NOT_OPENER, cg_tmo(3000), &ev));
	EXPECT_EQ(CG_UID_B, cg_msg_u32(&ev, CAMGUARD_A_OWNER_UID));
}

/* The same process after setresuid: refused; back to the opener: fine. */
static int setuid_socket_child(void *arg, int ctl)
{
	struct cg_nl nl;
	uint32_t id;
	int ret;

	(void)arg;
	(void)ctl;
	CK(!setgroups(0, NULL), "setgroups");
	CK(!setresgid(CG_GID_A, CG_GID_A, 0) && !setresuid(CG_UID_A, CG_UID_A, 0), "become A");
	CK(!cg_nl_open(&nl), "netlink");
	ret = cg_chan_new(&nl, "a", NULL, CG_NO_FLAGS, &id, NULL);
	CK(!ret, "CHAN_NEW as the opener: %s", nl.ext_msg);
	/* root (the saved uid) is not the opener either */
	CK(!seteuid(0), "seteuid 0");
	ret = cg_chan_new(&nl, "root", NULL, CG_NO_FLAGS, &id, NULL);
	CK(ret == -EPERM, "CHAN_NEW as euid 0 on A's socket: %d, want EPERM", ret);
	CK(!setresgid(CG_GID_B, CG_GID_B, 0) && !setresuid(CG_UID_B, CG_UID_B, 0), "become B");
	ret = cg_chan_new(&nl, "b", NULL, CG_NO_FLAGS, &id, NULL);
	CK(ret == -EPERM, "CHAN_NEW as B on A's socket: %d, want EPERM", ret);
	CK(nl.ext_msg[0], "EPERM without extack");
	ret = cg_chan_get(&nl, NULL, 0);
	CK(ret == -EPERM, "CHAN_GET as B on A's socket: %d, want EPERM", ret);
	/* only the gid differs: still another credential */
	CK(!seteuid(0), "seteuid 0");
	CK(!setresgid(CG_GID_B, CG_GID_B, 0) && !setresuid(CG_UID_A, CG_UID_A, 0), "A with gid B");
	ret = cg_chan_new(&nl, "ab", NULL, CG_NO_FLAGS, &id, NULL);
	CK(ret == -EPERM, "CHAN_NEW as uid A gid B on A's socket: %d, want EPERM", ret);
	CK(!seteuid(0), "seteuid 0");
	CK(!setresgid(CG_GID_A, CG_GID_A, 0) && !setresuid(CG_UID_A, CG_UID_A, 0), "back to A");
	ret = cg_chan_new(&nl, "a2", NULL, CG_NO_FLAGS, &id, NULL);
	CK(!ret, "CHAN_NEW as the opener again: %d (%s)", ret, nl.ext_msg);
	cg_nl_close(&nl);
	return 0;
}

TEST_F_TIMEOUT(acc, setuid_after_socket_open_refused, 60)
{
	struct cg_proc p;

	ASSERT_EQ(0, cg_spawn(&p, &cg_root, setuid_socket_child, NULL));
	EXPECT_CHILD_OK(&p, 30000);
}

/* ---- admin: audit group, CAM_BIND, CAM_MUTE -------------------------------- */

static int not_admin_child(void *arg, int ctl)
{
	struct cg_msg m;
	struct cg_nl nl;
	int ret;

	(void)arg;
	(void)ctl;
	CK(!cg_nl_open(&nl), "netlink");
	CK(nl.audit_group, "the family has no \"%s\" multicast group", CAMGUARD_MCGRP_AUDIT);
	ret = cg_nl_join_audit(&nl);
	CK(ret == -EPERM, "joining the audit group: %d (%s), want EPERM", ret, strerror(-ret));
	ret = cg_cam_mute(&nl, CAM, 1);
	CK(ret == -EPERM, "CAM_MUTE: %d, want EPERM", ret);
	CK(nl.ext_msg[0], "CAM_MUTE refused without extack");
	ret = cg_cam_bind(&nl, CAM, getuid(), getgid());
	CK(ret == -EPERM, "CAM_BIND: %d, want EPERM", ret);
	CK(nl.ext_msg[0], "CAM_BIND refused without extack");
	ret = cg_cam_unbind(&nl, CAM);
	CK(ret == -EPERM, "CAM_BIND (unbind): %d, want EPERM", ret);
	/* reading is for everyone */
	ret = cg_cam_get(&nl, CAM, &m);
	CK(!ret, "CAM_GET: %d (%s)", ret, nl.ext_msg);
	CK(!cg_msg_u8(&m, CAMGUARD_A_CAM_MUTED), "camera muted after a refused CAM_MUTE");
	CK(!cg_msg_has(&m, CAMGUARD_A_CAM_BOUND_UID), "camera bound after a refused CAM_BIND");
	cg_nl_close(&nl);
	return 0;
}

FIXTURE(adm) {
	struct cg_nl nl;
	struct cg_nl audit;
};

FIXTURE_VARIANT(adm) {
	const struct cg_who *who;
};

FIXTURE_VARIANT_ADD(adm, uid_a) { .who = &cg_a };
FIXTURE_VARIANT_ADD(adm, userns_root) { .who = &cg_ns_a };

FIXTURE_SETUP(adm)
{
	self->nl.fd = -1;
	self->audit.fd = -1;
	CG_NEED(1);
	ASSERT_EQ(0, cg_nl_open(&self->nl));
	ASSERT_EQ(0, cg_nl_open(&self->audit));
	ASSERT_EQ(0, cg_nl_join_audit(&self->audit)) TH_LOG("root joining the audit group");
}

FIXTURE_TEARDOWN(adm)
{
	if (self->nl.fd >= 0) {
		cg_cam_mute(&self->nl, CAM, 0);
		cg_cam_unbind(&self->nl, CAM);
		cg_nl_close(&self->nl);
	}
	if (self->audit.fd >= 0)
		cg_nl_close(&self->audit);
}

TEST_F_TIMEOUT(adm, admin_commands_and_audit_group_refused, 60)
{
	struct cg_proc p;
	struct cg_msg ev;

	cg_nl_drain(&self->audit);
	ASSERT_EQ(0, cg_spawn(&p, variant->who, not_admin_child, NULL));
	EXPECT_CHILD_OK(&p, 30000);
	ASSERT_EQ(1, cg_audit_wait(&self->audit, CAMGUARD_REASON_NOT_ADMIN, cg_tmo(3000), &ev));
	EXPECT_EQ(CG_UID_A, cg_msg_u32(&ev, CAMGUARD_A_OWNER_UID));
	/* root can */
	EXPECT_NL(0, &self->nl, cg_cam_mute(&self->nl, CAM, 1));
	EXPECT_NL(0, &self->nl, cg_cam_mute(&self->nl, CAM, 0));
	EXPECT_NL(0, &self->nl, cg_cam_bind(&self->nl, CAM, CG_UID_C, CG_GID_C));
	EXPECT_NL(0, &self->nl, cg_cam_unbind(&self->nl, CAM));
}

/* ---- strict validation ------------------------------------------------------- */

struct bad_req {
	uint8_t cmd;
	int attach_chan;	/* a channel id is needed: made first, put in CHAN_ID */
	void (*build)(struct cg_req *r, uint32_t chan);
};

static void put_name(struct cg_req *r)
{
	cg_put_str(r, CAMGUARD_A_CHAN_NAME, "ok");
}

static void b_key31(struct cg_req *r, uint32_t c)
{
	uint8_t k[31] = { 1 };

	(void)c;
	put_name(r);
	cg_put(r, CAMGUARD_A_CHAN_KEY, k, sizeof(k));
}

static void b_key33(struct cg_req *r, uint32_t c)
{
	uint8_t k[33] = { 1 };

	(void)c;
	put_name(r);
	cg_put(r, CAMGUARD_A_CHAN_KEY, k, sizeof(k));
}

static void b_name_long(struct cg_req *r, uint32_t c)
{
	(void)c;
	cg_put_str(r, CAMGUARD_A_CHAN_NAME, "0123456789abcdef0123456789abcdef"); /* 32 */
}

static void b_name_huge(struct cg_req *r, uint32_t c)
{
	char n[1000];

	(void)c;
	memset(n, 'x', sizeof(n) - 1);
	n[sizeof(n) - 1] = 0;
	cg_put_str(r, CAMGUARD_A_CHAN_NAME, n);
}

static void b_name_empty(struct cg_req *r, uint32_t c)
{
	(void)c;
	cg_put_str(r, CAMGUARD_A_CHAN_NAME, "");
}

static void b_name_no_nul(struct cg_req *r, uint32_t c)
{
	(void)c;
	cg_put(r, CAMGUARD_A_CHAN_NAME, "abcd", 4);
}

static void b_name_missing(struct cg_req *r, uint32_t c)
{
	(void)c;
	cg_put_u32(r, CAMGUARD_A_CHAN_FLAGS, 0);
}

static void b_flags_u8(struct cg_req *r, uint32_t c)
{
	(void)c;
	put_name(r);
	cg_put_u8(r, CAMGUARD_A_CHAN_FLAGS, 1);
}

static void b_flags_unknown(struct cg_req *r, uint32_t c)
{
	(void)c;
	put_name(r);
	cg_put_u32(r, CAMGUARD_A_CHAN_FLAGS, CAMGUARD_CHAN_F_ALL + 1);
}

static void b_flags_high(struct cg_req *r, uint32_t c)
{
	(void)c;
	put_name(r);
	cg_put_u32(r, CAMGUARD_A_CHAN_FLAGS, 0x80000000u);
}

static void b_unknown_attr(struct cg_req *r, uint32_t c)
{
	uint32_t v = 0;

	(void)c;
	put_name(r);
	cg_put(r, CAMGUARD_A_MAX + 1, &v, 4);
}

static void b_cam_u8(struct cg_req *r, uint32_t c)
{
	cg_put_u32(r, CAMGUARD_A_CHAN_ID, c);
	cg_put_u8(r, CAMGUARD_A_CAM_ID, 1);
}

static void b_cam_u64(struct cg_req *r, uint32_t c)
{
	cg_put_u32(r, CAMGUARD_A_CHAN_ID, c);
	cg_put_u64(r, CAMGUARD_A_CAM_ID, 1);
}

static void b_cam_missing(struct cg_req *r, uint32_t c)
{
	cg_put_u32(r, CAMGUARD_A_CHAN_ID, c);
}

static void b_chan_zero(struct cg_req *r, uint32_t c)
{
	(void)c;
	cg_put_u32(r, CAMGUARD_A_CHAN_ID, 0);
	cg_put_u32(r, CAMGUARD_A_CAM_ID, 1);
}

static void b_chan_u16(struct cg_req *r, uint32_t c)
{
	uint16_t v = (uint16_t)c;

	cg_put(r, CAMGUARD_A_CHAN_ID, &v, 2);
}

static void b_muted_2(struct cg_req *r, uint32_t c)
{
	(void)c;
	cg_put_u32(r, CAMGUARD_A_CAM_ID, CAM);
	cg_put_u8(r, CAMGUARD_A_CAM_MUTED, 2);
}

static void b_muted_u32(struct cg_req *r, uint32_t c)
{
	(void)c;
	cg_put_u32(r, CAMGUARD_A_CAM_ID, CAM);
	cg_put_u32(r, CAMGUARD_A_CAM_MUTED, 1);
}

static void b_muted_missing(struct cg_req *r, uint32_t c)
{
	(void)c;
	cg_put_u32(r, CAMGUARD_A_CAM_ID, CAM);
}

static void b_bind_uid_only(struct cg_req *r, uint32_t c)
{
	(void)c;
	cg_put_u32(r, CAMGUARD_A_CAM_ID, CAM);
	cg_put_u32(r, CAMGUARD_A_CAM_BOUND_UID, CG_UID_A);
}

static void b_short_attr(struct cg_req *r, uint32_t c)
{
	/* a header claiming more than the message holds */
	struct nlattr *a;

	(void)c;
	put_name(r);
	a = (struct nlattr *)(r->buf + r->nlh.nlmsg_len);
	a->nla_type = CAMGUARD_A_CHAN_FLAGS;
	a->nla_len = 64;
	r->nlh.nlmsg_len += 8;
}

FIXTURE(bad) {
	struct cg_nl nl;
	int nchan;
};

FIXTURE_VARIANT(bad) {
	struct bad_req req;
	bool offset;		/* the extack names the attribute (offset) */
	int err;		/* what the UAPI header promises */
};

/* Wrong types and forms: -EINVAL; lengths and values out of range: -ERANGE. */
#define BAD_ERR(name, c, needs, off, e) \
	FIXTURE_VARIANT_ADD(bad, name) { .req = { c, needs, b_##name }, .offset = off, .err = e }
#define BAD(name, c, needs, off) BAD_ERR(name, c, needs, off, -EINVAL)
#define BAD_RANGE(name, c, needs, off) BAD_ERR(name, c, needs, off, -ERANGE)

BAD_RANGE(key31, CAMGUARD_CMD_CHAN_NEW, 0, true);
BAD_RANGE(key33, CAMGUARD_CMD_CHAN_NEW, 0, true);
BAD(name_long, CAMGUARD_CMD_CHAN_NEW, 0, true);
BAD(name_huge, CAMGUARD_CMD_CHAN_NEW, 0, true);
BAD(name_empty, CAMGUARD_CMD_CHAN_NEW, 0, false);
BAD(name_no_nul, CAMGUARD_CMD_CHAN_NEW, 0, true);
BAD(name_missing, CAMGUARD_CMD_CHAN_NEW, 0, false);
BAD(flags_u8, CAMGUARD_CMD_CHAN_NEW, 0, true);
BAD(flags_unknown, CAMGUARD_CMD_CHAN_NEW, 0, true);
BAD(flags_high, CAMGUARD_CMD_CHAN_NEW, 0, true);
BAD(unknown_attr, CAMGUARD_CMD_CHAN_NEW, 0, false);
BAD(short_attr, CAMGUARD_CMD_CHAN_NEW, 0, false);
BAD(cam_u8, CAMGUARD_CMD_CHAN_ATTACH, 1, true);
BAD(cam_u64, CAMGUARD_CMD_CHAN_ATTACH, 1, true);
BAD(cam_missing, CAMGUARD_CMD_CHAN_ATTACH, 1, false);
BAD_RANGE(chan_zero, CAMGUARD_CMD_CHAN_ATTACH, 0, true);
BAD(chan_u16, CAMGUARD_CMD_CHAN_DEL, 1, true);
BAD_RANGE(muted_2, CAMGUARD_CMD_CAM_MUTE, 0, true);
BAD(muted_u32, CAMGUARD_CMD_CAM_MUTE, 0, true);
BAD(muted_missing, CAMGUARD_CMD_CAM_MUTE, 0, false);
BAD(bind_uid_only, CAMGUARD_CMD_CAM_BIND, 0, false);

FIXTURE_SETUP(bad)
{
	self->nl.fd = -1;
	CG_NEED(1);
	ASSERT_EQ(0, cg_nl_open(&self->nl));
	self->nchan = cg_chan_get(&self->nl, NULL, 0);
	ASSERT_LE(0, self->nchan);
}

FIXTURE_TEARDOWN(bad)
{
	if (self->nl.fd >= 0) {
		cg_cam_mute(&self->nl, CAM, 0);
		cg_cam_unbind(&self->nl, CAM);
		cg_nl_close(&self->nl);
	}
}

TEST_F_TIMEOUT(bad, malformed_request_refused, 30)
{
	struct cg_msg cam;
	struct cg_req r;
	uint32_t chan = 0;
	int ret, n;

	if (variant->req.attach_chan) {
		ASSERT_NL(0, &self->nl, cg_chan_new(&self->nl, "target", NULL, CG_NO_FLAGS,
						    &chan, NULL));
	}
	cg_req_init(&r, &self->nl, variant->req.cmd, 0);
	variant->req.build(&r, chan);
	ret = cg_nl_do(&self->nl, &r, NULL);
	TH_LOG("%s: %d, extack \"%s\" offset %d", cg_cmd_name(variant->req.cmd), ret,
	       self->nl.ext_msg, self->nl.ext_off);
	EXPECT_EQ(variant->err, ret);
	EXPECT_NE(0, self->nl.ext_msg[0]) TH_LOG("refused without an extack message");
	if (variant->offset)
		EXPECT_LE(0, self->nl.ext_off) TH_LOG("the extack does not point at the attribute");
	/* nothing happened */
	n = cg_chan_get(&self->nl, NULL, 0);
	EXPECT_EQ(self->nchan + (chan ? 1 : 0), n);
	ASSERT_EQ(0, cg_cam_get(&self->nl, CAM, &cam));
	EXPECT_EQ(0, cg_msg_u8(&cam, CAMGUARD_A_CAM_MUTED));
	EXPECT_FALSE(cg_msg_has(&cam, CAMGUARD_A_CAM_BOUND_UID));
	if (chan) {
		struct cg_chan_info ci;

		ASSERT_EQ(1, cg_chan_find(&self->nl, chan, &ci));
		EXPECT_EQ(-1, ci.cam);
		EXPECT_NL(0, &self->nl, cg_chan_del(&self->nl, chan));
	}
}

/* ---- limits ------------------------------------------------------------------- */

/* Make channels as the child's user until the limit: reports how many. */
struct limit_arg {
	int sockets;		/* spread over this many sockets */
	int want_ok;		/* CHAN_NEW that must succeed, then one ENOSPC */
	bool attach;		/* instead: attach want_ok channels to cam 1, then ENOSPC */
	bool hold;		/* just make want_ok channels and keep them */
};

static int limit_child(void *arg, int ctl)
{
	struct limit_arg *la = arg;
	struct cg_nl nl[4];
	uint32_t id[64];
	int i, ret;

	(void)ctl;
	for (i = 0; i < la->sockets; i++)
		CK(!cg_nl_open(&nl[i]), "netlink");
	if (la->attach) {
		for (i = 0; i <= la->want_ok; i++)
			CK(!cg_chan_new(&nl[0], "att", NULL, CG_NO_FLAGS, &id[i], NULL),
			   "CHAN_NEW %d: %s", i, nl[0].ext_msg);
		for (i = 0; i < la->want_ok; i++) {
			ret = cg_chan_attach(&nl[0], id[i], 1);
			CK(!ret, "attach %d of %d: %d (%s)", i + 1, la->want_ok, ret, nl[0].ext_msg);
		}
		ret = cg_chan_attach(&nl[0], id[i], 1);
		CK(ret == -ENOSPC, "attach %d past max_attach_per_camera: %d, want ENOSPC", i + 1, ret);
		CK(nl[0].ext_msg[0], "ENOSPC without extack");
		cg_log("extack: %s", nl[0].ext_msg);
		/* a detached channel dies and frees its place */
		ret = cg_chan_detach(&nl[0], id[0]);
		CK(!ret, "detach: %d", ret);
		ret = cg_chan_attach(&nl[0], id[i], 1);
		CK(!ret, "attach after a detach: %d (%s)", ret, nl[0].ext_msg);
	} else {
		for (i = 0; i < la->want_ok; i++) {
			ret = cg_chan_new(&nl[i % la->sockets], "lim", NULL, CG_NO_FLAGS, &id[i], NULL);
			CK(!ret, "CHAN_NEW %d of %d: %d (%s)", i + 1, la->want_ok, ret,
			   nl[i % la->sockets].ext_msg);
		}
		if (la->hold)
			goto done;
		ret = cg_chan_new(&nl[i % la->sockets], "lim", NULL, CG_NO_FLAGS, &id[i], NULL);
		CK(ret == -ENOSPC, "CHAN_NEW %d past the limit: %d, want ENOSPC", i + 1, ret);
		CK(nl[i % la->sockets].ext_msg[0], "ENOSPC without extack");
		cg_log("extack: %s", nl[i % la->sockets].ext_msg);
		if (la->want_ok) {
			/* deleting one makes room again */
			CK(!cg_chan_del(&nl[0], id[0]), "CHAN_DEL");
			ret = cg_chan_new(&nl[0], "lim", NULL, CG_NO_FLAGS, &id[0], NULL);
			CK(!ret, "CHAN_NEW after a delete: %d (%s)", ret, nl[0].ext_msg);
		}
	}
done:
	cg_say(ctl, 'L', 0);
	CK(!cg_expect(ctl, 'Q', NULL, cg_tmo(60000)), "no quit");
	for (i = 0; i < la->sockets; i++)
		cg_nl_close(&nl[i]);
	return 0;
}

TEST_F_TIMEOUT(acc, limit_channels_per_user, 60)
{
	struct limit_arg la = { .sockets = 2, .want_ok = 3 };
	struct limit_arg lb = { .sockets = 1, .want_ok = 3 };
	struct cg_proc a, b;
	struct cg_msg ev;

	cg_nl_drain(&self->audit);
	ASSERT_EQ(0, cg_param_write("max_channels_per_user", 3));
	/* A: 3 over two sockets, the 4th refused */
	ASSERT_EQ(0, cg_spawn(&a, &cg_a, limit_child, &la));
	ASSERT_EQ(0, cg_expect(a.ctl, 'L', NULL, cg_tmo(20000)));
	/* B is another owner: its own 3 */
	ASSERT_EQ(0, cg_spawn(&b, &cg_b, limit_child, &lb));
	ASSERT_EQ(0, cg_expect(b.ctl, 'L', NULL, cg_tmo(20000)));
	cg_say(a.ctl, 'Q', 0);
	cg_say(b.ctl, 'Q', 0);
	EXPECT_CHILD_OK(&a, 20000);
	EXPECT_CHILD_OK(&b, 20000);
	ASSERT_EQ(1, cg_audit_wait(&self->audit, CAMGUARD_REASON_LIMIT, cg_tmo(3000), &ev));
	EXPECT_EQ(CG_UID_A, cg_msg_u32(&ev, CAMGUARD_A_OWNER_UID));
	/* closing the sockets released them all */
	EXPECT_EQ(0, cg_chan_get(&self->nl, NULL, 0));
}

TEST_F_TIMEOUT(acc, limit_channels_global, 60)
{
	struct limit_arg la = { .sockets = 1, .want_ok = 2, .hold = true };
	struct limit_arg lb = { .sockets = 1, .want_ok = 1 };
	struct cg_proc a, b;
	struct cg_msg ev;
	int have = cg_chan_get(&self->nl, NULL, 0);

	ASSERT_LE(0, have);
	cg_nl_drain(&self->audit);
	ASSERT_EQ(0, cg_param_write("max_channels", have + 3));
	/* A holds 2, B gets 1 and is refused the next: the limit is global */
	ASSERT_EQ(0, cg_spawn(&a, &cg_a, limit_child, &la));
	ASSERT_EQ(0, cg_expect(a.ctl, 'L', NULL, cg_tmo(20000)));
	ASSERT_EQ(0, cg_spawn(&b, &cg_b, limit_child, &lb));
	ASSERT_EQ(0, cg_expect(b.ctl, 'L', NULL, cg_tmo(20000)));
	cg_say(a.ctl, 'Q', 0);
	cg_say(b.ctl, 'Q', 0);
	EXPECT_CHILD_OK(&a, 20000);
	EXPECT_CHILD_OK(&b, 20000);
	ASSERT_EQ(1, cg_audit_wait(&self->audit, CAMGUARD_REASON_LIMIT, cg_tmo(3000), &ev));
	EXPECT_EQ(CG_UID_B, cg_msg_u32(&ev, CAMGUARD_A_OWNER_UID));
	EXPECT_EQ(have, cg_chan_get(&self->nl, NULL, 0));
}

TEST_F_TIMEOUT(acc, limit_attach_per_camera, 60)
{
	struct limit_arg la = { .sockets = 1, .want_ok = 2, .attach = true };
	struct cg_proc a;

	ASSERT_EQ(0, cg_param_write("max_attach_per_camera", 2));
	ASSERT_EQ(0, cg_spawn(&a, &cg_a, limit_child, &la));
	ASSERT_EQ(0, cg_expect(a.ctl, 'L', NULL, cg_tmo(20000)));
	cg_say(a.ctl, 'Q', 0);
	EXPECT_CHILD_OK(&a, 20000);
}

/* ---- channels belong to their socket ------------------------------------------ */

static int two_sockets_child(void *arg, int ctl)
{
	struct cg_chan_info ci;
	struct cg_nl s1, s2;
	struct cg_msg *ev = malloc(sizeof(*ev));
	uint32_t id;
	int ret;

	(void)arg;
	CK(ev, "malloc");
	CK(!cg_nl_open(&s1) && !cg_nl_open(&s2), "netlink");
	CK(!cg_chan_new(&s1, "mine", NULL, CAMGUARD_CHAN_F_STREAM_EVENTS, &id, NULL), "CHAN_NEW");
	ret = cg_chan_attach(&s2, id, 1);
	CK(ret == -ENOENT, "attach from another socket of the owner: %d, want ENOENT", ret);
	ret = cg_chan_detach(&s2, id);
	CK(ret == -ENOENT, "detach from another socket: %d, want ENOENT", ret);
	ret = cg_chan_del(&s2, id);
	CK(ret == -ENOENT, "delete from another socket: %d, want ENOENT", ret);
	/* but the owner sees it from any socket, without its key */
	ret = cg_chan_find(&s2, id, &ci);
	CK(ret == 1, "CHAN_GET on the other socket does not list the owner's channel (%d)", ret);
	CK(!ci.has_key, "CHAN_GET shows the key");
	CK(!strcmp(ci.name, "mine"), "name \"%s\"", ci.name);
	CK(ci.flags == CAMGUARD_CHAN_F_STREAM_EVENTS, "flags %#x", ci.flags);
	CK(ci.uid == CG_UID_A && ci.gid == CG_GID_A, "owner %u:%u", ci.uid, ci.gid);
	{
		struct cg_ctl m = { .op = 'C', .v = { id } };

		cg_ctl_send(ctl, &m, -1);
	}
	/* root deletes it: revoked, reason DELETED */
	ret = cg_nl_event_cmd(&s1, CAMGUARD_CMD_CHAN_REVOKED, cg_tmo(20000), ev);
	CK(ret == 1, "no CHAN_REVOKED after the admin's delete (%d)", ret);
	CK(cg_msg_u32(ev, CAMGUARD_A_CHAN_ID) == id, "CHAN_REVOKED for %u",
	   cg_msg_u32(ev, CAMGUARD_A_CHAN_ID));
	CK(cg_msg_u32(ev, CAMGUARD_A_REASON) == CAMGUARD_REASON_DELETED, "reason %u",
	   cg_msg_u32(ev, CAMGUARD_A_REASON));
	ret = cg_chan_attach(&s1, id, 1);
	CK(ret == -ENOENT, "attach of a deleted channel: %d", ret);
	cg_nl_close(&s1);
	cg_nl_close(&s2);
	free(ev);
	return 0;
}

static int sees_chan_child(void *arg, int ctl)
{
	struct cg_chan_info ci;
	struct cg_nl nl;
	int ret;

	(void)ctl;
	CK(!cg_nl_open(&nl), "netlink");
	ret = cg_chan_find(&nl, (uint32_t)(uintptr_t)arg, &ci);
	CK(ret == 0, "B's CHAN_GET lists A's channel (%d)", ret);
	cg_nl_close(&nl);
	return 0;
}

TEST_F_TIMEOUT(acc, channel_belongs_to_its_socket, 60)
{
	struct cg_chan_info ci;
	struct cg_proc a, b;
	struct cg_ctl m;
	uint32_t id;

	ASSERT_EQ(0, cg_spawn(&a, &cg_a, two_sockets_child, NULL));
	ASSERT_EQ(0, cg_expect(a.ctl, 'C', &m, cg_tmo(20000)));
	id = (uint32_t)m.v[0];
	ASSERT_EQ(0, cg_spawn(&b, &cg_b, sees_chan_child, (void *)(uintptr_t)id));
	EXPECT_CHILD_OK(&b, 20000);
	ASSERT_EQ(1, cg_chan_find(&self->nl, id, &ci));
	EXPECT_EQ(CG_UID_A, ci.uid);
	EXPECT_FALSE(ci.has_key);
	EXPECT_NL(0, &self->nl, cg_chan_del(&self->nl, id));
	EXPECT_CHILD_OK(&a, 30000);
	EXPECT_EQ(0, cg_chan_find(&self->nl, id, &ci));
}

/* ---- every request under injected allocation failures ------------------------- */

FIXTURE(fault) {
	struct cg_nl nl;
	int nth;		/* /proc/thread-self/fail-nth */
	char gfp[16], verbose[16];
};

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

#define FAILSLAB "/sys/kernel/debug/failslab/"

FIXTURE_SETUP(fault)
{
	self->nl.fd = -1;
	self->nth = -1;
	self->gfp[0] = self->verbose[0] = 0;
	CG_NEED(2);
	if (access("/proc/thread-self/fail-nth", F_OK))
		SKIP(return, "no /proc/thread-self/fail-nth: kernel without CONFIG_FAULT_INJECTION");
	if (read_small(FAILSLAB "ignore-gfp-wait", self->gfp, sizeof(self->gfp)) ||
	    read_small(FAILSLAB "verbose", self->verbose, sizeof(self->verbose)))
		SKIP(return, "no " FAILSLAB ": kernel without CONFIG_FAILSLAB or debugfs");
	/* GFP_KERNEL allocations fail too; no stack dumps in the log */
	ASSERT_EQ(0, cg_write_file(FAILSLAB "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, cg_write_file(FAILSLAB "verbose", "0"));
	ASSERT_EQ(0, cg_nl_open(&self->nl));
	self->nl.answer_ms = 3000;
	self->nth = open("/proc/thread-self/fail-nth", O_RDWR);
	ASSERT_LE(0, self->nth);
}

FIXTURE_TEARDOWN(fault)
{
	if (self->nth >= 0) {
		pwrite(self->nth, "0", 1, 0);
		close(self->nth);
	}
	if (self->gfp[0])
		cg_write_file(FAILSLAB "ignore-gfp-wait", self->gfp);
	if (self->verbose[0])
		cg_write_file(FAILSLAB "verbose", self->verbose);
	if (self->nl.fd >= 0) {
		cg_cam_mute(&self->nl, CAM, 0);
		cg_cam_unbind(&self->nl, CAM);
		cg_nl_close(&self->nl);
	}
}

/* Arm fail-nth = n; returns the fd's state after @fn: 1 if the fault fired. */
static int nth_arm(int fd, int n)
{
	char v[16];
	int len = snprintf(v, sizeof(v), "%d", n);

	return pwrite(fd, v, len, 0) == len ? 0 : -errno;
}

static int nth_fired(int fd)
{
	char v[16] = { 0 };

	if (pread(fd, v, sizeof(v) - 1, 0) <= 0)
		return -1;
	pwrite(fd, "0", 1, 0);
	return atoi(v) == 0;
}

enum { OP_NEW_KEY, OP_NEW, OP_ATTACH, OP_DETACH, OP_DEL, OP_CHAN_GET, OP_STREAM_GET,
	OP_CAM_GET, OP_MUTE, OP_BIND, OP_CLOSE, OP_MAX };

static const char *const op_names[] = {
	"CHAN_NEW+key", "CHAN_NEW", "CHAN_ATTACH", "CHAN_DETACH", "CHAN_DEL", "CHAN_GET",
	"STREAM_GET", "CAM_GET", "CAM_MUTE", "CAM_BIND", "close(socket)",
};

/*
 * One request with the n-th allocation of the sending thread failing.
 * Returns the result (0, -ENOMEM, ...); *fired tells if the fault fired.
 */
static int fault_op(struct __test_metadata *_metadata, struct cg_nl *nl, int nth,
		    int op, int n, int *fired)
{
	static const uint8_t key[32] = { 7 };
	struct cg_nl extra;
	struct cg_req r;
	uint32_t id = 0, id2 = 0;
	int ret;

	/* set-up without injection */
	if (op == OP_ATTACH || op == OP_DETACH || op == OP_DEL) {
		ret = cg_chan_new(nl, "f", NULL, CG_NO_FLAGS, &id, NULL);
		if (ret)
			return 1000 + ret;
		if (op == OP_DETACH && cg_chan_attach(nl, id, 1))
			return 2000;
	}
	if (op == OP_CLOSE) {
		ret = cg_nl_open(&extra);
		if (ret)
			return 1000 + ret;
		if (cg_chan_new(&extra, "c1", NULL, CAMGUARD_CHAN_F_STREAM_EVENTS, &id, NULL) ||
		    cg_chan_new(&extra, "c2", NULL, CG_NO_FLAGS, &id2, NULL) ||
		    cg_chan_attach(&extra, id, 1))
			return 3000;
	}
	switch (op) {
	case OP_NEW_KEY:
	case OP_NEW:
		cg_req_init(&r, nl, CAMGUARD_CMD_CHAN_NEW, NLM_F_ACK);
		cg_put_str(&r, CAMGUARD_A_CHAN_NAME, "fault");
		if (op == OP_NEW_KEY)
			cg_put(&r, CAMGUARD_A_CHAN_KEY, key, 32);
		break;
	case OP_ATTACH:
		cg_req_init(&r, nl, CAMGUARD_CMD_CHAN_ATTACH, NLM_F_ACK);
		cg_put_u32(&r, CAMGUARD_A_CHAN_ID, id);
		cg_put_u32(&r, CAMGUARD_A_CAM_ID, 1);
		break;
	case OP_DETACH:
	case OP_DEL:
		cg_req_init(&r, nl, op == OP_DEL ? CAMGUARD_CMD_CHAN_DEL : CAMGUARD_CMD_CHAN_DETACH,
			    NLM_F_ACK);
		cg_put_u32(&r, CAMGUARD_A_CHAN_ID, id);
		break;
	case OP_CHAN_GET:
	case OP_STREAM_GET:
		cg_req_init(&r, nl, op == OP_CHAN_GET ? CAMGUARD_CMD_CHAN_GET :
			    CAMGUARD_CMD_STREAM_GET, NLM_F_ACK | NLM_F_DUMP);
		break;
	case OP_CAM_GET:
		cg_req_init(&r, nl, CAMGUARD_CMD_CAM_GET, NLM_F_ACK);
		cg_put_u32(&r, CAMGUARD_A_CAM_ID, CAM);
		break;
	case OP_MUTE:
		cg_req_init(&r, nl, CAMGUARD_CMD_CAM_MUTE, NLM_F_ACK);
		cg_put_u32(&r, CAMGUARD_A_CAM_ID, CAM);
		cg_put_u8(&r, CAMGUARD_A_CAM_MUTED, 1);
		break;
	case OP_BIND:
		cg_req_init(&r, nl, CAMGUARD_CMD_CAM_BIND, NLM_F_ACK);
		cg_put_u32(&r, CAMGUARD_A_CAM_ID, CAM);
		cg_put_u32(&r, CAMGUARD_A_CAM_BOUND_UID, CG_UID_A);
		cg_put_u32(&r, CAMGUARD_A_CAM_BOUND_GID, CG_GID_A);
		break;
	}
	if (op == OP_CLOSE) {
		nth_arm(nth, n);
		ret = close(extra.fd) ? -errno : 0;
		*fired = nth_fired(nth);
		extra.fd = -1;
		cg_nl_close(&extra);
		/* whatever failed, both channels are gone */
		cg_sleep_ms(50);
		if (!ret && (cg_chan_find(nl, id, &(struct cg_chan_info){ 0 }) ||
			     cg_chan_find(nl, id2, &(struct cg_chan_info){ 0 }))) {
			TH_LOG("channels %u/%u survive the close of their socket (n=%d)", id, id2, n);
			ret = -EEXIST;
		}
		return ret;
	}
	nth_arm(nth, n);
	ret = cg_nl_send(nl, &r);
	*fired = nth_fired(nth);
	if (!ret) {
		ret = cg_nl_wait(nl, &r, NULL);
		if (ret == -ETIMEDOUT && nl->overrun && *fired) {
			/* the ack itself could not be allocated */
			nl->overrun = false;
			ret = -ENOBUFS;
		}
	}
	/* clean up without injection */
	cg_cam_mute(nl, CAM, 0);
	cg_cam_unbind(nl, CAM);
	if (id)
		cg_chan_del(nl, id);
	{
		struct cg_chan_info all[64];
		int i, k = cg_chan_get(nl, all, 64);

		for (i = 0; i < k && i < 64; i++)
			cg_chan_del(nl, all[i].id);
		EXPECT_EQ(0, cg_chan_get(nl, NULL, 0)) TH_LOG("channels left after %s n=%d",
							   op_names[op], n);
	}
	return ret;
}

TEST_F_TIMEOUT(fault, requests_under_enomem, 600)
{
	int op, n, fired, ret;

	for (op = 0; op < OP_MAX; op++) {
		int fails = 0;

		for (n = 1; n <= 200; n++) {
			ret = fault_op(_metadata, &self->nl, self->nth, op, n, &fired);
			ASSERT_GT(1000, ret < 0 ? -ret : ret) TH_LOG("set-up of %s failed: %d",
								     op_names[op], ret);
			if (!fired) {
				EXPECT_EQ(0, ret) TH_LOG("%s without a fault: %d (%s)", op_names[op],
							 ret, self->nl.ext_msg);
				break;
			}
			if (ret)
				fails++;
			/* a fault may be absorbed (retries, fallbacks); an error must be one */
			EXPECT_TRUE(ret == 0 || ret == -ENOMEM || ret == -ENOBUFS || ret == -EAGAIN)
				TH_LOG("%s with allocation %d failing: %d (%s) \"%s\"", op_names[op], n,
				       ret, strerror(-ret), self->nl.ext_msg);
		}
		TH_LOG("%s: %d allocation points, %d failed the request", op_names[op], n - 1, fails);
		EXPECT_GT(200, n) TH_LOG("%s: more than 200 allocation points?", op_names[op]);
	}
}

TEST_HARNESS_MAIN
