// SPDX-License-Identifier: GPL-2.0
/*
 * Stream identities, and the start and end of a stream.
 */
#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "internal.h"

static atomic64_t last_stream_id = ATOMIC64_INIT(0);

u64 cg_stream_new_id(void)
{
	s64 last = atomic64_read(&last_stream_id);
	s64 next;

	/*
	 * max(last + 1, boot-time ns): allocation takes longer than a
	 * nanosecond, so every id handed out before a reload is below the
	 * clock reading of any allocation after it.
	 */
	do {
		next = max_t(s64, last + 1, ktime_get_boottime_ns());
	} while (!atomic64_try_cmpxchg(&last_stream_id, &last, next));

	return next;
}

static void stream_free_rcu(struct rcu_head *rcu)
{
	struct cg_stream *stream = container_of(rcu, struct cg_stream, rcu);

	/* put_user_ns() only queues work when it drops the last reference. */
	cg_owner_release(&stream->owner);
	kfree(stream);
}

/*
 * Begin a new stream of @owner on @cam, ending the previous one; @fh is the
 * queue owner (struct v4l2_fh) it belongs to. Caller holds cam->lock.
 */
int cg_stream_begin(struct camguard_camera *cam, const struct cg_owner *owner,
		    void *fh)
{
	struct cg_stream *stream;

	lockdep_assert_held(&cam->lock);

	stream = kzalloc(sizeof(*stream), GFP_KERNEL);
	if (!stream)
		return -ENOMEM;
	/* Copied first: @owner may be the ending stream's. */
	cg_owner_copy(&stream->owner, owner);
	/* A new owner file has fresh buffers, exported by nobody yet. */
	if (fh != cam->owner_fh)
		WRITE_ONCE(cam->exported, false);
	cg_stream_end(cam);

	stream->id = cg_stream_new_id();
	rcu_assign_pointer(cam->stream, stream);
	cam->owner_fh = fh;
	atomic64_inc(&cam->streams);
	cg_changed();
	cg_event_stream(cam, stream, CAMGUARD_CMD_STREAM_START, NULL);
	return 0;
}

/* End @cam's stream, if any. Caller holds cam->lock. */
void cg_stream_end(struct camguard_camera *cam)
{
	struct cg_stream *stream;

	lockdep_assert_held(&cam->lock);

	stream = rcu_dereference_protected(cam->stream,
					   lockdep_is_held(&cam->lock));
	if (!stream)
		return;
	RCU_INIT_POINTER(cam->stream, NULL);
	cam->owner_fh = NULL;
	cg_changed();
	/* Every withheld frame is reported, even the last few. */
	cg_audit_withheld(cam, stream, 0);
	cg_event_stream(cam, stream, CAMGUARD_CMD_STREAM_STOP, NULL);
	call_rcu(&stream->rcu, stream_free_rcu);
}
