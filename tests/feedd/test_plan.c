/* SPDX-License-Identifier: MIT */
/*
 * test_plan.c: the connection planner (feed_venue_plan) on a made-up
 * venue: routes (channels on other paths), streams per connection (the
 * venue's limit, lowered but never raised by the session's
 * streams_per_conn), a symbol's streams kept together, a channel each when
 * one symbol exceeds the limit, the connection cap; and the per-connection
 * venue ctx built from a plan entry (its symbols, channels, connection
 * index, its own subscription requests).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "helpers.h"
#include "venue.h"

static int fake_native(const char *norm, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; norm[i] && norm[i] != '-'; i++) {
		if (o + 1 >= len)
			return -ENAMETOOLONG;
		out[o++] = norm[i];
	}
	out[o] = '\0';
	return 0;
}

/* "SYM.t,SYM.b,..." */
static int fake_subscribe(struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			  uint64_t req_id, char *buf, size_t len, size_t *out_len)
{
	size_t o = 0;

	(void)req_id;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t sym, ch;
		int k;

		feed_venue_stream(v, streams[i], &sym, &ch);
		k = snprintf(buf + o, len - o, "%s%s.%c", i ? "," : "", v->syms[sym].native,
			     ch == FEED_CH_TRADES ? 't' : 'b');
		if (k < 0 || (size_t)k >= len - o)
			return -ENOBUFS;
		o += (size_t)k;
	}
	*out_len = o;
	return 0;
}

static int fake_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			   int64_t recv_ns, struct feed_venue_out *out)
{
	(void)p;
	(void)n;
	(void)binary;
	(void)recv_ns;
	feed_venue_error(v, out, UINT32_MAX, "no messages here");
	return 0;
}

static struct feed_venue_ops fake_ops(void)
{
	struct feed_venue_ops ops = {
		.name = "fake",
		.default_url = "wss://fake.example/ws",
		.channels = FEED_CH_TRADES | FEED_CH_BBO,
		.markets = 1u << MDBUS_MARKET_SPOT,
		.price_decimals = 2,
		.qty_decimals = 3,
		.native_symbol = fake_native,
		.subscribe = fake_subscribe,
		.on_message = fake_on_message,
	};
	return ops;
}

static char syms[5][MDBUS_SYMBOL_MAX] = {"A-USD", "B-USD", "C-USD", "D-USD", "E-USD"};

static struct feed_session_config fake_sc(size_t nsyms, uint32_t channels)
{
	struct feed_session_config sc;

	memset(&sc, 0, sizeof(sc));
	sc.symbols = syms;
	sc.nsymbols = nsyms;
	sc.channels = channels;
	sc.price_decimals = sc.qty_decimals = sc.qty_unit = -1;
	return sc;
}

#define BOTH (FEED_CH_TRADES | FEED_CH_BBO)

static void check_conn(const struct feed_venue_conn_plan *p, uint32_t ch, uint32_t first,
		       uint32_t count, const char *path, int line)
{
	if (p->channels != ch || p->sym_first != first || p->sym_count != count ||
	    p->streams != count * (uint32_t)__builtin_popcount(ch) ||
	    !(p->path == path || (p->path && path && strcmp(p->path, path) == 0))) {
		fprintf(stderr,
			"test_plan.c:%d: conn {ch %u, first %u, count %u, streams %u, path %s}, "
			"expected {%u, %u, %u, %s}\n",
			line, p->channels, p->sym_first, p->sym_count, p->streams,
			p->path ? p->path : "-", ch, first, count, path ? path : "-");
		feed_test_failures++;
	}
}
#define CONN(p, ch, first, count, path) check_conn(p, ch, first, count, path, __LINE__)

/* No limit, no route: one connection for everything. */
static void test_one(void)
{
	struct feed_venue_ops ops = fake_ops();
	struct feed_session_config sc = fake_sc(5, BOTH);
	struct feed_venue_conn_plan p[4];

	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, p, 4), 1);
	CONN(&p[0], BOTH, 0, 5, NULL);
	ops.limits.streams_per_conn = 10; /* exactly at the limit */
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, p, 4), 1);
	CONN(&p[0], BOTH, 0, 5, NULL);
}

/* The limit cuts the symbols into runs; a symbol's two streams stay on
 * one connection (6 per connection = 3 symbols, not 3 symbols and a half). */
static void test_limits(void)
{
	struct feed_venue_ops ops = fake_ops();
	struct feed_session_config sc = fake_sc(5, BOTH);
	struct feed_venue_conn_plan p[8];

	ops.limits.streams_per_conn = 6;
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, p, 8), 2);
	CONN(&p[0], BOTH, 0, 3, NULL);
	CONN(&p[1], BOTH, 3, 2, NULL);
	/* 7 is not a multiple of 2 channels: still whole symbols (3). */
	ops.limits.streams_per_conn = 7;
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, p, 8), 2);
	CONN(&p[1], BOTH, 3, 2, NULL);
	/* The sizing call (cap 0) gives the same count and writes nothing. */
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, NULL, 0), 2);
	/* The session's streams_per_conn lowers the venue's limit ... */
	ops.limits.streams_per_conn = 1024;
	sc.streams_per_conn = 4;
	CHECK_EQ_INT(feed_venue_conn_limit(&ops, &sc), 4);
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, p, 8), 3);
	CONN(&p[0], BOTH, 0, 2, NULL);
	CONN(&p[1], BOTH, 2, 2, NULL);
	CONN(&p[2], BOTH, 4, 1, NULL);
	/* ... and never raises it. */
	ops.limits.streams_per_conn = 4;
	sc.streams_per_conn = 100;
	CHECK_EQ_INT(feed_venue_conn_limit(&ops, &sc), 4);
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, p, 8), 3);
	/* A venue without a limit takes the session's. */
	ops.limits.streams_per_conn = 0;
	sc.streams_per_conn = 2;
	CHECK_EQ_INT(feed_venue_conn_limit(&ops, &sc), 2);
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, p, 8), 5);
	CONN(&p[4], BOTH, 4, 1, NULL);
	/* One channel: one stream per symbol. */
	sc = fake_sc(5, FEED_CH_BBO);
	sc.streams_per_conn = 2;
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, p, 8), 3);
	CONN(&p[2], FEED_CH_BBO, 4, 1, NULL);
}

/* A symbol's streams alone exceed the limit: a connection per channel. */
static void test_split_channels(void)
{
	struct feed_venue_ops ops = fake_ops();
	struct feed_session_config sc = fake_sc(3, BOTH);
	struct feed_venue_conn_plan p[8];

	ops.limits.streams_per_conn = 1;
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, p, 8), 6);
	CONN(&p[0], FEED_CH_TRADES, 0, 1, NULL);
	CONN(&p[2], FEED_CH_TRADES, 2, 1, NULL);
	CONN(&p[3], FEED_CH_BBO, 0, 1, NULL);
	CONN(&p[5], FEED_CH_BBO, 2, 1, NULL);
}

/* Routes first (Binance USD-M: trades on /market, BBO on /public), then
 * the limit within each route. */
static void test_routes(void)
{
	struct feed_venue_ops ops = fake_ops();
	struct feed_session_config sc = fake_sc(5, BOTH);
	struct feed_venue_conn_plan p[8];

	ops.channel_path[0] = "/market/ws";
	ops.channel_path[1] = "/public/ws";
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, p, 8), 2);
	CONN(&p[0], FEED_CH_TRADES, 0, 5, "/market/ws");
	CONN(&p[1], FEED_CH_BBO, 0, 5, "/public/ws");
	ops.limits.streams_per_conn = 2;
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, p, 8), 6);
	CONN(&p[0], FEED_CH_TRADES, 0, 2, "/market/ws");
	CONN(&p[2], FEED_CH_TRADES, 4, 1, "/market/ws");
	CONN(&p[3], FEED_CH_BBO, 0, 2, "/public/ws");
	CONN(&p[5], FEED_CH_BBO, 4, 1, "/public/ws");
	/* A session of one routed channel: one route. */
	sc = fake_sc(5, FEED_CH_BBO);
	ops.limits.streams_per_conn = 0;
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, p, 8), 1);
	CONN(&p[0], FEED_CH_BBO, 0, 5, "/public/ws");
	/* Equal paths (different pointers) are one route. */
	sc = fake_sc(5, BOTH);
	ops.channel_path[0] = "/x";
	ops.channel_path[1] = (const char[]){"/x"};
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, p, 8), 1);
	CONN(&p[0], BOTH, 0, 5, "/x");
	/* One routed channel, the other on the URL's path. */
	ops.channel_path[1] = NULL;
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, p, 8), 2);
	CONN(&p[0], FEED_CH_TRADES, 0, 5, "/x");
	CONN(&p[1], FEED_CH_BBO, 0, 5, NULL);
}

static void test_refused(void)
{
	struct feed_venue_ops ops = fake_ops();
	struct feed_session_config sc = fake_sc(5, BOTH);

	sc.channels = 0;
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, NULL, 0), -EINVAL);
	sc = fake_sc(0, BOTH);
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, NULL, 0), -EINVAL);
	/* 4097 connections: beyond FEED_VENUE_CONNS_MAX (names are not read). */
	sc = fake_sc(FEED_VENUE_CONNS_MAX + 1, FEED_CH_TRADES);
	sc.streams_per_conn = 1;
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, NULL, 0), -E2BIG);
	sc = fake_sc(FEED_VENUE_CONNS_MAX, FEED_CH_TRADES);
	sc.streams_per_conn = 1;
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, NULL, 0), (int)FEED_VENUE_CONNS_MAX);
}

/* Each planned connection's own ctx: its symbols (native names, the
 * config's order), channels, connection index, and subscriptions of its
 * streams only. */
static void test_ctx_conn(void)
{
	struct feed_venue_ops ops = fake_ops();
	struct feed_session_config sc = fake_sc(5, BOTH);
	struct feed_venue_conn_plan p[8];
	struct feed_venue_ctx v;
	char err[128], buf[256];
	size_t n = 0;
	uint32_t i;

	ops.channel_path[0] = "/market/ws";
	ops.channel_path[1] = "/public/ws";
	sc.streams_per_conn = 2;
	CHECK_EQ_INT(feed_venue_plan(&ops, &sc, p, 8), 6);
	CHECK_EQ_INT(feed_venue_ctx_init_conn(&v, &ops, &sc, &p[4], 4, 2, err, sizeof(err)), 0);
	if (v.ops) {
		CHECK_EQ_INT(v.nsyms, 2);
		CHECK_EQ_INT(v.channels, FEED_CH_BBO);
		CHECK_EQ_INT(v.nstreams, 2);
		CHECK_STR(v.syms[0].norm, "C-USD");
		CHECK_STR(v.syms[1].native, "D");
		CHECK_EQ_INT(v.streams[1].conn, 4);
		CHECK_EQ_INT(feed_venue_lookup(&v, "A", 1, &i), -ENOENT); /* another conn's */
		CHECK_EQ_INT(feed_venue_lookup(&v, "D", 1, &i), 0);
		CHECK_EQ_INT(i, 1);
		feed_venue_ctx_reset(&v);
		CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, sizeof(buf), &n), 1);
		buf[n] = '\0';
		CHECK_STR(buf, "C.b,D.b");
		CHECK_EQ_INT(v.reqs[0].conn, 4);
		CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, sizeof(buf), &n), 0);
		feed_venue_ctx_free(&v);
	}
	/* A plan entry over the bound is refused (the planner never makes one). */
	CHECK_EQ_INT(feed_venue_ctx_init_conn(&v, &ops, &sc, &p[4], 4, 1, err, sizeof(err)),
		     -E2BIG);
	CHECK_STR(err, "2 streams exceed fake's limit of 1 per connection");
	/* An entry past the config's symbols is caller misuse. */
	p[5].sym_count = 3;
	CHECK_EQ_INT(feed_venue_ctx_init_conn(&v, &ops, &sc, &p[5], 5, 0, err, sizeof(err)),
		     -EINVAL);
}

/* The real venues' limits: MEXC's 30 subscriptions per connection spread 16
 * symbols over two connections (15 symbols' 30 streams, then 1 symbol);
 * Binance USD-M's two routes give two connections of every symbol. */
static void test_venues(void)
{
	static char many[16][MDBUS_SYMBOL_MAX];
	const struct feed_venue_ops *mexc = feed_venue_find("mexc");
	const struct feed_venue_ops *bnf = feed_venue_find("binance-futures");
	struct feed_session_config sc = fake_sc(16, BOTH);
	struct feed_venue_conn_plan p[4];

	for (int i = 0; i < 16; i++)
		snprintf(many[i], sizeof(many[i]), "C%d-USDT", i);
	sc.symbols = many;
	CHECK(mexc != NULL && bnf != NULL);
	CHECK_EQ_INT(mexc->limits.streams_per_conn, 30);
	CHECK_EQ_INT(feed_venue_plan(mexc, &sc, p, 4), 2);
	CONN(&p[0], BOTH, 0, 15, NULL);
	CONN(&p[1], BOTH, 15, 1, NULL);
	for (int i = 0; i < 3; i++)
		snprintf(many[i], sizeof(many[i]), "C%d-USDT-PERP", i);
	sc.nsymbols = 3;
	CHECK_EQ_INT(feed_venue_plan(bnf, &sc, p, 4), 2);
	CONN(&p[0], FEED_CH_TRADES, 0, 3, "/market/ws");
	CONN(&p[1], FEED_CH_BBO, 0, 3, "/public/ws");
}

int main(void)
{
	test_one();
	test_limits();
	test_split_channels();
	test_routes();
	test_refused();
	test_ctx_conn();
	test_venues();
	return feed_test_done("test_plan");
}
