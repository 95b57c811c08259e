// SPDX-License-Identifier: GPL-2.0
/*
 * fdpass: open a V4L2 capture node as one user and stream from the open
 * file as another, to check that a frame's stamp names the opener (the
 * file's credential), not whoever later holds the descriptor.
 *
 *   fdpass setuid DEVICE OPENER STREAMER FRAMES STREAMS OUT
 *   fdpass scm    DEVICE OPENER STREAMER FRAMES STREAMS OUT
 *   fdpass pollread DEVICE FRAMES SIZEIMAGE OUT
 *
 * Run as root. The node is opened with effective uid/gid OPENER. Then
 *   setuid: this process drops to STREAMER (real, effective and saved ids)
 *   scm:    a child that dropped to STREAMER receives the descriptor over a
 *           unix socket (SCM_RIGHTS); the parent closes its copy first
 * and the process that is STREAMER captures STREAMS streams (STREAMON ..
 * STREAMOFF on the same file) of FRAMES frames each with MMAP buffers,
 * writing every frame's bytesused bytes to OUT (opened by root before the
 * switch). Prints "format W H BYTESPERLINE SIZEIMAGE FOURCC", "uid R E S"
 * of the streaming process, and one "stream S seq Q bytesused B" per frame.
 * pollread (any user): open the node, poll() it first (which starts vb2's
 * read() emulation), then read() FRAMES frames of SIZEIMAGE bytes to OUT.
 * Exit status 0 on success, 1 on any failure (with a message on stderr).
 *
 * Built by tests/guest/stamp.sh: cc -O2 -o fdpass tests/guest/fdpass.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/videodev2.h>

#define NBUF 4

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("fdpass: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, req, arg);
	while (ret < 0 && errno == EINTR);
	return ret;
}

static unsigned int parse_uint(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || v > 0x7fffffff)
		die("bad %s '%s'", what, s);
	return (unsigned int)v;
}

static void become(unsigned int uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid))
		die("switching to uid %u: %s", uid, strerror(errno));
}

static int open_as(const char *dev, unsigned int uid)
{
	int fd;

	if (setegid(uid) || seteuid(uid))
		die("seteuid(%u): %s", uid, strerror(errno));
	fd = open(dev, O_RDWR);
	if (fd < 0)
		die("open %s as uid %u: %s", dev, uid, strerror(errno));
	if (seteuid(0) || setegid(0))
		die("back to euid 0: %s", strerror(errno));
	return fd;
}

static void send_fd(int sock, int fd)
{
	char data = 'F';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	memset(&u, 0, sizeof(u));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1)
		die("sendmsg: %s", strerror(errno));
}

static int recv_fd(int sock)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		die("recvmsg: %s", strerror(errno));
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		die("no descriptor received");
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

static void capture(int fd, unsigned int frames, unsigned int streams, int out)
{
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct v4l2_requestbuffers req = { 0 };
	struct v4l2_format fmt = { .type = type };
	void *mem[NBUF] = { 0 };
	size_t len[NBUF] = { 0 };
	unsigned int i, s, n, nbuf;
	uid_t r, e, sv;

	getresuid(&r, &e, &sv);
	printf("uid %u %u %u\n", r, e, sv);
	if (xioctl(fd, VIDIOC_G_FMT, &fmt))
		die("VIDIOC_G_FMT: %s", strerror(errno));
	printf("format %u %u %u %u %.4s\n", fmt.fmt.pix.width,
	       fmt.fmt.pix.height, fmt.fmt.pix.bytesperline,
	       fmt.fmt.pix.sizeimage, (char *)&fmt.fmt.pix.pixelformat);

	req.count = NBUF;
	req.type = type;
	req.memory = V4L2_MEMORY_MMAP;
	if (xioctl(fd, VIDIOC_REQBUFS, &req))
		die("VIDIOC_REQBUFS: %s", strerror(errno));
	nbuf = req.count < NBUF ? req.count : NBUF;
	if (nbuf < 2)
		die("only %u buffers", req.count);
	for (i = 0; i < nbuf; i++) {
		struct v4l2_buffer b = { .index = i, .type = type,
					 .memory = V4L2_MEMORY_MMAP };

		if (xioctl(fd, VIDIOC_QUERYBUF, &b))
			die("VIDIOC_QUERYBUF: %s", strerror(errno));
		len[i] = b.length;
		mem[i] = mmap(NULL, b.length, PROT_READ | PROT_WRITE,
			      MAP_SHARED, fd, b.m.offset);
		if (mem[i] == MAP_FAILED)
			die("mmap: %s", strerror(errno));
	}

	for (s = 0; s < streams; s++) {
		for (i = 0; i < nbuf; i++) {
			struct v4l2_buffer b = { .index = i, .type = type,
						 .memory = V4L2_MEMORY_MMAP };

			if (xioctl(fd, VIDIOC_QBUF, &b))
				die("VIDIOC_QBUF: %s", strerror(errno));
		}
		if (xioctl(fd, VIDIOC_STREAMON, &type))
			die("VIDIOC_STREAMON: %s", strerror(errno));
		for (n = 0; n < frames; n++) {
			struct v4l2_buffer b = { .type = type,
						 .memory = V4L2_MEMORY_MMAP };
			struct pollfd p = { .fd = fd, .events = POLLIN };

			if (poll(&p, 1, 20000) != 1)
				die("no frame within 20 s");
			if (xioctl(fd, VIDIOC_DQBUF, &b))
				die("VIDIOC_DQBUF: %s", strerror(errno));
			if (b.index >= nbuf || b.bytesused > len[b.index])
				die("bad buffer %u (%u bytes)", b.index,
				    b.bytesused);
			if (write(out, mem[b.index], b.bytesused) !=
			    (ssize_t)b.bytesused)
				die("write: %s", strerror(errno));
			printf("stream %u seq %u bytesused %u\n", s, b.sequence,
			       b.bytesused);
			if (xioctl(fd, VIDIOC_QBUF, &b))
				die("VIDIOC_QBUF: %s", strerror(errno));
		}
		if (xioctl(fd, VIDIOC_STREAMOFF, &type))
			die("VIDIOC_STREAMOFF: %s", strerror(errno));
	}
	for (i = 0; i < nbuf; i++)
		munmap(mem[i], len[i]);
	fflush(stdout);
}

static int poll_read(const char *dev, unsigned int frames, size_t size,
		     const char *path)
{
	struct pollfd p = { .events = POLLIN };
	char *frame = malloc(size);
	unsigned int n;
	size_t got;
	ssize_t r;
	int out;

	if (!frame)
		die("out of memory");
	p.fd = open(dev, O_RDWR);
	if (p.fd < 0)
		die("open %s: %s", dev, strerror(errno));
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		die("%s: %s", path, strerror(errno));
	if (poll(&p, 1, 20000) != 1 || !(p.revents & POLLIN))
		die("poll: no frame within 20 s (revents 0x%x)", p.revents);
	for (n = 0; n < frames; n++) {
		for (got = 0; got < size; got += (size_t)r) {
			r = read(p.fd, frame + got, size - got);
			if (r <= 0)
				die("read: %s", r ? strerror(errno) : "end of file");
		}
		if (write(out, frame, size) != (ssize_t)size)
			die("write: %s", strerror(errno));
	}
	close(p.fd);
	close(out);
	free(frame);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int opener, streamer, frames, streams;
	int fd, out, sv[2], status;
	pid_t pid;

	if (argc == 6 && !strcmp(argv[1], "pollread"))
		return poll_read(argv[2], parse_uint(argv[3], "FRAMES"),
				 parse_uint(argv[4], "SIZEIMAGE"), argv[5]);
	if (argc != 8)
		die("usage: fdpass setuid|scm DEVICE OPENER STREAMER FRAMES STREAMS OUT");
	if (geteuid())
		die("must run as root");
	opener = parse_uint(argv[3], "OPENER");
	streamer = parse_uint(argv[4], "STREAMER");
	frames = parse_uint(argv[5], "FRAMES");
	streams = parse_uint(argv[6], "STREAMS");
	out = open(argv[7], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		die("%s: %s", argv[7], strerror(errno));
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(argv[1], "setuid")) {
		fd = open_as(argv[2], opener);
		become(streamer);
		capture(fd, frames, streams, out);
		close(fd);
		return 0;
	}
	if (strcmp(argv[1], "scm"))
		die("unknown mode '%s'", argv[1]);

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		close(sv[0]);
		become(streamer);
		fd = recv_fd(sv[1]);
		capture(fd, frames, streams, out);
		close(fd);
		_exit(0);
	}
	close(sv[1]);
	fd = open_as(argv[2], opener);
	send_fd(sv[0], fd);
	close(fd);
	close(sv[0]);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("the streaming child failed (status 0x%x)", status);
	return 0;
}
