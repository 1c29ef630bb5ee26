/* SPDX-License-Identifier: MIT */
/*
 * binance_futures.c: Binance USD-M futures (perpetuals) market streams on
 * wss://fstream.binance.com, routed by channel: <symbol>@aggTrade lives on
 * /market, <symbol>@bookTicker on /public. The unrouted URLs were retired on
 * 2026-04-23: a connection on the wrong path is acknowledged and then
 * silent for the streams of the other path (no error), so each channel
 * goes on a connection to its own path (ops->channel_path, planned by
 * feed_venue_plan: one session, two connections).
 *
 * The request, its answers, the combined-stream wrapper and the message
 * shapes are spot's (binance.c, shared through binance.h):
 *   aggTrade:   {"e":"aggTrade","E":..,"s":"BTCUSDT","a":5933014,"p":"0.001",
 *                "q":"100","f":100,"l":105,"T":123456785,"m":true}
 *               a = aggregate trade id (fills of one price and taking side
 *               within 100 ms), T = trade time, m = buyer is the maker =>
 *               the aggressor sold (SELL); q in base units.
 *   bookTicker: {"e":"bookTicker","u":400900217,"E":1568014460893,
 *                "T":1568014460891,"s":"BNBUSDT","b":"25.35","B":"31.21",
 *                "a":"25.36","A":"40.66"}  exch_ts = T (transaction time).
 *   depth (l2): <symbol>@depth@100ms on /public (with bookTicker):
 *               {"e":"depthUpdate","E":..,"T":..,"s":"BTCUSDT","U":157,"u":160,
 *                "pu":149,"b":[..],"a":[..]}: DELTA [U, u], prev_id = pu,
 *               exch_ts = T; REST GET /fapi/v1/depth?symbol=BTCUSDT&limit=1000
 *               (weight 20); sync FEED_SYNC_REST_PU, no checksum.
 *               Depth checked 2026-12-07 against
 *               https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/How-to-manage-a-local-order-book-correctly
 *               (and the Diff-Book-Depth-Streams, rest-api/Order-Book and
 *               Important-WebSocket-Change-Notice pages, docs/venues/binance-futures.md).
 * Symbols: BTC-USDT-PERP <-> BTCUSDT (perpetuals only: the same name is
 * also the spot pair, and delivery contracts are named otherwise).
 * Keepalive: the server pings every 3 minutes and disconnects after 10
 * minutes without a pong (the proto layer answers pings; unsolicited pongs
 * are allowed, so our own WebSocket pings are fine). A connection lives 24
 * hours (max_lifetime 23 h rotates before). Limits: 10 incoming messages
 * per second per connection (pings and pongs included), 1024 streams per
 * connection.
 *
 * Checked against the venue's documentation on 2026-12-06: see
 * docs/venues/binance-futures.md (the USD-M market streams pages and the
 * "Base URL Split & Migration" notice). Not documented for futures and
 * taken from spot: the SUBSCRIBE answer {"result":null,"id":N} and the
 * error form.
 */
#include <errno.h>
#include <string.h>

#include "binance.h"
#include "jsonscan.h"
#include "symbol.h"
#include "venue.h"
#include "vref.h"
#include "vrest.h"

/* BTC-USDT-PERP -> BTCUSDT: base and quote, nothing between or after. */
static int bnf_native_symbol(const char *norm, char *out, size_t len)
{
	struct feed_symbol_info info;

	if (feed_symbol_parse(norm, &info) < 0 || info.market != MDBUS_MARKET_PERP)
		return -EINVAL;
	if (info.base_len + info.quote_len + 1 > len)
		return -ENAMETOOLONG;
	memcpy(out, norm, info.base_len);
	memcpy(out + info.base_len, norm + info.base_len + 1, info.quote_len);
	out[info.base_len + info.quote_len] = '\0';
	return 0;
}

static int bnf_subscribe(struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			 uint64_t req_id, char *buf, size_t len, size_t *out_len)
{
	return feed_binance_subscribe(v, streams, n, req_id, buf, len, out_len, "@aggTrade");
}

static int bnf_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			  int64_t recv_ns, struct feed_venue_out *out)
{
	return feed_binance_on_message(v, p, n, binary, recv_ns, out, 1);
}

static int bnf_rest_snapshot(struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
			     size_t *n)
{
	return feed_binance_rest_path(v, sym, "/fapi/v1/depth", buf, len, n);
}

/* REST fallback: at the end of the file. */
static int bnf_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
				size_t *n);
static int bnf_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
				size_t *n);
static int bnf_rest_agg_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body,
			       size_t n, struct feed_rest_trade *t, uint32_t cap, uint32_t *nt);

/* ---- reference data (ops->ref) ------------------------------------------------ */

/*
 * GET /fapi/v1/exchangeInfo (weight 1; no symbol filter: every contract
 * comes back): {"symbols":[{"symbol":"BTCUSDT","filters":[{"filterType":
 * "PRICE_FILTER","tickSize":"0.10",..},{"filterType":"LOT_SIZE","stepSize":
 * "0.001",..},..],..}]}: tick = PRICE_FILTER tickSize, lot = LOT_SIZE
 * stepSize; USD-M quantities are base units, so contract stays 0. Checked
 * 2026-12-07 against
 * https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Exchange-Information
 */
static int bnf_ref_request(struct feed_venue_ctx *v, uint32_t k, char *buf, size_t len, size_t *n)
{
	(void)v;
	if (k > 0)
		return 0;
	return feed_vrest_fmt(buf, len, n, "/fapi/v1/exchangeInfo") < 0 ? -ENOBUFS : 1;
}

static int bnf_ref_fill(struct feed_venue_ctx *v, uint32_t i, const struct feed_json_val *f,
			struct feed_ref_instr *r)
{
	(void)i;
	return feed_vref_binance_filters(v, &f[1], r);
}

static int bnf_ref_parse(struct feed_venue_ctx *v, uint32_t k, const uint8_t *body, size_t n,
			 struct feed_ref_instr *ref)
{
	static const struct feed_json_key keys[] = {FEED_JSON_KEY("symbol"),
						    FEED_JSON_KEY("filters")};
	struct feed_json_val syms;
	int r;

	(void)k;
	r = feed_vref_member(v, body, n, "symbols", &syms);
	if (r < 0)
		return r;
	return feed_vref_each(v, &syms, MDBUS_MARKET_PERP, keys, 2, bnf_ref_fill, ref);
}

const struct feed_venue_ops feed_venue_binance_futures = {
	.name = "binance-futures",
	/* Every channel is routed: the URL names the host (a simulator's,
	 * a proxy's), the paths come from channel_path. */
	.default_url = "wss://fstream.binance.com",
	.default_rest_url = "https://fapi.binance.com",
	.channel_path = {"/market/ws", "/public/ws", "/public/ws"},
	.channels = FEED_CH_TRADES | FEED_CH_BBO | FEED_CH_L2,
	.markets = 1u << MDBUS_MARKET_PERP,
	.limits =
		{
			.group = FEED_GROUP_ANY,
			/* As spot: one rejection sinks at most 200 streams. */
			.streams_per_req = 200,
			.streams_per_conn = 1024,
			/* 10 incoming messages per second (pings and pongs
			 * included): one request per 200 ms leaves room. */
			.req_interval_ms = 200,
		},
	.qty_unit = MDBUS_QTY_BASE,
	.book =
		{
			.sync = FEED_SYNC_REST_PU,
			.max_levels = FEED_BINANCE_REST_LIMIT,
			/* limit 1000: weight 20 (of 2,400 a minute) */
			.rest_weight = 20,
			.rest_snapshot = bnf_rest_snapshot,
			.rest_parse = feed_binance_rest_parse,
		},
	.rest =
		{
			.ticker_weight = 2,  /* bookTicker, one symbol */
			.trades_weight = 20, /* GET /fapi/v1/aggTrades */
			.same_ids = 1,	     /* aggregate ids, as @aggTrade's "a" */
			.ticker_path = bnf_rest_ticker_path,
			.trades_path = bnf_rest_trades_path,
			.ticker_parse = feed_binance_rest_ticker,
			.trades_parse = bnf_rest_agg_trades,
		},
	.ref = {.request = bnf_ref_request, .parse = bnf_ref_parse, .weight = 1},
	.native_symbol = bnf_native_symbol,
	.subscribe = bnf_subscribe,
	.on_message = bnf_on_message,
};

/* ---- REST fallback (ops->rest) ------------------------------------------------- */

/* Trades: GET /fapi/v1/aggTrades?symbol=BTCUSDT&limit=500 (weight 20;
 * default 500, at most 1000; the most recent aggregate trades when neither
 * fromId nor a time is sent; market trades only, as the stream), answer
 * [{"a":..,"p":"..","q":"..","f":..,"l":..,"T":ms,"m":bool}]: the same
 * aggregate ids as the live <symbol>@aggTrade ("a"), so the fallback
 * starts after the last live trade by id (rest.same_ids). Not
 * /fapi/v1/trades: its ids are the individual trades' (f..l), another id
 * space. Checked 2026-12-07 against
 * https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Compressed-Aggregate-Trades-List
 * and .../websocket-market-streams/Aggregate-Trade-Streams. */

static int bnf_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
				size_t *n)
{
	return feed_binance_rest_ticker_path(v, sym, "/fapi/v1/ticker/bookTicker", buf, len, n);
}

static int bnf_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
				size_t *n)
{
	return feed_binance_rest_trades_path(v, sym, "/fapi/v1/aggTrades", buf, len, n);
}

/* One aggregate trade: {"a":26129,"p":"0.01633102","q":"4.70443515",
 * "f":27781,"l":27781,"T":1498793709153,"m":true}: a = aggregate id (the
 * live @aggTrade's "a"), T = time in ms, m = the buyer was the maker => the
 * aggressor sold. f/l (the individual trade ids) are not used. */
static int bnf_rest_agg_trade(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *e,
			      struct feed_rest_trade *t)
{
	static const struct feed_json_key k[5] = {FEED_JSON_KEY("a"), FEED_JSON_KEY("p"),
						  FEED_JSON_KEY("q"), FEED_JSON_KEY("T"),
						  FEED_JSON_KEY("m")};
	struct feed_json_val f[5];

	t->flags = 0;
	if (feed_vrest_trade_maker(v, sym, e, k, f, t) < 0)
		return -EBADMSG;
	if (f[0].type != FEED_JSON_NUMBER || feed_json_u64(&f[0], &t->id) < 0)
		return feed_vrest_bad(v, "trade a");
	return 0;
}

/* [{aggregate trade},...], oldest first. */
static int bnf_rest_agg_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body,
			       size_t n, struct feed_rest_trade *t, uint32_t cap, uint32_t *nt)
{
	struct feed_json_val arr = {.p = (const char *)body, .n = n, .type = FEED_JSON_ARRAY};
	size_t pos = 0;

	if (feed_json_value((const char *)body, n, &pos, &arr) < 0 || arr.type != FEED_JSON_ARRAY)
		return feed_vrest_bad(v, "aggTrades JSON");
	return feed_vrest_each(v, sym, &arr, bnf_rest_agg_trade, t, cap, nt);
}
