/* SPDX-License-Identifier: MIT */
/*
 * test_book_bus.c: the book engine (feedd/book/sync.c) publishing into a
 * real bus, as feedd does: after every delta the book record in the segment
 * equals the engine's top book_depth levels (update_id included) and the
 * ring carries exactly the delta's L2 ticks. Deltas at level 0, in the
 * middle of the published depth, below it (the record's levels unchanged,
 * its update_id new), inserts and removals that shift the record, a new
 * best level on each side, and the same run with the engine's plain binary
 * search (feed_book__plain_search) and the one-level-a-turn store loop of
 * libmdbus, which must publish exactly the same. No delta allocates.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc_wrap.h"
#include "book.h"
#include "helpers.h"
#include "internal.h" /* libmdbus: mdbus__book_rewrite */
#include "sync.h"

/* Linked with --wrap=malloc,calloc,realloc: a delta, from the engine to
 * the record and the ring, allocates nothing (test_allocs does not move). */

#define TB_DEPTH  5u
#define TB_LEVELS 30u

static struct tb {
	mdbus_writer *w;
	mdbus_reader *r;
	uint32_t book, instrument;
	uint64_t pubs, bad;
	struct feed_book_sync_ctx s;
	struct mdbus_tick batch[4];
	struct mdbus_book_snapshot snap;
	char bus[64];
} T;

static void tb_ticks(void *u, const struct mdbus_tick *t, uint32_t n)
{
	(void)u;
	if (mdbus_writer_publish_batch(T.w, t, n) != (int)n)
		T.bad++;
}

static void tb_publish(void *u, uint32_t sym, const struct mdbus_book_update *up)
{
	(void)u;
	(void)sym;
	if (mdbus_writer_book_publish(T.w, T.book, up) != 0)
		T.bad++;
	T.pubs++;
}

static void tb_status(void *u, uint32_t sym, uint32_t st)
{
	(void)u;
	(void)sym;
	if (mdbus_writer_book_status(T.w, T.book, st) != 0)
		T.bad++;
}

static void tb_need(void *u, uint32_t sym)
{
	(void)u;
	(void)sym;
}

/* A bus with one instrument and its depth-5 book; a LIVE engine over it
 * (Binance's rule: a delta buffered, a REST snapshot of 30 levels a side:
 * bids 1000 down, asks 1001 up, quantities 10 + i). */
static int tb_setup(void)
{
	static const struct feed_venue_book_ops ops = {.sync = FEED_SYNC_REST_UU,
						       .max_levels = 100};
	static const struct feed_book_cb cb = {.ticks = tb_ticks,
					       .publish = tb_publish,
					       .status = tb_status,
					       .need_snapshot = tb_need};
	static struct feed_book_lvl sb[TB_LEVELS], sa[TB_LEVELS];
	struct feed_book_sync_params p = {.book_depth = TB_DEPTH};
	struct mdbus_writer_opts o = {.bus = T.bus, .max_instruments = 2, .max_sessions = 2};
	struct mdbus_reader_opts ro = {.bus = T.bus, .start = MDBUS_START_OLDEST};
	struct mdbus_instrument ins = {.price_decimals = 2, .qty_decimals = 2};
	struct feed_book_lvl d = {999, 7, 2, 2};
	struct feed_book_ev first = {.kind = FEED_BOOK_DELTA,
				     .first_id = 101,
				     .last_id = 101,
				     .bids = &d,
				     .nbids = 1,
				     .recv_ts = 1};
	struct feed_book_ev snap = {.kind = FEED_BOOK_SNAPSHOT,
				    .first_id = 100,
				    .last_id = 100,
				    .bids = sb,
				    .asks = sa,
				    .nbids = TB_LEVELS,
				    .nasks = TB_LEVELS,
				    .recv_ts = 1};

	for (uint32_t i = 0; i < TB_LEVELS; i++) {
		sb[i] = (struct feed_book_lvl){1000 - (int64_t)i, 10 + (int64_t)i, 2, 2};
		sa[i] = (struct feed_book_lvl){1001 + (int64_t)i, 10 + (int64_t)i, 2, 2};
	}
	memset(&T.s, 0, sizeof(T.s));
	T.pubs = T.bad = 0;
	snprintf(ins.venue, sizeof(ins.venue), "test");
	snprintf(ins.symbol, sizeof(ins.symbol), "BTC-USDT");
	snprintf(T.bus, sizeof(T.bus), "test-bookbus-%ld", (long)getpid());
	if (mdbus_writer_open_books(&T.w, &o, mdbus_book_record_size(TB_DEPTH)) < 0 ||
	    mdbus_writer_add_instrument(T.w, &ins, &T.instrument) < 0 ||
	    mdbus_writer_book_add(T.w, T.instrument, TB_DEPTH, &T.book) < 0 ||
	    mdbus_reader_open(&T.r, &ro) < 0 ||
	    feed_book_sync_init(&T.s, &ops, NULL, 1, &p, &cb, T.batch, 4) < 0)
		return -1;
	feed_book_sync_set_instrument(&T.s, 0, T.instrument);
	feed_book_sync_start(&T.s, 0);
	feed_book_sync_event(&T.s, &first);
	feed_book_sync_rest(&T.s, &snap);
	return T.s.inst[0].state == FEED_BOOK_ST_LIVE ? 0 : -1;
}

static void tb_teardown(void)
{
	feed_book_sync_free(&T.s);
	mdbus_reader_close(T.r);
	mdbus_writer_close(T.w, 1);
	T.r = NULL;
	T.w = NULL;
}

/* The record equals the engine's top TB_DEPTH levels and its id. */
static void tb_region_is_engine(int line)
{
	const struct feed_book_inst *in = &T.s.inst[0];
	const struct feed_book_side *sides[2] = {&in->book.bids, &in->book.asks};

	if (mdbus_book_read(T.r, T.instrument, 0, &T.snap) != 0) {
		fprintf(stderr, "line %d: book read failed\n", line);
		feed_test_failures++;
		return;
	}
	for (int k = 0; k < 2; k++) {
		const struct mdbus_book_level *got = k ? T.snap.asks : T.snap.bids;
		uint32_t n = k ? T.snap.nasks : T.snap.nbids;
		uint32_t want = sides[k]->n < TB_DEPTH ? sides[k]->n : TB_DEPTH;

		CHECK_EQ_INT(n, want);
		for (uint32_t i = 0; i < n && i < want; i++) {
			const struct mdbus_book_level *e = feed_book_level(sides[k], i);

			if (got[i].price != e->price || got[i].qty != e->qty) {
				fprintf(stderr,
					"line %d: %s level %u is %lld@%lld, engine %lld@%lld\n",
					line, k ? "ask" : "bid", i, (long long)got[i].qty,
					(long long)got[i].price, (long long)e->qty,
					(long long)e->price);
				feed_test_failures++;
			}
		}
	}
	CHECK_EQ_INT(T.snap.update_id, in->last_id);
	CHECK_EQ_INT(T.snap.status, MDBUS_BOOK_LIVE);
}

/* Drains the ring; returns the ticks read, the last one in *last. */
static int tb_drain(struct mdbus_tick *last)
{
	struct mdbus_tick t;
	uint64_t seq, missed = 0;
	int n = 0;

	while (mdbus_reader_next(T.r, &t, &seq, &missed) == 1) {
		*last = t;
		n++;
	}
	CHECK_EQ_INT(missed, 0);
	return n;
}

/* One delta of one level (ask: the ask side) with id `id`; then the
 * record, the ring (exactly that tick) and one publish. */
static void tb_delta(int ask, int64_t px, int64_t qty, uint64_t id, int line)
{
	struct feed_book_lvl l = {px, qty, 2, 2};
	struct feed_book_ev ev = {
		.kind = FEED_BOOK_DELTA, .first_id = id, .last_id = id, .recv_ts = (int64_t)id};
	struct mdbus_tick t;
	uint64_t pubs = T.pubs;
	unsigned long a;

	if (ask) {
		ev.asks = &l;
		ev.nasks = 1;
	} else {
		ev.bids = &l;
		ev.nbids = 1;
	}
	a = test_allocs;
	CHECK_EQ_INT(feed_book_sync_event(&T.s, &ev), 0);
	CHECK_EQ_INT(test_allocs, a); /* no malloc on a delta's path */
	CHECK_EQ_INT(T.pubs, pubs + 1);
	tb_region_is_engine(line);
	if (tb_drain(&t) != 1) {
		fprintf(stderr, "line %d: the delta's tick is not alone in the ring\n", line);
		feed_test_failures++;
		return;
	}
	CHECK(t.kind == MDBUS_KIND_L2 && t.u.l2.price == px && t.u.l2.qty == qty &&
	      t.u.l2.update_id == id);
	CHECK_EQ_INT(t.flags & MDBUS_FLAG_SELL, ask ? MDBUS_FLAG_SELL : 0);
}

/* The deltas (levels: bids 1000 - i, asks 1001 + i, depth 5 published). */
static void tb_run(void)
{
	const struct feed_book_side *bids;
	struct mdbus_tick t;

	if (tb_setup() < 0) {
		fprintf(stderr, "set-up failed\n");
		exit(1);
	}
	bids = &T.s.inst[0].book.bids;
	CHECK(test_allocs > 0); /* the wrap is active: the set-up allocates */
	tb_drain(&t);		/* the snapshot's ticks */
	tb_region_is_engine(__LINE__);
	tb_delta(0, 1000, 55, 102, __LINE__); /* level 0's quantity */
	CHECK_EQ_INT(feed_book_level(bids, 0)->qty, 55);
	CHECK_EQ_INT(T.snap.bids[0].qty, 55);
	tb_delta(0, 998, 66, 103, __LINE__); /* level 2's, inside the depth */
	tb_delta(0, 980, 77, 104, __LINE__); /* level 20's: below the depth */
	CHECK_EQ_INT(feed_book_level(bids, 20)->qty, 77);
	CHECK_EQ_INT(T.snap.bids[4].qty, 14); /* the record's levels unchanged */
	tb_delta(0, 980, 0, 105, __LINE__);   /* below the depth, removed */
	CHECK_EQ_INT(bids->n, TB_LEVELS - 1);
	tb_delta(1, 1003, 0, 106, __LINE__); /* ask level 2 removed: the record shifts */
	CHECK_EQ_INT(T.snap.asks[2].price, 1004);
	tb_delta(1, 1003, 9, 107, __LINE__); /* and back */
	tb_delta(0, 1000, 0, 108, __LINE__); /* the best bid removed */
	CHECK_EQ_INT(T.snap.bids[0].price, 999);
	tb_delta(0, 1000, 5, 109, __LINE__); /* a new best bid */
	tb_delta(1, 1001, 0, 110, __LINE__); /* the best ask removed, */
	tb_delta(1, 1001, 3, 111, __LINE__); /* a new best ask */
	tb_delta(0, 1, 4, 112, __LINE__);    /* far below everything */
	CHECK_EQ_INT(feed_book_level(bids, bids->n - 1)->price, 1);
	CHECK_EQ_INT(T.bad, 0);
	CHECK_EQ_INT(T.s.inst[0].resyncs, 0);
	tb_teardown();
}

int main(void)
{
	tb_run();
	feed_book__plain_search = 1;
	mdbus__book_rewrite = 3;
	tb_run();
	return feed_test_done("book_bus");
}
