/* SPDX-License-Identifier: MIT */
/* feed_msgs.c: one trade message generator per venue (feed_msgs.h), each in
 * the format of that venue's documentation (docs/venues/). */
#include "feed_msgs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#define ZLIB_CONST
#include <zlib.h>

#include "mexc.pb-c.h"

static int bench_fmt_done(int n, size_t len)
{
	return n <= 0 || (size_t)n >= len ? -ENOSPC : n;
}

/* Binance spot @trade: m = the buyer is the maker, so the taker sold. */
static int bench_gen_binance(const struct bench_feed_gen *g, const struct bench_feed_trade *t,
			     char *buf, size_t len, int *binary)
{
	*binary = 0;
	return bench_fmt_done(snprintf(buf, len,
				       "{\"e\":\"trade\",\"E\":%llu,\"s\":\"%s\",\"t\":%llu,\"p\":"
				       "\"%u.%02u000000\","
				       "\"q\":\"%u.%05u000\",\"T\":%llu,\"m\":%s,\"M\":true}",
				       (unsigned long long)t->ts_ms + 3, g->native[t->sym],
				       (unsigned long long)t->id, t->px_int, t->px_frac, t->qty_int,
				       t->qty_frac, (unsigned long long)t->ts_ms,
				       t->buyer_is_taker ? "false" : "true"),
			      len);
}

/* Bybit v5 publicTrade (spot): one trade per message, S = the taker's side,
 * i a string (here a pure integer: kept as the id), seq the cross sequence. */
static int bench_gen_bybit(const struct bench_feed_gen *g, const struct bench_feed_trade *t,
			   char *buf, size_t len, int *binary)
{
	*binary = 0;
	return bench_fmt_done(
		snprintf(buf, len,
			 "{\"topic\":\"publicTrade.%s\",\"type\":\"snapshot\",\"ts\":%llu,"
			 "\"data\":[{\"T\":%llu,\"s\":\"%s\",\"S\":\"%s\",\"v\":\"%u.%05u\","
			 "\"p\":\"%u.%02u\",\"L\":\"PlusTick\",\"i\":\"%llu\",\"BT\":false,"
			 "\"seq\":%llu}]}",
			 g->native[t->sym], (unsigned long long)t->ts_ms + 3,
			 (unsigned long long)t->ts_ms, g->native[t->sym],
			 t->buyer_is_taker ? "Buy" : "Sell", t->qty_int, t->qty_frac, t->px_int,
			 t->px_frac, (unsigned long long)t->id, (unsigned long long)t->id * 2),
		len);
}

/* Coinbase Exchange `match`: side is the maker's, so "sell" = the taker
 * bought; the trade id doubles as the product's (contiguous) sequence;
 * RFC 3339 time with microseconds. */
static int bench_gen_coinbase(const struct bench_feed_gen *g, const struct bench_feed_trade *t,
			      char *buf, size_t len, int *binary)
{
	time_t sec = (time_t)(t->ts_ms / 1000);
	struct tm tm;
	char ts[32];

	*binary = 0;
	if (!gmtime_r(&sec, &tm) || strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return -ENOSPC;
	return bench_fmt_done(
		snprintf(buf, len,
			 "{\"type\":\"match\",\"trade_id\":%llu,\"sequence\":%llu,"
			 "\"maker_order_id\":\"ac928c66-ca53-498f-9c13-a110027a60e8\","
			 "\"taker_order_id\":\"132fb6ae-456b-4654-b4e0-d681ac05cea1\","
			 "\"time\":\"%s.%03u123Z\",\"product_id\":\"%s\",\"size\":\"%u.%05u\","
			 "\"price\":\"%u.%02u\",\"side\":\"%s\"}",
			 (unsigned long long)t->id, (unsigned long long)t->id, ts,
			 (unsigned)(t->ts_ms % 1000), g->native[t->sym], t->qty_int, t->qty_frac,
			 t->px_int, t->px_frac, t->buyer_is_taker ? "sell" : "buy"),
		len);
}

/* Kraken spot v2 trade: a one-element data array, bare JSON numbers, side
 * is the taker's, RFC 3339 time. */
static int bench_gen_kraken(const struct bench_feed_gen *g, const struct bench_feed_trade *t,
			    char *buf, size_t len, int *binary)
{
	time_t sec = (time_t)(t->ts_ms / 1000);
	struct tm tm;

	*binary = 0;
	if (!gmtime_r(&sec, &tm))
		return -EINVAL;
	return bench_fmt_done(
		snprintf(buf, len,
			 "{\"channel\":\"trade\",\"type\":\"update\",\"data\":[{\"symbol\":\"%s\","
			 "\"side\":\"%s\",\"price\":%u.%02u,\"qty\":%u.%05u,\"ord_type\":\"limit\","
			 "\"trade_id\":%llu,\"timestamp\":\"%04d-%02d-%02dT%02d:%02d:%02d.%"
			 "03u000Z\"}]}",
			 g->native[t->sym], t->buyer_is_taker ? "buy" : "sell", t->px_int,
			 t->px_frac, t->qty_int, t->qty_frac, (unsigned long long)t->id,
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (unsigned)(t->ts_ms % 1000)),
		len);
}

/* BingX spot @trade (the documented push, t a string, with m as the
 * current field list has it), gzip'd into a binary frame as BingX sends
 * every frame: the adapter's time includes the inflate. */
static int bench_gen_bingx(const struct bench_feed_gen *g, const struct bench_feed_trade *t,
			   char *buf, size_t len, int *binary)
{
	char text[320];
	z_stream zs;
	int n = snprintf(text, sizeof(text),
			 "{\"code\":0,\"data\":{\"E\":%llu,\"T\":%llu,\"e\":\"trade\",\"m\":%s,"
			 "\"p\":\"%u.%02u\",\"q\":\"%u.%05u\",\"s\":\"%s\",\"t\":\"%llu\"},"
			 "\"dataType\":\"%s@trade\"}",
			 (unsigned long long)t->ts_ms + 3, (unsigned long long)t->ts_ms,
			 t->buyer_is_taker ? "false" : "true", t->px_int, t->px_frac, t->qty_int,
			 t->qty_frac, g->native[t->sym], (unsigned long long)t->id,
			 g->native[t->sym]);

	*binary = 1;
	if (bench_fmt_done(n, sizeof(text)) < 0)
		return -ENOSPC;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	zs.next_in = (const Bytef *)text;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)buf;
	zs.avail_out = (uInt)len;
	n = deflate(&zs, Z_FINISH) == Z_STREAM_END ? (int)(len - zs.avail_out) : -ENOSPC;
	deflateEnd(&zs);
	return n;
}

/* MEXC spot aggre.deals: a PushDataV3ApiWrapper with one deal, packed
 * with the protobuf-c code generated from feedd/venues/mexc.proto into a
 * binary frame: the adapter's time includes the protobuf decode. tradeType
 * 1 = the taker bought; tradeId as the published schema has it. */
static int bench_gen_mexc(const struct bench_feed_gen *g, const struct bench_feed_trade *t,
			  char *buf, size_t len, int *binary)
{
	Mexc__PushDataV3ApiWrapper w = MEXC__PUSH_DATA_V3_API_WRAPPER__INIT;
	Mexc__PublicAggreDealsV3Api d = MEXC__PUBLIC_AGGRE_DEALS_V3_API__INIT;
	Mexc__PublicAggreDealsV3ApiItem it = MEXC__PUBLIC_AGGRE_DEALS_V3_API_ITEM__INIT, *items[1];
	char chan[96], px[32], qty[32], tid[32];

	*binary = 1;
	if (bench_fmt_done(snprintf(chan, sizeof(chan),
				    "spot@public.aggre.deals.v3.api.pb@100ms@%s",
				    g->native[t->sym]),
			   sizeof(chan)) < 0 ||
	    bench_fmt_done(snprintf(px, sizeof(px), "%u.%02u", t->px_int, t->px_frac), sizeof(px)) <
		    0 ||
	    bench_fmt_done(snprintf(qty, sizeof(qty), "%u.%05u", t->qty_int, t->qty_frac),
			   sizeof(qty)) < 0 ||
	    bench_fmt_done(snprintf(tid, sizeof(tid), "%llu", (unsigned long long)t->id),
			   sizeof(tid)) < 0)
		return -ENOSPC;
	it.price = px;
	it.quantity = qty;
	it.tradetype = t->buyer_is_taker ? 1 : 2;
	it.time = (int64_t)t->ts_ms;
	it.tradeid = tid;
	items[0] = &it;
	d.deals = items;
	d.n_deals = 1;
	d.eventtype = "spot@public.aggre.deals.v3.api.pb@100ms";
	w.channel = chan;
	w.symbol = (char *)g->native[t->sym];
	w.sendtime = (int64_t)t->ts_ms + 3;
	w.body_case = MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_DEALS;
	w.publicaggredeals = &d;
	if (mexc__push_data_v3_api_wrapper__get_packed_size(&w) > len)
		return -ENOSPC;
	return (int)mexc__push_data_v3_api_wrapper__pack(&w, (uint8_t *)buf);
}

/* OKX trades (docs/venues/okx.md): strings for ids, prices, sizes and ts;
 * side is the taker's; seqId a bare integer. */
static int bench_gen_okx(const struct bench_feed_gen *g, const struct bench_feed_trade *t,
			 char *buf, size_t len, int *binary)
{
	*binary = 0;
	return bench_fmt_done(
		snprintf(buf, len,
			 "{\"arg\":{\"channel\":\"trades\",\"instId\":\"%s\"},\"data\":[{"
			 "\"instId\":\"%s\",\"tradeId\":\"%llu\",\"px\":\"%u.%02u\",\"sz\":"
			 "\"%u.%05u\",\"side\":\"%s\",\"ts\":\"%llu\",\"count\":\"1\","
			 "\"source\":\"0\",\"seqId\":%llu}]}",
			 g->native[t->sym], g->native[t->sym], (unsigned long long)t->id, t->px_int,
			 t->px_frac, t->qty_int, t->qty_frac, t->buyer_is_taker ? "buy" : "sell",
			 (unsigned long long)t->ts_ms, (unsigned long long)t->id),
		len);
}

/* Gate spot.trades: one trade per message, side = the taker's,
 * create_time_ms a string with fractional ms (docs/venues/gateio.md). */
static int bench_gen_gateio(const struct bench_feed_gen *g, const struct bench_feed_trade *t,
			    char *buf, size_t len, int *binary)
{
	*binary = 0;
	return bench_fmt_done(
		snprintf(
			buf, len,
			"{\"time\":%llu,\"time_ms\":%llu,\"channel\":\"spot.trades\",\"event\":"
			"\"update\",\"result\":{\"id\":%llu,\"id_market\":%llu,\"create_time\":%"
			"llu,"
			"\"create_time_ms\":\"%llu.4578\",\"side\":\"%s\",\"currency_pair\":\"%s\","
			"\"amount\":\"%u.%05u00000\",\"price\":\"%u.%02u00000000\",\"range\":"
			"\"%llu-%llu\"}}",
			(unsigned long long)t->ts_ms / 1000, (unsigned long long)t->ts_ms + 3,
			(unsigned long long)t->id, (unsigned long long)t->id,
			(unsigned long long)t->ts_ms / 1000, (unsigned long long)t->ts_ms,
			t->buyer_is_taker ? "buy" : "sell", g->native[t->sym], t->qty_int,
			t->qty_frac, t->px_int, t->px_frac, (unsigned long long)t->id,
			(unsigned long long)t->id),
		len);
}

static const struct bench_feed_gen bench_feed_gens[] = {
	{"binance",
	 {"BTC-USDT", "ETH-USDT", "SOL-USDT", "BNB-USDT"},
	 {"BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"},
	 bench_gen_binance},
	{"bingx",
	 {"BTC-USDT", "ETH-USDT", "SOL-USDT", "BNB-USDT"},
	 {"BTC-USDT", "ETH-USDT", "SOL-USDT", "BNB-USDT"},
	 bench_gen_bingx},
	{"bybit",
	 {"BTC-USDT", "ETH-USDT", "SOL-USDT", "BNB-USDT"},
	 {"BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"},
	 bench_gen_bybit},
	{"coinbase",
	 {"BTC-USDT", "ETH-USDT", "SOL-USDT", "BNB-USDT"},
	 {"BTC-USDT", "ETH-USDT", "SOL-USDT", "BNB-USDT"},
	 bench_gen_coinbase},
	{"gateio",
	 {"BTC-USDT", "ETH-USDT", "SOL-USDT", "BNB-USDT"},
	 {"BTC_USDT", "ETH_USDT", "SOL_USDT", "BNB_USDT"},
	 bench_gen_gateio},
	{"kraken",
	 {"BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD"},
	 {"BTC/USD", "ETH/USD", "SOL/USD", "XRP/USD"},
	 bench_gen_kraken},
	{"mexc",
	 {"BTC-USDT", "ETH-USDT", "SOL-USDT", "BNB-USDT"},
	 {"BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"},
	 bench_gen_mexc},
	{"okx",
	 {"BTC-USDT", "ETH-USDT", "SOL-USDT", "BNB-USDT"},
	 {"BTC-USDT", "ETH-USDT", "SOL-USDT", "BNB-USDT"},
	 bench_gen_okx},
};

const struct bench_feed_gen *bench_feed_gen_find(const char *venue)
{
	for (size_t i = 0; i < sizeof(bench_feed_gens) / sizeof(bench_feed_gens[0]); i++)
		if (strcmp(bench_feed_gens[i].venue, venue) == 0)
			return &bench_feed_gens[i];
	return NULL;
}
