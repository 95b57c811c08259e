// SPDX-License-Identifier: MIT
/* camguardctl [--json] cameras|streams|channels: the kernel's tables. */
#include <inttypes.h>
#include <stdio.h>

#include "ctl.h"

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

struct list_state {
	unsigned int n;
	bool json;
};

static void json_sep(struct list_state *st)
{
	fputs(st->n++ ? ",\n  " : "[\n  ", stdout);
}

static void json_end(struct list_state *st)
{
	puts(st->n ? "\n]" : "[]");
}

static void print_stats_json(struct nlattr *stats, bool camera)
{
	printf(", \"stats\": {\"tagged\": %" PRIu64 ", \"delivered\": %" PRIu64
	       ", \"withheld\": %" PRIu64 ", \"events_dropped\": %" PRIu64,
	       cg_nl_stat(stats, CAMGUARD_STAT_FRAMES_TAGGED),
	       cg_nl_stat(stats, CAMGUARD_STAT_FRAMES_DELIVERED),
	       cg_nl_stat(stats, CAMGUARD_STAT_FRAMES_WITHHELD),
	       cg_nl_stat(stats, CAMGUARD_STAT_EVENTS_DROPPED));
	if (camera)
		printf(", \"streams\": %" PRIu64 ", \"refused\": %" PRIu64,
		       cg_nl_stat(stats, CAMGUARD_STAT_STREAMS),
		       cg_nl_stat(stats, CAMGUARD_STAT_REFUSED));
	putchar('}');
}

static void print_stats_text(struct nlattr *stats)
{
	printf("tagged %" PRIu64 " delivered %" PRIu64 " withheld %" PRIu64
	       " dropped %" PRIu64,
	       cg_nl_stat(stats, CAMGUARD_STAT_FRAMES_TAGGED),
	       cg_nl_stat(stats, CAMGUARD_STAT_FRAMES_DELIVERED),
	       cg_nl_stat(stats, CAMGUARD_STAT_FRAMES_WITHHELD),
	       cg_nl_stat(stats, CAMGUARD_STAT_EVENTS_DROPPED));
}

static int show_camera(uint8_t cmd, struct nlattr **a, void *arg)
{
	struct list_state *st = arg;
	bool stream = a[CAMGUARD_A_STREAM_ID];

	(void)cmd;
	if (st->json) {
		json_sep(st);
		printf("{\"id\": %u, \"name\": ", ctl_u32_or(a[CAMGUARD_A_CAM_ID], 0));
		json_str(ctl_str_or(a[CAMGUARD_A_CAM_NAME], ""));
		printf(", \"devnode\": ");
		json_str(ctl_str_or(a[CAMGUARD_A_CAM_DEVNODE], ""));
		printf(", \"muted\": %s",
		       a[CAMGUARD_A_CAM_MUTED] &&
		       nla_get_u8(a[CAMGUARD_A_CAM_MUTED]) ? "true" : "false");
		if (a[CAMGUARD_A_CAM_BOUND_UID])
			printf(", \"bound_uid\": %u, \"bound_gid\": %u",
			       ctl_u32_or(a[CAMGUARD_A_CAM_BOUND_UID], 0),
			       ctl_u32_or(a[CAMGUARD_A_CAM_BOUND_GID], 0));
		if (stream)
			printf(", \"stream\": {\"id\": %" PRIu64 ", \"uid\": %u, \"gid\": %u, \"streaming\": %s}",
			       (uint64_t)nla_get_u64(a[CAMGUARD_A_STREAM_ID]),
			       ctl_u32_or(a[CAMGUARD_A_OWNER_UID], 0),
			       ctl_u32_or(a[CAMGUARD_A_OWNER_GID], 0),
			       a[CAMGUARD_A_STREAMING] &&
			       nla_get_u8(a[CAMGUARD_A_STREAMING]) ?
			       "true" : "false");
		print_stats_json(a[CAMGUARD_A_STATS], true);
		putchar('}');
		return 0;
	}
	if (!st->n++)
		printf("%-4s %-8s %-6s %-12s %-28s %s\n", "CAM", "NODE", "MUTED",
		       "BOUND", "STREAM (uid)", "FRAMES");
	printf("%-4u %-8s %-6s ", ctl_u32_or(a[CAMGUARD_A_CAM_ID], 0),
	       ctl_str_or(a[CAMGUARD_A_CAM_DEVNODE], "?"),
	       a[CAMGUARD_A_CAM_MUTED] && nla_get_u8(a[CAMGUARD_A_CAM_MUTED]) ?
	       "yes" : "no");
	if (a[CAMGUARD_A_CAM_BOUND_UID])
		printf("%5u:%-6u ", ctl_u32_or(a[CAMGUARD_A_CAM_BOUND_UID], 0),
		       ctl_u32_or(a[CAMGUARD_A_CAM_BOUND_GID], 0));
	else
		printf("%-12s ", "-");
	if (stream) {
		char buf[40];

		snprintf(buf, sizeof(buf), "%" PRIu64 " (%u)",
			 (uint64_t)nla_get_u64(a[CAMGUARD_A_STREAM_ID]),
			 ctl_u32_or(a[CAMGUARD_A_OWNER_UID], 0));
		printf("%-28s ", buf);
	} else {
		printf("%-28s ", "-");
	}
	print_stats_text(a[CAMGUARD_A_STATS]);
	putchar('\n');
	return 0;
}

static int show_stream(uint8_t cmd, struct nlattr **a, void *arg)
{
	struct list_state *st = arg;
	uint64_t id = a[CAMGUARD_A_STREAM_ID] ?
		      nla_get_u64(a[CAMGUARD_A_STREAM_ID]) : 0;
	bool on = a[CAMGUARD_A_STREAMING] && nla_get_u8(a[CAMGUARD_A_STREAMING]);

	(void)cmd;
	if (st->json) {
		json_sep(st);
		printf("{\"camera\": %u, \"id\": %" PRIu64 ", \"uid\": %u, \"gid\": %u, \"streaming\": %s",
		       ctl_u32_or(a[CAMGUARD_A_CAM_ID], 0), id,
		       ctl_u32_or(a[CAMGUARD_A_OWNER_UID], 0),
		       ctl_u32_or(a[CAMGUARD_A_OWNER_GID], 0), on ? "true" : "false");
		print_stats_json(a[CAMGUARD_A_STATS], false);
		putchar('}');
		return 0;
	}
	if (!st->n++)
		printf("%-4s %-20s %-7s %-7s %-9s %s\n", "CAM", "STREAM", "UID",
		       "GID", "STREAMING", "FRAMES");
	printf("%-4u %-20" PRIu64 " %-7u %-7u %-9s ",
	       ctl_u32_or(a[CAMGUARD_A_CAM_ID], 0), id,
	       ctl_u32_or(a[CAMGUARD_A_OWNER_UID], 0),
	       ctl_u32_or(a[CAMGUARD_A_OWNER_GID], 0), on ? "yes" : "no");
	print_stats_text(a[CAMGUARD_A_STATS]);
	putchar('\n');
	return 0;
}

static int show_channel(uint8_t cmd, struct nlattr **a, void *arg)
{
	struct list_state *st = arg;

	(void)cmd;
	if (st->json) {
		json_sep(st);
		printf("{\"id\": %u, \"name\": ", ctl_u32_or(a[CAMGUARD_A_CHAN_ID], 0));
		json_str(ctl_str_or(a[CAMGUARD_A_CHAN_NAME], ""));
		printf(", \"uid\": %u, \"gid\": %u, \"flags\": %u",
		       ctl_u32_or(a[CAMGUARD_A_OWNER_UID], 0),
		       ctl_u32_or(a[CAMGUARD_A_OWNER_GID], 0),
		       ctl_u32_or(a[CAMGUARD_A_CHAN_FLAGS], 0));
		if (a[CAMGUARD_A_CAM_ID])
			printf(", \"camera\": %u", nla_get_u32(a[CAMGUARD_A_CAM_ID]));
		print_stats_json(a[CAMGUARD_A_STATS], false);
		putchar('}');
		return 0;
	}
	if (!st->n++)
		printf("%-6s %-20s %-7s %-7s %-6s %s\n", "CHAN", "NAME", "UID",
		       "GID", "CAMERA", "FRAMES");
	printf("%-6u %-20s %-7u %-7u ", ctl_u32_or(a[CAMGUARD_A_CHAN_ID], 0),
	       ctl_str_or(a[CAMGUARD_A_CHAN_NAME], "?"),
	       ctl_u32_or(a[CAMGUARD_A_OWNER_UID], 0),
	       ctl_u32_or(a[CAMGUARD_A_OWNER_GID], 0));
	if (a[CAMGUARD_A_CAM_ID])
		printf("%-6u ", nla_get_u32(a[CAMGUARD_A_CAM_ID]));
	else
		printf("%-6s ", "-");
	print_stats_text(a[CAMGUARD_A_STATS]);
	putchar('\n');
	return 0;
}

struct list_req {
	uint8_t cmd;
	cg_nl_msg_fn fn;
	bool json;
};

static int list(struct cg_nl *nl, void *arg)
{
	const struct list_req *req = arg;
	struct list_state st = { .json = req->json };
	int ret = cg_nl_request(nl, req->cmd, true, NULL, NULL, req->fn, &st);

	if (ret)
		return ret;
	if (st.json)
		json_end(&st);
	else if (!st.n)
		puts("(none)");
	return 0;
}


static int list_run(const struct ctl_opts *o, const char *name, uint8_t cmd,
		    cg_nl_msg_fn fn, int argc)
{
	struct list_req req = { .cmd = cmd, .fn = fn, .json = o->json };

	if (argc) {
		ctl_usage(stderr);
		return 2;
	}
	return ctl_nl_run(name, list, &req);
}

int ctl_cameras(const struct ctl_opts *o, int argc, char **argv)
{
	(void)argv;
	return list_run(o, "cameras", CAMGUARD_CMD_CAM_GET, show_camera, argc);
}

int ctl_streams(const struct ctl_opts *o, int argc, char **argv)
{
	(void)argv;
	return list_run(o, "streams", CAMGUARD_CMD_STREAM_GET, show_stream,
			argc);
}

int ctl_channels(const struct ctl_opts *o, int argc, char **argv)
{
	(void)argv;
	return list_run(o, "channels", CAMGUARD_CMD_CHAN_GET, show_channel,
			argc);
}
