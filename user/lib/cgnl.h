/* SPDX-License-Identifier: MIT */
/*
 * A libnl-genl client of the camguard generic netlink family
 * (include/uapi/linux/camguard.h), shared by camguardctl and camguardd.
 *
 * Extended acks are turned on and the kernel's message is kept in
 * cg_nl.errmsg after a failed request. Messages are accepted only from the
 * kernel (source port id 0): anything else is counted and dropped.
 */
#ifndef CG_CGNL_H
#define CG_CGNL_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/camguard.h>

struct nl_sock;

/*
 * A message the kernel sent: @cmd and its attributes, validated against the
 * UAPI types (attrs[i] is NULL when absent). Return 0 to go on, NL_STOP to
 * stop receiving, or a negative errno to fail the call.
 */
typedef int (*cg_nl_msg_fn)(uint8_t cmd, struct nlattr **attrs, void *arg);

struct cg_nl {
	struct nl_sock *sk;
	int family;		/* generic netlink family id */
	int audit_group;	/* multicast group id of "audit" */
	uint64_t foreign;	/* messages not from the kernel, dropped */
	/*
	 * Events (sequence 0) that arrive while a request waits for its
	 * reply, on a socket that also receives events (a channel attached
	 * to a camera that streams already is told of the stream at once):
	 * handed to event_fn (with event_arg) if set, else counted in
	 * events_dropped. Replies to an older request are counted in stale.
	 */
	cg_nl_msg_fn event_fn;
	void *event_arg;
	uint64_t events_dropped;
	uint64_t stale;
	char errmsg[256];	/* the last error, with the kernel's extack */
};

/* Builds a request's attributes; returns 0 or a negative errno. */
typedef int (*cg_nl_put_fn)(struct nl_msg *msg, void *arg);

int cg_nl_open(struct cg_nl *nl);
void cg_nl_close(struct cg_nl *nl);

/*
 * Send @cmd (with NLM_F_DUMP if @dump), attributes from @put (may be NULL),
 * and hand every reply to @fn (may be NULL) until the final ack or the end
 * of the dump. Returns 0 or a negative errno; on error nl->errmsg says why
 * (the kernel's extack message when there is one). -EAGAIN: the dumped
 * table changed meanwhile (NLM_F_DUMP_INTR) and @fn may have seen an
 * inconsistent view; run the dump again.
 */
int cg_nl_request(struct cg_nl *nl, uint8_t cmd, bool dump, cg_nl_put_fn put,
		  void *put_arg, cg_nl_msg_fn fn, void *arg);

/*
 * A channel of the calling process's credential on this socket, keyed
 * with @key, CAMGUARD_CHAN_F_* @flags (0: none): its id in *@id. 0 or a
 * negative errno (nl->errmsg says why).
 */
int cg_nl_chan_new(struct cg_nl *nl, const char *name,
		   const uint8_t key[CAMGUARD_KEY_LEN], uint32_t flags,
		   uint32_t *id);

/* Attach channel @chan to camera @cam: 0 or a negative errno. */
int cg_nl_chan_attach(struct cg_nl *nl, uint32_t chan, uint32_t cam);

/* Join the audit group (needs CAP_NET_ADMIN): 0 or a negative errno. */
int cg_nl_join_audit(struct cg_nl *nl);

/*
 * Receive events (frame, stream, revoked, audit) and hand them to @fn.
 * Waits at most @timeout_ms (-1: forever). Returns the number of messages
 * handled, 0 on timeout, or a negative errno (-ENOBUFS: events were lost).
 */
int cg_nl_recv_events(struct cg_nl *nl, int timeout_ms, cg_nl_msg_fn fn,
		      void *arg);

/* The socket's file descriptor, for poll(). */
int cg_nl_fd(const struct cg_nl *nl);

/* Readers of the nested CAMGUARD_A_STATS; 0 when absent. */
uint64_t cg_nl_stat(struct nlattr *stats, int stat);

const char *cg_nl_reason_name(uint32_t reason);
const char *cg_nl_limit_name(uint32_t limit);

#endif /* CG_CGNL_H */
