// SPDX-License-Identifier: GPL-2.0
/*
 * The streaming thread. After a commit it makes frames at the committed
 * rate: a YUYV picture, the camguard stamp drawn into it with the
 * library's cg_stamp_draw_raw() (the virtual camera's layout), then for
 * MJPEG the picture encoded with cg_jpeg_encode(). Each frame goes out as
 * bulk payloads of at most UC_PAYLOAD_MAX bytes, each starting with a
 * 2-byte UVC payload header: EOH, FID (toggled per frame) and, on the last
 * payload of the frame, EOF. With --eof-header N every Nth frame instead
 * ends with a payload that is a header alone, carrying EOF.
 *
 * uvcvideo detects the end of a bulk payload by a short transfer or by
 * reaching dwMaxPayloadTransferSize. A payload shorter than the maximum
 * whose length is a multiple of the packet size would not end a transfer
 * (gadgetfs cannot add a zero-length packet), so such a payload gives its
 * last byte to the next one.
 *
 * Stopping: UVC gives a bulk camera no stream-off request (uvcvideo sends
 * CLEAR_FEATURE(HALT), which dummy_hcd answers itself). The ep0 thread
 * stops the stream when the host probes again (S_FMT, S_PARM, every
 * STREAMON with a format set) or commits, or on disconnect: it bumps the
 * generation and sends SIGUSR1 until this thread has seen it, which
 * interrupts a write() blocked on a host that no longer reads (gadgetfs
 * dequeues the request), so no stale payload reaches the next stream.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/usb/video.h>
#include <linux/videodev2.h>

#include "jpeg.h"
#include "parse.h"
#include "stamp.h"
#include "uvc-camera.h"

#define UC_FORMAT_MJPEG		2
#define UC_CONTROL_MAX		4096

struct uc_session {
	struct uc_params params;
	unsigned long gen;
	uint32_t width, height;
	size_t frame_bytes;
	uint8_t *background;	/* YUYV */
	uint8_t *picture;	/* YUYV, background + stamp */
	uint8_t payload[UC_PAYLOAD_MAX];
	struct cg_jpeg_encoder *jpeg;
	int quality;
	struct camguard_stamp stamp;
	unsigned long frames;
	unsigned long eof_alone;	/* of them, ended by a header-only payload */
};

static void uc_sigusr1(int sig)
{
	(void)sig;			/* only interrupts a blocked write() */
}

static bool uc_session_current(struct uc_streamer *s, unsigned long gen)
{
	bool cur;

	pthread_mutex_lock(&s->lock);
	cur = !s->quit && s->streaming && s->gen == gen;
	pthread_mutex_unlock(&s->lock);
	return cur;
}

/*
 * owner=UID and stream=ID lines of the control file, read at every
 * commit so a test can hand the camera the owner it expects to see.
 * A missing file keeps the values in use.
 */
static void uc_read_control(const char *path, struct camguard_stamp *st)
{
	char buf[UC_CONTROL_MAX], *line, *save = NULL;
	uint32_t v;
	ssize_t n;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return;
	n = (ssize_t)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n > 0 ? n : 0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = '\0';
		if (cg_parse_u32(eq + 1, 0, UINT32_MAX, &v)) {
			uc_log("%s: bad value '%s' for %s, ignored", path,
			       eq + 1, line);
			continue;
		}
		if (!strcmp(line, "owner"))
			st->owner = v;
		else if (!strcmp(line, "stream"))
			st->stream = v;
		else if (!strcmp(line, "camera"))
			st->camera = (uint8_t)v;
	}
}

/* A YUYV picture that JPEG has some work with: bars and a gradient. */
static void uc_render(uint8_t *pic, uint32_t width, uint32_t height)
{
	static const uint8_t bars[8][3] = {	/* Y, U, V */
		{ 180, 128, 128 }, { 162, 44, 142 }, { 131, 156, 44 },
		{ 112, 72, 58 }, { 84, 184, 198 }, { 65, 100, 212 },
		{ 35, 212, 114 }, { 16, 128, 128 },
	};
	uint32_t x, y;

	for (y = 0; y < height; y++) {
		uint8_t *row = pic + (size_t)y * width * 2;

		for (x = 0; x < width; x += 2) {
			const uint8_t *b = bars[x * 8 / width];
			uint8_t luma = (uint8_t)(b[0] / 2 + (y * 96) / height);

			row[2 * x] = luma;
			row[2 * x + 1] = b[1];
			row[2 * x + 2] = luma;
			row[2 * x + 3] = b[2];
		}
	}
}

static int uc_session_init(struct uc_streamer *s, struct uc_session *ss)
{
	const struct uc_frame_size *f = &uc_frames[ss->params.frame - 1];

	ss->width = f->width;
	ss->height = f->height;
	ss->frame_bytes = (size_t)f->width * f->height * 2;
	ss->background = malloc(ss->frame_bytes);
	ss->picture = malloc(ss->frame_bytes);
	if (!ss->background || !ss->picture)
		return -ENOMEM;
	if (ss->params.format == UC_FORMAT_MJPEG) {
		ss->jpeg = cg_jpeg_encoder_new();
		if (!ss->jpeg)
			return -ENOMEM;
	}
	ss->quality = (int)s->cfg->quality;
	uc_render(ss->background, ss->width, ss->height);
	ss->stamp.camera = (uint8_t)s->cfg->camera;
	ss->stamp.owner = s->cfg->owner;
	ss->stamp.stream = s->cfg->stream;
	if (s->cfg->control_file)
		uc_read_control(s->cfg->control_file, &ss->stamp);
	return 0;
}

static void uc_session_fini(struct uc_session *ss)
{
	cg_jpeg_encoder_free(ss->jpeg);
	free(ss->picture);
	free(ss->background);
}

/* The bytes of frame @sequence: the stamped picture, or its JPEG. */
static int uc_make_frame(struct uc_session *ss, uint32_t sequence,
			 const uint8_t **data, size_t *len)
{
	int ret;

	memcpy(ss->picture, ss->background, ss->frame_bytes);
	ss->stamp.sequence = sequence;
	ret = cg_stamp_draw_raw(ss->picture, ss->frame_bytes,
				V4L2_PIX_FMT_YUYV, ss->width, ss->height, 0,
				&ss->stamp);
	if (ret)
		return ret;
	if (!ss->jpeg) {
		*data = ss->picture;
		*len = ss->frame_bytes;
		return 0;
	}
	return cg_jpeg_encode(ss->jpeg, ss->picture, ss->frame_bytes,
			      V4L2_PIX_FMT_YUYV, ss->width, ss->height, 0,
			      ss->quality, data, len);
}

/*
 * One bulk transfer. Returns 0, -EINTR when the stream was stopped under
 * it, -EAGAIN when a stray signal cut it (the frame is lost), or another
 * negative errno (the endpoint went away).
 */
static int uc_send(struct uc_streamer *s, struct uc_session *ss,
		   const uint8_t *buf, size_t len)
{
	ssize_t n = write(s->ep_fd, buf, len);

	if (n == (ssize_t)len)
		return 0;
	if (n >= 0)
		return -EIO;	/* gadgetfs sends all or fails */
	if (errno != EINTR)
		return -errno;
	/*
	 * Interrupted: the request was dequeued, part of it may have gone
	 * out. If the stream is still on, the frame is cut short; the next
	 * one toggles FID.
	 */
	return uc_session_current(s, ss->gen) ? -EAGAIN : -EINTR;
}

/* Send one frame as payloads; 0, -EAGAIN (frame lost) or as uc_send(). */
static int uc_send_frame(struct uc_streamer *s, struct uc_session *ss,
			 const uint8_t *data, size_t len, bool eof_alone)
{
	size_t off = 0, n, total;
	uint8_t *p = ss->payload;
	int ret;

	while (off < len) {
		n = len - off;
		if (n > UC_PAYLOAD_MAX - UC_HEADER_LEN)
			n = UC_PAYLOAD_MAX - UC_HEADER_LEN;
		total = n + UC_HEADER_LEN;
		if (total < UC_PAYLOAD_MAX && total % s->maxpacket == 0) {
			n--;
			total--;
		}
		p[0] = UC_HEADER_LEN;
		p[1] = UVC_STREAM_EOH | s->fid;
		if (off + n == len && !eof_alone)
			p[1] |= UVC_STREAM_EOF;
		memcpy(p + UC_HEADER_LEN, data + off, n);
		ret = uc_send(s, ss, p, total);
		if (ret)
			return ret;
		off += n;
	}
	if (eof_alone) {
		p[0] = UC_HEADER_LEN;
		p[1] = UVC_STREAM_EOH | UVC_STREAM_EOF | s->fid;
		return uc_send(s, ss, p, UC_HEADER_LEN);
	}
	return 0;
}

static void uc_timespec_add_ns(struct timespec *t, uint64_t ns)
{
	ns += (uint64_t)t->tv_nsec;
	t->tv_sec += (time_t)(ns / 1000000000);
	t->tv_nsec = (long)(ns % 1000000000);
}

/* Stream one committed session until it is stopped or fails. */
static void uc_session_run(struct uc_streamer *s, struct uc_session *ss)
{
	uint64_t interval_ns = (uint64_t)ss->params.interval * 100;
	uint32_t every = s->cfg->eof_header_every;
	struct timespec next, now;
	const uint8_t *data;
	bool eof_alone;
	size_t len;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (uc_session_current(s, ss->gen)) {
		ret = uc_make_frame(ss, s->sequence, &data, &len);
		if (ret) {
			uc_log("frame %u: cannot make it: %s", s->sequence,
			       strerror(-ret));
			return;
		}
		eof_alone = every && s->sequence % every == every - 1;
		ret = uc_send_frame(s, ss, data, len, eof_alone);
		s->sequence++;
		s->fid ^= UVC_STREAM_FID;
		if (ret == -EINTR)
			return;
		if (ret && ret != -EAGAIN) {
			uc_log("session %lu: bulk write: %s", s->sessions,
			       strerror(-ret));
			return;
		}
		if (!ret) {
			ss->frames++;
			ss->eof_alone += eof_alone;
		}

		/* The committed rate; a late frame restarts the clock. */
		uc_timespec_add_ns(&next, interval_ns);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > next.tv_sec ||
		    (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
			next = now;
		else
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
					NULL);
	}
}

static void *uc_stream_thread(void *arg)
{
	struct uc_streamer *s = arg;
	struct uc_session *ss;
	unsigned long gen;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	pthread_mutex_lock(&s->lock);
	for (;;) {
		s->seen_gen = s->gen;
		pthread_cond_broadcast(&s->cond);
		if (s->quit)
			break;
		if (!s->streaming) {
			pthread_cond_wait(&s->cond, &s->lock);
			continue;
		}
		ss = calloc(1, sizeof(*ss));
		if (!ss) {
			uc_log("session: out of memory");
			s->streaming = false;
			continue;
		}
		ss->params = s->params;
		ss->gen = gen = s->gen;
		s->sessions++;
		pthread_mutex_unlock(&s->lock);

		if (uc_session_init(s, ss)) {
			uc_log("session %lu: out of memory", s->sessions);
		} else {
			uc_log("session %lu: %s %ux%u at %u/10000000 s, "
			       "camera %u owner %u stream %u, from seq %u",
			       s->sessions,
			       uc_format_names[ss->params.format - 1],
			       ss->width, ss->height, ss->params.interval,
			       ss->stamp.camera, ss->stamp.owner,
			       ss->stamp.stream, s->sequence);
			uc_session_run(s, ss);
			uc_log("session %lu: ended after %lu frames sent (%lu "
			       "ended by a header-only payload), next seq %u",
			       s->sessions, ss->frames, ss->eof_alone,
			       s->sequence);
		}
		uc_session_fini(ss);
		free(ss);

		pthread_mutex_lock(&s->lock);
		/* A failed session waits for the next commit. */
		if (s->gen == gen)
			s->streaming = false;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int uc_streamer_start(struct uc_streamer *s, const struct uc_config *cfg)
{
	struct sigaction sa = { .sa_handler = uc_sigusr1 };
	sigset_t set;
	int ret;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->ep_fd = -1;
	s->maxpacket = 512;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);

	/* No SA_RESTART: the signal must end a blocked write(). */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		return -errno;
	/* Only the streaming thread takes it. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	ret = pthread_create(&s->thread, NULL, uc_stream_thread, s);
	return -ret;
}

/* Under s->lock: wait until the thread has seen the current generation. */
static void uc_streamer_sync(struct uc_streamer *s)
{
	struct timespec t;

	while (s->seen_gen != s->gen) {
		pthread_kill(s->thread, SIGUSR1);
		clock_gettime(CLOCK_REALTIME, &t);
		uc_timespec_add_ns(&t, 100 * 1000 * 1000);
		pthread_cond_timedwait(&s->cond, &s->lock, &t);
	}
}

void uc_streamer_go(struct uc_streamer *s, const struct uc_params *p)
{
	pthread_mutex_lock(&s->lock);
	s->params = *p;
	s->streaming = true;
	s->gen++;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void uc_streamer_stop(struct uc_streamer *s)
{
	pthread_mutex_lock(&s->lock);
	if (s->streaming || s->seen_gen != s->gen) {
		s->streaming = false;
		s->gen++;
		pthread_cond_broadcast(&s->cond);
		uc_streamer_sync(s);
	}
	pthread_mutex_unlock(&s->lock);
}

void uc_streamer_destroy(struct uc_streamer *s)
{
	pthread_mutex_lock(&s->lock);
	s->quit = true;
	s->gen++;
	pthread_cond_broadcast(&s->cond);
	uc_streamer_sync(s);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
}
