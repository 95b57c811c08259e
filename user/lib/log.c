// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <unistd.h>

#include "log.h"

static const char *log_program = "camguard";
static enum cg_log_level log_max = CG_LOG_INFO;

static const char *const level_names[] = {
	[CG_LOG_ERR] = "error",
	[CG_LOG_WARN] = "warning",
	[CG_LOG_INFO] = "info",
	[CG_LOG_DEBUG] = "debug",
};

void cg_log_init(const char *program, enum cg_log_level max_level)
{
	log_program = program;
	log_max = max_level;
}

void cg_vlog(enum cg_log_level level, const char *module, const char *fmt,
	     va_list ap)
{
	char text[1024], line[1200];
	int n;

	if (level > log_max)
		return;
	vsnprintf(text, sizeof(text), fmt, ap);
	n = snprintf(line, sizeof(line), "%s[%d] %s: %s: %s\n", log_program,
		     (int)getpid(), module, level_names[level], text);
	if (n >= (int)sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* One write per line, so lines of several processes never mix. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

void cg_log(enum cg_log_level level, const char *module, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cg_vlog(level, module, fmt, ap);
	va_end(ap);
}
