/* SPDX-License-Identifier: MIT */
/*
 * The display side's rules for records (docs/record-format.md,
 * "Verification"). A record is accepted only if:
 *
 *   1. its seal verifies under the seal key derived from the display's
 *      own channel key;
 *   2. its frame tag has a known version and names the header's channel,
 *      stream and sequence;
 *   3. (when the kernel's key is known) the kernel's MAC of the tag
 *      verifies, so the tag is the kernel's own word about the frame;
 *   4. (when configured) the tag's channel and owner are the expected ones
 *      and the send time is recent;
 *   5. per camera, the stream id never goes back, and within a stream the
 *      sequence moves strictly forward: replays and reorders are refused;
 *   6. the payload is the one the sealed digest names, and it decrypts
 *      with the content key unwrapped under the display's wrap key.
 *
 * Rule 5 is checked before 6 (a replay costs no decryption) but its state
 * changes only once 6 held. Refusals are counted by reason; nothing is
 * kept of a refused record.
 * Stream state is kept for the verifier's lifetime, across reconnections,
 * so a relay cannot serve a reconnecting display an old frame.
 */
#ifndef CG_VERIFIER_H
#define CG_VERIFIER_H

#include <stdbool.h>
#include <stdint.h>

#include "frametag.h"
#include "record.h"

/* Cameras one display can follow; records of more are refused. */
#define CG_VERIFIER_MAX_CAMERAS	16

struct cg_verifier_config {
	const uint8_t *key;		/* channel key: seal, wrap (required) */
	const uint8_t *tag_key;		/* the kernel's channel key, or NULL */
	uint32_t channel_id;		/* expected tag channel; 0: any */
	bool check_owner;
	uint32_t owner_uid;		/* expected frame owner (initial ns) */
	uint64_t max_age_ns;		/* send time vs. now, either way; 0: off */
};

struct cg_verifier_stats {
	uint64_t accepted;
	uint64_t stream_changes;	/* accepted records that began a stream */
	uint64_t skipped;		/* sequence numbers missing in between */
	uint64_t rejected[CG_RECORD_NR_STATUS];	/* by reason */
};

/* What an accepted record means for its camera. */
struct cg_verify_info {
	struct cg_frame_tag tag;	/* the record's tag, unpacked */
	bool new_stream;		/* first record of a stream */
	uint64_t previous_stream;	/* the stream it replaces; 0: none */
	uint32_t skipped;		/* sequence numbers missed before it */
	const uint8_t *payload;		/* the decrypted JPEG, in the verifier */
	size_t payload_len;		/* until its next check or free */
};

struct cg_verifier;

/*
 * NULL if @cfg has no key or there is no memory. @cfg is copied; the keys
 * are derived and kept only in derived form, wiped by cg_verifier_free(),
 * as is the last decrypted payload.
 */
struct cg_verifier *cg_verifier_new(const struct cg_verifier_config *cfg);
void cg_verifier_free(struct cg_verifier *v);

/*
 * Apply the rules to @rec (from a decoder without a key, or with this
 * verifier's key: checking the seal twice is harmless). @now_ns is
 * CLOCK_REALTIME, used only with max_age_ns. Returns CG_RECORD_OK and
 * fills @info (may be NULL; info->payload is the cleartext, valid until
 * the next call), or the reason for refusal; counts either.
 */
enum cg_record_status cg_verifier_check(struct cg_verifier *v,
					const struct cg_record *rec,
					uint64_t now_ns,
					struct cg_verify_info *info);

/* Count a refusal decided elsewhere (a decoder error), for one tally. */
void cg_verifier_count(struct cg_verifier *v, enum cg_record_status st);

const struct cg_verifier_stats *cg_verifier_stats(const struct cg_verifier *v);

#endif /* CG_VERIFIER_H */
