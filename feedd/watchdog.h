/* SPDX-License-Identifier: MIT */
/*
 * watchdog.h: copies feedd's counters into the bus's health region
 * (include/mdbus_health.h) every FEED_WATCHDOG_MS on the loop timer: the
 * feed heartbeat, one record per session (feed_session_snapshot, with its
 * venue's figures from the REST queue: feed_restq_venue_stats) and one per
 * instrument (feed_sink_instr). Readers (mdbus-top, monitoring, tests)
 * take seqlock snapshots and never block us. No allocation, no syscall:
 * plain stores into the shared mapping.
 */
#ifndef FEED_WATCHDOG_H
#define FEED_WATCHDOG_H

#include <stddef.h>
#include <stdint.h>

#include "mdbus.h"
#include "session.h"
#include "sink.h"

#define FEED_WATCHDOG_MS 50

/* What the feed record says about the process (set once at start-up). */
struct feed_watchdog_cfg {
	void *health; /* the region (mdbus_writer_health) */
	size_t health_size;
	mdbus_writer *w;	      /* its write sequence: the ring rate */
	const struct feed_sink *sink; /* instrument counters */
	uint32_t max_sessions;	      /* session records to reserve (the config's count) */
	uint32_t max_instr;	      /* instrument records to reserve */
	uint32_t pid;
	int64_t start_mono_ns, start_rt_ns;
	uint32_t ring_slots;
	const char *config_path;
};

struct feed_watchdog {
	struct feed_watchdog_cfg c;
	int ok;		     /* region formatted */
	int64_t next;	     /* next run (monotonic) */
	uint64_t count;	     /* runs */
	uint64_t rate_seq;   /* ring seq at the last rate sample */
	int64_t rate_at;     /* time of that sample */
	uint64_t ring_rate;  /* ticks/s */
	unsigned instr_next; /* round-robin cursor for instrument records */
	unsigned live;	     /* sessions LIVE at the last run */
	/* Per session record: the config and latency signature (feed_lat
	 * counters) of its last full publish; an unchanged one skips the
	 * record's histograms (mdbus_health_publish_session_head). */
	const void *lat_cfg[FEED_SESSIONS_MAX];
	uint64_t lat_sig[FEED_SESSIONS_MAX];
};

/* Formats the health region for cfg's sessions and instruments. Returns 0,
 * or -errno (feedd runs on without health records then, logged by the
 * caller; feed_watchdog_run does nothing). */
int feed_watchdog_init(struct feed_watchdog *wd, const struct feed_watchdog_cfg *cfg);

/* One run at monotonic now_ns over sessions sess[0..nsess); feed_state is
 * an enum mdbus_health_feed_state. */
void feed_watchdog_run(struct feed_watchdog *wd, const struct feed_session *sess, unsigned nsess,
		       int64_t now_ns, uint32_t feed_state);

/* One session's record now (a removed session's last: it says STOPPED;
 * the entry is skipped by later runs once freed, cfg NULL). */
void feed_watchdog_session(struct feed_watchdog *wd, const struct feed_session *s, int64_t now_ns);

/* Sessions whose state was LIVE at the last run (counted even when the
 * region is unavailable). */
unsigned feed_watchdog_live(const struct feed_watchdog *wd);

/* 1 when a run is due at now_ns (the daemon then calls feed_watchdog_run);
 * feed_watchdog_deadline is the next one. */
int feed_watchdog_due(const struct feed_watchdog *wd, int64_t now_ns);
int64_t feed_watchdog_deadline(const struct feed_watchdog *wd);

#endif /* FEED_WATCHDOG_H */
