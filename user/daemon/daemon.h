/* SPDX-License-Identifier: MIT */
/*
 * camguardd: one supervisor process (root) and one worker process per
 * owner credential (docs/camguardd.md).
 *
 *   main.c        options, the config, then the supervisor
 *   supervisor.c  signals, workers (fork, restart with backoff), reload,
 *                 routing each connection to its owner's worker
 *   listen.c      listen sockets, pending connections, their hello lines
 *   control.c     the control socket: camguardctl revoke waits there
 *   worker.c      a worker: privilege drop, its event loop, stats
 *   capture.c     one camera through libv4l2: format, buffers, conversion
 *   channel.c     the worker's netlink socket: channels, frame events;
 *                 tells the supervisor when a display's channel is cut
 *   frame.c       one dequeued frame: digest check against the kernel's
 *                 event, encode and encrypt once, seal a header per display
 *   display.c     display connections: TLS, authentication, output queue;
 *                 a browser's request and its WebSocket framing
 *   web.c         what a browser's request gets: the page, or the upgrade
 *                 (user/lib/webpage.c builds the answers)
 *
 * Ownership: the supervisor owns the config, the listen sockets and the
 * control socket; a worker gets a copy of the config at fork() and owns
 * everything it creates after (its owner's TLS identity, cameras,
 * channels, connections). The supervisor never reads a private key, so a
 * worker inherits none: it loads its own owner's identity and no other.
 * A frame or a key never crosses from one worker to another, nor to the
 * supervisor.
 */
#ifndef CG_DAEMON_H
#define CG_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include <openssl/ssl.h>
#include <linux/camguard.h>

#include "cgnl.h"
#include "config.h"
#include "frametag.h"
#include "hmac.h"
#include "record.h"
#include "transport.h"
#include "webpage.h"

#define CG_DAEMON_NAME		"camguardd"
#define CG_STATS_INTERVAL_MS	10000
#define CG_CAPTURE_BUFS		4	/* asked for */
#define CG_CAPTURE_MAX_BUFS	32	/* VIDEO_MAX_FRAME: a driver may give more */
/* Frame events kept per channel: more than a driver's buffers, so the
 * events of every completed buffer not yet dequeued fit. */
#define CG_EVENT_RING		(2 * CG_CAPTURE_MAX_BUFS)
#define CG_MOD_LEN		48	/* "display NAME" and the like */

/* CLOCK_MONOTONIC in milliseconds: every deadline in camguardd. */
static inline uint64_t cg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* poll() timeout until @deadline (ms, monotonic), folded into *@timeout. */
static inline void cg_timeout_until(int *timeout, uint64_t deadline,
				    uint64_t now)
{
	uint64_t left = deadline > now ? deadline - now : 0;

	if (left > 60000)
		left = 60000;
	if (*timeout < 0 || (int)left < *timeout)
		*timeout = (int)left;
}

/*
 * Supervisor to worker, over the worker's SOCK_SEQPACKET socket: one
 * message per display connection, this body and the socket by SCM_RIGHTS.
 */
struct cg_handoff {
	uint32_t display;	/* index into the config's displays[], or: */
};

/* A browser's connection: the worker learns its display from the request. */
#define CG_HANDOFF_WEB	UINT32_MAX

/*
 * Worker to supervisor, over the same socket: the kernel revoked the
 * channel of config display @display and the worker closed its @closed
 * connection(s). The supervisor answers camguardctl revoke with it
 * (control.c), after checking that @display is the worker's owner's.
 */
#define CG_NOTE_CUT	1
struct cg_worker_note {
	uint32_t kind;		/* CG_NOTE_CUT */
	uint32_t display;
	uint32_t closed;
};

/* ---- supervisor (supervisor.c, listen.c) ---------------------------------- */

struct cg_sup_stats {
	uint64_t accepted;
	uint64_t full;			/* max_connections pending reached */
	uint64_t per_peer;		/* closed: max_hello_per_peer reached */
	uint64_t bad_hello;
	uint64_t hello_timeout;
	uint64_t unknown_display;
	uint64_t no_server_name;	/* TLS first, without a server name */
	uint64_t unknown_host;		/* a server name no [web] host has */
	uint64_t no_worker;
	uint64_t handed_off;
	uint64_t worker_exits;
};

/*
 * The other end of a connection (peer.c): a local user by uid (every local
 * user connects from a loopback address), else a remote address.
 */
struct cg_peer {
	bool local;
	uid_t uid;			/* local */
	sa_family_t family;		/* remote */
	unsigned char addr[16];
};

/* @out = who connected on @fd from @addr. */
void cg_peer_of(int fd, const struct sockaddr_storage *addr,
		struct cg_peer *out);
bool cg_peer_equal(const struct cg_peer *a, const struct cg_peer *b);

struct cg_pending {
	int fd;
	uint64_t deadline_ms;
	struct cg_peer who;
	char peer[80];
	char line[CG_HELLO_MAX];	/* the hello line so far */
	size_t have;
};

struct cg_listener {
	int fds[CG_CONFIG_MAX_LISTEN * 4];
	unsigned int n_fds;
	struct cg_pending *pending;	/* limits.max_connections slots */
	unsigned int n_pending, cap;
	struct cg_sup_stats st;
	/* The peer last logged as refused for max_hello_per_peer, and when. */
	struct cg_peer refused_peer;
	uint64_t refused_logged_ms;
};

/* Opens every [listen] address: 0, or -errno with a log line. */
int cg_listen_open(struct cg_listener *l, const struct cg_config *cfg);
/* Closes the listen sockets and every pending connection. */
void cg_listen_close(struct cg_listener *l);
/* Pending connections with no worker left to take them are closed. */
void cg_listen_drop_pending(struct cg_listener *l);

/*
 * A connection that named where it goes: a hello line naming a display of
 * the config, or a browser's ClientHello naming a [web] host.
 */
struct cg_hello {
	int fd;				/* the caller's from here on */
	uint32_t display;		/* displays[] index, or CG_HANDOFF_WEB */
	struct cg_owner owner;		/* whose worker takes it */
	char what[CG_KV_MAX_HOST + 16];	/* "display NAME", "web host NAME" */
	char peer[80];
};

/* One pass over listen sockets and pending hellos after poll(). */
void cg_listen_accept(struct cg_listener *l, const struct cg_config *cfg,
		      int listen_fd);
/*
 * Reads more of pending connection @slot's hello line, or peeks at its
 * ClientHello. 1: it named a display or a web host, the connection has
 * left pending[] and *@out holds it for the caller to route
 * (supervisor.c); 0: not yet, or the connection was closed and counted.
 */
int cg_listen_hello(struct cg_listener *l, const struct cg_config *cfg,
		    unsigned int slot, struct cg_hello *out);
void cg_listen_timeouts(struct cg_listener *l, uint64_t now);
/* The earliest hello deadline, into *@timeout (poll() milliseconds). */
void cg_listen_next_timeout(const struct cg_listener *l, int *timeout,
			    uint64_t now);

/*
 * The control socket (control.c): camguardctl revoke asks, before it
 * deletes a display's kernel channel, to be told when the display's
 * worker has closed its connections.
 */
#define CG_CONTROL_MAX_CLIENTS	8

struct cg_control_client {
	int fd;
	bool watching;			/* waits for a cut of @name */
	char name[CG_KV_MAX_NAME + 1];
	struct cg_owner owner;		/* the display's, when watching */
	uint64_t deadline_ms;		/* closed then, whatever happened */
};

struct cg_control {
	int fd;				/* listening, -1 when closed */
	char *path;
	struct cg_control_client clients[CG_CONTROL_MAX_CLIENTS];
	unsigned int n_clients;
};

/* Creates the socket, mode 0600 (its directory if missing): 0 or -errno. */
int cg_control_open(struct cg_control *c, const char *path);
/* Closes it and every client, and removes the socket file. */
void cg_control_close(struct cg_control *c);
void cg_control_accept(struct cg_control *c);
/*
 * A client's request: @running says whether the worker of an owner runs
 * (the supervisor's slots).
 */
void cg_control_request(struct cg_control *c, unsigned int slot,
			const struct cg_config *cfg,
			bool (*running)(const struct cg_owner *o));
/* @name's worker closed @closed connection(s): its watchers are told. */
void cg_control_cut(struct cg_control *c, const char *name,
		    unsigned int closed);
/* @o's worker ended: the watchers of its displays are told. */
void cg_control_gone(struct cg_control *c, const struct cg_owner *o);
void cg_control_timeouts(struct cg_control *c, uint64_t now, int *timeout);

int cg_supervisor_run(const char *config_path, struct cg_config *cfg);

/* ---- worker (worker.c, capture.c, channel.c, frame.c, display.c) --------- */

struct cg_camera_stats {
	uint64_t frames;		/* dequeued */
	uint64_t encoded;		/* JPEG made (someone was watching) */
	uint64_t digest_mismatch;
	uint64_t missing_event;
	uint64_t unverified;		/* tag without digest */
	uint64_t too_big;		/* record above max_record_size */
	uint64_t sequence_repeat;	/* sequence not above the last one */
	uint64_t errors;		/* encode or seal failures */
};

/* Per-frame problems, each kind rate-limited on its own (frame.c). */
enum cg_frame_problem {
	CG_FRAME_UNVERIFIED,
	CG_FRAME_DIGEST_MISMATCH,
	CG_FRAME_MISSING_EVENT,
	CG_FRAME_ENCODE_FAILED,
	CG_FRAME_TOO_BIG,
	CG_FRAME_SEQUENCE_REPEAT,
	CG_FRAME_NR_PROBLEMS
};

struct cg_capture_buf {
	void *start;
	size_t length;
};

struct cg_camera {
	const struct cg_config_camera *cfg;
	char mod[CG_MOD_LEN];		/* "camera NAME" */
	char devnode[64];		/* /dev/videoN */
	uint32_t id;			/* camguard camera id */
	bool resolved;
	int fd;				/* libv4l2 node, -1 when closed */
	uint32_t fourcc, width, height, bytesperline, sizeimage;
	bool compressed;		/* V4L2_FMT_FLAG_COMPRESSED */
	struct cg_capture_buf bufs[CG_CAPTURE_MAX_BUFS];
	unsigned int n_bufs;
	bool streaming;
	bool verified;			/* last_sequence is set */
	uint32_t last_sequence;		/* of the last frame verified */
	struct v4lconvert_data *conv;	/* formats the encoder cannot take */
	uint8_t *conv_buf;
	size_t conv_len;
	int quality;
	unsigned int n_displays;	/* usable displays on this camera */
	uint64_t last_problem_ms[CG_FRAME_NR_PROBLEMS]; /* log rate limits */
	struct cg_camera_stats st;
};

/* A frame between DQBUF and QBUF. */
struct cg_frame {
	unsigned int index;
	const uint8_t *data;
	size_t len;			/* bytesused */
	uint32_t sequence;
	uint64_t mono_ns;		/* the buffer's CLOCK_MONOTONIC time */
};

struct cg_frame_event {
	bool valid;
	uint32_t sequence;
	uint64_t stream_id;
	uint8_t tag[CG_TAG_LEN];	/* raw, as the kernel MACed it */
	uint8_t mac[CAMGUARD_MAC_LEN];
};

/*
 * A display's kernel channel (channel.c fills it): its id, and the frame
 * events the kernel sent to it in a small ring (CG_EVENT_RING) that the
 * frame path (frame.c) searches by sequence when the buffer is dequeued.
 */
struct cg_channel {
	uint32_t id;
	struct cg_frame_event ring[CG_EVENT_RING];
	unsigned int ring_next;
};

struct cg_display_stats {
	uint64_t sent;			/* records written out completely */
	uint64_t dropped_full;		/* queue full: record dropped */
	uint64_t connections;		/* authenticated */
	uint64_t auth_failed;		/* wrong pairing key */
	uint64_t tls_failed;		/* TLS handshake failed */
	uint64_t refused;		/* not usable, or limits */
	uint64_t timeouts;		/* handshake, write or idle */
	uint64_t replaced;		/* by a newer connection */
};

/* Browser requests before they reach a display (web.c, display.c). */
struct cg_web_stats {
	uint64_t requests;		/* complete request heads */
	uint64_t files;			/* page files served */
	uint64_t upgrades;		/* WebSockets accepted, before auth */
	uint64_t not_found;
	uint64_t bad_request;		/* malformed, too big, refused upgrade */
	uint64_t protocol_error;	/* WebSocket framing before auth */
	uint64_t tls_failed;
	uint64_t refused;		/* max_connections */
	uint64_t timeouts;		/* no whole request, or answer, in time */
	uint64_t errors;		/* the page's files unreadable */
};

struct cg_conn;

struct cg_display {
	const struct cg_config_display *cfg;
	unsigned int index;		/* in the config's displays[] */
	char mod[CG_MOD_LEN];		/* "display NAME" */
	struct cg_camera *cam;		/* NULL: refused at start */
	bool usable;			/* pairing loaded, channel attached */
	uint8_t key[CAMGUARD_KEY_LEN];	/* wiped at exit */
	struct cg_record_keys *keys;	/* record seal and wrap keys */
	struct cg_channel *chan;	/* in the worker's chans[] */
	struct cg_conn *conn;		/* the authenticated one, or NULL */
	struct cg_display_stats st;
};

struct cg_worker {
	const struct cg_config *cfg;
	struct cg_owner owner;
	char mod[CG_MOD_LEN];		/* "worker NAME" */
	int sock;			/* from the supervisor */
	int sigfd;
	SSL_CTX *tls;			/* its owner's identity, for every connection */
	struct cg_nl nl;
	bool nl_open;
	struct cg_camera *cams;
	unsigned int n_cams;
	struct cg_display *displays;
	unsigned int n_displays;
	struct cg_channel *chans;	/* one per display, same index */
	struct cg_conn *conns;		/* every connection, any state */
	unsigned int n_conns;
	struct cg_jpeg_encoder *jpeg;
	struct cg_sha256_thread *hasher;	/* the digest check, beside the encode */
	size_t max_payload;
	bool stop;			/* SIGTERM: exit 0 */
	bool restart;			/* camera gone, channel revoked */
	uint64_t restart_at_ms;		/* a camera failed: restart by then */
	uint64_t events;		/* netlink events received */
	uint64_t events_lost;		/* the socket overflowed */
	uint64_t events_bad;		/* malformed or for no channel of ours */
	uint64_t bad_handoff;		/* supervisor messages refused */
	struct cg_web_stats web_st;
};

/* worker.c: the forked child's whole life; returns its exit status. */
int cg_worker_main(const struct cg_config *cfg, const struct cg_owner *owner,
		   int sock, pid_t supervisor);

/* capture.c */
int cg_capture_open(struct cg_camera *cam);
int cg_capture_start(struct cg_camera *cam);
int cg_capture_dequeue(struct cg_camera *cam, struct cg_frame *f);
int cg_capture_requeue(struct cg_camera *cam, const struct cg_frame *f);
int cg_capture_encodable(struct cg_camera *cam, const struct cg_frame *f,
			 const uint8_t **data, size_t *len, uint32_t *fourcc,
			 uint32_t *bytesperline);
void cg_capture_close(struct cg_camera *cam);
/*
 * Formats the JPEG encoder does not take: @conv (libv4lconvert, for the
 * camera's node; owned by @cam from here on, NULL is an error) converts
 * cam->fourcc at cam->width x cam->height to RGB24 in cg_capture_encodable().
 * 0, or -ENOMEM. cg_capture_free_converter() (also done by
 * cg_capture_close()) releases it.
 */
int cg_capture_set_converter(struct cg_camera *cam,
			     struct v4lconvert_data *conv);
void cg_capture_free_converter(struct cg_camera *cam);

/* channel.c */
int cg_channel_resolve(struct cg_worker *w);
int cg_channel_create(struct cg_worker *w, struct cg_display *d);
int cg_channel_receive(struct cg_worker *w, int timeout_ms);
/* One event of the kernel for this worker (a cg_nl_msg_fn, @arg the worker). */
int cg_channel_event(uint8_t cmd, struct nlattr **a, void *arg);
const struct cg_frame_event *cg_channel_find(const struct cg_channel *ch,
					     uint32_t sequence);

/*
 * One frame's encrypted payload, shared by the records of all its displays
 * (frame.c makes it with one reference; each display queue takes one).
 * Only ciphertext: nothing in it is secret.
 */
struct cg_payload {
	unsigned int refs;
	size_t len;
	uint8_t data[];
};

/* Drop a reference (NULL: none); the last one frees the payload. */
static inline void cg_payload_put(struct cg_payload *p)
{
	if (p && !--p->refs)
		free(p);
}

/* frame.c */
int cg_frame_handle(struct cg_worker *w, struct cg_camera *cam);

/* display.c */
void cg_display_accept(struct cg_worker *w, int fd, uint32_t index);
void cg_display_io(struct cg_worker *w, struct cg_conn *c, short revents);
short cg_display_events(const struct cg_conn *c);
int cg_display_fd(const struct cg_conn *c);
struct cg_conn *cg_display_next(const struct cg_conn *c);
bool cg_display_room(struct cg_display *d);
void cg_display_queue(struct cg_worker *w, struct cg_display *d,
		      const uint8_t header[CG_RECORD_HEADER_LEN],
		      struct cg_payload *payload);
void cg_display_deadlines(struct cg_worker *w, uint64_t now, int *timeout);
void cg_display_timeouts(struct cg_worker *w, uint64_t now);
void cg_display_reap(struct cg_worker *w);
/*
 * The kernel revoked @d's channel: close its connections, forget its key;
 * new connections are refused. The worker's other displays go on.
 * Returns the number of connections closed.
 */
unsigned int cg_display_revoke(struct cg_worker *w, struct cg_display *d);
void cg_display_close_all(struct cg_worker *w);

/* web.c: the answer to a browser's request. */
struct cg_web_reply {
	struct cg_http_reply http;	/* buf NULL: out of memory */
	struct cg_display *upgrade;	/* 101: the WebSocket is @upgrade's */
};

/*
 * The @len bytes a browser sent so far: 0 while its request head is not
 * whole, else 1 and the answer in *@out (free out->http.buf).
 */
int cg_web_request(struct cg_worker *w, const char *buf, size_t len,
		   const char *peer, struct cg_web_reply *out);

#endif /* CG_DAEMON_H */
