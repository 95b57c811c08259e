// SPDX-License-Identifier: GPL-2.0
/*
 * camguard-stamp: decode the camguard pixel stamp from captured frames and
 * check it against what the test expects. Raw files are what
 * `v4l2-ctl --stream-to` writes: whole frames back to back. JPEG files hold
 * one image or several concatenated ones (ffmpeg -f mjpeg, snapshots).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/videodev2.h>

#include "cli.h"
#include "parse.h"
#include "stamp.h"

#define PROG			"camguard-stamp"
#define MAX_BYTESPERLINE	65536

static const char usage_text[] =
"usage: " PROG " --format FMT --size WxH [--bytesperline N] [CHECKS] FILE...\n"
"       " PROG " --jpeg [CHECKS] FILE...\n"
"Decode the camguard stamp from every frame of raw V4L2 captures or JPEGs.\n"
"\n"
"  --format FMT        raw frames in YUYV, RGB24 (or RGB3), NV12 or GREY\n"
"  --size WxH          raw frame size\n"
"  --bytesperline N    raw line stride (default and 0: the minimum)\n"
"  --jpeg              each FILE holds one or more concatenated JPEGs\n"
"checks:\n"
"  --expect-camera N   every frame comes from camera N\n"
"  --expect-owner UID  every frame belongs to owner UID\n"
"  --expect-frames N   the FILEs hold exactly N frames in all\n"
"  --check-sequence    sequence numbers strictly increase within each stream\n"
"  -q, --quiet         print only frames with problems, and the summary\n"
"  -h, --help          show this help\n"
"\n"
"FILE - is standard input. Prints 'frame <n>: camera <c> owner <uid> stream\n"
"<s> seq <q>' or 'frame <n>: no stamp (<reason>)' per frame, then a summary.\n"
"Exit status: 0 if there were frames, every frame carried a valid stamp and\n"
"every check held; 1 otherwise; 2 for usage errors.\n";

struct options {
	int jpeg;
	int have_format;
	uint32_t fourcc;
	int have_size;
	uint32_t width, height;
	int have_bytesperline;
	uint32_t bytesperline;
	int have_camera;
	uint32_t camera;
	int have_owner;
	uint32_t owner;
	int have_frames;
	uint32_t frames;
	int check_sequence;
	int quiet;
};

/* Last sequence number seen on one stream, for --check-sequence. */
struct stream_seq {
	uint32_t stream;
	uint32_t sequence;
};

struct scan {
	const struct options *opt;
	size_t sizeimage;		/* raw mode */
	unsigned long frames, decoded, mismatched;
	int failed;			/* I/O error, partial frame, ... */
	struct stream_seq *streams;
	size_t nr_streams, max_streams;
};

/* This program's name in cli.h's usage errors. */
#define usage_error(...)	cg_usage_error(PROG, __VA_ARGS__)
#define option_u32(...)		cg_option_u32(PROG, __VA_ARGS__)

/* Remember @seq for @stream; returns the previous one through @prev. */
static int stream_update(struct scan *sc, uint32_t stream, uint32_t seq,
			 int *seen, uint32_t *prev)
{
	struct stream_seq *s;
	size_t i;

	for (i = 0; i < sc->nr_streams; i++) {
		if (sc->streams[i].stream == stream) {
			*seen = 1;
			*prev = sc->streams[i].sequence;
			sc->streams[i].sequence = seq;
			return 0;
		}
	}
	if (sc->nr_streams == sc->max_streams) {
		size_t n = sc->max_streams ? 2 * sc->max_streams : 16;

		s = reallocarray(sc->streams, n, sizeof(*s));
		if (!s)
			return -ENOMEM;
		sc->streams = s;
		sc->max_streams = n;
	}
	sc->streams[sc->nr_streams].stream = stream;
	sc->streams[sc->nr_streams].sequence = seq;
	sc->nr_streams++;
	*seen = 0;
	return 0;
}

/* Append a "; "-separated reason to the string in @buf (truncating). */
static void append(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used && used + 2 < size) {
		memcpy(buf + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

static void report_frame(struct scan *sc, int ret,
			 const struct camguard_stamp *st)
{
	const struct options *opt = sc->opt;
	unsigned long n = sc->frames++;
	char why[160] = "";
	uint32_t prev;
	int seen;

	if (ret) {
		printf("frame %lu: no stamp (%s)\n", n, cg_stamp_strerror(ret));
		return;
	}
	sc->decoded++;

	if (opt->have_camera && st->camera != opt->camera)
		append(why, sizeof(why), "expected camera %u",
		       opt->camera);
	if (opt->have_owner && st->owner != opt->owner)
		append(why, sizeof(why), "expected owner %u",
		       opt->owner);
	if (opt->check_sequence) {
		if (stream_update(sc, st->stream, st->sequence, &seen, &prev)) {
			fprintf(stderr, PROG ": out of memory\n");
			sc->failed = 1;
		} else if (seen && st->sequence <= prev) {
			append(why, sizeof(why), "seq not after %u",
			       prev);
		}
	}

	if (why[0])
		sc->mismatched++;
	else if (opt->quiet)
		return;
	printf("frame %lu: camera %u owner %u stream %u seq %u%s%s%s\n", n,
	       st->camera, st->owner, st->stream, st->sequence,
	       why[0] ? " (mismatch: " : "", why, why[0] ? ")" : "");
}

static void scan_raw(struct scan *sc, FILE *f, const char *name,
		     uint8_t *frame)
{
	const struct options *opt = sc->opt;
	struct camguard_stamp st;
	size_t got;
	int ret;

	for (;;) {
		got = fread(frame, 1, sc->sizeimage, f);
		if (got != sc->sizeimage)
			break;
		ret = cg_stamp_decode_raw(frame, got, opt->fourcc, opt->width,
					  opt->height, opt->bytesperline, &st);
		report_frame(sc, ret, &st);
	}
	if (ferror(f)) {
		fprintf(stderr, PROG ": %s: %s\n", name, strerror(errno));
		sc->failed = 1;
	} else if (got) {
		fprintf(stderr,
			PROG ": %s: trailing partial frame (%zu of %zu bytes)\n",
			name, got, sc->sizeimage);
		sc->failed = 1;
	}
}

/* Read all of @f; returns 0 or -errno. */
static int read_all(FILE *f, uint8_t **data, size_t *len)
{
	size_t size = 0, cap = 0, got;
	uint8_t *buf = NULL, *p;

	do {
		if (size == cap) {
			cap = cap ? 2 * cap : 1 << 20;
			p = realloc(buf, cap);
			if (!p) {
				free(buf);
				return -ENOMEM;
			}
			buf = p;
		}
		got = fread(buf + size, 1, cap - size, f);
		size += got;
	} while (got);
	if (ferror(f)) {
		free(buf);
		return -EIO;
	}
	*data = buf;
	*len = size;
	return 0;
}

static void scan_jpeg(struct scan *sc, FILE *f, const char *name)
{
	struct camguard_stamp st;
	size_t len, pos = 0, start, end;
	uint8_t *data;
	int found = 0;
	int ret;

	ret = read_all(f, &data, &len);
	if (ret) {
		fprintf(stderr, PROG ": %s: %s\n", name, strerror(-ret));
		sc->failed = 1;
		return;
	}
	while (cg_jpeg_next(data, len, pos, &start, &end)) {
		ret = cg_stamp_decode_jpeg(data + start, end - start, &st,
					   NULL, NULL);
		report_frame(sc, ret, &st);
		found = 1;
		pos = end;
	}
	/* A file with no JPEG in it is one frame that does not decode. */
	if (!found)
		report_frame(sc, -EIO, &st);
	free(data);
}

static void scan_file(struct scan *sc, const char *name, uint8_t *frame)
{
	int is_stdin = !strcmp(name, "-");
	FILE *f = is_stdin ? stdin : fopen(name, "rb");

	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", name, strerror(errno));
		sc->failed = 1;
		return;
	}
	if (sc->opt->jpeg)
		scan_jpeg(sc, f, name);
	else
		scan_raw(sc, f, name, frame);
	if (!is_stdin)
		fclose(f);
}

/* Check the raw format options together, now that all are known. */
static size_t raw_frame_size(struct options *opt)
{
	const struct cg_pixfmt *pf = cg_pixfmt_find(opt->fourcc);
	const char *fmt = pf->name;
	uint32_t min_bpl = 0;
	size_t size;

	if (opt->width < CAMGUARD_STAMP_MIN_WIDTH ||
	    opt->height < CAMGUARD_STAMP_MIN_HEIGHT)
		usage_error("bad --size '%ux%u': the stamp needs at least %ux%u",
			    opt->width, opt->height, CAMGUARD_STAMP_MIN_WIDTH,
			    CAMGUARD_STAMP_MIN_HEIGHT);
	if (cg_stamp_frame_size(opt->fourcc, opt->width, opt->height,
				&min_bpl, &size))
		usage_error("bad --size '%ux%u': %s needs an even width%s",
			    opt->width, opt->height, fmt,
			    pf->vsub > 1 ?
			    " and height" : "");
	if (opt->bytesperline && opt->bytesperline < min_bpl)
		usage_error("bad --bytesperline '%u': %s %ux%u needs at least %u",
			    opt->bytesperline, fmt, opt->width, opt->height,
			    min_bpl);
	if (!opt->bytesperline)
		opt->bytesperline = min_bpl;
	if (cg_stamp_frame_size(opt->fourcc, opt->width, opt->height,
				&opt->bytesperline, &size))
		usage_error("bad raw format");	/* not reached */
	return size;
}

enum {
	OPT_FORMAT = 256,
	OPT_SIZE,
	OPT_BYTESPERLINE,
	OPT_JPEG,
	OPT_EXPECT_CAMERA,
	OPT_EXPECT_OWNER,
	OPT_EXPECT_FRAMES,
	OPT_CHECK_SEQUENCE,
};

static const struct option long_options[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "bytesperline", required_argument, NULL, OPT_BYTESPERLINE },
	{ "jpeg", no_argument, NULL, OPT_JPEG },
	{ "expect-camera", required_argument, NULL, OPT_EXPECT_CAMERA },
	{ "expect-owner", required_argument, NULL, OPT_EXPECT_OWNER },
	{ "expect-frames", required_argument, NULL, OPT_EXPECT_FRAMES },
	{ "check-sequence", no_argument, NULL, OPT_CHECK_SEQUENCE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void parse_options(int argc, char **argv, struct options *opt)
{
	int c, ret;

	/* getopt's own messages are precise; make them name the tool. */
	argv[0] = (char *)PROG;
	while ((c = getopt_long(argc, argv, "qh", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (cg_parse_fourcc(optarg, &opt->fourcc))
				usage_error("bad --format '%s': expected YUYV, RGB24, NV12 or GREY",
					    optarg);
			opt->have_format = 1;
			break;
		case OPT_SIZE:
			ret = cg_parse_size(optarg, &opt->width, &opt->height);
			if (ret == -ERANGE)
				usage_error("bad --size '%s': sides must be 1..%u",
					    optarg, CG_STAMP_MAX_DIM);
			if (ret)
				usage_error("bad --size '%s': expected WIDTHxHEIGHT",
					    optarg);
			opt->have_size = 1;
			break;
		case OPT_BYTESPERLINE:
			opt->bytesperline = option_u32("--bytesperline", optarg,
						       0, MAX_BYTESPERLINE);
			opt->have_bytesperline = 1;
			break;
		case OPT_JPEG:
			opt->jpeg = 1;
			break;
		case OPT_EXPECT_CAMERA:
			opt->camera = option_u32("--expect-camera", optarg, 0,
						 UINT8_MAX);
			opt->have_camera = 1;
			break;
		case OPT_EXPECT_OWNER:
			opt->owner = option_u32("--expect-owner", optarg, 0,
						UINT32_MAX);
			opt->have_owner = 1;
			break;
		case OPT_EXPECT_FRAMES:
			opt->frames = option_u32("--expect-frames", optarg, 1,
						 UINT32_MAX);
			opt->have_frames = 1;
			break;
		case OPT_CHECK_SEQUENCE:
			opt->check_sequence = 1;
			break;
		case 'q':
			opt->quiet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:	/* getopt has said what is wrong */
			fputs("Try '" PROG " --help'.\n", stderr);
			exit(2);
		}
	}

	if (opt->jpeg && (opt->have_format || opt->have_size ||
			  opt->have_bytesperline))
		usage_error("--jpeg does not take --format, --size or --bytesperline");
	if (!opt->jpeg && (!opt->have_format || !opt->have_size))
		usage_error("need --format and --size, or --jpeg");
	if (optind >= argc)
		usage_error("no FILE given");
}

int main(int argc, char **argv)
{
	struct options opt = { 0 };
	struct scan sc = { 0 };
	uint8_t *frame = NULL;
	int i, ok;

	parse_options(argc, argv, &opt);
	sc.opt = &opt;
	if (!opt.jpeg) {
		sc.sizeimage = raw_frame_size(&opt);
		frame = malloc(sc.sizeimage);
		if (!frame) {
			fprintf(stderr, PROG ": out of memory\n");
			return 1;
		}
	}

	for (i = optind; i < argc; i++)
		scan_file(&sc, argv[i], frame);

	printf("%lu frames, %lu decoded, %lu mismatched\n", sc.frames,
	       sc.decoded, sc.mismatched);

	ok = !sc.failed && sc.frames && sc.decoded == sc.frames &&
	     !sc.mismatched;
	if (!sc.frames && !sc.failed)
		fprintf(stderr, PROG ": no frames found\n");
	if (opt.have_frames && sc.frames != opt.frames) {
		fprintf(stderr, PROG ": expected %u frames, found %lu\n",
			opt.frames, sc.frames);
		ok = 0;
	}

	free(sc.streams);
	free(frame);
	if (fflush(stdout)) {
		fprintf(stderr, PROG ": write error: %s\n", strerror(errno));
		return 1;
	}
	return ok ? 0 : 1;
}
