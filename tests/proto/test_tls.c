/* SPDX-License-Identifier: MIT */
/*
 * test_tls.c - feed_tls against an in-memory OpenSSL server: good handshake,
 * each verification failure with its reason, verify off, data both ways,
 * close_notify both ways.
 */
#include <errno.h>
#include <string.h>

#include <openssl/err.h>

#include "helpers.h"
#include "tls.h"

/* Shuttle bytes until the client handshake ends.  0 ok, else the client's error. */
static int handshake(struct feed_tls *t, struct th_server *s)
{
	uint8_t buf[65536];
	int r = feed_tls_handshake(t);

	for (int i = 0; i < 50 && r == -EAGAIN; i++) {
		size_t n = feed_tls_out_take(t, buf, sizeof(buf));
		th_server_push(s, buf, n);
		th_server_step(s, buf, sizeof(buf));
		n = th_server_take(s, buf, sizeof(buf));
		if (n)
			feed_tls_push(t, buf, n);
		r = feed_tls_handshake(t);
		CHECK(feed_tls_push_end(t) >= 0); /* buf is reused next round */
	}
	/* The client Finished (and any alert) goes to the server too. */
	size_t n = feed_tls_out_take(t, buf, sizeof(buf));
	th_server_push(s, buf, n);
	th_server_step(s, buf, sizeof(buf));
	return r;
}

struct run {
	int rc;
	char err[256];
};

/* One connection: client ctx (ca, verify), server ctx, host. */
static struct run attempt(SSL_CTX *cctx, SSL_CTX *sctx, const char *host, int verify)
{
	struct feed_tls t;
	struct th_server s;
	struct run out = {0, ""};

	CHECK(th_server_new(&s, sctx) == 0);
	CHECK(feed_tls_init(&t, cctx, host, verify, 1) == 0);
	out.rc = handshake(&t, &s);
	snprintf(out.err, sizeof(out.err), "%s", t.err);
	feed_tls_free(&t);
	th_server_free(&s);
	return out;
}

/* Read one record, its plaintext in out (cap 64); 0 or the feed_tls_read error. */
static int read_one(struct feed_tls *t, char *out)
{
	size_t g = 0;
	int r = feed_tls_read(t, (uint8_t *)out, 63, &g);

	out[g] = 0;
	return r;
}

/*
 * The receive window: a caller that stops reading before -EAGAIN ends the
 * window with bytes unread; they are kept (the window's memory is then
 * scribbled over) and read before the next window.  A second push while a
 * window is open is refused.
 */
static void test_window(struct feed_tls *t, struct th_server *s)
{
	uint8_t win[4096];
	char out[64];
	size_t n, m;
	int k;

	CHECK(th_server_write(s, "one", 3) == 0);
	CHECK(th_server_write(s, "two", 3) == 0);
	n = th_server_take(s, win, sizeof(win));
	CHECK(th_server_write(s, "three", 5) == 0);
	m = th_server_take(s, win + n, sizeof(win) - n);
	CHECK(feed_tls_push(t, win, n) == 0);
	CHECK(feed_tls_push(t, win, n) == -EINVAL); /* still open */
	CHECK(read_one(t, out) == 0 && strcmp(out, "one") == 0);
	k = feed_tls_push_end(t); /* "two" was not read: kept */
	CHECK(k > 0 && (size_t)k < n);
	memset(win, 0xee, n);
	CHECK(feed_tls_push(t, win + n, m) == 0);
	CHECK(read_one(t, out) == 0 && strcmp(out, "two") == 0);
	k = feed_tls_push_end(t); /* kept again: the whole new window */
	CHECK((size_t)k == m);
	memset(win + n, 0xee, m);
	CHECK(read_one(t, out) == 0 && strcmp(out, "three") == 0);
	CHECK(read_one(t, out) == -EAGAIN);
	CHECK(feed_tls_push_end(t) == 0);
	CHECK(t->keep_len == 0);
}

static void test_data_and_close(SSL_CTX *cctx, SSL_CTX *sctx)
{
	struct feed_tls t;
	struct th_server s;
	uint8_t buf[65536], plain[256];
	size_t n, got = 0;
	int r;

	CHECK(th_server_new(&s, sctx) == 0);
	CHECK(feed_tls_init(&t, cctx, "localhost", 1, 1) == 0);
	CHECK(handshake(&t, &s) == 0);

	/* client -> server */
	CHECK(feed_tls_write(&t, (const uint8_t *)"hello server", 12) == 0);
	CHECK(feed_tls_out_pending(&t) > 12); /* ciphertext, with record overhead */
	n = feed_tls_out_take(&t, buf, sizeof(buf));
	th_server_push(&s, buf, n);
	r = th_server_step(&s, plain, sizeof(plain));
	CHECK(r == 12 && memcmp(plain, "hello server", 12) == 0);

	/* server -> client, fed one byte at a time */
	CHECK(th_server_write(&s, "hello client", 12) == 0);
	n = th_server_take(&s, buf, sizeof(buf));
	for (size_t i = 0; i < n; i++) {
		size_t g = 0;
		CHECK(feed_tls_push(&t, buf + i, 1) == 0);
		do {
			r = feed_tls_read(&t, plain + got, sizeof(plain) - got, &g);
			if (r == 0)
				got += g;
		} while (r == 0);
		CHECK(r == -EAGAIN);
		CHECK(feed_tls_push_end(&t) == 0); /* -EAGAIN: OpenSSL read it all */
	}
	CHECK(got == 12 && memcmp(plain, "hello client", 12) == 0);

	test_window(&t, &s);

	/* client close_notify: the server sees a clean end of stream */
	CHECK(feed_tls_shutdown(&t) == 0);
	CHECK(t.shutdown_sent == 1);
	n = feed_tls_out_take(&t, buf, sizeof(buf));
	CHECK(n > 0);
	th_server_push(&s, buf, n);
	r = SSL_read(s.ssl, plain, sizeof(plain));
	CHECK(r <= 0 && SSL_get_error(s.ssl, r) == SSL_ERROR_ZERO_RETURN);
	CHECK(feed_tls_write(&t, (const uint8_t *)"x", 1) == -ENOTCONN);

	/* server close_notify: the client reports -ECONNRESET and peer_closed */
	SSL_shutdown(s.ssl);
	n = th_server_take(&s, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(feed_tls_push(&t, buf, n) == 0);
	{
		size_t g;
		CHECK(feed_tls_read(&t, plain, sizeof(plain), &g) == -ECONNRESET);
		CHECK(t.peer_closed == 1);
	}
	feed_tls_free(&t);
	th_server_free(&s);
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(void)
{
	struct th_pki good, other, expired;
	SSL_CTX *cctx = NULL, *cctx_other = NULL, *cctx_noverify = NULL;
	SSL_CTX *sctx, *sctx_expired, *sctx_tls11;
	char err[256];
	struct run r;

	if (th_pki_make(&good, -3600, 86400) || th_pki_make(&other, -3600, 86400) ||
	    th_pki_make(&expired, -7200, -3600)) {
		fprintf(stderr, "cannot build the test PKI\n");
		return 1;
	}
	CHECK(feed_tls_ctx_new(&cctx, good.ca_path, 1, err, sizeof(err)) == 0);
	CHECK(feed_tls_ctx_new(&cctx_other, other.ca_path, 1, err, sizeof(err)) == 0);
	CHECK(feed_tls_ctx_new(&cctx_noverify, NULL, 0, err, sizeof(err)) == 0);
	{
		SSL_CTX *bad = NULL;
		CHECK(feed_tls_ctx_new(&bad, "/nonexistent/ca.pem", 1, err, sizeof(err)) < 0);
		CHECK(bad == NULL);
		CHECK_STR_HAS(err, "/nonexistent/ca.pem");
	}
	sctx = th_server_ctx(&good, 0);
	sctx_expired = th_server_ctx(&expired, 0);
	sctx_tls11 = th_server_ctx(&good, TLS1_1_VERSION);
	CHECK(sctx && sctx_expired && sctx_tls11);
	if (th_failures)
		return th_result("test_tls");

	r = attempt(cctx, sctx, "localhost", 1);
	CHECK(r.rc == 0);
	r = attempt(cctx, sctx, "127.0.0.1", 1); /* IP SAN */
	CHECK(r.rc == 0);

	r = attempt(cctx_other, sctx, "localhost", 1); /* untrusted CA */
	CHECK(r.rc == -EPROTO);
	CHECK_STR_HAS(r.err, "certificate verify failed: unable to get local issuer certificate");

	r = attempt(cctx, sctx, "example.com", 1);
	CHECK(r.rc == -EPROTO);
	CHECK_STR_HAS(r.err, "certificate verify failed: hostname mismatch");

	r = attempt(cctx, sctx, "127.0.0.2", 1);
	CHECK(r.rc == -EPROTO);
	CHECK_STR_HAS(r.err, "IP address mismatch");

	/* expired leaf: same CA file trusts it (its own CA), date is the problem */
	{
		SSL_CTX *cexp = NULL;
		CHECK(feed_tls_ctx_new(&cexp, expired.ca_path, 1, err, sizeof(err)) == 0);
		r = attempt(cexp, sctx_expired, "localhost", 1);
		CHECK(r.rc == -EPROTO);
		CHECK_STR_HAS(r.err, "certificate verify failed: certificate has expired");
		SSL_CTX_free(cexp);
	}

	r = attempt(cctx, sctx_tls11, "localhost", 1); /* server stops at TLS 1.1 */
	CHECK(r.rc == -EPROTO);
	CHECK_STR_HAS(r.err, "protocol version");
	fprintf(stderr, "tls1.1 server: %s\n", r.err);

	r = attempt(cctx_noverify, sctx, "example.com", 0); /* verify off: anything goes */
	CHECK(r.rc == 0);
	r = attempt(cctx_noverify, sctx_expired, "localhost", 0);
	CHECK(r.rc == 0);

	test_data_and_close(cctx, sctx);

	/* plain mode passes bytes through the write queue */
	{
		struct feed_tls t;
		uint8_t buf[16];
		CHECK(feed_tls_init(&t, NULL, "localhost", 0, 0) == 0);
		CHECK(feed_tls_handshake(&t) == 0);
		CHECK(feed_tls_write(&t, (const uint8_t *)"abc", 3) == 0);
		CHECK(feed_tls_out_take(&t, buf, sizeof(buf)) == 3 && memcmp(buf, "abc", 3) == 0);
		CHECK(feed_tls_out_take(&t, buf, sizeof(buf)) == 0);
		feed_tls_free(&t);
	}

	SSL_CTX_free(cctx);
	SSL_CTX_free(cctx_other);
	SSL_CTX_free(cctx_noverify);
	SSL_CTX_free(sctx);
	SSL_CTX_free(sctx_expired);
	SSL_CTX_free(sctx_tls11);
	th_pki_free(&good);
	th_pki_free(&other);
	th_pki_free(&expired);
	return th_result("test_tls");
}
