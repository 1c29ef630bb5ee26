/* SPDX-License-Identifier: MIT */
/* backoff.c: capped exponential reconnect delays with jitter (backoff.h). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "backoff.h"

void feed_rng_seed(uint64_t *state, uint64_t seed)
{
	*state = seed;
}

/* splitmix64 (Vigna): every seed, 0 included, gives a full-period stream. */
uint64_t feed_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

double feed_rng_unit(uint64_t *state)
{
	/* 53 random bits: exactly representable, uniform in [0, 1). */
	return (double)(feed_rng_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

int feed_backoff_init(struct feed_backoff *b, const struct feed_backoff_cfg *cfg)
{
	memset(b, 0, sizeof(*b));
	if (cfg->initial_ms <= 0 || cfg->max_ms < cfg->initial_ms || !(cfg->multiplier >= 1.0) ||
	    !(cfg->jitter >= 0.0) || !(cfg->jitter < 1.0) || cfg->reset_ms < 0 ||
	    !isfinite(cfg->multiplier))
		return -EINVAL;
	b->cfg = *cfg;
	return 0;
}

int64_t feed_backoff_base_ms(const struct feed_backoff *b, uint32_t attempt)
{
	double base = (double)b->cfg.initial_ms;
	uint32_t k;

	/* Multiply step by step and stop at the cap: no pow() overflow to inf
	 * for a long outage, and the loop is at most a few dozen steps before
	 * the cap is reached (multiplier 1.0 is capped by the attempt count). */
	for (k = 1; k < attempt && base < (double)b->cfg.max_ms; k++)
		base *= b->cfg.multiplier;
	if (base > (double)b->cfg.max_ms)
		base = (double)b->cfg.max_ms;
	return (int64_t)base;
}

int feed_backoff_next(struct feed_backoff *b, uint64_t *rng_state, int64_t *delay_ms)
{
	double base, d, u;
	int64_t delay;

	if (b->cfg.max_retries && b->attempt >= b->cfg.max_retries)
		return -ETIMEDOUT;
	if (b->attempt < UINT32_MAX)
		b->attempt++;
	base = (double)feed_backoff_base_ms(b, b->attempt);
	u = 2.0 * feed_rng_unit(rng_state) - 1.0; /* [-1, 1) */
	d = base * (1.0 + b->cfg.jitter * u);
	/* Round half up by hand: no libm dependency for one call. */
	delay = d > 0.0 ? (int64_t)(d + 0.5) : 0;
	if (b->floor_ms > delay)
		delay = b->floor_ms;
	b->floor_ms = 0;
	*delay_ms = delay;
	return 0;
}

int feed_backoff_live_for(struct feed_backoff *b, int64_t live_ms)
{
	if (b->cfg.reset_ms <= 0 || live_ms < b->cfg.reset_ms || b->attempt == 0)
		return 0;
	b->attempt = 0;
	b->resets++;
	return 1;
}

void feed_backoff_retry_after(struct feed_backoff *b, int64_t ms)
{
	if (ms > b->floor_ms)
		b->floor_ms = ms;
}

void feed_backoff_reset(struct feed_backoff *b)
{
	b->attempt = 0;
	b->floor_ms = 0;
}
