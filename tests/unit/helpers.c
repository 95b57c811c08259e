// SPDX-License-Identifier: GPL-2.0
/* Frame and random-number helpers shared by the unit tests. */
#include <stdlib.h>
#include <string.h>
#include <linux/videodev2.h>

#include "unit.h"

const struct test_size test_sizes[NR_TEST_SIZES] = {
	{ 160, 120 }, { 320, 240 }, { 640, 480 }, { 1280, 720 }, { 1920, 1080 },
};

const uint32_t test_formats[NR_TEST_FORMATS] = {
	V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_RGB24, V4L2_PIX_FMT_NV12,
	V4L2_PIX_FMT_GREY,
};

uint32_t rnd_u32(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

void rnd_fill(uint64_t *state, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)rnd_u32(state);
}

static uint8_t clamp8(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* Write pixel (x, y) as RGB, converted to BT.601 limited range for YUV. */
static void put_rgb(uint32_t fourcc, uint8_t *buf, uint32_t bpl,
		    uint32_t height, uint32_t x, uint32_t y,
		    uint8_t r, uint8_t g, uint8_t b)
{
	uint8_t *row = buf + (size_t)y * bpl;
	uint8_t luma = clamp8(16 + (66 * r + 129 * g + 25 * b + 128) / 256);
	uint8_t cb = clamp8(128 + (-38 * r - 74 * g + 112 * b + 128) / 256);
	uint8_t cr = clamp8(128 + (112 * r - 94 * g - 18 * b + 128) / 256);

	switch (fourcc) {
	case V4L2_PIX_FMT_RGB24:
		row[3 * x] = r;
		row[3 * x + 1] = g;
		row[3 * x + 2] = b;
		break;
	case V4L2_PIX_FMT_YUYV:
		row[2 * x] = luma;
		row[2 * x + 1] = x % 2 ? cr : cb;
		break;
	case V4L2_PIX_FMT_NV12:
		row[x] = luma;
		if (y % 2 == 0) {
			uint8_t *c = buf + ((size_t)height + y / 2) * bpl;

			c[x] = x % 2 ? cr : cb;
		}
		break;
	default:
		row[x] = luma;
		break;
	}
}

static const uint8_t bars[8][3] = {
	{ 255, 255, 255 }, { 255, 255, 0 }, { 0, 255, 255 }, { 0, 255, 0 },
	{ 255, 0, 255 }, { 255, 0, 0 }, { 0, 0, 255 }, { 0, 0, 0 },
};

uint8_t *make_frame(uint32_t fourcc, uint32_t width, uint32_t height,
		    uint32_t bytesperline, enum test_background bg,
		    uint64_t seed, const struct camguard_stamp *s,
		    size_t *len)
{
	uint64_t state = seed;
	size_t size;
	uint8_t *buf;
	uint32_t x, y;

	if (cg_stamp_frame_size(fourcc, width, height, &bytesperline, &size))
		return NULL;
	buf = malloc(size);
	if (!buf)
		return NULL;
	memset(buf, PAD_BYTE, size);

	for (y = 0; y < height; y++) {
		for (x = 0; x < width; x++) {
			const uint8_t *c = bars[x * 8 / width];
			uint8_t rgb[3];

			if (bg == BG_NOISE) {
				rnd_fill(&state, rgb, sizeof(rgb));
				c = rgb;
			}
			put_rgb(fourcc, buf, bytesperline, height, x, y,
				c[0], c[1], c[2]);
		}
	}
	if (s && cg_stamp_draw_raw(buf, size, fourcc, width, height,
				   bytesperline, s)) {
		free(buf);
		return NULL;
	}
	*len = size;
	return buf;
}

struct camguard_stamp test_stamp(unsigned int i)
{
	struct camguard_stamp s = {
		.camera = (uint8_t)(i * 37 + 1),
		.owner = 1000 + i * 0x01010101u,
		.stream = 0x80000000u ^ (i * 0x9e3779b9u),
		.sequence = 0xfffffff0u + i,
	};

	return s;
}
