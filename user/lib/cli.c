// SPDX-License-Identifier: GPL-2.0
/* Command-line errors of the programs (cli.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "parse.h"

void cg_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	exit(CG_EXIT_USAGE);
}

uint32_t cg_option_u32(const char *prog, const char *opt, const char *arg,
		       uint32_t min, uint32_t max)
{
	uint32_t v;

	if (cg_parse_u32(arg, min, max, &v))
		cg_usage_error(prog, "bad %s '%s': expected a number %u..%u",
			       opt, arg, min, max);
	return v;
}
