/* SPDX-License-Identifier: MIT */
/*
 * backoff.h: reconnect delays: capped exponential backoff with uniform
 * jitter, a retry limit, a reset after enough continuous LIVE time and a
 * Retry-After floor. No I/O, no clock: the caller passes times in.
 *
 * Attempt k (1, 2, ...) since the last reset has
 *     base_k  = min(initial * multiplier^(k-1), max)
 *     delay_k = base_k * (1 + jitter * u),  u uniform in [-1, 1]
 * so the first retry waits initial (+-jitter), every delay lies in
 * [base_k*(1-j), base_k*(1+j)] and never exceeds max*(1+j). A Retry-After
 * floor (HTTP 429/503) raises the next delay to at least that value, even
 * above max*(1+j): the server asked for it.
 */
#ifndef FEED_BACKOFF_H
#define FEED_BACKOFF_H

#include <stdint.h>

struct feed_backoff_cfg {
	int64_t initial_ms;   /* > 0 */
	int64_t max_ms;	      /* >= initial_ms */
	double multiplier;    /* >= 1.0 */
	double jitter;	      /* 0 <= jitter < 1 */
	uint32_t max_retries; /* 0 = forever */
	int64_t reset_ms;     /* continuous live time that resets the attempt count; 0 = never */
};

struct feed_backoff {
	struct feed_backoff_cfg cfg;
	uint32_t attempt; /* delays handed out since the last reset */
	int64_t floor_ms; /* Retry-After floor for the next delay, 0 = none */
	uint64_t resets;  /* times the live reset happened */
};

/* Returns 0 or -EINVAL for a cfg outside the ranges above. */
int feed_backoff_init(struct feed_backoff *b, const struct feed_backoff_cfg *cfg);

/*
 * The next delay. Returns 0 with *delay_ms set and the attempt counted, or
 * -ETIMEDOUT when max_retries delays were already handed out (the session
 * goes to FAILED). rng_state: a seeded splitmix64 state (feed_rng_seed).
 */
int feed_backoff_next(struct feed_backoff *b, uint64_t *rng_state, int64_t *delay_ms);

/* The un-jittered base of the next attempt (for logs and tests). */
int64_t feed_backoff_base_ms(const struct feed_backoff *b, uint32_t attempt);

/* The session has been LIVE without interruption for `live_ms`: once that
 * reaches cfg.reset_ms the attempt count goes back to 0. Returns 1 if it
 * reset now, 0 otherwise. Idempotent: call it from any timer. */
int feed_backoff_live_for(struct feed_backoff *b, int64_t live_ms);

/* The server said Retry-After: the next delay is at least ms (one use). */
void feed_backoff_retry_after(struct feed_backoff *b, int64_t ms);

/* Forget every attempt and floor. */
void feed_backoff_reset(struct feed_backoff *b);

/* splitmix64: seed with anything (0 is fine), draws 64 random bits. */
void feed_rng_seed(uint64_t *state, uint64_t seed);
uint64_t feed_rng_next(uint64_t *state);
/* Uniform double in [0, 1). */
double feed_rng_unit(uint64_t *state);

#endif /* FEED_BACKOFF_H */
