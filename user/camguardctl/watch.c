// SPDX-License-Identifier: MIT
/* camguardctl [--json] watch [--count N]: the audit group, live (admin). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "ctl.h"

/* The attributes of an audit event, in the order they are printed. */
static const struct {
	int attr;
	const char *key;
} audit_fields[] = {
	{ CAMGUARD_A_COUNT, "count" },
	{ CAMGUARD_A_OWNER_UID, "uid" },
	{ CAMGUARD_A_OWNER_GID, "gid" },
	{ CAMGUARD_A_USER_UID, "user" },
	{ CAMGUARD_A_LIMIT, "limit" },
	{ CAMGUARD_A_CAM_ID, "camera" },
	{ CAMGUARD_A_STREAM_ID, "stream" },
	{ CAMGUARD_A_CHAN_ID, "channel" },
	{ CAMGUARD_A_SUPPRESSED, "suppressed" },
};

struct watch_state {
	unsigned long left;	/* events still to print; 0: no limit */
	bool json;
};

static int print_audit(uint8_t cmd, struct nlattr **a, void *arg)
{
	struct watch_state *st = arg;
	bool json = st->json;
	size_t i;

	if (cmd != CAMGUARD_CMD_AUDIT)
		return 0;
	printf(json ? "{\"reason\": \"%s\"" : "%s",
	       cg_nl_reason_name(ctl_u32_or(a[CAMGUARD_A_REASON], 0)));
	for (i = 0; i < sizeof(audit_fields) / sizeof(audit_fields[0]); i++) {
		const struct nlattr *f = a[audit_fields[i].attr];
		const char *key = audit_fields[i].key;
		uint64_t v;

		if (!f)
			continue;
		v = nla_len(f) == sizeof(uint64_t) ? nla_get_u64(f) : nla_get_u32(f);
		if (audit_fields[i].attr == CAMGUARD_A_LIMIT)
			printf(json ? ", \"%s\": \"%s\"" : " %s=%s", key,
			       cg_nl_limit_name((uint32_t)v));
		else
			printf(json ? ", \"%s\": %" PRIu64 : " %s=%" PRIu64, key, v);
	}
	puts(json ? "}" : "");
	fflush(stdout);
	if (st->left && --st->left == 0)
		return NL_STOP;
	return 0;
}

static int watch(struct cg_nl *nl, void *arg)
{
	struct watch_state *st = arg;
	bool count = st->left;
	int ret = cg_nl_join_audit(nl);

	while (!ret) {
		ret = cg_nl_recv_events(nl, -1, print_audit, st);
		if (ret == -ENOBUFS) {
			fprintf(stderr, "camguardctl: audit events lost (receive buffer full)\n");
			ret = 0;
		}
		if (ret > 0)
			ret = 0;
		if (count && !st->left)
			break;
	}
	return ret;
}


int ctl_watch(const struct ctl_opts *o, int argc, char **argv)
{
	struct watch_state st = { .left = o->count, .json = o->json };

	(void)argv;
	if (argc) {
		ctl_usage(stderr);
		return 2;
	}
	return ctl_nl_run("watch", watch, &st);
}
