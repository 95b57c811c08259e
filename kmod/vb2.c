// SPDX-License-Identifier: GPL-2.0
/*
 * The vb2 integration layer: drop-in replacements for the vb2 helpers that
 * decide who owns a queue, so camguard knows when a stream starts and ends
 * and whose credential its frames carry (include/linux/camguard.h).
 *
 * vb2 records the queue owner as a struct v4l2_fh in q->owner. A stream
 * begins when q->owner becomes a file (REQBUFS or CREATE_BUFS with a count,
 * or read()/poll() starting file I/O) and ends when it is cleared (REQBUFS
 * 0, close, disconnect). The owner credential is the f_cred of that file.
 * Every helper runs under q->lock, which is also what vb2 uses to protect
 * q->owner, and takes cam->lock inside it.
 */
#include <crypto/hash.h>
#include <linux/export.h>
#include <media/v4l2-dev.h>
#include <media/v4l2-fh.h>
#include <media/videobuf2-v4l2.h>

#include "camguard.h"

static struct vb2_queue *cg_queue_of_file(struct file *file)
{
	return video_devdata(file)->queue;
}

/*
 * May the file @file, opened with @cred, become the owner of @cam's queue?
 * Only a bound camera refuses, and only files of another owner.
 */
static int cg_may_own(struct camguard_camera *cam, struct file *file)
{
	const struct cred *cred = file->f_cred;
	bool ok;

	mutex_lock(&cam->lock);
	ok = !cam->bound || (uid_eq(cred->euid, cam->bound_uid) &&
			     gid_eq(cred->egid, cam->bound_gid));
	mutex_unlock(&cam->lock);
	if (ok)
		return 0;
	atomic64_inc(&cam->refused);
	cg_audit_cred(CAMGUARD_REASON_CAMERA_BOUND, cred, cam, 0);
	return -EACCES;
}

/*
 * Follow q->owner after a vb2 call that may have changed it: begin a stream
 * for a new owner (always @file: only the caller can become owner), end it
 * when the owner is gone. A failure to begin leaves no owner behind.
 */
static int cg_sync_owner(struct camguard_camera *cam, struct vb2_queue *q,
			 struct file *file)
{
	int ret = 0;

	mutex_lock(&cam->lock);
	if (!q->owner) {
		cg_stream_end(cam);
	} else if (q->owner != cam->owner_fh) {
		struct cg_owner owner = cg_owner_of(file->f_cred);

		ret = cg_stream_begin(cam, &owner, q->owner);
		if (ret) {
			vb2_queue_release(q);
			q->owner = NULL;
			cg_stream_end(cam);
		}
	}
	mutex_unlock(&cam->lock);
	return ret;
}

/* The file is about to ask for buffers: check a bound camera first. */
static int cg_before_own(struct camguard_camera *cam, struct vb2_queue *q,
			 struct file *file, u32 count)
{
	if (!count || q->owner)
		return 0;
	return cg_may_own(cam, file);
}

int camguard_vb2_ioctl_reqbufs(struct file *file, void *priv,
			       struct v4l2_requestbuffers *p)
{
	struct vb2_queue *q = cg_queue_of_file(file);
	struct camguard_camera *cam = cg_camera_of_queue(q);
	int ret, sync;

	if (!cam)
		return vb2_ioctl_reqbufs(file, priv, p);
	ret = cg_before_own(cam, q, file, p->count);
	if (ret)
		return ret;
	ret = vb2_ioctl_reqbufs(file, priv, p);
	sync = cg_sync_owner(cam, q, file);
	return ret ?: sync;
}
EXPORT_SYMBOL_GPL(camguard_vb2_ioctl_reqbufs);

int camguard_vb2_ioctl_create_bufs(struct file *file, void *priv,
				   struct v4l2_create_buffers *p)
{
	struct vb2_queue *q = cg_queue_of_file(file);
	struct camguard_camera *cam = cg_camera_of_queue(q);
	int ret, sync;

	if (!cam)
		return vb2_ioctl_create_bufs(file, priv, p);
	ret = cg_before_own(cam, q, file, p->count);
	if (ret)
		return ret;
	ret = vb2_ioctl_create_bufs(file, priv, p);
	sync = cg_sync_owner(cam, q, file);
	return ret ?: sync;
}
EXPORT_SYMBOL_GPL(camguard_vb2_ioctl_create_bufs);

int camguard_vb2_fop_release(struct file *file)
{
	struct vb2_queue *q = cg_queue_of_file(file);
	struct camguard_camera *cam;
	int ret;

	mutex_lock(q->lock);
	cam = cg_camera_of_queue(q);
	/* Releases the queue if this file owns it, then frees the fh. */
	ret = _vb2_fop_release(file, NULL);
	if (cam) {
		mutex_lock(&cam->lock);
		if (!q->owner)
			cg_stream_end(cam);
		mutex_unlock(&cam->lock);
	}
	mutex_unlock(q->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(camguard_vb2_fop_release);

/*
 * read() and poll() may start vb2's file I/O emulation, which makes the
 * file the queue owner only after start_streaming has run: the stream is
 * begun before, so start_streaming finds it, and dropped again if file I/O
 * did not start. These are vb2_fop_read() and vb2_fop_poll() otherwise.
 */
static int cg_fileio_begin(struct camguard_camera *cam, struct vb2_queue *q,
			   struct file *file)
{
	struct cg_owner owner;
	int ret;

	if (q->owner || q->fileio)
		return 0;
	ret = cg_may_own(cam, file);
	if (ret)
		return ret;
	owner = cg_owner_of(file->f_cred);
	mutex_lock(&cam->lock);
	ret = cg_stream_begin(cam, &owner, file->private_data);
	mutex_unlock(&cam->lock);
	return ret;
}

static void cg_fileio_end(struct camguard_camera *cam, struct vb2_queue *q,
			  struct file *file)
{
	if (q->fileio && !q->owner)
		q->owner = file->private_data;
	mutex_lock(&cam->lock);
	if (!q->owner)
		cg_stream_end(cam);
	mutex_unlock(&cam->lock);
}

ssize_t camguard_vb2_fop_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct vb2_queue *q = cg_queue_of_file(file);
	struct camguard_camera *cam;
	ssize_t ret;

	if (mutex_lock_interruptible(q->lock))
		return -ERESTARTSYS;
	if (vb2_queue_is_busy(q, file)) {
		ret = -EBUSY;
		goto out;
	}
	cam = cg_camera_of_queue(q);
	if (cam) {
		ret = cg_fileio_begin(cam, q, file);
		if (ret)
			goto out;
	}
	ret = vb2_read(q, buf, count, ppos, file->f_flags & O_NONBLOCK);
	/*
	 * A blocking read drops q->lock while it waits for a frame, and the
	 * camera may have been unregistered (and freed) meanwhile.
	 */
	cam = cg_camera_of_queue(q);
	if (cam)
		cg_fileio_end(cam, q, file);
	else if (q->fileio)
		q->owner = file->private_data;
out:
	mutex_unlock(q->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(camguard_vb2_fop_read);

__poll_t camguard_vb2_fop_poll(struct file *file, poll_table *wait)
{
	struct vb2_queue *q = cg_queue_of_file(file);
	struct camguard_camera *cam;
	bool begun = false;
	__poll_t res;

	if (mutex_lock_interruptible(q->lock))
		return EPOLLERR;
	cam = cg_camera_of_queue(q);
	/* Only a readable poll can start file I/O; see vb2_poll(). */
	if (cam && !q->owner && !q->fileio &&
	    (poll_requested_events(wait) & (EPOLLIN | EPOLLRDNORM)) &&
	    (q->io_modes & VB2_READ) && !vb2_is_busy(q)) {
		if (cg_fileio_begin(cam, q, file)) {
			res = EPOLLERR;
			goto out;
		}
		begun = true;
	}
	res = vb2_poll(q, file, wait);
	cam = begun ? cg_camera_of_queue(q) : NULL;
	if (cam)
		cg_fileio_end(cam, q, file);
out:
	mutex_unlock(q->lock);
	return res;
}
EXPORT_SYMBOL_GPL(camguard_vb2_fop_poll);

/*
 * Pick up a faster SHA-256 driver loaded since the camera registered (an
 * arch module loaded after camguard). No frame is being tagged while
 * streaming starts, so the transform can be swapped. Caller holds cam->lock.
 */
static void cg_camera_refresh_sha(struct camguard_camera *cam)
{
	struct crypto_shash *sha = crypto_alloc_shash("sha256", 0, 0);

	if (IS_ERR(sha))
		return;
	if (!strcmp(crypto_shash_driver_name(sha),
		    crypto_shash_driver_name(cam->sha))) {
		crypto_free_shash(sha);
		return;
	}
	swap(sha, cam->sha);
	crypto_free_shash(sha);
}

/* What black looks like: the format in either layout. */
static void cg_frame_fmt_from(struct cg_frame_fmt *ff,
			      const struct v4l2_format *fmt)
{
	if (V4L2_TYPE_IS_MULTIPLANAR(fmt->type)) {
		ff->pixelformat = fmt->fmt.pix_mp.pixelformat;
		ff->width = fmt->fmt.pix_mp.width;
		ff->height = fmt->fmt.pix_mp.height;
		ff->bytesperline = fmt->fmt.pix_mp.plane_fmt[0].bytesperline;
	} else {
		ff->pixelformat = fmt->fmt.pix.pixelformat;
		ff->width = fmt->fmt.pix.width;
		ff->height = fmt->fmt.pix.height;
		ff->bytesperline = fmt->fmt.pix.bytesperline;
	}
}

int camguard_vb2_streaming_start(struct vb2_queue *q,
				 const struct v4l2_format *fmt,
				 struct camguard_stream_info *info)
{
	struct camguard_camera *cam = cg_camera_of_queue(q);
	struct cg_stream *stream;
	int ret = 0;

	if (!cam)
		return -ENODEV;
	lockdep_assert_held(q->lock);

	mutex_lock(&cam->lock);
	stream = rcu_dereference_protected(cam->stream,
					   lockdep_is_held(&cam->lock));
	/* The driver bypassed the camguard_vb2_* ownership helpers. */
	if (WARN_ONCE(!stream, "camguard: streaming without a queue owner\n")) {
		ret = -EINVAL;
		goto out;
	}
	/* A new stream each time streaming starts: sequences never repeat. */
	if (stream->streamed) {
		ret = cg_stream_begin(cam, &stream->owner, cam->owner_fh);
		if (ret)
			goto out;
		stream = rcu_dereference_protected(cam->stream,
						   lockdep_is_held(&cam->lock));
	}
	stream->streamed = true;
	cg_frame_fmt_from(&cam->fmt, fmt);
	cg_camera_refresh_sha(cam);
	if (info) {
		info->stream_id = stream->id;
		info->owner_euid = stream->owner.euid;
		info->owner_egid = stream->owner.egid;
		info->camera = cam->id;
	}
out:
	mutex_unlock(&cam->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(camguard_vb2_streaming_start);

/*
 * Tag, deliver and complete the deferred buffers of a camera, in order.
 * The stream cannot end while they are pending: the driver's
 * stop_streaming flushes this work (camguard_vb2_streaming_stop()).
 */
void cg_vb2_defer_work(struct work_struct *work)
{
	struct camguard_camera *cam = container_of(work, struct camguard_camera,
						   defer_work);
	struct cg_stream *stream;
	struct vb2_buffer *vb;

	for (;;) {
		spin_lock_irq(&cam->defer_lock);
		vb = list_first_entry_or_null(&cam->deferred, struct vb2_buffer,
					      done_entry);
		if (vb)
			list_del_init(&vb->done_entry);
		spin_unlock_irq(&cam->defer_lock);
		if (!vb)
			break;
		stream = rcu_access_pointer(cam->stream);
		if (stream)
			cg_frame_done(cam, stream, vb);
		vb2_buffer_done(vb, VB2_BUF_STATE_DONE);
	}
}

void camguard_vb2_buffer_done(struct vb2_buffer *vb,
			      enum vb2_buffer_state state)
{
	struct camguard_camera *cam;
	struct cg_stream *stream;
	unsigned long flags;

	/*
	 * The driver guarantees the queue is streaming, so neither the
	 * camera nor its stream can go away until this returns (both end
	 * only after stop_streaming has returned every buffer).
	 */
	if (state != VB2_BUF_STATE_DONE)
		goto done;
	cam = cg_camera_of_queue(vb->vb2_queue);
	stream = cam ? rcu_access_pointer(cam->stream) : NULL;
	if (!stream)
		goto done;
	/*
	 * Digesting takes milliseconds and yields the CPU between chunks:
	 * not in interrupt context, nor under a spinlock.
	 */
	if (!in_task() || !preemptible()) {
		spin_lock_irqsave(&cam->defer_lock, flags);
		list_add_tail(&vb->done_entry, &cam->deferred);
		spin_unlock_irqrestore(&cam->defer_lock, flags);
		queue_work(system_highpri_wq, &cam->defer_work);
		return;
	}
	cg_frame_done(cam, stream, vb);
done:
	vb2_buffer_done(vb, state);
}
EXPORT_SYMBOL_GPL(camguard_vb2_buffer_done);

void camguard_vb2_streaming_stop(struct vb2_queue *q)
{
	struct camguard_camera *cam = cg_camera_of_queue(q);

	if (cam)
		flush_work(&cam->defer_work);
}
EXPORT_SYMBOL_GPL(camguard_vb2_streaming_stop);
