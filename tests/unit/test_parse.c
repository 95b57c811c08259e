// SPDX-License-Identifier: GPL-2.0
/* Tests of the camguard-stamp option parsers and the JPEG stream splitter. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/videodev2.h>

#include "parse.h"
#include "unit.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

START_TEST(test_u32_accepted)
{
	static const struct {
		const char *s;
		uint32_t min, max, want;
	} ok[] = {
		{ "0", 0, UINT32_MAX, 0 },
		{ "1", 0, UINT32_MAX, 1 },
		{ "42", 0, UINT32_MAX, 42 },
		{ "007", 0, UINT32_MAX, 7 },		/* decimal, not octal */
		{ "4294967295", 0, UINT32_MAX, UINT32_MAX },
		{ "00000000000000000000042", 0, UINT32_MAX, 42 },
		{ "5", 5, 10, 5 },
		{ "10", 5, 10, 10 },
		{ "255", 0, 255, 255 },
	};
	unsigned int i;
	uint32_t v;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		v = 12345;
		ck_assert_msg(cg_parse_u32(ok[i].s, ok[i].min, ok[i].max, &v) ==
			      0, "'%s' refused", ok[i].s);
		ck_assert_uint_eq(v, ok[i].want);
	}
}
END_TEST

START_TEST(test_u32_rejected)
{
	static const struct {
		const char *s;
		uint32_t min, max;
		int err;
	} bad[] = {
		{ "", 0, UINT32_MAX, -EINVAL },
		{ " 1", 0, UINT32_MAX, -EINVAL },
		{ "1 ", 0, UINT32_MAX, -EINVAL },
		{ "\t1", 0, UINT32_MAX, -EINVAL },
		{ "1\n", 0, UINT32_MAX, -EINVAL },
		{ "+1", 0, UINT32_MAX, -EINVAL },
		{ "-1", 0, UINT32_MAX, -EINVAL },
		{ "-0", 0, UINT32_MAX, -EINVAL },
		{ "0x10", 0, UINT32_MAX, -EINVAL },
		{ "1e3", 0, UINT32_MAX, -EINVAL },
		{ "1.0", 0, UINT32_MAX, -EINVAL },
		{ "12a", 0, UINT32_MAX, -EINVAL },
		{ "a", 0, UINT32_MAX, -EINVAL },
		{ "one", 0, UINT32_MAX, -EINVAL },
		{ "99999999999999999999a", 0, UINT32_MAX, -EINVAL },
		{ "4294967296", 0, UINT32_MAX, -ERANGE },
		{ "18446744073709551615", 0, UINT32_MAX, -ERANGE },
		{ "18446744073709551616", 0, UINT32_MAX, -ERANGE },
		{ "99999999999999999999999", 0, UINT32_MAX, -ERANGE },
		{ "4", 5, 10, -ERANGE },
		{ "11", 5, 10, -ERANGE },
		{ "0", 1, UINT32_MAX, -ERANGE },
		{ "256", 0, 255, -ERANGE },
	};
	unsigned int i;
	uint32_t v = 777;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_msg(cg_parse_u32(bad[i].s, bad[i].min, bad[i].max,
					   &v) == bad[i].err,
			      "'%s' not refused with %d", bad[i].s, bad[i].err);
		ck_assert_uint_eq(v, 777);
	}
	ck_assert_int_eq(cg_parse_u32(NULL, 0, 1, &v), -EINVAL);
	ck_assert_int_eq(cg_parse_u32("1", 0, 1, NULL), -EINVAL);
}
END_TEST

START_TEST(test_size_accepted)
{
	static const struct {
		const char *s;
		uint32_t w, h;
	} ok[] = {
		{ "640x480", 640, 480 },
		{ "1920X1080", 1920, 1080 },
		{ "1x1", 1, 1 },
		{ "8192x8192", 8192, 8192 },
		{ "160x120", 160, 120 },
		{ "0640x0480", 640, 480 },
	};
	unsigned int i;
	uint32_t w, h;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		w = h = 0;
		ck_assert_msg(cg_parse_size(ok[i].s, &w, &h) == 0,
			      "'%s' refused", ok[i].s);
		ck_assert_uint_eq(w, ok[i].w);
		ck_assert_uint_eq(h, ok[i].h);
	}
}
END_TEST

START_TEST(test_size_rejected)
{
	static const struct {
		const char *s;
		int err;
	} bad[] = {
		{ "", -EINVAL },
		{ "640", -EINVAL },
		{ "640x", -EINVAL },
		{ "x480", -EINVAL },
		{ "x", -EINVAL },
		{ "640x480x", -EINVAL },
		{ "640x480x1", -EINVAL },
		{ "640xx480", -EINVAL },
		{ "640*480", -EINVAL },
		{ "640,480", -EINVAL },
		{ "640 480", -EINVAL },
		{ " 640x480", -EINVAL },
		{ "640 x480", -EINVAL },
		{ "640x 480", -EINVAL },
		{ "640x480 ", -EINVAL },
		{ "-640x480", -EINVAL },
		{ "640x-480", -EINVAL },
		{ "+640x480", -EINVAL },
		{ "640x+480", -EINVAL },
		{ "0x280x480", -EINVAL },
		{ "640.0x480", -EINVAL },
		{ "99999999999999999999x", -EINVAL },
		{ "0x480", -ERANGE },
		{ "640x0", -ERANGE },
		{ "0x0", -ERANGE },
		{ "8193x480", -ERANGE },
		{ "640x8193", -ERANGE },
		{ "4294967296x480", -ERANGE },
		{ "640x99999999999999999999", -ERANGE },
	};
	unsigned int i;
	uint32_t w = 1, h = 2;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_msg(cg_parse_size(bad[i].s, &w, &h) == bad[i].err,
			      "'%s' not refused with %d", bad[i].s, bad[i].err);
		ck_assert_uint_eq(w, 1);
		ck_assert_uint_eq(h, 2);
	}
	ck_assert_int_eq(cg_parse_size(NULL, &w, &h), -EINVAL);
	ck_assert_int_eq(cg_parse_size("640x480", NULL, &h), -EINVAL);
	ck_assert_int_eq(cg_parse_size("640x480", &w, NULL), -EINVAL);
}
END_TEST

START_TEST(test_fourcc)
{
	static const struct {
		const char *s;
		uint32_t fourcc;
	} ok[] = {
		{ "YUYV", V4L2_PIX_FMT_YUYV }, { "yuyv", V4L2_PIX_FMT_YUYV },
		{ "RGB24", V4L2_PIX_FMT_RGB24 }, { "rgb24", V4L2_PIX_FMT_RGB24 },
		{ "RGB3", V4L2_PIX_FMT_RGB24 }, { "NV12", V4L2_PIX_FMT_NV12 },
		{ "nv12", V4L2_PIX_FMT_NV12 }, { "GREY", V4L2_PIX_FMT_GREY },
		{ "Grey", V4L2_PIX_FMT_GREY },
	};
	static const char *const bad[] = {
		"", "YUY", "YUYV ", " YUYV", "YUYV2", "MJPG", "RGB", "BGR3",
		"GRAY", "NV21", "Y8", "rgb24\n",
	};
	unsigned int i;
	uint32_t f;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		f = 0;
		ck_assert_msg(cg_parse_fourcc(ok[i].s, &f) == 0, "'%s' refused",
			      ok[i].s);
		ck_assert_uint_eq(f, ok[i].fourcc);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		f = 0;
		ck_assert_msg(cg_parse_fourcc(bad[i], &f) == -EINVAL,
			      "'%s' accepted", bad[i]);
		ck_assert_uint_eq(f, 0);
	}
	ck_assert_int_eq(cg_parse_fourcc(NULL, &f), -EINVAL);
	ck_assert_int_eq(cg_parse_fourcc("YUYV", NULL), -EINVAL);

	ck_assert_str_eq(cg_fourcc_name(V4L2_PIX_FMT_YUYV), "YUYV");
	ck_assert_str_eq(cg_fourcc_name(V4L2_PIX_FMT_RGB24), "RGB24");
	ck_assert_str_eq(cg_fourcc_name(V4L2_PIX_FMT_NV12), "NV12");
	ck_assert_str_eq(cg_fourcc_name(V4L2_PIX_FMT_GREY), "GREY");
	ck_assert_ptr_null(cg_fourcc_name(V4L2_PIX_FMT_MJPEG));
	ck_assert_ptr_null(cg_fourcc_name(0));
}
END_TEST

/* Collect the [start, end) ranges cg_jpeg_next() finds, up to @max. */
static unsigned int split(const uint8_t *buf, size_t len, size_t *ranges,
			  unsigned int max)
{
	size_t pos = 0, start, end;
	unsigned int n = 0;

	while (n < max && cg_jpeg_next(buf, len, pos, &start, &end)) {
		ck_assert_uint_ge(start, pos);
		ck_assert_uint_gt(end, start);
		ck_assert_uint_le(end, len);
		ranges[2 * n] = start;
		ranges[2 * n + 1] = end;
		pos = end;
		n++;
	}
	return n;
}

/* A minimal JPEG-shaped stream: SOI, a DQT-like segment, a scan, EOI. */
static const uint8_t tiny[] = {
	0xff, 0xd8,
	0xff, 0xdb, 0x00, 0x05, 0xff, 0xd9, 0x00,	/* EOI bytes inside */
	0xff, 0xda, 0x00, 0x04, 0xff, 0xd9,		/* ... a header too */
	0x12, 0xff, 0x00, 0x34, 0xff, 0xd3, 0x56,	/* stuffing, RST3 */
	0xff, 0xff, 0xd9,				/* fill, EOI */
};

START_TEST(test_jpeg_split_markers)
{
	uint8_t buf[3 * sizeof(tiny) + 16];
	size_t r[8], len = 0;

	ck_assert_uint_eq(split(tiny, sizeof(tiny), r, 4), 1);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_uint_eq(r[1], sizeof(tiny));

	/* Garbage before, between and after; a 0xff 0xd9 in the garbage. */
	memcpy(buf + len, "\x00\xff\xd9junk", 7);
	len += 7;
	memcpy(buf + len, tiny, sizeof(tiny));
	len += sizeof(tiny);
	memcpy(buf + len, tiny, sizeof(tiny));
	len += sizeof(tiny);
	memcpy(buf + len, "\xff\x00", 2);
	len += 2;
	memcpy(buf + len, tiny, sizeof(tiny));
	len += sizeof(tiny);
	memcpy(buf + len, "tail", 4);
	len += 4;
	ck_assert_uint_eq(split(buf, len, r, 4), 3);
	ck_assert_uint_eq(r[0], 7);
	ck_assert_uint_eq(r[1], 7 + sizeof(tiny));
	ck_assert_uint_eq(r[2], 7 + sizeof(tiny));
	ck_assert_uint_eq(r[3], 7 + 2 * sizeof(tiny));
	ck_assert_uint_eq(r[4], 9 + 2 * sizeof(tiny));
	ck_assert_uint_eq(r[5], 9 + 3 * sizeof(tiny));
}
END_TEST

START_TEST(test_jpeg_split_truncated)
{
	uint8_t buf[2 * sizeof(tiny)];
	size_t r[8], cut = 20, len;

	/* No EOI: runs to the end of the buffer. */
	ck_assert_uint_eq(split(tiny, sizeof(tiny) - 2, r, 4), 1);
	ck_assert_uint_eq(r[1], sizeof(tiny) - 2);
	ck_assert_uint_eq(split(tiny, 2, r, 4), 1);
	ck_assert_uint_eq(r[1], 2);
	ck_assert_uint_eq(split(tiny, 5, r, 4), 1);
	ck_assert_uint_eq(r[1], 5);

	/* Cut inside the scan and followed by a whole one: ends at its SOI. */
	memcpy(buf, tiny, cut);
	memcpy(buf + cut, tiny, sizeof(tiny));
	len = cut + sizeof(tiny);
	ck_assert_uint_eq(split(buf, len, r, 4), 2);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_uint_eq(r[1], cut);
	ck_assert_uint_eq(r[2], cut);
	ck_assert_uint_eq(r[3], len);

	/* Cut inside the headers: the next SOI ends it too. */
	memcpy(buf, tiny, 4);
	memcpy(buf + 4, tiny, sizeof(tiny));
	ck_assert_uint_eq(split(buf, 4 + sizeof(tiny), r, 4), 2);
	ck_assert_uint_eq(r[1], 4);
}
END_TEST

START_TEST(test_jpeg_split_nothing)
{
	static const uint8_t no_soi[] = { 0xff, 0xd9, 0xff, 0x00, 0xd8, 0xff };
	size_t start = 99, end = 99;

	ck_assert_int_eq(cg_jpeg_next(no_soi, sizeof(no_soi), 0, &start,
				      &end), 0);
	ck_assert_int_eq(cg_jpeg_next(tiny, 0, 0, &start, &end), 0);
	ck_assert_int_eq(cg_jpeg_next(tiny, 1, 0, &start, &end), 0);
	ck_assert_int_eq(cg_jpeg_next(tiny, sizeof(tiny), sizeof(tiny), &start,
				      &end), 0);
	ck_assert_int_eq(cg_jpeg_next(tiny, sizeof(tiny), 1000, &start, &end),
			 0);
	ck_assert_int_eq(cg_jpeg_next(NULL, 10, 0, &start, &end), 0);
	ck_assert_uint_eq(start, 99);
	ck_assert_uint_eq(end, 99);
}
END_TEST

/* Corrupt segments: bad lengths and stray bytes resynchronise. */
START_TEST(test_jpeg_split_corrupt)
{
	static const uint8_t short_len[] = {
		0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01, 0x11, 0x22,
		0xff, 0xd9, 0xff, 0xd8, 0xff, 0xd9,
	};
	static const uint8_t stray[] = {
		0xff, 0xd8, 0x42, 0x43, 0xff, 0x00, 0xff, 0xd9,
	};
	static const uint8_t long_len[] = {
		0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff, 0xff, 0xd9,
	};
	size_t r[8];

	ck_assert_uint_eq(split(short_len, sizeof(short_len), r, 4), 2);
	ck_assert_uint_eq(r[1], 10);
	ck_assert_uint_eq(r[2], 10);
	ck_assert_uint_eq(r[3], 14);
	ck_assert_uint_eq(split(stray, sizeof(stray), r, 4), 1);
	ck_assert_uint_eq(r[1], sizeof(stray));
	ck_assert_uint_eq(split(long_len, sizeof(long_len), r, 4), 1);
	ck_assert_uint_eq(r[1], sizeof(long_len));
}
END_TEST

/*
 * An EXIF-style APP1 segment carrying a whole thumbnail JPEG, SOI to EOI,
 * must not end the image: segments are skipped by their length.
 */
START_TEST(test_jpeg_split_thumbnail)
{
	size_t app1_len = 2 + 6 + sizeof(tiny);
	size_t outer_len = 2 + 2 + app1_len + sizeof(tiny) - 2;
	uint8_t *outer, *stream;
	size_t r[16], pos = 0;
	unsigned int i;

	outer = malloc(outer_len);
	stream = malloc(3 * outer_len);
	ck_assert_ptr_nonnull(outer);
	ck_assert_ptr_nonnull(stream);
	outer[pos++] = 0xff;
	outer[pos++] = 0xd8;
	outer[pos++] = 0xff;
	outer[pos++] = 0xe1;
	outer[pos++] = (uint8_t)(app1_len >> 8);
	outer[pos++] = (uint8_t)app1_len;
	memcpy(outer + pos, "Exif\0\0", 6);
	pos += 6;
	memcpy(outer + pos, tiny, sizeof(tiny));
	pos += sizeof(tiny);
	memcpy(outer + pos, tiny + 2, sizeof(tiny) - 2);
	pos += sizeof(tiny) - 2;
	ck_assert_uint_eq(pos, outer_len);

	for (i = 0; i < 3; i++)
		memcpy(stream + i * outer_len, outer, outer_len);
	ck_assert_uint_eq(split(stream, 3 * outer_len, r, 8), 3);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(r[2 * i], i * outer_len);
		ck_assert_uint_eq(r[2 * i + 1], (i + 1) * outer_len);
	}
	free(stream);
	free(outer);
}
END_TEST

/* Random bytes rich in 0xff and marker codes: always terminates, in order. */
START_TEST(test_jpeg_split_random)
{
	static const uint8_t alphabet[] = { 0xff, 0xd8, 0xd9, 0xda, 0x00, 0xd0,
					    0xe1, 0x01, 0x02, 0x10 };
	uint64_t rnd = 5;
	unsigned int i, total = 0;
	uint8_t *buf;
	size_t r[2 * 600], len, j;

	for (i = 0; i < 2000; i++) {
		len = rnd_u32(&rnd) % 1024;
		buf = malloc(len ? len : 1);
		ck_assert_ptr_nonnull(buf);
		for (j = 0; j < len; j++)
			buf[j] = alphabet[rnd_u32(&rnd) % sizeof(alphabet)];
		total += split(buf, len, r, 600);
		free(buf);
	}
	ck_assert_uint_gt(total, 1000);
}
END_TEST

Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc;

	tc = tcase_create("options");
	tcase_add_test(tc, test_u32_accepted);
	tcase_add_test(tc, test_u32_rejected);
	tcase_add_test(tc, test_size_accepted);
	tcase_add_test(tc, test_size_rejected);
	tcase_add_test(tc, test_fourcc);
	suite_add_tcase(s, tc);

	tc = tcase_create("jpeg-split");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_jpeg_split_markers);
	tcase_add_test(tc, test_jpeg_split_truncated);
	tcase_add_test(tc, test_jpeg_split_nothing);
	tcase_add_test(tc, test_jpeg_split_corrupt);
	tcase_add_test(tc, test_jpeg_split_thumbnail);
	tcase_add_test(tc, test_jpeg_split_random);
	suite_add_tcase(s, tc);
	return s;
}
