/* SPDX-License-Identifier: MIT */
/*
 * core_watchdog: feed_watchdog_init reserves the health region for the
 * configured sessions. It runs before the sessions are built (d->nsess is
 * still 0), so it must size from the config: a region too small for the
 * configured sessions is refused (no silent -ERANGE on every later session
 * publish), and a region that fits gives each session a record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "mdbus_health.h"
#include "watchdog.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

static int run(uint32_t nsessions, uint32_t room, int want_rc)
{
	struct feed_config cfg;
	struct feed_daemon d;
	struct mdbus_health_geom g;
	size_t size = (size_t)MDBUS_HEALTH_REGION_BYTES(room, 16);
	void *region = aligned_alloc(64, size);

	CHECK(region);
	memset(&cfg, 0, sizeof(cfg));
	memset(&d, 0, sizeof(d));
	cfg.nsessions = nsessions;
	d.cfg = &cfg;
	d.nsess = 0; /* as in feed_daemon_init: sessions come later */
	d.max_instr = 16;
	d.health = region;
	d.health_size = size;
	CHECK(feed_watchdog_init(&d) == want_rc);
	if (want_rc == 0) {
		CHECK(mdbus_health_check(region, size, &g) == 0);
		CHECK(g.max_sessions >= nsessions);
		CHECK(mdbus_health_publish_session(region, nsessions - 1,
						   &(struct mdbus_health_session){0}) == 0);
	}
	free(region);
	return 0;
}

int main(void)
{
	CHECK(run(3, 3, 0) == 0);	/* exact fit */
	CHECK(run(3, 1, -EINVAL) == 0); /* room for 1 of 3 configured sessions */
	printf("core_watchdog: ok\n");
	return 0;
}
