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
 * This file holds the command line, the setup and the reconnect loop; the
 * other jobs have a file each (view.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/ssl.h>

#include "cli.h"
#include "parse.h"
#include "view.h"

static const char usage_text[] =
"usage: " PROG " --pairing FILE [OPTIONS]\n"
"Connect to camguardd as the pairing file says, verify and decrypt every\n"
"record, decode the frames and report.\n"
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
"  --no-decode           verify and decrypt, but decode no JPEG (a light\n"
"                        client for benchmarks; not with --expect-owner)\n"
"  --latency-log FILE    a line per accepted frame: receipt time and\n"
"                        latency from the frame's capture, both in us of\n"
"                        CLOCK_MONOTONIC (valid on the camera's machine)\n"
"  --quiet               no statistics line, warnings and errors only\n"
"  -h, --help            show this help\n"
"\n"
"Exit status: 0 normally; 1 if any frame carried another owner's stamp;\n"
"2 for usage and setup errors; 3 if the connection was lost without\n"
"--reconnect, or --duration ended before --frames was reached.\n";

/* This program's name in cli.h's usage errors. */
#define usage_error(...)	cg_usage_error(PROG, __VA_ARGS__)
#define option_u32(...)		cg_option_u32(PROG, __VA_ARGS__)

static void parse_args(int argc, char **argv, struct view_opts *o)
{
	enum {
		OPT_PAIRING = 256, OPT_CONNECT, OPT_FINGERPRINT,
		OPT_EXPECT_OWNER, OPT_SAVE, OPT_SAVE_EVERY, OPT_FRAMES,
		OPT_DURATION, OPT_RECONNECT, OPT_STATS_FILE, OPT_MAX_AGE,
		OPT_NO_DECODE, OPT_LATENCY_LOG, OPT_QUIET,
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
		{ "no-decode", no_argument, NULL, OPT_NO_DECODE },
		{ "latency-log", required_argument, NULL, OPT_LATENCY_LOG },
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
			o->expect_owner = option_u32("--expect-owner", optarg, 0,
						     UINT32_MAX);
			break;
		case OPT_SAVE:
			o->save_dir = optarg;
			break;
		case OPT_SAVE_EVERY:
			o->save_every = option_u32("--save-every", optarg, 1,
						   UINT32_MAX);
			break;
		case OPT_FRAMES:
			o->frames = option_u32("--frames", optarg, 1, UINT32_MAX);
			break;
		case OPT_DURATION:
			/* A year: far beyond any test, far below overflow. */
			o->duration_s = option_u32("--duration", optarg, 1,
						   366 * 86400);
			break;
		case OPT_RECONNECT:
			o->reconnect = true;
			break;
		case OPT_STATS_FILE:
			o->stats_file = optarg;
			break;
		case OPT_MAX_AGE:
			o->max_age_ms = option_u32("--max-age", optarg, 0,
						   UINT32_MAX);
			break;
		case OPT_NO_DECODE:
			o->no_decode = true;
			break;
		case OPT_LATENCY_LOG:
			o->latency_log = optarg;
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
	if (o->no_decode && o->have_owner)
		usage_error("--expect-owner reads the pixels: not with --no-decode");
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
	if (v->opt.latency_log) {
		v->latency_log = fopen(v->opt.latency_log, "we");
		if (!v->latency_log) {
			fprintf(stderr, PROG ": %s: %s\n", v->opt.latency_log,
				strerror(errno));
			return -errno;
		}
	}

	v->ctx = cg_tls_client_ctx(err, sizeof(err));
	if (!v->ctx) {
		fprintf(stderr, PROG ": TLS: %s\n", err);
		return -EIO;
	}
	v->seal_key = cg_record_keys_new(v->pairing.key);
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
	if (v->latency_log && fclose(v->latency_log))
		cg_warn(v->module, "%s: %s", v->opt.latency_log,
			strerror(errno));
	cg_record_decoder_release(&v->dec);
	cg_verifier_free(v->ver);
	cg_record_keys_free(v->seal_key);
	SSL_CTX_free(v->ctx);
	free(v->rbuf);
	cg_pairing_clear(&v->pairing);
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
	view_setup_signals(v);

	start = view_mono_ms();
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
		ret = view_wait(v, -1, 0, view_mono_ms() + backoff);
		if (ret == -ECANCELED)
			break;
		backoff = backoff * 2 < BACKOFF_MAX_MS ? backoff * 2 :
							 BACKOFF_MAX_MS;
	}

	if (view_stop_signal)
		cg_info(v->module, "%s: stopping", strsignal(view_stop_signal));
	if (!v->opt.quiet)
		view_stats_line(v);
	view_stats_file(v);

	if (v->foreign_owner)
		status = EXIT_FOREIGN;
	else if (v->lost)
		status = EXIT_INCOMPLETE;
	else if (v->opt.frames && !v->frames_reached && !view_stop_signal)
		status = EXIT_INCOMPLETE;
	view_cleanup(v);
	return status;
}
