// SPDX-License-Identifier: GPL-2.0
/*
 * The built-in SHA-256 and HMAC-SHA256 (cg_sha256.c, used where the
 * target has no libcrypto) against OpenSSL's, on the host: FIPS 180-2's
 * and RFC 4231's vectors, then every message length from 0 to 1100 bytes
 * and every key length from 0 to 200 over random bytes. Prints
 * "cg_sha256_check: N digests and N MACs equal to OpenSSL's" or the first
 * difference, exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cg_sha256.h"

static int differ(const char *what, size_t n, size_t klen, const uint8_t *a,
		  const uint8_t *b)
{
	if (!memcmp(a, b, 32))
		return 0;
	fprintf(stderr, "cg_sha256_check: %s of %zu bytes (key %zu bytes) differs from OpenSSL's\n",
		what, n, klen);
	return 1;
}

static int known(const char *what, const uint8_t *got, const char *hex)
{
	char s[65];
	int i;

	for (i = 0; i < 32; i++)
		sprintf(s + 2 * i, "%02x", got[i]);
	if (!strcmp(s, hex))
		return 0;
	fprintf(stderr, "cg_sha256_check: %s is %s, not %s\n", what, s, hex);
	return 1;
}

int main(void)
{
	static uint8_t msg[1100], key[200];
	uint8_t a[32], b[32], k20[20];
	unsigned int len;
	size_t n, kl;
	int bad = 0, digests = 0, macs = 0;

	/* FIPS 180-2 appendix B.1 and B.2, RFC 4231 test case 2 */
	cg_sha256_builtin("abc", 3, a);
	bad |= known("SHA-256(\"abc\")", a,
		     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cg_sha256_builtin("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, a);
	bad |= known("SHA-256 of FIPS 180-2 B.2", a,
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	cg_hmac_sha256_builtin((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, a);
	bad |= known("HMAC-SHA256 of RFC 4231 case 2", a,
		     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(k20, 0x0b, sizeof(k20));
	cg_hmac_sha256_builtin(k20, sizeof(k20), "Hi There", 8, a);
	bad |= known("HMAC-SHA256 of RFC 4231 case 1", a,
		     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

	srand(17);
	for (n = 0; n < sizeof(msg); n++)
		msg[n] = (uint8_t)rand();
	for (n = 0; n < sizeof(key); n++)
		key[n] = (uint8_t)rand();

	for (n = 0; n <= sizeof(msg) && !bad; n++) {
		cg_sha256_builtin(msg, n, a);
		len = 32;
		if (!EVP_Digest(msg, n, b, &len, EVP_sha256(), NULL))
			return 2;
		bad |= differ("SHA-256", n, 0, a, b);
		digests++;
	}
	for (kl = 0; kl <= sizeof(key) && !bad; kl++) {
		for (n = kl % 7; n <= sizeof(msg) && !bad; n += 97) {
			cg_hmac_sha256_builtin(key, kl, msg, n, a);
			len = 32;
			if (!HMAC(EVP_sha256(), key, (int)kl, msg, n, b, &len))
				return 2;
			bad |= differ("HMAC-SHA256", n, kl, a, b);
			macs++;
		}
	}
	if (bad)
		return 1;
	printf("cg_sha256_check: %d digests and %d MACs equal to OpenSSL's %s\n",
	       digests, macs, "(and 4 published vectors)");
	return 0;
}
