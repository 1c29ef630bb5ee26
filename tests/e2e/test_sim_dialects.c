/* SPDX-License-Identifier: MIT */
/*
 * test_sim_dialects.c: mdbus-sim's venue dialects other than Binance
 * (tools/sim/coinbase.c, kraken.c, okx.c; test_sim_venue.c has Binance),
 * table-driven, no sockets: upgrade paths, subscribe / unsubscribe / reject
 * scripts with the venue's answers (per request, per symbol, per arg) and
 * snapshots, the client's app-level ping, the exact bytes of a trade and a
 * BBO (the documented shapes of docs/venues/NAME.md), the side each venue
 * prints against the taker side --record writes, and the heartbeats.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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

/* One request of a script and what must come of it. */
struct step {
	const char *req;
	int want_r;	   /* 0, SIM_REQ_PING or < 0 (any error) */
	uint32_t replies;  /* answers + snapshots */
	uint32_t data;	   /* of which data messages (snapshots) */
	const char *first; /* substring of the first reply */
	const char *last;  /* substring of the last reply (NULL: not checked) */
	uint32_t streams;  /* data streams subscribed afterwards */
};

#define STEPS_MAX 8

struct dialect_case {
	const char *name;
	const char *path, *bad_path;
	struct step steps[STEPS_MAX];
	/* seed 7, symbols BTC-USDT,ETH-USDT, time 1700000000123: a trade of
	 * BTC-USDT, then a BBO of ETH-USDT */
	const char *trade, *bbo;
	const char *side_path; /* where the trade's side is ("data/0/side") */
	int side_is_maker;     /* Coinbase: the maker's side */
	const char *beat;      /* substring of a heartbeat while subscribed */
	const char *hello;     /* the greeting of a new connection, or NULL */
};

static const struct dialect_case cases[] = {
	{
		.name = "coinbase",
		.path = "/",
		.bad_path = "/ws",
		.steps =
			{
				{"{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USDT\"],"
				 "\"channels\":[\"matches\",{\"name\":\"ticker\",\"product_ids\":"
				 "[\"ETH-USDT\"]},\"heartbeat\"]}",
				 0, 2, 1,
				 "{\"type\":\"subscriptions\",\"channels\":[{\"name\":\"matches\","
				 "\"product_ids\":[\"BTC-USDT\"]},{\"name\":\"ticker\",\"product_"
				 "ids\":"
				 "[\"ETH-USDT\"]},{\"name\":\"heartbeat\",\"product_ids\":"
				 "[\"BTC-USDT\"]}]}",
				 "{\"type\":\"last_match\",", 2},
				{"{\"type\":\"subscribe\",\"channels\":[{\"name\":\"matches\","
				 "\"product_ids\":[\"ETH-USDT\",\"DOGE-XYZ\"]}]}",
				 -1, 1, 0,
				 "{\"type\":\"error\",\"message\":\"Failed to "
				 "subscribe\",\"reason\":"
				 "\"DOGE-XYZ is not a valid product\"}",
				 NULL, 2},
				{"{\"type\":\"subscribe\",\"channels\":[\"level2\"],\"product_"
				 "ids\":"
				 "[\"BTC-USDT\"]}",
				 -1, 1, 0, "level2 is not a valid channel", NULL, 2},
				{"{\"type\":\"unsubscribe\",\"channels\":[\"matches\"]}", 0, 1, 0,
				 "{\"type\":\"subscriptions\",\"channels\":[{\"name\":\"ticker\","
				 "\"product_ids\":"
				 "[\"ETH-USDT\"]},{\"name\":\"heartbeat\"",
				 NULL, 1},
				{"{\"type\":\"subscribe\",\"channels\":[{\"name\":\"matches\","
				 "\"product_ids\":[\"BTC-USDT\",\"ETH-USDT\"]}]}",
				 0, 3, 2, "{\"type\":\"subscriptions\"", "\"ETH-USDT\"", 3},
				{"nonsense", -1, 1, 0, "{\"type\":\"error\"", NULL, 3},
			},
		.trade = "{\"type\":\"match\",\"trade_id\":1430899,\"sequence\":300755933,"
			 "\"maker_order_id\":\"9932fc9f-d621-4a5a-a879-3ecbba3a2d0a\","
			 "\"taker_order_id\":\"fafb82e6-56d7-4e45-ab12-2d074db3b8dd\","
			 "\"time\":\"2023-11-14T22:13:20.123000Z\",\"product_id\":\"BTC-USDT\","
			 "\"size\":\"0.75922\",\"price\":\"65000.14\",\"side\":\"sell\"}",
		.bbo = "{\"type\":\"ticker\",\"sequence\":300188800,\"product_id\":\"ETH-USDT\","
		       "\"price\":\"3500.49\",\"open_24h\":\"3500.49\",\"volume_24h\":\"12345."
		       "6789\","
		       "\"low_24h\":\"3500.48\",\"high_24h\":\"3500.49\",\"volume_30d\":"
		       "\"370370.367\",\"best_bid\":\"3500.48\",\"best_bid_size\":\"4.51317\","
		       "\"best_ask\":\"3500.49\",\"best_ask_size\":\"0.48076\",\"side\":\"buy\","
		       "\"time\":\"2023-11-14T22:13:20.123000Z\",\"trade_id\":1719014,"
		       "\"last_size\":\"0.01\"}",
		.side_path = "side",
		.side_is_maker = 1,
		.beat = "{\"type\":\"heartbeat\",\"sequence\":",
	},
	{
		.name = "kraken",
		.path = "/v2",
		.bad_path = "/",
		.steps =
			{
				{"{\"method\":\"subscribe\",\"params\":{\"channel\":\"trade\","
				 "\"symbol\":"
				 "[\"BTC/USDT\",\"DOGE/XYZ\"],\"snapshot\":false},\"req_id\":7}",
				 0, 2, 0,
				 "{\"method\":\"subscribe\",\"result\":{\"channel\":\"trade\","
				 "\"snapshot\":false,\"symbol\":\"BTC/USDT\"},\"success\":true,",
				 "{\"error\":\"Currency pair not supported DOGE/XYZ\",\"method\":"
				 "\"subscribe\",\"success\":false,\"symbol\":\"DOGE/XYZ\"",
				 1},
				{"{\"method\":\"subscribe\",\"params\":{\"channel\":\"ticker\","
				 "\"symbol\":"
				 "[\"ETH/USDT\"],\"event_trigger\":\"bbo\",\"snapshot\":true},"
				 "\"req_id\":8}",
				 0, 2, 1,
				 "{\"method\":\"subscribe\",\"result\":{\"channel\":\"ticker\","
				 "\"event_trigger\":\"bbo\",\"snapshot\":true,\"symbol\":\"ETH/"
				 "USDT\"}",
				 "{\"channel\":\"ticker\",\"type\":\"snapshot\",\"data\":[{"
				 "\"symbol\":"
				 "\"ETH/USDT\"",
				 2},
				{"{\"method\":\"ping\",\"req_id\":9}", SIM_REQ_PING, 1, 0,
				 "{\"method\":\"pong\",", "\"req_id\":9}", 2},
				{"{\"method\":\"subscribe\",\"params\":{\"channel\":\"level3\","
				 "\"symbol\":"
				 "[\"BTC/USDT\"]},\"req_id\":10}",
				 -1, 1, 0, "\"success\":false", NULL, 2},
				{"{\"method\":\"unsubscribe\",\"params\":{\"channel\":\"trade\","
				 "\"symbol\":[\"BTC/USDT\"]},\"req_id\":11}",
				 0, 1, 0,
				 "{\"method\":\"unsubscribe\",\"result\":{\"channel\":\"trade\"",
				 "\"req_id\":11}", 1},
			},
		.trade = "{\"channel\":\"trade\",\"type\":\"update\",\"data\":[{\"symbol\":\"BTC/"
			 "USDT\","
			 "\"side\":\"buy\",\"price\":65000.14,\"qty\":0.75922,\"ord_type\":"
			 "\"market\","
			 "\"trade_id\":1430899,\"timestamp\":\"2023-11-14T22:13:20.123000Z\"}]}",
		.bbo = "{\"channel\":\"ticker\",\"type\":\"update\",\"data\":[{\"symbol\":\"ETH/"
		       "USDT\","
		       "\"bid\":3500.48,\"bid_qty\":4.51317,\"ask\":3500.49,\"ask_qty\":0.48076,"
		       "\"last\":3500.49,\"volume\":1234.5678,\"vwap\":3500.49,\"low\":3500.49,"
		       "\"high\":3500.49,\"change\":0.0,\"change_pct\":0.0,\"timestamp\":"
		       "\"2023-11-14T22:13:20.123000Z\"}]}",
		.side_path = "data/0/side",
		.side_is_maker = 0,
		.beat = "{\"channel\":\"heartbeat\"}",
		.hello = "{\"channel\":\"status\",\"data\":[{\"api_version\":\"v2\","
			 "\"connection_id\":",
	},
	{
		.name = "okx",
		.path = "/ws/v5/public",
		.bad_path = "/ws/v5/business",
		.steps =
			{
				{"{\"id\":\"1512\",\"op\":\"subscribe\",\"args\":[{\"channel\":"
				 "\"trades\",\"instId\":\"BTC-USDT\"},{\"channel\":\"bbo-tbt\","
				 "\"instId\":\"ETH-USDT\"}]}",
				 0, 3, 1,
				 "{\"id\":\"1512\",\"event\":\"subscribe\",\"arg\":{\"channel\":"
				 "\"trades\",\"instId\":\"BTC-USDT\"},\"connId\":\"a4d3ae55\"}",
				 "{\"arg\":{\"channel\":\"bbo-tbt\",\"instId\":\"ETH-USDT\"},"
				 "\"data\":"
				 "[{\"asks\":[[",
				 2},
				{"{\"id\":\"2\",\"op\":\"subscribe\",\"args\":[{\"channel\":"
				 "\"trades\","
				 "\"instId\":\"ETH-USDT\"},{\"channel\":\"trades\",\"instId\":"
				 "\"BTC-XYZ\"}]}",
				 -1, 1, 0,
				 "{\"id\":\"2\",\"event\":\"error\",\"code\":\"60018\",\"msg\":"
				 "\"Wrong "
				 "URL or channel:trades,instId:BTC-XYZ doesn't exist.",
				 NULL, 2},
				{"ping", SIM_REQ_PING, 1, 0, "pong", NULL, 2},
				{"{\"op\":\"unsubscribe\",\"args\":[{\"channel\":\"bbo-tbt\","
				 "\"instId\":"
				 "\"ETH-USDT\"}]}",
				 0, 1, 0,
				 "{\"event\":\"unsubscribe\",\"arg\":{\"channel\":\"bbo-tbt\","
				 "\"instId\":\"ETH-USDT\"}",
				 NULL, 1},
				{"{\"op\":\"login\"}", -1, 1, 0, "\"event\":\"error\"", NULL, 1},
				/* a perpetual swap is an instrument of its own */
				{"{\"op\":\"subscribe\",\"args\":[{\"channel\":\"trades\","
				 "\"instId\":\"BTC-USDT-SWAP\"}]}",
				 0, 1, 0,
				 "{\"event\":\"subscribe\",\"arg\":{\"channel\":\"trades\","
				 "\"instId\":\"BTC-USDT-SWAP\"}",
				 NULL, 2},
			},
		.trade = "{\"arg\":{\"channel\":\"trades\",\"instId\":\"BTC-USDT\"},\"data\":[{"
			 "\"instId\":\"BTC-USDT\",\"tradeId\":\"1430899\",\"px\":\"65000.14\","
			 "\"sz\":"
			 "\"0.75922\",\"side\":\"buy\",\"ts\":\"1700000000123\",\"count\":\"1\","
			 "\"source\":\"0\",\"seqId\":300755933}]}",
		.bbo = "{\"arg\":{\"channel\":\"bbo-tbt\",\"instId\":\"ETH-USDT\"},\"data\":[{"
		       "\"asks\":"
		       "[[\"3500.49\",\"0.48076\",\"0\",\"3\"]],\"bids\":[[\"3500.48\",\"4.51317\","
		       "\"0\",\"3\"]],\"ts\":\"1700000000123\",\"seqId\":300188800}]}",
		.side_path = "data/0/side",
		.side_is_maker = 0,
		.beat = NULL,
	},
};

static void run_step(const struct dialect_case *c, const struct sim_dialect *d, struct sim_venue *v,
		     uint8_t *subs, const struct step *s)
{
	static struct sim_replies rep;
	uint32_t data = 0;
	int r;

	memset(&rep, 0, sizeof(rep));
	r = d->request(v, s->req, strlen(s->req), subs, &rep);
	for (uint32_t k = 0; k < rep.n; k++)
		data += rep.data[k].kind != 0;
	CHECK(s->want_r < 0 ? r < 0 : r == s->want_r, "%s: %s returned %d", c->name, s->req, r);
	CHECK(rep.n == s->replies && data == s->data, "%s: %s: %u replies, %u data", c->name,
	      s->req, rep.n, data);
	CHECK(strstr(sim_reply(&rep, 0), s->first) != NULL, "%s: %s: first reply %s", c->name,
	      s->req, sim_reply(&rep, 0));
	CHECK(!s->last || strstr(sim_reply(&rep, rep.n - 1), s->last) != NULL,
	      "%s: %s: last reply %s", c->name, s->req, sim_reply(&rep, rep.n - 1));
	CHECK(sim_subs_count(subs) == s->streams, "%s: %s: %u streams", c->name, s->req,
	      sim_subs_count(subs));
	for (uint32_t k = 0; k < rep.n; k++) {
		json_error_t e;
		json_t *j = rep.data[k].kind ? json_loads(sim_reply(&rep, k), 0, &e) : NULL;

		CHECK(!rep.data[k].kind || (j && rep.data[k].snapshot && rep.data[k].ms > 0),
		      "%s: snapshot %s", c->name, sim_reply(&rep, k));
		json_decref(j);
	}
}

/* The value at "a/0/b" in j (object keys and array indexes). */
static json_t *at(json_t *j, const char *path)
{
	char part[32];

	while (j && *path) {
		size_t n = strcspn(path, "/");

		snprintf(part, sizeof(part), "%.*s", (int)n, path);
		j = json_is_array(j) ? json_array_get(j, strtoul(part, NULL, 10))
				     : json_object_get(j, part);
		path += n + (path[n] == '/');
	}
	return j;
}

/* Exact bytes, and the side the venue prints against the record's taker
 * side, over many trades (both sides). */
static void test_events(const struct dialect_case *c, const struct sim_dialect *d)
{
	static struct sim_venue v;
	char buf[2048], err[64];
	int sides[2] = {0, 0};

	sim_venue_init(&v, "BTC-USDT,ETH-USDT", 7, err, sizeof(err));
	CHECK(d->trade(&v, 0, 1700000000123, 0, 0, buf, sizeof(buf)) > 0 &&
		      strcmp(buf, c->trade) == 0,
	      "%s trade %s", c->name, buf);
	CHECK(d->bbo(&v, 1, 1700000000123, buf, sizeof(buf)) > 0 && strcmp(buf, c->bbo) == 0,
	      "%s bbo %s", c->name, buf);
	CHECK(v.last.kind == SIM_STREAM_BBO && v.last.sym == 1 && !v.last.no_ts, "%s last bbo",
	      c->name);
	for (int i = 0; i < 200; i++) {
		json_error_t e;
		json_t *j;
		const char *side;
		int n = d->trade(&v, (uint32_t)(i & 1), 1700000000123 + i, 0, 0, buf, sizeof(buf));

		j = n > 0 ? json_loads(buf, 0, &e) : NULL;
		side = json_string_value(at(j, c->side_path));
		CHECK(side && v.last.kind == SIM_STREAM_TRADE, "%s: no side in %s", c->name, buf);
		if (side) {
			/* buyer maker: the taker sold; the maker's side is buy */
			const char *want = v.last.buyer_maker == c->side_is_maker ? "buy" : "sell";
			CHECK(strcmp(side, want) == 0, "%s: side %s, buyer_maker %d", c->name, side,
			      v.last.buyer_maker);
			sides[v.last.buyer_maker]++;
		}
		json_decref(j);
	}
	CHECK(sides[0] > 20 && sides[1] > 20, "%s: one-sided trades", c->name);
	/* badprecision and a short buffer */
	CHECK(d->trade(&v, 0, 1, 4, 0, buf, sizeof(buf)) > 0 && strstr(buf, "00007"),
	      "%s badprecision %s", c->name, buf);
	CHECK(d->trade(&v, 0, 1, 0, 0, buf, 20) == -ENOSPC, "%s ENOSPC", c->name);
	CHECK(d->bbo(&v, 0, 1, buf, 20) == -ENOSPC, "%s bbo ENOSPC", c->name);
}

static void test_case(const struct dialect_case *c)
{
	const struct sim_dialect *d = sim_dialect_find(c->name);
	static struct sim_venue v;
	static struct sim_replies rep;
	uint8_t subs[SIM_MAX_SYMBOLS] = {0};
	char err[64], buf[2048];
	uint8_t kind = 0;
	int mode = -1;

	CHECK(d != NULL, "no dialect %s", c->name);
	if (!d)
		return;
	sim_venue_init(&v, NULL, 7, err, sizeof(err));
	/* Coinbase numbers its connections in the mode (sequence_num per connection) */
	CHECK(sim_dialect_route(d, &v, c->path, subs, &mode) == 0 &&
		      (mode == 0) == (strcmp(c->name, "coinbase") != 0),
	      "%s path %s", c->name, c->path);
	CHECK(sim_dialect_route(d, &v, c->bad_path, subs, &mode) == 404, "%s path %s", c->name,
	      c->bad_path);
	memset(&rep, 0, sizeof(rep));
	CHECK(!d->hello == !c->hello, "%s: greeting", c->name);
	if (d->hello) {
		d->hello(&v, 3, 1700000000123, &rep);
		CHECK(rep.n == 1 && strstr(sim_reply(&rep, 0), c->hello) &&
			      strstr(sim_reply(&rep, 0), "\"system\":\"online\""),
		      "%s hello %s", c->name, sim_reply(&rep, 0));
		memset(&rep, 0, sizeof(rep));
	}
	if (d->beat) {
		d->beat(&v, subs, 1700000000123, &rep);
		CHECK(rep.n == 0, "%s: a heartbeat with no subscription", c->name);
	}
	for (size_t k = 0; k < STEPS_MAX && c->steps[k].req; k++)
		run_step(c, d, &v, subs, &c->steps[k]);
	if (d->beat) {
		memset(&rep, 0, sizeof(rep));
		CHECK(d->beat(&v, subs, 1700000000123, &rep) >= 0 && rep.n >= 1 &&
			      strstr(sim_reply(&rep, 0), c->beat),
		      "%s heartbeat %s", c->name, sim_reply(&rep, 0));
	}
	/* replay lines classify as the stream they are */
	sim_venue_init(&v, "BTC-USDT,ETH-USDT", 7, err, sizeof(err));
	CHECK(d->classify(&v, c->trade, strlen(c->trade), &kind) == 0 && kind == SIM_STREAM_TRADE,
	      "%s classify trade", c->name);
	CHECK(d->classify(&v, c->bbo, strlen(c->bbo), &kind) == 1 && kind == SIM_STREAM_BBO,
	      "%s classify bbo", c->name);
	CHECK(d->classify(&v, "{}", 2, &kind) < 0, "%s classify garbage", c->name);
	(void)buf;
	test_events(c, d);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_case(&cases[i]);
	/* the shared helpers the dialects print with */
	{
		char b[64];

		sim_dec_trim(123450000, 8, b, sizeof(b));
		CHECK(strcmp(b, "1.2345") == 0, "trim %s", b);
		sim_dec_trim(200000000, 8, b, sizeof(b));
		CHECK(strcmp(b, "2") == 0, "trim %s", b);
		sim_rfc3339(1700000000007, b, sizeof(b));
		CHECK(strcmp(b, "2023-11-14T22:13:20.007000Z") == 0, "rfc3339 %s", b);
	}
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	return 0;
}
