// SPDX-License-Identifier: MIT
/*
 * A worker's netlink socket (opened after the privilege drop: the kernel
 * only takes requests from the socket's opener): camera ids, one channel
 * per display, and the events the kernel sends to those channels.
 *
 * Every request is made before the first camera starts (cg_capture_start);
 * after that the socket is only read, with cg_channel_receive(). Events
 * can still come amid a request's replies (uvcvideo makes the worker the
 * stream's owner at S_FMT already, and attaching to a camera with a stream
 * sends the stream at once): cg_nl_request() hands them to
 * cg_channel_event() too.
 *
 * Frame events land in a small ring per channel (struct cg_channel,
 * CG_EVENT_RING): the frame path looks its event up by sequence number
 * when the buffer is dequeued. A channel deleted by an admin (camguardctl revoke) cuts off its
 * display alone; any other revocation (camera gone, module unloaded) ends
 * the worker (the supervisor restarts it, which recreates every channel).
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon.h"
#include "log.h"

/* ---- camera ids and device nodes ------------------------------------------ */

static int resolve_one(uint8_t cmd, struct nlattr **a, void *arg)
{
	struct cg_worker *w = arg;
	const char *node;
	uint32_t id;
	unsigned int i;

	(void)cmd;
	if (!a[CAMGUARD_A_CAM_ID] || !a[CAMGUARD_A_CAM_DEVNODE])
		return 0;
	id = nla_get_u32(a[CAMGUARD_A_CAM_ID]);
	node = nla_get_string(a[CAMGUARD_A_CAM_DEVNODE]);
	for (i = 0; i < w->n_cams; i++) {
		struct cg_camera *cam = &w->cams[i];
		char real[PATH_MAX];
		bool match;

		if (cam->cfg->has_id) {
			match = cam->cfg->id == id;
		} else {
			/* /dev/v4l/by-path/... links resolve to the node. */
			if (!realpath(cam->cfg->device, real))
				continue;
			match = !strcmp(basename(real), node);
		}
		if (!match)
			continue;
		cam->id = id;
		snprintf(cam->devnode, sizeof(cam->devnode), "/dev/%s", node);
		cam->resolved = true;
	}
	return 0;
}

int cg_channel_resolve(struct cg_worker *w)
{
	unsigned int i, tries = 0;
	int ret;

	/* A camera coming or going interrupts the dump: read it again. */
	do {
		for (i = 0; i < w->n_cams; i++)
			w->cams[i].resolved = false;
		ret = cg_nl_request(&w->nl, CAMGUARD_CMD_CAM_GET, true, NULL,
				    NULL, resolve_one, w);
	} while (ret == -EAGAIN && ++tries < 3);
	if (ret < 0) {
		cg_err(w->mod, "listing camguard cameras: %s", w->nl.errmsg);
		return ret;
	}
	for (i = 0; i < w->n_cams; i++) {
		struct cg_camera *cam = &w->cams[i];

		if (cam->resolved)
			continue;
		if (cam->cfg->has_id)
			cg_err(cam->mod, "no camguard camera with id %u",
			       cam->cfg->id);
		else
			cg_err(cam->mod, "%s is not a camguard camera (or does not exist)",
			       cam->cfg->device);
		ret = -ENODEV;
	}
	return ret;
}

/* ---- channels ---------------------------------------------------------- */

/*
 * The display's channel, keyed with its pairing key (the kernel's reply
 * carries the key back: libnl frees that message, and the key is the one
 * we already hold), attached to its camera.
 */
int cg_channel_create(struct cg_worker *w, struct cg_display *d)
{
	int ret;

	ret = cg_nl_chan_new(&w->nl, d->cfg->name, d->key,
			     CAMGUARD_CHAN_F_STREAM_EVENTS, &d->chan->id);
	if (ret < 0) {
		cg_err(d->mod, "creating its channel: %s", w->nl.errmsg);
		return ret;
	}
	ret = cg_nl_chan_attach(&w->nl, d->chan->id, d->cam->id);
	if (ret < 0) {
		cg_err(d->mod, "attaching channel %u to camera %u: %s",
		       d->chan->id, d->cam->id, w->nl.errmsg);
		return ret;
	}
	cg_info(d->mod, "channel %u attached to camera %u", d->chan->id,
		d->cam->id);
	return 0;
}

/* ---- events ------------------------------------------------------------ */

static struct cg_display *display_of(struct cg_worker *w, struct nlattr *a)
{
	unsigned int i;
	uint32_t id;

	if (!a)
		return NULL;
	id = nla_get_u32(a);
	for (i = 0; i < w->n_displays; i++)
		if (w->displays[i].usable && w->displays[i].chan->id == id)
			return &w->displays[i];
	return NULL;
}

static void frame_event(struct cg_worker *w, struct cg_display *d,
			struct nlattr **a)
{
	struct cg_frame_event *ev;
	struct cg_frame_tag tag;

	if (!a[CAMGUARD_A_FRAME_TAG] || !a[CAMGUARD_A_FRAME_MAC]) {
		w->events_bad++;
		return;
	}
	cg_frame_tag_unpack(nla_data(a[CAMGUARD_A_FRAME_TAG]), &tag);
	/* The kernel names the channel in the tag it MACed: it must agree. */
	if (tag.channel_id != d->chan->id || tag.camera != d->cam->id) {
		w->events_bad++;
		return;
	}
	ev = &d->chan->ring[d->chan->ring_next];
	d->chan->ring_next = (d->chan->ring_next + 1) % CG_EVENT_RING;
	ev->valid = true;
	ev->sequence = tag.sequence;
	ev->stream_id = tag.stream_id;
	memcpy(ev->tag, nla_data(a[CAMGUARD_A_FRAME_TAG]), CG_TAG_LEN);
	memcpy(ev->mac, nla_data(a[CAMGUARD_A_FRAME_MAC]), CAMGUARD_MAC_LEN);
}

/*
 * Tell the supervisor (over the worker's socket to it) that @d was cut
 * off and its @closed connection(s) closed: camguardctl revoke waits for it.
 */
static void note_cut(struct cg_worker *w, const struct cg_display *d,
		     unsigned int closed)
{
	struct cg_worker_note n = {
		.kind = CG_NOTE_CUT,
		.display = d->index,
		.closed = closed,
	};

	/* Only camguardctl revoke waits for it: a full socket costs a wait. */
	if (send(w->sock, &n, sizeof(n), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		cg_warn(d->mod, "cannot tell the supervisor it is cut off: %s",
			strerror(errno));
}

int cg_channel_event(uint8_t cmd, struct nlattr **a, void *arg)
{
	struct cg_worker *w = arg;
	struct cg_display *d = display_of(w, a[CAMGUARD_A_CHAN_ID]);
	uint32_t reason;

	w->events++;
	if (!d) {
		w->events_bad++;
		return 0;
	}
	switch (cmd) {
	case CAMGUARD_CMD_FRAME:
		frame_event(w, d, a);
		break;
	case CAMGUARD_CMD_STREAM_START:
	case CAMGUARD_CMD_STREAM_STOP:
		cg_info(d->mod, "camera %u: stream %llu %s", d->cam->id,
			a[CAMGUARD_A_STREAM_ID] ? (unsigned long long)
			nla_get_u64(a[CAMGUARD_A_STREAM_ID]) : 0ull,
			cmd == CAMGUARD_CMD_STREAM_START ? "started" :
			"stopped");
		break;
	case CAMGUARD_CMD_CHAN_REVOKED:
		reason = a[CAMGUARD_A_REASON] ?
			 nla_get_u32(a[CAMGUARD_A_REASON]) : 0;
		/* This display alone (camguardctl revoke): the others go on. */
		if (reason == CAMGUARD_REASON_DELETED ||
		    reason == CAMGUARD_REASON_DETACHED) {
			cg_warn(d->mod, "the kernel revoked channel %u (%s): display cut off, the worker's other displays go on",
				d->chan->id, cg_nl_reason_name(reason));
			note_cut(w, d, cg_display_revoke(w, d));
			/* Its frames are not sent on: forget their events. */
			memset(d->chan->ring, 0, sizeof(d->chan->ring));
			break;
		}
		cg_warn(d->mod, "the kernel revoked channel %u (%s): restarting the worker",
			d->chan->id, cg_nl_reason_name(reason));
		d->usable = false;
		w->restart = true;
		break;
	default:
		w->events_bad++;
		break;
	}
	return 0;
}

/*
 * Take what the kernel queued, waiting at most @timeout_ms for the first
 * message; at most a bounded number per call, so a flood of events cannot
 * starve the cameras and displays. The number handled, or -errno when
 * the socket failed (the worker then restarts).
 */
int cg_channel_receive(struct cg_worker *w, int timeout_ms)
{
	int total = 0, n, i;

	for (i = 0; i < 256; i++) {
		n = cg_nl_recv_events(&w->nl, i ? 0 : timeout_ms,
				      cg_channel_event, w);
		if (n == -ENOBUFS) {
			/* The frames whose events were lost are dropped. */
			w->events_lost++;
			continue;
		}
		if (n < 0) {
			cg_err(w->mod, "netlink: %s", w->nl.errmsg);
			return n;
		}
		if (n == 0)
			break;
		total += n;
	}
	return total;
}

/* The event of frame @sequence on channel @ch (the newest stream's). */
const struct cg_frame_event *cg_channel_find(const struct cg_channel *ch,
					     uint32_t sequence)
{
	const struct cg_frame_event *best = NULL;
	unsigned int i;

	for (i = 0; i < CG_EVENT_RING; i++) {
		const struct cg_frame_event *ev = &ch->ring[i];

		if (ev->valid && ev->sequence == sequence &&
		    (!best || ev->stream_id > best->stream_id))
			best = ev;
	}
	return best;
}
