// SPDX-License-Identifier: GPL-2.0
/*
 * The virtual camera's devices: one platform device per camera, each with a
 * V4L2 video-capture node on videobuf2.
 *
 * Lifetime: a struct vcam lives as long as its v4l2_device refcount. The
 * probe holds one reference, every registered video node (and so every open
 * file) one more; vcam_free() runs when the last goes, which may be after
 * remove() when a process still holds the node open after a disconnect.
 * Open files pin the module (fops.owner), so rmmod waits for nothing: it is
 * refused while a node is open, and a disconnect (the sysfs unbind of the
 * platform device, or the error-injection control) is how a streaming
 * process is cut off.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <media/v4l2-event.h>
#include <media/v4l2-ioctl.h>
#include <media/videobuf2-vmalloc.h>

#include "compat.h"
#include "vcam.h"

#define VCAM_READ_BUFFERS	2
/*
 * Buffers REQBUFS allocates at least: the generator needs one queued at
 * every tick while userspace holds others, or frames are dropped.
 */
#define VCAM_MIN_BUFFERS	8

/* Driver-private controls (USER class). */
#define VCAM_CID_BASE			(V4L2_CID_USER_BASE | 0xe000)
#define VCAM_CID_DROP_PERCENT		(VCAM_CID_BASE + 0)
#define VCAM_CID_FAIL_START		(VCAM_CID_BASE + 1)
#define VCAM_CID_FAIL_PREPARE		(VCAM_CID_BASE + 2)
#define VCAM_CID_DISCONNECT_AFTER		(VCAM_CID_BASE + 3)
#define VCAM_CID_ATOMIC_PERCENT		(VCAM_CID_BASE + 4)

static struct platform_device *vcam_pdevs[VCAM_MAX_CAMERAS];
static unsigned int vcam_count;

static struct vcam *vcam_from_dev(struct device *dev)
{
	struct v4l2_device *v4l2_dev = dev_get_drvdata(dev);

	return container_of(v4l2_dev, struct vcam, v4l2_dev);
}

/* ---- videobuf2 ---- */

static int vcam_queue_setup(struct vb2_queue *q, unsigned int *nbuffers,
			    unsigned int *nplanes, unsigned int sizes[],
			       struct device *alloc_devs[])
{
	struct vcam *vcam = vb2_get_drv_priv(q);
	u32 size = vcam->pix.sizeimage;

	if (*nplanes)
		return sizes[0] < size ? -EINVAL : 0;
	*nbuffers = max_t(unsigned int, *nbuffers, VCAM_MIN_BUFFERS);
	*nplanes = 1;
	sizes[0] = size;
	return 0;
}

static int vcam_buf_prepare(struct vb2_buffer *vb)
{
	struct vcam *vcam = vb2_get_drv_priv(vb->vb2_queue);
	u32 size = vcam->pix.sizeimage;

	if (READ_ONCE(vcam->fail_prepare)) {
		dev_dbg(&vcam->vdev.dev, "buf_prepare failed by injection\n");
		return -EIO;
	}
	if (vb2_plane_size(vb, 0) < size) {
		dev_dbg(&vcam->vdev.dev, "buffer of %lu bytes, need %u\n",
			vb2_plane_size(vb, 0), size);
		return -EINVAL;
	}
	vb2_set_plane_payload(vb, 0, size);
	return 0;
}

static void vcam_buf_queue(struct vb2_buffer *vb)
{
	struct vcam *vcam = vb2_get_drv_priv(vb->vb2_queue);
	struct vb2_v4l2_buffer *vbuf = to_vb2_v4l2_buffer(vb);
	struct vcam_buffer *buf = container_of(vbuf, struct vcam_buffer,
						  vb);

	spin_lock(&vcam->buf_lock);
	list_add_tail(&buf->list, &vcam->buf_list);
	spin_unlock(&vcam->buf_lock);
}

static int vcam_start_streaming(struct vb2_queue *q, unsigned int count)
{
	struct vcam *vcam = vb2_get_drv_priv(q);
	struct v4l2_format fmt = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.fmt.pix = vcam->pix,
	};
	int ret;

	if (READ_ONCE(vcam->fail_start)) {
		dev_dbg(&vcam->vdev.dev, "start_streaming failed by injection\n");
		ret = -EIO;
		goto err_return;
	}
	/* The owner and the stream id come from camguard; we stamp them. */
	ret = camguard_vb2_streaming_start(q, &fmt, &vcam->stream);
	if (ret)
		goto err_return;

	vcam_fmt_to_frame(&vcam->pix, &vcam->ffmt);
	ret = vcam_gen_start(vcam);
	if (ret)
		goto err_return;
	atomic64_inc(&vcam->stats.streams);
	return 0;

err_return:
	vcam_return_all(vcam, VB2_BUF_STATE_QUEUED);
	return ret;
}

static void vcam_stop_streaming(struct vb2_queue *q)
{
	struct vcam *vcam = vb2_get_drv_priv(q);

	vcam_gen_stop(vcam);
	camguard_vb2_streaming_stop(q);
	vcam_return_all(vcam, VB2_BUF_STATE_ERROR);
}

static const struct vb2_ops vcam_qops = {
	.queue_setup = vcam_queue_setup,
	.buf_prepare = vcam_buf_prepare,
	.buf_queue = vcam_buf_queue,
	.start_streaming = vcam_start_streaming,
	.stop_streaming = vcam_stop_streaming,
	VCAM_VB2_WAIT_OPS
};

/* ---- V4L2 ioctls ---- */

static int vcam_querycap(struct file *file, void *priv,
			 struct v4l2_capability *cap)
{
	struct vcam *vcam = video_drvdata(file);

	strscpy(cap->driver, VCAM_DRIVER, sizeof(cap->driver));
	snprintf(cap->card, sizeof(cap->card), "camguard virtual camera %u",
		 vcam->index);
	snprintf(cap->bus_info, sizeof(cap->bus_info), "platform:%s-%u",
		 VCAM_DRIVER, vcam->index);
	return 0;
}

static int vcam_enum_fmt(struct file *file, void *priv,
			 struct v4l2_fmtdesc *f)
{
	const struct vcam_fmt *fmt = vcam_fmt_by_index(f->index);

	if (!fmt)
		return -EINVAL;
	f->pixelformat = fmt->fourcc;
	return 0;
}

static int vcam_g_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	struct vcam *vcam = video_drvdata(file);

	f->fmt.pix = vcam->pix;
	return 0;
}

static int vcam_try_fmt(struct file *file, void *priv,
			struct v4l2_format *f)
{
	vcam_fmt_adjust(video_drvdata(file), &f->fmt.pix);
	return 0;
}

static int vcam_s_fmt(struct file *file, void *priv, struct v4l2_format *f)
{
	struct vcam *vcam = video_drvdata(file);
	int ret;

	ret = camguard_vb2_may_configure(&vcam->queue, file->f_cred);
	if (ret)
		return ret;
	if (vb2_is_busy(&vcam->queue))
		return -EBUSY;
	vcam_fmt_adjust(vcam, &f->fmt.pix);
	vcam->pix = f->fmt.pix;
	return 0;
}

static int vcam_enum_framesizes(struct file *file, void *priv,
				struct v4l2_frmsizeenum *fsize)
{
	return vcam_enum_framesize(video_drvdata(file), fsize->index, fsize);
}

static int vcam_enum_frameintervals(struct file *file, void *priv,
				    struct v4l2_frmivalenum *fival)
{
	return vcam_enum_frameinterval(video_drvdata(file), fival);
}

static int vcam_g_parm(struct file *file, void *priv,
		       struct v4l2_streamparm *parm)
{
	struct vcam *vcam = video_drvdata(file);
	struct v4l2_captureparm *cp = &parm->parm.capture;

	if (parm->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;
	memset(cp, 0, sizeof(*cp));
	cp->capability = V4L2_CAP_TIMEPERFRAME;
	cp->timeperframe.numerator = 1;
	cp->timeperframe.denominator = vcam->fps;
	cp->readbuffers = VCAM_READ_BUFFERS;
	return 0;
}

static int vcam_s_parm(struct file *file, void *priv,
		       struct v4l2_streamparm *parm)
{
	struct vcam *vcam = video_drvdata(file);
	struct v4l2_fract *tpf = &parm->parm.capture.timeperframe;
	u32 fps;
	int ret;

	if (parm->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;
	ret = camguard_vb2_may_configure(&vcam->queue, file->f_cred);
	if (ret)
		return ret;
	/* The frame clock is fixed for the life of a stream. */
	if (vb2_is_streaming(&vcam->queue))
		return -EBUSY;
	/* A zero fraction asks for the current rate; others round to fps. */
	if (tpf->numerator && tpf->denominator) {
		fps = DIV_ROUND_CLOSEST(tpf->denominator, tpf->numerator);
		vcam->fps = vcam_fps_adjust(vcam, fps);
	}
	return vcam_g_parm(file, priv, parm);
}

static int vcam_enum_input(struct file *file, void *priv,
			   struct v4l2_input *inp)
{
	if (inp->index)
		return -EINVAL;
	inp->type = V4L2_INPUT_TYPE_CAMERA;
	strscpy(inp->name, "Camera", sizeof(inp->name));
	return 0;
}

static int vcam_g_input(struct file *file, void *priv, unsigned int *i)
{
	*i = 0;
	return 0;
}

static int vcam_s_input(struct file *file, void *priv, unsigned int i)
{
	struct vcam *vcam = video_drvdata(file);

	return camguard_vb2_may_configure(&vcam->queue, file->f_cred) ?:
	       (i ? -EINVAL : 0);
}

static const struct v4l2_ioctl_ops vcam_ioctl_ops = {
	.vidioc_querycap = vcam_querycap,
	.vidioc_enum_fmt_vid_cap = vcam_enum_fmt,
	.vidioc_g_fmt_vid_cap = vcam_g_fmt,
	.vidioc_try_fmt_vid_cap = vcam_try_fmt,
	.vidioc_s_fmt_vid_cap = vcam_s_fmt,
	.vidioc_enum_framesizes = vcam_enum_framesizes,
	.vidioc_enum_frameintervals = vcam_enum_frameintervals,
	.vidioc_g_parm = vcam_g_parm,
	.vidioc_s_parm = vcam_s_parm,
	.vidioc_enum_input = vcam_enum_input,
	.vidioc_g_input = vcam_g_input,
	.vidioc_s_input = vcam_s_input,

	.vidioc_reqbufs = camguard_vb2_ioctl_reqbufs,
	.vidioc_create_bufs = camguard_vb2_ioctl_create_bufs,
	.vidioc_prepare_buf = camguard_vb2_ioctl_prepare_buf,
	.vidioc_querybuf = camguard_vb2_ioctl_querybuf,
	.vidioc_qbuf = camguard_vb2_ioctl_qbuf,
	.vidioc_dqbuf = vb2_ioctl_dqbuf,
	.vidioc_expbuf = camguard_vb2_ioctl_expbuf,
	.vidioc_streamon = vb2_ioctl_streamon,
	.vidioc_streamoff = vb2_ioctl_streamoff,

	.vidioc_log_status = v4l2_ctrl_log_status,
	.vidioc_subscribe_event = v4l2_ctrl_subscribe_event,
	.vidioc_unsubscribe_event = v4l2_event_unsubscribe,
};

/* ---- file operations ---- */

/*
 * Queue ownership, and so stream owners, and every path to the buffers go
 * through the camguard helpers.
 */
static const struct v4l2_file_operations vcam_fops = {
	.owner = THIS_MODULE,
	.open = v4l2_fh_open,
	.release = camguard_vb2_fop_release,
	.read = camguard_vb2_fop_read,
	.poll = camguard_vb2_fop_poll,
	.mmap = camguard_vb2_fop_mmap,
	.unlocked_ioctl = video_ioctl2,
};

/* ---- controls ---- */

static bool vcam_is_inject_ctrl(u32 id)
{
	return id >= VCAM_CID_DROP_PERCENT && id <= VCAM_CID_ATOMIC_PERCENT;
}

static int vcam_s_ctrl(struct v4l2_ctrl *ctrl)
{
	struct vcam *vcam = container_of(ctrl->handler, struct vcam,
					    ctrls);
	int ret;

	/*
	 * Called from the caller's control ioctl, under vcam->lock (the
	 * video_device's lock), or before registration with the defaults.
	 * Error injection fails or cuts off streams: root's alone.
	 */
	if (vcam_is_inject_ctrl(ctrl->id) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = camguard_vb2_may_configure(&vcam->queue, current_cred());
	if (ret)
		return ret;

	switch (ctrl->id) {
	case V4L2_CID_BRIGHTNESS:
		WRITE_ONCE(vcam->brightness, ctrl->val);
		atomic_inc(&vcam->picture_gen);
		break;
	case V4L2_CID_TEST_PATTERN:
		WRITE_ONCE(vcam->pattern, ctrl->val);
		atomic_inc(&vcam->picture_gen);
		break;
	case VCAM_CID_DROP_PERCENT:
		WRITE_ONCE(vcam->drop_percent, ctrl->val);
		break;
	case VCAM_CID_FAIL_START:
		WRITE_ONCE(vcam->fail_start, ctrl->val);
		break;
	case VCAM_CID_FAIL_PREPARE:
		WRITE_ONCE(vcam->fail_prepare, ctrl->val);
		break;
	case VCAM_CID_DISCONNECT_AFTER:
		WRITE_ONCE(vcam->disconnect_after, ctrl->val);
		break;
	case VCAM_CID_ATOMIC_PERCENT:
		WRITE_ONCE(vcam->atomic_percent, ctrl->val);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static const struct v4l2_ctrl_ops vcam_ctrl_ops = {
	.s_ctrl = vcam_s_ctrl,
};

static const char * const vcam_patterns[] = {
	"Color Bars",
	"Gradient",
	"Checkerboard",
	"Black",
	NULL,
};

/*
 * Error injection. v4l2-compliance writes every control's minimum, maximum
 * and default in turn, so none of these acts when written: each is a
 * setting the next stream obeys, and the default is always "off". Only
 * root (CAP_SYS_ADMIN) may write them, and like every control only while
 * no other owner's stream exists.
 */
static const struct v4l2_ctrl_config vcam_inject_ctrls[] = {
	{
		.ops = &vcam_ctrl_ops,
		.id = VCAM_CID_DROP_PERCENT,
		.name = "Drop Frames (%)",
		.type = V4L2_CTRL_TYPE_INTEGER,
		.min = 0,
		.max = 100,
		.step = 1,
	}, {
		.ops = &vcam_ctrl_ops,
		.id = VCAM_CID_FAIL_START,
		.name = "Fail Start Streaming",
		.type = V4L2_CTRL_TYPE_BOOLEAN,
		.max = 1,
		.step = 1,
	}, {
		.ops = &vcam_ctrl_ops,
		.id = VCAM_CID_FAIL_PREPARE,
		.name = "Fail Buffer Prepare",
		.type = V4L2_CTRL_TYPE_BOOLEAN,
		.max = 1,
		.step = 1,
	}, {
		.ops = &vcam_ctrl_ops,
		.id = VCAM_CID_DISCONNECT_AFTER,
		.name = "Disconnect After Frames",
		.type = V4L2_CTRL_TYPE_INTEGER,
		.min = 0,
		.max = 1000000,
		.step = 1,
	}, {
		/*
		 * As a driver completing some frames from an interrupt
		 * handler (uvcvideo's URB completion) and others from a
		 * thread: camguard defers the first to its work item and
		 * must still complete every frame in order.
		 */
		.ops = &vcam_ctrl_ops,
		.id = VCAM_CID_ATOMIC_PERCENT,
		.name = "Complete Atomically (%)",
		.type = V4L2_CTRL_TYPE_INTEGER,
		.min = 0,
		.max = 100,
		.step = 1,
	},
};

static int vcam_init_ctrls(struct vcam *vcam)
{
	struct v4l2_ctrl_handler *hdl = &vcam->ctrls;
	unsigned int i;

	/*
	 * The handler keeps its own lock: the core holds vcam->lock around
	 * every ioctl, control ioctls included. s_ctrl only publishes values
	 * with WRITE_ONCE for the generator and the vb2 callbacks.
	 */
	v4l2_ctrl_handler_init(hdl, 2 + ARRAY_SIZE(vcam_inject_ctrls));
	v4l2_ctrl_new_std(hdl, &vcam_ctrl_ops, V4L2_CID_BRIGHTNESS,
			  0, 255, 1, 128);
	v4l2_ctrl_new_std_menu_items(hdl, &vcam_ctrl_ops,
				     V4L2_CID_TEST_PATTERN,
				     VCAM_PATTERN_COUNT - 1, 0, 0,
				     vcam_patterns);
	for (i = 0; i < ARRAY_SIZE(vcam_inject_ctrls); i++)
		v4l2_ctrl_new_custom(hdl, &vcam_inject_ctrls[i], NULL);
	if (hdl->error)
		return hdl->error;
	vcam->v4l2_dev.ctrl_handler = hdl;
	/* Apply the defaults through s_ctrl so the settings start coherent. */
	return v4l2_ctrl_handler_setup(hdl);
}

/* ---- devices ---- */

static void vcam_unregister(struct vcam *vcam)
{
	mutex_lock(&vcam->unregister_lock);
	if (video_is_registered(&vcam->vdev)) {
		/* Streaming stops first; then camguard revokes channels. */
		vb2_video_unregister_device(&vcam->vdev);
		camguard_camera_unregister(vcam->cg);
		vcam->cg = NULL;
	}
	mutex_unlock(&vcam->unregister_lock);
}

static void vcam_disconnect_work(struct work_struct *work)
{
	struct vcam *vcam = container_of(work, struct vcam,
					    disconnect_work);

	dev_info(vcam->v4l2_dev.dev, "disconnect injected after %u frames\n",
		 READ_ONCE(vcam->disconnect_after));
	vcam_unregister(vcam);
}

/* The v4l2_device release: the last reference is gone. */
static void vcam_free(struct v4l2_device *v4l2_dev)
{
	struct vcam *vcam = container_of(v4l2_dev, struct vcam, v4l2_dev);

	v4l2_ctrl_handler_free(&vcam->ctrls);
	v4l2_device_unregister(&vcam->v4l2_dev);
	mutex_destroy(&vcam->unregister_lock);
	mutex_destroy(&vcam->lock);
	kfree(vcam);
}

static int vcam_init_queue(struct vcam *vcam)
{
	struct vb2_queue *q = &vcam->queue;

	q->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	q->io_modes = VB2_MMAP | VB2_USERPTR | VB2_DMABUF | VB2_READ;
	q->drv_priv = vcam;
	q->buf_struct_size = sizeof(struct vcam_buffer);
	q->ops = &vcam_qops;
	q->mem_ops = &vb2_vmalloc_memops;
	q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC |
			     V4L2_BUF_FLAG_TSTAMP_SRC_EOF;
	vcam_vb2_set_min_queued(q, 1);
	q->lock = &vcam->lock;
	q->dev = vcam->v4l2_dev.dev;
	return vb2_queue_init(q);
}

static void vcam_init_vdev(struct vcam *vcam)
{
	struct video_device *vdev = &vcam->vdev;

	snprintf(vdev->name, sizeof(vdev->name), "camguard-%u", vcam->index);
	vdev->fops = &vcam_fops;
	vdev->ioctl_ops = &vcam_ioctl_ops;
	vdev->release = video_device_release_empty;
	vdev->v4l2_dev = &vcam->v4l2_dev;
	vdev->queue = &vcam->queue;
	vdev->lock = &vcam->lock;
	vdev->vfl_dir = VFL_DIR_RX;
	vdev->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING |
			    V4L2_CAP_READWRITE;
	video_set_drvdata(vdev, vcam);
}

static int vcam_probe(struct platform_device *pdev)
{
	char name[32];
	struct vcam *vcam;
	int ret;

	vcam = kzalloc(sizeof(*vcam), GFP_KERNEL);
	if (!vcam)
		return -ENOMEM;

	vcam->index = pdev->id;
	mutex_init(&vcam->lock);
	mutex_init(&vcam->unregister_lock);
	spin_lock_init(&vcam->buf_lock);
	INIT_LIST_HEAD(&vcam->buf_list);
	INIT_WORK(&vcam->disconnect_work, vcam_disconnect_work);
	vcam->fps = VCAM_DEF_FPS;
	vcam->pix.pixelformat = V4L2_PIX_FMT_YUYV;
	vcam->pix.width = 640;
	vcam->pix.height = 480;
	vcam_fmt_adjust(vcam, &vcam->pix);

	ret = v4l2_device_register(&pdev->dev, &vcam->v4l2_dev);
	if (ret)
		goto err_free;
	/* From here on the refcount frees vcam: errors go to err_put. */
	vcam->v4l2_dev.release = vcam_free;

	ret = vcam_init_ctrls(vcam);
	if (ret)
		goto err_put;
	ret = vcam_init_queue(vcam);
	if (ret)
		goto err_put;
	vcam_init_vdev(vcam);
	ret = video_register_device(&vcam->vdev, VFL_TYPE_VIDEO, -1);
	if (ret)
		goto err_put;
	snprintf(name, sizeof(name), "camguard virtual camera %u",
		 vcam->index);
	vcam->cg = camguard_camera_register(&vcam->vdev, name);
	if (IS_ERR(vcam->cg)) {
		ret = PTR_ERR(vcam->cg);
		vb2_video_unregister_device(&vcam->vdev);
		goto err_put;
	}

	dev_info(&pdev->dev, "camguard virtual camera %u is %s\n",
		 vcam->index, video_device_node_name(&vcam->vdev));
	return 0;

err_put:
	v4l2_device_put(&vcam->v4l2_dev);
	return ret;
err_free:
	mutex_destroy(&vcam->unregister_lock);
	mutex_destroy(&vcam->lock);
	kfree(vcam);
	return ret;
}

static void vcam_remove(struct platform_device *pdev)
{
	struct vcam *vcam = vcam_from_dev(&pdev->dev);

	/* Streaming stops here; after it no thread can queue the work. */
	vcam_unregister(vcam);
	cancel_work_sync(&vcam->disconnect_work);
	v4l2_device_put(&vcam->v4l2_dev);
}

/* ---- sysfs: /sys/bus/platform/devices/camguard.N/stats/ ---- */

struct vcam_stat_attr {
	struct device_attribute attr;
	size_t offset;		/* of an atomic64_t in struct vcam_stats */
};

static ssize_t vcam_stat_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct vcam_stat_attr *sa = container_of(attr,
						    struct vcam_stat_attr,
						    attr);
	struct vcam *vcam = vcam_from_dev(dev);
	atomic64_t *counter = (void *)&vcam->stats + sa->offset;

	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(counter));
}

static struct vcam_stat_attr vcam_stat_attrs[] = {
	{ __ATTR(frames_done, 0444, vcam_stat_show, NULL),
	  offsetof(struct vcam_stats, frames_done) },
	{ __ATTR(frames_dropped, 0444, vcam_stat_show, NULL),
	  offsetof(struct vcam_stats, frames_dropped) },
	{ __ATTR(frames_late, 0444, vcam_stat_show, NULL),
	  offsetof(struct vcam_stats, frames_late) },
	{ __ATTR(frames_drop_injected, 0444, vcam_stat_show, NULL),
	  offsetof(struct vcam_stats, frames_drop_injected) },
	{ __ATTR(frames_done_atomic, 0444, vcam_stat_show, NULL),
	  offsetof(struct vcam_stats, frames_done_atomic) },
	{ __ATTR(streams, 0444, vcam_stat_show, NULL),
	  offsetof(struct vcam_stats, streams) },
};

static struct attribute *vcam_stat_attr_list[] = {
	&vcam_stat_attrs[0].attr.attr,
	&vcam_stat_attrs[1].attr.attr,
	&vcam_stat_attrs[2].attr.attr,
	&vcam_stat_attrs[3].attr.attr,
	&vcam_stat_attrs[4].attr.attr,
	&vcam_stat_attrs[5].attr.attr,
	NULL,
};

static const struct attribute_group vcam_stat_group = {
	.name = "stats",
	.attrs = vcam_stat_attr_list,
};

static const struct attribute_group *vcam_groups[] = {
	&vcam_stat_group,
	NULL,
};

static struct platform_driver vcam_driver = {
	.probe = vcam_probe,
	VCAM_PLATFORM_REMOVE(vcam_remove),
	.driver = {
		.name = VCAM_DRIVER,
		.dev_groups = vcam_groups,
	},
};

static unsigned int cameras = 2;
module_param(cameras, uint, 0444);
MODULE_PARM_DESC(cameras, "number of virtual cameras, 1 to 16 (default 2)");

static void vcam_remove_devices(void)
{
	while (vcam_count)
		platform_device_unregister(vcam_pdevs[--vcam_count]);
}

static int __init vcam_module_init(void)
{
	struct platform_device *pdev;
	int ret;

	if (!cameras || cameras > VCAM_MAX_CAMERAS) {
		pr_err("cameras=%u: must be 1 to %u\n", cameras,
		       VCAM_MAX_CAMERAS);
		return -EINVAL;
	}

	ret = platform_driver_register(&vcam_driver);
	if (ret)
		return ret;

	for (vcam_count = 0; vcam_count < cameras; vcam_count++) {
		pdev = platform_device_register_simple(VCAM_DRIVER,
						       vcam_count, NULL, 0);
		if (IS_ERR(pdev)) {
			ret = PTR_ERR(pdev);
			vcam_remove_devices();
			platform_driver_unregister(&vcam_driver);
			return ret;
		}
		vcam_pdevs[vcam_count] = pdev;
	}
	pr_info("%u virtual cameras\n", cameras);
	return 0;
}

static void __exit vcam_module_exit(void)
{
	vcam_remove_devices();
	platform_driver_unregister(&vcam_driver);
}

module_init(vcam_module_init);
module_exit(vcam_module_exit);

MODULE_DESCRIPTION("camguard virtual camera: a V4L2 capture driver that tags its frames through camguard");
MODULE_AUTHOR("camguard developers");
MODULE_LICENSE("GPL");
