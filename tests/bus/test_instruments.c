/* SPDX-License-Identifier: MIT */
/* Instrument table: add, duplicate, -EEXIST, -ENOSPC, -EINVAL, lookups, and
 * instruments added while a reader is open. */
#include "helpers.h"

static struct mdbus_instrument mk(const char *venue, const char *sym, unsigned pd, unsigned qd)
{
	struct mdbus_instrument in;
	memset(&in, 0, sizeof(in));
	snprintf(in.venue, sizeof(in.venue), "%s", venue);
	snprintf(in.symbol, sizeof(in.symbol), "%s", sym);
	/* Checked, not assumed: a long sym would cut the native name short. */
	int n = snprintf(in.native, sizeof(in.native), "N%s", sym);
	CHECK(n > 0 && (size_t)n < sizeof(in.native));
	in.price_decimals = (uint8_t)pd;
	in.qty_decimals = (uint8_t)qd;
	return in;
}

/* Markets: a dated future's market, contract size and unit and expiry
 * round-trip; spot reads as zeros; out-of-range values are refused. */
static void test_markets(void)
{
	char name[64];
	th_bus_name(name, sizeof(name), "instrm");
	struct mdbus_writer_opts o = {.bus = name, .slots = 64, .max_instruments = 4};
	mdbus_writer *w = NULL;
	CHECK_RC(mdbus_writer_open(&w, &o), 0);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	struct mdbus_instrument f = mk("okx", "BTC-USD-20261225", 1, 0), got;
	uint32_t id = 9;
	f.market = MDBUS_MARKET_FUTURE;
	f.qty_unit = MDBUS_QTY_CONTRACTS;
	f.contract_size = 100;
	f.expiry = 20261225;
	CHECK_RC(mdbus_writer_add_instrument(w, &f, &id), 0);
	CHECK_RC(mdbus_reader_instrument(r, id, &got), 0);
	CHECK(got.market == MDBUS_MARKET_FUTURE && got.qty_unit == MDBUS_QTY_CONTRACTS);
	CHECK(got.contract_size == 100 && got.contract_decimals == 0 && got.expiry == 20261225);
	f = mk("okx", "ETH-USDT-PERP", 1, 0);
	f.market = MDBUS_MARKET_PERP;
	f.contract_size = 1;
	f.contract_decimals = 2; /* 0.01 ETH per contract, quantities in base */
	CHECK_RC(mdbus_writer_add_instrument(w, &f, &id), 0);
	CHECK_RC(mdbus_reader_instrument(r, id, &got), 0);
	CHECK(got.market == MDBUS_MARKET_PERP && got.qty_unit == MDBUS_QTY_BASE);
	CHECK(got.contract_size == 1 && got.contract_decimals == 2 && got.expiry == 0);
	f = mk("okx", "SOL-USDT", 1, 0);
	CHECK_RC(mdbus_writer_add_instrument(w, &f, &id), 0);
	CHECK_RC(mdbus_reader_instrument(r, id, &got), 0);
	CHECK(got.market == MDBUS_MARKET_SPOT && got.contract_size == 0 && got.expiry == 0);
	f = mk("okx", "X-Y-PERP", 1, 0);
	f.market = 3;
	CHECK_RC(mdbus_writer_add_instrument(w, &f, &id), -EINVAL);
	f.market = MDBUS_MARKET_PERP;
	f.qty_unit = 2;
	CHECK_RC(mdbus_writer_add_instrument(w, &f, &id), -EINVAL);
	f.qty_unit = MDBUS_QTY_CONTRACTS;
	f.contract_size = -1;
	CHECK_RC(mdbus_writer_add_instrument(w, &f, &id), -EINVAL);
	f.contract_size = 1;
	f.contract_decimals = 19;
	CHECK_RC(mdbus_writer_add_instrument(w, &f, &id), -EINVAL);
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
	th_bus_cleanup(name);
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(void)
{
	char name[64], err[256];
	th_bus_name(name, sizeof(name), "instr");
	struct mdbus_writer_opts o = {.bus = name,
				      .slots = 64,
				      .max_instruments = 8,
				      .errbuf = err,
				      .errlen = sizeof(err)};
	mdbus_writer *w = NULL;
	CHECK_RC(mdbus_writer_open(&w, &o), 0);
	mdbus_reader *r = th_reader(name, MDBUS_START_OLDEST);
	CHECK(mdbus_reader_instrument_count(r) == 0);
	uint32_t id = 77;
	CHECK_RC(mdbus_reader_lookup(r, "binance", "BTC-USDT", &id), -ENOENT);

	struct mdbus_instrument a = mk("binance", "BTC-USDT", 2, 8);
	CHECK_RC(mdbus_writer_add_instrument(w, &a, &id), 0);
	CHECK(id == 0);
	/* visible to the already-open reader at once */
	CHECK(mdbus_reader_instrument_count(r) == 1);
	CHECK_RC(mdbus_reader_lookup(r, "binance", "BTC-USDT", &id), 0);
	CHECK(id == 0);
	struct mdbus_instrument got;
	CHECK_RC(mdbus_reader_instrument(r, 0, &got), 0);
	CHECK(got.id == 0 && got.price_decimals == 2 && got.qty_decimals == 8);
	CHECK(strcmp(got.venue, "binance") == 0 && strcmp(got.symbol, "BTC-USDT") == 0);
	CHECK(strcmp(got.native, "NBTC-USDT") == 0);

	/* duplicate with same decimals: same id; different decimals: -EEXIST */
	CHECK_RC(mdbus_writer_add_instrument(w, &a, &id), 0);
	CHECK(id == 0);
	struct mdbus_instrument a2 = mk("binance", "BTC-USDT", 3, 8);
	CHECK_RC(mdbus_writer_add_instrument(w, &a2, &id), -EEXIST);
	CHECK(mdbus_reader_instrument_count(r) == 1);

	/* same symbol, other venue: a new id */
	struct mdbus_instrument b = mk("coinbase", "BTC-USDT", 2, 8);
	CHECK_RC(mdbus_writer_add_instrument(w, &b, &id), 0);
	CHECK(id == 1);
	CHECK_RC(mdbus_reader_lookup(r, "coinbase", "BTC-USDT", &id), 0);
	CHECK(id == 1);
	CHECK_RC(mdbus_reader_lookup(r, "coinbase", "ETH-USDT", &id), -ENOENT);
	CHECK_RC(mdbus_reader_instrument(r, 2, &got), -ENOENT);

	/* invalid: empty or too long names, decimals > 18 */
	struct mdbus_instrument bad = mk("", "X-Y", 2, 2);
	CHECK_RC(mdbus_writer_add_instrument(w, &bad, &id), -EINVAL);
	bad = mk("v", "", 2, 2);
	CHECK_RC(mdbus_writer_add_instrument(w, &bad, &id), -EINVAL);
	bad = mk("v", "X-Y", 19, 2);
	CHECK_RC(mdbus_writer_add_instrument(w, &bad, &id), -EINVAL);
	bad = mk("v", "X-Y", 2, 19);
	CHECK_RC(mdbus_writer_add_instrument(w, &bad, &id), -EINVAL);
	bad = mk("v", "X-Y", 2, 2);
	memset(bad.venue, 'v', sizeof(bad.venue)); /* no NUL */
	CHECK_RC(mdbus_writer_add_instrument(w, &bad, &id), -EINVAL);
	bad = mk("v", "X-Y", 2, 2);
	memset(bad.symbol, 's', sizeof(bad.symbol));
	CHECK_RC(mdbus_writer_add_instrument(w, &bad, &id), -EINVAL);
	CHECK(mdbus_reader_instrument_count(r) == 2);

	/* a tick for a known instrument passes, an unknown one is refused */
	struct mdbus_tick t;
	th_tick(&t, 1);
	t.instrument = 1;
	CHECK_RC(mdbus_writer_publish(w, &t, NULL), 0);
	t.instrument = 2;
	CHECK_RC(mdbus_writer_publish(w, &t, NULL), -EINVAL);

	/* fill the table: 8 entries, then -ENOSPC (a duplicate still works) */
	for (int i = 2; i < 8; i++) {
		char sym[32];
		snprintf(sym, sizeof(sym), "S%d-USD", i);
		struct mdbus_instrument x = mk("kraken", sym, (unsigned)i, 18);
		CHECK_RC(mdbus_writer_add_instrument(w, &x, &id), 0);
		CHECK(id == (uint32_t)i);
	}
	struct mdbus_instrument full = mk("kraken", "ONE-MORE", 1, 1);
	CHECK_RC(mdbus_writer_add_instrument(w, &full, &id), -ENOSPC);
	CHECK_RC(mdbus_writer_add_instrument(w, &b, &id), 0);
	CHECK(id == 1);
	CHECK(mdbus_reader_instrument_count(r) == 8);
	CHECK_RC(mdbus_reader_lookup(r, "kraken", "S7-USD", &id), 0);
	CHECK(id == 7);
	CHECK_RC(mdbus_reader_instrument(r, 7, &got), 0);
	CHECK(got.price_decimals == 7 && got.qty_decimals == 18);

	/* a second reader opened later sees the whole table */
	mdbus_reader *r2 = th_reader(name, MDBUS_START_LATEST);
	CHECK(mdbus_reader_instrument_count(r2) == 8);
	CHECK_RC(mdbus_reader_lookup(r2, "binance", "BTC-USDT", &id), 0);
	CHECK(id == 0);
	mdbus_reader_close(r2);
	mdbus_reader_close(r);
	mdbus_writer_close(w, 1);
	th_bus_cleanup(name);
	test_markets();
	return 0;
}
