/* SPDX-License-Identifier: MIT */
/*
 * fuzz_binance.c: the Binance adapter (feedd/venues/binance.c) driven as a
 * session drives it (session_live.c): a new connection resets the venue
 * context and sends every subscribe message, then each input line is one
 * WebSocket message (a leading 0x01 byte marks a binary frame) handed to
 * feed_venue_on_message; DATA ticks go through the sink into a real bus
 * whose reader must return exactly the ticks published. Two sessions see
 * every input: Binance's default scale (8/8) and a narrow one (2/5).
 * Properties: a class for every message, a reason for every error and
 * reject, symbol ranges inside the table, one well-formed tick per DATA
 * message for a subscribed instrument, GAP on the first tick of each kind
 * after a reconnect and on no other, counters that add up.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "sink.h"
#include "venue.h"

#define FZ_SESSIONS 2
#define FZ_RECV_NS  1700000000123456789LL

struct fz_session {
	const char *symbols[3];
	int price_decimals, qty_decimals;
	char bus[64];
	mdbus_writer *w;
	mdbus_reader *r;
	struct feed_sink sink;
	struct feed_venue_ctx v;
	uint8_t seen[8]; /* per symbol: FEED_CH_* ticked since the reset */
};

static struct fz_session fz_s[FZ_SESSIONS] = {
	{{"BTC-USDT", "ETH-USDT", "SOL-USDT"}, -1, -1, "", NULL, NULL, {0}, {0}, {0}},
	{{"BTC-USDT", "BNB-BTC", NULL}, 2, 5, "", NULL, NULL, {0}, {0}, {0}},
};
static struct mdbus_tick fz_ticks[256]; /* FEED_SESSION_TICKS, as in the session */

static void fz_cleanup(void)
{
	for (int i = 0; i < FZ_SESSIONS; i++) {
		feed_venue_ctx_free(&fz_s[i].v);
		feed_sink_free(&fz_s[i].sink);
		mdbus_reader_close(fz_s[i].r);
		if (fz_s[i].w)
			mdbus_writer_close(fz_s[i].w, 1);
	}
}

/* feed_session_new + feed_session_add_instruments, minus the sockets. */
static void fz_session_open(struct fz_session *s, int idx)
{
	static char syms[FZ_SESSIONS][3][MDBUS_SYMBOL_MAX];
	struct mdbus_writer_opts wo = {.slots = 4096, .max_instruments = 16, .max_sessions = 4};
	struct mdbus_reader_opts ro = {.start = MDBUS_START_LATEST};
	struct feed_session_config sc;
	struct mdbus_instrument ins;
	char err[256];

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "fuzz%d", idx);
	snprintf(sc.venue, sizeof(sc.venue), "binance");
	for (size_t i = 0; i < 3 && s->symbols[i]; i++, sc.nsymbols++)
		snprintf(syms[idx][i], MDBUS_SYMBOL_MAX, "%s", s->symbols[i]);
	sc.symbols = syms[idx];
	sc.channels = FEED_CH_TRADES | FEED_CH_BBO;
	sc.price_decimals = s->price_decimals;
	sc.qty_decimals = s->qty_decimals;
	snprintf(s->bus, sizeof(s->bus), "fuzz-binance-%ld-%d", (long)getpid(), idx);
	wo.bus = s->bus;
	ro.bus = s->bus;
	FUZZ_CHECK(mdbus_writer_open(&s->w, &wo) == 0);
	FUZZ_CHECK(mdbus_reader_open(&s->r, &ro) == 0);
	FUZZ_CHECK(feed_sink_init(&s->sink, s->w, 16) == 0);
	FUZZ_CHECK(feed_venue_ctx_init(&s->v, feed_venue_find("binance"), &sc, err, sizeof(err)) ==
		   0);
	for (uint32_t i = 0; i < s->v.nsyms; i++) {
		FUZZ_CHECK(feed_venue_ctx_instrument(&s->v, i, &ins) == 0);
		FUZZ_CHECK(feed_sink_add_instrument(&s->sink, &ins, (uint32_t)idx,
						    &s->v.syms[i].instrument) == 0);
	}
}

/* libFuzzer's signature. */
/* NOLINTNEXTLINE(readability-non-const-parameter) */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	for (int i = 0; i < FZ_SESSIONS; i++)
		fz_session_open(&fz_s[i], i);
	atexit(fz_cleanup);
	return 0;
}

/* A new connection: reset, then every subscribe message (the ids that the
 * input's replies may answer). */
static void fz_connect(struct fz_session *s)
{
	char buf[4096];
	size_t n;
	int rc;

	feed_venue_ctx_reset(&s->v);
	memset(s->seen, 0, sizeof(s->seen));
	while ((rc = feed_venue_subscribe_next(&s->v, buf, sizeof(buf), &n)) == 1)
		FUZZ_CHECK(n > 0 && n < sizeof(buf));
	FUZZ_CHECK(rc == 0);
}

/* The one tick of a DATA message: well-formed, then published and read back. */
static void fz_data(struct fz_session *s, const struct feed_venue_out *out)
{
	const struct mdbus_tick *t = &out->ticks[0];
	struct mdbus_tick back;
	uint32_t ch;

	FUZZ_CHECK(out->n == 1 && out->sym < s->v.nsyms);
	FUZZ_CHECK(t->instrument == s->v.syms[out->sym].instrument);
	FUZZ_CHECK(t->kind == MDBUS_KIND_TRADE || t->kind == MDBUS_KIND_BBO);
	FUZZ_CHECK(t->recv_ts == FZ_RECV_NS && t->reserved == 0 && t->exch_ts >= 0);
	FUZZ_CHECK((t->flags & ~(MDBUS_FLAG_BUY | MDBUS_FLAG_SELL | MDBUS_FLAG_GAP |
				 MDBUS_FLAG_NO_EXCH_TS)) == 0);
	/* A time of 0 is "none", and says so; a trade always has one. */
	FUZZ_CHECK(!!(t->flags & MDBUS_FLAG_NO_EXCH_TS) == (t->exch_ts == 0));
	if (t->kind == MDBUS_KIND_TRADE)
		FUZZ_CHECK((t->flags & (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL)) != 0 &&
			   (t->flags & (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL)) !=
				   (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL));
	else
		FUZZ_CHECK(t->exch_ts == 0 && (t->flags & (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL)) == 0);
	ch = t->kind == MDBUS_KIND_TRADE ? FEED_CH_TRADES : FEED_CH_BBO;
	/* The first connection has no "before": no GAP on it. */
	FUZZ_CHECK(!!(t->flags & MDBUS_FLAG_GAP) ==
		   (s->v.st.connections > 1 && !(s->seen[out->sym] & ch)));
	s->seen[out->sym] |= (uint8_t)ch;

	uint64_t before = feed_sink_instr(&s->sink, t->instrument)->ticks;
	FUZZ_CHECK(feed_sink_publish(&s->sink, out->ticks, out->n, 1) == 0);
	FUZZ_CHECK(feed_sink_instr(&s->sink, t->instrument)->ticks == before + 1);
	FUZZ_CHECK(mdbus_reader_next(s->r, &back, NULL, NULL) == 1);
	FUZZ_CHECK(memcmp(&back, t, sizeof(back)) == 0);
	FUZZ_CHECK(mdbus_reader_next(s->r, &back, NULL, NULL) == 0);
}

static void fz_message(struct fz_session *s, const uint8_t *p, size_t n)
{
	struct feed_venue_out out;
	uint64_t msgs = s->v.st.msgs, ticks = s->v.st.ticks;
	int binary = n > 0 && p[0] == 0x01;

	memset(&out, 0, sizeof(out));
	out.ticks = fz_ticks;
	out.cap = sizeof(fz_ticks) / sizeof(fz_ticks[0]);
	FUZZ_CHECK(feed_venue_on_message(&s->v, p + binary, n - (size_t)binary, binary, FZ_RECV_NS,
					 &out) == 0);
	FUZZ_CHECK(out.cls > FEED_MSG_NONE && out.cls < FEED_MSG__COUNT);
	FUZZ_CHECK(s->v.st.msgs == msgs + 1 && s->v.st.ticks == ticks + out.n);
	if (out.cls != FEED_MSG_DATA)
		FUZZ_CHECK(out.n == 0);
	if (out.cls == FEED_MSG_ERROR || out.cls == FEED_MSG_REJECT ||
	    out.cls == FEED_MSG_UNKNOWN) {
		FUZZ_CHECK(out.reason != NULL && out.reason[0] != '\0');
		FUZZ_CHECK(strlen(out.reason) < FEED_VENUE_REASON_MAX);
	}
	if (out.cls == FEED_MSG_ERROR)
		FUZZ_CHECK(out.sym < s->v.nsyms || out.sym == UINT32_MAX);
	if (out.cls == FEED_MSG_ACK || out.cls == FEED_MSG_REJECT)
		FUZZ_CHECK(out.sym_count <= s->v.nsyms &&
			   out.sym_first <= s->v.nsyms - out.sym_count);
	if (out.cls == FEED_MSG_REPLY)
		FUZZ_CHECK(out.reply != NULL && out.reply_len < FEED_VENUE_REPLY_MAX);
	if (out.cls == FEED_MSG_DATA)
		fz_data(s, &out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int i = 0; i < FZ_SESSIONS; i++) {
		struct fz_session *s = &fz_s[i];
		size_t off = 0;

		fz_connect(s);
		while (off <= size) {
			const uint8_t *nl = memchr(data + off, '\n', size - off);
			size_t n = nl ? (size_t)(nl - (data + off)) : size - off;
			fz_message(s, data + off, n);
			off += n + 1;
		}
		FUZZ_CHECK(feed_venue_streams_acked(&s->v) <= s->v.nstreams);
		FUZZ_CHECK(feed_venue_streams_rejected(&s->v) <= s->v.nstreams);
		int c = feed_venue_sub_complete(&s->v);
		FUZZ_CHECK(c == 0 || c == 1);
	}
	return 0;
}
