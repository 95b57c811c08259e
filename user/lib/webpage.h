/* SPDX-License-Identifier: MIT */
/*
 * What a browser display's server answers (docs/web-display.md), shared by
 * camguardd and the test relay: the page's files by a fixed list, the
 * WebSocket upgrade's checks and its 101, and error answers. Every answer
 * but the 101 says "Connection: close": one request per connection.
 */
#ifndef CG_WEBPAGE_H
#define CG_WEBPAGE_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "websocket.h"

#define CG_WEB_DISPLAY_PATH	"/camguard/v1/display/"	/* + NAME */
#define CG_WEB_PROTOCOL		"camguard.v1"

/* An answer: head and body in one buffer (free() it). */
struct cg_http_reply {
	uint8_t *buf;			/* NULL: out of memory */
	size_t len;
};

/* @status ("404 Not Found") with a line of text saying it; @extra fields. */
void cg_http_reply_error(struct cg_http_reply *out, const char *status,
			 const char *extra);

/* What a request asks for, by its method and path. */
enum cg_web_route {
	CG_WEB_BAD_METHOD,	/* not GET, or with a body: 405 */
	CG_WEB_PAGE,		/* one of the page's files: cg_webpage_file() */
	CG_WEB_DISPLAY,		/* the WebSocket of the display named *@name */
	CG_WEB_NOT_FOUND,	/* anything else: 404 */
};

/* @req's route; for CG_WEB_DISPLAY, *@name points into req->path. */
enum cg_web_route cg_webpage_route(const struct cg_http_request *req,
				   const char **name);

/*
 * The page's file for @path from directory @root. 1: the 200 answer is in
 * @out; 0: @path is not one of the page's files; -errno: it is, but cannot
 * be served (described in @err).
 */
int cg_webpage_file(const char *root, const char *path,
		    struct cg_http_reply *out, char *err, size_t errlen);

/*
 * Whether @req may become the display WebSocket: NULL, with its
 * Sec-WebSocket-Accept in @accept; or why not, with the status to answer
 * in *@status. The Origin, if sent, must be this host's own page.
 */
const char *cg_webpage_upgrade_check(const struct cg_http_request *req,
				     char accept[CG_WS_ACCEPT_LEN + 1],
				     const char **status);

/* The 101 answer for @accept. */
void cg_http_reply_upgrade(struct cg_http_reply *out, const char *accept);

#endif /* CG_WEBPAGE_H */
