// SPDX-License-Identifier: GPL-2.0
/*
 * Commands from the control FIFO, one per line (tests/relay/README.md):
 *
 *   swap N | replay N | reorder N | drop N | corrupt N | truncate N
 *   cache on|off
 *   storm
 *   stats
 *
 * The FIFO is opened read-write, so the relay itself keeps a writer and
 * a test's "echo storm > FIFO" closing its end never reads as EOF.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
#include "relay.h"

int control_open(struct relay *r, const char *path)
{
	struct stat st;

	if (mkfifo(path, 0600) && errno != EEXIST) {
		cg_err(RELAY_LOG, "--control %s: cannot create the FIFO: %s",
		       path, strerror(errno));
		return -1;
	}
	r->ctl_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (r->ctl_fd < 0) {
		cg_err(RELAY_LOG, "--control %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(r->ctl_fd, &st) || !S_ISFIFO(st.st_mode)) {
		cg_err(RELAY_LOG, "--control %s: exists and is not a FIFO", path);
		close(r->ctl_fd);
		r->ctl_fd = -1;
		return -1;
	}
	return 0;
}

static int fault_kind(const char *word)
{
	int k;

	for (k = 0; k < NR_RECORD_FAULTS; k++)
		if (!strcmp(word, relay_kind_name[k]))
			return k;
	return -1;
}

static void command(struct relay *r, char *line)
{
	char *word, *arg, *extra, *save = NULL;
	uint32_t n;
	int k;

	word = strtok_r(line, " \t\r", &save);
	if (!word)
		return;
	arg = strtok_r(NULL, " \t\r", &save);
	extra = strtok_r(NULL, " \t\r", &save);
	if (extra)
		goto bad;

	k = fault_kind(word);
	if (k >= 0) {
		if (!arg || cg_parse_u32(arg, 0, 1000000, &n))
			goto bad;
		/* Armed counts add up: two "swap 3" make six swaps. */
		r->pending[k] += n;
		cg_info(RELAY_LOG, "control: %s %u (%llu armed)", word, n,
			(unsigned long long)r->pending[k]);
	} else if (!strcmp(word, "cache")) {
		if (!arg || (strcmp(arg, "on") && strcmp(arg, "off")))
			goto bad;
		r->cache = !strcmp(arg, "on");
		cg_info(RELAY_LOG, "control: cache %s", arg);
	} else if (!strcmp(word, "storm") && !arg) {
		fault_storm(r);
	} else if (!strcmp(word, "stats") && !arg) {
		/* Written below, like after every command. */
	} else {
		goto bad;
	}
	stats_write(r);
	return;
bad:
	cg_warn(RELAY_LOG, "control: ignored '%s%s%s': expected swap|replay|reorder|drop|corrupt|truncate N, cache on|off, storm or stats",
		word, arg ? " " : "", arg ? arg : "");
}

void control_read(struct relay *r)
{
	char buf[512];
	ssize_t n;
	ssize_t i;

	for (;;) {
		n = read(r->ctl_fd, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				cg_warn(RELAY_LOG, "control: %s", strerror(errno));
			return;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (r->ctl_len < sizeof(r->ctl_buf) - 1)
					r->ctl_buf[r->ctl_len++] = buf[i];
				else
					r->ctl_skip = true;
				continue;
			}
			r->ctl_buf[r->ctl_len] = '\0';
			if (r->ctl_skip)
				cg_warn(RELAY_LOG, "control: ignored a line of more than %zu bytes",
					sizeof(r->ctl_buf) - 1);
			else
				command(r, r->ctl_buf);
			r->ctl_len = 0;
			r->ctl_skip = false;
		}
	}
}
