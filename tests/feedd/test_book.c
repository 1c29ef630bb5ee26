/* SPDX-License-Identifier: MIT */
/* test_book.c: the local book (feedd/book/book.c): ordering, apply, replace,
 * truncation and trust, crossed, top-K, the publish view, CRC32. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "book.h"
#include "helpers.h"

static struct feed_book_lvl L(int64_t px, int64_t qty) {
	struct feed_book_lvl l = {px, qty, 1, 2};

	return l;
}

/* Asserts the side holds exactly the n (price, qty) pairs, best first. */
static void
side_is(const struct feed_book_side *s, const int64_t (*want)[2], uint32_t n, int line)
{
	if (s->n != n) {
		fprintf(stderr, "line %d: side has %u levels, expected %u\n", line, s->n, n);
		feed_test_failures++;
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct mdbus_book_level *l = feed_book_level(s, i);

		if (!l || l->price != want[i][0] || l->qty != want[i][1]) {
			fprintf(stderr, "line %d: level %u is %lld@%lld, expected %lld@%lld\n",
				line, i, l ? (long long)l->qty : -1, l ? (long long)l->price : -1,
				(long long)want[i][1], (long long)want[i][0]);
			feed_test_failures++;
		}
	}
}
#define SIDE_IS(s, ...)                                                                            \
	do {                                                                                       \
		static const int64_t w_[][2] = {__VA_ARGS__};                                      \
		side_is((s), w_, (uint32_t)(sizeof(w_) / sizeof(w_[0])), __LINE__);                \
	} while (0)

static void test_apply_order(void)
{
	struct feed_book b;

	CHECK_EQ_INT(feed_book_init(&b, 10), 0);
	struct feed_book_lvl bids[] = {L(100, 1), L(102, 2), L(101, 3)};
	struct feed_book_lvl asks[] = {L(105, 1), L(103, 2), L(104, 3)};

	CHECK_EQ_INT(feed_book_apply(&b, bids, 3, asks, 3), 6);
	SIDE_IS(&b.bids, {102, 2}, {101, 3}, {100, 1});
	SIDE_IS(&b.asks, {103, 2}, {104, 3}, {105, 1});
	/* best level last in memory */
	CHECK_EQ_INT(b.bids.lv[b.bids.base + b.bids.n - 1].price, 102);
	CHECK_EQ_INT(b.asks.lv[b.asks.base + b.asks.n - 1].price, 103);
	/* replace a qty, remove, remove an absent level (no change) */
	struct feed_book_lvl d[] = {L(101, 9), L(100, 0), L(99, 0)};

	CHECK_EQ_INT(feed_book_apply(&b, d, 3, NULL, 0), 2);
	SIDE_IS(&b.bids, {102, 2}, {101, 9});
	struct feed_book_lvl a2[] = {L(103, 0), L(110, 4), L(102, 0)};

	CHECK_EQ_INT(feed_book_apply(&b, NULL, 0, a2, 3), 2);
	SIDE_IS(&b.asks, {104, 3}, {105, 1}, {110, 4});
	CHECK_EQ_INT(feed_book_crossed(&b), 0);
	feed_book_free(&b);
	feed_book_free(&b); /* zeroed: no-op */
	feed_book_free(NULL);
}

/* Many inserts and removals at the top, middle and bottom: the window
 * re-centres; compared with a plain reference array. */
static void test_window_random(void)
{
	struct feed_book b;
	int64_t ref[64]; /* qty by price 0..63, 0 = absent */

	memset(ref, 0, sizeof(ref));
	CHECK_EQ_INT(feed_book_init(&b, 64), 0);
	uint64_t x = 88172645463325252ull; /* xorshift64: a fixed, repeatable sequence */

	for (int it = 0; it < 20000; it++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		struct feed_book_lvl l =
			L((int64_t)(x % 64), (x >> 8) % 3 ? (int64_t)((x >> 16) % 100) + 1 : 0);

		feed_book_side_apply(&b.bids, b.cap, &l);
		ref[l.px] = l.qty;
	}
	uint32_t k = 0;

	for (int px = 63; px >= 0; px--) {
		if (!ref[px])
			continue;
		const struct mdbus_book_level *l = feed_book_level(&b.bids, k++);

		CHECK(l && l->price == px && l->qty == ref[px]);
	}
	CHECK_EQ_INT(b.bids.n, k);
	CHECK_EQ_INT(b.bids.lost, 0);
	CHECK(b.bids.base + b.bids.n <= 2 * b.cap);
	feed_book_free(&b);
}

/* A full side under random changes (asks: the worst is the highest): the
 * same rule on a plain array indexed by price, truncation included. */
static void test_window_truncating(void)
{
	enum { CAP = 16, PX = 64 };
	struct feed_book b;
	int64_t ref[PX];
	uint32_t nref = 0;
	uint64_t x = 0x9E3779B97F4A7C15ull;

	memset(ref, 0, sizeof(ref));
	CHECK_EQ_INT(feed_book_init(&b, CAP), 0);
	for (int it = 0; it < 50000; it++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t px = (int64_t)(x % PX),
			qty = (x >> 8) % 4 ? (int64_t)((x >> 16) % 50) + 1 : 0;
		struct feed_book_lvl l = L(px, qty);

		feed_book_side_apply(&b.asks, b.cap, &l);
		if (!qty) {
			nref -= ref[px] != 0;
			ref[px] = 0;
			continue;
		}
		if (!ref[px] && nref == CAP) {
			int worst = PX - 1;

			while (!ref[worst])
				worst--;
			if (px > worst)
				continue;
			ref[worst] = 0;
			nref--;
		}
		nref += ref[px] == 0;
		ref[px] = qty;
	}
	uint32_t k = 0;

	for (int px = 0; px < PX; px++) {
		if (!ref[px])
			continue;
		const struct mdbus_book_level *l = feed_book_level(&b.asks, k++);

		CHECK(l && l->price == px && l->qty == ref[px]);
	}
	CHECK_EQ_INT(b.asks.n, nref);
	CHECK(b.asks.dropped > 0);
	CHECK(feed_book_trusted(&b.asks) <= b.asks.n);
	feed_book_free(&b);
}

static void test_truncation(void)
{
	struct feed_book b;

	CHECK_EQ_INT(feed_book_init(&b, 3), 0);
	struct feed_book_lvl bids[] = {L(10, 1), L(11, 1), L(12, 1)};

	feed_book_apply(&b, bids, 3, NULL, 0);
	CHECK_EQ_INT(feed_book_trusted(&b.bids), 3);
	/* a better level in a full side drops the worst (10) */
	struct feed_book_lvl up = L(13, 5);

	CHECK_EQ_INT(feed_book_side_apply(&b.bids, b.cap, &up), 1);
	SIDE_IS(&b.bids, {13, 5}, {12, 1}, {11, 1});
	CHECK_EQ_INT(b.bids.dropped, 1);
	CHECK_EQ_INT(feed_book_trusted(&b.bids), 3);
	/* a level worse than a full side's worst is not kept */
	struct feed_book_lvl low = L(9, 1);

	CHECK_EQ_INT(feed_book_side_apply(&b.bids, b.cap, &low), 0);
	SIDE_IS(&b.bids, {13, 5}, {12, 1}, {11, 1});
	/* the top thins out: 11 is still exact (above every dropped level),
	 * but a new deep level at 10 cannot be trusted */
	struct feed_book_lvl rm[] = {L(13, 0), L(10, 7)};

	feed_book_apply(&b, rm, 2, NULL, 0);
	SIDE_IS(&b.bids, {12, 1}, {11, 1}, {10, 7});
	CHECK_EQ_INT(feed_book_trusted(&b.bids), 2);
	struct mdbus_book_side_view v;

	feed_book_view(&b.bids, 20, &v);
	CHECK_EQ_INT(v.n, 2);
	CHECK_EQ_INT(v.step, -1);
	CHECK_EQ_INT(v.best->price, 12);
	CHECK_EQ_INT(v.best[v.step].price, 11);
	feed_book_view(&b.bids, 1, &v); /* cut at the published depth */
	CHECK_EQ_INT(v.n, 1);
	CHECK_EQ_INT(v.best->price, 12);
	/* asks truncate at the high end */
	struct feed_book_lvl asks[] = {L(20, 1), L(21, 1), L(22, 1), L(19, 1)};

	feed_book_apply(&b, NULL, 0, asks, 4);
	SIDE_IS(&b.asks, {19, 1}, {20, 1}, {21, 1});
	CHECK_EQ_INT(feed_book_trusted(&b.asks), 3);
	/* a replace forgets the loss */
	feed_book_replace(&b, bids, 3, asks, 3);
	CHECK_EQ_INT(b.bids.lost, 0);
	CHECK_EQ_INT(feed_book_trusted(&b.bids), 3);
	feed_book_free(&b);
}

static void test_replace(void)
{
	struct feed_book b;

	CHECK_EQ_INT(feed_book_init(&b, 4), 0);
	/* best-first (the usual venue order) */
	struct feed_book_lvl bf[] = {L(50, 1), L(49, 2), L(48, 3)};
	struct feed_book_lvl af[] = {L(51, 1), L(52, 2)};

	feed_book_replace(&b, bf, 3, af, 2);
	SIDE_IS(&b.bids, {50, 1}, {49, 2}, {48, 3});
	SIDE_IS(&b.asks, {51, 1}, {52, 2});
	/* best-last */
	struct feed_book_lvl bl[] = {L(40, 1), L(41, 2)};
	struct feed_book_lvl al[] = {L(44, 1), L(43, 2), L(42, 3)};

	feed_book_replace(&b, bl, 2, al, 3);
	SIDE_IS(&b.bids, {41, 2}, {40, 1});
	SIDE_IS(&b.asks, {42, 3}, {43, 2}, {44, 1});
	/* unsorted, with a duplicate (the later wins) and a zero */
	struct feed_book_lvl bu[] = {L(30, 1), L(32, 2), L(31, 3), L(32, 4), L(29, 0)};

	feed_book_replace(&b, bu, 5, NULL, 0);
	SIDE_IS(&b.bids, {32, 4}, {31, 3}, {30, 1});
	CHECK_EQ_INT(b.asks.n, 0);
	/* more than the capacity: the best 4 kept, the rest untrusted */
	struct feed_book_lvl big[] = {L(60, 1), L(59, 1), L(58, 1), L(57, 1), L(56, 1), L(55, 1)};
	struct feed_book_lvl bigl[] = {L(70, 1), L(71, 1), L(72, 1), L(73, 1), L(74, 1)};

	feed_book_replace(&b, big, 6, bigl, 5);
	SIDE_IS(&b.bids, {60, 1}, {59, 1}, {58, 1}, {57, 1});
	CHECK_EQ_INT(b.bids.lost, 1);
	CHECK_EQ_INT(b.bids.lost_key, 56);
	SIDE_IS(&b.asks, {70, 1}, {71, 1}, {72, 1}, {73, 1});
	CHECK_EQ_INT(b.asks.lost, 1);
	CHECK_EQ_INT(b.asks.lost_key, -74);
	/* best-last, more than the capacity */
	struct feed_book_lvl bigr[] = {L(55, 1), L(56, 1), L(57, 1), L(58, 1), L(59, 1), L(60, 2)};

	feed_book_replace(&b, bigr, 6, NULL, 0);
	SIDE_IS(&b.bids, {60, 2}, {59, 1}, {58, 1}, {57, 1});
	CHECK_EQ_INT(b.bids.lost_key, 56);
	CHECK_EQ_INT(feed_book_trusted(&b.bids), 4);
	feed_book_free(&b);
}

static void test_crossed_top_crc(void)
{
	struct feed_book b;

	CHECK_EQ_INT(feed_book_init(&b, 8), 0);
	struct feed_book_lvl bids[] = {L(100, 1), L(99, 2)};
	struct feed_book_lvl asks[] = {L(101, 1)};

	feed_book_replace(&b, bids, 2, asks, 1);
	CHECK_EQ_INT(feed_book_crossed(&b), 0);
	struct feed_book_lvl lock = L(100, 5);

	feed_book_side_apply(&b.asks, b.cap, &lock);
	CHECK_EQ_INT(feed_book_crossed(&b), 1); /* locked counts as crossed */
	struct feed_book_lvl out[4];

	CHECK_EQ_INT(feed_book_top(&b.bids, out, 4), 2);
	CHECK_EQ_INT(out[0].px, 100);
	CHECK_EQ_INT(out[1].px, 99);
	CHECK_EQ_INT(out[0].px_dp, 1);
	CHECK_EQ_INT(out[0].qty_dp, 2);
	CHECK_EQ_INT(feed_book_top(&b.asks, out, 1), 1);
	CHECK_EQ_INT(out[0].px, 100);
	CHECK(feed_book_level(&b.asks, 2) == NULL);
	/* the standard CRC-32 check value, and continuation */
	CHECK_EQ_INT(feed_book_crc32("123456789", 9, 0), 0xCBF43926u);
	CHECK_EQ_INT(feed_book_crc32("6789", 4, feed_book_crc32("12345", 5, 0)), 0xCBF43926u);
	struct feed_venue_book_ops ops = {.max_levels = 50};

	CHECK_EQ_INT(feed_book_capacity(&ops, 20), 50);
	CHECK_EQ_INT(feed_book_capacity(&ops, 1000), 1000);
	feed_book_free(&b);
	CHECK_EQ_INT(feed_book_init(&b, 0), -EINVAL);
}

/* The two books hold the same levels (and decimals) on both sides. */
static int books_same(const struct feed_book *a, const struct feed_book *b)
{
	const struct feed_book_side *sa[2] = {&a->bids, &a->asks}, *sb[2] = {&b->bids, &b->asks};

	for (int k = 0; k < 2; k++) {
		if (sa[k]->n != sb[k]->n || sa[k]->lost != sb[k]->lost)
			return 0;
		for (uint32_t i = 0; i < sa[k]->n; i++) {
			const struct mdbus_book_level *x = feed_book_level(sa[k], i);
			const struct mdbus_book_level *y = feed_book_level(sb[k], i);

			if (x->price != y->price || x->qty != y->qty ||
			    sa[k]->dp[sa[k]->base + sa[k]->n - 1 - i] !=
				    sb[k]->dp[sb[k]->base + sb[k]->n - 1 - i])
				return 0;
		}
	}
	return 1;
}

/* One level set on both books: a with the plain binary search, b with the
 * search from the best level. Returns 1 when both agree (result and book). */
static int apply_both(struct feed_book *a, struct feed_book *b, int ask, struct feed_book_lvl l)
{
	int ra, rb;

	feed_book__plain_search = 1;
	ra = feed_book_side_apply(ask ? &a->asks : &a->bids, a->cap, &l);
	feed_book__plain_search = 0;
	rb = feed_book_side_apply(ask ? &b->asks : &b->bids, b->cap, &l);
	return ra == rb && books_same(a, b);
}

/* The search from the best level finds what the binary search finds: every
 * price (on, between, above and below the levels) of sides of 0..40
 * levels, both sides, set and removed; then a long random run on a full
 * 1,000-level book with changes mostly near the top, as venues send. */
static void test_search_from_top(void)
{
	static struct feed_book_lvl snap[40];
	struct feed_book a, b;

	CHECK_EQ_INT(feed_book_init(&a, 41), 0);
	CHECK_EQ_INT(feed_book_init(&b, 41), 0);
	for (uint32_t n = 0; n <= 40; n++)
		for (int ask = 0; ask < 2; ask++)
			for (int64_t p = 0; p <= 2 * (int64_t)n + 2; p++) {
				for (uint32_t i = 0; i < n; i++)
					snap[i] = L(2 + 2 * (int64_t)i, 5);
				feed_book_replace(&a, snap, n, snap, n);
				feed_book_replace(&b, snap, n, snap, n);
				CHECK(apply_both(&a, &b, ask, L(p, 7)));
				CHECK(apply_both(&a, &b, ask, L(p, 0)));
			}
	feed_book_free(&a);
	feed_book_free(&b);
	CHECK_EQ_INT(feed_book_init(&a, 1000), 0);
	CHECK_EQ_INT(feed_book_init(&b, 1000), 0);
	uint64_t x = 0x9E3779B97F4A7C15ull, bad = 0;

	for (int it = 0; it < 200000; it++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int ask = (int)(x & 1);
		/* distance from 100000 (the bids' top, the asks' bottom): half
		 * of the changes within 8 ticks, the rest anywhere in 1,200 */
		int64_t d = (x >> 1) & 1 ? (int64_t)((x >> 8) % 8) : (int64_t)((x >> 8) % 1200);
		int64_t px = ask ? 100000 + d : 100000 - d;

		bad += !apply_both(&a, &b, ask, L(px, (x >> 20) % 4 ? (int64_t)(x >> 40) % 50 : 0));
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(a.bids.n > 500 && a.asks.n > 500);
	feed_book_free(&a);
	feed_book_free(&b);
}

int main(void)
{
	test_apply_order();
	test_window_random();
	test_window_truncating();
	test_truncation();
	test_replace();
	test_crossed_top_crc();
	test_search_from_top();
	return feed_test_done("book");
}
