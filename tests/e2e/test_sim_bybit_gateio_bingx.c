/* SPDX-License-Identifier: MIT */
/*
 * test_sim_bybit_gateio_bingx.c: mdbus-sim's Bybit, Gate and BingX dialects
 * (tools/sim/bybit.c, gateio.c, bingx.c) driven through struct sim_dialect
 * with scripted requests, no sockets. Table-driven: the upgrade paths, a
 * request script per venue (acks, rejects, pings, pongs, all-or-nothing
 * subscribes) matched against the documented answers (docs/venues/VENUE.md),
 * and one description per venue of where its trade and BBO messages carry
 * each value (price, quantity, taker side, id, time, sequence), checked
 * against the walk step the venue state produced; the replay
 * classification, --numbered ids, the badprecision fault, BingX's gzip
 * frames and heartbeat.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zlib.h>

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

#define NOW_MS 1654590456323LL /* 2022-06-07T08:27:36.323Z, BingX's documented example */

/* ---- utilities ---------------------------------------------------------------------- */

/* Glob match: '*' is any run of characters (possibly empty), '#' any one; on a
 * mismatch the last '*' takes one more character. */
static int glob(const char *pat, const char *s)
{
	const char *star = NULL, *mark = s;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			mark = s;
		} else if (*pat == *s || *pat == '#') {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++mark;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

/* The value at a path "data/0/p" (object keys and array indexes). */
static json_t *at(json_t *j, const char *path)
{
	char key[64];

	while (j && *path) {
		size_t n = strcspn(path, "/");
		char *end;
		long idx;

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		idx = strtol(key, &end, 10);
		j = json_is_array(j) && *end == '\0' ? json_array_get(j, (size_t)idx)
						     : json_object_get(j, key);
		path += n + (path[n] == '/');
	}
	return j;
}

/* A JSON value as text: strings as they are, integers in decimal, booleans. */
static void text(json_t *j, char *out, size_t len)
{
	if (json_is_string(j))
		snprintf(out, len, "%s", json_string_value(j));
	else if (json_is_integer(j))
		snprintf(out, len, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
	else if (json_is_boolean(j))
		snprintf(out, len, "%s", json_is_true(j) ? "true" : "false");
	else
		snprintf(out, len, "<%s>", j ? "other" : "missing");
}

/* Checks that the value at path of msg reads want. */
static void expect(json_t *msg, const char *venue, const char *path, const char *want)
{
	char got[128];

	if (!path)
		return;
	text(at(msg, path), got, sizeof(got));
	CHECK(strcmp(got, want) == 0, "%s %s: %s, want %s", venue, path, got, want);
}

static int64_t number(json_t *msg, const char *path)
{
	json_t *j = at(msg, path);

	return json_is_integer(j) ? (int64_t)json_integer_value(j) : -1;
}

static void venue_init(struct sim_venue *v, uint64_t seed)
{
	char err[64];

	CHECK(sim_venue_init(v, "BTC-USDT,ETH-USDT", seed, err, sizeof(err)) == 0, "init %s", err);
}

/* ---- upgrade paths ------------------------------------------------------------------ */

static const struct {
	const char *venue, *path;
	int status;
} routes[] = {
	{"bybit", "/v5/public/spot", 0},
	{"bybit", "/v5/public/spot/x", 404},
	{"bybit", "/ws", 404},
	{"gateio", "/ws/v4/", 0},
	{"gateio", "/ws/v4", 0},
	{"gateio", "/v4/ws/btc", 404},
	{"bingx", "/market", 0},
	{"bingx", "/market/x", 404},
	{"bingx", "/ws", 404},
	{"bybit-linear", "/v5/public/linear", 0},
	{"bybit-linear", "/v5/public/spot", 404},
	{"bybit", "/v5/public/linear", 404},
	{"bingx-swap", "/swap-market", 0},
	{"bingx-swap", "/market", 404},
	{"gateio-futures", "/v4/ws/usdt", 0},
	{"gateio-futures", "/ws/v4/", 404},
};

static void test_routes(void)
{
	for (size_t k = 0; k < sizeof(routes) / sizeof(routes[0]); k++) {
		const struct sim_dialect *d = sim_dialect_find(routes[k].venue);
		static struct sim_venue v;
		uint8_t subs[SIM_MAX_SYMBOLS] = {0};
		int mode = -1;

		CHECK(d != NULL, "dialect %s listed", routes[k].venue);
		if (!d)
			continue;
		venue_init(&v, 1);
		CHECK(sim_dialect_route(d, &v, routes[k].path, subs, &mode) == routes[k].status &&
			      sim_subs_count(subs) == 0,
		      "%s %s", routes[k].venue, routes[k].path);
	}
}

/* ---- request scripts ---------------------------------------------------------------- */

/* One step of a venue's script: the request ("%lld" is the wall clock in
 * seconds, for Gate's time), the return wanted, the streams subscribed
 * after it and the one reply as a glob ('*' any text), NULL for none. */
struct step {
	const char *venue;
	const char *req;
	int rc;
	uint32_t streams;
	const char *reply;
};

#define BYBIT_ACK(msg, op, rid)                                                                    \
	"{\"success\":true,\"ret_msg\":\"" msg "\",\"conn_id\":\"*-*-4*-a*-*\",\"req_id\":\"" rid  \
	"\",\"op\":\"" op "\"}"
#define GATE_ANS(id, ch, ev, err, res)                                                             \
	"{\"time\":*,\"time_ms\":*," id "\"channel\":\"" ch "\",\"event\":\"" ev                   \
	"\",\"error\":" err ",\"result\":" res "}"
#define GATE_OK	 "{\"status\":\"success\"}"
#define GATE_ARG "{\"code\":2,\"message\":\"Invalid argument provided\"}"

static const struct step script[] = {
	/* Bybit: many topics per request, all or nothing, 10 args at most */
	{"bybit",
	 "{\"req_id\":\"1\",\"op\":\"subscribe\",\"args\":[\"publicTrade.BTCUSDT\","
	 "\"orderbook.1.ETHUSDT\"]}",
	 0, 2, BYBIT_ACK("subscribe", "subscribe", "1")},
	{"bybit",
	 "{\"op\":\"subscribe\",\"args\":[\"publicTrade.ETHUSDT\",\"publicTrade.DOGEUSDT\"]}",
	 -EINVAL, 2,
	 "{\"success\":false,\"ret_msg\":\"Invalid symbol :[publicTrade.DOGEUSDT]\","
	 "\"conn_id\":\"*\",\"op\":\"subscribe\"}"},
	{"bybit", "{\"req_id\":\"3\",\"op\":\"subscribe\",\"args\":[\"publicTrade.btcusdt\"]}",
	 -EINVAL, 2, "{\"success\":false,\"ret_msg\":\"Invalid symbol :[publicTrade.btcusdt]\",*"},
	{"bybit", "{\"req_id\":\"4\",\"op\":\"subscribe\",\"args\":[\"kline.1.BTCUSDT\"]}", -EINVAL,
	 2, "{\"success\":false,\"ret_msg\":\"error:handler not found,topic:kline.1.BTCUSDT\",*"},
	{"bybit",
	 "{\"op\":\"subscribe\",\"args\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\","
	 "\"i\",\"j\",\"k\"]}",
	 -EINVAL, 2, "{\"success\":false,*"},
	{"bybit", "{\"req_id\":\"100001\",\"op\":\"ping\"}", SIM_REQ_PING, 2,
	 BYBIT_ACK("pong", "ping", "100001")},
	{"bybit", "{\"req_id\":\"6\",\"op\":\"unsubscribe\",\"args\":[\"orderbook.1.ETHUSDT\"]}", 0,
	 1, BYBIT_ACK("unsubscribe", "unsubscribe", "6")},
	{"bybit", "not json", -EINVAL, 1, "{\"success\":false,*"},
	/* Gate: one channel per request, its pairs all or nothing, time checked */
	{"gateio",
	 "{\"time\":%lld,\"id\":1,\"channel\":\"spot.trades\",\"event\":\"subscribe\","
	 "\"payload\":[\"BTC_USDT\",\"ETH_USDT\"]}",
	 0, 2, GATE_ANS("\"id\":1,", "spot.trades", "subscribe", "null", GATE_OK)},
	{"gateio",
	 "{\"time\":%lld,\"channel\":\"spot.book_ticker\",\"event\":\"subscribe\","
	 "\"payload\":[\"BTC_USDT\",\"DOGE_USDT\"]}",
	 -EINVAL, 2, GATE_ANS("", "spot.book_ticker", "subscribe", GATE_ARG, "null")},
	{"gateio",
	 "{\"time\":%lld,\"id\":3,\"channel\":\"spot.book_ticker\",\"event\":"
	 "\"subscribe\",\"payload\":[\"BTCUSDT\"]}",
	 -EINVAL, 2, GATE_ANS("\"id\":3,", "spot.book_ticker", "subscribe", GATE_ARG, "null")},
	{"gateio",
	 "{\"time\":1000,\"id\":4,\"channel\":\"spot.book_ticker\",\"event\":"
	 "\"subscribe\",\"payload\":[\"BTC_USDT\"]}",
	 -EINVAL, 2, GATE_ANS("\"id\":4,", "spot.book_ticker", "subscribe", GATE_ARG, "null")},
	{"gateio", "{\"id\":5,\"channel\":\"spot.trades\",\"event\":\"subscribe\"}", -EINVAL, 2,
	 GATE_ANS("\"id\":5,", "spot.trades", "subscribe",
		  "{\"code\":1,\"message\":\"Invalid request body format\"}", "null")},
	{"gateio",
	 "{\"time\":%lld,\"id\":6,\"channel\":\"spot.book_ticker\",\"event\":"
	 "\"subscribe\",\"payload\":[\"ETH_USDT\"]}",
	 0, 3, GATE_ANS("\"id\":6,", "spot.book_ticker", "subscribe", "null", GATE_OK)},
	{"gateio", "{\"time\":%lld,\"channel\":\"spot.ping\"}", SIM_REQ_PING, 3,
	 "{\"time\":*,\"channel\":\"spot.pong\",\"event\":\"\",\"error\":null,\"result\":null}"},
	{"gateio",
	 "{\"time\":%lld,\"id\":8,\"channel\":\"spot.trades\",\"event\":"
	 "\"unsubscribe\",\"payload\":[\"BTC_USDT\"]}",
	 0, 2, GATE_ANS("\"id\":8,", "spot.trades", "unsubscribe", "null", GATE_OK)},
	/* BingX: one stream per request, acks by id, BTC-USDT spelling */
	{"bingx", "{\"id\":\"24dd0e35\",\"reqType\":\"sub\",\"dataType\":\"BTC-USDT@trade\"}", 0, 1,
	 "{\"id\":\"24dd0e35\",\"code\":0,\"msg\":\"\"}"},
	{"bingx", "{\"id\":\"2\",\"reqType\":\"sub\",\"dataType\":\"ETH-USDT@bookTicker\"}", 0, 2,
	 "{\"id\":\"2\",\"code\":0,\"msg\":\"\"}"},
	{"bingx", "{\"id\":\"3\",\"reqType\":\"sub\",\"dataType\":\"DOGE-USDT@trade\"}", -EINVAL, 2,
	 "{\"id\":\"3\",\"code\":100400,\"msg\":\"ILLEGAL_ARGUMENT\"}"},
	{"bingx", "{\"id\":\"4\",\"reqType\":\"sub\",\"dataType\":\"BTCUSDT@trade\"}", -EINVAL, 2,
	 "{\"id\":\"4\",\"code\":100400,*"},
	{"bingx", "{\"id\":\"5\",\"reqType\":\"sub\",\"dataType\":\"BTC-USDT@depth\"}", -EINVAL, 2,
	 "{\"id\":\"5\",\"code\":100400,*"},
	{"bingx",
	 "{\"pong\":\"2177c68e4d0e45679965f482929b59c2\",\"time\":\"2022-06-07T16:27:36.323"
	 "+0800\"}",
	 SIM_REQ_PONG, 2, NULL},
	{"bingx", "Pong", SIM_REQ_PONG, 2, NULL},
	{"bingx", "{\"id\":\"8\",\"reqType\":\"unsub\",\"dataType\":\"BTC-USDT@trade\"}", 0, 1,
	 "{\"id\":\"8\",\"code\":0,\"msg\":\"\"}"},
	/* Bybit linear: ret_msg "" and a req_id always, "" for none */
	{"bybit-linear",
	 "{\"req_id\":\"1\",\"op\":\"subscribe\",\"args\":[\"publicTrade.BTCUSDT\"]}", 0, 1,
	 BYBIT_ACK("", "subscribe", "1")},
	{"bybit-linear", "{\"op\":\"subscribe\",\"args\":[\"orderbook.1.BTCUSDT\"]}", 0, 2,
	 BYBIT_ACK("", "subscribe", "")},
	{"bybit-linear", "{\"op\":\"ping\"}", SIM_REQ_PING, 2, BYBIT_ACK("pong", "ping", "")},
	/* linear: no args limit (spot's 10 does not apply) */
	{"bybit-linear",
	 "{\"req_id\":\"9\",\"op\":\"subscribe\",\"args\":[\"publicTrade.ETHUSDT\",\"publicTrade."
	 "ETHUSDT\","
	 "\"publicTrade.ETHUSDT\",\"publicTrade.ETHUSDT\",\"publicTrade.ETHUSDT\",\"publicTrade."
	 "ETHUSDT\","
	 "\"publicTrade.ETHUSDT\",\"publicTrade.ETHUSDT\",\"publicTrade.ETHUSDT\",\"publicTrade."
	 "ETHUSDT\","
	 "\"publicTrade.ETHUSDT\"]}",
	 0, 3, BYBIT_ACK("", "subscribe", "9")},
	{"bybit-linear", "{\"op\":\"subscribe\",\"args\":[\"publicTrade.DOGEUSDT\"]}", -EINVAL, 3,
	 "{\"success\":false,\"ret_msg\":\"Invalid symbol :[publicTrade.DOGEUSDT]\",\"conn_id\":"
	 "\"*\",\"req_id\":\"\",\"op\":\"subscribe\"}"},
	/* BingX swap: code 1 for an error; the client answers Ping with Pong */
	{"bingx-swap", "{\"id\":\"1\",\"reqType\":\"sub\",\"dataType\":\"BTC-USDT@trade\"}", 0, 1,
	 "{\"id\":\"1\",\"code\":0,\"msg\":\"\"}"},
	{"bingx-swap", "{\"id\":\"2\",\"reqType\":\"sub\",\"dataType\":\"DOGE-USDT@trade\"}",
	 -EINVAL, 1, "{\"id\":\"2\",\"code\":1,\"msg\":\"ILLEGAL_ARGUMENT\"}"},
	{"bingx-swap", "Pong", SIM_REQ_PONG, 1, NULL},
	/* Gate futures: the futures ack (no error key), no time rule */
	{"gateio-futures",
	 "{\"time\":123456,\"channel\":\"futures.book_ticker\",\"event\":\"subscribe\","
	 "\"payload\":[\"BTC_USDT\"]}",
	 0, 1,
	 "{\"time\":*,\"time_ms\":*,\"channel\":\"futures.book_ticker\",\"event\":\"subscribe\","
	 "\"result\":{\"status\":\"success\"}}"},
	{"gateio-futures",
	 "{\"time\":%lld,\"id\":2,\"channel\":\"spot.trades\",\"event\":\"subscribe\","
	 "\"payload\":[\"BTC_USDT\"]}",
	 -EINVAL, 1,
	 GATE_ANS("\"id\":2,", "spot.trades", "subscribe",
		  "{\"code\":2,\"message\":\"invalid argument\"}", "null")},
	{"gateio-futures", "{\"time\":123456,\"channel\":\"futures.ping\"}", SIM_REQ_PING, 1,
	 "{\"time\":*,\"time_ms\":*,\"channel\":\"futures.pong\",\"event\":\"\",\"result\":null}"},
};

static void test_script(void)
{
	static struct sim_venue v;
	static struct sim_replies rep;
	uint8_t subs[SIM_MAX_SYMBOLS];
	const char *venue = "";

	for (size_t k = 0; k < sizeof(script) / sizeof(script[0]); k++) {
		const struct step *s = &script[k];
		const struct sim_dialect *d = sim_dialect_find(s->venue);
		char req[512];
		int r;

		if (strcmp(venue, s->venue) != 0) { /* a new venue: a new connection */
			venue = s->venue;
			venue_init(&v, 3);
			memset(subs, 0, sizeof(subs));
		}
		snprintf(req, sizeof(req), s->req,
			 (long long)(tools_now_ns(CLOCK_REALTIME) / 1000000000));
		memset(&rep, 0, sizeof(rep));
		r = d->request(&v, req, strlen(req), subs, &rep);
		CHECK(r == s->rc, "%s step %zu: rc %d, want %d", venue, k, r, s->rc);
		CHECK(sim_subs_count(subs) == s->streams, "%s step %zu: %u streams, want %u", venue,
		      k, sim_subs_count(subs), s->streams);
		CHECK(rep.n == (s->reply ? 1u : 0u), "%s step %zu: %u replies", venue, k, rep.n);
		CHECK(!s->reply || glob(s->reply, sim_reply(&rep, 0)), "%s step %zu: reply %s",
		      venue, k, sim_reply(&rep, 0));
	}
}

/* BingX: at most 200 streams on one connection (code 100416). */
static void test_bingx_limit(void)
{
	const struct sim_dialect *d = sim_dialect_find("bingx");
	static struct sim_venue v;
	static struct sim_replies rep;
	uint8_t subs[SIM_MAX_SYMBOLS] = {0};
	char err[64], req[160];
	int r = 0, k;

	sim_venue_init(&v, NULL, 1, err, sizeof(err));
	for (k = 0; k < 101; k++) {
		for (int bbo = 0; bbo < 2; bbo++) {
			snprintf(req, sizeof(req),
				 "{\"id\":\"%d\",\"reqType\":\"sub\",\"dataType\":\"C%d-USDT@%s\"}",
				 k, k, bbo ? "bookTicker" : "trade");
			memset(&rep, 0, sizeof(rep));
			r = d->request(&v, req, strlen(req), subs, &rep);
			if (r < 0)
				break;
		}
		if (r < 0)
			break;
	}
	CHECK(r == -EINVAL && sim_subs_count(subs) == 200 &&
		      glob("{\"id\":\"100\",\"code\":100416,*", sim_reply(&rep, 0)),
	      "201st stream: %d %u %s", r, sim_subs_count(subs), sim_reply(&rep, 0));
}

/* ---- data messages ------------------------------------------------------------------ */

/* Where a venue's messages carry each value (paths into the JSON), and how
 * it spells the taker side. */
struct layout {
	const char *venue;
	const char *sym[2]; /* the venue's names of BTC-USDT and ETH-USDT */
	const char *t_sym, *t_px, *t_qty, *t_side, *t_id, *t_ts, *t_ts2, *t_seq;
	const char *taker_buy, *taker_sell; /* the side field's text */
	const char *ts_suffix;		    /* after the ms digits ("" or ".000") */
	const char *b_sym, *b_bid, *b_bidq, *b_ask, *b_askq, *b_ts, *b_seq, *b_cross;
	const char *id_glob; /* the id is not the decimal id: its shape (and --record's text) */
	const char *t_dir;   /* Bybit linear's tick direction */
	const char *t_const; /* a field that is always the same ("code":0) */
	int contracts;	     /* quantities in contracts of 0.00001, the sign the taker side */
};

static const struct layout layouts[] = {
	{.venue = "bybit",
	 .sym = {"BTCUSDT", "ETHUSDT"},
	 .t_sym = "data/0/s",
	 .t_px = "data/0/p",
	 .t_qty = "data/0/v",
	 .t_side = "data/0/S",
	 .t_id = "data/0/i",
	 .t_ts = "data/0/T",
	 .t_ts2 = "ts",
	 .t_seq = "data/0/seq",
	 .taker_buy = "Buy",
	 .taker_sell = "Sell",
	 .ts_suffix = "",
	 .b_sym = "data/s",
	 .b_bid = "data/b/0/0",
	 .b_bidq = "data/b/0/1",
	 .b_ask = "data/a/0/0",
	 .b_askq = "data/a/0/1",
	 .b_ts = "cts",
	 .b_seq = "data/u",
	 .b_cross = "data/seq"},
	{.venue = "gateio",
	 .sym = {"BTC_USDT", "ETH_USDT"},
	 .t_sym = "result/currency_pair",
	 .t_px = "result/price",
	 .t_qty = "result/amount",
	 .t_side = "result/side",
	 .t_id = "result/id",
	 .t_ts = "result/create_time_ms",
	 .t_ts2 = "time_ms",
	 .t_seq = "result/id_market",
	 .taker_buy = "buy",
	 .taker_sell = "sell",
	 .ts_suffix = ".000",
	 .b_sym = "result/s",
	 .b_bid = "result/b",
	 .b_bidq = "result/B",
	 .b_ask = "result/a",
	 .b_askq = "result/A",
	 .b_ts = "result/t",
	 .b_seq = "result/u"},
	{.venue = "bingx",
	 .sym = {"BTC-USDT", "ETH-USDT"},
	 .t_sym = "data/s",
	 .t_px = "data/p",
	 .t_qty = "data/q",
	 .t_side = "data/m",
	 .t_id = "data/t",
	 .t_ts = "data/T",
	 .t_ts2 = "data/E",
	 .taker_buy = "false", /* m: the buyer is the maker, so the taker sold */
	 .taker_sell = "true",
	 .ts_suffix = "",
	 .b_sym = "data/s",
	 .b_bid = "data/b",
	 .b_bidq = "data/B",
	 .b_ask = "data/a",
	 .b_askq = "data/A",
	 .b_ts = "data/T"},
	{.venue = "bybit-linear",
	 .sym = {"BTCUSDT", "ETHUSDT"},
	 .t_sym = "data/0/s",
	 .t_px = "data/0/p",
	 .t_qty = "data/0/v",
	 .t_side = "data/0/S",
	 .t_id = "data/0/i",
	 .t_ts = "data/0/T",
	 .t_ts2 = "ts",
	 .t_seq = "data/0/seq",
	 .taker_buy = "Buy",
	 .taker_sell = "Sell",
	 .ts_suffix = "",
	 .b_sym = "data/s",
	 .b_bid = "data/b/0/0",
	 .b_bidq = "data/b/0/1",
	 .b_ask = "data/a/0/0",
	 .b_askq = "data/a/0/1",
	 .b_ts = "cts",
	 .b_seq = "data/u",
	 .b_cross = "data/seq",
	 .id_glob = "########-####-5###-9###-############",
	 .t_dir = "data/0/L"},
	{.venue = "bingx-swap",
	 .sym = {"BTC-USDT", "ETH-USDT"},
	 .t_sym = "data/s",
	 .t_px = "data/p",
	 .t_qty = "data/q",
	 .t_side = "data/m",
	 .t_ts = "data/T",
	 .taker_buy = "false",
	 .taker_sell = "true",
	 .ts_suffix = "",
	 .b_sym = "data/s",
	 .b_bid = "data/b",
	 .b_bidq = "data/B",
	 .b_ask = "data/a",
	 .b_askq = "data/A",
	 .b_ts = "data/T",
	 .id_glob = "", /* no trade id: --record says 0 */
	 .t_const = "code"},
	{.venue = "gateio-futures",
	 .sym = {"BTC_USDT", "ETH_USDT"},
	 .t_sym = "result/0/contract",
	 .t_px = "result/0/price",
	 .t_qty = "result/0/size",
	 .t_id = "result/0/id",
	 .t_ts = "result/0/create_time_ms",
	 .t_ts2 = "time_ms",
	 .ts_suffix = "",
	 .b_sym = "result/s",
	 .b_bid = "result/b",
	 .b_bidq = "result/B",
	 .b_ask = "result/a",
	 .b_askq = "result/A",
	 .b_ts = "result/t",
	 .b_seq = "result/u",
	 .contracts = 1},
};

static json_t *parse(const char *venue, const char *buf, int n)
{
	json_error_t jerr;
	json_t *j = n > 0 ? json_loads(buf, 0, &jerr) : NULL;

	CHECK(j != NULL, "%s: not JSON: %s", venue, n > 0 ? buf : "(error)");
	return j;
}

/* One trade of symbol i: every value where the layout says, as the walk
 * made it; returns the message's sequence field (or -1). */
static int64_t check_trade(const struct sim_dialect *d, const struct layout *L, struct sim_venue *v,
			   uint32_t i, uint64_t id)
{
	static struct sim_venue copy;
	struct sim_trade t;
	char buf[2048], want[64], ts[32];
	json_t *j;
	int64_t seq, before;

	before = v->sym[i].px;
	copy = *v;
	sim_venue_next_trade(&copy, i, id, &t);
	j = parse(L->venue, buf, d->trade(v, i, NOW_MS, 0, id, buf, sizeof(buf)));
	if (!j)
		return -1;
	expect(j, L->venue, L->t_sym, L->sym[i]);
	sim_dec(t.px, 8, want, sizeof(want));
	expect(j, L->venue, L->t_px, want);
	if (L->contracts)
		snprintf(want, sizeof(want), "%s%lld", t.buyer_maker ? "-" : "",
			 (long long)(t.qty / 1000));
	else
		sim_dec(t.qty, 8, want, sizeof(want));
	expect(j, L->venue, L->t_qty, want);
	expect(j, L->venue, L->t_side, t.buyer_maker ? L->taker_sell : L->taker_buy);
	if (L->id_glob) {
		text(L->t_id ? at(j, L->t_id) : NULL, want, sizeof(want));
		CHECK(L->t_id ? glob(L->id_glob, want) && strcmp(want, v->last.id) == 0
			      : strcmp(v->last.id, "0") == 0,
		      "%s trade id %s, recorded %s", L->venue, want, v->last.id);
	} else {
		snprintf(want, sizeof(want), "%" PRIu64, t.id);
		expect(j, L->venue, L->t_id, want);
		CHECK(strcmp(want, v->last.id) == 0, "%s recorded id %s", L->venue, v->last.id);
	}
	expect(j, L->venue, L->t_dir,
	       t.px > before   ? "PlusTick"
	       : t.px < before ? "MinusTick"
			       : "ZeroPlusTick");
	expect(j, L->venue, L->t_const, "0");
	snprintf(ts, sizeof(ts), "%lld%s", NOW_MS, L->ts_suffix);
	expect(j, L->venue, L->t_ts, ts);
	snprintf(ts, sizeof(ts), "%lld", NOW_MS);
	expect(j, L->venue, L->t_ts2, ts);
	seq = L->t_seq ? number(j, L->t_seq) : -1;
	json_decref(j);
	return seq;
}

/* One BBO of symbol i; returns its sequence field (or -1), *cross the
 * venue's cross sequence (or -1). */
static int64_t check_bbo(const struct sim_dialect *d, const struct layout *L, struct sim_venue *v,
			 uint32_t i, int64_t *cross)
{
	static struct sim_venue copy;
	struct sim_bbo q;
	char buf[2048], want[64];
	json_t *j;
	int64_t seq;

	copy = *v;
	sim_venue_next_bbo(&copy, i, &q);
	j = parse(L->venue, buf, d->bbo(v, i, NOW_MS, buf, sizeof(buf)));
	if (!j)
		return -1;
	expect(j, L->venue, L->b_sym, L->sym[i]);
	sim_dec(q.bid, 8, want, sizeof(want));
	expect(j, L->venue, L->b_bid, want);
	if (L->contracts)
		snprintf(want, sizeof(want), "%lld", (long long)(q.bid_qty / 1000));
	else
		sim_dec(q.bid_qty, 8, want, sizeof(want));
	expect(j, L->venue, L->b_bidq, want);
	sim_dec(q.ask, 8, want, sizeof(want));
	expect(j, L->venue, L->b_ask, want);
	if (L->contracts)
		snprintf(want, sizeof(want), "%lld", (long long)(q.ask_qty / 1000));
	else
		sim_dec(q.ask_qty, 8, want, sizeof(want));
	expect(j, L->venue, L->b_askq, want);
	snprintf(want, sizeof(want), "%lld", NOW_MS);
	expect(j, L->venue, L->b_ts, want);
	seq = L->b_seq ? number(j, L->b_seq) : -1;
	CHECK(!L->b_seq || seq == (int64_t)q.update_id, "%s bbo update id %" PRId64, L->venue, seq);
	*cross = L->b_cross ? number(j, L->b_cross) : -1;
	json_decref(j);
	return seq;
}

/* Trades and BBOs of both symbols, interleaved: values, both sides seen,
 * per-symbol sequences consecutive (a cross sequence across both kinds). */
static void test_events(const struct layout *L)
{
	const struct sim_dialect *d = sim_dialect_find(L->venue);
	static struct sim_venue v;
	int64_t last_t[2] = {-1, -1}, last_b[2] = {-1, -1};
	int sells = 0, k;

	venue_init(&v, 11);
	for (k = 0; k < 400; k++) {
		uint32_t i = (uint32_t)(k % 2);
		int64_t cross = -1, seq;

		seq = check_trade(d, L, &v, i, 0);
		CHECK(!L->t_seq || last_t[i] < 0 || seq == last_t[i] + (L->b_cross ? 2 : 1),
		      "%s trade seq %" PRId64 " after %" PRId64, L->venue, seq, last_t[i]);
		last_t[i] = seq;
		seq = check_bbo(d, L, &v, i, &cross);
		CHECK(!L->b_cross || cross == last_t[i] + 1,
		      "%s cross seq %" PRId64 " after %" PRId64, L->venue, cross, last_t[i]);
		CHECK(!L->b_seq || last_b[i] < 0 || seq == last_b[i] + 1,
		      "%s bbo seq %" PRId64 " after %" PRId64, L->venue, seq, last_b[i]);
		last_b[i] = seq;
	}
	/* both taker sides occur (the walk picks them at random) */
	for (k = 0; k < 64; k++) {
		static struct sim_venue copy;
		struct sim_trade t;

		copy = v;
		sim_venue_next_trade(&copy, 0, 0, &t);
		sells += t.buyer_maker;
		check_trade(d, L, &v, 0, 0);
	}
	CHECK(sells > 8 && sells < 56, "%s: %d taker sells of 64", L->venue, sells);
}

/* --numbered ids, the badprecision price, no truncated message, replay
 * classification of the dialect's own output. */
static void test_extras(const struct layout *L)
{
	const struct sim_dialect *d = sim_dialect_find(L->venue);
	static struct sim_venue v;
	char buf[2048], got[64];
	uint8_t kind = 0;
	json_t *j;
	int n;

	uint64_t before;

	venue_init(&v, 5);
	before = v.sym[1].trade_id;
	check_trade(d, L, &v, 1, 99); /* the id asked for, the symbol's counter untouched */
	CHECK(v.sym[1].trade_id == before, "%s: --numbered moved the counter", L->venue);
	n = d->trade(&v, 0, NOW_MS, 4, 0, buf, sizeof(buf));
	j = parse(L->venue, buf, n);
	text(at(j, L->t_px), got, sizeof(got));
	CHECK(strlen(got) > 13 && got[strlen(got) - 13] == '.' && got[strlen(got) - 1] == '7',
	      "%s badprecision price %s", L->venue, got);
	json_decref(j);
	CHECK(d->classify(&v, buf, (size_t)n, &kind) == 0 && kind == SIM_STREAM_TRADE,
	      "%s classify trade: kind %u", L->venue, kind);
	n = d->bbo(&v, 1, NOW_MS, buf, sizeof(buf));
	CHECK(d->classify(&v, buf, (size_t)n, &kind) == 1 && kind == SIM_STREAM_BBO,
	      "%s classify bbo: kind %u", L->venue, kind);
	CHECK(d->classify(&v, "{garbage", 8, &kind) < 0 && kind == 0, "%s garbage", L->venue);
	CHECK(d->trade(&v, 0, NOW_MS, 0, 0, buf, 40) == -ENOSPC &&
		      d->bbo(&v, 0, NOW_MS, buf, 40) == -ENOSPC,
	      "%s: ENOSPC, never a truncated message", L->venue);
}

/* ---- BingX: gzip frames and the heartbeat ------------------------------------------- */

static void test_bingx_wire(void)
{
	const struct sim_dialect *d = sim_dialect_find("bingx");
	static struct sim_venue v;
	struct sim_buf out = {0};
	char buf[512], plain[512];
	uLongf plen = sizeof(plain);
	uint8_t op = 0;
	z_stream z;
	int n;

	venue_init(&v, 1);
	n = d->ping(NOW_MS, buf, sizeof(buf));
	CHECK(n > 0 && glob("{\"ping\":\"*\",\"time\":\"2022-06-07T16:27:36.323+0800\"}", buf) &&
		      strspn(buf + 9, "0123456789abcdef") == 32 && buf[41] == '"',
	      "heartbeat %s", buf);
	n = d->trade(&v, 0, NOW_MS, 0, 0, buf, sizeof(buf));
	CHECK(d->frame(&v, 0, 0, SIM_STREAM_TRADE, buf, (size_t)n, &out, &op) == 1 &&
		      op == WSLAY_BINARY_FRAME && out.len > 18 && out.p[out.off] == 0x1f &&
		      out.p[out.off + 1] == 0x8b,
	      "gzip frame: op %u, %zu bytes", op, out.len);
	memset(&z, 0, sizeof(z));
	CHECK(inflateInit2(&z, 15 + 16) == Z_OK, "inflateInit2");
	z.next_in = out.p + out.off;
	z.avail_in = (uInt)out.len;
	z.next_out = (Bytef *)plain;
	z.avail_out = (uInt)plen;
	CHECK(inflate(&z, Z_FINISH) == Z_STREAM_END && z.total_out == (uLong)n &&
		      memcmp(plain, buf, (size_t)n) == 0,
	      "gunzip gives the message back (%lu bytes)", z.total_out);
	inflateEnd(&z);
	sim_buf_free(&out);
	CHECK(d->frame(&v, 0, -1, 0, "{\"id\":\"1\",\"code\":0,\"msg\":\"\"}", 29, &out, &op) ==
			      1 &&
		      op == WSLAY_BINARY_FRAME,
	      "acks are gzip'd too");
	sim_buf_free(&out);
	n = sim_dialect_find("bingx-swap")->ping(NOW_MS, buf, sizeof(buf));
	CHECK(n == 4 && strcmp(buf, "Ping") == 0 &&
		      sim_dialect_find("bingx-swap")->frame == d->frame,
	      "swap heartbeat %s, gzip'd as spot", buf);
	CHECK(sim_dialect_find("bybit")->ping == NULL && sim_dialect_find("gateio")->ping == NULL &&
		      sim_dialect_find("bybit")->frame == NULL,
	      "Bybit and Gate: WebSocket pings from the server, text frames");
}

int main(void)
{
	test_routes();
	test_script();
	test_bingx_limit();
	for (size_t k = 0; k < sizeof(layouts) / sizeof(layouts[0]); k++) {
		test_events(&layouts[k]);
		test_extras(&layouts[k]);
	}
	test_bingx_wire();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	return 0;
}
