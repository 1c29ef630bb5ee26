/* SPDX-License-Identifier: MIT */
/*
 * test_book_sync.c: the book sync state machine (feedd/book/sync.c) driven
 * by scripted events per sync kind. Every output (ticks, views, status,
 * snapshot / resubscribe requests) is logged as text and compared exactly
 * after every step, so the order of the outputs is asserted too.
 *
 * Log lines:  T<inst> <flags> <px>:<qty> #<update_id>   (flags: B/S side,
 *               N snapshot, G gap)
 *             P<sym> <E|L|R> ck<verdict> #<id> r<resyncs> f<ck fails>
 *               b<px:qty,...> a<px:qty,...>            (a publish)
 *             S<sym> <L|R>                             (a status change)
 *             N<sym> / R<sym>                          (need snapshot / resubscribe)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "sync.h"

static char logbuf[16384];
static size_t logn;

static void logf_(const char *fmt, long long a, long long b, long long c, const char *s)
{
	logn += (size_t)snprintf(logbuf + logn, sizeof(logbuf) - logn, fmt, a, b, c, s);
}

static void cb_ticks(void *u, const struct mdbus_tick *t, uint32_t n)
{
	(void)u;
	for (uint32_t i = 0; i < n; i++) {
		char f[8];
		int k = 0;

		CHECK_EQ_INT(t[i].kind, MDBUS_KIND_L2);
		f[k++] = (char)((t[i].flags & MDBUS_FLAG_BUY)	 ? 'B'
				: (t[i].flags & MDBUS_FLAG_SELL) ? 'S'
								 : '?');
		if (t[i].flags & MDBUS_FLAG_SNAPSHOT)
			f[k++] = 'N';
		if (t[i].flags & MDBUS_FLAG_GAP)
			f[k++] = 'G';
		f[k] = 0;
		logn += (size_t)snprintf(logbuf + logn, sizeof(logbuf) - logn,
					 "T%u %s %lld:%lld #%llu\n", t[i].instrument, f,
					 (long long)t[i].u.l2.price, (long long)t[i].u.l2.qty,
					 (unsigned long long)t[i].u.l2.update_id);
	}
}

static void log_side(char c, const struct mdbus_book_side_view *v)
{
	logn += (size_t)snprintf(logbuf + logn, sizeof(logbuf) - logn, " %c", c);
	for (uint32_t i = 0; i < v->n; i++) {
		const struct mdbus_book_level *l = v->best + (int64_t)i * v->step;

		logn += (size_t)snprintf(logbuf + logn, sizeof(logbuf) - logn, "%s%lld:%lld",
					 i ? "," : "", (long long)l->price, (long long)l->qty);
	}
}

static const char st_letter[] = "ELRSDX";

static void cb_publish(void *u, uint32_t sym, const struct mdbus_book_update *up)
{
	(void)u;
	logn += (size_t)snprintf(
		logbuf + logn, sizeof(logbuf) - logn, "P%u %c ck%u #%llu r%llu f%llu", sym,
		st_letter[up->status], up->checksum, (unsigned long long)up->update_id,
		(unsigned long long)up->resyncs, (unsigned long long)up->checksum_fails);
	log_side('b', &up->bids);
	log_side('a', &up->asks);
	logf_("\n", 0, 0, 0, "");
}

static void cb_status(void *u, uint32_t sym, uint32_t st)
{
	(void)u;
	logn += (size_t)snprintf(logbuf + logn, sizeof(logbuf) - logn, "S%u %c\n", sym,
				 st_letter[st]);
}

static void cb_need(void *u, uint32_t sym)
{
	(void)u;
	logn += (size_t)snprintf(logbuf + logn, sizeof(logbuf) - logn, "N%u\n", sym);
}

static void cb_resub(void *u, uint32_t sym)
{
	(void)u;
	logn += (size_t)snprintf(logbuf + logn, sizeof(logbuf) - logn, "R%u\n", sym);
}

static const struct feed_book_cb cbs = {NULL, cb_ticks, cb_publish, cb_status, cb_need, cb_resub};

static void expect_(const char *want, int line)
{
	if (strcmp(logbuf, want) != 0) {
		fprintf(stderr, "line %d: outputs\n%s--- expected\n%s---\n", line, logbuf, want);
		feed_test_failures++;
	}
	logn = 0;
	logbuf[0] = 0;
}
#define EXPECT(s) expect_((s), __LINE__)

/* ---- events from text --------------------------------------------------- */

static struct feed_book_lvl lvb[64], lva[64];

static uint32_t parse_lv(const char *p, struct feed_book_lvl *out)
{
	uint32_t n = 0;

	while (p && *p) {
		char *e;

		out[n].px = strtoll(p, &e, 10);
		out[n].qty = strtoll(e + 1, &e, 10);
		out[n].px_dp = 0;
		out[n].qty_dp = 0;
		n++;
		p = *e ? e + 1 : e;
	}
	return n;
}

static struct feed_book_ev mk(uint32_t sym, int kind, uint64_t first, uint64_t last,
			      const char *bids, const char *asks)
{
	struct feed_book_ev ev;

	memset(&ev, 0, sizeof(ev));
	ev.sym = sym;
	ev.kind = (uint8_t)kind;
	ev.first_id = first;
	ev.last_id = last;
	ev.bids = lvb;
	ev.asks = lva;
	ev.nbids = parse_lv(bids, lvb);
	ev.nasks = parse_lv(asks, lva);
	ev.recv_ts = 1;
	return ev;
}

#define D  FEED_BOOK_DELTA
#define SN FEED_BOOK_SNAPSHOT

static struct feed_book_ev mkp(uint32_t sym, uint64_t first, uint64_t last, uint64_t prev,
			       const char *bids, const char *asks)
{
	struct feed_book_ev ev = mk(sym, D, first, last, bids, asks);

	ev.has_prev = 1;
	ev.prev_id = prev;
	return ev;
}

/* The fake venue checksum: over the top levels, best first. */
static uint32_t fake_ck(const struct feed_venue_ctx *v, uint32_t sym, const struct feed_book_lvl *b,
			uint32_t nb, const struct feed_book_lvl *a, uint32_t na)
{
	uint32_t c = 17;

	(void)v;
	(void)sym;
	for (uint32_t i = 0; i < nb; i++)
		c = c * 31 + (uint32_t)b[i].px * 7 + (uint32_t)b[i].qty;
	for (uint32_t i = 0; i < na; i++)
		c = c * 37 + (uint32_t)a[i].px * 5 + (uint32_t)a[i].qty;
	return c;
}

/* The checksum of a book given as text (best first). */
static uint32_t ck_of(const char *bids, const char *asks)
{
	struct feed_book_lvl b[16], a[16];
	uint32_t nb = parse_lv(bids, b), na = parse_lv(asks, a);

	return fake_ck(NULL, 0, b, nb, a, na);
}

static struct mdbus_tick batch[3]; /* small: batches flush mid-event */

static void setup(struct feed_book_sync_ctx *s, struct feed_venue_book_ops *ops, uint32_t nsyms,
		  uint32_t buf_events)
{
	struct feed_book_sync_params p = {.book_depth = 5, .buf_events = buf_events};

	logn = 0;
	logbuf[0] = 0;
	CHECK_EQ_INT(feed_book_sync_init(s, ops, NULL, nsyms, &p, &cbs, batch, 3), 0);
}

#define EV(s, e)                                                                                   \
	do {                                                                                       \
		struct feed_book_ev ev_ = (e);                                                     \
		CHECK_EQ_INT(feed_book_sync_event((s), &ev_), 0);                                  \
	} while (0)
#define REST(s, e)                                                                                 \
	do {                                                                                       \
		struct feed_book_ev ev_ = (e);                                                     \
		CHECK_EQ_INT(feed_book_sync_rest((s), &ev_), 0);                                   \
	} while (0)

/* ---- REST_UU: Binance spot ------------------------------------------------ */

static void test_rest_uu(void)
{
	struct feed_venue_book_ops ops = {.sync = FEED_SYNC_REST_UU, .max_levels = 10};
	struct feed_book_sync_ctx s;

	setup(&s, &ops, 1, 0);
	CHECK_EQ_INT(feed_book_sync_start(&s, 0), 0);
	EXPECT("");
	EV(&s, mk(0, D, 5, 7, "100:1", "")); /* buffered: the snapshot is asked for */
	EXPECT("N0\n");
	EV(&s, mk(0, D, 8, 9, "99:4", "102:0"));
	EXPECT("");
	CHECK_EQ_INT(s.inst[0].state, FEED_BOOK_ST_WAIT_SNAPSHOT);
	/* L = 7: the first event (u <= 7) is dropped, U = 8 <= L + 1 applies */
	REST(&s, mk(0, SN, 7, 7, "100:2,98:1", "101:1,102:3"));
	EXPECT("T0 BN 100:2 #7\nT0 BN 98:1 #7\nT0 SN 101:1 #7\nT0 SN 102:3 #7\n"
	       "T0 B 99:4 #9\nT0 S 102:0 #9\n"
	       "P0 L ck0 #9 r0 f0 b100:2,99:4,98:1 a101:1\nS0 L\n");
	EV(&s, mk(0, D, 8, 9, "99:5", "")); /* duplicate: ignored */
	EXPECT("");
	EV(&s, mk(0, D, 9, 10, "99:6", "")); /* overlap U <= id < u: applies */
	EXPECT("T0 B 99:6 #10\nP0 L ck0 #10 r0 f0 b100:2,99:6,98:1 a101:1\n");
	EV(&s, mk(0, D, 11, 11, "", "101:2"));
	EXPECT("T0 S 101:2 #11\nP0 L ck0 #11 r0 f0 b100:2,99:6,98:1 a101:2\n");
	/* a gap (U 13 > 12): RESYNCING at once, snapshot asked, event buffered */
	EV(&s, mk(0, D, 13, 14, "97:1", ""));
	EXPECT("S0 R\nN0\n");
	REST(&s, mk(0, SN, 10, 10, "1:1", "2:1")); /* older than the buffer: refetch */
	EXPECT("N0\n");
	CHECK_EQ_INT(s.inst[0].state, FEED_BOOK_ST_RESYNCING);
	CHECK_EQ_INT(s.inst[0].book.bids.n, 3); /* last good levels kept */
	REST(&s, mk(0, SN, 12, 12, "100:1", "101:1"));
	EXPECT("T0 BNG 100:1 #12\nT0 SN 101:1 #12\nT0 B 97:1 #14\n"
	       "P0 L ck0 #14 r1 f0 b100:1,97:1 a101:1\nS0 L\n");
	REST(&s, mk(0, SN, 20, 20, "5:1", "6:1")); /* late REST snapshot while LIVE: ignored */
	EXPECT("");
	/* a crossed book after a delta resyncs */
	EV(&s, mk(0, D, 15, 15, "101:1", ""));
	EXPECT("S0 R\nN0\n");
	CHECK_EQ_INT(s.inst[0].last_reason, FEED_BOOK_RS_CROSSED);
	CHECK_EQ_INT(s.inst[0].resyncs, 2);
	/* snapshot newer than every buffered delta: the next delta must
	 * straddle it (U <= L + 1) */
	EV(&s, mk(0, D, 16, 16, "1:1", ""));
	REST(&s, mk(0, SN, 30, 30, "100:1", "101:1"));
	EXPECT("T0 BNG 100:1 #30\nT0 SN 101:1 #30\nP0 L ck0 #30 r2 f0 b100:1 a101:1\nS0 L\n");
	EV(&s, mk(0, D, 29, 31, "99:1", ""));
	EXPECT("T0 B 99:1 #31\nP0 L ck0 #31 r2 f0 b100:1,99:1 a101:1\n");
	/* reconnect: RESYNCING, counted */
	CHECK_EQ_INT(feed_book_sync_start(&s, 0), 0);
	EXPECT("S0 R\n");
	CHECK_EQ_INT(s.inst[0].resyncs, 3);
	struct mdbus_book_update u;

	CHECK_EQ_INT(feed_book_sync_view(&s, 0, &u), 0);
	CHECK_EQ_INT(u.status, MDBUS_BOOK_RESYNCING);
	CHECK_EQ_INT(u.bids.n, 2);
	CHECK_EQ_INT(feed_book_sync_view(&s, 1, &u), -EINVAL);
	feed_book_sync_free(&s);
	feed_book_sync_free(&s);
}

/* Buffer overflow starts over; the stale check then refuses an old snapshot. */
static void test_rest_overflow(void)
{
	struct feed_venue_book_ops ops = {.sync = FEED_SYNC_REST_UU, .max_levels = 10};
	struct feed_book_sync_ctx s;

	setup(&s, &ops, 1, 2);
	EV(&s, mk(0, D, 1, 1, "10:1", ""));
	EXPECT("N0\n");
	EV(&s, mk(0, D, 2, 2, "10:2", ""));
	EV(&s, mk(0, D, 3, 3, "10:3", "")); /* third: the buffer (2) starts over */
	EXPECT("");
	CHECK_EQ_INT(s.inst[0].overflows, 1);
	CHECK_EQ_INT(s.inst[0].bev_n, 1);
	REST(&s, mk(0, SN, 1, 1, "10:9", "20:1")); /* 1 < 3 - 1: stale */
	EXPECT("N0\n");
	REST(&s, mk(0, SN, 2, 2, "10:9", "20:1"));
	EXPECT("T0 BN 10:9 #2\nT0 SN 20:1 #2\nT0 B 10:3 #3\nP0 L ck0 #3 r0 f0 b10:3 a20:1\nS0 L\n");
	feed_book_sync_free(&s);
}

/* ---- REST_PU: Binance USD-M futures -------------------------------------- */

static void test_rest_pu(void)
{
	struct feed_venue_book_ops ops = {.sync = FEED_SYNC_REST_PU, .max_levels = 10};
	struct feed_book_sync_ctx s;

	setup(&s, &ops, 1, 0);
	EV(&s, mkp(0, 5, 9, 4, "50:1", ""));
	EXPECT("N0\n");
	EV(&s, mkp(0, 10, 12, 9, "51:1", ""));
	EV(&s, mkp(0, 13, 14, 12, "52:1", ""));
	EXPECT("");
	/* L = 11: u 9 < 11 dropped; U 10 <= 11 <= 12 first; pu 12 chains */
	REST(&s, mk(0, SN, 11, 11, "49:1", "60:1"));
	EXPECT("T0 BN 49:1 #11\nT0 SN 60:1 #11\nT0 B 51:1 #12\nT0 B 52:1 #14\n"
	       "P0 L ck0 #14 r0 f0 b52:1,51:1,49:1 a60:1\nS0 L\n");
	EV(&s, mkp(0, 13, 14, 12, "52:7", "")); /* old duplicate */
	EXPECT("");
	EV(&s, mkp(0, 15, 15, 14, "", "60:0"));
	EXPECT("T0 S 60:0 #15\nP0 L ck0 #15 r0 f0 b52:1,51:1,49:1 a\n");
	EV(&s, mkp(0, 17, 18, 16, "53:1", "")); /* pu 16 != 15: gap */
	EXPECT("S0 R\nN0\n");
	/* stale: the buffered event starts at U 17 > L 16 */
	REST(&s, mk(0, SN, 16, 16, "40:1", "70:1"));
	EXPECT("N0\n");
	REST(&s, mk(0, SN, 17, 17, "40:1", "70:1"));
	EXPECT("T0 BNG 40:1 #17\nT0 SN 70:1 #17\nT0 B 53:1 #18\n"
	       "P0 L ck0 #18 r1 f0 b53:1,40:1 a70:1\nS0 L\n");
	feed_book_sync_free(&s);
}

/* ---- WS_PREV: OKX books (checksum, reset) --------------------------------- */

static void test_ws_prev(void)
{
	struct feed_venue_book_ops ops = {.sync = FEED_SYNC_WS_PREV,
					  .ck_levels = 2,
					  .resubscribe = 1,
					  .max_levels = 10,
					  .checksum = fake_ck};
	struct feed_book_sync_ctx s;

	setup(&s, &ops, 1, 0);
	EV(&s, mkp(0, 5, 5, 4, "1:1", "")); /* before the snapshot: dropped */
	EXPECT("");
	struct feed_book_ev e = mk(0, SN, 100, 100, "10:1,9:2,8:1", "11:1,12:1");

	e.has_ck = 1;
	e.checksum = ck_of("10:1,9:2", "11:1,12:1");
	EV(&s, e);
	EXPECT("T0 BN 10:1 #100\nT0 BN 9:2 #100\nT0 BN 8:1 #100\nT0 SN 11:1 #100\nT0 SN 12:1 #100\n"
	       "P0 L ck1 #100 r0 f0 b10:1,9:2,8:1 a11:1,12:1\nS0 L\n");
	e = mkp(0, 105, 105, 100, "9:3", "");
	e.has_ck = 1;
	e.checksum = ck_of("10:1,9:3", "11:1,12:1");
	EV(&s, e);
	EXPECT("T0 B 9:3 #105\nP0 L ck1 #105 r0 f0 b10:1,9:3,8:1 a11:1,12:1\n");
	EV(&s, mkp(0, 105, 105, 100, "9:3", "")); /* the same message again */
	EXPECT("");
	EV(&s, mkp(0, 3, 3, 105, "", "12:2")); /* seqId < prevSeqId: the venue's reset */
	EXPECT("T0 S 12:2 #3\nP0 L ck1 #3 r0 f0 b10:1,9:3,8:1 a11:1,12:2\n");
	EV(&s, mkp(0, 4, 4, 3, "", "")); /* no change, ids chain */
	EXPECT("P0 L ck1 #4 r0 f0 b10:1,9:3,8:1 a11:1,12:2\n");
	e = mkp(0, 5, 5, 4, "8:5", "");
	e.has_ck = 1;
	e.checksum = 12345; /* mismatch */
	EV(&s, e);
	EXPECT("S0 R\nR0\n");
	CHECK_EQ_INT(s.inst[0].checksum_fails, 1);
	EV(&s, mkp(0, 6, 6, 5, "8:6", "")); /* resyncing: dropped */
	EXPECT("");
	EV(&s, mk(0, SN, 200, 200, "10:1", "11:1"));
	EXPECT("T0 BNG 10:1 #200\nT0 SN 11:1 #200\nP0 L ck0 #200 r1 f1 b10:1 a11:1\nS0 L\n");
	EV(&s, mkp(0, 202, 202, 201, "10:2", "")); /* prevSeqId 201 != 200: gap */
	EXPECT("S0 R\nR0\n");
	CHECK_EQ_INT(s.inst[0].last_reason, FEED_BOOK_RS_GAP);
	feed_book_sync_free(&s);
}

/* ---- REST_PREV: OKX books (REST snapshot seqId, prevSeqId chain) -------- */

static void test_rest_prev(void)
{
	struct feed_venue_book_ops ops = {.sync = FEED_SYNC_REST_PREV, .max_levels = 10};
	struct feed_book_sync_ctx s;

	setup(&s, &ops, 1, 0);
	EV(&s, mk(0, SN, 100, 100, "1:1", "2:1")); /* the stream's snapshot: ignored */
	EXPECT("");
	CHECK_EQ_INT(s.inst[0].stream_snaps, 1);
	EV(&s, mkp(0, 105, 105, 100, "9:1", "")); /* buffered, then the snapshot asked */
	EXPECT("N0\n");
	EV(&s, mkp(0, 110, 110, 105, "", "12:1"));
	EV(&s, mkp(0, 112, 112, 110, "8:1", ""));
	EXPECT("");
	/* stale: L 99 < the first kept prevSeqId 100 */
	REST(&s, mk(0, SN, 99, 99, "10:1", "11:1"));
	EXPECT("N0\n");
	CHECK_EQ_INT(s.inst[0].last_reason, FEED_BOOK_RS_STALE);
	/* L 107: seqId 105 <= L dropped; 110 has prevSeqId 105 <= 107 < 110 */
	REST(&s, mk(0, SN, 107, 107, "10:2,9:5", "11:1"));
	EXPECT("T0 BN 10:2 #107\nT0 BN 9:5 #107\nT0 SN 11:1 #107\nT0 S 12:1 #110\n"
	       "T0 B 8:1 #112\nP0 L ck0 #112 r0 f0 b10:2,9:5,8:1 a11:1,12:1\nS0 L\n");
	REST(&s, mk(0, SN, 120, 120, "1:1", "2:1")); /* live: a late snapshot is ignored */
	EXPECT("");
	EV(&s, mkp(0, 112, 112, 112, "", "")); /* seqId == prevSeqId: unchanged book */
	EXPECT("P0 L ck0 #112 r0 f0 b10:2,9:5,8:1 a11:1,12:1\n");
	EV(&s, mkp(0, 110, 110, 105, "9:9", "")); /* an old repeat */
	EXPECT("");
	EV(&s, mk(0, SN, 300, 300, "1:1", "2:1")); /* stream snapshot while live */
	EXPECT("");
	CHECK_EQ_INT(s.inst[0].stream_snaps, 2);
	EV(&s, mkp(0, 115, 115, 112, "", "11:0"));
	EXPECT("T0 S 11:0 #115\nP0 L ck0 #115 r0 f0 b10:2,9:5,8:1 a12:1\n");
	/* seqId 3 < prevSeqId 115: the venue's reset, a resync */
	EV(&s, mkp(0, 3, 3, 115, "", ""));
	EXPECT("S0 R\nN0\n");
	CHECK_EQ_INT(s.inst[0].last_reason, FEED_BOOK_RS_RESET);
	EV(&s, mkp(0, 4, 4, 3, "", "13:1"));
	EXPECT("");
	REST(&s, mk(0, SN, 3, 3, "10:1", "13:2"));
	EXPECT("T0 BNG 10:1 #3\nT0 SN 13:2 #3\nT0 S 13:1 #4\n"
	       "P0 L ck0 #4 r1 f0 b10:1 a13:1\nS0 L\n");
	EV(&s, mkp(0, 9, 9, 7, "", "14:1")); /* prevSeqId 7 != 4: gap */
	EXPECT("S0 R\nN0\n");
	CHECK_EQ_INT(s.inst[0].last_reason, FEED_BOOK_RS_GAP);
	REST(&s, mk(0, SN, 8, 8, "10:1", "13:2"));
	EXPECT("T0 BNG 10:1 #8\nT0 SN 13:2 #8\nT0 S 14:1 #9\n"
	       "P0 L ck0 #9 r2 f0 b10:1 a13:2,14:1\nS0 L\n");
	/* a snapshot newer than every buffered event: the next one needs
	 * prevSeqId <= L < seqId */
	EV(&s, mkp(0, 11, 11, 10, "", "")); /* prevSeqId 10 != 9: gap */
	EXPECT("S0 R\nN0\n");
	REST(&s, mk(0, SN, 12, 12, "10:1", "13:2"));
	EXPECT("T0 BNG 10:1 #12\nT0 SN 13:2 #12\nP0 L ck0 #12 r3 f0 b10:1 a13:2\nS0 L\n");
	EV(&s, mkp(0, 14, 14, 11, "9:1", "")); /* 11 <= 12 < 14: the first after L */
	EXPECT("T0 B 9:1 #14\nP0 L ck0 #14 r3 f0 b10:1,9:1 a13:2\n");
	EV(&s, mk(0, D, 15, 15, "9:2", "")); /* no prevSeqId: not provable */
	EXPECT("S0 R\nN0\n");
	CHECK(s.inst[0].ignored >= 4);
	feed_book_sync_free(&s);
}

/* ---- WS_SEQ: Bybit (u == previous + 1, snapshot / u == 1 resets) ---------- */

static void test_ws_seq(void)
{
	struct feed_venue_book_ops ops = {
		.sync = FEED_SYNC_WS_SEQ, .resubscribe = 1, .max_levels = 50};
	struct feed_book_sync_ctx s;

	setup(&s, &ops, 1, 0);
	EV(&s, mk(0, SN, 40, 40, "10:1", "12:1"));
	EXPECT("T0 BN 10:1 #40\nT0 SN 12:1 #40\nP0 L ck0 #40 r0 f0 b10:1 a12:1\nS0 L\n");
	EV(&s, mk(0, D, 41, 41, "11:1", ""));
	EXPECT("T0 B 11:1 #41\nP0 L ck0 #41 r0 f0 b11:1,10:1 a12:1\n");
	EV(&s, mk(0, D, 41, 41, "11:9", "")); /* duplicate */
	EXPECT("");
	/* u == 1: the service restarted; the message replaces the book */
	EV(&s, mk(0, D, 1, 1, "20:1", "21:1"));
	EXPECT("T0 BN 20:1 #1\nT0 SN 21:1 #1\nP0 L ck0 #1 r0 f0 b20:1 a21:1\n");
	EV(&s, mk(0, D, 2, 2, "", "21:3"));
	EXPECT("T0 S 21:3 #2\nP0 L ck0 #2 r0 f0 b20:1 a21:3\n");
	EV(&s, mk(0, D, 4, 4, "", "22:1")); /* 3 missing */
	EXPECT("S0 R\nR0\n");
	EV(&s, mk(0, D, 5, 5, "", "22:1"));
	EXPECT("");
	/* a new snapshot at any time replaces the book */
	EV(&s, mk(0, SN, 90, 90, "30:1", "31:1"));
	EXPECT("T0 BNG 30:1 #90\nT0 SN 31:1 #90\nP0 L ck0 #90 r1 f0 b30:1 a31:1\nS0 L\n");
	EV(&s, mk(0, SN, 95, 95, "32:1", "33:1"));
	EXPECT("T0 BN 32:1 #95\nT0 SN 33:1 #95\nP0 L ck0 #95 r1 f0 b32:1 a33:1\n");
	feed_book_sync_free(&s);
}

/* ---- WS_PLAIN: Kraken checksum, Coinbase gap ------------------------------ */

static void test_ws_plain(void)
{
	struct feed_venue_book_ops ops = {.sync = FEED_SYNC_WS_PLAIN,
					  .ck_levels = 2,
					  .resubscribe = 1,
					  .max_levels = 3,
					  .checksum = fake_ck};
	struct feed_book_sync_ctx s;

	setup(&s, &ops, 1, 0);
	struct feed_book_ev e = mk(0, SN, 0, 0, "10:1,9:1,8:1", "11:1,12:1,13:1");

	e.has_ck = 1;
	e.checksum = ck_of("10:1,9:1", "11:1,12:1");
	EV(&s, e);
	EXPECT("T0 BN 10:1 #0\nT0 BN 9:1 #0\nT0 BN 8:1 #0\n"
	       "T0 SN 11:1 #0\nT0 SN 12:1 #0\nT0 SN 13:1 #0\n"
	       "P0 L ck1 #0 r0 f0 b10:1,9:1,8:1 a11:1,12:1,13:1\nS0 L\n");
	e = mk(0, D, 0, 0, "", "");
	EV(&s, e); /* empty update, no checksum: nothing changes but the view */
	EXPECT("P0 L ck1 #0 r0 f0 b10:1,9:1,8:1 a11:1,12:1,13:1\n");
	e = mk(0, D, 0, 0, "", "10:0");
	EV(&s, e); /* removal of an absent level: a tick all the same */
	EXPECT("T0 S 10:0 #0\nP0 L ck1 #0 r0 f0 b10:1,9:1,8:1 a11:1,12:1,13:1\n");
	e = mk(0, D, 0, 0, "", "12:5");
	e.has_ck = 1;
	e.checksum = ck_of("10:1,9:1", "11:1,12:4"); /* wrong */
	EV(&s, e);
	EXPECT("S0 R\nR0\n");
	CHECK_EQ_INT(s.inst[0].checksum_fails, 1);
	CHECK_EQ_INT(s.inst[0].last_reason, FEED_BOOK_RS_CHECKSUM);
	EV(&s, mk(0, SN, 0, 0, "10:1", "11:1"));
	EXPECT("T0 BNG 10:1 #0\nT0 SN 11:1 #0\nP0 L ck0 #0 r1 f1 b10:1 a11:1\nS0 L\n");
	/* Coinbase: the adapter saw a sequence gap */
	e = mk(0, D, 0, 0, "9:1", "");
	e.gap = 1;
	EV(&s, e);
	EXPECT("S0 R\nR0\n");
	EV(&s, e); /* more gap-flagged data while resyncing: dropped */
	EXPECT("");
	EV(&s, mk(0, SN, 0, 0, "", "")); /* an empty book: no tick to carry GAP */
	EXPECT("P0 L ck0 #0 r2 f1 b a\nS0 L\n");
	EV(&s, mk(0, SN, 0, 0, "10:1", "")); /* so the next snapshot's first tick does */
	EXPECT("T0 BNG 10:1 #0\nP0 L ck0 #0 r2 f1 b10:1 a\n");
	feed_book_sync_free(&s);
}

/* ---- WS_FULL: every message the whole top N ------------------------------- */

static void test_ws_full(void)
{
	struct feed_venue_book_ops ops = {
		.sync = FEED_SYNC_WS_FULL, .resubscribe = 1, .max_levels = 5};
	struct feed_book_sync_ctx s;

	setup(&s, &ops, 1, 0);
	EV(&s, mk(0, D, 7, 7, "10:1,9:1", "11:1"));
	EXPECT("T0 BN 10:1 #7\nT0 BN 9:1 #7\nT0 SN 11:1 #7\nP0 L ck0 #7 r0 f0 b10:1,9:1 a11:1\nS0 "
	       "L\n");
	EV(&s, mk(0, D, 8, 8, "10:2", "11:1,12:1"));
	EXPECT("T0 BN 10:2 #8\nT0 SN 11:1 #8\nT0 SN 12:1 #8\nP0 L ck0 #8 r0 f0 b10:2 a11:1,12:1\n");
	EV(&s, mk(0, D, 9, 9, "12:1", "11:1")); /* crossed full book: resync */
	EXPECT("S0 R\nR0\n");
	/* capacity 5 (max_levels): 6 levels keep the best 5, all ticked; the
	 * view stops at book_depth (5) */
	EV(&s, mk(0, D, 10, 10, "10:1,9:1,8:1,7:1,6:1,5:1", "11:1"));
	EXPECT("T0 BNG 10:1 #10\nT0 BN 9:1 #10\nT0 BN 8:1 #10\nT0 BN 7:1 #10\nT0 BN 6:1 #10\n"
	       "T0 SN 11:1 #10\nP0 L ck0 #10 r1 f0 b10:1,9:1,8:1,7:1,6:1 a11:1\nS0 L\n");
	CHECK_EQ_INT(s.inst[0].book.bids.dropped, 1);
	feed_book_sync_free(&s);
}

/* ---- Gate: U/u deltas and full=true snapshots on the stream --------------- */

static void test_gate_full(void)
{
	struct feed_venue_book_ops ops = {.sync = FEED_SYNC_REST_UU, .max_levels = 10};
	struct feed_book_sync_ctx s;

	setup(&s, &ops, 1, 0);
	EV(&s, mk(0, SN, 50, 50, "10:1", "11:1")); /* a full=true update */
	EXPECT("T0 BN 10:1 #50\nT0 SN 11:1 #50\nP0 L ck0 #50 r0 f0 b10:1 a11:1\nS0 L\n");
	EV(&s, mk(0, D, 51, 52, "9:1", ""));
	EXPECT("T0 B 9:1 #52\nP0 L ck0 #52 r0 f0 b10:1,9:1 a11:1\n");
	EV(&s, mk(0, SN, 60, 60, "8:1", "12:1")); /* full again while LIVE: replaces */
	EXPECT("T0 BN 8:1 #60\nT0 SN 12:1 #60\nP0 L ck0 #60 r0 f0 b8:1 a12:1\n");
	feed_book_sync_free(&s);
}

/* ---- isolation: one symbol's resync leaves the other alone ---------------- */

static void test_isolation(void)
{
	struct feed_venue_book_ops ops = {
		.sync = FEED_SYNC_WS_PREV, .resubscribe = 1, .max_levels = 10};
	struct feed_book_sync_ctx s;

	setup(&s, &ops, 2, 0);
	CHECK_EQ_INT(feed_book_sync_set_instrument(&s, 1, 42), 0);
	CHECK_EQ_INT(feed_book_sync_set_instrument(&s, 2, 1), -EINVAL);
	EV(&s, mk(0, SN, 10, 10, "10:1", "11:1"));
	EV(&s, mk(1, SN, 20, 20, "50:1", "51:1"));
	EXPECT("T0 BN 10:1 #10\nT0 SN 11:1 #10\nP0 L ck0 #10 r0 f0 b10:1 a11:1\nS0 L\n"
	       "T42 BN 50:1 #20\nT42 SN 51:1 #20\nP1 L ck0 #20 r0 f0 b50:1 a51:1\nS1 L\n");
	EV(&s, mkp(1, 25, 25, 24, "49:1", "")); /* sym 1 gap */
	EXPECT("S1 R\nR1\n");
	EV(&s, mkp(0, 11, 11, 10, "9:1", "")); /* sym 0 goes on */
	EXPECT("T0 B 9:1 #11\nP0 L ck0 #11 r0 f0 b10:1,9:1 a11:1\n");
	CHECK_EQ_INT(s.inst[0].state, FEED_BOOK_ST_LIVE);
	CHECK_EQ_INT(s.inst[0].resyncs, 0);
	CHECK_EQ_INT(s.inst[1].resyncs, 1);
	CHECK_EQ_INT(feed_book_sync_resync(&s, 0), 0); /* asked: sym 0 only */
	EXPECT("S0 R\nR0\n");
	CHECK_EQ_INT(s.inst[1].state, FEED_BOOK_ST_RESYNCING);
	struct feed_book_ev bad = mk(2, D, 1, 1, "", "");

	CHECK_EQ_INT(feed_book_sync_event(&s, &bad), -EINVAL);
	feed_book_sync_free(&s);
}

static void test_init_errors(void)
{
	struct feed_venue_book_ops none = {0}, ok = {.sync = FEED_SYNC_WS_FULL};
	struct feed_book_sync_ctx s;
	struct feed_book_cb nocb = {0};

	CHECK_EQ_INT(feed_book_sync_init(&s, &none, NULL, 1, NULL, &cbs, batch, 3), -EINVAL);
	CHECK_EQ_INT(feed_book_sync_init(&s, &ok, NULL, 0, NULL, &cbs, batch, 3), -EINVAL);
	CHECK_EQ_INT(feed_book_sync_init(&s, &ok, NULL, 1, NULL, &cbs, NULL, 3), -EINVAL);
	CHECK_EQ_INT(feed_book_sync_init(&s, &ok, NULL, 1, NULL, &nocb, batch, 3), -EINVAL);
	CHECK_EQ_INT(feed_book_sync_init(&s, &ok, NULL, 1, NULL, &cbs, batch, 3), 0);
	CHECK_EQ_INT(s.depth, FEED_BOOK_DEPTH_DEFAULT);
	feed_book_sync_free(&s);
}

int main(void)
{
	test_rest_uu();
	test_rest_overflow();
	test_rest_pu();
	test_ws_prev();
	test_rest_prev();
	test_ws_seq();
	test_ws_plain();
	test_ws_full();
	test_gate_full();
	test_isolation();
	test_init_errors();
	return feed_test_done("book_sync");
}
