/* SPDX-License-Identifier: MIT */
/*
 * camguardd's TLS identities, one per owner (docs/camguardd.md, "TLS
 * identities"): in the directory of the config's [listen] identities,
 *
 *   UID.key    the owner's private key (PEM), root-owned, mode 0600
 *   UID.crt    its self-signed certificate (PEM)
 *
 * The displays of that owner pin the certificate's SHA-256 (pairing.h).
 * Only the owner's worker loads the key, as root before it drops to the
 * owner; the supervisor and the other workers never read it. So a worker
 * that is taken over can pose as camguardd to its own owner's displays
 * only.
 *
 * `camguardctl pair` makes an owner's identity when it has none
 * (cg_identity_ensure()); an administrator may also put one there.
 */
#ifndef CG_IDENTITY_H
#define CG_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

#include "config.h"

#define CG_IDENTITY_MAX_FILE	(64 * 1024)

/* "owner alice (uid 1000)", or "owner uid 1000" for an owner by number. */
void cg_identity_owner_name(const struct cg_owner *o, char *buf, size_t size);

/*
 * @o's identity in @dir as a TLS 1.3 server context (transport.h). The
 * key file must be a regular file, no symbolic link, mode 0600 or
 * stricter, owned by root or the reader; its bytes are wiped once parsed.
 * NULL on error, "owner NAME (uid N): problem" in @err.
 */
SSL_CTX *cg_identity_server_ctx(const char *dir, const struct cg_owner *o,
				char *err, size_t errlen);

/*
 * The SHA-256 fingerprint of @o's certificate in @dir, making a new
 * identity (P-256 key, self-signed certificate) when there is none;
 * *@created says whether it did. @dir is created (0700) when missing, and
 * must be owned by root or the caller and writable by nobody else. An
 * existing identity is loaded and checked as cg_identity_server_ctx()
 * does; half of one (a key without its certificate, or the reverse) is
 * an error. Serialised on @dir with flock(), so two `camguardctl pair`
 * at once make one identity. 0 or -errno, "owner ...: problem" in @err.
 */
int cg_identity_ensure(const char *dir, const struct cg_owner *o,
		       uint8_t fp[32], bool *created, char *err,
		       size_t errlen);

#endif /* CG_IDENTITY_H */
