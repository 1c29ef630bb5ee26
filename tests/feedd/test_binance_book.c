/* SPDX-License-Identifier: MIT */
/*
 * test_binance_book.c: depth (FEED_CH_L2) of the Binance spot and USD-M
 * futures adapters: the documented diff-depth events and REST snapshots
 * (the docs' example shapes), the subscribe text, the REST path, the
 * connection routing, and bad input (each an ERROR, never a crash).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "alloc_wrap.h"
#include "config.h"
#include "binance.h"
#include "helpers.h"
#include "venue.h"

/* Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (as
 * test_nomalloc.c): parsing a depth message or a snapshot allocates
 * nothing (test_allocs does not move across the calls). */

static struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
static struct feed_venue_out out;

/* 1: msg() puts a blank before each message, which the depthUpdate fast
 * path (feed_binance_depth_fast) declines: the general path reads it. */
static int slow;
static char slow_buf[1 << 17];

static struct feed_session_config session(const char *venue, char (*syms)[MDBUS_SYMBOL_MAX],
					  size_t n, uint32_t channels)
{
	struct feed_session_config sc;

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "test");
	snprintf(sc.venue, sizeof(sc.venue), "%s", venue);
	sc.symbols = syms;
	sc.nsymbols = n;
	sc.channels = channels;
	sc.price_decimals = 8;
	sc.qty_decimals = 8;
	sc.qty_unit = -1;
	sc.contract_size = 1;
	sc.book_depth = 20;
	return sc;
}

static void msg(struct feed_venue_ctx *v, const char *m)
{
	memset(&out, 0, sizeof(out));
	out.ticks = ticks;
	out.cap = FEED_VENUE_TICKS_MIN;
	if (slow) {
		CHECK(strlen(m) + 2 <= sizeof(slow_buf));
		snprintf(slow_buf, sizeof(slow_buf), " %s", m);
		m = slow_buf;
	}
	{
		unsigned long a = test_allocs;

		CHECK_EQ_INT(feed_venue_on_message(v, (const uint8_t *)m, strlen(m), 0, 5, &out),
			     0);
		CHECK(test_allocs == a); /* no malloc per message */
	}
}

static void check_lvl(const struct feed_book_lvl *l, int64_t px, int64_t qty, int pdp, int qdp)
{
	CHECK_EQ_INT(l->px, px);
	CHECK_EQ_INT(l->qty, qty);
	CHECK_EQ_INT(l->px_dp, pdp);
	CHECK_EQ_INT(l->qty_dp, qdp);
}

/* The spot docs' Diff. Depth Stream example, raw and combined. */
static void test_spot_event(struct feed_venue_ctx *v)
{
	static const char ex[] = "{\"e\":\"depthUpdate\",\"E\":1672515782136,\"s\":\"BNBBTC\","
				 "\"U\":157,\"u\":160,\"b\":[[\"0.0024\",\"10\"]],"
				 "\"a\":[[\"0.0026\",\"100\"]]}";
	char comb[512];

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0)
			msg(v, ex);
		snprintf(comb, sizeof(comb), "{\"stream\":\"bnbbtc@depth@100ms\",\"data\":%s}", ex);
		if (pass == 1)
			msg(v, comb);
		CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
		if (out.cls != FEED_MSG_BOOK)
			continue;
		CHECK(out.book == &v->book);
		CHECK_EQ_INT(out.book->sym, 1);
		CHECK_EQ_INT(out.book->kind, FEED_BOOK_DELTA);
		CHECK_EQ_INT(out.book->first_id, 157);
		CHECK_EQ_INT(out.book->last_id, 160);
		CHECK_EQ_INT(out.book->has_prev, 0);
		CHECK_EQ_INT(out.book->has_ck, 0);
		CHECK_EQ_INT(out.book->exch_ts, 1672515782136LL * 1000000);
		CHECK_EQ_INT(out.book->recv_ts, 5);
		CHECK_EQ_INT(out.book->nbids, 1);
		CHECK_EQ_INT(out.book->nasks, 1);
		check_lvl(&out.book->bids[0], 240000, 1000000000, 4, 0);
		check_lvl(&out.book->asks[0], 260000, 10000000000LL, 4, 0);
	}
	/* an empty side is legal: nothing changed there */
	msg(v, "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":161,\"u\":161,\"b\":[],"
	       "\"a\":[[\"65000.01\",\"0\"]]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK_EQ_INT(out.book->sym, 0);
	CHECK_EQ_INT(out.book->nbids, 0);
	CHECK_EQ_INT(out.book->nasks, 1);
	check_lvl(&out.book->asks[0], 6500001000000LL, 0, 2, 0);
}

/* Each is an ERROR, counted and skipped. */
static void test_bad(struct feed_venue_ctx *v, int futures)
{
	static const char *const bad[] = {
		/* U missing, u a string, U > u */
		"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"s\":\"BTCUSDT\",\"u\":2,\"pu\":1,\"b\":[]"
		",\"a\":[]}",
		"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":\"2\","
		"\"pu\":0,"
		"\"b\":[],\"a\":[]}",
		"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"s\":\"BTCUSDT\",\"U\":3,\"u\":2,\"pu\":0,"
		"\"b\":[],\"a\":[]}",
		/* a level of three, of one, not an array; a bad price; no list */
		"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"pu\":0,"
		"\"b\":[[\"1\",\"2\",\"3\"]],\"a\":[]}",
		"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"pu\":0,"
		"\"b\":[[\"1\"]],\"a\":[]}",
		"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"pu\":0,"
		"\"b\":[\"1\"],\"a\":[]}",
		"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"pu\":0,"
		"\"b\":[[\"x1\",\"2\"]],\"a\":[]}",
		"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"pu\":0,"
		"\"b\":[[\"1\",\"-2\"]],\"a\":[]}",
		"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"pu\":0,"
		"\"a\":[]}",
		"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"pu\":0,"
		"\"b\":[[\"1.000000001\",\"2\"]],\"a\":[]}",
		/* unknown symbol; truncated */
		"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"s\":\"XYZUSDT\",\"U\":1,\"u\":2,\"pu\":0,"
		"\"b\":[],\"a\":[]}",
		"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[["
		"\"1\",",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg(v, bad[i]);
		if (out.cls != FEED_MSG_ERROR)
			fprintf(stderr, "bad[%zu] (futures %d): class %d\n", i, futures, out.cls);
		CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
		CHECK(out.reason != NULL && out.reason[0] != '\0');
	}
	/* futures: pu is required (the chain rule needs it) */
	if (futures) {
		msg(v, "{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
		       "\"b\":[],\"a\":[]}");
		CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	}
}

/* More levels than v->lv_cap: an ERROR, not an overrun. */
static void test_too_many(struct feed_venue_ctx *v, int futures)
{
	size_t cap = 64 + (size_t)(v->lv_cap + 1) * 16, o;
	char *m = malloc(cap);

	CHECK(m != NULL);
	if (!m)
		return;
	/* each adapter's own layout: the fast path must stop at lv_cap too */
	o = (size_t)snprintf(m, cap,
			     "{\"e\":\"depthUpdate\",\"E\":1,%s\"s\":\"BTCUSDT\",\"U\":1,"
			     "\"u\":2,%s\"b\":[",
			     futures ? "\"T\":1," : "", futures ? "\"pu\":0," : "");
	for (uint32_t i = 0; i <= v->lv_cap; i++)
		o += (size_t)snprintf(m + o, cap - o, "%s[\"%u\",\"1\"]", i ? "," : "", i + 1);
	snprintf(m + o, cap - o, "],\"a\":[]}");
	memset(&out, 0, sizeof(out));
	CHECK_EQ_INT(feed_binance_depth_fast(v, m, strlen(m), futures, 5, &out), -EAGAIN);
	msg(v, m);
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK(strstr(out.reason, "more than") != NULL);
	free(m);
}

static void test_rest(struct feed_venue_ctx *v, const char *path, const char *body, int64_t ts)
{
	struct feed_book_ev ev;
	char buf[128];
	size_t n = 0;

	CHECK_EQ_INT(v->ops->book.rest_snapshot(v, 0, buf, sizeof(buf), &n), 0);
	CHECK_EQ_INT(n, strlen(path));
	CHECK_STR(buf, path);
	CHECK_EQ_INT(v->ops->book.rest_snapshot(v, 0, buf, 10, &n), -ENOBUFS);
	memset(&ev, 0xff, sizeof(ev));
	{
		unsigned long a = test_allocs;

		CHECK_EQ_INT(
			v->ops->book.rest_parse(v, 0, (const uint8_t *)body, strlen(body), &ev), 0);
		CHECK(test_allocs == a);
	}
	CHECK_EQ_INT(ev.kind, FEED_BOOK_SNAPSHOT);
	CHECK_EQ_INT(ev.sym, 0);
	CHECK_EQ_INT(ev.last_id, 1027024);
	CHECK_EQ_INT(ev.first_id, 1027024);
	CHECK_EQ_INT(ev.exch_ts, ts);
	CHECK_EQ_INT(ev.nbids, 1);
	CHECK_EQ_INT(ev.nasks, 1);
	check_lvl(&ev.bids[0], 400000000, 43100000000LL, 8, 8);
	check_lvl(&ev.asks[0], 400000200, 1200000000, 8, 8);
	/* bad bodies */
	CHECK_EQ_INT(v->ops->book.rest_parse(v, 0, (const uint8_t *)"{\"bids\":[],\"asks\":[]}", 21,
					     &ev),
		     -EBADMSG);
	CHECK(v->reason[0] != '\0');
	CHECK_EQ_INT(
		v->ops->book.rest_parse(v, 0, (const uint8_t *)"{\"lastUpdateId\":1,", 18, &ev),
		-EBADMSG);
	CHECK_EQ_INT(v->ops->book.rest_parse(
			     v, 0,
			     (const uint8_t
				      *)"{\"lastUpdateId\":1,\"bids\":[[\"a\",\"1\"]],\"asks\":[]}",
			     44, &ev),
		     -EBADMSG);
}

static void expect_sub(struct feed_venue_ctx *v, const char *want)
{
	char buf[1024];
	size_t n = 0;

	feed_venue_ctx_reset(v);
	CHECK_EQ_INT(feed_venue_subscribe_next(v, buf, sizeof(buf), &n), 1);
	if (n < sizeof(buf))
		buf[n] = '\0';
	CHECK_STR(buf, want);
}

/* What a depth message gave: the class, the event and its levels (or
 * the error text). */
struct got {
	int cls;
	struct feed_book_ev ev;
	struct feed_book_lvl lv[8];
	char reason[FEED_VENUE_REASON_MAX];
};

static void got_take(struct got *g)
{
	memset(g, 0, sizeof(*g));
	g->cls = out.cls;
	if (out.cls == FEED_MSG_BOOK && out.book) {
		g->ev = *out.book;
		CHECK(g->ev.nbids + g->ev.nasks <= 8);
		for (uint32_t k = 0; k < g->ev.nbids + g->ev.nasks && k < 8; k++)
			g->lv[k] = k < g->ev.nbids ? g->ev.bids[k] : g->ev.asks[k - g->ev.nbids];
		g->ev.bids = g->ev.asks = NULL;
	}
	if (out.reason)
		snprintf(g->reason, sizeof(g->reason), "%s", out.reason);
}

static void got_same(const struct got *a, const struct got *b, const char *m)
{
	/* "invalid JSON (N bytes)": N counts the blank in b */
	int inval = strncmp(a->reason, "invalid JSON", 12) == 0 &&
		    strncmp(b->reason, "invalid JSON", 12) == 0;
	const struct feed_book_ev *x = &a->ev, *y = &b->ev;
	int same = a->cls == b->cls && x->sym == y->sym && x->kind == y->kind &&
		   x->has_prev == y->has_prev && x->has_ck == y->has_ck && x->gap == y->gap &&
		   x->first_id == y->first_id && x->last_id == y->last_id &&
		   x->prev_id == y->prev_id && x->checksum == y->checksum &&
		   x->exch_ts == y->exch_ts && x->recv_ts == y->recv_ts && x->nbids == y->nbids &&
		   x->nasks == y->nasks && (inval || strcmp(a->reason, b->reason) == 0);

	for (uint32_t k = 0; same && k < a->ev.nbids + a->ev.nasks && k < 8; k++)
		same = a->lv[k].px == b->lv[k].px && a->lv[k].qty == b->lv[k].qty &&
		       a->lv[k].px_dp == b->lv[k].px_dp && a->lv[k].qty_dp == b->lv[k].qty_dp;
	if (!same)
		fprintf(stderr, "fast and general paths differ on %s\n", m);
	CHECK(same);
}

/*
 * m through on_message as sent and with a blank first (general path):
 * the same class, event, levels and error text. fast: 1 if the fast path
 * must take m (and give that event), 0 if it must decline (out untouched).
 */
static void both_paths(struct feed_venue_ctx *v, const char *m, int futures, int fast)
{
	struct got a, b;
	int rc, was = slow;

	memset(&out, 0, sizeof(out));
	rc = feed_binance_depth_fast(v, m, strlen(m), futures, 5, &out);
	if (rc != (fast ? 0 : -EAGAIN))
		fprintf(stderr, "fast path %d (want %s) on %s\n", rc, fast ? "0" : "-EAGAIN", m);
	CHECK_EQ_INT(rc, fast ? 0 : -EAGAIN);
	if (!fast)
		CHECK_EQ_INT(out.cls, 0); /* declined: out untouched */
	slow = 0;
	msg(v, m);
	got_take(&a);
	if (fast)
		CHECK_EQ_INT(a.cls, FEED_MSG_BOOK);
	slow = 1;
	msg(v, m);
	got_take(&b);
	slow = was;
	got_same(&a, &b, m);
}

#define DU "{\"e\":\"depthUpdate\",\"E\":1672515782136,"

/* Spot: the documented layout takes the fast path, bare or combined;
 * anything else declines, and both give the same result either way. */
static void test_fast_spot(struct feed_venue_ctx *v)
{
	static const char *const fast[] = {
		DU "\"s\":\"BNBBTC\",\"U\":157,\"u\":160,\"b\":[[\"0.0024\",\"10\"]],"
		   "\"a\":[[\"0.0026\",\"100\"]]}",
		DU "\"s\":\"BTCUSDT\",\"U\":777750000000,\"u\":777750000003,\"b\":[[\"50000.00\","
		   "\"2.5\"],[\"49999.99000000\",\"0.00000000\"],[\"1\",\"0.10000000\"]],\"a\":[]}",
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":1,\"b\":[],\"a\":[[\"65000.01\",\"0\"],"
		   "[\"65000.02000000\",\"1234567.12345678\"]]}",
		DU "\"s\":\"BTCUSDT\",\"U\":5,\"u\":9,\"b\":[],\"a\":[]}",
		/* fraction digits past the scale (8) that are zeros: exact */
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[[\"1.000000000\",\"2\"]],\"a\":[]}",
		"{\"stream\":\"bnbbtc@depth@100ms\",\"data\":" DU "\"s\":\"BNBBTC\",\"U\":157,"
		"\"u\":160,\"b\":[[\"0.0024\",\"10\"]],\"a\":[[\"0.0026\",\"100.5\"]]}}",
	};
	static const char *const general[] = {
		/* reordered, an extra member, the futures form, blanks, an escape */
		"{\"E\":1672515782136,\"e\":\"depthUpdate\",\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
		"\"b\":[],\"a\":[]}",
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"x\":0,\"b\":[],\"a\":[]}",
		DU "\"T\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"pu\":0,\"b\":[],\"a\":[]}",
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[ [\"1.5\",\"2\"]],\"a\":[]}",
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]} ",
		DU "\"s\":\"BTC\\u0055SDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}",
		/* values it leaves to the general path: more decimals than the
		 * scale, a leading zero, a sign, an exponent, a number, zero price */
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[[\"1.000000001\",\"2\"]],\"a\":[]}",
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[[\"01.5\",\"2\"]],\"a\":[]}",
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[[\"1.5\",\"-2\"]],\"a\":[]}",
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[[\"1e2\",\"2\"]],\"a\":[]}",
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[[1.5,\"2\"]],\"a\":[]}",
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[[\"0.0\",\"2\"]],\"a\":[]}",
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[[\"1.\",\"2\"]],\"a\":[]}",
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[[\"1.5\",\"2\",\"3\"]],\"a\":[]}",
		/* ids: U > u, a leading zero, a fraction; unknown symbol; truncated */
		DU "\"s\":\"BTCUSDT\",\"U\":3,\"u\":2,\"b\":[],\"a\":[]}",
		DU "\"s\":\"BTCUSDT\",\"U\":01,\"u\":2,\"b\":[],\"a\":[]}",
		DU "\"s\":\"BTCUSDT\",\"U\":1.0,\"u\":2,\"b\":[],\"a\":[]}",
		DU "\"s\":\"XYZUSDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}",
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]",
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[[\"1.5\",\"2",
		/* the wrapper with another member, or not closed */
		"{\"stream\":\"x\",\"data\":" DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[],"
		"\"a\":[]},\"x\":1}",
		"{\"stream\":\"x\",\"data\":" DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[],"
		"\"a\":[]}",
	};

	for (size_t i = 0; i < sizeof(fast) / sizeof(fast[0]); i++)
		both_paths(v, fast[i], 0, 1);
	for (size_t i = 0; i < sizeof(general) / sizeof(general[0]); i++)
		both_paths(v, general[i], 0, 0);
}

/* Futures: T and pu in their documented places; the spot form declines. */
static void test_fast_futures(struct feed_venue_ctx *v)
{
	static const char *const fast[] = {
		"{\"e\":\"depthUpdate\",\"E\":123456789,\"T\":123456788,\"s\":\"BTCUSDT\","
		"\"U\":157,\"u\":160,\"pu\":149,\"b\":[[\"0.0024\",\"10\"]],"
		"\"a\":[[\"0.0026\",\"100\"]]}",
		"{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\","
		"\"E\":1672515782136,\"T\":1672515782136,\"s\":\"BTCUSDT\",\"U\":777750000000,"
		"\"u\":777750000000,\"pu\":777749999999,\"b\":[[\"50000.00\",\"2.5\"]],\"a\":[]}}",
	};
	static const char *const general[] = {
		DU "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}",
		DU "\"T\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}",
		DU "\"T\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"pu\":\"0\",\"b\":[],\"a\":[]}",
		DU "\"T\":1,\"s\":\"BTCUSDT\",\"U\":1,\"pu\":0,\"u\":2,\"b\":[],\"a\":[]}",
	};

	for (size_t i = 0; i < sizeof(fast) / sizeof(fast[0]); i++)
		both_paths(v, fast[i], 1, 1);
	for (size_t i = 0; i < sizeof(general) / sizeof(general[0]); i++)
		both_paths(v, general[i], 1, 0);
}

static void test_spot(void)
{
	char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "BNB-BTC"};
	struct feed_session_config sc = session("binance", syms, 2, FEED_CH_L2);
	struct feed_venue_ctx v;
	char err[256];

	{
		unsigned long a0 = test_allocs; /* the wrap is active: init allocates */

		CHECK_EQ_INT(
			feed_venue_ctx_init(&v, feed_venue_find("binance"), &sc, err, sizeof(err)),
			0);
		CHECK(test_allocs > a0);
	}
	CHECK(v.lv != NULL && v.lv_cap >= 2 * FEED_BOOK_EV_LEVELS);
	CHECK_EQ_INT(v.ops->book.sync, FEED_SYNC_REST_UU);
	CHECK_EQ_INT(v.ops->book.rest_weight, 50); /* limit 1000 */
	CHECK(v.ops->book.checksum == NULL);
	expect_sub(&v, "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@depth@100ms\","
		       "\"bnbbtc@depth@100ms\"],\"id\":1}");
	test_spot_event(&v);
	test_fast_spot(&v);
	test_bad(&v, 0);
	test_too_many(&v, 0);
	/* the spot docs' REST example (no E/T on spot: exch_ts 0) */
	test_rest(&v, "/api/v3/depth?symbol=BTCUSDT&limit=1000",
		  "{\"lastUpdateId\":1027024,\"bids\":[[\"4.00000000\",\"431.00000000\"]],"
		  "\"asks\":[[\"4.00000200\",\"12.00000000\"]]}",
		  0);
	CHECK(v.st.msgs > 10);
	feed_venue_ctx_free(&v);
}

static void test_futures(void)
{
	char syms[1][MDBUS_SYMBOL_MAX] = {"BTC-USDT-PERP"};
	struct feed_session_config sc =
		session("binance-futures", syms, 1, FEED_CH_TRADES | FEED_CH_BBO | FEED_CH_L2);
	struct feed_venue_conn_plan plan[4];
	const struct feed_venue_ops *ops = feed_venue_find("binance-futures");
	struct feed_venue_ctx v;
	char err[256];

	/* depth rides /public with bookTicker; aggTrade has /market */
	CHECK_EQ_INT(feed_venue_plan(ops, &sc, plan, 4), 2);
	CHECK_EQ_INT(plan[1].channels, FEED_CH_BBO | FEED_CH_L2);
	CHECK_STR(plan[1].path, "/public/ws");
	sc.channels = FEED_CH_L2;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	CHECK_EQ_INT(v.ops->book.sync, FEED_SYNC_REST_PU);
	CHECK_EQ_INT(v.ops->book.rest_weight, 20); /* limit 1000 */
	expect_sub(&v, "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@depth@100ms\"],\"id\":1}");
	/* the USD-M docs' Diff. Book Depth example */
	msg(&v, "{\"e\":\"depthUpdate\",\"E\":123456789,\"T\":123456788,\"s\":\"BTCUSDT\","
		"\"U\":157,\"u\":160,\"pu\":149,\"b\":[[\"0.0024\",\"10\"]],"
		"\"a\":[[\"0.0026\",\"100\"]]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	if (out.cls == FEED_MSG_BOOK) {
		CHECK_EQ_INT(out.book->kind, FEED_BOOK_DELTA);
		CHECK_EQ_INT(out.book->first_id, 157);
		CHECK_EQ_INT(out.book->last_id, 160);
		CHECK_EQ_INT(out.book->has_prev, 1);
		CHECK_EQ_INT(out.book->prev_id, 149);
		CHECK_EQ_INT(out.book->exch_ts, 123456788LL * 1000000); /* T */
		check_lvl(&out.book->bids[0], 240000, 1000000000, 4, 0);
		check_lvl(&out.book->asks[0], 260000, 10000000000LL, 4, 0);
	}
	test_bad(&v, 1);
	test_fast_futures(&v);
	test_too_many(&v, 1);
	test_rest(&v, "/fapi/v1/depth?symbol=BTCUSDT&limit=1000",
		  "{\"lastUpdateId\":1027024,\"E\":1589436922972,\"T\":1589436922959,"
		  "\"bids\":[[\"4.00000000\",\"431.00000000\"]],"
		  "\"asks\":[[\"4.00000200\",\"12.00000000\"]]}",
		  1589436922959LL * 1000000);
	feed_venue_ctx_free(&v);
}

int main(void)
{
	/* every test on both paths: as sent (the fast path where it fits),
	 * then with a blank first (the general path only) */
	test_spot();
	test_futures();
	slow = 1;
	test_spot();
	test_futures();
	slow = 0;
	return feed_test_done("test_binance_book");
}
