/* SPDX-License-Identifier: MIT */
/* notify.c: READY, STATUS, WATCHDOG and STOPPING through libsystemd's
 * sd_notify (a no-op on one flag when NOTIFY_SOCKET is unset). */
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#ifdef FEED_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

/* One datagram; a failed send is logged, never fatal: the service manager
 * sees the consequence (a start timeout, a watchdog restart). */
static void notify_send(struct feed_notify *n, const char *msg)
{
#ifdef FEED_HAVE_SYSTEMD
	int rc = sd_notify(0, msg);

	if (rc < 0)
		feed_log(FEED_LOG_WARN, LOG_EV("sd_notify"), LOG_S("reason", strerror(-rc)));
#else
	(void)msg;
#endif
	(void)n;
}

static void notify_status(struct feed_notify *n, const char *prefix, unsigned live, unsigned total)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "%sSTATUS=%s%u/%u sessions live", prefix,
		 n->stopping ? "stopping: " : "", live, total);
	n->live = live;
	n->total = total;
	notify_send(n, msg);
}

int feed_notify_init(struct feed_notify *n)
{
	memset(n, 0, sizeof(*n));
	if (!getenv("NOTIFY_SOCKET"))
		return 0;
#ifdef FEED_HAVE_SYSTEMD
	uint64_t usec = 0;

	n->on = 1;
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
		n->ping_ns = (int64_t)(usec / 2) * 1000;
#else
	feed_log(FEED_LOG_WARN, LOG_EV("sd_notify"),
		 LOG_S("reason", "NOTIFY_SOCKET is set but feedd was built without systemd "
				 "support: no READY=1 will be sent"));
#endif
	return n->on;
}

void feed_notify_ready(struct feed_notify *n, unsigned live, unsigned total, int64_t now_ns)
{
	if (!n->on)
		return;
	notify_status(n, "READY=1\n", live, total);
	n->ping_next = now_ns + n->ping_ns;
}

void feed_notify_status(struct feed_notify *n, unsigned live, unsigned total)
{
	if (!n->on || (live == n->live && total == n->total))
		return;
	notify_status(n, "", live, total);
}

void feed_notify_watchdog(struct feed_notify *n, int64_t now_ns)
{
	if (!n->on || !n->ping_ns || now_ns < n->ping_next)
		return;
	n->ping_next = now_ns + n->ping_ns;
	notify_send(n, "WATCHDOG=1");
}

void feed_notify_stopping(struct feed_notify *n)
{
	if (!n->on || n->stopping)
		return;
	n->stopping = 1;
	notify_status(n, "STOPPING=1\n", n->live, n->total);
}
