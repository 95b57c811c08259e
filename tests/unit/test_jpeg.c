// SPDX-License-Identifier: GPL-2.0
/* Tests of cg_stamp_decode_jpeg(): real TurboJPEG output and hostile input. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/videodev2.h>
#include <turbojpeg.h>

#include "parse.h"
#include "unit.h"

struct jpeg {
	unsigned char *data;
	unsigned long size;
};

static void jpeg_free(struct jpeg *j)
{
	tjFree(j->data);
	j->data = NULL;
}

/* Compress packed pixels (TJPF_RGB, TJPF_GRAY, ...) with TurboJPEG. */
static int compress_packed(struct jpeg *j, const uint8_t *pixels,
			   uint32_t width, uint32_t height, uint32_t pitch,
			   int pixel_format, int subsamp, int quality,
			   int flags)
{
	tjhandle tj = tjInitCompress();
	int ret;

	if (!tj)
		return -1;
	j->data = NULL;
	j->size = 0;
	ret = tjCompress2(tj, pixels, (int)width, (int)pitch, (int)height,
			  pixel_format, &j->data, &j->size, subsamp, quality,
			  flags);
	tjDestroy(tj);
	return ret;
}

/*
 * Compress the planes of a YUYV frame (as 4:2:2) or an NV12 frame (as
 * 4:2:0), the way a camera pipeline hands YUV straight to the encoder.
 */
static int compress_yuv(struct jpeg *j, const uint8_t *frame, uint32_t fourcc,
			uint32_t width, uint32_t height, int quality)
{
	uint32_t cw = width / 2;
	uint32_t ch = fourcc == V4L2_PIX_FMT_NV12 ? height / 2 : height;
	uint8_t *y = malloc((size_t)width * height);
	uint8_t *u = malloc((size_t)cw * ch);
	uint8_t *v = malloc((size_t)cw * ch);
	const unsigned char *planes[3] = { y, u, v };
	int strides[3] = { (int)width, (int)cw, (int)cw };
	int subsamp, ret = -1;
	uint32_t row, x;
	tjhandle tj;

	if (!y || !u || !v)
		goto out;
	if (fourcc == V4L2_PIX_FMT_NV12) {
		const uint8_t *cbcr = frame + (size_t)width * height;

		memcpy(y, frame, (size_t)width * height);
		for (x = 0; x < cw * ch; x++) {
			u[x] = cbcr[2 * x];
			v[x] = cbcr[2 * x + 1];
		}
		subsamp = TJSAMP_420;
	} else {
		for (row = 0; row < height; row++) {
			const uint8_t *p = frame + (size_t)row * 2 * width;

			for (x = 0; x < width; x++)
				y[(size_t)row * width + x] = p[2 * x];
			for (x = 0; x < cw; x++) {
				u[(size_t)row * cw + x] = p[4 * x + 1];
				v[(size_t)row * cw + x] = p[4 * x + 3];
			}
		}
		subsamp = TJSAMP_422;
	}

	tj = tjInitCompress();
	if (!tj)
		goto out;
	j->data = NULL;
	j->size = 0;
	ret = tjCompressFromYUVPlanes(tj, planes, (int)width, strides,
				      (int)height, subsamp, &j->data, &j->size,
				      quality, 0);
	tjDestroy(tj);
out:
	free(y);
	free(u);
	free(v);
	return ret;
}

/* A stamped JPEG over noise, from RGB24 pixels. */
static void make_jpeg(struct jpeg *j, uint32_t width, uint32_t height,
		      const struct camguard_stamp *s, int subsamp, int quality,
		      int flags)
{
	uint8_t *frame;
	size_t len;

	frame = make_frame(V4L2_PIX_FMT_RGB24, width, height, 0, BG_NOISE, 11,
			   s, &len);
	ck_assert_ptr_nonnull(frame);
	ck_assert_int_eq(compress_packed(j, frame, width, height, 3 * width,
					 TJPF_RGB, subsamp, quality, flags), 0);
	free(frame);
}

static void assert_decodes(const struct jpeg *j, uint32_t width,
			   uint32_t height, const struct camguard_stamp *s)
{
	struct camguard_stamp out;
	uint32_t w = 0, h = 0;

	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(cg_stamp_decode_jpeg(j->data, j->size, &out, &w, &h),
			 0);
	ck_assert_stamp_eq(&out, s);
	ck_assert_uint_eq(w, width);
	ck_assert_uint_eq(h, height);
}

/*
 * Sizes x quality 50/75 x 4:2:0/4:2:2 x from RGB / from YUV planes, all
 * over a noisy background.
 */
START_TEST(test_jpeg_roundtrip)
{
	unsigned int i = (unsigned int)_i;
	const struct test_size *sz = &test_sizes[i % NR_TEST_SIZES];
	int quality = i / 5 % 2 ? 75 : 50;
	int subsamp = i / 10 % 2 ? TJSAMP_422 : TJSAMP_420;
	int from_yuv = i / 20;
	struct camguard_stamp s = test_stamp(i);
	struct jpeg j;

	if (from_yuv) {
		uint32_t fourcc = subsamp == TJSAMP_420 ? V4L2_PIX_FMT_NV12 :
							  V4L2_PIX_FMT_YUYV;
		uint8_t *frame;
		size_t len;

		frame = make_frame(fourcc, sz->width, sz->height, 0, BG_NOISE,
				   i, &s, &len);
		ck_assert_ptr_nonnull(frame);
		ck_assert_int_eq(compress_yuv(&j, frame, fourcc, sz->width,
					      sz->height, quality), 0);
		free(frame);
	} else {
		make_jpeg(&j, sz->width, sz->height, &s, subsamp, quality, 0);
	}
	assert_decodes(&j, sz->width, sz->height, &s);
	jpeg_free(&j);
}
END_TEST

/* Other JPEG flavours: grey, 4:4:4, progressive, odd sizes, low quality. */
START_TEST(test_jpeg_variants)
{
	struct camguard_stamp s = test_stamp(77);
	uint8_t *frame;
	struct jpeg j;
	size_t len;

	frame = make_frame(V4L2_PIX_FMT_GREY, 320, 240, 0, BG_NOISE, 1, &s,
			   &len);
	ck_assert_ptr_nonnull(frame);
	ck_assert_int_eq(compress_packed(&j, frame, 320, 240, 320, TJPF_GRAY,
					 TJSAMP_GRAY, 50, 0), 0);
	assert_decodes(&j, 320, 240, &s);
	jpeg_free(&j);
	free(frame);

	make_jpeg(&j, 640, 480, &s, TJSAMP_444, 50, 0);
	assert_decodes(&j, 640, 480, &s);
	jpeg_free(&j);

	make_jpeg(&j, 640, 480, &s, TJSAMP_420, 50, TJFLAG_PROGRESSIVE);
	assert_decodes(&j, 640, 480, &s);
	jpeg_free(&j);

	make_jpeg(&j, 161, 121, &s, TJSAMP_420, 50, 0);
	assert_decodes(&j, 161, 121, &s);
	jpeg_free(&j);

	make_jpeg(&j, 1001, 577, &s, TJSAMP_422, 75, 0);
	assert_decodes(&j, 1001, 577, &s);
	jpeg_free(&j);

	/* Whole-block cells survive far worse than the q50 we promise. */
	make_jpeg(&j, 160, 120, &s, TJSAMP_420, 10, 0);
	assert_decodes(&j, 160, 120, &s);
	jpeg_free(&j);
}
END_TEST

START_TEST(test_jpeg_no_stamp)
{
	struct camguard_stamp out;
	struct jpeg j;
	uint32_t w = 0, h = 0;

	make_jpeg(&j, 640, 480, NULL, TJSAMP_420, 75, 0);
	ck_assert_int_eq(cg_stamp_decode_jpeg(j.data, j.size, &out, &w, &h),
			 -EBADMSG);
	ck_assert_uint_eq(w, 640);
	ck_assert_uint_eq(h, 480);
	jpeg_free(&j);
}
END_TEST

/* Offset of the SOS marker, following the segment lengths. */
static size_t find_sos(const struct jpeg *j)
{
	size_t i = 2;

	while (i + 4 <= j->size && j->data[i] == 0xff &&
	       j->data[i + 1] != 0xda)
		i += 2 + ((size_t)j->data[i + 2] << 8 | j->data[i + 3]);
	ck_assert_uint_lt(i + 4, j->size);
	ck_assert_uint_eq(j->data[i + 1], 0xda);
	return i;
}

/* Offset of the SOF0 height field. */
static size_t find_sof_size(const struct jpeg *j)
{
	size_t i = 2;

	while (i + 4 <= j->size && j->data[i] == 0xff &&
	       j->data[i + 1] != 0xc0)
		i += 2 + ((size_t)j->data[i + 2] << 8 | j->data[i + 3]);
	ck_assert_uint_lt(i + 9, j->size);
	return i + 5;
}

START_TEST(test_jpeg_bad_args)
{
	static const char garbage[] = "this is not a JPEG image at all";
	static const uint8_t soi[] = { 0xff, 0xd8 };
	static const uint8_t soi_eoi[] = { 0xff, 0xd8, 0xff, 0xd9 };
	uint8_t tables[2 + 2 + 2 + 1 + 64 + 2];	/* SOI DQT(8-bit, 64) EOI */
	struct camguard_stamp s = test_stamp(5), out;
	uint32_t w = 77, h = 77;
	struct jpeg j;

	memset(tables, 1, sizeof(tables));
	memcpy(tables, "\xff\xd8\xff\xdb\x00\x43\x00", 7);
	memcpy(tables + sizeof(tables) - 2, "\xff\xd9", 2);

	make_jpeg(&j, 160, 120, &s, TJSAMP_420, 50, 0);
	ck_assert_int_eq(cg_stamp_decode_jpeg(NULL, j.size, &out, &w, &h),
			 -EINVAL);
	ck_assert_int_eq(cg_stamp_decode_jpeg(j.data, j.size, NULL, &w, &h),
			 -EINVAL);
	ck_assert_int_eq(cg_stamp_decode_jpeg(j.data, 0, &out, &w, &h), -EIO);
	ck_assert_uint_eq(w, 77);	/* untouched without a header */
	ck_assert_int_eq(cg_stamp_decode_jpeg(garbage, sizeof(garbage), &out,
					      &w, &h), -EIO);
	ck_assert_int_eq(cg_stamp_decode_jpeg(soi, sizeof(soi), &out, &w, &h),
			 -EIO);
	ck_assert_int_eq(cg_stamp_decode_jpeg(soi_eoi, sizeof(soi_eoi), &out,
					      &w, &h), -EIO);
	ck_assert_uint_eq(w, 77);
	/* Tables only (DQT, no frame): TurboJPEG says yes but has no size. */
	ck_assert_int_eq(cg_stamp_decode_jpeg(tables, sizeof(tables), &out,
					      &w, &h), -EIO);
	ck_assert_uint_eq(w, 77);

	/* NULL width and height are allowed. */
	ck_assert_int_eq(cg_stamp_decode_jpeg(j.data, j.size, &out, NULL,
					      NULL), 0);
	ck_assert_stamp_eq(&out, &s);
	jpeg_free(&j);
}
END_TEST

START_TEST(test_jpeg_bad_size)
{
	struct camguard_stamp s = test_stamp(6), out;
	uint32_t w = 0, h = 0;
	uint8_t *small;
	struct jpeg j;
	size_t sof;

	/* Too small to hold a stamp: refused, but its size is reported. */
	small = calloc(143 * 120, 3);
	ck_assert_ptr_nonnull(small);
	ck_assert_int_eq(compress_packed(&j, small, 143, 120, 3 * 143,
					 TJPF_RGB, TJSAMP_420, 50, 0), 0);
	free(small);
	ck_assert_int_eq(cg_stamp_decode_jpeg(j.data, j.size, &out, &w, &h),
			 -EINVAL);
	ck_assert_uint_eq(w, 143);
	ck_assert_uint_eq(h, 120);
	jpeg_free(&j);

	/* A header claiming more than 8192 pixels is refused before allocating. */
	make_jpeg(&j, 160, 120, &s, TJSAMP_420, 50, 0);
	sof = find_sof_size(&j);
	j.data[sof] = 9000 >> 8;
	j.data[sof + 1] = 9000 & 0xff;
	ck_assert_int_eq(cg_stamp_decode_jpeg(j.data, j.size, &out, &w, &h),
			 -EINVAL);
	ck_assert_uint_eq(w, 160);
	ck_assert_uint_eq(h, 9000);
	j.data[sof] = 65500 >> 8;
	j.data[sof + 1] = 65500 & 0xff;
	j.data[sof + 2] = 65500 >> 8;
	j.data[sof + 3] = 65500 & 0xff;
	ck_assert_int_eq(cg_stamp_decode_jpeg(j.data, j.size, &out, &w, &h),
			 -EINVAL);
	ck_assert_uint_eq(w, 65500);
	ck_assert_uint_eq(h, 65500);
	/* Beyond libjpeg's own limit the header does not parse. */
	j.data[sof + 3] = 0xff;
	w = h = 1;
	ck_assert_int_eq(cg_stamp_decode_jpeg(j.data, j.size, &out, &w, &h),
			 -EIO);
	ck_assert_uint_eq(w, 1);

	/* A big header over a small image decodes what it has: no stamp. */
	j.data[sof] = 2048 >> 8;
	j.data[sof + 1] = 0;
	j.data[sof + 2] = 2048 >> 8;
	j.data[sof + 3] = 0;
	ck_assert_int_eq(cg_stamp_decode_jpeg(j.data, j.size, &out, &w, &h),
			 -EBADMSG);
	ck_assert_uint_eq(w, 2048);

	/* A zero height is not a decodable image. */
	j.data[sof] = 0;
	j.data[sof + 1] = 0;
	ck_assert_int_eq(cg_stamp_decode_jpeg(j.data, j.size, &out, &w, &h),
			 -EIO);
	jpeg_free(&j);
}
END_TEST

/* CMYK JPEGs have no luma to read. */
START_TEST(test_jpeg_cmyk)
{
	struct camguard_stamp out;
	uint8_t *cmyk;
	struct jpeg j;

	cmyk = calloc(160 * 120, 4);
	ck_assert_ptr_nonnull(cmyk);
	ck_assert_int_eq(compress_packed(&j, cmyk, 160, 120, 160 * 4,
					 TJPF_CMYK, TJSAMP_444, 75, 0), 0);
	ck_assert_int_eq(cg_stamp_decode_jpeg(j.data, j.size, &out, NULL,
					      NULL), -EIO);
	jpeg_free(&j);
	free(cmyk);
}
END_TEST

/*
 * A progressive JPEG with its last scan repeated 1000 times: without
 * TJFLAG_LIMITSCANS libjpeg decodes it (slowly, for big images); with it
 * the decoder refuses. (libjpeg warns about the bogus progression first,
 * so TurboJPEG reports the fatal error as a warning; the zeroed output
 * then reads as no stamp.)
 */
START_TEST(test_jpeg_many_scans)
{
	struct camguard_stamp s = test_stamp(12), out;
	size_t i, last = 0, tail, len;
	struct jpeg j;
	uint8_t *big;
	int ret;

	make_jpeg(&j, 160, 120, &s, TJSAMP_420, 75, TJFLAG_PROGRESSIVE);
	assert_decodes(&j, 160, 120, &s);
	for (i = 0; i + 1 < j.size; i++)	/* the last SOS */
		if (j.data[i] == 0xff && j.data[i + 1] == 0xda)
			last = i;
	ck_assert_uint_gt(last, 0);
	tail = j.size - 2 - last;		/* last scan, without EOI */
	len = last + 1000 * tail + 2;
	big = malloc(len);
	ck_assert_ptr_nonnull(big);
	memcpy(big, j.data, last);
	for (i = 0; i < 1000; i++)
		memcpy(big + last + i * tail, j.data + last, tail);
	memcpy(big + len - 2, "\xff\xd9", 2);

	ret = cg_stamp_decode_jpeg(big, len, &out, NULL, NULL);
	ck_assert_msg(ret == -EIO || ret == -EBADMSG, "decoded: %d", ret);
	free(big);
	jpeg_free(&j);
}
END_TEST

/*
 * Truncated at every length in steps: before the scan it cannot decode,
 * after the start of the scan libjpeg pads with grey; either way a stamp
 * may only come out if it is the real one. The truncated copy is its own
 * allocation, so reading past it is caught by valgrind.
 */
START_TEST(test_jpeg_truncated)
{
	struct camguard_stamp s = test_stamp(8), out;
	unsigned int decoded = 0, failed = 0;
	size_t len, sos;
	struct jpeg j;
	uint8_t *copy;
	int ret;

	make_jpeg(&j, 320, 240, &s, TJSAMP_420, 50, 0);
	sos = find_sos(&j);
	for (len = 1; len <= j.size; len += len < sos + 64 ? 7 : 211) {
		copy = malloc(len);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, j.data, len);
		memset(&out, 0, sizeof(out));
		ret = cg_stamp_decode_jpeg(copy, len, &out, NULL, NULL);
		if (len <= sos)
			ck_assert_msg(ret == -EIO, "len %zu: %d", len, ret);
		else if (ret == 0)
			ck_assert_stamp_eq(&out, &s);
		else
			ck_assert_msg(ret == -EBADMSG || ret == -EIO,
				      "len %zu: %d", len, ret);
		ret ? failed++ : decoded++;
		free(copy);
	}
	ck_assert_uint_gt(decoded, 0);
	ck_assert_uint_gt(failed, 0);
	/* Just past the scan header: all grey, no stamp. */
	ck_assert_int_eq(cg_stamp_decode_jpeg(j.data, sos + 20, &out, NULL,
					      NULL), -EBADMSG);
	jpeg_free(&j);
}
END_TEST

/* Random bytes, with and without a JPEG signature: never a stamp. */
START_TEST(test_jpeg_random)
{
	static const uint8_t sig[] = { 0xff, 0xd8, 0xff, 0xdb };
	struct camguard_stamp out;
	uint64_t rnd = 99;
	unsigned int i;
	uint8_t *buf;
	size_t len;
	int ret;

	for (i = 0; i < 2000; i++) {
		len = rnd_u32(&rnd) % 4096;
		buf = malloc(len ? len : 1);
		ck_assert_ptr_nonnull(buf);
		rnd_fill(&rnd, buf, len);
		if (i % 2 && len >= sizeof(sig))
			memcpy(buf, sig, sizeof(sig));
		ret = cg_stamp_decode_jpeg(buf, len, &out, NULL, NULL);
		ck_assert_msg(ret == -EIO || ret == -EINVAL || ret == -EBADMSG,
			      "case %u: %d", i, ret);
		free(buf);
	}
}
END_TEST

/*
 * A valid stamped JPEG with a few random bytes changed, headers included.
 * Whatever decodes must be the true stamp; the rest must fail cleanly.
 */
START_TEST(test_jpeg_mutated)
{
	struct camguard_stamp s = test_stamp(10), out;
	unsigned int i, k, counts[2] = { 0 };
	uint64_t rnd = 1234;
	struct jpeg j;
	uint8_t *copy;
	int ret;

	make_jpeg(&j, 160, 120, &s, TJSAMP_420, 50, 0);
	copy = malloc(j.size);
	ck_assert_ptr_nonnull(copy);
	for (i = 0; i < 2000; i++) {
		memcpy(copy, j.data, j.size);
		for (k = 0; k < 1 + rnd_u32(&rnd) % 8; k++)
			copy[rnd_u32(&rnd) % j.size] = (uint8_t)rnd_u32(&rnd);
		memset(&out, 0, sizeof(out));
		ret = cg_stamp_decode_jpeg(copy, j.size, &out, NULL, NULL);
		if (ret == 0)
			ck_assert_stamp_eq(&out, &s);
		else
			ck_assert_msg(ret == -EIO || ret == -EINVAL ||
				      ret == -EBADMSG, "case %u: %d", i, ret);
		counts[!!ret]++;
	}
	ck_assert_uint_gt(counts[0], 100);
	ck_assert_uint_gt(counts[1], 100);
	free(copy);
	jpeg_free(&j);
}
END_TEST

/*
 * What `ffmpeg -f mjpeg` or a snapshot tool writes: JPEGs back to back,
 * here with junk between them, a progressive one and one carrying an
 * EXIF-style thumbnail (itself a stamped JPEG). Split, then decode each.
 */
START_TEST(test_jpeg_stream)
{
	struct camguard_stamp s[3] = { test_stamp(20), test_stamp(21),
				       test_stamp(22) }, thumb_s = test_stamp(23);
	struct jpeg j[3], thumb;
	size_t len = 0, pos = 0, start, end, app1;
	struct camguard_stamp out;
	unsigned int i, n = 0;
	uint8_t *stream;

	make_jpeg(&j[0], 640, 480, &s[0], TJSAMP_420, 50, 0);
	make_jpeg(&j[1], 320, 240, &s[1], TJSAMP_422, 75, TJFLAG_PROGRESSIVE);
	make_jpeg(&j[2], 160, 120, &s[2], TJSAMP_420, 75, 0);
	make_jpeg(&thumb, 160, 120, &thumb_s, TJSAMP_420, 20, 0);
	app1 = 2 + 6 + thumb.size;
	ck_assert_uint_lt(app1, 65536);

	stream = malloc(j[0].size + j[1].size + j[2].size + app1 + 2 + 64);
	ck_assert_ptr_nonnull(stream);
	memcpy(stream + len, "junk\xff\xd9", 6);
	len += 6;
	for (i = 0; i < 3; i++) {
		if (i == 1) {	/* SOI, APP1 "Exif" thumbnail, the rest */
			memcpy(stream + len, j[i].data, 2);
			stream[len + 2] = 0xff;
			stream[len + 3] = 0xe1;
			stream[len + 4] = (uint8_t)(app1 >> 8);
			stream[len + 5] = (uint8_t)app1;
			memcpy(stream + len + 6, "Exif\0\0", 6);
			memcpy(stream + len + 12, thumb.data, thumb.size);
			memcpy(stream + len + 12 + thumb.size, j[i].data + 2,
			       j[i].size - 2);
			len += 2 + 2 + app1 + j[i].size - 2;
		} else {
			memcpy(stream + len, j[i].data, j[i].size);
			len += j[i].size;
		}
		memcpy(stream + len, "\0\xff", 2);
		len += 2;
	}

	while (cg_jpeg_next(stream, len, pos, &start, &end)) {
		ck_assert_uint_lt(n, 3);
		ck_assert_int_eq(cg_stamp_decode_jpeg(stream + start,
						      end - start, &out, NULL,
						      NULL), 0);
		ck_assert_stamp_eq(&out, &s[n]);
		pos = end;
		n++;
	}
	ck_assert_uint_eq(n, 3);
	free(stream);
	for (i = 0; i < 3; i++)
		jpeg_free(&j[i]);
	jpeg_free(&thumb);
}
END_TEST

Suite *jpeg_suite(void)
{
	Suite *s = suite_create("jpeg");
	TCase *tc;

	tc = tcase_create("roundtrip");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_jpeg_roundtrip, 0, 40);
	tcase_add_test(tc, test_jpeg_variants);
	tcase_add_test(tc, test_jpeg_no_stamp);
	tcase_add_test(tc, test_jpeg_stream);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_jpeg_bad_args);
	tcase_add_test(tc, test_jpeg_bad_size);
	tcase_add_test(tc, test_jpeg_cmyk);
	tcase_add_test(tc, test_jpeg_many_scans);
	tcase_add_test(tc, test_jpeg_truncated);
	tcase_add_test(tc, test_jpeg_random);
	tcase_add_test(tc, test_jpeg_mutated);
	suite_add_tcase(s, tc);
	return s;
}
