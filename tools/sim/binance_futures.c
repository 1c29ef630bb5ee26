/* SPDX-License-Identifier: MIT */
/*
 * binance_futures.c: the Binance USD-M futures dialect of mdbus-sim (struct
 * sim_dialect, see sim.h). Requests, answers, paths and combined streams
 * are spot's (binance.c, called through sim_dialect_binance); what differs:
 *
 *   streams  <symbol>@aggTrade and <symbol>@bookTicker (spot's @trade is
 *            refused as a bad stream name)
 *   trade    {"e":"aggTrade","E":ms,"s":"BTCUSDT","a":id,"p":"..","q":"..",
 *             "f":first,"l":last,"T":ms,"m":true}
 *   bbo      {"e":"bookTicker","u":id,"E":ms,"T":ms,"s":"BTCUSDT","b":"..",
 *             "B":"..","a":"..","A":".."}
 *   REST     GET /fapi/v1/aggTrades?symbol=&limit= (REST fallback): the
 *            stream's aggregate trades [{"a":id,"p":"..","q":"..","f":first,
 *            "l":last,"T":ms,"m":bool}]; GET /fapi/v1/trades: the individual
 *            trades, ids "l" (another id space than "a")
 *   routes   /market/ws|stream... carries @aggTrade, /public/ws|stream...
 *            carries @bookTicker; the retired unrouted /ws|/stream carries
 *            /public's streams only. A stream subscribed on a path that does
 *            not carry it is acknowledged and then silent, as on the real
 *            venue since 2026-04-23 (docs/venues/binance-futures.md).
 *
 * Keepalive: WebSocket ping frames, as spot.
 *
 * Order books (checked 2026-12-07 against https://developers.binance.com/docs/
 * derivatives/usds-margined-futures/websocket-market-streams/Diff-Book-Depth-Streams):
 *   depth    <symbol>@depth[@100ms|@250ms|@500ms]: spot's depthUpdate with
 *            "T" (transaction time) and "pu" (the previous event's u), on
 *            every route
 *   REST     GET /fapi/v1/depth?symbol=&limit= (default 500):
 *            {"lastUpdateId":N,"E":ms,"T":ms,"bids":[..],"asks":[..]}
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define BNF_COMBINED 1 /* binance.c's route mode: /stream, events wrapped */
#define BNF_MARKET   2 /* the connection came through /market */
#define BNF_PUBLIC   4 /* ... through /public */

/* Spot's request with @aggTrade in the place of @trade (the spot dialect
 * knows the symbols, the methods and the answers). */
static int bnf_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
		       struct sim_replies *out)
{
	char *req;
	size_t o = 0;
	int r;

	if (memmem(msg, n, "@trade\"", 7)) {
		sim_reply_add(out, "{\"error\":{\"code\":2,\"msg\":\"Invalid request: bad stream "
				   "name\"},\"id\":null}");
		return -EINVAL;
	}
	req = malloc(n + 1);
	if (!req)
		return -ENOMEM;
	for (size_t i = 0; i < n;) {
		if (n - i >= 9 && memcmp(msg + i, "@aggTrade", 9) == 0) {
			memcpy(req + o, "@trade", 6);
			o += 6;
			i += 9;
		} else {
			req[o++] = msg[i++];
		}
	}
	req[o] = '\0';
	r = sim_dialect_binance.request(v, req, o, subs, out);
	free(req);
	return r;
}

/* Spot's paths (the /market and /public prefixes included), plus which
 * route the connection came through. Streams named in the URL use the
 * futures names. */
static int bnf_route(struct sim_venue *v, const char *target, uint8_t *subs, int *mode)
{
	char t[512];
	size_t o = 0;
	int r, route = strncmp(target, "/market/", 8) == 0   ? BNF_MARKET
		       : strncmp(target, "/public/", 8) == 0 ? BNF_PUBLIC
							     : 0;

	for (size_t i = 0; target[i] && o + 1 < sizeof(t);) {
		if (strncmp(target + i, "@aggTrade", 9) == 0) {
			memcpy(t + o, "@trade", 6);
			o += 6;
			i += 9;
		} else if (strncmp(target + i, "@trade", 6) == 0 &&
			   (target[i + 6] == '/' || target[i + 6] == '\0')) {
			return 400; /* not a futures stream */
		} else {
			t[o++] = target[i++];
		}
	}
	t[o] = '\0';
	r = sim_dialect_binance.route(v, t, subs, mode);
	if (r == 0)
		*mode |= route;
	return r;
}

static int bnf_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
		     uint64_t id, char *buf, size_t len)
{
	struct sim_trade_text x;

	sim_dialect_trade_step(v, i, id, extra_decimals, SIM_TEXT_FULL, &x);
	return sim_dialect_print(buf, len,
				 "{\"e\":\"aggTrade\",\"E\":%" PRId64 ",\"s\":\"%s\",\"a\":%" PRIu64
				 ",\"p\":\"%s\",\"q\":\"%s\",\"f\":%" PRIu64 ",\"l\":%" PRIu64
				 ",\"T\":%" PRId64 ",\"m\":%s}",
				 now_ms + 1, v->sym[i].native, x.t.id, x.px, x.qty, x.t.id * 2,
				 x.t.id * 2 + 1, now_ms, x.t.buyer_maker ? "true" : "false");
}

static int bnf_bbo(struct sim_venue *v, uint32_t i, int64_t now_ms, char *buf, size_t len)
{
	struct sim_bbo_text x;

	sim_dialect_bbo_step(v, i, SIM_TEXT_FULL, &x);
	return sim_dialect_print(buf, len,
				 "{\"e\":\"bookTicker\",\"u\":%" PRIu64 ",\"E\":%" PRId64
				 ",\"T\":%" PRId64 ",\"s\":\"%s\",\"b\":\"%s\",\"B\":\"%s\","
				 "\"a\":\"%s\",\"A\":\"%s\"}",
				 x.q.update_id, now_ms + 1, now_ms, v->sym[i].native, x.bid,
				 x.bid_qty, x.ask, x.ask_qty);
}

static int bnf_classify(struct sim_venue *v, const char *msg, size_t n, uint8_t *kind)
{
	return sim_dialect_classify_marked(v, msg, n, "\"e\":\"aggTrade\"", "\"e\":\"bookTicker\"",
					   "\"s\":\"", kind);
}

/* Routing, then spot's combined-stream wrapper with the futures names. */
static int bnf_frame(const struct sim_venue *v, int mode, int sym, uint8_t kind, const void *p,
		     size_t n, struct sim_buf *out, uint8_t *opcode)
{
	if (sym >= 0 && kind == SIM_STREAM_TRADE && !(mode & BNF_MARKET))
		return SIM_FRAME_DROP; /* /market's stream on /public or unrouted */
	if (sym >= 0 && kind == SIM_STREAM_BBO && (mode & BNF_MARKET))
		return SIM_FRAME_DROP; /* /public's stream on /market */
	if (!(mode & BNF_COMBINED) || sym < 0 || !kind)
		return 0;
	return sim_binance_combined(v, sym,
				    kind == SIM_STREAM_TRADE ? "aggTrade"
				    : kind == SIM_STREAM_BBO ? "bookTicker"
							     : "depth@100ms",
				    p, n, out, opcode);
}

static int bnf_depth(struct sim_venue *v, uint32_t i, const struct sim_book_ev *ev, int mode,
		     char *buf, size_t len)
{
	(void)mode;
	return sim_binance_depth_msg(v, i, ev, 1, buf, len);
}

static int bnf_rest(struct sim_venue *v, const char *path_query, char *out, size_t len, int *status)
{
	int rc = sim_binance_rest_fallback(v, path_query, "/fapi/v1/", 1, out, len, status);

	if (rc != -ENOENT)
		return rc;
	if (strncmp(path_query, "/fapi/v1/depth?", 15) != 0 &&
	    strcmp(path_query, "/fapi/v1/depth") != 0)
		return -ENOENT;
	return sim_binance_rest_depth(v, path_query, 1, out, len, status);
}

const struct sim_dialect sim_dialect_binance_futures = {
	.name = "binance-futures",
	.paths = "/market|/public[/ws[/STREAMS]|/stream[?streams=STREAMS]] (unrouted: /public's "
		 "streams only)",
	.route = bnf_route,
	.request = bnf_request,
	.trade = bnf_trade,
	.bbo = bnf_bbo,
	.classify = bnf_classify,
	.frame = bnf_frame, /* no .ping: WebSocket ping frames, as spot */
	.depth = bnf_depth, /* on every route */
	.rest = bnf_rest,
};
