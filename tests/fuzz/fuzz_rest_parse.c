/* SPDX-License-Identifier: MIT */
/*
 * fuzz_rest_parse.c: every venue adapter with a REST depth snapshot
 * (ops->book.rest_parse: Binance, Binance USD-M futures, Gate, MEXC, OKX)
 * under arbitrary response bodies. The input's first line names the
 * adapter ("okx"); a first line naming none picks one by its first byte.
 * The rest is the body, handed over in a buffer of exactly its size (so a
 * read past the end is a sanitizer report), as the REST client does.
 * Properties: the answer is 0, -EBADMSG or -EMSGSIZE, with a reason on
 * error; a snapshot event of the symbol asked for, its levels inside the
 * level scratch, positive prices and quantities not negative; a symbol out
 * of range is refused; the request path fits its buffer. A parsed snapshot
 * then goes through the sync engine (feedd/book/sync.c) as the session
 * will hand it over: a LIVE book has bids strictly falling, asks strictly
 * rising, and is not crossed.
 */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "fuzz_session.h"
#include "symbol.h"
#include "sync.h"
#include "venue.h"

#define FZ_MAX_VENUES 32
#define FZ_TICKS      64

/* Candidates tried per adapter: the ones its native_symbol takes, up to 2. */
static const char *const fz_candidates[] = {"BTC-USDT", "ETH-USDT", "BTC-USDT-PERP",
					    "ETH-USDT-PERP"};

struct fz_venue {
	const struct feed_venue_ops *ops;
	struct feed_venue_ctx v;
	struct feed_book_sync_ctx s;
	int ok;
};

static struct fz_venue fz_v[FZ_MAX_VENUES];
static unsigned fz_nv;
static struct mdbus_tick fz_ticks[FZ_TICKS];

static void fz_cleanup(void)
{
	for (unsigned i = 0; i < fz_nv; i++) {
		feed_book_sync_free(&fz_v[i].s);
		feed_venue_ctx_free(&fz_v[i].v);
	}
}

static void fz_ticks_cb(void *user, const struct mdbus_tick *t, uint32_t n)
{
	(void)user;
	FUZZ_CHECK(n >= 1 && n <= FZ_TICKS);
	for (uint32_t i = 0; i < n; i++)
		FUZZ_CHECK(t[i].kind == MDBUS_KIND_L2);
}

/* A session of up to 2 symbols of one market, l2 only, book_depth 50. */
static void fz_venue_open(struct fz_venue *f)
{
	static const struct feed_book_cb cb = {.ticks = fz_ticks_cb};
	struct feed_book_sync_params p = {.book_depth = 50};

	if (fuzz_session_open(&f->v, f->ops, fz_candidates,
			      sizeof(fz_candidates) / sizeof(fz_candidates[0]), 2, FEED_CH_L2,
			      p.book_depth, "fuzz_rest_parse") < 0)
		return;
	if (feed_book_sync_init(&f->s, &f->ops->book, &f->v, f->v.nsyms, &p, &cb, fz_ticks,
				FZ_TICKS) < 0) {
		fprintf(stderr, "fuzz_rest_parse: %s: no sync engine\n", f->ops->name);
		return;
	}
	f->ok = 1;
}

/* libFuzzer's signature. */
/* NOLINTNEXTLINE(readability-non-const-parameter) */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct feed_venue_ops *ops;

	(void)argc, (void)argv;
	for (unsigned k = 0; (ops = feed_venue_at(k)) != NULL; k++) {
		if (!ops->book.rest_parse || fz_nv == FZ_MAX_VENUES)
			continue;
		FUZZ_CHECK(ops->book.rest_snapshot != NULL);
		fz_v[fz_nv].ops = ops;
		fz_venue_open(&fz_v[fz_nv]);
		FUZZ_CHECK(fz_v[fz_nv].ok);
		fz_nv++;
	}
	FUZZ_CHECK(fz_nv >= 5); /* binance, binance-futures, gateio, mexc, okx */
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

static void fz_check_ev(const struct fz_venue *f, uint32_t sym, const struct feed_book_ev *ev)
{
	const struct feed_venue_ctx *v = &f->v;

	FUZZ_CHECK(ev->kind == FEED_BOOK_SNAPSHOT && ev->sym == sym);
	FUZZ_CHECK((uint64_t)ev->nbids + ev->nasks <= v->lv_cap);
	FUZZ_CHECK(ev->nbids == 0 ||
		   (ev->bids >= v->lv && ev->bids + ev->nbids <= v->lv + v->lv_cap));
	FUZZ_CHECK(ev->nasks == 0 ||
		   (ev->asks >= v->lv && ev->asks + ev->nasks <= v->lv + v->lv_cap));
	for (uint32_t k = 0; k < ev->nbids; k++)
		FUZZ_CHECK(ev->bids[k].px > 0 && ev->bids[k].qty >= 0);
	for (uint32_t k = 0; k < ev->nasks; k++)
		FUZZ_CHECK(ev->asks[k].px > 0 && ev->asks[k].qty >= 0);
}

/* The snapshot through the engine: a LIVE book is ordered and not crossed. */
static void fz_sync(struct fz_venue *f, uint32_t sym, const struct feed_book_ev *ev)
{
	struct mdbus_book_update u;

	FUZZ_CHECK(feed_book_sync_start(&f->s, sym) == 0);
	FUZZ_CHECK(feed_book_sync_rest(&f->s, ev) == 0);
	FUZZ_CHECK(feed_book_sync_view(&f->s, sym, &u) == 0);
	if (u.status != MDBUS_BOOK_LIVE)
		return;
	FUZZ_CHECK(u.bids.n <= f->s.depth && u.asks.n <= f->s.depth);
	for (uint32_t k = 1; k < u.bids.n; k++)
		FUZZ_CHECK(u.bids.best[(int64_t)k * u.bids.step].price <
			   u.bids.best[(int64_t)(k - 1) * u.bids.step].price);
	for (uint32_t k = 1; k < u.asks.n; k++)
		FUZZ_CHECK(u.asks.best[(int64_t)k * u.asks.step].price >
			   u.asks.best[(int64_t)(k - 1) * u.asks.step].price);
	if (u.bids.n && u.asks.n)
		FUZZ_CHECK(u.bids.best->price < u.asks.best->price);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_venue *f = fz_pick(&data, &size);
	struct feed_book_ev ev;
	char path[512];
	size_t plen = 0;
	uint8_t *body;
	uint32_t sym;
	int rc;

	if (!f || !f->ok)
		return 0;
	sym = size ? data[size - 1] % f->v.nsyms : 0;
	FUZZ_CHECK(f->ops->book.rest_snapshot(&f->v, sym, path, sizeof(path), &plen) == 0);
	FUZZ_CHECK(plen > 0 && plen < sizeof(path) && path[0] == '/');
	body = malloc(size ? size : 1); /* exactly the body: no terminator to lean on */
	FUZZ_CHECK(body != NULL);
	memcpy(body, data, size);
	f->v.reason[0] = '\0';
	memset(&ev, 0xa5, sizeof(ev));
	rc = f->ops->book.rest_parse(&f->v, sym, body, size, &ev);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG || rc == -EMSGSIZE);
	if (rc < 0) {
		FUZZ_CHECK(f->v.reason[0] != '\0');
	} else {
		fz_check_ev(f, sym, &ev);
		fz_sync(f, sym, &ev);
	}
	rc = f->ops->book.rest_parse(&f->v, f->v.nsyms, body, size, &ev);
	FUZZ_CHECK(rc < 0);
	free(body);
	return 0;
}
