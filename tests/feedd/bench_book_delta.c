/* SPDX-License-Identifier: MIT */
/*
 * bench_book_delta.c: issue 13's "< 200 ns for a one-level Binance update
 * into a 1,000-level book", split by stage. One Binance spot depthUpdate
 * with one bid level (the best bid's quantity, two values alternately), a
 * book of 1,000 levels a side, book_depth 20:
 *
 *   floor    the harness with nothing in it (a call of an empty function):
 *            what a sample costs when there is no work, stalls included
 *   clock    100 dependent adds (100 cycles): the clock the core ran at
 *            in this run (the GHz line), to turn Ir into cycles a delta
 *   parse    feed_venue_on_message of the message (decode + fast path)
 *   apply    feed_book_sync_event of the parsed event (id rule, book,
 *            crossed check, its L2 tick and the view), callbacks that only
 *            look at what they get
 *   publish  mdbus_writer_book_publish of that view (depth 20) into a bus
 *   tick     mdbus_writer_publish_batch of its one L2 tick into the ring
 *   e2e      message -> parse -> engine -> both publishes, as in feedd
 *
 * apply, publish and e2e run twice: the current code and a baseline with
 * the two pieces it replaced put back (feed_book__plain_search = 1: a
 * binary search over the whole side; mdbus__book_rewrite = 3: the
 * one-level-a-turn store loop); the rest of the engine is the same in
 * both. Every stage runs in samples of --batch iterations; the stages take
 * turns sample by sample (so a busy spell of the machine hits all of them
 * alike) for --samples rounds, and each prints the median ns per iteration
 * with the fastest and slowest sample.
 *
 *   bench_feed_book_delta [--samples N] [--batch B]   (default 301 x 1000)
 *
 * Instructions: every stage is one noinline function (bd_st_*) called once
 * per sample, so under callgrind its inclusive Ir / (samples x batch) is
 * the stage's Ir per iteration:
 *   valgrind --tool=callgrind --callgrind-out-file=cg.bd \
 *     bench_feed_book_delta --samples 5 --batch 2000
 *   callgrind_annotate --inclusive=yes cg.bd | grep bd_st_
 * Exit 1 when any delta did not apply (the book must end LIVE with the
 * quantity last sent, one publish per delta, no resync).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "book.h"
#include "config.h"
#include "internal.h" /* libmdbus: mdbus__book_rewrite */
#include "sync.h"
#include "venue.h"

#define BD_LEVELS 1000u
#define BD_DEPTH  20u
#define BD_SNAP	  777749999999ULL /* the REST snapshot's lastUpdateId */
#define BD_STAGES 10

static const char *const bd_msg_fmt =
	"{\"e\":\"depthUpdate\",\"E\":1672515782136,\"s\":\"BTCUSDT\",\"U\":%llu,"
	"\"u\":%llu,\"b\":[[\"50000.00\",\"%s\"]],\"a\":[]}";

/* One engine with its bus book and its counters. */
struct bd_eng {
	struct feed_book_sync_ctx s;
	struct mdbus_tick batch[64];
	mdbus_writer *w; /* NULL: callbacks that only look */
	uint32_t book;
	uint64_t pubs, bad, id;
};

static struct bd {
	struct feed_venue_ctx v;
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out;
	struct bd_eng eng, e2e;
	mdbus_writer *w;
	uint32_t instrument;
	char msg[2][256];
	size_t msg_n[2];
	size_t id_at[2][2]; /* the last digit of U and u in msg[k] */
	struct feed_book_lvl lv[2];
	struct feed_book_ev ev[2];
	struct mdbus_book_update up[2];
	struct mdbus_tick tick;
	char bus[64];
	volatile int64_t sink;
} B;

static int64_t bd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- callbacks ------------------------------------------------------------------- */

static void bd_ticks(void *u, const struct mdbus_tick *t, uint32_t n)
{
	struct bd_eng *e = u;

	if (e->w && mdbus_writer_publish_batch(e->w, t, n) != (int)n)
		e->bad++;
	B.sink += t[n - 1].u.l2.qty;
}

static void bd_publish(void *u, uint32_t sym, const struct mdbus_book_update *up)
{
	struct bd_eng *e = u;

	(void)sym;
	if (e->w && mdbus_writer_book_publish(e->w, e->book, up) != 0)
		e->bad++;
	B.sink += up->bids.best->qty;
	e->pubs++;
}

static void bd_need_snapshot(void *u, uint32_t sym)
{
	(void)u;
	(void)sym;
}

/* ---- set-up ---------------------------------------------------------------------- */

static int bd_venue(void)
{
	static char syms[1][MDBUS_SYMBOL_MAX] = {"BTC-USDT"};
	const struct feed_venue_ops *ops = feed_venue_find("binance");
	struct feed_session_config sc;
	char err[256];

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "bench");
	snprintf(sc.venue, sizeof(sc.venue), "binance");
	sc.symbols = syms;
	sc.nsymbols = 1;
	sc.channels = FEED_CH_L2;
	sc.price_decimals = 8;
	sc.qty_decimals = 8;
	sc.qty_unit = -1;
	sc.contract_size = 1;
	sc.book_depth = BD_DEPTH;
	if (!ops || feed_venue_ctx_init(&B.v, ops, &sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "binance ctx: %s\n", ops ? err : "no venue");
		return -1;
	}
	B.out.ticks = B.ticks;
	B.out.cap = FEED_VENUE_TICKS_MIN;
	return 0;
}

/* The two messages (quantities 2.5 and 3.5) and where their ids end. */
static void bd_msgs(void)
{
	static const char *const q[2] = {"2.5", "3.5"};

	for (int k = 0; k < 2; k++) {
		/* message k carries the ids with k == (id & 1): the run's first
		 * delta is BD_SNAP + 2 (BD_SNAP is odd), the next BD_SNAP + 3 */
		unsigned long long id = BD_SNAP + 3 - (unsigned)k;
		int n = snprintf(B.msg[k], sizeof(B.msg[k]), bd_msg_fmt, id, id, q[k]);
		char *p = strstr(B.msg[k], "\"U\":") + 4;

		B.msg_n[k] = (size_t)n;
		B.id_at[k][0] = (size_t)(p - B.msg[k]) + 11;
		p = strstr(p, "\"u\":") + 4;
		B.id_at[k][1] = (size_t)(p - B.msg[k]) + 11;
		B.lv[k] = (struct feed_book_lvl){5000000000000LL, k ? 350000000 : 250000000, 8, 8};
		B.ev[k] = (struct feed_book_ev){.kind = FEED_BOOK_DELTA,
						.bids = &B.lv[k],
						.nbids = 1,
						.exch_ts = 1672515782136000000LL,
						.recv_ts = 1};
	}
}

/* Adds 2 to both ids of message k, in its digits. */
static inline void bd_bump(int k)
{
	for (int f = 0; f < 2; f++) {
		char *d = B.msg[k] + B.id_at[k][f];
		unsigned c = 2;

		while (c) {
			unsigned x = (unsigned)(*d - '0') + c;

			*d-- = (char)('0' + (x >= 10 ? x - 10 : x));
			c = x >= 10;
		}
	}
}

/* A LIVE engine: a delta buffered, then a REST snapshot of 1,000 levels a
 * side (bids 50000.00 down by 0.01, asks 50000.01 up) with lastUpdateId
 * BD_SNAP; its id counter at the next delta. */
static int bd_engine(struct bd_eng *e, mdbus_writer *w)
{
	static struct feed_book_lvl sb[BD_LEVELS], sa[BD_LEVELS];
	const struct feed_book_cb cb = {.user = e,
					.ticks = bd_ticks,
					.publish = bd_publish,
					.need_snapshot = bd_need_snapshot};
	struct feed_book_sync_params p = {.book_depth = BD_DEPTH};
	struct feed_book_ev snap = {.kind = FEED_BOOK_SNAPSHOT,
				    .first_id = BD_SNAP,
				    .last_id = BD_SNAP,
				    .bids = sb,
				    .asks = sa,
				    .nbids = BD_LEVELS,
				    .nasks = BD_LEVELS,
				    .recv_ts = 1};
	struct feed_book_ev first = B.ev[0];

	for (uint32_t i = 0; i < BD_LEVELS; i++) {
		sb[i] = (struct feed_book_lvl){5000000000000LL - 1000000LL * i, 125000000, 8, 8};
		sa[i] = (struct feed_book_lvl){5000001000000LL + 1000000LL * i, 125000000, 8, 8};
	}
	e->w = w;
	if (feed_book_sync_init(&e->s, &B.v.ops->book, &B.v, 1, &p, &cb, e->batch, 64) < 0)
		return -1;
	feed_book_sync_set_instrument(&e->s, 0, B.instrument);
	first.first_id = first.last_id = BD_SNAP + 1;
	if (feed_book_sync_start(&e->s, 0) < 0 || feed_book_sync_event(&e->s, &first) < 0 ||
	    feed_book_sync_rest(&e->s, &snap) < 0 || e->s.inst[0].state != FEED_BOOK_ST_LIVE)
		return -1;
	e->id = BD_SNAP + 2;
	return 0;
}

static int bd_bus(void)
{
	struct mdbus_writer_opts o = {.bus = B.bus, .max_instruments = 4, .max_sessions = 4};
	struct mdbus_instrument ins;

	snprintf(B.bus, sizeof(B.bus), "bench-bd-%ld", (long)getpid());
	if (mdbus_writer_open_books(&B.w, &o, mdbus_book_record_size(BD_DEPTH)) < 0 ||
	    feed_venue_ctx_instrument(&B.v, 0, &ins) < 0 ||
	    mdbus_writer_add_instrument(B.w, &ins, &B.instrument) < 0 ||
	    mdbus_writer_book_add(B.w, B.instrument, BD_DEPTH, &B.e2e.book) < 0)
		return -1;
	B.v.syms[0].instrument = B.instrument;
	return 0;
}

/* The publish stage's two views (best bid 2.5 / 3.5) and tick. */
static void bd_views(void)
{
	static struct mdbus_book_level lv[2][2 * BD_LEVELS];
	const struct feed_book_inst *in = &B.eng.s.inst[0];

	for (int k = 0; k < 2; k++) {
		feed_book_sync_view(&B.eng.s, 0, &B.up[k]);
		for (uint32_t i = 0; i < BD_DEPTH; i++) {
			lv[k][BD_DEPTH - 1 - i] = *feed_book_level(&in->book.bids, i);
			lv[k][BD_LEVELS + BD_DEPTH - 1 - i] = *feed_book_level(&in->book.asks, i);
		}
		lv[k][BD_DEPTH - 1].qty = B.lv[k].qty;
		B.up[k].bids.best = &lv[k][BD_DEPTH - 1];
		B.up[k].asks.best = &lv[k][BD_LEVELS + BD_DEPTH - 1];
	}
	B.tick = (struct mdbus_tick){.instrument = B.instrument,
				     .kind = MDBUS_KIND_L2,
				     .flags = MDBUS_FLAG_BUY,
				     .recv_ts = 1};
}

/* ---- the stages (one sample each) -------------------------------------------------- */

static __attribute__((noinline)) void bd_empty(int k)
{
	__asm__ __volatile__("" ::"r"(k));
}

static __attribute__((noinline)) void bd_st_floor(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		bd_empty((int)(i & 1));
}

/* 100 dependent adds an iteration: 100 cycles wherever the core runs, so
 * its ns give the clock this run had (100 / ns = GHz). */
static __attribute__((noinline)) void bd_st_clock(uint64_t n)
{
	uint64_t x = n;

	for (uint64_t i = 0; i < n; i++)
		for (int j = 0; j < 10; j++) {
#if defined(__x86_64__)
			__asm__ __volatile__("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
					     "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
					     "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
					     "add $1, %0"
					     : "+r"(x));
#else
			x = x * 3 + 1; /* not 100 cycles off x86-64: ignore the GHz line */
#endif
		}
	B.sink += (int64_t)x;
}

static __attribute__((noinline)) void bd_st_parse(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		int k = (int)(i & 1);

		feed_venue_on_message(&B.v, (const uint8_t *)B.msg[k], B.msg_n[k], 0, 1, &B.out);
		B.sink += B.out.book->bids[0].qty;
	}
}

static inline void bd_apply(struct bd_eng *e, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		struct feed_book_ev *ev = &B.ev[e->id & 1];

		ev->first_id = ev->last_id = e->id++;
		feed_book_sync_event(&e->s, ev);
	}
}

static __attribute__((noinline)) void bd_st_apply(uint64_t n)
{
	bd_apply(&B.eng, n);
}

static __attribute__((noinline)) void bd_st_apply_base(uint64_t n)
{
	feed_book__plain_search = 1;
	bd_apply(&B.eng, n);
	feed_book__plain_search = 0;
}

static inline void bd_pub(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (mdbus_writer_book_publish(B.w, B.e2e.book, &B.up[i & 1]) != 0)
			B.e2e.bad++;
}

static __attribute__((noinline)) void bd_st_publish(uint64_t n)
{
	bd_pub(n);
}

static __attribute__((noinline)) void bd_st_publish_base(uint64_t n)
{
	mdbus__book_rewrite = 3;
	bd_pub(n);
	mdbus__book_rewrite = 0;
}

static __attribute__((noinline)) void bd_st_tick(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		B.tick.u.l2.qty = (int64_t)i;
		if (mdbus_writer_publish_batch(B.w, &B.tick, 1) != 1)
			B.e2e.bad++;
	}
}

/* Message -> parse -> engine -> bus; the messages' ids follow e2e.id. */
static inline void bd_e2e(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		int k = (int)(B.e2e.id & 1);

		feed_venue_on_message(&B.v, (const uint8_t *)B.msg[k], B.msg_n[k], 0, 1, &B.out);
		feed_book_sync_event(&B.e2e.s, B.out.book);
		bd_bump(k);
		B.e2e.id++;
	}
}

static __attribute__((noinline)) void bd_st_e2e(uint64_t n)
{
	bd_e2e(n);
}

static __attribute__((noinline)) void bd_st_e2e_base(uint64_t n)
{
	feed_book__plain_search = 1;
	mdbus__book_rewrite = 3;
	bd_e2e(n);
	feed_book__plain_search = 0;
	mdbus__book_rewrite = 0;
}

/* ---- the run ------------------------------------------------------------------------- */

static const struct bd_stage {
	const char *name;
	void (*run)(uint64_t n);
} bd_stages[BD_STAGES] = {
	{"floor (empty call)", bd_st_floor},
	{"clock (100 dependent adds)", bd_st_clock},
	{"parse", bd_st_parse},
	{"apply (engine, 1,000 levels)", bd_st_apply},
	{"  baseline: plain search", bd_st_apply_base},
	{"publish (book record, depth 20)", bd_st_publish},
	{"  baseline: old store loop", bd_st_publish_base},
	{"tick (ring, one L2)", bd_st_tick},
	{"e2e (message to bus)", bd_st_e2e},
	{"  baseline: both old", bd_st_e2e_base},
};

static int bd_cmp(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;

	return a < c ? -1 : a > c;
}

/* Every delta applied: LIVE, no resync, a publish each, no bus error. */
static int bd_check(const struct bd_eng *e, uint64_t deltas)
{
	const struct feed_book_inst *in = &e->s.inst[0];
	const struct mdbus_book_level *best = feed_book_level(&in->book.bids, 0);

	if (e->bad || in->state != FEED_BOOK_ST_LIVE || in->resyncs || !best ||
	    best->qty != B.lv[(e->id - 1) & 1].qty || e->pubs != deltas + 1 ||
	    in->last_id != e->id - 1 || in->book.bids.n != BD_LEVELS) {
		fprintf(stderr, "a delta did not apply (bad %llu, state %u, pubs %llu of %llu)\n",
			(unsigned long long)e->bad, in->state, (unsigned long long)e->pubs,
			(unsigned long long)deltas + 1);
		return -1;
	}
	return 0;
}

static void bd_report(double t[BD_STAGES][1024], int samples, uint64_t batch)
{
	printf("%-32s %9s %9s %9s   (%d samples of %llu)\n", "stage, ns per delta", "median",
	       "fastest", "slowest", samples, (unsigned long long)batch);
	for (int s = 0; s < BD_STAGES; s++) {
		qsort(t[s], (size_t)samples, sizeof(double), bd_cmp);
		printf("%-32s %9.1f %9.1f %9.1f\n", bd_stages[s].name, t[s][samples / 2], t[s][0],
		       t[s][samples - 1]);
	}
	printf("clock: %.2f GHz (100 cycles / the clock stage's median)\n",
	       100.0 / t[1][samples / 2]);
}

int main(int argc, char **argv)
{
	static double t[BD_STAGES][1024];
	int samples = 301, rc = 1;
	uint64_t batch = 1000;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--samples") == 0)
			samples = (int)strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--batch") == 0)
			batch = strtoull(argv[i + 1], NULL, 10);
	}
	if (samples < 1 || samples > 1024 || batch < 2 || batch % 2) {
		fprintf(stderr, "usage: bench_feed_book_delta [--samples 1..1024] "
				"[--batch EVEN N]\n");
		return 2;
	}
	bd_msgs();
	if (bd_venue() < 0 || bd_bus() < 0 || bd_engine(&B.eng, NULL) < 0 ||
	    bd_engine(&B.e2e, B.w) < 0)
		goto out;
	bd_views();
	for (int r = 0; r < samples; r++)
		for (int s = 0; s < BD_STAGES; s++) {
			int64_t t0 = bd_now();

			bd_stages[s].run(batch);
			t[s][r] = (double)(bd_now() - t0) / (double)batch;
		}
	if (bd_check(&B.eng, 2 * (uint64_t)samples * batch) < 0 ||
	    bd_check(&B.e2e, 2 * (uint64_t)samples * batch) < 0)
		goto out;
	bd_report(t, samples, batch);
	rc = 0;
out:
	feed_book_sync_free(&B.eng.s);
	feed_book_sync_free(&B.e2e.s);
	feed_venue_ctx_free(&B.v);
	if (B.w)
		mdbus_writer_close(B.w, 1);
	return rc;
}
