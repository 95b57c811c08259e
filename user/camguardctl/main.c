// SPDX-License-Identifier: MIT
/*
 * camguardctl: look at and administer camguard's cameras, streams and
 * channels over its generic netlink family.
 *
 *   camguardctl [--json] cameras|streams|channels
 *   camguardctl bind CAMERA USER[:GROUP]      (admin)
 *   camguardctl unbind CAMERA                 (admin)
 *   camguardctl mute CAMERA on|off            (admin)
 *   camguardctl [--json] watch [--count N]    (admin: the audit group)
 *   camguardctl [-c CONFIG] pair NAME [--address HOST:PORT] [--out FILE]
 *                                     [--link]
 *   camguardctl [-c CONFIG] revoke NAME       (admin: the kernel, camguardd)
 *
 * pair and revoke read camguardd's config (docs/pairing.md). The table
 * below sends each subcommand to its file (ctl.h).
 *
 * Exit status: 0 done, 1 the kernel refused (its reason is printed) or
 * pairing failed, 2 bad usage.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "parse.h"

static const struct ctl_cmd ctl_cmds[] = {
	{ "cameras", ctl_cameras },
	{ "streams", ctl_streams },
	{ "channels", ctl_channels },
	{ "bind", ctl_bind },
	{ "unbind", ctl_unbind },
	{ "mute", ctl_mute },
	{ "watch", ctl_watch },
	{ "pair", ctl_pair },
	{ "revoke", ctl_revoke },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "address", required_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'o' },
		{ "link", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_opts o = { .config = CTL_DEFAULT_CONFIG };
	const char *cmd;
	size_t i;
	int opt;

	while ((opt = getopt_long(argc, argv, "jc:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			o.json = true;
			break;
		case 'c':
			o.config = optarg;
			break;
		case 'a':
			o.address = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'l':
			o.link = true;
			break;
		case 'n':
			if (cg_parse_u32(optarg, 1, UINT32_MAX, &o.count)) {
				fprintf(stderr, "camguardctl: bad --count '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			ctl_usage(stdout);
			return 0;
		default:
			ctl_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		ctl_usage(stderr);
		return 2;
	}
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;

	if ((o.address || o.out || o.link) && strcmp(cmd, "pair")) {
		fprintf(stderr, "camguardctl: --address, --out and --link are for pair only\n");
		return 2;
	}
	for (i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (!strcmp(cmd, ctl_cmds[i].name))
			return ctl_cmds[i].run(&o, argc, argv);
	fprintf(stderr, "camguardctl: unknown command '%s'\n", cmd);
	ctl_usage(stderr);
	return 2;
}
