// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the record format (version 2): packing, key derivation, sealing,
 * encryption and opening against the documented vector, and the
 * incremental decoder under every way a hostile or broken peer can cut,
 * flip, stretch or shrink a record stream.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/hmac.h>

#include "le.h"
#include "record_helpers.h"
#include "unit.h"

#define MAX_RESULTS	64

static const struct test_frame frame1 = {
	.camera = 3, .channel_id = 7, .stream_id = 0x1122334455667788ull,
	.sequence = 41, .owner_uid = 1000, .owner_gid = 1000,
	.send_ns = 1700000000000000000ull,
};

static const char payload1[] = "\xff\xd8 not really a JPEG \xff\xd9";

struct results {
	enum cg_record_status st[MAX_RESULTS];
	uint32_t seq[MAX_RESULTS];	/* of records returned */
	unsigned int n;
	size_t used;			/* bytes the decoder took */
};

/*
 * Feed @buf to @d in chunks of @chunk bytes (0: a pseudo-random size per
 * chunk), each chunk in an allocation of exactly its size so that a read
 * past the input is caught by valgrind. Records every status but
 * NEED_MORE, then the status of cg_record_decoder_finish().
 */
static void feed(struct cg_record_decoder *d, const uint8_t *buf, size_t len,
		 size_t chunk, uint64_t seed, struct results *r)
{
	size_t pos = 0;

	memset(r, 0, sizeof(*r));
	while (pos < len) {
		size_t n = chunk ? chunk : 1 + rnd_u32(&seed) % 97, off = 0;
		uint8_t *piece;

		if (n > len - pos)
			n = len - pos;
		piece = malloc(n);
		ck_assert_ptr_nonnull(piece);
		memcpy(piece, buf + pos, n);
		while (off < n) {
			struct cg_record rec;
			enum cg_record_status st;
			size_t used = 99999;

			st = cg_record_decode(d, piece + off, n - off, &used,
					      &rec);
			ck_assert_uint_le(used, n - off);
			off += used;
			r->used += used;
			if (st == CG_RECORD_NEED_MORE) {
				ck_assert_uint_eq(off, n);
				continue;
			}
			ck_assert_uint_lt(r->n, MAX_RESULTS);
			r->seq[r->n] = st == CG_RECORD_OK ? rec.hdr.sequence : 0;
			r->st[r->n++] = st;
			if (cg_record_status_fatal(st))
				break;
		}
		free(piece);
		if (r->n && cg_record_status_fatal(r->st[r->n - 1]))
			break;
		pos += n;
	}
	ck_assert_uint_lt(r->n, MAX_RESULTS);
	r->st[r->n++] = cg_record_decoder_finish(d);
}

static struct cg_record_keys *key_ctx(unsigned int seed)
{
	uint8_t key[CAMGUARD_KEY_LEN];
	struct cg_record_keys *k;

	test_key(key, seed);
	k = cg_record_keys_new(key);
	ck_assert_ptr_nonnull(k);
	return k;
}

/* Open @rec (decoded) under @k: the status, and the cleartext checked. */
static enum cg_record_status open_rec(struct cg_record_keys *k,
				      const struct cg_record *rec,
				      const void *want, size_t want_len)
{
	uint8_t *plain = malloc(rec->hdr.payload_len + 1);
	enum cg_record_status st;
	size_t n = 12345;

	ck_assert_ptr_nonnull(plain);
	st = cg_record_open(k, rec, plain, &n);
	if (st == CG_RECORD_OK) {
		ck_assert_uint_eq(n, want_len);
		ck_assert_int_eq(memcmp(plain, want, n), 0);
	} else {
		ck_assert_uint_eq(n, 0);
	}
	free(plain);
	return st;
}

static uint8_t *record1(size_t *len)
{
	uint8_t key[CAMGUARD_KEY_LEN];
	uint8_t *rec = NULL;

	test_key(key, 1);
	*len = test_record(&frame1, key, NULL, payload1, sizeof(payload1),
			   &rec);
	ck_assert_uint_eq(*len, cg_record_wire_len(
		cg_record_payload_len(sizeof(payload1))));
	return rec;
}

START_TEST(test_header_layout)
{
	struct cg_record_header h, back;
	uint8_t raw[CG_RECORD_HEADER_LEN];
	unsigned int i;

	memset(&h, 0, sizeof(h));
	h.version = CG_RECORD_VERSION;
	h.payload_type = CG_RECORD_TYPE_JPEG;
	h.payload_len = 0x01020304;
	h.channel_id = 0x0a0b0c0d;
	h.sequence = 0xfffffffe;
	h.stream_id = 0x8877665544332211ull;
	h.capture_ns = 0x0102030405060708ull;
	h.send_ns = 0x1112131415161718ull;
	for (i = 0; i < CG_TAG_LEN; i++)
		h.tag[i] = (uint8_t)(0x80 + i);
	for (i = 0; i < CAMGUARD_MAC_LEN; i++)
		h.kernel_mac[i] = (uint8_t)(0x20 + i);
	for (i = 0; i < CG_RECORD_WRAPPED_KEY_LEN; i++)
		h.wrapped_key[i] = (uint8_t)(0x40 + i);
	for (i = 0; i < CG_RECORD_DIGEST_LEN; i++)
		h.digest[i] = (uint8_t)(0x70 + i);
	ck_assert_int_eq(cg_record_header_pack(&h, raw), 0);
	memset(&back, 0, sizeof(back));	/* padding compares equal */

	/* The bytes docs/record-format.md promises. */
	ck_assert_int_eq(memcmp(raw, "CGRD\x02\x01\x00\x01", 8), 0);
	ck_assert_int_eq(memcmp(raw + 8, "\0\0\0\0\x04\x03\x02\x01", 8), 0);
	ck_assert_int_eq(memcmp(raw + 16, "\x0d\x0c\x0b\x0a\xfe\xff\xff\xff", 8),
			 0);
	ck_assert_int_eq(memcmp(raw + 24, "\x11\x22\x33\x44\x55\x66\x77\x88", 8),
			 0);
	ck_assert_uint_eq(cg_get_le64(raw + 32), h.capture_ns);
	ck_assert_uint_eq(cg_get_le64(raw + 40), h.send_ns);
	ck_assert_int_eq(memcmp(raw + 48, h.tag, CG_TAG_LEN), 0);
	ck_assert_int_eq(memcmp(raw + 120, h.kernel_mac, CAMGUARD_MAC_LEN), 0);
	ck_assert_int_eq(memcmp(raw + 152, h.wrapped_key, 40), 0);
	ck_assert_int_eq(memcmp(raw + 192, h.digest, 32), 0);

	ck_assert_int_eq(cg_record_header_unpack(raw, CG_RECORD_MAX_PAYLOAD_LIMIT,
						 &back), CG_RECORD_OK);
	ck_assert_int_eq(memcmp(&h, &back, sizeof(h)), 0);
	/* The same payload length is oversize under a smaller limit. */
	ck_assert_int_eq(cg_record_header_unpack(raw, 0x01020303, &back),
			 CG_RECORD_OVERSIZE);
}
END_TEST

START_TEST(test_header_pack_rejects)
{
	struct cg_record_header h;
	uint8_t raw[CG_RECORD_HEADER_LEN];

	memset(&h, 0, sizeof(h));
	h.version = CG_RECORD_VERSION;
	h.payload_type = CG_RECORD_TYPE_JPEG;
	h.payload_len = CG_RECORD_PAYLOAD_OVERHEAD;
	ck_assert_int_eq(cg_record_header_pack(&h, raw), 0);
	/* Version 1 (cleartext) is not written any more. */
	h.version = 1;
	ck_assert_int_eq(cg_record_header_pack(&h, raw), -EINVAL);
	h.version = CG_RECORD_VERSION;
	/* A payload cannot be shorter than its GCM tag. */
	h.payload_len = CG_RECORD_PAYLOAD_OVERHEAD - 1;
	ck_assert_int_eq(cg_record_header_pack(&h, raw), -EINVAL);
	h.payload_len = CG_RECORD_PAYLOAD_OVERHEAD;
	h.version = CG_RECORD_VERSION;
	h.payload_type = 2;
	ck_assert_int_eq(cg_record_header_pack(&h, raw), -EINVAL);
	h.payload_type = CG_RECORD_TYPE_JPEG;
	h.flags = 1;
	ck_assert_int_eq(cg_record_header_pack(&h, raw), -EINVAL);
	h.flags = 0;
	h.payload_len = CG_RECORD_MAX_PAYLOAD_LIMIT + 1;
	ck_assert_int_eq(cg_record_header_pack(&h, raw), -EINVAL);
	ck_assert_int_eq(cg_record_header_pack(NULL, raw), -EINVAL);
}
END_TEST

/*
 * The seal is plain HMAC-SHA256 over the first 224 header bytes under the
 * HKDF-derived seal key: check it with OpenSSL's one-shot HMAC(), as a
 * third-party display would; and the kernel MAC is HMAC-SHA256 under the
 * raw channel key over the 72 tag bytes, as before.
 */
START_TEST(test_seal_is_hmac_sha256)
{
	uint8_t key[CAMGUARD_KEY_LEN], sk[32], wk[32], mac[32];
	unsigned int mac_len = 0;
	size_t len;
	uint8_t *rec = record1(&len);

	test_key(key, 1);
	ck_assert_int_eq(cg_record_derive(key, sk, wk), 0);
	ck_assert_int_ne(memcmp(sk, wk, 32), 0);
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), sk, sizeof(sk), rec,
				   CG_RECORD_OFF_SEAL, mac, &mac_len));
	ck_assert_uint_eq(mac_len, 32);
	ck_assert_int_eq(memcmp(mac, rec + CG_RECORD_OFF_SEAL, 32), 0);
	/* Not under the raw channel key: that one is the kernel's. */
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, sizeof(key), rec,
				   CG_RECORD_OFF_SEAL, mac, &mac_len));
	ck_assert_int_ne(memcmp(mac, rec + CG_RECORD_OFF_SEAL, 32), 0);
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, sizeof(key),
				   rec + CG_RECORD_OFF_TAG, CG_TAG_LEN, mac,
				   &mac_len));
	ck_assert_int_eq(memcmp(mac, rec + CG_RECORD_OFF_KERNEL_MAC, 32), 0);
	/* The payload is not the cleartext. */
	ck_assert_int_ne(memcmp(rec + CG_RECORD_HEADER_LEN, payload1,
				sizeof(payload1)), 0);
	free(rec);
}
END_TEST

/*
 * The example of docs/record-format.md ("Test vector"), byte for byte: a
 * third-party display can check its derivation, wrapping, encryption and
 * encoder against the same hex.
 */
static const char doc_seal_key[] =
	"d1b432bb923851d9409e92b7bc7a5403a46f693637fe34703c7b46c99a650055";
static const char doc_wrap_key[] =
	"32f9122f623ae07d347578788f4cb59f896b434764dec7aa51801c33ee90858a";
static const char doc_wrapped_key[] =
	"5145a012504b2aa575fe75ebcc1b22b6c2db199ec84e93134907f919faf813e1"
	"c0eea27cdf91368c";
static const char doc_payload[] =	/* ciphertext (4 bytes), GCM tag */
	"4179efae" "9422f7fce49b65e8e8cab5e7047c6941";
static const char doc_vector[] =
	"43475244020100010000000014000000"
	"070000002a0000005544332211000000"
	"00002a36fe9c9717404b7636fe9c9717"
	"010002002a0000005544332211000000"
	"081a99be1c00000000600900e8030000"
	"e803000007000000d0d1d2d3d4d5d6d7"
	"d8d9dadbdcdddedfd0d1d2d3d4d5d6d7"
	"d8d9dadbdcdddedfbeba7ef69e83eb9e"
	"3ec210168689e937e41a04b659e60b84"
	"b02df8ea5f1e5bf55145a012504b2aa5"
	"75fe75ebcc1b22b6c2db199ec84e9313"
	"4907f919faf813e1c0eea27cdf91368c"
	"d902b697dc17e4b3f6628ef28fc4f5e6"
	"2e351e4544929e2893cdf1047704687e"
	"7097c805a1f43c05772d31b9f9bafefc"
	"c7d698584f7b925b545a6cb4c65b4f5a"
	"4179efae9422f7fce49b65e8e8cab5e7"
	"047c6941";

static size_t unhex(const char *hex, uint8_t *out, size_t size)
{
	size_t n = strlen(hex) / 2, i;
	unsigned int b;

	ck_assert_uint_le(n, size);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
	return n;
}

/*
 * The primitives against their standards' own vectors, so a failure says
 * which one is off before any record is built: RFC 5869 A.3 (HKDF-SHA256,
 * no salt, no info), RFC 3394 4.6 (256-bit key wrapped under a 256-bit
 * KEK), and the GCM specification's test cases 13 and 14 (AES-256, zero
 * key, zero 96-bit nonce: the nonce records use).
 */
START_TEST(test_primitives)
{
	uint8_t ikm[22], okm[42], want[64], kek[32], key[32], out[48];
	static const uint8_t zero[32];
	unsigned int i;

	memset(ikm, 0x0b, sizeof(ikm));
	ck_assert_int_eq(cg_hkdf_sha256(ikm, sizeof(ikm), "", okm, 42), 0);
	unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c73"
	      "8d2d9d201395faa4b61a96c8", want, sizeof(want));
	ck_assert_int_eq(memcmp(okm, want, 42), 0);

	for (i = 0; i < 32; i++)
		kek[i] = (uint8_t)i;
	unhex("00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f",
	      key, sizeof(key));
	ck_assert_int_eq(cg_aes_kw_wrap(kek, key, out), 0);
	unhex("28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43b"
	      "fb988b9b7a02dd21", want, sizeof(want));
	ck_assert_int_eq(memcmp(out, want, 40), 0);
	memset(key, 0xee, sizeof(key));
	ck_assert_int_eq(cg_aes_kw_unwrap(kek, out, key), 0);
	unhex("00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f",
	      want, sizeof(want));
	ck_assert_int_eq(memcmp(key, want, 32), 0);
	/* A flipped bit fails the integrity check, and nothing is left. */
	out[17] ^= 1;
	ck_assert_int_eq(cg_aes_kw_unwrap(kek, out, key), -EBADMSG);
	ck_assert_int_eq(memcmp(key, zero, 32), 0);
	out[17] ^= 1;
	kek[0] ^= 1;
	ck_assert_int_eq(cg_aes_kw_unwrap(kek, out, key), -EBADMSG);

	/* Test case 13: no plaintext, the tag alone. */
	ck_assert_int_eq(cg_gcm_seal(zero, zero, NULL, 0, NULL, 0, out,
				     out + 32), 0);
	unhex("530f8afbc74536b9a963b4f1c4cb738b", want, sizeof(want));
	ck_assert_int_eq(memcmp(out + 32, want, 16), 0);
	/* Test case 14: one zero block. */
	ck_assert_int_eq(cg_gcm_seal(zero, zero, NULL, 0, zero, 16, out,
				     out + 32), 0);
	unhex("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919",
	      want, sizeof(want));
	ck_assert_int_eq(memcmp(out, want, 16), 0);
	ck_assert_int_eq(memcmp(out + 32, want + 16, 16), 0);
	ck_assert_int_eq(cg_gcm_open(zero, zero, NULL, 0, out, 16, out + 32,
				     key), 0);
	ck_assert_int_eq(memcmp(key, zero, 16), 0);
	/* A wrong tag or other associated data: refused, output wiped. */
	out[32] ^= 1;
	memset(key, 0xee, 16);
	ck_assert_int_eq(cg_gcm_open(zero, zero, NULL, 0, out, 16, out + 32,
				     key), -EBADMSG);
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(key[i], 0);
	out[32] ^= 1;
	ck_assert_int_eq(cg_gcm_open(zero, zero, (const uint8_t *)"x", 1, out,
				     16, out + 32, key), -EBADMSG);
}
END_TEST

START_TEST(test_doc_vector)
{
	uint8_t key[CAMGUARD_KEY_LEN], ck[32], want[512], out[512];
	uint8_t sk[32], wk[32], plain[8];
	struct cg_hmac_part part = { NULL, CG_TAG_LEN };
	struct cg_record_decoder d;
	struct cg_record_header h;
	struct cg_record_keys *rk;
	struct cg_frame_tag t;
	struct cg_record rec;
	struct cg_hmac *k;
	unsigned int i;
	size_t n, used, plain_len;

	for (i = 0; i < CAMGUARD_KEY_LEN; i++) {
		key[i] = (uint8_t)i;
		ck[i] = (uint8_t)(0xa0 + i);
	}
	memset(&t, 0, sizeof(t));
	t.version = 1;
	t.camera = 2;
	t.sequence = 42;
	t.stream_id = 0x1122334455ull;
	t.timestamp_ns = 123456789000ull;
	t.payload_len = 614400;
	t.owner_uid = 1000;
	t.owner_gid = 1000;
	t.channel_id = 7;
	for (i = 0; i < CAMGUARD_DIGEST_LEN; i++)
		t.digest[i] = (uint8_t)(0xd0 + i % 16);
	memset(&h, 0, sizeof(h));
	h.version = CG_RECORD_VERSION;
	h.payload_type = CG_RECORD_TYPE_JPEG;
	h.channel_id = 7;
	h.sequence = 42;
	h.stream_id = t.stream_id;
	h.capture_ns = 1700000000000000000ull;
	h.send_ns = 1700000000005000000ull;
	cg_frame_tag_pack(&t, h.tag);
	k = cg_hmac_new(key);
	ck_assert_ptr_nonnull(k);
	part.data = h.tag;
	ck_assert_int_eq(cg_hmac_compute(k, &part, 1, h.kernel_mac), 0);
	cg_hmac_free(k);

	/* The derived keys. */
	ck_assert_int_eq(cg_record_derive(key, sk, wk), 0);
	ck_assert_uint_eq(unhex(doc_seal_key, want, sizeof(want)), 32);
	ck_assert_int_eq(memcmp(sk, want, 32), 0);
	ck_assert_uint_eq(unhex(doc_wrap_key, want, sizeof(want)), 32);
	ck_assert_int_eq(memcmp(wk, want, 32), 0);
	/* The wrapped content key (RFC 3394, default IV). */
	ck_assert_int_eq(cg_aes_kw_wrap(wk, ck, out), 0);
	ck_assert_uint_eq(unhex(doc_wrapped_key, want, sizeof(want)), 40);
	ck_assert_int_eq(memcmp(out, want, 40), 0);

	/* The whole record, and its payload alone. */
	rk = cg_record_keys_new(key);
	ck_assert_ptr_nonnull(rk);
	n = unhex(doc_vector, want, sizeof(want));
	ck_assert_uint_eq(n, 276);
	ck_assert_int_eq(cg_record_encode(&h, "\xff\xd8\xff\xd9", 4, rk, ck, out,
					  sizeof(out)), (long)n);
	ck_assert_int_eq(memcmp(out, want, n), 0);
	ck_assert_uint_eq(unhex(doc_payload, want, sizeof(want)), 20);
	ck_assert_int_eq(memcmp(out + CG_RECORD_HEADER_LEN, want, 20), 0);

	/* And it decodes, verifies and opens to the JPEG bytes. */
	ck_assert_int_eq(cg_record_decoder_init(&d, 64, rk), 0);
	ck_assert_int_eq(cg_record_decode(&d, out, n, &used, &rec),
			 CG_RECORD_OK);
	ck_assert_uint_eq(used, n);
	ck_assert_int_eq(cg_record_open(rk, &rec, plain, &plain_len),
			 CG_RECORD_OK);
	ck_assert_uint_eq(plain_len, 4);
	ck_assert_int_eq(memcmp(plain, "\xff\xd8\xff\xd9", 4), 0);
	cg_record_decoder_release(&d);
	cg_record_keys_free(rk);
}
END_TEST

START_TEST(test_encode_rejects)
{
	struct cg_record_header h;
	struct cg_record_keys *key = key_ctx(1);
	uint8_t out[512], ck[CG_RECORD_CONTENT_KEY_LEN] = { 1 };

	memset(&h, 0, sizeof(h));
	h.version = CG_RECORD_VERSION;
	h.payload_type = CG_RECORD_TYPE_JPEG;
	ck_assert_int_eq(cg_record_encode(&h, "x", 1, key, ck, out,
					  sizeof(out)),
			 (long)cg_record_wire_len(cg_record_payload_len(1)));
	/* payload_len comes from the argument, not the header */
	h.payload_len = 9999;
	ck_assert_int_eq(cg_record_encode(&h, "", 0, key, ck, out,
					  sizeof(out)),
			 (long)cg_record_wire_len(cg_record_payload_len(0)));
	ck_assert_uint_eq(cg_get_le32(out + CG_RECORD_OFF_PAYLOAD_LEN),
			  CG_RECORD_PAYLOAD_OVERHEAD);
	ck_assert_int_eq(cg_record_encode(&h, "x", 1, key, ck, out,
			 cg_record_wire_len(cg_record_payload_len(1)) - 1),
			 -ENOSPC);
	ck_assert_int_eq(cg_record_encode(&h, NULL, 1, key, ck, out,
					  sizeof(out)), -EINVAL);
	ck_assert_int_eq(cg_record_encode(&h, "x", 1, NULL, ck, out,
					  sizeof(out)), -EINVAL);
	ck_assert_int_eq(cg_record_encode(&h, "x", 1, key, NULL, out,
					  sizeof(out)), -EINVAL);
	ck_assert_int_eq(cg_record_encode(&h, "x",
					  CG_RECORD_MAX_PAYLOAD_LIMIT + 1ul,
					  key, ck, out, sizeof(out)), -EINVAL);
	/* A length that would wrap when the tag is added. */
	ck_assert_int_eq(cg_record_encode(&h, "x", SIZE_MAX - 4, key, ck, out,
					  sizeof(out)), -EINVAL);
	ck_assert_int_eq(cg_record_encrypt(&h, ck, "x", SIZE_MAX - 4, out,
					   out + 256), -EINVAL);
	/* The limit bounds the payload as sent, GCM tag included. */
	ck_assert_int_eq(cg_record_encode(&h, "x",
					  CG_RECORD_MAX_PAYLOAD_LIMIT -
					  CG_RECORD_PAYLOAD_OVERHEAD + 1ul,
					  key, ck, out, sizeof(out)), -EINVAL);
	h.flags = 0x80;
	ck_assert_int_eq(cg_record_encode(&h, "x", 1, key, ck, out,
					  sizeof(out)), -EINVAL);
	cg_record_keys_free(key);
}
END_TEST

START_TEST(test_decoder_init)
{
	struct cg_record_decoder d;

	ck_assert_int_eq(cg_record_decoder_init(&d, 0, NULL), -EINVAL);
	ck_assert_int_eq(cg_record_decoder_init(&d,
						CG_RECORD_MAX_PAYLOAD_LIMIT + 1,
						NULL), -EINVAL);
	ck_assert_int_eq(cg_record_decoder_init(NULL, 1, NULL), -EINVAL);
	ck_assert_int_eq(cg_record_decoder_init(&d, CG_RECORD_MAX_PAYLOAD_LIMIT,
						NULL), 0);
	/* An idle decoder has nothing pending and allocated nothing. */
	ck_assert_int_eq(cg_record_decoder_finish(&d), CG_RECORD_OK);
	ck_assert_ptr_null(d.buf);
	cg_record_decoder_release(&d);
}
END_TEST

/* One record, cut at every possible chunk size: the same single result. */
START_TEST(test_decode_chunked)
{
	struct cg_record_keys *key = key_ctx(1);
	struct cg_record_decoder d;
	struct results r;
	size_t len, chunk;
	uint8_t *rec = record1(&len);

	ck_assert_int_eq(cg_record_decoder_init(&d, 4096, key), 0);
	for (chunk = 0; chunk <= len + 1; chunk++) {
		feed(&d, rec, len, chunk, chunk, &r);
		ck_assert_uint_eq(r.n, 2);
		ck_assert_int_eq(r.st[0], CG_RECORD_OK);
		ck_assert_uint_eq(r.seq[0], frame1.sequence);
		ck_assert_int_eq(r.st[1], CG_RECORD_OK);
		ck_assert_uint_eq(r.used, len);
	}
	cg_record_decoder_release(&d);
	cg_record_keys_free(key);
	free(rec);
}
END_TEST

/* What a decoded record holds: every header field, payload and seal. */
START_TEST(test_decode_fields)
{
	struct cg_record_decoder d;
	struct cg_frame_tag tag;
	struct cg_record rec;
	size_t len, used;
	uint8_t *buf = record1(&len);

	ck_assert_int_eq(cg_record_decoder_init(&d, 4096, NULL), 0);
	ck_assert_int_eq(cg_record_decode(&d, buf, len, &used, &rec),
			 CG_RECORD_OK);
	ck_assert_uint_eq(used, len);
	ck_assert_uint_eq(rec.hdr.version, 2);
	ck_assert_uint_eq(rec.hdr.payload_type, CG_RECORD_TYPE_JPEG);
	ck_assert_uint_eq(rec.hdr.payload_len,
			  cg_record_payload_len(sizeof(payload1)));
	ck_assert_uint_eq(rec.hdr.channel_id, frame1.channel_id);
	ck_assert_uint_eq(rec.hdr.sequence, frame1.sequence);
	ck_assert_uint_eq(rec.hdr.stream_id, frame1.stream_id);
	ck_assert_uint_eq(rec.hdr.send_ns, frame1.send_ns);
	ck_assert_uint_eq(rec.hdr.capture_ns, frame1.send_ns - 1000);
	/* Encrypted: the cleartext is nowhere in the record. */
	ck_assert_ptr_null(memmem(buf, len, payload1, sizeof(payload1)));
	ck_assert_int_eq(memcmp(rec.payload, buf + CG_RECORD_HEADER_LEN,
				rec.hdr.payload_len), 0);
	ck_assert_int_eq(memcmp(rec.raw_header, buf, CG_RECORD_HEADER_LEN), 0);
	ck_assert_int_eq(memcmp(rec.seal, buf + CG_RECORD_OFF_SEAL, 32), 0);
	ck_assert_int_eq(memcmp(rec.hdr.wrapped_key,
				buf + CG_RECORD_OFF_WRAPPED_KEY, 40), 0);
	ck_assert_int_eq(memcmp(rec.hdr.digest, buf + CG_RECORD_OFF_DIGEST,
				32), 0);
	cg_frame_tag_unpack(rec.hdr.tag, &tag);
	ck_assert_uint_eq(tag.version, CAMGUARD_TAG_VERSION);
	ck_assert_uint_eq(tag.camera, frame1.camera);
	ck_assert_uint_eq(tag.owner_uid, frame1.owner_uid);
	ck_assert_uint_eq(tag.stream_id, frame1.stream_id);
	cg_record_decoder_release(&d);
	free(buf);
}
END_TEST

/* Many records of many sizes back to back, randomly chunked. */
START_TEST(test_decode_stream)
{
	uint8_t key[CAMGUARD_KEY_LEN], *stream = NULL, *payload;
	struct cg_record_keys *kctx = key_ctx(2);
	struct test_frame f = frame1;
	struct cg_record_decoder d;
	size_t total = 0, len, i;
	struct results r;
	uint64_t rnd = 3;
	unsigned int n;

	test_key(key, 2);
	payload = malloc(5000);
	ck_assert_ptr_nonnull(payload);
	rnd_fill(&rnd, payload, 5000);
	for (n = 0; n < 40; n++) {
		uint8_t *rec;

		f.sequence = n;
		len = test_record(&f, key, NULL, payload, (n * 397) % 5000,
				  &rec);
		ck_assert_uint_gt(len, 0);
		stream = realloc(stream, total + len);
		ck_assert_ptr_nonnull(stream);
		memcpy(stream + total, rec, len);
		total += len;
		free(rec);
	}
	ck_assert_int_eq(cg_record_decoder_init(&d, cg_record_payload_len(5000),
						kctx), 0);
	for (i = 0; i < 5; i++) {
		feed(&d, stream, total, i == 4 ? total : 0, i, &r);
		ck_assert_uint_eq(r.n, 41);
		for (n = 0; n < 40; n++) {
			ck_assert_int_eq(r.st[n], CG_RECORD_OK);
			ck_assert_uint_eq(r.seq[n], n);
		}
		ck_assert_int_eq(r.st[40], CG_RECORD_OK);
		/* Never more than one record's worth of memory. */
		ck_assert_uint_le(d.cap, cg_record_wire_len(
			cg_record_payload_len(5000)));
	}
	cg_record_decoder_release(&d);
	cg_record_keys_free(kctx);
	free(payload);
	free(stream);
}
END_TEST

/* Every proper prefix is NEED_MORE, then TRUNCATED at the end. */
START_TEST(test_decode_truncated)
{
	struct cg_record_decoder d;
	struct results r;
	size_t len, cut;
	uint8_t *rec = record1(&len);

	ck_assert_int_eq(cg_record_decoder_init(&d, 4096, NULL), 0);
	for (cut = 1; cut < len; cut++) {
		cg_record_decoder_reset(&d);
		feed(&d, rec, cut, 0, cut, &r);
		ck_assert_uint_eq(r.n, 1);
		ck_assert_int_eq(r.st[0], CG_RECORD_TRUNCATED);
		ck_assert_uint_eq(r.used, cut);
		/* Sticky: no more input is taken. */
		ck_assert_int_eq(cg_record_decoder_finish(&d),
				 CG_RECORD_TRUNCATED);
	}
	/* Nothing at all is a clean end. */
	cg_record_decoder_reset(&d);
	feed(&d, rec, 0, 0, 0, &r);
	ck_assert_int_eq(r.st[0], CG_RECORD_OK);
	cg_record_decoder_release(&d);
	free(rec);
}
END_TEST

/*
 * Flip every bit of the record, header, seal and payload: never accepted,
 * and each field fails in the way its meaning says. A flip in the payload
 * passes the decoder (its seal covers the header) and is refused when the
 * record is opened: the sealed digest names other bytes.
 */
START_TEST(test_decode_bit_flips)
{
	struct cg_record_keys *key = key_ctx(1);
	struct cg_record_decoder d;
	struct results r;
	size_t len, i;
	unsigned int bit;
	uint8_t *rec = record1(&len);

	ck_assert_int_eq(cg_record_decoder_init(&d, 4096, key), 0);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			enum cg_record_status want;
			unsigned int k;

			rec[i] ^= (uint8_t)(1u << bit);
			if (i >= CG_RECORD_HEADER_LEN) {
				struct cg_record one;
				size_t used;

				cg_record_decoder_reset(&d);
				ck_assert_int_eq(cg_record_decode(&d, rec, len,
								  &used, &one),
						 CG_RECORD_OK);
				ck_assert_int_eq(open_rec(key, &one, payload1,
							  sizeof(payload1)),
						 CG_RECORD_BAD_PAYLOAD);
				rec[i] ^= (uint8_t)(1u << bit);
				continue;
			}
			cg_record_decoder_reset(&d);
			feed(&d, rec, len, 0, i * 8 + bit, &r);
			rec[i] ^= (uint8_t)(1u << bit);

			for (k = 0; k < r.n; k++)
				ck_assert_msg(r.st[k] != CG_RECORD_OK ||
					      k == r.n - 1,
					      "byte %zu bit %u accepted", i,
					      bit);
			if (i < 4)
				want = CG_RECORD_BAD_MAGIC;
			else if (i == CG_RECORD_OFF_VERSION)
				want = CG_RECORD_BAD_VERSION;
			else if (i == CG_RECORD_OFF_TYPE)
				want = CG_RECORD_BAD_TYPE;
			else if (i < CG_RECORD_OFF_FLAGS)
				want = CG_RECORD_BAD_HEADER_LEN;
			else if (i < CG_RECORD_OFF_PAYLOAD_LEN)
				want = CG_RECORD_BAD_FLAGS;
			else if (i < CG_RECORD_OFF_CHANNEL)
				want = CG_RECORD_NR_STATUS;	/* below */
			else
				want = CG_RECORD_BAD_SEAL;
			if (want == CG_RECORD_NR_STATUS) {
				/*
				 * Payload length: longer runs past the data
				 * (truncated) or over the limit; shorter ends
				 * the record early (bad seal) and the rest
				 * is not a record (bad magic).
				 */
				ck_assert_msg(r.st[0] == CG_RECORD_TRUNCATED ||
					      r.st[0] == CG_RECORD_OVERSIZE ||
					      (r.st[0] == CG_RECORD_BAD_SEAL &&
					       (r.st[1] == CG_RECORD_BAD_MAGIC ||
						r.st[1] == CG_RECORD_TRUNCATED)),
					      "byte %zu bit %u: %s", i, bit,
					      cg_record_status_name(r.st[0]));
			} else {
				ck_assert_msg(r.st[0] == want,
					      "byte %zu bit %u: %s, not %s", i,
					      bit,
					      cg_record_status_name(r.st[0]),
					      cg_record_status_name(want));
				/* A sealed-field flip leaves framing intact. */
				if (want == CG_RECORD_BAD_SEAL)
					ck_assert_int_eq(r.st[1], CG_RECORD_OK);
			}
		}
	}
	cg_record_decoder_release(&d);
	cg_record_keys_free(key);
	free(rec);
}
END_TEST

/* The first wrong byte ends the stream, before anything is allocated. */
START_TEST(test_decode_fails_early)
{
	static const uint8_t not_cg[] = "GET / HTTP/1.1\r\n";
	struct cg_record_decoder d;
	struct cg_record rec;
	uint8_t head[16];
	size_t used;

	ck_assert_int_eq(cg_record_decoder_init(&d, 1024, NULL), 0);
	ck_assert_int_eq(cg_record_decode(&d, not_cg, sizeof(not_cg), &used,
					  &rec), CG_RECORD_BAD_MAGIC);
	ck_assert_uint_le(used, sizeof(not_cg));
	/* Sticky, and takes nothing more. */
	ck_assert_int_eq(cg_record_decode(&d, "CGRD", 4, &used, &rec),
			 CG_RECORD_BAD_MAGIC);
	ck_assert_uint_eq(used, 0);
	ck_assert_int_eq(cg_record_decoder_finish(&d), CG_RECORD_BAD_MAGIC);

	/* A reset decoder reads a new stream. */
	cg_record_decoder_reset(&d);
	ck_assert_int_eq(cg_record_decode(&d, "CG", 2, &used, &rec),
			 CG_RECORD_NEED_MORE);
	ck_assert_int_eq(cg_record_decode(&d, "X", 1, &used, &rec),
			 CG_RECORD_BAD_MAGIC);
	cg_record_decoder_release(&d);

	/* 4 GiB announced: refused after 16 bytes, nothing allocated for it. */
	ck_assert_int_eq(cg_record_decoder_init(&d, 1024, NULL), 0);
	memcpy(head, "CGRD\x02\x01\x00\x01\0\0\0\0\xff\xff\xff\xff", 16);
	ck_assert_int_eq(cg_record_decode(&d, head, 15, &used, &rec),
			 CG_RECORD_NEED_MORE);
	ck_assert_int_eq(cg_record_decode(&d, head + 15, 1, &used, &rec),
			 CG_RECORD_OVERSIZE);
	ck_assert_uint_le(d.cap, CG_RECORD_HEADER_LEN);
	cg_record_decoder_release(&d);
}
END_TEST

/* Exactly at the limit is fine; one byte over is not. */
START_TEST(test_decode_limit)
{
	uint8_t key[CAMGUARD_KEY_LEN], *rec, *payload = calloc(1, 1001);
	struct cg_record_decoder d;
	struct results r;
	size_t len;

	ck_assert_ptr_nonnull(payload);
	test_key(key, 1);
	len = test_record(&frame1, key, NULL, payload, 1000, &rec);
	ck_assert_int_eq(cg_record_decoder_init(&d, cg_record_payload_len(1000),
						NULL), 0);
	feed(&d, rec, len, 0, 1, &r);
	ck_assert_int_eq(r.st[0], CG_RECORD_OK);
	free(rec);
	len = test_record(&frame1, key, NULL, payload, 1001, &rec);
	cg_record_decoder_reset(&d);
	feed(&d, rec, len, 0, 1, &r);
	ck_assert_int_eq(r.st[0], CG_RECORD_OVERSIZE);
	ck_assert_uint_le(r.used, CG_RECORD_HEADER_LEN);	/* in the header */
	cg_record_decoder_release(&d);
	free(rec);
	free(payload);
}
END_TEST

/*
 * A record sealed under another display's key is refused and skipped; the
 * stream goes on with the next record.
 */
START_TEST(test_decode_wrong_key)
{
	uint8_t key1[CAMGUARD_KEY_LEN], key2[CAMGUARD_KEY_LEN], *a, *b, *ab;
	struct cg_record_keys *kctx = key_ctx(1);
	struct test_frame f = frame1;
	struct cg_record_decoder d;
	struct results r;
	size_t la, lb;

	test_key(key1, 1);
	test_key(key2, 2);
	la = test_record(&f, key2, NULL, "abc", 3, &a);
	f.sequence++;
	lb = test_record(&f, key1, NULL, "defg", 4, &b);
	ab = malloc(la + lb);
	ck_assert_ptr_nonnull(ab);
	memcpy(ab, a, la);
	memcpy(ab + la, b, lb);
	ck_assert_int_eq(cg_record_decoder_init(&d, 100, kctx), 0);
	feed(&d, ab, la + lb, 0, 5, &r);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_int_eq(r.st[0], CG_RECORD_BAD_SEAL);
	ck_assert_int_eq(r.st[1], CG_RECORD_OK);
	ck_assert_uint_eq(r.seq[1], f.sequence);
	ck_assert_int_eq(r.st[2], CG_RECORD_OK);
	cg_record_decoder_release(&d);
	cg_record_keys_free(kctx);
	free(a);
	free(b);
	free(ab);
}
END_TEST

/* Random bytes, and random bytes after a valid magic: never a record. */
START_TEST(test_decode_garbage)
{
	struct cg_record_keys *key = key_ctx(1);
	struct cg_record_decoder d;
	struct results r;
	uint64_t rnd = 77;
	uint8_t buf[600];
	unsigned int i, k;

	ck_assert_int_eq(cg_record_decoder_init(&d, 300, key), 0);
	for (i = 0; i < 3000; i++) {
		size_t len = rnd_u32(&rnd) % sizeof(buf);

		rnd_fill(&rnd, buf, len);
		if (i % 2 && len >= 16) {
			memcpy(buf, "CGRD\x02\x01\x00\x01\0\0\0\0", 12);
			buf[13] = buf[14] = buf[15] = 0;	/* < 256 */
		}
		cg_record_decoder_reset(&d);
		feed(&d, buf, len, 0, i, &r);
		for (k = 0; k + 1 < r.n; k++)
			ck_assert_int_ne(r.st[k], CG_RECORD_OK);
		ck_assert_uint_le(d.cap, cg_record_wire_len(300));
	}
	cg_record_decoder_release(&d);
	cg_record_keys_free(key);
}
END_TEST

START_TEST(test_status_names)
{
	unsigned int i, j;

	for (i = 0; i < CG_RECORD_NR_STATUS; i++) {
		const char *name = cg_record_status_name(i);

		ck_assert_ptr_nonnull(name);
		ck_assert_ptr_nonnull(cg_record_status_text(i));
		ck_assert_str_ne(name, "unknown");
		for (j = 0; j < i; j++)
			ck_assert_str_ne(name, cg_record_status_name(j));
	}
	ck_assert_str_eq(cg_record_status_name(CG_RECORD_NR_STATUS), "unknown");
	ck_assert(!cg_record_status_fatal(CG_RECORD_OK));
	ck_assert(!cg_record_status_fatal(CG_RECORD_NEED_MORE));
	ck_assert(cg_record_status_fatal(CG_RECORD_BAD_MAGIC));
	ck_assert(cg_record_status_fatal(CG_RECORD_TRUNCATED));
	ck_assert(!cg_record_status_fatal(CG_RECORD_BAD_SEAL));
	ck_assert(!cg_record_status_fatal(CG_RECORD_REPLAY));
}
END_TEST

START_TEST(test_frame_tag_layout)
{
	struct cg_frame_tag t, back;
	uint8_t raw[CG_TAG_LEN];
	unsigned int i;

	memset(&t, 0, sizeof(t));
	t.version = 1;
	t.flags = CAMGUARD_TAG_F_MUTED;
	t.camera = 0x0201;
	t.sequence = 0x06050403;
	t.stream_id = 0x0e0d0c0b0a090807ull;
	t.timestamp_ns = 0x161514131211100full;
	t.payload_len = 0x1a191817;
	t.owner_uid = 0x1e1d1c1b;
	t.owner_gid = 0x2221201f;
	t.channel_id = 0x26252423;
	for (i = 0; i < CAMGUARD_DIGEST_LEN; i++)
		t.digest[i] = (uint8_t)(0x27 + i);
	cg_frame_tag_pack(&t, raw);
	/* Fields in uapi order with no padding: byte i holds i after 0x01. */
	ck_assert_uint_eq(raw[0], 1);
	ck_assert_uint_eq(raw[1], CAMGUARD_TAG_F_MUTED);
	for (i = 2; i < CG_TAG_LEN; i++)
		ck_assert_uint_eq(raw[i], i - 1);
	cg_frame_tag_unpack(raw, &back);
	ck_assert_int_eq(memcmp(&t, &back, sizeof(t)), 0);
}
END_TEST

Suite *record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc;

	tc = tcase_create("format");
	tcase_add_test(tc, test_header_layout);
	tcase_add_test(tc, test_header_pack_rejects);
	tcase_add_test(tc, test_seal_is_hmac_sha256);
	tcase_add_test(tc, test_primitives);
	tcase_add_test(tc, test_doc_vector);
	tcase_add_test(tc, test_encode_rejects);
	tcase_add_test(tc, test_status_names);
	tcase_add_test(tc, test_frame_tag_layout);
	suite_add_tcase(s, tc);

	tc = tcase_create("decoder");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_decoder_init);
	tcase_add_test(tc, test_decode_chunked);
	tcase_add_test(tc, test_decode_fields);
	tcase_add_test(tc, test_decode_stream);
	tcase_add_test(tc, test_decode_truncated);
	tcase_add_test(tc, test_decode_bit_flips);
	tcase_add_test(tc, test_decode_fails_early);
	tcase_add_test(tc, test_decode_limit);
	tcase_add_test(tc, test_decode_wrong_key);
	tcase_add_test(tc, test_decode_garbage);
	suite_add_tcase(s, tc);
	return s;
}
