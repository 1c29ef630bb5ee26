/* SPDX-License-Identifier: MIT */
/*
 * test_nomalloc.c: the hot path allocates nothing. Linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc: every call from our code
 * (the adapter, the JSON scanner, libmdbus's decimal parser) goes through
 * the counters below. The message handler runs over every class of message
 * (trades, book tickers, acks, rejects, bad values, garbage) and the
 * counters must not move. A control allocation proves the wrap is active.
 * The decode stage too: gzip frames through a GZIP venue's inflate state.
 * Each venue adapter too (Bybit: batches continued over several calls).
 * MEXC's protobuf pushes: protobuf-c (linked statically, so its own
 * malloc calls are wrapped too: a control proves it) unpacks into the
 * ctx's scratch arena.
 */
#include <stdint.h>
#define ZLIB_CONST
#include <zlib.h>

#include "alloc_wrap.h"
#include "config.h"
#include "helpers.h"
#include "mexc.pb-c.h"
#include "venue.h"

static const char *const msgs[] = {
	"{\"result\":null,\"id\":1}",
	"{\"error\":{\"code\":2,\"msg\":\"Invalid request\"},\"id\":2}",
	"{\"e\":\"trade\",\"E\":1700000000123,\"s\":\"BTCUSDT\",\"t\":12345,\"p\":\"65000.10\","
	"\"q\":\"0.00120000\",\"T\":1700000000120,\"m\":true,\"M\":true}",
	"{\"u\":400900217,\"s\":\"ETHUSDT\",\"b\":\"25.35190000\",\"B\":\"31.21000000\","
	"\"a\":\"25.36520000\",\"A\":\"40.66000000\"}",
	"{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\","
	"\"t\":1,\"p\":\"1\",\"q\":\"1\",\"T\":1,\"m\":false}}",
	"{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"65000.123456789\",\"q\":\"1\","
	"\"T\":1,\"m\":true}",
	"{\"e\":\"trade\",\"E\":1,\"s\":\"XRPUSDT\",\"t\":1,\"p\":\"1\",\"q\":\"1\",\"T\":1,"
	"\"m\":true}",
	"{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"1\",",
	"{\"e\":\"aggTrade\",\"s\":\"BTCUSDT\"}",
	"garbage",
};

/* Bybit: acks matched by req_id, pongs, a BBO, the 3 s re-send, trades,
 * a batch larger than the tick array (continued), bad values, garbage. */
static const char *const bybit_msgs[] = {
	"{\"success\":true,\"ret_msg\":\"subscribe\",\"conn_id\":\"c\",\"req_id\":\"1\","
	"\"op\":\"subscribe\"}",
	"{\"success\":false,\"ret_msg\":\"error:bad \\u00e9\",\"conn_id\":\"c\",\"req_id\":\"2\","
	"\"op\":\"subscribe\"}",
	"{\"success\":true,\"ret_msg\":\"pong\",\"conn_id\":\"c\",\"op\":\"ping\"}",
	"{\"topic\":\"publicTrade.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1672304486868,\"data\":"
	"[{\"T\":1672304486865,\"s\":\"BTCUSDT\",\"S\":\"Buy\",\"v\":\"0.001\",\"p\":"
	"\"16578.50\",\"L\":\"PlusTick\",\"i\":\"20f43950-d8dd-5b31-9112-a178eb6023af\","
	"\"BT\":false,\"seq\":1783284617}]}",
	"{\"topic\":\"orderbook.1.ETHUSDT\",\"ts\":1672304484978,\"type\":\"snapshot\",\"data\":"
	"{\"s\":\"ETHUSDT\",\"b\":[[\"16493.50\",\"0.006\"]],\"a\":[[\"16611.00\",\"0.029\"]],"
	"\"u\":18521288,\"seq\":7961638724},\"cts\":1672304484976}",
	"{\"topic\":\"orderbook.1.ETHUSDT\",\"ts\":1672304487978,\"type\":\"snapshot\",\"data\":"
	"{\"s\":\"ETHUSDT\",\"b\":[[\"16493.50\",\"0.006\"]],\"a\":[[\"16611.00\",\"0.029\"]],"
	"\"u\":18521288,\"seq\":7961638724},\"cts\":1672304484976}",
	"{\"topic\":\"publicTrade.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1,\"data\":[{\"T\":1,"
	"\"s\":\"BTCUSDT\",\"S\":\"Buy\",\"v\":\"1\",\"p\":\"1.000000001\",\"i\":\"1\"}]}",
	"{\"topic\":\"publicTrade.XRPUSDT\",\"type\":\"snapshot\",\"ts\":1,\"data\":[]}",
	"{\"topic\":\"tickers.BTCUSDT\",\"data\":{}}",
	"{\"topic\":\"publicTrade.BTCUSDT\",",
	"garbage",
};

/* The Bybit adapter over every class of message, and a 40-trade batch in
 * pieces of the tick array: no allocation either. */
/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_bybit(const struct feed_session_config *sc)
{
	struct feed_venue_ops ops = *feed_venue_find("bybit");
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};
	struct feed_venue_ctx v;
	static char batch[8192];
	unsigned long before, classes = 0;
	char buf[1024], err[128];
	size_t n, o;
	int rc;

	o = (size_t)snprintf(batch, sizeof(batch),
			     "{\"topic\":\"publicTrade.ETHUSDT\",\"type\":"
			     "\"snapshot\",\"ts\":1,\"data\":[");
	for (int k = 0; k < 40; k++)
		o += (size_t)snprintf(batch + o, sizeof(batch) - o,
				      "%s{\"T\":%d,\"s\":\"ETHUSDT\",\"S\":\"Sell\",\"v\":\"1\","
				      "\"p\":\"2\",\"i\":\"%d\",\"seq\":%d}",
				      k ? "," : "", k + 1, k + 1, k + 1);
	o += (size_t)snprintf(batch + o, sizeof(batch) - o, "]}");
	ops.limits.streams_per_req = 2; /* ids 1 and 2: an ack and a rejection */
	CHECK_EQ_INT(feed_venue_ctx_init(&v, &ops, sc, err, sizeof(err)), 0);
	before = test_allocs;
	for (int round = 0; round < 1000; round++) {
		feed_venue_ctx_reset(&v);
		while ((rc = feed_venue_subscribe_next(&v, buf, sizeof(buf), &n)) == 1)
			;
		CHECK_EQ_INT(rc, 0);
		CHECK_EQ_INT(feed_venue_ping(&v, buf, sizeof(buf), &n, round), 0);
		for (size_t i = 0; i < sizeof(bybit_msgs) / sizeof(bybit_msgs[0]); i++) {
			if (feed_venue_on_message(&v, (const uint8_t *)bybit_msgs[i],
						  strlen(bybit_msgs[i]), 0, round, &out) != 0)
				feed_test_failures++;
			if (round == 0)
				classes |= 1ul << out.cls;
		}
		do {
			if (feed_venue_on_message(&v, (const uint8_t *)batch, o, 0, round, &out) !=
			    0)
				feed_test_failures++;
		} while (out.more);
	}
	CHECK_EQ_INT(test_allocs - before, 0);
	CHECK(classes & (1ul << FEED_MSG_DATA));
	CHECK(classes & (1ul << FEED_MSG_ACK));
	CHECK(classes & (1ul << FEED_MSG_REJECT));
	CHECK(classes & (1ul << FEED_MSG_HEARTBEAT));
	CHECK(classes & (1ul << FEED_MSG_ERROR));
	CHECK(classes & (1ul << FEED_MSG_UNKNOWN));
	CHECK_EQ_INT(v.st.ticks, 1000 * (1 + 1 + 40)); /* a trade, a BBO, the batch */
	CHECK_EQ_INT(v.st.pieces, 1000 * 2);
	feed_venue_ctx_free(&v);
}

/* A gzip'd trade, inflated 1000 times by a GZIP variant of the adapter:
 * the inflate state is made at set-up, so no message allocates. */
static void test_gzip(const struct feed_session_config *sc)
{
	static const char trade[] = "{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":1,"
				    "\"p\":\"1\",\"q\":\"1\",\"T\":1,\"m\":true}";
	struct feed_venue_ops ops = *feed_venue_find("binance");
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};
	struct feed_venue_ctx v;
	uint8_t z[256];
	unsigned long before;
	char err[128];
	z_stream zs;
	size_t n;

	memset(&zs, 0, sizeof(zs));
	CHECK_EQ_INT(deflateInit2(&zs, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (const Bytef *)trade;
	zs.avail_in = sizeof(trade) - 1;
	zs.next_out = z;
	zs.avail_out = sizeof(z);
	CHECK_EQ_INT(deflate(&zs, Z_FINISH), Z_STREAM_END);
	n = sizeof(z) - zs.avail_out;
	deflateEnd(&zs);
	ops.flags |= FEED_VENUE_F_GZIP;
	ops.scratch_size = 4096;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, &ops, sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	before = test_allocs;
	for (int round = 0; round < 1000; round++) {
		CHECK_EQ_INT(feed_venue_on_message(&v, z, n, 1, round, &out), 0);
		if (out.cls != FEED_MSG_DATA)
			feed_test_failures++;
	}
	CHECK_EQ_INT(test_allocs - before, 0);
	CHECK_EQ_INT(v.st.ticks, 1000);
	feed_venue_ctx_free(&v);
}

/* Gate: spot and perp sessions (subscribe with the wall time, acks by id
 * and by channel, trades, a futures batch larger than the tick array with
 * its continuation, book tickers, pongs, errors) allocate nothing. */
static const char *const gateio_msgs[] = {
	"{\"time\":1,\"channel\":\"spot.trades\",\"event\":\"subscribe\",\"id\":1,\"error\":null,"
	"\"result\":{\"status\":\"success\"}}",
	"{\"time\":1,\"channel\":\"spot.book_ticker\",\"event\":\"subscribe\",\"id\":2,\"error\":{"
	"\"code\":2,\"message\":\"Invalid argument provided\"},\"result\":null}",
	"{\"time\":1,\"channel\":\"spot.book_ticker\",\"event\":\"subscribe\",\"error\":null,"
	"\"result\":{\"status\":\"success\"}}",
	"{\"time\":1606292218,\"channel\":\"spot.trades\",\"event\":\"update\",\"result\":{\"id\":"
	"309143071,\"id_market\":2390902,\"create_time_ms\":\"1606292218213.4578\",\"side\":"
	"\"sell\",\"currency_pair\":\"BTC_USDT\",\"amount\":\"16.47\",\"price\":\"0.4705\","
	"\"id_market\":5736713}}",
	"{\"time\":1,\"channel\":\"spot.book_ticker\",\"event\":\"update\",\"result\":{\"t\":"
	"1606293275123,\"u\":48733182,\"s\":\"ETH_USDT\",\"b\":\"19177.79\",\"B\":\"0.00033415\","
	"\"a\":\"19179.38\",\"A\":\"0.09\"}}",
	"{\"time\":1,\"channel\":\"spot.pong\",\"event\":\"\",\"error\":null,\"result\":null}",
	"{\"time\":1,\"channel\":\"\",\"event\":\"\",\"error\":{\"code\":1,\"message\":\"x\"}}",
	"{\"time\":1,\"channel\":\"spot.trades\",\"event\":\"update\",\"result\":{\"id\":1,"
	"\"create_time_ms\":\"1\",\"side\":\"up\",\"currency_pair\":\"BTC_USDT\"}}",
	"{\"time\":1,\"channel\":\"spot.tickers\",\"event\":\"update\",\"result\":{}}",
	"garbage",
};

static void test_gateio(void)
{
	char spot[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT"};
	char perp[1][MDBUS_SYMBOL_MAX] = {"BTC-USDT-PERP"};
	const struct feed_venue_ops *ops = feed_venue_find("gateio");
	struct feed_session_config sc;
	struct feed_venue_ctx v, f;
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};
	char buf[4096], err[128];
	unsigned long before;
	size_t n, o;

	memset(&sc, 0, sizeof(sc));
	sc.symbols = spot;
	sc.nsymbols = 2;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = sc.qty_decimals = -1;
	sc.qty_unit = -1;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	sc.symbols = perp;
	sc.nsymbols = 1;
	sc.contract_size = 1;
	sc.contract_decimals = 4;
	CHECK_EQ_INT(feed_venue_ctx_init(&f, ops, &sc, err, sizeof(err)), 0);
	/* 40 futures trades in one message: three pieces of at most 16 */
	o = (size_t)snprintf(buf, sizeof(buf),
			     "{\"channel\":\"futures.trades\",\"event\":"
			     "\"update\",\"result\":[");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
				      "%s{\"size\":-%d,\"id\":%d,\"create_time_ms\":1545136464123,"
				      "\"price\":\"96.4\",\"contract\":\"BTC_USDT\"}",
				      i ? "," : "", i + 1, i);
	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "]}");
	before = test_allocs;
	for (int round = 0; round < 1000; round++) {
		char sub[1024];
		feed_venue_ctx_reset(&v);
		while (feed_venue_subscribe_next(&v, sub, sizeof(sub), &n) == 1)
			;
		CHECK_EQ_INT(feed_venue_ping(&v, sub, sizeof(sub), &n, round), 0);
		for (size_t i = 0; i < sizeof(gateio_msgs) / sizeof(gateio_msgs[0]); i++)
			CHECK_EQ_INT(feed_venue_on_message(&v, (const uint8_t *)gateio_msgs[i],
							   strlen(gateio_msgs[i]), 0, round, &out),
				     0);
		do
			CHECK_EQ_INT(
				feed_venue_on_message(&f, (const uint8_t *)buf, o, 0, round, &out),
				0);
		while (out.more);
	}
	CHECK_EQ_INT(test_allocs - before, 0);
	CHECK_EQ_INT(v.st.ticks, 2000);
	CHECK_EQ_INT(f.st.ticks, 40000);
	CHECK_EQ_INT(v.st.cls[FEED_MSG_ACK] > 0 && v.st.cls[FEED_MSG_REJECT] > 0, 1);
	feed_venue_ctx_free(&v);
	feed_venue_ctx_free(&f);
}

/* Coinbase: subscriptions lists, id-less errors, match/last_match, ticker,
 * heartbeat, sequence gaps, bad values, garbage: no allocation. */
static const char *const cb_msgs[] = {
	"{\"type\":\"subscriptions\",\"channels\":[{\"name\":\"matches\",\"product_ids\":"
	"[\"BTC-USD\"]},{\"name\":\"ticker\",\"product_ids\":[\"BTC-USD\"]},"
	"{\"name\":\"heartbeat\",\"product_ids\":[\"BTC-USD\"]}]}",
	"{\"type\":\"error\",\"message\":\"Failed to subscribe\",\"reason\":\"ETH-USD is not a "
	"valid product\"}",
	"{\"type\":\"last_match\",\"trade_id\":9,\"sequence\":49,\"maker_order_id\":\"a\","
	"\"taker_order_id\":\"b\",\"time\":\"2014-11-07T08:19:27.028459Z\",\"product_id\":"
	"\"BTC-USD\",\"size\":\"5.23512\",\"price\":\"400.23\",\"side\":\"sell\"}",
	"{\"type\":\"match\",\"trade_id\":10,\"sequence\":50,\"maker_order_id\":\"a\","
	"\"taker_order_id\":\"b\",\"time\":\"2014-11-07T08:19:27.028459Z\",\"product_id\":"
	"\"BTC-USD\",\"size\":\"5.23512\",\"price\":\"400.23\",\"side\":\"sell\"}",
	"{\"type\":\"ticker\",\"sequence\":53,\"product_id\":\"BTC-USD\",\"price\":\"1285.22\","
	"\"best_bid\":\"1285.04\",\"best_bid_size\":\"0.46688654\",\"best_ask\":\"1285.27\","
	"\"best_ask_size\":\"1.56637040\",\"side\":\"buy\",\"time\":"
	"\"2022-10-19T23:28:22.061769Z\",\"trade_id\":370843401,\"last_size\":\"11.4396987\"}",
	"{\"type\":\"ticker\",\"sequence\":51,\"product_id\":\"BTC-USD\",\"best_bid\":\"1\","
	"\"best_bid_size\":\"1\",\"best_ask\":\"2\",\"best_ask_size\":\"1\"}",
	"{\"type\":\"heartbeat\",\"sequence\":53,\"last_trade_id\":10,\"product_id\":"
	"\"BTC-USD\",\"time\":\"2014-11-07T08:19:28.464459Z\"}",
	"{\"type\":\"match\",\"trade_id\":\"uuid-1\",\"sequence\":54,\"time\":"
	"\"2014-11-07T08:19:27Z\",\"product_id\":\"BTC-USD\",\"size\":\"1\",\"price\":"
	"\"400.123456789\",\"side\":\"buy\"}",
	"{\"type\":\"match\",\"product_id\":\"XRP-USD\"}",
	"{\"type\":\"l2update\",\"product_id\":\"BTC-USD\"}",
	"{\"type\":\"match\",",
};

static void test_coinbase(void)
{
	char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USD", "ETH-USD"};
	const struct feed_venue_ops *ops = feed_venue_find("coinbase");
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};
	struct feed_session_config sc;
	struct feed_venue_ctx v;
	unsigned long before, classes = 0;
	char buf[1024], err[128];
	size_t n;
	int rc;

	memset(&sc, 0, sizeof(sc));
	sc.symbols = syms;
	sc.nsymbols = 2;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = sc.qty_decimals = -1;
	CHECK(ops != NULL);
	if (!ops)
		return;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	before = test_allocs;
	for (int round = 0; round < 1000; round++) {
		feed_venue_ctx_reset(&v);
		while ((rc = feed_venue_subscribe_next(&v, buf, sizeof(buf), &n)) == 1)
			;
		CHECK_EQ_INT(rc, 0);
		for (size_t i = 0; i < sizeof(cb_msgs) / sizeof(cb_msgs[0]); i++) {
			if (feed_venue_on_message(&v, (const uint8_t *)cb_msgs[i],
						  strlen(cb_msgs[i]), 0, round, &out) != 0)
				feed_test_failures++;
			if (round == 0)
				classes |= 1ul << out.cls;
		}
	}
	CHECK_EQ_INT(test_allocs - before, 0);
	CHECK(classes & (1ul << FEED_MSG_DATA));
	CHECK(classes & (1ul << FEED_MSG_ACK));
	CHECK(classes & (1ul << FEED_MSG_HEARTBEAT));
	CHECK(classes & (1ul << FEED_MSG_ERROR));
	CHECK(classes & (1ul << FEED_MSG_UNKNOWN));
	CHECK_EQ_INT(v.st.ticks, 3000); /* last_match, match, ticker 53 (51 is stale) */
	CHECK(v.st.gaps >= 1000);	/* 50 -> 53 each round */
	feed_venue_ctx_free(&v);
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
/* Kraken spot v2: per-symbol acks and rejects, batches (one larger than
 * the tick array, so continuation runs), bbo, keepalive, bad values. */
static const char *const kraken_msgs[] = {
	"{\"method\":\"subscribe\",\"result\":{\"channel\":\"trade\",\"symbol\":\"BTC/USD\"},"
	"\"success\":true,\"req_id\":1}",
	"{\"error\":\"Currency pair not supported ETH/USD\",\"method\":\"subscribe\","
	"\"success\":false,\"symbol\":\"ETH/USD\",\"req_id\":1}",
	"{\"channel\":\"trade\",\"type\":\"update\",\"data\":[{\"symbol\":\"BTC/USD\","
	"\"side\":\"sell\",\"price\":65000.1,\"qty\":0.0012,\"ord_type\":\"market\","
	"\"trade_id\":1,\"timestamp\":\"2023-09-25T07:49:37.708706Z\"}]}",
	"{\"channel\":\"ticker\",\"type\":\"update\",\"data\":[{\"symbol\":\"ETH/USD\","
	"\"bid\":0.10025,\"bid_qty\":740.0,\"ask\":0.10035,\"ask_qty\":7.4e2,"
	"\"timestamp\":\"2023-09-25T09:04:31.742648Z\"}]}",
	"{\"channel\":\"trade\",\"type\":\"update\",\"data\":[{\"symbol\":\"BTC/USD\","
	"\"side\":\"buy\",\"price\":1.123456789,\"qty\":1,\"trade_id\":2,"
	"\"timestamp\":\"2023-09-25T07:49:37Z\"}]}",
	"{\"channel\":\"heartbeat\"}",
	"{\"method\":\"pong\",\"req_id\":3}",
	"{\"channel\":\"status\",\"type\":\"update\",\"data\":[{\"system\":\"online\"}]}",
	"{\"channel\":\"book\",\"data\":[]}",
	"{\"error\":\"Malformed request\",\"method\":\"error\",\"success\":false}",
	"{\"channel\":\"trade\",\"data\":[",
};

/* Long: one scripted loop and its checks. */
static void test_kraken(void)
{
	char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USD", "ETH-USD"};
	static char batch[8192];
	struct feed_session_config sc;
	struct feed_venue_ctx v;
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};
	unsigned long before, classes = 0;
	char buf[1024], err[128];
	size_t n, o;
	int rc;

	memset(&sc, 0, sizeof(sc));
	sc.symbols = syms;
	sc.nsymbols = 2;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = sc.qty_decimals = -1;
	o = (size_t)snprintf(batch, sizeof(batch), "{\"channel\":\"trade\",\"data\":[");
	for (int k = 0; k < 40; k++)
		o += (size_t)snprintf(
			batch + o, sizeof(batch) - o,
			"%s{\"symbol\":\"ETH/USD\",\"side\":\"buy\",\"price\":3000.%d,"
			"\"qty\":1,\"trade_id\":%d,\"timestamp\":\"2023-09-25T07:49:37Z\"}",
			k ? "," : "", k, k + 1);
	snprintf(batch + o, sizeof(batch) - o, "]}");
	CHECK_EQ_INT(feed_venue_ctx_init(&v, feed_venue_find("kraken"), &sc, err, sizeof(err)), 0);
	before = test_allocs;
	for (int round = 0; round < 1000; round++) {
		feed_venue_ctx_reset(&v);
		while ((rc = feed_venue_subscribe_next(&v, buf, sizeof(buf), &n)) == 1)
			;
		CHECK_EQ_INT(rc, 0);
		CHECK_EQ_INT(feed_venue_ping(&v, buf, sizeof(buf), &n, 0), 0);
		for (size_t i = 0; i <= sizeof(kraken_msgs) / sizeof(kraken_msgs[0]); i++) {
			const char *m = i < sizeof(kraken_msgs) / sizeof(kraken_msgs[0])
						? kraken_msgs[i]
						: batch;
			do {
				if (feed_venue_on_message(&v, (const uint8_t *)m, strlen(m), 0,
							  (int64_t)round, &out) != 0)
					feed_test_failures++;
				if (round == 0)
					classes |= 1ul << out.cls;
			} while (out.more);
		}
	}
	CHECK_EQ_INT(test_allocs - before, 0);
	CHECK(classes & (1ul << FEED_MSG_DATA));
	CHECK(classes & (1ul << FEED_MSG_ACK));
	CHECK(classes & (1ul << FEED_MSG_REJECT));
	CHECK(classes & (1ul << FEED_MSG_ERROR));
	CHECK(classes & (1ul << FEED_MSG_HEARTBEAT));
	CHECK(classes & (1ul << FEED_MSG_UNKNOWN));
	CHECK_EQ_INT(v.st.ticks, 42000);
	CHECK(v.st.pieces >= 2000u);
	feed_venue_ctx_free(&v);
}

/* Binance: acks, rejects, trades, BBO, errors over 1000 reconnections. */
static void test_binance(struct feed_session_config *scp)
{
	struct feed_session_config sc = *scp;
	struct feed_venue_ctx v;
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};
	unsigned long before, classes = 0;
	char buf[1024], err[128];
	size_t n, i;
	int round, rc;
	void *p;
	void *(*volatile mallocp)(size_t) = malloc;
	struct feed_venue_ops ops = *feed_venue_find("binance");

	/* Set-up may allocate (once per session). */
	/* One symbol per subscribe message: round 0 sends ids 1 and 2, so the
	 * script below has both an ack (1) and a rejection (2). */
	ops.limits.streams_per_req = 2;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, &ops, &sc, err, sizeof(err)), 0);
	CHECK(test_allocs > 0);

	/* Control: the wrap is active in this binary (through a volatile
	 * pointer so that the compiler cannot elide the pair). */
	before = test_allocs;
	p = mallocp(16);
	CHECK_EQ_INT(test_allocs, before + 1);
	free(p);

	before = test_allocs;
	for (round = 0; round < 1000; round++) {
		/* A reconnection, its subscriptions, then every message kind. */
		feed_venue_ctx_reset(&v);
		while ((rc = feed_venue_subscribe_next(&v, buf, sizeof(buf), &n)) == 1)
			;
		CHECK_EQ_INT(rc, 0);
		for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
			rc = feed_venue_on_message(&v, (const uint8_t *)msgs[i], strlen(msgs[i]), 0,
						   (int64_t)round, &out);
			if (rc != 0)
				feed_test_failures++;
			if (round == 0)
				classes |= 1ul << out.cls;
		}
		/* Later rounds send new ids: their ack/reject messages become
		 * UNKNOWN ("unknown request id"), also without allocating. */
	}
	CHECK_EQ_INT(test_allocs - before, 0);
	/* Every interesting class was exercised. */
	CHECK(classes & (1ul << FEED_MSG_DATA));
	CHECK(classes & (1ul << FEED_MSG_ACK));
	CHECK(classes & (1ul << FEED_MSG_REJECT));
	CHECK(classes & (1ul << FEED_MSG_ERROR));
	CHECK(classes & (1ul << FEED_MSG_UNKNOWN));
	CHECK_EQ_INT(v.st.ticks, 3000);
	feed_venue_ctx_free(&v);
	printf("allocations in %d x %zu messages: %lu\n", 1000, sizeof(msgs) / sizeof(msgs[0]),
	       test_allocs - before);
}

/* gzip (windowBits 31) of the text m into z; its length. */
static size_t gzip_text(const char *m, uint8_t *z, size_t cap)
{
	z_stream zs;
	size_t n;

	memset(&zs, 0, sizeof(zs));
	CHECK_EQ_INT(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (const Bytef *)m;
	zs.avail_in = (uInt)strlen(m);
	zs.next_out = z;
	zs.avail_out = (uInt)cap;
	CHECK_EQ_INT(deflate(&zs, Z_FINISH), Z_STREAM_END);
	n = cap - zs.avail_out;
	deflateEnd(&zs);
	return n;
}

/* BingX frames, gzip'd as BingX sends every frame: acks, a reject,
 * pings, trades, a BBO, bad values and a swap batch of 40 trades (more
 * than the tick array) last, into z[0..BX_FRAMES). */
#define BX_FRAMES 11
static void bx_frames(uint8_t (*z)[1024], size_t *zn)
{
	static const char *const bx[] = {
		"{\"id\":\"1\",\"code\":0,\"msg\":\"\"}",
		"{\"id\":\"2\",\"code\":100400,\"msg\":\"ILLEGAL_ARGUMENT\"}",
		"{\"ping\":\"2177c68e4d0e45679965f482929b59c2\",\"time\":\"2022-06-07T16:27:36.323+"
		"0800\"}",
		"Ping",
		"{\"data\":{\"E\":1649832413551,\"T\":1649832413512,\"e\":\"trade\",\"p\":"
		"\"40125.48\",\"q\":\"0.007146\",\"s\":\"BTC-USDT\",\"t\":\"33685717\"},"
		"\"dataType\":\"BTC-USDT@trade\"}",
		"{\"data\":{\"T\":1,\"m\":true,\"p\":\"1\",\"q\":\"1\",\"s\":\"BTC-USDT\","
		"\"t\":\"x-1\"},\"dataType\":\"BTC-USDT@trade\"}",
		"{\"code\":0,\"dataType\":\"ETH-USDT@bookTicker\",\"data\":{\"s\":\"ETH-USDT\","
		"\"b\":\"1.5\",\"B\":\"2\",\"a\":\"3\",\"A\":\"4\",\"T\":1}}",
		"{\"data\":{\"T\":1,\"m\":true,\"p\":\"-1\",\"q\":\"1\",\"s\":\"BTC-USDT\"},"
		"\"dataType\":\"BTC-USDT@trade\"}",
		"{\"dataType\":\"XRP-USDT@trade\",\"data\":{}}",
		"garbage",
	};
	static char batch[4096];
	size_t o = (size_t)snprintf(batch, sizeof(batch),
				    "{\"code\":0,\"dataType\":\"BTC-USDT@trade\",\"data\":[");

	for (int k = 0; k < 40; k++)
		o += (size_t)snprintf(batch + o, sizeof(batch) - o,
				      "%s{\"q\":\"0.5\",\"p\":\"100.1\",\"T\":%d,\"m\":true,"
				      "\"s\":\"BTC-USDT\"}",
				      k ? "," : "", k + 1);
	snprintf(batch + o, sizeof(batch) - o, "]}");
	for (size_t i = 0; i < BX_FRAMES; i++)
		zn[i] = gzip_text(i + 1 < BX_FRAMES ? bx[i] : batch, z[i], sizeof(z[i]));
}

/* BingX through the real adapter: no frame allocates, the batch included. */
static void test_bingx(void)
{
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};
	char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT"};
	static uint8_t z[BX_FRAMES][1024];
	size_t zn[BX_FRAMES], n;
	struct feed_session_config sc;
	struct feed_venue_ctx v;
	unsigned long before, classes = 0;
	char buf[256], err[128];

	bx_frames(z, zn);
	memset(&sc, 0, sizeof(sc));
	sc.symbols = syms;
	sc.nsymbols = 2;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = sc.qty_decimals = -1;
	sc.qty_unit = -1;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, feed_venue_find("bingx"), &sc, err, sizeof(err)), 0);
	before = test_allocs;
	for (int round = 0; round < 1000; round++) {
		feed_venue_ctx_reset(&v);
		while (feed_venue_subscribe_next(&v, buf, sizeof(buf), &n) == 1)
			;
		for (size_t i = 0; i < BX_FRAMES; i++) {
			do {
				if (feed_venue_on_message(&v, z[i], zn[i], 1, round, &out) != 0)
					feed_test_failures++;
				if (round == 0)
					classes |= 1ul << out.cls;
			} while (out.more);
		}
	}
	CHECK_EQ_INT(test_allocs - before, 0);
	CHECK(classes & (1ul << FEED_MSG_DATA));
	CHECK(classes & (1ul << FEED_MSG_ACK));
	CHECK(classes & (1ul << FEED_MSG_REJECT));
	CHECK(classes & (1ul << FEED_MSG_REPLY));
	CHECK(classes & (1ul << FEED_MSG_ERROR));
	CHECK_EQ_INT(v.st.ticks, 1000 * (3 + 40));
	feed_venue_ctx_free(&v);
}

/* MEXC frames: JSON text answers (an ack, a refusal, PONG, an error,
 * garbage) and protobuf pushes (deals, a bookTicker, a bad deal, an
 * unknown symbol, another body, corrupt bytes) and last a push of 40
 * deals (pieces). Returns the count; binary[i] says which are pushes. */
#define MX_FRAMES 12
/* Long: one table of frames, text then pushes, built in order. */
static size_t mx_frames(uint8_t (*z)[2048], size_t *zn, int *binary)
{
	static const char refused[] =
		"{\"id\":0,\"code\":0,\"msg\":\"Not Subscribed successfully! "
		"[spot@public.aggre.bookTicker.v3.api.pb@100ms@ETHUSDT].  Reason： Blocked! \"}";
	static const char *const text[] = {
		"{\"id\":0,\"code\":0,\"msg\":\"spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT\"}",
		refused,
		"{\"id\":0,\"code\":0,\"msg\":\"PONG\"}",
		"{\"id\":0,\"code\":7,\"msg\":\"Invalid\"}",
		"garbage",
	};
	static const uint8_t other[] = {0x0a, 0x01, 0x61, 0xea, 0x12, 0x01, 0x00};
	static const uint8_t corrupt[] = {0x0a, 0x10, 0x61};
	static const char *const sym[] = {"BTCUSDT", "ETHUSDT", "BTCUSDT", "XRPUSDT", "BTCUSDT"};
	static const char *const px[] = {"65000.1", "1", "-1", "1", "100.1"};
	static Mexc__PublicAggreDealsV3ApiItem item[40], *items[40];
	Mexc__PushDataV3ApiWrapper w = MEXC__PUSH_DATA_V3_API_WRAPPER__INIT;
	Mexc__PublicAggreDealsV3Api d = MEXC__PUBLIC_AGGRE_DEALS_V3_API__INIT;
	Mexc__PublicAggreBookTickerV3Api b = MEXC__PUBLIC_AGGRE_BOOK_TICKER_V3_API__INIT;
	size_t k = 0;

	for (size_t i = 0; i < 5; i++, k++) {
		zn[k] = strlen(text[i]);
		memcpy(z[k], text[i], zn[k]);
		binary[k] = 0;
	}
	memcpy(z[k], other, sizeof(other));
	zn[k] = sizeof(other);
	binary[k++] = 1;
	memcpy(z[k], corrupt, sizeof(corrupt));
	zn[k] = sizeof(corrupt);
	binary[k++] = 1;
	for (size_t j = 0; j < 40; j++) {
		static const Mexc__PublicAggreDealsV3ApiItem i0 =
			MEXC__PUBLIC_AGGRE_DEALS_V3_API_ITEM__INIT;
		item[j] = i0;
		item[j].quantity = "0.5";
		item[j].tradetype = 1 + (int)(j % 2);
		item[j].time = 1700000000000 + (int64_t)j;
		item[j].tradeid = j % 3 ? "1234" : "a-b";
		items[j] = &item[j];
	}
	d.deals = items;
	w.sendtime = 1700000000001;
	/* deals pushes: one good, a bookTicker instead, a bad price, an
	 * unknown symbol, then the batch of 40 */
	for (size_t i = 0; i < 5; i++, k++) {
		w.symbol = (char *)sym[i];
		item[0].price = (char *)px[i];
		for (size_t j = 1; j < 40; j++)
			item[j].price = "100.1";
		d.n_deals = i == 4 ? 40 : 1;
		if (i == 1) {
			b.bidprice = b.askprice = "3000.5";
			b.bidquantity = b.askquantity = "2";
			w.body_case = MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_BOOK_TICKER;
			w.publicaggrebookticker = &b;
		} else {
			w.body_case = MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_DEALS;
			w.publicaggredeals = &d;
		}
		CHECK(mexc__push_data_v3_api_wrapper__get_packed_size(&w) <= sizeof(z[k]));
		zn[k] = mexc__push_data_v3_api_wrapper__pack(&w, z[k]);
		binary[k] = 1;
	}
	return k;
}

/* MEXC through the real adapter and its protobuf decode stage: no frame
 * allocates, the batch included; protobuf-c's default allocator does
 * (the control: its malloc calls are seen by the wrap). */
static void test_mexc(void)
{
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};
	char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT"};
	static uint8_t z[MX_FRAMES][2048];
	size_t zn[MX_FRAMES], n, nf;
	int binary[MX_FRAMES];
	struct feed_session_config sc;
	struct feed_venue_ctx v;
	unsigned long before, classes = 0;
	ProtobufCMessage *m;
	char buf[1024], err[128];

	nf = mx_frames(z, zn, binary);
	CHECK_EQ_INT(nf, MX_FRAMES);
	before = test_allocs;
	m = protobuf_c_message_unpack(&mexc__push_data_v3_api_wrapper__descriptor, NULL, zn[nf - 1],
				      z[nf - 1]);
	CHECK(m != NULL);
	CHECK(test_allocs > before + 40);
	protobuf_c_message_free_unpacked(m, NULL);
	memset(&sc, 0, sizeof(sc));
	sc.symbols = syms;
	sc.nsymbols = 2;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = sc.qty_decimals = -1;
	sc.qty_unit = -1;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, feed_venue_find("mexc"), &sc, err, sizeof(err)), 0);
	before = test_allocs;
	for (int round = 0; round < 1000; round++) {
		feed_venue_ctx_reset(&v);
		while (feed_venue_subscribe_next(&v, buf, sizeof(buf), &n) == 1)
			;
		for (size_t i = 0; i < nf; i++) {
			do {
				if (feed_venue_on_message(&v, z[i], zn[i], binary[i], round,
							  &out) != 0)
					feed_test_failures++;
				if (round == 0)
					classes |= 1ul << out.cls;
			} while (out.more);
		}
		CHECK_EQ_INT(feed_venue_ping(&v, buf, sizeof(buf), &n, round), 0);
	}
	CHECK_EQ_INT(test_allocs - before, 0);
	CHECK(classes & (1ul << FEED_MSG_DATA));
	CHECK(classes & (1ul << FEED_MSG_ACK));
	CHECK(classes & (1ul << FEED_MSG_REJECT));
	CHECK(classes & (1ul << FEED_MSG_HEARTBEAT));
	CHECK(classes & (1ul << FEED_MSG_UNKNOWN));
	CHECK(classes & (1ul << FEED_MSG_ERROR));
	CHECK_EQ_INT(v.st.ticks, 1000 * (1 + 1 + 40));
	CHECK_EQ_INT(v.st.decode_errors, 1000);
	feed_venue_ctx_free(&v);
}

/* OKX: acks per arg, a reject by id, trades (a batch of 20: pieces),
 * bbo-tbt, pong, notice, bad values and garbage. */
static const char *const okx_msgs[] = {
	"{\"id\":\"1\",\"event\":\"subscribe\",\"arg\":{\"channel\":\"trades\","
	"\"instId\":\"BTC-USDT\"},\"connId\":\"a4d3ae55\"}",
	"{\"id\":\"1\",\"event\":\"subscribe\",\"arg\":{\"channel\":\"bbo-tbt\","
	"\"instId\":\"BTC-USDT\"},\"connId\":\"a4d3ae55\"}",
	"{\"id\":\"2\",\"event\":\"error\",\"code\":\"60012\",\"msg\":\"Invalid request\","
	"\"connId\":\"a4d3ae55\"}",
	"{\"arg\":{\"channel\":\"trades\",\"instId\":\"BTC-USDT\"},\"data\":[{\"instId\":"
	"\"BTC-USDT\",\"tradeId\":\"130639474\",\"px\":\"42219.9\",\"sz\":\"0.12060306\","
	"\"side\":\"buy\",\"ts\":\"1630048897897\",\"count\":\"3\",\"source\":\"0\","
	"\"seqId\":1234}]}",
	"{\"arg\":{\"channel\":\"bbo-tbt\",\"instId\":\"ETH-USDT\"},\"data\":[{\"asks\":"
	"[[\"111.06\",\"55154\",\"0\",\"2\"]],\"bids\":[[\"111.05\",\"57745\",\"0\",\"2\"]],"
	"\"ts\":\"1670324386802\",\"seqId\":363996337}]}",
	"{\"arg\":{\"channel\":\"trades\",\"instId\":\"BTC-USDT\"},\"data\":[{\"instId\":"
	"\"BTC-USDT\",\"tradeId\":\"x-1\",\"px\":\"-1\",\"sz\":\"1\",\"side\":\"buy\","
	"\"ts\":\"1\",\"seqId\":1}]}",
	"{\"arg\":{\"channel\":\"trades\",\"instId\":\"XRP-USDT\"},\"data\":[]}",
	"{\"event\":\"notice\",\"code\":\"64008\",\"msg\":\"The connection will soon be "
	"closed for a service upgrade. Please reconnect.\",\"connId\":\"a4d3ae55\"}",
	"pong",
	"{\"event\":\"unsubscribe\"}",
	"garbage",
};

/* One OKX trade item (20 go in one message, more than the tick array). */
#define OKX_ITEM                                                                                   \
	"{\"instId\":\"ETH-USDT\",\"tradeId\":\"7\",\"px\":\"1.5\",\"sz\":\"2\",\"side\":"         \
	"\"sell\",\"ts\":\"1630048897897\",\"count\":\"1\",\"source\":\"0\",\"seqId\":9}"
#define OKX_ITEM4 OKX_ITEM "," OKX_ITEM "," OKX_ITEM "," OKX_ITEM

/* The OKX adapter over every class of message, a batch in pieces, and
 * its subscribe requests and pings: no allocation. */
/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_okx(const struct feed_session_config *spot)
{
	static const char batch[] =
		"{\"arg\":{\"channel\":\"trades\",\"instId\":\"ETH-USDT\"},"
		"\"data\":[" OKX_ITEM4 "," OKX_ITEM4 "," OKX_ITEM4 "," OKX_ITEM4 "," OKX_ITEM4 "]}";
	struct feed_venue_ops ops = *feed_venue_find("okx");
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};
	struct feed_session_config sc = *spot;
	struct feed_venue_ctx v;
	unsigned long before, classes = 0;
	char buf[1024], err[128];
	size_t n;
	int rc;

	sc.qty_unit = -1;
	ops.limits.streams_per_req = 2; /* ids 1 and 2: an ack and a reject */
	CHECK_EQ_INT(feed_venue_ctx_init(&v, &ops, &sc, err, sizeof(err)), 0);
	before = test_allocs;
	for (int round = 0; round < 1000; round++) {
		feed_venue_ctx_reset(&v);
		while ((rc = feed_venue_subscribe_next(&v, buf, sizeof(buf), &n)) == 1)
			;
		CHECK_EQ_INT(rc, 0);
		CHECK_EQ_INT(feed_venue_ping(&v, buf, sizeof(buf), &n, round), 0);
		for (size_t i = 0; i < sizeof(okx_msgs) / sizeof(okx_msgs[0]); i++) {
			if (feed_venue_on_message(&v, (const uint8_t *)okx_msgs[i],
						  strlen(okx_msgs[i]), 0, round, &out) != 0)
				feed_test_failures++;
			if (round == 0)
				classes |= 1ul << out.cls;
		}
		do {
			if (feed_venue_on_message(&v, (const uint8_t *)batch, sizeof(batch) - 1, 0,
						  round, &out) != 0)
				feed_test_failures++;
		} while (out.more);
	}
	CHECK_EQ_INT(test_allocs - before, 0);
	CHECK(classes & (1ul << FEED_MSG_DATA));
	CHECK(classes & (1ul << FEED_MSG_ACK));
	CHECK(classes & (1ul << FEED_MSG_REJECT));
	CHECK(classes & (1ul << FEED_MSG_ERROR));
	CHECK(classes & (1ul << FEED_MSG_UNKNOWN));
	CHECK(classes & (1ul << FEED_MSG_HEARTBEAT));
	CHECK(classes & (1ul << FEED_MSG_RECONNECT));
	CHECK_EQ_INT(v.st.ticks, 1000 * 22);
	feed_venue_ctx_free(&v);
}

/* Binance USD-M futures: both planned connections (aggTrade on /market,
 * bookTicker on /public), each its own ctx, over 1000 reconnections. */
static const char *const bnf_msgs[2][3] = {
	{"{\"result\":null,\"id\":1}",
	 "{\"e\":\"aggTrade\",\"E\":1,\"s\":\"BTCUSDT\",\"a\":5,\"p\":\"65000.1\","
	 "\"q\":\"0.002\",\"f\":1,\"l\":2,\"T\":1770000000000,\"m\":true}",
	 "{\"e\":\"aggTrade\",\"s\":\"BTCUSDT\",\"a\":\"bad\"}"},
	{"{\"error\":{\"code\":2,\"msg\":\"no\"},\"id\":1}",
	 "{\"stream\":\"ethusdt@bookTicker\",\"data\":{\"e\":\"bookTicker\",\"u\":5,"
	 "\"E\":2,\"T\":1,\"s\":\"ETHUSDT\",\"b\":\"3000\",\"B\":\"1\",\"a\":\"3000.01\","
	 "\"A\":\"2\"}}",
	 "{\"e\":\"trade\",\"s\":\"ETHUSDT\"}"},
};

static void test_binance_futures(void)
{
	const struct feed_venue_ops *ops = feed_venue_find("binance-futures");
	char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT-PERP", "ETH-USDT-PERP"};
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};
	struct feed_venue_conn_plan plan[2];
	struct feed_session_config sc;
	struct feed_venue_ctx v[2];
	unsigned long before, classes = 0;
	char buf[512], err[128];
	size_t n;

	memset(&sc, 0, sizeof(sc));
	sc.symbols = syms;
	sc.nsymbols = 2;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = sc.qty_decimals = sc.qty_unit = -1;
	CHECK_EQ_INT(feed_venue_plan(ops, &sc, plan, 2), 2);
	for (uint32_t k = 0; k < 2; k++)
		CHECK_EQ_INT(
			feed_venue_ctx_init_conn(&v[k], ops, &sc, &plan[k], k, 0, err, sizeof(err)),
			0);
	if (!v[0].ops || !v[1].ops)
		return;
	before = test_allocs;
	for (int round = 0; round < 1000; round++) {
		for (int k = 0; k < 2; k++) {
			feed_venue_ctx_reset(&v[k]);
			while (feed_venue_subscribe_next(&v[k], buf, sizeof(buf), &n) == 1)
				;
			for (int i = 0; i < 3; i++) {
				if (feed_venue_on_message(&v[k], (const uint8_t *)bnf_msgs[k][i],
							  strlen(bnf_msgs[k][i]), 0, round,
							  &out) != 0)
					feed_test_failures++;
				if (round == 0)
					classes |= 1ul << out.cls;
			}
		}
	}
	CHECK_EQ_INT(test_allocs - before, 0);
	CHECK(classes & (1ul << FEED_MSG_DATA));
	CHECK(classes & (1ul << FEED_MSG_ACK));
	CHECK(classes & (1ul << FEED_MSG_REJECT));
	CHECK(classes & (1ul << FEED_MSG_ERROR));
	CHECK(classes & (1ul << FEED_MSG_UNKNOWN));
	CHECK_EQ_INT(v[0].st.ticks + v[1].st.ticks, 2000);
	feed_venue_ctx_free(&v[0]);
	feed_venue_ctx_free(&v[1]);
}

/* ---- depth (l2): Coinbase l2_data, BingX depthN, MEXC aggre.depth + REST ---- */

static const char *const depth_cb[] = {
	"{\"channel\":\"subscriptions\",\"sequence_num\":0,\"events\":[{\"subscriptions\":{"
	"\"level2\":[\"BTC-USD\",\"ETH-USD\"]}}]}",
	"{\"channel\":\"l2_data\",\"timestamp\":\"2023-02-09T20:32:50.714964855Z\","
	"\"sequence_num\":1,\"events\":[{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\","
	"\"updates\":[{\"side\":\"bid\",\"event_time\":\"1970-01-01T00:00:00Z\",\"price_level\":"
	"\"21921.73\",\"new_quantity\":\"0.06317902\"},{\"side\":\"offer\",\"event_time\":"
	"\"1970-01-01T00:00:00Z\",\"price_level\":\"21921.74\",\"new_quantity\":\"0.5\"}]},"
	"{\"type\":\"update\",\"product_id\":\"ETH-USD\",\"updates\":[]}]}",
	"{\"channel\":\"l2_data\",\"sequence_num\":5,\"events\":[{\"type\":\"update\","
	"\"product_id\":\"BTC-USD\",\"updates\":[{\"side\":\"buy\"}]}]}",
	"{\"channel\":\"heartbeats\",\"sequence_num\":6,\"events\":[]}",
};

static const char *const depth_bx[] = {
	"{\"code\":0,\"dataType\":\"BTC-USDT@depth20\",\"data\":{\"bids\":[[\"28852.9\","
	"\"34.2621\"]],\"asks\":[[\"28864.9\",\"23.4079\"]]}}",
	"{\"code\":0,\"dataType\":\"BTC-USDT@depth5@100ms\",\"data\":{\"asks\":[{\"p\":5319.94,"
	"\"v\":0.05483456}],\"T\":1649832413512}}",
	"{\"code\":0,\"dataType\":\"BTC-USDT@depth20\",\"data\":{\"bids\":[[\"x\",\"1\"]]}}",
};

/* Every message of msgs (each piece of a continued one) 200 times after a
 * reset: no allocation; some message is a BOOK. */
static void depth_run(const char *venue, const char (*syms)[MDBUS_SYMBOL_MAX],
		      const char *const *msgs, size_t nmsgs, const uint8_t *bin, size_t binn)
{
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};
	struct feed_session_config sc;
	struct feed_venue_ctx v;
	unsigned long before, books = 0;
	char buf[1024], err[128];
	size_t n;

	memset(&sc, 0, sizeof(sc));
	sc.symbols = (char(*)[MDBUS_SYMBOL_MAX])syms;
	sc.nsymbols = 2;
	sc.channels = FEED_CH_L2;
	sc.price_decimals = sc.qty_decimals = -1;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, feed_venue_find(venue), &sc, err, sizeof(err)), 0);
	before = test_allocs;
	for (int round = 0; round < 200; round++) {
		feed_venue_ctx_reset(&v);
		while (feed_venue_subscribe_next(&v, buf, sizeof(buf), &n) == 1)
			;
		for (size_t i = 0; i <= nmsgs; i++) {
			const uint8_t *m = i < nmsgs ? (const uint8_t *)msgs[i] : bin;
			size_t mn = i < nmsgs ? strlen(msgs[i]) : binn;

			if (!m)
				continue;
			do {
				if (feed_venue_on_message(&v, m, mn, i == nmsgs, round, &out) != 0)
					feed_test_failures++;
				books += out.cls == FEED_MSG_BOOK;
			} while (out.more);
		}
	}
	CHECK_EQ_INT(test_allocs - before, 0);
	CHECK(books >= 200);
	feed_venue_ctx_free(&v);
}

static void test_depth(void)
{
	static const char cb[2][MDBUS_SYMBOL_MAX] = {"BTC-USD", "ETH-USD"};
	static const char us[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT"};
	static const char body[] = "{\"lastUpdateId\":1027024,\"bids\":[[\"4.00000000\",\"431."
				   "00000000\"]],\"asks\":[[\"4.00000200\",\"12.00000000\"]]}";
	Mexc__PushDataV3ApiWrapper w = MEXC__PUSH_DATA_V3_API_WRAPPER__INIT;
	Mexc__PublicAggreDepthsV3Api d = MEXC__PUBLIC_AGGRE_DEPTHS_V3_API__INIT;
	Mexc__PublicAggreDepthV3ApiItem it = MEXC__PUBLIC_AGGRE_DEPTH_V3_API_ITEM__INIT, *pit = &it;
	const struct feed_venue_ops *mx = feed_venue_find("mexc");
	struct feed_session_config sc;
	struct feed_venue_ctx v;
	struct feed_book_ev ev;
	unsigned long before;
	static uint8_t z[512];
	size_t zn;
	char err[128];

	depth_run("coinbase", cb, depth_cb, sizeof(depth_cb) / sizeof(depth_cb[0]), NULL, 0);
	depth_run("bingx", us, depth_bx, sizeof(depth_bx) / sizeof(depth_bx[0]), NULL, 0);
	it.price = "100";
	it.quantity = "4";
	d.bids = &pit;
	d.n_bids = 1;
	d.fromversion = "10023";
	d.toversion = "10023";
	w.channel = "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT";
	w.symbol = "BTCUSDT";
	w.body_case = MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_DEPTHS;
	w.publicaggredepths = &d;
	zn = mexc__push_data_v3_api_wrapper__pack(&w, z);
	depth_run("mexc", us, NULL, 0, z, zn);
	memset(&sc, 0, sizeof(sc));
	sc.symbols = (char(*)[MDBUS_SYMBOL_MAX])us;
	sc.nsymbols = 1;
	sc.channels = FEED_CH_L2;
	sc.price_decimals = sc.qty_decimals = -1;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, mx, &sc, err, sizeof(err)), 0);
	before = test_allocs;
	for (int k = 0; k < 200; k++)
		CHECK_EQ_INT(
			mx->book.rest_parse(&v, 0, (const uint8_t *)body, sizeof(body) - 1, &ev),
			0);
	CHECK_EQ_INT(test_allocs - before, 0);
	feed_venue_ctx_free(&v);
}

/* Depth (l2) of okx, kraken and bybit: book events, their errors and the
 * checksum functions allocate nothing. */
static const char *const depth_b_msgs[3][4] = {
	{"{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"snapshot\","
	 "\"data\":[{\"asks\":[[\"3366.8\",\"9\",\"10\",\"3\"]],\"bids\":[[\"3366.1\","
	 "\"7\",\"0\","
	 "\"3\"]],\"ts\":\"1597026383085\",\"checksum\":-1881014294,\"prevSeqId\":-1,"
	 "\"seqId\":1}]}",
	 "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"update\","
	 "\"data\":[{\"asks\":[[\"3366.8\",\"0\",\"0\",\"0\"]],\"bids\":[],\"ts\":"
	 "\"1597026383086\",\"checksum\":0,\"prevSeqId\":1,\"seqId\":2}]}",
	 "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"update\","
	 "\"data\":[{\"asks\":[[\"x\",\"0\",\"0\",\"0\"]],\"bids\":[],\"ts\":\"1\","
	 "\"prevSeqId\":1,"
	 "\"seqId\":2}]}",
	 "{\"arg\":{\"channel\":\"books\",\"instId\":\"XRP-USDT\"},\"action\":\"update\","
	 "\"data\":[]}"},
	{"{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"BTC/"
	 "USD\",\"bids\":"
	 "[{\"price\":45283.5,\"qty\":0.1}],\"asks\":[{\"price\":45285.2,\"qty\":0.001}],"
	 "\"checksum\":1,\"timestamp\":\"2023-10-06T17:35:55.440295Z\"}]}",
	 "{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"BTC/"
	 "USD\",\"bids\":"
	 "[{\"price\":45283.5,\"qty\":0}],\"asks\":[],\"checksum\":2}]}",
	 "{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"BTC/"
	 "USD\",\"bids\":"
	 "[{\"price\":\"y\",\"qty\":0}],\"asks\":[],\"checksum\":2}]}",
	 "{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"XRP/"
	 "USD\",\"bids\":[],"
	 "\"asks\":[],\"checksum\":2}]}"},
	{"{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1672304484978,"
	 "\"data\":"
	 "{\"s\":\"BTCUSDT\",\"b\":[[\"16493.50\",\"0.006\"]],\"a\":[[\"16611.00\",\"0."
	 "029\"]],"
	 "\"u\":1,\"seq\":1},\"cts\":1672304484976}",
	 "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1672304484978,"
	 "\"data\":"
	 "{\"s\":\"BTCUSDT\",\"b\":[[\"16493.50\",\"0\"]],\"a\":[],\"u\":2,\"seq\":2}}",
	 "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":{\"s\":"
	 "\"BTCUSDT\",\"b\":[[\"z\",\"0\"]],\"a\":[],\"u\":3}}",
	 "{\"topic\":\"orderbook.50.XRPUSDT\",\"type\":\"delta\",\"ts\":1,\"data\":{}}"},
};

/* OKX's REST snapshot answer (GET /api/v5/market/books). */
static const char okx_rest[] =
	"{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":[[\"41006.8\",\"0.6\",\"0\","
	"\"1\"]],\"bids\":[[\"41006.3\",\"0.3\",\"0\",\"2\"]],\"ts\":\"1629966436396\","
	"\"seqId\":5}]}";

static void test_depth_b(void)
{
	static const char *const venues[3] = {"okx", "kraken", "bybit"};
	char syms[3][1][MDBUS_SYMBOL_MAX] = {{"BTC-USDT"}, {"BTC-USD"}, {"BTC-USDT"}};
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};
	char err[128], buf[512], ub[256], sb[256];
	unsigned long before, books = 0, errors = 0;

	for (unsigned k = 0; k < 3; k++) {
		const struct feed_venue_ops *ops = feed_venue_find(venues[k]);
		struct feed_session_config sc;
		struct feed_venue_ctx v;
		size_t n, un, sn;

		memset(&sc, 0, sizeof(sc));
		sc.symbols = syms[k];
		sc.nsymbols = 1;
		sc.channels = FEED_CH_L2;
		sc.book_depth = 20;
		sc.price_decimals = sc.qty_decimals = -1;
		CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
		before = test_allocs;
		for (int round = 0; round < 1000; round++) {
			feed_venue_ctx_reset(&v);
			while (feed_venue_subscribe_next(&v, buf, sizeof(buf), &n) == 1)
				;
			for (unsigned i = 0; i < 4; i++) {
				const char *m = depth_b_msgs[k][i];

				CHECK_EQ_INT(feed_venue_on_message(&v, (const uint8_t *)m,
								   strlen(m), 0, round, &out),
					     0);
				books += out.cls == FEED_MSG_BOOK;
				errors += out.cls == FEED_MSG_ERROR;
				if (out.cls == FEED_MSG_BOOK && ops->book.checksum)
					(void)ops->book.checksum(&v, 0, out.book->bids,
								 out.book->nbids, out.book->asks,
								 out.book->nasks);
			}
			if (ops->book.resubscribe_msgs) /* kraken, bybit */
				CHECK_EQ_INT(ops->book.resubscribe_msgs(&v, 0, ub, sizeof(ub), &un,
									sb, sizeof(sb), &sn),
					     0);
			if (ops->book.rest_parse) { /* okx: the REST snapshot */
				struct feed_book_ev ev;

				CHECK_EQ_INT(ops->book.rest_parse(&v, 0, (const uint8_t *)okx_rest,
								  strlen(okx_rest), &ev),
					     0);
			}
		}
		CHECK_EQ_INT(test_allocs - before, 0);
		feed_venue_ctx_free(&v);
	}
	CHECK_EQ_INT(books, 3 * 2000);
	CHECK_EQ_INT(errors, 3 * 2000);
}

int main(void)
{
	char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT"};
	struct feed_session_config sc;

	memset(&sc, 0, sizeof(sc));
	sc.symbols = syms;
	sc.nsymbols = 2;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = sc.qty_decimals = -1;
	test_binance(&sc);
	test_gzip(&sc);
	test_bybit(&sc);
	test_coinbase();
	test_gateio();
	test_kraken();
	test_bingx();
	test_mexc();
	test_okx(&sc);
	test_binance_futures();
	test_depth();
	test_depth_b();
	return feed_test_done("test_nomalloc");
}
