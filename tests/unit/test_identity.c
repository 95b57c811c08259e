// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the owners' TLS identities (user/lib/identity.c): made once and
 * found again, one per uid, and each way an identity can be bad refused
 * with a message naming the owner.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/ssl.h>

#include "identity.h"
#include "transport.h"
#include "unit.h"

static const struct cg_owner alice = { 1000, 1000, "alice" };
static const struct cg_owner bob = { 1001, 1001, "bob" };
static const struct cg_owner anon = { 1002, 1005, "" };

struct ids {
	char base[32];
	char dir[48];
};

static void ids_make(struct ids *t)
{
	strcpy(t->base, "/tmp/cg-identity-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->base));
	/* Not there yet: cg_identity_ensure() makes it. */
	snprintf(t->dir, sizeof(t->dir), "%s/ids", t->base);
}

static void ids_remove(struct ids *t)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->base);
	ck_assert_int_eq(system(cmd), 0);
}

static void path_of(const struct ids *t, uint32_t uid, const char *ext,
		    char *buf, size_t size)
{
	snprintf(buf, size, "%s/%u.%s", t->dir, uid, ext);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

/* The fingerprint of the certificate a context serves. */
static void ctx_fp(SSL_CTX *ctx, uint8_t fp[32])
{
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(cg_x509_fingerprint(SSL_CTX_get0_certificate(ctx),
					     fp), 0);
}

/* A copy of @from as a new file @to, mode @mode. */
static void copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[4096];
	ssize_t n;
	int in = open(from, O_RDONLY), out;

	ck_assert_int_ge(in, 0);
	unlink(to);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL, mode);
	ck_assert_int_ge(out, 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	ck_assert_int_eq(fchmod(out, mode), 0);
	close(in);
	close(out);
}

START_TEST(test_make_and_load)
{
	uint8_t fp[32], fp2[32], fp_bob[32], served[32];
	char crt[96], key[96], err[1400] = "";
	bool created;
	SSL_CTX *ctx;
	struct ids t;

	ids_make(&t);
	ck_assert_msg(cg_identity_ensure(t.dir, &alice, fp, &created, err,
					 sizeof(err)) == 0, "%s", err);
	ck_assert(created);
	path_of(&t, 1000, "crt", crt, sizeof(crt));
	path_of(&t, 1000, "key", key, sizeof(key));
	ck_assert_uint_eq(mode_of(t.dir), 0700);
	ck_assert_uint_eq(mode_of(key), 0600);
	ck_assert_uint_eq(mode_of(crt), 0644);

	/* Found again, not made again. */
	ck_assert_msg(cg_identity_ensure(t.dir, &alice, fp2, &created, err,
					 sizeof(err)) == 0, "%s", err);
	ck_assert(!created);
	ck_assert_mem_eq(fp, fp2, sizeof(fp));

	/* What the worker serves is what the pairing file pins. */
	ctx = cg_identity_server_ctx(t.dir, &alice, err, sizeof(err));
	ck_assert_msg(ctx != NULL, "%s", err);
	ctx_fp(ctx, served);
	ck_assert_mem_eq(served, fp, sizeof(fp));
	SSL_CTX_free(ctx);

	/* Another owner, another identity. */
	ck_assert_msg(cg_identity_ensure(t.dir, &bob, fp_bob, &created, err,
					 sizeof(err)) == 0, "%s", err);
	ck_assert(created);
	ck_assert(memcmp(fp, fp_bob, sizeof(fp)));
	ctx = cg_identity_server_ctx(t.dir, &bob, err, sizeof(err));
	ctx_fp(ctx, served);
	ck_assert_mem_eq(served, fp_bob, sizeof(fp));
	SSL_CTX_free(ctx);
	ids_remove(&t);
}
END_TEST

/* A message that starts with @owner and holds @part. */
#define ck_err(err, owner, part)					\
	ck_assert_msg(!strncmp(err, owner, strlen(owner)) &&		\
		      strstr(err, part), "got '%s', want '%s' ... '%s'",	\
		      err, owner, part)

START_TEST(test_bad_identities)
{
	char crt[96], key[96], bkey[96], err[1400] = "";
	uint8_t fp[32];
	bool created;
	struct ids t;
	int fd;

	ids_make(&t);
	/* None yet. */
	ck_assert_ptr_null(cg_identity_server_ctx(t.dir, &anon, err,
						  sizeof(err)));
	ck_err(err, "owner uid 1002: ", "1002.crt: cannot open: No such file or directory (camguardctl pair makes");

	ck_assert_int_eq(cg_identity_ensure(t.dir, &alice, fp, &created, err,
					    sizeof(err)), 0);
	ck_assert_int_eq(cg_identity_ensure(t.dir, &bob, fp, &created, err,
					    sizeof(err)), 0);
	path_of(&t, 1000, "crt", crt, sizeof(crt));
	path_of(&t, 1000, "key", key, sizeof(key));
	path_of(&t, 1001, "key", bkey, sizeof(bkey));

	/* Bob's key under Alice's certificate. */
	copy_file(bkey, key, 0600);
	ck_assert_ptr_null(cg_identity_server_ctx(t.dir, &alice, err,
						  sizeof(err)));
	ck_err(err, "owner alice (uid 1000): ", "1000.key: the private key does not match the certificate");
	/* pair checks what it finds the same way. */
	ck_assert_int_lt(cg_identity_ensure(t.dir, &alice, fp, &created, err,
					    sizeof(err)), 0);
	ck_err(err, "owner alice (uid 1000): ", "does not match");

	/* A key that group or others may read. */
	ck_assert_int_eq(chmod(bkey, 0640), 0);
	ck_assert_ptr_null(cg_identity_server_ctx(t.dir, &bob, err,
						  sizeof(err)));
	ck_err(err, "owner bob (uid 1001): ", "1001.key: mode 0640 lets group or others at the private key");
	ck_assert_int_eq(chmod(bkey, 0600), 0);

	/* A symbolic link to a key. */
	ck_assert_int_eq(unlink(key), 0);
	ck_assert_int_eq(symlink(bkey, key), 0);
	ck_assert_ptr_null(cg_identity_server_ctx(t.dir, &alice, err,
						  sizeof(err)));
	ck_err(err, "owner alice (uid 1000): ", "cannot open: is a symbolic link");

	/* Not a key at all. */
	ck_assert_int_eq(unlink(key), 0);
	fd = open(key, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "not a key\n", 10), 10);
	close(fd);
	ck_assert_ptr_null(cg_identity_server_ctx(t.dir, &alice, err,
						  sizeof(err)));
	ck_err(err, "owner alice (uid 1000): ", "1000.key: no unencrypted PEM private key");

	/* Half an identity is not completed behind the admin's back. */
	ck_assert_int_eq(unlink(crt), 0);
	ck_assert_int_eq(cg_identity_ensure(t.dir, &alice, fp, &created, err,
					    sizeof(err)), -ENOENT);
	ck_err(err, "owner alice (uid 1000): ", "half an identity");
	ck_assert(!created);

	/* A directory others may write to. */
	ck_assert_int_eq(chmod(t.dir, 0777), 0);
	ck_assert_int_eq(cg_identity_ensure(t.dir, &anon, fp, &created, err,
					    sizeof(err)), -EACCES);
	ck_err(err, "owner uid 1002: ", "mode 0777: only root (or you) may write there");
	ids_remove(&t);
}
END_TEST

Suite *identity_suite(void)
{
	Suite *s = suite_create("identity");
	TCase *tc = tcase_create("identity");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_make_and_load);
	tcase_add_test(tc, test_bad_identities);
	suite_add_tcase(s, tc);
	return s;
}
