/* SPDX-License-Identifier: MIT */
/*
 * hist.h: a log-linear latency histogram (HdrHistogram style). Values below
 * 2^SUB_BITS ns are exact; above, each octave has HALF equal buckets, never
 * wider than 1/128 of their values (the unit test proves < 1% error). Plain
 * counts, no pointers: children hand it to the parent as bytes.
 */
#ifndef BENCH_HIST_H
#define BENCH_HIST_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_HIST_SUB_BITS 8u /* 256 exact values, then 128 per octave */
#define BENCH_HIST_HALF	    (1u << (BENCH_HIST_SUB_BITS - 1)) /* buckets per octave */
#define BENCH_HIST_MAX_BIT  40u				      /* values >= 2^40 ns (18 min) clamp */
#define BENCH_HIST_BUCKETS  ((BENCH_HIST_MAX_BIT - BENCH_HIST_SUB_BITS + 2) * BENCH_HIST_HALF)

struct bench_hist {
	uint64_t count;	  /* values recorded */
	uint64_t min;	  /* exact smallest value (UINT64_MAX when empty) */
	uint64_t max;	  /* exact largest value */
	uint64_t clamped; /* values >= 2^BENCH_HIST_MAX_BIT, counted in the top bucket */
	double sum;	  /* for the mean */
	uint64_t counts[BENCH_HIST_BUCKETS];
};

void bench_hist_reset(struct bench_hist *h);

/* Bucket index of value v (clamped to the last bucket). */
uint32_t bench_hist_index(uint64_t v);

/* Lowest value and width of bucket i: bucket i holds [lo, lo + width). */
void bench_hist_bucket(uint32_t i, uint64_t *lo, uint64_t *width);

/* Records one value: no allocation, no syscall. */
static inline void bench_hist_record(struct bench_hist *h, uint64_t v)
{
	if (v >= (1ull << BENCH_HIST_MAX_BIT))
		h->clamped++;
	h->counts[bench_hist_index(v)]++;
	h->count++;
	h->sum += (double)v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void bench_hist_merge(struct bench_hist *dst, const struct bench_hist *src);

/* Percentile p (0..100): the midpoint of the bucket of the ceil(p/100 *
 * count)-th value, within [min, max]; 0 when empty. */
uint64_t bench_hist_percentile(const struct bench_hist *h, double p);

double bench_hist_mean(const struct bench_hist *h);

#endif /* BENCH_HIST_H */
