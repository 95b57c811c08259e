// SPDX-License-Identifier: GPL-2.0
/*
 * Test cases for the browser display's verifier (web/display/verifier.js),
 * with the verdicts of the C reference: every case is a display's
 * configuration and the byte streams of its connections, run here through
 * user/lib/record.c's decoder and user/lib/verifier.c exactly as
 * camguard-view does (user/camguard-view/verify.c, session.c), and written
 * out with what they decided. tests/web/verifier.test.mjs then runs the
 * JavaScript verifier over the same bytes and must agree on every verdict,
 * every counter and every decrypted byte. Nothing expected is written by
 * hand: a change to the C rules changes the expectations with it.
 *
 * It also writes pairing links made by cg_pairing_link(), which the page's
 * link parser (web/display/pairing.js) must read back to the same fields.
 *
 *   cg-web-cases > cases.json
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aead.h"
#include "hmac.h"
#include "le.h"
#include "pairing.h"
#include "record.h"
#include "record_helpers.h"
#include "verifier.h"

#define MAX_CASES	64
#define MAX_CONNS	4
#define OWNER		1000
#define OTHER_OWNER	1001
#define CHANNEL		7
#define NOW_NS		1700000000000000000ull

/* One connection's bytes. */
struct conn {
	uint8_t *buf;
	size_t len;
};

struct web_case {
	const char *name;
	uint8_t key[CAMGUARD_KEY_LEN];
	struct cg_verifier_config cfg;	/* .key set from key when run */
	size_t max_payload;
	struct conn conns[MAX_CONNS];
	unsigned int n_conns;
};

static void die(const char *what)
{
	fprintf(stderr, "cg-web-cases: %s\n", what);
	exit(1);
}

static void append(struct web_case *c, const void *data, size_t len)
{
	struct conn *k = &c->conns[c->n_conns - 1];

	k->buf = realloc(k->buf, k->len + len + 1);
	if (!k->buf)
		die("out of memory");
	memcpy(k->buf + k->len, data, len);
	k->len += len;
}

static struct web_case cases[MAX_CASES];

/* A display of OWNER with key seed 1, one connection open. */
static void case_init(struct web_case *c, const char *name)
{
	/* Builders take the next slot; the first one past the end stops here. */
	if (c >= cases + MAX_CASES)
		die("too many cases: raise MAX_CASES");
	memset(c, 0, sizeof(*c));
	c->name = name;
	test_key(c->key, 1);
	c->cfg.check_owner = true;	/* as camguard-view: from the pairing */
	c->cfg.owner_uid = OWNER;
	c->max_payload = CG_RECORD_DEFAULT_MAX_PAYLOAD;
	c->n_conns = 1;
}

static void new_conn(struct web_case *c)
{
	if (c->n_conns == MAX_CONNS)
		die("too many connections");
	c->n_conns++;
}

/* A small stand-in for a JPEG, different for every frame. */
static size_t test_jpeg(const struct test_frame *f, uint8_t *out)
{
	size_t n = 24 + f->sequence % 7, i;

	out[0] = 0xff;
	out[1] = 0xd8;
	for (i = 2; i < n - 2; i++)
		out[i] = (uint8_t)(f->camera * 31 + f->sequence * 7 + i);
	out[n - 2] = 0xff;
	out[n - 1] = 0xd9;
	return n;
}

static struct test_frame frame(uint16_t camera, uint64_t stream,
			       uint32_t sequence)
{
	struct test_frame f = {
		.camera = camera, .channel_id = CHANNEL, .stream_id = stream,
		.sequence = sequence, .owner_uid = OWNER, .owner_gid = OWNER,
		.send_ns = NOW_NS,
	};
	return f;
}

/* A record of @f for the display of @key, in a new buffer (*@len). */
static uint8_t *make(const struct test_frame *f, const uint8_t *key,
		     size_t *len)
{
	uint8_t jpeg[64], *rec = NULL;

	*len = test_record(f, key, key, jpeg, test_jpeg(f, jpeg), &rec);
	if (!*len)
		die("cannot build a record");
	return rec;
}

/* A record of @f with its tag MACed under @tag_key and payload @jpeg. */
static void add_with(struct web_case *c, const struct test_frame *f,
		     const uint8_t *tag_key, const void *jpeg, size_t n)
{
	uint8_t *rec = NULL;
	size_t len = test_record(f, c->key, tag_key, jpeg, n, &rec);

	if (!len)
		die("cannot build a record");
	append(c, rec, len);
	free(rec);
}

static void add(struct web_case *c, const struct test_frame *f)
{
	size_t len;
	uint8_t *rec = make(f, c->key, &len);

	append(c, rec, len);
	free(rec);
}

static int mac(const uint8_t *key, const uint8_t *data, size_t len,
	       uint8_t *out)
{
	const struct cg_hmac_part part = { data, len };
	struct cg_hmac *h = cg_hmac_new(key);
	int ret = h ? cg_hmac_compute(h, &part, 1, out) : -1;

	cg_hmac_free(h);
	return ret;
}

/* The tag's flags set to @flags, the kernel MAC and seal made again. */
static void set_tag_flags(uint8_t *rec, size_t len, const uint8_t *key,
			  uint8_t flags)
{
	rec[CG_RECORD_OFF_TAG + 1] = flags;
	if (mac(key, rec + CG_RECORD_OFF_TAG, CG_TAG_LEN,
		rec + CG_RECORD_OFF_KERNEL_MAC) || test_reseal(rec, len, key))
		die("cannot reseal");
}

/* A record of the valid stream with one edit, appended. */
enum edit {
	E_NONE,
	E_HEADER_BYTE,		/* a header byte changed, seal kept */
	E_MUTED,		/* tag flag muted, resealed: accepted */
	E_HEADER_CHANNEL,	/* header channel differs from the tag's */
	E_PAYLOAD_BYTE,		/* a payload byte changed: digest fails */
	E_WRAPPED_KEY,		/* wrapped key changed, resealed */
	E_OTHER_CK,		/* another content key wrapped, resealed */
	E_SHORT_PAYLOAD,	/* 8 payload bytes, digest and seal matching */
};

static void add_edited(struct web_case *c, const struct test_frame *f,
		       enum edit e)
{
	uint8_t ck[CG_RECORD_CONTENT_KEY_LEN], seal[32], wrap[32];
	uint8_t *rec;
	size_t len;

	rec = make(f, c->key, &len);
	switch (e) {
	case E_NONE:
		break;
	case E_HEADER_BYTE:
		rec[CG_RECORD_OFF_SEND_NS] ^= 1;
		break;
	case E_MUTED:
		set_tag_flags(rec, len, c->key, CAMGUARD_TAG_F_MUTED);
		break;
	case E_HEADER_CHANNEL:
		cg_put_le32(rec + CG_RECORD_OFF_CHANNEL, CHANNEL + 1);
		test_reseal(rec, len, c->key);
		break;
	case E_PAYLOAD_BYTE:
		rec[CG_RECORD_HEADER_LEN + 3] ^= 0x40;
		break;
	case E_WRAPPED_KEY:
		rec[CG_RECORD_OFF_WRAPPED_KEY + 5] ^= 1;
		test_reseal(rec, len, c->key);
		break;
	case E_OTHER_CK:
		/* Unwraps fine, but the GCM tag fails under that key. */
		test_content_key(ck, f->sequence + 1);
		if (cg_record_derive(c->key, seal, wrap) ||
		    cg_aes_kw_wrap(wrap, ck, rec + CG_RECORD_OFF_WRAPPED_KEY))
			die("cannot wrap");
		test_reseal(rec, len, c->key);
		break;
	case E_SHORT_PAYLOAD:
		len = CG_RECORD_HEADER_LEN + 8;
		cg_put_le32(rec + CG_RECORD_OFF_PAYLOAD_LEN, 8);
		cg_sha256(rec + CG_RECORD_HEADER_LEN, 8,
			  rec + CG_RECORD_OFF_DIGEST);
		test_reseal(rec, len, c->key);
		break;
	}
	append(c, rec, len);
	free(rec);
}

/* A header field of a valid record broken, the stream cut after it. */
static void add_bad_frame(struct web_case *c, unsigned int off, uint32_t v,
			  unsigned int width)
{
	struct test_frame f = frame(1, 100, 2);
	uint8_t *rec;
	size_t len;

	rec = make(&f, c->key, &len);
	if (width == 1)
		rec[off] = (uint8_t)v;
	else if (width == 2)
		cg_put_le16(rec + off, (uint16_t)v);
	else
		cg_put_le32(rec + off, v);
	append(c, rec, len);
	free(rec);
}

/* ---- Output ---- */

static void hex(const uint8_t *p, size_t n)
{
	size_t i;

	putchar('"');
	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
	putchar('"');
}

static unsigned int n_checks;

/*
 * Run @c as camguard-view would and print it with the verdicts: one per
 * decoded record or framing error, and the counters at the end.
 */
static void run(struct web_case *c, bool first)
{
	const struct cg_verifier_stats *s;
	struct cg_verifier_config cfg = c->cfg;
	struct cg_record_decoder dec;
	struct cg_verifier *v;
	unsigned int i, k, n = 0;

	cfg.key = c->key;
	cfg.tag_key = c->key;
	v = cg_verifier_new(&cfg);
	if (!v || cg_record_decoder_init(&dec, c->max_payload, NULL))
		die("cannot make a verifier");

	printf("%s{\"name\":\"%s\",\"key\":", first ? "" : ",\n", c->name);
	hex(c->key, sizeof(c->key));
	printf(",\"config\":{\"channelId\":%u,\"checkOwner\":%s,\"ownerUid\":%u,\"maxAgeNs\":\"%llu\",\"nowNs\":\"%llu\",\"maxPayload\":%zu}",
	       c->cfg.channel_id, c->cfg.check_owner ? "true" : "false",
	       c->cfg.owner_uid, (unsigned long long)c->cfg.max_age_ns,
	       NOW_NS, c->max_payload);
	printf(",\n \"connections\":[");
	for (k = 0; k < c->n_conns; k++) {
		printf(k ? ",\n  " : "\n  ");
		hex(c->conns[k].buf, c->conns[k].len);
	}
	printf("],\n \"verdicts\":[");
	for (k = 0; k < c->n_conns; k++) {
		const uint8_t *in = c->conns[k].buf;
		size_t len = c->conns[k].len;

		while (len) {
			struct cg_verify_info info;
			enum cg_record_status st;
			struct cg_record rec;
			size_t used = 0;

			st = cg_record_decode(&dec, in, len, &used, &rec);
			in += used;
			len -= used;
			if (st == CG_RECORD_NEED_MORE)
				continue;
			printf("%s\n  {\"conn\":%u,", n++ ? "," : "", k);
			if (cg_record_status_fatal(st)) {
				cg_verifier_count(v, st);
				printf("\"status\":\"%s\"}",
				       cg_record_status_name(st));
				break;
			}
			st = cg_verifier_check(v, &rec, NOW_NS, &info);
			printf("\"status\":\"%s\"", cg_record_status_name(st));
			if (st == CG_RECORD_OK) {
				printf(",\"camera\":%u,\"streamId\":\"%llu\",\"sequence\":%u,\"newStream\":%s,\"previousStream\":\"%llu\",\"skipped\":%u,\"muted\":%s,\"jpeg\":",
				       info.tag.camera,
				       (unsigned long long)info.tag.stream_id,
				       info.tag.sequence,
				       info.new_stream ? "true" : "false",
				       (unsigned long long)info.previous_stream,
				       info.skipped,
				       info.tag.flags & CAMGUARD_TAG_F_MUTED ?
				       "true" : "false");
				hex(info.payload, info.payload_len);
			}
			printf("}");
		}
		/* The connection ends: only a truncation is new news. */
		if (cg_record_decoder_finish(&dec) == CG_RECORD_TRUNCATED) {
			cg_verifier_count(v, CG_RECORD_TRUNCATED);
			printf("%s\n  {\"conn\":%u,\"status\":\"truncated\"}",
			       n++ ? "," : "", k);
		}
		cg_record_decoder_reset(&dec);
	}
	s = cg_verifier_stats(v);
	printf("],\n \"stats\":{\"accepted\":%llu,\"stream_changes\":%llu,\"skipped\":%llu,\"rejected\":{",
	       (unsigned long long)s->accepted,
	       (unsigned long long)s->stream_changes,
	       (unsigned long long)s->skipped);
	for (i = 0, k = 0; i < CG_RECORD_NR_STATUS; i++)
		if (s->rejected[i])
			printf("%s\"%s\":%llu", k++ ? "," : "",
			       cg_record_status_name((enum cg_record_status)i),
			       (unsigned long long)s->rejected[i]);
	printf("}}}");
	n_checks += n;
	cg_record_decoder_release(&dec);
	cg_verifier_free(v);
	for (k = 0; k < c->n_conns; k++)
		free(c->conns[k].buf);
}

/* ---- The cases ---- */

/*
 * Several frames of two cameras, a gap, a muted frame and a stream
 * change (camera 1 restarts with a higher stream id, from sequence 0).
 */
static void valid_stream(struct web_case *c)
{
	struct test_frame f;

	case_init(c, "valid-stream");
	f = frame(1, 100, 1);
	add(c, &f);
	f = frame(2, 300, 10);
	add(c, &f);
	f = frame(1, 100, 2);
	add(c, &f);
	f = frame(1, 100, 5);			/* gap of two */
	add(c, &f);
	f = frame(2, 300, 11);
	add_edited(c, &f, E_MUTED);
	f = frame(1, 200, 0);			/* camera restarted */
	add(c, &f);
	f = frame(1, 200, 1);
	add(c, &f);
}

/* Frame 3 of camera 1 with one thing wrong, between two good ones. */
static void refusal(struct web_case *c, const char *name, enum edit e)
{
	struct test_frame f;

	case_init(c, name);
	f = frame(1, 100, 2);
	add(c, &f);
	f = frame(1, 100, 3);
	add_edited(c, &f, e);
	f = frame(1, 100, 4);
	add(c, &f);
}

static void refusals(struct web_case *c, unsigned int *n)
{
	struct test_frame f;
	unsigned int i;

	refusal(&c[(*n)++], "bad_seal", E_HEADER_BYTE);
	refusal(&c[(*n)++], "tag_mismatch", E_HEADER_CHANNEL);
	refusal(&c[(*n)++], "bad_payload", E_PAYLOAD_BYTE);
	refusal(&c[(*n)++], "decrypt_failed-unwrap", E_WRAPPED_KEY);
	refusal(&c[(*n)++], "decrypt_failed-gcm", E_OTHER_CK);
	refusal(&c[(*n)++], "decrypt_failed-short", E_SHORT_PAYLOAD);

	case_init(&c[*n], "bad_tag");
	f = frame(1, 100, 3);
	f.tag_version = 2;
	add(&c[(*n)++], &f);

	/* The kernel MACed the tag under another key than the display's. */
	case_init(&c[*n], "bad_kernel_mac");
	{
		uint8_t other[CAMGUARD_KEY_LEN];

		test_key(other, 9);
		f = frame(1, 100, 3);
		add_with(&c[(*n)++], &f, other, "\xff\xd8\xff\xd9", 4);
	}

	case_init(&c[*n], "wrong_channel");
	c[*n].cfg.channel_id = CHANNEL + 1;
	f = frame(1, 100, 3);
	add(&c[(*n)++], &f);

	case_init(&c[*n], "wrong_owner");
	f = frame(1, 100, 3);
	f.owner_uid = OTHER_OWNER;
	add(&c[(*n)++], &f);

	case_init(&c[*n], "stale");
	c[*n].cfg.max_age_ns = 2000000000ull;
	f = frame(1, 100, 3);
	add(&c[*n], &f);			/* on time */
	f = frame(1, 100, 4);
	f.send_ns = NOW_NS - 2000000001ull;	/* too old */
	add(&c[*n], &f);
	f = frame(1, 100, 5);
	f.send_ns = NOW_NS + 2000000001ull;	/* from the future */
	add(&c[(*n)++], &f);

	case_init(&c[*n], "replay");
	f = frame(1, 100, 3);
	add(&c[*n], &f);
	add(&c[*n], &f);
	f = frame(1, 100, 4);
	add(&c[(*n)++], &f);

	case_init(&c[*n], "reorder");
	f = frame(1, 100, 5);
	add(&c[*n], &f);
	f = frame(1, 100, 4);
	add(&c[(*n)++], &f);

	case_init(&c[*n], "old_stream");
	f = frame(1, 200, 1);
	add(&c[*n], &f);
	f = frame(1, 100, 9);
	add(&c[(*n)++], &f);

	case_init(&c[*n], "too_many_cameras");
	for (i = 0; i <= CG_VERIFIER_MAX_CAMERAS; i++) {
		f = frame((uint16_t)(i + 1), 100, 1);
		add(&c[*n], &f);
	}
	f = frame(1, 100, 2);			/* a known camera still works */
	add(&c[(*n)++], &f);

	/* A refused record changes nothing: the next one is judged alone. */
	case_init(&c[*n], "refused-moves-nothing");
	f = frame(1, 100, 3);
	add_edited(&c[*n], &f, E_PAYLOAD_BYTE);
	add(&c[(*n)++], &f);
}

static void framing(struct web_case *c, unsigned int *n)
{
	static const struct {
		const char *name;
		unsigned int off, width;
		uint32_t value;
	} bad[] = {
		{ "bad_magic", CG_RECORD_OFF_MAGIC + 2, 1, 'X' },
		{ "bad_version-1", CG_RECORD_OFF_VERSION, 1, 1 },
		{ "bad_version-3", CG_RECORD_OFF_VERSION, 1, 3 },
		{ "bad_type", CG_RECORD_OFF_TYPE, 1, 2 },
		{ "bad_header_len", CG_RECORD_OFF_HEADER_LEN, 2, 255 },
		{ "bad_flags", CG_RECORD_OFF_FLAGS, 4, 0x80000000u },
		{ "oversize", CG_RECORD_OFF_PAYLOAD_LEN, 4,
		  CG_RECORD_DEFAULT_MAX_PAYLOAD + 1 },
	};
	static const char *const bad_early[] = {
		"bad_magic-early", "bad_version-1-early", "bad_version-3-early",
		"bad_type-early", "bad_header_len-early", "bad_flags-early",
		"oversize-early",
	};
	struct test_frame f;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		case_init(&c[*n], bad[i].name);
		f = frame(1, 100, 1);
		add(&c[*n], &f);
		add_bad_frame(&c[*n], bad[i].off, bad[i].value, bad[i].width);
		(*n)++;
		/*
		 * The stream ends right after the bad field: refused as soon
		 * as its bytes are in (not "truncated"), before the rest.
		 */
		case_init(&c[*n], bad_early[i]);
		add_bad_frame(&c[*n], bad[i].off, bad[i].value, bad[i].width);
		c[*n].conns[0].len = bad[i].off + bad[i].width;
		(*n)++;
	}
	/* A good header cut short is only truncated. */
	case_init(&c[*n], "truncated-header");
	f = frame(1, 100, 1);
	add(&c[*n], &f);
	c[*n].conns[0].len = CG_RECORD_OFF_PAYLOAD_LEN + 4;
	(*n)++;

	/* A lower limit, as a display may set: 40 bytes of payload. */
	case_init(&c[*n], "oversize-limit");
	c[*n].max_payload = 40;
	f = frame(1, 100, 1);
	add(&c[*n], &f);
	{
		uint8_t big[64] = { 0xff, 0xd8 };

		f = frame(1, 100, 2);
		add_with(&c[*n], &f, c[*n].key, big, sizeof(big));
	}
	(*n)++;

	/*
	 * Cut inside a header, then inside a payload; the next connection
	 * starts clean and the order state carries on.
	 */
	case_init(&c[*n], "truncated");
	{
		uint8_t *rec;
		size_t len;

		f = frame(1, 100, 1);
		add(&c[*n], &f);
		f = frame(1, 100, 2);
		rec = make(&f, c[*n].key, &len);
		append(&c[*n], rec, 100);
		new_conn(&c[*n]);
		append(&c[*n], rec, len - 1);
		new_conn(&c[*n]);
		append(&c[*n], rec, len);
		free(rec);
	}
	(*n)++;

	/* Garbage from the first byte. */
	case_init(&c[*n], "bad_magic-http");
	append(&c[*n], "HTTP/1.1 200 OK\r\n\r\n", 19);
	(*n)++;
}

/*
 * A relay's tricks between displays. Display A (key seed 1) and display B
 * (key seed 2) are both OWNER's, watching camera 1; display C (key seed
 * 3) is OTHER_OWNER's. The case is always display A's.
 */
static void splicing(struct web_case *c, unsigned int *n)
{
	uint8_t ka[CAMGUARD_KEY_LEN], kb[CAMGUARD_KEY_LEN];
	uint8_t kc[CAMGUARD_KEY_LEN], *ra, *rb, *rc, *r2;
	size_t la, lb, lc, l2;
	struct test_frame f;

	test_key(ka, 1);			/* case_init()'s */
	test_key(kb, 2);
	test_key(kc, 3);
	f = frame(1, 100, 3);
	ra = make(&f, ka, &la);
	rb = make(&f, kb, &lb);
	f.owner_uid = OTHER_OWNER;
	rc = make(&f, kc, &lc);
	f = frame(1, 100, 10);		/* the same JPEG size as 3 */
	r2 = make(&f, ka, &l2);

	/* B's record of the same frame served to A. */
	case_init(&c[*n], "splice-other-display");
	append(&c[*n], rb, lb);
	append(&c[*n], ra, la);			/* A's own: accepted */
	(*n)++;

	/* B's wrapped key, tag MAC and seal in A's header. */
	case_init(&c[*n], "splice-wrapped-key");
	{
		uint8_t *x = malloc(la);

		if (!x)
			die("out of memory");
		memcpy(x, ra, la);
		memcpy(x + CG_RECORD_OFF_KERNEL_MAC,
		       rb + CG_RECORD_OFF_KERNEL_MAC,
		       CG_RECORD_HEADER_LEN - CG_RECORD_OFF_KERNEL_MAC);
		append(&c[*n], x, la);
		free(x);
	}
	(*n)++;

	/* A genuine header of frame 10 with frame 3's payload. */
	case_init(&c[*n], "splice-payload");
	{
		uint8_t *x = malloc(l2);

		if (!x || la != l2)
			die("frames 3 and 10 differ in size");
		memcpy(x, r2, CG_RECORD_HEADER_LEN);
		memcpy(x + CG_RECORD_HEADER_LEN, ra + CG_RECORD_HEADER_LEN,
		       la - CG_RECORD_HEADER_LEN);
		append(&c[*n], x, l2);
		free(x);
	}
	(*n)++;

	/* Another owner's display's record, and that display's own view. */
	case_init(&c[*n], "another-owner");
	append(&c[*n], rc, lc);
	(*n)++;
	case_init(&c[*n], "another-owner-own-display");
	memcpy(c[*n].key, kc, sizeof(kc));
	append(&c[*n], ra, la);			/* A's record: not for C */
	append(&c[*n], rc, lc);			/* C's own, but C expects */
	(*n)++;					/* OWNER: wrong_owner */

	/* A reconnecting display served an old frame by a cache. */
	case_init(&c[*n], "reconnect-replay");
	append(&c[*n], ra, la);
	new_conn(&c[*n]);
	append(&c[*n], ra, la);
	append(&c[*n], r2, l2);
	(*n)++;

	free(ra);
	free(rb);
	free(rc);
	free(r2);
}

/* Links of a few pairings, with the fields they must parse back to. */
static void links(void)
{
	static const struct {
		const char *display, *host;
		uint32_t uid;
		unsigned int seed;
	} l[] = {
		{ "kitchen", "board.example", 1000, 1 },
		{ "alice-phone", "fd00::1", 4294967294u, 2 },
		{ "a", "10.0.0.2", 1, 3 },
		{ "Z9._-0123456789012345678901234", "cam.local", 65534, 4 },
	};
	char link[CG_PAIRING_LINK_MAX];
	struct cg_pairing p;
	unsigned int i, j;

	printf("],\n\"links\":[");
	for (i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		memset(&p, 0, sizeof(p));
		snprintf(p.display, sizeof(p.display), "%s", l[i].display);
		snprintf(p.host, sizeof(p.host), "%s", l[i].host);
		p.port = 8443;
		p.owner_uid = l[i].uid;
		test_key(p.key, l[i].seed);
		for (j = 0; j < CG_FINGERPRINT_LEN; j++)
			p.fingerprint[j] = (uint8_t)(l[i].seed * 37 + j * 11);
		if (cg_pairing_link(&p, link, sizeof(link)) < 0)
			die("cannot make a link");
		printf("%s\n {\"link\":\"%s\",\"display\":\"%s\",\"uid\":%u,\"key\":",
		       i ? "," : "", link, p.display, p.owner_uid);
		hex(p.key, sizeof(p.key));
		printf(",\"pin\":");
		hex(p.fingerprint, sizeof(p.fingerprint));
		printf("}");
	}
}

int main(void)
{
	unsigned int n = 0, i;

	valid_stream(&cases[n++]);
	refusals(cases, &n);
	framing(cases, &n);
	splicing(cases, &n);
	printf("{\"generator\":\"tests/web/gen-cases.c\",\"cases\":[\n");
	for (i = 0; i < n; i++)
		run(&cases[i], i == 0);
	links();
	/* The names and texts, in enum order: verifier.js has the same. */
	printf("],\n\"statuses\":[");
	for (i = 0; i < CG_RECORD_NR_STATUS; i++)
		printf("%s\n {\"name\":\"%s\",\"text\":\"%s\",\"fatal\":%s}",
		       i ? "," : "",
		       cg_record_status_name((enum cg_record_status)i),
		       cg_record_status_text((enum cg_record_status)i),
		       cg_record_status_fatal((enum cg_record_status)i) ?
		       "true" : "false");
	printf("]}\n");
	fprintf(stderr, "cg-web-cases: %u cases, %u verdicts\n", n, n_checks);
	return ferror(stdout) ? 1 : 0;
}
