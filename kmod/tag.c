// SPDX-License-Identifier: GPL-2.0
/*
 * The frame path: black when muted (black.c), the SHA-256 digest of the payload, the
 * tag, and one frame event per channel of the frame's owner, each with an
 * HMAC-SHA256 under that channel's key. Frames meet channels of any other
 * owner only to be withheld and counted.
 *
 * Runs in the driver's buffer-done context (camguard_vb2_buffer_done()):
 * no locks, no sleeping, GFP_NOWAIT allocations; a failure loses the event
 * (counted), never the frame.
 */
#include <crypto/hash.h>
#include <linux/export.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <media/v4l2-common.h>
#include <media/videobuf2-v4l2.h>

#include "internal.h"

/*
 * The arch SHA-256 drivers keep preemption off for a whole update: feed
 * them a chunk at a time and let others run in between (the frame path is
 * in process context, not atomic: see camguard_vb2_buffer_done()).
 */
#define CG_DIGEST_CHUNK	SZ_64K

static int digest_update(struct shash_desc *desc, const u8 *p, u32 len)
{
	u32 n;
	int ret;

	while (len) {
		n = min_t(u32, len, CG_DIGEST_CHUNK);
		ret = crypto_shash_update(desc, p, n);
		if (ret)
			return ret;
		p += n;
		len -= n;
		cond_resched();
	}
	return 0;
}

/*
 * Digest every plane's payload; returns the bytes covered. A plane without
 * a kernel mapping cannot be digested: the tag then says NO_DIGEST.
 */
static u32 digest_frame(struct camguard_camera *cam, struct vb2_buffer *vb,
			bool muted, u8 *digest, u8 *flags)
{
	SHASH_DESC_ON_STACK(desc, cam->sha);
	unsigned int p;
	u32 total = 0;
	bool hash = READ_ONCE(cg_digest_enabled);
	void *vaddr;
	u32 len;

	desc->tfm = cam->sha;
	if (hash && crypto_shash_init(desc))
		hash = false;
	for (p = 0; p < vb->num_planes; p++) {
		vaddr = vb2_plane_vaddr(vb, p);
		len = vb2_get_plane_payload(vb, p);
		if (!vaddr) {
			hash = false;
			continue;
		}
		if (muted) {
			/* A black JPEG is shorter than the picture was */
			len = cg_fill_black(&cam->fmt, p, vaddr, len);
			vb2_set_plane_payload(vb, p, len);
		}
		if (hash && digest_update(desc, vaddr, len))
			hash = false;
		total += len;
	}
	if (!hash || crypto_shash_final(desc, digest)) {
		memset(digest, 0, CAMGUARD_DIGEST_LEN);
		*flags |= CAMGUARD_TAG_F_NO_DIGEST;
	}
	shash_desc_zero(desc);
	return total;
}

/* One frame event for @chan: the tag made for it and its MAC. */
static void deliver(struct cg_chan *chan, struct camguard_camera *cam,
		    struct cg_stream *stream, struct camguard_frame_tag *tag)
{
	SHASH_DESC_ON_STACK(desc, chan->hmac);
	u8 mac[CAMGUARD_MAC_LEN];
	int err;

	tag->channel_id = cpu_to_le32(chan->id);
	desc->tfm = chan->hmac;
	err = crypto_shash_digest(desc, (const u8 *)tag, sizeof(*tag), mac);
	shash_desc_zero(desc);
	if (err)
		atomic64_inc(&chan->stats.dropped);
	/* A lost event is counted on the channel by cg_event_frame(). */
	if (err || cg_event_frame(chan, cam, tag, mac)) {
		atomic64_inc(&stream->stats.dropped);
		atomic64_inc(&cam->stats.dropped);
		return;
	}
	atomic64_inc(&chan->stats.delivered);
	atomic64_inc(&stream->stats.delivered);
	atomic64_inc(&cam->stats.delivered);
}

bool camguard_vb2_buffer_muted(struct vb2_buffer *vb)
{
	struct camguard_camera *cam = cg_camera_of_queue(vb->vb2_queue);
	unsigned int p;
	void *vaddr;

	if (!cam || !READ_ONCE(cam->muted))
		return false;
	/*
	 * Black now, not only at buffer_done: the buffer may be mapped, and
	 * an unmute before it completes must not hand back a stale picture.
	 */
	for (p = 0; p < vb->num_planes; p++) {
		vaddr = vb2_plane_vaddr(vb, p);
		if (vaddr)
			cg_fill_black(&cam->fmt, p, vaddr, vb2_plane_size(vb, p));
	}
	return true;
}
EXPORT_SYMBOL_GPL(camguard_vb2_buffer_muted);

void cg_frame_done(struct camguard_camera *cam, struct cg_stream *stream,
		   struct vb2_buffer *vb)
{
	struct vb2_v4l2_buffer *vbuf = to_vb2_v4l2_buffer(vb);
	struct camguard_frame_tag tag = {
		.version = CAMGUARD_TAG_VERSION,
		.camera = cpu_to_le16(cam->id),
		.sequence = cpu_to_le32(vbuf->sequence),
		.stream_id = cpu_to_le64(stream->id),
		.timestamp_ns = cpu_to_le64(vb->timestamp),
		.owner_uid = cpu_to_le32(cg_owner_uid(&stream->owner)),
		.owner_gid = cpu_to_le32(from_kgid_munged(&init_user_ns,
							  stream->owner.egid)),
	};
	bool muted = READ_ONCE(cam->muted);
	unsigned int withheld = 0;
	struct cg_chan *chan;

	if (muted)
		tag.flags |= CAMGUARD_TAG_F_MUTED;
	/* Memory the owner brought or exported: others may reach it. */
	if (vb->memory != VB2_MEMORY_MMAP || READ_ONCE(cam->exported))
		tag.flags |= CAMGUARD_TAG_F_SHARED_MEMORY;
	tag.payload_len = cpu_to_le32(digest_frame(cam, vb, muted, tag.digest,
						   &tag.flags));
	atomic64_inc(&cam->stats.tagged);
	atomic64_inc(&stream->stats.tagged);

	rcu_read_lock();
	list_for_each_entry_rcu(chan, &cam->chans, cam_node) {
		if (!cg_owner_equal(&chan->owner, &stream->owner)) {
			atomic64_inc(&chan->stats.withheld);
			atomic64_inc(&stream->stats.withheld);
			atomic64_inc(&cam->stats.withheld);
			withheld++;
			continue;
		}
		deliver(chan, cam, stream, &tag);
	}
	rcu_read_unlock();
	if (withheld)
		cg_audit_withheld(cam, stream, withheld);
}
