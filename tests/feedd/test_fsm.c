/* SPDX-License-Identifier: MIT */
/* test_fsm.c: proves the session state table edge by edge. */
#include <errno.h>

#include "fsm.h"
#include "helpers.h"

#define S(x) FEED_ST_##x

/* The table as the design says it must be, written independently of fsm.c:
 * if either changes, this test says which edge. */
static const int expected[][2] = {
	{S(DISCONNECTED), S(RESOLVING)},
	{S(DISCONNECTED), S(STOPPED)},
	{S(RESOLVING), S(CONNECTING)},
	{S(RESOLVING), S(BACKOFF)},
	{S(RESOLVING), S(STOPPED)},
	{S(CONNECTING), S(TLS_HANDSHAKE)},
	{S(CONNECTING), S(WS_HANDSHAKE)},
	{S(CONNECTING), S(BACKOFF)},
	{S(CONNECTING), S(STOPPED)},
	{S(TLS_HANDSHAKE), S(WS_HANDSHAKE)},
	{S(TLS_HANDSHAKE), S(BACKOFF)},
	{S(TLS_HANDSHAKE), S(CLOSING)},
	{S(TLS_HANDSHAKE), S(STOPPED)},
	{S(WS_HANDSHAKE), S(SUBSCRIBING)},
	{S(WS_HANDSHAKE), S(BACKOFF)},
	{S(WS_HANDSHAKE), S(CLOSING)},
	{S(WS_HANDSHAKE), S(STOPPED)},
	{S(SUBSCRIBING), S(LIVE)},
	{S(SUBSCRIBING), S(CLOSING)},
	{S(SUBSCRIBING), S(BACKOFF)},
	{S(SUBSCRIBING), S(STOPPED)},
	{S(LIVE), S(STALE)},
	{S(LIVE), S(CLOSING)},
	{S(LIVE), S(BACKOFF)},
	{S(LIVE), S(STOPPED)},
	{S(STALE), S(CLOSING)},
	{S(CLOSING), S(BACKOFF)},
	{S(CLOSING), S(DISCONNECTED)},
	{S(CLOSING), S(STOPPED)},
	{S(BACKOFF), S(RESOLVING)},
	{S(BACKOFF), S(DISCONNECTED)},
	{S(BACKOFF), S(FAILED)},
	{S(BACKOFF), S(STOPPED)},
	{S(FAILED), S(STOPPED)},
};
#define NEXP (sizeof(expected) / sizeof(expected[0]))

/* docs/ARCHITECTURE.md states this number: change both together. */
#define FEED_FSM_EDGES 34
_Static_assert(NEXP == FEED_FSM_EDGES, "expected table and the documented count agree");

static int is_expected(int from, int to)
{
	size_t i;
	for (i = 0; i < NEXP; i++)
		if (expected[i][0] == from && expected[i][1] == to)
			return 1;
	return 0;
}

/* Long: one test script of checks in order; each step builds on the state the last left. */
int main(void)
{
	const struct feed_fsm_edge *edges;
	struct feed_fsm f;
	unsigned n, i;
	int from, to, allowed = 0;

	/* 1. The full matrix agrees with the expected list (this covers every
	 * allowed edge and every forbidden pair, self loops included). */
	for (from = 0; from < FEED_ST__COUNT; from++)
		for (to = 0; to < FEED_ST__COUNT; to++) {
			int a = feed_fsm_allowed((enum feed_state)from, (enum feed_state)to);
			if (a != is_expected(from, to)) {
				fprintf(stderr, "edge %s -> %s: table says %d\n",
					feed_state_name((enum feed_state)from),
					feed_state_name((enum feed_state)to), a);
				feed_test_failures++;
			}
			allowed += a;
		}
	CHECK_EQ_INT(allowed, NEXP);
	edges = feed_fsm_edges(&n);
	CHECK_EQ_INT(n, NEXP);
	for (i = 0; i < n; i++)
		CHECK(is_expected(edges[i].from, edges[i].to));

	/* 2. Shutdown: STOPPED is reachable from every other state but STALE,
	 * which is left for CLOSING at once, in the call that entered it (a
	 * shutdown can never find a session there); STOPPED is terminal. */
	for (from = 0; from < FEED_ST__COUNT; from++) {
		if (from == FEED_ST_STOPPED)
			continue;
		CHECK_EQ_INT(feed_fsm_allowed((enum feed_state)from, FEED_ST_STOPPED),
			     from != FEED_ST_STALE);
	}
	for (to = 0; to < FEED_ST__COUNT; to++)
		CHECK_EQ_INT(feed_fsm_allowed(FEED_ST_STALE, (enum feed_state)to),
			     to == FEED_ST_CLOSING);
	/* LIVE only from SUBSCRIBING: subscriptions answered, or first data
	 * for a venue without acks (venues/subs.h). */
	for (from = 0; from < FEED_ST__COUNT; from++)
		CHECK_EQ_INT(feed_fsm_allowed((enum feed_state)from, FEED_ST_LIVE),
			     from == FEED_ST_SUBSCRIBING);
	for (to = 0; to < FEED_ST__COUNT; to++)
		CHECK(!feed_fsm_allowed(FEED_ST_STOPPED, (enum feed_state)to));

	/* 3. FAILED only from BACKOFF. */
	for (from = 0; from < FEED_ST__COUNT; from++)
		CHECK_EQ_INT(feed_fsm_allowed((enum feed_state)from, FEED_ST_FAILED),
			     from == FEED_ST_BACKOFF);

	/* 4. Every state is reachable from DISCONNECTED (no dead rows). */
	{
		int seen[FEED_ST__COUNT] = {0}, changed = 1;
		seen[FEED_ST_DISCONNECTED] = 1;
		while (changed) {
			changed = 0;
			for (i = 0; i < n; i++)
				if (seen[edges[i].from] && !seen[edges[i].to])
					seen[edges[i].to] = changed = 1;
		}
		for (to = 0; to < FEED_ST__COUNT; to++)
			CHECK(seen[to]);
	}

	/* 5. Transitions, counters and times on a scripted life. */
	feed_fsm_init(&f, 1000);
	CHECK_EQ_INT(f.state, FEED_ST_DISCONNECTED);
	CHECK_EQ_INT(f.entries[FEED_ST_DISCONNECTED], 1);
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_RESOLVING, 2000), 0);
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_CONNECTING, 2500), 0);
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_TLS_HANDSHAKE, 3000), 0);
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_WS_HANDSHAKE, 4000), 0);
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_SUBSCRIBING, 5000), 0);
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_LIVE, 6000), 0);
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_STALE, 9000), 0);
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_LIVE, 9000),
		     -EINVAL); /* STALE -> CLOSING only */
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_CLOSING, 9500), 0);
	/* forbidden samples: nothing changes but the rejected counter */
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_FAILED, 9600), -EINVAL);
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_LIVE, 9600), -EINVAL);
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_RESOLVING, 9600), -EINVAL);
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_TLS_HANDSHAKE, 9600), -EINVAL);
	CHECK_EQ_INT(feed_fsm_transition(&f, (enum feed_state)99, 9600), -EINVAL);
	CHECK_EQ_INT(f.rejected, 6);
	CHECK_EQ_INT(f.state, FEED_ST_CLOSING);
	CHECK_EQ_INT(f.entered_ns, 9500);
	CHECK_EQ_INT(f.entries[FEED_ST_LIVE], 1);
	CHECK_EQ_INT(f.entries[FEED_ST_CLOSING], 1);
	CHECK_EQ_INT(feed_fsm_time_in_ns(&f, FEED_ST_LIVE, 10000), 3000);
	CHECK_EQ_INT(feed_fsm_time_in_ns(&f, FEED_ST_STALE, 10000), 500);
	CHECK_EQ_INT(feed_fsm_time_in_ns(&f, FEED_ST_DISCONNECTED, 10000), 1000);
	CHECK_EQ_INT(feed_fsm_age_ns(&f, 10000), 500);
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_BACKOFF, 10000), 0);
	CHECK_EQ_INT(f.prev, FEED_ST_CLOSING);
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_FAILED, 11000), 0);
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_RESOLVING, 11000), -EINVAL);
	CHECK_EQ_INT(feed_fsm_transition(&f, FEED_ST_STOPPED, 12000), 0);
	CHECK_EQ_INT(f.transitions, 11);
	CHECK_EQ_INT(feed_state_connected(FEED_ST_LIVE), 1);
	CHECK_EQ_INT(feed_state_connected(FEED_ST_BACKOFF), 0);

	/* 6. Names. */
	for (i = 0; i < FEED_ST__COUNT; i++)
		CHECK(strcmp(feed_state_name((enum feed_state)i), "?") != 0);
	CHECK_STR(feed_state_name(FEED_ST_TLS_HANDSHAKE), "TLS_HANDSHAKE");
	CHECK_STR(feed_state_name((enum feed_state)FEED_ST__COUNT), "?");
	return feed_test_done("test_fsm");
}
