// SPDX-License-Identifier: GPL-2.0
/*
 * dqfault: an LD_PRELOAD library that damages frames between the kernel's
 * tag and camguardd's check, for tests/guest/verify.sh. It wraps libv4l2's
 * v4l2_ioctl() (camguardd's only way to the camera) and, after a
 * successful VIDIOC_DQBUF, does what the file $CG_DQFAULT_CTL says, read
 * at every frame:
 *
 *   off          nothing
 *   bytes N      frames whose sequence is a multiple of N get one payload
 *                byte changed, through a writable mapping of the buffer:
 *                what a DMA overrun or another writer of the memory would
 *                do. The kernel's digest no longer matches the bytes.
 *   sequence N   those frames are reported with a sequence 1000000 higher:
 *                a frame for which the kernel sent no event.
 *
 * Each damaged frame appends "KIND SEQUENCE" (the kernel's sequence) to
 * $CG_DQFAULT_LOG. Nothing is ever damaged without these variables.
 *
 * Built in the guest: cc -shared -fPIC -o dqfault.so dqfault.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/videodev2.h>

#define SEQUENCE_SHIFT	1000000u

typedef int (*v4l2_ioctl_fn)(int fd, unsigned long request, ...);

static void note(const char *kind, unsigned int sequence)
{
	const char *path = getenv("CG_DQFAULT_LOG");
	char line[64];
	int fd, n;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s %u\n", kind, sequence);
	if (write(fd, line, (size_t)n) != n)
		perror("dqfault: log");
	close(fd);
}

/* The command in $CG_DQFAULT_CTL: its kind into @kind, N as the result. */
static unsigned int command(char kind[16])
{
	const char *path = getenv("CG_DQFAULT_CTL");
	unsigned int every = 0;
	char text[64];
	ssize_t n;
	int fd;

	if (!path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	if (sscanf(text, "%15s %u", kind, &every) != 2)
		return 0;
	return every;
}

static void damage(int fd, struct v4l2_buffer *buf)
{
	unsigned int seq = buf->sequence;
	unsigned int every;
	char kind[16];
	uint8_t *p;

	every = command(kind);
	if (!every || seq % every)
		return;
	if (!strcmp(kind, "bytes") && buf->memory == V4L2_MEMORY_MMAP &&
	    buf->bytesused) {
		p = mmap(NULL, buf->length, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, buf->m.offset);
		if (p == MAP_FAILED) {
			perror("dqfault: mmap");
			return;
		}
		p[buf->bytesused / 2] ^= 0x5a;
		munmap(p, buf->length);
		note(kind, seq);
	} else if (!strcmp(kind, "sequence")) {
		buf->sequence += SEQUENCE_SHIFT;
		note(kind, seq);
	}
}

int v4l2_ioctl(int fd, unsigned long request, ...)
{
	static v4l2_ioctl_fn real;
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real) {
		real = (v4l2_ioctl_fn)dlsym(RTLD_NEXT, "v4l2_ioctl");
		if (!real)
			abort();
	}
	ret = real(fd, request, arg);
	if (!ret && request == VIDIOC_DQBUF)
		damage(fd, arg);
	return ret;
}
