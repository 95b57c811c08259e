/* SPDX-License-Identifier: GPL-2.0 */
/*
 * V4L2 helpers for the camguard selftests: find a virtual camera's node,
 * open it, allocate and map MMAP buffers, stream and dequeue with a
 * timeout. Every function returns 0 (or a count) or -errno.
 */
#ifndef CG_V4L2_H
#define CG_V4L2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/videodev2.h>

#define CG_MAXBUF 32
/* "Disconnect After Frames" of the virtual camera. */
#define CG_CID_DISCONNECT_AFTER (V4L2_CID_USER_BASE | 0xe003)
/* Its other error-injection controls (root only): docs/virtual-camera.md. */
#define CG_CID_DROP_PERCENT	(V4L2_CID_USER_BASE | 0xe000)
#define CG_CID_FAIL_START	(V4L2_CID_USER_BASE | 0xe001)
#define CG_CID_FAIL_PREPARE	(V4L2_CID_USER_BASE | 0xe002)
#define CG_CID_ATOMIC_PERCENT	(V4L2_CID_USER_BASE | 0xe004)

struct cg_cam {
	int fd;
	int index;			/* camguard camera number */
	char path[64];
	unsigned int nbuf;
	void *map[CG_MAXBUF];
	size_t len[CG_MAXBUF];
	struct v4l2_pix_format pix;
};

/* /dev/videoX of camera @cam ("camguard-N" in sysfs). */
int cg_node_path(int cam, char *buf, size_t len);
int cg_cam_open(struct cg_cam *c, int cam);
/* Open by path, e.g. after the node was looked up by root. */
int cg_cam_open_path(struct cg_cam *c, const char *path, int cam);
/* Adopt a descriptor received from another process. */
void cg_cam_adopt(struct cg_cam *c, int fd, int cam);
/* S_FMT (YUYV unless @fourcc) and S_PARM @fps (0: leave it). */
int cg_cam_set_fmt(struct cg_cam *c, uint32_t width, uint32_t height,
		   uint32_t fourcc, unsigned int fps);
int cg_cam_get_fmt(struct cg_cam *c);
/* REQBUFS: the count granted (>= 0) or -errno. */
int cg_cam_reqbufs(struct cg_cam *c, unsigned int count, uint32_t memory);
int cg_cam_mmap(struct cg_cam *c);
void cg_cam_munmap(struct cg_cam *c);
int cg_cam_qbuf(struct cg_cam *c, unsigned int index);
int cg_cam_queue_all(struct cg_cam *c);
int cg_cam_streamon(struct cg_cam *c);
int cg_cam_streamoff(struct cg_cam *c);
/* DQBUF within @timeout_ms (-ETIMEDOUT). */
int cg_cam_dqbuf(struct cg_cam *c, struct v4l2_buffer *b, int timeout_ms);
/* REQBUFS @count, mmap, queue everything, STREAMON. */
int cg_cam_start(struct cg_cam *c, unsigned int count);
/* STREAMOFF, munmap, REQBUFS 0 (errors ignored). */
void cg_cam_stop(struct cg_cam *c);
void cg_cam_close(struct cg_cam *c);
int cg_cam_set_ctrl(struct cg_cam *c, uint32_t id, int32_t value);
int cg_cam_get_ctrl(struct cg_cam *c, uint32_t id, int32_t *value);
/* The buffer's timestamp in ns (usec precision). */
uint64_t cg_buf_ts_ns(const struct v4l2_buffer *b);

/* Any ioctl on the camera's descriptor (EINTR retried). */
int cg_cam_ioctl(struct cg_cam *c, unsigned long req, void *arg);
/* Blocking (false) or non-blocking (true, as opened) I/O. */
int cg_cam_set_nonblock(struct cg_cam *c, bool nonblock);
/* S_PARM @fps alone. */
int cg_cam_set_fps(struct cg_cam *c, unsigned int fps);
/* QUERYBUF of buffer @index of a queue of @memory into @b. */
int cg_cam_querybuf(struct cg_cam *c, unsigned int index, uint32_t memory,
		    struct v4l2_buffer *b);
/* QBUF of @len bytes of user memory at @ptr (USERPTR). */
int cg_cam_qbuf_userptr(struct cg_cam *c, unsigned int index, void *ptr,
			size_t len);
/* QBUF of the dmabuf @fd (DMABUF); @len 0: the dmabuf's size. */
int cg_cam_qbuf_dmabuf(struct cg_cam *c, unsigned int index, int fd,
		       size_t len);
/* EXPBUF of MMAP buffer @index: a dmabuf fd (O_RDWR, O_CLOEXEC) or -errno. */
int cg_cam_expbuf(struct cg_cam *c, unsigned int index);
/* cg_cam_dqbuf() for a queue of @memory (USERPTR, DMABUF). */
int cg_cam_dqbuf_mem(struct cg_cam *c, uint32_t memory, struct v4l2_buffer *b,
		     int timeout_ms);

#endif
