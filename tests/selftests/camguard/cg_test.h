/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Common part of the camguard selftest programs: the kselftest harness
 * (from the kernel tree; see the Makefile) and the helpers.
 */
#ifndef CG_TEST_H
#define CG_TEST_H

#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "cg_nl.h"
#include "cg_util.h"
#include "cg_v4l2.h"

/*
 * Start of every test: skip (with the reason) where camguard is not
 * loaded, fail where it is but unusable.
 */
#define CG_NEED(ncams) do {						\
	bool __skip;							\
	const char *__why = cg_env(ncams, &__skip);			\
	if (__why && __skip)						\
		SKIP(return, "%s", __why);				\
	if (__why) {							\
		TH_LOG("%s", __why);					\
		ASSERT_TRUE(false);					\
	}								\
} while (0)

/* A request's result with its extack in the log on mismatch. */
#define EXPECT_NL(want, nl, expr) do {					\
	int __r = (expr);						\
	EXPECT_EQ(want, __r) {						\
		TH_LOG("%s: %d (%s), extack \"%s\"", #expr, __r,	\
		       strerror(-__r), (nl)->ext_msg);			\
	}								\
} while (0)
#define ASSERT_NL(want, nl, expr) do {					\
	int __r = (expr);						\
	ASSERT_EQ(want, __r) {						\
		TH_LOG("%s: %d (%s), extack \"%s\"", #expr, __r,	\
		       strerror(-__r), (nl)->ext_msg);			\
	}								\
} while (0)

/* Children: 0 is success; anything else was logged by the child. */
#define ASSERT_CHILD_OK(p, ms) ASSERT_EQ(0, cg_reap(p, cg_tmo(ms)))
#define EXPECT_CHILD_OK(p, ms) EXPECT_EQ(0, cg_reap(p, cg_tmo(ms)))

#endif
