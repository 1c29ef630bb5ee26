/* SPDX-License-Identifier: MIT */
/*
 * test_sim_venue.c: mdbus-sim's dialect interface (struct sim_dialect,
 * sim.h) driven for Binance (tools/sim/binance.c) with scripted requests, no
 * sockets: replies, the all-or-nothing subscribe, the exact 8-decimal
 * strings (byte for byte against the output of the dialect before it became
 * an interface), the badprecision fault, replay classification, the upgrade
 * paths and the combined-stream framing; and the shared venue state
 * (tools/sim/venue.c): symbol lookup, the reply list, the dialect table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

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

static const struct sim_dialect *const D = &sim_dialect_binance;

/* One request through the dialect: Binance answers every request with
 * exactly one reply, copied into reply; n = streams now subscribed. */
static int request(struct sim_venue *v, const char *msg, uint8_t *subs, char *reply, size_t len,
		   uint32_t *n)
{
	static struct sim_replies rep;
	int r;

	memset(&rep, 0, sizeof(rep));
	r = D->request(v, msg, strlen(msg), subs, &rep);
	CHECK(rep.n == 1 && rep.len[0] == strlen(sim_reply(&rep, 0)), "%u replies to %s", rep.n,
	      msg);
	snprintf(reply, len, "%s", sim_reply(&rep, 0));
	*n = sim_subs_count(subs);
	return r;
}

static int trade(struct sim_venue *v, uint32_t i, int64_t ms, int extra, char *buf, size_t len)
{
	return D->trade(v, i, ms, extra, 0, buf, len);
}

/* Returns the value of "key":"..." in a flat JSON object, copied into out. */
static int field(const char *json, const char *key, char *out, size_t len)
{
	char pat[32];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(json, pat);
	if (!p)
		return -ENOENT;
	p += strlen(pat);
	e = strchr(p, '"');
	if (!e || (size_t)(e - p) >= len)
		return -ENOSPC;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

/* "65000.12000000": digits, one dot, exactly `decimals` digits after it. */
static int exact_decimal(const char *s, size_t decimals)
{
	const char *dot = strchr(s, '.');
	size_t i;

	if (!dot || dot == s || strlen(dot + 1) != decimals)
		return 0;
	for (i = 0; s[i]; i++)
		if (s + i != dot && (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

static void test_fixed_symbols(void)
{
	static struct sim_venue v;
	uint8_t subs[SIM_MAX_SYMBOLS] = {0};
	char reply[1024], err[128];
	uint32_t n = 0;
	int r;

	r = sim_venue_init(&v, "BTC-USDT, ETH-USDT", 42, err, sizeof(err));
	CHECK(r == 0 && v.nsym == 2 && v.fixed, "init: %d %s", r, err);
	CHECK(strcmp(v.sym[0].native, "BTCUSDT") == 0, "native %s", v.sym[0].native);

	r = request(
		&v,
		"{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@trade\",\"ethusdt@bookTicker\"],"
		"\"id\":1}",
		subs, reply, sizeof(reply), &n);
	CHECK(r == 0 && strcmp(reply, "{\"result\":null,\"id\":1}") == 0 && n == 2, "ack %d %s", r,
	      reply);
	CHECK(subs[0] == SIM_STREAM_TRADE && subs[1] == SIM_STREAM_BBO, "subs %x %x", subs[0],
	      subs[1]);

	/* one bad symbol: error, and nothing of the request is applied */
	r = request(&v,
		    "{\"method\":\"SUBSCRIBE\",\"params\":[\"ethusdt@trade\",\"dogeusdt@trade\"],"
		    "\"id\":2}",
		    subs, reply, sizeof(reply), &n);
	CHECK(r < 0 && strcmp(reply,
			      "{\"error\":{\"code\":2,\"msg\":\"Invalid symbol\"},\"id\":2}") == 0,
	      "invalid symbol: %s", reply);
	CHECK(subs[1] == SIM_STREAM_BBO && n == 2, "a rejected request changed subs");

	r = request(&v, "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@kline_1m\"],\"id\":3}",
		    subs, reply, sizeof(reply), &n);
	CHECK(r < 0 && strstr(reply, "\"code\":2") && strstr(reply, "\"id\":3"), "bad stream: %s",
	      reply);

	r = request(&v, "{\"method\":\"SUBSCRIBE\",", subs, reply, sizeof(reply), &n);
	CHECK(r < 0 && strstr(reply, "\"code\":3"), "bad JSON: %s", reply);

	r = request(&v, "{\"method\":\"UNSUBSCRIBE\",\"params\":[\"btcusdt@trade\"],\"id\":\"x\"}",
		    subs, reply, sizeof(reply), &n);
	CHECK(r == 0 && strcmp(reply, "{\"result\":null,\"id\":\"x\"}") == 0 && subs[0] == 0 &&
		      n == 1,
	      "unsubscribe: %s", reply);

	r = request(&v, "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":5}", subs, reply, sizeof(reply),
		    &n);
	CHECK(r == 0 && strcmp(reply, "{\"result\":[\"ethusdt@bookTicker\"],\"id\":5}") == 0,
	      "list: %s", reply);
}

static void test_open_symbols(void)
{
	static struct sim_venue v;
	uint8_t subs[SIM_MAX_SYMBOLS] = {0};
	char reply[512], err[128];
	uint32_t n;
	int r;

	CHECK(sim_venue_init(&v, NULL, 1, err, sizeof(err)) == 0 && !v.fixed, "open init");
	r = request(&v, "{\"method\":\"SUBSCRIBE\",\"params\":[\"solusdt@trade\"],\"id\":1}", subs,
		    reply, sizeof(reply), &n);
	CHECK(r == 0 && v.nsym == 1 && strcmp(v.sym[0].native, "SOLUSDT") == 0,
	      "plausible symbol: %s", reply);
	r = request(&v, "{\"method\":\"SUBSCRIBE\",\"params\":[\"nonsense@trade\"],\"id\":2}", subs,
		    reply, sizeof(reply), &n);
	CHECK(r < 0 && strstr(reply, "Invalid symbol"), "implausible symbol: %s", reply);
	CHECK(sim_venue_symbol(&v, "solusdt", 7) == 0, "lookup");
}

static void test_events(void)
{
	static struct sim_venue v;
	char buf[1024], err[128], p[64], q[64], b[64], a[64];
	int64_t last_px = 0;
	int i, n, moved = 0;

	sim_venue_init(&v, "BTC-USDT", 7, err, sizeof(err));
	for (i = 0; i < 1000; i++) {
		last_px = v.sym[0].px;
		n = trade(&v, 0, 1700000000000, 0, buf, sizeof(buf));
		CHECK(n > 0 && (size_t)n == strlen(buf), "trade length");
		CHECK(field(buf, "p", p, sizeof(p)) == 0 && exact_decimal(p, 8), "price %s", p);
		CHECK(field(buf, "q", q, sizeof(q)) == 0 && exact_decimal(q, 8), "qty %s", q);
		CHECK(strstr(buf, "\"e\":\"trade\"") && strstr(buf, "\"s\":\"BTCUSDT\"") &&
			      strstr(buf, "\"T\":1700000000000") && strstr(buf, "\"M\":true"),
		      "trade fields: %s", buf);
		/* the walk moves at most 2 ticks (0.02) a step, and does move */
		{
			int64_t d = v.sym[0].px - last_px;
			CHECK(d >= -2000000 && d <= 2000000, "walk step %lld", (long long)d);
			moved += d != 0;
		}

		n = D->bbo(&v, 0, 0, buf, sizeof(buf));
		CHECK(n > 0, "bbo length");
		CHECK(field(buf, "b", b, sizeof(b)) == 0 && exact_decimal(b, 8) &&
			      field(buf, "a", a, sizeof(a)) == 0 && exact_decimal(a, 8),
		      "bbo %s", buf);
		CHECK(strtod(b, NULL) < strtod(a, NULL), "crossed: %s", buf);
	}
	CHECK(moved > 500, "the price walk hardly moves (%d of 1000)", moved);
	/* badprecision: 12 decimals, last one non-zero */
	n = trade(&v, 0, 1, 4, buf, sizeof(buf));
	CHECK(n > 0 && field(buf, "p", p, sizeof(p)) == 0 && exact_decimal(p, 12) &&
		      p[strlen(p) - 1] != '0',
	      "badprecision price %s", p);
	/* too small a buffer is an error, never a truncated message */
	CHECK(trade(&v, 0, 1, 0, buf, 20) == -ENOSPC, "ENOSPC");
}

static void test_classify(void)
{
	static struct sim_venue v;
	char err[64];
	uint8_t kind;
	const char *t = "{\"e\":\"trade\",\"s\":\"ETHUSDT\",\"p\":\"1\"}";
	const char *bb =
		"{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"1\",\"a\":\"2\",\"A\":\"1\"}";

	sim_venue_init(&v, "BTC-USDT,ETH-USDT", 1, err, sizeof(err));
	CHECK(D->classify(&v, t, strlen(t), &kind) == 1 && kind == SIM_STREAM_TRADE,
	      "trade kind %u", kind);
	CHECK(D->classify(&v, bb, strlen(bb), &kind) == 0 && kind == SIM_STREAM_BBO, "bbo kind %u",
	      kind);
	CHECK(D->classify(&v, "{garbage", 8, &kind) < 0 && kind == 0, "garbage");
}

/* The exact bytes of the dialect before the interface (same seed, same
 * calls): a re-cut must not change one digit of what the feed is fed. */
static void test_golden(void)
{
	static struct sim_venue v;
	char buf[1024], err[64];

	sim_venue_init(&v, "BTC-USDT,ETH-USDT", 7, err, sizeof(err));
	CHECK(D->trade(&v, 0, 1700000000000, 0, 0, buf, sizeof(buf)) > 0 &&
		      strcmp(buf, "{\"e\":\"trade\",\"E\":1700000000000,\"s\":\"BTCUSDT\","
				  "\"t\":1430899,\"p\":\"65000.14000000\",\"q\":\"0.75922000\","
				  "\"T\":1700000000000,\"m\":false,\"M\":true}") == 0,
	      "trade %s", buf);
	CHECK(D->bbo(&v, 1, 0, buf, sizeof(buf)) > 0 &&
		      strcmp(buf, "{\"u\":5332777,\"s\":\"ETHUSDT\",\"b\":\"3500.48000000\","
				  "\"B\":\"4.51317000\",\"a\":\"3500.49000000\","
				  "\"A\":\"0.48076000\"}") == 0,
	      "bbo %s", buf);
	/* --numbered: the id asked for, the symbol's own counter untouched */
	CHECK(D->trade(&v, 1, 1700000000001, 0, 99, buf, sizeof(buf)) > 0 &&
		      strcmp(buf, "{\"e\":\"trade\",\"E\":1700000000001,\"s\":\"ETHUSDT\","
				  "\"t\":99,\"p\":\"3500.47000000\",\"q\":\"0.45032000\","
				  "\"T\":1700000000001,\"m\":false,\"M\":true}") == 0,
	      "numbered trade %s", buf);
	CHECK(D->trade(&v, 0, 1, 4, 0, buf, sizeof(buf)) > 0 &&
		      strcmp(buf, "{\"e\":\"trade\",\"E\":1,\"s\":\"BTCUSDT\",\"t\":1430900,"
				  "\"p\":\"65000.120000000007\",\"q\":\"0.37656000\",\"T\":1,"
				  "\"m\":true,\"M\":true}") == 0,
	      "badprecision trade %s", buf);
	CHECK(D->bbo(&v, 0, 0, buf, sizeof(buf)) > 0 &&
		      strcmp(buf, "{\"u\":5518760,\"s\":\"BTCUSDT\",\"b\":\"65000.12000000\","
				  "\"B\":\"2.88942000\",\"a\":\"65000.14000000\","
				  "\"A\":\"1.03927000\"}") == 0,
	      "bbo %s", buf);
}

/* The upgrade paths Binance serves, the streams they name, the mode. */
static void test_route(void)
{
	static struct sim_venue v;
	uint8_t subs[SIM_MAX_SYMBOLS] = {0};
	char err[64];
	int mode = -1;

	sim_venue_init(&v, "BTC-USDT,ETH-USDT", 1, err, sizeof(err));
	CHECK(sim_dialect_route(D, &v, "/ws", subs, &mode) == 0 && mode == 0 &&
		      sim_subs_count(subs) == 0,
	      "/ws mode %d", mode);
	CHECK(sim_dialect_route(D, &v, "/stream", subs, &mode) == 0 && mode != 0, "/stream mode %d",
	      mode);
	CHECK(sim_dialect_route(D, &v, "/ws/btcusdt@trade/ethusdt@bookTicker", subs, &mode) == 0 &&
		      mode == 0 && subs[0] == SIM_STREAM_TRADE && subs[1] == SIM_STREAM_BBO,
	      "/ws/streams %x %x", subs[0], subs[1]);
	memset(subs, 0, sizeof(subs));
	CHECK(sim_dialect_route(D, &v, "/stream?streams=ethusdt@trade", subs, &mode) == 0 &&
		      mode != 0 && subs[1] == SIM_STREAM_TRADE && subs[0] == 0,
	      "/stream?streams= %x", subs[1]);
	CHECK(sim_dialect_route(D, &v, "/ws/dogeusdt@trade", subs, &mode) == 400,
	      "unknown stream in path");
	CHECK(sim_dialect_route(D, &v, "/ws/BTCUSDT@trade", subs, &mode) == 400,
	      "upper-case stream");
	CHECK(sim_dialect_route(D, &v, "/v5/public/spot", subs, &mode) == 404, "foreign path");
	CHECK(sim_dialect_route(D, &v, "/public", subs, &mode) == 404 &&
		      sim_dialect_route(D, &v, "/private/ws", subs, &mode) == 404,
	      "routed prefix without a stream path");
	CHECK(sim_dialect_route(D, &v, "/market/ws", subs, &mode) == 0 && mode == 0 &&
		      sim_dialect_route(D, &v, "/public/stream", subs, &mode) == 0 && mode != 0,
	      "futures routed endpoints");
	CHECK(subs[1] == SIM_STREAM_TRADE && subs[0] == 0, "a refused path changed subs");
}

/* Combined streams wrap events, never replies; plain connections send the
 * event as it is (hook returns 0). */
static void test_frame(void)
{
	static struct sim_venue v;
	struct sim_buf out = {0};
	char err[64];
	const char *ev = "{\"e\":\"trade\"}";
	uint8_t op = 0;
	int mode = 0;
	uint8_t subs[SIM_MAX_SYMBOLS] = {0};

	sim_venue_init(&v, "ETH-USDT", 1, err, sizeof(err));
	sim_dialect_route(D, &v, "/stream", subs, &mode);
	CHECK(D->frame(&v, mode, 0, SIM_STREAM_TRADE, ev, strlen(ev), &out, &op) == 1 &&
		      op == WSLAY_TEXT_FRAME && out.len == strlen(ev) + 34 &&
		      memcmp(out.p + out.off,
			     "{\"stream\":\"ethusdt@trade\",\"data\":{\"e\":\"trade\"}}",
			     out.len) == 0,
	      "combined frame (%zu bytes)", out.len);
	sim_buf_free(&out);
	CHECK(D->frame(&v, mode, 0, SIM_STREAM_BBO, ev, strlen(ev), &out, &op) == 1 &&
		      memmem(out.p + out.off, out.len, "\"ethusdt@bookTicker\"", 20) != NULL,
	      "combined bbo");
	sim_buf_free(&out);
	CHECK(D->frame(&v, mode, -1, 0, ev, strlen(ev), &out, &op) == 0 && out.len == 0,
	      "a reply is never wrapped");
	CHECK(D->frame(&v, 0, 0, SIM_STREAM_TRADE, ev, strlen(ev), &out, &op) == 0 && out.len == 0,
	      "plain connection");
	CHECK(D->ping == NULL, "Binance keeps alive with WebSocket pings");
}

/* venue.c: the dialect table, the reply list, names in any spelling. */
static void test_shared(void)
{
	static struct sim_venue v;
	static struct sim_replies r;
	char err[64], names[128];
	int k = 0;

	CHECK(sim_dialect_find("binance") == D && sim_dialect_find("nasdaq") == NULL, "find");
	for (k = 0; sim_dialect_get((size_t)k); k++)
		CHECK(sim_dialect_get((size_t)k)->request && sim_dialect_get((size_t)k)->trade &&
			      sim_dialect_get((size_t)k)->bbo &&
			      sim_dialect_get((size_t)k)->classify &&
			      sim_dialect_get((size_t)k)->paths,
		      "dialect %d lacks a required hook", k);
	CHECK(k >= 1 && sim_dialect_get(0) == D, "table of %d", k);
	k = 0;
	sim_dialect_names(names, sizeof(names));
	CHECK(strstr(names, "binance") != NULL, "names %s", names);
	while (sim_reply_add(&r, "{\"id\":%d}", k) == 0)
		k++;
	CHECK(k == SIM_REPLIES_MAX && r.n == SIM_REPLIES_MAX &&
		      strcmp(sim_reply(&r, 3), "{\"id\":3}") == 0 && r.len[3] == 8,
	      "replies %d", k);
	sim_venue_init(&v, "BTC-USDT", 1, err, sizeof(err));
	CHECK(strcmp(v.sym[0].norm, "BTC-USDT") == 0, "norm %s", v.sym[0].norm);
	CHECK(sim_venue_symbol(&v, "BTC-USDT", 8) == 0 && sim_venue_symbol(&v, "BTCUSDT", 7) == 0 &&
		      sim_venue_symbol(&v, "btc_usdt", 8) == 0,
	      "spellings");
	sim_venue_init(&v, NULL, 1, err, sizeof(err));
	CHECK(sim_venue_symbol(&v, "solusdc", 7) == 0 && strcmp(v.sym[0].norm, "SOL-USDC") == 0,
	      "open symbol norm %s", v.sym[0].norm);
}

int main(void)
{
	test_golden();
	test_route();
	test_frame();
	test_shared();
	test_fixed_symbols();
	test_open_symbols();
	test_events();
	test_classify();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	return 0;
}
