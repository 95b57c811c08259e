// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_record into the directory given: valid
 * record streams under the fuzz target's key, with the option and
 * chunking bytes the target reads first. Run by `make fuzz-seeds`; the
 * output is committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record_helpers.h"

static const struct test_frame base = {
	.camera = 1, .channel_id = 7, .stream_id = 5000000000ull,
	.sequence = 1, .owner_uid = 1000, .owner_gid = 1000,
	.send_ns = 1700000000000000000ull,
};

struct seed {
	uint8_t buf[8192];
	size_t len;
};

static void add(struct seed *s, const struct test_frame *f, size_t payload)
{
	uint8_t key[CAMGUARD_KEY_LEN], data[512], *rec;
	size_t i, len;

	test_key(key, 1);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13);
	len = test_record(f, key, NULL, data, payload, &rec);
	if (!len || s->len + len > sizeof(s->buf)) {
		fprintf(stderr, "gen_record_seeds: record does not fit\n");
		exit(1);
	}
	memcpy(s->buf + s->len, rec, len);
	s->len += len;
	free(rec);
}

static void write_seed(const char *dir, const char *name,
		       const struct seed *s)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(s->buf, 1, s->len, f) != s->len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void start(struct seed *s, uint8_t opt, uint8_t chunk)
{
	s->buf[0] = opt;
	s->buf[1] = chunk;
	s->len = 2;
}

int main(int argc, char **argv)
{
	struct test_frame f = base;
	struct seed s;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_record_seeds DIR\n");
		return 2;
	}
	/* One record, all options off, in one piece. */
	start(&s, 0x00, 0);
	add(&s, &f, 64);
	write_seed(argv[1], "one-record", &s);

	/* A stream: in order, a gap, a replay, a new stream, an old one. */
	start(&s, 0x3d, 0);	/* every check, decoder key, no reseal */
	add(&s, &f, 10);
	f.sequence = 2;
	add(&s, &f, 0);
	f.sequence = 9;
	add(&s, &f, 100);
	add(&s, &f, 100);
	f.stream_id += 1000;
	f.sequence = 0;
	add(&s, &f, 1);
	f.stream_id -= 1000;
	f.sequence = 10;
	add(&s, &f, 1);
	write_seed(argv[1], "stream-checked", &s);

	/* The same, resealed, fed 7 bytes at a time. */
	s.buf[0] = 0x3e;
	s.buf[1] = 7;
	write_seed(argv[1], "stream-resealed", &s);

	/* Other owners, channels and cameras, resealed so they are reached. */
	start(&s, 0x2e, 0);
	f = base;
	f.owner_uid = 1001;
	add(&s, &f, 5);
	f.owner_uid = 1000;
	f.channel_id = 8;
	add(&s, &f, 5);
	f.channel_id = 7;
	f.camera = 2;
	add(&s, &f, 5);
	f.tag_version = 9;
	add(&s, &f, 5);
	write_seed(argv[1], "rules-resealed", &s);

	/* A record cut short. */
	start(&s, 0x01, 1);
	f = base;
	add(&s, &f, 300);
	s.len -= 40;
	write_seed(argv[1], "truncated", &s);
	return 0;
}
