/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink for the camguard selftests (no libnl): resolve the
 * family and its "audit" group, send requests with NLM_F_ACK and read the
 * extended ack, run dumps, and receive events with a timeout. Events that
 * arrive while a request waits for its answer are queued and handed out by
 * cg_nl_event() in order.
 */
#ifndef CG_NL_H
#define CG_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/netlink.h>
#include <linux/camguard.h>

/* One received camguard message (reply or event), attributes parsed. */
struct cg_msg {
	uint8_t cmd;
	uint16_t nlflags;
	uint32_t seq;
	uint32_t len;				/* bytes of attributes in data */
	uint16_t a_off[CAMGUARD_A_MAX + 1];	/* offset + 1 of each attr, 0: absent */
	uint16_t s_off[CAMGUARD_STAT_MAX + 1];	/* same, inside CAMGUARD_A_STATS */
	unsigned char data[2048];
};

bool cg_msg_has(const struct cg_msg *m, int type);
/* The attribute's payload and length (NULL if absent). */
const void *cg_msg_data(const struct cg_msg *m, int type, size_t *len);
uint8_t cg_msg_u8(const struct cg_msg *m, int type);	/* 0 if absent */
uint32_t cg_msg_u32(const struct cg_msg *m, int type);
uint64_t cg_msg_u64(const struct cg_msg *m, int type);
const char *cg_msg_str(const struct cg_msg *m, int type); /* "" if absent */
bool cg_msg_has_stat(const struct cg_msg *m, int stat);
uint64_t cg_msg_stat(const struct cg_msg *m, int stat);	/* 0 if absent */
const char *cg_cmd_name(int cmd);

struct cg_nl {
	int fd;
	uint32_t portid;
	uint16_t family;
	uint32_t audit_group;		/* multicast group id, 0 if none */
	uint32_t seq;
	char ext_msg[256];		/* NLMSGERR_ATTR_MSG of the last answer */
	int ext_off;			/* NLMSGERR_ATTR_OFFS, -1 if none */
	bool overrun;			/* ENOBUFS seen on the socket */
	int answer_ms;			/* wait for an answer (0: 10 s) */
	/* events received while waiting for an answer */
	struct cg_msg *evq;
	unsigned int evq_head, evq_len, evq_cap;
	unsigned long evq_lost;
};

/*
 * Open a NETLINK_GENERIC socket (bound to @portid, 0 for automatic),
 * enable extended acks and resolve the camguard family. Returns 0 or
 * -errno (-ENOENT: no camguard family registered).
 */
int cg_nl_open_port(struct cg_nl *nl, uint32_t portid);
int cg_nl_open(struct cg_nl *nl);
/* Adopt an already bound netlink socket (e.g. received by SCM_RIGHTS). */
int cg_nl_adopt(struct cg_nl *nl, int fd);
void cg_nl_close(struct cg_nl *nl);
/* Datagrams the socket refused for want of room (SO_MEMINFO), or -errno. */
long cg_nl_sock_drops(struct cg_nl *nl);
/* Join the audit group: 0 or -errno of setsockopt(NETLINK_ADD_MEMBERSHIP). */
int cg_nl_join_audit(struct cg_nl *nl);

/* A request being built. */
struct cg_req {
	union {
		struct nlmsghdr nlh;
		unsigned char buf[4096];
	};
};

void cg_req_init(struct cg_req *r, struct cg_nl *nl, uint8_t cmd, uint16_t flags);
void cg_put(struct cg_req *r, uint16_t type, const void *data, size_t len);
void cg_put_u8(struct cg_req *r, uint16_t type, uint8_t v);
void cg_put_u32(struct cg_req *r, uint16_t type, uint32_t v);
void cg_put_u64(struct cg_req *r, uint16_t type, uint64_t v);
void cg_put_str(struct cg_req *r, uint16_t type, const char *s); /* with NUL */

/*
 * Send @r with NLM_F_ACK and wait (at most 10 s) for the answer; the first
 * reply message goes to @reply (may be NULL). Returns 0 or the -errno of
 * the ack; ext_msg/ext_off describe the extack.
 */
int cg_nl_do(struct cg_nl *nl, struct cg_req *r, struct cg_msg *reply);
/*
 * Send @r as a dump request and call @cb for every message (a non-zero
 * return stops calling it). Returns the number of messages or -errno.
 */
int cg_nl_dump(struct cg_nl *nl, struct cg_req *r,
	       int (*cb)(const struct cg_msg *m, void *arg), void *arg);
/*
 * recv() on the socket within the deadline (CLOCK_MONOTONIC ms): bytes, 0
 * on timeout, -errno. ENOBUFS sets nl->overrun and reading goes on.
 */
ssize_t cg_nl_recv(struct cg_nl *nl, void *buf, size_t len, int64_t deadline);
/*
 * The errno (0 or negative) of an NLMSG_ERROR or NLMSG_DONE message; its
 * extack goes to nl->ext_msg and nl->ext_off.
 */
int cg_nl_parse_ack(struct cg_nl *nl, const struct nlmsghdr *nlh);
/* Send @r without waiting for anything (for tests of raw refusals). */
int cg_nl_send(struct cg_nl *nl, struct cg_req *r);
/* The answer to @r, sent with NLM_F_ACK by cg_nl_send(): as cg_nl_do(). */
int cg_nl_wait(struct cg_nl *nl, struct cg_req *r, struct cg_msg *reply);
/*
 * Next event (queued or from the socket) within @timeout_ms: 1 and @ev
 * filled, 0 on timeout, -errno on error.
 */
int cg_nl_event(struct cg_nl *nl, int timeout_ms, struct cg_msg *ev);
/* Next event of command @cmd (others are discarded); same returns. */
int cg_nl_event_cmd(struct cg_nl *nl, int cmd, int timeout_ms, struct cg_msg *ev);
/* Discard queued and pending events; returns how many. */
int cg_nl_drain(struct cg_nl *nl);
/* Next AUDIT event of @reason (others are discarded); as cg_nl_event(). */
int cg_audit_wait(struct cg_nl *nl, uint32_t reason, int timeout_ms, struct cg_msg *ev);

/* ---- camguard requests ------------------------------------------------- */

#define CG_NO_FLAGS UINT32_MAX

/*
 * CHAN_NEW: @key NULL to have the kernel make one; @flags CG_NO_FLAGS to
 * leave the attribute out. *id and key_out (32 bytes, may be NULL) from the
 * reply.
 */
int cg_chan_new(struct cg_nl *nl, const char *name, const uint8_t *key,
		uint32_t flags, uint32_t *id, uint8_t *key_out);
int cg_chan_del(struct cg_nl *nl, uint32_t id);
int cg_chan_attach(struct cg_nl *nl, uint32_t id, uint32_t cam);
int cg_chan_detach(struct cg_nl *nl, uint32_t id);
int cg_cam_mute(struct cg_nl *nl, uint32_t cam, uint8_t muted);
int cg_cam_bind(struct cg_nl *nl, uint32_t cam, uint32_t uid, uint32_t gid);
int cg_cam_unbind(struct cg_nl *nl, uint32_t cam);
/* CAM_GET of one camera into @m. */
int cg_cam_get(struct cg_nl *nl, uint32_t cam, struct cg_msg *m);

struct cg_stream_info {
	uint32_t cam;
	uint64_t id;
	uint32_t uid, gid;
	bool streaming;
	uint64_t tagged, delivered, withheld, dropped;
};
/* STREAM_GET dump: number of streams (up to @max stored) or -errno. */
int cg_stream_get(struct cg_nl *nl, struct cg_stream_info *out, int max);
/* The stream of camera @cam in a STREAM_GET dump: 1 found, 0 not, -errno. */
int cg_stream_of(struct cg_nl *nl, uint32_t cam, struct cg_stream_info *si);

struct cg_chan_info {
	uint32_t id;
	char name[CAMGUARD_NAME_MAX + 1];
	uint32_t flags, uid, gid;
	int64_t cam;		/* -1: not attached */
	uint64_t delivered, withheld, dropped;
	bool has_key;		/* a CHAN_KEY attribute was present (never ok) */
};
/* CHAN_GET dump: number of channels (up to @max stored) or -errno. */
int cg_chan_get(struct cg_nl *nl, struct cg_chan_info *out, int max);
/* Channel @id in a CHAN_GET dump: 1 found, 0 not, -errno. */
int cg_chan_find(struct cg_nl *nl, uint32_t id, struct cg_chan_info *ci);

#endif
