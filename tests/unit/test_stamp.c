// SPDX-License-Identifier: GPL-2.0
/* Tests of the stamp header helpers and the raw encoder and decoder. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/videodev2.h>

#include "unit.h"

#define NR_BITS		(CAMGUARD_STAMP_BYTES * 8)

static const struct camguard_stamp extreme_stamps[] = {
	{ 0, 0, 0, 0 },
	{ 255, 0xffffffff, 0xffffffff, 0xffffffff },
	{ 1, 1000, 1, 0 },
	{ 0x80, 0x80000000, 0x00800000, 0x00008000 },
};

START_TEST(test_crc_reference)
{
	/* The CRC-16/CCITT-FALSE check value from the CRC catalogue. */
	ck_assert_uint_eq(camguard_stamp_crc16((const __u8 *)"123456789", 9),
			  0x29b1);
	ck_assert_uint_eq(camguard_stamp_crc16(NULL, 0), 0xffff);
}
END_TEST

START_TEST(test_pack_layout)
{
	const struct camguard_stamp s = { 0x12, 0x01020304, 0xa0b0c0d0,
					  0xdeadbeef };
	const uint8_t want[14] = { 0xc6, 0x12, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0,
				   0xd0, 0xde, 0xad, 0xbe, 0xef };
	uint8_t p[CAMGUARD_STAMP_BYTES];
	uint16_t crc;

	camguard_stamp_pack(&s, p);
	ck_assert_mem_eq(p, want, sizeof(want));
	crc = camguard_stamp_crc16(want, sizeof(want));
	ck_assert_uint_eq(p[14], crc >> 8);
	ck_assert_uint_eq(p[15], crc & 0xff);
	/* bit 0 is the MSB of byte 0: magic 0xc6 = 1100 0110 */
	ck_assert_int_eq(camguard_stamp_bit(p, 0), 1);
	ck_assert_int_eq(camguard_stamp_bit(p, 1), 1);
	ck_assert_int_eq(camguard_stamp_bit(p, 2), 0);
	ck_assert_int_eq(camguard_stamp_bit(p, 6), 1);
	ck_assert_int_eq(camguard_stamp_bit(p, 7), 0);
	ck_assert_int_eq(camguard_stamp_bit(p, 127), p[15] & 1);
}
END_TEST

START_TEST(test_pack_roundtrip)
{
	uint8_t p[CAMGUARD_STAMP_BYTES];
	struct camguard_stamp s, out;
	unsigned int i;

	for (i = 0; i < 256 + 4; i++) {
		s = i < 4 ? extreme_stamps[i] : test_stamp(i);
		camguard_stamp_pack(&s, p);
		memset(&out, 0x5a, sizeof(out));
		ck_assert_int_eq(camguard_stamp_unpack(p, &out), 0);
		ck_assert_stamp_eq(&out, &s);
	}
}
END_TEST

/* CRC-16 catches every 1- and 2-bit error in 128 bits; so must unpack. */
START_TEST(test_crc_bit_errors)
{
	uint8_t p[CAMGUARD_STAMP_BYTES], bad[CAMGUARD_STAMP_BYTES];
	struct camguard_stamp s = test_stamp((unsigned int)_i), out;
	unsigned int a, b;

	camguard_stamp_pack(&s, p);
	for (a = 0; a < NR_BITS; a++) {
		memcpy(bad, p, sizeof(p));
		bad[a / 8] ^= (uint8_t)(0x80 >> (a % 8));
		ck_assert_msg(camguard_stamp_unpack(bad, &out) == -1,
			      "flip of bit %u not detected", a);
		for (b = a + 1; b < NR_BITS; b++) {
			bad[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
			ck_assert_msg(camguard_stamp_unpack(bad, &out) == -1,
				      "flip of bits %u, %u not detected", a, b);
			bad[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
		}
	}
}
END_TEST

START_TEST(test_cell_size)
{
	ck_assert_uint_eq(camguard_stamp_cell(144, 80), 8);
	ck_assert_uint_eq(camguard_stamp_cell(160, 120), 8);
	ck_assert_uint_eq(camguard_stamp_cell(320, 240), 16);
	ck_assert_uint_eq(camguard_stamp_cell(640, 480), 32);
	ck_assert_uint_eq(camguard_stamp_cell(1280, 720), 32);
	ck_assert_uint_eq(camguard_stamp_cell(1920, 1080), 32);
	ck_assert_uint_eq(camguard_stamp_cell(8192, 8192), 32);
	ck_assert_uint_eq(camguard_stamp_cell(432, 240), 24);
	ck_assert_uint_eq(camguard_stamp_cell(1920, 159), 8);
}
END_TEST

/* Every format x size x background x padding: draw, then decode. */
START_TEST(test_roundtrip)
{
	unsigned int i = (unsigned int)_i;
	uint32_t fourcc = test_formats[i % NR_TEST_FORMATS];
	const struct test_size *sz = &test_sizes[i / NR_TEST_FORMATS %
						 NR_TEST_SIZES];
	enum test_background bg = i / 20 % 2 ? BG_NOISE : BG_BARS;
	uint32_t pad = i / 40 ? 3 + 64 * (i % 3) : 0;
	struct camguard_stamp s = test_stamp(i), out;
	uint32_t bpl = 0;
	size_t size, len;
	uint8_t *frame;

	ck_assert_int_eq(cg_stamp_frame_size(fourcc, sz->width, sz->height,
					     &bpl, &size), 0);
	if (pad)
		bpl += pad;
	frame = make_frame(fourcc, sz->width, sz->height, bpl, bg, i + 1,
			   &s, &len);
	ck_assert_ptr_nonnull(frame);

	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(cg_stamp_decode_raw(frame, len, fourcc, sz->width,
					     sz->height, bpl, &out), 0);
	ck_assert_stamp_eq(&out, &s);

	/* Decoding with the wrong stride must not find this stamp. */
	if (pad) {
		memset(&out, 0, sizeof(out));
		ck_assert_int_eq(cg_stamp_decode_raw(frame, len, fourcc,
						     sz->width, sz->height, 0,
						     &out), -EBADMSG);
	}
	free(frame);
}
END_TEST

/* Colour of pixel (x, y) in the grid: 0 or 1, or -1 outside the grid. */
static int grid_bit(const uint8_t *payload, uint32_t cell, uint32_t x,
		    uint32_t y)
{
	if (x < cell || y < cell || x >= cell * (CAMGUARD_STAMP_COLS + 1) ||
	    y >= cell * (CAMGUARD_STAMP_ROWS + 1))
		return -1;
	return camguard_stamp_bit(payload, (y / cell - 1) * CAMGUARD_STAMP_COLS +
					   x / cell - 1);
}

/*
 * The drawn frame, byte by byte, against the header's layout: inside the
 * grid luma/RGB is the bit's value and chroma neutral, everything else
 * (background, line padding) is untouched.
 */
START_TEST(test_layout)
{
	unsigned int i = (unsigned int)_i;
	uint32_t fourcc = test_formats[i % NR_TEST_FORMATS];
	const struct test_size *sz = &test_sizes[i / NR_TEST_FORMATS %
						 NR_TEST_SIZES];
	uint32_t w = sz->width, h = sz->height;
	uint32_t cell = camguard_stamp_cell(w, h);
	struct camguard_stamp s = test_stamp(i);
	uint8_t payload[CAMGUARD_STAMP_BYTES];
	size_t size, len, off, bad = 0, first = 0;
	uint32_t bpl = 0, lines, y, b;
	uint8_t *bg, *frame;

	cg_stamp_frame_size(fourcc, w, h, &bpl, &size);
	bpl += i / 20 ? 8 : 0;
	bg = make_frame(fourcc, w, h, bpl, BG_NOISE, 7, NULL, &len);
	frame = make_frame(fourcc, w, h, bpl, BG_NOISE, 7, &s, &len);
	ck_assert_ptr_nonnull(bg);
	ck_assert_ptr_nonnull(frame);
	camguard_stamp_pack(&s, payload);

	lines = fourcc == V4L2_PIX_FMT_NV12 ? h + h / 2 : h;
	for (y = 0; y < lines; y++) {
		for (b = 0; b < bpl; b++) {
			int bit = -1, chroma = 0;
			uint8_t want;

			switch (fourcc) {
			case V4L2_PIX_FMT_YUYV:
				if (b < 2 * w)
					bit = grid_bit(payload, cell, b / 2, y);
				chroma = b % 2;
				break;
			case V4L2_PIX_FMT_RGB24:
				if (b < 3 * w)
					bit = grid_bit(payload, cell, b / 3, y);
				break;
			case V4L2_PIX_FMT_NV12:
				chroma = y >= h;
				if (b < w)
					bit = grid_bit(payload, cell, b,
						       chroma ? 2 * (y - h) : y);
				break;
			default:
				if (b < w)
					bit = grid_bit(payload, cell, b, y);
				break;
			}

			off = (size_t)y * bpl + b;
			if (bit < 0)
				want = bg[off];
			else if (chroma)
				want = 128;
			else if (fourcc == V4L2_PIX_FMT_RGB24)
				want = bit ? CAMGUARD_STAMP_RGB_ONE :
					     CAMGUARD_STAMP_RGB_ZERO;
			else
				want = bit ? CAMGUARD_STAMP_Y_ONE :
					     CAMGUARD_STAMP_Y_ZERO;
			if (frame[off] != want && !bad++)
				first = off;
		}
	}
	ck_assert_msg(!bad, "%zu bytes differ from the layout, first at %zu",
		      bad, first);
	free(bg);
	free(frame);
}
END_TEST

/* Odd sizes where the format allows them, and the largest frames. */
START_TEST(test_odd_sizes)
{
	static const struct {
		uint32_t fourcc, width, height;
	} cases[] = {
		{ V4L2_PIX_FMT_GREY, 161, 121 },
		{ V4L2_PIX_FMT_GREY, 144, 80 },
		{ V4L2_PIX_FMT_RGB24, 145, 81 },
		{ V4L2_PIX_FMT_RGB24, 1001, 577 },
		{ V4L2_PIX_FMT_YUYV, 146, 81 },
		{ V4L2_PIX_FMT_YUYV, 144, 80 },
		{ V4L2_PIX_FMT_NV12, 144, 80 },
		{ V4L2_PIX_FMT_NV12, 434, 242 },
		{ V4L2_PIX_FMT_GREY, 8192, 100 },
		{ V4L2_PIX_FMT_GREY, 200, 8192 },
	};
	struct camguard_stamp s = test_stamp(3), out;
	unsigned int i;
	uint8_t *frame;
	size_t len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		frame = make_frame(cases[i].fourcc, cases[i].width,
				   cases[i].height, 0, BG_NOISE, i, &s, &len);
		ck_assert_ptr_nonnull(frame);
		ck_assert_int_eq(cg_stamp_decode_raw(frame, len,
						     cases[i].fourcc,
						     cases[i].width,
						     cases[i].height, 0, &out),
				 0);
		ck_assert_stamp_eq(&out, &s);
		free(frame);
	}
}
END_TEST

/*
 * Only the central half of a cell counts, and its average is compared
 * with 128 inclusively (>= 128 is a 1).
 */
static void fill_rect(uint8_t *buf, uint32_t bpl, uint32_t x0, uint32_t y0,
		      uint32_t side, uint8_t v)
{
	uint32_t y;

	for (y = y0; y < y0 + side; y++)
		memset(buf + (size_t)y * bpl + x0, v, side);
}

START_TEST(test_threshold)
{
	const uint32_t w = 640, h = 480, cell = 32;
	struct camguard_stamp s = test_stamp(1), out;
	uint8_t *frame;
	size_t len;
	uint32_t y;

	frame = make_frame(V4L2_PIX_FMT_GREY, w, h, 0, BG_NOISE, 1, &s, &len);
	ck_assert_ptr_nonnull(frame);

	/* Bit 0 (magic MSB) is 1: a black rim and a 128 centre still read 1. */
	fill_rect(frame, w, cell, cell, cell, 0);
	fill_rect(frame, w, cell + cell / 4, cell + cell / 4, cell / 2, 128);
	ck_assert_int_eq(cg_stamp_decode_raw(frame, len, V4L2_PIX_FMT_GREY,
					     w, h, 0, &out), 0);
	ck_assert_stamp_eq(&out, &s);

	/* Centre average exactly 128 from alternating 127/129 lines. */
	for (y = 0; y < cell / 2; y++)
		memset(frame + (size_t)(cell + cell / 4 + y) * w + cell + cell / 4,
		       y % 2 ? 129 : 127, cell / 2);
	ck_assert_int_eq(cg_stamp_decode_raw(frame, len, V4L2_PIX_FMT_GREY,
					     w, h, 0, &out), 0);

	/* One less and it is a 0: the magic breaks. */
	fill_rect(frame, w, cell + cell / 4, cell + cell / 4, cell / 2, 127);
	ck_assert_int_eq(cg_stamp_decode_raw(frame, len, V4L2_PIX_FMT_GREY,
					     w, h, 0, &out), -EBADMSG);

	/* Bit 2 is 0: a white rim around a 127 centre still reads 0. */
	fill_rect(frame, w, cell, cell, cell, CAMGUARD_STAMP_Y_ONE);
	fill_rect(frame, w, 3 * cell, cell, cell, 255);
	fill_rect(frame, w, 3 * cell + cell / 4, cell + cell / 4, cell / 2,
		  127);
	ck_assert_int_eq(cg_stamp_decode_raw(frame, len, V4L2_PIX_FMT_GREY,
					     w, h, 0, &out), 0);
	ck_assert_stamp_eq(&out, &s);
	free(frame);
}
END_TEST

/* RGB24 compares (R + G + B) / 3 with 128. */
START_TEST(test_threshold_rgb)
{
	const uint32_t w = 160, h = 120, cell = 8;
	struct camguard_stamp s = test_stamp(2), out;
	uint8_t *frame;
	size_t len;
	uint32_t x, y;

	frame = make_frame(V4L2_PIX_FMT_RGB24, w, h, 0, BG_BARS, 1, &s, &len);
	ck_assert_ptr_nonnull(frame);
	for (y = cell + 2; y < cell + 6; y++) {
		for (x = cell + 2; x < cell + 6; x++) {
			uint8_t *p = frame + (size_t)y * 3 * w + 3 * x;

			p[0] = 255;
			p[1] = 129;
			p[2] = 0;
		}
	}
	ck_assert_int_eq(cg_stamp_decode_raw(frame, len, V4L2_PIX_FMT_RGB24,
					     w, h, 0, &out), 0);
	ck_assert_stamp_eq(&out, &s);
	frame[(size_t)(cell + 2) * 3 * w + 3 * (cell + 2) + 1] = 128;
	ck_assert_int_eq(cg_stamp_decode_raw(frame, len, V4L2_PIX_FMT_RGB24,
					     w, h, 0, &out), -EBADMSG);
	free(frame);
}
END_TEST

/* Inverting any one cell of a drawn stamp is caught by magic or CRC. */
START_TEST(test_cell_corruption)
{
	uint32_t fourcc = test_formats[_i];
	const uint32_t w = 160, h = 120, cell = 8;
	struct camguard_stamp s = test_stamp(9), out;
	uint8_t payload[CAMGUARD_STAMP_BYTES];
	uint8_t *frame;
	unsigned int i;
	size_t len;

	camguard_stamp_pack(&s, payload);
	for (i = 0; i < NR_BITS; i++) {
		frame = make_frame(fourcc, w, h, 0, BG_NOISE, i, &s, &len);
		ck_assert_ptr_nonnull(frame);
		ck_assert_int_eq(cg_stamp_decode_raw(frame, len, fourcc, w, h,
						     0, &out), 0);
		/* Redraw just this cell with the other colour. */
		if (fourcc == V4L2_PIX_FMT_GREY || fourcc == V4L2_PIX_FMT_NV12) {
			fill_rect(frame, w, cell * (i % 16 + 1),
				  cell * (i / 16 + 1), cell,
				  camguard_stamp_bit(payload, i) ?
				  CAMGUARD_STAMP_Y_ZERO : CAMGUARD_STAMP_Y_ONE);
		} else {
			uint32_t bpp = fourcc == V4L2_PIX_FMT_RGB24 ? 3 : 2;
			uint32_t x, y;

			for (y = cell * (i / 16 + 1); y < cell * (i / 16 + 2); y++)
				for (x = cell * (i % 16 + 1);
				     x < cell * (i % 16 + 2); x++)
					memset(frame + (size_t)y * bpp * w +
					       bpp * x,
					       camguard_stamp_bit(payload, i) ?
					       0 : 255,
					       fourcc == V4L2_PIX_FMT_YUYV ? 1 : 3);
		}
		ck_assert_msg(cg_stamp_decode_raw(frame, len, fourcc, w, h, 0,
						  &out) == -EBADMSG,
			      "inverted cell %u not detected", i);
		free(frame);
	}
}
END_TEST

START_TEST(test_no_stamp)
{
	uint32_t fourcc = test_formats[_i % NR_TEST_FORMATS];
	struct camguard_stamp out;
	uint8_t *frame;
	size_t len;

	frame = make_frame(fourcc, 640, 480, 0, _i / 4 ? BG_NOISE : BG_BARS,
			   5, NULL, &len);
	ck_assert_ptr_nonnull(frame);
	ck_assert_int_eq(cg_stamp_decode_raw(frame, len, fourcc, 640, 480, 0,
					     &out), -EBADMSG);
	memset(frame, 0, len);
	ck_assert_int_eq(cg_stamp_decode_raw(frame, len, fourcc, 640, 480, 0,
					     &out), -EBADMSG);
	memset(frame, 0xff, len);
	ck_assert_int_eq(cg_stamp_decode_raw(frame, len, fourcc, 640, 480, 0,
					     &out), -EBADMSG);
	free(frame);
}
END_TEST

START_TEST(test_frame_size)
{
	static const struct {
		uint32_t fourcc, width, height, bpl_in, bpl_out;
		size_t size;
	} ok[] = {
		{ V4L2_PIX_FMT_YUYV, 640, 480, 0, 1280, 614400 },
		{ V4L2_PIX_FMT_RGB24, 640, 480, 0, 1920, 921600 },
		{ V4L2_PIX_FMT_NV12, 640, 480, 0, 640, 460800 },
		{ V4L2_PIX_FMT_GREY, 640, 480, 0, 640, 307200 },
		{ V4L2_PIX_FMT_YUYV, 640, 480, 1536, 1536, 737280 },
		{ V4L2_PIX_FMT_NV12, 1920, 1080, 2048, 2048, 3317760 },
		{ V4L2_PIX_FMT_GREY, 161, 121, 161, 161, 19481 },
		{ V4L2_PIX_FMT_RGB24, 8192, 8192, 0, 24576, 201326592 },
		{ V4L2_PIX_FMT_NV12, 8192, 8192, 0, 8192, 100663296 },
		{ V4L2_PIX_FMT_NV12, 144, 80, 145, 145, 17400 },
	};
	unsigned int i;
	uint32_t bpl;
	size_t size;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		bpl = ok[i].bpl_in;
		size = 0;
		ck_assert_int_eq(cg_stamp_frame_size(ok[i].fourcc, ok[i].width,
						     ok[i].height, &bpl,
						     &size), 0);
		ck_assert_uint_eq(bpl, ok[i].bpl_out);
		ck_assert_uint_eq(size, ok[i].size);
	}

	/* The largest stride times the largest height: fits in 64 bits. */
	bpl = UINT32_MAX;
	if (sizeof(size_t) >= 8) {
		ck_assert_int_eq(cg_stamp_frame_size(V4L2_PIX_FMT_NV12, 8192,
						     8192, &bpl, &size), 0);
		ck_assert_uint_eq(size, (uint64_t)UINT32_MAX * 12288);
	} else {
		ck_assert_int_eq(cg_stamp_frame_size(V4L2_PIX_FMT_NV12, 8192,
						     8192, &bpl, &size),
				 -EINVAL);
	}
	ck_assert_int_eq(cg_stamp_frame_size(V4L2_PIX_FMT_GREY, 640, 480, NULL,
					     &size), -EINVAL);
	bpl = 0;
	ck_assert_int_eq(cg_stamp_frame_size(V4L2_PIX_FMT_GREY, 640, 480, &bpl,
					     NULL), -EINVAL);
}
END_TEST

/*
 * The pixel-format table (pixfmt.c) that the stamp, the parsers, the JPEG
 * encoder and camguardd's capture all read: names, aliases, geometry, and
 * frame sizes below the stamp's minimum that only the stamp refuses.
 */
START_TEST(test_pixfmt_table)
{
	const struct cg_pixfmt *pf;
	uint32_t bpl = 0;
	size_t size = 0;

	pf = cg_pixfmt_named("rgb3");
	ck_assert_ptr_nonnull(pf);
	ck_assert_uint_eq(pf->fourcc, V4L2_PIX_FMT_RGB24);
	ck_assert_str_eq(pf->name, "RGB24");
	ck_assert_ptr_eq(cg_pixfmt_named("Yuyv"),
			 cg_pixfmt_find(V4L2_PIX_FMT_YUYV));
	ck_assert_ptr_null(cg_pixfmt_named("MJPG"));
	ck_assert_ptr_null(cg_pixfmt_named(NULL));
	ck_assert_ptr_null(cg_pixfmt_find(V4L2_PIX_FMT_MJPEG));

	pf = cg_pixfmt_find(V4L2_PIX_FMT_NV12);
	ck_assert_ptr_nonnull(pf);
	ck_assert_uint_eq(pf->planes, 2);
	ck_assert_uint_eq(pf->hsub, 2);
	ck_assert_uint_eq(pf->vsub, 2);

	/* 16x16 NV12: no stamp fits, but the format's layout is defined. */
	ck_assert_int_eq(cg_pixfmt_frame_size(V4L2_PIX_FMT_NV12, 16, 16, &bpl,
					      &size), 0);
	ck_assert_uint_eq(bpl, 16);
	ck_assert_uint_eq(size, 16 * 24);
	bpl = 0;
	ck_assert_int_eq(cg_stamp_frame_size(V4L2_PIX_FMT_NV12, 16, 16, &bpl,
					     &size), -EINVAL);
	ck_assert_int_eq(cg_pixfmt_frame_size(V4L2_PIX_FMT_NV12, 16, 15, &bpl,
					      &size), -EINVAL);
	ck_assert_int_eq(cg_pixfmt_frame_size(V4L2_PIX_FMT_YUYV, 15, 16, &bpl,
					      &size), -EINVAL);
	ck_assert_int_eq(cg_pixfmt_frame_size(V4L2_PIX_FMT_GREY, 0, 16, &bpl,
					      &size), -EINVAL);
	ck_assert_int_eq(cg_pixfmt_frame_size(V4L2_PIX_FMT_GREY, 8193, 16,
					      &bpl, &size), -EINVAL);
	ck_assert_int_eq(cg_pixfmt_frame_size(V4L2_PIX_FMT_MJPEG, 640, 480,
					      &bpl, &size), -EINVAL);
}
END_TEST

/* Arguments every entry point must refuse with -EINVAL. */
static const struct {
	uint32_t fourcc, width, height, bpl;
} bad_formats[] = {
	{ V4L2_PIX_FMT_GREY, 0, 0, 0 },
	{ V4L2_PIX_FMT_GREY, 0, 480, 0 },
	{ V4L2_PIX_FMT_GREY, 640, 0, 0 },
	{ V4L2_PIX_FMT_GREY, 1, 1, 0 },
	{ V4L2_PIX_FMT_GREY, 143, 80, 0 },
	{ V4L2_PIX_FMT_GREY, 144, 79, 0 },
	{ V4L2_PIX_FMT_GREY, 8193, 480, 0 },
	{ V4L2_PIX_FMT_GREY, 640, 8193, 0 },
	{ V4L2_PIX_FMT_RGB24, UINT32_MAX, UINT32_MAX, 0 },
	{ V4L2_PIX_FMT_RGB24, 0x10000, 0x10000, 0 },
	{ V4L2_PIX_FMT_RGB24, 0x55555556, 200, 0 },
	{ V4L2_PIX_FMT_YUYV, 641, 480, 0 },		/* odd width */
	{ V4L2_PIX_FMT_NV12, 641, 480, 0 },
	{ V4L2_PIX_FMT_NV12, 640, 481, 0 },		/* odd height */
	{ V4L2_PIX_FMT_YUYV, 640, 480, 1279 },		/* stride too small */
	{ V4L2_PIX_FMT_RGB24, 640, 480, 1919 },
	{ V4L2_PIX_FMT_NV12, 640, 480, 639 },
	{ V4L2_PIX_FMT_GREY, 640, 480, 1 },
	{ V4L2_PIX_FMT_MJPEG, 640, 480, 0 },		/* unsupported */
	{ V4L2_PIX_FMT_YVYU, 640, 480, 0 },
	{ V4L2_PIX_FMT_BGR24, 640, 480, 0 },
	{ 0, 640, 480, 0 },
	{ UINT32_MAX, 640, 480, 0 },
};

START_TEST(test_bad_args)
{
	static uint8_t buf[8192 * 3 * 4];
	struct camguard_stamp s = test_stamp(0), out;
	size_t size, len = sizeof(buf);
	unsigned int i;
	uint32_t bpl;

	for (i = 0; i < sizeof(bad_formats) / sizeof(bad_formats[0]); i++) {
		uint32_t f = bad_formats[i].fourcc, w = bad_formats[i].width;
		uint32_t h = bad_formats[i].height;

		bpl = bad_formats[i].bpl;
		size = 12345;
		ck_assert_int_eq(cg_stamp_frame_size(f, w, h, &bpl, &size),
				 -EINVAL);
		ck_assert_uint_eq(bpl, bad_formats[i].bpl);	/* untouched */
		ck_assert_uint_eq(size, 12345);
		ck_assert_msg(cg_stamp_decode_raw(buf, len, f, w, h,
						  bad_formats[i].bpl, &out) ==
			      -EINVAL, "decode accepted case %u", i);
		ck_assert_msg(cg_stamp_draw_raw(buf, len, f, w, h,
						bad_formats[i].bpl, &s) ==
			      -EINVAL, "draw accepted case %u", i);
	}

	ck_assert_int_eq(cg_stamp_decode_raw(NULL, len, V4L2_PIX_FMT_GREY, 160,
					     120, 0, &out), -EINVAL);
	ck_assert_int_eq(cg_stamp_decode_raw(buf, len, V4L2_PIX_FMT_GREY, 160,
					     120, 0, NULL), -EINVAL);
	ck_assert_int_eq(cg_stamp_draw_raw(NULL, len, V4L2_PIX_FMT_GREY, 160,
					   120, 0, &s), -EINVAL);
	ck_assert_int_eq(cg_stamp_draw_raw(buf, len, V4L2_PIX_FMT_GREY, 160,
					   120, 0, NULL), -EINVAL);
}
END_TEST

/* A buffer one byte short of a frame is refused and left alone. */
START_TEST(test_short_buffer)
{
	uint32_t fourcc = test_formats[_i % NR_TEST_FORMATS];
	uint32_t w = 320, h = 240, bpl = _i / 4 ? 1024 : 0;
	struct camguard_stamp s = test_stamp(4), out;
	uint8_t *frame, *copy;
	size_t len;

	frame = make_frame(fourcc, w, h, bpl, BG_NOISE, 3, &s, &len);
	ck_assert_ptr_nonnull(frame);
	ck_assert_int_eq(cg_stamp_decode_raw(frame, len, fourcc, w, h, bpl,
					     &out), 0);
	ck_assert_int_eq(cg_stamp_decode_raw(frame, len - 1, fourcc, w, h,
					     bpl, &out), -EMSGSIZE);
	ck_assert_int_eq(cg_stamp_decode_raw(frame, 0, fourcc, w, h, bpl,
					     &out), -EMSGSIZE);
	ck_assert_int_eq(cg_stamp_decode_raw(frame, 1, fourcc, w, h, bpl,
					     &out), -EMSGSIZE);

	copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, frame, len);
	s.sequence++;
	ck_assert_int_eq(cg_stamp_draw_raw(frame, len - 1, fourcc, w, h, bpl,
					   &s), -EMSGSIZE);
	ck_assert_mem_eq(frame, copy, len);
	ck_assert_int_eq(cg_stamp_draw_raw(frame, len, fourcc, w, h, bpl, &s),
			 0);
	ck_assert_int_eq(cg_stamp_decode_raw(frame, len, fourcc, w, h, bpl,
					     &out), 0);
	ck_assert_stamp_eq(&out, &s);
	free(copy);
	free(frame);
}
END_TEST

static uint32_t random_fourcc(uint64_t *rnd)
{
	uint32_t r = rnd_u32(rnd);

	return r % 5 < NR_TEST_FORMATS ? test_formats[r % 5] : rnd_u32(rnd);
}

/*
 * Random formats, sizes, strides and lengths over random bytes. The frame
 * sits at the end of the allocation so that any read past @len leaves it
 * (valgrind reports that). Every result must be the one the arguments
 * call for; random pixels must never pass magic and CRC.
 */
START_TEST(test_random_raw)
{
	const size_t cap = 2 << 20;
	uint64_t rnd = 42;
	unsigned int i, counts[4] = { 0 };
	struct camguard_stamp out;
	uint8_t *buf;

	buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	rnd_fill(&rnd, buf, cap);

	for (i = 0; i < 4000; i++) {
		uint32_t fourcc = random_fourcc(&rnd);
		uint32_t w = rnd_u32(&rnd) % 1100, h = rnd_u32(&rnd) % 700;
		uint32_t bpl = rnd_u32(&rnd) % 3 ? 0 : rnd_u32(&rnd) % 4000;
		uint32_t real_bpl = bpl;
		size_t size = 0, len;
		int want, ret;

		if (i % 8 == 0) {	/* a few absurd sizes too */
			w = rnd_u32(&rnd);
			h = rnd_u32(&rnd) >> (rnd_u32(&rnd) % 32);
		}
		want = cg_stamp_frame_size(fourcc, w, h, &real_bpl, &size);
		if (!want && size <= cap && rnd_u32(&rnd) % 2)
			len = size;
		else
			len = rnd_u32(&rnd) % (cap + 1);
		if (!want)
			want = len < size ? -EMSGSIZE : -EBADMSG;

		ret = cg_stamp_decode_raw(buf + cap - len, len, fourcc, w, h,
					  bpl, &out);
		ck_assert_msg(ret == want || (ret == 0 && want == -EBADMSG),
			      "case %u: %ux%u bpl %u len %zu: %d, not %d", i,
			      w, h, bpl, len, ret, want);
		counts[ret == 0 ? 0 : ret == -EINVAL ? 1 :
		       ret == -EMSGSIZE ? 2 : 3]++;
	}
	/* All paths taken, and no stamp conjured out of noise. */
	ck_assert_uint_eq(counts[0], 0);
	ck_assert_uint_gt(counts[1], 100);
	ck_assert_uint_gt(counts[2], 100);
	ck_assert_uint_gt(counts[3], 100);
	free(buf);
}
END_TEST

/* Random valid formats, sizes and strides: draw then decode. */
START_TEST(test_random_roundtrip)
{
	uint64_t rnd = 7;
	unsigned int i, done = 0;

	for (i = 0; i < 600; i++) {
		uint32_t fourcc = test_formats[rnd_u32(&rnd) % NR_TEST_FORMATS];
		uint32_t w = 144 + rnd_u32(&rnd) % 600;
		uint32_t h = 80 + rnd_u32(&rnd) % 400;
		uint32_t bpl = 0;
		struct camguard_stamp s = test_stamp(i), out;
		size_t size;
		uint8_t *frame;

		if (cg_stamp_frame_size(fourcc, w, h, &bpl, &size))
			continue;	/* odd size for YUYV or NV12 */
		bpl += rnd_u32(&rnd) % 3 ? 0 : rnd_u32(&rnd) % 100;
		frame = make_frame(fourcc, w, h, bpl, BG_NOISE, i, &s, &size);
		ck_assert_ptr_nonnull(frame);
		ck_assert_msg(cg_stamp_decode_raw(frame, size, fourcc, w, h,
						  bpl, &out) == 0,
			      "case %u: %ux%u bpl %u", i, w, h, bpl);
		ck_assert_stamp_eq(&out, &s);
		free(frame);
		done++;
	}
	ck_assert_uint_gt(done, 200);
}
END_TEST

START_TEST(test_strerror)
{
	static const int errs[] = { 0, -EINVAL, -EMSGSIZE, -EBADMSG, -EIO,
				    -ENOMEM };
	unsigned int i, j;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		ck_assert_ptr_nonnull(cg_stamp_strerror(errs[i]));
		ck_assert_str_ne(cg_stamp_strerror(errs[i]), "unknown error");
		for (j = 0; j < i; j++)
			ck_assert_str_ne(cg_stamp_strerror(errs[i]),
					 cg_stamp_strerror(errs[j]));
	}
	ck_assert_str_eq(cg_stamp_strerror(-EBADMSG), "bad magic or CRC");
	ck_assert_str_eq(cg_stamp_strerror(-ENOENT), "unknown error");
	ck_assert_str_eq(cg_stamp_strerror(12345), "unknown error");
}
END_TEST

Suite *stamp_suite(void)
{
	Suite *s = suite_create("stamp");
	TCase *tc;

	tc = tcase_create("payload");
	tcase_add_test(tc, test_crc_reference);
	tcase_add_test(tc, test_pack_layout);
	tcase_add_test(tc, test_pack_roundtrip);
	tcase_add_loop_test(tc, test_crc_bit_errors, 0, 4);
	tcase_add_test(tc, test_cell_size);
	suite_add_tcase(s, tc);

	tc = tcase_create("raw");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_roundtrip, 0, 80);
	tcase_add_loop_test(tc, test_layout, 0, 40);
	tcase_add_test(tc, test_odd_sizes);
	tcase_add_test(tc, test_threshold);
	tcase_add_test(tc, test_threshold_rgb);
	tcase_add_loop_test(tc, test_cell_corruption, 0, NR_TEST_FORMATS);
	tcase_add_loop_test(tc, test_no_stamp, 0, 2 * NR_TEST_FORMATS);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_frame_size);
	tcase_add_test(tc, test_pixfmt_table);
	tcase_add_test(tc, test_bad_args);
	tcase_add_loop_test(tc, test_short_buffer, 0, 2 * NR_TEST_FORMATS);
	tcase_add_test(tc, test_random_raw);
	tcase_add_test(tc, test_random_roundtrip);
	tcase_add_test(tc, test_strerror);
	suite_add_tcase(s, tc);
	return s;
}
