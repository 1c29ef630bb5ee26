/* SPDX-License-Identifier: MIT */
/*
 * fuzz_bingx.c: the BingX adapter (feedd/venues/bingx.c) under arbitrary
 * messages, behind its gzip layer. BingX gzips every frame, so a plain
 * fuzzer rarely gets past inflate; here the target compresses each input
 * line itself and the fuzzer mutates what is inside. The first byte picks
 * the market (even: spot BTC-USDT, ETH-USDT; odd: swap BTC-USDT-PERP,
 * ETH-USDT-PERP); each further line is one message, its first byte the
 * mode:
 *   'b'  the rest as a raw binary frame (not gzip, usually corrupt)
 *   'c'  the rest gzip'd, its trailer (CRC-32, length) spoiled
 *   'f'  the rest gzip'd, one byte of the stream flipped (next byte: where)
 *   else the whole line, as a text frame to one context and gzip'd as a
 *        binary frame to a twin context
 * Two contexts see every message (a new connection each: reset, every
 * subscribe message). Properties: the text and the gzip'd frame give the
 * same answer (class, ticks, reply, answered streams, continuation) piece
 * by piece; a spoiled trailer is always a counted decode error; every
 * reply is "Pong" or a JSON object with "pong"; the generic ones (a class,
 * a reason for errors and rejects, ticks of the session's instruments
 * only, never both sides, a continuation that ends).
 */
#include <errno.h>
#include <string.h>
#define ZLIB_CONST
#include <zlib.h>

#include "config.h"
#include "fuzz.h"
#include "jsonscan.h"
#include "venue.h"

#define FZ_RECV_NS    1700000000123456789LL
#define FZ_INSTR_BASE 700
#define FZ_MAX_PIECES 100000
#define FZ_ZMAX	      (1u << 17)

/* [market][0] gets text frames, [market][1] the same gzip'd. */
static struct feed_venue_ctx fz_ctx[2][2];
static uint8_t fz_z[FZ_ZMAX];
static z_stream fz_zs; /* made once: deflateReset per line */

static void fz_cleanup(void)
{
	for (int m = 0; m < 2; m++)
		for (int k = 0; k < 2; k++)
			feed_venue_ctx_free(&fz_ctx[m][k]);
	deflateEnd(&fz_zs);
}

static void fz_open(struct feed_venue_ctx *v, int perp)
{
	static char spot[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT"};
	static char swap[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT-PERP", "ETH-USDT-PERP"};
	struct feed_session_config sc;
	char err[256];

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "fuzz");
	snprintf(sc.venue, sizeof(sc.venue), "bingx");
	sc.symbols = perp ? swap : spot;
	sc.nsymbols = 2;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = -1;
	sc.qty_decimals = -1;
	sc.qty_unit = -1;
	if (feed_venue_ctx_init(v, feed_venue_find("bingx"), &sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_bingx: %s\n", err);
		abort();
	}
	for (uint32_t i = 0; i < v->nsyms; i++)
		v->syms[i].instrument = FZ_INSTR_BASE + i;
}

/* libFuzzer's signature. */
/* NOLINTNEXTLINE(readability-non-const-parameter) */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	for (int m = 0; m < 2; m++)
		for (int k = 0; k < 2; k++)
			fz_open(&fz_ctx[m][k], m);
	FUZZ_CHECK(deflateInit2(&fz_zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	atexit(fz_cleanup);
	return 0;
}

/* gzip of p[0..n) into fz_z; its length (0: too long). */
static size_t fz_gzip(const uint8_t *p, size_t n)
{
	if (n > FZ_ZMAX / 2)
		return 0;
	FUZZ_CHECK(deflateReset(&fz_zs) == Z_OK);
	fz_zs.next_in = p;
	fz_zs.avail_in = (uInt)n;
	fz_zs.next_out = fz_z;
	fz_zs.avail_out = FZ_ZMAX;
	FUZZ_CHECK(deflate(&fz_zs, Z_FINISH) == Z_STREAM_END);
	return FZ_ZMAX - fz_zs.avail_out;
}

static void fz_check_out(const struct feed_venue_ctx *v, const struct feed_venue_out *out)
{
	FUZZ_CHECK((unsigned)out->cls < FEED_MSG__COUNT);
	if (out->cls == FEED_MSG_ERROR || out->cls == FEED_MSG_REJECT)
		FUZZ_CHECK(out->reason != NULL && out->reason[0]);
	if (out->cls == FEED_MSG_REPLY) {
		static const struct feed_json_key k[1] = {FEED_JSON_KEY("pong")};
		struct feed_json_val f[1];
		FUZZ_CHECK(out->reply && out->reply_len > 0);
		FUZZ_CHECK((out->reply_len == 4 && memcmp(out->reply, "Pong", 4) == 0) ||
			   feed_json_scan(out->reply, out->reply_len, k, 1, f) == 1);
	}
	if (out->cls != FEED_MSG_DATA) {
		FUZZ_CHECK(out->n == 0);
		return;
	}
	FUZZ_CHECK(out->n <= out->cap);
	for (uint32_t i = 0; i < out->n; i++) {
		const struct mdbus_tick *t = &out->ticks[i];
		unsigned sides = t->flags & (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL);

		FUZZ_CHECK(t->instrument >= FZ_INSTR_BASE &&
			   t->instrument < FZ_INSTR_BASE + v->nsyms);
		FUZZ_CHECK(t->kind == MDBUS_KIND_TRADE || t->kind == MDBUS_KIND_BBO);
		FUZZ_CHECK(sides != (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL));
		FUZZ_CHECK(t->kind == MDBUS_KIND_TRADE || sides == 0);
		FUZZ_CHECK(t->recv_ts == FZ_RECV_NS);
		FUZZ_CHECK(((t->flags & MDBUS_FLAG_NO_EXCH_TS) != 0) == (t->exch_ts == 0));
	}
}

/* The two answers must be the same. */
static void fz_same(const struct feed_venue_out *a, const struct feed_venue_out *b)
{
	FUZZ_CHECK(a->cls == b->cls && a->n == b->n && a->more == b->more);
	FUZZ_CHECK(memcmp(a->ticks, b->ticks, a->n * sizeof(*a->ticks)) == 0);
	FUZZ_CHECK(a->req_id == b->req_id && a->nstreams == b->nstreams && a->split == b->split);
	FUZZ_CHECK(a->reply_len == b->reply_len);
	if (a->reply_len)
		FUZZ_CHECK(memcmp(a->reply, b->reply, a->reply_len) == 0);
}

/* One message to each context (p0 binary0 to the first, p1 binary1 to the
 * second), continuations followed to the end in lockstep. Returns the
 * first piece's class. */
static enum feed_msg_class fz_pair(struct feed_venue_ctx *v, const uint8_t *p0, size_t n0, int bin0,
				   const uint8_t *p1, size_t n1, int bin1)
{
	struct mdbus_tick ta[FEED_VENUE_TICKS_MIN], tb[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out a, b;
	enum feed_msg_class first = FEED_MSG__COUNT;
	int pieces = 0;

	do {
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.ticks = ta;
		b.ticks = tb;
		a.cap = b.cap = FEED_VENUE_TICKS_MIN;
		FUZZ_CHECK(feed_venue_on_message(&v[0], p0, n0, bin0, FZ_RECV_NS, &a) == 0);
		FUZZ_CHECK(feed_venue_on_message(&v[1], p1, n1, bin1, FZ_RECV_NS, &b) == 0);
		fz_check_out(&v[0], &a);
		fz_check_out(&v[1], &b);
		fz_same(&a, &b);
		first = first == FEED_MSG__COUNT ? a.cls : first;
		FUZZ_CHECK(++pieces < FZ_MAX_PIECES);
	} while (a.more);
	return first;
}

/* One input line in its mode. */
static void fz_line(struct feed_venue_ctx *v, const uint8_t *p, size_t n)
{
	uint8_t mode = n ? p[0] : 0;
	uint64_t dec0 = v[0].st.decode_errors;
	size_t zn;

	if (mode == 'b') {
		fz_pair(v, p + 1, n - 1, 1, p + 1, n - 1, 1);
	} else if (mode == 'c' || mode == 'f') {
		size_t skip = mode == 'f' ? 2 : 1;
		uint8_t where = n > 1 ? p[1] : 0;

		if (n < skip || (zn = fz_gzip(p + skip, n - skip)) < 18)
			return;
		if (mode == 'c')
			fz_z[zn - 1 - where % 8] ^= 0xa5; /* CRC-32 or ISIZE no longer match */
		else
			fz_z[where % zn] ^= (uint8_t)(where | 1);
		enum feed_msg_class c = fz_pair(v, fz_z, zn, 1, fz_z, zn, 1);
		if (mode == 'c') {
			FUZZ_CHECK(c == FEED_MSG_ERROR);
			FUZZ_CHECK(v[0].st.decode_errors == dec0 + 1);
		}
	} else if ((zn = fz_gzip(p, n)) > 0) {
		fz_pair(v, p, n, 0, fz_z, zn, 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_venue_ctx *v = fz_ctx[size ? data[0] & 1 : 0];
	const uint8_t *p = data + (size ? 1 : 0), *end = data + size;
	char buf[1024];
	size_t len;

	for (int k = 0; k < 2; k++) {
		feed_venue_ctx_reset(&v[k]);
		while (feed_venue_subscribe_next(&v[k], buf, sizeof(buf), &len) == 1)
			FUZZ_CHECK(len > 0 && len < sizeof(buf));
	}
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *e = nl ? nl : end;

		fz_line(v, p, (size_t)(e - p));
		p = nl ? nl + 1 : end;
	}
	return 0;
}
