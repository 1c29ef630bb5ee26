/* SPDX-License-Identifier: MIT */
/*
 * test_subs.c: the venue interface's generic half, once, on a made-up
 * venue: stream sets within every grouping and limit (streams per request,
 * request bytes), answers per request id and per stream (with and without
 * ids, cumulative lists), the continuation of a message larger than the
 * tick array, the gzip/deflate decode stage and the trade id hash.
 */
#include <errno.h>
#include <stdint.h>
#define ZLIB_CONST /* next_in is const: no cast */
#include <zlib.h>

#include "config.h"
#include "helpers.h"
#include "venue.h"

/* ---- the made-up venue ------------------------------------------------------------ */

/* Requests: {"id":N,"sub":["BTC.t","BTC.b",...]}. Messages: "T:SYM:COUNT"
 * gives COUNT trades of SYM with trade ids 0.. (a batch). */
static int fake_native(const char *norm, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; norm[i] && norm[i] != '-'; i++) {
		if (o + 1 >= len)
			return -ENAMETOOLONG;
		out[o++] = norm[i];
	}
	out[o] = '\0';
	return 0;
}

static int fake_subscribe(struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			  uint64_t req_id, char *buf, size_t len, size_t *out_len)
{
	size_t o;
	int k = snprintf(buf, len, "{\"id\":%llu,\"sub\":[", (unsigned long long)req_id);

	if (k < 0 || (size_t)k >= len)
		return -ENOBUFS;
	o = (size_t)k;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t sym, ch;

		feed_venue_stream(v, streams[i], &sym, &ch);
		k = snprintf(buf + o, len - o, "%s\"%s.%c\"", i ? "," : "", v->syms[sym].native,
			     ch == FEED_CH_TRADES ? 't' : 'b');
		if (k < 0 || (size_t)k >= len - o)
			return -ENOBUFS;
		o += (size_t)k;
	}
	if (o + 3 > len)
		return -ENOBUFS;
	memcpy(buf + o, "]}", 3);
	*out_len = o + 2;
	return 0;
}

/* A batch: resumes at v->cur.item when called again (out.more). */
static int fake_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			   int64_t recv_ns, struct feed_venue_out *out)
{
	const char *s = (const char *)p, *c1, *c2;
	unsigned long count;
	uint32_t i;

	(void)binary;
	c1 = n > 2 && s[0] == 'T' && s[1] == ':' ? memchr(s + 2, ':', n - 2) : NULL;
	if (!c1 || feed_venue_lookup(v, s + 2, (size_t)(c1 - s - 2), &i) < 0) {
		feed_venue_error(v, out, UINT32_MAX, "bad message");
		return 0;
	}
	c2 = s + n;
	count = 0;
	for (const char *q = c1 + 1; q < c2; q++)
		count = count * 10 + (unsigned long)(*q - '0');
	for (uint32_t k = v->cur.item; k < count; k++) {
		struct mdbus_tick *t = feed_venue_tick(v, out, i, MDBUS_KIND_TRADE, MDBUS_FLAG_BUY,
						       1000 + k, recv_ns);
		if (!t) {
			v->cur.item = k; /* resume here */
			out->more = 1;
			return 0;
		}
		t->u.trade.price = 1;
		t->u.trade.qty = 1;
		t->u.trade.trade_id = k;
	}
	out->cls = FEED_MSG_DATA;
	return 0;
}

static struct feed_venue_ops fake_ops = {
	.name = "fake",
	.default_url = "wss://fake.invalid/ws",
	.channels = FEED_CH_TRADES | FEED_CH_BBO,
	.markets = 1u << MDBUS_MARKET_SPOT,
	.price_decimals = 2,
	.qty_decimals = 2,
	.native_symbol = fake_native,
	.subscribe = fake_subscribe,
	.on_message = fake_on_message,
};

static char syms[5][MDBUS_SYMBOL_MAX] = {"AA-USD", "BB-USD", "CC-USD", "DD-USD", "EE-USD"};

static int open_ctx(struct feed_venue_ctx *v, const struct feed_venue_ops *ops, size_t n)
{
	struct feed_session_config sc;
	char err[256];

	memset(&sc, 0, sizeof(sc));
	sc.symbols = syms;
	sc.nsymbols = n;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = sc.qty_decimals = sc.qty_unit = -1;
	if (feed_venue_ctx_init(v, ops, &sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "ctx: %s\n", err);
		feed_test_failures++;
		return -1;
	}
	feed_venue_ctx_reset(v);
	return 0;
}

/* ---- stream sets within the limits --------------------------------------------- */

/* Builds every request; checks each against the grouping and limits and
 * that every stream goes exactly once. Returns the number of requests. */
static unsigned plan(struct feed_venue_ctx *v, size_t buflen)
{
	const struct feed_venue_limits *lim = &v->ops->limits;
	unsigned seen[16] = {0}, reqs = 0;
	char buf[1024];
	size_t n;
	int rc;

	while ((rc = feed_venue_subscribe_next(v, buf, buflen, &n)) == 1) {
		const struct feed_venue_req *r = &v->reqs[v->nreqs - 1];
		const struct feed_venue_stream *f = &v->streams[v->req_streams[r->off]];

		CHECK(n < buflen);
		CHECK(lim->req_bytes == 0 || n <= lim->req_bytes);
		CHECK(lim->streams_per_req == 0 || r->count <= lim->streams_per_req);
		CHECK_EQ_INT(r->id, v->next_req_id - 1);
		for (uint32_t k = 0; k < r->count; k++) {
			uint32_t s = v->req_streams[r->off + k];
			const struct feed_venue_stream *st = &v->streams[s];

			seen[s]++;
			if (lim->group == FEED_GROUP_SYMBOL)
				CHECK_EQ_INT(st->sym, f->sym);
			if (lim->group == FEED_GROUP_CHANNEL)
				CHECK_EQ_INT(st->ch, f->ch);
			CHECK_EQ_INT(st->state, FEED_SS_SENT);
		}
		if (lim->group == FEED_GROUP_STREAM)
			CHECK_EQ_INT(r->count, 1);
		reqs++;
	}
	CHECK_EQ_INT(rc, 0);
	for (uint32_t s = 0; s < v->nstreams; s++)
		CHECK_EQ_INT(seen[s], 1);
	return reqs;
}

/* Long: one test script per grouping and limit, in order; each builds its own ctx. */
static void test_groups(void)
{
	struct feed_venue_ops ops = fake_ops;
	struct feed_venue_ctx v;
	char buf[256];
	size_t n;

	/* 5 symbols x 2 channels = 10 streams. */
	ops.limits.streams_per_req = 3;
	if (open_ctx(&v, &ops, 5) == 0) {
		CHECK_EQ_INT(plan(&v, 1024), 4); /* 3 + 3 + 3 + 1 */
		feed_venue_ctx_free(&v);
	}
	ops.limits.group = FEED_GROUP_SYMBOL;
	ops.limits.streams_per_req = 0;
	if (open_ctx(&v, &ops, 5) == 0) {
		CHECK_EQ_INT(plan(&v, 1024), 5);
		feed_venue_ctx_free(&v);
	}
	/* One channel per request, as many symbols as allowed: channel-major. */
	ops.limits.group = FEED_GROUP_CHANNEL;
	ops.limits.streams_per_req = 4;
	if (open_ctx(&v, &ops, 5) == 0) {
		CHECK_EQ_INT(plan(&v, 1024), 4); /* trades 4 + 1, bbo 4 + 1 */
		CHECK_EQ_INT(v.reqs[0].count, 4);
		CHECK_EQ_INT(v.reqs[0].nsyms, 4);
		CHECK_EQ_INT(v.reqs[1].count, 1);
		feed_venue_ctx_reset(&v);
		CHECK(feed_venue_subscribe_next(&v, buf, sizeof(buf), &n) == 1);
		CHECK_EQ_INT(n, strlen("{\"id\":5,\"sub\":[\"AA.t\",\"BB.t\",\"CC.t\",\"DD.t\"]}"));
		CHECK(memcmp(buf, "{\"id\":5,\"sub\":[\"AA.t\",\"BB.t\",\"CC.t\",\"DD.t\"]}", n) ==
		      0);
		feed_venue_ctx_free(&v);
	}
	ops.limits.group = FEED_GROUP_STREAM;
	if (open_ctx(&v, &ops, 5) == 0) {
		CHECK_EQ_INT(plan(&v, 1024), 10);
		feed_venue_ctx_free(&v);
	}
	/* The byte limit: {"id":1,"sub":[ is 15 bytes, each stream 7 (+1
	 * comma), "]}" 2: 40 bytes take 3 streams. Splitting is generic. */
	ops.limits.group = FEED_GROUP_ANY;
	ops.limits.streams_per_req = 0;
	ops.limits.req_bytes = 40;
	if (open_ctx(&v, &ops, 5) == 0) {
		CHECK_EQ_INT(plan(&v, 1024), 4);
		CHECK_EQ_INT(v.reqs[0].count, 3);
		feed_venue_ctx_free(&v);
	}
	/* The caller's buffer is a limit too; too small for one stream. */
	ops.limits.req_bytes = 0;
	if (open_ctx(&v, &ops, 5) == 0) {
		CHECK_EQ_INT(plan(&v, 25), 10); /* one stream each */
		feed_venue_ctx_reset(&v);
		CHECK_EQ_INT(feed_venue_subscribe_next(&v, buf, 20, &n), -ENOBUFS);
		feed_venue_ctx_free(&v);
	}
	/* A connection ctx refuses more streams than its bound (the planner
	 * never builds one: test_plan.c). */
	ops.limits.streams_per_conn = 9;
	{
		struct feed_session_config sc;
		char err[128];

		memset(&sc, 0, sizeof(sc));
		sc.symbols = syms;
		sc.nsymbols = 5;
		sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
		sc.price_decimals = sc.qty_decimals = sc.qty_unit = -1;
		CHECK_EQ_INT(feed_venue_ctx_init(&v, &ops, &sc, err, sizeof(err)), -E2BIG);
		CHECK_STR(err, "10 streams exceed fake's limit of 9 per connection");
	}
}

/* ---- answers per stream ------------------------------------------------------- */

/* Kraken's form: one request (one channel, many symbols) under one id,
 * answered one ack or reject per symbol. */
static void test_stream_answers(void)
{
	struct feed_venue_ops ops = fake_ops;
	struct feed_venue_out out;
	struct feed_venue_ctx v;
	uint64_t id;

	ops.limits.group = FEED_GROUP_CHANNEL;
	if (open_ctx(&v, &ops, 3) != 0)
		return;
	CHECK_EQ_INT(plan(&v, 1024), 2); /* id 1: trades x3, id 2: bbo x3 */
	memset(&out, 0, sizeof(out));
	CHECK_EQ_INT(feed_venue_stream_done(&v, 1, "AA", 2, FEED_CH_TRADES, 1, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	CHECK_EQ_INT(out.nstreams, 1);
	CHECK_EQ_INT(out.sym_first, 0);
	CHECK_EQ_INT(out.req_id, 1);
	CHECK_EQ_INT(v.reqs_pending, 2);
	/* Wrong id, unknown symbol, channel not subscribed, twice. */
	memset(&out, 0, sizeof(out));
	CHECK_EQ_INT(feed_venue_stream_done(&v, 2, "BB", 2, FEED_CH_TRADES, 1, &out), -ENOENT);
	CHECK_EQ_INT(feed_venue_stream_done(&v, 1, "ZZ", 2, FEED_CH_TRADES, 1, &out), -ENOENT);
	CHECK_EQ_INT(feed_venue_stream_done(&v, 1, "BB", 2, FEED_CH_L2, 1, &out), -ENOENT);
	CHECK_EQ_INT(feed_venue_stream_done(&v, 1, "AA", 2, FEED_CH_TRADES, 1, &out), -EALREADY);
	/* A per-symbol reject is exact: that stream, no split. */
	CHECK_EQ_INT(feed_venue_stream_done(&v, 1, "BB", 2, FEED_CH_TRADES, 0, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_REJECT);
	CHECK_EQ_INT(out.split, 0);
	CHECK_EQ_INT(v.syms[1].dead, 1);
	CHECK_EQ_INT(feed_venue_sub_pending(&v), 0);
	CHECK_EQ_INT(feed_venue_stream_done(&v, 1, "CC", 2, FEED_CH_TRADES, 1, &out), 0);
	CHECK_EQ_INT(v.reqs_pending, 1); /* request 1 complete */
	CHECK_EQ_INT(v.reqs[0].state, FEED_REQ_REJECTED);
	/* Oldest open request: 2. Its BB stream acked revives BB. */
	CHECK_EQ_INT(feed_venue_req_oldest(&v, &id), 0);
	CHECK_EQ_INT(id, 2);
	memset(&out, 0, sizeof(out));
	CHECK_EQ_INT(feed_venue_stream_done(&v, 0, "BB", 2, FEED_CH_BBO, 1, &out), 0);
	CHECK_EQ_INT(v.syms[1].dead, 0);
	memset(&out, 0, sizeof(out));			      /* the next message */
	CHECK_EQ_INT(feed_venue_req_done(&v, 2, 1, &out), 0); /* the rest of it */
	CHECK_EQ_INT(out.nstreams, 2);
	CHECK_EQ_INT(out.sym_count, 2);
	CHECK_EQ_INT(feed_venue_sub_complete(&v), 1);
	CHECK_EQ_INT(feed_venue_req_oldest(&v, &id), -ENOENT);
	CHECK_EQ_INT(feed_venue_streams_acked(&v), 5);
	CHECK_EQ_INT(feed_venue_streams_rejected(&v), 1);
	feed_venue_ctx_free(&v);
}

/* Coinbase's form: no id, a cumulative list of what is subscribed; several
 * answers in one message accumulate in out. */
static void test_list_answers(void)
{
	static const char *const names[3] = {"AA", "BB", "CC"};
	struct feed_venue_ops ops = fake_ops;
	struct feed_venue_out out;
	struct feed_venue_ctx v;
	int rc;

	ops.limits.streams_per_req = 2;
	if (open_ctx(&v, &ops, 3) != 0)
		return;
	CHECK_EQ_INT(plan(&v, 1024), 3);
	memset(&out, 0, sizeof(out));
	for (int k = 0; k < 2; k++) { /* the list after the first request */
		rc = feed_venue_stream_done(&v, 0, names[0], 2, k ? FEED_CH_BBO : FEED_CH_TRADES, 1,
					    &out);
		CHECK_EQ_INT(rc, 0);
	}
	CHECK_EQ_INT(out.nstreams, 2);
	memset(&out, 0, sizeof(out));
	for (int i = 0; i < 3; i++) /* the whole list at the end */
		for (int k = 0; k < 2; k++) {
			rc = feed_venue_stream_done(&v, 0, names[i], 2,
						    k ? FEED_CH_BBO : FEED_CH_TRADES, 1, &out);
			CHECK_EQ_INT(rc, i == 0 ? -EALREADY : 0);
		}
	CHECK_EQ_INT(out.cls, FEED_MSG_ACK);
	CHECK_EQ_INT(out.nstreams, 4);
	CHECK_EQ_INT(out.sym_first, 1);
	CHECK_EQ_INT(out.sym_count, 2);
	CHECK_EQ_INT(feed_venue_sub_complete(&v), 1);
	feed_venue_ctx_free(&v);
}

/* Two shared requests rejected as a whole share a symbol (a request cut
 * mid-symbol): each of its streams goes again alone, none is lost. */
static void test_split_twice(void)
{
	struct feed_venue_ops ops = fake_ops;
	struct feed_venue_out out;
	struct feed_venue_ctx v;
	char buf[256];
	size_t n;
	uint64_t id;

	ops.limits.streams_per_req = 3;
	if (open_ctx(&v, &ops, 3) != 0)
		return;
	CHECK_EQ_INT(plan(&v, sizeof(buf)), 2); /* AA.t AA.b BB.t | BB.b CC.t CC.b */
	memset(&out, 0, sizeof(out));
	CHECK_EQ_INT(feed_venue_req_done(&v, 1, 0, &out), 0);
	CHECK_EQ_INT(out.split, 1);
	while (feed_venue_subscribe_next(&v, buf, sizeof(buf), &n) == 1)
		; /* AA alone (2 streams), BB alone (BB.t: BB.b is still in request 2) */
	CHECK_EQ_INT(v.nreqs, 4);
	memset(&out, 0, sizeof(out));
	CHECK_EQ_INT(feed_venue_req_done(&v, 2, 0, &out), 0);
	CHECK_EQ_INT(out.split, 1);
	CHECK_EQ_INT(feed_venue_sub_pending(&v), 1);
	while (feed_venue_subscribe_next(&v, buf, sizeof(buf), &n) == 1)
		; /* BB.b alone, CC alone */
	CHECK_EQ_INT(v.nreqs, 6);
	for (uint32_t s = 0; s < v.nstreams; s++)
		CHECK_EQ_INT(v.streams[s].state, FEED_SS_SENT);
	while (feed_venue_req_oldest(&v, &id) == 0) {
		memset(&out, 0, sizeof(out));
		CHECK_EQ_INT(feed_venue_req_done(&v, id, 1, &out), 0);
		CHECK_EQ_INT(out.alone, 1);
	}
	CHECK_EQ_INT(feed_venue_sub_complete(&v), 1);
	CHECK_EQ_INT(feed_venue_streams_acked(&v), 6);
	feed_venue_ctx_free(&v);
}

/* ---- continuation ------------------------------------------------------------------ */

/* A batch of 40 trades through a 16-tick array: three calls, every tick
 * once, in order, counted as one message. */
static void test_continuation(void)
{
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};
	struct feed_venue_ctx v;
	const char *m = "T:BB:40", *m2 = "T:AA:2";
	uint64_t next = 0;
	int calls = 0;

	if (open_ctx(&v, &fake_ops, 2) != 0)
		return;
	v.syms[1].instrument = 7;
	do {
		CHECK_EQ_INT(feed_venue_on_message(&v, (const uint8_t *)m, strlen(m), 0, 5, &out),
			     0);
		CHECK_EQ_INT(out.cls, FEED_MSG_DATA);
		for (uint32_t k = 0; k < out.n; k++) {
			CHECK_EQ_INT(ticks[k].u.trade.trade_id, next);
			CHECK_EQ_INT(ticks[k].instrument, 7);
			CHECK_EQ_INT(ticks[k].recv_ts, 5);
			next++;
		}
		calls++;
	} while (out.more && calls < 10);
	CHECK_EQ_INT(calls, 3);
	CHECK_EQ_INT(next, 40);
	CHECK_EQ_INT(v.st.msgs, 1);
	CHECK_EQ_INT(v.st.pieces, 2);
	CHECK_EQ_INT(v.st.cls[FEED_MSG_DATA], 1);
	CHECK_EQ_INT(v.st.ticks, 40);
	CHECK_EQ_INT(v.syms[1].ticks, 40);
	/* A cut-off continuation is dropped by a different message. */
	CHECK_EQ_INT(feed_venue_on_message(&v, (const uint8_t *)m, strlen(m), 0, 5, &out), 0);
	CHECK_EQ_INT(out.more, 1);
	CHECK_EQ_INT(feed_venue_on_message(&v, (const uint8_t *)m2, strlen(m2), 0, 5, &out), 0);
	CHECK_EQ_INT(out.n, 2);
	CHECK_EQ_INT(out.more, 0);
	CHECK_EQ_INT(ticks[0].u.trade.trade_id, 0);
	CHECK_EQ_INT(v.st.msgs, 3);
	feed_venue_ctx_free(&v);
}

/* ---- decode stage: gzip / zlib / raw deflate ----------------------------------------- */

/* Compresses src with windowBits wb (31 gzip, 15 zlib, -15 raw). */
static size_t deflate_to(const char *src, int wb, uint8_t *dst, size_t cap)
{
	z_stream zs;
	size_t n;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, wb, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	zs.next_in = (const Bytef *)src;
	zs.avail_in = (uInt)strlen(src);
	zs.next_out = dst;
	zs.avail_out = (uInt)cap;
	n = deflate(&zs, Z_FINISH) == Z_STREAM_END ? cap - zs.avail_out : 0;
	deflateEnd(&zs);
	return n;
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
static void test_gzip(void)
{
	struct feed_venue_ops ops = fake_ops;
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out = {.ticks = ticks, .cap = FEED_VENUE_TICKS_MIN};
	struct feed_venue_ctx v;
	static const int wbits[3] = {31, 15, -15};
	uint8_t z[512];
	char big[300];
	size_t n;

	ops.flags = FEED_VENUE_F_GZIP;
	ops.scratch_size = 64;
	if (open_ctx(&v, &ops, 2) != 0)
		return;
	CHECK(v.zs != NULL); /* made at set-up, not on the hot path */
	for (int k = 0; k < 3; k++) {
		n = deflate_to("T:AA:3", wbits[k], z, sizeof(z));
		CHECK(n > 0);
		CHECK_EQ_INT(feed_venue_on_message(&v, z, n, 1, 9, &out), 0);
		CHECK_EQ_INT(out.cls, FEED_MSG_DATA);
		CHECK_EQ_INT(out.n, 3);
	}
	/* Text frames are not decoded. */
	CHECK_EQ_INT(feed_venue_on_message(&v, (const uint8_t *)"T:AA:1", 6, 0, 9, &out), 0);
	CHECK_EQ_INT(out.n, 1);
	/* Corrupt: a flipped byte in the deflate body (the gzip CRC, or the
	 * stream itself, catches it), or a cut stream. */
	n = deflate_to("T:AA:3", 31, z, sizeof(z));
	z[n - 6] ^= 0x5a;
	CHECK_EQ_INT(feed_venue_on_message(&v, z, n, 1, 9, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK(out.reason && strstr(out.reason, "corrupt"));
	n = deflate_to("T:AA:3", 15, z, sizeof(z));
	CHECK_EQ_INT(feed_venue_on_message(&v, z, n - 3, 1, 9, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	/* Larger than the scratch: refused, never truncated. */
	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "T:AA:", 5);
	n = deflate_to(big, 31, z, sizeof(z));
	CHECK_EQ_INT(feed_venue_on_message(&v, z, n, 1, 9, &out), 0);
	CHECK_EQ_INT(out.cls, FEED_MSG_ERROR);
	CHECK(out.reason && strstr(out.reason, "larger than the scratch"));
	CHECK_EQ_INT(v.st.decode_errors, 3);
	CHECK_EQ_INT(v.st.cls[FEED_MSG_ERROR], 3);
	/* And it still decodes after errors. */
	n = deflate_to("T:AA:2", 31, z, sizeof(z));
	CHECK_EQ_INT(feed_venue_on_message(&v, z, n, 1, 9, &out), 0);
	CHECK_EQ_INT(out.n, 2);
	feed_venue_ctx_free(&v);
	/* Decoding without a scratch is refused at set-up. */
	ops.scratch_size = 0;
	{
		struct feed_session_config sc;
		char err[128];

		memset(&sc, 0, sizeof(sc));
		sc.symbols = syms;
		sc.nsymbols = 1;
		sc.channels = FEED_CH_TRADES;
		sc.price_decimals = sc.qty_decimals = sc.qty_unit = -1;
		CHECK_EQ_INT(feed_venue_ctx_init(&v, &ops, &sc, err, sizeof(err)), -EINVAL);
	}
}

/* FNV-1a 64 reference values; never 0. */
static void test_tid_hash(void)
{
	CHECK_EQ_INT(feed_venue_tid_hash("", 0), 0xcbf29ce484222325ULL);
	CHECK_EQ_INT(feed_venue_tid_hash("a", 1), 0xaf63dc4c8601ec8cull);
	CHECK_EQ_INT(feed_venue_tid_hash("foobar", 6), 0x85944171f73967e8ULL);
	CHECK(feed_venue_tid_hash("de0b1c2e-0000-4000-8000-000000000001", 36) !=
	      feed_venue_tid_hash("de0b1c2e-0000-4000-8000-000000000002", 36));
}

int main(void)
{
	test_groups();
	test_stream_answers();
	test_list_answers();
	test_split_twice();
	test_continuation();
	test_gzip();
	test_tid_hash();
	return feed_test_done("test_subs");
}
