// SPDX-License-Identifier: MIT
/*
 * camguardctl [-c CONFIG] revoke NAME: remove a display's pairing file,
 * delete its live kernel channel and wait until camguardd has cut off its
 * connection (admin: the kernel, camguardd).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control.h"
#include "ctl.h"

#define REVOKE_MAX	64

struct revoke_state {
	const char *name;
	uint32_t uid, gid;
	uint32_t ids[REVOKE_MAX];
	unsigned int n;
	unsigned int deleted;
	unsigned int others;	/* same name, another owner: not camguardd's */
};

static int find_channel(uint8_t cmd, struct nlattr **a, void *arg)
{
	struct revoke_state *st = arg;

	(void)cmd;
	if (!a[CAMGUARD_A_CHAN_ID] || !a[CAMGUARD_A_CHAN_NAME] ||
	    strcmp(nla_get_string(a[CAMGUARD_A_CHAN_NAME]), st->name))
		return 0;
	if (ctl_u32_or(a[CAMGUARD_A_OWNER_UID], UINT32_MAX) != st->uid ||
	    ctl_u32_or(a[CAMGUARD_A_OWNER_GID], UINT32_MAX) != st->gid) {
		st->others++;
		return 0;
	}
	if (st->n < REVOKE_MAX)
		st->ids[st->n++] = nla_get_u32(a[CAMGUARD_A_CHAN_ID]);
	return 0;
}

static int put_chan_id(struct nl_msg *msg, void *arg)
{
	return nla_put_u32(msg, CAMGUARD_A_CHAN_ID, *(uint32_t *)arg) ?
	       -EMSGSIZE : 0;
}

/* Delete the live kernel channels of display @st->name: 0, or 1 if not all. */
static int revoke_channels(struct revoke_state *st)
{
	unsigned int i;
	struct cg_nl nl;
	int ret;

	if (cg_nl_open(&nl)) {
		fprintf(stderr, "camguardctl revoke: kernel channel not deleted: %s\n",
			nl.errmsg);
		return 1;
	}
	ret = cg_nl_request(&nl, CAMGUARD_CMD_CHAN_GET, true, NULL, NULL,
			    find_channel, st);
	if (ret) {
		fprintf(stderr, "camguardctl revoke: cannot list channels: %s\n",
			nl.errmsg);
		cg_nl_close(&nl);
		return 1;
	}
	for (i = 0; i < st->n; i++) {
		/* Not our socket's channel: only an admin may delete it. */
		ret = cg_nl_request(&nl, CAMGUARD_CMD_CHAN_DEL, false,
				    put_chan_id, &st->ids[i], NULL, NULL);
		if (ret) {
			fprintf(stderr, "camguardctl revoke: channel %u not deleted: %s%s\n",
				st->ids[i], nl.errmsg,
				ret == -ENOENT ? " (it needs CAP_NET_ADMIN, or it is gone)" : "");
			continue;
		}
		printf("deleted kernel channel %u (%s): the display gets no more frames\n",
		       st->ids[i], st->name);
		st->deleted++;
	}
	if (!st->n)
		printf("no live kernel channel of display %s%s\n", st->name,
		       st->others ? " (channels of that name of other owners left alone)" : "");
	cg_nl_close(&nl);
	return st->deleted == st->n ? 0 : 1;
}

#define REVOKE_ASK_MS	2000
#define REVOKE_WAIT_MS	10000

/*
 * Ask camguardd (control.h) to tell when display @name is cut off, before
 * its channel is deleted, so the answer cannot come before the question.
 * The socket to wait on; -1 when there is nothing to wait for (camguardd
 * not running, or no worker of it serves @name); -2 when camguardd could
 * not be asked (said on stderr).
 */
static int revoke_watch(const char *path, const char *name)
{
	char buf[CG_CTL_MSG_MAX];
	struct cg_ctl_reply r;
	int fd, n, ret;

	fd = cg_ctl_connect(path);
	if (fd == -ENOENT || fd == -ECONNREFUSED) {
		printf("camguardd is not running (no control socket at %s): no connection of display %s to wait for\n",
		       path, name);
		return -1;
	}
	if (fd < 0) {
		fprintf(stderr, "camguardctl revoke: cannot reach camguardd at %s: %s%s; not waiting for the display's connection to close\n",
			path, strerror(-fd), fd == -EACCES ? " (root only)" : "");
		return -2;
	}
	n = cg_ctl_format_request(name, buf, sizeof(buf));
	if (n < 0 || send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
		ret = n < 0 ? n : -errno;
	else
		ret = cg_ctl_recv_reply(fd, REVOKE_ASK_MS, &r);
	if (!ret && r.kind == CG_CTL_WATCHING && !strcmp(r.name, name))
		return fd;
	close(fd);
	if (!ret && r.kind == CG_CTL_IDLE) {
		printf("camguardd serves display %s with no worker now: no connection to wait for\n",
		       name);
		return -1;
	}
	if (!ret && r.kind == CG_CTL_ERROR)
		fprintf(stderr, "camguardctl revoke: camguardd refused: %s\n",
			r.text);
	else
		fprintf(stderr, "camguardctl revoke: camguardd at %s did not answer as it should: %s\n",
			path, ret ? strerror(-ret) : "unexpected reply");
	return -2;
}

/* Until camguardd says @name's connections are closed, or it is late. */
static int revoke_wait(int fd, const char *name)
{
	struct cg_ctl_reply r;
	int ret = cg_ctl_recv_reply(fd, REVOKE_WAIT_MS, &r);

	if (ret == -ETIMEDOUT) {
		fprintf(stderr, "camguardctl revoke: camguardd did not confirm within %d s that display %s is cut off: its kernel channel is deleted, so it gets no more frames, but its connection may still be open (see camguardd's log)\n",
			REVOKE_WAIT_MS / 1000, name);
		return 1;
	}
	if (!ret && r.kind == CG_CTL_CUT && !strcmp(r.name, name)) {
		if (r.closed)
			printf("camguardd closed the connection of display %s (%u): it is cut off\n",
			       name, r.closed);
		else
			printf("display %s had no connection; camguardd refuses it from now on\n",
			       name);
		return 0;
	}
	if (!ret && r.kind == CG_CTL_GONE && !strcmp(r.name, name)) {
		printf("the camguardd worker of display %s ended, and its connections with it\n",
		       name);
		return 0;
	}
	fprintf(stderr, "camguardctl revoke: waiting for camguardd to cut off display %s: %s\n",
		name, ret ? strerror(-ret) : "unexpected reply");
	return 1;
}

/*
 * Remove the display's pairing file and its live kernel channel, and
 * return once camguardd has closed the display's connection.
 */
static int revoke_display(const char *config, const char *name)
{
	const struct cg_config_display *d;
	struct revoke_state st = { .name = name };
	struct cg_config cfg;
	int ret = 0, ctl;

	if (ctl_load_display(config, name, &cfg, &d))
		return 1;
	if (!unlink(d->pairing)) {
		printf("removed %s\n", d->pairing);
	} else if (errno == ENOENT) {
		printf("no pairing file at %s (revoked already?)\n", d->pairing);
	} else {
		fprintf(stderr, "camguardctl revoke: cannot remove %s: %s\n",
			d->pairing, strerror(errno));
		ret = 1;
	}
	st.uid = d->owner.uid;
	st.gid = d->owner.gid;
	ctl = revoke_watch(cfg.control_socket, name);
	if (ctl == -2)
		ret = 1;
	ret |= revoke_channels(&st);
	if (ctl >= 0) {
		/* No channel deleted: no worker is told, nothing to wait for. */
		if (st.deleted)
			ret |= revoke_wait(ctl, name);
		close(ctl);
	}
	printf("next: remove [display %s] from %s and reload camguardd (SIGHUP)\n",
	       name, config);
	cg_config_free(&cfg);
	return ret;
}

int ctl_revoke(const struct ctl_opts *o, int argc, char **argv)
{
	int ret = ctl_display_arg(argc, argv);

	if (ret)
		return ret;
	/* Config files, then netlink and camguardd's socket of its own. */
	return revoke_display(o->config, argv[0]);
}
