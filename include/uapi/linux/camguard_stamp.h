/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * camguard pixel stamp: a machine-readable code drawn into every frame of
 * the camguard virtual camera. Tests decode it from the pixels alone, so it
 * is ground truth that does not depend on any kernel tag.
 *
 * Layout (version 1)
 * ------------------
 * The payload is 16 bytes = 128 bits, drawn as a grid of 16 columns by 8
 * rows of square cells, bit 0 of the payload (the most significant bit of
 * byte 0) in the top-left cell, row-major. A 1 bit is a white cell, a 0 bit
 * a black cell:
 *
 *   luma formats (YUYV, NV12, GREY): Y = 235 (1) or 16 (0), chroma = 128
 *   RGB24:                           R = G = B = 255 (1) or 0 (0)
 *
 * The cell size is a multiple of 8 pixels and the grid starts one cell in
 * from the top-left corner, so every cell covers whole 8x8 JPEG blocks and
 * whole chroma samples of every subsampled format:
 *
 *   k    = clamp(min(width / 144, height / 80), 1, 4)
 *   cell = 8 * k                 (8 at 160x120, 32 at 640x480 and above)
 *   cell (col, row) covers x in [cell * (col + 1), cell * (col + 2))
 *                          y in [cell * (row + 1), cell * (row + 2))
 *
 * A decoder averages the luma (or (R + G + B) / 3) of the central half of
 * each cell and compares it with 128.
 *
 * Payload bytes (all multi-byte fields big endian):
 *
 *   0      magic, CAMGUARD_STAMP_MAGIC
 *   1      camera index
 *   2..5   owner: effective uid of the stream owner, as seen from the
 *          initial user namespace
 *   6..9   stream: the low 32 bits of the stream id
 *   10..13 sequence: the V4L2 buffer sequence number
 *   14..15 CRC-16/CCITT-FALSE (poly 0x1021, init 0xffff) of bytes 0..13
 *
 * Frames must be at least CAMGUARD_STAMP_MIN_WIDTH x CAMGUARD_STAMP_MIN_HEIGHT.
 */
#ifndef _UAPI_LINUX_CAMGUARD_STAMP_H
#define _UAPI_LINUX_CAMGUARD_STAMP_H

#include <linux/types.h>

#define CAMGUARD_STAMP_MAGIC		0xc6
#define CAMGUARD_STAMP_BYTES		16
#define CAMGUARD_STAMP_COLS		16
#define CAMGUARD_STAMP_ROWS		8
#define CAMGUARD_STAMP_MIN_WIDTH	144
#define CAMGUARD_STAMP_MIN_HEIGHT	80
#define CAMGUARD_STAMP_MAX_SCALE	4

#define CAMGUARD_STAMP_Y_ONE		235
#define CAMGUARD_STAMP_Y_ZERO		16
#define CAMGUARD_STAMP_RGB_ONE		255
#define CAMGUARD_STAMP_RGB_ZERO		0
#define CAMGUARD_STAMP_THRESHOLD	128

/* The decoded content of a stamp. */
struct camguard_stamp {
	__u8 camera;
	__u32 owner;
	__u32 stream;
	__u32 sequence;
};

/* Side of one square cell, in pixels, for a frame of this size. */
static inline __u32 camguard_stamp_cell(__u32 width, __u32 height)
{
	__u32 k = width / 144 < height / 80 ? width / 144 : height / 80;

	if (k < 1)
		k = 1;
	if (k > CAMGUARD_STAMP_MAX_SCALE)
		k = CAMGUARD_STAMP_MAX_SCALE;
	return 8 * k;
}

static inline __u16 camguard_stamp_crc16(const __u8 *p, unsigned int len)
{
	__u16 crc = 0xffff;
	unsigned int i, b;

	for (i = 0; i < len; i++) {
		crc ^= (__u16)(p[i] << 8);
		for (b = 0; b < 8; b++)
			crc = crc & 0x8000 ? (__u16)((crc << 1) ^ 0x1021) :
					     (__u16)(crc << 1);
	}
	return crc;
}

static inline void camguard_stamp_put32(__u8 *p, __u32 v)
{
	p[0] = (__u8)(v >> 24);
	p[1] = (__u8)(v >> 16);
	p[2] = (__u8)(v >> 8);
	p[3] = (__u8)v;
}

static inline __u32 camguard_stamp_get32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/* Serialise @s into the 16 payload bytes, CRC included. */
static inline void camguard_stamp_pack(const struct camguard_stamp *s,
				       __u8 out[CAMGUARD_STAMP_BYTES])
{
	__u16 crc;

	out[0] = CAMGUARD_STAMP_MAGIC;
	out[1] = s->camera;
	camguard_stamp_put32(out + 2, s->owner);
	camguard_stamp_put32(out + 6, s->stream);
	camguard_stamp_put32(out + 10, s->sequence);
	crc = camguard_stamp_crc16(out, 14);
	out[14] = (__u8)(crc >> 8);
	out[15] = (__u8)crc;
}

/* Parse 16 payload bytes; returns 0, or -1 if the magic or CRC is wrong. */
static inline int camguard_stamp_unpack(const __u8 in[CAMGUARD_STAMP_BYTES],
					struct camguard_stamp *s)
{
	__u16 crc = camguard_stamp_crc16(in, 14);

	if (in[0] != CAMGUARD_STAMP_MAGIC ||
	    in[14] != (__u8)(crc >> 8) || in[15] != (__u8)crc)
		return -1;
	s->camera = in[1];
	s->owner = camguard_stamp_get32(in + 2);
	s->stream = camguard_stamp_get32(in + 6);
	s->sequence = camguard_stamp_get32(in + 10);
	return 0;
}

/* Bit @i (0 = top-left cell) of a packed payload. */
static inline int camguard_stamp_bit(const __u8 payload[CAMGUARD_STAMP_BYTES],
				     unsigned int i)
{
	return (payload[i / 8] >> (7 - i % 8)) & 1;
}

#endif /* _UAPI_LINUX_CAMGUARD_STAMP_H */
