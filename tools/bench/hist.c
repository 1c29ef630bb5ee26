/* SPDX-License-Identifier: MIT */
/* hist.c: log-linear histogram; see hist.h for the bucket layout. */
#include "hist.h"

#include <math.h>
#include <string.h>

void bench_hist_reset(struct bench_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

uint32_t bench_hist_index(uint64_t v)
{
	if (v < (1ull << BENCH_HIST_SUB_BITS))
		return (uint32_t)v; /* exact region: buckets 0 .. 2*HALF-1 */
	if (v >= (1ull << BENCH_HIST_MAX_BIT))
		return BENCH_HIST_BUCKETS - 1;
	/* msb >= SUB_BITS: keep the top SUB_BITS bits of v. The octave number
	 * (shift) times HALF plus the kept bits (HALF .. 2*HALF-1) continues the
	 * exact region without a hole. */
	unsigned msb = 63u - (unsigned)__builtin_clzll(v);
	unsigned shift = msb - BENCH_HIST_SUB_BITS + 1u;
	return shift * BENCH_HIST_HALF + (uint32_t)(v >> shift);
}

void bench_hist_bucket(uint32_t i, uint64_t *lo, uint64_t *width)
{
	if (i < 2 * BENCH_HIST_HALF) {
		*lo = i;
		*width = 1;
		return;
	}
	uint32_t shift = i / BENCH_HIST_HALF - 1u;
	uint64_t top = i - shift * BENCH_HIST_HALF; /* HALF .. 2*HALF-1 */
	*lo = top << shift;
	*width = 1ull << shift;
}

void bench_hist_merge(struct bench_hist *dst, const struct bench_hist *src)
{
	for (uint32_t i = 0; i < BENCH_HIST_BUCKETS; i++)
		dst->counts[i] += src->counts[i];
	dst->count += src->count;
	dst->clamped += src->clamped;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t bench_hist_percentile(const struct bench_hist *h, double p)
{
	if (h->count == 0)
		return 0;
	if (p <= 0.0)
		return h->min;
	if (p >= 100.0)
		return h->max;
	uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (uint32_t i = 0; i < BENCH_HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			uint64_t lo, width;
			bench_hist_bucket(i, &lo, &width);
			uint64_t mid = lo + (width - 1) / 2;
			if (mid < h->min)
				mid = h->min;
			if (mid > h->max)
				mid = h->max;
			return mid;
		}
	}
	return h->max;
}

double bench_hist_mean(const struct bench_hist *h)
{
	return h->count ? h->sum / (double)h->count : 0.0;
}
