// SPDX-License-Identifier: MIT
/*
 * The messages of camguardd's control socket and its client end
 * (control.h). Parsers are strict: a message is one of the forms, with
 * one space between words, nothing before or after.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "parse.h"

static const char *const kind_word[] = {
	[CG_CTL_WATCHING] = "watching",
	[CG_CTL_IDLE] = "idle",
	[CG_CTL_CUT] = "cut",
	[CG_CTL_GONE] = "gone",
	[CG_CTL_ERROR] = "error",
};

#define NR_KINDS	(sizeof(kind_word) / sizeof(kind_word[0]))

/* A NUL-terminated copy of a message, refused if it holds a NUL. */
static int copy_msg(const char *msg, size_t len, char buf[CG_CTL_MSG_MAX])
{
	if (!msg || len == 0 || len >= CG_CTL_MSG_MAX ||
	    memchr(msg, '\0', len))
		return -EINVAL;
	memcpy(buf, msg, len);
	buf[len] = '\0';
	return 0;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

int cg_ctl_format_request(const char *display, char *buf, size_t size)
{
	int n;

	if (!display || !buf || !cg_kv_name_ok(display))
		return -EINVAL;
	n = snprintf(buf, size, "%s %s", CG_CTL_REQ_REVOKE, display);
	return n < 0 ? -EINVAL : (size_t)n >= size ? -ENOSPC : n;
}

int cg_ctl_parse_request(const char *msg, size_t len,
			 char display[CG_KV_MAX_NAME + 1])
{
	static const char prefix[] = CG_CTL_REQ_REVOKE " ";
	char buf[CG_CTL_MSG_MAX];

	if (!display || copy_msg(msg, len, buf) ||
	    strncmp(buf, prefix, sizeof(prefix) - 1) ||
	    !cg_kv_name_ok(buf + sizeof(prefix) - 1))
		return -EINVAL;
	/* cg_kv_name_ok(): at most CG_KV_MAX_NAME bytes. */
	memcpy(display, buf + sizeof(prefix) - 1,
	       strlen(buf + sizeof(prefix) - 1) + 1);
	return 0;
}

int cg_ctl_format_reply(const struct cg_ctl_reply *r, char *buf, size_t size)
{
	int n;

	if (!r || !buf || (unsigned int)r->kind >= NR_KINDS)
		return -EINVAL;
	if (r->kind == CG_CTL_ERROR) {
		if (!r->text[0] || !printable(r->text))
			return -EINVAL;
		n = snprintf(buf, size, "error %s", r->text);
	} else if (!cg_kv_name_ok(r->name)) {
		return -EINVAL;
	} else if (r->kind == CG_CTL_CUT) {
		n = snprintf(buf, size, "cut %s %u", r->name, r->closed);
	} else {
		n = snprintf(buf, size, "%s %s", kind_word[r->kind], r->name);
	}
	if (n < 0)
		return -EINVAL;
	return (size_t)n >= size || n >= CG_CTL_MSG_MAX ? -ENOSPC : n;
}

int cg_ctl_parse_reply(const char *msg, size_t len, struct cg_ctl_reply *r)
{
	char buf[CG_CTL_MSG_MAX], *arg, *num;
	unsigned int k;

	if (!r || copy_msg(msg, len, buf) || !printable(buf))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	arg = strchr(buf, ' ');
	if (!arg || !arg[1])
		return -EINVAL;
	*arg++ = '\0';
	for (k = 0; k < NR_KINDS && strcmp(buf, kind_word[k]); k++)
		;
	if (k == NR_KINDS)
		return -EINVAL;
	r->kind = (enum cg_ctl_kind)k;
	if (r->kind == CG_CTL_ERROR) {
		snprintf(r->text, sizeof(r->text), "%s", arg);
		return 0;
	}
	num = strchr(arg, ' ');
	if (num)
		*num++ = '\0';
	if (!cg_kv_name_ok(arg) || (r->kind == CG_CTL_CUT) != !!num ||
	    (num && cg_parse_u32(num, 0, 1u << 20, &r->closed)))
		return -EINVAL;
	memcpy(r->name, arg, strlen(arg) + 1);	/* checked: it fits */
	return 0;
}

int cg_ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int cg_ctl_recv_reply(int fd, int timeout_ms, struct cg_ctl_reply *r)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[CG_CTL_MSG_MAX];
	ssize_t n;
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return errno == ECONNRESET ? -ECONNRESET : -errno;
	if (n == 0)
		return -ECONNRESET;
	if ((size_t)n > sizeof(buf) ||
	    cg_ctl_parse_reply(buf, (size_t)n, r))
		return -EPROTO;
	return 0;
}
