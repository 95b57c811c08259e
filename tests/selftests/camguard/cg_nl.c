// SPDX-License-Identifier: GPL-2.0
/*
 * Raw generic netlink for the camguard selftests; see cg_nl.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "cg_nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#define CG_RXBUF 65536
#define CG_EVQ_MAX 4096
#define CG_ANSWER_MS 10000

/* ---- received messages ---------------------------------------------------- */

bool cg_msg_has(const struct cg_msg *m, int type)
{
	return type >= 0 && type <= CAMGUARD_A_MAX && m->a_off[type];
}

const void *cg_msg_data(const struct cg_msg *m, int type, size_t *len)
{
	const struct nlattr *a;

	if (!cg_msg_has(m, type))
		return NULL;
	a = (const struct nlattr *)(m->data + m->a_off[type] - 1);
	if (len)
		*len = a->nla_len - NLA_HDRLEN;
	return (const unsigned char *)a + NLA_HDRLEN;
}

static uint64_t cg_get_uint(const void *p, size_t len)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (len) {
	case 1:
		memcpy(&u8, p, 1);
		return u8;
	case 2:
		memcpy(&u16, p, 2);
		return u16;
	case 4:
		memcpy(&u32, p, 4);
		return u32;
	case 8:
		memcpy(&u64, p, 8);
		return u64;
	}
	return 0;
}

uint8_t cg_msg_u8(const struct cg_msg *m, int type)
{
	size_t len;
	const void *p = cg_msg_data(m, type, &len);

	return p ? (uint8_t)cg_get_uint(p, len) : 0;
}

uint32_t cg_msg_u32(const struct cg_msg *m, int type)
{
	size_t len;
	const void *p = cg_msg_data(m, type, &len);

	return p ? (uint32_t)cg_get_uint(p, len) : 0;
}

uint64_t cg_msg_u64(const struct cg_msg *m, int type)
{
	size_t len;
	const void *p = cg_msg_data(m, type, &len);

	return p ? cg_get_uint(p, len) : 0;
}

const char *cg_msg_str(const struct cg_msg *m, int type)
{
	size_t len;
	const char *p = cg_msg_data(m, type, &len);

	if (!p || !len || p[len - 1])
		return "";
	return p;
}

bool cg_msg_has_stat(const struct cg_msg *m, int stat)
{
	return stat >= 0 && stat <= CAMGUARD_STAT_MAX && m->s_off[stat];
}

uint64_t cg_msg_stat(const struct cg_msg *m, int stat)
{
	const struct nlattr *a;

	if (!cg_msg_has_stat(m, stat))
		return 0;
	a = (const struct nlattr *)(m->data + m->s_off[stat] - 1);
	return cg_get_uint((const unsigned char *)a + NLA_HDRLEN,
			   a->nla_len - NLA_HDRLEN);
}

const char *cg_cmd_name(int cmd)
{
	static const char *const names[] = {
		[CAMGUARD_CMD_CAM_GET] = "CAM_GET",
		[CAMGUARD_CMD_STREAM_GET] = "STREAM_GET",
		[CAMGUARD_CMD_CHAN_NEW] = "CHAN_NEW",
		[CAMGUARD_CMD_CHAN_DEL] = "CHAN_DEL",
		[CAMGUARD_CMD_CHAN_GET] = "CHAN_GET",
		[CAMGUARD_CMD_CHAN_ATTACH] = "CHAN_ATTACH",
		[CAMGUARD_CMD_CHAN_DETACH] = "CHAN_DETACH",
		[CAMGUARD_CMD_CAM_BIND] = "CAM_BIND",
		[CAMGUARD_CMD_CAM_MUTE] = "CAM_MUTE",
		[CAMGUARD_CMD_FRAME] = "FRAME",
		[CAMGUARD_CMD_STREAM_START] = "STREAM_START",
		[CAMGUARD_CMD_STREAM_STOP] = "STREAM_STOP",
		[CAMGUARD_CMD_CHAN_REVOKED] = "CHAN_REVOKED",
		[CAMGUARD_CMD_AUDIT] = "AUDIT",
	};

	if (cmd > 0 && cmd <= CAMGUARD_CMD_MAX && names[cmd])
		return names[cmd];
	return "?";
}

/* Walk attributes: offsets (+1) into @base of each type <= @max. */
static void cg_parse_attrs(const unsigned char *base, size_t start, size_t end,
			   uint16_t *off, int max)
{
	size_t pos = start;

	while (pos + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const struct nlattr *)(base + pos);
		int type = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || pos + a->nla_len > end)
			break;
		if (type <= max)
			off[type] = (uint16_t)(pos + 1);
		pos += NLA_ALIGN(a->nla_len);
	}
}

/* Fill @m from a camguard netlink message; -EMSGSIZE if it does not fit. */
static int cg_msg_fill(struct cg_msg *m, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	size_t alen;

	memset(m, 0, offsetof(struct cg_msg, data));
	if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return -EPROTO;
	alen = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	if (alen > sizeof(m->data))
		return -EMSGSIZE;
	m->cmd = g->cmd;
	m->nlflags = nlh->nlmsg_flags;
	m->seq = nlh->nlmsg_seq;
	m->len = (uint32_t)alen;
	memcpy(m->data, (const unsigned char *)g + GENL_HDRLEN, alen);
	cg_parse_attrs(m->data, 0, alen, m->a_off, CAMGUARD_A_MAX);
	if (m->a_off[CAMGUARD_A_STATS]) {
		size_t s = m->a_off[CAMGUARD_A_STATS] - 1;
		const struct nlattr *a = (const struct nlattr *)(m->data + s);

		cg_parse_attrs(m->data, s + NLA_HDRLEN, s + a->nla_len,
			       m->s_off, CAMGUARD_STAT_MAX);
	}
	return 0;
}

/* ---- requests ------------------------------------------------------------- */

void cg_req_init(struct cg_req *r, struct cg_nl *nl, uint8_t cmd, uint16_t flags)
{
	struct genlmsghdr *g;

	memset(r->buf, 0, NLMSG_LENGTH(GENL_HDRLEN));
	r->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nlh.nlmsg_type = nl->family;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	r->nlh.nlmsg_seq = ++nl->seq;
	g = NLMSG_DATA(&r->nlh);
	g->cmd = cmd;
	g->version = CAMGUARD_GENL_VERSION;
}

void cg_put(struct cg_req *r, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(r->buf + NLMSG_ALIGN(r->nlh.nlmsg_len));
	size_t total = NLA_HDRLEN + len;

	if (NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(total) > sizeof(r->buf))
		abort();
	a->nla_type = type;
	a->nla_len = (uint16_t)total;
	if (len)
		memcpy((unsigned char *)a + NLA_HDRLEN, data, len);
	memset((unsigned char *)a + total, 0, NLA_ALIGN(total) - total);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(total);
}

void cg_put_u8(struct cg_req *r, uint16_t type, uint8_t v)
{
	cg_put(r, type, &v, 1);
}

void cg_put_u32(struct cg_req *r, uint16_t type, uint32_t v)
{
	cg_put(r, type, &v, 4);
}

void cg_put_u64(struct cg_req *r, uint16_t type, uint64_t v)
{
	cg_put(r, type, &v, 8);
}

void cg_put_str(struct cg_req *r, uint16_t type, const char *s)
{
	cg_put(r, type, s, strlen(s) + 1);
}

/* ---- the socket ----------------------------------------------------------- */

static int64_t cg_nl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cg_nl_send(struct cg_nl *nl, struct cg_req *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	n = sendto(nl->fd, r->buf, r->nlh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa));
	if (n < 0)
		return -errno;
	return n == (ssize_t)r->nlh.nlmsg_len ? 0 : -EIO;
}

ssize_t cg_nl_recv(struct cg_nl *nl, void *buf, size_t len, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = nl->fd, .events = POLLIN };
		int64_t left = deadline - cg_nl_now_ms();
		ssize_t n;
		int ret;

		if (left < 0)
			left = 0;
		ret = poll(&pfd, 1, (int)left);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (ret == 0)
			return 0;
		n = recv(nl->fd, buf, len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno == ENOBUFS) {
				nl->overrun = true;
				continue;
			}
			return -errno;
		}
		if (n == 0)
			return -EPIPE;
		return n;
	}
}

static void cg_evq_push(struct cg_nl *nl, const struct nlmsghdr *nlh)
{
	struct cg_msg *m;

	if (nl->evq_len == nl->evq_cap) {
		unsigned int cap = nl->evq_cap ? nl->evq_cap * 2 : 64;
		struct cg_msg *q;
		unsigned int i;

		if (cap > CG_EVQ_MAX) {
			nl->evq_lost++;
			return;
		}
		q = calloc(cap, sizeof(*q));
		if (!q) {
			nl->evq_lost++;
			return;
		}
		for (i = 0; i < nl->evq_len; i++)
			q[i] = nl->evq[(nl->evq_head + i) % nl->evq_cap];
		free(nl->evq);
		nl->evq = q;
		nl->evq_head = 0;
		nl->evq_cap = cap;
	}
	m = &nl->evq[(nl->evq_head + nl->evq_len) % nl->evq_cap];
	if (cg_msg_fill(m, nlh) == 0)
		nl->evq_len++;
	else
		nl->evq_lost++;
}

/* Read the extended ack TLVs of an NLMSG_ERROR / NLMSG_DONE. */
static void cg_parse_extack(struct cg_nl *nl, const struct nlmsghdr *nlh,
			    size_t tlv_off)
{
	const unsigned char *p = (const unsigned char *)nlh;
	size_t pos = NLMSG_ALIGN(tlv_off);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	while (pos + NLA_HDRLEN <= nlh->nlmsg_len) {
		const struct nlattr *a = (const struct nlattr *)(p + pos);
		size_t plen;

		if (a->nla_len < NLA_HDRLEN || pos + a->nla_len > nlh->nlmsg_len)
			break;
		plen = a->nla_len - NLA_HDRLEN;
		if (a->nla_type == NLMSGERR_ATTR_MSG) {
			size_t n = plen < sizeof(nl->ext_msg) - 1 ? plen : sizeof(nl->ext_msg) - 1;

			memcpy(nl->ext_msg, p + pos + NLA_HDRLEN, n);
			nl->ext_msg[n] = 0;
		} else if (a->nla_type == NLMSGERR_ATTR_OFFS && plen == 4) {
			uint32_t off;

			memcpy(&off, p + pos + NLA_HDRLEN, 4);
			nl->ext_off = (int)off;
		}
		pos += NLA_ALIGN(a->nla_len);
	}
}

int cg_nl_parse_ack(struct cg_nl *nl, const struct nlmsghdr *nlh)
{
	int err = 0;

	nl->ext_msg[0] = 0;
	nl->ext_off = -1;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nlh);
		size_t off = NLMSG_HDRLEN + sizeof(*e);

		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return -EPROTO;
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		cg_parse_extack(nl, nlh, off);
		return e->error;
	}
	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
		memcpy(&err, NLMSG_DATA(nlh), sizeof(int));
	cg_parse_extack(nl, nlh, NLMSG_HDRLEN + sizeof(int));
	return err;
}

/*
 * Read until the answer to @seq: replies to @cb (or the first to @reply),
 * events to the queue. Returns the ack's errno (0) or a local -errno.
 */
static int cg_nl_answer(struct cg_nl *nl, uint32_t seq, bool dump,
			int (*cb)(const struct cg_msg *m, void *arg), void *arg,
			int *count)
{
	unsigned char *buf = malloc(CG_RXBUF);
	int64_t deadline = cg_nl_now_ms() + (nl->answer_ms ? nl->answer_ms : CG_ANSWER_MS);
	struct cg_msg *m = malloc(sizeof(*m));
	bool stop = false;
	int ret = -ETIMEDOUT;

	nl->ext_msg[0] = 0;
	nl->ext_off = -1;
	if (!buf || !m) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = cg_nl_recv(nl, buf, CG_RXBUF, deadline);
		struct nlmsghdr *nlh;
		size_t left;

		if (n == 0) {
			ret = -ETIMEDOUT;
			goto out;
		}
		if (n < 0) {
			ret = (int)n;
			goto out;
		}
		left = (size_t)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_seq == 0) {
				if (nlh->nlmsg_type == nl->family)
					cg_evq_push(nl, nlh);
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR ||
			    nlh->nlmsg_type == NLMSG_DONE) {
				ret = cg_nl_parse_ack(nl, nlh);
				goto out;
			}
			if (nlh->nlmsg_type != nl->family)
				continue;
			if (stop)
				continue;
			if (cg_msg_fill(m, nlh) != 0)
				continue;
			if (count)
				(*count)++;
			if (cb && cb(m, arg))
				stop = true;
			if (!dump)
				stop = true;
		}
	}
out:
	free(m);
	free(buf);
	return ret;
}

static int cg_first_reply(const struct cg_msg *m, void *arg)
{
	memcpy(arg, m, sizeof(*m));
	return 1;
}

int cg_nl_wait(struct cg_nl *nl, struct cg_req *r, struct cg_msg *reply)
{
	if (reply)
		memset(reply, 0, offsetof(struct cg_msg, data));
	return cg_nl_answer(nl, r->nlh.nlmsg_seq, false,
			    reply ? cg_first_reply : NULL, reply, NULL);
}

int cg_nl_do(struct cg_nl *nl, struct cg_req *r, struct cg_msg *reply)
{
	int ret;

	r->nlh.nlmsg_flags |= NLM_F_ACK;
	ret = cg_nl_send(nl, r);
	if (ret)
		return ret;
	return cg_nl_wait(nl, r, reply);
}

int cg_nl_dump(struct cg_nl *nl, struct cg_req *r,
	       int (*cb)(const struct cg_msg *m, void *arg), void *arg)
{
	int ret, count = 0;

	r->nlh.nlmsg_flags |= NLM_F_DUMP | NLM_F_ACK;
	ret = cg_nl_send(nl, r);
	if (ret)
		return ret;
	ret = cg_nl_answer(nl, r->nlh.nlmsg_seq, true, cb, arg, &count);
	return ret ? ret : count;
}

int cg_nl_event(struct cg_nl *nl, int timeout_ms, struct cg_msg *ev)
{
	unsigned char *buf;
	int64_t deadline = cg_nl_now_ms() + timeout_ms;
	int ret = 0;

	while (!nl->evq_len) {
		ssize_t n;
		struct nlmsghdr *nlh;
		size_t left;

		buf = malloc(CG_RXBUF);
		if (!buf)
			return -ENOMEM;
		n = cg_nl_recv(nl, buf, CG_RXBUF, deadline);
		if (n <= 0) {
			free(buf);
			return (int)n;
		}
		left = (size_t)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left))
			if (nlh->nlmsg_type == nl->family)
				cg_evq_push(nl, nlh);
		free(buf);
	}
	*ev = nl->evq[nl->evq_head];
	nl->evq_head = (nl->evq_head + 1) % nl->evq_cap;
	nl->evq_len--;
	ret = 1;
	return ret;
}

int cg_nl_event_cmd(struct cg_nl *nl, int cmd, int timeout_ms, struct cg_msg *ev)
{
	int64_t deadline = cg_nl_now_ms() + timeout_ms;

	for (;;) {
		int64_t left = deadline - cg_nl_now_ms();
		int ret = cg_nl_event(nl, left > 0 ? (int)left : 0, ev);

		if (ret <= 0 || ev->cmd == cmd)
			return ret;
	}
}

int cg_audit_wait(struct cg_nl *nl, uint32_t reason, int timeout_ms, struct cg_msg *ev)
{
	int64_t deadline = cg_nl_now_ms() + timeout_ms;

	for (;;) {
		int64_t left = deadline - cg_nl_now_ms();
		int ret = cg_nl_event_cmd(nl, CAMGUARD_CMD_AUDIT, left > 0 ? (int)left : 0, ev);

		if (ret <= 0 || cg_msg_u32(ev, CAMGUARD_A_REASON) == reason)
			return ret;
	}
}

int cg_nl_drain(struct cg_nl *nl)
{
	struct cg_msg *m = malloc(sizeof(*m));
	int n = 0;

	if (!m)
		return -ENOMEM;
	while (cg_nl_event(nl, 0, m) > 0)
		n++;
	free(m);
	return n;
}

/* Resolve family id and audit group via CTRL_CMD_GETFAMILY. */
static int cg_nl_resolve(struct cg_nl *nl)
{
	struct {
		struct nlmsghdr nlh;
		struct genlmsghdr g;
		unsigned char attrs[64];
	} req = { 0 };
	unsigned char *buf;
	struct nlattr *a;
	int64_t deadline = cg_nl_now_ms() + CG_ANSWER_MS;
	size_t nlen = strlen(CAMGUARD_GENL_NAME) + 1;
	int ret = -ETIMEDOUT;

	req.nlh.nlmsg_type = GENL_ID_CTRL;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nlh.nlmsg_seq = ++nl->seq;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 2;
	a = (struct nlattr *)req.attrs;
	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = (uint16_t)(NLA_HDRLEN + nlen);
	memcpy(req.attrs + NLA_HDRLEN, CAMGUARD_GENL_NAME, nlen);
	req.nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(a->nla_len);
	if (send(nl->fd, &req, req.nlh.nlmsg_len, 0) < 0)
		return -errno;

	buf = malloc(CG_RXBUF);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = cg_nl_recv(nl, buf, CG_RXBUF, deadline);
		struct nlmsghdr *nlh;
		size_t left;

		if (n <= 0) {
			ret = n ? (int)n : -ETIMEDOUT;
			break;
		}
		left = (size_t)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			size_t pos, end;

			if (nlh->nlmsg_seq != nl->seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				ret = e->error;
				if (ret == 0)
					ret = nl->family ? 0 : -ENOENT;
				goto out;
			}
			if (nlh->nlmsg_type != GENL_ID_CTRL)
				continue;
			pos = NLMSG_LENGTH(GENL_HDRLEN);
			end = nlh->nlmsg_len;
			while (pos + NLA_HDRLEN <= end) {
				struct nlattr *at = (struct nlattr *)((unsigned char *)nlh + pos);
				unsigned char *p = (unsigned char *)at + NLA_HDRLEN;

				if (at->nla_len < NLA_HDRLEN || pos + at->nla_len > end)
					break;
				if ((at->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
					memcpy(&nl->family, p, 2);
				if ((at->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GROUPS) {
					/* nest of nests: CTRL_ATTR_MCAST_GRP_NAME/ID */
					size_t gp = 0, gend = at->nla_len - NLA_HDRLEN;

					while (gp + NLA_HDRLEN <= gend) {
						struct nlattr *grp = (struct nlattr *)(p + gp);
						size_t ip = NLA_HDRLEN;
						const char *name = NULL;
						uint32_t id = 0;

						if (grp->nla_len < NLA_HDRLEN || gp + grp->nla_len > gend)
							break;
						while (ip + NLA_HDRLEN <= grp->nla_len) {
							struct nlattr *ia = (struct nlattr *)((unsigned char *)grp + ip);

							if (ia->nla_len < NLA_HDRLEN || ip + ia->nla_len > grp->nla_len)
								break;
							if (ia->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
								name = (const char *)ia + NLA_HDRLEN;
							else if (ia->nla_type == CTRL_ATTR_MCAST_GRP_ID)
								memcpy(&id, (unsigned char *)ia + NLA_HDRLEN, 4);
							ip += NLA_ALIGN(ia->nla_len);
						}
						if (name && !strcmp(name, CAMGUARD_MCGRP_AUDIT))
							nl->audit_group = id;
						gp += NLA_ALIGN(grp->nla_len);
					}
				}
				pos += NLA_ALIGN(at->nla_len);
			}
		}
	}
out:
	free(buf);
	return ret;
}

static int cg_nl_setup(struct cg_nl *nl)
{
	struct sockaddr_nl sa;
	socklen_t sl = sizeof(sa);
	int one = 1, rcv = 4 << 20;

	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Big enough that a test reading late loses nothing (root only). */
	if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (getsockname(nl->fd, (struct sockaddr *)&sa, &sl))
		return -errno;
	nl->portid = sa.nl_pid;
	return cg_nl_resolve(nl);
}

int cg_nl_open_port(struct cg_nl *nl, uint32_t portid)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = portid };
	int ret;

	memset(nl, 0, sizeof(*nl));
	nl->ext_off = -1;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		close(nl->fd);
		nl->fd = -1;
		return ret;
	}
	ret = cg_nl_setup(nl);
	if (ret) {
		close(nl->fd);
		nl->fd = -1;
	}
	return ret;
}

int cg_nl_open(struct cg_nl *nl)
{
	return cg_nl_open_port(nl, 0);
}

int cg_nl_adopt(struct cg_nl *nl, int fd)
{
	memset(nl, 0, sizeof(*nl));
	nl->ext_off = -1;
	nl->fd = fd;
	nl->seq = 1000;
	return cg_nl_setup(nl);
}

void cg_nl_close(struct cg_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
	free(nl->evq);
	nl->evq = NULL;
	nl->evq_len = nl->evq_cap = nl->evq_head = 0;
}

long cg_nl_sock_drops(struct cg_nl *nl)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (getsockopt(nl->fd, SOL_SOCKET, SO_MEMINFO, mem, &len))
		return -errno;
	return len > SK_MEMINFO_DROPS * sizeof(mem[0]) ?
	       (long)mem[SK_MEMINFO_DROPS] : -EPROTO;
}

int cg_nl_join_audit(struct cg_nl *nl)
{
	uint32_t grp = nl->audit_group;

	if (!grp)
		return -ENOENT;
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)))
		return -errno;
	return 0;
}

/* ---- camguard requests ------------------------------------------------- */

int cg_chan_new(struct cg_nl *nl, const char *name, const uint8_t *key,
		uint32_t flags, uint32_t *id, uint8_t *key_out)
{
	struct cg_req r;
	struct cg_msg *m = malloc(sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	cg_req_init(&r, nl, CAMGUARD_CMD_CHAN_NEW, 0);
	cg_put_str(&r, CAMGUARD_A_CHAN_NAME, name);
	if (key)
		cg_put(&r, CAMGUARD_A_CHAN_KEY, key, CAMGUARD_KEY_LEN);
	if (flags != CG_NO_FLAGS)
		cg_put_u32(&r, CAMGUARD_A_CHAN_FLAGS, flags);
	ret = cg_nl_do(nl, &r, m);
	if (ret == 0) {
		size_t klen = 0;
		const void *k = cg_msg_data(m, CAMGUARD_A_CHAN_KEY, &klen);

		if (!cg_msg_has(m, CAMGUARD_A_CHAN_ID)) {
			snprintf(nl->ext_msg, sizeof(nl->ext_msg),
				 "(test) CHAN_NEW reply without CHAN_ID");
			ret = -EPROTO;
		}
		if (id)
			*id = cg_msg_u32(m, CAMGUARD_A_CHAN_ID);
		if (key_out) {
			if (!k || klen != CAMGUARD_KEY_LEN) {
				snprintf(nl->ext_msg, sizeof(nl->ext_msg),
					 "(test) CHAN_NEW reply without a %d-byte CHAN_KEY",
					 CAMGUARD_KEY_LEN);
				ret = -EPROTO;
			} else {
				memcpy(key_out, k, CAMGUARD_KEY_LEN);
			}
		}
	}
	free(m);
	return ret;
}

static int cg_simple(struct cg_nl *nl, uint8_t cmd, int a1, uint32_t v1, int a2, uint32_t v2)
{
	struct cg_req r;

	cg_req_init(&r, nl, cmd, 0);
	if (a1)
		cg_put_u32(&r, (uint16_t)a1, v1);
	if (a2)
		cg_put_u32(&r, (uint16_t)a2, v2);
	return cg_nl_do(nl, &r, NULL);
}

int cg_chan_del(struct cg_nl *nl, uint32_t id)
{
	return cg_simple(nl, CAMGUARD_CMD_CHAN_DEL, CAMGUARD_A_CHAN_ID, id, 0, 0);
}

int cg_chan_attach(struct cg_nl *nl, uint32_t id, uint32_t cam)
{
	return cg_simple(nl, CAMGUARD_CMD_CHAN_ATTACH, CAMGUARD_A_CHAN_ID, id,
			 CAMGUARD_A_CAM_ID, cam);
}

int cg_chan_detach(struct cg_nl *nl, uint32_t id)
{
	return cg_simple(nl, CAMGUARD_CMD_CHAN_DETACH, CAMGUARD_A_CHAN_ID, id, 0, 0);
}

int cg_cam_mute(struct cg_nl *nl, uint32_t cam, uint8_t muted)
{
	struct cg_req r;

	cg_req_init(&r, nl, CAMGUARD_CMD_CAM_MUTE, 0);
	cg_put_u32(&r, CAMGUARD_A_CAM_ID, cam);
	cg_put_u8(&r, CAMGUARD_A_CAM_MUTED, muted);
	return cg_nl_do(nl, &r, NULL);
}

int cg_cam_bind(struct cg_nl *nl, uint32_t cam, uint32_t uid, uint32_t gid)
{
	struct cg_req r;

	cg_req_init(&r, nl, CAMGUARD_CMD_CAM_BIND, 0);
	cg_put_u32(&r, CAMGUARD_A_CAM_ID, cam);
	cg_put_u32(&r, CAMGUARD_A_CAM_BOUND_UID, uid);
	cg_put_u32(&r, CAMGUARD_A_CAM_BOUND_GID, gid);
	return cg_nl_do(nl, &r, NULL);
}

int cg_cam_unbind(struct cg_nl *nl, uint32_t cam)
{
	return cg_simple(nl, CAMGUARD_CMD_CAM_BIND, CAMGUARD_A_CAM_ID, cam, 0, 0);
}

int cg_cam_get(struct cg_nl *nl, uint32_t cam, struct cg_msg *m)
{
	struct cg_req r;
	int ret;

	cg_req_init(&r, nl, CAMGUARD_CMD_CAM_GET, 0);
	cg_put_u32(&r, CAMGUARD_A_CAM_ID, cam);
	ret = cg_nl_do(nl, &r, m);
	if (ret == 0 && m->cmd != CAMGUARD_CMD_CAM_GET)
		ret = -EPROTO;
	return ret;
}

struct cg_stream_dump {
	struct cg_stream_info *out;
	int max, n;
};

static int cg_stream_cb(const struct cg_msg *m, void *arg)
{
	struct cg_stream_dump *d = arg;
	struct cg_stream_info *si;

	if (d->n >= d->max) {
		d->n++;
		return 0;
	}
	si = &d->out[d->n++];
	memset(si, 0, sizeof(*si));
	si->cam = cg_msg_u32(m, CAMGUARD_A_CAM_ID);
	si->id = cg_msg_u64(m, CAMGUARD_A_STREAM_ID);
	si->uid = cg_msg_u32(m, CAMGUARD_A_OWNER_UID);
	si->gid = cg_msg_u32(m, CAMGUARD_A_OWNER_GID);
	si->streaming = cg_msg_u8(m, CAMGUARD_A_STREAMING);
	si->tagged = cg_msg_stat(m, CAMGUARD_STAT_FRAMES_TAGGED);
	si->delivered = cg_msg_stat(m, CAMGUARD_STAT_FRAMES_DELIVERED);
	si->withheld = cg_msg_stat(m, CAMGUARD_STAT_FRAMES_WITHHELD);
	si->dropped = cg_msg_stat(m, CAMGUARD_STAT_EVENTS_DROPPED);
	return 0;
}

int cg_stream_get(struct cg_nl *nl, struct cg_stream_info *out, int max)
{
	struct cg_stream_dump d = { .out = out, .max = max };
	struct cg_req r;
	int ret;

	cg_req_init(&r, nl, CAMGUARD_CMD_STREAM_GET, 0);
	ret = cg_nl_dump(nl, &r, cg_stream_cb, &d);
	return ret < 0 ? ret : d.n;
}

int cg_stream_of(struct cg_nl *nl, uint32_t cam, struct cg_stream_info *si)
{
	struct cg_stream_info all[16];
	int i, n = cg_stream_get(nl, all, 16);

	if (n < 0)
		return n;
	for (i = 0; i < n && i < 16; i++) {
		if (all[i].cam == cam) {
			*si = all[i];
			return 1;
		}
	}
	return 0;
}

struct cg_chan_dump {
	struct cg_chan_info *out;
	int max, n;
};

static int cg_chan_cb(const struct cg_msg *m, void *arg)
{
	struct cg_chan_dump *d = arg;
	struct cg_chan_info *ci;

	if (d->n >= d->max) {
		d->n++;
		return 0;
	}
	ci = &d->out[d->n++];
	memset(ci, 0, sizeof(*ci));
	ci->id = cg_msg_u32(m, CAMGUARD_A_CHAN_ID);
	snprintf(ci->name, sizeof(ci->name), "%s", cg_msg_str(m, CAMGUARD_A_CHAN_NAME));
	ci->flags = cg_msg_u32(m, CAMGUARD_A_CHAN_FLAGS);
	ci->uid = cg_msg_u32(m, CAMGUARD_A_OWNER_UID);
	ci->gid = cg_msg_u32(m, CAMGUARD_A_OWNER_GID);
	ci->cam = cg_msg_has(m, CAMGUARD_A_CAM_ID) ? (int64_t)cg_msg_u32(m, CAMGUARD_A_CAM_ID) : -1;
	ci->delivered = cg_msg_stat(m, CAMGUARD_STAT_FRAMES_DELIVERED);
	ci->withheld = cg_msg_stat(m, CAMGUARD_STAT_FRAMES_WITHHELD);
	ci->dropped = cg_msg_stat(m, CAMGUARD_STAT_EVENTS_DROPPED);
	ci->has_key = cg_msg_has(m, CAMGUARD_A_CHAN_KEY);
	return 0;
}

int cg_chan_get(struct cg_nl *nl, struct cg_chan_info *out, int max)
{
	struct cg_chan_dump d = { .out = out, .max = max };
	struct cg_req r;
	int ret;

	cg_req_init(&r, nl, CAMGUARD_CMD_CHAN_GET, 0);
	ret = cg_nl_dump(nl, &r, cg_chan_cb, &d);
	return ret < 0 ? ret : d.n;
}

int cg_chan_find(struct cg_nl *nl, uint32_t id, struct cg_chan_info *ci)
{
	struct cg_chan_info *all = calloc(512, sizeof(*all));
	int i, n, found = 0;

	if (!all)
		return -ENOMEM;
	n = cg_chan_get(nl, all, 512);
	if (n < 0) {
		free(all);
		return n;
	}
	for (i = 0; i < n && i < 512; i++) {
		if (all[i].id == id) {
			*ci = all[i];
			found = 1;
			break;
		}
	}
	free(all);
	return found;
}
