/* SPDX-License-Identifier: MIT */
/*
 * binance.c: the Binance spot dialect of mdbus-sim (struct sim_dialect, see
 * sim.h). No I/O: requests in, reply text out; walk steps in, event JSON out.
 *
 *   request  {"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@bookTicker"],"id":1}
 *   ack      {"result":null,"id":1}
 *   error    {"error":{"code":2,"msg":"Invalid symbol"},"id":1}
 *   trade    {"e":"trade","E":ms,"s":"BTCUSDT","t":id,"p":"65000.12000000",
 *             "q":"0.00100000","T":ms,"m":true,"M":true}
 *   bbo      {"u":id,"s":"BTCUSDT","b":"...","B":"...","a":"...","A":"..."}
 *   paths    /ws, /ws/STREAM/..., /stream (combined: events come as
 *            {"stream":"btcusdt@trade","data":{...}}), /stream?streams=A/B;
 *            each also under /public or /market (futures routed endpoints)
 *
 * Keepalive: WebSocket ping frames both ways (no app-level ping).
 *
 * Order books (checked 2026-12-07 against
 * https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams
 * "Diff. Depth Stream" and .../rest-api/market-data-endpoints "Order book"):
 *   depth    <symbol>@depth[@100ms|@1000ms]: {"e":"depthUpdate","E":ms,
 *            "s":"BTCUSDT","U":first,"u":last,"b":[["p","q"]],"a":[..]},
 *            qty "0.00000000" = level removed; combined streams name it
 *            <symbol>@depth@100ms whichever speed was asked
 *   REST     GET /api/v3/depth?symbol=BTCUSDT&limit=N (default 100, max 5000):
 *            {"lastUpdateId":N,"bids":[..],"asks":[..]}; errors -1102 (no
 *            symbol), -1121 (unknown), HTTP 400
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include <jansson.h>

#include "sim.h"

#define BINANCE_COMBINED 1 /* route mode: /stream, events wrapped */

static void binance_error(char *reply, size_t len, int code, const char *msg, const char *id)
{
	snprintf(reply, len, "{\"error\":{\"code\":%d,\"msg\":\"%s\"},\"id\":%s}", code, msg, id);
}

const char *sim_binance_depth_at(const char *s)
{
	static const char *const names[] = {"@depth", "@depth@100ms", "@depth@250ms",
					    "@depth@500ms", "@depth@1000ms"};
	const char *at = s ? strchr(s, '@') : NULL;

	for (size_t k = 0; at && k < sizeof(names) / sizeof(names[0]); k++)
		if (strcmp(at, names[k]) == 0)
			return at;
	return NULL;
}

/* "btcusdt@trade" -> symbol index + stream bit; -EINVAL bad stream name,
 * -ENOENT unknown symbol. */
static int binance_stream(struct sim_venue *v, const char *s, int *sym, uint8_t *bit)
{
	const char *at = sim_binance_depth_at(s);

	if (at)
		*bit = SIM_STREAM_DEPTH;
	else
		at = sim_dialect_at_stream(s, bit);

	if (!at)
		return -EINVAL;
	for (const char *c = s; c < at; c++)
		if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c))
			return -ENOENT; /* Binance names streams in lower case only */
	*sym = sim_venue_symbol(v, s, (size_t)(at - s));
	return *sym < 0 ? -ENOENT : 0;
}

/* The request's id as JSON text for the reply: an integer, a short string,
 * else null. */
static void binance_request_id(json_t *root, char *id, size_t len)
{
	json_t *jid = json_object_get(root, "id");

	if (json_is_integer(jid))
		snprintf(id, len, "%" JSON_INTEGER_FORMAT, json_integer_value(jid));
	else if (json_is_string(jid) && json_string_length(jid) < 40)
		snprintf(id, len, "\"%s\"", json_string_value(jid));
}

/* SUBSCRIBE (on) / UNSUBSCRIBE: all or nothing, a request naming one bad
 * stream changes nothing. Returns 0 or -EINVAL (error reply written). */
static int binance_subscribe(struct sim_venue *v, json_t *params, int on, uint8_t *subs,
			     char *reply, size_t replylen, const char *id)
{
	uint8_t next[SIM_MAX_SYMBOLS];

	if (!json_is_array(params)) {
		binance_error(reply, replylen, 2, "Invalid request: params must be an array", id);
		return -EINVAL;
	}
	memcpy(next, subs, sizeof(next));
	for (size_t i = 0; i < json_array_size(params); i++) {
		const char *s = json_string_value(json_array_get(params, i));
		uint8_t bit = 0;
		int sym = -1;
		int e = s ? binance_stream(v, s, &sym, &bit) : -EINVAL;

		if (e < 0) {
			binance_error(reply, replylen, 2,
				      e == -ENOENT ? "Invalid symbol"
						   : "Invalid request: bad stream name",
				      id);
			return -EINVAL;
		}
		if (on)
			next[sym] |= bit;
		else
			next[sym] &= (uint8_t)~bit;
	}
	memcpy(subs, next, sizeof(next));
	snprintf(reply, replylen, "{\"result\":null,\"id\":%s}", id);
	return 0;
}

/* LIST_SUBSCRIPTIONS: the streams in subs, lower-case as Binance names them. */
static void binance_list(const struct sim_venue *v, const uint8_t *subs, char *reply,
			 size_t replylen, const char *id)
{
	static const struct {
		uint8_t bit;
		const char *suffix;
	} streams[] = {{SIM_STREAM_TRADE, "trade"},
		       {SIM_STREAM_BBO, "bookTicker"},
		       {SIM_STREAM_DEPTH, "depth@100ms"}};
	size_t off = (size_t)snprintf(reply, replylen, "{\"result\":[");
	const char *sep = "";

	for (uint32_t k = 0; k < v->nsym && off < replylen; k++) {
		char lower[SIM_NATIVE_MAX];
		size_t j;

		for (j = 0; v->sym[k].native[j]; j++)
			lower[j] = (char)tolower((unsigned char)v->sym[k].native[j]);
		lower[j] = '\0';
		for (size_t t = 0; t < sizeof(streams) / sizeof(streams[0]); t++) {
			if (subs[k] & streams[t].bit && off < replylen) {
				off += (size_t)snprintf(reply + off, replylen - off, "%s\"%s@%s\"",
							sep, lower, streams[t].suffix);
				sep = ",";
			}
		}
	}
	if (off < replylen)
		snprintf(reply + off, replylen - off, "],\"id\":%s}", id);
}

static int binance_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
			   struct sim_replies *out)
{
	json_t *root = json_loadb(msg, n, 0, NULL);
	const char *method;
	char id[64] = "null", reply[4096];
	int r = 0;

	if (!root || !json_is_object(root)) {
		binance_error(reply, sizeof(reply), 3, "Invalid JSON", "null");
		json_decref(root);
		sim_reply_add(out, "%s", reply);
		return -EINVAL;
	}
	binance_request_id(root, id, sizeof(id));
	method = json_string_value(json_object_get(root, "method"));
	if (!method) {
		binance_error(reply, sizeof(reply), 2, "Invalid request: missing method", id);
		r = -EINVAL;
	} else if (strcmp(method, "SUBSCRIBE") == 0 || strcmp(method, "UNSUBSCRIBE") == 0) {
		r = binance_subscribe(v, json_object_get(root, "params"), method[0] == 'S', subs,
				      reply, sizeof(reply), id);
	} else if (strcmp(method, "LIST_SUBSCRIPTIONS") == 0) {
		binance_list(v, subs, reply, sizeof(reply), id);
	} else if (strcmp(method, "SET_PROPERTY") == 0) {
		snprintf(reply, sizeof(reply), "{\"result\":null,\"id\":%s}", id);
	} else if (strcmp(method, "GET_PROPERTY") == 0) {
		snprintf(reply, sizeof(reply), "{\"result\":false,\"id\":%s}", id);
	} else {
		binance_error(reply, sizeof(reply), 2, "Invalid request: unknown method", id);
		r = -EINVAL;
	}
	json_decref(root);
	sim_reply_add(out, "%s", reply);
	return r;
}

/* Subscribes the streams named in the path ("a@trade/b@bookTicker"), all or
 * nothing. Returns 0 or -ENOENT. */
static int binance_path_streams(struct sim_venue *v, const char *list, uint8_t *subs)
{
	char req[1024];
	size_t off = (size_t)snprintf(req, sizeof(req), "{\"method\":\"SUBSCRIBE\",\"params\":[");
	const char *p = list;
	struct sim_replies *rep = calloc(1, sizeof(*rep));
	int r;

	if (!rep)
		return -ENOMEM;
	while (*p && off < sizeof(req) - 64) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n)
			off += (size_t)snprintf(req + off, sizeof(req) - off, "%s\"%.*s\"",
						req[off - 1] == '[' ? "" : ",", (int)n, p);
		p += n + (e ? 1 : 0);
	}
	off += (size_t)snprintf(req + off, sizeof(req) - off, "],\"id\":0}");
	r = binance_request(v, req, off, subs, rep) == 0 ? 0 : -ENOENT;
	free(rep);
	return r;
}

/* /ws, /stream (combined), or either with streams named in it; the futures
 * routed endpoints put /public or /market in front (fstream's /market/ws). */
static int binance_route(struct sim_venue *v, const char *target, uint8_t *subs, int *mode)
{
	const char *streams = NULL;

	if ((strncmp(target, "/public/", 8) == 0 || strncmp(target, "/market/", 8) == 0) &&
	    (strncmp(target + 7, "/ws", 3) == 0 || strncmp(target + 7, "/stream", 7) == 0))
		target += 7;
	if (strcmp(target, "/ws") == 0 || strcmp(target, "/ws/") == 0 ||
	    strcmp(target, "/stream") == 0) {
		/* streams come with SUBSCRIBE requests */
	} else if (strncmp(target, "/ws/", 4) == 0) {
		streams = target + 4;
	} else if (strncmp(target, "/stream?streams=", 16) == 0) {
		streams = target + 16;
	} else {
		return 404;
	}
	if (streams && binance_path_streams(v, streams, subs) < 0)
		return 400;
	/* the same streams, but events come wrapped */
	*mode = strncmp(target, "/stream", 7) == 0 ? BINANCE_COMBINED : 0;
	return 0;
}

static int binance_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
			 uint64_t id, char *buf, size_t len)
{
	struct sim_trade_text x;

	sim_dialect_trade_step(v, i, id, extra_decimals, SIM_TEXT_FULL, &x);
	return sim_dialect_print(buf, len,
				 "{\"e\":\"trade\",\"E\":%" PRId64 ",\"s\":\"%s\",\"t\":%" PRIu64
				 ",\"p\":\"%s\",\"q\":\"%s\",\"T\":%" PRId64
				 ",\"m\":%s,\"M\":true}",
				 now_ms, v->sym[i].native, x.t.id, x.px, x.qty, now_ms,
				 x.t.buyer_maker ? "true" : "false");
}

static int binance_bbo(struct sim_venue *v, uint32_t i, int64_t now_ms, char *buf, size_t len)
{
	struct sim_bbo_text x;

	(void)now_ms;
	sim_dialect_bbo_step(v, i, SIM_TEXT_FULL, &x);
	v->last.no_ts = 1; /* bookTicker carries no time */
	return sim_dialect_print(
		buf, len,
		"{\"u\":%" PRIu64
		",\"s\":\"%s\",\"b\":\"%s\",\"B\":\"%s\",\"a\":\"%s\",\"A\":\"%s\"}",
		x.q.update_id, v->sym[i].native, x.bid, x.bid_qty, x.ask, x.ask_qty);
}

static int binance_classify(struct sim_venue *v, const char *msg, size_t n, uint8_t *kind)
{
	if (memmem(msg, n, "\"e\":\"trade\"", 11))
		*kind = SIM_STREAM_TRADE;
	else if (memmem(msg, n, "\"b\":", 4) && memmem(msg, n, "\"a\":", 4))
		*kind = SIM_STREAM_BBO;
	else
		*kind = 0;
	return sim_venue_symbol_after(v, msg, n, "\"s\":\"");
}

int sim_binance_combined(const struct sim_venue *v, int sym, const char *suffix, const void *p,
			 size_t n, struct sim_buf *out, uint8_t *opcode)
{
	char name[SIM_NATIVE_MAX + 16];
	size_t k;

	for (k = 0; v->sym[sym].native[k]; k++)
		name[k] = (char)(v->sym[sym].native[k] | 0x20);
	snprintf(name + k, sizeof(name) - k, "@%s", suffix);
	*opcode = WSLAY_TEXT_FRAME;
	if (sim_buf_append(out, "{\"stream\":\"", 11) < 0 ||
	    sim_buf_append(out, name, strlen(name)) < 0 ||
	    sim_buf_append(out, "\",\"data\":", 9) < 0 || sim_buf_append(out, p, n) < 0 ||
	    sim_buf_append(out, "}", 1) < 0)
		return -ENOMEM;
	return 1;
}

/* Combined streams: {"stream":"btcusdt@trade","data":EVENT}; replies and
 * plain connections go out as they are. */
static int binance_frame(const struct sim_venue *v, int mode, int sym, uint8_t kind, const void *p,
			 size_t n, struct sim_buf *out, uint8_t *opcode)
{
	if (mode != BINANCE_COMBINED || sym < 0 || !kind)
		return 0;
	return sim_binance_combined(v, sym,
				    kind == SIM_STREAM_TRADE ? "trade"
				    : kind == SIM_STREAM_BBO ? "bookTicker"
							     : "depth@100ms",
				    p, n, out, opcode);
}

/* written through a struct sim_out: */
int sim_binance_depth_msg(const struct sim_venue *v, uint32_t i, const struct sim_book_ev *ev,
			  int futures, char *buf /* NOLINT(readability-non-const-parameter) */,
			  size_t len)
{
	struct sim_out o = {buf, len, 0, 0};
	int64_t ms = tools_now_ns(CLOCK_REALTIME) / 1000000;

	sim_out_printf(&o, "{\"e\":\"depthUpdate\",\"E\":%" PRId64, ms);
	if (futures)
		sim_out_printf(&o, ",\"T\":%" PRId64, ms - 1);
	sim_out_printf(&o, ",\"s\":\"%s\",\"U\":%" PRIu64 ",\"u\":%" PRIu64, v->sym[i].native,
		       ev->first_id, ev->last_id);
	if (futures)
		sim_out_printf(&o, ",\"pu\":%" PRIu64, ev->prev_id);
	sim_out_printf(&o, ",\"b\":[");
	sim_out_levels(&o, ev->bids, ev->nb, SIM_TEXT_FULL);
	sim_out_printf(&o, "],\"a\":[");
	sim_out_levels(&o, ev->asks, ev->na, SIM_TEXT_FULL);
	sim_out_printf(&o, "]}");
	return sim_out_end(&o);
}

static int binance_depth(struct sim_venue *v, uint32_t i, const struct sim_book_ev *ev, int mode,
			 char *buf, size_t len)
{
	(void)mode;
	return sim_binance_depth_msg(v, i, ev, 0, buf, len);
}

/* A REST error body (HTTP 400) in Binance's shape. */
static int binance_rest_error(int code, const char *msg, char *out, size_t len, int *status)
{
	*status = 400;
	return sim_dialect_print(out, len, "{\"code\":%d,\"msg\":\"%s\"}", code, msg);
}

int sim_binance_rest_depth(struct sim_venue *v, const char *path_query, int futures, char *out,
			   size_t len, int *status)
{
	struct sim_out o = {out, len, 0, 0};
	struct sim_book_ev ev;
	char name[SIM_NATIVE_MAX];
	int64_t ms = tools_now_ns(CLOCK_REALTIME) / 1000000;
	int sym, limit = sim_rest_limit(path_query, futures ? 500 : 100, 5000);

	if (sim_query_param(path_query, "symbol", name, sizeof(name)) <= 0)
		return binance_rest_error(-1102,
					  "Mandatory parameter 'symbol' was not sent, was "
					  "empty/null, or malformed.",
					  out, len, status);
	sym = sim_venue_symbol(v, name, strlen(name));
	if (sym < 0)
		return binance_rest_error(-1121, "Invalid symbol.", out, len, status);
	if (limit < 0)
		return binance_rest_error(-1100, "Illegal characters found in parameter 'limit'.",
					  out, len, status);
	if (sim_book_rest_view(v, (uint32_t)sym, (uint32_t)limit, &ev) < 0)
		return -ENOSPC;
	*status = 200;
	sim_out_printf(&o, "{\"lastUpdateId\":%" PRIu64, ev.last_id);
	if (futures)
		sim_out_printf(&o, ",\"E\":%" PRId64 ",\"T\":%" PRId64, ms, ms - 1);
	sim_out_printf(&o, ",\"bids\":[");
	sim_out_levels(&o, ev.bids, ev.nb, SIM_TEXT_FULL);
	sim_out_printf(&o, "],\"asks\":[");
	sim_out_levels(&o, ev.asks, ev.na, SIM_TEXT_FULL);
	sim_out_printf(&o, "]}");
	return sim_out_end(&o);
}

static int binance_rest(struct sim_venue *v, const char *path_query, char *out, size_t len,
			int *status)
{
	int rc = sim_binance_rest_fallback(v, path_query, "/api/v3/", 0, out, len, status);

	if (rc != -ENOENT)
		return rc;
	if (strncmp(path_query, "/api/v3/depth?", 14) != 0 &&
	    strcmp(path_query, "/api/v3/depth") != 0)
		return -ENOENT;
	return sim_binance_rest_depth(v, path_query, 0, out, len, status);
}

const struct sim_dialect sim_dialect_binance = {
	.name = "binance",
	.paths = "[/public|/market]/ws[/STREAMS], [/public|/market]/stream[?streams=STREAMS]",
	.route = binance_route,
	.request = binance_request,
	.trade = binance_trade,
	.bbo = binance_bbo,
	.classify = binance_classify,
	.frame = binance_frame, /* no .ping: WebSocket ping frames */
	.depth = binance_depth,
	.rest = binance_rest, /* the client fetches the snapshot (no book_flags) */
};

/* ---- REST fallback answers: ticker/bookTicker and trades ---------------------------- */

/* NOLINTNEXTLINE(readability-non-const-parameter): written through a struct sim_out */
static int binance_rest_book_ticker(struct sim_venue *v, int sym, int futures, char *out,
				    size_t len)
{
	struct sim_out o = {out, len, 0, 0};
	char bp[32], bq[32], ap[32], aq[32];
	struct sim_bbo b;

	sim_venue_next_bbo(v, (uint32_t)sym, &b);
	sim_dec(b.bid, 8, bp, sizeof(bp));
	sim_dec(b.bid_qty, 8, bq, sizeof(bq));
	sim_dec(b.ask, 8, ap, sizeof(ap));
	sim_dec(b.ask_qty, 8, aq, sizeof(aq));
	if (futures)
		sim_out_printf(&o, "{\"lastUpdateId\":%" PRIu64 ",", b.update_id);
	else
		sim_out_printf(&o, "{");
	sim_out_printf(&o,
		       "\"symbol\":\"%s\",\"bidPrice\":\"%s\",\"bidQty\":\"%s\",\"askPrice\":"
		       "\"%s\",\"askQty\":\"%s\"",
		       v->sym[sym].native, bp, bq, ap, aq);
	if (futures)
		sim_out_printf(&o, ",\"time\":%" PRId64, tools_now_ns(CLOCK_REALTIME) / 1000000);
	sim_out_printf(&o, "}");
	return sim_out_end(&o);
}

/* Spot's /api/v3/trades: the stream's trade ids (@trade "t"). USD-M's
 * /fapi/v1/aggTrades (agg): the stream's aggregate ids (@aggTrade "a") with
 * its f/l; USD-M's /fapi/v1/trades (indiv): the individual trade ids, the
 * aggregate's last (l), another id space than the stream's, as on the venue. */
/* NOLINTNEXTLINE(readability-non-const-parameter): written through a struct sim_out */
static int binance_rest_trade_list(struct sim_venue *v, char *out, size_t len, int sym, int limit,
				   int agg, int indiv)
{
	struct sim_out o = {out, len, 0, 0};
	struct sim_trade t[64];
	int64_t ms[64];
	uint32_t n, k;

	n = sim_rest_recent(v, (uint32_t)sym, (uint32_t)(limit < 64 ? limit : 64),
			    tools_now_ns(CLOCK_REALTIME) / 1000000, t, ms);
	sim_out_printf(&o, "[");
	for (k = 0; k < n; k++) {
		char px[32], qty[32];

		sim_dec(t[k].px, 8, px, sizeof(px));
		sim_dec(t[k].qty, 8, qty, sizeof(qty));
		if (agg)
			sim_out_printf(&o,
				       "%s{\"a\":%" PRIu64
				       ",\"p\":\"%s\",\"q\":\"%s\",\"f\":%" PRIu64 ",\"l\":%" PRIu64
				       ",\"T\":%" PRId64 ",\"m\":%s}",
				       k ? "," : "", t[k].id, px, qty, t[k].id * 2, t[k].id * 2 + 1,
				       ms[k], t[k].buyer_maker ? "true" : "false");
		else
			sim_out_printf(&o,
				       "%s{\"id\":%" PRIu64 ",\"price\":\"%s\",\"qty\":\"%s\","
				       "\"quoteQty\":\"0\",\"time\":%" PRId64
				       ",\"isBuyerMaker\":%s,"
				       "\"isBestMatch\":true}",
				       k ? "," : "", indiv ? t[k].id * 2 + 1 : t[k].id, px, qty,
				       ms[k], t[k].buyer_maker ? "true" : "false");
	}
	sim_out_printf(&o, "]");
	return sim_out_end(&o);
}

int sim_binance_rest_fallback(struct sim_venue *v, const char *path_query, const char *base,
			      int futures, char *out, size_t len, int *status)
{
	size_t bl = strlen(base);
	const char *what = path_query + bl;
	char name[SIM_NATIVE_MAX];
	int ticker, agg, sym, limit;

	if (strncmp(path_query, base, bl) != 0)
		return -ENOENT;
	ticker = strncmp(what, "ticker/bookTicker?", 18) == 0;
	agg = futures && strncmp(what, "aggTrades?", 10) == 0;
	if (!ticker && !agg && strncmp(what, "trades?", 7) != 0)
		return -ENOENT;
	if (sim_query_param(path_query, "symbol", name, sizeof(name)) <= 0)
		return binance_rest_error(-1102,
					  "Mandatory parameter 'symbol' was not sent, was "
					  "empty/null, or malformed.",
					  out, len, status);
	sym = sim_venue_symbol(v, name, strlen(name));
	if (sym < 0)
		return binance_rest_error(-1121, "Invalid symbol.", out, len, status);
	*status = 200;
	if (ticker)
		return binance_rest_book_ticker(v, sym, futures, out, len);
	limit = sim_rest_limit(path_query, 500, 1000);
	if (limit < 0)
		return binance_rest_error(-1100, "Illegal characters found in parameter 'limit'.",
					  out, len, status);
	return binance_rest_trade_list(v, out, len, sym, limit, agg, futures && !agg);
}
