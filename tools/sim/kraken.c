/* SPDX-License-Identifier: MIT */
/*
 * kraken.c: the Kraken spot WebSocket v2 dialect of mdbus-sim (see
 * docs/venues/kraken.md). No I/O: requests in, reply text out.
 *
 *   path      /v2
 *   request   {"method":"subscribe","params":{"channel":"trade","symbol":
 *              ["BTC/USDT"],"snapshot":false},"req_id":1}; "ticker" with
 *              "event_trigger":"bbo" (snapshot defaults: trade false,
 *              ticker true); unsubscribe alike
 *   ack       one per symbol: {"method":"subscribe","result":{"channel":
 *              "trade","snapshot":false,"symbol":"BTC/USDT"},"success":true,
 *              "time_in":..,"time_out":..,"req_id":1}
 *   reject    per symbol: {"error":"Currency pair not supported BTC/XYZ",
 *              "method":"subscribe","req_id":1,"success":false,"symbol":
 *              "BTC/XYZ","time_in":..,"time_out":..}
 *   trade     {"channel":"trade","type":"update","data":[{"symbol":
 *              "BTC/USDT","side":"sell","price":65000.12,"qty":0.5,
 *              "ord_type":"market","trade_id":N,"timestamp":RFC3339}]}:
 *             side is the taker's; bare JSON numbers; trade ids consecutive
 *             per symbol
 *   ticker    {"channel":"ticker","type":"update","data":[{"symbol":..,
 *              "bid":..,"bid_qty":..,"ask":..,"ask_qty":..,"last":..,
 *              "volume":..,"vwap":..,"low":..,"high":..,"change":..,
 *              "change_pct":..,"timestamp":..}]}; a ticker subscription
 *             with snapshot true starts with the same as "type":"snapshot"
 *   ping      {"method":"ping","req_id":N} -> {"method":"pong","req_id":N,
 *              "time_in":..,"time_out":..}
 *   heartbeat {"channel":"heartbeat"} each second while subscribed
 *   status    on connecting: {"channel":"status","data":[{"api_version":"v2",
 *              "connection_id":N,"system":"online","version":"2.0.0"}],
 *              "type":"update"}
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sim.h"

/* "BTC-USDT" -> "BTC/USDT": v2 names pairs with a slash. */
static void kr_pair(const struct sim_symbol *s, char *out, size_t len)
{
	snprintf(out, len, "%s", s->norm);
	for (char *p = out; *p; p++)
		if (*p == '-')
			*p = '/';
}

static int kr_ticker_text(struct sim_venue *v, uint32_t i, const char *type,
			  const struct sim_bbo_text *x, int64_t ms, char *buf, size_t len)
{
	char pair[SIM_NATIVE_MAX], last[40], ts[40];

	kr_pair(&v->sym[i], pair, sizeof(pair));
	sim_dec_trim(v->sym[i].px, 8, last, sizeof(last));
	sim_rfc3339(ms, ts, sizeof(ts));
	return sim_dialect_print(
		buf, len,
		"{\"channel\":\"ticker\",\"type\":\"%s\",\"data\":[{\"symbol\":\"%s\","
		"\"bid\":%s,\"bid_qty\":%s,\"ask\":%s,\"ask_qty\":%s,\"last\":%s,"
		"\"volume\":1234.5678,\"vwap\":%s,\"low\":%s,\"high\":%s,\"change\":0.0,"
		"\"change_pct\":0.0,\"timestamp\":\"%s\"}]}",
		type, pair, x->bid, x->bid_qty, x->ask, x->ask_qty, last, last, last, last, ts);
}

/* The ack or reject of one symbol of a request. */
static void kr_answer(struct sim_replies *out, const char *method, const char *channel,
		      const char *pair, int ok, int snapshot, const char *rid, const char *ts)
{
	if (ok)
		sim_reply_add(out,
			      "{\"method\":\"%s\",\"result\":{\"channel\":\"%s\",%s\"snapshot\":%s,"
			      "\"symbol\":\"%s\"},\"success\":true,\"time_in\":\"%s\",\"time_out\":"
			      "\"%s\"%s}",
			      method, channel,
			      strcmp(channel, "ticker") == 0 ? "\"event_trigger\":\"bbo\"," : "",
			      snapshot ? "true" : "false", pair, ts, ts, rid);
	else
		sim_reply_add(out,
			      "{\"error\":\"Currency pair not supported %.40s\",\"method\":\"%s\","
			      "\"success\":false,\"symbol\":\"%.40s\",\"time_in\":\"%s\","
			      "\"time_out\":\"%s\"%s}",
			      pair, method, pair, ts, ts, rid);
}

/* A ticker snapshot of symbol i: a fresh BBO step, sent as data. */
static void kr_snapshot(struct sim_venue *v, uint32_t i, int64_t ms, struct sim_replies *out)
{
	struct sim_bbo_text x;
	char text[1024];

	sim_dialect_bbo_step(v, i, SIM_TEXT_TRIM, &x);
	if (kr_ticker_text(v, i, "snapshot", &x, ms, text, sizeof(text)) > 0)
		sim_reply_data(out, v, ms, "%s", text);
}

/* (un)subscribe: one answer per symbol, each symbol on its own. */
static int kr_subscribe(struct sim_venue *v, json_t *root, int on, uint8_t *subs,
			struct sim_replies *out, const char *rid)
{
	json_t *params = json_object_get(root, "params");
	const char *channel = json_string_value(json_object_get(params, "channel"));
	json_t *syms = json_object_get(params, "symbol"), *s;
	json_t *snap = json_object_get(params, "snapshot");
	int64_t ms = tools_now_ns(CLOCK_REALTIME) / 1000000;
	uint8_t bit = channel && strcmp(channel, "trade") == 0	  ? SIM_STREAM_TRADE
		      : channel && strcmp(channel, "ticker") == 0 ? SIM_STREAM_BBO
								  : 0;
	int snapshot = snap ? json_is_true(snap) : bit == SIM_STREAM_BBO;
	const char *method = on ? "subscribe" : "unsubscribe";
	char ts[40];
	size_t k;

	sim_rfc3339(ms, ts, sizeof(ts));
	if (!bit || !json_is_array(syms) || json_array_size(syms) == 0) {
		sim_reply_add(out,
			      "{\"error\":\"%s\",\"method\":\"%s\",\"success\":false,\"time_in\":"
			      "\"%s\",\"time_out\":\"%s\"%s}",
			      bit ? "Must specify at least one symbol" : "Channel not supported",
			      method, ts, ts, rid);
		return -EINVAL;
	}
	json_array_foreach(syms, k, s)
	{
		const char *name = json_string_value(s);
		int sym = name ? sim_venue_symbol(v, name, strlen(name)) : -ENOENT;
		char pair[SIM_NATIVE_MAX];

		if (sym < 0) {
			kr_answer(out, method, channel, name ? name : "?", 0, 0, rid, ts);
			continue;
		}
		kr_pair(&v->sym[sym], pair, sizeof(pair));
		kr_answer(out, method, channel, pair, 1, snapshot, rid, ts);
		if (on && bit == SIM_STREAM_BBO && snapshot && !(subs[sym] & bit))
			kr_snapshot(v, (uint32_t)sym, ms, out);
		subs[sym] = (uint8_t)(on ? subs[sym] | bit : subs[sym] & ~bit);
	}
	return 0;
}

static int kr_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
		      struct sim_replies *out)
{
	json_t *root = json_loadb(msg, n, 0, NULL);
	const char *method = json_string_value(json_object_get(root, "method"));
	json_t *jid = json_object_get(root, "req_id");
	char rid[48] = "", ts[40];
	int r = -EINVAL;

	sim_rfc3339(tools_now_ns(CLOCK_REALTIME) / 1000000, ts, sizeof(ts));
	if (json_is_integer(jid))
		snprintf(rid, sizeof(rid), ",\"req_id\":%" JSON_INTEGER_FORMAT,
			 json_integer_value(jid));
	if (method && strcmp(method, "ping") == 0) {
		sim_reply_add(out, "{\"method\":\"pong\",\"time_in\":\"%s\",\"time_out\":\"%s\"%s}",
			      ts, ts, rid);
		r = SIM_REQ_PING;
	} else if (method &&
		   (strcmp(method, "subscribe") == 0 || strcmp(method, "unsubscribe") == 0)) {
		r = kr_subscribe(v, root, method[0] == 's', subs, out, rid);
	} else {
		sim_reply_add(out,
			      "{\"error\":\"%s\",\"success\":false,\"time_in\":\"%s\",\"time_out\":"
			      "\"%s\"%s}",
			      root ? "Method not found" : "Malformed request", ts, ts, rid);
	}
	json_decref(root);
	return r;
}

static int kr_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
		    uint64_t id, char *buf, size_t len)
{
	struct sim_trade_text x;
	char pair[SIM_NATIVE_MAX], ts[40];

	sim_dialect_trade_step(v, i, id, extra_decimals, SIM_TEXT_TRIM, &x);
	kr_pair(&v->sym[i], pair, sizeof(pair));
	sim_rfc3339(now_ms, ts, sizeof(ts));
	return sim_dialect_print(
		buf, len,
		"{\"channel\":\"trade\",\"type\":\"update\",\"data\":[{\"symbol\":"
		"\"%s\",\"side\":\"%s\",\"price\":%s,\"qty\":%s,\"ord_type\":\"%s\","
		"\"trade_id\":%" PRIu64 ",\"timestamp\":\"%s\"}]}",
		pair, x.t.buyer_maker ? "sell" : "buy", x.px, x.qty,
		x.t.id & 1 ? "market" : "limit", x.t.id, ts);
}

static int kr_bbo(struct sim_venue *v, uint32_t i, int64_t now_ms, char *buf, size_t len)
{
	struct sim_bbo_text x;

	sim_dialect_bbo_step(v, i, SIM_TEXT_TRIM, &x);
	return kr_ticker_text(v, i, "update", &x, now_ms, buf, len);
}

/* --replay lines: the first "symbol" names it; the channel gives the kind. */
static int kr_classify(struct sim_venue *v, const char *msg, size_t n, uint8_t *kind)
{
	return sim_dialect_classify_marked(v, msg, n, "\"channel\":\"trade\"",
					   "\"channel\":\"ticker\"", "\"symbol\":\"", kind);
}

/* {"channel":"heartbeat"} once a second on a connection subscribed to
 * anything. */
static int kr_beat(struct sim_venue *v, const uint8_t *subs, int64_t now_ms,
		   struct sim_replies *out)
{
	(void)now_ms;
	for (uint32_t i = 0; i < v->nsym; i++)
		if (subs[i])
			return sim_reply_add(out, "{\"channel\":\"heartbeat\"}");
	return 0;
}

/* The status message a new connection gets first. */
static int kr_hello(struct sim_venue *v, uint64_t conn_id, int64_t now_ms, struct sim_replies *out)
{
	(void)v;
	(void)now_ms;
	return sim_reply_add(out,
			     "{\"channel\":\"status\",\"data\":[{\"api_version\":\"v2\","
			     "\"connection_id\":%" PRIu64 ",\"system\":\"online\",\"version\":"
			     "\"2.0.0\"}],\"type\":\"update\"}",
			     (uint64_t)0xbffe4c7a00000000ull | conn_id);
}

const struct sim_dialect sim_dialect_kraken = {
	.name = "kraken",
	.paths = "/v2",
	.request = kr_request,
	.trade = kr_trade,
	.bbo = kr_bbo,
	.classify = kr_classify,
	/* no .ping: the client pings ({"method":"ping"}); no server ping documented */
	.beat = kr_beat,
	.hello = kr_hello,
};
