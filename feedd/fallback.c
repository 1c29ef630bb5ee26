/* SPDX-License-Identifier: MIT */
/*
 * fallback.c: REST polling while the WebSocket is down (fallback.h). No I/O.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fallback.h"

#define FB_NS_PER_MS 1000000LL

/* Both paths build for every symbol (Gate futures: not covered). */
static int fb_paths_ok(const struct feed_venue_ctx *v)
{
	char buf[FEED_FB_PATH_MAX];
	uint32_t i;
	size_t n;

	for (i = 0; i < v->nsyms; i++)
		if (v->ops->rest.ticker_path(v, i, buf, sizeof(buf), &n) < 0 ||
		    v->ops->rest.trades_path(v, i, buf, sizeof(buf), &n) < 0)
			return -EINVAL;
	return 0;
}

int feed_fb_init(struct feed_fb *fb, struct feed_venue_ctx *v, struct feed_restq *q, uint32_t venue,
		 uint32_t owner, int64_t after_ms, int64_t poll_ms)
{
	const struct feed_venue_rest_ops *r;

	memset(fb, 0, sizeof(*fb));
	if (!v || !q || after_ms < 0 || poll_ms < 0 || v->nsyms > FEED_FB_SYMS_MAX)
		return -EINVAL;
	if (after_ms == 0)
		return 0;
	r = &v->ops->rest;
	if (!r->ticker_path || !r->trades_path || !r->ticker_parse || !r->trades_parse)
		return -EOPNOTSUPP;
	if (fb_paths_ok(v) < 0)
		return -EOPNOTSUPP; /* a symbol the venue's REST paths do not cover */
	fb->v = v;
	fb->q = q;
	fb->venue = venue;
	fb->owner = owner;
	fb->after_ns = after_ms * FB_NS_PER_MS;
	fb->poll_ns = (poll_ms ? poll_ms : (int64_t)FEED_FB_POLL_MS) * FB_NS_PER_MS;
	fb->spacing_ns = 1000 * FB_NS_PER_MS / FEED_FB_PER_SEC;
	fb->kinds = ((v->channels & FEED_CH_BBO) ? 1u << FEED_FB_TICKER : 0) |
		    ((v->channels & FEED_CH_TRADES) ? 1u << FEED_FB_TRADES : 0);
	fb->syms = calloc(v->nsyms ? v->nsyms : 1, sizeof(*fb->syms));
	fb->tr = calloc(FEED_REST_TRADES_MAX, sizeof(*fb->tr));
	if (!fb->syms || !fb->tr) {
		feed_fb_free(fb);
		return -ENOMEM;
	}
	return 0;
}

void feed_fb_free(struct feed_fb *fb)
{
	free(fb->syms);
	free(fb->tr);
	fb->syms = NULL;
	fb->tr = NULL;
	fb->after_ns = 0;
	fb->state = FEED_FB_IDLE;
}

/* Drops the queued polls (answers in flight are ignored on arrival). */
static void fb_cancel(struct feed_fb *fb)
{
	uint32_t i, k;

	for (i = 0; i < fb->v->nsyms; i++) {
		for (k = 0; k < 2; k++)
			(void)feed_restq_cancel(fb->q, fb->venue,
						FEED_FB_KEY(fb->v->syms[i].instrument, k));
		fb->syms[i].inflight = 0;
	}
}

int feed_fb_ws(struct feed_fb *fb, int live, int64_t now)
{
	int was = fb->state;

	if (fb->after_ns == 0)
		return FEED_FB_EV_NONE;
	if (!live) {
		if (was == FEED_FB_IDLE) {
			fb->state = FEED_FB_ARMED;
			fb->down_since = now;
		}
		return FEED_FB_EV_NONE;
	}
	fb->state = FEED_FB_IDLE;
	if (was != FEED_FB_POLLING)
		return FEED_FB_EV_NONE;
	fb_cancel(fb);
	fb->guard_end = now + (int64_t)FEED_FB_GUARD_MS * FB_NS_PER_MS;
	fb->st.stopped++;
	return FEED_FB_EV_STOP;
}

static void fb_start(struct feed_fb *fb, int64_t now)
{
	uint32_t i;

	for (i = 0; i < fb->v->nsyms; i++) {
		struct feed_fb_sym *s = &fb->syms[i];

		memset(s, 0, sizeof(*s));
		s->next_at[0] = s->next_at[1] = now;
	}
	fb->state = FEED_FB_POLLING;
	fb->guards = 0;
	fb->guard_end = INT64_MAX;
	fb->next_push = now;
	fb->cursor = 0;
	fb->st.started++;
}

/* 1 if a poll of weight w fits in half the venue's budget now. */
static int fb_budget_ok(struct feed_fb *fb, uint32_t w, int64_t now)
{
	const struct feed_restq_venue_stats *vs = feed_restq_venue_stats(fb->q, fb->venue, now);

	return vs && (uint64_t)vs->weight_window + w <= vs->budget / 2;
}

/* Queues one poll (symbol i, kind k). 1 queued, 0 not now, -ENOSPC full. */
static int fb_push(struct feed_fb *fb, uint32_t i, uint32_t k, int64_t now)
{
	const struct feed_venue_rest_ops *r = &fb->v->ops->rest;
	uint32_t w = k == FEED_FB_TICKER ? r->ticker_weight : r->trades_weight;
	int rc;

	if (!w)
		w = 1;
	if (!fb_budget_ok(fb, w, now))
		return 0;
	rc = feed_restq_push(fb->q, fb->venue, FEED_FB_KEY(fb->v->syms[i].instrument, k), w,
			     fb->owner, now);
	if (rc == -ENOSPC)
		return rc;
	if (rc < 0 && rc != -EALREADY)
		return 0;
	fb->syms[i].inflight |= (uint8_t)(1u << k);
	fb->syms[i].next_at[k] = now + fb->poll_ns;
	fb->next_push = now + fb->spacing_ns;
	fb->st.pushed += rc >= 0;
	return 1;
}

/* The earliest next_at over symbols x kinds not in flight. */
static int64_t fb_earliest(const struct feed_fb *fb)
{
	int64_t t = INT64_MAX;
	uint32_t i, k;

	for (i = 0; i < fb->v->nsyms; i++)
		for (k = 0; k < 2; k++)
			if ((fb->kinds & (1u << k)) && !(fb->syms[i].inflight & (1u << k)) &&
			    fb->syms[i].next_at[k] < t)
				t = fb->syms[i].next_at[k];
	return t;
}

/* Queues due polls round robin, at most FEED_FB_PUSH_MAX, spaced. */
static void fb_poll(struct feed_fb *fb, int64_t now)
{
	uint32_t total = fb->v->nsyms * 2, seen, pushed = 0;

	for (seen = 0; seen < total && pushed < FEED_FB_PUSH_MAX && fb->next_push <= now; seen++) {
		uint32_t c = fb->cursor, i = c >> 1, k = c & 1;
		struct feed_fb_sym *s = &fb->syms[i];
		int rc;

		fb->cursor = (c + 1) % total;
		if (!(fb->kinds & (1u << k)) || (s->inflight & (1u << k)) || s->next_at[k] > now)
			continue;
		rc = fb_push(fb, i, k, now);
		if (rc <= 0)
			break; /* the venue's budget or the queue is full: later */
		pushed++;
		/* Several per call only as spacing allows: the next one waits. */
		if (fb->next_push > now)
			break;
	}
}

int feed_fb_run(struct feed_fb *fb, int64_t now, int64_t *wake)
{
	int ev = FEED_FB_EV_NONE;
	int64_t t;

	*wake = INT64_MAX;
	if (fb->after_ns == 0 || fb->state == FEED_FB_IDLE)
		return ev;
	if (fb->state == FEED_FB_ARMED) {
		if (now - fb->down_since < fb->after_ns) {
			*wake = fb->down_since + fb->after_ns;
			return ev;
		}
		fb_start(fb, now);
		ev = FEED_FB_EV_START;
	}
	if (fb->v->nsyms && fb->kinds)
		fb_poll(fb, now);
	t = fb_earliest(fb);
	if (t != INT64_MAX) {
		if (t < fb->next_push)
			t = fb->next_push;
		/* the budget may be what holds it: look again in a second */
		*wake = t > now ? t : now + 1000 * FB_NS_PER_MS;
	}
	return ev;
}

/* The symbol of restq key (which names the bus instrument, unique in the
 * daemon: two connections or sessions of one venue never share a key), or
 * nsyms when none of fb's symbols is that instrument. */
static uint32_t fb_key_sym(const struct feed_fb *fb, uint32_t key)
{
	uint32_t id = (key & ~FEED_FB_KEY_BIT) >> 1, i;

	for (i = 0; i < fb->v->nsyms && fb->v->syms[i].instrument != id; i++)
		;
	return i;
}

int feed_fb_path(const struct feed_fb *fb, uint32_t key, char *buf, size_t len, size_t *n)
{
	uint32_t i = fb_key_sym(fb, key), k = key & 1;
	const struct feed_venue_rest_ops *r;

	if (!FEED_FB_IS_KEY(key) || fb->after_ns == 0 || i >= fb->v->nsyms)
		return -ENOENT;
	r = &fb->v->ops->rest;
	return k == FEED_FB_TICKER ? r->ticker_path(fb->v, i, buf, len, n)
				   : r->trades_path(fb->v, i, buf, len, n);
}

/* A tick of symbol i with the REST flag (and no-exchange-time when ts 0). */
static struct mdbus_tick *fb_tick(struct feed_fb *fb, struct mdbus_tick *t, uint32_t i,
				  uint8_t kind, uint8_t flags, int64_t ts, int64_t recv_ns)
{
	memset(t, 0, sizeof(*t));
	t->instrument = fb->v->syms[i].instrument;
	t->kind = kind;
	t->flags = (uint8_t)(flags | MDBUS_FLAG_REST | (ts == 0 ? MDBUS_FLAG_NO_EXCH_TS : 0));
	t->exch_ts = ts;
	t->recv_ts = recv_ns;
	fb->st.ticks++;
	return t;
}

static int fb_ticker(struct feed_fb *fb, uint32_t i, const uint8_t *body, size_t n, int64_t recv_ns,
		     struct mdbus_tick *t)
{
	struct feed_fb_sym *s = &fb->syms[i];
	struct mdbus_bbo b;
	int64_t ts = 0;
	int rc;

	rc = fb->v->ops->rest.ticker_parse(fb->v, i, body, n, &b, &ts);
	if (rc < 0)
		return rc;
	fb_tick(fb, t, i, MDBUS_KIND_BBO, s->bbo_sent ? 0 : MDBUS_FLAG_GAP, ts, recv_ns)->u.bbo = b;
	s->bbo_sent = 1;
	return 1;
}

/* Oldest first: by id (integer ids grow with time), else by time. */
static int fb_cmp(const void *a, const void *b)
{
	const struct feed_rest_trade *x = a, *y = b;

	if (!(x->flags & MDBUS_FLAG_TID_HASH) && !(y->flags & MDBUS_FLAG_TID_HASH))
		return x->id < y->id ? -1 : x->id > y->id;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* 1 if trade x was published already: by id where last_id is one of the
 * REST answers' ids, else by time (and, at last_ts, by hashed id). */
static int fb_seen(const struct feed_fb_sym *s, const struct feed_rest_trade *x)
{
	uint32_t j;

	if (!s->have_last)
		return 0;
	if (!(x->flags & MDBUS_FLAG_TID_HASH) && s->id_ok)
		return x->id <= s->last_id;
	if (x->ts != s->last_ts)
		return x->ts < s->last_ts;
	if (s->ts_only)
		return 1;
	for (j = 0; j < s->nseen; j++)
		if (s->seen[j] == x->id)
			return 1;
	return 0;
}

/* Remembers trade x as the newest published. */
static void fb_mark(struct feed_fb_sym *s, const struct feed_rest_trade *x)
{
	if (!s->have_last || x->ts != s->last_ts) {
		s->nseen = 0;
		s->ts_only = 0;
	}
	if (s->nseen < FEED_FB_SEEN)
		s->seen[s->nseen++] = x->id;
	if (!(x->flags & MDBUS_FLAG_TID_HASH) && (!s->id_ok || x->id > s->last_id)) {
		s->last_id = x->id;
		s->id_ok = 1;
	}
	if (x->ts > s->last_ts || !s->have_last)
		s->last_ts = x->ts;
	s->have_last = 1;
}

/* 1 if the poll's oldest trade x is not newer than the last published
 * (the polls overlap: nothing in between can be missing). */
static int fb_overlaps(const struct feed_fb_sym *s, const struct feed_rest_trade *x)
{
	if (!s->have_last)
		return 0;
	if (!(x->flags & MDBUS_FLAG_TID_HASH) && s->id_ok)
		return x->id <= s->last_id;
	return x->ts <= s->last_ts;
}

int feed_fb_seed(struct feed_fb *fb, uint32_t i, uint64_t id, int64_t ts, uint8_t flags)
{
	struct feed_fb_sym *s;
	int ids;

	if (fb->after_ns == 0 || fb->state != FEED_FB_POLLING || i >= fb->v->nsyms)
		return -EINVAL;
	s = &fb->syms[i];
	/* A trade REST published is in the REST answers' id space anyway. */
	ids = fb->v->ops->rest.same_ids || (flags & MDBUS_FLAG_REST);
	if (ids && !(flags & MDBUS_FLAG_TID_HASH) && id != 0) {
		s->last_id = id;
		s->id_ok = 1;
	} else if (ts == 0) {
		return 0; /* neither an id nor a time to start from */
	}
	s->last_ts = ts;
	s->have_last = 1;
	s->nseen = 0;
	if (ids && (flags & MDBUS_FLAG_TID_HASH))
		s->seen[s->nseen++] = id;
	else if (!s->id_ok)
		s->ts_only = 1;
	return 0;
}

static int fb_trades(struct feed_fb *fb, uint32_t i, const uint8_t *body, size_t n, int64_t recv_ns,
		     struct mdbus_tick *t, uint32_t cap)
{
	struct feed_fb_sym *s = &fb->syms[i];
	uint32_t nt = 0, j, fresh = 0, skip, out = 0;
	uint8_t gap;
	int rc;

	rc = fb->v->ops->rest.trades_parse(fb->v, i, body, n, fb->tr, FEED_REST_TRADES_MAX, &nt);
	if (rc < 0)
		return rc;
	if (nt == 0)
		return 0;
	qsort(fb->tr, nt, sizeof(*fb->tr), fb_cmp);
	/* Trades may be missing: first poll, or nothing older than what we had. */
	gap = !fb_overlaps(s, &fb->tr[0]);
	for (j = 0; j < nt; j++)
		fresh += !fb_seen(s, &fb->tr[j]);
	fb->st.dup += nt - fresh;
	skip = fresh > cap ? fresh - cap : 0; /* only the newest cap fit: older ones are lost */
	gap |= skip > 0;
	for (j = 0; j < nt; j++) {
		const struct feed_rest_trade *x = &fb->tr[j];
		uint8_t f = (uint8_t)(x->flags &
				      (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL | MDBUS_FLAG_TID_HASH));

		if (fb_seen(s, x))
			continue;
		fb_mark(s, x);
		if (skip) {
			skip--;
			continue;
		}
		if (gap && out == 0) {
			f |= MDBUS_FLAG_GAP;
			fb->st.gaps++;
		}
		fb_tick(fb, &t[out], i, MDBUS_KIND_TRADE, f, x->ts, recv_ns);
		t[out].u.trade.price = x->px;
		t[out].u.trade.qty = x->qty;
		t[out].u.trade.trade_id = x->id;
		out++;
	}
	if (out && !s->guard) {
		s->guard = 1; /* live trades up to these are REST's again (feed_fb_live) */
		fb->guards++;
	}
	return (int)out;
}

int feed_fb_answer(struct feed_fb *fb, uint32_t key, int status, const uint8_t *body, size_t n,
		   int64_t recv_ns, struct mdbus_tick *t, uint32_t cap)
{
	uint32_t i = fb_key_sym(fb, key), k = key & 1;
	int rc;

	if (!FEED_FB_IS_KEY(key) || fb->after_ns == 0 || i >= fb->v->nsyms || cap == 0)
		return -EINVAL;
	fb->syms[i].inflight &= (uint8_t) ~(1u << k);
	if (fb->state != FEED_FB_POLLING) {
		fb->st.ignored++;
		return 0;
	}
	fb->st.answers++;
	if (status != 200 || !body) {
		fb->st.bad++;
		return 0; /* restq applies 429/418; the next poll comes at next_at */
	}
	rc = k == FEED_FB_TICKER ? fb_ticker(fb, i, body, n, recv_ns, t)
				 : fb_trades(fb, i, body, n, recv_ns, t, cap);
	if (rc < 0)
		fb->st.bad++;
	return rc;
}

/* 1 if live trade t (guarded symbol s) is one REST published: by id where
 * the ids are one space, else by time (a live trade at the last REST
 * trade's time counts as that one unless its hash says otherwise). Clears
 * the guard at the first live trade newer than the last REST one. */
static int fb_live_dup(struct feed_fb *fb, struct feed_fb_sym *s, const struct mdbus_tick *t)
{
	int same = fb->v->ops->rest.same_ids, hashed = (t->flags & MDBUS_FLAG_TID_HASH) != 0;
	uint32_t j;

	if (same && !hashed && s->id_ok) {
		if (t->u.trade.trade_id <= s->last_id)
			return 1;
	} else if (t->exch_ts != 0 && t->exch_ts < s->last_ts) {
		return 1;
	} else if (t->exch_ts != 0 && t->exch_ts == s->last_ts) {
		if (!same || !hashed) {
			s->live_gap = 1; /* the same time, no id to tell: maybe another trade */
			return 1;
		}
		for (j = 0; j < s->nseen; j++)
			if (s->seen[j] == t->u.trade.trade_id)
				return 1;
		return 0; /* a new trade of that ms; more of them may be REST's */
	}
	s->guard = 0;
	fb->guards--;
	return 0;
}

uint32_t feed_fb_live_filter(struct feed_fb *fb, struct mdbus_tick *t, uint32_t n, int64_t now)
{
	uint32_t j, out = 0;

	if (!fb->v || !fb->syms)
		return n;
	if (now >= fb->guard_end) {
		for (j = 0; j < fb->v->nsyms; j++)
			fb->syms[j].guard = fb->syms[j].live_gap = 0;
		fb->guards = 0;
		return n;
	}
	for (j = 0; j < n; j++) {
		uint32_t i = t[j].kind == MDBUS_KIND_TRADE
				     ? fb_key_sym(fb, FEED_FB_KEY(t[j].instrument, 0))
				     : UINT32_MAX;

		if (i < fb->v->nsyms && fb->syms[i].guard) {
			struct feed_fb_sym *s = &fb->syms[i];

			if (fb_live_dup(fb, s, &t[j])) {
				fb->st.live_dup++;
				continue;
			}
			if (!s->guard && s->live_gap) {
				t[j].flags |= MDBUS_FLAG_GAP;
				s->live_gap = 0;
				fb->st.gaps++;
			}
		}
		if (out != j)
			t[out] = t[j];
		out++;
	}
	return out;
}
