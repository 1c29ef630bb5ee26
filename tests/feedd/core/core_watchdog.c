/* SPDX-License-Identifier: MIT */
/*
 * core_watchdog: feed_watchdog_init reserves the health region for the
 * configured sessions. It runs before the sessions are built, so it must
 * size from the config's count: a region too small for the
 * configured sessions is refused (no silent -ERANGE on every later session
 * publish), and a region that fits gives each session a record.
 * A session's REST block carries its venue's figures from the daemon's
 * queue (restq.h): weight in the window (the server's used-weight header
 * when larger), budget, requests, 429s, the Retry-After end, queued and in
 * flight; a session without a REST client publishes zeros.
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

#define SEC INT64_C(1000000000)

/* A session entry as the daemon builds one, without connections. */
static void rest_session(struct feed_session *s, struct feed_session_config *cfg, unsigned index,
			 const char *name, struct feed_restq *q, uint32_t venue)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->name, sizeof(cfg->name), "%s", name);
	snprintf(cfg->venue, sizeof(cfg->venue), "binance");
	snprintf(cfg->url.host, sizeof(cfg->url.host), "stream.binance.com");
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->index = index;
	s->host.restq = q;
	s->host.rest_venue = venue;
}

/* Long: one scenario, checked field by field after each of two publishes. */
static int rest_block(void)
{
	size_t size = (size_t)MDBUS_HEALTH_REGION_BYTES(2, 4);
	void *region = aligned_alloc(64, size);
	struct feed_session_config ca, cb;
	struct feed_session sa, sb;
	struct feed_watchdog_cfg wc = {.max_sessions = 2, .max_instr = 4, .health_size = size};
	struct feed_watchdog wd;
	struct mdbus_health_session r;
	struct feed_restq q;
	int64_t now = 5000 * SEC, ready;
	int v, a, b;

	CHECK(region);
	wc.health = region;
	CHECK(feed_watchdog_init(&wd, &wc) == 0);
	CHECK(feed_restq_init(&q, 16, 10, 4) == 0);
	CHECK(feed_restq_venue_add(&q, "okx", 600) == 0);
	v = feed_restq_venue_add(&q, "binance", 6000);
	CHECK(v == 1);
	for (uint32_t k = 1; k <= 3; k++)
		CHECK(feed_restq_push(&q, (uint32_t)v, k, 250, 7, now) >= 0);
	a = feed_restq_next(&q, now, &ready);
	b = feed_restq_next(&q, now + SEC / 10, &ready);
	CHECK(a >= 0 && b >= 0);
	/* a answers 429, Retry-After 7 s, the server counting 1200 used. */
	CHECK(feed_restq_done(&q, (uint32_t)a, 429, 1200, 7, now + SEC / 5) == 1);
	rest_session(&sa, &ca, 0, "sess-rest", &q, (uint32_t)v);
	rest_session(&sb, &cb, 1, "sess-ws", NULL, 0);
	feed_watchdog_session(&wd, &sa, now + SEC / 2);
	feed_watchdog_session(&wd, &sb, now + SEC / 2);
	CHECK(mdbus_health_read_session(region, size, 0, &r) == 0);
	CHECK(strcmp(r.name, "sess-rest") == 0);
	CHECK(r.rest.weight == 1200 && r.rest.limit == 6000 && r.rest.window_s == 60);
	CHECK(r.rest.requests == 2 && r.rest.weight_total == 500);
	CHECK(r.rest.queued == 1 && r.rest.inflight == 1);
	CHECK(r.rest.n429 == 1 && r.rest.n418 == 0);
	CHECK(r.rest.blocked_until_ns == now + SEC / 5 + 7 * SEC);
	CHECK(mdbus_health_read_session(region, size, 1, &r) == 0);
	CHECK(strcmp(r.name, "sess-ws") == 0);
	CHECK(r.rest.limit == 0 && r.rest.requests == 0 && r.rest.weight == 0);

	/* Later: b answers 418 without Retry-After, the ban outlasts the 429's
	 * pause; 61 s on, the window has slid past every charge. The record's
	 * histograms did not change, so this publish skips them and must still
	 * carry the REST block. */
	CHECK(feed_restq_done(&q, (uint32_t)b, 418, -1, -1, now + SEC) == 1);
	feed_watchdog_session(&wd, &sa, now + 62 * SEC);
	CHECK(mdbus_health_read_session(region, size, 0, &r) == 0);
	CHECK(r.rest.weight == 0 && r.rest.limit == 6000);
	CHECK(r.rest.requests == 2 && r.rest.inflight == 0 && r.rest.queued == 1);
	CHECK(r.rest.n429 == 1 && r.rest.n418 == 1);
	CHECK(r.rest.blocked_until_ns == now + SEC + (int64_t)FEED_RESTQ_418_S * SEC);
	/* Past the ban: no longer blocked. */
	feed_watchdog_session(&wd, &sa, now + 400 * SEC);
	CHECK(mdbus_health_read_session(region, size, 0, &r) == 0);
	CHECK(r.rest.blocked_until_ns == 0 && r.rest.n418 == 1);
	feed_restq_free(&q);
	free(region);
	return 0;
}

int main(void)
{
	CHECK(run(3, 3, 0) == 0);	/* exact fit */
	CHECK(run(3, 1, -EINVAL) == 0); /* room for 1 of 3 configured sessions */
	CHECK(rest_block() == 0);
	printf("core_watchdog: ok\n");
	return 0;
}
