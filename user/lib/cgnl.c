// SPDX-License-Identifier: MIT
/*
 * libnl-genl client of the camguard family; see cgnl.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "cgnl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The UAPI's attribute types, to validate what the kernel sends. */
static struct nla_policy cg_nl_policy[CAMGUARD_A_MAX + 1] = {
	[CAMGUARD_A_CAM_ID] = { .type = NLA_U32 },
	[CAMGUARD_A_CAM_NAME] = { .type = NLA_NUL_STRING },
	[CAMGUARD_A_CAM_DEVNODE] = { .type = NLA_NUL_STRING },
	[CAMGUARD_A_CAM_MUTED] = { .type = NLA_U8 },
	[CAMGUARD_A_CAM_BOUND_UID] = { .type = NLA_U32 },
	[CAMGUARD_A_CAM_BOUND_GID] = { .type = NLA_U32 },
	[CAMGUARD_A_STREAM_ID] = { .type = NLA_U64 },
	[CAMGUARD_A_STREAMING] = { .type = NLA_U8 },
	[CAMGUARD_A_OWNER_UID] = { .type = NLA_U32 },
	[CAMGUARD_A_OWNER_GID] = { .type = NLA_U32 },
	[CAMGUARD_A_CHAN_ID] = { .type = NLA_U32 },
	[CAMGUARD_A_CHAN_NAME] = { .type = NLA_NUL_STRING },
	[CAMGUARD_A_CHAN_KEY] = { .minlen = CAMGUARD_KEY_LEN,
				  .maxlen = CAMGUARD_KEY_LEN },
	[CAMGUARD_A_CHAN_FLAGS] = { .type = NLA_U32 },
	[CAMGUARD_A_FRAME_TAG] = { .minlen = sizeof(struct camguard_frame_tag),
				   .maxlen = sizeof(struct camguard_frame_tag) },
	[CAMGUARD_A_FRAME_MAC] = { .minlen = CAMGUARD_MAC_LEN,
				   .maxlen = CAMGUARD_MAC_LEN },
	[CAMGUARD_A_STATS] = { .type = NLA_NESTED },
	[CAMGUARD_A_REASON] = { .type = NLA_U32 },
	[CAMGUARD_A_COUNT] = { .type = NLA_U64 },
	[CAMGUARD_A_SUPPRESSED] = { .type = NLA_U64 },
	[CAMGUARD_A_EVENT_NS] = { .type = NLA_U64 },
	[CAMGUARD_A_LIMIT] = { .type = NLA_U32 },
	[CAMGUARD_A_USER_UID] = { .type = NLA_U32 },
};

struct cg_nl_call {
	struct cg_nl *nl;
	uint32_t seq;	/* the request's sequence number; 0: events only */
	cg_nl_msg_fn fn;
	void *arg;
	int err;	/* from the kernel's error message or from fn */
	int handled;
	bool done;
};

static void cg_nl_set_err(struct cg_nl *nl, int err, const char *what)
{
	snprintf(nl->errmsg, sizeof(nl->errmsg), "%s: %s", what,
		 strerror(err < 0 ? -err : err));
}

static int cg_nl_valid(struct nl_msg *msg, void *data)
{
	struct cg_nl_call *call = data;
	struct nlattr *attrs[CAMGUARD_A_MAX + 1];
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gnlh = nlmsg_data(nlh);
	int ret;

	if (nlmsg_get_src(msg)->nl_pid != 0) {
		call->nl->foreign++;
		return NL_SKIP;
	}
	if (nlh->nlmsg_type != call->nl->family)
		return NL_SKIP;
	ret = genlmsg_parse(nlh, 0, attrs, CAMGUARD_A_MAX, cg_nl_policy);
	if (ret < 0) {
		snprintf(call->nl->errmsg, sizeof(call->nl->errmsg),
			 "malformed message from the kernel (cmd %u)",
			 gnlh->cmd);
		call->err = -EPROTO;
		return NL_STOP;
	}
	if (call->seq && nlh->nlmsg_seq != call->seq) {
		/* An event amid a request's replies: not the reply. */
		if (!call->nl->event_fn) {
			call->nl->events_dropped++;
			return NL_OK;
		}
		ret = call->nl->event_fn(gnlh->cmd, attrs, call->nl->event_arg);
		if (ret < 0) {
			call->err = ret;
			return NL_STOP;
		}
		return NL_OK;
	}
	call->handled++;
	if (!call->fn)
		return NL_OK;
	ret = call->fn(gnlh->cmd, attrs, call->arg);
	if (ret == NL_STOP)
		return NL_STOP;
	if (ret < 0) {
		call->err = ret;
		return NL_STOP;
	}
	return NL_OK;
}

/* The kernel's extack message after the error, if it sent one. */
static void cg_nl_extack(struct cg_nl *nl, struct nlmsgerr *err)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)err - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*err);
	const char *msg = NULL;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		goto plain;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (off > nlh->nlmsg_len - NLMSG_HDRLEN)
		goto plain;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)err + NLMSG_ALIGN(off)),
		      nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off),
		      NULL) == 0 && tb[NLMSGERR_ATTR_MSG])
		msg = nla_get_string(tb[NLMSGERR_ATTR_MSG]);
plain:
	snprintf(nl->errmsg, sizeof(nl->errmsg), "%s%s%s",
		 strerror(-err->error), msg ? ": " : "", msg ? msg : "");
}

static int cg_nl_error(struct sockaddr_nl *from, struct nlmsgerr *err,
		       void *data)
{
	struct cg_nl_call *call = data;

	if (from->nl_pid != 0) {
		call->nl->foreign++;
		return NL_SKIP;
	}
	call->err = err->error;
	call->done = true;
	if (err->error)
		cg_nl_extack(call->nl, err);
	return NL_STOP;
}

static int cg_nl_finish(struct nl_msg *msg, void *data)
{
	struct cg_nl_call *call = data;

	(void)msg;
	call->done = true;
	return NL_STOP;
}

/*
 * Events carry sequence 0; a request's replies and ack its own number.
 * Anything else answers an older request that gave up: skipped.
 */
static int cg_nl_seq_check(struct nl_msg *msg, void *data)
{
	struct cg_nl_call *call = data;
	uint32_t seq = nlmsg_hdr(msg)->nlmsg_seq;

	if (!call->seq || !seq || seq == call->seq)
		return NL_OK;
	call->nl->stale++;
	return NL_SKIP;
}

/* A callback set for @call: replies go to cg_nl_valid, errors kept. */
static struct nl_cb *cg_nl_callbacks(struct cg_nl_call *call)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cg_nl_valid, call);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, cg_nl_finish, call);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, cg_nl_finish, call);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, cg_nl_seq_check, call);
	nl_cb_err(cb, NL_CB_CUSTOM, cg_nl_error, call);
	return cb;
}

int cg_nl_open(struct cg_nl *nl)
{
	int one = 1;
	int ret;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		cg_nl_set_err(nl, ENOMEM, "netlink socket");
		return -ENOMEM;
	}
	ret = genl_connect(nl->sk);
	if (ret < 0) {
		snprintf(nl->errmsg, sizeof(nl->errmsg),
			 "generic netlink: %s", nl_geterror(ret));
		goto err;
	}
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, CAMGUARD_GENL_NAME);
	if (nl->family < 0) {
		snprintf(nl->errmsg, sizeof(nl->errmsg),
			 "no \"%s\" netlink family: is camguard.ko loaded?",
			 CAMGUARD_GENL_NAME);
		ret = -ENOENT;
		goto err;
	}
	nl->audit_group = genl_ctrl_resolve_grp(nl->sk, CAMGUARD_GENL_NAME,
						CAMGUARD_MCGRP_AUDIT);
	return 0;
err:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return ret < 0 ? ret : -EIO;
}

void cg_nl_close(struct cg_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

int cg_nl_fd(const struct cg_nl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

int cg_nl_request(struct cg_nl *nl, uint8_t cmd, bool dump, cg_nl_put_fn put,
		  void *put_arg, cg_nl_msg_fn fn, void *arg)
{
	struct cg_nl_call call = { .nl = nl, .fn = fn, .arg = arg };
	struct nl_msg *msg;
	struct nl_cb *cb;
	int ret;

	nl->errmsg[0] = '\0';
	msg = nlmsg_alloc();
	cb = cg_nl_callbacks(&call);
	if (!msg || !cb) {
		ret = -ENOMEM;
		cg_nl_set_err(nl, ENOMEM, "netlink message");
		goto out;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0),
			 cmd, CAMGUARD_GENL_VERSION)) {
		ret = -EMSGSIZE;
		cg_nl_set_err(nl, EMSGSIZE, "netlink message");
		goto out;
	}
	if (put) {
		ret = put(msg, put_arg);
		if (ret < 0) {
			cg_nl_set_err(nl, -ret, "building the request");
			goto out;
		}
	}
	ret = nl_send_auto(nl->sk, msg);
	if (ret < 0) {
		snprintf(nl->errmsg, sizeof(nl->errmsg), "send: %s",
			 nl_geterror(ret));
		ret = -EIO;
		goto out;
	}
	call.seq = nlmsg_hdr(msg)->nlmsg_seq;
	while (!call.done && !call.err) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !call.err) {
			snprintf(nl->errmsg, sizeof(nl->errmsg), "receive: %s",
				 nl_geterror(ret));
			/* The table changed while it was dumped: retryable. */
			ret = ret == -NLE_DUMP_INTR ? -EAGAIN : -EIO;
			goto out;
		}
	}
	ret = call.err;
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return ret;
}

struct chan_new {
	const char *name;
	const uint8_t *key;
	uint32_t flags;
	uint32_t id;
};

static int put_chan_new(struct nl_msg *msg, void *arg)
{
	const struct chan_new *c = arg;

	if (nla_put_string(msg, CAMGUARD_A_CHAN_NAME, c->name) ||
	    nla_put(msg, CAMGUARD_A_CHAN_KEY, CAMGUARD_KEY_LEN, c->key) ||
	    (c->flags && nla_put_u32(msg, CAMGUARD_A_CHAN_FLAGS, c->flags)))
		return -EMSGSIZE;
	return 0;
}

static int got_chan_new(uint8_t cmd, struct nlattr **a, void *arg)
{
	struct chan_new *c = arg;

	(void)cmd;
	if (a[CAMGUARD_A_CHAN_ID])
		c->id = nla_get_u32(a[CAMGUARD_A_CHAN_ID]);
	return 0;
}

int cg_nl_chan_new(struct cg_nl *nl, const char *name,
		   const uint8_t key[CAMGUARD_KEY_LEN], uint32_t flags,
		   uint32_t *id)
{
	struct chan_new c = { .name = name, .key = key, .flags = flags };
	int ret;

	ret = cg_nl_request(nl, CAMGUARD_CMD_CHAN_NEW, false, put_chan_new,
			    &c, got_chan_new, &c);
	if (ret < 0)
		return ret;
	if (!c.id) {
		cg_nl_set_err(nl, EPROTO, "no channel id in the reply");
		return -EPROTO;
	}
	*id = c.id;
	return 0;
}

struct chan_attach {
	uint32_t chan;
	uint32_t cam;
};

static int put_attach(struct nl_msg *msg, void *arg)
{
	const struct chan_attach *a = arg;

	if (nla_put_u32(msg, CAMGUARD_A_CHAN_ID, a->chan) ||
	    nla_put_u32(msg, CAMGUARD_A_CAM_ID, a->cam))
		return -EMSGSIZE;
	return 0;
}

int cg_nl_chan_attach(struct cg_nl *nl, uint32_t chan, uint32_t cam)
{
	struct chan_attach a = { .chan = chan, .cam = cam };

	return cg_nl_request(nl, CAMGUARD_CMD_CHAN_ATTACH, false, put_attach,
			     &a, NULL, NULL);
}

int cg_nl_join_audit(struct cg_nl *nl)
{
	int ret;

	if (nl->audit_group < 0) {
		cg_nl_set_err(nl, ENOENT, "audit group");
		return -ENOENT;
	}
	ret = nl_socket_add_membership(nl->sk, nl->audit_group);
	if (ret < 0) {
		snprintf(nl->errmsg, sizeof(nl->errmsg),
			 "joining the audit group: %s (needs CAP_NET_ADMIN)",
			 nl_geterror(ret));
		return -EPERM;
	}
	return 0;
}

int cg_nl_recv_events(struct cg_nl *nl, int timeout_ms, cg_nl_msg_fn fn,
		      void *arg)
{
	struct cg_nl_call call = { .nl = nl, .fn = fn, .arg = arg };
	struct pollfd pfd = { .fd = cg_nl_fd(nl), .events = POLLIN };
	struct nl_cb *cb;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret <= 0)
		return ret < 0 ? -errno : 0;
	cb = cg_nl_callbacks(&call);
	if (!cb)
		return -ENOMEM;
	nl_socket_set_nonblocking(nl->sk);
	ret = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);
	if (call.err)
		return call.err;
	if (ret == -NLE_NOMEM) {
		cg_nl_set_err(nl, ENOBUFS, "events lost");
		return -ENOBUFS;
	}
	if (ret < 0 && ret != -NLE_AGAIN) {
		snprintf(nl->errmsg, sizeof(nl->errmsg), "receive: %s",
			 nl_geterror(ret));
		return -EIO;
	}
	return call.handled;
}

uint64_t cg_nl_stat(struct nlattr *stats, int stat)
{
	struct nlattr *tb[CAMGUARD_STAT_MAX + 1];

	if (!stats || nla_parse_nested(tb, CAMGUARD_STAT_MAX, stats, NULL) ||
	    !tb[stat] || nla_len(tb[stat]) != sizeof(uint64_t))
		return 0;
	return nla_get_u64(tb[stat]);
}

const char *cg_nl_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[CAMGUARD_REASON_NONE] = "none",
		[CAMGUARD_REASON_NOT_OPENER] = "not-opener",
		[CAMGUARD_REASON_OWNER_MISMATCH] = "owner-mismatch",
		[CAMGUARD_REASON_NOT_ADMIN] = "not-admin",
		[CAMGUARD_REASON_CAMERA_BOUND] = "camera-bound",
		[CAMGUARD_REASON_LIMIT] = "limit",
		[CAMGUARD_REASON_FRAME_WITHHELD] = "frame-withheld",
		[CAMGUARD_REASON_DELETED] = "deleted",
		[CAMGUARD_REASON_DETACHED] = "detached",
		[CAMGUARD_REASON_CAMERA_GONE] = "camera-gone",
		[CAMGUARD_REASON_UNLOAD] = "unload",
		[CAMGUARD_REASON_NOT_STREAM_OWNER] = "not-stream-owner",
		[CAMGUARD_REASON_EVICTED] = "evicted",
	};

	return reason < sizeof(names) / sizeof(names[0]) && names[reason] ?
	       names[reason] : "unknown";
}

const char *cg_nl_limit_name(uint32_t limit)
{
	static const char *const names[] = {
		[CAMGUARD_LIMIT_NONE] = "none",
		[CAMGUARD_LIMIT_CHANNELS] = "max_channels",
		[CAMGUARD_LIMIT_CHANNELS_PER_USER] = "max_channels_per_user",
		[CAMGUARD_LIMIT_CHANNELS_RESERVED] = "channels_reserved",
		[CAMGUARD_LIMIT_ATTACH_PER_CAMERA] = "max_attach_per_camera",
	};

	return limit < sizeof(names) / sizeof(names[0]) && names[limit] ?
	       names[limit] : "unknown";
}
