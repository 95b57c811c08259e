// SPDX-License-Identifier: MIT
/*
 * The display connection protocol (transport.h, docs/transport.md): the
 * hello line, the challenge and its response, and the TLS 1.3 contexts
 * and certificate fingerprints both ends use.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "hmac.h"
#include "transport.h"

#define HELLO_PREFIX_LEN	(sizeof(CG_HELLO_PREFIX) - 1)

/* The hello line can never outgrow its limit, whatever the name. */
_Static_assert(HELLO_PREFIX_LEN + CG_KV_MAX_NAME + 1 <= CG_HELLO_MAX,
	       "hello line longer than CG_HELLO_MAX");

static bool hello_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int cg_hello_format(const char *display, char *buf, size_t size)
{
	int n;

	if (!display || !buf || !cg_kv_name_ok(display))
		return -EINVAL;
	n = snprintf(buf, size, "%s%s\n", CG_HELLO_PREFIX, display);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENOSPC;
	return n;
}

int cg_hello_parse(const char *buf, size_t len,
		   char display[CG_KV_MAX_NAME + 1])
{
	size_t i, name_len;

	if (!buf || !display)
		return -EINVAL;
	/*
	 * Refuse as early as the bytes allow, so a supervisor never waits
	 * for the rest of something that cannot become a hello line.
	 */
	for (i = 0; i < len && i < HELLO_PREFIX_LEN; i++)
		if (buf[i] != CG_HELLO_PREFIX[i])
			return -EINVAL;
	for (; i < len; i++) {
		if (buf[i] == '\n')
			break;
		/* NUL, CR, spaces and controls all end up here. */
		if (!hello_name_char(buf[i]) ||
		    i - HELLO_PREFIX_LEN >= CG_KV_MAX_NAME)
			return -EINVAL;
	}
	if (i == len)
		return len < CG_HELLO_MAX ? 0 : -EINVAL;

	name_len = i - HELLO_PREFIX_LEN;
	if (i < HELLO_PREFIX_LEN || name_len == 0)
		return -EINVAL;
	memcpy(display, buf + HELLO_PREFIX_LEN, name_len);
	display[name_len] = '\0';
	/* The character set is right; this adds the rule on the first one. */
	if (!cg_kv_name_ok(display)) {
		display[0] = '\0';
		return -EINVAL;
	}
	return (int)(i + 1);
}

int cg_auth_challenge(uint8_t challenge[CG_AUTH_MSG_LEN])
{
	memcpy(challenge, CG_AUTH_CHALLENGE_MAGIC, 4);
	if (RAND_bytes(challenge + 4, CG_AUTH_NONCE_LEN) != 1)
		return -EIO;
	return 0;
}

/* HMAC-SHA256(key, label NUL || display || nonce) into @mac. */
static int auth_mac(const uint8_t key[CAMGUARD_KEY_LEN], const char *display,
		    const uint8_t challenge[CG_AUTH_MSG_LEN],
		    uint8_t mac[CAMGUARD_MAC_LEN])
{
	/* The label goes in with its NUL, so no name can extend it. */
	const struct cg_hmac_part parts[] = {
		{ CG_AUTH_LABEL, sizeof(CG_AUTH_LABEL) },
		{ display, strlen(display) },
		{ challenge + 4, CG_AUTH_NONCE_LEN },
	};
	struct cg_hmac *h;
	int ret;

	h = cg_hmac_new(key);
	if (!h)
		return -EIO;
	ret = cg_hmac_compute(h, parts, 3, mac);
	cg_hmac_free(h);
	return ret;
}

static bool auth_args_ok(const uint8_t *key, const char *display,
			 const uint8_t *challenge)
{
	return key && display && challenge && cg_kv_name_ok(display) &&
	       !memcmp(challenge, CG_AUTH_CHALLENGE_MAGIC, 4);
}

int cg_auth_respond(const uint8_t key[CAMGUARD_KEY_LEN], const char *display,
		    const uint8_t challenge[CG_AUTH_MSG_LEN],
		    uint8_t response[CG_AUTH_MSG_LEN])
{
	if (!auth_args_ok(key, display, challenge) || !response)
		return -EINVAL;
	memcpy(response, CG_AUTH_RESPONSE_MAGIC, 4);
	return auth_mac(key, display, challenge, response + 4);
}

int cg_auth_check(const uint8_t key[CAMGUARD_KEY_LEN], const char *display,
		  const uint8_t challenge[CG_AUTH_MSG_LEN],
		  const uint8_t response[CG_AUTH_MSG_LEN])
{
	uint8_t mac[CAMGUARD_MAC_LEN];
	int ret;

	if (!auth_args_ok(key, display, challenge) || !response)
		return -EINVAL;
	ret = auth_mac(key, display, challenge, mac);
	if (ret)
		return ret;
	/* Both compares run in full: nothing to learn from the timing. */
	ret = CRYPTO_memcmp(response, CG_AUTH_RESPONSE_MAGIC, 4) |
	      CRYPTO_memcmp(response + 4, mac, CAMGUARD_MAC_LEN);
	OPENSSL_cleanse(mac, sizeof(mac));
	return ret ? -EBADMSG : 0;
}

const char *cg_tls_errors(char *buf, size_t size)
{
	unsigned long e;
	size_t used = 0;

	if (!size)
		return buf;
	buf[0] = '\0';
	while ((e = ERR_get_error()) != 0) {
		char one[256];
		int n;

		ERR_error_string_n(e, one, sizeof(one));
		if (used + 1 >= size)
			continue;	/* keep emptying the queue */
		n = snprintf(buf + used, size - used, "%s%s",
			     used ? "; " : "", one);
		if (n > 0)
			used += (size_t)n < size - used ? (size_t)n :
							  size - used - 1;
	}
	if (!used)
		snprintf(buf, size, "no detail");
	return buf;
}

static void set_err(char *err, size_t errlen, const char *what)
{
	char detail[512];

	if (err && errlen)
		snprintf(err, errlen, "%s: %s", what,
			 cg_tls_errors(detail, sizeof(detail)));
	else
		ERR_clear_error();
}

/* What both ends share: TLS 1.3 and nothing older, no renegotiation. */
static SSL_CTX *tls_ctx(const SSL_METHOD *method, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(method);

	if (!ctx) {
		set_err(err, errlen, "SSL_CTX_new");
		return NULL;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION)) {
		set_err(err, errlen, "cannot restrict to TLS 1.3");
		SSL_CTX_free(ctx);
		return NULL;
	}
	/*
	 * Non-blocking writers retry SSL_write() with a buffer that may have
	 * moved (camguardd's queues); reads and writes are whole otherwise.
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* One connection, one handshake: no resumption to reason about. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	return ctx;
}

/* A server context with no certificate yet: no tickets, no resumption. */
static SSL_CTX *server_ctx(char *err, size_t errlen)
{
	SSL_CTX *ctx = tls_ctx(TLS_server_method(), err, errlen);

	/* No tickets at all: the display never resumes. */
	if (ctx)
		SSL_CTX_set_num_tickets(ctx, 0);
	return ctx;
}

SSL_CTX *cg_tls_server_ctx(const char *cert_file, const char *key_file,
			   char *err, size_t errlen)
{
	char what[600];
	SSL_CTX *ctx;

	if (!cert_file || !key_file) {
		if (err && errlen)
			snprintf(err, errlen, "no certificate or key file");
		return NULL;
	}
	ctx = server_ctx(err, errlen);
	if (!ctx)
		return NULL;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		snprintf(what, sizeof(what), "%s: cannot load the certificate",
			 cert_file);
		goto fail;
	}
	/* OpenSSL refuses here a key that is not the certificate's. */
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		snprintf(what, sizeof(what),
			 "%s: cannot load the private key, or it does not match the certificate in %s",
			 key_file, cert_file);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(what, sizeof(what),
			 "%s does not match the certificate in %s", key_file,
			 cert_file);
		goto fail;
	}
	return ctx;
fail:
	set_err(err, errlen, what);
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *cg_tls_server_ctx_keys(X509 *cert, EVP_PKEY *key, const char *what,
				char *err, size_t errlen)
{
	char msg[600];
	SSL_CTX *ctx;

	if (!cert || !key || !what)
		return NULL;
	ctx = server_ctx(err, errlen);
	if (!ctx)
		return NULL;
	if (SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(msg, sizeof(msg),
			 "%s: the private key does not match the certificate",
			 what);
		set_err(err, errlen, msg);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

SSL_CTX *cg_tls_client_ctx(char *err, size_t errlen)
{
	SSL_CTX *ctx = tls_ctx(TLS_client_method(), err, errlen);

	if (!ctx)
		return NULL;
	/*
	 * No chain, no host name: the display pins the certificate's
	 * fingerprint after the handshake (cg_tls_peer_fingerprint()).
	 */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

int cg_x509_fingerprint(X509 *cert, uint8_t fp[32])
{
	unsigned int n = 0;

	if (X509_digest(cert, EVP_sha256(), fp, &n) != 1 || n != 32)
		return -EIO;
	return 0;
}

int cg_tls_peer_fingerprint(SSL *ssl, uint8_t fp[32])
{
	X509 *cert;

	if (!ssl || !fp)
		return -EINVAL;
	cert = SSL_get0_peer_certificate(ssl);	/* borrowed */
	if (!cert)
		return -ENOENT;
	return cg_x509_fingerprint(cert, fp);
}

int cg_cert_fingerprint(const char *cert_file, uint8_t fp[32], char *err,
			size_t errlen)
{
	X509 *cert;
	FILE *f;
	int ret;

	if (!cert_file || !fp)
		return -EINVAL;
	f = fopen(cert_file, "re");
	if (!f) {
		ret = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", cert_file,
				 strerror(-ret));
		return ret;
	}
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!cert) {
		char what[300];

		snprintf(what, sizeof(what), "%s: no PEM certificate",
			 cert_file);
		set_err(err, errlen, what);
		return -EINVAL;
	}
	ret = cg_x509_fingerprint(cert, fp);
	X509_free(cert);
	if (ret)
		set_err(err, errlen, cert_file);
	return ret;
}
