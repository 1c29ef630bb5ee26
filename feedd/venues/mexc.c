/* SPDX-License-Identifier: MIT */
/*
 * mexc.c: MEXC spot v3 market streams (wss://wbs-api.mexc.com/ws), whose
 * pushes are protobuf.
 *
 * Checked against the venue's documentation on 2026-12-06:
 *   https://www.mexc.com/api-docs/spot-v3/websocket-market-streams
 *   https://mexcdevelop.github.io/apidocs/spot_v3_en/#websocket-market-streams
 *   https://github.com/mexcdevelop/websocket-proto (the .proto files)
 * (facts and gaps in docs/venues/mexc.md; the schema feedd compiles is
 * mexc.proto next to this file).
 *
 * Frames: data pushes are protobuf (PushDataV3ApiWrapper) in binary
 * frames; acks and PONG are JSON text. The decode stage (ops->decode)
 * unpacks a binary frame with protobuf-c into an arena over the ctx's
 * scratch (feed_venue_pb_unpack: no malloc) and hands on_message the
 * unpacked wrapper; a text frame goes through as it is.
 *
 * Symbols: spot only, BTC-USDT -> "BTCUSDT" (uppercase, no separator).
 *
 * Subscribe (one channel per request, as the documented example; 30
 * streams per connection; 10 requests per second):
 *   {"method":"SUBSCRIPTION","params":["spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT"],"id":7}
 * The documented request has no "id"; the answer carries one ("an
 * unsigned integer ... the unique identifier"), 0 in every example, so
 * answers are matched per stream by their msg, which echoes the channel:
 *   {"id":0,"code":0,"msg":"spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT"}
 * A msg naming several channels (comma-separated) answers each; an answer
 * naming none of ours goes by its id when it echoes ours, else (naming no
 * channel at all) to the oldest open request. The reject form is not
 * documented; MEXC answers a refused channel with code 0 and
 *   "msg":"Not Subscribed successfully! [<channel>,...].  Reason： Blocked! "
 * which rejects the channels in the brackets; a non-zero code is a
 * refusal too.
 *
 * Keepalive: the venue drops a connection 30 s without a subscription and
 * 1 min without data; the client sends {"method":"PING"} (ops->ping), the
 * answer {"id":0,"code":0,"msg":"PONG"} is a HEARTBEAT. Connections live
 * at most 24 h (the session's reconnect handles the close). No server ping
 * or maintenance notice is documented: nothing is classed REPLY/RECONNECT.
 *
 * Data (PushDataV3ApiWrapper: channel 1, symbol 3, createTime 5, sendTime 6):
 *   publicAggreDeals (314): deals[] of price, quantity (decimal strings),
 *     tradeType (1 buy, 2 sell), time (ms), tradeId (string, in the
 *     published schema but not on the docs page). tradeType is the side of
 *     the aggressor (the taker): the docs say only "1: Buy, 2: Sell", as
 *     MEXC's REST trades do for the taker. Many deals per push: out->more.
 *     tradeId: an integer string is kept, another string hashed
 *     (MDBUS_FLAG_TID_HASH), none (the documented form) 0.
 *   publicAggreBookTicker (315): bidPrice, bidQuantity, askPrice,
 *     askQuantity (strings); no time of its own: exch_ts is the wrapper's
 *     sendTime (else createTime, else none: MDBUS_FLAG_NO_EXCH_TS).
 *   publicAggreDepths (313), l2: asks[], bids[] of price, quantity (decimal
 *     strings; quantity absolute, "0" removes the level), eventType,
 *     fromVersion, toVersion (decimal strings). One DELTA event per push:
 *     first_id = fromVersion, last_id = toVersion, exch_ts = sendTime.
 *
 * Depth checked 2026-12-07 against
 *   https://www.mexc.com/api-docs/spot-v3/websocket-market-streams/how-to-properly-maintain-a-local-copy-of-the-order-book
 *   https://www.mexc.in/api-docs/spot-v3/websocket-market-streams/diffdepth-stream
 *   https://github.com/mexcdevelop/websocket-proto (PublicAggreDepthsV3Api.proto)
 * Stream spot@public.aggre.depth.v3.api.pb@100ms@SYMBOL (10ms also exists);
 * sync FEED_SYNC_REST_UU: cache pushes, GET /api/v3/depth?symbol=S&limit=5000
 * (lastUpdateId), refetch while lastUpdateId < the first push's fromVersion,
 * drop toVersion <= lastUpdateId, the first applied has fromVersion <=
 * lastUpdateId + 1, then fromVersion == previous toVersion + 1, else
 * reinitialise from the snapshot. No checksum. REST weight: 1 (not found on
 * the pages read; the spot REST limit is per-IP weight).
 * No sequence number is documented (the schema's deal `version` shares
 * its field number with `isRpi`: not read), so no gap check beyond
 * reconnects.
 *
 * Differences from the issue's table: the docs do not say the pushes come
 * in binary frames (only "protobuf format"); a text frame is parsed as
 * JSON and a binary one as protobuf, whichever way the venue sends them.
 * The docs' request has no "id" (we send one; answers are matched by msg).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonscan.h"
#include "binance.h"
#include "mexc.pb-c.h"
#include "vref.h" /* ops->ref */
#include "venue.h"
#include "vparse.h"
#include "vrest.h"

#define MX_DEALS "spot@public.aggre.deals.v3.api.pb@"
#define MX_BOOK	 "spot@public.aggre.bookTicker.v3.api.pb@"
#define MX_DEPTH "spot@public.aggre.depth.v3.api.pb@"
#define MX_RATE	 "100ms"
#define MX_MAGIC 0x6d657863u /* "mexc": marks the decode stage's output */

/* What the decode stage hands on_message for a binary frame (in ctx->priv). */
struct mexc_push {
	uint32_t magic;
	const Mexc__PushDataV3ApiWrapper *w;
};

/* ---- symbols ----------------------------------------------------------------- */

/* ---- subscribe ----------------------------------------------------------------- */

static int mexc_subscribe(struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			  uint64_t req_id, char *buf, size_t len, size_t *out_len)
{
	size_t o;
	uint32_t sym, ch;
	int k;

	k = snprintf(buf, len, "{\"method\":\"SUBSCRIPTION\",\"params\":[");
	if (k < 0 || (size_t)k >= len)
		return -ENOBUFS;
	o = (size_t)k;
	for (uint32_t j = 0; j < n; j++) {
		feed_venue_stream(v, streams[j], &sym, &ch);
		k = snprintf(buf + o, len - o, "%s\"%s" MX_RATE "@%s\"", j ? "," : "",
			     ch == FEED_CH_TRADES ? MX_DEALS
			     : ch == FEED_CH_BBO  ? MX_BOOK
						  : MX_DEPTH,
			     v->syms[sym].native);
		if (k < 0 || (size_t)k >= len - o)
			return -ENOBUFS;
		o += (size_t)k;
	}
	k = snprintf(buf + o, len - o, "],\"id\":%llu}", (unsigned long long)req_id);
	if (k < 0 || (size_t)k >= len - o)
		return -ENOBUFS;
	*out_len = o + (size_t)k;
	return 0;
}

/* {"method":"PING"}: the venue wants client pings. */
/* ---- decode stage ------------------------------------------------------------------ */

static int mexc_decode(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
		       const uint8_t **out, size_t *out_n)
{
	struct mexc_push *push = v->priv;
	ProtobufCMessage *m;
	int rc;

	if (!binary) { /* JSON text: as it came */
		*out = p;
		*out_n = n;
		return 0;
	}
	push->magic = 0;
	rc = feed_venue_pb_unpack(v, &mexc__push_data_v3_api_wrapper__descriptor, p, n, &m);
	if (rc < 0)
		return rc;
	push->magic = MX_MAGIC;
	push->w = (const Mexc__PushDataV3ApiWrapper *)m;
	*out = (const uint8_t *)push;
	*out_n = sizeof(*push);
	return 0;
}

/* ---- channel names ---------------------------------------------------------------- */

/* "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT" -> FEED_CH_TRADES and
 * the symbol's bytes (any interval). Returns 0 or -EINVAL. */
static int mexc_channel(const char *s, size_t n, uint32_t *ch, const char **sym, size_t *sl)
{
	const char *at;
	size_t pl;

	while (n && (*s == ' ' || *s == '"')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '"'))
		n--;
	if (n > sizeof(MX_DEALS) - 1 && memcmp(s, MX_DEALS, sizeof(MX_DEALS) - 1) == 0) {
		*ch = FEED_CH_TRADES;
		pl = sizeof(MX_DEALS) - 1;
	} else if (n > sizeof(MX_BOOK) - 1 && memcmp(s, MX_BOOK, sizeof(MX_BOOK) - 1) == 0) {
		*ch = FEED_CH_BBO;
		pl = sizeof(MX_BOOK) - 1;
	} else if (n > sizeof(MX_DEPTH) - 1 && memcmp(s, MX_DEPTH, sizeof(MX_DEPTH) - 1) == 0) {
		*ch = FEED_CH_L2;
		pl = sizeof(MX_DEPTH) - 1;
	} else {
		return -EINVAL;
	}
	at = memchr(s + pl, '@', n - pl);
	if (!at || at + 1 >= s + n)
		return -EINVAL;
	*sym = at + 1;
	*sl = (size_t)(s + n - *sym);
	return 0;
}

/* ---- data (protobuf) -------------------------------------------------------------- */

static inline struct feed_json_val mexc_str(const char *s)
{
	struct feed_json_val f = {.p = s ? s : "", .n = s ? strlen(s) : 0};

	f.type = FEED_JSON_STRING;
	return f;
}

/* A decimal string field: exact, never negative. */
static inline int mexc_decimal(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			       const char *s, const char *what, unsigned dec, int64_t *val)
{
	struct feed_json_val f = mexc_str(s);

	return feed_venue_decimal(v, out, i, &f, what, dec, 0, val);
}

/* The push's own time: sendTime, else createTime, else 0 (none). */
static int mexc_push_time(const Mexc__PushDataV3ApiWrapper *w, int64_t *ns)
{
	int64_t ms = w->sendtime ? w->sendtime : w->createtime;

	*ns = 0;
	if (ms == 0)
		return 0;
	return ms < 0 || feed_ts_ms((uint64_t)ms, ns) < 0 ? -EINVAL : 0;
}

/* tradeId: absent 0; an integer string as is; another string hashed. */
static uint64_t mexc_trade_id(const char *s, uint8_t *flags)
{
	struct feed_json_val f = mexc_str(s);
	uint64_t tid;

	if (f.n == 0)
		return 0;
	if (feed_json_u64(&f, &tid) == 0)
		return tid;
	*flags |= MDBUS_FLAG_TID_HASH;
	return feed_venue_tid_hash(f.p, f.n);
}

static int mexc_deal(struct feed_venue_ctx *v, const Mexc__PublicAggreDealsV3ApiItem *d, uint32_t i,
		     int64_t push_ns, int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_venue_sym *sym = &v->syms[i];
	struct mdbus_tick *t;
	int64_t price, qty, ts = push_ns;
	uint64_t tid;
	uint8_t flags = 0;

	if (!d) {
		feed_venue_error(v, out, i, "%s deal: missing", sym->native);
		return -EINVAL;
	}
	if (mexc_decimal(v, out, i, d->price, "deal price", sym->price_decimals, &price) < 0 ||
	    mexc_decimal(v, out, i, d->quantity, "deal quantity", sym->qty_decimals, &qty) < 0)
		return -EINVAL;
	/* tradeType: the taker's side. 0 (not sent): unknown, no side bit. */
	if (d->tradetype == 1) {
		flags = MDBUS_FLAG_BUY;
	} else if (d->tradetype == 2) {
		flags = MDBUS_FLAG_SELL;
	} else if (d->tradetype != 0) {
		feed_venue_error(v, out, i, "%s deal: bad tradeType %d", sym->native,
				 (int)d->tradetype);
		return -EINVAL;
	}
	if (d->time < 0 || (d->time > 0 && feed_ts_ms((uint64_t)d->time, &ts) < 0)) {
		feed_venue_error(v, out, i, "%s deal: bad time %lld", sym->native,
				 (long long)d->time);
		return -EINVAL;
	}
	tid = mexc_trade_id(d->tradeid, &flags);
	t = feed_venue_tick(v, out, i, MDBUS_KIND_TRADE, flags, ts, recv_ns);
	if (!t)
		return -ENOBUFS; /* cannot happen: room was checked before the deal */
	t->u.trade.price = price;
	t->u.trade.qty = qty;
	t->u.trade.trade_id = tid;
	return 0;
}

/* A bad deal after n good ones of this piece: the piece is an ERROR (out->n
 * is 0), so the n ticks were never published: take them off the symbol's
 * count and give the GAP flag back if the first had taken it. */
static void mexc_rollback(struct feed_venue_ctx *v, const struct feed_venue_out *out, uint32_t i,
			  uint32_t n)
{
	if (n && (out->ticks[0].flags & MDBUS_FLAG_GAP))
		v->syms[i].gap_pending |= FEED_CH_TRADES;
	v->syms[i].ticks -= n;
}

/* deals[], resumable: v->cur.item is the next deal when continuing. */
static void mexc_deals(struct feed_venue_ctx *v, const Mexc__PushDataV3ApiWrapper *w, uint32_t i,
		       int64_t recv_ns, struct feed_venue_out *out)
{
	const Mexc__PublicAggreDealsV3Api *b = w->publicaggredeals;
	uint32_t k = v->cur.active ? v->cur.item : 0, n0;
	int64_t push_ns;

	if (mexc_push_time(w, &push_ns) < 0) {
		feed_venue_error(v, out, i, "%s: bad sendTime", v->syms[i].native);
		return;
	}
	for (; b && k < b->n_deals; k++) {
		if (out->n >= out->cap) { /* full: resume at deal k */
			v->cur.item = k;
			out->more = 1;
			return;
		}
		n0 = out->n;
		if (mexc_deal(v, b->deals[k], i, push_ns, recv_ns, out) < 0) {
			mexc_rollback(v, out, i, n0);
			out->more = 0;
			return;
		}
	}
	if (out->n == 0) { /* an empty batch */
		out->cls = FEED_MSG_DATA;
		out->sym = i;
	}
}

static void mexc_book(struct feed_venue_ctx *v, const Mexc__PushDataV3ApiWrapper *w, uint32_t i,
		      int64_t recv_ns, struct feed_venue_out *out)
{
	const Mexc__PublicAggreBookTickerV3Api *b = w->publicaggrebookticker;
	struct feed_venue_sym *sym = &v->syms[i];
	int64_t bp, bq, ap, aq, ts;

	if (!b) {
		feed_venue_error(v, out, i, "%s bookTicker: no body", sym->native);
		return;
	}
	if (mexc_decimal(v, out, i, b->bidprice, "bid price", sym->price_decimals, &bp) < 0 ||
	    mexc_decimal(v, out, i, b->bidquantity, "bid qty", sym->qty_decimals, &bq) < 0 ||
	    mexc_decimal(v, out, i, b->askprice, "ask price", sym->price_decimals, &ap) < 0 ||
	    mexc_decimal(v, out, i, b->askquantity, "ask qty", sym->qty_decimals, &aq) < 0)
		return;
	if (mexc_push_time(w, &ts) < 0) {
		feed_venue_error(v, out, i, "%s bookTicker: bad sendTime", sym->native);
		return;
	}
	(void)feed_venue_bbo(v, out, i, ts, recv_ns, (struct mdbus_bbo){bp, bq, ap, aq});
}

/* ---- depth (l2) -------------------------------------------------------------------- */

/* Decimals as printed: the digits after the '.' of a decimal string. */
static uint8_t mexc_dp(const char *s, size_t n)
{
	const char *dot = memchr(s, '.', n);

	return dot ? (uint8_t)(n - (size_t)(dot + 1 - s) > 255 ? 255 : n - (size_t)(dot + 1 - s))
		   : 0;
}

/* One level (price, quantity: decimal strings) into *l; 0 or an ERROR. */
static int mexc_level(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
		      const struct feed_json_val *p, const struct feed_json_val *q,
		      struct feed_book_lvl *l)
{
	const struct feed_venue_sym *sym = &v->syms[i];

	if (feed_venue_decimal(v, out, i, p, "depth price", sym->price_decimals, 0, &l->px) < 0 ||
	    feed_venue_decimal(v, out, i, q, "depth quantity", sym->qty_decimals, 0, &l->qty) < 0)
		return -EINVAL;
	if (l->px <= 0) { /* a book level has a price (found by fuzz_rest_parse) */
		feed_venue_error(v, out, i, "%s depth: price not positive", sym->native);
		return -EINVAL;
	}
	l->px_dp = mexc_dp(p->p, p->n);
	l->qty_dp = mexc_dp(q->p, q->n);
	return 0;
}

/* A version: a decimal string (the docs' "fromVersion" : "10023"). */
static int mexc_version(const char *s, uint64_t *ver)
{
	struct feed_json_val f = mexc_str(s);

	return f.n && feed_json_u64(&f, ver) == 0 && *ver != 0 ? 0 : -EINVAL;
}

/* publicAggreDepths: one DELTA event [fromVersion, toVersion]. */
static void mexc_depth(struct feed_venue_ctx *v, const Mexc__PushDataV3ApiWrapper *w, uint32_t i,
		       int64_t recv_ns, struct feed_venue_out *out)
{
	const Mexc__PublicAggreDepthsV3Api *d = w->publicaggredepths;
	struct feed_book_ev *ev = &v->book;
	uint64_t from, to;
	size_t k, nb, na;

	if (!d) {
		feed_venue_error(v, out, i, "%s depth: no body", v->syms[i].native);
		return;
	}
	if (mexc_version(d->fromversion, &from) < 0 || mexc_version(d->toversion, &to) < 0 ||
	    to < from) {
		feed_venue_error(v, out, i, "%s depth: missing or bad fromVersion/toVersion",
				 v->syms[i].native);
		return;
	}
	nb = d->n_bids;
	na = d->n_asks;
	if (nb + na > v->lv_cap) {
		feed_venue_error(v, out, i, "%s depth: %zu levels, more than %u", v->syms[i].native,
				 nb + na, v->lv_cap);
		return;
	}
	for (k = 0; k < nb + na; k++) {
		const Mexc__PublicAggreDepthV3ApiItem *it = k < nb ? d->bids[k] : d->asks[k - nb];
		struct feed_json_val px, qty;

		if (!it) {
			feed_venue_error(v, out, i, "%s depth: empty level", v->syms[i].native);
			return;
		}
		px = mexc_str(it->price);
		qty = mexc_str(it->quantity);
		if (mexc_level(v, out, i, &px, &qty, &v->lv[k]) < 0)
			return;
	}
	*ev = (struct feed_book_ev){.sym = i,
				    .kind = FEED_BOOK_DELTA,
				    .first_id = from,
				    .last_id = to,
				    .recv_ts = recv_ns,
				    .bids = v->lv,
				    .asks = v->lv + nb,
				    .nbids = (uint32_t)nb,
				    .nasks = (uint32_t)na};
	if (mexc_push_time(w, &ev->exch_ts) < 0) {
		feed_venue_error(v, out, i, "%s depth: bad sendTime", v->syms[i].native);
		return;
	}
	v->syms[i].last_recv_ns = recv_ns;
	out->cls = FEED_MSG_BOOK;
	out->book = ev;
	out->sym = i;
}

/* The push's symbol: its symbol field, else the channel's last part. */
static int mexc_push_sym(struct feed_venue_ctx *v, const Mexc__PushDataV3ApiWrapper *w, uint32_t *i,
			 struct feed_venue_out *out)
{
	const char *s = w->symbol && w->symbol[0] ? w->symbol : NULL;
	size_t sl = s ? strlen(s) : 0;
	uint32_t ch;

	if (!s && (!w->channel || mexc_channel(w->channel, strlen(w->channel), &ch, &s, &sl) < 0)) {
		feed_venue_error(v, out, UINT32_MAX, "push without a symbol");
		return -EINVAL;
	}
	return feed_venue_lookup_msg(v, out, s, sl, i);
}

static void mexc_push(struct feed_venue_ctx *v, const Mexc__PushDataV3ApiWrapper *w,
		      int64_t recv_ns, struct feed_venue_out *out)
{
	uint32_t i, ch;

	switch (w->body_case) {
	case MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_DEALS:
		ch = FEED_CH_TRADES;
		break;
	case MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_BOOK_TICKER:
		ch = FEED_CH_BBO;
		break;
	case MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_DEPTHS:
		ch = FEED_CH_L2;
		break;
	default:
		feed_venue_unknown(out, "push of a body we do not take");
		return;
	}
	if (!(v->channels & ch)) {
		feed_venue_unknown(out, "push for a channel not subscribed");
		return;
	}
	if (mexc_push_sym(v, w, &i, out) < 0)
		return;
	if (ch == FEED_CH_TRADES)
		mexc_deals(v, w, i, recv_ns, out);
	else if (ch == FEED_CH_BBO)
		mexc_book(v, w, i, recv_ns, out);
	else
		mexc_depth(v, w, i, recv_ns, out);
}

/* ---- reference data (ops->ref) ------------------------------------------------ */

/*
 * GET /api/v3/exchangeInfo?symbols=BTCUSDT,ETHUSDT (FEED_VREF_LIST_MAX
 * symbols per request; weight 10): {"timezone":"CST","serverTime":..,
 * "symbols":[{"symbol":"BTCUSDT","quotePrecision":2,"baseAssetPrecision":
 * 8,"baseSizePrecision":"0.000001",..}]}: tick = 10^-quotePrecision, lot =
 * baseSizePrecision (a step as a string; baseAssetPrecision places when it
 * is absent or "0"). Checked 2026-12-07 against
 * https://www.mexc.com/api-docs/spot-v3/market-data-endpoints#exchange-information
 */
static int mexc_ref_request(struct feed_venue_ctx *v, uint32_t k, char *buf, size_t len, size_t *n)
{
	return feed_vref_list_path(v, k, "/api/v3/exchangeInfo?symbols=", buf, len, n);
}

static int mexc_ref_fill(struct feed_venue_ctx *v, uint32_t i, const struct feed_json_val *f,
			 struct feed_ref_instr *r)
{
	(void)i;
	if (feed_vref_places(&f[1], &r->tick, &r->tick_dp) < 0)
		return feed_vref_bad(v, "quotePrecision bad or missing");
	if (feed_vref_dec(&f[2], 1, &r->lot, &r->lot_dp) == 0 && r->lot > 0)
		return 0;
	if (feed_vref_places(&f[3], &r->lot, &r->lot_dp) < 0)
		return feed_vref_bad(v, "baseSizePrecision / baseAssetPrecision bad or missing");
	return 0;
}

static int mexc_ref_parse(struct feed_venue_ctx *v, uint32_t k, const uint8_t *body, size_t n,
			  struct feed_ref_instr *ref)
{
	static const struct feed_json_key keys[] = {
		FEED_JSON_KEY("symbol"), FEED_JSON_KEY("quotePrecision"),
		FEED_JSON_KEY("baseSizePrecision"), FEED_JSON_KEY("baseAssetPrecision")};
	struct feed_json_val syms;
	int r;

	(void)k;
	r = feed_vref_member(v, body, n, "symbols", &syms);
	if (r < 0)
		return r;
	return feed_vref_each(v, &syms, -1, keys, 4, mexc_ref_fill, ref);
}

/* ---- REST depth snapshot ------------------------------------------------------------ */

/* GET /api/v3/depth?symbol=BTCUSDT&limit=5000: the limit the documented
 * sync procedure asks for (the largest the endpoint takes). */
static int mexc_rest_snapshot(struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
			      size_t *n)
{
	int k = snprintf(buf, len, "/api/v3/depth?symbol=%s&limit=5000", v->syms[sym].native);

	if (k < 0 || (size_t)k >= len)
		return -ENOBUFS;
	*n = (size_t)k;
	return 0;
}

/* One side ([["price","qty"],...]) into v->lv from *o on. Returns 0,
 * -EBADMSG (reason in v->reason) or -EMSGSIZE. */
static int mexc_rest_side(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *a,
			  const char *side, uint32_t *o)
{
	struct feed_venue_out out = {0};
	struct feed_json_iter it, lt;
	struct feed_json_val k, e, px, qty;
	int rc;

	if (a->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, a->p, a->n) < 0)
		goto bad;
	while ((rc = feed_json_iter_next(&it, &k, &e)) == 1) {
		if (*o >= v->lv_cap) {
			snprintf(v->reason, sizeof(v->reason), "snapshot: more than %u levels",
				 v->lv_cap);
			return -EMSGSIZE;
		}
		if (e.type != FEED_JSON_ARRAY || feed_json_iter_init(&lt, e.p, e.n) < 0 ||
		    feed_json_iter_next(&lt, &k, &px) != 1 ||
		    feed_json_iter_next(&lt, &k, &qty) != 1 ||
		    mexc_level(v, &out, sym, &px, &qty, &v->lv[*o]) < 0)
			goto bad;
		(*o)++;
	}
	if (rc == 0)
		return 0;
bad:
	if (out.cls != FEED_MSG_ERROR)
		snprintf(v->reason, sizeof(v->reason), "snapshot: bad '%s'", side);
	return -EBADMSG;
}

/* {"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[...]}
 * -> a SNAPSHOT event whose last_id is lastUpdateId. */
static int mexc_rest_parse(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			   struct feed_book_ev *ev)
{
	static const struct feed_json_key keys[3] = {FEED_JSON_KEY("lastUpdateId"),
						     FEED_JSON_KEY("bids"), FEED_JSON_KEY("asks")};
	struct feed_json_val f[3];
	uint64_t id;
	uint32_t o = 0, nb;
	int rc;

	if (sym >= v->nsyms || feed_json_scan((const char *)body, n, keys, 3, f) < 0) {
		snprintf(v->reason, sizeof(v->reason), "snapshot: invalid JSON (%zu bytes)", n);
		return -EBADMSG;
	}
	if (f[0].type != FEED_JSON_NUMBER || feed_json_u64(&f[0], &id) < 0) {
		snprintf(v->reason, sizeof(v->reason), "snapshot: missing or bad 'lastUpdateId'");
		return -EBADMSG;
	}
	if ((rc = mexc_rest_side(v, sym, &f[1], "bids", &o)) < 0)
		return rc;
	nb = o;
	if ((rc = mexc_rest_side(v, sym, &f[2], "asks", &o)) < 0)
		return rc;
	*ev = (struct feed_book_ev){.sym = sym,
				    .kind = FEED_BOOK_SNAPSHOT,
				    .first_id = id,
				    .last_id = id,
				    .bids = v->lv,
				    .asks = v->lv + nb,
				    .nbids = nb,
				    .nasks = o - nb};
	return 0;
}

/* ---- answers (JSON) ---------------------------------------------------------------- */

enum { J_ID, J_CODE, J_MSG, J__COUNT };

static const struct feed_json_key mexc_keys[J__COUNT] = {
	[J_ID] = FEED_JSON_KEY("id"),
	[J_CODE] = FEED_JSON_KEY("code"),
	[J_MSG] = FEED_JSON_KEY("msg"),
};

/* Answers each channel of the comma-separated list s[0..n) (ok: acked or
 * rejected). Returns how many were ours and waiting; *seen counts the
 * channels of ours that were already answered. */
static uint32_t mexc_answer_list(struct feed_venue_ctx *v, const char *s, size_t n, int ok,
				 uint32_t *seen, struct feed_venue_out *out)
{
	uint32_t done = 0, ch;
	const char *sym;
	size_t sl;

	while (n) {
		const char *c = memchr(s, ',', n);
		size_t k = c ? (size_t)(c - s) : n;
		int rc;

		if (mexc_channel(s, k, &ch, &sym, &sl) == 0) {
			rc = feed_venue_stream_done(v, 0, sym, sl, ch, ok, out);
			done += rc == 0;
			*seen += rc == -EALREADY;
		}
		s += k;
		n -= k;
		if (n) { /* the comma */
			s++;
			n--;
		}
	}
	return done;
}

/* Our request id, when the answer echoes one (the documented answers carry
 * 0): that request answered. Returns 1 if it was one of ours, open. */
static int mexc_by_id(struct feed_venue_ctx *v, const struct feed_json_val *f, int ok,
		      struct feed_venue_out *out)
{
	uint64_t id;

	return f[J_ID].type == FEED_JSON_NUMBER && feed_json_u64(&f[J_ID], &id) == 0 && id != 0 &&
	       feed_venue_req_done(v, id, ok, out) == 0;
}

/* The oldest open request answered (an answer naming no channel). */
static int mexc_oldest(struct feed_venue_ctx *v, int ok, struct feed_venue_out *out)
{
	uint64_t id;

	return feed_venue_req_oldest(v, &id) == 0 && feed_venue_req_done(v, id, ok, out) == 0;
}

/* An ack (ok) or a refusal of msg m[0..n): the channels it names (a
 * refusal's in "[...]"), else the request id it echoes, else, when it
 * names no channel at all, the oldest open request. */
static void mexc_settle(struct feed_venue_ctx *v, const struct feed_json_val *f, const char *m,
			size_t n, int ok, int64_t code, struct feed_venue_out *out)
{
	const char *lb = ok ? NULL : memchr(m, '[', n);
	const char *rb = lb ? memchr(lb, ']', n - (size_t)(lb - m)) : NULL;
	uint32_t seen = 0;
	int done;

	done = lb && rb ? mexc_answer_list(v, lb + 1, (size_t)(rb - lb - 1), ok, &seen, out) != 0
			: mexc_answer_list(v, m, n, ok, &seen, out) != 0;
	if (!done && !seen)
		done = mexc_by_id(v, f, ok, out);
	if (!done && !seen && !memmem(m, n, "spot@", 5))
		done = mexc_oldest(v, ok, out);
	if (!done && !ok && !seen) {
		feed_venue_error(v, out, UINT32_MAX, "venue error %lld: %.*s", (long long)code,
				 (int)(n > 100 ? 100 : n), m);
	} else if (!done) {
		feed_venue_unknown(out, seen ? "answer for streams already answered"
					     : "answer naming no stream we subscribe");
	} else if (!ok) { /* REJECT: keep the venue's words for the log */
		snprintf(v->reason, sizeof(v->reason), "code %lld: %.*s", (long long)code,
			 (int)(n > 120 ? 120 : n), m);
		out->reason = v->reason;
	}
}

/* {"id":0,"code":0,"msg":...}: PONG, an ack (msg echoes the channels) or
 * a refusal ("Not Subscribed successfully! [...]" or a non-zero code). */
static void mexc_answer(struct feed_venue_ctx *v, const struct feed_json_val *f,
			struct feed_venue_out *out)
{
	char buf[2048];
	const char *m = f[J_MSG].p;
	size_t n = f[J_MSG].n;
	int64_t code = 0;

	if (f[J_CODE].type != FEED_JSON_NONE && feed_json_i64(&f[J_CODE], &code) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "answer with a bad code");
		return;
	}
	if (f[J_MSG].escaped) {
		int k = feed_json_unescape(&f[J_MSG], buf, sizeof(buf));
		if (k < 0) {
			feed_venue_error(v, out, UINT32_MAX, "answer with a bad msg");
			return;
		}
		m = buf;
		n = (size_t)k;
	}
	if (code == 0 && n == 4 && memcmp(m, "PONG", 4) == 0) {
		out->cls = FEED_MSG_HEARTBEAT;
		return;
	}
	mexc_settle(v, f, m, n, code == 0 && !(n >= 14 && memmem(m, n, "Not Subscribed", 14)), code,
		    out);
}

static int mexc_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			   int64_t recv_ns, struct feed_venue_out *out)
{
	const struct mexc_push *push = (const struct mexc_push *)p;
	struct feed_json_val f[J__COUNT];
	int64_t code;

	if (binary) {
		/* The decode stage's output: the unpacked wrapper, in priv. */
		if (p != v->priv || n != sizeof(*push) || push->magic != MX_MAGIC) {
			feed_venue_error(v, out, UINT32_MAX, "binary frame not decoded");
			return 0;
		}
		mexc_push(v, push->w, recv_ns, out);
		return 0;
	}
	if (feed_json_scan((const char *)p, n, mexc_keys, J__COUNT, f) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "invalid JSON (%zu bytes)", n);
		return 0;
	}
	if (f[J_MSG].type == FEED_JSON_STRING) {
		mexc_answer(v, f, out);
	} else if (f[J_CODE].type != FEED_JSON_NONE &&
		   (feed_json_i64(&f[J_CODE], &code) < 0 || code != 0)) {
		feed_venue_error(v, out, UINT32_MAX, "venue error code %.*s",
				 (int)(f[J_CODE].n > 20 ? 20 : f[J_CODE].n), f[J_CODE].p);
	} else {
		feed_venue_unknown(out, "unrecognised message");
	}
	return 0;
}

/* REST fallback: at the end of the file. */
static int mexc_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				 size_t len, size_t *n);
static int mexc_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				 size_t len, size_t *n);
static int mexc_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			    struct feed_rest_trade *t, uint32_t cap, uint32_t *nt);

const struct feed_venue_ops feed_venue_mexc = {
	.name = "mexc",
	.default_url = "wss://wbs-api.mexc.com/ws",
	.default_rest_url = "https://api.mexc.com",
	.channels = FEED_CH_TRADES | FEED_CH_BBO | FEED_CH_L2,
	.markets = 1u << MDBUS_MARKET_SPOT,
	.book =
		{
			.sync = FEED_SYNC_REST_UU,
			/* The snapshot's 5000 levels a side; the stream then
			 * only changes levels (never more than it held). */
			.max_levels = 5000,
			.rest_weight = 1,
			.rest_snapshot = mexc_rest_snapshot,
			.rest_parse = mexc_rest_parse,
		},
	.limits =
		{
			/* One channel per request, as the documented example:
			 * its answer's msg then echoes exactly that channel,
			 * whatever form a multi-channel answer takes (not
			 * documented). */
			.group = FEED_GROUP_STREAM,
			.streams_per_req = 1,
			.streams_per_conn = 30, /* "a maximum of 30 subscriptions" */
			.req_interval_ms = 100, /* not documented: 10 per second */
		},
	.qty_unit = MDBUS_QTY_BASE,
	.rest =
		{
			/* weights (IP): bookTicker 1, trades 5 */
			.ticker_weight = 1,
			.trades_weight = 5,
			.ticker_path = mexc_rest_ticker_path,
			.trades_path = mexc_rest_trades_path,
			.ticker_parse = feed_binance_rest_ticker, /* the same answer */
			.trades_parse = mexc_rest_trades,
		},
	.priv_size = sizeof(struct mexc_push),
	.scratch_size = (size_t)256 * 1024, /* the unpacked push; larger: a counted error */
	.ref = {.request = mexc_ref_request, .parse = mexc_ref_parse, .weight = 10},
	.native_symbol = feed_venue_native_joined,
	.subscribe = mexc_subscribe,
	.decode = mexc_decode,
	.on_message = mexc_on_message,
	.ping_text = "{\"method\":\"PING\"}",
};

/* ---- REST fallback (ops->rest) ------------------------------------------------- */

/*
 * Checked 2026-12-07 against https://www.mexc.com/api-docs/spot-v3/market-data-endpoints
 * ("Symbol Order Book Ticker", "Recent Trades List"):
 *   GET /api/v3/ticker/bookTicker?symbol=BTCUSDT (weight 1):
 *     {"symbol":"AEUSDT","bidPrice":"0.11001","bidQty":"115.59",
 *      "askPrice":"0.11127","askQty":"215.48"}: Binance's answer, no time
 *   GET /api/v3/trades?symbol=BTCUSDT&limit=N (weight 5; default 500, at
 *     most 1000): [{"id":null,"price":"23","qty":"0.478468","quoteQty":..,
 *     "time":1640830579240,"isBuyerMaker":true,"isBestMatch":true}]
 * The documented id is null: a trade is told apart by the hash of its time,
 * price, size and side (MDBUS_FLAG_TID_HASH), so two trades alike in all
 * four within one millisecond count as one. An integer id, should one come,
 * is kept as it is.
 */

/* Trades per poll: a second of polling on a busy pair. */
#define MEXC_REST_TRADES 200

static int mexc_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				 size_t len, size_t *n)
{
	return feed_binance_rest_ticker_path(v, sym, "/api/v3/ticker/bookTicker", buf, len, n);
}

static int mexc_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				 size_t len, size_t *n)
{
	if (sym >= v->nsyms)
		return -EINVAL;
	return feed_vrest_fmt(buf, len, n, "/api/v3/trades?symbol=%s&limit=%u", v->syms[sym].native,
			      MEXC_REST_TRADES);
}

/* The trade id: the id when it is an integer, else the hash of
 * "time|price|qty|isBuyerMaker" as printed. */
static int mexc_rest_trade_id(struct feed_venue_ctx *v, const struct feed_json_val *f,
			      struct feed_rest_trade *t)
{
	char key[160];
	int k;

	if (f[0].type == FEED_JSON_NUMBER || f[0].type == FEED_JSON_STRING)
		return feed_vrest_id(v, &f[0], &t->id, &t->flags);
	if (f[0].type != FEED_JSON_NULL && f[0].type != FEED_JSON_NONE)
		return feed_vrest_bad(v, "trade id");
	k = snprintf(key, sizeof(key), "%.*s|%.*s|%.*s|%.*s", (int)(f[3].n > 32 ? 32 : f[3].n),
		     f[3].p, (int)(f[1].n > 40 ? 40 : f[1].n), f[1].p,
		     (int)(f[2].n > 40 ? 40 : f[2].n), f[2].p, (int)(f[4].n > 8 ? 8 : f[4].n),
		     f[4].p);
	t->id = feed_venue_tid_hash(key, (size_t)(k < 0 ? 0 : k));
	t->flags |= MDBUS_FLAG_TID_HASH;
	return 0;
}

/* {"id":null,"price":"..","qty":"..","time":ms,"isBuyerMaker":bool,..}:
 * the buyer was the maker, so the aggressor sold. */
static int mexc_rest_trade(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *e,
			   struct feed_rest_trade *t)
{
	static const struct feed_json_key k[5] = {FEED_JSON_KEY("id"), FEED_JSON_KEY("price"),
						  FEED_JSON_KEY("qty"), FEED_JSON_KEY("time"),
						  FEED_JSON_KEY("isBuyerMaker")};
	struct feed_json_val f[5];

	t->flags = 0;
	if (feed_vrest_trade_maker(v, sym, e, k, f, t) < 0 || mexc_rest_trade_id(v, f, t) < 0)
		return -EBADMSG;
	return 0;
}

static int mexc_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			    struct feed_rest_trade *t, uint32_t cap, uint32_t *nt)
{
	struct feed_json_val arr;
	size_t pos = 0;

	if (feed_json_value((const char *)body, n, &pos, &arr) < 0 || arr.type != FEED_JSON_ARRAY)
		return feed_vrest_bad(v, "trades JSON");
	return feed_vrest_each(v, sym, &arr, mexc_rest_trade, t, cap, nt);
}
