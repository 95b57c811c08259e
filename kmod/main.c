// SPDX-License-Identifier: GPL-2.0
/*
 * camguard: frames tagged at the source with the credential that owns the
 * capture. This file only brings the parts up in order (the netlink family
 * last) and down in reverse (the family first).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "camguard.h"
#include "vcam.h"

static unsigned int cameras = 2;
module_param(cameras, uint, 0444);
MODULE_PARM_DESC(cameras, "number of virtual cameras, 1 to 8 (default 2)");

static int __init cg_init(void)
{
	int ret;

	if (!cameras || cameras > CG_VCAM_MAX_CAMERAS) {
		pr_err("cameras=%u: must be 1 to %u\n", cameras,
		       CG_VCAM_MAX_CAMERAS);
		return -EINVAL;
	}

	cg_audit_init();
	ret = cg_chan_init();
	if (ret)
		return ret;
	ret = cg_vcam_init(cameras);
	if (ret)
		goto err_chan;
	/*
	 * The family last, as WireGuard does: no request arrives before the
	 * cameras exist, so no channel can exist when a later step fails.
	 */
	ret = cg_netlink_init();
	if (ret)
		goto err_vcam;

	pr_info("loaded with %u virtual cameras\n", cameras);
	return 0;

err_vcam:
	cg_vcam_uninit();
err_chan:
	cg_chan_exit();
	return ret;
}

static void __exit cg_exit(void)
{
	/*
	 * No audit event once the family starts to go, no new requests, then
	 * every channel told, then the cameras.
	 */
	cg_audit_exit();
	cg_netlink_exit();
	cg_chan_revoke_all(CAMGUARD_REASON_UNLOAD);
	cg_vcam_uninit();
	cg_chan_exit();
	/* Streams are freed from RCU callbacks in this module's text. */
	rcu_barrier();
}

module_init(cg_init);
module_exit(cg_exit);

MODULE_DESCRIPTION("camguard: owner-tagged camera frames and a virtual camera");
MODULE_AUTHOR("camguard developers");
MODULE_LICENSE("GPL");
MODULE_ALIAS_GENL_FAMILY(CAMGUARD_GENL_NAME);
/* modprobe loads the arch SHA-256 drivers (SHA-NI, AVX2) before us. */
MODULE_SOFTDEP("pre: crypto-sha256");
