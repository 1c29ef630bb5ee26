/* SPDX-License-Identifier: MIT */
/*
 * test_common.c: tools/common and the replay loader, driven with scripted
 * strings (no bus): option tables (counts and durations in the units
 * grammar), JSON format -> parse round trips at every decimal scale and at
 * the int64 extremes, each rejection reason, and the loader's instrument
 * table.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "replay_load.h"
#include "tools_cli.h"
#include "tools_opt.h"
#include "tools_tick.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

/* ---- option tables: the tools' use of the mdbus_units.h grammar ------------------------
 * (the grammar's own cases are tests/bus/test_units.c) */

static int test_usage_calls;

static void test_usage(FILE *f)
{
	(void)f;
	test_usage_calls++;
}

struct test_args {
	const char *bus;
	uint64_t count;
	int64_t timeout_ns;
	int json;
	unsigned mask;
};

static const char *test_opt_kinds(void *mask, const char *arg)
{
	return tools_parse_kinds(arg, mask) == 0 ? NULL : "bad kinds";
}

/* Runs one scripted command line (NULL-terminated) through a tail-like
 * table; returns tools_opt_parse's result, *status, and optind in *first. */
static int test_parse(const char *mode, struct test_args *a, int *status, int *first, ...)
{
	static const struct tools_cmd cmd_plain = {"t", "9.9", test_usage, 64, ""};
	static const struct tools_cmd cmd_plus = {"t", "9.9", test_usage, 64, "+"};
	const struct tools_opt opts[] = {
		{.name = "bus", .short_name = 'b', .kind = TOOLS_OPT_STR, .out = &a->bus},
		{.name = "count",
		 .kind = TOOLS_OPT_COUNT,
		 .out = &a->count,
		 .min = 1,
		 .max = 1000000,
		 .bad = "need 1..1M"},
		{.name = "timeout",
		 .short_name = 'd',
		 .kind = TOOLS_OPT_DURATION,
		 .out = &a->timeout_ns,
		 .min = 10000000,
		 .bad = "need >= 10ms",
		 .spell = "-d"},
		{.name = "json", .kind = TOOLS_OPT_SET, .out = &a->json, .val = 7},
		{.name = "kind", .kind = TOOLS_OPT_FN, .out = &a->mask, .fn = test_opt_kinds},
		{.name = "help", .short_name = 'h', .kind = TOOLS_OPT_HELP},
		{.name = "version", .kind = TOOLS_OPT_VERSION},
	};
	char *argv[16] = {"t"};
	int argc = 1, rc;
	va_list ap;

	va_start(ap, first);
	for (const char *w; argc < 15 && (w = va_arg(ap, const char *)) != NULL;)
		argv[argc++] = (char *)w;
	va_end(ap);
	memset(a, 0, sizeof(*a));
	a->timeout_ns = -1;
	*status = -1;
	optind = 0; /* glibc: start a fresh scan */
	rc = tools_opt_parse(mode[0] ? &cmd_plus : &cmd_plain, opts, sizeof(opts) / sizeof(opts[0]),
			     argc, argv, status);
	*first = optind;
	return rc;
}

static void test_options(void)
{
	struct test_args a;
	int st, first;

	/* the grammar end to end: counts and durations with their units */
	CHECK(test_parse("", &a, &st, &first, "--timeout", "250ms", "--count", "1k", "-b", "x",
			 "--json", "--kind", "trade,bbo", "FILE", NULL) == 0);
	CHECK(a.timeout_ns == 250000000 && a.count == 1000 && a.json == 7);
	CHECK(a.bus && strcmp(a.bus, "x") == 0 && first == 10 && st == -1);
	CHECK(a.mask == ((1u << MDBUS_KIND_TRADE) | (1u << MDBUS_KIND_BBO)));
	CHECK(test_parse("", &a, &st, &first, "--count", "64Ki", "-d", "1.5m", NULL) == 0);
	CHECK(a.count == 65536 && a.timeout_ns == 90000000000LL);
	CHECK(test_parse("", &a, &st, &first, "--count", "1.5k", "--timeout", "2", NULL) == 0);
	CHECK(a.count == 1500 && a.timeout_ns == 2000000000LL);
	CHECK(test_parse("", &a, &st, &first, "--count", "1M", NULL) == 0 && a.count == 1000000);
	CHECK(a.timeout_ns == -1); /* untouched when absent */

	/* bad values: the tool's usage status, the option left as it was */
	CHECK(test_parse("", &a, &st, &first, "--count", "0", NULL) == 1 && st == 64);
	CHECK(test_parse("", &a, &st, &first, "--count", "1000001", NULL) == 1 && st == 64);
	CHECK(test_parse("", &a, &st, &first, "--count", "1.5", NULL) == 1 && st == 64);
	CHECK(test_parse("", &a, &st, &first, "--count", "2x", NULL) == 1 && a.count == 0);
	CHECK(test_parse("", &a, &st, &first, "--timeout", "9ms", NULL) == 1 && st == 64);
	CHECK(test_parse("", &a, &st, &first, "-d", "1 s", NULL) == 1 && a.timeout_ns == -1);
	CHECK(test_parse("", &a, &st, &first, "--kind", "quote", NULL) == 1 && st == 64);

	/* help, version, unknown options */
	test_usage_calls = 0;
	CHECK(test_parse("", &a, &st, &first, "-h", NULL) == 1 && st == 0);
	CHECK(test_usage_calls == 1);
	CHECK(test_parse("", &a, &st, &first, "--version", NULL) == 1 && st == 0);
	CHECK(test_parse("", &a, &st, &first, "--bogus", NULL) == 1 && st == 64);
	CHECK(test_usage_calls == 1); /* one line and "try", never the whole usage again */
	CHECK(test_parse("", &a, &st, &first, "--count", NULL) == 1 && st == 64);

	/* "+": options end at the first operand (mdbus-sim --ctl PATH CMD ...) */
	CHECK(test_parse("+", &a, &st, &first, "-b", "y", "close", "--json", NULL) == 0);
	CHECK(first == 3 && a.json == 0);
	CHECK(test_parse("", &a, &st, &first, "-b", "y", "close", "--json", NULL) == 0);
	CHECK(a.json == 7); /* permuted without "+" */
}

static void test_names(void)
{
	unsigned mask = 0;
	uint32_t code = 0;
	char name[MDBUS_BUS_NAME_MAX + 1];

	CHECK(tools_parse_kinds("trade,bbo", &mask) == 0);
	CHECK(mask == ((1u << MDBUS_KIND_TRADE) | (1u << MDBUS_KIND_BBO)));
	CHECK(tools_parse_kinds("status", &mask) == 0); /* repeatable: ORs in */
	CHECK(mask ==
	      ((1u << MDBUS_KIND_TRADE) | (1u << MDBUS_KIND_BBO) | (1u << MDBUS_KIND_STATUS)));
	mask = 0;
	CHECK(tools_parse_kinds("trade,", &mask) == -EINVAL);
	CHECK(tools_parse_kinds("trade,,l2", &mask) == -EINVAL);
	CHECK(tools_parse_kinds("quote", &mask) == -EINVAL);
	CHECK(tools_parse_kinds("", &mask) == -EINVAL);
	CHECK(mask == 0); /* nothing ORed in on failure */

	CHECK(strcmp(tools_status_name(MDBUS_STATUS_STALE), "stale") == 0);
	CHECK(tools_status_name(0) == NULL && tools_status_name(99) == NULL);
	CHECK(tools_status_parse("failed", &code) == 0 && code == MDBUS_STATUS_FAILED);
	CHECK(tools_status_parse("sideways", &code) == -EINVAL);

	{
		unsigned bit = 0;
		char hex[8];

		CHECK(tools_flag_parse("snapshot", &bit) == 0 && bit == MDBUS_FLAG_SNAPSHOT);
		CHECK(tools_flag_parse("0x80", &bit) == 0 && bit == 0x80);
		CHECK(tools_flag_parse("rest", &bit) == 0 && bit == MDBUS_FLAG_REST);
		CHECK(tools_flag_parse("0x01", &bit) == -EINVAL); /* that bit is "buy" */
		CHECK(tools_flag_parse("0x4", &bit) == -EINVAL);
		CHECK(tools_flag_parse("0x30", &bit) == -EINVAL); /* one bit per name */
		CHECK(tools_flag_parse("Buy", &bit) == -EINVAL);
		CHECK(strcmp(tools_flag_name(MDBUS_FLAG_GAP, hex, sizeof(hex)), "gap") == 0);
		CHECK(strcmp(tools_flag_name(0x80, hex, sizeof(hex)), "0x80") == 0);
	}
	CHECK(tools_bus_resolve("unit-bus_1.x", name, sizeof(name)) == 0);
	CHECK(strcmp(name, "unit-bus_1.x") == 0);
	CHECK(tools_bus_resolve("bad/name", name, sizeof(name)) < 0);
}

static struct mdbus_instrument test_instr(const char *venue, const char *sym, unsigned pd,
					  unsigned qd)
{
	struct mdbus_instrument in;

	memset(&in, 0, sizeof(in));
	snprintf(in.venue, sizeof(in.venue), "%s", venue);
	snprintf(in.symbol, sizeof(in.symbol), "%s", sym);
	snprintf(in.native, sizeof(in.native), "%s_n", sym);
	in.price_decimals = (uint8_t)pd;
	in.qty_decimals = (uint8_t)qd;
	return in;
}

/* Formats t, parses it back and demands the identical 56 bytes. */
static void roundtrip(const struct mdbus_tick *t, const struct mdbus_instrument *in, uint64_t seq)
{
	char line[TOOLS_TICK_LINE_MAX], err[256];
	struct mdbus_instrument in2;
	struct mdbus_tick t2;
	uint64_t seq2 = 0;
	int n = tools_tick_json(t, seq, in, line, sizeof(line));

	CHECK(n > 0 && (size_t)n == strlen(line));
	if (n <= 0)
		return;
	CHECK(tools_tick_parse_json(line, (size_t)n, &t2, &in2, &seq2, err, sizeof(err)) == 0);
	if (err[0])
		fprintf(stderr, "parse error: %s\n  line: %s\n", err, line);
	t2.instrument = t->instrument;
	if (memcmp(&t2, t, sizeof(t2)) != 0)
		fprintf(stderr, "tick mismatch for line %s\n", line);
	CHECK(memcmp(&t2, t, sizeof(t2)) == 0);
	CHECK(seq2 == seq);
	CHECK(strcmp(in2.venue, in->venue) == 0 && strcmp(in2.symbol, in->symbol) == 0 &&
	      strcmp(in2.native, in->native) == 0);
	CHECK(in2.price_decimals == in->price_decimals && in2.qty_decimals == in->qty_decimals);
}

/* -x without the INT64_MIN overflow (UBSan watches). */
static int64_t test_neg(int64_t x)
{
	return x == INT64_MIN ? INT64_MAX : -x;
}

static void test_roundtrip(void)
{
	static const int64_t mants[] = {
		0, 1, -1, 5, -120000, 65000123, INT64_MAX, INT64_MIN, 999999999999999999LL};
	struct mdbus_tick t;

	for (unsigned pd = 0; pd <= MDBUS_DECIMALS_MAX; pd++) {
		unsigned qd = MDBUS_DECIMALS_MAX - pd;
		struct mdbus_instrument in = test_instr("venue", "AAA-BBB", pd, qd);

		for (size_t i = 0; i < sizeof(mants) / sizeof(mants[0]); i++) {
			int64_t m = mants[i], m2 = mants[(i + 3) % 9];

			memset(&t, 0, sizeof(t));
			t.instrument = 7;
			t.exch_ts = 1700000000123456789LL + (int64_t)i;
			t.recv_ts = -(int64_t)i; /* odd but legal: must survive */
			t.kind = MDBUS_KIND_TRADE;
			t.flags = (uint8_t)(i & 0x0f);
			t.u.trade.price = m;
			t.u.trade.qty = m2;
			t.u.trade.trade_id = i == 5 ? UINT64_MAX : i * 1000003;
			roundtrip(&t, &in, i + 1);

			memset(&t.u, 0, sizeof(t.u));
			t.kind = MDBUS_KIND_BBO;
			t.flags = i == 2 ? 0x90 : 0; /* bits without a name too */
			t.u.bbo.bid_px = m;
			t.u.bbo.bid_qty = m2;
			t.u.bbo.ask_px = test_neg(m2);
			t.u.bbo.ask_qty = test_neg(m);
			roundtrip(&t, &in, UINT64_C(1) << 40);

			memset(&t.u, 0, sizeof(t.u));
			t.kind = MDBUS_KIND_L2;
			t.flags = (uint8_t)(MDBUS_FLAG_SELL | (i & 1 ? MDBUS_FLAG_SNAPSHOT : 0));
			t.u.l2.price = m2;
			t.u.l2.qty = m;
			t.u.l2.update_id = (uint64_t)INT64_MAX + i;
			roundtrip(&t, &in, 3);
		}
	}
	memset(&t, 0, sizeof(t));
	t.kind = MDBUS_KIND_STATUS;
	t.flags = MDBUS_FLAG_GAP;
	t.u.status.code = MDBUS_STATUS_DOWN;
	t.u.status.session = 3;
	t.u.status.reason = 42;
	{
		struct mdbus_instrument in = test_instr("ven\"q\\", "X-Y", 2, 8);

		roundtrip(&t, &in, 9); /* names needing escapes */
		t.u.status.code = 77;  /* unknown code written as an integer */
		roundtrip(&t, &in, 10);
	}
}

static void test_format(void)
{
	struct mdbus_instrument in = test_instr("binance", "BTC-USDT", 2, 8);
	struct mdbus_tick t;
	char line[TOOLS_TICK_LINE_MAX];

	memset(&t, 0, sizeof(t));
	t.kind = MDBUS_KIND_TRADE;
	t.flags = MDBUS_FLAG_BUY | MDBUS_FLAG_GAP;
	t.exch_ts = 1700000000123456789LL; /* 22:13:20.123456789 UTC */
	t.u.trade.price = 6500010;	   /* 65000.1 */
	t.u.trade.qty = 50000000;	   /* 0.5 */
	t.u.trade.trade_id = 991;
	CHECK(tools_tick_json(&t, 12, &in, line, sizeof(line)) > 0);
	CHECK(strstr(line, "\"price\":\"65000.1\"") != NULL);
	CHECK(strstr(line, "\"qty\":\"0.5\"") != NULL);
	CHECK(strstr(line, "\"flags\":[\"buy\",\"gap\"]") != NULL);
	CHECK(strstr(line, "\"side\":\"buy\"") != NULL);
	CHECK(strstr(line, "\"seq\":12,") != NULL);
	CHECK(strstr(line, "\"trade_id\":991") != NULL);
	CHECK(tools_tick_text(&t, 12, &in, line, sizeof(line)) > 0);
	CHECK(strncmp(line, "22:13:20.123456789 binance ", 27) == 0);
	CHECK(strstr(line, "0.5 @ 65000.1") != NULL);
	CHECK(strstr(line, "\"gap\"") != NULL);
	/* too small a buffer is an error, never a truncated line */
	CHECK(tools_tick_json(&t, 12, &in, line, 40) == -ENOSPC);
	CHECK(tools_flags_json(0, line, sizeof(line)) == 2 && strcmp(line, "[]") == 0);
	/* the market, and for contracts their size, unit and expiry; new flag names */
	CHECK(tools_tick_json(&t, 12, &in, line, sizeof(line)) > 0);
	CHECK(strstr(line, "\"market\":\"spot\",\"kind\"") != NULL);
	CHECK(strstr(line, "contract_size") == NULL);
	in.market = MDBUS_MARKET_FUTURE;
	in.qty_unit = MDBUS_QTY_CONTRACTS;
	in.contract_size = 1;
	in.contract_decimals = 2;
	in.expiry = 20261225;
	t.flags = MDBUS_FLAG_NO_EXCH_TS | MDBUS_FLAG_TID_HASH;
	CHECK(tools_tick_json(&t, 12, &in, line, sizeof(line)) > 0);
	CHECK(strstr(line, "\"market\":\"future\",\"contract_size\":\"0.01\","
			   "\"qty_unit\":\"contracts\",\"expiry\":20261225,") != NULL);
	CHECK(strstr(line, "\"flags\":[\"no_exch_ts\",\"tid_hash\"]") != NULL);
}

/* The text line of every kind, whole: the field table's order and prefixes. */
static void test_text_kinds(void)
{
	static const char *const want[] = {
		"22:13:20.123456789 binance    BTC-USDT       trade  sell    0.5 @ 65000.1  id=7",
		"22:13:20.123456789 binance    BTC-USDT       bbo    bid 1.25 @ 64999.5  ask "
		"0.00000002 "
		"@ 65001",
		"22:13:20.123456789 binance    BTC-USDT       l2     bid     0 @ 64000  upd=9  "
		"[\"buy\",\"snapshot\"]",
		"22:13:20.123456789 binance    BTC-USDT       status stale   session=3 reason=tls",
		"22:13:20.123456789 binance    BTC-USDT       status code=9  session=0 "
		"reason=unknown",
	};
	struct mdbus_instrument in = test_instr("binance", "BTC-USDT", 2, 8);
	struct mdbus_tick t[5];
	char line[TOOLS_TICK_LINE_MAX];

	memset(t, 0, sizeof(t));
	for (int i = 0; i < 5; i++)
		t[i].exch_ts = 1700000000123456789LL;
	t[0].kind = MDBUS_KIND_TRADE;
	t[0].flags = MDBUS_FLAG_SELL;
	t[0].u.trade = (struct mdbus_trade){.price = 6500010, .qty = 50000000, .trade_id = 7};
	t[1].kind = MDBUS_KIND_BBO;
	t[1].u.bbo = (struct mdbus_bbo){6499950, 125000000, 6500100, 2};
	t[2].kind = MDBUS_KIND_L2;
	t[2].flags = MDBUS_FLAG_BUY | MDBUS_FLAG_SNAPSHOT;
	t[2].u.l2 = (struct mdbus_l2){.price = 6400000, .qty = 0, .update_id = 9};
	t[3].kind = t[4].kind = MDBUS_KIND_STATUS;
	t[3].u.status = (struct mdbus_status){
		.code = MDBUS_STATUS_STALE, .session = 3, .reason = MDBUS_HEALTH_ERR_TLS};
	t[4].u.status = (struct mdbus_status){.code = 9, .reason = 77};
	for (int i = 0; i < 5; i++) {
		CHECK(tools_tick_text(&t[i], 1, &in, line, sizeof(line)) == (int)strlen(want[i]));
		if (strcmp(line, want[i]) != 0) {
			fprintf(stderr, "text %d:\n  got  '%s'\n  want '%s'\n", i, line, want[i]);
			failures++;
		}
	}
	/* and the JSON of the unknown status code: the integer */
	CHECK(tools_tick_json(&t[4], 1, &in, line, sizeof(line)) > 0);
	CHECK(strstr(line, ",\"status\":9,\"session\":0,\"reason\":77}") != NULL);
}

static void expect_bad(const char *line, const char *why)
{
	struct mdbus_instrument in;
	struct mdbus_tick t;
	char err[256];
	int rc = tools_tick_parse_json(line, strlen(line), &t, &in, NULL, err, sizeof(err));

	CHECK(rc == -EINVAL);
	if (rc != -EINVAL || !strstr(err, why)) {
		fprintf(stderr, "line %s\n  expected error containing '%s', got rc %d '%s'\n", line,
			why, rc, err);
		failures += rc == -EINVAL;
	}
}

#define HEAD "{\"venue\":\"v\",\"symbol\":\"S-T\",\"price_decimals\":2,\"qty_decimals\":3,"
#define TS   "\"exch_ts\":1,\"recv_ts\":2,"

static void test_parse_errors(void)
{
	struct mdbus_instrument in;
	struct mdbus_tick t;
	char err[256];
	const char *ok = "{\"venue\":\"v\",\"symbol\":\"S-T\",\"kind\":\"trade\"," TS
			 "\"price\":\"1.5\",\"qty\":\"2\",\"side\":\"sell\"}";

	/* defaults: native = symbol, decimals 8/8, side without flags */
	CHECK(tools_tick_parse_json(ok, strlen(ok), &t, &in, NULL, err, sizeof(err)) == 0);
	CHECK(in.price_decimals == 8 && in.qty_decimals == 8 && strcmp(in.native, "S-T") == 0);
	CHECK(t.u.trade.price == 150000000 && t.u.trade.qty == 200000000);
	CHECK(t.flags == MDBUS_FLAG_SELL);

	expect_bad("{\"venue\":", "invalid JSON");
	expect_bad("[1,2]", "not a JSON object");
	expect_bad(HEAD TS "\"price\":\"1\",\"qty\":\"1\"}", "missing kind");
	expect_bad(HEAD TS "\"kind\":\"quote\"}", "unknown kind");
	expect_bad(HEAD "\"kind\":\"trade\",\"recv_ts\":2,\"price\":\"1\",\"qty\":\"1\"}",
		   "missing exch_ts");
	expect_bad(HEAD TS "\"kind\":\"trade\",\"price\":1.5,\"qty\":\"1\"}", "JSON float");
	expect_bad(HEAD TS "\"kind\":\"trade\",\"price\":\"1.234\",\"qty\":\"1\"}",
		   "more than 2 decimal places");
	expect_bad(HEAD TS "\"kind\":\"trade\",\"price\":\"1e3\",\"qty\":\"1\"}", "not a decimal");
	expect_bad(HEAD TS "\"kind\":\"trade\",\"price\":\"92233720368547758.08\",\"qty\":\"1\"}",
		   "out of range");
	expect_bad(HEAD TS "\"kind\":\"trade\",\"price\":\"1\"}", "missing qty");
	expect_bad(HEAD TS "\"kind\":\"bbo\",\"bid_px\":\"1\",\"bid_qty\":\"1\",\"ask_px\":\"1\"}",
		   "missing ask_qty");
	expect_bad(HEAD TS "\"kind\":\"trade\",\"flags\":[\"buy\",\"hot\"],\"price\":\"1\","
			   "\"qty\":\"1\"}",
		   "unknown flag \"hot\"");
	expect_bad(HEAD TS "\"kind\":\"trade\",\"flags\":[\"0x03\"],\"price\":\"1\",\"qty\":\"1\"}",
		   "unknown flag");
	expect_bad(HEAD TS "\"kind\":\"trade\",\"flags\":[\"buy\"],\"side\":\"sell\","
			   "\"price\":\"1\",\"qty\":\"1\"}",
		   "contradicts flags");
	expect_bad(HEAD TS "\"kind\":\"l2\",\"side\":\"up\",\"price\":\"1\",\"qty\":\"1\"}",
		   "bad side");
	expect_bad(HEAD TS "\"kind\":\"status\",\"status\":\"sideways\"}", "bad status");
	expect_bad(HEAD TS "\"kind\":\"status\",\"status\":\"up\",\"session\":-1}", "session");
	expect_bad(HEAD TS "\"kind\":\"trade\",\"price\":\"1\",\"qty\":\"1\",\"trade_id\":-4}",
		   "negative");
	expect_bad(HEAD TS "\"kind\":\"trade\",\"price\":\"1\",\"qty\":\"1\","
			   "\"trade_id\":\"18446744073709551616\"}",
		   "trade_id");
	expect_bad("{\"venue\":\"a-venue-name-too-long\",\"symbol\":\"S\",\"kind\":\"trade\"," TS
		   "\"price\":\"1\",\"qty\":\"1\"}",
		   "bad venue");
	expect_bad("{\"venue\":\"v\",\"symbol\":\"S\",\"price_decimals\":19,\"kind\":\"trade\"," TS
		   "\"price\":\"1\",\"qty\":\"1\"}",
		   "price_decimals 19 out of range");
	expect_bad(HEAD TS "\"kind\":\"trade\",\"kind\":\"bbo\"}", "invalid JSON");
}

static void test_loader(void)
{
	struct replay_data d = {0};
	char err[256];
	const char *a = HEAD TS "\"kind\":\"trade\",\"price\":\"1.5\",\"qty\":\"2\"}";
	const char *b = "{\"venue\":\"w\",\"symbol\":\"S-T\",\"kind\":\"l2\"," TS
			"\"price\":\"1\",\"qty\":\"0\"}";
	const char *conflict =
		"{\"venue\":\"v\",\"symbol\":\"S-T\",\"price_decimals\":4,"
		"\"qty_decimals\":3,\"kind\":\"trade\"," TS "\"price\":\"1\",\"qty\":\"1\"}";

	CHECK(replay_data_add_line(&d, a, strlen(a), err, sizeof(err)) == 1);
	CHECK(replay_data_add_line(&d, "  \r\n", 4, err, sizeof(err)) == 0);
	CHECK(replay_data_add_line(&d, b, strlen(b), err, sizeof(err)) == 1);
	CHECK(replay_data_add_line(&d, a, strlen(a), err, sizeof(err)) == 1);
	CHECK(replay_data_add_line(&d, conflict, strlen(conflict), err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "redefined") != NULL);
	CHECK(replay_data_add_line(&d, "nope", 4, err, sizeof(err)) == -EINVAL);
	CHECK(d.nticks == 3 && d.ninstr == 2 && d.bad == 2 && d.lines == 6);
	CHECK(d.ticks[0].instrument == 0 && d.ticks[1].instrument == 1 &&
	      d.ticks[2].instrument == 0);
	CHECK(d.ticks[0].u.trade.price == 150 && d.ticks[0].u.trade.qty == 2000);

	/* many instruments: the hash table grows and every name stays unique */
	for (int i = 0; i < 5000; i++) {
		char line[256];
		int n = snprintf(line, sizeof(line),
				 "{\"venue\":\"v%d\",\"symbol\":\"S%d\",\"kind\":\"l2\"," TS
				 "\"price\":\"1\",\"qty\":\"0\"}",
				 i % 5, i % 1000);

		CHECK(replay_data_add_line(&d, line, (size_t)n, err, sizeof(err)) == 1);
	}
	CHECK(d.ninstr == 2 + 1000); /* i % 1000 determines i % 5: 1000 distinct pairs */
	replay_data_free(&d);
}

int main(void)
{
	test_options();
	test_names();
	test_roundtrip();
	test_format();
	test_text_kinds();
	test_parse_errors();
	test_loader();
	if (failures) {
		fprintf(stderr, "test_common: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_common: ok\n");
	return 0;
}
