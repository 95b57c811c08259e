// SPDX-License-Identifier: GPL-2.0
/*
 * A netlink fuzzer for the camguard family: for CG_FUZZ_SECONDS (default
 * 30) root, user A, user B and a user namespace's root (mapped to A) send,
 * in parallel processes and over several sockets each, valid requests that
 * build state (channels made, attached to a camera that streams and to one
 * that starts and stops, detached, deleted, listed; cameras muted and
 * bound), the same requests mutated (bytes flipped, truncated, extended,
 * attributes of the wrong type or length, out of range, duplicated,
 * unknown, empty, nested garbage, NLA_F_NESTED/NLA_F_NET_BYTEORDER set,
 * random flags, version, command, nlmsg_len) and random buffers, and close
 * sockets mid-sequence and mid-dump.
 *
 * Each process has its own PRNG, seeded from the printed seed (replay:
 * CG_FUZZ_SEED; the interleaving of the processes is not replayed).
 *
 * Checks: every request is answered as netlink promises (an ack or error
 * when asked for, an error whenever refused, a dump always ends) before a
 * sentinel NLMSG_NOOP sent after it is acked, within a timeout; a refusal
 * by camguard carries an errno that the UAPI header documents for that
 * command and caller, with an extack message; afterwards no channel is
 * left, the camera table is as before (once root has undone the mutes and
 * binds), a new channel of A attached to A's streaming camera gets frame
 * events, and refusals of admin commands were audited.
 *
 * Refusals by the generic netlink core, before camguard sees a request,
 * carry no extack and are checked against what the core does: -EOPNOTSUPP
 * for an unknown command or a do/dump form the command lacks, -EINVAL for
 * a message shorter than the genetlink header; reserved header bits and
 * flags: -EINVAL with an extack. Messages with a bad nlmsg_len are dropped
 * by netlink without an answer; messages without NLM_F_REQUEST only get
 * an ack if they ask for one.
 *
 * Run as root with camguard loaded (cameras >= 2).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "cg_test.h"

#define FZ_DEFAULT_SECONDS 30
#define FZ_MAX_SECONDS 600
#define FZ_SOCKS 3		/* sockets per process */
#define FZ_CHANS 16		/* channel ids a socket remembers */
#define FZ_SEEN 64		/* channel ids seen in dumps */
#define FZ_BUF 4608
#define FZ_RX 65536
#define FZ_MAXCAMS 16
#define FZ_NBUCKET (CAMGUARD_CMD_MAX + 3)	/* commands, "other", "short" */
#define FZ_OTHER (CAMGUARD_CMD_MAX + 1)		/* command byte above CMD_MAX */
#define FZ_SHORT (CAMGUARD_CMD_MAX + 2)		/* no genetlink header */
#define FZ_NERR 134

#define CAM_STREAMING 0		/* A streams it all along */
#define CAM_CYCLING 1		/* B starts and stops streaming */

/* ---- what the processes share ---------------------------------------------- */

struct fz_bucket {
	uint64_t sent, ok, refused, silent, core;
	uint32_t err[FZ_NERR];
};

struct fz_stats {
	uint64_t sent, ok, refused, silent, lost, events, stray, reopened, abandoned;
	uint64_t admin_eperm;	/* non-admins refused CAM_BIND/CAM_MUTE */
	struct fz_bucket b[FZ_NBUCKET];
	int done;		/* the process reached its end */
};

struct fz_streamed {
	uint64_t frames, starts, start_errors;
};

enum { FZ_ROOT, FZ_USER_A, FZ_USER_B, FZ_USERNS, FZ_WORKERS };

struct fz_shared {
	struct fz_stats w[FZ_WORKERS];
	struct fz_streamed s[2];
};

static const char *const fz_worker_name[FZ_WORKERS] = {
	"root", "uid 1000", "uid 2000", "userns root (uid 1000)",
};

/* ---- PRNG ---------------------------------------------------------------------- */

static uint64_t fz_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t fz_below(uint64_t *s, uint32_t n)
{
	return n ? (uint32_t)(fz_next(s) % n) : 0;
}

static bool fz_chance(uint64_t *s, unsigned int percent)
{
	return fz_below(s, 100) < percent;
}

static void fz_bytes(uint64_t *s, void *p, size_t n)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)fz_next(s);
}

/* ---- a fuzzing process ----------------------------------------------------------- */

struct fz_sock {
	struct cg_nl nl;
	uint32_t chan[FZ_CHANS];
	int nchan;
};

struct fz_worker {
	int idx;
	bool admin;
	uint64_t seed;
	int64_t end_ms;
	int answer_ms;
	int ncams;
	uint32_t home;		/* the camera its channels go to first */
	uint32_t uid, gid;	/* in its own user namespace */
	struct fz_stats *st;
	/* state */
	uint64_t rng;
	uint64_t iter;
	struct fz_sock sock[FZ_SOCKS];
	uint32_t seen[FZ_SEEN];
	int nseen;
	uint32_t follow;	/* a channel just made, to attach next */
	unsigned char *rx;
};

/* A message to send: @n bytes of @b (nlmsg_len may say otherwise). */
struct fz_msg {
	uint8_t b[FZ_BUF];
	size_t n;
};

static struct nlmsghdr *fz_nlh(struct fz_msg *m)
{
	return (struct nlmsghdr *)m->b;
}

static struct genlmsghdr *fz_genl(struct fz_msg *m)
{
	return (struct genlmsghdr *)(m->b + NLMSG_HDRLEN);
}

#define FZ_ATTRS (NLMSG_HDRLEN + GENL_HDRLEN)

/* Append an attribute (keeps nlmsg_len in step). */
static void fz_put(struct fz_msg *m, uint16_t type, const void *data, size_t len)
{
	size_t total = NLA_HDRLEN + len, at = NLA_ALIGN(m->n);
	struct nlattr *a;

	if (at + NLA_ALIGN(total) > sizeof(m->b))
		return;
	memset(m->b + m->n, 0, at - m->n);
	a = (struct nlattr *)(m->b + at);
	a->nla_type = type;
	a->nla_len = (uint16_t)total;
	if (len)
		memcpy(m->b + at + NLA_HDRLEN, data, len);
	memset(m->b + at + total, 0, NLA_ALIGN(total) - total);
	m->n = at + NLA_ALIGN(total);
	fz_nlh(m)->nlmsg_len = (uint32_t)m->n;
}

static void fz_put_u32(struct fz_msg *m, uint16_t type, uint32_t v)
{
	fz_put(m, type, &v, 4);
}

static void fz_put_u8(struct fz_msg *m, uint16_t type, uint8_t v)
{
	fz_put(m, type, &v, 1);
}

/* Offsets of the first @max attributes of a well-formed message. */
static int fz_attrs(const struct fz_msg *m, size_t *off, int max)
{
	size_t pos = FZ_ATTRS;
	int n = 0;

	while (n < max && pos + NLA_HDRLEN <= m->n) {
		const struct nlattr *a = (const struct nlattr *)(m->b + pos);

		if (a->nla_len < NLA_HDRLEN || pos + a->nla_len > m->n)
			break;
		off[n++] = pos;
		pos += NLA_ALIGN(a->nla_len);
	}
	return n;
}

static void fz_header(struct fz_worker *w, struct fz_msg *m, uint8_t cmd,
		      uint16_t flags)
{
	memset(m->b, 0, FZ_ATTRS);
	m->n = FZ_ATTRS;
	fz_nlh(m)->nlmsg_len = FZ_ATTRS;
	fz_nlh(m)->nlmsg_type = w->sock[0].nl.family;
	fz_nlh(m)->nlmsg_flags = NLM_F_REQUEST | flags;
	fz_genl(m)->cmd = cmd;
	fz_genl(m)->version = CAMGUARD_GENL_VERSION;
}

static uint32_t fz_cam_id(struct fz_worker *w)
{
	uint32_t r = fz_below(&w->rng, 100);

	if (r < 50)
		return w->home;
	if (r < 80)
		return w->home == CAM_STREAMING ? CAM_CYCLING : CAM_STREAMING;
	if (r < 90)
		return fz_below(&w->rng, (uint32_t)w->ncams + 2);
	return fz_chance(&w->rng, 50) ? 0xffff : fz_below(&w->rng, 0x10000);
}

static uint32_t fz_chan_id(struct fz_worker *w, struct fz_sock *s)
{
	uint32_t r = fz_below(&w->rng, 100);
	struct fz_sock *o = &w->sock[fz_below(&w->rng, FZ_SOCKS)];

	if (r < 60 && s->nchan)
		return s->chan[fz_below(&w->rng, (uint32_t)s->nchan)];
	if (r < 75 && o->nchan)
		return o->chan[fz_below(&w->rng, (uint32_t)o->nchan)];
	if (r < 90 && w->nseen)
		return w->seen[fz_below(&w->rng, (uint32_t)w->nseen)];
	return 1 + fz_below(&w->rng, 4096);
}

static void fz_name(struct fz_worker *w, char *name, size_t max)
{
	size_t i, len = 1 + fz_below(&w->rng, (uint32_t)max);

	for (i = 0; i < len; i++)
		name[i] = (char)(' ' + fz_below(&w->rng, 95));
	name[len] = 0;
}

/* A valid request of command @cmd (do, or dump where the command has only that). */
static void fz_valid(struct fz_worker *w, struct fz_sock *s, struct fz_msg *m,
		     uint8_t cmd)
{
	static const uint32_t uids[] = { 0, CG_UID_A, CG_UID_B, CG_UID_C, 65534 };
	uint8_t key[CAMGUARD_KEY_LEN];
	char name[CAMGUARD_NAME_MAX + 1];
	uint32_t id;

	switch (cmd) {
	case CAMGUARD_CMD_CAM_GET:
		if (fz_chance(&w->rng, 50)) {
			fz_header(w, m, cmd, NLM_F_DUMP);
		} else {
			fz_header(w, m, cmd, 0);
			fz_put_u32(m, CAMGUARD_A_CAM_ID, fz_cam_id(w));
		}
		break;
	case CAMGUARD_CMD_STREAM_GET:
	case CAMGUARD_CMD_CHAN_GET:
		fz_header(w, m, cmd, NLM_F_DUMP);
		break;
	case CAMGUARD_CMD_CHAN_NEW:
		fz_header(w, m, cmd, 0);
		fz_name(w, name, CAMGUARD_NAME_MAX);
		fz_put(m, CAMGUARD_A_CHAN_NAME, name, strlen(name) + 1);
		if (fz_chance(&w->rng, 50)) {
			fz_bytes(&w->rng, key, sizeof(key));
			fz_put(m, CAMGUARD_A_CHAN_KEY, key, sizeof(key));
		}
		if (fz_chance(&w->rng, 50))
			fz_put_u32(m, CAMGUARD_A_CHAN_FLAGS, fz_below(&w->rng, 2));
		break;
	case CAMGUARD_CMD_CHAN_DEL:
	case CAMGUARD_CMD_CHAN_DETACH:
		fz_header(w, m, cmd, 0);
		fz_put_u32(m, CAMGUARD_A_CHAN_ID, fz_chan_id(w, s));
		break;
	case CAMGUARD_CMD_CHAN_ATTACH:
		fz_header(w, m, cmd, 0);
		if (fz_chance(&w->rng, 50)) {
			fz_put_u32(m, CAMGUARD_A_CHAN_ID, fz_chan_id(w, s));
			fz_put_u32(m, CAMGUARD_A_CAM_ID, fz_cam_id(w));
		} else {
			fz_put_u32(m, CAMGUARD_A_CAM_ID, fz_cam_id(w));
			fz_put_u32(m, CAMGUARD_A_CHAN_ID, fz_chan_id(w, s));
		}
		break;
	case CAMGUARD_CMD_CAM_BIND:
		fz_header(w, m, cmd, 0);
		fz_put_u32(m, CAMGUARD_A_CAM_ID, fz_cam_id(w));
		if (fz_chance(&w->rng, 50)) {
			id = uids[fz_below(&w->rng, 5)];
			fz_put_u32(m, CAMGUARD_A_CAM_BOUND_UID, id);
			fz_put_u32(m, CAMGUARD_A_CAM_BOUND_GID, id);
		}
		break;
	case CAMGUARD_CMD_CAM_MUTE:
		fz_header(w, m, cmd, 0);
		fz_put_u32(m, CAMGUARD_A_CAM_ID, fz_cam_id(w));
		fz_put_u8(m, CAMGUARD_A_CAM_MUTED, (uint8_t)fz_below(&w->rng, 2));
		break;
	default:
		fz_header(w, m, cmd, 0);
		break;
	}
}

static uint8_t fz_pick_cmd(struct fz_worker *w)
{
	static const uint8_t weights[CAMGUARD_CMD_MAX + 1] = {
		[CAMGUARD_CMD_CAM_GET] = 10,
		[CAMGUARD_CMD_STREAM_GET] = 6,
		[CAMGUARD_CMD_CHAN_NEW] = 20,
		[CAMGUARD_CMD_CHAN_DEL] = 10,
		[CAMGUARD_CMD_CHAN_GET] = 8,
		[CAMGUARD_CMD_CHAN_ATTACH] = 20,
		[CAMGUARD_CMD_CHAN_DETACH] = 10,
		[CAMGUARD_CMD_CAM_BIND] = 5,
		[CAMGUARD_CMD_CAM_MUTE] = 5,
	};
	uint32_t r = fz_below(&w->rng, 94);
	uint8_t c;

	for (c = 1; c <= CAMGUARD_CMD_MAX; c++) {
		if (r < weights[c])
			return c;
		r -= weights[c];
	}
	return CAMGUARD_CMD_CAM_GET;
}

/* An attribute value camguard's policy refuses (appended). */
static void fz_out_of_range(struct fz_worker *w, struct fz_msg *m)
{
	uint8_t buf[128];
	size_t len;

	switch (fz_below(&w->rng, 9)) {
	case 0:
		fz_put_u32(m, CAMGUARD_A_CAM_ID, 0x10000 + fz_below(&w->rng, 0xffff0000));
		break;
	case 1:
		fz_put_u8(m, CAMGUARD_A_CAM_MUTED, (uint8_t)(2 + fz_below(&w->rng, 254)));
		break;
	case 2:
		fz_put_u32(m, CAMGUARD_A_CHAN_ID, 0);
		break;
	case 3:
		fz_put_u32(m, CAMGUARD_A_CHAN_FLAGS,
			   (uint32_t)fz_next(&w->rng) | (2u << fz_below(&w->rng, 31)));
		break;
	case 4:		/* a name too long, NUL at the end */
		len = CAMGUARD_NAME_MAX + 1 + fz_below(&w->rng, 64);
		memset(buf, 'x', len);
		buf[len] = 0;
		fz_put(m, CAMGUARD_A_CHAN_NAME, buf, len + 1);
		break;
	case 5:		/* a key of the wrong length */
		len = fz_below(&w->rng, 65);
		if (len == CAMGUARD_KEY_LEN)
			len++;
		fz_bytes(&w->rng, buf, len);
		fz_put(m, CAMGUARD_A_CHAN_KEY, buf, len);
		break;
	case 6:		/* an empty name, or one without NUL */
		len = fz_below(&w->rng, 8);
		memset(buf, 'n', len);
		if (len)
			buf[len - 1] = fz_chance(&w->rng, 50) ? 0 : 'n';
		fz_put(m, CAMGUARD_A_CHAN_NAME, buf, len);
		break;
	case 7:		/* a name with control characters */
		len = 1 + fz_below(&w->rng, CAMGUARD_NAME_MAX);
		fz_bytes(&w->rng, buf, len);
		buf[len] = 0;
		fz_put(m, CAMGUARD_A_CHAN_NAME, buf, len + 1);
		break;
	default:	/* an integer of the wrong size */
		len = 1u << fz_below(&w->rng, 4);
		if (len == 4)
			len = 3;
		fz_bytes(&w->rng, buf, len);
		fz_put(m, (uint16_t)(CAMGUARD_A_CAM_ID + fz_below(&w->rng, CAMGUARD_A_CHAN_FLAGS)),
		       buf, len);
		break;
	}
}

/* One mutation of @m. */
static void fz_mutate(struct fz_worker *w, struct fz_msg *m)
{
	struct nlmsghdr *nlh = fz_nlh(m);
	uint8_t buf[64];
	size_t off[32], len;
	struct nlattr *a;
	int na = fz_attrs(m, off, 32), k;

	a = na ? (struct nlattr *)(m->b + off[fz_below(&w->rng, (uint32_t)na)]) : NULL;
	switch (fz_below(&w->rng, 16)) {
	case 0:		/* flip bytes after the netlink header */
		if (m->n > NLMSG_HDRLEN)
			for (k = 1 + (int)fz_below(&w->rng, 4); k; k--)
				m->b[NLMSG_HDRLEN + fz_below(&w->rng, (uint32_t)(m->n - NLMSG_HDRLEN))] ^=
					(uint8_t)(1 + fz_below(&w->rng, 255));
		break;
	case 1:		/* truncate */
		if (m->n > NLMSG_HDRLEN)
			m->n = NLMSG_HDRLEN + fz_below(&w->rng, (uint32_t)(m->n - NLMSG_HDRLEN));
		nlh->nlmsg_len = (uint32_t)m->n;
		break;
	case 2:		/* extend with garbage */
		len = 1 + fz_below(&w->rng, 64);
		if (m->n + len <= sizeof(m->b)) {
			fz_bytes(&w->rng, m->b + m->n, len);
			m->n += len;
		}
		nlh->nlmsg_len = (uint32_t)m->n;
		break;
	case 3:		/* an attribute's length wrong */
		if (a)
			a->nla_len = fz_chance(&w->rng, 50) ?
				     (uint16_t)(a->nla_len + fz_below(&w->rng, 17) - 8) :
				     (uint16_t)fz_next(&w->rng);
		break;
	case 4:		/* an attribute's type wrong */
		if (a)
			a->nla_type = (uint16_t)((a->nla_type & ~NLA_TYPE_MASK) |
						 fz_below(&w->rng, CAMGUARD_A_MAX + 1));
		break;
	case 5:
		fz_out_of_range(w, m);
		break;
	case 6:		/* a duplicate */
		if (a) {
			len = a->nla_len - NLA_HDRLEN;
			memcpy(buf, (uint8_t *)a + NLA_HDRLEN, len < sizeof(buf) ? len : sizeof(buf));
			fz_put(m, a->nla_type, buf, len < sizeof(buf) ? len : sizeof(buf));
		}
		break;
	case 7:		/* an unknown attribute, or one no request takes */
		len = fz_below(&w->rng, 17);
		fz_bytes(&w->rng, buf, len);
		fz_put(m, (uint16_t)(fz_chance(&w->rng, 50) ?
				     CAMGUARD_A_MAX + 1 + fz_below(&w->rng, 200) :
				     fz_below(&w->rng, CAMGUARD_A_MAX + 1)),
		       buf, len);
		break;
	case 8:		/* garbage nested attributes */
		len = 0;
		for (k = 1 + (int)fz_below(&w->rng, 4); k && len + 12 <= sizeof(buf); k--) {
			struct nlattr *in = (struct nlattr *)(buf + len);
			size_t plen = fz_below(&w->rng, 9);

			in->nla_type = (uint16_t)fz_next(&w->rng);
			in->nla_len = (uint16_t)(NLA_HDRLEN + plen);
			if (fz_chance(&w->rng, 20))
				in->nla_len = (uint16_t)fz_next(&w->rng);
			fz_bytes(&w->rng, buf + len + NLA_HDRLEN, plen);
			len += NLA_ALIGN(NLA_HDRLEN + plen);
		}
		fz_put(m, (uint16_t)(NLA_F_NESTED | fz_below(&w->rng, CAMGUARD_A_MAX + 8)),
		       buf, len);
		break;
	case 9:		/* zero-length */
		fz_put(m, (uint16_t)fz_below(&w->rng, CAMGUARD_A_MAX + 4), NULL, 0);
		break;
	case 10:	/* NLA_F_NESTED / NLA_F_NET_BYTEORDER on an attribute */
		if (a)
			a->nla_type |= (uint16_t)(fz_chance(&w->rng, 50) ? NLA_F_NESTED :
						  fz_chance(&w->rng, 50) ? NLA_F_NET_BYTEORDER :
						  NLA_F_NESTED | NLA_F_NET_BYTEORDER);
		break;
	case 11:	/* nlmsg_len other than the bytes sent */
		switch (fz_below(&w->rng, 4)) {
		case 0:
			nlh->nlmsg_len = fz_below(&w->rng, FZ_ATTRS);
			break;
		case 1:
			nlh->nlmsg_len = (uint32_t)m->n - 1 - fz_below(&w->rng, 8);
			break;
		case 2:
			nlh->nlmsg_len = (uint32_t)m->n + 1 + fz_below(&w->rng, 100);
			break;
		default:
			nlh->nlmsg_len = (uint32_t)fz_next(&w->rng);
			break;
		}
		break;
	case 12:	/* random flags */
		nlh->nlmsg_flags = (uint16_t)fz_next(&w->rng);
		if (fz_chance(&w->rng, 80))
			nlh->nlmsg_flags |= NLM_F_REQUEST;
		break;
	case 13:	/* version, reserved */
		fz_genl(m)->version = (uint8_t)fz_next(&w->rng);
		if (fz_chance(&w->rng, 30))
			fz_genl(m)->reserved = (uint16_t)fz_next(&w->rng);
		break;
	case 14:	/* another command */
		fz_genl(m)->cmd = (uint8_t)(fz_chance(&w->rng, 50) ?
					    fz_below(&w->rng, CAMGUARD_CMD_MAX + 3) :
					    fz_next(&w->rng));
		break;
	default:	/* do <-> dump */
		nlh->nlmsg_flags ^= NLM_F_DUMP;
		break;
	}
}

/* A wholly random message, of our family. */
static void fz_random(struct fz_worker *w, struct fz_msg *m)
{
	m->n = NLMSG_HDRLEN + fz_below(&w->rng, 512);
	fz_bytes(&w->rng, m->b, m->n);
	fz_nlh(m)->nlmsg_type = w->sock[0].nl.family;
	if (fz_chance(&w->rng, 80))
		fz_nlh(m)->nlmsg_len = (uint32_t)m->n;
	if (fz_chance(&w->rng, 80))
		fz_nlh(m)->nlmsg_flags |= NLM_F_REQUEST;
}

/* ---- what netlink and camguard must answer ------------------------------------ */

enum fz_class {
	FZ_DROPPED,	/* bad nlmsg_len: netlink drops it, no answer */
	FZ_IGNORED,	/* no NLM_F_REQUEST: an ack if NLM_F_ACK, nothing else */
	FZ_CORE_SHORT,	/* shorter than the genetlink header: -EINVAL */
	FZ_CORE_HDR,	/* reserved field or flags: -EINVAL with extack */
	FZ_CORE_NOOP,	/* no such command or form: -EOPNOTSUPP */
	FZ_DO,
	FZ_DUMP,
};

static bool fz_has_do(uint8_t cmd)
{
	return cmd == CAMGUARD_CMD_CAM_GET || cmd == CAMGUARD_CMD_CHAN_NEW ||
	       cmd == CAMGUARD_CMD_CHAN_DEL || cmd == CAMGUARD_CMD_CHAN_ATTACH ||
	       cmd == CAMGUARD_CMD_CHAN_DETACH || cmd == CAMGUARD_CMD_CAM_BIND ||
	       cmd == CAMGUARD_CMD_CAM_MUTE;
}

static bool fz_has_dump(uint8_t cmd)
{
	return cmd == CAMGUARD_CMD_CAM_GET || cmd == CAMGUARD_CMD_STREAM_GET ||
	       cmd == CAMGUARD_CMD_CHAN_GET;
}

static enum fz_class fz_classify(const struct fz_msg *m)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)m->b;
	const struct genlmsghdr *g = (const struct genlmsghdr *)(m->b + NLMSG_HDRLEN);
	uint16_t flags = nlh->nlmsg_flags;
	bool dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;

	if (m->n < NLMSG_HDRLEN || nlh->nlmsg_len < NLMSG_HDRLEN ||
	    nlh->nlmsg_len > m->n)
		return FZ_DROPPED;
	if (!(flags & NLM_F_REQUEST))
		return FZ_IGNORED;
	if (nlh->nlmsg_len < FZ_ATTRS)
		return FZ_CORE_SHORT;
	/* resv_start_op is CAM_GET: every command but 0 is checked */
	if (g->cmd >= CAMGUARD_CMD_CAM_GET) {
		if (dump)
			flags &= (uint16_t)~NLM_F_DUMP;
		if (g->reserved || (flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)))
			return FZ_CORE_HDR;
	}
	if (dump ? !fz_has_dump(g->cmd) : !fz_has_do(g->cmd))
		return FZ_CORE_NOOP;
	return dump ? FZ_DUMP : FZ_DO;
}

/*
 * The errnos the UAPI header documents for a refusal of @cmd by camguard:
 * malformed attributes (-EINVAL, -ERANGE) for all; -ENOENT for a channel
 * not of this socket or a camera that does not exist; the errors listed
 * under each command; -EPERM for admin commands from a non-admin (the
 * fuzzer's processes always send on sockets they opened themselves).
 */
static bool fz_documented(uint8_t cmd, bool admin, int err)
{
	if (err == -EINVAL || err == -ERANGE)
		return true;
	switch (cmd) {
	case CAMGUARD_CMD_CAM_GET:
	case CAMGUARD_CMD_CHAN_DEL:
		return err == -ENOENT;
	case CAMGUARD_CMD_CHAN_NEW:
		return err == -ENOSPC;
	case CAMGUARD_CMD_CHAN_ATTACH:
		return err == -ENOENT || err == -EBUSY || err == -EACCES ||
		       err == -ENOSPC;
	case CAMGUARD_CMD_CHAN_DETACH:
		return err == -ENOENT || err == -ENOTCONN;
	case CAMGUARD_CMD_CAM_BIND:
	case CAMGUARD_CMD_CAM_MUTE:
		return err == -ENOENT || (err == -EPERM && !admin);
	}
	return false;
}

/* What came back for one request. */
struct fz_answer {
	bool acked;		/* NLMSG_ERROR 0 */
	bool terminal;		/* NLMSG_DONE, or NLMSG_ERROR of a dump */
	int err;		/* negative errno of the NLMSG_ERROR / DONE */
	int replies;		/* camguard messages with our seq */
	bool overrun;		/* the socket lost messages (ENOBUFS) */
	char ext[256];
	char leak[128];		/* a reply showed what it must not */
};

static void fz_hex(const uint8_t *p, size_t n, char *out, size_t max)
{
	size_t i;

	out[0] = 0;
	for (i = 0; i < n && 2 * i + 3 < max; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static int fz_fail(struct fz_worker *w, const struct fz_msg *m,
		   const char *what, const struct fz_answer *a)
{
	char hex[2 * 96 + 1];

	fz_hex(m->b, m->n < 96 ? m->n : 96, hex, sizeof(hex));
	cg_log("fuzz FAILED (%s, seed %#llx, request %llu): %s; errno %d (%s), extack \"%s\"",
	       fz_worker_name[w->idx], (unsigned long long)w->seed,
	       (unsigned long long)w->iter, what, a ? a->err : 0,
	       a && a->err ? strerror(-a->err) : "-", a ? a->ext : "");
	cg_log("  the request (%zu bytes sent, nlmsg_len %u): %s", m->n,
	       ((const struct nlmsghdr *)m->b)->nlmsg_len, hex);
	return 1;
}

static void fz_remember(struct fz_sock *s, uint32_t id)
{
	if (s->nchan < FZ_CHANS)
		s->chan[s->nchan++] = id;
	else
		s->chan[id % FZ_CHANS] = id;
}

static void fz_seen(struct fz_worker *w, uint32_t id)
{
	if (w->nseen < FZ_SEEN)
		w->seen[w->nseen++] = id;
	else
		w->seen[id % FZ_SEEN] = id;
}

static void fz_forget(struct fz_sock *s, uint32_t id)
{
	int i;

	for (i = 0; i < s->nchan; i++) {
		if (s->chan[i] == id) {
			s->chan[i] = s->chan[--s->nchan];
			return;
		}
	}
}

/* A camguard message addressed to us: a reply (our seq) or an event. */
static void fz_family_msg(struct fz_worker *w, struct fz_sock *s,
			  const struct nlmsghdr *nlh, uint32_t seq,
			  struct fz_answer *a)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	const unsigned char *p = (const unsigned char *)g + GENL_HDRLEN;
	size_t pos = 0, end;
	uint32_t id = 0, uid = 0, gid = 0;
	bool key = false, owner = false;

	if (nlh->nlmsg_seq != seq || !seq) {
		if (nlh->nlmsg_seq)
			w->st->stray++;
		else
			w->st->events++;
		return;
	}
	a->replies++;
	if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return;
	end = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	while (pos + NLA_HDRLEN <= end) {
		const struct nlattr *at = (const struct nlattr *)(p + pos);

		if (at->nla_len < NLA_HDRLEN || pos + at->nla_len > end)
			break;
		switch (at->nla_type & NLA_TYPE_MASK) {
		case CAMGUARD_A_CHAN_ID:
			if (at->nla_len == NLA_HDRLEN + 4)
				memcpy(&id, p + pos + NLA_HDRLEN, 4);
			break;
		case CAMGUARD_A_OWNER_UID:
			owner = at->nla_len == NLA_HDRLEN + 4;
			if (owner)
				memcpy(&uid, p + pos + NLA_HDRLEN, 4);
			break;
		case CAMGUARD_A_OWNER_GID:
			if (at->nla_len == NLA_HDRLEN + 4)
				memcpy(&gid, p + pos + NLA_HDRLEN, 4);
			break;
		case CAMGUARD_A_CHAN_KEY:
			key = true;
			break;
		}
		pos += NLA_ALIGN(at->nla_len);
	}
	/* a non-admin sees its own streams and channels only; keys once */
	if (!w->admin && owner && (uid != w->uid || gid != w->gid))
		snprintf(a->leak, sizeof(a->leak),
			 "%s reply shows owner %u:%u to %u:%u (not an admin)",
			 cg_cmd_name(g->cmd), uid, gid, w->uid, w->gid);
	if (key && g->cmd != CAMGUARD_CMD_CHAN_NEW)
		snprintf(a->leak, sizeof(a->leak), "%s reply carries a CHAN_KEY",
			 cg_cmd_name(g->cmd));
	if (!id)
		return;
	if (g->cmd == CAMGUARD_CMD_CHAN_NEW) {
		fz_remember(s, id);
		if (fz_chance(&w->rng, 70))
			w->follow = id;
	} else if (g->cmd == CAMGUARD_CMD_CHAN_GET) {
		fz_seen(w, id);
	}
}

static int fz_send(struct fz_sock *s, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(s->nl.fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/* NLMSG_NOOP with NLM_F_ACK: netlink acks it after whatever came before. */
static int fz_sentinel(struct fz_sock *s, uint32_t seq)
{
	struct nlmsghdr nlh = {
		.nlmsg_len = NLMSG_HDRLEN,
		.nlmsg_type = NLMSG_NOOP,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		.nlmsg_seq = seq,
	};

	return fz_send(s, &nlh, sizeof(nlh));
}

/*
 * Send @m on @s, then a sentinel, and read until the sentinel is acked
 * (and, for a dump, until its end). 0, or -ETIMEDOUT / -errno.
 */
static int fz_exchange(struct fz_worker *w, struct fz_sock *s,
		       const struct fz_msg *m, bool dump, struct fz_answer *a)
{
	uint32_t seq = ((const struct nlmsghdr *)m->b)->nlmsg_seq;
	uint32_t sent0 = seq + 1, sentinel = seq + 1;
	int64_t deadline = cg_now_ms() + w->answer_ms;
	bool synced = false;
	int ret;

	memset(a, 0, sizeof(*a));
	s->nl.overrun = false;
	ret = fz_send(s, m->b, m->n);
	if (ret)
		return ret;
	ret = fz_sentinel(s, sentinel);
	if (ret)
		return ret;
	while (!synced || (dump && !a->terminal)) {
		int64_t now = cg_now_ms();
		ssize_t n = now >= deadline ? 0 :
			    cg_nl_recv(&s->nl, w->rx, FZ_RX,
				       now + 200 < deadline ? now + 200 : deadline);
		struct nlmsghdr *nlh;
		size_t left;

		if (n < 0)
			return (int)n;
		if (n == 0) {
			if (cg_now_ms() >= deadline)
				return -ETIMEDOUT;
			/* an ack lost to a full receive buffer: ask again */
			if (s->nl.overrun) {
				a->overrun = true;
				s->nl.seq++;
				sentinel = s->nl.seq;
				ret = fz_sentinel(s, sentinel);
				if (ret)
					return ret;
			}
			continue;
		}
		left = (size_t)n;
		for (nlh = (struct nlmsghdr *)w->rx; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			if (nlh->nlmsg_seq >= sent0 && nlh->nlmsg_seq <= sentinel &&
			    nlh->nlmsg_type == NLMSG_ERROR) {
				if (cg_nl_parse_ack(&s->nl, nlh))
					return -EPROTO;
				synced = true;
				continue;
			}
			if (nlh->nlmsg_type == s->nl.family) {
				fz_family_msg(w, s, nlh, seq, a);
				continue;
			}
			if (nlh->nlmsg_seq != seq ||
			    (nlh->nlmsg_type != NLMSG_ERROR &&
			     nlh->nlmsg_type != NLMSG_DONE)) {
				w->st->stray++;
				continue;
			}
			ret = cg_nl_parse_ack(&s->nl, nlh);
			if (ret) {
				a->err = ret;
				snprintf(a->ext, sizeof(a->ext), "%s", s->nl.ext_msg);
			} else if (nlh->nlmsg_type == NLMSG_ERROR) {
				a->acked = true;
			}
			if (nlh->nlmsg_type == NLMSG_DONE || ret)
				a->terminal = true;
		}
	}
	a->overrun |= s->nl.overrun;
	return 0;
}

/* The last u32 attribute @type of @m (as the kernel's parser keeps), 0 if none. */
static uint32_t fz_attr_u32(const struct fz_msg *m, int type)
{
	size_t off[64];
	uint32_t v = 0;
	int i, n = fz_attrs(m, off, 64);

	for (i = 0; i < n; i++) {
		const struct nlattr *a = (const struct nlattr *)(m->b + off[i]);

		if ((a->nla_type & NLA_TYPE_MASK) == type && a->nla_len == NLA_HDRLEN + 4)
			memcpy(&v, m->b + off[i] + NLA_HDRLEN, 4);
	}
	return v;
}

static int fz_bucket_of(const struct fz_msg *m)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)m->b;
	uint8_t cmd;

	if (m->n < FZ_ATTRS || nlh->nlmsg_len < FZ_ATTRS)
		return FZ_SHORT;
	cmd = ((const struct genlmsghdr *)(m->b + NLMSG_HDRLEN))->cmd;
	return cmd <= CAMGUARD_CMD_MAX ? cmd : FZ_OTHER;
}

/*
 * Netlink processes a datagram's messages in turn: so that nothing after
 * the first message reaches another family, at most 15 bytes follow it.
 */
static void fz_one_message(struct fz_worker *w, struct fz_msg *m)
{
	uint32_t len = fz_nlh(m)->nlmsg_len;
	size_t keep;

	if (len < NLMSG_HDRLEN || len > m->n)
		return;
	keep = NLMSG_ALIGN(len) + fz_below(&w->rng, NLMSG_HDRLEN);
	if (keep < m->n)
		m->n = keep;
}

/* Send @m, check the answer against the rules, count it. 0 or 1 (failed). */
static int fz_request(struct fz_worker *w, struct fz_sock *s, struct fz_msg *m)
{
	struct nlmsghdr *nlh = fz_nlh(m);
	uint8_t cmd = fz_genl(m)->cmd;
	struct fz_bucket *b;
	struct fz_answer a;
	enum fz_class cls;
	bool ack = nlh->nlmsg_flags & NLM_F_ACK;
	int ret;

	fz_one_message(w, m);
	s->nl.seq += 2;
	nlh->nlmsg_seq = s->nl.seq - 1;
	cls = fz_classify(m);
	b = &w->st->b[fz_bucket_of(m)];
	w->st->sent++;
	b->sent++;
	ret = fz_exchange(w, s, m, cls == FZ_DUMP, &a);
	if (ret == -ETIMEDOUT)
		return fz_fail(w, m, cls == FZ_DUMP ? "no end of the dump within the timeout" :
				     "no answer within the timeout (sentinel not acked)", &a);
	if (ret)
		return fz_fail(w, m, "netlink socket error", NULL);

	if (a.err) {
		w->st->refused++;
		b->refused++;
		b->err[-a.err < FZ_NERR && a.err < 0 ? -a.err : 0]++;
	} else if (a.acked || a.replies) {
		w->st->ok++;
		b->ok++;
	} else {
		w->st->silent++;
		b->silent++;
	}
	if (a.err && a.replies && cls != FZ_DUMP)
		return fz_fail(w, m, "both a reply and an error", &a);
	if (a.leak[0])
		return fz_fail(w, m, a.leak, &a);

	switch (cls) {
	case FZ_DROPPED:
		if (a.err || a.acked || a.replies)
			return fz_fail(w, m, "an answer to a message netlink should drop", &a);
		return 0;
	case FZ_IGNORED:
		if (a.err || a.replies || (ack && !a.acked && !a.overrun))
			return fz_fail(w, m, "not a request: want an ack if NLM_F_ACK, nothing else", &a);
		return 0;
	case FZ_CORE_SHORT:
	case FZ_CORE_HDR:
	case FZ_CORE_NOOP:
		if (a.overrun && !a.err) {
			w->st->lost++;
			return 0;
		}
		b->core++;
		if (a.err != (cls == FZ_CORE_NOOP ? -EOPNOTSUPP : -EINVAL))
			return fz_fail(w, m, cls == FZ_CORE_NOOP ?
				       "want -EOPNOTSUPP (no such command or form)" :
				       "want -EINVAL (bad genetlink header or flags)", &a);
		if (cls == FZ_CORE_HDR && !a.ext[0])
			return fz_fail(w, m, "header refusal without an extack message", &a);
		return 0;
	case FZ_DO:
	case FZ_DUMP:
		break;
	}
	if (a.err) {
		if (!fz_documented(cmd, w->admin, a.err))
			return fz_fail(w, m, "errno not documented for this command", &a);
		if (!a.ext[0])
			return fz_fail(w, m, "refused without an extack message", &a);
		if (a.err == -EPERM)
			w->st->admin_eperm++;
		return 0;
	}
	if (a.overrun) {
		if (!a.acked && !a.replies)
			w->st->lost++;
		return 0;
	}
	if (cls == FZ_DUMP && !a.terminal)
		return fz_fail(w, m, "a dump without NLMSG_DONE", &a);
	if (cls == FZ_DO && ack && !a.acked)
		return fz_fail(w, m, "NLM_F_ACK asked, no ack", &a);
	if (cls == FZ_DO && !a.replies &&
	    (cmd == CAMGUARD_CMD_CAM_GET || cmd == CAMGUARD_CMD_CHAN_NEW))
		return fz_fail(w, m, "neither a reply nor an error", &a);
	/* a deleted or detached channel is gone */
	if (cls == FZ_DO && (cmd == CAMGUARD_CMD_CHAN_DEL ||
			     cmd == CAMGUARD_CMD_CHAN_DETACH))
		fz_forget(s, fz_attr_u32(m, CAMGUARD_A_CHAN_ID));
	return 0;
}

static int fz_open(struct fz_worker *w, struct fz_sock *s)
{
	int ret = cg_nl_open(&s->nl);

	s->nchan = 0;
	if (ret)
		cg_log("fuzz (%s): netlink open: %s", fz_worker_name[w->idx], strerror(-ret));
	return ret;
}

/* Close a socket, with a dump in progress now and then. */
static int fz_reopen(struct fz_worker *w, struct fz_sock *s)
{
	if (fz_chance(&w->rng, 30)) {
		static const uint8_t dumps[] = {
			CAMGUARD_CMD_CAM_GET, CAMGUARD_CMD_STREAM_GET, CAMGUARD_CMD_CHAN_GET,
		};
		struct cg_req r;

		cg_req_init(&r, &s->nl, dumps[fz_below(&w->rng, 3)], NLM_F_DUMP);
		cg_nl_send(&s->nl, &r);
		if (fz_chance(&w->rng, 50))
			cg_nl_recv(&s->nl, w->rx, 256, cg_now_ms() + 50);
		w->st->abandoned++;
	}
	cg_nl_close(&s->nl);
	w->st->reopened++;
	return fz_open(w, s);
}

static int fz_worker_run(void *arg, int ctl)
{
	struct fz_worker *w = arg;
	struct fz_msg *m = malloc(sizeof(*m));
	int i, k, rc = 1;

	(void)ctl;
	w->rng = w->seed;
	w->rx = malloc(FZ_RX);
	if (!m || !w->rx)
		goto out;
	for (i = 0; i < FZ_SOCKS; i++)
		w->sock[i].nl.fd = -1;
	for (i = 0; i < FZ_SOCKS; i++)
		if (fz_open(w, &w->sock[i]))
			goto out;
	while (cg_now_ms() < w->end_ms) {
		struct fz_sock *s = &w->sock[fz_below(&w->rng, FZ_SOCKS)];
		uint32_t r = fz_below(&w->rng, 100);

		w->iter++;
		if (r < 3) {
			if (fz_reopen(w, s))
				goto out;
			continue;
		}
		if (w->follow) {
			/* a sequence: the channel just made, attached */
			fz_header(w, m, CAMGUARD_CMD_CHAN_ATTACH, 0);
			fz_put_u32(m, CAMGUARD_A_CHAN_ID, w->follow);
			fz_put_u32(m, CAMGUARD_A_CAM_ID, fz_chance(&w->rng, 80) ? w->home :
							 fz_cam_id(w));
			if (fz_chance(&w->rng, 20))
				fz_mutate(w, m);
			w->follow = 0;
		} else if (r < 33) {
			fz_valid(w, s, m, fz_pick_cmd(w));
		} else if (r < 88) {
			fz_valid(w, s, m, fz_pick_cmd(w));
			for (k = 1 + (int)fz_below(&w->rng, 3); k; k--)
				fz_mutate(w, m);
		} else if (r < 94) {
			fz_valid(w, s, m, fz_pick_cmd(w));
			fz_genl(m)->cmd = (uint8_t)(fz_chance(&w->rng, 20) ? 0 :
						    CAMGUARD_CMD_MAX + 1 +
						    fz_below(&w->rng, 255 - CAMGUARD_CMD_MAX));
			if (fz_chance(&w->rng, 50))
				fz_nlh(m)->nlmsg_flags |= NLM_F_DUMP;
		} else {
			fz_random(w, m);
		}
		if (fz_chance(&w->rng, 50))
			fz_nlh(m)->nlmsg_flags |= NLM_F_ACK;
		if (fz_request(w, s, m))
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < FZ_SOCKS; i++)
		if (w->sock[i].nl.fd >= 0)
			cg_nl_close(&w->sock[i].nl);
	w->st->done = 1;
	free(w->rx);
	free(m);
	return rc;
}

/* ---- the cameras: A streams camera 0, B starts and stops camera 1 ---------- */

struct fz_streamer {
	int cam;
	int cycle_ms;		/* 0: stream all along */
	struct fz_streamed *out;
};

static int fz_streamer_run(void *arg, int ctl)
{
	struct fz_streamer *o = arg;
	struct cg_cam cam = { .fd = -1 };
	int64_t since = 0;
	bool streaming = false;
	struct cg_ctl msg;

	while (cg_ctl_recv(ctl, &msg, NULL, 0) == -ETIMEDOUT) {
		struct v4l2_buffer b;
		int ret;

		if (!streaming) {
			if (cam.fd < 0 && cg_cam_open(&cam, o->cam)) {
				cg_sleep_ms(100);
				continue;
			}
			cg_cam_set_fmt(&cam, 320, 240, 0, 15);
			ret = cg_cam_start(&cam, 4);
			o->out->starts++;
			if (ret) {
				/* bound to someone else by the fuzzer: try later */
				o->out->start_errors++;
				cg_cam_stop(&cam);
				cg_sleep_ms(100);
				continue;
			}
			streaming = true;
			since = cg_now_ms();
		}
		ret = cg_cam_dqbuf(&cam, &b, 200);
		if (ret == 0) {
			o->out->frames++;
			ret = cg_cam_qbuf(&cam, b.index);
		} else if (ret == -ETIMEDOUT) {
			ret = 0;
		}
		if (ret || (o->cycle_ms && cg_now_ms() - since > o->cycle_ms)) {
			cg_cam_stop(&cam);
			streaming = false;
			if (o->cycle_ms)
				cg_sleep_ms(o->cycle_ms);
		}
	}
	if (cam.fd >= 0) {
		cg_cam_stop(&cam);
		cg_cam_close(&cam);
	}
	return 0;
}

/* ---- the test -------------------------------------------------------------------- */

struct fz_cam {
	uint32_t id;
	char name[32], devnode[32];
	uint8_t muted;
	bool bound;
};

struct fz_cams {
	int n;
	struct fz_cam c[FZ_MAXCAMS];
};

static int fz_cam_cb(const struct cg_msg *m, void *arg)
{
	struct fz_cams *t = arg;
	struct fz_cam *c;

	if (t->n >= FZ_MAXCAMS)
		return 0;
	c = &t->c[t->n++];
	c->id = cg_msg_u32(m, CAMGUARD_A_CAM_ID);
	snprintf(c->name, sizeof(c->name), "%s", cg_msg_str(m, CAMGUARD_A_CAM_NAME));
	snprintf(c->devnode, sizeof(c->devnode), "%s", cg_msg_str(m, CAMGUARD_A_CAM_DEVNODE));
	c->muted = cg_msg_u8(m, CAMGUARD_A_CAM_MUTED);
	c->bound = cg_msg_has(m, CAMGUARD_A_CAM_BOUND_UID);
	return 0;
}

static int fz_cam_table(struct cg_nl *nl, struct fz_cams *t)
{
	struct cg_req r;
	int ret;

	memset(t, 0, sizeof(*t));
	cg_req_init(&r, nl, CAMGUARD_CMD_CAM_GET, 0);
	ret = cg_nl_dump(nl, &r, fz_cam_cb, t);
	return ret < 0 ? ret : t->n;
}

static uint64_t fz_seed(void)
{
	const char *s = getenv("CG_FUZZ_SEED");
	uint64_t seed;

	if (s && *s)
		return strtoull(s, NULL, 0);
	seed = (uint64_t)cg_now_ms() ^ ((uint64_t)getpid() << 32);
	return fz_next(&seed);
}

static int fz_seconds(void)
{
	const char *s = getenv("CG_FUZZ_SECONDS");
	int v = s ? atoi(s) : FZ_DEFAULT_SECONDS;

	if (v < 1)
		v = FZ_DEFAULT_SECONDS;
	return v > FZ_MAX_SECONDS ? FZ_MAX_SECONDS : v;
}

static const char *fz_errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

static const char *fz_bucket_name(int i)
{
	if (i == 0)
		return "UNSPEC";
	if (i == FZ_OTHER)
		return "cmd>CMD_MAX";
	if (i == FZ_SHORT)
		return "no-genl-header";
	return cg_cmd_name(i);
}

FIXTURE(fuzz) {
	struct cg_nl nl;		/* root */
	struct cg_nl audit;		/* root, in the audit group */
	struct fz_shared *sh;
	struct cg_proc streamer[2];
	struct cg_proc worker[FZ_WORKERS];
	struct fz_cams cams;
	int nchan0;
};

FIXTURE_SETUP(fuzz)
{
	int i;

	self->nl.fd = -1;
	self->audit.fd = -1;
	for (i = 0; i < 2; i++)
		self->streamer[i].pid = 0;
	for (i = 0; i < FZ_WORKERS; i++)
		self->worker[i].pid = 0;
	self->sh = MAP_FAILED;
	CG_NEED(2);
	ASSERT_EQ(0, cg_nl_open(&self->nl));
	ASSERT_EQ(0, cg_nl_open(&self->audit));
	ASSERT_EQ(0, cg_nl_join_audit(&self->audit));
	self->sh = mmap(NULL, sizeof(*self->sh), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
	memset(self->sh, 0, sizeof(*self->sh));
	ASSERT_LE(2, fz_cam_table(&self->nl, &self->cams));
	self->nchan0 = cg_chan_get(&self->nl, NULL, 0);
	ASSERT_LE(0, self->nchan0);
}

/* Undo what the fuzzer may have left: mutes and bindings. 0 or -errno. */
static int fz_cam_restore(struct cg_nl *nl, int *undone)
{
	struct fz_cams now;
	int i, ret;

	*undone = 0;
	ret = fz_cam_table(nl, &now);
	if (ret < 0)
		return ret;
	for (i = 0; i < now.n; i++) {
		if (now.c[i].muted || now.c[i].bound)
			printf("# fuzz: camera %u left%s%s\n", now.c[i].id,
			       now.c[i].muted ? " muted" : "", now.c[i].bound ? " bound" : "");
		if (now.c[i].muted) {
			ret = cg_cam_mute(nl, now.c[i].id, 0);
			if (ret)
				return ret;
			(*undone)++;
		}
		if (now.c[i].bound) {
			ret = cg_cam_unbind(nl, now.c[i].id);
			if (ret)
				return ret;
			(*undone)++;
		}
	}
	return 0;
}

FIXTURE_TEARDOWN(fuzz)
{
	int i, undone;

	for (i = 0; i < FZ_WORKERS; i++) {
		cg_kill(&self->worker[i], SIGKILL);
		cg_reap(&self->worker[i], 5000);
	}
	for (i = 0; i < 2; i++) {
		cg_kill(&self->streamer[i], SIGKILL);
		cg_reap(&self->streamer[i], 5000);
	}
	if (self->nl.fd >= 0) {
		fz_cam_restore(&self->nl, &undone);
		cg_nl_close(&self->nl);
	}
	if (self->audit.fd >= 0)
		cg_nl_close(&self->audit);
	if (self->sh != MAP_FAILED)
		munmap(self->sh, sizeof(*self->sh));
}

static void fz_report(struct fz_shared *sh, int seconds)
{
	struct fz_bucket all[FZ_NBUCKET];
	struct fz_stats tot;
	char line[1024];
	int i, j, e;

	memset(all, 0, sizeof(all));
	memset(&tot, 0, sizeof(tot));
	for (i = 0; i < FZ_WORKERS; i++) {
		const struct fz_stats *s = &sh->w[i];

		tot.sent += s->sent;
		tot.ok += s->ok;
		tot.refused += s->refused;
		tot.silent += s->silent;
		tot.lost += s->lost;
		tot.events += s->events;
		tot.stray += s->stray;
		tot.reopened += s->reopened;
		tot.abandoned += s->abandoned;
		for (j = 0; j < FZ_NBUCKET; j++) {
			all[j].sent += s->b[j].sent;
			all[j].ok += s->b[j].ok;
			all[j].refused += s->b[j].refused;
			all[j].silent += s->b[j].silent;
			all[j].core += s->b[j].core;
			for (e = 0; e < FZ_NERR; e++)
				all[j].err[e] += s->b[j].err[e];
		}
		printf("# fuzz: %s: %llu requests, %llu ok, %llu refused\n", fz_worker_name[i],
		       (unsigned long long)s->sent, (unsigned long long)s->ok,
		       (unsigned long long)s->refused);
	}
	for (j = 0; j < FZ_NBUCKET; j++) {
		int n;

		if (!all[j].sent)
			continue;
		n = snprintf(line, sizeof(line), "%s: %llu sent, %llu ok, %llu refused",
			     fz_bucket_name(j), (unsigned long long)all[j].sent,
			     (unsigned long long)all[j].ok,
			     (unsigned long long)all[j].refused);
		for (e = 1; e < FZ_NERR && n < (int)sizeof(line) - 40; e++)
			if (all[j].err[e])
				n += snprintf(line + n, sizeof(line) - n, " %s %u",
					      fz_errname(e), all[j].err[e]);
		snprintf(line + n, sizeof(line) - n,
			 " (%llu by the genetlink core), %llu unanswered",
			 (unsigned long long)all[j].core, (unsigned long long)all[j].silent);
		printf("# fuzz: %s\n", line);
	}
	printf("# fuzz: %llu unanswered (dropped by netlink, not requests, or done without NLM_F_ACK), %llu lost to a full receive buffer, %llu events, %llu stray messages, %llu sockets closed (%llu mid-dump)\n",
	       (unsigned long long)tot.silent, (unsigned long long)tot.lost,
	       (unsigned long long)tot.events, (unsigned long long)tot.stray,
	       (unsigned long long)tot.reopened, (unsigned long long)tot.abandoned);
	printf("# fuzz: %llu requests sent (%llu per second), %llu ok, %llu refused\n",
	       (unsigned long long)tot.sent, (unsigned long long)(tot.sent / (uint64_t)seconds),
	       (unsigned long long)tot.ok, (unsigned long long)tot.refused);
	fflush(stdout);
}

static const struct cg_who fz_who[FZ_WORKERS] = {
	[FZ_ROOT] = { 0, 0, false, 0 },
	[FZ_USER_A] = { CG_UID_A, CG_GID_A, false, 0 },
	[FZ_USER_B] = { CG_UID_B, CG_GID_B, false, 0 },
	[FZ_USERNS] = { CG_UID_A, CG_GID_A, true, 0 },
};

TEST_F_TIMEOUT(fuzz, netlink, 900)
{
	struct fz_streamer st[2] = {
		{ .cam = CAM_STREAMING, .cycle_ms = 0, .out = &self->sh->s[0] },
		{ .cam = CAM_CYCLING, .cycle_ms = 1000, .out = &self->sh->s[1] },
	};
	const struct cg_who *st_who[2] = { &cg_a, &cg_b };
	struct fz_worker w[FZ_WORKERS];
	struct cg_viewer v = {
		.cam = CAM_STREAMING, .want_attach = 0, .frames = 3,
		.uid = CG_UID_A, .gid = CG_GID_A,
	};
	uint64_t seed = fz_seed(), audits[__CAMGUARD_REASON_MAX] = { 0 };
	uint64_t admin_eperm = 0;
	int seconds = fz_seconds(), i, undone, nchan;
	struct fz_cams after;
	struct cg_msg *ev = malloc(sizeof(*ev));
	struct cg_proc viewer;
	struct cg_ctl c;
	int64_t end;

	ASSERT_NE(NULL, ev);
	printf("# fuzz: seed %#llx (replay with CG_FUZZ_SEED=%#llx), %d s, %d cameras, %d channels before\n",
	       (unsigned long long)seed, (unsigned long long)seed, seconds, self->cams.n,
	       self->nchan0);
	fflush(stdout);

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, cg_spawn(&self->streamer[i], st_who[i], fz_streamer_run, &st[i]));
	/* camera 0 streams before the fuzzing starts */
	for (i = 0; i < cg_tmo(100) && !self->sh->s[0].frames; i++)
		cg_sleep_ms(100);
	ASSERT_LT(0, self->sh->s[0].frames) TH_LOG("camera %d does not stream", CAM_STREAMING);

	end = cg_now_ms() + (int64_t)seconds * 1000;
	for (i = 0; i < FZ_WORKERS; i++) {
		uint64_t k = seed ^ (0x100000001b3ULL * (uint64_t)(i + 1));

		memset(&w[i], 0, sizeof(w[i]));
		w[i].idx = i;
		w[i].admin = i == FZ_ROOT;
		w[i].seed = fz_next(&k);
		w[i].end_ms = end;
		w[i].answer_ms = cg_tmo(10000);
		w[i].ncams = self->cams.n;
		/* A's channels to A's stream; the others' to camera 1 while it idles */
		w[i].home = i == FZ_USER_A ? CAM_STREAMING : CAM_CYCLING;
		w[i].uid = fz_who[i].userns ? 0 : fz_who[i].uid;
		w[i].gid = fz_who[i].userns ? 0 : fz_who[i].gid;
		w[i].st = &self->sh->w[i];
		ASSERT_EQ(0, cg_spawn(&self->worker[i], &fz_who[i], fz_worker_run, &w[i]));
	}

	/* the audit group while they run */
	while (cg_now_ms() < end) {
		if (cg_nl_event_cmd(&self->audit, CAMGUARD_CMD_AUDIT, 200, ev) == 1) {
			uint32_t reason = cg_msg_u32(ev, CAMGUARD_A_REASON);

			if (reason < __CAMGUARD_REASON_MAX)
				audits[reason]++;
		}
	}
	for (i = 0; i < FZ_WORKERS; i++) {
		int rc = cg_reap(&self->worker[i], cg_tmo(10000) * 2 + 10000);

		EXPECT_EQ(0, rc) TH_LOG("the %s fuzzer: %s", fz_worker_name[i],
					rc == -ETIMEDOUT ? "hung" : "failed (see above)");
		EXPECT_TRUE(self->sh->w[i].done) TH_LOG("the %s fuzzer did not reach its end",
							fz_worker_name[i]);
		admin_eperm += self->sh->w[i].admin_eperm;
	}
	fz_report(self->sh, seconds);
	/*
	 * The last events, for a while only: B's streamer keeps being refused
	 * (and audited) while a camera the fuzzer bound stays bound.
	 */
	end = cg_now_ms() + cg_tmo(1000);
	while (cg_now_ms() < end &&
	       cg_nl_event_cmd(&self->audit, CAMGUARD_CMD_AUDIT, 200, ev) == 1) {
		uint32_t reason = cg_msg_u32(ev, CAMGUARD_A_REASON);

		if (reason < __CAMGUARD_REASON_MAX)
			audits[reason]++;
	}
	printf("# fuzz: audit events: %llu NOT_ADMIN, %llu OWNER_MISMATCH, %llu LIMIT, %llu FRAME_WITHHELD, %llu NOT_OPENER\n",
	       (unsigned long long)audits[CAMGUARD_REASON_NOT_ADMIN],
	       (unsigned long long)audits[CAMGUARD_REASON_OWNER_MISMATCH],
	       (unsigned long long)audits[CAMGUARD_REASON_LIMIT],
	       (unsigned long long)audits[CAMGUARD_REASON_FRAME_WITHHELD],
	       (unsigned long long)audits[CAMGUARD_REASON_NOT_OPENER]);
	printf("# fuzz: camera %d: %llu frames, camera %d: %llu frames in %llu starts (%llu refused)\n",
	       CAM_STREAMING, (unsigned long long)self->sh->s[0].frames, CAM_CYCLING,
	       (unsigned long long)self->sh->s[1].frames,
	       (unsigned long long)self->sh->s[1].starts,
	       (unsigned long long)self->sh->s[1].start_errors);
	fflush(stdout);
	EXPECT_TRUE(admin_eperm == 0 || audits[CAMGUARD_REASON_NOT_ADMIN] > 0)
		TH_LOG("%llu admin commands refused to non-admins, no NOT_ADMIN audit event",
		       (unsigned long long)admin_eperm);
	EXPECT_EQ(0, audits[CAMGUARD_REASON_NOT_OPENER])
		TH_LOG("every fuzzer sent on its own sockets: no NOT_OPENER refusal expected");

	/* every fuzzer's socket is closed: their channels are gone */
	for (i = 0; i < 50; i++) {
		nchan = cg_chan_get(&self->nl, NULL, 0);
		if (nchan <= self->nchan0)
			break;
		cg_sleep_ms(100);
	}
	EXPECT_EQ(self->nchan0, nchan) TH_LOG("channels left after their sockets closed");

	/* as root: undo mutes and binds, then the table is as it was */
	ASSERT_EQ(0, fz_cam_restore(&self->nl, &undone));
	printf("# fuzz: root undid %d mutes and bindings\n", undone);
	ASSERT_EQ(self->cams.n, fz_cam_table(&self->nl, &after));
	for (i = 0; i < self->cams.n; i++) {
		EXPECT_EQ(self->cams.c[i].id, after.c[i].id);
		EXPECT_STREQ(self->cams.c[i].name, after.c[i].name);
		EXPECT_STREQ(self->cams.c[i].devnode, after.c[i].devnode);
		EXPECT_EQ(self->cams.c[i].muted, after.c[i].muted);
		EXPECT_EQ(self->cams.c[i].bound, after.c[i].bound);
	}

	/* a fresh channel of A on A's streaming camera gets frames */
	ASSERT_EQ(0, cg_spawn(&viewer, &cg_a, cg_viewer_child, &v));
	ASSERT_EQ(0, cg_expect(viewer.ctl, 'A', &c, cg_tmo(10000)));
	EXPECT_EQ(0, c.err) TH_LOG("attach after the fuzzing: %s (%s)", strerror(-c.err), c.s);
	if (!c.err) {
		for (i = 0; i < v.frames; i++)
			EXPECT_EQ(0, cg_expect(viewer.ctl, 'T', NULL, cg_tmo(15000)));
		EXPECT_EQ(0, cg_expect(viewer.ctl, 'D', NULL, cg_tmo(5000)));
		cg_say(viewer.ctl, 'Q', 0);
	}
	EXPECT_CHILD_OK(&viewer, 15000);

	for (i = 0; i < 2; i++) {
		cg_say(self->streamer[i].ctl, 'Q', 0);
		EXPECT_CHILD_OK(&self->streamer[i], 15000);
	}
	free(ev);
}

TEST_HARNESS_MAIN
