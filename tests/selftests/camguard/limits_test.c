// SPDX-License-Identifier: GPL-2.0
/*
 * Limits one user cannot turn against another ("Limits" and "Audit rate"
 * in include/uapi/linux/camguard.h):
 *
 * - a user's channels are counted together across all its user
 *   namespaces (its own, and uids of a subuid range mapped into one),
 *   sockets and processes, charged to the user in the initial namespace;
 * - the last eighth of max_channels is kept for users who hold none;
 * - a stranger's channels on an idle camera cannot keep out the camera's
 *   owner: they are evicted when the owner attaches to the full camera;
 * - one user's flood of audited refusals is summarised, never hiding
 *   another user's event and never losing from the tally.
 *
 * Each refusal is checked for its errno, extack, and audit event naming the
 * limit and the user charged. Run as root with camguard loaded (cameras >= 2).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cg_test.h"

#define CAM 1

/* A's own user namespace; another with a subuid range, as uid 5 there. */
static const struct cg_who ns_own_a = {
	.uid = CG_UID_A, .gid = CG_GID_A, .userns = true, .ns_by_user = true,
};
static const struct cg_who ns_sub_a = {
	.uid = CG_UID_A, .gid = CG_GID_A, .userns = true, .ns_by_user = true,
	.ns_sub = 200000, .ns_id = 5,
};

FIXTURE(lim) {
	struct cg_nl nl;	/* root */
	struct cg_nl audit;	/* root, in the audit group */
	long saved[3];
};

static const char *const params[] = {
	"max_channels", "max_channels_per_user", "max_attach_per_camera",
};

FIXTURE_SETUP(lim)
{
	unsigned int i;

	self->nl.fd = -1;
	self->audit.fd = -1;
	CG_NEED(2);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, cg_param_read(params[i], &self->saved[i]));
	ASSERT_EQ(0, cg_nl_open(&self->nl));
	ASSERT_EQ(0, cg_nl_open(&self->audit));
	ASSERT_EQ(0, cg_nl_join_audit(&self->audit));
}

FIXTURE_TEARDOWN(lim)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		cg_param_write(params[i], self->saved[i]);
	if (self->nl.fd >= 0)
		cg_nl_close(&self->nl);
	if (self->audit.fd >= 0)
		cg_nl_close(&self->audit);
}

/* Unprivileged user namespaces, or why not. */
static const char *userns_off(void)
{
	FILE *f = fopen("/proc/sys/kernel/unprivileged_userns_clone", "r");
	int v = 1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 1;
		fclose(f);
	}
	return v ? NULL : "kernel.unprivileged_userns_clone=0: no user namespaces for users";
}

/*
 * The next LIMIT audit event of user @user refused by @limit within @ms:
 * 1 (in @ev), 0 if none.
 */
static int audit_limit(struct cg_nl *nl, uint32_t limit, uint32_t user, int ms,
		       struct cg_msg *ev)
{
	int64_t deadline = cg_now_ms() + ms;
	int ret;

	do
		ret = cg_audit_wait(nl, CAMGUARD_REASON_LIMIT, (int)(deadline - cg_now_ms()), ev);
	while (ret == 1 && (cg_msg_u32(ev, CAMGUARD_A_LIMIT) != limit ||
			    cg_msg_u32(ev, CAMGUARD_A_USER_UID) != user));
	return ret;
}

/* ---- channels per user ---------------------------------------------------- */

/* Try CHAN_NEW @tries times over @sockets sockets; keep what was made. */
struct hold_arg {
	int sockets;
	int tries;
};

static int hold_child(void *arg, int ctl)
{
	struct hold_arg *ha = arg;
	struct cg_ctl m = { .op = 'H' };
	struct cg_nl nl[4];
	uint32_t id;
	int i, ret;

	for (i = 0; i < ha->sockets; i++)
		CK(!cg_nl_open(&nl[i]), "netlink");
	for (i = 0; i < ha->tries; i++) {
		struct cg_nl *s = &nl[i % ha->sockets];

		ret = cg_chan_new(s, "held", NULL, CG_NO_FLAGS, &id, NULL);
		if (!ret) {
			m.v[0]++;
			continue;
		}
		CK(ret == -ENOSPC, "CHAN_NEW %d: %d (%s), want ok or ENOSPC", i + 1, ret,
		   s->ext_msg);
		CK(s->ext_msg[0], "ENOSPC without an extack message");
		if (!m.s[0])
			snprintf(m.s, sizeof(m.s), "%s", s->ext_msg);
		m.v[1]++;
	}
	cg_ctl_send(ctl, &m, -1);
	CK(!cg_expect(ctl, 'Q', NULL, cg_tmo(60000)), "no quit");
	for (i = 0; i < ha->sockets; i++)
		cg_nl_close(&nl[i]);
	return 0;
}

/* Spawn a holder as @who and wait for its counts: made, refused. */
static int hold(struct cg_proc *p, const struct cg_who *who, struct hold_arg *ha,
		struct cg_ctl *m)
{
	int ret = cg_spawn(p, who, hold_child, ha);

	if (ret)
		return ret;
	ret = cg_expect(p->ctl, 'H', m, cg_tmo(20000));
	if (!ret)
		cg_log("uid %u%s: %lld made, %lld refused%s%s", who->uid,
		       who->userns ? (who->ns_sub ? " (own userns, subuid)" : " (own userns)") : "",
		       (long long)m->v[0], (long long)m->v[1], m->s[0] ? ": " : "", m->s);
	return ret;
}

TEST_F_TIMEOUT(lim, channels_per_user_across_namespaces_processes_sockets, 120)
{
	struct hold_arg two = { .sockets = 2, .tries = 2 };
	struct cg_proc p[9];
	const struct cg_who *who[9];
	long made = 0, refused = 0;
	struct cg_msg ev;
	struct cg_ctl m;
	int i, n = 0;

	if (userns_off())
		SKIP(return, "%s", userns_off());
	ASSERT_EQ(0, cg_chan_get(&self->nl, NULL, 0)) TH_LOG("channels left by others");
	ASSERT_EQ(0, cg_param_write("max_channels_per_user", 5));
	cg_nl_drain(&self->audit);
	/* A itself, six namespaces of A's own, then one with A's subuids */
	who[n++] = &cg_a;
	for (i = 0; i < 6; i++)
		who[n++] = &ns_own_a;
	who[n++] = &ns_sub_a;
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, hold(&p[i], who[i], &two, &m));
		made += m.v[0];
		refused += m.v[1];
		/* in order: the first five tries succeed, then none */
		EXPECT_EQ(i < 2 ? 2 : i == 2 ? 1 : 0, m.v[0]) TH_LOG("holder %d", i);
	}
	EXPECT_EQ(5, made);
	EXPECT_EQ(2 * n - 5, refused);
	/* the last refusals came from a subuid inside A's namespace: charged to A */
	ASSERT_EQ(1, audit_limit(&self->audit, CAMGUARD_LIMIT_CHANNELS_PER_USER, CG_UID_A,
				 cg_tmo(3000), &ev));
	EXPECT_EQ(CG_UID_A, cg_msg_u32(&ev, CAMGUARD_A_USER_UID));
	/* another user is untouched */
	ASSERT_EQ(0, hold(&p[n], &cg_b, &two, &m));
	EXPECT_EQ(2, m.v[0]);
	EXPECT_EQ(0, m.v[1]);
	for (i = 0; i <= n; i++) {
		cg_say(p[i].ctl, 'Q', 0);
		EXPECT_CHILD_OK(&p[i], 20000);
	}
	/* closing the sockets released them all */
	EXPECT_EQ(0, cg_chan_get(&self->nl, NULL, 0));
}

TEST_F_TIMEOUT(lim, subuid_refusal_names_actor_and_user, 60)
{
	struct hold_arg one = { .sockets = 1, .tries = 1 };
	struct cg_proc a, s;
	struct cg_msg ev;
	struct cg_ctl m;

	if (userns_off())
		SKIP(return, "%s", userns_off());
	ASSERT_EQ(0, cg_param_write("max_channels_per_user", 1));
	cg_nl_drain(&self->audit);
	ASSERT_EQ(0, hold(&a, &cg_a, &one, &m));
	EXPECT_EQ(1, m.v[0]);
	ASSERT_EQ(0, hold(&s, &ns_sub_a, &one, &m));
	EXPECT_EQ(0, m.v[0]);
	EXPECT_EQ(1, m.v[1]);
	ASSERT_EQ(1, audit_limit(&self->audit, CAMGUARD_LIMIT_CHANNELS_PER_USER, CG_UID_A,
				 cg_tmo(3000), &ev));
	/* uid 5 of the namespace is 200004 outside (ids 1..9 -> 200000..) */
	EXPECT_EQ(200004, cg_msg_u32(&ev, CAMGUARD_A_OWNER_UID));
	cg_say(a.ctl, 'Q', 0);
	cg_say(s.ctl, 'Q', 0);
	EXPECT_CHILD_OK(&a, 20000);
	EXPECT_CHILD_OK(&s, 20000);
}

TEST_F_TIMEOUT(lim, last_channels_kept_for_new_users, 60)
{
	struct hold_arg many = { .sockets = 1, .tries = 16 };
	struct hold_arg two = { .sockets = 1, .tries = 2 };
	struct cg_proc a, b;
	struct cg_msg ev;
	struct cg_ctl m;
	long max = 16, reserve = (16 + 7) / 8;

	ASSERT_EQ(0, cg_chan_get(&self->nl, NULL, 0)) TH_LOG("channels left by others");
	ASSERT_EQ(0, cg_param_write("max_channels", max));
	ASSERT_EQ(0, cg_param_write("max_channels_per_user", 64));
	cg_nl_drain(&self->audit);
	/* A takes all but the reserve */
	ASSERT_EQ(0, hold(&a, &cg_a, &many, &m));
	EXPECT_EQ(max - reserve, m.v[0]);
	EXPECT_EQ(many.tries - (max - reserve), m.v[1]);
	ASSERT_EQ(1, audit_limit(&self->audit, CAMGUARD_LIMIT_CHANNELS_RESERVED, CG_UID_A,
				 cg_tmo(3000), &ev));
	/* B, holding none, gets one of the reserve, and then no more */
	ASSERT_EQ(0, hold(&b, &cg_b, &two, &m));
	EXPECT_EQ(1, m.v[0]);
	EXPECT_EQ(1, m.v[1]);
	ASSERT_EQ(1, audit_limit(&self->audit, CAMGUARD_LIMIT_CHANNELS_RESERVED, CG_UID_B,
				 cg_tmo(3000), &ev));
	cg_say(a.ctl, 'Q', 0);
	cg_say(b.ctl, 'Q', 0);
	EXPECT_CHILD_OK(&a, 20000);
	EXPECT_CHILD_OK(&b, 20000);
}

/* ---- a camera's places ----------------------------------------------------- */

/*
 * The stranger: attaches channels to the idle camera until it is full,
 * one more is refused, then it reports the ids and waits for revocations.
 */
struct squat_arg {
	int n;
};

static int squat_child(void *arg, int ctl)
{
	struct squat_arg *sa = arg;
	struct cg_ctl m = { .op = 'F' };
	struct cg_msg *ev = malloc(sizeof(*ev));
	struct cg_nl nl;
	uint32_t id;
	int i, ret;

	CK(ev && !cg_nl_open(&nl), "netlink");
	for (i = 0; i <= sa->n; i++) {
		CK(!cg_chan_new(&nl, "squat", NULL, CG_NO_FLAGS, &id, NULL), "CHAN_NEW");
		ret = cg_chan_attach(&nl, id, CAM);
		if (i < sa->n) {
			CK(!ret, "attach %d to the idle camera: %d (%s)", i + 1, ret, nl.ext_msg);
			m.v[i] = id;
		} else {
			CK(ret == -ENOSPC, "attach past max_attach_per_camera: %d", ret);
			CK(nl.ext_msg[0], "ENOSPC without extack");
		}
	}
	cg_ctl_send(ctl, &m, -1);
	/* then the owner comes: each eviction is told, the latest first */
	for (i = sa->n - 1; i >= 0; i--) {
		ret = cg_nl_event_cmd(&nl, CAMGUARD_CMD_CHAN_REVOKED, cg_tmo(20000), ev);
		CK(ret == 1, "no CHAN_REVOKED (%d)", ret);
		CK(cg_msg_u32(ev, CAMGUARD_A_CHAN_ID) == m.v[i], "revoked %u, want %lld",
		   cg_msg_u32(ev, CAMGUARD_A_CHAN_ID), (long long)m.v[i]);
		CK(cg_msg_u32(ev, CAMGUARD_A_REASON) == CAMGUARD_REASON_EVICTED,
		   "reason %u, want EVICTED", cg_msg_u32(ev, CAMGUARD_A_REASON));
		cg_say(ctl, 'E', m.v[i]);
	}
	CK(!cg_expect(ctl, 'Q', NULL, cg_tmo(60000)), "no quit");
	cg_nl_close(&nl);
	free(ev);
	return 0;
}

/* The owner: owns the camera's queue, then attaches @n + 1 channels. */
static int owner_child(void *arg, int ctl)
{
	struct squat_arg *sa = arg;
	struct cg_cam cam;
	struct cg_nl nl;
	uint32_t id;
	int i, ret;

	CK(!cg_nl_open(&nl), "netlink");
	CK(!cg_cam_open(&cam, CAM), "open camera %d", CAM);
	CK(cg_cam_reqbufs(&cam, 2, V4L2_MEMORY_MMAP) > 0, "REQBUFS: the stream's owner");
	for (i = 0; i <= sa->n; i++) {
		CK(!cg_chan_new(&nl, "owner", NULL, CG_NO_FLAGS, &id, NULL), "CHAN_NEW");
		ret = cg_chan_attach(&nl, id, CAM);
		if (i < sa->n) {
			CK(!ret, "owner's attach %d: %d (%s)", i + 1, ret, nl.ext_msg);
			/* one stranger evicted per attach */
			CK(!cg_expect(ctl, 'E', NULL, cg_tmo(20000)), "no eviction %d", i + 1);
		} else {
			/* full of the owner's own: nothing left to evict */
			CK(ret == -ENOSPC, "attach past the owner's own: %d", ret);
		}
	}
	cg_say(ctl, 'O', 0);
	CK(!cg_expect(ctl, 'Q', NULL, cg_tmo(60000)), "no quit");
	cg_cam_close(&cam);
	cg_nl_close(&nl);
	return 0;
}

TEST_F_TIMEOUT(lim, owner_evicts_strangers_from_full_idle_camera, 120)
{
	struct squat_arg sa = { .n = 2 };
	struct cg_proc s, o;
	struct cg_msg ev;
	struct cg_ctl m;
	int i;

	ASSERT_EQ(0, cg_param_write("max_attach_per_camera", sa.n));
	cg_nl_drain(&self->audit);
	ASSERT_EQ(0, cg_spawn(&s, &cg_a, squat_child, &sa));
	ASSERT_EQ(0, cg_expect(s.ctl, 'F', &m, cg_tmo(20000)));
	ASSERT_EQ(1, audit_limit(&self->audit, CAMGUARD_LIMIT_ATTACH_PER_CAMERA, CG_UID_A,
				 cg_tmo(3000), &ev));
	EXPECT_EQ(CAM, cg_msg_u32(&ev, CAMGUARD_A_CAM_ID));
	ASSERT_EQ(0, cg_spawn(&o, &cg_b, owner_child, &sa));
	for (i = 0; i < sa.n; i++) {
		struct cg_ctl e;

		ASSERT_EQ(0, cg_expect(s.ctl, 'E', &e, cg_tmo(20000)));
		cg_say(o.ctl, 'E', e.v[0]);
	}
	ASSERT_EQ(0, cg_expect(o.ctl, 'O', NULL, cg_tmo(20000)));
	/* each eviction audited, naming the stranger and its channel */
	for (i = sa.n - 1; i >= 0; i--) {
		int ret;

		ret = cg_audit_wait(&self->audit, CAMGUARD_REASON_EVICTED, cg_tmo(3000), &ev);
		ASSERT_EQ(1, ret);
		EXPECT_EQ(CG_UID_A, cg_msg_u32(&ev, CAMGUARD_A_OWNER_UID));
		EXPECT_EQ(m.v[i], cg_msg_u32(&ev, CAMGUARD_A_CHAN_ID));
	}
	cg_say(s.ctl, 'Q', 0);
	cg_say(o.ctl, 'Q', 0);
	EXPECT_CHILD_OK(&s, 20000);
	EXPECT_CHILD_OK(&o, 20000);
}

/* ---- the audit trail under a flood ----------------------------------------- */

/* @n refused admin requests (CAM_MUTE) as fast as they go. */
static int flood_child(void *arg, int ctl)
{
	long n = *(long *)arg, i;
	struct cg_nl nl;
	int ret;

	CK(!cg_nl_open(&nl), "netlink");
	for (i = 0; i < n; i++) {
		ret = cg_cam_mute(&nl, 0, 1);
		CK(ret == -EPERM, "CAM_MUTE as a user: %d, want EPERM", ret);
	}
	cg_say(ctl, 'D', 0);
	cg_nl_close(&nl);
	return 0;
}

TEST_F_TIMEOUT(lim, audit_flood_hides_no_other_user, 120)
{
	long n = 300, one = 1;
	uint64_t a_count = 0, a_events = 0, a_summaries = 0;
	int b_seen = 0, ret;
	struct cg_proc a, b;
	struct cg_msg ev;
	int64_t deadline;

	cg_nl_drain(&self->audit);
	ASSERT_EQ(0, cg_spawn(&a, &cg_a, flood_child, &n));
	ASSERT_EQ(0, cg_expect(a.ctl, 'D', NULL, cg_tmo(60000)));
	ASSERT_EQ(0, cg_spawn(&b, &cg_b, flood_child, &one));
	ASSERT_EQ(0, cg_expect(b.ctl, 'D', NULL, cg_tmo(20000)));
	EXPECT_CHILD_OK(&a, 20000);
	EXPECT_CHILD_OK(&b, 20000);
	/* A's summaries come once its second is over: wait for the whole tally */
	deadline = cg_now_ms() + cg_tmo(5000);
	while (a_count < (uint64_t)n || !b_seen) {
		int64_t left = deadline - cg_now_ms();

		ret = cg_nl_event_cmd(&self->audit, CAMGUARD_CMD_AUDIT,
				      left > 0 ? (int)left : 0, &ev);
		if (ret != 1)
			break;
		if (cg_msg_u32(&ev, CAMGUARD_A_REASON) != CAMGUARD_REASON_NOT_ADMIN)
			continue;
		if (cg_msg_u32(&ev, CAMGUARD_A_USER_UID) == CG_UID_B) {
			/* B's one refusal, sent as it happened */
			EXPECT_FALSE(cg_msg_has(&ev, CAMGUARD_A_SUPPRESSED));
			EXPECT_EQ(1, cg_msg_u64(&ev, CAMGUARD_A_COUNT));
			b_seen++;
			continue;
		}
		if (cg_msg_u32(&ev, CAMGUARD_A_USER_UID) != CG_UID_A)
			continue;
		EXPECT_EQ(CG_UID_A, cg_msg_u32(&ev, CAMGUARD_A_OWNER_UID));
		a_count += cg_msg_u64(&ev, CAMGUARD_A_COUNT);
		if (cg_msg_has(&ev, CAMGUARD_A_SUPPRESSED)) {
			a_summaries++;
			EXPECT_EQ(cg_msg_u64(&ev, CAMGUARD_A_COUNT),
				  cg_msg_u64(&ev, CAMGUARD_A_SUPPRESSED));
		} else {
			a_events++;
		}
	}
	TH_LOG("A: %d refusals -> %llu events and %llu summaries, tally %llu; B seen %d",
	       (int)n, (unsigned long long)a_events, (unsigned long long)a_summaries,
	       (unsigned long long)a_count, b_seen);
	EXPECT_EQ(1, b_seen);
	EXPECT_EQ((uint64_t)n, a_count);
	EXPECT_LE(1, a_summaries);
	EXPECT_GT((uint64_t)n / 2, a_events) TH_LOG("A's flood was not held back");
}

TEST_HARNESS_MAIN
