/* SPDX-License-Identifier: MIT */
/*
 * camguardctl's parts: main.c parses the options and dispatches through
 * its table of subcommands to one file per group (list.c: cameras,
 * streams, channels; camera.c: bind, unbind, mute; watch.c; pair.c;
 * revoke.c); ctl.c holds what more than one of them uses.
 *
 * A subcommand's run function checks its own arguments and returns the
 * exit status: 0 done, 1 the kernel refused (its reason is printed) or
 * pairing failed, 2 bad usage.
 */
#ifndef CG_CTL_H
#define CG_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cgnl.h"
#include "config.h"

#define CTL_DEFAULT_CONFIG	"/etc/camguard/camguardd.conf"

/* The options, which come before or after the subcommand. */
struct ctl_opts {
	bool json;		/* --json */
	const char *config;	/* -c, --config */
	const char *address;	/* --address (pair) */
	const char *out;	/* --out (pair) */
	bool link;		/* --link (pair): print the browser link */
	uint32_t count;		/* --count (watch), 0: no limit */
};

struct ctl_cmd {
	const char *name;
	int (*run)(const struct ctl_opts *o, int argc, char **argv);
};

/* list.c */
int ctl_cameras(const struct ctl_opts *o, int argc, char **argv);
int ctl_streams(const struct ctl_opts *o, int argc, char **argv);
int ctl_channels(const struct ctl_opts *o, int argc, char **argv);
/* camera.c */
int ctl_bind(const struct ctl_opts *o, int argc, char **argv);
int ctl_unbind(const struct ctl_opts *o, int argc, char **argv);
int ctl_mute(const struct ctl_opts *o, int argc, char **argv);
/* watch.c */
int ctl_watch(const struct ctl_opts *o, int argc, char **argv);
/* pair.c */
int ctl_pair(const struct ctl_opts *o, int argc, char **argv);
/* revoke.c */
int ctl_revoke(const struct ctl_opts *o, int argc, char **argv);

/* ctl.c */
void ctl_usage(FILE *f);
uint32_t ctl_u32_or(struct nlattr *a, uint32_t dflt);
const char *ctl_str_or(struct nlattr *a, const char *dflt);
/*
 * Open the netlink family, run @fn, print "camguardctl CMD: reason" if it
 * failed; the exit status (0, or 1 when the family or @fn failed).
 */
int ctl_nl_run(const char *cmd, int (*fn)(struct cg_nl *nl, void *arg),
	       void *arg);
/* The one NAME argument of pair and revoke: 0, or exit status 2 (said). */
int ctl_display_arg(int argc, char **argv);
/* Display @name of camguardd's @config: 0, or -errno (said on stderr). */
int ctl_load_display(const char *config, const char *name,
		     struct cg_config *cfg,
		     const struct cg_config_display **disp);

/*
 * qr.c: @text as a QR code on @out (a terminal's UTF-8): 0, or -ENOSYS
 * when camguardctl was built without libqrencode.
 */
int ctl_qr_print(const char *text, FILE *out);

#endif /* CG_CTL_H */
