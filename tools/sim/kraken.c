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
 *   instrument {"method":"subscribe","params":{"channel":"instrument"}} (no
 *             symbol list): the ack ({"channel":"instrument","snapshot":true}
 *             in result), then {"channel":"instrument","type":"snapshot",
 *             "data":{"assets":[],"pairs":[{"symbol":"BTC/USDT",..,
 *             "qty_precision":8,..,"price_precision":2,..}]}}: every pair
 *             with the precisions its book prints and checksums at
 *   book      "channel":"book" with "depth" 10, 25, 100, 500 or 1000 (default
 *             10; SIM_STREAM_DEPTH); the ack's result carries "depth". Then
 *             {"channel":"book","type":"snapshot","data":[{"symbol":..,
 *              "bids":[{"price":P,"qty":Q}..],"asks":[..],"checksum":N}]}
 *             and "type":"update" with the changed levels ("qty":0 removes)
 *             and "timestamp"; bare JSON numbers printed at the pair's
 *             precision (price: the tick's decimals, qty: 8), so the text
 *             is the checksum's input. An update names what changes inside
 *             the subscribed depth, and re-states the levels that enter it
 *             from below when levels inside are removed (the venue
 *             publishes the next level); the client truncates to the depth.
 *             A step that changes nothing inside the depth sends nothing.
 *             checksum: CRC32 (unsigned) of the top 10 asks low to high,
 *             then the top 10 bids high to low, each level price then qty
 *             with '.' and leading zeros removed; a wrong one under the
 *             bad_checksum fault
 *
 * depth checked 2026-12-07 against
 * https://docs.kraken.com/api/docs/websocket-v2/book and
 * https://docs.kraken.com/exchange/guides/websockets/book-checksum-v2.md
 * (the bad-depth error text is not documented: ours).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <zlib.h>

#include "sim.h"

#define KR_CSUM_LEVELS	 10 /* the checksum covers the top 10 of each side */
#define KR_DEPTH_DEFAULT 10
#define KR_SUB_INST	 0x40u /* subs: this connection has the instrument channel */

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
	char extra[40] = "";

	if (strcmp(channel, "ticker") == 0)
		snprintf(extra, sizeof(extra), "\"event_trigger\":\"bbo\",");
	else if (ok > 1) /* book: ok is the depth */
		snprintf(extra, sizeof(extra), "\"depth\":%d,", ok);
	if (ok)
		sim_reply_add(out,
			      "{\"method\":\"%s\",\"result\":{\"channel\":\"%s\",%s\"snapshot\":%s,"
			      "\"symbol\":\"%s\"},\"success\":true,\"time_in\":\"%s\",\"time_out\":"
			      "\"%s\"%s}",
			      method, channel, extra, snapshot ? "true" : "false", pair, ts, ts,
			      rid);
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

/* The book depth asked for in params: 10 (absent), 25, 100, 500 or 1000;
 * -EINVAL for another value. */
static int kr_book_depth(json_t *params)
{
	json_t *d = json_object_get(params, "depth");
	json_int_t n = d ? (json_is_integer(d) ? json_integer_value(d) : -1) : KR_DEPTH_DEFAULT;

	return n == 10 || n == 25 || n == 100 || n == 500 || n == 1000 ? (int)n : -EINVAL;
}

/* The pair's price_precision: the decimals of its tick (8 at most). */
static int kr_price_precision(const struct sim_symbol *s)
{
	int64_t t = s->tick > 0 ? s->tick : 1000000; /* sim_book's default tick */
	int d = 8;

	while (d > 0 && t % 10 == 0) {
		t /= 10;
		d--;
	}
	return d;
}

/* One pair of the instrument channel's data.pairs, appended at *off:
 * 0, or -ENOSPC. */
static int kr_inst_pair(struct sim_venue *v, uint32_t i, const char *sep, char *buf, size_t len,
			size_t *off)
{
	char pair[SIM_NATIVE_MAX], inc[40];
	int pp = kr_price_precision(&v->sym[i]), n;
	const char *slash;

	kr_pair(&v->sym[i], pair, sizeof(pair));
	slash = strchr(pair, '/');
	sim_dec_trim(1, pp, inc, sizeof(inc));
	n = snprintf(buf + *off, len - *off,
		     "%s{\"symbol\":\"%s\",\"base\":\"%.*s\",\"quote\":\"%s\",\"status\":"
		     "\"online\",\"qty_precision\":8,\"qty_increment\":0.00000001,"
		     "\"price_precision\":%d,\"price_increment\":%s,\"cost_precision\":5,"
		     "\"marginable\":false,\"has_index\":true,\"cost_min\":0.5,\"qty_min\":0.0001}",
		     sep, pair, slash ? (int)(slash - pair) : (int)strlen(pair), pair,
		     slash ? slash + 1 : "", pp, inc);
	if (n < 0 || (size_t)n + 4 >= len - *off)
		return -ENOSPC;
	*off += (size_t)n;
	return 0;
}

/* An instrument message: "snapshot" of every pair known, or "update" of
 * pair i alone (a pair the venue made up after the snapshot: a listing).
 * Pairs that do not fit the reply buffer are left out. */
static int kr_inst_data(struct sim_venue *v, int snapshot, uint32_t i, struct sim_replies *out)
{
	char text[12288];
	size_t off = 0;

	off = (size_t)snprintf(text, sizeof(text),
			       "{\"channel\":\"instrument\",\"type\":\"%s\",\"data\":{%s"
			       "\"pairs\":[",
			       snapshot ? "snapshot" : "update", snapshot ? "\"assets\":[]," : "");
	if (!snapshot)
		(void)kr_inst_pair(v, i, "", text, sizeof(text), &off);
	for (uint32_t k = 0; snapshot && k < v->nsym; k++)
		if (kr_inst_pair(v, k, k ? "," : "", text, sizeof(text), &off) < 0)
			break;
	snprintf(text + off, sizeof(text) - off, "]}}");
	return sim_reply_add(out, "%s", text) < 0 ? -ENOSPC : 0;
}

/* The instrument channel (no symbol list): the ack, then the snapshot.
 * The connection is marked (KR_SUB_INST on every symbol slot, symbols the
 * venue has not made up yet included) so that a pair a later book
 * subscription makes up is announced by an update first. */
static int kr_instrument(struct sim_venue *v, int on, uint8_t *subs, struct sim_replies *out,
			 const char *rid, const char *ts)
{
	sim_reply_add(out,
		      "{\"method\":\"%s\",\"result\":{\"channel\":\"instrument\",\"snapshot\":"
		      "true,\"warnings\":[]},\"success\":true,\"time_in\":\"%s\",\"time_out\":"
		      "\"%s\"%s}",
		      on ? "subscribe" : "unsubscribe", ts, ts, rid);
	for (uint32_t k = 0; k < SIM_MAX_SYMBOLS; k++)
		subs[k] = (uint8_t)(on ? subs[k] | KR_SUB_INST : subs[k] & ~KR_SUB_INST);
	return on ? kr_inst_data(v, 1, 0, out) : 0;
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
		      : channel && strcmp(channel, "book") == 0	  ? SIM_STREAM_DEPTH
								  : 0;
	int snapshot = snap ? json_is_true(snap) : bit != SIM_STREAM_TRADE;
	int depth = bit == SIM_STREAM_DEPTH ? kr_book_depth(params) : 1;
	const char *method = on ? "subscribe" : "unsubscribe";
	char ts[40];
	size_t k;

	sim_rfc3339(ms, ts, sizeof(ts));
	if (channel && strcmp(channel, "instrument") == 0)
		return kr_instrument(v, on, subs, out, rid, ts);
	if (!bit || depth < 0 || !json_is_array(syms) || json_array_size(syms) == 0) {
		sim_reply_add(out,
			      "{\"error\":\"%s\",\"method\":\"%s\",\"success\":false,\"time_in\":"
			      "\"%s\",\"time_out\":\"%s\"%s}",
			      !bit	  ? "Channel not supported"
			      : depth < 0 ? "Invalid depth: must be 10, 25, 100, 500 or 1000"
					  : "Must specify at least one symbol",
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
		kr_answer(out, method, channel, pair, depth, snapshot, rid, ts);
		if (on && bit == SIM_STREAM_DEPTH && (subs[sym] & KR_SUB_INST) &&
		    !(subs[sym] & SIM_STREAM_DEPTH))
			(void)kr_inst_data(v, 0, (uint32_t)sym, out);
		if (on && bit == SIM_STREAM_DEPTH)
			out->depth[sym] = (uint16_t)depth;
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

/* Appends to buf at *off (printf format): 0, or -ENOSPC. */
__attribute__((format(printf, 4, 5))) static int kr_cat(char *buf, size_t len, size_t *off,
							const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return -ENOSPC;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *off)
		return -ENOSPC;
	*off += (size_t)n;
	return 0;
}

/* A price at the pair's precision (the tick's decimals) or a qty at 8
 * decimals, as printed; a removed level's qty is 0. */
static void kr_num(int64_t m, int64_t tick, int is_qty, char *out, size_t len)
{
	int64_t t = tick > 0 ? tick : 1, scale = 1;
	int d = 8;

	if (is_qty) {
		if (m == 0)
			snprintf(out, len, "0");
		else
			sim_dec(m, 8, out, len);
		return;
	}
	while (d > 0 && t % 10 == 0) {
		t /= 10;
		scale *= 10;
		d--;
	}
	if (d == 0)
		snprintf(out, len, "%" PRId64, m / scale);
	else
		sim_dec(m / scale, d, out, len);
}

/* The checksum input of one level: price then qty text without '.' and
 * without leading zeros. */
static int kr_csum_level(const struct sim_lvl *l, int64_t tick, char *buf, size_t len, size_t *off)
{
	char num[2][48];

	kr_num(l->px, tick, 0, num[0], sizeof(num[0]));
	kr_num(l->qty, tick, 1, num[1], sizeof(num[1]));
	for (int k = 0; k < 2; k++) {
		const char *p = num[k];

		while (*p == '0' || *p == '.')
			p++; /* leading zeros, and the '.' of "0.05" */
		for (; *p; p++)
			if (*p != '.' && kr_cat(buf, len, off, "%c", *p) < 0)
				return -ENOSPC;
	}
	return 0;
}

/* CRC32 of the top 10 asks (low to high) then the top 10 bids (high to
 * low), as Kraken prints it: unsigned. */
static uint32_t kr_checksum(const struct sim_lvl *b, uint32_t nb, const struct sim_lvl *a,
			    uint32_t na, int64_t tick)
{
	char text[KR_CSUM_LEVELS * 2 * 80];
	size_t off = 0;

	for (uint32_t k = 0; k < KR_CSUM_LEVELS && k < na; k++)
		kr_csum_level(&a[k], tick, text, sizeof(text), &off);
	for (uint32_t k = 0; k < KR_CSUM_LEVELS && k < nb; k++)
		kr_csum_level(&b[k], tick, text, sizeof(text), &off);
	return (uint32_t)crc32(0L, (const Bytef *)text, (uInt)off);
}

static int kr_level(char *buf, size_t len, size_t *off, const struct sim_lvl *l, int64_t tick,
		    const char *sep)
{
	char px[48], qty[48];

	kr_num(l->px, tick, 0, px, sizeof(px));
	kr_num(l->qty, tick, 1, qty, sizeof(qty));
	return kr_cat(buf, len, off, "%s{\"price\":%s,\"qty\":%s}", sep, px, qty);
}

/* One side of an update inside the subscribed depth: the changed levels at
 * or above the depth-th level of the book after the step, then the bottom
 * levels of that window again, one per level removed inside it (they may
 * have entered it from below). A snapshot: its levels. */
static int kr_side(char *buf, size_t len, size_t *off, const struct sim_lvl *lv, uint32_t n,
		   const struct sim_book_side *after, uint32_t depth, int bid, int64_t tick)
{
	uint32_t w = after ? (after->n < depth ? after->n : depth) : 0, removed = 0, out = 0;
	int64_t edge = w ? after->lv[w - 1].px : 0;

	for (uint32_t k = 0; k < n; k++) {
		int inside = !after || (w < depth) || (bid ? lv[k].px >= edge : lv[k].px <= edge);

		if (!inside)
			continue;
		removed += after && lv[k].qty == 0;
		if (kr_level(buf, len, off, &lv[k], tick, out++ ? "," : "") < 0)
			return -ENOSPC;
	}
	for (uint32_t k = w - (removed < w ? removed : w); after && k < w; k++)
		if (kr_level(buf, len, off, &after->lv[k], tick, out++ ? "," : "") < 0)
			return -ENOSPC;
	return (int)out;
}

/* A book message: the snapshot at the subscribed depth, or an update. */
static int kr_depth(struct sim_venue *v, uint32_t i, const struct sim_book_ev *ev, int mode,
		    char *buf, size_t len)
{
	const struct sim_book_state *cur = &ev->book->cur;
	uint32_t depth = ev->depth ? ev->depth : KR_DEPTH_DEFAULT;
	int64_t tick = ev->book->tick;
	uint32_t csum =
		ev->snapshot ? kr_checksum(ev->bids, ev->nb, ev->asks, ev->na, tick)
			     : kr_checksum(cur->bid.lv, cur->bid.n, cur->ask.lv, cur->ask.n, tick);
	char pair[SIM_NATIVE_MAX], ts[40] = "";
	size_t off = 0;
	int nb, na;

	(void)mode;
	kr_pair(&v->sym[i], pair, sizeof(pair));
	if (!ev->snapshot)
		sim_rfc3339(tools_now_ns(CLOCK_REALTIME) / 1000000, ts, sizeof(ts));
	if (ev->bad_checksum)
		csum ^= 0x5a5a5a5au;
	if (kr_cat(buf, len, &off,
		   "{\"channel\":\"book\",\"type\":\"%s\",\"data\":[{\"symbol\":\"%s\",\"bids\":[",
		   ev->snapshot ? "snapshot" : "update", pair) < 0 ||
	    (nb = kr_side(buf, len, &off, ev->bids, ev->nb, ev->snapshot ? NULL : &cur->bid, depth,
			  1, tick)) < 0 ||
	    kr_cat(buf, len, &off, "],\"asks\":[") < 0 ||
	    (na = kr_side(buf, len, &off, ev->asks, ev->na, ev->snapshot ? NULL : &cur->ask, depth,
			  0, tick)) < 0 ||
	    kr_cat(buf, len, &off, "],\"checksum\":%" PRIu32 "%s%s%s}]}", csum,
		   ev->snapshot ? "" : ",\"timestamp\":\"", ts, ev->snapshot ? "" : "\"") < 0)
		return -ENOSPC;
	if (!ev->snapshot && nb + na == 0)
		return 0; /* nothing changed inside the subscribed depth: no message */
	return (int)off;
}

/* REST (Depth, Ticker, Trades): at the end of the file. */
static int kr_rest(struct sim_venue *v, const char *path_query, char *out, size_t len, int *status);

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
	.depth = kr_depth,
	.rest = kr_rest,
	.book_flags = SIM_BOOK_STREAM_SNAPSHOT | SIM_BOOK_CHECKSUM,
};

/* ---- REST: /0/public/Depth, /0/public/Ticker, /0/public/Trades ---------------------- */

/*
 * Checked 2026-12-07 against https://docs.kraken.com/api/docs/rest-api/get-order-book,
 * .../get-ticker-information and .../get-recent-trades. pair= is the REST
 * name ("XBTUSD", "XBTUSDT": Bitcoin is XBT, Dogecoin XDG); the answer is
 * {"error":[],"result":{KEY:..}} with KEY Kraken's own name of the pair
 * ("XXBTZUSD" for the classic fiat pairs, else the pair as asked):
 *   Depth?pair=&count=N (1..500, default 100): {"asks":[["px","qty",ts]..],
 *     "bids":[..]}, px and qty printed as the book channel prints them, ts
 *     in seconds (integer)
 *   Ticker?pair=: {"a":[px,whole lot volume,lot volume],"b":[..],"c":[px,lot
 *     volume],"v","p","t","l","h","o"}: the walk's next best bid and offer
 *   Trades?pair=&count=N: KEY:[[px,volume,time,"b"|"s","m"|"l","",id]..]
 *     oldest first (time in seconds with a fraction, a number; b/s the
 *     taker's side) and "last" (a string of ns)
 * An unknown pair: HTTP 200 {"error":["EQuery:Unknown asset pair"]}.
 */

/* The symbol of pair= ("XBTUSDT" -> BTC/USDT), or -ENOENT. */
static int kr_rest_symbol(struct sim_venue *v, const char *path_query)
{
	char pair[SIM_NATIVE_MAX], name[SIM_NATIVE_MAX + 4];

	if (sim_query_param(path_query, "pair", pair, sizeof(pair)) <= 0)
		return -ENOENT;
	if (strncmp(pair, "XBT", 3) == 0)
		snprintf(name, sizeof(name), "BTC%s", pair + 3);
	else if (strncmp(pair, "XDG", 3) == 0)
		snprintf(name, sizeof(name), "DOGE%s", pair + 3);
	else
		snprintf(name, sizeof(name), "%s", pair);
	return sim_venue_symbol(v, name, strlen(name));
}

/* Kraken's result key of symbol i: "XXBTZUSD" (a classic fiat pair), else
 * "XBTUSDT". */
static void kr_rest_key(const struct sim_symbol *s, char *out, size_t len)
{
	const char *dash = strchr(s->norm, '-');
	const char *quote = dash ? dash + 1 : "";
	char base[SIM_NATIVE_MAX];
	int bl = dash ? (int)(dash - s->norm) : (int)strlen(s->norm);

	snprintf(base, sizeof(base), "%.*s", bl, s->norm);
	if (strcmp(base, "BTC") == 0)
		snprintf(base, sizeof(base), "XBT");
	if (strlen(base) == 3 && (!strcmp(quote, "USD") || !strcmp(quote, "EUR")))
		snprintf(out, len, "X%sZ%s", base, quote);
	else
		snprintf(out, len, "%s%s", base, quote);
}

static void kr_rest_side(struct sim_out *o, const struct sim_lvl *lv, uint32_t n, int64_t tick,
			 int64_t secs)
{
	for (uint32_t k = 0; k < n; k++) {
		char px[48], qty[48];

		kr_num(lv[k].px, tick, 0, px, sizeof(px));
		kr_num(lv[k].qty, tick, 1, qty, sizeof(qty));
		sim_out_printf(o, "%s[\"%s\",\"%s\",%" PRId64 "]", k ? "," : "", px, qty, secs);
	}
}

/* NOLINTNEXTLINE(readability-non-const-parameter): written through a struct sim_out */
static int kr_rest_depth(struct sim_venue *v, int sym, long count, char *out, size_t len)
{
	struct sim_out o = {out, len, 0, 0};
	int64_t secs = tools_now_ns(CLOCK_REALTIME) / 1000000000;
	struct sim_book_ev ev;
	char key[SIM_NATIVE_MAX + 4];

	if (sim_book_rest_view(v, (uint32_t)sym, (uint32_t)count, &ev) < 0)
		return -ENOSPC;
	kr_rest_key(&v->sym[sym], key, sizeof(key));
	sim_out_printf(&o, "{\"error\":[],\"result\":{\"%s\":{\"asks\":[", key);
	kr_rest_side(&o, ev.asks, ev.na, ev.book->tick, secs);
	sim_out_printf(&o, "],\"bids\":[");
	kr_rest_side(&o, ev.bids, ev.nb, ev.book->tick, secs);
	sim_out_printf(&o, "]}}}");
	return sim_out_end(&o);
}

/* NOLINTNEXTLINE(readability-non-const-parameter): written through a struct sim_out */
static int kr_rest_ticker(struct sim_venue *v, int sym, char *out, size_t len)
{
	struct sim_out o = {out, len, 0, 0};
	struct sim_bbo_text x;
	char key[SIM_NATIVE_MAX + 4], last[40];

	sim_dialect_bbo_step(v, (uint32_t)sym, SIM_TEXT_TRIM, &x);
	sim_dec_trim(v->sym[sym].px, 8, last, sizeof(last));
	kr_rest_key(&v->sym[sym], key, sizeof(key));
	sim_out_printf(&o,
		       "{\"error\":[],\"result\":{\"%s\":{\"a\":[\"%s\",\"1\",\"%s\"],"
		       "\"b\":[\"%s\",\"1\",\"%s\"],\"c\":[\"%s\",\"0.001\"],"
		       "\"v\":[\"1234.5678\",\"2345.6789\"],\"p\":[\"%s\",\"%s\"],"
		       "\"t\":[100,200],\"l\":[\"%s\",\"%s\"],\"h\":[\"%s\",\"%s\"],"
		       "\"o\":\"%s\"}}}",
		       key, x.ask, x.ask_qty, x.bid, x.bid_qty, last, last, last, last, last, last,
		       last, last);
	return sim_out_end(&o);
}

/* NOLINTNEXTLINE(readability-non-const-parameter): written through a struct sim_out */
static int kr_rest_trades(struct sim_venue *v, int sym, long count, char *out, size_t len)
{
	struct sim_out o = {out, len, 0, 0};
	int64_t now = tools_now_ns(CLOCK_REALTIME) / 1000000, ms[64];
	struct sim_trade t[64];
	char key[SIM_NATIVE_MAX + 4];
	uint32_t n, k;

	n = sim_rest_recent(v, (uint32_t)sym, (uint32_t)(count < 64 ? count : 64), now, t, ms);
	kr_rest_key(&v->sym[sym], key, sizeof(key));
	sim_out_printf(&o, "{\"error\":[],\"result\":{\"%s\":[", key);
	for (k = 0; k < n; k++) {
		char px[40], qty[40];

		sim_dec_trim(t[k].px, 8, px, sizeof(px));
		sim_dec_trim(t[k].qty, 8, qty, sizeof(qty));
		sim_out_printf(&o,
			       "%s[\"%s\",\"%s\",%" PRId64 ".%03" PRId64 "0000,\"%s\",\"%s\",\"\","
			       "%" PRIu64 "]",
			       k ? "," : "", px, qty, ms[k] / 1000, ms[k] % 1000,
			       t[k].buyer_maker ? "s" : "b", t[k].id & 1 ? "m" : "l", t[k].id);
	}
	sim_out_printf(&o, "],\"last\":\"%" PRId64 "000000\"}}", n ? ms[n - 1] : now);
	return sim_out_end(&o);
}

static int kr_rest(struct sim_venue *v, const char *path_query, char *out, size_t len, int *status)
{
	static const char *const paths[] = {"/0/public/Depth?", "/0/public/Ticker?",
					    "/0/public/Trades?"};
	long count;
	int what, sym;

	for (what = 0; what < 3 && strncmp(path_query, paths[what], strlen(paths[what])) != 0;
	     what++)
		;
	if (what == 3)
		return -ENOENT;
	*status = 200;
	sym = kr_rest_symbol(v, path_query);
	if (sym < 0)
		return sim_dialect_print(out, len, "{\"error\":[\"EQuery:Unknown asset pair\"]}");
	count = sim_rest_limit_key(path_query, "count", what == 0 ? 100 : 1000,
				   what == 0 ? 500 : 1000);
	if (count < 0)
		return sim_dialect_print(out, len, "{\"error\":[\"EGeneral:Invalid arguments\"]}");
	if (what == 1)
		return kr_rest_ticker(v, sym, out, len);
	return what == 0 ? kr_rest_depth(v, sym, count, out, len)
			 : kr_rest_trades(v, sym, count, out, len);
}
