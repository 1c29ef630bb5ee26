/* SPDX-License-Identifier: MIT */
/*
 * tools_run.h: process-lifetime helpers for the tools: clean stop on
 * SIGINT/SIGTERM, SIGPIPE turned into EPIPE, clocks, absolute-deadline
 * sleeps.
 */
#ifndef TOOLS_RUN_H
#define TOOLS_RUN_H

#include <stdint.h>
#include <time.h>

/*
 * Installs SIGINT and SIGTERM handlers that only set a stop flag, WITHOUT
 * SA_RESTART so that a blocking wait (futex, nanosleep, read) returns EINTR
 * and the main loop can notice; ignores SIGPIPE so that writing to a closed
 * pipe fails with EPIPE and the tool can exit cleanly instead of dying.
 * Returns 0 or -errno.
 */
int tools_signals_init(void);

/* Non-zero once SIGINT or SIGTERM arrived (the signal number). */
int tools_stop_requested(void);

/* clock_gettime(clk) in nanoseconds. */
int64_t tools_now_ns(clockid_t clk);

/*
 * Sleeps until the absolute time `deadline_ns` on clock `clk`
 * (clock_nanosleep TIMER_ABSTIME, so a schedule built as start + k * period
 * never drifts). Returns 0 when the deadline passed, -EINTR if a stop was
 * requested meanwhile, other -errno.
 */
int tools_sleep_until(clockid_t clk, int64_t deadline_ns);

#endif /* TOOLS_RUN_H */
