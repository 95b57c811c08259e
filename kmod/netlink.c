// SPDX-License-Identifier: GPL-2.0
/*
 * The "camguard" generic netlink family (include/uapi/linux/camguard.h):
 * policies, requests and dumps. Events are events.c's.
 *
 * Every request is checked first, in pre_doit (a dump in its first dumpit
 * call): its sender must be the opener of the socket it came on (same euid,
 * egid and user namespace as the socket file's f_cred). Admin commands
 * (CG_NL_ADMIN) then need netlink_capable(CAP_NET_ADMIN).
 * Refusals get an extack message and an audit event. Dumps hold cg_lock
 * per message and mark themselves NLM_F_DUMP_INTR when the tables changed
 * between messages (cg_gen).
 */
#include <linux/ctype.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <media/videobuf2-core.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "internal.h"
#include "compat.h"

/* Camera ids fit the tag's 16 bits (a pointer: 6.1's policy max is s16). */
static struct netlink_range_validation cam_id_range = {
	.max = U16_MAX,
};

static const struct nla_policy nl_policy[CAMGUARD_A_MAX + 1] = {
	[CAMGUARD_A_CAM_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &cam_id_range),
	[CAMGUARD_A_CAM_MUTED] = NLA_POLICY_MAX(NLA_U8, 1),
	[CAMGUARD_A_CAM_BOUND_UID] = { .type = NLA_U32 },
	[CAMGUARD_A_CAM_BOUND_GID] = { .type = NLA_U32 },
	[CAMGUARD_A_CHAN_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[CAMGUARD_A_CHAN_NAME] = { .type = NLA_NUL_STRING,
				   .len = CAMGUARD_NAME_MAX },
	[CAMGUARD_A_CHAN_KEY] = NLA_POLICY_EXACT_LEN(CAMGUARD_KEY_LEN),
	[CAMGUARD_A_CHAN_FLAGS] = NLA_POLICY_MASK(NLA_U32,
						  CAMGUARD_CHAN_F_ALL),
};

static struct genl_family genl_family;

/* ---- who is asking ---- */

/* The credential of the opener of netlink socket @sk (NULL: none). */
static const struct cred *opener_cred(struct sock *sk)
{
	struct socket *sock = sk ? sk->sk_socket : NULL;

	return sock && sock->file ? sock->file->f_cred : NULL;
}

static int check_sender(struct sk_buff *skb, struct netlink_ext_ack *extack)
{
	const struct cred *opener = opener_cred(NETLINK_CB(skb).sk);
	const struct cred *cred = current_cred();
	struct cg_owner sender = cg_owner_of(cred);

	if (opener && cg_owner_is_cred(&sender, opener))
		return 0;
	NL_SET_ERR_MSG(extack, "camguard: sender is not the opener of this socket");
	cg_audit_cred(CAMGUARD_REASON_NOT_OPENER, cred, NULL, 0);
	return -EPERM;
}

static int check_admin(struct sk_buff *skb, struct netlink_ext_ack *extack)
{
	if (netlink_capable(skb, CAP_NET_ADMIN))
		return 0;
	NL_SET_ERR_MSG(extack, "camguard: needs CAP_NET_ADMIN in the initial user ns");
	cg_audit_cred(CAMGUARD_REASON_NOT_ADMIN, current_cred(), NULL, 0);
	return -EPERM;
}

/* The credential a dump answers for, and whether it is an admin's. */
struct cg_viewer {
	const struct cred *cred;
	bool admin;
};

static void viewer_of(struct netlink_callback *cb, struct cg_viewer *v)
{
	v->cred = opener_cred(NETLINK_CB(cb->skb).sk) ?: current_cred();
	v->admin = netlink_capable(cb->skb, CAP_NET_ADMIN);
}

static bool viewer_sees(const struct cg_viewer *v,
			const struct cg_owner *owner)
{
	return v->admin || cg_owner_is_cred(owner, v->cred);
}

/*
 * -EINVAL if @attr is missing: the extack names the missing attribute
 * (GENL_REQ_ATTR_CHECK()) and says what it is in @msg (a literal, as
 * NL_SET_ERR_MSG wants).
 */
#define cg_require(info, attr, msg) ({					\
	struct genl_info *__cg_info = (info);				\
	int __ret = 0;							\
									\
	/* Its own __info must not be ours: no name but __cg_ here. */	\
	if (GENL_REQ_ATTR_CHECK(__cg_info, attr)) {			\
		GENL_SET_ERR_MSG(__cg_info, msg);			\
		__ret = -EINVAL;					\
	}								\
	__ret;								\
})

/* An op's internal_flags: only admins may send it. */
#define CG_NL_ADMIN	BIT(0)

/*
 * Before every request (dumps check in their first dumpit call): the
 * sender must be the socket's opener, and for an admin command an admin.
 */
static int nl_pre_doit(const struct CG_GENL_DOIT_OPS *ops, struct sk_buff *skb,
		       struct genl_info *info)
{
	int ret = check_sender(skb, info->extack);

	if (!ret && (ops->internal_flags & CG_NL_ADMIN))
		ret = check_admin(skb, info->extack);
	return ret;
}

/* The stream part of a camera or stream message. Caller holds cam->lock. */
static int put_stream(struct sk_buff *skb, struct camguard_camera *cam,
		      struct cg_stream *stream, struct user_namespace *ns)
{
	bool streaming = stream->streamed && vb2_is_streaming(cam->queue);

	if (nla_put_u64_64bit(skb, CAMGUARD_A_STREAM_ID, stream->id,
			      CAMGUARD_A_PAD) ||
	    cg_put_owner(skb, &stream->owner, ns) ||
	    nla_put_u8(skb, CAMGUARD_A_STREAMING, streaming))
		return -EMSGSIZE;
	return 0;
}

static int fill_camera(struct sk_buff *skb, struct camguard_camera *cam,
		       const struct cg_viewer *v, u32 portid, u32 seq,
			  int flags, struct netlink_callback *cb)
{
	struct user_namespace *ns = v->cred->user_ns;
	struct cg_stream *stream;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &genl_family, flags,
			  CAMGUARD_CMD_CAM_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		nl_dump_check_consistent(cb, genlmsg_nlhdr(hdr));
	if (nla_put_u32(skb, CAMGUARD_A_CAM_ID, cam->id) ||
	    nla_put_string(skb, CAMGUARD_A_CAM_NAME, cam->name) ||
	    nla_put_string(skb, CAMGUARD_A_CAM_DEVNODE, cam->devnode) ||
	    nla_put_u8(skb, CAMGUARD_A_CAM_MUTED, READ_ONCE(cam->muted)) ||
	    cg_put_stats(skb, &cam->stats, cam))
		goto cancel;

	mutex_lock(&cam->lock);
	if (cam->bound &&
	    (nla_put_u32(skb, CAMGUARD_A_CAM_BOUND_UID,
			 from_kuid_munged(ns, cam->bound_uid)) ||
	     nla_put_u32(skb, CAMGUARD_A_CAM_BOUND_GID,
			 from_kgid_munged(ns, cam->bound_gid))))
		goto cancel_unlock;
	stream = rcu_dereference_protected(cam->stream,
					   lockdep_is_held(&cam->lock));
	if (stream && viewer_sees(v, &stream->owner) &&
	    put_stream(skb, cam, stream, ns))
		goto cancel_unlock;
	mutex_unlock(&cam->lock);

	genlmsg_end(skb, hdr);
	return 0;

cancel_unlock:
	mutex_unlock(&cam->lock);
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* ---- cameras and streams ---- */

static struct camguard_camera *camera_from(struct genl_info *info)
{
	struct camguard_camera *cam;

	lockdep_assert_held(&cg_lock);
	if (cg_require(info, CAMGUARD_A_CAM_ID, "camguard: camera id missing"))
		return ERR_PTR(-EINVAL);
	cam = xa_load(&cg_cameras,
		      nla_get_u32(info->attrs[CAMGUARD_A_CAM_ID]));
	if (!cam) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[CAMGUARD_A_CAM_ID],
				    "camguard: no such camera");
		return ERR_PTR(-ENOENT);
	}
	return cam;
}

static int nl_cam_get(struct sk_buff *skb, struct genl_info *info)
{
	struct cg_viewer v = {
		.cred = current_cred(),
		.admin = netlink_capable(skb, CAP_NET_ADMIN),
	};
	struct camguard_camera *cam;
	struct sk_buff *msg;
	int ret;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&cg_lock);
	cam = camera_from(info);
	ret = IS_ERR(cam) ? PTR_ERR(cam) :
	      fill_camera(msg, cam, &v, info->snd_portid, info->snd_seq,
			  0, NULL);
	mutex_unlock(&cg_lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/*
 * The sender check of a dump, in its first dumpit call: that still runs in
 * the sender's context (netlink_dump_start()), and unlike .start on 6.1 it
 * has cb->extack for the refusal's message. cb->args[1] marks it done.
 */
static int dump_check_sender(struct netlink_callback *cb)
{
	int ret;

	if (cb->args[1])
		return 0;
	ret = check_sender(cb->skb, cb->extack);
	if (!ret)
		cb->args[1] = 1;
	return ret;
}

/* cb->args[0]: the next camera (or channel) id to emit; [1]: checked. */
/* Fills the dump message of one table entry the viewer may see, if any. */
typedef int (*cg_dump_fill_fn)(struct sk_buff *skb, void *entry,
			       const struct cg_viewer *v,
			       struct netlink_callback *cb);

/*
 * A dump of table @xa under cg_lock, from the entry after the last one
 * sent (cb->args[0]).
 */
static int dump_table(struct sk_buff *skb, struct netlink_callback *cb,
		      struct xarray *xa, cg_dump_fill_fn fill)
{
	struct cg_viewer v;
	unsigned long id;
	void *entry;
	int ret;

	ret = dump_check_sender(cb);
	if (ret)
		return ret;
	viewer_of(cb, &v);
	mutex_lock(&cg_lock);
	cb->seq = atomic_read(&cg_gen);
	xa_for_each_start(xa, id, entry, cb->args[0]) {
		ret = fill(skb, entry, &v, cb);
		if (ret)
			break;
		cb->args[0] = id + 1;
	}
	mutex_unlock(&cg_lock);
	return ret && !skb->len ? ret : skb->len;
}

static int dump_camera(struct sk_buff *skb, void *entry,
		       const struct cg_viewer *v,
			  struct netlink_callback *cb)
{
	return fill_camera(skb, entry, v, NETLINK_CB(cb->skb).portid,
			      cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
}

static int nl_cam_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dump_table(skb, cb, &cg_cameras, dump_camera);
}

/* A dump message's header, marked if the tables changed mid-dump. */
static void *dump_put(struct sk_buff *skb, struct netlink_callback *cb,
		      u8 cmd)
{
	void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, &genl_family,
				NLM_F_MULTI, cmd);

	if (hdr)
		nl_dump_check_consistent(cb, genlmsg_nlhdr(hdr));
	return hdr;
}

static int fill_stream(struct sk_buff *skb, struct camguard_camera *cam,
		       struct cg_stream *stream, struct user_namespace *ns,
			  struct netlink_callback *cb)
{
	void *hdr;

	hdr = dump_put(skb, cb, CAMGUARD_CMD_STREAM_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, CAMGUARD_A_CAM_ID, cam->id) ||
	    put_stream(skb, cam, stream, ns) ||
	    cg_put_stats(skb, &stream->stats, NULL)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int dump_stream(struct sk_buff *skb, void *entry,
		       const struct cg_viewer *v,
			  struct netlink_callback *cb)
{
	struct camguard_camera *cam = entry;
	struct cg_stream *stream;
	int ret = 0;

	mutex_lock(&cam->lock);
	stream = rcu_dereference_protected(cam->stream,
					   lockdep_is_held(&cam->lock));
	if (stream && viewer_sees(v, &stream->owner))
		ret = fill_stream(skb, cam, stream, v->cred->user_ns, cb);
	mutex_unlock(&cam->lock);
	return ret;
}

static int nl_stream_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dump_table(skb, cb, &cg_cameras, dump_stream);
}

/* ---- channels ---- */

static bool chan_name_valid(const char *name)
{
	if (!*name)
		return false;
	for (; *name; name++)
		if (!isgraph(*name) && *name != ' ')
			return false;
	return true;
}

static int nl_chan_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	u8 key[CAMGUARD_KEY_LEN];
	struct sk_buff *msg;
	struct cg_chan *chan;
	const char *name;
	u32 flags = 0;
	void *hdr;
	int ret;

	ret = cg_require(info, CAMGUARD_A_CHAN_NAME,
			 "camguard: channel name missing");
	if (ret)
		return ret;
	name = nla_data(attrs[CAMGUARD_A_CHAN_NAME]);
	if (!chan_name_valid(name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[CAMGUARD_A_CHAN_NAME],
				    "camguard: channel name: 1 to 31 printable characters");
		return -EINVAL;
	}
	if (attrs[CAMGUARD_A_CHAN_FLAGS])
		flags = nla_get_u32(attrs[CAMGUARD_A_CHAN_FLAGS]);
	if (attrs[CAMGUARD_A_CHAN_KEY])
		memcpy(key, nla_data(attrs[CAMGUARD_A_CHAN_KEY]), sizeof(key));
	else
		get_random_bytes(key, sizeof(key));

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_key;
	}
	hdr = genlmsg_put_reply(msg, info, &genl_family, 0,
				CAMGUARD_CMD_CHAN_NEW);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto out_msg;
	}

	mutex_lock(&cg_lock);
	chan = cg_chan_new(current_cred(), NETLINK_CB(skb).sk,
			   info->snd_portid, name, key, flags, info->extack);
	if (IS_ERR(chan)) {
		ret = PTR_ERR(chan);
		goto out_unlock;
	}
	if (nla_put_u32(msg, CAMGUARD_A_CHAN_ID, chan->id) ||
	    nla_put_string(msg, CAMGUARD_A_CHAN_NAME, chan->name) ||
	    nla_put(msg, CAMGUARD_A_CHAN_KEY, sizeof(key), key)) {
		cg_chan_revoke(chan, CAMGUARD_REASON_NONE);
		ret = -EMSGSIZE;
		goto out_unlock;
	}
	genlmsg_end(msg, hdr);
	mutex_unlock(&cg_lock);
	memzero_explicit(key, sizeof(key));
	/* The key travels once, in this reply. */
	return genlmsg_reply(msg, info);

out_unlock:
	mutex_unlock(&cg_lock);
out_msg:
	nlmsg_free(msg);
out_key:
	memzero_explicit(key, sizeof(key));
	return ret;
}

/*
 * The channel named by CHAN_ID that this socket created (an admin may name
 * any channel when @admin_any). Caller holds cg_lock.
 */
static struct cg_chan *chan_from(struct sk_buff *skb,
				 struct genl_info *info, bool admin_any)
{
	struct cg_chan *chan;
	u32 id;

	if (cg_require(info, CAMGUARD_A_CHAN_ID, "camguard: channel id missing"))
		return ERR_PTR(-EINVAL);
	id = nla_get_u32(info->attrs[CAMGUARD_A_CHAN_ID]);
	chan = cg_chan_find(id, NETLINK_CB(skb).sk);
	if (!chan && admin_any && netlink_capable(skb, CAP_NET_ADMIN))
		chan = cg_chan_find(id, NULL);
	if (!chan) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[CAMGUARD_A_CHAN_ID],
				    "camguard: no such channel on this socket");
		return ERR_PTR(-ENOENT);
	}
	return chan;
}

static int nl_chan_del(struct sk_buff *skb, struct genl_info *info)
{
	struct cg_chan *chan;
	int ret;

	mutex_lock(&cg_lock);
	chan = chan_from(skb, info, true);
	if (IS_ERR(chan))
		ret = PTR_ERR(chan);
	else
		cg_chan_revoke(chan, CAMGUARD_REASON_DELETED);
	mutex_unlock(&cg_lock);
	return ret;
}

static int nl_chan_attach(struct sk_buff *skb, struct genl_info *info)
{
	struct camguard_camera *cam;
	struct cg_chan *chan;
	int ret;

	mutex_lock(&cg_lock);
	chan = chan_from(skb, info, false);
	cam = IS_ERR(chan) ? ERR_CAST(chan) : camera_from(info);
	ret = IS_ERR(cam) ? PTR_ERR(cam) :
	      cg_chan_attach(chan, cam, info->extack);
	mutex_unlock(&cg_lock);
	return ret;
}

static int nl_chan_detach(struct sk_buff *skb, struct genl_info *info)
{
	struct cg_chan *chan;
	int ret;

	mutex_lock(&cg_lock);
	chan = chan_from(skb, info, false);
	if (IS_ERR(chan)) {
		ret = PTR_ERR(chan);
	} else if (!chan->cam) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[CAMGUARD_A_CHAN_ID],
				    "camguard: channel is not attached");
		ret = -ENOTCONN;
	} else {
		cg_chan_revoke(chan, CAMGUARD_REASON_DETACHED);
	}
	mutex_unlock(&cg_lock);
	return ret;
}

static int fill_chan(struct sk_buff *skb, struct cg_chan *chan,
		     struct user_namespace *ns, struct netlink_callback *cb)
{
	void *hdr;

	hdr = dump_put(skb, cb, CAMGUARD_CMD_CHAN_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, CAMGUARD_A_CHAN_ID, chan->id) ||
	    nla_put_string(skb, CAMGUARD_A_CHAN_NAME, chan->name) ||
	    nla_put_u32(skb, CAMGUARD_A_CHAN_FLAGS, chan->flags) ||
	    cg_put_owner(skb, &chan->owner, ns) ||
	    (chan->cam &&
	     nla_put_u32(skb, CAMGUARD_A_CAM_ID, chan->cam->id)) ||
	    cg_put_stats(skb, &chan->stats, NULL)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int dump_chan(struct sk_buff *skb, void *entry,
		     const struct cg_viewer *v, struct netlink_callback *cb)
{
	struct cg_chan *chan = entry;

	if (!viewer_sees(v, &chan->owner))
		return 0;
	return fill_chan(skb, chan, v->cred->user_ns, cb);
}

static int nl_chan_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dump_table(skb, cb, &cg_chans, dump_chan);
}

/* ---- administration ---- */

static int nl_cam_bind(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *uid_attr = info->attrs[CAMGUARD_A_CAM_BOUND_UID];
	struct nlattr *gid_attr = info->attrs[CAMGUARD_A_CAM_BOUND_GID];
	struct user_namespace *ns = current_user_ns();
	struct camguard_camera *cam;
	kuid_t uid = INVALID_UID;
	kgid_t gid = INVALID_GID;
	int ret;

	if (!uid_attr != !gid_attr) {
		GENL_SET_ERR_MSG(info, "camguard: bind needs uid and gid, unbind neither");
		return -EINVAL;
	}
	if (uid_attr) {
		uid = make_kuid(ns, nla_get_u32(uid_attr));
		gid = make_kgid(ns, nla_get_u32(gid_attr));
		if (!uid_valid(uid) || !gid_valid(gid)) {
			GENL_SET_ERR_MSG(info, "camguard: uid or gid not mapped");
			return -EINVAL;
		}
	}

	mutex_lock(&cg_lock);
	cam = camera_from(info);
	if (IS_ERR(cam)) {
		ret = PTR_ERR(cam);
	} else {
		mutex_lock(&cam->lock);
		cam->bound = uid_attr;
		cam->bound_uid = uid;
		cam->bound_gid = gid;
		mutex_unlock(&cam->lock);
		cg_changed();
	}
	mutex_unlock(&cg_lock);
	return ret;
}

static int nl_cam_mute(struct sk_buff *skb, struct genl_info *info)
{
	struct camguard_camera *cam;
	int ret;

	ret = cg_require(info, CAMGUARD_A_CAM_MUTED,
			 "camguard: mute state missing");
	if (ret)
		return ret;
	mutex_lock(&cg_lock);
	cam = camera_from(info);
	if (IS_ERR(cam)) {
		ret = PTR_ERR(cam);
	} else {
		WRITE_ONCE(cam->muted,
			   nla_get_u8(info->attrs[CAMGUARD_A_CAM_MUTED]));
		cg_changed();
	}
	mutex_unlock(&cg_lock);
	return ret;
}

/* ---- the family ---- */

static const struct genl_ops nl_ops[] = {
	{
		.cmd = CAMGUARD_CMD_CAM_GET,
		.doit = nl_cam_get,
		.dumpit = nl_cam_dump,
	}, {
		.cmd = CAMGUARD_CMD_STREAM_GET,
		.dumpit = nl_stream_dump,
	}, {
		.cmd = CAMGUARD_CMD_CHAN_NEW,
		.doit = nl_chan_new,
	}, {
		.cmd = CAMGUARD_CMD_CHAN_DEL,
		.doit = nl_chan_del,
	}, {
		.cmd = CAMGUARD_CMD_CHAN_GET,
		.dumpit = nl_chan_dump,
	}, {
		.cmd = CAMGUARD_CMD_CHAN_ATTACH,
		.doit = nl_chan_attach,
	}, {
		.cmd = CAMGUARD_CMD_CHAN_DETACH,
		.doit = nl_chan_detach,
	}, {
		.cmd = CAMGUARD_CMD_CAM_BIND,
		.doit = nl_cam_bind,
		.internal_flags = CG_NL_ADMIN,
	}, {
		.cmd = CAMGUARD_CMD_CAM_MUTE,
		.doit = nl_cam_mute,
		.internal_flags = CG_NL_ADMIN,
	},
};

static const struct genl_multicast_group nl_mcgrps[] = {
	/* Index 0 is CG_MCGRP_AUDIT in audit.c. */
	{ .name = CAMGUARD_MCGRP_AUDIT, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family genl_family __ro_after_init = {
	.name = CAMGUARD_GENL_NAME,
	.version = CAMGUARD_GENL_VERSION,
	.maxattr = CAMGUARD_A_MAX,
	.policy = nl_policy,
	/* Every command validates strictly, reserved header fields too. */
	.resv_start_op = CAMGUARD_CMD_CAM_GET,
	.module = THIS_MODULE,
	.pre_doit = nl_pre_doit,
	.ops = nl_ops,
	.n_ops = ARRAY_SIZE(nl_ops),
	.mcgrps = nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(nl_mcgrps),
};

int cg_netlink_init(void)
{
	int ret = genl_register_family(&genl_family);

	if (!ret)
		cg_events_start(&genl_family);
	return ret;
}

void cg_netlink_exit(void)
{
	genl_unregister_family(&genl_family);
}
