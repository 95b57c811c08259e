// SPDX-License-Identifier: GPL-2.0
/* The pixel-format table (pixfmt.h) and the geometry derived from it. */
#include <errno.h>
#include <strings.h>
#include <linux/videodev2.h>

#include "pixfmt.h"

static const struct cg_pixfmt cg_pixfmts[] = {
	{
		.fourcc = V4L2_PIX_FMT_YUYV, .name = "YUYV",
		.bytes_per_pixel = 2, .luma_samples = 1,
		.hsub = 2, .vsub = 1, .planes = 1,
	},
	{
		.fourcc = V4L2_PIX_FMT_RGB24, .name = "RGB24", .alias = "RGB3",
		.bytes_per_pixel = 3, .luma_samples = 3,
		.hsub = 1, .vsub = 1, .planes = 1,
	},
	{
		.fourcc = V4L2_PIX_FMT_NV12, .name = "NV12",
		.bytes_per_pixel = 1, .luma_samples = 1,
		.hsub = 2, .vsub = 2, .planes = 2,
	},
	{
		.fourcc = V4L2_PIX_FMT_GREY, .name = "GREY",
		.bytes_per_pixel = 1, .luma_samples = 1,
		.hsub = 1, .vsub = 1, .planes = 1,
	},
};

#define CG_NPIXFMTS	(sizeof(cg_pixfmts) / sizeof(cg_pixfmts[0]))

const struct cg_pixfmt *cg_pixfmt_find(uint32_t fourcc)
{
	size_t i;

	for (i = 0; i < CG_NPIXFMTS; i++)
		if (cg_pixfmts[i].fourcc == fourcc)
			return &cg_pixfmts[i];
	return NULL;
}

const struct cg_pixfmt *cg_pixfmt_named(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < CG_NPIXFMTS; i++) {
		const struct cg_pixfmt *pf = &cg_pixfmts[i];

		if (!strcasecmp(name, pf->name) ||
		    (pf->alias && !strcasecmp(name, pf->alias)))
			return pf;
	}
	return NULL;
}

int cg_pixfmt_frame_size(uint32_t fourcc, uint32_t width, uint32_t height,
			 uint32_t *bytesperline, size_t *sizeimage)
{
	const struct cg_pixfmt *pf = cg_pixfmt_find(fourcc);
	uint32_t min_bpl, lines;
	size_t size;

	if (!pf || !bytesperline || !sizeimage)
		return -EINVAL;
	if (!width || !height || width > CG_PIXFMT_MAX_DIM ||
	    height > CG_PIXFMT_MAX_DIM || width % pf->hsub || height % pf->vsub)
		return -EINVAL;

	/* Cannot overflow: width <= CG_PIXFMT_MAX_DIM. */
	min_bpl = width * pf->bytes_per_pixel;
	if (*bytesperline && *bytesperline < min_bpl)
		return -EINVAL;

	lines = pf->planes == 2 ? height + height / pf->vsub : height;
	if (__builtin_mul_overflow((size_t)(*bytesperline ? *bytesperline :
					    min_bpl), (size_t)lines, &size))
		return -EINVAL;
	if (!*bytesperline)
		*bytesperline = min_bpl;
	*sizeimage = size;
	return 0;
}
