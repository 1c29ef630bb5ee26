/* SPDX-License-Identifier: MIT */
/*
 * vref.h: what the adapters' reference-data parsers (ops->ref) share
 * (vref.c): a published step as a mantissa and its decimals, a "decimal
 * places" integer as a step, the session symbol a name belongs to, the
 * request paths (one per market, one per symbol, or symbol lists) and the
 * walk over a list answer. Parsers return 0 or -EBADMSG with the reason in
 * v->reason; none allocates.
 */
#ifndef FEED_VREF_H
#define FEED_VREF_H

#include <stddef.h>
#include <stdint.h>

#include "venue.h"
#include "vrest.h" /* IWYU pragma: export (feed_vrest_fmt for the request paths) */

/* Symbols per request of a symbol-list query (MEXC symbols=): at most
 * 20 natives of MDBUS_SYMBOL_MAX bytes fit a 1 KB request path. */
#define FEED_VREF_LIST_MAX 20u

/* A decimal step ("0.01000000", "1e-8", or a bare JSON number) as a
 * mantissa at dp decimals, the fraction's trailing zeros stripped
 * ("0.01000000" -> 1 at 2, "10" -> 10 at 0). Negative values, more than 18
 * significant digits or 18 decimals are refused. Returns 0 or -EINVAL. */
int feed_vref_dec_text(const char *p, size_t n, int64_t *mant, uint8_t *dp);
/* The same for a JSON value (a plain string or, with num, a number). */
int feed_vref_dec(const struct feed_json_val *f, int num, int64_t *mant, uint8_t *dp);

/* A "decimal places" integer n (a number, or a string of digits; 0..18)
 * as the step 10^-n: 1 at n. Returns 0 or -EINVAL. */
int feed_vref_places(const struct feed_json_val *f, int64_t *mant, uint8_t *dp);

/* The session symbol whose native name is the JSON string f (exact bytes)
 * and whose market is `market` (enum mdbus_market; -1 any). Returns 0 with
 * *idx, or -ENOENT. */
int feed_vref_find(const struct feed_venue_ctx *v, const struct feed_json_val *f, int market,
		   uint32_t *idx);

/* Sets v->reason to "reference data: <what>" and returns -EBADMSG. */
int feed_vref_bad(struct feed_venue_ctx *v, const char *what);

/* Request k as one per market type present in the session, in the order of
 * markets[0..nm): the k-th of them that some symbol has. Returns its index
 * in markets, or -1 when there is no request k. */
int feed_vref_market_of(const struct feed_venue_ctx *v, uint32_t k, const uint8_t *markets,
			uint32_t nm);

/* Request k as one per symbol: 0 when k < v->nsyms, else -1. */
static inline int feed_vref_sym_of(const struct feed_venue_ctx *v, uint32_t k)
{
	return k < v->nsyms ? 0 : -1;
}

/*
 * Request k as a symbol list: prefix, then the natives of the k-th run of
 * FEED_VREF_LIST_MAX session symbols joined by ',', into buf. Returns 1,
 * 0 (no request k) or -ENOBUFS.
 */
int feed_vref_list_path(const struct feed_venue_ctx *v, uint32_t k, const char *prefix, char *buf,
			size_t len, size_t *n);

/*
 * Calls fill(v, i, vals, &ref[i]) for each object of the array arr (or for
 * arr itself when it is one object) whose member keys[0] names a session
 * symbol of market `market` (-1 any); vals holds the object's members as
 * feed_json_scan reads keys[0..nkeys) (at most 16). Elements naming no
 * session symbol are skipped; an element that is not an object, or a fill
 * error, stops the walk. Marks ref[i].found. Returns 0 or -EBADMSG.
 */
typedef int (*feed_vref_fill_fn)(struct feed_venue_ctx *v, uint32_t i,
				 const struct feed_json_val *vals, struct feed_ref_instr *r);
int feed_vref_each(struct feed_venue_ctx *v, const struct feed_json_val *arr, int market,
		   const struct feed_json_key *keys, size_t nkeys, feed_vref_fill_fn fill,
		   struct feed_ref_instr *ref);

/* The member key of the body's top-level object into *out (any type).
 * Returns 0, or -EBADMSG (not an object, or no such member: "<what>"). */
int feed_vref_member(struct feed_venue_ctx *v, const uint8_t *body, size_t n, const char *key,
		     struct feed_json_val *out);

/* Binance-style filters (an array of {"filterType": ..}): tickSize of
 * PRICE_FILTER and stepSize of LOT_SIZE into r. Returns 0 or -EBADMSG. */
int feed_vref_binance_filters(struct feed_venue_ctx *v, const struct feed_json_val *arr,
			      struct feed_ref_instr *r);

#endif /* FEED_VREF_H */
