/* SPDX-License-Identifier: MIT */
/*
 * test_sim_book.c: mdbus-sim's level-2 book model (tools/sim/book.c) and
 * the depth messages and REST snapshots of the Binance spot, Binance USD-M
 * and Gate spot dialects, no sockets: the book stays sorted and uncrossed
 * (unless the crossed fault says), ids advance without holes, every delta
 * applied to a copy of the book gives the book back, the same seed gives
 * the same book; each dialect's depth text and REST body parse back to the
 * model's levels and ids; the faults (drop_delta, bad_checksum, crossed,
 * stale_snapshot) do what they say.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sim.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define STEPS 3000

/* "65000.12" -> 6500012000000 (8 decimals); -1 on anything else. */
static int64_t dec8(const char *s)
{
	int64_t ip = 0, fp = 0;
	int nd = 0;

	if (!s || !*s)
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		ip = ip * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9' && nd < 8; s++, nd++)
			fp = fp * 10 + (*s - '0');
	if (*s)
		return -1;
	while (nd++ < 8)
		fp *= 10;
	return ip * 100000000 + fp;
}

/* The JSON list of ["price","qty"] pairs equals lv[0..n). */
static int levels_equal(json_t *arr, const struct sim_lvl *lv, uint32_t n)
{
	if (!json_is_array(arr) || json_array_size(arr) != n)
		return 0;
	for (uint32_t k = 0; k < n; k++) {
		json_t *l = json_array_get(arr, k);
		if (json_array_size(l) != 2 ||
		    dec8(json_string_value(json_array_get(l, 0))) != lv[k].px ||
		    dec8(json_string_value(json_array_get(l, 1))) != lv[k].qty)
			return 0;
	}
	return 1;
}

static int sides_equal(const struct sim_book_side *a, const struct sim_book_side *b)
{
	return a->n == b->n && memcmp(a->lv, b->lv, a->n * sizeof(a->lv[0])) == 0;
}

/* Invariants over STEPS steps, a client copy kept by applying each delta. */
static void test_model(void)
{
	static struct sim_venue v;
	static struct sim_book_state copy;
	struct sim_book_ev ev;
	char err[128];
	uint64_t last, seq, removed = 0, added = 0;
	struct sim_book *b;
	int e;

	CHECK(sim_venue_init(&v, "BTC-USDT,ETH-USDT", 42, err, sizeof(err)) == 0, "%s", err);
	b = sim_book_get(&v, 0, &e);
	CHECK(b && e == 0, "book %d", e);
	if (!b)
		return;
	CHECK(b->cur.bid.n >= SIM_BOOK_START - 50 && b->cur.ask.n >= SIM_BOOK_START - 50,
	      "levels %u/%u", b->cur.bid.n, b->cur.ask.n);
	CHECK(sim_book_check(&b->cur, 0) == 0, "fresh book sorted and uncrossed");
	copy = b->cur;
	last = b->cur.update_id;
	seq = b->cur.seq;
	for (int k = 0; k < STEPS; k++) {
		CHECK(sim_book_step(&v, 0, &ev) == 0, "step");
		CHECK(!ev.snapshot && ev.first_id == last + 1 && ev.prev_id == last &&
			      ev.last_id >= ev.first_id && ev.last_id <= ev.first_id + 2,
		      "ids %llu..%llu after %llu", (unsigned long long)ev.first_id,
		      (unsigned long long)ev.last_id, (unsigned long long)last);
		CHECK(ev.seq == seq + 1 && ev.prev_seq == seq, "seq");
		CHECK(ev.nb + ev.na > 0, "a step changes something");
		CHECK(!ev.dropped && !ev.bad_checksum && !ev.crossed, "no fault armed");
		for (uint32_t j = 0; j < ev.nb; j++)
			ev.bids[j].qty ? added++ : removed++;
		sim_book_apply(&copy.bid, 1, ev.bids, ev.nb);
		sim_book_apply(&copy.ask, 0, ev.asks, ev.na);
		CHECK(sim_book_check(&b->cur, 0) == 0, "step %d: sorted, uncrossed", k);
		last = ev.last_id;
		seq = ev.seq;
	}
	CHECK(sides_equal(&copy.bid, &b->cur.bid) && sides_equal(&copy.ask, &b->cur.ask),
	      "deltas rebuild the book");
	CHECK(removed > 100 && added > 100, "removals %llu, sets %llu", (unsigned long long)removed,
	      (unsigned long long)added);
	CHECK(b->cur.bid.lv[0].px <= v.sym[0].px + 30 * b->tick &&
		      b->cur.ask.lv[0].px >= v.sym[0].px - 30 * b->tick,
	      "book around the mid");
	sim_book_free_all(&v);
}

static void test_determinism(void)
{
	static struct sim_venue a, b;
	struct sim_book_ev ev;
	char err[128];
	int e;

	sim_venue_init(&a, "BTC-USDT", 9, err, sizeof(err));
	sim_venue_init(&b, "BTC-USDT", 9, err, sizeof(err));
	for (int k = 0; k < 500; k++) {
		sim_book_step(&a, 0, &ev);
		sim_book_step(&b, 0, &ev);
	}
	{
		const struct sim_book_state *x = &sim_book_get(&a, 0, &e)->cur;
		const struct sim_book_state *y = &sim_book_get(&b, 0, &e)->cur;

		CHECK(sides_equal(&x->bid, &y->bid) && sides_equal(&x->ask, &y->ask) &&
			      x->update_id == y->update_id && x->seq == y->seq,
		      "same seed, same book");
	}
	sim_book_free_all(&a);
	sim_book_free_all(&b);
}

static void test_faults(void)
{
	static struct sim_venue v;
	struct sim_book_ev ev;
	char err[128];
	struct sim_book *b;
	int e;

	sim_venue_init(&v, "BTC-USDT", 3, err, sizeof(err));
	b = sim_book_get(&v, 0, &e);
	b->drop = 1;
	sim_book_step(&v, 0, &ev);
	CHECK(ev.dropped, "drop_delta marks the next delta");
	sim_book_step(&v, 0, &ev);
	CHECK(!ev.dropped, "only one");
	b->bad_checksum = 1;
	sim_book_step(&v, 0, &ev);
	CHECK(ev.bad_checksum, "bad_checksum marks the next delta");
	sim_book_step(&v, 0, &ev);
	CHECK(!ev.bad_checksum, "only one");

	b->crossed = 1;
	sim_book_step(&v, 0, &ev);
	CHECK(ev.crossed && b->cur.bid.lv[0].px >= b->cur.ask.lv[0].px, "crossed");
	CHECK(sim_book_check(&b->cur, 0) == -EPROTO && sim_book_check(&b->cur, 1) == 0,
	      "crossed but sorted");
	sim_book_step(&v, 0, &ev);
	CHECK(!ev.crossed && sim_book_check(&b->cur, 0) == 0, "the next step uncrosses");

	b->full = 1; /* full_book: the server pushes this step's whole book instead */
	sim_book_step(&v, 0, &ev);
	CHECK(ev.full && !ev.snapshot, "full_book marks the next step");
	sim_book_step(&v, 0, &ev);
	CHECK(!ev.full, "only one");
	CHECK((sim_dialect_gateio.book_flags & SIM_BOOK_FULL) &&
		      !(sim_dialect_binance.book_flags & SIM_BOOK_FULL) &&
		      (sim_dialect_coinbase.book_flags & SIM_BOOK_SEQ_CONN),
	      "whole-book pushes: Gate only; a numbered connection: Coinbase");

	b->stale = 1;
	CHECK(sim_book_rest_view(&v, 0, 20, &ev) == 0 && ev.snapshot, "rest view");
	CHECK(ev.last_id + SIM_BOOK_STALE_STEPS <= b->cur.update_id, "stale id %llu vs %llu",
	      (unsigned long long)ev.last_id, (unsigned long long)b->cur.update_id);
	CHECK(sim_book_check(&b->old, 0) == 0, "the stale copy is a book");
	sim_book_rest_view(&v, 0, 20, &ev);
	CHECK(ev.last_id == b->cur.update_id && ev.nb == 20 && ev.na == 20, "then current");
	sim_book_free_all(&v);
}

/* Binance spot and USD-M depthUpdate, parsed back. */
static void test_binance_depth(void)
{
	static struct sim_venue v;
	static char buf[65536];
	struct sim_book_ev ev;
	char err[128];

	sim_venue_init(&v, "BTC-USDT", 5, err, sizeof(err));
	for (int fut = 0; fut < 2; fut++) {
		const struct sim_dialect *d =
			fut ? &sim_dialect_binance_futures : &sim_dialect_binance;
		json_t *j;
		int n;

		sim_book_step(&v, 0, &ev);
		n = d->depth(&v, 0, &ev, 0, buf, sizeof(buf));
		CHECK(n > 0, "%s depth %d", d->name, n);
		j = json_loadb(buf, n > 0 ? (size_t)n : 0, 0, NULL);
		CHECK(j && !strcmp(json_string_value(json_object_get(j, "e")), "depthUpdate") &&
			      !strcmp(json_string_value(json_object_get(j, "s")), "BTCUSDT") &&
			      json_is_integer(json_object_get(j, "E")),
		      "%s: %s", d->name, buf);
		CHECK((uint64_t)json_integer_value(json_object_get(j, "U")) == ev.first_id &&
			      (uint64_t)json_integer_value(json_object_get(j, "u")) == ev.last_id,
		      "%s ids", d->name);
		CHECK(levels_equal(json_object_get(j, "b"), ev.bids, ev.nb) &&
			      levels_equal(json_object_get(j, "a"), ev.asks, ev.na),
		      "%s levels: %s", d->name, buf);
		if (fut)
			CHECK((uint64_t)json_integer_value(json_object_get(j, "pu")) ==
					      ev.prev_id &&
				      json_is_integer(json_object_get(j, "T")),
			      "futures pu/T: %s", buf);
		else
			CHECK(!json_object_get(j, "pu") && !json_object_get(j, "T"), "spot: %s",
			      buf);
		CHECK(d->depth(&v, 0, &ev, 0, buf, 40) == -ENOSPC, "no truncated message");
		json_decref(j);
	}
	sim_book_free_all(&v);
}

/* A REST body: 200, the current book's top levels under bids/asks, the id
 * under id_key. */
static void check_rest(const struct sim_dialect *d, struct sim_venue *v, const char *path,
		       const char *id_key, uint32_t limit)
{
	static char buf[1 << 20];
	const struct sim_book *b = v->book[0];
	int status = 0, n = d->rest(v, path, buf, sizeof(buf), &status);
	json_t *j = json_loadb(buf, n > 0 ? (size_t)n : 0, 0, NULL);

	CHECK(n > 0 && status == 200 && j, "%s %s: %d %d", d->name, path, n, status);
	if (!j || !b)
		return;
	CHECK((uint64_t)json_integer_value(json_object_get(j, id_key)) == b->cur.update_id, "%s id",
	      d->name);
	CHECK(levels_equal(json_object_get(j, "bids"), b->cur.bid.lv,
			   limit < b->cur.bid.n ? limit : b->cur.bid.n) &&
		      levels_equal(json_object_get(j, "asks"), b->cur.ask.lv,
				   limit < b->cur.ask.n ? limit : b->cur.ask.n),
	      "%s %s levels", d->name, path);
	json_decref(j);
}

static void test_rest(void)
{
	static struct sim_venue v;
	static char buf[4096];
	struct sim_book_ev ev;
	char err[128];
	int status = 0;

	sim_venue_init(&v, "BTC-USDT", 11, err, sizeof(err));
	sim_book_step(&v, 0, &ev);
	check_rest(&sim_dialect_binance, &v, "/api/v3/depth?symbol=BTCUSDT&limit=50",
		   "lastUpdateId", 50);
	check_rest(&sim_dialect_binance, &v, "/api/v3/depth?symbol=BTCUSDT", "lastUpdateId", 100);
	check_rest(&sim_dialect_binance_futures, &v, "/fapi/v1/depth?symbol=BTCUSDT&limit=1000",
		   "lastUpdateId", 1000);
	check_rest(&sim_dialect_gateio, &v,
		   "/api/v4/spot/order_book?currency_pair=BTC_USDT&limit=20&with_id=true", "id",
		   20);
	CHECK(sim_dialect_binance.rest(&v, "/api/v3/depth?symbol=DOGEUSDT", buf, sizeof(buf),
				       &status) > 0 &&
		      status == 400 && strstr(buf, "-1121"),
	      "unknown symbol: %d %s", status, buf);
	CHECK(sim_dialect_binance.rest(&v, "/api/v3/depth", buf, sizeof(buf), &status) > 0 &&
		      status == 400 && strstr(buf, "-1102"),
	      "no symbol: %s", buf);
	CHECK(sim_dialect_binance.rest(&v, "/api/v3/klines?symbol=BTCUSDT", buf, sizeof(buf),
				       &status) == -ENOENT,
	      "other paths: 404");
	CHECK(sim_dialect_gateio.rest(&v, "/api/v4/spot/order_book?currency_pair=BTCUSDT", buf,
				      sizeof(buf), &status) > 0 &&
		      status == 400 && strstr(buf, "INVALID_CURRENCY_PAIR"),
	      "gate bad pair: %s", buf);
	CHECK(sim_dialect_gateio.rest(&v, "/api/v4/spot/order_book?currency_pair=BTC_USDT", buf,
				      sizeof(buf), &status) > 0 &&
		      status == 200 && !strstr(buf, "\"id\""),
	      "gate: no id without with_id: %s", buf);
	sim_book_free_all(&v);
}

/* Subscriptions: the depth bit and the depth asked for. */
static void test_subscribe(void)
{
	static struct sim_venue v;
	static struct sim_replies rep;
	static char buf[65536];
	uint8_t subs[SIM_MAX_SYMBOLS] = {0};
	struct sim_book_ev ev;
	char err[128], req[256];
	long now = (long)(tools_now_ns(CLOCK_REALTIME) / 1000000000);
	json_t *j, *r;
	int n;

	sim_venue_init(&v, "BTC-USDT,ETH-USDT", 2, err, sizeof(err));
	memset(&rep, 0, sizeof(rep));
	snprintf(req, sizeof(req), "%s",
		 "{\"method\":\"SUBSCRIBE\",\"params\":[\"ethusdt@depth@100ms\"],\"id\":3}");
	CHECK(sim_dialect_binance.request(&v, req, strlen(req), subs, &rep) == 0 &&
		      subs[1] == SIM_STREAM_DEPTH && !subs[0],
	      "binance depth subscribe: %s", sim_reply(&rep, 0));
	CHECK(sim_subs_count(subs) == 1, "depth counts as data");
	memset(subs, 0, sizeof(subs));
	memset(&rep, 0, sizeof(rep));
	snprintf(req, sizeof(req),
		 "{\"time\":%ld,\"channel\":\"spot.order_book_update\",\"event\":\"subscribe\","
		 "\"payload\":[\"ETH_USDT\",\"100ms\"]}",
		 now);
	CHECK(sim_dialect_gateio.request(&v, req, strlen(req), subs, &rep) == 0 &&
		      subs[1] == SIM_STREAM_DEPTH && rep.depth[1] == 100,
	      "gate depth subscribe: %s", sim_reply(&rep, 0));
	snprintf(req, sizeof(req),
		 "{\"time\":%ld,\"channel\":\"spot.order_book_update\",\"event\":\"subscribe\","
		 "\"payload\":[\"ETH_USDT\",\"7ms\"]}",
		 now);
	CHECK(sim_dialect_gateio.request(&v, req, strlen(req), subs, &rep) == -EINVAL,
	      "gate: bad interval refused");
	sim_book_step(&v, 1, &ev);
	ev.depth = 100;
	n = sim_dialect_gateio.depth(&v, 1, &ev, 0, buf, sizeof(buf));
	j = json_loadb(buf, n > 0 ? (size_t)n : 0, 0, NULL);
	r = json_object_get(j, "result");
	CHECK(j &&
		      !strcmp(json_string_value(json_object_get(j, "channel")),
			      "spot.order_book_update") &&
		      !strcmp(json_string_value(json_object_get(r, "s")), "ETH_USDT") &&
		      !strcmp(json_string_value(json_object_get(r, "l")), "100") &&
		      !json_object_get(r, "full"),
	      "gate depth: %s", buf);
	CHECK((uint64_t)json_integer_value(json_object_get(r, "U")) == ev.first_id &&
		      (uint64_t)json_integer_value(json_object_get(r, "u")) == ev.last_id &&
		      levels_equal(json_object_get(r, "b"), ev.bids, ev.nb) &&
		      levels_equal(json_object_get(r, "a"), ev.asks, ev.na),
	      "gate depth ids and levels: %s", buf);
	json_decref(j);
	sim_book_free_all(&v);
}

/* A protobuf varint at *p (end e): the value, *p moved; ~0 on a bad one. */
static uint64_t pb_varint(const uint8_t **p, const uint8_t *e)
{
	uint64_t v = 0;

	for (int sh = 0; *p < e && sh < 64; sh += 7) {
		uint8_t b = *(*p)++;
		v |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80))
			return v;
	}
	return ~0ull;
}

/* The length-delimited field f of message [p, e) number k (0 first):
 * its bytes in *out, their count in *n, or -1. Other wire types are skipped. */
static int pb_field(const uint8_t *p, const uint8_t *e, uint32_t f, int k, const uint8_t **out,
		    size_t *n)
{
	while (p < e) {
		uint64_t tag = pb_varint(&p, e), len;

		if ((tag & 7) == 0) {
			pb_varint(&p, e);
			continue;
		}
		if ((tag & 7) != 2 || (len = pb_varint(&p, e)) > (uint64_t)(e - p))
			return -1;
		if (tag >> 3 == f && k-- == 0) {
			*out = p;
			*n = (size_t)len;
			return 0;
		}
		p += len;
	}
	return -1;
}

/* Item k of list field f of the depths body: its price and quantity. */
static int pb_level(const uint8_t *p, const uint8_t *e, uint32_t f, int k, struct sim_lvl *l)
{
	const uint8_t *it, *s;
	size_t n, sn;
	char px[48], qty[48];

	if (pb_field(p, e, f, k, &it, &n) < 0 || pb_field(it, it + n, 1, 0, &s, &sn) < 0 ||
	    sn >= sizeof(px))
		return -1;
	memcpy(px, s, sn);
	px[sn] = '\0';
	if (pb_field(it, it + n, 2, 0, &s, &sn) < 0 || sn >= sizeof(qty))
		return -1;
	memcpy(qty, s, sn);
	qty[sn] = '\0';
	l->px = dec8(px);
	l->qty = dec8(qty);
	return 0;
}

/* MEXC: the aggregated depth push, protobuf through the frame hook, read
 * back field by field (publicAggreDepths = 313). */
static void test_mexc(void)
{
	static struct sim_venue v;
	static char buf[65536];
	const struct sim_dialect *d = &sim_dialect_mexc;
	struct sim_buf out = {0};
	struct sim_book_ev ev;
	const uint8_t *body, *s;
	size_t bn, sn;
	char err[128], ver[32];
	uint8_t op = 0;
	int n, ok = 1;

	sim_venue_init(&v, "BTC-USDT", 13, err, sizeof(err));
	sim_book_step(&v, 0, &ev);
	n = d->depth(&v, 0, &ev, 0, buf, sizeof(buf));
	CHECK(n > 0 && d->frame(&v, 0, 0, SIM_STREAM_DEPTH, buf, (size_t)n, &out, &op) == 1 &&
		      op == WSLAY_BINARY_FRAME,
	      "mexc depth frame: %s", buf);
	CHECK(pb_field(out.p, out.p + out.len, 1, 0, &s, &sn) == 0 &&
		      sn == strlen("spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT") &&
		      !memcmp(s, "spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT", sn),
	      "channel");
	CHECK(pb_field(out.p, out.p + out.len, 313, 0, &body, &bn) == 0, "publicAggreDepths");
	if (ok && pb_field(out.p, out.p + out.len, 313, 0, &body, &bn) == 0) {
		for (uint32_t k = 0; k < ev.na; k++) {
			struct sim_lvl l;
			ok &= pb_level(body, body + bn, 1, (int)k, &l) == 0 &&
			      l.px == ev.asks[k].px && l.qty == ev.asks[k].qty;
		}
		for (uint32_t k = 0; k < ev.nb; k++) {
			struct sim_lvl l;
			ok &= pb_level(body, body + bn, 2, (int)k, &l) == 0 &&
			      l.px == ev.bids[k].px && l.qty == ev.bids[k].qty;
		}
		CHECK(ok, "mexc levels");
		snprintf(ver, sizeof(ver), "%llu", (unsigned long long)ev.first_id);
		CHECK(pb_field(body, body + bn, 4, 0, &s, &sn) == 0 && sn == strlen(ver) &&
			      !memcmp(s, ver, sn),
		      "fromVersion");
		snprintf(ver, sizeof(ver), "%llu", (unsigned long long)ev.last_id);
		CHECK(pb_field(body, body + bn, 5, 0, &s, &sn) == 0 && sn == strlen(ver) &&
			      !memcmp(s, ver, sn),
		      "toVersion");
	}
	sim_buf_free(&out);
	check_rest(d, &v, "/api/v3/depth?symbol=BTCUSDT&limit=30", "lastUpdateId", 30);
	sim_book_free_all(&v);
}

static void test_query(void)
{
	char out[32];

	CHECK(sim_query_param("/x?symbol=BTCUSDT&limit=5", "symbol", out, sizeof(out)) == 7 &&
		      !strcmp(out, "BTCUSDT"),
	      "symbol");
	CHECK(sim_query_param("/x?symbol=BTCUSDT&limit=5", "limit", out, sizeof(out)) == 1 &&
		      !strcmp(out, "5"),
	      "limit");
	CHECK(sim_query_param("/x?xsymbol=A", "symbol", out, sizeof(out)) == -ENOENT, "prefix");
	CHECK(sim_query_param("/x", "symbol", out, sizeof(out)) == -ENOENT, "none");
	CHECK(sim_rest_limit("/x?limit=abc", 100, 5000) == -EINVAL, "bad limit");
	CHECK(sim_rest_limit("/x?limit=9000", 100, 5000) == 5000, "capped");
	CHECK(sim_rest_limit("/x", 100, 5000) == 100, "default");
}

int main(void)
{
	test_model();
	test_determinism();
	test_faults();
	test_binance_depth();
	test_rest();
	test_subscribe();
	test_mexc();
	test_query();
	if (failures)
		fprintf(stderr, "test_sim_book: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
