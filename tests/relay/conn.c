// SPDX-License-Identifier: GPL-2.0
/*
 * One display connection and its own connection to camguardd, driven by
 * the poll loop: nothing here blocks. The display's hello line is read
 * byte by byte so that not one byte of its TLS handshake is taken; the
 * same line opens the upstream connection; then TLS runs on both sides
 * (the relay is the server to the display with its own certificate, a
 * client to camguardd), the challenge and the response cross verbatim,
 * and the upstream byte stream is cut into records by a decoder without a
 * key: the relay can frame records but not forge them.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/err.h>

#include "log.h"
#include "relay.h"

static const char *conn_name(const struct conn *c)
{
	return c->disp ? c->disp->name : c->peer;
}

static void peer_name(const struct sockaddr_storage *ss, char *buf,
		      size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
	}
	snprintf(buf, size, "%s:%u", host, port);
}

static void set_nodelay(int fd)
{
	int one = 1;

	/* Records are written whole; no reason to wait for more. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void conn_accept(struct relay *r)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct conn *c;
	int fd;

	for (;;) {
		len = sizeof(ss);
		fd = accept4(r->listen_fd, (struct sockaddr *)&ss, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				cg_warn(RELAY_LOG, "accept: %s", strerror(errno));
			return;
		}
		if (r->n_conns == RELAY_MAX_CONNS) {
			r->st.refused++;
			cg_warn(RELAY_LOG, "connection refused: %d at once already",
				RELAY_MAX_CONNS);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c || cg_record_decoder_init(&c->dec,
						 CG_RECORD_DEFAULT_MAX_PAYLOAD,
						 NULL)) {
			cg_err(RELAY_LOG, "out of memory: connection closed");
			free(c);
			close(fd);
			continue;
		}
		c->id = ++r->next_id;
		c->state = CONN_HELLO;
		c->down_fd = fd;
		c->up_fd = -1;
		c->deadline_ms = relay_now_ms() + RELAY_SETUP_MS;
		peer_name(&ss, c->peer, sizeof(c->peer));
		set_nodelay(fd);
		r->conns[r->n_conns++] = c;
		r->st.connections++;
		cg_debug(RELAY_LOG, "#%u: connection from %s", c->id, c->peer);
	}
}

static void queue_free(struct conn *c)
{
	struct item *it, *next;

	for (it = c->head; it; it = next) {
		next = it->next;
		blob_put(it->blob);
		free(it);
	}
	c->head = c->tail = NULL;
	c->q_records = 0;
	c->q_bytes = 0;
}

static void ssl_close(SSL **ssl, int *fd)
{
	if (*ssl) {
		/* One try at close_notify, so a display sees an orderly end. */
		ERR_clear_error();
		if (SSL_is_init_finished(*ssl))
			SSL_shutdown(*ssl);
		SSL_free(*ssl);
		*ssl = NULL;
		ERR_clear_error();
	}
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Close both sides now; the sweep frees @c after this loop iteration. */
void conn_close(struct relay *r, struct conn *c, const char *why)
{
	(void)r;
	if (c->down_fd < 0)
		return;
	cg_info(RELAY_LOG, "#%u %s: closed: %s", c->id, conn_name(c), why);
	ssl_close(&c->down, &c->down_fd);
	ssl_close(&c->up, &c->up_fd);
	queue_free(c);
	blob_put(c->held);
	c->held = NULL;
	cg_record_decoder_release(&c->dec);
	free(c->req);
	c->req = NULL;
}

void conn_sweep(struct relay *r)
{
	unsigned int i, n = 0;

	for (i = 0; i < r->n_conns; i++) {
		if (r->conns[i]->down_fd < 0)
			free(r->conns[i]);
		else
			r->conns[n++] = r->conns[i];
	}
	r->n_conns = n;
}

void conn_free_all(struct relay *r)
{
	unsigned int i;

	for (i = 0; i < r->n_conns; i++)
		conn_close(r, r->conns[i], "relay stopping");
	conn_sweep(r);
}

int conn_enqueue(struct relay *r, struct conn *c, struct blob *b, size_t len,
		 enum relay_kind kind, bool close_after)
{
	struct item *it;

	if (c->down_fd < 0 || c->closing)
		return -EPIPE;
	if (kind != KIND_RAW && (c->q_records >= RELAY_QUEUE_RECORDS ||
				 c->q_bytes + len > RELAY_QUEUE_BYTES)) {
		/* A display that does not read loses records, nobody else. */
		r->st.overflow++;
		c->disp->overflow++;
		cg_debug(RELAY_LOG, "#%u %s: queue full: record lost", c->id,
			 conn_name(c));
		return -ENOBUFS;
	}
	it = calloc(1, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->blob = blob_get(b);
	it->len = len;
	/* A browser gets each record as one message (a truncation: half). */
	if (c->web && kind != KIND_RAW)
		it->ws_len = cg_ws_header(it->ws, CG_WS_BINARY, len);
	it->kind = kind;
	it->close_after = close_after;
	if (c->tail)
		c->tail->next = it;
	else
		c->head = it;
	c->tail = it;
	if (kind != KIND_RAW)
		c->q_records++;
	c->q_bytes += len;
	c->kick = true;
	return 0;
}

int conn_send_raw(struct relay *r, struct conn *c, const void *data,
		  size_t len, bool close_after)
{
	struct blob *b = blob_new(data, len);
	int ret = b ? conn_enqueue(r, c, b, len, KIND_RAW, close_after) :
		      -ENOMEM;

	blob_put(b);
	return ret;
}

/*
 * After an SSL call that returned @ret <= 0: 0 if it only has to wait
 * (the poll events it waits for added to @ev), 1 at an orderly end of the
 * peer's stream, -1 on an error (described in @why).
 */
int conn_ssl_wait(SSL *ssl, int ret, short *ev, char *why, size_t size)
{
	int e = SSL_get_error(ssl, ret);
	char detail[256];

	switch (e) {
	case SSL_ERROR_WANT_READ:
		*ev |= POLLIN;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		*ev |= POLLOUT;
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		return 1;
	case SSL_ERROR_SYSCALL:
		snprintf(why, size, "%s", errno && ret < 0 ? strerror(errno) :
			 "connection closed without TLS close_notify");
		ERR_clear_error();
		return -1;
	default:
		snprintf(why, size, "TLS: %s",
			 cg_tls_errors(detail, sizeof(detail)));
		return -1;
	}
}

static void downstream_write(struct relay *r, struct conn *c);

/* Start a non-blocking connect to the next --upstream address. */
int conn_upstream_connect(struct relay *r, struct conn *c)
{
	for (; c->up_addr < r->n_up; c->up_addr++) {
		const struct sockaddr_storage *ss = &r->up_addr[c->up_addr];
		int fd = socket(ss->ss_family,
				SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0)
			continue;
		if (!connect(fd, (const struct sockaddr *)ss,
			     r->up_addrlen[c->up_addr]) || errno == EINPROGRESS) {
			set_nodelay(fd);
			c->up_fd = fd;
			return 0;
		}
		close(fd);
	}
	return -1;
}

static void upstream_failed(struct relay *r, struct conn *c, const char *what,
			    const char *why)
{
	char msg[360];

	r->st.upstream_failed++;
	snprintf(msg, sizeof(msg), "camguardd %s: %s", what, why);
	conn_close(r, c, msg);
}

static void hello_step(struct relay *r, struct conn *c)
{
	char name[CG_KV_MAX_NAME + 1];
	ssize_t n;
	int len;

	/* A browser starts with TLS: web.c, if the relay serves browsers. */
	if (!c->hello_len && r->web_root) {
		uint8_t first;

		n = recv(c->down_fd, &first, 1, MSG_PEEK);
		if (n == 1 && first == 0x16) {
			c->state = CONN_WEB;
			return;
		}
	}
	/* Byte by byte: what follows the newline is the display's TLS. */
	while (c->hello_len < sizeof(c->hello)) {
		n = recv(c->down_fd, c->hello + c->hello_len, 1, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			c->down_ev |= POLLIN;
			return;
		}
		if (n <= 0) {
			conn_close(r, c, n ? strerror(errno) :
				   "display left before its hello line");
			return;
		}
		/* Garbage is refused at its first wrong byte. */
		len = cg_hello_parse(c->hello, ++c->hello_len, name);
		if (len)
			break;
	}
	len = cg_hello_parse(c->hello, c->hello_len, name);
	if (len <= 0) {
		r->st.hello_errors++;
		conn_close(r, c, "not a camguard hello line");
		return;
	}
	c->disp = display_get(r, name);
	if (!c->disp) {
		conn_close(r, c, "too many display names");
		return;
	}
	cg_info(RELAY_LOG, "#%u %s: hello from %s", c->id, name, c->peer);
	if (conn_upstream_connect(r, c)) {
		upstream_failed(r, c, "connect", strerror(errno));
		return;
	}
	c->state = CONN_CONNECTING;
	c->up_ev |= POLLOUT;
}

int conn_down_tls(struct relay *r, struct conn *c)
{
	if (c->down)
		return 0;
	c->down = SSL_new(r->server_ctx);
	if (!c->down || !SSL_set_fd(c->down, c->down_fd)) {
		conn_close(r, c, "out of memory (TLS)");
		return -1;
	}
	SSL_set_accept_state(c->down);
	/* Records go out in pieces as the socket takes them. */
	SSL_set_mode(c->down, SSL_MODE_ENABLE_PARTIAL_WRITE |
		     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return 0;
}

static void connect_step(struct relay *r, struct conn *c)
{
	socklen_t len = sizeof(int);
	int err = 0;
	ssize_t n;

	if (!(c->up_rev & (POLLOUT | POLLERR | POLLHUP))) {
		c->up_ev |= POLLOUT;
		return;
	}
	if (getsockopt(c->up_fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		/* Try camguardd's next address, if its name had several. */
		close(c->up_fd);
		c->up_fd = -1;
		c->up_addr++;
		if (conn_upstream_connect(r, c)) {
			upstream_failed(r, c, "connect", strerror(err ? err : errno));
			return;
		}
		c->up_ev |= POLLOUT;
		c->up_rev = 0;
		return;
	}
	/* The same line the display sent: camguardd routes by it. */
	n = send(c->up_fd, c->hello, c->hello_len, MSG_NOSIGNAL);
	if (n != (ssize_t)c->hello_len) {
		upstream_failed(r, c, "hello", n < 0 ? strerror(errno) :
				"short write");
		return;
	}
	/* A browser's TLS is up already (web.c). */
	if (conn_down_tls(r, c))
		return;
	c->up = SSL_new(r->client_ctx);
	if (!c->up || !SSL_set_fd(c->up, c->up_fd)) {
		conn_close(r, c, "out of memory (TLS)");
		return;
	}
	SSL_set_connect_state(c->up);
	c->state = CONN_HANDSHAKE;
}

static void handshake_step(struct relay *r, struct conn *c)
{
	char why[300];
	int ret;

	if (!c->up_hs) {
		ERR_clear_error();
		ret = SSL_do_handshake(c->up);
		if (ret == 1) {
			c->up_hs = true;
		} else if (conn_ssl_wait(c->up, ret, &c->up_ev, why, sizeof(why))) {
			upstream_failed(r, c, "TLS handshake", why);
			return;
		}
	}
	if (!c->down_hs) {
		ERR_clear_error();
		ret = SSL_do_handshake(c->down);
		if (ret == 1) {
			c->down_hs = true;
		} else if (conn_ssl_wait(c->down, ret, &c->down_ev, why,
				    sizeof(why))) {
			char msg[340];

			r->st.tls_errors++;
			snprintf(msg, sizeof(msg), "display TLS handshake: %s",
				 why);
			conn_close(r, c, msg);
			return;
		}
	}
	if (c->up_hs && c->down_hs) {
		cg_debug(RELAY_LOG, "#%u %s: TLS up on both sides", c->id,
			 conn_name(c));
		c->state = CONN_LINKED;
	}
}

/*
 * What a relay can see of a frame: nothing, if camguardd encrypted it. A
 * JPEG's start of image and first marker (FF D8 FF) in clear is counted
 * and logged; tests/guest/incident.sh requires none.
 */
static void check_cleartext(struct relay *r, struct conn *c,
			    const struct cg_record *rec)
{
	static const uint8_t soi[] = { 0xff, 0xd8, 0xff };

	r->st.payloads++;
	if (rec->hdr.payload_len < sizeof(soi) ||
	    memcmp(rec->payload, soi, sizeof(soi)))
		return;
	if (!r->st.cleartext++)
		cg_err(RELAY_LOG, "#%u %s: CLEARTEXT JPEG in a record from camguardd (stream %llu seq %u)",
		       c->id, c->disp ? c->disp->name : "?",
		       (unsigned long long)rec->hdr.stream_id,
		       rec->hdr.sequence);
}

/* Bytes from camguardd: the challenge goes down as is, then records. */
static int upstream_bytes(struct relay *r, struct conn *c, const uint8_t *p,
			  size_t len)
{
	enum cg_record_status st;
	struct cg_record rec;
	size_t used;

	if (c->chal_have < CG_AUTH_MSG_LEN) {
		size_t take = CG_AUTH_MSG_LEN - c->chal_have;
		uint8_t framed[2 + CG_AUTH_MSG_LEN];
		struct blob *b;

		if (take > len)
			take = len;
		/* A browser's challenge is one message: sent once whole. */
		memcpy(c->chal + c->chal_have, p, take);
		if (c->web && c->chal_have + take < CG_AUTH_MSG_LEN) {
			c->chal_have += take;
			return 0;
		}
		if (c->web) {
			cg_ws_header(framed, CG_WS_BINARY, CG_AUTH_MSG_LEN);
			memcpy(framed + 2, c->chal, CG_AUTH_MSG_LEN);
			b = blob_new(framed, sizeof(framed));
		} else {
			b = blob_new(p, take);
		}
		if (!b || conn_enqueue(r, c, b, b->len, KIND_RAW, false)) {
			blob_put(b);
			conn_close(r, c, "out of memory (challenge)");
			return -1;
		}
		blob_put(b);
		c->chal_have += take;
		p += take;
		len -= take;
	}
	if (!len)
		return 0;
	while (len) {
		st = cg_record_decode(&c->dec, p, len, &used, &rec);
		p += used;
		len -= used;
		if (st == CG_RECORD_NEED_MORE)
			break;
		if (st == CG_RECORD_OK) {
			check_cleartext(r, c, &rec);
			fault_record(r, c, &rec);
			if (c->down_fd < 0)
				return -1;
			continue;
		}
		if (cg_record_status_fatal(st)) {
			char msg[160];

			r->st.decode_errors++;
			snprintf(msg, sizeof(msg), "record stream from camguardd: %s",
				 cg_record_status_text(st));
			conn_close(r, c, msg);
			return -1;
		}
	}
	return 0;
}

static void upstream_read(struct relay *r, struct conn *c)
{
	uint8_t buf[RELAY_READ_CHUNK];
	char why[300];
	int n, ret;

	for (;;) {
		ERR_clear_error();
		n = SSL_read(c->up, buf, sizeof(buf));
		if (n > 0) {
			if (upstream_bytes(r, c, buf, n))
				return;
			/*
			 * Drain as we go: a burst from camguardd must not
			 * overflow the queue of a display that does read.
			 */
			downstream_write(r, c);
			if (c->down_fd < 0)
				return;
			continue;
		}
		ret = conn_ssl_wait(c->up, n, &c->up_ev, why, sizeof(why));
		if (!ret)
			return;
		/* camguardd closed: a record cut short is its fault, counted. */
		if (cg_record_decoder_finish(&c->dec) != CG_RECORD_OK) {
			r->st.decode_errors++;
			cg_warn(RELAY_LOG, "#%u %s: camguardd's stream ended inside a record",
				c->id, conn_name(c));
		}
		if (!c->records) {
			conn_close(r, c, ret > 0 ? "camguardd closed during the challenge" :
				   why);
			return;
		}
		cg_info(RELAY_LOG, "#%u %s: camguardd closed (%s); flushing",
			c->id, conn_name(c), ret > 0 ? "orderly" : why);
		ssl_close(&c->up, &c->up_fd);
		c->up_ev = 0;
		c->state = CONN_FLUSH;
		c->deadline_ms = relay_now_ms() + RELAY_FLUSH_MS;
		blob_put(c->held);	/* no next record will release it */
		c->held = NULL;
		return;
	}
}

/* Bytes from the display: its response goes up; it sends nothing else. */
static void downstream_read(struct relay *r, struct conn *c)
{
	uint8_t buf[4096];
	char why[300];
	size_t take;
	int n, ret;

	for (;;) {
		ERR_clear_error();
		n = SSL_read(c->down, buf, sizeof(buf));
		if (n <= 0) {
			ret = conn_ssl_wait(c->down, n, &c->down_ev, why, sizeof(why));
			if (ret)
				conn_close(r, c, ret > 0 ? "display closed" : why);
			return;
		}
		if (c->web) {
			if (web_response(r, c, buf, (size_t)n))
				return;
			continue;
		}
		take = CG_AUTH_MSG_LEN - c->resp_have;
		if (take > (size_t)n)
			take = n;
		memcpy(c->resp + c->resp_have, buf, take);
		c->resp_have += take;
	}
}

static void response_write(struct relay *r, struct conn *c)
{
	char why[300];
	int n;

	while (c->resp_have == CG_AUTH_MSG_LEN && c->resp_sent < CG_AUTH_MSG_LEN) {
		ERR_clear_error();
		n = SSL_write(c->up, c->resp + c->resp_sent,
			      CG_AUTH_MSG_LEN - c->resp_sent);
		if (n > 0) {
			c->resp_sent += n;
			continue;
		}
		if (conn_ssl_wait(c->up, n, &c->up_ev, why, sizeof(why)))
			conn_close(r, c, why);
		return;
	}
	if (c->resp_sent == CG_AUTH_MSG_LEN && !c->records) {
		c->records = true;
		c->deadline_ms = 0;
		cg_info(RELAY_LOG, "#%u %s: response passed up; records flow",
			c->id, conn_name(c));
		fault_records_start(r, c);
	}
}

/* Write queued bytes; count each record once its last byte is out. */
static void downstream_write(struct relay *r, struct conn *c)
{
	struct item *it;
	char why[300];
	int n;

	while ((it = c->head)) {
		ERR_clear_error();
		if (it->off < it->ws_len)
			n = SSL_write(c->down, it->ws + it->off,
				      it->ws_len - it->off);
		else
			n = SSL_write(c->down, it->blob->data +
				      (it->off - it->ws_len),
				      it->ws_len + it->len - it->off);
		if (n <= 0) {
			if (conn_ssl_wait(c->down, n, &c->down_ev, why, sizeof(why)))
				conn_close(r, c, why);
			return;
		}
		it->off += n;
		if (it->off < it->ws_len + it->len)
			continue;
		c->head = it->next;
		if (!c->head)
			c->tail = NULL;
		if (it->kind != KIND_RAW)
			c->q_records--;
		c->q_bytes -= it->len;
		stats_sent(r, c->disp, it->kind);
		if (it->close_after) {
			bool answer = it->kind == KIND_RAW;

			blob_put(it->blob);
			free(it);
			conn_close(r, c, answer ? "answered" :
				   "truncated a record on purpose");
			return;
		}
		blob_put(it->blob);
		free(it);
	}
}

void conn_progress(struct relay *r, struct conn *c)
{
	uint64_t now = relay_now_ms();

	c->down_ev = 0;
	c->up_ev = 0;
	c->kick = false;
	if (c->down_fd < 0)
		return;
	if (c->deadline_ms && now >= c->deadline_ms) {
		conn_close(r, c, c->state == CONN_FLUSH ?
			   "display did not take the last records in time" :
			   "setup took too long");
		return;
	}
	if (c->state == CONN_HELLO)
		hello_step(r, c);
	if (c->down_fd >= 0 && c->state == CONN_WEB)
		web_step(r, c);
	if (c->down_fd >= 0 && c->state == CONN_CONNECTING)
		connect_step(r, c);
	if (c->down_fd >= 0 && c->state == CONN_HANDSHAKE)
		handshake_step(r, c);
	if (c->down_fd >= 0 && c->state == CONN_LINKED)
		upstream_read(r, c);
	/* Read the display in FLUSH too: that is how its leaving shows. */
	if (c->down_fd >= 0 && c->state >= CONN_LINKED)
		downstream_read(r, c);
	if (c->down_fd >= 0 && c->state == CONN_LINKED)
		response_write(r, c);
	if (c->down_fd >= 0 && c->state >= CONN_LINKED)
		downstream_write(r, c);
	if (c->down_fd >= 0 && c->state == CONN_FLUSH && !c->head)
		conn_close(r, c, "camguardd closed; all sent");
	c->down_rev = 0;
	c->up_rev = 0;
}
