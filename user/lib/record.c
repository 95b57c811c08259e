// SPDX-License-Identifier: GPL-2.0
/*
 * Display records: key derivation, header packing and sealing, payload
 * encryption and opening, and the incremental decoder. The decoder checks
 * each header field as soon as its bytes are in, so a peer that sends
 * garbage is cut off after the first wrong byte, and it learns the
 * record's size (bounded by max_payload) before it allocates.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "le.h"
#include "record.h"

static const struct {
	const char *name;
	const char *text;
} cg_record_statuses[CG_RECORD_NR_STATUS] = {
	[CG_RECORD_OK] = { "ok", "accepted" },
	[CG_RECORD_NEED_MORE] = { "need_more", "incomplete record" },
	[CG_RECORD_BAD_MAGIC] = { "bad_magic", "bad magic (not a camguard record stream)" },
	[CG_RECORD_BAD_VERSION] = { "bad_version", "unsupported record version" },
	[CG_RECORD_BAD_TYPE] = { "bad_type", "unknown payload type" },
	[CG_RECORD_BAD_HEADER_LEN] = { "bad_header_len", "wrong header length for the version" },
	[CG_RECORD_BAD_FLAGS] = { "bad_flags", "undefined flags set" },
	[CG_RECORD_OVERSIZE] = { "oversize", "payload length above the limit" },
	[CG_RECORD_NO_MEMORY] = { "no_memory", "out of memory" },
	[CG_RECORD_TRUNCATED] = { "truncated", "stream ended inside a record" },
	[CG_RECORD_BAD_SEAL] = { "bad_seal", "bad seal (HMAC under the display's seal key)" },
	[CG_RECORD_BAD_TAG] = { "bad_tag", "unknown frame tag version" },
	[CG_RECORD_TAG_MISMATCH] = { "tag_mismatch", "frame tag does not match the header" },
	[CG_RECORD_BAD_KERNEL_MAC] = { "bad_kernel_mac", "bad kernel MAC of the frame tag" },
	[CG_RECORD_WRONG_CHANNEL] = { "wrong_channel", "record for another channel" },
	[CG_RECORD_WRONG_OWNER] = { "wrong_owner", "frame of another owner" },
	[CG_RECORD_STALE] = { "stale", "send time outside the accepted age" },
	[CG_RECORD_REPLAY] = { "replay", "sequence not after the last accepted (replay or reorder)" },
	[CG_RECORD_OLD_STREAM] = { "old_stream", "stream older than the camera's current stream" },
	[CG_RECORD_TOO_MANY_CAMERAS] = { "too_many_cameras", "more cameras than the verifier tracks" },
	[CG_RECORD_BAD_PAYLOAD] = { "bad_payload", "payload differs from the digest in the sealed header" },
	[CG_RECORD_DECRYPT_FAILED] = { "decrypt_failed", "payload does not decrypt (content key or GCM tag)" },
};

bool cg_record_status_fatal(enum cg_record_status st)
{
	return st >= CG_RECORD_BAD_MAGIC && st <= CG_RECORD_TRUNCATED;
}

const char *cg_record_status_name(enum cg_record_status st)
{
	return (unsigned int)st < CG_RECORD_NR_STATUS ?
	       cg_record_statuses[st].name : "unknown";
}

const char *cg_record_status_text(enum cg_record_status st)
{
	return (unsigned int)st < CG_RECORD_NR_STATUS ?
	       cg_record_statuses[st].text : "unknown status";
}

int cg_record_header_pack(const struct cg_record_header *h,
			  uint8_t out[CG_RECORD_HEADER_LEN])
{
	if (!h || !out || h->version != CG_RECORD_VERSION ||
	    h->payload_type != CG_RECORD_TYPE_JPEG ||
	    (h->flags & ~CG_RECORD_F_ALL) ||
	    h->payload_len < CG_RECORD_PAYLOAD_OVERHEAD ||
	    h->payload_len > CG_RECORD_MAX_PAYLOAD_LIMIT)
		return -EINVAL;

	memcpy(out + CG_RECORD_OFF_MAGIC, CG_RECORD_MAGIC, CG_RECORD_MAGIC_LEN);
	out[CG_RECORD_OFF_VERSION] = h->version;
	out[CG_RECORD_OFF_TYPE] = h->payload_type;
	cg_put_le16(out + CG_RECORD_OFF_HEADER_LEN, CG_RECORD_HEADER_LEN);
	cg_put_le32(out + CG_RECORD_OFF_FLAGS, h->flags);
	cg_put_le32(out + CG_RECORD_OFF_PAYLOAD_LEN, h->payload_len);
	cg_put_le32(out + CG_RECORD_OFF_CHANNEL, h->channel_id);
	cg_put_le32(out + CG_RECORD_OFF_SEQUENCE, h->sequence);
	cg_put_le64(out + CG_RECORD_OFF_STREAM, h->stream_id);
	cg_put_le64(out + CG_RECORD_OFF_CAPTURE_NS, h->capture_ns);
	cg_put_le64(out + CG_RECORD_OFF_SEND_NS, h->send_ns);
	memcpy(out + CG_RECORD_OFF_TAG, h->tag, CG_TAG_LEN);
	memcpy(out + CG_RECORD_OFF_KERNEL_MAC, h->kernel_mac,
	       CAMGUARD_MAC_LEN);
	memcpy(out + CG_RECORD_OFF_WRAPPED_KEY, h->wrapped_key,
	       CG_RECORD_WRAPPED_KEY_LEN);
	memcpy(out + CG_RECORD_OFF_DIGEST, h->digest, CG_RECORD_DIGEST_LEN);
	return 0;
}

/*
 * Check the fields that lie wholly within the first @n bytes of a header,
 * in wire order. Called on every partial header, so garbage is refused as
 * soon as it cannot be the start of a record.
 */
static enum cg_record_status cg_check_header_prefix(const uint8_t *p,
						    size_t n,
						    size_t max_payload)
{
	size_t i;

	for (i = 0; i < n && i < CG_RECORD_MAGIC_LEN; i++)
		if (p[i] != (uint8_t)CG_RECORD_MAGIC[i])
			return CG_RECORD_BAD_MAGIC;
	if (n > CG_RECORD_OFF_VERSION &&
	    p[CG_RECORD_OFF_VERSION] != CG_RECORD_VERSION)
		return CG_RECORD_BAD_VERSION;
	if (n > CG_RECORD_OFF_TYPE &&
	    p[CG_RECORD_OFF_TYPE] != CG_RECORD_TYPE_JPEG)
		return CG_RECORD_BAD_TYPE;
	if (n >= CG_RECORD_OFF_HEADER_LEN + 2 &&
	    cg_get_le16(p + CG_RECORD_OFF_HEADER_LEN) != CG_RECORD_HEADER_LEN)
		return CG_RECORD_BAD_HEADER_LEN;
	if (n >= CG_RECORD_OFF_FLAGS + 4 &&
	    (cg_get_le32(p + CG_RECORD_OFF_FLAGS) & ~CG_RECORD_F_ALL))
		return CG_RECORD_BAD_FLAGS;
	if (n >= CG_RECORD_OFF_PAYLOAD_LEN + 4 &&
	    cg_get_le32(p + CG_RECORD_OFF_PAYLOAD_LEN) > max_payload)
		return CG_RECORD_OVERSIZE;
	return CG_RECORD_OK;
}

enum cg_record_status cg_record_header_unpack(const uint8_t *in,
					      size_t max_payload,
					      struct cg_record_header *h)
{
	enum cg_record_status st;

	st = cg_check_header_prefix(in, CG_RECORD_HEADER_LEN, max_payload);
	if (st != CG_RECORD_OK)
		return st;
	h->version = in[CG_RECORD_OFF_VERSION];
	h->payload_type = in[CG_RECORD_OFF_TYPE];
	h->flags = cg_get_le32(in + CG_RECORD_OFF_FLAGS);
	h->payload_len = cg_get_le32(in + CG_RECORD_OFF_PAYLOAD_LEN);
	h->channel_id = cg_get_le32(in + CG_RECORD_OFF_CHANNEL);
	h->sequence = cg_get_le32(in + CG_RECORD_OFF_SEQUENCE);
	h->stream_id = cg_get_le64(in + CG_RECORD_OFF_STREAM);
	h->capture_ns = cg_get_le64(in + CG_RECORD_OFF_CAPTURE_NS);
	h->send_ns = cg_get_le64(in + CG_RECORD_OFF_SEND_NS);
	memcpy(h->tag, in + CG_RECORD_OFF_TAG, CG_TAG_LEN);
	memcpy(h->kernel_mac, in + CG_RECORD_OFF_KERNEL_MAC, CAMGUARD_MAC_LEN);
	memcpy(h->wrapped_key, in + CG_RECORD_OFF_WRAPPED_KEY,
	       CG_RECORD_WRAPPED_KEY_LEN);
	memcpy(h->digest, in + CG_RECORD_OFF_DIGEST, CG_RECORD_DIGEST_LEN);
	return CG_RECORD_OK;
}

int cg_record_derive(const uint8_t key[CAMGUARD_KEY_LEN],
		     uint8_t seal_key[CG_AES256_KEY_LEN],
		     uint8_t wrap_key[CG_AES256_KEY_LEN])
{
	if (cg_hkdf_sha256(key, CAMGUARD_KEY_LEN, CG_RECORD_INFO_SEAL,
			   seal_key, CG_AES256_KEY_LEN) ||
	    cg_hkdf_sha256(key, CAMGUARD_KEY_LEN, CG_RECORD_INFO_WRAP,
			   wrap_key, CG_AES256_KEY_LEN)) {
		OPENSSL_cleanse(seal_key, CG_AES256_KEY_LEN);
		OPENSSL_cleanse(wrap_key, CG_AES256_KEY_LEN);
		return -EIO;
	}
	return 0;
}

struct cg_record_keys *cg_record_keys_new(const uint8_t key[CAMGUARD_KEY_LEN])
{
	uint8_t seal_key[CG_AES256_KEY_LEN];
	struct cg_record_keys *k;

	if (!key)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	if (!cg_record_derive(key, seal_key, k->wrap))
		k->seal = cg_hmac_new(seal_key);
	OPENSSL_cleanse(seal_key, sizeof(seal_key));
	if (!k->seal) {
		cg_record_keys_free(k);
		return NULL;
	}
	return k;
}

void cg_record_keys_free(struct cg_record_keys *k)
{
	if (!k)
		return;
	cg_hmac_free(k->seal);
	OPENSSL_cleanse(k->wrap, sizeof(k->wrap));
	free(k);
}

int cg_record_content_key(uint8_t ck[CG_RECORD_CONTENT_KEY_LEN])
{
	return RAND_priv_bytes(ck, CG_RECORD_CONTENT_KEY_LEN) == 1 ? 0 : -EIO;
}

/*
 * The payload's associated data: the fields every display's header of one
 * frame shares (channel id, tag and MAC differ per display), in header
 * order, so it is header bytes 20..39 of any of them.
 */
static void cg_record_aad(uint32_t sequence, uint64_t stream_id,
			  uint64_t capture_ns, uint8_t aad[CG_RECORD_AAD_LEN])
{
	cg_put_le32(aad, sequence);
	cg_put_le64(aad + 4, stream_id);
	cg_put_le64(aad + 12, capture_ns);
}

/* A content key is used for one payload only, so one fixed nonce is safe. */
static const uint8_t cg_record_nonce[CG_GCM_NONCE_LEN];

int cg_record_encrypt(const struct cg_record_header *h,
		      const uint8_t ck[CG_RECORD_CONTENT_KEY_LEN],
		      const void *plain, size_t plain_len, uint8_t *out,
		      uint8_t digest[CG_RECORD_DIGEST_LEN])
{
	uint8_t aad[CG_RECORD_AAD_LEN];
	int ret;

	/* Compared before adding the tag's length, which could wrap. */
	if (!h || !ck || !out || (plain_len && !plain) ||
	    plain_len > CG_RECORD_MAX_PAYLOAD_LIMIT - CG_RECORD_PAYLOAD_OVERHEAD)
		return -EINVAL;
	cg_record_aad(h->sequence, h->stream_id, h->capture_ns, aad);
	ret = cg_gcm_seal(ck, cg_record_nonce, aad, sizeof(aad), plain,
			  plain_len, out, out + plain_len);
	if (!ret)
		ret = cg_sha256(out, cg_record_payload_len(plain_len), digest);
	return ret;
}

int cg_record_seal_header(struct cg_record_keys *k,
			  const struct cg_record_header *h,
			  const uint8_t ck[CG_RECORD_CONTENT_KEY_LEN],
			  const uint8_t digest[CG_RECORD_DIGEST_LEN],
			  uint8_t out[CG_RECORD_HEADER_LEN])
{
	const struct cg_hmac_part part = { out, CG_RECORD_OFF_SEAL };
	struct cg_record_header hdr;
	int ret;

	if (!k || !h || !ck || !digest || !out)
		return -EINVAL;
	hdr = *h;
	memcpy(hdr.digest, digest, CG_RECORD_DIGEST_LEN);
	ret = cg_aes_kw_wrap(k->wrap, ck, hdr.wrapped_key);
	if (!ret)
		ret = cg_record_header_pack(&hdr, out);
	if (!ret)
		ret = cg_hmac_compute(k->seal, &part, 1,
				      out + CG_RECORD_OFF_SEAL);
	return ret;
}

enum cg_record_status cg_record_check_seal(struct cg_record_keys *k,
					   const struct cg_record *rec)
{
	const struct cg_hmac_part part = { rec->raw_header, CG_RECORD_OFF_SEAL };

	/* An OpenSSL failure must not let a record through either. */
	return cg_hmac_verify(k->seal, &part, 1, rec->seal) ?
	       CG_RECORD_BAD_SEAL : CG_RECORD_OK;
}

enum cg_record_status cg_record_open(struct cg_record_keys *k,
				     const struct cg_record *rec,
				     uint8_t *plain, size_t *len)
{
	const struct cg_record_header *h = &rec->hdr;
	uint8_t ck[CG_RECORD_CONTENT_KEY_LEN], digest[CG_RECORD_DIGEST_LEN];
	uint8_t aad[CG_RECORD_AAD_LEN];
	enum cg_record_status st = CG_RECORD_DECRYPT_FAILED;
	size_t n;

	*len = 0;
	/*
	 * The digest first: the seal vouches for it, so a payload that
	 * matches is the one camguardd encrypted for this header, whoever
	 * else holds the content key. GCM alone would not say so: anyone
	 * with the key can make another ciphertext with the same tag.
	 */
	if (h->payload_len < CG_RECORD_PAYLOAD_OVERHEAD)
		return CG_RECORD_DECRYPT_FAILED;
	if (cg_sha256(rec->payload, h->payload_len, digest))
		return CG_RECORD_DECRYPT_FAILED;
	if (CRYPTO_memcmp(digest, h->digest, sizeof(digest)))
		return CG_RECORD_BAD_PAYLOAD;
	if (cg_aes_kw_unwrap(k->wrap, h->wrapped_key, ck))
		goto out;
	n = h->payload_len - CG_RECORD_PAYLOAD_OVERHEAD;
	cg_record_aad(h->sequence, h->stream_id, h->capture_ns, aad);
	if (cg_gcm_open(ck, cg_record_nonce, aad, sizeof(aad), rec->payload,
			n, rec->payload + n, plain))
		goto out;
	*len = n;
	st = CG_RECORD_OK;
out:
	OPENSSL_cleanse(ck, sizeof(ck));
	return st;
}

long cg_record_encode(const struct cg_record_header *h, const void *plain,
		      size_t plain_len, struct cg_record_keys *k,
		      const uint8_t ck[CG_RECORD_CONTENT_KEY_LEN],
		      uint8_t *out, size_t out_size)
{
	uint8_t digest[CG_RECORD_DIGEST_LEN];
	struct cg_record_header hdr;
	size_t len;
	int ret;

	if (!h || !k || !ck || !out || (plain_len && !plain) ||
	    plain_len > CG_RECORD_MAX_PAYLOAD_LIMIT - CG_RECORD_PAYLOAD_OVERHEAD)
		return -EINVAL;
	len = cg_record_wire_len(cg_record_payload_len(plain_len));
	if (out_size < len)
		return -ENOSPC;

	hdr = *h;
	hdr.payload_len = (uint32_t)cg_record_payload_len(plain_len);
	ret = cg_record_encrypt(&hdr, ck, plain, plain_len,
				out + CG_RECORD_HEADER_LEN, digest);
	if (!ret)
		ret = cg_record_seal_header(k, &hdr, ck, digest, out);
	return ret ? ret : (long)len;
}

int cg_record_decoder_init(struct cg_record_decoder *d, size_t max_payload,
			   struct cg_record_keys *key)
{
	if (!d || !max_payload || max_payload > CG_RECORD_MAX_PAYLOAD_LIMIT)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->key = key;
	d->max_payload = max_payload;
	return 0;
}

void cg_record_decoder_reset(struct cg_record_decoder *d)
{
	d->have = 0;
	d->need = 0;
	d->error = CG_RECORD_OK;
}

void cg_record_decoder_release(struct cg_record_decoder *d)
{
	if (d->buf)
		OPENSSL_cleanse(d->buf, d->cap);
	free(d->buf);
	d->buf = NULL;
	d->cap = 0;
	cg_record_decoder_reset(d);
}

/* Room for @size bytes; @size is at most one maximal record. */
static int cg_decoder_reserve(struct cg_record_decoder *d, size_t size)
{
	uint8_t *buf;

	if (d->cap >= size)
		return 0;
	/*
	 * Not realloc(): the old buffer may hold a previous record's payload,
	 * which is wiped rather than left behind in freed memory.
	 */
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	if (d->buf) {
		memcpy(buf, d->buf, d->have);
		OPENSSL_cleanse(d->buf, d->cap);
		free(d->buf);
	}
	d->buf = buf;
	d->cap = size;
	return 0;
}

static enum cg_record_status cg_decoder_fail(struct cg_record_decoder *d,
					     enum cg_record_status st)
{
	d->error = st;
	return st;
}

enum cg_record_status cg_record_decode(struct cg_record_decoder *d,
				       const void *in, size_t len,
				       size_t *used, struct cg_record *rec)
{
	const uint8_t *src = in;
	enum cg_record_status st;
	size_t take, consumed = 0;

	*used = 0;
	if (d->error != CG_RECORD_OK)
		return d->error;
	if (len && !src)
		return CG_RECORD_NEED_MORE;
	if (cg_decoder_reserve(d, CG_RECORD_HEADER_LEN))
		return cg_decoder_fail(d, CG_RECORD_NO_MEMORY);

	/* The header, checked field by field as it arrives. */
	if (d->need == 0) {
		take = CG_RECORD_HEADER_LEN - d->have;
		if (take > len)
			take = len;
		if (take)
			memcpy(d->buf + d->have, src, take);
		consumed = take;
		d->have += take;
		st = cg_check_header_prefix(d->buf, d->have, d->max_payload);
		if (st != CG_RECORD_OK) {
			*used = consumed;
			return cg_decoder_fail(d, st);
		}
		if (d->have < CG_RECORD_HEADER_LEN) {
			*used = consumed;
			return CG_RECORD_NEED_MORE;
		}
		/* Cannot fail: the whole header just passed the same checks. */
		cg_record_header_unpack(d->buf, d->max_payload, &d->hdr);
		d->need = cg_record_wire_len(d->hdr.payload_len);
		if (cg_decoder_reserve(d, d->need)) {
			*used = consumed;
			return cg_decoder_fail(d, CG_RECORD_NO_MEMORY);
		}
	}

	/* The payload. */
	take = d->need - d->have;
	if (take > len - consumed)
		take = len - consumed;
	if (take)
		memcpy(d->buf + d->have, src + consumed, take);
	d->have += take;
	consumed += take;
	*used = consumed;
	if (d->have < d->need)
		return CG_RECORD_NEED_MORE;

	rec->hdr = d->hdr;
	rec->raw_header = d->buf;
	rec->payload = d->buf + CG_RECORD_HEADER_LEN;
	rec->seal = d->buf + CG_RECORD_OFF_SEAL;
	d->have = 0;
	d->need = 0;
	if (d->key)
		return cg_record_check_seal(d->key, rec);
	return CG_RECORD_OK;
}

enum cg_record_status cg_record_decoder_finish(struct cg_record_decoder *d)
{
	if (d->error != CG_RECORD_OK)
		return d->error;
	if (d->have)
		return cg_decoder_fail(d, CG_RECORD_TRUNCATED);
	return CG_RECORD_OK;
}
