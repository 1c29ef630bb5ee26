/* SPDX-License-Identifier: MIT */
/*
 * fuzz_mexc.c: the MEXC adapter (feedd/venues/mexc.c) under arbitrary
 * messages, behind its protobuf decode stage. Raw bytes rarely make a
 * wrapper with a deals body, so besides raw frames the target builds
 * pushes from fields the fuzzer picks and encodes them with the pack
 * functions protoc-c generated from feedd/venues/mexc.proto. The input is
 * a sequence of records: a mode byte, a 16-bit little-endian length, that
 * many bytes (a short last record is cut to what is left):
 *   't'  the bytes as a text frame (acks, PONG, refusals are JSON)
 *   'd'  a deals push: NUL-separated fields symbol, channel, sendTime,
 *        createTime, then per deal price, quantity, tradeType, time,
 *        tradeId (numbers as decimal text)
 *   'k'  a bookTicker push: symbol, channel, sendTime, createTime, bidPrice,
 *        bidQuantity, askPrice, askQuantity
 *   else the bytes as a binary frame (raw protobuf, usually corrupt)
 * One context (BTC-USDT, ETH-USDT; trades and bbo) sees every message after
 * a new connection (reset, every subscribe message). Properties: a class
 * for every message, a reason for errors and rejects, ticks of the
 * session's instruments only, of a known kind, never both sides, NO_EXCH_TS
 * exactly when there is no time, a continuation that ends; an encoded push
 * always gets through the decode stage, and a deals push that is DATA
 * yields one trade per deal over its pieces.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "mexc.pb-c.h"
#include "venue.h"

#define FZ_RECV_NS    1700000000123456789LL
#define FZ_INSTR_BASE 900
#define FZ_MAX_PIECES 100000
#define FZ_DEALS_MAX  200
#define FZ_FIELDS     (4 + 5 * FZ_DEALS_MAX)

static struct feed_venue_ctx fz_v;
static uint8_t fz_frame[1 << 17];

static void fz_cleanup(void)
{
	feed_venue_ctx_free(&fz_v);
}

/* libFuzzer's signature. */
/* NOLINTNEXTLINE(readability-non-const-parameter) */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char syms[2][MDBUS_SYMBOL_MAX] = {"BTC-USDT", "ETH-USDT"};
	struct feed_session_config sc;
	char err[256];

	(void)argc, (void)argv;
	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "fuzz");
	snprintf(sc.venue, sizeof(sc.venue), "mexc");
	sc.symbols = syms;
	sc.nsymbols = 2;
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = -1;
	sc.qty_decimals = -1;
	sc.qty_unit = -1;
	if (feed_venue_ctx_init(&fz_v, feed_venue_find("mexc"), &sc, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_mexc: %s\n", err);
		abort();
	}
	for (uint32_t i = 0; i < fz_v.nsyms; i++)
		fz_v.syms[i].instrument = FZ_INSTR_BASE + i;
	atexit(fz_cleanup);
	return 0;
}

static void fz_check_out(const struct feed_venue_out *out)
{
	FUZZ_CHECK((unsigned)out->cls < FEED_MSG__COUNT);
	if (out->cls == FEED_MSG_ERROR || out->cls == FEED_MSG_REJECT)
		FUZZ_CHECK(out->reason != NULL && out->reason[0]);
	FUZZ_CHECK(out->cls != FEED_MSG_REPLY && out->cls != FEED_MSG_RECONNECT);
	if (out->cls != FEED_MSG_DATA) {
		FUZZ_CHECK(out->n == 0);
		return;
	}
	FUZZ_CHECK(out->n <= out->cap);
	for (uint32_t i = 0; i < out->n; i++) {
		const struct mdbus_tick *t = &out->ticks[i];
		unsigned sides = t->flags & (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL);

		FUZZ_CHECK(t->instrument >= FZ_INSTR_BASE &&
			   t->instrument < FZ_INSTR_BASE + fz_v.nsyms);
		FUZZ_CHECK(t->kind == MDBUS_KIND_TRADE || t->kind == MDBUS_KIND_BBO);
		FUZZ_CHECK(sides != (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL));
		FUZZ_CHECK(t->kind == MDBUS_KIND_TRADE || sides == 0);
		FUZZ_CHECK(t->recv_ts == FZ_RECV_NS);
		FUZZ_CHECK(((t->flags & MDBUS_FLAG_NO_EXCH_TS) != 0) == (t->exch_ts == 0));
		FUZZ_CHECK(t->exch_ts >= 0);
	}
}

/* One message, its continuation followed to the end. Returns the ticks;
 * *cls is the class of every piece (FEED_MSG_NONE if they differ). */
static uint32_t fz_feed(const uint8_t *p, size_t n, int binary, enum feed_msg_class *cls)
{
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out;
	uint32_t total = 0;
	int pieces = 0;

	*cls = FEED_MSG__COUNT;
	do {
		memset(&out, 0, sizeof(out));
		out.ticks = ticks;
		out.cap = FEED_VENUE_TICKS_MIN;
		FUZZ_CHECK(feed_venue_on_message(&fz_v, p, n, binary, FZ_RECV_NS, &out) == 0);
		fz_check_out(&out);
		if (*cls == FEED_MSG__COUNT)
			*cls = out.cls;
		else if (*cls != out.cls)
			*cls = FEED_MSG_NONE;
		total += out.n;
		FUZZ_CHECK(++pieces < FZ_MAX_PIECES);
	} while (out.more);
	return total;
}

/* Splits p[0..n) at NUL bytes into NUL-terminated copies in buf; returns
 * the field count (at most FZ_FIELDS). */
static size_t fz_fields(const uint8_t *p, size_t n, char *buf, char **f)
{
	size_t k = 0;

	memcpy(buf, p, n);
	buf[n] = '\0';
	for (size_t i = 0; k < FZ_FIELDS;) {
		f[k++] = buf + i;
		while (i < n && buf[i])
			i++;
		if (i >= n)
			break;
		i++;
	}
	return k;
}

static const char *fz_at(char **f, size_t nf, size_t i)
{
	return i < nf ? f[i] : "";
}

/* A push built from fields (mode 'd' or 'k'), encoded and fed. */
static void fz_push(int deals, const uint8_t *p, size_t n)
{
	static Mexc__PublicAggreDealsV3ApiItem item[FZ_DEALS_MAX], *items[FZ_DEALS_MAX];
	static char buf[1 << 16];
	static char *f[FZ_FIELDS];
	Mexc__PushDataV3ApiWrapper w = MEXC__PUSH_DATA_V3_API_WRAPPER__INIT;
	Mexc__PublicAggreDealsV3Api d = MEXC__PUBLIC_AGGRE_DEALS_V3_API__INIT;
	Mexc__PublicAggreBookTickerV3Api b = MEXC__PUBLIC_AGGRE_BOOK_TICKER_V3_API__INIT;
	uint64_t dec0 = fz_v.st.decode_errors;
	enum feed_msg_class cls;
	size_t nf = fz_fields(p, n, buf, f), len;
	uint32_t ticks;

	w.symbol = (char *)fz_at(f, nf, 0);
	w.channel = (char *)fz_at(f, nf, 1);
	w.sendtime = strtoll(fz_at(f, nf, 2), NULL, 10);
	w.createtime = strtoll(fz_at(f, nf, 3), NULL, 10);
	if (deals) {
		for (size_t i = 4; i + 4 < nf && d.n_deals < FZ_DEALS_MAX; i += 5) {
			static const Mexc__PublicAggreDealsV3ApiItem i0 =
				MEXC__PUBLIC_AGGRE_DEALS_V3_API_ITEM__INIT;
			Mexc__PublicAggreDealsV3ApiItem *it = &item[d.n_deals];

			*it = i0;
			it->price = f[i];
			it->quantity = f[i + 1];
			it->tradetype = (int32_t)strtol(f[i + 2], NULL, 10);
			it->time = strtoll(f[i + 3], NULL, 10);
			it->tradeid = f[i + 4];
			items[d.n_deals++] = it;
		}
		d.deals = items;
		w.body_case = MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_DEALS;
		w.publicaggredeals = &d;
	} else {
		b.bidprice = (char *)fz_at(f, nf, 4);
		b.bidquantity = (char *)fz_at(f, nf, 5);
		b.askprice = (char *)fz_at(f, nf, 6);
		b.askquantity = (char *)fz_at(f, nf, 7);
		w.body_case = MEXC__PUSH_DATA_V3_API_WRAPPER__BODY_PUBLIC_AGGRE_BOOK_TICKER;
		w.publicaggrebookticker = &b;
	}
	FUZZ_CHECK(mexc__push_data_v3_api_wrapper__get_packed_size(&w) <= sizeof(fz_frame));
	len = mexc__push_data_v3_api_wrapper__pack(&w, fz_frame);
	ticks = fz_feed(fz_frame, len, 1, &cls);
	FUZZ_CHECK(fz_v.st.decode_errors == dec0); /* well-formed: always decodes */
	if (cls == FEED_MSG_DATA && deals)
		FUZZ_CHECK(ticks == d.n_deals);
	if (cls == FEED_MSG_DATA && !deals)
		FUZZ_CHECK(ticks == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	enum feed_msg_class cls;
	char buf[4096];
	size_t len;

	feed_venue_ctx_reset(&fz_v);
	while (feed_venue_subscribe_next(&fz_v, buf, sizeof(buf), &len) == 1)
		FUZZ_CHECK(len > 0 && len < sizeof(buf));
	while (in.n) {
		uint8_t mode = fuzz_take(&in);
		size_t n = (size_t)fuzz_take_u64(&in, 2);

		n = n > in.n ? in.n : n;
		if (mode == 'd' || mode == 'k') {
			fz_push(mode == 'd', in.p, n);
		} else {
			/* An exactly-sized copy: an over-read is an ASan report. */
			uint8_t *copy = malloc(n ? n : 1);

			FUZZ_CHECK(copy != NULL);
			memcpy(copy, in.p, n);
			(void)fz_feed(copy, n, mode != 't', &cls);
			free(copy);
		}
		in.p += n;
		in.n -= n;
	}
	return 0;
}
