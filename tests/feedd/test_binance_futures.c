/* SPDX-License-Identifier: MIT */
/*
 * test_binance_futures.c: the Binance USD-M futures adapter. Its plan (two
 * routed connections: aggTrade on /market, bookTicker on /public), the
 * symbols it takes, then a script of the venue's documented messages with
 * the expected results (data/binance_futures.txt, argv[1]; format in its
 * header), fed to the connection each arrives on, and random mutations that
 * must never crash or produce a tick of an unknown instrument.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "config.h"
#include "helpers.h"
#include "script.h"
#include "venue.h"

#define RECV_TS 777

static const struct feed_venue_ops *ops;
static struct feed_venue_conn_plan plan[2];
static struct feed_venue_ctx ctx[2]; /* 0 market (trades), 1 public (bbo) */
static struct feed_venue_ctx *cur;
static struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
static struct feed_venue_out out;
static int lineno;

#define FAILF(...)                                                                                 \
	do {                                                                                       \
		fprintf(stderr, "binance_futures.txt:%d: ", lineno);                               \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		feed_test_failures++;                                                              \
	} while (0)

static char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT-PERP", "ETH-USDT-PERP"};

static struct feed_session_config session(size_t n)
{
	struct feed_session_config sc;

	memset(&sc, 0, sizeof(sc));
	sc.symbols = syms;
	sc.nsymbols = n;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = sc.qty_decimals = sc.qty_unit = -1;
	return sc;
}

static int tick_value(const struct mdbus_tick *t, const char *k, long long *v)
{
	if (!strcmp(k, "inst"))
		*v = t->instrument;
	else if (!strcmp(k, "exch"))
		*v = t->exch_ts;
	else if (t->kind == MDBUS_KIND_TRADE && !strcmp(k, "px"))
		*v = t->u.trade.price;
	else if (t->kind == MDBUS_KIND_TRADE && !strcmp(k, "qty"))
		*v = t->u.trade.qty;
	else if (t->kind == MDBUS_KIND_TRADE && !strcmp(k, "tid"))
		*v = (long long)t->u.trade.trade_id;
	else if (t->kind == MDBUS_KIND_BBO && !strcmp(k, "bp"))
		*v = t->u.bbo.bid_px;
	else if (t->kind == MDBUS_KIND_BBO && !strcmp(k, "bq"))
		*v = t->u.bbo.bid_qty;
	else if (t->kind == MDBUS_KIND_BBO && !strcmp(k, "ap"))
		*v = t->u.bbo.ask_px;
	else if (t->kind == MDBUS_KIND_BBO && !strcmp(k, "aq"))
		*v = t->u.bbo.ask_qty;
	else
		return -1;
	return 0;
}

/* One "k=v" (v may be "quoted"; "k~v": v is a substring). */
static void check_kv(char *kv)
{
	const struct mdbus_tick *t = &ticks[0];
	char *eq = strpbrk(kv, "=~"), fb[48];
	const char *r = out.reason ? out.reason : "";
	int contains;
	long long got;

	if (!eq) {
		FAILF("bad expectation '%s'", kv);
		return;
	}
	contains = *eq == '~';
	*eq++ = '\0';
	if (*eq == '"' && eq[strlen(eq) - 1] == '"') {
		eq[strlen(eq) - 1] = '\0';
		eq++;
	}
	if (!strcmp(kv, "reason")) {
		if (contains ? !strstr(r, eq) : strcmp(r, eq) != 0)
			FAILF("reason \"%s\", expected \"%s\"", r, eq);
	} else if (!strcmp(kv, "kind")) {
		if (strcmp(mdbus_kind_name(t->kind), eq) != 0 || t->recv_ts != RECV_TS)
			FAILF("kind %u recv %lld, expected %s", t->kind, (long long)t->recv_ts, eq);
	} else if (!strcmp(kv, "flags")) {
		if (strcmp(flags_str(t->flags, fb), eq) != 0)
			FAILF("flags %s, expected %s", flags_str(t->flags, fb), eq);
	} else if (!strcmp(kv, "req")) {
		if (out.req_id != strtoull(eq, NULL, 10))
			FAILF("req %llu, expected %s", (unsigned long long)out.req_id, eq);
	} else if (tick_value(t, kv, &got) < 0) {
		FAILF("unknown expectation key %s", kv);
	} else if (got != strtoll(eq, NULL, 10)) {
		FAILF("%s = %lld, expected %s", kv, got, eq);
	}
}

/* "= CLASS k=v k~"with spaces" ...": keys are split on spaces outside quotes. */
static void check_expect(char *line)
{
	char *p = line, *tok;
	int q = 0;

	tok = p;
	while (*p && *p != ' ')
		p++;
	if (*p)
		*p++ = '\0';
	if (strcasecmp(tok, feed_msg_class_name(out.cls)) != 0) {
		FAILF("class %s (reason %s), expected %s", feed_msg_class_name(out.cls),
		      out.reason ? out.reason : "-", tok);
		return;
	}
	if (out.n != (out.cls == FEED_MSG_DATA ? 1u : 0u))
		FAILF("%u ticks", out.n);
	while (*p) {
		for (tok = p; *p && (q || *p != ' '); p++)
			q ^= *p == '"';
		if (*p)
			*p++ = '\0';
		if (*tok)
			check_kv(tok);
	}
}

static void directive(char *d)
{
	char buf[1024];
	size_t n = 0;
	int rc;

	if (!strncmp(d, "conn ", 5)) {
		cur = !strcmp(d + 5, "market") ? &ctx[0] : &ctx[1];
		feed_venue_ctx_reset(cur);
	} else if (!strncmp(d, "sub ", 4)) {
		rc = feed_venue_subscribe_next(cur, buf, sizeof(buf), &n);
		buf[rc == 1 ? n : 0] = '\0';
		if (strcmp(d + 4, "-") == 0 ? rc != 0 : (rc != 1 || strcmp(buf, d + 4) != 0))
			FAILF("subscribe %d '%s', expected '%s'", rc, buf, d + 4);
	} else {
		FAILF("unknown directive '%s'", d);
	}
}

static int run_script(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[2048];

	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");

		line[n] = '\0';
		lineno++;
		if (!strncmp(line, "! ", 2)) {
			directive(line + 2);
		} else if (!strncmp(line, "> ", 2)) {
			memset(&out, 0, sizeof(out));
			out.ticks = ticks;
			out.cap = FEED_VENUE_TICKS_MIN;
			CHECK_EQ_INT(feed_venue_on_message(cur, (const uint8_t *)line + 2, n - 2, 0,
							   RECV_TS, &out),
				     0);
		} else if (!strncmp(line, "= ", 2)) {
			check_expect(line + 2);
		}
	}
	fclose(f);
	return 0;
}

/* Two routed connections; each ctx holds its channel for every symbol. */
static void test_plan(void)
{
	struct feed_session_config sc = session(2);
	char err[160];

	CHECK_STR(ops->name, "binance-futures");
	CHECK_EQ_INT(feed_venue_plan(ops, &sc, plan, 2), 2);
	CHECK_EQ_INT(plan[0].channels, FEED_CH_TRADES);
	CHECK_STR(plan[0].path, "/market/ws");
	CHECK_EQ_INT(plan[1].channels, FEED_CH_BBO);
	CHECK_STR(plan[1].path, "/public/ws");
	for (uint32_t k = 0; k < 2; k++) {
		CHECK_EQ_INT(feed_venue_ctx_init_conn(&ctx[k], ops, &sc, &plan[k], k,
						      feed_venue_conn_limit(ops, &sc), err,
						      sizeof(err)),
			     0);
		for (uint32_t i = 0; ctx[k].ops && i < 2; i++)
			ctx[k].syms[i].instrument = 200 + i;
	}
	/* 1024 streams per connection: 1025 symbols of one channel take two. */
	CHECK_EQ_INT(ops->limits.streams_per_conn, 1024);
	sc.nsymbols = 1025;
	sc.channels = FEED_CH_TRADES;
	CHECK_EQ_INT(feed_venue_plan(ops, &sc, NULL, 0), 2);
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	CHECK_EQ_INT(feed_venue_plan(ops, &sc, NULL, 0), 4);
}

/* Perpetuals only: BTC-USDT-PERP <-> BTCUSDT. */
static void test_symbols(void)
{
	char n[MDBUS_SYMBOL_MAX];

	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-PERP", n, sizeof(n)), 0);
	CHECK_STR(n, "BTCUSDT");
	CHECK_EQ_INT(ops->native_symbol("1000PEPE-USDC-PERP", n, sizeof(n)), 0);
	CHECK_STR(n, "1000PEPEUSDC");
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT", n, sizeof(n)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-20261225", n, sizeof(n)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USDT-PERP", n, 7), -ENAMETOOLONG);
	CHECK_EQ_INT(ops->qty_unit, MDBUS_QTY_BASE);
	{
		/* A spot symbol in a futures session: refused, naming the market. */
		char spot[1][MDBUS_SYMBOL_MAX] = {"BTC-USDT"};
		struct feed_session_config sc = session(1);
		struct feed_venue_ctx v;
		char err[160];

		sc.symbols = spot;
		CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), -EINVAL);
		CHECK_STR(err, "venue binance-futures has no spot market (symbol 'BTC-USDT')");
	}
}

/* Random byte flips of a good message: any class, never a crash, and a
 * tick only of a known instrument. */
static void test_mutations(void)
{
	const char *good = "{\"e\":\"aggTrade\",\"E\":1,\"s\":\"BTCUSDT\",\"a\":9,\"p\":\"1.5\","
			   "\"q\":\"2\",\"f\":1,\"l\":1,\"T\":1770000000000,\"m\":false}";
	char m[256];
	uint64_t x = 88172645463325252ull;

	for (int r = 0; r < 20000; r++) {
		size_t n = strlen(good);

		memcpy(m, good, n + 1);
		for (int k = 0; k < 3; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			m[x % n] = (char)(x >> 24);
		}
		memset(&out, 0, sizeof(out));
		out.ticks = ticks;
		out.cap = FEED_VENUE_TICKS_MIN;
		CHECK_EQ_INT(feed_venue_on_message(&ctx[0], (const uint8_t *)m, n, 0, 1, &out), 0);
		if (out.n > 0 && ticks[0].instrument != 200 && ticks[0].instrument != 201)
			feed_test_failures++;
	}
}

int main(int argc, char **argv)
{
	ops = feed_venue_find("binance-futures");
	if (!ops || argc < 2) {
		fprintf(stderr, "usage: test_binance_futures DATA (adapter %s)\n",
			ops ? "found" : "missing");
		return 1;
	}
	test_symbols();
	test_plan();
	if (!ctx[0].ops || !ctx[1].ops)
		return feed_test_done("test_binance_futures");
	cur = &ctx[0];
	if (run_script(argv[1]) < 0)
		feed_test_failures++;
	test_mutations();
	feed_venue_ctx_free(&ctx[0]);
	feed_venue_ctx_free(&ctx[1]);
	return feed_test_done("test_binance_futures");
}
