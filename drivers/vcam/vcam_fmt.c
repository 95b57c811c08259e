// SPDX-License-Identifier: GPL-2.0
/*
 * Pixel formats, frame sizes and frame rates of the virtual camera, and the
 * pixel-level drawing both the test pattern and the stamp are made of.
 *
 * Even-numbered cameras offer discrete sizes and rates like a USB webcam;
 * odd-numbered ones any even size in range (stepwise) at any whole rate.
 */
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/videodev2.h>
#include <media/v4l2-common.h>

#include "vcam.h"

static const struct vcam_fmt vcam_formats[] = {
	{ .fourcc = V4L2_PIX_FMT_YUYV,  .bytes_per_pixel = 2, .size_mult = 2, .yuv = true },
	{ .fourcc = V4L2_PIX_FMT_RGB24, .bytes_per_pixel = 3, .size_mult = 2 },
	{ .fourcc = V4L2_PIX_FMT_NV12,  .bytes_per_pixel = 1, .size_mult = 3, .yuv = true },
	{ .fourcc = V4L2_PIX_FMT_GREY,  .bytes_per_pixel = 1, .size_mult = 2, .yuv = true },
};

struct vcam_size {
	u32 width;
	u32 height;
};

static const struct vcam_size vcam_sizes[] = {
	{ 160, 120 }, { 320, 240 }, { 640, 360 }, { 640, 480 },
	{ 800, 600 }, { 1024, 768 }, { 1280, 720 }, { 1920, 1080 },
};

/* Fastest first, as ENUM_FRAMEINTERVALS lists them. */
static const u32 vcam_rates[] = { 60, 30, 25, 15, 10, 5, 1 };

const struct vcam_fmt *vcam_fmt_by_index(unsigned int index)
{
	return index < ARRAY_SIZE(vcam_formats) ? &vcam_formats[index] :
						    NULL;
}

const struct vcam_fmt *vcam_fmt_find(u32 fourcc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vcam_formats); i++)
		if (vcam_formats[i].fourcc == fourcc)
			return &vcam_formats[i];
	return NULL;
}

bool vcam_discrete_sizes(const struct vcam *vcam)
{
	return !(vcam->index & 1);
}

static bool vcam_size_supported(const struct vcam *vcam, u32 width,
				u32 height)
{
	unsigned int i;

	if (!vcam_discrete_sizes(vcam))
		return width >= VCAM_MIN_WIDTH && width <= VCAM_MAX_WIDTH &&
		       height >= VCAM_MIN_HEIGHT &&
		       height <= VCAM_MAX_HEIGHT &&
		       !(width & 1) && !(height & 1);

	for (i = 0; i < ARRAY_SIZE(vcam_sizes); i++)
		if (vcam_sizes[i].width == width &&
		    vcam_sizes[i].height == height)
			return true;
	return false;
}

int vcam_enum_framesize(const struct vcam *vcam, u32 index,
			struct v4l2_frmsizeenum *fsize)
{
	if (!vcam_fmt_find(fsize->pixel_format))
		return -EINVAL;

	if (!vcam_discrete_sizes(vcam)) {
		if (index)
			return -EINVAL;
		fsize->type = V4L2_FRMSIZE_TYPE_STEPWISE;
		fsize->stepwise.min_width = VCAM_MIN_WIDTH;
		fsize->stepwise.max_width = VCAM_MAX_WIDTH;
		fsize->stepwise.step_width = 2;
		fsize->stepwise.min_height = VCAM_MIN_HEIGHT;
		fsize->stepwise.max_height = VCAM_MAX_HEIGHT;
		fsize->stepwise.step_height = 2;
		return 0;
	}

	if (index >= ARRAY_SIZE(vcam_sizes))
		return -EINVAL;
	fsize->type = V4L2_FRMSIZE_TYPE_DISCRETE;
	fsize->discrete.width = vcam_sizes[index].width;
	fsize->discrete.height = vcam_sizes[index].height;
	return 0;
}

int vcam_enum_frameinterval(const struct vcam *vcam,
			    struct v4l2_frmivalenum *fival)
{
	if (!vcam_fmt_find(fival->pixel_format) ||
	    !vcam_size_supported(vcam, fival->width, fival->height))
		return -EINVAL;

	if (!vcam_discrete_sizes(vcam)) {
		if (fival->index)
			return -EINVAL;
		fival->type = V4L2_FRMIVAL_TYPE_CONTINUOUS;
		fival->stepwise.min.numerator = 1;
		fival->stepwise.min.denominator = VCAM_MAX_FPS;
		fival->stepwise.max.numerator = 1;
		fival->stepwise.max.denominator = VCAM_MIN_FPS;
		fival->stepwise.step.numerator = 1;
		fival->stepwise.step.denominator = 1;
		return 0;
	}

	if (fival->index >= ARRAY_SIZE(vcam_rates))
		return -EINVAL;
	fival->type = V4L2_FRMIVAL_TYPE_DISCRETE;
	fival->discrete.numerator = 1;
	fival->discrete.denominator = vcam_rates[fival->index];
	return 0;
}

u32 vcam_fps_adjust(const struct vcam *vcam, u32 fps)
{
	u32 best = vcam_rates[0];
	unsigned int i;

	fps = clamp_t(u32, fps, VCAM_MIN_FPS, VCAM_MAX_FPS);
	if (!vcam_discrete_sizes(vcam))
		return fps;

	for (i = 1; i < ARRAY_SIZE(vcam_rates); i++)
		if (abs((int)vcam_rates[i] - (int)fps) <
		    abs((int)best - (int)fps))
			best = vcam_rates[i];
	return best;
}

void vcam_fmt_to_frame(const struct v4l2_pix_format *pix,
		       struct vcam_frame_fmt *ffmt)
{
	ffmt->fmt = vcam_fmt_find(pix->pixelformat);
	ffmt->width = pix->width;
	ffmt->height = pix->height;
	ffmt->bytesperline = pix->bytesperline;
	ffmt->sizeimage = pix->sizeimage;
}

void vcam_fmt_adjust(const struct vcam *vcam,
		     struct v4l2_pix_format *pix)
{
	const struct vcam_fmt *fmt = vcam_fmt_find(pix->pixelformat);

	if (!fmt)
		fmt = &vcam_formats[0];

	if (vcam_discrete_sizes(vcam)) {
		const struct vcam_size *size;

		size = v4l2_find_nearest_size(vcam_sizes,
					      ARRAY_SIZE(vcam_sizes), width,
					      height, pix->width, pix->height);
		pix->width = size->width;
		pix->height = size->height;
	} else {
		v4l_bound_align_image(&pix->width, VCAM_MIN_WIDTH,
				      VCAM_MAX_WIDTH, 1, &pix->height,
				      VCAM_MIN_HEIGHT, VCAM_MAX_HEIGHT, 1,
				      0);
	}

	pix->pixelformat = fmt->fourcc;
	pix->field = V4L2_FIELD_NONE;
	pix->bytesperline = pix->width * fmt->bytes_per_pixel;
	pix->sizeimage = pix->bytesperline * pix->height * fmt->size_mult / 2;
	pix->colorspace = V4L2_COLORSPACE_SRGB;
	pix->xfer_func = V4L2_XFER_FUNC_DEFAULT;
	pix->ycbcr_enc = V4L2_YCBCR_ENC_DEFAULT;
	pix->quantization = V4L2_QUANTIZATION_DEFAULT;
	pix->flags = 0;
	pix->priv = 0;
}

/* BT.601 limited range, integer form; exact for black and white. */
static void vcam_rgb_to_yuv(const u8 rgb[3], u8 yuv[3])
{
	int r = rgb[0], g = rgb[1], b = rgb[2];

	yuv[0] = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
	yuv[1] = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
	yuv[2] = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
}

static void vcam_pattern_rgb(int pattern, u32 x, u32 y, u32 width, u8 rgb[3])
{
	static const u8 bars[8][3] = {
		{ 255, 255, 255 }, { 255, 255, 0 }, { 0, 255, 255 },
		{ 0, 255, 0 }, { 255, 0, 255 }, { 255, 0, 0 },
		{ 0, 0, 255 }, { 0, 0, 0 },
	};
	u8 v;

	switch (pattern) {
	case VCAM_PATTERN_BARS:
		memcpy(rgb, bars[x * 8 / width], 3);
		return;
	case VCAM_PATTERN_GRADIENT:
		v = x * 255 / (width - 1);
		break;
	case VCAM_PATTERN_CHECKERS:
		v = ((x / 16) ^ (y / 16)) & 1 ? 192 : 64;
		break;
	default:
		v = 0;
		break;
	}
	rgb[0] = v;
	rgb[1] = v;
	rgb[2] = v;
}

/*
 * Write one pixel. Subsampled chroma takes the value of the even pixel of
 * each pair (YUYV) or of the top-left pixel of each 2x2 block (NV12).
 */
static void vcam_put_pixel(const struct vcam_frame_fmt *f, u8 *buf, u32 x,
			   u32 y, const u8 rgb[3])
{
	u8 *row = buf + (size_t)y * f->bytesperline;
	u8 yuv[3];
	u8 *uv;

	if (f->fmt->yuv)
		vcam_rgb_to_yuv(rgb, yuv);

	switch (f->fmt->fourcc) {
	case V4L2_PIX_FMT_RGB24:
		memcpy(row + x * 3, rgb, 3);
		break;
	case V4L2_PIX_FMT_GREY:
		row[x] = yuv[0];
		break;
	case V4L2_PIX_FMT_YUYV:
		row[x * 2] = yuv[0];
		if (!(x & 1)) {
			row[x * 2 + 1] = yuv[1];
			row[x * 2 + 3] = yuv[2];
		}
		break;
	case V4L2_PIX_FMT_NV12:
		row[x] = yuv[0];
		if (!(x & 1) && !(y & 1)) {
			uv = buf + (size_t)f->height * f->bytesperline +
			     (size_t)(y / 2) * f->bytesperline + x;
			uv[0] = yuv[1];
			uv[1] = yuv[2];
		}
		break;
	}
}

void vcam_render(const struct vcam_frame_fmt *ffmt, u8 *buf,
		 int pattern, int brightness)
{
	int delta = brightness - 128;
	u32 x, y;
	u8 rgb[3];
	int i;

	for (y = 0; y < ffmt->height; y++) {
		for (x = 0; x < ffmt->width; x++) {
			vcam_pattern_rgb(pattern, x, y, ffmt->width, rgb);
			for (i = 0; i < 3; i++)
				rgb[i] = clamp(rgb[i] + delta, 0, 255);
			vcam_put_pixel(ffmt, buf, x, y, rgb);
		}
	}
}

/*
 * Fill a square of the stamp with white (one) or black. x0 and side are
 * multiples of 8, so whole chroma samples are covered in every format.
 */
void vcam_fill_cell(const struct vcam_frame_fmt *ffmt, u8 *buf,
		    u32 x0, u32 y0, u32 side, bool one)
{
	u8 luma = one ? CAMGUARD_STAMP_Y_ONE : CAMGUARD_STAMP_Y_ZERO;
	u32 bpl = ffmt->bytesperline;
	u32 x, y;
	u8 *row;

	for (y = y0; y < y0 + side; y++) {
		row = buf + (size_t)y * bpl;
		switch (ffmt->fmt->fourcc) {
		case V4L2_PIX_FMT_RGB24:
			memset(row + x0 * 3, one ? CAMGUARD_STAMP_RGB_ONE :
					     CAMGUARD_STAMP_RGB_ZERO, side * 3);
			break;
		case V4L2_PIX_FMT_GREY:
			memset(row + x0, luma, side);
			break;
		case V4L2_PIX_FMT_YUYV:
			for (x = x0; x < x0 + side; x++) {
				row[x * 2] = luma;
				row[x * 2 + 1] = 128;
			}
			break;
		case V4L2_PIX_FMT_NV12:
			memset(row + x0, luma, side);
			if (!(y & 1))
				memset(buf + (size_t)ffmt->height * bpl +
				       (size_t)(y / 2) * bpl + x0, 128, side);
			break;
		}
	}
}
