/* SPDX-License-Identifier: MIT */
/*
 * The one HTTP/1.1 request camguardd reads from a browser before it
 * answers (RFC 9112): the request line and the few header fields that
 * serve a static file or upgrade to a WebSocket (websocket.h). Strict on
 * purpose: a request that is not plainly one of those is refused, never
 * guessed at. docs/web-display.md lists what is accepted.
 */
#ifndef CG_HTTP_H
#define CG_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define CG_HTTP_HEAD_MAX	8192	/* request line and header fields */
#define CG_HTTP_PATH_MAX	128
#define CG_HTTP_FIELD_MAX	300	/* a kept field's value */

struct cg_http_request {
	char method[8];
	char path[CG_HTTP_PATH_MAX + 1];
	/* The fields kept; "" when absent. Each may appear once. */
	char host[CG_HTTP_FIELD_MAX + 1];
	char origin[CG_HTTP_FIELD_MAX + 1];
	char upgrade[CG_HTTP_FIELD_MAX + 1];
	char connection[CG_HTTP_FIELD_MAX + 1];
	char ws_key[CG_HTTP_FIELD_MAX + 1];
	char ws_version[CG_HTTP_FIELD_MAX + 1];
	char ws_protocol[CG_HTTP_FIELD_MAX + 1];
	bool has_body;		/* Content-Length or Transfer-Encoding */
};

/*
 * Parse the request head at the start of the @len bytes of @buf. 1: the
 * head is complete (its length, blank line included, in *@head_len) and
 * *@req holds it; 0: not yet (no blank line within @len <
 * CG_HTTP_HEAD_MAX bytes); -EBADMSG: malformed, or a kept field twice or
 * too long; -E2BIG: no end of the head within CG_HTTP_HEAD_MAX bytes.
 */
int cg_http_parse_request(const char *buf, size_t len, size_t *head_len,
			  struct cg_http_request *req);

/* Is @token one of the comma-separated tokens of @list (any case)? */
bool cg_http_has_token(const char *list, const char *token);

#endif /* CG_HTTP_H */
