// SPDX-License-Identifier: MIT
/*
 * One camera through libv4l2, with conversion disabled: the bytes a frame
 * is hashed from are the bytes the kernel hashed. Formats the JPEG encoder
 * does not take are converted with libv4lconvert, after the digest check.
 *
 * Lifetime: cg_capture_open() opens and sets the format; cg_capture_start()
 * requests the buffers (which makes this worker's credential the stream
 * owner), maps and queues them and starts streaming; cg_capture_close()
 * undoes whatever was done. Frame data points into the mapped buffers and
 * is valid from cg_capture_dequeue() until cg_capture_requeue().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libv4l2.h>
#include <libv4lconvert.h>
#include <linux/videodev2.h>

#include "daemon.h"
#include "log.h"
#include "pixfmt.h"

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = v4l2_ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

static const char *fourcc_str(uint32_t f, char buf[5])
{
	buf[0] = f & 0xff;
	buf[1] = (f >> 8) & 0xff;
	buf[2] = (f >> 16) & 0xff;
	buf[3] = (f >> 24) & 0xff;
	buf[4] = '\0';
	return buf;
}

/* The JPEG encoder takes every format of the table as it comes. */
static bool encoder_takes(uint32_t fourcc)
{
	return cg_pixfmt_find(fourcc) != NULL;
}

/* Whether the node describes cam->fourcc as compressed (MJPEG and the like). */
static bool format_compressed(struct cg_camera *cam)
{
	struct v4l2_fmtdesc d = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

	for (d.index = 0; !xioctl(cam->fd, VIDIOC_ENUM_FMT, &d); d.index++)
		if (d.pixelformat == cam->fourcc)
			return d.flags & V4L2_FMT_FLAG_COMPRESSED;
	return false;
}

static int set_format(struct cg_camera *cam)
{
	const struct cg_config_camera *cc = cam->cfg;
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	char a[5], b[5];
	int ret;

	ret = xioctl(cam->fd, VIDIOC_G_FMT, &fmt);
	if (ret < 0) {
		cg_err(cam->mod, "%s: VIDIOC_G_FMT: %s", cam->devnode,
		       strerror(-ret));
		return ret;
	}
	if (cc->fourcc || cc->width) {
		if (cc->fourcc)
			fmt.fmt.pix.pixelformat = cc->fourcc;
		if (cc->width) {
			fmt.fmt.pix.width = cc->width;
			fmt.fmt.pix.height = cc->height;
		}
		fmt.fmt.pix.bytesperline = 0;
		fmt.fmt.pix.sizeimage = 0;
		fmt.fmt.pix.field = V4L2_FIELD_NONE;
		ret = xioctl(cam->fd, VIDIOC_S_FMT, &fmt);
		if (ret < 0) {
			cg_err(cam->mod, "%s: VIDIOC_S_FMT: %s", cam->devnode,
			       strerror(-ret));
			return ret;
		}
		if ((cc->fourcc && fmt.fmt.pix.pixelformat != cc->fourcc) ||
		    (cc->width && (fmt.fmt.pix.width != cc->width ||
				   fmt.fmt.pix.height != cc->height))) {
			cg_err(cam->mod, "%s: asked for %s %ux%u, the camera gives %s %ux%u",
			       cam->devnode,
			       fourcc_str(cc->fourcc ? cc->fourcc :
					  fmt.fmt.pix.pixelformat, a),
			       cc->width ? cc->width : fmt.fmt.pix.width,
			       cc->width ? cc->height : fmt.fmt.pix.height,
			       fourcc_str(fmt.fmt.pix.pixelformat, b),
			       fmt.fmt.pix.width, fmt.fmt.pix.height);
			return -EINVAL;
		}
	}
	cam->fourcc = fmt.fmt.pix.pixelformat;
	cam->width = fmt.fmt.pix.width;
	cam->height = fmt.fmt.pix.height;
	cam->bytesperline = fmt.fmt.pix.bytesperline;
	cam->sizeimage = fmt.fmt.pix.sizeimage;
	cam->compressed = format_compressed(cam);

	if (cc->fps) {
		struct v4l2_streamparm parm = {
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		};

		parm.parm.capture.timeperframe.numerator = 1;
		parm.parm.capture.timeperframe.denominator = cc->fps;
		ret = xioctl(cam->fd, VIDIOC_S_PARM, &parm);
		if (ret < 0)
			cg_warn(cam->mod, "%s: cannot set %u fps: %s",
				cam->devnode, cc->fps, strerror(-ret));
	}
	cg_info(cam->mod, "%s: camguard camera %u, %s %ux%u%s", cam->devnode,
		cam->id, fourcc_str(cam->fourcc, a), cam->width, cam->height,
		encoder_takes(cam->fourcc) ? "" : " (converted for JPEG)");
	return 0;
}

int cg_capture_open(struct cg_camera *cam)
{
	int fd, ret;

	fd = open(cam->devnode, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		cg_err(cam->mod, "%s: %s", cam->devnode, strerror(errno));
		return ret;
	}
	/* Raw frames only: what we hash must be what the kernel hashed. */
	cam->fd = v4l2_fd_open(fd, V4L2_DISABLE_CONVERSION);
	if (cam->fd < 0) {
		ret = -errno;
		cg_err(cam->mod, "%s: libv4l2: %s", cam->devnode,
		       strerror(errno));
		close(fd);
		return ret ? ret : -EIO;
	}
	ret = set_format(cam);
	if (ret < 0)
		return ret;
	if (!encoder_takes(cam->fourcc))
		return cg_capture_set_converter(cam,
						v4lconvert_create(cam->fd));
	return 0;
}

int cg_capture_set_converter(struct cg_camera *cam,
			     struct v4lconvert_data *conv)
{
	cam->conv = conv;
	cam->conv_len = (size_t)cam->width * cam->height * 3;
	cam->conv_buf = malloc(cam->conv_len);
	if (!cam->conv || !cam->conv_buf) {
		cg_err(cam->mod, "no converter for this format");
		return -ENOMEM;
	}
	return 0;
}

int cg_capture_start(struct cg_camera *cam)
{
	struct v4l2_requestbuffers req = {
		.count = CG_CAPTURE_BUFS,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
	};
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	unsigned int i;
	int ret;

	/* This makes our credential the owner of the camera's stream. */
	ret = xioctl(cam->fd, VIDIOC_REQBUFS, &req);
	if (ret < 0) {
		cg_err(cam->mod, "%s: VIDIOC_REQBUFS: %s%s", cam->devnode,
		       strerror(-ret), ret == -EACCES ?
		       " (the camera is bound to another owner)" :
		       ret == -EBUSY ? " (another process streams from it)" :
		       "");
		return ret;
	}
	if (req.count < 2 || req.count > CG_CAPTURE_MAX_BUFS) {
		cg_err(cam->mod, "%s: got %u buffers", cam->devnode, req.count);
		return -ENOMEM;
	}
	for (i = 0; i < req.count; i++) {
		struct v4l2_buffer buf = {
			.index = i,
			.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
			.memory = V4L2_MEMORY_MMAP,
		};
		void *p;

		ret = xioctl(cam->fd, VIDIOC_QUERYBUF, &buf);
		if (ret < 0)
			goto err;
		p = v4l2_mmap(NULL, buf.length, PROT_READ | PROT_WRITE,
			      MAP_SHARED, cam->fd, buf.m.offset);
		if (p == MAP_FAILED) {
			ret = -errno;
			goto err;
		}
		cam->bufs[i].start = p;
		cam->bufs[i].length = buf.length;
		cam->n_bufs = i + 1;
		ret = xioctl(cam->fd, VIDIOC_QBUF, &buf);
		if (ret < 0)
			goto err;
	}
	ret = xioctl(cam->fd, VIDIOC_STREAMON, &type);
	if (ret < 0)
		goto err;
	cam->streaming = true;
	return 0;
err:
	cg_err(cam->mod, "%s: buffers: %s", cam->devnode, strerror(-ret));
	return ret;
}

int cg_capture_dequeue(struct cg_camera *cam, struct cg_frame *f)
{
	struct v4l2_buffer buf = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
	};
	int ret;

	ret = xioctl(cam->fd, VIDIOC_DQBUF, &buf);
	if (ret < 0)
		return ret;
	if (buf.index >= cam->n_bufs ||
	    buf.bytesused > cam->bufs[buf.index].length) {
		cg_err(cam->mod, "driver returned buffer %u with %u bytes",
		       buf.index, buf.bytesused);
		return -EIO;
	}
	f->index = buf.index;
	f->data = cam->bufs[buf.index].start;
	f->len = buf.bytesused;
	f->sequence = buf.sequence;
	f->mono_ns = (uint64_t)buf.timestamp.tv_sec * 1000000000ull +
		     (uint64_t)buf.timestamp.tv_usec * 1000ull;
	cam->st.frames++;
	/* 1: the driver marked it broken; the caller requeues and skips it. */
	return (buf.flags & V4L2_BUF_FLAG_ERROR) ? 1 : 0;
}

int cg_capture_requeue(struct cg_camera *cam, const struct cg_frame *f)
{
	struct v4l2_buffer buf = {
		.index = f->index,
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
	};

	return xioctl(cam->fd, VIDIOC_QBUF, &buf);
}

/*
 * The frame as the JPEG encoder takes it: the buffer itself, or converted
 * to RGB24 into cam->conv_buf (valid until the next call).
 */
int cg_capture_encodable(struct cg_camera *cam, const struct cg_frame *f,
			 const uint8_t **data, size_t *len, uint32_t *fourcc,
			 uint32_t *bytesperline)
{
	struct v4l2_format src = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_format dst;
	int n;

	if (!cam->conv) {
		*data = f->data;
		*len = f->len;
		*fourcc = cam->fourcc;
		*bytesperline = cam->bytesperline;
		return 0;
	}
	/*
	 * libv4lconvert reads a whole image of an uncompressed format
	 * whatever the length it is given: a short frame is refused here.
	 */
	if (!cam->compressed && f->len < cam->sizeimage)
		return -EIO;
	src.fmt.pix.pixelformat = cam->fourcc;
	src.fmt.pix.width = cam->width;
	src.fmt.pix.height = cam->height;
	src.fmt.pix.bytesperline = cam->bytesperline;
	src.fmt.pix.sizeimage = cam->sizeimage;
	src.fmt.pix.field = V4L2_FIELD_NONE;
	dst = src;
	dst.fmt.pix.pixelformat = V4L2_PIX_FMT_RGB24;
	dst.fmt.pix.bytesperline = cam->width * 3;
	dst.fmt.pix.sizeimage = cam->conv_len;
	n = v4lconvert_convert(cam->conv, &src, &dst, (uint8_t *)f->data,
			       f->len, cam->conv_buf, cam->conv_len);
	if (n < 0)
		return -EIO;
	*data = cam->conv_buf;
	*len = (size_t)n;
	*fourcc = V4L2_PIX_FMT_RGB24;
	*bytesperline = cam->width * 3;
	return 0;
}

void cg_capture_free_converter(struct cg_camera *cam)
{
	if (cam->conv)
		v4lconvert_destroy(cam->conv);
	cam->conv = NULL;
	free(cam->conv_buf);
	cam->conv_buf = NULL;
}

void cg_capture_close(struct cg_camera *cam)
{
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	unsigned int i;

	if (cam->fd < 0)
		return;
	if (cam->streaming)
		xioctl(cam->fd, VIDIOC_STREAMOFF, &type);
	cam->streaming = false;
	for (i = 0; i < cam->n_bufs; i++)
		v4l2_munmap(cam->bufs[i].start, cam->bufs[i].length);
	cam->n_bufs = 0;
	cg_capture_free_converter(cam);
	v4l2_close(cam->fd);
	cam->fd = -1;
}
