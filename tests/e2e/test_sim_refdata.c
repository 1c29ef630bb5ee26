/* SPDX-License-Identifier: MIT */
/*
 * test_sim_refdata.c: mdbus-sim's reference-data endpoints (refdata.c) read
 * back by feedd's own ops->ref: for each venue, every request feedd makes
 * for a session is answered 200 and parses, every session symbol is found,
 * and its tick and lot are 10^-8 (the decimals the simulator's streams
 * print; Gate futures: no lot, contracts of 0.00001 base; OKX swaps:
 * contracts of 0.01). A venue started with --symbols answers a symbol it does not have
 * with its "not found" body; a path that is not reference data is left to
 * the dialect (-ENOENT). Binance spot's exchangeInfo is checked as the binance
 * adapter asks for it (and read by its parser when the adapter has one).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
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

#define NSYM_MAX 4

static char body[1 << 16];

static int ctx(struct feed_venue_ctx *fv, const char *venue, const char *const *syms)
{
	static char names[NSYM_MAX][MDBUS_SYMBOL_MAX];
	struct feed_session_config sc;
	char err[256];
	uint32_t n;

	memset(&sc, 0, sizeof(sc));
	for (n = 0; syms[n]; n++)
		snprintf(names[n], sizeof(names[n]), "%s", syms[n]);
	sc.symbols = names;
	sc.nsymbols = n;
	sc.channels = FEED_CH_TRADES;
	sc.price_decimals = sc.qty_decimals = -1;
	sc.qty_unit = -1;
	sc.contract_size = 1;
	memset(fv, 0, sizeof(*fv));
	if (feed_venue_ctx_init(fv, feed_venue_find(venue), &sc, err, sizeof(err)) < 0) {
		CHECK(0, "%s: %s", venue, err);
		return -1;
	}
	return 0;
}

/* Every request of the session answered by dialect, parsed into ref. */
static void fetch(struct feed_venue_ctx *fv, const char *dialect, struct sim_venue *sv,
		  struct feed_ref_instr *ref)
{
	char path[1024];
	uint32_t k;
	size_t pn;
	int n, status;

	memset(ref, 0, sizeof(*ref) * NSYM_MAX);
	for (k = 0; fv->ops->ref.request(fv, k, path, sizeof(path), &pn) == 1; k++) {
		status = 0;
		n = sim_refdata_body(dialect, sv, path, body, sizeof(body), &status);
		CHECK(n > 0 && status == 200, "%s %s: %d %d", dialect, path, n, status);
		if (n <= 0)
			continue;
		CHECK(fv->ops->ref.parse(fv, k, (const uint8_t *)body, (size_t)n, ref) == 0,
		      "%s %s: %s (%.*s)", dialect, path, fv->reason, n > 300 ? 300 : n, body);
	}
	CHECK(k > 0, "%s: no request", dialect);
}

static void run(const char *venue, const char *dialect, const char *const *syms, int64_t lot,
		int lot_dp, int64_t ct, int ct_dp)
{
	struct feed_ref_instr ref[NSYM_MAX] = {0};
	struct feed_venue_ctx fv;
	struct sim_venue sv;
	char err[128];

	if (ctx(&fv, venue, syms) < 0)
		return;
	CHECK(sim_venue_init(&sv, NULL, 3, err, sizeof(err)) == 0, "%s", err);
	fetch(&fv, dialect, &sv, ref);
	for (uint32_t i = 0; i < fv.nsyms; i++) {
		struct feed_ref_instr *r = &ref[i];
		int swap = fv.syms[i].market != MDBUS_MARKET_SPOT;

		CHECK(r->found, "%s %s: not found", dialect, fv.syms[i].norm);
		CHECK(r->tick == 1 && r->tick_dp == 8, "%s %s: tick %lld at %d", dialect,
		      fv.syms[i].norm, (long long)r->tick, r->tick_dp);
		CHECK(r->lot == (swap ? lot : 1) && r->lot_dp == (swap ? lot_dp : 8),
		      "%s %s: lot %lld at %d", dialect, fv.syms[i].norm, (long long)r->lot,
		      r->lot_dp);
		CHECK(r->contract == (swap ? ct : 0) && r->contract_dp == (swap ? ct_dp : 0),
		      "%s %s: contract %lld at %d", dialect, fv.syms[i].norm,
		      (long long)r->contract, r->contract_dp);
	}
	feed_venue_ctx_free(&fv);
}

/* A venue with --symbols: the listed pair is there, another one is not. */
static void fixed(void)
{
	char err[128];
	struct sim_venue sv;
	int status = 0, n;

	CHECK(sim_venue_init(&sv, "BTC-USDT", 3, err, sizeof(err)) == 0, "%s", err);
	n = sim_refdata_body("gateio", &sv, "/api/v4/spot/currency_pairs/BTC_USDT", body,
			     sizeof(body), &status);
	CHECK(n > 0 && status == 200 && strstr(body, "\"id\":\"BTC_USDT\""), "%d %d %s", n, status,
	      body);
	n = sim_refdata_body("gateio", &sv, "/api/v4/spot/currency_pairs/ETH_USDT", body,
			     sizeof(body), &status);
	CHECK(n > 0 && status == 400 && strstr(body, "INVALID_CURRENCY_PAIR"), "%d %d %s", n,
	      status, body);
	n = sim_refdata_body("mexc", &sv, "/api/v3/exchangeInfo?symbols=ETHUSDT", body,
			     sizeof(body), &status);
	CHECK(n > 0 && status == 400 && strstr(body, "-1121"), "%d %d %s", n, status, body);
	n = sim_refdata_body("okx", &sv, "/api/v5/public/instruments?instType=SPOT", body,
			     sizeof(body), &status);
	CHECK(n > 0 && strstr(body, "\"BTC-USDT\"") && !strstr(body, "ETH-USDT"), "%s", body);
	CHECK(sim_refdata_body("gateio", &sv, "/api/v4/spot/order_book?currency_pair=BTC_USDT",
			       body, sizeof(body), &status) == -ENOENT,
	      "depth is not reference data");
	CHECK(sim_refdata_body("okx", &sv, "/fapi/v1/exchangeInfo", body, sizeof(body), &status) ==
		      -ENOENT,
	      "another venue's path");
	/* a symbol in the path is one segment: the depth and fallback paths
	 * under it are not reference data */
	CHECK(sim_refdata_path("coinbase", "/products/BTC-USDT") &&
		      !sim_refdata_path("coinbase", "/products/BTC-USDT/book?level=2") &&
		      !sim_refdata_path("coinbase", "/products/BTC-USDT/trades?limit=100"),
	      "coinbase /products/ID/book or /trades taken as reference data");
}

/* Binance spot, as the binance adapter asks (symbols as a URL-encoded JSON
 * array, or one symbol): both listed with tickSize and stepSize 10^-8. */
static void binance_spot(void)
{
	struct sim_venue sv;
	char err[128];
	int status = 0, n;

	CHECK(sim_venue_init(&sv, NULL, 3, err, sizeof(err)) == 0, "%s", err);
	n = sim_refdata_body("binance", &sv,
			     "/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22%2C%22ETHUSDT%22%5D",
			     body, sizeof(body), &status);
	CHECK(n > 0 && status == 200 && strstr(body, "\"symbol\":\"BTCUSDT\"") &&
		      strstr(body, "\"symbol\":\"ETHUSDT\"") && !strstr(body, "SOLUSDT") &&
		      strstr(body, "\"tickSize\":\"0.00000001\"") &&
		      strstr(body, "\"stepSize\":\"0.00000001\""),
	      "%d %d %s", n, status, body);
	n = sim_refdata_body("binance", &sv, "/api/v3/exchangeInfo?symbol=BTCUSDT", body,
			     sizeof(body), &status);
	CHECK(n > 0 && status == 200 && strstr(body, "\"symbol\":\"BTCUSDT\"") &&
		      !strstr(body, "ETHUSDT"),
	      "%d %d %s", n, status, body);
}

int main(void)
{
	static const char *const spot[] = {"BTC-USDT", "ETH-USDT", NULL};
	static const char *const usd[] = {"BTC-USD", "ETH-USD", "DOGE-USD", NULL};
	static const char *const perp[] = {"BTC-USDT-PERP", "ETH-USDT-PERP", NULL};
	static const char *const mixed[] = {"BTC-USDT", "BTC-USDT-PERP", "ETH-USDT-PERP", NULL};

	binance_spot();
	if (feed_venue_find("binance")->ref.request) /* the adapter's own parser, when built in */
		run("binance", "binance", spot, 0, 0, 0, 0);
	run("binance-futures", "binance-futures", perp, 1, 8, 0, 0);
	run("okx", "okx", mixed, 1, 8, 1, 2);
	run("kraken", "kraken", usd, 0, 0, 0, 0);
	run("bybit", "bybit", spot, 0, 0, 0, 0);
	run("bybit", "bybit-linear", perp, 1, 8, 0, 0);
	run("gateio", "gateio", spot, 0, 0, 0, 0);
	run("gateio", "gateio-futures", perp, 0, 0, 1, 5); /* no lot published */
	run("coinbase", "coinbase", usd, 0, 0, 0, 0);
	run("mexc", "mexc", spot, 0, 0, 0, 0);
	run("bingx", "bingx", spot, 0, 0, 0, 0);
	run("bingx", "bingx-swap", perp, 1, 8, 0, 0);
	fixed();
	if (failures) {
		fprintf(stderr, "test_sim_refdata: %d check(s) failed\n", failures);
		return 1;
	}
	fprintf(stderr, "test_sim_refdata: ok\n");
	return 0;
}
