/* SPDX-License-Identifier: MIT */
/*
 * certs.c: `mdbus-sim --make-certs DIR`: a private test CA and the server
 * certificates the tests need, made with the OpenSSL API (no openssl CLI, so
 * the tests depend on nothing but the library the product links anyway).
 *
 *   ca.pem                      the test CA (feedd's ca_file in tests)
 *   server.pem / server.key     SAN DNS:localhost, IP:127.0.0.1, IP:::1
 *   expired.pem / .key          same names, validity ended yesterday
 *   wronghost.pem / .key        SAN DNS:other.invalid only
 *   selfsigned.pem / .key       localhost, but not signed by the CA
 *
 * Keys are EC P-256: generating them is instant, unlike RSA.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sim.h"

#define CERTS_DAY (24L * 3600L)

static int certs_fail(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s%s%s", what, e ? ": " : "", buf);
	ERR_clear_error();
	return -EIO;
}

static int certs_add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -EINVAL;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -EINVAL;
}

/*
 * Builds one certificate for key, valid [now + from_s, now + to_s], signed by
 * (issuer, issuer_key) or self-signed when issuer is NULL. is_ca selects the
 * CA extensions; san is the subjectAltName value for leaf certificates.
 */
static X509 *certs_build(EVP_PKEY *key, const char *cn, long from_s, long to_s, int is_ca,
			 const char *san, X509 *issuer, EVP_PKEY *issuer_key)
{
	X509 *x = X509_new();
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	X509_NAME *name;

	if (!x)
		return NULL;
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto err;
	serial[0] &= 0x7f; /* a positive serial number */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		goto err;
	if (!X509_set_version(x, 2) || !X509_gmtime_adj(X509_getm_notBefore(x), from_s) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), to_s) || !X509_set_pubkey(x, key))
		goto err;
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
					(const unsigned char *)"mdbus test", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
					0))
		goto err;
	if (!X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name))
		goto err;
	/* The issuer context must name the issuer itself for a self-signed
	 * certificate, so authorityKeyIdentifier can be derived. */
	if (certs_add_ext(x, issuer ? issuer : x, NID_subject_key_identifier, "hash") ||
	    certs_add_ext(x, issuer ? issuer : x, NID_authority_key_identifier, "keyid:always"))
		goto err;
	if (is_ca) {
		if (certs_add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") ||
		    certs_add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign"))
			goto err;
	} else {
		if (certs_add_ext(x, issuer ? issuer : x, NID_basic_constraints,
				  "critical,CA:FALSE") ||
		    certs_add_ext(x, issuer ? issuer : x, NID_key_usage,
				  "critical,digitalSignature,keyEncipherment") ||
		    certs_add_ext(x, issuer ? issuer : x, NID_ext_key_usage, "serverAuth") ||
		    certs_add_ext(x, issuer ? issuer : x, NID_subject_alt_name, san))
			goto err;
	}
	if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()))
		goto err;
	BN_free(bn);
	return x;
err:
	BN_free(bn);
	X509_free(x);
	return NULL;
}

static int certs_write(const char *dir, const char *file, X509 *x, EVP_PKEY *key, char *err,
		       size_t errlen)
{
	char path[4096];
	FILE *f;
	int fd, ok;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path)) {
		snprintf(err, errlen, "%s/%s: path too long", dir, file);
		return -ENAMETOOLONG;
	}
	/* Private keys are created 0600 from the start, never widened. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, key ? 0600 : 0644);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, x);
	if (fclose(f) != 0)
		ok = 0;
	if (!ok)
		return certs_fail(err, errlen, path);
	return 0;
}

/* One leaf: key + certificate written as NAME.pem and NAME.key. */
static int certs_leaf(const char *dir, const char *name, long from_s, long to_s, const char *san,
		      X509 *ca, EVP_PKEY *ca_key, char *err, size_t errlen)
{
	char file[64];
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = NULL;
	int r = -EIO;

	if (!key)
		return certs_fail(err, errlen, "EC key generation");
	x = certs_build(key, "localhost", from_s, to_s, 0, san, ca, ca_key);
	if (!x) {
		r = certs_fail(err, errlen, name);
		goto out;
	}
	snprintf(file, sizeof(file), "%s.pem", name);
	r = certs_write(dir, file, x, NULL, err, errlen);
	if (r == 0) {
		snprintf(file, sizeof(file), "%s.key", name);
		r = certs_write(dir, file, NULL, key, err, errlen);
	}
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return r;
}

int sim_certs_make(const char *dir, char *err, size_t errlen)
{
	static const char san_ok[] = "DNS:localhost,IP:127.0.0.1,IP:::1";
	EVP_PKEY *ca_key = NULL;
	X509 *ca = NULL;
	int r;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(e));
		return -e;
	}
	ca_key = EVP_EC_gen("P-256");
	if (!ca_key)
		return certs_fail(err, errlen, "EC key generation");
	ca = certs_build(ca_key, "mdbus test CA", -CERTS_DAY, 3650 * CERTS_DAY, 1, NULL, NULL,
			 NULL);
	if (!ca) {
		r = certs_fail(err, errlen, "CA certificate");
		goto out;
	}
	r = certs_write(dir, "ca.pem", ca, NULL, err, errlen);
	if (r == 0)
		r = certs_write(dir, "ca.key", NULL, ca_key, err, errlen);
	if (r == 0)
		r = certs_leaf(dir, "server", -CERTS_DAY, 825 * CERTS_DAY, san_ok, ca, ca_key, err,
			       errlen);
	if (r == 0)
		r = certs_leaf(dir, "expired", -30 * CERTS_DAY, -CERTS_DAY, san_ok, ca, ca_key, err,
			       errlen);
	if (r == 0)
		r = certs_leaf(dir, "wronghost", -CERTS_DAY, 825 * CERTS_DAY, "DNS:other.invalid",
			       ca, ca_key, err, errlen);
	if (r == 0)
		r = certs_leaf(dir, "selfsigned", -CERTS_DAY, 825 * CERTS_DAY, san_ok, NULL, NULL,
			       err, errlen);
out:
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return r;
}
