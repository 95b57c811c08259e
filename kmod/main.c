// SPDX-License-Identifier: GPL-2.0
/*
 * camguard: frames tagged at the source with the credential that owns the
 * capture. This module is the core: the tags, the channels and the netlink
 * family. It has no camera of its own; capture drivers register theirs
 * through <linux/camguard.h> (the virtual camera is camguard_vcam.ko).
 *
 * This file only brings the parts up in order, the netlink family last, and
 * down in the exact reverse, the family first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "internal.h"

static int __init camguard_init(void)
{
	int ret;

	cg_audit_init();
	ret = cg_chan_init();
	if (ret)
		return ret;
	/*
	 * The family last, as WireGuard does: no request arrives before the
	 * rest is up, so no channel exists when a step fails and nothing is
	 * left to revoke on this unwind.
	 */
	ret = cg_netlink_init();
	if (ret) {
		cg_chan_exit();
		return ret;
	}

	pr_info("loaded\n");
	return 0;
}

/*
 * Every driver that registered a camera holds a reference on this module
 * through the symbols it uses, so no camera is left when this runs.
 */
static void __exit camguard_exit(void)
{
	/*
	 * No audit event once the family starts to go, no new requests, then
	 * every channel told, then the channel table.
	 */
	cg_audit_exit();
	cg_netlink_exit();
	cg_chan_revoke_all(CAMGUARD_REASON_UNLOAD);
	cg_chan_exit();
	/* Streams are freed from RCU callbacks in this module's text. */
	rcu_barrier();
}

module_init(camguard_init);
module_exit(camguard_exit);

MODULE_DESCRIPTION("camguard: owner-tagged camera frames");
MODULE_AUTHOR("camguard developers");
MODULE_LICENSE("GPL");
MODULE_ALIAS_GENL_FAMILY(CAMGUARD_GENL_NAME);
/* modprobe loads the arch SHA-256 drivers (SHA-NI, AVX2) before us. */
MODULE_SOFTDEP("pre: crypto-sha256");
