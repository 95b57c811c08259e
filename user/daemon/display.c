// SPDX-License-Identifier: MIT
/*
 * Display connections inside a worker (user/lib/transport.h has the protocol):
 *
 *   TLS       non-blocking SSL_accept with the owner's identity (w->tls)
 *   CHALLENGE "CGCH" + 32 random bytes, written
 *   RESPONSE  "CGAU" + HMAC under the display's pairing key, read and
 *             checked in constant time (cg_auth_check)
 *   READY     records out; whatever the display sends is read and dropped
 *
 * A browser (docs/web-display.md) has two more steps after TLS, and frames
 * what follows as WebSocket messages:
 *
 *   REQUEST   its HTTP request head, read whole (web.c decides the answer)
 *   REPLY     the answer written: a page file or an error, then closed;
 *             or 101, and on to CHALLENGE for the display it named
 *
 * Every step before READY must finish within limits.handshake_timeout.
 * In READY a connection holds at most limits.max_queued_records records:
 * when full, the NEW record is dropped and counted, so a slow display only
 * loses its own frames. No write progress for write_timeout with data
 * queued, or no progress at all for idle_timeout, closes it.
 *
 * Ownership: the worker's list (w->conns) owns every connection; a display
 * points at its authenticated one (d->conn) without owning it. A queued
 * record is its own header, copied into the queue, and a reference to the
 * frame's encrypted payload, which the displays of that frame share
 * (struct cg_payload, freed with its last reference). Closing marks a
 * connection dead and frees its socket, TLS state and queue at once (its
 * payload references dropped); the struct itself is freed by
 * cg_display_reap() after the poll loop, so pollfd indices and list walks
 * stay valid meanwhile.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <poll.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "daemon.h"
#include "log.h"
#include "transport.h"
#include "websocket.h"

#define READ_BUDGET	16384	/* bytes read and dropped per wake-up */
#define WEB_MOD		"web"	/* a browser's, before it names a display */

/* The auth messages as a browser's WebSocket frames carry them. */
#define WS_CHALLENGE_LEN	(2 + CG_AUTH_MSG_LEN)
#define WS_RESPONSE_LEN		(2 + 4 + CG_AUTH_MSG_LEN)	/* masked */
#define WS_CLOSE_MAX		(2 + 4 + 125)	/* a masked close message */

enum conn_state {
	CONN_TLS,
	CONN_REQUEST,
	CONN_REPLY,
	CONN_CHALLENGE,
	CONN_RESPONSE,
	CONN_READY,
};

struct cg_outrec {
	uint8_t ws[CG_WS_HEADER_MAX];	/* a browser's frame header */
	size_t ws_len;			/* 0 for camguard-view and the like */
	uint8_t header[CG_RECORD_HEADER_LEN];
	struct cg_payload *payload;	/* one reference */
};

struct cg_conn {
	struct cg_conn *next;
	int fd;
	SSL *ssl;
	struct cg_display *disp;	/* NULL: a browser, not yet upgraded */
	enum conn_state state;
	bool web;			/* a browser: HTTP, then WebSocket */
	bool dead;
	bool want_write;		/* the last TLS call asked for POLLOUT */
	char peer[64];
	char *req;			/* a browser's request head so far */
	size_t req_len;
	struct cg_web_reply reply;	/* its answer */
	size_t reply_off;		/* bytes of it written */
	uint8_t challenge[CG_AUTH_MSG_LEN];
	uint8_t response[CG_AUTH_MSG_LEN];
	uint8_t hs_out[WS_CHALLENGE_LEN];	/* the challenge as sent */
	uint8_t hs_in[WS_RESPONSE_LEN];		/* the response as read */
	size_t hs_out_len, hs_in_len;
	size_t off;			/* of hs_out sent / hs_in read */
	uint64_t deadline_ms;		/* end of the handshake */
	uint64_t last_io_ms;		/* any progress */
	uint64_t last_write_ms;		/* write progress, or queue start */
	struct cg_outrec *q;		/* ring of max_queued_records */
	unsigned int q_head, q_count, q_cap;
	size_t q_off;			/* bytes of the head record written */
	uint64_t ignored;		/* bytes the display sent after auth */
};

static void peer_name(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN];
	const void *addr;
	int port;

	snprintf(buf, size, "?");
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		addr = &((struct sockaddr_in *)&ss)->sin_addr;
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		addr = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	} else {
		return;
	}
	if (inet_ntop(ss.ss_family, addr, host, sizeof(host)))
		snprintf(buf, size, ss.ss_family == AF_INET6 ? "[%s]:%d" :
			 "%s:%d", host, port);
}

static void queue_free(struct cg_conn *c)
{
	while (c->q_count) {
		cg_payload_put(c->q[c->q_head].payload);
		c->q_head = (c->q_head + 1) % c->q_cap;
		c->q_count--;
	}
	free(c->q);
	c->q = NULL;
}

/* Close now (socket, TLS, queue); the struct goes in cg_display_reap(). */
static void conn_close(struct cg_worker *w, struct cg_conn *c,
		       enum cg_log_level level, const char *why)
{
	struct cg_display *d = c->disp;

	if (c->dead)
		return;
	if (d)
		cg_log(level, d->mod, "connection from %s closed: %s (the display's sent %llu dropped_full %llu)",
		       c->peer, why, (unsigned long long)d->st.sent,
		       (unsigned long long)d->st.dropped_full);
	else
		cg_log(level, WEB_MOD, "connection from %s closed: %s",
		       c->peer, why);
	c->dead = true;
	if (d && d->conn == c)
		d->conn = NULL;
	/* No close_notify: the peer may be gone, and it must not block. */
	SSL_free(c->ssl);
	c->ssl = NULL;
	close(c->fd);
	c->fd = -1;
	queue_free(c);
	free(c->req);
	c->req = NULL;
	free(c->reply.http.buf);
	c->reply.http.buf = NULL;
	w->n_conns--;
}

static struct cg_display *display_by_index(struct cg_worker *w, uint32_t index)
{
	unsigned int i;

	for (i = 0; i < w->n_displays; i++)
		if (w->displays[i].index == index)
			return &w->displays[i];
	return NULL;
}

/*
 * A connection from the supervisor for config display @index, its hello
 * already read. Takes ownership of @fd.
 */
void cg_display_accept(struct cg_worker *w, int fd, uint32_t index)
{
	const struct cg_config_limits *lim = &w->cfg->limits;
	bool web = index == CG_HANDOFF_WEB;
	struct cg_display *d = web ? NULL : display_by_index(w, index);
	uint64_t *refused = d ? &d->st.refused : &w->web_st.refused;
	const char *mod = d ? d->mod : WEB_MOD;
	struct cg_conn *c;
	char peer[64];
	int one = 1;

	peer_name(fd, peer, sizeof(peer));
	if (!d && !web) {
		/* The supervisor routes by owner: this is a bug, not an attack. */
		w->bad_handoff++;
		cg_err(w->mod, "connection from %s for display #%u, not one of this owner's: closed",
		       peer, index);
		close(fd);
		return;
	}
	if (d && !d->usable) {
		d->st.refused++;
		cg_warn(d->mod, "connection from %s refused: the display has no channel (see the start-up errors)",
			peer);
		close(fd);
		return;
	}
	if (w->n_conns >= lim->max_connections) {
		(*refused)++;
		cg_warn(mod, "connection from %s refused: %u connections already (max_connections)",
			peer, w->n_conns);
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->q = calloc(lim->max_queued_records, sizeof(*c->q));
	if (c)
		c->ssl = SSL_new(w->tls);
	if (!c || !c->q || !c->ssl || !SSL_set_fd(c->ssl, fd)) {
		(*refused)++;
		cg_err(mod, "connection from %s refused: out of memory", peer);
		if (c) {
			SSL_free(c->ssl);
			free(c->q);
		}
		free(c);
		close(fd);
		return;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
		     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_set_accept_state(c->ssl);
	c->fd = fd;
	c->disp = d;
	c->web = web;
	c->state = CONN_TLS;
	c->q_cap = lim->max_queued_records;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->last_io_ms = cg_now_ms();
	c->deadline_ms = c->last_io_ms + lim->handshake_timeout_ms;
	c->next = w->conns;
	w->conns = c;
	w->n_conns++;
	cg_debug(mod, "connection from %s: TLS handshake", peer);
	cg_display_io(w, c, POLLIN);
}

/*
 * After a TLS call returned @ret <= 0: 0 to wait (want_write says for
 * what), or -1 after closing the connection.
 */
static int tls_wait(struct cg_worker *w, struct cg_conn *c, int ret,
		    const char *what)
{
	char detail[256], why[320];
	int err = SSL_get_error(c->ssl, ret);

	switch (err) {
	case SSL_ERROR_WANT_READ:
		c->want_write = false;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		c->want_write = true;
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		snprintf(why, sizeof(why), "%s: the display closed it", what);
		break;
	case SSL_ERROR_SYSCALL:
		snprintf(why, sizeof(why), "%s: %s", what,
			 errno && ret < 0 ? strerror(errno) :
			 "the display closed it");
		ERR_clear_error();
		break;
	default:
		snprintf(why, sizeof(why), "%s: %s", what,
			 cg_tls_errors(detail, sizeof(detail)));
		break;
	}
	if (c->state == CONN_TLS && c->disp)
		c->disp->st.tls_failed++;
	else if (c->state == CONN_TLS)
		w->web_st.tls_failed++;
	conn_close(w, c, c->state == CONN_READY ? CG_LOG_INFO : CG_LOG_WARN,
		   why);
	return -1;
}

static void authenticated(struct cg_worker *w, struct cg_conn *c)
{
	struct cg_display *d = c->disp;

	c->state = CONN_READY;
	if (d->conn) {
		d->st.replaced++;
		conn_close(w, d->conn, CG_LOG_INFO,
			   "replaced by a newer connection of the display");
	}
	d->conn = c;
	d->st.connections++;
	c->last_write_ms = c->last_io_ms = cg_now_ms();
	cg_info(d->mod, "connection from %s authenticated (channel %u, camera %s)",
		c->peer, d->chan->id, d->cam->cfg->name);
}

/*
 * A browser's close frame with @code, written if the socket takes it at
 * once: it tells the page why (docs/web-display.md); nothing waits for it.
 */
static void ws_close(struct cg_conn *c, uint16_t code)
{
	uint8_t frame[4] = { 0x80 | CG_WS_CLOSE, 2, (uint8_t)(code >> 8),
			     (uint8_t)code };

	if (c->web && c->state >= CONN_CHALLENGE)
		SSL_write(c->ssl, frame, sizeof(frame));
	ERR_clear_error();
}

/* The challenge, as a binary WebSocket message for a browser. */
static int start_challenge(struct cg_worker *w, struct cg_conn *c)
{
	size_t n = 0;

	if (cg_auth_challenge(c->challenge) < 0) {
		conn_close(w, c, CG_LOG_ERR, "no random bytes for the challenge");
		return -1;
	}
	if (c->web)
		n = cg_ws_header(c->hs_out, CG_WS_BINARY, CG_AUTH_MSG_LEN);
	memcpy(c->hs_out + n, c->challenge, CG_AUTH_MSG_LEN);
	c->hs_out_len = n + CG_AUTH_MSG_LEN;
	c->hs_in_len = c->web ? WS_RESPONSE_LEN : CG_AUTH_MSG_LEN;
	c->state = CONN_CHALLENGE;
	c->off = 0;
	return 0;
}

/*
 * A browser's response must be one masked binary message of exactly
 * CG_AUTH_MSG_LEN bytes: refused from its first two bytes if it is not.
 * 0 (unmasked into c->response once whole), or -1 after closing.
 */
static int ws_response(struct cg_worker *w, struct cg_conn *c)
{
	struct cg_ws_frame f;

	if (!c->web) {
		if (c->off == CG_AUTH_MSG_LEN)
			memcpy(c->response, c->hs_in, CG_AUTH_MSG_LEN);
		return 0;
	}
	if (c->off >= 2 && (c->hs_in[0] != (0x80 | CG_WS_BINARY) ||
			    c->hs_in[1] != (0x80 | CG_AUTH_MSG_LEN))) {
		w->web_st.protocol_error++;
		ws_close(c, CG_WS_CLOSE_POLICY);
		conn_close(w, c, CG_LOG_WARN,
			   "the response is not one binary WebSocket message of 36 bytes");
		return -1;
	}
	if (c->off == WS_RESPONSE_LEN &&
	    cg_ws_client_header(c->hs_in, c->off, &f) == 6) {
		memcpy(c->response, c->hs_in + 6, CG_AUTH_MSG_LEN);
		cg_ws_unmask(c->response, CG_AUTH_MSG_LEN, f.mask, 0);
	}
	return 0;
}

/* A browser's request head, read until web.c can answer it. */
static void read_request(struct cg_worker *w, struct cg_conn *c)
{
	int ret;

	if (!c->req)
		c->req = malloc(CG_HTTP_HEAD_MAX);
	if (!c->req) {
		conn_close(w, c, CG_LOG_ERR, "out of memory");
		return;
	}
	ret = SSL_read(c->ssl, c->req + c->req_len,
		       (int)(CG_HTTP_HEAD_MAX - c->req_len));
	if (ret <= 0) {
		tls_wait(w, c, ret, "reading the request");
		return;
	}
	c->req_len += (size_t)ret;
	if (!cg_web_request(w, c->req, c->req_len, c->peer, &c->reply))
		return;
	free(c->req);
	c->req = NULL;
	if (!c->reply.http.buf) {
		conn_close(w, c, CG_LOG_ERR, "out of memory");
		return;
	}
	/* An upgrade is the display's from here: a revocation closes it. */
	c->disp = c->reply.upgrade;
	c->state = CONN_REPLY;
	c->reply_off = 0;
}

/* The answer, then: the challenge after a 101, else the end. */
static void write_reply(struct cg_worker *w, struct cg_conn *c)
{
	int ret;

	ret = SSL_write(c->ssl, c->reply.http.buf + c->reply_off,
			(int)(c->reply.http.len - c->reply_off));
	if (ret <= 0) {
		tls_wait(w, c, ret, "writing the answer");
		return;
	}
	c->reply_off += (size_t)ret;
	if (c->reply_off < c->reply.http.len)
		return;
	free(c->reply.http.buf);
	c->reply.http.buf = NULL;
	if (!c->disp) {
		conn_close(w, c, CG_LOG_DEBUG, "answered");
		return;
	}
	cg_debug(c->disp->mod, "browser %s: WebSocket open", c->peer);
	start_challenge(w, c);
}

/* Handshake steps; returns when it has to wait or the state is READY. */
static void handshake(struct cg_worker *w, struct cg_conn *c)
{
	struct cg_display *d;
	int ret;

	while (!c->dead && c->state != CONN_READY) {
		d = c->disp;
		switch (c->state) {
		case CONN_TLS:
			ret = SSL_accept(c->ssl);
			if (ret <= 0) {
				tls_wait(w, c, ret, "TLS handshake");
				return;
			}
			if (c->web)
				c->state = CONN_REQUEST;
			else if (start_challenge(w, c) < 0)
				return;
			break;
		case CONN_REQUEST:
			read_request(w, c);
			if (c->state == CONN_REQUEST)
				return;
			break;
		case CONN_REPLY:
			write_reply(w, c);
			if (c->state == CONN_REPLY)
				return;
			break;
		case CONN_CHALLENGE:
			ret = SSL_write(c->ssl, c->hs_out + c->off,
					(int)(c->hs_out_len - c->off));
			if (ret <= 0) {
				tls_wait(w, c, ret, "sending the challenge");
				return;
			}
			c->off += (size_t)ret;
			if (c->off == c->hs_out_len) {
				c->state = CONN_RESPONSE;
				c->off = 0;
				c->want_write = false;
			}
			break;
		case CONN_RESPONSE:
			ret = SSL_read(c->ssl, c->hs_in + c->off,
				       (int)(c->hs_in_len - c->off));
			if (ret <= 0) {
				tls_wait(w, c, ret, "reading the response");
				return;
			}
			c->off += (size_t)ret;
			if (ws_response(w, c) < 0)
				return;
			if (c->off < c->hs_in_len)
				break;
			ret = cg_auth_check(d->key, d->cfg->name,
					    c->challenge, c->response);
			if (ret < 0) {
				d->st.auth_failed++;
				ws_close(c, CG_WS_CLOSE_POLICY);
				conn_close(w, c, CG_LOG_WARN, ret == -EBADMSG ?
					   "authentication failed: wrong pairing key" :
					   "authentication failed");
				return;
			}
			authenticated(w, c);
			return;
		case CONN_READY:
			return;
		}
	}
}

/* Whatever an authenticated display sends: read, counted, dropped. */
static void drain_input(struct cg_worker *w, struct cg_conn *c)
{
	uint8_t junk[4096];
	size_t budget = READ_BUDGET;
	int ret;

	while (!c->dead && budget) {
		ret = SSL_read(c->ssl, junk, sizeof(junk));
		if (ret <= 0) {
			tls_wait(w, c, ret, "reading");
			return;
		}
		c->ignored += (uint64_t)ret;
		c->last_io_ms = cg_now_ms();
		budget -= (size_t)ret < budget ? (size_t)ret : budget;
		/*
		 * A page sends nothing after its response but, at the end, a
		 * close message (at most 6 + 125 bytes): more is not a page.
		 */
		if (c->web && c->ignored > WS_CLOSE_MAX) {
			w->web_st.protocol_error++;
			ws_close(c, CG_WS_CLOSE_POLICY);
			conn_close(w, c, CG_LOG_WARN,
				   "the page sent data after its response (WebSocket protocol)");
		}
	}
}

static void flush_output(struct cg_worker *w, struct cg_conn *c)
{
	int ret;

	while (!c->dead && c->q_count) {
		struct cg_outrec *r = &c->q[c->q_head];
		/* A browser's frame header, the display's header, the payload. */
		const struct {
			const uint8_t *p;
			size_t n;
		} piece[] = {
			{ r->ws, r->ws_len },
			{ r->header, CG_RECORD_HEADER_LEN },
			{ r->payload->data, r->payload->len },
		};
		size_t len = r->ws_len + CG_RECORD_HEADER_LEN + r->payload->len;
		size_t off = c->q_off, left;
		unsigned int i = 0;

		while (off >= piece[i].n)	/* q_off < len: ends at i <= 2 */
			off -= piece[i++].n;
		left = piece[i].n - off;
		ret = SSL_write(c->ssl, piece[i].p + off,
				left > INT32_MAX ? INT32_MAX : (int)left);
		if (ret <= 0) {
			tls_wait(w, c, ret, "writing");
			return;
		}
		c->want_write = false;
		c->last_io_ms = c->last_write_ms = cg_now_ms();
		c->q_off += (size_t)ret;
		if (c->q_off < len)
			continue;
		cg_payload_put(r->payload);
		r->payload = NULL;
		c->q_off = 0;
		c->q_head = (c->q_head + 1) % c->q_cap;
		c->q_count--;
		c->disp->st.sent++;
	}
}

void cg_display_io(struct cg_worker *w, struct cg_conn *c, short revents)
{
	if (c->dead)
		return;
	if (revents & (POLLERR | POLLNVAL)) {
		int err = 0;
		socklen_t len = sizeof(err);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		conn_close(w, c, CG_LOG_INFO,
			   err ? strerror(err) : "socket error");
		return;
	}
	if (c->state != CONN_READY) {
		handshake(w, c);
		return;
	}
	drain_input(w, c);
	flush_output(w, c);
}

short cg_display_events(const struct cg_conn *c)
{
	short ev = POLLIN;

	if (c->want_write || (c->state == CONN_READY && c->q_count))
		ev |= POLLOUT;
	return ev;
}

int cg_display_fd(const struct cg_conn *c)
{
	return c->dead ? -1 : c->fd;
}

struct cg_conn *cg_display_next(const struct cg_conn *c)
{
	return c->next;
}

/* Room for one more record on @d's connection? Counts a drop if not. */
bool cg_display_room(struct cg_display *d)
{
	struct cg_conn *c = d->conn;

	if (!c || c->dead)
		return false;
	if (c->q_count >= c->q_cap) {
		d->st.dropped_full++;
		return false;
	}
	return true;
}

/*
 * Queue a record: @header (copied) and @payload (a new reference is
 * taken; the caller keeps its own).
 */
void cg_display_queue(struct cg_worker *w, struct cg_display *d,
		      const uint8_t header[CG_RECORD_HEADER_LEN],
		      struct cg_payload *payload)
{
	struct cg_conn *c = d->conn;
	struct cg_outrec *r;

	(void)w;
	if (!cg_display_room(d))
		return;
	if (!c->q_count)
		c->last_write_ms = cg_now_ms();
	r = &c->q[(c->q_head + c->q_count) % c->q_cap];
	/* One record, one binary message (docs/web-display.md). */
	r->ws_len = c->web ? cg_ws_header(r->ws, CG_WS_BINARY,
					  CG_RECORD_HEADER_LEN +
					  payload->len) : 0;
	memcpy(r->header, header, CG_RECORD_HEADER_LEN);
	payload->refs++;
	r->payload = payload;
	c->q_count++;
}

/* When @c is next overdue: its handshake, write or idle deadline. */
static uint64_t conn_deadline(const struct cg_config_limits *lim,
			      const struct cg_conn *c)
{
	uint64_t d;

	if (c->state != CONN_READY)
		return c->deadline_ms;
	d = c->last_io_ms + lim->idle_timeout_ms;
	if (c->q_count && c->last_write_ms + lim->write_timeout_ms < d)
		d = c->last_write_ms + lim->write_timeout_ms;
	return d;
}

/* Fold every connection's next deadline into *@timeout (for poll()). */
void cg_display_deadlines(struct cg_worker *w, uint64_t now, int *timeout)
{
	struct cg_conn *c;

	for (c = w->conns; c; c = c->next)
		if (!c->dead)
			cg_timeout_until(timeout,
					 conn_deadline(&w->cfg->limits, c), now);
}

/*
 * Close what is overdue. Called after poll() and the I/O it reported, so
 * the progress a display made meanwhile counts.
 */
void cg_display_timeouts(struct cg_worker *w, uint64_t now)
{
	const struct cg_config_limits *lim = &w->cfg->limits;
	struct cg_conn *c;

	for (c = w->conns; c; c = c->next) {
		if (c->dead || now < conn_deadline(lim, c))
			continue;
		if (c->disp)
			c->disp->st.timeouts++;
		else
			w->web_st.timeouts++;
		if (c->state < CONN_CHALLENGE && c->web)
			conn_close(w, c, CG_LOG_WARN,
				   "handshake_timeout: no whole request or answer in time");
		else if (c->state != CONN_READY)
			conn_close(w, c, CG_LOG_WARN,
				   "handshake_timeout: no authentication in time");
		else if (c->q_count &&
			 now >= c->last_write_ms + lim->write_timeout_ms)
			conn_close(w, c, CG_LOG_WARN,
				   "write_timeout: the display takes nothing");
		else
			conn_close(w, c, CG_LOG_INFO,
				   "idle_timeout: nothing sent or received");
	}
}

/* Free the structs of closed connections. */
void cg_display_reap(struct cg_worker *w)
{
	struct cg_conn **p = &w->conns;

	while (*p) {
		struct cg_conn *c = *p;

		if (c->dead) {
			*p = c->next;
			free(c);
		} else {
			p = &c->next;
		}
	}
}

unsigned int cg_display_revoke(struct cg_worker *w, struct cg_display *d)
{
	unsigned int closed = 0;
	struct cg_conn *c;

	for (c = w->conns; c; c = c->next) {
		if (c->disp != d || c->dead)
			continue;
		conn_close(w, c, CG_LOG_WARN, "its channel was revoked");
		closed++;
	}
	if (d->usable && d->cam && d->cam->n_displays)
		d->cam->n_displays--;
	d->usable = false;
	cg_record_keys_free(d->keys);
	d->keys = NULL;
	OPENSSL_cleanse(d->key, sizeof(d->key));
	return closed;
}

void cg_display_close_all(struct cg_worker *w)
{
	struct cg_conn *c;

	for (c = w->conns; c; c = c->next)
		conn_close(w, c, CG_LOG_DEBUG, "worker exiting");
	cg_display_reap(w);
}
