/* SPDX-License-Identifier: MIT */
/*
 * restq.h: the global REST snapshot queue and the per-venue request-weight
 * limiter, doing NO I/O (feedd/rest.h sends what it hands out).
 *
 * Why: after a mass reconnect every instrument wants a depth snapshot at
 * once; sent as they come, that is a storm the venue answers with 429 and
 * then a ban (418). Here every snapshot request waits in one FIFO:
 *
 *   - an instrument is queued once: pushing one already queued or in flight
 *     is -EALREADY (its pending snapshot will serve);
 *   - requests leave at most FEED_RESTQ_PER_SEC per second over all venues
 *     (spread evenly, not in bursts) and at most max_inflight at a time;
 *   - each venue has a weight budget per minute (a sliding 60 s window of
 *     one-second buckets); a request leaves only if its weight fits, and
 *     the venue's used-weight header (feed_restq_done) can only raise the
 *     count we keep, never lower it;
 *   - 429 stops the venue for Retry-After seconds (FEED_RESTQ_429_S if
 *     absent), 418 bans it until Retry-After (FEED_RESTQ_418_S if absent);
 *   - a session that closes cancels its queued requests (and its in-flight
 *     ones are forgotten when they complete).
 * A venue that must wait never holds up another venue's requests behind it.
 *
 * Memory: arrays sized once at init; push/next/done allocate nothing.
 */
#ifndef FEED_RESTQ_H
#define FEED_RESTQ_H

#include <stddef.h>
#include <stdint.h>

#define FEED_RESTQ_PER_SEC	10u /* default: snapshot requests per second, all venues */
#define FEED_RESTQ_MAX_INFLIGHT 4u  /* default: requests in flight at once */
#define FEED_RESTQ_429_S	30  /* pause after a 429 without Retry-After */
#define FEED_RESTQ_418_S	300 /* ban after a 418 without Retry-After */
#define FEED_RESTQ_VENUES	32u /* venues at most */
#define FEED_RESTQ_WINDOW	60u /* seconds of the weight window */
#define FEED_RESTQ_NAME_MAX	24

/* Per venue, for mdbus-top and the logs. */
struct feed_restq_venue_stats {
	uint32_t budget; /* weight per minute */
	uint32_t
		weight_window; /* weight used in the last 60 s (ours or the server's, the larger) */
	uint64_t weight_total; /* weight charged since start */
	uint64_t requests;     /* requests handed out */
	uint64_t n429, n418;   /* answers of that status */
	int64_t blocked_until; /* CLOCK_MONOTONIC ns; 0 = not blocked */
	uint32_t queued;       /* the venue's requests waiting now */
	uint32_t inflight;     /* ... handed out, not done yet (cancelled ones included) */
};

struct feed_restq_venue {
	char name[FEED_RESTQ_NAME_MAX];
	uint32_t bucket[FEED_RESTQ_WINDOW]; /* weight charged in second bucket_sec[i] */
	int64_t bucket_sec[FEED_RESTQ_WINDOW];
	uint32_t server_used; /* last used-weight header */
	int64_t server_sec;   /* the second it was read in */
	struct feed_restq_venue_stats st;
};

enum feed_restq_state { FEED_RESTQ_FREE = 0, FEED_RESTQ_QUEUED, FEED_RESTQ_INFLIGHT };

/* One request. id is its index, stable from push to done. */
struct feed_restq_item {
	uint32_t venue;	   /* from feed_restq_venue_add */
	uint32_t key;	   /* the instrument (unique per venue) */
	uint32_t weight;   /* charged when it leaves */
	uint32_t owner;	   /* the session: feed_restq_cancel_owner */
	uint8_t state;	   /* enum feed_restq_state */
	uint8_t cancelled; /* in flight when its owner went away */
	uint32_t next;	   /* FIFO / free list link, UINT32_MAX = end */
	int64_t queued_at; /* CLOCK_MONOTONIC ns */
};

struct feed_restq_stats {
	uint32_t queued, inflight; /* now */
	uint64_t pushed, issued, dedup, cancelled, full;
};

struct feed_restq {
	struct feed_restq_item *it;
	uint32_t cap;
	uint32_t head, tail, free; /* FIFO of QUEUED items; free list */
	uint32_t per_sec, max_inflight;
	int64_t next_issue; /* earliest ns the next request may leave (spreading) */
	struct feed_restq_venue v[FEED_RESTQ_VENUES];
	uint32_t nvenues;
	struct feed_restq_stats st;
};

/* Room for cap requests; per_sec and max_inflight 0 take the defaults.
 * Returns 0, -EINVAL or -ENOMEM. */
int feed_restq_init(struct feed_restq *q, uint32_t cap, uint32_t per_sec, uint32_t max_inflight);

/* A venue with budget weight per minute (> 0). Returns its id (>= 0) or
 * -ENOSPC/-EINVAL. Adding a name again returns the existing id (budget
 * updated). */
int feed_restq_venue_add(struct feed_restq *q, const char *name, uint32_t budget);

/* Queues a request (weight >= 1, <= the venue's budget). Returns its id
 * (>= 0), -EALREADY if (venue, key) is already queued or in flight, -ENOSPC
 * when full, -EINVAL. */
int feed_restq_push(struct feed_restq *q, uint32_t venue, uint32_t key, uint32_t weight,
		    uint32_t owner, int64_t now);

/* The first queued request that may leave now: returns its id (it is now in
 * flight, its weight charged) or -EAGAIN with *ready_at the earliest time
 * one may (0: nothing queued that time alone would release, i.e. the queue
 * is empty or the in-flight cap is reached). */
int feed_restq_next(struct feed_restq *q, int64_t now, int64_t *ready_at);

/* The request id finished: status is the HTTP status (or a -errno),
 * used_weight the venue's used-weight header (-1: none), retry_after_s
 * Retry-After (-1: none). Applies 429/418. Returns 1 if the caller should
 * retry it later (429, 418, 5xx or a transport error, and not cancelled),
 * 0 otherwise, -EINVAL for an id not in flight. The id is freed either way. */
int feed_restq_done(struct feed_restq *q, uint32_t id, int status, int64_t used_weight,
		    int64_t retry_after_s, int64_t now);

/* Drops every queued request of owner; marks its in-flight ones cancelled
 * (done() then reports 0). Returns how many were dropped or marked. */
int feed_restq_cancel_owner(struct feed_restq *q, uint32_t owner);

/* Drops the queued request for (venue, key). 0, or -ENOENT. */
int feed_restq_cancel(struct feed_restq *q, uint32_t venue, uint32_t key);

/* 1 if (venue, key) is queued or in flight (its instrument is resyncing). */
int feed_restq_pending(const struct feed_restq *q, uint32_t venue, uint32_t key);

/* A venue's counters, with weight_window brought to now. NULL if no such venue. */
const struct feed_restq_venue_stats *feed_restq_venue_stats(struct feed_restq *q, uint32_t venue,
							    int64_t now);

/* The request behind an id (valid until done/cancel). */
const struct feed_restq_item *feed_restq_item(const struct feed_restq *q, uint32_t id);

/* Frees the arrays. Safe on a zeroed q. */
void feed_restq_free(struct feed_restq *q);

#endif /* FEED_RESTQ_H */
