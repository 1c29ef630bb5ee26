/* SPDX-License-Identifier: MIT */
/*
 * tls.h - TLS client over OpenSSL without sockets: no I/O.
 *
 * The owner lends received ciphertext (feed_tls_push: OpenSSL reads it in
 * place through a read BIO of ours, no copy, no buffer per connection; then
 * feed_tls_push_end), pulls plaintext out (feed_tls_read) and takes
 * ciphertext to send from the write BIO, a memory BIO (feed_tls_out_take).
 * Every SSL_* call is preceded by ERR_clear_error() and anything OpenSSL
 * produced (handshake records, alerts, tickets) stays in the write BIO until
 * taken, so nothing is lost or reordered.
 *
 * Plain mode (use_tls = 0, for ws:// and tests) keeps the same shape: the
 * write BIO is the outgoing queue and received bytes pass straight through.
 */
#ifndef FEED_TLS_H
#define FEED_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

struct feed_tls {
	SSL *ssl;    /* NULL in plain mode */
	BIO *rbio;   /* network -> SSL, reads the window in place; owned by ssl once attached */
	BIO *wbio;   /* SSL -> network; in plain mode the outgoing queue */
	int use_tls; /* 0: pass bytes through */
	int verify;  /* SSL_VERIFY_PEER + host name check */
	int handshake_done; /* SSL_do_handshake returned 1 */
	int peer_closed;    /* close_notify received */
	int shutdown_sent;  /* our close_notify queued */
	const uint8_t *in;  /* the window given to feed_tls_push, until feed_tls_push_end */
	size_t in_len;	    /* bytes of the window OpenSSL has not read */
	uint8_t *keep;	    /* unread bytes of ended windows (malloc'd when first needed) */
	size_t keep_off, keep_len, keep_cap;
	char err[256]; /* last error, human readable */
};

/*
 * Create a client SSL_CTX: TLS 1.2 minimum; verify peer unless verify == 0;
 * trust ca_file if given (else the default verify paths).  Returns 0 and
 * *out, or -errno with text in err.  Free with SSL_CTX_free().
 */
int feed_tls_ctx_new(SSL_CTX **out, const char *ca_file, int verify, char *err, size_t errlen);

/*
 * Prepare one connection attempt: new SSL with SNI and host check for host
 * (an IP literal is checked as an IP).  Returns 0 or -ENOMEM/-EINVAL.
 */
int feed_tls_init(struct feed_tls *t, SSL_CTX *ctx, const char *host, int verify, int use_tls);

/* Drive the handshake: 0 done, -EAGAIN needs more input, -EPROTO failed (t->err). */
int feed_tls_handshake(struct feed_tls *t);

/*
 * Hand received network bytes to TLS without copying them: p[0..n) is a
 * window OpenSSL reads in place during the feed_tls_handshake and
 * feed_tls_read calls that follow (bytes kept from earlier windows first).
 * The caller must keep p unchanged until feed_tls_push_end.  Once one of
 * those calls returned -EAGAIN, OpenSSL read every byte of the window (it
 * holds a partial record itself).  Returns 0; -EINVAL in plain mode (the
 * caller passes bytes through) or when a window is still open.
 */
int feed_tls_push(struct feed_tls *t, const uint8_t *p, size_t n);

/*
 * End the window before its memory is reused: bytes OpenSSL has not read
 * (the caller stopped before -EAGAIN, e.g. after an error or a close) are
 * copied into t and read first next time; the copy is malloc'd only then.
 * Returns the count copied (0 in the steady state), or -ENOMEM (the bytes
 * are lost: the connection must be dropped).  No-op without a window.
 */
int feed_tls_push_end(struct feed_tls *t);

/*
 * Decrypt up to cap bytes into buf.  0 with *got > 0; -EAGAIN needs more
 * input; -ECONNRESET the peer sent close_notify (t->peer_closed); -EPROTO
 * on a TLS error (t->err).
 */
int feed_tls_read(struct feed_tls *t, uint8_t *buf, size_t cap, size_t *got);

/* Encrypt (or queue in plain mode) n bytes.  0, or -EPROTO/-ENOMEM (t->err). */
int feed_tls_write(struct feed_tls *t, const uint8_t *p, size_t n);

/* Bytes waiting in the write BIO. */
size_t feed_tls_out_pending(const struct feed_tls *t);

/* Move up to cap waiting bytes into buf; returns the count. */
size_t feed_tls_out_take(struct feed_tls *t, uint8_t *buf, size_t cap);

/* Queue close_notify (once).  0 or -EPROTO. */
int feed_tls_shutdown(struct feed_tls *t);

/* Free the SSL and BIOs; t may be reused with feed_tls_init.  Safe on a zeroed t and NULL. */
void feed_tls_free(struct feed_tls *t);

#endif /* FEED_TLS_H */
