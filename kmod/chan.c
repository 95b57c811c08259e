// SPDX-License-Identifier: GPL-2.0
/*
 * Channels: one display endpoint each, owned by the credential that created
 * it, bound to the netlink socket it was created on, attached to at most
 * one camera. All changes happen under cg_lock; the frame path walks a
 * camera's channels under RCU only.
 *
 * A channel dies (cg_chan_revoke()) on delete, detach, socket release,
 * camera disconnect and module unload. It is unlinked at once and freed by
 * a work item after an RCU grace period, when no frame path can still be
 * delivering to it; until then it holds a reference to its socket.
 *
 * Events reach the channel's socket through events.c.
 */
#include <crypto/hash.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "internal.h"

static struct workqueue_struct *chan_wq;
static u32 chan_next_id;
static unsigned int nr_chans;	/* under cg_lock */

static unsigned int chan_count_user(kuid_t user)
{
	struct cg_chan *chan;
	unsigned int n = 0;
	unsigned long id;

	xa_for_each(&cg_chans, id, chan)
		n += uid_eq(chan->user, user);
	return n;
}

/*
 * May @user have one more channel? The limits of "Limits" in the uapi
 * header, checked under cg_lock: CAMGUARD_LIMIT_NONE if it may, else the
 * limit that refuses, named in @extack.
 */
static enum camguard_limit chan_limit(kuid_t user,
				      struct netlink_ext_ack *extack)
{
	unsigned int max = READ_ONCE(cg_max_channels);
	unsigned int held = chan_count_user(user);

	if (nr_chans >= max) {
		NL_SET_ERR_MSG(extack, "camguard: no channel left (max_channels)");
		return CAMGUARD_LIMIT_CHANNELS;
	}
	if (held >= READ_ONCE(cg_max_channels_per_user)) {
		NL_SET_ERR_MSG(extack, "camguard: user at max_channels_per_user (all namespaces)");
		return CAMGUARD_LIMIT_CHANNELS_PER_USER;
	}
	/* The last eighth is kept for users who hold none yet. */
	if (held && nr_chans >= max - DIV_ROUND_UP(max, 8)) {
		NL_SET_ERR_MSG(extack, "camguard: last channels kept for users with none");
		return CAMGUARD_LIMIT_CHANNELS_RESERVED;
	}
	return CAMGUARD_LIMIT_NONE;
}

static void chan_free(struct cg_chan *chan)
{
	if (!IS_ERR_OR_NULL(chan->hmac))
		crypto_free_shash(chan->hmac);
	cg_owner_release(&chan->owner);
	if (chan->sk)
		sock_put(chan->sk);
	kfree_sensitive(chan);
}

static void chan_free_work(struct work_struct *work)
{
	chan_free(container_of(to_rcu_work(work), struct cg_chan,
			       free_work));
}

struct cg_chan *cg_chan_new(const struct cred *cred, struct sock *sk,
			    u32 portid, const char *name, const u8 *key,
			    u32 flags, struct netlink_ext_ack *extack)
{
	struct cg_owner owner = cg_owner_of(cred);
	struct cg_audit a = {
		.reason = CAMGUARD_REASON_LIMIT,
		.uid = cred->euid,
		.gid = cred->egid,
		.user = cg_owner_user(&owner),
		.count = 1,
	};
	struct cg_chan *chan;
	int ret;

	lockdep_assert_held(&cg_lock);

	a.limit = chan_limit(a.user, extack);
	if (a.limit) {
		cg_audit(&a);
		return ERR_PTR(-ENOSPC);
	}

	chan = kzalloc(sizeof(*chan), GFP_KERNEL);
	if (!chan)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&chan->cam_node);
	INIT_RCU_WORK(&chan->free_work, chan_free_work);
	strscpy(chan->name, name, sizeof(chan->name));
	chan->flags = flags;
	chan->portid = portid;

	chan->hmac = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(chan->hmac)) {
		ret = PTR_ERR(chan->hmac);
		goto err;
	}
	ret = crypto_shash_setkey(chan->hmac, key, CAMGUARD_KEY_LEN);
	if (ret)
		goto err;

	ret = xa_alloc_cyclic(&cg_chans, &chan->id, chan, xa_limit_32b,
			      &chan_next_id, GFP_KERNEL);
	if (ret < 0)
		goto err;
	cg_owner_copy(&chan->owner, &owner);
	chan->user = a.user;
	sock_hold(sk);
	chan->sk = sk;
	nr_chans++;
	cg_changed();
	return chan;
err:
	NL_SET_ERR_MSG(extack, "camguard: cannot set up the channel");
	chan_free(chan);
	return ERR_PTR(ret);
}

struct cg_chan *cg_chan_find(u32 id, struct sock *sk)
{
	struct cg_chan *chan;

	lockdep_assert_held(&cg_lock);
	chan = xa_load(&cg_chans, id);
	return chan && (!sk || chan->sk == sk) ? chan : NULL;
}

/*
 * May @chan's owner see @cam's frames? Its current stream's owner decides,
 * or with no stream the owner it is bound to; an idle unbound camera
 * accepts any channel (every frame is checked at delivery anyway).
 */
static bool chan_may_attach(struct cg_chan *chan,
			    struct camguard_camera *cam,
			       struct cg_stream **current_stream)
{
	struct cg_stream *stream;

	lockdep_assert_held(&cam->lock);
	stream = rcu_dereference_protected(cam->stream,
					   lockdep_is_held(&cam->lock));
	*current_stream = stream;
	if (stream)
		return cg_owner_equal(&stream->owner, &chan->owner);
	if (cam->bound)
		return uid_eq(cam->bound_uid, chan->owner.euid) &&
		       gid_eq(cam->bound_gid, chan->owner.egid);
	return true;
}

static void chan_audit(struct cg_chan *chan, struct camguard_camera *cam,
		       enum camguard_reason reason,
			  enum camguard_limit limit, u64 stream_id)
{
	struct cg_audit a = {
		.reason = reason,
		.limit = limit,
		.cam = cam,
		.stream_id = stream_id,
		.chan_id = chan->id,
		.uid = chan->owner.euid,
		.gid = chan->owner.egid,
		.user = chan->user,
		.count = 1,
	};

	cg_audit(&a);
}

/*
 * Make a place on full @cam for @chan, whose owner is the camera's
 * rightful one (its stream's, or the one it is bound to): revoke channels
 * of other owners, the latest attached first, until one place is free.
 * They could never receive this owner's frames. Revokes nothing and
 * returns false if that cannot make a place.
 */
static bool chan_evict_for(struct cg_chan *chan, struct camguard_camera *cam,
			   unsigned int max)
{
	struct cg_chan *other, *tmp;
	unsigned int others = 0;

	lockdep_assert_held(&cg_lock);
	list_for_each_entry(other, &cam->chans, cam_node)
		others += !cg_owner_equal(&other->owner, &chan->owner);
	if (cam->nr_chans - others >= max)
		return false;
	list_for_each_entry_safe_reverse(other, tmp, &cam->chans, cam_node) {
		if (cam->nr_chans < max)
			break;
		if (cg_owner_equal(&other->owner, &chan->owner))
			continue;
		chan_audit(other, cam, CAMGUARD_REASON_EVICTED,
			   CAMGUARD_LIMIT_NONE, 0);
		cg_chan_revoke(other, CAMGUARD_REASON_EVICTED);
	}
	return true;
}

int cg_chan_attach(struct cg_chan *chan, struct camguard_camera *cam,
		   struct netlink_ext_ack *extack)
{
	unsigned int max = READ_ONCE(cg_max_attach_per_camera);
	struct cg_stream *stream;
	int ret = 0;

	lockdep_assert_held(&cg_lock);

	if (chan->cam) {
		NL_SET_ERR_MSG(extack, "camguard: channel is already attached");
		return -EBUSY;
	}

	mutex_lock(&cam->lock);
	if (!chan_may_attach(chan, cam, &stream)) {
		if (stream)
			NL_SET_ERR_MSG(extack, "camguard: camera streams for another owner");
		else
			NL_SET_ERR_MSG(extack, "camguard: camera is bound to another owner");
		chan_audit(chan, cam, CAMGUARD_REASON_OWNER_MISMATCH,
			   CAMGUARD_LIMIT_NONE, stream ? stream->id : 0);
		ret = -EACCES;
		goto out;
	}
	/* Only the camera's rightful owner evicts; first come otherwise. */
	if (cam->nr_chans >= max &&
	    (!(stream || cam->bound) || !chan_evict_for(chan, cam, max))) {
		NL_SET_ERR_MSG(extack, "camguard: camera full (max_attach_per_camera)");
		chan_audit(chan, cam, CAMGUARD_REASON_LIMIT,
			   CAMGUARD_LIMIT_ATTACH_PER_CAMERA, 0);
		ret = -ENOSPC;
		goto out;
	}
	chan->cam = cam;
	cam->nr_chans++;
	list_add_tail_rcu(&chan->cam_node, &cam->chans);
	/* A reader that attaches mid-stream learns the stream too. */
	if (stream)
		cg_event_stream(cam, stream, CAMGUARD_CMD_STREAM_START, chan);
	cg_changed();
out:
	mutex_unlock(&cam->lock);
	return ret;
}

/*
 * Unlink @chan and free it after a grace period. @reason NONE means its
 * socket is gone: no one is left to tell.
 */
void cg_chan_revoke(struct cg_chan *chan, enum camguard_reason reason)
{
	struct camguard_camera *cam = chan->cam;

	lockdep_assert_held(&cg_lock);

	if (cam) {
		list_del_rcu(&chan->cam_node);
		cam->nr_chans--;
		chan->cam = NULL;
	}
	xa_erase(&cg_chans, chan->id);
	nr_chans--;
	cg_changed();
	if (reason != CAMGUARD_REASON_NONE)
		cg_event_revoked(chan, reason);
	queue_rcu_work(chan_wq, &chan->free_work);
}

void cg_chan_revoke_camera(struct camguard_camera *cam,
			   enum camguard_reason reason)
{
	struct cg_chan *chan, *tmp;

	lockdep_assert_held(&cg_lock);
	list_for_each_entry_safe(chan, tmp, &cam->chans, cam_node)
		cg_chan_revoke(chan, reason);
}

void cg_chan_revoke_all(enum camguard_reason reason)
{
	struct cg_chan *chan;
	unsigned long id;

	mutex_lock(&cg_lock);
	xa_for_each(&cg_chans, id, chan)
		cg_chan_revoke(chan, reason);
	mutex_unlock(&cg_lock);
}

/*
 * A netlink socket is being released: its channels die with it. The
 * socket is already orphaned (SOCK_DEAD) when the notifier runs; a live
 * socket that reused the port id in the meantime keeps its own channels.
 */
static int chan_netlink_notify(struct notifier_block *nb,
			       unsigned long state, void *data)
{
	struct netlink_notify *n = data;
	struct cg_chan *chan;
	unsigned long id;

	if (state != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !net_eq(n->net, &init_net))
		return NOTIFY_DONE;

	mutex_lock(&cg_lock);
	xa_for_each(&cg_chans, id, chan) {
		if (chan->portid == n->portid &&
		    sock_flag(chan->sk, SOCK_DEAD))
			cg_chan_revoke(chan, CAMGUARD_REASON_NONE);
	}
	mutex_unlock(&cg_lock);
	return NOTIFY_OK;
}

static struct notifier_block chan_notifier = {
	.notifier_call = chan_netlink_notify,
};

int cg_chan_init(void)
{
	int ret;

	chan_wq = alloc_workqueue("camguard_chan", 0, 0);
	if (!chan_wq)
		return -ENOMEM;
	ret = netlink_register_notifier(&chan_notifier);
	if (ret)
		destroy_workqueue(chan_wq);
	return ret;
}

/* After every channel was revoked: wait until all are freed. */
void cg_chan_exit(void)
{
	netlink_unregister_notifier(&chan_notifier);
	/* queue_rcu_work() queues from an RCU callback: let those run. */
	rcu_barrier();
	destroy_workqueue(chan_wq);
}
