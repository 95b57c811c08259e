/* SPDX-License-Identifier: MIT */
/*
 * camguard-view's parts, one job a file:
 *
 *   main.c      the command line, setup, the reconnect loop, exit status
 *   session.c   one connection: TCP, hello, TLS and its pinned
 *               certificate, the challenge and response, reading records
 *   verify.c    each record: decoded, verified, its stamp checked
 *   save.c      accepted frames to --save DIR
 *   stats.c     the statistics line and --stats-file
 *   loop.c      signals and the one poll() everything waits in
 *   util.c      clocks, log sampling, writing a whole buffer
 *
 * Each file calls only into the ones below it in this list.
 */
#ifndef CG_VIEW_H
#define CG_VIEW_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <openssl/ssl.h>

#include "hmac.h"
#include "keyval.h"
#include "log.h"
#include "pairing.h"
#include "record.h"
#include "transport.h"
#include "verifier.h"

#define PROG			"camguard-view"
#define CONNECT_TIMEOUT_MS	10000	/* TCP, hello, TLS, challenge */
#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		2000
#define READ_BUF		(64 * 1024)
#define TICK_MS			1000

enum {
	EXIT_OK = 0,
	EXIT_FOREIGN = 1,	/* a frame of another owner was accepted */
	EXIT_USAGE = 2,
	EXIT_INCOMPLETE = 3,	/* connection lost, --frames not reached */
};

struct view_opts {
	const char *pairing_file;
	const char *connect;
	const char *fingerprint;
	const char *save_dir;
	const char *stats_file;
	bool have_owner;
	uint32_t expect_owner;
	uint32_t save_every;
	uint32_t frames;
	uint32_t duration_s;
	uint32_t max_age_ms;
	const char *latency_log;
	bool reconnect;
	bool no_decode;
	bool quiet;
};

struct view {
	struct view_opts opt;
	struct cg_pairing pairing;
	char module[64];		/* "display NAME" in log lines */
	char host[CG_KV_MAX_HOST + 1];
	uint16_t port;
	uint8_t fingerprint[CG_FINGERPRINT_LEN];

	SSL_CTX *ctx;
	struct cg_record_keys *seal_key;	/* the decoder's seal check */
	struct cg_record_decoder dec;
	struct cg_verifier *ver;
	uint8_t *rbuf;
	FILE *latency_log;		/* --latency-log, buffered */

	/* Per connection. */
	bool authed;			/* a byte came after the response */

	uint64_t connections, connect_failed, tls_failed, auth_failed;
	uint64_t received, decode_errors, foreign_owner, stamp_unreadable;
	uint64_t saved, save_errors;
	unsigned int stats_warned;
	unsigned int latency_warned;	/* --latency-log writes that failed */
	uint64_t fail_streak;		/* connections failed in a row */

	int64_t end_ms;			/* --duration's end; 0: none */
	int64_t next_tick_ms;
	bool frames_reached;
	bool lost;			/* connection gone, no --reconnect */
	sigset_t wait_mask;		/* signals let in while polling */
};

/* session.c */
int view_session(struct view *v);

/* verify.c */
int view_feed(struct view *v, const uint8_t *in, size_t len);
void view_log_reject(struct view *v, const struct cg_record *rec,
		     enum cg_record_status st);

/* save.c */
void view_save_frame(struct view *v, const struct cg_record *rec,
		     const struct cg_verify_info *info);

/* stats.c */
void view_stats_line(struct view *v);
void view_stats_file(struct view *v);
void view_tick(struct view *v, int64_t now);

/* loop.c */
extern volatile sig_atomic_t view_stop_signal;
void view_setup_signals(struct view *v);
bool view_done(struct view *v);
int view_wait(struct view *v, int fd, short events, int64_t deadline);

/* util.c */
int64_t view_mono_ms(void);
uint64_t view_mono_ns(void);
uint64_t view_realtime_ns(void);
bool view_log_sample(uint64_t n);
enum cg_log_level view_fail_level(const struct view *v,
				  enum cg_log_level level);
int view_write_all(int fd, const char *buf, size_t len);

#endif /* CG_VIEW_H */
