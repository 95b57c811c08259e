// SPDX-License-Identifier: GPL-2.0
/*
 * The audit multicast group: every refusal, eviction and withheld frame,
 * for administrators (joining needs CAP_NET_ADMIN in the initial user
 * namespace). Withheld frames are first summed per camera and reported at
 * most ten times a second (and when the stream ends) with their COUNT.
 *
 * Rate limit, per user (the user charged, cg_owner_user()), so that one
 * user's flood of harmless refusals cannot hide another user's event: a
 * user's first CG_AUDIT_BURST events in a second are sent; the rest are
 * summed into at most CG_AUDIT_SUMS summaries per user (reason, camera,
 * stream, channel, owner; past those, one summary with the user alone),
 * which a work item sends once that user's second is over, with SUPPRESSED
 * = how many events each stands for. Nothing is lost from the tally.
 *
 * Users are tracked in CG_AUDIT_SLOTS slots, a slot taken back once its
 * user has been quiet for a second with nothing left to report. While
 * every slot is busy, the users without one share the last slot.
 *
 * cg_audit() is called from any context, the frame path included: it takes
 * only cg_audit_lock (a spinlock, interrupts off) and allocates with
 * GFP_ATOMIC.
 */
#include <linux/jiffies.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "internal.h"

/* Index of the audit group in the family's mcgrps (netlink.c). */
#define CG_MCGRP_AUDIT	0

#define CG_AUDIT_BURST	20	/* events per user and second */
#define CG_AUDIT_SUMS	8	/* summaries per user and second */
#define CG_AUDIT_SLOTS	64	/* users tracked at once */

/* Events held back: the audit record without its camera pointer. */
struct cg_audit_sum {
	enum camguard_reason reason;
	enum camguard_limit limit;
	bool has_cam;
	u16 cam_id;
	u32 chan_id;
	u64 stream_id;
	kuid_t uid;
	kgid_t gid;
	kuid_t user;
	u64 events;		/* events this summary stands for */
	u64 count;		/* the sum of their COUNTs */
};

struct cg_audit_slot {
	kuid_t user;		/* INVALID_UID: free */
	unsigned long begin;	/* jiffies: the start of the user's second */
	unsigned int sent;	/* events sent in that second */
	unsigned int nr_sums;
	struct cg_audit_sum sums[CG_AUDIT_SUMS];
	struct cg_audit_sum rest;	/* past sums[]: user and totals only */
};

static DEFINE_SPINLOCK(cg_audit_lock);
static struct cg_audit_slot audit_slots[CG_AUDIT_SLOTS];	/* under lock */
static bool audit_stopped;					/* under lock */
static void audit_flush(struct work_struct *work);
static DECLARE_DELAYED_WORK(cg_audit_flush_work, audit_flush);

/* The most audit_fill() puts: every optional attribute present. */
#define CG_AUDIT_EVENT_SIZE						\
	(8 * nla_total_size(sizeof(u32)) +				\
	 3 * nla_total_size_64bit(sizeof(u64)))

static int audit_fill(struct sk_buff *skb, const struct cg_audit_sum *s)
{
	if (nla_put_u32(skb, CAMGUARD_A_REASON, s->reason) ||
	    nla_put_u64_64bit(skb, CAMGUARD_A_COUNT, s->count,
			      CAMGUARD_A_PAD) ||
	    nla_put_u32(skb, CAMGUARD_A_USER_UID,
			from_kuid_munged(&init_user_ns, s->user)))
		return -EMSGSIZE;
	/* A summary of the rest has no owner but the user. */
	if (uid_valid(s->uid) &&
	    (nla_put_u32(skb, CAMGUARD_A_OWNER_UID,
			 from_kuid_munged(&init_user_ns, s->uid)) ||
	     nla_put_u32(skb, CAMGUARD_A_OWNER_GID,
			 from_kgid_munged(&init_user_ns, s->gid))))
		return -EMSGSIZE;
	if (s->limit && nla_put_u32(skb, CAMGUARD_A_LIMIT, s->limit))
		return -EMSGSIZE;
	if (s->has_cam && nla_put_u32(skb, CAMGUARD_A_CAM_ID, s->cam_id))
		return -EMSGSIZE;
	if (s->stream_id &&
	    nla_put_u64_64bit(skb, CAMGUARD_A_STREAM_ID, s->stream_id,
			      CAMGUARD_A_PAD))
		return -EMSGSIZE;
	if (s->chan_id && nla_put_u32(skb, CAMGUARD_A_CHAN_ID, s->chan_id))
		return -EMSGSIZE;
	if (s->events &&
	    nla_put_u64_64bit(skb, CAMGUARD_A_SUPPRESSED, s->events,
			      CAMGUARD_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/* Send one event (@s->events 0) or summary; false if it could not be. */
static bool audit_send(const struct cg_audit_sum *s, gfp_t gfp)
{
	struct sk_buff *skb;
	void *hdr;

	skb = cg_event_new(CAMGUARD_CMD_AUDIT, CG_AUDIT_EVENT_SIZE, &hdr, gfp);
	if (!skb)
		return false;
	if (audit_fill(skb, s)) {
		kfree_skb(skb);
		return false;
	}
	cg_event_multicast(skb, hdr, CG_MCGRP_AUDIT, gfp);
	return true;
}

static void audit_sum_of(struct cg_audit_sum *s, const struct cg_audit *a)
{
	*s = (struct cg_audit_sum){
		.reason = a->reason,
		.limit = a->limit,
		.has_cam = !!a->cam,
		.cam_id = a->cam ? a->cam->id : 0,
		.chan_id = a->chan_id,
		.stream_id = a->stream_id,
		.uid = a->uid,
		.gid = a->gid,
		.user = a->user,
	};
}

static bool audit_sum_same(const struct cg_audit_sum *x,
			   const struct cg_audit_sum *y)
{
	return x->reason == y->reason && x->limit == y->limit &&
	       x->has_cam == y->has_cam && x->cam_id == y->cam_id &&
	       x->chan_id == y->chan_id && x->stream_id == y->stream_id &&
	       uid_eq(x->uid, y->uid) && gid_eq(x->gid, y->gid) &&
	       uid_eq(x->user, y->user);
}

static bool audit_slot_pending(const struct cg_audit_slot *slot)
{
	return slot->nr_sums || slot->rest.events;
}

/* The slot of @user, taking a free or quiet one if it has none. */
static struct cg_audit_slot *audit_slot(kuid_t user)
{
	struct cg_audit_slot *slot, *spare = NULL;

	lockdep_assert_held(&cg_audit_lock);
	for (slot = audit_slots; slot < audit_slots + CG_AUDIT_SLOTS;
	     slot++) {
		if (uid_eq(slot->user, user))
			return slot;
		if (!spare && (!uid_valid(slot->user) ||
			       (!audit_slot_pending(slot) &&
				time_after(jiffies, slot->begin + HZ))))
			spare = slot;
	}
	if (!spare)
		return &audit_slots[CG_AUDIT_SLOTS - 1];
	spare->user = user;
	spare->begin = jiffies;
	spare->sent = 0;
	return spare;
}

/* Hold @a back in @slot's summaries. */
static void audit_hold(struct cg_audit_slot *slot, const struct cg_audit *a)
{
	struct cg_audit_sum s, *sum;

	audit_sum_of(&s, a);
	for (sum = slot->sums; sum < slot->sums + slot->nr_sums; sum++)
		if (audit_sum_same(sum, &s))
			break;
	if (sum == slot->sums + slot->nr_sums) {
		if (slot->nr_sums < CG_AUDIT_SUMS) {
			*sum = s;
			slot->nr_sums++;
		} else {
			sum = &slot->rest;
			sum->user = slot->user;
		}
	}
	sum->events++;
	sum->count += a->count;
	if (!audit_stopped)
		schedule_delayed_work(&cg_audit_flush_work, HZ);
}

void cg_audit(const struct cg_audit *a)
{
	struct cg_audit_slot *slot;
	struct cg_audit_sum s;
	unsigned long flags;
	bool send;

	if (!cg_event_has_listeners(CG_MCGRP_AUDIT))
		return;

	spin_lock_irqsave(&cg_audit_lock, flags);
	if (audit_stopped) {
		spin_unlock_irqrestore(&cg_audit_lock, flags);
		return;
	}
	slot = audit_slot(a->user);
	if (time_after(jiffies, slot->begin + HZ)) {
		slot->begin = jiffies;
		slot->sent = 0;
	}
	send = slot->sent < CG_AUDIT_BURST;
	if (send)
		slot->sent++;
	else
		audit_hold(slot, a);
	spin_unlock_irqrestore(&cg_audit_lock, flags);

	if (!send)
		return;
	audit_sum_of(&s, a);
	s.count = a->count;
	if (audit_send(&s, GFP_ATOMIC))
		return;
	/* No memory: into a summary, which the work item sends later. */
	spin_lock_irqsave(&cg_audit_lock, flags);
	audit_hold(audit_slot(a->user), a);
	spin_unlock_irqrestore(&cg_audit_lock, flags);
}

/*
 * Send the summaries of every user whose second is over; come back for the
 * others. A summary that cannot be sent (no memory) goes back for the next
 * round, so the tally stays whole.
 */
static void audit_flush(struct work_struct *work)
{
	struct cg_audit_sum sums[CG_AUDIT_SUMS + 1];
	bool again = false;
	unsigned int i, n;

	for (i = 0; i < CG_AUDIT_SLOTS; i++) {
		struct cg_audit_slot *slot = &audit_slots[i];
		struct cg_audit_sum *s;

		spin_lock_irq(&cg_audit_lock);
		if (!audit_slot_pending(slot) ||
		    !time_after(jiffies, slot->begin + HZ)) {
			again |= audit_slot_pending(slot);
			spin_unlock_irq(&cg_audit_lock);
			continue;
		}
		n = slot->nr_sums;
		memcpy(sums, slot->sums, n * sizeof(sums[0]));
		if (slot->rest.events) {
			sums[n] = slot->rest;
			sums[n].uid = INVALID_UID;
			n++;
		}
		slot->nr_sums = 0;
		slot->rest = (struct cg_audit_sum){};
		spin_unlock_irq(&cg_audit_lock);

		if (!cg_event_has_listeners(CG_MCGRP_AUDIT))
			continue;
		for (s = sums; s < sums + n; s++) {
			if (audit_send(s, GFP_KERNEL))
				continue;
			spin_lock_irq(&cg_audit_lock);
			slot->rest.user = s->user;
			slot->rest.events += s->events;
			slot->rest.count += s->count;
			spin_unlock_irq(&cg_audit_lock);
			again = true;
		}
	}
	spin_lock_irq(&cg_audit_lock);
	if (again && !audit_stopped)
		schedule_delayed_work(&cg_audit_flush_work, HZ);
	spin_unlock_irq(&cg_audit_lock);
}

void cg_audit_cred(enum camguard_reason reason, const struct cred *cred,
		   const struct camguard_camera *cam, u32 chan_id)
{
	struct cg_owner owner = cg_owner_of(cred);
	struct cg_audit a = {
		.reason = reason,
		.cam = cam,
		.chan_id = chan_id,
		.uid = cred->euid,
		.gid = cred->egid,
		.user = cg_owner_user(&owner),
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
		.user = cg_owner_user(&stream->owner),
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
	unsigned int i;

	for (i = 0; i < CG_AUDIT_SLOTS; i++)
		audit_slots[i].user = INVALID_UID;
}

/* Before the family goes: nothing is sent after this returns. */
void cg_audit_exit(void)
{
	spin_lock_irq(&cg_audit_lock);
	audit_stopped = true;
	spin_unlock_irq(&cg_audit_lock);
	cancel_delayed_work_sync(&cg_audit_flush_work);
}
