// SPDX-License-Identifier: MIT
/*
 * camguardd: serves camera frames to paired displays, one worker process
 * per owner (docs/camguardd.md).
 *
 *   camguardd [-c CONFIG] [--check-config] [-v]
 *
 * Exit status: 0 stopped by SIGTERM/SIGINT (or --check-config passed),
 * 1 could not start (not root, TLS, listen sockets), 2 bad usage or a bad
 * configuration ("FILE:LINE: problem" on stderr).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "transport.h"

#define DEFAULT_CONFIG	"/etc/camguard/camguardd.conf"

static void usage(FILE *f)
{
	fputs("usage: camguardd [-c CONFIG] [--check-config] [-v]\n"
	      "  -c, --config FILE   configuration (default " DEFAULT_CONFIG ")\n"
	      "      --check-config  check the configuration and the TLS key, then exit\n"
	      "  -v, --verbose       debug log lines\n", f);
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
	SSL_CTX *tls;
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
	/* Before any fork: workers cannot read the key once unprivileged. */
	tls = cg_tls_server_ctx(cfg.certificate, cfg.private_key, err,
				sizeof(err));
	if (!tls) {
		cg_err("config", "TLS: %s", err);
		cg_config_free(&cfg);
		return check ? 2 : 1;
	}
	if (check) {
		printf("%s: ok: %u camera(s), %u display(s)\n", path,
		       cfg.n_cameras, cfg.n_displays);
		SSL_CTX_free(tls);
		cg_config_free(&cfg);
		return 0;
	}
	if (geteuid() != 0) {
		cg_err("supervisor", "must run as root (it starts one worker per owner, as that owner)");
		SSL_CTX_free(tls);
		cg_config_free(&cfg);
		return 1;
	}
	cg_info("supervisor", "starting with %s", path);
	return cg_supervisor_run(path, &cfg, tls) < 0 ? 1 : 0;
}
