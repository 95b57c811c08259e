/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cg-relay: an untrusted relay between camguardd and its displays, the
 * "buggy cloud cache" of the incidents camguard is built against
 * (tests/relay/README.md). It terminates TLS on both sides, frames the
 * record stream without any key, and on command misroutes, replays,
 * reorders, drops, corrupts or truncates records, serves cached frames to
 * reconnecting displays and drops every connection at once. Displays must
 * refuse every record it tampers with; its stats file says exactly what
 * each display was sent, for the test to compare with what it accepted.
 *
 *   main.c     options, sockets, the poll loop, signals
 *   conn.c     one display connection and its upstream: hello, TLS on
 *              both sides, the challenge and response, records out
 *   web.c      a browser display instead (--web-root): TLS, its HTTP
 *              request (the page, or the WebSocket of a display), then
 *              the same upstream, records in WebSocket messages
 *   fault.c    what happens to each record: history, cache, faults
 *   control.c  commands from the control FIFO
 *   stats.c    displays by name, counters, the stats file
 */
#ifndef CG_RELAY_H
#define CG_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <openssl/ssl.h>

#include "keyval.h"
#include "record.h"
#include "transport.h"
#include "websocket.h"

#define RELAY_LOG		"relay"

#define RELAY_MAX_CONNS		256	/* display connections at once */
#define RELAY_MAX_DISPLAYS	1024	/* display names remembered */
#define RELAY_MAX_UPSTREAM	4	/* addresses tried for --upstream */
#define RELAY_HISTORY		32	/* records kept per display (replay) */
#define RELAY_HISTORY_BYTES	(32u << 20)
#define RELAY_QUEUE_RECORDS	32	/* records waiting for one display */
#define RELAY_QUEUE_BYTES	(16u << 20)
#define RELAY_SETUP_MS		10000	/* hello, connect, TLS, challenge */
#define RELAY_FLUSH_MS		5000	/* upstream gone: finish sending */
#define RELAY_READ_CHUNK	65536

/*
 * What a record sent to a display is. The first NR_KINDS are the faults,
 * counted as "injected.KIND" and "display.NAME.KIND"; the stats file
 * writes them in this order.
 */
enum relay_kind {
	KIND_SWAP,		/* another display's record */
	KIND_REPLAY,		/* an old record of this display, again */
	KIND_REORDER,		/* held back and sent after the next one */
	KIND_DROP,		/* not sent at all */
	KIND_CORRUPT,		/* one payload byte flipped */
	KIND_TRUNCATE,		/* its first half, then the connection closes */
	KIND_CACHE_OWN,		/* on connect: this display's last record */
	KIND_CACHE_FOREIGN,	/* on connect: another display's last record */
	NR_KINDS,
	KIND_FORWARD = NR_KINDS,	/* its own record, untouched */
	KIND_RAW,			/* the challenge: not a record */
};

/* The faults a command arms for "the next N records", in the order tried. */
#define NR_RECORD_FAULTS	6	/* KIND_SWAP .. KIND_TRUNCATE */

extern const char *const relay_kind_name[NR_KINDS];

/* Record bytes shared by queues, histories and the cache. */
struct blob {
	unsigned int refs;
	uint64_t serial;	/* arrival order over all displays */
	size_t len;
	uint8_t data[];
};

struct blob *blob_new(const void *data, size_t len);
struct blob *blob_get(struct blob *b);
void blob_put(struct blob *b);

/* A display, by the name in its hello line: outlives its connections. */
struct display {
	char name[CG_KV_MAX_NAME + 1];
	struct blob *history[RELAY_HISTORY];	/* oldest first */
	unsigned int hist_len;
	size_t hist_bytes;
	uint64_t count[NR_KINDS];	/* faults it was sent (drop: meant for it) */
	uint64_t forwarded;		/* its own records it was sent */
	uint64_t overflow;		/* lost because its queue was full */
};

/* Bytes waiting for a display. */
struct item {
	struct item *next;
	uint8_t ws[CG_WS_HEADER_MAX];	/* a browser's message header */
	size_t ws_len;		/* 0 for camguard-view */
	struct blob *blob;
	size_t len;		/* bytes of blob to send: a truncation sends half */
	size_t off;		/* bytes already written, ws first */
	enum relay_kind kind;
	bool close_after;
};

enum conn_state {
	CONN_HELLO,		/* reading the display's hello line */
	CONN_WEB,		/* a browser: TLS, then its HTTP request */
	CONN_CONNECTING,	/* connecting to camguardd */
	CONN_HANDSHAKE,		/* TLS on both sides */
	CONN_LINKED,		/* challenge, response, then records */
	CONN_FLUSH,		/* camguardd is gone: send what is queued */
};

struct conn {
	unsigned int id;
	enum conn_state state;
	char peer[64];
	int down_fd, up_fd;
	SSL *down, *up;
	short down_ev, up_ev;		/* what the next poll() waits for */
	short down_rev, up_rev;		/* what the last one reported */
	bool kick;			/* queued to by another connection */
	bool closing;			/* a truncation is on its way: add nothing */
	uint64_t deadline_ms;		/* of the current state */

	char hello[CG_HELLO_MAX];
	size_t hello_len;
	bool web;			/* a browser's WebSocket (web.c) */
	char *req;			/* its request head so far */
	size_t req_len;
	uint8_t chal[CG_AUTH_MSG_LEN];	/* the challenge, framed when whole */
	uint8_t ws_resp[2 + 4 + CG_AUTH_MSG_LEN];	/* the masked response */
	size_t ws_resp_have;
	struct display *disp;
	unsigned int up_addr;		/* which --upstream address */
	bool up_hs, down_hs;		/* TLS handshakes done */

	size_t chal_have;		/* challenge bytes passed down */
	uint8_t resp[CG_AUTH_MSG_LEN];
	size_t resp_have, resp_sent;
	bool records;			/* the response is upstream: records flow */
	struct cg_record_decoder dec;

	struct item *head, *tail;
	unsigned int q_records;
	size_t q_bytes;
	struct blob *held;		/* a reordered record */
};

struct relay_stats {
	uint64_t connections;		/* display connections accepted */
	uint64_t upstream_failed;	/* connect or TLS to camguardd failed */
	uint64_t forwarded;
	uint64_t decode_errors;		/* upstream framing lost or truncated */
	/*
	 * Every record camguardd sends is end-to-end encrypted: a payload
	 * that starts like a JPEG (FF D8 FF) is a cleartext frame a relay
	 * could read, and must never be seen.
	 */
	uint64_t payloads;		/* records from camguardd, payload checked */
	uint64_t cleartext;		/* of them, a JPEG in clear */
	uint64_t injected[NR_KINDS];
	uint64_t storms;
	uint64_t hello_errors;
	uint64_t tls_errors;		/* TLS with a display failed */
	uint64_t overflow;		/* records lost to full queues */
	uint64_t refused;		/* connections over RELAY_MAX_CONNS */
	uint64_t web_pages;		/* page files served to browsers */
	uint64_t web_errors;		/* requests refused, bad WebSocket data */
};

struct relay {
	int listen_fd;
	int ctl_fd;
	SSL_CTX *server_ctx, *client_ctx;
	struct sockaddr_storage up_addr[RELAY_MAX_UPSTREAM];
	socklen_t up_addrlen[RELAY_MAX_UPSTREAM];
	unsigned int n_up;
	const char *stats_file;
	const char *web_root;		/* --web-root: serve browsers too */

	struct conn *conns[RELAY_MAX_CONNS];
	unsigned int n_conns;
	unsigned int next_id;
	struct display *displays[RELAY_MAX_DISPLAYS];
	unsigned int n_displays;

	uint64_t pending[NR_RECORD_FAULTS];	/* armed by commands */
	bool cache;
	unsigned int swap_rr;
	uint64_t rng;
	uint64_t serial;

	char ctl_buf[256];
	size_t ctl_len;
	bool ctl_skip;			/* discarding an overlong line */

	struct relay_stats st;
};

/* main.c */
uint64_t relay_now_ms(void);
uint64_t relay_random(struct relay *r);

/* conn.c */
void conn_accept(struct relay *r);
void conn_progress(struct relay *r, struct conn *c);
void conn_close(struct relay *r, struct conn *c, const char *why);
void conn_sweep(struct relay *r);
void conn_free_all(struct relay *r);
int conn_enqueue(struct relay *r, struct conn *c, struct blob *b, size_t len,
		 enum relay_kind kind, bool close_after);
int conn_upstream_connect(struct relay *r, struct conn *c);
/* The display side's TLS (server, the relay's certificate), made once. */
int conn_down_tls(struct relay *r, struct conn *c);
int conn_ssl_wait(SSL *ssl, int ret, short *ev, char *why, size_t size);
/* Bytes to the display as they are (an HTTP answer), then maybe the end. */
int conn_send_raw(struct relay *r, struct conn *c, const void *data,
		  size_t len, bool close_after);

/* web.c */
void web_step(struct relay *r, struct conn *c);
int web_response(struct relay *r, struct conn *c, const uint8_t *p,
		 size_t len);

/* fault.c */
void fault_record(struct relay *r, struct conn *c, const struct cg_record *rec);
void fault_records_start(struct relay *r, struct conn *c);
void fault_storm(struct relay *r);

/* control.c */
int control_open(struct relay *r, const char *path);
void control_read(struct relay *r);

/* stats.c */
struct display *display_get(struct relay *r, const char *name);
void display_free_all(struct relay *r);
void history_add(struct display *d, struct blob *b);
void stats_sent(struct relay *r, struct display *d, enum relay_kind kind);
int stats_write(struct relay *r);

#endif /* CG_RELAY_H */
