/* SPDX-License-Identifier: MIT */
/*
 * rest.c: the REST client (rest.h). A small state machine over one socket:
 * IDLE -> RESOLVING -> CONNECTING -> HANDSHAKE (TLS) -> READY, back to IDLE
 * on any error or close. Like a session's connection: one send in flight
 * (TLS records leave in order), one recv, stale completions recognised by
 * the generation in their user_data, and a new connection waits until the
 * old one's ops have drained (the kernel may still write into rx).
 */
#include "rest.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REST_MS INT64_C(1000000)

/* Moves the queue on, again after each failure that freed the way. */
static void rest_kick(struct feed_rest *r, int64_t now);

static uint64_t rest_ud(const struct feed_rest *r, unsigned op)
{
	return feed_ud_make(op, r->index, r->gen);
}

static void rest_set_err(struct feed_rest *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
}

static struct feed_rest_req *rest_head(struct feed_rest *r)
{
	return r->q_len ? &r->q[r->q_head] : NULL;
}

/* Removes q[k] (k-th from the head) and answers it. */
static void rest_answer(struct feed_rest *r, unsigned k, int err, const struct feed_http_resp *resp)
{
	unsigned cap = r->cfg.queue_cap, at = (r->q_head + k) % cap;
	struct feed_rest_req req = r->q[at];

	for (unsigned i = k; i > 0; i--) /* close the gap from the head side */
		r->q[(r->q_head + i) % cap] = r->q[(r->q_head + i - 1) % cap];
	r->q_head = (r->q_head + 1) % cap;
	r->q_len--;
	if (err) {
		r->st.errors++;
		r->st.timeouts += err == -ETIMEDOUT;
	} else {
		r->st.requests++;
	}
	r->in_cb++;
	req.cb(req.ud, err, resp);
	r->in_cb--;
}

/* Drops the connection (ops in flight are cancelled; their completions carry
 * the old generation). */
static void rest_close(struct feed_rest *r)
{
	feed_resolve_cancel(&r->res);
	if (r->fd >= 0) {
		if (r->connect_inflight)
			feed_loop_cancel(r->loop, rest_ud(r, FEED_OP_REST_CONNECT));
		if (r->recv_inflight)
			feed_loop_cancel(r->loop, rest_ud(r, FEED_OP_REST_RECV));
		if (r->send_inflight)
			feed_loop_cancel(r->loop, rest_ud(r, FEED_OP_REST_SEND));
		close(r->fd);
		r->fd = -1;
	}
	feed_tls_free(&r->tls);
	memset(&r->tls, 0, sizeof(r->tls));
	feed_http_reset(&r->http);
	r->gen = (r->gen + 1) & FEED_UD_GEN_MASK;
	r->state = FEED_REST_IDLE;
	r->active = 0;
	r->got_bytes = 0;
	r->answered = 0;
	r->out_len = r->out_off = 0;
	r->dl_req = 0;
}

/* The connection failed with err: the request it served (or was being made
 * for) fails, unless it met a stale keep-alive and may go once more. */
static void rest_conn_fail(struct feed_rest *r, int err)
{
	struct feed_rest_req *h = rest_head(r);
	int stale = r->active && r->answered > 0 && !r->got_bytes && err == -ECONNRESET;
	int owned;

	if (h && stale && !h->retried) {
		h->retried = 1;
		h = NULL;
	}
	/* The head is this connection's if it was sent or the connection was
	 * being made for it; a request merely queued behind an idle one is not. */
	owned = h && (r->active || r->state != FEED_REST_READY);
	rest_close(r);
	if (owned)
		rest_answer(r, 0, err, NULL);
	r->again = 1; /* rest_kick moves the queue on */
}

static void rest_flush(struct feed_rest *r)
{
	struct io_uring_sqe *sqe;

	if (r->fd < 0 || r->send_inflight || r->connect_inflight)
		return;
	if (r->out_off == r->out_len) {
		r->out_off = 0;
		r->out_len = feed_tls_out_take(&r->tls, r->out, FEED_REST_BUF);
	}
	if (r->out_len == 0)
		return;
	sqe = feed_loop_sqe(r->loop);
	if (!sqe)
		return; /* the request's timeout ends it */
	io_uring_prep_send(sqe, r->fd, r->out + r->out_off, r->out_len - r->out_off, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, rest_ud(r, FEED_OP_REST_SEND));
	r->send_inflight = 1;
}

static void rest_recv(struct feed_rest *r)
{
	struct io_uring_sqe *sqe;

	if (r->fd < 0 || r->recv_inflight)
		return;
	sqe = feed_loop_sqe(r->loop);
	if (!sqe)
		return;
	io_uring_prep_recv(sqe, r->fd, r->rx, FEED_REST_BUF, 0);
	io_uring_sqe_set_data64(sqe, rest_ud(r, FEED_OP_REST_RECV));
	r->recv_inflight = 1;
}

static void rest_send_head(struct feed_rest *r, int64_t now)
{
	char req[FEED_REST_PATH_MAX + FEED_REST_HOST_MAX + 256];
	size_t n;
	int rc;

	rc = feed_http_request(req, sizeof(req), r->host, r->cfg.port, r->cfg.tls,
			       rest_head(r)->path, &n);
	if (rc == 0)
		rc = feed_tls_write(&r->tls, (const uint8_t *)req, n);
	if (rc < 0) {
		rest_set_err(r, "cannot send the request: %s", strerror(-rc));
		rest_conn_fail(r, rc);
		return;
	}
	r->active = 1;
	r->got_bytes = 0;
	r->st.reused += r->answered > 0;
	r->dl_req = now + r->cfg.timeout_ms * REST_MS;
	rest_flush(r);
}

static void rest_connect(struct feed_rest *r)
{
	struct io_uring_sqe *sqe;
	int one = 1;

	r->fd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->fd < 0) {
		int e = -errno;
		rest_set_err(r, "socket: %s", strerror(-e));
		rest_conn_fail(r, e);
		return;
	}
	setsockopt(r->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sqe = feed_loop_sqe(r->loop);
	if (!sqe) {
		rest_set_err(r, "io_uring submission queue unavailable");
		rest_conn_fail(r, -EBUSY);
		return;
	}
	io_uring_prep_connect(sqe, r->fd, (struct sockaddr *)&r->addr, r->addrlen);
	io_uring_sqe_set_data64(sqe, rest_ud(r, FEED_OP_REST_CONNECT));
	r->connect_inflight = 1;
	r->state = FEED_REST_CONNECTING;
}

static void rest_resolved(void *ud, int err, const struct sockaddr *sa, socklen_t salen,
			  const char *reason)
{
	struct feed_rest *r = ud;

	if (r->state != FEED_REST_RESOLVING)
		return;
	if (err < 0) {
		rest_set_err(r, "%s: %s", r->host, reason ? reason : strerror(-err));
		rest_conn_fail(r, -EHOSTUNREACH);
		return;
	}
	memcpy(&r->addr, sa, salen);
	r->addrlen = salen;
	rest_connect(r);
}

/* Fails queued requests (not the one on the wire) past their deadline. */
static void rest_expire(struct feed_rest *r, int64_t now)
{
	for (unsigned k = r->active ? 1 : 0; k < r->q_len;) {
		if (r->q[(r->q_head + k) % r->cfg.queue_cap].deadline <= now) {
			rest_set_err(r, "deadline passed before the request was sent");
			rest_answer(r, k, -ETIMEDOUT, NULL);
		} else {
			k++;
		}
	}
}

/* One step: opens a connection or sends the head. */
static void rest_kick_once(struct feed_rest *r, int64_t now)
{
	int rc;

	if (r->stopping || r->in_cb)
		return;
	rest_expire(r, now);
	if (r->q_len == 0)
		return;
	if (r->state == FEED_REST_READY && !r->active) {
		rest_send_head(r, now);
		return;
	}
	if (r->state != FEED_REST_IDLE || r->connect_inflight || r->recv_inflight ||
	    r->send_inflight)
		return; /* busy, or the old connection's ops are draining */
	r->st.connects++;
	r->gen = (r->gen + 1) & FEED_UD_GEN_MASK;
	r->dl_req = now + r->cfg.timeout_ms * REST_MS;
	r->state = FEED_REST_RESOLVING;
	rc = feed_resolve_start(&r->res, r->host, r->cfg.port); /* may answer now */
	if (rc < 0 && r->state == FEED_REST_RESOLVING) {
		rest_set_err(r, "%s: %s", r->host, strerror(-rc));
		rest_conn_fail(r, rc);
	}
}

static void rest_kick(struct feed_rest *r, int64_t now)
{
	do {
		r->again = 0;
		rest_kick_once(r, now);
	} while (r->again && !r->stopping && !r->in_cb);
}

int feed_rest_init(struct feed_rest *r, struct feed_loop *loop, unsigned index,
		   const struct feed_rest_cfg *cfg)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if (!cfg || !cfg->host || !*cfg->host || strlen(cfg->host) >= sizeof(r->host) ||
	    cfg->queue_cap == 0 || cfg->timeout_ms <= 0 || cfg->deadline_ms <= 0 ||
	    (cfg->tls && !cfg->ssl_ctx) || index >= FEED_UD_LOOP)
		return -EINVAL;
	r->loop = loop;
	r->index = index;
	strcpy(r->host, cfg->host);
	r->cfg = *cfg;
	r->cfg.host = r->host;
	r->cfg.weight_hdr = NULL; /* the parser keeps its own copy */
	rc = feed_http_init(&r->http, cfg->body_max, cfg->weight_hdr);
	if (rc < 0)
		return rc;
	r->rx = malloc(3 * (size_t)FEED_REST_BUF);
	r->q = calloc(cfg->queue_cap, sizeof(*r->q));
	if (!r->rx || !r->q) {
		feed_rest_free(r);
		return -ENOMEM;
	}
	r->plain = r->rx + FEED_REST_BUF;
	r->out = r->plain + FEED_REST_BUF;
	feed_resolve_init(&r->res, loop, index, rest_resolved, r);
	return 0;
}

int feed_rest_get(struct feed_rest *r, const char *path, feed_rest_cb cb, void *ud, int64_t now)
{
	struct feed_rest_req *q;

	if (r->stopping)
		return -ESHUTDOWN;
	if (!path || *path != '/' || strlen(path) >= FEED_REST_PATH_MAX || !cb)
		return -EINVAL;
	if (r->q_len == r->cfg.queue_cap)
		return -ENOSPC;
	q = &r->q[(r->q_head + r->q_len) % r->cfg.queue_cap];
	memset(q, 0, sizeof(*q));
	strcpy(q->path, path);
	q->cb = cb;
	q->ud = ud;
	q->deadline = now + r->cfg.deadline_ms * REST_MS;
	r->q_len++;
	rest_kick(r, now);
	return 0;
}

static void rest_on_connect(struct feed_rest *r, int res, int64_t now)
{
	int rc;

	if (res < 0) {
		rest_set_err(r, "connect %s:%u: %s", r->host, r->cfg.port, strerror(-res));
		rest_conn_fail(r, res);
		return;
	}
	rc = feed_tls_init(&r->tls, r->cfg.ssl_ctx, r->host, r->cfg.verify, r->cfg.tls);
	if (rc == 0 && r->cfg.tls) {
		r->state = FEED_REST_HANDSHAKE;
		rc = feed_tls_handshake(&r->tls); /* queues the ClientHello */
		rc = rc == -EAGAIN ? 0 : rc;
	} else if (rc == 0) {
		r->state = FEED_REST_READY;
	}
	if (rc < 0) {
		rest_set_err(r, "TLS: %s", r->tls.err);
		rest_conn_fail(r, rc == -ENOMEM ? -ENOMEM : -EPROTO);
		return;
	}
	rest_recv(r);
	rest_flush(r);
	rest_kick(r, now);
}

/* A response is whole: answer the head, keep or drop the connection. */
static void rest_on_response(struct feed_rest *r, int extra, int64_t now)
{
	int keep = !r->http.resp.close && !extra;

	r->active = 0;
	r->got_bytes = 0;
	r->dl_req = 0;
	r->answered++;
	rest_answer(r, 0, 0, &r->http.resp);
	if (!keep)
		rest_close(r);
	rest_kick(r, now);
}

/* Decrypted (or plain) bytes. Returns 0, or -1 when the connection ended. */
static int rest_plain(struct feed_rest *r, const uint8_t *p, size_t n, int64_t now)
{
	uint64_t gen = r->gen;
	size_t used = 0;
	int rc;

	if (!r->active) {
		rest_set_err(r, "%zu bytes from the server with no request on the wire", n);
		rest_conn_fail(r, -EBADMSG);
		return -1;
	}
	r->got_bytes = 1;
	rc = feed_http_input(&r->http, p, n, &used);
	if (rc < 0) {
		rest_set_err(r, "HTTP: %s", r->http.err);
		rest_conn_fail(r, rc);
		return -1;
	}
	if (rc == 1) {
		rest_on_response(r, used < n, now);
		if (r->gen != gen || r->fd < 0)
			return -1;
	}
	return 0;
}

/* TLS: handshake, then decrypt what the window holds. */
static int rest_tls_input(struct feed_rest *r, int64_t now)
{
	for (;;) {
		size_t got = 0;
		int rc;

		if (!r->tls.handshake_done) {
			rc = feed_tls_handshake(&r->tls);
			if (rc == -EAGAIN)
				return 0;
			if (rc < 0) {
				rest_set_err(r, "TLS: %s", r->tls.err);
				rest_conn_fail(r, -EPROTO);
				return -1;
			}
			r->state = FEED_REST_READY;
			rest_kick(r, now);
			if (r->fd < 0)
				return -1;
		}
		rc = feed_tls_read(&r->tls, r->plain, FEED_REST_BUF, &got);
		if (rc == -EAGAIN)
			return 0;
		if (rc < 0) {
			if (rc == -ECONNRESET)
				return 1; /* close_notify: as EOF */
			rest_set_err(r, "TLS: %s", r->tls.err);
			rest_conn_fail(r, -EPROTO);
			return -1;
		}
		if (rest_plain(r, r->plain, got, now) < 0)
			return -1;
	}
}

/* The server closed: a body running to the close ends here. */
static void rest_on_eof(struct feed_rest *r, int64_t now)
{
	int rc;

	if (!r->active) {
		rest_close(r); /* an idle keep-alive connection timed out */
		rest_kick(r, now);
		return;
	}
	rc = r->got_bytes ? feed_http_eof(&r->http) : 0;
	if (rc == 1) {
		rest_on_response(r, 1, now);
		return;
	}
	rest_set_err(r, "connection closed by the server %s",
		     r->got_bytes ? "in the middle of the response" : "before answering");
	rest_conn_fail(r, -ECONNRESET);
}

static void rest_on_recv(struct feed_rest *r, int res, int64_t now)
{
	uint64_t gen = r->gen;
	int rc = 0;

	if (res < 0) {
		rest_set_err(r, "recv: %s", strerror(-res));
		rest_conn_fail(r, res);
		return;
	}
	if (res == 0) {
		rest_on_eof(r, now);
		return;
	}
	FEED_KERNEL_WROTE(r->rx, (size_t)res);
	if (!r->cfg.tls) {
		rc = rest_plain(r, r->rx, (size_t)res, now);
	} else {
		feed_tls_push(&r->tls, r->rx, (size_t)res);
		rc = rest_tls_input(r, now);
		if (r->gen == gen && feed_tls_push_end(&r->tls) < 0) {
			rest_set_err(r, "out of memory");
			rest_conn_fail(r, -ENOMEM);
			return;
		}
	}
	if (r->gen != gen || rc < 0)
		return;
	if (rc == 1) {
		rest_on_eof(r, now);
		return;
	}
	rest_flush(r);
	rest_recv(r);
}

static void rest_on_send(struct feed_rest *r, int res)
{
	if (res < 0) {
		rest_set_err(r, "send: %s", strerror(-res));
		rest_conn_fail(r, res);
		return;
	}
	r->out_off += (size_t)res;
	rest_flush(r);
}

void feed_rest_on_cqe(struct feed_rest *r, uint64_t ud, int res, int64_t now)
{
	int current = feed_ud_gen(ud) == r->gen && r->fd >= 0;

	switch (feed_ud_op(ud)) {
	case FEED_OP_REST_CONNECT:
		r->connect_inflight = 0;
		if (current)
			rest_on_connect(r, res, now);
		break;
	case FEED_OP_REST_RECV:
		r->recv_inflight = 0;
		if (current)
			rest_on_recv(r, res, now);
		break;
	case FEED_OP_REST_SEND:
		r->send_inflight = 0;
		if (current)
			rest_on_send(r, res);
		break;
	case FEED_OP_DNS_POLL:
		feed_resolve_on_poll(&r->res, ud, res);
		return;
	default:
		return;
	}
	/* After a failure, or an old connection that drained: the next may start. */
	rest_kick(r, now);
}

int64_t feed_rest_deadline(struct feed_rest *r, int64_t now)
{
	int64_t t = r->dl_req, d;

	for (unsigned k = 0; k < r->q_len; k++) {
		d = r->q[(r->q_head + k) % r->cfg.queue_cap].deadline;
		if (!t || d < t)
			t = d;
	}
	d = feed_resolve_deadline(&r->res, now);
	if (d && (!t || d < t))
		t = d;
	return t;
}

void feed_rest_on_timer(struct feed_rest *r, int64_t now)
{
	struct feed_rest_req *h = rest_head(r);
	int64_t d = feed_resolve_deadline(&r->res, now);

	if (d && d <= now)
		feed_resolve_on_timer(&r->res);
	/* The head's connection or answer is overdue: drop the connection. */
	if (h && r->state != FEED_REST_IDLE && (r->active || r->state != FEED_REST_READY) &&
	    ((r->dl_req && r->dl_req <= now) || h->deadline <= now)) {
		rest_set_err(r, "no answer within %lld ms (%s)", (long long)r->cfg.timeout_ms,
			     r->active ? "request sent" : "connecting");
		rest_conn_fail(r, -ETIMEDOUT);
	}
	rest_kick(r, now);
}

unsigned feed_rest_queued(const struct feed_rest *r)
{
	return r->q_len;
}

const char *feed_rest_error(const struct feed_rest *r)
{
	return r->err;
}

void feed_rest_shutdown(struct feed_rest *r)
{
	if (r->stopping)
		return;
	r->stopping = 1;
	if (r->loop)
		rest_close(r);
	rest_set_err(r, "shutting down");
	while (r->q_len)
		rest_answer(r, 0, -ECANCELED, NULL);
}

int feed_rest_idle(const struct feed_rest *r)
{
	return !r->connect_inflight && !r->recv_inflight && !r->send_inflight;
}

void feed_rest_free(struct feed_rest *r)
{
	if (!r)
		return;
	if (r->loop)
		feed_resolve_free(&r->res);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	feed_tls_free(&r->tls);
	memset(&r->tls, 0, sizeof(r->tls));
	feed_http_free(&r->http);
	free(r->rx);
	free(r->q);
	r->rx = r->plain = r->out = NULL;
	r->q = NULL;
	r->q_len = 0;
}
