// SPDX-License-Identifier: MIT
/*
 * The ClientHello's server name (sni.h). Every length is checked against
 * what encloses it before it is used; the record must hold the whole
 * ClientHello (what browsers send: one record, well under 16 KiB).
 */
#include <errno.h>
#include <string.h>

#include "sni.h"

#define HS_CLIENT_HELLO		1
#define EXT_SERVER_NAME		0
#define NAME_TYPE_HOST		0

/* A bounded reader over a byte range. */
struct rd {
	const uint8_t *p;
	size_t left;
};

static int take(struct rd *r, size_t n, const uint8_t **out)
{
	if (r->left < n)
		return -EBADMSG;
	if (out)
		*out = r->p;
	r->p += n;
	r->left -= n;
	return 0;
}

static int u8(struct rd *r, size_t *v)
{
	const uint8_t *b;

	if (take(r, 1, &b))
		return -EBADMSG;
	*v = b[0];
	return 0;
}

static int u16(struct rd *r, size_t *v)
{
	const uint8_t *b;

	if (take(r, 2, &b))
		return -EBADMSG;
	*v = (size_t)b[0] << 8 | b[1];
	return 0;
}

/* A sub-reader over the next @n bytes of @r. */
static int sub(struct rd *r, size_t n, struct rd *s)
{
	if (take(r, n, &s->p))
		return -EBADMSG;
	s->left = n;
	return 0;
}

/* A vector with a @width-byte length prefix, as a sub-reader. */
static int vec(struct rd *r, int width, struct rd *s)
{
	size_t n;

	if (width == 1 ? u8(r, &n) : u16(r, &n))
		return -EBADMSG;
	return sub(r, n, s);
}

/* [A-Za-z0-9.-], 1..CG_SNI_MAX, lowercased into @host. */
static int host_name(struct rd *name, char host[CG_SNI_MAX + 1])
{
	size_t i;

	if (!name->left || name->left > CG_SNI_MAX)
		return -EBADMSG;
	for (i = 0; i < name->left; i++) {
		char ch = (char)name->p[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		else if (!((ch >= 'a' && ch <= 'z') ||
			   (ch >= '0' && ch <= '9') || ch == '.' || ch == '-'))
			return -EBADMSG;
		host[i] = ch;
	}
	host[i] = '\0';
	return 1;
}

static int server_name(struct rd *ext, char host[CG_SNI_MAX + 1])
{
	struct rd list, name;
	size_t type;

	if (vec(ext, 2, &list) || ext->left)
		return -EBADMSG;
	while (list.left) {
		if (u8(&list, &type) || vec(&list, 2, &name))
			return -EBADMSG;
		if (type == NAME_TYPE_HOST)
			return host_name(&name, host);
	}
	return -ENOENT;
}

int cg_sni_parse(const uint8_t *buf, size_t len, char host[CG_SNI_MAX + 1])
{
	struct rd r = { buf, len }, rec, hello, exts, ext, skip;
	size_t type, rec_len, hs_len, ext_type;

	/* The record header: handshake, version 3.x, length. */
	if (len >= 1 && buf[0] != CG_TLS_HANDSHAKE)
		return -EBADMSG;
	if (len >= 2 && buf[1] != 3)
		return -EBADMSG;
	if (len < 5)
		return 0;
	take(&r, 3, NULL);
	u16(&r, &rec_len);
	if (rec_len < 4 || rec_len > CG_TLS_RECORD_MAX - 5)
		return -EBADMSG;
	if (len >= 6 && buf[5] != HS_CLIENT_HELLO)
		return -EBADMSG;
	if (r.left < rec_len)
		return 0;
	sub(&r, rec_len, &rec);

	/* The handshake message must fit in this record. */
	if (u8(&rec, &type) || type != HS_CLIENT_HELLO)
		return -EBADMSG;
	if (u8(&rec, &hs_len) || u16(&rec, &type))
		return -EBADMSG;
	hs_len = hs_len << 16 | type;
	if (hs_len > rec.left || sub(&rec, hs_len, &hello))
		return -EBADMSG;

	/* version, random, session id, cipher suites, compression */
	if (take(&hello, 2 + 32, NULL) || vec(&hello, 1, &skip) ||
	    vec(&hello, 2, &skip) || vec(&hello, 1, &skip))
		return -EBADMSG;
	if (!hello.left)
		return -ENOENT;		/* no extensions at all */
	if (vec(&hello, 2, &exts) || hello.left)
		return -EBADMSG;
	while (exts.left) {
		if (u16(&exts, &ext_type) || vec(&exts, 2, &ext))
			return -EBADMSG;
		if (ext_type == EXT_SERVER_NAME)
			return server_name(&ext, host);
	}
	return -ENOENT;
}
