/* SPDX-License-Identifier: GPL-2.0 */
/*
 * camguard internal declarations shared between the module's parts.
 * Cross-file symbols carry the cg_ prefix; file-local helpers none.
 *
 * Objects and their locks
 * -----------------------
 *   cg_lock (mutex, core.c)   the camera and channel tables, every channel's
 *                             attachment, camera bindings, the limits; also
 *                             keeps a camera alive in mmap(), which cannot
 *                             take q->lock.
 *   cam->lock (mutex)         the camera's current stream and its format.
 *   RCU                       readers of cam->stream and cam->chans on the
 *                             frame path, which takes no lock at all.
 *
 * Lock order: the driver's queue lock (q->lock) > the mm's mmap_lock >
 * cg_lock > cam->lock > vb2's q->mmap_lock. The vb2 helpers run under
 * q->lock and take cam->lock only (vb2 itself takes mmap_lock under q->lock
 * to pin USERPTR pages or copy out read() data); camguard_vb2_fop_mmap()
 * runs under mmap_lock and takes cg_lock, cam->lock, then vb2_mmap() takes
 * q->mmap_lock; netlink requests take cg_lock then cam->lock;
 * camguard_camera_unregister() takes q->lock, then cg_lock. Nothing under
 * cg_lock or cam->lock touches user memory.
 *
 * Lifetimes: a camera is freed (after an RCU grace period) by
 * camguard_camera_unregister(), after its stream has ended and its channels
 * were revoked. A stream is freed after a grace period when it ends. A
 * channel is freed after a grace period when revoked; it holds a reference
 * to its socket until then.
 */
#ifndef _CG_INTERNAL_H
#define _CG_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/videodev2.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>

#include <linux/camguard.h>
#include <uapi/linux/camguard.h>

struct crypto_shash;
struct sock;
struct vb2_buffer;
struct vb2_queue;
struct video_device;

/*
 * The credential that owns a stream or a channel, snapshotted from a
 * struct cred. f_cred never changes for the life of a file, so neither does
 * the owner of a stream, whoever later holds the fd.
 */
struct cg_owner {
	kuid_t euid;
	kgid_t egid;
	struct user_namespace *user_ns;	/* counted reference */
};

/* A snapshot of @cred without a reference: valid while @cred is. */
static inline struct cg_owner cg_owner_of(const struct cred *cred)
{
	return (struct cg_owner){ cred->euid, cred->egid, cred->user_ns };
}

/* *dst = *src, with dst's own reference to the user namespace. */
void cg_owner_copy(struct cg_owner *dst, const struct cg_owner *src);
void cg_owner_init(struct cg_owner *owner, const struct cred *cred);
void cg_owner_release(struct cg_owner *owner);
bool cg_owner_equal(const struct cg_owner *a, const struct cg_owner *b);
bool cg_owner_is_cred(const struct cg_owner *owner, const struct cred *cred);
/* The owner's euid as seen from the initial user namespace. */
u32 cg_owner_uid(const struct cg_owner *owner);
/* The user charged for what @owner holds (owner.c; uapi "Limits"). */
kuid_t cg_owner_user(const struct cg_owner *owner);

/* Counters of a camera, a stream or a channel (enum camguard_stat). */
struct cg_stats {
	atomic64_t tagged;
	atomic64_t delivered;
	atomic64_t withheld;
	atomic64_t dropped;
};

/* The frame format of a stream, for drawing black when muted. */
struct cg_frame_fmt {
	u32 pixelformat;
	u32 width;
	u32 height;
	u32 bytesperline;
};

struct cg_stream {
	u64 id;
	struct cg_owner owner;
	bool streamed;		/* start_streaming seen; under cam->lock */
	struct cg_stats stats;
	struct rcu_head rcu;
};

struct camguard_camera {
	unsigned int id;
	char name[32];
	char devnode[32];
	struct vb2_queue *queue;	/* lookup key, set at registration */
	struct crypto_shash *sha;	/* "sha256", shared by all frames */

	struct mutex lock;		/* see the top of this file */
	struct cg_stream __rcu *stream;	/* NULL when no file owns the queue */
	void *owner_fh;			/* q->owner of stream; under lock */
	struct cg_frame_fmt fmt;	/* under lock; read by the frame path */

	/*
	 * Buffers completed from interrupt context, tagged by defer_work in
	 * process context. Linked through vb2_buffer.done_entry, which vb2
	 * uses only once vb2_buffer_done() is called. deferred_pending
	 * counts those queued and not yet completed, so that a buffer
	 * completed from process context meanwhile waits its turn behind
	 * them. Both under defer_lock.
	 */
	spinlock_t defer_lock;
	struct list_head deferred;
	unsigned int deferred_pending;
	struct work_struct defer_work;

	/* Channels attached; RCU list, written under cg_lock. */
	struct list_head chans;
	unsigned int nr_chans;		/* under cg_lock */

	bool muted;			/* WRITE_ONCE under cg_lock */
	/*
	 * The owner exported a buffer (EXPBUF): its frames are tagged
	 * SHARED_MEMORY until a new owner's fresh buffers. WRITE_ONCE
	 * under lock; read by the frame path.
	 */
	bool exported;
	bool bound;			/* bound_* valid; under cam->lock */
	kuid_t bound_uid;
	kgid_t bound_gid;

	struct cg_stats stats;
	atomic64_t streams;
	atomic64_t refused;

	/* Withheld frames not yet reported to the audit group. */
	atomic64_t audit_withheld;
	unsigned long audit_next;	/* jiffies */

	struct rcu_head rcu;
};

struct cg_chan {
	u32 id;
	u32 flags;			/* CAMGUARD_CHAN_F_* */
	char name[CAMGUARD_NAME_MAX + 1];
	struct cg_owner owner;
	kuid_t user;			/* cg_owner_user(&owner), charged */
	struct sock *sk;		/* counted reference; events go here */
	u32 portid;
	struct crypto_shash *hmac;	/* "hmac(sha256)" keyed with the key */

	struct camguard_camera *cam;		/* attached camera; under cg_lock */
	struct list_head cam_node;	/* in cam->chans */

	struct cg_stats stats;
	struct rcu_work free_work;
};

/* core.c: tables, limits, generation counter for dumps */
extern struct mutex cg_lock;
extern struct xarray cg_cameras;	/* id -> struct camguard_camera */
extern struct xarray cg_chans;		/* id -> struct cg_chan */
extern atomic_t cg_gen;
extern unsigned int cg_max_channels;
extern unsigned int cg_max_channels_per_user;
extern unsigned int cg_max_attach_per_camera;
extern bool cg_digest_enabled;
void cg_changed(void);
struct camguard_camera *cg_camera_of_queue(struct vb2_queue *q);

/* vb2.c */
void cg_vb2_defer_work(struct work_struct *work);

/* stream.c */
u64 cg_stream_new_id(void);
int cg_stream_begin(struct camguard_camera *cam, const struct cg_owner *owner,
		    void *fh);
void cg_stream_end(struct camguard_camera *cam);

/* tag.c: the frame path */
size_t cg_fill_black(const struct cg_frame_fmt *fmt, unsigned int plane,
		     u8 *p, size_t len);
void cg_frame_done(struct camguard_camera *cam, struct cg_stream *stream,
		   struct vb2_buffer *vb);

/* chan.c */
struct cg_chan *cg_chan_new(const struct cred *cred, struct sock *sk,
			    u32 portid, const char *name, const u8 *key,
			    u32 flags, struct netlink_ext_ack *extack);
struct cg_chan *cg_chan_find(u32 id, struct sock *sk);
int cg_chan_attach(struct cg_chan *chan, struct camguard_camera *cam,
		   struct netlink_ext_ack *extack);
void cg_chan_revoke(struct cg_chan *chan, enum camguard_reason reason);
void cg_chan_revoke_camera(struct camguard_camera *cam, enum camguard_reason reason);
void cg_chan_revoke_all(enum camguard_reason reason);
int cg_chan_init(void);
void cg_chan_exit(void);

/* netlink.c */
int cg_netlink_init(void);
void cg_netlink_exit(void);

/* events.c: every message sent unasked, and attributes replies share */
void cg_events_start(struct genl_family *registered);
struct sk_buff *cg_event_new(u8 cmd, size_t payload, void **hdr, gfp_t gfp);
int cg_event_frame(struct cg_chan *chan, const struct camguard_camera *cam,
		   const struct camguard_frame_tag *tag, const u8 *mac);
void cg_event_revoked(struct cg_chan *chan, enum camguard_reason reason);
void cg_event_stream(struct camguard_camera *cam, struct cg_stream *stream,
		     u8 cmd, struct cg_chan *only);
bool cg_event_has_listeners(unsigned int group);
void cg_event_multicast(struct sk_buff *skb, void *hdr, unsigned int group,
			gfp_t gfp);
size_t cg_stream_stats_size(void);
int cg_put_stats(struct sk_buff *skb, const struct cg_stats *stats,
		 const struct camguard_camera *cam);
int cg_put_owner(struct sk_buff *skb, const struct cg_owner *owner,
		 struct user_namespace *ns);

/* audit.c */
struct cg_audit {
	enum camguard_reason reason;
	enum camguard_limit limit;	/* reason LIMIT */
	const struct camguard_camera *cam;
	u64 stream_id;
	u32 chan_id;
	kuid_t uid;
	kgid_t gid;
	kuid_t user;			/* charged: rate-limited per user */
	u64 count;
};

void cg_audit_init(void);
void cg_audit_exit(void);
void cg_audit(const struct cg_audit *a);
void cg_audit_cred(enum camguard_reason reason, const struct cred *cred,
		   const struct camguard_camera *cam, u32 chan_id);
void cg_audit_withheld(struct camguard_camera *cam,
		       const struct cg_stream *stream, unsigned int n);

#endif /* _CG_INTERNAL_H */
