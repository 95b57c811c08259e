/* SPDX-License-Identifier: MIT */
/*
 * JPEG through TurboJPEG: encoding camera frames (once per frame, then
 * fanned out to every display) and decoding JPEG for displays and for the
 * stamp decoder.
 *
 * Errors are negative errnos, as in stamp.h:
 *   -EINVAL    bad arguments: NULL, unsupported fourcc, size out of range,
 *              odd size where chroma is subsampled, bytesperline too
 *              small, quality outside 1..100
 *   -EMSGSIZE  the frame buffer is shorter than one frame
 *   -E2BIG     (decode) the image is larger than max_dim on a side
 *   -EIO       TurboJPEG failed, or the JPEG does not decode
 *   -ENOMEM    out of memory
 */
#ifndef CG_JPEG_H
#define CG_JPEG_H

#include <stddef.h>
#include <stdint.h>

struct cg_jpeg_encoder;

struct cg_jpeg_encoder *cg_jpeg_encoder_new(void);
void cg_jpeg_encoder_free(struct cg_jpeg_encoder *enc);

/*
 * Encode one raw V4L2 frame (a format of pixfmt.h's table, at least
 * CAMGUARD_STAMP_MIN_WIDTH x CAMGUARD_STAMP_MIN_HEIGHT; layout as
 * cg_pixfmt_frame_size() computes it, bytesperline 0 = minimum) at
 * @quality. YUV formats go to the JPEG encoder as planes, without a detour
 * through RGB: YUYV and NV12 as 4:2:0, GREY as greyscale; RGB24 is
 * compressed as 4:2:0. *@jpeg points into the encoder's buffer, valid
 * until the next call.
 */
int cg_jpeg_encode(struct cg_jpeg_encoder *enc, const void *frame, size_t len,
		   uint32_t fourcc, uint32_t width, uint32_t height,
		   uint32_t bytesperline, int quality,
		   const uint8_t **jpeg, size_t *jpeg_len);

enum cg_jpeg_pixels {
	CG_JPEG_GREY,	/* 1 byte per pixel, luma */
	CG_JPEG_RGB,	/* 3 bytes per pixel */
};

struct cg_jpeg_image {
	uint8_t *pixels;	/* width * height * channels, rows packed */
	uint32_t width;
	uint32_t height;
	unsigned int channels;
};

/*
 * Decode @len bytes of JPEG. img->width and img->height are set as soon as
 * the header parses, even if decoding then fails; img->pixels only on
 * success (free with cg_jpeg_image_free()). Images wider or taller than
 * @max_dim are refused (-E2BIG) before anything is allocated. Corrupt
 * entropy data that libjpeg recovers from is not an error (real MJPEG
 * often has some); rows it never wrote are black.
 */
int cg_jpeg_decode(const void *jpeg, size_t len, enum cg_jpeg_pixels px,
		   uint32_t max_dim, struct cg_jpeg_image *img);

void cg_jpeg_image_free(struct cg_jpeg_image *img);

#endif /* CG_JPEG_H */
