/* SPDX-License-Identifier: MIT */
/*
 * test_rate_queue: the connect-rate bucket after a storm (feedd/rate.c).
 * 200 sessions want to connect at once at 50/s: the burst of 50 goes at
 * once, the other 150 are each told their own time (feed_rate_take_turn) and find their token
 * then, so each wakes once (not 150 wakes at every token, as when every
 * waiter was told the same time). Event-driven with a scripted clock, like
 * feedd's loop: a waiter retries at the time it was given. The bucket's
 * bound holds throughout: no 1-second window with more than cap + rate.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "rate.h"

#define S    INT64_C(1000000000)
#define N    200
#define RATE 50.0
#define CAP  50

static int failures;

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

/* The waiter with the earliest retry time, or -1 if all are connected. */
static int next_waiter(const int64_t *at, const int *done)
{
	int best = -1;

	for (int i = 0; i < N; i++)
		if (!done[i] && (best < 0 || at[i] < at[best]))
			best = i;
	return best;
}

/* Most takes within any window [x, x + 1 s). */
static int max_per_second(const int64_t *taken, int n)
{
	int best = 0, j = 0;

	for (int i = 0; i < n; i++) {
		while (taken[i] - taken[j] >= S)
			j++;
		if (i - j + 1 > best)
			best = i - j + 1;
	}
	return best;
}

int main(void)
{
	static int64_t at[N], taken[N];
	static int done[N];
	struct feed_rate r;
	int64_t t0 = 1000 * S, ready;
	int calls = 0, ntaken = 0, i;

	feed_rate_init(&r, RATE, t0);
	for (i = 0; i < N; i++)
		at[i] = t0; /* everyone's backoff ends at the same instant */
	while ((i = next_waiter(at, done)) >= 0) {
		calls++;
		if (feed_rate_take_turn(&r, at[i], &ready) == 0) {
			done[i] = 1;
			taken[ntaken++] = at[i];
		} else {
			CHECK(ready > at[i]);
			at[i] = ready;
		}
	}
	printf("%d connects took %d calls; the last %.3f s after the first\n", ntaken, calls,
	       (double)(taken[N - 1] - taken[0]) / 1e9);
	CHECK(ntaken == N);
	/* One call per session plus one retry per waiter: each wakes once. */
	CHECK(calls == N + (N - CAP));
	CHECK(max_per_second(taken, ntaken) <= CAP + (int)RATE);
	/* The waiters go one refill apart, so the storm lasts (N - CAP) / rate. */
	CHECK(taken[N - 1] - taken[0] >= (int64_t)((N - CAP) / RATE * 1e9) - 1000);
	CHECK(taken[N - 1] - taken[0] <= (int64_t)((N - CAP) / RATE * 1e9) + S / 100);
	if (failures) {
		fprintf(stderr, "test_rate_queue: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_rate_queue: ok\n");
	return 0;
}
