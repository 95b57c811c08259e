// SPDX-License-Identifier: GPL-2.0
/*
 * Displays by name, the counters of what each was sent, and the stats
 * file. Counters are bumped only once a record's last byte is in the
 * display's socket, so a test can compare them with what the display
 * reports having received and refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "relay.h"

const char *const relay_kind_name[NR_KINDS] = {
	[KIND_SWAP] = "swap",
	[KIND_REPLAY] = "replay",
	[KIND_REORDER] = "reorder",
	[KIND_DROP] = "drop",
	[KIND_CORRUPT] = "corrupt",
	[KIND_TRUNCATE] = "truncate",
	[KIND_CACHE_OWN] = "cache_own",
	[KIND_CACHE_FOREIGN] = "cache_foreign",
};

struct display *display_get(struct relay *r, const char *name)
{
	struct display *d;
	unsigned int i;

	for (i = 0; i < r->n_displays; i++)
		if (!strcmp(r->displays[i]->name, name))
			return r->displays[i];
	if (r->n_displays == RELAY_MAX_DISPLAYS)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	snprintf(d->name, sizeof(d->name), "%s", name);
	r->displays[r->n_displays++] = d;
	return d;
}

void display_free_all(struct relay *r)
{
	unsigned int i, j;

	for (i = 0; i < r->n_displays; i++) {
		for (j = 0; j < r->displays[i]->hist_len; j++)
			blob_put(r->displays[i]->history[j]);
		free(r->displays[i]);
	}
	r->n_displays = 0;
}

/* Keep @b as the display's newest record, within the history's bounds. */
void history_add(struct display *d, struct blob *b)
{
	while (d->hist_len &&
	       (d->hist_len == RELAY_HISTORY ||
		d->hist_bytes + b->len > RELAY_HISTORY_BYTES)) {
		d->hist_bytes -= d->history[0]->len;
		blob_put(d->history[0]);
		memmove(d->history, d->history + 1,
			--d->hist_len * sizeof(d->history[0]));
	}
	d->history[d->hist_len++] = blob_get(b);
	d->hist_bytes += b->len;
}

void stats_sent(struct relay *r, struct display *d, enum relay_kind kind)
{
	if (kind == KIND_FORWARD) {
		r->st.forwarded++;
		d->forwarded++;
	} else if (kind < NR_KINDS) {
		r->st.injected[kind]++;
		d->count[kind]++;
	}
}

static int by_name(const void *a, const void *b)
{
	const struct display *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static void stats_print(struct relay *r, FILE *f)
{
	struct display *sorted[RELAY_MAX_DISPLAYS];
	unsigned int i, k;

	fprintf(f, "connections %llu\n", (unsigned long long)r->st.connections);
	fprintf(f, "upstream_failed %llu\n",
		(unsigned long long)r->st.upstream_failed);
	fprintf(f, "forwarded %llu\n", (unsigned long long)r->st.forwarded);
	fprintf(f, "payloads %llu\n", (unsigned long long)r->st.payloads);
	fprintf(f, "cleartext %llu\n", (unsigned long long)r->st.cleartext);
	fprintf(f, "decode_errors %llu\n",
		(unsigned long long)r->st.decode_errors);
	for (k = 0; k < NR_KINDS; k++)
		fprintf(f, "injected.%s %llu\n", relay_kind_name[k],
			(unsigned long long)r->st.injected[k]);
	fprintf(f, "storms %llu\n", (unsigned long long)r->st.storms);
	/* Beyond the contract: what helps read a failed run. */
	fprintf(f, "active %u\n", r->n_conns);
	fprintf(f, "hello_errors %llu\n", (unsigned long long)r->st.hello_errors);
	fprintf(f, "tls_errors %llu\n", (unsigned long long)r->st.tls_errors);
	fprintf(f, "overflow %llu\n", (unsigned long long)r->st.overflow);
	fprintf(f, "refused %llu\n", (unsigned long long)r->st.refused);
	fprintf(f, "web_pages %llu\n", (unsigned long long)r->st.web_pages);
	fprintf(f, "web_errors %llu\n", (unsigned long long)r->st.web_errors);
	fprintf(f, "cache %d\n", r->cache);
	for (k = 0; k < NR_RECORD_FAULTS; k++)
		fprintf(f, "pending.%s %llu\n", relay_kind_name[k],
			(unsigned long long)r->pending[k]);

	memcpy(sorted, r->displays, r->n_displays * sizeof(sorted[0]));
	qsort(sorted, r->n_displays, sizeof(sorted[0]), by_name);
	for (i = 0; i < r->n_displays; i++) {
		const struct display *d = sorted[i];

		for (k = 0; k < NR_KINDS; k++)
			fprintf(f, "display.%s.%s %llu\n", d->name,
				relay_kind_name[k],
				(unsigned long long)d->count[k]);
		fprintf(f, "display.%s.forwarded %llu\n", d->name,
			(unsigned long long)d->forwarded);
		fprintf(f, "display.%s.overflow %llu\n", d->name,
			(unsigned long long)d->overflow);
	}
}

/* Through a temporary file and rename(): readers never see half a file. */
int stats_write(struct relay *r)
{
	char tmp[4096];
	FILE *f;
	int fd, ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", r->stats_file) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		cg_err(RELAY_LOG, "%s: %s", tmp, strerror(-ret));
		return ret;
	}
	stats_print(r, f);
	if (ferror(f))
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, r->stats_file))
		ret = -errno;
	if (ret) {
		cg_err(RELAY_LOG, "%s: cannot write: %s", r->stats_file,
		       strerror(-ret));
		unlink(tmp);
	}
	return ret;
}
