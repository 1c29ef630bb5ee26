/* SPDX-License-Identifier: MIT */
/*
 * binance.c: Binance spot market streams (wss://stream.binance.com:9443/ws).
 *
 * Streams: <symbol lower case>@trade (trades), <symbol>@bookTicker (bbo),
 * subscribed with {"method":"SUBSCRIBE","params":[...],"id":N}; the answer
 * is {"result":null,"id":N} or an error carrying the id. The server sends
 * WebSocket pings (answered by the proto layer), so we need no venue ping.
 * Limits: 1024 streams per connection, 5 incoming messages per second.
 *
 *   trade:      {"e":"trade","E":..,"s":"BTCUSDT","t":12345,"p":"65000.10",
 *                "q":"0.0012","T":1700000000000,"m":true,...}
 *               m = buyer is the maker => the aggressor sold (SELL).
 *   bookTicker: {"u":400900217,"s":"BNBUSDT","b":"25.35","B":"31.21",
 *                "a":"25.36","A":"40.66"}  (no timestamp on spot: exch_ts 0)
 *   combined:   {"stream":"btcusdt@trade","data":{...}} (the /stream URL)
 *   depth (l2): <symbol>@depth@100ms
 *               {"e":"depthUpdate","E":..,"s":"BNBBTC","U":157,"u":160,
 *                "b":[["0.0024","10"]],"a":[["0.0026","100"]]}
 *               one FEED_MSG_BOOK DELTA [U, u] (futures add "T" and "pu");
 *               REST snapshot GET /api/v3/depth?symbol=BTCUSDT&limit=1000
 *               (weight 50) -> {"lastUpdateId":..,"bids":[..],"asks":[..]};
 *               sync FEED_SYNC_REST_UU, no checksum. Read first by
 *               feed_binance_depth_fast (this exact layout, bare or
 *               combined), else by the general scan.
 *               Depth checked 2026-12-07 against
 *               https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams
 *               (Diff. Depth Stream, How to manage a local order book
 *               correctly) and .../binance-spot-api-docs/rest-api/market-data-endpoints
 *               (Order book); see docs/venues/binance.md section 9.
 *
 * Reference data (ops->ref, [session] refdata): GET
 * /api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22,%22ETHUSDT%22%5D (the
 * symbols as a URL-encoded JSON array, FEED_BINANCE_REF_SYMS a request;
 * weight 20 whatever the count) -> {"symbols":[{"symbol":"BTCUSDT",
 * "filters":[{"filterType":"PRICE_FILTER","tickSize":"0.01000000",..},
 * {"filterType":"LOT_SIZE","stepSize":"0.00001000",..},..]},..]}: tick =
 * PRICE_FILTER tickSize, lot = LOT_SIZE stepSize ("0" disables a filter:
 * not published). A symbol Binance does not know fails the whole request
 * (400, code -1121 "Invalid symbol."), so an answer lists every symbol or
 * none. Checked 2026-12-07 against
 * https://developers.binance.com/docs/binance-spot-api-docs/rest-api/general-endpoints
 * (Exchange information: the symbols parameter, weight 20) and
 * https://developers.binance.com/docs/binance-spot-api-docs/filters
 * (PRICE_FILTER tickSize, LOT_SIZE stepSize).
 *
 * serverShutdown:  {"e":"serverShutdown","E":..}, combined or inside
 *                {"event":{..}}: reconnect at once (RECONNECT).
 *
 * Every field is validated; a bad message never becomes a tick.
 *
 * Checked against the venue's documentation on 2026-12-06:
 * developers.binance.com/docs/binance-spot-api-docs/web-socket-streams (and
 * the spot API's connection-events page for serverShutdown), see
 * docs/venues/binance.md. Everything in the table holds; pong frames
 * count against the 5 messages/s too, and unsolicited pongs do not keep a
 * connection alive. Not used: the optional timeUnit=MICROSECOND.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "binance.h"
#include "jsonscan.h"
#include "venue.h"
#include "vrest.h"

#define BN_SUB_TAIL 48 /* room for "],\"id\":<20 digits>}" */

/* ---- subscribe ----------------------------------------------------------------- */

static size_t binance_stream_name(const struct feed_venue_ctx *v, uint32_t s, const char *trade,
				  char *buf, size_t len)
{
	uint32_t sym, ch;
	const char *suffix;
	size_t i, n, sl;

	feed_venue_stream(v, s, &sym, &ch);
	suffix = ch == FEED_CH_TRADES ? trade : ch == FEED_CH_BBO ? "@bookTicker" : "@depth@100ms";
	n = strlen(v->syms[sym].native);
	sl = strlen(suffix);
	if (n + sl + 3 > len) /* quotes and a comma */
		return 0;
	buf[0] = '"';
	for (i = 0; i < n; i++) {
		char c = v->syms[sym].native[i];
		buf[1 + i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
	}
	memcpy(buf + 1 + n, suffix, sl);
	buf[1 + n + sl] = '"';
	return n + sl + 2;
}

int feed_binance_subscribe(struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			   uint64_t req_id, char *buf, size_t len, size_t *out_len,
			   const char *trade)
{
	static const char head[] = "{\"method\":\"SUBSCRIBE\",\"params\":[";
	size_t o = sizeof(head) - 1, w;
	int k;

	if (n == 0 || len < sizeof(head) + BN_SUB_TAIL)
		return -ENOBUFS;
	memcpy(buf, head, o);
	for (uint32_t i = 0; i < n; i++) {
		if (i > 0) {
			if (o + 1 + BN_SUB_TAIL >= len)
				return -ENOBUFS;
			buf[o++] = ',';
		}
		w = binance_stream_name(v, streams[i], trade, buf + o, len - o - BN_SUB_TAIL);
		if (w == 0)
			return -ENOBUFS;
		o += w;
	}
	k = snprintf(buf + o, len - o, "],\"id\":%llu}", (unsigned long long)req_id);
	if (k < 0 || (size_t)k >= len - o)
		return -ENOBUFS; /* cannot happen: BN_SUB_TAIL was kept free */
	*out_len = o + (size_t)k;
	return 0;
}

static int binance_subscribe(struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			     uint64_t req_id, char *buf, size_t len, size_t *out_len)
{
	return feed_binance_subscribe(v, streams, n, req_id, buf, len, out_len, "@trade");
}

/* ---- messages -------------------------------------------------------------------- */

/* In the order the members arrive (trade: e E s t p q T m M; bookTicker:
 * u s b B a A), so the scanner matches most keys with one compare; E and
 * M are listed only for that. */
enum {
	K_E,
	K_EE,
	K_U,
	K_S,
	K_T,
	K_P,
	K_Q,
	K_TT,
	K_M,
	K_MM,
	K_B,
	K_BB,
	K_A,
	K_AA,
	K_RESULT,
	K_ID,
	K_ERROR,
	K_CODE,
	K_MSG,
	K_DATA,
	K_EVENT,
	K_UU,
	K_PU,
	K__COUNT
};

static const struct feed_json_key binance_keys[K__COUNT] = {
	[K_E] = FEED_JSON_KEY("e"),	      [K_EE] = FEED_JSON_KEY("E"),
	[K_U] = FEED_JSON_KEY("u"),	      [K_S] = FEED_JSON_KEY("s"),
	[K_T] = FEED_JSON_KEY("t"),	      [K_P] = FEED_JSON_KEY("p"),
	[K_Q] = FEED_JSON_KEY("q"),	      [K_TT] = FEED_JSON_KEY("T"),
	[K_M] = FEED_JSON_KEY("m"),	      [K_MM] = FEED_JSON_KEY("M"),
	[K_B] = FEED_JSON_KEY("b"),	      [K_BB] = FEED_JSON_KEY("B"),
	[K_A] = FEED_JSON_KEY("a"),	      [K_AA] = FEED_JSON_KEY("A"),
	[K_RESULT] = FEED_JSON_KEY("result"), [K_ID] = FEED_JSON_KEY("id"),
	[K_ERROR] = FEED_JSON_KEY("error"),   [K_CODE] = FEED_JSON_KEY("code"),
	[K_MSG] = FEED_JSON_KEY("msg"),	      [K_DATA] = FEED_JSON_KEY("data"),
	[K_EVENT] = FEED_JSON_KEY("event"),   [K_UU] = FEED_JSON_KEY("U"),
	[K_PU] = FEED_JSON_KEY("pu"),
};

/* A price or quantity: a plain decimal string, never negative on Binance. */
static inline int binance_decimal(struct feed_venue_ctx *v, struct feed_venue_out *out,
				  uint32_t sym, const struct feed_json_val *f, const char *what,
				  unsigned dec, int64_t *val)
{
	return feed_venue_decimal(v, out, sym, f, what, dec, 0, val);
}

/* A trade, or an aggregate trade (agg: its id is 'a', USD-M futures). */
static void binance_trade(struct feed_venue_ctx *v, const struct feed_json_val *f, int agg,
			  int64_t recv_ns, struct feed_venue_out *out)
{
	const struct feed_json_val *id = agg ? &f[K_A] : &f[K_T];
	struct feed_venue_sym *sym;
	struct mdbus_tick *t;
	int64_t price, qty;
	uint64_t tid, tms;
	uint32_t i;
	int maker;

	if (feed_venue_symbol_field(v, out, &f[K_S], "s", &i) < 0)
		return;
	sym = &v->syms[i];
	if (binance_decimal(v, out, i, &f[K_P], "trade price", sym->price_decimals, &price) < 0 ||
	    binance_decimal(v, out, i, &f[K_Q], "trade qty", sym->qty_decimals, &qty) < 0)
		return;
	if (f[K_TT].type != FEED_JSON_NUMBER || feed_json_u64(&f[K_TT], &tms) < 0 ||
	    tms > (uint64_t)INT64_MAX / 1000000) {
		feed_venue_error(v, out, i, "%s trade: missing or bad trade time 'T'", sym->native);
		return;
	}
	if (id->type != FEED_JSON_NUMBER || feed_json_u64(id, &tid) < 0) {
		feed_venue_error(v, out, i, "%s trade: missing or bad trade id '%s'", sym->native,
				 agg ? "a" : "t");
		return;
	}
	if (feed_json_bool(&f[K_M], &maker) < 0) {
		feed_venue_error(v, out, i, "%s trade: missing or bad maker flag 'm'", sym->native);
		return;
	}
	/* m: the buyer was the maker, so the taker (aggressor) sold. */
	t = feed_venue_tick(v, out, i, MDBUS_KIND_TRADE, maker ? MDBUS_FLAG_SELL : MDBUS_FLAG_BUY,
			    (int64_t)tms * 1000000, recv_ns);
	if (!t)
		return; /* cannot happen: one tick per message, cap >= 16 */
	t->u.trade.price = price;
	t->u.trade.qty = qty;
	t->u.trade.trade_id = tid;
	/* Trade ids are per symbol; kept for the sequence hook but not
	 * treated as contiguous (Binance does not promise it on the stream). */
	sym->seq[0] = tid;
}

/*
 * The hot path: a trade exactly as Binance sends it (the members in the
 * documented order, no blanks, plain values) read in one pass with no
 * intermediate spans. It makes the tick binance_trade would make, or
 * returns -EAGAIN without touching out: anything else (another layout, an
 * unknown symbol, a value the general path would refuse or read
 * differently) takes the general path, which gives the tick or the error.
 */
static int binance_trade_fast(struct feed_venue_ctx *v, const char *p, size_t n, int64_t recv_ns,
			      struct feed_venue_out *out)
{
	struct feed_json_cur c = {.p = p, .n = n, .i = 0};
	struct feed_venue_sym *sym;
	struct mdbus_tick *t;
	const char *s;
	size_t sn;
	uint64_t ev, tid, tms;
	int64_t price, qty;
	uint32_t i;
	int maker, mm;

	if (feed_json_cur_lit(&c, "{\"e\":\"trade\",", 13) < 0 ||
	    feed_json_cur_lit(&c, "\"E\":", 4) < 0 || feed_json_cur_u64(&c, &ev) < 0 ||
	    feed_json_cur_lit(&c, ",\"s\":", 5) < 0 || feed_json_cur_str(&c, &s, &sn) < 0 ||
	    feed_venue_lookup(v, s, sn, &i) < 0)
		return -EAGAIN;
	sym = &v->syms[i];
	if (feed_json_cur_lit(&c, ",\"t\":", 5) < 0 || feed_json_cur_u64(&c, &tid) < 0 ||
	    feed_json_cur_lit(&c, ",\"p\":", 5) < 0 ||
	    feed_json_cur_decimal(&c, sym->price_decimals, &price) < 0 ||
	    feed_json_cur_lit(&c, ",\"q\":", 5) < 0 ||
	    feed_json_cur_decimal(&c, sym->qty_decimals, &qty) < 0 ||
	    feed_json_cur_lit(&c, ",\"T\":", 5) < 0 || feed_json_cur_u64(&c, &tms) < 0 ||
	    tms > (uint64_t)INT64_MAX / 1000000 || feed_json_cur_lit(&c, ",\"m\":", 5) < 0 ||
	    feed_json_cur_bool(&c, &maker) < 0 || feed_json_cur_lit(&c, ",\"M\":", 5) < 0 ||
	    feed_json_cur_bool(&c, &mm) < 0 || feed_json_cur_end(&c) < 0)
		return -EAGAIN;
	/* as binance_trade: m means the buyer was the maker, so the taker sold */
	t = feed_venue_tick(v, out, i, MDBUS_KIND_TRADE, maker ? MDBUS_FLAG_SELL : MDBUS_FLAG_BUY,
			    (int64_t)tms * 1000000, recv_ns);
	if (!t)
		return -EAGAIN; /* cannot happen: one tick per message, cap >= 16 */
	t->u.trade.price = price;
	t->u.trade.qty = qty;
	t->u.trade.trade_id = tid;
	sym->seq[0] = tid;
	return 0;
}

/* futures: the USD-M form, with "e" and its transaction time T. */
static void binance_book_ticker(struct feed_venue_ctx *v, const struct feed_json_val *f,
				int futures, int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_venue_sym *sym;
	int64_t bp, bq, ap, aq;
	uint64_t u, tms = 0;
	uint32_t i;

	if (feed_venue_symbol_field(v, out, &f[K_S], "s", &i) < 0)
		return;
	sym = &v->syms[i];
	if (binance_decimal(v, out, i, &f[K_B], "bid price", sym->price_decimals, &bp) < 0 ||
	    binance_decimal(v, out, i, &f[K_BB], "bid qty", sym->qty_decimals, &bq) < 0 ||
	    binance_decimal(v, out, i, &f[K_A], "ask price", sym->price_decimals, &ap) < 0 ||
	    binance_decimal(v, out, i, &f[K_AA], "ask qty", sym->qty_decimals, &aq) < 0)
		return;
	if (feed_json_u64(&f[K_U], &u) < 0 || f[K_U].type != FEED_JSON_NUMBER) {
		feed_venue_error(v, out, i, "%s bookTicker: missing or bad update id 'u'",
				 sym->native);
		return;
	}
	/* USD-M futures send the transaction time T; spot sends no time:
	 * exch_ts 0 (+ MDBUS_FLAG_NO_EXCH_TS). */
	if (futures && (f[K_TT].type != FEED_JSON_NUMBER || feed_json_u64(&f[K_TT], &tms) < 0 ||
			tms > (uint64_t)INT64_MAX / 1000000)) {
		feed_venue_error(v, out, i, "%s bookTicker: missing or bad transaction time 'T'",
				 sym->native);
		return;
	}
	(void)feed_venue_bbo(v, out, i, (int64_t)tms * 1000000, recv_ns,
			     (struct mdbus_bbo){bp, bq, ap, aq});
	/* u only increases but skips values (only top-of-book changes are
	 * sent): not a contiguous sequence, so stored, not gap-checked. */
	sym->seq[1] = u;
}

/* ---- depth (FEED_CH_L2) ----------------------------------------------------------- */

/* Decimals as printed: the digits after the '.' of a plain decimal. */
static uint8_t binance_dp(const struct feed_json_val *f)
{
	const char *dot = memchr(f->p, '.', f->n);

	return dot ? (uint8_t)(f->n - (size_t)(dot + 1 - f->p)) : 0;
}

/* One ["price","qty"] pair into *l. Returns 0 or -EINVAL (out: ERROR). */
static int binance_level(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			 const struct feed_json_val *e, const char *side, struct feed_book_lvl *l)
{
	const struct feed_venue_sym *sym = &v->syms[i];
	struct feed_json_iter it;
	struct feed_json_val px, qty, extra;

	if (e->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, e->p, e->n) < 0 ||
	    feed_json_iter_next(&it, NULL, &px) != 1 || feed_json_iter_next(&it, NULL, &qty) != 1 ||
	    feed_json_iter_next(&it, NULL, &extra) != 0) {
		feed_venue_error(v, out, i, "%s depth: a %s level is not a [price, qty] pair",
				 sym->native, side);
		return -EINVAL;
	}
	if (feed_venue_decimal(v, out, i, &px, "level price", sym->price_decimals, 0, &l->px) < 0 ||
	    feed_venue_decimal(v, out, i, &qty, "level qty", sym->qty_decimals, 0, &l->qty) < 0)
		return -EINVAL;
	if (l->px <= 0) { /* a book level has a price (found by fuzz_rest_parse) */
		feed_venue_error(v, out, i, "%s depth: a %s price is not positive", sym->native,
				 side);
		return -EINVAL;
	}
	l->px_dp = binance_dp(&px);
	l->qty_dp = binance_dp(&qty);
	return 0;
}

int feed_binance_levels(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			const struct feed_json_val *arr, const char *side, uint32_t *k)
{
	struct feed_json_iter it;
	struct feed_json_val e;
	uint32_t k0 = *k;
	int rc;

	if (arr->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, arr->p, arr->n) < 0) {
		feed_venue_error(v, out, i, "%s depth: missing or bad %s list", v->syms[i].native,
				 side);
		return -EINVAL;
	}
	while ((rc = feed_json_iter_next(&it, NULL, &e)) == 1) {
		if (*k >= v->lv_cap) {
			feed_venue_error(v, out, i, "%s depth: more than %u levels",
					 v->syms[i].native, v->lv_cap);
			return -EMSGSIZE;
		}
		if (binance_level(v, out, i, &e, side, &v->lv[*k]) < 0)
			return -EINVAL;
		(*k)++;
	}
	if (rc < 0) {
		feed_venue_error(v, out, i, "%s depth: invalid %s list", v->syms[i].native, side);
		return -EINVAL;
	}
	return (int)(*k - k0);
}

/* Both sides into v->book (levels in v->lv: bids, then asks). */
int feed_binance_sides(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
		       const struct feed_json_val *bids, const struct feed_json_val *asks)
{
	struct feed_book_ev *ev = &v->book;
	uint32_t k = 0;
	int rc;

	if (!v->lv) {
		feed_venue_error(v, out, i, "%s depth: l2 is not subscribed", v->syms[i].native);
		return -EINVAL;
	}
	memset(ev, 0, sizeof(*ev));
	ev->sym = i;
	if ((rc = feed_binance_levels(v, out, i, bids, "bid", &k)) < 0)
		return rc;
	ev->nbids = k;
	if ((rc = feed_binance_levels(v, out, i, asks, "ask", &k)) < 0)
		return rc;
	ev->nasks = k - ev->nbids;
	ev->bids = v->lv;
	ev->asks = v->lv + ev->nbids;
	return 0;
}

/* A number field as u64, or an ERROR naming it. */
static int binance_id(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
		      const struct feed_json_val *f, const char *what, uint64_t *id)
{
	if (f->type == FEED_JSON_NUMBER && feed_json_u64(f, id) == 0)
		return 0;
	feed_venue_error(v, out, i, "%s depth: missing or bad '%s'", v->syms[i].native, what);
	return -EINVAL;
}

/* {"e":"depthUpdate","E":..,["T":..,]"s":..,"U":..,"u":..,["pu":..,]"b":[..],"a":[..]}:
 * one DELTA event [U, u]; futures also carry pu (the previous event's u)
 * and the transaction time T (the exchange time; spot: the event time E). */
static void binance_depth(struct feed_venue_ctx *v, const struct feed_json_val *f, int futures,
			  int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_book_ev *ev = &v->book;
	uint64_t first, last, prev = 0, tms;
	uint32_t i;

	if (feed_venue_symbol_field(v, out, &f[K_S], "s", &i) < 0)
		return;
	if (binance_id(v, out, i, &f[K_UU], "U", &first) < 0 ||
	    binance_id(v, out, i, &f[K_U], "u", &last) < 0 ||
	    (futures && binance_id(v, out, i, &f[K_PU], "pu", &prev) < 0) ||
	    binance_id(v, out, i, &f[futures ? K_TT : K_EE], futures ? "T" : "E", &tms) < 0)
		return;
	if (first > last || tms > (uint64_t)INT64_MAX / 1000000) {
		feed_venue_error(v, out, i, "%s depth: bad ids U %llu > u %llu or time",
				 v->syms[i].native, (unsigned long long)first,
				 (unsigned long long)last);
		return;
	}
	if (feed_binance_sides(v, out, i, &f[K_B], &f[K_A]) < 0)
		return;
	ev->kind = FEED_BOOK_DELTA;
	ev->first_id = first;
	ev->last_id = last;
	ev->prev_id = prev;
	ev->has_prev = (uint8_t)futures;
	ev->exch_ts = (int64_t)tms * 1000000;
	ev->recv_ts = recv_ns;
	v->syms[i].last_recv_ns = recv_ns;
	out->cls = FEED_MSG_BOOK;
	out->book = ev;
	out->sym = i;
}

/* ---- depth fast path ------------------------------------------------------------- */

/* The byte ch at the cursor. Returns 0 (past it) or -EAGAIN. */
static inline int binance_fast_ch(struct feed_json_cur *c, char ch)
{
	if (c->i >= c->n || c->p[c->i] != ch)
		return -EAGAIN;
	c->i++;
	return 0;
}

/*
 * binance_fast_dec scans digit runs without a bound: the message's last
 * byte is a '}' (feed_binance_depth_fast checks it first), which ends any
 * run before the end. It then checks the byte that stopped the run.
 */

/* A price or quantity string as the general path reads it: "digits" or
 * "digits.digits" (no sign, no leading zero, integer digits + dec <= 18,
 * fraction digits past dec all zeros) gives its value at dec places and
 * the fraction digits as printed (binance_dp). Anything else -EAGAIN. */
static inline int binance_fast_dec(struct feed_json_cur *c, unsigned dec, int64_t *val, uint8_t *dp)
{
	const char *p = c->p;
	size_t i = c->i + 1, i0 = i, f0;
	uint64_t m = 0;
	unsigned d;

	if (dec > 18 || c->i >= c->n || p[c->i] != '"')
		return -EAGAIN;
	while ((d = (unsigned)(p[i] - '0')) <= 9) {
		m = m * 10 + d; /* wraps only past 19 digits, refused below */
		i++;
	}
	if (i == i0 || i - i0 + dec > 18 || (p[i0] == '0' && i - i0 > 1))
		return -EAGAIN;
	f0 = i + 1;
	*dp = 0;
	if (p[i] == '.') {
		for (i = f0; i - f0 < dec && (d = (unsigned)(p[i] - '0')) <= 9; i++)
			m = m * 10 + d;
		dec -= (unsigned)(i - f0);
		while (p[i] == '0') /* past the scale: zeros only */
			i++;
		if (i == f0)
			return -EAGAIN;
		*dp = (uint8_t)(i - f0);
	}
	if (i >= c->n || p[i] != '"')
		return -EAGAIN;
	*val = (int64_t)(m * feed_json_pow10[dec]);
	c->i = i + 1;
	return 0;
}

/* [["p","q"],...] into v->lv[*k..] as binance_level would, or -EAGAIN
 * (past lv_cap, a price not positive, any other text). */
static int binance_fast_side(struct feed_venue_ctx *v, struct feed_json_cur *c,
			     const struct feed_venue_sym *sym, uint32_t *k)
{
	struct feed_book_lvl *l;

	if (binance_fast_ch(c, '[') < 0)
		return -EAGAIN;
	if (binance_fast_ch(c, ']') == 0)
		return 0;
	do {
		if (*k >= v->lv_cap)
			return -EAGAIN;
		l = &v->lv[*k];
		if (binance_fast_ch(c, '[') < 0 ||
		    binance_fast_dec(c, sym->price_decimals, &l->px, &l->px_dp) < 0 ||
		    binance_fast_ch(c, ',') < 0 ||
		    binance_fast_dec(c, sym->qty_decimals, &l->qty, &l->qty_dp) < 0 ||
		    binance_fast_ch(c, ']') < 0 || l->px <= 0)
			return -EAGAIN;
		(*k)++;
	} while (binance_fast_ch(c, ',') == 0);
	return binance_fast_ch(c, ']');
}

/* The ids and times up to "b": E [T] s U u [pu]. ids[]: first, last,
 * prev, the exchange time in ms. Returns 0 or -EAGAIN. */
static int binance_fast_head(struct feed_venue_ctx *v, struct feed_json_cur *c, int futures,
			     uint32_t *i, uint64_t ids[4])
{
	const char *s;
	size_t sn;
	uint64_t e;

	if (feed_json_cur_lit(c, "{\"e\":\"depthUpdat", 16) < 0 ||
	    feed_json_cur_lit(c, "e\",\"E\":", 7) < 0 || feed_json_cur_u64(c, &e) < 0)
		return -EAGAIN;
	ids[3] = e; /* spot: the event time */
	if (futures &&
	    (feed_json_cur_lit(c, ",\"T\":", 5) < 0 || feed_json_cur_u64(c, &ids[3]) < 0))
		return -EAGAIN;
	if (feed_json_cur_lit(c, ",\"s\":", 5) < 0 || feed_json_cur_str(c, &s, &sn) < 0 ||
	    feed_venue_lookup(v, s, sn, i) < 0 || feed_json_cur_lit(c, ",\"U\":", 5) < 0 ||
	    feed_json_cur_u64(c, &ids[0]) < 0 || feed_json_cur_lit(c, ",\"u\":", 5) < 0 ||
	    feed_json_cur_u64(c, &ids[1]) < 0 || ids[0] > ids[1])
		return -EAGAIN;
	ids[2] = 0;
	if (futures &&
	    (feed_json_cur_lit(c, ",\"pu\":", 6) < 0 || feed_json_cur_u64(c, &ids[2]) < 0))
		return -EAGAIN;
	/* cur_u64 reads at most 15 digits: the time fits int64 ns */
	return 0;
}

/*
 * The hot path of depth: a depthUpdate exactly as Binance sends it (spot,
 * or with futures its T and pu; bare or in the combined-stream wrapper
 * {"stream":"..","data":{..}}), read in one pass. It makes the event
 * binance_depth would make, or returns -EAGAIN without touching out (it
 * may have written v->book and v->lv, which the general path rewrites):
 * any other layout, an unknown symbol, a value the general path would
 * refuse or read differently takes the general path.
 */
int feed_binance_depth_fast(struct feed_venue_ctx *v, const char *p, size_t n, int futures,
			    int64_t recv_ns, struct feed_venue_out *out)
{
	struct feed_json_cur c = {.p = p, .n = n, .i = 0};
	struct feed_book_ev *ev = &v->book;
	uint64_t ids[4];
	const char *s;
	size_t sn;
	uint32_t i, k = 0, nb;

	if (!v->lv || n < 2 || p[n - 1] != '}') /* the readers' stop byte */
		return -EAGAIN;
	if (feed_json_cur_lit(&c, "{\"stream\":", 10) == 0) {
		if (feed_json_cur_str(&c, &s, &sn) < 0 ||
		    feed_json_cur_lit(&c, ",\"data\":", 8) < 0)
			return -EAGAIN;
		c.n = n - 1; /* the inner object ends just before the wrapper's '}' */
	}
	if (binance_fast_head(v, &c, futures, &i, ids) < 0 ||
	    feed_json_cur_lit(&c, ",\"b\":", 5) < 0 ||
	    binance_fast_side(v, &c, &v->syms[i], &k) < 0)
		return -EAGAIN;
	nb = k;
	if (feed_json_cur_lit(&c, ",\"a\":", 5) < 0 ||
	    binance_fast_side(v, &c, &v->syms[i], &k) < 0 || feed_json_cur_end(&c) < 0)
		return -EAGAIN;
	memset(ev, 0, sizeof(*ev));
	ev->sym = i;
	ev->nbids = nb;
	ev->nasks = k - nb;
	ev->bids = v->lv;
	ev->asks = v->lv + nb;
	ev->kind = FEED_BOOK_DELTA;
	ev->first_id = ids[0];
	ev->last_id = ids[1];
	ev->prev_id = ids[2];
	ev->has_prev = (uint8_t)futures;
	ev->exch_ts = (int64_t)ids[3] * 1000000;
	ev->recv_ts = recv_ns;
	v->syms[i].last_recv_ns = recv_ns;
	out->cls = FEED_MSG_BOOK;
	out->book = ev;
	out->sym = i;
	return 0;
}

/* The REST snapshot body: {"lastUpdateId":N,["E":..,"T":..,]"bids":[..],"asks":[..]}. */
int feed_binance_rest_parse(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			    struct feed_book_ev *ev)
{
	static const struct feed_json_key rk[4] = {FEED_JSON_KEY("lastUpdateId"),
						   FEED_JSON_KEY("T"), FEED_JSON_KEY("bids"),
						   FEED_JSON_KEY("asks")};
	struct feed_json_val f[4];
	struct feed_venue_out o;
	uint64_t id, tms = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	if (sym >= v->nsyms || feed_json_scan((const char *)body, n, rk, 4, f) < 0) {
		snprintf(v->reason, sizeof(v->reason), "depth snapshot: invalid JSON (%zu bytes)",
			 n);
		return -EBADMSG;
	}
	if (binance_id(v, &o, sym, &f[0], "lastUpdateId", &id) < 0 ||
	    (f[1].type != FEED_JSON_NONE && binance_id(v, &o, sym, &f[1], "T", &tms) < 0))
		return -EBADMSG;
	if (tms > (uint64_t)INT64_MAX / 1000000) {
		snprintf(v->reason, sizeof(v->reason), "depth snapshot: bad time T");
		return -EBADMSG;
	}
	rc = feed_binance_sides(v, &o, sym, &f[2], &f[3]);
	if (rc < 0)
		return rc == -EMSGSIZE ? -EMSGSIZE : -EBADMSG;
	*ev = v->book;
	ev->kind = FEED_BOOK_SNAPSHOT;
	ev->first_id = ev->last_id = id;
	ev->exch_ts = (int64_t)tms * 1000000;
	return 0;
}

int feed_binance_rest_path(struct feed_venue_ctx *v, uint32_t sym, const char *path, char *buf,
			   size_t len, size_t *n)
{
	int k;

	if (sym >= v->nsyms)
		return -EINVAL;
	k = snprintf(buf, len, "%s?symbol=%s&limit=%u", path, v->syms[sym].native,
		     FEED_BINANCE_REST_LIMIT);
	if (k < 0 || (size_t)k >= len)
		return -ENOBUFS;
	*n = (size_t)k;
	return 0;
}

/* {"result":null,"id":N}, {"error":{"code":2,"msg":"..."},"id":N} or the
 * older {"code":2,"msg":"...","id":N}. */
static void binance_reply(struct feed_venue_ctx *v, const struct feed_json_val *f,
			  struct feed_venue_out *out)
{
	struct feed_json_val ef[2];
	const struct feed_json_val *code = &f[K_CODE], *msg = &f[K_MSG];
	uint64_t id;
	int64_t c = 0;
	int ok = f[K_ERROR].type == FEED_JSON_NONE && f[K_CODE].type == FEED_JSON_NONE;

	if (f[K_ID].type != FEED_JSON_NUMBER || feed_json_u64(&f[K_ID], &id) < 0) {
		if (ok) {
			feed_venue_unknown(out, "reply without a numeric id");
		} else {
			feed_venue_error(v, out, UINT32_MAX, "venue error without request id");
		}
		return;
	}
	if (ok && f[K_RESULT].type != FEED_JSON_NULL) {
		/* A reply to something we did not send (LIST_SUBSCRIPTIONS...). */
		feed_venue_unknown(out, "non-null result");
		out->req_id = id;
		return;
	}
	if (f[K_ERROR].type == FEED_JSON_OBJECT) {
		static const struct feed_json_key ek[2] = {FEED_JSON_KEY("code"),
							   FEED_JSON_KEY("msg")};
		if (feed_json_scan(f[K_ERROR].p, f[K_ERROR].n, ek, 2, ef) >= 0) {
			code = &ef[0];
			msg = &ef[1];
		}
	}
	if (feed_venue_req_done(v, id, ok, out) < 0) {
		feed_venue_unknown(out, "reply to an unknown request id");
		out->req_id = id;
		return;
	}
	if (ok)
		return;
	/* REJECT: keep the venue's words for the log. */
	(void)feed_json_i64(code, &c);
	{
		char m[FEED_VENUE_REASON_MAX - 32];
		if (msg->type != FEED_JSON_STRING || feed_json_unescape(msg, m, sizeof(m)) < 0)
			strcpy(m, "(no message)");
		snprintf(v->reason, sizeof(v->reason), "code %lld: %s", (long long)c, m);
	}
	out->reason = v->reason;
}

int feed_binance_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			    int64_t recv_ns, struct feed_venue_out *out, int futures)
{
	struct feed_json_val f[K__COUNT];
	const struct feed_json_val *inner;
	const char *s = (const char *)p;
	int depth;

	if (binary) {
		feed_venue_error(v, out, UINT32_MAX, "unexpected binary frame (%zu bytes)", n);
		return 0;
	}
	if (binance_trade_fast(v, s, n, recv_ns, out) == 0 ||
	    feed_binance_depth_fast(v, s, n, futures, recv_ns, out) == 0)
		return 0;
	/* At most one level of {"stream":..,"data":{..}} wrapping. */
	for (depth = 0;; depth++) {
		if (feed_json_scan(s, n, binance_keys, K__COUNT, f) < 0) {
			feed_venue_error(v, out, UINT32_MAX, "invalid JSON (%zu bytes)", n);
			return 0;
		}
		/* {"stream":..,"data":{..}} (combined streams) or the
		 * {"event":{..}} form of connection events. */
		inner = f[K_DATA].type == FEED_JSON_OBJECT    ? &f[K_DATA]
			: f[K_EVENT].type == FEED_JSON_OBJECT ? &f[K_EVENT]
							      : NULL;
		if (!inner || depth > 0)
			break;
		s = inner->p;
		n = inner->n;
	}
	if (f[K_E].type != FEED_JSON_NONE) {
		if (futures ? feed_json_str_eq(&f[K_E], "aggTrade", 8)
			    : feed_json_str_eq(&f[K_E], "trade", 5)) {
			binance_trade(v, f, futures, recv_ns, out);
		} else if (futures && feed_json_str_eq(&f[K_E], "bookTicker", 10)) {
			binance_book_ticker(v, f, 1, recv_ns, out);
		} else if (feed_json_str_eq(&f[K_E], "depthUpdate", 11)) {
			binance_depth(v, f, futures, recv_ns, out);
		} else if (feed_json_str_eq(&f[K_E], "serverShutdown", 14)) {
			/* "establish a new connection as soon as possible" */
			out->cls = FEED_MSG_RECONNECT;
			out->reason = "serverShutdown: the server is about to go away";
		} else {
			feed_venue_unknown(out, "unknown event type");
		}
		return 0;
	}
	if (f[K_ID].type != FEED_JSON_NONE || f[K_RESULT].type != FEED_JSON_NONE ||
	    f[K_ERROR].type != FEED_JSON_NONE) {
		binance_reply(v, f, out);
		return 0;
	}
	if (f[K_U].type != FEED_JSON_NONE && f[K_S].type != FEED_JSON_NONE) {
		binance_book_ticker(v, f, 0, recv_ns, out);
		return 0;
	}
	feed_venue_unknown(out, "unrecognised message");
	return 0;
}

static int binance_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			      int64_t recv_ns, struct feed_venue_out *out)
{
	return feed_binance_on_message(v, p, n, binary, recv_ns, out, 0);
}

static int binance_rest_snapshot(struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
				 size_t *n)
{
	return feed_binance_rest_path(v, sym, "/api/v3/depth", buf, len, n);
}

static int binance_ref_request(struct feed_venue_ctx *v, uint32_t k, char *buf, size_t len,
			       size_t *n)
{
	return feed_binance_ref_request(v, k, "/api/v3/exchangeInfo", buf, len, n);
}

/* REST fallback: at the end of the file. */
static int binance_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				    size_t len, size_t *n);
static int binance_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				    size_t len, size_t *n);

const struct feed_venue_ops feed_venue_binance = {
	.name = "binance",
	.default_url = "wss://stream.binance.com:9443/ws",
	.default_rest_url = "https://api.binance.com",
	.channels = FEED_CH_TRADES | FEED_CH_BBO | FEED_CH_L2,
	.markets = 1u << MDBUS_MARKET_SPOT,
	.limits =
		{
			.group = FEED_GROUP_ANY,
			/* Binance takes more, but small requests keep one rejection
			 * from sinking every stream and stay far below any frame limit. */
			.streams_per_req = 200,
			.streams_per_conn = 1024,
			/* 5 incoming messages per second (pongs included): stay under it. */
			.req_interval_ms = 250,
		},
	.book =
		{
			.sync = FEED_SYNC_REST_UU,
			/* The diff stream covers the whole book; the snapshot
			 * holds FEED_BINANCE_REST_LIMIT levels a side. */
			.max_levels = FEED_BINANCE_REST_LIMIT,
			/* limit 501-1000: weight 50 (of 6,000 a minute) */
			.rest_weight = 50,
			.rest_snapshot = binance_rest_snapshot,
			.rest_parse = feed_binance_rest_parse,
		},
	.rest =
		{
			.ticker_weight = 2,  /* bookTicker, one symbol */
			.trades_weight = 25, /* GET /api/v3/trades */
			/* the live stream is <symbol>@trade ("t"): the same
			 * trade ids as /api/v3/trades ("id") */
			.same_ids = 1,
			.ticker_path = binance_rest_ticker_path,
			.trades_path = binance_rest_trades_path,
			.ticker_parse = feed_binance_rest_ticker,
			.trades_parse = feed_binance_rest_trades,
		},
	.ref =
		{
			.request = binance_ref_request,
			.parse = feed_binance_ref_parse,
			.weight = 20,
		},
	.native_symbol = feed_venue_native_joined,
	.subscribe = binance_subscribe,
	.on_message = binance_on_message,
};

/* ---- REST fallback (ops->rest) ------------------------------------------------- */

/* Recent trades per poll: the REST maximum is 1000; 500 overlaps a second
 * of polling on the busiest pairs. */
#define BINANCE_REST_TRADES 500

int feed_binance_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, const char *path,
				  char *buf, size_t len, size_t *n)
{
	if (sym >= v->nsyms)
		return -EINVAL;
	return feed_vrest_fmt(buf, len, n, "%s?symbol=%s", path, v->syms[sym].native);
}

int feed_binance_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, const char *path,
				  char *buf, size_t len, size_t *n)
{
	if (sym >= v->nsyms)
		return -EINVAL;
	return feed_vrest_fmt(buf, len, n, "%s?symbol=%s&limit=%u", path, v->syms[sym].native,
			      BINANCE_REST_TRADES);
}

/* {"symbol":..,"bidPrice":..,"bidQty":..,"askPrice":..,"askQty":..[,"time":ms]}
 * (USD-M futures add "time"). */
int feed_binance_rest_ticker(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			     struct mdbus_bbo *b, int64_t *exch_ts)
{
	static const struct feed_json_key k[6] = {
		FEED_JSON_KEY("symbol"),   FEED_JSON_KEY("bidPrice"), FEED_JSON_KEY("bidQty"),
		FEED_JSON_KEY("askPrice"), FEED_JSON_KEY("askQty"),   FEED_JSON_KEY("time")};
	struct feed_json_val f[6];

	*exch_ts = 0;
	if (feed_json_scan((const char *)body, n, k, 6, f) < 0)
		return feed_vrest_bad(v, "bookTicker JSON");
	if (!feed_json_str_eq(&f[0], v->syms[sym].native, strlen(v->syms[sym].native)))
		return feed_vrest_bad(v, "bookTicker symbol");
	if (feed_vrest_px(v, sym, &f[1], "bidPrice", 0, &b->bid_px) < 0 ||
	    feed_vrest_qty(v, sym, &f[2], "bidQty", 0, &b->bid_qty) < 0 ||
	    feed_vrest_px(v, sym, &f[3], "askPrice", 0, &b->ask_px) < 0 ||
	    feed_vrest_qty(v, sym, &f[4], "askQty", 0, &b->ask_qty) < 0)
		return -EBADMSG;
	if (f[5].type != FEED_JSON_NONE && feed_vrest_ms(v, &f[5], "bookTicker time", exch_ts) < 0)
		return -EBADMSG;
	return 0;
}

/* {"id":28457,"price":"4.00000100","qty":"12.00000000","quoteQty":..,
 * "time":1499865549590,"isBuyerMaker":true,...} */
static int binance_rest_trade(struct feed_venue_ctx *v, uint32_t sym, const struct feed_json_val *e,
			      struct feed_rest_trade *t)
{
	static const struct feed_json_key k[5] = {FEED_JSON_KEY("id"), FEED_JSON_KEY("price"),
						  FEED_JSON_KEY("qty"), FEED_JSON_KEY("time"),
						  FEED_JSON_KEY("isBuyerMaker")};
	struct feed_json_val f[5];

	t->flags = 0;
	if (feed_vrest_trade_maker(v, sym, e, k, f, t) < 0)
		return -EBADMSG;
	if (f[0].type != FEED_JSON_NUMBER || feed_json_u64(&f[0], &t->id) < 0)
		return feed_vrest_bad(v, "trade id");
	return 0;
}

int feed_binance_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			     struct feed_rest_trade *t, uint32_t cap, uint32_t *nt)
{
	struct feed_json_val arr = {.p = (const char *)body, .n = n, .type = FEED_JSON_ARRAY};
	size_t pos = 0;

	if (feed_json_value((const char *)body, n, &pos, &arr) < 0 || arr.type != FEED_JSON_ARRAY)
		return feed_vrest_bad(v, "trades JSON");
	return feed_vrest_each(v, sym, &arr, binance_rest_trade, t, cap, nt);
}

static int binance_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				    size_t len, size_t *n)
{
	return feed_binance_rest_ticker_path(v, sym, "/api/v3/ticker/bookTicker", buf, len, n);
}

static int binance_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, char *buf,
				    size_t len, size_t *n)
{
	return feed_binance_rest_trades_path(v, sym, "/api/v3/trades", buf, len, n);
}

/* ---- reference data (ops->ref) ----------------------------------------------------- */

int feed_binance_ref_request(struct feed_venue_ctx *v, uint32_t k, const char *path, char *buf,
			     size_t len, size_t *n)
{
	uint32_t first = k * FEED_BINANCE_REF_SYMS, end;
	size_t o;
	int w;

	if (first >= v->nsyms || (first == 0 && k != 0))
		return 0;
	end = first + FEED_BINANCE_REF_SYMS < v->nsyms ? first + FEED_BINANCE_REF_SYMS : v->nsyms;
	w = snprintf(buf, len, "%s?symbols=%%5B", path);
	if (w < 0 || (size_t)w >= len)
		return -ENOBUFS;
	o = (size_t)w;
	for (uint32_t i = first; i < end; i++) {
		w = snprintf(buf + o, len - o, "%s%%22%s%%22", i > first ? "," : "",
			     v->syms[i].native);
		if (w < 0 || (size_t)w >= len - o)
			return -ENOBUFS;
		o += (size_t)w;
	}
	w = snprintf(buf + o, len - o, "%%5D");
	if (w < 0 || (size_t)w >= len - o)
		return -ENOBUFS;
	*n = o + (size_t)w;
	return 1;
}

/* "0.01000000" -> 1 at 2 decimals; "0" (a disabled filter) -> 0. */
int feed_binance_ref_decimal(const struct feed_json_val *f, int64_t *m, uint8_t *dp)
{
	const char *dot;
	size_t n, dec;

	if (f->type != FEED_JSON_STRING && f->type != FEED_JSON_NUMBER)
		return -EINVAL;
	n = f->n;
	dot = memchr(f->p, '.', n);
	dec = dot ? n - (size_t)(dot - f->p) - 1 : 0;
	while (dot && dec > 0 && f->p[n - 1] == '0') {
		n--;
		dec--;
	}
	if (dot && dec == 0)
		n--; /* "1." after stripping: no point */
	if (dec > MDBUS_DECIMALS_MAX || mdbus_decimal_parse(f->p, n, (unsigned)dec, m) < 0 ||
	    *m < 0)
		return -EINVAL;
	*dp = (uint8_t)(*m ? dec : 0);
	return 0;
}

/* One symbol object's filters into r. */
static int binance_ref_filters(struct feed_venue_ctx *v, const struct feed_json_val *arr,
			       struct feed_ref_instr *r)
{
	static const struct feed_json_key fk[3] = {
		FEED_JSON_KEY("filterType"), FEED_JSON_KEY("tickSize"), FEED_JSON_KEY("stepSize")};
	struct feed_json_val f[3], e;
	struct feed_json_iter it;
	int rc = 0, bad = 0;

	if (arr->type != FEED_JSON_ARRAY || feed_json_iter_init(&it, arr->p, arr->n) < 0)
		return feed_vrest_bad(v, "exchangeInfo filters");
	while (!bad && (rc = feed_json_iter_next(&it, NULL, &e)) == 1) {
		if (e.type != FEED_JSON_OBJECT || feed_json_scan(e.p, e.n, fk, 3, f) < 0)
			return feed_vrest_bad(v, "exchangeInfo filter");
		if (feed_json_str_eq(&f[0], "PRICE_FILTER", 12) && f[1].type != FEED_JSON_NONE)
			bad = feed_binance_ref_decimal(&f[1], &r->tick, &r->tick_dp) < 0;
		else if (feed_json_str_eq(&f[0], "LOT_SIZE", 8) && f[2].type != FEED_JSON_NONE)
			bad = feed_binance_ref_decimal(&f[2], &r->lot, &r->lot_dp) < 0;
	}
	if (bad)
		return feed_vrest_bad(v, "exchangeInfo tickSize/stepSize");
	return rc < 0 ? feed_vrest_bad(v, "exchangeInfo filters") : 0;
}

int feed_binance_ref_parse(struct feed_venue_ctx *v, uint32_t k, const uint8_t *body, size_t n,
			   struct feed_ref_instr *ref)
{
	static const struct feed_json_key top[1] = {FEED_JSON_KEY("symbols")};
	static const struct feed_json_key sk[2] = {FEED_JSON_KEY("symbol"),
						   FEED_JSON_KEY("filters")};
	struct feed_json_val t, e, f[2];
	struct feed_json_iter it;
	uint32_t i;
	int rc;

	(void)k;
	if (feed_json_scan((const char *)body, n, top, 1, &t) < 0 || t.type != FEED_JSON_ARRAY ||
	    feed_json_iter_init(&it, t.p, t.n) < 0)
		return feed_vrest_bad(v, "exchangeInfo JSON");
	while ((rc = feed_json_iter_next(&it, NULL, &e)) == 1) {
		if (e.type != FEED_JSON_OBJECT || feed_json_scan(e.p, e.n, sk, 2, f) < 0 ||
		    f[0].type != FEED_JSON_STRING || f[0].escaped)
			return feed_vrest_bad(v, "exchangeInfo symbol");
		if (feed_venue_lookup(v, f[0].p, f[0].n, &i) < 0)
			continue; /* not ours */
		memset(&ref[i], 0, sizeof(ref[i]));
		if (binance_ref_filters(v, &f[1], &ref[i]) < 0)
			return -EBADMSG;
		ref[i].found = 1;
	}
	return rc < 0 ? feed_vrest_bad(v, "exchangeInfo JSON") : 0;
}
