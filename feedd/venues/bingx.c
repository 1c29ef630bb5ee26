/* SPDX-License-Identifier: MIT */
/*
 * bingx.c: BingX spot (wss://open-api-ws.bingx.com/market) and USDT-M
 * perpetual swap (wss://open-api-swap.bingx.com/swap-market) market streams.
 *
 * Checked against the venue's documentation on 2026-12-06:
 *   https://bingx-api.github.io/docs/#/en-us/spot/socket/market.html
 *   https://bingx-api.github.io/docs/#/en-us/swapV2/socket/market.html
 *   https://github.com/BingX-API/BingX-spot-api-doc/blob/main/WebSocket%20API.md
 *   https://github.com/BingX-API/BingX-swap-api-v2-doc/blob/main/Perpetual_Swap_WebSocket_Market_Interface.md
 * (facts and gaps in docs/venues/bingx.md).
 *
 * Encoding: every server frame is GZIP (acks and heartbeats included), so
 * the adapter sets FEED_VENUE_F_GZIP and the generic decode stage inflates
 * binary frames into the scratch; a text frame is taken as it is.
 *
 * Symbols: spot BTC-USDT and swap BTC-USDT-PERP are both "BTC-USDT" on the
 * wire; the two markets live on different hosts (market_url), so a session
 * holds one market only (check.c refuses a mix) and names never collide.
 *
 * Subscribe: one stream per request (FEED_GROUP_STREAM),
 *   {"id":"17","reqType":"sub","dataType":"BTC-USDT@trade"}  (or @bookTicker)
 * answered {"id":"17","code":0,"msg":""}; a non-zero code is the rejection
 * of that stream (spot 100xxx codes, swap 80xxx). Limits: 200 topics per
 * connection, "do not exceed 10/s" subscriptions (one per 110 ms keeps any
 * one-second window at 10).
 *
 * Keepalive (server-initiated, every ~5 s):
 *   spot: {"ping":"2177c68e...","time":"2022-06-07T16:27:36.323+0800"} is
 *         answered {"pong":"2177c68e...","time":"2022-06-07T16:27:36.323+0800"}
 *         (both values echoed exactly as sent: strings in the documents; a
 *         number, as the table has it, is echoed as a number);
 *   swap: the text "Ping" is answered "Pong".
 * We send no venue ping (WebSocket pings only). No maintenance or shutdown
 * notice is documented: nothing is classed RECONNECT.
 *
 * Data: {"code":0,"dataType":"BTC-USDT@trade","data":{...}}; `data` is one
 * object (the documented examples) or an array of them (swap trades are
 * pushed as arrays): both are taken, with out->more for long arrays.
 *   trade:  p, q (decimal strings), T (trade time, ms), s, m; spot adds
 *           e, E and t (the trade id, a string in the example: an integer
 *           string is kept as the integer, anything else hashed with
 *           MDBUS_FLAG_TID_HASH). Swap trades carry no id: trade_id 0.
 *           m = "the buyer is the market maker": true => the taker sold.
 *           The older spot example has no m: side unknown (no side bit).
 *   bookTicker: s, b, B, a, A (+ T or E in ms when present; none: exch_ts
 *           0 and MDBUS_FLAG_NO_EXCH_TS). u, if sent, is not documented as
 *           contiguous: not gap-checked.
 *   depthN: {"code":0,"dataType":"BTC-USDT@depth20","data":{"bids":[["28852.9",
 *           "34.2621"],...],"asks":[["28864.9","23.4079"],...]}}: a whole
 *           top-N book per push (a SNAPSHOT event, no ids, FEED_SYNC_WS_FULL).
 *
 * Depth checked 2026-12-07 against
 *   https://bingx-api.github.io/docs/#/en-us/spot/socket/market.html
 *   https://github.com/BingX-API/BingX-swap-api-v2-doc (older revision)
 *   https://www.skill4agent.com/en/skill/bingx-api-api-ai-skills/bingx-spot-ws-market
 * Spot `<symbol>@depth<level>`, level 5/10/20/50/100 (book_depth picks the
 * smallest that holds it), pushed every 300 ms as the limited book: each
 * push replaces the book, so a lost push loses nothing. The docs' level
 * form is ["price","qty"] (strings); the older swap example's {"p","v"}
 * (numbers) is taken too. The incremental `@incrDepth` channel is not
 * used (its sync procedure is not documented on the pages read). No REST
 * snapshot, no checksum, no ids: nothing to gap-check.
 * Spot trade ids are pushed by several threads and "cannot be guaranteed"
 * ordered: no sequence check.
 *
 * Differences from the table: the spot heartbeat carries strings
 * ({"ping":"<hex>","time":"<time with offset>"}), not numbers; swap trades
 * are an array in the issue but one object in the documented example.
 * Swap quantity unit: not stated in the documents ("the number of
 * transactions"); BingX USDT-M quantities are coin amounts, so the default
 * is base units (qty_unit = contracts + contract_size in the config
 * override it).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonscan.h"
#include "vref.h" /* ops->ref */
#include "symbol.h"
#include "venue.h"
#include "vparse.h"
#include "vrest.h"

#define BX_SWAP_URL "wss://open-api-swap.bingx.com/swap-market"

/* ---- symbols ----------------------------------------------------------------- */

/* BTC-USDT and BTC-USDT-PERP -> "BTC-USDT" (BASE-QUOTE as written). */
static int bingx_native_symbol(const char *norm, char *out, size_t len)
{
	struct feed_symbol_info info;
	size_t n;

	if (feed_symbol_parse(norm, &info) < 0 ||
	    (info.market != MDBUS_MARKET_SPOT && info.market != MDBUS_MARKET_PERP))
		return -EINVAL;
	n = info.base_len + 1 + info.quote_len;
	if (n + 1 > len)
		return -ENAMETOOLONG;
	memcpy(out, norm, n);
	out[n] = '\0';
	return 0;
}

/* ---- reference data (ops->ref) ------------------------------------------------ */

/*
 * One request per symbol on open-api.bingx.com:
 *   spot: GET /openApi/spot/v1/common/symbols?symbol=BTC-USDT ->
 *         {"code":0,"msg":"","data":{"symbols":[{"symbol":"BTC-USDT",
 *         "tickSize":0.01,"stepSize":0.000001,..}]}}: tick = tickSize, lot =
 *         stepSize (bare JSON numbers).
 *   swap: GET /openApi/swap/v2/quote/contracts?symbol=BTC-USDT&timestamp=MS ->
 *         {"code":0,"msg":"","data":[{"symbol":"BTC-USDT","pricePrecision":1,
 *         "quantityPrecision":4,..}]}: tick = 10^-pricePrecision, lot =
 *         10^-quantityPrecision (quantities in the base coin: contract 0).
 * code != 0 is an error answer. Checked 2026-12-07 against
 * https://bingx-api.github.io/docs/#/en-us/spot/market-api.html
 * and
 * https://bingx-api.github.io/docs/#/en-us/swapV2/market-api.html
 */
static int bingx_ref_request(struct feed_venue_ctx *v, uint32_t k, char *buf, size_t len, size_t *n)
{
	if (feed_vref_sym_of(v, k) < 0)
		return 0;
	if (v->syms[k].market == MDBUS_MARKET_SPOT)
		return feed_vrest_fmt(buf, len, n, "/openApi/spot/v1/common/symbols?symbol=%s",
				      v->syms[k].native) < 0
			       ? -ENOBUFS
			       : 1;
	/* the swap market's query carries the request time (ms) */
	return feed_vrest_fmt(buf, len, n,
			      "/openApi/swap/v2/quote/contracts?symbol=%s&timestamp=%lld",
			      v->syms[k].native, (long long)(feed_venue_wall_now(v) / 1000000)) < 0
		       ? -ENOBUFS
		       : 1;
}

static int bingx_ref_fill_spot(struct feed_venue_ctx *v, uint32_t i, const struct feed_json_val *f,
			       struct feed_ref_instr *r)
{
	(void)i;
	if (feed_vref_dec(&f[1], 1, &r->tick, &r->tick_dp) < 0)
		return feed_vref_bad(v, "tickSize bad or missing");
	if (feed_vref_dec(&f[2], 1, &r->lot, &r->lot_dp) < 0)
		return feed_vref_bad(v, "stepSize bad or missing");
	return 0;
}

static int bingx_ref_fill_swap(struct feed_venue_ctx *v, uint32_t i, const struct feed_json_val *f,
			       struct feed_ref_instr *r)
{
	(void)i;
	if (feed_vref_places(&f[1], &r->tick, &r->tick_dp) < 0)
		return feed_vref_bad(v, "pricePrecision bad or missing");
	if (feed_vref_places(&f[2], &r->lot, &r->lot_dp) < 0)
		return feed_vref_bad(v, "quantityPrecision bad or missing");
	return 0;
}

static int bingx_ref_parse(struct feed_venue_ctx *v, uint32_t k, const uint8_t *body, size_t n,
			   struct feed_ref_instr *ref)
{
	static const struct feed_json_key top[] = {FEED_JSON_KEY("code"), FEED_JSON_KEY("data")};
	static const struct feed_json_key dk[] = {FEED_JSON_KEY("symbols")};
	static const struct feed_json_key sk[] = {
		FEED_JSON_KEY("symbol"), FEED_JSON_KEY("tickSize"), FEED_JSON_KEY("stepSize")};
	static const struct feed_json_key wk[] = {FEED_JSON_KEY("symbol"),
						  FEED_JSON_KEY("pricePrecision"),
						  FEED_JSON_KEY("quantityPrecision")};
	struct feed_json_val f[2], list;
	int spot;

	if (k >= v->nsyms || feed_json_scan((const char *)body, n, top, 2, f) < 0)
		return feed_vref_bad(v, "the answer is not a JSON object");
	if (f[0].type != FEED_JSON_NUMBER || f[0].n != 1 || f[0].p[0] != '0')
		return feed_vref_bad(v, "code is not 0");
	spot = v->syms[k].market == MDBUS_MARKET_SPOT;
	if (!spot)
		return feed_vref_each(v, &f[1], MDBUS_MARKET_PERP, wk, 3, bingx_ref_fill_swap, ref);
	if (f[1].type != FEED_JSON_OBJECT || feed_json_scan(f[1].p, f[1].n, dk, 1, &list) < 0)
		return feed_vref_bad(v, "no 'data' object");
	return feed_vref_each(v, &list, MDBUS_MARKET_SPOT, sk, 3, bingx_ref_fill_spot, ref);
}

/* ---- subscribe ----------------------------------------------------------------- */

/* The documented depth levels (<symbol>@depth<level>): the smallest that
 * holds book_depth, else the largest. */
static unsigned bingx_depth_level(const struct feed_venue_ctx *v)
{
	static const unsigned lv[] = {5, 10, 20, 50, 100};

	for (size_t k = 0; k < sizeof(lv) / sizeof(lv[0]); k++)
		if (v->book_depth <= lv[k])
			return lv[k];
	return 100;
}

static int bingx_subscribe(struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			   uint64_t req_id, char *buf, size_t len, size_t *out_len)
{
	char chan[16];
	uint32_t sym, ch;
	int k;

	if (n != 1) /* FEED_GROUP_STREAM: subs.c hands one stream */
		return -ENOBUFS;
	feed_venue_stream(v, streams[0], &sym, &ch);
	if (ch == FEED_CH_L2)
		snprintf(chan, sizeof(chan), "depth%u", bingx_depth_level(v));
	else
		snprintf(chan, sizeof(chan), "%s", ch == FEED_CH_TRADES ? "trade" : "bookTicker");
	k = snprintf(buf, len, "{\"id\":\"%llu\",\"reqType\":\"sub\",\"dataType\":\"%s@%s\"}",
		     (unsigned long long)req_id, v->syms[sym].native, chan);
	if (k < 0 || (size_t)k >= len)
		return -ENOBUFS;
	*out_len = (size_t)k;
	return 0;
}

/* ---- messages -------------------------------------------------------------------- */

enum { M_ID, M_CODE, M_MSG, M_DTYPE, M_DATA, M_PING, M_PONG, M_TIME, M__COUNT };

static const struct feed_json_key bingx_msg_keys[M__COUNT] = {
	[M_ID] = FEED_JSON_KEY("id"),	  [M_CODE] = FEED_JSON_KEY("code"),
	[M_MSG] = FEED_JSON_KEY("msg"),	  [M_DTYPE] = FEED_JSON_KEY("dataType"),
	[M_DATA] = FEED_JSON_KEY("data"), [M_PING] = FEED_JSON_KEY("ping"),
	[M_PONG] = FEED_JSON_KEY("pong"), [M_TIME] = FEED_JSON_KEY("time"),
};

enum { I_S, I_P, I_Q, I_TT, I_E, I_T, I_M, I_B, I_BB, I_A, I_AA, I__COUNT };

static const struct feed_json_key bingx_item_keys[I__COUNT] = {
	[I_S] = FEED_JSON_KEY("s"),  [I_P] = FEED_JSON_KEY("p"),  [I_Q] = FEED_JSON_KEY("q"),
	[I_TT] = FEED_JSON_KEY("T"), [I_E] = FEED_JSON_KEY("E"),  [I_T] = FEED_JSON_KEY("t"),
	[I_M] = FEED_JSON_KEY("m"),  [I_B] = FEED_JSON_KEY("b"),  [I_BB] = FEED_JSON_KEY("B"),
	[I_A] = FEED_JSON_KEY("a"),  [I_AA] = FEED_JSON_KEY("A"),
};

/* Prices and quantities: decimal strings in every document; a bare number
 * is taken exactly too. Never negative. */
static inline int bingx_decimal(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
				const struct feed_json_val *f, const char *what, unsigned dec,
				int64_t *val)
{
	return feed_venue_decimal(v, out, i, f, what, dec, FEED_DEC_NUM, val);
}

/* The exchange time of an item: T (trade/engine time, ms), else E (event
 * time, ms), else 0 (none sent). Returns 0 or -EINVAL (bad value). */
static int bingx_time(const struct feed_json_val *f, int64_t *ns)
{
	const struct feed_json_val *t = f[I_TT].type != FEED_JSON_NONE ? &f[I_TT] : &f[I_E];
	uint64_t ms;

	*ns = 0;
	if (t->type == FEED_JSON_NONE)
		return 0;
	if ((t->type != FEED_JSON_NUMBER && t->type != FEED_JSON_STRING) ||
	    feed_json_u64(t, &ms) < 0 || feed_ts_ms(ms, ns) < 0)
		return -EINVAL;
	return 0;
}

/* The trade id t: absent (swap) 0; an integer or an integer string as is;
 * any other string hashed (*flags gets MDBUS_FLAG_TID_HASH). */
static int bingx_trade_id(const struct feed_json_val *t, uint64_t *tid, uint8_t *flags)
{
	*tid = 0;
	if (t->type == FEED_JSON_NONE)
		return 0;
	if (t->type == FEED_JSON_NUMBER)
		return feed_json_u64(t, tid) < 0 ? -EINVAL : 0;
	if (t->type != FEED_JSON_STRING || t->n == 0)
		return -EINVAL;
	if (feed_json_u64(t, tid) == 0)
		return 0;
	*tid = feed_venue_tid_hash(t->p, t->n);
	*flags |= MDBUS_FLAG_TID_HASH;
	return 0;
}

static void bingx_trade(struct feed_venue_ctx *v, const struct feed_json_val *f, uint32_t i,
			int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_venue_sym *sym = &v->syms[i];
	struct mdbus_tick *t;
	int64_t price, qty, ts;
	uint64_t tid;
	uint8_t flags = 0;
	int maker;

	if (bingx_decimal(v, out, i, &f[I_P], "trade price", sym->price_decimals, &price) < 0 ||
	    bingx_decimal(v, out, i, &f[I_Q], "trade qty", sym->qty_decimals, &qty) < 0)
		return;
	if (bingx_time(f, &ts) < 0) {
		feed_venue_error(v, out, i, "%s trade: bad trade time 'T'", sym->native);
		return;
	}
	if (bingx_trade_id(&f[I_T], &tid, &flags) < 0) {
		feed_venue_error(v, out, i, "%s trade: bad trade id 't'", sym->native);
		return;
	}
	/* m: the buyer was the maker, so the taker (aggressor) sold. No m:
	 * the side is unknown (neither bit). */
	if (f[I_M].type != FEED_JSON_NONE) {
		if (feed_json_bool(&f[I_M], &maker) < 0) {
			feed_venue_error(v, out, i, "%s trade: bad maker flag 'm'", sym->native);
			return;
		}
		flags |= maker ? MDBUS_FLAG_SELL : MDBUS_FLAG_BUY;
	}
	t = feed_venue_tick(v, out, i, MDBUS_KIND_TRADE, flags, ts, recv_ns);
	if (!t)
		return; /* cannot happen: room was checked before the item */
	t->u.trade.price = price;
	t->u.trade.qty = qty;
	t->u.trade.trade_id = tid;
}

static void bingx_book_ticker(struct feed_venue_ctx *v, const struct feed_json_val *f, uint32_t i,
			      int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_venue_sym *sym = &v->syms[i];
	int64_t bp, bq, ap, aq, ts;

	if (bingx_decimal(v, out, i, &f[I_B], "bid price", sym->price_decimals, &bp) < 0 ||
	    bingx_decimal(v, out, i, &f[I_BB], "bid qty", sym->qty_decimals, &bq) < 0 ||
	    bingx_decimal(v, out, i, &f[I_A], "ask price", sym->price_decimals, &ap) < 0 ||
	    bingx_decimal(v, out, i, &f[I_AA], "ask qty", sym->qty_decimals, &aq) < 0)
		return;
	if (bingx_time(f, &ts) < 0) {
		feed_venue_error(v, out, i, "%s bookTicker: bad time 'T'/'E'", sym->native);
		return;
	}
	(void)feed_venue_bbo(v, out, i, ts, recv_ns, (struct mdbus_bbo){bp, bq, ap, aq});
}

/* One item of data (an object) for symbol i. Returns 0 or -EINVAL (out is
 * then an ERROR). */
static int bingx_item(struct feed_venue_ctx *v, const struct feed_json_val *item, uint32_t i,
		      uint8_t kind, int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val f[I__COUNT];
	const struct feed_venue_sym *sym = &v->syms[i];

	if (item->type != FEED_JSON_OBJECT ||
	    feed_json_scan(item->p, item->n, bingx_item_keys, I__COUNT, f) < 0) {
		feed_venue_error(v, out, i, "%s: data item is not an object", sym->native);
		return -EINVAL;
	}
	/* s, when sent, must name the stream's symbol. */
	if (f[I_S].type != FEED_JSON_NONE &&
	    !feed_json_str_eq(&f[I_S], sym->native, strlen(sym->native))) {
		feed_venue_error(v, out, i, "%s: item for symbol '%.*s'", sym->native,
				 (int)(f[I_S].n > 32 ? 32 : f[I_S].n), f[I_S].p);
		return -EINVAL;
	}
	if (kind == MDBUS_KIND_TRADE)
		bingx_trade(v, f, i, recv_ns, out);
	else
		bingx_book_ticker(v, f, i, recv_ns, out);
	return out->cls == FEED_MSG_ERROR ? -EINVAL : 0;
}

/* A bad element after n good ones of this piece: the whole piece is an
 * ERROR (out->n is 0 already), so the n ticks were never published: take
 * them off the symbol's count and give the GAP flag back if the first one
 * had taken it. */
static void bingx_rollback(struct feed_venue_ctx *v, const struct feed_venue_out *out, uint32_t i,
			   uint8_t kind, uint32_t n)
{
	if (n == 0)
		return;
	v->syms[i].ticks -= n;
	if (out->ticks[0].flags & MDBUS_FLAG_GAP)
		v->syms[i].gap_pending |= kind == MDBUS_KIND_TRADE ? FEED_CH_TRADES : FEED_CH_BBO;
}

/* data as an array: one tick per element, resumable (v->cur.pos is the
 * offset in the array after the last element done, v->cur.item how many). */
static void bingx_items(struct feed_venue_ctx *v, const struct feed_json_val *data, uint32_t i,
			uint8_t kind, int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_iter it;
	struct feed_json_val e;
	uint32_t n0;
	int rc;

	if (feed_json_iter_init(&it, data->p, data->n) < 0) {
		feed_venue_error(v, out, i, "bad data array");
		return;
	}
	if (v->cur.active) {
		it.pos = v->cur.pos;
		it.count = v->cur.item;
	}
	for (;;) {
		size_t pos = it.pos;
		uint32_t count = it.count;

		rc = feed_json_iter_next(&it, NULL, &e);
		if (rc == 0)
			break;
		if (rc < 0) {
			feed_venue_error(v, out, i, "bad data array");
			return;
		}
		if (out->n >= out->cap) {
			/* Full: resume at this element on the next call. */
			v->cur.pos = pos;
			v->cur.item = count;
			out->more = 1;
			return;
		}
		n0 = out->n;
		if (bingx_item(v, &e, i, kind, recv_ns, out) < 0) {
			bingx_rollback(v, out, i, kind, n0);
			return;
		}
	}
	if (out->n == 0) {
		out->cls = FEED_MSG_DATA; /* an empty batch */
		out->sym = i;
	}
}

/* ---- depth (l2): a whole top-N book per push ------------------------------------ */

enum { D_BIDS, D_ASKS, D_T, D_E, D__COUNT };

static const struct feed_json_key bingx_depth_keys[D__COUNT] = {
	[D_BIDS] = FEED_JSON_KEY("bids"),
	[D_ASKS] = FEED_JSON_KEY("asks"),
	[D_T] = FEED_JSON_KEY("T"),
	[D_E] = FEED_JSON_KEY("E"),
};

/* Decimals as printed (digits after '.'); a bare number's text counts too. */
static uint8_t bingx_dp(const struct feed_json_val *f)
{
	const char *dot = memchr(f->p, '.', f->n);
	size_t d = dot ? f->n - (size_t)(dot + 1 - f->p) : 0;

	return (uint8_t)(d > 255 ? 255 : d);
}

/* One level: ["price","qty"] (the documented form) or {"p":..,"v":..} (the
 * older swap example). Returns 0 or -EINVAL (out is an ERROR). */
static int bingx_level(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
		       const struct feed_json_val *e, struct feed_book_lvl *l)
{
	static const struct feed_json_key pv[2] = {FEED_JSON_KEY("p"), FEED_JSON_KEY("v")};
	const struct feed_venue_sym *sym = &v->syms[i];
	struct feed_json_val f[2], k;
	struct feed_json_iter it;

	if (e->type == FEED_JSON_ARRAY) {
		if (feed_json_iter_init(&it, e->p, e->n) < 0 ||
		    feed_json_iter_next(&it, &k, &f[0]) != 1 ||
		    feed_json_iter_next(&it, &k, &f[1]) != 1)
			f[0].type = FEED_JSON_NONE;
	} else if (e->type != FEED_JSON_OBJECT || feed_json_scan(e->p, e->n, pv, 2, f) < 0) {
		f[0].type = FEED_JSON_NONE;
	}
	if (f[0].type == FEED_JSON_NONE) {
		feed_venue_error(v, out, i, "%s depth: bad level", sym->native);
		return -EINVAL;
	}
	if (bingx_decimal(v, out, i, &f[0], "depth price", sym->price_decimals, &l->px) < 0 ||
	    bingx_decimal(v, out, i, &f[1], "depth qty", sym->qty_decimals, &l->qty) < 0)
		return -EINVAL;
	l->px_dp = bingx_dp(&f[0]);
	l->qty_dp = bingx_dp(&f[1]);
	return 0;
}

/* One side into v->lv from *o on. Returns 0 or -EINVAL (out is an ERROR). */
static int bingx_side(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
		      const struct feed_json_val *a, const char *what, uint32_t *o)
{
	struct feed_json_iter it;
	struct feed_json_val k, e;
	int rc;

	if (a->type == FEED_JSON_NULL || a->type == FEED_JSON_NONE)
		return 0; /* an empty side */
	if (a->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, a->p, a->n) < 0) {
		feed_venue_error(v, out, i, "%s depth: bad '%s'", v->syms[i].native, what);
		return -EINVAL;
	}
	while ((rc = feed_json_iter_next(&it, &k, &e)) == 1) {
		if (*o >= v->lv_cap) {
			feed_venue_error(v, out, i, "%s depth: more than %u levels",
					 v->syms[i].native, v->lv_cap);
			return -EINVAL;
		}
		if (bingx_level(v, out, i, &e, &v->lv[*o]) < 0)
			return -EINVAL;
		(*o)++;
	}
	if (rc < 0) {
		feed_venue_error(v, out, i, "%s depth: bad '%s'", v->syms[i].native, what);
		return -EINVAL;
	}
	return 0;
}

/* data {"bids":[...],"asks":[...]}: the whole top-N book, a SNAPSHOT. */
static void bingx_depth(struct feed_venue_ctx *v, const struct feed_json_val *data, uint32_t i,
			int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val f[D__COUNT], t[I__COUNT];
	struct feed_book_ev *ev = &v->book;
	uint32_t o = 0, nb;
	int64_t ts;

	if (data->type != FEED_JSON_OBJECT ||
	    feed_json_scan(data->p, data->n, bingx_depth_keys, D__COUNT, f) < 0) {
		feed_venue_error(v, out, i, "%s depth: data is not an object", v->syms[i].native);
		return;
	}
	if (bingx_side(v, out, i, &f[D_BIDS], "bids", &o) < 0)
		return;
	nb = o;
	if (bingx_side(v, out, i, &f[D_ASKS], "asks", &o) < 0)
		return;
	t[I_TT] = f[D_T];
	t[I_E] = f[D_E];
	if (bingx_time(t, &ts) < 0) {
		feed_venue_error(v, out, i, "%s depth: bad time 'T'/'E'", v->syms[i].native);
		return;
	}
	*ev = (struct feed_book_ev){.sym = i,
				    .kind = FEED_BOOK_SNAPSHOT,
				    .exch_ts = ts,
				    .recv_ts = recv_ns,
				    .bids = v->lv,
				    .asks = v->lv + nb,
				    .nbids = nb,
				    .nasks = o - nb};
	v->syms[i].last_recv_ns = recv_ns;
	out->cls = FEED_MSG_BOOK;
	out->book = ev;
	out->sym = i;
}

/* "depth20" or "depth20@100ms" (the swap form) after the symbol's '@'. */
static int bingx_is_depth(const char *s, size_t n)
{
	size_t k = 5;

	if (n < 6 || memcmp(s, "depth", 5) != 0)
		return 0;
	while (k < n && s[k] >= '0' && s[k] <= '9')
		k++;
	return k > 5 && (k == n || s[k] == '@');
}

/* A push: dataType "<SYMBOL>@trade", "<SYMBOL>@bookTicker", "<SYMBOL>@depthN". */
static void bingx_push(struct feed_venue_ctx *v, const struct feed_json_val *f, int64_t recv_ns,
		       struct feed_venue_out *out)
{
	const struct feed_json_val *dt = &f[M_DTYPE];
	const char *at = dt->escaped ? NULL : memchr(dt->p, '@', dt->n);
	size_t sl, cl;
	uint32_t i, ch;
	uint8_t kind;
	int64_t code = 0;

	if (!at) {
		feed_venue_unknown(out, "dataType without '@'");
		return;
	}
	sl = (size_t)(at - dt->p);
	cl = dt->n - sl - 1;
	if (cl == 5 && memcmp(at + 1, "trade", 5) == 0) {
		ch = FEED_CH_TRADES;
		kind = MDBUS_KIND_TRADE;
	} else if (cl == 10 && memcmp(at + 1, "bookTicker", 10) == 0) {
		ch = FEED_CH_BBO;
		kind = MDBUS_KIND_BBO;
	} else if (bingx_is_depth(at + 1, cl)) {
		ch = FEED_CH_L2;
		kind = 0;
	} else {
		feed_venue_unknown(out, "dataType of a channel we do not take");
		return;
	}
	if (feed_venue_lookup_msg(v, out, dt->p, sl, &i) < 0)
		return;
	if (!(v->channels & ch)) {
		feed_venue_unknown(out, "push for a channel not subscribed");
		return;
	}
	if (f[M_CODE].type != FEED_JSON_NONE && (feed_json_i64(&f[M_CODE], &code) < 0 || code)) {
		feed_venue_error(v, out, i, "%s: push with error code %.*s", v->syms[i].native,
				 (int)(f[M_CODE].n > 20 ? 20 : f[M_CODE].n), f[M_CODE].p);
		return;
	}
	if (ch == FEED_CH_L2)
		bingx_depth(v, &f[M_DATA], i, recv_ns, out);
	else if (f[M_DATA].type == FEED_JSON_ARRAY)
		bingx_items(v, &f[M_DATA], i, kind, recv_ns, out);
	else
		(void)bingx_item(v, &f[M_DATA], i, kind, recv_ns, out);
}

/* {"id":"17","code":0,"msg":""}: our request 17 acked (code 0) or rejected. */
static void bingx_answer(struct feed_venue_ctx *v, const struct feed_json_val *f,
			 struct feed_venue_out *out)
{
	char m[FEED_VENUE_REASON_MAX - 32];
	uint64_t id;
	int64_t code;

	if (feed_json_u64(&f[M_ID], &id) < 0) {
		feed_venue_unknown(out, "answer to an id we never send");
		return;
	}
	if (f[M_CODE].type == FEED_JSON_NONE || feed_json_i64(&f[M_CODE], &code) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "answer to request %llu without a code",
				 (unsigned long long)id);
		return;
	}
	if (feed_venue_req_done(v, id, code == 0, out) < 0) {
		feed_venue_unknown(out, "answer to an unknown request id");
		out->req_id = id;
		return;
	}
	if (code == 0)
		return;
	/* REJECT: keep the venue's words for the log. */
	if (f[M_MSG].type != FEED_JSON_STRING || feed_json_unescape(&f[M_MSG], m, sizeof(m)) < 0)
		strcpy(m, "(no message)");
	snprintf(v->reason, sizeof(v->reason), "code %lld: %s", (long long)code, m);
	out->reason = v->reason;
}

/* Spot heartbeat: echo ping's value (and time's) exactly, as pong. */
static void bingx_ping(struct feed_venue_ctx *v, const struct feed_json_val *f,
		       struct feed_venue_out *out)
{
	const struct feed_json_val *id = &f[M_PING], *tm = &f[M_TIME];
	int qi = id->type == FEED_JSON_STRING, qt = tm->type == FEED_JSON_STRING, k;

	if (!qi && id->type != FEED_JSON_NUMBER) {
		feed_venue_error(v, out, UINT32_MAX, "ping without a string or number id");
		return;
	}
	if (tm->type == FEED_JSON_NONE)
		k = snprintf(v->reply, sizeof(v->reply), "{\"pong\":%s%.*s%s}", qi ? "\"" : "",
			     (int)id->n, id->p, qi ? "\"" : "");
	else if (qt || tm->type == FEED_JSON_NUMBER)
		k = snprintf(v->reply, sizeof(v->reply), "{\"pong\":%s%.*s%s,\"time\":%s%.*s%s}",
			     qi ? "\"" : "", (int)id->n, id->p, qi ? "\"" : "", qt ? "\"" : "",
			     (int)tm->n, tm->p, qt ? "\"" : "");
	else
		k = -1;
	if (k < 0 || (size_t)k >= sizeof(v->reply)) {
		feed_venue_error(v, out, UINT32_MAX, "ping too long or with a bad time");
		return;
	}
	out->cls = FEED_MSG_REPLY;
	out->reply = v->reply;
	out->reply_len = (size_t)k;
}

/* The swap heartbeat is the bare text Ping (answered Pong). */
static int bingx_plain(struct feed_venue_ctx *v, const char *s, size_t n,
		       struct feed_venue_out *out)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n == 4 && memcmp(s, "Ping", 4) == 0) {
		memcpy(v->reply, "Pong", 5);
		out->cls = FEED_MSG_REPLY;
		out->reply = v->reply;
		out->reply_len = 4;
		return 1;
	}
	if (n == 4 && memcmp(s, "Pong", 4) == 0) {
		out->cls = FEED_MSG_HEARTBEAT;
		return 1;
	}
	return 0;
}

static int bingx_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			    int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val f[M__COUNT];
	const char *s = (const char *)p;
	int64_t code;

	if (binary) { /* the decode stage turned every gzip frame into text */
		feed_venue_error(v, out, UINT32_MAX, "unexpected binary frame (%zu bytes)", n);
		return 0;
	}
	if (n && s[0] != '{' && bingx_plain(v, s, n, out))
		return 0;
	if (feed_json_scan(s, n, bingx_msg_keys, M__COUNT, f) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "invalid JSON (%zu bytes)", n);
		return 0;
	}
	if (f[M_DTYPE].type == FEED_JSON_STRING && f[M_DTYPE].n > 0 &&
	    (f[M_DATA].type == FEED_JSON_OBJECT || f[M_DATA].type == FEED_JSON_ARRAY)) {
		bingx_push(v, f, recv_ns, out);
	} else if (f[M_PING].type != FEED_JSON_NONE) {
		bingx_ping(v, f, out);
	} else if (f[M_PONG].type != FEED_JSON_NONE) {
		out->cls = FEED_MSG_HEARTBEAT;
	} else if (f[M_ID].type == FEED_JSON_STRING || f[M_ID].type == FEED_JSON_NUMBER) {
		bingx_answer(v, f, out);
	} else if (f[M_CODE].type != FEED_JSON_NONE &&
		   (feed_json_i64(&f[M_CODE], &code) < 0 || code != 0)) {
		feed_venue_error(v, out, UINT32_MAX, "venue error code %.*s without a request id",
				 (int)(f[M_CODE].n > 20 ? 20 : f[M_CODE].n), f[M_CODE].p);
	} else {
		feed_venue_unknown(out, "unrecognised message");
	}
	return 0;
}

/* REST fallback: at the end of the file. */
static int bingx_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				  size_t len, size_t *n);
static int bingx_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				  size_t len, size_t *n);
static int bingx_rest_ticker(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			     struct mdbus_bbo *b, int64_t *exch_ts);
static int bingx_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			     struct feed_rest_trade *t, uint32_t cap, uint32_t *nt);

const struct feed_venue_ops feed_venue_bingx = {
	.name = "bingx",
	.default_url = "wss://open-api-ws.bingx.com/market",
	.default_rest_url = "https://open-api.bingx.com",
	.market_url = {[MDBUS_MARKET_PERP] = BX_SWAP_URL},
	.channels = FEED_CH_TRADES | FEED_CH_BBO | FEED_CH_L2,
	.markets = (1u << MDBUS_MARKET_SPOT) | (1u << MDBUS_MARKET_PERP),
	/* <symbol>@depth<5|10|20|50|100>: every push is the whole top N. */
	.book = {.sync = FEED_SYNC_WS_FULL, .max_levels = 100},
	.limits =
		{
			.group = FEED_GROUP_STREAM,
			.streams_per_req = 1,
			.streams_per_conn = 200, /* spot 100416, swap 80403 past it */
			.req_interval_ms = 110,	 /* "do not exceed 10/s" */
		},
	.qty_unit = MDBUS_QTY_BASE,
	.rest =
		{
			/* spot public market data: per-IP request counts, no weights */
			.ticker_weight = 1,
			.trades_weight = 1,
			.ticker_path = bingx_rest_ticker_path,
			.trades_path = bingx_rest_trades_path,
			.ticker_parse = bingx_rest_ticker,
			.trades_parse = bingx_rest_trades,
		},
	.flags = FEED_VENUE_F_GZIP,
	.scratch_size = (size_t)256 * 1024, /* inflated frame; larger: a counted error */
	.ref = {.request = bingx_ref_request, .parse = bingx_ref_parse, .weight = 1},
	.native_symbol = bingx_native_symbol,
	.subscribe = bingx_subscribe,
	.on_message = bingx_on_message,
};

/* ---- REST fallback (ops->rest) ------------------------------------------------- */

/*
 * Spot only, checked 2026-12-07 against
 *   https://skills.sh/bingx-api/api-ai-skills/bingx-spot-market (the venue's
 *     endpoint list: /openApi/spot/v1/ticker/bookTicker and
 *     /openApi/spot/v1/market/trades, public, no signature)
 *   https://github.com/BingX-API/BingX-spot-api-doc/blob/main/REST%20API.md
 *     ("Query transaction records": limit default 100, at most 100;
 *     {"code":0,"data":[{"id":43148253,"price":25714.71,"qty":1.674571,
 *     "time":1655085975589,"buyerMaker":false}]}: price and qty numbers)
 *   bookTicker: {"code":0,"timestamp":ms,"data":[{"eventType":"bookTicker",
 *     "time":ms,"symbol":"BTC-USDT","bidPrice":"..","bidVolume":"..",
 *     "askPrice":"..","askVolume":".."}]}; data as one object is taken too
 * Decimals are taken as strings or bare numbers (their text, exactly); a
 * non-zero code is a bad answer. The swap market's REST needs a signed
 * timestamp on every call: swap symbols are not polled (fb_paths_ok).
 */

/* Trades per poll: the documented maximum. */
#define BINGX_REST_TRADES 100

static int bingx_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				  size_t len, size_t *n)
{
	if (sym >= v->nsyms || v->syms[sym].market != MDBUS_MARKET_SPOT)
		return -EINVAL;
	return feed_vrest_fmt(buf, len, n, "/openApi/spot/v1/ticker/bookTicker?symbol=%s",
			      v->syms[sym].native);
}

static int bingx_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				  size_t len, size_t *n)
{
	if (sym >= v->nsyms || v->syms[sym].market != MDBUS_MARKET_SPOT)
		return -EINVAL;
	return feed_vrest_fmt(buf, len, n, "/openApi/spot/v1/market/trades?symbol=%s&limit=%u",
			      v->syms[sym].native, BINGX_REST_TRADES);
}

/* {"code":0,..,"data":X}: X, after the code says 0. */
static int bingx_rest_data(struct feed_venue_ctx *v, const uint8_t *body, size_t n,
			   struct feed_json_val *data)
{
	static const struct feed_json_key k[2] = {FEED_JSON_KEY("code"), FEED_JSON_KEY("data")};
	struct feed_json_val f[2];
	int64_t code;

	memset(data, 0, sizeof(*data)); /* defined on every error path too */
	if (feed_json_scan((const char *)body, n, k, 2, f) < 0)
		return feed_vrest_bad(v, "JSON");
	if (f[0].type != FEED_JSON_NUMBER || feed_json_i64(&f[0], &code) < 0 || code != 0)
		return feed_vrest_bad(v, "code");
	*data = f[1];
	return 0;
}

static int bingx_rest_ticker(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			     struct mdbus_bbo *b, int64_t *exch_ts)
{
	static const struct feed_json_key k[6] = {
		FEED_JSON_KEY("symbol"),   FEED_JSON_KEY("bidPrice"),  FEED_JSON_KEY("bidVolume"),
		FEED_JSON_KEY("askPrice"), FEED_JSON_KEY("askVolume"), FEED_JSON_KEY("time")};
	struct feed_json_val data, f[6];

	*exch_ts = 0;
	if (bingx_rest_data(v, body, n, &data) < 0)
		return -EBADMSG;
	if (data.type == FEED_JSON_OBJECT) {
		if (feed_json_scan(data.p, data.n, k, 6, f) < 0)
			return feed_vrest_bad(v, "bookTicker");
	} else if (feed_vrest_first(v, &data, k, 6, f) < 0) {
		return -EBADMSG;
	}
	if (!feed_json_str_eq(&f[0], v->syms[sym].native, strlen(v->syms[sym].native)))
		return feed_vrest_bad(v, "bookTicker symbol");
	if (feed_vrest_px(v, sym, &f[1], "bidPrice", FEED_DEC_NUM, &b->bid_px) < 0 ||
	    feed_vrest_qty(v, sym, &f[2], "bidVolume", FEED_DEC_NUM, &b->bid_qty) < 0 ||
	    feed_vrest_px(v, sym, &f[3], "askPrice", FEED_DEC_NUM, &b->ask_px) < 0 ||
	    feed_vrest_qty(v, sym, &f[4], "askVolume", FEED_DEC_NUM, &b->ask_qty) < 0)
		return -EBADMSG;
	if (f[5].type != FEED_JSON_NONE && feed_vrest_ms(v, &f[5], "bookTicker time", exch_ts) < 0)
		return -EBADMSG;
	return 0;
}

/* {"id":N,"price":P,"qty":Q,"time":ms,"buyerMaker":bool}: the buyer was
 * the maker, so the aggressor sold. */
static int bingx_rest_trade(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *e,
			    struct feed_rest_trade *t)
{
	static const struct feed_json_key k[5] = {FEED_JSON_KEY("id"), FEED_JSON_KEY("price"),
						  FEED_JSON_KEY("qty"), FEED_JSON_KEY("time"),
						  FEED_JSON_KEY("buyerMaker")};
	struct feed_json_val f[5];
	int maker;

	if (e->type != FEED_JSON_OBJECT || feed_json_scan(e->p, e->n, k, 5, f) < 0)
		return feed_vrest_bad(v, "trade");
	if (feed_vrest_id(v, &f[0], &t->id, &t->flags) < 0 ||
	    feed_vrest_px(v, sym, &f[1], "trade price", FEED_DEC_NUM, &t->px) < 0 ||
	    feed_vrest_qty(v, sym, &f[2], "trade qty", FEED_DEC_NUM, &t->qty) < 0 ||
	    feed_vrest_ms(v, &f[3], "trade time", &t->ts) < 0)
		return -EBADMSG;
	if (feed_json_bool(&f[4], &maker) < 0)
		return feed_vrest_bad(v, "buyerMaker");
	t->flags |= maker ? MDBUS_FLAG_SELL : MDBUS_FLAG_BUY;
	return 0;
}

static int bingx_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			     struct feed_rest_trade *t, uint32_t cap, uint32_t *nt)
{
	struct feed_json_val data;

	if (bingx_rest_data(v, body, n, &data) < 0)
		return -EBADMSG;
	return feed_vrest_each(v, sym, &data, bingx_rest_trade, t, cap, nt);
}
