/* SPDX-License-Identifier: MIT */
/* core_rate: the global connect-rate token bucket with a scripted clock. */
#include <errno.h>
#include <stdio.h>

#include "rate.h"

#define S INT64_C(1000000000)
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

int main(void)
{
	struct feed_rate r;
	int64_t ready = 0, t = 1000 * S;
	int ok = 0;

	/* 5/s: a burst of 5 at start, then one every 200 ms. */
	feed_rate_init(&r, 5.0, t);
	for (int i = 0; i < 10; i++)
		ok += feed_rate_take(&r, t, &ready) == 0;
	CHECK(ok == 5);
	CHECK(feed_rate_take(&r, t, &ready) == -EAGAIN);
	CHECK(ready > t && ready <= t + S / 5 + 1);
	CHECK(feed_rate_take(&r, ready - 1000, &ready) == -EAGAIN);
	CHECK(feed_rate_take(&r, t + S / 5 + 1, &ready) == 0);
	CHECK(feed_rate_take(&r, t + S / 5 + 2, &ready) == -EAGAIN);

	/* Over 10 s at most burst + 10 * rate tokens are handed out. */
	feed_rate_init(&r, 5.0, t);
	ok = 0;
	for (int64_t k = 0; k <= 10000; k++)
		ok += feed_rate_take(&r, t + k * (S / 1000), &ready) == 0;
	CHECK(ok >= 54 && ok <= 55);

	/* Fractional rates: 0.5/s = one token, then one every 2 s. */
	feed_rate_init(&r, 0.5, t);
	CHECK(feed_rate_take(&r, t, &ready) == 0);
	CHECK(feed_rate_take(&r, t, &ready) == -EAGAIN);
	CHECK(ready >= t + 2 * S && ready <= t + 2 * S + 1);

	/* Unlimited. */
	feed_rate_init(&r, 0.0, t);
	for (int i = 0; i < 1000; i++)
		CHECK(feed_rate_take(&r, t, &ready) == 0);
	printf("core_rate: ok\n");
	return 0;
}
