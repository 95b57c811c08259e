// SPDX-License-Identifier: GPL-2.0
/*
 * camguard buffer remanence: nothing of one owner's buffers reaches the
 * next owner of the queue. Owner A fills every byte of every MMAP buffer
 * with a marker (and streams over them), or captures with read(); then
 * owner B allocates, maps and scans every byte of every buffer, before
 * streaming and after dequeuing (beyond bytesused too).
 *
 * Run as root with camguard loaded.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

#include "cg_test.h"

#define CAM 0
#define W 320
#define H 240

static const uint8_t marker[16] = {
	'C', 'G', '-', 'R', 'E', 'M', 'A', 'N', 'E', 'N', 'C', 'E', 0xa5, 0x5a, 0xc3, 0x3c,
};

static long count_marker(const uint8_t *p, size_t n)
{
	return cg_count_marker(p, n, marker);
}

struct rem_arg {
	bool close_only;	/* release by close() instead of REQBUFS 0 */
	bool read_io;		/* A captures with read() */
	bool b_read_io;		/* B captures with read() */
};

/* A: markers everywhere, stream over them, markers again, release. */
static int owner_a_child(void *arg, int ctl)
{
	struct rem_arg *ra = arg;
	struct cg_cam cam;
	struct cg_ctl m = { .op = 'A' };
	unsigned int i;
	int ret;

	CK(!cg_cam_open(&cam, CAM), "open");
	CK(!cg_cam_set_fmt(&cam, W, H, 0, 0), "S_FMT");
	if (ra->read_io) {
		size_t len = cam.pix.sizeimage;
		uint8_t *buf = malloc(len);
		int n = 0;

		CK(buf, "malloc");
		/* a few frames through vb2's read() emulation (non-blocking fd) */
		while (n < 4) {
			ssize_t r = read(cam.fd, buf, len);

			if (r < 0 && errno == EAGAIN) {
				cg_sleep_ms(20);
				continue;
			}
			CK(r == (ssize_t)len, "read(): %zd (%s)", r, strerror(errno));
			n++;
		}
		/* the last frame's content goes to the test as the thing to look for */
		m.v[0] = (int64_t)len;
		CK(!cg_ctl_send(ctl, &m, -1), "ctl");
		{
			/* send the frame in chunks over the control socket */
			size_t off;

			for (off = 0; off < len; off += sizeof(m.s)) {
				struct cg_ctl c = { .op = 'F', .v = { (int64_t)off } };
				size_t k = len - off < sizeof(c.s) ? len - off : sizeof(c.s);

				memcpy(c.s, buf + off, k);
				c.v[1] = (int64_t)k;
				CK(!cg_ctl_send(ctl, &c, -1), "ctl");
			}
		}
		free(buf);
		cg_cam_close(&cam);
		cg_say(ctl, 'E', 0);
		return 0;
	}
	ret = cg_cam_reqbufs(&cam, 8, V4L2_MEMORY_MMAP);
	CK(ret >= 8, "REQBUFS: %d", ret);
	CK(!cg_cam_mmap(&cam), "mmap");
	for (i = 0; i < cam.nbuf; i++)
		cg_fill_marker(cam.map[i], cam.len[i], marker);
	CK(!cg_cam_queue_all(&cam), "QBUF");
	CK(!cg_cam_streamon(&cam), "STREAMON");
	for (i = 0; i < 4; i++) {
		struct v4l2_buffer b;

		CK(!cg_cam_dqbuf(&cam, &b, cg_tmo(5000)), "DQBUF");
		CK(!cg_cam_qbuf(&cam, b.index), "QBUF");
	}
	CK(!cg_cam_streamoff(&cam), "STREAMOFF");
	for (i = 0; i < cam.nbuf; i++)
		cg_fill_marker(cam.map[i], cam.len[i], marker);
	for (i = 0; i < cam.nbuf; i++)
		CK(count_marker(cam.map[i], cam.len[i]) > 0, "A's own marker not found");
	m.v[0] = cam.nbuf;
	m.v[1] = (int64_t)cam.len[0];
	cg_cam_munmap(&cam);
	if (!ra->close_only)
		CK(cg_cam_reqbufs(&cam, 0, V4L2_MEMORY_MMAP) == 0, "REQBUFS 0");
	cg_cam_close(&cam);
	cg_ctl_send(ctl, &m, -1);
	cg_say(ctl, 'E', 0);
	return 0;
}

/* 64-byte chunks of A's frame: the non-zero ones, sorted for bsearch. */
struct chunks {
	size_t n;
	uint8_t (*c)[64];
};

static int cmp64(const void *a, const void *b)
{
	return memcmp(a, b, 64);
}

static long count_chunks(const struct chunks *ch, const uint8_t *p, size_t n)
{
	long hits = 0;
	size_t off;

	if (!ch || !ch->n)
		return 0;
	for (off = 0; off + 64 <= n; off += 64)
		if (bsearch(p + off, ch->c, ch->n, 64, cmp64))
			hits++;
	return hits;
}

struct b_arg {
	bool read_io;
	const struct chunks *chunks;	/* A's frame, for the read() variant */
};

/* B: allocate, map, scan everything; stream, scan again. */
static int owner_b_child(void *arg, int ctl)
{
	struct b_arg *ba = arg;
	struct cg_cam cam;
	unsigned int i;
	long hits = 0, chunk_hits = 0;
	int ret;

	(void)ctl;
	CK(!cg_cam_open(&cam, CAM), "open");
	CK(!cg_cam_set_fmt(&cam, W, H, 0, 0), "S_FMT");
	if (ba->read_io) {
		size_t len = cam.pix.sizeimage;
		uint8_t *buf = malloc(len);
		int n = 0;

		CK(buf, "malloc");
		while (n < 4) {
			ssize_t r = read(cam.fd, buf, len);

			if (r < 0 && errno == EAGAIN) {
				cg_sleep_ms(20);
				continue;
			}
			CK(r == (ssize_t)len, "read(): %zd (%s)", r, strerror(errno));
			hits += count_marker(buf, len);
			n++;
		}
		CK(hits == 0, "A's marker found %ld times in B's read() frames", hits);
		free(buf);
		cg_cam_close(&cam);
		return 0;
	}
	ret = cg_cam_reqbufs(&cam, 8, V4L2_MEMORY_MMAP);
	CK(ret >= 8, "REQBUFS: %d", ret);
	CK(!cg_cam_mmap(&cam), "mmap");
	for (i = 0; i < cam.nbuf; i++) {
		long h = count_marker(cam.map[i], cam.len[i]);
		long c = count_chunks(ba->chunks, cam.map[i], cam.len[i]);

		if (h || c)
			cg_log("fresh buffer %u (%zu bytes): %ld marker and %ld frame chunk hits", i,
			       cam.len[i], h, c);
		hits += h;
		chunk_hits += c;
	}
	CK(hits == 0, "A's marker found %ld times in B's fresh buffers", hits);
	CK(chunk_hits == 0, "64-byte chunks of A's read() frame found %ld times in B's fresh buffers",
	   chunk_hits);
	CK(!cg_cam_queue_all(&cam), "QBUF");
	CK(!cg_cam_streamon(&cam), "STREAMON");
	for (i = 0; i < 2 * cam.nbuf; i++) {
		struct v4l2_buffer b;
		const uint8_t *p;
		long h, c;

		CK(!cg_cam_dqbuf(&cam, &b, cg_tmo(5000)), "DQBUF");
		p = cam.map[b.index];
		h = count_marker(p, cam.len[b.index]);
		/* beyond the payload nothing of A's frame either */
		c = count_chunks(ba->chunks, p + ((b.bytesused + 63) & ~63u),
				 cam.len[b.index] - ((b.bytesused + 63) & ~63u));
		CK(h == 0, "A's marker %ld times in dequeued buffer %u (seq %u, bytesused %u of %zu)",
		   h, b.index, b.sequence, b.bytesused, cam.len[b.index]);
		CK(c == 0, "A's frame chunks %ld times after bytesused in buffer %u", c, b.index);
		CK(!cg_cam_qbuf(&cam, b.index), "QBUF");
	}
	cg_cam_stop(&cam);
	cg_cam_close(&cam);
	return 0;
}

FIXTURE(rem) {
	int unused;
};

FIXTURE_VARIANT(rem) {
	struct rem_arg a;
};

FIXTURE_VARIANT_ADD(rem, mmap_then_reqbufs0) { .a = { .close_only = false } };
FIXTURE_VARIANT_ADD(rem, mmap_then_close) { .a = { .close_only = true } };
FIXTURE_VARIANT_ADD(rem, mmap_then_read) { .a = { .b_read_io = true } };
FIXTURE_VARIANT_ADD(rem, read_then_mmap) { .a = { .read_io = true } };

FIXTURE_SETUP(rem)
{
	CG_NEED(1);
}

FIXTURE_TEARDOWN(rem)
{
}

TEST_F_TIMEOUT(rem, next_owner_sees_nothing, 180)
{
	struct rem_arg ra = variant->a;
	struct b_arg ba = { .read_io = ra.b_read_io };
	struct chunks ch = { 0 };
	uint8_t *frame = NULL;
	struct cg_proc a, b;
	struct cg_ctl m;
	size_t len = 0, i;

	ASSERT_EQ(0, cg_spawn(&a, &cg_a, owner_a_child, &ra));
	for (;;) {
		ASSERT_EQ(0, cg_ctl_recv(a.ctl, &m, NULL, cg_tmo(60000)));
		if (m.op == 'E')
			break;
		if (m.op == 'A' && ra.read_io) {
			len = (size_t)m.v[0];
			frame = calloc(1, len);
			ASSERT_NE(NULL, frame);
		} else if (m.op == 'F') {
			ASSERT_NE(NULL, frame);
			ASSERT_GE(len, (size_t)(m.v[0] + m.v[1]));
			memcpy(frame + m.v[0], m.s, (size_t)m.v[1]);
		}
	}
	ASSERT_CHILD_OK(&a, 20000);
	if (frame) {
		static const uint8_t zero[64];

		ch.c = calloc(len / 64 + 1, 64);
		ASSERT_NE(NULL, ch.c);
		for (i = 0; i + 64 <= len; i += 64)
			if (memcmp(frame + i, zero, 64))
				memcpy(ch.c[ch.n++], frame + i, 64);
		qsort(ch.c, ch.n, 64, cmp64);
		TH_LOG("%zu distinct-position chunks of A's read() frame to look for", ch.n);
		ba.chunks = &ch;
	}
	ASSERT_EQ(0, cg_spawn(&b, &cg_b, owner_b_child, &ba));
	EXPECT_CHILD_OK(&b, 120000);
	free(ch.c);
	free(frame);
}

TEST_HARNESS_MAIN
