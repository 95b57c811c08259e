// SPDX-License-Identifier: MIT
/* camguard-view: the statistics line and --stats-file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "view.h"

static uint64_t rejected_total(const struct cg_verifier_stats *s)
{
	uint64_t n = 0;
	int st;

	for (st = 0; st < CG_RECORD_NR_STATUS; st++)
		n += s->rejected[st];
	return n;
}

void view_stats_line(struct view *v)
{
	const struct cg_verifier_stats *s = cg_verifier_stats(v->ver);
	char reasons[1024] = "";
	size_t used = 0;
	int st, n;

	for (st = CG_RECORD_BAD_MAGIC; st < CG_RECORD_NR_STATUS; st++) {
		if (!s->rejected[st])
			continue;
		n = snprintf(reasons + used, sizeof(reasons) - used,
			     "%s%s %llu", used ? ", " : " (",
			     cg_record_status_name(st),
			     (unsigned long long)s->rejected[st]);
		if (n < 0 || (size_t)n >= sizeof(reasons) - used)
			break;
		used += n;
	}
	if (used)
		snprintf(reasons + used, sizeof(reasons) - used, ")");
	cg_info(v->module,
		"received %llu accepted %llu rejected %llu%s foreign_owner %llu%s",
		(unsigned long long)v->received,
		(unsigned long long)s->accepted,
		(unsigned long long)rejected_total(s), reasons,
		(unsigned long long)v->foreign_owner,
		v->stamp_unreadable || v->decode_errors ?
		" (some frames unreadable: see the stats file)" : "");
}

/* FILE.tmp then rename(): a reader never sees half a file. */
void view_stats_file(struct view *v)
{
	const struct cg_verifier_stats *s = cg_verifier_stats(v->ver);
	char tmp[4096], text[4096];
	size_t used;
	int st, fd, ret;

	if (!v->opt.stats_file)
		return;
	used = (size_t)snprintf(text, sizeof(text),
		"display %s\nconnections %llu\nconnect_failed %llu\n"
		"tls_failed %llu\nauth_failed %llu\nreceived %llu\n"
		"accepted %llu\nskipped %llu\nstream_changes %llu\n"
		"decode_errors %llu\nforeign_owner %llu\n"
		"stamp_unreadable %llu\nsaved %llu\n",
		v->pairing.display, (unsigned long long)v->connections,
		(unsigned long long)v->connect_failed,
		(unsigned long long)v->tls_failed,
		(unsigned long long)v->auth_failed,
		(unsigned long long)v->received,
		(unsigned long long)s->accepted,
		(unsigned long long)s->skipped,
		(unsigned long long)s->stream_changes,
		(unsigned long long)v->decode_errors,
		(unsigned long long)v->foreign_owner,
		(unsigned long long)v->stamp_unreadable,
		(unsigned long long)v->saved);
	for (st = 0; st < CG_RECORD_NR_STATUS && used < sizeof(text); st++) {
		if (st == CG_RECORD_OK || st == CG_RECORD_NEED_MORE)
			continue;
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "rejected.%s %llu\n",
					 cg_record_status_name(st),
					 (unsigned long long)s->rejected[st]);
	}
	if (used >= sizeof(text))
		used = sizeof(text) - 1;	/* cannot happen: 20 lines */

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", v->opt.stats_file) >=
	    sizeof(tmp))
		return;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = view_write_all(fd, text, used);
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, v->opt.stats_file))
		ret = -errno;
	if (!ret)
		return;
	unlink(tmp);
fail:
	/* Once is enough: the next second would say the same. */
	if (!v->stats_warned++)
		cg_warn(v->module, "%s: %s", tmp, strerror(-ret));
}

void view_tick(struct view *v, int64_t now)
{
	if (now < v->next_tick_ms)
		return;
	if (!v->opt.quiet)
		view_stats_line(v);
	view_stats_file(v);
	v->next_tick_ms += TICK_MS;
	if (v->next_tick_ms <= now)	/* we were away: do not catch up */
		v->next_tick_ms = now + TICK_MS;
}
