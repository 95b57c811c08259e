// SPDX-License-Identifier: MIT
/*
 * The supervisor's side of display connections: listen sockets, accepted
 * connections waiting for their hello line, and the display each names.
 *
 * The hello line ("CAMGUARD/1 NAME\n", user/lib/transport.h) is read exactly:
 * each read first peeks, then takes the bytes up to and including the
 * newline and never one more, so the TLS handshake that follows is left
 * in the socket for the worker. A browser sends no hello line: its
 * connection starts with a TLS ClientHello, which is only peeked at for
 * its server name (sni.h), the [web] host that says whose worker takes
 * it; every byte stays in the socket. The supervisor never reads TLS
 * beyond that, nor frames or records.
 *
 * Ownership: pending[] owns its sockets until a complete hello hands one
 * to the caller of cg_listen_hello() (the supervisor routes it to a worker
 * and closes its copy either way), or they are closed here.
 *
 * Fairness: one peer (a local user, or a remote address: peer.c) holds at
 * most max_hello_per_peer of the max_connections slots; its connections
 * beyond that are closed at once (per_peer), so that filling every slot
 * takes several peers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "sni.h"
#include "transport.h"

#define MOD	"supervisor"

static int listen_one(struct cg_listener *l, const struct addrinfo *ai,
		      const char *what)
{
	int fd, one = 1, ret;

	if (l->n_fds >= sizeof(l->fds) / sizeof(l->fds[0])) {
		cg_err(MOD, "listen %s: too many addresses", what);
		return -ENOSPC;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::] means IPv6 only: "*" covers IPv4 with a socket of its own. */
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, 128) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	l->fds[l->n_fds++] = fd;
	return 0;
}

/* Is [::]:@port listed too? Then "*" leaves IPv6 to that line. */
static bool v6_any_listed(const struct cg_config *cfg, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < cfg->n_listen; i++)
		if (cfg->listen[i].port == port &&
		    !strcmp(cfg->listen[i].host, "::"))
			return true;
	return false;
}

static int listen_address(struct cg_listener *l, const struct cg_config *cfg,
			  const struct cg_config_listen *a)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	}, *res, *ai;
	bool any = !strcmp(a->host, "*");
	char port[8], what[CG_KV_MAX_HOST + 16];
	int ret, n = 0;

	snprintf(port, sizeof(port), "%u", a->port);
	snprintf(what, sizeof(what), strchr(a->host, ':') ? "[%s]:%u" :
		 "%s:%u", a->host, a->port);
	if (any)
		hints.ai_family = v6_any_listed(cfg, a->port) ? AF_INET :
				  AF_UNSPEC;
	ret = getaddrinfo(any ? NULL : a->host, port, &hints, &res);
	if (ret) {
		cg_err(MOD, "listen %s: %s", what, gai_strerror(ret));
		return -EINVAL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		ret = listen_one(l, ai, what);
		/* A kernel without IPv6 still serves "*" over IPv4. */
		if (ret == -EAFNOSUPPORT && any)
			continue;
		if (ret < 0) {
			cg_err(MOD, "listen %s: %s", what, strerror(-ret));
			freeaddrinfo(res);
			return ret;
		}
		n++;
	}
	freeaddrinfo(res);
	if (!n) {
		cg_err(MOD, "listen %s: no usable address", what);
		return -EADDRNOTAVAIL;
	}
	cg_info(MOD, "listening on %s", what);
	return 0;
}

int cg_listen_open(struct cg_listener *l, const struct cg_config *cfg)
{
	unsigned int i;
	int ret;

	memset(l, 0, sizeof(*l));
	l->cap = cfg->limits.max_connections;
	l->pending = calloc(l->cap, sizeof(*l->pending));
	if (!l->pending)
		return -ENOMEM;
	for (i = 0; i < cfg->n_listen; i++) {
		ret = listen_address(l, cfg, &cfg->listen[i]);
		if (ret < 0) {
			cg_listen_close(l);
			return ret;
		}
	}
	return 0;
}

static void pending_remove(struct cg_listener *l, unsigned int slot,
			   bool close_fd)
{
	if (close_fd)
		close(l->pending[slot].fd);
	l->pending[slot] = l->pending[--l->n_pending];
}

void cg_listen_drop_pending(struct cg_listener *l)
{
	while (l->n_pending)
		pending_remove(l, l->n_pending - 1, true);
}

void cg_listen_close(struct cg_listener *l)
{
	unsigned int i;

	for (i = 0; i < l->n_fds; i++)
		close(l->fds[i]);
	l->n_fds = 0;
	if (l->pending)
		cg_listen_drop_pending(l);
	free(l->pending);
	l->pending = NULL;
	l->cap = 0;
}

static void addr_name(const struct sockaddr_storage *ss, char *buf,
		      size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
		port = ntohs(s->sin_port);
		snprintf(buf, size, "%s:%d", host, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;

		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
		port = ntohs(s->sin6_port);
		snprintf(buf, size, "[%s]:%d", host, port);
	} else {
		snprintf(buf, size, "?");
	}
}

static unsigned int pending_of(const struct cg_listener *l,
			       const struct cg_peer *who)
{
	unsigned int i, n = 0;

	for (i = 0; i < l->n_pending; i++)
		n += cg_peer_equal(&l->pending[i].who, who);
	return n;
}

/*
 * Close @p, one connection too many of its peer: counted, and logged once
 * a peer and 5 s, so that a flood does not fill the log.
 */
static void per_peer_refuse(struct cg_listener *l, const struct cg_config *cfg,
			    struct cg_pending *p)
{
	uint64_t now = cg_now_ms();

	if (!cg_peer_equal(&l->refused_peer, &p->who) ||
	    now >= l->refused_logged_ms + 5000) {
		cg_warn(MOD, "connection from %s closed: %u of its connections wait for their hello already (max_hello_per_peer; %llu closed so far)",
			p->peer, cfg->limits.max_hello_per_peer,
			(unsigned long long)l->st.per_peer + 1);
		l->refused_peer = p->who;
		l->refused_logged_ms = now;
	}
	l->st.per_peer++;
	close(p->fd);
}

void cg_listen_accept(struct cg_listener *l, const struct cg_config *cfg,
		      int listen_fd)
{
	while (l->n_pending < l->cap) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct cg_pending *p;
		size_t at;
		int fd;

		fd = accept4(listen_fd, (struct sockaddr *)&ss, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				cg_warn(MOD, "accept: %s", strerror(errno));
			return;
		}
		l->st.accepted++;
		p = &l->pending[l->n_pending];
		memset(p, 0, sizeof(*p));
		p->fd = fd;
		p->deadline_ms = cg_now_ms() + cfg->limits.handshake_timeout_ms;
		cg_peer_of(fd, &ss, &p->who);
		addr_name(&ss, p->peer, sizeof(p->peer));
		at = strlen(p->peer);
		if (p->who.local)
			snprintf(p->peer + at, sizeof(p->peer) - at, " (uid %u)",
				 (unsigned int)p->who.uid);
		if (pending_of(l, &p->who) >= cfg->limits.max_hello_per_peer) {
			per_peer_refuse(l, cfg, p);
			continue;
		}
		l->n_pending++;
	}
	l->st.full++;
	cg_warn(MOD, "%u connections wait for their hello (max_connections): not accepting more for now",
		l->n_pending);
}

/* A printable copy of a bad hello line, for the log. */
static void printable(const char *in, size_t len, char *out, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < size; i++) {
		unsigned char ch = (unsigned char)in[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", ch);
	}
	out[o] = '\0';
}

/* Wake up for @fd only once @bytes are in: peeking at less would spin. */
static void want_bytes(int fd, int bytes)
{
	setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof(bytes));
}

/*
 * Pending connection @slot started with a TLS record: a browser. Peek at
 * its ClientHello until it is whole, then route it by its server name.
 */
static int listen_browser(struct cg_listener *l, const struct cg_config *cfg,
			  unsigned int slot, struct cg_hello *out)
{
	static uint8_t buf[CG_TLS_RECORD_MAX];	/* the supervisor is one thread */
	struct cg_pending *p = &l->pending[slot];
	char host[CG_SNI_MAX + 1];
	ssize_t n;
	int ret, idx;

	n = recv(p->fd, buf, sizeof(buf), MSG_PEEK);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		l->st.bad_hello++;
		cg_info(MOD, "connection from %s closed before its ClientHello",
			p->peer);
		pending_remove(l, slot, true);
		return 0;
	}
	ret = cg_sni_parse(buf, (size_t)n, host);
	if (ret == 0) {
		want_bytes(p->fd, n < 5 ? 5 : 5 + (buf[3] << 8 | buf[4]));
		return 0;
	}
	want_bytes(p->fd, 1);
	if (ret == -ENOENT) {
		l->st.no_server_name++;
		cg_warn(MOD, "connection from %s: TLS without a server name: a browser display must open its owner's host name ([web] host), not an address",
			p->peer);
	} else if (ret < 0) {
		l->st.bad_hello++;
		cg_warn(MOD, "connection from %s: neither a camguard hello line nor a TLS ClientHello in one record",
			p->peer);
	} else if ((idx = cg_config_find_web_host(cfg, host)) < 0) {
		l->st.unknown_host++;
		cg_warn(MOD, "connection from %s: no [web] host '%s' in the config",
			p->peer, host);
	} else {
		out->fd = p->fd;
		out->display = CG_HANDOFF_WEB;
		out->owner = cfg->web_hosts[idx].owner;
		snprintf(out->what, sizeof(out->what), "web host '%s'", host);
		snprintf(out->peer, sizeof(out->peer), "%s", p->peer);
		pending_remove(l, slot, false);
		return 1;
	}
	pending_remove(l, slot, true);
	return 0;
}

int cg_listen_hello(struct cg_listener *l, const struct cg_config *cfg,
		    unsigned int slot, struct cg_hello *out)
{
	struct cg_pending *p = &l->pending[slot];
	char buf[CG_HELLO_MAX], name[CG_KV_MAX_NAME + 1], shown[4 * CG_HELLO_MAX + 1];
	size_t take;
	ssize_t n;
	char *nl;
	int ret, idx;

	n = recv(p->fd, buf, CG_HELLO_MAX - p->have, MSG_PEEK);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n > 0 && !p->have && (uint8_t)buf[0] == CG_TLS_HANDSHAKE)
		return listen_browser(l, cfg, slot, out);
	if (n <= 0) {
		l->st.bad_hello++;
		cg_info(MOD, "connection from %s closed before its hello",
			p->peer);
		pending_remove(l, slot, true);
		return 0;
	}
	nl = memchr(buf, '\n', (size_t)n);
	take = nl ? (size_t)(nl - buf) + 1 : (size_t)n;
	/* Exactly the bytes peeked, up to the newline: nothing of TLS. */
	n = recv(p->fd, p->line + p->have, take, 0);
	if (n <= 0) {
		pending_remove(l, slot, true);
		return 0;
	}
	p->have += (size_t)n;
	ret = cg_hello_parse(p->line, p->have, name);
	if (ret == 0)
		return 0;
	if (ret < 0) {
		l->st.bad_hello++;
		printable(p->line, p->have, shown, sizeof(shown));
		cg_warn(MOD, "connection from %s: not a camguard hello line: \"%s\"",
			p->peer, shown);
		pending_remove(l, slot, true);
		return 0;
	}
	idx = cg_config_find_display(cfg, name);
	if (idx < 0) {
		l->st.unknown_display++;
		cg_warn(MOD, "connection from %s: no display '%s' in the config",
			p->peer, name);
		pending_remove(l, slot, true);
		return 0;
	}
	out->fd = p->fd;
	out->display = (uint32_t)idx;
	out->owner = cfg->displays[idx].owner;
	snprintf(out->what, sizeof(out->what), "display '%s'", name);
	snprintf(out->peer, sizeof(out->peer), "%s", p->peer);
	pending_remove(l, slot, false);
	return 1;
}

void cg_listen_timeouts(struct cg_listener *l, uint64_t now)
{
	unsigned int i;

	for (i = l->n_pending; i-- > 0;) {
		if (now < l->pending[i].deadline_ms)
			continue;
		l->st.hello_timeout++;
		cg_warn(MOD, "connection from %s: no hello line within handshake_timeout",
			l->pending[i].peer);
		pending_remove(l, i, true);
	}
}

void cg_listen_next_timeout(const struct cg_listener *l, int *timeout,
			    uint64_t now)
{
	unsigned int i;

	for (i = 0; i < l->n_pending; i++)
		cg_timeout_until(timeout, l->pending[i].deadline_ms, now);
}
