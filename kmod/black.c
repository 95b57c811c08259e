// SPDX-License-Identifier: GPL-2.0
/*
 * What a muted camera shows: black in the stream's format. Raw formats get
 * black pixels; compressed ones (MJPEG, what most webcams send above VGA)
 * get a whole, valid black JPEG, so that a decoder downstream shows black
 * instead of failing on bytes that are no image.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/videodev2.h>
#include <media/v4l2-common.h>

#include "internal.h"

/*
 * A baseline greyscale JPEG of @width x @height, all black, written as
 * few bytes as it takes: quantisation by 1, a DC Huffman table with two
 * codes ("0": difference 0, "10": an 11-bit difference) and an AC table
 * with only end-of-block ("0"). The first 8x8 block sets DC to -1024
 * (level 0 after the level shift of 128); every other block repeats it
 * with two bits, "00". 1920x1080 takes 8,243 bytes.
 */
static const u8 black_jpeg_head[] = {
	0xff, 0xd8,				/* SOI */
	0xff, 0xdb, 0x00, 0x43, 0x00,		/* DQT 0: every step 1 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0xff, 0xc4, 0x00, 0x15, 0x00,		/* DHT DC 0 */
	1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0x00, 0x0b,
	0xff, 0xc4, 0x00, 0x14, 0x10,		/* DHT AC 0 */
	1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0x00,
};

static const u8 black_jpeg_sos[] = {
	0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,
};

/* Bits into bytes, with a 0 stuffed after each 0xff. */
struct bitw {
	u8 *p;
	size_t at, size;
	u32 acc;
	unsigned int n;
	bool full;
};

static void put_byte(struct bitw *w, u8 b)
{
	if (w->at + 2 > w->size) {
		w->full = true;
		return;
	}
	w->p[w->at++] = b;
	if (b == 0xff)
		w->p[w->at++] = 0;
}

static void put_bits(struct bitw *w, u32 bits, unsigned int n)
{
	w->acc = (w->acc << n) | (bits & ((1u << n) - 1));
	w->n += n;
	while (w->n >= 8) {
		w->n -= 8;
		put_byte(w, w->acc >> w->n);
	}
}

/* The JPEG's length, or 0 if it does not fit in @size bytes. */
static size_t black_jpeg(u8 *p, size_t size, u32 width, u32 height)
{
	struct bitw w = { .p = p, .size = size };
	u32 blocks, i;
	u8 sof[] = {
		0xff, 0xc0, 0x00, 0x0b, 0x08,
		height >> 8, height & 0xff, width >> 8, width & 0xff,
		0x01, 0x01, 0x11, 0x00,
	};

	if (!width || !height || width > 0xffff || height > 0xffff ||
	    size < sizeof(black_jpeg_head) + sizeof(sof) +
		   sizeof(black_jpeg_sos) + 2)
		return 0;
	memcpy(p, black_jpeg_head, sizeof(black_jpeg_head));
	memcpy(p + sizeof(black_jpeg_head), sof, sizeof(sof));
	memcpy(p + sizeof(black_jpeg_head) + sizeof(sof), black_jpeg_sos,
	       sizeof(black_jpeg_sos));
	w.at = sizeof(black_jpeg_head) + sizeof(sof) + sizeof(black_jpeg_sos);

	blocks = DIV_ROUND_UP(width, 8) * DIV_ROUND_UP(height, 8);
	/* DC category 11, -1024 as 11 bits (one's complement), EOB */
	put_bits(&w, 0x2, 2);
	put_bits(&w, 0x3ff, 11);
	put_bits(&w, 0x0, 1);
	for (i = 1; i < blocks && !w.full; i++)
		put_bits(&w, 0x0, 2);	/* DC unchanged, EOB */
	if (w.n)			/* pad the last byte with ones */
		put_bits(&w, 0xff, 8 - w.n);
	if (w.full || w.at + 2 > size)
		return 0;
	p[w.at++] = 0xff;		/* EOI */
	p[w.at++] = 0xd9;
	return w.at;
}

/*
 * Overwrite plane @plane's @len bytes with black in the stream's format:
 * luma 16 and chroma 128 for YUV, a black JPEG for MJPEG and JPEG, zero for
 * RGB and anything unknown. Returns the length of the black frame: @len,
 * or the JPEG's (the rest of the plane is zeroed).
 */
size_t cg_fill_black(const struct cg_frame_fmt *fmt, unsigned int plane,
		     u8 *p, size_t len)
{
	const struct v4l2_format_info *info = v4l2_format_info(fmt->pixelformat);
	size_t luma, i, n;

	if (plane > 0) {	/* chroma planes of multi-planar YUV */
		memset(p, info && info->pixel_enc == V4L2_PIXEL_ENC_YUV ?
		       128 : 0, len);
		return len;
	}
	switch (fmt->pixelformat) {
	case V4L2_PIX_FMT_YUYV:
	case V4L2_PIX_FMT_YVYU:
		for (i = 0; i + 1 < len; i += 2) {
			p[i] = 16;
			p[i + 1] = 128;
		}
		break;
	case V4L2_PIX_FMT_UYVY:
	case V4L2_PIX_FMT_VYUY:
		for (i = 0; i + 1 < len; i += 2) {
			p[i] = 128;
			p[i + 1] = 16;
		}
		break;
	case V4L2_PIX_FMT_NV12:
	case V4L2_PIX_FMT_NV21:
	case V4L2_PIX_FMT_NV16:
	case V4L2_PIX_FMT_NV61:
	case V4L2_PIX_FMT_YUV420:
	case V4L2_PIX_FMT_YVU420:
	case V4L2_PIX_FMT_YUV422P:
	case V4L2_PIX_FMT_NV12M:
	case V4L2_PIX_FMT_NV21M:
	case V4L2_PIX_FMT_NV16M:
	case V4L2_PIX_FMT_NV61M:
	case V4L2_PIX_FMT_YUV420M:
	case V4L2_PIX_FMT_YVU420M:
	case V4L2_PIX_FMT_GREY:
		luma = min_t(size_t, len,
			     (size_t)fmt->bytesperline * fmt->height);
		memset(p, 16, luma);
		memset(p + luma, 128, len - luma);
		break;
	case V4L2_PIX_FMT_MJPEG:
	case V4L2_PIX_FMT_JPEG:
		/* A JPEG, then zeros: no byte of the last picture stays */
		n = black_jpeg(p, len, fmt->width, fmt->height);
		memset(p + n, 0, len - n);
		return n ?: len;
	default:	/* RGB, and a safe bet for the rest */
		memset(p, 0, len);
		break;
	}
	return len;
}
