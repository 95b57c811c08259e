// SPDX-License-Identifier: GPL-2.0
/*
 * cg-bench: what frame tagging costs. A benchmark, not a test: it measures
 * and prints, and fails only when the measurement itself broke.
 *
 * One run (cg-bench --camera N --size WxH --fps F --digest on|off):
 *   S_FMT YUYV WxH and S_PARM 1/F on the camera's node; CHAN_NEW and
 *   CHAN_ATTACH of a channel on a generic netlink socket; MMAP streaming of
 *   --warmup + --frames frames, polling the video node and the socket.
 *   Over the --frames measured frames it reports:
 *     - delivered fps, from the buffers' timestamps;
 *     - CPU per frame of the camera's frame generator kthread
 *       ("camguard-N": memcpy of the picture, pixel stamp, SHA-256 of the
 *       payload, HMAC and netlink event per channel), from
 *       /proc/<pid>/schedstat (ns; /proc/<pid>/stat ticks as a fallback);
 *     - CPU per frame of this process (getrusage: DQBUF, QBUF, recv);
 *     - latency A = CLOCK_MONOTONIC right after recv() of the frame event
 *       minus the tag's timestamp_ns (the buffer timestamp, taken just
 *       before tagging: includes the digest), and latency B = the same
 *       minus CAMGUARD_A_EVENT_NS (event delivery only); p50, p99, max.
 *   Every event's HMAC-SHA256 is checked with OpenSSL after the run (out of
 *   the timed path), as are the tag's fields against the dequeued buffers,
 *   and the payload digest of the first --check-digest frames.
 *
 * --matrix SIZES runs every size with the module parameter digest=1 and
 * digest=0 and prints the table (tagging cost = kthread CPU on - off).
 * --sha WxH times OpenSSL's SHA-256 of one YUYV frame in this process
 * (used on the host for the native reference, and in the guest).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/videodev2.h>
#include <linux/camguard.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define DIGEST_PARAM "/sys/module/camguard/parameters/digest"
#define MAX_BUFS 32
#define NL_BUF 65536

static const char *prog = "cg-bench";
static bool verbose;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) *
		       1000000000ull +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) *
		       1000ull;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die("out of memory");
	return p;
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, req, arg);
	while (ret < 0 && errno == EINTR);
	return ret;
}

static uint16_t le16(const void *p)
{
	const uint8_t *b = p;

	return (uint16_t)(b[0] | b[1] << 8);
}

static uint32_t le32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static uint64_t le64(const void *p)
{
	return le32(p) | (uint64_t)le32((const uint8_t *)p + 4) << 32;
}

/* ---- generic netlink --------------------------------------------------- */

struct nl {
	int fd;
	uint16_t family;
	uint32_t seq;
	char errmsg[256];
};

struct nlreq {
	union {
		struct nlmsghdr nlh;
		unsigned char buf[1024];
	};
};

static void req_init(struct nlreq *r, struct nl *nl, uint16_t type, uint8_t cmd,
		     uint16_t flags)
{
	struct genlmsghdr *g;

	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nlh.nlmsg_type = type;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	r->nlh.nlmsg_seq = ++nl->seq;
	g = NLMSG_DATA(&r->nlh);
	g->cmd = cmd;
	g->version = CAMGUARD_GENL_VERSION;
}

static void req_put(struct nlreq *r, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(r->buf + NLMSG_ALIGN(r->nlh.nlmsg_len));

	if (NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(r->buf))
		die("netlink request too long");
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((unsigned char *)a + NLA_HDRLEN, data, len);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void req_u32(struct nlreq *r, uint16_t type, uint32_t v)
{
	req_put(r, type, &v, sizeof(v));
}

/* NLMSG_OK without its signed/unsigned comparison. */
static bool nl_ok(const struct nlmsghdr *h, int len)
{
	return len >= (int)sizeof(*h) && h->nlmsg_len >= sizeof(*h) &&
	       h->nlmsg_len <= (unsigned int)len;
}

/* Attributes of a genl message, indexed by type (NULL: absent). */
static void parse_attrs(const struct nlmsghdr *h, const struct nlattr **tb, int max)
{
	const unsigned char *p = (const unsigned char *)NLMSG_DATA(h) + GENL_HDRLEN;
	int left = (int)h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	while (left >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		int type = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > left)
			break;
		if (type <= max)
			tb[type] = a;
		p += NLA_ALIGN(a->nla_len);
		left -= NLA_ALIGN(a->nla_len);
	}
}

static const void *nla_data(const struct nlattr *a)
{
	return (const unsigned char *)a + NLA_HDRLEN;
}

static int nla_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

/* The extack message of an NLMSG_ERROR, if any. */
static void ext_msg(struct nl *nl, const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	const unsigned char *p;
	int left;

	nl->errmsg[0] = 0;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	p = (const unsigned char *)e + sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		p += NLMSG_ALIGN(e->msg.nlmsg_len) - sizeof(e->msg);
	left = (int)h->nlmsg_len - (int)(p - (const unsigned char *)h);
	while (left >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > left)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(nl->errmsg, sizeof(nl->errmsg), "%.*s",
				 nla_len(a), (const char *)nla_data(a));
			return;
		}
		p += NLA_ALIGN(a->nla_len);
		left -= NLA_ALIGN(a->nla_len);
	}
}

/*
 * Send @r with NLM_F_ACK, wait for its ack; the first reply message of the
 * same sequence goes to @reply (NL_BUF bytes, may be NULL). Messages of
 * other sequence numbers (events) are discarded: requests are only made
 * while no frames flow. Returns 0 or -errno.
 */
static int nl_do(struct nl *nl, struct nlreq *r, void *reply)
{
	static unsigned char buf[NL_BUF];
	bool have_reply = false;
	struct pollfd pfd = { .fd = nl->fd, .events = POLLIN };
	ssize_t n;

	nl->errmsg[0] = 0;
	r->nlh.nlmsg_flags |= NLM_F_ACK;
	if (send(nl->fd, r, r->nlh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *h;
		int len;

		if (poll(&pfd, 1, 10000) <= 0)
			return -ETIMEDOUT;
		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			return -errno;
		}
		len = (int)n;
		for (h = (const struct nlmsghdr *)buf; nl_ok(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != r->nlh.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				ext_msg(nl, h);
				return e->error;
			}
			if (reply && !have_reply) {
				memcpy(reply, h, h->nlmsg_len);
				have_reply = true;
			}
		}
	}
}

static void nl_open(struct nl *nl)
{
	static unsigned char reply[NL_BUF];
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, rcvbuf = 4 << 20, ret;
	struct nlreq r;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		die("netlink socket: %s", strerror(errno));
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("netlink bind: %s", strerror(errno));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Room for every event of a run: a dropped event would be a missing sample. */
	if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

	req_init(&r, nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	((struct genlmsghdr *)NLMSG_DATA(&r.nlh))->version = 1;
	req_put(&r, CTRL_ATTR_FAMILY_NAME, CAMGUARD_GENL_NAME,
		sizeof(CAMGUARD_GENL_NAME));
	ret = nl_do(nl, &r, reply);
	if (ret)
		die("generic netlink family \"%s\": %s%s%s (is camguard loaded?)",
		    CAMGUARD_GENL_NAME, strerror(-ret), nl->errmsg[0] ? ": " : "",
		    nl->errmsg);
	parse_attrs((const struct nlmsghdr *)reply, tb, CTRL_ATTR_MAX);
	if (!tb[CTRL_ATTR_FAMILY_ID])
		die("no family id in the CTRL_CMD_GETFAMILY reply");
	nl->family = *(const uint16_t *)nla_data(tb[CTRL_ATTR_FAMILY_ID]);
}

static uint32_t chan_new(struct nl *nl, uint8_t key[CAMGUARD_KEY_LEN])
{
	static unsigned char reply[NL_BUF];
	const struct nlattr *tb[CAMGUARD_A_MAX + 1];
	struct nlreq r;
	int ret;

	req_init(&r, nl, nl->family, CAMGUARD_CMD_CHAN_NEW, 0);
	req_put(&r, CAMGUARD_A_CHAN_NAME, "cg-bench", sizeof("cg-bench"));
	ret = nl_do(nl, &r, reply);
	if (ret)
		die("CHAN_NEW: %s%s%s", strerror(-ret), nl->errmsg[0] ? ": " : "",
		    nl->errmsg);
	parse_attrs((const struct nlmsghdr *)reply, tb, CAMGUARD_A_MAX);
	if (!tb[CAMGUARD_A_CHAN_ID] || nla_len(tb[CAMGUARD_A_CHAN_ID]) != 4 ||
	    !tb[CAMGUARD_A_CHAN_KEY] ||
	    nla_len(tb[CAMGUARD_A_CHAN_KEY]) != CAMGUARD_KEY_LEN)
		die("CHAN_NEW reply without CHAN_ID or a %d-byte CHAN_KEY",
		    CAMGUARD_KEY_LEN);
	memcpy(key, nla_data(tb[CAMGUARD_A_CHAN_KEY]), CAMGUARD_KEY_LEN);
	return *(const uint32_t *)nla_data(tb[CAMGUARD_A_CHAN_ID]);
}

static void chan_attach(struct nl *nl, uint32_t chan, uint32_t cam)
{
	struct nlreq r;
	int ret;

	req_init(&r, nl, nl->family, CAMGUARD_CMD_CHAN_ATTACH, 0);
	req_u32(&r, CAMGUARD_A_CHAN_ID, chan);
	req_u32(&r, CAMGUARD_A_CAM_ID, cam);
	ret = nl_do(nl, &r, NULL);
	if (ret)
		die("CHAN_ATTACH channel %u to camera %u: %s%s%s", chan, cam,
		    strerror(-ret), nl->errmsg[0] ? ": " : "", nl->errmsg);
}

static void chan_del(struct nl *nl, uint32_t chan)
{
	struct nlreq r;
	int ret;

	req_init(&r, nl, nl->family, CAMGUARD_CMD_CHAN_DEL, 0);
	req_u32(&r, CAMGUARD_A_CHAN_ID, chan);
	ret = nl_do(nl, &r, NULL);
	if (ret)
		die("CHAN_DEL channel %u: %s%s%s", chan, strerror(-ret),
		    nl->errmsg[0] ? ": " : "", nl->errmsg);
}

/* ---- camera, kthread, module parameter ----------------------------------- */

/* The camguard camera id N of a node whose sysfs name is "camguard-N". */
static int camera_of_node(const char *dev)
{
	char path[256], name[64];
	const char *base = strrchr(dev, '/');
	FILE *f;
	int id;

	snprintf(path, sizeof(path), "/sys/class/video4linux/%s/name",
		 base ? base + 1 : dev);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(name, sizeof(name), f))
		name[0] = 0;
	fclose(f);
	if (sscanf(name, "camguard-%d", &id) != 1)
		return -1;
	return id;
}

/* The /dev/videoX of camera @cam, into @dev. */
static bool node_of_camera(int cam, char *dev, size_t size)
{
	DIR *d = opendir("/sys/class/video4linux");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (strncmp(e->d_name, "video", 5))
			continue;
		snprintf(dev, size, "/dev/%s", e->d_name);
		found = camera_of_node(dev) == cam;
	}
	closedir(d);
	return found;
}

/* The pid of the kthread "camguard-@cam" (its parent is kthreadd), or -1. */
static int find_kthread(int cam)
{
	char want[32], path[300], buf[512];
	DIR *d = opendir("/proc");
	struct dirent *e;
	int pid = -1;

	if (!d)
		return -1;
	snprintf(want, sizeof(want), "(camguard-%d)", cam);
	while (pid < 0 && (e = readdir(d))) {
		int ppid = -1;
		char *rp;
		FILE *f;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && strstr(buf, want)) {
			rp = strrchr(buf, ')');
			if (rp && sscanf(rp + 1, " %*c %d", &ppid) == 1 && ppid == 2)
				pid = atoi(e->d_name);
		}
		fclose(f);
	}
	closedir(d);
	return pid;
}

/*
 * CPU time of a task in ns: the first field of /proc/<pid>/schedstat
 * (sum_exec_runtime, ns), else utime + stime of /proc/<pid>/stat (clock
 * ticks). *precise says which. Returns -1 if the task is gone.
 */
static int64_t task_cpu_ns(int pid, bool *precise)
{
	char path[64], buf[1024];
	unsigned long long run, ut, st;
	char *rp;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	f = fopen(path, "r");
	if (f) {
		bool ok = fscanf(f, "%llu", &run) == 1;

		fclose(f);
		if (ok) {
			*precise = true;
			return (int64_t)run;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	rp = strrchr(buf, ')');
	/* fields 3..15 after the comm: state ... utime(14) stime(15) */
	if (!rp || sscanf(rp + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			  &ut, &st) != 2)
		return -1;
	*precise = false;
	return (int64_t)((ut + st) * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK)));
}

static int read_digest_param(void)
{
	char c = 0;
	FILE *f = fopen(DIGEST_PARAM, "r");

	if (!f)
		return -1;
	if (fread(&c, 1, 1, f) != 1)
		c = 0;
	fclose(f);
	return c == 'Y' || c == '1' ? 1 : c == 'N' || c == '0' ? 0 : -1;
}

static void write_digest_param(int on)
{
	FILE *f = fopen(DIGEST_PARAM, "w");

	if (!f || fputs(on ? "1\n" : "0\n", f) < 0 || fclose(f) != 0)
		die("cannot write %s: %s", DIGEST_PARAM, strerror(errno));
	if (read_digest_param() != on)
		die("%s did not take the value %d", DIGEST_PARAM, on);
}

static long read_vcam_stat(int cam, const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/camguard.%d/stats/%s",
		 cam, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* ---- one run --------------------------------------------------------------- */

struct opts {
	int cam;
	char dev[300];
	unsigned int width, height, fps;
	unsigned int frames, warmup, nbufs, check_digest;
	int digest;		/* 1, 0, -1: leave the parameter alone */
	int timeout_s;
};

struct frame {
	uint32_t seq;
	uint64_t ts_us;		/* the buffer's timestamp (struct timeval) */
	bool in_window;
};

struct event {
	uint64_t recv_ns, event_ns;
	uint32_t chan;
	uint8_t tag[sizeof(struct camguard_frame_tag)];
	uint8_t mac[CAMGUARD_MAC_LEN];
	bool has_mac, has_ns, tag_ok;
};

struct stats {
	double p50, p99, max;
	unsigned int n;
};

struct result {
	unsigned int width, height, fps_req;
	double interval_us;
	int digest;			/* the parameter during the run */
	double fps;			/* delivered, buffer timestamps */
	double kthread_us;		/* per frame; < 0: unknown */
	bool kthread_precise;
	double self_us;
	struct stats lat_a, lat_b;	/* us */
	unsigned int frames;		/* dequeued in the window */
	unsigned int gaps;		/* sequence numbers missing in the window */
	long late;			/* vcam frames_late during the run */
	unsigned int events, missing, mac_ok, mac_bad, tag_bad, overruns, revoked;
	unsigned int digest_checked, digest_bad;
	uint32_t sizeimage;
	bool broken;
	char why[256];
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct stats percentiles(uint64_t *v, unsigned int n)
{
	struct stats s = { 0 };

	s.n = n;
	if (!n)
		return s;
	qsort(v, n, sizeof(*v), cmp_u64);
	/* nearest rank */
	s.p50 = (double)v[(n * 50 + 99) / 100 - 1] / 1000.0;
	s.p99 = (double)v[(n * 99 + 99) / 100 - 1] / 1000.0;
	s.max = (double)v[n - 1] / 1000.0;
	return s;
}

/*
 * Read every pending message on the socket; stamp each datagram right
 * after its recv(). Returns false on a fatal socket error.
 */
static bool drain_events(struct nl *nl, struct event *ev, unsigned int *nev,
			 unsigned int cap, struct result *res)
{
	static unsigned char buf[NL_BUF];

	for (;;) {
		const struct nlattr *tb[CAMGUARD_A_MAX + 1];
		const struct nlmsghdr *h;
		uint64_t t;
		ssize_t n;
		int len;

		n = recv(nl->fd, buf, sizeof(buf), MSG_DONTWAIT);
		t = now_ns();
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return true;
			if (errno == ENOBUFS) {
				res->overruns++;
				continue;
			}
			snprintf(res->why, sizeof(res->why), "netlink recv: %s",
				 strerror(errno));
			return false;
		}
		len = (int)n;
		for (h = (const struct nlmsghdr *)buf; nl_ok(h, len);
		     h = NLMSG_NEXT(h, len)) {
			const struct genlmsghdr *g = NLMSG_DATA(h);
			struct event *e;

			if (h->nlmsg_type != nl->family)
				continue;
			if (g->cmd == CAMGUARD_CMD_CHAN_REVOKED) {
				res->revoked++;
				continue;
			}
			if (g->cmd != CAMGUARD_CMD_FRAME)
				continue;
			if (*nev >= cap) {
				res->events++;
				continue;
			}
			e = &ev[(*nev)++];
			res->events++;
			memset(e, 0, sizeof(*e));
			e->recv_ns = t;
			parse_attrs(h, tb, CAMGUARD_A_MAX);
			if (tb[CAMGUARD_A_FRAME_TAG] &&
			    nla_len(tb[CAMGUARD_A_FRAME_TAG]) == sizeof(e->tag)) {
				memcpy(e->tag, nla_data(tb[CAMGUARD_A_FRAME_TAG]),
				       sizeof(e->tag));
				e->tag_ok = true;
			}
			if (tb[CAMGUARD_A_FRAME_MAC] &&
			    nla_len(tb[CAMGUARD_A_FRAME_MAC]) == CAMGUARD_MAC_LEN) {
				memcpy(e->mac, nla_data(tb[CAMGUARD_A_FRAME_MAC]),
				       CAMGUARD_MAC_LEN);
				e->has_mac = true;
			}
			if (tb[CAMGUARD_A_EVENT_NS] &&
			    nla_len(tb[CAMGUARD_A_EVENT_NS]) == 8) {
				memcpy(&e->event_ns, nla_data(tb[CAMGUARD_A_EVENT_NS]), 8);
				e->has_ns = true;
			}
			if (tb[CAMGUARD_A_CHAN_ID] && nla_len(tb[CAMGUARD_A_CHAN_ID]) == 4)
				memcpy(&e->chan, nla_data(tb[CAMGUARD_A_CHAN_ID]), 4);
		}
	}
}

struct mapped {
	void *p;
	size_t len;
};

static void run_one(const struct opts *o, struct result *res)
{
	unsigned int total = o->warmup + o->frames, nframes = 0, nev = 0, i;
	unsigned int ev_cap = total * 2 + 64, seq_cap = total * 8 + 256;
	struct v4l2_requestbuffers rb = { 0 };
	struct mapped maps[MAX_BUFS] = { { 0 } };
	uint8_t key[CAMGUARD_KEY_LEN];
	struct v4l2_streamparm parm = { 0 };
	struct v4l2_format fmt = { 0 };
	uint64_t cpu0 = 0, self0 = 0, deadline, stream_id = 0;
	int64_t kt0 = -1, kt1 = -1;
	uint32_t chan, first_seq = 0, last_seq = 0;
	uint8_t **copies;
	uint32_t *copy_seq;
	unsigned int ncopies = 0;
	int *seq_idx;		/* seq -> index in frames + 1 */
	struct frame *frames;
	struct event *ev;
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	uint64_t *lat_a, *lat_b;
	unsigned int na = 0, nb = 0;
	long late0;
	bool precise = false;
	int fd, kpid = -1;
	struct nl nl;

	memset(res, 0, sizeof(*res));
	res->width = o->width;
	res->height = o->height;
	res->fps_req = o->fps;
	res->kthread_us = -1;

	if (o->digest >= 0)
		write_digest_param(o->digest);
	res->digest = read_digest_param();

	frames = xcalloc(total + 1, sizeof(*frames));
	ev = xcalloc(ev_cap, sizeof(*ev));
	seq_idx = xcalloc(seq_cap, sizeof(*seq_idx));
	copies = xcalloc(o->check_digest + 1, sizeof(*copies));
	copy_seq = xcalloc(o->check_digest + 1, sizeof(*copy_seq));

	fd = open(o->dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", o->dev, strerror(errno));

	fmt.type = type;
	fmt.fmt.pix.width = o->width;
	fmt.fmt.pix.height = o->height;
	fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	if (xioctl(fd, VIDIOC_S_FMT, &fmt) < 0)
		die("VIDIOC_S_FMT %ux%u YUYV: %s", o->width, o->height, strerror(errno));
	if (fmt.fmt.pix.width != o->width || fmt.fmt.pix.height != o->height ||
	    fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_YUYV)
		die("the driver chose %ux%u instead of %ux%u YUYV", fmt.fmt.pix.width,
		    fmt.fmt.pix.height, o->width, o->height);
	res->sizeimage = fmt.fmt.pix.sizeimage;

	parm.type = type;
	parm.parm.capture.timeperframe.numerator = 1;
	parm.parm.capture.timeperframe.denominator = o->fps;
	if (xioctl(fd, VIDIOC_S_PARM, &parm) < 0)
		die("VIDIOC_S_PARM %u fps: %s", o->fps, strerror(errno));
	if (!parm.parm.capture.timeperframe.denominator)
		die("VIDIOC_S_PARM returned a zero frame interval");
	res->interval_us = 1e6 * parm.parm.capture.timeperframe.numerator /
			   parm.parm.capture.timeperframe.denominator;
	if (parm.parm.capture.timeperframe.numerator != 1 ||
	    parm.parm.capture.timeperframe.denominator != o->fps)
		fprintf(stderr, "%s: warning: asked for %u fps, the driver set %u/%u s\n",
			prog, o->fps, parm.parm.capture.timeperframe.numerator,
			parm.parm.capture.timeperframe.denominator);

	rb.count = o->nbufs;
	rb.type = type;
	rb.memory = V4L2_MEMORY_MMAP;
	if (xioctl(fd, VIDIOC_REQBUFS, &rb) < 0)
		die("VIDIOC_REQBUFS %u: %s", o->nbufs, strerror(errno));
	if (rb.count < 2 || rb.count > MAX_BUFS)
		die("VIDIOC_REQBUFS gave %u buffers", rb.count);
	for (i = 0; i < rb.count; i++) {
		struct v4l2_buffer b = { .index = i, .type = type,
					 .memory = V4L2_MEMORY_MMAP };

		if (xioctl(fd, VIDIOC_QUERYBUF, &b) < 0)
			die("VIDIOC_QUERYBUF %u: %s", i, strerror(errno));
		maps[i].len = b.length;
		maps[i].p = mmap(NULL, b.length, PROT_READ, MAP_SHARED, fd, b.m.offset);
		if (maps[i].p == MAP_FAILED)
			die("mmap buffer %u: %s", i, strerror(errno));
	}

	/* We own the queue now: the channel's owner equals the stream's. */
	nl_open(&nl);
	chan = chan_new(&nl, key);
	chan_attach(&nl, chan, (uint32_t)o->cam);

	for (i = 0; i < rb.count; i++) {
		struct v4l2_buffer b = { .index = i, .type = type,
					 .memory = V4L2_MEMORY_MMAP };

		if (xioctl(fd, VIDIOC_QBUF, &b) < 0)
			die("VIDIOC_QBUF %u: %s", i, strerror(errno));
	}
	late0 = read_vcam_stat(o->cam, "frames_late");
	if (xioctl(fd, VIDIOC_STREAMON, &type) < 0)
		die("VIDIOC_STREAMON: %s", strerror(errno));
	kpid = find_kthread(o->cam);
	if (kpid < 0)
		fprintf(stderr, "%s: warning: no kthread camguard-%d found\n", prog, o->cam);
	note("%ux%u@%u digest=%d: node %s camera %d channel %u kthread %d, %u buffers",
	     o->width, o->height, o->fps, res->digest, o->dev, o->cam, chan, kpid,
	     rb.count);

	deadline = now_ns() + (uint64_t)o->timeout_s * 1000000000ull;
	while (nframes < total) {
		struct pollfd pfd[2] = {
			{ .fd = nl.fd, .events = POLLIN },
			{ .fd = fd, .events = POLLIN },
		};
		struct v4l2_buffer b = { .type = type, .memory = V4L2_MEMORY_MMAP };
		int ret;

		if (now_ns() > deadline) {
			snprintf(res->why, sizeof(res->why),
				 "timeout: %u of %u frames in %d s", nframes, total,
				 o->timeout_s);
			res->broken = true;
			break;
		}
		ret = poll(pfd, 2, 1000);
		if (ret < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (ret <= 0)
			continue;
		if (pfd[0].revents && !drain_events(&nl, ev, &nev, ev_cap, res)) {
			res->broken = true;
			break;
		}
		if (!(pfd[1].revents & (POLLIN | POLLERR)))
			continue;
		if (xioctl(fd, VIDIOC_DQBUF, &b) < 0) {
			if (errno == EAGAIN)
				continue;
			snprintf(res->why, sizeof(res->why), "VIDIOC_DQBUF: %s",
				 strerror(errno));
			res->broken = true;
			break;
		}
		if (nframes == o->warmup || nframes == total - 1) {
			/* the window's first and last frames: sample the CPU clocks */
			int64_t k = kpid > 0 ? task_cpu_ns(kpid, &precise) : -1;
			uint64_t s = self_cpu_ns();

			if (nframes == o->warmup) {
				kt0 = k;
				self0 = s;
				cpu0 = 1;
				first_seq = b.sequence;
			} else {
				kt1 = k;
				last_seq = b.sequence;
				if (cpu0 && nframes > o->warmup)
					res->self_us = (double)(s - self0) / 1000.0 /
						       (nframes - o->warmup);
			}
		}
		frames[nframes].seq = b.sequence;
		frames[nframes].ts_us = (uint64_t)b.timestamp.tv_sec * 1000000ull +
					(uint64_t)b.timestamp.tv_usec;
		frames[nframes].in_window = nframes >= o->warmup;
		if (b.sequence < seq_cap)
			seq_idx[b.sequence] = (int)nframes + 1;
		if (b.flags & V4L2_BUF_FLAG_ERROR) {
			snprintf(res->why, sizeof(res->why), "buffer %u (seq %u) has ERROR",
				 b.index, b.sequence);
			res->broken = true;
		}
		/* the payload of a few warm-up frames, for the digest check */
		if (ncopies < o->check_digest && nframes < o->warmup &&
		    b.bytesused == res->sizeimage && b.index < rb.count) {
			copies[ncopies] = malloc(b.bytesused);
			if (copies[ncopies]) {
				memcpy(copies[ncopies], maps[b.index].p, b.bytesused);
				copy_seq[ncopies++] = b.sequence;
			}
		}
		nframes++;
		if (nframes < total && xioctl(fd, VIDIOC_QBUF, &b) < 0) {
			snprintf(res->why, sizeof(res->why), "VIDIOC_QBUF: %s",
				 strerror(errno));
			res->broken = true;
			break;
		}
	}
	/* Events precede their buffer (tagged before vb2_buffer_done): a short grace. */
	{
		struct pollfd p = { .fd = nl.fd, .events = POLLIN };

		while (poll(&p, 1, 200) > 0)
			if (!drain_events(&nl, ev, &nev, ev_cap, res))
				break;
	}
	xioctl(fd, VIDIOC_STREAMOFF, &type);
	res->late = late0 >= 0 ? read_vcam_stat(o->cam, "frames_late") - late0 : -1;
	for (i = 0; i < rb.count; i++)
		munmap(maps[i].p, maps[i].len);
	rb.count = 0;
	xioctl(fd, VIDIOC_REQBUFS, &rb);
	close(fd);
	close(nl.fd);

	/* ---- the figures ---- */
	if (nframes > o->warmup + 1) {
		unsigned int n = nframes - o->warmup;
		uint64_t t0 = frames[o->warmup].ts_us, t1 = frames[nframes - 1].ts_us;

		res->frames = n;
		if (t1 > t0)
			res->fps = (n - 1) * 1e6 / (double)(t1 - t0);
		if (!res->broken)
			res->gaps = last_seq - first_seq + 1 - n;
		if (kt0 >= 0 && kt1 >= kt0 && !res->broken) {
			res->kthread_us = (double)(kt1 - kt0) / 1000.0 / (n - 1);
			res->kthread_precise = precise;
		}
	}

	/* ---- checks and latencies (after the run, out of the timed path) ---- */
	lat_a = xcalloc(nev, sizeof(*lat_a));
	lat_b = xcalloc(nev, sizeof(*lat_b));
	for (i = 0; i < nev; i++) {
		const struct event *e = &ev[i];
		const struct camguard_frame_tag *t = (const void *)e->tag;
		uint8_t mac[EVP_MAX_MD_SIZE];
		unsigned int maclen = 0, k;
		uint32_t seq;
		uint64_t ts;
		int idx;
		bool bad = false;

		if (!e->tag_ok || !e->has_mac) {
			res->tag_bad++;
			continue;
		}
		if (!HMAC(EVP_sha256(), key, sizeof(key), e->tag, sizeof(e->tag), mac,
			  &maclen) || maclen != CAMGUARD_MAC_LEN ||
		    CRYPTO_memcmp(mac, e->mac, CAMGUARD_MAC_LEN))
			res->mac_bad++;
		else
			res->mac_ok++;
		seq = le32(&t->sequence);
		ts = le64(&t->timestamp_ns);
		idx = seq < seq_cap ? seq_idx[seq] : 0;
		if (!stream_id)
			stream_id = le64(&t->stream_id);
		bad |= t->version != CAMGUARD_TAG_VERSION;
		bad |= le16(&t->camera) != (uint16_t)o->cam;
		bad |= le32(&t->channel_id) != chan || e->chan != chan;
		bad |= le64(&t->stream_id) != stream_id;
		bad |= le32(&t->payload_len) != res->sizeimage;
		bad |= le32(&t->owner_uid) != (uint32_t)geteuid();
		bad |= res->digest >= 0 &&
		       !!(t->flags & CAMGUARD_TAG_F_NO_DIGEST) != !res->digest;
		if (idx)
			bad |= frames[idx - 1].ts_us != ts / 1000;
		if (bad) {
			if (res->tag_bad++ < 3)
				fprintf(stderr,
					"%s: bad tag: version %u flags %#x camera %u seq %u stream %" PRIu64
					" ts %" PRIu64 " len %u uid %u channel %u\n",
					prog, t->version, t->flags, le16(&t->camera), seq,
					le64(&t->stream_id), ts, le32(&t->payload_len),
					le32(&t->owner_uid), le32(&t->channel_id));
		}
		for (k = 0; k < ncopies; k++) {
			uint8_t d[EVP_MAX_MD_SIZE];
			static const uint8_t zero[CAMGUARD_DIGEST_LEN];
			unsigned int dl = 0;

			if (copy_seq[k] != seq)
				continue;
			res->digest_checked++;
			if (t->flags & CAMGUARD_TAG_F_NO_DIGEST) {
				if (memcmp(t->digest, zero, sizeof(zero)))
					res->digest_bad++;
			} else if (!EVP_Digest(copies[k], res->sizeimage, d, &dl,
					       EVP_sha256(), NULL) ||
				   memcmp(d, t->digest, CAMGUARD_DIGEST_LEN)) {
				res->digest_bad++;
			}
		}
		if (!idx || !frames[idx - 1].in_window)
			continue;
		if (e->recv_ns >= ts)
			lat_a[na++] = e->recv_ns - ts;
		if (e->has_ns && e->recv_ns >= e->event_ns)
			lat_b[nb++] = e->recv_ns - e->event_ns;
	}
	for (i = o->warmup; i < nframes; i++) {
		unsigned int k;
		bool seen = false;

		for (k = 0; k < nev && !seen; k++)
			seen = ev[k].tag_ok && le32(ev[k].tag + 4) == frames[i].seq;
		res->missing += !seen;
	}
	res->lat_a = percentiles(lat_a, na);
	res->lat_b = percentiles(lat_b, nb);
	if (!res->broken && (res->mac_bad || res->tag_bad || res->digest_bad))
		snprintf(res->why, sizeof(res->why),
			 "%u bad MACs, %u bad tags, %u bad digests", res->mac_bad,
			 res->tag_bad, res->digest_bad);

	for (i = 0; i < ncopies; i++)
		free(copies[i]);
	free(copies);
	free(copy_seq);
	free(lat_a);
	free(lat_b);
	free(frames);
	free(ev);
	free(seq_idx);
}

static bool run_failed(const struct result *r)
{
	return r->broken || r->mac_bad || r->tag_bad || r->digest_bad ||
	       r->events == 0;
}

/* ---- output ----------------------------------------------------------------- */

static void fmt_us(char *buf, size_t size, double us)
{
	if (us < 0)
		snprintf(buf, size, "n/a");
	else if (us >= 10000)
		snprintf(buf, size, "%.0f", us);
	else
		snprintf(buf, size, "%.1f", us);
}

static void print_details(const struct result *r, int n)
{
	int i;

	printf("\nper run (window = the measured frames, after the warm-up):\n");
	printf("%-10s %-6s %6s %5s %5s %7s %7s %7s %6s %6s %10s %9s %9s %s\n",
	       "size", "digest", "frames", "gaps", "late", "events", "missing",
	       "MAC ok", "badtag", "digest", "bench CPU", "A max", "B max", "");
	printf("%-10s %-6s %6s %5s %5s %7s %7s %7s %6s %6s %10s %9s %9s\n", "",
	       "", "", "", "", "", "", "", "", "chk/ok", "us/frame", "us", "us");
	for (i = 0; i < n; i++) {
		char size[24], dig[16], a[16], b[16], s[16];

		snprintf(size, sizeof(size), "%ux%u", r[i].width, r[i].height);
		snprintf(dig, sizeof(dig), "%u/%u", r[i].digest_checked,
			 r[i].digest_checked - r[i].digest_bad);
		fmt_us(a, sizeof(a), r[i].lat_a.n ? r[i].lat_a.max : -1);
		fmt_us(b, sizeof(b), r[i].lat_b.n ? r[i].lat_b.max : -1);
		fmt_us(s, sizeof(s), r[i].self_us);
		printf("%-10s %-6s %6u %5u %5ld %7u %7u %7u %6u %6s %10s %9s %9s %s\n",
		       size, r[i].digest == 1 ? "on" : r[i].digest == 0 ? "off" : "?",
		       r[i].frames, r[i].gaps, r[i].late, r[i].events, r[i].missing,
		       r[i].mac_ok,
		       r[i].tag_bad, dig, s, a, b,
		       run_failed(&r[i]) ? (r[i].why[0] ? r[i].why : "no events") : "");
		if (r[i].overruns || r[i].revoked)
			printf("%-10s %u socket overruns (ENOBUFS), %u CHAN_REVOKED\n", "",
			       r[i].overruns, r[i].revoked);
	}
}

/*
 * The table: results come in pairs, digest on then off, per size. Prints
 * "target" lines; returns through *cost_1080 the 1920x1080 tagging cost in
 * % (or -1) and through *p99_max the worst latency B p99 (us).
 */
static void print_table(const struct result *r, int n)
{
	const struct result *r1080 = NULL, *r1080_off = NULL;
	double worst_b = -1, worst_a = -1;
	int i;

	printf("\n%-10s %4s %6s %9s %11s %12s %10s %19s %19s\n", "resolution", "fps",
	       "digest", "fps", "kthread CPU", "tagging cost", "% of frame",
	       "latency A (us)", "latency B (us)");
	printf("%-10s %4s %6s %9s %11s %12s %10s %19s %19s\n", "", "req", "",
	       "delivered", "us/frame", "us/frame", "interval", "p50 / p99",
	       "p50 / p99");
	for (i = 0; i < n; i++) {
		const struct result *x = &r[i];
		const struct result *off = NULL;
		char size[24], kt[16], cost[16], pct[16], la[48], lb[48], a1[16], a2[16];

		if (x->digest == 1 && i + 1 < n && r[i + 1].digest == 0 &&
		    r[i + 1].width == x->width && r[i + 1].height == x->height)
			off = &r[i + 1];
		snprintf(size, sizeof(size), "%ux%u", x->width, x->height);
		fmt_us(kt, sizeof(kt), x->kthread_us);
		snprintf(cost, sizeof(cost), "%s", "");
		snprintf(pct, sizeof(pct), "%s", "");
		if (off && x->kthread_us >= 0 && off->kthread_us >= 0) {
			double c = x->kthread_us - off->kthread_us;

			fmt_us(cost, sizeof(cost), c < 0 ? 0 : c);
			if (c < 0)
				snprintf(cost, sizeof(cost), "%.1f", c);
			snprintf(pct, sizeof(pct), "%.1f%%", 100.0 * c / x->interval_us);
			if (x->width == 1920 && x->height == 1080 && x->fps_req == 30) {
				r1080 = x;
				r1080_off = off;
			}
		}
		if (x->lat_a.n) {
			fmt_us(a1, sizeof(a1), x->lat_a.p50);
			fmt_us(a2, sizeof(a2), x->lat_a.p99);
			snprintf(la, sizeof(la), "%s / %s", a1, a2);
			if (x->lat_a.p99 > worst_a)
				worst_a = x->lat_a.p99;
		} else {
			snprintf(la, sizeof(la), "n/a");
		}
		if (x->lat_b.n) {
			fmt_us(a1, sizeof(a1), x->lat_b.p50);
			fmt_us(a2, sizeof(a2), x->lat_b.p99);
			snprintf(lb, sizeof(lb), "%s / %s", a1, a2);
			if (x->lat_b.p99 > worst_b)
				worst_b = x->lat_b.p99;
		} else {
			snprintf(lb, sizeof(lb), "n/a");
		}
		printf("%-10s %4u %6s %9.2f %11s %12s %10s %19s %19s\n", size,
		       x->fps_req, x->digest == 1 ? "on" : x->digest == 0 ? "off" : "?",
		       x->fps, kt, cost, pct, la, lb);
	}
	print_details(r, n);

	printf("\ntargets:\n");
	if (r1080) {
		double c = r1080->kthread_us - r1080_off->kthread_us;
		double pct = 100.0 * c / r1080->interval_us;

		printf("  tagging cost at 1920x1080 30 fps <= 5%% of the frame interval (%.0f us): "
		       "%.0f us = %.1f%%: %s\n", r1080->interval_us * 0.05, c, pct,
		       pct <= 5.0 ? "MET" : "NOT MET");
	} else {
		printf("  tagging cost at 1920x1080 30 fps: not measured\n");
	}
	if (worst_b >= 0)
		printf("  event p99 < 1 ms (latency B, event queued -> received; worst run): "
		       "%.0f us: %s\n", worst_b, worst_b < 1000 ? "MET" : "NOT MET");
	else
		printf("  event p99 < 1 ms: not measured\n");
	if (worst_a >= 0)
		printf("  (latency A, frame timestamp -> event received, includes the digest; "
		       "worst p99: %.0f us: %s)\n", worst_a, worst_a < 1000 ? "under 1 ms" : "over 1 ms");
}

static void print_one(const struct result *r)
{
	printf("RESULT size=%ux%u fps_req=%u digest=%d fps=%.3f kthread_us=%.1f%s self_us=%.1f "
	       "a_p50_us=%.1f a_p99_us=%.1f a_max_us=%.1f b_p50_us=%.1f b_p99_us=%.1f "
	       "b_max_us=%.1f frames=%u gaps=%u late=%ld events=%u missing=%u mac_bad=%u "
	       "tag_bad=%u digest_checked=%u digest_bad=%u overruns=%u%s%s\n",
	       r->width, r->height, r->fps_req, r->digest, r->fps, r->kthread_us,
	       r->kthread_precise ? "" : "(ticks)", r->self_us, r->lat_a.p50, r->lat_a.p99,
	       r->lat_a.max, r->lat_b.p50, r->lat_b.p99, r->lat_b.max, r->frames, r->gaps,
	       r->late, r->events, r->missing, r->mac_bad, r->tag_bad, r->digest_checked,
	       r->digest_bad, r->overruns, r->why[0] ? " why=" : "", r->why);
}

/* ---- SHA-256 of one frame with OpenSSL ------------------------------------- */

static int sha_bench(unsigned int w, unsigned int h, double min_s)
{
	size_t len = (size_t)w * h * 2, i;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen, n = 0, cap = 4096;
	uint64_t t0, start, *v = xcalloc(cap, sizeof(*v));
	unsigned char *buf = malloc(len);
	struct stats s;
	double total;

	if (!buf)
		die("out of memory");
	for (i = 0; i < len; i++)	/* a YUYV-like pattern, not zeros */
		buf[i] = (unsigned char)(i & 1 ? 128 + (i >> 12) : (i * 7) >> 3);
	EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL);	/* warm up */
	start = now_ns();
	do {
		t0 = now_ns();
		if (!EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL))
			die("EVP_Digest failed");
		v[n++] = now_ns() - t0;
	} while (n < cap && (n < 5 || (double)(now_ns() - start) < min_s * 1e9));
	total = (double)(now_ns() - start) / 1e9;
	s = percentiles(v, n);
	printf("SHA-256 (OpenSSL %s, EVP_Digest) of one %ux%u YUYV frame (%zu bytes): "
	       "median %.0f us, min %.0f us, %.0f MB/s, %u runs in %.1f s%s\n",
	       OpenSSL_version(OPENSSL_VERSION_STRING), w, h, len, s.p50,
	       (double)v[0] / 1000.0, (double)len / s.p50, n, total,
	       getenv("OPENSSL_ia32cap") ? " (OPENSSL_ia32cap set)" : "");
	free(v);
	free(buf);
	return 0;
}

/* ---- many channels ------------------------------------------------------------ */

/* A field of /proc/meminfo in kB, or -1. */
static long meminfo_kb(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/*
 * --channels N: N channels made (CHAN_NEW) and attached (CHAN_ATTACH) on
 * one socket, spread over every camguard camera there is, then deleted
 * (CHAN_DEL): microseconds per operation, and the kernel memory each
 * channel holds while attached (the growth of the slab, SUnreclaim, over
 * N). The module's limits (max_channels, max_channels_per_user,
 * max_attach_per_camera) must allow N: a refusal ends the run.
 */
static int channel_scale(unsigned int n)
{
	uint8_t key[CAMGUARD_KEY_LEN];
	uint32_t *ids = xcalloc(n, sizeof(*ids));
	uint64_t t_new = 0, t_att = 0, t_del = 0, t0;
	long slab0, slab1, slab2;
	char dev[64];
	unsigned int i, ncams = 0;
	struct nl nl;

	while (ncams < 1024 && node_of_camera((int)ncams, dev, sizeof(dev)))
		ncams++;
	if (!ncams)
		die("no camguard camera (no video node named camguard-0)");
	nl_open(&nl);
	slab0 = meminfo_kb("SUnreclaim");
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		ids[i] = chan_new(&nl, key);
		t_new += now_ns() - t0;
		t0 = now_ns();
		chan_attach(&nl, ids[i], i % ncams);
		t_att += now_ns() - t0;
	}
	slab1 = meminfo_kb("SUnreclaim");
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		chan_del(&nl, ids[i]);
		t_del += now_ns() - t0;
	}
	slab2 = meminfo_kb("SUnreclaim");
	OPENSSL_cleanse(key, sizeof(key));
	printf("channels %u on %u cameras: CHAN_NEW %.1f us, CHAN_ATTACH %.1f us, CHAN_DEL %.1f us per operation; "
	       "kernel memory %.0f bytes per attached channel (SUnreclaim %ld -> %ld -> %ld kB)\n",
	       n, ncams, (double)t_new / n / 1000.0, (double)t_att / n / 1000.0,
	       (double)t_del / n / 1000.0,
	       slab0 >= 0 && slab1 >= 0 ? (double)(slab1 - slab0) * 1024.0 / n : -1.0,
	       slab0, slab1, slab2);
	close(nl.fd);
	free(ids);
	return 0;
}

/* ---- main ---------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--camera N | --device /dev/videoX] [options]\n"
		"       %s --sha WxH [--min-time S]\n"
		"       %s --channels N\n"
		"\n"
		"  --camera N          camguard camera N (node named camguard-N; default 0)\n"
		"  --device DEV        the camera's node instead\n"
		"  --size WxH          one run at this size (default 640x480)\n"
		"  --matrix WxH,...    every size with digest=1 then digest=0; prints the table\n"
		"  --fps N             frame rate to set (default 30)\n"
		"  --frames N          measured frames per run (default 150)\n"
		"  --warmup N          frames before the measurement (default 10)\n"
		"  --buffers N         MMAP buffers (default 4)\n"
		"  --digest on|off     set %s for a --size run (default: leave it)\n"
		"  --check-digest N    recompute the SHA-256 of N warm-up frames (default 2)\n"
		"  --timeout S         limit per run (default 120)\n"
		"  --sha WxH           time OpenSSL SHA-256 of one YUYV frame and exit\n"
		"  --min-time S        --sha: measure for at least S seconds (default 2)\n"
		"  --channels N        make, attach (over every camera) and delete N\n"
		"                      channels: time per operation, kernel memory each\n"
		"  -v, --verbose       progress on stderr\n"
		"\n"
		"Exit status: 0 if every run measured (events seen, all MACs, tags and\n"
		"digests right), 1 if a run was broken or saw a bad MAC/tag/digest, 2 on\n"
		"a setup error. Whether the targets are met does not change it.\n",
		prog, prog, prog, DIGEST_PARAM);
}

static bool parse_size(const char *s, unsigned int *w, unsigned int *h)
{
	char x;

	return sscanf(s, "%u%c%u", w, &x, h) == 3 && (x == 'x' || x == 'X') && *w &&
	       *h;
}

static unsigned int parse_uint(const char *s, const char *what, unsigned int min)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v < min || v > 1000000)
		die("bad %s: %s", what, s);
	return (unsigned int)v;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "camera", required_argument, NULL, 'c' },
		{ "device", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "matrix", required_argument, NULL, 'm' },
		{ "fps", required_argument, NULL, 'f' },
		{ "frames", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "buffers", required_argument, NULL, 'b' },
		{ "digest", required_argument, NULL, 'D' },
		{ "check-digest", required_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 't' },
		{ "sha", required_argument, NULL, 'S' },
		{ "min-time", required_argument, NULL, 'T' },
		{ "channels", required_argument, NULL, 'N' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.cam = -1, .width = 640, .height = 480, .fps = 30, .frames = 150,
		.warmup = 10, .nbufs = 4, .check_digest = 2, .digest = -1,
		.timeout_s = 120,
	};
	const char *matrix = NULL, *sha = NULL;
	double min_time = 2.0;
	unsigned int channels = 0;
	struct result *res;
	int c, nres = 0, saved, failed = 0;

	while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.cam = (int)parse_uint(optarg, "camera", 0);
			break;
		case 'd':
			snprintf(o.dev, sizeof(o.dev), "%s", optarg);
			break;
		case 's':
			if (!parse_size(optarg, &o.width, &o.height))
				die("bad size: %s", optarg);
			break;
		case 'm':
			matrix = optarg;
			break;
		case 'f':
			o.fps = parse_uint(optarg, "fps", 1);
			break;
		case 'n':
			o.frames = parse_uint(optarg, "frame count", 2);
			break;
		case 'w':
			o.warmup = parse_uint(optarg, "warm-up", 0);
			break;
		case 'b':
			o.nbufs = parse_uint(optarg, "buffer count", 2);
			break;
		case 'D':
			if (!strcmp(optarg, "on") || !strcmp(optarg, "1"))
				o.digest = 1;
			else if (!strcmp(optarg, "off") || !strcmp(optarg, "0"))
				o.digest = 0;
			else
				die("--digest takes on or off");
			break;
		case 'C':
			o.check_digest = parse_uint(optarg, "digest check count", 0);
			break;
		case 't':
			o.timeout_s = (int)parse_uint(optarg, "timeout", 1);
			break;
		case 'S':
			sha = optarg;
			break;
		case 'T':
			min_time = atof(optarg);
			break;
		case 'N':
			channels = parse_uint(optarg, "channel count", 1);
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (sha) {
		unsigned int w, h;

		if (!parse_size(sha, &w, &h))
			die("bad size: %s", sha);
		return sha_bench(w, h, min_time);
	}

	if (channels)
		return channel_scale(channels);

	if (o.dev[0]) {
		int cam = camera_of_node(o.dev);

		if (cam < 0)
			die("%s is not a camguard camera (no camguard-N name in sysfs)", o.dev);
		if (o.cam >= 0 && o.cam != cam)
			die("%s is camera %d, not %d", o.dev, cam, o.cam);
		o.cam = cam;
	} else {
		if (o.cam < 0)
			o.cam = 0;
		if (!node_of_camera(o.cam, o.dev, sizeof(o.dev)))
			die("no video node named camguard-%d", o.cam);
	}
	if (o.nbufs > MAX_BUFS)
		die("at most %d buffers", MAX_BUFS);
	if (o.check_digest > o.warmup)
		o.check_digest = o.warmup;

	saved = read_digest_param();
	if (!matrix) {
		struct result r;

		run_one(&o, &r);
		print_one(&r);
		if (saved >= 0 && o.digest >= 0 && saved != o.digest)
			write_digest_param(saved);
		return run_failed(&r) ? 1 : 0;
	}

	if (saved < 0)
		die("cannot read %s: the module lacks the digest parameter", DIGEST_PARAM);
	res = xcalloc(64, sizeof(*res));
	{
		char *list = strdup(matrix), *tok, *sp = NULL;

		if (!list)
			die("out of memory");
		for (tok = strtok_r(list, ",", &sp); tok; tok = strtok_r(NULL, ",", &sp)) {
			if (nres + 2 > 64)
				die("too many sizes");
			if (!parse_size(tok, &o.width, &o.height))
				die("bad size in --matrix: %s", tok);
			for (o.digest = 1; o.digest >= 0; o.digest--) {
				fprintf(stderr, "%s: %ux%u %u fps digest=%d: %u + %u frames...\n",
					prog, o.width, o.height, o.fps, o.digest, o.warmup,
					o.frames);
				run_one(&o, &res[nres]);
				print_one(&res[nres]);
				failed |= run_failed(&res[nres]);
				nres++;
			}
		}
		free(list);
	}
	write_digest_param(saved);
	print_table(res, nres);
	free(res);
	return failed ? 1 : 0;
}
