/* SPDX-License-Identifier: MIT */
/*
 * test_restq.c: the snapshot queue and weight limiter (feedd/restq.h) on a
 * simulated clock: a mass reconnect of 50 instruments stays under the
 * request rate, the in-flight cap and the weight budget; 429 and 418 stop
 * a venue (and only that venue) for Retry-After; the used-weight header
 * holds requests back; an instrument is queued once; a closing session
 * cancels its requests.
 */
#include "helpers.h"
#include "restq.h"

#include <errno.h>

#define MS  INT64_C(1000000)
#define SEC INT64_C(1000000000)

struct sim_fl {
	int id;
	int64_t done_at;
};

/* Mass reconnect: 50 instruments of weight 250 against 6,000 a minute. */
static void test_mass_reconnect(void)
{
	struct feed_restq q;
	int64_t issued_at[64], now = 1000 * SEC, ready;
	struct sim_fl fl[8];
	int nfl = 0, nissued = 0, maxfl = 0, v;
	const struct feed_restq_venue_stats *st;

	CHECK(feed_restq_init(&q, 128, 10, 4) == 0);
	v = feed_restq_venue_add(&q, "binance", 6000);
	CHECK(v == 0);
	for (uint32_t i = 0; i < 50; i++)
		CHECK(feed_restq_push(&q, (uint32_t)v, i, 250, i % 5, now) >= 0);
	/* The storm: every instrument asks again; none is queued twice. */
	for (uint32_t i = 0; i < 50; i++)
		CHECK_EQ_INT(feed_restq_push(&q, (uint32_t)v, i, 250, i % 5, now), -EALREADY);
	CHECK_EQ_INT(q.st.queued, 50);
	CHECK_EQ_INT(q.st.dedup, 50);
	for (int64_t end = now + 400 * SEC; now < end && nissued < 50; now += 10 * MS) {
		int id;
		for (int k = 0; k < nfl;) {
			if (fl[k].done_at <= now) {
				CHECK_EQ_INT(
					feed_restq_done(&q, (uint32_t)fl[k].id, 200, -1, -1, now),
					0);
				fl[k] = fl[--nfl];
			} else {
				k++;
			}
		}
		while ((id = feed_restq_next(&q, now, &ready)) >= 0) {
			CHECK(feed_restq_pending(&q, (uint32_t)v, q.it[id].key));
			issued_at[nissued++] = now;
			fl[nfl++] = (struct sim_fl){id, now + 300 * MS};
			if (nfl > maxfl)
				maxfl = nfl;
		}
		CHECK(ready == 0 || ready > now);
	}
	CHECK_EQ_INT(nissued, 50);
	CHECK(maxfl <= 4);
	/* at most 10 in any second, at most 24 x 250 = 6,000 in any minute */
	for (int i = 0; i < nissued; i++) {
		int in1 = 0, in60 = 0;
		for (int j = i; j < nissued; j++) {
			in1 += issued_at[j] - issued_at[i] < SEC;
			in60 += issued_at[j] - issued_at[i] < 60 * SEC;
		}
		CHECK(in1 <= 10);
		CHECK(in60 * 250 <= 6000);
	}
	/* 50 x 250 = 12,500 weight needs three windows: more than two minutes */
	CHECK(issued_at[49] - issued_at[0] >= 120 * SEC);
	st = feed_restq_venue_stats(&q, (uint32_t)v, now);
	CHECK(st && st->weight_total == UINT64_C(12500) && st->requests == 50);
	CHECK(st->weight_window <= 6000);
	feed_restq_free(&q);
}

/* Pops one request that must be ready now. */
static int take(struct feed_restq *q, int64_t now)
{
	int64_t ready;
	return feed_restq_next(q, now, &ready);
}

static void test_429_418(void)
{
	struct feed_restq q;
	int64_t now = 50 * SEC, ready;
	int a, b, id;
	const struct feed_restq_venue_stats *st;

	CHECK(feed_restq_init(&q, 16, 1000, 8) == 0);
	a = feed_restq_venue_add(&q, "binance", 6000);
	b = feed_restq_venue_add(&q, "okx", 1000);
	CHECK(a == 0 && b == 1);
	CHECK_EQ_INT(feed_restq_venue_add(&q, "binance", 6000), a);
	CHECK(feed_restq_push(&q, (uint32_t)a, 1, 50, 0, now) >= 0);
	id = take(&q, now);
	CHECK(id >= 0);
	/* 429 with Retry-After 5: binance waits 5 s, okx does not */
	CHECK_EQ_INT(feed_restq_done(&q, (uint32_t)id, 429, 1200, 5, now), 1);
	CHECK(feed_restq_push(&q, (uint32_t)a, 1, 50, 0, now) >= 0);
	CHECK(feed_restq_push(&q, (uint32_t)b, 7, 1, 0, now) >= 0);
	now += 10 * MS;
	id = take(&q, now);
	CHECK(id >= 0 && q.it[id].venue == (uint32_t)b);
	CHECK_EQ_INT(feed_restq_done(&q, (uint32_t)id, 200, -1, -1, now), 0);
	now += 10 * MS;
	CHECK_EQ_INT(feed_restq_next(&q, now, &ready), -EAGAIN);
	CHECK(ready >= 50 * SEC + 5 * SEC && ready <= 50 * SEC + 5 * SEC + 10 * MS);
	now = ready;
	id = take(&q, now);
	CHECK(id >= 0 && q.it[id].venue == (uint32_t)a);
	/* 418 without Retry-After: banned for the default */
	CHECK_EQ_INT(feed_restq_done(&q, (uint32_t)id, 418, -1, -1, now), 1);
	st = feed_restq_venue_stats(&q, (uint32_t)a, now);
	CHECK(st->n429 == 1 && st->n418 == 1);
	CHECK_EQ_INT(st->blocked_until, now + FEED_RESTQ_418_S * SEC);
	CHECK(feed_restq_push(&q, (uint32_t)a, 1, 50, 0, now) >= 0);
	CHECK_EQ_INT(feed_restq_next(&q, now + 299 * SEC, &ready), -EAGAIN);
	CHECK_EQ_INT(ready, now + FEED_RESTQ_418_S * SEC);
	CHECK(take(&q, ready) >= 0);
	/* a transport error or a 5xx: retry; a 404: do not */
	CHECK(feed_restq_push(&q, (uint32_t)b, 8, 1, 0, ready) >= 0);
	CHECK(feed_restq_push(&q, (uint32_t)b, 9, 1, 0, ready) >= 0);
	id = take(&q, ready + SEC);
	CHECK_EQ_INT(feed_restq_done(&q, (uint32_t)id, -ETIMEDOUT, -1, -1, ready + SEC), 1);
	id = take(&q, ready + 2 * SEC);
	CHECK_EQ_INT(feed_restq_done(&q, (uint32_t)id, 404, -1, -1, ready + 2 * SEC), 0);
	CHECK_EQ_INT(feed_restq_done(&q, (uint32_t)id, 200, -1, -1, ready), -EINVAL);
	feed_restq_free(&q);
}

/* The used-weight header: the server counted more than we did. */
static void test_weight_header(void)
{
	struct feed_restq q;
	int64_t now = 7 * SEC, ready;
	int v, id;

	CHECK(feed_restq_init(&q, 8, 100, 4) == 0);
	v = feed_restq_venue_add(&q, "binance", 6000);
	CHECK(feed_restq_push(&q, (uint32_t)v, 1, 50, 0, now) >= 0);
	id = take(&q, now);
	CHECK_EQ_INT(feed_restq_done(&q, (uint32_t)id, 200, 5980, -1, now), 0);
	CHECK(feed_restq_push(&q, (uint32_t)v, 2, 50, 0, now) >= 0);
	CHECK_EQ_INT(feed_restq_next(&q, now + SEC, &ready), -EAGAIN);
	CHECK_EQ_INT(ready, now + 60 * SEC);
	CHECK_EQ_INT(feed_restq_venue_stats(&q, (uint32_t)v, now)->weight_window, 5980);
	CHECK(take(&q, ready) >= 0);
	/* a weight above the budget can never be sent */
	CHECK_EQ_INT(feed_restq_push(&q, (uint32_t)v, 3, 6001, 0, now), -EINVAL);
	feed_restq_free(&q);
}

static void test_cancel(void)
{
	struct feed_restq q;
	int64_t now = SEC;
	int v, id;

	CHECK(feed_restq_init(&q, 4, 100, 4) == 0);
	v = feed_restq_venue_add(&q, "kraken", 100);
	CHECK(feed_restq_push(&q, (uint32_t)v, 1, 1, 7, now) >= 0);
	id = take(&q, now);
	CHECK(id >= 0);
	CHECK(feed_restq_push(&q, (uint32_t)v, 2, 1, 7, now) >= 0);
	CHECK(feed_restq_push(&q, (uint32_t)v, 3, 1, 8, now) >= 0);
	CHECK(feed_restq_push(&q, (uint32_t)v, 4, 1, 7, now) >= 0);
	CHECK_EQ_INT(feed_restq_push(&q, (uint32_t)v, 5, 1, 7, now), -ENOSPC);
	/* session 7 closes: two queued dropped, one in flight marked */
	CHECK_EQ_INT(feed_restq_cancel_owner(&q, 7), 3);
	CHECK_EQ_INT(q.st.queued, 1);
	CHECK(!feed_restq_pending(&q, (uint32_t)v, 1));
	/* its late 429 is not retried (but still counted and honoured) */
	CHECK_EQ_INT(feed_restq_done(&q, (uint32_t)id, 429, -1, 1, now), 0);
	CHECK_EQ_INT(feed_restq_cancel(&q, (uint32_t)v, 3), 0);
	CHECK_EQ_INT(feed_restq_cancel(&q, (uint32_t)v, 3), -ENOENT);
	CHECK_EQ_INT(q.st.queued, 0);
	CHECK_EQ_INT(q.st.inflight, 0);
	/* every slot is free again */
	for (uint32_t k = 10; k < 14; k++)
		CHECK(feed_restq_push(&q, (uint32_t)v, k, 1, 1, now) >= 0);
	feed_restq_free(&q);
	feed_restq_free(&q);
}

/* Per-venue queued / in-flight counts (the health region's REST block):
 * each venue's own, through push, next, done, cancel and cancel_owner. */
static void test_venue_counts(void)
{
	const struct feed_restq_venue_stats *a, *b;
	struct feed_restq q;
	int64_t now = SEC;
	int va, vb, id1, id2;

	CHECK(feed_restq_init(&q, 8, 100, 4) == 0);
	va = feed_restq_venue_add(&q, "binance", 6000);
	vb = feed_restq_venue_add(&q, "okx", 600);
	for (uint32_t k = 1; k <= 3; k++)
		CHECK(feed_restq_push(&q, (uint32_t)va, k, 250, 7, now) >= 0);
	CHECK(feed_restq_push(&q, (uint32_t)vb, 1, 1, 8, now) >= 0);
	a = feed_restq_venue_stats(&q, (uint32_t)va, now);
	b = feed_restq_venue_stats(&q, (uint32_t)vb, now);
	CHECK(a->queued == 3 && a->inflight == 0 && b->queued == 1 && b->inflight == 0);
	id1 = take(&q, now);
	CHECK(id1 >= 0 && q.it[id1].venue == (uint32_t)va);
	CHECK(a->queued == 2 && a->inflight == 1);
	id2 = take(&q, now + SEC / 50);
	CHECK(id2 >= 0 && q.it[id2].venue == (uint32_t)va && a->queued == 1 && a->inflight == 2);
	CHECK(b->queued == 1 && b->inflight == 0);
	/* session 7 closes: its queued one goes, its two in flight stay
	 * counted until they complete */
	CHECK_EQ_INT(feed_restq_cancel_owner(&q, 7), 3);
	CHECK(a->queued == 0 && a->inflight == 2);
	CHECK_EQ_INT(feed_restq_done(&q, (uint32_t)id1, 200, -1, -1, now), 0);
	CHECK(a->inflight == 1);
	CHECK_EQ_INT(feed_restq_done(&q, (uint32_t)id2, 429, -1, 2, now), 0);
	CHECK(a->inflight == 0 && a->n429 == 1 && a->requests == 2 && a->weight_total == 500);
	CHECK_EQ_INT(feed_restq_cancel(&q, (uint32_t)vb, 1), 0);
	CHECK(b->queued == 0 && b->inflight == 0 && b->requests == 0);
	feed_restq_free(&q);
}

int main(void)
{
	test_mass_reconnect();
	test_429_418();
	test_weight_header();
	test_cancel();
	test_venue_counts();
	return feed_test_done("test_restq");
}
