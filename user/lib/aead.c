// SPDX-License-Identifier: GPL-2.0
/*
 * HKDF, AES key wrap and AES-GCM on OpenSSL 3 EVP. A cipher context lives
 * for one call: the per-frame cost is the AES work, the context set-up is
 * a few hundred nanoseconds, and nothing keyed outlives the call.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "aead.h"

int cg_sha256(const void *data, size_t len, uint8_t digest[CG_SHA256_LEN])
{
	unsigned int n = 0;

	if (!EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) ||
	    n != CG_SHA256_LEN)
		return -EIO;
	return 0;
}

int cg_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const char *info,
		   uint8_t *out, size_t out_len)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						 (char *)"SHA256", 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						  (void *)ikm, ikm_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						  (void *)info, strlen(info)),
		OSSL_PARAM_construct_end(),
	};
	EVP_KDF_CTX *ctx = NULL;
	EVP_KDF *kdf;
	int ret = -EIO;

	kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL);
	if (kdf)
		ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);	/* the context holds its own reference */
	/* No salt parameter: RFC 5869's default, HashLen zero bytes. */
	if (ctx && EVP_KDF_derive(ctx, out, out_len, params) > 0)
		ret = 0;
	EVP_KDF_CTX_free(ctx);	/* wipes the key it copied */
	if (ret)
		OPENSSL_cleanse(out, out_len);
	return ret;
}

/* One AES-256-WRAP operation, @enc 1 to wrap, 0 to unwrap. */
static int cg_aes_kw(const uint8_t kek[CG_AES256_KEY_LEN], int enc,
		     const uint8_t *in, int in_len, uint8_t *out,
		     int want_len)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0, ret = -EIO;

	if (!ctx)
		return -ENOMEM;
	/* OpenSSL refuses wrap modes in EVP unless asked for explicitly. */
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (!EVP_CipherInit_ex(ctx, EVP_aes_256_wrap(), NULL, kek, NULL, enc))
		goto out;
	/* The integrity check of an unwrap fails in the update call. */
	if (!EVP_CipherUpdate(ctx, out, &n, in, in_len) ||
	    !EVP_CipherFinal_ex(ctx, out + n, &fin)) {
		ret = enc ? -EIO : -EBADMSG;
		goto out;
	}
	ret = n + fin == want_len ? 0 : -EIO;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

int cg_aes_kw_wrap(const uint8_t kek[CG_AES256_KEY_LEN],
		   const uint8_t key[CG_AES256_KEY_LEN],
		   uint8_t out[CG_AES256_KEY_LEN + CG_KW_OVERHEAD])
{
	return cg_aes_kw(kek, 1, key, CG_AES256_KEY_LEN, out,
			 CG_AES256_KEY_LEN + CG_KW_OVERHEAD);
}

int cg_aes_kw_unwrap(const uint8_t kek[CG_AES256_KEY_LEN],
		     const uint8_t in[CG_AES256_KEY_LEN + CG_KW_OVERHEAD],
		     uint8_t key[CG_AES256_KEY_LEN])
{
	/* OpenSSL writes the unwrapped bytes before it checks them. */
	uint8_t tmp[CG_AES256_KEY_LEN + CG_KW_OVERHEAD];
	int ret;

	ret = cg_aes_kw(kek, 0, in, CG_AES256_KEY_LEN + CG_KW_OVERHEAD, tmp,
			CG_AES256_KEY_LEN);
	if (!ret)
		memcpy(key, tmp, CG_AES256_KEY_LEN);
	else
		OPENSSL_cleanse(key, CG_AES256_KEY_LEN);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return ret;
}

/* Update in slices: EVP lengths are int, payloads are size_t. */
static int cg_gcm_update(EVP_CIPHER_CTX *ctx, const uint8_t *in, size_t len,
			 uint8_t *out)
{
	int n;

	while (len) {
		int chunk = len > INT_MAX / 2 ? INT_MAX / 2 : (int)len;

		if (!EVP_CipherUpdate(ctx, out, &n, in, chunk) || n != chunk)
			return -EIO;
		in += chunk;
		out += chunk;
		len -= (size_t)chunk;
	}
	return 0;
}

/* Key, nonce and associated data into a new context for @enc. */
static EVP_CIPHER_CTX *cg_gcm_start(const uint8_t *key, const uint8_t *nonce,
				    const uint8_t *aad, size_t aad_len,
				    int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n;

	if (!ctx)
		return NULL;
	/* 12 bytes is GCM's default nonce length: no IVLEN control needed. */
	if (!EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce,
			       enc) ||
	    aad_len > INT_MAX ||
	    (aad_len && !EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len))) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int cg_gcm_seal(const uint8_t key[CG_AES256_KEY_LEN],
		const uint8_t nonce[CG_GCM_NONCE_LEN],
		const uint8_t *aad, size_t aad_len,
		const uint8_t *in, size_t len, uint8_t *out,
		uint8_t tag[CG_GCM_TAG_LEN])
{
	EVP_CIPHER_CTX *ctx = cg_gcm_start(key, nonce, aad, aad_len, 1);
	int n = 0, ret = -EIO;

	if (!ctx)
		return -EIO;
	if (!cg_gcm_update(ctx, in, len, out) &&
	    EVP_EncryptFinal_ex(ctx, out + len, &n) && n == 0 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, CG_GCM_TAG_LEN,
				tag))
		ret = 0;
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

int cg_gcm_open(const uint8_t key[CG_AES256_KEY_LEN],
		const uint8_t nonce[CG_GCM_NONCE_LEN],
		const uint8_t *aad, size_t aad_len,
		const uint8_t *in, size_t len,
		const uint8_t tag[CG_GCM_TAG_LEN], uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = cg_gcm_start(key, nonce, aad, aad_len, 0);
	int n = 0, ret = -EIO;

	if (!ctx)
		return -EIO;
	if (cg_gcm_update(ctx, in, len, out) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, CG_GCM_TAG_LEN,
				 (void *)tag))
		goto out;
	/* The tag is compared (in constant time) by the final call. */
	ret = EVP_DecryptFinal_ex(ctx, out + len, &n) > 0 && n == 0 ? 0 :
	      -EBADMSG;
out:
	EVP_CIPHER_CTX_free(ctx);
	/* Unauthenticated plaintext is never handed out. */
	if (ret && len)
		OPENSSL_cleanse(out, len);
	return ret;
}
