// SPDX-License-Identifier: GPL-2.0
/* Records for tests: tag, kernel MAC, header, encrypted payload, seal. */
#include <stdlib.h>
#include <string.h>

#include "record_helpers.h"

void test_key(uint8_t key[CAMGUARD_KEY_LEN], unsigned int seed)
{
	unsigned int i;

	for (i = 0; i < CAMGUARD_KEY_LEN; i++)
		key[i] = (uint8_t)(seed * 131 + i * 7 + 1);
}

void test_tag(const struct test_frame *f, uint8_t raw[CG_TAG_LEN])
{
	struct cg_frame_tag tag;
	unsigned int i;

	memset(&tag, 0, sizeof(tag));
	tag.version = f->tag_version ? f->tag_version : CAMGUARD_TAG_VERSION;
	tag.camera = f->camera;
	tag.sequence = f->sequence;
	tag.stream_id = f->stream_id;
	tag.timestamp_ns = 1000000ull * f->sequence;
	tag.payload_len = 640 * 480 * 2;
	tag.owner_uid = f->owner_uid;
	tag.owner_gid = f->owner_gid;
	tag.channel_id = f->channel_id;
	for (i = 0; i < CAMGUARD_DIGEST_LEN; i++)
		tag.digest[i] = (uint8_t)(f->sequence + i);
	cg_frame_tag_pack(&tag, raw);
}

static int test_mac(const uint8_t *key, const void *data, size_t len,
		    uint8_t mac[CAMGUARD_MAC_LEN])
{
	const struct cg_hmac_part part = { data, len };
	struct cg_hmac *h = cg_hmac_new(key);
	int ret;

	if (!h)
		return -1;
	ret = cg_hmac_compute(h, &part, 1, mac);
	cg_hmac_free(h);
	return ret;
}

void test_content_key(uint8_t ck[CG_RECORD_CONTENT_KEY_LEN], uint32_t sequence)
{
	unsigned int i;

	for (i = 0; i < CG_RECORD_CONTENT_KEY_LEN; i++)
		ck[i] = (uint8_t)(0xc0 + i + sequence * 13);
}

size_t test_record(const struct test_frame *f, const uint8_t *key,
		   const uint8_t *tag_key, const void *payload,
		   size_t payload_len, uint8_t **out)
{
	size_t len = cg_record_wire_len(cg_record_payload_len(payload_len));
	uint8_t ck[CG_RECORD_CONTENT_KEY_LEN];
	struct cg_record_header h;
	struct cg_record_keys *k;
	uint8_t *buf;
	long ret;

	memset(&h, 0, sizeof(h));
	h.version = CG_RECORD_VERSION;
	h.payload_type = CG_RECORD_TYPE_JPEG;
	h.channel_id = f->channel_id;
	h.sequence = f->sequence;
	h.stream_id = f->stream_id;
	h.capture_ns = f->send_ns - 1000;
	h.send_ns = f->send_ns;
	test_tag(f, h.tag);
	if (test_mac(tag_key ? tag_key : key, h.tag, CG_TAG_LEN, h.kernel_mac))
		return 0;

	buf = malloc(len);
	k = cg_record_keys_new(key);
	test_content_key(ck, f->sequence);
	ret = buf && k ? cg_record_encode(&h, payload, payload_len, k, ck,
					  buf, len) : -1;
	cg_record_keys_free(k);
	if (ret != (long)len) {
		free(buf);
		return 0;
	}
	*out = buf;
	return len;
}

int test_reseal(uint8_t *rec, size_t len, const uint8_t *key)
{
	uint8_t seal_key[32], wrap_key[32];
	const struct cg_hmac_part part = { rec, CG_RECORD_OFF_SEAL };
	struct cg_hmac *h;
	int ret;

	if (len < cg_record_wire_len(0) ||
	    cg_record_derive(key, seal_key, wrap_key))
		return -1;
	h = cg_hmac_new(seal_key);
	ret = h ? cg_hmac_compute(h, &part, 1, rec + CG_RECORD_OFF_SEAL) : -1;
	cg_hmac_free(h);
	return ret;
}

int test_reencrypt(uint8_t *rec, size_t len, const uint8_t *key,
		   const void *plain, size_t plain_len)
{
	uint8_t ck[CG_RECORD_CONTENT_KEY_LEN];
	struct cg_record_header h;
	struct cg_record_keys *k;
	int ret = -1;

	if (len != cg_record_wire_len(cg_record_payload_len(plain_len)) ||
	    cg_record_header_unpack(rec, CG_RECORD_MAX_PAYLOAD_LIMIT, &h))
		return -1;
	k = cg_record_keys_new(key);
	test_content_key(ck, h.sequence);
	if (k && !cg_record_encrypt(&h, ck, plain, plain_len,
				    rec + CG_RECORD_HEADER_LEN, h.digest))
		ret = cg_record_seal_header(k, &h, ck, h.digest, rec);
	cg_record_keys_free(k);
	return ret;
}
