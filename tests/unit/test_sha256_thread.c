// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the SHA-256 on a second thread (user/lib/sha256_thread.c), as
 * camguardd's worker uses it: start, work meanwhile, finish; the digest
 * must be cg_sha256()'s for every size, jobs back to back, a finish with
 * no job refused, a free with a job still running waits for it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sha256_thread.h"
#include "unit.h"

static uint8_t *pattern(size_t len, unsigned int seed)
{
	uint8_t *p = malloc(len ? len : 1);
	size_t i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 131 + seed * 7 + (i >> 9));
	return p;
}

START_TEST(test_digest_matches)
{
	static const size_t sizes[] = { 0, 1, 63, 64, 65, 4096, 640 * 480 * 2,
					1920 * 1080 * 2 };
	struct cg_sha256_thread *t = cg_sha256_thread_new();
	uint8_t want[CG_SHA256_LEN], got[CG_SHA256_LEN];
	unsigned int i, round;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(cg_sha256_thread_threaded(t), 1);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			uint8_t *buf = pattern(sizes[i], i + round);

			ck_assert_int_eq(cg_sha256(buf, sizes[i], want), 0);
			memset(got, 0, sizeof(got));
			cg_sha256_thread_start(t, buf, sizes[i]);
			ck_assert_int_eq(cg_sha256_thread_finish(t, got), 0);
			ck_assert_mem_eq(got, want, sizeof(want));
			free(buf);
		}
	}
	cg_sha256_thread_free(t);
}
END_TEST

START_TEST(test_finish_without_start)
{
	struct cg_sha256_thread *t = cg_sha256_thread_new();
	uint8_t d[CG_SHA256_LEN];
	uint8_t buf[100] = { 1 };

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(cg_sha256_thread_finish(t, d), -EINVAL);
	cg_sha256_thread_start(t, buf, sizeof(buf));
	ck_assert_int_eq(cg_sha256_thread_finish(t, d), 0);
	/* One finish per start: a second one has no job. */
	ck_assert_int_eq(cg_sha256_thread_finish(t, d), -EINVAL);
	cg_sha256_thread_free(t);
}
END_TEST

START_TEST(test_free_with_job_running)
{
	struct cg_sha256_thread *t = cg_sha256_thread_new();
	size_t len = 8u << 20;
	uint8_t *buf = pattern(len, 3);

	ck_assert_ptr_nonnull(t);
	cg_sha256_thread_start(t, buf, len);
	cg_sha256_thread_free(t);	/* waits for the job before it returns */
	free(buf);
	cg_sha256_thread_free(NULL);
}
END_TEST

Suite *sha256_thread_suite(void)
{
	Suite *s = suite_create("sha256_thread");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_digest_matches);
	tcase_add_test(tc, test_finish_without_start);
	tcase_add_test(tc, test_free_with_job_running);
	suite_add_tcase(s, tc);
	return s;
}
