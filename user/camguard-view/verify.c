// SPDX-License-Identifier: MIT
/*
 * camguard-view: every record decoded, verified and decrypted
 * (verifier.h), the JPEG of an accepted one decoded (unless --no-decode)
 * and, with --expect-owner, the owner stamped into its pixels checked: the
 * ground truth the incident tests rely on, independent of tags and seals.
 */
#include <errno.h>
#include <string.h>
#include <linux/videodev2.h>

#include "jpeg.h"
#include "stamp.h"
#include "view.h"

void view_log_reject(struct view *v, const struct cg_record *rec,
		     enum cg_record_status st)
{
	const struct cg_verifier_stats *s = cg_verifier_stats(v->ver);
	uint64_t n = s->rejected[st];

	if (!view_log_sample(n))
		return;
	if (rec)
		cg_warn(v->module,
			"refused record (stream %llu seq %u): %s [%llu so far]",
			(unsigned long long)rec->hdr.stream_id,
			rec->hdr.sequence, cg_record_status_text(st),
			(unsigned long long)n);
	else
		cg_warn(v->module, "refused record: %s [%llu so far]",
			cg_record_status_text(st), (unsigned long long)n);
}

/* The pixels' word on the owner: ground truth, whatever the tags say. */
static void check_stamp(struct view *v, const struct cg_record *rec,
			const struct cg_jpeg_image *img)
{
	struct camguard_stamp s;
	int ret = -EIO;

	if (img->pixels)
		ret = cg_stamp_decode_raw(img->pixels,
					  (size_t)img->width * img->height,
					  V4L2_PIX_FMT_GREY, img->width,
					  img->height, img->width, &s);
	if (ret) {
		if (!v->stamp_unreadable++)
			cg_warn(v->module,
				"no readable stamp in stream %llu seq %u: %s",
				(unsigned long long)rec->hdr.stream_id,
				rec->hdr.sequence, cg_stamp_strerror(ret));
		return;
	}
	if (s.owner != v->opt.expect_owner) {
		/* Every one counts; the log shows a few and then a sample. */
		if (view_log_sample(++v->foreign_owner))
			cg_err(v->module,
			       "FOREIGN FRAME accepted: its pixels say owner %u (camera %u stream %u seq %u), this display is owner %u's [%llu so far]",
			       s.owner, s.camera, s.stream, s.sequence,
			       v->opt.expect_owner,
			       (unsigned long long)v->foreign_owner);
	}
}

/*
 * --latency-log: receipt and capture-to-receipt latency, in us. The tag's
 * timestamp is the buffer's, CLOCK_MONOTONIC of the camera's machine: the
 * difference means something only when this display runs there too (the
 * benchmarks).
 */
static void log_latency(struct view *v, const struct cg_verify_info *info)
{
	uint64_t now = view_mono_ns();
	int64_t lat = (int64_t)(now - info->tag.timestamp_ns);

	if (fprintf(v->latency_log, "%llu %lld\n",
		    (unsigned long long)(now / 1000),
		    (long long)(lat / 1000)) < 0 && !v->latency_warned++)
		cg_warn(v->module, "%s: write failed", v->opt.latency_log);
}

/* The JPEG decoded (greyscale: all a check needs) and its stamp read. */
static void decode_frame(struct view *v, const struct cg_record *rec,
			 const struct cg_verify_info *info)
{
	struct cg_jpeg_image img = { 0 };
	int ret;

	/* The verifier's cleartext: the record's payload is encrypted. */
	ret = cg_jpeg_decode(info->payload, info->payload_len, CG_JPEG_GREY,
			     CG_STAMP_MAX_DIM, &img);
	if (ret) {
		if (!v->decode_errors++)
			cg_warn(v->module,
				"stream %llu seq %u: JPEG does not decode (%s)",
				(unsigned long long)rec->hdr.stream_id,
				rec->hdr.sequence, strerror(-ret));
	}
	if (v->opt.have_owner)
		check_stamp(v, rec, &img);
	cg_jpeg_image_free(&img);
}

static void view_accepted(struct view *v, const struct cg_record *rec,
			  const struct cg_verify_info *info)
{
	const struct cg_verifier_stats *s = cg_verifier_stats(v->ver);

	if (v->latency_log)
		log_latency(v, info);

	if (info->new_stream && info->previous_stream)
		cg_info(v->module, "stream %llu -> %llu on camera %u",
			(unsigned long long)info->previous_stream,
			(unsigned long long)info->tag.stream_id,
			info->tag.camera);
	else if (info->new_stream)
		cg_info(v->module, "stream %llu on camera %u (seq %u)",
			(unsigned long long)info->tag.stream_id,
			info->tag.camera, info->tag.sequence);
	if (info->skipped)
		cg_info(v->module,
			"camera %u stream %llu: %u frame(s) skipped before seq %u",
			info->tag.camera,
			(unsigned long long)info->tag.stream_id, info->skipped,
			info->tag.sequence);

	if (!v->opt.no_decode)
		decode_frame(v, rec, info);
	if (v->opt.save_dir && (s->accepted - 1) % v->opt.save_every == 0)
		view_save_frame(v, rec, info);
	if (v->opt.frames && s->accepted >= v->opt.frames)
		v->frames_reached = true;
}

/* Feed received bytes to the decoder: 0, or -EPROTO (framing lost). */
int view_feed(struct view *v, const uint8_t *in, size_t len)
{
	while (len && !v->frames_reached) {
		struct cg_verify_info info;
		struct cg_record rec;
		enum cg_record_status st;
		size_t used = 0;

		st = cg_record_decode(&v->dec, in, len, &used, &rec);
		in += used;
		len -= used;
		if (st == CG_RECORD_NEED_MORE)
			continue;
		if (cg_record_status_fatal(st)) {
			cg_verifier_count(v->ver, st);
			cg_err(v->module, "record stream broken: %s: closing",
			       cg_record_status_text(st));
			return -EPROTO;
		}
		v->received++;
		if (st != CG_RECORD_OK) {
			cg_verifier_count(v->ver, st);
			view_log_reject(v, NULL, st);
			continue;
		}
		st = cg_verifier_check(v->ver, &rec, view_realtime_ns(), &info);
		if (st != CG_RECORD_OK) {
			view_log_reject(v, &rec, st);
			continue;
		}
		view_accepted(v, &rec, &info);
	}
	return 0;
}
