// SPDX-License-Identifier: GPL-2.0
/*
 * cg-mjpeg-reader: the light client of µStreamer in `make bench-compare`
 * (tests/guest/bench-compare.sh), camguard-view --no-decode's counterpart.
 * It reads µStreamer's MJPEG stream (GET /stream?extra_headers=1, a
 * multipart/x-mixed-replace response) and decodes nothing: per JPEG part
 * it reads the headers and skips Content-Length bytes.
 *
 *   cg-mjpeg-reader --connect HOST:PORT --duration SEC [--latency-log FILE]
 *
 * The latency log has camguard-view's format, a line per frame:
 * "RECEIPT_US LATENCY_US": the moment the part's last byte was read
 * (CLOCK_MONOTONIC, the clock of the benchmark's window), and the time
 * from the part's X-UStreamer-Grab-Time to then. µStreamer 4.9 takes that
 * grab time when it dequeues the buffer (not the buffer's timestamp), from
 * CLOCK_MONOTONIC_RAW, in seconds kept to the millisecond: the latency is
 * taken on that clock. At the end it prints "frames N bytes N".
 * Exit status: 0, 1 when the stream broke or did not parse, 2 for usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_LEN		(64 * 1024)
#define HEAD_MAX	(16 * 1024)	/* a part's headers, or the response's */
#define FRAME_MAX	(64u << 20)

static uint64_t clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t mono_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

static int usage(void)
{
	fputs("usage: cg-mjpeg-reader --connect HOST:PORT --duration SEC [--latency-log FILE]\n",
	      stderr);
	return 2;
}

static int dial(const char *hostport)
{
	char host[256], *colon;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd, ret;

	if (snprintf(host, sizeof(host), "%s", hostport) >= (int)sizeof(host))
		return -1;
	colon = strrchr(host, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	ret = getaddrinfo(host, colon + 1, &hints, &ai);
	if (ret) {
		fprintf(stderr, "cg-mjpeg-reader: %s: %s\n", hostport,
			gai_strerror(ret));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		fprintf(stderr, "cg-mjpeg-reader: connect %s: %s\n", hostport,
			strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

struct reader {
	int fd;
	uint64_t end_us;
	char buf[BUF_LEN];
	size_t have;		/* bytes in buf */
};

/* More bytes into buf: 1, 0 at the end of the stream or time, -1 error. */
static int fill(struct reader *r)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	uint64_t now = mono_us();
	ssize_t n;

	if (r->have == sizeof(r->buf))
		return -1;
	if (now >= r->end_us)
		return 0;
	if (poll(&p, 1, (int)((r->end_us - now) / 1000) + 1) <= 0)
		return 0;
	n = read(r->fd, r->buf + r->have, sizeof(r->buf) - r->have);
	if (n <= 0)
		return n < 0 ? -1 : 0;
	r->have += (size_t)n;
	return 1;
}

static void consume(struct reader *r, size_t n)
{
	memmove(r->buf, r->buf + n, r->have - n);
	r->have -= n;
}

/*
 * The next header block (up to and with its empty line) into @head, NUL
 * terminated, lines that are only a boundary or empty before it skipped.
 */
static int read_head(struct reader *r, char *head)
{
	char *end;
	size_t len;
	int ret;

	for (;;) {
		end = memmem(r->buf, r->have, "\r\n\r\n", 4);
		if (end)
			break;
		if (r->have >= HEAD_MAX)
			return -1;
		ret = fill(r);
		if (ret <= 0)
			return ret;
	}
	len = (size_t)(end - r->buf) + 4;
	memcpy(head, r->buf, len);
	head[len] = '\0';
	consume(r, len);
	return 1;
}

/* The value of header @name in @head (case-insensitive), or NULL. */
static const char *header(const char *head, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = head; p && *p; p = strstr(p, "\r\n"), p = p ? p + 2 : p)
		if (!strncasecmp(p, name, n) && p[n] == ':')
			return p + n + 1;
	return NULL;
}

/* Skip @len payload bytes: 1, or 0/-1 as fill(). */
static int skip(struct reader *r, size_t len)
{
	int ret;

	while (len) {
		size_t n = len < r->have ? len : r->have;

		consume(r, n);
		len -= n;
		if (len) {
			ret = fill(r);
			if (ret <= 0)
				return ret;
		}
	}
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "latency-log", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	static struct reader r;
	static char head[HEAD_MAX + 1];
	const char *connect_to = NULL, *log_path = NULL, *v;
	unsigned long long frames = 0, bytes = 0;
	unsigned long duration = 0, len;
	FILE *log = NULL;
	char req[256];
	int c, ret, status = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			connect_to = optarg;
			break;
		case 'd':
			duration = strtoul(optarg, NULL, 10);
			break;
		case 'l':
			log_path = optarg;
			break;
		default:
			return usage();
		}
	}
	if (!connect_to || !duration || duration > 86400 || optind < argc)
		return usage();
	if (log_path) {
		log = fopen(log_path, "we");
		if (!log) {
			fprintf(stderr, "cg-mjpeg-reader: %s: %s\n", log_path,
				strerror(errno));
			return 2;
		}
	}
	r.fd = dial(connect_to);
	if (r.fd < 0)
		return 1;
	r.end_us = mono_us() + duration * 1000000ul;
	snprintf(req, sizeof(req),
		 "GET /stream?extra_headers=1 HTTP/1.1\r\nHost: %s\r\n\r\n",
		 connect_to);
	if (write(r.fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		fprintf(stderr, "cg-mjpeg-reader: request: %s\n", strerror(errno));
		return 1;
	}
	ret = read_head(&r, head);
	if (ret <= 0 || strncmp(head, "HTTP/1.", 7) || strncmp(head + 9, "200", 3)) {
		fprintf(stderr, "cg-mjpeg-reader: no 200 response: %.60s\n",
			ret > 0 ? head : "(nothing)");
		return 1;
	}
	for (;;) {
		double grab = 0;
		uint64_t now;

		ret = read_head(&r, head);
		if (ret <= 0)
			break;
		v = header(head, "Content-Length");
		len = v ? strtoul(v, NULL, 10) : 0;
		if (!v || !len || len > FRAME_MAX) {
			fprintf(stderr, "cg-mjpeg-reader: a part without a usable Content-Length\n");
			ret = -1;
			break;
		}
		v = header(head, "X-UStreamer-Grab-Time");
		if (v)
			grab = strtod(v, NULL);
		ret = skip(&r, len);
		if (ret <= 0)
			break;
		now = mono_us();
		frames++;
		bytes += len;
		if (log && grab > 0)
			fprintf(log, "%llu %lld\n", (unsigned long long)now,
				(long long)clock_us(CLOCK_MONOTONIC_RAW) -
				(long long)(grab * 1e6));
	}
	if (ret < 0) {
		fprintf(stderr, "cg-mjpeg-reader: the stream broke after %llu frames\n",
			frames);
		status = 1;
	}
	if (log && fclose(log)) {
		fprintf(stderr, "cg-mjpeg-reader: %s: %s\n", log_path,
			strerror(errno));
		status = 1;
	}
	printf("frames %llu bytes %llu\n", frames, bytes);
	close(r.fd);
	return status;
}
