/* SPDX-License-Identifier: MIT */
/*
 * book.c: one instrument's local book (see book.h). Each side's levels sit
 * in a window of 2 * cap entries; [base, base + n) holds them sorted by key
 * ascending (key = price for bids, -price for asks), so the best is last. A
 * change moves the levels on the shorter side of its position (toward the
 * top or toward the bottom), and the window is re-centred when one end runs
 * out of room.
 */
#include "book.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static inline int64_t feed_book_key(const struct feed_book_side *s, int64_t px)
{
	return s->neg ? -px : px;
}

static inline uint16_t feed_book_dp(const struct feed_book_lvl *l)
{
	return (uint16_t)(l->px_dp | (uint16_t)l->qty_dp << 8);
}

/* First index in [0, n) whose key is >= k (n if none). */
static uint32_t feed_book_lower(const struct feed_book_side *s, int64_t k)
{
	const struct mdbus_book_level *lv = s->lv + s->base;
	uint32_t lo = 0, hi = s->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (feed_book_key(s, lv[mid].price) < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int feed_book__plain_search; /* book.h */

/*
 * The same answer as feed_book_lower, searched from the best end: levels
 * n-1, n-2, n-4, n-8, ... until one is below k, then a binary search in the
 * last step. A change p levels from the best costs about 2 log2(p + 1)
 * compares instead of log2(n): venues change the top most.
 */
static uint32_t feed_book_lower_top(const struct feed_book_side *s, int64_t k)
{
	const struct mdbus_book_level *lv = s->lv + s->base;
	uint32_t n = s->n, lo = 0, hi = n, d = 1;

	if (__builtin_expect(feed_book__plain_search, 0))
		return feed_book_lower(s, k);
	while (d <= n) {
		if (feed_book_key(s, lv[n - d].price) < k) {
			lo = n - d + 1;
			break;
		}
		hi = n - d;
		d <<= 1;
	}
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (feed_book_key(s, lv[mid].price) < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t feed_book_capacity(const struct feed_venue_book_ops *ops, uint32_t book_depth)
{
	uint32_t cap = ops ? ops->max_levels : 0;

	if (book_depth > cap)
		cap = book_depth;
	return cap ? cap : 1;
}

static int feed_book_side_init(struct feed_book_side *s, uint32_t cap, int neg)
{
	memset(s, 0, sizeof(*s));
	s->lv = calloc((size_t)cap * 2, sizeof(*s->lv));
	s->dp = calloc((size_t)cap * 2, sizeof(*s->dp));
	if (!s->lv || !s->dp)
		return -ENOMEM;
	s->neg = (uint8_t)neg;
	s->base = cap;
	return 0;
}

int feed_book_init(struct feed_book *b, uint32_t cap)
{
	memset(b, 0, sizeof(*b));
	if (!cap)
		return -EINVAL;
	b->cap = cap;
	if (feed_book_side_init(&b->bids, cap, 0) < 0 ||
	    feed_book_side_init(&b->asks, cap, 1) < 0) {
		feed_book_free(b);
		return -ENOMEM;
	}
	return 0;
}

void feed_book_free(struct feed_book *b)
{
	if (!b)
		return;
	free(b->bids.lv);
	free(b->bids.dp);
	free(b->asks.lv);
	free(b->asks.dp);
	memset(b, 0, sizeof(*b));
}

static void feed_book_side_clear(struct feed_book_side *s, uint32_t cap)
{
	s->n = 0;
	s->base = cap;
	s->lost = 0;
	s->lost_key = 0;
}

void feed_book_clear(struct feed_book *b)
{
	feed_book_side_clear(&b->bids, b->cap);
	feed_book_side_clear(&b->asks, b->cap);
}

static void feed_book_lose(struct feed_book_side *s, int64_t k)
{
	if (!s->lost || k > s->lost_key)
		s->lost_key = k;
	s->lost = 1;
	s->dropped++;
}

/* Moves the n levels to the middle of the window. */
static void feed_book_recentre(struct feed_book_side *s, uint32_t cap)
{
	uint32_t nb = (2 * cap - s->n) / 2;

	memmove(s->lv + nb, s->lv + s->base, (size_t)s->n * sizeof(*s->lv));
	memmove(s->dp + nb, s->dp + s->base, (size_t)s->n * sizeof(*s->dp));
	s->base = nb;
}

static void feed_book_remove_at(struct feed_book_side *s, uint32_t pos)
{
	uint32_t b = s->base;

	if (pos < s->n - pos - 1) { /* fewer below: shift the bottom up */
		memmove(s->lv + b + 1, s->lv + b, (size_t)pos * sizeof(*s->lv));
		memmove(s->dp + b + 1, s->dp + b, (size_t)pos * sizeof(*s->dp));
		s->base++;
	} else {
		uint32_t tail = s->n - pos - 1;

		memmove(s->lv + b + pos, s->lv + b + pos + 1, (size_t)tail * sizeof(*s->lv));
		memmove(s->dp + b + pos, s->dp + b + pos + 1, (size_t)tail * sizeof(*s->dp));
	}
	s->n--;
}

/* Inserts at pos (n < cap): opens the gap on the shorter side. */
static void feed_book_insert_at(struct feed_book_side *s, uint32_t cap, uint32_t pos,
				const struct feed_book_lvl *l)
{
	int down = pos < s->n - pos;

	if ((down && s->base == 0) || (!down && s->base + s->n == 2 * cap))
		feed_book_recentre(s, cap);
	if (down) {
		memmove(s->lv + s->base - 1, s->lv + s->base, (size_t)pos * sizeof(*s->lv));
		memmove(s->dp + s->base - 1, s->dp + s->base, (size_t)pos * sizeof(*s->dp));
		s->base--;
	} else {
		uint32_t at = s->base + pos, tail = s->n - pos;

		memmove(s->lv + at + 1, s->lv + at, (size_t)tail * sizeof(*s->lv));
		memmove(s->dp + at + 1, s->dp + at, (size_t)tail * sizeof(*s->dp));
	}
	s->lv[s->base + pos].price = l->px;
	s->lv[s->base + pos].qty = l->qty;
	s->dp[s->base + pos] = feed_book_dp(l);
	s->n++;
}

int feed_book_side_apply(struct feed_book_side *s, uint32_t cap, const struct feed_book_lvl *l)
{
	int64_t k = feed_book_key(s, l->px);
	uint32_t pos = feed_book_lower_top(s, k);
	int found = pos < s->n && s->lv[s->base + pos].price == l->px;

	if (l->qty == 0) {
		if (!found)
			return 0;
		feed_book_remove_at(s, pos);
		return 1;
	}
	if (found) {
		s->lv[s->base + pos].qty = l->qty;
		s->dp[s->base + pos] = feed_book_dp(l);
		return 1;
	}
	if (s->n == cap) {
		if (pos == 0) { /* worse than every level of a full side */
			feed_book_lose(s, k);
			return 0;
		}
		feed_book_lose(s, feed_book_key(s, s->lv[s->base].price));
		s->base++;
		s->n--;
		pos--;
	}
	feed_book_insert_at(s, cap, pos, l);
	return 1;
}

uint32_t feed_book_apply(struct feed_book *b, const struct feed_book_lvl *bids, uint32_t nb,
			 const struct feed_book_lvl *asks, uint32_t na)
{
	uint32_t changed = 0;

	for (uint32_t i = 0; i < nb; i++)
		changed += (uint32_t)feed_book_side_apply(&b->bids, b->cap, &bids[i]);
	for (uint32_t i = 0; i < na; i++)
		changed += (uint32_t)feed_book_side_apply(&b->asks, b->cap, &asks[i]);
	return changed;
}

/* 1: strictly best-first, 2: strictly best-last, 0: neither (or a qty 0). */
static int feed_book_order(const struct feed_book_side *s, const struct feed_book_lvl *in,
			   uint32_t n)
{
	int down = 1, up = 1;

	for (uint32_t i = 0; i < n; i++) {
		if (in[i].qty <= 0)
			return 0;
		if (i == 0)
			continue;
		int64_t a = feed_book_key(s, in[i - 1].px), c = feed_book_key(s, in[i].px);

		down &= a > c;
		up &= a < c;
	}
	return down ? 1 : up ? 2 : 0;
}

static void feed_book_put(struct feed_book_side *s, uint32_t at, const struct feed_book_lvl *l)
{
	s->lv[at].price = l->px;
	s->lv[at].qty = l->qty;
	s->dp[at] = feed_book_dp(l);
}

static void feed_book_side_replace(struct feed_book_side *s, uint32_t cap,
				   const struct feed_book_lvl *in, uint32_t n)
{
	int order = feed_book_order(s, in, n);
	uint32_t m = n < cap ? n : cap;

	feed_book_side_clear(s, cap);
	if (!order) {
		for (uint32_t i = 0; i < n; i++)
			feed_book_side_apply(s, cap, &in[i]);
		return;
	}
	s->base = (2 * cap - m) / 2;
	s->n = m;
	for (uint32_t i = 0; i < m; i++) {
		if (order == 1)
			feed_book_put(s, s->base + m - 1 - i, &in[i]);
		else
			feed_book_put(s, s->base + i, &in[n - m + i]);
	}
	if (n > m) {
		s->lost = 1;
		s->lost_key = feed_book_key(s, order == 1 ? in[m].px : in[n - m - 1].px);
		s->dropped += n - m;
	}
}

void feed_book_replace(struct feed_book *b, const struct feed_book_lvl *bids, uint32_t nb,
		       const struct feed_book_lvl *asks, uint32_t na)
{
	feed_book_side_replace(&b->bids, b->cap, bids, nb);
	feed_book_side_replace(&b->asks, b->cap, asks, na);
}

uint32_t feed_book_trusted(const struct feed_book_side *s)
{
	if (!s->lost)
		return s->n;
	if (s->lost_key == INT64_MAX)
		return 0;
	return s->n - feed_book_lower(s, s->lost_key + 1);
}

uint32_t feed_book_top(const struct feed_book_side *s, struct feed_book_lvl *out, uint32_t k)
{
	uint32_t m = k < s->n ? k : s->n;

	for (uint32_t i = 0; i < m; i++) {
		uint32_t at = s->base + s->n - 1 - i;

		out[i].px = s->lv[at].price;
		out[i].qty = s->lv[at].qty;
		out[i].px_dp = (uint8_t)(s->dp[at] & 0xff);
		out[i].qty_dp = (uint8_t)(s->dp[at] >> 8);
	}
	return m;
}

const struct mdbus_book_level *feed_book_level(const struct feed_book_side *s, uint32_t i)
{
	return i < s->n ? &s->lv[s->base + s->n - 1 - i] : NULL;
}

uint32_t feed_book_crc32(const char *p, size_t n, uint32_t crc)
{
	uLong c = crc;

	while (n) {
		uInt chunk = n > 0x40000000u ? 0x40000000u : (uInt)n;

		c = crc32(c, (const Bytef *)p, chunk);
		p += chunk;
		n -= chunk;
	}
	return (uint32_t)c;
}
