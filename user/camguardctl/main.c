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
 *   camguardctl [-c CONFIG] revoke NAME       (admin: the kernel, camguardd)
 *
 * pair and revoke read camguardd's config (docs/pairing.md).
 *
 * Exit status: 0 done, 1 the kernel refused (its reason is printed) or
 * pairing failed, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cgnl.h"
#include "config.h"
#include "control.h"
#include "identity.h"
#include "pairing.h"
#include "parse.h"
#include "transport.h"

#define DEFAULT_CONFIG	"/etc/camguard/camguardd.conf"

static bool json;

static void usage(FILE *f)
{
	fputs("usage: camguardctl [--json] cameras|streams|channels\n"
	      "       camguardctl bind CAMERA USER[:GROUP]\n"
	      "       camguardctl unbind CAMERA\n"
	      "       camguardctl mute CAMERA on|off\n"
	      "       camguardctl [--json] watch [--count N]\n"
	      "       camguardctl [-c CONFIG] pair NAME [--address HOST:PORT] [--out FILE]\n"
	      "       camguardctl [-c CONFIG] revoke NAME\n"
	      "CONFIG is camguardd's configuration (default " DEFAULT_CONFIG ").\n",
	      f);
}

static uint32_t u32_or(struct nlattr *a, uint32_t dflt)
{
	return a ? nla_get_u32(a) : dflt;
}

static const char *str_or(struct nlattr *a, const char *dflt)
{
	return a ? nla_get_string(a) : dflt;
}

/* A JSON string; camguard names are printable ASCII, escape the rest. */
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
	if (json) {
		json_sep(st);
		printf("{\"id\": %u, \"name\": ", u32_or(a[CAMGUARD_A_CAM_ID], 0));
		json_str(str_or(a[CAMGUARD_A_CAM_NAME], ""));
		printf(", \"devnode\": ");
		json_str(str_or(a[CAMGUARD_A_CAM_DEVNODE], ""));
		printf(", \"muted\": %s",
		       a[CAMGUARD_A_CAM_MUTED] &&
		       nla_get_u8(a[CAMGUARD_A_CAM_MUTED]) ? "true" : "false");
		if (a[CAMGUARD_A_CAM_BOUND_UID])
			printf(", \"bound_uid\": %u, \"bound_gid\": %u",
			       u32_or(a[CAMGUARD_A_CAM_BOUND_UID], 0),
			       u32_or(a[CAMGUARD_A_CAM_BOUND_GID], 0));
		if (stream)
			printf(", \"stream\": {\"id\": %" PRIu64 ", \"uid\": %u, \"gid\": %u, \"streaming\": %s}",
			       (uint64_t)nla_get_u64(a[CAMGUARD_A_STREAM_ID]),
			       u32_or(a[CAMGUARD_A_OWNER_UID], 0),
			       u32_or(a[CAMGUARD_A_OWNER_GID], 0),
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
	printf("%-4u %-8s %-6s ", u32_or(a[CAMGUARD_A_CAM_ID], 0),
	       str_or(a[CAMGUARD_A_CAM_DEVNODE], "?"),
	       a[CAMGUARD_A_CAM_MUTED] && nla_get_u8(a[CAMGUARD_A_CAM_MUTED]) ?
	       "yes" : "no");
	if (a[CAMGUARD_A_CAM_BOUND_UID])
		printf("%5u:%-6u ", u32_or(a[CAMGUARD_A_CAM_BOUND_UID], 0),
		       u32_or(a[CAMGUARD_A_CAM_BOUND_GID], 0));
	else
		printf("%-12s ", "-");
	if (stream) {
		char buf[40];

		snprintf(buf, sizeof(buf), "%" PRIu64 " (%u)",
			 (uint64_t)nla_get_u64(a[CAMGUARD_A_STREAM_ID]),
			 u32_or(a[CAMGUARD_A_OWNER_UID], 0));
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
	if (json) {
		json_sep(st);
		printf("{\"camera\": %u, \"id\": %" PRIu64 ", \"uid\": %u, \"gid\": %u, \"streaming\": %s",
		       u32_or(a[CAMGUARD_A_CAM_ID], 0), id,
		       u32_or(a[CAMGUARD_A_OWNER_UID], 0),
		       u32_or(a[CAMGUARD_A_OWNER_GID], 0), on ? "true" : "false");
		print_stats_json(a[CAMGUARD_A_STATS], false);
		putchar('}');
		return 0;
	}
	if (!st->n++)
		printf("%-4s %-20s %-7s %-7s %-9s %s\n", "CAM", "STREAM", "UID",
		       "GID", "STREAMING", "FRAMES");
	printf("%-4u %-20" PRIu64 " %-7u %-7u %-9s ",
	       u32_or(a[CAMGUARD_A_CAM_ID], 0), id,
	       u32_or(a[CAMGUARD_A_OWNER_UID], 0),
	       u32_or(a[CAMGUARD_A_OWNER_GID], 0), on ? "yes" : "no");
	print_stats_text(a[CAMGUARD_A_STATS]);
	putchar('\n');
	return 0;
}

static int show_channel(uint8_t cmd, struct nlattr **a, void *arg)
{
	struct list_state *st = arg;

	(void)cmd;
	if (json) {
		json_sep(st);
		printf("{\"id\": %u, \"name\": ", u32_or(a[CAMGUARD_A_CHAN_ID], 0));
		json_str(str_or(a[CAMGUARD_A_CHAN_NAME], ""));
		printf(", \"uid\": %u, \"gid\": %u, \"flags\": %u",
		       u32_or(a[CAMGUARD_A_OWNER_UID], 0),
		       u32_or(a[CAMGUARD_A_OWNER_GID], 0),
		       u32_or(a[CAMGUARD_A_CHAN_FLAGS], 0));
		if (a[CAMGUARD_A_CAM_ID])
			printf(", \"camera\": %u", nla_get_u32(a[CAMGUARD_A_CAM_ID]));
		print_stats_json(a[CAMGUARD_A_STATS], false);
		putchar('}');
		return 0;
	}
	if (!st->n++)
		printf("%-6s %-20s %-7s %-7s %-6s %s\n", "CHAN", "NAME", "UID",
		       "GID", "CAMERA", "FRAMES");
	printf("%-6u %-20s %-7u %-7u ", u32_or(a[CAMGUARD_A_CHAN_ID], 0),
	       str_or(a[CAMGUARD_A_CHAN_NAME], "?"),
	       u32_or(a[CAMGUARD_A_OWNER_UID], 0),
	       u32_or(a[CAMGUARD_A_OWNER_GID], 0));
	if (a[CAMGUARD_A_CAM_ID])
		printf("%-6u ", nla_get_u32(a[CAMGUARD_A_CAM_ID]));
	else
		printf("%-6s ", "-");
	print_stats_text(a[CAMGUARD_A_STATS]);
	putchar('\n');
	return 0;
}

static int list(struct cg_nl *nl, uint8_t cmd, cg_nl_msg_fn fn)
{
	struct list_state st = { 0 };
	int ret = cg_nl_request(nl, cmd, true, NULL, NULL, fn, &st);

	if (ret)
		return ret;
	if (json)
		json_end(&st);
	else if (!st.n)
		puts("(none)");
	return 0;
}

struct cam_req {
	uint32_t cam;
	bool bind;
	uint32_t uid, gid;
	uint8_t muted;
	bool mute;
};

static int put_cam_req(struct nl_msg *msg, void *arg)
{
	struct cam_req *r = arg;

	if (nla_put_u32(msg, CAMGUARD_A_CAM_ID, r->cam) ||
	    (r->bind && (nla_put_u32(msg, CAMGUARD_A_CAM_BOUND_UID, r->uid) ||
			 nla_put_u32(msg, CAMGUARD_A_CAM_BOUND_GID, r->gid))) ||
	    (r->mute && nla_put_u8(msg, CAMGUARD_A_CAM_MUTED, r->muted)))
		return -EMSGSIZE;
	return 0;
}

/* USER[:GROUP], names or numbers; the group defaults to USER's. */
static int parse_owner(const char *s, uint32_t *uid, uint32_t *gid)
{
	char user[256], *colon;
	struct passwd *pw;
	struct group *gr;

	if (strlen(s) >= sizeof(user))
		return -EINVAL;
	strcpy(user, s);
	colon = strchr(user, ':');
	if (colon)
		*colon++ = '\0';
	pw = getpwnam(user);
	if (pw) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	} else if (cg_parse_u32(user, 0, UINT32_MAX - 1, uid) == 0) {
		pw = getpwuid(*uid);
		if (!pw && !colon)
			return -ENOENT;	/* a bare number needs a group */
		if (pw)
			*gid = pw->pw_gid;
	} else {
		return -ENOENT;
	}
	if (!colon)
		return 0;
	gr = getgrnam(colon);
	if (gr)
		*gid = gr->gr_gid;
	else if (cg_parse_u32(colon, 0, UINT32_MAX - 1, gid))
		return -ENOENT;
	return 0;
}

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

static int print_audit(uint8_t cmd, struct nlattr **a, void *arg)
{
	unsigned long *left = arg;
	size_t i;

	if (cmd != CAMGUARD_CMD_AUDIT)
		return 0;
	printf(json ? "{\"reason\": \"%s\"" : "%s",
	       cg_nl_reason_name(u32_or(a[CAMGUARD_A_REASON], 0)));
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
	if (*left && --*left == 0)
		return NL_STOP;
	return 0;
}

static int watch(struct cg_nl *nl, unsigned long count)
{
	unsigned long left = count;
	int ret = cg_nl_join_audit(nl);

	while (!ret) {
		ret = cg_nl_recv_events(nl, -1, print_audit, &left);
		if (ret == -ENOBUFS) {
			fprintf(stderr, "camguardctl: audit events lost (receive buffer full)\n");
			ret = 0;
		}
		if (ret > 0)
			ret = 0;
		if (count && !left)
			break;
	}
	return ret;
}

static int load_display(const char *config, const char *name,
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

static const char *owner_name(const struct cg_owner *o, char *buf,
			      size_t size)
{
	cg_identity_owner_name(o, buf, size);
	return buf;
}

/* "*", "0.0.0.0" and "::" say where camguardd listens, not where to go. */
static bool unspecified_host(const char *host)
{
	return !strcmp(host, "*") || !strcmp(host, "0.0.0.0") ||
	       !strcmp(host, "::");
}

/*
 * A new key for display @name, written with camguardd's address and
 * certificate fingerprint as its pairing file. Nothing in the kernel
 * changes: camguardd creates the channel with this key when reloaded.
 */
static int pair_display(const char *config, const char *name,
			const char *address, const char *out)
{
	const struct cg_config_display *d;
	char err[1400], who[CG_KV_MAX_USER + 32];
	struct cg_pairing p = { 0 };
	struct cg_config cfg;
	bool created;
	const char *path;
	int ret = 1;

	if (load_display(config, name, &cfg, &d))
		return 1;
	path = out ? out : d->pairing;
	if (address) {
		if (cg_kv_parse_hostport(address, p.host, &p.port) ||
		    unspecified_host(p.host)) {
			fprintf(stderr, "camguardctl pair: bad --address '%s': HOST:PORT or [IPV6]:PORT the display can connect to\n",
				address);
			goto out;
		}
	} else if (!cfg.n_listen) {
		fprintf(stderr, "camguardctl pair: %s has no [listen] address: give --address HOST:PORT\n",
			config);
		goto out;
	} else if (unspecified_host(cfg.listen[0].host)) {
		fprintf(stderr, "camguardctl pair: camguardd listens on every address (%s:%u in %s): say which one display %s should connect to with --address HOST:PORT\n",
			cfg.listen[0].host, cfg.listen[0].port, config, name);
		goto out;
	} else {
		snprintf(p.host, sizeof(p.host), "%s", cfg.listen[0].host);
		p.port = cfg.listen[0].port;
	}
	/* The owner's certificate, which only the owner's worker serves. */
	if (cg_identity_ensure(cfg.identities, &d->owner, p.fingerprint,
			       &created, err, sizeof(err))) {
		fprintf(stderr, "camguardctl pair: TLS identity: %s\n", err);
		goto out;
	}
	if (created)
		printf("made the TLS identity of %s in %s (%u.key, %u.crt)\n",
		       owner_name(&d->owner, who, sizeof(who)),
		       cfg.identities, d->owner.uid, d->owner.uid);
	snprintf(p.display, sizeof(p.display), "%s", d->name);
	snprintf(p.owner, sizeof(p.owner), "%s", d->owner.name);
	p.owner_uid = d->owner.uid;
	if (RAND_bytes(p.key, sizeof(p.key)) != 1) {
		fprintf(stderr, "camguardctl pair: no random bytes for the key (OpenSSL RAND_bytes failed)\n");
		goto out;
	}
	ret = cg_pairing_write(path, &p, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "camguardctl pair: %s\n", err);
		if (ret == -EEXIST)
			fprintf(stderr, "camguardctl pair: display %s is paired already; 'camguardctl revoke %s' removes that pairing\n",
				name, name);
		ret = 1;
		goto out;
	}
	printf("paired display %s (owner %s%suid %u) with camguardd at %s%s%s:%u\n"
	       "wrote %s (mode 0600; it holds the display's key)\n",
	       name, p.owner, p.owner[0] ? ", " : "", p.owner_uid,
	       strchr(p.host, ':') ? "[" : "", p.host,
	       strchr(p.host, ':') ? "]" : "", p.port, path);
	if (out && strcmp(out, d->pairing))
		printf("camguardd reads the key from %s: put a copy there too (mode 0600)\n",
		       d->pairing);
	printf("next: copy it to the display over a channel you trust, and reload camguardd (SIGHUP)\n");
out:
	cg_pairing_clear(&p);
	cg_config_free(&cfg);
	return ret;
}

#define REVOKE_MAX	64

struct revoke_state {
	const char *name;
	uint32_t uid, gid;
	uint32_t ids[REVOKE_MAX];
	unsigned int n;
	unsigned int deleted;
	unsigned int others;	/* same name, another owner: not camguardd's */
};

static int find_channel(uint8_t cmd, struct nlattr **a, void *arg)
{
	struct revoke_state *st = arg;

	(void)cmd;
	if (!a[CAMGUARD_A_CHAN_ID] || !a[CAMGUARD_A_CHAN_NAME] ||
	    strcmp(nla_get_string(a[CAMGUARD_A_CHAN_NAME]), st->name))
		return 0;
	if (u32_or(a[CAMGUARD_A_OWNER_UID], UINT32_MAX) != st->uid ||
	    u32_or(a[CAMGUARD_A_OWNER_GID], UINT32_MAX) != st->gid) {
		st->others++;
		return 0;
	}
	if (st->n < REVOKE_MAX)
		st->ids[st->n++] = nla_get_u32(a[CAMGUARD_A_CHAN_ID]);
	return 0;
}

static int put_chan_id(struct nl_msg *msg, void *arg)
{
	return nla_put_u32(msg, CAMGUARD_A_CHAN_ID, *(uint32_t *)arg) ?
	       -EMSGSIZE : 0;
}

/* Delete the live kernel channels of display @st->name: 0, or 1 if not all. */
static int revoke_channels(struct revoke_state *st)
{
	unsigned int i;
	struct cg_nl nl;
	int ret;

	if (cg_nl_open(&nl)) {
		fprintf(stderr, "camguardctl revoke: kernel channel not deleted: %s\n",
			nl.errmsg);
		return 1;
	}
	ret = cg_nl_request(&nl, CAMGUARD_CMD_CHAN_GET, true, NULL, NULL,
			    find_channel, st);
	if (ret) {
		fprintf(stderr, "camguardctl revoke: cannot list channels: %s\n",
			nl.errmsg);
		cg_nl_close(&nl);
		return 1;
	}
	for (i = 0; i < st->n; i++) {
		/* Not our socket's channel: only an admin may delete it. */
		ret = cg_nl_request(&nl, CAMGUARD_CMD_CHAN_DEL, false,
				    put_chan_id, &st->ids[i], NULL, NULL);
		if (ret) {
			fprintf(stderr, "camguardctl revoke: channel %u not deleted: %s%s\n",
				st->ids[i], nl.errmsg,
				ret == -ENOENT ? " (it needs CAP_NET_ADMIN, or it is gone)" : "");
			continue;
		}
		printf("deleted kernel channel %u (%s): the display gets no more frames\n",
		       st->ids[i], st->name);
		st->deleted++;
	}
	if (!st->n)
		printf("no live kernel channel of display %s%s\n", st->name,
		       st->others ? " (channels of that name of other owners left alone)" : "");
	cg_nl_close(&nl);
	return st->deleted == st->n ? 0 : 1;
}

#define REVOKE_ASK_MS	2000
#define REVOKE_WAIT_MS	10000

/*
 * Ask camguardd (control.h) to tell when display @name is cut off, before
 * its channel is deleted, so the answer cannot come before the question.
 * The socket to wait on; -1 when there is nothing to wait for (camguardd
 * not running, or no worker of it serves @name); -2 when camguardd could
 * not be asked (said on stderr).
 */
static int revoke_watch(const char *path, const char *name)
{
	char buf[CG_CTL_MSG_MAX];
	struct cg_ctl_reply r;
	int fd, n, ret;

	fd = cg_ctl_connect(path);
	if (fd == -ENOENT || fd == -ECONNREFUSED) {
		printf("camguardd is not running (no control socket at %s): no connection of display %s to wait for\n",
		       path, name);
		return -1;
	}
	if (fd < 0) {
		fprintf(stderr, "camguardctl revoke: cannot reach camguardd at %s: %s%s; not waiting for the display's connection to close\n",
			path, strerror(-fd), fd == -EACCES ? " (root only)" : "");
		return -2;
	}
	n = cg_ctl_format_request(name, buf, sizeof(buf));
	if (n < 0 || send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
		ret = n < 0 ? n : -errno;
	else
		ret = cg_ctl_recv_reply(fd, REVOKE_ASK_MS, &r);
	if (!ret && r.kind == CG_CTL_WATCHING && !strcmp(r.name, name))
		return fd;
	close(fd);
	if (!ret && r.kind == CG_CTL_IDLE) {
		printf("camguardd serves display %s with no worker now: no connection to wait for\n",
		       name);
		return -1;
	}
	if (!ret && r.kind == CG_CTL_ERROR)
		fprintf(stderr, "camguardctl revoke: camguardd refused: %s\n",
			r.text);
	else
		fprintf(stderr, "camguardctl revoke: camguardd at %s did not answer as it should: %s\n",
			path, ret ? strerror(-ret) : "unexpected reply");
	return -2;
}

/* Until camguardd says @name's connections are closed, or it is late. */
static int revoke_wait(int fd, const char *name)
{
	struct cg_ctl_reply r;
	int ret = cg_ctl_recv_reply(fd, REVOKE_WAIT_MS, &r);

	if (ret == -ETIMEDOUT) {
		fprintf(stderr, "camguardctl revoke: camguardd did not confirm within %d s that display %s is cut off: its kernel channel is deleted, so it gets no more frames, but its connection may still be open (see camguardd's log)\n",
			REVOKE_WAIT_MS / 1000, name);
		return 1;
	}
	if (!ret && r.kind == CG_CTL_CUT && !strcmp(r.name, name)) {
		if (r.closed)
			printf("camguardd closed the connection of display %s (%u): it is cut off\n",
			       name, r.closed);
		else
			printf("display %s had no connection; camguardd refuses it from now on\n",
			       name);
		return 0;
	}
	if (!ret && r.kind == CG_CTL_GONE && !strcmp(r.name, name)) {
		printf("the camguardd worker of display %s ended, and its connections with it\n",
		       name);
		return 0;
	}
	fprintf(stderr, "camguardctl revoke: waiting for camguardd to cut off display %s: %s\n",
		name, ret ? strerror(-ret) : "unexpected reply");
	return 1;
}

/*
 * Remove the display's pairing file and its live kernel channel, and
 * return once camguardd has closed the display's connection.
 */
static int revoke_display(const char *config, const char *name)
{
	const struct cg_config_display *d;
	struct revoke_state st = { .name = name };
	struct cg_config cfg;
	int ret = 0, ctl;

	if (load_display(config, name, &cfg, &d))
		return 1;
	if (!unlink(d->pairing)) {
		printf("removed %s\n", d->pairing);
	} else if (errno == ENOENT) {
		printf("no pairing file at %s (revoked already?)\n", d->pairing);
	} else {
		fprintf(stderr, "camguardctl revoke: cannot remove %s: %s\n",
			d->pairing, strerror(errno));
		ret = 1;
	}
	st.uid = d->owner.uid;
	st.gid = d->owner.gid;
	ctl = revoke_watch(cfg.control_socket, name);
	if (ctl == -2)
		ret = 1;
	ret |= revoke_channels(&st);
	if (ctl >= 0) {
		/* No channel deleted: no worker is told, nothing to wait for. */
		if (st.deleted)
			ret |= revoke_wait(ctl, name);
		close(ctl);
	}
	printf("next: remove [display %s] from %s and reload camguardd (SIGHUP)\n",
	       name, config);
	cg_config_free(&cfg);
	return ret;
}

static int camera_arg(const char *s, uint32_t *cam)
{
	if (cg_parse_u32(s, 0, 65535, cam)) {
		fprintf(stderr, "camguardctl: bad camera id '%s' (0..65535)\n", s);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "address", required_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = DEFAULT_CONFIG, *address = NULL, *out = NULL;
	struct cam_req req = { 0 };
	uint32_t count = 0;
	struct cg_nl nl;
	const char *cmd;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "jc:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'c':
			config = optarg;
			break;
		case 'a':
			address = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'n':
			if (cg_parse_u32(optarg, 1, UINT32_MAX, &count)) {
				fprintf(stderr, "camguardctl: bad --count '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;

	if ((address || out) && strcmp(cmd, "pair")) {
		fprintf(stderr, "camguardctl: --address and --out are for pair only\n");
		return 2;
	}
	if (!strcmp(cmd, "pair") || !strcmp(cmd, "revoke")) {
		if (argc != 1) {
			usage(stderr);
			return 2;
		}
		if (!cg_kv_name_ok(argv[0])) {
			fprintf(stderr, "camguardctl: bad display name '%s' (1 to %d of A-Z a-z 0-9 _ . -)\n",
				argv[0], CG_KV_MAX_NAME);
			return 2;
		}
		/* Config files only: no netlink for pair, revoke opens its own. */
		if (!strcmp(cmd, "pair"))
			return pair_display(config, argv[0], address, out);
		return revoke_display(config, argv[0]);
	}

	if (!strcmp(cmd, "bind") || !strcmp(cmd, "unbind") ||
	    !strcmp(cmd, "mute")) {
		bool bind = !strcmp(cmd, "bind"), mute = !strcmp(cmd, "mute");

		if (argc != (bind || mute ? 2 : 1) || camera_arg(argv[0], &req.cam)) {
			usage(stderr);
			return 2;
		}
		if (bind) {
			req.bind = true;
			if (parse_owner(argv[1], &req.uid, &req.gid)) {
				fprintf(stderr, "camguardctl: unknown owner '%s' (USER[:GROUP], names or ids)\n",
					argv[1]);
				return 2;
			}
		}
		if (mute) {
			req.mute = true;
			if (!strcmp(argv[1], "on")) {
				req.muted = 1;
			} else if (strcmp(argv[1], "off")) {
				fprintf(stderr, "camguardctl: mute takes on or off\n");
				return 2;
			}
		}
	} else if (strcmp(cmd, "cameras") && strcmp(cmd, "streams") &&
		   strcmp(cmd, "channels") && strcmp(cmd, "watch")) {
		fprintf(stderr, "camguardctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	} else if (argc) {
		usage(stderr);
		return 2;
	}

	if (cg_nl_open(&nl)) {
		fprintf(stderr, "camguardctl: %s\n", nl.errmsg);
		return 1;
	}
	if (!strcmp(cmd, "cameras"))
		ret = list(&nl, CAMGUARD_CMD_CAM_GET, show_camera);
	else if (!strcmp(cmd, "streams"))
		ret = list(&nl, CAMGUARD_CMD_STREAM_GET, show_stream);
	else if (!strcmp(cmd, "channels"))
		ret = list(&nl, CAMGUARD_CMD_CHAN_GET, show_channel);
	else if (!strcmp(cmd, "watch"))
		ret = watch(&nl, count);
	else
		ret = cg_nl_request(&nl, req.mute ? CAMGUARD_CMD_CAM_MUTE :
				    CAMGUARD_CMD_CAM_BIND, false, put_cam_req,
				    &req, NULL, NULL);
	if (ret)
		fprintf(stderr, "camguardctl %s: %s\n", cmd, nl.errmsg);
	cg_nl_close(&nl);
	return ret ? 1 : 0;
}
