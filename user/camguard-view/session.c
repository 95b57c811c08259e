// SPDX-License-Identifier: MIT
/*
 * camguard-view: one connection to camguardd (transport.h), from connect()
 * to its end: TCP, the hello line, TLS with the pinned certificate, the
 * challenge and the response under the pairing key, then records until
 * the connection ends or the program is to stop.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "view.h"

static void set_keepalive(int fd)
{
	/* Notice a dead camguardd or relay within about 25 s of silence. */
	int on = 1, idle = 10, intvl = 5, cnt = 3;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

/* A connected non-blocking socket, or -errno (logged). */
static int tcp_connect(struct view *v, int64_t deadline)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	struct addrinfo *res, *ai;
	char port[8];
	int fd = -1, ret, gai;

	snprintf(port, sizeof(port), "%u", v->port);
	/* Name resolution blocks; an address in the pairing file does not. */
	gai = getaddrinfo(v->host, port, &hints, &res);
	if (gai) {
		cg_log(view_fail_level(v, CG_LOG_WARN), v->module, "%s: %s", v->host,
		       gai_strerror(gai));
		return -EHOSTUNREACH;
	}
	ret = -ECONNREFUSED;
	for (ai = res; ai; ai = ai->ai_next) {
		socklen_t len;
		int err = 0;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			ret = -errno;
			continue;
		}
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		ret = -errno;
		if (ret == -EINPROGRESS) {
			ret = view_wait(v, fd, POLLOUT, deadline);
			if (ret > 0) {
				len = sizeof(err);
				if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
					       &len))
					err = errno;
				ret = -err;
				if (!err)
					break;
			}
		}
		close(fd);
		fd = -1;
		if (ret == -ECANCELED || ret == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (ret != -ECANCELED)
			cg_log(view_fail_level(v, CG_LOG_WARN), v->module,
			       "connect to %s port %u: %s", v->host, v->port,
			       strerror(-ret));
		return ret;
	}
	set_keepalive(fd);
	return fd;
}

static int send_plain(struct view *v, int fd, const char *buf, size_t len,
		      int64_t deadline)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		int ret;

		if (n >= 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		ret = view_wait(v, fd, POLLOUT, deadline);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * After an SSL call returned @r: wait for what OpenSSL needs and return 0
 * to retry, or a negative errno: -ECONNRESET for a closed connection,
 * -EPROTO for a TLS error (in OpenSSL's queue), or view_wait()'s.
 */
static int ssl_again(struct view *v, SSL *ssl, int fd, int r,
		     int64_t deadline)
{
	int ret;

	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		ret = view_wait(v, fd, POLLIN, deadline);
		return ret < 0 ? ret : 0;
	case SSL_ERROR_WANT_WRITE:
		ret = view_wait(v, fd, POLLOUT, deadline);
		return ret < 0 ? ret : 0;
	case SSL_ERROR_ZERO_RETURN:
		return -ECONNRESET;
	case SSL_ERROR_SYSCALL:
		/* An EOF without close_notify leaves errno as it was. */
		ERR_clear_error();
		return -ECONNRESET;
	default:
		return -EPROTO;
	}
}

static int ssl_read_exact(struct view *v, SSL *ssl, int fd, void *buf,
			  size_t len, int64_t deadline)
{
	uint8_t *p = buf;

	while (len) {
		int r, ret;

		ERR_clear_error();
		r = SSL_read(ssl, p, (int)len);
		if (r > 0) {
			p += r;
			len -= (size_t)r;
			continue;
		}
		ret = ssl_again(v, ssl, fd, r, deadline);
		if (ret)
			return ret;
	}
	return 0;
}

static int ssl_write_all(struct view *v, SSL *ssl, int fd, const void *buf,
			 size_t len, int64_t deadline)
{
	for (;;) {
		int r, ret;

		ERR_clear_error();
		r = SSL_write(ssl, buf, (int)len);
		if (r > 0)
			return 0;	/* no partial writes: all or nothing */
		ret = ssl_again(v, ssl, fd, r, deadline);
		if (ret)
			return ret;
	}
}

static void hex_colons(char *out, const uint8_t *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02X%s", in[i], i + 1 < n ? ":" : "");
}

/* Read records until the connection ends or the program is to stop. */
static int view_records(struct view *v, SSL *ssl, int fd)
{
	for (;;) {
		int r, ret;

		ERR_clear_error();
		r = SSL_read(ssl, v->rbuf, READ_BUF);
		if (r > 0) {
			if (!v->authed) {
				/* camguardd sends nothing after a wrong one. */
				v->authed = true;
				v->connections++;
				cg_info(v->module, "authenticated to %s port %u",
					v->host, v->port);
			}
			ret = view_feed(v, v->rbuf, (size_t)r);
			if (ret)
				return ret;
			if (view_done(v))
				return -ECANCELED;
			continue;
		}
		ret = ssl_again(v, ssl, fd, r, 0);
		if (ret)
			return ret;
	}
}

/*
 * One connection, from connect() to its end. Returns -ECANCELED when the
 * program is to stop, else the reason the connection ended.
 */
int view_session(struct view *v)
{
	int64_t deadline = view_mono_ms() + CONNECT_TIMEOUT_MS;
	uint8_t challenge[CG_AUTH_MSG_LEN], response[CG_AUTH_MSG_LEN];
	uint8_t fp[CG_FINGERPRINT_LEN];
	char hello[CG_HELLO_MAX + 1], errs[512];
	SSL *ssl = NULL;
	int fd, ret, n;

	v->authed = false;
	fd = tcp_connect(v, deadline);
	if (fd < 0) {
		if (fd != -ECANCELED)
			v->connect_failed++;
		return fd;
	}

	n = cg_hello_format(v->pairing.display, hello, sizeof(hello));
	ret = n < 0 ? n : send_plain(v, fd, hello, (size_t)n, deadline);
	if (ret) {
		if (ret != -ECANCELED) {
			v->connect_failed++;
			cg_warn(v->module, "sending the hello line: %s",
				strerror(-ret));
		}
		goto out;
	}

	ssl = SSL_new(v->ctx);
	if (!ssl || !SSL_set_fd(ssl, fd)) {
		ret = -ENOMEM;
		v->tls_failed++;
		cg_err(v->module, "TLS: %s", cg_tls_errors(errs, sizeof(errs)));
		goto out;
	}
	SSL_set_connect_state(ssl);
	for (;;) {
		ERR_clear_error();
		n = SSL_connect(ssl);
		if (n == 1)
			break;
		ret = ssl_again(v, ssl, fd, n, deadline);
		if (!ret)
			continue;
		if (ret != -ECANCELED) {
			v->tls_failed++;
			cg_log(view_fail_level(v, CG_LOG_WARN), v->module,
			       "TLS handshake with %s port %u: %s", v->host,
			       v->port, ret == -EPROTO ?
			       cg_tls_errors(errs, sizeof(errs)) :
			       strerror(-ret));
		}
		goto out;
	}

	ret = cg_tls_peer_fingerprint(ssl, fp);
	if (ret || CRYPTO_memcmp(fp, v->fingerprint, sizeof(fp))) {
		char got[3 * CG_FINGERPRINT_LEN], want[3 * CG_FINGERPRINT_LEN];

		v->tls_failed++;
		hex_colons(want, v->fingerprint, sizeof(fp));
		if (ret) {
			cg_log(view_fail_level(v, CG_LOG_ERR), v->module,
			       "%s port %u sent no certificate", v->host,
			       v->port);
		} else {
			hex_colons(got, fp, sizeof(fp));
			cg_log(view_fail_level(v, CG_LOG_ERR), v->module,
			       "%s port %u is not the paired camguardd: certificate SHA-256 %s, pinned %s; closing",
			       v->host, v->port, got, want);
		}
		ret = -EPERM;
		goto out;
	}

	ret = ssl_read_exact(v, ssl, fd, challenge, sizeof(challenge),
			     deadline);
	if (!ret) {
		ret = cg_auth_respond(v->pairing.key, v->pairing.display,
				      challenge, response);
		if (ret == -EINVAL)
			ret = -EPROTO;	/* not a challenge */
	}
	if (!ret)
		ret = ssl_write_all(v, ssl, fd, response, sizeof(response),
				    deadline);
	OPENSSL_cleanse(response, sizeof(response));
	if (ret) {
		if (ret != -ECANCELED) {
			v->tls_failed++;
			cg_log(view_fail_level(v, CG_LOG_WARN), v->module,
			       "authentication with %s port %u: %s",
			       v->host, v->port, ret == -EPROTO ?
			       "bad challenge or TLS error" : strerror(-ret));
		}
		goto out;
	}

	ret = view_records(v, ssl, fd);
	if (ret == -ECANCELED)
		goto out;
	if (!v->authed) {
		v->auth_failed++;
		cg_log(view_fail_level(v, CG_LOG_WARN), v->module,
		       "%s port %u closed the connection before any record: wrong key, or revoked?",
		       v->host, v->port);
	} else {
		cg_warn(v->module, "connection to %s port %u lost: %s",
			v->host, v->port, ret == -ECONNRESET ? "closed" :
			ret == -EPROTO ? "record stream or TLS error" :
			strerror(-ret));
	}
	if (cg_record_decoder_finish(&v->dec) == CG_RECORD_TRUNCATED) {
		cg_verifier_count(v->ver, CG_RECORD_TRUNCATED);
		view_log_reject(v, NULL, CG_RECORD_TRUNCATED);
	}
out:
	ERR_clear_error();
	cg_record_decoder_reset(&v->dec);
	if (ssl) {
		/* Best effort, never waiting: the socket is closed anyway. */
		if (ret != -EPROTO && ret != -ECONNRESET)
			SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	close(fd);
	ERR_clear_error();
	return ret;
}
