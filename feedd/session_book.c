/* SPDX-License-Identifier: MIT */
/* session_book.c: the order books of a connection that carries l2 (struct
 * feed_sbook): its venue's depth events go to the book engine (book/sync.h),
 * whose callbacks land here: L2 ticks to the sink (held while SUBSCRIBING,
 * like other ticks), book views and status words to the segment through
 * the sink, REST snapshots through the daemon's global queue (restq.h) and
 * the session's REST client (rest.h), resubscribes on the connection at the
 * venue's subscribe rate. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_int.h"

#define MS FEED_MS
/* A symbol resubscribed again before it went LIVE waits 500 ms, doubling
 * up to 30 s: a book that never syncs (a checksum we cannot rebuild) must
 * not turn into a subscribe storm against the venue. */
#define SBOOK_RESUB_FIRST_MS 500
#define SBOOK_RESUB_MAX_MS   30000

static const char *const sbook_reasons[] = {
	"none",	     "gap",	 "checksum", "crossed", "stale_snapshot",
	"reconnect", "overflow", "asked",    "reset",
};

static const char *sbook_reason(uint8_t r)
{
	return r < sizeof(sbook_reasons) / sizeof(sbook_reasons[0]) ? sbook_reasons[r] : "?";
}

/* Depth events and REST answers count only on an open connection. */
static int sbook_open(const struct feed_sconn *c)
{
	enum feed_state st = c->fsm.state;

	return st == FEED_ST_SUBSCRIBING || st == FEED_ST_LIVE || st == FEED_ST_STALE;
}

/* ---- the book engine's callbacks ------------------------------------------------ */

/* SUBSCRIBING: an acked stream's ticks wait for the LIVE status (as
 * sess_hold); one that does not fit loses the symbol's stream, which
 * resyncs once LIVE (its next snapshot carries the gap flag). */
static void sbook_hold(struct feed_sconn *c, const struct mdbus_tick *t, uint32_t n)
{
	struct feed_venue_ctx *v = &c->venue;

	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = 0;

		while (i < v->nsyms && v->syms[i].instrument != t[k].instrument)
			i++;
		if (i == v->nsyms)
			continue;
		if ((v->syms[i].acked & FEED_CH_L2) && !c->book->lost[i] &&
		    c->nheld < FEED_SESSION_TICKS) {
			c->held[c->nheld++] = t[k];
			c->held_used = 1;
		} else {
			c->book->lost[i] = 1;
		}
	}
}

static void sbook_ticks(void *user, const struct mdbus_tick *t, uint32_t n)
{
	struct feed_sconn *c = user;

	if (c->fsm.state == FEED_ST_LIVE) {
		feed_lat_ticks(&c->sess->lat, t, n);
		if (feed_sink_publish(c->host.sink, t, n, c->rx_mono) == 0)
			c->st.ticks += n;
	} else if (c->fsm.state == FEED_ST_SUBSCRIBING) {
		sbook_hold(c, t, n);
	}
}

static void sbook_publish(void *user, uint32_t sym, const struct mdbus_book_update *u)
{
	struct feed_sconn *c = user;

	feed_sink_book_publish(c->host.sink, c->book->handle[sym], u);
}

/* LIVE / RESYNCING: the book's status word and the instrument's health
 * word; a checksum mismatch also publishes the view (status RESYNCING,
 * verdict MISMATCH, counters) so readers see why. */
static void sbook_status(void *user, uint32_t sym, uint32_t status)
{
	struct feed_sconn *c = user;
	struct feed_sbook *b = c->book;
	const struct feed_book_inst *in = &b->sync.inst[sym];
	uint32_t id = c->venue.syms[sym].instrument;
	struct mdbus_book_update u;

	feed_sink_book_status(c->host.sink, b->handle[sym], id, status);
	if (status == MDBUS_BOOK_LIVE) {
		b->resub_n[sym] = 0;
		feed_log(FEED_LOG_INFO, FEED_SESS_KV(c), LOG_EV("book_live"),
			 LOG_S("symbol", c->venue.syms[sym].norm), LOG_U("update_id", in->last_id));
		return;
	}
	if (status != MDBUS_BOOK_RESYNCING)
		return;
	if (in->last_reason == FEED_BOOK_RS_CHECKSUM && feed_book_sync_view(&b->sync, sym, &u) == 0)
		feed_sink_book_publish(c->host.sink, b->handle[sym], &u);
	feed_log(in->last_reason == FEED_BOOK_RS_RECONNECT ? FEED_LOG_INFO : FEED_LOG_WARN,
		 FEED_SESS_KV(c), LOG_EV("book_resync"), LOG_S("symbol", c->venue.syms[sym].norm),
		 LOG_S("reason", sbook_reason(in->last_reason)), LOG_U("resyncs", in->resyncs),
		 LOG_U("checksum_fails", in->checksum_fails));
}

/* A REST snapshot of sym: into the daemon's queue (once per instrument). */
static void sbook_need_snapshot(void *user, uint32_t sym)
{
	struct feed_sconn *c = user;
	uint32_t w = c->venue.ops->book.rest_weight ? c->venue.ops->book.rest_weight : 1;
	int rc;

	if (!c->host.restq || !c->host.rest) {
		feed_log(FEED_LOG_ERROR, FEED_SESS_KV(c), LOG_EV("book_rest"),
			 LOG_S("symbol", c->venue.syms[sym].norm),
			 LOG_S("reason", "no REST client for this session"));
		return;
	}
	rc = feed_restq_push(c->host.restq, c->host.rest_venue, c->venue.syms[sym].instrument, w,
			     c->slot, feed_now_ns());
	if (rc < 0 && rc != -EALREADY)
		feed_log(FEED_LOG_WARN, FEED_SESS_KV(c), LOG_EV("book_rest"),
			 LOG_S("symbol", c->venue.syms[sym].norm), LOG_S("reason", strerror(-rc)),
			 LOG_S("effect", "asked again on the next buffer overflow"));
}

static int64_t sbook_resub_delay(uint8_t n)
{
	int64_t ms = SBOOK_RESUB_FIRST_MS;

	if (n == 0)
		return 0;
	while (--n > 0 && ms < SBOOK_RESUB_MAX_MS)
		ms *= 2;
	return (ms < SBOOK_RESUB_MAX_MS ? ms : SBOOK_RESUB_MAX_MS) * MS;
}

/* The earliest pending resubscribe, never sooner than the venue's
 * subscribe interval after the last message; 0 when none waits. */
static int64_t sbook_resub_next(const struct feed_sconn *c)
{
	const struct feed_sbook *b = c->book;
	int64_t t = 0, floor = c->sub_last_ns + (int64_t)c->venue.ops->limits.req_interval_ms * MS;

	for (uint32_t i = 0; b->nresub && i < c->venue.nsyms; i++)
		if (b->resub[i] && (!t || b->resub_at[i] < t))
			t = b->resub_at[i];
	return t && t < floor ? floor : t;
}

static void sbook_resubscribe(void *user, uint32_t sym)
{
	struct feed_sconn *c = user;
	struct feed_sbook *b = c->book;

	if (!c->venue.ops->book.resubscribe_msgs || b->resub[sym])
		return;
	b->resub_at[sym] = feed_now_ns() + sbook_resub_delay(b->resub_n[sym]);
	if (b->resub_n[sym] < UINT8_MAX)
		b->resub_n[sym]++;
	b->resub[sym] = 1;
	b->nresub++;
	b->dl_resub = sbook_resub_next(c);
}

/* ---- set-up ----------------------------------------------------------------------- */

static int sbook_alloc(struct feed_sconn *c, struct feed_sbook **out)
{
	uint32_t n = c->venue.nsyms;
	struct feed_sbook *b = calloc(1, sizeof(*b));

	*out = b;
	if (!b)
		return -ENOMEM;
	b->handle = malloc(n * sizeof(*b->handle));
	b->lost = calloc(n, 1);
	b->resub = calloc(n, 1);
	b->resub_n = calloc(n, 1);
	b->resub_at = calloc(n, sizeof(*b->resub_at));
	if (!b->handle || !b->lost || !b->resub || !b->resub_n || !b->resub_at)
		return -ENOMEM;
	memset(b->handle, 0xff, n * sizeof(*b->handle));
	return 0;
}

int feed_sbook_init(struct feed_sconn *c, char *err, size_t errlen)
{
	const struct feed_venue_ops *ops = c->venue.ops;
	struct feed_book_sync_params p = {.book_depth = c->cfg->book_depth};
	struct feed_book_cb cb = {.user = c,
				  .ticks = sbook_ticks,
				  .publish = sbook_publish,
				  .status = sbook_status,
				  .need_snapshot = sbook_need_snapshot,
				  .resubscribe = sbook_resubscribe};
	int rc;

	if (!(c->venue.channels & FEED_CH_L2) || c->venue.nsyms == 0)
		return 0;
	if (!ops->book.sync) {
		snprintf(err, errlen, "venue %s keeps no order book", ops->name);
		return -EINVAL;
	}
	if (!p.book_depth)
		p.book_depth = FEED_BOOK_DEPTH_DEFAULT;
	rc = sbook_alloc(c, &c->book);
	if (rc == 0)
		rc = feed_book_sync_init(&c->book->sync, &ops->book, &c->venue, c->venue.nsyms, &p,
					 &cb, c->host.scratch->book_ticks, FEED_SESSION_TICKS);
	if (rc < 0)
		snprintf(err, errlen, "order books: %s", strerror(-rc));
	return rc;
}

void feed_sbook_free(struct feed_sconn *c)
{
	struct feed_sbook *b = c->book;

	if (!b)
		return;
	feed_book_sync_free(&b->sync);
	free(b->handle);
	free(b->lost);
	free(b->resub);
	free(b->resub_n);
	free(b->resub_at);
	free(b);
	c->book = NULL;
}

int feed_sbook_add(struct feed_sconn *c)
{
	struct feed_sbook *b = c->book;
	int rc;

	for (uint32_t i = 0; b && i < c->venue.nsyms; i++) {
		uint32_t id = c->venue.syms[i].instrument;

		rc = feed_sink_book_add(c->host.sink, id, b->sync.depth, &b->handle[i]);
		if (rc < 0)
			return rc;
		feed_book_sync_set_instrument(&b->sync, i, id);
	}
	return 0;
}

/* ---- the connection's life ------------------------------------------------------------ */

void feed_sbook_start(struct feed_sconn *c)
{
	struct feed_sbook *b = c->book;

	if (!b)
		return;
	memset(b->resub, 0, c->venue.nsyms);
	b->nresub = 0;
	b->dl_resub = 0;
	for (uint32_t i = 0; i < c->venue.nsyms; i++) {
		b->lost[i] = 0;
		feed_book_sync_start(&b->sync, i);
	}
}

void feed_sbook_live(struct feed_sconn *c)
{
	struct feed_sbook *b = c->book;

	for (uint32_t i = 0; b && i < c->venue.nsyms; i++) {
		/* The UP status just set the health word LIVE: a book still
		 * resyncing since the reconnect says so again. */
		if (b->sync.inst[i].state == FEED_BOOK_ST_RESYNCING)
			feed_sink_book_status(c->host.sink, b->handle[i],
					      c->venue.syms[i].instrument, MDBUS_BOOK_RESYNCING);
		if (!b->lost[i])
			continue;
		b->lost[i] = 0;
		feed_log(FEED_LOG_WARN, FEED_SESS_KV(c), LOG_EV("book_ticks_lost"),
			 LOG_S("symbol", c->venue.syms[i].norm),
			 LOG_S("reason", "L2 ticks did not fit while subscribing"),
			 LOG_S("effect", "resync"));
		feed_book_sync_resync(&b->sync, i);
	}
}

void feed_sbook_event(struct feed_sconn *c, const struct feed_book_ev *ev)
{
	if (c->book && ev && sbook_open(c))
		feed_book_sync_event(&c->book->sync, ev);
}

void feed_sbook_status(struct feed_sconn *c, uint32_t code)
{
	struct feed_sbook *b = c->book;
	uint32_t st;

	if (!b || code == MDBUS_STATUS_UP)
		return;
	st = code == MDBUS_STATUS_STALE ? MDBUS_BOOK_STALE : MDBUS_BOOK_DOWN;
	for (uint32_t i = 0; i < c->venue.nsyms; i++)
		if (b->handle[i] != UINT32_MAX)
			feed_sink_book_status(c->host.sink, b->handle[i],
					      c->venue.syms[i].instrument, st);
}

void feed_sbook_closed(struct feed_sconn *c)
{
	if (!c->book)
		return;
	if (c->host.restq)
		feed_restq_cancel_owner(c->host.restq, c->slot);
	memset(c->book->resub, 0, c->venue.nsyms);
	c->book->nresub = 0;
	c->book->dl_resub = 0;
}

/* ---- resubscribes ------------------------------------------------------------------ */

/* The next due symbol's unsubscribe and subscribe texts. Returns 1 when
 * one was sent, 0 when none is due. */
static int sbook_send_resub(struct feed_sconn *c, int64_t now)
{
	struct feed_sbook *b = c->book;
	char *un = c->host.scratch->subbuf, *sub = un + FEED_SUB_BUF / 2;
	size_t unn = 0, subn = 0;
	uint32_t i = 0;
	int rc;

	while (i < c->venue.nsyms && (!b->resub[i] || b->resub_at[i] > now))
		i++;
	if (i == c->venue.nsyms)
		return 0;
	b->resub[i] = 0;
	b->nresub--;
	rc = c->venue.ops->book.resubscribe_msgs(&c->venue, i, un, FEED_SUB_BUF / 2, &unn, sub,
						 FEED_SUB_BUF / 2, &subn);
	if (rc == 0 && unn > 0)
		rc = feed_conn_send_text(&c->conn, un, unn);
	if (rc == 0 && subn > 0)
		rc = feed_conn_send_text(&c->conn, sub, subn);
	feed_log(rc == 0 ? FEED_LOG_INFO : FEED_LOG_WARN, FEED_SESS_KV(c),
		 LOG_EV("book_resubscribe"), LOG_S("symbol", c->venue.syms[i].norm),
		 LOG_U("attempt", b->resub_n[i]),
		 LOG_U("checksum_fails", b->sync.inst[i].checksum_fails),
		 LOG_S("result", rc == 0 ? "sent" : strerror(-rc)));
	c->sub_last_ns = now; /* the caller flushes the connection's output */
	return 1;
}

int64_t feed_sbook_deadline(const struct feed_sconn *c)
{
	return c->book ? c->book->dl_resub : 0;
}

void feed_sbook_on_timer(struct feed_sconn *c, int64_t now)
{
	struct feed_sbook *b = c->book;

	if (!b || !b->dl_resub || now < b->dl_resub)
		return;
	b->dl_resub = 0;
	if (!sbook_open(c))
		return;
	/* One message per subscribe interval; all that are due without one. */
	while (sbook_send_resub(c, now) && c->venue.ops->limits.req_interval_ms == 0)
		;
	b->dl_resub = sbook_resub_next(c);
}

/* ---- REST snapshots ---------------------------------------------------------------- */

/* The answer for sym (status: HTTP or -errno): to the engine, or asked
 * again (retry: 429/418/5xx/transport, after the queue's pause), or a
 * resync. */
static void sbook_rest_answer(struct feed_sconn *c, uint32_t sym, int status,
			      const struct feed_http_resp *resp, int retry)
{
	struct feed_sbook *b = c->book;
	struct feed_book_ev ev;
	const char *why = status < 0 ? strerror(-status) : "http status";

	if (status == 200) {
		memset(&ev, 0, sizeof(ev));
		if (c->venue.ops->book.rest_parse(&c->venue, sym, resp->body, resp->body_len,
						  &ev) == 0) {
			ev.sym = sym;
			if (!ev.recv_ts)
				ev.recv_ts = feed_wall_ns();
			feed_log(FEED_LOG_INFO, FEED_SESS_KV(c), LOG_EV("book_snapshot"),
				 LOG_S("symbol", c->venue.syms[sym].norm),
				 LOG_U("last_id", ev.last_id), LOG_U("bids", ev.nbids),
				 LOG_U("asks", ev.nasks), LOG_U("rest_weight", b->rest_weight));
			feed_book_sync_rest(&b->sync, &ev);
			return;
		}
		why = c->venue.reason;
	}
	if (status == 429 || status == 418)
		b->rest_429++;
	else
		b->rest_errors++;
	feed_log(FEED_LOG_WARN, FEED_SESS_KV(c), LOG_EV("book_rest"),
		 LOG_S("symbol", c->venue.syms[sym].norm), LOG_I("http", status),
		 LOG_S("reason", why), LOG_U("rest_429", b->rest_429),
		 LOG_U("rest_weight", b->rest_weight),
		 LOG_S("effect", retry ? "retry after the venue's pause" : "resync"));
	if (retry)
		sbook_need_snapshot(c, sym);
	else
		feed_book_sync_resync(&b->sync, sym);
}

static void sbook_rest_cb(void *ud, int err, const struct feed_http_resp *resp)
{
	struct feed_sbook_req *r = ud;
	const struct feed_restq_item *it = feed_restq_item(r->q, r->qid);
	int status = err < 0 || !resp ? (err < 0 ? err : -EPROTO) : resp->status;
	int cancelled = !it || it->cancelled, retry;
	struct feed_sconn *c = r->c;

	retry = feed_restq_done(r->q, r->qid, status, resp ? resp->weight : -1,
				resp ? resp->retry_after_s : -1, feed_now_ns());
	if (cancelled || !c->book || !sbook_open(c))
		return; /* its connection closed: the new one asks again */
	c->book->rest_weight += c->venue.ops->book.rest_weight;
	sbook_rest_answer(c, r->sym, status, resp, retry > 0);
}

int feed_sbook_get(struct feed_sconn *c, uint32_t qid, uint32_t sym, const char *path,
		   feed_rest_cb cb, int64_t now)
{
	struct feed_sbook_req *r = &c->host.rreq[qid];

	r->q = c->host.restq;
	r->c = c;
	r->sym = sym;
	r->qid = qid;
	return feed_rest_get(c->host.rest, path, cb, r, now);
}

int feed_session_book_fetch(struct feed_session *s, unsigned k, uint32_t qid, uint32_t key,
			    int64_t now)
{
	char path[FEED_REST_PATH_MAX];
	struct feed_sconn *c;
	size_t n = 0;
	uint32_t sym = 0;
	int rc;

	if (k >= s->nconns || !s->host.rest || !s->host.rreq)
		return -ENOENT;
	c = &s->conns[k];
	if (FEED_FB_IS_KEY(key))
		return feed_sfb_fetch(c, qid, key, now);
	if (!c->book || !sbook_open(c) || !c->venue.ops->book.rest_snapshot)
		return -ENOENT;
	while (sym < c->venue.nsyms && c->venue.syms[sym].instrument != key)
		sym++;
	if (sym == c->venue.nsyms)
		return -ENOENT;
	rc = c->venue.ops->book.rest_snapshot(&c->venue, sym, path, sizeof(path) - 1, &n);
	if (rc < 0)
		return rc;
	path[n] = '\0';
	rc = feed_sbook_get(c, qid, sym, path, sbook_rest_cb, now);
	if (rc == 0) {
		c->book->rest_requests++;
		feed_log(FEED_LOG_DEBUG, FEED_SESS_KV(c), LOG_EV("book_rest_get"),
			 LOG_S("symbol", c->venue.syms[sym].norm), LOG_S("path", path));
	}
	return rc;
}
