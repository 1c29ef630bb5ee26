/* SPDX-License-Identifier: MIT */
/*
 * fuzz_refdata.c: every venue adapter with reference data (ops->ref.parse:
 * Binance's exchangeInfo, and whichever adapters add theirs) under
 * arbitrary answer bodies. The input's first line names the adapter
 * ("binance"); a first line naming none picks one by its first byte. The
 * rest is the body, in a buffer of exactly its size (a read past the end is
 * a sanitizer report), as the REST client hands it over. Properties: the
 * answer is 0 or -EBADMSG with a reason; every entry of the answer is
 * either untouched (zero) or found, with decimals of at most 18 and no
 * negative step or contract size; a request formats into its buffer or
 * says -ENOBUFS, never past it.
 */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "fuzz_session.h"
#include "symbol.h"
#include "venue.h"

#define FZ_MAX_VENUES 32

/* Candidates per adapter: the ones its native_symbol takes, one market. */
static const char *const fz_candidates[] = {"BTC-USDT", "ETH-USDT", "BTC-USDT-PERP",
					    "ETH-USDT-PERP"};

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

static void fz_venue_open(struct fz_venue *f)
{
	f->ok = fuzz_session_open(&f->v, f->ops, fz_candidates,
				  sizeof(fz_candidates) / sizeof(fz_candidates[0]), 2,
				  f->ops->channels & FEED_CH_TRADES ? FEED_CH_TRADES
								    : f->ops->channels,
				  0, "fuzz_refdata") == 0;
}

/* libFuzzer's signature. */
/* NOLINTNEXTLINE(readability-non-const-parameter) */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct feed_venue_ops *ops;

	(void)argc, (void)argv;
	for (unsigned k = 0; (ops = feed_venue_at(k)) != NULL; k++) {
		if (!ops->ref.parse || fz_nv == FZ_MAX_VENUES)
			continue;
		FUZZ_CHECK(ops->ref.request != NULL && ops->ref.weight >= 1);
		fz_v[fz_nv].ops = ops;
		fz_venue_open(&fz_v[fz_nv]);
		FUZZ_CHECK(fz_v[fz_nv].ok);
		fz_nv++;
	}
	FUZZ_CHECK(fz_nv >= 1); /* binance at least */
	atexit(fz_cleanup);
	return 0;
}

/* The adapter the first line names, or one picked by its first byte. */
static struct fz_venue *fz_pick(const uint8_t **p, size_t *n)
{
	const uint8_t *nl = memchr(*p, '\n', *n);
	size_t len = nl ? (size_t)(nl - *p) : *n;

	for (unsigned i = 0; nl && i < fz_nv; i++) {
		if (strlen(fz_v[i].ops->name) == len && !memcmp(fz_v[i].ops->name, *p, len)) {
			*n -= len + 1;
			*p = nl + 1;
			return &fz_v[i];
		}
	}
	return &fz_v[*n && fz_nv ? **p % fz_nv : 0];
}

static void fz_check_ref(const struct feed_ref_instr *r)
{
	if (!r->found) {
		FUZZ_CHECK(r->tick == 0 && r->lot == 0 && r->contract == 0);
		return;
	}
	FUZZ_CHECK(r->found == 1 && r->tick >= 0 && r->lot >= 0 && r->contract >= 0);
	FUZZ_CHECK(r->tick_dp <= MDBUS_DECIMALS_MAX && r->lot_dp <= MDBUS_DECIMALS_MAX &&
		   r->contract_dp <= MDBUS_DECIMALS_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_ref_instr ref[2];
	struct fz_venue *f;
	char path[64];
	uint8_t *body;
	size_t n = 0;
	int rc;

	if (!fz_nv)
		LLVMFuzzerInitialize(NULL, NULL);
	f = fz_pick(&data, &size);
	body = malloc(size ? size : 1);
	FUZZ_CHECK(body != NULL);
	memcpy(body, data, size);
	memset(ref, 0, sizeof(ref));
	f->v.reason[0] = '\0';
	rc = f->ops->ref.parse(&f->v, 0, body, size, ref);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG);
	if (rc < 0)
		FUZZ_CHECK(f->v.reason[0] != '\0');
	for (uint32_t i = 0; rc == 0 && i < f->v.nsyms; i++)
		fz_check_ref(&ref[i]);
	/* a short buffer: -ENOBUFS or a request that fits, never an overrun */
	rc = f->ops->ref.request(&f->v, 0, path, size % sizeof(path) + 1, &n);
	FUZZ_CHECK(rc == 1 || rc == -ENOBUFS);
	if (rc == 1)
		FUZZ_CHECK(n < size % sizeof(path) + 1 && path[n] == '\0');
	free(body);
	return 0;
}
