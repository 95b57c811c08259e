// SPDX-License-Identifier: GPL-2.0
/*
 * The tables every part reads (cameras, channels, and their generation
 * counter for dumps), the lock over them, and the limits.
 */
#include <linux/moduleparam.h>
#include <linux/xarray.h>

#include "internal.h"

/* The tables below, attachments, bindings: see camguard.h for the order. */
DEFINE_MUTEX(cg_lock);
DEFINE_XARRAY_ALLOC(cg_cameras);
DEFINE_XARRAY_ALLOC1(cg_chans);
/* Bumped on every change a dump can see; starts at 1 (0 means unset). */
atomic_t cg_gen = ATOMIC_INIT(1);

unsigned int cg_max_channels = 256;
module_param_named(max_channels, cg_max_channels, uint, 0644);
MODULE_PARM_DESC(max_channels, "channels in all (default 256)");

unsigned int cg_max_channels_per_user = 16;
module_param_named(max_channels_per_user, cg_max_channels_per_user, uint,
		   0644);
MODULE_PARM_DESC(max_channels_per_user,
		 "channels of one user, all its user namespaces together (default 16)");

unsigned int cg_max_attach_per_camera = 16;
module_param_named(max_attach_per_camera, cg_max_attach_per_camera, uint,
		   0644);
MODULE_PARM_DESC(max_attach_per_camera,
		 "channels attached to one camera (default 16)");

bool cg_digest_enabled = true;
module_param_named(digest, cg_digest_enabled, bool, 0644);
MODULE_PARM_DESC(digest,
		 "SHA-256 of every frame (default 1); 0 is for measuring only: tags then carry NO_DIGEST");

void cg_changed(void)
{
	/* Never 0: nl_dump_check_consistent() treats 0 as "not started". */
	if (atomic_inc_return(&cg_gen) == 0)
		atomic_inc(&cg_gen);
}

/*
 * The camera of @q, or NULL. The result stays valid while the caller holds
 * q->lock without a break (unregistration takes it) or rcu_read_lock().
 * vb2 drops q->lock while a blocking DQBUF or read() waits: look the camera
 * up again after such a call.
 */
struct camguard_camera *cg_camera_of_queue(struct vb2_queue *q)
{
	struct camguard_camera *cam, *found = NULL;
	unsigned long id;

	rcu_read_lock();
	xa_for_each(&cg_cameras, id, cam) {
		if (cam->queue == q) {
			found = cam;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}
