/* SPDX-License-Identifier: MIT */
/* session_fb.c: the REST fallback of a session (rest_fallback_after,
 * fallback.h). Each connection keeps a struct feed_fb over its own symbols
 * and channels; the WebSocket counts as down when no connection of the
 * session is LIVE or STALE, and as back when one goes LIVE. Polls go
 * through the daemon's global queue (restq.h, owner: the connection's slot
 * with FEED_SFB_OWNER_BIT, so that a closing connection's book snapshots
 * can be cancelled without its polls) and the session's REST client. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fallback.h"
#include "session_int.h"

static int sfb_ws_up(enum feed_state st)
{
	return st == FEED_ST_LIVE || st == FEED_ST_STALE;
}

void feed_sfb_init(struct feed_sconn *c, int64_t now)
{
	int rc;

	if (c->cfg->rest_fallback_after_ms <= 0)
		return;
	if (!c->host.restq || !c->host.rest || !c->host.rreq) {
		feed_log(FEED_LOG_WARN, FEED_SESS_KV(c), LOG_EV("rest_fallback"),
			 LOG_S("reason", "no REST client for this session"),
			 LOG_S("effect", "no fallback"));
		return;
	}
	rc = feed_fb_init(&c->fb, &c->venue, c->host.restq, c->host.rest_venue,
			  c->slot | FEED_SFB_OWNER_BIT, c->cfg->rest_fallback_after_ms, 0);
	if (rc < 0) {
		feed_log(FEED_LOG_WARN, FEED_SESS_KV(c), LOG_EV("rest_fallback"),
			 LOG_S("reason", rc == -EOPNOTSUPP ? "the venue has no REST ticker/trades"
							   : strerror(-rc)),
			 LOG_S("effect", "no fallback"));
		return;
	}
	feed_log(FEED_LOG_INFO, FEED_SESS_KV(c), LOG_EV("rest_fallback"),
		 LOG_I("after_ms", c->cfg->rest_fallback_after_ms));
	/* The WebSocket is down from the start: a venue that cannot be reached
	 * at start-up is polled after rest_fallback_after like one lost later. */
	feed_fb_ws(&c->fb, 0, now);
	c->fb_wake = now;
}

void feed_sfb_free(struct feed_sconn *c)
{
	if (c->host.restq && c->fb.syms)
		feed_restq_cancel_owner(c->host.restq, c->slot | FEED_SFB_OWNER_BIT);
	feed_fb_free(&c->fb);
	c->fb_wake = 0;
}

/* Connection c left LIVE/STALE for a down state: when no connection of
 * the session is up any more (and none is stopping), every fallback arms. */
void feed_sfb_down(struct feed_sconn *c, int64_t now)
{
	struct feed_session *s = c->sess;

	for (unsigned k = 0; k < s->nconns; k++)
		if (sfb_ws_up(s->conns[k].fsm.state) || s->conns[k].stopping)
			return;
	for (unsigned k = 0; k < s->nconns; k++) {
		struct feed_sconn *o = &s->conns[k];

		if (o->fb.syms && feed_fb_state(&o->fb) == FEED_FB_IDLE) {
			feed_fb_ws(&o->fb, 0, now);
			o->fb_wake = now;
		}
	}
}

/* The words of c's instruments and books as its connection says (polling
 * over): the health word from the connection's state, the books' status
 * from their sync state (a LIVE connection's books resync as after any
 * reconnect). */
static void sfb_restore(struct feed_sconn *c)
{
	enum feed_state st = c->fsm.state;
	uint32_t word = st == FEED_ST_LIVE    ? MDBUS_HEALTH_INSTR_LIVE
			: st == FEED_ST_STALE ? MDBUS_HEALTH_INSTR_STALE
					      : MDBUS_HEALTH_INSTR_DOWN;

	for (uint32_t i = 0; i < c->venue.nsyms; i++) {
		uint32_t id = c->venue.syms[i].instrument, bs = MDBUS_BOOK_DOWN;

		feed_sink_instr_set_health(c->host.sink, id, word);
		if (!c->book || c->book->handle[i] == UINT32_MAX)
			continue;
		if (st == FEED_ST_STALE)
			bs = MDBUS_BOOK_STALE;
		else if (st == FEED_ST_LIVE)
			bs = c->book->sync.inst[i].state == FEED_BOOK_ST_LIVE
				     ? MDBUS_BOOK_LIVE
				     : MDBUS_BOOK_RESYNCING;
		feed_sink_book_status(c->host.sink, c->book->handle[i], id, bs);
	}
}

/* A connection of the session went LIVE: polling ends everywhere. */
void feed_sfb_live(struct feed_sconn *c, int64_t now)
{
	struct feed_session *s = c->sess;

	for (unsigned k = 0; k < s->nconns; k++) {
		struct feed_sconn *o = &s->conns[k];

		if (!o->fb.syms)
			continue;
		o->fb_wake = 0;
		if (feed_fb_ws(&o->fb, 1, now) != FEED_FB_EV_STOP)
			continue;
		feed_log(FEED_LOG_INFO, FEED_SESS_KV(o), LOG_EV("rest_fallback_stop"),
			 LOG_U("ticks", o->fb.st.ticks), LOG_U("answers", o->fb.st.answers),
			 LOG_U("bad", o->fb.st.bad), LOG_U("dup", o->fb.st.dup),
			 LOG_U("live_dup", o->fb.st.live_dup));
		sfb_restore(o);
	}
}

/* Polling: every instrument says REST, and so do its books. */
static void sfb_words(struct feed_sconn *c)
{
	for (uint32_t i = 0; i < c->venue.nsyms; i++) {
		uint32_t id = c->venue.syms[i].instrument;

		feed_sink_instr_set_health(c->host.sink, id, MDBUS_HEALTH_INSTR_REST);
		if (c->book && c->book->handle[i] != UINT32_MAX)
			feed_sink_book_status(c->host.sink, c->book->handle[i], id,
					      MDBUS_BOOK_REST);
	}
}

/* Polling starts after each symbol's last trade on the bus (its ids or
 * time, fallback.h): the first poll's recent trades include the ones the
 * WebSocket published before it went down. */
static void sfb_seed(struct feed_sconn *c)
{
	for (uint32_t i = 0; i < c->venue.nsyms; i++) {
		const struct feed_sink_trade *lt =
			feed_sink_last_trade(c->host.sink, c->venue.syms[i].instrument);

		if (lt)
			(void)feed_fb_seed(&c->fb, i, lt->id, lt->ts, lt->flags);
	}
}

static void sfb_started(struct feed_sconn *c)
{
	sfb_seed(c);
	sfb_words(c);
	feed_log(FEED_LOG_WARN, FEED_SESS_KV(c), LOG_EV("rest_fallback_start"),
		 LOG_U("symbols", c->venue.nsyms),
		 LOG_I("after_ms", c->cfg->rest_fallback_after_ms));
}

/* Shutting down: polling ends, the words follow the connection (DOWN). */
void feed_sfb_stop(struct feed_sconn *c, int64_t now)
{
	if (c->fb.syms && feed_fb_ws(&c->fb, 1, now) == FEED_FB_EV_STOP)
		sfb_restore(c);
	feed_sfb_free(c);
}

/* A status other than UP while polling (FAILED: retries exhausted) leaves
 * the words on REST: the data still comes. */
void feed_sfb_status(struct feed_sconn *c, uint32_t code)
{
	if (code != MDBUS_STATUS_UP && c->fb.syms && feed_fb_polling(&c->fb))
		sfb_words(c);
}

int64_t feed_sfb_deadline(const struct feed_sconn *c)
{
	return c->fb.syms && feed_fb_state(&c->fb) != FEED_FB_IDLE ? c->fb_wake : 0;
}

/* Due: starts polling, queues due polls (the daemon's queue drain, run
 * after the sessions' timers in each loop iteration, sends them). */
void feed_sfb_on_timer(struct feed_sconn *c, int64_t now)
{
	int64_t wake = INT64_MAX;

	if (!c->fb.syms || feed_fb_state(&c->fb) == FEED_FB_IDLE || !c->fb_wake || now < c->fb_wake)
		return;
	if (feed_fb_run(&c->fb, now, &wake) == FEED_FB_EV_START)
		sfb_started(c);
	c->fb_wake = wake == INT64_MAX ? 0 : wake;
}

/* The answer to one poll: ticks to the sink, the request's end to the
 * queue (a retry is not asked: the next poll comes anyway). */
static void sfb_rest_cb(void *ud, int err, const struct feed_http_resp *resp)
{
	struct feed_sbook_req *r = ud;
	const struct feed_restq_item *it = feed_restq_item(r->q, r->qid);
	int status = err < 0 || !resp ? (err < 0 ? err : -EPROTO) : resp->status;
	int cancelled = !it || it->cancelled, n;
	struct feed_sconn *c = r->c;
	struct mdbus_tick *t = c->host.scratch->fb_ticks;
	int64_t now = feed_now_ns();

	feed_restq_done(r->q, r->qid, status, resp ? resp->weight : -1,
			resp ? resp->retry_after_s : -1, now);
	if (cancelled || !c->fb.syms)
		return;
	n = feed_fb_answer(&c->fb, r->sym, status, resp && status == 200 ? resp->body : NULL,
			   resp && status == 200 ? resp->body_len : 0, feed_wall_ns(), t,
			   FEED_FB_TICKS_MAX);
	if (n < 0 || status != 200)
		feed_log(c->fb.st.bad <= FEED_ERR_LOG_FIRST ? FEED_LOG_WARN : FEED_LOG_DEBUG,
			 FEED_SESS_KV(c), LOG_EV("rest_fallback_answer"), LOG_I("http", status),
			 LOG_S("reason", n < 0	      ? c->venue.reason
					 : status < 0 ? strerror(-status)
						      : "http status"),
			 LOG_U("bad", c->fb.st.bad));
	if (n > 0 && feed_sink_publish(c->host.sink, t, (uint32_t)n, now) == 0)
		c->st.ticks += (uint64_t)n;
	if (feed_fb_state(&c->fb) != FEED_FB_IDLE)
		c->fb_wake = now; /* a symbol's next poll may have waited for this answer */
}

int feed_sfb_fetch(struct feed_sconn *c, uint32_t qid, uint32_t key, int64_t now)
{
	char path[FEED_FB_PATH_MAX];
	size_t n = 0;
	int rc;

	if (!c->fb.syms || !feed_fb_polling(&c->fb) || !c->host.rest || !c->host.rreq)
		return -ENOENT;
	rc = feed_fb_path(&c->fb, key, path, sizeof(path) - 1, &n);
	if (rc < 0)
		return rc;
	path[n] = '\0';
	rc = feed_sbook_get(c, qid, key, path, sfb_rest_cb, now);
	if (rc == 0)
		feed_log(FEED_LOG_DEBUG, FEED_SESS_KV(c), LOG_EV("rest_fallback_get"),
			 LOG_S("path", path));
	return rc;
}
