/* SPDX-License-Identifier: MIT */
/*
 * Userspace encoder and decoder for the camguard pixel stamp, the code the
 * virtual camera draws into every frame (see <linux/camguard_stamp.h>).
 *
 * All functions are pure: no global state, no output. They return 0 or a
 * negative errno:
 *
 *   -EINVAL    bad arguments: NULL pointer, unsupported fourcc, frame size
 *              outside CAMGUARD_STAMP_MIN_* .. CG_STAMP_MAX_DIM, odd size
 *              where the format subsamples chroma, bytesperline too small
 *   -EMSGSIZE  the buffer is shorter than one frame
 *   -EBADMSG   no stamp: the magic or CRC of the decoded payload is wrong
 *   -EIO       the JPEG does not decode
 *   -ENOMEM    out of memory (JPEG decoding only)
 */
#ifndef CG_STAMP_H
#define CG_STAMP_H

#include <stddef.h>
#include <stdint.h>
#include <linux/camguard_stamp.h>

#include "pixfmt.h"

/* Largest frame side accepted, in pixels. */
#define CG_STAMP_MAX_DIM	CG_PIXFMT_MAX_DIM

/*
 * Validate a raw frame format and compute its layout (cg_pixfmt_frame_size()
 * for a frame large enough to carry a stamp). A @bytesperline of 0 means
 * the minimum for the format; on success *@bytesperline holds the
 * stride in use and *@sizeimage the bytes of one frame (as V4L2 reports it:
 * bytesperline * height, times 3 / 2 for NV12).
 */
int cg_stamp_frame_size(uint32_t fourcc, uint32_t width, uint32_t height,
			uint32_t *bytesperline, size_t *sizeimage);

/* Decode the stamp of one raw frame of @len bytes (at least sizeimage). */
int cg_stamp_decode_raw(const void *buf, size_t len, uint32_t fourcc,
			uint32_t width, uint32_t height, uint32_t bytesperline,
			struct camguard_stamp *out);

/* Draw @s into one raw frame; pixels outside the stamp are left alone. */
int cg_stamp_draw_raw(void *buf, size_t len, uint32_t fourcc,
		      uint32_t width, uint32_t height, uint32_t bytesperline,
		      const struct camguard_stamp *s);

/*
 * Decode the stamp of one JPEG image from its luma alone. @width and @height
 * may be NULL; otherwise they receive the image size as soon as the header
 * parses, even if the stamp then does not decode.
 */
int cg_stamp_decode_jpeg(const void *jpeg, size_t len,
			 struct camguard_stamp *out,
			 uint32_t *width, uint32_t *height);

/* Short description of a return value of the functions above. */
const char *cg_stamp_strerror(int err);

#endif /* CG_STAMP_H */
