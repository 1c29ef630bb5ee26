/* SPDX-License-Identifier: MIT */
/*
 * test_sim_rest.c: mdbus-sim's REST answers.
 *
 * The fallback's ticker and recent trades of every venue feedd polls
 * (Binance spot and USD-M, OKX, Bybit spot and linear, Kraken, Gate,
 * Coinbase, MEXC, BingX) read back by feedd's own REST parsers and the
 * fallback's de-duplication (feedd/fallback.c): the answers parse, the BBO
 * is uncrossed, successive trade polls overlap so that only the new
 * trades come out, without GAP after the first poll, with ids that follow
 * the ones the stream published; a bad symbol is the venue's error (its
 * status and body); an unknown path is 404.
 *
 * The depth snapshots of Bybit, Kraken, Coinbase and BingX: status 200, the
 * venue's fields, as many levels as asked, and the levels of the sim's own
 * book (what its depth stream carries), printed as the stream prints them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "fallback.h"
#include "restq.h"
#include "sim.h"
#include "venue.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static char body[1 << 16];
static struct mdbus_tick ticks[FEED_FB_TICKS_MAX];

static int get(const struct sim_dialect *d, struct sim_venue *sv, const char *path, int *status)
{
	*status = 0;
	return d->rest(sv, path, body, sizeof(body), status);
}

/* One venue's fallback answers; err_path under base must answer err_status
 * with err_code in the body. hashed: trade ids are hashes (MEXC). */
struct fb_case {
	const char *venue, *norm, *base, *ticker_pfx, *err_path, *err_code;
	int err_status;
	int hashed;
};

/* Long: one scenario, read top to bottom (set-up, ticker, four polls, errors). */
static void run(const struct fb_case *c)
{
	char syms[1][MDBUS_SYMBOL_MAX], err[256], path[256];
	const struct sim_dialect *d = sim_dialect_find(c->venue);
	const char *feed_venue = strncmp(c->venue, "bybit", 5) == 0 ? "bybit" : c->venue;
	struct feed_session_config sc;
	static struct sim_venue sv;
	struct feed_venue_ctx fv;
	struct feed_restq q;
	struct feed_fb fb;
	int status, n, k, i;
	uint64_t stream_id;
	int64_t wake;
	size_t pn;

	CHECK(d != NULL && d->rest != NULL, "%s: no rest hook", c->venue);
	if (!d || !d->rest)
		return;
	snprintf(syms[0], sizeof(syms[0]), "%s", c->norm);
	memset(&sc, 0, sizeof(sc));
	sc.symbols = syms;
	sc.nsymbols = 1;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = sc.qty_decimals = -1;
	sc.qty_unit = -1;
	sc.contract_size = 1;
	CHECK(feed_venue_ctx_init(&fv, feed_venue_find(feed_venue), &sc, err, sizeof(err)) == 0,
	      "%s", err);
	fv.syms[0].instrument = 7; /* as a session sets it; poll keys name it */
	CHECK(sim_venue_init(&sv, NULL, 3, err, sizeof(err)) == 0, "%s", err);
	CHECK(feed_restq_init(&q, 16, 0, 0) == 0, "restq");
	CHECK(feed_restq_venue_add(&q, feed_venue, 6000) == 0, "restq venue");
	CHECK(feed_fb_init(&fb, &fv, &q, 0, 1, 1, 0) == 0, "%s: fb init", c->venue);
	feed_fb_ws(&fb, 0, 0);
	CHECK(feed_fb_run(&fb, 1000000000, &wake) == FEED_FB_EV_START, "start");

	/* the ticker, as feedd asks for it */
	CHECK(feed_fb_path(&fb, FEED_FB_KEY(7, FEED_FB_TICKER), path, sizeof(path), &pn) == 0,
	      "path");
	CHECK(strncmp(path, c->ticker_pfx, strlen(c->ticker_pfx)) == 0, "%s", path);
	n = get(d, &sv, path, &status);
	CHECK(n > 0 && status == 200, "%s: %d %d", path, n, status);
	k = feed_fb_answer(&fb, FEED_FB_KEY(7, FEED_FB_TICKER), status, (const uint8_t *)body,
			   (size_t)(n > 0 ? n : 0), 1, ticks, FEED_FB_TICKS_MAX);
	CHECK(k == 1, "%s: ticker ticks %d: %s (%.*s)", c->venue, k, fv.reason, n, body);
	CHECK(ticks[0].u.bbo.bid_px > 0 && ticks[0].u.bbo.bid_px < ticks[0].u.bbo.ask_px &&
		      ticks[0].u.bbo.bid_qty > 0 && ticks[0].u.bbo.ask_qty > 0,
	      "bbo %lld/%lld", (long long)ticks[0].u.bbo.bid_px, (long long)ticks[0].u.bbo.ask_px);
	CHECK(ticks[0].flags & MDBUS_FLAG_REST, "flags %x", ticks[0].flags);

	/* trades: the first poll (GAP), then polls that overlap: 2 new each;
	 * the ids follow the last one the stream published */
	stream_id = sv.sym[0].trade_id;
	CHECK(feed_fb_path(&fb, FEED_FB_KEY(7, FEED_FB_TRADES), path, sizeof(path), &pn) == 0,
	      "path");
	for (i = 0; i < 4; i++) {
		n = get(d, &sv, path, &status);
		CHECK(n > 0 && status == 200, "%s: %d %d", path, n, status);
		k = feed_fb_answer(&fb, FEED_FB_KEY(7, FEED_FB_TRADES), status,
				   (const uint8_t *)body, (size_t)(n > 0 ? n : 0), 1, ticks,
				   FEED_FB_TICKS_MAX);
		CHECK(k == 2, "%s poll %d: %d trades: %s", c->venue, i, k, fv.reason);
		if (k < 1)
			continue;
		CHECK(!!(ticks[0].flags & MDBUS_FLAG_GAP) == (i == 0), "poll %d flags %x", i,
		      ticks[0].flags);
		CHECK(ticks[0].exch_ts > 0 && (k < 2 || ticks[1].exch_ts > ticks[0].exch_ts),
		      "%s: trade times %lld %lld", c->venue, (long long)ticks[0].exch_ts,
		      (long long)ticks[1].exch_ts);
		if (c->hashed) {
			CHECK((ticks[0].flags & MDBUS_FLAG_TID_HASH) &&
				      (k < 2 ||
				       ticks[1].u.trade.trade_id != ticks[0].u.trade.trade_id),
			      "%s: hashed ids", c->venue);
			continue;
		}
		CHECK(ticks[0].u.trade.trade_id == stream_id + 2 * (uint64_t)i + 1 &&
			      (k < 2 || ticks[1].u.trade.trade_id == ticks[0].u.trade.trade_id + 1),
		      "%s ids %llu %llu after %llu", c->venue,
		      (unsigned long long)ticks[0].u.trade.trade_id,
		      (unsigned long long)ticks[1].u.trade.trade_id, (unsigned long long)stream_id);
	}
	/* errors: a bad symbol is the venue's error; another path 404 */
	snprintf(path, sizeof(path), "%s%s", c->base, c->err_path);
	n = get(d, &sv, path, &status);
	CHECK(n > 0 && status == c->err_status && strstr(body, c->err_code), "%s: %d %d %s",
	      c->venue, n, status, body);
	snprintf(path, sizeof(path), "%sticker/price?symbol=BTCUSDT", c->base);
	CHECK(get(d, &sv, path, &status) == -ENOENT, "%s: unknown path", c->venue);

	feed_fb_free(&fb);
	feed_restq_free(&q);
	feed_venue_ctx_free(&fv);
	sim_book_free_all(&sv);
	sim_rest_free(&sv);
}

/* A depth snapshot answer: status 200; the bid and ask arrays at the
 * JSON path (sides[0] bids, sides[1] asks, under the object `at`) hold
 * `levels` levels each (0: the whole book), the first one's price and size
 * texts the sim's book top printed by print(). */
struct depth_case {
	const char *venue, *path, *at; /* at: "result", "data", "result.KEY" or "" */
	const char *sides[2];
	uint32_t levels;
	void (*print)(int64_t m, int is_qty, int64_t tick, char *out, size_t len);
};

static void print_full(int64_t m, int is_qty, int64_t tick, char *out, size_t len)
{
	(void)is_qty;
	(void)tick;
	sim_dec(m, 8, out, len);
}

static void print_trim(int64_t m, int is_qty, int64_t tick, char *out, size_t len)
{
	(void)is_qty;
	(void)tick;
	sim_dec_trim(m, 8, out, len);
}

/* Kraken: sizes at 8 decimals, prices at the tick's decimals. */
static void print_kraken(int64_t m, int is_qty, int64_t tick, char *out, size_t len)
{
	int64_t scale = 1;
	int d = 8;

	if (is_qty) {
		sim_dec(m, 8, out, len);
		return;
	}
	while (d > 0 && tick % (scale * 10) == 0) {
		scale *= 10;
		d--;
	}
	sim_dec(m / scale, d, out, len);
}

static json_t *depth_root(json_t *root, const char *at)
{
	if (!at[0])
		return root;
	if (strcmp(at, "result.*") == 0) { /* Kraken: the one pair key */
		const char *key;
		json_t *val, *res = json_object_get(root, "result");

		json_object_foreach(res, key, val) return val;
		return NULL;
	}
	return json_object_get(root, at);
}

/* Long: one depth answer checked field by field (status, arrays, levels, top). */
static void depth(const struct depth_case *c)
{
	const struct sim_dialect *d = sim_dialect_find(c->venue);
	static struct sim_venue sv;
	struct sim_book_ev ev;
	char err[256], want[40], got[64];
	json_t *root, *obj;
	int status, n;

	CHECK(d && d->rest && sim_venue_init(&sv, NULL, 5, err, sizeof(err)) == 0, "%s", c->venue);
	if (!d || !d->rest)
		return;
	n = get(d, &sv, c->path, &status);
	CHECK(n > 0 && status == 200, "%s: %s: %d %d", c->venue, c->path, n, status);
	root = json_loadb(body, (size_t)(n > 0 ? n : 0), 0, NULL);
	obj = root ? depth_root(root, c->at) : NULL;
	CHECK(obj != NULL, "%s: no %s in %.200s", c->venue, c->at, body);
	CHECK(sim_book_snapshot(&sv, 0, c->levels, &ev) == 0, "snapshot");
	for (int s = 0; obj && s < 2; s++) {
		json_t *side = json_object_get(obj, c->sides[s]), *lvl = json_array_get(side, 0);
		const struct sim_lvl *top = s ? ev.asks : ev.bids;

		uint32_t want_n = c->levels ? c->levels : s ? ev.na : ev.nb;

		CHECK(json_array_size(side) == want_n, "%s %s: %zu levels, want %u", c->venue,
		      c->sides[s], json_array_size(side), want_n);
		for (int f = 0; f < 2; f++) {
			json_t *x = json_array_get(lvl, (size_t)f);

			c->print(f ? top->qty : top->px, f, ev.book->tick, want, sizeof(want));
			snprintf(got, sizeof(got), "%s",
				 json_is_string(x) ? json_string_value(x) : "");
			CHECK(strcmp(got, want) == 0, "%s %s[0][%d]: %s, want %s", c->venue,
			      c->sides[s], f, got, want);
		}
	}
	json_decref(root);
	sim_book_free_all(&sv);
}

/* Every venue the fallback polls. */
static const struct fb_case fbs[] = {
	{"binance", "BTC-USDT", "/api/v3/", "/api/v3/ticker/bookTicker?symbol=BTCUSDT",
	 "trades?symbol=", "\"code\":-1102", 400, 0},
	{"binance-futures", "BTC-USDT-PERP", "/fapi/v1/",
	 "/fapi/v1/ticker/bookTicker?symbol=", "trades?symbol=", "\"code\":-1102", 400, 0},
	{"okx", "BTC-USDT", "/api/v5/market/", "/api/v5/market/ticker?instId=BTC-USDT",
	 "trades?instId=", "\"code\":\"51001\"", 400, 0},
	{"bybit", "BTC-USDT", "/v5/market/", "/v5/market/tickers?category=spot&symbol=BTCUSDT",
	 "recent-trade?category=spot&symbol=", "\"retCode\":10001", 200, 0},
	{"bybit-linear", "BTC-USDT-PERP", "/v5/market/",
	 "/v5/market/tickers?category=linear&symbol=BTCUSDT",
	 "tickers?category=spot&symbol=BTCUSDT", "\"retCode\":10001", 200, 1},
	{"kraken", "BTC-USDT", "/0/public/", "/0/public/Ticker?pair=XBTUSDT", "Trades?pair=NOPE",
	 "EQuery:Unknown asset pair", 200, 0},
	{"gateio", "BTC-USDT", "/api/v4/spot/", "/api/v4/spot/order_book?currency_pair=BTC_USDT",
	 "trades?currency_pair=", "INVALID_CURRENCY_PAIR", 400, 0},
	{"coinbase", "BTC-USDT", "/products/", "/products/BTC-USDT/book?level=1", "NOPE/trades",
	 "NotFound", 404, 0},
	{"mexc", "BTC-USDT", "/api/v3/", "/api/v3/ticker/bookTicker?symbol=BTCUSDT",
	 "trades?symbol=", "\"code\":-1121", 400, 1},
	{"bingx", "BTC-USDT", "/openApi/spot/v1/",
	 "/openApi/spot/v1/ticker/bookTicker?symbol=BTC-USDT",
	 "market/trades?symbol=", "\"code\":100400", 200, 0},
};
/* The depth snapshots besides Binance, Gate, MEXC and OKX (test_sim_book*.c). */
static const struct depth_case ds[] = {
	{"bybit",
	 "/v5/market/orderbook?category=spot&symbol=BTCUSDT&limit=50",
	 "result",
	 {"b", "a"},
	 50,
	 print_full},
	{"bybit",
	 "/v5/market/orderbook?category=spot&symbol=BTCUSDT",
	 "result",
	 {"b", "a"},
	 1,
	 print_full},
	{"bybit-linear",
	 "/v5/market/orderbook?category=linear&symbol=BTCUSDT",
	 "result",
	 {"b", "a"},
	 25,
	 print_full},
	{"kraken",
	 "/0/public/Depth?pair=XBTUSDT&count=10",
	 "result.*",
	 {"bids", "asks"},
	 10,
	 print_kraken},
	{"coinbase", "/products/BTC-USDT/book?level=1", "", {"bids", "asks"}, 1, print_trim},
	{"coinbase", "/products/BTC-USDT/book?level=2", "", {"bids", "asks"}, 0, print_trim},
	{"bingx",
	 "/openApi/spot/v1/market/depth?symbol=BTC-USDT&limit=5",
	 "data",
	 {"bids", "asks"},
	 5,
	 print_full},
	{"bingx",
	 "/openApi/spot/v1/market/depth?symbol=BTC-USDT",
	 "data",
	 {"bids", "asks"},
	 20,
	 print_full},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(fbs) / sizeof(fbs[0]); i++)
		run(&fbs[i]);
	for (size_t i = 0; i < sizeof(ds) / sizeof(ds[0]); i++)
		depth(&ds[i]);
	if (failures) {
		fprintf(stderr, "test_sim_rest: %d check(s) failed\n", failures);
		return 1;
	}
	fprintf(stderr, "test_sim_rest: ok\n");
	return 0;
}
