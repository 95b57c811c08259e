// SPDX-License-Identifier: GPL-2.0
/*
 * cg-relay: an untrusted relay between camguardd and its displays, for the
 * incident replay (tests/relay/README.md).
 *
 *   cg-relay --listen HOST:PORT --upstream HOST:PORT --cert FILE --key FILE
 *            --control FIFO --stats-file FILE [--seed N] [--verbose]
 *
 * One thread, one poll() loop, non-blocking sockets. SIGTERM and SIGINT
 * stop it after a last stats file.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>

#include "log.h"
#include "relay.h"

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

uint64_t relay_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* splitmix64: the same --seed gives the same choices for the same input. */
uint64_t relay_random(struct relay *r)
{
	uint64_t z = (r->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void usage(FILE *f)
{
	fputs("usage: cg-relay --listen HOST:PORT --upstream HOST:PORT --cert FILE --key FILE\n"
	      "                --control FIFO --stats-file FILE [--seed N] [--verbose]\n"
	      "                [--web-root DIR]\n"
	      "control commands (one per line): swap N, replay N, reorder N, drop N,\n"
	      "  corrupt N, truncate N, cache on|off, storm, stats\n", f);
}

static int resolve(const char *what, const char *arg, bool passive,
		   struct addrinfo **res)
{
	char host[CG_KV_MAX_HOST + 1], port[8];
	struct addrinfo hints = { 0 };
	uint16_t p;
	int ret;

	if (cg_kv_parse_hostport(arg, host, &p)) {
		cg_err(RELAY_LOG, "%s '%s': expected HOST:PORT or [IPV6]:PORT",
		       what, arg);
		return -1;
	}
	if (!passive && !strcmp(host, "*")) {
		cg_err(RELAY_LOG, "%s '%s': '*' is only for --listen", what, arg);
		return -1;
	}
	snprintf(port, sizeof(port), "%u", p);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	ret = getaddrinfo(strcmp(host, "*") ? host : NULL, port, &hints, res);
	if (ret) {
		cg_err(RELAY_LOG, "%s '%s': %s", what, arg, gai_strerror(ret));
		return -1;
	}
	return 0;
}

static int listen_on(struct relay *r, const char *arg)
{
	struct addrinfo *res, *ai;
	int one = 1, err = 0;

	if (resolve("--listen", arg, true, &res))
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
				SOCK_CLOEXEC, ai->ai_protocol);

		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 128)) {
			r->listen_fd = fd;
			break;
		}
		err = errno;
		close(fd);
	}
	freeaddrinfo(res);
	if (r->listen_fd < 0) {
		cg_err(RELAY_LOG, "--listen %s: %s", arg, strerror(err));
		return -1;
	}
	return 0;
}

static int upstream_addrs(struct relay *r, const char *arg)
{
	struct addrinfo *res, *ai;

	if (resolve("--upstream", arg, false, &res))
		return -1;
	for (ai = res; ai && r->n_up < RELAY_MAX_UPSTREAM; ai = ai->ai_next) {
		memcpy(&r->up_addr[r->n_up], ai->ai_addr, ai->ai_addrlen);
		r->up_addrlen[r->n_up++] = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	return 0;
}

static int run(struct relay *r)
{
	struct pollfd pfd[2 + 2 * RELAY_MAX_CONNS];
	struct conn *slot[2 + 2 * RELAY_MAX_CONNS];
	uint64_t next_stats = relay_now_ms() + 1000, now;
	struct timespec ts;
	sigset_t none;
	unsigned int i, n;
	bool kicked;
	int ret, ms;

	sigemptyset(&none);
	while (!stop_signal) {
		kicked = false;
		n = 0;
		pfd[n++] = (struct pollfd){ .fd = r->listen_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = r->ctl_fd, .events = POLLIN };
		for (i = 0; i < r->n_conns; i++) {
			struct conn *c = r->conns[i];

			kicked |= c->kick;
			slot[n] = c;
			pfd[n++] = (struct pollfd){ .fd = c->down_fd,
						    .events = c->down_ev };
			slot[n] = c;
			pfd[n++] = (struct pollfd){ .fd = c->up_fd,
						    .events = c->up_ev };
		}
		now = relay_now_ms();
		ms = kicked ? 0 : now >= next_stats ? 0 : (int)(next_stats - now);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		/* Signals are blocked except inside ppoll(): none is missed. */
		ret = ppoll(pfd, n, &ts, &none);
		if (ret < 0 && errno != EINTR) {
			cg_err(RELAY_LOG, "poll: %s", strerror(errno));
			return -1;
		}
		if (ret < 0)
			continue;
		for (i = 2; i < n; i++) {
			if (i % 2 == 0)
				slot[i]->down_rev = pfd[i].revents;
			else
				slot[i]->up_rev = pfd[i].revents;
		}
		if (pfd[1].revents & POLLIN)
			control_read(r);
		/* Every connection, every turn: SSL may hold bytes poll cannot see. */
		for (i = 0; i < r->n_conns; i++)
			conn_progress(r, r->conns[i]);
		conn_sweep(r);
		if (pfd[0].revents & POLLIN) {
			conn_accept(r);
			for (i = 0; i < r->n_conns; i++)
				if (r->conns[i]->state == CONN_HELLO)
					conn_progress(r, r->conns[i]);
			conn_sweep(r);
		}
		if (relay_now_ms() >= next_stats) {
			stats_write(r);
			next_stats = relay_now_ms() + 1000;
		}
	}
	cg_info(RELAY_LOG, "stopping on %s", strsignal(stop_signal));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "upstream", required_argument, NULL, 'u' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "control", required_argument, NULL, 'C' },
		{ "stats-file", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "web-root", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_arg = NULL, *up_arg = NULL, *cert = NULL,
		   *key = NULL, *control = NULL;
	static struct relay relay;
	struct relay *r = &relay;
	struct sigaction sa = { 0 };
	enum cg_log_level level = CG_LOG_INFO;
	unsigned long long seed = 1;
	sigset_t block;
	char err[512], *end;
	int opt, ret = 1;

	r->listen_fd = -1;
	r->ctl_fd = -1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			listen_arg = optarg;
			break;
		case 'u':
			up_arg = optarg;
			break;
		case 'c':
			cert = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'C':
			control = optarg;
			break;
		case 'w':
			r->web_root = optarg;
			break;
		case 's':
			r->stats_file = optarg;
			break;
		case 'S':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || *optarg == '-') {
				fprintf(stderr, "cg-relay: bad --seed '%s'\n", optarg);
				return 2;
			}
			break;
		case 'v':
			level = CG_LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !listen_arg || !up_arg || !cert || !key ||
	    !control || !r->stats_file) {
		fprintf(stderr, "cg-relay: --listen, --upstream, --cert, --key, --control and --stats-file are required\n");
		usage(stderr);
		return 2;
	}
	cg_log_init("cg-relay", level);
	r->rng = seed;

	/* A display that leaves mid-write must be an error, not a death. */
	signal(SIGPIPE, SIG_IGN);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);

	r->server_ctx = cg_tls_server_ctx(cert, key, err, sizeof(err));
	if (!r->server_ctx) {
		cg_err(RELAY_LOG, "%s", err);
		goto out;
	}
	r->client_ctx = cg_tls_client_ctx(err, sizeof(err));
	if (!r->client_ctx) {
		cg_err(RELAY_LOG, "%s", err);
		goto out;
	}
	if (upstream_addrs(r, up_arg) || listen_on(r, listen_arg) ||
	    control_open(r, control))
		goto out;
	if (stats_write(r))
		goto out;
	cg_info(RELAY_LOG, "listening on %s, camguardd at %s, control %s, seed %llu",
		listen_arg, up_arg, control, seed);
	ret = run(r) ? 1 : 0;
out:
	conn_free_all(r);
	if (r->stats_file && r->listen_fd >= 0 && r->ctl_fd >= 0)
		stats_write(r);
	display_free_all(r);
	if (r->listen_fd >= 0)
		close(r->listen_fd);
	if (r->ctl_fd >= 0)
		close(r->ctl_fd);
	SSL_CTX_free(r->server_ctx);
	SSL_CTX_free(r->client_ctx);
	return ret;
}
