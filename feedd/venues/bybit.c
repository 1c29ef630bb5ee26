/* SPDX-License-Identifier: MIT */
/*
 * bybit.c: Bybit v5 public streams. Spot on wss://stream.bybit.com/v5/public/spot,
 * USDT perpetuals on .../v5/public/linear (market_url[MDBUS_MARKET_PERP]);
 * both name an instrument BTCUSDT, so BTC-USDT <-> BTCUSDT on spot and
 * BTC-USDT-PERP <-> BTCUSDT on linear. A session is on one endpoint, so it
 * holds spot or perps, never both (check.c refuses the mix).
 *
 * Checked against the venue's documentation on 2026-12-06:
 *   https://bybit-exchange.github.io/docs/v5/ws/connect
 *   https://bybit-exchange.github.io/docs/v5/websocket/public/trade
 *   https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook
 *   https://bybit-exchange.github.io/docs/v5/websocket/system/system-status
 * (docs/venues/bybit.md has the example messages and what is not documented.)
 *
 * Depth checked 2026-12-07 against
 *   https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook
 *   https://bybit-exchange.github.io/docs/derivatives/ws-public/orderbook
 * orderbook.50 / orderbook.200 (l2; 50 when book_depth <= 50, else 200: both
 *   documented for spot and linear): {"topic":"orderbook.50.BTCUSDT",
 *   "type":"snapshot"|"delta","ts":ms,"data":{"s":"BTCUSDT","b":[["px","qty"]],
 *   "a":[..],"u":N,"seq":N},"cts":ms}. A snapshot on subscribe, then deltas
 *   (size "0" deletes); a new snapshot, or "u" = 1 after a service restart,
 *   replaces the book; u is "always in sequence" (+1 per message):
 *   FEED_SYNC_WS_SEQ. No checksum; a resync resubscribes. orderbook.1 stays
 *   the BBO.
 *
 * Subscribe: {"req_id":"N","op":"subscribe","args":["publicTrade.BTCUSDT",
 * "orderbook.1.BTCUSDT"]}, any topics and symbols in one request; spot takes
 * at most 10 args per request (linear has no count limit, so 10 for both),
 * and args may not exceed 21,000 characters. The answer
 *   {"success":true,"ret_msg":"","conn_id":"..","req_id":"N","op":"subscribe"}
 * echoes req_id (a string); success false rejects the whole request (the
 * docs show no failure example and name no topic, so the generic policy
 * splits it; a failure saying "already subscribed" is an ack). An answer
 * with an empty or absent req_id (the linear example) goes to the oldest
 * request waiting: one connection answers in order.
 *
 *   publicTrade: {"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":..,
 *                 "data":[{"T":ms,"s":"BTCUSDT","S":"Buy","v":"0.001",
 *                 "p":"16578.50","L":"PlusTick","i":"20f4..","BT":false,
 *                 "seq":1783284617},...]}
 *     up to 1024 trades per message (continued through v->cur). S is the
 *     taker (aggressor) side. i is a string whose format the docs do not
 *     state (their example is a UUID): a pure integer is the trade id
 *     itself, anything else is hashed with MDBUS_FLAG_TID_HASH, the same
 *     rule for every message. seq, the cross sequence, never goes back
 *     (several trades and messages may share one): a lower seq flags a
 *     gap. v is in base coin on spot and on linear (Bybit's Derivatives
 *     Trading Rules article gives BTCUSDT order sizes in BTC), so qty_unit
 *     base.
 *   orderbook.1: {"topic":"orderbook.1.BTCUSDT","type":"snapshot","ts":..,
 *                 "data":{"s":..,"b":[["px","qty"]],"a":[["px","qty"]],
 *                 "u":N,"seq":N},"cts":ms}
 *     the BBO, snapshot only, re-sent unchanged (same u) after 3 s without
 *     a change: a repeated u gives no tick (a DATA message of 0 ticks, which
 *     still proves the stream alive); a lower u (u = 1 after a service
 *     restart) flags a gap. An empty side is 0/0. exch_ts is cts (the
 *     matching engine's time, the clock of a trade's T), else ts.
 *
 * Keepalive: we send {"op":"ping"} (every 20 s recommended: ping_interval's
 * default); the answer {"success":true,"ret_msg":"pong",..,"op":"ping"}
 * (or {"op":"pong",..}) is HEARTBEAT. The public streams document no
 * maintenance notice (system.status lives on its own endpoint), so there is
 * no RECONNECT class here.
 *
 * Differences from the table: none in substance. seq is a field of
 * each trade; the docs give no subscribe-failure example, no subscription
 * count per connection and no request rate (50 ms between our requests is
 * our own choice); USDC perpetuals and dated futures are not mapped (their
 * names were not verified), so a perp must be quoted in USDT.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonscan.h"
#include "symbol.h"
#include "venue.h"
#include "vref.h"
#include "vrest.h"

#define BB_SUB_TAIL   4 /* "]}" and slack */
#define BB_TRADE_PFX  "publicTrade."
#define BB_BOOK1_PFX  "orderbook.1."
#define BB_L2_50_PFX  "orderbook.50."
#define BB_L2_200_PFX "orderbook.200."
#define BB_L2_SMALL   50u  /* book_depth up to this: orderbook.50 */
#define BB_L2_MAX     200u /* levels per side of orderbook.200 */
#define BB_SEQ_TRADES 0	   /* v->syms[].seq index of FEED_CH_TRADES */
#define BB_SEQ_BBO    1	   /* ... and of FEED_CH_BBO */

/* ---- symbols ----------------------------------------------------------------- */

/* BTC-USDT -> BTCUSDT (spot); BTC-USDT-PERP -> BTCUSDT (linear, USDT only). */
static int bybit_native_symbol(const char *norm, char *out, size_t len)
{
	struct feed_symbol_info info;
	size_t n;

	if (feed_symbol_parse(norm, &info) < 0)
		return -EINVAL;
	if (info.market == MDBUS_MARKET_PERP) {
		if (info.quote_len != 4 || memcmp(norm + info.base_len + 1, "USDT", 4) != 0)
			return -EINVAL;
	} else if (info.market != MDBUS_MARKET_SPOT) {
		return -EINVAL;
	}
	n = info.base_len + info.quote_len;
	if (n + 1 > len)
		return -ENAMETOOLONG;
	memcpy(out, norm, info.base_len);
	memcpy(out + info.base_len, norm + info.base_len + 1, info.quote_len);
	out[n] = '\0';
	return 0;
}

/* ---- subscribe ----------------------------------------------------------------- */

/* The depth topic's prefix for the session's book_depth: level 50 up to
 * 50 levels, else level 200 (both documented for spot and linear). */
static const char *bybit_l2_prefix(const struct feed_venue_ctx *v)
{
	return v->book_depth <= BB_L2_SMALL ? BB_L2_50_PFX : BB_L2_200_PFX;
}

/* "publicTrade.BTCUSDT", "orderbook.1.BTCUSDT" or "orderbook.50.BTCUSDT",
 * quoted; 0 if it does not fit. */
static size_t bybit_topic(const struct feed_venue_ctx *v, uint32_t s, char *buf, size_t len)
{
	uint32_t sym, ch;
	const char *pfx;
	size_t n, pl;

	feed_venue_stream(v, s, &sym, &ch);
	pfx = ch == FEED_CH_TRADES ? BB_TRADE_PFX
	      : ch == FEED_CH_BBO  ? BB_BOOK1_PFX
				   : bybit_l2_prefix(v);
	pl = strlen(pfx);
	n = strlen(v->syms[sym].native);
	if (pl + n + 2 > len)
		return 0;
	buf[0] = '"';
	memcpy(buf + 1, pfx, pl);
	memcpy(buf + 1 + pl, v->syms[sym].native, n);
	buf[1 + pl + n] = '"';
	return pl + n + 2;
}

static int bybit_subscribe(struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			   uint64_t req_id, char *buf, size_t len, size_t *out_len)
{
	int k;
	size_t o, w;

	if (n == 0)
		return -ENOBUFS;
	k = snprintf(buf, len, "{\"req_id\":\"%llu\",\"op\":\"subscribe\",\"args\":[",
		     (unsigned long long)req_id);
	if (k < 0 || (size_t)k + BB_SUB_TAIL >= len)
		return -ENOBUFS;
	o = (size_t)k;
	for (uint32_t i = 0; i < n; i++) {
		if (i > 0) {
			if (o + 1 + BB_SUB_TAIL >= len)
				return -ENOBUFS;
			buf[o++] = ',';
		}
		w = bybit_topic(v, streams[i], buf + o, len - o - BB_SUB_TAIL);
		if (w == 0)
			return -ENOBUFS;
		o += w;
	}
	buf[o++] = ']';
	buf[o++] = '}';
	*out_len = o;
	return 0;
}

/* ---- messages -------------------------------------------------------------------- */

/* Top level of every message, in the order the venue sends the members
 * (the scanner tries the entry after the last match first). */
enum { K_TOPIC, K_TYPE, K_TS, K_DATA, K_CTS, K_SUCCESS, K_RET_MSG, K_REQ_ID, K_OP, K__COUNT };

static const struct feed_json_key bybit_keys[K__COUNT] = {
	[K_TOPIC] = FEED_JSON_KEY("topic"),	[K_TYPE] = FEED_JSON_KEY("type"),
	[K_TS] = FEED_JSON_KEY("ts"),		[K_DATA] = FEED_JSON_KEY("data"),
	[K_CTS] = FEED_JSON_KEY("cts"),		[K_SUCCESS] = FEED_JSON_KEY("success"),
	[K_RET_MSG] = FEED_JSON_KEY("ret_msg"), [K_REQ_ID] = FEED_JSON_KEY("req_id"),
	[K_OP] = FEED_JSON_KEY("op"),
};

/* One publicTrade item's fields (bybit_trade_key). */
enum { T_TT, T_S, T_SIDE, T_V, T_P, T_I, T_SEQ, T__COUNT };

/* The same keys as a table (bybit_trade_key), in the order they arrive:
 * the message's scan reads a one-trade data array with it. */
static const struct feed_json_key bybit_trade_keys[T__COUNT] = {
	[T_TT] = FEED_JSON_KEY("T"),	[T_S] = FEED_JSON_KEY("s"), [T_SIDE] = FEED_JSON_KEY("S"),
	[T_V] = FEED_JSON_KEY("v"),	[T_P] = FEED_JSON_KEY("p"), [T_I] = FEED_JSON_KEY("i"),
	[T_SEQ] = FEED_JSON_KEY("seq"),
};

/* The orderbook.1 data object. */
enum { B_S, B_B, B_A, B_U, B__COUNT };

static const struct feed_json_key bybit_book_keys[B__COUNT] = {
	[B_S] = FEED_JSON_KEY("s"),
	[B_B] = FEED_JSON_KEY("b"),
	[B_A] = FEED_JSON_KEY("a"),
	[B_U] = FEED_JSON_KEY("u"),
};

/* Prices and sizes: strings in the docs; a bare number is taken exactly too. */
static inline int bybit_decimal(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t sym,
				const struct feed_json_val *f, const char *what, unsigned dec,
				int64_t *val)
{
	return feed_venue_decimal(v, out, sym, f, what, dec, FEED_DEC_NUM, val);
}

/* A ms time (number, or a string of digits) to ns; absent is 0 ("no time"). */
static int bybit_ms(const struct feed_json_val *f, int64_t *ns)
{
	uint64_t ms;

	*ns = 0;
	if (f->type == FEED_JSON_NONE)
		return 0;
	if ((f->type != FEED_JSON_NUMBER && f->type != FEED_JSON_STRING) ||
	    feed_json_u64(f, &ms) < 0 || feed_ts_ms(ms, ns) < 0 || ms == 0)
		return -EINVAL;
	return 0;
}

/* The symbol a topic names after its prefix, or an ERROR. */
static int bybit_topic_sym(struct feed_venue_ctx *v, struct feed_venue_out *out,
			   const struct feed_json_val *topic, size_t pfx, uint32_t *idx)
{
	const char *s = topic->p + pfx;
	size_t n = topic->n - pfx;

	return feed_venue_lookup_msg(v, out, s, n, idx);
}

/* An item's own symbol field, when present, must be the topic's. */
static int bybit_same_sym(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			  const struct feed_json_val *s, const char *what)
{
	const char *nat = v->syms[i].native;

	if (s->type == FEED_JSON_NONE || feed_json_str_eq(s, nat, strlen(nat)))
		return 0;
	feed_venue_error(v, out, i, "%s %s: symbol 's' is not the topic's", nat, what);
	return -EINVAL;
}

/* Trade id 'i': a pure integer string (no sign, no leading zero, fits 64
 * bits) or number is the id; any other string is hashed (*hashed = 1). */
static int bybit_trade_id(const struct feed_json_val *f, uint64_t *id, int *hashed)
{
	size_t k;

	*hashed = 0;
	if (f->type == FEED_JSON_NUMBER)
		return feed_json_u64(f, id);
	if (f->type != FEED_JSON_STRING || f->n == 0)
		return -EINVAL;
	for (k = 0; k < f->n && f->p[k] >= '0' && f->p[k] <= '9'; k++)
		;
	if (k == f->n && !f->escaped && (f->n == 1 || f->p[0] != '0') && feed_json_u64(f, id) == 0)
		return 0;
	*id = feed_venue_tid_hash(f->p, f->n);
	*hashed = 1;
	return 0;
}

/* The aggressor's side from 'S' ("Side of taker"). */
static int bybit_side(const struct feed_json_val *f, uint8_t *flags)
{
	if (feed_json_str_eq(f, "Buy", 3))
		*flags = MDBUS_FLAG_BUY;
	else if (feed_json_str_eq(f, "Sell", 4))
		*flags = MDBUS_FLAG_SELL;
	else
		return -EINVAL;
	return 0;
}

/* The cross sequence of symbol i's trades never goes back. */
static void bybit_trade_seq(struct feed_venue_ctx *v, uint32_t i, uint64_t seq)
{
	if (seq != v->syms[i].seq[BB_SEQ_TRADES])
		(void)feed_venue_seq_check(v, i, FEED_CH_TRADES, seq, 0);
}

/* One publicTrade item of symbol i (its fields f): a tick, or an ERROR
 * (out->n then 0; the caller restores it). Returns 0 or -errno. */
static int bybit_trade_item(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			    const struct feed_json_val *f, int64_t recv_ns)
{
	struct feed_venue_sym *sym = &v->syms[i];
	struct mdbus_tick *t;
	int64_t price, qty, ts;
	uint64_t tid, seq = 0;
	uint8_t side;
	int hashed;

	if (bybit_same_sym(v, out, i, &f[T_S], "trade") < 0)
		return -EINVAL;
	if (bybit_side(&f[T_SIDE], &side) < 0) {
		feed_venue_error(v, out, i, "%s trade: missing or bad taker side 'S'", sym->native);
		return -EINVAL;
	}
	if (bybit_decimal(v, out, i, &f[T_P], "trade price", sym->price_decimals, &price) < 0 ||
	    bybit_decimal(v, out, i, &f[T_V], "trade qty", sym->qty_decimals, &qty) < 0)
		return -EINVAL;
	if (f[T_TT].type == FEED_JSON_NONE || bybit_ms(&f[T_TT], &ts) < 0) {
		feed_venue_error(v, out, i, "%s trade: missing or bad trade time 'T'", sym->native);
		return -EINVAL;
	}
	if (bybit_trade_id(&f[T_I], &tid, &hashed) < 0) {
		feed_venue_error(v, out, i, "%s trade: missing or bad trade id 'i'", sym->native);
		return -EINVAL;
	}
	if (f[T_SEQ].type != FEED_JSON_NONE &&
	    feed_json_u64(&f[T_SEQ], &seq) < 0) { /* an integer (or its string) */
		feed_venue_error(v, out, i, "%s trade: bad sequence 'seq'", sym->native);
		return -EINVAL;
	}
	if (seq)
		bybit_trade_seq(v, i, seq);
	t = feed_venue_tick(v, out, i, MDBUS_KIND_TRADE,
			    (uint8_t)(side | (hashed ? MDBUS_FLAG_TID_HASH : 0)), ts, recv_ns);
	if (!t)
		return -ENOBUFS; /* cannot happen: the caller checked for room */
	t->u.trade.price = price;
	t->u.trade.qty = qty;
	t->u.trade.trade_id = tid;
	return 0;
}

/* After a batch (or a piece of one): a bad item is skipped and counted, the
 * good ones stay published. The generic code counts one error of an ERROR
 * message; the others are counted here. */
static void bybit_batch_done(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			     uint32_t bad)
{
	if (bad == 0)
		return;
	if (out->n > 0) {
		out->cls = FEED_MSG_DATA;
		out->sym = i;
		v->syms[i].errors += bad;
	} else {
		v->syms[i].errors += bad - 1;
	}
}

/* A trade item's key -> T_*, or -1 (L, BT, RPI... are not needed). */
static int bybit_trade_key(const struct feed_json_val *k)
{
	if (k->n == 1) {
		switch (k->p[0]) {
		case 'T':
			return T_TT;
		case 's':
			return T_S;
		case 'S':
			return T_SIDE;
		case 'v':
			return T_V;
		case 'p':
			return T_P;
		case 'i':
			return T_I;
		default:
			return -1;
		}
	}
	return k->n == 3 && memcmp(k->p, "seq", 3) == 0 ? T_SEQ : -1;
}

/* The array element at d[*o] (d[0..n) holds the whole message):
 * its fields in one pass when it is an object (returns 1), else skipped
 * (returns 0); *o goes past it. -EINVAL for invalid JSON (cannot happen
 * after the message's scan). */
static int bybit_item_fields(const char *d, size_t n, size_t *o, struct feed_json_val *f)
{
	struct feed_json_iter it;
	struct feed_json_val key, val;
	int rc, k;

	if (d[*o] != '{')
		return feed_json_value(d, n, o, &val) < 0 ? -EINVAL : 0;
	memset(f, 0, sizeof(*f) * T__COUNT);
	if (feed_json_iter_init(&it, d + *o, n - *o) < 0)
		return -EINVAL;
	while ((rc = feed_json_iter_next(&it, &key, &val)) == 1)
		if ((k = bybit_trade_key(&key)) >= 0)
			f[k] = val; /* a later duplicate wins, as in feed_json_scan */
	if (rc < 0)
		return -EINVAL;
	*o += feed_json_iter_end(&it);
	return 1;
}

/* The start of the next element of an array in d[0..n) from *o (just
 * inside its '[', or past the previous element: the scan validated the
 * separators); 0 at its closing ']'. */
static int bybit_next_elem(const char *d, size_t n, size_t *o)
{
	size_t k = *o;

	while (k < n && (d[k] == ' ' || d[k] == '\t' || d[k] == '\n' || d[k] == '\r'))
		k++;
	if (k < n && d[k] == ',')
		for (k++; k < n && (d[k] == ' ' || d[k] == '\t' || d[k] == '\n' || d[k] == '\r');)
			k++;
	if (k >= n || d[k] == ']')
		return 0;
	*o = k;
	return 1;
}

/* The items of symbol i's trade message m[0..n) from offset o (the start
 * of an item, or just after the '[' of data), each read in one pass. When
 * the tick array fills, v->cur keeps the place (pos: the next item's
 * offset in m, sym: i) and out->more is set. */
static void bybit_trade_items(struct feed_venue_ctx *v, const char *m, size_t n, size_t o,
			      uint32_t i, int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val tf[T__COUNT];
	uint32_t bad = 0;
	int rc;

	out->cls = FEED_MSG_DATA; /* an empty array is data of 0 ticks */
	out->sym = i;
	while (bybit_next_elem(m, n, &o)) {
		uint32_t n0 = out->n;

		if (out->n >= out->cap) {
			v->cur.pos = o;
			v->cur.sym = i;
			out->more = 1;
			break;
		}
		rc = bybit_item_fields(m, n, &o, tf);
		if (rc < 0)
			break; /* the scan validated the whole message */
		if (rc == 0) {
			feed_venue_error(v, out, i, "%s trade: item is not an object",
					 v->syms[i].native);
		} else if (bybit_trade_item(v, out, i, tf, recv_ns) == 0) {
			continue;
		}
		bad++;
		out->n = n0;
	}
	bybit_batch_done(v, out, i, bad);
}

/* publicTrade.<symbol>: the symbol and the data array of message m[0..n),
 * then its items. */
static void bybit_trades(struct feed_venue_ctx *v, const char *m, size_t n,
			 const struct feed_json_val *f, const struct feed_json_sub *sub,
			 int64_t recv_ns, struct feed_venue_out *out)
{
	uint32_t i;

	if (bybit_topic_sym(v, out, &f[K_TOPIC], sizeof(BB_TRADE_PFX) - 1, &i) < 0)
		return;
	if (f[K_DATA].type != FEED_JSON_ARRAY) {
		feed_venue_error(v, out, i, "%s publicTrade: 'data' is not an array",
				 v->syms[i].native);
		return;
	}
	if (sub->found >= 0 && sub->items == 1) {
		/* one trade, read by the message's scan: as bybit_trade_items */
		out->cls = FEED_MSG_DATA;
		out->sym = i;
		if (bybit_trade_item(v, out, i, sub->vals, recv_ns) != 0) {
			out->n = 0;
			bybit_batch_done(v, out, i, 1);
		}
		return;
	}
	bybit_trade_items(v, m, n, (size_t)(f[K_DATA].p - m) + 1, i, recv_ns, out);
}

/* The best level of a book side: [["px","qty"],...] -> the first; an empty
 * side is 0/0. Returns 0 or -errno (ERROR set). */
static int bybit_level(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
		       const struct feed_json_val *side, const char *what, int64_t *px,
		       int64_t *qty)
{
	const struct feed_venue_sym *sym = &v->syms[i];
	struct feed_json_iter it, lv;
	struct feed_json_val e, p, q;
	int rc;

	*px = *qty = 0;
	if (side->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, side->p, side->n) < 0)
		goto bad;
	rc = feed_json_iter_next(&it, NULL, &e);
	if (rc == 0)
		return 0;
	if (rc < 0 || e.type != FEED_JSON_ARRAY || feed_json_iter_init(&lv, e.p, e.n) < 0 ||
	    feed_json_iter_next(&lv, NULL, &p) != 1 || feed_json_iter_next(&lv, NULL, &q) != 1)
		goto bad;
	if (bybit_decimal(v, out, i, &p, what[0] == 'b' ? "bid price" : "ask price",
			  sym->price_decimals, px) < 0 ||
	    bybit_decimal(v, out, i, &q, what[0] == 'b' ? "bid qty" : "ask qty", sym->qty_decimals,
			  qty) < 0)
		return -EINVAL;
	return 0;
bad:
	feed_venue_error(v, out, i, "%s orderbook.1: bad %s side", sym->native, what);
	return -EINVAL;
}

/* orderbook.1.<symbol>: the BBO, one tick per changed snapshot. */
/* Long: validation of each part of the snapshot in order, then the dedup and the tick. */
static void bybit_book(struct feed_venue_ctx *v, const struct feed_json_val *f, int64_t recv_ns,
		       struct feed_venue_out *out)
{
	struct feed_json_val b[B__COUNT];
	struct feed_venue_sym *sym;
	int64_t bp, bq, ap, aq, ts;
	uint64_t u;
	uint32_t i;

	if (bybit_topic_sym(v, out, &f[K_TOPIC], sizeof(BB_BOOK1_PFX) - 1, &i) < 0)
		return;
	sym = &v->syms[i];
	if (f[K_TYPE].type != FEED_JSON_NONE && !feed_json_str_eq(&f[K_TYPE], "snapshot", 8)) {
		/* Level 1 is documented as snapshot-only: a delta of it is not a BBO. */
		feed_venue_unknown(out, "orderbook.1 message that is not a snapshot");
		out->sym = i;
		return;
	}
	if (f[K_DATA].type != FEED_JSON_OBJECT ||
	    feed_json_scan(f[K_DATA].p, f[K_DATA].n, bybit_book_keys, B__COUNT, b) < 0) {
		feed_venue_error(v, out, i, "%s orderbook.1: 'data' is not an object", sym->native);
		return;
	}
	if (bybit_same_sym(v, out, i, &b[B_S], "orderbook.1") < 0 ||
	    bybit_level(v, out, i, &b[B_B], "bid", &bp, &bq) < 0 ||
	    bybit_level(v, out, i, &b[B_A], "ask", &ap, &aq) < 0)
		return;
	if (feed_json_u64(&b[B_U], &u) < 0 || u == 0) { /* an integer (or its string) */
		feed_venue_error(v, out, i, "%s orderbook.1: missing or bad update id 'u'",
				 sym->native);
		return;
	}
	if (bybit_ms(&f[K_CTS], &ts) < 0 || (ts == 0 && bybit_ms(&f[K_TS], &ts) < 0)) {
		feed_venue_error(v, out, i, "%s orderbook.1: bad time 'cts'/'ts'", sym->native);
		return;
	}
	out->cls = FEED_MSG_DATA;
	out->sym = i;
	if (u == sym->seq[BB_SEQ_BBO])
		return; /* the 3 s re-send of an unchanged book: nothing new */
	(void)feed_venue_seq_check(v, i, FEED_CH_BBO, u, 0);
	(void)feed_venue_bbo(v, out, i, ts, recv_ns, (struct mdbus_bbo){bp, bq, ap, aq});
}

/* ---- depth (FEED_CH_L2) ------------------------------------------------------------ */

/* Decimals printed in a price or size text ("17440.50" -> 2). */
static size_t bybit_dp(const struct feed_json_val *f)
{
	const char *d = memchr(f->p, '.', f->n);

	return d ? (size_t)(f->p + f->n - d - 1) : 0;
}

/* One side of a depth message, [["px","qty"],...], into v->lv[off..]: the
 * count in *cnt. qty 0 (a delta's removal) is kept. Returns 0 or -errno
 * (ERROR set; more levels than v->lv_cap is one). */
static int bybit_l2_side(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			 const struct feed_json_val *side, const char *what, uint32_t off,
			 uint32_t *cnt)
{
	const struct feed_venue_sym *sym = &v->syms[i];
	struct feed_json_iter it, lv;
	struct feed_json_val e, p, q;
	struct feed_book_lvl *l;
	int rc;

	*cnt = 0;
	if (side->type == FEED_JSON_NONE)
		return 0; /* a delta may leave a side out */
	if (side->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, side->p, side->n) < 0)
		goto bad;
	while ((rc = feed_json_iter_next(&it, NULL, &e)) == 1) {
		if (off + *cnt >= v->lv_cap) {
			feed_venue_error(v, out, i, "%s depth: more than %u levels", sym->native,
					 v->lv_cap);
			return -EMSGSIZE;
		}
		if (e.type != FEED_JSON_ARRAY || feed_json_iter_init(&lv, e.p, e.n) < 0 ||
		    feed_json_iter_next(&lv, NULL, &p) != 1 ||
		    feed_json_iter_next(&lv, NULL, &q) != 1)
			goto bad;
		l = &v->lv[off + *cnt];
		if (bybit_decimal(v, out, i, &p, what[0] == 'b' ? "bid price" : "ask price",
				  sym->price_decimals, &l->px) < 0 ||
		    bybit_decimal(v, out, i, &q, what[0] == 'b' ? "bid qty" : "ask qty",
				  sym->qty_decimals, &l->qty) < 0)
			return -EINVAL;
		if (l->px <= 0) {
			feed_venue_error(v, out, i, "%s depth: %s price not positive", sym->native,
					 what);
			return -EINVAL;
		}
		if (bybit_dp(&p) > 18 || bybit_dp(&q) > 18) {
			feed_venue_error(v, out, i, "%s depth: more than 18 decimals", sym->native);
			return -EINVAL;
		}
		l->px_dp = (uint8_t)bybit_dp(&p);
		l->qty_dp = (uint8_t)bybit_dp(&q);
		(*cnt)++;
	}
	if (rc == 0)
		return 0;
bad:
	feed_venue_error(v, out, i, "%s depth: bad '%c' side", sym->native, what[0]);
	return -EINVAL;
}

/* Long: orderbook.50/.200.<symbol>: one book event per message, every part validated first. */
static void bybit_l2(struct feed_venue_ctx *v, const struct feed_json_val *f, size_t pfx,
		     int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val b[B__COUNT];
	struct feed_book_ev *ev = &v->book;
	uint32_t i, nb, na;
	int64_t ts;
	uint64_t u;
	int snap;

	if (bybit_topic_sym(v, out, &f[K_TOPIC], pfx, &i) < 0)
		return;
	snap = feed_json_str_eq(&f[K_TYPE], "snapshot", 8);
	if (!snap && !feed_json_str_eq(&f[K_TYPE], "delta", 5)) {
		feed_venue_error(v, out, i, "%s depth: 'type' is neither snapshot nor delta",
				 v->syms[i].native);
		return;
	}
	if (f[K_DATA].type != FEED_JSON_OBJECT ||
	    feed_json_scan(f[K_DATA].p, f[K_DATA].n, bybit_book_keys, B__COUNT, b) < 0) {
		feed_venue_error(v, out, i, "%s depth: 'data' is not an object", v->syms[i].native);
		return;
	}
	if (bybit_same_sym(v, out, i, &b[B_S], "depth") < 0 ||
	    bybit_l2_side(v, out, i, &b[B_B], "bid", 0, &nb) < 0 ||
	    bybit_l2_side(v, out, i, &b[B_A], "ask", nb, &na) < 0)
		return;
	if (b[B_U].type != FEED_JSON_NUMBER || feed_json_u64(&b[B_U], &u) < 0 || u == 0) {
		feed_venue_error(v, out, i, "%s depth: missing or bad update id 'u'",
				 v->syms[i].native);
		return;
	}
	if (bybit_ms(&f[K_CTS], &ts) < 0 || (ts == 0 && bybit_ms(&f[K_TS], &ts) < 0)) {
		feed_venue_error(v, out, i, "%s depth: bad time 'cts'/'ts'", v->syms[i].native);
		return;
	}
	memset(ev, 0, sizeof(*ev));
	ev->sym = i;
	/* "u" = 1 is a snapshot after a service restart: it replaces the book. */
	ev->kind = snap || u == 1 ? FEED_BOOK_SNAPSHOT : FEED_BOOK_DELTA;
	ev->first_id = ev->last_id = u;
	feed_venue_book_done(v, out, i, nb, na, ts, recv_ns);
}

/* A resync: the depth topic dropped and asked for again (the venue then
 * sends a fresh snapshot). The answers carry a req_id that is none of ours,
 * so they are counted as UNKNOWN. */
static int bybit_resubscribe(struct feed_venue_ctx *v, uint32_t sym, char *unsub, size_t ulen,
			     size_t *un, char *sub, size_t slen, size_t *sn)
{
	static const char fmt[] = "{\"req_id\":\"book-resync\",\"op\":\"%s\",\"args\":[\"%s%s\"]}";
	const char *pfx = bybit_l2_prefix(v);
	int k;

	if (sym >= v->nsyms)
		return -EINVAL;
	k = snprintf(unsub, ulen, fmt, "unsubscribe", pfx, v->syms[sym].native);
	if (k < 0 || (size_t)k >= ulen)
		return -ENOBUFS;
	*un = (size_t)k;
	k = snprintf(sub, slen, fmt, "subscribe", pfx, v->syms[sym].native);
	if (k < 0 || (size_t)k >= slen)
		return -ENOBUFS;
	*sn = (size_t)k;
	return 0;
}

/* The venue's words for a log line: ret_msg, unescaped and cut. */
static const char *bybit_ret_msg(struct feed_venue_ctx *v, const struct feed_json_val *m)
{
	char txt[FEED_VENUE_REASON_MAX - 16];

	if (m->type != FEED_JSON_STRING)
		snprintf(txt, sizeof(txt), "(no message)");
	else if (feed_json_unescape(m, txt, sizeof(txt)) < 0) /* too long: the raw start */
		snprintf(txt, sizeof(txt), "%.*s", (int)(m->n < 100 ? m->n : 100), m->p);
	snprintf(v->reason, sizeof(v->reason), "ret_msg: %s", txt);
	return v->reason;
}

/* A failure that says the topic is subscribed already ("error:already
 * subscribed,topic:..."; the failure texts are not documented): after a
 * request was rejected as a whole and its symbols go again alone, a venue
 * that had taken the good topics of it says so, and they are live. */
static int bybit_already(const struct feed_json_val *m)
{
	static const char w[] = "already subscribed";

	return m->type == FEED_JSON_STRING && memmem(m->p, m->n, w, sizeof(w) - 1) != NULL;
}

/* {"success":..,"ret_msg":..,"conn_id":..,"req_id":"N","op":"subscribe"} */
static void bybit_answer(struct feed_venue_ctx *v, const struct feed_json_val *f,
			 struct feed_venue_out *out)
{
	const struct feed_json_val *rid = &f[K_REQ_ID];
	uint64_t id;
	int ok;

	if (feed_json_bool(&f[K_SUCCESS], &ok) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "subscribe answer without 'success'");
		return;
	}
	if (!ok && bybit_already(&f[K_RET_MSG]))
		ok = 1;
	out->cls = FEED_MSG_UNKNOWN;
	if (rid->type == FEED_JSON_NONE || (rid->type == FEED_JSON_STRING && rid->n == 0)) {
		/* No id echoed: the oldest request waiting (answers come in order). */
		if (feed_venue_req_oldest(v, &id) < 0) {
			out->reason = "subscribe answer without req_id, none waiting";
			return;
		}
	} else if (feed_json_u64(rid, &id) < 0) {
		out->reason = "subscribe answer to a req_id we never send";
		return;
	}
	if (feed_venue_req_done(v, id, ok, out) < 0) {
		feed_venue_unknown(out, "subscribe answer to an unknown request id");
		out->req_id = id;
		return;
	}
	if (!ok)
		out->reason = bybit_ret_msg(v, &f[K_RET_MSG]);
}

/* Messages with "op": answers to our subscribe and ping. */
static void bybit_op(struct feed_venue_ctx *v, const struct feed_json_val *f,
		     struct feed_venue_out *out)
{
	const struct feed_json_val *op = &f[K_OP];
	int ok = 1;

	if (feed_json_str_eq(op, "subscribe", 9)) {
		bybit_answer(v, f, out);
	} else if (feed_json_str_eq(op, "ping", 4) || feed_json_str_eq(op, "pong", 4)) {
		if (f[K_SUCCESS].type != FEED_JSON_NONE && feed_json_bool(&f[K_SUCCESS], &ok) < 0)
			ok = 0;
		out->cls = ok ? FEED_MSG_HEARTBEAT : FEED_MSG_UNKNOWN;
		if (!ok)
			out->reason = bybit_ret_msg(v, &f[K_RET_MSG]);
	} else {
		feed_venue_unknown(out, "answer to an op we never send");
	}
}

static int bybit_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			    int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val f[K__COUNT], tf[T__COUNT] = {{0}}; /* absent: zero, as the loop's */
	const struct feed_json_val *topic = &f[K_TOPIC];
	size_t pl;
	/* A one-trade data array is read in the same pass. */
	struct feed_json_sub sub = {
		.key = K_DATA, .keys = bybit_trade_keys, .nkeys = T__COUNT, .vals = tf};

	if (binary) {
		feed_venue_error(v, out, UINT32_MAX, "unexpected binary frame (%zu bytes)", n);
		return 0;
	}
	if (v->cur.active && v->cur.sym < v->nsyms && v->cur.pos < n) {
		/* The rest of a trade batch: validated, its symbol known. */
		bybit_trade_items(v, (const char *)p, n, v->cur.pos, v->cur.sym, recv_ns, out);
		return 0;
	}
	if (feed_json_scan_sub((const char *)p, n, bybit_keys, K__COUNT, f, &sub) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "invalid JSON (%zu bytes)", n);
		return 0;
	}
	if (topic->type == FEED_JSON_STRING && !topic->escaped) {
		if (topic->n > sizeof(BB_TRADE_PFX) - 1 &&
		    memcmp(topic->p, BB_TRADE_PFX, sizeof(BB_TRADE_PFX) - 1) == 0)
			bybit_trades(v, (const char *)p, n, f, &sub, recv_ns, out);
		else if (topic->n > sizeof(BB_BOOK1_PFX) - 1 &&
			 memcmp(topic->p, BB_BOOK1_PFX, sizeof(BB_BOOK1_PFX) - 1) == 0)
			bybit_book(v, f, recv_ns, out);
		else if ((v->channels & FEED_CH_L2) &&
			 topic->n > (pl = strlen(bybit_l2_prefix(v))) &&
			 memcmp(topic->p, bybit_l2_prefix(v), pl) == 0)
			bybit_l2(v, f, pl, recv_ns, out);
		else {
			feed_venue_unknown(out, "unknown topic");
		}
		return 0;
	}
	if (topic->type != FEED_JSON_NONE) {
		feed_venue_error(v, out, UINT32_MAX, "bad 'topic'");
		return 0;
	}
	if (f[K_OP].type == FEED_JSON_STRING) {
		bybit_op(v, f, out);
		return 0;
	}
	feed_venue_unknown(out, "unrecognised message");
	return 0;
}

/* REST fallback: at the end of the file. */
static int bybit_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				  size_t len, size_t *n);
static int bybit_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				  size_t len, size_t *n);
static int bybit_rest_ticker(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			     struct mdbus_bbo *b, int64_t *exch_ts);
static int bybit_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			     struct feed_rest_trade *t, uint32_t cap, uint32_t *nt);

/* ---- reference data (ops->ref) ------------------------------------------------ */

/*
 * GET /v5/market/instruments-info?category=spot (no pagination for spot),
 * then ?category=linear&limit=1000 (the page limit): one request per market
 * type the session has. {"retCode":0,"retMsg":"OK","result":{"category":..,
 * "list":[{"symbol":"BTCUSDT","priceFilter":{"tickSize":"0.01",..},
 * "lotSizeFilter":{"basePrecision":"0.000001",..}}],..}}: tick =
 * priceFilter.tickSize, lot = lotSizeFilter.basePrecision (spot) or
 * .qtyStep (linear, in the base coin: contract stays 0). Checked 2026-12-07
 * against https://bybit-exchange.github.io/docs/v5/market/instrument
 */
static const uint8_t bybit_ref_markets[] = {MDBUS_MARKET_SPOT, MDBUS_MARKET_PERP};

static int bybit_ref_request(struct feed_venue_ctx *v, uint32_t k, char *buf, size_t len, size_t *n)
{
	int m = feed_vref_market_of(v, k, bybit_ref_markets, 2);

	if (m < 0)
		return 0;
	return feed_vrest_fmt(buf, len, n, "/v5/market/instruments-info?category=%s",
			      m == 0 ? "spot" : "linear&limit=1000") < 0
		       ? -ENOBUFS
		       : 1;
}

static int bybit_ref_fill(struct feed_venue_ctx *v, uint32_t i, const struct feed_json_val *f,
			  struct feed_ref_instr *r)
{
	static const struct feed_json_key pk[] = {FEED_JSON_KEY("tickSize")};
	static const struct feed_json_key lk[] = {FEED_JSON_KEY("basePrecision"),
						  FEED_JSON_KEY("qtyStep")};
	struct feed_json_val p, l[2];
	int spot = v->syms[i].market == MDBUS_MARKET_SPOT;

	if (f[1].type != FEED_JSON_OBJECT || feed_json_scan(f[1].p, f[1].n, pk, 1, &p) < 0 ||
	    feed_vref_dec(&p, 0, &r->tick, &r->tick_dp) < 0)
		return feed_vref_bad(v, "priceFilter.tickSize bad or missing");
	if (f[2].type != FEED_JSON_OBJECT || feed_json_scan(f[2].p, f[2].n, lk, 2, l) < 0 ||
	    feed_vref_dec(&l[spot ? 0 : 1], 0, &r->lot, &r->lot_dp) < 0)
		return feed_vref_bad(v, spot ? "lotSizeFilter.basePrecision bad or missing"
					     : "lotSizeFilter.qtyStep bad or missing");
	return 0;
}

static int bybit_ref_parse(struct feed_venue_ctx *v, uint32_t k, const uint8_t *body, size_t n,
			   struct feed_ref_instr *ref)
{
	static const struct feed_json_key top[] = {FEED_JSON_KEY("retCode"),
						   FEED_JSON_KEY("result")};
	static const struct feed_json_key rk[] = {FEED_JSON_KEY("list")};
	static const struct feed_json_key keys[] = {FEED_JSON_KEY("symbol"),
						    FEED_JSON_KEY("priceFilter"),
						    FEED_JSON_KEY("lotSizeFilter")};
	struct feed_json_val f[2], list;
	int m = feed_vref_market_of(v, k, bybit_ref_markets, 2);

	if (m < 0 || feed_json_scan((const char *)body, n, top, 2, f) < 0)
		return feed_vref_bad(v, "the answer is not a JSON object");
	if (f[0].type != FEED_JSON_NUMBER || f[0].n != 1 || f[0].p[0] != '0')
		return feed_vref_bad(v, "retCode is not 0");
	if (f[1].type != FEED_JSON_OBJECT || feed_json_scan(f[1].p, f[1].n, rk, 1, &list) < 0)
		return feed_vref_bad(v, "no 'result' object");
	return feed_vref_each(v, &list, bybit_ref_markets[m], keys, 3, bybit_ref_fill, ref);
}

const struct feed_venue_ops feed_venue_bybit = {
	.name = "bybit",
	.default_url = "wss://stream.bybit.com/v5/public/spot",
	.default_rest_url = "https://api.bybit.com",
	.market_url = {[MDBUS_MARKET_PERP] = "wss://stream.bybit.com/v5/public/linear"},
	.channels = FEED_CH_TRADES | FEED_CH_BBO | FEED_CH_L2,
	.markets = (1u << MDBUS_MARKET_SPOT) | (1u << MDBUS_MARKET_PERP),
	.limits =
		{
			.group = FEED_GROUP_ANY,
			.streams_per_req = 10, /* spot's documented limit; linear has none */
			.streams_per_conn = 0, /* not documented */
			.req_interval_ms = 50, /* not documented: our own pace */
			.req_bytes = 21000,    /* the args array's limit bounds the request */
		},
	.qty_unit = MDBUS_QTY_BASE, /* linear sizes are base coin */
	.rest =
		{
			/* 600 requests / 5 s per IP */
			.ticker_weight = 1,
			.trades_weight = 1,
			.ticker_path = bybit_rest_ticker_path,
			.trades_path = bybit_rest_trades_path,
			.ticker_parse = bybit_rest_ticker,
			.trades_parse = bybit_rest_trades,
		},
	.ref = {.request = bybit_ref_request, .parse = bybit_ref_parse, .weight = 1},
	.native_symbol = bybit_native_symbol,
	.subscribe = bybit_subscribe,
	.on_message = bybit_on_message,
	.ping_text = "{\"op\":\"ping\"}",
	.book =
		{
			/* snapshot on subscribe, then deltas with u + 1 each */
			.sync = FEED_SYNC_WS_SEQ,
			.resubscribe = 1, /* no REST in the procedure: a new snapshot */
			.max_levels = BB_L2_MAX,
			.resubscribe_msgs = bybit_resubscribe,
		},
};

/* ---- REST fallback (ops->rest) ------------------------------------------------- */

/* The v5 category of symbol sym: spot, or linear (USDT perpetuals). */
static const char *bybit_rest_category(const struct feed_venue_ctx *v, uint32_t sym)
{
	return v->syms[sym].market == MDBUS_MARKET_SPOT ? "spot" : "linear";
}

static int bybit_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				  size_t len, size_t *n)
{
	if (sym >= v->nsyms)
		return -EINVAL;
	return feed_vrest_fmt(buf, len, n, "/v5/market/tickers?category=%s&symbol=%s",
			      bybit_rest_category(v, sym), v->syms[sym].native);
}

/* limit: spot at most 60, linear at most 1000 (500 by default). */
static int bybit_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				  size_t len, size_t *n)
{
	if (sym >= v->nsyms)
		return -EINVAL;
	return feed_vrest_fmt(buf, len, n, "/v5/market/recent-trade?category=%s&symbol=%s&limit=%u",
			      bybit_rest_category(v, sym), v->syms[sym].native,
			      v->syms[sym].market == MDBUS_MARKET_SPOT ? 60u : 500u);
}

/* {"retCode":0,"retMsg":"OK","result":{"category":..,"list":[...]},"time":ms}:
 * the list and the time. */
static int bybit_rest_list(struct feed_venue_ctx *v, const uint8_t *body, size_t n,
			   struct feed_json_val *list, int64_t *ts)
{
	static const struct feed_json_key k[3] = {FEED_JSON_KEY("retCode"), FEED_JSON_KEY("result"),
						  FEED_JSON_KEY("time")};
	static const struct feed_json_key rk[1] = {FEED_JSON_KEY("list")};
	struct feed_json_val f[3];

	if (feed_json_scan((const char *)body, n, k, 3, f) < 0)
		return feed_vrest_bad(v, "JSON");
	if (f[0].type != FEED_JSON_NUMBER || f[0].n != 1 || f[0].p[0] != '0' ||
	    f[1].type != FEED_JSON_OBJECT || feed_json_scan(f[1].p, f[1].n, rk, 1, list) < 0 ||
	    list->type != FEED_JSON_ARRAY)
		return feed_vrest_bad(v, "retCode/result");
	*ts = 0;
	if (f[2].type != FEED_JSON_NONE && feed_vrest_ms(v, &f[2], "time", ts) < 0)
		return -EBADMSG;
	return 0;
}

/* list[0]: {"symbol":..,"bid1Price":..,"bid1Size":..,"ask1Price":..,"ask1Size":..,..};
 * the answer's "time" is the exchange time. */
static int bybit_rest_ticker(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			     struct mdbus_bbo *b, int64_t *exch_ts)
{
	static const struct feed_json_key k[5] = {
		FEED_JSON_KEY("symbol"), FEED_JSON_KEY("bid1Price"), FEED_JSON_KEY("bid1Size"),
		FEED_JSON_KEY("ask1Price"), FEED_JSON_KEY("ask1Size")};
	struct feed_json_val list, f[5];

	if (bybit_rest_list(v, body, n, &list, exch_ts) < 0 ||
	    feed_vrest_first(v, &list, k, 5, f) < 0)
		return -EBADMSG;
	if (!feed_json_str_eq(&f[0], v->syms[sym].native, strlen(v->syms[sym].native)))
		return feed_vrest_bad(v, "ticker symbol");
	if (feed_vrest_px(v, sym, &f[1], "bid1Price", 0, &b->bid_px) < 0 ||
	    feed_vrest_qty(v, sym, &f[2], "bid1Size", 0, &b->bid_qty) < 0 ||
	    feed_vrest_px(v, sym, &f[3], "ask1Price", 0, &b->ask_px) < 0 ||
	    feed_vrest_qty(v, sym, &f[4], "ask1Size", 0, &b->ask_qty) < 0)
		return -EBADMSG;
	return 0;
}

/* {"execId":"2100000000007764263","symbol":..,"price":..,"size":..,"side":"Buy",
 * "time":"ms","isBlockTrade":false}; side is the taker's. */
static int bybit_rest_trade(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *e,
			    struct feed_rest_trade *t)
{
	static const struct feed_json_key k[5] = {FEED_JSON_KEY("execId"), FEED_JSON_KEY("price"),
						  FEED_JSON_KEY("size"), FEED_JSON_KEY("time"),
						  FEED_JSON_KEY("side")};

	return feed_vrest_trade5(v, sym, e, k, t);
}

static int bybit_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			     struct feed_rest_trade *t, uint32_t cap, uint32_t *nt)
{
	struct feed_json_val list;
	int64_t ts;

	if (bybit_rest_list(v, body, n, &list, &ts) < 0)
		return -EBADMSG;
	return feed_vrest_each(v, sym, &list, bybit_rest_trade, t, cap, nt);
}
