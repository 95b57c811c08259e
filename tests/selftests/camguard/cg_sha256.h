/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) without libcrypto, for
 * builds that have no OpenSSL for their target (the static aarch64
 * programs of `make check-arm64`: CG_CRYPTO=builtin). The native builds
 * keep OpenSSL; cg_sha256_check compares the two on the host.
 */
#ifndef CG_SHA256_H
#define CG_SHA256_H

#include <stddef.h>
#include <stdint.h>

void cg_sha256_builtin(const void *p, size_t n, uint8_t out[32]);
void cg_hmac_sha256_builtin(const uint8_t *key, size_t klen, const void *p,
			    size_t n, uint8_t out[32]);

#endif
