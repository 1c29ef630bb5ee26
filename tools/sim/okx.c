/* SPDX-License-Identifier: MIT */
/*
 * okx.c: the OKX v5 public WebSocket dialect of mdbus-sim (spot; see
 * docs/venues/okx.md). No I/O: requests in, reply text out.
 *
 *   path      /ws/v5/public
 *   request   {"id":"1512","op":"subscribe","args":[{"channel":"trades",
 *              "instId":"BTC-USDT"},{"channel":"bbo-tbt","instId":..}]}
 *   ack       one per arg: {"id":"1512","event":"subscribe","arg":{"channel":
 *              "trades","instId":"BTC-USDT"},"connId":"a4d3ae55"}
 *   error     {"id":"1512","event":"error","code":"60018","msg":"Wrong URL
 *              or channel:trades,instId:BTC-XYZ doesn't exist...","connId":..}
 *             (the request changes nothing: all or nothing)
 *   trades    {"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{
 *              "instId":"BTC-USDT","tradeId":"130639474","px":"42219.9",
 *              "sz":"0.12060306","side":"buy","ts":"1630048897897","count":
 *              "1","source":"0","seqId":1234}]}: side is the taker's
 *   bbo-tbt   {"arg":{"channel":"bbo-tbt","instId":..},"data":[{"asks":[[px,
 *              sz,"0",orders]],"bids":[[..]],"ts":"..","seqId":N}]}; the
 *             first push after subscribing is that snapshot (sent with the
 *             ack)
 *   ping      the text "ping" -> "pong"
 *   books     {"channel":"books","instId":..} (SIM_STREAM_DEPTH, 400 levels):
 *             no snapshot on subscribe (delisted); "action":"update" pushes
 *             {"arg":{"channel":"books","instId":..},"action":"update",
 *              "data":[{"asks":[["px","sz","0","orders"]..],"bids":[..],
 *              "ts":"ms","checksum":0,"prevSeqId":N,"seqId":N}]} with the
 *             changed levels (sz "0" removes; inside the 400 levels,
 *             re-stating those that enter them from below when levels
 *             inside are removed), prevSeqId the seqId of the book's
 *             message before (whoever it went to: the chain the REST
 *             snapshot's seqId joins); checksum always 0 (the bad_checksum
 *             fault changes nothing). A snapshot event, when one is
 *             printed, is "action":"snapshot" with prevSeqId -1.
 *
 *   REST      GET /api/v5/market/books?instId=..&sz=N (see okx_rest)
 *
 * seqId: one per instrument, +1 per trades or bbo-tbt push; the books
 * seqId is the book's own per-message sequence (book.h).
 *
 * depth checked 2026-12-07 against
 * https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
 * and https://app.okx.com/docs-v5/log_en. The changelog ("Delist initial
 * snapshot and checksum field in order book channels", production early
 * August 2026) and OKX's notice of 2026-05-21 (checksum always 0 in
 * production from 2026-06-23): the venue sends neither the initial
 * snapshot nor a real checksum, and neither does this dialect; the client
 * buffers the stream and fetches GET /api/v5/market/books (its seqId, then
 * the first kept update has prevSeqId <= seqId < its seqId).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sim.h"

#define OKX_CONN_ID	"a4d3ae55"
#define OKX_BOOKS_DEPTH 400 /* books: 400 levels per side */

static int okx_bbo_text(struct sim_venue *v, uint32_t i, const struct sim_bbo_text *x, int64_t ms,
			char *buf, size_t len)
{
	return sim_dialect_print(
		buf, len,
		"{\"arg\":{\"channel\":\"bbo-tbt\",\"instId\":\"%s\"},\"data\":[{"
		"\"asks\":[[\"%s\",\"%s\",\"0\",\"%u\"]],\"bids\":[[\"%s\",\"%s\",\"0\","
		"\"%u\"]],\"ts\":\"%" PRId64 "\",\"seqId\":%" PRIu64 "}]}",
		v->sym[i].norm, x->ask, x->ask_qty, (unsigned)(x->q.update_id % 7 + 1), x->bid,
		x->bid_qty, (unsigned)(x->q.update_id % 5 + 1), ms, ++v->sym[i].seq);
}

static const char *okx_channel(uint8_t bit)
{
	return bit == SIM_STREAM_TRADE ? "trades" : bit == SIM_STREAM_BBO ? "bbo-tbt" : "books";
}

static void okx_error(struct sim_replies *out, const char *id, const char *code, const char *msg)
{
	sim_reply_add(out,
		      "{%s\"event\":\"error\",\"code\":\"%s\",\"msg\":\"%s\",\"connId\":\"%s\"}",
		      id, code, msg, OKX_CONN_ID);
}

/* One arg: its stream bit and symbol, or -EINVAL / -ENOENT with the error
 * reply written. */
static int okx_arg(struct sim_venue *v, json_t *arg, const char *id, int *sym, uint8_t *bit,
		   struct sim_replies *out)
{
	const char *ch = json_string_value(json_object_get(arg, "channel"));
	const char *inst = json_string_value(json_object_get(arg, "instId"));
	char msg[256];

	*bit = ch && strcmp(ch, "trades") == 0	  ? SIM_STREAM_TRADE
	       : ch && strcmp(ch, "bbo-tbt") == 0 ? SIM_STREAM_BBO
	       : ch && strcmp(ch, "books") == 0	  ? SIM_STREAM_DEPTH
						  : 0;
	if (!*bit || !inst) {
		snprintf(msg, sizeof(msg),
			 "Wrong URL or channel:%.40s, doesn't exist. Please use "
			 "the correct URL, channel and parameters referring to "
			 "API document.",
			 ch ? ch : "");
		okx_error(out, id, "60018", msg);
		return -EINVAL;
	}
	*sym = sim_venue_symbol(v, inst, strlen(inst));
	if (*sym < 0) {
		snprintf(msg, sizeof(msg),
			 "Wrong URL or channel:%s,instId:%.40s doesn't exist. "
			 "Please use the correct URL, channel and parameters "
			 "referring to API document.",
			 ch, inst);
		okx_error(out, id, "60018", msg);
		return -ENOENT;
	}
	return 0;
}

/* subscribe (on) / unsubscribe: all or nothing, one ack per arg; a new
 * bbo-tbt subscription starts with its snapshot. */
static int okx_subscribe(struct sim_venue *v, json_t *args, int on, uint8_t *subs,
			 struct sim_replies *out, const char *id)
{
	uint8_t next[SIM_MAX_SYMBOLS];
	int64_t ms = tools_now_ns(CLOCK_REALTIME) / 1000000;
	json_t *arg;
	size_t k;

	if (!json_is_array(args) || json_array_size(args) == 0) {
		okx_error(out, id, "60012", "Invalid request: args must be a non-empty array");
		return -EINVAL;
	}
	memcpy(next, subs, sizeof(next));
	json_array_foreach(args, k, arg)
	{
		uint8_t bit;
		int sym;

		if (okx_arg(v, arg, id, &sym, &bit, out) < 0)
			return -EINVAL;
		next[sym] = (uint8_t)(on ? next[sym] | bit : next[sym] & ~bit);
	}
	json_array_foreach(args, k, arg)
	{
		uint8_t bit;
		int sym;
		char text[512];
		struct sim_bbo_text x;

		if (okx_arg(v, arg, id, &sym, &bit, out) < 0)
			continue; /* checked above: cannot happen */
		sim_reply_add(out,
			      "{%s\"event\":\"%s\",\"arg\":{\"channel\":\"%s\",\"instId\":\"%s\"},"
			      "\"connId\":\"%s\"}",
			      id, on ? "subscribe" : "unsubscribe", okx_channel(bit),
			      v->sym[sym].norm, OKX_CONN_ID);
		if (on && bit == SIM_STREAM_DEPTH)
			out->depth[sym] = OKX_BOOKS_DEPTH;
		if (!on || bit != SIM_STREAM_BBO || subs[sym] & bit)
			continue;
		subs[sym] |= bit; /* once per instrument, even if named twice */
		sim_dialect_bbo_step(v, (uint32_t)sym, SIM_TEXT_TRIM, &x);
		if (okx_bbo_text(v, (uint32_t)sym, &x, ms, text, sizeof(text)) > 0)
			sim_reply_data(out, v, ms, "%s", text);
	}
	memcpy(subs, next, sizeof(next));
	return 0;
}

static int okx_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
		       struct sim_replies *out)
{
	json_t *root, *jid;
	const char *op;
	char id[64] = "";
	int r = -EINVAL;

	if (n == 4 && memcmp(msg, "ping", 4) == 0) {
		sim_reply_add(out, "pong");
		return SIM_REQ_PING;
	}
	root = json_loadb(msg, n, 0, NULL);
	jid = json_object_get(root, "id");
	if (json_is_string(jid) && json_string_length(jid) <= 32)
		snprintf(id, sizeof(id), "\"id\":\"%s\",", json_string_value(jid));
	op = json_string_value(json_object_get(root, "op"));
	if (op && (strcmp(op, "subscribe") == 0 || strcmp(op, "unsubscribe") == 0))
		r = okx_subscribe(v, json_object_get(root, "args"), op[0] == 's', subs, out, id);
	else
		okx_error(out, id, "60012", "Invalid request");
	json_decref(root);
	return r;
}

static int okx_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
		     uint64_t id, char *buf, size_t len)
{
	struct sim_trade_text x;

	sim_dialect_trade_step(v, i, id, extra_decimals, SIM_TEXT_TRIM, &x);
	return sim_dialect_print(
		buf, len,
		"{\"arg\":{\"channel\":\"trades\",\"instId\":\"%s\"},\"data\":[{"
		"\"instId\":\"%s\",\"tradeId\":\"%" PRIu64 "\",\"px\":\"%s\",\"sz\":\"%s\","
		"\"side\":\"%s\",\"ts\":\"%" PRId64 "\",\"count\":\"1\",\"source\":\"0\","
		"\"seqId\":%" PRIu64 "}]}",
		v->sym[i].norm, v->sym[i].norm, x.t.id, x.px, x.qty,
		x.t.buyer_maker ? "sell" : "buy", now_ms, ++v->sym[i].seq);
}

static int okx_bbo(struct sim_venue *v, uint32_t i, int64_t now_ms, char *buf, size_t len)
{
	struct sim_bbo_text x;

	sim_dialect_bbo_step(v, i, SIM_TEXT_TRIM, &x);
	return okx_bbo_text(v, i, &x, now_ms, buf, len);
}

/* --replay lines: "instId" names the symbol, the channel the kind. */
static int okx_classify(struct sim_venue *v, const char *msg, size_t n, uint8_t *kind)
{
	return sim_dialect_classify_marked(v, msg, n, "\"channel\":\"trades\"",
					   "\"channel\":\"bbo-tbt\"", "\"instId\":\"", kind);
}

/* Appends to buf at *off (printf format): 0, or -ENOSPC when it does not
 * fit. */
__attribute__((format(printf, 4, 5))) static int okx_cat(char *buf, size_t len, size_t *off,
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

/* One level ["px","sz","0","orders"], orders a small count made from the
 * price ("0" for a removed level). */
static int okx_level(char *buf, size_t len, size_t *off, const struct sim_lvl *l, int64_t tick,
		     uint32_t *count)
{
	unsigned orders = l->qty ? (unsigned)((l->px / (tick > 0 ? tick : 1)) % 9 + 1) : 0;
	char px[40], sz[40];

	sim_dec_trim(l->px, 8, px, sizeof(px));
	sim_dec_trim(l->qty, 8, sz, sizeof(sz));
	return okx_cat(buf, len, off, "%s[\"%s\",\"%s\",\"0\",\"%u\"]", (*count)++ ? "," : "", px,
		       sz, orders);
}

/* One side: a snapshot's levels; an update's changed levels inside the
 * 400 levels of the book after the step, then the bottom levels of those
 * 400 again, one per level removed inside them (they may have entered
 * from below: the channel keeps 400 levels). */
static int okx_levels(char *buf, size_t len, size_t *off, const struct sim_lvl *lv, uint32_t n,
		      const struct sim_book_side *after, int bid, int64_t tick)
{
	uint32_t w = after ? (after->n < OKX_BOOKS_DEPTH ? after->n : OKX_BOOKS_DEPTH) : 0;
	uint32_t removed = 0, count = 0;
	int64_t edge = w ? after->lv[w - 1].px : 0;

	for (uint32_t k = 0; k < n; k++) {
		if (after && w == OKX_BOOKS_DEPTH && (bid ? lv[k].px < edge : lv[k].px > edge))
			continue; /* below the 400 levels */
		removed += after && lv[k].qty == 0;
		if (okx_level(buf, len, off, &lv[k], tick, &count) < 0)
			return -ENOSPC;
	}
	for (uint32_t k = w - (removed < w ? removed : w); after && k < w; k++)
		if (okx_level(buf, len, off, &after->lv[k], tick, &count) < 0)
			return -ENOSPC;
	return (int)count;
}

/* A books push: a step's changed levels (action "update"), or a snapshot
 * (action "snapshot", prevSeqId -1) when one is asked for; checksum 0. */
static int okx_depth(struct sim_venue *v, uint32_t i, const struct sim_book_ev *ev, int mode,
		     char *buf, size_t len)
{
	const struct sim_book_state *cur = &ev->book->cur;
	int64_t ms = tools_now_ns(CLOCK_REALTIME) / 1000000;
	size_t off = 0;

	(void)mode;
	if (okx_cat(buf, len, &off,
		    "{\"arg\":{\"channel\":\"books\",\"instId\":\"%s\"},\"action\":\"%s\","
		    "\"data\":[{\"asks\":[",
		    v->sym[i].norm, ev->snapshot ? "snapshot" : "update") < 0 ||
	    okx_levels(buf, len, &off, ev->asks, ev->na, ev->snapshot ? NULL : &cur->ask, 0,
		       ev->book->tick) < 0 ||
	    okx_cat(buf, len, &off, "],\"bids\":[") < 0 ||
	    okx_levels(buf, len, &off, ev->bids, ev->nb, ev->snapshot ? NULL : &cur->bid, 1,
		       ev->book->tick) < 0 ||
	    okx_cat(buf, len, &off,
		    "],\"ts\":\"%" PRId64 "\",\"checksum\":0,\"prevSeqId\":%" PRId64
		    ",\"seqId\":%" PRIu64 "}]}",
		    ms, ev->snapshot ? (int64_t)-1 : (int64_t)ev->prev_seq, ev->seq) < 0)
		return -ENOSPC;
	return (int)off;
}

/* The REST fallback's /api/v5/market/ticker?instId= (BBO with sizes, ts)
 * and /api/v5/market/trades?instId= (the last trades, newest first, at most
 * 64: successive calls overlap) come first (okx_rest_fallback, at the end).
 * GET /api/v5/market/books?instId=BTC-USDT&sz=N (sz 1..400, default 1;
 * more is served as 400): {"code":"0","msg":"","data":[{"asks":[..],
 * "bids":[..],"ts":"ms","seqId":N}]}, the levels as the books channel
 * prints them and seqId the book's message sequence (the changelog's
 * sync procedure compares it with the stream's prevSeqId). An unknown
 * instrument: HTTP 400 {"code":"51001","msg":"Instrument ID does not
 * exist","data":[]} (our wording of a code OKX uses for it). */
static int okx_rest_fallback(struct sim_venue *v, const char *path_query, char *out, size_t len,
			     int *status);

static int okx_rest(struct sim_venue *v, const char *path_query, char *out, size_t len, int *status)
{
	static const char path[] = "/api/v5/market/books?";
	int rc = okx_rest_fallback(v, path_query, out, len, status);

	if (rc != -ENOENT)
		return rc;
	char inst[SIM_NATIVE_MAX + 8], sz[16];
	struct sim_book_ev ev;
	long depth = 1;
	size_t off = 0;
	uint32_t count = 0;
	int sym;

	if (strncmp(path_query, path, sizeof(path) - 1) != 0)
		return -ENOENT;
	if (sim_query_param(path_query, "sz", sz, sizeof(sz)) > 0)
		depth = strtol(sz, NULL, 10);
	depth = depth < 1 ? 1 : depth > OKX_BOOKS_DEPTH ? OKX_BOOKS_DEPTH : depth;
	sym = sim_query_param(path_query, "instId", inst, sizeof(inst)) > 0
		      ? sim_venue_symbol(v, inst, strlen(inst))
		      : -ENOENT;
	if (sym < 0 || sim_book_rest_view(v, (uint32_t)sym, (uint32_t)depth, &ev) < 0) {
		*status = 400;
		return okx_cat(out, len, &off,
			       "{\"code\":\"51001\",\"msg\":\"Instrument ID does not exist\","
			       "\"data\":[]}") < 0
			       ? -ENOSPC
			       : (int)off;
	}
	*status = 200;
	if (okx_cat(out, len, &off, "{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":[") < 0)
		return -ENOSPC;
	for (uint32_t k = 0; k < ev.na; k++)
		if (okx_level(out, len, &off, &ev.asks[k], ev.book->tick, &count) < 0)
			return -ENOSPC;
	if (okx_cat(out, len, &off, "],\"bids\":[") < 0)
		return -ENOSPC;
	count = 0;
	for (uint32_t k = 0; k < ev.nb; k++)
		if (okx_level(out, len, &off, &ev.bids[k], ev.book->tick, &count) < 0)
			return -ENOSPC;
	if (okx_cat(out, len, &off, "],\"ts\":\"%" PRId64 "\",\"seqId\":%" PRIu64 "}]}",
		    tools_now_ns(CLOCK_REALTIME) / 1000000, ev.seq) < 0)
		return -ENOSPC;
	return (int)off;
}

const struct sim_dialect sim_dialect_okx = {
	.name = "okx",
	.paths = "/ws/v5/public",
	.request = okx_request,
	.trade = okx_trade,
	.bbo = okx_bbo,
	.classify = okx_classify,
	.depth = okx_depth,
	.rest = okx_rest,
	.book_flags = 0, /* no snapshot on subscribe, checksum always 0 (delisted) */
			 /* no .ping: the client pings with the text "ping"; none from the server */
};

/* ---- REST fallback answers: /api/v5/market/ticker and /api/v5/market/trades -------- */

static int okx_rest_ticker(struct sim_venue *v, int sym, int64_t ms, char *out, size_t len)
{
	char bp[32], bq[32], ap[32], aq[32];
	struct sim_bbo b;
	size_t off = 0;

	sim_venue_next_bbo(v, (uint32_t)sym, &b);
	sim_dec_trim(b.bid, 8, bp, sizeof(bp));
	sim_dec_trim(b.bid_qty, 8, bq, sizeof(bq));
	sim_dec_trim(b.ask, 8, ap, sizeof(ap));
	sim_dec_trim(b.ask_qty, 8, aq, sizeof(aq));
	if (okx_cat(out, len, &off,
		    "{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"instType\":\"SPOT\",\"instId\":"
		    "\"%s\",\"last\":\"%s\",\"lastSz\":\"1\",\"askPx\":\"%s\",\"askSz\":\"%s\","
		    "\"bidPx\":\"%s\",\"bidSz\":\"%s\",\"ts\":\"%" PRId64 "\"}]}",
		    v->sym[sym].norm, bp, ap, aq, bp, bq, ms) < 0)
		return -ENOSPC;
	return (int)off;
}

static int okx_rest_trades(struct sim_venue *v, int sym, int64_t ms, char *out, size_t len)
{
	struct sim_trade t[64];
	int64_t tms[64];
	size_t off = 0;
	uint32_t n, k;

	n = sim_rest_recent(v, (uint32_t)sym, 64, ms, t, tms);
	if (okx_cat(out, len, &off, "{\"code\":\"0\",\"msg\":\"\",\"data\":[") < 0)
		return -ENOSPC;
	/* newest first, as OKX lists them */
	for (k = n; k-- > 0;) {
		char px[32], qty[32];

		sim_dec_trim(t[k].px, 8, px, sizeof(px));
		sim_dec_trim(t[k].qty, 8, qty, sizeof(qty));
		if (okx_cat(out, len, &off,
			    "%s{\"instId\":\"%s\",\"side\":\"%s\",\"sz\":\"%s\",\"px\":\"%s\","
			    "\"tradeId\":\"%" PRIu64 "\",\"ts\":\"%" PRId64 "\"}",
			    k + 1 < n ? "," : "", v->sym[sym].norm,
			    t[k].buyer_maker ? "sell" : "buy", qty, px, t[k].id, tms[k]) < 0)
			return -ENOSPC;
	}
	if (okx_cat(out, len, &off, "]}") < 0)
		return -ENOSPC;
	return (int)off;
}

static int okx_rest_fallback(struct sim_venue *v, const char *path_query, char *out, size_t len,
			     int *status)
{
	int64_t ms = tools_now_ns(CLOCK_REALTIME) / 1000000;
	char inst[SIM_NATIVE_MAX + 8];
	size_t off = 0;
	int ticker, sym;

	ticker = strncmp(path_query, "/api/v5/market/ticker?", 22) == 0;
	if (!ticker && strncmp(path_query, "/api/v5/market/trades?", 22) != 0)
		return -ENOENT;
	sym = sim_query_param(path_query, "instId", inst, sizeof(inst)) > 0
		      ? sim_venue_symbol(v, inst, strlen(inst))
		      : -ENOENT;
	if (sym < 0) {
		*status = 400;
		return okx_cat(out, len, &off,
			       "{\"code\":\"51001\",\"msg\":\"Instrument ID does not exist\","
			       "\"data\":[]}") < 0
			       ? -ENOSPC
			       : (int)off;
	}
	*status = 200;
	return ticker ? okx_rest_ticker(v, sym, ms, out, len)
		      : okx_rest_trades(v, sym, ms, out, len);
}
