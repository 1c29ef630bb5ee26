/* SPDX-License-Identifier: MIT */
/*
 * fuzz_venues.c: every registered venue adapter (feedd/venues/registry.c)
 * under arbitrary messages. The input's first line names the adapter
 * ("kraken"); a first line naming none picks one by its first byte. Each
 * further line is one WebSocket message (a leading 0x01 byte marks a binary
 * frame), handed to feed_venue_on_message as a session does after a new
 * connection (reset, every subscribe message built), with the tick array of
 * FEED_VENUE_TICKS_MIN and its continuation followed to the end.
 * Properties, for every adapter: a class for every message, a reason for
 * every error and reject, ticks only for the session's instruments, of a
 * known kind, never both sides, within the array; a continuation that ends;
 * subscribe messages that fit their buffer; for a venue with depth (l2),
 * book events of a session symbol, within the level scratch, positive
 * prices and quantities, and its checksum function run over them. The Binance-specific properties
 * (exact values through a real bus) are fuzz_binance.c's.
 */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "fuzz_session.h"
#include "symbol.h"
#include "venue.h"

#define FZ_MAX_VENUES	 32
#define FZ_RECV_NS	 1700000000123456789LL
#define FZ_INSTR_BASE	 500 /* instrument ids the test assigns: 500 + symbol index */
#define FZ_MAX_PIECES	 100000
#define FZ_MAX_SUBSCRIBE 1000

/* Candidates tried per adapter: the ones its native_symbol takes, up to 3. */
static const char *const fz_candidates[] = {"BTC-USDT", "ETH-USDT",	 "BTC-USD",	 "ETH-USD",
					    "SOL-USDT", "BTC-USDT-PERP", "ETH-USDT-PERP"};

struct fz_venue {
	const struct feed_venue_ops *ops;
	struct feed_venue_ctx v;
	int ok;
};

static struct fz_venue fz_v[FZ_MAX_VENUES];
static unsigned fz_nv;

static void fz_cleanup(void)
{
	for (unsigned i = 0; i < fz_nv; i++)
		feed_venue_ctx_free(&fz_v[i].v);
}

/* A session of up to 3 symbols of one market the adapter takes. */
static void fz_venue_open(struct fz_venue *f)
{
	const size_t nc = sizeof(fz_candidates) / sizeof(fz_candidates[0]);
	unsigned ch = f->ops->channels & (FEED_CH_TRADES | FEED_CH_BBO | FEED_CH_L2);

	/* Coinbase's l2 lives on another feed and wants a session of its own:
	 * then the session takes the other channels (fuzz_rest_parse and the
	 * unit tests drive its l2). */
	if (fuzz_session_open(&f->v, f->ops, fz_candidates, nc, 3, ch, 0, "fuzz_venues") < 0 &&
	    (!(ch & FEED_CH_L2) || fuzz_session_open(&f->v, f->ops, fz_candidates, nc, 3,
						     ch & ~FEED_CH_L2, 0, "fuzz_venues") < 0))
		return;
	for (uint32_t i = 0; i < f->v.nsyms; i++)
		f->v.syms[i].instrument = FZ_INSTR_BASE + i;
	f->ok = 1;
}

/* libFuzzer's signature. */
/* NOLINTNEXTLINE(readability-non-const-parameter) */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct feed_venue_ops *ops;

	(void)argc, (void)argv;
	while (fz_nv < FZ_MAX_VENUES && (ops = feed_venue_at(fz_nv)) != NULL) {
		fz_v[fz_nv].ops = ops;
		fz_venue_open(&fz_v[fz_nv]);
		fz_nv++;
	}
	FUZZ_CHECK(fz_nv > 0);
	atexit(fz_cleanup);
	return 0;
}

/* The adapter the first line names, or one picked by its first byte. */
static struct fz_venue *fz_pick(const uint8_t **p, size_t *n)
{
	const uint8_t *nl = memchr(*p, '\n', *n);
	size_t len = nl ? (size_t)(nl - *p) : *n;

	for (unsigned i = 0; i < fz_nv; i++) {
		if (strlen(fz_v[i].ops->name) == len && memcmp(fz_v[i].ops->name, *p, len) == 0) {
			*p += nl ? len + 1 : len;
			*n -= nl ? len + 1 : len;
			return &fz_v[i];
		}
	}
	return fz_nv ? &fz_v[(*n ? (*p)[0] : 0) % fz_nv] : NULL;
}

/* A new connection: reset and every subscribe message, each fitting. */
static void fz_connect(struct fz_venue *f)
{
	char buf[8192];
	size_t len;
	int rc, k = 0;

	feed_venue_ctx_reset(&f->v);
	while ((rc = feed_venue_subscribe_next(&f->v, buf, sizeof(buf), &len)) == 1 &&
	       ++k < FZ_MAX_SUBSCRIBE)
		FUZZ_CHECK(len > 0 && len < sizeof(buf));
	FUZZ_CHECK(rc >= 0);
}

static void fz_check_out(const struct fz_venue *f, const struct feed_venue_out *out)
{
	FUZZ_CHECK((unsigned)out->cls < FEED_MSG__COUNT);
	if (out->cls == FEED_MSG_ERROR || out->cls == FEED_MSG_REJECT)
		FUZZ_CHECK(out->reason != NULL);
	if (out->cls == FEED_MSG_BOOK) {
		const struct feed_book_ev *b = out->book;

		FUZZ_CHECK(b == &f->v.book && b->sym < f->v.nsyms);
		FUZZ_CHECK(b->kind == FEED_BOOK_DELTA || b->kind == FEED_BOOK_SNAPSHOT);
		FUZZ_CHECK((uint64_t)b->nbids + b->nasks <= f->v.lv_cap);
		FUZZ_CHECK(b->nbids == 0 ||
			   (b->bids >= f->v.lv && b->bids + b->nbids <= f->v.lv + f->v.lv_cap));
		FUZZ_CHECK(b->nasks == 0 ||
			   (b->asks >= f->v.lv && b->asks + b->nasks <= f->v.lv + f->v.lv_cap));
		for (uint32_t k = 0; k < b->nbids; k++)
			FUZZ_CHECK(b->bids[k].px > 0 && b->bids[k].qty >= 0);
		for (uint32_t k = 0; k < b->nasks; k++)
			FUZZ_CHECK(b->asks[k].px > 0 && b->asks[k].qty >= 0);
		if (f->ops->book.checksum)
			(void)f->ops->book.checksum(&f->v, b->sym, b->bids, b->nbids, b->asks,
						    b->nasks);
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
			   t->instrument < FZ_INSTR_BASE + f->v.nsyms);
		FUZZ_CHECK(t->kind == MDBUS_KIND_TRADE || t->kind == MDBUS_KIND_BBO ||
			   t->kind == MDBUS_KIND_L2);
		FUZZ_CHECK(sides != (MDBUS_FLAG_BUY | MDBUS_FLAG_SELL));
		FUZZ_CHECK(t->recv_ts == FZ_RECV_NS);
	}
}

/* One message, its continuation followed to the end. */
static void fz_message(struct fz_venue *f, const uint8_t *p, size_t n, int binary)
{
	struct mdbus_tick ticks[FEED_VENUE_TICKS_MIN];
	struct feed_venue_out out;
	int pieces = 0;

	do {
		memset(&out, 0, sizeof(out));
		out.ticks = ticks;
		out.cap = FEED_VENUE_TICKS_MIN;
		FUZZ_CHECK(feed_venue_on_message(&f->v, p, n, binary, FZ_RECV_NS, &out) == 0);
		fz_check_out(f, &out);
		FUZZ_CHECK(++pieces < FZ_MAX_PIECES);
	} while (out.more);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_venue *f = fz_pick(&data, &size);
	const uint8_t *p = data, *end = data + size;

	if (!f || !f->ok)
		return 0;
	fz_connect(f);
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *e = nl ? nl : end;
		int binary = p < e && p[0] == 0x01;

		fz_message(f, p + binary, (size_t)(e - p) - (size_t)binary, binary);
		p = nl ? nl + 1 : end;
	}
	return 0;
}
