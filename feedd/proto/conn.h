/* SPDX-License-Identifier: MIT */
/*
 * conn.h - one WebSocket-over-TLS client connection, doing NO I/O.
 *
 * Composes tls.h (OpenSSL over memory BIOs), upgrade.h (HTTP/1.1 upgrade)
 * and ws.h (wslay frame layer).  The owner (feedd's session) moves bytes:
 *
 *   recv completes  -> feed_conn_input(c, buf, n)   fires callbacks
 *   want to send    -> n = feed_conn_output(c, &p)  send p[0..n)
 *   send completes  -> feed_conn_consume(c, sent)
 *
 * Keep one send in flight: the pointer from feed_conn_output stays valid
 * (and its bytes unchanged) until feed_conn_consume, even if more output is
 * queued meanwhile, so ciphertext order is preserved.
 *
 * Memory: struct feed_conn is caller-allocated (embed it).  feed_conn_init
 * maps one block (header buffer, output staging, reassembly buffer of
 * max_message, and the plaintext scratch unless cfg.plain gives a shared
 * one) and allocates wslay's frame context; nothing is allocated per
 * message.  Only the pages written become resident, and the header
 * buffer's go back to the kernel once the upgrade is done (one madvise per
 * attempt).  feed_conn_reset reuses all of it for the next attempt (only
 * the SSL object is recreated).
 *
 * Phases: TLS -> UPGRADE -> OPEN -> CLOSING -> CLOSED.  Plain (ws://)
 * connections start in UPGRADE.  on_open fires once, when the 101 response
 * with a correct Sec-WebSocket-Accept is seen.  Callbacks run inside
 * feed_conn_input and may call feed_conn_send_text/ping/close/shutdown,
 * but not feed_conn_reset/free.  After feed_conn_close from a callback,
 * later messages in the same input are still delivered (RFC 6455 allows
 * data until the peer's close); after feed_conn_shutdown they are dropped.
 */
#ifndef FEED_CONN_H
#define FEED_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

#include "errclass.h"
#include "tls.h"
#include "upgrade.h"
#include "ws.h"

enum feed_conn_phase {
	FEED_CONN_TLS = 0, /* TLS handshake in progress */
	FEED_CONN_UPGRADE, /* HTTP upgrade request sent, waiting for 101 */
	FEED_CONN_OPEN,	   /* WebSocket open: messages flow */
	FEED_CONN_CLOSING, /* close frame sent or received, waiting for the other side */
	FEED_CONN_CLOSED,  /* close handshake done or failed: flush output, then close the socket */
};

struct feed_conn_cfg {
	const char *host;   /* for SNI, certificate check and Host: (copied) */
	uint16_t port;	    /* for Host: (omitted when 443 with TLS / 80 plain) */
	const char *path;   /* request target, e.g. "/ws" (copied) */
	int use_tls;	    /* 0: ws:// plain bytes */
	SSL_CTX *ssl_ctx;   /* from feed_tls_ctx_new; shared by sessions, not owned */
	int verify;	    /* 1: verify certificate chain and host name */
	size_t max_message; /* largest reassembled message; bigger => close 1009 */
	int64_t now_ns;	    /* attempt start (kept in feed_conn.start_ns for the caller) */
	/* Optional FEED_CONN_PLAIN_CAP bytes that SSL_read decrypts into, used
	 * only within feed_conn_input: connections fed one at a time (one
	 * thread) may share one. NULL: the conn has its own. Not owned. */
	uint8_t *plain;
};

struct feed_conn_cb {
	void (*on_open)(void *ud); /* upgrade accepted: 101 + accept key ok */
	/* Whole message (fragments reassembled); p valid only during the call. */
	void (*on_message)(void *ud, const uint8_t *p, size_t n, int binary);
	void (*on_pong)(void *ud, const uint8_t *p, size_t n);
	void (*on_close)(void *ud, uint16_t code, const char *reason); /* peer close frame */
	/* Optional: a chunk of plaintext (one TLS record, or one plain input)
	 * is about to be parsed (done 0), or was (done 1): the messages it
	 * completes are the on_message calls in between. */
	void (*on_chunk)(void *ud, int done);
};

#define FEED_CONN_HOST_MAX  256
#define FEED_CONN_PATH_MAX  1024
#define FEED_CONN_PLAIN_CAP 16384 /* one TLS record of plaintext */

struct feed_conn {
	struct feed_conn_cb cb;
	void *ud;
	char host[FEED_CONN_HOST_MAX];
	char path[FEED_CONN_PATH_MAX];
	struct feed_conn_cfg cfg; /* as given; cfg.host and cfg.path point at the copies */
	int64_t start_ns;

	enum feed_conn_phase phase;
	int opened;    /* on_open fired */
	int failed;    /* an error was recorded: input is ignored */
	int ws_failed; /* WebSocket error reported: input is now drained */
	struct feed_tls tls;
	struct feed_upgrade up;
	struct feed_ws ws;

	uint8_t *block; /* the one mapping: hdr + out + msg [+ plain] */
	size_t block_len;
	uint8_t *plain; /* decrypted bytes scratch (cfg.plain or in block) */
	size_t plain_cap;
	uint8_t *out; /* staging for feed_conn_output */
	size_t out_cap;
	size_t out_head; /* first byte not yet consumed */
	size_t out_tail; /* end of staged bytes */

	enum feed_err_class err_cls;
	char err[320];
};

/* Copy cfg, allocate buffers, create the wslay context.  0 or -EINVAL/-ENOMEM. */
int feed_conn_init(struct feed_conn *c, const struct feed_conn_cfg *cfg,
		   const struct feed_conn_cb *cb, void *ud);

/* Begin the attempt: queue the ClientHello (TLS) or the HTTP request (plain). 0 or -errno. */
int feed_conn_start(struct feed_conn *c);

/*
 * Feed received bytes; fires callbacks.  0, or -errno with feed_conn_error()
 * giving the class and text:
 *   -EPROTO      TLS or HTTP failure (class TLS/HTTP): the connection is
 *                dead; send what feed_conn_output has (an alert), then drop it.
 *   -EPROTO, -EMSGSIZE with class WS: protocol violation / message over
 *                max_message.  Reported once; close 1002/1009 is queued and
 *                the phase is CLOSING.  Keep flushing and reading (input is
 *                now dropped) until phase CLOSED, EOF or your grace timeout,
 *                so the peer reads our close instead of a TCP reset.
 *   -ECONNRESET  TLS close_notify from the peer while OPEN (SERVER_CLOSE)
 *   -ENOBUFS/-ENOMEM  internal (INTERNAL)
 * In CLOSING/CLOSED, the peer's close_notify is the normal end: 0, CLOSED.
 */
int feed_conn_input(struct feed_conn *c, const uint8_t *p, size_t n);

/* Ciphertext waiting to be sent: returns its length and sets *p (0: nothing). */
size_t feed_conn_output(struct feed_conn *c, const uint8_t **p);

/* n bytes of what feed_conn_output returned were sent. */
void feed_conn_consume(struct feed_conn *c, size_t n);

/* Send a masked text frame.  0, -ENOTCONN (not OPEN), or -errno. */
int feed_conn_send_text(struct feed_conn *c, const char *p, size_t n);

/* Send a ping frame (n <= 125).  0, -ENOTCONN, -EINVAL, or -errno. */
int feed_conn_ping(struct feed_conn *c, const uint8_t *p, size_t n);

/*
 * Start the close handshake: WS close frame now; TLS close_notify follows
 * when the peer's close frame arrives (phase CLOSED).  Before OPEN there is
 * nothing to close politely: goes straight to close_notify/CLOSED.
 * 0 or -errno.  Calling it again is harmless.
 */
int feed_conn_close(struct feed_conn *c, uint16_t code, const char *reason);

/* Force: queue TLS close_notify now and go CLOSED (e.g. shutdown deadline). */
void feed_conn_shutdown(struct feed_conn *c);

enum feed_conn_phase feed_conn_phase(const struct feed_conn *c);
const char *feed_conn_phase_name(enum feed_conn_phase ph);

/* Last error text ("" if none); *cls (if not NULL) gets its class. */
const char *feed_conn_error(const struct feed_conn *c, enum feed_err_class *cls);

/* HTTP status of the upgrade response (0 before it arrived). */
int feed_conn_http_status(const struct feed_conn *c);

/* Retry-After of a refused upgrade in ms, -1 if none was given. */
int64_t feed_conn_retry_after_ms(const struct feed_conn *c);

/* Prepare for the next attempt with the same cfg: no buffer reallocation. */
void feed_conn_reset(struct feed_conn *c);

/* Release everything; safe on a zeroed struct, twice, and on NULL. */
void feed_conn_free(struct feed_conn *c);

#endif /* FEED_CONN_H */
