// SPDX-License-Identifier: GPL-2.0
/*
 * What the relay does with each record camguardd sends: keep it in its
 * display's history (for replays and the cache), then either forward it
 * or apply the first armed fault that can apply to it. One fault per
 * record, so each injected record is counted once under one name and the
 * test can match it to exactly one refusal on the display.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "relay.h"

struct blob *blob_new(const void *data, size_t len)
{
	struct blob *b = malloc(sizeof(*b) + len);

	if (!b)
		return NULL;
	b->refs = 1;
	b->serial = 0;
	b->len = len;
	memcpy(b->data, data, len);
	return b;
}

struct blob *blob_get(struct blob *b)
{
	b->refs++;
	return b;
}

void blob_put(struct blob *b)
{
	if (b && !--b->refs)
		free(b);
}

/* A connection that can take records: past the challenge and response. */
static bool conn_open_for_records(const struct conn *c)
{
	return c->state == CONN_LINKED && c->records && !c->closing;
}

/* The next display other than @self's, round robin; NULL if none. */
static struct conn *swap_target(struct relay *r, const struct conn *self)
{
	unsigned int i, n = r->n_conns;

	for (i = 0; i < n; i++) {
		struct conn *c = r->conns[(r->swap_rr + i) % n];

		if (c->disp != self->disp && conn_open_for_records(c)) {
			r->swap_rr = (r->swap_rr + i + 1) % n;
			return c;
		}
	}
	return NULL;
}

/*
 * A copy of @b with one payload byte flipped: the sealed header's digest
 * no longer names it, so the display refuses it (bad_payload). A payload
 * is never empty in version 2 (its GCM tag at least); the seal is the
 * fallback all the same.
 */
static struct blob *corrupted(struct relay *r, const struct blob *b)
{
	size_t payload = b->len - cg_record_wire_len(0), at;
	struct blob *copy = blob_new(b->data, b->len);

	if (!copy)
		return NULL;
	copy->serial = b->serial;
	if (payload)
		at = CG_RECORD_HEADER_LEN + relay_random(r) % payload;
	else
		at = CG_RECORD_OFF_SEAL + relay_random(r) % CG_RECORD_SEAL_LEN;
	copy->data[at] ^= 0xff;
	return copy;
}

/* The first armed fault that can apply to a record for @c; NR_KINDS: none. */
static enum relay_kind pick_fault(struct relay *r, struct conn *c,
				  struct conn **target)
{
	/* Tried in this order; a fault that cannot apply now stays armed. */
	static const enum relay_kind order[] = {
		KIND_DROP, KIND_TRUNCATE, KIND_SWAP, KIND_CORRUPT,
		KIND_REORDER, KIND_REPLAY,
	};
	unsigned int i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum relay_kind k = order[i];

		if (!r->pending[k])
			continue;
		if (k == KIND_SWAP && !(*target = swap_target(r, c)))
			continue;
		if (k == KIND_REPLAY && !c->disp->hist_len)
			continue;
		return k;
	}
	return NR_KINDS;
}

void fault_record(struct relay *r, struct conn *c, const struct cg_record *rec)
{
	size_t len = cg_record_wire_len(rec->hdr.payload_len);
	struct display *d = c->disp;
	struct conn *target = NULL;
	struct blob *b, *old, *bad;
	enum relay_kind k;

	if (c->closing)
		return;
	/* Decoded records are contiguous in the decoder's buffer. */
	b = blob_new(rec->raw_header, len);
	if (!b) {
		cg_err(RELAY_LOG, "#%u %s: out of memory: record lost",
		       c->id, d->name);
		return;
	}
	b->serial = ++r->serial;

	if (c->held) {
		/* A reordered record goes right after this one, untouched. */
		conn_enqueue(r, c, b, len, KIND_FORWARD, false);
		conn_enqueue(r, c, c->held, c->held->len, KIND_REORDER, false);
		blob_put(c->held);
		c->held = NULL;
		goto keep;
	}

	k = pick_fault(r, c, &target);
	if (k != NR_KINDS) {
		r->pending[k]--;
		cg_debug(RELAY_LOG, "#%u %s: record %llu: %s", c->id, d->name,
			 (unsigned long long)b->serial, relay_kind_name[k]);
	}
	switch (k) {
	case KIND_DROP:
		/* No bytes to wait for: counted now, for the display it was for. */
		stats_sent(r, d, KIND_DROP);
		break;
	case KIND_TRUNCATE:
		conn_enqueue(r, c, b, len / 2, KIND_TRUNCATE, true);
		c->closing = true;
		break;
	case KIND_SWAP:
		conn_enqueue(r, target, b, len, KIND_SWAP, false);
		break;
	case KIND_CORRUPT:
		bad = corrupted(r, b);
		if (bad) {
			conn_enqueue(r, c, bad, len, KIND_CORRUPT, false);
			blob_put(bad);
		}
		break;
	case KIND_REORDER:
		c->held = blob_get(b);
		break;
	case KIND_REPLAY:
		/* After the new record, so the old one is surely behind it. */
		old = d->history[relay_random(r) % d->hist_len];
		conn_enqueue(r, c, b, len, KIND_FORWARD, false);
		conn_enqueue(r, c, old, old->len, KIND_REPLAY, false);
		break;
	default:
		conn_enqueue(r, c, b, len, KIND_FORWARD, false);
		break;
	}
keep:
	history_add(d, b);
	blob_put(b);
}

/*
 * The display has answered the challenge and now waits for records: with
 * the cache on, serve it first the newest record cached from another
 * display, as the Wyze and Xiaomi caches did, else its own last one.
 */
void fault_records_start(struct relay *r, struct conn *c)
{
	struct blob *best = NULL, *b;
	unsigned int i;

	if (!r->cache)
		return;
	for (i = 0; i < r->n_displays; i++) {
		struct display *d = r->displays[i];

		if (d == c->disp || !d->hist_len)
			continue;
		b = d->history[d->hist_len - 1];
		if (!best || b->serial > best->serial)
			best = b;
	}
	if (best) {
		conn_enqueue(r, c, best, best->len, KIND_CACHE_FOREIGN, false);
	} else if (c->disp->hist_len) {
		b = c->disp->history[c->disp->hist_len - 1];
		conn_enqueue(r, c, b, b->len, KIND_CACHE_OWN, false);
	}
}

void fault_storm(struct relay *r)
{
	unsigned int i, n = 0;

	for (i = 0; i < r->n_conns; i++) {
		if (r->conns[i]->down_fd >= 0) {
			conn_close(r, r->conns[i], "storm");
			n++;
		}
	}
	r->st.storms++;
	cg_info(RELAY_LOG, "storm: %u connections closed", n);
}
