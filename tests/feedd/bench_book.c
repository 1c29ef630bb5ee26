/* SPDX-License-Identifier: MIT */
/*
 * bench_book.c: cost of the local book (feedd/book/book.c). One applied
 * one-level delta into a 1,000-level side at the top, the middle and the
 * bottom (a remove and a re-insert alternately, so every op moves levels,
 * and a quantity change), and a 1,000-level snapshot replace (sorted as
 * venues send it, and shuffled); and one whole sync step (Bybit-style ids,
 * a one-level delta at the top: id check, book, crossed check, its tick and
 * the view handed to no-op callbacks). Prints ns per op.
 *
 *   bench_feed_book [ITERS]   (default 2,000,000; snapshots ITERS / 1,000)
 *
 * For instruction counts run it under callgrind with few iterations and
 * read the inclusive Ir of each bench_* function (each does ITERS ops):
 *   valgrind --tool=callgrind --callgrind-out-file=cg.out bench_feed_book 100000
 *   callgrind_annotate --inclusive=yes cg.out | grep bench_
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "book.h"
#include "sync.h"

#define LEVELS 1000u

static struct feed_book_lvl snap_b[LEVELS], snap_a[LEVELS], shuf_b[LEVELS], shuf_a[LEVELS];
static volatile int64_t sink;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Removes and re-inserts the bid level i-th from the best, alternately. */
__attribute__((noinline)) static void bench_move(struct feed_book *b, uint32_t depth,
						 uint64_t iters)
{
	int64_t px = 100000 - (int64_t)depth;

	for (uint64_t i = 0; i < iters; i++) {
		struct feed_book_lvl l = {px, (i & 1) ? 5 : 0, 2, 3};

		sink += feed_book_side_apply(&b->bids, b->cap, &l);
	}
}

__attribute__((noinline)) static void bench_top(struct feed_book *b, uint64_t n)
{
	bench_move(b, 0, n);
}

__attribute__((noinline)) static void bench_mid(struct feed_book *b, uint64_t n)
{
	bench_move(b, LEVELS / 2, n);
}

__attribute__((noinline)) static void bench_deep(struct feed_book *b, uint64_t n)
{
	bench_move(b, LEVELS - 1, n);
}

/* Quantity changes at rotating depths (no level moves). */
__attribute__((noinline)) static void bench_qty(struct feed_book *b, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		struct feed_book_lvl l = {100000 - (int64_t)(i % LEVELS), (int64_t)(i & 7) + 1, 2,
					  3};

		sink += feed_book_side_apply(&b->bids, b->cap, &l);
	}
}

__attribute__((noinline)) static void bench_snap(struct feed_book *b, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++)
		feed_book_replace(b, snap_b, LEVELS, snap_a, LEVELS);
	sink += b->bids.n;
}

__attribute__((noinline)) static void bench_snap_shuffled(struct feed_book *b, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++)
		feed_book_replace(b, shuf_b, LEVELS, shuf_a, LEVELS);
	sink += b->bids.n;
}

static void nop_ticks(void *u, const struct mdbus_tick *t, uint32_t n)
{
	(void)u;
	sink += t[n - 1].u.l2.qty;
}

static void nop_publish(void *u, uint32_t sym, const struct mdbus_book_update *up)
{
	(void)u;
	sink += sym + up->bids.n;
}

__attribute__((noinline)) static void bench_sync_step(struct feed_book_sync_ctx *s, uint64_t iters)
{
	struct feed_book_lvl l = {100000, 0, 2, 3};
	struct feed_book_ev ev = {.kind = FEED_BOOK_DELTA, .bids = &l, .nbids = 1, .recv_ts = 1};

	for (uint64_t i = 0; i < iters; i++) {
		l.qty = (i & 1) ? 5 : 0; /* the best bid removed, then back */
		ev.first_id = ev.last_id = 1001 + i;
		feed_book_sync_event(s, &ev);
	}
}

/* A LIVE symbol with a 1,000-level book, for bench_sync_step. */
static int sync_setup(struct feed_book_sync_ctx *s, struct mdbus_tick *batch, uint32_t cap)
{
	static const struct feed_venue_book_ops ops = {.sync = FEED_SYNC_WS_SEQ,
						       .max_levels = LEVELS};
	static const struct feed_book_cb cb = {.ticks = nop_ticks, .publish = nop_publish};
	struct feed_book_sync_params p = {.book_depth = 20};
	struct feed_book_ev snap = {.kind = FEED_BOOK_SNAPSHOT,
				    .first_id = 1000,
				    .last_id = 1000,
				    .bids = snap_b,
				    .asks = snap_a,
				    .nbids = LEVELS,
				    .nasks = LEVELS};

	if (feed_book_sync_init(s, &ops, NULL, 1, &p, &cb, batch, cap) < 0)
		return -1;
	return feed_book_sync_event(s, &snap);
}

static void report(const char *what, int64_t t0, int64_t t1, uint64_t n)
{
	printf("%-34s %10.1f ns/op  (%llu ops)\n", what, (double)(t1 - t0) / (double)n,
	       (unsigned long long)n);
}

/* The snapshots: 1,000 levels a side best first, and the same shuffled. */
static void bench_data_init(void)
{
	for (uint32_t i = 0; i < LEVELS; i++) {
		snap_b[i] = (struct feed_book_lvl){100000 - (int64_t)i, 1 + i % 9, 2, 3};
		snap_a[i] = (struct feed_book_lvl){100001 + (int64_t)i, 1 + i % 7, 2, 3};
	}
	for (uint32_t i = 0; i < LEVELS; i++) {
		uint32_t j = (i * 617u) % LEVELS; /* 617 is prime to 1000: a permutation */

		shuf_b[i] = snap_b[j];
		shuf_a[i] = snap_a[j];
	}
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;
	uint64_t ns = n / 1000 ? n / 1000 : 1;
	struct feed_book b;

	if (feed_book_init(&b, LEVELS) < 0)
		return 1;
	bench_data_init();
	feed_book_replace(&b, snap_b, LEVELS, snap_a, LEVELS);
	int64_t t0 = now_ns();

	bench_top(&b, n);
	int64_t t1 = now_ns();

	bench_mid(&b, n);
	int64_t t2 = now_ns();

	bench_deep(&b, n);
	int64_t t3 = now_ns();

	bench_qty(&b, n);
	int64_t t4 = now_ns();

	bench_snap(&b, ns);
	int64_t t5 = now_ns();

	bench_snap_shuffled(&b, ns);
	int64_t t6 = now_ns();

	struct feed_book_sync_ctx sc;
	static struct mdbus_tick batch[64];

	if (sync_setup(&sc, batch, 64) < 0 || sc.inst[0].state != FEED_BOOK_ST_LIVE)
		return 1;
	int64_t t7 = now_ns();

	bench_sync_step(&sc, n);
	int64_t t8 = now_ns();

	if (sc.inst[0].state != FEED_BOOK_ST_LIVE || sc.inst[0].last_id != 1000 + n)
		return 1; /* every step must have applied */

	report("delta, top (remove/insert)", t0, t1, n);
	report("delta, middle (remove/insert)", t1, t2, n);
	report("delta, deepest (remove/insert)", t2, t3, n);
	report("delta, qty change (any depth)", t3, t4, n);
	report("snapshot 1000+1000, sorted", t4, t5, ns);
	report("snapshot 1000+1000, shuffled", t5, t6, ns);
	report("sync step: delta at the top, LIVE", t7, t8, n);
	feed_book_sync_free(&sc);
	feed_book_free(&b);
	return sink == 42 ? 2 : 0;
}
