// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the display-side verifier: each rule, that a refused record
 * leaves no trace in the stream state, the incidents camguard exists for
 * (a relay swapping displays' records, replaying, reordering, serving a
 * cached frame to a reconnecting display), and version 2's encryption:
 * splicing between displays, another owner's display, payloads that do
 * not open.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/sha.h>

#include "record_helpers.h"
#include "unit.h"
#include "verifier.h"

#define NOW	1700000000000000000ull

static const struct test_frame base = {
	.camera = 1, .channel_id = 5, .stream_id = 1000000, .sequence = 10,
	.owner_uid = 1000, .owner_gid = 1000, .send_ns = NOW,
};

struct fixture {
	uint8_t key[CAMGUARD_KEY_LEN];
	struct cg_record_decoder dec;
	struct cg_verifier *v;
};

static void setup(struct fixture *fx, const struct cg_verifier_config *cfg)
{
	struct cg_verifier_config c = { 0 };

	test_key(fx->key, 1);
	if (cfg)
		c = *cfg;
	c.key = fx->key;
	fx->v = cg_verifier_new(&c);
	ck_assert_ptr_nonnull(fx->v);
	ck_assert_int_eq(cg_record_decoder_init(&fx->dec, 4096, NULL), 0);
}

static void teardown(struct fixture *fx)
{
	cg_verifier_free(fx->v);
	cg_record_decoder_release(&fx->dec);
}

/* Build @f sealed under @key_seed's key (kernel MAC too), decode, check. */
static enum cg_record_status check_keyed(struct fixture *fx,
					 const struct test_frame *f,
					 unsigned int key_seed,
					 struct cg_verify_info *info)
{
	uint8_t key[CAMGUARD_KEY_LEN], *buf = NULL;
	enum cg_record_status st;
	struct cg_record rec;
	size_t len, used;

	test_key(key, key_seed);
	len = test_record(f, key, NULL, "jpeg", 4, &buf);
	ck_assert_uint_gt(len, 0);
	cg_record_decoder_reset(&fx->dec);
	ck_assert_int_eq(cg_record_decode(&fx->dec, buf, len, &used, &rec),
			 CG_RECORD_OK);
	st = cg_verifier_check(fx->v, &rec, NOW, info);
	free(buf);
	return st;
}

static enum cg_record_status check(struct fixture *fx,
				   const struct test_frame *f)
{
	return check_keyed(fx, f, 1, NULL);
}

static uint64_t rejected(struct fixture *fx, enum cg_record_status st)
{
	return cg_verifier_stats(fx->v)->rejected[st];
}

START_TEST(test_new_rejects)
{
	struct cg_verifier_config cfg = { 0 };

	ck_assert_ptr_null(cg_verifier_new(NULL));
	ck_assert_ptr_null(cg_verifier_new(&cfg));	/* no key */
}
END_TEST

START_TEST(test_in_order)
{
	struct test_frame f = base;
	struct cg_verify_info info;
	struct fixture fx;

	setup(&fx, NULL);
	ck_assert_int_eq(check_keyed(&fx, &f, 1, &info), CG_RECORD_OK);
	ck_assert(info.new_stream);
	ck_assert_uint_eq(info.previous_stream, 0);
	ck_assert_uint_eq(info.tag.owner_uid, 1000);
	f.sequence++;
	ck_assert_int_eq(check_keyed(&fx, &f, 1, &info), CG_RECORD_OK);
	ck_assert(!info.new_stream);
	ck_assert_uint_eq(info.skipped, 0);
	/* A gap (frames the daemon dropped for a slow display) is fine. */
	f.sequence += 5;
	ck_assert_int_eq(check_keyed(&fx, &f, 1, &info), CG_RECORD_OK);
	ck_assert_uint_eq(info.skipped, 4);
	ck_assert_uint_eq(cg_verifier_stats(fx.v)->accepted, 3);
	ck_assert_uint_eq(cg_verifier_stats(fx.v)->skipped, 4);
	ck_assert_uint_eq(cg_verifier_stats(fx.v)->stream_changes, 1);
	teardown(&fx);
}
END_TEST

START_TEST(test_replay_and_reorder)
{
	struct test_frame f = base;
	struct fixture fx;

	setup(&fx, NULL);
	f.sequence = 20;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_OK);
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_REPLAY);	/* again */
	f.sequence = 19;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_REPLAY);	/* older */
	f.sequence = 0;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_REPLAY);
	f.sequence = 21;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_OK);
	ck_assert_uint_eq(rejected(&fx, CG_RECORD_REPLAY), 3);
	teardown(&fx);
}
END_TEST

START_TEST(test_stream_change)
{
	struct test_frame f = base;
	struct cg_verify_info info;
	struct fixture fx;

	setup(&fx, NULL);
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_OK);
	/* The camera restarted streaming: new id, sequence from 0. */
	f.stream_id = base.stream_id + 50;
	f.sequence = 0;
	ck_assert_int_eq(check_keyed(&fx, &f, 1, &info), CG_RECORD_OK);
	ck_assert(info.new_stream);
	ck_assert_uint_eq(info.previous_stream, base.stream_id);
	/* Late or replayed records of the old stream. */
	f.stream_id = base.stream_id;
	f.sequence = base.sequence + 1;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_OLD_STREAM);
	f.stream_id = 1;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_OLD_STREAM);
	ck_assert_uint_eq(cg_verifier_stats(fx.v)->stream_changes, 2);
	teardown(&fx);
}
END_TEST

/* Cameras are independent; one display follows at most a fixed number. */
START_TEST(test_cameras)
{
	struct test_frame f = base;
	struct fixture fx;
	unsigned int i;

	setup(&fx, NULL);
	for (i = 0; i < CG_VERIFIER_MAX_CAMERAS; i++) {
		f.camera = (uint16_t)i;
		f.stream_id = 100 - i;	/* ids are not ordered across cameras */
		ck_assert_int_eq(check(&fx, &f), CG_RECORD_OK);
	}
	f.camera = CG_VERIFIER_MAX_CAMERAS;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_TOO_MANY_CAMERAS);
	f.camera = 3;
	f.stream_id = 97;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_REPLAY);
	f.sequence++;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_OK);
	teardown(&fx);
}
END_TEST

/* Another display's record: the relay swapped them. */
START_TEST(test_wrong_key)
{
	struct test_frame f = base;
	struct fixture fx;

	setup(&fx, NULL);
	ck_assert_int_eq(check_keyed(&fx, &f, 2, NULL), CG_RECORD_BAD_SEAL);
	ck_assert_uint_eq(rejected(&fx, CG_RECORD_BAD_SEAL), 1);
	ck_assert_uint_eq(cg_verifier_stats(fx.v)->accepted, 0);
	teardown(&fx);
}
END_TEST

/*
 * A record that fails any rule leaves the stream state alone: a forged
 * far-ahead sequence cannot lock the display out of the real stream.
 */
START_TEST(test_refused_leaves_no_state)
{
	struct cg_verifier_config cfg = { .check_owner = true,
					  .owner_uid = 1000 };
	struct test_frame f = base;
	struct fixture fx;

	setup(&fx, &cfg);
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_OK);
	f.sequence = UINT32_MAX;
	f.stream_id = UINT64_MAX;
	ck_assert_int_eq(check_keyed(&fx, &f, 9, NULL), CG_RECORD_BAD_SEAL);
	f.owner_uid = 1001;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_WRONG_OWNER);
	f = base;
	f.sequence++;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_OK);
	ck_assert_uint_eq(cg_verifier_stats(fx.v)->stream_changes, 1);
	teardown(&fx);
}
END_TEST

/* Sealed correctly, but the tag does not say what the header says. */
START_TEST(test_tag_mismatch)
{
	uint8_t *buf, key[CAMGUARD_KEY_LEN];
	struct test_frame f = base;
	struct cg_record rec;
	struct fixture fx;
	static const size_t fields[] = {
		CG_RECORD_OFF_CHANNEL, CG_RECORD_OFF_SEQUENCE,
		CG_RECORD_OFF_STREAM,
	};
	size_t len, used;
	unsigned int i;

	setup(&fx, NULL);
	test_key(key, 1);
	for (i = 0; i < 3; i++) {
		len = test_record(&f, key, NULL, "x", 1, &buf);
		buf[fields[i]] ^= 1;
		ck_assert_int_eq(test_reseal(buf, len, key), 0);
		cg_record_decoder_reset(&fx.dec);
		ck_assert_int_eq(cg_record_decode(&fx.dec, buf, len, &used,
						  &rec), CG_RECORD_OK);
		ck_assert_int_eq(cg_verifier_check(fx.v, &rec, NOW, NULL),
				 CG_RECORD_TAG_MISMATCH);
		free(buf);
	}
	ck_assert_uint_eq(rejected(&fx, CG_RECORD_TAG_MISMATCH), 3);

	f.tag_version = 2;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_BAD_TAG);
	teardown(&fx);
}
END_TEST

START_TEST(test_kernel_mac)
{
	uint8_t key[CAMGUARD_KEY_LEN], other[CAMGUARD_KEY_LEN], *buf;
	struct cg_verifier_config cfg = { 0 };
	struct test_frame f = base;
	struct cg_record rec;
	struct fixture fx;
	size_t len, used;

	test_key(key, 1);
	test_key(other, 3);
	cfg.tag_key = key;
	setup(&fx, &cfg);
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_OK);

	/* The tag was MACed under another channel's key. */
	f.sequence++;
	len = test_record(&f, key, other, "x", 1, &buf);
	ck_assert_int_eq(cg_record_decode(&fx.dec, buf, len, &used, &rec),
			 CG_RECORD_OK);
	ck_assert_int_eq(cg_verifier_check(fx.v, &rec, NOW, NULL),
			 CG_RECORD_BAD_KERNEL_MAC);
	free(buf);

	/* A flipped MAC bit, resealed. */
	len = test_record(&f, key, NULL, "x", 1, &buf);
	buf[CG_RECORD_OFF_KERNEL_MAC + 31] ^= 0x80;
	ck_assert_int_eq(test_reseal(buf, len, key), 0);
	ck_assert_int_eq(cg_record_decode(&fx.dec, buf, len, &used, &rec),
			 CG_RECORD_OK);
	ck_assert_int_eq(cg_verifier_check(fx.v, &rec, NOW, NULL),
			 CG_RECORD_BAD_KERNEL_MAC);
	teardown(&fx);

	/* Without the kernel's key, the kernel MAC is not checked. */
	setup(&fx, NULL);
	ck_assert_int_eq(cg_record_decode(&fx.dec, buf, len, &used, &rec),
			 CG_RECORD_OK);
	ck_assert_int_eq(cg_verifier_check(fx.v, &rec, NOW, NULL),
			 CG_RECORD_OK);
	free(buf);
	teardown(&fx);
}
END_TEST

START_TEST(test_channel_and_owner)
{
	struct cg_verifier_config cfg = { .channel_id = 5, .check_owner = true,
					  .owner_uid = 1000 };
	struct test_frame f = base;
	struct fixture fx;

	setup(&fx, &cfg);
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_OK);
	f.sequence++;
	f.channel_id = 6;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_WRONG_CHANNEL);
	f.channel_id = 5;
	f.owner_uid = 1001;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_WRONG_OWNER);
	f.owner_uid = 0;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_WRONG_OWNER);
	f.owner_uid = 1000;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_OK);
	teardown(&fx);
}
END_TEST

START_TEST(test_stale)
{
	struct cg_verifier_config cfg = { .max_age_ns = 2000000000ull };
	struct test_frame f = base;
	struct fixture fx;

	setup(&fx, &cfg);
	f.send_ns = NOW - 2000000000ull;	/* exactly the limit */
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_OK);
	f.sequence++;
	f.send_ns = NOW - 2000000001ull;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_STALE);
	f.send_ns = NOW + 2000000001ull;	/* from the future */
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_STALE);
	f.send_ns = UINT64_MAX;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_STALE);
	f.send_ns = 0;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_STALE);
	f.send_ns = NOW + 2000000000ull;
	ck_assert_int_eq(check(&fx, &f), CG_RECORD_OK);
	ck_assert_uint_eq(rejected(&fx, CG_RECORD_STALE), 4);
	teardown(&fx);
}
END_TEST

START_TEST(test_count_decoder_errors)
{
	struct fixture fx;

	setup(&fx, NULL);
	cg_verifier_count(fx.v, CG_RECORD_BAD_MAGIC);
	cg_verifier_count(fx.v, CG_RECORD_TRUNCATED);
	cg_verifier_count(fx.v, CG_RECORD_TRUNCATED);
	cg_verifier_count(fx.v, CG_RECORD_NR_STATUS);	/* ignored */
	ck_assert_uint_eq(rejected(&fx, CG_RECORD_BAD_MAGIC), 1);
	ck_assert_uint_eq(rejected(&fx, CG_RECORD_TRUNCATED), 2);
	teardown(&fx);
}
END_TEST

/*
 * The incidents: a relay between camguardd and two displays of different
 * owners swaps their records, replays, reorders, and serves a cached frame
 * to a display that reconnects. Only each display's own live frames get
 * through.
 */
START_TEST(test_relay_incidents)
{
	struct test_frame fa = base, fb = base;
	uint8_t ka[CAMGUARD_KEY_LEN], kb[CAMGUARD_KEY_LEN];
	uint8_t *ra[6], *rb[6];
	size_t la[6], lb[6], used;
	struct cg_verifier *va, *vb;
	struct cg_verifier_config ca = { .key = ka, .tag_key = ka,
					 .check_owner = true,
					 .owner_uid = 1000 };
	struct cg_verifier_config cb = { .key = kb, .tag_key = kb,
					 .check_owner = true,
					 .owner_uid = 2000 };
	struct cg_record_decoder d;
	struct cg_record rec;
	unsigned int i;

	test_key(ka, 10);
	test_key(kb, 20);
	fb.owner_uid = fb.owner_gid = 2000;
	fb.channel_id = 6;
	fb.camera = 2;
	for (i = 0; i < 6; i++) {
		fa.sequence = fb.sequence = i;
		la[i] = test_record(&fa, ka, NULL, "A", 1, &ra[i]);
		lb[i] = test_record(&fb, kb, NULL, "B", 1, &rb[i]);
	}
	va = cg_verifier_new(&ca);
	vb = cg_verifier_new(&cb);
	ck_assert_ptr_nonnull(va);
	ck_assert_ptr_nonnull(vb);
	ck_assert_int_eq(cg_record_decoder_init(&d, 100, NULL), 0);

#define DELIVER(v, buf, len, want)					\
	do {								\
		cg_record_decoder_reset(&d);				\
		ck_assert_int_eq(cg_record_decode(&d, buf, len, &used,	\
						  &rec), CG_RECORD_OK);	\
		ck_assert_int_eq(cg_verifier_check(v, &rec, NOW, NULL),	\
				 want);					\
	} while (0)

	DELIVER(va, ra[0], la[0], CG_RECORD_OK);
	DELIVER(vb, rb[0], lb[0], CG_RECORD_OK);
	/* Swapped: each display gets the other owner's frame. */
	DELIVER(va, rb[1], lb[1], CG_RECORD_BAD_SEAL);
	DELIVER(vb, ra[1], la[1], CG_RECORD_BAD_SEAL);
	/* Reordered: 3 before 2. */
	DELIVER(va, ra[3], la[3], CG_RECORD_OK);
	DELIVER(va, ra[2], la[2], CG_RECORD_REPLAY);
	/* Replayed. */
	DELIVER(va, ra[0], la[0], CG_RECORD_REPLAY);
	/* Display B reconnects; the relay serves its cached frame 0. */
	DELIVER(vb, rb[0], lb[0], CG_RECORD_REPLAY);
	/* Live frames flow again. */
	DELIVER(va, ra[4], la[4], CG_RECORD_OK);
	DELIVER(vb, rb[4], lb[4], CG_RECORD_OK);
	DELIVER(vb, rb[5], lb[5], CG_RECORD_OK);
#undef DELIVER

	ck_assert_uint_eq(cg_verifier_stats(va)->accepted, 3);
	ck_assert_uint_eq(cg_verifier_stats(va)->rejected[CG_RECORD_BAD_SEAL], 1);
	ck_assert_uint_eq(cg_verifier_stats(va)->rejected[CG_RECORD_REPLAY], 2);
	ck_assert_uint_eq(cg_verifier_stats(vb)->accepted, 3);
	ck_assert_uint_eq(cg_verifier_stats(vb)->rejected[CG_RECORD_BAD_SEAL], 1);
	ck_assert_uint_eq(cg_verifier_stats(vb)->rejected[CG_RECORD_REPLAY], 1);

	for (i = 0; i < 6; i++) {
		free(ra[i]);
		free(rb[i]);
	}
	cg_record_decoder_release(&d);
	cg_verifier_free(va);
	cg_verifier_free(vb);
}
END_TEST

/* ---- Version 2: encryption, and what a keyless or foreign party can do ---- */

/* Decode a whole record in @buf and apply @fx's verifier to it. */
static enum cg_record_status check_buf(struct fixture *fx, const uint8_t *buf,
				       size_t len, struct cg_verify_info *info)
{
	struct cg_record rec;
	size_t used;

	cg_record_decoder_reset(&fx->dec);
	ck_assert_int_eq(cg_record_decode(&fx->dec, buf, len, &used, &rec),
			 CG_RECORD_OK);
	ck_assert_uint_eq(used, len);
	return cg_verifier_check(fx->v, &rec, NOW, info);
}

/* A record of @f for the display of key @seed, JPEG "jpeg" (4 bytes). */
static uint8_t *make(const struct test_frame *f, unsigned int seed,
		     size_t *len)
{
	uint8_t key[CAMGUARD_KEY_LEN], *buf = NULL;

	test_key(key, seed);
	*len = test_record(f, key, NULL, "jpeg", 4, &buf);
	ck_assert_uint_gt(*len, 0);
	return buf;
}

/* An accepted record hands out its cleartext, which is not on the wire. */
START_TEST(test_decrypts)
{
	struct cg_verify_info info;
	struct test_frame f = base;
	struct fixture fx;
	size_t len;
	uint8_t *buf = make(&f, 1, &len);

	setup(&fx, NULL);
	ck_assert_ptr_null(memmem(buf, len, "jpeg", 4));
	ck_assert_int_eq(check_buf(&fx, buf, len, &info), CG_RECORD_OK);
	ck_assert_uint_eq(info.payload_len, 4);
	ck_assert_int_eq(memcmp(info.payload, "jpeg", 4), 0);
	free(buf);
	teardown(&fx);
}
END_TEST

/*
 * Two displays of one camera get one frame encrypted once: the same
 * payload bytes, each with its own header. A relay splicing one's wrapped
 * key or whole header into the other's record, or a payload of another
 * frame under a genuine header, gets nothing accepted.
 */
START_TEST(test_splice_between_displays)
{
	struct test_frame fa = base, fb = base;
	struct fixture fx;	/* display A, key 1 */
	uint8_t *a, *b, *a2, *mix;
	size_t la, lb, la2;

	fb.channel_id = base.channel_id + 1;
	a = make(&fa, 1, &la);
	b = make(&fb, 2, &lb);
	ck_assert_uint_eq(la, lb);
	/* Encrypted once: the payloads are the same bytes. */
	ck_assert_int_eq(memcmp(a + CG_RECORD_HEADER_LEN,
				b + CG_RECORD_HEADER_LEN,
				la - CG_RECORD_HEADER_LEN), 0);
	ck_assert_int_ne(memcmp(a + CG_RECORD_OFF_WRAPPED_KEY,
				b + CG_RECORD_OFF_WRAPPED_KEY,
				CG_RECORD_WRAPPED_KEY_LEN), 0);
	mix = malloc(la);
	ck_assert_ptr_nonnull(mix);
	setup(&fx, NULL);

	/* B's record to A. */
	ck_assert_int_eq(check_buf(&fx, b, lb, NULL), CG_RECORD_BAD_SEAL);
	/* A's header with B's wrapped key. */
	memcpy(mix, a, la);
	memcpy(mix + CG_RECORD_OFF_WRAPPED_KEY, b + CG_RECORD_OFF_WRAPPED_KEY,
	       CG_RECORD_WRAPPED_KEY_LEN);
	ck_assert_int_eq(check_buf(&fx, mix, la, NULL), CG_RECORD_BAD_SEAL);
	/* A's header with B's seal, or B's tag and kernel MAC. */
	memcpy(mix, a, la);
	memcpy(mix + CG_RECORD_OFF_SEAL, b + CG_RECORD_OFF_SEAL, 32);
	ck_assert_int_eq(check_buf(&fx, mix, la, NULL), CG_RECORD_BAD_SEAL);
	memcpy(mix, a, la);
	memcpy(mix + CG_RECORD_OFF_TAG, b + CG_RECORD_OFF_TAG,
	       CG_TAG_LEN + CAMGUARD_MAC_LEN);
	ck_assert_int_eq(check_buf(&fx, mix, la, NULL), CG_RECORD_BAD_SEAL);
	/* A's header, the payload of A's next frame (same length). */
	fa.sequence++;
	a2 = make(&fa, 1, &la2);
	ck_assert_uint_eq(la2, la);
	memcpy(mix, a, CG_RECORD_HEADER_LEN);
	memcpy(mix + CG_RECORD_HEADER_LEN, a2 + CG_RECORD_HEADER_LEN,
	       la - CG_RECORD_HEADER_LEN);
	ck_assert_int_eq(check_buf(&fx, mix, la, NULL), CG_RECORD_BAD_PAYLOAD);
	ck_assert_uint_eq(cg_verifier_stats(fx.v)->accepted, 0);
	/* None of it left state: the genuine records go through, in order. */
	ck_assert_int_eq(check_buf(&fx, a, la, NULL), CG_RECORD_OK);
	ck_assert_int_eq(check_buf(&fx, a2, la2, NULL), CG_RECORD_OK);
	/* B, with its own key, opens the shared payload too. */
	{
		struct fixture fxb;
		struct cg_verify_info info;

		setup(&fxb, NULL);
		cg_verifier_free(fxb.v);
		test_key(fxb.key, 2);
		{
			struct cg_verifier_config c = { .key = fxb.key };

			fxb.v = cg_verifier_new(&c);
		}
		ck_assert_ptr_nonnull(fxb.v);
		ck_assert_int_eq(check_buf(&fxb, b, lb, &info), CG_RECORD_OK);
		ck_assert_int_eq(memcmp(info.payload, "jpeg", 4), 0);
		teardown(&fxb);
	}
	free(a);
	free(a2);
	free(b);
	free(mix);
	teardown(&fx);
}
END_TEST

/*
 * The display of another owner knows its own channel key, hence its own
 * seal and wrap keys and every content key of its own frames. With them
 * it can make perfect records, of its own: under the victim's keys none
 * verifies, whatever it claims in the tag, nor does its ciphertext pass
 * under a genuine header of the victim's.
 */
START_TEST(test_other_owners_display)
{
	struct cg_verifier_config cfg = { .check_owner = true,
					  .owner_uid = 1000 };
	uint8_t okey[CAMGUARD_KEY_LEN], *mine, *theirs, *mix;
	struct test_frame f = base, of = base;
	struct cg_record_header h;
	struct fixture fx;
	size_t lm, lt;

	setup(&fx, &cfg);
	mine = make(&f, 1, &lm);
	/* The foreign display's own frame, with the victim's ids claimed. */
	of.owner_uid = 2000;
	theirs = make(&of, 3, &lt);
	ck_assert_int_eq(check_buf(&fx, theirs, lt, NULL), CG_RECORD_BAD_SEAL);
	free(theirs);
	of.owner_uid = 1000;	/* lying in the tag changes nothing */
	theirs = make(&of, 3, &lt);
	ck_assert_int_eq(check_buf(&fx, theirs, lt, NULL), CG_RECORD_BAD_SEAL);

	/* Its ciphertext (same length) under the victim's genuine header. */
	ck_assert_uint_eq(lt, lm);
	mix = malloc(lm);
	ck_assert_ptr_nonnull(mix);
	memcpy(mix, mine, CG_RECORD_HEADER_LEN);
	memcpy(mix + CG_RECORD_HEADER_LEN, theirs + CG_RECORD_HEADER_LEN,
	       lm - CG_RECORD_HEADER_LEN);
	/* Same frame fields, same test content key: make it differ. */
	mix[CG_RECORD_HEADER_LEN] ^= 1;
	ck_assert_int_eq(check_buf(&fx, mix, lm, NULL), CG_RECORD_BAD_PAYLOAD);

	/* And it cannot read the victim's frame: its wrap key fails. */
	test_key(okey, 3);
	{
		struct cg_record_keys *ok = cg_record_keys_new(okey);
		struct cg_record rec;
		uint8_t plain[64];
		size_t used, n;

		ck_assert_ptr_nonnull(ok);
		cg_record_decoder_reset(&fx.dec);
		ck_assert_int_eq(cg_record_decode(&fx.dec, mine, lm, &used,
						  &rec), CG_RECORD_OK);
		ck_assert_int_eq(cg_record_check_seal(ok, &rec),
				 CG_RECORD_BAD_SEAL);
		ck_assert_int_eq(cg_record_open(ok, &rec, plain, &n),
				 CG_RECORD_DECRYPT_FAILED);
		ck_assert_uint_eq(n, 0);
		cg_record_keys_free(ok);
	}
	ck_assert_int_eq(cg_record_header_unpack(mine, 4096, &h), CG_RECORD_OK);
	ck_assert_int_eq(check_buf(&fx, mine, lm, NULL), CG_RECORD_OK);
	free(mine);
	free(theirs);
	free(mix);
	teardown(&fx);
}
END_TEST

/*
 * Records whose seal is good but whose payload does not open: what only
 * a broken sender (or one holding the key) could make, refused as
 * decrypt_failed and leaving no state.
 */
START_TEST(test_decrypt_failed)
{
	struct test_frame f = base;
	struct fixture fx;
	uint8_t *buf, *bad;
	size_t len;

	setup(&fx, NULL);
	buf = make(&f, 1, &len);
	bad = malloc(len);
	ck_assert_ptr_nonnull(bad);

	/* The wrapped key is not a key wrapped under this wrap key. */
	memcpy(bad, buf, len);
	bad[CG_RECORD_OFF_WRAPPED_KEY + 3] ^= 0x10;
	ck_assert_int_eq(test_reseal(bad, len, fx.key), 0);
	ck_assert_int_eq(check_buf(&fx, bad, len, NULL),
			 CG_RECORD_DECRYPT_FAILED);
	/* The GCM tag is wrong (the digest names the bad bytes). */
	memcpy(bad, buf, len);
	bad[len - 1] ^= 0x01;
	SHA256(bad + CG_RECORD_HEADER_LEN, len - CG_RECORD_HEADER_LEN,
	       bad + CG_RECORD_OFF_DIGEST);
	ck_assert_int_eq(test_reseal(bad, len, fx.key), 0);
	ck_assert_int_eq(check_buf(&fx, bad, len, NULL),
			 CG_RECORD_DECRYPT_FAILED);
	/* The associated data changed: the capture time. */
	memcpy(bad, buf, len);
	bad[CG_RECORD_OFF_CAPTURE_NS] ^= 0x01;
	ck_assert_int_eq(test_reseal(bad, len, fx.key), 0);
	ck_assert_int_eq(check_buf(&fx, bad, len, NULL),
			 CG_RECORD_DECRYPT_FAILED);
	/* A payload shorter than a GCM tag. */
	{
		uint8_t shortrec[CG_RECORD_HEADER_LEN + 15];

		memcpy(shortrec, buf, CG_RECORD_HEADER_LEN);
		memset(shortrec + CG_RECORD_HEADER_LEN, 0xab, 15);
		shortrec[CG_RECORD_OFF_PAYLOAD_LEN] = 15;
		SHA256(shortrec + CG_RECORD_HEADER_LEN, 15,
		       shortrec + CG_RECORD_OFF_DIGEST);
		ck_assert_int_eq(test_reseal(shortrec, sizeof(shortrec),
					     fx.key), 0);
		ck_assert_int_eq(check_buf(&fx, shortrec, sizeof(shortrec),
					   NULL), CG_RECORD_DECRYPT_FAILED);
	}
	ck_assert_uint_eq(rejected(&fx, CG_RECORD_DECRYPT_FAILED), 4);
	/* The genuine record, same sequence, is still the first accepted. */
	ck_assert_int_eq(check_buf(&fx, buf, len, NULL), CG_RECORD_OK);
	ck_assert_uint_eq(cg_verifier_stats(fx.v)->accepted, 1);
	/* The sender can re-encrypt after editing: then it opens again. */
	memcpy(bad, buf, len);
	bad[CG_RECORD_OFF_CAPTURE_NS] ^= 0x01;
	bad[CG_RECORD_OFF_SEQUENCE] += 1;
	ck_assert_int_eq(test_reencrypt(bad, len, fx.key, "jpeg", 4), 0);
	/* (The tag still says the old sequence.) */
	ck_assert_int_eq(check_buf(&fx, bad, len, NULL),
			 CG_RECORD_TAG_MISMATCH);
	free(buf);
	free(bad);
	teardown(&fx);
}
END_TEST

/* Version 1 (cleartext, 152-byte header) is refused: no downgrade. */
START_TEST(test_version1_refused)
{
	static const uint8_t v1[] = "CGRD\x01\x01\x98\x00";
	struct fixture fx;
	struct cg_record rec;
	size_t used;

	setup(&fx, NULL);
	ck_assert_int_eq(cg_record_decode(&fx.dec, v1, 8, &used, &rec),
			 CG_RECORD_BAD_VERSION);
	ck_assert_uint_le(used, 8);
	teardown(&fx);
}
END_TEST

Suite *verifier_suite(void)
{
	Suite *s = suite_create("verifier");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, test_new_rejects);
	tcase_add_test(tc, test_in_order);
	tcase_add_test(tc, test_replay_and_reorder);
	tcase_add_test(tc, test_stream_change);
	tcase_add_test(tc, test_cameras);
	tcase_add_test(tc, test_wrong_key);
	tcase_add_test(tc, test_refused_leaves_no_state);
	tcase_add_test(tc, test_tag_mismatch);
	tcase_add_test(tc, test_kernel_mac);
	tcase_add_test(tc, test_channel_and_owner);
	tcase_add_test(tc, test_stale);
	tcase_add_test(tc, test_count_decoder_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("incidents");
	tcase_add_test(tc, test_relay_incidents);
	suite_add_tcase(s, tc);

	tc = tcase_create("encryption");
	tcase_add_test(tc, test_decrypts);
	tcase_add_test(tc, test_splice_between_displays);
	tcase_add_test(tc, test_other_owners_display);
	tcase_add_test(tc, test_decrypt_failed);
	tcase_add_test(tc, test_version1_refused);
	suite_add_tcase(s, tc);
	return s;
}
