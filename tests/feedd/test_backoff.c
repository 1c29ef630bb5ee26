/* SPDX-License-Identifier: MIT */
/*
 * test_backoff.c: properties of the reconnect delays over many draws.
 * The bound checked is per attempt: delay in [base*(1-j), base*(1+j)]
 * (+-1 ms for rounding to whole ms), hence never above max*(1+j).
 */
#include <errno.h>
#include <math.h>

#include "backoff.h"
#include "helpers.h"

#define DRAWS 10000

static int64_t expected_base(const struct feed_backoff_cfg *c, uint32_t attempt)
{
	/* Independent formula: min(initial * mult^(k-1), max). */
	double b = (double)c->initial_ms * pow(c->multiplier, (double)attempt - 1.0);
	return b > (double)c->max_ms ? c->max_ms : (int64_t)b;
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(void)
{
	struct feed_backoff_cfg cfg = {
		.initial_ms = 1000,
		.max_ms = 60000,
		.multiplier = 2.0,
		.jitter = 0.25,
		.max_retries = 0,
		.reset_ms = 30000,
	};
	struct feed_backoff b;
	uint64_t rng, rng2;
	int64_t d, base, lo, hi, maxseen = 0, minseen = INT64_MAX;
	double sum = 0, mean, sum12 = 0;
	uint32_t k;
	int i, capped = 0, below = 0, above = 0;

	feed_rng_seed(&rng, 42);

	/* Bad configurations are refused. */
	{
		struct feed_backoff_cfg bad = cfg;
		bad.jitter = 1.0;
		CHECK_EQ_INT(feed_backoff_init(&b, &bad), -EINVAL);
		bad = cfg;
		bad.multiplier = 0.5;
		CHECK_EQ_INT(feed_backoff_init(&b, &bad), -EINVAL);
		bad = cfg;
		bad.max_ms = 10;
		CHECK_EQ_INT(feed_backoff_init(&b, &bad), -EINVAL);
		bad = cfg;
		bad.initial_ms = 0;
		CHECK_EQ_INT(feed_backoff_init(&b, &bad), -EINVAL);
	}

	/* 1. The sequence of bases: initial, doubling, capped at max. */
	CHECK_EQ_INT(feed_backoff_init(&b, &cfg), 0);
	for (k = 1; k <= 40; k++)
		CHECK_EQ_INT(feed_backoff_base_ms(&b, k), expected_base(&cfg, k));
	CHECK_EQ_INT(feed_backoff_base_ms(&b, 1), 1000);
	CHECK_EQ_INT(feed_backoff_base_ms(&b, 7), 60000);
	CHECK_EQ_INT(feed_backoff_base_ms(&b, UINT32_MAX), 60000);

	/* 2. DRAWS outages of 12 attempts each: every delay inside its
	 * attempt's jitter band, the cap reached, the band's edges both hit
	 * (within 2%), and the first retry waits initial +-j. */
	for (i = 0; i < DRAWS; i++) {
		feed_backoff_reset(&b);
		for (k = 1; k <= 12; k++) {
			CHECK_EQ_INT(feed_backoff_next(&b, &rng, &d), 0);
			base = expected_base(&cfg, k);
			lo = (int64_t)floor((double)base * (1 - cfg.jitter));
			hi = (int64_t)ceil((double)base * (1 + cfg.jitter));
			if (d < lo || d > hi) {
				fprintf(stderr, "attempt %u: delay %lld outside [%lld, %lld]\n", k,
					(long long)d, (long long)lo, (long long)hi);
				feed_test_failures++;
				break;
			}
			if (d > (int64_t)ceil((double)cfg.max_ms * (1 + cfg.jitter)))
				feed_test_failures++;
			if (k == 1)
				sum += (double)d;
			if (k == 12) {
				sum12 += (double)d;
				capped += base == cfg.max_ms;
				if (d > maxseen)
					maxseen = d;
				if (d < minseen)
					minseen = d;
				below += (double)d < 60000 * 0.80;
				above += (double)d > 60000 * 1.20;
			}
		}
	}
	mean = sum / DRAWS;
	/* Uniform jitter: the first retry's mean is initial within 1%. */
	CHECK(fabs(mean - 1000.0) < 10.0);
	CHECK_EQ_INT(capped, DRAWS);
	/* ... and the capped attempts average the cap within 1%. */
	CHECK(fabs(sum12 / DRAWS - 60000.0) < 600.0);
	CHECK(maxseen <= 75000 && maxseen > 74000);
	CHECK(minseen >= 45000 && minseen < 46000);
	/* Both tails are populated (10% each expected): the jitter is two-sided. */
	CHECK(below > DRAWS / 20 && above > DRAWS / 20);

	/* 3. Same seed, same sequence (deterministic tests and logs). */
	feed_rng_seed(&rng, 7);
	feed_rng_seed(&rng2, 7);
	for (i = 0; i < 100; i++)
		CHECK(feed_rng_next(&rng) == feed_rng_next(&rng2));
	{
		/* Unit draws stay in [0, 1). */
		double u, usum = 0;
		for (i = 0; i < DRAWS; i++) {
			u = feed_rng_unit(&rng);
			CHECK(u >= 0.0 && u < 1.0);
			usum += u;
		}
		CHECK(fabs(usum / DRAWS - 0.5) < 0.02);
	}

	/* 4. Retries: max_retries = 3 gives three delays, then -ETIMEDOUT. */
	cfg.max_retries = 3;
	CHECK_EQ_INT(feed_backoff_init(&b, &cfg), 0);
	for (k = 0; k < 3; k++)
		CHECK_EQ_INT(feed_backoff_next(&b, &rng, &d), 0);
	CHECK_EQ_INT(feed_backoff_next(&b, &rng, &d), -ETIMEDOUT);
	CHECK_EQ_INT(feed_backoff_next(&b, &rng, &d), -ETIMEDOUT);

	/* 5. Reset after reconnect_reset of continuous LIVE time, not before. */
	cfg.max_retries = 0;
	cfg.jitter = 0;
	CHECK_EQ_INT(feed_backoff_init(&b, &cfg), 0);
	for (k = 0; k < 5; k++)
		CHECK_EQ_INT(feed_backoff_next(&b, &rng, &d), 0);
	CHECK_EQ_INT(d, 16000);
	CHECK_EQ_INT(feed_backoff_live_for(&b, 29999), 0);
	CHECK_EQ_INT(feed_backoff_next(&b, &rng, &d), 0);
	CHECK_EQ_INT(d, 32000); /* short live time: still growing */
	CHECK_EQ_INT(feed_backoff_live_for(&b, 30000), 1);
	CHECK_EQ_INT(feed_backoff_live_for(&b, 60000), 0); /* already reset */
	CHECK_EQ_INT(b.resets, 1);
	CHECK_EQ_INT(feed_backoff_next(&b, &rng, &d), 0);
	CHECK_EQ_INT(d, 1000); /* first retry = initial again */
	/* A reset also restores the retry budget. */
	cfg.max_retries = 2;
	CHECK_EQ_INT(feed_backoff_init(&b, &cfg), 0);
	CHECK_EQ_INT(feed_backoff_next(&b, &rng, &d), 0);
	CHECK_EQ_INT(feed_backoff_next(&b, &rng, &d), 0);
	CHECK_EQ_INT(feed_backoff_next(&b, &rng, &d), -ETIMEDOUT);
	CHECK_EQ_INT(feed_backoff_live_for(&b, 30000), 1);
	CHECK_EQ_INT(feed_backoff_next(&b, &rng, &d), 0);

	/* 6. Retry-After floor: raises one delay, even above the cap. */
	cfg.max_retries = 0;
	CHECK_EQ_INT(feed_backoff_init(&b, &cfg), 0);
	feed_backoff_retry_after(&b, 120000);
	CHECK_EQ_INT(feed_backoff_next(&b, &rng, &d), 0);
	CHECK_EQ_INT(d, 120000);
	CHECK_EQ_INT(feed_backoff_next(&b, &rng, &d), 0);
	CHECK_EQ_INT(d, 2000);		   /* used once; the sequence went on */
	feed_backoff_retry_after(&b, 100); /* lower than the delay: no effect */
	CHECK_EQ_INT(feed_backoff_next(&b, &rng, &d), 0);
	CHECK_EQ_INT(d, 4000);

	/* 7. multiplier 1: constant delay. */
	cfg.multiplier = 1.0;
	CHECK_EQ_INT(feed_backoff_init(&b, &cfg), 0);
	for (k = 0; k < 100; k++) {
		CHECK_EQ_INT(feed_backoff_next(&b, &rng, &d), 0);
		if (d != 1000)
			feed_test_failures++;
	}
	return feed_test_done("test_backoff");
}
