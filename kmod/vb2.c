// SPDX-License-Identifier: GPL-2.0
/*
 * The vb2 integration layer: drop-in replacements for the vb2 helpers that
 * decide who owns a queue, so camguard knows when a stream starts and ends
 * and whose credential its frames carry, and that keep every other file
 * away from the owner's buffers (include/linux/camguard.h).
 *
 * vb2 records the queue owner as a struct v4l2_fh in q->owner. A stream
 * begins when q->owner becomes a file (REQBUFS or CREATE_BUFS with a count,
 * or read()/poll() starting file I/O) and ends when it is cleared (REQBUFS
 * 0, close, disconnect). The owner credential is the f_cred of that file.
 * Every helper but mmap runs under q->lock, which is also what vb2 uses to
 * protect q->owner, and takes cam->lock inside it.
 *
 * The owner's buffers are the owner's alone: vb2 lets any file QUERYBUF
 * and mmap them, and (since 6.12) release the queue while q->owner is
 * still unset; the helpers here refuse every file but the owner's, and
 * q->owner is set before a read() can wait for its first frame.
 */
#include <crypto/hash.h>
#include <linux/capability.h>
#include <linux/export.h>
#include <linux/mm.h>
#include <media/v4l2-dev.h>
#include <media/v4l2-event.h>
#include <media/v4l2-fh.h>
#include <media/videobuf2-v4l2.h>

#include "internal.h"

static struct vb2_queue *queue_of_file(struct file *file)
{
	return video_devdata(file)->queue;
}

/* Count and audit a refusal of @cred's request on @cam. */
static void refuse(struct camguard_camera *cam, enum camguard_reason reason,
		   const struct cred *cred)
{
	atomic64_inc(&cam->refused);
	cg_audit_cred(reason, cred, cam, 0);
}

/* Does @cam's binding (if any) admit @cred? Caller holds cam->lock. */
static bool bound_admits(struct camguard_camera *cam,
			 const struct cred *cred)
{
	lockdep_assert_held(&cam->lock);
	return !cam->bound || (uid_eq(cred->euid, cam->bound_uid) &&
			       gid_eq(cred->egid, cam->bound_gid));
}

/*
 * May a file opened with @cred become the owner of @cam's queue? Only a
 * bound camera refuses, and only files of another owner.
 */
static int may_own(struct camguard_camera *cam, const struct cred *cred)
{
	bool ok;

	mutex_lock(&cam->lock);
	ok = bound_admits(cam, cred);
	mutex_unlock(&cam->lock);
	if (ok)
		return 0;
	refuse(cam, CAMGUARD_REASON_CAMERA_BOUND, cred);
	return -EACCES;
}

/*
 * Is @file another file than the queue owner? Those get -EBUSY from every
 * buffer operation (as vb2_queue_is_busy() makes vb2 answer), counted and
 * audited. Caller holds q->lock.
 */
static int refuse_stranger(struct camguard_camera *cam, struct vb2_queue *q,
			   struct file *file)
{
	if (!vb2_queue_is_busy(q, file))
		return 0;
	refuse(cam, CAMGUARD_REASON_NOT_STREAM_OWNER, file->f_cred);
	return -EBUSY;
}

/*
 * Follow q->owner after a vb2 call that may have changed it: begin a stream
 * for a new owner (always the caller, whose file was opened with @cred:
 * only the caller can become owner), end it when the owner is gone. A
 * failure to begin leaves no owner behind.
 */
static int sync_owner(struct camguard_camera *cam, struct vb2_queue *q,
		      const struct cred *cred)
{
	int ret = 0;

	mutex_lock(&cam->lock);
	if (!q->owner) {
		cg_stream_end(cam);
	} else if (q->owner != cam->owner_fh) {
		struct cg_owner owner = cg_owner_of(cred);

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
static int before_own(struct camguard_camera *cam, struct vb2_queue *q,
		      struct file *file, u32 count)
{
	if (!count || q->owner)
		return 0;
	return may_own(cam, file->f_cred);
}

int camguard_vb2_ioctl_reqbufs(struct file *file, void *priv,
			       struct v4l2_requestbuffers *p)
{
	struct vb2_queue *q = queue_of_file(file);
	struct camguard_camera *cam = cg_camera_of_queue(q);
	int ret, sync;

	if (!cam)
		return vb2_ioctl_reqbufs(file, priv, p);
	ret = before_own(cam, q, file, p->count);
	if (ret)
		return ret;
	ret = vb2_ioctl_reqbufs(file, priv, p);
	sync = sync_owner(cam, q, file->f_cred);
	return ret ?: sync;
}
EXPORT_SYMBOL_GPL(camguard_vb2_ioctl_reqbufs);

int camguard_vb2_ioctl_create_bufs(struct file *file, void *priv,
				   struct v4l2_create_buffers *p)
{
	struct vb2_queue *q = queue_of_file(file);
	struct camguard_camera *cam = cg_camera_of_queue(q);
	int ret, sync;

	if (!cam)
		return vb2_ioctl_create_bufs(file, priv, p);
	ret = before_own(cam, q, file, p->count);
	if (ret)
		return ret;
	ret = vb2_ioctl_create_bufs(file, priv, p);
	sync = sync_owner(cam, q, file->f_cred);
	return ret ?: sync;
}
EXPORT_SYMBOL_GPL(camguard_vb2_ioctl_create_bufs);

/*
 * Is [start, start + len) of the caller's memory in private mappings only?
 * The camera writes into USERPTR pages: pages of a shared mapping (a
 * MAP_SHARED file, shared memory, a memfd) are mapped by whoever else maps
 * that object. Private pages are pinned for writing, which breaks
 * copy-on-write, so they are the caller's alone. Holes are left for vb2
 * to refuse when it pins the pages.
 */
static int userptr_private(unsigned long start, unsigned long len)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long addr = start, end;
	int ret = 0;

	if (!mm || check_add_overflow(start, len, &end))
		return 0;
	mmap_read_lock(mm);
	while (addr < end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start >= end)
			break;
		if (vma->vm_flags & (VM_SHARED | VM_MAYSHARE)) {
			ret = -EACCES;
			break;
		}
		addr = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return ret;
}

/* Every USERPTR plane of a QBUF or PREPARE_BUF in private memory. */
static int check_userptr(struct camguard_camera *cam, struct file *file,
			 const struct v4l2_buffer *b)
{
	unsigned int i;
	int ret = 0;

	if (b->memory != V4L2_MEMORY_USERPTR)
		return 0;
	if (!V4L2_TYPE_IS_MULTIPLANAR(b->type)) {
		ret = userptr_private(b->m.userptr, b->length);
	} else if (b->m.planes) {
		for (i = 0; i < min_t(u32, b->length, VIDEO_MAX_PLANES) && !ret;
		     i++)
			ret = userptr_private(b->m.planes[i].m.userptr,
					      b->m.planes[i].length);
	}
	if (ret)
		refuse(cam, CAMGUARD_REASON_NOT_STREAM_OWNER, file->f_cred);
	return ret;
}

/*
 * The checks of the buffer ioctls (QUERYBUF, QBUF, PREPARE_BUF, EXPBUF):
 * the queue owner only (vb2 lets anyone QUERYBUF: offsets to mmap,
 * sequences, timestamps), and the USERPTR memory of @b, if any, private.
 */
static int buffer_ioctl_check(struct file *file, const struct v4l2_buffer *b)
{
	struct vb2_queue *q = queue_of_file(file);
	struct camguard_camera *cam = cg_camera_of_queue(q);

	if (!cam)
		return 0;
	return refuse_stranger(cam, q, file) ?:
	       (b ? check_userptr(cam, file, b) : 0);
}

int camguard_vb2_ioctl_querybuf(struct file *file, void *priv,
				struct v4l2_buffer *p)
{
	return buffer_ioctl_check(file, NULL) ?:
	       vb2_ioctl_querybuf(file, priv, p);
}
EXPORT_SYMBOL_GPL(camguard_vb2_ioctl_querybuf);

int camguard_vb2_ioctl_qbuf(struct file *file, void *priv,
			    struct v4l2_buffer *p)
{
	return buffer_ioctl_check(file, p) ?: vb2_ioctl_qbuf(file, priv, p);
}
EXPORT_SYMBOL_GPL(camguard_vb2_ioctl_qbuf);

int camguard_vb2_ioctl_prepare_buf(struct file *file, void *priv,
				   struct v4l2_buffer *p)
{
	return buffer_ioctl_check(file, p) ?:
	       vb2_ioctl_prepare_buf(file, priv, p);
}
EXPORT_SYMBOL_GPL(camguard_vb2_ioctl_prepare_buf);

int camguard_vb2_ioctl_expbuf(struct file *file, void *priv,
			      struct v4l2_exportbuffer *p)
{
	struct camguard_camera *cam;
	int ret;

	ret = buffer_ioctl_check(file, NULL) ?:
	      vb2_ioctl_expbuf(file, priv, p);
	cam = cg_camera_of_queue(queue_of_file(file));
	/* The dmabuf may go anywhere: this owner's frames say so from now. */
	if (!ret && cam) {
		mutex_lock(&cam->lock);
		WRITE_ONCE(cam->exported, true);
		mutex_unlock(&cam->lock);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(camguard_vb2_ioctl_expbuf);

int camguard_vb2_mmap(struct vb2_queue *q, struct file *file,
		      struct vm_area_struct *vma)
{
	struct camguard_camera *cam;
	int ret;

	/*
	 * mmap() runs under the mm's mmap_lock, which is taken under q->lock
	 * elsewhere (USERPTR pinning, read() copying out): q->lock cannot be
	 * taken here. cg_lock keeps the camera alive and cam->lock keeps its
	 * owner (cam->owner_fh, which follows q->owner under q->lock and
	 * cam->lock) for the whole mapping, so the check cannot go stale
	 * before vb2 maps the buffer.
	 */
	mutex_lock(&cg_lock);
	cam = cg_camera_of_queue(q);
	if (!cam) {
		mutex_unlock(&cg_lock);
		return vb2_mmap(q, vma);
	}
	mutex_lock(&cam->lock);
	if (!cam->owner_fh) {
		ret = -EINVAL;		/* no owner: no buffers to map */
	} else if (cam->owner_fh != file->private_data) {
		refuse(cam, CAMGUARD_REASON_NOT_STREAM_OWNER, file->f_cred);
		ret = -EBUSY;
	} else {
		ret = vb2_mmap(q, vma);
	}
	mutex_unlock(&cam->lock);
	mutex_unlock(&cg_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(camguard_vb2_mmap);

int camguard_vb2_fop_mmap(struct file *file, struct vm_area_struct *vma)
{
	return camguard_vb2_mmap(queue_of_file(file), file, vma);
}
EXPORT_SYMBOL_GPL(camguard_vb2_fop_mmap);

int camguard_vb2_fop_release(struct file *file)
{
	struct vb2_queue *q = queue_of_file(file);
	struct camguard_camera *cam;

	mutex_lock(q->lock);
	cam = cg_camera_of_queue(q);
	if (!cam) {
		mutex_unlock(q->lock);
		return vb2_fop_release(file);
	}
	/*
	 * Only the owner's close releases the queue. vb2 (since 6.12) also
	 * releases it when q->owner is unset; here it never is while the
	 * queue has buffers or file I/O, and another file's close must not
	 * end the owner's stream.
	 */
	if (q->owner == file->private_data) {
		vb2_queue_release(q);
		q->owner = NULL;
	}
	mutex_lock(&cam->lock);
	if (!q->owner)
		cg_stream_end(cam);
	mutex_unlock(&cam->lock);
	mutex_unlock(q->lock);
	return v4l2_fh_release(file);
}
EXPORT_SYMBOL_GPL(camguard_vb2_fop_release);

/*
 * read() and poll() may start vb2's file I/O emulation. vb2 makes the file
 * the queue owner only once that call returns, and a blocking read() drops
 * q->lock while it waits for the first frame: meanwhile another file would
 * find no owner, read the same frames or (6.12) release the queue on
 * close. So the file becomes the owner, and its stream begins, before vb2
 * is called (start_streaming finds the stream), and both are undone if
 * file I/O did not start.
 */
static int fileio_begin(struct camguard_camera *cam, struct vb2_queue *q,
			struct file *file, bool *begun)
{
	struct cg_owner owner;
	int ret;

	*begun = false;
	if (q->owner || q->fileio)
		return 0;
	ret = may_own(cam, file->f_cred);
	if (ret)
		return ret;
	owner = cg_owner_of(file->f_cred);
	mutex_lock(&cam->lock);
	ret = cg_stream_begin(cam, &owner, file->private_data);
	mutex_unlock(&cam->lock);
	if (ret)
		return ret;
	q->owner = file->private_data;
	*begun = true;
	return 0;
}

static void fileio_end(struct camguard_camera *cam, struct vb2_queue *q)
{
	if (q->fileio)
		return;
	q->owner = NULL;
	mutex_lock(&cam->lock);
	cg_stream_end(cam);
	mutex_unlock(&cam->lock);
}

ssize_t camguard_vb2_fop_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct vb2_queue *q = queue_of_file(file);
	struct camguard_camera *cam;
	bool begun = false;
	ssize_t ret;

	if (mutex_lock_interruptible(q->lock))
		return -ERESTARTSYS;
	cam = cg_camera_of_queue(q);
	if (cam) {
		ret = refuse_stranger(cam, q, file) ?:
		      fileio_begin(cam, q, file, &begun);
		if (ret)
			goto out;
	} else if (vb2_queue_is_busy(q, file)) {
		ret = -EBUSY;
		goto out;
	}
	ret = vb2_read(q, buf, count, ppos, file->f_flags & O_NONBLOCK);
	/*
	 * A blocking read drops q->lock while it waits for a frame, and the
	 * camera may have been unregistered (and freed) meanwhile: then
	 * vb2_video_unregister_device() released the queue and its owner.
	 */
	cam = cg_camera_of_queue(q);
	if (cam && begun)
		fileio_end(cam, q);
	else if (!cam && q->fileio)
		q->owner = file->private_data;
out:
	mutex_unlock(q->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(camguard_vb2_fop_read);

/* vb2_poll() for a file that does not own the queue: its events only. */
static __poll_t poll_stranger(struct file *file, poll_table *wait)
{
	struct v4l2_fh *fh = file->private_data;
	__poll_t res = 0;

	if (poll_requested_events(wait) & (EPOLLIN | EPOLLRDNORM))
		res = EPOLLERR;
	if (test_bit(V4L2_FL_USES_V4L2_FH, &video_devdata(file)->flags)) {
		poll_wait(file, &fh->wait, wait);
		if (v4l2_event_pending(fh))
			res |= EPOLLPRI;
	}
	return res;
}

__poll_t camguard_vb2_poll(struct vb2_queue *q, struct file *file,
			   poll_table *wait)
{
	struct camguard_camera *cam;
	bool begun = false;
	__poll_t res;

	if (mutex_lock_interruptible(q->lock))
		return EPOLLERR;
	cam = cg_camera_of_queue(q);
	if (cam && vb2_queue_is_busy(q, file)) {
		/* Not counted: a stranger's poll says nothing of the frames. */
		res = poll_stranger(file, wait);
		goto out;
	}
	/* Only a readable poll can start file I/O; see vb2_poll(). */
	if (cam && !q->owner && !q->fileio &&
	    (poll_requested_events(wait) & (EPOLLIN | EPOLLRDNORM)) &&
	    (q->io_modes & VB2_READ) && !vb2_is_busy(q)) {
		if (fileio_begin(cam, q, file, &begun)) {
			res = EPOLLERR;
			goto out;
		}
	}
	res = vb2_poll(q, file, wait);
	if (begun)
		fileio_end(cam, q);
out:
	mutex_unlock(q->lock);
	return res;
}
EXPORT_SYMBOL_GPL(camguard_vb2_poll);

__poll_t camguard_vb2_fop_poll(struct file *file, poll_table *wait)
{
	return camguard_vb2_poll(queue_of_file(file), file, wait);
}
EXPORT_SYMBOL_GPL(camguard_vb2_fop_poll);

int camguard_vb2_set_owner(struct vb2_queue *q, struct v4l2_fh *fh,
			   const struct cred *cred)
{
	struct camguard_camera *cam = cg_camera_of_queue(q);
	int ret;

	lockdep_assert_held(q->lock);
	if (fh && q->owner == fh)
		return 0;
	if (fh && q->owner)	/* the driver lets one file own at a time */
		return -EBUSY;
	if (fh && cam) {
		ret = may_own(cam, cred);
		if (ret)
			return ret;
	}
	q->owner = fh;
	return cam ? sync_owner(cam, q, cred) : 0;
}
EXPORT_SYMBOL_GPL(camguard_vb2_set_owner);

int camguard_vb2_may_configure(struct vb2_queue *q, const struct cred *cred)
{
	struct camguard_camera *cam = cg_camera_of_queue(q);
	enum camguard_reason reason = CAMGUARD_REASON_NONE;
	struct cg_stream *stream;
	int ret = 0;

	if (!cam)	/* not registered yet: the driver's own defaults */
		return 0;
	lockdep_assert_held(q->lock);
	mutex_lock(&cam->lock);
	stream = rcu_dereference_protected(cam->stream,
					   lockdep_is_held(&cam->lock));
	if (stream && !cg_owner_is_cred(&stream->owner, cred)) {
		reason = CAMGUARD_REASON_NOT_STREAM_OWNER;
		ret = -EBUSY;
	} else if (!stream && !bound_admits(cam, cred)) {
		reason = CAMGUARD_REASON_CAMERA_BOUND;
		ret = -EACCES;
	}
	mutex_unlock(&cam->lock);
	if (ret)
		refuse(cam, reason, cred);
	return ret;
}
EXPORT_SYMBOL_GPL(camguard_vb2_may_configure);

/*
 * Pick up a faster SHA-256 driver loaded since the camera registered (an
 * arch module loaded after camguard). No frame is being tagged while
 * streaming starts, so the transform can be swapped. Caller holds cam->lock.
 */
static void camera_refresh_sha(struct camguard_camera *cam)
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
static void frame_fmt_from(struct cg_frame_fmt *ff,
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
	frame_fmt_from(&cam->fmt, fmt);
	camera_refresh_sha(cam);
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
		spin_lock_irq(&cam->defer_lock);
		cam->deferred_pending--;
		spin_unlock_irq(&cam->defer_lock);
	}
}

void camguard_vb2_buffer_done(struct vb2_buffer *vb,
			      enum vb2_buffer_state state)
{
	struct camguard_camera *cam;
	struct cg_stream *stream;
	unsigned long flags;
	bool defer;

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
	 * not in interrupt context, nor under a spinlock. A frame that could
	 * be done here still goes behind frames deferred before it (a driver
	 * that completes from both contexts, as uvcvideo does): frames
	 * complete in the order the driver completed them.
	 */
	defer = !in_task() || !preemptible();
	spin_lock_irqsave(&cam->defer_lock, flags);
	if (defer || cam->deferred_pending) {
		list_add_tail(&vb->done_entry, &cam->deferred);
		cam->deferred_pending++;
		defer = true;
	}
	spin_unlock_irqrestore(&cam->defer_lock, flags);
	if (defer) {
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
