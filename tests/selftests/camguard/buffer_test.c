// SPDX-License-Identifier: GPL-2.0
/*
 * camguard: the owner's buffers are the owner's alone. While owner A
 * (uid 1000) owns a camera's queue, in every I/O mode (MMAP, USERPTR,
 * read(), DMABUF imported from the other camera), a stranger B (uid 2000)
 * that opened the same node gets EBUSY from mmap() at the offset A tells
 * it, from QUERYBUF, EXPBUF, DQBUF and read(), and its poll() never
 * reports POLLIN; so also during A's first blocking read(), when B's
 * close() must not end A's stream either; B opening and closing the node
 * over and over never breaks A's capture. USERPTR memory of a shared
 * mapping is refused (EACCES); frames in memory others may reach (private
 * USERPTR memory, imported DMABUF, MMAP buffers after an EXPBUF) carry
 * CAMGUARD_TAG_F_SHARED_MEMORY, until a new ownership. Only the stream's
 * owner changes the camera's settings (EBUSY for B and root; EACCES on a
 * camera bound to A), and only root the error injection (EPERM). While
 * muted, no picture byte is ever in a mapped buffer, not even while the
 * driver fills it. Mappings made before a change of owner keep the old
 * memory, and the new owner's buffers hold nothing of it.
 *
 * Run as root with camguard loaded (cameras >= 2 for the DMABUF cases).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

#include "cg_test.h"

#ifndef CAMGUARD_TAG_F_SHARED_MEMORY
#define CAMGUARD_TAG_F_SHARED_MEMORY 0x04
#endif

#define CAM 0
#define W 160
#define H 120

/* ---- helpers ------------------------------------------------------------------ */

static size_t page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) / pg * pg;
}

/* Kill a child still running (teardown after a failure). */
static void stop_child(struct cg_proc *p)
{
	if (p->pid <= 0)
		return;
	cg_kill(p, SIGKILL);
	cg_reap(p, cg_tmo(10000));
}

/* ---- one owner's capture, in any I/O mode ------------------------------------- */

enum io_mode { IO_MMAP, IO_USERPTR, IO_READ, IO_DMABUF };

static const char *const io_name[] = {
	[IO_MMAP] = "MMAP",
	[IO_USERPTR] = "USERPTR",
	[IO_READ] = "read()",
	[IO_DMABUF] = "DMABUF",
};

struct io {
	enum io_mode mode;
	uint32_t memory;		/* of the queue (read(): vb2's MMAP buffers) */
	struct cg_cam cam;		/* the camera captured */
	struct cg_cam exp;		/* DMABUF: the other camera, whose buffers are imported */
	int dfd[CG_MAXBUF];		/* DMABUF: those buffers, exported */
	void *ubuf[CG_MAXBUF];		/* USERPTR: private page-aligned memory */
	size_t ulen;
	uint8_t *rbuf;			/* read(): the frame */
};

/* Open camera @cam at W x H YUYV and allocate what @mode needs; nothing queued. */
static int io_prepare(struct io *io, enum io_mode mode, int cam)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	unsigned int i;
	int ret;

	memset(io, 0, sizeof(*io));
	io->mode = mode;
	io->cam.fd = -1;
	io->exp.fd = -1;
	for (i = 0; i < CG_MAXBUF; i++)
		io->dfd[i] = -1;
	io->memory = mode == IO_USERPTR ? V4L2_MEMORY_USERPTR :
		     mode == IO_DMABUF ? V4L2_MEMORY_DMABUF : V4L2_MEMORY_MMAP;
	ret = cg_cam_open(&io->cam, cam);
	CK(!ret, "open camera %d: %s", cam, strerror(-ret));
	ret = cg_cam_set_fmt(&io->cam, W, H, 0, 0);
	CK(!ret, "S_FMT %ux%u on camera %d: %s", W, H, cam, strerror(-ret));
	switch (mode) {
	case IO_READ:
		io->rbuf = malloc(io->cam.pix.sizeimage);
		CK(io->rbuf, "malloc");
		return 0;
	case IO_MMAP:
		ret = cg_cam_reqbufs(&io->cam, 8, V4L2_MEMORY_MMAP);
		CK(ret >= 8, "REQBUFS 8 MMAP: %d", ret);
		ret = cg_cam_mmap(&io->cam);
		CK(!ret, "the owner's mmap() of its buffers: %s", strerror(-ret));
		return 0;
	case IO_USERPTR:
		ret = cg_cam_reqbufs(&io->cam, 8, V4L2_MEMORY_USERPTR);
		CK(ret >= 8, "REQBUFS 8 USERPTR: %d", ret);
		io->ulen = page_round(io->cam.pix.sizeimage);
		for (i = 0; i < io->cam.nbuf; i++) {
			CK(!posix_memalign(&io->ubuf[i], pg, io->ulen), "posix_memalign");
			memset(io->ubuf[i], 0, io->ulen);
		}
		return 0;
	case IO_DMABUF:
		ret = cg_cam_open(&io->exp, cam ^ 1);
		CK(!ret, "open camera %d (to export): %s", cam ^ 1, strerror(-ret));
		ret = cg_cam_set_fmt(&io->exp, W, H, 0, 0);
		CK(!ret, "S_FMT on camera %d: %s", cam ^ 1, strerror(-ret));
		ret = cg_cam_reqbufs(&io->exp, 8, V4L2_MEMORY_MMAP);
		CK(ret >= 8, "REQBUFS 8 MMAP on camera %d: %d", cam ^ 1, ret);
		ret = cg_cam_mmap(&io->exp);
		CK(!ret, "mmap() of camera %d's buffers: %s", cam ^ 1, strerror(-ret));
		for (i = 0; i < io->exp.nbuf; i++) {
			io->dfd[i] = cg_cam_expbuf(&io->exp, i);
			CK(io->dfd[i] >= 0, "EXPBUF of buffer %u of camera %d: %s", i, cam ^ 1,
			   strerror(-io->dfd[i]));
		}
		ret = cg_cam_reqbufs(&io->cam, io->exp.nbuf, V4L2_MEMORY_DMABUF);
		CK(ret >= 8 && ret <= (int)io->exp.nbuf, "REQBUFS %u DMABUF: %d", io->exp.nbuf,
		   ret);
		return 0;
	}
	return 1;
}

static int io_queue(struct io *io, unsigned int i)
{
	switch (io->mode) {
	case IO_MMAP:
		return cg_cam_qbuf(&io->cam, i);
	case IO_USERPTR:
		return cg_cam_qbuf_userptr(&io->cam, i, io->ubuf[i], io->ulen);
	case IO_DMABUF:
		return cg_cam_qbuf_dmabuf(&io->cam, i, io->dfd[i], io->exp.len[i]);
	case IO_READ:
		break;
	}
	return 0;
}

/* Queue every buffer and STREAMON (read(): the first read() starts). */
static int io_go(struct io *io)
{
	unsigned int i;
	int ret;

	if (io->mode == IO_READ)
		return 0;
	for (i = 0; i < io->cam.nbuf; i++) {
		ret = io_queue(io, i);
		CK(!ret, "QBUF %s buffer %u: %s", io_name[io->mode], i, strerror(-ret));
	}
	ret = cg_cam_streamon(&io->cam);
	CK(!ret, "STREAMON: %s", strerror(-ret));
	return 0;
}

/*
 * The next frame: @b (index, sequence, bytesused, flags) and its bytes.
 * read(): one read() of sizeimage bytes, bytesused = what it returned.
 * 0 or -errno (-ETIMEDOUT after @timeout_ms on a non-blocking descriptor).
 */
static int io_frame(struct io *io, struct v4l2_buffer *b, const uint8_t **payload,
		    int timeout_ms)
{
	int64_t end = cg_now_ms() + timeout_ms;
	int ret;

	if (io->mode == IO_READ) {
		struct pollfd pfd = { .fd = io->cam.fd, .events = POLLIN };

		for (;;) {
			ssize_t r = read(io->cam.fd, io->rbuf, io->cam.pix.sizeimage);
			int64_t left = end - cg_now_ms();

			if (r >= 0) {
				memset(b, 0, sizeof(*b));
				b->bytesused = (uint32_t)r;
				*payload = io->rbuf;
				return 0;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			if (left <= 0)
				return -ETIMEDOUT;
			ret = poll(&pfd, 1, (int)left);
			if (ret < 0 && errno != EINTR)
				return -errno;
		}
	}
	ret = cg_cam_dqbuf_mem(&io->cam, io->memory, b, timeout_ms);
	if (ret)
		return ret;
	if (b->index >= io->cam.nbuf)
		return -ERANGE;
	switch (io->mode) {
	case IO_MMAP:
		*payload = io->cam.map[b->index];
		break;
	case IO_USERPTR:
		*payload = io->ubuf[b->index];
		break;
	case IO_DMABUF:
		*payload = io->exp.map[b->index];
		break;
	case IO_READ:
		break;
	}
	return 0;
}

static int io_requeue(struct io *io, const struct v4l2_buffer *b)
{
	return io_queue(io, b->index);
}

/* @n frames, each whole (sizeimage bytes, no ERROR flag), given back. */
static int io_capture(struct io *io, int n, const char *when)
{
	const uint8_t *p;
	struct v4l2_buffer b;
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = io_frame(io, &b, &p, cg_tmo(5000));
		CK(!ret, "%s: %s frame %d of %d: %s", when, io_name[io->mode], i + 1, n,
		   strerror(-ret));
		CK(b.bytesused == io->cam.pix.sizeimage && !(b.flags & V4L2_BUF_FLAG_ERROR),
		   "%s: %s frame %d of %d: %u bytes of %u, flags %#x", when, io_name[io->mode],
		   i + 1, n, b.bytesused, io->cam.pix.sizeimage, b.flags);
		ret = io_requeue(io, &b);
		CK(!ret, "%s: QBUF: %s", when, strerror(-ret));
	}
	return 0;
}

static void io_stop(struct io *io)
{
	unsigned int i;

	if (io->cam.fd >= 0) {
		if (io->mode != IO_READ) {
			cg_cam_streamoff(&io->cam);
			cg_cam_munmap(&io->cam);
			cg_cam_reqbufs(&io->cam, 0, io->memory);
		}
		cg_cam_close(&io->cam);
	}
	for (i = 0; i < CG_MAXBUF; i++) {
		if (io->dfd[i] >= 0)
			close(io->dfd[i]);
		io->dfd[i] = -1;
		free(io->ubuf[i]);
		io->ubuf[i] = NULL;
	}
	if (io->exp.fd >= 0) {
		cg_cam_stop(&io->exp);
		cg_cam_close(&io->exp);
	}
	free(io->rbuf);
	io->rbuf = NULL;
}

/* ---- the stranger ------------------------------------------------------------- */

/*
 * Where the owner's buffers are, as the owner tells it (op 'S' or 'W'):
 * v0 memory type, v1 mmap() offset of buffer 0 (QUERYBUF m.offset), v2 a
 * buffer's length, v3 the other camera whose buffers the owner also holds
 * (DMABUF: the exporter) or -1, v4 offset of its buffer 0, v5 sizeimage.
 */
enum { CHECK_MMAP = 1, CHECK_IOCTLS = 2, CHECK_READ = 4, CHECK_POLL = 8 };

struct stranger_arg {
	int checks;
	struct cg_ctl where;
};

static int stranger_mmap(int cam, int64_t offset, size_t len)
{
	struct cg_cam c;
	void *p;
	int ret = cg_cam_open(&c, cam);

	CK(!ret, "open camera %d: %s", cam, strerror(-ret));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, c.fd, (off_t)offset);
	ret = p == MAP_FAILED ? errno : 0;
	if (p != MAP_FAILED) {
		const uint8_t *q = p;
		size_t i, nz = 0;

		for (i = 0; i < len; i++)
			nz += q[i] != 0;
		cg_log("camera %d: the stranger mapped %zu bytes of the owner's buffer at offset %#llx, readable and writable (%zu non-zero bytes)",
		       cam, len, (unsigned long long)offset, nz);
		munmap(p, len);
	}
	cg_cam_close(&c);
	CK(ret == EBUSY, "camera %d: the stranger's mmap() at the owner's offset %#llx: %s, want EBUSY",
	   cam, (unsigned long long)offset, ret ? strerror(ret) : "mapped");
	return 0;
}

static int stranger_ioctls(int cam, uint32_t memory)
{
	struct v4l2_exportbuffer eb = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.flags = O_RDWR | O_CLOEXEC,
	};
	struct v4l2_buffer b;
	struct cg_cam c;
	int rc = 0, ret = cg_cam_open(&c, cam);

	CK(!ret, "open camera %d: %s", cam, strerror(-ret));
	ret = cg_cam_querybuf(&c, 0, memory, &b);
	if (!ret)
		cg_log("camera %d: the stranger's QUERYBUF of buffer 0: offset %#x length %u bytesused %u sequence %u flags %#x",
		       cam, b.m.offset, b.length, b.bytesused, b.sequence, b.flags);
	if (ret != -EBUSY) {
		cg_log("camera %d: the stranger's QUERYBUF: %s, want EBUSY", cam, strerror(-ret));
		rc = 1;
	}
	ret = cg_cam_ioctl(&c, VIDIOC_EXPBUF, &eb);
	if (!ret)
		close(eb.fd);
	if (ret != -EBUSY) {
		cg_log("camera %d: the stranger's EXPBUF of buffer 0: %s, want EBUSY", cam,
		       ret ? strerror(-ret) : "exported");
		rc = 1;
	}
	memset(&b, 0, sizeof(b));
	b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b.memory = memory;
	ret = cg_cam_ioctl(&c, VIDIOC_DQBUF, &b);
	if (ret != -EBUSY) {
		cg_log("camera %d: the stranger's DQBUF: %s (index %u sequence %u), want EBUSY", cam,
		       strerror(-ret), b.index, b.sequence);
		rc = 1;
	}
	cg_cam_close(&c);
	return rc;
}

static int stranger_read(int cam, size_t len)
{
	struct cg_cam c;
	uint8_t *buf = malloc(len);
	ssize_t r;
	int err, ret = cg_cam_open(&c, cam);

	CK(buf, "malloc");
	CK(!ret, "open camera %d: %s", cam, strerror(-ret));
	r = read(c.fd, buf, len);
	err = errno;
	cg_cam_close(&c);
	free(buf);
	CK(r < 0, "camera %d: the stranger's read() returned %zd bytes of the owner's frames", cam,
	   r);
	CK(err == EBUSY, "camera %d: the stranger's read(): %s, want EBUSY", cam, strerror(err));
	return 0;
}

/* poll() for POLLIN for @ms: never POLLIN. */
static int stranger_poll(int cam, int ms)
{
	int64_t end = cg_now_ms() + ms;
	int polls = 0, pollin = 0, pollerr = 0, quiet = 0;
	short first = 0;
	struct cg_cam c;
	int ret = cg_cam_open(&c, cam);

	CK(!ret, "open camera %d: %s", cam, strerror(-ret));
	for (;;) {
		struct pollfd pfd = { .fd = c.fd, .events = POLLIN | POLLRDNORM };
		int64_t left = end - cg_now_ms();
		int n;

		if (left <= 0)
			break;
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		CK(n >= 0, "poll(): %s", strerror(errno));
		polls++;
		if (n == 0) {
			quiet++;
			continue;
		}
		if (pfd.revents & (POLLIN | POLLRDNORM)) {
			if (!pollin)
				first = pfd.revents;
			pollin++;
		}
		if (pfd.revents & POLLERR)
			pollerr++;
		cg_sleep_ms(5);		/* a ready descriptor returns at once */
	}
	cg_cam_close(&c);
	cg_log("camera %d: %d polls for POLLIN in %d ms: %d POLLIN, %d POLLERR, %d timed out",
	       cam, polls, ms, pollin, pollerr, quiet);
	CK(pollin == 0, "camera %d: the stranger's poll() reported POLLIN %d times (revents %#x): it learns when the owner's frames are ready",
	   cam, pollin, first);
	return 0;
}

static int stranger_child(void *arg, int ctl)
{
	const struct stranger_arg *sa = arg;
	const struct cg_ctl *w = &sa->where;
	int other = (int)w->v[3];
	int rc = 0;

	(void)ctl;
	if (sa->checks & CHECK_MMAP) {
		rc |= stranger_mmap(CAM, w->v[1], (size_t)w->v[2]);
		if (other >= 0)
			rc |= stranger_mmap(other, w->v[4], (size_t)w->v[2]);
	}
	if (sa->checks & CHECK_IOCTLS) {
		rc |= stranger_ioctls(CAM, (uint32_t)w->v[0]);
		if (other >= 0)
			rc |= stranger_ioctls(other, V4L2_MEMORY_MMAP);
	}
	if (sa->checks & CHECK_READ)
		rc |= stranger_read(CAM, (size_t)w->v[5]);
	if (sa->checks & CHECK_POLL)
		rc |= stranger_poll(CAM, cg_tmo(300));
	return rc;
}

/* ---- B against A's buffers, in each of A's I/O modes ------------------------------ */

struct owner_arg {
	enum io_mode mode;
};

/*
 * A: captures a few frames, then holds its buffers (streaming, nothing
 * dequeued: finished frames wait in the queue) and says where they are
 * ('S'); after 'G' captures again, checks its stream is unchanged and
 * says 'R' (v0 frames).
 */
static int owner_child(void *arg, int ctl)
{
	const struct owner_arg *oa = arg;
	struct cg_ctl m = { .op = 'S' };
	struct cg_stream_info si;
	struct v4l2_buffer b;
	struct cg_nl nl;
	struct io io;
	uint64_t sid;
	int ret;

	CK(!cg_nl_open(&nl), "netlink");
	if (io_prepare(&io, oa->mode, CAM) || io_go(&io) || io_capture(&io, 3, "before"))
		return 1;
	ret = cg_stream_of(&nl, CAM, &si);
	CK(ret == 1 && si.streaming, "the owner's stream is not listed as streaming (%d)", ret);
	sid = si.id;
	m.v[0] = io.memory;
	m.v[2] = (int64_t)page_round(io.cam.pix.sizeimage);
	m.v[3] = -1;
	m.v[5] = io.cam.pix.sizeimage;
	if (oa->mode == IO_MMAP) {
		ret = cg_cam_querybuf(&io.cam, 0, V4L2_MEMORY_MMAP, &b);
		CK(!ret, "the owner's QUERYBUF: %s", strerror(-ret));
		m.v[1] = b.m.offset;
		m.v[2] = b.length;
	}
	if (oa->mode == IO_DMABUF) {
		ret = cg_cam_querybuf(&io.exp, 0, V4L2_MEMORY_MMAP, &b);
		CK(!ret, "the owner's QUERYBUF on camera %d: %s", io.exp.index, strerror(-ret));
		m.v[3] = io.exp.index;
		m.v[4] = b.m.offset;
	}
	CK(!cg_ctl_send(ctl, &m, -1), "ctl");
	CK(!cg_expect(ctl, 'G', NULL, cg_tmo(120000)), "no go from the test");
	if (io_capture(&io, 3, "after the stranger"))
		return 1;
	ret = cg_stream_of(&nl, CAM, &si);
	CK(ret == 1 && si.streaming && si.id == sid && si.uid == getuid(),
	   "after the stranger: stream listed %d, streaming %d, id %llu (was %llu), owner %u",
	   ret, si.streaming, (unsigned long long)si.id, (unsigned long long)sid, si.uid);
	m.op = 'R';
	m.v[0] = 3;
	cg_ctl_send(ctl, &m, -1);
	io_stop(&io);
	cg_nl_close(&nl);
	return 0;
}

FIXTURE(stranger) {
	struct cg_proc owner, other;
};

FIXTURE_VARIANT(stranger) {
	enum io_mode mode;
};

FIXTURE_VARIANT_ADD(stranger, mmap) { .mode = IO_MMAP };
FIXTURE_VARIANT_ADD(stranger, userptr) { .mode = IO_USERPTR };
FIXTURE_VARIANT_ADD(stranger, read) { .mode = IO_READ };
FIXTURE_VARIANT_ADD(stranger, dmabuf) { .mode = IO_DMABUF };

FIXTURE_SETUP(stranger)
{
	self->owner.pid = 0;
	self->other.pid = 0;
	/* DMABUF: A imports the buffers of camera 1 */
	CG_NEED(variant->mode == IO_DMABUF ? 2 : 1);
}

FIXTURE_TEARDOWN(stranger)
{
	stop_child(&self->other);
	stop_child(&self->owner);
}

/* A captures in its mode and holds; B runs @checks; A captures again. */
static void stranger_test(struct __test_metadata *_metadata, FIXTURE_DATA(stranger) *self,
			  const FIXTURE_VARIANT(stranger) *variant, int checks)
{
	struct owner_arg oa = { .mode = variant->mode };
	struct stranger_arg sa = { .checks = checks };
	struct cg_ctl m;

	ASSERT_EQ(0, cg_spawn(&self->owner, &cg_a, owner_child, &oa));
	ASSERT_EQ(0, cg_expect(self->owner.ctl, 'S', &sa.where, cg_tmo(30000)))
		TH_LOG("owner A did not start its %s capture", io_name[variant->mode]);
	ASSERT_EQ(0, cg_spawn(&self->other, &cg_b, stranger_child, &sa));
	EXPECT_CHILD_OK(&self->other, 30000);
	/* and A's capture goes on as if nothing happened */
	cg_say(self->owner.ctl, 'G', 0);
	ASSERT_EQ(0, cg_expect(self->owner.ctl, 'R', &m, cg_tmo(30000)))
		TH_LOG("owner A's %s capture broke after the stranger", io_name[variant->mode]);
	EXPECT_EQ(3, m.v[0]);
	EXPECT_CHILD_OK(&self->owner, 20000);
}

TEST_F_TIMEOUT(stranger, mmap_ebusy, 90)
{
	stranger_test(_metadata, self, variant, CHECK_MMAP);
}

TEST_F_TIMEOUT(stranger, querybuf_expbuf_dqbuf_ebusy, 90)
{
	stranger_test(_metadata, self, variant, CHECK_IOCTLS);
}

TEST_F_TIMEOUT(stranger, read_ebusy, 90)
{
	stranger_test(_metadata, self, variant, CHECK_READ);
}

TEST_F_TIMEOUT(stranger, poll_never_pollin, 90)
{
	stranger_test(_metadata, self, variant, CHECK_POLL);
}

/* ---- during the owner's first blocking read() ----------------------------------- */

/*
 * A: its first read() on a blocking descriptor, which never returns: the
 * camera drops every frame (Drop Frames 100%, set by the test). Says 'W'
 * (where its buffers are, as 'S' above) just before; if read() returns,
 * says 'F' (v0 result, v1 errno).
 */
static int first_read_child(void *arg, int ctl)
{
	struct cg_ctl m = { .op = 'W' };
	struct cg_cam cam;
	uint8_t *buf;
	ssize_t r;

	(void)arg;
	CK(!cg_cam_open(&cam, CAM), "open");
	CK(!cg_cam_set_fmt(&cam, W, H, 0, 0), "S_FMT");
	CK(!cg_cam_set_nonblock(&cam, false), "blocking I/O");
	buf = malloc(cam.pix.sizeimage);
	CK(buf, "malloc");
	m.v[0] = V4L2_MEMORY_MMAP;
	m.v[2] = (int64_t)page_round(cam.pix.sizeimage);
	m.v[3] = -1;
	m.v[5] = cam.pix.sizeimage;
	CK(!cg_ctl_send(ctl, &m, -1), "ctl");
	r = read(cam.fd, buf, cam.pix.sizeimage);
	m.op = 'F';
	m.v[0] = r;
	m.v[1] = r < 0 ? errno : 0;
	cg_log("the owner's first blocking read() returned %zd (%s)", r,
	       r < 0 ? strerror(errno) : "a frame");
	cg_ctl_send(ctl, &m, -1);
	cg_expect(ctl, 'Q', NULL, cg_tmo(60000));
	free(buf);
	cg_cam_close(&cam);
	return 0;
}

/* B opens and closes camera @cam's node @times times, @gap_ms apart. */
struct closer_arg {
	int times;
	int gap_ms;
	bool wait_go;		/* 'W' when ready, then wait for 'G' */
};

static int closer_child(void *arg, int ctl)
{
	const struct closer_arg *ca = arg;
	char path[64];
	int i, fd, ret = cg_node_path(CAM, path, sizeof(path));

	CK(!ret, "camera %d's node: %s", CAM, strerror(-ret));
	if (ca->wait_go) {
		cg_say(ctl, 'W', 0);
		CK(!cg_expect(ctl, 'G', NULL, cg_tmo(30000)), "no go from the test");
	}
	for (i = 0; i < ca->times; i++) {
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		CK(fd >= 0, "open %d of %d: %s", i + 1, ca->times, strerror(errno));
		close(fd);
		cg_sleep_ms(ca->gap_ms);
	}
	return 0;
}

FIXTURE(first_read) {
	struct cg_nl nl;	/* root */
	struct cg_proc owner, other;
	bool dropping;		/* Drop Frames set to 100% */
};

FIXTURE_SETUP(first_read)
{
	int ret;

	self->nl.fd = -1;
	self->owner.pid = 0;
	self->other.pid = 0;
	self->dropping = false;
	CG_NEED(1);
	ASSERT_EQ(0, cg_nl_open(&self->nl));
	/* no frame ever comes: A stays in its first read() */
	ret = cg_root_set_ctrl(CAM, CG_CID_DROP_PERCENT, 100);
	ASSERT_EQ(0, ret) TH_LOG("root setting Drop Frames 100%% on the idle camera: %s",
				 strerror(-ret));
	self->dropping = true;
}

FIXTURE_TEARDOWN(first_read)
{
	stop_child(&self->other);
	stop_child(&self->owner);
	if (self->dropping) {
		int ret = cg_root_set_ctrl(CAM, CG_CID_DROP_PERCENT, 0);

		if (ret)
			TH_LOG("root resetting Drop Frames to 0: %s", strerror(-ret));
	}
	if (self->nl.fd >= 0)
		cg_nl_close(&self->nl);
}

/* A waits in its first read(); its stream has begun: its id, or 0 (logged). */
static uint64_t first_read_start(struct __test_metadata *_metadata,
				 FIXTURE_DATA(first_read) *self, struct cg_ctl *where)
{
	struct cg_stream_info si = { 0 };
	int ret;

	if (cg_spawn(&self->owner, &cg_a, first_read_child, NULL) ||
	    cg_expect(self->owner.ctl, 'W', where, cg_tmo(20000))) {
		TH_LOG("owner A did not get to its first read()");
		return 0;
	}
	cg_sleep_ms(cg_tmo(200));
	ret = cg_stream_of(&self->nl, CAM, &si);
	if (ret != 1 || si.uid != CG_UID_A) {
		TH_LOG("no stream of A while it waits in its first read() (%d, owner %u)", ret,
		       si.uid);
		return 0;
	}
	return si.id;
}

/* A is still in its first read() (nothing the stranger did made it return). */
static void first_read_still_waits(struct __test_metadata *_metadata,
				   FIXTURE_DATA(first_read) *self)
{
	struct cg_ctl m = { 0 };
	int ret = cg_ctl_recv(self->owner.ctl, &m, NULL, cg_tmo(300));

	EXPECT_EQ(-ETIMEDOUT, ret) TH_LOG("A's first blocking read() returned %lld (%s)",
					  (long long)m.v[0], strerror((int)m.v[1]));
}

TEST_F_TIMEOUT(first_read, stranger_read_ebusy, 60)
{
	struct stranger_arg sa = { .checks = CHECK_READ };

	ASSERT_NE(0, first_read_start(_metadata, self, &sa.where));
	ASSERT_EQ(0, cg_spawn(&self->other, &cg_b, stranger_child, &sa));
	EXPECT_CHILD_OK(&self->other, 20000);
	first_read_still_waits(_metadata, self);
}

TEST_F_TIMEOUT(first_read, stranger_mmap_and_buffer_ioctls_ebusy, 60)
{
	struct stranger_arg sa = { .checks = CHECK_MMAP | CHECK_IOCTLS };

	ASSERT_NE(0, first_read_start(_metadata, self, &sa.where));
	ASSERT_EQ(0, cg_spawn(&self->other, &cg_b, stranger_child, &sa));
	EXPECT_CHILD_OK(&self->other, 20000);
	first_read_still_waits(_metadata, self);
}

TEST_F_TIMEOUT(first_read, stranger_close_keeps_the_owner, 60)
{
	struct closer_arg ca = { .times = 20, .gap_ms = 5 };
	struct cg_stream_info si;
	struct cg_ctl where;
	uint64_t sid;
	int ret;

	sid = first_read_start(_metadata, self, &where);
	ASSERT_NE(0, sid);
	ASSERT_EQ(0, cg_spawn(&self->other, &cg_b, closer_child, &ca));
	EXPECT_CHILD_OK(&self->other, 20000);
	first_read_still_waits(_metadata, self);
	ret = cg_stream_of(&self->nl, CAM, &si);
	EXPECT_EQ(1, ret) TH_LOG("A's stream %llu ended with the stranger's close()",
				 (unsigned long long)sid);
	if (ret == 1) {
		EXPECT_EQ(sid, si.id);
		EXPECT_EQ(CG_UID_A, si.uid);
	}
}

/* ---- the stranger opens and closes while the owner captures ------------------------ */

struct loop_arg {
	enum io_mode mode;
	int frames;
};

/*
 * A on a blocking descriptor: 'W' when ready; after 'G' starts and
 * captures @frames frames (each whole), checks its stream, says 'R'.
 */
static int loop_owner_child(void *arg, int ctl)
{
	const struct loop_arg *la = arg;
	struct cg_ctl m = { .op = 'R' };
	struct cg_stream_info si;
	struct cg_nl nl;
	struct io io;
	int ret;

	CK(!cg_nl_open(&nl), "netlink");
	if (io_prepare(&io, la->mode, CAM))
		return 1;
	CK(!cg_cam_set_nonblock(&io.cam, false), "blocking I/O");
	cg_say(ctl, 'W', 0);
	CK(!cg_expect(ctl, 'G', NULL, cg_tmo(30000)), "no go from the test");
	if (io_go(&io) || io_capture(&io, la->frames, "while the stranger opens and closes"))
		return 1;
	ret = cg_stream_of(&nl, CAM, &si);
	CK(ret == 1 && si.streaming && si.uid == getuid(),
	   "the owner's stream: listed %d, streaming %d, owner %u", ret, si.streaming, si.uid);
	m.v[0] = la->frames;
	cg_ctl_send(ctl, &m, -1);
	io_stop(&io);
	cg_nl_close(&nl);
	return 0;
}

FIXTURE(closer) {
	struct cg_proc owner, other;
};

FIXTURE_VARIANT(closer) {
	enum io_mode mode;
};

FIXTURE_VARIANT_ADD(closer, read) { .mode = IO_READ };
FIXTURE_VARIANT_ADD(closer, mmap) { .mode = IO_MMAP };

FIXTURE_SETUP(closer)
{
	self->owner.pid = 0;
	self->other.pid = 0;
	CG_NEED(1);
}

FIXTURE_TEARDOWN(closer)
{
	stop_child(&self->other);
	stop_child(&self->owner);
}

TEST_F_TIMEOUT(closer, stranger_open_close_never_breaks_the_owner, 90)
{
	struct loop_arg la = { .mode = variant->mode, .frames = 10 };
	struct closer_arg ca = { .times = 20, .gap_ms = 3, .wait_go = true };
	struct cg_ctl m;

	ASSERT_EQ(0, cg_spawn(&self->other, &cg_b, closer_child, &ca));
	ASSERT_EQ(0, cg_expect(self->other.ctl, 'W', NULL, cg_tmo(20000)));
	ASSERT_EQ(0, cg_spawn(&self->owner, &cg_a, loop_owner_child, &la));
	ASSERT_EQ(0, cg_expect(self->owner.ctl, 'W', NULL, cg_tmo(20000)));
	/* together: B's first close() comes during A's first frame */
	cg_say(self->other.ctl, 'G', 0);
	cg_say(self->owner.ctl, 'G', 0);
	EXPECT_CHILD_OK(&self->other, 30000);
	ASSERT_EQ(0, cg_expect(self->owner.ctl, 'R', &m, cg_tmo(60000)))
		TH_LOG("owner A's %s capture failed while B opened and closed the node",
		       io_name[variant->mode]);
	EXPECT_EQ(la.frames, m.v[0]);
	EXPECT_CHILD_OK(&self->owner, 20000);
}

/* ---- memory the owner brings or gives away --------------------------------------- */

/*
 * A: USERPTR buffers 0 and 1 from shared mappings (a memfd, shared
 * anonymous memory), PREPARE_BUF of buffer 3 from the memfd, buffer 2 from
 * private memory. 'R': v0..v3 the results (QBUF 0, QBUF 1, QBUF 2, PREPARE_BUF 3).
 */
static int userptr_shared_child(void *arg, int ctl)
{
	struct cg_ctl m = { .op = 'R' };
	struct v4l2_buffer b = {
		.index = 3,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_USERPTR,
	};
	void *shm, *anon, *priv = NULL;
	struct cg_cam cam;
	size_t len;
	int mfd, ret;

	(void)arg;
	CK(!cg_cam_open(&cam, CAM), "open");
	CK(!cg_cam_set_fmt(&cam, W, H, 0, 0), "S_FMT");
	ret = cg_cam_reqbufs(&cam, 8, V4L2_MEMORY_USERPTR);
	CK(ret >= 8, "REQBUFS 8 USERPTR: %d", ret);
	len = page_round(cam.pix.sizeimage);
	mfd = memfd_create("camguard-userptr", MFD_CLOEXEC);
	CK(mfd >= 0, "memfd_create: %s", strerror(errno));
	CK(!ftruncate(mfd, (off_t)len), "ftruncate: %s", strerror(errno));
	shm = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	CK(shm != MAP_FAILED, "mmap of the memfd: %s", strerror(errno));
	anon = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CK(anon != MAP_FAILED, "mmap MAP_SHARED | MAP_ANONYMOUS: %s", strerror(errno));
	CK(!posix_memalign(&priv, (size_t)sysconf(_SC_PAGESIZE), len), "posix_memalign");
	memset(priv, 0, len);
	m.v[0] = cg_cam_qbuf_userptr(&cam, 0, shm, len);
	m.v[1] = cg_cam_qbuf_userptr(&cam, 1, anon, len);
	m.v[2] = cg_cam_qbuf_userptr(&cam, 2, priv, len);
	b.m.userptr = (unsigned long)shm;
	b.length = (uint32_t)len;
	m.v[3] = cg_cam_ioctl(&cam, VIDIOC_PREPARE_BUF, &b);
	cg_ctl_send(ctl, &m, -1);
	cg_cam_stop(&cam);
	cg_cam_close(&cam);
	munmap(shm, len);
	munmap(anon, len);
	close(mfd);
	free(priv);
	return 0;
}

/* A's channel on the camera, for its frames' tags. */
struct tagger {
	struct cg_nl nl;
	struct cg_frames *fr;
	struct cg_msg *ev;
	uint32_t chan;
	uint8_t key[CAMGUARD_KEY_LEN];
};

static int tagger_open(struct tagger *t, int cam)
{
	int ret;

	t->fr = malloc(sizeof(*t->fr));
	t->ev = malloc(sizeof(*t->ev));
	CK(t->fr && t->ev, "malloc");
	CK(!cg_nl_open(&t->nl), "netlink");
	ret = cg_chan_new(&t->nl, "buffers", NULL, CG_NO_FLAGS, &t->chan, t->key);
	CK(!ret, "CHAN_NEW: %s (%s)", strerror(-ret), t->nl.ext_msg);
	ret = cg_chan_attach(&t->nl, t->chan, (uint32_t)cam);
	CK(!ret, "CHAN_ATTACH to camera %d: %s (%s)", cam, strerror(-ret), t->nl.ext_msg);
	cg_frames_init(t->fr, &t->nl);
	return 0;
}

/* Forget the events so far (a new stream's sequences start again at 0). */
static void tagger_flush(struct tagger *t)
{
	cg_nl_drain(&t->nl);
	t->fr->n = 0;
}

static void tagger_close(struct tagger *t)
{
	cg_nl_close(&t->nl);
	free(t->fr);
	free(t->ev);
}

/* @n frames of @io, each checked against its FRAME event, tag flags exactly @flags. */
static int tagged_frames(struct io *io, struct tagger *t, uint8_t flags, int n,
			 const char *what)
{
	struct cg_tag_expect x = { 0 };
	struct cg_stream_info si;
	const uint8_t *p;
	char why[300];
	long digest;
	int i, ret;

	ret = cg_stream_of(&t->nl, io->cam.index, &si);
	CK(ret == 1 && si.streaming, "%s: our stream of camera %d is not listed as streaming (%d)",
	   what, io->cam.index, ret);
	x.cam = (uint32_t)io->cam.index;
	x.chan = t->chan;
	x.uid = getuid();
	x.gid = getgid();
	x.stream_id = si.id;
	x.key = t->key;
	x.flags = flags;
	if (!cg_param_read("digest", &digest) && !digest)
		x.flags |= CAMGUARD_TAG_F_NO_DIGEST;	/* a benchmark left digest=0 */
	for (i = 0; i < n; i++) {
		struct v4l2_buffer b;

		ret = io_frame(io, &b, &p, cg_tmo(5000));
		CK(!ret, "%s: frame %d: %s", what, i + 1, strerror(-ret));
		ret = cg_frames_get(t->fr, t->chan, b.sequence, cg_tmo(3000), t->ev);
		CK(ret == 1, "%s: no FRAME event for seq %u within %d ms (%s)", what, b.sequence,
		   cg_tmo(3000), ret < 0 ? strerror(-ret) : "timeout");
		CK(!cg_check_frame(t->ev, &x, &b, p, why, sizeof(why)), "%s: frame seq %u: %s",
		   what, b.sequence, why);
		ret = io_requeue(io, &b);
		CK(!ret, "%s: QBUF: %s", what, strerror(-ret));
	}
	return 0;
}

/* A streams in @mode with its channel; every tag has flags @flags. 'R' v0 frames. */
struct flagged_arg {
	enum io_mode mode;
	uint8_t flags;
	int frames;
};

static int flagged_child(void *arg, int ctl)
{
	const struct flagged_arg *fa = arg;
	struct cg_ctl m = { .op = 'R' };
	struct tagger t;
	struct io io;
	char what[64];

	snprintf(what, sizeof(what), "%s frames", io_name[fa->mode]);
	if (io_prepare(&io, fa->mode, CAM) || tagger_open(&t, CAM) || io_go(&io) ||
	    tagged_frames(&io, &t, fa->flags, fa->frames, what))
		return 1;
	m.v[0] = fa->frames;
	cg_ctl_send(ctl, &m, -1);
	io_stop(&io);
	tagger_close(&t);
	return 0;
}

/*
 * A: MMAP frames unflagged; EXPBUF of buffer 0, STREAMOFF/STREAMON:
 * flagged; REQBUFS 0 and a new REQBUFS (the dmabuf still open):
 * unflagged again. 'R' v0..v2 the frames checked in each phase.
 */
static int expbuf_child(void *arg, int ctl)
{
	struct cg_ctl m = { .op = 'R' };
	struct tagger t;
	struct io io;
	int dfd, ret;

	(void)arg;
	if (io_prepare(&io, IO_MMAP, CAM) || tagger_open(&t, CAM) || io_go(&io) ||
	    tagged_frames(&io, &t, 0, 3, "MMAP, never exported"))
		return 1;
	m.v[0] = 3;
	CK(!cg_cam_streamoff(&io.cam), "STREAMOFF");
	tagger_flush(&t);
	dfd = cg_cam_expbuf(&io.cam, 0);
	CK(dfd >= 0, "EXPBUF of the owner's buffer 0: %s", strerror(-dfd));
	if (io_go(&io) ||
	    tagged_frames(&io, &t, CAMGUARD_TAG_F_SHARED_MEMORY, 3, "MMAP after EXPBUF of buffer 0"))
		return 1;
	m.v[1] = 3;
	CK(!cg_cam_streamoff(&io.cam), "STREAMOFF");
	tagger_flush(&t);
	cg_cam_munmap(&io.cam);
	ret = cg_cam_reqbufs(&io.cam, 0, V4L2_MEMORY_MMAP);
	CK(ret == 0, "REQBUFS 0: %d", ret);
	ret = cg_cam_reqbufs(&io.cam, 8, V4L2_MEMORY_MMAP);
	CK(ret >= 8, "REQBUFS 8 again: %d", ret);
	ret = cg_cam_mmap(&io.cam);
	CK(!ret, "mmap: %s", strerror(-ret));
	if (io_go(&io) ||
	    tagged_frames(&io, &t, 0, 3, "MMAP of a new ownership (REQBUFS 0, REQBUFS 8)"))
		return 1;
	m.v[2] = 3;
	cg_ctl_send(ctl, &m, -1);
	close(dfd);
	io_stop(&io);
	tagger_close(&t);
	return 0;
}

FIXTURE(memory) {
	struct cg_proc owner;
};

FIXTURE_SETUP(memory)
{
	self->owner.pid = 0;
	CG_NEED(1);
}

FIXTURE_TEARDOWN(memory)
{
	stop_child(&self->owner);
}

TEST_F_TIMEOUT(memory, userptr_of_shared_mapping_eacces, 60)
{
	struct cg_ctl m;

	ASSERT_EQ(0, cg_spawn(&self->owner, &cg_a, userptr_shared_child, NULL));
	ASSERT_EQ(0, cg_expect(self->owner.ctl, 'R', &m, cg_tmo(30000)));
	EXPECT_EQ(-EACCES, m.v[0]) TH_LOG("QBUF of USERPTR memory of a MAP_SHARED memfd mapping: %s",
					  m.v[0] ? strerror((int)-m.v[0]) : "accepted");
	EXPECT_EQ(-EACCES, m.v[1]) TH_LOG("QBUF of USERPTR memory of a MAP_SHARED | MAP_ANONYMOUS mapping: %s",
					  m.v[1] ? strerror((int)-m.v[1]) : "accepted");
	EXPECT_EQ(-EACCES, m.v[3]) TH_LOG("PREPARE_BUF of USERPTR memory of a MAP_SHARED memfd mapping: %s",
					  m.v[3] ? strerror((int)-m.v[3]) : "accepted");
	EXPECT_EQ(0, m.v[2]) TH_LOG("QBUF of private USERPTR memory: %s", strerror((int)-m.v[2]));
	EXPECT_CHILD_OK(&self->owner, 20000);
}

TEST_F_TIMEOUT(memory, userptr_frames_flagged_shared, 60)
{
	struct flagged_arg fa = { .mode = IO_USERPTR, .flags = CAMGUARD_TAG_F_SHARED_MEMORY,
				  .frames = 4 };
	struct cg_ctl m;

	ASSERT_EQ(0, cg_spawn(&self->owner, &cg_a, flagged_child, &fa));
	ASSERT_EQ(0, cg_expect(self->owner.ctl, 'R', &m, cg_tmo(30000)));
	EXPECT_EQ(fa.frames, m.v[0]);
	EXPECT_CHILD_OK(&self->owner, 20000);
}

TEST_F_TIMEOUT(memory, dmabuf_frames_flagged_shared, 60)
{
	struct flagged_arg fa = { .mode = IO_DMABUF, .flags = CAMGUARD_TAG_F_SHARED_MEMORY,
				  .frames = 4 };
	struct cg_ctl m;

	CG_NEED(2);	/* A imports the buffers of camera 1 */
	ASSERT_EQ(0, cg_spawn(&self->owner, &cg_a, flagged_child, &fa));
	ASSERT_EQ(0, cg_expect(self->owner.ctl, 'R', &m, cg_tmo(30000)));
	EXPECT_EQ(fa.frames, m.v[0]);
	EXPECT_CHILD_OK(&self->owner, 20000);
}

TEST_F_TIMEOUT(memory, mmap_frames_flagged_after_expbuf_until_new_owner, 60)
{
	struct cg_ctl m;

	ASSERT_EQ(0, cg_spawn(&self->owner, &cg_a, expbuf_child, NULL));
	ASSERT_EQ(0, cg_expect(self->owner.ctl, 'R', &m, cg_tmo(45000)));
	EXPECT_EQ(3, m.v[0]);
	EXPECT_EQ(3, m.v[1]);
	EXPECT_EQ(3, m.v[2]);
	EXPECT_CHILD_OK(&self->owner, 20000);
}

/* ---- settings ------------------------------------------------------------------------ */

/*
 * A: opens camera 0 (and owns its queue with @own: REQBUFS, mmap) and does
 * what the test asks on that descriptor, answering with the same op
 * (err = result): 'B' set brightness v0, 'g' read it (v0), 'F' S_FMT
 * v0 x v1, 'S' queue everything and STREAMON, 'Q' quit.
 */
static int settings_owner_child(void *arg, int ctl)
{
	bool own = (bool)(uintptr_t)arg;
	struct cg_cam cam;
	struct cg_ctl m;
	int32_t v;
	int ret;

	ret = cg_cam_open(&cam, CAM);
	CK(!ret, "open: %s", strerror(-ret));
	if (own) {
		CK(!cg_cam_set_fmt(&cam, W, H, 0, 0), "S_FMT");
		ret = cg_cam_reqbufs(&cam, 8, V4L2_MEMORY_MMAP);
		CK(ret >= 8, "REQBUFS: %d", ret);
		CK(!cg_cam_mmap(&cam), "mmap");
	}
	cg_say(ctl, 'O', 0);
	for (;;) {
		ret = cg_ctl_recv(ctl, &m, NULL, cg_tmo(120000));
		CK(!ret, "waiting for the test: %s", strerror(-ret));
		switch (m.op) {
		case 'B':
			m.err = cg_cam_set_ctrl(&cam, V4L2_CID_BRIGHTNESS, (int32_t)m.v[0]);
			break;
		case 'g':
			v = -1;
			m.err = cg_cam_get_ctrl(&cam, V4L2_CID_BRIGHTNESS, &v);
			m.v[0] = v;
			break;
		case 'F':
			m.err = cg_cam_set_fmt(&cam, (uint32_t)m.v[0], (uint32_t)m.v[1], 0, 0);
			break;
		case 'S':
			m.err = cg_cam_queue_all(&cam);
			if (!m.err)
				m.err = cg_cam_streamon(&cam);
			break;
		case 'Q':
			cg_cam_stop(&cam);
			cg_cam_close(&cam);
			return 0;
		default:
			CK(false, "unknown op '%c'", m.op);
		}
		CK(!cg_ctl_send(ctl, &m, -1), "ctl");
	}
}

/* Ask the settings owner for @op: 0 and its answer in @m, or -errno. */
static int ask(struct cg_proc *p, int op, int64_t v0, int64_t v1, struct cg_ctl *m)
{
	struct cg_ctl q = { .op = op, .v = { v0, v1 } };
	int ret = cg_ctl_send(p->ctl, &q, -1);

	return ret ? ret : cg_expect(p->ctl, op, m, cg_tmo(20000));
}

#define B_BRIGHTNESS 40
#define ROOT_BRIGHTNESS 50

/* S_CTRL brightness @bright, S_FMT 320x240, S_PARM 15 fps: results in r[0..2]. */
static void try_settings(int cam, int32_t bright, int64_t r[3])
{
	struct cg_cam c;
	int ret = cg_cam_open(&c, cam);

	if (ret) {
		r[0] = r[1] = r[2] = ret;
		return;
	}
	r[0] = cg_cam_set_ctrl(&c, V4L2_CID_BRIGHTNESS, bright);
	r[1] = cg_cam_set_fmt(&c, 320, 240, 0, 0);
	r[2] = cg_cam_set_fps(&c, 15);
	cg_cam_close(&c);
}

/* B: try_settings(), 'R' with the results. */
static int settings_try_child(void *arg, int ctl)
{
	struct cg_ctl m = { .op = 'R' };

	(void)arg;
	try_settings(CAM, B_BRIGHTNESS, m.v);
	cg_ctl_send(ctl, &m, -1);
	return 0;
}

static void expect_settings(struct __test_metadata *_metadata, const char *who,
			    const char *when, const int64_t r[3], int want)
{
	static const char *const what[3] = { "S_CTRL brightness", "S_FMT", "S_PARM" };
	int i;

	for (i = 0; i < 3; i++) {
		int64_t got = r[i];
		const char *op = what[i];

		EXPECT_EQ(want, got) TH_LOG("%s's %s %s: %s, want %s", who, op, when,
					    got ? strerror((int)-got) : "accepted",
					    strerror(-want));
	}
}

/* B's settings through a child: its results in r[]. */
static void stranger_settings(struct __test_metadata *_metadata, struct cg_proc *p,
			      int64_t r[3])
{
	struct cg_ctl m;

	ASSERT_EQ(0, cg_spawn(p, &cg_b, settings_try_child, NULL));
	ASSERT_EQ(0, cg_expect(p->ctl, 'R', &m, cg_tmo(20000)));
	EXPECT_CHILD_OK(p, 20000);
	memcpy(r, m.v, 3 * sizeof(r[0]));
}

static const struct {
	uint32_t id;
	const char *name;
	int32_t armed;	/* not the default: the control core calls the driver */
} inject_ctrls[] = {
	{ CG_CID_DROP_PERCENT, "Drop Frames (%)", 1 },
	{ CG_CID_FAIL_START, "Fail Start Streaming", 1 },
	{ CG_CID_FAIL_PREPARE, "Fail Buffer Prepare", 1 },
	{ CG_CID_DISCONNECT_AFTER, "Disconnect After Frames", 1000000 },
};

#define N_INJECT ((int)(sizeof(inject_ctrls) / sizeof(inject_ctrls[0])))

/*
 * Write a value other than the current default to every error-injection
 * control (an unchanged value never reaches the driver): 'R' v0..v3.
 */
static int inject_try_child(void *arg, int ctl)
{
	struct cg_ctl m = { .op = 'R' };
	struct cg_cam c;
	int i, ret;

	(void)arg;
	ret = cg_cam_open(&c, CAM);
	CK(!ret, "open: %s", strerror(-ret));
	for (i = 0; i < N_INJECT; i++)
		m.v[i] = cg_cam_set_ctrl(&c, inject_ctrls[i].id, inject_ctrls[i].armed);
	cg_cam_close(&c);
	cg_ctl_send(ctl, &m, -1);
	return 0;
}

FIXTURE(settings) {
	struct cg_nl nl;	/* root */
	struct cg_proc owner, other;
};

FIXTURE_SETUP(settings)
{
	self->nl.fd = -1;
	self->owner.pid = 0;
	self->other.pid = 0;
	CG_NEED(1);
	ASSERT_EQ(0, cg_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(settings)
{
	struct cg_cam c;
	int i;

	stop_child(&self->other);
	stop_child(&self->owner);
	if (self->nl.fd >= 0) {
		cg_cam_unbind(&self->nl, CAM);
		cg_nl_close(&self->nl);
	}
	/* the defaults again, whatever a refusal that did not happen changed */
	cg_root_set_ctrl(CAM, V4L2_CID_BRIGHTNESS, 128);
	for (i = 0; i < N_INJECT; i++)
		cg_root_set_ctrl(CAM, inject_ctrls[i].id, 0);
	if (!cg_cam_open(&c, CAM)) {
		cg_cam_set_fps(&c, 30);
		cg_cam_close(&c);
	}
}

TEST_F_TIMEOUT(settings, only_the_stream_owner_changes_settings, 90)
{
	int64_t r[3];
	struct cg_ctl m;
	int step;

	/* A owns camera 0 (REQBUFS): idle, then streaming */
	ASSERT_EQ(0, cg_spawn(&self->owner, &cg_a, settings_owner_child, (void *)(uintptr_t)true));
	ASSERT_EQ(0, cg_expect(self->owner.ctl, 'O', NULL, cg_tmo(20000)));
	for (step = 0; step < 2; step++) {
		const char *when = step ? "while A streams" : "while A owns the queue, not streaming";
		int32_t own = step ? 70 : 60;

		if (step) {
			ASSERT_EQ(0, ask(&self->owner, 'S', 0, 0, &m));
			ASSERT_EQ(0, m.err) TH_LOG("A's STREAMON: %s", strerror(-m.err));
		}
		ASSERT_EQ(0, ask(&self->owner, 'B', own, 0, &m));
		EXPECT_EQ(0, m.err) TH_LOG("A's S_CTRL brightness %d %s: %s", own, when,
					   strerror(-m.err));
		stranger_settings(_metadata, &self->other, r);
		expect_settings(_metadata, "B (uid 2000)", when, r, -EBUSY);
		/* root is not the stream's owner either */
		try_settings(CAM, ROOT_BRIGHTNESS, r);
		expect_settings(_metadata, "root", when, r, -EBUSY);
		ASSERT_EQ(0, ask(&self->owner, 'g', 0, 0, &m));
		EXPECT_EQ(0, m.err);
		EXPECT_EQ(own, m.v[0]) TH_LOG("brightness %lld %s after A set %d",
					      (long long)m.v[0], when, own);
	}
	ASSERT_EQ(0, cg_say(self->owner.ctl, 'Q', 0));
	EXPECT_CHILD_OK(&self->owner, 20000);
}

TEST_F_TIMEOUT(settings, bound_camera_settings_only_for_its_owner, 90)
{
	int64_t r[3];
	struct cg_ctl m;

	ASSERT_NL(0, &self->nl, cg_cam_bind(&self->nl, CAM, CG_UID_A, CG_GID_A));
	stranger_settings(_metadata, &self->other, r);
	expect_settings(_metadata, "B (uid 2000)", "on the idle camera bound to A", r, -EACCES);
	ASSERT_EQ(0, cg_spawn(&self->owner, &cg_a, settings_owner_child, (void *)(uintptr_t)false));
	ASSERT_EQ(0, cg_expect(self->owner.ctl, 'O', NULL, cg_tmo(20000)));
	ASSERT_EQ(0, ask(&self->owner, 'B', 60, 0, &m));
	EXPECT_EQ(0, m.err) TH_LOG("A's S_CTRL brightness on its bound camera: %s",
				   strerror(-m.err));
	ASSERT_EQ(0, ask(&self->owner, 'F', 320, 240, &m));
	EXPECT_EQ(0, m.err) TH_LOG("A's S_FMT on its bound camera: %s", strerror(-m.err));
	ASSERT_EQ(0, ask(&self->owner, 'g', 0, 0, &m));
	EXPECT_EQ(60, m.v[0]) TH_LOG("brightness %lld after B's refused write and A's 60",
				     (long long)m.v[0]);
	ASSERT_EQ(0, cg_say(self->owner.ctl, 'Q', 0));
	EXPECT_CHILD_OK(&self->owner, 20000);
}

TEST_F_TIMEOUT(settings, error_injection_only_for_root, 60)
{
	const struct cg_who *users[] = { &cg_a, &cg_ns_a };
	const char *names[] = { "uid 1000", "root of a user namespace (uid 1000)" };
	struct cg_cam c;
	struct cg_ctl m;
	int32_t v;
	int u, i, ret;

	/* camera 0 idle and unbound */
	for (u = 0; u < 2; u++) {
		const char *who = names[u];

		ASSERT_EQ(0, cg_spawn(&self->other, users[u], inject_try_child, NULL));
		ASSERT_EQ(0, cg_expect(self->other.ctl, 'R', &m, cg_tmo(20000)));
		EXPECT_CHILD_OK(&self->other, 20000);
		for (i = 0; i < N_INJECT; i++) {
			const char *name = inject_ctrls[i].name;
			int64_t got = m.v[i];

			EXPECT_EQ(-EPERM, got) TH_LOG("%s writing %d to \"%s\": %s, want EPERM",
						      who, inject_ctrls[i].armed, name,
						      got ? strerror((int)-got) : "accepted");
		}
	}
	/* root may: arm each, read it back, disarm */
	ASSERT_EQ(0, cg_cam_open(&c, CAM));
	for (i = 0; i < N_INJECT; i++) {
		ret = cg_cam_set_ctrl(&c, inject_ctrls[i].id, inject_ctrls[i].armed);
		EXPECT_EQ(0, ret) TH_LOG("root writing %d to \"%s\": %s", inject_ctrls[i].armed,
					 inject_ctrls[i].name, strerror(-ret));
		v = -1;
		EXPECT_EQ(0, cg_cam_get_ctrl(&c, inject_ctrls[i].id, &v));
		EXPECT_EQ(inject_ctrls[i].armed, v);
		EXPECT_EQ(0, cg_cam_set_ctrl(&c, inject_ctrls[i].id, 0));
	}
	cg_cam_close(&c);
}

/* ---- mute: no picture byte in any mapped buffer ---------------------------------- */

#define MUTE_W 640
#define MUTE_H 480
#define SCAN_BYTES 8192
#define SCAN_FRAMES 60

/* Non-black YUYV pairs (black: Y 16, C 128) in p[0..n); the first at *at. */
static size_t not_black(const volatile uint8_t *p, size_t n, size_t *at)
{
	size_t i, bad = 0;

	for (i = 0; i + 1 < n; i += 2) {
		uint8_t y = p[i], c = p[i + 1];

		if (y != 16 || c != 128) {
			if (!bad && at)
				*at = i;
			bad++;
		}
	}
	return bad;
}

struct scan {
	struct cg_cam *cam;
	atomic_bool stop;
	/* written by the scanner only, read after the join */
	long passes;
	long bad;			/* non-black pairs seen */
	char first[120];
};

/* Reads the first SCAN_BYTES of every mapped buffer, queued ones included. */
static void *scanner(void *arg)
{
	struct scan *s = arg;

	while (!atomic_load(&s->stop)) {
		unsigned int i;

		for (i = 0; i < s->cam->nbuf; i++) {
			size_t n = s->cam->len[i] < SCAN_BYTES ? s->cam->len[i] : SCAN_BYTES;
			const volatile uint8_t *p = s->cam->map[i];
			size_t at = 0, bad = not_black(p, n, &at);

			if (bad && !s->bad)
				snprintf(s->first, sizeof(s->first),
					 "buffer %u byte %zu: Y %u C %u (%zu non-black pairs in that pass)",
					 i, at, p[at], p[at + 1], bad);
			s->bad += (long)bad;
		}
		s->passes++;
	}
	return NULL;
}

/*
 * A: streams 640x480 YUYV colour bars, 'S'; after 'M' (muted) refills every
 * buffer, then scans all mapped buffers for SCAN_FRAMES frames while it
 * dequeues (each dequeued frame must be all black). 'R': v0 non-black
 * pairs the scanner saw, v1 its passes, v2 non-black dequeued frames,
 * v3 frames dequeued, v4 buffers scanned; s the first non-black seen.
 */
static int mute_owner_child(void *arg, int ctl)
{
	struct cg_ctl m = { .op = 'S' };
	struct scan s = { 0 };
	struct v4l2_buffer b;
	struct cg_cam cam;
	pthread_t th;
	unsigned int i;
	size_t at = 0;
	int ret;

	(void)arg;
	CK(!cg_cam_open(&cam, CAM), "open");
	ret = cg_cam_set_fmt(&cam, MUTE_W, MUTE_H, V4L2_PIX_FMT_YUYV, 0);
	CK(!ret && cam.pix.width == MUTE_W && cam.pix.height == MUTE_H,
	   "S_FMT %ux%u YUYV: %s (%ux%u)", MUTE_W, MUTE_H, strerror(-ret), cam.pix.width,
	   cam.pix.height);
	ret = cg_cam_reqbufs(&cam, 8, V4L2_MEMORY_MMAP);
	CK(ret >= 8, "REQBUFS: %d", ret);
	CK(!cg_cam_mmap(&cam), "mmap");
	/* the owner's own settings: a picture that is not black */
	ret = cg_cam_set_ctrl(&cam, V4L2_CID_TEST_PATTERN, 0);
	CK(!ret, "the owner setting Test Pattern Color Bars: %s", strerror(-ret));
	ret = cg_cam_set_ctrl(&cam, V4L2_CID_BRIGHTNESS, 128);
	CK(!ret, "the owner setting brightness 128: %s", strerror(-ret));
	CK(!cg_cam_queue_all(&cam), "QBUF");
	CK(!cg_cam_streamon(&cam), "STREAMON");
	for (i = 0; i < 4; i++) {
		CK(!cg_cam_dqbuf(&cam, &b, cg_tmo(5000)), "DQBUF before the mute");
		ret = (int)not_black(cam.map[b.index], SCAN_BYTES, NULL);
		CK(!cg_cam_qbuf(&cam, b.index), "QBUF");
	}
	CK(ret > 0, "the picture is black before the mute: the scan could not see it");
	CK(!cg_ctl_send(ctl, &m, -1), "ctl");
	CK(!cg_expect(ctl, 'M', NULL, cg_tmo(30000)), "no word of the mute from the test");
	/* every buffer refilled since the mute */
	for (i = 0; i < 2 * cam.nbuf; i++) {
		CK(!cg_cam_dqbuf(&cam, &b, cg_tmo(5000)), "DQBUF after the mute");
		CK(!cg_cam_qbuf(&cam, b.index), "QBUF");
	}
	s.cam = &cam;
	CK(!pthread_create(&th, NULL, scanner, &s), "pthread_create");
	m.op = 'R';
	for (i = 0; i < SCAN_FRAMES; i++) {
		ret = cg_cam_dqbuf(&cam, &b, cg_tmo(5000));
		if (ret)
			break;
		if (not_black(cam.map[b.index], b.bytesused, &at) || b.bytesused != cam.pix.sizeimage) {
			if (!m.v[2])
				snprintf(m.s, sizeof(m.s),
					 "dequeued seq %u (%u bytes): byte %zu is Y %u C %u", b.sequence,
					 b.bytesused, at, ((uint8_t *)cam.map[b.index])[at],
					 ((uint8_t *)cam.map[b.index])[at + 1]);
			m.v[2]++;
		}
		m.v[3]++;
		ret = cg_cam_qbuf(&cam, b.index);
		if (ret)
			break;
	}
	atomic_store(&s.stop, true);
	pthread_join(th, NULL);
	CK(!ret, "DQBUF/QBUF while muted, frame %lld: %s", (long long)m.v[3], strerror(-ret));
	m.v[0] = s.bad;
	m.v[1] = s.passes;
	m.v[4] = cam.nbuf;
	if (s.bad)
		snprintf(m.s, sizeof(m.s), "scanner: %s", s.first);
	cg_ctl_send(ctl, &m, -1);
	cg_cam_stop(&cam);
	cg_cam_close(&cam);
	return 0;
}

FIXTURE(mute) {
	struct cg_nl nl;	/* root */
	struct cg_proc owner;
};

FIXTURE_SETUP(mute)
{
	self->nl.fd = -1;
	self->owner.pid = 0;
	CG_NEED(1);
	ASSERT_EQ(0, cg_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(mute)
{
	stop_child(&self->owner);
	if (self->nl.fd >= 0) {
		cg_cam_mute(&self->nl, CAM, 0);
		cg_nl_close(&self->nl);
	}
}

TEST_F_TIMEOUT(mute, no_picture_byte_in_any_mapped_buffer, 120)
{
	struct cg_ctl m;

	ASSERT_EQ(0, cg_spawn(&self->owner, &cg_a, mute_owner_child, NULL));
	ASSERT_EQ(0, cg_expect(self->owner.ctl, 'S', &m, cg_tmo(30000)));
	ASSERT_NL(0, &self->nl, cg_cam_mute(&self->nl, CAM, 1));
	cg_say(self->owner.ctl, 'M', 0);
	ASSERT_EQ(0, cg_expect(self->owner.ctl, 'R', &m, cg_tmo(60000)));
	TH_LOG("%lld frames while muted, %lld scans of %lld buffers' first %d bytes",
	       (long long)m.v[3], (long long)m.v[1], (long long)m.v[4], SCAN_BYTES);
	EXPECT_EQ(SCAN_FRAMES, m.v[3]);
	EXPECT_LT(0, m.v[1]) TH_LOG("the scanner never ran");
	EXPECT_EQ(0, m.v[0]) TH_LOG("%lld non-black YUYV pairs in mapped buffers while muted; %s",
				    (long long)m.v[0], m.s);
	EXPECT_EQ(0, m.v[2]) TH_LOG("%lld dequeued frames not all black; %s", (long long)m.v[2],
				    m.s);
	EXPECT_CHILD_OK(&self->owner, 20000);
}

/* ---- mappings made before a change of owner ------------------------------------- */

#define REMAP_W 320
#define REMAP_H 240

static const uint8_t marker[16] = {
	'C', 'G', '-', 'O', 'L', 'D', '-', 'M', 'A', 'P', 0x96, 0x69, 0x0f, 0xf0, 0x5a, 0xa5,
};

/*
 * A: streams, fills every byte of every mapping with the marker, REQBUFS 0
 * without munmap ('R': v0 buffers, v1 length), then on each 'C' counts the
 * bytes of its old mappings that are not the marker any more ('K': v0
 * count, v1 buffer, v2 offset, v3 byte of the first), until 'Q'.
 */
static int old_mapping_child(void *arg, int ctl)
{
	struct cg_ctl m = { .op = 'R' };
	struct v4l2_buffer b;
	struct cg_cam cam;
	unsigned int i, nbuf;
	size_t j;
	int ret;

	(void)arg;
	CK(!cg_cam_open(&cam, CAM), "open");
	CK(!cg_cam_set_fmt(&cam, REMAP_W, REMAP_H, 0, 0), "S_FMT");
	CK(!cg_cam_start(&cam, 8), "REQBUFS/mmap/STREAMON");
	for (i = 0; i < 4; i++) {
		CK(!cg_cam_dqbuf(&cam, &b, cg_tmo(5000)), "DQBUF");
		CK(!cg_cam_qbuf(&cam, b.index), "QBUF");
	}
	CK(!cg_cam_streamoff(&cam), "STREAMOFF");
	nbuf = cam.nbuf;
	for (i = 0; i < nbuf; i++)
		cg_fill_marker(cam.map[i], cam.len[i], marker);
	/* vb2 orphans the buffers: the mappings keep them */
	ret = cg_cam_reqbufs(&cam, 0, V4L2_MEMORY_MMAP);
	CK(ret == 0, "REQBUFS 0 with the buffers still mapped: %d", ret);
	m.v[0] = nbuf;
	m.v[1] = (int64_t)cam.len[0];
	CK(!cg_ctl_send(ctl, &m, -1), "ctl");
	for (;;) {
		ret = cg_expect(ctl, 'C', &m, cg_tmo(120000));
		if (ret == -EPROTO && m.op == 'Q')
			break;
		CK(!ret, "waiting for the test: %s", strerror(-ret));
		memset(&m, 0, sizeof(m));
		m.op = 'K';
		for (i = 0; i < nbuf; i++) {
			const uint8_t *p = cam.map[i];

			for (j = 0; j < cam.len[i]; j++) {
				if (p[j] == marker[j % sizeof(marker)])
					continue;
				if (!m.v[0]) {
					m.v[1] = i;
					m.v[2] = (int64_t)j;
					m.v[3] = p[j];
				}
				m.v[0]++;
			}
		}
		CK(!cg_ctl_send(ctl, &m, -1), "ctl");
	}
	cg_cam_munmap(&cam);
	cg_cam_close(&cam);
	return 0;
}

/*
 * B: the new owner. Its fresh buffers and every frame it dequeues (2 *
 * buffers) hold no marker; 'H' halfway (waits for 'G'), 'D' at the end
 * (still streaming; waits for 'Q').
 */
static int new_owner_child(void *arg, int ctl)
{
	struct v4l2_buffer b;
	struct cg_cam cam;
	unsigned int i;
	long hits;
	int ret;

	(void)arg;
	CK(!cg_cam_open(&cam, CAM), "open");
	CK(!cg_cam_set_fmt(&cam, REMAP_W, REMAP_H, 0, 0), "S_FMT");
	ret = cg_cam_reqbufs(&cam, 8, V4L2_MEMORY_MMAP);
	CK(ret >= 8, "REQBUFS: %d", ret);
	CK(!cg_cam_mmap(&cam), "mmap");
	for (i = 0; i < cam.nbuf; i++) {
		hits = cg_count_marker(cam.map[i], cam.len[i], marker);
		CK(hits == 0, "A's marker %ld times in B's fresh buffer %u", hits, i);
	}
	CK(!cg_cam_queue_all(&cam), "QBUF");
	CK(!cg_cam_streamon(&cam), "STREAMON");
	for (i = 0; i < 2 * cam.nbuf; i++) {
		if (i == cam.nbuf) {
			cg_say(ctl, 'H', 0);
			CK(!cg_expect(ctl, 'G', NULL, cg_tmo(60000)), "no go from the test");
		}
		CK(!cg_cam_dqbuf(&cam, &b, cg_tmo(5000)), "DQBUF");
		hits = cg_count_marker(cam.map[b.index], cam.len[b.index], marker);
		CK(hits == 0, "A's marker %ld times in B's buffer %u (seq %u)", hits, b.index,
		   b.sequence);
		CK(!cg_cam_qbuf(&cam, b.index), "QBUF");
	}
	cg_say(ctl, 'D', 0);
	CK(!cg_expect(ctl, 'Q', NULL, cg_tmo(60000)), "no quit from the test");
	cg_cam_stop(&cam);
	cg_cam_close(&cam);
	return 0;
}

FIXTURE(remap) {
	struct cg_proc a, b;
};

FIXTURE_SETUP(remap)
{
	self->a.pid = 0;
	self->b.pid = 0;
	CG_NEED(1);
}

FIXTURE_TEARDOWN(remap)
{
	stop_child(&self->b);
	stop_child(&self->a);
}

/* A's old mappings still hold exactly the marker. */
static void expect_old_mapping(struct __test_metadata *_metadata, struct cg_proc *a,
			       const char *when)
{
	struct cg_ctl m;

	ASSERT_EQ(0, cg_say(a->ctl, 'C', 0));
	ASSERT_EQ(0, cg_expect(a->ctl, 'K', &m, cg_tmo(20000)));
	EXPECT_EQ(0, m.v[0]) TH_LOG("%s: %lld bytes of A's old mappings changed; the first: buffer %lld offset %lld is %#llx, the marker has %#x",
				    when, (long long)m.v[0], (long long)m.v[1], (long long)m.v[2],
				    (unsigned long long)m.v[3],
				    marker[(size_t)m.v[2] % sizeof(marker)]);
}

TEST_F_TIMEOUT(remap, old_mapping_keeps_old_memory, 120)
{
	struct cg_ctl m;

	ASSERT_EQ(0, cg_spawn(&self->a, &cg_a, old_mapping_child, NULL));
	ASSERT_EQ(0, cg_expect(self->a.ctl, 'R', &m, cg_tmo(30000)));
	TH_LOG("A keeps %lld mappings of %lld bytes after REQBUFS 0", (long long)m.v[0],
	       (long long)m.v[1]);
	ASSERT_EQ(0, cg_spawn(&self->b, &cg_b, new_owner_child, NULL));
	ASSERT_EQ(0, cg_expect(self->b.ctl, 'H', NULL, cg_tmo(30000)));
	expect_old_mapping(_metadata, &self->a, "B streaming");
	cg_say(self->b.ctl, 'G', 0);
	ASSERT_EQ(0, cg_expect(self->b.ctl, 'D', NULL, cg_tmo(30000)));
	expect_old_mapping(_metadata, &self->a, "after B's frames");
	cg_say(self->b.ctl, 'Q', 0);
	EXPECT_CHILD_OK(&self->b, 20000);
	expect_old_mapping(_metadata, &self->a, "after B released its buffers");
	cg_say(self->a.ctl, 'Q', 0);
	EXPECT_CHILD_OK(&self->a, 20000);
}

TEST_HARNESS_MAIN
