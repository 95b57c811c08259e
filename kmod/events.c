// SPDX-License-Identifier: GPL-2.0
/*
 * Every message the module sends without being asked, built and delivered
 * here: frame, stream and revocation events to a channel's socket, audit
 * events to the audit group; and the attributes replies share with them
 * (owner, counters).
 *
 * Events go straight to the channel's socket (sock_queue_rcv_skb()) rather
 * than through netlink_unicast() by port id: a port id is free for another
 * socket as soon as netlink_release() has unhashed the old one, which is
 * before the release notifier revokes the channel, so delivery by port id
 * could reach a newcomer that bound the same port id in between. A socket
 * whose receive buffer is full loses the event (counted); nothing waits.
 *
 * The family is handed over by netlink.c once registered
 * (cg_events_start()); nothing is sent before, when no channel can exist
 * and nobody listens. It stays valid as long as this module's data. After
 * it is unregistered, events to sockets still open carry its old id and
 * multicasts find no listener. Callable from any context; the caller's
 * gfp says how to allocate.
 */
#include <linux/ktime.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "internal.h"

static struct genl_family *family;	/* READ_ONCE: NULL until registered */

void cg_events_start(struct genl_family *registered)
{
	WRITE_ONCE(family, registered);
}

/*
 * An event sized for @payload bytes of attributes (a sum of
 * nla_total_size()). Sized to fit rather than NLMSG_DEFAULT_SIZE: a
 * reader's receive buffer is charged each queued skb's truesize, and
 * genlmsg_new(NLMSG_DEFAULT_SIZE) adds the genetlink header to a page's
 * worth, which lands in an 8 KiB slab: ten times what a frame event
 * needs, so a reader briefly behind would lose events ten times sooner.
 */
struct sk_buff *cg_event_new(u8 cmd, size_t payload, void **hdr, gfp_t gfp)
{
	struct genl_family *fam = READ_ONCE(family);
	struct sk_buff *skb;

	if (!fam)
		return NULL;
	skb = genlmsg_new(payload, gfp);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, fam, 0, cmd);
	if (!*hdr) {
		kfree_skb(skb);
		return NULL;
	}
	return skb;
}

/* ---- attributes shared with replies ---- */

static int put_u64(struct sk_buff *skb, int attr, u64 val)
{
	return nla_put_u64_64bit(skb, attr, val, CAMGUARD_STAT_PAD);
}

size_t cg_stream_stats_size(void)
{
	return nla_total_size(0) + 4 * nla_total_size_64bit(sizeof(u64));
}

int cg_put_stats(struct sk_buff *skb, const struct cg_stats *stats,
		 const struct camguard_camera *cam)
{
	struct nlattr *nest = nla_nest_start(skb, CAMGUARD_A_STATS);

	if (!nest)
		return -EMSGSIZE;
	if (put_u64(skb, CAMGUARD_STAT_FRAMES_TAGGED,
		    atomic64_read(&stats->tagged)) ||
	    put_u64(skb, CAMGUARD_STAT_FRAMES_DELIVERED,
		    atomic64_read(&stats->delivered)) ||
	    put_u64(skb, CAMGUARD_STAT_FRAMES_WITHHELD,
		    atomic64_read(&stats->withheld)) ||
	    put_u64(skb, CAMGUARD_STAT_EVENTS_DROPPED,
		    atomic64_read(&stats->dropped)))
		goto cancel;
	if (cam && (put_u64(skb, CAMGUARD_STAT_STREAMS,
			    atomic64_read(&cam->streams)) ||
		    put_u64(skb, CAMGUARD_STAT_REFUSED,
			    atomic64_read(&cam->refused))))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int cg_put_owner(struct sk_buff *skb, const struct cg_owner *owner,
		 struct user_namespace *ns)
{
	if (nla_put_u32(skb, CAMGUARD_A_OWNER_UID,
			from_kuid_munged(ns, owner->euid)) ||
	    nla_put_u32(skb, CAMGUARD_A_OWNER_GID,
			from_kgid_munged(ns, owner->egid)))
		return -EMSGSIZE;
	return 0;
}

/* ---- to a channel ---- */

static int queue_to(struct cg_chan *chan, struct sk_buff *skb)
{
	struct sock *sk = chan->sk;
	int ret;

	if (sock_flag(sk, SOCK_DEAD)) {
		kfree_skb(skb);
		return -EPIPE;
	}
	/* From the kernel: port id 0, no group (alloc_skb zeroed cb). */
	ret = sock_queue_rcv_skb(sk, skb);
	if (ret)
		kfree_skb(skb);
	return ret;
}

/*
 * Finish an event built by cg_event_new() (@skb may be NULL: allocation
 * failed; @put_err: filling it failed) and queue it to @chan. Returns 0,
 * or a negative errno after counting the lost event on the channel.
 */
static int send_to(struct cg_chan *chan, struct sk_buff *skb, void *hdr,
		   int put_err)
{
	if (skb && put_err) {
		kfree_skb(skb);
		skb = NULL;
	}
	if (skb) {
		genlmsg_end(skb, hdr);
		if (!queue_to(chan, skb))
			return 0;
	}
	atomic64_inc(&chan->stats.dropped);
	return -ENOBUFS;
}

/* The attributes cg_event_frame() puts in a frame event. */
#define FRAME_EVENT_SIZE						\
	(2 * nla_total_size(sizeof(u32)) +				\
	 nla_total_size(sizeof(struct camguard_frame_tag)) +		\
	 nla_total_size(CAMGUARD_MAC_LEN) +				\
	 nla_total_size_64bit(sizeof(u64)))

int cg_event_frame(struct cg_chan *chan, const struct camguard_camera *cam,
		   const struct camguard_frame_tag *tag, const u8 *mac)
{
	struct sk_buff *skb;
	void *hdr = NULL;
	int err = 0;

	skb = cg_event_new(CAMGUARD_CMD_FRAME, FRAME_EVENT_SIZE, &hdr,
			   GFP_NOWAIT);
	if (skb &&
	    (nla_put_u32(skb, CAMGUARD_A_CHAN_ID, chan->id) ||
	     nla_put_u32(skb, CAMGUARD_A_CAM_ID, cam->id) ||
	     nla_put(skb, CAMGUARD_A_FRAME_TAG, sizeof(*tag), tag) ||
	     nla_put(skb, CAMGUARD_A_FRAME_MAC, CAMGUARD_MAC_LEN, mac) ||
	     nla_put_u64_64bit(skb, CAMGUARD_A_EVENT_NS, ktime_get_ns(),
			       CAMGUARD_A_PAD)))
		err = -EMSGSIZE;
	return send_to(chan, skb, hdr, err);
}

void cg_event_revoked(struct cg_chan *chan, enum camguard_reason reason)
{
	struct sk_buff *skb;
	void *hdr = NULL;
	int err = 0;

	skb = cg_event_new(CAMGUARD_CMD_CHAN_REVOKED,
			   2 * nla_total_size(sizeof(u32)), &hdr, GFP_KERNEL);
	if (skb)
		err = nla_put_u32(skb, CAMGUARD_A_CHAN_ID, chan->id) ?:
		      nla_put_u32(skb, CAMGUARD_A_REASON, reason);
	send_to(chan, skb, hdr, err);
}

static void stream_to(struct cg_chan *chan, struct camguard_camera *cam,
		      struct cg_stream *stream, u8 cmd)
{
	struct sk_buff *skb;
	void *hdr = NULL;
	size_t size;
	int err = 0;

	if (!(chan->flags & CAMGUARD_CHAN_F_STREAM_EVENTS) ||
	    !cg_owner_equal(&chan->owner, &stream->owner))
		return;
	size = 2 * nla_total_size(sizeof(u32)) +
	       nla_total_size_64bit(sizeof(u64));
	if (cmd == CAMGUARD_CMD_STREAM_STOP)
		size += cg_stream_stats_size();
	skb = cg_event_new(cmd, size, &hdr, GFP_ATOMIC);
	if (skb &&
	    (nla_put_u32(skb, CAMGUARD_A_CHAN_ID, chan->id) ||
	     nla_put_u32(skb, CAMGUARD_A_CAM_ID, cam->id) ||
	     nla_put_u64_64bit(skb, CAMGUARD_A_STREAM_ID, stream->id,
			       CAMGUARD_A_PAD) ||
	     (cmd == CAMGUARD_CMD_STREAM_STOP &&
	      cg_put_stats(skb, &stream->stats, NULL))))
		err = -EMSGSIZE;
	send_to(chan, skb, hdr, err);
}

/*
 * Tell the channels of @stream's owner (or just @only) that it started or
 * stopped. Caller holds cam->lock.
 */
void cg_event_stream(struct camguard_camera *cam, struct cg_stream *stream,
		     u8 cmd, struct cg_chan *only)
{
	struct cg_chan *chan;

	if (only) {
		stream_to(only, cam, stream, cmd);
		return;
	}
	rcu_read_lock();
	list_for_each_entry_rcu(chan, &cam->chans, cam_node)
		stream_to(chan, cam, stream, cmd);
	rcu_read_unlock();
}

/* ---- to a multicast group ---- */

bool cg_event_has_listeners(unsigned int group)
{
	struct genl_family *fam = READ_ONCE(family);

	return fam && genl_has_listeners(fam, &init_net, group);
}

/* Finish @skb (from cg_event_new(), so the family is known) for @group. */
void cg_event_multicast(struct sk_buff *skb, void *hdr, unsigned int group,
			gfp_t gfp)
{
	genlmsg_end(skb, hdr);
	/* -ESRCH only means the last listener just left. */
	genlmsg_multicast(READ_ONCE(family), skb, 0, group, gfp);
}
