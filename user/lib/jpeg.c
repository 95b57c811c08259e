// SPDX-License-Identifier: GPL-2.0
/* TurboJPEG encoding of camera frames and decoding of JPEG images. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <linux/videodev2.h>
#include <linux/camguard_stamp.h>
#include <turbojpeg.h>

#include "jpeg.h"
#include "pixfmt.h"

struct cg_jpeg_encoder {
	tjhandle tj;
	uint8_t *planes;	/* chroma (and YUYV luma) planes */
	size_t planes_size;
	unsigned char *out;	/* worst-case sized: TJFLAG_NOREALLOC */
	unsigned long out_size;
};

struct cg_jpeg_encoder *cg_jpeg_encoder_new(void)
{
	struct cg_jpeg_encoder *enc = calloc(1, sizeof(*enc));

	if (!enc)
		return NULL;
	enc->tj = tjInitCompress();
	if (!enc->tj) {
		free(enc);
		return NULL;
	}
	return enc;
}

void cg_jpeg_encoder_free(struct cg_jpeg_encoder *enc)
{
	if (!enc)
		return;
	tjDestroy(enc->tj);
	tjFree(enc->out);
	free(enc->planes);
	free(enc);
}

/* Grow a buffer that is reused frame after frame; contents not kept. */
static int cg_reserve(uint8_t **buf, size_t *size, size_t need)
{
	uint8_t *p;

	if (*size >= need)
		return 0;
	p = malloc(need);
	if (!p)
		return -ENOMEM;
	free(*buf);
	*buf = p;
	*size = need;
	return 0;
}

static int cg_reserve_output(struct cg_jpeg_encoder *enc, uint32_t width,
			     uint32_t height, int subsamp)
{
	unsigned long need = tjBufSize((int)width, (int)height, subsamp);

	if (need == (unsigned long)-1)
		return -EINVAL;
	if (enc->out_size >= need)
		return 0;
	tjFree(enc->out);
	enc->out_size = 0;
	enc->out = tjAlloc((int)need);
	if (!enc->out)
		return -ENOMEM;
	enc->out_size = need;
	return 0;
}

/*
 * Every other byte of a YUYV row: its luma. Here and in cg_yuyv_chroma()
 * the index is a size_t: with a 32-bit one, whose 2 * x may wrap, GCC 12
 * does not vectorise the loop.
 */
static void cg_yuyv_luma(const uint8_t *restrict src, uint8_t *restrict y,
			 uint32_t width)
{
	size_t x;

	for (x = 0; x < width; x++)
		y[x] = src[2 * x];
}

/* The chroma of two YUYV rows, averaged (rounding up): one 4:2:0 row. */
static void cg_yuyv_chroma(const uint8_t *restrict a,
			   const uint8_t *restrict b, uint8_t *restrict u,
			   uint8_t *restrict v, uint32_t cw)
{
	size_t x;

	for (x = 0; x < cw; x++) {
		u[x] = (uint8_t)((a[4 * x + 1] + b[4 * x + 1] + 1) >> 1);
		v[x] = (uint8_t)((a[4 * x + 3] + b[4 * x + 3] + 1) >> 1);
	}
}

/*
 * Split packed YUYV (Y0 U Y1 V) into Y, U and V planes for 4:2:0, as
 * µStreamer sends: TurboJPEG has no packed-YUV input, and halving the
 * chroma rows here costs less than the 4:2:2 planes did and leaves a
 * quarter fewer blocks to encode. One simple loop per plane, so that the
 * compiler vectorises them (user/user.mk builds this file with GCC's
 * dynamic cost model). An odd last row is its own pair.
 */
static void cg_split_yuyv(const uint8_t *frame, uint32_t width,
			  uint32_t height, uint32_t bpl, uint8_t *y,
			  uint8_t *u, uint8_t *v)
{
	uint32_t row, cw = width / 2;

	for (row = 0; row < height; row += 2) {
		const uint8_t *a = frame + (size_t)row * bpl;
		const uint8_t *b = row + 1 < height ? a + bpl : a;

		cg_yuyv_luma(a, y + (size_t)row * width, width);
		if (row + 1 < height)
			cg_yuyv_luma(b, y + (size_t)(row + 1) * width, width);
		cg_yuyv_chroma(a, b, u + (size_t)(row / 2) * cw,
			       v + (size_t)(row / 2) * cw, cw);
	}
}

/* Split NV12's interleaved CbCr plane into U and V planes for 4:2:0. */
static void cg_split_nv12(const uint8_t *cbcr, uint32_t width,
			  uint32_t height, uint32_t bpl, uint8_t *u,
			  uint8_t *v)
{
	uint32_t row, x, cw = width / 2, ch = height / 2;

	for (row = 0; row < ch; row++) {
		const uint8_t *src = cbcr + (size_t)row * bpl;

		for (x = 0; x < cw; x++) {
			u[(size_t)row * cw + x] = src[2 * x];
			v[(size_t)row * cw + x] = src[2 * x + 1];
		}
	}
}

int cg_jpeg_encode(struct cg_jpeg_encoder *enc, const void *frame, size_t len,
		   uint32_t fourcc, uint32_t width, uint32_t height,
		   uint32_t bytesperline, int quality,
		   const uint8_t **jpeg, size_t *jpeg_len)
{
	const unsigned char *planes[3] = { NULL, NULL, NULL };
	int strides[3] = { 0, 0, 0 };
	const uint8_t *src = frame;
	const struct cg_pixfmt *pf;
	size_t sizeimage, luma, chroma;
	unsigned long out_len;
	int subsamp, ret;

	if (!enc || !frame || !jpeg || !jpeg_len || quality < 1 ||
	    quality > 100)
		return -EINVAL;
	/*
	 * The V4L2 layout of the pixel-format table; frames too small to
	 * carry a stamp are refused, as they always were.
	 */
	if (width < CAMGUARD_STAMP_MIN_WIDTH ||
	    height < CAMGUARD_STAMP_MIN_HEIGHT)
		return -EINVAL;
	ret = cg_pixfmt_frame_size(fourcc, width, height, &bytesperline,
				   &sizeimage);
	if (ret)
		return ret;
	if (len < sizeimage)
		return -EMSGSIZE;

	pf = cg_pixfmt_find(fourcc);
	luma = (size_t)width * height;
	chroma = (size_t)(width / pf->hsub) * (height / pf->vsub);
	switch (fourcc) {
	case V4L2_PIX_FMT_YUYV:
		subsamp = TJSAMP_420;
		chroma = (size_t)(width / 2) * ((height + 1) / 2);
		ret = cg_reserve(&enc->planes, &enc->planes_size,
				 luma + 2 * chroma);
		if (ret)
			return ret;
		planes[0] = enc->planes;
		planes[1] = enc->planes + luma;
		planes[2] = enc->planes + luma + chroma;
		cg_split_yuyv(src, width, height, bytesperline, enc->planes,
			      enc->planes + luma, enc->planes + luma + chroma);
		strides[0] = (int)width;
		strides[1] = strides[2] = (int)(width / 2);
		break;
	case V4L2_PIX_FMT_NV12:
		subsamp = TJSAMP_420;
		ret = cg_reserve(&enc->planes, &enc->planes_size, 2 * chroma);
		if (ret)
			return ret;
		/* Luma straight from the frame, at its stride. */
		planes[0] = src;
		planes[1] = enc->planes;
		planes[2] = enc->planes + chroma;
		cg_split_nv12(src + (size_t)bytesperline * height, width,
			      height, bytesperline, enc->planes,
			      enc->planes + chroma);
		strides[0] = (int)bytesperline;
		strides[1] = strides[2] = (int)(width / pf->hsub);
		break;
	case V4L2_PIX_FMT_GREY:
		subsamp = TJSAMP_GRAY;
		planes[0] = src;
		strides[0] = (int)bytesperline;
		break;
	default:	/* RGB24: the table holds nothing else */
		subsamp = TJSAMP_420;
		break;
	}

	ret = cg_reserve_output(enc, width, height, subsamp);
	if (ret)
		return ret;
	out_len = enc->out_size;
	if (fourcc == V4L2_PIX_FMT_RGB24)
		ret = tjCompress2(enc->tj, src, (int)width, (int)bytesperline,
				  (int)height, TJPF_RGB, &enc->out, &out_len,
				  subsamp, quality, TJFLAG_NOREALLOC);
	else
		ret = tjCompressFromYUVPlanes(enc->tj, planes, (int)width,
					      strides, (int)height, subsamp,
					      &enc->out, &out_len, quality,
					      TJFLAG_NOREALLOC);
	if (ret)
		return -EIO;
	*jpeg = enc->out;
	*jpeg_len = out_len;
	return 0;
}

int cg_jpeg_decode(const void *jpeg, size_t len, enum cg_jpeg_pixels px,
		   uint32_t max_dim, struct cg_jpeg_image *img)
{
	int w = 0, h = 0, subsamp, colorspace, flags = 0;
	unsigned int channels;
	tjhandle tj;
	int ret;

	if (!jpeg || !img || (px != CG_JPEG_GREY && px != CG_JPEG_RGB))
		return -EINVAL;
	img->pixels = NULL;
	if (!len || len > ULONG_MAX)
		return -EIO;
	channels = px == CG_JPEG_RGB ? 3 : 1;

	tj = tjInitDecompress();
	if (!tj)
		return -ENOMEM;
	if (tjDecompressHeader3(tj, jpeg, len, &w, &h, &subsamp,
				&colorspace)) {
		ret = -EIO;
		goto out;
	}
	/*
	 * A tables-only stream, or one that ends before any frame header,
	 * "succeeds" without setting w and h.
	 */
	if (w <= 0 || h <= 0) {
		ret = -EIO;
		goto out;
	}
	img->width = (uint32_t)w;
	img->height = (uint32_t)h;
	img->channels = channels;
	if (img->width > max_dim || img->height > max_dim) {
		ret = -E2BIG;
		goto out;
	}

	/*
	 * Zeroed, so lines a failing decoder never wrote read as black
	 * instead of uninitialised memory.
	 */
	img->pixels = calloc((size_t)w * channels, (size_t)h);
	if (!img->pixels) {
		ret = -ENOMEM;
		goto out;
	}
#ifdef TJFLAG_LIMITSCANS
	/* A hostile progressive JPEG can otherwise take minutes. */
	flags |= TJFLAG_LIMITSCANS;
#endif
	/*
	 * Warnings (corrupt entropy data, premature end) still leave a full
	 * image. (TurboJPEG 2.x also reports a fatal error that follows a
	 * warning as a warning; rows it never wrote stay black.)
	 */
	if (tjDecompress2(tj, jpeg, len, img->pixels, w, w * (int)channels, h,
			  px == CG_JPEG_RGB ? TJPF_RGB : TJPF_GRAY, flags) &&
	    tjGetErrorCode(tj) != TJERR_WARNING) {
		ret = -EIO;
		goto out;
	}
	ret = 0;
out:
	if (ret) {
		free(img->pixels);
		img->pixels = NULL;
	}
	tjDestroy(tj);
	return ret;
}

void cg_jpeg_image_free(struct cg_jpeg_image *img)
{
	if (!img)
		return;
	free(img->pixels);
	img->pixels = NULL;
}
