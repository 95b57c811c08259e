/* SPDX-License-Identifier: MIT */
/*
 * Pairing files: what a display needs to reach camguardd and check what it
 * gets, written by `camguardctl pair` (docs/pairing.md):
 *
 *   version = 1
 *   display = kitchen
 *   owner = alice                       (optional: the owner's user name)
 *   owner_uid = 1000
 *   key = <64 hex digits>               the channel key
 *   address = board.example:8443
 *   fingerprint = AB:CD:...             SHA-256 of camguardd's certificate
 *
 * The key is a secret: files are created mode 0600 and loading refuses a
 * file that group or others may read or write, or that is owned by
 * someone other than the reader or root.
 */
#ifndef CG_PAIRING_H
#define CG_PAIRING_H

#include <stddef.h>
#include <stdint.h>
#include <linux/camguard.h>

#include "keyval.h"

#define CG_PAIRING_VERSION	1
#define CG_PAIRING_MAX_FILE	4096
#define CG_FINGERPRINT_LEN	32	/* SHA-256 */

struct cg_pairing {
	char display[CG_KV_MAX_NAME + 1];
	char owner[CG_KV_MAX_USER + 1];		/* "" when not given */
	uint32_t owner_uid;
	uint8_t key[CAMGUARD_KEY_LEN];
	char host[CG_KV_MAX_HOST + 1];
	uint16_t port;
	uint8_t fingerprint[CG_FINGERPRINT_LEN];
};

/*
 * Parse @len bytes of @text, named @file in messages ("FILE:LINE:
 * problem" in @err). 0, or -EINVAL / -EFBIG / -ENOMEM with @p wiped.
 */
int cg_pairing_parse(const char *file, const char *text, size_t len,
		     struct cg_pairing *p, char *err, size_t errlen);

/* Check the file's type, owner and mode, then parse it. */
int cg_pairing_load(const char *path, struct cg_pairing *p, char *err,
		    size_t errlen);

/* The file's text into @buf: its length, or -ENOSPC / -EINVAL. */
int cg_pairing_format(const struct cg_pairing *p, char *buf, size_t size);

/*
 * Create @path, mode 0600, never replacing an existing file (-EEXIST):
 * written to a temporary file beside it, synced, then linked into place.
 */
int cg_pairing_write(const char *path, const struct cg_pairing *p,
		     char *err, size_t errlen);

/*
 * The pairing link of a browser display (docs/pairing.md, "The link"):
 *
 *   https://HOST:PORT/#v=1&display=NAME&uid=UID&key=KEY&pin=PIN
 *
 * KEY the channel key in unpadded base64url (43 characters), PIN the
 * certificate fingerprint in 64 lowercase hex digits. The secret is in
 * the fragment, which a browser never sends to a server. Its length, or
 * -EINVAL (not a valid pairing) / -ENOSPC (@buf wiped).
 */
#define CG_PAIRING_LINK_VERSION	1
/* Room for the longest: a 253-byte host name, a 31-byte display name. */
#define CG_PAIRING_LINK_MAX	512
int cg_pairing_link(const struct cg_pairing *p, char *buf, size_t size);

/* Wipe @p (the key). */
void cg_pairing_clear(struct cg_pairing *p);

#endif /* CG_PAIRING_H */
