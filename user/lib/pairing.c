// SPDX-License-Identifier: GPL-2.0
/* Pairing files: parse, validate, check permissions, write. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "pairing.h"
#include "parse.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum cg_pairing_key {
	PK_VERSION,
	PK_DISPLAY,
	PK_OWNER,
	PK_OWNER_UID,
	PK_KEY,
	PK_ADDRESS,
	PK_FINGERPRINT,
	PK_NR,
};

static const char *const cg_pairing_keys[PK_NR] = {
	[PK_VERSION] = "version",
	[PK_DISPLAY] = "display",
	[PK_OWNER] = "owner",
	[PK_OWNER_UID] = "owner_uid",
	[PK_KEY] = "key",
	[PK_ADDRESS] = "address",
	[PK_FINGERPRINT] = "fingerprint",
};

static int cg_pairing_value(struct cg_kv_reader *r, const struct cg_kv_line *l,
			    enum cg_pairing_key k, struct cg_pairing *p)
{
	const char *v = l->value;
	uint32_t n;

	switch (k) {
	case PK_VERSION:
		if (cg_parse_u32(v, 0, UINT32_MAX, &n))
			break;
		if (n != CG_PAIRING_VERSION)
			return cg_kv_error(r, l->lineno,
					   "pairing file version %u: this program reads version %d",
					   n, CG_PAIRING_VERSION);
		return 0;
	case PK_DISPLAY:
		if (!cg_kv_name_ok(v))
			break;
		snprintf(p->display, sizeof(p->display), "%s", v);
		return 0;
	case PK_OWNER:
		if (!cg_kv_user_name_ok(v))
			break;
		snprintf(p->owner, sizeof(p->owner), "%s", v);
		return 0;
	case PK_OWNER_UID:
		/* Root never owns frames: workers never run as root. */
		if (cg_parse_u32(v, 1, UINT32_MAX - 1, &p->owner_uid))
			break;
		return 0;
	case PK_KEY:
		if (cg_kv_parse_hex(v, p->key, sizeof(p->key), false))
			return cg_kv_error(r, l->lineno,
					   "bad 'key': expected %d hex digits",
					   2 * CAMGUARD_KEY_LEN);
		return 0;
	case PK_ADDRESS:
		if (cg_kv_parse_hostport(v, p->host, &p->port) ||
		    !strcmp(p->host, "*"))
			break;
		return 0;
	case PK_FINGERPRINT:
		if (cg_kv_parse_hex(v, p->fingerprint, sizeof(p->fingerprint),
				    true))
			break;
		return 0;
	case PK_NR:
		break;
	}
	/* Never echo the value: it may be (part of) the key. */
	return cg_kv_error(r, l->lineno, "bad value for '%s'", l->key);
}

/* Parse the NUL-terminated, modifiable @text. */
static int cg_pairing_parse_buf(const char *file, char *text, size_t len,
				struct cg_pairing *p, char *err, size_t errlen)
{
	static const enum cg_pairing_key required[] = {
		PK_VERSION, PK_DISPLAY, PK_OWNER_UID, PK_KEY, PK_ADDRESS,
		PK_FINGERPRINT,
	};
	unsigned int seen[PK_NR] = { 0 };
	struct cg_kv_reader r;
	struct cg_kv_line l;
	unsigned int i, k;
	int ret;

	memset(p, 0, sizeof(*p));
	cg_kv_reader_init(&r, file, text, len, err, errlen);
	while ((ret = cg_kv_next(&r, &l)) > 0) {
		if (l.section) {
			ret = cg_kv_error(&r, l.lineno,
					  "sections are not used in pairing files");
			break;
		}
		for (k = 0; k < PK_NR; k++)
			if (!strcmp(l.key, cg_pairing_keys[k]))
				break;
		if (k == PK_NR) {
			ret = cg_kv_error(&r, l.lineno, "unknown key '%.40s'",
					  l.key);
			break;
		}
		if (seen[k]) {
			ret = cg_kv_error(&r, l.lineno,
					  "'%s' is already set on line %u",
					  l.key, seen[k]);
			break;
		}
		if (k != PK_VERSION && !seen[PK_VERSION]) {
			ret = cg_kv_error(&r, l.lineno,
					  "'version' must come first");
			break;
		}
		seen[k] = l.lineno;
		ret = cg_pairing_value(&r, &l, (enum cg_pairing_key)k, p);
		if (ret)
			break;
	}
	for (i = 0; ret == 0 && i < ARRAY_SIZE(required); i++)
		if (!seen[required[i]])
			ret = cg_kv_error(&r, 0, "no '%s'",
					  cg_pairing_keys[required[i]]);
	if (ret)
		cg_pairing_clear(p);
	return ret;
}

int cg_pairing_parse(const char *file, const char *text, size_t len,
		     struct cg_pairing *p, char *err, size_t errlen)
{
	char *copy;
	int ret;

	if (!file || (!text && len) || !p || !err || !errlen)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	ret = cg_kv_copy_text(file, text, len, CG_PAIRING_MAX_FILE, &copy, err,
			      errlen);
	if (ret)
		return ret;
	ret = cg_pairing_parse_buf(file, copy, len, p, err, errlen);
	OPENSSL_cleanse(copy, len + 1);
	free(copy);
	return ret;
}

int cg_pairing_load(const char *path, struct cg_pairing *p, char *err,
		    size_t errlen)
{
	struct stat st;
	char *text;
	size_t len;
	int ret;

	if (!path || !p || !err || !errlen)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	ret = cg_kv_read_file(path, CG_PAIRING_MAX_FILE, &text, &len, &st,
			      err, errlen);
	if (ret)
		return ret;
	/* Checked on the open file, before a byte of it is parsed. */
	ret = cg_kv_check_secret(path, &st, "channel key", err, errlen);
	if (!ret)
		ret = cg_pairing_parse_buf(path, text, len, p, err, errlen);
	OPENSSL_cleanse(text, len + 1);
	free(text);
	return ret;
}

static void cg_hex(char *out, const uint8_t *in, size_t n, bool colons)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		*out++ = digits[in[i] >> 4];
		*out++ = digits[in[i] & 15];
		if (colons && i + 1 < n)
			*out++ = ':';
	}
	*out = '\0';
}

/*
 * What snprintf() of a secret into @buf returned, as this file's callers
 * return it: the length, -EINVAL, or -ENOSPC with @buf wiped (a cut text
 * may still hold part of the key).
 */
static int cg_secret_text_result(int n, char *buf, size_t size)
{
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size) {
		OPENSSL_cleanse(buf, size);
		return -ENOSPC;
	}
	return n;
}

int cg_pairing_format(const struct cg_pairing *p, char *buf, size_t size)
{
	char key[2 * CAMGUARD_KEY_LEN + 1];
	char fp[3 * CG_FINGERPRINT_LEN];
	char owner[CG_KV_MAX_USER + 16] = "";
	int n;

	if (!p || !buf || !cg_kv_name_ok(p->display) || !p->owner_uid ||
	    p->owner_uid == UINT32_MAX || !p->host[0] || !p->port ||
	    (p->owner[0] && !cg_kv_user_name_ok(p->owner)))
		return -EINVAL;
	cg_hex(key, p->key, sizeof(p->key), false);
	cg_hex(fp, p->fingerprint, sizeof(p->fingerprint), true);
	if (p->owner[0])
		snprintf(owner, sizeof(owner), "owner = %s\n", p->owner);
	n = snprintf(buf, size,
		     "# camguard pairing file of display %s.\n"
		     "# It holds the display's channel key: keep it secret (mode 0600).\n"
		     "version = %d\n"
		     "display = %s\n"
		     "%s"
		     "owner_uid = %u\n"
		     "key = %s\n"
		     "address = %s%s%s:%u\n"
		     "fingerprint = %s\n",
		     p->display, CG_PAIRING_VERSION, p->display, owner,
		     p->owner_uid, key, strchr(p->host, ':') ? "[" : "",
		     p->host, strchr(p->host, ':') ? "]" : "",
		     (unsigned int)p->port, fp);
	OPENSSL_cleanse(key, sizeof(key));
	return cg_secret_text_result(n, buf, size);
}

int cg_pairing_write(const char *path, const struct cg_pairing *p,
		     char *err, size_t errlen)
{
	char text[CG_PAIRING_MAX_FILE];
	int len, ret;

	if (!path || !p || !err || !errlen)
		return -EINVAL;
	len = cg_pairing_format(p, text, sizeof(text));
	if (len < 0) {
		snprintf(err, errlen, "%s: invalid pairing", path);
		return len;
	}
	ret = cg_kv_write_new(path, text, (size_t)len, 0600, err, errlen);
	if (ret == -EEXIST)
		snprintf(err, errlen,
			 "%s: already exists (revoke that pairing first)", path);
	OPENSSL_cleanse(text, sizeof(text));
	return ret;
}

/* RFC 4648 section 5, without padding: @out holds 4 * ceil(n / 3) + 1. */
static void cg_base64url(char *out, const uint8_t *in, size_t n)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint32_t v;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = digits[v >> 18];
		*out++ = digits[(v >> 12) & 63];
		*out++ = digits[(v >> 6) & 63];
		*out++ = digits[v & 63];
	}
	if (i < n) {
		v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		*out++ = digits[v >> 18];
		*out++ = digits[(v >> 12) & 63];
		if (i + 1 < n)
			*out++ = digits[(v >> 6) & 63];
	}
	*out = '\0';
}

int cg_pairing_link(const struct cg_pairing *p, char *buf, size_t size)
{
	char key[4 * ((CAMGUARD_KEY_LEN + 2) / 3) + 1];
	char pin[2 * CG_FINGERPRINT_LEN + 1];
	size_t i;
	int n;

	/* The same checks as the file: a link never says more than it. */
	if (!p || !buf || !cg_kv_name_ok(p->display) || !p->owner_uid ||
	    p->owner_uid == UINT32_MAX || !p->host[0] || !p->port)
		return -EINVAL;
	cg_base64url(key, p->key, sizeof(p->key));
	for (i = 0; i < CG_FINGERPRINT_LEN; i++)
		snprintf(pin + 2 * i, 3, "%02x", p->fingerprint[i]);
	/* Display names are [A-Za-z0-9._-]: nothing to escape in a URL. */
	n = snprintf(buf, size,
		     "https://%s%s%s:%u/#v=%d&display=%s&uid=%u&key=%s&pin=%s",
		     strchr(p->host, ':') ? "[" : "", p->host,
		     strchr(p->host, ':') ? "]" : "", (unsigned int)p->port,
		     CG_PAIRING_LINK_VERSION, p->display, p->owner_uid, key,
		     pin);
	OPENSSL_cleanse(key, sizeof(key));
	return cg_secret_text_result(n, buf, size);
}

void cg_pairing_clear(struct cg_pairing *p)
{
	if (p)
		OPENSSL_cleanse(p, sizeof(*p));
}
