/* SPDX-License-Identifier: MIT */
/*
 * kraken.c: Kraken spot WebSocket API v2, public market data
 * (wss://ws.kraken.com/v2). Spot only: Kraken's futures live on another API.
 *
 * Checked against the venue's documentation on 2026-12-06:
 *   https://docs.kraken.com/exchange/api-reference/spot-websocket
 *   https://docs.kraken.com/exchange/guides/websockets/introduction
 *   https://docs.kraken.com/exchange/api-reference/spot-websocket-v2/trade
 *   https://docs.kraken.com/exchange/api-reference/spot-websocket-v2/ticker
 *   https://docs.kraken.com/exchange/api-reference/spot-websocket-v2/heartbeat
 *   https://docs.kraken.com/exchange/api-reference/spot-websocket-v2/ping
 *   https://docs.kraken.com/exchange/api-reference/spot-websocket-v2/status
 *   https://docs.kraken.com/exchange/guides/websockets/reconnection
 * (details and what differs from the table: docs/venues/kraken.md).
 *
 * Depth checked 2026-12-07 against
 *   https://docs.kraken.com/api/docs/websocket-v2/book
 *   https://docs.kraken.com/exchange/guides/websockets/book-checksum-v2
 * `book` (l2): {"method":"subscribe","params":{"channel":"book","symbol":[..],
 *   "depth":25,"snapshot":true},"req_id":N} (depth 10, 25, 100, 500 or 1000:
 *   the smallest that holds book_depth); then
 *   {"channel":"book","type":"snapshot"|"update","data":[{"symbol":"MATIC/USD",
 *   "bids":[{"price":0.5666,"qty":4831.75496356},..],"asks":[..],
 *   "checksum":2439117997,"timestamp":"2023-10-06T17:35:55.440295Z"}]}
 *   (one book per message; prices and sizes are bare JSON numbers; qty 0
 *   removes; no ids: FEED_SYNC_WS_PLAIN, every message carries the CRC32).
 *   The book must be truncated to the subscribed depth after each update
 *   (no qty 0 comes for levels pushed out of it). Checksum: the top 10 asks
 *   low to high, then the top 10 bids high to low, each price then qty
 *   printed at the pair's precision with '.' removed and leading zeros
 *   stripped, CRC32 as an unsigned 32-bit integer. The precisions are the
 *   pair's price_precision / qty_precision from the `instrument` channel
 *   (https://docs.kraken.com/exchange/api-reference/spot-websocket-v2/instrument):
 *   {"method":"subscribe","params":{"channel":"instrument","snapshot":true},
 *   "req_id":4294967295} (no symbol list), sent first on each connection of an
 *   l2 session (ops->open_msg); then {"channel":"instrument","type":"snapshot"|
 *   "update","data":{"assets":[..],"pairs":[{"symbol":"BTC/USD",..,
 *   "price_precision":1,"qty_precision":8,..}]}}. Until a pair's precisions
 *   are known its book events carry no checksum to judge (verdict NONE; the
 *   next update's checksum, over the whole top 10, proves the book). A level
 *   not representable at them is a mismatch. A resync resubscribes.
 *
 * Symbols: v2 names the pair "BTC/USD" (v1 said XBT/USD): BTC-USD <-> BTC/USD.
 * One channel per request, many symbols (FEED_GROUP_CHANNEL):
 *   {"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"],
 *    "snapshot":false},"req_id":N}
 *   {"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USD"],
 *    "event_trigger":"bbo","snapshot":true},"req_id":N}
 * (ticker's event_trigger defaults to "trades": "bbo" is sent explicitly; the
 * trade snapshot, the last 50 trades, is not asked for: it would repeat
 * trades already published before a reconnection.)
 * Kraken answers each symbol on its own, under the request's req_id:
 *   {"method":"subscribe","result":{"channel":"trade","symbol":"BTC/USD",..},
 *    "success":true,"req_id":N,...}
 *   {"error":"Currency pair not supported XBT/USDX","method":"subscribe",
 *    "success":false,"symbol":"XBT/USDX","req_id":N,...}
 * -> feed_venue_stream_done per symbol. An error naming no symbol answers the
 * whole request (by req_id, else the oldest open one).
 *
 *   trade:  {"channel":"trade","type":"update","data":[{"symbol":"BTC/USD",
 *            "side":"sell","price":0.5117,"qty":40.0,"ord_type":"market",
 *            "trade_id":4665906,"timestamp":"2023-09-25T07:49:37.708706Z"},..]}
 *           side is the taker's; prices and sizes are bare JSON numbers (taken
 *           from their text exactly); trade_id is a per-book sequence number
 *           ("Trade ID: sequential int"), checked as contiguous per symbol.
 *   ticker: {"channel":"ticker","type":"update","data":[{"symbol":"ALGO/USD",
 *            "bid":0.10025,"bid_qty":740.0,"ask":0.10035,"ask_qty":740.0,..,
 *            "timestamp":"2023-09-25T09:04:31.742648Z"}]}
 *   heartbeat {"channel":"heartbeat"} (about 1/s when nothing else was sent),
 *   pong {"method":"pong",...}: HEARTBEAT. status {"channel":"status",
 *   "data":[{"system":"online",..}]}: HEARTBEAT, or RECONNECT for
 *   "maintenance". Our keepalive is the application ping {"method":"ping"}.
 *
 * Batches: the data array may hold many trades; when the caller's tick array
 * is full the place in it is kept in v->cur (pos/item of the array iterator)
 * and the rest comes on the next call. A bad element ends the piece before
 * it (the good ticks go out first); it is then reported alone as an ERROR and
 * the elements after it follow. Limits (symbols per request, message rate)
 * are not documented: the values below are conservative choices.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "jsonscan.h"
#include "symbol.h"
#include "venue.h"
#include "vref.h"
#include "vrest.h"

#define KR_SUB_TAIL  80	   /* room for the params tail and ",\"req_id\":<20 digits>}" */
#define KR_DEPTH_MAX 1000u /* the book channel's largest depth */
#define KR_CK_LEVELS 10u   /* levels per side under the checksum */
#define KR_PREC_NONE 0xffu /* a precision the instrument channel has not given */
#define KR_PREC_MAX  18u   /* 10^18 still fits an int64 mantissa */
/* The req_id of our instrument subscription: above any subscribe id of
 * ours, so its answers are never taken for a book/trade request's. */
#define KR_INST_REQ_ID 4294967295ull

/* Private state (l2 sessions): each symbol's price and qty precision from
 * the instrument channel (prec[2 * sym], prec[2 * sym + 1]; KR_PREC_NONE
 * until named), and the checksum of the book event being checked. */
struct kr_priv {
	uint8_t *prec;
	uint32_t ck_want;
};

/* ---- symbols ------------------------------------------------------------------ */

static int kraken_native_symbol(const char *norm, char *out, size_t len)
{
	struct feed_symbol_info info;
	size_t n;

	if (feed_symbol_parse(norm, &info) < 0 || info.market != MDBUS_MARKET_SPOT)
		return -EINVAL;
	n = strlen(norm);
	if (n + 1 > len)
		return -ENAMETOOLONG;
	memcpy(out, norm, n + 1);
	out[info.base_len] = '/';
	return 0;
}

/* ---- subscribe and ping ----------------------------------------------------------- */

static const char *kraken_channel_name(uint32_t ch)
{
	return ch == FEED_CH_TRADES ? "trade" : ch == FEED_CH_BBO ? "ticker" : "book";
}

static uint32_t kraken_depth(const struct feed_venue_ctx *v);

static int kraken_subscribe(struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			    uint64_t req_id, char *buf, size_t len, size_t *out_len)
{
	uint32_t sym, ch;
	size_t o;
	int k;

	if (n == 0 || len < KR_SUB_TAIL + 64)
		return -ENOBUFS;
	feed_venue_stream(v, streams[0], &sym, &ch);
	k = snprintf(buf, len,
		     "{\"method\":\"subscribe\",\"params\":{\"channel\":\"%s\",\"symbol\":[",
		     kraken_channel_name(ch));
	o = (size_t)k;
	if (feed_venue_put_natives(v, streams, n, buf, len, &o, KR_SUB_TAIL) < 0)
		return -ENOBUFS;
	if (ch == FEED_CH_L2)
		k = snprintf(buf + o, len - o, "],\"depth\":%u,\"snapshot\":true},\"req_id\":%llu}",
			     kraken_depth(v), (unsigned long long)req_id);
	else
		k = snprintf(buf + o, len - o, "],%s},\"req_id\":%llu}",
			     ch == FEED_CH_TRADES ? "\"snapshot\":false"
						  : "\"event_trigger\":\"bbo\",\"snapshot\":true",
			     (unsigned long long)req_id);
	if (k < 0 || (size_t)k >= len - o)
		return -ENOBUFS; /* cannot happen: KR_SUB_TAIL was kept free */
	*out_len = o + (size_t)k;
	return 0;
}

/* ---- message keys ------------------------------------------------------------------ */

/* In the order the members arrive in the documented examples (data:
 * channel type data; answers: method result success / error method success
 * symbol ... req_id), so the scanner matches most keys with one compare. */
enum {
	K_CHANNEL,
	K_TYPE,
	K_DATA,
	K_ERROR,
	K_METHOD,
	K_RESULT,
	K_SUCCESS,
	K_SYMBOL,
	K_REQ_ID,
	K__COUNT
};

static const struct feed_json_key kraken_keys[K__COUNT] = {
	[K_CHANNEL] = FEED_JSON_KEY("channel"), [K_TYPE] = FEED_JSON_KEY("type"),
	[K_DATA] = FEED_JSON_KEY("data"),	[K_ERROR] = FEED_JSON_KEY("error"),
	[K_METHOD] = FEED_JSON_KEY("method"),	[K_RESULT] = FEED_JSON_KEY("result"),
	[K_SUCCESS] = FEED_JSON_KEY("success"), [K_SYMBOL] = FEED_JSON_KEY("symbol"),
	[K_REQ_ID] = FEED_JSON_KEY("req_id"),
};

/* Keys of one data element, in arrival order: trade (symbol side price qty
 * ord_type trade_id timestamp), then ticker's (symbol bid bid_qty ask
 * ask_qty ... timestamp). ord_type is listed only for that order. */
enum {
	E_SYMBOL,
	E_SIDE,
	E_PRICE,
	E_QTY,
	E_ORD_TYPE,
	E_TID,
	E_TS,
	E_BID,
	E_BIDQ,
	E_ASK,
	E_ASKQ,
	E__COUNT
};

static const struct feed_json_key kraken_elem_keys[E__COUNT] = {
	[E_SYMBOL] = FEED_JSON_KEY("symbol"),	  [E_SIDE] = FEED_JSON_KEY("side"),
	[E_PRICE] = FEED_JSON_KEY("price"),	  [E_QTY] = FEED_JSON_KEY("qty"),
	[E_ORD_TYPE] = FEED_JSON_KEY("ord_type"), [E_TID] = FEED_JSON_KEY("trade_id"),
	[E_TS] = FEED_JSON_KEY("timestamp"),	  [E_BID] = FEED_JSON_KEY("bid"),
	[E_BIDQ] = FEED_JSON_KEY("bid_qty"),	  [E_ASK] = FEED_JSON_KEY("ask"),
	[E_ASKQ] = FEED_JSON_KEY("ask_qty"),
};

/* One parsed data element, before it becomes a tick. */
struct kr_item {
	uint32_t sym;
	uint8_t flags;
	int64_t ts;
	int64_t a, b, c, d; /* trade: price, qty; bbo: bid, bid qty, ask, ask qty */
	uint64_t tid;
};

/* ---- data elements ------------------------------------------------------------------- */

/* A price or size: a bare JSON number (exponent allowed), exact at the scale. */
static inline int kraken_decimal(struct feed_venue_ctx *v, struct feed_venue_out *e, uint32_t i,
				 const struct feed_json_val *f, const char *what, unsigned dec,
				 int64_t *val)
{
	/* The plain form ("0.5117", no exponent) first: the hot path. */
	if (f->type == FEED_JSON_NUMBER && mdbus_decimal_parse(f->p, f->n, dec, val) == 0 &&
	    *val >= 0)
		return 0;
	return feed_venue_decimal_any(v, e, i, f, what, dec, FEED_DEC_NUM, val);
}

/* The element's "timestamp" (RFC 3339) to ns; absent gives 0 when optional. */
static int kraken_ts(struct feed_venue_ctx *v, struct feed_venue_out *e, uint32_t i,
		     const struct feed_json_val *f, int optional, int64_t *ns)
{
	*ns = 0;
	if (f->type == FEED_JSON_NONE && optional)
		return 0;
	if (f->type != FEED_JSON_STRING || f->escaped || feed_ts_rfc3339(f->p, f->n, ns) < 0) {
		feed_venue_error(v, e, i, "%s: missing or bad timestamp", v->syms[i].native);
		return -EINVAL;
	}
	return 0;
}

static int kraken_trade_item(struct feed_venue_ctx *v, const struct feed_json_val *f,
			     struct feed_venue_out *e, struct kr_item *it)
{
	struct feed_venue_sym *sym;

	if (feed_venue_symbol_field(v, e, &f[E_SYMBOL], "symbol", &it->sym) < 0)
		return -EINVAL;
	sym = &v->syms[it->sym];
	if (kraken_decimal(v, e, it->sym, &f[E_PRICE], "trade price", sym->price_decimals, &it->a) <
		    0 ||
	    kraken_decimal(v, e, it->sym, &f[E_QTY], "trade qty", sym->qty_decimals, &it->b) < 0)
		return -EINVAL;
	/* side: "the side of the taker order", i.e. the aggressor. */
	if (feed_json_str_eq(&f[E_SIDE], "buy", 3)) {
		it->flags = MDBUS_FLAG_BUY;
	} else if (feed_json_str_eq(&f[E_SIDE], "sell", 4)) {
		it->flags = MDBUS_FLAG_SELL;
	} else {
		feed_venue_error(v, e, it->sym, "%s trade: missing or bad side", sym->native);
		return -EINVAL;
	}
	if (f[E_TID].type != FEED_JSON_NUMBER || feed_json_u64(&f[E_TID], &it->tid) < 0) {
		feed_venue_error(v, e, it->sym, "%s trade: missing or bad trade_id", sym->native);
		return -EINVAL;
	}
	return kraken_ts(v, e, it->sym, &f[E_TS], 0, &it->ts);
}

static int kraken_bbo_item(struct feed_venue_ctx *v, const struct feed_json_val *f,
			   struct feed_venue_out *e, struct kr_item *it)
{
	struct feed_venue_sym *sym;

	if (feed_venue_symbol_field(v, e, &f[E_SYMBOL], "symbol", &it->sym) < 0)
		return -EINVAL;
	sym = &v->syms[it->sym];
	if (kraken_decimal(v, e, it->sym, &f[E_BID], "bid price", sym->price_decimals, &it->a) <
		    0 ||
	    kraken_decimal(v, e, it->sym, &f[E_BIDQ], "bid qty", sym->qty_decimals, &it->b) < 0 ||
	    kraken_decimal(v, e, it->sym, &f[E_ASK], "ask price", sym->price_decimals, &it->c) <
		    0 ||
	    kraken_decimal(v, e, it->sym, &f[E_ASKQ], "ask qty", sym->qty_decimals, &it->d) < 0)
		return -EINVAL;
	it->flags = 0;
	it->tid = 0;
	return kraken_ts(v, e, it->sym, &f[E_TS], 1, &it->ts);
}

/* Element el of a trade or ticker array -> item; errors go to e. */
static int kraken_item(struct feed_venue_ctx *v, const struct feed_json_val *el, uint8_t kind,
		       struct feed_venue_out *e, struct kr_item *it)
{
	struct feed_json_val f[E__COUNT];

	if (el->type != FEED_JSON_OBJECT ||
	    feed_json_scan(el->p, el->n, kraken_elem_keys, E__COUNT, f) < 0) {
		feed_venue_error(v, e, UINT32_MAX, "data element is not an object");
		return -EINVAL;
	}
	return kind == MDBUS_KIND_TRADE ? kraken_trade_item(v, f, e, it)
					: kraken_bbo_item(v, f, e, it);
}

/* The item as a tick (the array has room: checked by the caller). */
static void kraken_emit(struct feed_venue_ctx *v, const struct kr_item *it, uint8_t kind,
			int64_t recv_ns, struct feed_venue_out *out)
{
	struct mdbus_tick *t;

	if (kind == MDBUS_KIND_TRADE) {
		(void)feed_venue_seq_check(v, it->sym, FEED_CH_TRADES, it->tid, 1);
		t = feed_venue_tick(v, out, it->sym, kind, it->flags, it->ts, recv_ns);
		t->u.trade.price = it->a;
		t->u.trade.qty = it->b;
		t->u.trade.trade_id = it->tid;
		return;
	}
	t = feed_venue_tick(v, out, it->sym, kind, 0, it->ts, recv_ns);
	t->u.bbo.bid_px = it->a;
	t->u.bbo.bid_qty = it->b;
	t->u.bbo.ask_px = it->c;
	t->u.bbo.ask_qty = it->d;
}

/* A data array of one object, read by the message's scan (sub): its tick
 * or its error, as kraken_data's loop gives them. */
static void kraken_one(struct feed_venue_ctx *v, const struct feed_json_sub *sub, uint8_t kind,
		       int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_venue_out e = {0};
	struct kr_item item;
	int rc = kind == MDBUS_KIND_TRADE ? kraken_trade_item(v, sub->vals, &e, &item)
					  : kraken_bbo_item(v, sub->vals, &e, &item);

	out->cls = FEED_MSG_DATA;
	if (rc == 0) {
		kraken_emit(v, &item, kind, recv_ns, out);
		return;
	}
	out->cls = FEED_MSG_ERROR;
	out->reason = v->reason;
	out->sym = e.sym;
}

/* Saves the iterator's place (before or after an element) for the next call. */
static void kraken_keep(struct feed_venue_ctx *v, struct feed_venue_out *out, size_t pos,
			uint32_t count)
{
	out->more = 1;
	v->cur.pos = pos;
	v->cur.item = count;
}

/* The data array of a trade/ticker message: one tick per element, resuming
 * at v->cur when this message was cut before. */
static void kraken_data(struct feed_venue_ctx *v, const struct feed_json_val *data, uint8_t kind,
			const struct feed_json_sub *sub, int64_t recv_ns,
			struct feed_venue_out *out)
{
	struct feed_json_iter it;
	struct feed_json_val el;
	struct feed_venue_out e = {0};
	struct kr_item item;
	size_t pos;
	uint32_t count;
	int rc;

	if (data->type == FEED_JSON_ARRAY && sub->found >= 0 && sub->items == 1 && !v->cur.active) {
		kraken_one(v, sub, kind, recv_ns, out); /* the usual message: one trade */
		return;
	}
	if (data->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, data->p, data->n) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "missing or bad 'data' array");
		return;
	}
	if (v->cur.active) {
		it.pos = v->cur.pos;
		it.count = v->cur.item;
	}
	out->cls = FEED_MSG_DATA; /* an empty array is data without ticks */
	for (;;) {
		pos = it.pos;
		count = it.count;
		rc = feed_json_iter_next(&it, NULL, &el);
		if (rc <= 0)
			break; /* the whole message was validated: rc < 0 cannot happen */
		if (out->n >= out->cap) {
			kraken_keep(v, out, pos, count);
			return;
		}
		if (kraken_item(v, &el, kind, &e, &item) == 0) {
			kraken_emit(v, &item, kind, recv_ns, out);
			continue;
		}
		if (out->n > 0) { /* send the good ticks first; the bad one next call */
			kraken_keep(v, out, pos, count);
			return;
		}
		out->cls = FEED_MSG_ERROR;
		out->reason = v->reason;
		out->sym = e.sym;
		pos = it.pos;
		if (feed_json_iter_next(&it, NULL, &el) == 1) /* more after it */
			kraken_keep(v, out, pos, count + 1);
		return;
	}
}

/* ---- status, answers ---------------------------------------------------------------- */

/* {"channel":"status","data":[{"system":"online",...}]}: sent on connection
 * and when the engine's state changes. Maintenance: the venue goes away. */
static void kraken_status(struct feed_venue_ctx *v, const struct feed_json_val *data,
			  struct feed_venue_out *out)
{
	static const struct feed_json_key sk[1] = {FEED_JSON_KEY("system")};
	struct feed_json_iter it;
	struct feed_json_val el, sys;

	if (data->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, data->p, data->n) < 0 ||
	    feed_json_iter_next(&it, NULL, &el) != 1 || el.type != FEED_JSON_OBJECT ||
	    feed_json_scan(el.p, el.n, sk, 1, &sys) < 0 || sys.type != FEED_JSON_STRING) {
		feed_venue_error(v, out, UINT32_MAX, "status without data[0].system");
		return;
	}
	if (feed_json_str_eq(&sys, "maintenance", 11)) {
		out->cls = FEED_MSG_RECONNECT;
		out->reason = "status: system maintenance";
		return;
	}
	/* online, cancel_only, post_only: market data flows; liveness only. */
	out->cls = FEED_MSG_HEARTBEAT;
}

/* The venue's words for a REJECT's reason. */
static void kraken_reason(struct feed_venue_ctx *v, const struct feed_json_val *err,
			  struct feed_venue_out *out)
{
	char m[FEED_VENUE_REASON_MAX];

	if (err->type != FEED_JSON_STRING || feed_json_unescape(err, m, sizeof(m)) < 0)
		strcpy(m, "(no error text)");
	snprintf(v->reason, sizeof(v->reason), "%s", m);
	out->reason = v->reason;
}

/* Answers (native symbol s, channel named by ch or any subscribed one) in
 * request id (0: whichever holds it). Returns the streams answered. */
static int kraken_answer_sym(struct feed_venue_ctx *v, uint64_t id, const struct feed_json_val *s,
			     const struct feed_json_val *ch, int ok, struct feed_venue_out *out)
{
	static const uint32_t chs[3] = {FEED_CH_TRADES, FEED_CH_BBO, FEED_CH_L2};
	int done = 0;

	for (unsigned k = 0; k < 3; k++) {
		const char *name = kraken_channel_name(chs[k]);

		if (ch->type != FEED_JSON_NONE && !feed_json_str_eq(ch, name, strlen(name)))
			continue;
		if (!(v->channels & chs[k]))
			continue;
		if (feed_venue_stream_done(v, id, s->p, s->n, chs[k], ok, out) == 0)
			done++;
	}
	return done;
}

/* {"method":"subscribe","result":{"channel":..,"symbol":..},"success":true|false,
 * "error":..,"symbol":..,"req_id":N}: one symbol answered; without any
 * symbol, the whole request (by id, else the oldest open one). */
static void kraken_sub_answer(struct feed_venue_ctx *v, const struct feed_json_val *f,
			      struct feed_venue_out *out)
{
	static const struct feed_json_key rk[2] = {FEED_JSON_KEY("channel"),
						   FEED_JSON_KEY("symbol")};
	struct feed_json_val r[2] = {{0}}, none = {0};
	const struct feed_json_val *sym = &f[K_SYMBOL];
	uint64_t id = 0;
	int ok;

	if (feed_json_bool(&f[K_SUCCESS], &ok) < 0 ||
	    (f[K_REQ_ID].type != FEED_JSON_NONE && feed_json_u64(&f[K_REQ_ID], &id) < 0) ||
	    (f[K_RESULT].type == FEED_JSON_OBJECT &&
	     feed_json_scan(f[K_RESULT].p, f[K_RESULT].n, rk, 2, r) < 0)) {
		feed_venue_error(v, out, UINT32_MAX, "subscribe answer without success/req_id");
		return;
	}
	if (id == KR_INST_REQ_ID || feed_json_str_eq(&r[0], "instrument", 10)) {
		/* our instrument subscription: no stream of the request table */
		out->cls = ok ? FEED_MSG_HEARTBEAT : FEED_MSG_ERROR;
		out->sym = UINT32_MAX;
		if (!ok)
			kraken_reason(v, &f[K_ERROR], out);
		return;
	}
	if (r[1].type == FEED_JSON_STRING)
		sym = &r[1];
	if (sym->type == FEED_JSON_STRING && !sym->escaped) {
		if (kraken_answer_sym(v, id, sym, r[0].type == FEED_JSON_STRING ? &r[0] : &none, ok,
				      out) == 0) {
			feed_venue_unknown(out, "answer for a stream not waiting for one");
			return;
		}
	} else if (ok || (!id && feed_venue_req_oldest(v, &id) < 0) ||
		   feed_venue_req_done(v, id, 0, out) < 0) {
		out->cls = ok ? FEED_MSG_UNKNOWN : FEED_MSG_ERROR;
		out->reason = ok ? "answer without a symbol" : "error for no open request";
		return;
	}
	if (!ok)
		kraken_reason(v, &f[K_ERROR], out);
}

/* An answer to another method: pong, or an error (a request-level
 * rejection when it carries one of our subscribe ids). */
static void kraken_method(struct feed_venue_ctx *v, const struct feed_json_val *f,
			  struct feed_venue_out *out)
{
	int ok = 1;
	uint64_t id;

	if (feed_json_str_eq(&f[K_METHOD], "subscribe", 9)) {
		kraken_sub_answer(v, f, out);
		return;
	}
	if (feed_json_str_eq(&f[K_METHOD], "pong", 4)) {
		out->cls = FEED_MSG_HEARTBEAT;
		return;
	}
	(void)feed_json_bool(&f[K_SUCCESS], &ok);
	if (f[K_ERROR].type != FEED_JSON_NONE)
		ok = 0;
	if (!ok && feed_json_u64(&f[K_REQ_ID], &id) == 0 &&
	    feed_venue_req_done(v, id, 0, out) == 0) {
		kraken_reason(v, &f[K_ERROR], out);
		return;
	}
	if (!ok) {
		kraken_reason(v, &f[K_ERROR], out);
		out->cls = FEED_MSG_ERROR;
		out->sym = UINT32_MAX;
		return;
	}
	out->cls = FEED_MSG_UNKNOWN; /* unsubscribe, ... */
	out->reason = "answer to a method we do not use";
}

/* ---- depth (FEED_CH_L2) --------------------------------------------------------------- */

/* The documented depths (levels per side) of the book channel. */
static const uint32_t kraken_depths[] = {10, 25, 100, 500, 1000};

/* The depth we subscribe for the session's book_depth: the smallest
 * documented one that holds it (the checksum needs the top 10 anyway). */
static uint32_t kraken_depth(const struct feed_venue_ctx *v)
{
	for (unsigned k = 0; k < sizeof(kraken_depths) / sizeof(kraken_depths[0]); k++)
		if (v->book_depth <= kraken_depths[k])
			return kraken_depths[k];
	return KR_DEPTH_MAX;
}

enum { L_SYMBOL, L_BIDS, L_ASKS, L_CHECKSUM, L_TS, L__COUNT };

static const struct feed_json_key kraken_book_keys[L__COUNT] = {
	[L_SYMBOL] = FEED_JSON_KEY("symbol"), [L_BIDS] = FEED_JSON_KEY("bids"),
	[L_ASKS] = FEED_JSON_KEY("asks"),     [L_CHECKSUM] = FEED_JSON_KEY("checksum"),
	[L_TS] = FEED_JSON_KEY("timestamp"),
};

static const struct feed_json_key kraken_lvl_keys[2] = {FEED_JSON_KEY("price"),
							FEED_JSON_KEY("qty")};

/* Decimals printed in a number's text ("0.5666" -> 4; an exponent form
 * counts its mantissa's only, which the checksum does not use). */
static size_t kraken_dp(const struct feed_json_val *f)
{
	const char *d = memchr(f->p, '.', f->n);
	size_t k = 0;

	if (!d)
		return 0;
	while (d + 1 + k < f->p + f->n && d[1 + k] >= '0' && d[1 + k] <= '9')
		k++;
	return k;
}

/* One side, [{"price":..,"qty":..},...], into v->lv[off..] (*cnt levels).
 * Returns 0 or -errno (ERROR set; more levels than v->lv_cap is one). */
static int kraken_l2_side(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			  const struct feed_json_val *side, const char *what, uint32_t off,
			  uint32_t *cnt)
{
	const struct feed_venue_sym *sym = &v->syms[i];
	struct feed_json_val e, q[2];
	struct feed_json_iter it;
	struct feed_book_lvl *l;
	int rc;

	*cnt = 0;
	if (side->type == FEED_JSON_NONE)
		return 0;
	if (side->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, side->p, side->n) < 0)
		goto bad;
	while ((rc = feed_json_iter_next(&it, NULL, &e)) == 1) {
		if (off + *cnt >= v->lv_cap) {
			feed_venue_error(v, out, i, "%s book: more than %u levels", sym->native,
					 v->lv_cap);
			return -EMSGSIZE;
		}
		if (e.type != FEED_JSON_OBJECT ||
		    feed_json_scan(e.p, e.n, kraken_lvl_keys, 2, q) < 0)
			goto bad;
		l = &v->lv[off + *cnt];
		if (kraken_decimal(v, out, i, &q[0], "book price", sym->price_decimals, &l->px) <
			    0 ||
		    kraken_decimal(v, out, i, &q[1], "book qty", sym->qty_decimals, &l->qty) < 0)
			return -EINVAL;
		if (l->px <= 0) {
			feed_venue_error(v, out, i, "%s book: %s price not positive", sym->native,
					 what);
			return -EINVAL;
		}
		if (kraken_dp(&q[0]) > 18 || kraken_dp(&q[1]) > 18) {
			feed_venue_error(v, out, i, "%s book: more than 18 decimals", sym->native);
			return -EINVAL;
		}
		l->px_dp = (uint8_t)kraken_dp(&q[0]);
		l->qty_dp = (uint8_t)kraken_dp(&q[1]);
		(*cnt)++;
	}
	if (rc == 0)
		return 0;
bad:
	feed_venue_error(v, out, i, "%s book: bad '%ss'", sym->native, what);
	return -EINVAL;
}

/* The element's symbol, the event's checksum ("checksum", an unsigned 32-bit
 * integer) and time. Returns 0 or -errno (ERROR set). */
static int kraken_l2_head(struct feed_venue_ctx *v, struct feed_venue_out *out,
			  const struct feed_json_val *f, uint32_t *i, uint32_t *ck, int64_t *ts)
{
	uint64_t c;

	if (feed_venue_symbol_field(v, out, &f[L_SYMBOL], "symbol", i) < 0)
		return -EINVAL;
	if (f[L_CHECKSUM].type != FEED_JSON_NUMBER || feed_json_u64(&f[L_CHECKSUM], &c) < 0 ||
	    c > UINT32_MAX) {
		feed_venue_error(v, out, *i, "%s book: missing or bad 'checksum'",
				 v->syms[*i].native);
		return -EINVAL;
	}
	*ck = (uint32_t)c;
	return kraken_ts(v, out, *i, &f[L_TS], 1, ts);
}

/* 1 once the instrument channel gave symbol i's precisions. */
static int kraken_prec_known(const struct feed_venue_ctx *v, uint32_t i)
{
	const struct kr_priv *pv = v->priv;

	return pv->prec && i < v->nsyms && pv->prec[2 * (size_t)i] != KR_PREC_NONE;
}

/* One precision field: an integer 0..KR_PREC_MAX, or -1. */
static int kraken_prec_val(const struct feed_json_val *f)
{
	uint64_t u;

	if (f->type != FEED_JSON_NUMBER || feed_json_u64(f, &u) < 0 || u > KR_PREC_MAX)
		return -1;
	return (int)u;
}

/* One element of data.pairs: {"symbol":"BTC/USD",...,"price_precision":1,
 * "qty_precision":8,...}. A pair we do not subscribe is skipped. Returns 0
 * or -1 (a bad element). */
static int kraken_inst_pair(struct feed_venue_ctx *v, const struct feed_json_val *el)
{
	static const struct feed_json_key pk[3] = {FEED_JSON_KEY("symbol"),
						   FEED_JSON_KEY("price_precision"),
						   FEED_JSON_KEY("qty_precision")};
	struct kr_priv *pv = v->priv;
	struct feed_json_val f[3];
	uint32_t i;
	int pp, qp;

	if (el->type != FEED_JSON_OBJECT || feed_json_scan(el->p, el->n, pk, 3, f) < 0 ||
	    f[0].type != FEED_JSON_STRING)
		return -1;
	if (f[0].escaped || feed_venue_lookup(v, f[0].p, f[0].n, &i) < 0)
		return 0;
	pp = kraken_prec_val(&f[1]);
	qp = kraken_prec_val(&f[2]);
	if (pp < 0 || qp < 0)
		return -1;
	pv->prec[2 * (size_t)i] = (uint8_t)pp;
	pv->prec[2 * (size_t)i + 1] = (uint8_t)qp;
	return 0;
}

/* {"channel":"instrument","type":"snapshot"|"update","data":{"assets":[..],
 * "pairs":[..]}}: reference data, not market data (HEARTBEAT); it gives
 * the subscribed pairs' precisions for the book checksum. */
static void kraken_instrument(struct feed_venue_ctx *v, const struct feed_json_val *data,
			      struct feed_venue_out *out)
{
	static const struct feed_json_key dk[1] = {FEED_JSON_KEY("pairs")};
	struct feed_json_val pairs, el;
	struct feed_json_iter it;

	if (!((struct kr_priv *)v->priv)->prec) {
		feed_venue_unknown(out, "instrument data on a session without depth");
		return;
	}
	if (data->type != FEED_JSON_OBJECT || feed_json_scan(data->p, data->n, dk, 1, &pairs) < 0 ||
	    (pairs.type != FEED_JSON_ARRAY && pairs.type != FEED_JSON_NONE) ||
	    (pairs.type == FEED_JSON_ARRAY && feed_json_iter_init(&it, pairs.p, pairs.n) < 0)) {
		feed_venue_error(v, out, UINT32_MAX, "instrument: 'data' without a 'pairs' array");
		return;
	}
	while (pairs.type == FEED_JSON_ARRAY && feed_json_iter_next(&it, NULL, &el) == 1)
		if (kraken_inst_pair(v, &el) < 0) {
			feed_venue_error(v, out, UINT32_MAX, "instrument: bad pair (precisions)");
			return;
		}
	out->cls = FEED_MSG_HEARTBEAT;
}

/* ops->open_msg: an l2 session subscribes the instrument channel first on
 * each connection (all pairs: it takes no symbol list). */
static int kraken_open_msg(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n)
{
	int k;

	*n = 0;
	if (!(v->channels & FEED_CH_L2))
		return 0;
	k = snprintf(buf, len,
		     "{\"method\":\"subscribe\",\"params\":{\"channel\":\"instrument\","
		     "\"snapshot\":true},\"req_id\":%llu}",
		     KR_INST_REQ_ID);
	if (k < 0 || (size_t)k >= len)
		return -ENOBUFS;
	*n = (size_t)k;
	return 0;
}

/* ops->init: the precision table of an l2 session, all unknown. */
static int kraken_init(struct feed_venue_ctx *v)
{
	struct kr_priv *pv = v->priv;

	if (!(v->channels & FEED_CH_L2) || !v->nsyms)
		return 0;
	pv->prec = malloc(2 * (size_t)v->nsyms);
	if (!pv->prec)
		return -ENOMEM;
	memset(pv->prec, KR_PREC_NONE, 2 * (size_t)v->nsyms);
	return 0;
}

static void kraken_fini(struct feed_venue_ctx *v)
{
	struct kr_priv *pv = v->priv;

	if (pv) {
		free(pv->prec);
		pv->prec = NULL;
	}
}

/* Long: a book snapshot or update: the one element of data, validated, into one event. */
static void kraken_book(struct feed_venue_ctx *v, const struct feed_json_val *f, int64_t recv_ns,
			struct feed_venue_out *out)
{
	struct feed_json_val el, b[L__COUNT];
	struct feed_book_ev *ev = &v->book;
	struct feed_json_iter it;
	uint32_t i, nb, na, ck;
	int64_t ts;
	int snap = feed_json_str_eq(&f[K_TYPE], "snapshot", 8);

	if (!snap && !feed_json_str_eq(&f[K_TYPE], "update", 6)) {
		feed_venue_error(v, out, UINT32_MAX, "book: 'type' is neither snapshot nor update");
		return;
	}
	if (f[K_DATA].type != FEED_JSON_ARRAY ||
	    feed_json_iter_init(&it, f[K_DATA].p, f[K_DATA].n) < 0 ||
	    feed_json_iter_next(&it, NULL, &el) != 1 || el.type != FEED_JSON_OBJECT ||
	    feed_json_iter_next(&it, NULL, &b[0]) != 0 ||
	    feed_json_scan(el.p, el.n, kraken_book_keys, L__COUNT, b) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "book: 'data' is not one book object");
		return;
	}
	if (kraken_l2_head(v, out, b, &i, &ck, &ts) < 0 ||
	    kraken_l2_side(v, out, i, &b[L_BIDS], "bid", 0, &nb) < 0 ||
	    kraken_l2_side(v, out, i, &b[L_ASKS], "ask", nb, &na) < 0)
		return;
	memset(ev, 0, sizeof(*ev));
	ev->sym = i;
	ev->kind = snap ? FEED_BOOK_SNAPSHOT : FEED_BOOK_DELTA;
	/* Not judged until the instrument channel gave the pair's precisions
	 * (see kraken_instrument): the book goes out with verdict NONE. */
	ev->has_ck = kraken_prec_known(v, i);
	ev->checksum = ck;
	((struct kr_priv *)v->priv)->ck_want = ck;
	feed_venue_book_done(v, out, i, nb, na, ts, recv_ns);
}

/* Kraken's checksum text of a level value m (a mantissa at d decimals)
 * printed at precision p: '.' removed and leading zeros stripped, which is
 * m scaled to p decimals, in decimal ("" for 0). Returns the length, or -1
 * when m is not exactly representable at p (or does not fit). */
static int kraken_ck_text(char *buf, int64_t m, unsigned d, unsigned p)
{
	char tmp[24];
	int n = 0;

	for (; d > p; d--) {
		if (m % 10)
			return -1;
		m /= 10;
	}
	for (; p > d; p--) {
		if (m > INT64_MAX / 10)
			return -1;
		m *= 10;
	}
	while (m > 0 && n < (int)sizeof(tmp)) {
		tmp[n++] = (char)('0' + m % 10);
		m /= 10;
	}
	for (int k = 0; k < n; k++)
		buf[k] = tmp[n - 1 - k];
	return n;
}

/* Appends the k levels' price and qty texts at the pair's precisions to
 * buf at *o. Returns 0, or -1 for a level not representable there. */
static int kraken_ck_side(char *buf, size_t *o, const struct feed_book_lvl *l, uint32_t k,
			  const struct feed_venue_sym *y, const uint8_t *prec)
{
	for (uint32_t j = 0; j < k; j++) {
		int a = kraken_ck_text(buf + *o, l[j].px, y->price_decimals, prec[0]);
		int b = a < 0 ? -1
			      : kraken_ck_text(buf + *o + (size_t)a, l[j].qty, y->qty_decimals,
					       prec[1]);

		if (b < 0)
			return -1;
		*o += (size_t)a + (size_t)b;
	}
	return 0;
}

/* CRC32 of the top 10 asks (low to high) then the top 10 bids (high to
 * low), each level's price then qty printed at the pair's price_precision
 * and qty_precision (the instrument channel; kraken_book sends no checksum
 * to be checked before they are known). A level not representable at
 * them cannot be Kraken's: the answer is then one that does not match. */
static uint32_t kraken_checksum(const struct feed_venue_ctx *v, uint32_t sym,
				const struct feed_book_lvl *bids, uint32_t nb,
				const struct feed_book_lvl *asks, uint32_t na)
{
	const struct kr_priv *pv = v->priv;
	char buf[2 * KR_CK_LEVELS * 2 * 24];
	size_t o = 0;

	if (!pv->prec || sym >= v->nsyms || pv->prec[2 * (size_t)sym] == KR_PREC_NONE)
		return ~pv->ck_want;
	na = na < KR_CK_LEVELS ? na : KR_CK_LEVELS;
	nb = nb < KR_CK_LEVELS ? nb : KR_CK_LEVELS;
	if (kraken_ck_side(buf, &o, asks, na, &v->syms[sym], pv->prec + 2 * (size_t)sym) < 0 ||
	    kraken_ck_side(buf, &o, bids, nb, &v->syms[sym], pv->prec + 2 * (size_t)sym) < 0)
		return ~pv->ck_want;
	return (uint32_t)crc32(0L, (const Bytef *)buf, (uInt)o);
}

/* A resync: unsubscribe and subscribe the symbol's book again (a new
 * snapshot follows). Kraken answers with our req_id 0, no request of ours. */
static int kraken_resubscribe(struct feed_venue_ctx *v, uint32_t sym, char *unsub, size_t ulen,
			      size_t *un, char *sub, size_t slen, size_t *sn)
{
	static const char fmt[] = "{\"method\":\"%s\",\"params\":{\"channel\":\"book\",\"symbol\":"
				  "[\"%s\"],\"depth\":%u%s}}";
	int k;

	if (sym >= v->nsyms)
		return -EINVAL;
	k = snprintf(unsub, ulen, fmt, "unsubscribe", v->syms[sym].native, kraken_depth(v), "");
	if (k < 0 || (size_t)k >= ulen)
		return -ENOBUFS;
	*un = (size_t)k;
	k = snprintf(sub, slen, fmt, "subscribe", v->syms[sym].native, kraken_depth(v),
		     ",\"snapshot\":true");
	if (k < 0 || (size_t)k >= slen)
		return -ENOBUFS;
	*sn = (size_t)k;
	return 0;
}

/* ---- messages ------------------------------------------------------------------------ */

static void kraken_channel(struct feed_venue_ctx *v, const struct feed_json_val *f,
			   const struct feed_json_sub *sub, int64_t recv_ns,
			   struct feed_venue_out *out)
{
	const struct feed_json_val *c = &f[K_CHANNEL];

	if (feed_json_str_eq(c, "trade", 5)) {
		kraken_data(v, &f[K_DATA], MDBUS_KIND_TRADE, sub, recv_ns, out);
	} else if (feed_json_str_eq(c, "ticker", 6)) {
		kraken_data(v, &f[K_DATA], MDBUS_KIND_BBO, sub, recv_ns, out);
	} else if (feed_json_str_eq(c, "book", 4) && (v->channels & FEED_CH_L2)) {
		kraken_book(v, f, recv_ns, out);
	} else if (feed_json_str_eq(c, "heartbeat", 9)) {
		out->cls = FEED_MSG_HEARTBEAT;
	} else if (feed_json_str_eq(c, "instrument", 10)) {
		kraken_instrument(v, &f[K_DATA], out);
	} else if (feed_json_str_eq(c, "status", 6)) {
		kraken_status(v, &f[K_DATA], out);
	} else {
		feed_venue_unknown(out, "unknown channel");
	}
}

static int kraken_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			     int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val f[K__COUNT], ef[E__COUNT];
	/* The data array's first element is read in the same pass. */
	struct feed_json_sub sub = {
		.key = K_DATA, .keys = kraken_elem_keys, .nkeys = E__COUNT, .vals = ef};

	if (binary) {
		feed_venue_error(v, out, UINT32_MAX, "unexpected binary frame (%zu bytes)", n);
		return 0;
	}
	if (feed_json_scan_sub((const char *)p, n, kraken_keys, K__COUNT, f, &sub) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "invalid JSON (%zu bytes)", n);
		return 0;
	}
	if (f[K_CHANNEL].type != FEED_JSON_NONE)
		kraken_channel(v, f, &sub, recv_ns, out);
	else if (f[K_METHOD].type != FEED_JSON_NONE)
		kraken_method(v, f, out);
	else {
		feed_venue_unknown(out, "unrecognised message");
	}
	return 0;
}

/* REST fallback: at the end of the file. */
static int kraken_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				   size_t len, size_t *n);
static int kraken_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				   size_t len, size_t *n);
static int kraken_rest_ticker(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			      struct mdbus_bbo *b, int64_t *exch_ts);
static int kraken_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			      struct feed_rest_trade *t, uint32_t cap, uint32_t *nt);

/* ---- reference data (ops->ref) ------------------------------------------------ */

/*
 * GET /0/public/AssetPairs (every pair; 1 call of the public limit):
 * {"error":[],"result":{"XXBTZUSD":{"altname":"XBTUSD","wsname":"XBT/USD",
 * "pair_decimals":1,"cost_decimals":5,"lot_decimals":8,"tick_size":"0.1",
 * ..}}}: tick = tick_size (a string; pair_decimals places when absent), lot
 * = 10^-lot_decimals. A pair is found by its wsname, which still says XBT
 * (and XDG), on either side, where the v2 streams we subscribe say BTC
 * (DOGE). Checked 2026-12-07 against
 * https://docs.kraken.com/api-reference/market-data/get-tradable-asset-pairs
 */
static int kraken_ref_request(struct feed_venue_ctx *v, uint32_t k, char *buf, size_t len,
			      size_t *n)
{
	(void)v;
	if (k > 0)
		return 0;
	return feed_vrest_fmt(buf, len, n, "/0/public/AssetPairs") < 0 ? -ENOBUFS : 1;
}

/* One side of a wsname as the v2 streams name it (XBT -> BTC, XDG -> DOGE). */
static const char *kraken_ref_asset(const char *p, size_t n, int *len)
{
	static const char *const alias[][2] = {{"XBT", "BTC"}, {"XDG", "DOGE"}};

	for (size_t a = 0; a < 2; a++)
		if (n == 3 && memcmp(p, alias[a][0], 3) == 0) {
			*len = (int)strlen(alias[a][1]);
			return alias[a][1];
		}
	*len = (int)n;
	return p;
}

/* The session symbol of a wsname ("XBT/USD" -> "BTC/USD", "ETH/XBT" ->
 * "ETH/BTC"): 0 or -ENOENT. */
static int kraken_ref_find(const struct feed_venue_ctx *v, const struct feed_json_val *ws,
			   uint32_t *idx)
{
	char name[MDBUS_SYMBOL_MAX];
	const char *slash, *b, *q;
	int bn, qn, w;

	if (ws->type != FEED_JSON_STRING || ws->escaped || ws->n >= sizeof(name))
		return -ENOENT;
	slash = memchr(ws->p, '/', ws->n);
	if (!slash)
		return feed_venue_lookup(v, ws->p, ws->n, idx);
	b = kraken_ref_asset(ws->p, (size_t)(slash - ws->p), &bn);
	q = kraken_ref_asset(slash + 1, ws->n - (size_t)(slash - ws->p) - 1, &qn);
	w = snprintf(name, sizeof(name), "%.*s/%.*s", bn, b, qn, q);
	if (w <= 0 || (size_t)w >= sizeof(name))
		return -ENOENT;
	return feed_venue_lookup(v, name, (size_t)w, idx);
}

static int kraken_ref_pair(struct feed_venue_ctx *v, const struct feed_json_val *e,
			   struct feed_ref_instr *ref)
{
	static const struct feed_json_key keys[] = {
		FEED_JSON_KEY("wsname"), FEED_JSON_KEY("pair_decimals"),
		FEED_JSON_KEY("lot_decimals"), FEED_JSON_KEY("tick_size")};
	struct feed_json_val f[4];
	struct feed_ref_instr *r;
	uint32_t i;

	if (e->type != FEED_JSON_OBJECT || feed_json_scan(e->p, e->n, keys, 4, f) < 0)
		return feed_vref_bad(v, "a pair is not an object");
	if (kraken_ref_find(v, &f[0], &i) < 0)
		return 0;
	r = &ref[i];
	if (f[3].type != FEED_JSON_NONE ? feed_vref_dec(&f[3], 0, &r->tick, &r->tick_dp) < 0
					: feed_vref_places(&f[1], &r->tick, &r->tick_dp) < 0)
		return feed_vref_bad(v, "tick_size / pair_decimals bad or missing");
	if (feed_vref_places(&f[2], &r->lot, &r->lot_dp) < 0)
		return feed_vref_bad(v, "lot_decimals bad or missing");
	r->found = 1;
	return 0;
}

static int kraken_ref_parse(struct feed_venue_ctx *v, uint32_t k, const uint8_t *body, size_t n,
			    struct feed_ref_instr *ref)
{
	static const struct feed_json_key top[] = {FEED_JSON_KEY("error"), FEED_JSON_KEY("result")};
	struct feed_json_val f[2], key, e;
	struct feed_json_iter it;
	int r;

	(void)k;
	if (feed_json_scan((const char *)body, n, top, 2, f) < 0)
		return feed_vref_bad(v, "the answer is not a JSON object");
	if (f[0].type == FEED_JSON_ARRAY && f[0].n > 2 && memchr(f[0].p, '"', f[0].n))
		return feed_vref_bad(v, "the answer lists an error");
	if (f[1].type != FEED_JSON_OBJECT || feed_json_iter_init(&it, f[1].p, f[1].n) < 0)
		return feed_vref_bad(v, "no 'result' object");
	while ((r = feed_json_iter_next(&it, &key, &e)) == 1)
		if ((r = kraken_ref_pair(v, &e, ref)) < 0)
			return r;
	return r < 0 ? feed_vref_bad(v, "bad JSON in 'result'") : 0;
}

const struct feed_venue_ops feed_venue_kraken = {
	.name = "kraken",
	.default_url = "wss://ws.kraken.com/v2",
	.default_rest_url = "https://api.kraken.com",
	.channels = FEED_CH_TRADES | FEED_CH_BBO | FEED_CH_L2,
	.markets = 1u << MDBUS_MARKET_SPOT,
	.limits =
		{
			.group = FEED_GROUP_CHANNEL,
			/* Not documented: modest requests keep each answer burst
			 * small; one answer per symbol comes back anyway. */
			.streams_per_req = 100,
			/* Not documented either ("Exceeded msg rate" exists): stay slow. */
			.req_interval_ms = 250,
		},
	.rest =
		{
			/* public calls: about 1 a second per IP */
			.ticker_weight = 1,
			.trades_weight = 1,
			.ticker_path = kraken_rest_ticker_path,
			.trades_path = kraken_rest_trades_path,
			.ticker_parse = kraken_rest_ticker,
			.trades_parse = kraken_rest_trades,
		},
	.ref = {.request = kraken_ref_request, .parse = kraken_ref_parse, .weight = 1},
	.native_symbol = kraken_native_symbol,
	.subscribe = kraken_subscribe,
	.open_msg = kraken_open_msg,
	.on_message = kraken_on_message,
	.init = kraken_init,
	.fini = kraken_fini,
	.priv_size = sizeof(struct kr_priv),
	.ping_text = "{\"method\":\"ping\"}",
	.book =
		{
			/* snapshot, then updates without ids: the checksum proves the book */
			.sync = FEED_SYNC_WS_PLAIN,
			.ck_levels = KR_CK_LEVELS,
			.resubscribe = 1,
			.max_levels = KR_DEPTH_MAX, /* kraken_depth(): up to 1000 */
			.checksum = kraken_checksum,
			.resubscribe_msgs = kraken_resubscribe,
		},
};

/* ---- REST fallback (ops->rest) ------------------------------------------------- */

/* Trades per poll: /0/public/Trades returns 1000 by default; count caps it. */
#define KRAKEN_REST_TRADES 200

/* "BTC/USD" -> "XBTUSD": the REST pair names Bitcoin XBT and Dogecoin XDG
 * (the docs' examples: pair=XBTUSD, answer key "XXBTZUSD"). */
static int kraken_rest_pair(const struct feed_venue_ctx *v, uint32_t sym, char *out, size_t len)
{
	const char *s = v->syms[sym].native, *slash = strchr(s, '/');
	size_t bl;
	int k;

	if (!slash)
		return -EINVAL;
	bl = (size_t)(slash - s);
	if (bl == 3 && memcmp(s, "BTC", 3) == 0)
		k = snprintf(out, len, "XBT%s", slash + 1);
	else if (bl == 4 && memcmp(s, "DOGE", 4) == 0)
		k = snprintf(out, len, "XDG%s", slash + 1);
	else
		k = snprintf(out, len, "%.*s%s", (int)bl, s, slash + 1);
	return k < 0 || (size_t)k >= len ? -ENOBUFS : 0;
}

static int kraken_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				   size_t len, size_t *n)
{
	char pair[MDBUS_SYMBOL_MAX];

	if (sym >= v->nsyms || kraken_rest_pair(v, sym, pair, sizeof(pair)) < 0)
		return -EINVAL;
	return feed_vrest_fmt(buf, len, n, "/0/public/Ticker?pair=%s", pair);
}

static int kraken_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				   size_t len, size_t *n)
{
	char pair[MDBUS_SYMBOL_MAX];

	if (sym >= v->nsyms || kraken_rest_pair(v, sym, pair, sizeof(pair)) < 0)
		return -EINVAL;
	return feed_vrest_fmt(buf, len, n, "/0/public/Trades?pair=%s&count=%u", pair,
			      KRAKEN_REST_TRADES);
}

/* {"error":[],"result":{"XXBTZUSD":<value>[,"last":..]}}: the pair's value
 * (the one member of result that is not "last", named as Kraken names it). */
static int kraken_rest_result(struct feed_venue_ctx *v, const uint8_t *body, size_t n,
			      struct feed_json_val *val)
{
	static const struct feed_json_key k[2] = {FEED_JSON_KEY("error"), FEED_JSON_KEY("result")};
	struct feed_json_val f[2], key, e;
	struct feed_json_iter it;

	memset(val, 0, sizeof(*val)); /* defined on every error path too */
	if (feed_json_scan((const char *)body, n, k, 2, f) < 0)
		return feed_vrest_bad(v, "JSON");
	if (f[0].type != FEED_JSON_ARRAY || f[1].type != FEED_JSON_OBJECT ||
	    feed_json_iter_init(&it, f[0].p, f[0].n) < 0 || feed_json_iter_next(&it, &key, &e) != 0)
		return feed_vrest_bad(v, "error/result");
	if (feed_json_iter_init(&it, f[1].p, f[1].n) < 0)
		return feed_vrest_bad(v, "result");
	while (feed_json_iter_next(&it, &key, &e) == 1) {
		if (key.n == 4 && memcmp(key.p, "last", 4) == 0)
			continue;
		*val = e;
		return 0;
	}
	return feed_vrest_bad(v, "result pair");
}

/* The n-th element of array a. */
static int kraken_rest_at(const struct feed_json_val *a, uint32_t n, struct feed_json_val *e)
{
	struct feed_json_iter it;
	struct feed_json_val key;
	uint32_t i;

	if (a->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, a->p, a->n) < 0)
		return -EINVAL;
	for (i = 0; i <= n; i++)
		if (feed_json_iter_next(&it, &key, e) != 1)
			return -EINVAL;
	return 0;
}

/* {"a":[price, whole lot volume, lot volume],"b":[...],..}: the lot volume
 * is the size as a decimal. The answer carries no time. */
static int kraken_rest_ticker(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			      struct mdbus_bbo *b, int64_t *exch_ts)
{
	static const struct feed_json_key k[2] = {FEED_JSON_KEY("a"), FEED_JSON_KEY("b")};
	struct feed_json_val t, f[2], ap, aq, bp, bq;

	*exch_ts = 0;
	if (kraken_rest_result(v, body, n, &t) < 0)
		return -EBADMSG;
	if (t.type != FEED_JSON_OBJECT || feed_json_scan(t.p, t.n, k, 2, f) < 0 ||
	    kraken_rest_at(&f[0], 0, &ap) < 0 || kraken_rest_at(&f[0], 2, &aq) < 0 ||
	    kraken_rest_at(&f[1], 0, &bp) < 0 || kraken_rest_at(&f[1], 2, &bq) < 0)
		return feed_vrest_bad(v, "ticker a/b");
	if (feed_vrest_px(v, sym, &bp, "bid price", 0, &b->bid_px) < 0 ||
	    feed_vrest_qty(v, sym, &bq, "bid lot volume", 0, &b->bid_qty) < 0 ||
	    feed_vrest_px(v, sym, &ap, "ask price", 0, &b->ask_px) < 0 ||
	    feed_vrest_qty(v, sym, &aq, "ask lot volume", 0, &b->ask_qty) < 0)
		return -EBADMSG;
	return 0;
}

/* Seconds with up to 9 fraction digits ("1688669597.8277369") as ns. */
static int kraken_rest_secs(const struct feed_json_val *f, int64_t *ns)
{
	int64_t sec = 0, frac = 0;
	size_t i = 0;
	int d;

	for (; i < f->n && f->p[i] >= '0' && f->p[i] <= '9'; i++) {
		if (sec > (INT64_MAX / 1000000000) / 10)
			return -ERANGE;
		sec = sec * 10 + (f->p[i] - '0');
	}
	if (i == 0)
		return -EINVAL;
	if (i < f->n && f->p[i] == '.')
		i++;
	for (d = 0; d < 9; d++) {
		frac *= 10;
		if (i < f->n && f->p[i] >= '0' && f->p[i] <= '9')
			frac += f->p[i++] - '0';
	}
	if (i != f->n || sec > INT64_MAX / 1000000000 - 1)
		return -EINVAL; /* more than 9 digits, an exponent, a sign */
	*ns = sec * 1000000000 + frac;
	return 0;
}

/* [price, volume, time (seconds, a number with a fraction), "b"|"s",
 * "m"|"l", misc, trade_id]; b/s is the taker's side. */
static int kraken_rest_trade(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *e,
			     struct feed_rest_trade *t)
{
	struct feed_json_val f[7];
	uint32_t i;

	for (i = 0; i < 7; i++)
		if (kraken_rest_at(e, i, &f[i]) < 0)
			return feed_vrest_bad(v, "trade");
	if (f[2].type != FEED_JSON_NUMBER || kraken_rest_secs(&f[2], &t->ts) < 0)
		return feed_vrest_bad(v, "trade time");
	if (feed_vrest_px(v, sym, &f[0], "trade price", 0, &t->px) < 0 ||
	    feed_vrest_qty(v, sym, &f[1], "trade volume", 0, &t->qty) < 0 ||
	    feed_vrest_side(v, &f[3], &t->flags) < 0 ||
	    feed_vrest_id(v, &f[6], &t->id, &t->flags) < 0)
		return -EBADMSG;
	return 0;
}

static int kraken_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			      struct feed_rest_trade *t, uint32_t cap, uint32_t *nt)
{
	struct feed_json_val list;

	if (kraken_rest_result(v, body, n, &list) < 0)
		return -EBADMSG;
	return feed_vrest_each(v, sym, &list, kraken_rest_trade, t, cap, nt);
}
