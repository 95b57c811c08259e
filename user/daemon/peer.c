// SPDX-License-Identifier: MIT
/*
 * Who is at the other end of an accepted TCP connection, for sharing the
 * supervisor's hello slots fairly (listen.c, max_hello_per_peer).
 *
 * A remote peer is its address. A local peer (a loopback address) is the
 * uid that owns its socket, asked of the kernel with NETLINK_SOCK_DIAG:
 * every local user shares 127.0.0.1, so the address alone would let one
 * local user keep every other local user's displays waiting. The query
 * names the client's socket by its full 4-tuple (its source is our peer,
 * its destination our local address), so it cannot find another socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include "daemon.h"

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;

		return IN6_IS_ADDR_LOOPBACK(&s->sin6_addr) ||
		       (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr) &&
			s->sin6_addr.s6_addr[12] == 127);
	}
	return false;
}

/* The inet_diag id of the socket that connected from @peer to @local. */
static void diag_id(struct inet_diag_sockid *id,
		    const struct sockaddr_storage *peer,
		    const struct sockaddr_storage *local)
{
	memset(id, 0, sizeof(*id));
	id->idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	id->idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (peer->ss_family == AF_INET) {
		const struct sockaddr_in *p = (const void *)peer;
		const struct sockaddr_in *l = (const void *)local;

		id->idiag_sport = p->sin_port;
		id->idiag_dport = l->sin_port;
		memcpy(id->idiag_src, &p->sin_addr, 4);
		memcpy(id->idiag_dst, &l->sin_addr, 4);
	} else {
		const struct sockaddr_in6 *p = (const void *)peer;
		const struct sockaddr_in6 *l = (const void *)local;

		id->idiag_sport = p->sin6_port;
		id->idiag_dport = l->sin6_port;
		memcpy(id->idiag_src, &p->sin6_addr, 16);
		memcpy(id->idiag_dst, &l->sin6_addr, 16);
	}
}

/* The uid owning the local socket that connected to us on @fd. */
static int local_peer_uid(const struct sockaddr_storage *peer,
			  const struct sockaddr_storage *local, uid_t *uid)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 req;
	} q = {
		.nh = {
			.nlmsg_len = sizeof(q),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = 1,
		},
		.req = {
			.sdiag_family = (uint8_t)peer->ss_family,
			.sdiag_protocol = IPPROTO_TCP,
			.idiag_states = ~0U,
		},
	};
	union {
		struct nlmsghdr nh;
		char buf[1024];
	} r;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	const struct inet_diag_msg *m;
	ssize_t n;
	int fd, ret = -ESRCH;

	diag_id(&q.req.id, peer, local);
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &q, sizeof(q), 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		ret = -errno;
		goto out;
	}
	n = recv(fd, &r, sizeof(r), 0);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	if (!NLMSG_OK(&r.nh, (size_t)n))
		goto out;
	if (r.nh.nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(&r.nh);

		ret = r.nh.nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error ?
		      e->error : -ESRCH;
		goto out;
	}
	if (r.nh.nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    r.nh.nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		goto out;
	m = NLMSG_DATA(&r.nh);
	*uid = m->idiag_uid;
	ret = 0;
out:
	close(fd);
	return ret;
}

void cg_peer_of(int fd, const struct sockaddr_storage *peer,
		struct cg_peer *out)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	uid_t uid = 0;

	memset(out, 0, sizeof(*out));
	out->family = peer->ss_family;
	if (peer->ss_family == AF_INET)
		memcpy(out->addr, &((const struct sockaddr_in *)(const void *)peer)->sin_addr, 4);
	else if (peer->ss_family == AF_INET6)
		memcpy(out->addr, &((const struct sockaddr_in6 *)(const void *)peer)->sin6_addr, 16);
	if (!is_loopback(peer) ||
	    getsockname(fd, (struct sockaddr *)&local, &len) < 0 ||
	    local.ss_family != peer->ss_family)
		return;
	if (local_peer_uid(peer, &local, &uid) == 0) {
		out->local = true;
		out->uid = uid;
	}
}

bool cg_peer_equal(const struct cg_peer *a, const struct cg_peer *b)
{
	if (a->local || b->local)
		return a->local == b->local && a->uid == b->uid;
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}
