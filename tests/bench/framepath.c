// SPDX-License-Identifier: GPL-2.0
/*
 * cg-framepath: camguardd's frame path per frame, natively, with no VM and
 * no I/O, so that every change to it is measured where noise is low.
 *
 * For YUYV frames (a gradient with noise, so JPEG has work to do) at
 * 640x480, 1280x720 and 1920x1080 it times, as median and p90 over many
 * runs:
 *
 *   digest     SHA-256 of the dequeued bytes (OpenSSL), what the worker
 *              compares with the kernel's tag (user/daemon/frame.c);
 *   encode     cg_jpeg_encode(): the YUYV plane split and TurboJPEG 4:2:0,
 *              once per frame; the floor of the path;
 *   encrypt    once per frame (record version 2): a random content key,
 *              the payload allocated and encrypted with AES-256-GCM, its
 *              SHA-256 (cg_record_encrypt()), as send_frame() does;
 *   seal       one display's header: the content key wrapped (AES-KW),
 *              the header packed and HMACed (cg_record_seal_header()), as
 *              seal_and_queue() does: no pass over the payload;
 *   records N  encrypt + N seals, timed as one (N = 1 and 8): the record
 *              work of a frame for N displays; (records 8 - records 1) / 7
 *              is what one more display costs, printed as measured (the
 *              same difference over the whole path drowns in the encode's
 *              noise, and is printed too);
 *   path N     digest + encode + encrypt + N seals, timed as one (N = 1
 *              and 8);
 *   kernel     the tagging the kernel adds per frame in the capture
 *              driver: SHA-256 of the frame again (the kernel's own
 *              digest, here with OpenSSL: see docs/benchmark.md) + the
 *              path at one display;
 *   reference  µStreamer's CPU encoder method, written anew here after its
 *              description: libjpeg, YUYV widened to YCbCr 4:4:4 one line
 *              at a time, the library's default 4:2:0 sampling, at the same
 *              quality. It is the comparison the performance targets use
 *              ("the current µStreamer encoder"), measured on this CPU in
 *              the same run.
 *
 * and prints a markdown table of the figures and of the ratios to the
 * reference, plus the JPEG sizes. Nothing is compared against a stored
 * figure: the ratios come from the same run.
 *
 *   cg-framepath [--seconds S] [--quality Q] [--size WxH]...
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jpeglib.h>
#include <linux/videodev2.h>
#include <openssl/evp.h>

#include "jpeg.h"
#include "record.h"
#include "sha256_thread.h"

#define MAX_SIZES	8
#define MAX_RUNS	100000
#define FAN_OUT		8

struct size {
	uint32_t width;
	uint32_t height;
};

struct stat {
	double median_us;
	double p90_us;
	unsigned int runs;
};

struct frame {
	uint32_t width;
	uint32_t height;
	uint8_t *yuyv;
	size_t len;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The runs' times into a median and a p90. */
static struct stat summarise(double *t, unsigned int n)
{
	struct stat s = { .runs = n };

	qsort(t, n, sizeof(*t), cmp_double);
	s.median_us = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	s.p90_us = t[(unsigned int)(n * 0.9)];
	return s;
}

/* A gradient with noise (a fixed seed, so every run encodes the same). */
static void frame_fill(struct frame *f)
{
	uint32_t x, y, seed = 12345;

	for (y = 0; y < f->height; y++) {
		uint8_t *row = f->yuyv + (size_t)y * f->width * 2;

		for (x = 0; x < f->width; x++) {
			seed = seed * 1103515245u + 12345u;
			row[2 * x] = (uint8_t)((x * 255 / f->width +
						 y * 64 / f->height) / 2 +
						(seed >> 24) % 32);
			row[2 * x + 1] = (uint8_t)(x & 1 ?
						   96 + y * 64 / f->height :
						   160 - x * 64 / f->width);
		}
	}
}

/* ---- µStreamer's method: libjpeg, YCbCr lines, default 4:2:0 ---- */

struct reference {
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	uint8_t *line;
	unsigned char *out;
	unsigned long out_len;
};

static size_t reference_encode(struct reference *r, const struct frame *f,
			       int quality)
{
	const uint8_t *src = f->yuyv;
	uint32_t x;

	free(r->out);
	r->out = NULL;
	r->out_len = 0;
	jpeg_mem_dest(&r->c, &r->out, &r->out_len);
	r->c.image_width = f->width;
	r->c.image_height = f->height;
	r->c.input_components = 3;
	r->c.in_color_space = JCS_YCbCr;
	jpeg_set_defaults(&r->c);
	jpeg_set_quality(&r->c, quality, TRUE);
	jpeg_start_compress(&r->c, TRUE);
	while (r->c.next_scanline < f->height) {
		JSAMPROW row = r->line;

		for (x = 0; x < f->width; x += 2, src += 4) {
			uint8_t *p = r->line + 3 * x;

			p[0] = src[0];
			p[1] = src[1];
			p[2] = src[3];
			p[3] = src[2];
			p[4] = src[1];
			p[5] = src[3];
		}
		jpeg_write_scanlines(&r->c, &row, 1);
	}
	jpeg_finish_compress(&r->c);
	return r->out_len;
}

/* ---- camguardd's steps, as user/daemon/frame.c takes them ---- */

static int digest(const struct frame *f, uint8_t out[EVP_MAX_MD_SIZE])
{
	unsigned int n = 0;

	return EVP_Digest(f->yuyv, f->len, out, &n, EVP_sha256(), NULL) ? 0 : -EIO;
}

static int encode(struct cg_jpeg_encoder *enc, const struct frame *f,
		  int quality, const uint8_t **jpeg, size_t *jpeg_len)
{
	return cg_jpeg_encode(enc, f->yuyv, f->len, V4L2_PIX_FMT_YUYV,
			      f->width, f->height, 0, quality, jpeg, jpeg_len);
}

/* What one frame's records share: the content key, the payload's digest. */
struct shared {
	struct cg_record_header h;
	uint8_t ck[CG_RECORD_CONTENT_KEY_LEN];
	uint8_t digest[CG_RECORD_DIGEST_LEN];
};

/*
 * Encrypt once, as send_frame() does: a fresh content key, the payload
 * allocated and encrypted; freed here, where the queues would free it.
 */
static int encrypt(struct shared *sh, uint32_t seq, const uint8_t *jpeg,
		   size_t jpeg_len)
{
	uint8_t *payload = malloc(cg_record_payload_len(jpeg_len));
	int ret;

	if (!payload)
		return -ENOMEM;
	memset(&sh->h, 0, sizeof(sh->h));
	sh->h.version = CG_RECORD_VERSION;
	sh->h.payload_type = CG_RECORD_TYPE_JPEG;
	sh->h.payload_len = (uint32_t)cg_record_payload_len(jpeg_len);
	sh->h.sequence = seq;
	sh->h.stream_id = 42;
	sh->h.capture_ns = 1;
	sh->h.send_ns = 2;
	ret = cg_record_content_key(sh->ck);
	if (!ret)
		ret = cg_record_encrypt(&sh->h, sh->ck, jpeg, jpeg_len, payload,
					sh->digest);
	free(payload);
	return ret;
}

/* One display's header: wrap, pack, seal (seal_and_queue()). */
static int seal(struct cg_record_keys *key, const struct shared *sh)
{
	uint8_t header[CG_RECORD_HEADER_LEN];
	struct cg_record_header h = sh->h;

	h.channel_id = 1;
	return cg_record_seal_header(key, &h, sh->ck, sh->digest, header);
}

/* Encrypt once, seal for @displays: a frame's record work. */
static int records(struct cg_record_keys **keys, unsigned int displays,
		   uint32_t seq, const uint8_t *jpeg, size_t jpeg_len)
{
	struct shared sh;
	unsigned int i;
	int ret;

	ret = encrypt(&sh, seq, jpeg, jpeg_len);
	for (i = 0; !ret && i < displays; i++)
		ret = seal(keys[i], &sh);
	return ret;
}

/* Digest, encode and encrypt once, seal for @displays: one worker frame. */
static int path(struct cg_jpeg_encoder *enc, struct cg_record_keys **keys,
		unsigned int displays, const struct frame *f, int quality,
		uint32_t seq, bool kernel_digest)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	const uint8_t *jpeg;
	size_t jpeg_len;
	int ret;

	if (kernel_digest && digest(f, md))
		return -EIO;
	if (digest(f, md))
		return -EIO;
	ret = encode(enc, f, quality, &jpeg, &jpeg_len);
	if (!ret)
		ret = records(keys, displays, seq, jpeg, jpeg_len);
	return ret;
}

/*
 * The same with the digest on a second thread beside the encode, as the
 * worker does it (sha256_thread.h): its wall time, not its CPU time.
 */
static int path_threaded(struct cg_jpeg_encoder *enc,
			 struct cg_sha256_thread *hasher,
			 struct cg_record_keys **keys, const struct frame *f,
			 int quality, uint32_t seq)
{
	uint8_t md[CG_SHA256_LEN];
	const uint8_t *jpeg;
	size_t jpeg_len;
	int ret;

	cg_sha256_thread_start(hasher, f->yuyv, f->len);
	ret = encode(enc, f, quality, &jpeg, &jpeg_len);
	if (cg_sha256_thread_finish(hasher, md) < 0)
		return -EIO;
	if (!ret)
		ret = records(keys, 1, seq, jpeg, jpeg_len);
	return ret;
}

enum step {
	STEP_DIGEST,
	STEP_ENCODE,
	STEP_ENCRYPT,
	STEP_SEAL,
	STEP_RECORDS1,
	STEP_RECORDS8,
	STEP_PATH1,
	STEP_PATH8,
	STEP_KERNEL_PATH1,
	STEP_THREADED_PATH1,
	STEP_REFERENCE,
	STEP_COUNT,
};

static const char *const step_names[STEP_COUNT] = {
	[STEP_DIGEST] = "SHA-256 of the frame (worker's check)",
	[STEP_ENCODE] = "encode once (YUYV split + TurboJPEG 4:2:0): the floor",
	[STEP_ENCRYPT] = "encrypt once (content key, AES-256-GCM, SHA-256 of it)",
	[STEP_SEAL] = "seal one display's header (AES-KW, HMAC of 224 bytes)",
	[STEP_RECORDS1] = "records, 1 display (encrypt once + 1 header)",
	[STEP_RECORDS8] = "records, 8 displays (encrypt once + 8 headers)",
	[STEP_PATH1] = "frame path, 1 display",
	[STEP_PATH8] = "frame path, 8 displays",
	[STEP_KERNEL_PATH1] = "frame path, 1 display + the kernel's SHA-256",
	[STEP_THREADED_PATH1] = "frame path, 1 display, digest on a 2nd thread (wall time)",
	[STEP_REFERENCE] = "reference: µStreamer's method (libjpeg YCbCr lines, 4:2:0)",
};

struct bench {
	struct cg_jpeg_encoder *enc;
	struct cg_sha256_thread *hasher;
	struct cg_record_keys *keys[FAN_OUT];
	struct reference ref;
	double *times;
	double seconds;
	int quality;
};

/* One step, repeated for bench->seconds (at least 5 runs). */
static int run_step(struct bench *b, enum step s, const struct frame *f,
		    struct stat *out)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	const uint8_t *jpeg = NULL;
	struct shared sh;
	size_t jpeg_len = 0;
	double t0, t, end;
	unsigned int n = 0;
	int ret = 0;

	/* The record steps need a JPEG of this frame, the seal step its key. */
	if (s == STEP_ENCRYPT || s == STEP_SEAL || s == STEP_RECORDS1 ||
	    s == STEP_RECORDS8)
		ret = encode(b->enc, f, b->quality, &jpeg, &jpeg_len);
	if (!ret && s == STEP_SEAL)
		ret = encrypt(&sh, 0, jpeg, jpeg_len);
	end = now_us() + b->seconds * 1e6;
	while (!ret && n < MAX_RUNS && (n < 5 || now_us() < end)) {
		t0 = now_us();
		switch (s) {
		case STEP_DIGEST:
			ret = digest(f, md);
			break;
		case STEP_ENCODE:
			ret = encode(b->enc, f, b->quality, &jpeg, &jpeg_len);
			break;
		case STEP_ENCRYPT:
			ret = encrypt(&sh, n, jpeg, jpeg_len);
			break;
		case STEP_SEAL:
			ret = seal(b->keys[0], &sh);
			break;
		case STEP_RECORDS1:
		case STEP_RECORDS8:
			ret = records(b->keys, s == STEP_RECORDS8 ? FAN_OUT : 1,
				      n, jpeg, jpeg_len);
			break;
		case STEP_PATH1:
		case STEP_PATH8:
		case STEP_KERNEL_PATH1:
			ret = path(b->enc, b->keys, s == STEP_PATH8 ? FAN_OUT : 1,
				   f, b->quality, n, s == STEP_KERNEL_PATH1);
			break;
		case STEP_THREADED_PATH1:
			ret = path_threaded(b->enc, b->hasher, b->keys, f,
					    b->quality, n);
			break;
		default:
			ret = reference_encode(&b->ref, f, b->quality) ? 0 : -EIO;
			break;
		}
		t = now_us() - t0;
		b->times[n++] = t;
	}
	if (ret) {
		fprintf(stderr, "cg-framepath: %s at %ux%u failed: %s\n",
			step_names[s], f->width, f->height, strerror(-ret));
		return ret;
	}
	*out = summarise(b->times, n);
	return 0;
}

static int parse_size(const char *s, struct size *sz)
{
	char *end;
	unsigned long w, h;

	w = strtoul(s, &end, 10);
	if (*end != 'x')
		return -EINVAL;
	h = strtoul(end + 1, &end, 10);
	if (*end || w < 160 || h < 120 || w > 4096 || h > 4096 || w % 2)
		return -EINVAL;
	sz->width = (uint32_t)w;
	sz->height = (uint32_t)h;
	return 0;
}

static void usage(FILE *to)
{
	fprintf(to, "usage: cg-framepath [--seconds S] [--quality Q] [--size WxH]...\n"
		"  --seconds S   time per step and size (default 1.0)\n"
		"  --quality Q   JPEG quality, 1..100 (default 80)\n"
		"  --size WxH    a frame size (repeatable; default 640x480,\n"
		"                1280x720 and 1920x1080)\n");
}

int main(int argc, char **argv)
{
	static const struct size defaults[] = {
		{ 640, 480 }, { 1280, 720 }, { 1920, 1080 },
	};
	struct stat st[MAX_SIZES][STEP_COUNT];
	size_t jpeg_ours[MAX_SIZES], jpeg_ref[MAX_SIZES];
	struct size sizes[MAX_SIZES];
	struct bench b = { .seconds = 1.0, .quality = 80 };
	unsigned int nsizes = 0, i, k;
	uint8_t key[CAMGUARD_KEY_LEN];
	int ret = 0, a;

	for (a = 1; a < argc; a++) {
		char *end = NULL;

		if (!strcmp(argv[a], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[a], "--seconds") && a + 1 < argc) {
			b.seconds = strtod(argv[++a], &end);
			if (*end || b.seconds <= 0 || b.seconds > 600)
				goto bad;
		} else if (!strcmp(argv[a], "--quality") && a + 1 < argc) {
			b.quality = (int)strtol(argv[++a], &end, 10);
			if (*end || b.quality < 1 || b.quality > 100)
				goto bad;
		} else if (!strcmp(argv[a], "--size") && a + 1 < argc &&
			   nsizes < MAX_SIZES) {
			if (parse_size(argv[++a], &sizes[nsizes++]))
				goto bad;
		} else {
			goto bad;
		}
	}
	if (!nsizes) {
		memcpy(sizes, defaults, sizeof(defaults));
		nsizes = sizeof(defaults) / sizeof(defaults[0]);
	}

	b.times = calloc(MAX_RUNS, sizeof(*b.times));
	b.enc = cg_jpeg_encoder_new();
	b.hasher = cg_sha256_thread_new();
	b.ref.c.err = jpeg_std_error(&b.ref.err);
	jpeg_create_compress(&b.ref.c);
	for (k = 0; k < FAN_OUT; k++) {
		memset(key, 0x40 + k, sizeof(key));
		b.keys[k] = cg_record_keys_new(key);
		if (!b.keys[k])
			ret = -ENOMEM;
	}
	if (!b.times || !b.enc || !b.hasher || ret) {
		fprintf(stderr, "cg-framepath: out of memory\n");
		return 1;
	}

	for (i = 0; i < nsizes && !ret; i++) {
		struct frame f = { .width = sizes[i].width,
				   .height = sizes[i].height };
		const uint8_t *jpeg;

		f.len = (size_t)f.width * f.height * 2;
		f.yuyv = malloc(f.len);
		b.ref.line = malloc((size_t)f.width * 3);
		if (!f.yuyv || !b.ref.line) {
			fprintf(stderr, "cg-framepath: out of memory\n");
			return 1;
		}
		frame_fill(&f);
		ret = encode(b.enc, &f, b.quality, &jpeg, &jpeg_ours[i]);
		jpeg_ref[i] = reference_encode(&b.ref, &f, b.quality);
		for (k = 0; k < STEP_COUNT && !ret; k++)
			ret = run_step(&b, k, &f, &st[i][k]);
		free(f.yuyv);
		free(b.ref.line);
	}
	if (ret)
		return 1;

	printf("# cg-framepath: camguardd's frame path per frame, native, YUYV, quality %d,\n"
	       "# median (p90) in us over >= %.1f s per cell; ratios to the reference\n"
	       "# (µStreamer's encoder method) measured in this same run\n\n",
	       b.quality, b.seconds);
	printf("| step |");
	for (i = 0; i < nsizes; i++)
		printf(" %ux%u |", sizes[i].width, sizes[i].height);
	printf("\n|---|");
	for (i = 0; i < nsizes; i++)
		printf("---|");
	printf("\n");
	for (k = 0; k < STEP_COUNT; k++) {
		printf("| %s |", step_names[k]);
		for (i = 0; i < nsizes; i++)
			printf(" %.0f (%.0f) |", st[i][k].median_us,
			       st[i][k].p90_us);
		printf("\n");
	}
	/* Measured, never assumed: differences of timed steps. */
	printf("| per extra display (records 8 - records 1) / 7 |");
	for (i = 0; i < nsizes; i++)
		printf(" %.1f |", (st[i][STEP_RECORDS8].median_us -
				   st[i][STEP_RECORDS1].median_us) / 7);
	printf("\n| per extra display, whole path (path 8 - path 1) / 7 |");
	for (i = 0; i < nsizes; i++)
		printf(" %.1f |", (st[i][STEP_PATH8].median_us -
				   st[i][STEP_PATH1].median_us) / 7);
	printf("\n| JPEG bytes: camguardd / reference (both 4:2:0) |");
	for (i = 0; i < nsizes; i++)
		printf(" %zu / %zu |", jpeg_ours[i], jpeg_ref[i]);
	printf("\n\n| ratio to the reference | target |");
	for (i = 0; i < nsizes; i++)
		printf(" %ux%u |", sizes[i].width, sizes[i].height);
	printf("\n|---|---|");
	for (i = 0; i < nsizes; i++)
		printf("---|");
	printf("\n");
	{
		static const struct {
			enum step s;
			const char *what;
			double target;
		} ratios[] = {
			{ STEP_ENCODE, "encode alone (the floor)", 0 },
			{ STEP_PATH1, "frame path, 1 display", 1.1 },
			{ STEP_PATH8, "frame path, 8 displays", 1.2 },
			{ STEP_KERNEL_PATH1, "1 display + the kernel's SHA-256", 1.35 },
			{ STEP_THREADED_PATH1, "1 display, digest on a 2nd thread (wall time)", 0 },
		};

		for (k = 0; k < sizeof(ratios) / sizeof(ratios[0]); k++) {
			if (ratios[k].target)
				printf("| %s | <= %.2f |", ratios[k].what,
				       ratios[k].target);
			else
				printf("| %s | - |", ratios[k].what);
			for (i = 0; i < nsizes; i++) {
				double r = st[i][ratios[k].s].median_us /
					   st[i][STEP_REFERENCE].median_us;

				printf(" %.2f%s |", r, ratios[k].target &&
				       r > ratios[k].target ? " (missed)" : "");
			}
			printf("\n");
		}
	}

	for (k = 0; k < FAN_OUT; k++)
		cg_record_keys_free(b.keys[k]);
	cg_jpeg_encoder_free(b.enc);
	cg_sha256_thread_free(b.hasher);
	free(b.ref.out);
	jpeg_destroy_compress(&b.ref.c);
	free(b.times);
	return 0;
bad:
	usage(stderr);
	return 2;
}
