// SPDX-License-Identifier: MIT
/* camguard-view: clocks, log sampling, writing a whole buffer. */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "view.h"

int64_t view_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t view_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t view_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Whether to log the @n-th event of a kind: the first few, then sparser. */
bool view_log_sample(uint64_t n)
{
	return n <= 5 || !(n & (n - 1));
}

/*
 * The level for a connection failure: with --reconnect against a board
 * that is down, the first few and then a sample, not one line per retry.
 */
enum cg_log_level view_fail_level(const struct view *v,
				  enum cg_log_level level)
{
	return view_log_sample(v->fail_streak + 1) ? level : CG_LOG_DEBUG;
}

int view_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}
