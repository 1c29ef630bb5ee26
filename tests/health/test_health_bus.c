/* SPDX-License-Identifier: MIT */
/*
 * test_health_bus: the mdbus_reader-side helpers on a real bus: snapshots,
 * find_session, session_healthy, instr_status, feed_alive (fresh, stale
 * heartbeat, STOPPED, SIGKILLed writer), and a corrupted region refused.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mdbus.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static char bus[64];

static void cleanup(void)
{
	char p[128];
	snprintf(p, sizeof(p), "/dev/shm/mdbus-%s", bus);
	unlink(p);
	snprintf(p, sizeof(p), "/dev/shm/mdbus-%s.lock", bus);
	unlink(p);
	snprintf(p, sizeof(p), "/dev/shm/mdbus-%s.readers", bus);
	unlink(p);
}

static int open_writer(mdbus_writer **w, void **region, size_t *size)
{
	struct mdbus_writer_opts o = {.bus = bus,
				      .slots = 64,
				      .max_instruments = 4,
				      .max_sessions = 2,
				      .group = (gid_t)-1};
	struct mdbus_instrument in = {.price_decimals = 2,
				      .qty_decimals = 3,
				      .venue = "binance",
				      .symbol = "BTC-USDT",
				      .native = "BTCUSDT"};
	uint32_t id;
	int rc = mdbus_writer_open(w, &o);

	if (rc < 0)
		return rc;
	if ((rc = mdbus_writer_add_instrument(*w, &in, &id)) < 0)
		return rc;
	*region = mdbus_writer_health(*w, size);
	return mdbus_health_writer_init(*region, *size, 2, 4);
}

static void fill(void *region, int64_t hb)
{
	struct mdbus_health_feed f = {.pid = (uint32_t)getpid(),
				      .state = MDBUS_HEALTH_FEED_RUNNING,
				      .heartbeat_mono_ns = hb};
	struct mdbus_health_session s = {.state = MDBUS_HEALTH_ST_LIVE,
					 .state_since_ns = hb,
					 .last_msg_ns = hb,
					 .stale_timeout_ms = 5000};
	struct mdbus_health_instr in = {.status = MDBUS_HEALTH_INSTR_LIVE, .last_price = 4200};

	strcpy(s.name, "alpha");
	mdbus_health_publish_feed(region, &f);
	mdbus_health_publish_session(region, 0, &s);
	strcpy(s.name, "beta");
	s.state = MDBUS_HEALTH_ST_BACKOFF;
	mdbus_health_publish_session(region, 1, &s);
	mdbus_health_publish_instr(region, 0, &in);
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(void)
{
	mdbus_writer *w;
	mdbus_reader *r;
	void *region;
	size_t size;
	uint32_t idx = 99;

	snprintf(bus, sizeof(bus), "hbus-%d", (int)getpid());
	atexit(cleanup);
	if (open_writer(&w, &region, &size) < 0) {
		fprintf(stderr, "writer open failed\n");
		return 1;
	}
	struct mdbus_reader_opts ro = {.bus = bus};
	if (mdbus_reader_open(&r, &ro) < 0) {
		fprintf(stderr, "reader open failed\n");
		return 1;
	}
	/* Initialised but nothing published yet: dead, no sessions. */
	CHECK(mdbus_health_feed_alive(r, 1000) == 0);
	CHECK(mdbus_health_session_count(r) == 0);
	CHECK(mdbus_health_find_session(r, "alpha", &idx) == -ENOENT);

	fill(region, mdbus_health_mono_ns());
	struct mdbus_health_geom g;
	CHECK(mdbus_health_geometry(r, &g) == 0 && g.max_sessions == 2 && g.max_instr == 4);
	CHECK(mdbus_health_session_count(r) == 2);
	CHECK(mdbus_health_feed_alive(r, 1000) == 1);
	CHECK(mdbus_health_find_session(r, "beta", &idx) == 0 && idx == 1);
	CHECK(mdbus_health_session_healthy(r, "alpha") == 1);
	CHECK(mdbus_health_session_healthy(r, "beta") == 0);
	CHECK(mdbus_health_session_healthy(r, "gamma") == -ENOENT);
	CHECK(mdbus_health_instr_status(r, 0) == MDBUS_HEALTH_INSTR_LIVE);
	CHECK(mdbus_health_instr_status(r, 4) == -ERANGE);
	struct mdbus_health_instr hi;
	CHECK(mdbus_health_snapshot_instr(r, 0, &hi) == 0 && hi.last_price == 4200);
	CHECK(mdbus_health_set_instr_status(region, 0, MDBUS_HEALTH_INSTR_GAP) == 0);
	CHECK(mdbus_health_instr_status(r, 0) == MDBUS_HEALTH_INSTR_GAP);
	struct mdbus_health_feed f;
	CHECK(mdbus_health_snapshot_feed(r, &f) == 0 && f.pid == (uint32_t)getpid());

	/* A heartbeat older than max_age: dead although the process lives. */
	fill(region, mdbus_health_mono_ns() - 2000000000LL);
	CHECK(mdbus_health_feed_alive(r, 1000) == 0);
	CHECK(mdbus_health_feed_alive(r, 5000) == 1);
	/* ... and so is everything the strategy gates on (the regression: a
	 * dead feed's words said "live" for ever): 2 s > 3 x the 100 ms default
	 * period, though 2 s < the session's own 5 s stale timeout. */
	CHECK(mdbus_health_session_healthy(r, "alpha") == 0);
	CHECK(mdbus_health_instr_status(r, 0) == MDBUS_HEALTH_INSTR_DOWN);
	struct mdbus_health_session ss;
	CHECK(mdbus_health_snapshot_session(r, 0, &ss) == 0 && ss.verdict == MDBUS_HEALTH_DOWN &&
	      strcmp(ss.verdict_reason, "feed dead") == 0);
	/* A feed that declares a 1 s period is alive at 2 s. */
	struct mdbus_health_feed f1 = {.pid = (uint32_t)getpid(),
				       .state = MDBUS_HEALTH_FEED_RUNNING,
				       .heartbeat_mono_ns = mdbus_health_mono_ns() - 2000000000LL,
				       .heartbeat_period_ms = 1000};
	mdbus_health_publish_feed(region, &f1);
	CHECK(mdbus_health_feed_alive(r, 0) == 1);
	CHECK(mdbus_health_session_healthy(r, "alpha") == 1);
	CHECK(mdbus_health_instr_status(r, 0) == MDBUS_HEALTH_INSTR_LIVE);
	f1.state = MDBUS_HEALTH_FEED_STOPPED; /* a feed that stopped is not live either */
	mdbus_health_publish_feed(region, &f1);
	CHECK(mdbus_health_instr_status(r, 0) == MDBUS_HEALTH_INSTR_DOWN);
	fill(region, mdbus_health_mono_ns() - 2000000000LL);

	/* A corrupted region is refused by every helper. */
	uint64_t magic;
	memcpy(&magic, region, 8);
	memset(region, 0x5a, 8);
	CHECK(mdbus_health_feed_alive(r, 1000) == -EBADMSG);
	CHECK(mdbus_health_session_count(r) == -EBADMSG);
	CHECK(mdbus_health_instr_status(r, 0) == -EBADMSG);
	CHECK(mdbus_health_session_healthy(r, "alpha") == -EBADMSG);
	memcpy(region, &magic, 8);
	CHECK(mdbus_health_feed_alive(r, 5000) == 1); /* restored: accepted again */

	/* Clean close: STOPPED => dead. */
	mdbus_writer_close(w, 0);
	CHECK(mdbus_health_feed_alive(r, 60000) == 0);
	mdbus_reader_close(r);
	cleanup();

	/* SIGKILLed writer process: dead at once (name lock), not after max_age. */
	int pfd[2];
	if (pipe(pfd) < 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		if (open_writer(&w, &region, &size) < 0)
			_exit(1);
		for (;;) {
			fill(region, mdbus_health_mono_ns());
			if (pfd[1] >= 0) {
				(void)!write(pfd[1], "r", 1);
				close(pfd[1]);
				pfd[1] = -1;
			}
			usleep(50000);
		}
	}
	close(pfd[1]);
	char c;
	CHECK(read(pfd[0], &c, 1) == 1);
	close(pfd[0]);
	CHECK(mdbus_reader_open(&r, &ro) == 0);
	CHECK(mdbus_health_feed_alive(r, 60000) == 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int alive = mdbus_health_feed_alive(r, 60000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(alive == 0);
	CHECK((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 100);
	/* kill -9 left every word saying "live": the strategy-facing calls must
	 * say dead at once (lock) or within 3 heartbeat periods (fast path). */
	CHECK(mdbus_health_session_healthy(r, "alpha") == 0);
	struct mdbus_health_session ks;
	CHECK(mdbus_health_snapshot_session(r, 0, &ks) == 0 && ks.verdict == MDBUS_HEALTH_DOWN);
	int64_t dl = mdbus_health_mono_ns() + 1000000000LL;
	while (mdbus_health_instr_status(r, 0) != MDBUS_HEALTH_INSTR_DOWN &&
	       mdbus_health_mono_ns() < dl)
		usleep(5000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(mdbus_health_instr_status(r, 0) == MDBUS_HEALTH_INSTR_DOWN);
	/* 3 x 100 ms default period, plus the coarse clock's tick */
	CHECK((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 400);
	mdbus_reader_close(r);

	if (failures)
		return 1;
	printf("bus helpers: all checks pass\n");
	return 0;
}
