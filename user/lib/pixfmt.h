/* SPDX-License-Identifier: MIT */
/*
 * The raw pixel formats camguard's userspace handles, and their V4L2
 * geometry, in one table (pixfmt.c) that everyone reads: the stamp code,
 * the command-line and config parsers, the JPEG encoder and camguardd's
 * capture. A new format is one row there, plus the per-pixel code of the
 * stamp and the encoder.
 */
#ifndef CG_PIXFMT_H
#define CG_PIXFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest frame side accepted, in pixels. */
#define CG_PIXFMT_MAX_DIM	8192

struct cg_pixfmt {
	uint32_t fourcc;
	const char *name;	/* as the command lines and config spell it */
	const char *alias;	/* another accepted spelling, or NULL */
	/*
	 * Bytes per pixel in the first plane, which is also the step from
	 * one pixel's first sample to the next one's.
	 */
	uint32_t bytes_per_pixel;
	/* Samples per pixel that carry brightness: 3 for RGB, else 1 (Y). */
	uint32_t luma_samples;
	/* Chroma subsampling: width and height must be multiples of these. */
	uint32_t hsub;
	uint32_t vsub;
	/*
	 * Planes in one buffer: 2 = a chroma plane of height / vsub lines,
	 * at the luma plane's bytesperline, follows the luma plane (NV12).
	 */
	uint32_t planes;
};

/* The row of @fourcc, or NULL when camguard does not handle it. */
const struct cg_pixfmt *cg_pixfmt_find(uint32_t fourcc);

/* The row whose name or alias is @name (case-insensitive), or NULL. */
const struct cg_pixfmt *cg_pixfmt_named(const char *name);

/*
 * The V4L2 layout of one frame of @fourcc at @width x @height (each
 * 1..CG_PIXFMT_MAX_DIM and a multiple of the format's subsampling):
 * *@bytesperline 0 asks for the minimum and gets it, a larger one is kept;
 * *@sizeimage is the bytes of one frame. 0 or -EINVAL.
 */
int cg_pixfmt_frame_size(uint32_t fourcc, uint32_t width, uint32_t height,
			 uint32_t *bytesperline, size_t *sizeimage);

#endif /* CG_PIXFMT_H */
