// SPDX-License-Identifier: GPL-2.0
/* Tests of the key = value line reader and its value parsers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keyval.h"
#include "unit.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Read all of @text; the message of the first error, or "" if none. */
static const char *read_all(const char *text, size_t len, unsigned int *lines)
{
	static char err[256];
	struct cg_kv_reader r;
	struct cg_kv_line l;
	char *copy = malloc(len + 1);
	int ret;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, len);
	copy[len] = '\0';
	err[0] = '\0';
	*lines = 0;
	cg_kv_reader_init(&r, "t.conf", copy, len, err, sizeof(err));
	while ((ret = cg_kv_next(&r, &l)) > 0)
		(*lines)++;
	ck_assert_int_eq(ret == 0, err[0] == '\0');
	free(copy);
	return err;
}

START_TEST(test_lines)
{
	static const char text[] =
		"# comment\n"
		"\n"
		"  ; also a comment\n"
		"[camera  front ]\r\n"
		"\tdevice =  /dev/video0 # not a comment\n"
		"[listen]\n"
		"key_2=v=w\n"
		"last = no newline";
	char *copy = strdup(text);
	struct cg_kv_reader r;
	struct cg_kv_line l;
	char err[128] = "";

	ck_assert_ptr_nonnull(copy);
	cg_kv_reader_init(&r, "t.conf", copy, strlen(copy), err, sizeof(err));
	ck_assert_int_eq(cg_kv_next(&r, &l), 1);
	ck_assert(l.section);
	ck_assert_uint_eq(l.lineno, 4);
	ck_assert_str_eq(l.type, "camera");
	ck_assert_str_eq(l.name, "front");
	ck_assert_int_eq(cg_kv_next(&r, &l), 1);
	ck_assert(!l.section);
	ck_assert_str_eq(l.key, "device");
	ck_assert_str_eq(l.value, "/dev/video0 # not a comment");
	ck_assert_int_eq(cg_kv_next(&r, &l), 1);
	ck_assert_str_eq(l.type, "listen");
	ck_assert_str_eq(l.name, "");
	ck_assert_int_eq(cg_kv_next(&r, &l), 1);
	ck_assert_str_eq(l.key, "key_2");
	ck_assert_str_eq(l.value, "v=w");
	ck_assert_int_eq(cg_kv_next(&r, &l), 1);
	ck_assert_uint_eq(l.lineno, 8);
	ck_assert_str_eq(l.value, "no newline");
	ck_assert_int_eq(cg_kv_next(&r, &l), 0);
	ck_assert_int_eq(cg_kv_next(&r, &l), 0);
	ck_assert_str_eq(err, "");
	free(copy);
}
END_TEST

START_TEST(test_line_errors)
{
	static const struct {
		const char *text;
		size_t len;	/* 0: strlen */
		const char *err;
	} bad[] = {
		{ "a = 1\nb\n", 0, "t.conf:2: expected 'key = value'" },
		{ "= 1\n", 0, "t.conf:1: bad key '': use a-z, 0-9 and '_'" },
		{ "Key = 1\n", 0, "t.conf:1: bad key 'Key'" },
		{ "a b = 1\n", 0, "t.conf:1: bad key 'a b'" },
		{ "k\xc3\xa9 = 1\n", 0, "t.conf:1: bad key" },
		{ "a =\n", 0, "t.conf:1: empty value for 'a'" },
		{ "a =   \t\n", 0, "t.conf:1: empty value for 'a'" },
		{ "[camera\n", 0, "t.conf:1: section header without ']'" },
		{ "[]\n", 0, "t.conf:1: bad section header" },
		{ "[Camera x]\n", 0, "t.conf:1: bad section header" },
		{ "[camera a b]\n", 0, "t.conf:1: extra text after the section name 'a'" },
		{ "a = 1\n\n\nb = x\001y\n", 0, "t.conf:4: control character 0x01" },
		{ "a = x\x7fy\n", 0, "t.conf:1: control character 0x7f" },
		{ "a = x\ry\n", 0, "t.conf:1: control character 0x0d" },
		{ "a = 1\nb = x\0y\n", 12, "t.conf:2: NUL byte" },
		{ "\0", 1, "t.conf:1: NUL byte" },
	};
	unsigned int i, lines;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);
		const char *err = read_all(bad[i].text, len, &lines);

		ck_assert_msg(!strncmp(err, bad[i].err, strlen(bad[i].err)),
			      "case %u: '%s', not '%s'", i, err, bad[i].err);
	}
}
END_TEST

START_TEST(test_long_lines)
{
	char *text = malloc(3 * CG_KV_MAX_LINE);
	unsigned int lines;
	const char *err;

	ck_assert_ptr_nonnull(text);
	/* Exactly the limit: fine. */
	memcpy(text, "a = ", 4);
	memset(text + 4, 'x', CG_KV_MAX_LINE - 4);
	text[CG_KV_MAX_LINE] = '\n';
	err = read_all(text, CG_KV_MAX_LINE + 1, &lines);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(lines, 1);
	/* One more: refused, also without a final newline. */
	memset(text + 4, 'x', CG_KV_MAX_LINE - 3);
	err = read_all(text, CG_KV_MAX_LINE + 1, &lines);
	ck_assert_str_eq(err, "t.conf:1: line too long (more than 1024 bytes)");
	/* A long comment is just as long. */
	text[0] = '#';
	memset(text + 1, '#', 3 * CG_KV_MAX_LINE - 1);
	err = read_all(text, 3 * CG_KV_MAX_LINE, &lines);
	ck_assert_str_eq(err, "t.conf:1: line too long (more than 1024 bytes)");
	free(text);
}
END_TEST

START_TEST(test_empty_input)
{
	unsigned int lines = 99;

	ck_assert_str_eq(read_all("", 0, &lines), "");
	ck_assert_uint_eq(lines, 0);
	ck_assert_str_eq(read_all("\n\n\r\n  \t\n#\n", 9, &lines), "");
	ck_assert_uint_eq(lines, 0);
}
END_TEST

START_TEST(test_names)
{
	static const char *const good[] = {
		"a", "front", "Front-Door_2.cam", "0", "x234567890123456789012345678901",
	};
	static const char *const bad[] = {
		"", "-a", ".a", "_a", "a b", "a/b", "a:b", "caf\xc3\xa9",
		"x2345678901234567890123456789012",
	};
	static const char *const good_users[] = {
		"alice", "_apt", "user-1", "machine$", "a2345678901234567890123456789012",
	};
	static const char *const bad_users[] = {
		"", "Alice", "1user", "-x", "a$b", "a.b", "a b",
		"a23456789012345678901234567890123",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		ck_assert_msg(cg_kv_name_ok(good[i]), "'%s'", good[i]);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(!cg_kv_name_ok(bad[i]), "'%s'", bad[i]);
	for (i = 0; i < ARRAY_SIZE(good_users); i++)
		ck_assert_msg(cg_kv_user_name_ok(good_users[i]), "'%s'",
			      good_users[i]);
	for (i = 0; i < ARRAY_SIZE(bad_users); i++)
		ck_assert_msg(!cg_kv_user_name_ok(bad_users[i]), "'%s'",
			      bad_users[i]);
}
END_TEST

START_TEST(test_durations)
{
	static const struct {
		const char *s;
		int ret;
		uint32_t ms;
	} cases[] = {
		{ "500ms", 0, 500 }, { "10s", 0, 10000 }, { "2m", 0, 120000 },
		{ "1h", 0, 3600000 }, { "0s", 0, 0 }, { "4294967295ms", 0, UINT32_MAX },
		{ "1193h", 0, 1193 * 3600000u }, { "1194h", -ERANGE, 0 },
		{ "4294968s", -ERANGE, 0 }, { "99999999999999999999s", -ERANGE, 0 },
		{ "10", -EINVAL, 0 }, { "s", -EINVAL, 0 }, { "", -EINVAL, 0 },
		{ "10 s", -EINVAL, 0 }, { "-1s", -EINVAL, 0 }, { "10S", -EINVAL, 0 },
		{ "1.5s", -EINVAL, 0 }, { "10sec", -EINVAL, 0 }, { "0x10s", -EINVAL, 0 },
	};
	unsigned int i;
	uint32_t ms;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ms = 7;
		ck_assert_msg(cg_kv_parse_duration_ms(cases[i].s, &ms) ==
			      cases[i].ret, "'%s'", cases[i].s);
		ck_assert_uint_eq(ms, cases[i].ret ? 7 : cases[i].ms);
	}
}
END_TEST

START_TEST(test_size_values)
{
	static const struct {
		const char *s;
		int ret;
		uint64_t bytes;
	} cases[] = {
		{ "4096", 0, 4096 }, { "64K", 0, 65536 }, { "8m", 0, 8u << 20 },
		{ "1G", 0, 1u << 30 }, { "4294967295G", 0, 4294967295ull << 30 },
		{ "0", 0, 0 }, { "8MB", -EINVAL, 0 }, { "8 M", -EINVAL, 0 },
		{ "M", -EINVAL, 0 }, { "-1", -EINVAL, 0 }, { "1T", -EINVAL, 0 },
		{ "4294967296", -ERANGE, 0 },
	};
	unsigned int i;
	uint64_t b;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		b = 7;
		ck_assert_msg(cg_kv_parse_size(cases[i].s, &b) == cases[i].ret,
			      "'%s'", cases[i].s);
		ck_assert_uint_eq(b, cases[i].ret ? 7 : cases[i].bytes);
	}
}
END_TEST

START_TEST(test_hostports)
{
	static const struct {
		const char *s;
		const char *host;	/* NULL: refused */
		uint16_t port;
	} cases[] = {
		{ "127.0.0.1:8443", "127.0.0.1", 8443 },
		{ "board.example:1", "board.example", 1 },
		{ "*:65535", "*", 65535 },
		{ "[::1]:443", "::1", 443 },
		{ "[fe80::1%eth0]:443", NULL, 0 },
		{ "[::ffff:10.0.0.1]:80", "::ffff:10.0.0.1", 80 },
		{ "host:0", NULL, 0 }, { "host:65536", NULL, 0 },
		{ "host:", NULL, 0 }, { ":80", NULL, 0 }, { "host", NULL, 0 },
		{ "::1:80", NULL, 0 }, { "[::1]80", NULL, 0 }, { "[::1]", NULL, 0 },
		{ "[]:80", NULL, 0 }, { "ho st:80", NULL, 0 }, { "h/x:80", NULL, 0 },
		{ "host:+80", NULL, 0 }, { "host:80 ", NULL, 0 },
		{ "**:80", NULL, 0 }, { "[*]:80", NULL, 0 },
	};
	char host[CG_KV_MAX_HOST + 1], *longhost;
	unsigned int i;
	uint16_t port;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int ret = cg_kv_parse_hostport(cases[i].s, host, &port);

		ck_assert_msg((ret == 0) == (cases[i].host != NULL), "'%s'",
			      cases[i].s);
		if (cases[i].host) {
			ck_assert_str_eq(host, cases[i].host);
			ck_assert_uint_eq(port, cases[i].port);
		}
	}
	longhost = malloc(CG_KV_MAX_HOST + 10);
	ck_assert_ptr_nonnull(longhost);
	memset(longhost, 'a', CG_KV_MAX_HOST);
	strcpy(longhost + CG_KV_MAX_HOST, ":80");
	ck_assert_int_eq(cg_kv_parse_hostport(longhost, host, &port), 0);
	memset(longhost, 'a', CG_KV_MAX_HOST + 1);
	strcpy(longhost + CG_KV_MAX_HOST + 1, ":80");
	ck_assert_int_eq(cg_kv_parse_hostport(longhost, host, &port), -EINVAL);
	free(longhost);
}
END_TEST

START_TEST(test_hex)
{
	uint8_t out[4];

	ck_assert_int_eq(cg_kv_parse_hex("00fFa5C3", out, 4, false), 0);
	ck_assert_int_eq(memcmp(out, "\x00\xff\xa5\xc3", 4), 0);
	ck_assert_int_eq(cg_kv_parse_hex("01:02:03:04", out, 4, true), 0);
	ck_assert_int_eq(memcmp(out, "\x01\x02\x03\x04", 4), 0);
	ck_assert_int_eq(cg_kv_parse_hex("0a0b0c0d", out, 4, true), 0);
	ck_assert_int_eq(memcmp(out, "\x0a\x0b\x0c\x0d", 4), 0);
	memset(out, 0x55, sizeof(out));
	ck_assert_int_eq(cg_kv_parse_hex("01:02:03:04", out, 4, false), -EINVAL);
	ck_assert_int_eq(cg_kv_parse_hex("0102030", out, 4, false), -EINVAL);
	ck_assert_int_eq(cg_kv_parse_hex("010203040", out, 4, false), -EINVAL);
	ck_assert_int_eq(cg_kv_parse_hex("0102030g", out, 4, false), -EINVAL);
	ck_assert_int_eq(cg_kv_parse_hex("01:02:03-04", out, 4, true), -EINVAL);
	ck_assert_int_eq(cg_kv_parse_hex("01:0203:04", out, 4, true), -EINVAL);
	ck_assert_int_eq(cg_kv_parse_hex(" 1020304", out, 4, false), -EINVAL);
	ck_assert_int_eq(cg_kv_parse_hex("", out, 0, false), -EINVAL);
	/* Left alone on error. */
	ck_assert_int_eq(memcmp(out, "\x55\x55\x55\x55", 4), 0);
}
END_TEST

Suite *keyval_suite(void)
{
	Suite *s = suite_create("keyval");
	TCase *tc = tcase_create("lines");

	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_line_errors);
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_empty_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_durations);
	tcase_add_test(tc, test_size_values);
	tcase_add_test(tc, test_hostports);
	tcase_add_test(tc, test_hex);
	suite_add_tcase(s, tc);
	return s;
}
