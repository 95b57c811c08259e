/* SPDX-License-Identifier: MIT */
/*
 * camguard display records: what camguardd sends a display, one record per
 * frame, back to back on a TLS stream. docs/record-format.md is the byte
 * by byte description; in short, all integers little endian:
 *
 *   offset size field
 *        0    4 magic "CGRD"
 *        4    1 version (1)
 *        5    1 payload type (1 = JPEG)
 *        6    2 header length (152)
 *        8    4 flags (none defined: must be 0)
 *       12    4 payload length
 *       16    4 channel id
 *       20    4 sequence
 *       24    8 stream id
 *       32    8 capture time, ns since the epoch (CLOCK_REALTIME)
 *       40    8 send time, ns since the epoch (CLOCK_REALTIME)
 *       48   72 the kernel's frame tag (struct camguard_frame_tag)
 *      120   32 the kernel's MAC of the tag, HMAC-SHA256(channel key, tag)
 *      152    n payload
 *    152+n   32 seal: HMAC-SHA256(channel key, header || payload)
 *
 * This file frames and seals records; verifier.h holds the display's rules
 * (sequence, owner, kernel MAC) on top.
 */
#ifndef CG_RECORD_H
#define CG_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/camguard.h>

#include "frametag.h"
#include "hmac.h"

#define CG_RECORD_MAGIC		"CGRD"
#define CG_RECORD_MAGIC_LEN	4
#define CG_RECORD_VERSION	1
#define CG_RECORD_HEADER_LEN	152
#define CG_RECORD_SEAL_LEN	CAMGUARD_MAC_LEN
#define CG_RECORD_TYPE_JPEG	1
#define CG_RECORD_F_ALL		0u	/* no flag is defined in version 1 */

/* Payload limits: the default, and the most a decoder can be set to. */
#define CG_RECORD_DEFAULT_MAX_PAYLOAD	(8u << 20)
#define CG_RECORD_MAX_PAYLOAD_LIMIT	(64u << 20)

/* Header field offsets, for tests and tools that poke at raw records. */
enum cg_record_offset {
	CG_RECORD_OFF_MAGIC = 0,
	CG_RECORD_OFF_VERSION = 4,
	CG_RECORD_OFF_TYPE = 5,
	CG_RECORD_OFF_HEADER_LEN = 6,
	CG_RECORD_OFF_FLAGS = 8,
	CG_RECORD_OFF_PAYLOAD_LEN = 12,
	CG_RECORD_OFF_CHANNEL = 16,
	CG_RECORD_OFF_SEQUENCE = 20,
	CG_RECORD_OFF_STREAM = 24,
	CG_RECORD_OFF_CAPTURE_NS = 32,
	CG_RECORD_OFF_SEND_NS = 40,
	CG_RECORD_OFF_TAG = 48,
	CG_RECORD_OFF_KERNEL_MAC = 120,
};

/*
 * Why a record was not accepted (or that it was). The decoder returns
 * those up to CG_RECORD_BAD_SEAL, the verifier the rest. Values are
 * stable: they index counters and show up in logs.
 */
enum cg_record_status {
	CG_RECORD_OK,
	CG_RECORD_NEED_MORE,		/* decoder: input ends inside a record */
	/* Framing lost: the decoder stops; close the connection. */
	CG_RECORD_BAD_MAGIC,
	CG_RECORD_BAD_VERSION,
	CG_RECORD_BAD_TYPE,
	CG_RECORD_BAD_HEADER_LEN,
	CG_RECORD_BAD_FLAGS,
	CG_RECORD_OVERSIZE,		/* payload length above the limit */
	CG_RECORD_NO_MEMORY,
	CG_RECORD_TRUNCATED,		/* the stream ended inside a record */
	/* One record refused; the next one is read normally. */
	CG_RECORD_BAD_SEAL,
	CG_RECORD_BAD_TAG,		/* tag version unknown */
	CG_RECORD_TAG_MISMATCH,		/* tag's channel/stream/sequence != header's */
	CG_RECORD_BAD_KERNEL_MAC,
	CG_RECORD_WRONG_CHANNEL,	/* not the channel this display expects */
	CG_RECORD_WRONG_OWNER,		/* frame of another owner */
	CG_RECORD_STALE,		/* send time too old or in the future */
	CG_RECORD_REPLAY,		/* sequence not above the last accepted */
	CG_RECORD_OLD_STREAM,		/* stream id below the camera's current */
	CG_RECORD_TOO_MANY_CAMERAS,	/* more cameras than the verifier tracks */

	CG_RECORD_NR_STATUS,
};

/* True for statuses after which the decoder has lost the framing. */
bool cg_record_status_fatal(enum cg_record_status st);
/* "bad_seal": a short name for counters and JSON. */
const char *cg_record_status_name(enum cg_record_status st);
/* "bad seal (HMAC under the channel key)": for log lines. */
const char *cg_record_status_text(enum cg_record_status st);

/* A record header in host order. */
struct cg_record_header {
	uint8_t version;
	uint8_t payload_type;
	uint32_t flags;
	uint32_t payload_len;
	uint32_t channel_id;
	uint32_t sequence;
	uint64_t stream_id;
	uint64_t capture_ns;
	uint64_t send_ns;
	uint8_t tag[CG_TAG_LEN];		/* as the kernel sent it */
	uint8_t kernel_mac[CAMGUARD_MAC_LEN];
};

/* A decoded record; the pointers are into the decoder's buffer. */
struct cg_record {
	struct cg_record_header hdr;
	const uint8_t *raw_header;	/* CG_RECORD_HEADER_LEN bytes */
	const uint8_t *payload;		/* hdr.payload_len bytes */
	const uint8_t *seal;		/* CG_RECORD_SEAL_LEN bytes */
};

/* Bytes of a record with @payload_len bytes of payload on the wire. */
static inline size_t cg_record_wire_len(size_t payload_len)
{
	return CG_RECORD_HEADER_LEN + payload_len + CG_RECORD_SEAL_LEN;
}

/*
 * Write @h as the 152 header bytes. version and payload_len are taken from
 * @h: callers set them (payload_len to what follows). -EINVAL if a field is
 * not valid for version 1 (version, type, flags).
 */
int cg_record_header_pack(const struct cg_record_header *h,
			  uint8_t out[CG_RECORD_HEADER_LEN]);

/*
 * Read and check the 152 header bytes: magic, version, type, header
 * length, flags, payload length against @max_payload, in that order (the
 * order the decoder checks them as bytes arrive).
 */
enum cg_record_status cg_record_header_unpack(const uint8_t *in,
					      size_t max_payload,
					      struct cg_record_header *h);

/* The seal of a header (as packed) and payload. 0 or -EIO. */
int cg_record_seal(struct cg_hmac *key, const uint8_t *header,
		   const void *payload, size_t payload_len,
		   uint8_t seal[CG_RECORD_SEAL_LEN]);

/* CG_RECORD_OK if @rec's seal verifies under @key, else CG_RECORD_BAD_SEAL. */
enum cg_record_status cg_record_check_seal(struct cg_hmac *key,
					   const struct cg_record *rec);

/*
 * One whole record into @out (@out_size bytes): header from @h with
 * payload_len set to @payload_len, the payload, the seal under @key.
 * Returns the record's length, or -EINVAL (bad header field, payload above
 * CG_RECORD_MAX_PAYLOAD_LIMIT), -ENOSPC (@out too small), -EIO (OpenSSL).
 * A sender that wants to avoid copying the payload uses
 * cg_record_header_pack() and cg_record_seal() and writes three pieces.
 */
long cg_record_encode(const struct cg_record_header *h, const void *payload,
		      size_t payload_len, struct cg_hmac *key,
		      uint8_t *out, size_t out_size);

/*
 * Incremental decoder for a byte stream of records (a TLS connection):
 * feed it whatever arrived, get back whole records. It never reads beyond
 * the input it is given, and buffers at most one record, whose size the
 * header announces and max_payload bounds before anything is allocated.
 * The fields are private.
 */
struct cg_record_decoder {
	struct cg_hmac *key;		/* NULL: do not check seals */
	size_t max_payload;
	uint8_t *buf;			/* the record being assembled */
	size_t cap;
	size_t have;			/* bytes of it buffered */
	size_t need;			/* its wire length, 0 until known */
	enum cg_record_status error;	/* sticky once framing is lost */
	struct cg_record_header hdr;
};

/*
 * @max_payload: 1 .. CG_RECORD_MAX_PAYLOAD_LIMIT (else -EINVAL). @key (may
 * be NULL: a relay that only frames) is borrowed and must outlive @d.
 */
int cg_record_decoder_init(struct cg_record_decoder *d, size_t max_payload,
			   struct cg_hmac *key);
/* Forget any partial record and a sticky error: a new connection. */
void cg_record_decoder_reset(struct cg_record_decoder *d);
/* Free the buffer (wiping it). @d can be initialised again. */
void cg_record_decoder_release(struct cg_record_decoder *d);

/*
 * Consume input up to the end of the next record. *@used receives the
 * bytes taken from @in. Returns:
 *   CG_RECORD_OK         *@rec is a record (valid until the next call)
 *   CG_RECORD_NEED_MORE  all of @in was taken; the record is not complete
 *   CG_RECORD_BAD_SEAL   a whole record was taken and refused; go on
 *   a fatal status       the stream is broken (cg_record_status_fatal());
 *                        every later call returns it again, taking nothing
 * Call again with the rest of the input until it is used up.
 */
enum cg_record_status cg_record_decode(struct cg_record_decoder *d,
				       const void *in, size_t len,
				       size_t *used, struct cg_record *rec);

/*
 * At the end of the stream: CG_RECORD_OK if it ended between records,
 * CG_RECORD_TRUNCATED inside one (the decoder then stays in that error),
 * or the sticky error.
 */
enum cg_record_status cg_record_decoder_finish(struct cg_record_decoder *d);

#endif /* CG_RECORD_H */
