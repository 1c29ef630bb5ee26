/* SPDX-License-Identifier: MIT */
/*
 * coinbase.c: Coinbase Exchange public market data feed
 * (wss://ws-feed.exchange.coinbase.com), spot only (the feed lists no
 * perpetuals; product ids are already BASE-QUOTE: "BTC-USD").
 *
 * Checked against the venue's documentation on 2026-12-06:
 *   https://docs.cdp.coinbase.com/exchange/websocket-feed/overview
 *   https://docs.cdp.coinbase.com/exchange/websocket-feed/channels
 *   https://docs.cdp.coinbase.com/exchange/websocket-feed/rate-limits
 * (facts and example messages in docs/venues/coinbase.md).
 *
 * Channels: trades = `matches` (messages `match`, and `last_match` as the
 * very first one), bbo = `ticker` (best bid/ask with sizes). Every request
 * also subscribes its products to `heartbeat` (one message per product per
 * second: liveness, as the venue documents no ping of its own; we send
 * WebSocket pings).
 *
 *   request:  {"type":"subscribe","channels":[{"name":"matches","product_ids":
 *              ["BTC-USD"]},{"name":"ticker","product_ids":["BTC-USD"]},
 *              {"name":"heartbeat","product_ids":["BTC-USD"]}]}
 *             It must come within 5 s of connecting. No request id exists.
 *   ack:      {"type":"subscriptions","channels":[{"name":"matches",
 *              "product_ids":[...]},...]}: the whole cumulative list, matched
 *             per stream (feed_venue_stream_done; repeats are -EALREADY).
 *   reject:   {"type":"error","message":"Failed to subscribe","reason":"..."}
 *             (the Exchange pages show no error example; this is the form
 *             the older Exchange docs showed): no id, so it answers the
 *             oldest open request; a request of several products is then
 *             split, one product each, by the generic policy.
 *   match:    {"type":"match","trade_id":10,"sequence":50,"maker_order_id":..,
 *              "taker_order_id":..,"time":"2014-11-07T08:19:27.028459Z",
 *              "product_id":"BTC-USD","size":"5.23512","price":"400.23",
 *              "side":"sell"}
 *             `side` is the MAKER's side: "sell" => the taker bought (BUY).
 *             `last_match` (same schema) is the last trade before we
 *             subscribed: published with MDBUS_FLAG_SNAPSHOT (it may repeat
 *             a trade published before a reconnection).
 *   ticker:   {"type":"ticker","sequence":..,"product_id":"ETH-USD",
 *              "price":..,"best_bid":"1285.04","best_bid_size":"0.46688654",
 *              "best_ask":"1285.27","best_ask_size":"1.56637040",
 *              "side":"buy","time":"2022-10-19T23:28:22.061769Z",...}
 *             The venue sends it when trades happen (batched in cascades),
 *             not on every change of the best bid/ask: our BBO for this
 *             venue is as fresh as the last trade. A ticker without `time`
 *             gets exch_ts 0 (MDBUS_FLAG_NO_EXCH_TS).
 *   heartbeat: {"type":"heartbeat","sequence":90,"last_trade_id":20,
 *              "product_id":"BTC-USD","time":..} -> HEARTBEAT.
 *
 * Sequences: "increasing integer values for each product, with each new
 * message being exactly one sequence number greater than the one before
 * it"; more than one ahead = dropped messages; lower = out of order, "can
 * be ignored". One sequence per product across match, ticker and
 * heartbeat (kept in the product's first subscribed channel slot): a jump
 * flags the next tick of every kind of that product only; an equal number
 * is tolerated (not a new message, e.g. a heartbeat repeating the current
 * number); a lower one is a stale ticker (skipped, UNKNOWN) or a late
 * trade (published; the stored sequence stays).
 * `last_match` is history: its sequence is not checked.
 * Times: RFC 3339 with microseconds. Decimals: strings.
 * Limits: 8 requests per second per IP (bursts of 20): one request per
 * 150 ms. No documented cap of products per connection or per request.
 * Not documented (so not handled specially): maintenance notices, a
 * server ping, a connection lifetime.
 *
 * l2 (Advanced Trade market data, wss://advanced-trade-ws.coinbase.com).
 * Depth checked 2026-12-07 against
 *   https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/websocket/level2.md
 *   https://docs.cdp.coinbase.com/coinbase-app/advanced-trade-apis/websocket/websocket-channels
 *   https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/websocket/heartbeats.md
 * The Exchange feed's level2 needs authentication; the Advanced Trade one
 * does not, but it is another endpoint with other messages, so an l2
 * session is l2 only (coinbase_init refuses trades/bbo with it) and its url
 * is the Advanced Trade one.
 *   request:  {"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"}
 *             (one channel per message; unsubscribe alike).
 *   ack:      {"channel":"subscriptions",..,"events":[{"subscriptions":
 *              {"level2":["BTC-USD"]}}]}
 *   data:     {"channel":"l2_data","client_id":"","timestamp":"2023-02-09T
 *              20:32:50.714964855Z","sequence_num":0,"events":[{"type":
 *              "snapshot"|"update","product_id":"BTC-USD","updates":[{"side":
 *              "bid"|"offer","event_time":..,"price_level":"21921.73",
 *              "new_quantity":"0.06317902"}]}]}
 *             new_quantity is the level's size (not a delta), "0" removes.
 *             One event per product: one FEED_MSG_BOOK each (out->more),
 *             exch_ts = the message's timestamp.
 *   sequence_num: one counter per connection across every channel; a jump
 *             (lost messages of any product) sets ev.gap on every product's
 *             next delta: FEED_SYNC_WS_PLAIN with resubscribe (unsubscribe +
 *             subscribe level2 for that product; the answer starts with a
 *             snapshot). No checksum, no REST snapshot.
 *   heartbeats: channels close after 60-90 s without updates unless the
 *             heartbeats channel is subscribed: the first keepalive of an l2
 *             connection sends {"type":"subscribe","channel":"heartbeats"}
 *             (ops->ping); its messages count in sequence_num.
 *
 * Differences from the table: none in substance; the ticker is
 * trade-driven (above), the error form is the older docs' one, and
 * heartbeat's last_trade_id (the documented way to notice dropped
 * matches) is not compared: the sequence check covers a drop.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonscan.h"
#include "symbol.h"
#include "venue.h"
#include "vref.h"
#include "vrest.h"

/* ---- symbols ----------------------------------------------------------------- */

/* "BTC-USD" is the product id as it is: spot only. */
static int coinbase_native_symbol(const char *norm, char *out, size_t len)
{
	struct feed_symbol_info info;
	size_t n;

	if (feed_symbol_parse(norm, &info) < 0 || info.market != MDBUS_MARKET_SPOT)
		return -EINVAL;
	n = strlen(norm);
	if (n + 1 > len)
		return -ENAMETOOLONG;
	memcpy(out, norm, n + 1);
	return 0;
}

/* ---- subscribe ----------------------------------------------------------------- */

struct cb_buf {
	char *p;
	size_t len, o;
	int full;
};

static void cb_put(struct cb_buf *b, const char *s, size_t n)
{
	if (b->full || b->o + n >= b->len) {
		b->full = 1;
		return;
	}
	memcpy(b->p + b->o, s, n);
	b->o += n;
}

#define CB_PUTS(b, s) cb_put((b), (s), sizeof(s) - 1)

/* One {"name":..,"product_ids":[..]} object for the streams of the set on
 * channel ch (ch 0: every distinct product, for heartbeat). Returns 1 if
 * written, 0 if the set has no stream of ch. */
static int cb_channel(const struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
		      uint32_t ch, const char *name, int first, struct cb_buf *b)
{
	uint32_t last = UINT32_MAX, cnt = 0;

	for (uint32_t k = 0; k < n; k++) {
		uint32_t sym, c;
		const char *nat;

		feed_venue_stream(v, streams[k], &sym, &c);
		if ((ch && c != ch) || (!ch && sym == last))
			continue;
		last = sym;
		if (cnt++ == 0) {
			if (!first)
				CB_PUTS(b, ",");
			CB_PUTS(b, "{\"name\":\"");
			cb_put(b, name, strlen(name));
			CB_PUTS(b, "\",\"product_ids\":[");
		} else {
			CB_PUTS(b, ",");
		}
		nat = v->syms[sym].native;
		CB_PUTS(b, "\"");
		cb_put(b, nat, strlen(nat));
		CB_PUTS(b, "\"");
	}
	if (cnt)
		CB_PUTS(b, "]}");
	return cnt > 0;
}

/* Advanced Trade: {"type":"subscribe"|"unsubscribe","product_ids":[..],
 * "channel":"level2"} for the products of the set (one channel a message). */
static int cb_l2_request(const struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			 const char *type, char *buf, size_t len, size_t *out_len)
{
	struct cb_buf b = {buf, len, 0, 0};

	CB_PUTS(&b, "{\"type\":\"");
	cb_put(&b, type, strlen(type));
	CB_PUTS(&b, "\",\"product_ids\":[");
	for (uint32_t k = 0; k < n; k++) {
		const char *nat = v->syms[v->streams[streams[k]].sym].native;

		if (k)
			CB_PUTS(&b, ",");
		CB_PUTS(&b, "\"");
		cb_put(&b, nat, strlen(nat));
		CB_PUTS(&b, "\"");
	}
	CB_PUTS(&b, "],\"channel\":\"level2\"}");
	if (b.full)
		return -ENOBUFS;
	buf[b.o] = '\0';
	*out_len = b.o;
	return 0;
}

/* The set as per-channel product lists (the documented channel-object
 * form), plus heartbeat for its products. No request id exists. An l2
 * session (Advanced Trade, l2 only: coinbase_init) takes the level2 form. */
static int coinbase_subscribe(struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			      uint64_t req_id, char *buf, size_t len, size_t *out_len)
{
	struct cb_buf b = {buf, len, 0, 0};
	int w = 0;

	(void)req_id;
	if (n == 0)
		return -ENOBUFS;
	if (v->channels & FEED_CH_L2)
		return cb_l2_request(v, streams, n, "subscribe", buf, len, out_len);
	CB_PUTS(&b, "{\"type\":\"subscribe\",\"channels\":[");
	w += cb_channel(v, streams, n, FEED_CH_TRADES, "matches", w == 0, &b);
	w += cb_channel(v, streams, n, FEED_CH_BBO, "ticker", w == 0, &b);
	(void)cb_channel(v, streams, n, 0, "heartbeat", w == 0, &b);
	CB_PUTS(&b, "]}");
	if (b.full)
		return -ENOBUFS;
	buf[b.o] = '\0';
	*out_len = b.o;
	return 0;
}

/* ---- messages -------------------------------------------------------------------- */

enum {
	K_TYPE,
	K_PRODUCT,
	K_SEQ,
	K_TID,
	K_TIME,
	K_SIZE,
	K_PRICE,
	K_SIDE,
	K_BID,
	K_BIDSZ,
	K_ASK,
	K_ASKSZ,
	K_CHANNELS,
	K_MESSAGE,
	K_REASON,
	K_CHANNEL,
	K_EVENTS,
	K_SEQNUM,
	K_TS,
	K__COUNT
};

static const struct feed_json_key coinbase_keys[K__COUNT] = {
	[K_TYPE] = FEED_JSON_KEY("type"),	  [K_PRODUCT] = FEED_JSON_KEY("product_id"),
	[K_SEQ] = FEED_JSON_KEY("sequence"),	  [K_TID] = FEED_JSON_KEY("trade_id"),
	[K_TIME] = FEED_JSON_KEY("time"),	  [K_SIZE] = FEED_JSON_KEY("size"),
	[K_PRICE] = FEED_JSON_KEY("price"),	  [K_SIDE] = FEED_JSON_KEY("side"),
	[K_BID] = FEED_JSON_KEY("best_bid"),	  [K_BIDSZ] = FEED_JSON_KEY("best_bid_size"),
	[K_ASK] = FEED_JSON_KEY("best_ask"),	  [K_ASKSZ] = FEED_JSON_KEY("best_ask_size"),
	[K_CHANNELS] = FEED_JSON_KEY("channels"), [K_MESSAGE] = FEED_JSON_KEY("message"),
	[K_REASON] = FEED_JSON_KEY("reason"),	  [K_CHANNEL] = FEED_JSON_KEY("channel"),
	[K_EVENTS] = FEED_JSON_KEY("events"),	  [K_SEQNUM] = FEED_JSON_KEY("sequence_num"),
	[K_TS] = FEED_JSON_KEY("timestamp"),
};

/* product_id -> symbol index, or an ERROR. */
static int coinbase_symbol(struct feed_venue_ctx *v, struct feed_venue_out *out,
			   const struct feed_json_val *s, uint32_t *idx)
{
	if (s->type != FEED_JSON_STRING || s->escaped) {
		feed_venue_error(v, out, UINT32_MAX, "missing or bad 'product_id'");
		return -EINVAL;
	}
	if (feed_venue_lookup(v, s->p, s->n, idx) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "unknown product '%.*s'",
				 (int)(s->n > 32 ? 32 : s->n), s->p);
		return -ENOENT;
	}
	return 0;
}

/* The product's sequence (one per product, every channel): 0 in order (a
 * jump flags a gap on every subscribed kind of the product), 1 lower than
 * the last one (out of order: the caller decides), -EINVAL bad field. */
static int coinbase_seq(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			const struct feed_json_val *f, const char *what)
{
	uint64_t seq, last;

	if (f->type != FEED_JSON_NUMBER || feed_json_u64(f, &seq) < 0 || seq == 0) {
		feed_venue_error(v, out, i, "%s %s: missing or bad 'sequence'", v->syms[i].native,
				 what);
		return -EINVAL;
	}
	last = v->syms[i].seq[__builtin_ctz(v->channels)];
	if (last != 0 && seq <= last)
		return seq < last;
	(void)feed_venue_seq_check(v, i, v->channels, seq, 1);
	return 0;
}

/* "time": RFC 3339 -> ns; absent -> 0 (NO_EXCH_TS) when optional. */
static int coinbase_time(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			 const struct feed_json_val *f, const char *what, int optional, int64_t *ns)
{
	*ns = 0;
	if (f->type == FEED_JSON_NONE && optional)
		return 0;
	if (f->type != FEED_JSON_STRING || f->escaped || feed_ts_rfc3339(f->p, f->n, ns) < 0) {
		feed_venue_error(v, out, i, "%s %s: missing or bad 'time'", v->syms[i].native,
				 what);
		return -EINVAL;
	}
	return 0;
}

/* `trade_id`: an integer (documented); a string that is not one is kept
 * as a hash (MDBUS_FLAG_TID_HASH). */
static int coinbase_tid(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			const struct feed_json_val *f, uint64_t *tid, uint8_t *flags)
{
	if ((f->type == FEED_JSON_NUMBER || f->type == FEED_JSON_STRING) &&
	    feed_json_u64(f, tid) == 0)
		return 0;
	if (f->type == FEED_JSON_STRING && f->n > 0) {
		*tid = feed_venue_tid_hash(f->p, f->n);
		*flags |= MDBUS_FLAG_TID_HASH;
		return 0;
	}
	feed_venue_error(v, out, i, "%s match: missing or bad 'trade_id'", v->syms[i].native);
	return -EINVAL;
}

/* match / last_match: one trade. */
static void coinbase_match(struct feed_venue_ctx *v, const struct feed_json_val *f, int last,
			   int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_venue_sym *sym;
	struct mdbus_tick *t;
	int64_t price, qty, ts;
	uint64_t tid;
	uint32_t i;
	uint8_t flags = last ? MDBUS_FLAG_SNAPSHOT : 0;

	if (coinbase_symbol(v, out, &f[K_PRODUCT], &i) < 0)
		return;
	sym = &v->syms[i];
	if (feed_venue_decimal(v, out, i, &f[K_PRICE], "trade price", sym->price_decimals, 0,
			       &price) < 0 ||
	    feed_venue_decimal(v, out, i, &f[K_SIZE], "trade size", sym->qty_decimals, 0, &qty) <
		    0 ||
	    coinbase_tid(v, out, i, &f[K_TID], &tid, &flags) < 0 ||
	    coinbase_time(v, out, i, &f[K_TIME], "match", 0, &ts) < 0)
		return;
	/* `side` is the maker's: a resting sell was hit, so the taker bought. */
	if (feed_json_str_eq(&f[K_SIDE], "sell", 4)) {
		flags |= MDBUS_FLAG_BUY;
	} else if (feed_json_str_eq(&f[K_SIDE], "buy", 3)) {
		flags |= MDBUS_FLAG_SELL;
	} else {
		feed_venue_error(v, out, i, "%s match: missing or bad 'side'", sym->native);
		return;
	}
	/* last_match is history: its sequence is no base for the live ones. */
	if (!last && coinbase_seq(v, out, i, &f[K_SEQ], "match") < 0)
		return;
	t = feed_venue_tick(v, out, i, MDBUS_KIND_TRADE, flags, ts, recv_ns);
	if (!t)
		return; /* cannot happen: one tick per message, cap >= 16 */
	t->u.trade.price = price;
	t->u.trade.qty = qty;
	t->u.trade.trade_id = tid;
}

static void coinbase_ticker(struct feed_venue_ctx *v, const struct feed_json_val *f,
			    int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_venue_sym *sym;
	int64_t bp, bq, ap, aq, ts;
	uint32_t i;
	int rc;

	if (coinbase_symbol(v, out, &f[K_PRODUCT], &i) < 0)
		return;
	sym = &v->syms[i];
	if (feed_venue_decimal(v, out, i, &f[K_BID], "best bid", sym->price_decimals, 0, &bp) < 0 ||
	    feed_venue_decimal(v, out, i, &f[K_BIDSZ], "best bid size", sym->qty_decimals, 0, &bq) <
		    0 ||
	    feed_venue_decimal(v, out, i, &f[K_ASK], "best ask", sym->price_decimals, 0, &ap) < 0 ||
	    feed_venue_decimal(v, out, i, &f[K_ASKSZ], "best ask size", sym->qty_decimals, 0, &aq) <
		    0 ||
	    coinbase_time(v, out, i, &f[K_TIME], "ticker", 1, &ts) < 0)
		return;
	rc = coinbase_seq(v, out, i, &f[K_SEQ], "ticker");
	if (rc < 0)
		return;
	if (rc > 0) { /* older than what we published: "can be ignored" */
		feed_venue_unknown(out, "out-of-order ticker (older sequence)");
		out->sym = i;
		return;
	}
	(void)feed_venue_bbo(v, out, i, ts, recv_ns, (struct mdbus_bbo){bp, bq, ap, aq});
}

/* heartbeat: liveness, and its sequence keeps the product's in step. */
static void coinbase_heartbeat(struct feed_venue_ctx *v, const struct feed_json_val *f,
			       struct feed_venue_out *out)
{
	uint32_t i;

	if (coinbase_symbol(v, out, &f[K_PRODUCT], &i) < 0 ||
	    coinbase_seq(v, out, i, &f[K_SEQ], "heartbeat") < 0)
		return;
	out->cls = FEED_MSG_HEARTBEAT;
	out->sym = i;
}

/* One {"name":..,"product_ids":[..]} of a subscriptions list: every
 * product of a channel we map is an ack of that stream (repeats of the
 * cumulative list and channels we did not ask for are ignored). Returns 0
 * or -EINVAL (malformed). */
static int coinbase_sub_channel(struct feed_venue_ctx *v, const struct feed_json_val *c,
				struct feed_venue_out *out)
{
	static const struct feed_json_key ck[2] = {FEED_JSON_KEY("name"),
						   FEED_JSON_KEY("product_ids")};
	struct feed_json_val cf[2], k, e;
	struct feed_json_iter it;
	uint32_t ch;
	int rc;

	if (c->type == FEED_JSON_STRING) /* a bare channel name: no products */
		return 0;
	if (c->type != FEED_JSON_OBJECT || feed_json_scan(c->p, c->n, ck, 2, cf) < 0 ||
	    cf[0].type != FEED_JSON_STRING)
		return -EINVAL;
	ch = feed_json_str_eq(&cf[0], "matches", 7)  ? FEED_CH_TRADES
	     : feed_json_str_eq(&cf[0], "ticker", 6) ? FEED_CH_BBO
						     : 0;
	if (cf[1].type == FEED_JSON_NONE)
		return 0;
	if (cf[1].type != FEED_JSON_ARRAY || feed_json_iter_init(&it, cf[1].p, cf[1].n) < 0)
		return -EINVAL;
	while ((rc = feed_json_iter_next(&it, &k, &e)) == 1) {
		if (e.type != FEED_JSON_STRING)
			return -EINVAL;
		if (ch && (v->channels & ch))
			(void)feed_venue_stream_done(v, 0, e.p, e.n, ch, 1, out);
	}
	return rc;
}

static void coinbase_subscriptions(struct feed_venue_ctx *v, const struct feed_json_val *f,
				   struct feed_venue_out *out)
{
	struct feed_json_val k, c;
	struct feed_json_iter it;
	int rc;

	if (f[K_CHANNELS].type != FEED_JSON_ARRAY ||
	    feed_json_iter_init(&it, f[K_CHANNELS].p, f[K_CHANNELS].n) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "subscriptions without a 'channels' list");
		return;
	}
	while ((rc = feed_json_iter_next(&it, &k, &c)) == 1)
		if (coinbase_sub_channel(v, &c, out) < 0)
			break;
	if (rc != 0) {
		/* Streams answered before the bad entry stay answered. */
		if (out->cls == FEED_MSG_ACK)
			return;
		feed_venue_error(v, out, UINT32_MAX, "malformed subscriptions list");
		return;
	}
	if (out->cls != FEED_MSG_ACK) { /* the cumulative list, nothing new */
		out->cls = FEED_MSG_ACK;
		out->reason = "no new subscription";
	}
}

/* {"type":"error","message":..,"reason":..}: no id, so it answers the
 * oldest open request (a request of several products is split). */
static void coinbase_error(struct feed_venue_ctx *v, const struct feed_json_val *f,
			   struct feed_venue_out *out)
{
	char m[64], r[FEED_VENUE_REASON_MAX - 72];
	uint64_t id;

	if (f[K_MESSAGE].type != FEED_JSON_STRING ||
	    feed_json_unescape(&f[K_MESSAGE], m, sizeof(m)) < 0)
		strcpy(m, "(no message)");
	if (f[K_REASON].type != FEED_JSON_STRING ||
	    feed_json_unescape(&f[K_REASON], r, sizeof(r)) < 0)
		strcpy(r, "(no reason)");
	if (feed_venue_req_oldest(v, &id) < 0 || feed_venue_req_done(v, id, 0, out) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "venue error: %s: %s", m, r);
		return;
	}
	snprintf(v->reason, sizeof(v->reason), "%s: %s", m, r);
	out->reason = v->reason;
}

/* ---- Advanced Trade level2 (l2) ---------------------------------------------------- */

/* Per connection: sequence_num (one counter across every channel). */
struct cb_at {
	uint64_t last; /* last sequence_num seen */
	uint8_t have;  /* a sequence_num was seen on this connection */
	uint8_t hb;    /* heartbeats subscribed on this connection */
};

/* l2 comes from the Advanced Trade feed, whose messages and requests are
 * not the Exchange feed's: an l2 session carries l2 only. */
static int coinbase_init(struct feed_venue_ctx *v)
{
	if ((v->channels & FEED_CH_L2) && (v->channels & (FEED_CH_TRADES | FEED_CH_BBO))) {
		snprintf(v->reason, sizeof(v->reason),
			 "coinbase l2 is the Advanced Trade feed (url = "
			 "wss://advanced-trade-ws.coinbase.com): give it a session of its own");
		return -EINVAL;
	}
	return 0;
}

static void coinbase_reset(struct feed_venue_ctx *v)
{
	memset(v->priv, 0, sizeof(struct cb_at));
}

/* sequence_num of an Advanced Trade message: a jump past last + 1 lost
 * messages of some product: every product's next l2 delta carries gap
 * (the book resyncs by resubscribing). Returns 0 or -EINVAL (bad field). */
static int coinbase_seqnum(struct feed_venue_ctx *v, const struct feed_json_val *f,
			   struct feed_venue_out *out)
{
	struct cb_at *at = v->priv;
	uint64_t seq;

	if (f->type != FEED_JSON_NUMBER || feed_json_u64(f, &seq) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "missing or bad 'sequence_num'");
		return -EINVAL;
	}
	if (at->have && seq != at->last + 1 && seq > at->last) {
		for (uint32_t i = 0; i < v->nsyms; i++) {
			v->syms[i].gap_pending |= FEED_CH_L2;
			v->syms[i].gaps++;
		}
		v->st.gaps++;
	}
	if (!at->have || seq > at->last)
		at->last = seq;
	at->have = 1;
	return 0;
}

enum { U_SIDE, U_PRICE, U_QTY, U__COUNT };

static const struct feed_json_key cb_upd_keys[U__COUNT] = {
	[U_SIDE] = FEED_JSON_KEY("side"),
	[U_PRICE] = FEED_JSON_KEY("price_level"),
	[U_QTY] = FEED_JSON_KEY("new_quantity"),
};

static uint8_t cb_dp(const struct feed_json_val *f)
{
	const char *dot = memchr(f->p, '.', f->n);
	size_t d = dot ? f->n - (size_t)(dot + 1 - f->p) : 0;

	return (uint8_t)(d > 255 ? 255 : d);
}

/* One update {"side","event_time","price_level","new_quantity"}: a bid
 * goes to lv[*nb], an offer to lv[cap - 1 - *na] (reversed at the end).
 * Returns 0 or -EINVAL (out is an ERROR). */
static int cb_update(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
		     const struct feed_json_val *u, uint32_t *nb, uint32_t *na)
{
	const struct feed_venue_sym *sym = &v->syms[i];
	struct feed_json_val f[U__COUNT];
	struct feed_book_lvl *l;
	int bid;

	if (u->type != FEED_JSON_OBJECT ||
	    feed_json_scan(u->p, u->n, cb_upd_keys, U__COUNT, f) < 0) {
		feed_venue_error(v, out, i, "%s l2: update is not an object", sym->native);
		return -EINVAL;
	}
	bid = feed_json_str_eq(&f[U_SIDE], "bid", 3);
	if (!bid && !feed_json_str_eq(&f[U_SIDE], "offer", 5)) {
		feed_venue_error(v, out, i, "%s l2: missing or bad 'side'", sym->native);
		return -EINVAL;
	}
	if (*nb + *na >= v->lv_cap) {
		feed_venue_error(v, out, i, "%s l2: more than %u levels", sym->native, v->lv_cap);
		return -EINVAL;
	}
	l = bid ? &v->lv[*nb] : &v->lv[v->lv_cap - 1 - *na];
	if (feed_venue_decimal(v, out, i, &f[U_PRICE], "price_level", sym->price_decimals, 0,
			       &l->px) < 0 ||
	    feed_venue_decimal(v, out, i, &f[U_QTY], "new_quantity", sym->qty_decimals, 0,
			       &l->qty) < 0)
		return -EINVAL;
	l->px_dp = cb_dp(&f[U_PRICE]);
	l->qty_dp = cb_dp(&f[U_QTY]);
	(*nb) += bid;
	(*na) += !bid;
	return 0;
}

/* The offers, stored from the end backwards, in message order. */
static void cb_offers_order(struct feed_venue_ctx *v, uint32_t na)
{
	struct feed_book_lvl *a = v->lv + v->lv_cap - na, t;

	for (uint32_t k = 0; k < na / 2; k++) {
		t = a[k];
		a[k] = a[na - 1 - k];
		a[na - 1 - k] = t;
	}
}

enum { E_TYPE, E_PRODUCT, E_UPDATES, E__COUNT };

static const struct feed_json_key cb_ev_keys[E__COUNT] = {
	[E_TYPE] = FEED_JSON_KEY("type"),
	[E_PRODUCT] = FEED_JSON_KEY("product_id"),
	[E_UPDATES] = FEED_JSON_KEY("updates"),
};

/* One event {"type":"snapshot"|"update","product_id":..,"updates":[..]}
 * into v->book. */
static void cb_l2_event(struct feed_venue_ctx *v, const struct feed_json_val *e, int64_t ts,
			int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val f[E__COUNT], k, u;
	struct feed_json_iter it;
	uint32_t i, nb = 0, na = 0;
	int snap, rc;

	if (e->type != FEED_JSON_OBJECT ||
	    feed_json_scan(e->p, e->n, cb_ev_keys, E__COUNT, f) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "l2_data: event is not an object");
		return;
	}
	if (coinbase_symbol(v, out, &f[E_PRODUCT], &i) < 0)
		return;
	snap = feed_json_str_eq(&f[E_TYPE], "snapshot", 8);
	if (!snap && !feed_json_str_eq(&f[E_TYPE], "update", 6)) {
		feed_venue_error(v, out, i, "%s l2: bad event type", v->syms[i].native);
		return;
	}
	if (f[E_UPDATES].type != FEED_JSON_ARRAY ||
	    feed_json_iter_init(&it, f[E_UPDATES].p, f[E_UPDATES].n) < 0) {
		feed_venue_error(v, out, i, "%s l2: missing 'updates'", v->syms[i].native);
		return;
	}
	while ((rc = feed_json_iter_next(&it, &k, &u)) == 1)
		if (cb_update(v, out, i, &u, &nb, &na) < 0)
			return;
	if (rc < 0) {
		feed_venue_error(v, out, i, "%s l2: bad 'updates'", v->syms[i].native);
		return;
	}
	cb_offers_order(v, na);
	v->book = (struct feed_book_ev){.sym = i,
					.kind = snap ? FEED_BOOK_SNAPSHOT : FEED_BOOK_DELTA,
					.exch_ts = ts,
					.recv_ts = recv_ns,
					.bids = v->lv,
					.asks = v->lv + v->lv_cap - na,
					.nbids = nb,
					.nasks = na};
	/* A snapshot is the resync itself; a delta after lost messages is a gap. */
	if (snap)
		v->syms[i].gap_pending &= (uint8_t)~FEED_CH_L2;
	else
		v->book.gap = feed_venue_take_flags(v, i, FEED_CH_L2) ? 1 : 0;
	v->syms[i].last_recv_ns = recv_ns;
	out->cls = FEED_MSG_BOOK;
	out->book = &v->book;
	out->sym = i;
}

/* l2_data: one event per call (several products: out->more, v->cur.pos is
 * the offset of the next event in the events array). */
static void coinbase_l2_data(struct feed_venue_ctx *v, const struct feed_json_val *f,
			     int64_t recv_ns, struct feed_venue_out *out)
{
	const struct feed_json_val *evs = &f[K_EVENTS];
	struct feed_json_val k, e, n2;
	struct feed_json_iter it;
	int64_t ts = 0;
	uint32_t count;
	size_t pos;

	if (!v->cur.active && coinbase_seqnum(v, &f[K_SEQNUM], out) < 0)
		return;
	if (!(v->channels & FEED_CH_L2)) {
		feed_venue_unknown(out, "l2_data for a channel not subscribed");
		return;
	}
	if (f[K_TS].type != FEED_JSON_NONE &&
	    (f[K_TS].type != FEED_JSON_STRING || feed_ts_rfc3339(f[K_TS].p, f[K_TS].n, &ts) < 0)) {
		feed_venue_error(v, out, UINT32_MAX, "l2_data: bad 'timestamp'");
		return;
	}
	if (evs->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, evs->p, evs->n) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "l2_data without an 'events' list");
		return;
	}
	if (v->cur.active) {
		it.pos = v->cur.pos;
		it.count = v->cur.item;
	}
	if (feed_json_iter_next(&it, &k, &e) != 1) {
		feed_venue_error(v, out, UINT32_MAX, "l2_data: no event or a bad one");
		return;
	}
	cb_l2_event(v, &e, ts, recv_ns, out);
	if (out->cls != FEED_MSG_BOOK)
		return;
	pos = it.pos;
	count = it.count;
	if (feed_json_iter_next(&it, &k, &n2) == 1) { /* another event follows */
		v->cur.pos = pos;
		v->cur.item = count;
		out->more = 1;
	}
}

/* subscriptions: {"events":[{"subscriptions":{"level2":["BTC-USD"],..}}]}:
 * each level2 product is an ack of its stream. */
static void coinbase_at_subscriptions(struct feed_venue_ctx *v, const struct feed_json_val *f,
				      struct feed_venue_out *out)
{
	static const struct feed_json_key sk[1] = {FEED_JSON_KEY("subscriptions")};
	static const struct feed_json_key lk[1] = {FEED_JSON_KEY("level2")};
	struct feed_json_val k, e, sub, l2, p;
	struct feed_json_iter it, pi;

	if (coinbase_seqnum(v, &f[K_SEQNUM], out) < 0)
		return;
	if (f[K_EVENTS].type != FEED_JSON_ARRAY ||
	    feed_json_iter_init(&it, f[K_EVENTS].p, f[K_EVENTS].n) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "subscriptions without 'events'");
		return;
	}
	while (feed_json_iter_next(&it, &k, &e) == 1) {
		if (e.type != FEED_JSON_OBJECT || feed_json_scan(e.p, e.n, sk, 1, &sub) < 0 ||
		    sub.type != FEED_JSON_OBJECT || feed_json_scan(sub.p, sub.n, lk, 1, &l2) < 0 ||
		    l2.type != FEED_JSON_ARRAY || feed_json_iter_init(&pi, l2.p, l2.n) < 0)
			continue;
		while (feed_json_iter_next(&pi, &k, &p) == 1)
			if (p.type == FEED_JSON_STRING && (v->channels & FEED_CH_L2))
				(void)feed_venue_stream_done(v, 0, p.p, p.n, FEED_CH_L2, 1, out);
	}
	if (out->cls != FEED_MSG_ACK) {
		out->cls = FEED_MSG_ACK;
		out->reason = "no new subscription";
	}
}

/* An Advanced Trade message (no "type", a "channel"). */
static void coinbase_at_message(struct feed_venue_ctx *v, const struct feed_json_val *f,
				int64_t recv_ns, struct feed_venue_out *out)
{
	const struct feed_json_val *c = &f[K_CHANNEL];

	if (feed_json_str_eq(c, "l2_data", 7)) {
		coinbase_l2_data(v, f, recv_ns, out);
	} else if (feed_json_str_eq(c, "subscriptions", 13)) {
		coinbase_at_subscriptions(v, f, out);
	} else if (coinbase_seqnum(v, &f[K_SEQNUM], out) == 0) {
		if (feed_json_str_eq(c, "heartbeats", 10))
			out->cls = FEED_MSG_HEARTBEAT;
		else
			feed_venue_unknown(out, "channel we do not take");
	}
}

/* Resync of symbol sym: unsubscribe, then subscribe its level2 again (the
 * new subscription starts with a snapshot). */
static int coinbase_resubscribe_msgs(struct feed_venue_ctx *v, uint32_t sym, char *unsub,
				     size_t ulen, size_t *un, char *sub, size_t slen, size_t *sn)
{
	uint32_t s = feed_venue_stream_of(v, sym, FEED_CH_L2);

	if (s == UINT32_MAX)
		return -ENOENT;
	if (cb_l2_request(v, &s, 1, "unsubscribe", unsub, ulen, un) < 0 ||
	    cb_l2_request(v, &s, 1, "subscribe", sub, slen, sn) < 0)
		return -ENOBUFS;
	return 0;
}

/* Keepalive of an l2 session: the first one of a connection subscribes
 * the heartbeats channel (level2 channels close after 60-90 s without an
 * update otherwise); later ones are WebSocket pings. */
static int coinbase_ping(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n, int64_t now_ns)
{
	static const char hb[] = "{\"type\":\"subscribe\",\"channel\":\"heartbeats\"}";
	struct cb_at *at = v->priv;

	(void)now_ns;
	*n = 0;
	if (!(v->channels & FEED_CH_L2) || at->hb)
		return 0;
	if (len < sizeof(hb))
		return -ENOBUFS;
	memcpy(buf, hb, sizeof(hb));
	*n = sizeof(hb) - 1;
	at->hb = 1;
	return 0;
}

static int coinbase_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			       int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_val f[K__COUNT];
	const struct feed_json_val *t = &f[K_TYPE];

	if (binary) {
		feed_venue_error(v, out, UINT32_MAX, "unexpected binary frame (%zu bytes)", n);
		return 0;
	}
	if (feed_json_scan((const char *)p, n, coinbase_keys, K__COUNT, f) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "invalid JSON (%zu bytes)", n);
		return 0;
	}
	if (feed_json_str_eq(t, "match", 5))
		coinbase_match(v, f, 0, recv_ns, out);
	else if (feed_json_str_eq(t, "ticker", 6))
		coinbase_ticker(v, f, recv_ns, out);
	else if (feed_json_str_eq(t, "heartbeat", 9))
		coinbase_heartbeat(v, f, out);
	else if (feed_json_str_eq(t, "last_match", 10))
		coinbase_match(v, f, 1, recv_ns, out);
	else if (feed_json_str_eq(t, "subscriptions", 13))
		coinbase_subscriptions(v, f, out);
	else if (feed_json_str_eq(t, "error", 5))
		coinbase_error(v, f, out);
	else if (t->type == FEED_JSON_NONE && f[K_CHANNEL].type == FEED_JSON_STRING)
		coinbase_at_message(v, f, recv_ns, out);
	else if (t->type == FEED_JSON_STRING) {
		/* "New message types can be added at any time." */
		feed_venue_unknown(out, "unknown message type");
	} else {
		feed_venue_unknown(out, "message without a type");
	}
	return 0;
}

/* REST fallback: at the end of the file. */
static int coinbase_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				     size_t len, size_t *n);
static int coinbase_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				     size_t len, size_t *n);
static int coinbase_rest_ticker(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body,
				size_t n, struct mdbus_bbo *b, int64_t *exch_ts);
static int coinbase_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body,
				size_t n, struct feed_rest_trade *t, uint32_t cap, uint32_t *nt);

/* ---- reference data (ops->ref) ------------------------------------------------ */

/*
 * One request per product on the Exchange REST host (default_rest_url):
 * GET /products/BTC-USD -> {"id":"BTC-USD","base_currency":"BTC",
 * "quote_currency":"USD","quote_increment":"0.01000000","base_increment":
 * "0.00000001",..}: tick = quote_increment, lot = base_increment (strings).
 * A list answer (GET /products) is read the same way. Checked 2026-12-07
 * against
 * https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/products/get-single-product
 */
static int coinbase_ref_request(struct feed_venue_ctx *v, uint32_t k, char *buf, size_t len,
				size_t *n)
{
	if (feed_vref_sym_of(v, k) < 0)
		return 0;
	return feed_vrest_fmt(buf, len, n, "/products/%s", v->syms[k].native) < 0 ? -ENOBUFS : 1;
}

static int coinbase_ref_fill(struct feed_venue_ctx *v, uint32_t i, const struct feed_json_val *f,
			     struct feed_ref_instr *r)
{
	(void)i;
	if (feed_vref_dec(&f[1], 0, &r->tick, &r->tick_dp) < 0)
		return feed_vref_bad(v, "quote_increment bad or missing");
	if (feed_vref_dec(&f[2], 0, &r->lot, &r->lot_dp) < 0)
		return feed_vref_bad(v, "base_increment bad or missing");
	return 0;
}

static int coinbase_ref_parse(struct feed_venue_ctx *v, uint32_t k, const uint8_t *body, size_t n,
			      struct feed_ref_instr *ref)
{
	static const struct feed_json_key keys[] = {FEED_JSON_KEY("id"),
						    FEED_JSON_KEY("quote_increment"),
						    FEED_JSON_KEY("base_increment")};
	struct feed_json_val all;
	size_t pos = 0;

	(void)k;
	if (feed_json_value((const char *)body, n, &pos, &all) < 0)
		return feed_vref_bad(v, "the answer is not JSON");
	return feed_vref_each(v, &all, -1, keys, 3, coinbase_ref_fill, ref);
}

const struct feed_venue_ops feed_venue_coinbase = {
	.name = "coinbase",
	.default_url = "wss://ws-feed.exchange.coinbase.com",
	/* The Exchange REST API: the REST fallback reads its /products/{id}/book
	 * and /trades, matching the Exchange feed this adapter reads. */
	.default_rest_url = "https://api.exchange.coinbase.com",
	.channels = FEED_CH_TRADES | FEED_CH_BBO | FEED_CH_L2,
	.markets = 1u << MDBUS_MARKET_SPOT,
	/* Advanced Trade level2: a snapshot (the whole book), then absolute
	 * updates; a sequence_num jump sets ev.gap and the resync is a
	 * resubscription. The snapshot is the full book: 25000 levels a side
	 * covers the deepest books listed. */
	.book =
		{
			.sync = FEED_SYNC_WS_PLAIN,
			.resubscribe = 1,
			.max_levels = 25000,
			.resubscribe_msgs = coinbase_resubscribe_msgs,
		},
	.priv_size = sizeof(struct cb_at),
	.init = coinbase_init,
	.reset = coinbase_reset,
	.ping = coinbase_ping,
	.limits =
		{
			.group = FEED_GROUP_ANY,
			/* No documented cap: 50 products per request keeps one
			 * rejected product from sinking many (the split resends
			 * each alone). Even, so a product's two streams stay together. */
			.streams_per_req = 100,
			/* 8 requests per second per IP (bursts of 20). */
			.req_interval_ms = 150,
		},
	.rest =
		{
			/* public: 10 requests a second per IP */
			.ticker_weight = 1,
			.trades_weight = 1,
			.ticker_path = coinbase_rest_ticker_path,
			.trades_path = coinbase_rest_trades_path,
			.ticker_parse = coinbase_rest_ticker,
			.trades_parse = coinbase_rest_trades,
		},
	.ref = {.request = coinbase_ref_request, .parse = coinbase_ref_parse, .weight = 1},
	.native_symbol = coinbase_native_symbol,
	.subscribe = coinbase_subscribe,
	.on_message = coinbase_on_message,
};

/* ---- REST fallback (ops->rest) ------------------------------------------------- */

/* The Exchange REST API (api.exchange.coinbase.com), the same venue as the
 * feed: level 1 of the book (best bid/ask with sizes) and the last trades,
 * whose `side` is the maker's as on the feed. */
static int coinbase_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				     size_t len, size_t *n)
{
	if (sym >= v->nsyms)
		return -EINVAL;
	return feed_vrest_fmt(buf, len, n, "/products/%s/book?level=1", v->syms[sym].native);
}

static int coinbase_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				     size_t len, size_t *n)
{
	if (sym >= v->nsyms)
		return -EINVAL;
	return feed_vrest_fmt(buf, len, n, "/products/%s/trades?limit=100", v->syms[sym].native);
}

/* The first [price, size, num_orders] of a side (0, 0 when empty). */
static int coinbase_rest_top(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *a,
			     int64_t *px, int64_t *qty)
{
	struct feed_json_iter it;
	struct feed_json_val key, lvl, p, q;

	*px = *qty = 0;
	if (a->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, a->p, a->n) < 0)
		return feed_vrest_bad(v, "book side");
	if (feed_json_iter_next(&it, &key, &lvl) != 1)
		return 0;
	if (lvl.type != FEED_JSON_ARRAY || feed_json_iter_init(&it, lvl.p, lvl.n) < 0 ||
	    feed_json_iter_next(&it, &key, &p) != 1 || feed_json_iter_next(&it, &key, &q) != 1)
		return feed_vrest_bad(v, "book level");
	if (feed_vrest_px(v, sym, &p, "level price", 0, px) < 0 ||
	    feed_vrest_qty(v, sym, &q, "level size", 0, qty) < 0)
		return -EBADMSG;
	return 0;
}

/* {"bids":[["295.96","4.39088265",2]],"asks":[[..]],"sequence":3[,"time":..]} */
static int coinbase_rest_ticker(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body,
				size_t n, struct mdbus_bbo *b, int64_t *exch_ts)
{
	static const struct feed_json_key k[3] = {FEED_JSON_KEY("bids"), FEED_JSON_KEY("asks"),
						  FEED_JSON_KEY("time")};
	struct feed_json_val f[3];

	*exch_ts = 0;
	if (feed_json_scan((const char *)body, n, k, 3, f) < 0)
		return feed_vrest_bad(v, "book JSON");
	if (coinbase_rest_top(v, sym, &f[0], &b->bid_px, &b->bid_qty) < 0 ||
	    coinbase_rest_top(v, sym, &f[1], &b->ask_px, &b->ask_qty) < 0)
		return -EBADMSG;
	if (f[2].type == FEED_JSON_STRING && feed_ts_rfc3339(f[2].p, f[2].n, exch_ts) < 0)
		return feed_vrest_bad(v, "book time");
	return 0;
}

/* {"time":"2014-11-07T22:19:28.578544Z","trade_id":74,"price":..,"size":..,
 * "side":"buy"}: side is the maker's, so "buy" means the taker sold. */
static int coinbase_rest_trade(struct feed_venue_ctx *v, uint32_t sym,
			       const struct feed_json_val *e, struct feed_rest_trade *t)
{
	static const struct feed_json_key k[5] = {FEED_JSON_KEY("trade_id"), FEED_JSON_KEY("price"),
						  FEED_JSON_KEY("size"), FEED_JSON_KEY("time"),
						  FEED_JSON_KEY("side")};
	struct feed_json_val f[5];
	uint8_t maker = 0;

	if (e->type != FEED_JSON_OBJECT || feed_json_scan(e->p, e->n, k, 5, f) < 0)
		return feed_vrest_bad(v, "trade");
	if (feed_vrest_id(v, &f[0], &t->id, &t->flags) < 0 ||
	    feed_vrest_px(v, sym, &f[1], "trade price", 0, &t->px) < 0 ||
	    feed_vrest_qty(v, sym, &f[2], "trade size", 0, &t->qty) < 0 ||
	    feed_vrest_side(v, &f[4], &maker) < 0)
		return -EBADMSG;
	if (f[3].type != FEED_JSON_STRING || feed_ts_rfc3339(f[3].p, f[3].n, &t->ts) < 0)
		return feed_vrest_bad(v, "trade time");
	t->flags |= maker == MDBUS_FLAG_BUY ? MDBUS_FLAG_SELL : MDBUS_FLAG_BUY;
	return 0;
}

static int coinbase_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body,
				size_t n, struct feed_rest_trade *t, uint32_t cap, uint32_t *nt)
{
	struct feed_json_val arr;
	size_t pos = 0;

	if (feed_json_value((const char *)body, n, &pos, &arr) < 0)
		return feed_vrest_bad(v, "trades JSON");
	return feed_vrest_each(v, sym, &arr, coinbase_rest_trade, t, cap, nt);
}
