/* SPDX-License-Identifier: MIT */
/*
 * gateio.c: the Gate spot WebSocket v4 dialect of mdbus-sim (struct
 * sim_dialect, see sim.h), as docs/venues/gateio.md records the venue's
 * documentation (checked 2026-12-06). No I/O (it reads the wall clock for
 * the answers' time and the request time check).
 *
 *   path     /ws/v4/
 *   request  {"time":S,"id":N,"channel":"spot.trades","event":"subscribe",
 *            "payload":["BTC_USDT","ETH_USDT"]}: one channel per request, its
 *            pairs all or nothing; "unsubscribe" the same. time (seconds) is
 *            required and must be within 60 s of the server's clock.
 *   ack      {"time":S,"time_ms":MS,"id":N,"channel":"spot.trades",
 *            "event":"subscribe","error":null,"result":{"status":"success"}}
 *            (id only when the request had one)
 *   reject   the same with "error":{"code":C,"message":".."},"result":null;
 *            the codes are the documented ones (1 invalid request body, 2
 *            invalid argument), the messages their documented meaning
 *   ping     {"time":S,"channel":"spot.ping"} -> {"time":S,"channel":
 *            "spot.pong","event":"","error":null,"result":null}; the server
 *            itself sends WebSocket pings (protocol-level, as documented)
 *   trade    {"time":S,"time_ms":MS,"channel":"spot.trades","event":"update",
 *            "result":{"id":N,"id_market":N,"create_time":S,
 *            "create_time_ms":"MS.000","side":"buy","currency_pair":"BTC_USDT",
 *            "amount":"..","price":"..","range":"N-N"}}: side is the taker
 *            side, one trade per message, id_market the pair's own counter
 *   bbo      {"time":S,"time_ms":MS,"channel":"spot.book_ticker","event":
 *            "update","result":{"t":MS,"u":N,"s":"BTC_USDT","b":"..","B":"..",
 *            "a":"..","A":".."}}
 *
 * Order books, spot only (checked 2026-12-07 against
 * https://www.gate.com/docs/developers/apiv4/ws/en/ "Changed order book
 * levels" and the 2025 announcement of the "full" and "l" fields):
 *   request  {"channel":"spot.order_book_update","event":"subscribe",
 *            "payload":["BTC_USDT","100ms"]} (or "20ms": depth 20)
 *   depth    {"time":S,"time_ms":MS,"channel":"spot.order_book_update",
 *            "event":"update","result":{"t":MS,"l":"100","e":"depthUpdate",
 *            "E":S,"s":"BTC_USDT","U":first,"u":last,"b":[["p","a"]],"a":[..]}}
 *            ("full":true, U..u of the step, with the whole top `l` levels
 *            that replace the client's book: "the server pushes full
 *            messages at irregular intervals"; here on the full_book fault)
 *   REST     GET /api/v4/spot/order_book?currency_pair=BTC_USDT&limit=N
 *            &with_id=true: {"id":N,"current":ms,"update":ms,"asks":[..],
 *            "bids":[..]} (id only with with_id=true)
 *
 * gateio-futures, the USDT perpetuals on /v4/ws/usdt (their own listener and
 * walks): channels futures.trades / futures.book_ticker / futures.ping; the
 * ack as the futures example (no "error" key), errors with the futures
 * meanings (1 invalid argument struct, 2 invalid argument), no request time
 * check (the futures page states none); quantities are contracts of
 * 0.00001 base (the walk's quantity / 1000: a test sets contract_size =
 * 0.00001): trades {"channel":"futures.trades","event":"update","time":S,
 * "time_ms":MS,"result":[{"size":-108,"id":N,"create_time":S,
 * "create_time_ms":MS,"price":"..","contract":"BTC_USDT"}]} (a negative
 * size: the taker sold), book tickers with integer B and A.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sim.h"

#define GATE_TIME_SKEW_S 60   /* request time vs server time */
#define GATE_BAD_BODY	 1    /* "Invalid request body format" */
#define GATE_BAD_ARG	 2    /* "Invalid argument provided" */
#define GATE_CONTRACT	 1000 /* walk quantity units (1e-8) per contract (1e-5) */

/* What differs between the spot and the futures endpoint. */
struct gate_market {
	const char *prefix;		/* channels: PREFIX.trades, .book_ticker, .ping, .pong */
	int spot;			/* the 60 s request time rule, spot's pong */
	const char *ack_error;		/* "\"error\":null," or "" */
	const char *bad_body, *bad_arg; /* error code 1 and 2 texts */
};

static const struct gate_market gate_spot = {
	.prefix = "spot",
	.spot = 1,
	.ack_error = "\"error\":null,",
	.bad_body = "Invalid request body format",
	.bad_arg = "Invalid argument provided",
};

static const struct gate_market gate_futures = {
	.prefix = "futures",
	.ack_error = "",
	.bad_body = "invalid argument struct",
	.bad_arg = "invalid argument",
};

/* Is channel the market's PREFIX.name? */
static int gate_is(const struct gate_market *m, const char *channel, const char *name)
{
	size_t n = strlen(m->prefix);

	return strncmp(channel, m->prefix, n) == 0 && channel[n] == '.' &&
	       strcmp(channel + n + 1, name) == 0;
}

/* Symbol i as Gate names it: BTC_USDT. */
static void gate_pair(const struct sim_venue *v, uint32_t i, char *out, size_t len)
{
	size_t k;

	for (k = 0; v->sym[i].norm[k] && k + 1 < len; k++) {
		out[k] = v->sym[i].norm[k];
		if (out[k] == '-')
			out[k] = '_';
	}
	out[k] = '\0';
}

/* The answer to a request of channel/event: an ack (code 0) or an error. */
static void gate_answer(struct sim_replies *out, const struct gate_market *m, json_t *id,
			const char *channel, const char *event, int code)
{
	int64_t ms = tools_now_ns(CLOCK_REALTIME) / 1000000;
	char jid[48] = "";

	if (json_is_integer(id))
		snprintf(jid, sizeof(jid), "\"id\":%" JSON_INTEGER_FORMAT ",",
			 json_integer_value(id));
	if (code == 0)
		sim_reply_add(out,
			      "{\"time\":%" PRId64 ",\"time_ms\":%" PRId64
			      ",%s\"channel\":\"%.40s\","
			      "\"event\":\"%.20s\",%s\"result\":{\"status\":\"success\"}}",
			      ms / 1000, ms, jid, channel, event, m->ack_error);
	else
		sim_reply_add(out,
			      "{\"time\":%" PRId64 ",\"time_ms\":%" PRId64
			      ",%s\"channel\":\"%.40s\","
			      "\"event\":\"%.20s\",\"error\":{\"code\":%d,\"message\":\"%s\"},"
			      "\"result\":null}",
			      ms / 1000, ms, jid, channel, event, code,
			      code == GATE_BAD_BODY ? m->bad_body : m->bad_arg);
}

/* A pair as the client wrote it: known, and spelled exactly BTC_USDT. */
static int gate_symbol(struct sim_venue *v, const char *name)
{
	char pair[SIM_NATIVE_MAX];
	int sym = name ? sim_venue_symbol(v, name, strlen(name)) : -ENOENT;

	if (sym < 0)
		return -ENOENT;
	gate_pair(v, (uint32_t)sym, pair, sizeof(pair));
	return strcmp(pair, name) == 0 ? sym : -ENOENT;
}

/* subscribe/unsubscribe bit for every pair of payload, all or nothing.
 * Returns 0 or the error code. */
static int gate_subscribe(struct sim_venue *v, json_t *payload, uint8_t bit, int on, uint8_t *subs)
{
	uint8_t next[SIM_MAX_SYMBOLS];

	if (!json_is_array(payload) || json_array_size(payload) == 0)
		return GATE_BAD_ARG;
	memcpy(next, subs, sizeof(next));
	for (size_t k = 0; k < json_array_size(payload); k++) {
		int sym = gate_symbol(v, json_string_value(json_array_get(payload, k)));

		if (sym < 0)
			return GATE_BAD_ARG;
		next[sym] = on ? next[sym] | bit : next[sym] & (uint8_t)~bit;
	}
	memcpy(subs, next, sizeof(next));
	return 0;
}

/* The channel's stream bit, 0 for a channel we do not serve. */
static uint8_t gate_channel(const struct gate_market *m, const char *channel)
{
	if (gate_is(m, channel, "trades"))
		return SIM_STREAM_TRADE;
	if (gate_is(m, channel, "book_ticker"))
		return SIM_STREAM_BBO;
	if (m->spot && gate_is(m, channel, "order_book_update"))
		return SIM_STREAM_DEPTH;
	return 0;
}

/* spot.order_book_update's payload: [PAIR, INTERVAL], one pair per
 * subscription, INTERVAL "100ms" (depth 100) or "20ms" (depth 20). Returns
 * 0 or the error code. */
static int gate_subscribe_book(struct sim_venue *v, json_t *payload, int on, uint8_t *subs,
			       struct sim_replies *out)
{
	const char *iv = json_string_value(json_array_get(payload, 1));
	int sym;

	if (!json_is_array(payload) || json_array_size(payload) != 2 || !iv ||
	    (strcmp(iv, "100ms") != 0 && strcmp(iv, "20ms") != 0))
		return GATE_BAD_ARG;
	sym = gate_symbol(v, json_string_value(json_array_get(payload, 0)));
	if (sym < 0)
		return GATE_BAD_ARG;
	subs[sym] = on ? subs[sym] | SIM_STREAM_DEPTH : subs[sym] & (uint8_t)~SIM_STREAM_DEPTH;
	out->depth[sym] = iv[0] == '2' ? 20 : 100;
	return 0;
}

/* The app-level ping's answer (the futures one carries time_ms). */
static void gate_pong(const struct gate_market *m, struct sim_replies *out)
{
	int64_t ms = tools_now_ns(CLOCK_REALTIME) / 1000000;

	if (m->spot)
		sim_reply_add(out,
			      "{\"time\":%" PRId64 ",\"channel\":\"%s.pong\",\"event\":\"\","
			      "\"error\":null,\"result\":null}",
			      ms / 1000, m->prefix);
	else
		sim_reply_add(out,
			      "{\"time\":%" PRId64 ",\"time_ms\":%" PRId64
			      ",\"channel\":\"%s.pong\","
			      "\"event\":\"\",\"result\":null}",
			      ms / 1000, ms, m->prefix);
}

static int gate_request_on(const struct gate_market *m, struct sim_venue *v, const char *msg,
			   size_t n, uint8_t *subs, struct sim_replies *out)
{
	json_t *root = json_loadb(msg, n, 0, NULL);
	const char *channel = json_string_value(json_object_get(root, "channel"));
	const char *event = json_string_value(json_object_get(root, "event"));
	json_t *t = json_object_get(root, "time");
	int64_t now_s = tools_now_ns(CLOCK_REALTIME) / 1000000000;
	int code = 0, r = 0;

	if (channel && gate_is(m, channel, "ping")) {
		gate_pong(m, out);
		json_decref(root);
		return SIM_REQ_PING;
	}
	if (!channel || !event || !json_is_integer(t))
		code = GATE_BAD_BODY;
	else if ((m->spot &&
		  llabs((long long)(json_integer_value(t) - now_s)) > GATE_TIME_SKEW_S) ||
		 !gate_channel(m, channel) ||
		 (strcmp(event, "subscribe") != 0 && strcmp(event, "unsubscribe") != 0))
		code = GATE_BAD_ARG;
	else if (gate_channel(m, channel) == SIM_STREAM_DEPTH)
		code = gate_subscribe_book(v, json_object_get(root, "payload"), event[0] == 's',
					   subs, out);
	else
		code = gate_subscribe(v, json_object_get(root, "payload"), gate_channel(m, channel),
				      event[0] == 's', subs);
	if (code)
		r = -EINVAL;
	gate_answer(out, m, json_object_get(root, "id"), channel ? channel : "", event ? event : "",
		    code);
	json_decref(root);
	return r;
}

static int gate_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
			struct sim_replies *out)
{
	return gate_request_on(&gate_spot, v, msg, n, subs, out);
}

static int gate_futures_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
				struct sim_replies *out)
{
	return gate_request_on(&gate_futures, v, msg, n, subs, out);
}

/* A trade of market m: spot's object, or the futures' one-element list with
 * the signed size in contracts. */
static int gate_trade_on(const struct gate_market *m, struct sim_venue *v, uint32_t i,
			 int64_t now_ms, int extra_decimals, uint64_t id, char *buf, size_t len)
{
	struct sim_trade_text x;
	char pair[SIM_NATIVE_MAX];

	sim_dialect_trade_step(v, i, id, extra_decimals, SIM_TEXT_FULL, &x);
	gate_pair(v, i, pair, sizeof(pair));
	if (!m->spot)
		return sim_dialect_print(
			buf, len,
			"{\"channel\":\"futures.trades\",\"event\":\"update\",\"time\":%" PRId64
			",\"time_ms\":%" PRId64 ",\"result\":[{\"size\":%s%" PRId64
			",\"id\":%" PRIu64 ",\"create_time\":%" PRId64
			",\"create_time_ms\":%" PRId64 ",\"price\":\"%s\",\"contract\":\"%s\"}]}",
			now_ms / 1000, now_ms, x.t.buyer_maker ? "-" : "", x.t.qty / GATE_CONTRACT,
			x.t.id, now_ms / 1000, now_ms, x.px, pair);
	return sim_dialect_print(
		buf, len,
		"{\"time\":%" PRId64 ",\"time_ms\":%" PRId64
		",\"channel\":\"spot.trades\",\"event\":\"update\",\"result\":{"
		"\"id\":%" PRIu64 ",\"id_market\":%" PRIu64 ",\"create_time\":%" PRId64
		",\"create_time_ms\":\"%" PRId64 ".000\",\"side\":\"%s\","
		"\"currency_pair\":\"%s\",\"amount\":\"%s\",\"price\":\"%s\","
		"\"range\":\"%" PRIu64 "-%" PRIu64 "\"}}",
		now_ms / 1000, now_ms, x.t.id, x.t.id, now_ms / 1000, now_ms,
		x.t.buyer_maker ? "sell" : "buy", pair, x.qty, x.px, x.t.id, x.t.id);
}

/* A book ticker of market m: spot's quantities are strings, the futures'
 * integers (contracts). */
static int gate_bbo_on(const struct gate_market *m, struct sim_venue *v, uint32_t i, int64_t now_ms,
		       char *buf, size_t len)
{
	struct sim_bbo_text x;
	char pair[SIM_NATIVE_MAX], bq[48], aq[48];

	sim_dialect_bbo_step(v, i, SIM_TEXT_FULL, &x);
	gate_pair(v, i, pair, sizeof(pair));
	if (m->spot) {
		snprintf(bq, sizeof(bq), "\"%s\"", x.bid_qty);
		snprintf(aq, sizeof(aq), "\"%s\"", x.ask_qty);
	} else {
		snprintf(bq, sizeof(bq), "%" PRId64, x.q.bid_qty / GATE_CONTRACT);
		snprintf(aq, sizeof(aq), "%" PRId64, x.q.ask_qty / GATE_CONTRACT);
	}
	return sim_dialect_print(buf, len,
				 "{\"time\":%" PRId64 ",\"time_ms\":%" PRId64
				 ",\"channel\":\"%s.book_ticker\",\"event\":\"update\",\"result\":{"
				 "\"t\":%" PRId64 ",\"u\":%" PRIu64 ",\"s\":\"%s\",\"b\":\"%s\","
				 "\"B\":%s,\"a\":\"%s\",\"A\":%s}}",
				 now_ms / 1000, now_ms, m->prefix, now_ms, x.q.update_id, pair,
				 x.bid, bq, x.ask, aq);
}

static int gate_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
		      uint64_t id, char *buf, size_t len)
{
	return gate_trade_on(&gate_spot, v, i, now_ms, extra_decimals, id, buf, len);
}

static int gate_futures_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
			      uint64_t id, char *buf, size_t len)
{
	return gate_trade_on(&gate_futures, v, i, now_ms, extra_decimals, id, buf, len);
}

static int gate_bbo(struct sim_venue *v, uint32_t i, int64_t now_ms, char *buf, size_t len)
{
	return gate_bbo_on(&gate_spot, v, i, now_ms, buf, len);
}

static int gate_futures_bbo(struct sim_venue *v, uint32_t i, int64_t now_ms, char *buf, size_t len)
{
	return gate_bbo_on(&gate_futures, v, i, now_ms, buf, len);
}

/* spot.order_book_update: the changed levels with U/u (a snapshot event
 * prints as full:true with the top levels), l the subscription's depth. */
/* buf is written through a struct sim_out. */
static int gate_depth(struct sim_venue *v, uint32_t i, const struct sim_book_ev *ev, int mode,
		      char *buf /* NOLINT(readability-non-const-parameter) */, size_t len)
{
	struct sim_out o = {buf, len, 0, 0};
	int64_t ms = tools_now_ns(CLOCK_REALTIME) / 1000000;
	char pair[SIM_NATIVE_MAX];

	(void)mode;
	gate_pair(v, i, pair, sizeof(pair));
	sim_out_printf(&o,
		       "{\"time\":%" PRId64 ",\"time_ms\":%" PRId64
		       ",\"channel\":\"spot.order_book_update\",\"event\":\"update\",\"result\":{"
		       "\"t\":%" PRId64 ",%s\"l\":\"%u\",\"e\":\"depthUpdate\",\"E\":%" PRId64
		       ",\"s\":\"%s\",\"U\":%" PRIu64 ",\"u\":%" PRIu64 ",\"b\":[",
		       ms / 1000, ms, ms, ev->snapshot ? "\"full\":true," : "",
		       ev->depth ? ev->depth : 100, ms / 1000, pair, ev->first_id, ev->last_id);
	sim_out_levels(&o, ev->bids, ev->nb, SIM_TEXT_TRIM);
	sim_out_printf(&o, "],\"a\":[");
	sim_out_levels(&o, ev->asks, ev->na, SIM_TEXT_TRIM);
	sim_out_printf(&o, "]}}");
	return sim_out_end(&o);
}

/* The REST fallback's trade list: at the end of the file. */
static int gate_rest_trades(struct sim_venue *v, const char *path_query, char *out, size_t len,
			    int *status);

/* GET /api/v4/spot/order_book?currency_pair=BTC_USDT&limit=N&with_id=true:
 * {"id":N,"current":ms,"update":ms,"asks":[..],"bids":[..]} (id only with
 * with_id=true); a bad pair is a 400 with Gate's label. */
static int gate_rest(struct sim_venue *v, const char *path_query, char *out, size_t len,
		     int *status)
{
	struct sim_out o = {out, len, 0, 0};
	struct sim_book_ev ev;
	char pair[SIM_NATIVE_MAX], wid[8] = "";
	int64_t ms = tools_now_ns(CLOCK_REALTIME) / 1000000;
	int sym, limit = sim_rest_limit(path_query, 10, SIM_BOOK_LEVELS);

	if (strncmp(path_query, "/api/v4/spot/trades?", 20) == 0)
		return gate_rest_trades(v, path_query, out, len, status);
	if (strncmp(path_query, "/api/v4/spot/order_book?", 24) != 0)
		return -ENOENT;
	sym = sim_query_param(path_query, "currency_pair", pair, sizeof(pair)) > 0
		      ? gate_symbol(v, pair)
		      : -ENOENT;
	if (sym < 0 || limit < 0) {
		*status = 400;
		return sim_dialect_print(out, len, "{\"label\":\"%s\",\"message\":\"Invalid %s\"}",
					 sym < 0 ? "INVALID_CURRENCY_PAIR" : "INVALID_PARAM_VALUE",
					 sym < 0 ? "currency pair" : "limit");
	}
	if (sim_book_rest_view(v, (uint32_t)sym, (uint32_t)limit, &ev) < 0)
		return -ENOSPC;
	*status = 200;
	sim_out_printf(&o, "{");
	if (sim_query_param(path_query, "with_id", wid, sizeof(wid)) > 0 && !strcmp(wid, "true"))
		sim_out_printf(&o, "\"id\":%" PRIu64 ",", ev.last_id);
	sim_out_printf(&o, "\"current\":%" PRId64 ",\"update\":%" PRId64 ",\"asks\":[", ms, ms - 1);
	sim_out_levels(&o, ev.asks, ev.na, SIM_TEXT_TRIM);
	sim_out_printf(&o, "],\"bids\":[");
	sim_out_levels(&o, ev.bids, ev.nb, SIM_TEXT_TRIM);
	sim_out_printf(&o, "]}");
	return sim_out_end(&o);
}

/* A --replay line: the channel names the stream, currency_pair or s the pair. */
static int gate_classify(struct sim_venue *v, const char *msg, size_t n, uint8_t *kind)
{
	static const char *const keys[] = {"\"currency_pair\":\"", "\"contract\":\"", "\"s\":\""};
	char pair[SIM_NATIVE_MAX];

	*kind = memmem(msg, n, ".trades\"", 8)	       ? SIM_STREAM_TRADE
		: memmem(msg, n, ".book_ticker\"", 13) ? SIM_STREAM_BBO
						       : 0;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		if (!memmem(msg, n, keys[k], strlen(keys[k])))
			continue;
		if (sim_json_str_after(msg, n, keys[k], pair, sizeof(pair)) < 0)
			return -ENOENT;
		return gate_symbol(v, pair);
	}
	return -ENOENT;
}

const struct sim_dialect sim_dialect_gateio = {
	.name = "gateio",
	.paths = "/ws/v4/",
	.request = gate_request,
	.trade = gate_trade,
	.bbo = gate_bbo,
	.classify = gate_classify,
	/* no .ping: protocol-level pings; the client may send spot.ping */
	.depth = gate_depth,
	.rest = gate_rest,	     /* the client fetches the snapshot (no stream snapshot) */
	.book_flags = SIM_BOOK_FULL, /* "full":true pushes (the full_book fault) */
};

const struct sim_dialect sim_dialect_gateio_futures = {
	.name = "gateio-futures",
	.paths = "/v4/ws/usdt",
	.request = gate_futures_request,
	.trade = gate_futures_trade,
	.bbo = gate_futures_bbo,
	.classify = gate_classify,
	/* no .ping: "The server will initiate a ping message actively" */
};

/* ---- REST fallback: /api/v4/spot/trades ------------------------------------------- */

/*
 * Checked 2026-12-07 against https://www.gate.io/docs/developers/apiv4/#retrieve-market-trades:
 * GET /api/v4/spot/trades?currency_pair=BTC_USDT&limit=N (default 100, at
 * most 1000): [{"id":"N","create_time":"s","create_time_ms":"ms.frac",
 * "currency_pair","side":"buy"|"sell","role":"taker","amount","price"}..]
 * newest first (side the taker's; role, order_id and fees are empty in
 * the public list). The ticker of the fallback is the order_book above at
 * limit=1: the sim's book top.
 */
/* NOLINTNEXTLINE(readability-non-const-parameter): written through a struct sim_out */
static int gate_rest_trades(struct sim_venue *v, const char *path_query, char *out, size_t len,
			    int *status)
{
	struct sim_out o = {out, len, 0, 0};
	int64_t now = tools_now_ns(CLOCK_REALTIME) / 1000000, ms[64];
	char pair[SIM_NATIVE_MAX], gp[SIM_NATIVE_MAX + 4];
	int sym, limit = sim_rest_limit(path_query, 100, 1000);
	struct sim_trade t[64];
	uint32_t n, k;

	sym = sim_query_param(path_query, "currency_pair", pair, sizeof(pair)) > 0
		      ? gate_symbol(v, pair)
		      : -ENOENT;
	if (sym < 0 || limit < 0) {
		*status = 400;
		return sim_dialect_print(out, len, "{\"label\":\"%s\",\"message\":\"Invalid %s\"}",
					 sym < 0 ? "INVALID_CURRENCY_PAIR" : "INVALID_PARAM_VALUE",
					 sym < 0 ? "currency pair" : "limit");
	}
	*status = 200;
	gate_pair(v, (uint32_t)sym, gp, sizeof(gp));
	n = sim_rest_recent(v, (uint32_t)sym, (uint32_t)(limit < 64 ? limit : 64), now, t, ms);
	sim_out_printf(&o, "[");
	for (k = n; k-- > 0;) { /* newest first */
		char px[40], qty[40];

		sim_dec_trim(t[k].px, 8, px, sizeof(px));
		sim_dec_trim(t[k].qty, 8, qty, sizeof(qty));
		sim_out_printf(&o,
			       "%s{\"id\":\"%" PRIu64 "\",\"create_time\":\"%" PRId64 "\","
			       "\"create_time_ms\":\"%" PRId64 ".000\",\"currency_pair\":"
			       "\"%s\",\"side\":\"%s\",\"role\":\"taker\",\"amount\":\"%s\","
			       "\"price\":\"%s\"}",
			       k + 1 < n ? "," : "", t[k].id, ms[k] / 1000, ms[k], gp,
			       t[k].buyer_maker ? "sell" : "buy", qty, px);
	}
	sim_out_printf(&o, "]");
	return sim_out_end(&o);
}
