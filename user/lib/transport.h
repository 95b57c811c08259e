/* SPDX-License-Identifier: MIT */
/*
 * How a display talks to camguardd (docs/transport.md is the byte by byte
 * description). One TCP connection per display:
 *
 *   1. display -> camguardd, in clear: the hello line
 *          "CAMGUARD/1 <display name>\n"        (at most CG_HELLO_MAX bytes)
 *      camguardd's supervisor reads exactly this line (nothing more), and
 *      hands the socket to the worker of the display's owner, and to no
 *      other. The name only routes: it proves nothing.
 *   2. TLS 1.3 handshake, camguardd the server. The display checks that
 *      the SHA-256 of the server certificate (DER) is the fingerprint in
 *      its pairing file.
 *   3. camguardd -> display: challenge, "CGCH" and 32 random bytes.
 *   4. display -> camguardd: response, "CGAU" and
 *          HMAC-SHA256(channel key, "camguard display auth v1" NUL ||
 *                      display name || the 32 random bytes)
 *      The worker compares it in constant time with the one it computes
 *      from the display's pairing key; a wrong one closes the connection.
 *   5. camguardd -> display: records (record.h), until either side closes.
 *      The display sends nothing more.
 *
 * The response does not bind the TLS session, on purpose: a relay that
 * terminates TLS (a cloud service) can carry the exchange. What a relay
 * cannot do is make a display accept a record that is not its own: that
 * rests on the record seals, not on the transport.
 */
#ifndef CG_TRANSPORT_H
#define CG_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>
#include <linux/camguard.h>

#include "keyval.h"

#define CG_HELLO_PREFIX		"CAMGUARD/1 "
#define CG_HELLO_MAX		64	/* the whole line, newline included */

#define CG_AUTH_CHALLENGE_MAGIC	"CGCH"
#define CG_AUTH_RESPONSE_MAGIC	"CGAU"
#define CG_AUTH_NONCE_LEN	32
#define CG_AUTH_MSG_LEN		(4 + CG_AUTH_NONCE_LEN)	/* either message */
#define CG_AUTH_LABEL		"camguard display auth v1"

/*
 * The hello line for @display (a config name: CG_KV_MAX_NAME bytes at
 * most, [A-Za-z0-9._-]) into @buf: its length, or -EINVAL / -ENOSPC.
 */
int cg_hello_format(const char *display, char *buf, size_t size);

/*
 * Look for a whole hello line at the start of the @len bytes of @buf.
 * Returns the line's length (newline included) and the name in @display
 * when it is complete and valid; 0 when more bytes are needed (no newline
 * yet and @len < CG_HELLO_MAX); -EINVAL when it is not a hello line (bad
 * prefix, bad name, no newline within CG_HELLO_MAX bytes).
 */
int cg_hello_parse(const char *buf, size_t len,
		   char display[CG_KV_MAX_NAME + 1]);

/* A new challenge (from the OpenSSL RNG): 0 or -EIO. */
int cg_auth_challenge(uint8_t challenge[CG_AUTH_MSG_LEN]);

/*
 * The display's response to @challenge under its channel @key: 0, -EINVAL
 * (the challenge's magic is wrong), -EIO (OpenSSL).
 */
int cg_auth_respond(const uint8_t key[CAMGUARD_KEY_LEN], const char *display,
		    const uint8_t challenge[CG_AUTH_MSG_LEN],
		    uint8_t response[CG_AUTH_MSG_LEN]);

/* camguardd's check of @response: 0, -EBADMSG (wrong), -EIO. */
int cg_auth_check(const uint8_t key[CAMGUARD_KEY_LEN], const char *display,
		  const uint8_t challenge[CG_AUTH_MSG_LEN],
		  const uint8_t response[CG_AUTH_MSG_LEN]);

/*
 * TLS 1.3 only, both ends. The server context holds camguardd's
 * certificate and private key (PEM files); the client context verifies no
 * chain: a display pins the certificate's fingerprint instead. NULL on
 * error, with the reason (file names, OpenSSL's words) in @err.
 */
SSL_CTX *cg_tls_server_ctx(const char *cert_file, const char *key_file,
			   char *err, size_t errlen);
SSL_CTX *cg_tls_client_ctx(char *err, size_t errlen);

/*
 * The same server context from a certificate and key already loaded (the
 * context takes its own references): NULL when the key is not the
 * certificate's, "@what: ..." in @err.
 */
SSL_CTX *cg_tls_server_ctx_keys(X509 *cert, EVP_PKEY *key, const char *what,
				char *err, size_t errlen);

/* SHA-256 of @cert (DER): 0 or -EIO. */
int cg_x509_fingerprint(X509 *cert, uint8_t fp[32]);

/* SHA-256 of the peer's certificate (DER): 0, or -ENOENT (none), -EIO. */
int cg_tls_peer_fingerprint(SSL *ssl, uint8_t fp[32]);

/* SHA-256 of the certificate (DER) in a PEM file: 0 or -errno, @err. */
int cg_cert_fingerprint(const char *cert_file, uint8_t fp[32], char *err,
			size_t errlen);

/*
 * OpenSSL's error queue as one line into @buf (and the queue emptied);
 * "no detail" when it is empty. Returns @buf.
 */
const char *cg_tls_errors(char *buf, size_t size);

#endif /* CG_TRANSPORT_H */
