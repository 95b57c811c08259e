// SPDX-License-Identifier: MIT
/* What more than one of camguardctl's subcommands uses (ctl.h). */
#include <errno.h>
#include <stdio.h>

#include "ctl.h"
#include "keyval.h"

void ctl_usage(FILE *f)
{
	fputs("usage: camguardctl [--json] cameras|streams|channels\n"
	      "       camguardctl bind CAMERA USER[:GROUP]\n"
	      "       camguardctl unbind CAMERA\n"
	      "       camguardctl mute CAMERA on|off\n"
	      "       camguardctl [--json] watch [--count N]\n"
	      "       camguardctl [-c CONFIG] pair NAME [--address HOST:PORT] [--out FILE]\n"
	      "                   [--link]\n"
	      "       camguardctl [-c CONFIG] revoke NAME\n"
	      "\n"
	      "  -j, --json           cameras, streams, channels, watch: JSON instead of text\n"
	      "  -c, --config CONFIG  camguardd's configuration, for pair and revoke\n"
	      "                       (default " CTL_DEFAULT_CONFIG ")\n"
	      "      --count N        watch: exit after N events\n"
	      "      --address HOST:PORT  pair: where the display connects\n"
	      "                       (default: the first [listen] address)\n"
	      "      --out FILE       pair: write the pairing file here\n"
	      "      --link           pair: also print the browser display's pairing\n"
	      "                       link (it holds the key: a secret)\n"
	      "  -h, --help           show this help\n",
	      f);
}

uint32_t ctl_u32_or(struct nlattr *a, uint32_t dflt)
{
	return a ? nla_get_u32(a) : dflt;
}

const char *ctl_str_or(struct nlattr *a, const char *dflt)
{
	return a ? nla_get_string(a) : dflt;
}

int ctl_nl_run(const char *cmd, int (*fn)(struct cg_nl *nl, void *arg),
	       void *arg)
{
	struct cg_nl nl;
	int ret;

	if (cg_nl_open(&nl)) {
		fprintf(stderr, "camguardctl: %s\n", nl.errmsg);
		return 1;
	}
	ret = fn(&nl, arg);
	if (ret)
		fprintf(stderr, "camguardctl %s: %s\n", cmd, nl.errmsg);
	cg_nl_close(&nl);
	return ret ? 1 : 0;
}

int ctl_display_arg(int argc, char **argv)
{
	if (argc != 1) {
		ctl_usage(stderr);
		return 2;
	}
	if (!cg_kv_name_ok(argv[0])) {
		fprintf(stderr, "camguardctl: bad display name '%s' (1 to %d of A-Z a-z 0-9 _ . -)\n",
			argv[0], CG_KV_MAX_NAME);
		return 2;
	}
	return 0;
}

int ctl_load_display(const char *config, const char *name,
		     struct cg_config *cfg,
		     const struct cg_config_display **disp)
{
	char err[512];
	int i;

	if (cg_config_load(config, &cg_user_db_system, cfg, err, sizeof(err))) {
		fprintf(stderr, "camguardctl: %s\n", err);
		return -EINVAL;
	}
	i = cg_config_find_display(cfg, name);
	if (i >= 0) {
		*disp = &cfg->displays[i];
		return 0;
	}
	fprintf(stderr, "camguardctl: no [display %s] in %s: add it first (docs/config.md)\n",
		name, config);
	cg_config_free(cfg);
	return -ENOENT;
}
