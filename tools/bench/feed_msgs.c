/* SPDX-License-Identifier: MIT */
/* feed_msgs.c: one trade message generator per venue (feed_msgs.h), each in
 * the format of that venue's documentation (docs/venues/). */
#include "feed_msgs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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

static const struct bench_feed_gen bench_feed_gens[] = {
	{"binance",
	 {"BTC-USDT", "ETH-USDT", "SOL-USDT", "BNB-USDT"},
	 {"BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"},
	 bench_gen_binance},
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
