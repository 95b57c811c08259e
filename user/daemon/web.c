// SPDX-License-Identifier: MIT
/*
 * A browser's request to a worker (docs/web-display.md): the display page's
 * static files, or the upgrade of /camguard/v1/display/NAME to the
 * WebSocket that carries NAME's records. display.c reads the request and
 * writes the answer made here; this file decides what the answer is.
 *
 * Only this owner's displays exist here: the supervisor routed the
 * connection by the host name the browser dialled, so a name of another
 * owner's display gets the same 404 as a name nobody has. The page is
 * served from [web] root by a fixed list of names, never by a path taken
 * from the request. Every answer closes the connection after it (the
 * upgrade excepted), so one request is all a connection ever costs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "http.h"
#include "log.h"
#include "websocket.h"

#define MOD		"web"
#define FILE_MAX	(1u << 20)	/* the page's files are small */
#define WS_PATH		"/camguard/v1/display/"
#define WS_PROTOCOL	"camguard.v1"

/* What index.html says in its meta tag, and what a browser may frame. */
#define CSP	"default-src 'none'; script-src 'self'; style-src 'self'; " \
		"connect-src 'self'; img-src 'self' blob:; base-uri 'none'; " \
		"form-action 'none'; frame-ancestors 'none'"

#define COMMON_FIELDS	"Cache-Control: no-store\r\n" \
			"Content-Security-Policy: " CSP "\r\n" \
			"X-Content-Type-Options: nosniff\r\n" \
			"Referrer-Policy: no-referrer\r\n"

static const struct {
	const char *path;
	const char *file;
	const char *type;
} page_files[] = {
	{ "/", "index.html", "text/html; charset=utf-8" },
	{ "/index.html", "index.html", "text/html; charset=utf-8" },
	{ "/display.js", "display.js", "text/javascript; charset=utf-8" },
	{ "/verifier.js", "verifier.js", "text/javascript; charset=utf-8" },
	{ "/pairing.js", "pairing.js", "text/javascript; charset=utf-8" },
	{ "/style.css", "style.css", "text/css; charset=utf-8" },
};

/* A head and @body_len bytes of room after it, into @out. */
static int reply_head(struct cg_web_reply *out, const char *status,
		      const char *type, const char *extra, size_t body_len)
{
	char head[1024];
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     COMMON_FIELDS "%sConnection: close\r\n\r\n",
		     status, type, body_len, extra);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -ENOSPC;
	out->buf = malloc((size_t)n + body_len);
	if (!out->buf)
		return -ENOMEM;
	memcpy(out->buf, head, (size_t)n);
	out->len = (size_t)n + body_len;
	out->body = (size_t)n;
	return 0;
}

/* An error answer: @status and a line of text saying it. */
static void reply_error(struct cg_web_reply *out, const char *status,
			const char *extra)
{
	size_t len = strlen(status) + 1;

	if (reply_head(out, status, "text/plain; charset=utf-8", extra,
		       len) == 0) {
		memcpy(out->buf + out->body, status, len - 1);
		out->buf[out->len - 1] = '\n';
	}
}

/* The page's file @name from [web] root, whole, into @out. */
static void reply_file(struct cg_worker *w, const char *name, const char *type,
		       struct cg_web_reply *out)
{
	char path[4096];
	struct stat st;
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", w->cfg->web_root, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > FILE_MAX) {
		cg_err(MOD, "cannot serve %s: %s (check [web] root)", path,
		       fd < 0 ? strerror(errno) : "not a regular file of at most 1 MiB");
		goto fail;
	}
	if (reply_head(out, "200 OK", type, "", (size_t)st.st_size) < 0)
		goto fail;
	n = read(fd, out->buf + out->body, (size_t)st.st_size);
	if (n != st.st_size) {
		cg_err(MOD, "cannot read %s: %s", path,
		       n < 0 ? strerror(errno) : "it changed size");
		free(out->buf);
		out->buf = NULL;
		goto fail;
	}
	close(fd);
	w->web_st.files++;
	return;
fail:
	if (fd >= 0)
		close(fd);
	w->web_st.errors++;
	reply_error(out, "500 Internal Server Error", "");
}

/* This worker's display named @name (usable or not), or NULL. */
static struct cg_display *display_named(struct cg_worker *w, const char *name)
{
	unsigned int i;

	for (i = 0; i < w->n_displays; i++)
		if (!strcmp(w->displays[i].cfg->name, name))
			return &w->displays[i];
	return NULL;
}

/*
 * The upgrade to display @d's WebSocket, or why not. A cross-origin page
 * could not authenticate (it has no key), but it is refused before that:
 * the Origin must be this host's own page.
 */
static void reply_upgrade(struct cg_worker *w, const struct cg_http_request *req,
			  const char *peer, struct cg_display *d,
			  struct cg_web_reply *out)
{
	char accept[CG_WS_ACCEPT_LEN + 1], extra[256], origin[CG_HTTP_FIELD_MAX + 16];
	const char *why = NULL, *status = "400 Bad Request";

	snprintf(origin, sizeof(origin), "https://%s", req->host);
	if (!cg_http_has_token(req->upgrade, "websocket") ||
	    !cg_http_has_token(req->connection, "upgrade")) {
		why = "not a WebSocket upgrade";
	} else if (strcmp(req->ws_version, "13")) {
		why = "WebSocket version is not 13";
		status = "426 Upgrade Required";
	} else if (cg_ws_accept(req->ws_key, accept) < 0) {
		why = "bad Sec-WebSocket-Key";
	} else if (!cg_http_has_token(req->ws_protocol, WS_PROTOCOL)) {
		why = "no subprotocol " WS_PROTOCOL;
	} else if (!*req->host || (*req->origin && strcmp(req->origin, origin))) {
		why = "its Origin is not this host's page";
		status = "403 Forbidden";
	}
	if (why) {
		w->web_st.bad_request++;
		cg_warn(d->mod, "browser %s refused: %s", peer, why);
		reply_error(out, status, "Sec-WebSocket-Version: 13\r\n");
		return;
	}
	if (!d->usable) {
		d->st.refused++;
		cg_warn(d->mod, "browser %s refused: the display has no channel", peer);
		reply_error(out, "503 Service Unavailable", "");
		return;
	}
	snprintf(extra, sizeof(extra), "HTTP/1.1 101 Switching Protocols\r\n"
		 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		 "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: "
		 WS_PROTOCOL "\r\n\r\n", accept);
	out->buf = (uint8_t *)strdup(extra);
	if (!out->buf)
		return;
	out->len = strlen(extra);
	out->upgrade = d;
	w->web_st.upgrades++;
}

int cg_web_request(struct cg_worker *w, const char *buf, size_t len,
		   const char *peer, struct cg_web_reply *out)
{
	struct cg_http_request req;
	struct cg_display *d;
	size_t head = 0, i;
	const char *name;
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
		reply_error(out, ret == -E2BIG ?
			    "431 Request Header Fields Too Large" :
			    "400 Bad Request", "");
		return 1;
	}
	if (strcmp(req.method, "GET") || req.has_body) {
		w->web_st.bad_request++;
		cg_warn(MOD, "browser %s: %s %.80s refused: only GET without a body",
			peer, req.method, req.path);
		reply_error(out, "405 Method Not Allowed", "Allow: GET\r\n");
		return 1;
	}
	if (!strncmp(req.path, WS_PATH, sizeof(WS_PATH) - 1)) {
		name = req.path + sizeof(WS_PATH) - 1;
		d = cg_kv_name_ok(name) ? display_named(w, name) : NULL;
		if (d) {
			reply_upgrade(w, &req, peer, d, out);
			return 1;
		}
	} else {
		for (i = 0; i < sizeof(page_files) / sizeof(page_files[0]); i++)
			if (!strcmp(req.path, page_files[i].path)) {
				reply_file(w, page_files[i].file,
					   page_files[i].type, out);
				return 1;
			}
	}
	w->web_st.not_found++;
	cg_info(MOD, "browser %s: %.80s: not found", peer, req.path);
	reply_error(out, "404 Not Found", "");
	return 1;
}
