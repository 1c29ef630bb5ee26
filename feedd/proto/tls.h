/* SPDX-License-Identifier: MIT */
/*
 * tls.h - TLS client over OpenSSL memory BIOs: no sockets, no I/O.
 *
 * The owner writes received ciphertext in (feed_tls_push), pulls plaintext
 * out (feed_tls_read) and takes ciphertext to send from the write BIO
 * (feed_tls_out_take).  Every SSL_* call is preceded by ERR_clear_error()
 * and anything OpenSSL produced (handshake records, alerts, tickets) stays
 * in the write BIO until taken, so nothing is lost or reordered.
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
	SSL *ssl;	    /* NULL in plain mode */
	BIO *rbio;	    /* network -> SSL; owned by ssl once attached */
	BIO *wbio;	    /* SSL -> network; in plain mode the outgoing queue */
	int use_tls;	    /* 0: pass bytes through */
	int verify;	    /* SSL_VERIFY_PEER + host name check */
	int handshake_done; /* SSL_do_handshake returned 1 */
	int peer_closed;    /* close_notify received */
	int shutdown_sent;  /* our close_notify queued */
	char err[256];	    /* last error, human readable */
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

/* Hand received network bytes to TLS.  0 or -ENOMEM. Plain mode: -EINVAL (caller passes through).
 */
int feed_tls_push(struct feed_tls *t, const uint8_t *p, size_t n);

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
