// SPDX-License-Identifier: GPL-2.0
/*
 * Parsers for camguard-stamp, kept apart from the tool so the unit tests
 * can call them directly.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "parse.h"
#include "pixfmt.h"

/*
 * strtoul() accepts leading space, a sign (and negates!) and, with base 0,
 * hex and octal; only let a plain run of decimal digits through.
 */
static int cg_strtou32(const char *s, char **end, uint32_t *out)
{
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, end, 10);
	if (errno == ERANGE || v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

int cg_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint32_t v;
	char *end;
	int ret;

	if (!s || !out)
		return -EINVAL;
	ret = cg_strtou32(s, &end, &v);
	if (ret == -EINVAL || *end)	/* syntax before range */
		return -EINVAL;
	if (ret || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int cg_parse_size(const char *s, uint32_t *width, uint32_t *height)
{
	uint32_t w, h;
	char *end;
	int wret, hret;

	if (!s || !width || !height)
		return -EINVAL;

	wret = cg_strtou32(s, &end, &w);
	if (wret == -EINVAL || (*end != 'x' && *end != 'X'))
		return -EINVAL;
	hret = cg_strtou32(end + 1, &end, &h);
	if (hret == -EINVAL || *end)
		return -EINVAL;

	if (wret || hret || !w || !h ||
	    w > CG_PIXFMT_MAX_DIM || h > CG_PIXFMT_MAX_DIM)
		return -ERANGE;
	*width = w;
	*height = h;
	return 0;
}

int cg_parse_fourcc(const char *s, uint32_t *fourcc)
{
	const struct cg_pixfmt *pf = cg_pixfmt_named(s);

	if (!pf || !fourcc)
		return -EINVAL;
	*fourcc = pf->fourcc;
	return 0;
}

const char *cg_fourcc_name(uint32_t fourcc)
{
	const struct cg_pixfmt *pf = cg_pixfmt_find(fourcc);

	return pf ? pf->name : NULL;
}

#define JPEG_SOI	0xd8
#define JPEG_EOI	0xd9
#define JPEG_SOS	0xda
#define JPEG_TEM	0x01

/* Markers that stand alone, without a length field. */
static int cg_jpeg_standalone(uint8_t m)
{
	return m == JPEG_TEM || (m >= 0xd0 && m <= 0xd7) || m == 0x00;
}

/*
 * Skip entropy-coded data from @i: 0xff 0x00 is a stuffed 0xff byte, RSTn
 * markers and 0xff fill bytes belong to the scan. Returns the index of the
 * 0xff of the first marker that ends the scan, or @len.
 */
static size_t cg_jpeg_skip_scan(const uint8_t *buf, size_t len, size_t i)
{
	for (; i + 1 < len; i++) {
		uint8_t m = buf[i + 1];

		if (buf[i] != 0xff || m == 0xff || cg_jpeg_standalone(m))
			continue;
		return i;
	}
	return len;
}

int cg_jpeg_next(const uint8_t *buf, size_t len, size_t pos,
		 size_t *start, size_t *end)
{
	size_t i, seglen;
	uint8_t m;

	if (!buf || !start || !end)
		return 0;
	for (i = pos; i + 1 < len; i++)
		if (buf[i] == 0xff && buf[i + 1] == JPEG_SOI)
			break;
	if (i + 1 >= len)
		return 0;
	*start = i;

	i += 2;
	while (i + 1 < len) {
		if (buf[i] != 0xff) {
			/* Not at a marker: corrupt; resynchronise. */
			i = cg_jpeg_skip_scan(buf, len, i);
			continue;
		}
		m = buf[i + 1];
		if (m == 0xff) {		/* fill byte */
			i++;
			continue;
		}
		if (m == JPEG_EOI) {
			*end = i + 2;
			return 1;
		}
		if (m == JPEG_SOI) {		/* next image: this one is cut */
			*end = i;
			return 1;
		}
		if (cg_jpeg_standalone(m)) {
			i += 2;
			continue;
		}
		if (i + 3 >= len)
			break;
		seglen = (size_t)buf[i + 2] << 8 | buf[i + 3];
		/*
		 * A segment must fit and, unless a scan follows, be followed
		 * by a marker; otherwise the length is corrupt or the image
		 * was cut (perhaps with the next one right behind):
		 * resynchronise on the next marker.
		 */
		if (seglen < 2 || seglen > len - i - 2 ||
		    (m != JPEG_SOS && seglen < len - i - 2 &&
		     buf[i + 2 + seglen] != 0xff)) {
			i = cg_jpeg_skip_scan(buf, len, i + 2);
			continue;
		}
		i += 2 + seglen;
		if (m == JPEG_SOS)
			i = cg_jpeg_skip_scan(buf, len, i);
	}
	*end = len;
	return 1;
}
