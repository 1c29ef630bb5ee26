/* SPDX-License-Identifier: MIT */
/*
 * test_gateio_book.c: depth (FEED_CH_L2) of the Gate adapter, spot
 * spot.order_book_update: the subscribe text (one pair and its interval
 * per request), the docs' notification example (full: true replaces the
 * book), an incremental update, the REST snapshot path and the docs'
 * response example, bad input, and the refusal of l2 on futures.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "alloc_wrap.h"
#include "config.h"
#include "helpers.h"
#include "venue.h"

#define WALL_NS 1700000000987654321LL /* "time":1700000000 */

/* Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (as
 * test_nomalloc.c): parsing a depth message or a snapshot allocates
 * nothing (test_allocs does not move across the calls). */

static struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
static struct feed_venue_out out;

static int64_t fixed_clock(void)
{
	return WALL_NS;
}

static int ctx_open(struct feed_venue_ctx *v, char (*syms)[MDBUS_SYMBOL_MAX], size_t n,
		    uint32_t depth, char *err, size_t errlen)
{
	struct feed_session_config sc;

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "test");
	snprintf(sc.venue, sizeof(sc.venue), "gateio");
	sc.symbols = syms;
	sc.nsymbols = n;
	sc.channels = FEED_CH_L2;
	sc.price_decimals = 8;
	sc.qty_decimals = 10;
	sc.qty_unit = -1;
	sc.contract_size = 1;
	sc.contract_decimals = 4;
	sc.book_depth = depth;
	return feed_venue_ctx_init(v, feed_venue_find("gateio"), &sc, err, errlen);
}

static void msg(struct feed_venue_ctx *v, const char *m)
{
	memset(&out, 0, sizeof(out));
	out.ticks = ticks;
	out.cap = FEED_VENUE_TICKS_MIN;
	{
		unsigned long a = test_allocs;

		CHECK_EQ_INT(feed_venue_on_message(v, (const uint8_t *)m, strlen(m), 0, 9, &out),
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

static void next_sub(struct feed_venue_ctx *v, const char *want)
{
	char buf[512];
	size_t n = 0;

	CHECK_EQ_INT(feed_venue_subscribe_next(v, buf, sizeof(buf), &n), 1);
	if (n < sizeof(buf))
		buf[n] = '\0';
	CHECK_STR(buf, want);
}

/* The docs' notification example: full true, so a SNAPSHOT at u. */
static void test_events(struct feed_venue_ctx *v)
{
	msg(v,
	    "{\"time\":1606294781,\"time_ms\":1606294781236,\"channel\":\"spot.order_book_update\","
	    "\"event\":\"update\",\"result\":{\"t\":1606294781123,\"full\":true,\"l\":\"100\","
	    "\"e\":\"depthUpdate\",\"E\":1606294781,\"s\":\"BTC_USDT\",\"U\":48776301,"
	    "\"u\":48776306,\"b\":[[\"19137.74\",\"0.0001\"],[\"19088.37\",\"0\"]],"
	    "\"a\":[[\"19137.75\",\"0.6135\"]]}}");
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	if (out.cls != FEED_MSG_BOOK)
		return;
	CHECK(out.book == &v->book);
	CHECK_EQ_INT(out.book->sym, 0);
	CHECK_EQ_INT(out.book->kind, FEED_BOOK_SNAPSHOT);
	CHECK_EQ_INT(out.book->first_id, 48776301);
	CHECK_EQ_INT(out.book->last_id, 48776306);
	CHECK_EQ_INT(out.book->exch_ts, 1606294781123LL * 1000000);
	CHECK_EQ_INT(out.book->recv_ts, 9);
	CHECK_EQ_INT(out.book->nbids, 2);
	CHECK_EQ_INT(out.book->nasks, 1);
	check_lvl(&out.book->bids[0], 1913774000000LL, 1000000, 2, 4);
	check_lvl(&out.book->bids[1], 1908837000000LL, 0, 2, 0);
	check_lvl(&out.book->asks[0], 1913775000000LL, 6135000000LL, 2, 4);
	/* the same without full (incremental: the field is absent) */
	msg(v,
	    "{\"time\":1606294782,\"channel\":\"spot.order_book_update\",\"event\":\"update\","
	    "\"result\":{\"t\":1606294782000,\"l\":\"100\",\"e\":\"depthUpdate\",\"E\":1606294782,"
	    "\"s\":\"ETH_USDT\",\"U\":48776307,\"u\":48776310,\"b\":[],"
	    "\"a\":[[\"2000.5\",\"1.25\"]]}}");
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	CHECK_EQ_INT(out.book->sym, 1);
	CHECK_EQ_INT(out.book->kind, FEED_BOOK_DELTA);
	CHECK_EQ_INT(out.book->first_id, 48776307);
	CHECK_EQ_INT(out.book->last_id, 48776310);
	CHECK_EQ_INT(out.book->nbids, 0);
	CHECK_EQ_INT(out.book->nasks, 1);
	check_lvl(&out.book->asks[0], 200050000000LL, 12500000000LL, 1, 2);
}

static void test_bad(struct feed_venue_ctx *v)
{
	static const char *const bad[] = {
		/* incremental without U; u missing; U > u; full not a bool */
		"\"t\":1,\"s\":\"BTC_USDT\",\"u\":2,\"b\":[],\"a\":[]",
		"\"t\":1,\"s\":\"BTC_USDT\",\"U\":2,\"b\":[],\"a\":[]",
		"\"t\":1,\"s\":\"BTC_USDT\",\"U\":3,\"u\":2,\"b\":[],\"a\":[]",
		"\"t\":1,\"full\":\"yes\",\"s\":\"BTC_USDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]",
		/* no time; bad level; unknown pair; b missing */
		"\"s\":\"BTC_USDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]",
		"\"t\":1,\"s\":\"BTC_USDT\",\"U\":1,\"u\":2,\"b\":[[\"1\",\"x\"]],\"a\":[]",
		"\"t\":1,\"s\":\"XYZ_USDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]",
		"\"t\":1,\"s\":\"BTC_USDT\",\"U\":1,\"u\":2,\"a\":[]",
	};
	char m[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(m, sizeof(m),
			 "{\"time\":1,\"channel\":\"spot.order_book_update\",\"event\":\"update\","
			 "\"result\":{%s}}",
			 bad[i]);
		msg(v, m);
		if (out.cls != FEED_MSG_ERROR)
			fprintf(stderr, "bad[%zu]: class %d\n", i, out.cls);
		CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	}
	msg(v, "{\"time\":1,\"channel\":\"spot.order_book_update\",\"event\":\"update\","
	       "\"result\":[1]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
}

/* The REST docs' example response (GET /spot/order_book, with_id=true). */
static void test_rest(struct feed_venue_ctx *v)
{
	static const char body[] = "{\"id\":123456,\"current\":1623898993123,"
				   "\"update\":1623898993121,\"asks\":[[\"1.52\",\"1.151\"],"
				   "[\"1.53\",\"1.218\"]],\"bids\":[[\"1.17\",\"201.863\"],"
				   "[\"1.16\",\"725.464\"]]}";
	static const char noid[] = "{\"current\":1,\"update\":1,\"asks\":[],\"bids\":[]}";
	struct feed_book_ev ev;
	char buf[128];
	size_t n = 0;

	CHECK_EQ_INT(v->ops->book.sync, FEED_SYNC_REST_UU);
	CHECK_EQ_INT(v->ops->book.rest_snapshot(v, 1, buf, sizeof(buf), &n), 0);
	CHECK_STR(buf, "/api/v4/spot/order_book?currency_pair=ETH_USDT&limit=100&with_id=true");
	CHECK_EQ_INT(n, strlen(buf));
	CHECK_EQ_INT(v->ops->book.rest_snapshot(v, 1, buf, 16, &n), -ENOBUFS);
	{
		unsigned long a = test_allocs;

		CHECK_EQ_INT(
			v->ops->book.rest_parse(v, 0, (const uint8_t *)body, strlen(body), &ev), 0);
		CHECK(test_allocs == a);
	}
	CHECK_EQ_INT(ev.kind, FEED_BOOK_SNAPSHOT);
	CHECK_EQ_INT(ev.last_id, 123456);
	CHECK_EQ_INT(ev.exch_ts, 1623898993121LL * 1000000);
	CHECK_EQ_INT(ev.nbids, 2);
	CHECK_EQ_INT(ev.nasks, 2);
	check_lvl(&ev.bids[0], 117000000, 2018630000000LL, 2, 3);
	check_lvl(&ev.bids[1], 116000000, 7254640000000LL, 2, 3);
	check_lvl(&ev.asks[0], 152000000, 11510000000LL, 2, 3);
	check_lvl(&ev.asks[1], 153000000, 12180000000LL, 2, 3);
	/* without with_id there is no id: the snapshot is useless */
	CHECK_EQ_INT(v->ops->book.rest_parse(v, 0, (const uint8_t *)noid, strlen(noid), &ev),
		     -EBADMSG);
	CHECK(strstr(v->reason, "with_id") != NULL);
	CHECK_EQ_INT(v->ops->book.rest_parse(v, 0, (const uint8_t *)"{\"id\":1,\"bids\":[[1,2]]}",
					     23, &ev),
		     -EBADMSG);
}

int main(void)
{
	char spot[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT"};
	char perp[1][MDBUS_SYMBOL_MAX] = {"BTC-USDT-PERP"};
	struct feed_venue_ctx v;
	char err[256];

	{
		unsigned long a0 = test_allocs; /* the wrap is active: init allocates */

		CHECK_EQ_INT(ctx_open(&v, spot, 2, 20, err, sizeof(err)), 0);
		CHECK(test_allocs > a0);
	}
	v.clock = fixed_clock;
	feed_venue_ctx_reset(&v);
	/* one pair a request; book_depth 20 too: the 100ms (100-level) stream */
	next_sub(&v, "{\"time\":1700000000,\"id\":1,\"channel\":\"spot.order_book_update\","
		     "\"event\":\"subscribe\",\"payload\":[\"BTC_USDT\",\"100ms\"]}");
	next_sub(&v, "{\"time\":1700000000,\"id\":2,\"channel\":\"spot.order_book_update\","
		     "\"event\":\"subscribe\",\"payload\":[\"ETH_USDT\",\"100ms\"]}");
	msg(&v, "{\"time\":1700000001,\"time_ms\":1700000001000,\"id\":1,"
		"\"channel\":\"spot.order_book_update\",\"event\":\"subscribe\",\"error\":null,"
		"\"result\":{\"status\":\"success\"}}");
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	test_events(&v);
	test_bad(&v);
	test_rest(&v);
	feed_venue_ctx_free(&v);

	/* book_depth 50: the 100ms (100-level) stream */
	CHECK_EQ_INT(ctx_open(&v, spot, 1, 50, err, sizeof(err)), 0);
	v.clock = fixed_clock;
	feed_venue_ctx_reset(&v);
	next_sub(&v, "{\"time\":1700000000,\"id\":1,\"channel\":\"spot.order_book_update\","
		     "\"event\":\"subscribe\",\"payload\":[\"BTC_USDT\",\"100ms\"]}");
	feed_venue_ctx_free(&v);

	/* futures depth is not implemented: refused at set-up, with a reason */
	CHECK(ctx_open(&v, perp, 1, 20, err, sizeof(err)) < 0);
	CHECK(strstr(err, "spot") != NULL);
	return feed_test_done("test_gateio_book");
}
