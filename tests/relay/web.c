// SPDX-License-Identifier: GPL-2.0
/*
 * A browser display at the relay (--web-root), as a cloud relay serving
 * the page would have it: TLS with the relay's own certificate, one HTTP
 * request, then either one of the page's files (and the end), or the
 * WebSocket of display NAME. That one goes upstream exactly like
 * camguard-view's connection (the hello line "CAMGUARD/1 NAME" to
 * camguardd's native protocol); the challenge goes down and the response
 * up as WebSocket messages, and each record, faults and all, as one
 * message (conn.c frames them). The relay holds no key either way.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>

#include "log.h"
#include "relay.h"
#include "webpage.h"

/* An answer, and the connection ends once it is out. */
static void answer(struct relay *r, struct conn *c, struct cg_http_reply *rep,
		   const char *why)
{
	if (why) {
		r->st.web_errors++;
		cg_warn(RELAY_LOG, "#%u: browser %s: %s", c->id, c->peer, why);
	}
	if (!rep->buf || conn_send_raw(r, c, rep->buf, rep->len, true))
		conn_close(r, c, "out of memory (answer)");
	free(rep->buf);
	c->state = CONN_FLUSH;
	c->deadline_ms = relay_now_ms() + RELAY_FLUSH_MS;
}

/* The request is whole: the page, or the display's WebSocket upstream. */
static void request(struct relay *r, struct conn *c,
		    const struct cg_http_request *req)
{
	char accept[CG_WS_ACCEPT_LEN + 1], err[300];
	const char *why, *status, *name = NULL;
	struct cg_http_reply rep;
	int ret;

	switch (cg_webpage_route(req, &name)) {
	case CG_WEB_BAD_METHOD:
		cg_http_reply_error(&rep, "405 Method Not Allowed", "Allow: GET\r\n");
		answer(r, c, &rep, "not a GET");
		return;
	case CG_WEB_PAGE:
		ret = cg_webpage_file(r->web_root, req->path, &rep, err,
				      sizeof(err));
		r->st.web_pages += ret > 0;
		answer(r, c, &rep, ret > 0 ? NULL : err);
		return;
	case CG_WEB_NOT_FOUND:
		cg_http_reply_error(&rep, "404 Not Found", "");
		answer(r, c, &rep, "not found");
		return;
	case CG_WEB_DISPLAY:
		break;
	}
	why = cg_webpage_upgrade_check(req, accept, &status);
	if (!why && cg_hello_format(name, c->hello, sizeof(c->hello)) < 0) {
		why = "bad display name";
		status = "404 Not Found";
	}
	if (why) {
		cg_http_reply_error(&rep, status, "");
		answer(r, c, &rep, why);
		return;
	}
	c->hello_len = strlen(c->hello);
	c->disp = display_get(r, name);
	if (!c->disp) {
		conn_close(r, c, "too many display names");
		return;
	}
	cg_http_reply_upgrade(&rep, accept);
	ret = rep.buf ? conn_send_raw(r, c, rep.buf, rep.len, false) : -ENOMEM;
	free(rep.buf);
	if (ret) {
		conn_close(r, c, "out of memory (101)");
		return;
	}
	c->web = true;
	cg_info(RELAY_LOG, "#%u %s: browser WebSocket from %s", c->id, name,
		c->peer);
	if (conn_upstream_connect(r, c)) {
		r->st.upstream_failed++;
		conn_close(r, c, "camguardd connect failed");
		return;
	}
	c->state = CONN_CONNECTING;
	c->up_ev |= POLLOUT;
	c->down_hs = true;
}

void web_step(struct relay *r, struct conn *c)
{
	struct cg_http_request req;
	size_t head = 0;
	char why[300];
	int n;

	if (conn_down_tls(r, c))
		return;
	if (!c->req)
		c->req = malloc(CG_HTTP_HEAD_MAX);
	if (!c->req) {
		conn_close(r, c, "out of memory (request)");
		return;
	}
	for (;;) {
		ERR_clear_error();
		n = SSL_read(c->down, c->req + c->req_len,
			     (int)(CG_HTTP_HEAD_MAX - c->req_len));
		if (n <= 0) {
			n = conn_ssl_wait(c->down, n, &c->down_ev, why, sizeof(why));
			if (n) {
				r->st.tls_errors += n < 0;
				conn_close(r, c, n > 0 ? "browser left" : why);
			}
			return;
		}
		c->req_len += (size_t)n;
		n = cg_http_parse_request(c->req, c->req_len, &head, &req);
		if (n > 0 && head == c->req_len) {
			request(r, c, &req);
			return;
		}
		if (n) {
			struct cg_http_reply rep;

			cg_http_reply_error(&rep, "400 Bad Request", "");
			answer(r, c, &rep, "malformed request");
			return;
		}
	}
}

/*
 * Bytes from a browser after the 101: its response, one masked binary
 * message of 36 bytes, unmasked into c->resp for conn.c to pass up.
 * What it sends after is dropped. 0, or -1 after closing.
 */
int web_response(struct relay *r, struct conn *c, const uint8_t *p, size_t len)
{
	size_t take = sizeof(c->ws_resp) - c->ws_resp_have;
	struct cg_ws_frame f;

	if (take > len)
		take = len;
	memcpy(c->ws_resp + c->ws_resp_have, p, take);
	c->ws_resp_have += take;
	if (c->ws_resp_have < sizeof(c->ws_resp) || c->resp_have)
		return 0;
	if (cg_ws_client_header(c->ws_resp, c->ws_resp_have, &f) != 6 ||
	    !f.fin || f.opcode != CG_WS_BINARY || f.len != CG_AUTH_MSG_LEN) {
		r->st.web_errors++;
		conn_close(r, c, "the browser's response is not one binary message of 36 bytes");
		return -1;
	}
	memcpy(c->resp, c->ws_resp + 6, CG_AUTH_MSG_LEN);
	cg_ws_unmask(c->resp, CG_AUTH_MSG_LEN, f.mask, 0);
	c->resp_have = CG_AUTH_MSG_LEN;
	return 0;
}
