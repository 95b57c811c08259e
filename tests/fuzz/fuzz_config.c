// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: camguardd's config parser on arbitrary bytes, with a
 * user database that knows a few names and uids. Every error must name the
 * file; every accepted config must hold together.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static int by_name(void *ctx, const char *name, uint32_t *uid, uint32_t *gid)
{
	(void)ctx;
	if (!strcmp(name, "alice") || !strcmp(name, "bob")) {
		*uid = *gid = name[0] == 'a' ? 1000 : 1001;
		return 0;
	}
	if (!strcmp(name, "root")) {
		*uid = *gid = 0;
		return 0;
	}
	return !strcmp(name, "broken") ? -EIO : -ENOENT;
}

static int by_uid(void *ctx, uint32_t uid, uint32_t *gid)
{
	(void)ctx;
	if (uid > 2000)
		return -ENOENT;
	*gid = uid;
	return 0;
}

static const struct cg_user_db users = { by_name, by_uid, NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cg_config cfg;
	char err[512];
	unsigned int i;

	err[0] = '\0';
	if (cg_config_parse("fuzz.conf", (const char *)data, size, &users,
			    &cfg, err, sizeof(err))) {
		check(!strncmp(err, "fuzz.conf", 9));
		check(!cfg.cameras && !cfg.displays && !cfg.identities &&
		      !cfg.control_socket);
		return 0;
	}
	check(cfg.n_listen >= 1 && cfg.n_listen <= CG_CONFIG_MAX_LISTEN);
	check(cfg.identities && cfg.control_socket);
	check(cfg.jpeg_quality >= 1 && cfg.jpeg_quality <= 100);
	check(cg_config_max_payload(&cfg) >= 4096 - CG_RECORD_HEADER_LEN);
	for (i = 0; i < cfg.n_cameras; i++) {
		check(cfg.cameras[i].owner.uid && cfg.cameras[i].owner.gid);
		check(!cfg.cameras[i].device != !cfg.cameras[i].has_id);
	}
	for (i = 0; i < cfg.n_displays; i++) {
		const struct cg_config_display *d = &cfg.displays[i];

		check(d->camera < cfg.n_cameras);
		check(d->owner.uid == cfg.cameras[d->camera].owner.uid);
		check(d->pairing && d->pairing[0] == '/');
	}
	cg_config_free(&cfg);
	return 0;
}
