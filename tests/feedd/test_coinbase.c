/* SPDX-License-Identifier: MIT */
/*
 * test_coinbase.c: the Coinbase Exchange adapter driven by a script of
 * messages and expected results (data/coinbase.txt, argv[1]; format in its
 * header), plus subscribe requests for several sets, the rejection policy
 * with id-less errors, symbols, and random mutations.
 */
#include <errno.h>
#include <stdint.h>

#include "config.h"
#include "helpers.h"
#include "script.h"
#include "jsonscan.h"
#include "venue.h"

#define RECV_TS 777

static struct feed_venue_ops test_ops; /* coinbase with 2 streams per message */
static struct feed_venue_ctx ctx;
static struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
static struct feed_venue_out out;
static int lineno;

#define FAILF(...)                                                                                 \
	do {                                                                                       \
		fprintf(stderr, "coinbase.txt:%d: ", lineno);                                      \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		feed_test_failures++;                                                              \
	} while (0)

/* Next "key=value" token; value may be "quoted" with \" escapes. */

static void check_expect(char *line)
{
	char cls[32], key[32], val[256], fb[32];
	char *p = line;
	size_t n = 0;
	int contains, ok, rc;

	while (*p && *p != ' ' && n + 1 < sizeof(cls))
		cls[n++] = *p++;
	cls[n] = '\0';
	if (strcasecmp(cls, feed_msg_class_name(out.cls)) != 0) {
		FAILF("class %s (reason %s), expected %s", feed_msg_class_name(out.cls),
		      out.reason ? out.reason : "-", cls);
		return;
	}
	if (out.cls == FEED_MSG_DATA && out.n != 1)
		FAILF("%u ticks, expected 1", out.n);
	if (out.cls != FEED_MSG_DATA && out.n != 0)
		FAILF("%u ticks on a non-data message", out.n);
	while ((rc = next_kv(&p, key, sizeof(key), val, sizeof(val), &contains)) == 1) {
		const struct mdbus_tick *t = &ticks[0];
		if (!strcmp(key, "reason")) {
			const char *r = out.reason ? out.reason : "";
			if (contains ? !strstr(r, val) : strcmp(r, val) != 0)
				FAILF("reason \"%s\", expected %s\"%s\"", r, contains ? "~" : "",
				      val);
		} else if (!strcmp(key, "sym")) {
			const char *s = out.sym < ctx.nsyms ? ctx.syms[out.sym].native : "-";
			if (strcmp(s, val) != 0)
				FAILF("sym %s, expected %s", s, val);
		} else if (!strcmp(key, "kind")) {
			if (strcmp(mdbus_kind_name(t->kind) ? mdbus_kind_name(t->kind) : "?",
				   val) != 0)
				FAILF("kind %u, expected %s", t->kind, val);
			if (t->recv_ts != RECV_TS)
				FAILF("recv_ts %lld", (long long)t->recv_ts);
		} else if (!strcmp(key, "flags")) {
			if (strcmp(flags_str(t->flags, fb), val) != 0)
				FAILF("flags %s, expected %s", flags_str(t->flags, fb), val);
		} else if (!strcmp(key, "req")) {
			if (out.req_id != strtoull(val, NULL, 10))
				FAILF("req %llu, expected %s", (unsigned long long)out.req_id, val);
		} else if (!strcmp(key, "first")) {
			if (out.sym_first != strtoul(val, NULL, 10))
				FAILF("first %u, expected %s", out.sym_first, val);
		} else if (!strcmp(key, "count")) {
			if (out.sym_count != strtoul(val, NULL, 10))
				FAILF("count %u, expected %s", out.sym_count, val);
		} else {
			long long got = tick_field(t, key, &ok);
			if (!ok)
				FAILF("unknown expectation key %s", key);
			else if (got != strtoll(val, NULL, 10))
				FAILF("%s = %lld, expected %s", key, got, val);
		}
	}
	if (rc < 0)
		FAILF("bad expectation syntax");
}

static void directive(char *d)
{
	char buf[4096];
	size_t n;
	int rc;

	if (!strcmp(d, "reset")) {
		feed_venue_ctx_reset(&ctx);
	} else if (!strncmp(d, "sub ", 4)) {
		rc = feed_venue_subscribe_next(&ctx, buf, sizeof(buf), &n);
		if (!strcmp(d + 4, "-")) {
			if (rc != 0)
				FAILF("subscribe gave %d, expected nothing more", rc);
		} else if (rc != 1 || n != strlen(d + 4) || memcmp(buf, d + 4, n) != 0) {
			FAILF("subscribe rc %d: %.*s", rc, (int)n, buf);
		}
	} else if (!strncmp(d, "subdone ", 8)) {
		if (feed_venue_sub_complete(&ctx) != (int)strtol(d + 8, NULL, 10))
			FAILF("sub_complete %d", feed_venue_sub_complete(&ctx));
	} else if (!strncmp(d, "acked ", 6)) {
		if (feed_venue_streams_acked(&ctx) != (uint32_t)strtol(d + 6, NULL, 10))
			FAILF("acked %u", feed_venue_streams_acked(&ctx));
	} else if (!strncmp(d, "rejected ", 9)) {
		if (feed_venue_streams_rejected(&ctx) != (uint32_t)strtol(d + 9, NULL, 10))
			FAILF("rejected %u", feed_venue_streams_rejected(&ctx));
	} else if (!strncmp(d, "symstat ", 8)) {
		char name[32], key[32], val[64], *p = d + 8;
		uint32_t i;
		int contains;
		n = strcspn(p, " ");
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		p += n;
		if (feed_venue_lookup(&ctx, name, strlen(name), &i) < 0) {
			FAILF("no symbol %s", name);
			return;
		}
		while (next_kv(&p, key, sizeof(key), val, sizeof(val), &contains) == 1) {
			unsigned long long want = strtoull(val, NULL, 10), got;
			if (!strcmp(key, "ticks"))
				got = ctx.syms[i].ticks;
			else if (!strcmp(key, "errors"))
				got = ctx.syms[i].errors;
			else if (!strcmp(key, "gaps"))
				got = ctx.syms[i].gaps;
			else {
				FAILF("bad symstat key %s", key);
				continue;
			}
			if (got != want)
				FAILF("%s %s = %llu, expected %llu", name, key, got, want);
		}
	} else {
		FAILF("unknown directive %s", d);
	}
}

static int run_script(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	int pending = 0, msgs = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		lineno++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		if (pending && line[0] != '=') {
			FAILF("message without expectation");
			pending = 0;
		}
		if (line[0] == '!' && line[1] == ' ') {
			directive(line + 2);
		} else if (line[0] == '>' || (line[0] == 'B' && line[1] == '>')) {
			int bin = line[0] == 'B';
			const char *m = line + 1 + bin;
			if (*m == ' ')
				m++;
			/* Exactly-sized copy: an over-read is an ASan error. */
			size_t len = strlen(m);
			uint8_t *copy = malloc(len ? len : 1);
			memcpy(copy, m, len);
			if (feed_venue_on_message(&ctx, copy, len, bin, RECV_TS, &out) != 0)
				FAILF("on_message failed");
			free(copy);
			pending = 1;
			msgs++;
		} else if (line[0] == '=' && line[1] == ' ') {
			if (!pending)
				FAILF("expectation without a message");
			else
				check_expect(line + 2);
			pending = 0;
		} else {
			FAILF("bad script line");
		}
	}
	fclose(f);
	return msgs;
}

static struct feed_session_config session(char (*syms)[MDBUS_SYMBOL_MAX], size_t n)
{
	struct feed_session_config sc;

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "test");
	snprintf(sc.venue, sizeof(sc.venue), "coinbase");
	sc.symbols = syms;
	sc.nsymbols = n;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = -1; /* venue defaults: 8/8 */
	sc.qty_decimals = -1;
	return sc;
}

/* Counts the products of channel `name` in request r (and checks they
 * are the symbols [first, first + count) in order). Returns the count. */
static unsigned req_channel(const char *r, size_t n, const char *name, unsigned first)
{
	static const struct feed_json_key rk[2] = {FEED_JSON_KEY("type"),
						   FEED_JSON_KEY("channels")};
	static const struct feed_json_key ck[2] = {FEED_JSON_KEY("name"),
						   FEED_JSON_KEY("product_ids")};
	struct feed_json_val f[2], cf[2], k, c, e;
	struct feed_json_iter it, pit;
	unsigned count = 0;

	CHECK_EQ_INT(feed_json_scan(r, n, rk, 2, f), 2);
	CHECK(feed_json_str_eq(&f[0], "subscribe", 9));
	CHECK_EQ_INT(feed_json_iter_init(&it, f[1].p, f[1].n), 0);
	while (feed_json_iter_next(&it, &k, &c) == 1) {
		CHECK_EQ_INT(feed_json_scan(c.p, c.n, ck, 2, cf), 2);
		if (!feed_json_str_eq(&cf[0], name, strlen(name)))
			continue;
		CHECK_EQ_INT(feed_json_iter_init(&pit, cf[1].p, cf[1].n), 0);
		while (feed_json_iter_next(&pit, &k, &e) == 1) {
			char want[32];
			snprintf(want, sizeof(want), "C%u-USD", first + count);
			CHECK(feed_json_str_eq(&e, want, strlen(want)));
			count++;
		}
	}
	return count;
}

/* 150 products x 2 = 300 streams: requests of 100 streams (50 products,
 * each in matches, ticker and heartbeat) with the real ops; with a small
 * buffer, more and smaller requests; every stream exactly once. */
/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_subscribe(void)
{
	static char syms[200][MDBUS_SYMBOL_MAX];
	const struct feed_venue_ops *ops = feed_venue_find("coinbase");
	struct feed_session_config sc;
	struct feed_venue_ctx v;
	char buf[8192], err[256];
	size_t n, sizes[] = {sizeof(buf), 600, 200};
	unsigned si, total, msgs, prod, t, b, h;
	int i, rc;

	for (i = 0; i < 200; i++)
		snprintf(syms[i], sizeof(syms[i]), "C%d-USD", i);
	sc = session(syms, 150);
	for (si = 0; si < 3; si++) {
		CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
		feed_venue_ctx_reset(&v);
		total = msgs = prod = 0;
		while ((rc = feed_venue_subscribe_next(&v, buf, sizes[si], &n)) == 1) {
			CHECK(n < sizes[si]);
			/* stream total is symbol total / 2: a request may start
			 * with a product's ticker alone when a cut split it */
			t = req_channel(buf, n, "matches", (total + 1) / 2);
			b = req_channel(buf, n, "ticker", total / 2);
			h = req_channel(buf, n, "heartbeat", total / 2);
			CHECK(t + b >= 1 && t + b <= 100);
			CHECK(h >= t && h >= b && h <= t + b);
			if (si == 0)
				CHECK(t == 50 && b == 50 && h == 50);
			total += t + b;
			prod += h;
			msgs++;
		}
		CHECK_EQ_INT(rc, 0);
		CHECK_EQ_INT(total, 300);
		CHECK(prod >= 150);
		CHECK_EQ_INT(msgs, si == 0 ? 3 : msgs);
		if (si > 0)
			CHECK(msgs > 3);
		CHECK_EQ_INT(feed_venue_sub_complete(&v), 0);
		feed_venue_ctx_free(&v);
	}
	/* A buffer too small for even one stream. */
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, 60, &n), -ENOBUFS);
	/* The smallest that fits: one stream (matches + heartbeat of C0-USD). */
	{
		static const char one[] =
			"{\"type\":\"subscribe\",\"channels\":[{\"name\":\"matches\",\"product_"
			"ids\":"
			"[\"C0-USD\"]},{\"name\":\"heartbeat\",\"product_ids\":[\"C0-USD\"]}]}";
		CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, sizeof(one) - 1, &n), -ENOBUFS);
		CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, sizeof(one), &n), 1);
		CHECK_EQ_INT(n, sizeof(one) - 1);
		CHECK(memcmp(buf, one, n) == 0);
	}
	feed_venue_ctx_free(&v);

	/* Trades only: no ticker object. */
	sc = session(syms, 2);
	sc.channels = FEED_CH_TRADES;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, sizeof(buf), &n), 1);
	CHECK_STR(buf,
		  "{\"type\":\"subscribe\",\"channels\":[{\"name\":\"matches\",\"product_ids\":"
		  "[\"C0-USD\",\"C1-USD\"]},{\"name\":\"heartbeat\",\"product_ids\":"
		  "[\"C0-USD\",\"C1-USD\"]}]}");
	feed_venue_ctx_free(&v);
	/* BBO only: no matches object. */
	sc.channels = FEED_CH_BBO;
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, sizeof(buf), &n), 1);
	CHECK_STR(buf, "{\"type\":\"subscribe\",\"channels\":[{\"name\":\"ticker\",\"product_ids\":"
		       "[\"C0-USD\",\"C1-USD\"]},{\"name\":\"heartbeat\",\"product_ids\":"
		       "[\"C0-USD\",\"C1-USD\"]}]}");
	feed_venue_ctx_free(&v);
	sc = session(syms, 2);
	sc.channels = FEED_CH_L2 | FEED_CH_TRADES; /* two endpoints: refused */
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "advanced-trade-ws.coinbase.com") != NULL);
}

/* Native names (the product id as it is), markets, instrument records. */
static void test_symbols(void)
{
	const struct feed_venue_ops *ops = feed_venue_find("coinbase");
	struct mdbus_instrument ins;
	char nat[32];

	CHECK(ops != NULL);
	CHECK_STR(ops->default_url, "wss://ws-feed.exchange.coinbase.com");
	CHECK_EQ_INT(ops->native_symbol("BTC-USD", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "BTC-USD");
	CHECK_EQ_INT(ops->native_symbol("ETH-EUR", nat, sizeof(nat)), 0);
	CHECK_STR(nat, "ETH-EUR");
	CHECK_EQ_INT(ops->native_symbol("btc-usd", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("BTCUSD", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USD", nat, 7), -ENAMETOOLONG);
	CHECK_EQ_INT(ops->native_symbol("BTC-USD", nat, 8), 0);
	/* Spot only: the feed lists no perpetuals or futures. */
	CHECK_EQ_INT(ops->native_symbol("BTC-USD-PERP", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->native_symbol("BTC-USD-20261225", nat, sizeof(nat)), -EINVAL);
	CHECK_EQ_INT(ops->markets, 1u << MDBUS_MARKET_SPOT);
	CHECK_EQ_INT(feed_venue_ctx_instrument(&ctx, 1, &ins), 0);
	CHECK_STR(ins.venue, "coinbase");
	CHECK_STR(ins.symbol, "ETH-USD");
	CHECK_STR(ins.native, "ETH-USD");
	CHECK_EQ_INT(ins.price_decimals, 8);
	CHECK_EQ_INT(ins.qty_decimals, 8);
	CHECK_EQ_INT(ins.id, 101);
	CHECK_EQ_INT(ins.market, MDBUS_MARKET_SPOT);
	CHECK_EQ_INT(ins.qty_unit, MDBUS_QTY_BASE);
	CHECK_EQ_INT(ins.contract_size, 0);
	CHECK_EQ_INT(feed_venue_ctx_instrument(&ctx, 3, &ins), -EINVAL);
	/* Our keepalive is a WebSocket ping (no venue text ping). */
	{
		char buf[64];
		size_t n = 99;
		CHECK_EQ_INT(feed_venue_ping(&ctx, buf, sizeof(buf), &n, 0), 0);
		CHECK_EQ_INT(n, 0);
	}
}

/* One message through ctx v into the file's `out`. */
static void feed_msg(struct feed_venue_ctx *v, const char *m)
{
	CHECK_EQ_INT(feed_venue_on_message(v, (const uint8_t *)m, strlen(m), 0, RECV_TS, &out), 0);
}

static void expect_sub(struct feed_venue_ctx *v, const char *want)
{
	char buf[1024];
	size_t n = 0;
	int rc = feed_venue_subscribe_next(v, buf, sizeof(buf), &n);

	if (!want) {
		CHECK_EQ_INT(rc, 0);
		return;
	}
	CHECK_EQ_INT(rc, 1);
	if (n != strlen(want) || memcmp(buf, want, n) != 0) {
		fprintf(stderr, "subscribe: got %.*s\n    expected %s\n", (int)n, buf, want);
		feed_test_failures++;
	}
}

#define CH(name, list) "{\"name\":\"" name "\",\"product_ids\":[" list "]}"
#define SUB(list)                                                                                  \
	"{\"type\":\"subscribe\",\"channels\":[" CH("matches", list) "," CH(                       \
		"ticker", list) "," CH("heartbeat", list) "]}"
#define SUBS(list)                                                                                 \
	"{\"type\":\"subscriptions\",\"channels\":[" CH("matches", list) "," CH("ticker", list) "]}"
#define INVALID(p)                                                                                 \
	"{\"type\":\"error\",\"message\":\"Failed to subscribe\",\"reason\":\"" p                  \
	" is not a valid product\"}"

/* Coinbase fails a whole request for one bad product and its error names
 * no request: the oldest open one is rejected; its products go again one
 * request each; only the one rejected alone is dead; on the next
 * connection it is tried once more alone, after a shared request. */
/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_reject_split(void)
{
	char syms[3][MDBUS_SYMBOL_MAX] = {"BTC-USD", "NOPE-USD", "ETH-USD"};
	struct feed_session_config sc = session(syms, 3);
	const struct feed_venue_ops *ops = feed_venue_find("coinbase");
	struct feed_venue_ctx v;
	char err[256];

	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	expect_sub(&v, SUB("\"BTC-USD\",\"NOPE-USD\",\"ETH-USD\""));
	expect_sub(&v, NULL);
	feed_msg(&v, INVALID("NOPE-USD"));
	CHECK_EQ_INT(out.cls, FEED_MSG_REJECT);
	CHECK_EQ_INT(out.req_id, 1);
	CHECK_EQ_INT(out.split, 1);
	CHECK_EQ_INT(out.sym_count, 3);
	CHECK_STR(out.reason, "Failed to subscribe: NOPE-USD is not a valid product");
	CHECK_EQ_INT(feed_venue_streams_rejected(&v), 0);
	CHECK_EQ_INT(feed_venue_sub_pending(&v), 1);
	expect_sub(&v, SUB("\"BTC-USD\""));
	expect_sub(&v, SUB("\"NOPE-USD\""));
	expect_sub(&v, SUB("\"ETH-USD\""));
	expect_sub(&v, NULL);
	/* Answers come in order: BTC's list, NOPE's error, the list with ETH. */
	feed_msg(&v, SUBS("\"BTC-USD\""));
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	CHECK_EQ_INT(out.req_id, 2);
	CHECK_EQ_INT(out.alone, 1);
	CHECK_EQ_INT(out.nstreams, 2);
	feed_msg(&v, INVALID("NOPE-USD"));
	CHECK_EQ_INT(out.cls, FEED_MSG_REJECT);
	CHECK_EQ_INT(out.req_id, 3);
	CHECK_EQ_INT(out.split, 0);
	CHECK_EQ_INT(out.sym_first, 1);
	CHECK_EQ_INT(v.syms[1].dead, 1);
	feed_msg(&v, SUBS("\"BTC-USD\",\"ETH-USD\""));
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	CHECK_EQ_INT(out.req_id, 4);
	CHECK_EQ_INT(out.sym_first, 2);
	CHECK_EQ_INT(out.sym_count, 1);
	CHECK_EQ_INT(feed_venue_sub_complete(&v), 1);
	CHECK_EQ_INT(feed_venue_streams_acked(&v), 4);
	CHECK_EQ_INT(feed_venue_streams_rejected(&v), 2);
	CHECK_EQ_INT(feed_venue_syms_dead(&v), 1);

	/* Reconnection: the good products share a request, the dead one
	 * goes alone; this time the venue takes it (an ack revives it). */
	feed_venue_ctx_reset(&v);
	expect_sub(&v, SUB("\"BTC-USD\",\"ETH-USD\""));
	expect_sub(&v, SUB("\"NOPE-USD\""));
	expect_sub(&v, NULL);
	feed_msg(&v, SUBS("\"BTC-USD\",\"ETH-USD\""));
	/* The list is channel-major (BTC.t ETH.t BTC.b ETH.b): sym_count
	 * counts runs of a symbol, so 4 here; the streams are what counts. */
	CHECK_EQ_INT(out.sym_first, 0);
	CHECK_EQ_INT(out.nstreams, 4);
	CHECK_EQ_INT(feed_venue_sub_complete(&v), 0);
	feed_msg(&v, SUBS("\"BTC-USD\",\"NOPE-USD\",\"ETH-USD\""));
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	CHECK_EQ_INT(out.alone, 1);
	CHECK_EQ_INT(out.sym_first, 1);
	CHECK_EQ_INT(out.nstreams, 2);
	CHECK_EQ_INT(feed_venue_sub_complete(&v), 1);
	CHECK_EQ_INT(feed_venue_syms_dead(&v), 0);
	feed_venue_ctx_free(&v);

	/* Every product bad: all dead (the session fails for good). */
	snprintf(syms[0], sizeof(syms[0]), "BAD-USD");
	snprintf(syms[1], sizeof(syms[1]), "WORSE-USD");
	sc = session(syms, 2);
	CHECK_EQ_INT(feed_venue_ctx_init(&v, ops, &sc, err, sizeof(err)), 0);
	feed_venue_ctx_reset(&v);
	expect_sub(&v, SUB("\"BAD-USD\",\"WORSE-USD\""));
	feed_msg(&v, INVALID("BAD-USD"));
	CHECK_EQ_INT(out.split, 1);
	expect_sub(&v, SUB("\"BAD-USD\""));
	expect_sub(&v, SUB("\"WORSE-USD\""));
	feed_msg(&v, INVALID("BAD-USD"));
	feed_msg(&v, INVALID("WORSE-USD"));
	CHECK_EQ_INT(feed_venue_sub_complete(&v), 1);
	CHECK_EQ_INT(feed_venue_streams_acked(&v), 0);
	CHECK_EQ_INT(feed_venue_syms_dead(&v), 2);
	/* nothing left open: a further error is only counted */
	feed_msg(&v, INVALID("BAD-USD"));
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	feed_venue_ctx_free(&v);
}

/* Seeded random mutations of good messages through the whole adapter
 * (exact-size copies: an over-read is an ASan error). Whatever the bytes,
 * a DATA result carries exactly one tick of a known instrument and every
 * ERROR has a reason. */
static void test_mutations(void)
{
	static const char *const good[] = {
		"{\"type\":\"match\",\"trade_id\":10,\"sequence\":50,\"maker_order_id\":\"ac92\","
		"\"taker_order_id\":\"132f\",\"time\":\"2014-11-07T08:19:27.028459Z\","
		"\"product_id\":\"BTC-USD\",\"size\":\"5.23512\",\"price\":\"400.23\",\"side\":"
		"\"sell\"}",
		"{\"type\":\"ticker\",\"sequence\":37475248783,\"product_id\":\"ETH-USD\","
		"\"price\":\"1285.22\",\"best_bid\":\"1285.04\",\"best_bid_size\":\"0.46688654\","
		"\"best_ask\":\"1285.27\",\"best_ask_size\":\"1.56637040\",\"side\":\"buy\","
		"\"time\":\"2022-10-19T23:28:22.061769Z\",\"trade_id\":370843401}",
		"{\"type\":\"subscriptions\",\"channels\":[{\"name\":\"matches\",\"product_ids\":"
		"[\"SOL-USD\"]},\"heartbeat\"]}",
		"{\"type\":\"heartbeat\",\"sequence\":90,\"last_trade_id\":20,\"product_id\":"
		"\"SOL-USD\",\"time\":\"2014-11-07T08:19:28.464459Z\"}",
		"{\"type\":\"error\",\"message\":\"Failed \\u00e9\",\"reason\":\"x\"}",
	};
	static const char alphabet[] = "{}[]\",:\\ 0123456789-.eEtrufalsnBTCUSD\x01\xff";
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int round, data = 0;

	for (round = 0; round < 20000; round++) {
		const char *src = good[round % 5];
		size_t n = strlen(src), k;
		uint8_t *buf = malloc(n);

		memcpy(buf, src, n);
		for (k = 0; k < 2; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[x % n] = (uint8_t)alphabet[(x >> 40) % (sizeof(alphabet) - 1)];
		}
		if (round % 5 == 0)
			n = (size_t)(x >> 20) % n;
		if (feed_venue_on_message(&ctx, buf, n, 0, RECV_TS, &out) != 0)
			feed_test_failures++;
		if (out.cls == FEED_MSG_DATA) {
			data++;
			if (out.n != 1 || ticks[0].instrument < 100 || ticks[0].instrument > 102)
				feed_test_failures++;
		}
		if (out.cls == FEED_MSG_ERROR && (!out.reason || !out.reason[0]))
			feed_test_failures++;
		if (out.cls != FEED_MSG_DATA && out.n != 0)
			feed_test_failures++;
		free(buf);
	}
	CHECK(data > 0); /* some mutations stay valid (a digit for a digit) */
}

/* ---- Advanced Trade level2 (l2) ------------------------------------------------------ */

#define AT_TS "\"timestamp\":\"2023-02-09T20:32:50.714964855Z\""
#define AT_HEAD(ch, seq)                                                                           \
	"{\"channel\":\"" ch "\",\"client_id\":\"\"," AT_TS ",\"sequence_num\":" #seq
#define UPD(side, px, qty)                                                                         \
	"{\"side\":\"" side                                                                        \
	"\",\"event_time\":\"2023-02-09T20:32:50.714964855Z\",\"price_level\":\"" px               \
	"\",\"new_quantity\":\"" qty "\"}"
#define L2(seq, events) AT_HEAD("l2_data", seq) ",\"events\":[" events "]}"
#define EV(type, prod, upds)                                                                       \
	"{\"type\":\"" type "\",\"product_id\":\"" prod "\",\"updates\":[" upds "]}"

static struct feed_venue_ctx l2v;

static void l2_msg(const char *m)
{
	CHECK_EQ_INT(feed_venue_on_message(&l2v, (const uint8_t *)m, strlen(m), 0, 9, &out), 0);
}

/* A BOOK event of symbol sym, kind, nb/na levels and gap. */
static void l2_expect(uint32_t sym, int kind, uint32_t nb, uint32_t na, int gap)
{
	CHECK_EQ_INT(out.cls, FEED_MSG_BOOK);
	if (out.cls != FEED_MSG_BOOK)
		return;
	CHECK(out.book == &l2v.book);
	CHECK_EQ_INT(out.book->sym, sym);
	CHECK_EQ_INT(out.book->kind, kind);
	CHECK_EQ_INT(out.book->nbids, nb);
	CHECK_EQ_INT(out.book->nasks, na);
	CHECK_EQ_INT(out.book->gap, gap);
	CHECK_EQ_INT(out.book->has_ck, 0);
}

/* Subscribe and its answer, the docs' snapshot, updates, two products in
 * one message, heartbeats. */
static void test_l2_stream(void)
{
	static const char two[] =
		L2(3, EV("snapshot", "ETH-USD", UPD("offer", "1650.5", "3")) "," EV(
			      "update", "BTC-USD", UPD("offer", "21921.74", "0.75")));
	char buf[512];
	size_t n;

	feed_venue_ctx_reset(&l2v);
	CHECK_EQ_INT(feed_venue_subscribe_next(&l2v, buf, sizeof(buf), &n), 1);
	CHECK_STR(buf, "{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\",\"ETH-USD\"],"
		       "\"channel\":\"level2\"}");
	l2_msg(AT_HEAD("subscriptions", 0) ",\"events\":[{\"subscriptions\":{\"level2\":["
					   "\"BTC-USD\",\"ETH-USD\"]}}]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	CHECK_EQ_INT(out.nstreams, 2);
	l2_msg(L2(
		1,
		EV("snapshot", "BTC-USD",
		   UPD("bid", "21921.73", "0.06317902") "," UPD("offer", "21921.74", "0.5") "," UPD(
			   "bid", "21921.3", "0.02") "," UPD("offer", "21922", "1.25"))));
	l2_expect(0, FEED_BOOK_SNAPSHOT, 2, 2, 0);
	CHECK_EQ_INT(out.book->bids[0].px, 2192173000000);
	CHECK_EQ_INT(out.book->bids[0].qty, 6317902);
	CHECK_EQ_INT(out.book->bids[0].px_dp, 2);
	CHECK_EQ_INT(out.book->bids[0].qty_dp, 8);
	CHECK_EQ_INT(out.book->bids[1].px, 2192130000000);
	CHECK_EQ_INT(out.book->asks[0].px, 2192174000000); /* message order */
	CHECK_EQ_INT(out.book->asks[1].px, 2192200000000);
	CHECK_EQ_INT(out.book->asks[1].px_dp, 0);
	CHECK_EQ_INT(out.book->exch_ts, 1675974770714964855LL);
	CHECK_EQ_INT(out.book->recv_ts, 9);
	l2_msg(L2(2, EV("update", "BTC-USD", UPD("bid", "21921.73", "0"))));
	l2_expect(0, FEED_BOOK_DELTA, 1, 0, 0);
	CHECK_EQ_INT(out.book->bids[0].qty, 0);
	/* Two products in one message: one event per call. */
	l2_msg(two);
	l2_expect(1, FEED_BOOK_SNAPSHOT, 0, 1, 0);
	CHECK_EQ_INT(out.more, 1);
	l2_msg(two); /* the same message: its next event */
	l2_expect(0, FEED_BOOK_DELTA, 0, 1, 0);
	CHECK_EQ_INT(out.more, 0);
	CHECK_EQ_INT(out.book->asks[0].qty, 75000000);
	l2_msg(AT_HEAD("heartbeats", 4) ",\"events\":[{\"current_time\":\"2023-02-09 20:32:51 "
					"+0000 UTC\",\"heartbeat_counter\":3}]}");
	CHECK_EQ_INT(out.cls, FEED_MSG_HEARTBEAT);
}

/* sequence_num jumps: every product's next delta carries gap; a snapshot
 * (the resubscription's answer) clears it. */
static void test_l2_gap(void)
{
	l2_msg(L2(6, EV("update", "BTC-USD", UPD("bid", "1", "1"))));
	l2_expect(0, FEED_BOOK_DELTA, 1, 0, 1);
	l2_msg(L2(7, EV("update", "BTC-USD", UPD("bid", "1", "2"))));
	l2_expect(0, FEED_BOOK_DELTA, 1, 0, 0);
	l2_msg(L2(8, EV("update", "ETH-USD", UPD("bid", "1", "2"))));
	l2_expect(1, FEED_BOOK_DELTA, 1, 0, 1);
	l2_msg(AT_HEAD("heartbeats", 12) ",\"events\":[]}"); /* a jump on another channel */
	CHECK_EQ_INT(out.cls, FEED_MSG_HEARTBEAT);
	l2_msg(L2(13, EV("snapshot", "ETH-USD", UPD("bid", "1", "2"))));
	l2_expect(1, FEED_BOOK_SNAPSHOT, 1, 0, 0);
	l2_msg(L2(14, EV("update", "ETH-USD", UPD("bid", "1", "3"))));
	l2_expect(1, FEED_BOOK_DELTA, 1, 0, 0);
	l2_msg(L2(15, EV("update", "BTC-USD", UPD("bid", "1", "3"))));
	l2_expect(0, FEED_BOOK_DELTA, 1, 0, 1);
	/* An old number again (a duplicate) is no gap. */
	l2_msg(L2(15, EV("update", "BTC-USD", UPD("bid", "1", "3"))));
	l2_expect(0, FEED_BOOK_DELTA, 1, 0, 0);
	/* A new connection starts counting again: no gap from the numbers. */
	feed_venue_ctx_reset(&l2v);
	l2_msg(L2(0, EV("snapshot", "BTC-USD", UPD("bid", "1", "3"))));
	l2_expect(0, FEED_BOOK_SNAPSHOT, 1, 0, 0);
	l2_msg(L2(1, EV("update", "BTC-USD", UPD("bid", "1", "4"))));
	l2_expect(0, FEED_BOOK_DELTA, 1, 0, 0);
}

static void test_l2_bad(void)
{
	static const char *const bad[] = {
		L2(2, EV("update", "BTC-USD", UPD("buy", "1", "1"))),
		L2(3, EV("update", "BTC-USD", UPD("bid", "x", "1"))),
		L2(4, EV("update", "BTC-USD", UPD("bid", "1", "-1"))),
		L2(5, EV("delta", "BTC-USD", UPD("bid", "1", "1"))),
		L2(6, EV("update", "XRP-USD", UPD("bid", "1", "1"))),
		L2(7, "{\"type\":\"update\",\"product_id\":\"BTC-USD\"}"),
		L2(8, "{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":[7]}"),
		L2(9, "7"),
		L2(10, ""),
		AT_HEAD("l2_data", 11) "}",
		"{\"channel\":\"l2_data\",\"sequence_num\":\"12\",\"events\":[]}",
		"{\"channel\":\"l2_data\",\"timestamp\":\"yesterday\",\"sequence_num\":13,"
		"\"events\":[" EV("update", "BTC-USD", UPD("bid", "1", "1")) "]}",
	};

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		l2_msg(bad[k]);
		CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
		CHECK(out.reason != NULL);
	}
	l2v.lv_cap = 2;
	l2_msg(L2(14,
		  EV("snapshot", "BTC-USD",
		     UPD("bid", "1", "1") "," UPD("bid", "2", "1") "," UPD("offer", "3", "1"))));
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK(strstr(out.reason, "more than 2") != NULL);
}

/* Resync texts and the heartbeats subscription on the first keepalive. */
static void test_l2_msgs(const struct feed_venue_ops *ops)
{
	char un[256], sub[256], buf[128];
	size_t unn = 0, subn = 0, n = 9;

	CHECK_EQ_INT(
		ops->book.resubscribe_msgs(&l2v, 1, un, sizeof(un), &unn, sub, sizeof(sub), &subn),
		0);
	CHECK_STR(un, "{\"type\":\"unsubscribe\",\"product_ids\":[\"ETH-USD\"],\"channel\":"
		      "\"level2\"}");
	CHECK_STR(sub, "{\"type\":\"subscribe\",\"product_ids\":[\"ETH-USD\"],\"channel\":"
		       "\"level2\"}");
	CHECK_EQ_INT(unn, strlen(un));
	CHECK_EQ_INT(subn, strlen(sub));
	CHECK_EQ_INT(ops->book.resubscribe_msgs(&l2v, 1, un, 10, &unn, sub, sizeof(sub), &subn),
		     -ENOBUFS);
	feed_venue_ctx_reset(&l2v);
	CHECK_EQ_INT(feed_venue_ping(&l2v, buf, sizeof(buf), &n, 1), 0);
	CHECK_STR(buf, "{\"type\":\"subscribe\",\"channel\":\"heartbeats\"}");
	CHECK_EQ_INT(n, strlen(buf));
	CHECK_EQ_INT(feed_venue_ping(&l2v, buf, sizeof(buf), &n, 2), 0);
	CHECK_EQ_INT(n, 0); /* then WebSocket pings */
	feed_venue_ctx_reset(&l2v);
	CHECK_EQ_INT(feed_venue_ping(&l2v, buf, sizeof(buf), &n, 3), 0);
	CHECK(n > 0); /* each connection subscribes again */
}

static void test_l2(void)
{
	const struct feed_venue_ops *ops = feed_venue_find("coinbase");
	char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USD", "ETH-USD"}, err[256];
	struct feed_session_config sc = session(syms, 2);

	CHECK_EQ_INT(ops->book.sync, FEED_SYNC_WS_PLAIN);
	CHECK_EQ_INT(ops->book.resubscribe, 1);
	CHECK(ops->book.rest_snapshot == NULL && ops->book.checksum == NULL);
	sc.channels = FEED_CH_L2;
	CHECK_EQ_INT(feed_venue_ctx_init(&l2v, ops, &sc, err, sizeof(err)), 0);
	test_l2_stream();
	test_l2_gap();
	test_l2_msgs(ops);
	test_l2_bad();
	feed_venue_ctx_free(&l2v);
}

int main(int argc, char **argv)
{
	char syms[3][MDBUS_SYMBOL_MAX] = {"BTC-USD", "ETH-USD", "SOL-USD"};
	struct feed_session_config sc = session(syms, 3);
	char err[256];
	uint32_t i;
	int msgs;

	if (argc < 2) {
		fprintf(stderr, "usage: test_coinbase data/coinbase.txt\n");
		return 1;
	}
	test_ops = *feed_venue_find("coinbase");
	test_ops.limits.streams_per_req = 2;
	CHECK_EQ_INT(feed_venue_ctx_init(&ctx, &test_ops, &sc, err, sizeof(err)), 0);
	for (i = 0; i < ctx.nsyms; i++)
		ctx.syms[i].instrument = 100 + i;
	out.ticks = ticks;
	out.cap = FEED_VENUE_TICKS_MIN;
	msgs = run_script(argv[1]);
	CHECK(msgs >= 60); /* the script really ran */
	CHECK_EQ_INT(ctx.st.msgs, (uint64_t)msgs);
	CHECK_EQ_INT(ctx.st.cls[FEED_MSG_DATA], 19);
	CHECK_EQ_INT(ctx.st.ticks, 19);
	CHECK_EQ_INT(ctx.st.cls[FEED_MSG_HEARTBEAT], 3);
	CHECK_EQ_INT(ctx.st.connections, 2);
	test_symbols();
	test_subscribe();
	test_reject_split();
	test_mutations();
	test_l2();
	feed_venue_ctx_free(&ctx);
	return feed_test_done("test_coinbase");
}
