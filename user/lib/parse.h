/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers for camguard-stamp: command-line values and the splitting of
 * concatenated JPEG streams. No output, no global state; each returns 0 (or
 * a count) or a negative errno, and leaves its outputs alone on error.
 */
#ifndef CG_PARSE_H
#define CG_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A plain decimal number in [@min, @max]: no sign, no leading space, no
 * trailing characters, no hex or octal. -EINVAL for anything that is not a
 * number, -ERANGE for a number outside the range.
 */
int cg_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/* "WIDTHxHEIGHT" (x or X), each side 1..CG_PIXFMT_MAX_DIM. */
int cg_parse_size(const char *s, uint32_t *width, uint32_t *height);

/*
 * A name or alias of the pixel-format table (pixfmt.c: YUYV, RGB24 or its
 * fourcc RGB3, NV12, GREY); case-insensitive.
 */
int cg_parse_fourcc(const char *s, uint32_t *fourcc);

/* Name of a fourcc cg_parse_fourcc accepts, or NULL. */
const char *cg_fourcc_name(uint32_t fourcc);

/*
 * Find the next JPEG image in @buf at or after @pos: skip to a start-of-image
 * marker, then follow marker segments and entropy-coded data to the matching
 * end-of-image marker, so markers inside EXIF thumbnails or stuffed scan
 * data do not cut the image short. Returns 1 with the image at
 * [*@start, *@end), or 0 when no start-of-image marker is left. An image
 * without its end marker runs to the next start marker or to @len.
 */
int cg_jpeg_next(const uint8_t *buf, size_t len, size_t pos,
		 size_t *start, size_t *end);

#endif /* CG_PARSE_H */
