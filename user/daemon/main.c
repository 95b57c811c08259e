// SPDX-License-Identifier: MIT
/*
 * camguardd: serves camera frames to paired displays, one worker process
 * per owner (docs/camguardd.md).
 *
 *   camguardd [-c CONFIG] [--check-config] [-v]
 *
 * Exit status: 0 stopped by SIGTERM/SIGINT (or --check-config passed),
 * 1 could not start (not root, listen or control sockets), 2 bad usage or
 * a bad configuration ("FILE:LINE: problem" on stderr). An owner whose
 * TLS identity is missing or bad stops neither: that owner's worker says
 * so and retries, the others serve.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "identity.h"
#include "log.h"

#define DEFAULT_CONFIG	"/etc/camguard/camguardd.conf"

static void usage(FILE *f)
{
	fputs("usage: camguardd [-c CONFIG] [--check-config] [-v]\n"
	      "  -c, --config FILE   configuration (default " DEFAULT_CONFIG ")\n"
	      "      --check-config  check the configuration and the owners' TLS identities, then exit\n"
	      "  -v, --verbose       debug log lines\n"
	      "  -h, --help          show this help\n", f);
}

/* The owner of camera @i, then of display @i - n_cameras. */
static const struct cg_owner *owner_at(const struct cg_config *cfg,
				       unsigned int i)
{
	return i < cfg->n_cameras ? &cfg->cameras[i].owner :
	       &cfg->displays[i - cfg->n_cameras].owner;
}

/*
 * --check-config: every owner's identity, loaded as its worker will load
 * it (and freed at once: this process serves nothing). A bad one is an
 * error line naming the owner, not a failed check, since camguardd runs
 * the other owners all the same. Returns how many are bad.
 */
static unsigned int check_identities(const struct cg_config *cfg)
{
	unsigned int i, j, n = cfg->n_cameras + cfg->n_displays, bad = 0;
	const struct cg_owner *o;
	char err[1400];
	SSL_CTX *ctx;

	for (i = 0; i < n; i++) {
		o = owner_at(cfg, i);
		for (j = 0; j < i && owner_at(cfg, j)->uid != o->uid; j++)
			;
		if (j < i)	/* each uid once */
			continue;
		ctx = cg_identity_server_ctx(cfg->identities, o, err,
					     sizeof(err));
		if (!ctx) {
			cg_err("config", "TLS identity: %s", err);
			bad++;
		}
		SSL_CTX_free(ctx);
	}
	return bad;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_CONFIG;
	bool check = false, verbose = false;
	struct cg_config cfg;
	char err[1024];
	int opt;

	while ((opt = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = true;
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
	cg_log_init(CG_DAEMON_NAME, verbose ? CG_LOG_DEBUG : CG_LOG_INFO);

	if (cg_config_load(path, &cg_user_db_system, &cfg, err,
			   sizeof(err)) < 0) {
		cg_err("config", "%s", err);
		return 2;
	}
	if (check) {
		unsigned int bad = check_identities(&cfg);

		printf("%s: ok: %u camera(s), %u display(s)", path,
		       cfg.n_cameras, cfg.n_displays);
		if (bad)
			printf("; %u owner(s) without a usable TLS identity: their displays will be refused", bad);
		putchar('\n');
		cg_config_free(&cfg);
		return 0;
	}
	if (geteuid() != 0) {
		cg_err("supervisor", "must run as root (it starts one worker per owner, as that owner)");
		cg_config_free(&cfg);
		return 1;
	}
	cg_info("supervisor", "starting with %s", path);
	return cg_supervisor_run(path, &cfg) < 0 ? 1 : 0;
}
