/* SPDX-License-Identifier: MIT */
/* rate.c: token bucket for the global connect rate. */
#include "rate.h"

#include <errno.h>

void feed_rate_init(struct feed_rate *r, double per_sec, int64_t now_ns)
{
	r->rate = per_sec;
	r->cap = per_sec > 1.0 ? per_sec : 1.0;
	r->tokens = r->cap;
	r->last_ns = now_ns;
	r->turn_ns = 0;
}

static void feed_rate_refill(struct feed_rate *r, int64_t now_ns)
{
	if (now_ns > r->last_ns) {
		r->tokens += (double)(now_ns - r->last_ns) * 1e-9 * r->rate;
		if (r->tokens > r->cap)
			r->tokens = r->cap;
	}
	r->last_ns = now_ns > r->last_ns ? now_ns : r->last_ns;
}

int feed_rate_take(struct feed_rate *r, int64_t now_ns, int64_t *ready_ns)
{
	if (r->rate <= 0.0)
		return 0;
	feed_rate_refill(r, now_ns);
	if (r->tokens >= 1.0) {
		r->tokens -= 1.0;
		return 0;
	}
	/* Time until the fractional bucket reaches one whole token; +1 ns so
	 * a caller retrying at *ready_ns never sees 0.99999 tokens. */
	*ready_ns = now_ns + (int64_t)((1.0 - r->tokens) / r->rate * 1e9) + 1;
	return -EAGAIN;
}

int feed_rate_take_turn(struct feed_rate *r, int64_t now_ns, int64_t *ready_ns)
{
	int rc = feed_rate_take(r, now_ns, ready_ns);

	if (rc < 0) {
		/* Behind the waiters already given a time, one refill each: the
		 * bucket refills continuously, so the k-th finds its token then. */
		if (r->turn_ns >= *ready_ns)
			*ready_ns = r->turn_ns + (int64_t)(1e9 / r->rate) + 1;
		r->turn_ns = *ready_ns;
	}
	return rc;
}
