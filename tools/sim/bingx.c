/* SPDX-License-Identifier: MIT */
/*
 * bingx.c: the BingX spot market WebSocket dialect of mdbus-sim (struct
 * sim_dialect, see sim.h), as docs/venues/bingx.md records the venue's
 * documentation (checked 2026-12-06). No I/O.
 *
 *   path     /market
 *   request  {"id":"id1","reqType":"sub","dataType":"BTC-USDT@trade"}: one
 *            stream per request ("unsub" the same); at most 200 streams per
 *            connection (code 100416)
 *   ack      {"id":"id1","code":0,"msg":""}
 *   reject   {"id":"id1","code":100400,"msg":"ILLEGAL_ARGUMENT"}: a
 *            documented code (the docs give no reject example, so the msg
 *            text is the code's documented name)
 *   ping     the server's heartbeat {"ping":"<32 hex>","time":
 *            "2022-06-07T16:27:36.323+0800"} every --ping-interval; the
 *            client answers {"pong":..,"time":..} (counted as a pong)
 *   trade    {"data":{"E":ms,"T":ms,"e":"trade","m":false,"p":"..","q":"..",
 *            "s":"BTC-USDT","t":"1430899"},"dataType":"BTC-USDT@trade"}: m
 *            says the buyer is the maker (the taker sold); t a string
 *   bbo      {"data":{"A":"..","B":"..","T":ms,"a":"..","b":"..",
 *            "s":"BTC-USDT"},"dataType":"BTC-USDT@bookTicker"} (the
 *            documented fields; no update id is documented)
 *   frames   every server message (data, acks, heartbeats) is gzip'd into a
 *            binary frame: "All response data from Websocket server are
 *            compressed into GZIP format"
 *
 * bingx-swap, the USDT-M perpetuals on /swap-market (their own listener and
 * walks; BTC-USDT on the wire too): the same requests and acks, a reject is
 * code 1 ("code 1 for error") and the topic limit 80403; the heartbeat is
 * the bare text "Ping" (the client answers "Pong"); a trade is the older
 * official example's {"code":0,"dataType":"BTC-USDT@trade","data":{"T":ms,
 * "m":true,"p":"..","q":"..","s":"BTC-USDT"}}: no trade id (recorded as 0).
 * The swap BBO fields are not documented: the spot ones, in the same
 * envelope.
 *
 * Spot depth: "BTC-USDT@depth<level>", level 5, 10, 20, 50 or 100
 * (SIM_STREAM_DEPTH): every push is the whole top of the book at that
 * depth (the venue pushes it every 300 ms; here at the book's step rate),
 * {"dataType":"BTC-USDT@depth20","data":{"bids":[["px","qty"]..],
 * "asks":[["px","qty"]..]}}, best first on both sides, no update id and no
 * checksum (none documented); the first one follows the ack. bingx-swap
 * has no depth channel here.
 *
 * depth checked 2026-12-07 against
 * https://bingx-api.github.io/docs/#/en-us/spot/socket/market.html (the
 * dataType form and levels, as BingX's own api-ai-skills summary of that
 * page gives them: https://skill4agent.com/en/skill/bingx-api-api-ai-skills/bingx-spot-ws-market)
 * and the message shape of
 * https://github.com/BingX-API/BingX-spot-api-doc/blob/main/WebSocket%20API.md
 * ("Partial Book Depth Streams"; that older revision names the stream
 * "<symbol>@depth", 20 levels).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#define ZLIB_CONST /* next_in is const */
#include <zlib.h>

#include "sim.h"

#define BINGX_MAX_STREAMS 200	 /* per connection */
#define BINGX_ILLEGAL	  100400 /* ILLEGAL_ARGUMENT */
#define BINGX_TOO_MANY	  100416 /* more than 200 topics on one websocket */
#define BINGX_SWAP_ERROR  1	 /* swap: "code 1 for error" */
#define BINGX_SWAP_LIMIT  80403	 /* swap: more than 200 topics */

static void bingx_answer(struct sim_replies *out, const char *id, int code)
{
	const char *msg = code == BINGX_TOO_MANY || code == BINGX_SWAP_LIMIT
				  ? "the number of topics exceeds 200"
				  : "ILLEGAL_ARGUMENT";

	sim_reply_add(out, "{\"id\":\"%.64s\",\"code\":%d,\"msg\":\"%s\"}", id ? id : "", code,
		      code ? msg : "");
}

/* "BTC-USDT@depth20" (5, 10, 20, 50, 100): the '@', *depth set; NULL for
 * another stream. */
static const char *bingx_depth_stream(const char *s, uint16_t *depth)
{
	const char *at = s ? strrchr(s, '@') : NULL;
	static const char *const lv[] = {"depth5", "depth10", "depth20", "depth50", "depth100"};
	static const uint16_t n[] = {5, 10, 20, 50, 100};

	for (size_t k = 0; at && k < sizeof(n) / sizeof(n[0]); k++)
		if (strcmp(at + 1, lv[k]) == 0) {
			*depth = n[k];
			return at;
		}
	return NULL;
}

/* "BTC-USDT@trade" -> symbol and stream bit; -ENOENT when the symbol is
 * unknown or not spelled BTC-USDT, -EINVAL for another stream. */
static int bingx_stream(struct sim_venue *v, const char *s, int *sym, uint8_t *bit)
{
	uint16_t depth;
	const char *at = sim_dialect_at_stream(s, bit);

	if (!at && (at = bingx_depth_stream(s, &depth)) != NULL)
		*bit = SIM_STREAM_DEPTH;

	if (!at)
		return -EINVAL;
	*sym = sim_venue_symbol(v, s, (size_t)(at - s));
	if (*sym < 0 || strlen(v->sym[*sym].norm) != (size_t)(at - s) ||
	    memcmp(v->sym[*sym].norm, s, (size_t)(at - s)) != 0)
		return -ENOENT;
	return 0;
}

static int bingx_request_on(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
			    struct sim_replies *out, int swap)
{
	json_t *root = json_loadb(msg, n, 0, NULL);
	const char *id = json_string_value(json_object_get(root, "id"));
	const char *type = json_string_value(json_object_get(root, "reqType"));
	uint8_t bit = 0;
	int sym = -1, code = BINGX_ILLEGAL;

	if ((n == 4 && memcmp(msg, "Pong", 4) == 0) || json_object_get(root, "pong")) {
		json_decref(root);
		return SIM_REQ_PONG; /* the answer to our heartbeat */
	}
	if (type && (strcmp(type, "sub") == 0 || strcmp(type, "unsub") == 0) &&
	    bingx_stream(v, json_string_value(json_object_get(root, "dataType")), &sym, &bit) ==
		    0 &&
	    !(swap && bit == SIM_STREAM_DEPTH)) {
		if (type[0] == 'u')
			subs[sym] &= (uint8_t)~bit;
		else if (!(subs[sym] & bit) && sim_subs_count(subs) >= BINGX_MAX_STREAMS)
			code = BINGX_TOO_MANY;
		else
			subs[sym] |= bit;
		if (type[0] == 's' && bit == SIM_STREAM_DEPTH)
			bingx_depth_stream(json_string_value(json_object_get(root, "dataType")),
					   &out->depth[sym]);
		code = code == BINGX_TOO_MANY ? code : 0;
	}
	if (swap && code)
		code = code == BINGX_TOO_MANY ? BINGX_SWAP_LIMIT : BINGX_SWAP_ERROR;
	bingx_answer(out, id, code);
	json_decref(root);
	return code ? -EINVAL : 0;
}

static int bingx_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
			 struct sim_replies *out)
{
	return bingx_request_on(v, msg, n, subs, out, 0);
}

static int bingx_swap_request(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
			      struct sim_replies *out)
{
	return bingx_request_on(v, msg, n, subs, out, 1);
}

static int bingx_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
		       uint64_t id, char *buf, size_t len)
{
	struct sim_trade_text x;
	const char *s = v->sym[i].norm;

	sim_dialect_trade_step(v, i, id, extra_decimals, SIM_TEXT_FULL, &x);
	return sim_dialect_print(buf, len,
				 "{\"data\":{\"E\":%" PRId64 ",\"T\":%" PRId64
				 ",\"e\":\"trade\",\"m\":%s,\"p\":\"%s\",\"q\":\"%s\",\"s\":\"%s\","
				 "\"t\":\"%" PRIu64 "\"},\"dataType\":\"%s@trade\"}",
				 now_ms, now_ms, x.t.buyer_maker ? "true" : "false", x.px, x.qty, s,
				 x.t.id, s);
}

/* The book ticker's fields, in the spot message and in the swap envelope. */
#define BINGX_BBO_DATA                                                                             \
	"{\"A\":\"%s\",\"B\":\"%s\",\"T\":%" PRId64 ",\"a\":\"%s\",\"b\":\"%s\",\"s\":\"%s\"}"

static int bingx_bbo(struct sim_venue *v, uint32_t i, int64_t now_ms, char *buf, size_t len)
{
	struct sim_bbo_text x;
	const char *s = v->sym[i].norm;

	sim_dialect_bbo_step(v, i, SIM_TEXT_FULL, &x);
	return sim_dialect_print(buf, len,
				 "{\"data\":" BINGX_BBO_DATA ",\"dataType\":\"%s@bookTicker\"}",
				 x.ask_qty, x.bid_qty, now_ms, x.ask, x.bid, s, s);
}

/* A swap trade: no id (recorded as 0). */
static int bingx_swap_trade(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
			    uint64_t id, char *buf, size_t len)
{
	struct sim_trade_text x;
	const char *s = v->sym[i].norm;

	sim_dialect_trade_step(v, i, id, extra_decimals, SIM_TEXT_FULL, &x);
	snprintf(v->last.id, sizeof(v->last.id), "0");
	return sim_dialect_print(buf, len,
				 "{\"code\":0,\"dataType\":\"%s@trade\",\"data\":{\"T\":%" PRId64
				 ",\"m\":%s,\"p\":\"%s\",\"q\":\"%s\",\"s\":\"%s\"}}",
				 s, now_ms, x.t.buyer_maker ? "true" : "false", x.px, x.qty, s);
}

static int bingx_swap_bbo(struct sim_venue *v, uint32_t i, int64_t now_ms, char *buf, size_t len)
{
	struct sim_bbo_text x;
	const char *s = v->sym[i].norm;

	sim_dialect_bbo_step(v, i, SIM_TEXT_FULL, &x);
	return sim_dialect_print(
		buf, len, "{\"code\":0,\"dataType\":\"%s@bookTicker\",\"data\":" BINGX_BBO_DATA "}",
		s, x.ask_qty, x.bid_qty, now_ms, x.ask, x.bid, s);
}

/* A --replay line (plain JSON text): its dataType names the stream. */
static int bingx_classify(struct sim_venue *v, const char *msg, size_t n, uint8_t *kind)
{
	return sim_dialect_classify_by(v, msg, n, "\"dataType\":\"", bingx_stream, kind);
}

/* The heartbeat: a 32-hex id and the time at UTC+8, as documented. */
static int bingx_ping(int64_t now_ms, char *buf, size_t len)
{
	time_t t = (time_t)(now_ms / 1000) + (time_t)8 * 3600;
	uint64_t h = ((uint64_t)now_ms ^ 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
	uint64_t g = (h ^ (h >> 31)) * 0x94d049bb133111ebull;
	struct tm tm;
	char when[32];

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	return sim_dialect_print(
		buf, len, "{\"ping\":\"%016" PRIx64 "%016" PRIx64 "\",\"time\":\"%s.%03d+0800\"}",
		h, g, when, (int)(now_ms % 1000));
}

/* The swap heartbeat: the bare text Ping. */
static int bingx_swap_ping(int64_t now_ms, char *buf, size_t len)
{
	(void)now_ms;
	return sim_dialect_print(buf, len, "Ping");
}

/* Every server message, gzip'd (RFC 1952) into one binary frame. */
static int bingx_frame(const struct sim_venue *v, int mode, int sym, uint8_t kind, const void *p,
		       size_t n, struct sim_buf *out, uint8_t *opcode)
{
	z_stream z;
	uint8_t chunk[4096];
	int r;

	(void)v;
	(void)mode;
	(void)sym;
	(void)kind;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -ENOMEM;
	z.next_in = (const Bytef *)p;
	z.avail_in = (uInt)n;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		r = deflate(&z, Z_FINISH);
		if (r == Z_STREAM_ERROR ||
		    sim_buf_append(out, chunk, sizeof(chunk) - z.avail_out) < 0) {
			deflateEnd(&z);
			return -ENOMEM;
		}
	} while (r != Z_STREAM_END);
	deflateEnd(&z);
	*opcode = WSLAY_BINARY_FRAME;
	return 1;
}

/* Appends one side's levels ["px","qty"] to buf at *off: 0 or -ENOSPC. */
static int bingx_side(char *buf, size_t len, size_t *off, const struct sim_lvl *lv, uint32_t n)
{
	char px[40], qty[40];

	for (uint32_t k = 0; k < n; k++) {
		int w;

		sim_dec(lv[k].px, 8, px, sizeof(px));
		sim_dec(lv[k].qty, 8, qty, sizeof(qty));
		w = snprintf(buf + *off, len - *off, "%s[\"%s\",\"%s\"]", k ? "," : "", px, qty);
		if (w < 0 || (size_t)w >= len - *off)
			return -ENOSPC;
		*off += (size_t)w;
	}
	return 0;
}

/* A depth push: the top `depth` levels of the book (a step's delta is not
 * printed: the venue sends the whole top every time). */
static int bingx_depth(struct sim_venue *v, uint32_t i, const struct sim_book_ev *ev, int mode,
		       char *buf, size_t len)
{
	const struct sim_book_state *cur = &ev->book->cur;
	uint32_t depth = ev->depth ? ev->depth : 20;
	const struct sim_lvl *b = ev->snapshot ? ev->bids : cur->bid.lv;
	const struct sim_lvl *a = ev->snapshot ? ev->asks : cur->ask.lv;
	uint32_t nb = ev->snapshot ? ev->nb : cur->bid.n, na = ev->snapshot ? ev->na : cur->ask.n;
	size_t off;
	int w;

	(void)mode;
	w = snprintf(buf, len, "{\"dataType\":\"%s@depth%" PRIu32 "\",\"data\":{\"bids\":[",
		     v->sym[i].norm, depth);
	if (w < 0 || (size_t)w >= len)
		return -ENOSPC;
	off = (size_t)w;
	if (bingx_side(buf, len, &off, b, nb < depth ? nb : depth) < 0 ||
	    (size_t)snprintf(buf + off, len - off, "],\"asks\":[") >= len - off)
		return -ENOSPC;
	off += strlen(buf + off);
	if (bingx_side(buf, len, &off, a, na < depth ? na : depth) < 0 ||
	    (size_t)snprintf(buf + off, len - off, "]}}") >= len - off)
		return -ENOSPC;
	off += strlen(buf + off);
	return (int)off;
}

/* REST (depth, bookTicker, trades): at the end of the file. */
static int bingx_rest(struct sim_venue *v, const char *path_query, char *out, size_t len,
		      int *status);

const struct sim_dialect sim_dialect_bingx = {
	.name = "bingx",
	.paths = "/market",
	.request = bingx_request,
	.trade = bingx_trade,
	.bbo = bingx_bbo,
	.classify = bingx_classify,
	.ping = bingx_ping,
	.frame = bingx_frame,
	.depth = bingx_depth,
	.rest = bingx_rest,
	.book_flags = SIM_BOOK_STREAM_SNAPSHOT,
};

const struct sim_dialect sim_dialect_bingx_swap = {
	.name = "bingx-swap",
	.paths = "/swap-market",
	.request = bingx_swap_request,
	.trade = bingx_swap_trade,
	.bbo = bingx_swap_bbo,
	.classify = bingx_classify,
	.ping = bingx_swap_ping,
	.frame = bingx_frame,
};

/* ---- REST (spot): depth, bookTicker, trades ----------------------------------------- */

/*
 * Checked 2026-12-07 against https://bingx-api.github.io/docs/#/en-us/spot/market-api.html,
 * https://github.com/BingX-API/BingX-spot-api-doc/blob/main/REST%20API.md
 * and https://skills.sh/bingx-api/api-ai-skills/bingx-spot-market (the
 * venue's own endpoint list). Every answer is {"code":0,"timestamp":ms,
 * "data":..}:
 *   /openApi/spot/v1/market/depth?symbol=BTC-USDT&limit=N (default 20, at
 *     most 100 in the docs; the sim serves up to 1000): data {"bids":[["px",
 *     "qty"]..],"asks":[..],"ts":ms}, the book the @depth stream pushes,
 *     printed alike
 *   /openApi/spot/v1/ticker/bookTicker?symbol=: data [{"eventType":
 *     "bookTicker","time":ms,"symbol","bidPrice","bidVolume","askPrice",
 *     "askVolume"}] (strings): the walk's next best bid and offer
 *   /openApi/spot/v1/market/trades?symbol=&limit=N (default 100, at most
 *     100): data [{"id":N,"price":P,"qty":Q,"time":ms,"buyerMaker":bool}..]
 *     newest first, price and qty JSON numbers as the docs' example shows
 * An unknown symbol: HTTP 200 {"code":100400,"msg":"..","data":{}} (the
 * spot ILLEGAL_ARGUMENT code; the text is ours).
 */

/* NOLINTNEXTLINE(readability-non-const-parameter): written through a struct sim_out */
static int bingx_rest_depth(struct sim_venue *v, int sym, long limit, int64_t ms, char *out,
			    size_t len)
{
	struct sim_out o = {out, len, 0, 0};
	struct sim_book_ev ev;

	if (sim_book_rest_view(v, (uint32_t)sym, (uint32_t)limit, &ev) < 0)
		return -ENOSPC;
	sim_out_printf(&o, "{\"code\":0,\"timestamp\":%" PRId64 ",\"data\":{\"bids\":[", ms);
	sim_out_levels(&o, ev.bids, ev.nb, SIM_TEXT_FULL);
	sim_out_printf(&o, "],\"asks\":[");
	sim_out_levels(&o, ev.asks, ev.na, SIM_TEXT_FULL);
	sim_out_printf(&o, "],\"ts\":%" PRId64 "}}", ms);
	return sim_out_end(&o);
}

/* NOLINTNEXTLINE(readability-non-const-parameter): written through a struct sim_out */
static int bingx_rest_ticker(struct sim_venue *v, int sym, int64_t ms, char *out, size_t len)
{
	struct sim_out o = {out, len, 0, 0};
	struct sim_bbo_text x;

	sim_dialect_bbo_step(v, (uint32_t)sym, SIM_TEXT_FULL, &x);
	sim_out_printf(&o,
		       "{\"code\":0,\"timestamp\":%" PRId64 ",\"data\":[{\"eventType\":"
		       "\"bookTicker\",\"time\":%" PRId64 ",\"symbol\":\"%s\",\"bidPrice\":"
		       "\"%s\",\"bidVolume\":\"%s\",\"askPrice\":\"%s\",\"askVolume\":\"%s\"}]}",
		       ms, ms - 1, v->sym[sym].norm, x.bid, x.bid_qty, x.ask, x.ask_qty);
	return sim_out_end(&o);
}

/* NOLINTNEXTLINE(readability-non-const-parameter): written through a struct sim_out */
static int bingx_rest_trades(struct sim_venue *v, int sym, long limit, int64_t now, char *out,
			     size_t len)
{
	struct sim_out o = {out, len, 0, 0};
	struct sim_trade t[64];
	int64_t ms[64];
	uint32_t n, k;

	n = sim_rest_recent(v, (uint32_t)sym, (uint32_t)(limit < 64 ? limit : 64), now, t, ms);
	sim_out_printf(&o, "{\"code\":0,\"timestamp\":%" PRId64 ",\"data\":[", now);
	for (k = n; k-- > 0;) { /* newest first */
		char px[40], qty[40];

		sim_dec_trim(t[k].px, 8, px, sizeof(px));
		sim_dec_trim(t[k].qty, 8, qty, sizeof(qty));
		sim_out_printf(&o,
			       "%s{\"id\":%" PRIu64 ",\"price\":%s,\"qty\":%s,\"time\":%" PRId64
			       ",\"buyerMaker\":%s}",
			       k + 1 < n ? "," : "", t[k].id, px, qty, ms[k],
			       t[k].buyer_maker ? "true" : "false");
	}
	sim_out_printf(&o, "]}");
	return sim_out_end(&o);
}

static int bingx_rest(struct sim_venue *v, const char *path_query, char *out, size_t len,
		      int *status)
{
	static const char *const paths[] = {"/openApi/spot/v1/market/depth?",
					    "/openApi/spot/v1/ticker/bookTicker?",
					    "/openApi/spot/v1/market/trades?"};
	int64_t ms = tools_now_ns(CLOCK_REALTIME) / 1000000;
	long limit;
	int what, sym;

	for (what = 0; what < 3 && strncmp(path_query, paths[what], strlen(paths[what])) != 0;
	     what++)
		;
	if (what == 3)
		return -ENOENT;
	*status = 200;
	sym = sim_rest_symbol(v, path_query, "symbol");
	limit = sim_rest_limit(path_query, what == 0 ? 20 : 100, what == 0 ? SIM_BOOK_LEVELS : 100);
	if (sym < 0 || limit < 0)
		return sim_dialect_print(out, len, "{\"code\":%d,\"msg\":\"%s\",\"data\":{}}",
					 BINGX_ILLEGAL,
					 sym < 0 ? "symbol invalid" : "limit invalid");
	if (what == 1)
		return bingx_rest_ticker(v, sym, ms, out, len);
	return what == 0 ? bingx_rest_depth(v, sym, limit, ms, out, len)
			 : bingx_rest_trades(v, sym, limit, ms, out, len);
}
