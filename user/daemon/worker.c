// SPDX-License-Identifier: MIT
/*
 * A worker: the forked child that serves one owner credential.
 *
 * In order, and nothing else before: close every inherited descriptor but
 * its supervisor socket; load its owner's TLS identity and its displays'
 * pairing files (root-owned 0600, so still as root); drop to the owner for
 * good (no groups, no capabilities, no_new_privs, not dumpable: it holds
 * keys); die with the supervisor. It inherits no private key (the
 * supervisor never reads one) and reads no other owner's. Only then open the netlink socket (the kernel binds channels
 * to the credential of the socket's opener) and the cameras. A worker
 * never sees a frame or a key of another owner.
 *
 * Exit status: 0 when told to stop (SIGTERM, the supervisor gone);
 * CG_WORKER_RESTART when a camera or channel went away or start-up
 * failed, so the supervisor starts it again after a backoff.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "daemon.h"
#include "identity.h"
#include "jpeg.h"
#include "sha256_thread.h"
#include "log.h"
#include "pairing.h"

#define CG_WORKER_RESTART	3

/* ---- start-up ---------------------------------------------------------- */

/*
 * Keep stdin/out/err and the supervisor socket (moved to fd 3); close the
 * listen sockets, other workers' sockets, pending connections, the
 * supervisor's signalfd: everything else this process inherited.
 */
static int close_inherited(int sock)
{
	if (sock != 3) {
		if (dup2(sock, 3) < 0)
			return -errno;
	}
	if (close_range(4, ~0u, 0) < 0)
		return -errno;
	return 3;
}

static int setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Blocked by the supervisor before fork, for its signalfd too. */
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void load_pairing(struct cg_worker *w, struct cg_display *d)
{
	uint8_t fp[CG_FINGERPRINT_LEN];
	struct cg_pairing p;
	char err[512];
	int ret;

	ret = cg_pairing_load(d->cfg->pairing, &p, err, sizeof(err));
	if (ret < 0) {
		cg_err(d->mod, "refused: %s", err);
		return;
	}
	if (p.owner_uid != w->owner.uid) {
		cg_err(d->mod, "refused: pairing file %s is for uid %u, but the display's owner is uid %u",
		       d->cfg->pairing, p.owner_uid, w->owner.uid);
		goto out;
	}
	if (strcmp(p.display, d->cfg->name)) {
		cg_err(d->mod, "refused: pairing file %s is for display '%s'",
		       d->cfg->pairing, p.display);
		goto out;
	}
	/* A display paired before its owner had this identity. */
	if (cg_x509_fingerprint(SSL_CTX_get0_certificate(w->tls), fp) ||
	    CRYPTO_memcmp(fp, p.fingerprint, sizeof(fp)))
		cg_warn(d->mod, "pairing file %s pins another certificate than its owner's identity: the display will refuse camguardd (revoke and pair it again)",
			d->cfg->pairing);
	memcpy(d->key, p.key, sizeof(d->key));
	d->keys = cg_record_keys_new(d->key);
	if (!d->keys) {
		cg_err(d->mod, "refused: out of memory");
		goto out;
	}
	d->usable = true;
out:
	cg_pairing_clear(&p);
}

static int fail(const char *mod, const char *what)
{
	int err = errno;

	cg_err(mod, "%s: %s", what, strerror(err));
	return -(err ? err : EPERM);
}

/*
 * Become the owner for good. The checks after the calls are not paranoia:
 * a kernel or a container that silently keeps a capability would make
 * every promise of the worker void, so it aborts instead.
 */
static int drop_privileges(struct cg_worker *w, pid_t supervisor)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct caps[2] = { { 0 } };
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	unsigned int i;

	if (setgroups(0, NULL) < 0)
		return fail(w->mod, "setgroups");
	if (setresgid(w->owner.gid, w->owner.gid, w->owner.gid) < 0)
		return fail(w->mod, "setresgid");
	if (setresuid(w->owner.uid, w->owner.uid, w->owner.uid) < 0)
		return fail(w->mod, "setresuid");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(w->mod, "PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return fail(w->mod, "PR_CAP_AMBIENT_CLEAR_ALL");
	if (syscall(SYS_capget, &hdr, caps) < 0)
		return fail(w->mod, "capget");
	for (i = 0; i < 2; i++) {
		if (caps[i].effective || caps[i].permitted ||
		    caps[i].inheritable) {
			cg_err(w->mod, "capabilities left after dropping to uid %u: aborting",
			       w->owner.uid);
			return -EPERM;
		}
	}
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
	    ru != w->owner.uid || eu != w->owner.uid || su != w->owner.uid ||
	    rg != w->owner.gid || eg != w->owner.gid || sg != w->owner.gid ||
	    getgroups(0, NULL) != 0) {
		cg_err(w->mod, "credentials are not uid %u gid %u after the drop: aborting",
		       w->owner.uid, w->owner.gid);
		return -EPERM;
	}
	/* It holds channel keys: no core dumps, no ptrace by the owner. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return fail(w->mod, "PR_SET_DUMPABLE");
	/* After setresuid(), which clears it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return fail(w->mod, "PR_SET_PDEATHSIG");
	if (getppid() != supervisor) {
		cg_err(w->mod, "the supervisor is gone");
		return -ESRCH;
	}
	return 0;
}

/* This owner's cameras and displays, from the config. */
static int build_tables(struct cg_worker *w)
{
	const struct cg_config *cfg = w->cfg;
	unsigned int i, j, nc = 0, nd = 0;

	w->cams = calloc(cfg->n_cameras ? cfg->n_cameras : 1,
			 sizeof(*w->cams));
	w->displays = calloc(cfg->n_displays ? cfg->n_displays : 1,
			     sizeof(*w->displays));
	w->chans = calloc(cfg->n_displays ? cfg->n_displays : 1,
			  sizeof(*w->chans));
	if (!w->cams || !w->displays || !w->chans)
		return -ENOMEM;
	for (i = 0; i < cfg->n_cameras; i++) {
		const struct cg_config_camera *cc = &cfg->cameras[i];
		struct cg_camera *cam = &w->cams[nc];

		if (cc->owner.uid != w->owner.uid ||
		    cc->owner.gid != w->owner.gid)
			continue;
		cam->cfg = cc;
		cam->fd = -1;
		cam->quality = (int)(cc->jpeg_quality ? cc->jpeg_quality :
				     cfg->jpeg_quality);
		snprintf(cam->mod, sizeof(cam->mod), "camera %s", cc->name);
		nc++;
	}
	w->n_cams = nc;
	for (i = 0; i < cfg->n_displays; i++) {
		const struct cg_config_display *dc = &cfg->displays[i];
		struct cg_display *d = &w->displays[nd];

		if (dc->owner.uid != w->owner.uid ||
		    dc->owner.gid != w->owner.gid)
			continue;
		d->cfg = dc;
		d->index = i;
		d->chan = &w->chans[nd];
		snprintf(d->mod, sizeof(d->mod), "display %s", dc->name);
		for (j = 0; j < nc; j++)
			if (w->cams[j].cfg == &cfg->cameras[dc->camera])
				d->cam = &w->cams[j];
		nd++;
	}
	w->n_displays = nd;
	return 0;
}

/*
 * Netlink, camera ids, formats, one channel per display, and only then
 * the streams: every request is answered before events start to flow.
 */
static int open_cameras(struct cg_worker *w)
{
	unsigned int i;
	int ret;

	ret = cg_nl_open(&w->nl);
	if (ret < 0) {
		cg_err(w->mod, "netlink: %s", w->nl.errmsg);
		return ret;
	}
	w->nl_open = true;
	w->nl.event_fn = cg_channel_event;
	w->nl.event_arg = w;
	if (!w->n_cams)
		return 0;
	ret = cg_channel_resolve(w);
	if (ret < 0)
		return ret;
	for (i = 0; i < w->n_displays; i++) {
		struct cg_display *d = &w->displays[i];

		if (d->usable && d->cam)
			d->cam->n_displays++;
	}
	for (i = 0; i < w->n_cams; i++) {
		if (!w->cams[i].n_displays) {
			cg_info(w->cams[i].mod, "no usable display: not opened");
			continue;
		}
		ret = cg_capture_open(&w->cams[i]);
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < w->n_displays; i++) {
		struct cg_display *d = &w->displays[i];

		if (!d->usable || !d->cam)
			continue;
		ret = cg_channel_create(w, d);
		if (ret == -EACCES || ret == -ENOSPC) {
			/* This display only: the camera serves the others. */
			d->usable = false;
			continue;
		}
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < w->n_cams; i++) {
		if (w->cams[i].fd < 0)
			continue;
		ret = cg_capture_start(&w->cams[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- the loop ---------------------------------------------------------- */

static void receive_handoffs(struct cg_worker *w)
{
	for (;;) {
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct cg_handoff h;
		struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };
		struct msghdr msg = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cbuf,
			.msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cm;
		ssize_t n;
		int fd = -1;

		n = recvmsg(w->sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			cg_info(w->mod, "the supervisor closed its socket: exiting");
			w->stop = true;
			return;
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_RIGHTS &&
			    cm->cmsg_len == CMSG_LEN(sizeof(int)))
				memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		if (fd < 0 || n != sizeof(h) || (msg.msg_flags & MSG_CTRUNC)) {
			w->bad_handoff++;
			cg_err(w->mod, "malformed message from the supervisor");
			if (fd >= 0)
				close(fd);
			continue;
		}
		cg_display_accept(w, fd, h.display);
	}
}

static void log_stats(struct cg_worker *w, const char *when)
{
	unsigned int i;

	for (i = 0; i < w->n_cams; i++) {
		const struct cg_camera *c = &w->cams[i];

		if (c->fd < 0 && !c->st.frames)
			continue;
		cg_info(c->mod, "%s: frames %llu encoded %llu digest_mismatch %llu missing_event %llu unverified %llu too_big %llu sequence_repeat %llu errors %llu",
			when, (unsigned long long)c->st.frames,
			(unsigned long long)c->st.encoded,
			(unsigned long long)c->st.digest_mismatch,
			(unsigned long long)c->st.missing_event,
			(unsigned long long)c->st.unverified,
			(unsigned long long)c->st.too_big,
			(unsigned long long)c->st.sequence_repeat,
			(unsigned long long)c->st.errors);
	}
	for (i = 0; i < w->n_displays; i++) {
		const struct cg_display *d = &w->displays[i];

		cg_info(d->mod, "%s: sent %llu dropped_full %llu connections %llu auth_failed %llu tls_failed %llu refused %llu timeouts %llu replaced %llu%s",
			when, (unsigned long long)d->st.sent,
			(unsigned long long)d->st.dropped_full,
			(unsigned long long)d->st.connections,
			(unsigned long long)d->st.auth_failed,
			(unsigned long long)d->st.tls_failed,
			(unsigned long long)d->st.refused,
			(unsigned long long)d->st.timeouts,
			(unsigned long long)d->st.replaced,
			d->conn ? " (connected)" : "");
	}
	if (w->cfg->n_web_hosts)
		cg_info("web", "%s: requests %llu files %llu upgrades %llu not_found %llu bad_request %llu protocol_error %llu tls_failed %llu refused %llu timeouts %llu errors %llu",
			when, (unsigned long long)w->web_st.requests,
			(unsigned long long)w->web_st.files,
			(unsigned long long)w->web_st.upgrades,
			(unsigned long long)w->web_st.not_found,
			(unsigned long long)w->web_st.bad_request,
			(unsigned long long)w->web_st.protocol_error,
			(unsigned long long)w->web_st.tls_failed,
			(unsigned long long)w->web_st.refused,
			(unsigned long long)w->web_st.timeouts,
			(unsigned long long)w->web_st.errors);
	cg_info(w->mod, "%s: events %llu events_lost %llu events_bad %llu bad_handoff %llu connections %u nl_stale %llu nl_events_dropped %llu",
		when, (unsigned long long)w->events,
		(unsigned long long)w->events_lost,
		(unsigned long long)w->events_bad,
		(unsigned long long)w->bad_handoff, w->n_conns,
		(unsigned long long)w->nl.stale,
		(unsigned long long)w->nl.events_dropped);
}

static void read_signals(struct cg_worker *w)
{
	struct signalfd_siginfo si;

	while (read(w->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			w->stop = true;
	}
}

static int run_loop(struct cg_worker *w)
{
	unsigned int max = 3 + w->n_cams + w->cfg->limits.max_connections;
	struct pollfd *pfd = calloc(max, sizeof(*pfd));
	struct cg_conn **pconn = calloc(max, sizeof(*pconn));
	uint64_t next_stats = cg_now_ms() + CG_STATS_INTERVAL_MS;
	struct cg_conn *c;
	unsigned int n, i, first_cam, first_conn;
	int timeout, ret;

	if (!pfd || !pconn) {
		free(pfd);
		free(pconn);
		return -ENOMEM;
	}
	while (!w->stop && !w->restart) {
		uint64_t now = cg_now_ms();

		/*
		 * Only deadlines here: whether a display is overdue is decided
		 * after poll() and its I/O, so a worker that was not scheduled
		 * for a while does not blame displays whose sockets have room.
		 */
		timeout = -1;
		cg_timeout_until(&timeout, next_stats, now);
		if (w->restart_at_ms)
			cg_timeout_until(&timeout, w->restart_at_ms, now);
		cg_display_deadlines(w, now, &timeout);

		n = 0;
		pfd[n++] = (struct pollfd){ .fd = w->sigfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = w->sock, .events = POLLIN };
		pfd[n++] = (struct pollfd){
			.fd = w->nl_open ? cg_nl_fd(&w->nl) : -1,
			.events = POLLIN,
		};
		first_cam = n;
		for (i = 0; i < w->n_cams; i++)
			pfd[n++] = (struct pollfd){
				.fd = w->cams[i].streaming ? w->cams[i].fd : -1,
				.events = POLLIN,
			};
		first_conn = n;
		for (c = w->conns; c && n < max; c = cg_display_next(c)) {
			pconn[n - first_conn] = c;
			pfd[n++] = (struct pollfd){
				.fd = cg_display_fd(c),
				.events = cg_display_events(c),
			};
		}
		ret = poll(pfd, n, timeout);
		if (ret < 0 && errno != EINTR) {
			ret = -errno;
			cg_err(w->mod, "poll: %s", strerror(errno));
			break;
		}
		if (ret > 0) {
			if (pfd[0].revents)
				read_signals(w);
			if (pfd[1].revents)
				receive_handoffs(w);
			/* Events first: a frame's event normally precedes it. */
			if (pfd[2].revents && cg_channel_receive(w, 0) < 0)
				w->restart = true;
			for (i = 0; i < w->n_cams && !w->restart; i++)
				if (pfd[first_cam + i].revents)
					cg_frame_handle(w, &w->cams[i]);
			for (i = first_conn; i < n; i++)
				if (pfd[i].revents)
					cg_display_io(w, pconn[i - first_conn],
						      pfd[i].revents);
		}
		now = cg_now_ms();
		if (w->restart_at_ms && now >= w->restart_at_ms)
			w->restart = true;
		cg_display_timeouts(w, now);
		cg_display_reap(w);
		if (now >= next_stats) {
			log_stats(w, "stats");
			next_stats = now + CG_STATS_INTERVAL_MS;
		}
	}
	free(pfd);
	free(pconn);
	return 0;
}

static void worker_free(struct cg_worker *w)
{
	unsigned int i;

	cg_display_close_all(w);
	for (i = 0; i < w->n_cams; i++)
		cg_capture_close(&w->cams[i]);
	/* Closing the socket kills every channel it made. */
	if (w->nl_open)
		cg_nl_close(&w->nl);
	for (i = 0; i < w->n_displays; i++) {
		cg_record_keys_free(w->displays[i].keys);
		OPENSSL_cleanse(w->displays[i].key, CAMGUARD_KEY_LEN);
	}
	if (w->jpeg)
		cg_jpeg_encoder_free(w->jpeg);
	cg_sha256_thread_free(w->hasher);
	free(w->cams);
	free(w->chans);
	free(w->displays);
	if (w->sigfd >= 0)
		close(w->sigfd);
	close(w->sock);
	/* Frees the owner's key (OpenSSL wipes it as it frees it). */
	SSL_CTX_free(w->tls);
}

int cg_worker_main(const struct cg_config *cfg, const struct cg_owner *owner,
		   int sock, pid_t supervisor)
{
	struct cg_worker w = {
		.cfg = cfg,
		.owner = *owner,
		.sigfd = -1,
		.max_payload = cg_config_max_payload(cfg),
	};
	unsigned int i, usable = 0;
	char err[1400];
	int ret;

	if (owner->name[0])
		snprintf(w.mod, sizeof(w.mod), "worker %s", owner->name);
	else
		snprintf(w.mod, sizeof(w.mod), "worker %u", owner->uid);
	w.sock = close_inherited(sock);
	if (w.sock < 0) {
		cg_err(w.mod, "closing inherited descriptors: %s",
		       strerror(-w.sock));
		_exit(CG_WORKER_RESTART);
	}
	prctl(PR_SET_NAME, "cg-worker", 0, 0, 0);
	w.sigfd = setup_signals();
	ret = build_tables(&w);
	if (ret < 0 || w.sigfd < 0) {
		cg_err(w.mod, "start-up: out of resources");
		ret = CG_WORKER_RESTART;
		goto out;
	}
	/*
	 * This owner's identity, and no other's: nothing else of it reaches
	 * this process (the supervisor never reads a key). Without it none of
	 * its displays can be served; the supervisor retries with backoff,
	 * and the other owners' workers are not concerned.
	 */
	w.tls = cg_identity_server_ctx(cfg->identities, owner, err,
				       sizeof(err));
	if (!w.tls) {
		cg_err(w.mod, "TLS identity: %s; none of its displays can be served",
		       err);
		ret = CG_WORKER_RESTART;
		goto out;
	}
	for (i = 0; i < w.n_displays; i++) {
		if (!w.displays[i].cam) {
			cg_err(w.displays[i].mod, "refused: its camera is not this owner's");
			continue;
		}
		load_pairing(&w, &w.displays[i]);
		usable += w.displays[i].usable;
	}
	if (drop_privileges(&w, supervisor) < 0) {
		/* The supervisor retries with backoff; the log says why. */
		ret = CG_WORKER_RESTART;
		goto out;
	}
	cg_info(w.mod, "running as uid %u gid %u, %u camera(s), %u of %u display(s) usable",
		w.owner.uid, w.owner.gid, w.n_cams, usable, w.n_displays);
	w.jpeg = cg_jpeg_encoder_new();
	/* After the privileges are dropped: no thread may keep root's. */
	w.hasher = cg_sha256_thread_new();
	if (w.hasher && !cg_sha256_thread_threaded(w.hasher))
		cg_warn(w.mod, "no thread for the digest check: it runs before the encode, on one CPU");
	if (!w.jpeg || !w.hasher || open_cameras(&w) < 0) {
		ret = CG_WORKER_RESTART;
		goto out;
	}
	run_loop(&w);
	ret = w.stop ? 0 : CG_WORKER_RESTART;
	log_stats(&w, w.stop ? "exit" : "exit (restart)");
out:
	worker_free(&w);
	return ret;
}
