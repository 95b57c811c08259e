/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the camguard selftests: processes running as other
 * users (and in user namespaces) driven over a control socket, descriptor
 * passing, SHA-256/HMAC checks of frame tags, module parameters.
 */
#ifndef CG_UTIL_H
#define CG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/videodev2.h>

#include "cg_nl.h"
#include "cg_v4l2.h"

/* Test users: distinct uids and gids, no supplementary groups. */
#define CG_UID_A 1000
#define CG_GID_A 1000
#define CG_UID_B 2000
#define CG_GID_B 2000
#define CG_UID_C 3000
#define CG_GID_C 3000

struct cg_who {
	uid_t uid;
	gid_t gid;
	/* In a new user namespace, as its root mapped to uid/gid outside. */
	bool userns;
	/* With userns: join the user namespace of this process instead. */
	pid_t ns_of;
	/*
	 * With userns: the namespace is created by uid/gid themselves (an
	 * unprivileged user's own namespace), not by root.
	 */
	bool ns_by_user;
	/*
	 * With userns: also map namespace ids 1..9 to ns_sub..ns_sub + 8 (a
	 * subuid range, as newuidmap would), and take id ns_id inside.
	 */
	uint32_t ns_sub;
	uint32_t ns_id;
};

extern const struct cg_who cg_root, cg_a, cg_b, cg_c, cg_ns_a;

/* Diagnostics on stderr as KTAP comments, tagged with the process. */
void cg_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* In a child: log and return 1 if @cond is false. */
#define CK(cond, fmt, ...) do {						\
	if (!(cond)) {							\
		cg_log("%s:%d: check failed: %s: " fmt, __FILE__,	\
		       __LINE__, #cond, ##__VA_ARGS__);			\
		return 1;						\
	}								\
} while (0)

/* Take identity @who (root -> someone else). 0 or -errno. */
int cg_become(const struct cg_who *who);

/* ---- child processes ------------------------------------------------------ */

/* Control messages between a test and its children. */
struct cg_ctl {
	int32_t op;
	int32_t err;
	int64_t v[6];
	char s[160];
};

typedef int (*cg_fn)(void *arg, int ctl);

struct cg_proc {
	pid_t pid;
	int ctl;		/* SOCK_SEQPACKET to the child */
};

/*
 * Fork a child that takes identity @who and runs @fn(@arg, ctl); its return
 * value is the exit status. The child dies with the test (PDEATHSIG).
 */
int cg_spawn(struct cg_proc *p, const struct cg_who *who, cg_fn fn, void *arg);
/* Wait for the child: its exit status, 128 + signal, or -ETIMEDOUT (then killed). */
int cg_reap(struct cg_proc *p, int timeout_ms);
void cg_kill(struct cg_proc *p, int sig);

/* Send a message (and @fd unless -1). 0 or -errno. */
int cg_ctl_send(int sock, const struct cg_ctl *m, int fd);
/* Receive one within @timeout_ms (@fd may be NULL): 0, -ETIMEDOUT, -EPIPE... */
int cg_ctl_recv(int sock, struct cg_ctl *m, int *fd, int timeout_ms);
/* Shorthands: send op with v0; wait for a given op (other ops: -EPROTO). */
int cg_say(int sock, int op, int64_t v0);
int cg_expect(int sock, int op, struct cg_ctl *m, int timeout_ms);

/* ---- crypto ---------------------------------------------------------------- */

void cg_sha256(const void *p, size_t n, uint8_t out[32]);
void cg_hmac_sha256(const uint8_t *key, size_t klen, const void *p, size_t n,
		    uint8_t out[32]);
void cg_hex(const uint8_t *p, size_t n, char *out);	/* out: 2n + 1 */

/* ---- frame tags ------------------------------------------------------------ */

struct cg_tag_expect {
	uint32_t cam;
	uint32_t chan;
	uint32_t uid, gid;		/* initial user namespace */
	uint64_t stream_id;		/* 0: not checked */
	const uint8_t *key;		/* channel key (32 bytes) */
	uint8_t flags;			/* expected CAMGUARD_TAG_F_* */
};

/*
 * Check a FRAME event against the expectations and (if @b is not NULL) the
 * dequeued buffer @b whose bytes are @payload. Returns 0, or 1 with the
 * first mismatch described in @why.
 */
int cg_check_frame(const struct cg_msg *ev, const struct cg_tag_expect *x,
		   const struct v4l2_buffer *b, const void *payload,
		   char *why, size_t whylen);
/* The tag of a FRAME event (copied), 0 or -EPROTO if missing/short. */
struct camguard_frame_tag;
int cg_frame_tag(const struct cg_msg *ev, struct camguard_frame_tag *tag);

/*
 * FRAME events of one socket kept by sequence number, so that each
 * dequeued buffer finds its event whatever the order they come in.
 */
struct cg_frames {
	struct cg_nl *nl;
	unsigned int n;
	struct cg_msg ev[48];
	unsigned long others;		/* non-FRAME events seen (dropped) */
};

void cg_frames_init(struct cg_frames *f, struct cg_nl *nl);
/* The FRAME event of sequence @seq for channel @chan within @timeout_ms: 1, 0, -errno. */
int cg_frames_get(struct cg_frames *f, uint32_t chan, uint32_t seq,
		  int timeout_ms, struct cg_msg *out);

/* ---- markers in buffers (remanence) ---------------------------------------- */

/* A 16-byte marker repeated over p[0..n). */
void cg_fill_marker(uint8_t *p, size_t n, const uint8_t marker[16]);
/* Occurrences of the marker's first 8 bytes in p[0..n). */
long cg_count_marker(const uint8_t *p, size_t n, const uint8_t marker[16]);

/* ---- environment ----------------------------------------------------------- */

/* Module parameter /sys/module/camguard/parameters/@name. */
int cg_param_read(const char *name, long *v);
int cg_param_write(const char *name, long v);
/* Write @val to a sysfs/debugfs/proc file. 0 or -errno. */
int cg_write_file(const char *path, const char *val);
/* Read a sysfs counter of camera @cam (stats/@name), -1 on error. */
long cg_cam_stat(int cam, const char *name);
/*
 * As root, on camera @cam once it is idle: set control @id. Retries while
 * a stream that is going away still refuses (EBUSY). 0 or -errno.
 */
int cg_root_set_ctrl(int cam, uint32_t id, int32_t v);

/*
 * The camguard module is loaded with at least @ncams cameras, their nodes
 * are made accessible to the test users (mode 0666) and the netlink family
 * exists. Returns NULL, or why the tests cannot run (@skip true: the
 * module is not loaded at all, skip; false: it is, but broken: fail).
 */
const char *cg_env(int ncams, bool *skip);
/* Wait until camera @cam has a node again (after a rebind). */
int cg_wait_node(int cam, int timeout_ms);
/* Unbind + bind the platform device camguard.@cam; waits for its node. */
int cg_rebind(int cam);

int64_t cg_now_ms(void);
void cg_sleep_ms(int ms);

/* Time scale: CG_TIME_SCALE (default 1, e.g. 4 on the debug kernel). */
int cg_scale(void);

/* ---- a verified stream -------------------------------------------------- */

struct cg_stream_opts {
	int cam;
	int frames;		/* frames to dequeue and verify */
	uint32_t width, height;	/* 0: 320x240 YUYV */
	bool channel;		/* make a channel and attach it first */
	const uint8_t *key;	/* channel key (NULL: the kernel makes one) */
	uint32_t chan_flags;	/* CG_NO_FLAGS: attribute left out */
	uint8_t tag_flags;	/* expected CAMGUARD_TAG_F_* */
	bool black;		/* the payload must be black YUYV (muted) */
	uint32_t uid, gid;	/* expected frame owner, initial user ns */
	uint32_t ns_uid, ns_gid;	/* the same as STREAM_GET shows it to us */
	int fd;			/* video fd to use; -1: open the node */
	bool no_stream_get;	/* do not expect our stream in STREAM_GET */
	int ctl;		/* with pause: where to say 'S' and wait 'G' */
	bool pause;		/* after STREAMON: 'S' (v0 stream id), wait 'G' */
};

struct cg_stream_result {
	uint64_t stream_id;
	uint32_t chan;
	int checked;		/* frames whose event and payload matched */
};

/*
 * In a child: stream o->frames frames from the camera and check every
 * dequeued buffer against its FRAME event (digest, sequence, stream id,
 * owner, timestamp, MAC). 0 on success, 1 with diagnostics otherwise.
 */
int cg_streamer(const struct cg_stream_opts *o, struct cg_stream_result *r);
/* A cg_fn running cg_streamer(arg) and sending the result (op 'R'). */
int cg_streamer_child(void *arg, int ctl);
/* Default options for camera @cam, owner @who. */
void cg_stream_opts_init(struct cg_stream_opts *o, int cam, const struct cg_who *who);
/* Per-step timeout in ms (scaled). */
int cg_tmo(int ms);

/*
 * A viewer: a channel (random key) attached to a camera, in a child.
 * Sends 'A' (err = attach result, v0 = channel id, s = extack), and if the
 * attach succeeded (and was wanted):
 *  - frames > 0: receives that many FRAME events, checks each tag (owner
 *    uid/gid, camera, channel, MAC) and sends 'T' (v0 = sequence, v1 =
 *    stream id, s = the 32 digest bytes) for each, then 'D';
 *  - quiet_ms > 0: expects no FRAME event for that long, then sends 'C'
 *    (v0 = delivered, v1 = withheld from CHAN_GET);
 * then waits for 'Q' before it exits (its channel lives until then).
 * Exit status 0 if everything matched.
 */
struct cg_viewer {
	int cam;
	int want_attach;	/* 0 or -errno */
	int frames;
	int quiet_ms;
	uint32_t uid, gid;	/* expected frame owner, initial user ns */
	uint32_t chan_flags;
};
int cg_viewer_child(void *arg, int ctl);

#endif
