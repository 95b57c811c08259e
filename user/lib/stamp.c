// SPDX-License-Identifier: GPL-2.0
/*
 * Encoder and decoder for the camguard pixel stamp. The layout is defined
 * once, in <linux/camguard_stamp.h>; this file only maps it onto the pixel
 * formats the virtual camera produces (their geometry is pixfmt.c's) and
 * onto decoded JPEG luma.
 */
#include <errno.h>
#include <string.h>
#include <linux/videodev2.h>

#include "jpeg.h"
#include "pixfmt.h"
#include "stamp.h"

#define CHROMA_NEUTRAL	128

/*
 * Where the stamp-relevant samples of a frame are: the sample of pixel
 * (x, y), channel c, is at base[y * stride + x * pixel_step + c].
 */
struct cg_plane {
	const uint8_t *base;
	size_t stride;
	uint32_t pixel_step;
	uint32_t channels;	/* averaged together: 3 for RGB, else 1 */
};

static int cg_size_ok(uint32_t width, uint32_t height)
{
	return width >= CAMGUARD_STAMP_MIN_WIDTH &&
	       height >= CAMGUARD_STAMP_MIN_HEIGHT &&
	       width <= CG_STAMP_MAX_DIM && height <= CG_STAMP_MAX_DIM;
}

/* The format's row and the layout of a frame that can carry a stamp. */
static const struct cg_pixfmt *cg_layout(uint32_t fourcc, uint32_t width,
					 uint32_t height,
					 uint32_t *bytesperline,
					 size_t *sizeimage)
{
	if (!cg_size_ok(width, height) ||
	    cg_pixfmt_frame_size(fourcc, width, height, bytesperline,
				 sizeimage))
		return NULL;
	return cg_pixfmt_find(fourcc);
}

int cg_stamp_frame_size(uint32_t fourcc, uint32_t width, uint32_t height,
			uint32_t *bytesperline, size_t *sizeimage)
{
	if (!bytesperline || !sizeimage ||
	    !cg_layout(fourcc, width, height, bytesperline, sizeimage))
		return -EINVAL;
	return 0;
}

/*
 * Read the 128 cells of the grid: average the central half of each cell in
 * both directions, so edge ringing and chroma bleed from JPEG or scaling
 * stay out of the sample, and compare the average with the threshold.
 */
static int cg_decode_plane(const struct cg_plane *p, uint32_t width,
			   uint32_t height, struct camguard_stamp *out)
{
	uint8_t payload[CAMGUARD_STAMP_BYTES] = { 0 };
	uint32_t cell = camguard_stamp_cell(width, height);
	uint32_t lo = cell / 4, hi = cell - cell / 4;
	uint32_t samples = (hi - lo) * (hi - lo) * p->channels;
	unsigned int i;

	for (i = 0; i < CAMGUARD_STAMP_BYTES * 8; i++) {
		uint32_t x0 = cell * (i % CAMGUARD_STAMP_COLS + 1);
		uint32_t y0 = cell * (i / CAMGUARD_STAMP_COLS + 1);
		uint32_t sum = 0, x, y, c;

		for (y = y0 + lo; y < y0 + hi; y++) {
			const uint8_t *row = p->base + y * p->stride;

			for (x = x0 + lo; x < x0 + hi; x++)
				for (c = 0; c < p->channels; c++)
					sum += row[x * p->pixel_step + c];
		}
		/* avg >= threshold, without the rounding of a division */
		if (sum >= CAMGUARD_STAMP_THRESHOLD * samples)
			payload[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	}
	return camguard_stamp_unpack(payload, out) ? -EBADMSG : 0;
}

int cg_stamp_decode_raw(const void *buf, size_t len, uint32_t fourcc,
			uint32_t width, uint32_t height, uint32_t bytesperline,
			struct camguard_stamp *out)
{
	const struct cg_pixfmt *pf;
	struct cg_plane plane;
	size_t sizeimage;

	if (!buf || !out)
		return -EINVAL;
	pf = cg_layout(fourcc, width, height, &bytesperline, &sizeimage);
	if (!pf)
		return -EINVAL;
	if (len < sizeimage)
		return -EMSGSIZE;

	plane.base = buf;
	plane.stride = bytesperline;
	plane.pixel_step = pf->bytes_per_pixel;
	plane.channels = pf->luma_samples;
	return cg_decode_plane(&plane, width, height, out);
}

/* Fill the pixels [x0, x1) x [y0, y1) with the colour of one bit. */
static void cg_fill_cell(uint8_t *buf, uint32_t bpl, uint32_t height,
			 uint32_t fourcc, uint32_t x0, uint32_t y0,
			 uint32_t cell, int bit)
{
	uint8_t luma = bit ? CAMGUARD_STAMP_Y_ONE : CAMGUARD_STAMP_Y_ZERO;
	uint8_t rgb = bit ? CAMGUARD_STAMP_RGB_ONE : CAMGUARD_STAMP_RGB_ZERO;
	uint32_t x, y;

	for (y = y0; y < y0 + cell; y++) {
		uint8_t *row = buf + (size_t)y * bpl;

		switch (fourcc) {
		case V4L2_PIX_FMT_YUYV:
			/* x0 and cell are even: whole Y0 U Y1 V macropixels */
			for (x = x0; x < x0 + cell; x++) {
				row[2 * x] = luma;
				row[2 * x + 1] = CHROMA_NEUTRAL;
			}
			break;
		case V4L2_PIX_FMT_RGB24:
			memset(row + 3 * x0, rgb, 3 * cell);
			break;
		case V4L2_PIX_FMT_NV12:
			memset(row + x0, luma, cell);
			/* y0 and cell are even: one CbCr line per two lines */
			if (y % 2 == 0)
				memset(buf + ((size_t)height + y / 2) * bpl + x0,
				       CHROMA_NEUTRAL, cell);
			break;
		default:	/* GREY */
			memset(row + x0, luma, cell);
			break;
		}
	}
}

int cg_stamp_draw_raw(void *buf, size_t len, uint32_t fourcc,
		      uint32_t width, uint32_t height, uint32_t bytesperline,
		      const struct camguard_stamp *s)
{
	uint8_t payload[CAMGUARD_STAMP_BYTES];
	size_t sizeimage;
	uint32_t cell;
	unsigned int i;

	if (!buf || !s)
		return -EINVAL;
	if (!cg_layout(fourcc, width, height, &bytesperline, &sizeimage))
		return -EINVAL;
	if (len < sizeimage)
		return -EMSGSIZE;

	camguard_stamp_pack(s, payload);
	cell = camguard_stamp_cell(width, height);
	for (i = 0; i < CAMGUARD_STAMP_BYTES * 8; i++)
		cg_fill_cell(buf, bytesperline, height, fourcc,
			     cell * (i % CAMGUARD_STAMP_COLS + 1),
			     cell * (i / CAMGUARD_STAMP_COLS + 1), cell,
			     camguard_stamp_bit(payload, i));
	return 0;
}

int cg_stamp_decode_jpeg(const void *jpeg, size_t len,
			 struct camguard_stamp *out,
			 uint32_t *width, uint32_t *height)
{
	struct cg_jpeg_image img = { 0 };
	struct cg_plane plane;
	int ret;

	if (!jpeg || !out)
		return -EINVAL;
	ret = cg_jpeg_decode(jpeg, len, CG_JPEG_GREY, CG_STAMP_MAX_DIM, &img);
	if (img.width) {	/* the header parsed */
		if (width)
			*width = img.width;
		if (height)
			*height = img.height;
	}
	if (ret == -E2BIG)
		return -EINVAL;
	if (ret)
		return ret;
	/*
	 * Too small to hold a stamp. (Known only after decoding, but such an
	 * image is tiny; the large ones were refused before allocating.)
	 */
	if (!cg_size_ok(img.width, img.height)) {
		cg_jpeg_image_free(&img);
		return -EINVAL;
	}

	/*
	 * Rows a failing decoder never wrote are black cells (0 bits, wrong
	 * magic): they cannot forge a stamp. The CRC decides whether what was
	 * decoded is one.
	 */
	plane.base = img.pixels;
	plane.stride = img.width;
	plane.pixel_step = 1;
	plane.channels = 1;
	ret = cg_decode_plane(&plane, img.width, img.height, out);
	cg_jpeg_image_free(&img);
	return ret;
}

const char *cg_stamp_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -EINVAL:
		return "invalid frame parameters";
	case -EMSGSIZE:
		return "buffer shorter than a frame";
	case -EBADMSG:
		return "bad magic or CRC";
	case -EIO:
		return "JPEG does not decode";
	case -ENOMEM:
		return "out of memory";
	default:
		return "unknown error";
	}
}
