/* SPDX-License-Identifier: MIT */
/*
 * bybit.c: the Bybit v5 public spot dialect of mdbus-sim (struct sim_dialect,
 * see sim.h), as docs/venues/bybit.md records the venue's documentation
 * (checked 2026-12-06). No I/O.
 *
 *   path     /v5/public/spot
 *   request  {"req_id":"1","op":"subscribe","args":["publicTrade.BTCUSDT",
 *            "orderbook.1.BTCUSDT"]}: topics of any symbols, at most 10 args
 *            (spot's limit), all or nothing; "unsubscribe" the same
 *   ack      {"success":true,"ret_msg":"subscribe","conn_id":"UUID",
 *            "req_id":"1","op":"subscribe"} (req_id only when the request
 *            had one)
 *   reject   the same with "success":false and the reason in ret_msg: the
 *            docs show no failure text, so "Invalid symbol :[TOPIC]" (an
 *            unknown symbol) and "error:handler not found,topic:TOPIC" (an
 *            unknown topic) are our wording
 *   ping     {"req_id":"7","op":"ping"} -> {"success":true,"ret_msg":"pong",
 *            "conn_id":"UUID","req_id":"7","op":"ping"}; the server itself
 *            sends WebSocket pings (no app-level server ping is documented)
 *   trade    {"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":ms,
 *            "data":[{"T":ms,"s":"BTCUSDT","S":"Buy","v":"0.00100000",
 *            "p":"65000.12000000","i":"1430899","BT":false,"seq":N}]}
 *            S is the taker side; i a string (spot ids are decimal; the
 *            docs' UUID example is from futures); seq the cross sequence
 *   bbo      {"topic":"orderbook.1.BTCUSDT","ts":ms,"type":"snapshot",
 *            "data":{"s":"BTCUSDT","b":[["px","qty"]],"a":[["px","qty"]],
 *            "u":N,"seq":N},"cts":ms} (spot puts ts before type)
 *
 * bybit-linear, the USDT perpetuals on /v5/public/linear (its own listener
 * and walks: the same native names as spot, another endpoint): acks and
 * pongs carry "ret_msg":"" / "pong" and always a req_id ("" when the
 * request had none), as the linear examples show; trades add the tick
 * direction "L" and carry a UUID in "i" (the documented example).
 *
 *   depth    orderbook.50 / .200 / .1000 (spot and linear alike; the docs
 *            give 1, 50, 200 and 1000 for both: SIM_STREAM_DEPTH): a snapshot
 *            first, {"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":ms,
 *            "data":{"s":"BTCUSDT","b":[["px","qty"]..],"a":[..],"u":N,
 *            "seq":N},"cts":ms}, then "type":"delta" with the changed levels
 *            inside the depth (qty 0 removes; the levels entering the depth
 *            from below when levels inside are removed are re-stated). u is
 *            the book's message sequence + 1 (a step changing nothing inside
 *            the depth is an empty delta: u stays contiguous), never 1 on a
 *            delta ("u"=1 is the venue's reset mark); seq the book's update
 *            id (growing, not contiguous)
 *
 * The cross sequence of a symbol is its trade count plus its book update
 * count: it grows by one with every trade and every book message.
 *
 * depth checked 2026-12-07 against
 * https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook
 * The conn_id is a UUID made from the connection's subscription table
 * address: stable for one connection, different between connections.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "sim.h"

#define BYBIT_TRADE    "publicTrade."
#define BYBIT_BOOK     "orderbook.1."
#define BYBIT_MAX_ARGS 10 /* spot: args per subscribe request (linear: no limit) */

/* The connection's conn_id: a UUID-shaped hash of its subs table. */
static void bybit_conn_id(const uint8_t *subs, char *out, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)subs;
	uint64_t g;

	h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
	g = (h ^ (h >> 31)) * 0x94d049bb133111ebull;
	sim_dialect_uuid(h, g, '4', 'a', out, len);
}

/* The reply to op (ack or reject), with the request's req_id if it had one
 * (linear: always, "" for none). */
static void bybit_answer(struct sim_replies *out, const uint8_t *subs, int ok, const char *msg,
			 const char *req_id, const char *op, int linear)
{
	char cid[40], rid[80] = "";

	bybit_conn_id(subs, cid, sizeof(cid));
	if (req_id || linear)
		snprintf(rid, sizeof(rid), "\"req_id\":\"%.60s\",", req_id ? req_id : "");
	sim_reply_add(out, "{\"success\":%s,\"ret_msg\":\"%s\",\"conn_id\":\"%s\",%s\"op\":\"%s\"}",
		      ok ? "true" : "false", msg, cid, rid, op);
}

/* "orderbook.50.BTCUSDT" (50, 200, 1000): the symbol part, *depth set;
 * NULL for another topic. */
static const char *bybit_depth_topic(const char *t, uint16_t *depth)
{
	static const char *const pre[] = {"orderbook.50.", "orderbook.200.", "orderbook.1000."};
	static const uint16_t n[] = {50, 200, 1000};

	for (size_t k = 0; k < sizeof(n) / sizeof(n[0]); k++)
		if (strncmp(t, pre[k], strlen(pre[k])) == 0) {
			*depth = n[k];
			return t + strlen(pre[k]);
		}
	return NULL;
}

/* "publicTrade.BTCUSDT" -> symbol and stream bit: 0, -EINVAL (unknown
 * topic) or -ENOENT (unknown symbol; Bybit names them in upper case). */
static int bybit_topic(struct sim_venue *v, const char *t, int *sym, uint8_t *bit)
{
	uint16_t depth = 0;
	const char *s = sim_dialect_prefixed(t, BYBIT_TRADE, BYBIT_BOOK, bit);

	if (!s && (s = bybit_depth_topic(t, &depth)) != NULL)
		*bit = SIM_STREAM_DEPTH;
	if (!s)
		return -EINVAL;
	*sym = sim_venue_symbol(v, s, strlen(s));
	if (*sym < 0 || strcmp(v->sym[*sym].native, s) != 0)
		return -ENOENT;
	return 0;
}

/* subscribe/unsubscribe: every topic valid, or nothing changes. */
static int bybit_subscribe(struct sim_venue *v, json_t *args, int on, uint8_t *subs,
			   const char *req_id, const char *op, int linear, struct sim_replies *out)
{
	uint8_t next[SIM_MAX_SYMBOLS];
	char why[160];

	if (!json_is_array(args) || (!linear && json_array_size(args) > BYBIT_MAX_ARGS)) {
		bybit_answer(out, subs, 0, "error:args must be an array of at most 10 topics",
			     req_id, op, linear);
		return -EINVAL;
	}
	memcpy(next, subs, sizeof(next));
	for (size_t k = 0; k < json_array_size(args); k++) {
		const char *t = json_string_value(json_array_get(args, k));
		uint8_t bit = 0;
		int sym = -1, e = t ? bybit_topic(v, t, &sym, &bit) : -EINVAL;

		if (e < 0) {
			if (e == -ENOENT)
				snprintf(why, sizeof(why), "Invalid symbol :[%.100s]", t);
			else
				snprintf(why, sizeof(why), "error:handler not found,topic:%.100s",
					 t ? t : "");
			bybit_answer(out, subs, 0, why, req_id, op, linear);
			return -EINVAL;
		}
		next[sym] = on ? next[sym] | bit : next[sym] & (uint8_t)~bit;
		if (on && bit == SIM_STREAM_DEPTH)
			bybit_depth_topic(t, &out->depth[sym]);
	}
	memcpy(subs, next, sizeof(next));
	bybit_answer(out, subs, 1, linear ? "" : op, req_id, op, linear);
	return 0;
}

static int bybit_request_on(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
			    struct sim_replies *out, int linear)
{
	json_t *root = json_loadb(msg, n, 0, NULL);
	const char *op = json_string_value(json_object_get(root, "op"));
	const char *req_id = json_string_value(json_object_get(root, "req_id"));
	int r = -EINVAL;

	if (!op) {
		bybit_answer(out, subs, 0, "error:invalid request", req_id, "", linear);
	} else if (strcmp(op, "ping") == 0) {
		bybit_answer(out, subs, 1, "pong", req_id, "ping", linear);
		r = SIM_REQ_PING;
	} else if (strcmp(op, "subscribe") == 0 || strcmp(op, "unsubscribe") == 0) {
		r = bybit_subscribe(v, json_object_get(root, "args"), op[0] == 's', subs, req_id,
				    op, linear, out);
	} else {
		bybit_answer(out, subs, 0, "error:unknown op", req_id, op, linear);
	}
	json_decref(root);
	return r;
}

static int bybit_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
			 struct sim_replies *out)
{
	return bybit_request_on(v, msg, n, subs, out, 0);
}

static int bybit_linear_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
				struct sim_replies *out)
{
	return bybit_request_on(v, msg, n, subs, out, 1);
}

/* The symbol's cross sequence: one step per trade and per book message. */
static uint64_t bybit_seq(const struct sim_symbol *s)
{
	return s->trade_id + s->update_id;
}

/* A linear trade id: a UUID made from the id (the documented example is a
 * UUID), copied to v->last.id for --record. */
static void bybit_uuid(struct sim_venue *v, uint64_t id, char *out, size_t len)
{
	uint64_t h = (id ^ 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
	uint64_t g = (h ^ (h >> 31)) * 0x94d049bb133111ebull;

	sim_dialect_uuid(h, g, '5', '9', out, len);
	snprintf(v->last.id, sizeof(v->last.id), "%s", out);
}

/* Linear's tick direction: the trade price against the one before. */
static const char *bybit_tick_dir(int64_t px, int64_t before)
{
	return px > before ? "PlusTick" : px < before ? "MinusTick" : "ZeroPlusTick";
}

static int bybit_trade_on(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
			  uint64_t id, char *buf, size_t len, int linear)
{
	struct sim_trade_text x;
	char tid[48], dir[32] = "";
	int64_t before = v->sym[i].px;

	sim_dialect_trade_step(v, i, id, extra_decimals, SIM_TEXT_FULL, &x);
	if (linear) {
		bybit_uuid(v, x.t.id, tid, sizeof(tid));
		snprintf(dir, sizeof(dir), "\"L\":\"%s\",", bybit_tick_dir(x.t.px, before));
	} else {
		snprintf(tid, sizeof(tid), "%" PRIu64, x.t.id);
	}
	return sim_dialect_print(
		buf, len,
		"{\"topic\":\"publicTrade.%s\",\"type\":\"snapshot\",\"ts\":%" PRId64
		",\"data\":[{\"T\":%" PRId64 ",\"s\":\"%s\",\"S\":\"%s\",\"v\":\"%s\","
		"\"p\":\"%s\",%s\"i\":\"%s\",\"BT\":false,\"seq\":%" PRIu64 "}]}",
		v->sym[i].native, now_ms, now_ms, v->sym[i].native,
		x.t.buyer_maker ? "Sell" : "Buy", x.qty, x.px, dir, tid, bybit_seq(&v->sym[i]));
}

static int bybit_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
		       uint64_t id, char *buf, size_t len)
{
	return bybit_trade_on(v, i, now_ms, extra_decimals, id, buf, len, 0);
}

static int bybit_linear_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
			      uint64_t id, char *buf, size_t len)
{
	return bybit_trade_on(v, i, now_ms, extra_decimals, id, buf, len, 1);
}

static int bybit_bbo(struct sim_venue *v, uint32_t i, int64_t now_ms, char *buf, size_t len)
{
	struct sim_bbo_text x;

	sim_dialect_bbo_step(v, i, SIM_TEXT_FULL, &x);
	return sim_dialect_print(
		buf, len,
		"{\"topic\":\"orderbook.1.%s\",\"ts\":%" PRId64
		",\"type\":\"snapshot\",\"data\":{\"s\":\"%s\",\"b\":[[\"%s\",\"%s\"]],"
		"\"a\":[[\"%s\",\"%s\"]],\"u\":%" PRIu64 ",\"seq\":%" PRIu64 "},\"cts\":%" PRId64
		"}",
		v->sym[i].native, now_ms, v->sym[i].native, x.bid, x.bid_qty, x.ask, x.ask_qty,
		x.q.update_id, bybit_seq(&v->sym[i]), now_ms);
}

/* A --replay line: its topic names the stream and the symbol. */
static int bybit_classify(struct sim_venue *v, const char *msg, size_t n, uint8_t *kind)
{
	return sim_dialect_classify_by(v, msg, n, "\"topic\":\"", bybit_topic, kind);
}

/* Appends to buf at *off (printf format): 0, or -ENOSPC. */
__attribute__((format(printf, 4, 5))) static int bybit_cat(char *buf, size_t len, size_t *off,
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

static int bybit_level(char *buf, size_t len, size_t *off, const struct sim_lvl *l, uint32_t *count)
{
	char px[40], qty[40];

	sim_dec(l->px, 8, px, sizeof(px));
	sim_dec(l->qty, 8, qty, sizeof(qty));
	return bybit_cat(buf, len, off, "%s[\"%s\",\"%s\"]", (*count)++ ? "," : "", px, qty);
}

/* One side of a message: a snapshot's levels; a delta's changed levels at
 * or above the depth-th level of the book after the step, then the bottom
 * levels of that window again, one per level removed inside it (they may
 * have entered it from below). */
static int bybit_side(char *buf, size_t len, size_t *off, const struct sim_lvl *lv, uint32_t n,
		      const struct sim_book_side *after, uint32_t depth, int bid)
{
	uint32_t w = after ? (after->n < depth ? after->n : depth) : 0, removed = 0, count = 0;
	int64_t edge = w ? after->lv[w - 1].px : 0;

	for (uint32_t k = 0; k < n; k++) {
		if (after && w == depth && (bid ? lv[k].px < edge : lv[k].px > edge))
			continue; /* outside the subscribed depth */
		removed += after && lv[k].qty == 0;
		if (bybit_level(buf, len, off, &lv[k], &count) < 0)
			return -ENOSPC;
	}
	for (uint32_t k = w - (removed < w ? removed : w); after && k < w; k++)
		if (bybit_level(buf, len, off, &after->lv[k], &count) < 0)
			return -ENOSPC;
	return (int)count;
}

/* An orderbook.N message: the snapshot at the subscribed depth, or a
 * delta. */
static int bybit_depth(struct sim_venue *v, uint32_t i, const struct sim_book_ev *ev, int mode,
		       char *buf, size_t len)
{
	const struct sim_book_state *cur = &ev->book->cur;
	uint32_t depth = ev->depth ? ev->depth : 50;
	int64_t ms = tools_now_ns(CLOCK_REALTIME) / 1000000;
	const char *s = v->sym[i].native;
	size_t off = 0;
	int nb, na;

	(void)mode;
	if (bybit_cat(buf, len, &off,
		      "{\"topic\":\"orderbook.%" PRIu32 ".%s\",\"type\":\"%s\",\"ts\":%" PRId64
		      ",\"data\":{\"s\":\"%s\",\"b\":[",
		      depth, s, ev->snapshot ? "snapshot" : "delta", ms, s) < 0 ||
	    (nb = bybit_side(buf, len, &off, ev->bids, ev->nb, ev->snapshot ? NULL : &cur->bid,
			     depth, 1)) < 0 ||
	    bybit_cat(buf, len, &off, "],\"a\":[") < 0 ||
	    (na = bybit_side(buf, len, &off, ev->asks, ev->na, ev->snapshot ? NULL : &cur->ask,
			     depth, 0)) < 0 ||
	    bybit_cat(buf, len, &off,
		      "],\"u\":%" PRIu64 ",\"seq\":%" PRIu64 "},\"cts\":%" PRId64 "}", ev->seq + 1,
		      ev->last_id, ms) < 0)
		return -ENOSPC;
	(void)nb;
	(void)na; /* an empty delta still goes: u stays contiguous */
	return (int)off;
}

/* REST (orderbook, tickers, recent-trade): at the end of the file. */
static int bybit_rest(struct sim_venue *v, const char *path_query, char *out, size_t len,
		      int *status);
static int bybit_linear_rest(struct sim_venue *v, const char *path_query, char *out, size_t len,
			     int *status);

const struct sim_dialect sim_dialect_bybit = {
	.name = "bybit",
	.paths = "/v5/public/spot",
	.request = bybit_request,
	.trade = bybit_trade,
	.bbo = bybit_bbo,
	.classify = bybit_classify,
	.depth = bybit_depth,
	.rest = bybit_rest,
	.book_flags = SIM_BOOK_STREAM_SNAPSHOT,
	/* no .ping: WebSocket ping frames; the client sends {"op":"ping"} */
};

const struct sim_dialect sim_dialect_bybit_linear = {
	.name = "bybit-linear",
	.paths = "/v5/public/linear",
	.request = bybit_linear_request,
	.trade = bybit_linear_trade,
	.bbo = bybit_bbo,
	.classify = bybit_classify,
	.depth = bybit_depth,
	.rest = bybit_linear_rest,
	.book_flags = SIM_BOOK_STREAM_SNAPSHOT,
};

/* ---- REST: /v5/market/orderbook, /v5/market/tickers, /v5/market/recent-trade -------- */

/*
 * Checked 2026-12-07 against https://bybit-exchange.github.io/docs/v5/market/orderbook,
 * .../v5/market/tickers and .../v5/market/recent-trade. Every answer is
 * {"retCode":0,"retMsg":"OK","result":{..},"retExtInfo":{},"time":ms}:
 *   orderbook?category=spot|linear&symbol=&limit=N (spot 1..200, default 1;
 *     linear 1..500, default 25): result {"s","b":[["px","qty"]..],"a":[..],
 *     "ts","u","seq","cts"}, the book the orderbook.N stream carries (u its
 *     message sequence + 1, seq the update id, levels printed alike)
 *   tickers?category=&symbol=: result {"category","list":[{"symbol",
 *     "bid1Price","bid1Size","ask1Price","ask1Size","lastPrice",..}]}: the
 *     walk's next best bid and offer
 *   recent-trade?category=&symbol=&limit=N (spot at most 60, linear 1000):
 *     result {"category","list":[{"execId","symbol","price","size","side",
 *     "time","isBlockTrade":false}..]}, newest first; execId as the stream
 *     prints "i" (spot: the decimal id; linear: a UUID), side the taker's
 * A wrong category, an unknown symbol or a bad limit: HTTP 200 with
 * retCode 10001 (the docs' "params error"; the retMsg text is ours).
 */

static int bybit_rest_error(char *out, size_t len, int *status, const char *why)
{
	*status = 200;
	return sim_dialect_print(out, len,
				 "{\"retCode\":10001,\"retMsg\":\"params error: %s\",\"result\":{},"
				 "\"retExtInfo\":{},\"time\":%" PRId64 "}",
				 why, tools_now_ns(CLOCK_REALTIME) / 1000000);
}

static void bybit_rest_end(struct sim_out *o, int64_t ms)
{
	sim_out_printf(o, "},\"retExtInfo\":{},\"time\":%" PRId64 "}", ms);
}

/* NOLINTNEXTLINE(readability-non-const-parameter): written through a struct sim_out */
static int bybit_rest_book(struct sim_venue *v, int sym, long limit, char *out, size_t len)
{
	struct sim_out o = {out, len, 0, 0};
	int64_t ms = tools_now_ns(CLOCK_REALTIME) / 1000000;
	struct sim_book_ev ev;

	if (sim_book_rest_view(v, (uint32_t)sym, (uint32_t)limit, &ev) < 0)
		return -ENOSPC;
	sim_out_printf(&o, "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"s\":\"%s\",\"b\":[",
		       v->sym[sym].native);
	sim_out_levels(&o, ev.bids, ev.nb, SIM_TEXT_FULL);
	sim_out_printf(&o, "],\"a\":[");
	sim_out_levels(&o, ev.asks, ev.na, SIM_TEXT_FULL);
	sim_out_printf(
		&o, "],\"ts\":%" PRId64 ",\"u\":%" PRIu64 ",\"seq\":%" PRIu64 ",\"cts\":%" PRId64,
		ms, ev.seq + 1, ev.last_id, ms - 1);
	bybit_rest_end(&o, ms);
	return sim_out_end(&o);
}

/* NOLINTNEXTLINE(readability-non-const-parameter): written through a struct sim_out */
static int bybit_rest_ticker(struct sim_venue *v, int sym, const char *cat, char *out, size_t len)
{
	struct sim_out o = {out, len, 0, 0};
	struct sim_bbo_text x;
	char last[40];

	sim_dialect_bbo_step(v, (uint32_t)sym, SIM_TEXT_FULL, &x);
	sim_dec(v->sym[sym].px, 8, last, sizeof(last));
	sim_out_printf(&o,
		       "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"category\":\"%s\","
		       "\"list\":[{\"symbol\":\"%s\",\"bid1Price\":\"%s\",\"bid1Size\":\"%s\","
		       "\"ask1Price\":\"%s\",\"ask1Size\":\"%s\",\"lastPrice\":\"%s\"}]",
		       cat, v->sym[sym].native, x.bid, x.bid_qty, x.ask, x.ask_qty, last);
	bybit_rest_end(&o, tools_now_ns(CLOCK_REALTIME) / 1000000);
	return sim_out_end(&o);
}

/* NOLINTBEGIN(readability-non-const-parameter): written through a struct sim_out */
static int bybit_rest_trades(struct sim_venue *v, int sym, const char *cat, long limit, int linear,
			     char *out, size_t len)
/* NOLINTEND(readability-non-const-parameter) */
{
	struct sim_out o = {out, len, 0, 0};
	int64_t now = tools_now_ns(CLOCK_REALTIME) / 1000000, ms[64];
	struct sim_trade t[64];
	uint32_t n, k;

	n = sim_rest_recent(v, (uint32_t)sym, (uint32_t)(limit < 64 ? limit : 64), now, t, ms);
	sim_out_printf(&o,
		       "{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"category\":\"%s\","
		       "\"list\":[",
		       cat);
	for (k = n; k-- > 0;) { /* newest first */
		char px[40], qty[40], id[48];

		sim_dec(t[k].px, 8, px, sizeof(px));
		sim_dec(t[k].qty, 8, qty, sizeof(qty));
		if (linear)
			bybit_uuid(v, t[k].id, id, sizeof(id));
		else
			snprintf(id, sizeof(id), "%" PRIu64, t[k].id);
		sim_out_printf(&o,
			       "%s{\"execId\":\"%s\",\"symbol\":\"%s\",\"price\":\"%s\","
			       "\"size\":\"%s\",\"side\":\"%s\",\"time\":\"%" PRId64 "\","
			       "\"isBlockTrade\":false}",
			       k + 1 < n ? "," : "", id, v->sym[sym].native, px, qty,
			       t[k].buyer_maker ? "Sell" : "Buy", ms[k]);
	}
	sim_out_printf(&o, "]");
	bybit_rest_end(&o, now);
	return sim_out_end(&o);
}

static int bybit_rest_on(struct sim_venue *v, const char *path_query, char *out, size_t len,
			 int *status, int linear)
{
	static const char *const paths[] = {"/v5/market/orderbook?", "/v5/market/tickers?",
					    "/v5/market/recent-trade?"};
	const char *cat = linear ? "linear" : "spot";
	char c[16] = "";
	long limit;
	int what, sym;

	for (what = 0; what < 3 && strncmp(path_query, paths[what], strlen(paths[what])) != 0;
	     what++)
		;
	if (what == 3)
		return -ENOENT;
	if (sim_query_param(path_query, "category", c, sizeof(c)) <= 0 || strcmp(c, cat) != 0)
		return bybit_rest_error(out, len, status, "category invalid");
	sym = sim_rest_symbol(v, path_query, "symbol");
	if (sym < 0)
		return bybit_rest_error(out, len, status, "symbol invalid");
	*status = 200;
	if (what == 1)
		return bybit_rest_ticker(v, sym, cat, out, len);
	limit = what == 0 ? sim_rest_limit(path_query, linear ? 25 : 1, linear ? 500 : 200)
			  : sim_rest_limit(path_query, linear ? 500 : 60, linear ? 1000 : 60);
	if (limit < 0)
		return bybit_rest_error(out, len, status, "limit invalid");
	return what == 0 ? bybit_rest_book(v, sym, limit, out, len)
			 : bybit_rest_trades(v, sym, cat, limit, linear, out, len);
}

static int bybit_rest(struct sim_venue *v, const char *path_query, char *out, size_t len,
		      int *status)
{
	return bybit_rest_on(v, path_query, out, len, status, 0);
}

static int bybit_linear_rest(struct sim_venue *v, const char *path_query, char *out, size_t len,
			     int *status)
{
	return bybit_rest_on(v, path_query, out, len, status, 1);
}
