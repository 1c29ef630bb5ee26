/* SPDX-License-Identifier: MIT */
/*
 * rate.h: the global connect-rate token bucket shared by all sessions
 * ([feed] connect_rate, new connections per second). Pure: the caller
 * passes the time in, so it is tested with scripted clocks.
 *
 * The bucket holds at most max(1, rate) tokens (a burst of one second's
 * worth) and refills continuously at `rate` tokens per second. It starts
 * full so that start-up connects every session at once when rate allows.
 */
#ifndef FEED_RATE_H
#define FEED_RATE_H

#include <stdint.h>

struct feed_rate {
	double rate;	 /* tokens per second; <= 0 = unlimited */
	double cap;	 /* bucket size */
	double tokens;	 /* available now */
	int64_t last_ns; /* time of the last refill */
	int64_t turn_ns; /* feed_rate_take_turn: the latest turn given */
};

void feed_rate_init(struct feed_rate *r, double per_sec, int64_t now_ns);

/* Takes one token: returns 0, or -EAGAIN with *ready_ns set to the
 * monotonic time at which a token will be available. */
int feed_rate_take(struct feed_rate *r, int64_t now_ns, int64_t *ready_ns);

/* The same for callers that each come back once, at *ready_ns (feedd's
 * sessions): a caller turned away is given its own turn, one token's refill
 * after the latest turn already given, so after a storm every waiting
 * session wakes about once instead of all of them at every token. The
 * bucket's bound is the same. */
int feed_rate_take_turn(struct feed_rate *r, int64_t now_ns, int64_t *ready_ns);

#endif /* FEED_RATE_H */
