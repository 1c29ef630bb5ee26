/* SPDX-License-Identifier: MIT */
/*
 * notify.h: feedd's side of systemd's service protocol (sd_notify(3), the
 * unit contrib/systemd/feedd@.service). READY=1 once the bus segment
 * exists and every session has started, STATUS= with the live/total session
 * count whenever it changes, WATCHDOG=1 every half WatchdogSec from the
 * loop's watchdog timer (a wedged loop stops pinging and systemd restarts
 * the service), STOPPING=1 at shutdown.
 *
 * Without NOTIFY_SOCKET in the environment (or in a build without
 * libsystemd: meson option `systemd`) every call returns at once on one
 * flag: no syscall, no allocation. With it, the daemon calls these only on
 * the watchdog timer (every 50 ms) and at start and stop, never per tick;
 * a message costs one datagram.
 */
#ifndef FEED_NOTIFY_H
#define FEED_NOTIFY_H

#include <stdint.h>

struct feed_notify {
	int on;		   /* NOTIFY_SOCKET set and built with libsystemd */
	int stopping;	   /* STOPPING=1 sent: STATUS says so */
	int64_t ping_ns;   /* WATCHDOG=1 period (half WATCHDOG_USEC), 0 = none */
	int64_t ping_next; /* monotonic: next WATCHDOG=1 due */
	unsigned live;	   /* sessions live in the last STATUS= sent */
	unsigned total;	   /* sessions in the last STATUS= sent (0 = none sent) */
};

/* Reads NOTIFY_SOCKET and the watchdog period (sd_watchdog_enabled: only
 * when WATCHDOG_PID is unset or ours). Returns 1 when notifications are on,
 * 0 when every call below is a no-op. */
int feed_notify_init(struct feed_notify *n);

/* READY=1 with the first STATUS= (live of total sessions); arms the
 * watchdog pings from now_ns. */
void feed_notify_ready(struct feed_notify *n, unsigned live, unsigned total, int64_t now_ns);

/* STATUS= only if live or total differ from the last one sent. */
void feed_notify_status(struct feed_notify *n, unsigned live, unsigned total);

/* WATCHDOG=1 if a ping is due at now_ns. Call it only from the loop's own
 * timer path: its being called is the proof that the loop is healthy. */
void feed_notify_watchdog(struct feed_notify *n, int64_t now_ns);

/* STOPPING=1 with a STATUS= saying so (once). */
void feed_notify_stopping(struct feed_notify *n);

#endif /* FEED_NOTIFY_H */
