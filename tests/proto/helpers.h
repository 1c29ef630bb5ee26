/* SPDX-License-Identifier: MIT */
/*
 * helpers.h - shared pieces of the proto tests: assertions, a test PKI made
 * with OpenSSL APIs at run time, an in-memory TLS server over memory BIOs,
 * and WebSocket frame builders/parsers for the server side.  No sockets.
 */
#ifndef PROTO_TEST_HELPERS_H
#define PROTO_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

extern int th_failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
			th_failures++;                                                             \
		}                                                                                  \
	} while (0)

#define CHECK_STR_HAS(hay, needle)                                                                 \
	do {                                                                                       \
		const char *h_ = (hay);                                                            \
		if (!h_ || !strstr(h_, (needle))) {                                                \
			fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__,       \
				__LINE__, h_ ? h_ : "(null)", (needle));                           \
			th_failures++;                                                             \
		}                                                                                  \
	} while (0)

static inline int th_result(const char *name)
{
	if (th_failures) {
		fprintf(stderr, "%s: %d check(s) failed\n", name, th_failures);
		return 1;
	}
	printf("%s: ok\n", name);
	return 0;
}

/* ---- test PKI ---- */
struct th_pki {
	EVP_PKEY *ca_key;
	X509 *ca;
	EVP_PKEY *key; /* leaf */
	X509 *leaf;
	char ca_path[64]; /* CA certificate as a PEM file (for feed_tls_ctx_new) */
};

/*
 * CA + leaf (CN/SAN localhost, IP 127.0.0.1), EC P-256.  The leaf is valid
 * from now+not_before_s to now+not_after_s.  0 or -1.
 */
int th_pki_make(struct th_pki *k, long not_before_s, long not_after_s);
void th_pki_free(struct th_pki *k);

/* Server SSL_CTX with the leaf; max_version 0 = default, e.g. TLS1_1_VERSION. */
SSL_CTX *th_server_ctx(const struct th_pki *k, int max_version);

/* ---- in-memory TLS server ---- */
struct th_server {
	SSL *ssl;
	BIO *rbio; /* client -> server */
	BIO *wbio; /* server -> client */
};

int th_server_new(struct th_server *s, SSL_CTX *ctx);
void th_server_free(struct th_server *s);
/* Give the server ciphertext from the client. */
void th_server_push(struct th_server *s, const uint8_t *p, size_t n);
/* Drive the server: handshake, then read plaintext into buf (returns bytes, 0 none, -1
 * error/closed). */
int th_server_step(struct th_server *s, uint8_t *buf, size_t cap);
/* Server writes plaintext (one TLS record per call up to 16 KiB). */
int th_server_write(struct th_server *s, const void *p, size_t n);
/* Take server ciphertext. */
size_t th_server_take(struct th_server *s, uint8_t *buf, size_t cap);

/* ---- WebSocket frames as the server sends them ---- */
/* Build one frame into out (unmasked unless mask); returns its length. */
size_t th_frame(uint8_t *out, int fin, int opcode, int mask, const void *payload, size_t n);

/* Parsed client frame. */
struct th_cframe {
	int fin, opcode, mask;
	size_t len;
	uint8_t data[65536];
};
/*
 * Parse frames the client sent (with a server-role wslay_frame_context).
 * Fills up to max frames; returns how many, or -1 on a framing error.
 */
int th_parse_client_frames(const uint8_t *p, size_t n, struct th_cframe *out, int max);

/* Read a hex dump-free "Sec-WebSocket-Key: ..." value from a request; 0 or -1. */
int th_request_key(const char *req, char *key, size_t cap);

#endif
