/* SPDX-License-Identifier: MIT */
/*
 * test_sim_venue.c: mdbus-sim's Binance dialect (tools/sim/binance.c) with
 * scripted requests, no sockets: replies, the all-or-nothing subscribe, the
 * exact 8-decimal strings, the badprecision fault, replay classification.
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

static int request(struct sim_venue *v, const char *msg, uint8_t *subs, char *reply, size_t len,
		   uint32_t *n)
{
	return sim_venue_request(v, msg, strlen(msg), subs, reply, len, n);
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

	r = request(&v, "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@depth\"],\"id\":3}", subs,
		    reply, sizeof(reply), &n);
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
		n = sim_venue_trade(&v, 0, 1700000000000, 0, buf, sizeof(buf));
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

		n = sim_venue_bbo(&v, 0, buf, sizeof(buf));
		CHECK(n > 0, "bbo length");
		CHECK(field(buf, "b", b, sizeof(b)) == 0 && exact_decimal(b, 8) &&
			      field(buf, "a", a, sizeof(a)) == 0 && exact_decimal(a, 8),
		      "bbo %s", buf);
		CHECK(strtod(b, NULL) < strtod(a, NULL), "crossed: %s", buf);
	}
	CHECK(moved > 500, "the price walk hardly moves (%d of 1000)", moved);
	/* badprecision: 12 decimals, last one non-zero */
	n = sim_venue_trade(&v, 0, 1, 4, buf, sizeof(buf));
	CHECK(n > 0 && field(buf, "p", p, sizeof(p)) == 0 && exact_decimal(p, 12) &&
		      p[strlen(p) - 1] != '0',
	      "badprecision price %s", p);
	/* too small a buffer is an error, never a truncated message */
	CHECK(sim_venue_trade(&v, 0, 1, 0, buf, 20) == -ENOSPC, "ENOSPC");
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
	CHECK(sim_venue_classify(&v, t, strlen(t), &kind) == 1 && kind == SIM_STREAM_TRADE,
	      "trade kind %u", kind);
	CHECK(sim_venue_classify(&v, bb, strlen(bb), &kind) == 0 && kind == SIM_STREAM_BBO,
	      "bbo kind %u", kind);
	CHECK(sim_venue_classify(&v, "{garbage", 8, &kind) < 0 && kind == 0, "garbage");
}

int main(void)
{
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
