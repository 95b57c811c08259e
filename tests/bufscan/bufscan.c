// SPDX-License-Identifier: GPL-2.0
/*
 * cg-bufscan: remanence, as a new owner of a capture queue sees it, for
 * the guest tests of real drivers (tests/guest/drivers.sh). It takes the
 * queue (REQBUFS, MMAP), maps every buffer and counts the bytes that are
 * not zero, before any frame of its own was captured into them: whatever
 * it finds is what the queue's previous owner left behind.
 *
 *   cg-bufscan NODE [COUNT]
 *
 * prints "buffers N bytes B nonzero Z" (COUNT buffers asked, default 4).
 * Exit status 0 when it could look (Z may be anything: the test decides),
 * 1 when the queue could not be taken or mapped, 2 for bad arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/videodev2.h>

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, req, arg);
	while (ret < 0 && errno == EINTR);
	return ret;
}

int main(int argc, char **argv)
{
	struct v4l2_requestbuffers rb = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
	};
	unsigned long long bytes = 0, nonzero = 0;
	unsigned long count = 4;
	unsigned int i;
	char *end;
	int fd;

	if (argc < 2 || argc > 3)
		goto usage;
	if (argc == 3) {
		count = strtoul(argv[2], &end, 10);
		if (*end || end == argv[2] || !count || count > 32)
			goto usage;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	rb.count = (unsigned int)count;
	if (xioctl(fd, VIDIOC_REQBUFS, &rb) || !rb.count) {
		fprintf(stderr, "cg-bufscan: %s: VIDIOC_REQBUFS: %s\n", argv[1],
			rb.count ? strerror(errno) : "no buffers");
		return 1;
	}
	for (i = 0; i < rb.count; i++) {
		struct v4l2_buffer b = {
			.index = i,
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.memory = V4L2_MEMORY_MMAP,
		};
		const unsigned char *p;
		size_t n;

		if (xioctl(fd, VIDIOC_QUERYBUF, &b)) {
			fprintf(stderr, "cg-bufscan: VIDIOC_QUERYBUF %u: %s\n",
				i, strerror(errno));
			return 1;
		}
		p = mmap(NULL, b.length, PROT_READ, MAP_SHARED, fd,
			 b.m.offset);
		if (p == MAP_FAILED) {
			fprintf(stderr, "cg-bufscan: mmap of buffer %u: %s\n",
				i, strerror(errno));
			return 1;
		}
		for (n = 0; n < b.length; n++)
			nonzero += p[n] != 0;
		bytes += b.length;
		munmap((void *)p, b.length);
	}
	printf("buffers %u bytes %llu nonzero %llu\n", rb.count, bytes,
	       nonzero);
	close(fd);
	return 0;
usage:
	fprintf(stderr, "usage: cg-bufscan NODE [COUNT]\n");
	return 2;
}
