/* SPDX-License-Identifier: MIT */
/*
 * The line format shared by camguardd's config file and pairing files,
 * and parsers for the value types they use.
 *
 *   # comment (also ';'), on a line of its own
 *   [type name]          section header; name optional
 *   key = value          value runs to the end of the line, trimmed
 *
 * Lines are at most CG_KV_MAX_LINE bytes; NUL bytes and control
 * characters other than tab are errors (a CR before the newline is
 * allowed). Keys are [a-z0-9_]+, section types [a-z_]+. Values are not
 * quoted and have no inline comments, so paths may hold '#'.
 *
 * Errors are written as "FILE:LINE: problem" into the reader's buffer.
 */
#ifndef CG_KEYVAL_H
#define CG_KEYVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define CG_KV_MAX_LINE		1024
#define CG_KV_MAX_NAME		31	/* CAMGUARD_NAME_MAX: names become channel names */
#define CG_KV_MAX_HOST		253	/* a DNS name */
#define CG_KV_MAX_USER		32	/* a Linux user name */

struct cg_kv_line {
	unsigned int lineno;
	bool section;		/* a [type name] line; else key = value */
	const char *type;	/* section type */
	const char *name;	/* section name, "" when absent */
	const char *key;
	const char *value;
};

/* Private fields; set up with cg_kv_reader_init(). */
struct cg_kv_reader {
	const char *file;
	char *text;		/* len bytes and a NUL; split in place */
	size_t len;
	size_t pos;
	unsigned int lineno;
	char *err;
	size_t errlen;
};

/*
 * Read @text (@len bytes, followed by a NUL at text[len]; modified in
 * place). @file names it in messages.
 */
void cg_kv_reader_init(struct cg_kv_reader *r, const char *file, char *text,
		       size_t len, char *err, size_t errlen);

/* The next meaningful line: 1, 0 at the end, -EINVAL (message written). */
int cg_kv_next(struct cg_kv_reader *r, struct cg_kv_line *line);

/*
 * Write "FILE:LINE: message" (just "FILE: message" for line 0) into the
 * reader's error buffer; returns -EINVAL for "return cg_kv_error(...)".
 */
int cg_kv_error(struct cg_kv_reader *r, unsigned int lineno,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Read a whole file of at most @max_size bytes into a new buffer with a
 * NUL after it (free() it; wipe it first if it held secrets). *@st gets
 * the file's status (of the open file: no race with a rename). Refuses
 * anything but a regular file, and symbolic links. 0 or -errno, with
 * "FILE: problem" in @err.
 */
int cg_kv_read_file(const char *path, size_t max_size, char **text,
		    size_t *len, struct stat *st, char *err, size_t errlen);

/*
 * A NUL-terminated, modifiable copy of @len bytes of @text (which need not
 * be terminated), for cg_kv_reader_init(). -EFBIG above @max_size,
 * -ENOMEM; "FILE: problem" in @err.
 */
int cg_kv_copy_text(const char *file, const char *text, size_t len,
		    size_t max_size, char **copy, char *err, size_t errlen);

/*
 * A file that holds a secret (@what, for the message: "channel key"),
 * as opened by cg_kv_read_file(): refused (-EACCES, "FILE: problem" in
 * @err) when group or others have any permission on it, or when it is
 * owned by someone other than the reader or root. 0 when fine.
 */
int cg_kv_check_secret(const char *path, const struct stat *st,
		       const char *what, char *err, size_t errlen);

/*
 * Create @path with @len bytes of @text and permissions @mode, never
 * replacing an existing file (-EEXIST): written to a temporary file
 * beside it (mode 0600 until complete), synced, then linked into place,
 * so a crash never leaves half a file. 0 or -errno, "FILE: problem" in
 * @err.
 */
int cg_kv_write_new(const char *path, const void *text, size_t len,
		    mode_t mode, char *err, size_t errlen);

/* 1 to CG_KV_MAX_NAME of [A-Za-z0-9_.-], starting with a letter or digit. */
bool cg_kv_name_ok(const char *s);

/* A Linux user name: [a-z_][a-z0-9_-]*, maybe ending in '$', <= 32 bytes. */
bool cg_kv_user_name_ok(const char *s);

/* "10s", "500ms", "2m", "1h" (unit required) to milliseconds, <= UINT32_MAX. */
int cg_kv_parse_duration_ms(const char *s, uint32_t *ms);

/* "65536", "64K", "8M", "1G" (binary units, case-insensitive) to bytes. */
int cg_kv_parse_size(const char *s, uint64_t *bytes);

/*
 * "HOST:PORT" or "[IPV6]:PORT": HOST a DNS name or IPv4 address
 * ([A-Za-z0-9.-], or "*" for every address), IPV6 of hex digits, ':' and
 * '.'; PORT 1..65535. @host gets HOST without brackets.
 */
int cg_kv_parse_hostport(const char *s, char host[CG_KV_MAX_HOST + 1],
			 uint16_t *port);

/*
 * Exactly @n bytes in hex: 2n hex digits, or (with @colons) 2n digits in
 * pairs separated by ':' as "openssl x509 -fingerprint" prints them.
 */
int cg_kv_parse_hex(const char *s, uint8_t *out, size_t n, bool colons);

#endif /* CG_KEYVAL_H */
