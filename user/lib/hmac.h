/* SPDX-License-Identifier: MIT */
/*
 * HMAC-SHA256 under one channel key (OpenSSL EVP_MAC). A struct cg_hmac is
 * keyed once and then reused for every message, so the per-frame cost is
 * the MAC itself, not fetching the algorithm. The key lives only inside
 * OpenSSL's context, which wipes it when freed.
 *
 * Not thread safe: one struct cg_hmac per thread.
 */
#ifndef CG_HMAC_H
#define CG_HMAC_H

#include <stddef.h>
#include <stdint.h>
#include <linux/camguard.h>

struct cg_hmac;

/* One piece of a message that is MACed as the concatenation of pieces. */
struct cg_hmac_part {
	const void *data;
	size_t len;
};

/* A context keyed with @key (CAMGUARD_KEY_LEN bytes), or NULL (no memory). */
struct cg_hmac *cg_hmac_new(const uint8_t key[CAMGUARD_KEY_LEN]);
void cg_hmac_free(struct cg_hmac *h);

/* MAC of the concatenation of @parts into @mac: 0, or -EIO from OpenSSL. */
int cg_hmac_compute(struct cg_hmac *h, const struct cg_hmac_part *parts,
		    unsigned int nparts, uint8_t mac[CAMGUARD_MAC_LEN]);

/*
 * Compare the MAC of @parts with @expected in constant time: 0 if equal,
 * -EBADMSG if not, -EIO if OpenSSL failed.
 */
int cg_hmac_verify(struct cg_hmac *h, const struct cg_hmac_part *parts,
		   unsigned int nparts,
		   const uint8_t expected[CAMGUARD_MAC_LEN]);

#endif /* CG_HMAC_H */
