// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end tests of the camguard-stamp tool (CG_STAMP_TOOL, set by the
 * makefile) on frames written to a temporary directory.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <linux/videodev2.h>
#include <turbojpeg.h>

#include "unit.h"

#ifndef CG_STAMP_TOOL
#error "CG_STAMP_TOOL must name the camguard-stamp binary"
#endif

static char tmpdir[] = "/tmp/camguard-stamp-test.XXXXXX";
static char path[sizeof(tmpdir) + 32];

struct run {
	int status;
	char out[8192];
	char err[2048];
};

static void setup(void)
{
	strcpy(tmpdir + sizeof(tmpdir) - 7, "XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[sizeof(tmpdir) + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Path of @name in the temporary directory (one at a time). */
static const char *tmp(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static void slurp(const char *name, char *buf, size_t size)
{
	FILE *f = fopen(tmp(name), "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Run the tool with @args (shell words; FILE paths are relative to tmpdir). */
static void run(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void run(struct run *r, const char *fmt, ...)
{
	char args[1024], cmd[2048];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s >out 2>err", tmpdir,
		 CG_STAMP_TOOL, args);
	status = system(cmd);
	ck_assert_msg(status != -1 && WIFEXITED(status), "'%s' died", cmd);
	r->status = WEXITSTATUS(status);
	slurp("out", r->out, sizeof(r->out));
	slurp("err", r->err, sizeof(r->err));
}

static void append_file(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(tmp(name), "ab");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Append a frame with stamp @s (NULL: none) to @name. */
static size_t append_frame(const char *name, uint32_t fourcc, uint32_t width,
			   uint32_t height, uint32_t bpl,
			   const struct camguard_stamp *s)
{
	uint8_t *frame;
	size_t len;

	frame = make_frame(fourcc, width, height, bpl, BG_NOISE, 1, s, &len);
	ck_assert_ptr_nonnull(frame);
	append_file(name, frame, len);
	free(frame);
	return len;
}

static void append_jpeg(const char *name, uint32_t width, uint32_t height,
			const struct camguard_stamp *s)
{
	unsigned char *jpeg = NULL;
	unsigned long size = 0;
	uint8_t *frame;
	tjhandle tj;
	size_t len;

	frame = make_frame(V4L2_PIX_FMT_RGB24, width, height, 0, BG_NOISE, 1,
			   s, &len);
	ck_assert_ptr_nonnull(frame);
	tj = tjInitCompress();
	ck_assert_ptr_nonnull(tj);
	ck_assert_int_eq(tjCompress2(tj, frame, (int)width, 0, (int)height,
				     TJPF_RGB, &jpeg, &size, TJSAMP_420, 50, 0),
			 0);
	append_file(name, jpeg, size);
	tjFree(jpeg);
	tjDestroy(tj);
	free(frame);
}

static struct camguard_stamp stamp(uint8_t camera, uint32_t owner,
				   uint32_t stream, uint32_t seq)
{
	struct camguard_stamp s = { camera, owner, stream, seq };

	return s;
}

START_TEST(test_cli_raw_ok)
{
	struct camguard_stamp s;
	struct run r;
	uint32_t i;

	for (i = 0; i < 4; i++) {
		s = stamp(2, 1000, 7, 10 + i);
		append_frame("cap.yuyv", V4L2_PIX_FMT_YUYV, 320, 240, 0, &s);
	}
	run(&r, "--format YUYV --size 320x240 --expect-camera 2 "
		"--expect-owner 1000 --expect-frames 4 --check-sequence "
		"cap.yuyv");
	ck_assert_str_eq(r.err, "");
	ck_assert_str_eq(r.out,
			 "frame 0: camera 2 owner 1000 stream 7 seq 10\n"
			 "frame 1: camera 2 owner 1000 stream 7 seq 11\n"
			 "frame 2: camera 2 owner 1000 stream 7 seq 12\n"
			 "frame 3: camera 2 owner 1000 stream 7 seq 13\n"
			 "4 frames, 4 decoded, 0 mismatched\n");
	ck_assert_int_eq(r.status, 0);

	/* The same frames from standard input, quietly. */
	run(&r, "--format yuyv --size 320x240 -q - <cap.yuyv");
	ck_assert_str_eq(r.out, "4 frames, 4 decoded, 0 mismatched\n");
	ck_assert_int_eq(r.status, 0);

	/* Frame numbers run on across files. */
	run(&r, "--format YUYV --size 320x240 --expect-frames 8 cap.yuyv "
		"cap.yuyv");
	ck_assert_ptr_nonnull(strstr(r.out, "frame 7: camera 2 owner 1000 "
					    "stream 7 seq 13\n"));
	ck_assert_int_eq(r.status, 0);
}
END_TEST

START_TEST(test_cli_formats)
{
	struct camguard_stamp s = stamp(1, 0, 0xffffffff, 0);
	struct run r;

	append_frame("f.nv12", V4L2_PIX_FMT_NV12, 640, 480, 704, &s);
	run(&r, "--format NV12 --size 640x480 --bytesperline 704 f.nv12");
	ck_assert_str_eq(r.out,
			 "frame 0: camera 1 owner 0 stream 4294967295 seq 0\n"
			 "1 frames, 1 decoded, 0 mismatched\n");
	ck_assert_int_eq(r.status, 0);

	append_frame("f.rgb", V4L2_PIX_FMT_RGB24, 160, 120, 0, &s);
	run(&r, "--format RGB3 --size 160x120 --bytesperline 0 f.rgb");
	ck_assert_int_eq(r.status, 0);

	append_frame("f.grey", V4L2_PIX_FMT_GREY, 1920, 1080, 0, &s);
	run(&r, "--format GREY --size 1920X1080 f.grey");
	ck_assert_int_eq(r.status, 0);
}
END_TEST

START_TEST(test_cli_mismatch)
{
	struct camguard_stamp s;
	struct run r;

	s = stamp(2, 1000, 7, 5);
	append_frame("cap", V4L2_PIX_FMT_GREY, 160, 120, 0, &s);
	s = stamp(2, 1000, 7, 6);
	append_frame("cap", V4L2_PIX_FMT_GREY, 160, 120, 0, &s);
	s = stamp(2, 1000, 7, 6);	/* repeated */
	append_frame("cap", V4L2_PIX_FMT_GREY, 160, 120, 0, &s);
	s = stamp(2, 1000, 8, 4);	/* another stream */
	append_frame("cap", V4L2_PIX_FMT_GREY, 160, 120, 0, &s);
	s = stamp(2, 1000, 7, 9);	/* a gap is fine */
	append_frame("cap", V4L2_PIX_FMT_GREY, 160, 120, 0, &s);

	run(&r, "--format GREY --size 160x120 cap");
	ck_assert_str_eq(r.out + strlen(r.out) - 34,
			 "5 frames, 5 decoded, 0 mismatched\n");
	ck_assert_int_eq(r.status, 0);

	run(&r, "--format GREY --size 160x120 --check-sequence -q cap");
	ck_assert_str_eq(r.out,
			 "frame 2: camera 2 owner 1000 stream 7 seq 6 "
			 "(mismatch: seq not after 6)\n"
			 "5 frames, 5 decoded, 1 mismatched\n");
	ck_assert_int_eq(r.status, 1);

	run(&r, "--format GREY --size 160x120 --expect-camera 3 "
		"--expect-owner 0 --quiet cap");
	ck_assert_ptr_nonnull(strstr(r.out,
			 "frame 0: camera 2 owner 1000 stream 7 seq 5 "
			 "(mismatch: expected camera 3; expected owner 0)\n"));
	ck_assert_ptr_nonnull(strstr(r.out,
				     "5 frames, 5 decoded, 5 mismatched\n"));
	ck_assert_int_eq(r.status, 1);

	run(&r, "--format GREY --size 160x120 --expect-frames 4 cap");
	ck_assert_str_eq(r.err, "camguard-stamp: expected 4 frames, found 5\n");
	ck_assert_int_eq(r.status, 1);
}
END_TEST

START_TEST(test_cli_bad_frames)
{
	struct camguard_stamp s = stamp(0, 0, 1, 1);
	uint8_t junk[100] = { 0 };
	struct run r;

	append_frame("cap", V4L2_PIX_FMT_YUYV, 320, 240, 0, &s);
	append_frame("cap", V4L2_PIX_FMT_YUYV, 320, 240, 0, NULL);
	append_frame("cap", V4L2_PIX_FMT_YUYV, 320, 240, 0, &s);
	run(&r, "--format YUYV --size 320x240 -q cap");
	ck_assert_str_eq(r.out, "frame 1: no stamp (bad magic or CRC)\n"
				"3 frames, 2 decoded, 0 mismatched\n");
	ck_assert_int_eq(r.status, 1);

	append_file("cap", junk, sizeof(junk));
	run(&r, "--format YUYV --size 320x240 -q cap");
	ck_assert_str_eq(r.err, "camguard-stamp: cap: trailing partial frame "
				"(100 of 153600 bytes)\n");
	ck_assert_int_eq(r.status, 1);

	append_file("empty", "", 0);
	run(&r, "--format YUYV --size 320x240 empty");
	ck_assert_str_eq(r.out, "0 frames, 0 decoded, 0 mismatched\n");
	ck_assert_str_eq(r.err, "camguard-stamp: no frames found\n");
	ck_assert_int_eq(r.status, 1);

	run(&r, "--jpeg missing");
	ck_assert_str_eq(r.err, "camguard-stamp: missing: No such file or "
				"directory\n");
	ck_assert_int_eq(r.status, 1);
}
END_TEST

START_TEST(test_cli_jpeg)
{
	struct camguard_stamp s;
	struct run r;

	s = stamp(3, 1001, 9, 0);
	append_jpeg("one.jpg", 640, 480, &s);
	s = stamp(3, 1001, 9, 1);
	append_jpeg("two.mjpeg", 320, 240, &s);
	s = stamp(3, 1001, 9, 2);
	append_jpeg("two.mjpeg", 1280, 720, &s);
	run(&r, "--jpeg --expect-camera 3 --expect-owner 1001 "
		"--check-sequence --expect-frames 3 one.jpg two.mjpeg");
	ck_assert_str_eq(r.out,
			 "frame 0: camera 3 owner 1001 stream 9 seq 0\n"
			 "frame 1: camera 3 owner 1001 stream 9 seq 1\n"
			 "frame 2: camera 3 owner 1001 stream 9 seq 2\n"
			 "3 frames, 3 decoded, 0 mismatched\n");
	ck_assert_int_eq(r.status, 0);

	append_file("junk.jpg", "not a jpeg", 10);
	run(&r, "--jpeg junk.jpg");
	ck_assert_str_eq(r.out, "frame 0: no stamp (JPEG does not decode)\n"
				"1 frames, 0 decoded, 0 mismatched\n");
	ck_assert_int_eq(r.status, 1);

	append_jpeg("nostamp.jpg", 640, 480, NULL);
	run(&r, "--jpeg nostamp.jpg");
	ck_assert_str_eq(r.out, "frame 0: no stamp (bad magic or CRC)\n"
				"1 frames, 0 decoded, 0 mismatched\n");
	ck_assert_int_eq(r.status, 1);
}
END_TEST

/* Usage errors: exit 2 and name the bad input. */
START_TEST(test_cli_usage)
{
	static const struct {
		const char *args, *err;
	} cases[] = {
		{ "--format YUYV --size 640x f",
		  "bad --size '640x': expected WIDTHxHEIGHT" },
		{ "--format YUYV --size 640X480p f",
		  "bad --size '640X480p': expected WIDTHxHEIGHT" },
		{ "--format YUYV --size 0x480 f",
		  "bad --size '0x480': sides must be 1..8192" },
		{ "--format YUYV --size 100x50 f",
		  "bad --size '100x50': the stamp needs at least 144x80" },
		{ "--format NV12 --size 640x479 f",
		  "bad --size '640x479': NV12 needs an even width and height" },
		{ "--format YUYV --size 641x480 f",
		  "bad --size '641x480': YUYV needs an even width" },
		{ "--format MJPG --size 640x480 f",
		  "bad --format 'MJPG': expected YUYV, RGB24, NV12 or GREY" },
		{ "--format YUYV --size 640x480 --bytesperline 1000 f",
		  "bad --bytesperline '1000': YUYV 640x480 needs at least 1280" },
		{ "--format YUYV --size 640x480 --bytesperline 12k f",
		  "bad --bytesperline '12k': expected a number 0..65536" },
		{ "--jpeg --expect-camera 256 f",
		  "bad --expect-camera '256': expected a number 0..255" },
		{ "--jpeg --expect-owner -1 f",
		  "bad --expect-owner '-1': expected a number 0..4294967295" },
		{ "--jpeg --expect-frames 0 f",
		  "bad --expect-frames '0': expected a number 1..4294967295" },
		{ "--jpeg --format YUYV f",
		  "--jpeg does not take --format, --size or --bytesperline" },
		{ "--format YUYV f", "need --format and --size, or --jpeg" },
		{ "f", "need --format and --size, or --jpeg" },
		{ "--jpeg", "no FILE given" },
		{ "--jpeg --bogus f", "unrecognized option '--bogus'" },
		{ "--jpeg -x f", "invalid option -- 'x'" },
		{ "--jpeg --quiet=1 f",
		  "option '--quiet' doesn't allow an argument" },
		{ "--jpeg f --size", "option '--size' requires an argument" },
	};
	char want[256];
	unsigned int i;
	struct run r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run(&r, "%s", cases[i].args);
		snprintf(want, sizeof(want),
			 "camguard-stamp: %s\nTry 'camguard-stamp --help'.\n",
			 cases[i].err);
		ck_assert_str_eq(r.err, want);
		ck_assert_str_eq(r.out, "");
		ck_assert_int_eq(r.status, 2);
	}

	run(&r, "--help");
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(strncmp(r.out, "usage: camguard-stamp ", 22), 0);
	ck_assert_str_eq(r.err, "");
}
END_TEST

Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("camguard-stamp");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cli_raw_ok);
	tcase_add_test(tc, test_cli_formats);
	tcase_add_test(tc, test_cli_mismatch);
	tcase_add_test(tc, test_cli_bad_frames);
	tcase_add_test(tc, test_cli_jpeg);
	tcase_add_test(tc, test_cli_usage);
	suite_add_tcase(s, tc);
	return s;
}
