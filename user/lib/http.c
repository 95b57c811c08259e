// SPDX-License-Identifier: MIT
/*
 * The request head of http.h. Lines end in CRLF (a bare LF is refused, as
 * is obs-fold); the method and path are plain tokens; only the fields in
 * struct cg_http_request are kept, the rest are checked for shape and
 * skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"

static bool tchar(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || strchr("!#$%&'*+-.^_`|~", ch);
}

/* Printable ASCII and tab only: no control bytes, no 8-bit. */
static bool field_value_ok(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((v[i] >= 0x20 && v[i] < 0x7f) || v[i] == '\t'))
			return false;
	return true;
}

static int request_line(const char *line, size_t n,
			struct cg_http_request *req)
{
	static const char version[] = " HTTP/1.1";
	size_t m = 0, p;

	while (m < n && tchar(line[m]))
		m++;
	if (!m || m >= sizeof(req->method) || m >= n || line[m] != ' ')
		return -EBADMSG;
	memcpy(req->method, line, m);
	req->method[m] = '\0';
	p = n - (sizeof(version) - 1);
	if (n < m + 2 + sizeof(version) - 1 ||
	    memcmp(line + p, version, sizeof(version) - 1))
		return -EBADMSG;
	/* origin-form only: "/" and visible ASCII, no spaces */
	if (line[m + 1] != '/' || p - (m + 1) > CG_HTTP_PATH_MAX)
		return -EBADMSG;
	memcpy(req->path, line + m + 1, p - (m + 1));
	req->path[p - (m + 1)] = '\0';
	if (strpbrk(req->path, " \t") || !field_value_ok(req->path,
							 strlen(req->path)))
		return -EBADMSG;
	return 0;
}

static char *kept_field(struct cg_http_request *req, const char *name,
			size_t n)
{
	static const struct {
		const char *name;
		size_t off;
	} kept[] = {
		{ "host", offsetof(struct cg_http_request, host) },
		{ "origin", offsetof(struct cg_http_request, origin) },
		{ "upgrade", offsetof(struct cg_http_request, upgrade) },
		{ "connection", offsetof(struct cg_http_request, connection) },
		{ "sec-websocket-key", offsetof(struct cg_http_request, ws_key) },
		{ "sec-websocket-version",
		  offsetof(struct cg_http_request, ws_version) },
		{ "sec-websocket-protocol",
		  offsetof(struct cg_http_request, ws_protocol) },
	};
	size_t i;

	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (strlen(kept[i].name) == n &&
		    !strncasecmp(kept[i].name, name, n))
			return (char *)req + kept[i].off;
	return NULL;
}

static int field_line(const char *line, size_t n, struct cg_http_request *req)
{
	size_t m = 0, v, e;
	char *dst;

	while (m < n && tchar(line[m]))
		m++;
	/* no space before the colon (RFC 9112 5.1), no obs-fold */
	if (!m || m >= n || line[m] != ':')
		return -EBADMSG;
	for (v = m + 1; v < n && (line[v] == ' ' || line[v] == '\t'); v++)
		;
	for (e = n; e > v && (line[e - 1] == ' ' || line[e - 1] == '\t'); e--)
		;
	if (!field_value_ok(line + v, e - v))
		return -EBADMSG;
	if ((m == 14 && !strncasecmp(line, "content-length", m)) ||
	    (m == 17 && !strncasecmp(line, "transfer-encoding", m)))
		req->has_body = true;
	dst = kept_field(req, line, m);
	if (!dst)
		return 0;
	if (*dst || e - v > CG_HTTP_FIELD_MAX || e == v)
		return -EBADMSG;	/* twice, too long, or empty */
	memcpy(dst, line + v, e - v);
	dst[e - v] = '\0';
	return 0;
}

int cg_http_parse_request(const char *buf, size_t len, size_t *head_len,
			  struct cg_http_request *req)
{
	const char *end = NULL, *line, *nl;
	size_t i, scan = len < CG_HTTP_HEAD_MAX ? len : CG_HTTP_HEAD_MAX;
	int ret;

	for (i = 0; i + 3 < scan; i++)
		if (!memcmp(buf + i, "\r\n\r\n", 4)) {
			end = buf + i + 2;	/* after the last field's CRLF */
			break;
		}
	if (!end)
		return len >= CG_HTTP_HEAD_MAX ? -E2BIG : 0;
	memset(req, 0, sizeof(*req));
	for (line = buf; line < end; line = nl + 2) {
		nl = memchr(line, '\r', (size_t)(end - line));
		if (!nl || nl[1] != '\n' || memchr(line, '\n',
						   (size_t)(nl - line)))
			return -EBADMSG;
		ret = line == buf ? request_line(line, (size_t)(nl - line), req) :
				    field_line(line, (size_t)(nl - line), req);
		if (ret)
			return ret;
	}
	*head_len = (size_t)(end - buf) + 2;
	return 1;
}

bool cg_http_has_token(const char *list, const char *token)
{
	size_t n = strlen(token);
	const char *p = list;

	while (*p) {
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		len = strcspn(p, ",");
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == n && !strncasecmp(p, token, n))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}
