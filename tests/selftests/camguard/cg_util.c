// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the camguard selftests; see cg_util.h.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#ifdef CG_SHA256_BUILTIN
#include "cg_sha256.h"
#else
#include <openssl/evp.h>
#include <openssl/hmac.h>
#endif

#include "cg_util.h"

const struct cg_who cg_root = { .uid = 0, .gid = 0 };
const struct cg_who cg_a = { .uid = CG_UID_A, .gid = CG_GID_A };
const struct cg_who cg_b = { .uid = CG_UID_B, .gid = CG_GID_B };
const struct cg_who cg_c = { .uid = CG_UID_C, .gid = CG_GID_C };
const struct cg_who cg_ns_a = { .uid = CG_UID_A, .gid = CG_GID_A, .userns = true };

void cg_log(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "# [pid %d uid %d] ", getpid(), geteuid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", buf);
	fflush(stderr);
}

int64_t cg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cg_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int cg_scale(void)
{
	const char *s = getenv("CG_TIME_SCALE");
	int v = s ? atoi(s) : 1;

	return v > 0 ? v : 1;
}

int cg_become(const struct cg_who *who)
{
	uid_t u = who->userns ? who->ns_id : who->uid;
	gid_t g = who->userns ? who->ns_id : who->gid;

	if (setgroups(0, NULL))
		return -errno;
	if (setresgid(g, g, g))
		return -errno;
	if (setresuid(u, u, u))
		return -errno;
	/* The id change cleared these; /proc/self stays ours (fail-nth). */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	return 0;
}

/* ---- child processes ------------------------------------------------------ */

/* Namespace id 0 is @id outside; with @sub, ids 1..9 are sub.. too. */
static int cg_write_map(pid_t pid, const char *file, unsigned int id,
			unsigned int sub)
{
	char path[64], val[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	if (sub)
		snprintf(val, sizeof(val), "0 %u 1\n1 %u 9\n", id, sub);
	else
		snprintf(val, sizeof(val), "0 %u 1\n", id);
	return cg_write_file(path, val);
}

int cg_spawn(struct cg_proc *p, const struct cg_who *who, cg_fn fn, void *arg)
{
	int sv[2], up[2], down[2];	/* up: child -> parent, down: parent -> child */
	pid_t parent = getpid();
	char c = 0;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	if (pipe2(up, O_CLOEXEC) || pipe2(down, O_CLOEXEC)) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	fflush(stdout);
	fflush(stderr);
	p->pid = fork();
	if (p->pid < 0) {
		int err = -errno;

		close(sv[0]);
		close(sv[1]);
		close(up[0]);
		close(up[1]);
		close(down[0]);
		close(down[1]);
		return err;
	}
	if (p->pid == 0) {
		int ret;

		close(sv[0]);
		close(up[0]);
		close(down[1]);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (getppid() != parent)
			_exit(99);
		if (who->userns && who->ns_of) {
			char path[64];
			int nsfd;

			snprintf(path, sizeof(path), "/proc/%d/ns/user", who->ns_of);
			nsfd = open(path, O_RDONLY | O_CLOEXEC);
			if (nsfd < 0 || setns(nsfd, CLONE_NEWUSER)) {
				cg_log("joining the user namespace of %d: %s", who->ns_of,
				       strerror(errno));
				_exit(98);
			}
			close(nsfd);
		} else if (who->userns) {
			if (who->ns_by_user &&
			    (setgroups(0, NULL) || setresgid(who->gid, who->gid, who->gid) ||
			     setresuid(who->uid, who->uid, who->uid))) {
				cg_log("becoming %u:%u to make a namespace: %s", who->uid,
				       who->gid, strerror(errno));
				_exit(98);
			}
			if (unshare(CLONE_NEWUSER)) {
				cg_log("unshare(CLONE_NEWUSER): %s", strerror(errno));
				_exit(98);
			}
			/* the parent writes our maps, then answers 'm' */
			if (write(up[1], &c, 1) != 1)
				_exit(98);
			if (read(down[0], &c, 1) != 1 || c != 'm') {
				cg_log("no uid/gid map written by the parent");
				_exit(98);
			}
		}
		close(up[1]);
		close(down[0]);
		if (who->uid || who->gid || who->userns) {
			ret = cg_become(who);
			if (ret) {
				cg_log("cannot become uid %u gid %u%s: %s", who->uid,
				       who->gid, who->userns ? " (userns)" : "",
				       strerror(-ret));
				_exit(98);
			}
		}
		ret = fn(arg, sv[1]);
		fflush(stdout);
		fflush(stderr);
		_exit(ret);
	}
	close(sv[1]);
	close(up[1]);
	close(down[0]);
	p->ctl = sv[0];
	if (who->userns && !who->ns_of) {
		int ret = 0;

		if (read(up[0], &c, 1) != 1)
			ret = -EPIPE;
		if (!ret)
			ret = cg_write_map(p->pid, "uid_map", who->uid, who->ns_sub);
		if (!ret)
			ret = cg_write_map(p->pid, "gid_map", who->gid, who->ns_sub);
		c = ret ? 'x' : 'm';
		if (write(down[1], &c, 1) != 1 && !ret)
			ret = -EPIPE;
		if (ret) {
			cg_log("cannot map the user namespace of %d: %s", p->pid,
			       strerror(-ret));
			cg_kill(p, SIGKILL);
			cg_reap(p, 5000);
			close(up[0]);
			close(down[1]);
			return ret;
		}
	}
	close(up[0]);
	close(down[1]);
	return 0;
}

int cg_reap(struct cg_proc *p, int timeout_ms)
{
	int64_t deadline = cg_now_ms() + timeout_ms;
	int status, ret = -ETIMEDOUT;

	if (p->pid <= 0)
		return -ECHILD;
	for (;;) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);

		if (r == p->pid) {
			if (WIFEXITED(status))
				ret = WEXITSTATUS(status);
			else if (WIFSIGNALED(status))
				ret = 128 + WTERMSIG(status);
			break;
		}
		if (r < 0) {
			ret = -errno;
			break;
		}
		if (cg_now_ms() >= deadline) {
			cg_log("child %d still runs after %d ms: killed", p->pid, timeout_ms);
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			ret = -ETIMEDOUT;
			break;
		}
		cg_sleep_ms(10);
	}
	if (p->ctl >= 0)
		close(p->ctl);
	p->ctl = -1;
	p->pid = 0;
	return ret;
}

void cg_kill(struct cg_proc *p, int sig)
{
	if (p->pid > 0)
		kill(p->pid, sig);
}

int cg_ctl_send(int sock, const struct cg_ctl *m, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *cm;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) != sizeof(*m))
		return -errno ? -errno : -EIO;
	return 0;
}

int cg_ctl_recv(int sock, struct cg_ctl *m, int *fd, int timeout_ms)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	struct cmsghdr *cm;
	ssize_t n;
	int ret;

	if (fd)
		*fd = -1;
	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	if (n != sizeof(*m))
		return -EPROTO;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int rfd;

			memcpy(&rfd, CMSG_DATA(cm), sizeof(int));
			if (fd)
				*fd = rfd;
			else
				close(rfd);
		}
	}
	return 0;
}

int cg_say(int sock, int op, int64_t v0)
{
	struct cg_ctl m = { .op = op, .v = { v0 } };

	return cg_ctl_send(sock, &m, -1);
}

int cg_expect(int sock, int op, struct cg_ctl *m, int timeout_ms)
{
	struct cg_ctl tmp;
	int ret;

	if (!m)
		m = &tmp;
	ret = cg_ctl_recv(sock, m, NULL, timeout_ms);
	if (ret)
		return ret;
	return m->op == op ? 0 : -EPROTO;
}

/* ---- crypto ---------------------------------------------------------------- */

#ifdef CG_SHA256_BUILTIN
/* No libcrypto for the target (make check-arm64): cg_sha256.c. */
void cg_sha256(const void *p, size_t n, uint8_t out[32])
{
	cg_sha256_builtin(p, n, out);
}

void cg_hmac_sha256(const uint8_t *key, size_t klen, const void *p, size_t n,
		    uint8_t out[32])
{
	cg_hmac_sha256_builtin(key, klen, p, n, out);
}
#else
void cg_sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned int len = 32;

	if (!EVP_Digest(p, n, out, &len, EVP_sha256(), NULL))
		memset(out, 0xff, 32);
}

void cg_hmac_sha256(const uint8_t *key, size_t klen, const void *p, size_t n,
		    uint8_t out[32])
{
	unsigned int len = 32;

	if (!HMAC(EVP_sha256(), key, (int)klen, p, n, out, &len))
		memset(out, 0xff, 32);
}
#endif

void cg_hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = 0;
}

/* ---- frame tags ------------------------------------------------------------ */

int cg_frame_tag(const struct cg_msg *ev, struct camguard_frame_tag *tag)
{
	size_t len = 0;
	const void *p = cg_msg_data(ev, CAMGUARD_A_FRAME_TAG, &len);

	if (!p || len != sizeof(*tag))
		return -EPROTO;
	memcpy(tag, p, sizeof(*tag));
	return 0;
}

#define WHY(...) do { snprintf(why, whylen, __VA_ARGS__); return 1; } while (0)

int cg_check_frame(const struct cg_msg *ev, const struct cg_tag_expect *x,
		   const struct v4l2_buffer *b, const void *payload,
		   char *why, size_t whylen)
{
	struct camguard_frame_tag tag;
	uint8_t d[32], mac[32];
	char h1[65], h2[65];
	const void *emac;
	size_t len = 0;

	if (ev->cmd != CAMGUARD_CMD_FRAME)
		WHY("event %s, not FRAME", cg_cmd_name(ev->cmd));
	if (sizeof(tag) != 72)
		WHY("struct camguard_frame_tag is %zu bytes, not 72", sizeof(tag));
	if (cg_frame_tag(ev, &tag)) {
		cg_msg_data(ev, CAMGUARD_A_FRAME_TAG, &len);
		WHY("FRAME_TAG missing or %zu bytes (want %zu)", len, sizeof(tag));
	}
	if (cg_msg_u32(ev, CAMGUARD_A_CHAN_ID) != x->chan)
		WHY("event CHAN_ID %u, want %u", cg_msg_u32(ev, CAMGUARD_A_CHAN_ID), x->chan);
	if (!cg_msg_has(ev, CAMGUARD_A_CAM_ID) || cg_msg_u32(ev, CAMGUARD_A_CAM_ID) != x->cam)
		WHY("event CAM_ID %u (present %d), want %u",
		    cg_msg_u32(ev, CAMGUARD_A_CAM_ID), cg_msg_has(ev, CAMGUARD_A_CAM_ID), x->cam);
	if (tag.version != CAMGUARD_TAG_VERSION)
		WHY("tag version %u", tag.version);
	if (tag.flags != x->flags)
		WHY("tag flags %#x, want %#x", tag.flags, x->flags);
	if (le16toh(tag.camera) != x->cam)
		WHY("tag camera %u, want %u", le16toh(tag.camera), x->cam);
	if (le32toh(tag.channel_id) != x->chan)
		WHY("tag channel_id %u, want %u", le32toh(tag.channel_id), x->chan);
	if (le32toh(tag.owner_uid) != x->uid || le32toh(tag.owner_gid) != x->gid)
		WHY("tag owner %u:%u, want %u:%u", le32toh(tag.owner_uid),
		    le32toh(tag.owner_gid), x->uid, x->gid);
	if (x->stream_id && le64toh(tag.stream_id) != x->stream_id)
		WHY("tag stream_id %llu, want %llu",
		    (unsigned long long)le64toh(tag.stream_id),
		    (unsigned long long)x->stream_id);
	emac = cg_msg_data(ev, CAMGUARD_A_FRAME_MAC, &len);
	if (!emac || len != CAMGUARD_MAC_LEN)
		WHY("FRAME_MAC missing or %zu bytes", len);
	if (x->key) {
		cg_hmac_sha256(x->key, CAMGUARD_KEY_LEN, &tag, sizeof(tag), mac);
		if (memcmp(mac, emac, 32)) {
			cg_hex(mac, 32, h1);
			cg_hex(emac, 32, h2);
			WHY("MAC %s, HMAC-SHA256(key, tag) is %s", h2, h1);
		}
	}
	if (!b)
		return 0;
	if (le32toh(tag.sequence) != b->sequence)
		WHY("tag sequence %u, buffer sequence %u", le32toh(tag.sequence), b->sequence);
	if (le64toh(tag.timestamp_ns) / 1000 != cg_buf_ts_ns(b) / 1000)
		WHY("tag timestamp %llu ns, buffer timestamp %llu ns",
		    (unsigned long long)le64toh(tag.timestamp_ns),
		    (unsigned long long)cg_buf_ts_ns(b));
	if (le32toh(tag.payload_len) != b->bytesused)
		WHY("tag payload_len %u, bytesused %u", le32toh(tag.payload_len), b->bytesused);
	if (tag.flags & CAMGUARD_TAG_F_NO_DIGEST) {
		memset(d, 0, sizeof(d));
		if (memcmp(d, tag.digest, 32))
			WHY("NO_DIGEST tag with a non-zero digest");
		return 0;
	}
	cg_sha256(payload, b->bytesused, d);
	if (memcmp(d, tag.digest, 32)) {
		cg_hex(d, 32, h1);
		cg_hex(tag.digest, 32, h2);
		WHY("tag digest %s, SHA-256 of the %u dequeued bytes %s (seq %u)",
		    h2, b->bytesused, h1, b->sequence);
	}
	return 0;
}

void cg_frames_init(struct cg_frames *f, struct cg_nl *nl)
{
	memset(f, 0, sizeof(*f));
	f->nl = nl;
}

static bool cg_frames_take(struct cg_frames *f, uint32_t chan, uint32_t seq,
			   struct cg_msg *out)
{
	struct camguard_frame_tag tag;
	unsigned int i;

	for (i = 0; i < f->n; i++) {
		if (cg_msg_u32(&f->ev[i], CAMGUARD_A_CHAN_ID) != chan)
			continue;
		if (cg_frame_tag(&f->ev[i], &tag) || le32toh(tag.sequence) != seq)
			continue;
		*out = f->ev[i];
		f->ev[i] = f->ev[--f->n];
		return true;
	}
	return false;
}

int cg_frames_get(struct cg_frames *f, uint32_t chan, uint32_t seq,
		  int timeout_ms, struct cg_msg *out)
{
	int64_t deadline = cg_now_ms() + timeout_ms;
	struct cg_msg *ev = malloc(sizeof(*ev));
	int ret = 0;

	if (!ev)
		return -ENOMEM;
	while (!cg_frames_take(f, chan, seq, out)) {
		int64_t left = deadline - cg_now_ms();

		ret = cg_nl_event(f->nl, left > 0 ? (int)left : 0, ev);
		if (ret <= 0)
			goto out;
		if (ev->cmd != CAMGUARD_CMD_FRAME) {
			f->others++;
			continue;
		}
		if (f->n == sizeof(f->ev) / sizeof(f->ev[0])) {
			/* drop the oldest: it was never dequeued */
			memmove(&f->ev[0], &f->ev[1], (f->n - 1) * sizeof(f->ev[0]));
			f->n--;
		}
		f->ev[f->n++] = *ev;
	}
	ret = 1;
out:
	free(ev);
	return ret;
}

/* ---- environment ----------------------------------------------------------- */

int cg_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n, len = (ssize_t)strlen(val);
	int ret = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		ret = -errno;
	else if (n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

static int cg_read_long(const char *path, long *v)
{
	char buf[64];
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f))
		ret = -EIO;
	fclose(f);
	if (ret)
		return ret;
	if (buf[0] == 'Y')
		*v = 1;
	else if (buf[0] == 'N')
		*v = 0;
	else
		*v = strtol(buf, NULL, 0);
	return 0;
}

int cg_param_read(const char *name, long *v)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/camguard/parameters/%s", name);
	return cg_read_long(path, v);
}

int cg_param_write(const char *name, long v)
{
	char path[128], val[32];

	snprintf(path, sizeof(path), "/sys/module/camguard/parameters/%s", name);
	snprintf(val, sizeof(val), "%ld", v);
	return cg_write_file(path, val);
}

int cg_root_set_ctrl(int cam, uint32_t id, int32_t v)
{
	int64_t end = cg_now_ms() + cg_tmo(3000);
	struct cg_cam c;
	int ret;

	for (;;) {
		ret = cg_cam_open(&c, cam);
		if (!ret) {
			ret = cg_cam_set_ctrl(&c, id, v);
			cg_cam_close(&c);
		}
		if (ret != -EBUSY || cg_now_ms() > end)
			return ret;
		cg_sleep_ms(50);
	}
}

long cg_cam_stat(int cam, const char *name)
{
	char path[128];
	long v;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/camguard.%d/stats/%s",
		 cam, name);
	return cg_read_long(path, &v) ? -1 : v;
}

const char *cg_env(int ncams, bool *skip)
{
	static char why[200];
	struct cg_nl nl;
	long cams;
	int i, ret;

	*skip = true;
	if (geteuid() != 0)
		return "the camguard selftests run as root (they switch to test uids themselves)";
	if (access("/sys/module/camguard", F_OK))
		return "the camguard module is not loaded (insmod camguard.ko first)";
	if (access("/sys/module/camguard_vcam", F_OK))
		return "the virtual camera is not loaded (insmod camguard_vcam.ko after camguard.ko)";
	cams = 0;
	if (cg_read_long("/sys/module/camguard_vcam/parameters/cameras", &cams) ||
	    cams < ncams) {
		snprintf(why, sizeof(why),
			 "the test needs %d cameras (camguard_vcam parameter cameras=%ld)",
			 ncams, cams);
		return why;
	}
	*skip = false;
	for (i = 0; i < ncams; i++) {
		char path[64];

		ret = cg_wait_node(i, 5000);
		if (!ret)
			ret = cg_node_path(i, path, sizeof(path));
		if (ret) {
			snprintf(why, sizeof(why), "camera %d has no video node: %s", i,
				 strerror(-ret));
			return why;
		}
		if (chmod(path, 0666)) {
			snprintf(why, sizeof(why), "chmod 0666 %s: %s", path, strerror(errno));
			return why;
		}
	}
	ret = cg_nl_open(&nl);
	if (ret) {
		snprintf(why, sizeof(why), "no usable \"%s\" generic netlink family: %s",
			 CAMGUARD_GENL_NAME, strerror(-ret));
		return why;
	}
	cg_nl_close(&nl);
	return NULL;
}

int cg_wait_node(int cam, int timeout_ms)
{
	int64_t deadline = cg_now_ms() + timeout_ms;
	char path[64];

	for (;;) {
		if (!cg_node_path(cam, path, sizeof(path)) && !access(path, F_OK)) {
			chmod(path, 0666);
			return 0;
		}
		if (cg_now_ms() > deadline)
			return -ENODEV;
		cg_sleep_ms(50);
	}
}

int cg_rebind(int cam)
{
	char dev[32];
	int ret;

	snprintf(dev, sizeof(dev), "camguard.%d", cam);
	/* unbind may fail if already unbound: ignore */
	cg_write_file("/sys/bus/platform/drivers/camguard/unbind", dev);
	ret = cg_write_file("/sys/bus/platform/drivers/camguard/bind", dev);
	if (ret)
		return ret;
	return cg_wait_node(cam, 10000);
}

/* ---- a verified stream -------------------------------------------------- */

int cg_tmo(int ms)
{
	return ms * cg_scale();
}

void cg_stream_opts_init(struct cg_stream_opts *o, int cam, const struct cg_who *who)
{
	memset(o, 0, sizeof(*o));
	o->cam = cam;
	o->frames = 5;
	o->channel = true;
	o->chan_flags = CG_NO_FLAGS;
	o->uid = who->uid;
	o->gid = who->gid;
	o->ns_uid = who->userns ? 0 : who->uid;
	o->ns_gid = who->userns ? 0 : who->gid;
	o->fd = -1;
	o->ctl = -1;
}

static bool cg_is_black_yuyv(const uint8_t *p, size_t n, size_t *bad)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2) {
		if (p[i] != 16 || p[i + 1] != 128) {
			*bad = i;
			return false;
		}
	}
	return true;
}

int cg_streamer(const struct cg_stream_opts *o, struct cg_stream_result *r)
{
	struct cg_stream_info si;
	struct cg_tag_expect x = { 0 };
	struct cg_frames *fr = NULL;
	struct cg_msg *ev = NULL;
	struct cg_nl nl = { .fd = -1 };
	struct cg_cam cam = { .fd = -1 };
	uint8_t key[CAMGUARD_KEY_LEN];
	uint32_t last_seq = 0;
	char why[300];
	int i, ret, rc = 1;

	memset(r, 0, sizeof(*r));
	fr = malloc(sizeof(*fr));
	ev = malloc(sizeof(*ev));
	if (!fr || !ev)
		goto out;
	ret = cg_nl_open(&nl);
	if (ret) {
		cg_log("netlink open: %s", strerror(-ret));
		goto out;
	}
	if (o->channel) {
		ret = cg_chan_new(&nl, "streamer", o->key, o->chan_flags, &r->chan, key);
		if (ret) {
			cg_log("CHAN_NEW: %s (%s)", strerror(-ret), nl.ext_msg);
			goto out;
		}
		if (o->key && memcmp(key, o->key, sizeof(key))) {
			cg_log("CHAN_NEW reply key differs from the key given");
			goto out;
		}
		ret = cg_chan_attach(&nl, r->chan, o->cam);
		if (ret) {
			cg_log("CHAN_ATTACH %u to camera %d: %s (%s)", r->chan, o->cam,
			       strerror(-ret), nl.ext_msg);
			goto out;
		}
	}
	if (o->fd >= 0) {
		cg_cam_adopt(&cam, o->fd, o->cam);
	} else {
		ret = cg_cam_open(&cam, o->cam);
		if (!ret)
			ret = cg_cam_set_fmt(&cam, o->width ? o->width : 320,
					     o->height ? o->height : 240, 0, 0);
		if (ret) {
			cg_log("open/S_FMT camera %d: %s", o->cam, strerror(-ret));
			goto out;
		}
	}
	ret = cg_cam_start(&cam, 8);
	if (ret) {
		cg_log("REQBUFS/STREAMON camera %d: %s", o->cam, strerror(-ret));
		goto out;
	}
	ret = o->no_stream_get ? 1 : cg_stream_of(&nl, o->cam, &si);
	if (o->no_stream_get) {
		memset(&si, 0, sizeof(si));
		si.uid = o->ns_uid;
		si.gid = o->ns_gid;
		si.id = 1;
	}
	if (ret != 1) {
		cg_log("STREAM_GET: no stream of camera %d for its owner (%s)", o->cam,
		       ret < 0 ? strerror(-ret) : "not listed");
		goto out;
	}
	if (si.uid != o->ns_uid || si.gid != o->ns_gid || !si.id) {
		cg_log("STREAM_GET: stream %llu owner %u:%u, want %u:%u",
		       (unsigned long long)si.id, si.uid, si.gid, o->ns_uid, o->ns_gid);
		goto out;
	}
	r->stream_id = o->no_stream_get ? 0 : si.id;
	if (o->pause) {
		struct cg_ctl m = { .op = 'S', .v = { (int64_t)r->stream_id } };

		if (cg_ctl_send(o->ctl, &m, -1) || cg_expect(o->ctl, 'G', NULL, 600000)) {
			cg_log("no go from the test after STREAMON");
			goto out;
		}
	}
	x.cam = (uint32_t)o->cam;
	x.chan = r->chan;
	x.uid = o->uid;
	x.gid = o->gid;
	x.stream_id = r->stream_id;
	x.key = key;
	x.flags = o->tag_flags;
	cg_frames_init(fr, &nl);
	for (i = 0; i < o->frames; i++) {
		struct v4l2_buffer b;
		const uint8_t *p;
		size_t bad;

		ret = cg_cam_dqbuf(&cam, &b, cg_tmo(5000));
		if (ret) {
			cg_log("DQBUF %d: %s", i, strerror(-ret));
			goto out;
		}
		if (b.index >= cam.nbuf || b.bytesused > cam.len[b.index]) {
			cg_log("DQBUF: index %u bytesused %u", b.index, b.bytesused);
			goto out;
		}
		p = cam.map[b.index];
		if (b.flags & V4L2_BUF_FLAG_ERROR) {
			cg_log("DQBUF: buffer %u seq %u has the ERROR flag", b.index, b.sequence);
			goto out;
		}
		/* Frames complete in order, whatever context completed them. */
		if (i && b.sequence <= last_seq) {
			cg_log("DQBUF: seq %u after seq %u: frames completed out of order",
			       b.sequence, last_seq);
			goto out;
		}
		last_seq = b.sequence;
		if (o->black && !cg_is_black_yuyv(p, b.bytesused, &bad)) {
			cg_log("muted frame seq %u is not black at byte %zu: %u %u", b.sequence,
			       bad, p[bad], p[bad + 1]);
			goto out;
		}
		if (o->channel) {
			ret = cg_frames_get(fr, r->chan, b.sequence, cg_tmo(3000), ev);
			if (ret != 1) {
				cg_log("no FRAME event for seq %u within %d ms (%s)", b.sequence,
				       cg_tmo(3000), ret < 0 ? strerror(-ret) : "timeout");
				goto out;
			}
			if (cg_check_frame(ev, &x, &b, p, why, sizeof(why))) {
				cg_log("frame seq %u: %s", b.sequence, why);
				goto out;
			}
		}
		r->checked++;
		ret = cg_cam_qbuf(&cam, b.index);
		if (ret) {
			cg_log("QBUF: %s", strerror(-ret));
			goto out;
		}
	}
	if (o->channel) {
		struct cg_chan_info ci;

		ret = cg_chan_find(&nl, r->chan, &ci);
		if (ret != 1) {
			cg_log("CHAN_GET: channel %u not listed (%d)", r->chan, ret);
			goto out;
		}
		if (ci.delivered < (uint64_t)o->frames || ci.withheld || ci.has_key) {
			cg_log("CHAN_GET: channel %u delivered %llu (want >= %d), withheld %llu, key %s",
			       r->chan, (unsigned long long)ci.delivered, o->frames,
			       (unsigned long long)ci.withheld, ci.has_key ? "SHOWN" : "hidden");
			goto out;
		}
	}
	rc = 0;
out:
	if (cam.fd >= 0) {
		cg_cam_stop(&cam);
		cg_cam_close(&cam);
	}
	if (nl.fd >= 0)
		cg_nl_close(&nl);
	free(fr);
	free(ev);
	return rc;
}

int cg_streamer_child(void *arg, int ctl)
{
	struct cg_stream_result r;
	struct cg_ctl m = { .op = 'R' };
	struct cg_stream_opts o = *(const struct cg_stream_opts *)arg;
	int rc;

	o.ctl = ctl;
	rc = cg_streamer(&o, &r);

	m.err = rc;
	m.v[0] = (int64_t)r.stream_id;
	m.v[1] = r.chan;
	m.v[2] = r.checked;
	cg_ctl_send(ctl, &m, -1);
	return rc;
}

int cg_viewer_child(void *arg, int ctl)
{
	const struct cg_viewer *v = arg;
	struct cg_tag_expect x = { 0 };
	struct cg_ctl m = { .op = 'A' };
	struct cg_msg *ev = malloc(sizeof(*ev));
	struct camguard_frame_tag tag;
	uint8_t key[CAMGUARD_KEY_LEN];
	struct cg_nl nl;
	char why[300];
	uint32_t chan = 0;
	int i, ret, rc = 1;

	if (!ev)
		return 1;
	for (i = 0; i < CAMGUARD_KEY_LEN; i++)
		key[i] = (uint8_t)(rand() ^ getpid() ^ i);
	ret = cg_nl_open(&nl);
	if (ret) {
		cg_log("netlink open: %s", strerror(-ret));
		free(ev);
		return 1;
	}
	ret = cg_chan_new(&nl, "viewer", key, v->chan_flags ? v->chan_flags : CG_NO_FLAGS,
			  &chan, NULL);
	if (ret) {
		cg_log("CHAN_NEW: %s (%s)", strerror(-ret), nl.ext_msg);
		goto out;
	}
	ret = cg_chan_attach(&nl, chan, (uint32_t)v->cam);
	m.err = ret;
	m.v[0] = chan;
	snprintf(m.s, sizeof(m.s), "%.150s", nl.ext_msg);
	cg_ctl_send(ctl, &m, -1);
	if (ret != v->want_attach) {
		cg_log("CHAN_ATTACH to camera %d: %d (%s), want %d; extack \"%s\"", v->cam,
		       ret, strerror(-ret), v->want_attach, nl.ext_msg);
		goto out;
	}
	if (ret && !nl.ext_msg[0]) {
		cg_log("CHAN_ATTACH refused (%s) without an extack message", strerror(-ret));
		goto out;
	}
	if (ret) {
		rc = 0;
		goto out;
	}
	x.cam = (uint32_t)v->cam;
	x.chan = chan;
	x.uid = v->uid;
	x.gid = v->gid;
	x.key = key;
	for (i = 0; i < v->frames; i++) {
		struct cg_ctl t = { .op = 'T' };

		ret = cg_nl_event_cmd(&nl, CAMGUARD_CMD_FRAME, cg_tmo(10000), ev);
		if (ret != 1) {
			cg_log("FRAME event %d of %d: %s", i + 1, v->frames,
			       ret ? strerror(-ret) : "none within the timeout");
			goto out;
		}
		if (cg_check_frame(ev, &x, NULL, NULL, why, sizeof(why))) {
			cg_log("FRAME event: %s", why);
			goto out;
		}
		cg_frame_tag(ev, &tag);
		t.v[0] = le32toh(tag.sequence);
		t.v[1] = (int64_t)le64toh(tag.stream_id);
		memcpy(t.s, tag.digest, 32);
		cg_ctl_send(ctl, &t, -1);
	}
	if (v->frames)
		cg_say(ctl, 'D', 0);
	if (v->quiet_ms) {
		struct cg_chan_info ci;
		struct cg_ctl c = { .op = 'C' };

		ret = cg_nl_event_cmd(&nl, CAMGUARD_CMD_FRAME, v->quiet_ms, ev);
		if (ret != 0) {
			if (ret == 1 && !cg_frame_tag(ev, &tag))
				cg_log("got a FRAME event (owner %u, stream %llu, seq %u): frames of another owner reached this channel",
				       le32toh(tag.owner_uid),
				       (unsigned long long)le64toh(tag.stream_id),
				       le32toh(tag.sequence));
			else
				cg_log("waiting for no event: %d", ret);
			goto out;
		}
		ret = cg_chan_find(&nl, chan, &ci);
		if (ret != 1) {
			cg_log("CHAN_GET: channel %u not found (%d)", chan, ret);
			goto out;
		}
		c.v[0] = (int64_t)ci.delivered;
		c.v[1] = (int64_t)ci.withheld;
		cg_ctl_send(ctl, &c, -1);
	}
	if (cg_expect(ctl, 'Q', NULL, 600000)) {
		cg_log("no quit from the test");
		goto out;
	}
	rc = 0;
out:
	cg_nl_close(&nl);
	free(ev);
	return rc;
}

void cg_fill_marker(uint8_t *p, size_t n, const uint8_t marker[16])
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = marker[i % 16];
}

long cg_count_marker(const uint8_t *p, size_t n, const uint8_t marker[16])
{
	const uint8_t *end = p + n;
	long hits = 0;

	while (p < end) {
		const uint8_t *q = memmem(p, (size_t)(end - p), marker, 8);

		if (!q)
			break;
		hits++;
		p = q + 8;
	}
	return hits;
}
