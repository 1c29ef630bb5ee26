/* SPDX-License-Identifier: MIT */
/*
 * test_sim_rest.c: mdbus-sim's REST fallback answers (Binance spot and
 * USD-M futures: ticker/bookTicker and trades) read back by feedd's own
 * REST parsers and the fallback's de-duplication (feedd/fallback.c): the
 * answers parse, the BBO is uncrossed, successive trade polls overlap so
 * that only the new trades come out and without GAP after the first
 * poll; a bad symbol is the venue's 400 error body; an unknown path is
 * 404. Binance spot, USD-M futures and OKX.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Long: one scenario, read top to bottom (set-up, ticker, four polls, errors). */
static void run(const char *venue, const char *norm, const char *base, const char *ticker_pfx,
		const char *err_path, const char *err_code)
{
	char syms[1][MDBUS_SYMBOL_MAX], err[256], path[256];
	const struct sim_dialect *d = sim_dialect_find(venue);
	struct feed_session_config sc;
	struct feed_venue_ctx fv;
	struct sim_venue sv;
	struct feed_restq q;
	struct feed_fb fb;
	int status, n, k, i;
	int64_t wake;
	size_t pn;

	CHECK(d != NULL && d->rest != NULL, "%s: no rest hook", venue);
	if (!d || !d->rest)
		return;
	snprintf(syms[0], sizeof(syms[0]), "%s", norm);
	memset(&sc, 0, sizeof(sc));
	sc.symbols = syms;
	sc.nsymbols = 1;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = sc.qty_decimals = -1;
	sc.qty_unit = -1;
	sc.contract_size = 1;
	CHECK(feed_venue_ctx_init(&fv, feed_venue_find(venue), &sc, err, sizeof(err)) == 0, "%s",
	      err);
	fv.syms[0].instrument = 7; /* as a session sets it; poll keys name it */
	CHECK(sim_venue_init(&sv, NULL, 3, err, sizeof(err)) == 0, "%s", err);
	CHECK(feed_restq_init(&q, 16, 0, 0) == 0, "restq");
	CHECK(feed_restq_venue_add(&q, venue, 6000) == 0, "restq venue");
	CHECK(feed_fb_init(&fb, &fv, &q, 0, 1, 1, 0) == 0, "fb init");
	feed_fb_ws(&fb, 0, 0);
	CHECK(feed_fb_run(&fb, 1000000000, &wake) == FEED_FB_EV_START, "start");

	/* the ticker, as feedd asks for it */
	CHECK(feed_fb_path(&fb, FEED_FB_KEY(7, FEED_FB_TICKER), path, sizeof(path), &pn) == 0,
	      "path");
	CHECK(strncmp(path, ticker_pfx, strlen(ticker_pfx)) == 0, "%s", path);
	n = get(d, &sv, path, &status);
	CHECK(n > 0 && status == 200, "%s: %d %d", path, n, status);
	k = feed_fb_answer(&fb, FEED_FB_KEY(7, FEED_FB_TICKER), status, (const uint8_t *)body,
			   (size_t)(n > 0 ? n : 0), 1, ticks, FEED_FB_TICKS_MAX);
	CHECK(k == 1, "ticker ticks %d: %s (%.*s)", k, fv.reason, n, body);
	CHECK(ticks[0].u.bbo.bid_px > 0 && ticks[0].u.bbo.bid_px < ticks[0].u.bbo.ask_px &&
		      ticks[0].u.bbo.bid_qty > 0 && ticks[0].u.bbo.ask_qty > 0,
	      "bbo %lld/%lld", (long long)ticks[0].u.bbo.bid_px, (long long)ticks[0].u.bbo.ask_px);
	CHECK(ticks[0].flags & MDBUS_FLAG_REST, "flags %x", ticks[0].flags);

	/* trades: the first poll (GAP), then polls that overlap: 2 new each */
	CHECK(feed_fb_path(&fb, FEED_FB_KEY(7, FEED_FB_TRADES), path, sizeof(path), &pn) == 0,
	      "path");
	for (i = 0; i < 4; i++) {
		n = get(d, &sv, path, &status);
		CHECK(n > 0 && status == 200, "%s: %d %d", path, n, status);
		k = feed_fb_answer(&fb, FEED_FB_KEY(7, FEED_FB_TRADES), status,
				   (const uint8_t *)body, (size_t)(n > 0 ? n : 0), 1, ticks,
				   FEED_FB_TICKS_MAX);
		CHECK(k == 2, "poll %d: %d trades: %s", i, k, fv.reason);
		if (k < 1)
			continue;
		CHECK(!!(ticks[0].flags & MDBUS_FLAG_GAP) == (i == 0), "poll %d flags %x", i,
		      ticks[0].flags);
		CHECK(k < 2 || ticks[1].u.trade.trade_id == ticks[0].u.trade.trade_id + 1,
		      "ids %llu %llu", (unsigned long long)ticks[0].u.trade.trade_id,
		      (unsigned long long)ticks[1].u.trade.trade_id);
	}
	/* errors: no symbol is a 400 with the venue's error body; another path 404 */
	snprintf(path, sizeof(path), "%s%s", base, err_path);
	n = get(d, &sv, path, &status);
	CHECK(n > 0 && status == 400 && strstr(body, err_code), "%d %d %s", n, status, body);
	snprintf(path, sizeof(path), "%sticker/price?symbol=BTCUSDT", base);
	CHECK(get(d, &sv, path, &status) == -ENOENT, "unknown path");

	feed_fb_free(&fb);
	feed_restq_free(&q);
	feed_venue_ctx_free(&fv);
}

int main(void)
{
	run("binance", "BTC-USDT", "/api/v3/", "/api/v3/ticker/bookTicker?symbol=BTCUSDT",
	    "trades?symbol=", "\"code\":-1102");
	run("binance-futures", "BTC-USDT-PERP", "/fapi/v1/",
	    "/fapi/v1/ticker/bookTicker?symbol=", "trades?symbol=", "\"code\":-1102");
	run("okx", "BTC-USDT", "/api/v5/market/", "/api/v5/market/ticker?instId=BTC-USDT",
	    "trades?instId=", "\"code\":\"51001\"");
	if (failures) {
		fprintf(stderr, "test_sim_rest: %d check(s) failed\n", failures);
		return 1;
	}
	fprintf(stderr, "test_sim_rest: ok\n");
	return 0;
}
