/* SPDX-License-Identifier: MIT */
/*
 * mexc.c: the MEXC spot v3 dialect of mdbus-sim (struct sim_dialect, see
 * sim.h), after docs/venues/mexc.md. No I/O.
 *
 *   path     /ws
 *   request  {"method":"SUBSCRIPTION","params":["spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT",
 *             "spot@public.aggre.bookTicker.v3.api.pb@100ms@BTCUSDT"]} (an "id" is echoed)
 *   ack      {"id":0,"code":0,"msg":"<the channels accepted, comma-separated>"}
 *   refusal  {"id":0,"code":0,"msg":"Not Subscribed successfully! [<channels>].  Reason： Blocked!
 * "} (an unknown symbol, a channel we do not serve, past 30 subscriptions) ping {"method":"PING"}
 * -> {"id":0,"code":0,"msg":"PONG"} pushes   protobuf PushDataV3ApiWrapper in binary frames
 * (feedd/venues/mexc.proto): publicAggreDeals (314) with one deal, publicAggreBookTicker (315)
 *
 * trade and bbo print the docs' JSON rendering of a push (the form the docs
 * show, and what --replay files hold), e.g.
 *   {"channel":"spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT","publicdeals":{"dealsList":
 *    [{"price":"93220.00000000","quantity":"0.04438243","tradetype":2,"time":1736409765051,
 *    "tradeid":"1000001"}],"eventtype":"spot@public.aggre.deals.v3.api.pb@100ms"},
 *    "symbol":"BTCUSDT","sendtime":1736409765052}
 * and the frame hook encodes it as protobuf (a line it cannot encode goes
 * out as text, as a venue's garbage would). tradetype 1 = the taker bought.
 * Keepalive: the client's PING; the server sends none.
 *
 * Order books (checked 2026-12-07 against
 * https://www.mexc.com/api-docs/spot-v3/websocket-market-streams, "Diff.Depth
 * Stream" and "How to Properly Maintain a Local Copy of the Order Book"):
 *   depth    spot@public.aggre.depth.v3.api.pb@(100ms|10ms)@BTCUSDT: JSON
 *            rendering {"channel":..,"publicaggredepths":{"asksList":[{"price":
 *            "..","quantity":".."}],"bidsList":[..],"eventtype":"spot@public.
 *            aggre.depth.v3.api.pb@100ms","fromVersion":"N","toVersion":"N"},
 *            "symbol":"BTCUSDT","sendtime":ms}, encoded by the frame hook as
 *            the wrapper's publicAggreDepths (field 313; PublicAggreDepthsV3Api:
 *            asks 1, bids 2, eventType 3, fromVersion 4, toVersion 5, items
 *            price 1 / quantity 2, all strings), written by hand since
 *            feedd's mexc.proto does not hold it
 *   REST     GET /api/v3/depth?symbol=BTCUSDT&limit=N (default 100, max 5000)
 *            {"lastUpdateId":N,"bids":[["p","q"]],"asks":[..],"timestamp":ms}
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "mexc.pb-c.h"
#include "sim.h"

#define MX_DEALS     "spot@public.aggre.deals.v3.api.pb@"
#define MX_BOOK	     "spot@public.aggre.bookTicker.v3.api.pb@"
#define MX_DEPTH     "spot@public.aggre.depth.v3.api.pb@"
#define MX_MAX_SUBS  30
#define MX_FRAME_MAX 65536
#define MX_F_DEPTHS  313 /* PushDataV3ApiWrapper.publicAggreDepths */

/* "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT" -> symbol index and
 * stream bit; -EINVAL not a channel we serve, -ENOENT unknown symbol. */
static int mexc_channel(struct sim_venue *v, const char *s, int *sym, uint8_t *bit)
{
	const char *rate = sim_dialect_prefixed(s, MX_DEALS, MX_BOOK, bit);

	if (!rate && strncmp(s, MX_DEPTH, strlen(MX_DEPTH)) == 0) {
		rate = s + strlen(MX_DEPTH);
		*bit = SIM_STREAM_DEPTH;
	}

	if (!rate || (strncmp(rate, "100ms@", 6) != 0 && strncmp(rate, "10ms@", 5) != 0))
		return -EINVAL;
	rate = strchr(rate, '@') + 1;
	for (const char *c = rate; *c; c++)
		if (!isupper((unsigned char)*c) && !isdigit((unsigned char)*c))
			return -ENOENT; /* "Symbols must be uppercase" */
	*sym = sim_venue_symbol(v, rate, strlen(rate));
	return *sym < 0 ? -ENOENT : 0;
}

/* Appends s to the comma-separated list in buf. */
static void mexc_list_add(char *buf, size_t len, const char *s)
{
	size_t o = strlen(buf);

	snprintf(buf + o, len - o, "%s%s", o ? "," : "", s);
}

/* (UN)SUBSCRIPTION: each channel on its own; the accepted ones acked in one
 * reply, the refused ones named in another. */
static int mexc_subscribe(struct sim_venue *v, json_t *params, int on, uint8_t *subs,
			  struct sim_replies *out, json_int_t id)
{
	char ok[4096] = "", bad[4096] = "";

	if (!json_is_array(params) || json_array_size(params) == 0) {
		sim_reply_add(out,
			      "{\"id\":%" JSON_INTEGER_FORMAT ",\"code\":0,\"msg\":\"Not "
			      "Subscribed successfully! [].  Reason： Blocked! \"}",
			      id);
		return -EINVAL;
	}
	for (size_t i = 0; i < json_array_size(params); i++) {
		const char *s = json_string_value(json_array_get(params, i));
		uint8_t bit = 0;
		int sym = -1;

		if (!s || strlen(s) > 200)
			continue;
		if (mexc_channel(v, s, &sym, &bit) < 0 ||
		    (on && !(subs[sym] & bit) && sim_subs_count(subs) >= MX_MAX_SUBS)) {
			mexc_list_add(bad, sizeof(bad), s);
			continue;
		}
		if (on)
			subs[sym] |= bit;
		else
			subs[sym] &= (uint8_t)~bit;
		mexc_list_add(ok, sizeof(ok), s);
	}
	if (ok[0])
		sim_reply_add(out, "{\"id\":%" JSON_INTEGER_FORMAT ",\"code\":0,\"msg\":\"%s\"}",
			      id, ok);
	if (bad[0])
		sim_reply_add(out,
			      "{\"id\":%" JSON_INTEGER_FORMAT
			      ",\"code\":0,\"msg\":\"Not Subscribed "
			      "successfully! [%s].  Reason： Blocked! \"}",
			      id, bad);
	return bad[0] ? -EINVAL : 0;
}

static int mexc_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
			struct sim_replies *out)
{
	json_t *root = json_loadb(msg, n, 0, NULL);
	json_t *jid = root ? json_object_get(root, "id") : NULL;
	json_int_t id =
		json_is_integer(jid) && json_integer_value(jid) >= 0 ? json_integer_value(jid) : 0;
	const char *method = root ? json_string_value(json_object_get(root, "method")) : NULL;
	int r = -EINVAL;

	if (!method) {
		sim_reply_add(out,
			      "{\"id\":%" JSON_INTEGER_FORMAT ",\"code\":1,\"msg\":\"Invalid "
			      "request\"}",
			      id);
	} else if (strcmp(method, "PING") == 0) {
		sim_reply_add(out, "{\"id\":%" JSON_INTEGER_FORMAT ",\"code\":0,\"msg\":\"PONG\"}",
			      id);
		r = SIM_REQ_PING;
	} else if (strcmp(method, "SUBSCRIPTION") == 0 || strcmp(method, "UNSUBSCRIPTION") == 0) {
		r = mexc_subscribe(v, json_object_get(root, "params"), method[0] == 'S', subs, out,
				   id);
	} else {
		sim_reply_add(out,
			      "{\"id\":%" JSON_INTEGER_FORMAT ",\"code\":1,\"msg\":\"Invalid "
			      "method\"}",
			      id);
	}
	json_decref(root);
	return r;
}

static int mexc_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
		      uint64_t id, char *buf, size_t len)
{
	struct sim_trade_text x;

	sim_dialect_trade_step(v, i, id, extra_decimals, SIM_TEXT_FULL, &x);
	return sim_dialect_print(
		buf, len,
		"{\"channel\":\"" MX_DEALS "100ms@%s\",\"publicdeals\":{\"dealsList\":["
		"{\"price\":\"%s\",\"quantity\":\"%s\",\"tradetype\":%d,\"time\":%" PRId64
		",\"tradeid\":\"%" PRIu64 "\"}],\"eventtype\":\"" MX_DEALS "100ms\"},"
		"\"symbol\":\"%s\",\"sendtime\":%" PRId64 "}",
		v->sym[i].native, x.px, x.qty, x.t.buyer_maker ? 2 : 1, now_ms, x.t.id,
		v->sym[i].native, now_ms);
}

static int mexc_bbo(struct sim_venue *v, uint32_t i, int64_t now_ms, char *buf, size_t len)
{
	struct sim_bbo_text x;

	sim_dialect_bbo_step(v, i, SIM_TEXT_FULL, &x);
	return sim_dialect_print(
		buf, len,
		"{\"channel\":\"" MX_BOOK "100ms@%s\",\"publicbookticker\":{\"bidprice\":"
		"\"%s\",\"bidquantity\":\"%s\",\"askprice\":\"%s\",\"askquantity\":\"%s\"},"
		"\"symbol\":\"%s\",\"sendtime\":%" PRId64 "}",
		v->sym[i].native, x.bid, x.bid_qty, x.ask, x.ask_qty, v->sym[i].native, now_ms);
}

static int mexc_classify(struct sim_venue *v, const char *msg, size_t n, uint8_t *kind)
{
	return sim_dialect_classify_marked(v, msg, n, "\"publicdeals\"", "\"publicbookticker\"",
					   "\"symbol\":\"", kind);
}

static char *mexc_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return (char *)(s ? s : "");
}

static int64_t mexc_int(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);

	return json_is_integer(j) ? (int64_t)json_integer_value(j) : 0;
}

/* Protobuf written by hand for the one body feedd's schema does not hold
 * (the depth pushes, PublicAggreDepthsV3Api: asks 1 and bids 2, items of
 * price 1 and quantity 2, eventType 3, fromVersion 4, toVersion 5, all
 * strings; field 313 of the wrapper), into a fixed buffer. */
struct mx_pb {
	uint8_t *p;
	size_t len, off;
	int err;
};

static void mx_varint(struct mx_pb *b, uint64_t v)
{
	do {
		if (b->off >= b->len) {
			b->err = 1;
			return;
		}
		b->p[b->off++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

static void mx_bytes(struct mx_pb *b, uint32_t field, const void *p, size_t n)
{
	mx_varint(b, (uint64_t)field << 3 | 2);
	mx_varint(b, n);
	if (b->err || b->len - b->off < n) {
		b->err = 1;
		return;
	}
	memcpy(b->p + b->off, p, n);
	b->off += n;
}

static void mx_str(struct mx_pb *b, uint32_t field, const char *s)
{
	if (s && *s)
		mx_bytes(b, field, s, strlen(s));
}

/* The levels of list ([{"price","quantity"}]) as repeated field. */
static void mx_levels(struct mx_pb *b, uint32_t field, json_t *list)
{
	for (size_t k = 0; k < json_array_size(list); k++) {
		uint8_t item[128];
		struct mx_pb it = {item, sizeof(item), 0, 0};

		mx_str(&it, 1, mexc_str(json_array_get(list, k), "price"));
		mx_str(&it, 2, mexc_str(json_array_get(list, k), "quantity"));
		if (it.err)
			b->err = 1;
		else
			mx_bytes(b, field, item, it.off);
	}
}

/* The wrapper (packed by protobuf-c, no body) plus publicAggreDepths. */
static int mexc_encode_depth(Mexc__PushDataV3ApiWrapper *w, json_t *dep, uint8_t *buf, size_t len)
{
	struct mx_pb b = {buf, len, 0, 0};
	uint8_t *body = malloc(MX_FRAME_MAX);
	struct mx_pb d = {body, MX_FRAME_MAX, 0, 0};

	if (!body)
		return -ENOMEM;
	mx_levels(&d, 1, json_object_get(dep, "asksList"));
	mx_levels(&d, 2, json_object_get(dep, "bidsList"));
	mx_str(&d, 3, mexc_str(dep, "eventtype"));
	mx_str(&d, 4, mexc_str(dep, "fromVersion"));
	mx_str(&d, 5, mexc_str(dep, "toVersion"));
	if (mexc__push_data_v3_api_wrapper__get_packed_size(w) > len)
		b.err = 1;
	else
		b.off = mexc__push_data_v3_api_wrapper__pack(w, buf);
	if (!d.err && !b.err)
		mx_bytes(&b, MX_F_DEPTHS, body, d.off);
	free(body);
	return b.err || d.err ? -ENOSPC : (int)b.off;
}

/* The docs' JSON rendering -> PushDataV3ApiWrapper bytes in buf. Returns
 * the length, or -EINVAL (not a push we can encode), -ENOSPC. */
static int mexc_encode(json_t *root, uint8_t *buf, size_t len)
{
	static Mexc__PublicAggreDealsV3ApiItem item[16], *items[16];
	Mexc__PushDataV3ApiWrapper w = MEXC__PUSH_DATA_V3_API_WRAPPER__INIT;
	Mexc__PublicAggreDealsV3Api d = MEXC__PUBLIC_AGGRE_DEALS_V3_API__INIT;
	Mexc__PublicAggreBookTickerV3Api b = MEXC__PUBLIC_AGGRE_BOOK_TICKER_V3_API__INIT;
	json_t *deals = json_object_get(root, "publicdeals");
	json_t *book = json_object_get(root, "publicbookticker");
	json_t *dep = json_object_get(root, "publicaggredepths");

	w.channel = mexc_str(root, "channel");
	w.symbol = mexc_str(root, "symbol");
	w.sendtime = mexc_int(root, "sendtime");
	if (json_is_object(deals)) {
		json_t *list = json_object_get(deals, "dealsList");

		for (size_t k = 0; k < json_array_size(list) && k < 16; k++) {
			static const Mexc__PublicAggreDealsV3ApiItem i0 =
				MEXC__PUBLIC_AGGRE_DEALS_V3_API_ITEM__INIT;
			json_t *e = json_array_get(list, k);

			item[k] = i0;
			item[k].price = mexc_str(e, "price");
			item[k].quantity = mexc_str(e, "quantity");
			item[k].tradetype = (int32_t)mexc_int(e, "tradetype");
			item[k].time = mexc_int(e, "time");
			item[k].tradeid = mexc_str(e, "tradeid");
			items[k] = &item[k];
			d.n_deals = k + 1;
		}
		d.deals = items;
		d.eventtype = mexc_str(deals, "eventtype");
		w.body_case = MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_DEALS;
		w.publicaggredeals = &d;
	} else if (json_is_object(book)) {
		b.bidprice = mexc_str(book, "bidprice");
		b.bidquantity = mexc_str(book, "bidquantity");
		b.askprice = mexc_str(book, "askprice");
		b.askquantity = mexc_str(book, "askquantity");
		w.body_case = MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_BOOK_TICKER;
		w.publicaggrebookticker = &b;
	} else if (json_is_object(dep)) {
		return mexc_encode_depth(&w, dep, buf, len);
	} else {
		return -EINVAL;
	}
	if (mexc__push_data_v3_api_wrapper__get_packed_size(&w) > len)
		return -ENOSPC;
	return (int)mexc__push_data_v3_api_wrapper__pack(&w, buf);
}

/* n levels as [{"price":"..","quantity":".."},...]. */
static void mexc_levels(struct sim_out *o, const struct sim_lvl *lv, uint32_t n)
{
	for (uint32_t k = 0; k < n && !o->err; k++) {
		char px[40], qty[40];

		sim_dec(lv[k].px, 8, px, sizeof(px));
		sim_dec(lv[k].qty, 8, qty, sizeof(qty));
		sim_out_printf(o, "%s{\"price\":\"%s\",\"quantity\":\"%s\"}", k ? "," : "", px,
			       qty);
	}
}

/* The aggregated depth push in the docs' JSON rendering (the frame hook
 * encodes it): fromVersion/toVersion are the delta's first and last ids. */
/* buf is written through a struct sim_out. */
static int mexc_depth(struct sim_venue *v, uint32_t i, const struct sim_book_ev *ev, int mode,
		      char *buf /* NOLINT(readability-non-const-parameter) */, size_t len)
{
	struct sim_out o = {buf, len, 0, 0};
	int64_t ms = tools_now_ns(CLOCK_REALTIME) / 1000000;

	(void)mode;
	sim_out_printf(
		&o, "{\"channel\":\"" MX_DEPTH "100ms@%s\",\"publicaggredepths\":{\"asksList\":[",
		v->sym[i].native);
	mexc_levels(&o, ev->asks, ev->na);
	sim_out_printf(&o, "],\"bidsList\":[");
	mexc_levels(&o, ev->bids, ev->nb);
	sim_out_printf(&o,
		       "],\"eventtype\":\"" MX_DEPTH "100ms\",\"fromVersion\":\"%" PRIu64
		       "\",\"toVersion\":\"%" PRIu64 "\"},\"symbol\":\"%s\",\"sendtime\":%" PRId64
		       "}",
		       ev->first_id, ev->last_id, v->sym[i].native, ms);
	return sim_out_end(&o);
}

/* The REST fallback's bookTicker and trades: at the end of the file. */
static int mexc_rest_fallback(struct sim_venue *v, const char *path_query, char *out, size_t len,
			      int *status);

/* GET /api/v3/depth?symbol=BTCUSDT&limit=N (default 100, at most 5000):
 * {"lastUpdateId":N,"bids":[..],"asks":[..],"timestamp":ms}. */
static int mexc_rest(struct sim_venue *v, const char *path_query, char *out, size_t len,
		     int *status)
{
	struct sim_out o = {out, len, 0, 0};
	struct sim_book_ev ev;
	char name[SIM_NATIVE_MAX] = "";
	int sym = -ENOENT, limit = sim_rest_limit(path_query, 100, 5000);

	if (strncmp(path_query, "/api/v3/ticker/bookTicker?", 26) == 0 ||
	    strncmp(path_query, "/api/v3/trades?", 15) == 0)
		return mexc_rest_fallback(v, path_query, out, len, status);
	if (strncmp(path_query, "/api/v3/depth?", 14) != 0)
		return -ENOENT;
	if (sim_query_param(path_query, "symbol", name, sizeof(name)) > 0)
		sym = sim_venue_symbol(v, name, strlen(name));
	if (sym < 0 || limit < 0) {
		*status = 400;
		return sim_dialect_print(out, len, "{\"code\":%d,\"msg\":\"%s\"}",
					 sym < 0 ? -1121 : 700002,
					 sym < 0 ? "Invalid symbol." : "Illegal parameter");
	}
	if (sim_book_rest_view(v, (uint32_t)sym, (uint32_t)limit, &ev) < 0)
		return -ENOSPC;
	*status = 200;
	sim_out_printf(&o, "{\"lastUpdateId\":%" PRIu64 ",\"bids\":[", ev.last_id);
	sim_out_levels(&o, ev.bids, ev.nb, SIM_TEXT_FULL);
	sim_out_printf(&o, "],\"asks\":[");
	sim_out_levels(&o, ev.asks, ev.na, SIM_TEXT_FULL);
	sim_out_printf(&o, "],\"timestamp\":%" PRId64 "}", tools_now_ns(CLOCK_REALTIME) / 1000000);
	return sim_out_end(&o);
}

/* Pushes go out as protobuf in binary frames; replies (and a line that is
 * not a push) as text. */
static int mexc_frame(const struct sim_venue *v, int mode, int sym, uint8_t kind, const void *p,
		      size_t n, struct sim_buf *out, uint8_t *opcode)
{
	uint8_t buf[MX_FRAME_MAX];
	json_t *root;
	int len;

	(void)v, (void)mode;
	if (sym < 0 || !kind)
		return 0;
	root = json_loadb(p, n, 0, NULL);
	len = json_is_object(root) ? mexc_encode(root, buf, sizeof(buf)) : -EINVAL;
	json_decref(root);
	if (len == -EINVAL)
		return 0;
	if (len < 0)
		return len;
	*opcode = WSLAY_BINARY_FRAME;
	return sim_buf_append(out, buf, (size_t)len) < 0 ? -ENOMEM : 1;
}

const struct sim_dialect sim_dialect_mexc = {
	.name = "mexc",
	.paths = "/ws",
	.request = mexc_request,
	.trade = mexc_trade,
	.bbo = mexc_bbo,
	.classify = mexc_classify,
	.frame = mexc_frame, /* no .ping: the client pings ({"method":"PING"}), the server not */
	.depth = mexc_depth,
	.rest = mexc_rest, /* the client fetches the snapshot (no book_flags) */
};

/* ---- REST fallback: /api/v3/ticker/bookTicker, /api/v3/trades ---------------------- */

/*
 * Checked 2026-12-07 against https://www.mexc.com/api-docs/spot-v3/market-data-endpoints
 * ("Symbol Order Book Ticker", "Recent Trades List"):
 *   /api/v3/ticker/bookTicker?symbol=: {"symbol","bidPrice","bidQty",
 *     "askPrice","askQty"} (strings): the walk's next best bid and offer
 *   /api/v3/trades?symbol=&limit=N (default 500, at most 1000): [{"id":null,
 *     "price","qty","quoteQty","time":ms,"isBuyerMaker":bool,"isBestMatch":
 *     true,"tradeType":"ASK"|"BID"}..] oldest first; the documented id is
 *     null (the client tells trades apart by time, price and size)
 * A bad symbol: HTTP 400 {"code":-1121,"msg":"Invalid symbol."}.
 */
/* NOLINTNEXTLINE(readability-non-const-parameter): written through a struct sim_out */
static int mexc_rest_fallback(struct sim_venue *v, const char *path_query, char *out, size_t len,
			      int *status)
{
	struct sim_out o = {out, len, 0, 0};
	int64_t now = tools_now_ns(CLOCK_REALTIME) / 1000000, ms[64];
	int sym = sim_rest_symbol(v, path_query, "symbol"), limit;
	struct sim_trade t[64];
	struct sim_bbo_text x;
	uint32_t n, k;

	limit = sim_rest_limit(path_query, 500, 1000);
	if (sym < 0 || limit < 0) {
		*status = 400;
		return sim_dialect_print(out, len, "{\"code\":%d,\"msg\":\"%s\"}",
					 sym < 0 ? -1121 : 700002,
					 sym < 0 ? "Invalid symbol." : "Illegal parameter");
	}
	*status = 200;
	if (strncmp(path_query, "/api/v3/ticker/", 15) == 0) {
		sim_dialect_bbo_step(v, (uint32_t)sym, SIM_TEXT_FULL, &x);
		return sim_dialect_print(out, len,
					 "{\"symbol\":\"%s\",\"bidPrice\":\"%s\",\"bidQty\":\"%s\","
					 "\"askPrice\":\"%s\",\"askQty\":\"%s\"}",
					 v->sym[sym].native, x.bid, x.bid_qty, x.ask, x.ask_qty);
	}
	n = sim_rest_recent(v, (uint32_t)sym, (uint32_t)(limit < 64 ? limit : 64), now, t, ms);
	sim_out_printf(&o, "[");
	for (k = 0; k < n; k++) {
		char px[40], qty[40];

		sim_dec(t[k].px, 8, px, sizeof(px));
		sim_dec(t[k].qty, 8, qty, sizeof(qty));
		sim_out_printf(&o,
			       "%s{\"id\":null,\"price\":\"%s\",\"qty\":\"%s\",\"quoteQty\":"
			       "\"0\",\"time\":%" PRId64
			       ",\"isBuyerMaker\":%s,\"isBestMatch\":true,"
			       "\"tradeType\":\"%s\"}",
			       k ? "," : "", px, qty, ms[k], t[k].buyer_maker ? "true" : "false",
			       t[k].buyer_maker ? "ASK" : "BID");
	}
	sim_out_printf(&o, "]");
	return sim_out_end(&o);
}
