/* SPDX-License-Identifier: MIT */
/*
 * camguardd's control socket (docs/camguardd.md, "Control socket"): a
 * Unix SOCK_SEQPACKET socket at the config's [listen] control_socket,
 * mode 0600, for root only (the supervisor checks SO_PEERCRED too). One
 * message per datagram, a line of text without its newline:
 *
 *   camguardctl -> camguardd   "revoke-wait NAME"
 *   camguardd -> camguardctl   "watching NAME"   the owner's worker runs: a
 *                                                "cut" or "gone" follows
 *                              "idle NAME"       no worker serves NAME (none
 *                                                runs for its owner, or the
 *                                                running config has no NAME):
 *                                                it has no connection
 *                              "cut NAME N"      the worker saw NAME's
 *                                                channel revoked and closed
 *                                                its N connection(s)
 *                              "gone NAME"       the worker ended, and its
 *                                                connections with it
 *                              "error TEXT"
 *
 * `camguardctl revoke` asks before it deletes the kernel channel, so the
 * answer cannot come before the question. The socket only reports: the
 * revocation itself is the kernel's (CHAN_DEL needs CAP_NET_ADMIN).
 */
#ifndef CG_CONTROL_H
#define CG_CONTROL_H

#include <stddef.h>

#include "keyval.h"

#define CG_CTL_MSG_MAX		160	/* a whole message */
#define CG_CTL_REQ_REVOKE	"revoke-wait"

enum cg_ctl_kind {
	CG_CTL_WATCHING,
	CG_CTL_IDLE,
	CG_CTL_CUT,
	CG_CTL_GONE,
	CG_CTL_ERROR,
};

struct cg_ctl_reply {
	enum cg_ctl_kind kind;
	char name[CG_KV_MAX_NAME + 1];	/* all but CG_CTL_ERROR */
	unsigned int closed;		/* CG_CTL_CUT */
	char text[CG_CTL_MSG_MAX];	/* CG_CTL_ERROR: printable ASCII */
};

/* "revoke-wait NAME" into @buf: its length, or -EINVAL / -ENOSPC. */
int cg_ctl_format_request(const char *display, char *buf, size_t size);

/* The display a request names: 0, or -EINVAL for anything else. */
int cg_ctl_parse_request(const char *msg, size_t len,
			 char display[CG_KV_MAX_NAME + 1]);

/* @r as a message: its length, or -EINVAL / -ENOSPC. */
int cg_ctl_format_reply(const struct cg_ctl_reply *r, char *buf, size_t size);

/* A reply: 0, or -EINVAL when @msg is not one. */
int cg_ctl_parse_reply(const char *msg, size_t len, struct cg_ctl_reply *r);

/* A connected client socket (close-on-exec): the fd, or -errno. */
int cg_ctl_connect(const char *path);

/*
 * The next reply on @fd within @timeout_ms: 0, -ETIMEDOUT, -ECONNRESET
 * (camguardd closed the socket), -EPROTO (not a reply), -errno.
 */
int cg_ctl_recv_reply(int fd, int timeout_ms, struct cg_ctl_reply *r);

#endif /* CG_CONTROL_H */
