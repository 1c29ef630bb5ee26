/* SPDX-License-Identifier: MIT */
/*
 * conn.c - TLS + HTTP upgrade + WebSocket as one I/O-free object (conn.h).
 *
 * Data path: received ciphertext (read in place) -> SSL_read into `plain` -> the
 * upgrade parser until the 101, then the WebSocket frame layer, which calls
 * back with whole messages.  Outgoing frames -> SSL_write -> wbio -> `out`
 * staging, taken by the owner with feed_conn_output/feed_conn_consume.
 */
#include "conn.h"
#include "pages.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest backlog of unsent output before we call the peer too slow. */
#define FEED_CONN_OUT_BACKLOG (8u << 20)
#define FEED_CONN_OUT_CAP     32768 /* staging handed to one send */

/*
 * The block is mapped, not malloc'd: each section starts on a page, only
 * the pages written become resident (a live connection writes the first
 * page of its output staging; the reassembly buffer only for a message
 * split over records or frames), and the header buffer's pages go back to
 * the kernel once the upgrade is done.  ASan builds take it from the heap,
 * where ASan sees overflows and leaks, and release nothing (pages.h).
 */
static void feed_conn_set_err(struct feed_conn *c, enum feed_err_class cls, const char *fmt, ...)
{
	va_list ap;

	c->err_cls = cls;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

/* Fatal for this attempt: remember why, stop reading; output already queued stays. */
static int feed_conn_fail(struct feed_conn *c, enum feed_err_class cls, int err, const char *fmt,
			  ...)
{
	va_list ap;

	c->err_cls = cls;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	c->failed = err;
	c->phase = FEED_CONN_CLOSED;
	return err;
}

/* ws.h sink: frames go through TLS (or straight to the queue in plain mode). */
static int feed_conn_sink(void *ud, const uint8_t *p, size_t n)
{
	struct feed_conn *c = ud;

	if (feed_tls_out_pending(&c->tls) + (c->out_tail - c->out_head) > FEED_CONN_OUT_BACKLOG)
		return -ENOBUFS;
	return feed_tls_write(&c->tls, p, n);
}

static void feed_conn_ws_message(void *ud, const uint8_t *p, size_t n, int binary)
{
	struct feed_conn *c = ud;

	/* A callback forced the connection shut: the rest of this input is not delivered. */
	if (c->phase == FEED_CONN_CLOSED)
		return;
	if (c->cb.on_message)
		c->cb.on_message(c->ud, p, n, binary);
}

static void feed_conn_ws_pong(void *ud, const uint8_t *p, size_t n)
{
	struct feed_conn *c = ud;

	if (c->phase == FEED_CONN_CLOSED)
		return;
	if (c->cb.on_pong)
		c->cb.on_pong(c->ud, p, n);
}

static void feed_conn_ws_close(void *ud, uint16_t code, const char *reason)
{
	struct feed_conn *c = ud;

	/* Both close frames are now out (ws echoed ours if needed): finish with close_notify. */
	if (c->phase != FEED_CONN_CLOSED && !c->ws.failed) {
		/* Peer-initiated (we were OPEN): that is why the connection ends. */
		if (c->phase == FEED_CONN_OPEN && c->err_cls == FEED_ERR_NONE)
			feed_conn_set_err(c, FEED_ERR_SERVER_CLOSE, "server closed: %u%s%s", code,
					  reason && *reason ? " " : "", reason ? reason : "");
		feed_tls_shutdown(&c->tls);
		c->phase = FEED_CONN_CLOSED;
	}
	if (c->cb.on_close)
		c->cb.on_close(c->ud, code, reason);
}

int feed_conn_init(struct feed_conn *c, const struct feed_conn_cfg *cfg,
		   const struct feed_conn_cb *cb, void *ud)
{
	struct feed_ws_cb wcb = {
		.on_message = feed_conn_ws_message,
		.on_pong = feed_conn_ws_pong,
		.on_close = feed_conn_ws_close,
		.sink = feed_conn_sink,
	};
	size_t hdr, own;
	int r;

	memset(c, 0, sizeof(*c));
	if (!cfg || !cb || !cfg->host || !*cfg->host || cfg->max_message == 0 ||
	    strlen(cfg->host) >= sizeof(c->host) ||
	    (cfg->path && strlen(cfg->path) >= sizeof(c->path)) || (cfg->use_tls && !cfg->ssl_ctx))
		return -EINVAL;
	if (cfg->max_message > ((size_t)1 << 40))
		return -EINVAL;
	c->cb = *cb;
	c->ud = ud;
	strcpy(c->host, cfg->host);
	strcpy(c->path, cfg->path && *cfg->path ? cfg->path : "/");
	c->cfg = *cfg;
	c->cfg.host = c->host; /* the copies, not the caller's strings */
	c->cfg.path = c->path;
	c->start_ns = cfg->now_ns;

	/* One block: hdr | out | [plain] | msg, each on a page.  Sized now,
	 * never grown. */
	c->plain_cap = FEED_CONN_PLAIN_CAP;
	c->out_cap = FEED_CONN_OUT_CAP;
	hdr = feed_pages_round(FEED_UPGRADE_HDR_MAX);
	own = cfg->plain ? 0 : feed_pages_round(c->plain_cap);
	c->block_len = feed_pages_round(hdr + c->out_cap + own + c->cfg.max_message);
	c->block = feed_pages_map(c->block_len);
	if (!c->block)
		return -ENOMEM;
	feed_upgrade_init(&c->up, (char *)c->block, FEED_UPGRADE_HDR_MAX);
	c->out = c->block + hdr;
	c->plain = cfg->plain ? cfg->plain : c->out + c->out_cap;
	r = feed_ws_init(&c->ws, c->out + c->out_cap + own, c->cfg.max_message, &wcb, c);
	if (r < 0) {
		feed_pages_unmap(c->block, c->block_len);
		c->block = NULL;
		return r;
	}
	c->phase = c->cfg.use_tls ? FEED_CONN_TLS : FEED_CONN_UPGRADE;
	return 0;
}

static int feed_conn_send_request(struct feed_conn *c)
{
	char req[FEED_CONN_PATH_MAX + FEED_CONN_HOST_MAX + 256];
	size_t n;
	int r;

	r = feed_upgrade_request(&c->up, c->host, c->cfg.port, c->cfg.use_tls, c->path, req,
				 sizeof(req), &n);
	if (r < 0)
		return feed_conn_fail(c, FEED_ERR_INTERNAL, r, "cannot build upgrade request");
	r = feed_tls_write(&c->tls, (const uint8_t *)req, n);
	if (r < 0)
		return feed_conn_fail(c, r == -EPROTO ? FEED_ERR_TLS : FEED_ERR_INTERNAL, r, "%s",
				      c->tls.err);
	c->phase = FEED_CONN_UPGRADE;
	return 0;
}

int feed_conn_start(struct feed_conn *c)
{
	int r;

	if (!c->block)
		return -EINVAL;
	if (c->tls.wbio) /* started before without a reset */
		feed_conn_reset(c);
	r = feed_tls_init(&c->tls, c->cfg.ssl_ctx, c->host, c->cfg.verify, c->cfg.use_tls);
	if (r < 0)
		return feed_conn_fail(c, r == -ENOMEM ? FEED_ERR_INTERNAL : FEED_ERR_TLS, r, "%s",
				      c->tls.err);
	if (!c->cfg.use_tls)
		return feed_conn_send_request(c);
	c->phase = FEED_CONN_TLS;
	r = feed_tls_handshake(&c->tls); /* queues the ClientHello */
	if (r < 0 && r != -EAGAIN)
		return feed_conn_fail(c, FEED_ERR_TLS, r, "%s", c->tls.err);
	return 0;
}

/* Decrypted (or plain) bytes: upgrade response first, then WebSocket frames. */
static int feed_conn_plain(struct feed_conn *c, const uint8_t *p, size_t n)
{
	int r;

	if (c->phase == FEED_CONN_UPGRADE) {
		size_t used = 0;
		r = feed_upgrade_parse(&c->up, p, n, &used);
		if (r == 0)
			return 0;
		if (r < 0)
			return feed_conn_fail(c, FEED_ERR_HTTP, r, "%s", c->up.err);
		c->phase = FEED_CONN_OPEN;
		/* The header block is validated: its pages are not needed
		 * until the next attempt's upgrade. */
		feed_pages_release(c->up.hdr, feed_pages_round(c->up.hdr_cap));
		p += used;
		n -= used;
		if (!c->opened) {
			c->opened = 1;
			if (c->cb.on_open)
				c->cb.on_open(c->ud);
		}
	}
	if (n == 0 || c->phase == FEED_CONN_CLOSED)
		return 0; /* bytes after the close handshake mean nothing */
	r = feed_ws_input(&c->ws, p, n);
	if (r == -EPROTO || r == -EMSGSIZE) {
		if (c->ws_failed)
			return 0; /* reported already: we are draining */
		/*
		 * Our close (1002/1009) is queued.  Report once, then keep reading
		 * and dropping until the peer's close, its close_notify or EOF: a
		 * socket closed with unread data resets the peer's copy of our close.
		 */
		c->ws_failed = r;
		feed_conn_set_err(c, FEED_ERR_WS, "%s", c->ws.err);
		if (c->phase == FEED_CONN_OPEN)
			c->phase = FEED_CONN_CLOSING;
		return r;
	}
	if (r < 0) {
		feed_tls_shutdown(&c->tls);
		return feed_conn_fail(c, FEED_ERR_INTERNAL, r, "%s",
				      c->ws.err[0] ? c->ws.err : "output backlog full");
	}
	return 0;
}

/* feed_conn_plain between the owner's on_chunk calls. */
static int feed_conn_plain_chunk(struct feed_conn *c, const uint8_t *p, size_t n)
{
	int r;

	if (c->cb.on_chunk)
		c->cb.on_chunk(c->ud, 0);
	r = feed_conn_plain(c, p, n);
	if (c->cb.on_chunk)
		c->cb.on_chunk(c->ud, 1);
	return r;
}

static int feed_conn_input_tls(struct feed_conn *c);

int feed_conn_input(struct feed_conn *c, const uint8_t *p, size_t n)
{
	int r;

	if (c->failed)
		return c->failed;
	if (!c->tls.wbio)
		return -ENOTCONN;
	/* After close: only look for the peer's close_notify, never restart a handshake. */
	if (c->phase == FEED_CONN_CLOSED &&
	    (!c->cfg.use_tls || c->tls.peer_closed || !c->tls.handshake_done))
		return 0;
	if (!c->cfg.use_tls) {
		r = feed_conn_plain_chunk(c, p, n);
		return r < 0 ? r : c->failed; /* a callback's send may have failed */
	}

	r = feed_tls_push(&c->tls, p, n);
	if (r < 0)
		return feed_conn_fail(c, FEED_ERR_INTERNAL, r, "%s", c->tls.err);
	r = feed_conn_input_tls(c);
	/* p is the caller's: feed_tls keeps a copy of what OpenSSL did not read (rarely any). */
	if (feed_tls_push_end(&c->tls) == -ENOMEM && r >= 0)
		return feed_conn_fail(c, FEED_ERR_INTERNAL, -ENOMEM, "%s", c->tls.err);
	return r;
}

/* Decrypt what feed_tls_push lent until OpenSSL wants more (every byte read) or an error. */
static int feed_conn_input_tls(struct feed_conn *c)
{
	int r;

	for (;;) {
		size_t got;
		if (!c->tls.handshake_done) {
			r = feed_tls_handshake(&c->tls);
			if (r == -EAGAIN)
				return 0;
			if (r < 0)
				return feed_conn_fail(c, FEED_ERR_TLS, r, "%s", c->tls.err);
			r = feed_conn_send_request(c);
			if (r < 0)
				return r;
		}
		r = feed_tls_read(&c->tls, c->plain, c->plain_cap, &got);
		if (r == -EAGAIN)
			return 0;
		if (r == -ECONNRESET) {
			if (c->phase >= FEED_CONN_CLOSING) {
				/* Expected (or good enough) once we are closing: answer it. */
				feed_tls_shutdown(&c->tls);
				c->phase = FEED_CONN_CLOSED;
				return 0;
			}
			feed_tls_shutdown(&c->tls);
			return feed_conn_fail(c, FEED_ERR_SERVER_CLOSE, -ECONNRESET,
					      "TLS close_notify before WebSocket close (phase %s)",
					      feed_conn_phase_name(c->phase));
		}
		if (r < 0)
			return feed_conn_fail(c, FEED_ERR_TLS, r, "%s", c->tls.err);
		if (c->phase == FEED_CONN_CLOSED)
			continue; /* drain records after the close handshake, keep looking for
				     close_notify */
		r = feed_conn_plain_chunk(c, c->plain, got);
		if (r < 0)
			return r;
		if (c->failed)
			return c->failed; /* a callback's send failed */
	}
}

size_t feed_conn_output(struct feed_conn *c, const uint8_t **p)
{
	if (!c->out) {
		*p = NULL;
		return 0;
	}
	/* Append only: bytes already handed out must not move while a send is in flight. */
	if (c->out_head == c->out_tail)
		c->out_head = c->out_tail = 0;
	c->out_tail += feed_tls_out_take(&c->tls, c->out + c->out_tail, c->out_cap - c->out_tail);
	*p = c->out + c->out_head;
	return c->out_tail - c->out_head;
}

void feed_conn_consume(struct feed_conn *c, size_t n)
{
	size_t have = c->out_tail - c->out_head;

	c->out_head += n < have ? n : have;
	if (c->out_head == c->out_tail)
		c->out_head = c->out_tail = 0;
}

int feed_conn_send_text(struct feed_conn *c, const char *p, size_t n)
{
	int r;

	if (c->phase != FEED_CONN_OPEN || c->failed)
		return -ENOTCONN;
	r = feed_ws_send(&c->ws, WSLAY_TEXT_FRAME, (const uint8_t *)p, n);
	if (r < 0)
		return feed_conn_fail(c, FEED_ERR_INTERNAL, r, "send failed: %s", c->ws.err);
	return 0;
}

int feed_conn_ping(struct feed_conn *c, const uint8_t *p, size_t n)
{
	int r;

	if (n > 125)
		return -EINVAL;
	if (c->phase != FEED_CONN_OPEN || c->failed)
		return -ENOTCONN;
	r = feed_ws_send(&c->ws, WSLAY_PING, p, n);
	if (r < 0)
		return feed_conn_fail(c, FEED_ERR_INTERNAL, r, "ping failed: %s", c->ws.err);
	return 0;
}

int feed_conn_close(struct feed_conn *c, uint16_t code, const char *reason)
{
	int r;

	switch (c->phase) {
	case FEED_CONN_OPEN:
		r = feed_ws_close(&c->ws, code, reason);
		if (r < 0 && r != -EALREADY) {
			feed_conn_shutdown(c);
			return r;
		}
		c->phase = FEED_CONN_CLOSING;
		return 0;
	case FEED_CONN_TLS:
	case FEED_CONN_UPGRADE:
		/* No WebSocket yet: nothing to close politely. */
		feed_conn_shutdown(c);
		return 0;
	case FEED_CONN_CLOSING:
	case FEED_CONN_CLOSED:
		break;
	}
	return 0;
}

void feed_conn_shutdown(struct feed_conn *c)
{
	feed_tls_shutdown(&c->tls);
	c->phase = FEED_CONN_CLOSED;
}

enum feed_conn_phase feed_conn_phase(const struct feed_conn *c)
{
	return c->phase;
}

const char *feed_conn_phase_name(enum feed_conn_phase ph)
{
	switch (ph) {
	case FEED_CONN_TLS:
		return "TLS";
	case FEED_CONN_UPGRADE:
		return "UPGRADE";
	case FEED_CONN_OPEN:
		return "OPEN";
	case FEED_CONN_CLOSING:
		return "CLOSING";
	case FEED_CONN_CLOSED:
		return "CLOSED";
	}
	return "?";
}

const char *feed_conn_error(const struct feed_conn *c, enum feed_err_class *cls)
{
	if (cls)
		*cls = c->err_cls;
	return c->err;
}

int feed_conn_http_status(const struct feed_conn *c)
{
	return c->up.status;
}

int64_t feed_conn_retry_after_ms(const struct feed_conn *c)
{
	return c->up.retry_after_ms;
}

void feed_conn_reset(struct feed_conn *c)
{
	feed_tls_free(&c->tls);
	memset(&c->tls, 0, sizeof(c->tls));
	feed_upgrade_reset(&c->up);
	if (c->ws.msg)
		feed_ws_reset(&c->ws);
	c->out_head = c->out_tail = 0;
	c->opened = 0;
	c->failed = 0;
	c->ws_failed = 0;
	c->err_cls = FEED_ERR_NONE;
	c->err[0] = '\0';
	c->phase = c->cfg.use_tls ? FEED_CONN_TLS : FEED_CONN_UPGRADE;
}

void feed_conn_free(struct feed_conn *c)
{
	if (!c)
		return;
	feed_tls_free(&c->tls);
	feed_ws_free(&c->ws);
	feed_pages_unmap(c->block, c->block_len);
	c->block = NULL;
	c->plain = c->out = NULL;
	c->ws.msg = NULL;
	c->up.hdr = NULL;
	c->out_head = c->out_tail = 0;
}
