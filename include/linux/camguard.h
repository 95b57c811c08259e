/* SPDX-License-Identifier: GPL-2.0 */
/*
 * camguard in-kernel API: owner tags for the frames of any vb2 capture
 * driver.
 *
 * A driver adopts camguard by registering its video node and replacing
 * the vb2 helpers that reach the queue's owner or buffers with the camguard
 * ones, which have the same signatures and call the vb2 helpers themselves:
 *
 *   after video_register_device():   cam = camguard_camera_register(vdev, name)
 *   on disconnect / remove, after
 *   vb2_video_unregister_device():   camguard_camera_unregister(cam)
 *
 *   v4l2_ioctl_ops .vidioc_reqbufs     = camguard_vb2_ioctl_reqbufs
 *                  .vidioc_create_bufs = camguard_vb2_ioctl_create_bufs
 *                  .vidioc_querybuf    = camguard_vb2_ioctl_querybuf
 *                  .vidioc_qbuf        = camguard_vb2_ioctl_qbuf
 *                  .vidioc_prepare_buf = camguard_vb2_ioctl_prepare_buf
 *                  .vidioc_expbuf      = camguard_vb2_ioctl_expbuf
 *                  (dqbuf, streamon, streamoff, remove_bufs: the vb2_ioctl_*
 *                  helpers, which already refuse every file but the owner)
 *   v4l2_file_operations .release      = camguard_vb2_fop_release
 *                        .mmap         = camguard_vb2_fop_mmap
 *                        .read         = camguard_vb2_fop_read   (if VB2_READ)
 *                        .poll         = camguard_vb2_fop_poll
 *
 *   every setter of the stream's settings (S_FMT, S_PARM, S_INPUT, ...
 *   and the control handler's s_ctrl):
 *                             ret = camguard_vb2_may_configure(q, cred)
 *
 *   vb2_ops.start_streaming:  ret = camguard_vb2_streaming_start(q, &fmt, &info)
 *   vb2_ops.stop_streaming:   camguard_vb2_streaming_stop(q), after the
 *                             hardware stopped, before returning buffers
 *   before writing a frame:   if (camguard_vb2_buffer_muted(vb)) write nothing
 *   buffer done path:         camguard_vb2_buffer_done(vb, state)
 *                             instead of vb2_buffer_done(vb, state)
 *
 * The queue must have q->lock set and the video_device must have ->queue
 * set (the vb2_ioctl_* helpers need both anyway).
 *
 * A driver that keeps its own idea of which file owns the queue and calls
 * vb2_reqbufs() and friends itself (uvcvideo's "privileges"), and may not
 * set vdev->queue, uses the same calls for streaming and completion, and
 * instead of the ioctl and fop helpers:
 *
 *   cam = camguard_camera_register_queue(vdev, q, name)
 *   when a file becomes the owner:   ret = camguard_vb2_set_owner(q, fh,
 *                                          file->f_cred)  (q->lock held;
 *                                    -EACCES on a camera bound to another
 *                                    owner: the driver refuses the call)
 *   when it stops being one:         camguard_vb2_set_owner(q, NULL, NULL)
 *   .mmap:                           camguard_vb2_mmap(q, file, vma)
 *   .poll:                           camguard_vb2_poll(q, file, wait)
 *
 * and refuses QUERYBUF, QBUF, DQBUF, EXPBUF and STREAMON to every file but
 * the owner itself, as uvcvideo does.
 *
 * With these, no file other than the queue owner's reaches the bytes of
 * the owner's buffers (include/uapi/linux/camguard.h, "Buffers"): the
 * others cannot map, query, export, queue, dequeue or read them, poll for
 * them, or release the queue by closing their file.
 *
 * camguard_vb2_buffer_done() digests the payload with SHA-256, tags the
 * frame with its owner, delivers frame events to the channels of that
 * owner and then calls vb2_buffer_done(). It needs the plane's kernel
 * mapping (vb2_plane_vaddr()). It may be called from any context: in
 * preemptible process context (a kthread, a threaded interrupt handler, a
 * work item) it does all that at once, yielding the CPU between 64 KiB
 * chunks of the digest; in interrupt context, with interrupts disabled or
 * under a spinlock it queues the buffer to a high-priority work item that
 * does it, in order, since digesting a frame takes milliseconds. It never
 * waits for userspace. Do not call it under rcu_read_lock().
 *
 * Locking: the ioctl and fop helpers run under the queue lock, as the vb2
 * helpers do, except camguard_vb2_fop_mmap(), which must not be called
 * with it held (mmap runs under the mm's mmap_lock). camguard_camera_unregister()
 * may sleep and must not be called with that lock held.
 */
#ifndef _LINUX_CAMGUARD_H
#define _LINUX_CAMGUARD_H

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/poll.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/videodev2.h>

struct camguard_camera;
struct v4l2_buffer;
struct v4l2_create_buffers;
struct v4l2_exportbuffer;
struct v4l2_fh;
struct v4l2_requestbuffers;
struct vb2_buffer;
struct vb2_queue;
struct video_device;
enum vb2_buffer_state;

/* What a driver may want to know of the stream it starts (e.g. to stamp). */
struct camguard_stream_info {
	u64 stream_id;
	kuid_t owner_euid;
	kgid_t owner_egid;
	unsigned int camera;		/* camguard camera id */
};

/*
 * Register a capture node; returns the camera or an ERR_PTR. @name is a
 * human-readable description (copied). Camera ids are the lowest free.
 */
struct camguard_camera *camguard_camera_register(struct video_device *vdev,
						 const char *name);
/* The same for a driver whose queue is not vdev->queue (see above). */
struct camguard_camera *
camguard_camera_register_queue(struct video_device *vdev, struct vb2_queue *q,
			       const char *name);
/*
 * Disconnect: ends the current stream and revokes every channel attached
 * to the camera. Call after vb2_video_unregister_device() (so nothing can
 * stream any more), without the queue lock held. NULL is a no-op, so an
 * error path may call it whether or not registration got that far.
 */
void camguard_camera_unregister(struct camguard_camera *cam);

int camguard_vb2_ioctl_reqbufs(struct file *file, void *priv,
			       struct v4l2_requestbuffers *p);
int camguard_vb2_ioctl_create_bufs(struct file *file, void *priv,
				   struct v4l2_create_buffers *p);
/* Only the queue owner: every other file gets -EBUSY, counted and audited. */
int camguard_vb2_ioctl_querybuf(struct file *file, void *priv,
				struct v4l2_buffer *p);
/* Also -EACCES for USERPTR memory in a shared mapping. */
int camguard_vb2_ioctl_qbuf(struct file *file, void *priv,
			    struct v4l2_buffer *p);
int camguard_vb2_ioctl_prepare_buf(struct file *file, void *priv,
				   struct v4l2_buffer *p);
/* After an export the owner's frames carry CAMGUARD_TAG_F_SHARED_MEMORY. */
int camguard_vb2_ioctl_expbuf(struct file *file, void *priv,
			      struct v4l2_exportbuffer *p);
/* Only the queue owner's file maps buffers; without the queue lock. */
int camguard_vb2_fop_mmap(struct file *file, struct vm_area_struct *vma);
/* Only the owner's close releases the queue (unlike 6.12's vb2). */
int camguard_vb2_fop_release(struct file *file);
ssize_t camguard_vb2_fop_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos);
__poll_t camguard_vb2_fop_poll(struct file *file, poll_table *wait);

/* The mmap and poll helpers for a queue that is not vdev->queue. */
int camguard_vb2_mmap(struct vb2_queue *q, struct file *file,
		      struct vm_area_struct *vma);
__poll_t camguard_vb2_poll(struct vb2_queue *q, struct file *file,
			   poll_table *wait);

/*
 * For drivers that track the owning file themselves: @fh (the file's
 * private_data, opened with @cred) becomes the owner of @q, or with @fh
 * NULL nobody is. A new owner begins a stream; no owner ends it. -EACCES
 * when the camera is bound to another owner (counted and audited), -EBUSY
 * while another file owns the queue. Call with q->lock held.
 */
int camguard_vb2_set_owner(struct vb2_queue *q, struct v4l2_fh *fh,
			   const struct cred *cred);

/*
 * From the driver's start_streaming (queue lock held): begins tagging for
 * the queue owner's stream in format @fmt (single- or multi-planar video
 * capture; used to draw black while the camera is muted). Each start after the first within the
 * same ownership ends the stream and begins a new one, so stream ids change
 * every time streaming starts. Returns 0 and fills @info (may be NULL), or
 * a negative errno the driver must return (after giving back its buffers).
 */
int camguard_vb2_streaming_start(struct vb2_queue *q,
				 const struct v4l2_format *fmt,
				 struct camguard_stream_info *info);

/*
 * May @cred change the camera's settings (format, rate, input, controls)?
 * 0 if so; -EBUSY while another owner's stream exists, -EACCES when the
 * idle camera is bound to another owner (both counted and audited). An
 * ioctl handler passes file->f_cred; s_ctrl, which has no file, passes
 * current_cred() (it runs in the caller's ioctl). Call with q->lock held
 * (vdev->lock = q->lock holds it around control ioctls too), so that no
 * stream can begin between the check and the change. Before the camera is
 * registered, 0.
 */
int camguard_vb2_may_configure(struct vb2_queue *q, const struct cred *cred);

/*
 * Call before writing a frame into @vb, from any context. Returns true if
 * the camera is muted: camguard has filled the buffer with black and the
 * driver must write no picture into it (and still complete it with
 * camguard_vb2_buffer_done()), so that no picture byte reaches a buffer
 * userspace may have mapped. A driver whose hardware writes buffers by DMA
 * must not hand a buffer to the hardware when this returns true.
 */
bool camguard_vb2_buffer_muted(struct vb2_buffer *vb);

/* vb2_buffer_done() with a tag; see above for the contexts. */
void camguard_vb2_buffer_done(struct vb2_buffer *vb,
			      enum vb2_buffer_state state);

/*
 * From the driver's stop_streaming, once the hardware no longer completes
 * buffers: waits for buffers still being tagged after an interrupt-context
 * camguard_vb2_buffer_done(). May sleep.
 */
void camguard_vb2_streaming_stop(struct vb2_queue *q);

#endif /* _LINUX_CAMGUARD_H */
