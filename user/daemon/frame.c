// SPDX-License-Identifier: MIT
/*
 * One dequeued frame, from DQBUF to QBUF:
 *
 *   1. nobody authenticated is watching the camera: requeue, nothing else;
 *      a sequence number not above the last verified frame's is dropped
 *      (sequence_repeat): displays would refuse it as a replay, and its
 *      event cannot be told from the other frame's (seen with uvcvideo
 *      and a camera that ends some frames with a header-only payload);
 *   2. find the kernel's event for (camera, sequence) on each watching
 *      display's channel, never waiting for one (see frame_process());
 *   3. SHA-256 of the bytes dequeued must be the digest in the tag, or the
 *      frame is dropped (digest_mismatch); no event: missing_event; a tag
 *      without digest, or of memory others may reach: unverified;
 *   4. encode JPEG once, then for every watching display a record with
 *      the raw tag and MAC of ITS channel's event, sealed under ITS key,
 *      queued on its connection (which may drop it when full).
 *
 * The frame's bytes are only read while the buffer is dequeued; the JPEG
 * lives in the encoder until the next frame; each record is a heap copy
 * owned by the connection's queue from cg_display_queue() on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>

#include "daemon.h"
#include "jpeg.h"
#include "log.h"
#include "record.h"

#define LOG_EVERY_MS	5000	/* per camera, for per-frame problems */
#define GONE_WAIT_MS	500	/* for the kernel's word on a camera gone */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* SHA-256 of the bytes dequeued, as the kernel computes a tag's digest. */
static int frame_digest(const void *data, size_t len,
			uint8_t digest[CAMGUARD_DIGEST_LEN])
{
	unsigned int n = 0;

	if (!EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) ||
	    n != CAMGUARD_DIGEST_LEN)
		return -EIO;
	return 0;
}

/*
 * A per-frame problem, logged at most every LOG_EVERY_MS per camera and
 * kind: a new kind of problem shows at once.
 */
static void frame_problem(struct cg_camera *cam, enum cg_frame_problem kind,
			  const char *what, uint32_t sequence, uint64_t count)
{
	uint64_t now = cg_now_ms(), *last = &cam->last_problem_ms[kind];

	if (*last && now - *last < LOG_EVERY_MS)
		return;
	*last = now;
	cg_warn(cam->mod, "frame %u dropped: %s (%llu so far)", sequence,
		what, (unsigned long long)count);
}

/* Displays of @cam with an authenticated connection and room for a record. */
static unsigned int watchers(struct cg_worker *w, struct cg_camera *cam,
			     struct cg_display **out)
{
	unsigned int i, n = 0;

	for (i = 0; i < w->n_displays; i++) {
		struct cg_display *d = &w->displays[i];

		/*
		 * A display whose queue is full loses this frame (counted by
		 * cg_display_room()); it is not hashed or encoded for it.
		 */
		if (d->usable && d->cam == cam && cg_display_room(d))
			out[n++] = d;
	}
	return n;
}

/* Events for @seq of each watcher into @ev; how many are still missing. */
static unsigned int find_events(struct cg_display **ds, unsigned int n,
				uint32_t seq,
				const struct cg_frame_event **ev)
{
	unsigned int i, missing = 0;

	for (i = 0; i < n; i++) {
		if (!ev[i])
			ev[i] = cg_channel_find(ds[i]->chan, seq);
		if (!ev[i])
			missing++;
	}
	return missing;
}

static void seal_and_queue(struct cg_worker *w, struct cg_display *d,
			   const struct cg_frame_event *ev,
			   const struct cg_frame *f, const uint8_t *jpeg,
			   size_t jpeg_len)
{
	struct cg_record_header h = {
		.version = CG_RECORD_VERSION,
		.payload_type = CG_RECORD_TYPE_JPEG,
		.channel_id = d->chan->id,
		.sequence = f->sequence,
		.stream_id = ev->stream_id,
	};
	size_t len = cg_record_wire_len(jpeg_len);
	uint8_t *rec;
	long n;

	h.capture_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC) +
		       f->mono_ns;
	h.send_ns = clock_ns(CLOCK_REALTIME);
	memcpy(h.tag, ev->tag, CG_TAG_LEN);
	memcpy(h.kernel_mac, ev->mac, CAMGUARD_MAC_LEN);
	rec = malloc(len);
	if (!rec) {
		d->cam->st.errors++;
		return;
	}
	n = cg_record_encode(&h, jpeg, jpeg_len, d->hmac, rec, len);
	if (n < 0) {
		d->cam->st.errors++;
		free(rec);
		return;
	}
	cg_display_queue(w, d, rec, (size_t)n);
}

static void frame_process(struct cg_worker *w, struct cg_camera *cam,
			  const struct cg_frame *f)
{
	struct cg_display *ds[CG_CONFIG_MAX_DISPLAYS];
	const struct cg_frame_event *ev[CG_CONFIG_MAX_DISPLAYS] = { NULL };
	uint8_t digest[CAMGUARD_DIGEST_LEN];
	const uint8_t *raw, *jpeg;
	size_t raw_len, jpeg_len;
	uint32_t fourcc, bpl;
	unsigned int n, i, have = 0;
	int ret;

	n = watchers(w, cam, ds);
	if (!n)
		return;
	if (cam->verified && f->sequence <= cam->last_sequence) {
		cam->st.sequence_repeat++;
		frame_problem(cam, CG_FRAME_SEQUENCE_REPEAT,
			      "sequence number not above the last frame's",
			      f->sequence, cam->st.sequence_repeat);
		return;
	}

	/*
	 * The kernel puts a frame's event on the socket before it completes
	 * the buffer (camguard_vb2_buffer_done()), so whatever event this
	 * frame has is queued by now: read what is there, without waiting.
	 * One that is not there was lost (socket full) or never sent, and
	 * waiting for it would only hold up this worker's displays.
	 */
	if (find_events(ds, n, f->sequence, ev) &&
	    cg_channel_receive(w, 0) >= 0 && !w->restart)
		find_events(ds, n, f->sequence, ev);
	if (w->restart)
		return;

	for (i = 0; i < n; i++) {
		struct cg_frame_tag tag;

		if (!ev[i])
			continue;
		cg_frame_tag_unpack(ev[i]->tag, &tag);
		if (tag.flags & (CAMGUARD_TAG_F_NO_DIGEST |
				 CAMGUARD_TAG_F_SHARED_MEMORY)) {
			cam->st.unverified++;
			frame_problem(cam, CG_FRAME_UNVERIFIED,
				      tag.flags & CAMGUARD_TAG_F_NO_DIGEST ?
				      "the kernel's tag has no digest (module loaded with digest=0)" :
				      "the kernel cannot vouch for the buffer (memory shared outside the owner's file)",
				      f->sequence, cam->st.unverified);
			return;
		}
		if (!have) {
			if (frame_digest(f->data, f->len, digest) < 0) {
				cam->st.errors++;
				return;
			}
			have = 1;
		}
		if (tag.payload_len != f->len ||
		    memcmp(tag.digest, digest, sizeof(digest))) {
			cam->st.digest_mismatch++;
			frame_problem(cam, CG_FRAME_DIGEST_MISMATCH,
				      "SHA-256 of the buffer differs from the kernel's tag",
				      f->sequence, cam->st.digest_mismatch);
			return;
		}
	}
	if (!have) {
		cam->st.missing_event++;
		frame_problem(cam, CG_FRAME_MISSING_EVENT,
			      "no frame event from the kernel", f->sequence,
			      cam->st.missing_event);
		return;
	}
	/* The kernel vouched for this sequence number: later ones must grow. */
	cam->verified = true;
	cam->last_sequence = f->sequence;

	ret = cg_capture_encodable(cam, f, &raw, &raw_len, &fourcc, &bpl);
	if (!ret)
		ret = cg_jpeg_encode(w->jpeg, raw, raw_len, fourcc, cam->width,
				     cam->height, bpl, cam->quality, &jpeg,
				     &jpeg_len);
	if (ret < 0) {
		cam->st.errors++;
		frame_problem(cam, CG_FRAME_ENCODE_FAILED,
			      "conversion or JPEG encoding failed",
			      f->sequence, cam->st.errors);
		return;
	}
	cam->st.encoded++;
	if (jpeg_len > w->max_payload) {
		cam->st.too_big++;
		frame_problem(cam, CG_FRAME_TOO_BIG,
			      "JPEG above max_record_size", f->sequence,
			      cam->st.too_big);
		return;
	}
	for (i = 0; i < n; i++) {
		if (!ev[i]) {
			/* This display's event is late or lost: only it skips. */
			cam->st.missing_event++;
			continue;
		}
		seal_and_queue(w, ds[i], ev[i], f, jpeg, jpeg_len);
	}
}

/*
 * The camera's fd is readable: take every finished buffer. A node that
 * fails (ENODEV, EIO: the camera went away) sets w->restart.
 */
int cg_frame_handle(struct cg_worker *w, struct cg_camera *cam)
{
	struct cg_frame f;
	unsigned int i;
	int ret;

	for (i = 0; i < cam->n_bufs; i++) {
		ret = cg_capture_dequeue(cam, &f);
		if (ret == -EAGAIN)
			return 0;
		if (ret < 0)
			goto gone;
		if (ret == 0)
			frame_process(w, cam, &f);
		ret = cg_capture_requeue(cam, &f);
		if (ret < 0)
			goto gone;
		if (w->restart)
			return 0;
	}
	return 0;
gone:
	cg_err(cam->mod, "%s: %s: restarting the worker", cam->devnode,
	       strerror(-ret));
	w->restart = true;
	/*
	 * A camera unplugged loses its node first, then camguard revokes its
	 * channels (CAMERA_GONE): wait a little for that, so the log says why.
	 */
	cg_channel_receive(w, GONE_WAIT_MS);
	return ret;
}
