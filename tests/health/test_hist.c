/* SPDX-License-Identifier: MIT */
/* test_hist.c: the health region's log-linear histograms (libmdbus/hist.c
 * and mdbus_hist_index/mdbus_hist_add in include/mdbus_health.h): bucket
 * edges, the index of every edge, quantiles against exact ones, the
 * overflow bucket, halving, the names, and mdbus_tick_age_ns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mdbus.h"

static int fails;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
			fails++;                                                                   \
		}                                                                                  \
	} while (0)

/* Edges tile [0, 2^33) with no hole or overlap; each width is at most a
 * quarter of its lower edge (above 8); every edge maps to its bucket. */
static void test_edges(void)
{
	uint64_t prev_high = 0;

	for (uint32_t i = 0; i < MDBUS_HIST_BUCKETS; i++) {
		uint64_t lo = mdbus_hist_bucket_low(i), hi = mdbus_hist_bucket_high(i);

		CHECK(lo == prev_high);
		CHECK(hi > lo);
		if (lo >= 8)
			CHECK((hi - lo) * 4 <= lo);
		CHECK(mdbus_hist_index(lo) == i);
		CHECK(mdbus_hist_index(hi - 1) == i);
		prev_high = hi;
	}
	CHECK(prev_high == (uint64_t)1 << 33);
	CHECK(mdbus_hist_bucket_low(8) == 8 && mdbus_hist_bucket_high(8) == 10);
	CHECK(mdbus_hist_bucket_low(12) == 16 && mdbus_hist_bucket_high(12) == 20);
	CHECK(mdbus_hist_index((uint64_t)1 << 33) == MDBUS_HIST_BUCKETS - 1);
	CHECK(mdbus_hist_index(UINT64_MAX) == MDBUS_HIST_BUCKETS - 1);
	CHECK(mdbus_hist_bucket_low(MDBUS_HIST_BUCKETS) == 0);
	CHECK(mdbus_hist_bucket_high(MDBUS_HIST_BUCKETS) == 0);
	for (uint64_t v = 0; v < 8; v++)
		CHECK(mdbus_hist_index(v) == v);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Quantiles of a spread of values are within 12.5 % of the exact ones. */
static void test_quantiles(void)
{
	static struct mdbus_health_hist h;
	static uint64_t v[10000];
	const double qs[] = {0.01, 0.5, 0.9, 0.99, 0.999};
	uint64_t x = 88172645463325252ull;

	memset(&h, 0, sizeof(h));
	CHECK(mdbus_hist_quantile(&h, 0.5) == -ENODATA);
	CHECK(mdbus_hist_quantile(NULL, 0.5) == -EINVAL);
	CHECK(mdbus_hist_quantile(&h, 0.0) == -EINVAL);
	for (int i = 0; i < 10000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v[i] = 100 + x % 5000000; /* 100 ns .. 5 ms */
		mdbus_hist_add(&h, v[i], 1);
	}
	qsort(v, 10000, sizeof(v[0]), cmp_u64);
	CHECK(h.count == 10000 && h.max == v[9999]);
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		uint64_t exact = v[(size_t)(qs[k] * 10000) - 1];
		int64_t got = mdbus_hist_quantile(&h, qs[k]);

		CHECK(got > 0);
		CHECK((double)got >= exact * 0.875 && (double)got <= exact * 1.125);
	}
	CHECK(mdbus_hist_quantile(&h, 1.0) == (int64_t)v[9999]);
}

/* Small values are exact; n per add counts n times; max caps the midpoint. */
static void test_exact_and_weights(void)
{
	struct mdbus_health_hist h;

	memset(&h, 0, sizeof(h));
	mdbus_hist_add(&h, 3, 7);
	mdbus_hist_add(&h, 5, 3);
	CHECK(h.count == 10 && h.bucket[3] == 7 && h.bucket[5] == 3);
	CHECK(mdbus_hist_quantile(&h, 0.5) == 3);
	CHECK(mdbus_hist_quantile(&h, 0.7) == 3);
	CHECK(mdbus_hist_quantile(&h, 0.71) == 5);
	CHECK(mdbus_hist_quantile(&h, 0.99) == 5);
	memset(&h, 0, sizeof(h));
	mdbus_hist_add(&h, 1000, 1); /* bucket [896, 1024): midpoint 960 */
	CHECK(mdbus_hist_quantile(&h, 0.5) == 960);
	memset(&h, 0, sizeof(h));
	mdbus_hist_add(&h, 900, 1); /* same bucket, max 900 caps the midpoint */
	CHECK(mdbus_hist_quantile(&h, 0.5) == 900);
}

/* Values past 2^33 land in the last bucket; their quantile is the max. */
static void test_overflow(void)
{
	struct mdbus_health_hist h;

	memset(&h, 0, sizeof(h));
	mdbus_hist_add(&h, 5, 1);
	mdbus_hist_add(&h, (uint64_t)60 * 1000000000, 1); /* 60 s */
	CHECK(h.bucket[MDBUS_HIST_BUCKETS - 1] == 1);
	CHECK(mdbus_hist_quantile(&h, 0.5) == 5);
	CHECK(mdbus_hist_quantile(&h, 0.99) == (int64_t)60 * 1000000000);
}

/* A bucket reaching 2^31 halves every bucket; count stays exact and the
 * shape (so the quantiles) survives. */
static void test_halving(void)
{
	struct mdbus_health_hist h;

	memset(&h, 0, sizeof(h));
	h.bucket[20] = MDBUS_HIST_HALVE_AT - 10;
	h.bucket[30] = 1;
	h.bucket[40] = 101;
	h.count = (uint64_t)MDBUS_HIST_HALVE_AT + 92;
	mdbus_hist_add(&h, mdbus_hist_bucket_low(20), 10);
	CHECK(h.bucket[20] == MDBUS_HIST_HALVE_AT / 2);
	CHECK(h.bucket[30] == 1);  /* rounds up: never lost */
	CHECK(h.bucket[40] == 51); /* 101 / 2 rounded up */
	CHECK(h.count == (uint64_t)MDBUS_HIST_HALVE_AT + 102);
	CHECK(mdbus_hist_quantile(&h, 0.5) < (int64_t)mdbus_hist_bucket_high(20));
}

static void test_names(void)
{
	CHECK(strcmp(mdbus_health_hop_name(MDBUS_HOP_EXCH_KERNEL), "exch_kernel") == 0);
	CHECK(strcmp(mdbus_health_hop_name(MDBUS_HOP_MSGS_PER_ITER), "msgs_per_iter") == 0);
	CHECK(strcmp(mdbus_health_hop_name(99), "unknown") == 0);
	CHECK(strcmp(mdbus_health_ts_source_name(MDBUS_TS_KERNEL), "kernel") == 0);
	CHECK(strcmp(mdbus_health_ts_source_name(MDBUS_TS_MIXED), "mixed") == 0);
	CHECK(strcmp(mdbus_health_ts_source_name(7), "unknown") == 0);
}

/* mdbus_tick_age_ns: realtime now minus recv_ts; 0 without a stamp. */
static void test_tick_age(void)
{
	struct mdbus_tick t;
	struct timespec ts;
	int64_t now, age;

	memset(&t, 0, sizeof(t));
	CHECK(mdbus_tick_age_ns(&t) == 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	t.recv_ts = now - 5000000; /* 5 ms ago */
	age = mdbus_tick_age_ns(&t);
	CHECK(age >= 5000000 && age < (int64_t)60 * 1000000000);
}

int main(void)
{
	test_edges();
	test_quantiles();
	test_exact_and_weights();
	test_overflow();
	test_halving();
	test_names();
	test_tick_age();
	if (fails) {
		fprintf(stderr, "%d check(s) failed\n", fails);
		return 1;
	}
	printf("hist: ok\n");
	return 0;
}
