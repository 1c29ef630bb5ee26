/* SPDX-License-Identifier: MIT */
/*
 * test_hist.c: the benchmark histogram keeps its promise: every value lands
 * in a bucket that contains it, the value reported for that bucket is within
 * 1% of it, buckets tile the range without holes or overlaps, and
 * percentiles of known distributions come out within 1%.
 */
#include "hist.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			if (++failures > 20)                                                       \
				exit(1);                                                           \
		}                                                                                  \
	} while (0)

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
	/* xorshift64*: deterministic, so a failure reproduces */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

/* The reported value of v's bucket (what percentiles return) vs v. */
static void check_value(uint64_t v)
{
	uint32_t i = bench_hist_index(v);
	uint64_t lo, width;
	CHECK(i < BENCH_HIST_BUCKETS, "index %u out of range for %" PRIu64, i, v);
	bench_hist_bucket(i, &lo, &width);
	CHECK(lo <= v && v - lo < width, "%" PRIu64 " not in bucket %u [%" PRIu64 ", +%" PRIu64 ")",
	      v, i, lo, width);
	uint64_t mid = lo + (width - 1) / 2;
	double err = v ? fabs((double)mid - (double)v) / (double)v : (double)mid;
	CHECK(err < 0.01, "%" PRIu64 " reported as %" PRIu64 ": error %.4f%%", v, mid, err * 100);
	/* the worst case of the whole bucket, both ends, relative to the value */
	double worst = (double)(width - 1) / (double)(lo ? lo : 1);
	CHECK(width == 1 || worst < 0.01, "bucket %u width %" PRIu64 " at %" PRIu64, i, width, lo);
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(void)
{
	/* 1. every value up to 2^20 exactly, then random values up to 2^40 and
	 * the edges of every octave */
	for (uint64_t v = 0; v < (1u << 20); v++)
		check_value(v);
	for (int k = 0; k < 2000000; k++)
		check_value(next_rand() >> 24); /* < 2^40 */
	for (unsigned b = 1; b < BENCH_HIST_MAX_BIT; b++) {
		uint64_t p = 1ull << b;
		check_value(p - 1);
		check_value(p);
		check_value(p + 1);
	}

	/* 2. buckets tile [0, 2^40) */
	uint64_t expect = 0;
	for (uint32_t i = 0; i < BENCH_HIST_BUCKETS; i++) {
		uint64_t lo, width;
		bench_hist_bucket(i, &lo, &width);
		CHECK(lo == expect, "bucket %u starts at %" PRIu64 ", want %" PRIu64, i, lo,
		      expect);
		CHECK(bench_hist_index(lo) == i && bench_hist_index(lo + width - 1) == i,
		      "bucket %u ends disagree", i);
		expect = lo + width;
	}
	CHECK(expect == 1ull << BENCH_HIST_MAX_BIT, "buckets end at %" PRIu64, expect);

	/* 3. percentiles of a uniform 1..1e6 distribution, recorded shuffled */
	static struct bench_hist h;
	bench_hist_reset(&h);
	CHECK(bench_hist_percentile(&h, 50) == 0, "empty histogram");
	const uint64_t n = 1000000;
	for (uint64_t k = 0; k < n; k++)
		bench_hist_record(&h, (k * 7919) % n + 1); /* 7919 is prime: a permutation */
	CHECK(h.count == n && h.min == 1 && h.max == n,
	      "count/min/max %" PRIu64 " %" PRIu64 " %" PRIu64, h.count, h.min, h.max);
	const double ps[] = {1, 10, 50, 90, 99, 99.9, 99.99};
	uint64_t prev = 0;
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		uint64_t got = bench_hist_percentile(&h, ps[i]);
		double want = ps[i] / 100.0 * (double)n;
		CHECK(fabs((double)got - want) / want < 0.01, "p%g = %" PRIu64 ", want ~%.0f",
		      ps[i], got, want);
		CHECK(got >= prev, "percentiles not monotonic at p%g", ps[i]);
		prev = got;
	}
	CHECK(bench_hist_percentile(&h, 0) == 1 && bench_hist_percentile(&h, 100) == n,
	      "p0/p100 must be min/max");
	CHECK(fabs(bench_hist_mean(&h) - (double)(n + 1) / 2) < 1.0, "mean %.1f",
	      bench_hist_mean(&h));

	/* 4. merge adds counts; a two-point distribution splits where it should */
	static struct bench_hist a, b;
	bench_hist_reset(&a);
	bench_hist_reset(&b);
	for (int k = 0; k < 900; k++)
		bench_hist_record(&a, 150);
	for (int k = 0; k < 100; k++)
		bench_hist_record(&b, 123456);
	bench_hist_merge(&a, &b);
	CHECK(a.count == 1000 && a.min == 150 && a.max == 123456, "merge");
	CHECK(bench_hist_percentile(&a, 90) == 150, "p90 = %" PRIu64,
	      bench_hist_percentile(&a, 90));
	uint64_t p91 = bench_hist_percentile(&a, 91);
	CHECK(fabs((double)p91 - 123456.0) / 123456.0 < 0.01, "p91 = %" PRIu64, p91);

	/* 5. values beyond the range clamp into the last bucket, counted */
	bench_hist_reset(&h);
	bench_hist_record(&h, UINT64_MAX / 2);
	CHECK(h.clamped == 1 && h.counts[BENCH_HIST_BUCKETS - 1] == 1, "clamp");

	if (failures) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("histogram: %u buckets, relative error < 1%% over [0, 2^%u)\n", BENCH_HIST_BUCKETS,
	       BENCH_HIST_MAX_BIT);
	return 0;
}
