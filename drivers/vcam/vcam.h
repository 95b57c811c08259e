/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The camguard virtual camera: a V4L2 video-capture driver on videobuf2
 * (vmalloc memory: MMAP, USERPTR, DMABUF import and export, read()).
 *
 * Files: vcam.c registers the devices and implements the V4L2 and vb2
 * operations, vcam_fmt.c knows the pixel formats, sizes and rates, and
 * vcam_gen.c produces the frames in a kthread.
 */
#ifndef _VCAM_H
#define _VCAM_H

#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <media/v4l2-ctrls.h>
#include <media/v4l2-device.h>
#include <media/v4l2-fh.h>
#include <media/videobuf2-v4l2.h>

#include <linux/camguard.h>
#include <linux/camguard_stamp.h>

#define VCAM_DRIVER		"camguard"
#define VCAM_MAX_CAMERAS	16

#define VCAM_MIN_WIDTH	160
#define VCAM_MIN_HEIGHT	120
#define VCAM_MAX_WIDTH	1920
#define VCAM_MAX_HEIGHT	1080
#define VCAM_MIN_FPS		1
#define VCAM_MAX_FPS		60
#define VCAM_DEF_FPS		30

/* Test patterns, in V4L2_CID_TEST_PATTERN menu order. */
enum vcam_pattern {
	VCAM_PATTERN_BARS,
	VCAM_PATTERN_GRADIENT,
	VCAM_PATTERN_CHECKERS,
	VCAM_PATTERN_BLACK,
	VCAM_PATTERN_COUNT,
};

struct vcam_fmt {
	u32 fourcc;
	u8 bytes_per_pixel;	/* in the first (or only) plane */
	u8 size_mult;		/* sizeimage = bytesperline * height * mult / 2 */
	bool yuv;
};

/* What the generator needs of a frame; fixed while streaming. */
struct vcam_frame_fmt {
	const struct vcam_fmt *fmt;
	u32 width;
	u32 height;
	u32 bytesperline;
	u32 sizeimage;
};

/* Counters, written by the generator thread only, read from sysfs. */
struct vcam_stats {
	atomic64_t frames_done;		/* buffers filled and returned */
	atomic64_t frames_dropped;	/* no buffer queued in time */
	atomic64_t frames_late;		/* periods the generator overslept */
	atomic64_t frames_drop_injected;/* dropped by the drop control */
	atomic64_t frames_done_atomic;	/* completed with interrupts off */
	atomic64_t streams;		/* streams started */
};

struct vcam {
	struct v4l2_device v4l2_dev;	/* refcount owns the whole struct */
	struct video_device vdev;
	struct vb2_queue queue;
	struct v4l2_ctrl_handler ctrls;
	unsigned int index;

	/*
	 * Serialises the ioctls and the vb2 queue (q->lock); the control
	 * handler has its own. The generator thread never takes it: stop_streaming runs
	 * with it held and waits for the thread to exit.
	 */
	struct mutex lock;

	/* Protected by lock; S_FMT and S_PARM refuse while busy. */
	struct v4l2_pix_format pix;
	u32 fps;

	/* Error-injection settings, read by the thread and vb2 callbacks. */
	int drop_percent;
	int atomic_percent;	/* frames completed with interrupts off */
	bool fail_start;
	bool fail_prepare;
	u32 disconnect_after;	/* frames; 0 = never */

	/* Picture settings; gen bumps when they change. */
	int pattern;
	int brightness;
	atomic_t picture_gen;

	/* Queued buffers waiting for the generator; protected by buf_lock. */
	spinlock_t buf_lock;
	struct list_head buf_list;

	/* Tags, owners and streams: the camguard core (vb2.c). */
	struct camguard_camera *cg;

	/* The current stream; set in start_streaming, cleared in stop. */
	struct vcam_frame_fmt ffmt;
	struct task_struct *thread;
	struct camguard_stream_info stream;
	u8 *background;		/* pattern rendered in the frame format */

	/* Serialises unregistration between remove and the disconnect work. */
	struct mutex unregister_lock;
	struct work_struct disconnect_work;

	struct vcam_stats stats;
};

struct vcam_buffer {
	struct vb2_v4l2_buffer vb;	/* must be first: vb2 allocates us */
	struct list_head list;
};

/* vcam_fmt.c */
const struct vcam_fmt *vcam_fmt_by_index(unsigned int index);
const struct vcam_fmt *vcam_fmt_find(u32 fourcc);
bool vcam_discrete_sizes(const struct vcam *vcam);
int vcam_enum_framesize(const struct vcam *vcam, u32 index,
			struct v4l2_frmsizeenum *fsize);
int vcam_enum_frameinterval(const struct vcam *vcam,
			    struct v4l2_frmivalenum *fival);
void vcam_fmt_adjust(const struct vcam *vcam,
		     struct v4l2_pix_format *pix);
void vcam_fmt_to_frame(const struct v4l2_pix_format *pix,
		       struct vcam_frame_fmt *ffmt);
u32 vcam_fps_adjust(const struct vcam *vcam, u32 fps);
void vcam_render(const struct vcam_frame_fmt *ffmt, u8 *buf,
		 int pattern, int brightness);
void vcam_fill_cell(const struct vcam_frame_fmt *ffmt, u8 *buf,
		    u32 x0, u32 y0, u32 side, bool one);

/* vcam_gen.c */
int vcam_gen_start(struct vcam *vcam);
void vcam_gen_stop(struct vcam *vcam);
void vcam_return_all(struct vcam *vcam, enum vb2_buffer_state state);

#endif /* _VCAM_H */
