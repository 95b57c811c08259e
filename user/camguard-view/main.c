// SPDX-License-Identifier: MIT
/*
 * camguard-view: the reference display (docs/camguard-view.md). It connects
 * to camguardd as its pairing file says (transport.h), verifies every
 * record (verifier.h), decodes the JPEG, and optionally checks the owner
 * stamped into the pixels: the ground truth the incident tests rely on,
 * independent of tags and seals.
 *
 * One process, one connection at a time, one poll() loop; the verifier
 * lives as long as the process, so its order state survives reconnections.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/videodev2.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "hmac.h"
#include "jpeg.h"
#include "keyval.h"
#include "log.h"
#include "pairing.h"
#include "parse.h"
#include "record.h"
#include "stamp.h"
#include "transport.h"
#include "verifier.h"

#define PROG			"camguard-view"
#define CONNECT_TIMEOUT_MS	10000	/* TCP, hello, TLS, challenge */
#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		2000
#define READ_BUF		(64 * 1024)
#define TICK_MS			1000

enum {
	EXIT_OK = 0,
	EXIT_FOREIGN = 1,	/* a frame of another owner was accepted */
	EXIT_USAGE = 2,
	EXIT_INCOMPLETE = 3,	/* connection lost, --frames not reached */
};

static const char usage_text[] =
"usage: " PROG " --pairing FILE [OPTIONS]\n"
"Connect to camguardd as the pairing file says, verify every record, decode\n"
"the frames and report.\n"
"\n"
"  --pairing FILE        the display's pairing file (required)\n"
"  --connect HOST:PORT   connect here instead of the pairing's address\n"
"  --fingerprint HEX     pin this certificate SHA-256 instead (a relay's)\n"
"  --expect-owner UID    check the owner stamped in every frame's pixels\n"
"  --save DIR            write accepted frames as DIR/<stream>-<seq>.jpg\n"
"  --save-every N        save only every Nth accepted frame (default 1)\n"
"  --frames N            exit after N accepted frames\n"
"  --duration SEC        exit after SEC seconds\n"
"  --reconnect           retry lost or failed connections (100 ms .. 2 s)\n"
"  --stats-file FILE     counters as 'key value' lines, every second\n"
"  --max-age MS          refuse records sent more than MS ms ago (0: off)\n"
"  --quiet               no statistics line, warnings and errors only\n"
"  -h, --help            show this help\n"
"\n"
"Exit status: 0 normally; 1 if any frame carried another owner's stamp;\n"
"2 for usage and setup errors; 3 if the connection was lost without\n"
"--reconnect, or --duration ended before --frames was reached.\n";

struct view_opts {
	const char *pairing_file;
	const char *connect;
	const char *fingerprint;
	const char *save_dir;
	const char *stats_file;
	bool have_owner;
	uint32_t expect_owner;
	uint32_t save_every;
	uint32_t frames;
	uint32_t duration_s;
	uint32_t max_age_ms;
	bool reconnect;
	bool quiet;
};

struct view {
	struct view_opts opt;
	struct cg_pairing pairing;
	char module[64];		/* "display NAME" in log lines */
	char host[CG_KV_MAX_HOST + 1];
	uint16_t port;
	uint8_t fingerprint[CG_FINGERPRINT_LEN];

	SSL_CTX *ctx;
	struct cg_hmac *seal_key;
	struct cg_record_decoder dec;
	struct cg_verifier *ver;
	uint8_t *rbuf;

	/* Per connection. */
	bool authed;			/* a byte came after the response */

	uint64_t connections, connect_failed, tls_failed, auth_failed;
	uint64_t received, decode_errors, foreign_owner, stamp_unreadable;
	uint64_t saved, save_errors;
	unsigned int stats_warned;
	uint64_t fail_streak;		/* connections failed in a row */

	int64_t end_ms;			/* --duration's end; 0: none */
	int64_t next_tick_ms;
	bool frames_reached;
	bool lost;			/* connection gone, no --reconnect */
	sigset_t wait_mask;		/* signals let in while polling */
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Whether to log the @n-th event of a kind: the first few, then sparser. */
static bool log_sample(uint64_t n)
{
	return n <= 5 || !(n & (n - 1));
}

/*
 * The level for a connection failure: with --reconnect against a board
 * that is down, the first few and then a sample, not one line per retry.
 */
static enum cg_log_level fail_level(const struct view *v,
				    enum cg_log_level level)
{
	return log_sample(v->fail_streak + 1) ? level : CG_LOG_DEBUG;
}

static void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry '" PROG " --help'.\n", stderr);
	exit(EXIT_USAGE);
}

static uint32_t option_u32(const char *opt, const char *arg, uint32_t min,
			   uint32_t max)
{
	uint32_t v;

	if (cg_parse_u32(arg, min, max, &v))
		usage_error("bad --%s '%s': expected a number %u..%u", opt, arg,
			    min, max);
	return v;
}

static void parse_args(int argc, char **argv, struct view_opts *o)
{
	enum {
		OPT_PAIRING = 256, OPT_CONNECT, OPT_FINGERPRINT,
		OPT_EXPECT_OWNER, OPT_SAVE, OPT_SAVE_EVERY, OPT_FRAMES,
		OPT_DURATION, OPT_RECONNECT, OPT_STATS_FILE, OPT_MAX_AGE,
		OPT_QUIET,
	};
	static const struct option longopts[] = {
		{ "pairing", required_argument, NULL, OPT_PAIRING },
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "fingerprint", required_argument, NULL, OPT_FINGERPRINT },
		{ "expect-owner", required_argument, NULL, OPT_EXPECT_OWNER },
		{ "save", required_argument, NULL, OPT_SAVE },
		{ "save-every", required_argument, NULL, OPT_SAVE_EVERY },
		{ "frames", required_argument, NULL, OPT_FRAMES },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "reconnect", no_argument, NULL, OPT_RECONNECT },
		{ "stats-file", required_argument, NULL, OPT_STATS_FILE },
		{ "max-age", required_argument, NULL, OPT_MAX_AGE },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->save_every = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PAIRING:
			o->pairing_file = optarg;
			break;
		case OPT_CONNECT:
			o->connect = optarg;
			break;
		case OPT_FINGERPRINT:
			o->fingerprint = optarg;
			break;
		case OPT_EXPECT_OWNER:
			o->have_owner = true;
			o->expect_owner = option_u32("expect-owner", optarg, 0,
						     UINT32_MAX);
			break;
		case OPT_SAVE:
			o->save_dir = optarg;
			break;
		case OPT_SAVE_EVERY:
			o->save_every = option_u32("save-every", optarg, 1,
						   UINT32_MAX);
			break;
		case OPT_FRAMES:
			o->frames = option_u32("frames", optarg, 1, UINT32_MAX);
			break;
		case OPT_DURATION:
			/* A year: far beyond any test, far below overflow. */
			o->duration_s = option_u32("duration", optarg, 1,
						   366 * 86400);
			break;
		case OPT_RECONNECT:
			o->reconnect = true;
			break;
		case OPT_STATS_FILE:
			o->stats_file = optarg;
			break;
		case OPT_MAX_AGE:
			o->max_age_ms = option_u32("max-age", optarg, 0,
						   UINT32_MAX);
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		default:
			fputs("Try '" PROG " --help'.\n", stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->pairing_file)
		usage_error("--pairing FILE is required");
}

static uint64_t rejected_total(const struct cg_verifier_stats *s)
{
	uint64_t n = 0;
	int st;

	for (st = 0; st < CG_RECORD_NR_STATUS; st++)
		n += s->rejected[st];
	return n;
}

static void stats_line(struct view *v)
{
	const struct cg_verifier_stats *s = cg_verifier_stats(v->ver);
	char reasons[1024] = "";
	size_t used = 0;
	int st, n;

	for (st = CG_RECORD_BAD_MAGIC; st < CG_RECORD_NR_STATUS; st++) {
		if (!s->rejected[st])
			continue;
		n = snprintf(reasons + used, sizeof(reasons) - used,
			     "%s%s %llu", used ? ", " : " (",
			     cg_record_status_name(st),
			     (unsigned long long)s->rejected[st]);
		if (n < 0 || (size_t)n >= sizeof(reasons) - used)
			break;
		used += n;
	}
	if (used)
		snprintf(reasons + used, sizeof(reasons) - used, ")");
	cg_info(v->module,
		"received %llu accepted %llu rejected %llu%s foreign_owner %llu%s",
		(unsigned long long)v->received,
		(unsigned long long)s->accepted,
		(unsigned long long)rejected_total(s), reasons,
		(unsigned long long)v->foreign_owner,
		v->stamp_unreadable || v->decode_errors ?
		" (some frames unreadable: see the stats file)" : "");
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* FILE.tmp then rename(): a reader never sees half a file. */
static void stats_file(struct view *v)
{
	const struct cg_verifier_stats *s = cg_verifier_stats(v->ver);
	char tmp[4096], text[4096];
	size_t used;
	int st, fd, ret;

	if (!v->opt.stats_file)
		return;
	used = (size_t)snprintf(text, sizeof(text),
		"display %s\nconnections %llu\nconnect_failed %llu\n"
		"tls_failed %llu\nauth_failed %llu\nreceived %llu\n"
		"accepted %llu\nskipped %llu\nstream_changes %llu\n"
		"decode_errors %llu\nforeign_owner %llu\n"
		"stamp_unreadable %llu\nsaved %llu\n",
		v->pairing.display, (unsigned long long)v->connections,
		(unsigned long long)v->connect_failed,
		(unsigned long long)v->tls_failed,
		(unsigned long long)v->auth_failed,
		(unsigned long long)v->received,
		(unsigned long long)s->accepted,
		(unsigned long long)s->skipped,
		(unsigned long long)s->stream_changes,
		(unsigned long long)v->decode_errors,
		(unsigned long long)v->foreign_owner,
		(unsigned long long)v->stamp_unreadable,
		(unsigned long long)v->saved);
	for (st = 0; st < CG_RECORD_NR_STATUS && used < sizeof(text); st++) {
		if (st == CG_RECORD_OK || st == CG_RECORD_NEED_MORE)
			continue;
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "rejected.%s %llu\n",
					 cg_record_status_name(st),
					 (unsigned long long)s->rejected[st]);
	}
	if (used >= sizeof(text))
		used = sizeof(text) - 1;	/* cannot happen: 20 lines */

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", v->opt.stats_file) >=
	    sizeof(tmp))
		return;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = write_all(fd, text, used);
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, v->opt.stats_file))
		ret = -errno;
	if (!ret)
		return;
	unlink(tmp);
fail:
	/* Once is enough: the next second would say the same. */
	if (!v->stats_warned++)
		cg_warn(v->module, "%s: %s", tmp, strerror(-ret));
}

static void view_tick(struct view *v, int64_t now)
{
	if (now < v->next_tick_ms)
		return;
	if (!v->opt.quiet)
		stats_line(v);
	stats_file(v);
	v->next_tick_ms += TICK_MS;
	if (v->next_tick_ms <= now)	/* we were away: do not catch up */
		v->next_tick_ms = now + TICK_MS;
}

static bool view_done(struct view *v)
{
	return stop_signal || v->frames_reached ||
	       (v->end_ms && mono_ms() >= v->end_ms);
}

/*
 * Wait until @fd (-1: none) has @events, keeping the statistics ticking.
 * Returns the revents (> 0), -ETIMEDOUT at @deadline (0: none),
 * -ECANCELED when the program is to stop, or -errno.
 */
static int view_wait(struct view *v, int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		int64_t now = mono_ms(), wake = v->next_tick_ms;
		struct timespec ts;
		int n;

		view_tick(v, now);
		if (view_done(v))
			return -ECANCELED;
		if (deadline && now >= deadline)
			return -ETIMEDOUT;
		if (deadline && deadline < wake)
			wake = deadline;
		if (v->end_ms && v->end_ms < wake)
			wake = v->end_ms;
		if (wake < now)
			wake = now;
		ts.tv_sec = (wake - now) / 1000;
		ts.tv_nsec = (wake - now) % 1000 * 1000000;
		/* SIGTERM and SIGINT are blocked except in here: no race. */
		n = ppoll(&pfd, fd >= 0 ? 1 : 0, &ts, &v->wait_mask);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			return pfd.revents;
	}
}

static void set_keepalive(int fd)
{
	/* Notice a dead camguardd or relay within about 25 s of silence. */
	int on = 1, idle = 10, intvl = 5, cnt = 3;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

/* A connected non-blocking socket, or -errno (logged). */
static int tcp_connect(struct view *v, int64_t deadline)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	struct addrinfo *res, *ai;
	char port[8];
	int fd = -1, ret, gai;

	snprintf(port, sizeof(port), "%u", v->port);
	/* Name resolution blocks; an address in the pairing file does not. */
	gai = getaddrinfo(v->host, port, &hints, &res);
	if (gai) {
		cg_log(fail_level(v, CG_LOG_WARN), v->module, "%s: %s", v->host,
		       gai_strerror(gai));
		return -EHOSTUNREACH;
	}
	ret = -ECONNREFUSED;
	for (ai = res; ai; ai = ai->ai_next) {
		socklen_t len;
		int err = 0;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			ret = -errno;
			continue;
		}
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		ret = -errno;
		if (ret == -EINPROGRESS) {
			ret = view_wait(v, fd, POLLOUT, deadline);
			if (ret > 0) {
				len = sizeof(err);
				if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
					       &len))
					err = errno;
				ret = -err;
				if (!err)
					break;
			}
		}
		close(fd);
		fd = -1;
		if (ret == -ECANCELED || ret == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (ret != -ECANCELED)
			cg_log(fail_level(v, CG_LOG_WARN), v->module,
			       "connect to %s port %u: %s", v->host, v->port,
			       strerror(-ret));
		return ret;
	}
	set_keepalive(fd);
	return fd;
}

static int send_plain(struct view *v, int fd, const char *buf, size_t len,
		      int64_t deadline)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		int ret;

		if (n >= 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		ret = view_wait(v, fd, POLLOUT, deadline);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * After an SSL call returned @r: wait for what OpenSSL needs and return 0
 * to retry, or a negative errno: -ECONNRESET for a closed connection,
 * -EPROTO for a TLS error (in OpenSSL's queue), or view_wait()'s.
 */
static int ssl_again(struct view *v, SSL *ssl, int fd, int r,
		     int64_t deadline)
{
	int ret;

	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		ret = view_wait(v, fd, POLLIN, deadline);
		return ret < 0 ? ret : 0;
	case SSL_ERROR_WANT_WRITE:
		ret = view_wait(v, fd, POLLOUT, deadline);
		return ret < 0 ? ret : 0;
	case SSL_ERROR_ZERO_RETURN:
		return -ECONNRESET;
	case SSL_ERROR_SYSCALL:
		/* An EOF without close_notify leaves errno as it was. */
		ERR_clear_error();
		return -ECONNRESET;
	default:
		return -EPROTO;
	}
}

static int ssl_read_exact(struct view *v, SSL *ssl, int fd, void *buf,
			  size_t len, int64_t deadline)
{
	uint8_t *p = buf;

	while (len) {
		int r, ret;

		ERR_clear_error();
		r = SSL_read(ssl, p, (int)len);
		if (r > 0) {
			p += r;
			len -= (size_t)r;
			continue;
		}
		ret = ssl_again(v, ssl, fd, r, deadline);
		if (ret)
			return ret;
	}
	return 0;
}

static int ssl_write_all(struct view *v, SSL *ssl, int fd, const void *buf,
			 size_t len, int64_t deadline)
{
	for (;;) {
		int r, ret;

		ERR_clear_error();
		r = SSL_write(ssl, buf, (int)len);
		if (r > 0)
			return 0;	/* no partial writes: all or nothing */
		ret = ssl_again(v, ssl, fd, r, deadline);
		if (ret)
			return ret;
	}
}

static void hex_colons(char *out, const uint8_t *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02X%s", in[i], i + 1 < n ? ":" : "");
}

static void log_reject(struct view *v, const struct cg_record *rec,
		       enum cg_record_status st)
{
	const struct cg_verifier_stats *s = cg_verifier_stats(v->ver);
	uint64_t n = s->rejected[st];

	if (!log_sample(n))
		return;
	if (rec)
		cg_warn(v->module,
			"refused record (stream %llu seq %u): %s [%llu so far]",
			(unsigned long long)rec->hdr.stream_id,
			rec->hdr.sequence, cg_record_status_text(st),
			(unsigned long long)n);
	else
		cg_warn(v->module, "refused record: %s [%llu so far]",
			cg_record_status_text(st), (unsigned long long)n);
}

static void save_frame(struct view *v, const struct cg_record *rec)
{
	char path[4096];
	int fd, ret;

	if ((size_t)snprintf(path, sizeof(path), "%s/%llu-%u.jpg",
			     v->opt.save_dir,
			     (unsigned long long)rec->hdr.stream_id,
			     rec->hdr.sequence) >= sizeof(path)) {
		ret = -ENAMETOOLONG;
		goto fail;
	}
	/* The owner's images: readable by the owner only. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = write_all(fd, (const char *)rec->payload, rec->hdr.payload_len);
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret) {
		v->saved++;
		return;
	}
fail:
	if (!v->save_errors++)
		cg_warn(v->module, "cannot save %s/%llu-%u.jpg: %s",
			v->opt.save_dir, (unsigned long long)rec->hdr.stream_id,
			rec->hdr.sequence, strerror(-ret));
}

/* The pixels' word on the owner: ground truth, whatever the tags say. */
static void check_stamp(struct view *v, const struct cg_record *rec,
			const struct cg_jpeg_image *img)
{
	struct camguard_stamp s;
	int ret = -EIO;

	if (img->pixels)
		ret = cg_stamp_decode_raw(img->pixels,
					  (size_t)img->width * img->height,
					  V4L2_PIX_FMT_GREY, img->width,
					  img->height, img->width, &s);
	if (ret) {
		if (!v->stamp_unreadable++)
			cg_warn(v->module,
				"no readable stamp in stream %llu seq %u: %s",
				(unsigned long long)rec->hdr.stream_id,
				rec->hdr.sequence, cg_stamp_strerror(ret));
		return;
	}
	if (s.owner != v->opt.expect_owner) {
		/* Every one counts; the log shows a few and then a sample. */
		if (log_sample(++v->foreign_owner))
			cg_err(v->module,
			       "FOREIGN FRAME accepted: its pixels say owner %u (camera %u stream %u seq %u), this display is owner %u's [%llu so far]",
			       s.owner, s.camera, s.stream, s.sequence,
			       v->opt.expect_owner,
			       (unsigned long long)v->foreign_owner);
	}
}

static void view_accepted(struct view *v, const struct cg_record *rec,
			  const struct cg_verify_info *info)
{
	const struct cg_verifier_stats *s = cg_verifier_stats(v->ver);
	struct cg_jpeg_image img = { 0 };
	int ret;

	if (info->new_stream && info->previous_stream)
		cg_info(v->module, "stream %llu -> %llu on camera %u",
			(unsigned long long)info->previous_stream,
			(unsigned long long)info->tag.stream_id,
			info->tag.camera);
	else if (info->new_stream)
		cg_info(v->module, "stream %llu on camera %u (seq %u)",
			(unsigned long long)info->tag.stream_id,
			info->tag.camera, info->tag.sequence);
	if (info->skipped)
		cg_info(v->module,
			"camera %u stream %llu: %u frame(s) skipped before seq %u",
			info->tag.camera,
			(unsigned long long)info->tag.stream_id, info->skipped,
			info->tag.sequence);

	/* Greyscale is all a check needs, and it is a raw GREY frame. */
	ret = cg_jpeg_decode(rec->payload, rec->hdr.payload_len, CG_JPEG_GREY,
			     CG_STAMP_MAX_DIM, &img);
	if (ret) {
		if (!v->decode_errors++)
			cg_warn(v->module,
				"stream %llu seq %u: JPEG does not decode (%s)",
				(unsigned long long)rec->hdr.stream_id,
				rec->hdr.sequence, strerror(-ret));
	}
	if (v->opt.have_owner)
		check_stamp(v, rec, &img);
	cg_jpeg_image_free(&img);

	if (v->opt.save_dir && (s->accepted - 1) % v->opt.save_every == 0)
		save_frame(v, rec);
	if (v->opt.frames && s->accepted >= v->opt.frames)
		v->frames_reached = true;
}

/* Feed received bytes to the decoder: 0, or -EPROTO (framing lost). */
static int view_feed(struct view *v, const uint8_t *in, size_t len)
{
	while (len && !v->frames_reached) {
		struct cg_verify_info info;
		struct cg_record rec;
		enum cg_record_status st;
		size_t used = 0;

		st = cg_record_decode(&v->dec, in, len, &used, &rec);
		in += used;
		len -= used;
		if (st == CG_RECORD_NEED_MORE)
			continue;
		if (cg_record_status_fatal(st)) {
			cg_verifier_count(v->ver, st);
			cg_err(v->module, "record stream broken: %s: closing",
			       cg_record_status_text(st));
			return -EPROTO;
		}
		v->received++;
		if (st != CG_RECORD_OK) {
			cg_verifier_count(v->ver, st);
			log_reject(v, NULL, st);
			continue;
		}
		st = cg_verifier_check(v->ver, &rec, realtime_ns(), &info);
		if (st != CG_RECORD_OK) {
			log_reject(v, &rec, st);
			continue;
		}
		view_accepted(v, &rec, &info);
	}
	return 0;
}

/* Read records until the connection ends or the program is to stop. */
static int view_records(struct view *v, SSL *ssl, int fd)
{
	for (;;) {
		int r, ret;

		ERR_clear_error();
		r = SSL_read(ssl, v->rbuf, READ_BUF);
		if (r > 0) {
			if (!v->authed) {
				/* camguardd sends nothing after a wrong one. */
				v->authed = true;
				v->connections++;
				cg_info(v->module, "authenticated to %s port %u",
					v->host, v->port);
			}
			ret = view_feed(v, v->rbuf, (size_t)r);
			if (ret)
				return ret;
			if (view_done(v))
				return -ECANCELED;
			continue;
		}
		ret = ssl_again(v, ssl, fd, r, 0);
		if (ret)
			return ret;
	}
}

/*
 * One connection, from connect() to its end. Returns -ECANCELED when the
 * program is to stop, else the reason the connection ended.
 */
static int view_session(struct view *v)
{
	int64_t deadline = mono_ms() + CONNECT_TIMEOUT_MS;
	uint8_t challenge[CG_AUTH_MSG_LEN], response[CG_AUTH_MSG_LEN];
	uint8_t fp[CG_FINGERPRINT_LEN];
	char hello[CG_HELLO_MAX + 1], errs[512];
	SSL *ssl = NULL;
	int fd, ret, n;

	v->authed = false;
	fd = tcp_connect(v, deadline);
	if (fd < 0) {
		if (fd != -ECANCELED)
			v->connect_failed++;
		return fd;
	}

	n = cg_hello_format(v->pairing.display, hello, sizeof(hello));
	ret = n < 0 ? n : send_plain(v, fd, hello, (size_t)n, deadline);
	if (ret) {
		if (ret != -ECANCELED) {
			v->connect_failed++;
			cg_warn(v->module, "sending the hello line: %s",
				strerror(-ret));
		}
		goto out;
	}

	ssl = SSL_new(v->ctx);
	if (!ssl || !SSL_set_fd(ssl, fd)) {
		ret = -ENOMEM;
		v->tls_failed++;
		cg_err(v->module, "TLS: %s", cg_tls_errors(errs, sizeof(errs)));
		goto out;
	}
	SSL_set_connect_state(ssl);
	for (;;) {
		ERR_clear_error();
		n = SSL_connect(ssl);
		if (n == 1)
			break;
		ret = ssl_again(v, ssl, fd, n, deadline);
		if (!ret)
			continue;
		if (ret != -ECANCELED) {
			v->tls_failed++;
			cg_log(fail_level(v, CG_LOG_WARN), v->module,
			       "TLS handshake with %s port %u: %s", v->host,
			       v->port, ret == -EPROTO ?
			       cg_tls_errors(errs, sizeof(errs)) :
			       strerror(-ret));
		}
		goto out;
	}

	ret = cg_tls_peer_fingerprint(ssl, fp);
	if (ret || CRYPTO_memcmp(fp, v->fingerprint, sizeof(fp))) {
		char got[3 * CG_FINGERPRINT_LEN], want[3 * CG_FINGERPRINT_LEN];

		v->tls_failed++;
		hex_colons(want, v->fingerprint, sizeof(fp));
		if (ret) {
			cg_log(fail_level(v, CG_LOG_ERR), v->module,
			       "%s port %u sent no certificate", v->host,
			       v->port);
		} else {
			hex_colons(got, fp, sizeof(fp));
			cg_log(fail_level(v, CG_LOG_ERR), v->module,
			       "%s port %u is not the paired camguardd: certificate SHA-256 %s, pinned %s; closing",
			       v->host, v->port, got, want);
		}
		ret = -EPERM;
		goto out;
	}

	ret = ssl_read_exact(v, ssl, fd, challenge, sizeof(challenge),
			     deadline);
	if (!ret) {
		ret = cg_auth_respond(v->pairing.key, v->pairing.display,
				      challenge, response);
		if (ret == -EINVAL)
			ret = -EPROTO;	/* not a challenge */
	}
	if (!ret)
		ret = ssl_write_all(v, ssl, fd, response, sizeof(response),
				    deadline);
	OPENSSL_cleanse(response, sizeof(response));
	if (ret) {
		if (ret != -ECANCELED) {
			v->tls_failed++;
			cg_log(fail_level(v, CG_LOG_WARN), v->module,
			       "authentication with %s port %u: %s",
			       v->host, v->port, ret == -EPROTO ?
			       "bad challenge or TLS error" : strerror(-ret));
		}
		goto out;
	}

	ret = view_records(v, ssl, fd);
	if (ret == -ECANCELED)
		goto out;
	if (!v->authed) {
		v->auth_failed++;
		cg_log(fail_level(v, CG_LOG_WARN), v->module,
		       "%s port %u closed the connection before any record: wrong key, or revoked?",
		       v->host, v->port);
	} else {
		cg_warn(v->module, "connection to %s port %u lost: %s",
			v->host, v->port, ret == -ECONNRESET ? "closed" :
			ret == -EPROTO ? "record stream or TLS error" :
			strerror(-ret));
	}
	if (cg_record_decoder_finish(&v->dec) == CG_RECORD_TRUNCATED) {
		cg_verifier_count(v->ver, CG_RECORD_TRUNCATED);
		log_reject(v, NULL, CG_RECORD_TRUNCATED);
	}
out:
	ERR_clear_error();
	cg_record_decoder_reset(&v->dec);
	if (ssl) {
		/* Best effort, never waiting: the socket is closed anyway. */
		if (ret != -EPROTO && ret != -ECONNRESET)
			SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	close(fd);
	ERR_clear_error();
	return ret;
}

/* Pairing file and the overrides for a relay. */
static int view_setup(struct view *v)
{
	char err[1024];
	int ret;

	ret = cg_pairing_load(v->opt.pairing_file, &v->pairing, err,
			      sizeof(err));
	if (ret) {
		fprintf(stderr, PROG ": %s\n", err);
		return ret;
	}
	snprintf(v->host, sizeof(v->host), "%s", v->pairing.host);
	v->port = v->pairing.port;
	memcpy(v->fingerprint, v->pairing.fingerprint, CG_FINGERPRINT_LEN);
	if (v->opt.connect &&
	    (cg_kv_parse_hostport(v->opt.connect, v->host, &v->port) ||
	     !strcmp(v->host, "*"))) {
		fprintf(stderr,
			PROG ": bad --connect '%s': expected HOST:PORT or [IPV6]:PORT\n",
			v->opt.connect);
		return -EINVAL;
	}
	if (v->opt.fingerprint &&
	    cg_kv_parse_hex(v->opt.fingerprint, v->fingerprint,
			    CG_FINGERPRINT_LEN, true)) {
		fprintf(stderr,
			PROG ": bad --fingerprint: expected 64 hex digits or 32 pairs separated by ':'\n");
		return -EINVAL;
	}
	snprintf(v->module, sizeof(v->module), "display %s",
		 v->pairing.display);

	v->ctx = cg_tls_client_ctx(err, sizeof(err));
	if (!v->ctx) {
		fprintf(stderr, PROG ": TLS: %s\n", err);
		return -EIO;
	}
	v->seal_key = cg_hmac_new(v->pairing.key);
	{
		const struct cg_verifier_config cfg = {
			.key = v->pairing.key,
			.tag_key = v->pairing.key,
			.channel_id = 0,
			.check_owner = true,
			.owner_uid = v->pairing.owner_uid,
			.max_age_ns = (uint64_t)v->opt.max_age_ms * 1000000ull,
		};

		v->ver = cg_verifier_new(&cfg);
	}
	v->rbuf = malloc(READ_BUF);
	if (!v->seal_key || !v->ver || !v->rbuf ||
	    cg_record_decoder_init(&v->dec, CG_RECORD_DEFAULT_MAX_PAYLOAD,
				   v->seal_key)) {
		fprintf(stderr, PROG ": out of memory\n");
		return -ENOMEM;
	}
	return 0;
}

static void view_cleanup(struct view *v)
{
	cg_record_decoder_release(&v->dec);
	cg_verifier_free(v->ver);
	cg_hmac_free(v->seal_key);
	SSL_CTX_free(v->ctx);
	free(v->rbuf);
	cg_pairing_clear(&v->pairing);
}

static void setup_signals(struct view *v)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Delivered only inside ppoll(), so a stop is never missed. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &v->wait_mask);
	sigdelset(&v->wait_mask, SIGTERM);
	sigdelset(&v->wait_mask, SIGINT);
}

int main(int argc, char **argv)
{
	static struct view view;
	struct view *v = &view;
	int64_t start, backoff = BACKOFF_MIN_MS;
	int status = EXIT_OK, ret;

	parse_args(argc, argv, &v->opt);
	cg_log_init(PROG, v->opt.quiet ? CG_LOG_WARN : CG_LOG_INFO);
	if (view_setup(v)) {
		view_cleanup(v);
		return EXIT_USAGE;
	}
	setup_signals(v);

	start = mono_ms();
	v->next_tick_ms = start + TICK_MS;
	if (v->opt.duration_s)
		v->end_ms = start + (int64_t)v->opt.duration_s * 1000;
	cg_info(v->module, "owner %u, connecting to %s port %u",
		v->pairing.owner_uid, v->host, v->port);

	for (;;) {
		ret = view_session(v);
		if (ret == -ECANCELED || view_done(v))
			break;
		if (!v->opt.reconnect) {
			v->lost = true;
			break;
		}
		if (v->authed) {
			backoff = BACKOFF_MIN_MS;
			v->fail_streak = 0;
		} else {
			v->fail_streak++;
		}
		ret = view_wait(v, -1, 0, mono_ms() + backoff);
		if (ret == -ECANCELED)
			break;
		backoff = backoff * 2 < BACKOFF_MAX_MS ? backoff * 2 :
							 BACKOFF_MAX_MS;
	}

	if (stop_signal)
		cg_info(v->module, "%s: stopping", strsignal(stop_signal));
	if (!v->opt.quiet)
		stats_line(v);
	stats_file(v);

	if (v->foreign_owner)
		status = EXIT_FOREIGN;
	else if (v->lost)
		status = EXIT_INCOMPLETE;
	else if (v->opt.frames && !v->frames_reached && !stop_signal)
		status = EXIT_INCOMPLETE;
	view_cleanup(v);
	return status;
}
