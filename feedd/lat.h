/* SPDX-License-Identifier: MIT */
/*
 * lat.h: a session's latency accounting on the hot path (the histograms of
 * include/mdbus_health.h, enum mdbus_health_hop), kept in private memory
 * and copied into the health region by the watchdog.
 *
 * Cost model: the clock is read once when a TLS record (or a plain input)
 * has been decrypted and once when its messages have been published, and
 * only then if the chunk held a message; each message adds one to the
 * chunk's count; closing the chunk adds that count to two buckets. The
 * exchange hop adds one bucket per tick that carries an exchange time. No
 * allocation, no syscall (CLOCK_REALTIME through the vDSO).
 *
 * Times are CLOCK_REALTIME ns, as the tick's recv_ts: rx_kernel is the
 * kernel's receive stamp of the current input (or the fallback wall clock).
 */
#ifndef FEED_LAT_H
#define FEED_LAT_H

#include <stdint.h>
#include <time.h>

#include "mdbus.h"

struct feed_lat {
	struct mdbus_health_hist hop[MDBUS_HOP__COUNT];
	uint64_t exch_early;		   /* ticks stamped by the exchange after our receive */
	uint64_t rx_stamped, rx_unstamped; /* recvs with / without a kernel stamp */
	uint64_t iter_seen;		   /* loop iteration iter_msgs belongs to */
	uint32_t iter_msgs;		   /* messages in that iteration so far */
	uint32_t chunk_msgs;		   /* messages of the open chunk */
	int64_t rx_kernel;		   /* receive stamp of the current input (realtime) */
	int64_t dec_ns;			   /* the open chunk was decrypted at (0 = none) */
};

static inline int64_t feed_lat_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline uint64_t feed_lat_span(int64_t from, int64_t to)
{
	return to > from ? (uint64_t)(to - from) : 0;
}

/* A new input received at rx_kernel (realtime ns). */
static inline void feed_lat_input(struct feed_lat *l, int64_t rx_kernel, int stamped)
{
	l->rx_kernel = rx_kernel;
	if (stamped)
		l->rx_stamped++;
	else
		l->rx_unstamped++;
}

/* A chunk was decrypted: its messages follow (feed_lat_msg). */
static inline void feed_lat_chunk_open(struct feed_lat *l)
{
	l->dec_ns = feed_lat_now();
	l->chunk_msgs = 0;
}

/* Messages of this session in loop iteration `iter`: the previous
 * iteration's count goes to the msgs_per_iter histogram. */
static inline void feed_lat_iter(struct feed_lat *l, uint64_t iter, uint32_t n)
{
	if (l->iter_seen != iter) {
		if (l->iter_msgs)
			mdbus_hist_add(&l->hop[MDBUS_HOP_MSGS_PER_ITER], l->iter_msgs, 1);
		l->iter_seen = iter;
		l->iter_msgs = 0;
	}
	l->iter_msgs += n;
}

/* The open chunk's messages are published (idempotent: a second call, or
 * one without an open chunk, does nothing). */
static inline void feed_lat_chunk_close(struct feed_lat *l, uint64_t iter)
{
	uint32_t n = l->chunk_msgs;

	if (l->dec_ns && n) {
		int64_t pub = feed_lat_now();

		mdbus_hist_add(&l->hop[MDBUS_HOP_KERNEL_DECRYPT],
			       feed_lat_span(l->rx_kernel, l->dec_ns), n);
		mdbus_hist_add(&l->hop[MDBUS_HOP_DECRYPT_PUBLISH], feed_lat_span(l->dec_ns, pub),
			       n);
		feed_lat_iter(l, iter, n);
	}
	l->dec_ns = 0;
	l->chunk_msgs = 0;
}

/* One message of the open chunk. */
static inline void feed_lat_msg(struct feed_lat *l)
{
	l->chunk_msgs++;
}

/* Exchange time -> kernel receive of n ticks about to be published. */
static inline void feed_lat_ticks(struct feed_lat *l, const struct mdbus_tick *t, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (!t[i].exch_ts)
			continue;
		if (t[i].recv_ts < t[i].exch_ts)
			l->exch_early++;
		else
			mdbus_hist_add(&l->hop[MDBUS_HOP_EXCH_KERNEL],
				       (uint64_t)(t[i].recv_ts - t[i].exch_ts), 1);
	}
}

/* enum mdbus_health_ts_source from the counts. */
static inline uint32_t feed_lat_ts_source(const struct feed_lat *l)
{
	if (!l->rx_stamped && !l->rx_unstamped)
		return MDBUS_TS_NONE;
	if (!l->rx_unstamped)
		return MDBUS_TS_KERNEL;
	return l->rx_stamped ? MDBUS_TS_MIXED : MDBUS_TS_USER;
}

#endif /* FEED_LAT_H */
