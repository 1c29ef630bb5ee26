/* SPDX-License-Identifier: MIT */
/* fsm.c: the session state table (see fsm.h for the life cycle). */
#include <errno.h>
#include <string.h>

#include "fsm.h"

#define E(a, b)                                                                                    \
	{                                                                                          \
		FEED_ST_##a, FEED_ST_##b                                                           \
	}

/*
 * Every allowed edge (34), grouped by source state; each one is taken by the
 * session code, none is kept "just in case". Anything not listed is a bug
 * in the caller. Kept as a list (not a matrix literal) so a reviewer can
 * read each edge; feed_fsm_allowed() builds the matrix view lazily-free by
 * scanning it (the list is short and transitions are rare, not per tick).
 */
static const struct feed_fsm_edge feed_fsm_edge_list[] = {
	/* start, planned reconnect, connect-rate wait */
	E(DISCONNECTED, RESOLVING), E(DISCONNECTED, STOPPED),
	/* DNS */
	E(RESOLVING, CONNECTING), E(RESOLVING, BACKOFF), /* DNS error / timeout */
	E(RESOLVING, STOPPED),
	/* TCP */
	E(CONNECTING, TLS_HANDSHAKE), /* wss:// */
	E(CONNECTING, WS_HANDSHAKE),  /* ws://: no TLS */
	E(CONNECTING, BACKOFF),	      /* refused, unreachable, timeout */
	E(CONNECTING, STOPPED),
	/* TLS */
	E(TLS_HANDSHAKE, WS_HANDSHAKE),
	E(TLS_HANDSHAKE, BACKOFF), /* alert, verify failure, timeout, EOF */
	E(TLS_HANDSHAKE, CLOSING), /* shutdown: send close_notify */
	E(TLS_HANDSHAKE, STOPPED),
	/* HTTP upgrade */
	E(WS_HANDSHAKE, SUBSCRIBING),
	E(WS_HANDSHAKE, BACKOFF), /* non-101, bad accept key, 429 with Retry-After */
	E(WS_HANDSHAKE, CLOSING), E(WS_HANDSHAKE, STOPPED),
	/* subscriptions: LIVE when answered (venues/subs.h) */
	E(SUBSCRIBING, LIVE), E(SUBSCRIBING, CLOSING), /* everything rejected, shutdown, timeout */
	E(SUBSCRIBING, BACKOFF),		       /* transport error */
	E(SUBSCRIBING, STOPPED),
	/* data */
	E(LIVE, STALE),	  /* no market data within stale_timeout */
	E(LIVE, CLOSING), /* max_lifetime, pong timeout, shutdown, venue asked */
	E(LIVE, BACKOFF), /* transport error, peer vanished */
	E(LIVE, STOPPED),
	/* STALE is left at once, in the call that entered it: the stale
	 * connection is closed politely and replaced. */
	E(STALE, CLOSING),
	/* closing */
	E(CLOSING, BACKOFF),	  /* reconnect after an error */
	E(CLOSING, DISCONNECTED), /* planned reconnect: no delay */
	E(CLOSING, STOPPED),	  /* shutdown complete or deadline */
	/* waiting */
	E(BACKOFF, RESOLVING),			 /* delay over */
	E(BACKOFF, DISCONNECTED),		 /* delay over, waiting for the connect rate */
	E(BACKOFF, FAILED),			 /* retries exhausted: only from here */
	E(BACKOFF, STOPPED), E(FAILED, STOPPED), /* shutdown bookkeeping */
};

#undef E

static const char *const feed_state_names[FEED_ST__COUNT] = {
	[FEED_ST_DISCONNECTED] = "DISCONNECTED",
	[FEED_ST_RESOLVING] = "RESOLVING",
	[FEED_ST_CONNECTING] = "CONNECTING",
	[FEED_ST_TLS_HANDSHAKE] = "TLS_HANDSHAKE",
	[FEED_ST_WS_HANDSHAKE] = "WS_HANDSHAKE",
	[FEED_ST_SUBSCRIBING] = "SUBSCRIBING",
	[FEED_ST_LIVE] = "LIVE",
	[FEED_ST_STALE] = "STALE",
	[FEED_ST_CLOSING] = "CLOSING",
	[FEED_ST_BACKOFF] = "BACKOFF",
	[FEED_ST_FAILED] = "FAILED",
	[FEED_ST_STOPPED] = "STOPPED",
};

const struct feed_fsm_edge *feed_fsm_edges(unsigned *n)
{
	*n = (unsigned)(sizeof(feed_fsm_edge_list) / sizeof(feed_fsm_edge_list[0]));
	return feed_fsm_edge_list;
}

const char *feed_state_name(enum feed_state s)
{
	if ((unsigned)s >= FEED_ST__COUNT)
		return "?";
	return feed_state_names[s];
}

int feed_fsm_allowed(enum feed_state from, enum feed_state to)
{
	size_t i;

	if ((unsigned)from >= FEED_ST__COUNT || (unsigned)to >= FEED_ST__COUNT)
		return 0;
	for (i = 0; i < sizeof(feed_fsm_edge_list) / sizeof(feed_fsm_edge_list[0]); i++)
		if (feed_fsm_edge_list[i].from == from && feed_fsm_edge_list[i].to == to)
			return 1;
	return 0;
}

int feed_state_connected(enum feed_state s)
{
	return s >= FEED_ST_CONNECTING && s <= FEED_ST_CLOSING;
}

void feed_fsm_init(struct feed_fsm *f, int64_t now_ns)
{
	memset(f, 0, sizeof(*f));
	f->state = FEED_ST_DISCONNECTED;
	f->prev = FEED_ST_DISCONNECTED;
	f->entered_ns = now_ns;
	f->entries[FEED_ST_DISCONNECTED] = 1;
}

int feed_fsm_transition(struct feed_fsm *f, enum feed_state to, int64_t now_ns)
{
	if (!feed_fsm_allowed(f->state, to)) {
		f->rejected++;
		return -EINVAL;
	}
	/* A clock that steps backwards must not make time_in negative. */
	if (now_ns > f->entered_ns)
		f->time_in_ns[f->state] += now_ns - f->entered_ns;
	f->prev = f->state;
	f->state = to;
	f->entered_ns = now_ns;
	f->entries[to]++;
	f->transitions++;
	return 0;
}

int64_t feed_fsm_age_ns(const struct feed_fsm *f, int64_t now_ns)
{
	return now_ns > f->entered_ns ? now_ns - f->entered_ns : 0;
}

int64_t feed_fsm_time_in_ns(const struct feed_fsm *f, enum feed_state s, int64_t now_ns)
{
	int64_t t;

	if ((unsigned)s >= FEED_ST__COUNT)
		return 0;
	t = f->time_in_ns[s];
	if (s == f->state)
		t += feed_fsm_age_ns(f, now_ns);
	return t;
}
