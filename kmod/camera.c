// SPDX-License-Identifier: GPL-2.0
/*
 * The camera registry: cameras registered by capture drivers through the
 * in-kernel API (include/linux/camguard.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <media/v4l2-dev.h>
#include <media/videobuf2-core.h>

#include "internal.h"

struct camguard_camera *camguard_camera_register(struct video_device *vdev,
						 const char *name)
{
	return camguard_camera_register_queue(vdev, vdev->queue, name);
}
EXPORT_SYMBOL_GPL(camguard_camera_register);

struct camguard_camera *
camguard_camera_register_queue(struct video_device *vdev, struct vb2_queue *q,
			       const char *name)
{
	struct camguard_camera *cam;
	u32 id;
	int ret;

	if (WARN_ON(!q || !q->lock))
		return ERR_PTR(-EINVAL);

	cam = kzalloc(sizeof(*cam), GFP_KERNEL);
	if (!cam)
		return ERR_PTR(-ENOMEM);
	cam->sha = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(cam->sha)) {
		ret = PTR_ERR(cam->sha);
		goto err_free;
	}
	mutex_init(&cam->lock);
	INIT_LIST_HEAD(&cam->chans);
	spin_lock_init(&cam->defer_lock);
	INIT_LIST_HEAD(&cam->deferred);
	INIT_WORK(&cam->defer_work, cg_vb2_defer_work);
	strscpy(cam->name, name, sizeof(cam->name));
	strscpy(cam->devnode, video_device_node_name(vdev),
		sizeof(cam->devnode));
	cam->queue = q;

	mutex_lock(&cg_lock);
	/* Tags carry the camera id in 16 bits. */
	ret = xa_alloc(&cg_cameras, &id, cam, XA_LIMIT(0, U16_MAX),
		       GFP_KERNEL);
	if (!ret) {
		cam->id = id;
		cg_changed();
	}
	mutex_unlock(&cg_lock);
	if (ret)
		goto err_sha;

	pr_debug("camera %u is %s (%s), sha256 by %s\n", cam->id, cam->devnode,
		 cam->name,
		 crypto_tfm_alg_driver_name(crypto_shash_tfm(cam->sha)));
	return cam;

err_sha:
	mutex_destroy(&cam->lock);
	crypto_free_shash(cam->sha);
err_free:
	kfree(cam);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(camguard_camera_register_queue);

void camguard_camera_unregister(struct camguard_camera *cam)
{
	struct mutex *qlock;	/* the driver's queue lock */

	if (!cam)	/* as kfree(): error paths need not check */
		return;
	qlock = cam->queue->lock;
	/* Under q->lock: no vb2 helper is using the camera while it goes. */
	mutex_lock(qlock);
	mutex_lock(&cg_lock);
	xa_erase(&cg_cameras, cam->id);
	mutex_lock(&cam->lock);
	cg_stream_end(cam);
	mutex_unlock(&cam->lock);
	cg_chan_revoke_camera(cam, CAMGUARD_REASON_CAMERA_GONE);
	cg_changed();
	mutex_unlock(&cg_lock);
	mutex_unlock(qlock);

	/*
	 * The driver stopped streaming before calling us, so the frame path
	 * no longer uses the hash; lookups under RCU may still see cam.
	 */
	flush_work(&cam->defer_work);
	crypto_free_shash(cam->sha);
	mutex_destroy(&cam->lock);
	kfree_rcu(cam, rcu);
}
EXPORT_SYMBOL_GPL(camguard_camera_unregister);
