// SPDX-License-Identifier: MIT
/*
 * A browser's request to a worker (docs/web-display.md): the display page's
 * static files, or the upgrade of /camguard/v1/display/NAME to the
 * WebSocket that carries NAME's records. display.c reads the request and
 * writes the answer made here (user/lib/webpage.c builds it); this file
 * decides what the answer is, and counts.
 *
 * Only this owner's displays exist here: the supervisor routed the
 * connection by the host name the browser dialled, so a name of another
 * owner's display gets the same 404 as a name nobody has. Every answer
 * closes the connection after it (the upgrade excepted), so one request
 * is all a connection ever costs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

#define MOD	"web"

/* This worker's display named @name (usable or not), or NULL. */
static struct cg_display *display_named(struct cg_worker *w, const char *name)
{
	unsigned int i;

	for (i = 0; i < w->n_displays; i++)
		if (!strcmp(w->displays[i].cfg->name, name))
			return &w->displays[i];
	return NULL;
}

/* The upgrade to display @d's WebSocket, or why not. */
static void reply_upgrade(struct cg_worker *w, const struct cg_http_request *req,
			  const char *peer, struct cg_display *d,
			  struct cg_web_reply *out)
{
	char accept[CG_WS_ACCEPT_LEN + 1];
	const char *why, *status;

	why = cg_webpage_upgrade_check(req, accept, &status);
	if (why) {
		w->web_st.bad_request++;
		cg_warn(d->mod, "browser %s refused: %s", peer, why);
		cg_http_reply_error(&out->http, status,
				    "Sec-WebSocket-Version: 13\r\n");
		return;
	}
	if (!d->usable) {
		d->st.refused++;
		cg_warn(d->mod, "browser %s refused: the display has no channel", peer);
		cg_http_reply_error(&out->http, "503 Service Unavailable", "");
		return;
	}
	cg_http_reply_upgrade(&out->http, accept);
	out->upgrade = d;
	w->web_st.upgrades++;
}

int cg_web_request(struct cg_worker *w, const char *buf, size_t len,
		   const char *peer, struct cg_web_reply *out)
{
	struct cg_http_request req;
	struct cg_display *d;
	char err[300];
	size_t head = 0;
	const char *name = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = cg_http_parse_request(buf, len, &head, &req);
	if (ret == 0)
		return 0;
	w->web_st.requests++;
	if (ret < 0 || len != head) {
		w->web_st.bad_request++;
		cg_warn(MOD, "browser %s: %s", peer, ret == -E2BIG ?
			"request head over 8 KiB: refused" : ret < 0 ?
			"malformed request: refused" :
			"data after the request head: refused");
		cg_http_reply_error(&out->http, ret == -E2BIG ?
				    "431 Request Header Fields Too Large" :
				    "400 Bad Request", "");
		return 1;
	}
	switch (cg_webpage_route(&req, &name)) {
	case CG_WEB_BAD_METHOD:
		w->web_st.bad_request++;
		cg_warn(MOD, "browser %s: %s %.80s refused: only GET without a body",
			peer, req.method, req.path);
		cg_http_reply_error(&out->http, "405 Method Not Allowed",
				    "Allow: GET\r\n");
		return 1;
	case CG_WEB_PAGE:
		if (cg_webpage_file(w->cfg->web_root, req.path, &out->http,
				    err, sizeof(err)) > 0) {
			w->web_st.files++;
		} else {
			w->web_st.errors++;
			cg_err(MOD, "cannot serve %s (check [web] root)", err);
		}
		return 1;
	case CG_WEB_DISPLAY:
		d = display_named(w, name);
		if (d) {
			reply_upgrade(w, &req, peer, d, out);
			return 1;
		}
		break;
	case CG_WEB_NOT_FOUND:
		break;
	}
	w->web_st.not_found++;
	cg_info(MOD, "browser %s: %.80s: not found", peer, req.path);
	cg_http_reply_error(&out->http, "404 Not Found", "");
	return 1;
}
