/* SPDX-License-Identifier: MIT */
/*
 * test_sessions: feedd takes a config with many sessions and the bus it
 * opens holds a health record for each. 200 sessions load (the storm test's
 * count); FEED_SESSIONS_MAX load; one more is refused at its [session] line;
 * a writer opened with max_sessions = 200 (what feedd passes: its session
 * count) has a health region with at least 200 session records.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "helpers.h"
#include "mdbus.h"

/* A config of n sessions, one symbol each; caller frees. */
static char *sessions_config(int n)
{
	size_t cap = 256 + (size_t)n * 64, len;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	len = (size_t)snprintf(s, cap, "[bus]\nname = many\n[feed]\nvenue = binance\n");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len,
					"[session s%04d]\nsymbols = X%04d-USDT\n", i, i);
	return s;
}

static void check_load(int n, int want_rc)
{
	struct feed_config c;
	char err[512], want[64];
	char *text = sessions_config(n);
	int rc;

	CHECK(text != NULL);
	if (!text)
		return;
	rc = feed_config_load_string(text, "many.ini", &c, err, sizeof(err));
	CHECK_EQ_INT(rc, want_rc);
	if (want_rc == 0 && rc == 0) {
		CHECK_EQ_INT(c.nsessions, n);
		snprintf(want, sizeof(want), "s%04d", n - 1);
		CHECK_STR(c.sessions[n - 1].name, want);
	} else if (want_rc != 0) {
		/* The refused [session] is on line 5 + 2 * FEED_SESSIONS_MAX. */
		snprintf(want, sizeof(want), "many.ini:%d: too many sessions (max %d)",
			 5 + 2 * FEED_SESSIONS_MAX, FEED_SESSIONS_MAX);
		CHECK_STR(err, want);
	}
	feed_config_free(&c);
	free(text);
}

static void check_health_records(uint32_t n)
{
	char bus[64];
	mdbus_writer *w;
	struct mdbus_writer_opts wo = {.slots = 64, .max_sessions = n};
	struct mdbus_health_geom g;
	size_t size;

	snprintf(bus, sizeof(bus), "rel-sessions-%d", (int)getpid());
	wo.bus = bus;
	CHECK_EQ_INT(mdbus_writer_open(&w, &wo), 0);
	void *h = mdbus_writer_health(w, &size);
	CHECK_EQ_INT(mdbus_health_writer_init(h, size, n, 4096), 0);
	CHECK_EQ_INT(mdbus_health_check(h, size, &g), 0);
	CHECK(g.max_sessions >= n);
	struct mdbus_health_session s = {.state = MDBUS_HEALTH_ST_LIVE};
	CHECK_EQ_INT(mdbus_health_publish_session(h, n - 1, &s), 0);
	mdbus_writer_close(w, 1);
}

int main(void)
{
	check_load(200, 0);
	check_load(FEED_SESSIONS_MAX, 0);
	check_load(FEED_SESSIONS_MAX + 1, -EINVAL);
	check_health_records(200);
	return feed_test_done("test_sessions");
}
