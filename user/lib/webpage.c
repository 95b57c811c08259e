// SPDX-License-Identifier: MIT
/* The browser display's answers (webpage.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyval.h"
#include "webpage.h"

#define FILE_MAX	(1u << 20)	/* the page's files are small */

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

/* The index of @path in page_files[], or -1. */
static int page_file(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(page_files) / sizeof(page_files[0]); i++)
		if (!strcmp(path, page_files[i].path))
			return (int)i;
	return -1;
}

enum cg_web_route cg_webpage_route(const struct cg_http_request *req,
				   const char **name)
{
	const size_t n = sizeof(CG_WEB_DISPLAY_PATH) - 1;

	if (strcmp(req->method, "GET") || req->has_body)
		return CG_WEB_BAD_METHOD;
	if (page_file(req->path) >= 0)
		return CG_WEB_PAGE;
	if (!strncmp(req->path, CG_WEB_DISPLAY_PATH, n) &&
	    cg_kv_name_ok(req->path + n)) {
		*name = req->path + n;
		return CG_WEB_DISPLAY;
	}
	return CG_WEB_NOT_FOUND;
}

/* A head and @body_len bytes of room after it; the body's offset, or -1. */
static long reply_head(struct cg_http_reply *out, const char *status,
		       const char *type, const char *extra, size_t body_len)
{
	char head[1024];
	int n;

	out->buf = NULL;
	out->len = 0;
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     COMMON_FIELDS "%sConnection: close\r\n\r\n",
		     status, type, body_len, extra);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	out->buf = malloc((size_t)n + body_len);
	if (!out->buf)
		return -1;
	memcpy(out->buf, head, (size_t)n);
	out->len = (size_t)n + body_len;
	return n;
}

void cg_http_reply_error(struct cg_http_reply *out, const char *status,
			 const char *extra)
{
	size_t len = strlen(status) + 1;
	long body = reply_head(out, status, "text/plain; charset=utf-8", extra,
			       len);

	if (body < 0)
		return;
	memcpy(out->buf + body, status, len - 1);
	out->buf[out->len - 1] = '\n';
}

int cg_webpage_file(const char *root, const char *path,
		    struct cg_http_reply *out, char *err, size_t errlen)
{
	char file[4096];
	struct stat st;
	int i = page_file(path);
	ssize_t n;
	long body;
	int fd, ret;

	if (i < 0)
		return 0;
	snprintf(file, sizeof(file), "%s/%s", root, page_files[i].file);
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > FILE_MAX) {
		ret = fd < 0 ? -errno : -EINVAL;
		snprintf(err, errlen, "%s: %s", file, fd < 0 ? strerror(errno) :
			 "not a regular file of at most 1 MiB");
		goto fail;
	}
	body = reply_head(out, "200 OK", page_files[i].type, "",
			  (size_t)st.st_size);
	if (body < 0) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	n = read(fd, out->buf + body, (size_t)st.st_size);
	if (n != st.st_size) {
		ret = n < 0 ? -errno : -EIO;
		snprintf(err, errlen, "%s: %s", file,
			 n < 0 ? strerror(errno) : "it changed size");
		free(out->buf);
		out->buf = NULL;
		goto fail;
	}
	close(fd);
	return 1;
fail:
	if (fd >= 0)
		close(fd);
	cg_http_reply_error(out, "500 Internal Server Error", "");
	return ret;
}

const char *cg_webpage_upgrade_check(const struct cg_http_request *req,
				     char accept[CG_WS_ACCEPT_LEN + 1],
				     const char **status)
{
	char origin[CG_HTTP_FIELD_MAX + 16];

	*status = "400 Bad Request";
	snprintf(origin, sizeof(origin), "https://%s", req->host);
	if (!cg_http_has_token(req->upgrade, "websocket") ||
	    !cg_http_has_token(req->connection, "upgrade"))
		return "not a WebSocket upgrade";
	if (strcmp(req->ws_version, "13")) {
		*status = "426 Upgrade Required";
		return "WebSocket version is not 13";
	}
	if (cg_ws_accept(req->ws_key, accept) < 0)
		return "bad Sec-WebSocket-Key";
	if (!cg_http_has_token(req->ws_protocol, CG_WEB_PROTOCOL))
		return "no subprotocol " CG_WEB_PROTOCOL;
	if (!*req->host || (*req->origin && strcmp(req->origin, origin))) {
		*status = "403 Forbidden";
		return "its Origin is not this host's page";
	}
	return NULL;
}

void cg_http_reply_upgrade(struct cg_http_reply *out, const char *accept)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 101 Switching Protocols\r\n"
		     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		     "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: "
		     CG_WEB_PROTOCOL "\r\n\r\n", accept);
	out->buf = (uint8_t *)strdup(head);
	out->len = out->buf ? (size_t)n : 0;
}
