/* SPDX-License-Identifier: MIT */
/*
 * tls.c - OpenSSL 3 client over two BIOs without sockets (see tls.h).
 *
 * Why no socket BIO: the io_uring loop owns the socket; OpenSSL only ever
 * sees bytes we hand it, so there is no hidden syscall and the same code
 * runs in the unit tests against an in-memory server.  The read side is our
 * own BIO over the caller's receive window (a memory BIO would copy every
 * receive into a buffer that grows to the largest receive and never
 * shrinks); the write side is a memory BIO (handshake, pings, subscribes).
 */
#include "tls.h"

#include "tlsmem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

/* Append OpenSSL's error queue (oldest first, deduplicated by last) to buf. */
static void feed_tls_errq(char *buf, size_t len, const char *what)
{
	unsigned long e, last = 0;
	size_t off;
	char one[200];

	off = (size_t)snprintf(buf, len, "%s", what);
	while ((e = ERR_get_error()) != 0) {
		last = e;
	}
	if (last && off < len) {
		ERR_error_string_n(last, one, sizeof(one));
		/* Keep the reason part: "error:0A000086:SSL routines::certificate verify failed" */
		const char *r = strrchr(one, ':');
		snprintf(buf + off, len - off, ": %s", r ? r + 1 : one);
	}
}

int feed_tls_ctx_new(SSL_CTX **out, const char *ca_file, int verify, char *err, size_t errlen)
{
	SSL_CTX *ctx;

	*out = NULL;
	ERR_clear_error();
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		feed_tls_errq(err, errlen, "SSL_CTX_new failed");
		return -ENOMEM;
	}
	/* Exchanges speak TLS 1.2/1.3; anything older is a downgrade. */
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		feed_tls_errq(err, errlen, "cannot set TLS 1.2 minimum");
		goto err;
	}
	if (verify) {
		int ok = ca_file && *ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
					     : SSL_CTX_set_default_verify_paths(ctx);
		if (ok != 1) {
			char what[300];
			snprintf(what, sizeof(what), "cannot load CA file %s",
				 ca_file && *ca_file ? ca_file : "(default paths)");
			feed_tls_errq(err, errlen, what);
			goto err;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}
	/* We speak HTTP/1.1 only (the upgrade); say so, so no server picks h2. */
	static const unsigned char alpn[] = "\x08http/1.1";
	if (SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1) != 0) {
		feed_tls_errq(err, errlen, "cannot set ALPN");
		goto err;
	}
	/*
	 * An idle connection holds no record buffers (about 33 KB less), but
	 * OpenSSL then allocates them per record: only when those allocations
	 * come from tlsmem's pools, never from malloc.
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY |
				      (feed_tlsmem_installed() ? SSL_MODE_RELEASE_BUFFERS : 0));
	*out = ctx;
	return 0;
err:
	SSL_CTX_free(ctx);
	return -EINVAL;
}

/* The window BIO: reads the kept bytes, then the caller's window. */
static int feed_tls_win_read(BIO *b, char *out, size_t cap, size_t *got)
{
	struct feed_tls *t = BIO_get_data(b);
	size_t n = 0, k;

	BIO_clear_retry_flags(b);
	if (t->keep_len) {
		k = t->keep_len < cap ? t->keep_len : cap;
		memcpy(out, t->keep + t->keep_off, k);
		t->keep_off += k;
		t->keep_len -= k;
		n = k;
	}
	if (n < cap && t->in_len) {
		k = t->in_len < cap - n ? t->in_len : cap - n;
		memcpy(out + n, t->in, k);
		t->in += k;
		t->in_len -= k;
		n += k;
	}
	*got = n;
	if (n)
		return 1;
	BIO_set_retry_read(b); /* empty means "more later", never EOF */
	return 0;
}

static long feed_tls_win_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct feed_tls *t = BIO_get_data(b);

	(void)num, (void)ptr;
	switch (cmd) {
	case BIO_CTRL_PENDING:
		return t ? (long)(t->keep_len + t->in_len) : 0;
	case BIO_CTRL_FLUSH:
		return 1;
	default:
		return 0;
	}
}

static int feed_tls_win_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static BIO_METHOD *feed_tls_win_method;
static pthread_once_t feed_tls_win_once = PTHREAD_ONCE_INIT;

static void feed_tls_win_free(void)
{
	BIO_meth_free(feed_tls_win_method);
	feed_tls_win_method = NULL;
}

/* Made once per process: every connection's read BIO shares it.  Freed at
 * exit (before OpenSSL's own clean-up, registered earlier), so a leak check
 * finds nothing left. */
static void feed_tls_win_make(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "feed window");

	if (m && (!BIO_meth_set_read_ex(m, feed_tls_win_read) ||
		  !BIO_meth_set_ctrl(m, feed_tls_win_ctrl) ||
		  !BIO_meth_set_create(m, feed_tls_win_create))) {
		BIO_meth_free(m);
		m = NULL;
	}
	feed_tls_win_method = m;
	if (m)
		(void)atexit(feed_tls_win_free); /* if refused, kept to the end: harmless */
}

static BIO *feed_tls_win_new(struct feed_tls *t)
{
	BIO *b;

	pthread_once(&feed_tls_win_once, feed_tls_win_make);
	if (!feed_tls_win_method)
		return NULL;
	b = BIO_new(feed_tls_win_method);
	if (b)
		BIO_set_data(b, t);
	return b;
}

static int feed_tls_is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

int feed_tls_init(struct feed_tls *t, SSL_CTX *ctx, const char *host, int verify, int use_tls)
{
	memset(t, 0, sizeof(*t));
	t->use_tls = use_tls;
	t->verify = verify;
	ERR_clear_error();
	t->wbio = BIO_new(BIO_s_mem());
	if (!t->wbio)
		goto nomem;
	/* An empty memory BIO must mean "retry later", not EOF. */
	BIO_set_mem_eof_return(t->wbio, -1);
	if (!use_tls)
		return 0;
	if (!ctx || !host || !*host) {
		snprintf(t->err, sizeof(t->err), "TLS needs an SSL_CTX and a host name");
		feed_tls_free(t);
		return -EINVAL;
	}
	t->rbio = feed_tls_win_new(t);
	t->ssl = SSL_new(ctx);
	if (!t->rbio || !t->ssl)
		goto nomem;
	SSL_set_bio(t->ssl, t->rbio, t->wbio); /* ssl owns both BIOs from here */
	SSL_set_connect_state(t->ssl);
	if (feed_tls_is_ip(host)) {
		/* RFC 6066: no SNI for IP literals; check the IP SAN instead. */
		if (verify && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), host) != 1)
			goto bad;
	} else {
		if (SSL_set_tlsext_host_name(t->ssl, host) != 1)
			goto bad;
		if (verify && SSL_set1_host(t->ssl, host) != 1)
			goto bad;
	}
	SSL_set_verify(t->ssl, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	return 0;
bad:
	feed_tls_errq(t->err, sizeof(t->err), "cannot set TLS host name");
	feed_tls_free(t);
	return -EINVAL;
nomem:
	/* Only reached before SSL_set_bio: the BIOs are still ours to free. */
	SSL_free(t->ssl);
	BIO_free(t->rbio);
	BIO_free(t->wbio);
	t->ssl = NULL;
	t->rbio = t->wbio = NULL;
	snprintf(t->err, sizeof(t->err), "out of memory creating TLS state");
	return -ENOMEM;
}

/* Turn a failed SSL_* call into text: the verify result says most about a bad certificate. */
static int feed_tls_fail(struct feed_tls *t, int ret, const char *what)
{
	int e = SSL_get_error(t->ssl, ret);
	long vr = SSL_get_verify_result(t->ssl);

	if (vr != X509_V_OK && t->verify) {
		snprintf(t->err, sizeof(t->err), "certificate verify failed: %s",
			 X509_verify_cert_error_string(vr));
		ERR_clear_error();
	} else if (e == SSL_ERROR_SSL) {
		feed_tls_errq(t->err, sizeof(t->err), what);
	} else if (e == SSL_ERROR_SYSCALL) {
		snprintf(t->err, sizeof(t->err), "%s: unexpected end of TLS stream", what);
	} else {
		snprintf(t->err, sizeof(t->err), "%s: SSL error %d", what, e);
	}
	return -EPROTO;
}

int feed_tls_handshake(struct feed_tls *t)
{
	int r;

	if (!t->use_tls || t->handshake_done)
		return 0;
	ERR_clear_error();
	r = SSL_do_handshake(t->ssl);
	if (r == 1) {
		t->handshake_done = 1;
		return 0;
	}
	if (SSL_get_error(t->ssl, r) == SSL_ERROR_WANT_READ)
		return -EAGAIN;
	return feed_tls_fail(t, r, "TLS handshake failed");
}

/* All of p into a memory BIO (in chunks BIO_write's int can take). */
static int feed_tls_bio_put(struct feed_tls *t, BIO *b, const uint8_t *p, size_t n,
			    const char *what)
{
	while (n > 0) {
		int chunk = n > (size_t)(1 << 30) ? 1 << 30 : (int)n;
		int w = BIO_write(b, p, chunk);
		if (w <= 0) {
			snprintf(t->err, sizeof(t->err), "out of memory %s", what);
			return -ENOMEM;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int feed_tls_push(struct feed_tls *t, const uint8_t *p, size_t n)
{
	if (!t->use_tls || !t->rbio || t->in_len) {
		snprintf(t->err, sizeof(t->err), "TLS input %s",
			 t->in_len ? "window still open" : "without TLS");
		return -EINVAL;
	}
	t->in = p;
	t->in_len = n;
	return 0;
}

int feed_tls_push_end(struct feed_tls *t)
{
	size_t n = t->in_len;

	if (n == 0) {
		t->in = NULL;
		return 0;
	}
	if (t->keep_len == 0)
		t->keep_off = 0;
	if (t->keep_off + t->keep_len + n > t->keep_cap) {
		/* Compact first; grow only if the bytes still do not fit. */
		if (t->keep_len)
			memmove(t->keep, t->keep + t->keep_off, t->keep_len);
		t->keep_off = 0;
		if (t->keep_len + n > t->keep_cap) {
			uint8_t *k = realloc(t->keep, t->keep_len + n);
			if (!k) {
				t->in = NULL;
				t->in_len = 0;
				snprintf(t->err, sizeof(t->err), "out of memory keeping TLS input");
				return -ENOMEM;
			}
			t->keep = k;
			t->keep_cap = t->keep_len + n;
		}
	}
	memcpy(t->keep + t->keep_off + t->keep_len, t->in, n);
	t->keep_len += n;
	t->in = NULL;
	t->in_len = 0;
	return (int)(n > INT32_MAX ? INT32_MAX : n);
}

int feed_tls_read(struct feed_tls *t, uint8_t *buf, size_t cap, size_t *got)
{
	int r, e;

	*got = 0;
	if (!t->use_tls)
		return -EINVAL;
	if (t->peer_closed)
		return -ECONNRESET;
	ERR_clear_error();
	r = SSL_read(t->ssl, buf, cap > INT32_MAX ? INT32_MAX : (int)cap);
	if (r > 0) {
		*got = (size_t)r;
		return 0;
	}
	e = SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		return -EAGAIN;
	if (e == SSL_ERROR_ZERO_RETURN) {
		t->peer_closed = 1;
		return -ECONNRESET;
	}
	return feed_tls_fail(t, r, "TLS read failed");
}

int feed_tls_write(struct feed_tls *t, const uint8_t *p, size_t n)
{
	if (!t->wbio)
		return -EINVAL;
	if (!t->use_tls)
		return feed_tls_bio_put(t, t->wbio, p, n, "queueing output");
	if (!t->handshake_done || t->shutdown_sent) {
		snprintf(t->err, sizeof(t->err), "TLS write while %s",
			 t->shutdown_sent ? "closed" : "handshaking");
		return -ENOTCONN;
	}
	while (n > 0) {
		int chunk = n > (size_t)(1 << 30) ? 1 << 30 : (int)n;
		int w;
		ERR_clear_error();
		/* The write BIO is memory and always accepts: SSL_write completes whole. */
		w = SSL_write(t->ssl, p, chunk);
		if (w <= 0)
			return feed_tls_fail(t, w, "TLS write failed");
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

size_t feed_tls_out_pending(const struct feed_tls *t)
{
	return t->wbio ? BIO_ctrl_pending(t->wbio) : 0;
}

size_t feed_tls_out_take(struct feed_tls *t, uint8_t *buf, size_t cap)
{
	int r;

	if (!t->wbio || cap == 0 || BIO_ctrl_pending(t->wbio) == 0)
		return 0;
	r = BIO_read(t->wbio, buf, cap > INT32_MAX ? INT32_MAX : (int)cap);
	return r > 0 ? (size_t)r : 0;
}

int feed_tls_shutdown(struct feed_tls *t)
{
	int r;

	if (!t->use_tls || !t->ssl || t->shutdown_sent || !t->handshake_done)
		return 0;
	t->shutdown_sent = 1;
	ERR_clear_error();
	/* 0 = our close_notify is queued, peer's not seen yet; 1 = both done.  Either is fine. */
	r = SSL_shutdown(t->ssl);
	if (r < 0) {
		int e = SSL_get_error(t->ssl, r);
		if (e != SSL_ERROR_WANT_READ)
			return feed_tls_fail(t, r, "TLS shutdown failed");
	}
	return 0;
}

void feed_tls_free(struct feed_tls *t)
{
	if (!t)
		return;
	if (t->ssl) {
		SSL_free(t->ssl); /* frees rbio and wbio too */
	} else {
		BIO_free(t->rbio);
		BIO_free(t->wbio);
	}
	t->ssl = NULL;
	t->rbio = t->wbio = NULL;
	t->handshake_done = t->peer_closed = t->shutdown_sent = 0;
	free(t->keep);
	t->keep = NULL;
	t->in = NULL;
	t->in_len = t->keep_off = t->keep_len = t->keep_cap = 0;
}
