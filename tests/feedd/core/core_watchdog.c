/* SPDX-License-Identifier: MIT */
/*
 * core_watchdog: feed_watchdog_init reserves the health region for the
 * configured sessions. It runs before the sessions are built, so it must
 * size from the config's count: a region too small for the
 * configured sessions is refused (no silent -ERANGE on every later session
 * publish), and a region that fits gives each session a record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	struct feed_watchdog_cfg wc;
	struct feed_watchdog wd;
	struct mdbus_health_geom g;
	size_t size = (size_t)MDBUS_HEALTH_REGION_BYTES(room, 16);
	void *region = aligned_alloc(64, size);

	CHECK(region);
	memset(&wc, 0, sizeof(wc));
	wc.max_sessions = nsessions; /* the config's count: sessions come later */
	wc.max_instr = 16;
	wc.health = region;
	wc.health_size = size;
	CHECK(feed_watchdog_init(&wd, &wc) == want_rc);
	CHECK(wd.ok == (want_rc == 0));
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
