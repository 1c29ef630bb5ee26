/* SPDX-License-Identifier: MIT */
/*
 * test_sim_book_b.c: the depth formats of mdbus-sim's OKX, Kraken, Bybit,
 * Coinbase (Advanced Trade level2) and BingX dialects, driven through
 * struct sim_dialect with no sockets. Per venue: the depth subscription
 * (ack text, SIM_STREAM_DEPTH, the depth asked for), a snapshot, then many
 * book steps printed as the venue's deltas and applied by a client written
 * here from the printed text alone (qty 0 removes, truncation to the
 * subscribed depth), which must equal the simulator's own book after every
 * message; the sequence ids; every checksum recomputed here from the
 * printed text (Kraken: CRC32 of the top 10 asks then bids with '.' and
 * leading zeros removed, unsigned) and the bad_checksum fault, which must
 * print a checksum that does not match. OKX delisted its initial snapshot
 * and checksum: no snapshot on subscribe, the checksum field always 0
 * (under bad_checksum too), and the REST snapshot's seqId is the one the
 * next update's prevSeqId names.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zlib.h>

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

#define STEPS	 300  /* book steps per venue */
#define CL_MAX	 1200 /* client levels per side */
#define MSG_SIZE (1 << 20)

/* Glob match: '*' is any run of characters (possibly empty). */
static int glob(const char *pat, const char *s)
{
	const char *star = NULL, *mark = s;

	while (*s) {
		if (*pat == '*') {
			star = pat++;
			mark = s;
		} else if (*pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++mark;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

/* ---- a client's book, built from the printed text only ----------------------------- */

struct cl_lvl {
	int64_t px, qty;	 /* 8 decimals, parsed exactly */
	char ptxt[48], qtxt[48]; /* as printed */
};

struct cl_side {
	struct cl_lvl lv[CL_MAX];
	uint32_t n;
};

struct cl_book {
	struct cl_side bid, ask;
};

/* Exact decimal text -> integer at 8 decimals (-1 on a malformed one). */
static int64_t dec8(const char *s)
{
	int64_t v = 0;
	int frac = -1;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || frac >= 8)
			return -1;
		v = v * 10 + (*s - '0');
		if (frac >= 0)
			frac++;
	}
	for (frac = frac < 0 ? 0 : frac; frac < 8; frac++)
		v *= 10;
	return v;
}

/* Sets (qty > 0) or removes (qty 0) a level, keeping price order. */
static int cl_apply(struct cl_side *s, int bid, const char *ptxt, const char *qtxt)
{
	int64_t px = dec8(ptxt), qty = dec8(qtxt);
	uint32_t k = 0;

	if (px < 0 || qty < 0)
		return -EINVAL;
	while (k < s->n && (bid ? s->lv[k].px > px : s->lv[k].px < px))
		k++;
	if (k < s->n && s->lv[k].px == px) {
		if (qty == 0) {
			memmove(&s->lv[k], &s->lv[k + 1], (s->n - k - 1) * sizeof(s->lv[0]));
			s->n--;
			return 0;
		}
	} else {
		if (qty == 0)
			return 0; /* removing what is not there: nothing */
		if (s->n == CL_MAX)
			return -ENOSPC;
		memmove(&s->lv[k + 1], &s->lv[k], (s->n - k) * sizeof(s->lv[0]));
		s->n++;
	}
	s->lv[k].px = px;
	s->lv[k].qty = qty;
	snprintf(s->lv[k].ptxt, sizeof(s->lv[k].ptxt), "%s", ptxt);
	snprintf(s->lv[k].qtxt, sizeof(s->lv[k].qtxt), "%s", qtxt);
	return 0;
}

static void cl_truncate(struct cl_book *b, uint32_t depth)
{
	if (b->bid.n > depth)
		b->bid.n = depth;
	if (b->ask.n > depth)
		b->ask.n = depth;
}

/* The client's top n levels of each side equal the simulator's book. */
static int cl_same(const struct cl_book *c, const struct sim_book_state *s, uint32_t n,
		   const char *who, int step)
{
	for (int side = 0; side < 2; side++) {
		const struct cl_side *cs = side ? &c->ask : &c->bid;
		const struct sim_book_side *ss = side ? &s->ask : &s->bid;
		uint32_t want = ss->n < n ? ss->n : n;

		if (cs->n < want) {
			CHECK(0, "%s step %d: %s side has %u levels, want %u", who, step,
			      side ? "ask" : "bid", cs->n, want);
			return -1;
		}
		for (uint32_t k = 0; k < want; k++)
			if (cs->lv[k].px != ss->lv[k].px || cs->lv[k].qty != ss->lv[k].qty) {
				CHECK(0,
				      "%s step %d: %s level %u is %" PRId64 " x %" PRId64
				      ", the book has %" PRId64 " x %" PRId64,
				      who, step, side ? "ask" : "bid", k, cs->lv[k].px,
				      cs->lv[k].qty, ss->lv[k].px, ss->lv[k].qty);
				return -1;
			}
	}
	return 0;
}

/* ---- checksums, recomputed from the printed text ------------------------------------ */

/* Kraken's rule: drop '.', then the leading zeros. */
static size_t kr_strip(const char *s, char *out)
{
	char tmp[64];
	size_t n = 0, k = 0;

	for (; *s; s++)
		if (*s != '.')
			tmp[n++] = *s;
	tmp[n] = '\0';
	while (tmp[k] == '0')
		k++;
	strcpy(out, tmp + k);
	return strlen(out);
}

static uint32_t kr_crc(const struct cl_book *b)
{
	char text[8192];
	size_t off = 0;

	for (uint32_t k = 0; k < 10 && k < b->ask.n; k++) {
		off += kr_strip(b->ask.lv[k].ptxt, text + off);
		off += kr_strip(b->ask.lv[k].qtxt, text + off);
	}
	for (uint32_t k = 0; k < 10 && k < b->bid.n; k++) {
		off += kr_strip(b->bid.lv[k].ptxt, text + off);
		off += kr_strip(b->bid.lv[k].qtxt, text + off);
	}
	return (uint32_t)crc32(0L, (const Bytef *)text, (uInt)off);
}

/* ---- per venue: parse one printed depth message into the client ------------------- */

struct parsed {
	int snapshot;
	int has_csum;
	int64_t csum;
	int64_t seq, prev_seq; /* -2: not carried */
};

/* [["px","sz",...],..] string arrays (OKX, Bybit, BingX). */
static int apply_arrays(struct cl_side *s, int bid, json_t *arr)
{
	size_t k;
	json_t *l;

	if (!json_is_array(arr))
		return -EINVAL;
	json_array_foreach(arr, k, l)
	{
		const char *p = json_string_value(json_array_get(l, 0));
		const char *q = json_string_value(json_array_get(l, 1));

		if (!p || !q || cl_apply(s, bid, p, q) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_okx(const char *msg, struct cl_book *c, struct parsed *p)
{
	json_t *root = json_loads(msg, 0, NULL),
	       *d = json_array_get(json_object_get(root, "data"), 0);
	const char *action = json_string_value(json_object_get(root, "action"));
	const char *ch =
		json_string_value(json_object_get(json_object_get(root, "arg"), "channel"));
	int r = -EINVAL;

	if (action && ch && strcmp(ch, "books") == 0 &&
	    json_is_integer(json_object_get(d, "checksum")) &&
	    json_is_string(json_object_get(d, "ts"))) {
		p->snapshot = strcmp(action, "snapshot") == 0;
		if (p->snapshot)
			memset(c, 0, sizeof(*c));
		p->has_csum = 1;
		p->csum = json_integer_value(json_object_get(d, "checksum"));
		p->seq = json_integer_value(json_object_get(d, "seqId"));
		p->prev_seq = json_integer_value(json_object_get(d, "prevSeqId"));
		if (apply_arrays(&c->bid, 1, json_object_get(d, "bids")) == 0 &&
		    apply_arrays(&c->ask, 0, json_object_get(d, "asks")) == 0)
			r = 0;
	}
	json_decref(root);
	return r;
}

/* Kraken prints bare numbers: read the levels from the text itself. */
static int kr_levels(const char *from, const char *to, struct cl_side *s, int bid)
{
	const char *p = from;

	while ((p = strstr(p, "{\"price\":")) != NULL && p < to) {
		char px[48], qty[48];

		if (sscanf(p, "{\"price\":%47[0-9.],\"qty\":%47[0-9.]}", px, qty) != 2 ||
		    cl_apply(s, bid, px, qty) < 0)
			return -EINVAL;
		p++;
	}
	return 0;
}

static int parse_kraken(const char *msg, struct cl_book *c, struct parsed *p)
{
	json_t *root = json_loads(msg, 0, NULL),
	       *d = json_array_get(json_object_get(root, "data"), 0);
	const char *type = json_string_value(json_object_get(root, "type"));
	const char *b = strstr(msg, "\"bids\":["), *a = strstr(msg, "\"asks\":[");
	const char *cs = strstr(msg, "\"checksum\":");
	int r = -EINVAL;

	if (type && b && a && cs && b < a && a < cs &&
	    json_is_integer(json_object_get(d, "checksum"))) {
		p->snapshot = strcmp(type, "snapshot") == 0;
		/* updates carry a timestamp, snapshots do not */
		CHECK(p->snapshot == !json_object_get(d, "timestamp"), "%s", msg);
		if (p->snapshot)
			memset(c, 0, sizeof(*c));
		p->has_csum = 1;
		p->csum = json_integer_value(json_object_get(d, "checksum"));
		p->seq = p->prev_seq = -2;
		if (kr_levels(b, a, &c->bid, 1) == 0 && kr_levels(a, cs, &c->ask, 0) == 0)
			r = 0;
	}
	json_decref(root);
	return r;
}

static int parse_bybit(const char *msg, struct cl_book *c, struct parsed *p)
{
	json_t *root = json_loads(msg, 0, NULL), *d = json_object_get(root, "data");
	const char *type = json_string_value(json_object_get(root, "type"));
	int r = -EINVAL;

	if (type && json_is_integer(json_object_get(root, "ts")) &&
	    json_is_integer(json_object_get(root, "cts")) &&
	    json_is_string(json_object_get(d, "s"))) {
		p->snapshot = strcmp(type, "snapshot") == 0;
		if (p->snapshot)
			memset(c, 0, sizeof(*c));
		p->has_csum = 0;
		p->seq = json_integer_value(json_object_get(d, "u"));
		p->prev_seq = -2;
		CHECK(p->snapshot || p->seq != 1, "a delta with u = 1 (the reset mark): %s", msg);
		if (apply_arrays(&c->bid, 1, json_object_get(d, "b")) == 0 &&
		    apply_arrays(&c->ask, 0, json_object_get(d, "a")) == 0)
			r = 0;
	}
	json_decref(root);
	return r;
}

static int parse_coinbase(const char *msg, struct cl_book *c, struct parsed *p)
{
	json_t *root = json_loads(msg, 0, NULL),
	       *ev = json_array_get(json_object_get(root, "events"), 0);
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *ch = json_string_value(json_object_get(root, "channel"));
	json_t *u;
	size_t k;
	int r = -EINVAL;

	if (!type || !ch || strcmp(ch, "l2_data") != 0 ||
	    !json_is_integer(json_object_get(root, "sequence_num")))
		goto out;
	p->snapshot = strcmp(type, "snapshot") == 0;
	if (p->snapshot)
		memset(c, 0, sizeof(*c));
	p->has_csum = 0;
	p->seq = p->prev_seq = -2;
	json_array_foreach(json_object_get(ev, "updates"), k, u)
	{
		const char *side = json_string_value(json_object_get(u, "side"));
		const char *px = json_string_value(json_object_get(u, "price_level"));
		const char *q = json_string_value(json_object_get(u, "new_quantity"));
		int bid = side && strcmp(side, "bid") == 0;

		if (!side || (!bid && strcmp(side, "offer") != 0) || !px || !q ||
		    !json_is_string(json_object_get(u, "event_time")) ||
		    cl_apply(bid ? &c->bid : &c->ask, bid, px, q) < 0)
			goto out;
	}
	r = 0;
out:
	json_decref(root);
	return r;
}

/* BingX: every push is the whole top; the client replaces its book. */
static int parse_bingx(const char *msg, struct cl_book *c, struct parsed *p)
{
	json_t *root = json_loads(msg, 0, NULL), *d = json_object_get(root, "data");
	int r = -EINVAL;

	memset(c, 0, sizeof(*c));
	p->snapshot = 1;
	p->has_csum = 0;
	p->seq = p->prev_seq = -2;
	if (json_is_string(json_object_get(root, "dataType")) &&
	    apply_arrays(&c->bid, 1, json_object_get(d, "bids")) == 0 &&
	    apply_arrays(&c->ask, 0, json_object_get(d, "asks")) == 0)
		r = 0;
	json_decref(root);
	return r;
}

/* ---- the venues --------------------------------------------------------------------- */

struct venue_case {
	const char *dialect, *symbol, *request, *ack; /* ack: glob of the first reply */
	uint32_t depth;				      /* the depth the request asks for */
	uint32_t compare;			      /* levels compared after each message */
	int (*parse)(const char *msg, struct cl_book *c, struct parsed *p);
	int csum;	       /* 2: Kraken; 3: the field printed, always 0 (OKX) */
	int seq_chain;	       /* 1: prevSeqId chain, 2: u + 1 */
	const char *data_type; /* BingX: the dataType printed */
	int may_skip;	       /* a step changing nothing inside the depth sends nothing */
};

static const struct venue_case cases[] = {
	{"okx", "BTC-USDT",
	 "{\"id\":\"7\",\"op\":\"subscribe\",\"args\":[{\"channel\":\"books\",\"instId\":\"BTC-"
	 "USDT\"}]}",
	 "{\"id\":\"7\",\"event\":\"subscribe\",\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-"
	 "USDT\"},"
	 "\"connId\":\"*\"}",
	 400, 400, parse_okx, 3, 1, NULL, 0},
	{"kraken", "BTC-USDT",
	 "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":[\"BTC/USDT\"],"
	 "\"depth\":10},\"req_id\":3}",
	 "{\"method\":\"subscribe\",\"result\":{\"channel\":\"book\",\"depth\":10,\"snapshot\":"
	 "true,"
	 "\"symbol\":\"BTC/"
	 "USDT\"},\"success\":true,\"time_in\":\"*\",\"time_out\":\"*\",\"req_id\":3}",
	 10, 10, parse_kraken, 2, 0, NULL, 1},
	{"kraken", "ETH-USDT",
	 "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":[\"ETH/USDT\"],"
	 "\"depth\":100}}",
	 "{\"method\":\"subscribe\",\"result\":{\"channel\":\"book\",\"depth\":100,*", 100, 100,
	 parse_kraken, 2, 0, NULL, 1},
	{"bybit", "BTCUSDT",
	 "{\"req_id\":\"9\",\"op\":\"subscribe\",\"args\":[\"orderbook.50.BTCUSDT\"]}",
	 "{\"success\":true,\"ret_msg\":\"subscribe\",\"conn_id\":\"*\",\"req_id\":\"9\","
	 "\"op\":\"subscribe\"}",
	 50, 50, parse_bybit, 0, 2, NULL, 0},
	{"bybit-linear", "ETHUSDT", "{\"op\":\"subscribe\",\"args\":[\"orderbook.200.ETHUSDT\"]}",
	 "{\"success\":true,\"ret_msg\":\"\",\"conn_id\":\"*\",\"req_id\":\"\",\"op\":"
	 "\"subscribe\"}",
	 200, 200, parse_bybit, 0, 2, NULL, 0},
	{"coinbase", "BTC-USDT",
	 "{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USDT\"],\"channel\":\"level2\"}",
	 "{\"channel\":\"subscriptions\",\"client_id\":\"\",\"timestamp\":\"*\",\"sequence_num\":0,"
	 "\"events\":[{\"subscriptions\":{\"level2\":[\"BTC-USDT\"]}}]}",
	 200, 50, parse_coinbase, 0, 0, NULL, 0},
	{"bingx", "BTC-USDT",
	 "{\"id\":\"d1\",\"reqType\":\"sub\",\"dataType\":\"BTC-USDT@depth20\"}",
	 "{\"id\":\"d1\",\"code\":0,\"msg\":\"\"}", 20, 20, parse_bingx, 0, 0, "BTC-USDT@depth20",
	 0},
};

/* Prints ev through the dialect into msg: its length or < 0. */
static int print_ev(const struct sim_dialect *d, struct sim_venue *v, uint32_t i,
		    struct sim_book_ev *ev, uint32_t depth, int mode, char *msg)
{
	int n;

	ev->depth = depth;
	n = d->depth(v, i, ev, mode, msg, MSG_SIZE);
	if (n > 0)
		msg[n] = '\0';
	return n;
}

/* One message: parse, check ids and checksum against the client's book. */
static void check_msg(const struct venue_case *vc, const char *msg, struct cl_book *c, int bad,
		      int64_t *last_seq, int step)
{
	struct parsed p;

	if (vc->parse(msg, c, &p) < 0) {
		CHECK(0, "%s step %d: malformed: %.300s", vc->dialect, step, msg);
		return;
	}
	CHECK(step > 0 || p.snapshot, "%s: the first message is a snapshot", vc->dialect);
	CHECK(step == 0 || !p.snapshot || vc->data_type, "%s step %d: a delta expected",
	      vc->dialect, step);
	if (vc->seq_chain == 1 && step > 0)
		CHECK(p.prev_seq == *last_seq, "%s step %d: prevSeqId %" PRId64 " after %" PRId64,
		      vc->dialect, step, p.prev_seq, *last_seq);
	if (vc->seq_chain == 1 && step == 0)
		CHECK(p.prev_seq == -1, "okx: a snapshot's prevSeqId is -1");
	if (vc->seq_chain == 2 && step > 0)
		CHECK(p.seq == *last_seq + 1, "%s step %d: u %" PRId64 " after %" PRId64,
		      vc->dialect, step, p.seq, *last_seq);
	*last_seq = p.seq;
	if (vc->data_type)
		CHECK(strstr(msg, vc->data_type) != NULL, "bingx: %.200s", msg);
	cl_truncate(c, vc->depth);
	if (vc->csum == 3) {
		CHECK(p.csum == 0, "%s step %d: checksum %" PRId64 ", not 0", vc->dialect, step,
		      p.csum);
	} else if (vc->csum) {
		int64_t want = (int64_t)kr_crc(c);

		if (bad)
			CHECK(p.csum != want, "%s step %d: bad_checksum printed the right one",
			      vc->dialect, step);
		else
			CHECK(p.csum == want,
			      "%s step %d: checksum %" PRId64 ", recomputed %" PRId64, vc->dialect,
			      step, p.csum, want);
	}
}

/* Subscribes, then a snapshot and STEPS deltas (one with bad_checksum). */
/* Long: one venue's script (subscribe, snapshot, steps) reads best in order */
static void run_case(const struct venue_case *vc, char *msg)
{
	const struct sim_dialect *d = sim_dialect_find(vc->dialect);
	static struct sim_venue v;
	static struct sim_replies r;
	static struct cl_book c;
	uint8_t subs[SIM_MAX_SYMBOLS] = {0};
	struct sim_book_ev ev;
	struct sim_book *book;
	int64_t last_seq = 0;
	char err[128];
	int sym, mode = 0, e = 0, n, skipped = 0;

	if (!d || !d->depth || sim_venue_init(&v, NULL, 42, err, sizeof(err)) < 0) {
		CHECK(0, "%s: no depth hook", vc->dialect);
		return;
	}
	if (d->route)
		CHECK(d->route(&v, d->paths, subs, &mode) == 0, "%s: route", vc->dialect);
	memset(&r, 0, sizeof(r));
	CHECK(d->request(&v, vc->request, strlen(vc->request), subs, &r) == 0, "%s: request",
	      vc->dialect);
	sym = sim_venue_symbol(&v, vc->symbol, strlen(vc->symbol));
	CHECK(sym >= 0 && (subs[sym] & SIM_STREAM_DEPTH), "%s: not subscribed", vc->dialect);
	if (sym < 0)
		return;
	CHECK(r.n >= 1 && glob(vc->ack, sim_reply(&r, 0)), "%s: ack %s", vc->dialect,
	      r.n ? sim_reply(&r, 0) : "(none)");
	CHECK(r.depth[sym] == vc->depth, "%s: depth %u", vc->dialect, r.depth[sym]);
	CHECK(!(d->book_flags & SIM_BOOK_STREAM_SNAPSHOT) == (vc->csum == 3),
	      "%s: snapshot on subscribe", vc->dialect);
	CHECK(!(d->book_flags & SIM_BOOK_CHECKSUM) == (!vc->csum || vc->csum == 3),
	      "%s: checksum flag", vc->dialect);
	book = sim_book_get(&v, (uint32_t)sym, &e);
	CHECK(book != NULL, "%s: book %d", vc->dialect, e);
	if (!book || sim_book_snapshot(&v, (uint32_t)sym, vc->depth, &ev) < 0 ||
	    print_ev(d, &v, (uint32_t)sym, &ev, vc->depth, mode, msg) <= 0) {
		CHECK(0, "%s: snapshot not printed", vc->dialect);
		return;
	}
	memset(&c, 0, sizeof(c));
	check_msg(vc, msg, &c, 0, &last_seq, 0);
	cl_same(&c, &book->cur, vc->compare, vc->dialect, 0);
	for (int step = 1; step <= STEPS; step++) {
		int bad = vc->csum && step == STEPS / 2;

		if (bad)
			book->bad_checksum = 1;
		if (sim_book_step(&v, (uint32_t)sym, &ev) < 0 ||
		    (n = print_ev(d, &v, (uint32_t)sym, &ev, vc->depth, mode, msg)) < 0 ||
		    (n == 0 && !vc->may_skip)) {
			CHECK(0, "%s step %d: not printed", vc->dialect, step);
			return;
		}
		CHECK(!bad || ev.bad_checksum, "%s step %d: the fault is not on the event",
		      vc->dialect, step);
		if (n == 0)
			skipped++; /* nothing inside the depth changed (Kraken sends nothing) */
		else
			check_msg(vc, msg, &c, bad && n > 0, &last_seq, step);
		if (cl_same(&c, &book->cur, vc->compare, vc->dialect, step) < 0)
			return;
	}
	CHECK(skipped < STEPS / 2, "%s: %d of %d steps sent nothing", vc->dialect, skipped, STEPS);
	sim_book_free_all(&v);
}

/* An Exchange feed message (no "channel") goes out as it is. */
static void coinbase_exchange_untouched(const struct sim_dialect *d, struct sim_venue *v, int mode)
{
	const char *match = "{\"type\":\"match\",\"sequence\":0,\"x\":1}";
	struct sim_buf out = {0};
	uint8_t op = 0;

	CHECK(d->frame(v, mode, 0, SIM_STREAM_TRADE, match, strlen(match), &out, &op) == 0,
	      "coinbase: an Exchange feed message is left alone");
	sim_buf_free(&out);
}

/* Coinbase: sequence_num counts a connection's Advanced Trade messages from
 * 0 (the frame hook numbers them); a new connection starts again; Exchange
 * feed messages pass unchanged. */
static void coinbase_seqnum(char *msg)
{
	const struct sim_dialect *d = sim_dialect_find("coinbase");
	static struct sim_venue v;
	static struct sim_replies r;
	uint8_t subs[SIM_MAX_SYMBOLS] = {0};
	const char *req =
		"{\"type\":\"subscribe\",\"product_ids\":[\"ETH-USDT\"],\"channel\":\"level2\"}";
	struct sim_book_ev ev;
	char err[128];
	int mode[2] = {0, 0}, sym;

	if (!d || !d->frame || !d->route || sim_venue_init(&v, NULL, 7, err, sizeof(err)) < 0) {
		CHECK(0, "coinbase: no frame or route hook");
		return;
	}
	CHECK(d->route(&v, "/", subs, &mode[0]) == 0 && d->route(&v, "/", subs, &mode[1]) == 0 &&
		      mode[0] != mode[1],
	      "coinbase: a mode per connection");
	CHECK(d->route(&v, "/ws", subs, &mode[1]) == 404, "coinbase: other paths are 404");
	d->route(&v, "/", subs, &mode[1]);
	CHECK(d->request(&v, req, strlen(req), subs, &r) == 0 && r.n == 1, "coinbase: level2");
	sym = sim_venue_symbol(&v, "ETH-USDT", 8);
	for (int conn = 0; conn < 2 && sym >= 0; conn++) {
		for (int k = 0; k < 4; k++) {
			struct sim_buf out = {0};
			uint8_t op = 0;
			const char *text = msg;
			char want[48];
			int f;

			if (k == 0)
				text = sim_reply(&r, 0);
			else if ((k == 1 ? sim_book_snapshot(&v, (uint32_t)sym, 200, &ev)
					 : sim_book_step(&v, (uint32_t)sym, &ev)) < 0 ||
				 print_ev(d, &v, (uint32_t)sym, &ev, 200, mode[conn], msg) <= 0) {
				CHECK(0, "coinbase: l2_data not printed");
				return;
			}
			f = d->frame(&v, mode[conn], k ? sym : -1, k ? SIM_STREAM_DEPTH : 0, text,
				     strlen(text), &out, &op);
			snprintf(want, sizeof(want), "\"sequence_num\":%d,", k);
			if (k == 0)
				CHECK(f == 0 && strstr(text, want), "coinbase: the first is 0: %s",
				      text);
			else
				CHECK(f == 1 && op == WSLAY_TEXT_FRAME && out.len > 0 &&
					      strstr((const char *)out.p + out.off, want) &&
					      out.len == strlen(text) + strlen(want) -
								 strlen("\"sequence_num\":0,"),
				      "conn %d message %d: %.*s", conn, k, (int)out.len,
				      (const char *)out.p + out.off);
			sim_buf_free(&out);
		}
	}
	coinbase_exchange_untouched(d, &v, mode[0]);
	sim_book_free_all(&v);
}

/* The sequence_num the frame hook gives text on connection mode (-1: none). */
static int coinbase_num(const struct sim_dialect *d, struct sim_venue *v, int mode,
			const char *text)
{
	struct sim_buf out = {0};
	uint8_t op = 0;
	const char *p = text, *at;
	int f = d->frame(v, mode, -1, 0, text, strlen(text), &out, &op), n = -1;

	if (f == 1)
		p = (const char *)out.p + out.off;
	at = f >= 0 ? strstr(p, "\"sequence_num\":") : NULL;
	if (at)
		n = (int)strtol(at + strlen("\"sequence_num\":"), NULL, 10);
	sim_buf_free(&out);
	return n;
}

/* Coinbase Advanced Trade: the heartbeats channel (acked beside level2, one
 * heartbeats message a beat), and a dropped delta that prints nothing but
 * takes its sequence_num (SIM_BOOK_SEQ_CONN): the client sees the hole. */
static void coinbase_heartbeats_drop(char *msg)
{
	const struct sim_dialect *d = sim_dialect_find("coinbase");
	static struct sim_venue v;
	static struct sim_replies r, b;
	uint8_t subs[SIM_MAX_SYMBOLS] = {0};
	const char *hb = "{\"type\":\"subscribe\",\"channel\":\"heartbeats\"}";
	const char *l2 = "{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USDT\"],"
			 "\"channel\":\"level2\"}";
	struct sim_book_ev ev;
	char err[128];
	int mode = 0, sym;

	if (!d || !d->beat || sim_venue_init(&v, NULL, 9, err, sizeof(err)) < 0 ||
	    d->route(&v, "/", subs, &mode) != 0) {
		CHECK(0, "coinbase: no beat hook or route");
		return;
	}
	CHECK((d->book_flags & SIM_BOOK_SEQ_CONN) != 0, "coinbase: SIM_BOOK_SEQ_CONN");
	CHECK(d->beat(&v, subs, 1700000000123, &b) == 0 && b.n == 0,
	      "coinbase: no heartbeats before the subscription");
	CHECK(d->request(&v, l2, strlen(l2), subs, &r) == 0 && r.n == 1 &&
		      d->request(&v, hb, strlen(hb), subs, &r) == 0 && r.n == 2 &&
		      strstr(sim_reply(&r, 1),
			     "{\"subscriptions\":{\"heartbeats\":[\"heartbeats\"],\"level2\":"
			     "[\"BTC-USDT\"]}}"),
	      "coinbase: heartbeats acked beside level2: %s", r.n > 1 ? sim_reply(&r, 1) : "");
	CHECK(d->beat(&v, subs, 1700000000123, &b) == 0 && b.n == 1 &&
		      strstr(sim_reply(&b, 0), "{\"channel\":\"heartbeats\",") &&
		      strstr(sim_reply(&b, 0), "\"events\":[{\"current_time\":\"2023-11-14 "
					       "22:13:20.123000 +0000 UTC\",\"heartbeat_counter\":"
					       "1700000000}]}"),
	      "coinbase: one heartbeats message: %s", b.n ? sim_reply(&b, 0) : "");
	sym = sim_venue_symbol(&v, "BTC-USDT", 8);
	CHECK(sym >= 0 && coinbase_num(d, &v, mode, sim_reply(&r, 0)) == 0 &&
		      coinbase_num(d, &v, mode, sim_reply(&b, 0)) == 1,
	      "coinbase: the ack and the heartbeat are 0 and 1");
	if (sym < 0 || sim_book_step(&v, (uint32_t)sym, &ev) < 0)
		return;
	ev.dropped = 1;
	CHECK(d->depth(&v, (uint32_t)sym, &ev, mode, msg, MSG_SIZE) == 0,
	      "coinbase: a dropped delta prints nothing");
	ev.dropped = 0;
	CHECK(sim_book_step(&v, (uint32_t)sym, &ev) == 0 &&
		      d->depth(&v, (uint32_t)sym, &ev, mode, msg, MSG_SIZE) > 0 &&
		      coinbase_num(d, &v, mode, msg) == 3,
	      "coinbase: the delta after a dropped one is 3, not 2");
	hb = "{\"type\":\"unsubscribe\",\"channel\":\"heartbeats\"}";
	b.n = 0;
	CHECK(d->request(&v, hb, strlen(hb), subs, &r) == 0 && d->beat(&v, subs, 1, &b) == 0 &&
		      b.n == 0,
	      "coinbase: no heartbeats after the unsubscribe");
	sim_book_free_all(&v);
}

/* After a REST answer: the next update's prevSeqId is the snapshot's
 * seqId, and it applies on the client's copy of the snapshot. */
static void okx_rest_chain(const struct sim_dialect *d, struct sim_venue *v, struct sim_book *book,
			   int sym, struct cl_book *c, char *msg)
{
	int64_t rest_seq = (int64_t)book->cur.seq;
	struct sim_book_ev ev;
	struct parsed p;

	if (sim_book_step(v, (uint32_t)sym, &ev) < 0 ||
	    print_ev(d, v, (uint32_t)sym, &ev, 400, 0, msg) <= 0) {
		CHECK(0, "okx rest: no update after the snapshot");
		return;
	}
	CHECK(parse_okx(msg, c, &p) == 0 && !p.snapshot && p.prev_seq == rest_seq &&
		      p.seq == (int64_t)book->cur.seq && p.csum == 0,
	      "okx rest: the next update: %.200s", msg);
	cl_same(c, &book->cur, 10, "okx rest + update", 1);
}

/* OKX's REST order book: the top sz levels and the book's seqId; the
 * stale_snapshot fault answers an older copy; unknown instrument, path. */
/* Long: one scenario in order (fresh, chained update, stale, errors) */
static void okx_rest(char *msg)
{
	const struct sim_dialect *d = sim_dialect_find("okx");
	static struct sim_venue v;
	static struct cl_book c;
	struct sim_book_ev ev;
	struct sim_book *book;
	char err[128];
	int status = 0, sym, e = 0, n;

	if (!d || !d->rest || sim_venue_init(&v, NULL, 9, err, sizeof(err)) < 0) {
		CHECK(0, "okx: no rest hook");
		return;
	}
	sym = sim_venue_symbol(&v, "ETH-USDT", 8);
	book = sym >= 0 ? sim_book_get(&v, (uint32_t)sym, &e) : NULL;
	for (int k = 0; book && k < 5; k++)
		sim_book_step(&v, (uint32_t)sym, &ev);
	n = book ? d->rest(&v, "/api/v5/market/books?instId=ETH-USDT&sz=25", msg, MSG_SIZE, &status)
		 : -1;
	CHECK(n > 0 && status == 200, "okx rest: %d %d", n, status);
	if (n > 0) {
		json_t *root, *dd;

		msg[n] = '\0';
		root = json_loads(msg, 0, NULL);
		dd = json_array_get(json_object_get(root, "data"), 0);
		memset(&c, 0, sizeof(c));
		CHECK(json_is_string(json_object_get(root, "code")) &&
			      strcmp(json_string_value(json_object_get(root, "code")), "0") == 0 &&
			      apply_arrays(&c.bid, 1, json_object_get(dd, "bids")) == 0 &&
			      apply_arrays(&c.ask, 0, json_object_get(dd, "asks")) == 0 &&
			      c.bid.n == 25 && c.ask.n == 25 &&
			      json_integer_value(json_object_get(dd, "seqId")) ==
				      (json_int_t)book->cur.seq,
		      "okx rest: %.300s", msg);
		cl_same(&c, &book->cur, 25, "okx rest", 0);
		json_decref(root);
	}
	if (book)
		okx_rest_chain(d, &v, book, sym, &c, msg);
	if (book) {
		for (int k = 0; k < SIM_BOOK_STALE_STEPS + 2; k++)
			sim_book_step(&v, (uint32_t)sym, &ev);
		book->stale = 1;
		n = d->rest(&v, "/api/v5/market/books?instId=ETH-USDT&sz=400", msg, MSG_SIZE,
			    &status);
		if (n > 0)
			msg[n] = '\0';
		CHECK(n > 0 && status == 200 && strstr(msg, "\"seqId\":") &&
			      strtoull(strstr(msg, "\"seqId\":") + 8, NULL, 10) + 1 < book->cur.seq,
		      "okx rest: a stale snapshot is older: %.80s", n > 0 ? msg : "");
	}
	n = d->rest(&v, "/api/v5/market/books?instId=NOPE-XYZQ", msg, MSG_SIZE, &status);
	if (n > 0)
		msg[n] = '\0';
	CHECK(n > 0 && status == 400 && strstr(msg, "\"code\":\"51001\""), "okx rest: unknown: %s",
	      n > 0 ? msg : "");
	CHECK(d->rest(&v, "/api/v5/market/candles?instId=ETH-USDT", msg, MSG_SIZE, &status) ==
		      -ENOENT,
	      "okx rest: another path is 404");
	sim_book_free_all(&v);
}

/* The decimals printed after the '.' of the first "key": number in msg
 * (0 without a '.'), or -1 when the key is absent. */
static int printed_decimals(const char *msg, const char *key)
{
	const char *p = strstr(msg, key);
	int d = 0;

	if (!p)
		return -1;
	p += strlen(key);
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			d++;
	return d;
}

/* data.pairs[] of pair in instrument message text: its precisions. */
static int inst_prec(const char *text, const char *pair, int *pp, int *qp)
{
	json_t *root = json_loads(text, 0, NULL), *pr;
	json_t *pairs = json_object_get(json_object_get(root, "data"), "pairs");
	size_t k;
	int r = -ENOENT;

	json_array_foreach(pairs, k, pr)
	{
		const char *name = json_string_value(json_object_get(pr, "symbol"));

		if (name && strcmp(name, pair) == 0) {
			*pp = (int)json_integer_value(json_object_get(pr, "price_precision"));
			*qp = (int)json_integer_value(json_object_get(pr, "qty_precision"));
			r = 0;
		}
	}
	json_decref(root);
	return r;
}

/* Kraken's instrument channel: the ack and a snapshot of the pairs known
 * (--symbols: all of them), then, for a pair a book subscription makes up
 * later, an update before its book; each pair's precisions are the ones
 * its book prints (and checksums) at. */
/* Long: one scenario of checks in order, lazy and fixed symbol lists. */
static void kraken_instrument(char *msg)
{
	static const char req[] =
		"{\"method\":\"subscribe\",\"params\":{\"channel\":\"instrument\",\"snapshot\":"
		"true},\"req_id\":4294967295}";
	static const char *const book[2] = {
		"{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":"
		"[\"BTC/USDT\"],\"depth\":10},\"req_id\":5}",
		"{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":"
		"[\"ETH/USDT\"],\"depth\":10},\"req_id\":6}"};
	const struct sim_dialect *d = sim_dialect_find("kraken");
	static struct sim_venue v;
	static struct sim_replies r;
	static char snap[16384];
	uint8_t subs[SIM_MAX_SYMBOLS] = {0};
	struct sim_book_ev ev;
	char err[128];

	for (int fixed = 0; fixed < 2; fixed++) {
		if (!d || sim_venue_init(&v, fixed ? "ETH-USDT,BTC-USDT" : NULL, 42, err,
					 sizeof(err)) < 0) {
			CHECK(0, "kraken: no dialect");
			return;
		}
		memset(subs, 0, sizeof(subs));
		memset(&r, 0, sizeof(r));
		CHECK(d->request(&v, req, strlen(req), subs, &r) == 0, "kraken: instrument");
		CHECK(r.n == 2 &&
			      glob("{\"method\":\"subscribe\",\"result\":{\"channel\":"
				   "\"instrument\",*\"success\":true,*\"req_id\":4294967295}",
				   sim_reply(&r, 0)) &&
			      glob("{\"channel\":\"instrument\",\"type\":\"snapshot\",\"data\":"
				   "{\"assets\":[],\"pairs\":[*]}}",
				   sim_reply(&r, 1)),
		      "kraken: instrument answers %s", r.n ? sim_reply(&r, 0) : "(none)");
		snprintf(snap, sizeof(snap), "%s", r.n == 2 ? sim_reply(&r, 1) : "");
		for (int s = 0; s < 2; s++) {
			const char *pair = s ? "ETH/USDT" : "BTC/USDT";
			int pp = -1, qp = -1, sym, got;

			got = inst_prec(snap, pair, &pp, &qp) == 0;
			CHECK(got == fixed, "kraken %s: in the snapshot %d, --symbols %d", pair,
			      got, fixed);
			memset(&r, 0, sizeof(r));
			CHECK(d->request(&v, book[s], strlen(book[s]), subs, &r) == 0, "book");
			/* made up now: the ack, then the update naming it */
			if (!fixed)
				CHECK(r.n == 2 &&
					      glob("{\"channel\":\"instrument\",\"type\":"
						   "\"update\",*",
						   sim_reply(&r, 1)) &&
					      inst_prec(sim_reply(&r, 1), pair, &pp, &qp) == 0,
				      "kraken %s: no instrument update (%u replies)", pair, r.n);
			sym = sim_venue_symbol(&v, pair, strlen(pair));
			CHECK(sym >= 0 && sim_book_get(&v, (uint32_t)sym, &(int){0}) != NULL &&
				      sim_book_snapshot(&v, (uint32_t)sym, 10, &ev) == 0 &&
				      print_ev(d, &v, (uint32_t)sym, &ev, 10, 0, msg) > 0,
			      "kraken %s: no snapshot", pair);
			CHECK(pp >= 0 && pp == printed_decimals(msg, "\"price\":"),
			      "kraken %s: price_precision %d, printed %d", pair, pp,
			      printed_decimals(msg, "\"price\":"));
			CHECK(qp == 8 && qp == printed_decimals(msg, "\"qty\":"),
			      "kraken %s: qty_precision %d, printed %d", pair, qp,
			      printed_decimals(msg, "\"qty\":"));
		}
		sim_book_free_all(&v);
	}
}

/* Depth requests each venue rejects (all or nothing where the venue is). */
static void rejects(void)
{
	static const struct {
		const char *dialect, *request, *reply;
	} bad[] = {
		{"kraken",
		 "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":[\"BTC/"
		 "USDT\"],"
		 "\"depth\":15},\"req_id\":4}",
		 "{\"error\":\"Invalid "
		 "depth*\",\"method\":\"subscribe\",\"success\":false,*\"req_id\":4}"},
		{"okx",
		 "{\"id\":\"8\",\"op\":\"subscribe\",\"args\":[{\"channel\":\"books\",\"instId\":"
		 "\"BTC-USDT\"},{\"channel\":\"books7\",\"instId\":\"BTC-USDT\"}]}",
		 "{\"id\":\"8\",\"event\":\"error\",\"code\":\"60018\",*"},
		{"bybit",
		 "{\"op\":\"subscribe\",\"args\":[\"orderbook.50.BTCUSDT\",\"orderbook.7.BTCUSDT\"]"
		 "}",
		 "{\"success\":false,\"ret_msg\":\"error:handler not "
		 "found,topic:orderbook.7.BTCUSDT\",*"},
		{"bingx", "{\"id\":\"e\",\"reqType\":\"sub\",\"dataType\":\"BTC-USDT@depth7\"}",
		 "{\"id\":\"e\",\"code\":100400,\"msg\":\"ILLEGAL_ARGUMENT\"}"},
		{"bingx-swap",
		 "{\"id\":\"f\",\"reqType\":\"sub\",\"dataType\":\"BTC-USDT@depth20\"}",
		 "{\"id\":\"f\",\"code\":1,*"},
		{"coinbase",
		 "{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USDT\"],\"channel\":\"level3\"}",
		 "{\"type\":\"error\",\"message\":\"Failed to subscribe\",*"},
	};
	static struct sim_venue v;
	static struct sim_replies r;

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		const struct sim_dialect *d = sim_dialect_find(bad[k].dialect);
		uint8_t subs[SIM_MAX_SYMBOLS] = {0};
		char err[128];
		uint32_t any = 0;

		memset(&r, 0, sizeof(r));
		if (!d || sim_venue_init(&v, NULL, 1, err, sizeof(err)) < 0) {
			CHECK(0, "%s: no dialect", bad[k].dialect);
			continue;
		}
		d->request(&v, bad[k].request, strlen(bad[k].request), subs, &r);
		for (uint32_t i = 0; i < SIM_MAX_SYMBOLS; i++)
			any |= subs[i];
		CHECK(any == 0, "%s: subscribed something: %s", bad[k].dialect, bad[k].request);
		CHECK(r.n >= 1 && glob(bad[k].reply, sim_reply(&r, r.n - 1)), "%s: %s",
		      bad[k].dialect, r.n ? sim_reply(&r, r.n - 1) : "(no reply)");
	}
}

int main(void)
{
	char *msg = malloc(MSG_SIZE);

	if (!msg)
		return 1;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		run_case(&cases[k], msg);
	coinbase_seqnum(msg);
	coinbase_heartbeats_drop(msg);
	okx_rest(msg);
	kraken_instrument(msg);
	rejects();
	free(msg);
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
