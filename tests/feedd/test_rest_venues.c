/* SPDX-License-Identifier: MIT */
/*
 * test_rest_venues.c: the adapters' REST fallback ops (ops->rest): the
 * request paths and the parsers on the venues' documented answer examples
 * (ticker -> BBO with sizes, recent trades -> ids, sides, times), and bad
 * answers (-EBADMSG with a reason, never a crash). Every venue with a
 * fallback: Binance, USD-M, OKX, Bybit, Kraken, Gate, Coinbase, MEXC, BingX.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "helpers.h"
#include "venue.h"
#include "vparse.h"

#define E8 100000000LL /* 1 at 8 decimals */

static struct feed_rest_trade tr[FEED_REST_TRADES_MAX];

static void ctx(struct feed_venue_ctx *v, const char *venue, const char *sym)
{
	static char syms[1][MDBUS_SYMBOL_MAX];
	struct feed_session_config sc;
	char err[256];

	memset(&sc, 0, sizeof(sc));
	snprintf(syms[0], sizeof(syms[0]), "%s", sym);
	snprintf(sc.name, sizeof(sc.name), "test");
	snprintf(sc.venue, sizeof(sc.venue), "%s", venue);
	sc.symbols = syms;
	sc.nsymbols = 1;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = 8;
	sc.qty_decimals = 8;
	sc.qty_unit = -1;
	sc.contract_size = 1;
	sc.book_depth = 20;
	memset(v, 0, sizeof(*v));
	if (feed_venue_ctx_init(v, feed_venue_find(venue), &sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", venue, err);
		exit(1);
	}
}

static void paths(struct feed_venue_ctx *v, const char *ticker, const char *trades)
{
	char buf[256];
	size_t n = 0;

	CHECK(v->ops->rest.ticker_weight > 0 && v->ops->rest.trades_weight > 0);
	CHECK_EQ_INT(v->ops->rest.ticker_path(v, 0, buf, sizeof(buf), &n), 0);
	CHECK_STR(buf, ticker);
	CHECK_EQ_INT(n, strlen(ticker));
	CHECK_EQ_INT(v->ops->rest.trades_path(v, 0, buf, sizeof(buf), &n), 0);
	CHECK_STR(buf, trades);
	CHECK_EQ_INT(v->ops->rest.ticker_path(v, 0, buf, 8, &n), -ENOBUFS);
	CHECK(v->ops->rest.trades_path(v, 1, buf, sizeof(buf), &n) < 0); /* no such symbol */
}

static void bbo(struct feed_venue_ctx *v, const char *body, int64_t bp, int64_t bq, int64_t ap,
		int64_t aq, int64_t ts)
{
	struct mdbus_bbo b;
	int64_t t = -1;
	int rc = v->ops->rest.ticker_parse(v, 0, (const uint8_t *)body, strlen(body), &b, &t);

	CHECK_EQ_INT(rc, 0);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", v->ops->name, v->reason);
		return;
	}
	CHECK_EQ_INT(b.bid_px, bp);
	CHECK_EQ_INT(b.bid_qty, bq);
	CHECK_EQ_INT(b.ask_px, ap);
	CHECK_EQ_INT(b.ask_qty, aq);
	CHECK_EQ_INT(t, ts);
}

static uint32_t trades(struct feed_venue_ctx *v, const char *body)
{
	uint32_t nt = 0;
	int rc = v->ops->rest.trades_parse(v, 0, (const uint8_t *)body, strlen(body), tr,
					   FEED_REST_TRADES_MAX, &nt);

	CHECK_EQ_INT(rc, 0);
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", v->ops->name, v->reason);
	return nt;
}

static void trade(uint32_t i, uint64_t id, int64_t px, int64_t qty, int64_t ts, uint8_t flags)
{
	CHECK_EQ_INT(tr[i].id, id);
	CHECK_EQ_INT(tr[i].px, px);
	CHECK_EQ_INT(tr[i].qty, qty);
	CHECK_EQ_INT(tr[i].ts, ts);
	CHECK_EQ_INT(tr[i].flags, flags);
}

/* Each must be refused with a reason. */
static void bad(struct feed_venue_ctx *v, const char *ticker, const char *trades_body)
{
	struct mdbus_bbo b;
	uint32_t nt;
	int64_t t;

	v->reason[0] = 0;
	CHECK_EQ_INT(
		v->ops->rest.ticker_parse(v, 0, (const uint8_t *)ticker, strlen(ticker), &b, &t),
		-EBADMSG);
	CHECK(v->reason[0] != 0);
	v->reason[0] = 0;
	CHECK_EQ_INT(v->ops->rest.trades_parse(v, 0, (const uint8_t *)trades_body,
					       strlen(trades_body), tr, FEED_REST_TRADES_MAX, &nt),
		     -EBADMSG);
	CHECK(v->reason[0] != 0);
}

/* Binance spot: GET /api/v3/ticker/bookTicker and /api/v3/trades, the
 * docs' examples (LTCBTC). */
static void test_binance(void)
{
	struct feed_venue_ctx v;

	ctx(&v, "binance", "LTC-BTC");
	paths(&v, "/api/v3/ticker/bookTicker?symbol=LTCBTC",
	      "/api/v3/trades?symbol=LTCBTC&limit=500");
	CHECK_EQ_INT(v.ops->rest.same_ids, 1); /* live @trade: the same ids */
	bbo(&v,
	    "{\"symbol\":\"LTCBTC\",\"bidPrice\":\"4.00000000\",\"bidQty\":\"431.00000000\","
	    "\"askPrice\":\"4.00000200\",\"askQty\":\"9.00000000\"}",
	    4 * E8, 431 * E8, 400000200, 9 * E8, 0);
	CHECK_EQ_INT(trades(&v, "[{\"id\":28457,\"price\":\"4.00000100\",\"qty\":\"12.00000000\","
				"\"quoteQty\":\"48.000012\",\"time\":1499865549590,"
				"\"isBuyerMaker\":true,\"isBestMatch\":true},"
				"{\"id\":28458,\"price\":\"4.00000200\",\"qty\":\"1.00000000\","
				"\"quoteQty\":\"4.000002\",\"time\":1499865549591,"
				"\"isBuyerMaker\":false,\"isBestMatch\":true}]"),
		     2);
	trade(0, 28457, 400000100, 12 * E8, 1499865549590LL * 1000000, MDBUS_FLAG_SELL);
	trade(1, 28458, 400000200, 1 * E8, 1499865549591LL * 1000000, MDBUS_FLAG_BUY);
	CHECK_EQ_INT(trades(&v, "[]"), 0);
	bad(&v,
	    "{\"symbol\":\"ETHBTC\",\"bidPrice\":\"1\",\"bidQty\":\"1\",\"askPrice\":\"1\","
	    "\"askQty\":\"1\"}",
	    "[{\"id\":\"x\",\"price\":\"1\",\"qty\":\"1\",\"time\":1,\"isBuyerMaker\":true}]");
	bad(&v, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}", "{\"code\":-1121}");
	feed_venue_ctx_free(&v);
}

/* USD-M futures: /fapi/v1/ticker/bookTicker carries "time"; trades are
 * /fapi/v1/aggTrades (the docs' example), the live @aggTrade's id space. */
static void test_binance_futures(void)
{
	struct feed_venue_ctx v;

	ctx(&v, "binance-futures", "BTC-USDT-PERP");
	paths(&v, "/fapi/v1/ticker/bookTicker?symbol=BTCUSDT",
	      "/fapi/v1/aggTrades?symbol=BTCUSDT&limit=500");
	CHECK_EQ_INT(v.ops->rest.trades_weight, 20);
	CHECK_EQ_INT(v.ops->rest.same_ids, 1);
	bbo(&v,
	    "{\"lastUpdateId\":1027024,\"symbol\":\"BTCUSDT\",\"bidPrice\":\"4.00000000\","
	    "\"bidQty\":\"431.00000000\",\"askPrice\":\"4.00000200\",\"askQty\":\"9.00000000\","
	    "\"time\":1589437530011}",
	    4 * E8, 431 * E8, 400000200, 9 * E8, 1589437530011LL * 1000000);
	CHECK_EQ_INT(trades(&v, "[{\"a\":26129,\"p\":\"0.01633102\",\"q\":\"4.70443515\","
				"\"f\":27781,\"l\":27781,\"T\":1498793709153,\"m\":true},"
				"{\"a\":26130,\"p\":\"0.01633103\",\"q\":\"1\","
				"\"f\":27782,\"l\":27785,\"T\":1498793709154,\"m\":false}]"),
		     2);
	trade(0, 26129, 1633102, 470443515, 1498793709153LL * 1000000, MDBUS_FLAG_SELL);
	trade(1, 26130, 1633103, E8, 1498793709154LL * 1000000, MDBUS_FLAG_BUY);
	CHECK_EQ_INT(trades(&v, "[]"), 0);
	/* /fapi/v1/trades' shape (another id space) is refused */
	bad(&v, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}",
	    "[{\"id\":28457,\"price\":\"4.00000100\",\"qty\":\"12.00000000\","
	    "\"quoteQty\":\"48.00\",\"time\":1499865549590,\"isBuyerMaker\":true}]");
	bad(&v, "{}", "[{\"a\":\"x\",\"p\":\"1\",\"q\":\"1\",\"T\":1,\"m\":true}]");
	feed_venue_ctx_free(&v);
}

static void test_okx(void)
{
	struct feed_venue_ctx v;

	ctx(&v, "okx", "BTC-USDT");
	paths(&v, "/api/v5/market/ticker?instId=BTC-USDT",
	      "/api/v5/market/trades?instId=BTC-USDT&limit=100");
	bbo(&v,
	    "{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"instType\":\"SPOT\",\"instId\":\"BTC-USDT\","
	    "\"last\":\"9999.99\",\"lastSz\":\"1\",\"askPx\":\"9999.99\",\"askSz\":\"11\","
	    "\"bidPx\":\"8888.88\",\"bidSz\":\"5\",\"open24h\":\"9000\",\"high24h\":\"10000\","
	    "\"low24h\":\"8888.88\",\"volCcy24h\":\"2222\",\"vol24h\":\"2222\",\"sodUtc0\":\"0.1\","
	    "\"sodUtc8\":\"0.1\",\"ts\":\"1597026383085\"}]}",
	    888888 * 1000000LL, 5 * E8, 999999 * 1000000LL, 11 * E8, 1597026383085LL * 1000000);
	CHECK_EQ_INT(trades(&v, "{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"instId\":\"BTC-USDT\","
				"\"side\":\"sell\",\"sz\":\"0.00001\",\"px\":\"29963.2\","
				"\"tradeId\":\"242720720\",\"ts\":\"1654161646974\"},"
				"{\"instId\":\"BTC-USDT\",\"side\":\"buy\",\"sz\":\"0.5\","
				"\"px\":\"29963.1\",\"tradeId\":\"242720719\","
				"\"ts\":\"1654161641568\"}]}"),
		     2);
	trade(0, 242720720, 2996320000000LL, 1000, 1654161646974LL * 1000000, MDBUS_FLAG_SELL);
	trade(1, 242720719, 2996310000000LL, E8 / 2, 1654161641568LL * 1000000, MDBUS_FLAG_BUY);
	bad(&v, "{\"code\":\"51001\",\"msg\":\"Instrument ID does not exist\",\"data\":[]}",
	    "{\"code\":\"0\",\"data\":[{\"side\":\"up\",\"sz\":\"1\",\"px\":\"1\",\"tradeId\":"
	    "\"1\","
	    "\"ts\":\"1\"}]}");
	feed_venue_ctx_free(&v);
}

static void test_bybit(void)
{
	struct feed_venue_ctx v;

	ctx(&v, "bybit", "BTC-USDT");
	paths(&v, "/v5/market/tickers?category=spot&symbol=BTCUSDT",
	      "/v5/market/recent-trade?category=spot&symbol=BTCUSDT&limit=60");
	bbo(&v,
	    "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"category\":\"spot\",\"list\":[{"
	    "\"symbol\":\"BTCUSDT\",\"bid1Price\":\"20517.96\",\"bid1Size\":\"2\","
	    "\"ask1Price\":\"20527.77\",\"ask1Size\":\"1.862172\",\"lastPrice\":\"20533.13\"}]},"
	    "\"retExtInfo\":{},\"time\":1673859087947}",
	    2051796000000LL, 2 * E8, 2052777000000LL, 186217200, 1673859087947LL * 1000000);
	CHECK_EQ_INT(trades(&v, "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"category\":"
				"\"spot\",\"list\":[{\"execId\":\"2100000000007764263\","
				"\"symbol\":\"BTCUSDT\",\"price\":\"16618.49\",\"size\":"
				"\"0.00012\",\"side\":\"Buy\",\"time\":\"1672052955758\","
				"\"isBlockTrade\":false}]},\"retExtInfo\":{},"
				"\"time\":1672053054358}"),
		     1);
	trade(0, 2100000000007764263ULL, 1661849000000LL, 12000, 1672052955758LL * 1000000,
	      MDBUS_FLAG_BUY);
	/* a UUID execId (linear) is hashed */
	CHECK_EQ_INT(trades(&v, "{\"retCode\":0,\"result\":{\"list\":[{\"execId\":"
				"\"a1b2c3d4-0000-4000-8000-000000000001\",\"price\":\"1\","
				"\"size\":\"1\",\"side\":\"Sell\",\"time\":\"5\"}]}}"),
		     1);
	CHECK_EQ_INT(tr[0].flags, MDBUS_FLAG_SELL | MDBUS_FLAG_TID_HASH);
	CHECK(tr[0].id != 0);
	bad(&v, "{\"retCode\":10001,\"retMsg\":\"params error\",\"result\":{},\"time\":1}",
	    "{\"retCode\":0,\"result\":{\"list\":[{\"execId\":\"1\",\"price\":\"-1\",\"size\":"
	    "\"1\","
	    "\"side\":\"Buy\",\"time\":\"1\"}]}}");
	feed_venue_ctx_free(&v);
}

static void test_kraken(void)
{
	struct feed_venue_ctx v;

	ctx(&v, "kraken", "BTC-USD");
	paths(&v, "/0/public/Ticker?pair=XBTUSD", "/0/public/Trades?pair=XBTUSD&count=200");
	bbo(&v,
	    "{\"error\":[],\"result\":{\"XXBTZUSD\":{\"a\":[\"30300.10000\",\"1\",\"1.000\"],"
	    "\"b\":[\"30300.00000\",\"2\",\"2.500\"],\"c\":[\"30303.20000\",\"0.00067643\"],"
	    "\"v\":[\"4083.67001100\",\"4412.73601799\"],\"t\":[34619,38907],"
	    "\"o\":\"30502.80000\"}}}",
	    3030000000000LL, 250000000, 3030010000000LL, E8, 0);
	CHECK_EQ_INT(trades(&v, "{\"error\":[],\"result\":{\"XXBTZUSD\":[[\"30243.40000\","
				"\"0.34507674\",1688669597.8277369,\"b\",\"m\",\"\",61044952],"
				"[\"30243.30000\",\"0.00376960\",1688669598.2804112,\"s\",\"l\","
				"\"\",61044953]],\"last\":\"1688671969993150842\"}}"),
		     2);
	trade(0, 61044952, 3024340000000LL, 34507674, 1688669597827736900LL, MDBUS_FLAG_BUY);
	trade(1, 61044953, 3024330000000LL, 376960, 1688669598280411200LL, MDBUS_FLAG_SELL);
	bad(&v, "{\"error\":[\"EQuery:Unknown asset pair\"],\"result\":{}}",
	    "{\"error\":[],\"result\":{\"XXBTZUSD\":[[\"1\",\"1\",\"t\",\"b\",\"m\",\"\",1]]}}");
	feed_venue_ctx_free(&v);
}

static void test_gateio(void)
{
	struct feed_venue_ctx v;

	ctx(&v, "gateio", "BTC-USDT");
	paths(&v, "/api/v4/spot/order_book?currency_pair=BTC_USDT&limit=1",
	      "/api/v4/spot/trades?currency_pair=BTC_USDT&limit=100");
	bbo(&v,
	    "{\"id\":123456,\"current\":1623898993123,\"update\":1623898993121,"
	    "\"asks\":[[\"1.52\",\"1.151\"],[\"1.53\",\"1.218\"]],"
	    "\"bids\":[[\"1.17\",\"201.863\"],[\"1.16\",\"153.2\"]]}",
	    117000000, 20186300000LL, 152000000, 115100000, 1623898993123LL * 1000000);
	CHECK_EQ_INT(trades(&v, "[{\"id\":\"1232893232\",\"create_time\":\"1548000000\","
				"\"create_time_ms\":\"1548000000123.456\",\"currency_pair\":"
				"\"BTC_USDT\",\"side\":\"sell\",\"role\":\"taker\",\"amount\":"
				"\"0.15\",\"price\":\"0.03\",\"order_id\":\"4128442423\"}]"),
		     1);
	trade(0, 1232893232, 3000000, 15000000, 1548000000123456000LL, MDBUS_FLAG_SELL);
	bad(&v, "{\"label\":\"INVALID_CURRENCY\",\"message\":\"x\"}",
	    "[{\"id\":\"1\",\"create_time_ms\":\"x\",\"side\":\"sell\",\"amount\":\"1\","
	    "\"price\":\"1\"}]");
	feed_venue_ctx_free(&v);
}

/* The Exchange API's level-1 book and trades (side: the maker's). */
static void test_coinbase(void)
{
	struct feed_venue_ctx v;

	ctx(&v, "coinbase", "BTC-USD");
	paths(&v, "/products/BTC-USD/book?level=1", "/products/BTC-USD/trades?limit=100");
	bbo(&v,
	    "{\"bids\":[[\"295.96\",\"4.39088265\",2]],\"asks\":[[\"295.97\",\"25.23542881\",12]],"
	    "\"sequence\":3}",
	    29596000000LL, 439088265, 29597000000LL, 2523542881LL, 0);
	CHECK_EQ_INT(trades(&v, "[{\"time\":\"2014-11-07T22:19:28.578544Z\",\"trade_id\":74,"
				"\"price\":\"10.00000000\",\"size\":\"0.01000000\",\"side\":"
				"\"buy\"}]"),
		     1);
	trade(0, 74, 10 * E8, 1000000, 1415398768578544000LL, MDBUS_FLAG_SELL);
	bad(&v, "{\"message\":\"NotFound\"}",
	    "[{\"time\":\"yesterday\",\"trade_id\":1,\"price\":\"1\",\"size\":\"1\",\"side\":"
	    "\"buy\"}]");
	feed_venue_ctx_free(&v);
}

/* MEXC spot: GET /api/v3/ticker/bookTicker (Binance's answer) and
 * /api/v3/trades, whose documented id is null: the id is the hash of the
 * trade's time, price, size and side. */
static void test_mexc(void)
{
	static const char key[] = "1640830579240|23|0.478468|true";
	struct feed_venue_ctx v;

	ctx(&v, "mexc", "AE-USDT");
	paths(&v, "/api/v3/ticker/bookTicker?symbol=AEUSDT",
	      "/api/v3/trades?symbol=AEUSDT&limit=200");
	CHECK_EQ_INT(v.ops->rest.ticker_weight, 1);
	CHECK_EQ_INT(v.ops->rest.trades_weight, 5);
	bbo(&v,
	    "{\"symbol\":\"AEUSDT\",\"bidPrice\":\"0.11001\",\"bidQty\":\"115.59\","
	    "\"askPrice\":\"0.11127\",\"askQty\":\"215.48\"}",
	    11001000, 11559 * E8 / 100, 11127000, 21548 * E8 / 100, 0);
	CHECK_EQ_INT(trades(&v,
			    "[{\"id\":null,\"price\":\"23\",\"qty\":\"0.478468\",\"quoteQty\":"
			    "\"11.004764\",\"time\":1640830579240,\"isBuyerMaker\":true,"
			    "\"isBestMatch\":true},{\"id\":null,\"price\":\"23\",\"qty\":"
			    "\"0.5\",\"quoteQty\":\"11.5\",\"time\":1640830579240,"
			    "\"isBuyerMaker\":false,\"isBestMatch\":true},{\"id\":7,\"price\":"
			    "\"23\",\"qty\":\"1\",\"time\":1640830579241,\"isBuyerMaker\":false}]"),
		     3);
	trade(0, feed_venue_tid_hash(key, sizeof(key) - 1), 23 * E8, 47846800,
	      1640830579240000000LL, MDBUS_FLAG_SELL | MDBUS_FLAG_TID_HASH);
	/* the same millisecond and price, another size and side: another id */
	CHECK(tr[1].id != tr[0].id && (tr[1].flags & MDBUS_FLAG_TID_HASH) &&
	      (tr[1].flags & MDBUS_FLAG_BUY));
	trade(2, 7, 23 * E8, E8, 1640830579241000000LL, MDBUS_FLAG_BUY);
	bad(&v, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}",
	    "[{\"id\":{},\"price\":\"1\",\"qty\":\"1\",\"time\":1,\"isBuyerMaker\":true}]");
	bad(&v,
	    "{\"symbol\":\"BTCUSDT\",\"bidPrice\":\"1\",\"bidQty\":\"1\",\"askPrice\":"
	    "\"2\",\"askQty\":\"1\"}",
	    "[{\"id\":null,\"price\":\"1\",\"qty\":\"1\",\"time\":1}]");
	feed_venue_ctx_free(&v);
}

/* BingX spot: GET /openApi/spot/v1/ticker/bookTicker and
 * /openApi/spot/v1/market/trades (the docs' example: bare numbers). A swap
 * symbol is not polled. */
static void test_bingx(void)
{
	struct feed_venue_ctx v;
	char buf[128];
	size_t n;

	ctx(&v, "bingx", "BTC-USDT");
	paths(&v, "/openApi/spot/v1/ticker/bookTicker?symbol=BTC-USDT",
	      "/openApi/spot/v1/market/trades?symbol=BTC-USDT&limit=100");
	bbo(&v,
	    "{\"code\":0,\"timestamp\":1702034185948,\"data\":[{\"eventType\":\"bookTicker\","
	    "\"time\":1702034185946,\"symbol\":\"BTC-USDT\",\"bidPrice\":\"43956.32\","
	    "\"bidVolume\":\"0.6498\",\"askPrice\":\"43956.61\",\"askVolume\":\"0.50412\"}]}",
	    4395632000000LL, 64980000, 4395661000000LL, 50412000, 1702034185946000000LL);
	/* one object, bare numbers, no time */
	bbo(&v,
	    "{\"code\":0,\"data\":{\"symbol\":\"BTC-USDT\",\"bidPrice\":1.5,\"bidVolume\":2,"
	    "\"askPrice\":1.75,\"askVolume\":3}}",
	    150000000, 2 * E8, 175000000, 3 * E8, 0);
	CHECK_EQ_INT(trades(&v, "{\"code\":0,\"data\":[{\"id\":43148253,\"price\":25714.71,"
				"\"qty\":1.674571,\"time\":1655085975589,\"buyerMaker\":false},"
				"{\"id\":43148254,\"price\":\"25714.7\",\"qty\":\"0.1\","
				"\"time\":1655085975590,\"buyerMaker\":true}]}"),
		     2);
	trade(0, 43148253, 2571471000000LL, 167457100, 1655085975589000000LL, MDBUS_FLAG_BUY);
	trade(1, 43148254, 2571470000000LL, 10000000, 1655085975590000000LL, MDBUS_FLAG_SELL);
	bad(&v, "{\"code\":100400,\"msg\":\"bad\",\"data\":{}}",
	    "{\"code\":0,\"data\":[{\"id\":1,\"price\":1,\"qty\":1,\"time\":1}]}");
	bad(&v,
	    "{\"code\":0,\"data\":[{\"symbol\":\"ETH-USDT\",\"bidPrice\":\"1\",\"bidVolume\":"
	    "\"1\",\"askPrice\":\"2\",\"askVolume\":\"1\"}]}",
	    "{\"code\":100400,\"data\":[]}");
	feed_venue_ctx_free(&v);
	ctx(&v, "bingx", "BTC-USDT-PERP");
	CHECK_EQ_INT(v.ops->rest.ticker_path(&v, 0, buf, sizeof(buf), &n), -EINVAL);
	CHECK_EQ_INT(v.ops->rest.trades_path(&v, 0, buf, sizeof(buf), &n), -EINVAL);
	feed_venue_ctx_free(&v);
}

int main(void)
{
	test_binance();
	test_binance_futures();
	test_okx();
	test_bybit();
	test_kraken();
	test_gateio();
	test_coinbase();
	test_mexc();
	test_bingx();
	return feed_test_done("test_rest_venues");
}
