/* SPDX-License-Identifier: MIT */
/*
 * rest.h: feedd's HTTPS REST client. One object per (host, port, TLS
 * context): one keep-alive connection, opened on the first request and
 * again after the server closes it or after an error; requests queue FIFO
 * and go one at a time. Everything runs on the loop's ring (connect, recv,
 * send), DNS through resolve.h, TLS through proto/tls.h with the same
 * certificate and host-name check as the WebSocket sessions; no call
 * blocks.
 *
 *   feed_rest_get(r, "/api/v3/depth?symbol=BTCUSDT&limit=1000", cb, ud, now)
 *   ... the loop dispatches FEED_OP_REST_* and FEED_OP_DNS_POLL completions
 *   whose user_data index is r's (FEED_UD_REST_BASE + i) to feed_rest_on_cqe,
 *   calls feed_rest_on_timer when feed_rest_deadline has passed ...
 *   cb(ud, 0, resp)   status, headers of interest, body (valid during the call)
 *   cb(ud, -errno, NULL) -ETIMEDOUT, -ECONNRESET, -ECONNREFUSED, -EPROTO (TLS,
 *                        certificate, host name), -EBADMSG, -EMSGSIZE,
 *                        -ECANCELED (shutdown), -EHOSTUNREACH (DNS);
 *                        feed_rest_error(r) says why
 *
 * Timeouts: each request has a total deadline from the time it was queued
 * (deadline_ms) and, once it is on the wire (or its connection is being
 * made), a per-request timeout (timeout_ms); either ends it with
 * -ETIMEDOUT, and a request timed out on the wire also drops the
 * connection (its answer can no longer be told apart).
 *
 * A request sent on a reused keep-alive connection that the server closed
 * before answering a byte is sent again once on a new connection (the
 * server may close an idle connection just as we send).
 *
 * Memory: buffers and the queue are allocated by feed_rest_init; a request
 * allocates nothing. Shutdown: feed_rest_shutdown cancels the ops in flight
 * and fails the queue with -ECANCELED; once feed_rest_idle (their
 * completions arrived, or the ring is gone) feed_rest_free releases the rest.
 */
#ifndef FEED_REST_H
#define FEED_REST_H

#include <stdint.h>
#include <sys/socket.h>
#include <openssl/ssl.h>

#include "http.h"
#include "loop.h"
#include "resolve.h"
#include "tls.h"

#define FEED_REST_HOST_MAX 256
#define FEED_REST_PATH_MAX 1024
#define FEED_REST_BUF	   16384 /* recv, plaintext and send staging, each */

struct feed_rest_cfg {
	const char *host; /* SNI, certificate name, Host: (copied) */
	uint16_t port;
	int tls;		/* 0: plain http:// */
	SSL_CTX *ssl_ctx;	/* from feed_tls_ctx_new / tlsctx.h; not owned */
	int verify;		/* 1: chain + host name, as sessions */
	size_t body_max;	/* largest decoded body (-EMSGSIZE beyond) */
	const char *weight_hdr; /* venue header whose value lands in resp->weight, or NULL */
	unsigned queue_cap;	/* requests waiting at most (-ENOSPC beyond) */
	int64_t timeout_ms;	/* per request, once it is being sent */
	int64_t deadline_ms;	/* per request, from feed_rest_get */
};

/* err 0: resp is the answer (any status); else -errno and resp NULL. */
typedef void (*feed_rest_cb)(void *ud, int err, const struct feed_http_resp *resp);

struct feed_rest_req {
	char path[FEED_REST_PATH_MAX];
	feed_rest_cb cb;
	void *ud;
	int64_t deadline; /* total, CLOCK_MONOTONIC ns */
	int retried;	  /* already sent again after a stale keep-alive */
};

enum feed_rest_state {
	FEED_REST_IDLE = 0, /* no connection */
	FEED_REST_RESOLVING,
	FEED_REST_CONNECTING,
	FEED_REST_HANDSHAKE, /* TLS */
	FEED_REST_READY,     /* connected: a request may go */
};

struct feed_rest_stats {
	uint64_t requests; /* answered (any status) */
	uint64_t reused;   /* sent on a connection that had answered before */
	uint64_t connects; /* connections opened */
	uint64_t errors;   /* requests failed with -errno */
	uint64_t timeouts; /* of which -ETIMEDOUT */
};

struct feed_rest {
	struct feed_loop *loop;
	unsigned index; /* user_data index (FEED_UD_REST_BASE + n in feedd) */
	uint64_t gen;	/* connection generation in user_data */
	char host[FEED_REST_HOST_MAX];
	struct feed_rest_cfg cfg; /* cfg.host points at host */
	enum feed_rest_state state;
	int fd;
	int connect_inflight, recv_inflight, send_inflight;
	int stopping;
	int in_cb;	/* a callback is running: gets only queue */
	int again;	/* a failure freed the way: rest_kick goes round once more */
	size_t out_off; /* bytes of out already sent */
	struct feed_resolve res;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct feed_tls tls;
	struct feed_http http;
	uint8_t *rx, *plain, *out; /* FEED_REST_BUF each, one allocation */
	size_t out_len;		   /* staged bytes in out (the send in flight) */
	struct feed_rest_req *q;   /* ring of queue_cap */
	unsigned q_head, q_len;
	int active;	   /* q[q_head] was sent on this connection */
	int got_bytes;	   /* a byte of its answer arrived */
	unsigned answered; /* responses on this connection */
	int64_t dl_req;	   /* the active request's timeout */
	struct feed_rest_stats st;
	char err[256];
};

/* Prepares the client (buffers, queue, parser); no connection yet. index is
 * the user_data index of its ops. Returns 0, -EINVAL or -ENOMEM. */
int feed_rest_init(struct feed_rest *r, struct feed_loop *loop, unsigned index,
		   const struct feed_rest_cfg *cfg);

/* Queues GET path; cb fires exactly once (never from inside this call).
 * Returns 0, -ENOSPC (queue full), -EINVAL (path), -ESHUTDOWN (stopping). */
int feed_rest_get(struct feed_rest *r, const char *path, feed_rest_cb cb, void *ud, int64_t now);

/* A completion whose index is r's (FEED_OP_REST_CONNECT/RECV/SEND,
 * FEED_OP_DNS_POLL). */
void feed_rest_on_cqe(struct feed_rest *r, uint64_t ud, int res, int64_t now);

/* Earliest deadline (requests, resolver), 0 if none. */
int64_t feed_rest_deadline(struct feed_rest *r, int64_t now);

/* Ends what is overdue (call when feed_rest_deadline has passed). */
void feed_rest_on_timer(struct feed_rest *r, int64_t now);

/* Requests waiting or on the wire. */
unsigned feed_rest_queued(const struct feed_rest *r);

/* Why the last request failed. */
const char *feed_rest_error(const struct feed_rest *r);

/* Cancels ops in flight, closes the socket, fails every request with
 * -ECANCELED; later gets are -ESHUTDOWN. */
void feed_rest_shutdown(struct feed_rest *r);

/* 1 when no op of r is in flight (its buffers may be freed). */
int feed_rest_idle(const struct feed_rest *r);

/* Frees everything (after feed_rest_idle, or after the ring is gone). */
void feed_rest_free(struct feed_rest *r);

#endif /* FEED_REST_H */
