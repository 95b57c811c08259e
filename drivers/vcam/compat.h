/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernel APIs the virtual camera builds against
 * (6.1 to 6.12). Each VCAM_HAVE_* comes from a header probe in this
 * folder's Kbuild, so a backport that moves an API is followed without
 * touching version numbers. Nothing outside this file tests a VCAM_HAVE_*
 * symbol.
 */
#ifndef _VCAM_COMPAT_H
#define _VCAM_COMPAT_H

#include <linux/platform_device.h>
#include <media/videobuf2-v4l2.h>

/* v6.8 renamed vb2_queue.min_buffers_needed to min_queued_buffers. */
static inline void vcam_vb2_set_min_queued(struct vb2_queue *q, unsigned int n)
{
#ifdef VCAM_HAVE_VB2_MIN_QUEUED_BUFFERS
	q->min_queued_buffers = n;
#else
	q->min_buffers_needed = n;
#endif
}

/*
 * Before v6.8 a queue with q->lock still needed wait_prepare/wait_finish to
 * drop that lock while blocking in DQBUF; later kernels do it themselves and
 * v6.15 removed the helpers.
 */
#ifdef VCAM_HAVE_VB2_OPS_WAIT_PREPARE
#define VCAM_VB2_WAIT_OPS \
	.wait_prepare = vb2_ops_wait_prepare, \
	.wait_finish = vb2_ops_wait_finish,
#else
#define VCAM_VB2_WAIT_OPS
#endif

/* v6.11 made platform_driver.remove return void; before it was remove_new. */
#ifdef VCAM_HAVE_PLATFORM_REMOVE_VOID
#define VCAM_PLATFORM_REMOVE(fn) .remove = (fn)
#else
#define VCAM_PLATFORM_REMOVE(fn) .remove_new = (fn)
#endif

#endif /* _VCAM_COMPAT_H */
