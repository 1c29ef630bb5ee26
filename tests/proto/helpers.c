/* SPDX-License-Identifier: MIT */
/* helpers.c - test PKI, in-memory TLS server, frame builders (see helpers.h). */
#include "helpers.h"

#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <wslay/wslay.h>

int th_failures;

static int th_add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ex)
		return -1;
	ok = X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	return ok == 1 ? 0 : -1;
}

static X509 *th_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, long serial,
		     long nb, long na, int is_ca)
{
	X509 *c = X509_new();
	X509_NAME *name;

	if (!c)
		return NULL;
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
	X509_gmtime_adj(X509_getm_notBefore(c), nb);
	X509_gmtime_adj(X509_getm_notAfter(c), na);
	X509_set_pubkey(c, key);
	name = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"mdbus tests",
				   -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	if (th_add_ext(c, issuer ? issuer : c, NID_subject_key_identifier, "hash") ||
	    (is_ca && (th_add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE") ||
		       th_add_ext(c, c, NID_key_usage, "critical,keyCertSign,cRLSign"))) ||
	    (!is_ca &&
	     (th_add_ext(c, issuer, NID_basic_constraints, "CA:FALSE") ||
	      th_add_ext(c, issuer, NID_authority_key_identifier, "keyid") ||
	      th_add_ext(c, issuer, NID_ext_key_usage, "serverAuth") ||
	      th_add_ext(c, issuer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"))) ||
	    X509_sign(c, issuer_key, EVP_sha256()) == 0) {
		X509_free(c);
		return NULL;
	}
	return c;
}

int th_pki_make(struct th_pki *k, long not_before_s, long not_after_s)
{
	FILE *f;
	int fd;

	memset(k, 0, sizeof(*k));
	k->ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	k->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!k->ca_key || !k->key)
		goto err;
	k->ca = th_cert(k->ca_key, "mdbus test CA", NULL, k->ca_key, 1, -3600, 86400, 1);
	if (!k->ca)
		goto err;
	k->leaf = th_cert(k->key, "localhost", k->ca, k->ca_key, 2, not_before_s, not_after_s, 0);
	if (!k->leaf)
		goto err;
	snprintf(k->ca_path, sizeof(k->ca_path), "/tmp/mdbus-proto-ca-%d-XXXXXX", (int)getpid());
	fd = mkstemp(k->ca_path);
	if (fd < 0)
		goto err;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		goto err;
	}
	PEM_write_X509(f, k->ca);
	fclose(f);
	return 0;
err:
	ERR_print_errors_fp(stderr);
	th_pki_free(k);
	return -1;
}

void th_pki_free(struct th_pki *k)
{
	if (k->ca_path[0])
		unlink(k->ca_path);
	X509_free(k->ca);
	X509_free(k->leaf);
	EVP_PKEY_free(k->ca_key);
	EVP_PKEY_free(k->key);
	memset(k, 0, sizeof(*k));
}

SSL_CTX *th_server_ctx(const struct th_pki *k, int max_version)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx)
		return NULL;
	if (SSL_CTX_use_certificate(ctx, k->leaf) != 1 || SSL_CTX_use_PrivateKey(ctx, k->key) != 1)
		goto err;
	if (max_version) {
		/* TLS 1.1 needs security level 0 in OpenSSL 3 to even be offered. */
		SSL_CTX_set_security_level(ctx, 0);
		SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
		SSL_CTX_set_max_proto_version(ctx, max_version);
		SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
	}
	return ctx;
err:
	ERR_print_errors_fp(stderr);
	SSL_CTX_free(ctx);
	return NULL;
}

int th_server_new(struct th_server *s, SSL_CTX *ctx)
{
	memset(s, 0, sizeof(*s));
	s->ssl = SSL_new(ctx);
	s->rbio = BIO_new(BIO_s_mem());
	s->wbio = BIO_new(BIO_s_mem());
	if (!s->ssl || !s->rbio || !s->wbio)
		return -1;
	BIO_set_mem_eof_return(s->rbio, -1);
	BIO_set_mem_eof_return(s->wbio, -1);
	SSL_set_bio(s->ssl, s->rbio, s->wbio);
	SSL_set_accept_state(s->ssl);
	return 0;
}

void th_server_free(struct th_server *s)
{
	SSL_free(s->ssl);
	memset(s, 0, sizeof(*s));
}

void th_server_push(struct th_server *s, const uint8_t *p, size_t n)
{
	if (n)
		BIO_write(s->rbio, p, (int)n);
}

int th_server_step(struct th_server *s, uint8_t *buf, size_t cap)
{
	int r;

	if (!SSL_is_init_finished(s->ssl)) {
		r = SSL_do_handshake(s->ssl);
		if (r != 1) {
			int e = SSL_get_error(s->ssl, r);
			ERR_clear_error();
			return e == SSL_ERROR_WANT_READ ? 0 : -1;
		}
	}
	r = SSL_read(s->ssl, buf, (int)cap);
	if (r > 0)
		return r;
	r = SSL_get_error(s->ssl, r);
	ERR_clear_error();
	return r == SSL_ERROR_WANT_READ ? 0 : -1;
}

int th_server_write(struct th_server *s, const void *p, size_t n)
{
	return SSL_write(s->ssl, p, (int)n) == (int)n ? 0 : -1;
}

size_t th_server_take(struct th_server *s, uint8_t *buf, size_t cap)
{
	int r = BIO_read(s->wbio, buf, (int)cap);
	return r > 0 ? (size_t)r : 0;
}

size_t th_frame(uint8_t *out, int fin, int opcode, int mask, const void *payload, size_t n)
{
	static const uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
	size_t o = 0;

	out[o++] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0xf));
	if (n < 126) {
		out[o++] = (uint8_t)((mask ? 0x80 : 0) | n);
	} else if (n < 65536) {
		out[o++] = (uint8_t)((mask ? 0x80 : 0) | 126);
		out[o++] = (uint8_t)(n >> 8);
		out[o++] = (uint8_t)n;
	} else {
		out[o++] = (uint8_t)((mask ? 0x80 : 0) | 127);
		for (int i = 7; i >= 0; i--)
			out[o++] = (uint8_t)((uint64_t)n >> (8 * i));
	}
	if (mask) {
		memcpy(out + o, key, 4);
		o += 4;
	}
	for (size_t i = 0; i < n; i++)
		out[o + i] = ((const uint8_t *)payload)[i] ^ (mask ? key[i % 4] : 0);
	return o + n;
}

struct th_src {
	const uint8_t *p;
	size_t n;
};

static ssize_t th_recv(uint8_t *buf, size_t len, int flags, void *ud)
{
	struct th_src *s = ud;
	size_t n = s->n < len ? s->n : len;

	(void)flags;
	memcpy(buf, s->p, n);
	s->p += n;
	s->n -= n;
	return (ssize_t)n;
}

static ssize_t th_send(const uint8_t *d, size_t l, int f, void *ud)
{
	(void)d, (void)f, (void)ud;
	return (ssize_t)l;
}

static int th_mask(uint8_t *b, size_t l, void *ud)
{
	(void)ud;
	memset(b, 0, l);
	return 0;
}

int th_parse_client_frames(const uint8_t *p, size_t n, struct th_cframe *out, int max)
{
	struct wslay_frame_callbacks cb = {th_send, th_recv, th_mask};
	struct th_src src = {p, n};
	wslay_frame_context_ptr ctx;
	int count = 0;
	size_t got = 0;
	int in_frame = 0;

	if (wslay_frame_context_init(&ctx, &cb, &src) != 0)
		return -1;
	for (;;) {
		struct wslay_frame_iocb io;
		ssize_t r;
		memset(&io, 0, sizeof(io));
		r = wslay_frame_recv(ctx, &io);
		if (r == WSLAY_ERR_WANT_READ)
			break;
		if (r < 0 || count >= max || io.payload_length > sizeof(out[0].data)) {
			count = -1;
			break;
		}
		if (!in_frame) {
			out[count].fin = io.fin;
			out[count].opcode = io.opcode;
			out[count].mask = io.mask;
			out[count].len = 0;
			got = 0;
			in_frame = 1;
		}
		memcpy(out[count].data + out[count].len, io.data, io.data_length);
		out[count].len += io.data_length;
		got += io.data_length;
		if (got == io.payload_length) {
			in_frame = 0;
			count++;
		}
	}
	wslay_frame_context_free(ctx);
	return in_frame ? -1 : count;
}

int th_request_key(const char *req, char *key, size_t cap)
{
	const char *k = strcasestr(req, "\r\nSec-WebSocket-Key:");
	const char *e;
	size_t n;

	if (!k)
		return -1;
	k += strlen("\r\nSec-WebSocket-Key:");
	while (*k == ' ')
		k++;
	e = strstr(k, "\r\n");
	if (!e)
		return -1;
	n = (size_t)(e - k);
	if (n + 1 > cap)
		return -1;
	memcpy(key, k, n);
	key[n] = '\0';
	return 0;
}
