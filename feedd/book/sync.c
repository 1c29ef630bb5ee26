/* SPDX-License-Identifier: MIT */
/*
 * sync.c: the book sync state machine (see sync.h). The id rules per
 * enum feed_book_sync are the venues' documented procedures:
 *
 * REST_UU (Binance spot, Gate order_book_update, MEXC versions): buffer the
 *   stream, fetch the REST snapshot (lastUpdateId L), drop buffered events
 *   with u <= L; the first kept must have U <= L + 1 (else the snapshot is
 *   older than the buffer: fetch again); then each event with u <= the
 *   book's id is ignored and one with U > id + 1 is a gap (so U == id + 1,
 *   or an overlap U <= id < u, applies).
 * REST_PU (Binance USD-M futures): drop u < L; the first kept has U <= L
 *   (else stale); then pu == the previous u (an event with u <= the book's
 *   id is an old duplicate: ignored), otherwise a gap.
 * WS_PREV (OKX): a snapshot, then prev_id == the previous last_id; a
 *   last_id below prev_id is the venue's sequence reset and applies; a
 *   repeat of the last event is ignored.
 * WS_SEQ (Bybit): a snapshot, then last_id == previous + 1; a snapshot, or
 *   a message with last_id 1 (the venue restarted), replaces the book.
 * WS_PLAIN (Kraken, Coinbase): a snapshot, then deltas without ids; ev.gap
 *   (the adapter's own sequence check) is a gap; the checksum proves it.
 * WS_FULL: every message is the whole top-N book.
 * REST_PREV (OKX books, since its initial snapshot was delisted): buffer the
 *   stream (a stream snapshot is ignored and counted), fetch the REST
 *   snapshot (seqId L), drop buffered events with seqId <= L; the first kept
 *   must have prevSeqId <= L < seqId (else stale: fetch again); then
 *   prevSeqId == the previous seqId (seqId == prevSeqId: an unchanged book,
 *   kept); seqId <= the book's id with prevSeqId behind it is an old repeat
 *   (ignored); seqId < prevSeqId is the venue's reset: a resync.
 * Every kind: has_ck events are checked with ops->checksum over the top
 * ck_levels per side, and a crossed book after an update is a resync.
 */
#include "sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { FEED_BOOK_APPLY = 0, FEED_BOOK_IGNORE = 1, FEED_BOOK_GAP = 2, FEED_BOOK_RESET = 3 };

static int feed_book_rest_kind(const struct feed_book_sync_ctx *s)
{
	return s->ops->sync == FEED_SYNC_REST_UU || s->ops->sync == FEED_SYNC_REST_PU ||
	       s->ops->sync == FEED_SYNC_REST_PREV;
}

/* The resync reason of a GAP / RESET verdict. */
static uint8_t feed_book_reason_of(int verdict)
{
	return verdict == FEED_BOOK_RESET ? FEED_BOOK_RS_RESET : FEED_BOOK_RS_GAP;
}

void feed_book_sync_flush(struct feed_book_sync_ctx *s)
{
	if (s->batch_n && s->cb.ticks)
		s->cb.ticks(s->cb.user, s->batch, s->batch_n);
	s->batch_n = 0;
}

static inline void feed_book_tick(struct feed_book_sync_ctx *s, const struct feed_book_inst *in,
				  uint8_t flags, int64_t px, int64_t qty, uint64_t id,
				  int64_t exch_ts, int64_t recv_ts)
{
	struct mdbus_tick *t = &s->batch[s->batch_n];

	memset(t, 0, sizeof(*t));
	t->instrument = in->instrument;
	t->kind = MDBUS_KIND_L2;
	t->flags = (uint8_t)(flags | (exch_ts ? 0 : MDBUS_FLAG_NO_EXCH_TS));
	t->exch_ts = exch_ts;
	t->recv_ts = recv_ts;
	t->u.l2.price = px;
	t->u.l2.qty = qty;
	t->u.l2.update_id = id;
	if (++s->batch_n == s->batch_cap)
		feed_book_sync_flush(s);
}

static void feed_book_snap_ticks(struct feed_book_sync_ctx *s, struct feed_book_inst *in)
{
	uint8_t gap = in->gap_next ? MDBUS_FLAG_GAP : 0;
	const struct feed_book_side *sides[2] = {&in->book.bids, &in->book.asks};

	for (int k = 0; k < 2; k++) {
		uint8_t side = k ? MDBUS_FLAG_SELL : MDBUS_FLAG_BUY;

		for (uint32_t i = 0; i < sides[k]->n; i++) {
			const struct mdbus_book_level *l = feed_book_level(sides[k], i);

			feed_book_tick(s, in, side | MDBUS_FLAG_SNAPSHOT | gap, l->price, l->qty,
				       in->last_id, in->exch_ts, in->recv_ts);
			gap = 0;
			in->gap_next = 0; /* an empty snapshot leaves it for the next */
		}
	}
}

static void feed_book_delta_ticks(struct feed_book_sync_ctx *s, const struct feed_book_inst *in,
				  const struct feed_book_lvl *bids, uint32_t nb,
				  const struct feed_book_lvl *asks, uint32_t na)
{
	for (uint32_t i = 0; i < nb; i++)
		feed_book_tick(s, in, MDBUS_FLAG_BUY, bids[i].px, bids[i].qty, in->last_id,
			       in->exch_ts, in->recv_ts);
	for (uint32_t i = 0; i < na; i++)
		feed_book_tick(s, in, MDBUS_FLAG_SELL, asks[i].px, asks[i].qty, in->last_id,
			       in->exch_ts, in->recv_ts);
}

static uint32_t feed_book_status_of(const struct feed_book_inst *in)
{
	switch (in->state) {
	case FEED_BOOK_ST_LIVE:
		return MDBUS_BOOK_LIVE;
	case FEED_BOOK_ST_RESYNCING:
		return MDBUS_BOOK_RESYNCING;
	default:
		return MDBUS_BOOK_EMPTY;
	}
}

static void feed_book_set_state(struct feed_book_sync_ctx *s, uint32_t sym, uint8_t state)
{
	struct feed_book_inst *in = &s->inst[sym];
	uint32_t before = feed_book_status_of(in);

	in->state = state;
	if (feed_book_status_of(in) != before && s->cb.status) {
		feed_book_sync_flush(s);
		s->cb.status(s->cb.user, sym, feed_book_status_of(in));
	}
}

/* The view of in's book into u (every member set: the struct has no
 * padding, so no memset first). */
static inline void feed_book_view_of(const struct feed_book_sync_ctx *s,
				     const struct feed_book_inst *in, struct mdbus_book_update *u)
{
	u->status = feed_book_status_of(in);
	u->checksum = in->ck;
	u->update_id = in->last_id;
	u->exch_ts = in->exch_ts;
	u->recv_ts = in->recv_ts;
	u->resyncs = in->resyncs;
	u->checksum_fails = in->checksum_fails;
	feed_book_view(&in->book.bids, s->depth, &u->bids);
	feed_book_view(&in->book.asks, s->depth, &u->asks);
}

int feed_book_sync_view(const struct feed_book_sync_ctx *s, uint32_t sym,
			struct mdbus_book_update *u)
{
	if (!s || sym >= s->nsyms || !u)
		return -EINVAL;
	feed_book_view_of(s, &s->inst[sym], u);
	return 0;
}

static void feed_book_publish(struct feed_book_sync_ctx *s, uint32_t sym)
{
	struct mdbus_book_update u;

	feed_book_sync_flush(s);
	if (!s->cb.publish)
		return;
	feed_book_view_of(s, &s->inst[sym], &u);
	s->cb.publish(s->cb.user, sym, &u);
}

static void feed_book_buf_clear(struct feed_book_inst *in)
{
	in->bev_n = 0;
	in->blv_n = 0;
}

static void feed_book_ask_snapshot(struct feed_book_sync_ctx *s, uint32_t sym)
{
	feed_book_sync_flush(s);
	s->inst[sym].snap_pending = 1;
	if (s->cb.need_snapshot)
		s->cb.need_snapshot(s->cb.user, sym);
}

/* Asks for what rebuilds the book: a REST snapshot (REST kinds), or the
 * stream again (stream kinds, and REST kinds whose ops->resubscribe is set:
 * their snapshot is then asked for when the first delta is buffered). */
static void feed_book_request(struct feed_book_sync_ctx *s, uint32_t sym)
{
	feed_book_sync_flush(s);
	if (feed_book_rest_kind(s) && !s->ops->resubscribe)
		feed_book_ask_snapshot(s, sym);
	else if (s->cb.resubscribe)
		s->cb.resubscribe(s->cb.user, sym);
}

/* Throws sym's sync away: RESYNCING, counters, and a new snapshot asked
 * for. keep_buf: the buffered deltas stay (a stale snapshot). */
static void feed_book_resync(struct feed_book_sync_ctx *s, uint32_t sym, uint8_t reason,
			     int keep_buf)
{
	struct feed_book_inst *in = &s->inst[sym];

	feed_book_sync_flush(s);
	in->last_reason = reason;
	if (reason == FEED_BOOK_RS_CHECKSUM) {
		in->checksum_fails++;
		in->ck = MDBUS_BOOK_CK_MISMATCH;
	}
	if (in->state == FEED_BOOK_ST_LIVE || in->state == FEED_BOOK_ST_RESYNCING) {
		if (in->state == FEED_BOOK_ST_LIVE)
			in->resyncs++;
		in->gap_next = 1;
		feed_book_set_state(s, sym, FEED_BOOK_ST_RESYNCING);
	} else {
		in->state = FEED_BOOK_ST_WAIT_SNAPSHOT;
	}
	in->first = 0;
	in->snap_pending = 0;
	if (!keep_buf)
		feed_book_buf_clear(in);
	feed_book_request(s, sym);
}

/* 0 when the book passes its checks, else the resync reason. */
static inline uint8_t feed_book_check(struct feed_book_sync_ctx *s, uint32_t sym, int has_ck,
				      uint32_t ck)
{
	struct feed_book_inst *in = &s->inst[sym];
	const struct feed_venue_book_ops *o = s->ops;

	if (has_ck && o->checksum && o->ck_levels) {
		uint32_t nb = feed_book_top(&in->book.bids, s->ck_b, o->ck_levels);
		uint32_t na = feed_book_top(&in->book.asks, s->ck_a, o->ck_levels);

		if (o->checksum(s->v, sym, s->ck_b, nb, s->ck_a, na) != ck)
			return FEED_BOOK_RS_CHECKSUM;
		in->ck = MDBUS_BOOK_CK_OK;
	}
	if (feed_book_crossed(&in->book))
		return FEED_BOOK_RS_CROSSED;
	return 0;
}

/* U/u: old (u <= id) ignored, U > id + 1 a gap. */
static int feed_book_verdict_uu(uint64_t id, const struct feed_book_bufev *e)
{
	if (e->last_id <= id)
		return FEED_BOOK_IGNORE;
	return e->first_id > id + 1 ? FEED_BOOK_GAP : FEED_BOOK_APPLY;
}

/* REST_PREV: prev_id/last_id against the book's id (see the top comment).
 * The first event after the snapshot needs prev_id <= id < last_id. */
static int feed_book_verdict_prev(const struct feed_book_inst *in, const struct feed_book_bufev *e)
{
	uint64_t id = in->last_id;

	if (!e->has_prev)
		return FEED_BOOK_GAP;
	if (e->last_id < e->prev_id)
		return FEED_BOOK_RESET;
	if (in->first) {
		if (e->last_id <= id)
			return FEED_BOOK_IGNORE;
		return e->prev_id <= id ? FEED_BOOK_APPLY : FEED_BOOK_GAP;
	}
	if (e->prev_id == id)
		return FEED_BOOK_APPLY; /* last_id == prev_id: the book unchanged */
	return e->last_id <= id ? FEED_BOOK_IGNORE : FEED_BOOK_GAP;
}

/* The id rule of a delta against the book's id (see the top comment). */
static int feed_book_verdict(const struct feed_book_sync_ctx *s, const struct feed_book_inst *in,
			     const struct feed_book_bufev *e)
{
	uint64_t id = in->last_id;

	if (e->gap)
		return FEED_BOOK_GAP;
	switch (s->ops->sync) {
	case FEED_SYNC_REST_PU:
		if (in->first)
			return e->last_id < id	  ? FEED_BOOK_IGNORE
			       : e->first_id > id ? FEED_BOOK_GAP
						  : FEED_BOOK_APPLY;
		if (e->last_id <= id)
			return FEED_BOOK_IGNORE;
		if (!e->has_prev) /* no pu: the U/u rule */
			return feed_book_verdict_uu(id, e);
		return e->prev_id == id ? FEED_BOOK_APPLY : FEED_BOOK_GAP;
	case FEED_SYNC_REST_UU:
		return feed_book_verdict_uu(id, e);
	case FEED_SYNC_REST_PREV:
		return feed_book_verdict_prev(in, e);
	case FEED_SYNC_WS_PREV:
		if (e->has_prev && e->prev_id == id)
			return FEED_BOOK_APPLY;
		return e->last_id == id ? FEED_BOOK_IGNORE : FEED_BOOK_GAP;
	case FEED_SYNC_WS_SEQ:
		if (e->last_id == id + 1)
			return FEED_BOOK_APPLY;
		return e->last_id <= id ? FEED_BOOK_IGNORE : FEED_BOOK_GAP;
	default:
		return FEED_BOOK_APPLY;
	}
}

static void feed_book_bufev_of(struct feed_book_bufev *e, const struct feed_book_ev *ev)
{
	e->lv_off = 0; /* every member is set: no memset first (a delta's hot path) */
	e->first_id = ev->first_id;
	e->last_id = ev->last_id;
	e->prev_id = ev->prev_id;
	e->exch_ts = ev->exch_ts;
	e->recv_ts = ev->recv_ts;
	e->nbids = ev->nbids;
	e->nasks = ev->nasks;
	e->checksum = ev->checksum;
	e->has_prev = ev->has_prev;
	e->has_ck = ev->has_ck;
	e->gap = ev->gap;
}

/*
 * Applies one delta in LIVE (its id already judged APPLY): the book, the
 * checks, then its ticks and the view. Returns 0, or -EPIPE after a resync.
 */
static inline int feed_book_apply_delta(struct feed_book_sync_ctx *s, uint32_t sym,
					const struct feed_book_bufev *e,
					const struct feed_book_lvl *bids,
					const struct feed_book_lvl *asks)
{
	struct feed_book_inst *in = &s->inst[sym];
	uint8_t why;

	feed_book_apply(&in->book, bids, e->nbids, asks, e->nasks);
	in->last_id = e->last_id;
	in->exch_ts = e->exch_ts;
	in->recv_ts = e->recv_ts;
	in->first = 0;
	why = feed_book_check(s, sym, e->has_ck, e->checksum);
	if (why) {
		feed_book_resync(s, sym, why, 0);
		return -EPIPE;
	}
	feed_book_delta_ticks(s, in, bids, e->nbids, asks, e->nasks);
	return 0;
}

/* Keeps a delta while the snapshot is awaited; a full buffer starts over. */
static void feed_book_buffer(struct feed_book_sync_ctx *s, uint32_t sym,
			     const struct feed_book_ev *ev)
{
	struct feed_book_inst *in = &s->inst[sym];
	uint32_t nl = ev->nbids + ev->nasks;

	if (in->bev_n == in->bev_cap || nl > in->blv_cap - in->blv_n) {
		feed_book_buf_clear(in);
		in->overflows++;
		in->last_reason = FEED_BOOK_RS_OVERFLOW;
		if (nl > in->blv_cap) {
			in->ignored++;
			return;
		}
	}
	struct feed_book_bufev *e = &in->bev[in->bev_n++];

	feed_book_bufev_of(e, ev);
	e->lv_off = in->blv_n;
	/* an empty side may come as NULL: memcpy takes no NULL, even for 0 bytes */
	if (ev->nbids)
		memcpy(in->blv + in->blv_n, ev->bids, (size_t)ev->nbids * sizeof(*ev->bids));
	if (ev->nasks)
		memcpy(in->blv + in->blv_n + ev->nbids, ev->asks,
		       (size_t)ev->nasks * sizeof(*ev->asks));
	in->blv_n += nl;
	if (!in->snap_pending)
		feed_book_ask_snapshot(s, sym);
}

/* REST kinds: drops the buffered deltas the snapshot (id L) covers. Returns
 * the index of the first kept one; -1 when that one is newer than L allows
 * (the snapshot is stale). */
static int32_t feed_book_buf_skip(const struct feed_book_sync_ctx *s,
				  const struct feed_book_inst *in, uint64_t L)
{
	int pu = s->ops->sync == FEED_SYNC_REST_PU;
	uint32_t i = 0;

	while (i < in->bev_n && (pu ? in->bev[i].last_id < L : in->bev[i].last_id <= L))
		i++;
	if (i == in->bev_n)
		return (int32_t)i;
	if (s->ops->sync == FEED_SYNC_REST_PREV) /* prevSeqId <= L < seqId */
		return in->bev[i].has_prev && in->bev[i].prev_id > L &&
				       in->bev[i].last_id >= in->bev[i].prev_id
			       ? -1
			       : (int32_t)i;
	if (in->bev[i].first_id > (pu ? L : L + 1))
		return -1;
	return (int32_t)i;
}

/* Applies the buffered deltas from index i on. Returns 0 or -EPIPE. */
static int feed_book_drain(struct feed_book_sync_ctx *s, uint32_t sym, uint32_t i)
{
	struct feed_book_inst *in = &s->inst[sym];

	for (; i < in->bev_n; i++) {
		const struct feed_book_bufev *e = &in->bev[i];
		const struct feed_book_lvl *lv = in->blv + e->lv_off;
		int v = feed_book_verdict(s, in, e);

		if (v == FEED_BOOK_IGNORE) {
			in->ignored++;
			continue;
		}
		if (v == FEED_BOOK_GAP || v == FEED_BOOK_RESET) {
			feed_book_resync(s, sym, feed_book_reason_of(v), 0);
			return -EPIPE;
		}
		if (feed_book_apply_delta(s, sym, e, lv, lv + e->nbids) < 0)
			return -EPIPE;
	}
	feed_book_buf_clear(in);
	return 0;
}

/*
 * A snapshot (REST, or the stream's) for sym: the stale check (REST kinds),
 * the book replaced and checked, its ticks, the buffered deltas, then LIVE.
 */
static void feed_book_snapshot(struct feed_book_sync_ctx *s, uint32_t sym,
			       const struct feed_book_ev *ev)
{
	struct feed_book_inst *in = &s->inst[sym];
	int32_t from = 0;
	uint32_t before;
	uint8_t why;

	if (feed_book_rest_kind(s)) {
		from = feed_book_buf_skip(s, in, ev->last_id);
		if (from < 0) {
			feed_book_resync(s, sym, FEED_BOOK_RS_STALE, 1);
			return;
		}
	}
	in->snap_pending = 0;
	feed_book_replace(&in->book, ev->bids, ev->nbids, ev->asks, ev->nasks);
	in->last_id = ev->last_id;
	in->exch_ts = ev->exch_ts;
	in->recv_ts = ev->recv_ts;
	in->ck = MDBUS_BOOK_CK_NONE;
	why = feed_book_check(s, sym, ev->has_ck, ev->checksum);
	if (why) {
		feed_book_resync(s, sym, why, 0);
		return;
	}
	feed_book_snap_ticks(s, in);
	in->first = 1;
	if (feed_book_drain(s, sym, (uint32_t)from) < 0)
		return;
	before = feed_book_status_of(in);
	in->state = FEED_BOOK_ST_LIVE;
	feed_book_publish(s, sym);
	if (before != MDBUS_BOOK_LIVE && s->cb.status)
		s->cb.status(s->cb.user, sym, MDBUS_BOOK_LIVE);
}

static int feed_book_waiting(const struct feed_book_inst *in)
{
	return in->state == FEED_BOOK_ST_WAIT_SNAPSHOT || in->state == FEED_BOOK_ST_RESYNCING;
}

/* A stream delta for sym. */
static void feed_book_delta(struct feed_book_sync_ctx *s, uint32_t sym,
			    const struct feed_book_ev *ev)
{
	struct feed_book_inst *in = &s->inst[sym];
	struct feed_book_bufev e;
	int v;

	if (feed_book_waiting(in)) {
		if (feed_book_rest_kind(s))
			feed_book_buffer(s, sym, ev);
		else
			in->ignored++;
		return;
	}
	feed_book_bufev_of(&e, ev);
	switch ((v = feed_book_verdict(s, in, &e))) {
	case FEED_BOOK_IGNORE:
		in->ignored++;
		return;
	case FEED_BOOK_GAP:
	case FEED_BOOK_RESET:
		feed_book_resync(s, sym, feed_book_reason_of(v), 0);
		/* REST kinds: the event after the break opens the new buffer */
		if (feed_book_rest_kind(s) && !ev->gap)
			feed_book_buffer(s, sym, ev);
		return;
	default:
		break;
	}
	if (feed_book_apply_delta(s, sym, &e, ev->bids, ev->asks) == 0)
		feed_book_publish(s, sym);
}

int feed_book_sync_event(struct feed_book_sync_ctx *s, const struct feed_book_ev *ev)
{
	if (!s || !ev || ev->sym >= s->nsyms)
		return -EINVAL;
	struct feed_book_inst *in = &s->inst[ev->sym];
	uint8_t k = s->ops->sync;

	if (in->state == FEED_BOOK_ST_EMPTY)
		in->state = FEED_BOOK_ST_WAIT_SNAPSHOT;
	if (k == FEED_SYNC_REST_PREV && ev->kind == FEED_BOOK_SNAPSHOT) {
		in->ignored++; /* the REST snapshot is the only one used */
		in->stream_snaps++;
	} else if (ev->kind == FEED_BOOK_SNAPSHOT || k == FEED_SYNC_WS_FULL ||
		   (k == FEED_SYNC_WS_SEQ && ev->last_id == 1 && !ev->gap))
		feed_book_snapshot(s, ev->sym, ev);
	else if (ev->gap && feed_book_waiting(in))
		in->ignored++;
	else
		feed_book_delta(s, ev->sym, ev);
	feed_book_sync_flush(s);
	return 0;
}

int feed_book_sync_rest(struct feed_book_sync_ctx *s, const struct feed_book_ev *ev)
{
	if (!s || !ev || ev->sym >= s->nsyms)
		return -EINVAL;
	struct feed_book_inst *in = &s->inst[ev->sym];

	if (!feed_book_waiting(in) || !feed_book_rest_kind(s)) {
		in->ignored++;
		return 0;
	}
	feed_book_snapshot(s, ev->sym, ev);
	feed_book_sync_flush(s);
	return 0;
}

int feed_book_sync_start(struct feed_book_sync_ctx *s, uint32_t sym)
{
	if (!s || sym >= s->nsyms)
		return -EINVAL;
	struct feed_book_inst *in = &s->inst[sym];

	feed_book_buf_clear(in);
	in->snap_pending = 0;
	in->first = 0;
	if (in->state == FEED_BOOK_ST_LIVE || in->state == FEED_BOOK_ST_RESYNCING) {
		if (in->state == FEED_BOOK_ST_LIVE)
			in->resyncs++;
		in->gap_next = 1;
		in->last_reason = FEED_BOOK_RS_RECONNECT;
		feed_book_set_state(s, sym, FEED_BOOK_ST_RESYNCING);
	} else {
		in->state = FEED_BOOK_ST_WAIT_SNAPSHOT;
	}
	feed_book_sync_flush(s);
	return 0;
}

int feed_book_sync_resync(struct feed_book_sync_ctx *s, uint32_t sym)
{
	if (!s || sym >= s->nsyms)
		return -EINVAL;
	feed_book_resync(s, sym, FEED_BOOK_RS_ASKED, 0);
	feed_book_sync_flush(s);
	return 0;
}

int feed_book_sync_set_instrument(struct feed_book_sync_ctx *s, uint32_t sym, uint32_t instrument)
{
	if (!s || sym >= s->nsyms)
		return -EINVAL;
	s->inst[sym].instrument = instrument;
	return 0;
}

static int feed_book_inst_init(struct feed_book_inst *in, uint32_t sym, uint32_t cap,
			       const struct feed_book_sync_params *p)
{
	in->instrument = sym;
	in->bev_cap = p && p->buf_events ? p->buf_events : 64;
	in->blv_cap = p && p->buf_levels ? p->buf_levels : 8 * cap;
	in->bev = calloc(in->bev_cap, sizeof(*in->bev));
	in->blv = calloc(in->blv_cap, sizeof(*in->blv));
	if (!in->bev || !in->blv)
		return -ENOMEM;
	return feed_book_init(&in->book, cap);
}

int feed_book_sync_init(struct feed_book_sync_ctx *s, const struct feed_venue_book_ops *ops,
			const struct feed_venue_ctx *v, uint32_t nsyms,
			const struct feed_book_sync_params *p, const struct feed_book_cb *cb,
			struct mdbus_tick *batch, uint32_t batch_cap)
{
	uint32_t depth = p && p->book_depth ? p->book_depth : FEED_BOOK_DEPTH_DEFAULT;
	uint32_t cap = feed_book_capacity(ops, depth);

	memset(s, 0, sizeof(*s));
	if (!ops || ops->sync == FEED_SYNC_NONE || ops->sync > FEED_SYNC_REST_PREV || !nsyms ||
	    !batch || !batch_cap || !cb || !cb->ticks)
		return -EINVAL;
	s->ops = ops;
	s->v = v;
	s->cb = *cb;
	s->depth = depth;
	s->batch = batch;
	s->batch_cap = batch_cap;
	s->inst = calloc(nsyms, sizeof(*s->inst));
	s->ck_b = calloc(ops->ck_levels + 1u, sizeof(*s->ck_b));
	s->ck_a = calloc(ops->ck_levels + 1u, sizeof(*s->ck_a));
	if (!s->inst || !s->ck_b || !s->ck_a)
		goto err;
	s->nsyms = nsyms;
	for (uint32_t i = 0; i < nsyms; i++)
		if (feed_book_inst_init(&s->inst[i], i, cap, p) < 0)
			goto err;
	return 0;
err:
	feed_book_sync_free(s);
	return -ENOMEM;
}

void feed_book_sync_free(struct feed_book_sync_ctx *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; s->inst && i < s->nsyms; i++) {
		feed_book_free(&s->inst[i].book);
		free(s->inst[i].bev);
		free(s->inst[i].blv);
	}
	free(s->inst);
	free(s->ck_b);
	free(s->ck_a);
	memset(s, 0, sizeof(*s));
}
