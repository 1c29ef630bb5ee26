/* SPDX-License-Identifier: MIT */
/*
 * plan.c: the connection planner (venue.h feed_venue_plan). A session owns
 * as many connections as its venue needs: one per route (a channel served
 * on another path of the host, ops->channel_path), and within a route as
 * many as limits.streams_per_conn requires. The plan is made once, at
 * set-up; each planned connection then gets a venue ctx of its own
 * (feed_venue_ctx_init_conn) and a connection driver of its own.
 */
#include <errno.h>
#include <string.h>

#include "venue.h"

uint32_t feed_venue_conn_limit(const struct feed_venue_ops *ops,
			       const struct feed_session_config *sc)
{
	uint32_t venue = ops->limits.streams_per_conn, own = sc->streams_per_conn;

	if (own && (!venue || own < venue))
		return own;
	return venue;
}

static const char *plan_path(const struct feed_venue_ops *ops, uint32_t bit)
{
	return bit < FEED_CH_COUNT ? ops->channel_path[bit] : NULL;
}

static int plan_same_path(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* The channels of sc on the same path as channel bit b. */
static uint32_t plan_route(const struct feed_venue_ops *ops, uint32_t channels, uint32_t b)
{
	uint32_t mask = 0;

	for (uint32_t c = 0; c < FEED_CH_COUNT; c++)
		if ((channels & (1u << c)) && plan_same_path(plan_path(ops, c), plan_path(ops, b)))
			mask |= 1u << c;
	return mask;
}

/* Connections for one group of channels (one path): runs of `per` symbols. */
static uint32_t plan_group(uint32_t group, const char *path, uint32_t nsyms, uint32_t per,
			   struct feed_venue_conn_plan *out, uint32_t cap, uint32_t k)
{
	uint32_t nch = (uint32_t)__builtin_popcount(group);

	for (uint32_t first = 0; first < nsyms; first += per, k++) {
		uint32_t cnt = nsyms - first < per ? nsyms - first : per;

		if (k >= FEED_VENUE_CONNS_MAX)
			return k + 1; /* too many: the caller refuses */
		if (k < cap) {
			out[k].channels = group;
			out[k].sym_first = first;
			out[k].sym_count = cnt;
			out[k].streams = cnt * nch;
			out[k].path = path;
		}
	}
	return k;
}

int feed_venue_plan(const struct feed_venue_ops *ops, const struct feed_session_config *sc,
		    struct feed_venue_conn_plan *out, uint32_t cap)
{
	uint32_t limit = feed_venue_conn_limit(ops, sc), done = 0, k = 0;
	uint32_t nsyms = (uint32_t)sc->nsymbols;

	if (!sc->channels || nsyms == 0 || sc->nsymbols > FEED_VENUE_SYMS_MAX)
		return -EINVAL;
	for (uint32_t b = 0; b < FEED_CH_COUNT; b++) {
		uint32_t route, nch, per;
		const char *path = plan_path(ops, b);

		if (!(sc->channels & (1u << b)) || (done & (1u << b)))
			continue;
		route = plan_route(ops, sc->channels, b);
		done |= route;
		nch = (uint32_t)__builtin_popcount(route);
		if (!limit || nch <= limit) {
			/* A symbol's streams of this route stay together. */
			per = limit ? limit / nch : nsyms;
			k = plan_group(route, path, nsyms, per, out, cap, k);
			continue;
		}
		/* One symbol's streams alone exceed the limit: a channel each. */
		for (uint32_t c = 0; c < FEED_CH_COUNT; c++)
			if (route & (1u << c))
				k = plan_group(1u << c, path, nsyms, limit, out, cap, k);
	}
	return k > FEED_VENUE_CONNS_MAX ? -E2BIG : (int)k;
}
