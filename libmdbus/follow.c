/* SPDX-License-Identifier: MIT */
/*
 * follow.c: waiting for the next writer of a bus (mdbus_reader_follow).
 *
 * A consumer whose writer stopped, died or was replaced must neither spin
 * (mdbus_reader_wait and mdbus_reader_next report the end at once, every
 * time) nor miss the successor. We look at the bus name, then sleep, with a
 * backoff from MDBUS_FOLLOW_MIN_MS to MDBUS_FOLLOW_MAX_MS; a look costs one
 * lstat while nothing changed (reader.c, mdbus__reader_follow_try). On a
 * stopped or replaced segment the sleep is a futex wait that the next
 * writer ends as soon as it takes the name (it marks the old segment
 * REPLACED and wakes it first), and the backoff restarts short because its
 * segment appears at the name a few milliseconds later.
 *
 * Why polling and not inotify on /dev/shm: measured on the 2-core test
 * machine (tests/bus/test_follow.c prints both), a reader waiting 3 s in
 * mdbus_reader_follow for a bus whose segment was removed used ~3 ms of CPU
 * (0.1 %, at the kernel's accounting granularity), and one waiting on a
 * stopped segment was re-attached ~4 ms after the successor started; so
 * inotify has no CPU to save. It would shorten the pick-up only when the
 * old segment was unlinked (no futex to wake), from at most
 * MDBUS_FOLLOW_MAX_MS to ~0, at the price of an extra descriptor per
 * waiting reader and a per-user instance limit
 * (fs.inotify.max_user_instances, 128 on Debian) that a host full of
 * consumers could exhaust.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "internal.h"
#include "mdbus.h"

#define MDBUS_FOLLOW_MIN_MS 5
#define MDBUS_FOLLOW_MAX_MS 100

static int64_t mdbus_follow_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How long to sleep next: the period, never past the deadline; 0 = time is up. */
static int mdbus_follow_nap_ms(int64_t deadline, int period)
{
	if (deadline == INT64_MAX)
		return period;
	int64_t left = deadline - mdbus_follow_now_ms();
	if (left <= 0)
		return 0;
	return left < period ? (int)left : period;
}

static int mdbus_follow_sleep(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	int rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	return rc == 0 ? -ETIMEDOUT : -rc;
}

/* No reader yet: open the bus as soon as it exists and is initialised. */
static int mdbus_follow_open(mdbus_reader **out, const struct mdbus_reader_opts *opts,
			     int64_t deadline)
{
	int period = MDBUS_FOLLOW_MIN_MS;
	for (;;) {
		int rc = mdbus_reader_open(out, opts);
		if (rc != -ENOENT && rc != -EAGAIN)
			return rc;
		int ms = mdbus_follow_nap_ms(deadline, period);
		if (ms == 0)
			return -ETIMEDOUT;
		if (mdbus_follow_sleep(ms) == -EINTR)
			return -EINTR;
		period = period * 2 < MDBUS_FOLLOW_MAX_MS ? period * 2 : MDBUS_FOLLOW_MAX_MS;
	}
}

int mdbus_reader_follow(mdbus_reader **r, const struct mdbus_reader_opts *opts, int timeout_ms)
{
	if (r == NULL)
		return -EINVAL;
	int64_t deadline = timeout_ms < 0 ? INT64_MAX : mdbus_follow_now_ms() + (int64_t)timeout_ms;
	if (*r == NULL)
		return mdbus_follow_open(r, opts, deadline);
	char *eb = opts != NULL ? opts->errbuf : NULL;
	size_t el = opts != NULL ? opts->errlen : 0;
	if (eb != NULL && el > 0)
		eb[0] = '\0';
	int period = MDBUS_FOLLOW_MIN_MS;
	for (;;) {
		uint32_t wake;
		int rc = mdbus__reader_follow_try(*r, &wake, eb, el);
		if (rc != 0)
			return rc < 0 ? rc : 0;
		int ms = mdbus_follow_nap_ms(deadline, period);
		if (ms == 0)
			return -ETIMEDOUT;
		rc = mdbus__reader_follow_nap(*r, wake, ms);
		if (rc == -EINTR)
			return rc;
		/* Woken by a successor: its segment is at the name within
		 * milliseconds, so look again soon. */
		if (rc == 0)
			period = MDBUS_FOLLOW_MIN_MS;
		else if (period < MDBUS_FOLLOW_MAX_MS)
			period =
				period * 2 < MDBUS_FOLLOW_MAX_MS ? period * 2 : MDBUS_FOLLOW_MAX_MS;
	}
}
