// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of camguardd's config parser: the documented example, every key,
 * and the ways a config can be wrong, each with its file:line message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/videodev2.h>

#include "config.h"
#include "unit.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* A user database of three owners, root, and one that fails. */
static int fake_by_name(void *ctx, const char *name, uint32_t *uid,
			uint32_t *gid)
{
	static const struct {
		const char *name;
		uint32_t uid, gid;
	} users[] = {
		{ "alice", 1000, 1000 }, { "bob", 1001, 1001 },
		{ "carol", 1002, 1002 }, { "root", 0, 0 },
		{ "wheel", 1003, 0 },
	};
	unsigned int i;

	(*(unsigned int *)ctx)++;
	if (!strcmp(name, "broken"))
		return -EIO;
	for (i = 0; i < ARRAY_SIZE(users); i++) {
		if (!strcmp(users[i].name, name)) {
			*uid = users[i].uid;
			*gid = users[i].gid;
			return 0;
		}
	}
	return -ENOENT;
}

static int fake_by_uid(void *ctx, uint32_t uid, uint32_t *gid)
{
	(*(unsigned int *)ctx)++;
	if (uid == 0 || (uid >= 1000 && uid <= 1002)) {
		*gid = uid;
		return 0;
	}
	return uid == 4242 ? -EIO : -ENOENT;
}

static unsigned int lookups;
static const struct cg_user_db fake_users = {
	.by_name = fake_by_name, .by_uid = fake_by_uid, .ctx = &lookups,
};

/* The smallest valid config; tests append or substitute sections. */
#define LISTEN	"[listen]\naddress = 127.0.0.1:8443\n" \
		"# the owners' TLS identities\nidentities = /ids\n"
#define CAMERA	"[camera cam]\ndevice = /dev/video0\nowner = alice\n"
#define DISPLAY	"[display disp]\nowner = alice\ncamera = cam\n" \
		"pairing = /p/disp.pair\n"

static int parse(const char *text, struct cg_config *cfg, char *err,
		 size_t errlen)
{
	return cg_config_parse("camguard.conf", text, strlen(text),
			       &fake_users, cfg, err, errlen);
}

START_TEST(test_example)
{
	const char *path = CG_TOP "/docs/camguardd.conf.example";
	struct cg_config cfg;
	char err[512] = "";
	int ret;

	ret = cg_config_load(path, &fake_users, &cfg, err, sizeof(err));
	ck_assert_msg(ret == 0, "%s", err);
	ck_assert_uint_eq(cfg.jpeg_quality, 80);
	ck_assert_uint_eq(cfg.n_listen, 2);
	ck_assert_str_eq(cfg.listen[0].host, "*");
	ck_assert_uint_eq(cfg.listen[0].port, 8443);
	ck_assert_str_eq(cfg.listen[1].host, "::");
	ck_assert_str_eq(cfg.identities, "/etc/camguard/identities");
	ck_assert_str_eq(cfg.control_socket, "/run/camguard/camguardd.ctl");
	ck_assert_uint_eq(cfg.limits.max_displays_per_owner, 16);
	ck_assert_uint_eq(cfg.limits.max_record_size, 8u << 20);
	ck_assert_uint_eq(cg_config_max_payload(&cfg), (8u << 20) - 256);
	ck_assert_uint_eq(cfg.limits.max_connections, 64);
	ck_assert_uint_eq(cfg.limits.max_hello_per_peer, 8);
	ck_assert_uint_eq(cfg.limits.max_queued_records, 4);
	ck_assert_uint_eq(cfg.limits.handshake_timeout_ms, 10000);
	ck_assert_uint_eq(cfg.limits.idle_timeout_ms, 30000);
	ck_assert_uint_eq(cfg.limits.write_timeout_ms, 10000);
	ck_assert_uint_eq(cfg.limits.restart_backoff_max_ms, 30000);

	ck_assert_uint_eq(cfg.n_cameras, 2);
	ck_assert_str_eq(cfg.cameras[0].name, "front-door");
	ck_assert_str_eq(cfg.cameras[0].device, "/dev/video0");
	ck_assert(!cfg.cameras[0].has_id);
	ck_assert_uint_eq(cfg.cameras[0].owner.uid, 1000);
	ck_assert_uint_eq(cfg.cameras[0].owner.gid, 1000);
	ck_assert_str_eq(cfg.cameras[0].owner.name, "alice");
	ck_assert_uint_eq(cfg.cameras[0].fourcc, V4L2_PIX_FMT_YUYV);
	ck_assert_uint_eq(cfg.cameras[0].width, 1280);
	ck_assert_uint_eq(cfg.cameras[0].height, 720);
	ck_assert_uint_eq(cfg.cameras[0].fps, 30);
	ck_assert_uint_eq(cfg.cameras[0].jpeg_quality, 0);
	ck_assert_str_eq(cfg.cameras[1].name, "nursery");
	ck_assert_ptr_null(cfg.cameras[1].device);
	ck_assert(cfg.cameras[1].has_id);
	ck_assert_uint_eq(cfg.cameras[1].id, 1);
	ck_assert_uint_eq(cfg.cameras[1].jpeg_quality, 90);
	ck_assert_uint_eq(cfg.cameras[1].owner.uid, 1001);

	ck_assert_uint_eq(cfg.n_displays, 2);
	ck_assert_str_eq(cfg.displays[0].name, "alice-phone");
	ck_assert_uint_eq(cfg.displays[0].camera, 0);
	ck_assert_uint_eq(cfg.displays[0].owner.uid, 1000);
	ck_assert_str_eq(cfg.displays[0].pairing,
			 "/etc/camguard/displays/alice-phone.pair");
	ck_assert_str_eq(cfg.displays[1].name, "kitchen-hub");
	ck_assert_uint_eq(cfg.displays[1].camera, 1);
	cg_config_free(&cfg);
}
END_TEST

START_TEST(test_minimal_and_defaults)
{
	struct cg_config cfg;
	char err[512];

	ck_assert_int_eq(parse(LISTEN, &cfg, err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg.jpeg_quality, 80);
	ck_assert_uint_eq(cfg.n_cameras, 0);
	ck_assert_uint_eq(cfg.limits.max_record_size, (8u << 20) + 256);
	ck_assert_uint_eq(cfg.limits.idle_timeout_ms, 30000);
	ck_assert_str_eq(cfg.identities, "/ids");
	ck_assert_str_eq(cfg.control_socket, "/run/camguard/camguardd.ctl");
	cg_config_free(&cfg);
	cg_config_free(&cfg);	/* twice is harmless */

	/* A control socket of exactly the longest path sun_path takes. */
	{
		char text[256], path[CG_CONFIG_MAX_SOCKET_PATH + 1];

		memset(path, 'c', sizeof(path) - 1);
		path[0] = '/';
		path[sizeof(path) - 1] = '\0';
		snprintf(text, sizeof(text), LISTEN "control_socket = %s\n",
			 path);
		ck_assert_msg(parse(text, &cfg, err, sizeof(err)) == 0, "%s",
			      err);
		ck_assert_str_eq(cfg.control_socket, path);
		ck_assert_int_eq(cg_config_find_display(&cfg, "disp"), -1);
		cg_config_free(&cfg);
	}
}
END_TEST

/* Displays may come before their camera; owners by uid and uid:gid. */
START_TEST(test_order_and_owners)
{
	static const char text[] =
		"[display d1]\nowner = 1000\ncamera = c1\npairing = /p/1\n"
		"[display d2]\nowner = 1005:1006\ncamera = c2\npairing = /p/2\n"
		LISTEN
		"[camera c1]\nid = 65535\nowner = alice\n"
		"[camera c2]\nid = 0\nowner = 1005:1006\n";
	struct cg_config cfg;
	char err[512];

	ck_assert_msg(parse(text, &cfg, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(cfg.displays[0].camera, 0);
	ck_assert_uint_eq(cfg.displays[0].owner.gid, 1000);
	ck_assert_str_eq(cfg.displays[0].owner.name, "");
	ck_assert_uint_eq(cfg.displays[1].camera, 1);
	ck_assert_uint_eq(cfg.displays[1].owner.uid, 1005);
	ck_assert_uint_eq(cfg.displays[1].owner.gid, 1006);
	ck_assert_uint_eq(cfg.cameras[0].id, 65535);
	ck_assert_int_eq(cg_config_find_display(&cfg, "d1"), 0);
	ck_assert_int_eq(cg_config_find_display(&cfg, "d2"), 1);
	ck_assert_int_eq(cg_config_find_display(&cfg, "d3"), -1);
	cg_config_free(&cfg);
}
END_TEST

/* [web]: hosts by name, any case, each to its owner; root's default. */
START_TEST(test_web)
{
	static const char text[] = LISTEN CAMERA DISPLAY
		"[web]\nhost = Alice.Cam.Example alice\n"
		"host = alice-2.example 1000\n";
	struct cg_config cfg;
	struct cg_owner bob = { .uid = 1001, .gid = 1001 };
	char err[512];

	ck_assert_msg(parse(text, &cfg, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(cfg.n_web_hosts, 2);
	ck_assert_str_eq(cfg.web_root, CG_CONFIG_DEFAULT_WEB_ROOT);
	ck_assert_int_eq(cg_config_find_web_host(&cfg, "alice.cam.example"), 0);
	ck_assert_int_eq(cg_config_find_web_host(&cfg, "alice-2.example"), 1);
	ck_assert_int_eq(cg_config_find_web_host(&cfg, "bob.example"), -1);
	ck_assert_uint_eq(cfg.web_hosts[1].owner.uid, 1000);
	ck_assert_str_eq(cg_config_web_host_of(&cfg, &cfg.displays[0].owner),
			 "alice.cam.example");
	ck_assert_ptr_null(cg_config_web_host_of(&cfg, &bob));
	cg_config_free(&cfg);

	ck_assert_msg(parse(LISTEN "[web]\nroot = /srv/page\n", &cfg, err,
			    sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(cfg.web_root, "/srv/page");
	ck_assert_uint_eq(cfg.n_web_hosts, 0);
	cg_config_free(&cfg);
}
END_TEST

/* Each bad config and the exact message it gets. */
START_TEST(test_errors)
{
	static const struct {
		const char *text;
		const char *err;
	} bad[] = {
		{ "", "camguard.conf: no [listen] address" },
		{ "[listen]\naddress = *:1\n",
		  "camguard.conf:1: [listen] needs 'identities', the directory of the owners' TLS identities" },
		/* The shared identity of old: refused, with what to do. */
		{ "[listen]\naddress = *:1\ncertificate = /etc/camguard/camguardd.crt\n",
		  "camguard.conf:3: 'certificate' is no more: each owner has a TLS identity of its own, in the directory that 'identities' names (docs/config.md); remove 'certificate' and 'private_key', add 'identities', and pair every display again" },
		{ LISTEN "private_key = /k.pem\n",
		  "camguard.conf:5: 'private_key' is no more: each owner has a TLS identity of its own" },
		{ "[listen]\nidentities = ids\n",
		  "camguard.conf:2: bad value 'ids' for 'identities': expected an absolute path" },
		{ LISTEN "identities = /other\n",
		  "camguard.conf:5: 'identities' is already set in [listen] on line 4" },
		{ LISTEN "control_socket = run/ctl\n",
		  "camguard.conf:5: bad value 'run/ctl' for 'control_socket': expected an absolute path" },
		{ LISTEN "control_socket = /run/0123456789012345678901234567890123456789"
		  "0123456789012345678901234567890123456789012345678901234567890123\n",
		  "camguard.conf:5: bad value '/run/0123456789012345678901234567890123456789012345678901234' for 'control_socket': expected an absolute path of at most 107 bytes" },
		{ "jpeg_quality = 5\n",
		  "camguard.conf:1: 'jpeg_quality' outside a section" },
		{ "[global]\nqualty = 5\n",
		  "camguard.conf:2: unknown key 'qualty' in [global]" },
		{ LISTEN "[camera c]\nqualty = 5\n",
		  "camguard.conf:6: unknown key 'qualty' in [camera c]" },
		{ "[global]\njpeg_quality = 0\n",
		  "camguard.conf:2: bad value '0' for 'jpeg_quality': expected a number from 1 to 100" },
		{ "[global]\njpeg_quality = 101\n", "camguard.conf:2: bad value '101'" },
		{ "[global]\njpeg_quality = 8O\n", "camguard.conf:2: bad value '8O'" },
		{ "[global]\njpeg_quality = 80\njpeg_quality = 81\n",
		  "camguard.conf:3: 'jpeg_quality' is already set in [global] on line 2" },
		{ "[global]\n[global]\n",
		  "camguard.conf:2: [global] appears twice (first on line 1)" },
		{ "[globl]\n", "camguard.conf:1: unknown section [globl]" },
		{ "[global x]\n", "camguard.conf:1: [global] takes no name" },
		{ "[camera]\n", "camguard.conf:1: [camera] needs a name: [camera NAME]" },
		{ "[camera a/b]\n", "camguard.conf:1: bad camera name 'a/b'" },
		{ "[camera x23456789012345678901234567890123]\n",
		  "camguard.conf:1: bad camera name" },
		{ "[listen]\naddress = localhost\n",
		  "camguard.conf:2: bad value 'localhost' for 'address': expected HOST:PORT" },
		{ "[listen]\naddress = *:1\naddress = *:1\n",
		  "camguard.conf:3: address '*:1' is listed twice" },
		{ "[listen]\naddress=*:1\naddress=*:2\naddress=*:3\naddress=*:4\n"
		  "address=*:5\naddress=*:6\naddress=*:7\naddress=*:8\naddress=*:9\n",
		  "camguard.conf:10: more than 8 listen addresses" },
		{ "[limits]\nmax_record_size = 1K\n",
		  "camguard.conf:2: bad value '1K' for 'max_record_size'" },
		{ "[limits]\nmax_record_size = 65M\n", "camguard.conf:2: bad value '65M'" },
		{ "[limits]\nidle_timeout = 30\n",
		  "camguard.conf:2: bad value '30' for 'idle_timeout': expected a duration" },
		{ "[limits]\nidle_timeout = 2h\n", "camguard.conf:2: bad value '2h'" },
		{ "[limits]\nmax_queued_records = 0\n", "camguard.conf:2: bad value '0'" },
		{ "[limits]\nmax_hello_per_peer = 0\n",
		  "camguard.conf:2: bad value '0' for 'max_hello_per_peer': expected a number from 1 to 65536" },
		{ "[limits]\nmax_displays_per_owner = 99999\n",
		  "camguard.conf:2: bad value '99999'" },
		{ LISTEN "[camera c]\nowner = alice\n",
		  "camguard.conf:5: [camera c] needs either 'device' or 'id', not neither" },
		{ LISTEN "[camera c]\nowner = alice\nid = 1\ndevice = /dev/v\n",
		  "camguard.conf:5: [camera c] needs either 'device' or 'id', not both" },
		{ LISTEN "[camera c]\nid = 1\n", "camguard.conf:5: [camera c] has no 'owner'" },
		{ LISTEN "[camera c]\nid = 65536\n", "camguard.conf:6: bad value '65536' for 'id'" },
		{ LISTEN "[camera c]\ndevice = video0\n",
		  "camguard.conf:6: bad value 'video0' for 'device': expected an absolute path" },
		{ LISTEN "[camera c]\nformat = MJPG\n",
		  "camguard.conf:6: bad value 'MJPG' for 'format'" },
		{ LISTEN "[camera c]\nsize = 640*480\n", "camguard.conf:6: bad value '640*480'" },
		{ LISTEN "[camera c]\nfps = 0\n", "camguard.conf:6: bad value '0' for 'fps'" },
		{ LISTEN "[camera c]\nowner = mallory\n", "camguard.conf:6: unknown user 'mallory'" },
		{ LISTEN "[camera c]\nowner = broken\n",
		  "camguard.conf:6: cannot look up user 'broken': Input/output error" },
		{ LISTEN "[camera c]\nowner = root\n",
		  "camguard.conf:6: owner 'root' is uid 0 gid 0: an owner cannot be root" },
		{ LISTEN "[camera c]\nowner = wheel\n",
		  "camguard.conf:6: owner 'wheel' is uid 1003 gid 0: an owner cannot be root" },
		{ LISTEN "[camera c]\nowner = 0\n", "camguard.conf:6: owner '0' is uid 0 gid 0" },
		{ LISTEN "[camera c]\nowner = 1000:0\n", "camguard.conf:6: owner '1000:0' is uid 1000 gid 0" },
		{ LISTEN "[camera c]\nowner = 2000\n",
		  "camguard.conf:6: uid 2000 has no passwd entry: write owner = 2000:GID" },
		{ LISTEN "[camera c]\nowner = 4242\n", "camguard.conf:6: cannot look up uid 4242" },
		{ LISTEN "[camera c]\nowner = 4294967295\n",
		  "camguard.conf:6: bad value '4294967295' for 'owner'" },
		{ LISTEN "[camera c]\nowner = 1000:\n", "camguard.conf:6: bad value '1000:'" },
		{ LISTEN "[camera c]\nowner = 1000:x\n", "camguard.conf:6: bad value '1000:x'" },
		{ LISTEN "[camera c]\nowner = -1\n", "camguard.conf:6: bad value '-1'" },
		{ LISTEN "[camera c]\nowner = Alice\n", "camguard.conf:6: bad value 'Alice'" },
		{ LISTEN CAMERA "[camera cam]\n",
		  "camguard.conf:8: camera 'cam' is already defined on line 5" },
		{ LISTEN CAMERA "[camera c2]\ndevice = /dev/video0\nowner = alice\n",
		  "camguard.conf:8: camera 'c2' uses device /dev/video0, like camera 'cam' (line 5)" },
		{ LISTEN "[camera a]\nid = 3\nowner = bob\n[camera b]\nid = 3\nowner = bob\n",
		  "camguard.conf:8: camera 'b' uses id 3, like camera 'a' (line 5)" },
		{ LISTEN CAMERA "[display d]\nowner = alice\ncamera = cam\n",
		  "camguard.conf:8: [display d] has no 'pairing'" },
		{ LISTEN CAMERA "[display d]\nowner = alice\ncamera = nope\npairing = /p\n",
		  "camguard.conf:10: display 'd': no [camera nope]" },
		{ LISTEN CAMERA "[display d]\nowner = bob\ncamera = cam\npairing = /p\n",
		  "camguard.conf:8: display 'd' belongs to uid 1001 gid 1001, but camera 'cam' to uid 1000 gid 1000" },
		{ LISTEN CAMERA "[display d]\nowner = 1000:1001\ncamera = cam\npairing = /p\n",
		  "camguard.conf:8: display 'd' belongs to uid 1000 gid 1001" },
		{ LISTEN CAMERA DISPLAY "[display disp]\n",
		  "camguard.conf:12: display 'disp' is already defined on line 8" },
		{ LISTEN CAMERA DISPLAY
		  "[display d2]\nowner = alice\ncamera = cam\npairing = /p/disp.pair\n",
		  "camguard.conf:12: display 'd2' uses pairing file /p/disp.pair, like display 'disp' (line 8)" },
		{ LISTEN CAMERA DISPLAY "[limits]\nmax_displays_per_owner = 1\n"
		  "[display d2]\nowner = alice\ncamera = cam\npairing = /p/2\n",
		  "camguard.conf:14: display 'd2' is display 2 of uid 1000: more than max_displays_per_owner (1)" },
		{ LISTEN "[display d]\ncamera = a b\n",
		  "camguard.conf:6: bad value 'a b' for 'camera'" },
		{ "[listen]\naddress = *:1\nfoo\n", "camguard.conf:3: expected 'key = value'" },
		{ LISTEN CAMERA DISPLAY "[web]\nhost = 192.168.1.5 alice\n",
		  "camguard.conf:13: bad value '192.168.1.5 alice' for 'host': expected HOST OWNER: a DNS name (not an IP address" },
		{ LISTEN CAMERA DISPLAY "[web]\nhost = alice.example\n",
		  "camguard.conf:13: bad value 'alice.example' for 'host'" },
		{ LISTEN CAMERA DISPLAY "[web]\nhost = a_b.example alice\n",
		  "camguard.conf:13: bad value 'a_b.example alice' for 'host'" },
		{ LISTEN CAMERA DISPLAY "[web]\nhost = a.example alice\nhost = A.Example alice\n",
		  "camguard.conf:14: web host 'a.example' is listed twice (first on line 13)" },
		{ LISTEN CAMERA DISPLAY "[web]\nhost = b.example bob\n",
		  "camguard.conf:13: web host 'b.example': uid 1001 gid 1001 has no [display]" },
		{ LISTEN CAMERA DISPLAY "[web]\nhost = b.example nobody\n",
		  "camguard.conf:13: unknown user 'nobody'" },
		{ LISTEN CAMERA DISPLAY "[web]\nroot = relative\n",
		  "camguard.conf:13: bad value 'relative' for 'root': expected an absolute path" },
	};
	struct cg_config cfg;
	unsigned int i;
	char err[512];

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(err, 0, sizeof(err));
		memset(&cfg, 0x5a, sizeof(cfg));
		ck_assert_msg(parse(bad[i].text, &cfg, err, sizeof(err)) ==
			      -EINVAL, "case %u accepted", i);
		ck_assert_msg(!strncmp(err, bad[i].err, strlen(bad[i].err)),
			      "case %u:\n  got  '%s'\n  want '%s'", i, err,
			      bad[i].err);
		/* Nothing to free after an error. */
		ck_assert_ptr_null(cfg.cameras);
		ck_assert_ptr_null(cfg.displays);
		ck_assert_ptr_null(cfg.identities);
		ck_assert_ptr_null(cfg.control_socket);
		ck_assert_ptr_null(cfg.web_hosts);
		ck_assert_ptr_null(cfg.web_root);
	}
}
END_TEST

/* A long line and NUL bytes inside a config. */
START_TEST(test_hostile_bytes)
{
	static const char nul[] = LISTEN "[global]\njpeg_quality = 8\0000\n";
	struct cg_config cfg;
	char err[512], *text;
	size_t len;

	ck_assert_int_eq(cg_config_parse("camguard.conf", nul, sizeof(nul) - 1,
					 &fake_users, &cfg, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "camguard.conf:6: NUL byte");

	len = 2 * CG_KV_MAX_LINE;
	text = malloc(len);
	ck_assert_ptr_nonnull(text);
	memset(text, ' ', len);
	memcpy(text, "[listen]\nidentities = //", 24);
	ck_assert_int_eq(cg_config_parse("camguard.conf", text, len,
					 &fake_users, &cfg, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "camguard.conf:2: line too long (more than 1024 bytes)");
	free(text);

	/* Over the size limit: refused before parsing. */
	text = calloc(1, CG_CONFIG_MAX_FILE + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(cg_config_parse("camguard.conf", text,
					 CG_CONFIG_MAX_FILE + 1, &fake_users,
					 &cfg, err, sizeof(err)), -EFBIG);
	ck_assert_str_eq(err, "camguard.conf: too large (at most 1048576 bytes)");
	free(text);

	/* A message is cut to the buffer, always terminated. */
	ck_assert_int_eq(parse("[globl]\n", &cfg, err, 10), -EINVAL);
	ck_assert_str_eq(err, "camguard.");
	ck_assert_int_eq(parse(LISTEN, &cfg, NULL, 0), -EINVAL);
}
END_TEST

/* Every count limit is enforced, and refusing is cheap. */
START_TEST(test_too_many)
{
	size_t size = 64 * (CG_CONFIG_MAX_CAMERAS + 2), len = 0;
	struct cg_config cfg;
	char err[512], *text;
	unsigned int i;

	text = malloc(size);
	ck_assert_ptr_nonnull(text);
	len += (size_t)sprintf(text, LISTEN);
	for (i = 0; i <= CG_CONFIG_MAX_CAMERAS; i++)
		len += (size_t)sprintf(text + len,
				       "[camera c%u]\nid=%u\nowner=bob\n", i,
				       i);
	ck_assert_uint_lt(len, size);
	ck_assert_int_eq(parse(text, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "more than 64 cameras"), "%s", err);
	free(text);
}
END_TEST

START_TEST(test_load_errors)
{
	char dir[] = "/tmp/cg-config-XXXXXX", path[64], link_path[80];
	struct cg_config cfg;
	char err[512];
	FILE *f;

	ck_assert_int_eq(cg_config_load("/nonexistent/camguard.conf",
					 &fake_users, &cfg, err, sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(err, "/nonexistent/camguard.conf: cannot open: No such file or directory");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(cg_config_load(dir, &fake_users, &cfg, err,
					 sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "not a regular file"), "%s", err);
	ck_assert_int_eq(cg_config_load("/dev/null", &fake_users, &cfg, err,
					 sizeof(err)), -EINVAL);

	snprintf(path, sizeof(path), "%s/c.conf", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(LISTEN "[camera c]\nowner = alice\nid = 1\ndevice=/x\n", f);
	fclose(f);
	ck_assert_int_eq(cg_config_load(path, &fake_users, &cfg, err,
					 sizeof(err)), -EINVAL);
	ck_assert_msg(!strncmp(err, path, strlen(path)) &&
		      !strcmp(err + strlen(path), ":5: [camera c] needs either 'device' or 'id', not both"),
		      "%s", err);
	/* Symbolic links are not followed. */
	snprintf(link_path, sizeof(link_path), "%s/link.conf", dir);
	ck_assert_int_eq(symlink(path, link_path), 0);
	ck_assert_int_eq(cg_config_load(link_path, &fake_users, &cfg, err,
					 sizeof(err)), -ELOOP);
	ck_assert_msg(strstr(err, "is a symbolic link"), "%s", err);
	/* Too large. */
	ck_assert_int_eq(truncate(path, CG_CONFIG_MAX_FILE + 1), 0);
	ck_assert_int_eq(cg_config_load(path, &fake_users, &cfg, err,
					 sizeof(err)), -EFBIG);
	unlink(link_path);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* Random mutations of a valid config: a result or a message, never more. */
START_TEST(test_mutations)
{
	static const char base[] = LISTEN CAMERA DISPLAY
		"[limits]\nidle_timeout = 5s\n[global]\njpeg_quality = 50\n";
	static const char alphabet[] = "[]=#\n\r\t :/0a9\0\x7f\xff";
	size_t len = sizeof(base) - 1;
	char *text = malloc(len), err[512];
	unsigned int i, k, ok = 0;
	struct cg_config cfg;
	uint64_t rnd = 42;

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < 5000; i++) {
		memcpy(text, base, len);
		for (k = 0; k < 1 + rnd_u32(&rnd) % 4; k++)
			text[rnd_u32(&rnd) % len] =
				alphabet[rnd_u32(&rnd) % (sizeof(alphabet) - 1)];
		err[0] = '\0';
		if (cg_config_parse("m.conf", text, rnd_u32(&rnd) % (len + 1),
				    &fake_users, &cfg, err, sizeof(err)) == 0) {
			ok++;
			cg_config_free(&cfg);
		} else {
			ck_assert_msg(!strncmp(err, "m.conf:", 7) ||
				      !strncmp(err, "m.conf: ", 8), "%s", err);
		}
	}
	ck_assert_uint_gt(ok, 0);
	free(text);
}
END_TEST

START_TEST(test_system_users)
{
	uint32_t uid = 7, gid = 7;

	/* root exists on every system the tests run on. */
	ck_assert_int_eq(cg_user_db_system.by_name(NULL, "root", &uid, &gid), 0);
	ck_assert_uint_eq(uid, 0);
	ck_assert_int_eq(cg_user_db_system.by_uid(NULL, 0, &gid), 0);
	ck_assert_uint_eq(gid, 0);
	ck_assert_int_eq(cg_user_db_system.by_name(NULL, "no-such-user-cg",
						   &uid, &gid), -ENOENT);
	ck_assert_int_eq(cg_user_db_system.by_uid(NULL, 3999999999u, &gid),
			 -ENOENT);
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_example);
	tcase_add_test(tc, test_minimal_and_defaults);
	tcase_add_test(tc, test_order_and_owners);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_hostile_bytes);
	tcase_add_test(tc, test_too_many);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_mutations);
	tcase_add_test(tc, test_system_users);
	tcase_add_test(tc, test_web);
	suite_add_tcase(s, tc);
	return s;
}
