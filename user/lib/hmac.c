// SPDX-License-Identifier: GPL-2.0
/* HMAC-SHA256 with a keyed, reusable OpenSSL EVP_MAC context. */
#include <errno.h>
#include <stdlib.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hmac.h"

struct cg_hmac {
	EVP_MAC_CTX *ctx;
};

struct cg_hmac *cg_hmac_new(const uint8_t key[CAMGUARD_KEY_LEN])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	struct cg_hmac *h;
	EVP_MAC *mac;

	if (!key)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (mac)
		h->ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);	/* the context holds its own reference */
	if (!h->ctx || !EVP_MAC_init(h->ctx, key, CAMGUARD_KEY_LEN, params)) {
		cg_hmac_free(h);
		return NULL;
	}
	return h;
}

void cg_hmac_free(struct cg_hmac *h)
{
	if (!h)
		return;
	EVP_MAC_CTX_free(h->ctx);
	free(h);
}

int cg_hmac_compute(struct cg_hmac *h, const struct cg_hmac_part *parts,
		    unsigned int nparts, uint8_t mac[CAMGUARD_MAC_LEN])
{
	size_t out_len = 0;
	unsigned int i;

	/* A NULL key restarts the MAC with the key given at creation. */
	if (!EVP_MAC_init(h->ctx, NULL, 0, NULL))
		return -EIO;
	for (i = 0; i < nparts; i++)
		if (parts[i].len &&
		    !EVP_MAC_update(h->ctx, parts[i].data, parts[i].len))
			return -EIO;
	if (!EVP_MAC_final(h->ctx, mac, &out_len, CAMGUARD_MAC_LEN) ||
	    out_len != CAMGUARD_MAC_LEN)
		return -EIO;
	return 0;
}

int cg_hmac_verify(struct cg_hmac *h, const struct cg_hmac_part *parts,
		   unsigned int nparts,
		   const uint8_t expected[CAMGUARD_MAC_LEN])
{
	uint8_t mac[CAMGUARD_MAC_LEN];
	int ret;

	ret = cg_hmac_compute(h, parts, nparts, mac);
	if (ret)
		return ret;
	ret = CRYPTO_memcmp(mac, expected, CAMGUARD_MAC_LEN) ? -EBADMSG : 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	return ret;
}
