/* SPDX-License-Identifier: MIT */
/*
 * conn.c: one client connection of mdbus-sim: TLS on the socket (OpenSSL,
 * non-blocking), the HTTP/1.1 upgrade, then WebSocket frames through wslay's
 * frame layer (server frames unmasked, client frames must be masked).
 *
 * Bytes flow through two plaintext buffers: `in` (read from TLS or the
 * socket, then parsed) and `out` (frames and HTTP text, written when the
 * socket is writable). wslay's frame callbacks only copy between these
 * buffers, so the frame layer never blocks and never sees a socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "sim.h"

#define CONN_WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* ---- wslay frame callbacks: memory only --------------------------------------------- */

static ssize_t conn_ws_send(const uint8_t *data, size_t len, int flags, void *ud)
{
	struct sim_conn *c = ud;

	(void)flags;
	if (sim_buf_append(&c->out, data, len) < 0)
		return -1;
	return (ssize_t)len;
}

static ssize_t conn_ws_recv(uint8_t *buf, size_t len, int flags, void *ud)
{
	struct sim_conn *c = ud;

	(void)flags;
	if (c->in.len == 0)
		return -1; /* wslay turns this into WSLAY_ERR_WANT_READ */
	if (len > c->in.len)
		len = c->in.len;
	memcpy(buf, c->in.p + c->in.off, len);
	sim_buf_consume(&c->in, len);
	return (ssize_t)len;
}

static int conn_ws_genmask(uint8_t *buf, size_t len, void *ud)
{
	(void)ud;
	memset(buf, 0, len); /* server frames are never masked */
	return 0;
}

/* ---- life cycle --------------------------------------------------------------------- */

__attribute__((format(printf, 2, 3))) static void conn_log(const struct sim_conn *c,
							   const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mdbus-sim: conn %" PRIu64 ": ", c->id);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *conn_ssl_err(void)
{
	static char buf[256];
	unsigned long e = ERR_get_error();

	if (!e)
		return "connection closed";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

int sim_conn_new(struct sim_server *s, int fd, struct sim_conn **out)
{
	static const struct wslay_frame_callbacks cbs = {conn_ws_send, conn_ws_recv,
							 conn_ws_genmask};
	struct sim_conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (!c)
		return -ENOMEM;
	c->fd = fd;
	c->srv = s;
	c->id = ++s->next_id;
	c->state = s->ssl_ctx ? SIM_CS_TLS : SIM_CS_HTTP;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		goto err;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (wslay_frame_context_init(&c->wf, &cbs, c) != 0)
		goto err;
	if (s->ssl_ctx) {
		c->ssl = SSL_new(s->faults.badcert && s->bad_ctx ? s->bad_ctx : s->ssl_ctx);
		if (!c->ssl || !SSL_set_fd(c->ssl, fd))
			goto err;
		SSL_set_accept_state(c->ssl);
	}
	*out = c;
	return 0;
err:
	if (c->ssl)
		SSL_free(c->ssl);
	if (c->wf)
		wslay_frame_context_free(c->wf);
	free(c);
	return -ENOMEM;
}

void sim_conn_free(struct sim_conn *c, int rst)
{
	if (!c)
		return;
	if (rst) {
		/* SO_LINGER 0: close() sends RST instead of FIN */
		struct linger lg = {1, 0};
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	SSL_free(c->ssl);
	close(c->fd);
	wslay_frame_context_free(c->wf);
	sim_buf_free(&c->in);
	sim_buf_free(&c->out);
	sim_buf_free(&c->msg);
	free(c);
}

/* ---- output ------------------------------------------------------------------------- */

int sim_conn_send_frame(struct sim_conn *c, uint8_t opcode, const void *p, size_t n)
{
	struct wslay_frame_iocb io = {.fin = 1,
				      .rsv = 0,
				      .opcode = opcode,
				      .payload_length = n,
				      .mask = 0,
				      .data = p,
				      .data_length = n};
	ssize_t r;

	if (c->out.len + n > SIM_OUT_MAX) {
		conn_log(c, "dropped: client too slow (%zu bytes queued)", c->out.len);
		c->state = SIM_CS_DEAD;
		return -ENOBUFS;
	}
	r = wslay_frame_send(c->wf, &io);
	/* conn_ws_send takes everything, so a frame always goes out whole */
	return r < 0 || (size_t)r != n ? -EIO : 0;
}

int sim_conn_send_msg(struct sim_conn *c, int sym, uint8_t kind, const void *p, size_t n)
{
	const struct sim_dialect *d = c->l->d;
	struct sim_buf out = {0};
	uint8_t opcode = WSLAY_TEXT_FRAME;
	int r = d->frame ? d->frame(&c->l->venue, c->mode, sym, kind, p, n, &out, &opcode) : 0;

	if (r == SIM_FRAME_DROP)
		r = 0; /* silent on this connection */
	else if (r > 0)
		r = sim_conn_send_frame(c, opcode, out.p ? out.p + out.off : NULL, out.len);
	else if (r == 0)
		r = sim_conn_send_frame(c, WSLAY_TEXT_FRAME, p, n);
	sim_buf_free(&out);
	return r;
}

/* --record: one JSON line for the message of step e sent to c. Exact
 * decimals as strings; side is the taker's; exch_ts in ns or null. */
static void conn_record(struct sim_conn *c, FILE *f, const struct sim_last *e)
{
	const struct sim_listener *l = c->l;
	const struct sim_symbol *y = &l->venue.sym[e->sym];
	char a[40], b[40], d[40], q[40], ts[32] = "null";

	if (!e->no_ts)
		snprintf(ts, sizeof(ts), "%" PRId64, e->ms * 1000000);
	fprintf(f,
		"{\"listener\":%d,\"venue\":\"%s\",\"conn\":%" PRIu64
		",\"symbol\":\"%s\",\"native\":\"%s\",",
		(int)(l - c->srv->lst), l->d->name, c->id, y->norm, y->native);
	if (e->kind == SIM_STREAM_TRADE) {
		sim_dec(e->px, 8, a, sizeof(a));
		sim_dec(e->qty, 8, b, sizeof(b));
		fprintf(f,
			"\"kind\":\"trade\",\"price\":\"%s\",\"qty\":\"%s\",\"side\":\"%s\","
			"\"trade_id\":\"%s\",\"exch_ts\":%s,\"snapshot\":%s}\n",
			a, b, e->buyer_maker ? "sell" : "buy", e->id, ts,
			e->snapshot ? "true" : "false");
	} else {
		sim_dec(e->bid, 8, a, sizeof(a));
		sim_dec(e->bid_qty, 8, b, sizeof(b));
		sim_dec(e->ask, 8, d, sizeof(d));
		sim_dec(e->ask_qty, 8, q, sizeof(q));
		fprintf(f,
			"\"kind\":\"bbo\",\"bid_px\":\"%s\",\"bid_qty\":\"%s\",\"ask_px\":"
			"\"%s\",\"ask_qty\":\"%s\",\"update_id\":%" PRIu64
			",\"exch_ts\":%s,\"snapshot\":%s}\n",
			a, b, d, q, e->update_id, ts, e->snapshot ? "true" : "false");
	}
	fflush(f);
}

int sim_conn_send_data(struct sim_conn *c, int sym, uint8_t kind, const void *p, size_t n,
		       const struct sim_last *e)
{
	struct sim_server *s = c->srv;
	int r = sim_conn_send_msg(c, sym, kind, p, n);

	s->stats.messages_sent++;
	c->l->messages_sent++;
	if (kind == SIM_STREAM_TRADE)
		s->stats.trades_sent++;
	else if (kind == SIM_STREAM_BBO)
		s->stats.bbo_sent++;
	else if (kind == SIM_STREAM_DEPTH)
		s->stats.depth_sent++;
	if (e && kind && sym >= 0 && e->kind == kind && e->sym == (uint32_t)sym)
		sim_conn_record(c, e);
	return r;
}

static void conn_record_levels(FILE *f, const struct sim_lvl *lv, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		char px[40], qty[40];

		sim_dec(lv[k].px, 8, px, sizeof(px));
		sim_dec(lv[k].qty, 8, qty, sizeof(qty));
		fprintf(f, "%s[\"%s\",\"%s\"]", k ? "," : "", px, qty);
	}
}

void sim_conn_record_depth(struct sim_conn *c, uint32_t sym, const struct sim_book_ev *ev)
{
	const struct sim_listener *l = c->l;
	const struct sim_symbol *y = &l->venue.sym[sym];
	FILE *f = c->srv->rec;

	if (!f)
		return;
	fprintf(f,
		"{\"listener\":%d,\"venue\":\"%s\",\"conn\":%" PRIu64
		",\"symbol\":\"%s\",\"native\":\"%s\",\"kind\":\"depth\",\"snapshot\":%s,"
		"\"first_id\":%" PRIu64 ",\"last_id\":%" PRIu64 ",\"prev_id\":%" PRIu64
		",\"seq\":%" PRIu64 ",\"bids\":[",
		(int)(l - c->srv->lst), l->d->name, c->id, y->norm, y->native,
		ev->snapshot ? "true" : "false", ev->first_id, ev->last_id, ev->prev_id, ev->seq);
	conn_record_levels(f, ev->bids, ev->nb);
	fprintf(f, "],\"asks\":[");
	conn_record_levels(f, ev->asks, ev->na);
	fprintf(f, "]}\n");
	fflush(f);
}

void sim_conn_record(struct sim_conn *c, const struct sim_last *e)
{
	if (c->srv->rec && e->kind)
		conn_record(c, c->srv->rec, e);
}

int sim_conn_send_close(struct sim_conn *c, uint16_t code, const char *reason, int64_t now_ns)
{
	uint8_t p[125];
	size_t n = strlen(reason);

	if (n > sizeof(p) - 2)
		n = sizeof(p) - 2;
	p[0] = (uint8_t)(code >> 8);
	p[1] = (uint8_t)code;
	/* A close payload is a code plus reason bytes, not a C string. */
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result) */
	memcpy(p + 2, reason, n);
	c->state = SIM_CS_CLOSING;
	c->deadline_ns = now_ns + SIM_CLOSE_GRACE_NS;
	return sim_conn_send_frame(c, WSLAY_CONNECTION_CLOSE, p, n + 2);
}

/* Half-closes once everything queued is out: TLS close_notify, then FIN. The
 * connection is freed when the peer closes too (or at the deadline), so
 * unread bytes never turn our close into a RST. */
static void conn_shutdown(struct sim_conn *c)
{
	if (c->ssl) {
		ERR_clear_error();
		SSL_shutdown(c->ssl);
	}
	shutdown(c->fd, SHUT_WR);
	c->close_after_out = 2;
	if (c->state != SIM_CS_CLOSING) {
		c->state = SIM_CS_CLOSING;
		c->deadline_ns = tools_now_ns(CLOCK_MONOTONIC) + SIM_CLOSE_GRACE_NS;
	}
}

void sim_conn_flush(struct sim_conn *c)
{
	c->want_write = 0;
	while (c->out.len > 0 && c->state != SIM_CS_DEAD) {
		size_t n = c->out.len > 65536 ? 65536 : c->out.len;
		ssize_t w;

		if (c->ssl) {
			int r;
			ERR_clear_error();
			r = SSL_write(c->ssl, c->out.p + c->out.off, (int)n);
			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
					c->want_write = e == SSL_ERROR_WANT_WRITE;
					return;
				}
				conn_log(c, "write failed: %s", conn_ssl_err());
				c->state = SIM_CS_DEAD;
				return;
			}
			w = r;
		} else {
			w = send(c->fd, c->out.p + c->out.off, n, MSG_NOSIGNAL);
			if (w < 0) {
				if (errno == EAGAIN || errno == EINTR) {
					c->want_write = 1;
					return;
				}
				conn_log(c, "write failed: %s", strerror(errno));
				c->state = SIM_CS_DEAD;
				return;
			}
		}
		sim_buf_consume(&c->out, (size_t)w);
	}
	if (c->out.len == 0 && c->close_after_out == 1)
		conn_shutdown(c);
}

/* ---- HTTP upgrade ------------------------------------------------------------------- */

static const char *conn_reason(int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 451:
		return "Unavailable For Legal Reasons";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	default:
		return "Error";
	}
}

static void conn_http_error(struct sim_conn *c, int status, int retry_after, const char *body)
{
	char buf[512];
	char ra[48] = "";
	int n;

	if (retry_after > 0)
		snprintf(ra, sizeof(ra), "Retry-After: %d\r\n", retry_after);
	n = snprintf(buf, sizeof(buf),
		     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n%s"
		     "Connection: close\r\n\r\n%s",
		     status, conn_reason(status), strlen(body), ra, body);
	sim_buf_append(&c->out, buf, (size_t)n);
	conn_log(c, "upgrade refused status=%d %s", status, conn_reason(status));
	c->close_after_out = 1;
	c->state = SIM_CS_CLOSING;
	c->deadline_ns = tools_now_ns(CLOCK_MONOTONIC) + SIM_CLOSE_GRACE_NS;
}

static int conn_accept_key(const char *key, int wrong, char *out, size_t len)
{
	char buf[128];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int n = snprintf(buf, sizeof(buf), "%s%s%s", key, CONN_WS_GUID, wrong ? "x" : "");

	if (n < 0 || (size_t)n >= sizeof(buf) || len < 32)
		return -EINVAL;
	if (!EVP_Digest(buf, (size_t)n, md, &mdlen, EVP_sha1(), NULL))
		return -EIO;
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
	return 0;
}

/* Copies the value of header `name` (case-insensitive) into out. */
static int conn_header(const char *req, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);
	const char *p = strstr(req, "\r\n");

	while (p && p[2] != '\r') {
		const char *line = p + 2, *end = strstr(line, "\r\n"), *v;
		if (!end)
			break;
		if ((size_t)(end - line) > nl && strncasecmp(line, name, nl) == 0 &&
		    line[nl] == ':') {
			size_t n;
			v = line + nl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			n = (size_t)(end - v);
			while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
				n--;
			if (n >= len)
				return -ENOSPC;
			memcpy(out, v, n);
			out[n] = '\0';
			return 0;
		}
		p = end;
	}
	return -ENOENT;
}

static void conn_send_replies(struct sim_conn *c, const struct sim_replies *rep);

/* The dialect's greeting on a new connection (Kraken's status message). */
static void conn_hello(struct sim_conn *c)
{
	struct sim_replies *rep;

	if (!c->l->d->hello || !(rep = calloc(1, sizeof(*rep))))
		return;
	if (c->l->d->hello(&c->l->venue, c->id, tools_now_ns(CLOCK_REALTIME) / 1000000, rep) >= 0)
		conn_send_replies(c, rep);
	free(rep);
}

static void conn_http_respond(struct sim_conn *c, int64_t now_ns)
{
	struct sim_server *s = c->srv;
	char buf[512], accept[64];
	int n;

	if (s->faults.refuse_status) {
		s->stats.refused++;
		conn_http_error(c, s->faults.refuse_status, s->faults.refuse_retry_after,
				"refused by mdbus-sim\n");
		return;
	}
	if (conn_accept_key(c->req_key, s->faults.badaccept, accept, sizeof(accept)) < 0) {
		conn_http_error(c, 400, 0, "bad Sec-WebSocket-Key\n");
		return;
	}
	n = snprintf(buf, sizeof(buf),
		     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		     accept);
	sim_buf_append(&c->out, buf, (size_t)n);
	c->state = SIM_CS_OPEN;
	c->next_ping_ns = now_ns + s->opt.ping_interval_ms * 1000000;
	c->next_beat_ns = now_ns + SIM_BEAT_NS;
	conn_hello(c);
	s->stats.upgrades++;
	c->l->upgrades++;
	conn_log(c, "websocket open path=%s%s", c->req_path,
		 s->faults.badaccept ? " (wrong Sec-WebSocket-Accept)" : "");
}

/* The upgrade's path, as the listener's dialect routes it (and the streams
 * it names). Returns 0, or -1 after answering with an HTTP error. */
static int conn_http_route(struct sim_conn *c, const char *target)
{
	struct sim_listener *l = c->l;
	int status = sim_dialect_route(l->d, &l->venue, target, c->subs, &c->mode);

	if (status == 0)
		return 0;
	conn_http_error(c, status, 0, status == 404 ? "unknown path\n" : "invalid stream\n");
	return -1;
}

/* One request: 1 when it was a plain GET answered by rest.c (the
 * connection stays in SIM_CS_HTTP for the next one), else 0. */
static int conn_http_parse(struct sim_conn *c, int64_t now_ns)
{
	struct sim_server *s = c->srv;
	char req[SIM_REQ_MAX + 1], upgrade[64], target[256];
	uint8_t *end;
	size_t n;

	if (c->in.len == 0)
		return 0; /* nothing yet (and c->in.p may still be NULL) */
	end = memmem(c->in.p + c->in.off, c->in.len, "\r\n\r\n", 4);
	if (!end) {
		if (c->in.len > SIM_REQ_MAX)
			conn_http_error(c, 431, 0, "request too large\n");
		return 0;
	}
	n = (size_t)(end - (c->in.p + c->in.off)) + 4;
	if (n > SIM_REQ_MAX) {
		conn_http_error(c, 431, 0, "request too large\n");
		return 0;
	}
	memcpy(req, c->in.p + c->in.off, n);
	req[n] = '\0';
	sim_buf_consume(&c->in, n);
	if (sscanf(req, "GET %255s HTTP/1.1\r\n", target) != 1) {
		conn_http_error(c, 400, 0, "expected GET ... HTTP/1.1\n");
		return 0;
	}
	snprintf(c->req_path, sizeof(c->req_path), "%s", target);
	if (conn_header(req, "Upgrade", upgrade, sizeof(upgrade)) < 0 &&
	    (c->l->d->rest || sim_refdata_path(c->l->d->name, target))) {
		/* a plain GET: the venue's REST (rest.c), then the next request */
		sim_rest_answer(c, req, target, conn_header);
		return 1; /* another request may follow on this connection */
	}
	if (conn_header(req, "Upgrade", upgrade, sizeof(upgrade)) < 0 ||
	    strcasecmp(upgrade, "websocket") != 0 ||
	    conn_header(req, "Sec-WebSocket-Key", c->req_key, sizeof(c->req_key)) < 0) {
		conn_http_error(c, 400, 0, "not a websocket upgrade\n");
		return 0;
	}
	if (conn_http_route(c, target) < 0)
		return 0;
	if (s->faults.endless_headers) {
		static const char status[] = "HTTP/1.1 101 Switching Protocols\r\n";
		sim_buf_append(&c->out, status, sizeof(status) - 1);
		c->state = SIM_CS_DRIBBLE;
		c->deadline_ns = now_ns + SIM_DRIBBLE_NS;
		conn_log(c, "upgrade response: header lines without an end");
		return 0;
	}
	if (s->faults.delay_handshake_ms > 0) {
		c->state = SIM_CS_DELAY;
		c->deadline_ns = now_ns + s->faults.delay_handshake_ms * 1000000;
		conn_log(c, "upgrade response delayed by %lld ms",
			 (long long)s->faults.delay_handshake_ms);
		return 0;
	}
	conn_http_respond(c, now_ns);
	return 0;
}

/* ---- WebSocket input ---------------------------------------------------------------- */

/* Replies, and the data messages among them (snapshots: counted, recorded). */
static void conn_send_replies(struct sim_conn *c, const struct sim_replies *rep)
{
	for (uint32_t k = 0; k < rep->n; k++) {
		const struct sim_last *e = &rep->data[k];

		if (e->kind)
			sim_conn_send_data(c, (int)e->sym, e->kind, sim_reply(rep, k), rep->len[k],
					   e);
		else
			sim_conn_send_msg(c, -1, 0, sim_reply(rep, k), rep->len[k]);
	}
}

void sim_conn_depth_subscribed(struct sim_conn *c, const uint8_t *before,
			       const struct sim_replies *rep)
{
	struct sim_listener *l = c->l;
	char *buf = c->srv->scratch;

	for (uint32_t i = 0; i < l->venue.nsym && i < SIM_MAX_SYMBOLS; i++) {
		struct sim_book_ev ev;
		int n;

		if (!(c->subs[i] & SIM_STREAM_DEPTH) || (before[i] & SIM_STREAM_DEPTH))
			continue;
		c->book_depth[i] = rep->depth[i];
		if (!(l->d->book_flags & SIM_BOOK_STREAM_SNAPSHOT) || !l->d->depth ||
		    sim_book_snapshot(&l->venue, i, rep->depth[i], &ev) < 0)
			continue;
		n = l->d->depth(&l->venue, i, &ev, c->mode, buf, sizeof(c->srv->scratch));
		if (n > 0) {
			sim_conn_send_data(c, (int)i, SIM_STREAM_DEPTH, buf, (size_t)n, NULL);
			sim_conn_record_depth(c, i, &ev);
		}
	}
}

static void conn_on_message(struct sim_conn *c)
{
	struct sim_server *s = c->srv;
	struct sim_listener *l = c->l;
	struct sim_replies *rep = calloc(1, sizeof(*rep));
	uint8_t before[SIM_MAX_SYMBOLS];
	int r;

	if (!rep) {
		c->state = SIM_CS_DEAD;
		return;
	}
	memcpy(before, c->subs, sizeof(before));
	r = l->d->request(&l->venue, (const char *)c->msg.p + c->msg.off, c->msg.len, c->subs, rep);
	if (r == SIM_REQ_PING) { /* the client's app-level ping */
		s->stats.pings_received++;
		if (c->noping)
			rep->n = 0;
		s->stats.pongs_sent += rep->n ? 1 : 0;
	} else if (r == SIM_REQ_PONG) {
		s->stats.pongs_received++;
	} else {
		s->stats.requests++;
		fprintf(stderr, "mdbus-sim: conn %" PRIu64 ": request %.*s -> %s (streams=%u)\n",
			c->id, (int)(c->msg.len > 300 ? 300 : c->msg.len),
			(const char *)c->msg.p + c->msg.off, sim_reply(rep, 0),
			sim_subs_count(c->subs));
	}
	conn_send_replies(c, rep);
	sim_conn_depth_subscribed(c, before, rep);
	free(rep);
}

static void conn_on_control(struct sim_conn *c, uint8_t op, const uint8_t *p, size_t n,
			    int64_t now_ns)
{
	struct sim_server *s = c->srv;

	if (op == WSLAY_PING) {
		s->stats.pings_received++;
		if (!c->noping && c->state == SIM_CS_OPEN) {
			sim_conn_send_frame(c, WSLAY_PONG, p, n);
			s->stats.pongs_sent++;
		}
	} else if (op == WSLAY_PONG) {
		s->stats.pongs_received++;
	} else if (op == WSLAY_CONNECTION_CLOSE) {
		uint16_t code = n >= 2 ? (uint16_t)(p[0] << 8 | p[1]) : 1005;
		s->stats.closes_received++;
		conn_log(c, "close received code=%u", code);
		if (c->state == SIM_CS_OPEN) {
			/* echo the code, as RFC 6455 5.5.1 asks */
			if (code == 1005)
				sim_conn_send_frame(c, WSLAY_CONNECTION_CLOSE, NULL, 0);
			else
				sim_conn_send_frame(c, WSLAY_CONNECTION_CLOSE, p, 2);
			c->state = SIM_CS_CLOSING;
			c->deadline_ns = now_ns + SIM_CLOSE_GRACE_NS;
		}
		if (!c->close_after_out)
			c->close_after_out = 1;
	}
}

static void conn_ws_input(struct sim_conn *c, int64_t now_ns)
{
	while (c->state == SIM_CS_OPEN || (c->state == SIM_CS_CLOSING && !c->close_after_out)) {
		struct wslay_frame_iocb io;
		ssize_t r = wslay_frame_recv(c->wf, &io);

		if (r == WSLAY_ERR_WANT_READ)
			return;
		if (r < 0 || !io.mask) {
			conn_log(c, "protocol error: %s", r < 0 ? "bad frame" : "unmasked frame");
			sim_conn_send_close(c, 1002, "protocol error", now_ns);
			c->close_after_out = 1;
			return;
		}
		if (io.opcode == WSLAY_TEXT_FRAME || io.opcode == WSLAY_BINARY_FRAME) {
			if (c->frame_got == 0)
				sim_buf_consume(&c->msg, c->msg.len);
		}
		if (wslay_is_ctrl_frame(io.opcode)) {
			/* wslay rejects control frames over 125 bytes; stay safe anyway */
			if (c->frame_got + io.data_length > sizeof(c->ctrl)) {
				sim_conn_send_close(c, 1002, "control frame too long", now_ns);
				c->close_after_out = 1;
				return;
			}
			memcpy(c->ctrl + c->frame_got, io.data, io.data_length);
		} else if (c->msg.len + io.data_length > SIM_IN_MSG_MAX) {
			sim_conn_send_close(c, 1009, "message too big", now_ns);
			c->close_after_out = 1;
			return;
		} else {
			sim_buf_append(&c->msg, io.data, io.data_length);
		}
		c->frame_got += io.data_length;
		if (c->frame_got < io.payload_length)
			continue;
		c->frame_got = 0;
		if (wslay_is_ctrl_frame(io.opcode))
			conn_on_control(c, io.opcode, c->ctrl, (size_t)io.payload_length, now_ns);
		else if (io.fin && c->state == SIM_CS_OPEN)
			conn_on_message(c);
	}
}

/* ---- events ------------------------------------------------------------------------- */

static int conn_read(struct sim_conn *c)
{
	uint8_t buf[16384];

	for (;;) {
		ssize_t n;

		if (c->ssl) {
			int r, e;
			ERR_clear_error();
			r = SSL_read(c->ssl, buf, sizeof(buf));
			if (r > 0) {
				n = r;
			} else {
				e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_READ)
					return 0;
				if (e == SSL_ERROR_WANT_WRITE) {
					c->want_write = 1;
					return 0;
				}
				if (e != SSL_ERROR_ZERO_RETURN && c->close_after_out != 2)
					conn_log(c, "read: %s", conn_ssl_err());
				return -EPIPE;
			}
		} else {
			n = recv(c->fd, buf, sizeof(buf), 0);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return 0;
			if (n <= 0)
				return -EPIPE;
		}
		if (c->close_after_out == 2)
			continue; /* draining after our close: discard */
		if (sim_buf_append(&c->in, buf, (size_t)n) < 0)
			return -ENOMEM;
	}
}

void sim_conn_on_readable(struct sim_conn *c, int64_t now_ns)
{
	int eof;

	if (c->stalled)
		return;
	if (c->state == SIM_CS_TLS) {
		int r, e;

		ERR_clear_error();
		r = SSL_accept(c->ssl);
		if (r != 1) {
			e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
				c->want_write = e == SSL_ERROR_WANT_WRITE;
				return;
			}
			c->srv->stats.tls_failed++;
			conn_log(c, "tls handshake failed: %s", conn_ssl_err());
			c->state = SIM_CS_DEAD;
			return;
		}
		conn_log(c, "tls established %s", SSL_get_version(c->ssl));
		c->state = SIM_CS_HTTP;
	}
	/* Parse what arrived even when the peer closed right after it: a
	 * client's close frame often comes together with its FIN. */
	eof = conn_read(c);
	while (c->state == SIM_CS_HTTP && conn_http_parse(c, now_ns) == 1 && c->in.len)
		; /* plain GETs answered (rest.c), the next one may be here already */
	if (c->state == SIM_CS_OPEN || c->state == SIM_CS_CLOSING)
		conn_ws_input(c, now_ns);
	if (eof < 0) {
		if (c->close_after_out != 2 && c->state != SIM_CS_CLOSING)
			conn_log(c, "peer closed");
		c->state = SIM_CS_DEAD;
	}
}

/* The dialect's periodic messages (heartbeat channels), once a second. */
static void conn_beat(struct sim_conn *c, int64_t now_ns)
{
	struct sim_replies *rep = calloc(1, sizeof(*rep));

	c->next_beat_ns = now_ns + SIM_BEAT_NS;
	if (!rep)
		return;
	if (c->l->d->beat(&c->l->venue, c->subs, tools_now_ns(CLOCK_REALTIME) / 1000000, rep) >= 0)
		conn_send_replies(c, rep);
	free(rep);
}

void sim_conn_on_timer(struct sim_conn *c, int64_t now_ns)
{
	struct sim_server *s = c->srv;

	if (c->state == SIM_CS_DELAY && now_ns >= c->deadline_ns) {
		conn_http_respond(c, now_ns);
	} else if (c->state == SIM_CS_DRIBBLE && now_ns >= c->deadline_ns) {
		char h[64];
		int n = snprintf(h, sizeof(h), "X-Mdbus-Sim-Dribble: %" PRId64 "\r\n", now_ns);
		sim_buf_append(&c->out, h, (size_t)n);
		c->deadline_ns = now_ns + SIM_DRIBBLE_NS;
	} else if (c->state == SIM_CS_CLOSING && now_ns >= c->deadline_ns) {
		c->state = SIM_CS_DEAD;
	} else if (c->state == SIM_CS_OPEN && !c->stalled && now_ns >= c->next_ping_ns) {
		char p[128];
		int64_t now_ms = tools_now_ns(CLOCK_REALTIME) / 1000000;
		int n;

		if (c->l->d->ping) { /* the venue's app-level keepalive */
			n = c->l->d->ping(now_ms, p, sizeof(p));
			if (n > 0)
				sim_conn_send_msg(c, -1, 0, p, (size_t)n);
		} else {
			n = snprintf(p, sizeof(p), "%" PRId64, now_ms);
			sim_conn_send_frame(c, WSLAY_PING, p, (size_t)n);
		}
		s->stats.pings_sent++;
		c->next_ping_ns = now_ns + s->opt.ping_interval_ms * 1000000;
	}
	if (c->state == SIM_CS_OPEN && !c->stalled && c->l->d->beat && now_ns >= c->next_beat_ns)
		conn_beat(c, now_ns);
}
