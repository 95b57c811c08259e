/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * camguard generic netlink family: frame tags, display channels, audit.
 *
 * Family "camguard" (CAMGUARD_GENL_NAME), version CAMGUARD_GENL_VERSION,
 * initial network namespace only. Attribute validation is strict: unknown
 * attributes, wrong types, integers of the wrong size, strings too long
 * or without their NUL, unknown flag bits and missing attributes are
 * refused with -EINVAL; values out of range (a camera id above 65535,
 * channel id 0, CAM_MUTED above 1) and a CHAN_KEY of the wrong length
 * with -ERANGE; each with an extended ack naming the attribute. Every
 * refusal by camguard carries an extack message; a refusal by one of the
 * rules below (sender not the opener, not an admin, another owner's
 * camera, a bound camera, a limit) also an audit event. A camera id that
 * names no camera gets -ENOENT from every command.
 *
 * Documentation/netlink/specs/camguard.yaml describes the family for the
 * kernel's ynl tools; make spec-check keeps it equal to this file, name
 * for name and value for value.
 *
 * The generic netlink core answers some requests before camguard sees
 * them, without an extack: an unknown command (or an event's number), a
 * do request of a dump-only command (STREAM_GET, CHAN_GET) or a dump of a
 * do-only one get -EOPNOTSUPP; a message shorter than the genetlink
 * header gets -EINVAL; a message whose length is wrong gets no answer.
 *
 * Credentials
 * -----------
 * An owner is a credential: effective uid, effective gid and user
 * namespace. Two owners are equal only if all three are.
 *
 * - Frames: the owner of a stream is the f_cred of the file that became
 *   the vb2 queue owner (REQBUFS/CREATE_BUFS with count > 0, or the first
 *   read()/poll() that starts file I/O). Passing that fd on (fork,
 *   SCM_RIGHTS) or changing uid after open does not change it.
 * - Requests: every request (and every dump) must come from a process whose
 *   credential equals that of the opener of the netlink socket it is sent
 *   on; otherwise -EPERM ("sender is not the opener of this socket"). A
 *   socket passed to another process cannot act for it.
 * - Channels: owned by the requesting credential; bound to the socket that
 *   created them. Only that socket can attach, detach or delete them (other
 *   sockets get -ENOENT), except that an admin may delete any channel.
 * - Admin: CAP_NET_ADMIN in the initial user namespace, held both by the
 *   sender and by the socket's opener (netlink_capable()).
 *
 * uids and gids in requests and replies are in the caller's user
 * namespace (65534 when unmapped); in a frame tag they are in the initial
 * user namespace.
 *
 * Streams
 * -------
 * A stream starts when a file becomes the queue owner and ends when it
 * stops being the owner (REQBUFS 0, close, disconnect). Each time the
 * owner starts streaming again within the same ownership, the stream ends
 * and a new one starts (so a stream's sequence numbers never repeat).
 * Stream ids are 64-bit, never reused while the module is loaded nor after
 * a reload in the same boot.
 *
 * Channels and frames
 * -------------------
 * A channel is attached to at most one camera. Attach succeeds only if the
 * camera's current stream owner (or, with no stream, the owner the camera
 * is bound to, if any) equals the channel's owner. Every frame is checked
 * again: a frame reaches a channel only if the frame's owner equals the
 * channel's owner; otherwise it is withheld and counted (camera, stream
 * and channel statistics; audit event). Frame events are queued on the
 * channel's socket without waiting: when its receive buffer is full the
 * event is dropped and counted (CAMGUARD_STAT_EVENTS_DROPPED, and the
 * socket's own drop count, SO_MEMINFO SK_MEMINFO_DROPS). Each queued frame
 * event is charged under 1 KiB of the buffer (measured on x86-64: 768
 * bytes on 6.1, about 940 on 6.12), so the default 208 KiB holds over
 * 200 frames' events; a reader that may fall further behind raises
 * SO_RCVBUF.
 *
 * Buffers
 * -------
 * No file other than the stream owner's reaches the bytes of the owner's
 * buffers, by any path: only the owner's file may mmap() the queue, QUERYBUF,
 * EXPBUF, QBUF, DQBUF, PREPARE_BUF, allocate buffers or read(); another file's
 * poll() asking for input gets EPOLLERR, its close() never releases the
 * queue, and the others get -EBUSY (-EACCES on a camera bound to another
 * owner). Buffers are fresh (zeroed) for every new owner, and mappings made
 * before a change of owner keep the old memory, never the new owner's.
 * USERPTR memory in a shared mapping (MAP_SHARED, shared memory, a
 * memfd) is refused with -EACCES, since the camera would write into pages
 * others map; memory the owner brings or exports is flagged in every tag
 * (CAMGUARD_TAG_F_SHARED_MEMORY). While a stream exists only its owner may
 * change the camera's settings (format, rate, input, controls: -EBUSY for
 * others); on a bound camera only the bound owner (-EACCES). Each such
 * refusal counts in the camera's CAMGUARD_STAT_REFUSED and is audited
 * (CAMGUARD_REASON_NOT_STREAM_OWNER, or CAMERA_BOUND).
 *
 * Mute
 * ----
 * While a camera is muted no picture byte reaches any buffer userspace can
 * map, in any memory type: the driver asks camguard before it writes a
 * frame and writes nothing but black while muted. A frame the driver had
 * begun when the mute request arrived is overwritten with black before it
 * is handed back. Only an admin can unmute.
 *
 * A channel dies, with a CAMGUARD_CMD_CHAN_REVOKED event to its socket
 * where one is left to read it, when: it is deleted (CHAN_DEL), detached
 * (CHAN_DETACH), its socket is closed, its camera disconnects, it is
 * evicted (see "Limits"), or the module unloads.
 *
 * Limits
 * ------
 * No user can take from another what the tables hold. Channels are charged
 * to a user: the owner's euid in the initial user namespace, or, for an
 * owner inside a user namespace, the user who created the outermost
 * namespace below the initial one (as the kernel's own per-user counts
 * do). A user's channels are counted together across all its user
 * namespaces, uids mapped into them, sockets and processes. CHAN_NEW
 * fails with -ENOSPC when:
 * - max_channels channels exist (CAMGUARD_LIMIT_CHANNELS);
 * - the user holds max_channels_per_user channels
 *   (CAMGUARD_LIMIT_CHANNELS_PER_USER);
 * - the user holds channels already and fewer than max_channels / 8
 *   (rounded up) are free: those are kept for users who hold none
 *   (CAMGUARD_LIMIT_CHANNELS_RESERVED).
 * A camera holds max_attach_per_camera channels. While it is idle and
 * unbound anyone may attach (no frame reaches a channel of another owner
 * anyway), but such a channel cannot keep the camera's rightful owner out:
 * when the owner of its current stream, or the owner it is bound to,
 * attaches to a full camera, channels of other owners are revoked
 * (CAMGUARD_REASON_EVICTED), the latest attached first, to make room.
 * CHAN_ATTACH fails with -ENOSPC (CAMGUARD_LIMIT_ATTACH_PER_CAMERA) only
 * when the camera is full of the attaching owner's own channels, or of
 * anyone's while it has no rightful owner.
 * Each refusal names its limit in the extack message and in the audit
 * event (LIMIT, and USER_UID, the user charged); each eviction is audited
 * too. The module parameters are writable; lowering one never revokes a
 * channel, it only refuses new ones.
 *
 * Audit rate
 * ----------
 * Audit events are rate-limited per user (the user charged as above, of
 * the actor refused or of the owner of withheld frames): a user's first
 * 20 events in a second are sent, the rest are summed, one summary per
 * reason, camera, channel and owner (up to eight per user a second; past
 * those, one more for the rest), sent within about a second of the
 * burst's end with SUPPRESSED set. One user's flood thus never hides
 * another user's events, and nothing is lost from the tally.
 */
#ifndef _UAPI_LINUX_CAMGUARD_H
#define _UAPI_LINUX_CAMGUARD_H

#include <linux/types.h>

#define CAMGUARD_GENL_NAME		"camguard"
#define CAMGUARD_GENL_VERSION		1
#define CAMGUARD_MCGRP_AUDIT		"audit"

#define CAMGUARD_KEY_LEN		32	/* channel key, bytes */
#define CAMGUARD_MAC_LEN		32	/* HMAC-SHA256 */
#define CAMGUARD_DIGEST_LEN		32	/* SHA-256 */
#define CAMGUARD_NAME_MAX		31	/* channel name, bytes without NUL */

/*
 * Frame tag: CAMGUARD_A_FRAME_TAG of a CAMGUARD_CMD_FRAME event, exactly
 * sizeof(struct camguard_frame_tag) = 72 bytes, all fields little endian.
 *
 * CAMGUARD_A_FRAME_MAC = HMAC-SHA256(channel key, the 72 tag bytes as
 * received). The tag names its channel, so a MAC cannot be moved from one
 * channel's event to another's.
 */
struct camguard_frame_tag {
	__u8	version;	/* CAMGUARD_TAG_VERSION */
	__u8	flags;		/* CAMGUARD_TAG_F_* */
	__le16	camera;		/* camera id */
	__le32	sequence;	/* V4L2 buffer sequence */
	__le64	stream_id;
	__le64	timestamp_ns;	/* the buffer's CLOCK_MONOTONIC timestamp */
	__le32	payload_len;	/* bytes covered by digest (all planes) */
	__le32	owner_uid;	/* frame owner's euid, initial user ns */
	__le32	owner_gid;	/* frame owner's egid, initial user ns */
	__le32	channel_id;	/* the channel this event was made for */
	__u8	digest[CAMGUARD_DIGEST_LEN];	/* SHA-256 of the payload */
};

#define CAMGUARD_TAG_VERSION		1

/* The payload was replaced by black: the camera is muted. */
#define CAMGUARD_TAG_F_MUTED		0x01
/* digest is all zero: the module was loaded with digest=0 (benchmarks). */
#define CAMGUARD_TAG_F_NO_DIGEST	0x02
/*
 * The buffer's memory is reachable outside the owner's file: USERPTR or
 * imported DMABUF memory that the owner brought, or an MMAP buffer the
 * owner exported with VIDIOC_EXPBUF. The kernel cannot vouch that nobody
 * else read the bytes or changed them after the digest; a consumer that
 * needs that guarantee (camguardd) refuses such frames.
 */
#define CAMGUARD_TAG_F_SHARED_MEMORY	0x04

/* CAMGUARD_A_CHAN_FLAGS */
/* Also send CAMGUARD_CMD_STREAM_START/STOP events to this channel. */
#define CAMGUARD_CHAN_F_STREAM_EVENTS	0x01
#define CAMGUARD_CHAN_F_ALL		CAMGUARD_CHAN_F_STREAM_EVENTS

enum camguard_cmd {
	CAMGUARD_CMD_UNSPEC,

	/*
	 * CAM_GET: one camera (CAM_ID) or dump of all.
	 * Reply per camera: CAM_ID, CAM_NAME, CAM_DEVNODE, CAM_MUTED,
	 * CAM_BOUND_UID and CAM_BOUND_GID (only if bound), STATS (TAGGED,
	 * DELIVERED, WITHHELD, EVENTS_DROPPED, STREAMS, REFUSED), and
	 * STREAM_ID, OWNER_UID, OWNER_GID, STREAMING of the current stream if
	 * there is one and the caller owns it or is admin.
	 */
	CAMGUARD_CMD_CAM_GET,

	/*
	 * STREAM_GET: dump of current streams; a caller sees its own, an
	 * admin all. Per stream: CAM_ID, STREAM_ID, OWNER_UID, OWNER_GID,
	 * STREAMING, STATS (TAGGED, DELIVERED, WITHHELD, EVENTS_DROPPED).
	 */
	CAMGUARD_CMD_STREAM_GET,

	/*
	 * CHAN_NEW: CHAN_NAME (required), CHAN_KEY (optional; generated from
	 * the kernel RNG when absent), CHAN_FLAGS (optional).
	 * Reply: CHAN_ID, CHAN_NAME, CHAN_KEY. The key is returned here once
	 * and never again. Errors: -ENOSPC when the owner's or the global
	 * channel limit is reached ("Limits" above: module parameters
	 * max_channels, max_channels_per_user).
	 */
	CAMGUARD_CMD_CHAN_NEW,

	/* CHAN_DEL: CHAN_ID. -ENOENT if not a channel of this socket. */
	CAMGUARD_CMD_CHAN_DEL,

	/*
	 * CHAN_GET: dump of channels; a caller sees its own (any socket), an
	 * admin all. Per channel: CHAN_ID, CHAN_NAME, CHAN_FLAGS, OWNER_UID,
	 * OWNER_GID, CAM_ID (if attached), STATS (DELIVERED, WITHHELD,
	 * EVENTS_DROPPED). Never the key.
	 */
	CAMGUARD_CMD_CHAN_GET,

	/*
	 * CHAN_ATTACH: CHAN_ID, CAM_ID. Errors: -ENOENT (no such channel on
	 * this socket, or no such camera), -EBUSY (already attached), -EACCES
	 * (the camera's current stream or binding belongs to another owner),
	 * -ENOSPC (max_attach_per_camera reached, see "Limits": channels of
	 * other owners are evicted for the camera's rightful owner).
	 */
	CAMGUARD_CMD_CHAN_ATTACH,

	/*
	 * CHAN_DETACH: CHAN_ID. The channel is revoked (and dies). Errors:
	 * -ENOENT (no such channel on this socket), -ENOTCONN (not attached).
	 */
	CAMGUARD_CMD_CHAN_DETACH,

	/*
	 * CAM_BIND (admin): CAM_ID and CAM_BOUND_UID, CAM_BOUND_GID to bind;
	 * CAM_ID alone to unbind. While bound, only a file opened with that
	 * euid and egid can own the camera's queue (others get -EACCES from
	 * REQBUFS, CREATE_BUFS, read and poll), and only channels of that
	 * owner can be attached while it is idle. A current stream of another
	 * owner is not cut off; its frames still reach only its own channels.
	 */
	CAMGUARD_CMD_CAM_BIND,

	/*
	 * CAM_MUTE (admin): CAM_ID, CAM_MUTED (0 or 1). While muted, the
	 * driver writes no picture into any buffer (see "Mute" above), every
	 * payload is black when tagged and handed back, and tags carry
	 * CAMGUARD_TAG_F_MUTED.
	 */
	CAMGUARD_CMD_CAM_MUTE,

	/* Events, kernel to user. */

	/*
	 * FRAME, unicast to a channel: CHAN_ID, CAM_ID, FRAME_TAG, FRAME_MAC,
	 * EVENT_NS (not covered by the MAC; for latency measurements).
	 */
	CAMGUARD_CMD_FRAME,
	/*
	 * STREAM_START / STREAM_STOP, unicast to the channels of the stream's
	 * owner that asked for them (CAMGUARD_CHAN_F_STREAM_EVENTS): CHAN_ID,
	 * CAM_ID, STREAM_ID; STOP adds STATS of the stream.
	 */
	CAMGUARD_CMD_STREAM_START,
	CAMGUARD_CMD_STREAM_STOP,
	/* CHAN_REVOKED, unicast: CHAN_ID, REASON. */
	CAMGUARD_CMD_CHAN_REVOKED,
	/*
	 * AUDIT, to the "audit" multicast group (joining it needs
	 * CAP_NET_ADMIN in the initial user namespace): REASON, COUNT (how
	 * many such refusals or withheld frames this event reports), and as
	 * known: CAM_ID, STREAM_ID, CHAN_ID, OWNER_UID, OWNER_GID (the actor
	 * refused, the owner of the withheld frames or of the evicted
	 * channel, initial user ns), USER_UID (the user charged, see
	 * "Limits"), LIMIT (reason LIMIT: which one). A summary of events
	 * held back by the rate limit ("Audit rate") carries SUPPRESSED: the
	 * number of events it stands for, COUNT then being their total.
	 * FRAME_WITHHELD events have no CHAN_ID: their COUNT sums the frame x
	 * channel pairs withheld on the camera since its previous such event
	 * (at most ten a second per camera, and one when the stream ends).
	 */
	CAMGUARD_CMD_AUDIT,

	__CAMGUARD_CMD_MAX,
};

#define CAMGUARD_CMD_MAX (__CAMGUARD_CMD_MAX - 1)

enum camguard_attr {
	CAMGUARD_A_UNSPEC,
	CAMGUARD_A_PAD,
	CAMGUARD_A_CAM_ID,		/* u32 */
	CAMGUARD_A_CAM_NAME,		/* string (reply only) */
	CAMGUARD_A_CAM_DEVNODE,		/* string, e.g. "video0" (reply) */
	CAMGUARD_A_CAM_MUTED,		/* u8, 0 or 1 */
	CAMGUARD_A_CAM_BOUND_UID,	/* u32 */
	CAMGUARD_A_CAM_BOUND_GID,	/* u32 */
	CAMGUARD_A_STREAM_ID,		/* u64 */
	CAMGUARD_A_STREAMING,		/* u8: frames flowing (reply) */
	CAMGUARD_A_OWNER_UID,		/* u32 (reply, event) */
	CAMGUARD_A_OWNER_GID,		/* u32 (reply, event) */
	CAMGUARD_A_CHAN_ID,		/* u32, from 1 */
	CAMGUARD_A_CHAN_NAME,		/* NUL-terminated, 1..CAMGUARD_NAME_MAX */
	CAMGUARD_A_CHAN_KEY,		/* binary, exactly CAMGUARD_KEY_LEN */
	CAMGUARD_A_CHAN_FLAGS,		/* u32, CAMGUARD_CHAN_F_* */
	CAMGUARD_A_FRAME_TAG,		/* struct camguard_frame_tag */
	CAMGUARD_A_FRAME_MAC,		/* binary, CAMGUARD_MAC_LEN */
	CAMGUARD_A_STATS,		/* nest of CAMGUARD_STAT_* (reply) */
	CAMGUARD_A_REASON,		/* u32, enum camguard_reason (event) */
	CAMGUARD_A_COUNT,		/* u64 (event) */
	CAMGUARD_A_SUPPRESSED,		/* u64 (event) */
	CAMGUARD_A_EVENT_NS,		/* u64: CLOCK_MONOTONIC when queued */
	CAMGUARD_A_LIMIT,		/* u32, enum camguard_limit (event) */
	CAMGUARD_A_USER_UID,		/* u32: user charged (event) */

	__CAMGUARD_A_MAX,
};

#define CAMGUARD_A_MAX (__CAMGUARD_A_MAX - 1)

/* Counters in CAMGUARD_A_STATS, all u64, since the object was created. */
enum camguard_stat {
	CAMGUARD_STAT_UNSPEC,
	CAMGUARD_STAT_PAD,
	CAMGUARD_STAT_FRAMES_TAGGED,	/* frames tagged (camera, stream) */
	CAMGUARD_STAT_FRAMES_DELIVERED,	/* frame events queued to channels */
	CAMGUARD_STAT_FRAMES_WITHHELD,	/* frame x channel pairs refused */
	CAMGUARD_STAT_EVENTS_DROPPED,	/* events lost: reader slow or no memory */
	CAMGUARD_STAT_STREAMS,		/* streams started (camera) */
	CAMGUARD_STAT_REFUSED,		/* ownership, buffer or setting refused (camera) */

	__CAMGUARD_STAT_MAX,
};

#define CAMGUARD_STAT_MAX (__CAMGUARD_STAT_MAX - 1)

/* CAMGUARD_A_REASON: why a request was refused or a channel revoked. */
enum camguard_reason {
	CAMGUARD_REASON_NONE,
	/* refusals (audit) */
	CAMGUARD_REASON_NOT_OPENER,	/* sender is not the socket's opener */
	CAMGUARD_REASON_OWNER_MISMATCH,	/* attach to another owner's camera */
	CAMGUARD_REASON_NOT_ADMIN,	/* admin command without the right */
	CAMGUARD_REASON_CAMERA_BOUND,	/* queue ownership by a non-bound owner */
	CAMGUARD_REASON_LIMIT,		/* a channel or attachment limit */
	CAMGUARD_REASON_FRAME_WITHHELD,	/* frames withheld from a channel */
	/* revocations (CHAN_REVOKED) */
	CAMGUARD_REASON_DELETED,
	CAMGUARD_REASON_DETACHED,
	CAMGUARD_REASON_CAMERA_GONE,
	CAMGUARD_REASON_UNLOAD,
	/* refusals added in version 1 after the above (audit) */
	CAMGUARD_REASON_NOT_STREAM_OWNER,	/* another file's buffers or settings */
	/* revocation (CHAN_REVOKED, audit) */
	CAMGUARD_REASON_EVICTED,	/* room made for the camera's owner */

	__CAMGUARD_REASON_MAX,
};

/* CAMGUARD_A_LIMIT: which limit refused (see "Limits"). */
enum camguard_limit {
	CAMGUARD_LIMIT_NONE,
	CAMGUARD_LIMIT_CHANNELS,		/* max_channels */
	CAMGUARD_LIMIT_CHANNELS_PER_USER,	/* max_channels_per_user */
	CAMGUARD_LIMIT_CHANNELS_RESERVED,	/* kept for users with none */
	CAMGUARD_LIMIT_ATTACH_PER_CAMERA,	/* max_attach_per_camera */

	__CAMGUARD_LIMIT_MAX,
};

#endif /* _UAPI_LINUX_CAMGUARD_H */
