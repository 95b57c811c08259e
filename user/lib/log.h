/* SPDX-License-Identifier: MIT */
/*
 * Log lines for camguardd, camguard-view and the test relay: one line per
 * message on stderr, "PROGRAM[PID] MODULE: level: text", which the journal
 * keeps as is (no timestamps of our own: journald and the test logs add
 * them). MODULE names the part of the program (supervisor, worker alice,
 * capture video0, display kitchen, ...), so a line says where it came from.
 */
#ifndef CG_LOG_H
#define CG_LOG_H

#include <stdarg.h>

enum cg_log_level {
	CG_LOG_ERR,
	CG_LOG_WARN,
	CG_LOG_INFO,
	CG_LOG_DEBUG,
};

/* The program name in every line, and the most verbose level shown. */
void cg_log_init(const char *program, enum cg_log_level max_level);

__attribute__((format(printf, 3, 4)))
void cg_log(enum cg_log_level level, const char *module, const char *fmt, ...);
void cg_vlog(enum cg_log_level level, const char *module, const char *fmt,
	     va_list ap);

#define cg_err(mod, ...)	cg_log(CG_LOG_ERR, mod, __VA_ARGS__)
#define cg_warn(mod, ...)	cg_log(CG_LOG_WARN, mod, __VA_ARGS__)
#define cg_info(mod, ...)	cg_log(CG_LOG_INFO, mod, __VA_ARGS__)
#define cg_debug(mod, ...)	cg_log(CG_LOG_DEBUG, mod, __VA_ARGS__)

#endif /* CG_LOG_H */
