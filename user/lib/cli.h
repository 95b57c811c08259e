/* SPDX-License-Identifier: MIT */
/*
 * Command-line errors, said the same way by every program: "PROG: what is
 * wrong" and "Try 'PROG --help'." on stderr, then exit status
 * CG_EXIT_USAGE.
 */
#ifndef CG_CLI_H
#define CG_CLI_H

#include <stdint.h>

#define CG_EXIT_USAGE	2

__attribute__((format(printf, 2, 3), noreturn))
void cg_usage_error(const char *prog, const char *fmt, ...);

/*
 * The number @arg of option @opt ("--frames"), in [@min, @max]
 * (cg_parse_u32()); anything else is a usage error quoting it.
 */
uint32_t cg_option_u32(const char *prog, const char *opt, const char *arg,
		       uint32_t min, uint32_t max);

#endif /* CG_CLI_H */
