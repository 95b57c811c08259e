// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a record stream as a relay or a peer could send it,
 * through the incremental decoder and the display's verifier.
 *
 * Input: byte 0 picks options, byte 1 the chunking, the rest is the
 * stream. Records (version 2) are sealed and encrypted under the keys of
 * test_key(1) (tests/unit/record_helpers), like the seed corpus. With
 * OPT_RESEAL every decoded record gets the digest of its payload and is
 * sealed again (and its tag MACed) before verification, so mutations of
 * the sealed fields and of the payload reach the rules behind the seal:
 * tags, owners, sequences, and the key unwrap and GCM decryption.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/sha.h>

#include "record_helpers.h"
#include "verifier.h"

#define OPT_DECODER_KEY	0x01	/* the decoder checks seals itself */
#define OPT_RESEAL	0x02
#define OPT_TAG_KEY	0x04	/* verify kernel MACs */
#define OPT_OWNER	0x08	/* expect owner 1000 */
#define OPT_MAX_AGE	0x10	/* 5 s around NOW */
#define OPT_CHANNEL	0x20	/* expect channel 7 */

#define MAX_PAYLOAD	4096
#define NOW		1700000000000000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* A copy of @rec with its payload's digest, a fresh seal (and kernel MAC),
 * then verified. */
static enum cg_record_status verify_resealed(struct cg_verifier *v,
					     const struct cg_record *rec,
					     const uint8_t *key, bool tag_mac)
{
	size_t len = cg_record_wire_len(rec->hdr.payload_len);
	const struct cg_hmac_part tag = { rec->hdr.tag, CG_TAG_LEN };
	enum cg_record_status st;
	struct cg_record copy;
	struct cg_hmac *h;
	uint8_t *buf;

	buf = malloc(len);
	h = cg_hmac_new(key);
	check(buf && h);
	/* The decoder keeps a record contiguous: header, payload, seal. */
	memcpy(buf, rec->raw_header, len);
	copy = *rec;
	if (tag_mac) {
		check(cg_hmac_compute(h, &tag, 1, copy.hdr.kernel_mac) == 0);
		memcpy(buf + CG_RECORD_OFF_KERNEL_MAC, copy.hdr.kernel_mac,
		       CAMGUARD_MAC_LEN);
	}
	SHA256(buf + CG_RECORD_HEADER_LEN, rec->hdr.payload_len,
	       buf + CG_RECORD_OFF_DIGEST);
	memcpy(copy.hdr.digest, buf + CG_RECORD_OFF_DIGEST,
	       CG_RECORD_DIGEST_LEN);
	check(test_reseal(buf, len, key) == 0);
	copy.raw_header = buf;
	copy.payload = buf + CG_RECORD_HEADER_LEN;
	copy.seal = buf + CG_RECORD_OFF_SEAL;
	st = cg_verifier_check(v, &copy, NOW, NULL);
	cg_hmac_free(h);
	free(buf);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t key[CAMGUARD_KEY_LEN];
	struct cg_verifier_config cfg = { 0 };
	struct cg_record_decoder d;
	struct cg_record_keys *dkey = NULL;
	struct cg_verifier *v;
	size_t pos = 2, chunk;
	uint8_t opt;

	if (size < 2)
		return 0;
	opt = data[0];
	chunk = data[1];	/* 0: all at once */
	test_key(key, 1);
	cfg.key = key;
	cfg.tag_key = opt & OPT_TAG_KEY ? key : NULL;
	cfg.check_owner = opt & OPT_OWNER;
	cfg.owner_uid = 1000;
	cfg.max_age_ns = opt & OPT_MAX_AGE ? 5000000000ull : 0;
	cfg.channel_id = opt & OPT_CHANNEL ? 7 : 0;
	v = cg_verifier_new(&cfg);
	if (opt & OPT_DECODER_KEY)
		dkey = cg_record_keys_new(key);
	check(v && (dkey || !(opt & OPT_DECODER_KEY)));
	check(cg_record_decoder_init(&d, MAX_PAYLOAD, dkey) == 0);

	while (pos < size) {
		size_t n = chunk && chunk < size - pos ? chunk : size - pos;
		size_t off = 0;
		/* Each chunk in its own allocation: overreads hit ASan. */
		uint8_t *piece = malloc(n);

		check(piece != NULL);
		memcpy(piece, data + pos, n);
		while (off < n) {
			enum cg_record_status st;
			struct cg_record rec;
			size_t used = 0;

			st = cg_record_decode(&d, piece + off, n - off, &used,
					      &rec);
			check(used <= n - off);
			check(d.cap <= cg_record_wire_len(MAX_PAYLOAD));
			off += used;
			if (st == CG_RECORD_NEED_MORE) {
				check(off == n);
				break;
			}
			if (cg_record_status_fatal(st)) {
				cg_verifier_count(v, st);
				off = n;
				pos = size;	/* stream over */
				break;
			}
			check(used > 0);
			check(rec.hdr.payload_len <= MAX_PAYLOAD);
			if (st != CG_RECORD_OK) {
				check(st == CG_RECORD_BAD_SEAL);
				cg_verifier_count(v, st);
			} else if (opt & OPT_RESEAL) {
				verify_resealed(v, &rec, key,
						opt & OPT_TAG_KEY);
			} else {
				st = cg_verifier_check(v, &rec, NOW, NULL);
				/* A record the decoder's key refused never
				 * gets here; one it passed has a good seal. */
				check(!dkey || st != CG_RECORD_BAD_SEAL);
			}
		}
		free(piece);
		if (pos < size)
			pos += n;
	}
	cg_record_decoder_finish(&d);
	cg_record_decoder_release(&d);
	cg_verifier_free(v);
	cg_record_keys_free(dkey);
	return 0;
}
