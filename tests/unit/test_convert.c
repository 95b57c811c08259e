// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of camguardd's conversion path (user/daemon/capture.c): a camera
 * format the JPEG encoder does not take goes through libv4lconvert to
 * RGB24 after the digest check, and the owner's stamp survives it into the
 * JPEG. The vcam only offers formats the encoder takes, so the guest tests
 * never reach this path; here libv4lconvert is real and the camera node is
 * a stand-in that answers VIDIOC_QUERYCAP, which libv4lconvert asks first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/videodev2.h>
#include <libv4lconvert.h>
#include <libv4l-plugin.h>

#include "daemon/daemon.h"
#include "jpeg.h"
#include "unit.h"

#define W	320
#define H	240

static int node_ioctl(void *priv, int fd, unsigned long request, void *arg)
{
	struct v4l2_capability *cap = arg;

	(void)priv;
	(void)fd;
	if (request != VIDIOC_QUERYCAP) {
		errno = ENOTTY;
		return -1;
	}
	memset(cap, 0, sizeof(*cap));
	strcpy((char *)cap->driver, "camguard-test");
	cap->capabilities = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING |
			    V4L2_CAP_DEVICE_CAPS;
	cap->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
	return 0;
}

static const struct libv4l_dev_ops node_ops = { .ioctl = node_ioctl };

static void camera_init(struct cg_camera *cam, uint32_t fourcc, uint32_t bpl)
{
	memset(cam, 0, sizeof(*cam));
	strcpy(cam->mod, "camera test");
	cam->fd = -1;
	cam->fourcc = fourcc;
	cam->width = W;
	cam->height = H;
	cam->bytesperline = bpl;
	cam->sizeimage = bpl * H;
	ck_assert_int_eq(cg_capture_set_converter(cam,
			 v4lconvert_create_with_dev_ops(-1, NULL, &node_ops)),
			 0);
}

/* The converted frame encodes, and the JPEG carries stamp @s. */
static void assert_stamp_survives(const uint8_t *rgb, size_t len,
				  const struct camguard_stamp *s)
{
	struct cg_jpeg_encoder *enc = cg_jpeg_encoder_new();
	struct camguard_stamp out;
	const uint8_t *jpeg;
	size_t jlen;
	uint32_t w = 0, h = 0;

	ck_assert_ptr_nonnull(enc);
	ck_assert_int_eq(cg_jpeg_encode(enc, rgb, len, V4L2_PIX_FMT_RGB24, W, H,
					W * 3, 85, &jpeg, &jlen), 0);
	ck_assert_int_eq(cg_stamp_decode_jpeg(jpeg, jlen, &out, &w, &h), 0);
	ck_assert_stamp_eq(&out, s);
	ck_assert_uint_eq(w, W);
	ck_assert_uint_eq(h, H);
	cg_jpeg_encoder_free(enc);
}

/*
 * Camera formats made from a format make_frame() draws by reordering the
 * bytes of each group: BGR24 (RGB24 swapped, converted back exactly) and
 * UYVY (YUYV with the byte pairs swapped, common on sensors).
 */
static const struct reordered_format {
	uint32_t camera, drawn;
	unsigned int bytes_per_pixel;
	unsigned int group;		/* bytes */
	unsigned int from[3];		/* camera byte i = drawn byte from[i] */
	bool exact;			/* converts back to the drawn bytes */
} reordered[] = {
	{ V4L2_PIX_FMT_BGR24, V4L2_PIX_FMT_RGB24, 3, 3, { 2, 1, 0 }, true },
	{ V4L2_PIX_FMT_UYVY, V4L2_PIX_FMT_YUYV, 2, 2, { 1, 0 }, false },
};

/* Converted to RGB24, and the owner's stamp survives into the JPEG. */
START_TEST(test_convert_reordered)
{
	const struct reordered_format *rf = &reordered[_i];
	struct camguard_stamp s = test_stamp(7 + _i);
	uint32_t bpl_in = W * rf->bytes_per_pixel, fourcc, bpl;
	struct cg_camera cam;
	struct cg_frame f = { 0 };
	const uint8_t *out;
	uint8_t *drawn, *raw;
	size_t len, out_len, i, j;

	drawn = make_frame(rf->drawn, W, H, bpl_in, BG_BARS, 7 + _i, &s, &len);
	ck_assert_ptr_nonnull(drawn);
	raw = malloc(len);
	ck_assert_ptr_nonnull(raw);
	for (i = 0; i + rf->group <= len; i += rf->group)
		for (j = 0; j < rf->group; j++)
			raw[i + j] = drawn[i + rf->from[j]];
	camera_init(&cam, rf->camera, bpl_in);
	f.data = raw;
	f.len = len;
	ck_assert_int_eq(cg_capture_encodable(&cam, &f, &out, &out_len,
					      &fourcc, &bpl), 0);
	ck_assert_uint_eq(fourcc, V4L2_PIX_FMT_RGB24);
	ck_assert_uint_eq(bpl, W * 3);
	ck_assert_uint_eq(out_len, (size_t)W * H * 3);
	ck_assert_ptr_eq(out, cam.conv_buf);
	if (rf->exact)
		ck_assert_mem_eq(out, drawn, len);
	assert_stamp_survives(out, out_len, &s);
	cg_capture_free_converter(&cam);
	ck_assert_ptr_null(cam.conv);
	free(raw);
	free(drawn);
}
END_TEST

/* MJPEG, a compressed format: shorter than sizeimage, decoded whole. */
START_TEST(test_convert_mjpeg)
{
	struct camguard_stamp s = test_stamp(13);
	struct cg_jpeg_encoder *enc = cg_jpeg_encoder_new();
	struct cg_camera cam;
	struct cg_frame f = { 0 };
	const uint8_t *out, *jpeg;
	size_t len, jlen, out_len;
	uint32_t fourcc, bpl;
	uint8_t *rgb;

	ck_assert_ptr_nonnull(enc);
	rgb = make_frame(V4L2_PIX_FMT_RGB24, W, H, W * 3, BG_BARS, 13, &s,
			 &len);
	ck_assert_ptr_nonnull(rgb);
	ck_assert_int_eq(cg_jpeg_encode(enc, rgb, len, V4L2_PIX_FMT_RGB24, W,
					H, W * 3, 90, &jpeg, &jlen), 0);
	camera_init(&cam, V4L2_PIX_FMT_MJPEG, 0);
	cam.sizeimage = W * H * 2;
	cam.compressed = true;
	ck_assert_uint_lt(jlen, cam.sizeimage);
	f.data = jpeg;
	f.len = jlen;
	ck_assert_int_eq(cg_capture_encodable(&cam, &f, &out, &out_len,
					      &fourcc, &bpl), 0);
	ck_assert_uint_eq(fourcc, V4L2_PIX_FMT_RGB24);
	ck_assert_uint_eq(out_len, (size_t)W * H * 3);
	assert_stamp_survives(out, out_len, &s);
	cg_capture_free_converter(&cam);
	cg_jpeg_encoder_free(enc);
	free(rgb);
}
END_TEST

/*
 * An uncompressed frame shorter than sizeimage is an error (-EIO):
 * libv4lconvert would read a whole image whatever length it is given.
 */
START_TEST(test_convert_short_frame)
{
	struct cg_camera cam;
	struct cg_frame f = { 0 };
	const uint8_t *out;
	size_t out_len;
	uint32_t fourcc, bpl;
	uint8_t *half;

	half = calloc(1, W * 2 * H / 2);
	ck_assert_ptr_nonnull(half);
	camera_init(&cam, V4L2_PIX_FMT_UYVY, W * 2);
	f.data = half;
	f.len = W * 2 * H / 2;
	ck_assert_int_eq(cg_capture_encodable(&cam, &f, &out, &out_len,
					      &fourcc, &bpl), -EIO);
	cg_capture_free_converter(&cam);
	free(half);
}
END_TEST

/* A format the encoder takes is passed through untouched. */
START_TEST(test_no_conversion)
{
	struct cg_camera cam = { .fourcc = V4L2_PIX_FMT_YUYV, .width = W,
				 .height = H, .bytesperline = W * 2 };
	uint8_t frame[64];
	struct cg_frame f = { .data = frame, .len = sizeof(frame) };
	const uint8_t *out;
	size_t out_len;
	uint32_t fourcc, bpl;

	ck_assert_int_eq(cg_capture_encodable(&cam, &f, &out, &out_len,
					      &fourcc, &bpl), 0);
	ck_assert_ptr_eq(out, frame);
	ck_assert_uint_eq(out_len, sizeof(frame));
	ck_assert_uint_eq(fourcc, V4L2_PIX_FMT_YUYV);
	ck_assert_uint_eq(bpl, W * 2);
}
END_TEST

/* No converter (libv4lconvert failed): a clear -ENOMEM, nothing leaked. */
START_TEST(test_no_converter)
{
	struct cg_camera cam = { .width = W, .height = H };

	strcpy(cam.mod, "camera test");
	ck_assert_int_eq(cg_capture_set_converter(&cam, NULL), -ENOMEM);
	cg_capture_free_converter(&cam);
	ck_assert_ptr_null(cam.conv_buf);
}
END_TEST

Suite *convert_suite(void)
{
	Suite *s = suite_create("convert");
	TCase *tc = tcase_create("convert");

	tcase_add_loop_test(tc, test_convert_reordered, 0,
			    sizeof(reordered) / sizeof(reordered[0]));
	tcase_add_test(tc, test_convert_mjpeg);
	tcase_add_test(tc, test_convert_short_frame);
	tcase_add_test(tc, test_no_conversion);
	tcase_add_test(tc, test_no_converter);
	suite_add_tcase(s, tc);
	return s;
}
