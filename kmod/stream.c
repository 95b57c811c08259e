// SPDX-License-Identifier: GPL-2.0
/*
 * Stream identities and owner snapshots.
 */
#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>

#include "camguard.h"

static atomic64_t cg_last_stream_id = ATOMIC64_INIT(0);

u64 cg_stream_new_id(void)
{
	s64 last = atomic64_read(&cg_last_stream_id);
	s64 next;

	/*
	 * max(last + 1, boot-time ns): allocation takes longer than a
	 * nanosecond, so every id handed out before a reload is below the
	 * clock reading of any allocation after it.
	 */
	do {
		next = max_t(s64, last + 1, ktime_get_boottime_ns());
	} while (!atomic64_try_cmpxchg(&cg_last_stream_id, &last, next));

	return next;
}

void cg_owner_init(struct cg_owner *owner, const struct cred *cred)
{
	owner->euid = cred->euid;
	owner->egid = cred->egid;
	owner->user_ns = get_user_ns(cred->user_ns);
}

void cg_owner_release(struct cg_owner *owner)
{
	if (owner->user_ns) {
		put_user_ns(owner->user_ns);
		owner->user_ns = NULL;
	}
}

u32 cg_owner_uid(const struct cg_owner *owner)
{
	return from_kuid_munged(&init_user_ns, owner->euid);
}
