// SPDX-License-Identifier: MIT
/*
 * The supervisor's control socket (user/lib/control.h has the messages):
 * `camguardctl revoke` asks to be told when a display is cut off, then
 * deletes the display's kernel channel; the worker sees the channel go,
 * closes the display's connections and tells the supervisor
 * (struct cg_worker_note), which answers here.
 *
 * Who can reach it: root only. The socket is created mode 0600 (umask
 * 077 around bind()), in a directory made 0755 if missing, and every
 * client's SO_PEERCRED must be uid 0 as well. What it tells is only
 * whether a display named by root was cut off; it changes nothing.
 *
 * Ownership: clients[] owns its sockets; a client is closed once
 * answered for good, or at its deadline.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "daemon.h"
#include "log.h"

#define MOD		"control"
#define CLIENT_MS	60000	/* longer than any camguardctl waits */

int cg_control_open(struct cg_control *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[PATH_MAX];
	struct stat st;
	mode_t mask;
	int fd, ret;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path));
	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdir(dirname(dir), 0755) && errno != EEXIST) {
		ret = -errno;
		cg_err(MOD, "%s: cannot create its directory: %s", path,
		       strerror(-ret));
		return ret;
	}
	/* A socket left by a camguardd that died; anything else stays. */
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			cg_err(MOD, "%s exists and is not a socket", path);
			return -EEXIST;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	mask = umask(077);
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(mask);
	if (ret < 0 || listen(fd, CG_CONTROL_MAX_CLIENTS) < 0) {
		ret = -errno;
		cg_err(MOD, "%s: %s", path, strerror(-ret));
		close(fd);
		return ret;
	}
	c->path = strdup(path);
	if (!c->path) {
		close(fd);
		unlink(path);
		return -ENOMEM;
	}
	c->fd = fd;
	cg_info(MOD, "listening on %s (root only)", path);
	return 0;
}

static void client_close(struct cg_control *c, unsigned int slot)
{
	close(c->clients[slot].fd);
	c->clients[slot] = c->clients[--c->n_clients];
}

void cg_control_close(struct cg_control *c)
{
	while (c->n_clients)
		client_close(c, c->n_clients - 1);
	if (c->fd >= 0) {
		close(c->fd);
		unlink(c->path);
	}
	c->fd = -1;
	free(c->path);
	c->path = NULL;
}

/* One reply; 0, or -errno (the client is then closed by the caller). */
static int reply(struct cg_control_client *cl, enum cg_ctl_kind kind,
		 const char *name, unsigned int closed, const char *text)
{
	struct cg_ctl_reply r = { .kind = kind, .closed = closed };
	char buf[CG_CTL_MSG_MAX];
	int n;

	snprintf(r.name, sizeof(r.name), "%s", name ? name : "");
	snprintf(r.text, sizeof(r.text), "%s", text ? text : "");
	n = cg_ctl_format_reply(&r, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (send(cl->fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

void cg_control_accept(struct cg_control *c)
{
	struct cg_control_client *cl;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd;

	while (c->n_clients < CG_CONTROL_MAX_CLIENTS) {
		fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
		    cred.uid != 0) {
			cg_warn(MOD, "a client of uid %d refused: root only",
				len == sizeof(cred) ? (int)cred.uid : -1);
			close(fd);
			continue;
		}
		cl = &c->clients[c->n_clients++];
		memset(cl, 0, sizeof(*cl));
		cl->fd = fd;
		cl->deadline_ms = cg_now_ms() + CLIENT_MS;
	}
}

void cg_control_request(struct cg_control *c, unsigned int slot,
			const struct cg_config *cfg,
			bool (*running)(const struct cg_owner *o))
{
	struct cg_control_client *cl = &c->clients[slot];
	char buf[CG_CTL_MSG_MAX], name[CG_KV_MAX_NAME + 1];
	const struct cg_config_display *d;
	ssize_t n;
	int idx, ret;

	n = recv(cl->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c, slot);
		return;
	}
	if (cl->watching || (size_t)n > sizeof(buf) ||
	    cg_ctl_parse_request(buf, (size_t)n, name)) {
		reply(cl, CG_CTL_ERROR, NULL, 0, "not a request");
		client_close(c, slot);
		return;
	}
	/* No worker for it, no connection of it: nothing to wait for. */
	idx = cg_config_find_display(cfg, name);
	d = idx >= 0 ? &cfg->displays[idx] : NULL;
	if (!d || !running(&d->owner)) {
		reply(cl, CG_CTL_IDLE, name, 0, NULL);
		client_close(c, slot);
		return;
	}
	ret = reply(cl, CG_CTL_WATCHING, name, 0, NULL);
	if (ret) {
		client_close(c, slot);
		return;
	}
	cl->watching = true;
	cl->owner = d->owner;
	snprintf(cl->name, sizeof(cl->name), "%s", name);
	cg_info(MOD, "camguardctl waits for display %s to be cut off", name);
}

void cg_control_cut(struct cg_control *c, const char *name,
		    unsigned int closed)
{
	unsigned int i;

	for (i = c->n_clients; i-- > 0;) {
		struct cg_control_client *cl = &c->clients[i];

		if (!cl->watching || strcmp(cl->name, name))
			continue;
		reply(cl, CG_CTL_CUT, name, closed, NULL);
		client_close(c, i);
	}
}

void cg_control_gone(struct cg_control *c, const struct cg_owner *o)
{
	unsigned int i;

	for (i = c->n_clients; i-- > 0;) {
		struct cg_control_client *cl = &c->clients[i];

		if (!cl->watching || cl->owner.uid != o->uid ||
		    cl->owner.gid != o->gid)
			continue;
		reply(cl, CG_CTL_GONE, cl->name, 0, NULL);
		client_close(c, i);
	}
}

void cg_control_timeouts(struct cg_control *c, uint64_t now, int *timeout)
{
	unsigned int i;

	for (i = c->n_clients; i-- > 0;) {
		if (now >= c->clients[i].deadline_ms)
			client_close(c, i);
		else
			cg_timeout_until(timeout, c->clients[i].deadline_ms,
					 now);
	}
}
