// SPDX-License-Identifier: MIT
/*
 * One dequeued frame, from DQBUF to QBUF:
 *
 *   1. nobody authenticated is watching the camera: requeue, nothing else;
 *   2. a sequence number not above the last verified frame's is dropped
 *      (sequence_repeat): displays would refuse it as a replay, and its
 *      event cannot be told from the other frame's (seen with uvcvideo
 *      and a camera that ends some frames with a header-only payload);
 *   3. find the kernel's event for (camera, sequence) on each watching
 *      display's channel, never waiting for one (see frame_process());
 *   4. SHA-256 of the bytes dequeued must be the digest in the tag, or the
 *      frame is dropped (digest_mismatch); no event: missing_event; a tag
 *      without digest, or of memory others may reach: unverified. The
 *      digest is computed on a second thread (sha256_thread.h) while this
 *      one encodes (step 5), and checked before anything is sent;
 *   5. encode JPEG once and encrypt it once under a fresh random content
 *      key (record version 2), then for every watching display a header
 *      with the raw tag and MAC of ITS channel's event and the content key
 *      wrapped under ITS wrap key, sealed under ITS seal key, queued on its
 *      connection with the shared payload (which may drop it when full).
 *      A display costs a 256-byte header, not a pass over the payload.
 *
 * The frame's bytes are only read while the buffer is dequeued; the JPEG
 * lives in the encoder until the next frame and never leaves the worker
 * in clear; the content key lives on this stack for one frame and is
 * wiped; the encrypted payload is reference counted (struct cg_payload),
 * one reference per queued record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>

#include "daemon.h"
#include "jpeg.h"
#include "log.h"
#include "record.h"
#include "sha256_thread.h"

#define LOG_EVERY_MS	5000	/* per camera, for per-frame problems */
#define GONE_WAIT_MS	5000	/* for the kernel's word on a camera gone */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
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

/* The header fields every display's record of @f shares. */
static void frame_header(const struct cg_frame *f,
			 const struct cg_frame_event *ev, size_t payload_len,
			 struct cg_record_header *h)
{
	uint64_t now = clock_ns(CLOCK_REALTIME);

	memset(h, 0, sizeof(*h));
	h->version = CG_RECORD_VERSION;
	h->payload_type = CG_RECORD_TYPE_JPEG;
	h->payload_len = (uint32_t)payload_len;
	h->sequence = f->sequence;
	/* Same for every display: stream ids come from the kernel per camera. */
	h->stream_id = ev->stream_id;
	h->capture_ns = now - clock_ns(CLOCK_MONOTONIC) + f->mono_ns;
	h->send_ns = now;
}

/*
 * Encrypt @jpeg once into a new payload (one reference, the caller's),
 * under @ck, for header fields @h. NULL on failure (counted by the caller).
 */
static struct cg_payload *encrypt_once(const struct cg_record_header *h,
				       const uint8_t *ck, const uint8_t *jpeg,
				       size_t jpeg_len,
				       uint8_t digest[CG_RECORD_DIGEST_LEN])
{
	size_t len = cg_record_payload_len(jpeg_len);
	struct cg_payload *p = malloc(sizeof(*p) + len);

	if (!p)
		return NULL;
	p->refs = 1;
	p->len = len;
	if (cg_record_encrypt(h, ck, jpeg, jpeg_len, p->data, digest)) {
		free(p);
		return NULL;
	}
	return p;
}

/* @d's header for the frame, sealed, and queued with the shared payload. */
static void seal_and_queue(struct cg_worker *w, struct cg_display *d,
			   const struct cg_frame_event *ev,
			   const struct cg_record_header *common,
			   const uint8_t *ck, const uint8_t *digest,
			   struct cg_payload *payload)
{
	uint8_t header[CG_RECORD_HEADER_LEN];
	struct cg_record_header h = *common;

	h.channel_id = d->chan->id;
	memcpy(h.tag, ev->tag, CG_TAG_LEN);
	memcpy(h.kernel_mac, ev->mac, CAMGUARD_MAC_LEN);
	if (cg_record_seal_header(d->keys, &h, ck, digest, header) < 0) {
		d->cam->st.errors++;
		return;
	}
	cg_display_queue(w, d, header, payload);
}

/*
 * Step 4 for the displays in @ds that have their event: one content key,
 * one encryption, a sealed header each.
 */
static void send_frame(struct cg_worker *w, struct cg_camera *cam,
		       const struct cg_frame *f, struct cg_display **ds,
		       const struct cg_frame_event **ev, unsigned int n,
		       const uint8_t *jpeg, size_t jpeg_len)
{
	uint8_t ck[CG_RECORD_CONTENT_KEY_LEN], digest[CG_RECORD_DIGEST_LEN];
	const struct cg_frame_event *first = NULL;
	struct cg_record_header common;
	struct cg_payload *payload = NULL;
	unsigned int i;

	for (i = 0; i < n && !first; i++)
		first = ev[i];
	frame_header(f, first, cg_record_payload_len(jpeg_len), &common);
	if (!cg_record_content_key(ck))
		payload = encrypt_once(&common, ck, jpeg, jpeg_len, digest);
	if (!payload) {
		cam->st.errors++;
		frame_problem(cam, CG_FRAME_ENCODE_FAILED,
			      "no content key, or encryption failed",
			      f->sequence, cam->st.errors);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!ev[i]) {
			/* This display's event is late or lost: only it skips. */
			cam->st.missing_event++;
			continue;
		}
		/*
		 * The events of one frame name one stream: the kernel's
		 * stream is per camera, whichever channel it is sent to.
		 */
		if (ev[i]->stream_id != common.stream_id) {
			cam->st.errors++;
			continue;
		}
		seal_and_queue(w, ds[i], ev[i], &common, ck, digest, payload);
	}
	cg_payload_put(payload);
out:
	OPENSSL_cleanse(ck, sizeof(ck));
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
		have++;
	}
	if (!have) {
		cam->st.missing_event++;
		frame_problem(cam, CG_FRAME_MISSING_EVENT,
			      "no frame event from the kernel", f->sequence,
			      cam->st.missing_event);
		return;
	}

	/*
	 * The digest check on the hasher's thread while this one encodes:
	 * the two passes over the frame use both CPUs. Nothing of the JPEG
	 * leaves before the check has passed; a frame that fails it cost an
	 * encode for nothing, and is dropped as before.
	 */
	cg_sha256_thread_start(w->hasher, f->data, f->len);
	ret = cg_capture_encodable(cam, f, &raw, &raw_len, &fourcc, &bpl);
	if (!ret)
		ret = cg_jpeg_encode(w->jpeg, raw, raw_len, fourcc, cam->width,
				     cam->height, bpl, cam->quality, &jpeg,
				     &jpeg_len);
	if (cg_sha256_thread_finish(w->hasher, digest) < 0) {
		cam->st.errors++;
		return;
	}
	for (i = 0; i < n; i++) {
		struct cg_frame_tag tag;

		if (!ev[i])
			continue;
		cg_frame_tag_unpack(ev[i]->tag, &tag);
		/* As the kernel computes a tag's digest. */
		if (tag.payload_len != f->len ||
		    memcmp(tag.digest, digest, sizeof(digest))) {
			cam->st.digest_mismatch++;
			frame_problem(cam, CG_FRAME_DIGEST_MISMATCH,
				      "SHA-256 of the buffer differs from the kernel's tag",
				      f->sequence, cam->st.digest_mismatch);
			return;
		}
	}
	/* The kernel vouched for this sequence number: later ones must grow. */
	cam->verified = true;
	cam->last_sequence = f->sequence;

	if (ret < 0) {
		cam->st.errors++;
		frame_problem(cam, CG_FRAME_ENCODE_FAILED,
			      "conversion or JPEG encoding failed",
			      f->sequence, cam->st.errors);
		return;
	}
	cam->st.encoded++;
	/* max_payload bounds the payload as sent: JPEG and GCM tag. */
	if (cg_record_payload_len(jpeg_len) > w->max_payload) {
		cam->st.too_big++;
		frame_problem(cam, CG_FRAME_TOO_BIG,
			      "JPEG above max_record_size", f->sequence,
			      cam->st.too_big);
		return;
	}
	send_frame(w, cam, f, ds, ev, n, jpeg, jpeg_len);
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
	/*
	 * A camera unplugged loses its node first; camguard revokes its
	 * channels (CAMERA_GONE) after the driver has stopped the stream,
	 * whose STREAM_STOP event comes before the revocation. Wait for that
	 * word, so the log says why, without blocking: the node is no longer
	 * polled (nor stopped: it is gone), the worker's other cameras and
	 * displays go on, and the revocation (or the deadline) restarts it.
	 */
	cg_err(cam->mod, "%s: %s: restarting the worker when the kernel says why, in %u ms at most",
	       cam->devnode, strerror(-ret), GONE_WAIT_MS);
	cam->streaming = false;
	if (!w->restart_at_ms)
		w->restart_at_ms = cg_now_ms() + GONE_WAIT_MS;
	return ret;
}
