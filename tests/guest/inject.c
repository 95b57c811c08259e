// SPDX-License-Identifier: GPL-2.0
/*
 * inject: the error-injection controls seen from one open file, where
 * v4l2-ctl (one process per try) cannot look: what became of the buffers.
 *
 *   inject failstart   DEVICE OUT
 *       MMAP buffers queued, "Fail Start Streaming" on: STREAMON fails with
 *       EIO and every buffer is still queued (none lost, none done); control
 *       off: STREAMON on the same file works and all the buffers come back
 *       filled without being queued again.
 *   inject failprepare DEVICE OUT
 *       "Fail Buffer Prepare" on: QBUF fails with EIO and leaves the buffer
 *       dequeued; off: the same buffer queues and streams. While streaming:
 *       on again, requeueing a dequeued buffer fails with EIO while the
 *       stream goes on with the other buffers; off: it queues again.
 *   inject hold        DEVICE OUT TRIGGER
 *       stream, keep one filled buffer dequeued and mapped, print "ready"
 *       and wait until the file TRIGGER exists (the test unbinds the device
 *       meanwhile); then the mapped buffers must still be readable, poll()
 *       must report POLLERR|POLLHUP and ioctls fail with ENODEV, and
 *       munmap() and close() must work.
 *   inject slow        DEVICE OUT FRAMES DELAY_MS
 *       a slow reader: only two buffers in flight, DELAY_MS asleep after
 *       every DQBUF before the buffer is queued again, FRAMES frames.
 *
 * Frames captured go to OUT (whole buffers, bytesused each), for the stamp
 * decoder. Prints "ok - ..." or "not ok - ..." per check and one "dqbuf
 * index I seq Q bytesused B" per frame; exit status 0 if all checks held.
 *
 * Built by tests/guest/lifecycle.sh: cc -O2 -o inject tests/guest/inject.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/videodev2.h>

#define NBUF 4

static int vfd, out_fd, failed;
static unsigned int nbuf;
static void *mem[NBUF];
static size_t len[NBUF];

static void check(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		failed = 1;
}

static void fatal(const char *what)
{
	printf("not ok - %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ioctl, returning 0 or errno */
static int vioctl(unsigned long req, void *arg)
{
	int ret;

	do
		ret = ioctl(vfd, req, arg);
	while (ret < 0 && errno == EINTR);
	return ret < 0 ? errno : 0;
}

static __u32 ctrl_id(const char *name)
{
	struct v4l2_query_ext_ctrl qc = { 0 };

	qc.id = V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
	while (!vioctl(VIDIOC_QUERY_EXT_CTRL, &qc)) {
		if (!strcmp(qc.name, name))
			return qc.id;
		qc.id |= V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
	}
	printf("not ok - no control named \"%s\"\n", name);
	exit(1);
}

static void set_ctrl(const char *name, int value)
{
	struct v4l2_control c = { .id = ctrl_id(name), .value = value };

	if (vioctl(VIDIOC_S_CTRL, &c)) {
		printf("not ok - VIDIOC_S_CTRL \"%s\" = %d: %s\n", name, value,
		       strerror(errno));
		exit(1);
	}
}

static struct v4l2_buffer buf(unsigned int index)
{
	struct v4l2_buffer b = { .index = index,
				 .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
				 .memory = V4L2_MEMORY_MMAP };
	return b;
}

static int qbuf(unsigned int index)
{
	struct v4l2_buffer b = buf(index);

	return vioctl(VIDIOC_QBUF, &b);
}

static __u32 flags_of(unsigned int index)
{
	struct v4l2_buffer b = buf(index);

	if (vioctl(VIDIOC_QUERYBUF, &b))
		fatal("VIDIOC_QUERYBUF");
	return b.flags;
}

static int streamon(void)
{
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	return vioctl(VIDIOC_STREAMON, &type);
}

static void streamoff(void)
{
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	if (vioctl(VIDIOC_STREAMOFF, &type))
		fatal("VIDIOC_STREAMOFF");
}

/* Dequeue one filled buffer (20 s at most), save it; returns its index. */
static int dqbuf(void)
{
	struct v4l2_buffer b = buf(0);
	struct pollfd p = { .fd = vfd, .events = POLLIN };
	int ret;

	if (poll(&p, 1, 20000) != 1) {
		printf("not ok - no buffer within 20 s\n");
		exit(1);
	}
	ret = vioctl(VIDIOC_DQBUF, &b);
	if (ret) {
		errno = ret;
		fatal("VIDIOC_DQBUF");
	}
	if (b.index >= nbuf) {
		printf("not ok - DQBUF returned index %u of %u\n", b.index, nbuf);
		exit(1);
	}
	check(!(b.flags & V4L2_BUF_FLAG_ERROR) && b.bytesused,
	      "buffer %u dequeued filled (seq %u, %u bytes)", b.index,
	      b.sequence, b.bytesused);
	printf("dqbuf index %u seq %u bytesused %u\n", b.index, b.sequence,
	       b.bytesused);
	if (b.bytesused <= len[b.index] &&
	    write(out_fd, mem[b.index], b.bytesused) != (ssize_t)b.bytesused)
		fatal("write");
	return (int)b.index;
}

static void setup(const char *dev, const char *out)
{
	struct v4l2_requestbuffers req = { .count = NBUF,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
	unsigned int i;

	vfd = open(dev, O_RDWR);
	if (vfd < 0)
		fatal(dev);
	out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out_fd < 0)
		fatal(out);
	if (vioctl(VIDIOC_REQBUFS, &req))
		fatal("VIDIOC_REQBUFS");
	nbuf = req.count < NBUF ? req.count : NBUF;
	if (nbuf < 3) {
		printf("not ok - REQBUFS gave %u buffers\n", req.count);
		exit(1);
	}
	for (i = 0; i < nbuf; i++) {
		struct v4l2_buffer b = buf(i);

		if (vioctl(VIDIOC_QUERYBUF, &b))
			fatal("VIDIOC_QUERYBUF");
		len[i] = b.length;
		mem[i] = mmap(NULL, b.length, PROT_READ | PROT_WRITE,
			      MAP_SHARED, vfd, b.m.offset);
		if (mem[i] == MAP_FAILED)
			fatal("mmap");
	}
}

static void fail_start(void)
{
	unsigned int i, queued = 0, done = 0;
	int ret;

	for (i = 0; i < nbuf; i++)
		check(!qbuf(i), "QBUF %u", i);
	set_ctrl("Fail Start Streaming", 1);
	ret = streamon();
	check(ret == EIO, "STREAMON with Fail Start Streaming fails with EIO (got %s)",
	      ret ? strerror(ret) : "success");
	for (i = 0; i < nbuf; i++) {
		__u32 f = flags_of(i);

		queued += !!(f & V4L2_BUF_FLAG_QUEUED);
		done += !!(f & (V4L2_BUF_FLAG_DONE | V4L2_BUF_FLAG_ERROR));
	}
	check(queued == nbuf && !done,
	      "after the failed STREAMON all %u buffers are still queued (%u queued, %u done/error)",
	      nbuf, queued, done);

	set_ctrl("Fail Start Streaming", 0);
	ret = streamon();
	check(!ret, "STREAMON on the same file after the control is cleared (%s)",
	      ret ? strerror(ret) : "success");
	if (ret)
		exit(1);
	/* Every buffer queued before the failure comes back, none requeued. */
	for (i = 0; i < nbuf; i++)
		dqbuf();
	check(1, "all %u buffers queued before the failed STREAMON came back filled", nbuf);
	streamoff();
}

static void fail_prepare(void)
{
	unsigned int i;
	int ret, idx;

	set_ctrl("Fail Buffer Prepare", 1);
	ret = qbuf(0);
	check(ret == EIO, "QBUF with Fail Buffer Prepare fails with EIO (got %s)",
	      ret ? strerror(ret) : "success");
	check(!(flags_of(0) & V4L2_BUF_FLAG_QUEUED),
	      "the buffer whose QBUF failed is not queued");

	set_ctrl("Fail Buffer Prepare", 0);
	for (i = 0; i < nbuf; i++)
		check(!qbuf(i), "QBUF %u once the control is cleared", i);
	ret = streamon();
	check(!ret, "STREAMON (%s)", ret ? strerror(ret) : "success");
	if (ret)
		exit(1);

	idx = dqbuf();
	set_ctrl("Fail Buffer Prepare", 1);
	ret = qbuf((unsigned int)idx);
	check(ret == EIO, "while streaming, requeueing buffer %d fails with EIO (got %s)",
	      idx, ret ? strerror(ret) : "success");
	check(!(flags_of((unsigned int)idx) & V4L2_BUF_FLAG_QUEUED),
	      "buffer %d stays dequeued", idx);
	/* the stream goes on with the buffers still queued */
	for (i = 1; i < nbuf; i++)
		dqbuf();
	set_ctrl("Fail Buffer Prepare", 0);
	for (i = 0; i < nbuf; i++)
		check(!qbuf(i), "QBUF %u after the control is cleared again", i);
	for (i = 0; i < nbuf; i++)
		dqbuf();
	check(1, "the stream went on after the failed QBUF");
	streamoff();
}

static void slow(unsigned int frames, unsigned int delay_ms)
{
	unsigned int i;
	int ret, idx;

	for (i = 0; i < 2; i++)
		check(!qbuf(i), "QBUF %u", i);
	ret = streamon();
	check(!ret, "STREAMON (%s)", ret ? strerror(ret) : "success");
	if (ret)
		exit(1);
	for (i = 0; i < frames; i++) {
		idx = dqbuf();
		usleep(delay_ms * 1000);
		check(!qbuf((unsigned int)idx), "QBUF %d", idx);
	}
	streamoff();
}

static void hold(const char *trigger)
{
	struct pollfd p = { .fd = vfd, .events = POLLIN };
	unsigned int i, waited;
	unsigned long sum = 0;
	struct v4l2_buffer b;
	int ret;

	for (i = 0; i < nbuf; i++)
		check(!qbuf(i), "QBUF %u", i);
	ret = streamon();
	check(!ret, "STREAMON (%s)", ret ? strerror(ret) : "success");
	if (ret)
		exit(1);
	dqbuf();
	printf("ready\n");
	for (waited = 0; access(trigger, F_OK); waited += 50) {
		if (waited > 120000) {
			printf("not ok - no trigger file after 120 s\n");
			exit(1);
		}
		usleep(50000);
	}

	for (i = 0; i < nbuf; i++) {
		const unsigned char *m = mem[i];
		size_t k;

		for (k = 0; k < len[i]; k += 64)
			sum += m[k];
	}
	check(1, "all %u mapped buffers still readable after the disconnect (sum %lu)",
	      nbuf, sum);
	ret = poll(&p, 1, 5000);
	check(ret == 1 && (p.revents & (POLLERR | POLLHUP)) == (POLLERR | POLLHUP),
	      "poll() after the disconnect: POLLERR|POLLHUP (got %d, revents 0x%x)",
	      ret, ret > 0 ? p.revents : 0);
	b = buf(0);
	ret = vioctl(VIDIOC_DQBUF, &b);
	check(ret == ENODEV, "DQBUF after the disconnect fails with ENODEV (got %s)",
	      ret ? strerror(ret) : "success");
	b = buf(0);
	ret = vioctl(VIDIOC_QUERYBUF, &b);
	check(ret == ENODEV, "QUERYBUF after the disconnect fails with ENODEV (got %s)",
	      ret ? strerror(ret) : "success");
	for (i = 0; i < nbuf; i++)
		check(!munmap(mem[i], len[i]), "munmap buffer %u", i);
	check(!close(vfd), "close() after the disconnect");
	vfd = -1;
}

int main(int argc, char **argv)
{
	int slow_mode = argc == 6 && !strcmp(argv[1], "slow");
	int hold_mode = argc == 5 && !strcmp(argv[1], "hold");

	if (argc != 4 && !slow_mode && !hold_mode) {
		fprintf(stderr, "usage: inject failstart|failprepare DEVICE OUT\n"
			"       inject hold DEVICE OUT TRIGGER\n"
			"       inject slow DEVICE OUT FRAMES DELAY_MS\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup(argv[2], argv[3]);
	if (hold_mode) {
		hold(argv[4]);
		return failed;
	} else if (slow_mode) {
		slow((unsigned int)atoi(argv[4]), (unsigned int)atoi(argv[5]));
	} else if (!strcmp(argv[1], "failstart")) {
		fail_start();
	} else if (!strcmp(argv[1], "failprepare")) {
		fail_prepare();
	} else {
		fprintf(stderr, "inject: unknown mode '%s'\n", argv[1]);
		return 2;
	}
	close(vfd);
	return failed;
}
