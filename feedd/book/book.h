/* SPDX-License-Identifier: MIT */
/*
 * book.h: one instrument's local L2 book (no I/O, no allocation after
 * feed_book_init). Each side is a sorted array of levels with the BEST level
 * LAST, so a change near the top moves few bytes; the array sits in a window
 * of twice the capacity so that dropping the worst level (truncation) is a
 * base shift, not a move of the whole side.
 *
 * Quantities are absolute (qty 0 removes a level). The book keeps at most
 * `cap` levels per side; a level that does not fit drops the worst one.
 * Truncation makes the deep end untrustworthy: once a level was dropped, a
 * level the venue still has below the worst one we kept may be missing when
 * the top thins out. feed_book_trusted() counts the levels that are exact
 * (strictly better than the best level ever dropped since the last
 * snapshot); the published view never goes past them.
 */
#ifndef FEED_BOOK_H
#define FEED_BOOK_H

#include <stddef.h>
#include <stdint.h>

#include "mdbus.h"
#include "venue.h"

struct feed_book_side {
	struct mdbus_book_level *lv; /* 2 * cap entries; levels at [base, base + n) */
	uint16_t *dp;		     /* px_dp | qty_dp << 8, parallel to lv */
	uint32_t base, n;
	uint8_t neg;	  /* asks: compare -price, so "better" is always "greater key" */
	uint8_t lost;	  /* a level was dropped since the last replace */
	int64_t lost_key; /* key of the best level dropped (valid when lost) */
	uint64_t dropped; /* levels dropped by truncation (counter) */
};

struct feed_book {
	struct feed_book_side bids, asks;
	uint32_t cap; /* levels per side */
};

/* Bench hook (tests/feedd/bench_book_delta.c): 1 = look levels up with the
 * plain binary search over the whole side instead of the search from the
 * best level (same answers; the baseline the benchmark compares with). */
extern int feed_book__plain_search;

/* Capacity for a venue: max(ops->max_levels, book_depth), at least 1. */
uint32_t feed_book_capacity(const struct feed_venue_book_ops *ops, uint32_t book_depth);

/* Allocates a book of cap levels per side. Returns 0, -EINVAL (cap 0) or
 * -ENOMEM. */
int feed_book_init(struct feed_book *b, uint32_t cap);
/* Frees; zeroed book / NULL: no-op. */
void feed_book_free(struct feed_book *b);
/* Empties both sides (capacity and allocations kept). */
void feed_book_clear(struct feed_book *b);

/* Sets a level: qty 0 removes it (absent: nothing happens), otherwise
 * inserts or replaces. Returns 1 when the book changed, 0 when not (removal
 * of an absent level, or a new level worse than a full side's worst). */
int feed_book_side_apply(struct feed_book_side *s, uint32_t cap, const struct feed_book_lvl *l);

/* Applies an event's levels (bids then asks). Returns levels changed. */
uint32_t feed_book_apply(struct feed_book *b, const struct feed_book_lvl *bids, uint32_t nb,
			 const struct feed_book_lvl *asks, uint32_t na);

/* Replaces the whole book from a snapshot whose levels come in any order
 * (sorted best-first or best-last is the fast path; duplicates: the later
 * wins; qty 0 ignored). Keeps the best cap levels per side. */
void feed_book_replace(struct feed_book *b, const struct feed_book_lvl *bids, uint32_t nb,
		       const struct feed_book_lvl *asks, uint32_t na);

/* Levels of the side that are exact (see the top comment). */
uint32_t feed_book_trusted(const struct feed_book_side *s);

/* 1 when best bid >= best ask (both sides non-empty), else 0. Inline: the
 * engine asks after every delta. */
static inline int feed_book_crossed(const struct feed_book *b)
{
	const struct feed_book_side *bs = &b->bids, *as = &b->asks;

	if (!bs->n || !as->n)
		return 0;
	return bs->lv[bs->base + bs->n - 1].price >= as->lv[as->base + as->n - 1].price;
}

/* Copies the top k levels (best first, with px_dp/qty_dp) into out.
 * Returns the count (<= k). */
uint32_t feed_book_top(const struct feed_book_side *s, struct feed_book_lvl *out, uint32_t k);

/* The i-th best level (0 = best); NULL past the end. */
const struct mdbus_book_level *feed_book_level(const struct feed_book_side *s, uint32_t i);

/* A view of the side for mdbus_writer_book_publish: at most max levels (and
 * never past the trusted ones), best first through step -1. Inline: one
 * per side after every delta. */
static inline void feed_book_view(const struct feed_book_side *s, uint32_t max,
				  struct mdbus_book_side_view *out)
{
	uint32_t t = s->lost ? feed_book_trusted(s) : s->n;

	out->n = t < max ? t : max;
	out->step = -1;
	out->best = s->n ? &s->lv[s->base + s->n - 1] : s->lv;
}

/* CRC32 (zlib's) of n bytes continuing crc (start with 0), for adapters'
 * checksum ops. */
uint32_t feed_book_crc32(const char *p, size_t n, uint32_t crc);

#endif
