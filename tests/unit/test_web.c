// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of what camguardd reads from a browser before a key is involved:
 * the ClientHello's server name (made by OpenSSL's own client here), the
 * HTTP request head, and WebSocket framing (RFC 6455's own examples).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "http.h"
#include "sni.h"
#include "unit.h"
#include "websocket.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* What an OpenSSL client sends first, with server name @sni (or none). */
static uint8_t *client_hello(const char *sni, size_t *len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = SSL_new(ctx);
	BIO *rd = BIO_new(BIO_s_mem()), *wr = BIO_new(BIO_s_mem());
	uint8_t *out;
	char *data;
	long n;

	ck_assert_ptr_nonnull(ssl);
	SSL_set_bio(ssl, rd, wr);
	if (sni)
		ck_assert_int_eq(SSL_set_tlsext_host_name(ssl, sni), 1);
	SSL_set_connect_state(ssl);
	ck_assert_int_le(SSL_do_handshake(ssl), 0);	/* wants the reply */
	n = BIO_get_mem_data(wr, &data);
	ck_assert_int_gt(n, 50);
	out = malloc((size_t)n);
	memcpy(out, data, (size_t)n);
	*len = (size_t)n;
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return out;
}

START_TEST(test_sni)
{
	char host[CG_SNI_MAX + 1];
	size_t len, i;
	uint8_t *hello = client_hello("Alice.Cam.Example", &len);

	ck_assert_int_eq(cg_sni_parse(hello, len, host), 1);
	ck_assert_str_eq(host, "alice.cam.example");
	/* Every prefix: "more", never a verdict on half a ClientHello. */
	for (i = 0; i < len; i++)
		ck_assert_msg(cg_sni_parse(hello, i, host) == 0, "prefix %zu", i);
	/* Whatever follows the record is not looked at. */
	hello = realloc(hello, len + 3);
	memcpy(hello + len, "xyz", 3);
	ck_assert_int_eq(cg_sni_parse(hello, len + 3, host), 1);
	/* A record length that cuts the ClientHello short. */
	hello[4]--;
	ck_assert_int_eq(cg_sni_parse(hello, len, host), -EBADMSG);
	hello[4]++;
	/* Not a handshake record, not TLS 3.x, not a ClientHello. */
	hello[0] = 0x17;
	ck_assert_int_eq(cg_sni_parse(hello, len, host), -EBADMSG);
	hello[0] = 0x16;
	hello[1] = 2;
	ck_assert_int_eq(cg_sni_parse(hello, 2, host), -EBADMSG);
	hello[1] = 3;
	hello[5] = 2;
	ck_assert_int_eq(cg_sni_parse(hello, 6, host), -EBADMSG);
	free(hello);

	hello = client_hello(NULL, &len);
	ck_assert_int_eq(cg_sni_parse(hello, len, host), -ENOENT);
	free(hello);
	ck_assert_int_eq(cg_sni_parse((const uint8_t *)"CAMGUARD/1 d\n", 13,
				      host), -EBADMSG);
}
END_TEST

/* Random bytes behind a valid record header: never more than a verdict. */
START_TEST(test_sni_garbage)
{
	uint64_t seed = 42;
	uint8_t buf[600];
	char host[CG_SNI_MAX + 1];
	unsigned int i;
	int ret;

	for (i = 0; i < 20000; i++) {
		rnd_fill(&seed, buf, sizeof(buf));
		buf[0] = 0x16;
		buf[1] = 3;
		buf[3] = 2;
		buf[4] = 0x40;
		buf[5] = 1;
		ret = cg_sni_parse(buf, sizeof(buf), host);
		ck_assert(ret == 1 || ret == -EBADMSG || ret == -ENOENT);
		if (ret == 1)
			ck_assert_uint_le(strlen(host), CG_SNI_MAX);
	}
}
END_TEST

#define UPGRADE "GET /camguard/v1/display/kitchen HTTP/1.1\r\n" \
	"Host: alice.cam.example:8443\r\nConnection: Upgrade\r\n" \
	"Pragma: no-cache\r\nUpgrade: websocket\r\n" \
	"Origin: https://alice.cam.example:8443\r\n" \
	"Sec-WebSocket-Version: 13\r\n" \
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" \
	"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" \
	"Sec-WebSocket-Protocol: camguard.v1\r\n\r\n"

#define POST "POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\n"

START_TEST(test_http)
{
	struct cg_http_request req;
	size_t head = 0, i;
	char *big;

	ck_assert_int_eq(cg_http_parse_request(UPGRADE, strlen(UPGRADE), &head,
					       &req), 1);
	ck_assert_uint_eq(head, strlen(UPGRADE));
	ck_assert_str_eq(req.method, "GET");
	ck_assert_str_eq(req.path, "/camguard/v1/display/kitchen");
	ck_assert_str_eq(req.host, "alice.cam.example:8443");
	ck_assert_str_eq(req.ws_key, "dGhlIHNhbXBsZSBub25jZQ==");
	ck_assert_str_eq(req.ws_protocol, "camguard.v1");
	ck_assert(cg_http_has_token(req.connection, "upgrade"));
	ck_assert(!req.has_body);
	for (i = 0; i < strlen(UPGRADE) - 1; i++)
		ck_assert_int_eq(cg_http_parse_request(UPGRADE, i, &head, &req),
				 0);

	static const char *const bad[] = {
		"GET / HTTP/1.0\r\n\r\n",
		"GET http://x/ HTTP/1.1\r\n\r\n",
		"GET  / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
		"GET / HTTP/1.1\r\n folded\r\n\r\n",
		"GET / HTTP/1.1\r\nHost:\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
		"GET /\xff HTTP/1.1\r\n\r\n",
	};
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(cg_http_parse_request(bad[i], strlen(bad[i]),
						    &head, &req) == -EBADMSG,
			      "case %zu", i);
	ck_assert_int_eq(cg_http_parse_request(POST, strlen(POST), &head, &req),
			 1);
	ck_assert(req.has_body);

	big = malloc(CG_HTTP_HEAD_MAX);
	memset(big, 'a', CG_HTTP_HEAD_MAX);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	ck_assert_int_eq(cg_http_parse_request(big, CG_HTTP_HEAD_MAX, &head,
					       &req), -E2BIG);
	free(big);

	ck_assert(cg_http_has_token("keep-alive, Upgrade", "upgrade"));
	ck_assert(cg_http_has_token(" a ,b,  camguard.v1 ", "camguard.v1"));
	ck_assert(!cg_http_has_token("camguard.v10", "camguard.v1"));
	ck_assert(!cg_http_has_token("", "x"));
}
END_TEST

START_TEST(test_websocket)
{
	char accept[CG_WS_ACCEPT_LEN + 1];
	uint8_t h[CG_WS_HEADER_MAX];
	struct cg_ws_frame f;
	/* RFC 6455 5.7: "Hello", masked with 37 fa 21 3d */
	uint8_t hello[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
			    0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	uint8_t frame[14];

	/* RFC 6455 1.3 */
	ck_assert_int_eq(cg_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", accept), 0);
	ck_assert_str_eq(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	ck_assert_int_eq(cg_ws_accept("dGhlIHNhbXBsZSBub25jZQ=", accept),
			 -EINVAL);
	ck_assert_int_eq(cg_ws_accept("dGhlIHNhbXBsZSBub25jZ!==", accept),
			 -EINVAL);

	ck_assert_uint_eq(cg_ws_header(h, CG_WS_BINARY, 36), 2);
	ck_assert_uint_eq(h[0], 0x82);
	ck_assert_uint_eq(h[1], 36);
	ck_assert_uint_eq(cg_ws_header(h, CG_WS_BINARY, 300), 4);
	ck_assert_uint_eq(h[1], 126);
	ck_assert_uint_eq(h[2] << 8 | h[3], 300);
	ck_assert_uint_eq(cg_ws_header(h, CG_WS_BINARY, 70000), 10);
	ck_assert_uint_eq(h[1], 127);
	ck_assert_uint_eq(h[7] << 16 | h[8] << 8 | h[9], 70000);

	ck_assert_int_eq(cg_ws_client_header(hello, 1, &f), 0);
	ck_assert_int_eq(cg_ws_client_header(hello, 5, &f), 0);
	ck_assert_int_eq(cg_ws_client_header(hello, sizeof(hello), &f), 6);
	ck_assert(f.fin);
	ck_assert_int_eq(f.opcode, CG_WS_TEXT);
	ck_assert_uint_eq(f.len, 5);
	cg_ws_unmask(hello + 6, 5, f.mask, 0);
	ck_assert(!memcmp(hello + 6, "Hello", 5));

	memcpy(frame, hello, 6);
	frame[1] = 0x05;			/* not masked */
	ck_assert_int_eq(cg_ws_client_header(frame, 6, &f), -EBADMSG);
	frame[1] = 0x85;
	frame[0] = 0xc1;			/* RSV1 */
	ck_assert_int_eq(cg_ws_client_header(frame, 6, &f), -EBADMSG);
	frame[0] = 0x83;			/* reserved opcode */
	ck_assert_int_eq(cg_ws_client_header(frame, 6, &f), -EBADMSG);
	frame[0] = 0x09;			/* a fragmented ping */
	ck_assert_int_eq(cg_ws_client_header(frame, 6, &f), -EBADMSG);
	frame[0] = 0x88;
	frame[1] = 0x80 | 126;			/* a close over 125 bytes */
	ck_assert_int_eq(cg_ws_client_header(frame, 8, &f), -EBADMSG);
	frame[0] = 0x82;
	frame[2] = 0;
	frame[3] = 125;				/* not the shortest form */
	ck_assert_int_eq(cg_ws_client_header(frame, 8, &f), -EBADMSG);
	frame[3] = 126;
	ck_assert_int_eq(cg_ws_client_header(frame, 8, &f), 8);
	ck_assert_uint_eq(f.len, 126);
	frame[1] = 0x80 | 127;
	memset(frame + 2, 0, 8);
	frame[2] = 0x80;			/* 2^63 */
	ck_assert_int_eq(cg_ws_client_header(frame, 14, &f), -EBADMSG);
}
END_TEST

Suite *web_suite(void)
{
	Suite *s = suite_create("web");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sni);
	tcase_add_test(tc, test_sni_garbage);
	tcase_add_test(tc, test_http);
	tcase_add_test(tc, test_websocket);
	suite_add_tcase(s, tc);
	return s;
}
