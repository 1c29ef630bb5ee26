/* SPDX-License-Identifier: MIT */
/*
 * watchdog.h: copies feedd's plain counters into the bus's health region
 * (include/mdbus_health.h) every FEED_WATCHDOG_MS on the loop timer: the
 * feed heartbeat, one record per session and one per instrument. Readers
 * (mdbus-top, monitoring, tests) take seqlock snapshots and never block us.
 * No allocation, no syscall: plain stores into the shared mapping.
 */
#ifndef FEED_WATCHDOG_H
#define FEED_WATCHDOG_H

#include <stdint.h>

#define FEED_WATCHDOG_MS 50

struct feed_daemon;

/* Formats the health region. Returns 0 or -errno (feedd runs on without
 * health then, logged by the caller). */
int feed_watchdog_init(struct feed_daemon *d);

/* One watchdog run at monotonic now_ns; feed_state is an
 * enum mdbus_health_feed_state. */
void feed_watchdog_run(struct feed_daemon *d, int64_t now_ns, uint32_t feed_state);

/* Stores instrument id's status word at once (enum mdbus_health_instr_status). */
void feed_watchdog_instr_status(struct feed_daemon *d, uint32_t id, uint32_t status);

#endif /* FEED_WATCHDOG_H */
