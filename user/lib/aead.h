/* SPDX-License-Identifier: MIT */
/*
 * The symmetric primitives of record version 2 (docs/record-format.md,
 * "Keys"), each one that browsers' WebCrypto also has, so a display in a
 * page can do exactly what this code does:
 *
 *   HKDF-SHA256 (RFC 5869)   keys derived from a display's channel key
 *   AES-256 key wrap (RFC 3394, default IV)   a frame's content key
 *   AES-256-GCM, 96-bit nonce, 128-bit tag     the frame's payload
 *   SHA-256                                    digests of frames, payloads
 *
 * Thin wrappers over OpenSSL 3 EVP. Functions return 0 or a -errno;
 * -EBADMSG means the input failed its integrity check (wrong key or
 * tampered bytes), -EIO that OpenSSL itself failed. Nothing here keeps
 * key material: the caller owns every key buffer and wipes it.
 */
#ifndef CG_AEAD_H
#define CG_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define CG_AES256_KEY_LEN	32
#define CG_KW_OVERHEAD		8	/* RFC 3394 integrity block */
#define CG_GCM_NONCE_LEN	12
#define CG_GCM_TAG_LEN		16
#define CG_SHA256_LEN		32

/* SHA-256 of @len bytes at @data. 0 or -EIO. */
int cg_sha256(const void *data, size_t len, uint8_t digest[CG_SHA256_LEN]);

/* HKDF-SHA256(salt empty, @ikm, @info) into @out (@out_len bytes). */
int cg_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const char *info,
		   uint8_t *out, size_t out_len);

/* AES-256 key wrap of a 32-byte key: 40 bytes out. */
int cg_aes_kw_wrap(const uint8_t kek[CG_AES256_KEY_LEN],
		   const uint8_t key[CG_AES256_KEY_LEN],
		   uint8_t out[CG_AES256_KEY_LEN + CG_KW_OVERHEAD]);
/* Its inverse; -EBADMSG if the integrity check fails (then @key is zero). */
int cg_aes_kw_unwrap(const uint8_t kek[CG_AES256_KEY_LEN],
		     const uint8_t in[CG_AES256_KEY_LEN + CG_KW_OVERHEAD],
		     uint8_t key[CG_AES256_KEY_LEN]);

/*
 * AES-256-GCM of @len bytes at @in into @out (@len bytes, may be @in)
 * followed by the tag at @tag. The caller guarantees that (@key, @nonce)
 * is never used for two messages.
 */
int cg_gcm_seal(const uint8_t key[CG_AES256_KEY_LEN],
		const uint8_t nonce[CG_GCM_NONCE_LEN],
		const uint8_t *aad, size_t aad_len,
		const uint8_t *in, size_t len, uint8_t *out,
		uint8_t tag[CG_GCM_TAG_LEN]);
/*
 * Its inverse: -EBADMSG if @tag does not verify. @out (may be @in) then
 * holds nothing of the plaintext: it is wiped before returning.
 */
int cg_gcm_open(const uint8_t key[CG_AES256_KEY_LEN],
		const uint8_t nonce[CG_GCM_NONCE_LEN],
		const uint8_t *aad, size_t aad_len,
		const uint8_t *in, size_t len,
		const uint8_t tag[CG_GCM_TAG_LEN], uint8_t *out);

#endif /* CG_AEAD_H */
