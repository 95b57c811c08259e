// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of pairing files: round trips, strict parsing, and the file checks
 * that keep a channel key from being read by anyone but its display.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "camguardctl/ctl.h"
#include "pairing.h"
#include "unit.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define KEY_HEX	"000102030405060708090a0b0c0d0e0f" \
		"101112131415161718191a1b1c1d1e1f"
#define FP_HEX	"A0:A1:A2:A3:A4:A5:A6:A7:A8:A9:AA:AB:AC:AD:AE:AF:" \
		"B0:B1:B2:B3:B4:B5:B6:B7:B8:B9:BA:BB:BC:BD:BE:BF"
#define GOOD	"version = 1\ndisplay = kitchen\nowner = alice\n" \
		"owner_uid = 1000\nkey = " KEY_HEX "\n" \
		"address = board.example:8443\nfingerprint = " FP_HEX "\n"

static struct cg_pairing sample(void)
{
	struct cg_pairing p;
	unsigned int i;

	memset(&p, 0, sizeof(p));
	strcpy(p.display, "kitchen");
	strcpy(p.owner, "alice");
	p.owner_uid = 1000;
	for (i = 0; i < CAMGUARD_KEY_LEN; i++)
		p.key[i] = (uint8_t)i;
	strcpy(p.host, "board.example");
	p.port = 8443;
	for (i = 0; i < CG_FINGERPRINT_LEN; i++)
		p.fingerprint[i] = (uint8_t)(0xa0 + i);
	return p;
}

static int parse(const char *text, struct cg_pairing *p, char *err,
		 size_t errlen)
{
	return cg_pairing_parse("k.pair", text, strlen(text), p, err, errlen);
}

struct tmpdir {
	char dir[32];
	char path[64];
};

static void tmpdir_make(struct tmpdir *t)
{
	strcpy(t->dir, "/tmp/cg-pairing-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/k.pair", t->dir);
}

static void tmpdir_remove(struct tmpdir *t)
{
	unlink(t->path);
	ck_assert_int_eq(rmdir(t->dir), 0);	/* no temporary file left */
}

START_TEST(test_parse_good)
{
	struct cg_pairing p, want = sample();
	char err[256];

	ck_assert_msg(parse(GOOD, &p, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(memcmp(&p, &want, sizeof(p)), 0);
	/* Plain-hex fingerprint, no owner name, IPv6. */
	ck_assert_int_eq(parse("version=1\ndisplay=k\nowner_uid=5\nkey=" KEY_HEX
			       "\naddress=[fd00::2]:1\nfingerprint="
			       "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n",
			       &p, err, sizeof(err)), 0);
	ck_assert_str_eq(p.owner, "");
	ck_assert_str_eq(p.host, "fd00::2");
	ck_assert_int_eq(memcmp(p.fingerprint, want.fingerprint, 32), 0);
}
END_TEST

START_TEST(test_parse_errors)
{
	static const struct {
		const char *text;
		const char *err;
	} bad[] = {
		{ "", "k.pair: no 'version'" },
		{ "version = 1\n", "k.pair: no 'display'" },
		{ "display = k\n", "k.pair:1: 'version' must come first" },
		{ "version = 2\n", "k.pair:1: pairing file version 2: this program reads version 1" },
		{ "version = one\n", "k.pair:1: bad value for 'version'" },
		{ "version = 1\nversion = 1\n", "k.pair:2: 'version' is already set on line 1" },
		{ "version = 1\n[x]\n", "k.pair:2: sections are not used in pairing files" },
		{ "version = 1\ncolour = red\n", "k.pair:2: unknown key 'colour'" },
		{ "version = 1\ndisplay = a b\n", "k.pair:2: bad value for 'display'" },
		{ "version = 1\nowner = Alice\n", "k.pair:2: bad value for 'owner'" },
		{ "version = 1\nowner_uid = 0\n", "k.pair:2: bad value for 'owner_uid'" },
		{ "version = 1\nowner_uid = 4294967295\n", "k.pair:2: bad value for 'owner_uid'" },
		{ "version = 1\nkey = 00\n", "k.pair:2: bad 'key': expected 64 hex digits" },
		{ "version = 1\nkey = " KEY_HEX "0\n", "k.pair:2: bad 'key'" },
		{ "version = 1\nkey = 00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:"
		  "10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f\n", "k.pair:2: bad 'key'" },
		{ "version = 1\naddress = *:80\n", "k.pair:2: bad value for 'address'" },
		{ "version = 1\naddress = host\n", "k.pair:2: bad value for 'address'" },
		{ "version = 1\nfingerprint = AB\n", "k.pair:2: bad value for 'fingerprint'" },
		{ GOOD "key = " KEY_HEX "\n", "k.pair:8: 'key' is already set on line 5" },
		{ "version = 1\ndisplay = k\nowner_uid = 1\naddress = h:1\nfingerprint = "
		  FP_HEX "\n", "k.pair: no 'key'" },
	};
	struct cg_pairing p;
	unsigned int i;
	char err[256];

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&p, 0x77, sizeof(p));
		ck_assert_msg(parse(bad[i].text, &p, err, sizeof(err)) ==
			      -EINVAL, "case %u accepted", i);
		ck_assert_msg(!strncmp(err, bad[i].err, strlen(bad[i].err)),
			      "case %u: '%s', not '%s'", i, err, bad[i].err);
		/* Nothing of a refused file is left, key included. */
		ck_assert_uint_eq(p.key[0] | p.key[31] | p.owner_uid, 0);
	}
}
END_TEST

/* A malformed key is never echoed into a log line. */
START_TEST(test_errors_hide_key)
{
	static const char text[] = "version = 1\nkey = 5ec2e75ec2e75ec2e7\n";
	struct cg_pairing p;
	char err[256];

	ck_assert_int_eq(parse(text, &p, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(strstr(err, "5ec2e7"));
}
END_TEST

START_TEST(test_format_round_trip)
{
	struct cg_pairing p = sample(), back;
	char text[CG_PAIRING_MAX_FILE], err[256];
	int len;

	len = cg_pairing_format(&p, text, sizeof(text));
	ck_assert_int_gt(len, 0);
	ck_assert_uint_eq(strlen(text), (size_t)len);
	ck_assert_ptr_nonnull(strstr(text, "fingerprint = " FP_HEX "\n"));
	ck_assert_int_eq(parse(text, &back, err, sizeof(err)), 0);
	ck_assert_int_eq(memcmp(&p, &back, sizeof(p)), 0);

	memset(p.host, 0, sizeof(p.host));
	strcpy(p.host, "fd00::1");
	memset(p.owner, 0, sizeof(p.owner));
	len = cg_pairing_format(&p, text, sizeof(text));
	ck_assert_ptr_nonnull(strstr(text, "address = [fd00::1]:8443\n"));
	ck_assert_ptr_null(strstr(text, "owner ="));
	ck_assert_int_eq(parse(text, &back, err, sizeof(err)), 0);
	ck_assert_int_eq(memcmp(&p, &back, sizeof(p)), 0);

	ck_assert_int_eq(cg_pairing_format(&p, text, 50), -ENOSPC);
	p.owner_uid = 0;
	ck_assert_int_eq(cg_pairing_format(&p, text, sizeof(text)), -EINVAL);
	p = sample();
	strcpy(p.display, "bad name");
	ck_assert_int_eq(cg_pairing_format(&p, text, sizeof(text)), -EINVAL);
}
END_TEST

/* The link: fixed bytes, checked against docs/pairing.md's example. */
#define LINK_FRAGMENT	"#v=1&display=kitchen&uid=1000" \
			"&key=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" \
			"&pin=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf" \
			"b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"

START_TEST(test_link)
{
	struct cg_pairing p = sample();
	char link[CG_PAIRING_LINK_MAX];
	int len;

	len = cg_pairing_link(&p, link, sizeof(link));
	ck_assert_str_eq(link, "https://board.example:8443/" LINK_FRAGMENT);
	ck_assert_int_eq(len, (int)strlen(link));

	memset(p.host, 0, sizeof(p.host));
	strcpy(p.host, "fd00::1");
	cg_pairing_link(&p, link, sizeof(link));
	ck_assert_str_eq(link, "https://[fd00::1]:8443/" LINK_FRAGMENT);

	/* Base64url's other two digits and a key that is not 0..31. */
	memset(p.key, 0xfb, sizeof(p.key));
	cg_pairing_link(&p, link, sizeof(link));
	ck_assert_ptr_nonnull(strstr(link, "&key=-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s&"));

	/* Too small: nothing of the key is left behind. */
	memset(link, 'x', sizeof(link));
	ck_assert_int_eq(cg_pairing_link(&p, link, 120), -ENOSPC);
	ck_assert_int_eq(link[0], 0);
	ck_assert_int_eq(link[119], 0);
	ck_assert_int_eq(link[120], 'x');

	p.owner_uid = 0;
	ck_assert_int_eq(cg_pairing_link(&p, link, sizeof(link)), -EINVAL);
	p = sample();
	strcpy(p.display, "bad name");
	ck_assert_int_eq(cg_pairing_link(&p, link, sizeof(link)), -EINVAL);
	p = sample();
	p.port = 0;
	ck_assert_int_eq(cg_pairing_link(&p, link, sizeof(link)), -EINVAL);
}
END_TEST

START_TEST(test_write_and_load)
{
	struct cg_pairing p = sample(), back;
	struct tmpdir t;
	struct stat st;
	char err[256];

	tmpdir_make(&t);
	umask(0);	/* the file must be 0600 whatever the umask */
	ck_assert_msg(cg_pairing_write(t.path, &p, err, sizeof(err)) == 0,
		      "%s", err);
	umask(022);
	ck_assert_int_eq(stat(t.path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_msg(cg_pairing_load(t.path, &back, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_int_eq(memcmp(&p, &back, sizeof(p)), 0);

	/* Never replaced. */
	p.port = 1;
	ck_assert_int_eq(cg_pairing_write(t.path, &p, err, sizeof(err)),
			 -EEXIST);
	ck_assert_msg(strstr(err, "already exists"), "%s", err);
	ck_assert_int_eq(cg_pairing_load(t.path, &back, err, sizeof(err)), 0);
	ck_assert_uint_eq(back.port, 8443);

	/* Read-only for its owner is fine too. */
	ck_assert_int_eq(chmod(t.path, 0400), 0);
	ck_assert_int_eq(cg_pairing_load(t.path, &back, err, sizeof(err)), 0);
	cg_pairing_clear(&back);
	ck_assert_uint_eq(back.key[1], 0);
	tmpdir_remove(&t);
}
END_TEST

START_TEST(test_load_refuses_modes)
{
	static const mode_t modes[] = { 0640, 0604, 0644, 0660, 0606, 0610,
					0601, 0620, 0602, 0666 };
	struct cg_pairing p = sample(), back;
	struct tmpdir t;
	unsigned int i;
	char err[256];

	tmpdir_make(&t);
	ck_assert_int_eq(cg_pairing_write(t.path, &p, err, sizeof(err)), 0);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		ck_assert_int_eq(chmod(t.path, modes[i]), 0);
		memset(&back, 0x33, sizeof(back));
		ck_assert_int_eq(cg_pairing_load(t.path, &back, err,
						 sizeof(err)), -EACCES);
		ck_assert_msg(strstr(err, "lets group or others at the channel key: chmod 600"),
			      "%s", err);
		ck_assert_uint_eq(back.key[5], 0);
	}
	ck_assert_int_eq(chmod(t.path, 0644), 0);
	ck_assert_int_eq(cg_pairing_load(t.path, &back, err, sizeof(err)),
			 -EACCES);
	ck_assert_msg(!strncmp(err, t.path, strlen(t.path)) &&
		      strstr(err, ": mode 0644 "), "%s", err);
	tmpdir_remove(&t);
}
END_TEST

START_TEST(test_load_refuses_files)
{
	struct cg_pairing p = sample(), back;
	char err[256], link_path[80];
	struct tmpdir t;

	ck_assert_int_eq(cg_pairing_load("/nonexistent/k.pair", &back, err,
					 sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "/nonexistent/k.pair: cannot open: No such file or directory");
	tmpdir_make(&t);
	ck_assert_int_eq(cg_pairing_load(t.dir, &back, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "not a regular file"), "%s", err);
	ck_assert_int_eq(cg_pairing_write(t.path, &p, err, sizeof(err)), 0);

	snprintf(link_path, sizeof(link_path), "%s/link", t.dir);
	ck_assert_int_eq(symlink(t.path, link_path), 0);
	ck_assert_int_eq(cg_pairing_load(link_path, &back, err, sizeof(err)),
			 -ELOOP);
	unlink(link_path);

	/* Another user's file (only root can make one here). */
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(t.path, 4321, 4321), 0);
		ck_assert_int_eq(cg_pairing_load(t.path, &back, err,
						 sizeof(err)), -EACCES);
		ck_assert_msg(strstr(err, "owned by uid 4321"), "%s", err);
	}
	/* Oversize. */
	ck_assert_int_eq(truncate(t.path, CG_PAIRING_MAX_FILE + 1), 0);
	ck_assert_int_eq(chown(t.path, geteuid(), getegid()), 0);
	ck_assert_int_eq(cg_pairing_load(t.path, &back, err, sizeof(err)),
			 -EFBIG);
	tmpdir_remove(&t);
}
END_TEST

START_TEST(test_write_errors)
{
	struct cg_pairing p = sample();
	char err[256];

	ck_assert_int_eq(cg_pairing_write("/nonexistent/dir/k.pair", &p, err,
					  sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "cannot create"), "%s", err);
	p.port = 0;
	ck_assert_int_eq(cg_pairing_write("/tmp/never.pair", &p, err,
					  sizeof(err)), -EINVAL);
	ck_assert_int_eq(access("/tmp/never.pair", F_OK), -1);
}
END_TEST

/* Random mutations: parsed or refused with a message, key wiped. */
START_TEST(test_mutations)
{
	static const char alphabet[] = "=#\n :0aF[]\0\xff";
	size_t len = strlen(GOOD);
	char *text = malloc(len), err[256];
	unsigned int i, k, ok = 0;
	struct cg_pairing p;
	uint64_t rnd = 9;

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < 5000; i++) {
		memcpy(text, GOOD, len);
		for (k = 0; k < 1 + rnd_u32(&rnd) % 3; k++)
			text[rnd_u32(&rnd) % len] =
				alphabet[rnd_u32(&rnd) % (sizeof(alphabet) - 1)];
		if (cg_pairing_parse("m", text, len, &p, err, sizeof(err)) == 0)
			ok++;
		else
			ck_assert_msg(!strncmp(err, "m:", 2), "%s", err);
	}
	ck_assert_uint_gt(ok, 0);
	free(text);
}
END_TEST

/*
 * The link's QR code: one text line per two module rows, a quiet zone of
 * 4 light modules, and the top-left finder pattern where a scanner looks
 * for it (its first row dark, the next dark only at both ends).
 */
START_TEST(test_qr)
{
	char *text = NULL, *line, *save = NULL;
	size_t size = 0, cells;
	FILE *f = open_memstream(&text, &size);
	unsigned int lines = 0, width = 0;
	int ret;

	ck_assert_ptr_nonnull(f);
	ret = ctl_qr_print("https://alice.cam.example:8443/#v=1&display=kitchen", f);
	fclose(f);
#ifndef CG_HAVE_QRENCODE
	ck_assert_int_eq(ret, -ENOSYS);
	free(text);
	return;
#endif
	ck_assert_int_eq(ret, 0);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		const char *p;

		/* Cells are 3-byte half or full blocks, or a space. */
		for (cells = 0, p = line; *p; cells++)
			p += *p == ' ' ? 1 : 3;
		if (!width)
			width = (unsigned int)cells;
		ck_assert_uint_eq(cells, width);
		if (lines < 2)	/* quiet zone: light all along */
			ck_assert_uint_eq(strspn(line, "\xe2\x96\x88") , strlen(line));
		if (lines == 2) {
			/* modules x -4..-1 light, x 0 dark-dark, 1..5 dark-light */
			ck_assert(!strncmp(line, "\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88 ", 13));
			ck_assert(!strncmp(line + 13, "\xe2\x96\x84\xe2\x96\x84\xe2\x96\x84\xe2\x96\x84\xe2\x96\x84 ", 16));
		}
	}
	/* version 3 or 4 for this length: 29 or 33 modules, plus 8 */
	ck_assert(width == 37 || width == 41);
	ck_assert_uint_eq(lines, (width + 1) / 2);
	free(text);
}
END_TEST

Suite *pairing_suite(void)
{
	Suite *s = suite_create("pairing");
	TCase *tc = tcase_create("file");

	tcase_add_test(tc, test_parse_good);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_errors_hide_key);
	tcase_add_test(tc, test_format_round_trip);
	tcase_add_test(tc, test_link);
	tcase_add_test(tc, test_write_and_load);
	tcase_add_test(tc, test_load_refuses_modes);
	tcase_add_test(tc, test_load_refuses_files);
	tcase_add_test(tc, test_write_errors);
	tcase_add_test(tc, test_mutations);
	tcase_add_test(tc, test_qr);
	suite_add_tcase(s, tc);
	return s;
}
