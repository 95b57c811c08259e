// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of camguardd's control socket messages (user/lib/control.c): every
 * form round trips, anything else is refused, and the client's wait ends
 * on a reply, a timeout or camguardd closing.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control.h"
#include "unit.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

START_TEST(test_requests)
{
	static const char *const bad[] = {
		"revoke-wait", "revoke-wait ", "revoke-wait a b",
		"revoke-waitx a", "revoke-wait -a", "Revoke-wait a",
		" revoke-wait a", "revoke-wait a\n",
		"revoke-wait x23456789012345678901234567890123",
	};
	char buf[CG_CTL_MSG_MAX], name[CG_KV_MAX_NAME + 1];
	unsigned int i;
	int n;

	n = cg_ctl_format_request("alice-tv", buf, sizeof(buf));
	ck_assert_int_eq(n, 20);
	ck_assert_str_eq(buf, "revoke-wait alice-tv");
	ck_assert_int_eq(cg_ctl_parse_request(buf, (size_t)n, name), 0);
	ck_assert_str_eq(name, "alice-tv");
	ck_assert_int_eq(cg_ctl_format_request("a/b", buf, sizeof(buf)),
			 -EINVAL);
	ck_assert_int_eq(cg_ctl_format_request("a", buf, 8), -ENOSPC);

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(cg_ctl_parse_request(bad[i], strlen(bad[i]),
						   name) == -EINVAL,
			      "'%s' accepted", bad[i]);
	/* A NUL inside, and nothing at all. */
	ck_assert_int_eq(cg_ctl_parse_request("revoke-wait a\0b", 15, name),
			 -EINVAL);
	ck_assert_int_eq(cg_ctl_parse_request("", 0, name), -EINVAL);
}
END_TEST

START_TEST(test_replies)
{
	static const struct {
		const char *msg;
		enum cg_ctl_kind kind;
		unsigned int closed;
	} good[] = {
		{ "watching alice-tv", CG_CTL_WATCHING, 0 },
		{ "idle alice-tv", CG_CTL_IDLE, 0 },
		{ "cut alice-tv 1", CG_CTL_CUT, 1 },
		{ "cut alice-tv 0", CG_CTL_CUT, 0 },
		{ "gone alice-tv", CG_CTL_GONE, 0 },
	};
	static const char *const bad[] = {
		"cut alice-tv", "cut alice-tv x", "cut alice-tv -1",
		"cut alice-tv 99999999", "watching alice-tv 3", "gone",
		"gone ", "error ", "error", "nonsense a", "idle a/b",
		"watching  a", "cut a 1 2",
	};
	char buf[CG_CTL_MSG_MAX];
	struct cg_ctl_reply r, back;
	unsigned int i;
	int n;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		ck_assert_msg(cg_ctl_parse_reply(good[i].msg,
						 strlen(good[i].msg), &r) == 0,
			      "'%s' refused", good[i].msg);
		ck_assert_int_eq(r.kind, good[i].kind);
		ck_assert_str_eq(r.name, "alice-tv");
		ck_assert_uint_eq(r.closed, good[i].closed);
		n = cg_ctl_format_reply(&r, buf, sizeof(buf));
		ck_assert_int_eq(n, (int)strlen(good[i].msg));
		ck_assert_str_eq(buf, good[i].msg);
	}
	ck_assert_int_eq(cg_ctl_parse_reply("error no such thing", 19, &r), 0);
	ck_assert_int_eq(r.kind, CG_CTL_ERROR);
	ck_assert_str_eq(r.text, "no such thing");
	ck_assert_int_eq(cg_ctl_format_reply(&r, buf, sizeof(buf)), 19);
	ck_assert_str_eq(buf, "error no such thing");

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(cg_ctl_parse_reply(bad[i], strlen(bad[i]),
						 &r) == -EINVAL,
			      "'%s' accepted", bad[i]);
	ck_assert_int_eq(cg_ctl_parse_reply("error a\tb", 9, &r), -EINVAL);

	/* What cannot be said is not formatted. */
	memset(&back, 0, sizeof(back));
	back.kind = CG_CTL_CUT;
	ck_assert_int_eq(cg_ctl_format_reply(&back, buf, sizeof(buf)),
			 -EINVAL);	/* no name */
	back.kind = CG_CTL_ERROR;
	strcpy(back.text, "line\nbreak");
	ck_assert_int_eq(cg_ctl_format_reply(&back, buf, sizeof(buf)),
			 -EINVAL);
	back.kind = (enum cg_ctl_kind)99;
	ck_assert_int_eq(cg_ctl_format_reply(&back, buf, sizeof(buf)),
			 -EINVAL);
}
END_TEST

/* The client's wait: a reply, a timeout, garbage, camguardd gone. */
START_TEST(test_client_wait)
{
	struct cg_ctl_reply r;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	ck_assert_int_eq(cg_ctl_recv_reply(sv[0], 50, &r), -ETIMEDOUT);
	ck_assert_int_eq(send(sv[1], "cut tv 2", 8, 0), 8);
	ck_assert_int_eq(cg_ctl_recv_reply(sv[0], 1000, &r), 0);
	ck_assert_int_eq(r.kind, CG_CTL_CUT);
	ck_assert_str_eq(r.name, "tv");
	ck_assert_uint_eq(r.closed, 2);
	ck_assert_int_eq(send(sv[1], "cut tv", 6, 0), 6);
	ck_assert_int_eq(cg_ctl_recv_reply(sv[0], 1000, &r), -EPROTO);
	close(sv[1]);
	ck_assert_int_eq(cg_ctl_recv_reply(sv[0], 1000, &r), -ECONNRESET);
	close(sv[0]);

	ck_assert_int_eq(cg_ctl_connect("/nonexistent/camguardd.ctl"),
			 -ENOENT);
}
END_TEST

Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("control");

	tcase_add_test(tc, test_requests);
	tcase_add_test(tc, test_replies);
	tcase_add_test(tc, test_client_wait);
	suite_add_tcase(s, tc);
	return s;
}
