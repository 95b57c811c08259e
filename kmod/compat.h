/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernel APIs the camguard core builds against
 * (6.1 to 6.12). Each CG_HAVE_* comes from a header probe in Kbuild, so a
 * backport that moves an API is followed without touching version numbers.
 * Nothing outside this file tests a CG_HAVE_* symbol. (The virtual camera
 * has its own, drivers/vcam/compat.h.)
 */
#ifndef _CG_COMPAT_H
#define _CG_COMPAT_H

#include <net/genetlink.h>

/* v6.2 split the ops: a family's pre_doit takes struct genl_split_ops. */
#ifdef CG_HAVE_GENL_SPLIT_OPS
#define CG_GENL_DOIT_OPS genl_split_ops
#else
#define CG_GENL_DOIT_OPS genl_ops
#endif

#endif /* _CG_COMPAT_H */
