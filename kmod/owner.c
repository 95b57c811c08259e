// SPDX-License-Identifier: GPL-2.0
/*
 * Owners: the credential that owns a stream or a channel (euid, egid, user
 * namespace), and the user charged for what an owner holds.
 */
#include <linux/user_namespace.h>

#include "internal.h"

void cg_owner_copy(struct cg_owner *dst, const struct cg_owner *src)
{
	*dst = *src;
	get_user_ns(dst->user_ns);
}

void cg_owner_init(struct cg_owner *owner, const struct cred *cred)
{
	struct cg_owner snap = cg_owner_of(cred);

	cg_owner_copy(owner, &snap);
}

void cg_owner_release(struct cg_owner *owner)
{
	if (owner->user_ns) {
		put_user_ns(owner->user_ns);
		owner->user_ns = NULL;
	}
}

bool cg_owner_equal(const struct cg_owner *a, const struct cg_owner *b)
{
	return uid_eq(a->euid, b->euid) && gid_eq(a->egid, b->egid) &&
	       a->user_ns == b->user_ns;
}

bool cg_owner_is_cred(const struct cg_owner *owner, const struct cred *cred)
{
	return uid_eq(owner->euid, cred->euid) &&
	       gid_eq(owner->egid, cred->egid) &&
	       owner->user_ns == cred->user_ns;
}

u32 cg_owner_uid(const struct cg_owner *owner)
{
	return from_kuid_munged(&init_user_ns, owner->euid);
}

/*
 * The user charged for what @owner holds, in the initial user namespace:
 * its euid there, or, for a credential inside a user namespace, the user
 * who created the outermost namespace below the initial one. The kernel's
 * own per-user counts (ucounts) charge a namespace's users to its creator
 * the same way, so that neither a new namespace nor the uids mapped into
 * one (a subuid range) make a new user.
 */
kuid_t cg_owner_user(const struct cg_owner *owner)
{
	const struct user_namespace *ns = owner->user_ns;

	if (ns == &init_user_ns)
		return owner->euid;
	while (ns->parent != &init_user_ns)
		ns = ns->parent;
	return ns->owner;
}
