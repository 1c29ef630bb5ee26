/* SPDX-License-Identifier: MIT */
/*
 * okx.c: OKX API v5 public WebSocket (wss://ws.okx.com:8443/ws/v5/public),
 * spot (BTC-USDT) and perpetual swaps (BTC-USDT-SWAP <-> BTC-USDT-PERP) on
 * the same endpoint.
 *
 * Checked against the venue's documentation on 2026-12-06:
 *   https://www.okx.com/docs-v5/en/#overview-websocket
 *   https://www.okx.com/docs-v5/en/#overview-production-trading-services
 *   https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-trades-channel
 *   https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
 *   https://app.okx.com/docs-v5/log_en
 * (docs/venues/okx.md holds the example messages and the facts.)
 *
 * Depth checked 2026-12-07 against
 *   https://app.okx.com/docs-v5/log_en ("Delist initial snapshot and checksum
 *   field in order book channels", production early August 2026, with its
 *   "How to manage a local order book correctly")
 *   https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
 *   https://www.okx.com/docs-v5/en/#order-book-trading-market-data-rest-api-get-order-book
 *   (GET /api/v5/market/books: instId, sz "max 400", 40 requests per 2 s;
 *   read through https://cloudquant.github.io/bt_api_py/exchanges/okx/market_data)
 *   https://www.blouxyighl.com/vi/help/okx-order-book-channels-checksum-field-deprecation
 *   (OKX's notice "Order Book Channels Checksum Field Deprecation", 2026-05-21)
 * `books` (l2): {"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update",
 *   "data":[{"asks":[["8476.98","415","0","13"],..],"bids":[..],"ts":"1597026383085",
 *   "checksum":0,"prevSeqId":123455,"seqId":123456}]}: items whose prevSeqId
 *   is the previous seqId (400 levels a side; size "0" removes; an unchanged
 *   book may repeat seqId == prevSeqId with no levels; seqId < prevSeqId is
 *   a reset after maintenance). One event per message (FEED_SYNC_REST_PREV):
 *   the initial snapshot is delisted, so the book starts from the REST
 *   snapshot GET /api/v5/market/books?instId=..&sz=400 (the 400 levels the
 *   channel maintains, whatever book_depth is: the stream changes any of
 *   them, so a smaller snapshot would leave holes once the top thins out;
 *   its seqId chains with the stream's); a push with "action":
 *   "snapshot" (still sent while the delisting rolls out) becomes a SNAPSHOT
 *   event that the sync engine ignores and counts. The checksum field is
 *   always 0 and "must no longer be used": 0 is no checksum. A non-zero one
 *   (a feed that still computes it, CRC32 of the top 25 levels interleaved
 *   "bidPx:bidSz:askPx:askSz" as printed, per the docs before 2026-06-23)
 *   is checked, and a mismatch resyncs that book. Sizes are as sent (contracts for swaps, not
 * converted by qty_unit), on the stream and in the REST snapshot alike.
 *
 * Channels: `trades` (trades) and `bbo-tbt` (bbo), requested as
 *   {"id":"7","op":"subscribe","args":[{"channel":"trades","instId":"BTC-USDT"},...]}
 * (any channels x any instruments; the args may total at most 64 KB). The
 * venue answers each arg on its own, echoing it and our id:
 *   {"id":"7","event":"subscribe","arg":{"channel":"trades","instId":"BTC-USDT"},"connId":".."}
 * so acks are matched per stream (feed_venue_stream_done). An error
 * {"id":"7","event":"error","code":"60012","msg":"..","connId":".."} names
 * the request only: the generic policy splits a multi-symbol request. An
 * error that echoes an `arg` rejects that stream exactly.
 *
 *   trades:  {"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT",
 *            "tradeId":"130639474","px":"42219.9","sz":"0.12060306","side":"buy",
 *            "ts":"1630048897897","count":"3","source":"0","seqId":1234}]}
 *            One message per taker order, fill price and source: `count`
 *            matches aggregated, `tradeId` the last of them, `side` the
 *            taker's (BUY/SELL as given). `count` is checked but not carried
 *            (a tick has no field for it).
 *   bbo-tbt: {"arg":{"channel":"bbo-tbt","instId":"BCH-USDT-SWAP"},"data":[{"asks":
 *            [["111.06","55154","0","2"]],"bids":[["111.05","57745","0","2"]],
 *            "ts":"1670324386802","seqId":363996337}]}
 *            a 1-level snapshot, pushed every 10 ms when it changed; `ts` is
 *            the push time. An empty side is 0 price, 0 size.
 * Ids, prices, sizes and `ts` (ms) are strings; `seqId` is a bare integer
 * (as documented, whereas the issue said every id is a string). `tradeId`
 * is numeric text and kept as that integer; a non-numeric one would be
 * hashed (MDBUS_FLAG_TID_HASH). `seqId` is not contiguous (it follows the
 * order book, repeats for trades at the same time and for an unchanged
 * snapshot resent after ~60 s), so only a step back is a gap (that
 * symbol and channel); it may reset after maintenance.
 *
 * Sizes: spot in base currency; swaps in contracts. The contract value
 * (`ctVal`) comes only from REST (GET /api/v5/public/instruments): the
 * start-up reference data (ops->ref) gives each swap its own, or the
 * session config's contract_size (required with refdata = no); qty_unit
 * defaults to contracts, and qty_unit = base converts each size exactly
 * (sz x contract_size, refused if not exact at the scale).
 *
 * Keepalive: the server drops a connection silent for 30 s; we send the
 * text "ping" (ops->ping; feedd's ping_interval defaults to 20 s) and the
 * text "pong" is a HEARTBEAT. {"event":"notice","code":"64008",..} (a
 * service upgrade, 60 s ahead) is RECONNECT.
 * Limits: 480 subscribe/unsubscribe/login requests per hour per
 * connection (few, large requests); 3 connection requests per second per
 * IP (session back-off, not the adapter). No per-connection channel cap is
 * documented for public channels.
 * Differences from the table: seqId is a bare integer; trades also
 * aggregate per fill price and source, and carry seqId and source.
 *
 * Every field is validated; a bad message never becomes a tick. A bad item
 * in a batch ends the piece before it (the good ticks go out), then is one
 * ERROR piece of its own, and the rest of the batch follows.
 *
 * One pass: the top-level object is walked by hand; once `arg` (sent
 * first) names a stream of ours, the `data` array is read in place, each
 * item once, and the rest of the object is then validated (invalid JSON
 * after the array drops the piece's ticks). A batch larger than the tick
 * array goes out before the end of the message is seen. With `data` before
 * `arg` the array is read after the walk (two passes).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "jsonscan.h"
#include "symbol.h"
#include "venue.h"
#include "vref.h"
#include "vrest.h"

#define OKX_SUB_TAIL	   4	  /* room for "]}" */
#define OKX_CH_SHIFT	   48	  /* cur.aux: data offset | channel << 48 */
#define OKX_NOTICE_UPGRADE 64008u /* "the connection will soon be closed" */
#define OKX_BOOKS_MAX	   400u	  /* levels per side of books; the REST sz maximum */
#define OKX_CK_LEVELS	   25u	  /* levels per side under the books checksum */
#define OKX_DP_MAX	   18u	  /* decimals a books price or size may print */
/* GET /api/v5/market/books: "40 requests per 2 seconds" (IP). One request is
 * weight 1: the venue's budget is 40 per 2 s (1,200 per minute). */
#define OKX_REST_WEIGHT 1u

/* ---- symbols ------------------------------------------------------------------ */

/* BTC-USDT -> BTC-USDT; BTC-USDT-PERP -> BTC-USDT-SWAP. */
static int okx_native_symbol(const char *norm, char *out, size_t len)
{
	struct feed_symbol_info info;
	size_t n;

	if (feed_symbol_parse(norm, &info) < 0)
		return -EINVAL;
	n = info.base_len + 1 + info.quote_len;
	if (info.market == MDBUS_MARKET_SPOT) {
		if (n + 1 > len)
			return -ENAMETOOLONG;
		memcpy(out, norm, n + 1);
		return 0;
	}
	if (info.market != MDBUS_MARKET_PERP)
		return -EINVAL;
	if (n + sizeof("-SWAP") > len)
		return -ENAMETOOLONG;
	memcpy(out, norm, n);
	memcpy(out + n, "-SWAP", sizeof("-SWAP"));
	return 0;
}

/* ---- subscribe ------------------------------------------------------------------- */

static const char *okx_channel_name(uint32_t ch)
{
	return ch == FEED_CH_TRADES ? "trades" : ch == FEED_CH_BBO ? "bbo-tbt" : "books";
}

/* FEED_CH_* of a channel name, 0 if not ours. */
static uint32_t okx_channel_of(const struct feed_json_val *c)
{
	if (feed_json_str_eq(c, "trades", 6))
		return FEED_CH_TRADES;
	if (feed_json_str_eq(c, "bbo-tbt", 7))
		return FEED_CH_BBO;
	if (feed_json_str_eq(c, "books", 5))
		return FEED_CH_L2;
	return 0;
}

static int okx_subscribe(struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			 uint64_t req_id, char *buf, size_t len, size_t *out_len)
{
	size_t o;
	int k;

	if (n == 0)
		return -ENOBUFS;
	k = snprintf(buf, len, "{\"id\":\"%llu\",\"op\":\"subscribe\",\"args\":[",
		     (unsigned long long)req_id);
	if (k < 0 || (size_t)k + OKX_SUB_TAIL >= len)
		return -ENOBUFS;
	o = (size_t)k;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t sym, ch;

		feed_venue_stream(v, streams[i], &sym, &ch);
		k = snprintf(buf + o, len - o, "%s{\"channel\":\"%s\",\"instId\":\"%s\"}",
			     i ? "," : "", okx_channel_name(ch), v->syms[sym].native);
		if (k < 0 || o + (size_t)k + OKX_SUB_TAIL >= len)
			return -ENOBUFS;
		o += (size_t)k;
	}
	memcpy(buf + o, "]}", 3);
	*out_len = o + 2;
	return 0;
}

/* Our keepalive: the text "ping" (answered by the text "pong"). */
/* Each perpetual's sizes are contracts; qty_unit = base needs the contract
 * size to convert them. */
static int okx_init(struct feed_venue_ctx *v)
{
	for (uint32_t i = 0; i < v->nsyms; i++) {
		const struct feed_venue_sym *s = &v->syms[i];

		if (s->market != MDBUS_MARKET_SPOT && s->qty_unit == MDBUS_QTY_BASE &&
		    s->contract_size <= 0 && !v->contract_later) {
			snprintf(v->reason, sizeof(v->reason),
				 "symbol '%s': okx sizes swaps in contracts; qty_unit = base "
				 "needs contract_size",
				 s->norm);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- values ---------------------------------------------------------------------- */

enum { T_INST, T_TID, T_PX, T_SZ, T_SIDE, T_TS, T_COUNT, T_SEQ, T_ASKS, T_BIDS, T__COUNT };

static const struct feed_json_key okx_item_keys[T__COUNT] = {
	[T_INST] = FEED_JSON_KEY("instId"), [T_TID] = FEED_JSON_KEY("tradeId"),
	[T_PX] = FEED_JSON_KEY("px"),	    [T_SZ] = FEED_JSON_KEY("sz"),
	[T_SIDE] = FEED_JSON_KEY("side"),   [T_TS] = FEED_JSON_KEY("ts"),
	[T_COUNT] = FEED_JSON_KEY("count"), [T_SEQ] = FEED_JSON_KEY("seqId"),
	[T_ASKS] = FEED_JSON_KEY("asks"),   [T_BIDS] = FEED_JSON_KEY("bids"),
};

/* `ts`: ms since the epoch as a string. */
static int okx_ts(struct feed_venue_ctx *v, struct feed_venue_out *eo, uint32_t i,
		  const struct feed_json_val *f, int64_t *ns)
{
	uint64_t ms;

	if (f->type != FEED_JSON_STRING || feed_json_u64(f, &ms) < 0 || feed_ts_ms(ms, ns) < 0 ||
	    *ns == 0) {
		feed_venue_error(v, eo, i, "%s: missing or bad time 'ts'", v->syms[i].native);
		return -EINVAL;
	}
	return 0;
}

/* `seqId` (a bare integer, optional): a step back is a gap of that
 * symbol and channel; equal or larger is normal (not contiguous). */
static int okx_seq(struct feed_venue_ctx *v, struct feed_venue_out *eo, uint32_t i,
		   const struct feed_json_val *f, uint64_t *seq)
{
	*seq = 0;
	if (f->type == FEED_JSON_NONE)
		return 0;
	if (f->type != FEED_JSON_NUMBER || feed_json_u64(f, seq) < 0) {
		feed_venue_error(v, eo, i, "%s: bad sequence 'seqId'", v->syms[i].native);
		return -EINVAL;
	}
	return 0;
}

static void okx_seq_store(struct feed_venue_ctx *v, uint32_t i, uint32_t ch, uint64_t seq)
{
	uint32_t k = (uint32_t)__builtin_ctz(ch);

	if (seq == 0)
		return;
	if (v->syms[i].seq[k] > seq)
		(void)feed_venue_seq_check(v, i, ch, seq, 0); /* flags the gap */
	else
		v->syms[i].seq[k] = seq;
}

/* ---- trades and bbo ---------------------------------------------------------------- */

/* The trade id: numeric text as that integer, anything else hashed. */
static int okx_trade_id(const struct feed_json_val *f, uint64_t *tid, uint8_t *flags)
{
	if (f->type != FEED_JSON_STRING || f->n == 0)
		return -EINVAL;
	if (!f->escaped && feed_json_u64(f, tid) == 0)
		return 0;
	*tid = feed_venue_tid_hash(f->p, f->n);
	*flags |= MDBUS_FLAG_TID_HASH;
	return 0;
}

/* Long: one trade item, every field validated before the tick is taken. */
static int okx_trade(struct feed_venue_ctx *v, struct feed_venue_out *out,
		     struct feed_venue_out *eo, uint32_t i, const struct feed_json_val *f,
		     int64_t recv_ns)
{
	struct feed_venue_sym *sym = &v->syms[i];
	struct mdbus_tick *t;
	int64_t price, qty, ts;
	uint64_t tid = 0, seq, cnt;
	uint8_t flags;

	if (f[T_INST].type != FEED_JSON_NONE &&
	    !feed_json_str_eq(&f[T_INST], sym->native, strlen(sym->native))) {
		feed_venue_error(v, eo, i, "%s trade: instId '%.*s' is not the channel's",
				 sym->native, (int)(f[T_INST].n > 32 ? 32 : f[T_INST].n),
				 f[T_INST].p);
		return -EINVAL;
	}
	if (feed_venue_decimal(v, eo, i, &f[T_PX], "trade price", sym->price_decimals, 0, &price) <
		    0 ||
	    feed_venue_qty(v, eo, i, &f[T_SZ], "trade size", 0, &qty) < 0 ||
	    okx_ts(v, eo, i, &f[T_TS], &ts) < 0)
		return -EINVAL;
	if (feed_json_str_eq(&f[T_SIDE], "buy", 3)) {
		flags = MDBUS_FLAG_BUY;
	} else if (feed_json_str_eq(&f[T_SIDE], "sell", 4)) {
		flags = MDBUS_FLAG_SELL;
	} else {
		feed_venue_error(v, eo, i, "%s trade: missing or bad taker side 'side'",
				 sym->native);
		return -EINVAL;
	}
	if (okx_trade_id(&f[T_TID], &tid, &flags) < 0) {
		feed_venue_error(v, eo, i, "%s trade: missing or bad trade id 'tradeId'",
				 sym->native);
		return -EINVAL;
	}
	if (f[T_COUNT].type != FEED_JSON_NONE &&
	    (f[T_COUNT].type != FEED_JSON_STRING || feed_json_u64(&f[T_COUNT], &cnt) < 0 ||
	     cnt == 0)) {
		feed_venue_error(v, eo, i, "%s trade: bad aggregated count 'count'", sym->native);
		return -EINVAL;
	}
	if (okx_seq(v, eo, i, &f[T_SEQ], &seq) < 0)
		return -EINVAL;
	okx_seq_store(v, i, FEED_CH_TRADES, seq);
	t = feed_venue_tick(v, out, i, MDBUS_KIND_TRADE, flags, ts, recv_ns);
	if (!t)
		return -ENOSPC; /* cannot happen: room is checked before the item */
	t->u.trade.price = price;
	t->u.trade.qty = qty;
	t->u.trade.trade_id = tid;
	return 0;
}

/* A book side's names in errors: "bid", "bid price", "bid size". */
struct okx_side {
	const char *name, *price, *size;
};

static const struct okx_side okx_bid = {"bid", "bid price", "bid size"};
static const struct okx_side okx_ask = {"ask", "ask price", "ask size"};

/* The first level [px, sz, "0", orders] of a side; an empty side is 0, 0. */
static int okx_level(struct feed_venue_ctx *v, struct feed_venue_out *eo, uint32_t i,
		     const struct feed_json_val *side, const struct okx_side *w, int64_t *px,
		     int64_t *sz)
{
	struct feed_json_iter it;
	struct feed_json_val lvl, p, s;
	int rc;

	*px = *sz = 0;
	if (side->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, side->p, side->n) < 0)
		goto bad;
	rc = feed_json_iter_next(&it, NULL, &lvl);
	if (rc == 0)
		return 0;
	if (rc < 0 || lvl.type != FEED_JSON_ARRAY || feed_json_iter_init(&it, lvl.p, lvl.n) < 0 ||
	    feed_json_iter_next(&it, NULL, &p) != 1 || feed_json_iter_next(&it, NULL, &s) != 1)
		goto bad;
	if (feed_venue_decimal(v, eo, i, &p, w->price, v->syms[i].price_decimals, 0, px) < 0)
		return -EINVAL;
	return feed_venue_qty(v, eo, i, &s, w->size, 0, sz);
bad:
	feed_venue_error(v, eo, i, "%s bbo: missing or bad '%ss'", v->syms[i].native, w->name);
	return -EINVAL;
}

static int okx_bbo(struct feed_venue_ctx *v, struct feed_venue_out *out, struct feed_venue_out *eo,
		   uint32_t i, const struct feed_json_val *f, int64_t recv_ns)
{
	int64_t bp, bq, ap, aq, ts;
	uint64_t seq;

	if (okx_level(v, eo, i, &f[T_BIDS], &okx_bid, &bp, &bq) < 0 ||
	    okx_level(v, eo, i, &f[T_ASKS], &okx_ask, &ap, &aq) < 0 ||
	    okx_ts(v, eo, i, &f[T_TS], &ts) < 0 || okx_seq(v, eo, i, &f[T_SEQ], &seq) < 0)
		return -EINVAL;
	okx_seq_store(v, i, FEED_CH_BBO, seq);
	if (!feed_venue_bbo(v, out, i, ts, recv_ns, (struct mdbus_bbo){bp, bq, ap, aq}))
		return -ENOSPC;
	return 0;
}

/* The data array (or the top-level object), walked by hand so that each
 * item is read once, in place: its members are validated as they are
 * read, the separators here. pos is relative to p. */
struct okx_arr {
	const char *p;
	size_t n;
	size_t pos;
	uint32_t count; /* items started */
};

static size_t okx_ws(const struct okx_arr *a, size_t k)
{
	while (k < a->n &&
	       (a->p[k] == ' ' || a->p[k] == '\t' || a->p[k] == '\r' || a->p[k] == '\n'))
		k++;
	return k;
}

/* 1 if nothing but the closing bracket is left. */
static int okx_at_end(const struct okx_arr *a)
{
	size_t k = okx_ws(a, a->pos);

	return k >= a->n || a->p[k] == ']';
}

/* The next item's first byte in *start: 1, 0 at the end, -EINVAL. */
static int okx_arr_next(struct okx_arr *a, size_t *start)
{
	size_t k = okx_ws(a, a->pos);

	if (k >= a->n)
		return -EINVAL;
	if (a->p[k] == ']') {
		a->pos = k + 1;
		return 0;
	}
	if (a->count > 0) {
		if (a->p[k] != ',')
			return -EINVAL;
		k = okx_ws(a, k + 1);
	}
	*start = k;
	a->count++;
	return k < a->n ? 1 : -EINVAL;
}

/* The item at a->p[start]: its fields into f, a->pos past it. Returns 0,
 * -ENOMSG (not an object: skipped) or -EINVAL (broken: cannot go on). */
static int okx_item(struct okx_arr *a, size_t start, struct feed_json_val *f)
{
	struct feed_json_val val;
	size_t pos = start;

	for (unsigned j = 0; j < T__COUNT; j++)
		f[j].type = FEED_JSON_NONE;
	if (a->p[start] != '{') {
		if (feed_json_value(a->p, a->n, &pos, &val) < 0)
			return -EINVAL;
		a->pos = pos;
		return -ENOMSG;
	}
	/* one pass, later duplicates winning */
	if (feed_json_scan_at(a->p, a->n, &pos, okx_item_keys, T__COUNT, f) < 0)
		return -EINVAL;
	a->pos = pos;
	return 0;
}

/* Keeps the place (the array position and items started) for the next
 * call of the same message. */
static void okx_save(struct feed_venue_ctx *v, struct feed_venue_out *out, size_t pos,
		     uint32_t count, uint32_t i, uint64_t aux)
{
	v->cur.pos = pos;
	v->cur.item = count;
	v->cur.sym = i;
	v->cur.aux = aux;
	out->more = 1;
}

/* One item failed (its reason in v->reason): the ticks before it go out
 * first; alone, it is an ERROR piece, and the rest of the batch follows.
 * Returns 1 (more follows) or 0 (the array is done: a->pos past it). */
static int okx_item_failed(struct feed_venue_ctx *v, struct feed_venue_out *out, struct okx_arr *a,
			   size_t before, uint32_t i, uint64_t aux)
{
	size_t start;

	if (out->n > 0) {
		okx_save(v, out, before, a->count - 1, i, aux);
		return 1;
	}
	out->cls = FEED_MSG_ERROR;
	out->reason = v->reason;
	out->sym = i;
	if (okx_at_end(a))
		return okx_arr_next(a, &start) == 0 ? 0 : -EINVAL;
	okx_save(v, out, a->pos, a->count, i, aux);
	return 1;
}

/* Long: the data array from the saved place: one tick per item, pieces as the array fills. */
/* Returns 1 (more: the place is saved), 0 (done: *end just past the
 * array) or -EINVAL (a broken array: out is an ERROR unless it holds
 * ticks). */
static int okx_items(struct feed_venue_ctx *v, const char *p, size_t n, uint32_t i, uint64_t aux,
		     int64_t recv_ns, struct feed_venue_out *out, size_t *end)
{
	size_t off = (size_t)(aux & ((1ull << OKX_CH_SHIFT) - 1)), before, start = 0;
	uint32_t ch = (uint32_t)(aux >> OKX_CH_SHIFT);
	struct okx_arr a = {.p = p + off, .n = n - off, .pos = 1, .count = 0};
	struct feed_json_val f[T__COUNT] = {{0}}; /* okx_item fills it; zeroed for the analyzer */
	struct feed_venue_out eo;
	int rc;

	if (off >= n || p[off] != '[')
		return -EINVAL;
	if (v->cur.active) {
		a.pos = v->cur.pos;
		a.count = v->cur.item;
	}
	out->cls = FEED_MSG_DATA;
	out->sym = i;
	for (;;) {
		before = a.pos;
		if (out->n >= out->cap && !okx_at_end(&a)) {
			okx_save(v, out, before, a.count, i, aux);
			return 1;
		}
		rc = okx_arr_next(&a, &start);
		if (rc == 0)
			break;
		memset(&eo, 0, sizeof(eo));
		rc = rc < 0 ? rc : okx_item(&a, start, f);
		if (rc == -EINVAL)
			return -EINVAL;
		if (rc == -ENOMSG) {
			feed_venue_error(v, &eo, i, "%s: a 'data' item is not an object",
					 v->syms[i].native);
		} else {
			rc = ch == FEED_CH_TRADES ? okx_trade(v, out, &eo, i, f, recv_ns)
						  : okx_bbo(v, out, &eo, i, f, recv_ns);
		}
		if (rc < 0 && (rc = okx_item_failed(v, out, &a, before, i, aux)) != 0)
			return rc;
		if (out->cls == FEED_MSG_ERROR)
			break; /* the bad last item */
	}
	*end = off + a.pos;
	return 0;
}

/* ---- messages ---------------------------------------------------------------------- */

enum { K_ARG, K_ACTION, K_DATA, K_EVENT, K_ID, K_CODE, K_MSG, K__COUNT };

static const struct feed_json_key okx_keys[K__COUNT] = {
	[K_ARG] = FEED_JSON_KEY("arg"),	  [K_ACTION] = FEED_JSON_KEY("action"),
	[K_DATA] = FEED_JSON_KEY("data"), [K_EVENT] = FEED_JSON_KEY("event"),
	[K_ID] = FEED_JSON_KEY("id"),	  [K_CODE] = FEED_JSON_KEY("code"),
	[K_MSG] = FEED_JSON_KEY("msg"),
};

enum { A_CHANNEL, A_INST, A__COUNT };

static const struct feed_json_key okx_arg_keys[A__COUNT] = {
	[A_CHANNEL] = FEED_JSON_KEY("channel"),
	[A_INST] = FEED_JSON_KEY("instId"),
};

/* `arg`: {"channel":..,"instId":..}. Returns 0 (the channel 0 if not
 * ours) or -EINVAL. */
static int okx_arg(const struct feed_json_val *arg, struct feed_json_val *a, uint32_t *ch)
{
	if (arg->type != FEED_JSON_OBJECT ||
	    feed_json_scan(arg->p, arg->n, okx_arg_keys, A__COUNT, a) < 0 ||
	    a[A_CHANNEL].type != FEED_JSON_STRING || a[A_INST].type != FEED_JSON_STRING ||
	    a[A_INST].escaped)
		return -EINVAL;
	*ch = okx_channel_of(&a[A_CHANNEL]);
	return 0;
}

/* The stream `arg` names, if it is one of ours: 0 with *i and *ch. */
static int okx_arg_stream(const struct feed_venue_ctx *v, const struct feed_json_val *arg,
			  uint32_t *i, uint32_t *ch)
{
	struct feed_json_val a[A__COUNT];

	if (okx_arg(arg, a, ch) < 0 || *ch == 0 ||
	    feed_venue_lookup(v, a[A_INST].p, a[A_INST].n, i) < 0)
		return -ENOENT;
	return 0;
}

/* ---- depth (FEED_CH_L2): the books channel -------------------------------------------- */

enum { L_ASKS, L_BIDS, L_TS, L_CK, L_PREV, L_SEQ, L__COUNT };

static const struct feed_json_key okx_book_keys[L__COUNT] = {
	[L_ASKS] = FEED_JSON_KEY("asks"),      [L_BIDS] = FEED_JSON_KEY("bids"),
	[L_TS] = FEED_JSON_KEY("ts"),	       [L_CK] = FEED_JSON_KEY("checksum"),
	[L_PREV] = FEED_JSON_KEY("prevSeqId"), [L_SEQ] = FEED_JSON_KEY("seqId"),
};

/* Decimals printed in a price or size text ("8476.98" -> 2). */
static size_t okx_dp(const struct feed_json_val *f)
{
	const char *d = memchr(f->p, '.', f->n);

	return d ? (size_t)(f->p + f->n - d - 1) : 0;
}

/* One side, [["px","sz","0","orders"],...], into v->lv[off..] (*cnt
 * levels). Sizes are as sent (contracts for swaps), with the decimals as
 * printed (a non-zero checksum is over the venue's text). Returns 0 or
 * -errno (ERROR set; more levels than v->lv_cap is one). */
static int okx_l2_side(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
		       const struct feed_json_val *side, const struct okx_side *w, uint32_t off,
		       uint32_t *cnt)
{
	const struct feed_venue_sym *sym = &v->syms[i];
	struct feed_json_iter it, lv;
	struct feed_json_val e, p, q;
	struct feed_book_lvl *l;
	int rc;

	*cnt = 0;
	if (side->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, side->p, side->n) < 0)
		goto bad;
	while ((rc = feed_json_iter_next(&it, NULL, &e)) == 1) {
		if (off + *cnt >= v->lv_cap) {
			feed_venue_error(v, out, i, "%s books: more than %u levels", sym->native,
					 v->lv_cap);
			return -EMSGSIZE;
		}
		if (e.type != FEED_JSON_ARRAY || feed_json_iter_init(&lv, e.p, e.n) < 0 ||
		    feed_json_iter_next(&lv, NULL, &p) != 1 ||
		    feed_json_iter_next(&lv, NULL, &q) != 1)
			goto bad;
		l = &v->lv[off + *cnt];
		if (feed_venue_decimal(v, out, i, &p, w->price, sym->price_decimals, 0, &l->px) <
			    0 ||
		    feed_venue_decimal(v, out, i, &q, w->size, sym->qty_decimals, 0, &l->qty) < 0)
			return -EINVAL;
		if (l->px <= 0) {
			feed_venue_error(v, out, i, "%s books: %s not positive", sym->native,
					 w->price);
			return -EINVAL;
		}
		if (okx_dp(&p) > OKX_DP_MAX || okx_dp(&q) > OKX_DP_MAX) {
			feed_venue_error(v, out, i, "%s books: more than %u decimals", sym->native,
					 OKX_DP_MAX);
			return -EINVAL;
		}
		l->px_dp = (uint8_t)okx_dp(&p);
		l->qty_dp = (uint8_t)okx_dp(&q);
		(*cnt)++;
	}
	if (rc == 0)
		return 0;
bad:
	feed_venue_error(v, out, i, "%s books: missing or bad '%ss'", sym->native, w->name);
	return -EINVAL;
}

/* seqId, prevSeqId (-1 in a snapshot) and checksum of a books item: bare
 * integers. The checksum is 0 since its deprecation and "must no longer
 * be used": 0 is no checksum. A non-zero one (a feed that still computes
 * it, as the docs before 2026-06-23 describe) is checked all the same: a
 * mismatch resyncs the book, a feed sending 0 costs nothing. */
static int okx_l2_ids(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
		      const struct feed_json_val *b, struct feed_book_ev *ev)
{
	int64_t prev = -1, ck = 0;
	uint64_t seq;

	if (b[L_SEQ].type != FEED_JSON_NUMBER || feed_json_u64(&b[L_SEQ], &seq) < 0 ||
	    (b[L_PREV].type != FEED_JSON_NUMBER || feed_json_i64(&b[L_PREV], &prev) < 0 ||
	     prev < -1) ||
	    (b[L_CK].type != FEED_JSON_NONE &&
	     (b[L_CK].type != FEED_JSON_NUMBER || feed_json_i64(&b[L_CK], &ck) < 0 ||
	      ck < INT32_MIN || ck > INT32_MAX))) {
		feed_venue_error(v, out, i, "%s books: missing or bad seqId/prevSeqId/checksum",
				 v->syms[i].native);
		return -EINVAL;
	}
	ev->first_id = ev->last_id = seq;
	ev->has_prev = prev >= 0;
	ev->prev_id = prev >= 0 ? (uint64_t)prev : 0;
	ev->has_ck = ck != 0;
	ev->checksum = (uint32_t)(int32_t)ck;
	return 0;
}

/* Long: a books message (action snapshot/update, one data item): validated, into one event. */
static void okx_books(struct feed_venue_ctx *v, const struct feed_json_val *f, uint32_t i,
		      int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val el, b[L__COUNT];
	struct feed_book_ev *ev = &v->book;
	struct feed_json_iter it;
	uint32_t nb, na;
	int64_t ts;
	int snap = feed_json_str_eq(&f[K_ACTION], "snapshot", 8);

	if (!snap && !feed_json_str_eq(&f[K_ACTION], "update", 6)) {
		feed_venue_error(v, out, i, "%s books: 'action' is neither snapshot nor update",
				 v->syms[i].native);
		return;
	}
	if (feed_json_iter_init(&it, f[K_DATA].p, f[K_DATA].n) < 0 ||
	    feed_json_iter_next(&it, NULL, &el) != 1 || el.type != FEED_JSON_OBJECT ||
	    feed_json_iter_next(&it, NULL, &b[0]) != 0 ||
	    feed_json_scan(el.p, el.n, okx_book_keys, L__COUNT, b) < 0) {
		feed_venue_error(v, out, i, "%s books: 'data' is not one book object",
				 v->syms[i].native);
		return;
	}
	memset(ev, 0, sizeof(*ev));
	if (okx_l2_side(v, out, i, &b[L_BIDS], &okx_bid, 0, &nb) < 0 ||
	    okx_l2_side(v, out, i, &b[L_ASKS], &okx_ask, nb, &na) < 0 ||
	    okx_ts(v, out, i, &b[L_TS], &ts) < 0 || okx_l2_ids(v, out, i, b, ev) < 0)
		return;
	ev->sym = i;
	ev->kind = snap ? FEED_BOOK_SNAPSHOT : FEED_BOOK_DELTA;
	feed_venue_book_done(v, out, i, nb, na, ts, recv_ns);
}

/* GET /api/v5/market/books?instId=BTC-USDT&sz=400: the books channel keeps
 * 400 levels a side and its updates touch any of them (a level entering the
 * 400 from below is sent as an update), so the snapshot must hold all 400
 * (the sz maximum, "Order book depth per side"), not book_depth: with fewer,
 * a level between the snapshot's last and a deeper update would be missing
 * once the top thins out. checked 2026-12-07 against
 * https://my.okx.com/docs-v5/log_en ("How to manage a local order book
 * correctly": the snapshot from GET / Order book) and
 * https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
 * (books: 400 depth levels). */
static int okx_rest_snapshot(struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
			     size_t *n)
{
	int k;

	if (sym >= v->nsyms)
		return -EINVAL;
	k = snprintf(buf, len, "/api/v5/market/books?instId=%s&sz=%u", v->syms[sym].native,
		     OKX_BOOKS_MAX);
	if (k < 0 || (size_t)k >= len)
		return -ENOBUFS;
	*n = (size_t)k;
	return 0;
}

/* The REST answer's "code" ("0" = success) and its one data item. Returns
 * 0 or -EBADMSG (v->reason set). */
static int okx_rest_item(struct feed_venue_ctx *v, const uint8_t *body, size_t n,
			 struct feed_json_val *item)
{
	static const struct feed_json_key rk[3] = {FEED_JSON_KEY("code"), FEED_JSON_KEY("msg"),
						   FEED_JSON_KEY("data")};
	struct feed_json_val f[3], extra;
	struct feed_json_iter it;
	char m[96];

	if (feed_json_scan((const char *)body, n, rk, 3, f) < 0) {
		snprintf(v->reason, sizeof(v->reason), "books snapshot: invalid JSON (%zu bytes)",
			 n);
		return -EBADMSG;
	}
	if (f[0].type != FEED_JSON_STRING || !feed_json_str_eq(&f[0], "0", 1)) {
		if (f[1].type != FEED_JSON_STRING || feed_json_unescape(&f[1], m, sizeof(m)) < 0)
			strcpy(m, "(no message)");
		if (f[0].type == FEED_JSON_STRING)
			snprintf(v->reason, sizeof(v->reason), "books snapshot: code %.*s: %s",
				 (int)(f[0].n > 16 ? 16 : f[0].n), f[0].p, m);
		else
			snprintf(v->reason, sizeof(v->reason),
				 "books snapshot: no string 'code': %s", m);
		return -EBADMSG;
	}
	if (f[2].type != FEED_JSON_ARRAY || feed_json_iter_init(&it, f[2].p, f[2].n) < 0 ||
	    feed_json_iter_next(&it, NULL, item) != 1 || item->type != FEED_JSON_OBJECT ||
	    feed_json_iter_next(&it, NULL, &extra) != 0) {
		snprintf(v->reason, sizeof(v->reason), "books snapshot: 'data' is not one object");
		return -EBADMSG;
	}
	return 0;
}

/* The snapshot's seqId: a bare integer (a numeric string is taken too: the
 * REST answer's type is not shown in the docs we could read). */
static int okx_rest_seq(const struct feed_json_val *f, uint64_t *seq)
{
	if (f->type == FEED_JSON_NUMBER)
		return feed_json_u64(f, seq);
	if (f->type != FEED_JSON_STRING || f->n == 0 || f->n > 19)
		return -EINVAL;
	*seq = 0;
	for (size_t k = 0; k < f->n; k++) {
		if (f->p[k] < '0' || f->p[k] > '9')
			return -EINVAL;
		*seq = *seq * 10 + (uint64_t)(f->p[k] - '0');
	}
	return 0;
}

/* m (at dec decimals) printed with dp decimals (at most OKX_DP_MAX), as the
 * venue printed it: digits past dec are zeros. Returns the length. */
static size_t okx_ck_text(char *buf, int64_t m, unsigned dec, unsigned dp)
{
	char frac[24];
	int64_t p10 = 1, f;
	size_t o;
	int k;

	for (unsigned j = 0; j < dec && j < sizeof(frac); j++)
		p10 *= 10;
	k = snprintf(buf, 24, "%lld", (long long)(m / p10));
	o = k > 0 ? (size_t)k : 0;
	if (dp == 0)
		return o;
	buf[o++] = '.';
	f = m % p10;
	for (unsigned j = dec < sizeof(frac) ? dec : sizeof(frac); j-- > 0;) {
		frac[j] = (char)('0' + f % 10);
		f /= 10;
	}
	for (unsigned j = 0; j < dp; j++) {
		if (j < dec && j < sizeof(frac))
			buf[o++] = frac[j];
		else
			buf[o++] = '0';
	}
	return o;
}

/* OKX's CRC32: the top 25 levels interleaved "bidPx:bidSz:askPx:askSz:..."
 * (the longer side's rest appended alone), each value as printed; the
 * venue sends it as a signed 32-bit integer (its bits as u32 here). */
static uint32_t okx_checksum(const struct feed_venue_ctx *v, uint32_t sym,
			     const struct feed_book_lvl *bids, uint32_t nb,
			     const struct feed_book_lvl *asks, uint32_t na)
{
	const struct feed_venue_sym *s = &v->syms[sym];
	char buf[OKX_CK_LEVELS * 2 * 2 * 48];
	size_t o = 0;

	nb = nb < OKX_CK_LEVELS ? nb : OKX_CK_LEVELS;
	na = na < OKX_CK_LEVELS ? na : OKX_CK_LEVELS;
	for (uint32_t k = 0; k < nb || k < na; k++) {
		const struct feed_book_lvl *side[2] = {k < nb ? &bids[k] : NULL,
						       k < na ? &asks[k] : NULL};

		for (unsigned j = 0; j < 2; j++) {
			if (!side[j])
				continue;
			if (o)
				buf[o++] = ':';
			o += okx_ck_text(buf + o, side[j]->px, s->price_decimals, side[j]->px_dp);
			buf[o++] = ':';
			o += okx_ck_text(buf + o, side[j]->qty, s->qty_decimals, side[j]->qty_dp);
		}
	}
	return (uint32_t)crc32(0L, (const Bytef *)buf, (uInt)o);
}

/* {"code":"0","msg":"","data":[{"asks":[["px","sz","0","orders"],..],
 * "bids":[..],"ts":"ms","seqId":N}]} into a SNAPSHOT event (id = seqId). */
static int okx_rest_parse(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			  struct feed_book_ev *ev)
{
	struct feed_json_val item, b[L__COUNT];
	struct feed_venue_out o;
	uint32_t nb, na;
	uint64_t seq;
	int64_t ts;
	int rc;

	memset(&o, 0, sizeof(o));
	if (sym >= v->nsyms)
		return -EINVAL;
	if (okx_rest_item(v, body, n, &item) < 0)
		return -EBADMSG;
	if (feed_json_scan(item.p, item.n, okx_book_keys, L__COUNT, b) < 0 ||
	    okx_rest_seq(&b[L_SEQ], &seq) < 0) {
		snprintf(v->reason, sizeof(v->reason), "books snapshot: missing or bad 'seqId'");
		return -EBADMSG;
	}
	rc = okx_l2_side(v, &o, sym, &b[L_BIDS], &okx_bid, 0, &nb);
	if (rc == 0)
		rc = okx_l2_side(v, &o, sym, &b[L_ASKS], &okx_ask, nb, &na);
	if (rc < 0)
		return rc == -EMSGSIZE ? -EMSGSIZE : -EBADMSG;
	if (okx_ts(v, &o, sym, &b[L_TS], &ts) < 0)
		return -EBADMSG;
	memset(ev, 0, sizeof(*ev));
	ev->sym = sym;
	ev->kind = FEED_BOOK_SNAPSHOT;
	ev->first_id = ev->last_id = seq;
	ev->exch_ts = ts;
	ev->bids = v->lv;
	ev->nbids = nb;
	ev->asks = v->lv + nb;
	ev->nasks = na;
	return 0;
}
/* Data whose array was not read in place (an `arg` after it, or not ours):
 * the reason, or the items now. */
static void okx_data(struct feed_venue_ctx *v, const char *p, size_t n,
		     const struct feed_json_val *f, int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val a[A__COUNT];
	uint32_t ch, i;
	size_t end;

	if (okx_arg(&f[K_ARG], a, &ch) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "data with a missing or bad 'arg'");
		return;
	}
	if (ch == 0 || f[K_DATA].type != FEED_JSON_ARRAY) {
		out->cls = FEED_MSG_UNKNOWN;
		out->reason =
			ch == 0 ? "data of a channel we did not ask for" : "data not an array";
		return;
	}
	if (feed_venue_lookup(v, a[A_INST].p, a[A_INST].n, &i) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "unknown instId '%.*s'",
				 (int)(a[A_INST].n > 32 ? 32 : a[A_INST].n), a[A_INST].p);
		return;
	}
	if (ch == FEED_CH_L2) {
		okx_books(v, f, i, recv_ns, out);
		return;
	}
	if (okx_items(v, p, n, i, (uint64_t)(f[K_DATA].p - p) | (uint64_t)ch << OKX_CH_SHIFT,
		      recv_ns, out, &end) < 0 &&
	    out->n == 0)
		feed_venue_error(v, out, i, "%s: bad 'data' array", v->syms[i].native);
}

/* Index in okx_keys of a raw key, K__COUNT if none. */
static unsigned okx_top_key(const struct feed_json_val *k)
{
	for (unsigned j = 0; j < K__COUNT; j++)
		if (k->n == okx_keys[j].len && memcmp(k->p, okx_keys[j].name, k->n) == 0)
			return j;
	return K__COUNT;
}

/* Reads the data array at s[*pos] in place when `arg` (already seen)
 * names a stream of ours: 1 (read: *pos past it, or more pieces follow),
 * 0 (not read), -EINVAL (broken). */
static int okx_inline(struct feed_venue_ctx *v, const char *s, size_t n, size_t *pos,
		      const struct feed_json_val *f, int64_t recv_ns, struct feed_venue_out *out)
{
	uint32_t i, ch;
	size_t end = 0;
	int rc;

	if (s[*pos] != '[' || f[K_EVENT].type != FEED_JSON_NONE ||
	    okx_arg_stream(v, &f[K_ARG], &i, &ch) < 0 || ch == FEED_CH_L2)
		return 0; /* books: one item, read after the walk (needs `action`) */
	rc = okx_items(v, s, n, i, (uint64_t)*pos | (uint64_t)ch << OKX_CH_SHIFT, recv_ns, out,
		       &end);
	if (rc == 0)
		*pos = end;
	return rc < 0 ? rc : 1;
}

/* Long: one pass over the top-level object (members into f); the data array is read in place. */
/* Returns 1 when the data was read (out is filled), 0 when the message
 * is for the caller (f filled), -EINVAL for invalid JSON. */
static int okx_scan(struct feed_venue_ctx *v, const char *s, size_t n, struct feed_json_val *f,
		    int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val key, val;
	struct okx_arr t = {.p = s, .n = n, .pos = 0, .count = 0};
	size_t pos = okx_ws(&t, 0);
	int done = 0, rc;

	for (unsigned j = 0; j < K__COUNT; j++)
		f[j].type = FEED_JSON_NONE;
	if (pos >= n || s[pos] != '{')
		return -EINVAL;
	for (pos++;; t.count++) {
		pos = okx_ws(&t, pos);
		if (pos < n && s[pos] == '}')
			break;
		if (t.count > 0 && (pos >= n || s[pos++] != ','))
			return -EINVAL;
		if (feed_json_value(s, n, &pos, &key) < 0 || key.type != FEED_JSON_STRING)
			return -EINVAL;
		pos = okx_ws(&t, pos);
		if (pos >= n || s[pos++] != ':')
			return -EINVAL;
		pos = okx_ws(&t, pos);
		if (pos >= n)
			return -EINVAL;
		unsigned j = okx_top_key(&key);
		if (j == K_DATA && !done &&
		    (rc = okx_inline(v, s, n, &pos, f, recv_ns, out)) != 0) {
			if (rc < 0 || out->more)
				return rc < 0 ? rc : 1; /* the rest with the next pieces */
			done = 1;
			continue;
		}
		if (feed_json_value(s, n, &pos, &val) < 0)
			return -EINVAL;
		if (j < K__COUNT)
			f[j] = val;
	}
	return okx_ws(&t, pos + 1) == n ? done : -EINVAL;
}

/* The venue's words for the log: "code 60012: Invalid request". */
static void okx_reason(struct feed_venue_ctx *v, const struct feed_json_val *f)
{
	char m[FEED_VENUE_REASON_MAX - 32];
	int64_t c = 0;
	int rc = f[K_MSG].type == FEED_JSON_STRING ? feed_json_unescape(&f[K_MSG], m, sizeof(m))
						   : -EINVAL;

	(void)feed_json_i64(&f[K_CODE], &c);
	if (rc == -ENOSPC) /* a long text (60018's is ~130 bytes): its start */
		m[sizeof(m) - 1] = '\0';
	else if (rc < 0)
		strcpy(m, "(no message)");
	snprintf(v->reason, sizeof(v->reason), "code %lld: %s", (long long)c, m);
}

/* "subscribe" (one arg acked) or "error" (the request, or the arg echoed). */
static void okx_answer(struct feed_venue_ctx *v, const struct feed_json_val *f, int ok,
		       struct feed_venue_out *out)
{
	struct feed_json_val a[A__COUNT];
	uint64_t id = 0;
	uint32_t ch = 0;
	int rc, has_arg = okx_arg(&f[K_ARG], a, &ch) == 0 && ch != 0;

	if (f[K_ID].type != FEED_JSON_NONE &&
	    (f[K_ID].type != FEED_JSON_STRING || feed_json_u64(&f[K_ID], &id) < 0 || id == 0)) {
		feed_venue_unknown(out, "answer to an id we never send");
		return;
	}
	if (!ok)
		okx_reason(v, f);
	if (has_arg)
		rc = feed_venue_stream_done(v, id, a[A_INST].p, a[A_INST].n, ch, ok, out);
	else if (!ok && id)
		rc = feed_venue_req_done(v, id, 0, out);
	else if (!ok) {
		char why[FEED_VENUE_REASON_MAX];

		memcpy(why, v->reason, sizeof(why));
		feed_venue_error(v, out, UINT32_MAX, "venue error without request id: %s", why);
		return;
	} else {
		feed_venue_unknown(out, "subscribe answer without a channel of ours");
		return;
	}
	if (rc < 0) {
		feed_venue_unknown(out, rc == -EALREADY
						? "answer for a stream already answered"
						: "answer to a request or stream we did not send");
		out->req_id = id;
		return;
	}
	if (!ok)
		out->reason = v->reason;
}

static void okx_event(struct feed_venue_ctx *v, const struct feed_json_val *f,
		      struct feed_venue_out *out)
{
	const struct feed_json_val *e = &f[K_EVENT];
	uint64_t code;

	if (feed_json_str_eq(e, "subscribe", 9)) {
		okx_answer(v, f, 1, out);
	} else if (feed_json_str_eq(e, "error", 5)) {
		okx_answer(v, f, 0, out);
	} else if (feed_json_str_eq(e, "notice", 6) && feed_json_u64(&f[K_CODE], &code) == 0 &&
		   code == OKX_NOTICE_UPGRADE) {
		okx_reason(v, f);
		out->cls = FEED_MSG_RECONNECT;
		out->reason = v->reason;
	} else {
		feed_venue_unknown(out, "event of no interest");
	}
}

static int okx_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			  int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val f[K__COUNT];
	const char *s = (const char *)p;
	int rc;

	if (binary) {
		feed_venue_error(v, out, UINT32_MAX, "unexpected binary frame (%zu bytes)", n);
		return 0;
	}
	if (v->cur.active) { /* the rest of a batch: the place is kept */
		size_t end;

		if (okx_items(v, s, n, v->cur.sym, v->cur.aux, recv_ns, out, &end) < 0 &&
		    out->n == 0)
			feed_venue_error(v, out, v->cur.sym, "%s: bad 'data' array",
					 v->syms[v->cur.sym].native);
		return 0;
	}
	if (n == 4 && memcmp(s, "pong", 4) == 0) {
		out->cls = FEED_MSG_HEARTBEAT;
		return 0;
	}
	rc = okx_scan(v, s, n, f, recv_ns, out);
	if (rc < 0) { /* ticks read before the break are not published */
		if (out->n > 0)
			v->syms[out->sym].ticks -= out->n; /* all of that one symbol */
		out->more = 0;
		feed_venue_error(v, out, out->n ? out->sym : UINT32_MAX, "invalid JSON (%zu bytes)",
				 n);
		return 0;
	}
	if (rc == 1)
		return 0;
	if (f[K_DATA].type != FEED_JSON_NONE && f[K_EVENT].type == FEED_JSON_NONE) {
		okx_data(v, s, n, f, recv_ns, out);
		return 0;
	}
	if (f[K_EVENT].type != FEED_JSON_NONE) {
		okx_event(v, f, out);
		return 0;
	}
	feed_venue_unknown(out, "unrecognised message");
	return 0;
}

/* REST fallback: at the end of the file. */
static int okx_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
				size_t *n);
static int okx_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
				size_t *n);
static int okx_rest_ticker(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			   struct mdbus_bbo *b, int64_t *exch_ts);
static int okx_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			   struct feed_rest_trade *t, uint32_t cap, uint32_t *nt);

/* ---- reference data (ops->ref) ------------------------------------------------ */

/*
 * GET /api/v5/public/instruments?instType=SPOT, then ?instType=SWAP: one
 * request per market type the session has (20 requests per 2 s per IP):
 * {"code":"0","msg":"","data":[{"instType":"SWAP","instId":"BTC-USDT-SWAP",
 * "tickSz":"0.1","lotSz":"0.01","ctVal":"0.01","ctValCcy":"BTC",..}]}: tick
 * = tickSz, lot = lotSz (spot: base; swaps: contracts), contract = ctVal
 * (swaps; linear swaps count it in the base currency, ctValCcy). Every field
 * is a string. Checked 2026-12-07 against
 * https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments
 */
static const uint8_t okx_ref_markets[] = {MDBUS_MARKET_SPOT, MDBUS_MARKET_PERP};

static int okx_ref_request(struct feed_venue_ctx *v, uint32_t k, char *buf, size_t len, size_t *n)
{
	int m = feed_vref_market_of(v, k, okx_ref_markets, 2);

	if (m < 0)
		return 0;
	return feed_vrest_fmt(buf, len, n, "/api/v5/public/instruments?instType=%s",
			      m == 0 ? "SPOT" : "SWAP") < 0
		       ? -ENOBUFS
		       : 1;
}

static int okx_ref_fill(struct feed_venue_ctx *v, uint32_t i, const struct feed_json_val *f,
			struct feed_ref_instr *r)
{
	if (feed_vref_dec(&f[1], 0, &r->tick, &r->tick_dp) < 0)
		return feed_vref_bad(v, "tickSz bad or missing");
	if (feed_vref_dec(&f[2], 0, &r->lot, &r->lot_dp) < 0)
		return feed_vref_bad(v, "lotSz bad or missing");
	if (v->syms[i].market != MDBUS_MARKET_SPOT &&
	    feed_vref_dec(&f[3], 0, &r->contract, &r->contract_dp) < 0)
		return feed_vref_bad(v, "ctVal bad or missing");
	return 0;
}

static int okx_ref_parse(struct feed_venue_ctx *v, uint32_t k, const uint8_t *body, size_t n,
			 struct feed_ref_instr *ref)
{
	static const struct feed_json_key top[] = {FEED_JSON_KEY("code"), FEED_JSON_KEY("data")};
	static const struct feed_json_key keys[] = {FEED_JSON_KEY("instId"),
						    FEED_JSON_KEY("tickSz"), FEED_JSON_KEY("lotSz"),
						    FEED_JSON_KEY("ctVal")};
	struct feed_json_val f[2];
	int m = feed_vref_market_of(v, k, okx_ref_markets, 2);

	if (m < 0 || feed_json_scan((const char *)body, n, top, 2, f) < 0)
		return feed_vref_bad(v, "the answer is not a JSON object");
	if (!feed_json_str_eq(&f[0], "0", 1))
		return feed_vref_bad(v, "code is not \"0\"");
	return feed_vref_each(v, &f[1], okx_ref_markets[m], keys, 4, okx_ref_fill, ref);
}

const struct feed_venue_ops feed_venue_okx = {
	.name = "okx",
	.default_url = "wss://ws.okx.com:8443/ws/v5/public",
	.default_rest_url = "https://www.okx.com",
	.channels = FEED_CH_TRADES | FEED_CH_BBO | FEED_CH_L2,
	.markets = 1u << MDBUS_MARKET_SPOT | 1u << MDBUS_MARKET_PERP,
	.limits =
		{
			.group = FEED_GROUP_ANY,
			/* 480 requests per hour per connection: few large ones;
			 * a rejection then splits at most 100 symbols. */
			.streams_per_req = 200,
			.streams_per_conn = 0, /* none documented for public channels */
			/* "3 requests per second": stay under it either way. */
			.req_interval_ms = 350,
			.req_bytes = 65536, /* the args may total 64 KB */
		},
	.qty_unit = MDBUS_QTY_CONTRACTS,
	.init = okx_init,
	.rest =
		{
			/* 20 requests / 2 s (ticker), 100 / 2 s (trades), per IP */
			.ticker_weight = 1,
			.trades_weight = 1,
			.ticker_path = okx_rest_ticker_path,
			.trades_path = okx_rest_trades_path,
			.ticker_parse = okx_rest_ticker,
			.trades_parse = okx_rest_trades,
		},
	.ref = {.request = okx_ref_request, .parse = okx_ref_parse, .weight = 1},
	.native_symbol = okx_native_symbol,
	.subscribe = okx_subscribe,
	.on_message = okx_on_message,
	.ping_text = "ping",
	.book =
		{
			/* REST snapshot (seqId), then updates chained by
			 * prevSeqId; seqId < prevSeqId is the venue's reset */
			.sync = FEED_SYNC_REST_PREV,
			.max_levels = OKX_BOOKS_MAX,
			.ck_levels = OKX_CK_LEVELS,
			.rest_weight = OKX_REST_WEIGHT,
			.rest_snapshot = okx_rest_snapshot,
			.rest_parse = okx_rest_parse,
			.checksum = okx_checksum,
		},
};

/* ---- REST fallback (ops->rest) ------------------------------------------------- */

/* Trades per poll: GET /api/v5/market/trades takes limit up to 500. */
#define OKX_REST_TRADES 100

static int okx_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
				size_t *n)
{
	if (sym >= v->nsyms)
		return -EINVAL;
	return feed_vrest_fmt(buf, len, n, "/api/v5/market/ticker?instId=%s", v->syms[sym].native);
}

static int okx_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
				size_t *n)
{
	if (sym >= v->nsyms)
		return -EINVAL;
	return feed_vrest_fmt(buf, len, n, "/api/v5/market/trades?instId=%s&limit=%u",
			      v->syms[sym].native, OKX_REST_TRADES);
}

/* {"code":"0","msg":"","data":[...]}: the data array, or -EBADMSG. */
static int okx_rest_data(struct feed_venue_ctx *v, const uint8_t *body, size_t n,
			 struct feed_json_val *data)
{
	static const struct feed_json_key k[2] = {FEED_JSON_KEY("code"), FEED_JSON_KEY("data")};
	struct feed_json_val f[2];

	if (feed_json_scan((const char *)body, n, k, 2, f) < 0)
		return feed_vrest_bad(v, "JSON");
	if (!feed_json_str_eq(&f[0], "0", 1) || f[1].type != FEED_JSON_ARRAY)
		return feed_vrest_bad(v, "code/data");
	*data = f[1];
	return 0;
}

/* data[0]: {"instId":..,"askPx":..,"askSz":..,"bidPx":..,"bidSz":..,"ts":"ms",...} */
static int okx_rest_ticker(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			   struct mdbus_bbo *b, int64_t *exch_ts)
{
	static const struct feed_json_key k[6] = {FEED_JSON_KEY("instId"), FEED_JSON_KEY("bidPx"),
						  FEED_JSON_KEY("bidSz"),  FEED_JSON_KEY("askPx"),
						  FEED_JSON_KEY("askSz"),  FEED_JSON_KEY("ts")};
	struct feed_json_val data, f[6];

	if (okx_rest_data(v, body, n, &data) < 0 || feed_vrest_first(v, &data, k, 6, f) < 0)
		return -EBADMSG;
	if (!feed_json_str_eq(&f[0], v->syms[sym].native, strlen(v->syms[sym].native)))
		return feed_vrest_bad(v, "ticker instId");
	if (feed_vrest_px(v, sym, &f[1], "bidPx", 0, &b->bid_px) < 0 ||
	    feed_vrest_qty(v, sym, &f[2], "bidSz", 0, &b->bid_qty) < 0 ||
	    feed_vrest_px(v, sym, &f[3], "askPx", 0, &b->ask_px) < 0 ||
	    feed_vrest_qty(v, sym, &f[4], "askSz", 0, &b->ask_qty) < 0 ||
	    feed_vrest_ms(v, &f[5], "ticker ts", exch_ts) < 0)
		return -EBADMSG;
	return 0;
}

/* {"instId":..,"side":"buy","sz":..,"px":..,"tradeId":"130639474","ts":"ms",..};
 * side is the taker's. */
static int okx_rest_trade(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *e,
			  struct feed_rest_trade *t)
{
	static const struct feed_json_key k[5] = {FEED_JSON_KEY("tradeId"), FEED_JSON_KEY("px"),
						  FEED_JSON_KEY("sz"), FEED_JSON_KEY("ts"),
						  FEED_JSON_KEY("side")};

	return feed_vrest_trade5(v, sym, e, k, t);
}

static int okx_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			   struct feed_rest_trade *t, uint32_t cap, uint32_t *nt)
{
	struct feed_json_val data;

	if (okx_rest_data(v, body, n, &data) < 0)
		return -EBADMSG;
	return feed_vrest_each(v, sym, &data, okx_rest_trade, t, cap, nt);
}
