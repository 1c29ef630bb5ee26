/* SPDX-License-Identifier: MIT */
/*
 * test_vref.c: the adapters' reference-data ops (ops->ref): the shared
 * helpers (vref.c), then per venue the exact request paths, and answers in
 * the shape of the venue's documented example (values changed) listing the
 * session's symbols and one more: the exact tick, lot and contract of each
 * symbol, a symbol the answer does not list left not found, and a malformed
 * answer refused with -EBADMSG and a reason.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "helpers.h"
#include "venue.h"
#include "vref.h"

#define NSYM_MAX 4

static struct feed_ref_instr ref[NSYM_MAX];

/* A context of venue for syms (NULL-terminated). */
static void ctx(struct feed_venue_ctx *v, const char *venue, const char *const *syms)
{
	static char names[NSYM_MAX][MDBUS_SYMBOL_MAX];
	struct feed_session_config sc;
	char err[256];
	uint32_t n = 0;

	memset(&sc, 0, sizeof(sc));
	for (; syms[n]; n++)
		snprintf(names[n], sizeof(names[n]), "%s", syms[n]);
	snprintf(sc.name, sizeof(sc.name), "test");
	snprintf(sc.venue, sizeof(sc.venue), "%s", venue);
	sc.symbols = names;
	sc.nsymbols = n;
	sc.channels = FEED_CH_TRADES;
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

/* Request k's path is want (NULL: there is no request k). */
static void path(struct feed_venue_ctx *v, uint32_t k, const char *want)
{
	char buf[1024];
	size_t n = 0;

	if (!want) {
		CHECK_EQ_INT(v->ops->ref.request(v, k, buf, sizeof(buf), &n), 0);
		return;
	}
	CHECK_EQ_INT(v->ops->ref.request(v, k, buf, sizeof(buf), &n), 1);
	CHECK_STR(buf, want);
	CHECK_EQ_INT(n, strlen(want));
	CHECK_EQ_INT(v->ops->ref.request(v, k, buf, 8, &n), -ENOBUFS);
}

/* Parses body as the answer of request k into ref (zeroed first). */
static int parse(struct feed_venue_ctx *v, uint32_t k, const char *body)
{
	int rc;

	memset(ref, 0, sizeof(ref));
	v->reason[0] = 0;
	rc = v->ops->ref.parse(v, k, (const uint8_t *)body, strlen(body), ref);
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", v->ops->name, v->reason);
	return rc;
}

static void is(uint32_t i, int64_t tick, int tdp, int64_t lot, int ldp, int64_t ct, int cdp)
{
	CHECK_EQ_INT(ref[i].found, 1);
	CHECK_EQ_INT(ref[i].tick, tick);
	CHECK_EQ_INT(ref[i].tick_dp, tdp);
	CHECK_EQ_INT(ref[i].lot, lot);
	CHECK_EQ_INT(ref[i].lot_dp, ldp);
	CHECK_EQ_INT(ref[i].contract, ct);
	CHECK_EQ_INT(ref[i].contract_dp, cdp);
}

static void missing(uint32_t i)
{
	CHECK_EQ_INT(ref[i].found, 0);
	CHECK_EQ_INT(ref[i].tick, 0);
	CHECK_EQ_INT(ref[i].lot, 0);
}

/* body must be refused with a reason. */
static void bad(struct feed_venue_ctx *v, uint32_t k, const char *body)
{
	memset(ref, 0, sizeof(ref));
	v->reason[0] = 0;
	CHECK_EQ_INT(v->ops->ref.parse(v, k, (const uint8_t *)body, strlen(body), ref), -EBADMSG);
	CHECK(v->reason[0] != 0);
}

static void dec(const char *s, int rc, int64_t m, int dp)
{
	int64_t mm = -1;
	uint8_t d = 99;

	CHECK_EQ_INT(feed_vref_dec_text(s, strlen(s), &mm, &d), rc);
	if (rc == 0) {
		CHECK_EQ_INT(mm, m);
		CHECK_EQ_INT(d, dp);
	}
}

static void test_helpers(void)
{
	struct feed_json_val f = {.p = "8", .n = 1, .type = FEED_JSON_NUMBER};
	int64_t m = 0;
	uint8_t dp = 0;

	dec("0.01000000", 0, 1, 2);
	dec("0.00000001", 0, 1, 8);
	dec("1e-8", 0, 1, 8);
	dec("1E-05", 0, 1, 5);
	dec("2.5e-3", 0, 25, 4);
	dec("1.5e2", 0, 150, 0);
	dec("10", 0, 10, 0);
	dec("0.5", 0, 5, 1);
	dec("1.000", 0, 1, 0);
	dec("0", 0, 0, 0);
	dec("-0.01", -EINVAL, 0, 0);
	dec("", -EINVAL, 0, 0);
	dec("0.01x", -EINVAL, 0, 0);
	dec("1.2.3", -EINVAL, 0, 0);
	dec("1e", -EINVAL, 0, 0);
	dec("0.0000000000000000001", -EINVAL, 0, 0); /* 19 decimals */
	CHECK_EQ_INT(feed_vref_places(&f, &m, &dp), 0);
	CHECK_EQ_INT(m, 1);
	CHECK_EQ_INT(dp, 8);
	f = (struct feed_json_val){.p = "19", .n = 2, .type = FEED_JSON_NUMBER};
	CHECK_EQ_INT(feed_vref_places(&f, &m, &dp), -EINVAL);
	f = (struct feed_json_val){.p = "-1", .n = 2, .type = FEED_JSON_NUMBER};
	CHECK_EQ_INT(feed_vref_places(&f, &m, &dp), -EINVAL);
	f = (struct feed_json_val){.p = "0.01", .n = 4, .type = FEED_JSON_NUMBER};
	CHECK_EQ_INT(feed_vref_dec(&f, 0, &m, &dp), -EINVAL); /* a number where a string is due */
	CHECK_EQ_INT(feed_vref_dec(&f, 1, &m, &dp), 0);
	CHECK_EQ_INT(m, 1);
	CHECK_EQ_INT(dp, 2);
}

/* Binance USD-M: GET /fapi/v1/exchangeInfo. */
static void test_binance_futures(void)
{
	static const char *const syms[] = {"BTC-USDT-PERP", "ETH-USDT-PERP", "SOL-USDT-PERP", NULL};
	struct feed_venue_ctx v;

	ctx(&v, "binance-futures", syms);
	CHECK(v.ops->ref.weight > 0);
	path(&v, 0, "/fapi/v1/exchangeInfo");
	path(&v, 1, NULL);
	CHECK_EQ_INT(
		parse(&v, 0,
		      "{\"exchangeFilters\":[],\"rateLimits\":[{\"interval\":\"MINUTE\","
		      "\"intervalNum\":1,\"limit\":2400,\"rateLimitType\":\"REQUEST_WEIGHT\"}],"
		      "\"serverTime\":1565613908500,\"assets\":[{\"asset\":\"USDT\","
		      "\"marginAvailable\":true,\"autoAssetExchange\":\"0\"}],\"symbols\":["
		      "{\"symbol\":\"BLZUSDT\",\"pair\":\"BLZUSDT\",\"contractType\":\"PERPETUAL\","
		      "\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"maxPrice\":\"300\","
		      "\"minPrice\":\"0.0001\",\"tickSize\":\"0.0001\"}]},"
		      "{\"symbol\":\"BTCUSDT\",\"pair\":\"BTCUSDT\",\"contractType\":\"PERPETUAL\","
		      "\"pricePrecision\":2,\"quantityPrecision\":3,\"filters\":[{\"filterType\":"
		      "\"PRICE_FILTER\",\"maxPrice\":\"4529764\",\"minPrice\":\"556.80\","
		      "\"tickSize\":\"0.10\"},{\"filterType\":\"LOT_SIZE\",\"maxQty\":\"1000\","
		      "\"minQty\":\"0.001\",\"stepSize\":\"0.001\"},{\"filterType\":"
		      "\"MARKET_LOT_SIZE\",\"maxQty\":\"120\",\"minQty\":\"0.001\",\"stepSize\":"
		      "\"0.010\"}]},"
		      "{\"symbol\":\"ETHUSDT\",\"filters\":[{\"filterType\":\"PRICE_FILTER\","
		      "\"tickSize\":\"0.01000000\"},{\"filterType\":\"LOT_SIZE\",\"stepSize\":"
		      "\"1\"}]}],\"timezone\":\"UTC\"}"),
		0);
	is(0, 1, 1, 1, 3, 0, 0);
	is(1, 1, 2, 1, 0, 0, 0);
	missing(2);
	bad(&v, 0,
	    "{\"symbols\":[{\"symbol\":\"BTCUSDT\",\"filters\":[{\"filterType\":"
	    "\"PRICE_FILTER\",\"tickSize\":\"ten\"}]}]}");
	bad(&v, 0, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
	bad(&v, 0, "{\"symbols\":[{\"symbol\":\"BTCUSDT\"");
	feed_venue_ctx_free(&v);
}

/* OKX: GET /api/v5/public/instruments per market type. */
static void test_okx(void)
{
	static const char *const syms[] = {"BTC-USDT", "ETH-USDT", "BTC-USDT-PERP", NULL};
	static const char *const perps[] = {"ETH-USDT-PERP", NULL};
	struct feed_venue_ctx v;

	ctx(&v, "okx", syms);
	CHECK(v.ops->ref.weight > 0);
	path(&v, 0, "/api/v5/public/instruments?instType=SPOT");
	path(&v, 1, "/api/v5/public/instruments?instType=SWAP");
	path(&v, 2, NULL);
	CHECK_EQ_INT(parse(&v, 0,
			   "{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"baseCcy\":\"BTC\","
			   "\"ctVal\":\"\",\"instId\":\"BTC-USDT\",\"instType\":\"SPOT\","
			   "\"lotSz\":\"0.00000001\",\"minSz\":\"0.00001\",\"quoteCcy\":\"USDT\","
			   "\"state\":\"live\",\"tickSz\":\"0.1\"},{\"instId\":\"LTC-USDT\","
			   "\"instType\":\"SPOT\",\"lotSz\":\"0.0001\",\"tickSz\":\"0.01\"}]}"),
		     0);
	is(0, 1, 1, 1, 8, 0, 0);
	missing(1);
	missing(2);
	CHECK_EQ_INT(parse(&v, 1,
			   "{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"instType\":\"SWAP\","
			   "\"instId\":\"BTC-USDT-SWAP\",\"ctType\":\"linear\",\"ctVal\":\"0.01\","
			   "\"ctValCcy\":\"BTC\",\"lotSz\":\"0.1\",\"tickSz\":\"0.1\"},"
			   "{\"instType\":\"SWAP\",\"instId\":\"LTC-USDT-SWAP\",\"ctVal\":\"1\","
			   "\"lotSz\":\"1\",\"tickSz\":\"0.01\"}]}"),
		     0);
	is(2, 1, 1, 1, 1, 1, 2);
	missing(0);
	bad(&v, 0, "{\"code\":\"51001\",\"msg\":\"Instrument ID does not exist\",\"data\":[]}");
	bad(&v, 1,
	    "{\"code\":\"0\",\"data\":[{\"instId\":\"BTC-USDT-SWAP\",\"tickSz\":\"0.1\","
	    "\"lotSz\":\"0.1\"}]}"); /* a swap without ctVal */
	bad(&v, 0, "[1,2]");
	feed_venue_ctx_free(&v);
	ctx(&v, "okx", perps); /* only swaps: one request */
	path(&v, 0, "/api/v5/public/instruments?instType=SWAP");
	path(&v, 1, NULL);
	feed_venue_ctx_free(&v);
}

/* Kraken: GET /0/public/AssetPairs, found by wsname (XBT is BTC). */
static void test_kraken(void)
{
	static const char *const syms[] = {"BTC-USD", "ETH-USD", "DOGE-USD", "ETH-BTC", NULL};
	struct feed_venue_ctx v;

	ctx(&v, "kraken", syms);
	CHECK(v.ops->ref.weight > 0);
	path(&v, 0, "/0/public/AssetPairs");
	path(&v, 1, NULL);
	CHECK_EQ_INT(
		parse(&v, 0,
		      "{\"error\":[],\"result\":{\"XETHXXBT\":{\"altname\":\"ETHXBT\",\"wsname\":"
		      "\"ETH/XBT\",\"pair_decimals\":5,\"lot_decimals\":8,\"tick_size\":"
		      "\"0.00001\"},\"XXBTZUSD\":{\"altname\":\"XBTUSD\",\"wsname\":\"XBT/USD\","
		      "\"aclass_base\":\"currency\",\"base\":\"XXBT\",\"aclass_quote\":"
		      "\"currency\",\"quote\":\"ZUSD\",\"cost_decimals\":5,\"pair_decimals\":1,"
		      "\"lot_decimals\":8,\"lot_multiplier\":1,\"leverage_buy\":[2,3],"
		      "\"fees\":[[0,0.4]],\"ordermin\":\"0.0001\",\"costmin\":\"0.5\","
		      "\"tick_size\":\"0.1\",\"status\":\"online\"},\"XETHZUSD\":{\"altname\":"
		      "\"ETHUSD\",\"wsname\":\"ETH/USD\",\"pair_decimals\":2,\"lot_decimals\":"
		      "7}}}"),
		0);
	is(0, 1, 1, 1, 8, 0, 0);
	is(1, 1, 2, 1, 7, 0, 0); /* no tick_size: pair_decimals */
	is(3, 1, 5, 1, 8, 0, 0); /* "ETH/XBT" is our ETH/BTC */
	missing(2);
	CHECK_EQ_INT(parse(&v, 0,
			   "{\"error\":[],\"result\":{\"XDGUSD\":{\"wsname\":\"XDG/USD\","
			   "\"pair_decimals\":7,\"lot_decimals\":8,\"tick_size\":\"0.0000001\"}}}"),
		     0);
	is(2, 1, 7, 1, 8, 0, 0);
	bad(&v, 0, "{\"error\":[\"EQuery:Unknown asset pair\"]}");
	bad(&v, 0,
	    "{\"error\":[],\"result\":{\"XXBTZUSD\":{\"wsname\":\"XBT/USD\","
	    "\"pair_decimals\":1}}}"); /* no lot_decimals */
	bad(&v, 0, "not json");
	feed_venue_ctx_free(&v);
}

/* Bybit: GET /v5/market/instruments-info per category. */
static void test_bybit(void)
{
	static const char *const spot[] = {"BTC-USDT", "ETH-USDT", NULL};
	static const char *const lin[] = {"BTC-USDT-PERP", "ETH-USDT-PERP", NULL};
	struct feed_venue_ctx v;

	ctx(&v, "bybit", spot);
	CHECK(v.ops->ref.weight > 0);
	path(&v, 0, "/v5/market/instruments-info?category=spot");
	path(&v, 1, NULL);
	CHECK_EQ_INT(
		parse(&v, 0,
		      "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"category\":\"spot\","
		      "\"list\":[{\"symbol\":\"BTCUSDT\",\"baseCoin\":\"BTC\",\"quoteCoin\":"
		      "\"USDT\",\"innovation\":\"0\",\"status\":\"Trading\",\"marginTrading\":"
		      "\"both\",\"lotSizeFilter\":{\"basePrecision\":\"0.000001\","
		      "\"quotePrecision\":\"0.00000001\",\"minOrderQty\":\"0.000048\","
		      "\"maxOrderQty\":\"71.73956243\"},\"priceFilter\":{\"tickSize\":\"0.01\"}},"
		      "{\"symbol\":\"XRPUSDT\",\"lotSizeFilter\":{\"basePrecision\":\"0.01\"},"
		      "\"priceFilter\":{\"tickSize\":\"0.0001\"}}]},\"retExtInfo\":{},"
		      "\"time\":1672712468011}"),
		0);
	is(0, 1, 2, 1, 6, 0, 0);
	missing(1);
	bad(&v, 0, "{\"retCode\":10001,\"retMsg\":\"params error\",\"result\":{}}");
	bad(&v, 0,
	    "{\"retCode\":0,\"result\":{\"list\":[{\"symbol\":\"BTCUSDT\","
	    "\"priceFilter\":{\"tickSize\":\"0.01\"},\"lotSizeFilter\":{\"qtyStep\":"
	    "\"0.001\"}}]}}"); /* spot without basePrecision */
	feed_venue_ctx_free(&v);
	ctx(&v, "bybit", lin);
	path(&v, 0, "/v5/market/instruments-info?category=linear&limit=1000");
	path(&v, 1, NULL);
	CHECK_EQ_INT(
		parse(&v, 0,
		      "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"category\":\"linear\","
		      "\"list\":[{\"symbol\":\"ETHUSDT\",\"contractType\":\"LinearPerpetual\","
		      "\"status\":\"Trading\",\"priceScale\":\"2\",\"leverageFilter\":{"
		      "\"minLeverage\":\"1\",\"maxLeverage\":\"100.00\",\"leverageStep\":"
		      "\"0.01\"},\"priceFilter\":{\"minPrice\":\"0.10\",\"maxPrice\":"
		      "\"199999.80\",\"tickSize\":\"0.10\"},\"lotSizeFilter\":{\"maxOrderQty\":"
		      "\"1190.000\",\"minOrderQty\":\"0.010\",\"qtyStep\":\"0.010\"}},"
		      "{\"symbol\":\"SOLUSDT\",\"priceFilter\":{\"tickSize\":\"0.01\"},"
		      "\"lotSizeFilter\":{\"qtyStep\":\"0.1\"}}],\"nextPageCursor\":\"\"}}"),
		0);
	is(1, 1, 1, 1, 2, 0, 0);
	missing(0);
	feed_venue_ctx_free(&v);
}

/* Gate: one request per pair / contract. */
static void test_gateio(void)
{
	static const char *const spot[] = {"BTC-USDT", "ETH-USDT", NULL};
	static const char *const fut[] = {"BTC-USDT-PERP", NULL};
	struct feed_venue_ctx v;

	ctx(&v, "gateio", spot);
	CHECK(v.ops->ref.weight > 0);
	path(&v, 0, "/api/v4/spot/currency_pairs/BTC_USDT");
	path(&v, 1, "/api/v4/spot/currency_pairs/ETH_USDT");
	path(&v, 2, NULL);
	CHECK_EQ_INT(
		parse(&v, 1,
		      "{\"id\":\"ETH_USDT\",\"base\":\"ETH\",\"base_name\":\"Ethereum\","
		      "\"quote\":\"USDT\",\"quote_name\":\"Tether\",\"fee\":\"0.2\","
		      "\"min_base_amount\":\"0.001\",\"min_quote_amount\":\"1.0\","
		      "\"amount_precision\":4,\"precision\":2,\"trade_status\":\"tradable\","
		      "\"sell_start\":1516378650,\"buy_start\":1516378650,\"type\":\"normal\"}"),
		0);
	is(1, 1, 2, 1, 4, 0, 0);
	missing(0);
	CHECK_EQ_INT(parse(&v, 0,
			   "[{\"id\":\"ADA_USDT\",\"precision\":4,\"amount_precision\":2},"
			   "{\"id\":\"BTC_USDT\",\"precision\":1,\"amount_precision\":6}]"),
		     0); /* the list form */
	is(0, 1, 1, 1, 6, 0, 0);
	missing(1);
	CHECK_EQ_INT(parse(&v, 0,
			   "{\"label\":\"INVALID_CURRENCY_PAIR\",\"message\":\"Invalid currency "
			   "pair BTC_USDT\"}"),
		     0); /* an error answer names no pair */
	missing(0);
	bad(&v, 1, "{\"id\":\"ETH_USDT\",\"precision\":\"two\",\"amount_precision\":4}");
	bad(&v, 1, "{\"id\":\"ETH_USDT\"} x");
	feed_venue_ctx_free(&v);
	ctx(&v, "gateio", fut);
	path(&v, 0, "/api/v4/futures/usdt/contracts/BTC_USDT");
	path(&v, 1, NULL);
	CHECK_EQ_INT(parse(&v, 0,
			   "{\"name\":\"BTC_USDT\",\"type\":\"direct\",\"quanto_multiplier\":"
			   "\"0.0001\",\"ref_discount_rate\":\"0\",\"order_price_deviate\":\"0.5\","
			   "\"maintenance_rate\":\"0.005\",\"mark_type\":\"index\","
			   "\"order_price_round\":\"0.1\",\"mark_price_round\":\"0.01\","
			   "\"order_size_min\":1,\"order_size_max\":1000000}"),
		     0);
	is(0, 1, 1, 0, 0, 1, 4); /* no lot published */
	bad(&v, 0, "{\"name\":\"BTC_USDT\",\"order_price_round\":\"0.1\"}");
	feed_venue_ctx_free(&v);
}

/* Coinbase Exchange: GET /products/{product_id}. */
static void test_coinbase(void)
{
	static const char *const syms[] = {"BTC-USD", "ETH-USD", NULL};
	struct feed_venue_ctx v;

	ctx(&v, "coinbase", syms);
	CHECK(v.ops->ref.weight > 0);
	path(&v, 0, "/products/BTC-USD");
	path(&v, 1, "/products/ETH-USD");
	path(&v, 2, NULL);
	CHECK_EQ_INT(parse(&v, 0,
			   "{\"id\":\"BTC-USD\",\"base_currency\":\"BTC\",\"quote_currency\":"
			   "\"USD\",\"quote_increment\":\"0.01000000\",\"base_increment\":"
			   "\"0.00000001\",\"display_name\":\"BTC/USD\",\"min_market_funds\":\"1\","
			   "\"margin_enabled\":false,\"post_only\":false,\"limit_only\":false,"
			   "\"cancel_only\":false,\"status\":\"online\",\"status_message\":\"\","
			   "\"auction_mode\":true}"),
		     0);
	is(0, 1, 2, 1, 8, 0, 0);
	missing(1);
	CHECK_EQ_INT(parse(&v, 1,
			   "[{\"id\":\"ETH-USD\",\"quote_increment\":\"0.01\",\"base_increment\":"
			   "\"0.0001\"},{\"id\":\"LTC-USD\",\"quote_increment\":\"0.01\","
			   "\"base_increment\":\"0.01\"}]"),
		     0);
	is(1, 1, 2, 1, 4, 0, 0);
	missing(0);
	bad(&v, 0, "{\"id\":\"BTC-USD\",\"quote_increment\":0.01,\"base_increment\":\"1\"}");
	bad(&v, 0, "{\"id\":");
	feed_venue_ctx_free(&v);
}

/* MEXC: GET /api/v3/exchangeInfo?symbols=..., 20 symbols a request. */
static void test_mexc(void)
{
	static const char *const syms[] = {"BTC-USDT", "ETH-USDT", "MX-USDT", NULL};
	struct feed_venue_ctx v;

	ctx(&v, "mexc", syms);
	CHECK(v.ops->ref.weight > 0);
	path(&v, 0, "/api/v3/exchangeInfo?symbols=BTCUSDT,ETHUSDT,MXUSDT");
	path(&v, 1, NULL);
	CHECK_EQ_INT(
		parse(&v, 0,
		      "{\"timezone\":\"CST\",\"serverTime\":1671161883000,\"rateLimits\":[],"
		      "\"exchangeFilters\":[],\"symbols\":[{\"symbol\":\"BTCUSDT\",\"status\":"
		      "\"1\",\"baseAsset\":\"BTC\",\"baseAssetPrecision\":6,\"quoteAsset\":"
		      "\"USDT\",\"quotePrecision\":2,\"quoteAssetPrecision\":2,"
		      "\"baseCommissionPrecision\":6,\"quoteCommissionPrecision\":2,"
		      "\"orderTypes\":[\"LIMIT\",\"MARKET\"],\"isSpotTradingAllowed\":true,"
		      "\"permissions\":[\"SPOT\"],\"filters\":[],\"baseSizePrecision\":"
		      "\"0.000001\",\"maxQuoteAmount\":\"5000000\",\"makerCommission\":\"0\","
		      "\"takerCommission\":\"0.0005\",\"quoteAmountPrecision\":\"5\"},"
		      "{\"symbol\":\"ETHUSDT\",\"baseAssetPrecision\":5,\"quotePrecision\":2,"
		      "\"baseSizePrecision\":\"0\"},{\"symbol\":\"KASUSDT\",\"quotePrecision\":6,"
		      "\"baseSizePrecision\":\"0.01\"}]}"),
		0);
	is(0, 1, 2, 1, 6, 0, 0);
	is(1, 1, 2, 1, 5, 0, 0); /* baseSizePrecision "0": baseAssetPrecision */
	missing(2);
	bad(&v, 0, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
	bad(&v, 0, "{\"symbols\":[{\"symbol\":\"BTCUSDT\",\"quotePrecision\":\"x\"}]}");
	feed_venue_ctx_free(&v);
}

static int64_t fixed_clock(void)
{
	return 1700000000123456789LL;
}

/* BingX: spot symbols and swap contracts, one request per symbol. */
static void test_bingx(void)
{
	static const char *const spot[] = {"BTC-USDT", "ETH-USDT", NULL};
	static const char *const swap[] = {"BTC-USDT-PERP", NULL};
	struct feed_venue_ctx v;

	ctx(&v, "bingx", spot);
	CHECK(v.ops->ref.weight > 0);
	path(&v, 0, "/openApi/spot/v1/common/symbols?symbol=BTC-USDT");
	path(&v, 1, "/openApi/spot/v1/common/symbols?symbol=ETH-USDT");
	path(&v, 2, NULL);
	CHECK_EQ_INT(parse(&v, 0,
			   "{\"code\":0,\"msg\":\"\",\"debugMsg\":\"\",\"data\":{\"symbols\":["
			   "{\"symbol\":\"BTC-USDT\",\"minQty\":0.0001,\"maxQty\":100,"
			   "\"minNotional\":5,\"maxNotional\":100000,\"status\":1,\"tickSize\":"
			   "0.01,\"stepSize\":1e-05},{\"symbol\":\"DOGE-USDT\",\"tickSize\":"
			   "0.00001,\"stepSize\":1}]}}"),
		     0);
	is(0, 1, 2, 1, 5, 0, 0);
	missing(1);
	bad(&v, 0, "{\"code\":100400,\"msg\":\"symbol not exist\",\"data\":{}}");
	bad(&v, 0,
	    "{\"code\":0,\"data\":{\"symbols\":[{\"symbol\":\"BTC-USDT\","
	    "\"tickSize\":-0.01,\"stepSize\":1}]}}");
	feed_venue_ctx_free(&v);
	ctx(&v, "bingx", swap);
	v.clock = fixed_clock; /* the swap query carries the time in ms */
	path(&v, 0, "/openApi/swap/v2/quote/contracts?symbol=BTC-USDT&timestamp=1700000000123");
	CHECK_EQ_INT(parse(&v, 0,
			   "{\"code\":0,\"msg\":\"\",\"data\":[{\"contractId\":\"100\",\"symbol\":"
			   "\"BTC-USDT\",\"size\":\"0.0001\",\"quantityPrecision\":4,"
			   "\"pricePrecision\":1,\"feeRate\":0.0005,\"tradeMinLimit\":1,"
			   "\"currency\":\"USDT\",\"asset\":\"BTC\",\"status\":1},{\"symbol\":"
			   "\"ETH-USDT\",\"quantityPrecision\":2,\"pricePrecision\":2}]}"),
		     0);
	is(0, 1, 1, 1, 4, 0, 0);
	bad(&v, 0, "{\"code\":0,\"data\":[{\"symbol\":\"BTC-USDT\",\"pricePrecision\":1}]}");
	feed_venue_ctx_free(&v);
}

int main(void)
{
	test_helpers();
	test_binance_futures();
	test_okx();
	test_kraken();
	test_bybit();
	test_gateio();
	test_coinbase();
	test_mexc();
	test_bingx();
	return feed_test_done("test_vref");
}
