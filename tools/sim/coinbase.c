/* SPDX-License-Identifier: MIT */
/*
 * coinbase.c: the Coinbase Exchange dialect of mdbus-sim (ws-feed, see
 * docs/venues/coinbase.md). No I/O: requests in, reply text out.
 *
 *   path      / (one URL, no per-stream paths)
 *   request   {"type":"subscribe","product_ids":[..],"channels":["matches",
 *              {"name":"ticker","product_ids":[..]},"heartbeat"]}; unsubscribe
 *             alike (a channel without products: all of them)
 *   ack       {"type":"subscriptions","channels":[{"name":"matches",
 *              "product_ids":[..]},...]}: every current subscription
 *   error     {"type":"error","message":"Failed to subscribe","reason":
 *              "BTC-XYZ is not a valid product"} (no id; all or nothing)
 *   match     {"type":"match","trade_id":10,"sequence":50,"maker_order_id":
 *              UUID,"taker_order_id":UUID,"time":RFC3339,"product_id":
 *              "BTC-USDT","size":"5.23512","price":"400.23","side":"sell"}:
 *             side is the MAKER's; the first one of a product after its
 *             matches subscription is a last_match (sent with the ack)
 *   ticker    {"type":"ticker","sequence":..,"product_id":..,"price":..,
 *              "open_24h"..,"best_bid","best_bid_size","best_ask",
 *              "best_ask_size","side","time","trade_id","last_size"}
 *   heartbeat {"type":"heartbeat","sequence":90,"last_trade_id":20,
 *              "product_id":..,"time":..} per subscribed product each second
 *             (its sequence repeats the product's current one)
 *
 * Sequence: one per product, +1 for every match and ticker. Keepalive: no
 * app-level ping is documented; the server sends WebSocket pings.
 *
 * Depth is Coinbase Advanced Trade's level2 channel, served on the same
 * path in that API's own forms (a request with "channel", singular):
 *   request   {"type":"subscribe","product_ids":["BTC-USD"],"channel":
 *              "level2"} (a "jwt" is optional and ignored); unsubscribe alike
 *             (no product_ids: every product). One channel per message.
 *   ack       {"channel":"subscriptions","client_id":"","timestamp":..,
 *              "sequence_num":N,"events":[{"subscriptions":{"level2":
 *              ["BTC-USD"]}}]}
 *   l2_data   {"channel":"l2_data","client_id":"","timestamp":RFC3339,
 *              "sequence_num":N,"events":[{"type":"snapshot"|"update",
 *              "product_id":..,"updates":[{"side":"bid"|"offer",
 *              "event_time":RFC3339,"price_level":"..","new_quantity":".."}]}]}
 *             new_quantity is the level's size, not a change ("0" removes).
 *             The snapshot holds the top CB_L2_DEPTH levels of each side.
 *   heartbeats {"type":"subscribe","channel":"heartbeats"} (no products):
 *             the ack lists "heartbeats":["heartbeats"] beside level2, then
 *             one {"channel":"heartbeats",..,"events":[{"current_time":..,
 *             "heartbeat_counter":N}]} a second (cb_beat).
 *   sequence_num counts every Advanced Trade message of a connection from 0:
 *             the texts carry 0 and the frame hook numbers them per
 *             connection (the route hook gives each connection its own
 *             mode, the key of cb_seqnum: the one state this dialect keeps).
 *
 * depth checked 2026-12-07 against
 * https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/websocket/level2.md,
 * https://docs.cdp.coinbase.com/coinbase-app/advanced-trade-apis/websocket/websocket-channels
 * and
 * https://docs.cdp.coinbase.com/coinbase-business/advanced-trade-apis/websocket/websocket-overview
 * (the error text for a bad level2 request is not documented: ours).
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

static const struct {
	const char *name;
	uint8_t bit;
} cb_channels[] = {
	{"matches", SIM_STREAM_TRADE},
	{"ticker", SIM_STREAM_BBO},
	{"heartbeat", SIM_STREAM_AUX},
};

#define CB_NCH (sizeof(cb_channels) / sizeof(cb_channels[0]))

#define CB_L2_DEPTH  200  /* levels per side in a level2 snapshot */
#define CB_SEQ_SLOTS 1024 /* connections numbered at once (> SIM_MAX_CONNS) */
#define CB_SEQ_MARK  "\"sequence_num\":0,"
/* Advanced Trade's heartbeats channel: a channel of the connection, not of
 * a product, kept as this bit of subs[0] (a bit above SIM_STREAM_DATA: never
 * data, never counted). */
#define CB_AT_HB 0x10u

/* Advanced Trade's sequence_num per connection, keyed by its route mode. */
static uint64_t cb_seqnum[CB_SEQ_SLOTS];
static uint32_t cb_next_mode;

static int64_t cb_now_ms(void)
{
	return tools_now_ns(CLOCK_REALTIME) / 1000000;
}

static void cb_error(struct sim_replies *out, const char *reason, const char *what)
{
	sim_reply_add(
		out,
		"{\"type\":\"error\",\"message\":\"Failed to subscribe\",\"reason\":\"%.64s%s\"}",
		what, reason);
}

/* Applies one channel's products (products NULL or empty on unsubscribe:
 * every product) to next. Returns 0, -ENOENT (reason written) or -EINVAL. */
static int cb_apply(struct sim_venue *v, uint8_t bit, json_t *products, int on, uint8_t *next,
		    struct sim_replies *out)
{
	size_t k;
	json_t *p;

	if (!on && json_array_size(products) == 0) {
		for (k = 0; k < SIM_MAX_SYMBOLS; k++)
			next[k] &= (uint8_t)~bit;
		return 0;
	}
	if (json_array_size(products) == 0) {
		sim_reply_add(out,
			      "{\"type\":\"error\",\"message\":\"Failed to subscribe\",\"reason\":"
			      "\"You need to specify at least one product ID\"}");
		return -EINVAL;
	}
	json_array_foreach(products, k, p)
	{
		const char *id = json_string_value(p);
		int sym = id ? sim_venue_symbol(v, id, strlen(id)) : -ENOENT;

		if (sym < 0) {
			cb_error(out, " is not a valid product", id ? id : "?");
			return -ENOENT;
		}
		if (on)
			next[sym] |= bit;
		else
			next[sym] &= (uint8_t)~bit;
	}
	return 0;
}

/* The channels list: names (root product_ids) or {"name","product_ids"}. */
static int cb_channels_apply(struct sim_venue *v, json_t *root, int on, uint8_t *next,
			     struct sim_replies *out)
{
	json_t *chs = json_object_get(root, "channels"), *ch;
	size_t k;

	if (!json_is_array(chs) || json_array_size(chs) == 0) {
		sim_reply_add(out,
			      "{\"type\":\"error\",\"message\":\"Failed to subscribe\",\"reason\":"
			      "\"channels must be a non-empty array\"}");
		return -EINVAL;
	}
	json_array_foreach(chs, k, ch)
	{
		const char *name = json_is_string(ch)
					   ? json_string_value(ch)
					   : json_string_value(json_object_get(ch, "name"));
		json_t *products = json_is_object(ch) ? json_object_get(ch, "product_ids")
						      : json_object_get(root, "product_ids");
		size_t c;

		for (c = 0; c < CB_NCH && name; c++)
			if (strcmp(name, cb_channels[c].name) == 0)
				break;
		if (!name || c == CB_NCH) {
			cb_error(out, " is not a valid channel", name ? name : "?");
			return -EINVAL;
		}
		if (cb_apply(v, cb_channels[c].bit, products, on, next, out) < 0)
			return -EINVAL;
	}
	return 0;
}

/* {"type":"subscriptions","channels":[...]}: every channel with products. */
static void cb_subscriptions(const struct sim_venue *v, const uint8_t *subs,
			     struct sim_replies *out)
{
	char text[8192];
	size_t off =
		(size_t)snprintf(text, sizeof(text), "{\"type\":\"subscriptions\",\"channels\":[");
	const char *csep = "";

	for (size_t c = 0; c < CB_NCH && off < sizeof(text); c++) {
		const char *psep = "";
		uint32_t any = 0;

		for (uint32_t i = 0; i < v->nsym; i++)
			any |= subs[i] & cb_channels[c].bit;
		if (!any)
			continue; /* a channel with no product is not listed */
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"%s{\"name\":\"%s\",\"product_ids\":[", csep,
					cb_channels[c].name);
		for (uint32_t i = 0; i < v->nsym && off < sizeof(text); i++) {
			if (!(subs[i] & cb_channels[c].bit))
				continue;
			off += (size_t)snprintf(text + off, sizeof(text) - off, "%s\"%s\"", psep,
						v->sym[i].norm);
			psep = ",";
		}
		if (off < sizeof(text))
			off += (size_t)snprintf(text + off, sizeof(text) - off, "]}");
		csep = ",";
	}
	if (off < sizeof(text)) {
		snprintf(text + off, sizeof(text) - off, "]}");
		sim_reply_add(out, "%s", text);
	}
}

/* A deterministic order id in UUID form, from the trade id and a salt. */
static void cb_uuid(uint64_t id, uint64_t salt, char *out, size_t len)
{
	uint64_t h = (id ^ salt) * 0x9e3779b97f4a7c15ull, g = h * 0xbf58476d1ce4e5b9ull;

	sim_dialect_uuid(h, g, '4', 'a', out, len);
}

/* One match (type "match" or "last_match") of symbol i at ms. */
static int cb_match_text(struct sim_venue *v, uint32_t i, const char *type, uint64_t seq,
			 const struct sim_trade_text *x, int64_t ms, char *buf, size_t len)
{
	char ts[40], maker[40], taker[40];

	sim_rfc3339(ms, ts, sizeof(ts));
	cb_uuid(x->t.id, 1, maker, sizeof(maker));
	cb_uuid(x->t.id, 2, taker, sizeof(taker));
	return sim_dialect_print(
		buf, len,
		"{\"type\":\"%s\",\"trade_id\":%" PRIu64 ",\"sequence\":%" PRIu64
		",\"maker_order_id\":\"%s\",\"taker_order_id\":\"%s\",\"time\":\"%s\","
		"\"product_id\":\"%s\",\"size\":\"%s\",\"price\":\"%s\",\"side\":\"%s\"}",
		type, x->t.id, seq, maker, taker, ts, v->sym[i].norm, x->qty, x->px,
		x->t.buyer_maker ? "buy" : "sell"); /* the maker's side */
}

/* A new matches subscription starts with a last_match: the product's
 * latest trade (a fresh step of its walk), sent as data with the ack. */
static void cb_last_matches(struct sim_venue *v, const uint8_t *before, const uint8_t *after,
			    struct sim_replies *out)
{
	for (uint32_t i = 0; i < v->nsym; i++) {
		struct sim_trade_text x;
		char text[1024];
		int64_t ms = cb_now_ms();

		if (!(after[i] & SIM_STREAM_TRADE) || before[i] & SIM_STREAM_TRADE)
			continue;
		sim_dialect_trade_step(v, i, 0, 0, SIM_TEXT_TRIM, &x);
		if (cb_match_text(v, i, "last_match", v->sym[i].seq, &x, ms, text, sizeof(text)) >
		    0)
			sim_reply_data(out, v, ms, "%s", text);
	}
}

/* Advanced Trade's subscriptions ack: every current subscription,
 * {"heartbeats":["heartbeats"],"level2":[products]} (captures of the
 * production feed list heartbeats so, beside level2). */
static void cb_at_subscriptions(const struct sim_venue *v, const uint8_t *subs,
				struct sim_replies *out)
{
	char text[8192], ts[40];
	size_t off = 0;

	sim_rfc3339(tools_now_ns(CLOCK_REALTIME) / 1000000, ts, sizeof(ts));
	for (uint32_t i = 0; i < v->nsym && off < sizeof(text); i++)
		if (subs[i] & SIM_STREAM_DEPTH)
			off += (size_t)snprintf(text + off, sizeof(text) - off, "%s\"%s\"",
						off ? "," : "", v->sym[i].norm);
	if (off >= sizeof(text))
		return;
	sim_reply_add(out,
		      "{\"channel\":\"subscriptions\",\"client_id\":\"\",\"timestamp\":\"%s\","
		      "" CB_SEQ_MARK "\"events\":[{\"subscriptions\":{%s\"level2\":[%s]}}]}",
		      ts, subs[0] & CB_AT_HB ? "\"heartbeats\":[\"heartbeats\"]," : "", text);
}

/* An Advanced Trade request ("channel": one per message): level2 (every
 * product valid or nothing changes) or heartbeats (no products: the
 * connection's one heartbeats message a second, cb_beat). */
static int cb_at_request(struct sim_venue *v, json_t *root, int on, uint8_t *subs,
			 struct sim_replies *out)
{
	const char *ch = json_string_value(json_object_get(root, "channel"));
	json_t *products = json_object_get(root, "product_ids");
	uint8_t next[SIM_MAX_SYMBOLS];

	if (strcmp(ch, "heartbeats") == 0) {
		subs[0] = (uint8_t)(on ? subs[0] | CB_AT_HB : subs[0] & ~CB_AT_HB);
		cb_at_subscriptions(v, subs, out);
		return 0;
	}
	if (strcmp(ch, "level2") != 0) {
		cb_error(out, " is not a valid channel", ch);
		return -EINVAL;
	}
	memcpy(next, subs, sizeof(next));
	if (cb_apply(v, SIM_STREAM_DEPTH, products, on, next, out) < 0)
		return -EINVAL;
	for (uint32_t i = 0; on && i < v->nsym; i++)
		if (next[i] & SIM_STREAM_DEPTH)
			out->depth[i] = CB_L2_DEPTH;
	memcpy(subs, next, sizeof(next));
	cb_at_subscriptions(v, subs, out);
	return 0;
}

static int cb_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
		      struct sim_replies *out)
{
	json_t *root = json_loadb(msg, n, 0, NULL);
	const char *type = json_string_value(json_object_get(root, "type"));
	uint8_t next[SIM_MAX_SYMBOLS];
	int on = type && strcmp(type, "subscribe") == 0;
	int r = -EINVAL;

	if (!root || !type || (!on && strcmp(type, "unsubscribe") != 0)) {
		sim_reply_add(out,
			      "{\"type\":\"error\",\"message\":\"Failed to subscribe\",\"reason\":"
			      "\"%s\"}",
			      root ? "type must be subscribe or unsubscribe" : "malformed JSON");
		json_decref(root);
		return -EINVAL;
	}
	if (json_is_string(json_object_get(root, "channel"))) {
		r = cb_at_request(v, root, on, subs, out);
		json_decref(root);
		return r;
	}
	memcpy(next, subs, sizeof(next));
	if (cb_channels_apply(v, root, on, next, out) == 0) {
		cb_subscriptions(v, next, out);
		cb_last_matches(v, subs, next, out);
		memcpy(subs, next, sizeof(next));
		r = 0;
	}
	json_decref(root);
	return r;
}

static int cb_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
		    uint64_t id, char *buf, size_t len)
{
	struct sim_trade_text x;

	sim_dialect_trade_step(v, i, id, extra_decimals, SIM_TEXT_TRIM, &x);
	return cb_match_text(v, i, "match", ++v->sym[i].seq, &x, now_ms, buf, len);
}

static int cb_bbo(struct sim_venue *v, uint32_t i, int64_t now_ms, char *buf, size_t len)
{
	struct sim_bbo_text x;
	const struct sim_symbol *s = &v->sym[i];
	char px[40], ts[40];

	sim_dialect_bbo_step(v, i, SIM_TEXT_TRIM, &x);
	sim_dec_trim(s->px, 8, px, sizeof(px));
	sim_rfc3339(now_ms, ts, sizeof(ts));
	return sim_dialect_print(
		buf, len,
		"{\"type\":\"ticker\",\"sequence\":%" PRIu64
		",\"product_id\":\"%s\",\"price\":\"%s\",\"open_24h\":\"%s\","
		"\"volume_24h\":\"12345.6789\",\"low_24h\":\"%s\",\"high_24h\":\"%s\","
		"\"volume_30d\":\"370370.367\",\"best_bid\":\"%s\",\"best_bid_size\":\"%s\","
		"\"best_ask\":\"%s\",\"best_ask_size\":\"%s\",\"side\":\"buy\",\"time\":\"%s\","
		"\"trade_id\":%" PRIu64 ",\"last_size\":\"0.01\"}",
		++v->sym[i].seq, s->norm, px, px, x.bid, x.ask, x.bid, x.bid_qty, x.ask, x.ask_qty,
		ts, s->trade_id);
}

/* --replay lines: "product_id" names the symbol; match or ticker the kind. */
static int cb_classify(struct sim_venue *v, const char *msg, size_t n, uint8_t *kind)
{
	return sim_dialect_classify_marked(v, msg, n, "match\"", "\"type\":\"ticker\"",
					   "\"product_id\":\"", kind);
}

/* One heartbeat per product subscribed to the heartbeat channel; on an
 * Advanced Trade connection with heartbeats, its one heartbeats message:
 * {"channel":"heartbeats","client_id":"","timestamp":..,"sequence_num":N,
 * "events":[{"current_time":"2026-09-07 23:37:22.674409 +0000 UTC",
 * "heartbeat_counter":139651}]} (the counter an integer, as the AsyncAPI
 * spec checked 2026-12-07 against
 * https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/advanced-trade-asyncapi.json
 * says the production feed sends it; here the seconds since the epoch). */
static int cb_beat(struct sim_venue *v, const uint8_t *subs, int64_t now_ms,
		   struct sim_replies *out)
{
	char ts[40], now[40];

	sim_rfc3339(now_ms, ts, sizeof(ts));
	if (subs[0] & CB_AT_HB) {
		snprintf(now, sizeof(now), "%.10s %.15s +0000 UTC", ts, ts + 11);
		sim_reply_add(out,
			      "{\"channel\":\"heartbeats\",\"client_id\":\"\",\"timestamp\":\"%s\","
			      "" CB_SEQ_MARK "\"events\":[{\"current_time\":\"%s\","
			      "\"heartbeat_counter\":%" PRId64 "}]}",
			      ts, now, now_ms / 1000);
	}
	for (uint32_t i = 0; i < v->nsym; i++)
		if (subs[i] & SIM_STREAM_AUX)
			sim_reply_add(out,
				      "{\"type\":\"heartbeat\",\"sequence\":%" PRIu64
				      ",\"last_trade_id\":%" PRIu64
				      ",\"product_id\":\"%s\",\"time\":\"%s\"}",
				      v->sym[i].seq, v->sym[i].trade_id, v->sym[i].norm, ts);
	return 0;
}

/* Appends to buf at *off (printf format): 0, or -ENOSPC. */
__attribute__((format(printf, 4, 5))) static int cb_cat(char *buf, size_t len, size_t *off,
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

/* One side's levels as level2 updates (absolute sizes, "0" removes). */
static int cb_l2_side(char *buf, size_t len, size_t *off, const struct sim_lvl *lv, uint32_t n,
		      const char *side, const char *ts)
{
	char px[40], qty[40];

	for (uint32_t k = 0; k < n; k++) {
		sim_dec_trim(lv[k].px, 8, px, sizeof(px));
		sim_dec_trim(lv[k].qty, 8, qty, sizeof(qty));
		if (cb_cat(buf, len, off,
			   "%s{\"side\":\"%s\",\"event_time\":\"%s\",\"price_level\":\"%s\","
			   "\"new_quantity\":\"%s\"}",
			   *off && buf[*off - 1] == '}' ? "," : "", side, ts, px, qty) < 0)
			return -ENOSPC;
	}
	return 0;
}

/* An l2_data message: the snapshot or a step's changed levels (bids, then
 * offers); sequence_num is numbered by the frame hook. A dropped step
 * (drop_delta, SIM_BOOK_SEQ_CONN) prints nothing but takes its number: the
 * connection's sequence_num jumps, as when the venue lost a message. */
static int cb_depth(struct sim_venue *v, uint32_t i, const struct sim_book_ev *ev, int mode,
		    char *buf, size_t len)
{
	char ts[40];
	size_t off = 0;

	if (ev->dropped) {
		cb_seqnum[(uint32_t)mode % CB_SEQ_SLOTS]++;
		return 0;
	}
	sim_rfc3339(tools_now_ns(CLOCK_REALTIME) / 1000000, ts, sizeof(ts));
	if (cb_cat(buf, len, &off,
		   "{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"%s\"," CB_SEQ_MARK
		   "\"events\":[{\"type\":\"%s\",\"product_id\":\"%s\",\"updates\":[",
		   ts, ev->snapshot ? "snapshot" : "update", v->sym[i].norm) < 0 ||
	    cb_l2_side(buf, len, &off, ev->bids, ev->nb, "bid", ts) < 0 ||
	    cb_l2_side(buf, len, &off, ev->asks, ev->na, "offer", ts) < 0 ||
	    cb_cat(buf, len, &off, "]}]}") < 0)
		return -ENOSPC;
	return (int)off;
}

/* "/" only; every connection gets its own mode: its sequence_num key.
 * subs is the route hook's (no stream is subscribed by the path here). */
/* NOLINTNEXTLINE(readability-non-const-parameter) */
static int cb_route(struct sim_venue *v, const char *target, uint8_t *subs, int *mode)
{
	(void)v;
	(void)subs;
	if (strcmp(target, "/") != 0)
		return 404;
	if (++cb_next_mode == 0)
		cb_next_mode = 1;
	*mode = (int)(cb_next_mode & 0x7fffffff);
	cb_seqnum[(uint32_t)*mode % CB_SEQ_SLOTS] = 0;
	return 0;
}

/* Advanced Trade messages ({"channel":..}) get the connection's next
 * sequence_num in place of the 0 they were printed with; the Exchange
 * feed's messages go out as they are. */
static int cb_frame(const struct sim_venue *v, int mode, int sym, uint8_t kind, const void *p,
		    size_t n, struct sim_buf *out, uint8_t *opcode)
{
	static const char head[] = "{\"channel\":\"", mark[] = CB_SEQ_MARK;
	const char *text = p, *at;
	uint64_t seq;
	char num[48];
	int k;

	(void)v;
	(void)sym;
	(void)kind;
	if (n < sizeof(head) - 1 || memcmp(text, head, sizeof(head) - 1) != 0)
		return 0;
	at = memmem(text, n, mark, sizeof(mark) - 1);
	if (!at)
		return 0;
	seq = cb_seqnum[(uint32_t)mode % CB_SEQ_SLOTS]++;
	if (seq == 0)
		return 0; /* the text already says 0 */
	k = snprintf(num, sizeof(num), "\"sequence_num\":%" PRIu64 ",", seq);
	if (sim_buf_append(out, text, (size_t)(at - text)) < 0 ||
	    sim_buf_append(out, num, (size_t)k) < 0 ||
	    sim_buf_append(out, at + sizeof(mark) - 1,
			   n - (size_t)(at - text) - (sizeof(mark) - 1)) < 0)
		return -ENOMEM;
	*opcode = WSLAY_TEXT_FRAME;
	return 1;
}

/* REST (product book, trades): at the end of the file. */
static int cb_rest(struct sim_venue *v, const char *path_query, char *out, size_t len, int *status);

const struct sim_dialect sim_dialect_coinbase = {
	.name = "coinbase",
	.paths = "/",
	.route = cb_route,
	.request = cb_request,
	.trade = cb_trade,
	.bbo = cb_bbo,
	.classify = cb_classify,
	.beat = cb_beat, /* no .ping: none documented at the app level; WebSocket pings */
	.frame = cb_frame,
	.depth = cb_depth,
	.rest = cb_rest,
	.book_flags = SIM_BOOK_STREAM_SNAPSHOT | SIM_BOOK_SEQ_CONN,
};

/* ---- REST: /products/{id}/book, /products/{id}/trades ------------------------------ */

/*
 * The Exchange REST API (api.exchange.coinbase.com, the host feedd's
 * coinbase adapter uses), checked 2026-12-07 against
 * https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/products/get-product-book
 * and .../products/get-product-trades:
 *   /products/{id}/book?level=1|2 (default 1): {"bids":[["px","size",
 *     num_orders]..],"asks":[..],"sequence":N,"auction_mode":false,
 *     "auction":null,"time":RFC3339}; level 1 the best bid and ask, level 2
 *     the whole aggregated book: the sim's book (sequence: its message
 *     sequence), printed as the level2 channel prints it
 *   /products/{id}/trades?limit=N (at most 1000, default 100): [{"time",
 *     "trade_id","price","size","side"}..] newest first; side is the
 *     maker's ("buy": the taker sold), as on the feed
 * An unknown product: HTTP 404 {"message":"NotFound"}; level 3 (the orders
 * one by one: the sim keeps levels, not orders) and any other level: 400.
 */

/* The product of "/products/{id}/what?.." into sym and the part after it;
 * -ENOENT for another path. */
static int cb_rest_product(struct sim_venue *v, const char *path_query, const char **what, int *sym)
{
	static const char pre[] = "/products/";
	const char *id = path_query + sizeof(pre) - 1, *slash;

	if (strncmp(path_query, pre, sizeof(pre) - 1) != 0 || !(slash = strchr(id, '/')))
		return -ENOENT;
	*what = slash + 1;
	*sym = sim_venue_symbol(v, id, (size_t)(slash - id));
	return 0;
}

static void cb_rest_side(struct sim_out *o, const struct sim_lvl *lv, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		char px[40], qty[40];

		sim_dec_trim(lv[k].px, 8, px, sizeof(px));
		sim_dec_trim(lv[k].qty, 8, qty, sizeof(qty));
		sim_out_printf(o, "%s[\"%s\",\"%s\",%u]", k ? "," : "", px, qty,
			       (unsigned)(1 + (lv[k].qty / 1000) % 7));
	}
}

/* NOLINTNEXTLINE(readability-non-const-parameter): written through a struct sim_out */
static int cb_rest_book(struct sim_venue *v, int sym, int level, char *out, size_t len)
{
	struct sim_out o = {out, len, 0, 0};
	struct sim_book_ev ev;
	char ts[40];

	if (sim_book_rest_view(v, (uint32_t)sym, level == 1 ? 1 : 0, &ev) < 0)
		return -ENOSPC;
	sim_rfc3339(tools_now_ns(CLOCK_REALTIME) / 1000000, ts, sizeof(ts));
	sim_out_printf(&o, "{\"bids\":[");
	cb_rest_side(&o, ev.bids, ev.nb);
	sim_out_printf(&o, "],\"asks\":[");
	cb_rest_side(&o, ev.asks, ev.na);
	sim_out_printf(&o,
		       "],\"sequence\":%" PRIu64 ",\"auction_mode\":false,\"auction\":null,"
		       "\"time\":\"%s\"}",
		       ev.seq, ts);
	return sim_out_end(&o);
}

/* NOLINTNEXTLINE(readability-non-const-parameter): written through a struct sim_out */
static int cb_rest_trades(struct sim_venue *v, int sym, long limit, char *out, size_t len)
{
	struct sim_out o = {out, len, 0, 0};
	int64_t now = tools_now_ns(CLOCK_REALTIME) / 1000000, ms[64];
	struct sim_trade t[64];
	uint32_t n, k;

	n = sim_rest_recent(v, (uint32_t)sym, (uint32_t)(limit < 64 ? limit : 64), now, t, ms);
	sim_out_printf(&o, "[");
	for (k = n; k-- > 0;) { /* newest first */
		char px[40], qty[40], ts[40];

		sim_dec(t[k].px, 8, px, sizeof(px));
		sim_dec(t[k].qty, 8, qty, sizeof(qty));
		sim_rfc3339(ms[k], ts, sizeof(ts));
		sim_out_printf(&o,
			       "%s{\"time\":\"%s\",\"trade_id\":%" PRIu64 ",\"price\":\"%s\","
			       "\"size\":\"%s\",\"side\":\"%s\"}",
			       k + 1 < n ? "," : "", ts, t[k].id, px, qty,
			       t[k].buyer_maker ? "buy" : "sell");
	}
	sim_out_printf(&o, "]");
	return sim_out_end(&o);
}

static int cb_rest(struct sim_venue *v, const char *path_query, char *out, size_t len, int *status)
{
	const char *what;
	long n;
	int sym;

	if (cb_rest_product(v, path_query, &what, &sym) < 0)
		return -ENOENT;
	if (strncmp(what, "book", 4) != 0 && strncmp(what, "trades", 6) != 0)
		return -ENOENT;
	if (sym < 0) {
		*status = 404;
		return sim_dialect_print(out, len, "{\"message\":\"NotFound\"}");
	}
	*status = 200;
	if (what[0] == 'b') {
		n = sim_rest_limit_key(path_query, "level", 1, 3);
		if (n != 1 && n != 2) {
			*status = 400;
			return sim_dialect_print(out, len, "{\"message\":\"Invalid level\"}");
		}
		return cb_rest_book(v, sym, (int)n, out, len);
	}
	n = sim_rest_limit_key(path_query, "limit", 100, 1000);
	if (n < 0) {
		*status = 400;
		return sim_dialect_print(out, len, "{\"message\":\"Invalid limit\"}");
	}
	return cb_rest_trades(v, sym, n, out, len);
}
