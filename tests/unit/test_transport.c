// SPDX-License-Identifier: MIT
/*
 * Tests of the display connection protocol (user/lib/transport.c): the hello
 * line against hostile bytes, the challenge and response (with a known
 * answer computed here independently), certificate fingerprints, and a
 * whole TLS 1.3 handshake over a socketpair with the fingerprint pinned.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "transport.h"
#include "unit.h"

#define HELLO(name)	CG_HELLO_PREFIX name "\n"

/* ---- hello line ---------------------------------------------------------- */

START_TEST(test_hello_format)
{
	char buf[CG_HELLO_MAX], name31[CG_KV_MAX_NAME + 2];

	ck_assert_int_eq(cg_hello_format("kitchen", buf, sizeof(buf)),
			 (int)strlen(HELLO("kitchen")));
	ck_assert_str_eq(buf, HELLO("kitchen"));

	memset(name31, 'a', CG_KV_MAX_NAME);
	name31[CG_KV_MAX_NAME] = '\0';
	ck_assert_int_eq(cg_hello_format(name31, buf, sizeof(buf)),
			 (int)(strlen(CG_HELLO_PREFIX) + CG_KV_MAX_NAME + 1));
	ck_assert_int_le(strlen(buf), CG_HELLO_MAX);

	/* Names the config would refuse never make a hello line. */
	name31[CG_KV_MAX_NAME] = 'a';
	name31[CG_KV_MAX_NAME + 1] = '\0';
	ck_assert_int_eq(cg_hello_format(name31, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(cg_hello_format("", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(cg_hello_format("a b", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(cg_hello_format("a\nb", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(cg_hello_format("-x", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(cg_hello_format(NULL, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(cg_hello_format("kitchen", buf, 10), -ENOSPC);
	/* Exactly the line, without room for the NUL. */
	ck_assert_int_eq(cg_hello_format("kitchen", buf,
					 strlen(HELLO("kitchen"))), -ENOSPC);
}
END_TEST

static int parse_str(const char *s, char name[CG_KV_MAX_NAME + 1])
{
	return cg_hello_parse(s, strlen(s), name);
}

START_TEST(test_hello_parse_good)
{
	char name[CG_KV_MAX_NAME + 1], buf[CG_HELLO_MAX];
	const char *line = HELLO("kitchen-2.b_x");
	size_t len = strlen(line), i;
	int n;

	ck_assert_int_eq(parse_str(line, name), (int)len);
	ck_assert_str_eq(name, "kitchen-2.b_x");

	/* What follows the line is not the supervisor's to read. */
	ck_assert_int_eq(parse_str(HELLO("k") "\x16\x03\x01garbage", name),
			 (int)strlen(HELLO("k")));
	ck_assert_str_eq(name, "k");

	/* Every proper prefix of a good line asks for more. */
	for (i = 0; i < len; i++)
		ck_assert_int_eq(cg_hello_parse(line, i, name), 0);

	/* The longest name, round trip. */
	n = cg_hello_format("abcdefghijklmnopqrstuvwxyz01234", buf,
			    sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(cg_hello_parse(buf, (size_t)n, name), n);
	ck_assert_str_eq(name, "abcdefghijklmnopqrstuvwxyz01234");
}
END_TEST

START_TEST(test_hello_parse_hostile)
{
	static const struct {
		const char *what;
		const char *text;
		size_t len;	/* 0: strlen */
	} bad[] = {
		{ "empty name", HELLO(""), 0 },
		{ "prefix, then newline", "CAMGUARD/1\n", 0 },
		{ "wrong version", "CAMGUARD/2 kitchen\n", 0 },
		{ "lower case", "camguard/1 kitchen\n", 0 },
		{ "HTTP", "GET / HTTP/1.1\r\n", 0 },
		{ "TLS first", "\x16\x03\x01\x02\x00\x01", 0 },
		{ "CR LF", CG_HELLO_PREFIX "kitchen\r\n", 0 },
		{ "space in name", CG_HELLO_PREFIX "kit chen\n", 0 },
		{ "two spaces", CG_HELLO_PREFIX " kitchen\n", 0 },
		{ "slash", CG_HELLO_PREFIX "../etc\n", 0 },
		{ "leading dot", CG_HELLO_PREFIX ".hidden\n", 0 },
		{ "leading dash", CG_HELLO_PREFIX "-x\n", 0 },
		{ "high byte", CG_HELLO_PREFIX "k\xc3\xa9\n", 0 },
		{ "NUL inside", CG_HELLO_PREFIX "kit\0chen\n", 20 },
		{ "NUL in prefix", "CAMGUARD\0/1 k\n", 14 },
		{ "32 characters",
		  HELLO("abcdefghijklmnopqrstuvwxyz012345"), 0 },
		{ "name runs on, no newline",
		  CG_HELLO_PREFIX "abcdefghijklmnopqrstuvwxyz0123456789", 0 },
	};
	char name[CG_KV_MAX_NAME + 1], big[4 * CG_HELLO_MAX];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);

		ck_assert_msg(cg_hello_parse(bad[i].text, len, name) == -EINVAL,
			      "%s: accepted", bad[i].what);
	}

	/* A bad byte is refused as soon as it arrives, not at the newline. */
	ck_assert_int_eq(cg_hello_parse("X", 1, name), -EINVAL);
	ck_assert_int_eq(cg_hello_parse(CG_HELLO_PREFIX "k ", 13, name),
			 -EINVAL);

	/* Nothing yet, or only part of the prefix: more. */
	ck_assert_int_eq(cg_hello_parse("", 0, name), 0);
	ck_assert_int_eq(cg_hello_parse("CAMG", 4, name), 0);
	ck_assert_int_eq(parse_str(CG_HELLO_PREFIX, name), 0);

	/* No newline within CG_HELLO_MAX bytes, whatever they are. */
	memset(big, 'a', sizeof(big));
	memcpy(big, CG_HELLO_PREFIX, strlen(CG_HELLO_PREFIX));
	ck_assert_int_eq(cg_hello_parse(big, CG_HELLO_MAX, name), -EINVAL);
	ck_assert_int_eq(cg_hello_parse(big, sizeof(big), name), -EINVAL);
	memset(big, '\n', sizeof(big));
	ck_assert_int_eq(cg_hello_parse(big, sizeof(big), name), -EINVAL);

	ck_assert_int_eq(cg_hello_parse(NULL, 3, name), -EINVAL);
	ck_assert_int_eq(cg_hello_parse(HELLO("k"), 13, NULL), -EINVAL);
}
END_TEST

/* ---- challenge and response ---------------------------------------------- */

static void key_of(uint8_t key[CAMGUARD_KEY_LEN], uint8_t seed)
{
	unsigned int i;

	for (i = 0; i < CAMGUARD_KEY_LEN; i++)
		key[i] = (uint8_t)(seed + i);
}

START_TEST(test_auth_round_trip)
{
	uint8_t key[CAMGUARD_KEY_LEN], other[CAMGUARD_KEY_LEN];
	uint8_t ch[CG_AUTH_MSG_LEN], ch2[CG_AUTH_MSG_LEN];
	uint8_t rsp[CG_AUTH_MSG_LEN], bad[CG_AUTH_MSG_LEN];

	key_of(key, 1);
	key_of(other, 2);
	ck_assert_int_eq(cg_auth_challenge(ch), 0);
	ck_assert_int_eq(cg_auth_challenge(ch2), 0);
	ck_assert_mem_eq(ch, CG_AUTH_CHALLENGE_MAGIC, 4);
	/* Fresh every time: a recorded response is worth nothing. */
	ck_assert(memcmp(ch + 4, ch2 + 4, CG_AUTH_NONCE_LEN) != 0);

	ck_assert_int_eq(cg_auth_respond(key, "kitchen", ch, rsp), 0);
	ck_assert_mem_eq(rsp, CG_AUTH_RESPONSE_MAGIC, 4);
	ck_assert_int_eq(cg_auth_check(key, "kitchen", ch, rsp), 0);

	/* Wrong key, name or challenge. */
	ck_assert_int_eq(cg_auth_check(other, "kitchen", ch, rsp), -EBADMSG);
	ck_assert_int_eq(cg_auth_check(key, "kitchen2", ch, rsp), -EBADMSG);
	ck_assert_int_eq(cg_auth_check(key, "kitche", ch, rsp), -EBADMSG);
	ck_assert_int_eq(cg_auth_check(key, "kitchen", ch2, rsp), -EBADMSG);

	/* Any flipped bit of the response, magic included. */
	for (unsigned int i = 0; i < CG_AUTH_MSG_LEN * 8; i++) {
		memcpy(bad, rsp, sizeof(bad));
		bad[i / 8] ^= (uint8_t)(1u << (i % 8));
		ck_assert_int_eq(cg_auth_check(key, "kitchen", ch, bad),
				 -EBADMSG);
	}

	/* A challenge that is not one. */
	memcpy(bad, ch, sizeof(bad));
	memcpy(bad, "CGAU", 4);
	ck_assert_int_eq(cg_auth_respond(key, "kitchen", bad, rsp), -EINVAL);
	ck_assert_int_eq(cg_auth_check(key, "kitchen", bad, rsp), -EINVAL);
	ck_assert_int_eq(cg_auth_respond(key, "bad name", ch, rsp), -EINVAL);
	ck_assert_int_eq(cg_auth_respond(key, "", ch, rsp), -EINVAL);
}
END_TEST

/* The response as docs/transport.md defines it, computed with HMAC(). */
START_TEST(test_auth_known_answer)
{
	static const char label[] = CG_AUTH_LABEL;
	static const uint8_t vector[CG_AUTH_MSG_LEN] = {
		0x43, 0x47, 0x41, 0x55, 0x12, 0x2d, 0x74, 0x91,
		0xd9, 0x52, 0x22, 0xdc, 0x7f, 0x47, 0x5c, 0x6b,
		0x17, 0x2f, 0x26, 0x25, 0xb7, 0x53, 0x13, 0x4b,
		0x7a, 0x5d, 0x34, 0x35, 0x50, 0xa4, 0xf5, 0xff,
		0x01, 0xc3, 0x01, 0x77,
	};
	uint8_t key[CAMGUARD_KEY_LEN], ch[CG_AUTH_MSG_LEN];
	uint8_t rsp[CG_AUTH_MSG_LEN], msg[128], mac[32];
	unsigned int i, mac_len = 0;
	size_t n = 0;

	key_of(key, 0);
	memcpy(ch, "CGCH", 4);
	for (i = 0; i < CG_AUTH_NONCE_LEN; i++)
		ch[4 + i] = (uint8_t)(0xa0 + i);

	memcpy(msg, label, sizeof(label));	/* with the NUL */
	n += sizeof(label);
	memcpy(msg + n, "kitchen", 7);
	n += 7;
	memcpy(msg + n, ch + 4, CG_AUTH_NONCE_LEN);
	n += CG_AUTH_NONCE_LEN;
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, sizeof(key), msg, n,
				   mac, &mac_len));
	ck_assert_uint_eq(mac_len, 32);

	ck_assert_int_eq(cg_auth_respond(key, "kitchen", ch, rsp), 0);
	ck_assert_mem_eq(rsp, "CGAU", 4);
	ck_assert_mem_eq(rsp + 4, mac, 32);
	/* The vector printed in docs/transport.md. */
	ck_assert_mem_eq(rsp, vector, sizeof(vector));
	ck_assert_int_eq(cg_auth_check(key, "kitchen", ch, vector), 0);
}
END_TEST

/* ---- certificates ------------------------------------------------------ */

struct certs {
	char dir[32];
	char cert[64], key[64], other_key[64], junk[64];
	uint8_t fp[32];		/* SHA-256 of the DER, computed here */
};

static EVP_PKEY *make_key(void)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");

	ck_assert_ptr_nonnull(pkey);
	return pkey;
}

static void write_key(const char *path, EVP_PKEY *pkey)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL,
					      NULL), 1);
	ck_assert_int_eq(fclose(f), 0);
}

/* A self-signed certificate for "camguardd", its key, and a stray key. */
static void certs_make(struct certs *c)
{
	EVP_PKEY *pkey = make_key(), *other = make_key();
	X509 *x = X509_new();
	X509_NAME *name;
	unsigned char *der = NULL;
	FILE *f;
	int len;

	strcpy(c->dir, "/tmp/cg-transport-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(c->dir));
	snprintf(c->cert, sizeof(c->cert), "%s/c.pem", c->dir);
	snprintf(c->key, sizeof(c->key), "%s/k.pem", c->dir);
	snprintf(c->other_key, sizeof(c->other_key), "%s/o.pem", c->dir);
	snprintf(c->junk, sizeof(c->junk), "%s/junk.pem", c->dir);

	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_set_version(x, 2), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	ck_assert_int_eq(X509_set_pubkey(x, pkey), 1);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"camguardd", -1, -1,
				   0);
	ck_assert_int_eq(X509_set_issuer_name(x, name), 1);
	ck_assert_int_gt(X509_sign(x, pkey, EVP_sha256()), 0);

	f = fopen(c->cert, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_X509(f, x), 1);
	ck_assert_int_eq(fclose(f), 0);
	write_key(c->key, pkey);
	write_key(c->other_key, other);

	f = fopen(c->junk, "w");
	ck_assert_ptr_nonnull(f);
	fputs("-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
	      "-----END CERTIFICATE-----\n", f);
	ck_assert_int_eq(fclose(f), 0);

	len = i2d_X509(x, &der);
	ck_assert_int_gt(len, 0);
	SHA256(der, (size_t)len, c->fp);
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(pkey);
	EVP_PKEY_free(other);
}

static void certs_remove(struct certs *c)
{
	unlink(c->cert);
	unlink(c->key);
	unlink(c->other_key);
	unlink(c->junk);
	rmdir(c->dir);
}

START_TEST(test_cert_fingerprint)
{
	char err[512] = "";
	struct certs c;
	uint8_t fp[32];

	certs_make(&c);
	ck_assert_int_eq(cg_cert_fingerprint(c.cert, fp, err, sizeof(err)), 0);
	ck_assert_mem_eq(fp, c.fp, sizeof(fp));

	ck_assert_int_eq(cg_cert_fingerprint("/nonexistent/c.pem", fp, err,
					     sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/c.pem"));
	ck_assert_int_eq(cg_cert_fingerprint(c.key, fp, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, c.key));
	ck_assert_int_eq(cg_cert_fingerprint(c.junk, fp, err, sizeof(err)),
			 -EINVAL);
	/* The error queue is emptied into the message. */
	ck_assert_uint_eq(ERR_peek_error(), 0);
	certs_remove(&c);
}
END_TEST

START_TEST(test_server_ctx_errors)
{
	char err[512] = "";
	struct certs c;
	SSL_CTX *ctx;

	certs_make(&c);
	ctx = cg_tls_server_ctx("/nonexistent/c.pem", c.key, err,
				sizeof(err));
	ck_assert_ptr_null(ctx);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/c.pem"));
	ctx = cg_tls_server_ctx(c.cert, "/nonexistent/k.pem", err,
				sizeof(err));
	ck_assert_ptr_null(ctx);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/k.pem"));
	ctx = cg_tls_server_ctx(c.cert, c.other_key, err, sizeof(err));
	ck_assert_ptr_null(ctx);
	ck_assert_ptr_nonnull(strstr(err, "does not match"));
	ck_assert_ptr_nonnull(strstr(err, c.other_key));
	ctx = cg_tls_server_ctx(c.junk, c.key, err, sizeof(err));
	ck_assert_ptr_null(ctx);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	certs_remove(&c);
}
END_TEST

START_TEST(test_tls_errors_text)
{
	char buf[256];

	ERR_clear_error();
	ck_assert_str_eq(cg_tls_errors(buf, sizeof(buf)), "no detail");
	ERR_raise(ERR_LIB_SSL, SSL_R_WRONG_VERSION_NUMBER);
	ck_assert_str_ne(cg_tls_errors(buf, sizeof(buf)), "no detail");
	ck_assert_uint_eq(ERR_peek_error(), 0);
	/* A tiny buffer still empties the queue and stays terminated. */
	ERR_raise(ERR_LIB_SSL, SSL_R_WRONG_VERSION_NUMBER);
	ERR_raise(ERR_LIB_SSL, SSL_R_WRONG_VERSION_NUMBER);
	cg_tls_errors(buf, 8);
	ck_assert_uint_le(strlen(buf), 7);
	ck_assert_uint_eq(ERR_peek_error(), 0);
}
END_TEST

/* ---- TLS over a socketpair --------------------------------------------- */

struct tls_pair {
	int sv[2];
	SSL *server, *client;
};

static void tls_pair_new(struct tls_pair *p, SSL_CTX *sctx, SSL_CTX *cctx)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
				    p->sv), 0);
	p->server = SSL_new(sctx);
	p->client = SSL_new(cctx);
	ck_assert_ptr_nonnull(p->server);
	ck_assert_ptr_nonnull(p->client);
	ck_assert_int_eq(SSL_set_fd(p->server, p->sv[0]), 1);
	ck_assert_int_eq(SSL_set_fd(p->client, p->sv[1]), 1);
	SSL_set_accept_state(p->server);
	SSL_set_connect_state(p->client);
}

static void tls_pair_free(struct tls_pair *p)
{
	SSL_free(p->server);
	SSL_free(p->client);
	close(p->sv[0]);
	close(p->sv[1]);
}

static bool want_more(SSL *ssl, int r)
{
	int e = SSL_get_error(ssl, r);

	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/* Both ends in turn, non-blocking, in one thread: 1 done, 0 failed. */
static int tls_pair_handshake(struct tls_pair *p)
{
	bool sdone = false, cdone = false;
	int i, r;

	for (i = 0; i < 100 && !(sdone && cdone); i++) {
		if (!cdone) {
			r = SSL_do_handshake(p->client);
			if (r == 1)
				cdone = true;
			else if (!want_more(p->client, r))
				return 0;
		}
		if (!sdone) {
			r = SSL_do_handshake(p->server);
			if (r == 1)
				sdone = true;
			else if (!want_more(p->server, r))
				return 0;
		}
	}
	return sdone && cdone;
}

/* Exactly @len bytes from @from to @to, pumping both (non-blocking). */
static void tls_send(SSL *from, SSL *to, const void *buf, int len, void *out)
{
	int r, got = 0, i;

	ck_assert_int_eq(SSL_write(from, buf, len), len);
	for (i = 0; i < 100 && got < len; i++) {
		r = SSL_read(to, (uint8_t *)out + got, len - got);
		if (r > 0)
			got += r;
		else
			ck_assert(want_more(to, r));
	}
	ck_assert_int_eq(got, len);
}

START_TEST(test_tls_handshake)
{
	uint8_t key[CAMGUARD_KEY_LEN];
	uint8_t ch[CG_AUTH_MSG_LEN], ch_got[CG_AUTH_MSG_LEN];
	uint8_t rsp[CG_AUTH_MSG_LEN], rsp_got[CG_AUTH_MSG_LEN], fp[32];
	char err[512] = "";
	SSL_CTX *sctx, *cctx;
	struct tls_pair p;
	struct certs c;

	certs_make(&c);
	sctx = cg_tls_server_ctx(c.cert, c.key, err, sizeof(err));
	ck_assert_msg(sctx != NULL, "server ctx: %s", err);
	cctx = cg_tls_client_ctx(err, sizeof(err));
	ck_assert_msg(cctx != NULL, "client ctx: %s", err);

	tls_pair_new(&p, sctx, cctx);
	ck_assert_int_eq(tls_pair_handshake(&p), 1);
	ck_assert_int_eq(SSL_version(p.client), TLS1_3_VERSION);
	ck_assert_int_eq(SSL_version(p.server), TLS1_3_VERSION);

	/* The pin: the display sees the certificate of the PEM file. */
	ck_assert_int_eq(cg_tls_peer_fingerprint(p.client, fp), 0);
	ck_assert_mem_eq(fp, c.fp, sizeof(fp));
	/* A display sends no certificate. */
	ck_assert_int_eq(cg_tls_peer_fingerprint(p.server, fp), -ENOENT);

	/* Challenge and response over the session, as camguardd does. */
	key_of(key, 7);
	ck_assert_int_eq(cg_auth_challenge(ch), 0);
	tls_send(p.server, p.client, ch, sizeof(ch), ch_got);
	ck_assert_int_eq(cg_auth_respond(key, "kitchen", ch_got, rsp), 0);
	tls_send(p.client, p.server, rsp, sizeof(rsp), rsp_got);
	ck_assert_int_eq(cg_auth_check(key, "kitchen", ch, rsp_got), 0);
	tls_pair_free(&p);

	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	certs_remove(&c);
}
END_TEST

/* A server that offers at most TLS 1.2 gets no display. */
START_TEST(test_tls_refuses_1_2)
{
	char err[512] = "";
	SSL_CTX *sctx, *cctx;
	struct tls_pair p;
	struct certs c;

	certs_make(&c);
	sctx = SSL_CTX_new(TLS_server_method());
	ck_assert_ptr_nonnull(sctx);
	ck_assert_int_eq(SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION),
			 1);
	ck_assert_int_eq(SSL_CTX_use_certificate_file(sctx, c.cert,
						      SSL_FILETYPE_PEM), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(sctx, c.key,
						     SSL_FILETYPE_PEM), 1);
	cctx = cg_tls_client_ctx(err, sizeof(err));
	ck_assert_ptr_nonnull(cctx);

	tls_pair_new(&p, sctx, cctx);
	ck_assert_int_eq(tls_pair_handshake(&p), 0);
	tls_pair_free(&p);
	ERR_clear_error();

	/* Nor does a display that offers at most TLS 1.2 get camguardd. */
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	sctx = cg_tls_server_ctx(c.cert, c.key, err, sizeof(err));
	ck_assert_ptr_nonnull(sctx);
	cctx = SSL_CTX_new(TLS_client_method());
	ck_assert_ptr_nonnull(cctx);
	ck_assert_int_eq(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION),
			 1);
	tls_pair_new(&p, sctx, cctx);
	ck_assert_int_eq(tls_pair_handshake(&p), 0);
	tls_pair_free(&p);
	ERR_clear_error();

	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	certs_remove(&c);
}
END_TEST

/* Registered in test_main.c, which declares it. */
Suite *transport_suite(void);

Suite *transport_suite(void)
{
	Suite *s = suite_create("transport");
	TCase *hello = tcase_create("hello");
	TCase *auth = tcase_create("auth");
	TCase *tls = tcase_create("tls");

	tcase_add_test(hello, test_hello_format);
	tcase_add_test(hello, test_hello_parse_good);
	tcase_add_test(hello, test_hello_parse_hostile);
	suite_add_tcase(s, hello);

	tcase_add_test(auth, test_auth_round_trip);
	tcase_add_test(auth, test_auth_known_answer);
	suite_add_tcase(s, auth);

	/* Key generation and handshakes: slow under valgrind. */
	tcase_set_timeout(tls, 60);
	tcase_add_test(tls, test_cert_fingerprint);
	tcase_add_test(tls, test_server_ctx_errors);
	tcase_add_test(tls, test_tls_errors_text);
	tcase_add_test(tls, test_tls_handshake);
	tcase_add_test(tls, test_tls_refuses_1_2);
	suite_add_tcase(s, tls);
	return s;
}
