/* SPDX-License-Identifier: MIT */
/*
 * book_check.h: a book whose every state is a function of its version, for
 * the book tests (test_book, test_book_tsan, test_book_stress, bench_book).
 *
 * Version v (v >= 1, published as update_id v) changes the levels from
 * bc_first(v) = v % 4 down (level 0..3 first), so the library's "rewrite from
 * the first changed level" path runs; level k of version V therefore holds
 * the content of bc_lastv(V, k), the newest version <= V that rewrote it.
 * Prices are strictly monotone whatever the versions of the levels (bids
 * 1e9 - 100 k + u % 50, asks 1e9 + 100 + 100 k + u % 50), quantities a hash
 * of (version, level, side), counts vary with v. A reader that gets levels of
 * two versions (a torn book) fails bc_verify.
 */
#ifndef MDBUS_TEST_BOOK_CHECK_H
#define MDBUS_TEST_BOOK_CHECK_H

#include <stdint.h>
#include <string.h>

#include "mdbus.h"

static inline uint64_t bc_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static inline uint32_t bc_first(uint64_t v)
{
	return (uint32_t)(v % 4);
}

/* Newest version <= v that rewrote level k (0: the base every level has). */
static inline uint64_t bc_lastv(uint64_t v, uint32_t k)
{
	for (; v > 0; v--)
		if (bc_first(v) <= k)
			return v;
	return 0;
}

static inline uint32_t bc_nbids(uint64_t v, uint32_t depth)
{
	uint32_t cut = (uint32_t)(v % 3);
	return depth > cut ? depth - cut : 1;
}

static inline uint32_t bc_nasks(uint64_t v, uint32_t depth)
{
	uint32_t cut = (uint32_t)(v % 2);
	return depth > cut ? depth - cut : 1;
}

static inline struct mdbus_book_level bc_level(uint64_t v, uint32_t depth, int ask, uint32_t k)
{
	uint64_t u = bc_lastv(v, k);
	(void)depth;
	struct mdbus_book_level l;
	l.price = ask ? 1000000100LL + 100LL * k + (int64_t)(u % 50)
		      : 1000000000LL - 100LL * k + (int64_t)(u % 50);
	l.qty = (int64_t)(bc_mix(u * 8192u + (uint64_t)k * 2u + (unsigned)ask) & 0xffffffffu) + 1;
	return l;
}

/* Fills bids/asks (best first, depth each) and *u for version v. */
static inline void bc_make(uint64_t v, uint32_t depth, struct mdbus_book_level *bids,
			   struct mdbus_book_level *asks, struct mdbus_book_update *u)
{
	for (uint32_t k = 0; k < depth; k++) {
		bids[k] = bc_level(v, depth, 0, k);
		asks[k] = bc_level(v, depth, 1, k);
	}
	memset(u, 0, sizeof(*u));
	u->status = MDBUS_BOOK_LIVE;
	u->checksum = (uint32_t)(v % 3);
	u->update_id = v;
	u->exch_ts = (int64_t)v * 1000;
	u->recv_ts = (int64_t)bc_mix(v) >> 1;
	u->resyncs = v / 100;
	u->checksum_fails = v / 1000;
	u->bids = (struct mdbus_book_side_view){.best = bids, .step = 1, .n = bc_nbids(v, depth)};
	u->asks = (struct mdbus_book_side_view){.best = asks, .step = 1, .n = bc_nasks(v, depth)};
}

/* 0 if s (read with `want` levels from a book of depth levels) is exactly
 * version s->update_id of the scheme; else the number of the failed rule. */
static inline int bc_verify(const struct mdbus_book_snapshot *s, uint32_t depth, uint32_t want)
{
	uint64_t v = s->update_id;
	uint32_t n = want == 0 || want > depth ? depth : want;
	uint32_t nb = bc_nbids(v, depth), na = bc_nasks(v, depth);
	if (v == 0)
		return s->nbids == 0 && s->nasks == 0 && s->version == 0 ? 0 : 1;
	if (s->depth != depth || s->nbids != (nb < n ? nb : n) || s->nasks != (na < n ? na : n))
		return 2;
	if (s->status != MDBUS_BOOK_LIVE || s->checksum != v % 3 ||
	    s->exch_ts != (int64_t)v * 1000 || s->recv_ts != (int64_t)bc_mix(v) >> 1 ||
	    s->resyncs != v / 100 || s->checksum_fails != v / 1000 || s->version != v)
		return 3;
	for (uint32_t k = 0; k < s->nbids; k++) {
		struct mdbus_book_level l = bc_level(v, depth, 0, k);
		if (s->bids[k].price != l.price || s->bids[k].qty != l.qty)
			return 4;
		if (k > 0 && s->bids[k].price >= s->bids[k - 1].price)
			return 5;
	}
	for (uint32_t k = 0; k < s->nasks; k++) {
		struct mdbus_book_level l = bc_level(v, depth, 1, k);
		if (s->asks[k].price != l.price || s->asks[k].qty != l.qty)
			return 6;
		if (k > 0 && s->asks[k].price <= s->asks[k - 1].price)
			return 7;
	}
	return 0;
}

#endif /* MDBUS_TEST_BOOK_CHECK_H */
