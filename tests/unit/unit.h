/* SPDX-License-Identifier: GPL-2.0 */
/* Shared declarations of the camguard userspace unit tests. */
#ifndef CG_UNIT_H
#define CG_UNIT_H

#include <stddef.h>
#include <stdint.h>
#include <check.h>

#include "stamp.h"

Suite *stamp_suite(void);
Suite *jpeg_suite(void);
Suite *parse_suite(void);
Suite *cli_suite(void);
Suite *jpegenc_suite(void);
Suite *record_suite(void);
Suite *verifier_suite(void);
Suite *keyval_suite(void);
Suite *config_suite(void);
Suite *pairing_suite(void);
Suite *convert_suite(void);
Suite *identity_suite(void);
Suite *control_suite(void);
Suite *web_suite(void);
Suite *sha256_thread_suite(void);

/* The frame sizes every round trip runs at. */
struct test_size {
	uint32_t width, height;
};
extern const struct test_size test_sizes[];
#define NR_TEST_SIZES	5

/* The raw formats the library supports. */
extern const uint32_t test_formats[];
#define NR_TEST_FORMATS	4

/* Deterministic pseudo-random numbers (xorshift64*), seeded per test. */
uint32_t rnd_u32(uint64_t *state);
void rnd_fill(uint64_t *state, void *buf, size_t len);

enum test_background {
	BG_BARS,	/* eight colour bars */
	BG_NOISE,	/* a random colour per pixel */
};

/* Byte that fills the padding beyond each line of a frame. */
#define PAD_BYTE	0xa5

/*
 * A frame of exactly sizeimage bytes (so overreads leave the allocation)
 * with the background and, if @s is not NULL, the stamp drawn over it.
 * Returns NULL on allocation failure; *@len receives the size.
 */
uint8_t *make_frame(uint32_t fourcc, uint32_t width, uint32_t height,
		    uint32_t bytesperline, enum test_background bg,
		    uint64_t seed, const struct camguard_stamp *s,
		    size_t *len);

/* A stamp with values that depend on @i, using every byte of each field. */
struct camguard_stamp test_stamp(unsigned int i);

#define ck_assert_stamp_eq(a, b)					\
	do {								\
		ck_assert_uint_eq((a)->camera, (b)->camera);		\
		ck_assert_uint_eq((a)->owner, (b)->owner);		\
		ck_assert_uint_eq((a)->stream, (b)->stream);		\
		ck_assert_uint_eq((a)->sequence, (b)->sequence);	\
	} while (0)

#endif /* CG_UNIT_H */
