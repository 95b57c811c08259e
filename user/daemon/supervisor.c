// SPDX-License-Identifier: MIT
/*
 * The supervisor: root, one per camguardd. It holds the config, the
 * listen sockets and the control socket, and runs one worker per owner
 * credential among the config's cameras and displays. It reads no TLS
 * key: each worker loads its own owner's identity (identity.h) before it
 * drops privileges, so no worker inherits a key another owner's displays
 * trust.
 *
 * Signals arrive on a signalfd (they are blocked, also in workers until
 * they make their own): SIGTERM/SIGINT stop everything and exit 0, SIGHUP
 * reloads the config, SIGCHLD reaps workers and schedules their restart:
 * 250 ms, doubling up to limits.restart_backoff_max, back to 250 ms once a
 * worker ran for 10 s.
 *
 * It never handles a frame, a record or a key: a display connection's
 * socket goes to its owner's worker right after the hello line. Workers
 * write back on the same socket only to say that a display was cut off
 * (struct cg_worker_note), which answers camguardctl revoke.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "daemon.h"
#include "log.h"
#include "transport.h"

#define MOD			"supervisor"
#define BACKOFF_MIN_MS		250
#define BACKOFF_RESET_MS	10000	/* a worker that ran this long was fine */
#define STOP_GRACE_MS		5000	/* SIGTERM, then SIGKILL */

struct cg_wslot {
	struct cg_owner owner;
	char mod[CG_MOD_LEN];		/* "worker NAME" */
	pid_t pid;			/* 0: not running */
	int sock;			/* our end of its socketpair, or -1 */
	uint64_t started_ms;
	uint64_t restart_at_ms;		/* when to start it; 0: now */
	uint32_t backoff_ms;
	uint64_t starts;
};

struct cg_supervisor {
	const char *path;
	struct cg_config cfg;
	struct cg_listener listener;
	struct cg_control control;
	struct cg_wslot *slots;
	unsigned int n_slots;
	int sigfd;
	pid_t self;
	bool stop, reload;
};

static struct cg_supervisor sup;

/* ---- workers ------------------------------------------------------------ */

static int add_owner(struct cg_wslot *slots, unsigned int *n,
		     const struct cg_owner *o)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (slots[i].owner.uid == o->uid && slots[i].owner.gid == o->gid)
			return 0;
	slots[*n].owner = *o;
	slots[*n].sock = -1;
	if (o->name[0])
		snprintf(slots[*n].mod, sizeof(slots[*n].mod), "worker %s",
			 o->name);
	else
		snprintf(slots[*n].mod, sizeof(slots[*n].mod), "worker %u",
			 o->uid);
	(*n)++;
	return 0;
}

/* One slot per distinct (uid, gid) among cameras and displays. */
static int build_slots(void)
{
	const struct cg_config *cfg = &sup.cfg;
	unsigned int i, max = cfg->n_cameras + cfg->n_displays;

	sup.slots = calloc(max ? max : 1, sizeof(*sup.slots));
	if (!sup.slots)
		return -ENOMEM;
	sup.n_slots = 0;
	for (i = 0; i < cfg->n_cameras; i++)
		add_owner(sup.slots, &sup.n_slots, &cfg->cameras[i].owner);
	for (i = 0; i < cfg->n_displays; i++)
		add_owner(sup.slots, &sup.n_slots, &cfg->displays[i].owner);
	return 0;
}

static void start_worker(struct cg_wslot *s)
{
	int sv[2], code;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		cg_err(s->mod, "socketpair: %s", strerror(errno));
		goto retry;
	}
	pid = fork();
	if (pid < 0) {
		cg_err(s->mod, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		goto retry;
	}
	if (pid == 0) {
		/* The child: never returns into the supervisor's loop. */
		close(sv[0]);
		code = cg_worker_main(&sup.cfg, &s->owner, sv[1], sup.self);
		_exit(code);
	}
	close(sv[1]);
	s->sock = sv[0];
	s->pid = pid;
	s->started_ms = cg_now_ms();
	s->restart_at_ms = 0;
	s->starts++;
	cg_info(s->mod, "started, pid %d", (int)pid);
	return;
retry:
	s->backoff_ms = s->backoff_ms ? s->backoff_ms : BACKOFF_MIN_MS;
	s->restart_at_ms = cg_now_ms() + s->backoff_ms;
}

static void schedule_restart(struct cg_wslot *s, uint64_t now)
{
	uint32_t max = sup.cfg.limits.restart_backoff_max_ms;

	if (now - s->started_ms >= BACKOFF_RESET_MS || !s->backoff_ms)
		s->backoff_ms = BACKOFF_MIN_MS;
	else
		s->backoff_ms = s->backoff_ms * 2 > max ? max :
				s->backoff_ms * 2;
	if (s->backoff_ms > max)
		s->backoff_ms = max;
	s->restart_at_ms = now + s->backoff_ms;
	cg_info(s->mod, "restarting in %u ms", s->backoff_ms);
}

static struct cg_wslot *slot_of_pid(pid_t pid)
{
	unsigned int i;

	for (i = 0; i < sup.n_slots; i++)
		if (sup.slots[i].pid == pid)
			return &sup.slots[i];
	return NULL;
}

static bool worker_running(const struct cg_owner *o)
{
	unsigned int i;

	for (i = 0; i < sup.n_slots; i++)
		if (sup.slots[i].owner.uid == o->uid &&
		    sup.slots[i].owner.gid == o->gid)
			return sup.slots[i].pid > 0 && sup.slots[i].sock >= 0;
	return false;
}

/*
 * What a worker tells: only that one of its own displays was cut off. A
 * note about another owner's display is refused, whatever the worker.
 */
static void read_notes(struct cg_wslot *s)
{
	const struct cg_config_display *d;
	struct cg_worker_note n;
	ssize_t len;

	while (s->sock >= 0) {
		len = recv(s->sock, &n, sizeof(n), MSG_DONTWAIT | MSG_TRUNC);
		if (len < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (len <= 0) {
			/* The worker is gone; SIGCHLD says how. */
			close(s->sock);
			s->sock = -1;
			return;
		}
		d = n.display < sup.cfg.n_displays ?
		    &sup.cfg.displays[n.display] : NULL;
		if (len != sizeof(n) || n.kind != CG_NOTE_CUT || !d ||
		    d->owner.uid != s->owner.uid ||
		    d->owner.gid != s->owner.gid) {
			cg_warn(s->mod, "pid %d sent a malformed note, or one about a display not its owner's: ignored",
				(int)s->pid);
			continue;
		}
		cg_control_cut(&sup.control, d->name, n.closed);
	}
}

/* Reap every dead child; restart workers unless stopping. */
static void reap_children(bool restart)
{
	uint64_t now = cg_now_ms();
	struct cg_wslot *s;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		s = slot_of_pid(pid);
		if (!s)
			continue;
		sup.listener.st.worker_exits++;
		if (WIFEXITED(status))
			cg_log(WEXITSTATUS(status) ? CG_LOG_WARN : CG_LOG_INFO,
			       s->mod, "pid %d exited with status %d", (int)pid,
			       WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			cg_warn(s->mod, "pid %d killed by signal %d (%s)",
				(int)pid, WTERMSIG(status),
				strsignal(WTERMSIG(status)));
		read_notes(s);	/* what it said before it ended */
		s->pid = 0;
		if (s->sock >= 0)
			close(s->sock);
		s->sock = -1;
		cg_control_gone(&sup.control, &s->owner);
		if (restart)
			schedule_restart(s, now);
	}
}

/* SIGTERM every worker, SIGKILL what is left after STOP_GRACE_MS. */
static void stop_workers(void)
{
	uint64_t deadline = cg_now_ms() + STOP_GRACE_MS;
	unsigned int i, alive;

	for (i = 0; i < sup.n_slots; i++) {
		sup.slots[i].restart_at_ms = 0;
		if (sup.slots[i].pid > 0)
			kill(sup.slots[i].pid, SIGTERM);
	}
	for (;;) {
		reap_children(false);
		alive = 0;
		for (i = 0; i < sup.n_slots; i++)
			alive += sup.slots[i].pid > 0;
		if (!alive)
			return;
		if (cg_now_ms() >= deadline)
			break;
		usleep(20000);
	}
	for (i = 0; i < sup.n_slots; i++) {
		struct cg_wslot *s = &sup.slots[i];

		if (s->pid <= 0)
			continue;
		cg_warn(s->mod, "pid %d did not stop within %d s: SIGKILL",
			(int)s->pid, STOP_GRACE_MS / 1000);
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
		if (s->sock >= 0)
			close(s->sock);
		s->sock = -1;
		cg_control_gone(&sup.control, &s->owner);
	}
}

static void free_slots(void)
{
	free(sup.slots);
	sup.slots = NULL;
	sup.n_slots = 0;
}

/* ---- routing ------------------------------------------------------------ */

/*
 * Hands connection @hello to the worker of its display's owner, or closes
 * it and counts why: the supervisor's copy is closed either way.
 */
static void route(struct cg_listener *l, const struct cg_hello *hello)
{
	const struct cg_owner *o = &hello->owner;
	const char *peer = hello->peer;
	int fd = hello->fd;
	struct cg_handoff h = { .display = hello->display };
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cg_wslot *s = NULL;
	struct cmsghdr *cm;
	unsigned int i;

	for (i = 0; i < sup.n_slots; i++)
		if (sup.slots[i].owner.uid == o->uid &&
		    sup.slots[i].owner.gid == o->gid)
			s = &sup.slots[i];
	if (!s || s->pid <= 0 || s->sock < 0) {
		l->st.no_worker++;
		cg_warn(MOD, "connection from %s for %s: its owner's worker is not running",
			peer, hello->what);
		close(fd);
		return;
	}
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(s->sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		l->st.no_worker++;
		cg_warn(s->mod, "connection from %s for %s not handed over: %s",
			peer, hello->what, strerror(errno));
	} else {
		l->st.handed_off++;
		cg_debug(s->mod, "connection from %s for %s handed over",
			 peer, hello->what);
	}
	close(fd);
}

/* ---- signals, reload, the loop ------------------------------------------ */

static int setup_signals(void)
{
	sigset_t set;

	/* Workers inherit this: no SIGPIPE anywhere, ever. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	sup.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return sup.sigfd < 0 ? -errno : 0;
}

static void read_signals(void)
{
	struct signalfd_siginfo si;

	while (read(sup.sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			cg_info(MOD, "%s: stopping", strsignal(si.ssi_signo));
			sup.stop = true;
			break;
		case SIGHUP:
			sup.reload = true;
			break;
		case SIGCHLD:
			reap_children(!sup.stop);
			break;
		}
	}
}

static void log_stats(const char *when)
{
	const struct cg_sup_stats *st = &sup.listener.st;

	cg_info(MOD, "%s: accepted %llu handed_off %llu bad_hello %llu hello_timeout %llu unknown_display %llu no_worker %llu full %llu per_peer %llu worker_exits %llu no_server_name %llu unknown_host %llu",
		when, (unsigned long long)st->accepted,
		(unsigned long long)st->handed_off,
		(unsigned long long)st->bad_hello,
		(unsigned long long)st->hello_timeout,
		(unsigned long long)st->unknown_display,
		(unsigned long long)st->no_worker,
		(unsigned long long)st->full,
		(unsigned long long)st->per_peer,
		(unsigned long long)st->worker_exits,
		(unsigned long long)st->no_server_name,
		(unsigned long long)st->unknown_host);
}

/*
 * A control socket at the new config's path: the running one if the path
 * did not change. 0, or -errno with the running one untouched.
 */
static int reload_control(const struct cg_config *cfg)
{
	struct cg_control c;
	int ret;

	if (!strcmp(cfg->control_socket, sup.cfg.control_socket))
		return 0;
	ret = cg_control_open(&c, cfg->control_socket);
	if (ret < 0)
		return ret;
	cg_control_close(&sup.control);
	sup.control = c;
	return 0;
}

/*
 * SIGHUP: a bad new config changes nothing; a good one replaces listen
 * sockets, the control socket and every worker. The owners' identities
 * are read by the new workers: one that is missing or bad stops that
 * owner's worker only (it retries with backoff), never the reload.
 */
static void reload(void)
{
	struct cg_config cfg;
	struct cg_sup_stats st = sup.listener.st;
	char err[1024];
	unsigned int i;

	cg_info(MOD, "SIGHUP: reloading %s", sup.path);
	if (cg_config_load(sup.path, &cg_user_db_system, &cfg, err,
			   sizeof(err)) < 0) {
		cg_err(MOD, "%s; keeping the running configuration", err);
		return;
	}
	if (reload_control(&cfg) < 0) {
		cg_err(MOD, "cannot open the control socket %s; keeping the running configuration",
		       cfg.control_socket);
		cg_config_free(&cfg);
		return;
	}
	cg_listen_close(&sup.listener);
	if (cg_listen_open(&sup.listener, &cfg) < 0) {
		cg_err(MOD, "cannot listen as the new configuration says; keeping the running one");
		cg_config_free(&cfg);
		if (cg_listen_open(&sup.listener, &sup.cfg) < 0)
			cg_err(MOD, "and the old addresses cannot be listened on again: no new connections until the next reload");
		sup.listener.st = st;
		return;
	}
	sup.listener.st = st;
	stop_workers();
	free_slots();
	cg_config_free(&sup.cfg);
	sup.cfg = cfg;
	if (build_slots() < 0) {
		cg_err(MOD, "out of memory: stopping");
		sup.stop = true;
		return;
	}
	cg_info(MOD, "reloaded: %u camera(s), %u display(s), %u worker(s)",
		sup.cfg.n_cameras, sup.cfg.n_displays, sup.n_slots);
	for (i = 0; i < sup.n_slots; i++)
		start_worker(&sup.slots[i]);
}

static void start_due(uint64_t now, int *timeout)
{
	unsigned int i;

	for (i = 0; i < sup.n_slots && !sup.stop; i++) {
		struct cg_wslot *s = &sup.slots[i];

		if (s->pid > 0)
			continue;
		if (s->restart_at_ms <= now)
			start_worker(s);
		if (s->pid <= 0)
			cg_timeout_until(timeout, s->restart_at_ms, now);
	}
}

static int run(void)
{
	struct cg_listener *l = &sup.listener;
	struct cg_control *ctl = &sup.control;
	unsigned int max = 2 + CG_CONFIG_MAX_LISTEN * 4 + CG_CONTROL_MAX_CLIENTS;
	unsigned int n, i, nlisten, first_ctl, nctl, first_slot, nslots;
	uint64_t next_stats = cg_now_ms() + CG_STATS_INTERVAL_MS;
	struct cg_sup_stats last = { 0 };
	struct pollfd *pfd = NULL;
	struct cg_hello hello;
	unsigned int pfd_cap = 0;
	int timeout;

	while (!sup.stop) {
		uint64_t now = cg_now_ms();

		if (pfd_cap < max + l->cap + sup.n_slots) {
			free(pfd);
			pfd_cap = max + l->cap + sup.n_slots;
			pfd = calloc(pfd_cap, sizeof(*pfd));
			if (!pfd)
				return -ENOMEM;
		}
		timeout = -1;
		start_due(now, &timeout);
		n = 0;
		pfd[n++] = (struct pollfd){ .fd = sup.sigfd, .events = POLLIN };
		nlisten = l->n_pending < l->cap ? l->n_fds : 0;
		for (i = 0; i < nlisten; i++)
			pfd[n++] = (struct pollfd){ .fd = l->fds[i],
						    .events = POLLIN };
		for (i = 0; i < l->n_pending; i++)
			pfd[n++] = (struct pollfd){ .fd = l->pending[i].fd,
						    .events = POLLIN };
		/* The control socket, its clients, the workers' notes. */
		first_ctl = n;
		pfd[n++] = (struct pollfd){
			.fd = ctl->n_clients < CG_CONTROL_MAX_CLIENTS ?
			      ctl->fd : -1,
			.events = POLLIN,
		};
		nctl = ctl->n_clients;
		for (i = 0; i < nctl; i++)
			pfd[n++] = (struct pollfd){ .fd = ctl->clients[i].fd,
						    .events = POLLIN };
		first_slot = n;
		nslots = sup.n_slots;
		for (i = 0; i < nslots; i++)
			pfd[n++] = (struct pollfd){ .fd = sup.slots[i].sock,
						    .events = POLLIN };
		cg_listen_next_timeout(l, &timeout, now);
		cg_control_timeouts(ctl, now, &timeout);
		cg_timeout_until(&timeout, next_stats, now);
		if (poll(pfd, n, timeout) < 0 && errno != EINTR) {
			cg_err(MOD, "poll: %s", strerror(errno));
			free(pfd);
			return -errno;
		}
		/*
		 * Pending hellos first, last slot first: removing a slot moves
		 * the last one into it, which has then been seen already. The
		 * same for control clients.
		 */
		for (i = l->n_pending; i-- > 0;)
			if (pfd[1 + nlisten + i].revents &&
			    cg_listen_hello(l, &sup.cfg, i, &hello) > 0)
				route(l, &hello);
		for (i = 0; i < nlisten; i++)
			if (pfd[1 + i].revents)
				cg_listen_accept(l, &sup.cfg, l->fds[i]);
		cg_listen_timeouts(l, cg_now_ms());
		for (i = nctl; i-- > 0;)
			if (pfd[first_ctl + 1 + i].revents)
				cg_control_request(ctl, i, &sup.cfg,
						   worker_running);
		for (i = 0; i < nslots; i++)
			if (pfd[first_slot + i].revents)
				read_notes(&sup.slots[i]);
		if (pfd[first_ctl].revents)
			cg_control_accept(ctl);
		if (pfd[0].revents)
			read_signals();
		if (sup.reload && !sup.stop) {
			sup.reload = false;
			reload();
		}
		now = cg_now_ms();
		if (now >= next_stats) {
			if (memcmp(&last, &l->st, sizeof(last)))
				log_stats("stats");
			last = l->st;
			next_stats = now + CG_STATS_INTERVAL_MS;
		}
	}
	free(pfd);
	return 0;
}

/*
 * Takes @cfg (freed here). Returns 0 after SIGTERM/SIGINT, or a negative
 * errno when it could not start.
 */
int cg_supervisor_run(const char *config_path, struct cg_config *cfg)
{
	unsigned int i;
	int ret;

	sup.path = config_path;
	sup.cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	sup.self = getpid();
	sup.sigfd = -1;
	sup.control.fd = -1;
	ret = setup_signals();
	if (ret < 0) {
		cg_err(MOD, "signals: %s", strerror(-ret));
		goto out;
	}
	ret = cg_control_open(&sup.control, sup.cfg.control_socket);
	if (ret < 0)
		goto out;
	ret = cg_listen_open(&sup.listener, &sup.cfg);
	if (ret < 0)
		goto out_control;
	ret = build_slots();
	if (ret < 0)
		goto out_listen;
	cg_info(MOD, "%u camera(s), %u display(s), %u worker(s)",
		sup.cfg.n_cameras, sup.cfg.n_displays, sup.n_slots);
	for (i = 0; i < sup.n_slots; i++)
		start_worker(&sup.slots[i]);
	ret = run();
	stop_workers();
	log_stats("exit");
	free_slots();
out_listen:
	cg_listen_close(&sup.listener);
out_control:
	cg_control_close(&sup.control);
out:
	if (sup.sigfd >= 0)
		close(sup.sigfd);
	cg_config_free(&sup.cfg);
	return ret;
}
