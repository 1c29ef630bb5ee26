/* SPDX-License-Identifier: MIT */
/*
 * gateio.c: Gate spot (wss://api.gateio.ws/ws/v4/) and USDT perpetual
 * futures (wss://fx-ws.gateio.ws/v4/ws/usdt) WebSocket v4.
 *
 * Checked against the venue's documentation on 2026-12-06:
 *   https://www.gate.com/docs/developers/apiv4/ws/en/
 *   https://www.gate.com/docs/developers/futures/ws/en/
 *   https://www.gate.com/docs/developers/apiv4/en/ (futures Contract schema)
 * Facts and exact examples: docs/venues/gateio.md.
 *
 * Symbols: BTC-USDT <-> BTC_USDT (spot host); BTC-USDT-PERP <-> BTC_USDT on
 * the futures host (market_url[PERP]); the endpoint tells them apart, so a
 * session is all spot or all perp (check.c refuses a mix). Only USDT
 * perpetuals live on that host: other quotes and dated futures are refused.
 *
 * Subscribe: one channel per request, many pairs in its payload:
 *   {"time":1700000000,"id":7,"channel":"spot.trades","event":"subscribe",
 *    "payload":["BTC_USDT","ETH_USDT"]}
 * "time" is seconds and must be within 60 s of the server's clock: it comes
 * from v->wall_ns, which feed_venue_subscribe_next sets. The answer echoes
 * "id" (when sent), "channel" and "event"; success is error null and
 * result.status "success", a rejection carries error {code, message}. We
 * match by id; an answer without id goes to the oldest open request of its
 * channel (the documented ack example shows none). Limits (pairs per
 * request, subscriptions per connection, request rate) are not documented:
 * we send at most 100 pairs per request, one request per 100 ms.
 *
 *   spot.trades (one trade, taker side):
 *     {"time":..,"channel":"spot.trades","event":"update","result":{"id":309143071,
 *      "id_market":2390902,"create_time_ms":"1606292218213.4578","side":"sell",
 *      "currency_pair":"GT_USDT","amount":"16.47","price":"0.4705",..}}
 *   futures.trades (an array; size sign = taker side, size in contracts):
 *     {..,"result":[{"size":-108,"id":27753479,"create_time_ms":1545136464123,
 *      "price":"96.4","contract":"BTC_USDT","is_internal":true}]}
 *   *.book_ticker (full BBO, t = ms, u = update id; futures B/A integers):
 *     {..,"result":{"t":1606293275123,"u":48733182,"s":"BTC_USDT","b":"19177.79",
 *      "B":"0.0003341504","a":"19179.38","A":"0.09"}}
 *
 *   spot.order_book_update (l2, spot only; payload [pair, "20ms"|"100ms"],
 *   one pair per request):
 *     {..,"result":{"t":1606294781123,"full":true,"l":"100","s":"BTC_USDT",
 *      "U":48776301,"u":48776306,"b":[["19137.74","0.0001"]],"a":[..]}}
 *     a DELTA [U, u], or with "full":true a SNAPSHOT replacing the book (id u).
 *     REST GET /api/v4/spot/order_book?currency_pair=BTC_USDT&limit=100&with_id=true
 *     -> {"id":..,"current":..,"update":..,"asks":[..],"bids":[..]}; sync
 *     FEED_SYNC_REST_UU (first applied U <= id + 1 <= u), no checksum.
 *     Depth checked 2026-12-07 against
 *     https://www.gate.com/docs/developers/apiv4/ws/en/#changed-order-book-levels
 *     (see docs/venues/gateio.md "Depth (l2)").
 *
 * Decisions where the documents leave room:
 * - the spot trade example repeats "id_market": like the usual JSON
 *   parsers (and jsonscan.h), the last one wins. id_market ("continuous
 *   growth within a market") is checked as increasing, not contiguous; the
 *   tick's trade id is "id" (the id REST and futures use).
 * - futures quantities are contracts (qty_unit = contracts, contract_size =
 *   the contract's quanto_multiplier, from the config); with qty_unit = base
 *   they are converted exactly (contracts x contract_size).
 * - is_internal futures trades (insurance fund, ADL) are published like the
 *   others: they are executions the venue reports on the trade channel.
 * - an empty "b"/"a" (an empty side) gives price 0 and quantity 0.
 * - keepalive: the server pings at the protocol level; we also send the
 *   documented application ping (spot.ping / futures.ping with the wall
 *   time); its pong is a HEARTBEAT. No maintenance notice is documented.
 * Differences from the table: none in the fields; futures
 * book_ticker "u" is documented as a string (the example is a number): both
 * are taken.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "binance.h" /* feed_binance_levels: the same ["price","amount"] pairs */
#include "jsonscan.h"
#include "symbol.h"
#include "venue.h"
#include "vref.h"
#include "vrest.h"

#define GT_SUB_TAIL   4	   /* room for "]}" */
#define GT_REST_LIMIT 100u /* snapshot levels a side: the 100ms stream's depth */

/* ---- symbols ----------------------------------------------------------------- */

static int gateio_native_symbol(const char *norm, char *out, size_t len)
{
	struct feed_symbol_info info;
	size_t n;

	if (feed_symbol_parse(norm, &info) < 0)
		return -EINVAL;
	if (info.market == MDBUS_MARKET_PERP) {
		/* The USDT-settled perpetuals host only: "BASE-USDT-PERP". */
		n = strlen(norm) - strlen("-PERP");
		if (n < 6 || memcmp(norm + n - 5, "-USDT", 5) != 0)
			return -EINVAL;
	} else if (info.market == MDBUS_MARKET_SPOT) {
		n = strlen(norm);
	} else {
		return -EINVAL;
	}
	if (n + 1 > len)
		return -ENAMETOOLONG;
	memcpy(out, norm, n);
	for (size_t i = 0; i < n; i++)
		if (out[i] == '-')
			out[i] = '_';
	out[n] = '\0';
	return 0;
}

/* ---- subscribe and ping --------------------------------------------------------- */

/* The session's market: its symbols share one endpoint (check.c). */
static int gateio_futures(const struct feed_venue_ctx *v)
{
	return v->nsyms > 0 && v->syms[0].market == MDBUS_MARKET_PERP;
}

/* spot.order_book_update takes one pair and its interval per request:
 * always "100ms" (100 levels), whatever book_depth. The docs call the
 * "20ms" stream "20 levels" without saying whether its updates cover only
 * a top-20 window (then a level deleted below it is never sent, and a
 * book kept from the 100-level REST snapshot goes stale under the top 20)
 * or every level: the 100-level stream with the 100-level snapshot is
 * exact for any book_depth up to 100 under either reading. */
static int gateio_subscribe_l2(struct feed_venue_ctx *v, uint32_t sym, uint64_t req_id, uint32_t n,
			       char *buf, size_t len, size_t *out_len)
{
	int k;

	if (n != 1)
		return -ENOBUFS; /* subs.c retries with one stream */
	k = snprintf(buf, len,
		     "{\"time\":%lld,\"id\":%llu,\"channel\":\"spot.order_book_update\","
		     "\"event\":\"subscribe\",\"payload\":[\"%s\",\"%s\"]}",
		     (long long)(v->wall_ns / 1000000000), (unsigned long long)req_id,
		     v->syms[sym].native, "100ms");
	if (k < 0 || (size_t)k >= len)
		return -ENOBUFS;
	*out_len = (size_t)k;
	return 0;
}

static int gateio_subscribe(struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			    uint64_t req_id, char *buf, size_t len, size_t *out_len)
{
	uint32_t sym, ch;
	size_t o;
	int k;

	if (n == 0)
		return -ENOBUFS;
	feed_venue_stream(v, streams[0], &sym, &ch);
	if (ch == FEED_CH_L2)
		return gateio_subscribe_l2(v, sym, req_id, n, buf, len, out_len);
	k = snprintf(buf, len,
		     "{\"time\":%lld,\"id\":%llu,\"channel\":\"%s.%s\",\"event\":\"subscribe\","
		     "\"payload\":[",
		     (long long)(v->wall_ns / 1000000000), (unsigned long long)req_id,
		     gateio_futures(v) ? "futures" : "spot",
		     ch == FEED_CH_TRADES ? "trades" : "book_ticker");
	if (k < 0 || (size_t)k + GT_SUB_TAIL >= len)
		return -ENOBUFS;
	o = (size_t)k;
	if (feed_venue_put_natives(v, streams, n, buf, len, &o, GT_SUB_TAIL) < 0)
		return -ENOBUFS;
	buf[o++] = ']';
	buf[o++] = '}';
	buf[o] = '\0';
	*out_len = o;
	return 0;
}

/* {"time":<s>,"channel":"spot.ping"}: resets the server's idle timer. */
static int gateio_ping(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n, int64_t now_ns)
{
	int k;

	(void)now_ns; /* monotonic; the request wants the wall time */
	k = snprintf(buf, len, "{\"time\":%lld,\"channel\":\"%s.ping\"}",
		     (long long)(v->wall_ns / 1000000000), gateio_futures(v) ? "futures" : "spot");
	if (k < 0 || (size_t)k >= len)
		return -ENOBUFS;
	*n = (size_t)k;
	return 0;
}

/* ---- messages -------------------------------------------------------------------- */

/* Tables in the documented arrival order (jsonscan matches the next key
 * first). */
enum { K_CHANNEL, K_EVENT, K_ERROR, K_RESULT, K_ID, K__COUNT };

static const struct feed_json_key gateio_keys[K__COUNT] = {
	[K_CHANNEL] = FEED_JSON_KEY("channel"), [K_EVENT] = FEED_JSON_KEY("event"),
	[K_RESULT] = FEED_JSON_KEY("result"),	[K_ERROR] = FEED_JSON_KEY("error"),
	[K_ID] = FEED_JSON_KEY("id"),
};

/* Fields of one trade (spot or futures) or one book ticker. */
enum {
	T_SIZE,
	T_ID,
	T_ID_MARKET,
	T_TIME_MS,
	T_SIDE,
	T_PAIR,
	T_AMOUNT,
	T_PRICE,
	T_CONTRACT,
	T__COUNT
};

static const struct feed_json_key gateio_trade_keys[T__COUNT] = {
	[T_ID] = FEED_JSON_KEY("id"),
	[T_ID_MARKET] = FEED_JSON_KEY("id_market"),
	[T_TIME_MS] = FEED_JSON_KEY("create_time_ms"),
	[T_SIDE] = FEED_JSON_KEY("side"),
	[T_PAIR] = FEED_JSON_KEY("currency_pair"),
	[T_AMOUNT] = FEED_JSON_KEY("amount"),
	[T_PRICE] = FEED_JSON_KEY("price"),
	[T_SIZE] = FEED_JSON_KEY("size"),
	[T_CONTRACT] = FEED_JSON_KEY("contract"),
};

enum { B_T, B_U, B_S, B_B, B_BB, B_A, B_AA, B__COUNT };

static const struct feed_json_key gateio_bbo_keys[B__COUNT] = {
	[B_T] = FEED_JSON_KEY("t"),  [B_U] = FEED_JSON_KEY("u"),  [B_S] = FEED_JSON_KEY("s"),
	[B_B] = FEED_JSON_KEY("b"),  [B_BB] = FEED_JSON_KEY("B"), [B_A] = FEED_JSON_KEY("a"),
	[B_AA] = FEED_JSON_KEY("A"),
};

/* A timestamp in ms: an integer, or (spot create_time_ms) a string with
 * fractional ms ("1606292218213.4578"). */
static int gateio_ms(const struct feed_json_val *f, int64_t *ns)
{
	if (f->type != FEED_JSON_STRING && f->type != FEED_JSON_NUMBER)
		return -EINVAL;
	if (f->type == FEED_JSON_STRING && f->escaped)
		return -EINVAL;
	return feed_ts_ms_text(f->p, f->n, ns);
}

/* Spot: side is the taker's; amount in base units. */
static int gateio_spot_side(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			    const struct feed_json_val *f, uint8_t *side, int64_t *qty)
{
	const struct feed_venue_sym *sym = &v->syms[i];

	if (feed_json_str_eq(&f[T_SIDE], "buy", 3)) {
		*side = MDBUS_FLAG_BUY;
	} else if (feed_json_str_eq(&f[T_SIDE], "sell", 4)) {
		*side = MDBUS_FLAG_SELL;
	} else {
		feed_venue_error(v, out, i, "%s trade: missing or bad side", sym->native);
		return -EINVAL;
	}
	return feed_venue_decimal(v, out, i, &f[T_AMOUNT], "trade amount", sym->qty_decimals, 0,
				  qty);
}

/* Futures: the sign of size is the taker side; size in contracts. */
static int gateio_futures_side(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			       const struct feed_json_val *f, uint8_t *side, int64_t *qty)
{
	if (feed_venue_qty(v, out, i, &f[T_SIZE], "trade size", FEED_DEC_NUM | FEED_DEC_NEG, qty) <
	    0)
		return -EINVAL;
	if (*qty == 0) {
		feed_venue_error(v, out, i, "%s trade: size 0 has no side", v->syms[i].native);
		return -EINVAL;
	}
	*side = *qty > 0 ? MDBUS_FLAG_BUY : MDBUS_FLAG_SELL;
	if (*qty < 0)
		*qty = -*qty;
	return 0;
}

/* One trade object's members (gateio_trade_keys). Returns 1 (a tick), 0
 * (the array is full: nothing consumed), -errno (out is an ERROR). */
static int gateio_trade_fields(struct feed_venue_ctx *v, const struct feed_json_val *f, int futures,
			       int64_t recv_ns, struct feed_venue_out *out)
{
	struct mdbus_tick *t;
	int64_t price, qty, ts;
	uint64_t tid, idm;
	uint8_t side;
	uint32_t i;

	if (feed_venue_symbol_field(v, out, &f[futures ? T_CONTRACT : T_PAIR],
				    futures ? "contract" : "currency_pair", &i) < 0)
		return -EINVAL;
	if (futures ? gateio_futures_side(v, out, i, f, &side, &qty) < 0
		    : gateio_spot_side(v, out, i, f, &side, &qty) < 0)
		return -EINVAL;
	if (feed_venue_decimal(v, out, i, &f[T_PRICE], "trade price", v->syms[i].price_decimals, 0,
			       &price) < 0)
		return -EINVAL;
	if (gateio_ms(&f[T_TIME_MS], &ts) < 0) {
		feed_venue_error(v, out, i, "%s trade: missing or bad create_time_ms",
				 v->syms[i].native);
		return -EINVAL;
	}
	if (f[T_ID].type != FEED_JSON_NUMBER || feed_json_u64(&f[T_ID], &tid) < 0) {
		feed_venue_error(v, out, i, "%s trade: missing or bad trade id", v->syms[i].native);
		return -EINVAL;
	}
	if (!futures && f[T_ID_MARKET].type != FEED_JSON_NONE) {
		/* Increasing per market (not promised contiguous): a step back
		 * or a repeat flags this trade. A duplicated key: the last. */
		if (f[T_ID_MARKET].type != FEED_JSON_NUMBER ||
		    feed_json_u64(&f[T_ID_MARKET], &idm) < 0) {
			feed_venue_error(v, out, i, "%s trade: bad id_market", v->syms[i].native);
			return -EINVAL;
		}
		(void)feed_venue_seq_check(v, i, FEED_CH_TRADES, idm, 0);
	}
	t = feed_venue_tick(v, out, i, MDBUS_KIND_TRADE, side, ts, recv_ns);
	if (!t)
		return 0;
	t->u.trade.price = price;
	t->u.trade.qty = qty;
	t->u.trade.trade_id = tid;
	return 1;
}

/* One trade object: as gateio_trade_fields. */
static int gateio_trade(struct feed_venue_ctx *v, const char *p, size_t n, int futures,
			int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val f[T__COUNT];

	if (feed_json_scan(p, n, gateio_trade_keys, T__COUNT, f) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "trade: not an object");
		return -EINVAL;
	}
	return gateio_trade_fields(v, f, futures, recv_ns, out);
}

/* A BBO price and size; an empty price string is an empty side (0, 0). */
static int gateio_level(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			const struct feed_json_val *px, const struct feed_json_val *sz, int futures,
			const char *side, int64_t *p, int64_t *q)
{
	char what[16];

	if (px->type == FEED_JSON_STRING && px->n == 0) {
		*p = *q = 0;
		return 0;
	}
	snprintf(what, sizeof(what), "%s price", side);
	if (feed_venue_decimal(v, out, i, px, what, v->syms[i].price_decimals, 0, p) < 0)
		return -EINVAL;
	snprintf(what, sizeof(what), "%s size", side);
	if (futures)
		return feed_venue_qty(v, out, i, sz, what, FEED_DEC_NUM, q);
	return feed_venue_decimal(v, out, i, sz, what, v->syms[i].qty_decimals, 0, q);
}

static void gateio_bbo(struct feed_venue_ctx *v, const struct feed_json_val *r, int futures,
		       int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val f[B__COUNT];
	int64_t bp, bq, ap, aq, ts;
	uint64_t u;
	uint32_t i;

	if (r->type != FEED_JSON_OBJECT ||
	    feed_json_scan(r->p, r->n, gateio_bbo_keys, B__COUNT, f) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "book_ticker: result is not an object");
		return;
	}
	if (feed_venue_symbol_field(v, out, &f[B_S], "s", &i) < 0)
		return;
	if (gateio_level(v, out, i, &f[B_B], &f[B_BB], futures, "bid", &bp, &bq) < 0 ||
	    gateio_level(v, out, i, &f[B_A], &f[B_AA], futures, "ask", &ap, &aq) < 0)
		return;
	if (f[B_T].type != FEED_JSON_NUMBER || gateio_ms(&f[B_T], &ts) < 0) {
		feed_venue_error(v, out, i, "%s book_ticker: missing or bad time 't'",
				 v->syms[i].native);
		return;
	}
	/* u: a number (spot, futures example) or a string (futures schema). */
	if (feed_json_u64(&f[B_U], &u) < 0) {
		feed_venue_error(v, out, i, "%s book_ticker: missing or bad update id 'u'",
				 v->syms[i].native);
		return;
	}
	(void)feed_venue_bbo(v, out, i, ts, recv_ns, (struct mdbus_bbo){bp, bq, ap, aq});
	/* Only top-of-book changes are sent: u skips, a full BBO replaces
	 * the last, so it is stored, not gap-checked. */
	v->syms[i].seq[1] = u;
}

/* ---- depth (FEED_CH_L2, spot) ------------------------------------------------------ */

enum { D_T, D_FULL, D_S, D_UU, D_U, D_B, D_A, D__COUNT };

static const struct feed_json_key gateio_depth_keys[D__COUNT] = {
	[D_T] = FEED_JSON_KEY("t"),  [D_FULL] = FEED_JSON_KEY("full"), [D_S] = FEED_JSON_KEY("s"),
	[D_UU] = FEED_JSON_KEY("U"), [D_U] = FEED_JSON_KEY("u"),       [D_B] = FEED_JSON_KEY("b"),
	[D_A] = FEED_JSON_KEY("a"),
};

/* result {"t":ms,["full":true,]"l":"100","e":..,"E":s,"s":pair,"U":first,"u":last,
 * "b":[[p,a]..],"a":[[p,a]..]}: a DELTA [U, u], or with full true a SNAPSHOT
 * that replaces the book (its id: u). */
static void gateio_depth(struct feed_venue_ctx *v, const struct feed_json_val *r, int64_t recv_ns,
			 struct feed_venue_out *out)
{
	struct feed_json_val f[D__COUNT];
	struct feed_book_ev *ev = &v->book;
	uint64_t first = 0, last;
	int64_t ts;
	uint32_t i;
	int full = 0;

	if (r->type != FEED_JSON_OBJECT ||
	    feed_json_scan(r->p, r->n, gateio_depth_keys, D__COUNT, f) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "order_book_update: result is not an object");
		return;
	}
	if (feed_venue_symbol_field(v, out, &f[D_S], "s", &i) < 0)
		return;
	if (f[D_FULL].type != FEED_JSON_NONE && feed_json_bool(&f[D_FULL], &full) < 0) {
		feed_venue_error(v, out, i, "%s order_book_update: bad 'full'", v->syms[i].native);
		return;
	}
	if (f[D_U].type != FEED_JSON_NUMBER || feed_json_u64(&f[D_U], &last) < 0 ||
	    (f[D_UU].type != FEED_JSON_NONE &&
	     (f[D_UU].type != FEED_JSON_NUMBER || feed_json_u64(&f[D_UU], &first) < 0)) ||
	    (!full && f[D_UU].type == FEED_JSON_NONE) || first > last) {
		feed_venue_error(v, out, i, "%s order_book_update: missing or bad ids U/u",
				 v->syms[i].native);
		return;
	}
	if (f[D_T].type != FEED_JSON_NUMBER || gateio_ms(&f[D_T], &ts) < 0) {
		feed_venue_error(v, out, i, "%s order_book_update: missing or bad time 't'",
				 v->syms[i].native);
		return;
	}
	if (feed_binance_sides(v, out, i, &f[D_B], &f[D_A]) < 0)
		return;
	ev->kind = full ? FEED_BOOK_SNAPSHOT : FEED_BOOK_DELTA;
	ev->first_id = f[D_UU].type == FEED_JSON_NONE ? last : first;
	ev->last_id = last;
	ev->exch_ts = ts;
	ev->recv_ts = recv_ns;
	v->syms[i].last_recv_ns = recv_ns;
	out->cls = FEED_MSG_BOOK;
	out->book = ev;
	out->sym = i;
}

/* GET /api/v4/spot/order_book?currency_pair=BTC_USDT&limit=100&with_id=true */
static int gateio_rest_snapshot(struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
				size_t *n)
{
	int k;

	if (sym >= v->nsyms)
		return -EINVAL;
	k = snprintf(buf, len, "/api/v4/spot/order_book?currency_pair=%s&limit=%u&with_id=true",
		     v->syms[sym].native, GT_REST_LIMIT);
	if (k < 0 || (size_t)k >= len)
		return -ENOBUFS;
	*n = (size_t)k;
	return 0;
}

/* {"id":N,"current":ms,"update":ms,"asks":[[p,a]..],"bids":[[p,a]..]} */
static int gateio_rest_parse(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			     struct feed_book_ev *ev)
{
	static const struct feed_json_key rk[4] = {FEED_JSON_KEY("id"), FEED_JSON_KEY("update"),
						   FEED_JSON_KEY("bids"), FEED_JSON_KEY("asks")};
	struct feed_json_val f[4];
	struct feed_venue_out o;
	uint64_t id;
	int64_t ts = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	if (sym >= v->nsyms || feed_json_scan((const char *)body, n, rk, 4, f) < 0) {
		snprintf(v->reason, sizeof(v->reason), "order book snapshot: invalid JSON");
		return -EBADMSG;
	}
	if (f[0].type != FEED_JSON_NUMBER || feed_json_u64(&f[0], &id) < 0) {
		snprintf(v->reason, sizeof(v->reason),
			 "order book snapshot: missing or bad 'id' (with_id=true)");
		return -EBADMSG;
	}
	if (f[1].type != FEED_JSON_NONE && gateio_ms(&f[1], &ts) < 0) {
		snprintf(v->reason, sizeof(v->reason), "order book snapshot: bad 'update'");
		return -EBADMSG;
	}
	rc = feed_binance_sides(v, &o, sym, &f[2], &f[3]);
	if (rc < 0)
		return rc == -EMSGSIZE ? -EMSGSIZE : -EBADMSG;
	*ev = v->book;
	ev->kind = FEED_BOOK_SNAPSHOT;
	ev->first_id = ev->last_id = id;
	ev->exch_ts = ts;
	return 0;
}

/* Depth is implemented for spot only: a perp session with l2 is refused. */
static int gateio_init(struct feed_venue_ctx *v)
{
	if (gateio_futures(v) && (v->channels & FEED_CH_L2)) {
		snprintf(v->reason, sizeof(v->reason),
			 "gateio: l2 is supported on spot pairs only (not futures)");
		return -EINVAL;
	}
	return 0;
}

/* The trades of result (an array, or one object on spot). A bad item is
 * counted against its symbol and skipped; the others are published. A
 * full tick array stops before the item, to resume there (v->cur). */
static void gateio_trades(struct feed_venue_ctx *v, const struct feed_json_val *r, int futures,
			  int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_iter it;
	struct feed_json_val k, e;
	uint32_t bad = 0, n0;
	size_t pos;
	uint32_t count;
	int rc;

	if (r->type == FEED_JSON_OBJECT) {
		(void)gateio_trade(v, r->p, r->n, futures, recv_ns, out);
		return;
	}
	if (r->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, r->p, r->n) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "trades: result is not an array");
		return;
	}
	if (v->cur.active) {
		it.pos = v->cur.pos;
		it.count = v->cur.item;
	}
	out->cls = FEED_MSG_DATA;
	for (;;) {
		pos = it.pos;
		count = it.count;
		if (feed_json_iter_next(&it, &k, &e) != 1)
			break;
		n0 = out->n;
		rc = gateio_trade(v, e.p, e.n, futures, recv_ns, out);
		if (rc == 0) {
			out->more = 1;
			v->cur.pos = pos;
			v->cur.item = count;
			break;
		}
		if (rc < 0) {
			bad++;
			if (out->sym < v->nsyms)
				v->syms[out->sym].errors++;
			out->n = n0; /* feed_venue_error cleared the ticks */
			out->cls = FEED_MSG_DATA;
		}
	}
	if (out->n == 0 && bad) {
		out->cls = FEED_MSG_ERROR; /* v->reason: the last bad item */
		out->reason = v->reason;
		out->sym = UINT32_MAX; /* counted per item above */
	}
}

/* The oldest request still open on channel ch (an answer without id). */
static int gateio_oldest_of(const struct feed_venue_ctx *v, uint32_t ch, uint64_t *id)
{
	for (uint32_t r = 0; r < v->nreqs; r++) {
		const struct feed_venue_req *q = &v->reqs[r];

		if (q->state == FEED_REQ_SENT && q->open > 0 &&
		    v->streams[v->req_streams[q->off]].ch == ch) {
			*id = q->id;
			return 0;
		}
	}
	return -ENOENT;
}

/* The venue's words for a rejection: "code N: message". */
static void gateio_reason(struct feed_venue_ctx *v, const struct feed_json_val *err,
			  struct feed_venue_out *out)
{
	static const struct feed_json_key ek[2] = {FEED_JSON_KEY("code"), FEED_JSON_KEY("message")};
	struct feed_json_val ef[2];
	char m[FEED_VENUE_REASON_MAX - 32];
	int64_t c = 0;

	memset(ef, 0, sizeof(ef));
	if (err->type == FEED_JSON_OBJECT)
		(void)feed_json_scan(err->p, err->n, ek, 2, ef);
	(void)feed_json_i64(&ef[0], &c);
	if (ef[1].type != FEED_JSON_STRING || feed_json_unescape(&ef[1], m, sizeof(m)) < 0)
		strcpy(m, "(no message)");
	snprintf(v->reason, sizeof(v->reason), "code %lld: %s", (long long)c, m);
	out->reason = v->reason;
}

/* A subscribe answer, or any message carrying an error. ch: the channel
 * it names (0 if none of ours). */
static void gateio_answer(struct feed_venue_ctx *v, const struct feed_json_val *f, uint32_t ch,
			  struct feed_venue_out *out)
{
	static const struct feed_json_key rk[1] = {FEED_JSON_KEY("status")};
	struct feed_json_val st;
	uint64_t id;
	int ok = f[K_ERROR].type == FEED_JSON_NONE || f[K_ERROR].type == FEED_JSON_NULL;

	if (ok && f[K_RESULT].type == FEED_JSON_OBJECT &&
	    feed_json_scan(f[K_RESULT].p, f[K_RESULT].n, rk, 1, &st) >= 0 &&
	    st.type != FEED_JSON_NONE && !feed_json_str_eq(&st, "success", 7))
		ok = 0;
	if (f[K_ID].type != FEED_JSON_NONE) {
		if (feed_json_u64(&f[K_ID], &id) < 0) {
			feed_venue_error(v, out, UINT32_MAX, "answer with a bad id");
			return;
		}
	} else if (!ch || gateio_oldest_of(v, ch, &id) < 0) {
		if (ok) {
			feed_venue_unknown(out, "answer to no open request");
		} else {
			char why[FEED_VENUE_REASON_MAX];

			gateio_reason(v, &f[K_ERROR], out);
			memcpy(why, v->reason, sizeof(why));
			feed_venue_error(v, out, UINT32_MAX, "venue error without request: %.100s",
					 why);
		}
		return;
	}
	if (feed_venue_req_done(v, id, ok, out) < 0) {
		feed_venue_unknown(out, "answer to an unknown request id");
		out->req_id = id;
		return;
	}
	if (!ok)
		gateio_reason(v, &f[K_ERROR], out);
}

/* "spot.trades" -> FEED_CH_TRADES etc. on this session's market; 0 for
 * anything else (the other market's channels included). *pong for the
 * market's pong. */
static uint32_t gateio_channel(const struct feed_venue_ctx *v, const struct feed_json_val *c,
			       int *pong)
{
	const char *pre = gateio_futures(v) ? "futures." : "spot.", *s;
	size_t pl = strlen(pre), n = c->n;

	*pong = 0;
	if (c->type != FEED_JSON_STRING || n <= pl || memcmp(c->p, pre, pl) != 0)
		return 0;
	s = c->p + pl;
	n -= pl;
	if (n == 6 && memcmp(s, "trades", 6) == 0)
		return FEED_CH_TRADES;
	if (n == 11 && memcmp(s, "book_ticker", 11) == 0)
		return FEED_CH_BBO;
	if (n == 17 && memcmp(s, "order_book_update", 17) == 0 && !gateio_futures(v))
		return FEED_CH_L2; /* spot only (futures levels are {"p","s"} objects) */
	*pong = n == 4 && memcmp(s, "pong", 4) == 0;
	return 0;
}

static int gateio_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			     int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val f[K__COUNT], tf[T__COUNT];
	/* A spot trade's result object is read in the same pass as the rest. */
	struct feed_json_sub sub = {
		.key = K_RESULT, .keys = gateio_trade_keys, .nkeys = T__COUNT, .vals = tf};
	int futures = gateio_futures(v), pong;
	uint32_t ch;

	if (binary) {
		feed_venue_error(v, out, UINT32_MAX, "unexpected binary frame (%zu bytes)", n);
		return 0;
	}
	if (feed_json_scan_sub((const char *)p, n, gateio_keys, K__COUNT, f, &sub) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "invalid JSON (%zu bytes)", n);
		return 0;
	}
	ch = gateio_channel(v, &f[K_CHANNEL], &pong);
	if (ch && feed_json_str_eq(&f[K_EVENT], "update", 6)) {
		if (ch == FEED_CH_TRADES && f[K_RESULT].type == FEED_JSON_OBJECT && sub.found >= 0)
			(void)gateio_trade_fields(v, tf, futures, recv_ns, out);
		else if (ch == FEED_CH_TRADES)
			gateio_trades(v, &f[K_RESULT], futures, recv_ns, out);
		else if (ch == FEED_CH_L2)
			gateio_depth(v, &f[K_RESULT], recv_ns, out);
		else
			gateio_bbo(v, &f[K_RESULT], futures, recv_ns, out);
		return 0;
	}
	if (pong) {
		out->cls = FEED_MSG_HEARTBEAT;
		return 0;
	}
	if (feed_json_str_eq(&f[K_EVENT], "subscribe", 9) ||
	    (f[K_ERROR].type != FEED_JSON_NONE && f[K_ERROR].type != FEED_JSON_NULL)) {
		gateio_answer(v, f, ch, out);
		return 0;
	}
	feed_venue_unknown(out, "unrecognised message");
	return 0;
}

/* REST fallback: at the end of the file. */
static int gateio_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				   size_t len, size_t *n);
static int gateio_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				   size_t len, size_t *n);
static int gateio_rest_ticker(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			      struct mdbus_bbo *b, int64_t *exch_ts);
static int gateio_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			      struct feed_rest_trade *t, uint32_t cap, uint32_t *nt);

/* ---- reference data (ops->ref) ------------------------------------------------ */

/*
 * One request per symbol (the lists hold thousands of pairs):
 *   spot:    GET /api/v4/spot/currency_pairs/BTC_USDT -> {"id":"BTC_USDT",
 *            "precision":2,"amount_precision":6,..}: tick = 10^-precision,
 *            lot = 10^-amount_precision (integers).
 *   futures: GET /api/v4/futures/usdt/contracts/BTC_USDT -> {"name":
 *            "BTC_USDT","order_price_round":"0.1","quanto_multiplier":
 *            "0.0001",..}: tick = order_price_round, contract =
 *            quanto_multiplier (base per contract); the contract publishes
 *            no size step (sizes are whole contracts, order_size_min is a
 *            minimum), so lot stays 0: the session's qty scale is kept.
 * An error answer ({"label":..,"message":..}) names no instrument: the
 * symbol stays not found. Checked 2026-12-07 against
 * https://www.gate.com/docs/developers/apiv4/en/#get-details-of-a-specifc-currency-pair
 * and https://www.gate.com/docs/developers/apiv4/en/#get-a-single-contract
 */
static int gateio_ref_request(struct feed_venue_ctx *v, uint32_t k, char *buf, size_t len,
			      size_t *n)
{
	if (feed_vref_sym_of(v, k) < 0)
		return 0;
	return feed_vrest_fmt(buf, len, n, "/api/v4/%s/%s",
			      v->syms[k].market == MDBUS_MARKET_SPOT ? "spot/currency_pairs"
								     : "futures/usdt/contracts",
			      v->syms[k].native) < 0
		       ? -ENOBUFS
		       : 1;
}

static int gateio_ref_fill_spot(struct feed_venue_ctx *v, uint32_t i, const struct feed_json_val *f,
				struct feed_ref_instr *r)
{
	(void)i;
	if (feed_vref_places(&f[1], &r->tick, &r->tick_dp) < 0)
		return feed_vref_bad(v, "precision bad or missing");
	if (feed_vref_places(&f[2], &r->lot, &r->lot_dp) < 0)
		return feed_vref_bad(v, "amount_precision bad or missing");
	return 0;
}

static int gateio_ref_fill_fut(struct feed_venue_ctx *v, uint32_t i, const struct feed_json_val *f,
			       struct feed_ref_instr *r)
{
	(void)i;
	if (feed_vref_dec(&f[1], 0, &r->tick, &r->tick_dp) < 0)
		return feed_vref_bad(v, "order_price_round bad or missing");
	if (feed_vref_dec(&f[2], 0, &r->contract, &r->contract_dp) < 0)
		return feed_vref_bad(v, "quanto_multiplier bad or missing");
	return 0;
}

static int gateio_ref_parse(struct feed_venue_ctx *v, uint32_t k, const uint8_t *body, size_t n,
			    struct feed_ref_instr *ref)
{
	static const struct feed_json_key sk[] = {FEED_JSON_KEY("id"), FEED_JSON_KEY("precision"),
						  FEED_JSON_KEY("amount_precision")};
	static const struct feed_json_key fk[] = {FEED_JSON_KEY("name"),
						  FEED_JSON_KEY("order_price_round"),
						  FEED_JSON_KEY("quanto_multiplier")};
	struct feed_json_val all;
	size_t pos = 0;
	int spot;

	if (k >= v->nsyms)
		return feed_vref_bad(v, "no such request");
	spot = v->syms[k].market == MDBUS_MARKET_SPOT;
	if (feed_json_value((const char *)body, n, &pos, &all) < 0)
		return feed_vref_bad(v, "the answer is not JSON");
	for (; pos < n; pos++)
		if (body[pos] != ' ' && body[pos] != '\n' && body[pos] != '\r' && body[pos] != '\t')
			return feed_vref_bad(v, "text after the JSON answer");
	return feed_vref_each(v, &all, v->syms[k].market, spot ? sk : fk, 3,
			      spot ? gateio_ref_fill_spot : gateio_ref_fill_fut, ref);
}

const struct feed_venue_ops feed_venue_gateio = {
	.name = "gateio",
	.default_url = "wss://api.gateio.ws/ws/v4/",
	.default_rest_url = "https://api.gateio.ws",
	.market_url = {[MDBUS_MARKET_PERP] = "wss://fx-ws.gateio.ws/v4/ws/usdt"},
	.channels = FEED_CH_TRADES | FEED_CH_BBO | FEED_CH_L2,
	.markets = (1u << MDBUS_MARKET_SPOT) | (1u << MDBUS_MARKET_PERP),
	.limits =
		{
			.group = FEED_GROUP_CHANNEL,
			/* Not documented: modest requests, so that one rejection
			 * re-sends few pairs one by one. */
			.streams_per_req = 100,
			.req_interval_ms = 100,
		},
	.qty_unit = MDBUS_QTY_CONTRACTS,
	.book =
		{
			.sync = FEED_SYNC_REST_UU,
			.max_levels = GT_REST_LIMIT,
			/* Gate limits public REST by requests, not weights: one. */
			.rest_weight = 1,
			.rest_snapshot = gateio_rest_snapshot,
			.rest_parse = gateio_rest_parse,
		},
	.init = gateio_init,
	.rest =
		{
			/* 200 requests / 10 s per endpoint */
			.ticker_weight = 1,
			.trades_weight = 1,
			.ticker_path = gateio_rest_ticker_path,
			.trades_path = gateio_rest_trades_path,
			.ticker_parse = gateio_rest_ticker,
			.trades_parse = gateio_rest_trades,
		},
	.ref = {.request = gateio_ref_request, .parse = gateio_ref_parse, .weight = 1},
	.native_symbol = gateio_native_symbol,
	.subscribe = gateio_subscribe,
	.on_message = gateio_on_message,
	.ping = gateio_ping,
};

/* ---- REST fallback (ops->rest) ------------------------------------------------- */

/* Spot only: the futures REST paths differ (/futures/usdt/...). */
static int gateio_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				   size_t len, size_t *n)
{
	if (sym >= v->nsyms || v->syms[sym].market != MDBUS_MARKET_SPOT)
		return -EINVAL;
	/* The order book's top level: the tickers endpoint's sizes are not
	 * in every version of the docs; the book's are. */
	return feed_vrest_fmt(buf, len, n, "/api/v4/spot/order_book?currency_pair=%s&limit=1",
			      v->syms[sym].native);
}

static int gateio_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				   size_t len, size_t *n)
{
	if (sym >= v->nsyms || v->syms[sym].market != MDBUS_MARKET_SPOT)
		return -EINVAL;
	return feed_vrest_fmt(buf, len, n, "/api/v4/spot/trades?currency_pair=%s&limit=100",
			      v->syms[sym].native);
}

/* The first [price, size] of a side. */
static int gateio_rest_top(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *a,
			   int64_t *px, int64_t *qty)
{
	struct feed_json_iter it;
	struct feed_json_val key, lvl, p, q;

	*px = *qty = 0;
	if (a->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, a->p, a->n) < 0)
		return feed_vrest_bad(v, "order_book side");
	if (feed_json_iter_next(&it, &key, &lvl) != 1)
		return 0; /* an empty side */
	if (lvl.type != FEED_JSON_ARRAY || feed_json_iter_init(&it, lvl.p, lvl.n) < 0 ||
	    feed_json_iter_next(&it, &key, &p) != 1 || feed_json_iter_next(&it, &key, &q) != 1)
		return feed_vrest_bad(v, "order_book level");
	if (feed_vrest_px(v, sym, &p, "level price", 0, px) < 0 ||
	    feed_vrest_qty(v, sym, &q, "level size", 0, qty) < 0)
		return -EBADMSG;
	return 0;
}

/* {"id":..,"current":ms,"update":ms,"asks":[["px","sz"]],"bids":[["px","sz"]]} */
static int gateio_rest_ticker(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			      struct mdbus_bbo *b, int64_t *exch_ts)
{
	static const struct feed_json_key k[3] = {FEED_JSON_KEY("current"), FEED_JSON_KEY("bids"),
						  FEED_JSON_KEY("asks")};
	struct feed_json_val f[3];

	if (feed_json_scan((const char *)body, n, k, 3, f) < 0)
		return feed_vrest_bad(v, "order_book JSON");
	if (feed_vrest_ms(v, &f[0], "order_book current", exch_ts) < 0 ||
	    gateio_rest_top(v, sym, &f[1], &b->bid_px, &b->bid_qty) < 0 ||
	    gateio_rest_top(v, sym, &f[2], &b->ask_px, &b->ask_qty) < 0)
		return -EBADMSG;
	return 0;
}

/* {"id":"1232893232","create_time":"s","create_time_ms":"ms.frac",
 * "currency_pair":..,"side":"sell","role":"taker","amount":..,"price":..};
 * side is the taker's. */
static int gateio_rest_trade(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *e,
			     struct feed_rest_trade *t)
{
	static const struct feed_json_key k[5] = {
		FEED_JSON_KEY("id"), FEED_JSON_KEY("price"), FEED_JSON_KEY("amount"),
		FEED_JSON_KEY("create_time_ms"), FEED_JSON_KEY("side")};

	return feed_vrest_trade5(v, sym, e, k, t);
}

static int gateio_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			      struct feed_rest_trade *t, uint32_t cap, uint32_t *nt)
{
	struct feed_json_val arr;
	size_t pos = 0;

	if (feed_json_value((const char *)body, n, &pos, &arr) < 0)
		return feed_vrest_bad(v, "trades JSON");
	return feed_vrest_each(v, sym, &arr, gateio_rest_trade, t, cap, nt);
}
