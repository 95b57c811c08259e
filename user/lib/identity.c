// SPDX-License-Identifier: MIT
/*
 * One TLS identity per owner (identity.h): loading it for that owner's
 * worker, making it for `camguardctl pair`.
 *
 * The key file is read into one buffer of ours, parsed from memory and
 * wiped at once, so no copy of its PEM text outlives the parse; the key
 * itself lives on in the SSL_CTX, the only place that needs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "identity.h"
#include "keyval.h"
#include "transport.h"

#define CERT_DAYS	36500	/* pinned, never checked for expiry */
#define PATH_LEN	256	/* DIR/UID.key, and its NUL */

void cg_identity_owner_name(const struct cg_owner *o, char *buf, size_t size)
{
	if (o->name[0])
		snprintf(buf, size, "owner %s (uid %u)", o->name, o->uid);
	else
		snprintf(buf, size, "owner uid %u", o->uid);
}

/* "@o: @msg" into @err. */
static void owner_err(const struct cg_owner *o, const char *msg, char *err,
		      size_t errlen)
{
	char who[CG_KV_MAX_USER + 32];

	cg_identity_owner_name(o, who, sizeof(who));
	snprintf(err, errlen, "%s: %s", who, msg);
}

static int paths(const char *dir, uint32_t uid, char crt[PATH_LEN],
		 char key[PATH_LEN])
{
	if (snprintf(crt, PATH_LEN, "%s/%u.crt", dir, uid) >= PATH_LEN ||
	    snprintf(key, PATH_LEN, "%s/%u.key", dir, uid) >= PATH_LEN)
		return -ENAMETOOLONG;
	return 0;
}

/* Never ask for a pass phrase: identities are not encrypted. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* "@path: @what: OpenSSL's words" into @err. */
static void pem_err(const char *path, const char *what, char *err,
		    size_t errlen)
{
	char detail[256];

	snprintf(err, errlen, "%s: %s (%s)", path, what,
		 cg_tls_errors(detail, sizeof(detail)));
}

static void *parse_cert(BIO *b)
{
	return PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
}

static void *parse_key(BIO *b)
{
	return PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
}

/*
 * The PEM file @path, parsed from memory by @parse (NULL and "@path:
 * no @what" when it finds nothing). A @secret file is checked first
 * (cg_kv_check_secret) and its bytes are wiped once parsed.
 */
static void *read_pem(const char *path, bool secret, void *(*parse)(BIO *),
		      const char *what, char *err, size_t errlen)
{
	struct stat st;
	void *obj = NULL;
	char *text;
	size_t len;
	BIO *b;

	if (cg_kv_read_file(path, CG_IDENTITY_MAX_FILE, &text, &len, &st, err,
			    errlen))
		return NULL;
	/* Checked on the open file, before a byte of it is parsed. */
	if (!secret || !cg_kv_check_secret(path, &st, "private key", err,
					   errlen)) {
		b = BIO_new_mem_buf(text, (int)len);
		if (b)
			obj = parse(b);
		BIO_free(b);
		if (!obj)
			pem_err(path, what, err, errlen);
	}
	OPENSSL_cleanse(text, len + 1);
	free(text);
	return obj;
}

SSL_CTX *cg_identity_server_ctx(const char *dir, const struct cg_owner *o,
				char *err, size_t errlen)
{
	char crt[PATH_LEN], keyf[PATH_LEN], msg[1024];
	SSL_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert;

	if (!dir || !o || !err || !errlen)
		return NULL;
	if (paths(dir, o->uid, crt, keyf)) {
		owner_err(o, "the identity directory's path is too long", err,
			  errlen);
		return NULL;
	}
	cert = read_pem(crt, false, parse_cert, "no PEM certificate", msg,
			sizeof(msg));
	if (cert)
		key = read_pem(keyf, true, parse_key,
			       "no unencrypted PEM private key", msg,
			       sizeof(msg));
	if (key)
		ctx = cg_tls_server_ctx_keys(cert, key, keyf, msg,
					     sizeof(msg));
	if (!ctx) {
		char hint[1200];

		/* A missing file: say how an identity comes about. */
		snprintf(hint, sizeof(hint), "%s%s", msg,
			 strstr(msg, "No such file") ?
			 " (camguardctl pair makes the owner's identity with its first display)" :
			 "");
		owner_err(o, hint, err, errlen);
	}
	EVP_PKEY_free(key);
	X509_free(cert);
	return ctx;
}

/* ---- making one ----------------------------------------------------------- */

/* A P-256 key and a self-signed certificate naming the owner. */
static int generate(const struct cg_owner *o, EVP_PKEY **keyp, X509 **certp)
{
	char cn[CG_KV_MAX_USER + 48];
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	BIGNUM *serial = BN_new();
	X509_NAME *name;
	int ok;

	if (o->name[0])
		snprintf(cn, sizeof(cn), "camguardd for %s (uid %u)", o->name,
			 o->uid);
	else
		snprintf(cn, sizeof(cn), "camguardd for uid %u", o->uid);
	ok = key && cert && serial &&
	     X509_set_version(cert, 2) &&
	     BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
	     BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) &&
	     X509_gmtime_adj(X509_getm_notBefore(cert), -3600) &&
	     X509_time_adj_ex(X509_getm_notAfter(cert), CERT_DAYS, 0, NULL);
	if (ok) {
		name = X509_get_subject_name(cert);
		ok = X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
						(const unsigned char *)cn, -1,
						-1, 0) &&
		     X509_set_issuer_name(cert, name) &&
		     X509_set_pubkey(cert, key) &&
		     X509_sign(cert, key, EVP_sha256()) > 0;
	}
	BN_free(serial);
	if (!ok) {
		EVP_PKEY_free(key);
		X509_free(cert);
		return -EIO;
	}
	*keyp = key;
	*certp = cert;
	return 0;
}

/* @bio's bytes as the new file @path (cg_kv_write_new). */
static int write_bio(BIO *bio, const char *path, mode_t mode, char *err,
		     size_t errlen)
{
	char *data;
	long len = BIO_get_mem_data(bio, &data);

	if (len <= 0) {
		snprintf(err, errlen, "%s: nothing to write", path);
		return -EIO;
	}
	return cg_kv_write_new(path, data, (size_t)len, mode, err, errlen);
}

static int create(const struct cg_owner *o, const char *crt, const char *keyf,
		  uint8_t fp[32], char *err, size_t errlen)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	/* A secure-heap buffer, wiped when freed. */
	BIO *kb = BIO_new(BIO_s_secmem()), *cb = BIO_new(BIO_s_mem());
	int ret = -EIO;

	if (!kb || !cb || generate(o, &key, &cert) ||
	    !PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_bio_X509(cb, cert) || cg_x509_fingerprint(cert, fp)) {
		pem_err(keyf, "cannot make a key and certificate", err,
			errlen);
		goto out;
	}
	ret = write_bio(kb, keyf, 0600, err, errlen);
	if (ret)
		goto out;
	ret = write_bio(cb, crt, 0644, err, errlen);
	if (ret)
		unlink(keyf);	/* never half an identity */
out:
	BIO_free(kb);
	BIO_free(cb);
	EVP_PKEY_free(key);
	X509_free(cert);
	return ret;
}

/* @dir, made if missing; refused when others could change what is in it. */
static int open_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	int fd, ret;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot create: %s", dir,
			 strerror(-ret));
		return ret;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(err, errlen,
			 "%s: owned by uid %u, mode %04o: only root (or you) may write there, or anyone could swap an owner's identity",
			 dir, (unsigned int)st.st_uid,
			 (unsigned int)(st.st_mode & 07777));
		close(fd);
		return -EACCES;
	}
	return fd;
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st) || errno != ENOENT;
}

int cg_identity_ensure(const char *dir, const struct cg_owner *o,
		       uint8_t fp[32], bool *created, char *err,
		       size_t errlen)
{
	char crt[PATH_LEN], keyf[PATH_LEN], msg[1024];
	bool have_crt, have_key;
	SSL_CTX *ctx;
	int dfd, ret;

	if (!dir || !o || !fp || !created || !err || !errlen)
		return -EINVAL;
	*created = false;
	if (paths(dir, o->uid, crt, keyf)) {
		owner_err(o, "the identity directory's path is too long", err,
			  errlen);
		return -ENAMETOOLONG;
	}
	dfd = open_dir(dir, msg, sizeof(msg));
	if (dfd < 0) {
		owner_err(o, msg, err, errlen);
		return dfd;
	}
	if (flock(dfd, LOCK_EX)) {
		ret = -errno;
		snprintf(msg, sizeof(msg), "%s: cannot lock: %s", dir,
			 strerror(-ret));
		owner_err(o, msg, err, errlen);
		goto out;
	}
	have_crt = exists(crt);
	have_key = exists(keyf);
	if (!have_crt && !have_key) {
		ret = create(o, crt, keyf, fp, msg, sizeof(msg));
		if (ret)
			owner_err(o, msg, err, errlen);
		*created = !ret;
	} else if (have_crt != have_key) {
		snprintf(msg, sizeof(msg),
			 "half an identity: %s exists, %s does not; restore it, or remove %s to make a new identity (and pair every display of the owner again)",
			 have_key ? keyf : crt, have_key ? crt : keyf,
			 have_key ? keyf : crt);
		owner_err(o, msg, err, errlen);
		ret = -ENOENT;
	} else {
		/* What the worker will load, checked the way it will be. */
		ctx = cg_identity_server_ctx(dir, o, err, errlen);
		ret = ctx ? cg_x509_fingerprint(SSL_CTX_get0_certificate(ctx),
						fp) : -EINVAL;
		SSL_CTX_free(ctx);
	}
out:
	close(dfd);
	return ret;
}
