// SPDX-License-Identifier: GPL-2.0
/*
 * camguardd's config parser: a table of sections and keys over the
 * keyval.h line reader, then cross-checks once the whole file is read
 * (sections may refer to each other in any order).
 */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "parse.h"
#include "record.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_KEYS	16	/* per section type */

/* Defaults; docs/config.md lists them. */
#define DEF_JPEG_QUALITY		80
#define DEF_MAX_DISPLAYS_PER_OWNER	16	/* the module's max_channels_per_user */
#define DEF_MAX_RECORD_SIZE		(CG_RECORD_DEFAULT_MAX_PAYLOAD + \
					 CG_RECORD_HEADER_LEN)
#define DEF_MAX_CONNECTIONS		64
#define DEF_MAX_HELLO_PER_PEER		8
#define DEF_MAX_QUEUED_RECORDS		4
#define DEF_HANDSHAKE_TIMEOUT_MS	10000
#define DEF_IDLE_TIMEOUT_MS		30000
#define DEF_WRITE_TIMEOUT_MS		10000
#define DEF_RESTART_BACKOFF_MAX_MS	30000

#define MIN_RECORD_SIZE			4096
#define MAX_RECORD_SIZE			((uint64_t)CG_RECORD_MAX_PAYLOAD_LIMIT + \
					 CG_RECORD_HEADER_LEN)

struct cg_parser;

struct cg_key {
	const char *name;
	int (*set)(struct cg_parser *p, const struct cg_kv_line *l);
	bool repeatable;
};

struct cg_section_type {
	const char *type;
	bool named;			/* [camera NAME] vs. [listen] */
	const struct cg_key *keys;
	unsigned int nkeys;
	int (*begin)(struct cg_parser *p, const struct cg_kv_line *l);
	int (*end)(struct cg_parser *p);
};

struct cg_parser {
	struct cg_kv_reader r;
	const struct cg_user_db *users;
	struct cg_config *cfg;
	const struct cg_section_type *section;	/* NULL before the first */
	const char *section_name;
	unsigned int section_line;
	unsigned int key_line[MAX_KEYS];	/* where each key was set; 0: not */
	unsigned int singleton_line[8];		/* unnamed sections seen */
	struct cg_config_camera *camera;	/* in a [camera] section */
	struct cg_config_display *display;	/* in a [display] section */
	/* A display's camera by name, until all cameras are known. */
	char (*display_camera)[CG_KV_MAX_NAME + 1];
	unsigned int *display_camera_line;
};

static int cg_err(struct cg_parser *p, unsigned int line, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));

static int cg_err(struct cg_parser *p, unsigned int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cg_kv_error(&p->r, line, "%s", msg);
}

/* "in [camera front]" or "in [listen]", for messages. */
static const char *cg_where(struct cg_parser *p, char *buf, size_t len)
{
	snprintf(buf, len, "[%s%s%s]", p->section->type,
		 p->section->named ? " " : "",
		 p->section->named ? p->section_name : "");
	return buf;
}

static int cg_bad_value(struct cg_parser *p, const struct cg_kv_line *l,
			const char *expected)
{
	return cg_err(p, l->lineno, "bad value '%.60s' for '%s': expected %s",
		      l->value, l->key, expected);
}

static int cg_u32(struct cg_parser *p, const struct cg_kv_line *l,
		  uint32_t min, uint32_t max, uint32_t *out)
{
	char expected[64];

	if (!cg_parse_u32(l->value, min, max, out))
		return 0;
	snprintf(expected, sizeof(expected), "a number from %u to %u", min,
		 max);
	return cg_bad_value(p, l, expected);
}

static int cg_duration(struct cg_parser *p, const struct cg_kv_line *l,
		       uint32_t min_ms, uint32_t max_ms, uint32_t *out)
{
	uint32_t ms;

	if (cg_kv_parse_duration_ms(l->value, &ms) || ms < min_ms ||
	    ms > max_ms) {
		char expected[96];

		snprintf(expected, sizeof(expected),
			 "a duration from %ums to %us, like 500ms, 10s or 2m",
			 min_ms, max_ms / 1000);
		return cg_bad_value(p, l, expected);
	}
	*out = ms;
	return 0;
}

static int cg_path(struct cg_parser *p, const struct cg_kv_line *l,
		   char **out)
{
	char *copy;

	if (l->value[0] != '/')
		return cg_bad_value(p, l, "an absolute path");
	copy = strdup(l->value);
	if (!copy)
		return cg_err(p, l->lineno, "out of memory");
	free(*out);	/* only reached once per key: duplicates are refused */
	*out = copy;
	return 0;
}

/* A uid or gid: decimal, and never (uid_t)-1, which means "unchanged". */
static int cg_id(const char *s, size_t n, uint32_t *out)
{
	char buf[16];

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return cg_parse_u32(buf, 0, UINT32_MAX - 1, out);
}

/* owner = NAME | UID | UID:GID */
static int cg_owner(struct cg_parser *p, const struct cg_kv_line *l,
		    struct cg_owner *o)
{
	const char *v = l->value;
	size_t n;
	int ret;

	memset(o, 0, sizeof(*o));
	if (v[0] >= '0' && v[0] <= '9') {
		n = strcspn(v, ":");
		if (cg_id(v, n, &o->uid) ||
		    (v[n] && cg_id(v + n + 1, strlen(v + n + 1), &o->gid)))
			return cg_bad_value(p, l,
					    "a user name, UID or UID:GID");
		if (!v[n]) {
			ret = p->users->by_uid(p->users->ctx, o->uid, &o->gid);
			if (ret == -ENOENT)
				return cg_err(p, l->lineno,
					      "uid %u has no passwd entry: write owner = %u:GID",
					      o->uid, o->uid);
			if (ret)
				return cg_err(p, l->lineno,
					      "cannot look up uid %u: %s",
					      o->uid, strerror(-ret));
		}
	} else {
		if (!cg_kv_user_name_ok(v))
			return cg_bad_value(p, l,
					    "a user name, UID or UID:GID");
		ret = p->users->by_name(p->users->ctx, v, &o->uid, &o->gid);
		if (ret == -ENOENT)
			return cg_err(p, l->lineno, "unknown user '%s'", v);
		if (ret)
			return cg_err(p, l->lineno,
				      "cannot look up user '%s': %s", v,
				      strerror(-ret));
		snprintf(o->name, sizeof(o->name), "%s", v);
	}
	if (o->uid == 0 || o->gid == 0)
		return cg_err(p, l->lineno,
			      "owner '%s' is uid %u gid %u: an owner cannot be root (uid or gid 0), since workers run as their owner",
			      v, o->uid, o->gid);
	return 0;
}

/* [global] */

static int cg_set_jpeg_quality(struct cg_parser *p, const struct cg_kv_line *l)
{
	uint32_t *q = p->camera ? &p->camera->jpeg_quality :
				  &p->cfg->jpeg_quality;

	return cg_u32(p, l, 1, 100, q);
}

static const struct cg_key cg_global_keys[] = {
	{ "jpeg_quality", cg_set_jpeg_quality, false },
};

/* [listen] */

static int cg_set_address(struct cg_parser *p, const struct cg_kv_line *l)
{
	struct cg_config *cfg = p->cfg;
	struct cg_config_listen *a;
	unsigned int i;

	if (cfg->n_listen == CG_CONFIG_MAX_LISTEN)
		return cg_err(p, l->lineno, "more than %d listen addresses",
			      CG_CONFIG_MAX_LISTEN);
	a = &cfg->listen[cfg->n_listen];
	if (cg_kv_parse_hostport(l->value, a->host, &a->port))
		return cg_bad_value(p, l,
				    "HOST:PORT, [IPV6]:PORT or *:PORT");
	for (i = 0; i < cfg->n_listen; i++)
		if (!strcmp(cfg->listen[i].host, a->host) &&
		    cfg->listen[i].port == a->port)
			return cg_err(p, l->lineno,
				      "address '%s' is listed twice", l->value);
	cfg->n_listen++;
	return 0;
}

static int cg_set_identities(struct cg_parser *p, const struct cg_kv_line *l)
{
	return cg_path(p, l, &p->cfg->identities);
}

static int cg_set_control_socket(struct cg_parser *p,
				 const struct cg_kv_line *l)
{
	char expected[64];

	if (strlen(l->value) > CG_CONFIG_MAX_SOCKET_PATH) {
		snprintf(expected, sizeof(expected),
			 "an absolute path of at most %d bytes",
			 CG_CONFIG_MAX_SOCKET_PATH);
		return cg_bad_value(p, l, expected);
	}
	return cg_path(p, l, &p->cfg->control_socket);
}

/*
 * camguardd's former single certificate and key: every worker held that
 * key, so any of them could pose as camguardd to every owner's displays.
 * Refused with what to do instead.
 */
static int cg_set_shared_identity(struct cg_parser *p,
				  const struct cg_kv_line *l)
{
	return cg_err(p, l->lineno,
		      "'%s' is no more: each owner has a TLS identity of its own, in the directory that 'identities' names (docs/config.md); remove 'certificate' and 'private_key', add 'identities', and pair every display again (camguardctl revoke, then pair)",
		      l->key);
}

static const struct cg_key cg_listen_keys[] = {
	{ "address", cg_set_address, true },
	{ "identities", cg_set_identities, false },
	{ "control_socket", cg_set_control_socket, false },
	{ "certificate", cg_set_shared_identity, false },
	{ "private_key", cg_set_shared_identity, false },
};

/* [web] */

static int cg_set_web_root(struct cg_parser *p, const struct cg_kv_line *l)
{
	return cg_path(p, l, &p->cfg->web_root);
}

/* A DNS name a browser sends as its server name: not an IP literal. */
static bool cg_web_host_ok(const char *h, size_t n)
{
	bool letter = false;
	size_t i;

	if (!n || n > CG_KV_MAX_HOST || h[0] == '.' || h[0] == '-' ||
	    h[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		if ((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z'))
			letter = true;
		else if (!((h[i] >= '0' && h[i] <= '9') || h[i] == '.' ||
			   h[i] == '-'))
			return false;
	}
	return letter;
}

/* host = HOST OWNER */
static int cg_set_web_host(struct cg_parser *p, const struct cg_kv_line *l)
{
	struct cg_config *cfg = p->cfg;
	struct cg_config_web_host *h, *grown;
	struct cg_kv_line owner_line = *l;
	size_t n = strcspn(l->value, " \t"), i;
	unsigned int j;
	int ret;

	if (!l->value[n] || !cg_web_host_ok(l->value, n))
		return cg_bad_value(p, l,
				    "HOST OWNER: a DNS name (not an IP address: browsers send no server name for one) and the owner whose displays it serves");
	if (cfg->n_web_hosts == CG_CONFIG_MAX_WEB_HOSTS)
		return cg_err(p, l->lineno, "more than %d web hosts",
			      CG_CONFIG_MAX_WEB_HOSTS);
	grown = realloc(cfg->web_hosts, (cfg->n_web_hosts + 1) * sizeof(*h));
	if (!grown)
		return cg_err(p, l->lineno, "out of memory");
	cfg->web_hosts = grown;
	h = &cfg->web_hosts[cfg->n_web_hosts];
	memset(h, 0, sizeof(*h));
	for (i = 0; i < n; i++)
		h->host[i] = (char)tolower((unsigned char)l->value[i]);
	h->line = l->lineno;
	for (j = 0; j < cfg->n_web_hosts; j++)
		if (!strcmp(cfg->web_hosts[j].host, h->host))
			return cg_err(p, l->lineno,
				      "web host '%s' is listed twice (first on line %u)",
				      h->host, cfg->web_hosts[j].line);
	owner_line.value = l->value + n + strspn(l->value + n, " \t");
	ret = cg_owner(p, &owner_line, &h->owner);
	if (ret)
		return ret;
	cfg->n_web_hosts++;
	return 0;
}

static const struct cg_key cg_web_keys[] = {
	{ "root", cg_set_web_root, false },
	{ "host", cg_set_web_host, true },
};

/* [limits] */

static int cg_set_max_displays(struct cg_parser *p, const struct cg_kv_line *l)
{
	return cg_u32(p, l, 1, CG_CONFIG_MAX_DISPLAYS,
		      &p->cfg->limits.max_displays_per_owner);
}

static int cg_set_max_record_size(struct cg_parser *p,
				  const struct cg_kv_line *l)
{
	uint64_t size;

	if (cg_kv_parse_size(l->value, &size) || size < MIN_RECORD_SIZE ||
	    size > MAX_RECORD_SIZE)
		return cg_bad_value(p, l, "a size from 4K to 64M, like 8M");
	p->cfg->limits.max_record_size = size;
	return 0;
}

static int cg_set_max_connections(struct cg_parser *p,
				  const struct cg_kv_line *l)
{
	return cg_u32(p, l, 1, 65536, &p->cfg->limits.max_connections);
}

static int cg_set_max_hello_per_peer(struct cg_parser *p,
				     const struct cg_kv_line *l)
{
	return cg_u32(p, l, 1, 65536, &p->cfg->limits.max_hello_per_peer);
}

static int cg_set_max_queued(struct cg_parser *p, const struct cg_kv_line *l)
{
	return cg_u32(p, l, 1, 256, &p->cfg->limits.max_queued_records);
}

static int cg_set_handshake_timeout(struct cg_parser *p,
				    const struct cg_kv_line *l)
{
	return cg_duration(p, l, 100, 600000,
			   &p->cfg->limits.handshake_timeout_ms);
}

static int cg_set_idle_timeout(struct cg_parser *p, const struct cg_kv_line *l)
{
	return cg_duration(p, l, 1000, 3600000,
			   &p->cfg->limits.idle_timeout_ms);
}

static int cg_set_write_timeout(struct cg_parser *p,
				const struct cg_kv_line *l)
{
	return cg_duration(p, l, 100, 600000,
			   &p->cfg->limits.write_timeout_ms);
}

static int cg_set_restart_backoff(struct cg_parser *p,
				  const struct cg_kv_line *l)
{
	return cg_duration(p, l, 100, 3600000,
			   &p->cfg->limits.restart_backoff_max_ms);
}

static const struct cg_key cg_limits_keys[] = {
	{ "max_displays_per_owner", cg_set_max_displays, false },
	{ "max_record_size", cg_set_max_record_size, false },
	{ "max_connections", cg_set_max_connections, false },
	{ "max_hello_per_peer", cg_set_max_hello_per_peer, false },
	{ "max_queued_records", cg_set_max_queued, false },
	{ "handshake_timeout", cg_set_handshake_timeout, false },
	{ "idle_timeout", cg_set_idle_timeout, false },
	{ "write_timeout", cg_set_write_timeout, false },
	{ "restart_backoff_max", cg_set_restart_backoff, false },
};

/* [camera NAME] */

static int cg_set_device(struct cg_parser *p, const struct cg_kv_line *l)
{
	return cg_path(p, l, &p->camera->device);
}

static int cg_set_camera_id(struct cg_parser *p, const struct cg_kv_line *l)
{
	p->camera->has_id = true;
	return cg_u32(p, l, 0, UINT16_MAX, &p->camera->id);
}

static int cg_set_camera_owner(struct cg_parser *p, const struct cg_kv_line *l)
{
	return cg_owner(p, l, &p->camera->owner);
}

static int cg_set_format(struct cg_parser *p, const struct cg_kv_line *l)
{
	if (cg_parse_fourcc(l->value, &p->camera->fourcc))
		return cg_bad_value(p, l, "YUYV, NV12, GREY or RGB24");
	return 0;
}

static int cg_set_size(struct cg_parser *p, const struct cg_kv_line *l)
{
	if (cg_parse_size(l->value, &p->camera->width, &p->camera->height))
		return cg_bad_value(p, l, "WIDTHxHEIGHT, like 640x480");
	return 0;
}

static int cg_set_fps(struct cg_parser *p, const struct cg_kv_line *l)
{
	return cg_u32(p, l, 1, 240, &p->camera->fps);
}

static const struct cg_key cg_camera_keys[] = {
	{ "device", cg_set_device, false },
	{ "id", cg_set_camera_id, false },
	{ "owner", cg_set_camera_owner, false },
	{ "jpeg_quality", cg_set_jpeg_quality, false },
	{ "format", cg_set_format, false },
	{ "size", cg_set_size, false },
	{ "fps", cg_set_fps, false },
};

/* [display NAME] */

static int cg_set_display_owner(struct cg_parser *p,
				const struct cg_kv_line *l)
{
	return cg_owner(p, l, &p->display->owner);
}

static int cg_set_display_camera(struct cg_parser *p,
				 const struct cg_kv_line *l)
{
	unsigned int i = (unsigned int)(p->display - p->cfg->displays);

	if (!cg_kv_name_ok(l->value))
		return cg_bad_value(p, l, "the name of a [camera NAME] section");
	snprintf(p->display_camera[i], sizeof(p->display_camera[i]), "%s",
		 l->value);
	p->display_camera_line[i] = l->lineno;
	return 0;
}

static int cg_set_pairing(struct cg_parser *p, const struct cg_kv_line *l)
{
	return cg_path(p, l, &p->display->pairing);
}

static const struct cg_key cg_display_keys[] = {
	{ "owner", cg_set_display_owner, false },
	{ "camera", cg_set_display_camera, false },
	{ "pairing", cg_set_pairing, false },
};

/* Section begin and end. */

static unsigned int cg_key_index(const struct cg_section_type *t,
				 const char *key)
{
	unsigned int i;

	for (i = 0; i < t->nkeys; i++)
		if (!strcmp(t->keys[i].name, key))
			return i;
	return t->nkeys;
}

/* An error naming the first of @keys the current section does not set. */
static int cg_require(struct cg_parser *p, const char *const *keys,
		      unsigned int n)
{
	char where[64];
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!p->key_line[cg_key_index(p->section, keys[i])])
			return cg_err(p, p->section_line, "%s has no '%s'",
				      cg_where(p, where, sizeof(where)),
				      keys[i]);
	return 0;
}

static int cg_begin_camera(struct cg_parser *p, const struct cg_kv_line *l)
{
	struct cg_config *cfg = p->cfg;
	struct cg_config_camera *cams;
	unsigned int i;

	for (i = 0; i < cfg->n_cameras; i++)
		if (!strcmp(cfg->cameras[i].name, l->name))
			return cg_err(p, l->lineno,
				      "camera '%s' is already defined on line %u",
				      l->name, cfg->cameras[i].line);
	if (cfg->n_cameras == CG_CONFIG_MAX_CAMERAS)
		return cg_err(p, l->lineno, "more than %d cameras",
			      CG_CONFIG_MAX_CAMERAS);
	cams = realloc(cfg->cameras, (cfg->n_cameras + 1) * sizeof(*cams));
	if (!cams)
		return cg_err(p, l->lineno, "out of memory");
	cfg->cameras = cams;
	p->camera = &cams[cfg->n_cameras++];
	memset(p->camera, 0, sizeof(*p->camera));
	snprintf(p->camera->name, sizeof(p->camera->name), "%s", l->name);
	p->camera->line = l->lineno;
	return 0;
}

static int cg_end_camera(struct cg_parser *p)
{
	static const char *const required[] = { "owner" };
	struct cg_config_camera *c = p->camera;
	unsigned int i;
	int ret;

	ret = cg_require(p, required, ARRAY_SIZE(required));
	if (ret)
		return ret;
	if (!c->device == !c->has_id)
		return cg_err(p, c->line,
			      "[camera %s] needs either 'device' or 'id', not %s",
			      c->name, c->device ? "both" : "neither");
	for (i = 0; c != &p->cfg->cameras[i]; i++) {
		const struct cg_config_camera *o = &p->cfg->cameras[i];

		if (c->device && o->device && !strcmp(c->device, o->device))
			return cg_err(p, c->line,
				      "camera '%s' uses device %s, like camera '%s' (line %u)",
				      c->name, c->device, o->name, o->line);
		if (c->has_id && o->has_id && c->id == o->id)
			return cg_err(p, c->line,
				      "camera '%s' uses id %u, like camera '%s' (line %u)",
				      c->name, c->id, o->name, o->line);
	}
	return 0;
}

static int cg_begin_display(struct cg_parser *p, const struct cg_kv_line *l)
{
	struct cg_config *cfg = p->cfg;
	struct cg_config_display *disps;
	unsigned int i, n = cfg->n_displays;
	void *names, *lines;

	for (i = 0; i < n; i++)
		if (!strcmp(cfg->displays[i].name, l->name))
			return cg_err(p, l->lineno,
				      "display '%s' is already defined on line %u",
				      l->name, cfg->displays[i].line);
	if (n == CG_CONFIG_MAX_DISPLAYS)
		return cg_err(p, l->lineno, "more than %d displays",
			      CG_CONFIG_MAX_DISPLAYS);
	disps = realloc(cfg->displays, (n + 1) * sizeof(*disps));
	if (disps)
		cfg->displays = disps;
	names = realloc(p->display_camera, (n + 1) * sizeof(*p->display_camera));
	if (names)
		p->display_camera = names;
	lines = realloc(p->display_camera_line,
			(n + 1) * sizeof(*p->display_camera_line));
	if (lines)
		p->display_camera_line = lines;
	if (!disps || !names || !lines)
		return cg_err(p, l->lineno, "out of memory");
	p->display = &disps[cfg->n_displays++];
	memset(p->display, 0, sizeof(*p->display));
	snprintf(p->display->name, sizeof(p->display->name), "%s", l->name);
	p->display->line = l->lineno;
	p->display_camera[n][0] = '\0';
	p->display_camera_line[n] = 0;
	return 0;
}

static int cg_end_display(struct cg_parser *p)
{
	static const char *const required[] = { "owner", "camera", "pairing" };
	struct cg_config_display *d = p->display;
	unsigned int i;
	int ret;

	ret = cg_require(p, required, ARRAY_SIZE(required));
	if (ret)
		return ret;
	for (i = 0; d != &p->cfg->displays[i]; i++)
		if (!strcmp(d->pairing, p->cfg->displays[i].pairing))
			return cg_err(p, d->line,
				      "display '%s' uses pairing file %s, like display '%s' (line %u): every display needs its own key",
				      d->name, d->pairing,
				      p->cfg->displays[i].name,
				      p->cfg->displays[i].line);
	return 0;
}

static const struct cg_section_type cg_sections[] = {
	{ "global", false, cg_global_keys, ARRAY_SIZE(cg_global_keys),
	  NULL, NULL },
	{ "listen", false, cg_listen_keys, ARRAY_SIZE(cg_listen_keys),
	  NULL, NULL },
	{ "limits", false, cg_limits_keys, ARRAY_SIZE(cg_limits_keys),
	  NULL, NULL },
	{ "camera", true, cg_camera_keys, ARRAY_SIZE(cg_camera_keys),
	  cg_begin_camera, cg_end_camera },
	{ "display", true, cg_display_keys, ARRAY_SIZE(cg_display_keys),
	  cg_begin_display, cg_end_display },
	{ "web", false, cg_web_keys, ARRAY_SIZE(cg_web_keys), NULL, NULL },
};

_Static_assert(ARRAY_SIZE(cg_camera_keys) <= MAX_KEYS &&
	       ARRAY_SIZE(cg_limits_keys) <= MAX_KEYS, "raise MAX_KEYS");
_Static_assert(ARRAY_SIZE(cg_sections) <=
	       ARRAY_SIZE(((struct cg_parser *)0)->singleton_line),
	       "singleton_line too small");

static int cg_end_section(struct cg_parser *p)
{
	int ret = 0;

	if (p->section && p->section->end)
		ret = p->section->end(p);
	p->section = NULL;
	p->camera = NULL;
	p->display = NULL;
	return ret;
}

static int cg_section(struct cg_parser *p, const struct cg_kv_line *l)
{
	const struct cg_section_type *t = NULL;
	unsigned int i;
	int ret;

	ret = cg_end_section(p);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(cg_sections); i++)
		if (!strcmp(cg_sections[i].type, l->type))
			t = &cg_sections[i];
	if (!t)
		return cg_err(p, l->lineno,
			      "unknown section [%s]: expected global, listen, limits, camera, display or web",
			      l->type);
	if (t->named && !*l->name)
		return cg_err(p, l->lineno, "[%s] needs a name: [%s NAME]",
			      t->type, t->type);
	if (t->named && !cg_kv_name_ok(l->name))
		return cg_err(p, l->lineno,
			      "bad %s name '%.40s': use 1 to %d of A-Z a-z 0-9 _ . - starting with a letter or digit",
			      t->type, l->name, CG_KV_MAX_NAME);
	if (!t->named && *l->name)
		return cg_err(p, l->lineno, "[%s] takes no name", t->type);
	if (!t->named) {
		i = (unsigned int)(t - cg_sections);
		if (p->singleton_line[i])
			return cg_err(p, l->lineno,
				      "[%s] appears twice (first on line %u)",
				      t->type, p->singleton_line[i]);
		p->singleton_line[i] = l->lineno;
	}
	if (t->begin) {
		ret = t->begin(p, l);
		if (ret)
			return ret;
	}
	p->section = t;
	p->section_name = t->named ? (p->camera ? p->camera->name :
						  p->display->name) : "";
	p->section_line = l->lineno;
	memset(p->key_line, 0, sizeof(p->key_line));
	return 0;
}

static int cg_key(struct cg_parser *p, const struct cg_kv_line *l)
{
	const struct cg_section_type *t = p->section;
	char where[64];
	unsigned int i;

	if (!t)
		return cg_err(p, l->lineno,
			      "'%s' outside a section: start with [global], [listen], [limits], [camera NAME], [display NAME] or [web]",
			      l->key);
	i = cg_key_index(t, l->key);
	if (i == t->nkeys)
		return cg_err(p, l->lineno, "unknown key '%.40s' in %s", l->key,
			      cg_where(p, where, sizeof(where)));
	if (p->key_line[i] && !t->keys[i].repeatable)
		return cg_err(p, l->lineno,
			      "'%s' is already set in %s on line %u", l->key,
			      cg_where(p, where, sizeof(where)),
			      p->key_line[i]);
	p->key_line[i] = l->lineno;
	return t->keys[i].set(p, l);
}

/* Where [@type] began, or 0. */
static unsigned int cg_singleton_line(const struct cg_parser *p,
				      const char *type)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cg_sections); i++)
		if (!strcmp(cg_sections[i].type, type))
			return p->singleton_line[i];
	return 0;
}

/* Every web host serves an owner that has a display. */
static int cg_finish_web(struct cg_parser *p)
{
	struct cg_config *cfg = p->cfg;
	unsigned int i, j;
	bool found;

	for (i = 0; i < cfg->n_web_hosts; i++) {
		const struct cg_config_web_host *h = &cfg->web_hosts[i];

		found = false;
		for (j = 0; j < cfg->n_displays && !found; j++)
			found = cfg->displays[j].owner.uid == h->owner.uid &&
				cfg->displays[j].owner.gid == h->owner.gid;
		if (!found)
			return cg_err(p, h->line,
				      "web host '%s': uid %u gid %u has no [display]",
				      h->host, h->owner.uid, h->owner.gid);
	}
	if (!cfg->web_root) {
		cfg->web_root = strdup(CG_CONFIG_DEFAULT_WEB_ROOT);
		if (!cfg->web_root)
			return cg_err(p, 0, "out of memory");
	}
	return 0;
}

/* Cross-checks that need the whole file. */
static int cg_finish(struct cg_parser *p)
{
	struct cg_config *cfg = p->cfg;
	unsigned int i, j, count;

	if (!cfg->n_listen)
		return cg_err(p, 0, "no [listen] address");
	if (!cfg->identities)
		return cg_err(p, cg_singleton_line(p, "listen"),
			      "[listen] needs 'identities', the directory of the owners' TLS identities (TLS is not optional)");
	if (!cfg->control_socket) {
		cfg->control_socket = strdup(CG_CONFIG_DEFAULT_CONTROL);
		if (!cfg->control_socket)
			return cg_err(p, 0, "out of memory");
	}

	for (i = 0; i < cfg->n_displays; i++) {
		struct cg_config_display *d = &cfg->displays[i];
		const struct cg_config_camera *c = NULL;

		for (j = 0; j < cfg->n_cameras && !c; j++)
			if (!strcmp(cfg->cameras[j].name, p->display_camera[i]))
				c = &cfg->cameras[j];
		if (!c)
			return cg_err(p, p->display_camera_line[i],
				      "display '%s': no [camera %s]", d->name,
				      p->display_camera[i]);
		d->camera = (unsigned int)(c - cfg->cameras);
		if (c->owner.uid != d->owner.uid ||
		    c->owner.gid != d->owner.gid)
			return cg_err(p, d->line,
				      "display '%s' belongs to uid %u gid %u, but camera '%s' to uid %u gid %u: a display can only show its owner's cameras",
				      d->name, d->owner.uid, d->owner.gid,
				      c->name, c->owner.uid, c->owner.gid);
		count = 0;
		for (j = 0; j <= i; j++)
			count += cfg->displays[j].owner.uid == d->owner.uid &&
				 cfg->displays[j].owner.gid == d->owner.gid;
		if (count > cfg->limits.max_displays_per_owner)
			return cg_err(p, d->line,
				      "display '%s' is display %u of uid %u: more than max_displays_per_owner (%u)",
				      d->name, count, d->owner.uid,
				      cfg->limits.max_displays_per_owner);
	}
	return cg_finish_web(p);
}

static void cg_defaults(struct cg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->jpeg_quality = DEF_JPEG_QUALITY;
	cfg->limits.max_displays_per_owner = DEF_MAX_DISPLAYS_PER_OWNER;
	cfg->limits.max_record_size = DEF_MAX_RECORD_SIZE;
	cfg->limits.max_connections = DEF_MAX_CONNECTIONS;
	cfg->limits.max_hello_per_peer = DEF_MAX_HELLO_PER_PEER;
	cfg->limits.max_queued_records = DEF_MAX_QUEUED_RECORDS;
	cfg->limits.handshake_timeout_ms = DEF_HANDSHAKE_TIMEOUT_MS;
	cfg->limits.idle_timeout_ms = DEF_IDLE_TIMEOUT_MS;
	cfg->limits.write_timeout_ms = DEF_WRITE_TIMEOUT_MS;
	cfg->limits.restart_backoff_max_ms = DEF_RESTART_BACKOFF_MAX_MS;
}

/* Parse @text (@len bytes and a NUL; modified). */
static int cg_config_parse_buf(const char *file, char *text, size_t len,
			       const struct cg_user_db *users,
			       struct cg_config *cfg, char *err,
			       size_t errlen)
{
	struct cg_parser p;
	struct cg_kv_line l;
	int ret;

	memset(&p, 0, sizeof(p));
	cg_kv_reader_init(&p.r, file, text, len, err, errlen);
	p.users = users;
	p.cfg = cfg;
	cg_defaults(cfg);

	while ((ret = cg_kv_next(&p.r, &l)) > 0) {
		ret = l.section ? cg_section(&p, &l) : cg_key(&p, &l);
		if (ret)
			break;
	}
	if (ret == 0)
		ret = cg_end_section(&p);
	if (ret == 0)
		ret = cg_finish(&p);
	free(p.display_camera);
	free(p.display_camera_line);
	if (ret)
		cg_config_free(cfg);
	return ret;
}

int cg_config_parse(const char *file, const char *text, size_t len,
		    const struct cg_user_db *users, struct cg_config *cfg,
		    char *err, size_t errlen)
{
	char *copy;
	int ret;

	if (!file || (!text && len) || !users || !cfg || !err || !errlen)
		return -EINVAL;
	cg_defaults(cfg);
	ret = cg_kv_copy_text(file, text, len, CG_CONFIG_MAX_FILE, &copy, err,
			      errlen);
	if (ret)
		return ret;
	ret = cg_config_parse_buf(file, copy, len, users, cfg, err, errlen);
	free(copy);
	return ret;
}

int cg_config_load(const char *path, const struct cg_user_db *users,
		   struct cg_config *cfg, char *err, size_t errlen)
{
	struct stat st;
	char *text;
	size_t len;
	int ret;

	if (!path || !users || !cfg || !err || !errlen)
		return -EINVAL;
	cg_defaults(cfg);
	ret = cg_kv_read_file(path, CG_CONFIG_MAX_FILE, &text, &len, &st, err,
			      errlen);
	if (ret)
		return ret;
	ret = cg_config_parse_buf(path, text, len, users, cfg, err, errlen);
	free(text);
	return ret;
}

void cg_config_free(struct cg_config *cfg)
{
	unsigned int i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_cameras; i++)
		free(cfg->cameras[i].device);
	for (i = 0; i < cfg->n_displays; i++)
		free(cfg->displays[i].pairing);
	free(cfg->cameras);
	free(cfg->displays);
	free(cfg->identities);
	free(cfg->control_socket);
	free(cfg->web_root);
	free(cfg->web_hosts);
	memset(cfg, 0, sizeof(*cfg));
}

int cg_config_find_display(const struct cg_config *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->n_displays; i++)
		if (!strcmp(cfg->displays[i].name, name))
			return (int)i;
	return -1;
}

int cg_config_find_web_host(const struct cg_config *cfg, const char *host)
{
	unsigned int i;

	for (i = 0; i < cfg->n_web_hosts; i++)
		if (!strcmp(cfg->web_hosts[i].host, host))
			return (int)i;
	return -1;
}

const char *cg_config_web_host_of(const struct cg_config *cfg,
				  const struct cg_owner *o)
{
	unsigned int i;

	for (i = 0; i < cfg->n_web_hosts; i++)
		if (cfg->web_hosts[i].owner.uid == o->uid &&
		    cfg->web_hosts[i].owner.gid == o->gid)
			return cfg->web_hosts[i].host;
	return NULL;
}

size_t cg_config_max_payload(const struct cg_config *cfg)
{
	/* The seal is inside the header (record version 2). */
	return (size_t)(cfg->limits.max_record_size - CG_RECORD_HEADER_LEN);
}

/* The system's user database. */

#define PW_BUF_MAX	(1u << 20)

static int cg_pw_lookup(const char *name, uint32_t uid, uint32_t *uid_out,
			uint32_t *gid)
{
	size_t size = 4096;
	struct passwd pw, *res = NULL;
	char *buf = NULL;
	int ret;

	for (;;) {
		char *nbuf = realloc(buf, size);

		if (!nbuf) {
			free(buf);
			return -ENOMEM;
		}
		buf = nbuf;
		ret = name ? getpwnam_r(name, &pw, buf, size, &res) :
			     getpwuid_r(uid, &pw, buf, size, &res);
		if (ret != ERANGE || size >= PW_BUF_MAX)
			break;
		size *= 2;
	}
	free(buf);
	if (ret)
		return -ret;
	if (!res)
		return -ENOENT;
	if (uid_out)
		*uid_out = (uint32_t)pw.pw_uid;
	*gid = (uint32_t)pw.pw_gid;
	return 0;
}

static int cg_system_by_name(void *ctx, const char *name, uint32_t *uid,
			     uint32_t *gid)
{
	(void)ctx;
	return cg_pw_lookup(name, 0, uid, gid);
}

static int cg_system_by_uid(void *ctx, uint32_t uid, uint32_t *gid)
{
	(void)ctx;
	return cg_pw_lookup(NULL, uid, NULL, gid);
}

const struct cg_user_db cg_user_db_system = {
	.by_name = cg_system_by_name,
	.by_uid = cg_system_by_uid,
};
