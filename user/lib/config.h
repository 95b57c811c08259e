/* SPDX-License-Identifier: MIT */
/*
 * camguardd's configuration file (docs/config.md describes every key):
 *
 *   [global]      jpeg_quality
 *   [listen]      address (repeatable), identities, control_socket
 *   [limits]      max_displays_per_owner, max_record_size, max_connections,
 *                 max_hello_per_peer,
 *                 max_queued_records, handshake_timeout, idle_timeout,
 *                 write_timeout, restart_backoff_max
 *   [camera NAME] device or id, owner, jpeg_quality, format, size, fps
 *   [display NAME] owner, camera, pairing
 *   [web]         root, host (repeatable): the browser display
 *
 * The parser stops at the first problem and describes it as
 * "FILE:LINE: problem". Besides syntax it checks what would make camguardd
 * unsafe or ambiguous: every owner resolves to a non-root uid and gid, a
 * display's owner is its camera's owner, names, devices, ids and pairing
 * files are unique, and no owner has more displays than the limit.
 */
#ifndef CG_CONFIG_H
#define CG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keyval.h"

#define CG_CONFIG_MAX_FILE	(1u << 20)
#define CG_CONFIG_MAX_LISTEN	8
#define CG_CONFIG_MAX_CAMERAS	64
#define CG_CONFIG_MAX_DISPLAYS	1024
#define CG_CONFIG_MAX_SOCKET_PATH	107	/* sun_path, less its NUL */
#define CG_CONFIG_DEFAULT_CONTROL	"/run/camguard/camguardd.ctl"
#define CG_CONFIG_MAX_WEB_HOSTS	64
#define CG_CONFIG_DEFAULT_WEB_ROOT	"/usr/share/camguard/web/display"

/*
 * Where owners' names are looked up; tests supply their own. Both return
 * 0, -ENOENT when there is no such user, or another -errno.
 */
struct cg_user_db {
	int (*by_name)(void *ctx, const char *name, uint32_t *uid,
		       uint32_t *gid);
	int (*by_uid)(void *ctx, uint32_t uid, uint32_t *gid);
	void *ctx;
};

/* getpwnam_r() and getpwuid_r(). */
extern const struct cg_user_db cg_user_db_system;

/* An owner credential: what a worker runs as, what the kernel compares. */
struct cg_owner {
	uint32_t uid;
	uint32_t gid;
	char name[CG_KV_MAX_USER + 1];	/* "" when given as a number */
};

struct cg_config_listen {
	char host[CG_KV_MAX_HOST + 1];	/* "*": every address */
	uint16_t port;
};

struct cg_config_camera {
	char name[CG_KV_MAX_NAME + 1];
	char *device;			/* a V4L2 node, or NULL ... */
	bool has_id;
	uint32_t id;			/* ... a camguard camera id */
	struct cg_owner owner;
	uint32_t jpeg_quality;		/* 0: [global] jpeg_quality */
	uint32_t fourcc;		/* capture format; 0: camera's choice */
	uint32_t width, height;		/* 0: camera's choice */
	uint32_t fps;			/* 0: camera's choice */
	unsigned int line;		/* of its section header */
};

struct cg_config_display {
	char name[CG_KV_MAX_NAME + 1];
	struct cg_owner owner;
	unsigned int camera;		/* index into cameras[] */
	char *pairing;			/* its pairing file (holds the key) */
	unsigned int line;
};

/*
 * [web] host = HOST OWNER: browsers that ask TLS for @host (its server
 * name) reach @owner's worker, and only it (docs/web-display.md).
 */
struct cg_config_web_host {
	char host[CG_KV_MAX_HOST + 1];	/* lowercase */
	struct cg_owner owner;
	unsigned int line;
};

struct cg_config_limits {
	uint32_t max_displays_per_owner;
	uint64_t max_record_size;	/* bytes on the wire, header and seal included */
	uint32_t max_connections;
	uint32_t max_hello_per_peer;	/* of max_connections, one peer's */
	uint32_t max_queued_records;	/* per display; more are dropped */
	uint32_t handshake_timeout_ms;
	uint32_t idle_timeout_ms;
	uint32_t write_timeout_ms;
	uint32_t restart_backoff_max_ms;
};

struct cg_config {
	uint32_t jpeg_quality;
	struct cg_config_listen listen[CG_CONFIG_MAX_LISTEN];
	unsigned int n_listen;
	char *identities;		/* directory of the owners' TLS identities */
	char *control_socket;		/* camguardd's control socket (control.h) */
	struct cg_config_limits limits;
	struct cg_config_camera *cameras;
	unsigned int n_cameras;
	struct cg_config_display *displays;
	unsigned int n_displays;
	char *web_root;			/* the browser display's files */
	struct cg_config_web_host *web_hosts;
	unsigned int n_web_hosts;
};

/*
 * Parse @len bytes of @text (need not be NUL-terminated) named @file in
 * messages. 0 and a filled @cfg (cg_config_free() it), or -EINVAL (bad
 * config), -EFBIG (over CG_CONFIG_MAX_FILE), -ENOMEM, with the message in
 * @err and @cfg empty.
 */
int cg_config_parse(const char *file, const char *text, size_t len,
		    const struct cg_user_db *users, struct cg_config *cfg,
		    char *err, size_t errlen);

/* The same from a file; also -errno when it cannot be read. */
int cg_config_load(const char *path, const struct cg_user_db *users,
		   struct cg_config *cfg, char *err, size_t errlen);

void cg_config_free(struct cg_config *cfg);

/* The index of [display @name] in cfg->displays, or -1. */
int cg_config_find_display(const struct cg_config *cfg, const char *name);

/* The index of the [web] host named @host (lowercase), or -1. */
int cg_config_find_web_host(const struct cg_config *cfg, const char *host);

/* The first [web] host of owner @o, or NULL. */
const char *cg_config_web_host_of(const struct cg_config *cfg,
				  const struct cg_owner *o);

/* The largest payload a record may carry under cfg->limits. */
size_t cg_config_max_payload(const struct cg_config *cfg);

#endif /* CG_CONFIG_H */
