// SPDX-License-Identifier: GPL-2.0
/*
 * V4L2 helpers for the camguard selftests; see cg_v4l2.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "cg_v4l2.h"

static int cg_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

int cg_node_path(int cam, char *buf, size_t len)
{
	char want[32], name[64], p[300];
	struct dirent *de;
	DIR *d = opendir("/sys/class/video4linux");
	int ret = -ENOENT;

	if (!d)
		return -errno;
	snprintf(want, sizeof(want), "camguard-%d", cam);
	while ((de = readdir(d))) {
		FILE *f;

		if (strncmp(de->d_name, "video", 5))
			continue;
		snprintf(p, sizeof(p), "/sys/class/video4linux/%s/name", de->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f)) {
			name[strcspn(name, "\n")] = 0;
			if (!strcmp(name, want)) {
				snprintf(buf, len, "/dev/%s", de->d_name);
				ret = 0;
			}
		}
		fclose(f);
		if (!ret)
			break;
	}
	closedir(d);
	return ret;
}

int cg_cam_open_path(struct cg_cam *c, const char *path, int cam)
{
	memset(c, 0, sizeof(*c));
	c->index = cam;
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (c->fd < 0) {
		c->fd = -1;
		return -errno;
	}
	return cg_cam_get_fmt(c);
}

int cg_cam_open(struct cg_cam *c, int cam)
{
	char path[64];
	int ret = cg_node_path(cam, path, sizeof(path));

	if (ret) {
		memset(c, 0, sizeof(*c));
		c->fd = -1;
		return ret;
	}
	return cg_cam_open_path(c, path, cam);
}

void cg_cam_adopt(struct cg_cam *c, int fd, int cam)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->index = cam;
	cg_cam_get_fmt(c);
}

int cg_cam_get_fmt(struct cg_cam *c)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	int ret = cg_ioctl(c->fd, VIDIOC_G_FMT, &f);

	if (ret == 0)
		c->pix = f.fmt.pix;
	return ret;
}

int cg_cam_set_fmt(struct cg_cam *c, uint32_t width, uint32_t height,
		   uint32_t fourcc, unsigned int fps)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	int ret;

	f.fmt.pix.width = width;
	f.fmt.pix.height = height;
	f.fmt.pix.pixelformat = fourcc ? fourcc : V4L2_PIX_FMT_YUYV;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	ret = cg_ioctl(c->fd, VIDIOC_S_FMT, &f);
	if (ret)
		return ret;
	c->pix = f.fmt.pix;
	return fps ? cg_cam_set_fps(c, fps) : 0;
}

int cg_cam_reqbufs(struct cg_cam *c, unsigned int count, uint32_t memory)
{
	struct v4l2_requestbuffers rb = {
		.count = count,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = memory ? memory : V4L2_MEMORY_MMAP,
	};
	int ret = cg_ioctl(c->fd, VIDIOC_REQBUFS, &rb);

	if (ret)
		return ret;
	c->nbuf = rb.count < CG_MAXBUF ? rb.count : CG_MAXBUF;
	return (int)rb.count;
}

int cg_cam_mmap(struct cg_cam *c)
{
	unsigned int i;

	for (i = 0; i < c->nbuf; i++) {
		struct v4l2_buffer b = {
			.index = i,
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.memory = V4L2_MEMORY_MMAP,
		};
		void *p;
		int ret = cg_ioctl(c->fd, VIDIOC_QUERYBUF, &b);

		if (ret)
			return ret;
		p = mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED,
			 c->fd, b.m.offset);
		if (p == MAP_FAILED)
			return -errno;
		c->map[i] = p;
		c->len[i] = b.length;
	}
	return 0;
}

void cg_cam_munmap(struct cg_cam *c)
{
	unsigned int i;

	for (i = 0; i < CG_MAXBUF; i++) {
		if (c->map[i])
			munmap(c->map[i], c->len[i]);
		c->map[i] = NULL;
		c->len[i] = 0;
	}
}

int cg_cam_qbuf(struct cg_cam *c, unsigned int index)
{
	struct v4l2_buffer b = {
		.index = index,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
	};

	return cg_ioctl(c->fd, VIDIOC_QBUF, &b);
}

int cg_cam_queue_all(struct cg_cam *c)
{
	unsigned int i;
	int ret;

	for (i = 0; i < c->nbuf; i++) {
		ret = cg_cam_qbuf(c, i);
		if (ret)
			return ret;
	}
	return 0;
}

int cg_cam_streamon(struct cg_cam *c)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	return cg_ioctl(c->fd, VIDIOC_STREAMON, &type);
}

int cg_cam_streamoff(struct cg_cam *c)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	return cg_ioctl(c->fd, VIDIOC_STREAMOFF, &type);
}

int cg_cam_dqbuf_mem(struct cg_cam *c, uint32_t memory, struct v4l2_buffer *b,
		     int timeout_ms)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int ret;

	for (;;) {
		memset(b, 0, sizeof(*b));
		b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b->memory = memory;
		ret = cg_ioctl(c->fd, VIDIOC_DQBUF, b);
		if (ret != -EAGAIN)
			return ret;
		ret = poll(&pfd, 1, timeout_ms);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -errno;
		if (ret == 0)
			return -ETIMEDOUT;
		if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) {
			ret = cg_ioctl(c->fd, VIDIOC_DQBUF, b);
			return ret ? ret : 0;
		}
	}
}

int cg_cam_dqbuf(struct cg_cam *c, struct v4l2_buffer *b, int timeout_ms)
{
	return cg_cam_dqbuf_mem(c, V4L2_MEMORY_MMAP, b, timeout_ms);
}

int cg_cam_start(struct cg_cam *c, unsigned int count)
{
	int ret = cg_cam_reqbufs(c, count, V4L2_MEMORY_MMAP);

	if (ret < 0)
		return ret;
	if (ret == 0)
		return -ENOMEM;
	ret = cg_cam_mmap(c);
	if (!ret)
		ret = cg_cam_queue_all(c);
	if (!ret)
		ret = cg_cam_streamon(c);
	return ret;
}

void cg_cam_stop(struct cg_cam *c)
{
	if (c->fd < 0)
		return;
	cg_cam_streamoff(c);
	cg_cam_munmap(c);
	cg_cam_reqbufs(c, 0, V4L2_MEMORY_MMAP);
}

void cg_cam_close(struct cg_cam *c)
{
	cg_cam_munmap(c);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int cg_cam_set_ctrl(struct cg_cam *c, uint32_t id, int32_t value)
{
	struct v4l2_control ctl = { .id = id, .value = value };

	return cg_ioctl(c->fd, VIDIOC_S_CTRL, &ctl);
}

int cg_cam_get_ctrl(struct cg_cam *c, uint32_t id, int32_t *value)
{
	struct v4l2_control ctl = { .id = id };
	int ret = cg_ioctl(c->fd, VIDIOC_G_CTRL, &ctl);

	if (!ret)
		*value = ctl.value;
	return ret;
}

uint64_t cg_buf_ts_ns(const struct v4l2_buffer *b)
{
	return (uint64_t)b->timestamp.tv_sec * 1000000000ull +
	       (uint64_t)b->timestamp.tv_usec * 1000ull;
}

int cg_cam_ioctl(struct cg_cam *c, unsigned long req, void *arg)
{
	return cg_ioctl(c->fd, req, arg);
}

int cg_cam_set_nonblock(struct cg_cam *c, bool nonblock)
{
	int fl = fcntl(c->fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = nonblock ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(c->fd, F_SETFL, fl) ? -errno : 0;
}

int cg_cam_set_fps(struct cg_cam *c, unsigned int fps)
{
	struct v4l2_streamparm p = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

	p.parm.capture.timeperframe.numerator = 1;
	p.parm.capture.timeperframe.denominator = fps;
	return cg_ioctl(c->fd, VIDIOC_S_PARM, &p);
}

int cg_cam_querybuf(struct cg_cam *c, unsigned int index, uint32_t memory,
		    struct v4l2_buffer *b)
{
	memset(b, 0, sizeof(*b));
	b->index = index;
	b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b->memory = memory;
	return cg_ioctl(c->fd, VIDIOC_QUERYBUF, b);
}

int cg_cam_qbuf_userptr(struct cg_cam *c, unsigned int index, void *ptr,
			size_t len)
{
	struct v4l2_buffer b = {
		.index = index,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_USERPTR,
		.m.userptr = (unsigned long)ptr,
		.length = (uint32_t)len,
	};

	return cg_ioctl(c->fd, VIDIOC_QBUF, &b);
}

int cg_cam_qbuf_dmabuf(struct cg_cam *c, unsigned int index, int fd,
		       size_t len)
{
	struct v4l2_buffer b = {
		.index = index,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_DMABUF,
		.m.fd = fd,
		.length = (uint32_t)len,
	};

	return cg_ioctl(c->fd, VIDIOC_QBUF, &b);
}

int cg_cam_expbuf(struct cg_cam *c, unsigned int index)
{
	struct v4l2_exportbuffer eb = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.index = index,
		.flags = O_RDWR | O_CLOEXEC,
	};
	int ret = cg_ioctl(c->fd, VIDIOC_EXPBUF, &eb);

	return ret ? ret : eb.fd;
}
