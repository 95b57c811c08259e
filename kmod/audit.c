// SPDX-License-Identifier: GPL-2.0
/*
 * The audit multicast group: every refusal and every withheld frame, for
 * administrators (joining needs CAP_NET_ADMIN in the initial user
 * namespace). Rate-limited without losing the tally: refusals past the
 * limit are counted and reported in the next event's SUPPRESSED, and
 * withheld frames are summed per camera and reported at most ten times a
 * second (and when the stream ends) with their COUNT.
 *
 * Called from any context, the frame path included: GFP_ATOMIC, no locks
 * but the rate limiter's.
 */
#include <linux/jiffies.h>
#include <linux/ratelimit.h>

#include "camguard.h"

/* Index of the audit group in the family's mcgrps (netlink.c). */
#define CG_MCGRP_AUDIT	0

static DEFINE_RATELIMIT_STATE(cg_audit_rs, HZ, 50);
static atomic64_t cg_audit_suppressed = ATOMIC64_INIT(0);

/* The most cg_audit_fill() puts: every optional attribute present. */
#define CG_AUDIT_EVENT_SIZE						\
	(5 * nla_total_size(sizeof(u32)) +				\
	 3 * nla_total_size_64bit(sizeof(u64)))

static int cg_audit_fill(struct sk_buff *skb, const struct cg_audit *a)
{
	u64 suppressed = atomic64_xchg(&cg_audit_suppressed, 0);

	if (nla_put_u32(skb, CAMGUARD_A_REASON, a->reason) ||
	    nla_put_u64_64bit(skb, CAMGUARD_A_COUNT, a->count,
			      CAMGUARD_A_PAD) ||
	    nla_put_u32(skb, CAMGUARD_A_OWNER_UID,
			from_kuid_munged(&init_user_ns, a->uid)) ||
	    nla_put_u32(skb, CAMGUARD_A_OWNER_GID,
			from_kgid_munged(&init_user_ns, a->gid)))
		return -EMSGSIZE;
	if (a->cam && nla_put_u32(skb, CAMGUARD_A_CAM_ID, a->cam->id))
		return -EMSGSIZE;
	if (a->stream_id &&
	    nla_put_u64_64bit(skb, CAMGUARD_A_STREAM_ID, a->stream_id,
			      CAMGUARD_A_PAD))
		return -EMSGSIZE;
	if (a->chan_id && nla_put_u32(skb, CAMGUARD_A_CHAN_ID, a->chan_id))
		return -EMSGSIZE;
	if (suppressed &&
	    nla_put_u64_64bit(skb, CAMGUARD_A_SUPPRESSED, suppressed,
			      CAMGUARD_A_PAD))
		return -EMSGSIZE;
	return 0;
}

void cg_audit(const struct cg_audit *a)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&cg_genl_family, &init_net, CG_MCGRP_AUDIT))
		return;
	if (!__ratelimit(&cg_audit_rs)) {
		atomic64_inc(&cg_audit_suppressed);
		return;
	}
	skb = cg_event_new(CAMGUARD_CMD_AUDIT, CG_AUDIT_EVENT_SIZE, &hdr,
			   GFP_ATOMIC);
	if (!skb)
		goto lost;
	if (cg_audit_fill(skb, a)) {
		kfree_skb(skb);
		goto lost;
	}
	genlmsg_end(skb, hdr);
	/* -ESRCH only means the last listener just left. */
	genlmsg_multicast(&cg_genl_family, skb, 0, CG_MCGRP_AUDIT, GFP_ATOMIC);
	return;
lost:
	atomic64_inc(&cg_audit_suppressed);
}

void cg_audit_cred(enum camguard_reason reason, const struct cred *cred,
		   const struct camguard_camera *cam, u32 chan_id)
{
	struct cg_audit a = {
		.reason = reason,
		.cam = cam,
		.chan_id = chan_id,
		.uid = cred->euid,
		.gid = cred->egid,
		.count = 1,
	};

	cg_audit(&a);
}

/* @n more frame x channel pairs withheld; 0 reports what is pending. */
void cg_audit_withheld(struct camguard_camera *cam,
		       const struct cg_stream *stream, unsigned int n)
{
	struct cg_audit a = {
		.reason = CAMGUARD_REASON_FRAME_WITHHELD,
		.cam = cam,
		.stream_id = stream->id,
		.uid = stream->owner.euid,
		.gid = stream->owner.egid,
	};

	if (n) {
		atomic64_add(n, &cam->audit_withheld);
		if (time_before(jiffies, READ_ONCE(cam->audit_next)))
			return;
	}
	a.count = atomic64_xchg(&cam->audit_withheld, 0);
	if (!a.count)
		return;
	WRITE_ONCE(cam->audit_next, jiffies + HZ / 10);
	cg_audit(&a);
}

void cg_audit_init(void)
{
	/* Suppressed events are reported in-band, not in the kernel log. */
	ratelimit_set_flags(&cg_audit_rs, RATELIMIT_MSG_ON_RELEASE);
}
