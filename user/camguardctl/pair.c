// SPDX-License-Identifier: MIT
/*
 * camguardctl [-c CONFIG] pair NAME [--address HOST:PORT] [--out FILE]
 * [--link]: a display's key and its pairing file, and with --link the
 * pairing link a browser display opens (docs/pairing.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ctl.h"
#include "identity.h"
#include "pairing.h"

static const char *owner_name(const struct cg_owner *o, char *buf,
			      size_t size)
{
	cg_identity_owner_name(o, buf, size);
	return buf;
}

/* "*", "0.0.0.0" and "::" say where camguardd listens, not where to go. */
static bool unspecified_host(const char *host)
{
	return !strcmp(host, "*") || !strcmp(host, "0.0.0.0") ||
	       !strcmp(host, "::");
}

/*
 * A new key for display @name, written with camguardd's address and
 * certificate fingerprint as its pairing file. Nothing in the kernel
 * changes: camguardd creates the channel with this key when reloaded.
 */
/*
 * The link carries the key, like the file: printed only once the file is
 * written (a link whose key camguardd never gets would pair nothing), and
 * wiped after.
 */
/*
 * The link's host is the owner's [web] host: camguardd routes a browser by
 * the host name it dials (docs/web-display.md), never by an address.
 */
static void print_link(const struct cg_pairing *paired, const char *web_host)
{
	char link[CG_PAIRING_LINK_MAX];
	struct cg_pairing p = *paired;
	int ret;

	if (web_host)
		snprintf(p.host, sizeof(p.host), "%s", web_host);
	ret = cg_pairing_link(&p, link, sizeof(link));
	cg_pairing_clear(&p);
	if (ret < 0) {
		fprintf(stderr, "camguardctl pair: cannot make the pairing link\n");
		return;
	}
	if (!web_host)
		fprintf(stderr, "camguardctl pair: warning: the owner has no [web] host, so camguardd will not serve this link; add 'host = NAME OWNER' to [web] and pair again\n");
	printf("pairing link for a browser display (it holds the display's key: give it\n"
	       "only to that display, over a channel you trust; the key stays in the part\n"
	       "after '#', which browsers never send):\n%s\n", link);
	/* On a terminal, for a phone's camera: as secret as the link. */
	if (isatty(STDOUT_FILENO) && ctl_qr_print(link, stdout) == 0)
		printf("(the same link as a QR code: scan it with the display's camera)\n");
	OPENSSL_cleanse(link, sizeof(link));
}

static int pair_display(const char *config, const char *name,
			const char *address, const char *out, bool link)
{
	const struct cg_config_display *d;
	char err[1400], who[CG_KV_MAX_USER + 32];
	struct cg_pairing p = { 0 };
	struct cg_config cfg;
	bool created;
	const char *path;
	int ret = 1;

	if (ctl_load_display(config, name, &cfg, &d))
		return 1;
	path = out ? out : d->pairing;
	if (address) {
		if (cg_kv_parse_hostport(address, p.host, &p.port) ||
		    unspecified_host(p.host)) {
			fprintf(stderr, "camguardctl pair: bad --address '%s': HOST:PORT or [IPV6]:PORT the display can connect to\n",
				address);
			goto out;
		}
	} else if (!cfg.n_listen) {
		fprintf(stderr, "camguardctl pair: %s has no [listen] address: give --address HOST:PORT\n",
			config);
		goto out;
	} else if (unspecified_host(cfg.listen[0].host)) {
		fprintf(stderr, "camguardctl pair: camguardd listens on every address (%s:%u in %s): say which one display %s should connect to with --address HOST:PORT\n",
			cfg.listen[0].host, cfg.listen[0].port, config, name);
		goto out;
	} else {
		snprintf(p.host, sizeof(p.host), "%s", cfg.listen[0].host);
		p.port = cfg.listen[0].port;
	}
	/* The owner's certificate, which only the owner's worker serves. */
	if (cg_identity_ensure(cfg.identities, &d->owner, p.fingerprint,
			       &created, err, sizeof(err))) {
		fprintf(stderr, "camguardctl pair: TLS identity: %s\n", err);
		goto out;
	}
	if (created)
		printf("made the TLS identity of %s in %s (%u.key, %u.crt)\n",
		       owner_name(&d->owner, who, sizeof(who)),
		       cfg.identities, d->owner.uid, d->owner.uid);
	snprintf(p.display, sizeof(p.display), "%s", d->name);
	snprintf(p.owner, sizeof(p.owner), "%s", d->owner.name);
	p.owner_uid = d->owner.uid;
	if (RAND_bytes(p.key, sizeof(p.key)) != 1) {
		fprintf(stderr, "camguardctl pair: no random bytes for the key (OpenSSL RAND_bytes failed)\n");
		goto out;
	}
	ret = cg_pairing_write(path, &p, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "camguardctl pair: %s\n", err);
		if (ret == -EEXIST)
			fprintf(stderr, "camguardctl pair: display %s is paired already; 'camguardctl revoke %s' removes that pairing\n",
				name, name);
		ret = 1;
		goto out;
	}
	printf("paired display %s (owner %s%suid %u) with camguardd at %s%s%s:%u\n"
	       "wrote %s (mode 0600; it holds the display's key)\n",
	       name, p.owner, p.owner[0] ? ", " : "", p.owner_uid,
	       strchr(p.host, ':') ? "[" : "", p.host,
	       strchr(p.host, ':') ? "]" : "", p.port, path);
	if (link)
		print_link(&p, cg_config_web_host_of(&cfg, &d->owner));
	if (out && strcmp(out, d->pairing))
		printf("camguardd reads the key from %s: put a copy there too (mode 0600)\n",
		       d->pairing);
	printf("next: copy it to the display over a channel you trust, and reload camguardd (SIGHUP)\n");
out:
	cg_pairing_clear(&p);
	cg_config_free(&cfg);
	return ret;
}


int ctl_pair(const struct ctl_opts *o, int argc, char **argv)
{
	int ret = ctl_display_arg(argc, argv);

	if (ret)
		return ret;
	/* Config files only: no netlink. */
	return pair_display(o->config, argv[0], o->address, o->out, o->link);
}
