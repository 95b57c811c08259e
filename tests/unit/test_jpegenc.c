// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the TurboJPEG wrapper: every capture format encodes to a JPEG
 * whose pixels and stamp come back, and bad frames are refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/videodev2.h>

#include "jpeg.h"
#include "unit.h"

/* Mean absolute difference between the frame's luma and decoded grey. */
static double luma_error(const uint8_t *frame, uint32_t fourcc,
			 uint32_t width, uint32_t height, uint32_t bpl,
			 const struct cg_jpeg_image *img)
{
	uint64_t sum = 0;
	uint32_t x, y;

	for (y = 0; y < height; y++) {
		const uint8_t *row = frame + (size_t)y * bpl;

		for (x = 0; x < width; x++) {
			int luma, got = img->pixels[(size_t)y * width + x];

			if (fourcc == V4L2_PIX_FMT_YUYV)
				luma = row[2 * x];
			else if (fourcc == V4L2_PIX_FMT_RGB24)
				luma = (299 * row[3 * x] + 587 * row[3 * x + 1] +
					114 * row[3 * x + 2]) / 1000;
			else
				luma = row[x];
			sum += (uint64_t)abs(luma - got);
		}
	}
	return (double)sum / ((double)width * height);
}

/* Each format, size and stride: the stamp survives, the image is close. */
START_TEST(test_encode_formats)
{
	const struct test_size *sz = &test_sizes[_i % 3];
	uint32_t fourcc = test_formats[_i / 3];
	struct cg_jpeg_encoder *enc = cg_jpeg_encoder_new();
	struct camguard_stamp s = test_stamp(_i), out;
	struct cg_jpeg_image img;
	unsigned int pad;

	ck_assert_ptr_nonnull(enc);
	for (pad = 0; pad <= 64; pad += 64) {
		uint32_t bpl = 0, w = 0, h = 0;
		const uint8_t *jpeg;
		size_t len, jlen;
		uint8_t *frame;

		ck_assert_int_eq(cg_stamp_frame_size(fourcc, sz->width,
						     sz->height, &bpl, &len),
				 0);
		bpl += pad;
		frame = make_frame(fourcc, sz->width, sz->height, bpl, BG_BARS,
				   _i, &s, &len);
		ck_assert_ptr_nonnull(frame);
		ck_assert_int_eq(cg_jpeg_encode(enc, frame, len, fourcc,
						sz->width, sz->height, bpl, 75,
						&jpeg, &jlen), 0);
		ck_assert_uint_gt(jlen, 100);
		ck_assert_int_eq(cg_stamp_decode_jpeg(jpeg, jlen, &out, &w, &h),
				 0);
		ck_assert_stamp_eq(&out, &s);
		ck_assert_uint_eq(w, sz->width);
		ck_assert_uint_eq(h, sz->height);

		ck_assert_int_eq(cg_jpeg_decode(jpeg, jlen, CG_JPEG_GREY, 8192,
						&img), 0);
		ck_assert_double_lt(luma_error(frame, fourcc, sz->width,
					       sz->height, bpl, &img), 6.0);
		cg_jpeg_image_free(&img);
		ck_assert_int_eq(cg_jpeg_decode(jpeg, jlen, CG_JPEG_RGB, 8192,
						&img), 0);
		ck_assert_uint_eq(img.channels, 3);
		ck_assert_uint_eq(img.width, sz->width);
		cg_jpeg_image_free(&img);
		free(frame);
	}
	cg_jpeg_encoder_free(enc);
}
END_TEST

/* Quality changes the size; one encoder serves frames of any size. */
START_TEST(test_encode_quality_and_reuse)
{
	struct cg_jpeg_encoder *enc = cg_jpeg_encoder_new();
	struct camguard_stamp s = test_stamp(3), out;
	size_t len, jlen, sizes[3];
	const int qualities[3] = { 1, 50, 100 };
	const uint8_t *jpeg;
	unsigned int i, k;
	uint8_t *frame;

	ck_assert_ptr_nonnull(enc);
	frame = make_frame(V4L2_PIX_FMT_YUYV, 640, 480, 0, BG_NOISE, 1, &s,
			   &len);
	ck_assert_ptr_nonnull(frame);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(cg_jpeg_encode(enc, frame, len,
						V4L2_PIX_FMT_YUYV, 640, 480, 0,
						qualities[i], &jpeg, &jlen), 0);
		sizes[i] = jlen;
	}
	ck_assert_uint_lt(sizes[0], sizes[1]);
	ck_assert_uint_lt(sizes[1], sizes[2]);
	free(frame);

	/* Small, large, small again: buffers grow and are reused. */
	for (k = 0; k < 3; k++) {
		const struct test_size *sz = &test_sizes[k == 1 ? 4 : 0];

		frame = make_frame(V4L2_PIX_FMT_NV12, sz->width, sz->height, 0,
				   BG_NOISE, k, &s, &len);
		ck_assert_ptr_nonnull(frame);
		ck_assert_int_eq(cg_jpeg_encode(enc, frame, len,
						V4L2_PIX_FMT_NV12, sz->width,
						sz->height, 0, 60, &jpeg,
						&jlen), 0);
		ck_assert_int_eq(cg_stamp_decode_jpeg(jpeg, jlen, &out, NULL,
						      NULL), 0);
		ck_assert_stamp_eq(&out, &s);
		free(frame);
	}
	cg_jpeg_encoder_free(enc);
	cg_jpeg_encoder_free(NULL);
}
END_TEST

START_TEST(test_encode_rejects)
{
	struct cg_jpeg_encoder *enc = cg_jpeg_encoder_new();
	uint8_t *frame = calloc(1, 640 * 480 * 3 + 64);
	const size_t yuyv = 640 * 480 * 2;
	const uint8_t *jpeg = NULL;
	size_t jlen = 0;

	ck_assert_ptr_nonnull(enc);
	ck_assert_ptr_nonnull(frame);
	ck_assert_int_eq(cg_jpeg_encode(enc, frame, yuyv, V4L2_PIX_FMT_YUYV,
					640, 480, 0, 0, &jpeg, &jlen), -EINVAL);
	ck_assert_int_eq(cg_jpeg_encode(enc, frame, yuyv, V4L2_PIX_FMT_YUYV,
					640, 480, 0, 101, &jpeg, &jlen), -EINVAL);
	ck_assert_int_eq(cg_jpeg_encode(NULL, frame, yuyv, V4L2_PIX_FMT_YUYV,
					640, 480, 0, 50, &jpeg, &jlen), -EINVAL);
	ck_assert_int_eq(cg_jpeg_encode(enc, NULL, yuyv, V4L2_PIX_FMT_YUYV,
					640, 480, 0, 50, &jpeg, &jlen), -EINVAL);
	ck_assert_int_eq(cg_jpeg_encode(enc, frame, yuyv, V4L2_PIX_FMT_YUYV,
					640, 480, 0, 50, NULL, &jlen), -EINVAL);
	ck_assert_int_eq(cg_jpeg_encode(enc, frame, yuyv - 1,
					V4L2_PIX_FMT_YUYV, 640, 480, 0, 50,
					&jpeg, &jlen), -EMSGSIZE);
	ck_assert_int_eq(cg_jpeg_encode(enc, frame, yuyv, V4L2_PIX_FMT_YUYV,
					641, 480, 0, 50, &jpeg, &jlen), -EINVAL);
	ck_assert_int_eq(cg_jpeg_encode(enc, frame, yuyv, V4L2_PIX_FMT_NV12,
					640, 481, 0, 50, &jpeg, &jlen), -EINVAL);
	ck_assert_int_eq(cg_jpeg_encode(enc, frame, yuyv, V4L2_PIX_FMT_YUYV,
					640, 480, 1279, 50, &jpeg, &jlen),
			 -EINVAL);
	ck_assert_int_eq(cg_jpeg_encode(enc, frame, yuyv, V4L2_PIX_FMT_MJPEG,
					640, 480, 0, 50, &jpeg, &jlen), -EINVAL);
	ck_assert_int_eq(cg_jpeg_encode(enc, frame, yuyv, V4L2_PIX_FMT_GREY,
					0, 480, 0, 50, &jpeg, &jlen), -EINVAL);
	ck_assert_ptr_null(jpeg);
	ck_assert_uint_eq(jlen, 0);
	/* A padded stride needs the padding to be there. */
	ck_assert_int_eq(cg_jpeg_encode(enc, frame, 640 * 480 * 3,
					V4L2_PIX_FMT_RGB24, 640, 480, 1984, 50,
					&jpeg, &jlen), -EMSGSIZE);
	free(frame);
	cg_jpeg_encoder_free(enc);
}
END_TEST

START_TEST(test_decode_rejects)
{
	static const uint8_t garbage[] = "not a jpeg";
	struct cg_jpeg_encoder *enc = cg_jpeg_encoder_new();
	struct cg_jpeg_image img;
	const uint8_t *jpeg;
	uint8_t *frame;
	size_t len, jlen;

	ck_assert_ptr_nonnull(enc);
	memset(&img, 0, sizeof(img));
	ck_assert_int_eq(cg_jpeg_decode(garbage, sizeof(garbage), CG_JPEG_GREY,
					8192, &img), -EIO);
	ck_assert_ptr_null(img.pixels);
	ck_assert_int_eq(cg_jpeg_decode(garbage, 0, CG_JPEG_GREY, 8192, &img),
			 -EIO);
	ck_assert_int_eq(cg_jpeg_decode(NULL, 5, CG_JPEG_GREY, 8192, &img),
			 -EINVAL);
	ck_assert_int_eq(cg_jpeg_decode(garbage, 5, 7, 8192, &img), -EINVAL);

	frame = make_frame(V4L2_PIX_FMT_GREY, 320, 240, 0, BG_BARS, 1, NULL,
			   &len);
	ck_assert_ptr_nonnull(frame);
	ck_assert_int_eq(cg_jpeg_encode(enc, frame, len, V4L2_PIX_FMT_GREY,
					320, 240, 0, 90, &jpeg, &jlen), 0);
	/* Over the caller's limit: size reported, nothing allocated. */
	ck_assert_int_eq(cg_jpeg_decode(jpeg, jlen, CG_JPEG_RGB, 319, &img),
			 -E2BIG);
	ck_assert_uint_eq(img.width, 320);
	ck_assert_uint_eq(img.height, 240);
	ck_assert_ptr_null(img.pixels);
	/* Cut short: still an image (libjpeg warns and fills in grey). */
	ck_assert_int_eq(cg_jpeg_decode(jpeg, jlen / 2, CG_JPEG_GREY, 8192,
					&img), 0);
	ck_assert_ptr_nonnull(img.pixels);
	cg_jpeg_image_free(&img);
	cg_jpeg_image_free(&img);
	cg_jpeg_image_free(NULL);
	free(frame);
	cg_jpeg_encoder_free(enc);
}
END_TEST

Suite *jpegenc_suite(void)
{
	Suite *s = suite_create("jpegenc");
	TCase *tc = tcase_create("encode");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_encode_formats, 0, 3 * NR_TEST_FORMATS);
	tcase_add_test(tc, test_encode_quality_and_reuse);
	tcase_add_test(tc, test_encode_rejects);
	tcase_add_test(tc, test_decode_rejects);
	suite_add_tcase(s, tc);
	return s;
}
