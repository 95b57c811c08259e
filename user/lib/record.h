/* SPDX-License-Identifier: MIT */
/*
 * camguard display records, version 2: what camguardd sends a display, one
 * record per frame, back to back on a TLS stream, the payload end-to-end
 * encrypted. docs/record-format.md is the byte by byte description; in
 * short, all integers little endian:
 *
 *   offset size field
 *        0    4 magic "CGRD"
 *        4    1 version (2)
 *        5    1 payload type (1 = JPEG)
 *        6    2 header length (256)
 *        8    4 flags (none defined: must be 0)
 *       12    4 payload length n (the JPEG's length + 16)
 *       16    4 channel id
 *       20    4 sequence                  \
 *       24    8 stream id                  > the payload's associated data
 *       32    8 capture time, ns (REALTIME)/
 *       40    8 send time, ns since the epoch (CLOCK_REALTIME)
 *       48   72 the kernel's frame tag (struct camguard_frame_tag)
 *      120   32 the kernel's MAC of the tag, HMAC-SHA256(channel key, tag)
 *      152   40 the frame's content key, AES-256-KW under the wrap key
 *      192   32 SHA-256 of the payload
 *      224   32 seal: HMAC-SHA256(seal key, bytes 0..223)
 *      256    n payload: AES-256-GCM(content key, nonce 0, JPEG) || GCM tag
 *
 * Keys (HKDF-SHA256 of the display's channel key, see cg_record_keys_new):
 * the seal key authenticates one display's header, which vouches for the
 * payload by its digest; the wrap key hides the content key, a fresh random
 * key per frame that encrypts the payload once for every display. A
 * display's work per record beyond the payload's own decryption is a
 * fixed 256 bytes of MAC and one key unwrap.
 *
 * This file frames, seals, encrypts and opens records; verifier.h holds the
 * display's rules (sequence, owner, kernel MAC) on top.
 */
#ifndef CG_RECORD_H
#define CG_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/camguard.h>

#include "aead.h"
#include "frametag.h"
#include "hmac.h"

#define CG_RECORD_MAGIC		"CGRD"
#define CG_RECORD_MAGIC_LEN	4
#define CG_RECORD_VERSION	2	/* version 1 (cleartext) is refused */
#define CG_RECORD_HEADER_LEN	256
#define CG_RECORD_SEAL_LEN	CAMGUARD_MAC_LEN
#define CG_RECORD_TYPE_JPEG	1
#define CG_RECORD_F_ALL		0u	/* no flag is defined in version 2 */

#define CG_RECORD_CONTENT_KEY_LEN	CG_AES256_KEY_LEN
#define CG_RECORD_WRAPPED_KEY_LEN	(CG_AES256_KEY_LEN + CG_KW_OVERHEAD)
#define CG_RECORD_DIGEST_LEN		CG_SHA256_LEN
#define CG_RECORD_PAYLOAD_OVERHEAD	CG_GCM_TAG_LEN
/* The payload's associated data: sequence, stream id, capture time. */
#define CG_RECORD_AAD_LEN		20

/* HKDF-SHA256 info labels, one per purpose (no salt). */
#define CG_RECORD_INFO_SEAL	"camguard record v2 seal"
#define CG_RECORD_INFO_WRAP	"camguard record v2 wrap"

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
	CG_RECORD_OFF_WRAPPED_KEY = 152,
	CG_RECORD_OFF_DIGEST = 192,
	CG_RECORD_OFF_SEAL = 224,
	CG_RECORD_OFF_AAD = CG_RECORD_OFF_SEQUENCE,
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
	/* Version 2, after the seal verified (appended: values are stable). */
	CG_RECORD_BAD_PAYLOAD,		/* payload differs from the sealed digest */
	CG_RECORD_DECRYPT_FAILED,	/* content key unwrap or GCM tag failed */

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
	uint8_t wrapped_key[CG_RECORD_WRAPPED_KEY_LEN];
	uint8_t digest[CG_RECORD_DIGEST_LEN];	/* SHA-256 of the payload */
};

/* A decoded record; the pointers are into the decoder's buffer. */
struct cg_record {
	struct cg_record_header hdr;
	const uint8_t *raw_header;	/* CG_RECORD_HEADER_LEN bytes */
	const uint8_t *payload;		/* hdr.payload_len bytes, encrypted */
	const uint8_t *seal;		/* CG_RECORD_SEAL_LEN bytes, in the header */
};

/* Bytes of a record with @payload_len bytes of payload on the wire. */
static inline size_t cg_record_wire_len(size_t payload_len)
{
	return CG_RECORD_HEADER_LEN + payload_len;
}

/* Payload bytes on the wire for a JPEG of @plain_len bytes. */
static inline size_t cg_record_payload_len(size_t plain_len)
{
	return plain_len + CG_RECORD_PAYLOAD_OVERHEAD;
}

/*
 * The keys one display's records use, derived from its channel key:
 *   seal key = HKDF-SHA256(channel key, info CG_RECORD_INFO_SEAL), 32 bytes
 *   wrap key = HKDF-SHA256(channel key, info CG_RECORD_INFO_WRAP), 32 bytes
 * The raw channel key stays the kernel's (tag MACs) and the pairing
 * handshake's; no record field is keyed with it. Fields are private; the
 * wrap key is wiped by cg_record_keys_free(), the seal key lives only in
 * the HMAC context, which OpenSSL wipes.
 */
struct cg_record_keys {
	struct cg_hmac *seal;
	uint8_t wrap[CG_AES256_KEY_LEN];
};

/* Derive both keys: NULL if there is no memory or OpenSSL failed. */
struct cg_record_keys *cg_record_keys_new(const uint8_t key[CAMGUARD_KEY_LEN]);
void cg_record_keys_free(struct cg_record_keys *k);
/* The derived keys themselves, for test vectors. 0 or -EIO. */
int cg_record_derive(const uint8_t key[CAMGUARD_KEY_LEN],
		     uint8_t seal_key[CG_AES256_KEY_LEN],
		     uint8_t wrap_key[CG_AES256_KEY_LEN]);

/* A fresh random content key for one frame: 0, or -EIO (no randomness). */
int cg_record_content_key(uint8_t ck[CG_RECORD_CONTENT_KEY_LEN]);

/*
 * Write @h as the first CG_RECORD_OFF_SEAL header bytes (all but the
 * seal). version and payload_len are taken from @h: callers set them
 * (payload_len to what follows). -EINVAL if a field is not valid for
 * version 2 (version, type, flags, a payload shorter than its GCM tag).
 */
int cg_record_header_pack(const struct cg_record_header *h,
			  uint8_t out[CG_RECORD_HEADER_LEN]);

/*
 * Read and check the 256 header bytes: magic, version, type, header
 * length, flags, payload length against @max_payload, in that order (the
 * order the decoder checks them as bytes arrive).
 */
enum cg_record_status cg_record_header_unpack(const uint8_t *in,
					      size_t max_payload,
					      struct cg_record_header *h);

/*
 * Sending, in two steps so a frame is encrypted once for all its displays:
 *
 * cg_record_encrypt(): once per frame. @plain (@plain_len bytes, the JPEG)
 * encrypted under @ck with AES-256-GCM, nonce 12 zero bytes, associated
 * data the sequence, stream id and capture time of @h (header bytes
 * 20..39), into @out: cg_record_payload_len(@plain_len) bytes, ciphertext
 * then GCM tag. @digest receives SHA-256 of @out. A nonce never repeats
 * under one key because a content key encrypts exactly one payload: the
 * caller takes a fresh one from cg_record_content_key() for every frame
 * and wipes it once the frame's headers are sealed. 0, -EINVAL, -EIO.
 */
int cg_record_encrypt(const struct cg_record_header *h,
		      const uint8_t ck[CG_RECORD_CONTENT_KEY_LEN],
		      const void *plain, size_t plain_len, uint8_t *out,
		      uint8_t digest[CG_RECORD_DIGEST_LEN]);

/*
 * cg_record_seal_header(): once per display, a fixed cost. The header of
 * @h for @k's display: @ck wrapped under its wrap key, @digest (from
 * cg_record_encrypt) copied in, everything sealed under its seal key.
 * h->payload_len is the encrypted payload's length. 0, -EINVAL, -EIO.
 */
int cg_record_seal_header(struct cg_record_keys *k,
			  const struct cg_record_header *h,
			  const uint8_t ck[CG_RECORD_CONTENT_KEY_LEN],
			  const uint8_t digest[CG_RECORD_DIGEST_LEN],
			  uint8_t out[CG_RECORD_HEADER_LEN]);

/* CG_RECORD_OK if @rec's seal verifies under @k, else CG_RECORD_BAD_SEAL. */
enum cg_record_status cg_record_check_seal(struct cg_record_keys *k,
					   const struct cg_record *rec);

/*
 * Decrypt the payload of @rec, whose seal has verified under @k, into
 * @plain (rec->hdr.payload_len - CG_RECORD_PAYLOAD_OVERHEAD bytes; *@len
 * receives that). CG_RECORD_BAD_PAYLOAD if the payload is not the one the
 * sealed digest names (compared in constant time), CG_RECORD_DECRYPT_FAILED
 * if the content key does not unwrap under @k or the GCM tag fails; then
 * @plain holds nothing of the payload.
 */
enum cg_record_status cg_record_open(struct cg_record_keys *k,
				     const struct cg_record *rec,
				     uint8_t *plain, size_t *len);

/*
 * One whole record for one display into @out (@out_size bytes): both
 * steps above with content key @ck. Returns the record's length, or
 * -EINVAL (bad header field, payload above CG_RECORD_MAX_PAYLOAD_LIMIT),
 * -ENOSPC (@out too small), -EIO (OpenSSL). For tests and tools; a sender
 * with several displays encrypts once and seals each header.
 */
long cg_record_encode(const struct cg_record_header *h, const void *plain,
		      size_t plain_len, struct cg_record_keys *k,
		      const uint8_t ck[CG_RECORD_CONTENT_KEY_LEN],
		      uint8_t *out, size_t out_size);

/*
 * Incremental decoder for a byte stream of records (a TLS connection):
 * feed it whatever arrived, get back whole records. It never reads beyond
 * the input it is given, and buffers at most one record, whose size the
 * header announces and max_payload bounds before anything is allocated.
 * The fields are private.
 */
struct cg_record_decoder {
	struct cg_record_keys *key;	/* NULL: do not check seals */
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
			   struct cg_record_keys *key);
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
