/* SPDX-License-Identifier: MIT */
/*
 * bench_book_venues.c: one applied depth delta per venue, end to end in one
 * thread: the venue's documented message shape with ONE level changed (the
 * best bid's quantity, alternately two values) goes through
 * feed_venue_on_message (decode + parse) -> feed_book_sync_event (the
 * engine: id check, local book, crossed check, checksum when the venue
 * has one) -> its callbacks, which publish into a real bus: the tick by
 * mdbus_writer_publish_batch, the book's top book_depth levels by
 * mdbus_writer_book_publish. The book is filled first by the venue's own
 * procedure: REST kinds buffer a delta, ask for the snapshot and get a
 * parsed REST body (rest_parse); stream kinds get a snapshot message.
 * Books hold 1,000 levels a side, or the venue's capacity when smaller
 * (OKX books 400, Bybit 200, Gate 100, BingX 100: every BingX push is the
 * whole top 100, so its "delta" is a 100-level message).
 *
 * The message's ids are bumped in place (its decimal digits) before each
 * use so every delta is the next one in sequence; that costs a few
 * instructions per delta and is counted in (bv_bump).
 *
 *   bench_feed_book_venues [--venue NAME] [--runs R] [--iters N]
 *
 * Prints per venue the median ns per applied delta over R runs (default 7)
 * of N deltas (default 200,000) with the fastest and slowest run, and the
 * memory one book takes (local book, delta buffers, segment record).
 * Every run checks that each delta applied (state LIVE, no resync, one
 * publish per delta, the best bid's quantity as sent). Then a consumer's
 * top-10 read (mdbus_book_read, depth 10) of that bus book, R runs of N
 * reads, uncontended (the writer is idle meanwhile), median and spread;
 * it checks the best bid read is the engine's.
 *
 * Instructions per delta: run under callgrind twice with different N and
 * take the difference of the totals over the difference of N (set-up
 * cancels out):
 *   valgrind --tool=callgrind --callgrind-out-file=cg.N bench_feed_book_venues \
 *     --venue binance --runs 1 --iters N
 * callgrind_annotate --inclusive=yes splits it: feed_venue_on_message
 * (parse), bv_publish + bv_ticks (publish) and feed_book_sync_event minus
 * those (apply).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "book.h"
#include "config.h"
#include "mexc.pb-c.h"
#include "sync.h"
#include "venue.h"

#define BV_LEVELS 1000u
#define BV_BASE	  777750000000ULL /* first delta id: 12 digits, found again by "7777" */
#define BV_BUF	  ((size_t)512 * 1024)

/* One prepared message and where its id digits are (the last digit). */
struct bv_msg {
	uint8_t *p;
	size_t n;
	int binary;
	uint32_t nid;
	size_t id_end[4];
};

struct bv;

/* One venue: its session and the builders of its messages. */
struct bv_venue {
	const char *name, *sym;
	uint32_t book_depth;
	/* The snapshot (REST body for REST kinds, else a stream message)
	 * with n levels a side and last id `id`. */
	size_t (*snap)(struct bv *b, char *buf, size_t len, uint32_t n, uint64_t id);
	/* The delta: best bid quantity q (text), id `id`. */
	size_t (*delta)(struct bv *b, char *buf, size_t len, const char *q, uint64_t id);
};

struct bv {
	const struct bv_venue *vn;
	struct feed_venue_ctx v;
	struct feed_book_sync_ctx s;
	struct mdbus_tick batch[64];
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out;
	mdbus_writer *w;
	uint32_t book, instrument, levels;
	uint64_t pubs, nticks, need_snap, resubs, bad;
	struct bv_msg m[2];
	char bus[64];
};

static const char *const bv_qty[2] = {"2.5", "3.5"};

static int64_t bv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- text building ---------------------------------------------------------- */

static void bv_put(char *buf, size_t len, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*o >= len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *o, len - *o, fmt, ap);
	va_end(ap);
	*o = k < 0 ? len : *o + (size_t)k;
}

/* Level i of a side as text: bids 50000.00 down by 0.01, asks 50000.01 up. */
static void bv_px(char *out, size_t len, int ask, uint32_t i)
{
	long long c = ask ? 5000001LL + i : 5000000LL - i;

	snprintf(out, len, "%lld.%02lld", c / 100, c % 100);
}

static const char *bv_q(uint32_t i)
{
	static const char *const q[4] = {"1.25", "0.5", "1.75", "0.125"};

	return q[i % 4];
}

/* n levels: style 0 [["p","q"],..], 1 OKX [["p","q","0","1"],..],
 * 2 Kraken [{"price":p,"qty":q},..]. */
static void bv_levels(char *buf, size_t len, size_t *o, int ask, uint32_t n, int style)
{
	char px[32];

	bv_put(buf, len, o, "[");
	for (uint32_t i = 0; i < n; i++) {
		bv_px(px, sizeof(px), ask, i);
		if (style == 2)
			bv_put(buf, len, o, "%s{\"price\":%s,\"qty\":%s}", i ? "," : "", px,
			       bv_q(i));
		else
			bv_put(buf, len, o, "%s[\"%s\",\"%s\"%s]", i ? "," : "", px, bv_q(i),
			       style == 1 ? ",\"0\",\"1\"" : "");
	}
	bv_put(buf, len, o, "]");
}

/* ---- Binance spot and USD-M futures, Gate, MEXC (REST kinds) ---------------- */

static size_t bv_rest_binance(struct bv *b, char *buf, size_t len, uint32_t n, uint64_t id)
{
	size_t o = 0;

	(void)b;
	bv_put(buf, len, &o,
	       "{\"lastUpdateId\":%llu,\"E\":1589436922972,\"T\":1589436922959,"
	       "\"bids\":",
	       (unsigned long long)id);
	bv_levels(buf, len, &o, 0, n, 0);
	bv_put(buf, len, &o, ",\"asks\":");
	bv_levels(buf, len, &o, 1, n, 0);
	bv_put(buf, len, &o, "}");
	return o;
}

static size_t bv_delta_binance(struct bv *b, char *buf, size_t len, const char *q, uint64_t id)
{
	size_t o = 0;

	(void)b;
	bv_put(buf, len, &o,
	       "{\"e\":\"depthUpdate\",\"E\":1672515782136,\"s\":\"BTCUSDT\",\"U\":%llu,"
	       "\"u\":%llu,\"b\":[[\"50000.00\",\"%s\"]],\"a\":[]}",
	       (unsigned long long)id, (unsigned long long)id, q);
	return o;
}

static size_t bv_delta_bnf(struct bv *b, char *buf, size_t len, const char *q, uint64_t id)
{
	size_t o = 0;

	(void)b;
	bv_put(buf, len, &o,
	       "{\"e\":\"depthUpdate\",\"E\":1672515782136,\"T\":1672515782136,"
	       "\"s\":\"BTCUSDT\",\"U\":%llu,\"u\":%llu,\"pu\":%llu,"
	       "\"b\":[[\"50000.00\",\"%s\"]],\"a\":[]}",
	       (unsigned long long)id, (unsigned long long)id, (unsigned long long)id - 1, q);
	return o;
}

static size_t bv_rest_gate(struct bv *b, char *buf, size_t len, uint32_t n, uint64_t id)
{
	size_t o = 0;

	(void)b;
	bv_put(buf, len, &o,
	       "{\"id\":%llu,\"current\":1623898993123,\"update\":1623898993121,"
	       "\"asks\":",
	       (unsigned long long)id);
	bv_levels(buf, len, &o, 1, n, 0);
	bv_put(buf, len, &o, ",\"bids\":");
	bv_levels(buf, len, &o, 0, n, 0);
	bv_put(buf, len, &o, "}");
	return o;
}

static size_t bv_delta_gate(struct bv *b, char *buf, size_t len, const char *q, uint64_t id)
{
	size_t o = 0;

	(void)b;
	bv_put(buf, len, &o,
	       "{\"time\":1606294781,\"time_ms\":1606294781236,"
	       "\"channel\":\"spot.order_book_update\",\"event\":\"update\",\"result\":{"
	       "\"t\":1606294781123,\"e\":\"depthUpdate\",\"E\":1606294781,\"s\":\"BTC_USDT\","
	       "\"U\":%llu,\"u\":%llu,\"b\":[[\"50000.00\",\"%s\"]],\"a\":[]}}",
	       (unsigned long long)id, (unsigned long long)id, q);
	return o;
}

/* A publicAggreDepths push (protobuf) of one bid. */
static size_t bv_delta_mexc(struct bv *b, char *buf, size_t len, const char *q, uint64_t id)
{
	Mexc__PushDataV3ApiWrapper w = MEXC__PUSH_DATA_V3_API_WRAPPER__INIT;
	Mexc__PublicAggreDepthsV3Api d = MEXC__PUBLIC_AGGRE_DEPTHS_V3_API__INIT;
	Mexc__PublicAggreDepthV3ApiItem it = MEXC__PUBLIC_AGGRE_DEPTH_V3_API_ITEM__INIT, *pb[1];
	char ver[32];

	(void)b;
	snprintf(ver, sizeof(ver), "%llu", (unsigned long long)id);
	it.price = "50000.00";
	it.quantity = (char *)q;
	pb[0] = &it;
	d.bids = pb;
	d.n_bids = 1;
	d.eventtype = "spot@public.aggre.depth.v3.api.pb@100ms";
	d.fromversion = ver;
	d.toversion = ver;
	w.channel = "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT";
	w.symbol = "BTCUSDT";
	w.sendtime = 1778075380657;
	w.body_case = MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_DEPTHS;
	w.publicaggredepths = &d;
	if (mexc__push_data_v3_api_wrapper__get_packed_size(&w) > len)
		return 0;
	return mexc__push_data_v3_api_wrapper__pack(&w, (uint8_t *)buf);
}

/* ---- OKX, Bybit, Kraken, Coinbase, BingX (snapshots on the stream) -------------- */

/* OKX books is a REST kind (FEED_SYNC_REST_PREV): the snapshot is the REST
 * answer {"code":"0","msg":"","data":[{asks,bids,ts,seqId}]}. */
static size_t bv_snap_okx(struct bv *b, char *buf, size_t len, uint32_t n, uint64_t id)
{
	size_t o = 0;

	(void)b;
	bv_put(buf, len, &o, "{\"code\":\"0\",\"msg\":\"\",\"data\":[{\"asks\":");
	bv_levels(buf, len, &o, 1, n, 1);
	bv_put(buf, len, &o, ",\"bids\":");
	bv_levels(buf, len, &o, 0, n, 1);
	bv_put(buf, len, &o, ",\"ts\":\"1597026383085\",\"seqId\":%llu}]}", (unsigned long long)id);
	return o;
}

static size_t bv_delta_okx(struct bv *b, char *buf, size_t len, const char *q, uint64_t id)
{
	size_t o = 0;

	(void)b;
	bv_put(buf, len, &o,
	       "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-USDT\"},\"action\":\"update\","
	       "\"data\":[{\"asks\":[],\"bids\":[[\"50000.00\",\"%s\",\"0\",\"1\"]],"
	       "\"ts\":\"1597026383085\",\"checksum\":0,\"prevSeqId\":%llu,\"seqId\":%llu}]}",
	       q, (unsigned long long)id - 1, (unsigned long long)id);
	return o;
}

static size_t bv_snap_bybit(struct bv *b, char *buf, size_t len, uint32_t n, uint64_t id)
{
	size_t o = 0;

	(void)b;
	bv_put(buf, len, &o,
	       "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"snapshot\","
	       "\"ts\":1672304484978,\"data\":{\"s\":\"BTCUSDT\",\"b\":");
	bv_levels(buf, len, &o, 0, n, 0);
	bv_put(buf, len, &o, ",\"a\":");
	bv_levels(buf, len, &o, 1, n, 0);
	bv_put(buf, len, &o, ",\"u\":%llu,\"seq\":7961638724},\"cts\":1672304484976}",
	       (unsigned long long)id);
	return o;
}

static size_t bv_delta_bybit(struct bv *b, char *buf, size_t len, const char *q, uint64_t id)
{
	size_t o = 0;

	(void)b;
	bv_put(buf, len, &o,
	       "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1687940967466,"
	       "\"data\":{\"s\":\"BTCUSDT\",\"b\":[[\"50000.00\",\"%s\"]],\"a\":[],"
	       "\"u\":%llu,\"seq\":7961638724},\"cts\":1687940967464}",
	       q, (unsigned long long)id);
	return o;
}

static size_t bv_kraken(char *buf, size_t len, const char *type, uint32_t n, const char *q,
			uint32_t ck)
{
	size_t o = 0;

	bv_put(buf, len, &o,
	       "{\"channel\":\"book\",\"type\":\"%s\",\"data\":[{\"symbol\":\"BTC/USD\",\"bids\":",
	       type);
	if (q)
		bv_put(buf, len, &o, "[{\"price\":50000.00,\"qty\":%s}]", q);
	else
		bv_levels(buf, len, &o, 0, n, 2);
	bv_put(buf, len, &o, ",\"asks\":");
	if (q)
		bv_put(buf, len, &o, "[]");
	else
		bv_levels(buf, len, &o, 1, n, 2);
	bv_put(buf, len, &o, ",\"checksum\":%u,\"timestamp\":\"2023-10-06T17:35:55.440295Z\"}]}",
	       ck);
	return o;
}

/* A quantity text of bv_q / bv_qty as a mantissa at 8 decimals. */
static int64_t bv_q8(const char *q)
{
	int64_t m = 0, scale = 100000000;
	int frac = 0;

	for (; *q; q++) {
		if (*q == '.') {
			frac = 1;
			continue;
		}
		if (frac)
			scale /= 10;
		m = m * 10 + (*q - '0');
	}
	return m * scale;
}

/* Kraken's checksum of the top 10 (prices at 2 decimals, quantities at 8:
 * the symbol's) with bid 0's quantity q (NULL: as in the snapshot). */
static uint32_t bv_kraken_ck(struct bv *b, const char *q)
{
	struct feed_book_lvl bl[10], al[10];

	for (uint32_t i = 0; i < 10; i++) {
		bl[i] = (struct feed_book_lvl){5000000 - (int64_t)i, bv_q8(bv_q(i)), 2, 8};
		al[i] = (struct feed_book_lvl){5000001 + (int64_t)i, bv_q8(bv_q(i)), 2, 8};
	}
	if (q)
		bl[0].qty = bv_q8(q);
	return b->v.ops->book.checksum(&b->v, 0, bl, 10, al, 10);
}

static size_t bv_snap_kraken(struct bv *b, char *buf, size_t len, uint32_t n, uint64_t id)
{
	(void)id;
	return bv_kraken(buf, len, "snapshot", n, NULL, bv_kraken_ck(b, NULL));
}

static size_t bv_delta_kraken(struct bv *b, char *buf, size_t len, const char *q, uint64_t id)
{
	(void)id;
	return bv_kraken(buf, len, "update", 0, q, bv_kraken_ck(b, q));
}

#define BV_CB_TS "2023-02-09T20:32:50.714964855Z"

static size_t bv_snap_coinbase(struct bv *b, char *buf, size_t len, uint32_t n, uint64_t id)
{
	size_t o = 0;
	char px[32];

	(void)b;
	bv_put(buf, len, &o,
	       "{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"" BV_CB_TS "\","
	       "\"sequence_num\":%llu,\"events\":[{\"type\":\"snapshot\",\"product_id\":"
	       "\"BTC-USD\",\"updates\":[",
	       (unsigned long long)id);
	for (uint32_t i = 0; i < 2 * n; i++) {
		uint32_t k = i < n ? i : i - n;

		bv_px(px, sizeof(px), i >= n, k);
		bv_put(buf, len, &o,
		       "%s{\"side\":\"%s\",\"event_time\":\"" BV_CB_TS "\",\"price_level\":"
		       "\"%s\",\"new_quantity\":\"%s\"}",
		       i ? "," : "", i >= n ? "offer" : "bid", px, bv_q(k));
	}
	bv_put(buf, len, &o, "]}]}");
	return o;
}

static size_t bv_delta_coinbase(struct bv *b, char *buf, size_t len, const char *q, uint64_t id)
{
	size_t o = 0;

	(void)b;
	bv_put(buf, len, &o,
	       "{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"" BV_CB_TS "\","
	       "\"sequence_num\":%llu,\"events\":[{\"type\":\"update\",\"product_id\":"
	       "\"BTC-USD\",\"updates\":[{\"side\":\"bid\",\"event_time\":\"" BV_CB_TS "\","
	       "\"price_level\":\"50000.00\",\"new_quantity\":\"%s\"}]}]}",
	       (unsigned long long)id, q);
	return o;
}

/* The whole top n with bid 0's quantity q (NULL: as the others). */
static size_t bv_bingx(char *buf, size_t len, uint32_t n, const char *q)
{
	size_t o = 0, at;

	bv_put(buf, len, &o, "{\"code\":0,\"dataType\":\"BTC-USDT@depth100\",\"data\":{\"bids\":");
	at = o;
	bv_levels(buf, len, &o, 0, n, 0);
	if (q && o < len) { /* the first level is ["50000.00","1.25"]: its quantity */
		char *p = strstr(buf + at, "\",\"") + 3;

		memcpy(p, q, 3);
		memmove(p + 3, p + 4, o - (size_t)(p + 4 - buf) + 1);
		o--;
	}
	bv_put(buf, len, &o, ",\"asks\":");
	bv_levels(buf, len, &o, 1, n, 0);
	bv_put(buf, len, &o, "}}");
	return o;
}

static size_t bv_snap_bingx(struct bv *b, char *buf, size_t len, uint32_t n, uint64_t id)
{
	(void)b;
	(void)id;
	return bv_bingx(buf, len, n, NULL);
}

static size_t bv_delta_bingx(struct bv *b, char *buf, size_t len, const char *q, uint64_t id)
{
	(void)id;
	return bv_bingx(buf, len, b->levels, q);
}

static const struct bv_venue bv_venues[] = {
	{"binance", "BTC-USDT", 20, bv_rest_binance, bv_delta_binance},
	{"binance-futures", "BTC-USDT-PERP", 20, bv_rest_binance, bv_delta_bnf},
	{"okx", "BTC-USDT", 20, bv_snap_okx, bv_delta_okx},
	{"kraken", "BTC-USD", 20, bv_snap_kraken, bv_delta_kraken},
	{"bybit", "BTC-USDT", 20, bv_snap_bybit, bv_delta_bybit},
	{"gateio", "BTC-USDT", 20, bv_rest_gate, bv_delta_gate},
	{"coinbase", "BTC-USD", 20, bv_snap_coinbase, bv_delta_coinbase},
	{"mexc", "BTC-USDT", 20, bv_rest_binance, bv_delta_mexc},
	{"bingx", "BTC-USDT", 100, bv_snap_bingx, bv_delta_bingx},
};

/* ---- the bus and the engine's callbacks --------------------------------------- */

static void bv_ticks(void *u, const struct mdbus_tick *t, uint32_t n)
{
	struct bv *b = u;

	if (mdbus_writer_publish_batch(b->w, t, n) != (int)n)
		b->bad++;
	b->nticks += n;
}

static void bv_publish(void *u, uint32_t sym, const struct mdbus_book_update *up)
{
	struct bv *b = u;

	(void)sym;
	if (mdbus_writer_book_publish(b->w, b->book, up) != 0)
		b->bad++;
	b->pubs++;
}

static void bv_status(void *u, uint32_t sym, uint32_t status)
{
	struct bv *b = u;

	(void)sym;
	if (mdbus_writer_book_status(b->w, b->book, status) != 0)
		b->bad++;
}

static void bv_need_snapshot(void *u, uint32_t sym)
{
	(void)sym;
	((struct bv *)u)->need_snap++;
}

static void bv_resubscribe(void *u, uint32_t sym)
{
	(void)sym;
	((struct bv *)u)->resubs++;
}

static int bv_bus(struct bv *b)
{
	struct mdbus_writer_opts o = {.bus = b->bus, .max_instruments = 4, .max_sessions = 4};
	struct mdbus_instrument ins;

	snprintf(b->bus, sizeof(b->bus), "bench-bv-%ld", (long)getpid());
	if (mdbus_writer_open_books(&b->w, &o, mdbus_book_record_size(b->vn->book_depth) * 2) < 0 ||
	    feed_venue_ctx_instrument(&b->v, 0, &ins) < 0 ||
	    mdbus_writer_add_instrument(b->w, &ins, &b->instrument) < 0 ||
	    mdbus_writer_book_add(b->w, b->instrument, b->vn->book_depth, &b->book) < 0)
		return -1;
	b->v.syms[0].instrument = b->instrument;
	return feed_book_sync_set_instrument(&b->s, 0, b->instrument);
}

/* Kraken judges a book's checksum only once the instrument channel gave the
 * pair's precisions (as feedd's l2 sessions subscribe it first): without
 * them the checksum's cost would be missing from the figures. */
static int bv_kraken_inst(struct bv *b)
{
	static const char inst[] =
		"{\"channel\":\"instrument\",\"type\":\"snapshot\",\"data\":{\"assets\":[],"
		"\"pairs\":[{\"symbol\":\"BTC/USD\",\"price_precision\":2,\"qty_precision\":8}]}}";
	struct feed_venue_out out = {.ticks = b->ticks, .cap = FEED_VENUE_TICKS_MIN};

	if (b->v.ops->on_message(&b->v, (const uint8_t *)inst, sizeof(inst) - 1, 0, 0, &out) < 0 ||
	    out.cls != FEED_MSG_HEARTBEAT) {
		fprintf(stderr, "kraken: instrument message refused: %s\n",
			out.cls == FEED_MSG_ERROR ? out.reason : "not taken");
		return -1;
	}
	return 0;
}

static int bv_ctx(struct bv *b)
{
	static char syms[1][MDBUS_SYMBOL_MAX];
	static const struct feed_book_cb cb0 = {
		.ticks = bv_ticks,
		.publish = bv_publish,
		.status = bv_status,
		.need_snapshot = bv_need_snapshot,
		.resubscribe = bv_resubscribe,
	};
	struct feed_book_cb cb = cb0;
	struct feed_session_config sc;
	struct feed_book_sync_params p = {.book_depth = b->vn->book_depth};
	const struct feed_venue_ops *ops = feed_venue_find(b->vn->name);
	char err[256];
	int kr = strcmp(b->vn->name, "kraken") == 0;

	memset(&sc, 0, sizeof(sc));
	snprintf(syms[0], sizeof(syms[0]), "%s", b->vn->sym);
	snprintf(sc.name, sizeof(sc.name), "bench");
	snprintf(sc.venue, sizeof(sc.venue), "%s", b->vn->name);
	sc.symbols = syms;
	sc.nsymbols = 1;
	sc.channels = FEED_CH_L2;
	sc.price_decimals = kr ? 2 : 8; /* Kraken: the pair's precision (checksum) */
	sc.qty_decimals = 8;
	sc.qty_unit = -1;
	sc.contract_size = 1;
	sc.book_depth = b->vn->book_depth;
	cb.user = b;
	if (!ops || feed_venue_ctx_init(&b->v, ops, &sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: ctx: %s\n", b->vn->name, ops ? err : "no such venue");
		return -1;
	}
	if (feed_book_sync_init(&b->s, &ops->book, &b->v, 1, &p, &cb, b->batch, 64) < 0)
		return -1;
	b->levels = b->s.inst[0].book.cap < BV_LEVELS ? b->s.inst[0].book.cap : BV_LEVELS;
	b->out.ticks = b->ticks;
	b->out.cap = FEED_VENUE_TICKS_MIN;
	if (kr && bv_kraken_inst(b) < 0)
		return -1;
	return bv_bus(b);
}

/* ---- messages ------------------------------------------------------------------ */

/* Finds the id fields (12 digits starting 7777) of m. */
static void bv_find_ids(struct bv_msg *m)
{
	m->nid = 0;
	for (size_t i = 0; i + 12 <= m->n && m->nid < 4; i++) {
		size_t k = 0;

		while (k < 12 && m->p[i + k] >= '0' && m->p[i + k] <= '9')
			k++;
		if (k == 12 && memcmp(m->p + i, "7777", 4) == 0 &&
		    (i + 12 == m->n || m->p[i + 12] < '0' || m->p[i + 12] > '9')) {
			m->id_end[m->nid++] = i + 11;
			i += 11;
		}
	}
}

/* Adds step to every id of m, in its digits. */
__attribute__((noinline)) static void bv_bump(struct bv_msg *m, unsigned step)
{
	for (uint32_t f = 0; f < m->nid; f++) {
		uint8_t *d = m->p + m->id_end[f];
		unsigned c = step;

		while (c) {
			unsigned x = (unsigned)(*d - '0') + c;

			*d-- = (uint8_t)('0' + x % 10);
			c = x / 10;
		}
	}
}

/* gzip (BingX frames are gzip'd binary frames). */
static size_t bv_gzip(const char *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream z;
	size_t k;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	k = deflate(&z, Z_FINISH) == Z_STREAM_END ? cap - z.avail_out : 0;
	deflateEnd(&z);
	return k;
}

/* Builds message m from text (gzip'd for BingX, binary for MEXC). */
static int bv_msg_set(struct bv *b, struct bv_msg *m, const char *text, size_t n)
{
	int gz = strcmp(b->vn->name, "bingx") == 0;

	m->binary = gz || strcmp(b->vn->name, "mexc") == 0;
	if (n == 0)
		return -1;
	m->p = malloc(n + 64);
	if (!m->p)
		return -1;
	m->n = gz ? bv_gzip(text, n, m->p, n + 64) : n;
	if (!gz)
		memcpy(m->p, text, n);
	bv_find_ids(m);
	if (m->n)
		return 0;
	free(m->p);
	m->p = NULL;
	return -1;
}

/* One message through the adapter and the engine. */
static inline void bv_feed(struct bv *b, const uint8_t *p, size_t n, int binary)
{
	do {
		feed_venue_on_message(&b->v, p, n, binary, 1, &b->out);
		if (__builtin_expect(b->out.cls == FEED_MSG_BOOK, 1))
			feed_book_sync_event(&b->s, b->out.book);
		else
			b->bad++;
	} while (b->out.more);
}

/* The book filled by the venue's procedure; the deltas ready. Returns the
 * index (0 or 1) of the delta to send first, or -1. */
static int bv_fill(struct bv *b)
{
	const struct feed_venue_book_ops *ops = &b->v.ops->book;
	static char text[2][BV_BUF];
	int rest = ops->rest_parse != NULL;
	uint64_t snap_id = ops->sync == FEED_SYNC_REST_PU ? BV_BASE : BV_BASE - 1;
	struct feed_book_ev ev;
	size_t n;

	for (int k = 0; k < 2; k++) {
		n = b->vn->delta(b, text[k], BV_BUF, bv_qty[k], BV_BASE + (uint64_t)k);
		if (n >= BV_BUF || bv_msg_set(b, &b->m[k], text[k], n) < 0)
			return -1;
	}
	n = b->vn->snap(b, text[0], BV_BUF, b->levels, snap_id);
	if (n >= BV_BUF || feed_book_sync_start(&b->s, 0) < 0)
		return -1;
	if (!rest) {
		struct bv_msg sm;

		if (bv_msg_set(b, &sm, text[0], n) < 0)
			return -1;
		bv_feed(b, sm.p, sm.n, sm.binary);
		free(sm.p);
		return 0;
	}
	/* buffer the first delta, then the snapshot */
	bv_feed(b, b->m[0].p, b->m[0].n, b->m[0].binary);
	bv_bump(&b->m[0], 2);
	if (b->need_snap != 1 || ops->rest_parse(&b->v, 0, (const uint8_t *)text[0], n, &ev) < 0 ||
	    feed_book_sync_rest(&b->s, &ev) < 0) {
		fprintf(stderr, "%s: snapshot: %s\n", b->vn->name, b->v.reason);
		return -1;
	}
	return 1;
}

/* k0 + i: which delta (alternately), each bumped after use. */
__attribute__((noinline)) static void bv_run(struct bv *b, uint64_t k0, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		struct bv_msg *m = &b->m[(k0 + i) & 1];

		bv_feed(b, m->p, m->n, m->binary);
		bv_bump(m, 2);
	}
}

/* Every delta applied: LIVE, no resync, a publish each, the best bid's
 * quantity qty (the last one sent). */
static int bv_check(struct bv *b, uint64_t pubs, int64_t qty)
{
	const struct feed_book_inst *in = &b->s.inst[0];
	const struct mdbus_book_level *best = feed_book_level(&in->book.bids, 0);

	if (b->bad || b->resubs || in->state != FEED_BOOK_ST_LIVE || in->resyncs || !best ||
	    b->pubs != pubs || best->qty != qty || in->book.bids.n != b->levels ||
	    in->book.asks.n != b->levels) {
		fprintf(stderr,
			"%s: a delta did not apply (bad %llu, state %u, resyncs %llu, pubs %llu "
			"of %llu, bids %u, reason %s)\n",
			b->vn->name, (unsigned long long)b->bad, in->state,
			(unsigned long long)in->resyncs, (unsigned long long)b->pubs,
			(unsigned long long)pubs, in->book.bids.n, b->v.reason);
		return -1;
	}
	return 0;
}

/* A consumer's top-10 read of the book the deltas published (same
 * process, no writer running meanwhile: uncontended). ns per read. */
__attribute__((noinline)) static double bv_read(struct bv *b, uint64_t iters)
{
	static struct mdbus_book_snapshot snap;
	struct mdbus_reader_opts o = {.bus = b->bus, .start = MDBUS_START_LATEST};
	mdbus_reader *r = NULL;
	int64_t t0;
	uint64_t ok = 0;

	if (mdbus_reader_open(&r, &o) < 0)
		return -1;
	t0 = bv_now();
	for (uint64_t i = 0; i < iters; i++)
		ok += mdbus_book_read(r, b->instrument, 10, &snap) == 0;
	t0 = bv_now() - t0;
	mdbus_reader_close(r);
	if (ok != iters || snap.nbids != 10 || snap.nasks != 10 ||
	    snap.bids[0].qty != feed_book_level(&b->s.inst[0].book.bids, 0)->qty)
		return -1; /* the consumer must see what the engine holds */
	return (double)t0 / (double)iters;
}

static int bv_cmp(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;

	return a < c ? -1 : a > c;
}

static void bv_free(struct bv *b)
{
	free(b->m[0].p);
	free(b->m[1].p);
	feed_book_sync_free(&b->s);
	feed_venue_ctx_free(&b->v);
	if (b->w)
		mdbus_writer_close(b->w, 1);
}

/* The memory of one book: local book, delta buffers, segment record. */
static void bv_mem(const struct bv *b)
{
	const struct feed_book_inst *in = &b->s.inst[0];
	size_t local =
		(size_t)4 * in->book.cap * (sizeof(struct mdbus_book_level) + sizeof(uint16_t));
	size_t bufs = in->bev_cap * sizeof(struct feed_book_bufev) +
		      in->blv_cap * sizeof(struct feed_book_lvl);

	printf("  %-16s cap %5u  local %8zu B  buffers %8zu B  record(depth %u) %6zu B  "
	       "msg %zu B\n",
	       b->vn->name, in->book.cap, local, bufs, b->vn->book_depth,
	       mdbus_book_record_size(b->vn->book_depth), b->m[0].n);
}

/* One venue: runs x iters deltas. Returns 0 or -1. */
static int bv_venue_run(const struct bv_venue *vn, int runs, uint64_t iters)
{
	static struct bv b;
	double t[64];
	int rc = -1;

	memset(&b, 0, sizeof(b));
	b.vn = vn;
	int k = bv_ctx(&b) < 0 ? -1 : bv_fill(&b);
	uint64_t k0 = (uint64_t)(k < 0 ? 0 : k), pubs = b.pubs;

	if (k < 0 || bv_check(&b, pubs, bv_q8(k ? bv_qty[0] : bv_q(0))) < 0)
		goto out;
	for (int r = 0; r < runs; r++, k0 += iters) {
		int64_t t0 = bv_now();

		bv_run(&b, k0, iters);
		t[r] = (double)(bv_now() - t0) / (double)iters;
		pubs += iters;
		if (bv_check(&b, pubs, bv_q8(bv_qty[(k0 + iters - 1) & 1])) < 0)
			goto out;
	}
	qsort(t, (size_t)runs, sizeof(t[0]), bv_cmp);
	printf("%-16s levels %4u  %8.1f ns/delta  (runs %.1f .. %.1f, %d x %llu)\n", vn->name,
	       b.levels, t[runs / 2], t[0], t[runs - 1], runs, (unsigned long long)iters);
	for (int r = 0; r < runs; r++)
		if ((t[r] = bv_read(&b, iters)) < 0)
			goto out;
	qsort(t, (size_t)runs, sizeof(t[0]), bv_cmp);
	printf("  %-16s top-10 read %6.1f ns  (runs %.1f .. %.1f)\n", vn->name, t[runs / 2], t[0],
	       t[runs - 1]);
	bv_mem(&b);
	rc = 0;
out:
	bv_free(&b);
	return rc;
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int runs = 7, fails = 0, ran = 0;
	uint64_t iters = 200000;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--venue") == 0)
			only = argv[i + 1];
		else if (strcmp(argv[i], "--runs") == 0)
			runs = (int)strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--iters") == 0)
			iters = strtoull(argv[i + 1], NULL, 10);
	}
	if (runs < 1 || runs > 64 || iters < 1) {
		fprintf(stderr, "usage: bench_feed_book_venues [--venue NAME] [--runs 1..64] "
				"[--iters N]\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(bv_venues) / sizeof(bv_venues[0]); i++) {
		if (only && strcmp(only, bv_venues[i].name) != 0)
			continue;
		ran++;
		fails += bv_venue_run(&bv_venues[i], runs, iters) < 0;
	}
	printf("segment record: depth 20 %zu B, depth 50 %zu B, depth 400 %zu B\n",
	       mdbus_book_record_size(20), mdbus_book_record_size(50), mdbus_book_record_size(400));
	return fails || !ran ? 1 : 0;
}
