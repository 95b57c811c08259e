/* SPDX-License-Identifier: GPL-2.0 */
/*
 * camguard internal declarations shared between the module's parts.
 * Cross-file symbols carry the cg_ prefix; file-local helpers none.
 */
#ifndef _CG_CAMGUARD_H
#define _CG_CAMGUARD_H

#include <linux/cred.h>
#include <linux/types.h>
#include <linux/uidgid.h>

/*
 * The credential that owns a stream, snapshotted from the f_cred of the
 * file that owns the vb2 queue. f_cred never changes for the life of a
 * file, so neither does the owner of a stream, whoever later holds the fd.
 */
struct cg_owner {
	kuid_t euid;
	kgid_t egid;
	struct user_namespace *user_ns;	/* counted reference */
};

void cg_owner_init(struct cg_owner *owner, const struct cred *cred);
void cg_owner_release(struct cg_owner *owner);
/* The owner's euid as seen from the initial user namespace. */
u32 cg_owner_uid(const struct cg_owner *owner);

/*
 * A new stream id: strictly increasing while the module is loaded and never
 * below the boot-time clock, so ids are not reused after a reload either.
 */
u64 cg_stream_new_id(void);

int cg_vcam_init(unsigned int cameras);
void cg_vcam_uninit(void);

#endif /* _CG_CAMGUARD_H */
