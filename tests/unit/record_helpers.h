/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building records the way camguardd will, for the record and verifier
 * tests and the fuzz seed generator. No Check dependency.
 */
#ifndef CG_RECORD_HELPERS_H
#define CG_RECORD_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* What varies between test records. */
struct test_frame {
	uint16_t camera;
	uint32_t channel_id;
	uint64_t stream_id;
	uint32_t sequence;
	uint32_t owner_uid;
	uint32_t owner_gid;
	uint64_t send_ns;
	uint8_t tag_version;	/* 0: CAMGUARD_TAG_VERSION */
};

/* A deterministic 32-byte key, different for each @seed. */
void test_key(uint8_t key[CAMGUARD_KEY_LEN], unsigned int seed);

/* The frame tag of @f, packed. */
void test_tag(const struct test_frame *f, uint8_t raw[CG_TAG_LEN]);

/* A deterministic content key for @sequence (records are reproducible). */
void test_content_key(uint8_t ck[CG_RECORD_CONTENT_KEY_LEN], uint32_t sequence);

/*
 * A whole record for @f into a new buffer (*@out, free() it): tag from @f,
 * kernel MAC under @tag_key, header fields matching the tag, payload
 * encrypted under test_content_key(sequence), wrapped and sealed under
 * the keys derived from @key. Returns the record's length, 0 on failure.
 */
size_t test_record(const struct test_frame *f, const uint8_t *key,
		   const uint8_t *tag_key, const void *payload,
		   size_t payload_len, uint8_t **out);

/* Recompute the seal of a record's header in @rec after editing it. */
int test_reseal(uint8_t *rec, size_t len, const uint8_t *key);

/*
 * Re-encrypt @rec's payload (its cleartext @plain, @plain_len bytes) after
 * its header's AAD fields were edited, then reseal: a record the sender
 * could have made. 0 or -1.
 */
int test_reencrypt(uint8_t *rec, size_t len, const uint8_t *key,
		   const void *plain, size_t plain_len);

#endif /* CG_RECORD_HELPERS_H */
