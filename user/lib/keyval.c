// SPDX-License-Identifier: GPL-2.0
/* The key = value line format of camguard.conf and pairing files. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyval.h"
#include "parse.h"

void cg_kv_reader_init(struct cg_kv_reader *r, const char *file, char *text,
		       size_t len, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->file = file;
	r->text = text;
	r->len = len;
	r->err = err;
	r->errlen = errlen;
}

int cg_kv_error(struct cg_kv_reader *r, unsigned int lineno,
		const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!r->err || !r->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (lineno)
		snprintf(r->err, r->errlen, "%s:%u: %s", r->file, lineno, msg);
	else
		snprintf(r->err, r->errlen, "%s: %s", r->file, msg);
	return -EINVAL;
}

static bool cg_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *cg_trim(char *s)
{
	size_t n;

	while (cg_is_blank(*s))
		s++;
	n = strlen(s);
	while (n && cg_is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* @s is non-empty and made only of lower-case letters, digits (if
 * allowed) and '_'. */
static bool cg_word_ok(const char *s, bool digits)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_' ||
		      (digits && *s >= '0' && *s <= '9')))
			return false;
	return true;
}

static int cg_kv_section(struct cg_kv_reader *r, char *s,
			 struct cg_kv_line *line)
{
	size_t n = strlen(s);
	char *type, *name;

	if (s[n - 1] != ']')
		return cg_kv_error(r, line->lineno, "section header without ']'");
	s[n - 1] = '\0';
	type = cg_trim(s + 1);
	name = type + strcspn(type, " \t");
	if (*name) {
		*name++ = '\0';
		name = cg_trim(name);
	}
	if (!cg_word_ok(type, false))
		return cg_kv_error(r, line->lineno,
				   "bad section header: expected '[type name]'");
	if (name[strcspn(name, " \t")])
		return cg_kv_error(r, line->lineno,
				   "extra text after the section name '%.*s'",
				   (int)strcspn(name, " \t"), name);
	line->section = true;
	line->type = type;
	line->name = name;
	return 1;
}

static int cg_kv_pair(struct cg_kv_reader *r, char *s, struct cg_kv_line *line)
{
	char *eq = strchr(s, '=');
	char *key, *value;

	if (!eq)
		return cg_kv_error(r, line->lineno, "expected 'key = value'");
	*eq = '\0';
	key = cg_trim(s);
	value = cg_trim(eq + 1);
	if (!cg_word_ok(key, true))
		return cg_kv_error(r, line->lineno,
				   "bad key '%.40s': use a-z, 0-9 and '_'",
				   key);
	if (!*value)
		return cg_kv_error(r, line->lineno, "empty value for '%s'",
				   key);
	line->section = false;
	line->key = key;
	line->value = value;
	return 1;
}

int cg_kv_next(struct cg_kv_reader *r, struct cg_kv_line *line)
{
	while (r->pos < r->len) {
		char *start = r->text + r->pos;
		size_t avail = r->len - r->pos, n, i;
		char *nl = memchr(start, '\n', avail);
		char *s;

		n = nl ? (size_t)(nl - start) : avail;
		r->pos += n + (nl ? 1 : 0);
		r->lineno++;
		memset(line, 0, sizeof(*line));
		line->lineno = r->lineno;

		if (n > CG_KV_MAX_LINE)
			return cg_kv_error(r, r->lineno,
					   "line too long (more than %d bytes)",
					   CG_KV_MAX_LINE);
		start[n] = '\0';	/* the newline, or the NUL after text */
		if (n && start[n - 1] == '\r')
			start[--n] = '\0';
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)start[i];

			if (c == '\0')
				return cg_kv_error(r, r->lineno, "NUL byte");
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return cg_kv_error(r, r->lineno,
						   "control character 0x%02x",
						   c);
		}

		s = cg_trim(start);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[')
			return cg_kv_section(r, s, line);
		return cg_kv_pair(r, s, line);
	}
	return 0;
}

int cg_kv_read_file(const char *path, size_t max_size, char **text,
		    size_t *len, struct stat *st, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t have = 0;
	ssize_t got;
	int fd, ret;

	*text = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
		  O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 ret == -ELOOP ? "is a symbolic link" : strerror(-ret));
		return ret;
	}
	if (fstat(fd, st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot stat: %s", path,
			 strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st->st_size > max_size) {
		ret = -EFBIG;
		snprintf(err, errlen, "%s: too large (%lld bytes, at most %zu)",
			 path, (long long)st->st_size, max_size);
		goto out;
	}
	/* One byte more than allowed, to notice a file that grew. */
	buf = malloc(max_size + 2);
	if (!buf) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		got = read(fd, buf + have, max_size + 1 - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = -errno;
			snprintf(err, errlen, "%s: cannot read: %s", path,
				 strerror(-ret));
			goto out;
		}
		if (got == 0)
			break;
		have += (size_t)got;
		if (have > max_size) {
			ret = -EFBIG;
			snprintf(err, errlen, "%s: too large (at most %zu bytes)",
				 path, max_size);
			goto out;
		}
	}
	buf[have] = '\0';
	*text = buf;
	*len = have;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

int cg_kv_check_secret(const char *path, const struct stat *st,
		       const char *what, char *err, size_t errlen)
{
	if (st->st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
			 "%s: mode %04o lets group or others at the %s: chmod 600 it (and consider the key leaked)",
			 path, (unsigned int)(st->st_mode & 07777), what);
		return -EACCES;
	}
	if (st->st_uid != geteuid() && st->st_uid != 0) {
		snprintf(err, errlen, "%s: owned by uid %u, not by uid %u or root",
			 path, (unsigned int)st->st_uid,
			 (unsigned int)geteuid());
		return -EACCES;
	}
	return 0;
}

static int cg_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int cg_kv_write_new(const char *path, const void *text, size_t len,
		    mode_t mode, char *err, size_t errlen)
{
	char *tmp = NULL;
	int fd, ret;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	/* mkstemp() creates the file 0600 whatever the umask. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot create: %s", tmp,
			 strerror(-ret));
		free(tmp);
		return ret;
	}
	ret = cg_write_all(fd, text, len);
	if (!ret && (mode & 07777) != 0600 && fchmod(fd, mode & 07777))
		ret = -errno;
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (ret) {
		snprintf(err, errlen, "%s: cannot write: %s", tmp,
			 strerror(-ret));
		goto out;
	}
	/* link(), unlike rename(), refuses to replace an existing file. */
	if (link(tmp, path)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path,
			 ret == -EEXIST ? "already exists" : strerror(-ret));
	}
out:
	unlink(tmp);
	free(tmp);
	return ret;
}

int cg_kv_copy_text(const char *file, const char *text, size_t len,
		    size_t max_size, char **copy, char *err, size_t errlen)
{
	*copy = NULL;
	if (len > max_size) {
		snprintf(err, errlen, "%s: too large (at most %zu bytes)", file,
			 max_size);
		return -EFBIG;
	}
	*copy = malloc(len + 1);
	if (!*copy) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -ENOMEM;
	}
	if (len)
		memcpy(*copy, text, len);
	(*copy)[len] = '\0';
	return 0;
}

bool cg_kv_name_ok(const char *s)
{
	size_t n;

	if (!isalnum((unsigned char)s[0]))
		return false;
	for (n = 0; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && !strchr("_.-", s[n]))
			return false;
	return n <= CG_KV_MAX_NAME;
}

bool cg_kv_user_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > CG_KV_MAX_USER)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (i = 1; i < n; i++) {
		char c = s[i];

		if (c == '$' && i == n - 1)
			break;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/*
 * A decimal number followed by a unit: the digits go to cg_parse_u32
 * (no sign, no space, no hex), the rest is returned in *@unit.
 */
static int cg_number_unit(const char *s, uint32_t *num, const char **unit)
{
	char digits[16];
	size_t n = strspn(s, "0123456789");

	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(digits))
		return -ERANGE;
	memcpy(digits, s, n);
	digits[n] = '\0';
	*unit = s + n;
	return cg_parse_u32(digits, 0, UINT32_MAX, num);
}

int cg_kv_parse_duration_ms(const char *s, uint32_t *ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	const char *unit;
	uint32_t num;
	unsigned int i;
	int ret;

	ret = cg_number_unit(s, &num, &unit);
	if (ret)
		return ret;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].unit))
			continue;
		if ((uint64_t)num * units[i].ms > UINT32_MAX)
			return -ERANGE;
		*ms = (uint32_t)(num * units[i].ms);
		return 0;
	}
	return -EINVAL;
}

int cg_kv_parse_size(const char *s, uint64_t *bytes)
{
	const char *unit;
	unsigned int shift;
	uint32_t num;
	int ret;

	ret = cg_number_unit(s, &num, &unit);
	if (ret)
		return ret;
	if (!*unit)
		shift = 0;
	else if (!strcasecmp(unit, "K"))
		shift = 10;
	else if (!strcasecmp(unit, "M"))
		shift = 20;
	else if (!strcasecmp(unit, "G"))
		shift = 30;
	else
		return -EINVAL;
	*bytes = (uint64_t)num << shift;	/* < 2^62: no overflow */
	return 0;
}

static bool cg_host_char_ok(char c, bool ipv6)
{
	if (ipv6)
		return isxdigit((unsigned char)c) || c == ':' || c == '.';
	return isalnum((unsigned char)c) || c == '.' || c == '-';
}

int cg_kv_parse_hostport(const char *s, char host[CG_KV_MAX_HOST + 1],
			 uint16_t *port)
{
	const char *h = s, *colon;
	bool ipv6 = *s == '[';
	uint32_t p;
	size_t n, i;

	if (ipv6) {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		h = s + 1;
		n = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n > CG_KV_MAX_HOST)
		return -EINVAL;
	if (!(n == 1 && *h == '*' && !ipv6))
		for (i = 0; i < n; i++)
			if (!cg_host_char_ok(h[i], ipv6))
				return -EINVAL;
	if (cg_parse_u32(colon + 1, 1, 65535, &p))
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = (uint16_t)p;
	return 0;
}

static int cg_hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cg_kv_parse_hex(const char *s, uint8_t *out, size_t n, bool colons)
{
	size_t len = strlen(s), step, i;

	if (n == 0)
		return -EINVAL;
	if (len == 2 * n)
		step = 2;
	else if (colons && len == 3 * n - 1)
		step = 3;
	else
		return -EINVAL;
	/* Check everything before writing: @out is left alone on error. */
	for (i = 0; i < len; i++)
		if (step == 3 && i % 3 == 2 ? s[i] != ':' :
		    cg_hex_nibble(s[i]) < 0)
			return -EINVAL;
	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(cg_hex_nibble(s[i * step]) << 4 |
				   cg_hex_nibble(s[i * step + 1]));
	return 0;
}
