// SPDX-License-Identifier: GPL-2.0
/*
 * Frame generation: one freezable kthread per streaming camera fills the
 * queued buffers on the frame clock. It never blocks on userspace: when no
 * buffer is queued in time the frame is dropped and counted, and the
 * sequence number still advances so gaps show the loss.
 *
 * Lifetime: the thread runs from start_streaming to stop_streaming, both
 * called with vcam->lock held; it never takes that lock, so kthread_stop()
 * from stop_streaming cannot deadlock. vcam->background, ffmt, owner and
 * stream are set before the thread starts and freed after it stopped.
 */
#include <linux/freezer.h>
#include <linux/hrtimer.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/vmalloc.h>

#include "vcam.h"

static struct vcam_buffer *vcam_next_buffer(struct vcam *vcam)
{
	struct vcam_buffer *buf;

	spin_lock(&vcam->buf_lock);
	buf = list_first_entry_or_null(&vcam->buf_list, struct vcam_buffer,
				       list);
	if (buf)
		list_del(&buf->list);
	spin_unlock(&vcam->buf_lock);
	return buf;
}

void vcam_return_all(struct vcam *vcam, enum vb2_buffer_state state)
{
	struct vcam_buffer *buf, *tmp;
	LIST_HEAD(list);

	spin_lock(&vcam->buf_lock);
	list_splice_init(&vcam->buf_list, &list);
	spin_unlock(&vcam->buf_lock);

	list_for_each_entry_safe(buf, tmp, &list, list) {
		list_del(&buf->list);
		vb2_buffer_done(&buf->vb.vb2_buf, state);
	}
}

/* Draw the stamp of include/uapi/linux/camguard_stamp.h over the frame. */
static void vcam_stamp(struct vcam *vcam, u8 *frame, u32 sequence)
{
	const struct vcam_frame_fmt *ffmt = &vcam->ffmt;
	u32 cell = camguard_stamp_cell(ffmt->width, ffmt->height);
	struct camguard_stamp stamp = {
		.camera = vcam->index,
		.owner = from_kuid_munged(&init_user_ns,
					  vcam->stream.owner_euid),
		.stream = lower_32_bits(vcam->stream.stream_id),
		.sequence = sequence,
	};
	u8 payload[CAMGUARD_STAMP_BYTES];
	unsigned int i, col, row;

	camguard_stamp_pack(&stamp, payload);
	for (i = 0; i < CAMGUARD_STAMP_COLS * CAMGUARD_STAMP_ROWS; i++) {
		col = i % CAMGUARD_STAMP_COLS;
		row = i / CAMGUARD_STAMP_COLS;
		vcam_fill_cell(ffmt, frame, cell * (col + 1),
			       cell * (row + 1), cell,
				  camguard_stamp_bit(payload, i));
	}
}

/* Produce frame @sequence; returns true if a buffer was filled. */
static bool vcam_produce(struct vcam *vcam, u32 sequence)
{
	int drop_percent = READ_ONCE(vcam->drop_percent);
	int atomic_percent = READ_ONCE(vcam->atomic_percent);
	struct vcam_buffer *buf;
	struct vb2_buffer *vb;
	u8 *vaddr;

	if (drop_percent && get_random_u32_below(100) < drop_percent) {
		atomic64_inc(&vcam->stats.frames_drop_injected);
		return false;
	}

	buf = vcam_next_buffer(vcam);
	if (!buf) {
		atomic64_inc(&vcam->stats.frames_dropped);
		return false;
	}

	vb = &buf->vb.vb2_buf;
	buf->vb.sequence = sequence;
	buf->vb.field = V4L2_FIELD_NONE;
	vaddr = vb2_plane_vaddr(vb, 0);
	if (!vaddr) {
		vb->timestamp = ktime_get_ns();
		vb2_buffer_done(vb, VB2_BUF_STATE_ERROR);
		return false;
	}

	/* Muted: camguard blacked the buffer; no picture may touch it. */
	if (!camguard_vb2_buffer_muted(vb)) {
		memcpy(vaddr, vcam->background, vcam->ffmt.sizeimage);
		vcam_stamp(vcam, vaddr, sequence);
	}
	vb2_set_plane_payload(vb, 0, vcam->ffmt.sizeimage);
	vb->timestamp = ktime_get_ns();
	/* Tagged (and digested) by camguard before userspace can see it. */
	if (atomic_percent && get_random_u32_below(100) < atomic_percent) {
		unsigned long flags;

		local_irq_save(flags);
		camguard_vb2_buffer_done(vb, VB2_BUF_STATE_DONE);
		local_irq_restore(flags);
		atomic64_inc(&vcam->stats.frames_done_atomic);
	} else {
		camguard_vb2_buffer_done(vb, VB2_BUF_STATE_DONE);
	}
	atomic64_inc(&vcam->stats.frames_done);
	return true;
}

/* Render the background for the picture settings; returns their generation. */
static int vcam_render_picture(struct vcam *vcam)
{
	int gen = atomic_read(&vcam->picture_gen);

	vcam_render(&vcam->ffmt, vcam->background, READ_ONCE(vcam->pattern),
		    READ_ONCE(vcam->brightness));
	return gen;
}

static int vcam_thread(void *data)
{
	struct vcam *vcam = data;
	u64 interval = NSEC_PER_SEC / vcam->fps;
	ktime_t epoch;
	int picture_gen;
	u64 period = 0;
	u32 filled = 0;
	u32 sequence = 0;
	ktime_t deadline;
	u64 late;

	/* Render before the clock starts, so frame 0 is not late. */
	picture_gen = vcam_render_picture(vcam);
	epoch = ktime_get();

	set_freezable();
	for (;;) {
		try_to_freeze();
		if (kthread_should_stop())
			break;

		if (atomic_read(&vcam->picture_gen) != picture_gen)
			picture_gen = vcam_render_picture(vcam);

		if (vcam_produce(vcam, sequence) &&
		    ++filled == READ_ONCE(vcam->disconnect_after))
			schedule_work(&vcam->disconnect_work);
		sequence++;
		period++;

		/*
		 * If the thread overslept whole periods (a starved CPU), the
		 * sensor did not expose those frames: restart the clock from
		 * the frame just made rather than inventing losses in the
		 * sequence. Only frames userspace had no buffer for leave
		 * sequence gaps.
		 */
		deadline = ktime_add_ns(epoch, period * interval);
		late = ktime_to_ns(ktime_sub(ktime_get(), deadline));
		if ((s64)late > 0 && late >= interval) {
			atomic64_add(div64_u64(late, interval),
				     &vcam->stats.frames_late);
			epoch = ktime_get();
			period = 1;
			deadline = ktime_add_ns(epoch, interval);
		}

		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		schedule_hrtimeout(&deadline, HRTIMER_MODE_ABS);
	}
	return 0;
}

int vcam_gen_start(struct vcam *vcam)
{
	struct task_struct *thread;

	lockdep_assert_held(&vcam->lock);

	vcam->background = vzalloc(vcam->ffmt.sizeimage);
	if (!vcam->background)
		return -ENOMEM;

	thread = kthread_run(vcam_thread, vcam, "camguard-%u", vcam->index);
	if (IS_ERR(thread)) {
		vfree(vcam->background);
		vcam->background = NULL;
		return PTR_ERR(thread);
	}
	vcam->thread = thread;
	return 0;
}

void vcam_gen_stop(struct vcam *vcam)
{
	lockdep_assert_held(&vcam->lock);

	if (vcam->thread) {
		kthread_stop(vcam->thread);
		vcam->thread = NULL;
	}
	vfree(vcam->background);
	vcam->background = NULL;
}
