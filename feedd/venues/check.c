/* SPDX-License-Identifier: MIT */
/*
 * check.c: validates a loaded config against its venues (feed_venue_check
 * in venue.h). The config layer checks syntax and knows no venue; this is
 * the one place venue knowledge meets the file, so its errors still name
 * the file and the line of the key at fault.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "symbol.h"
#include "venue.h"

static int check_fail(const struct feed_config *c, int line, char *err, size_t errlen,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "FILE:LINE: reason"; always -EINVAL. */
static int check_fail(const struct feed_config *c, int line, char *err, size_t errlen,
		      const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "%s:%d: %s", c->path, line, msg);
	return -EINVAL;
}

static int check_line(const struct feed_session_config *s, int key_line)
{
	return key_line > 0 ? key_line : s->line;
}

static const char *check_channel_name(uint32_t bits)
{
	return (bits & FEED_CH_TRADES) ? "trades" : (bits & FEED_CH_BBO) ? "bbo" : "l2";
}

/* The venue's own limits on what the session asks for. */
static int check_limits(const struct feed_config *c, const struct feed_session_config *s,
			const struct feed_venue_ops *ops, char *err, size_t errlen)
{
	uint32_t extra = s->channels & ~ops->channels;
	uint32_t streams = (uint32_t)s->nsymbols * (uint32_t)__builtin_popcount(s->channels);
	int conns;

	if (extra)
		return check_fail(c, check_line(s, s->channels_line), err, errlen,
				  "venue %s does not support channel %s in [session %s]", ops->name,
				  check_channel_name(extra), s->name);
	/* A fallback that could never poll is a config error, not a surprise
	 * at the first outage. */
	if (s->rest_fallback_after_ms > 0 && !ops->rest.ticker_path)
		return check_fail(c, check_line(s, s->rest_fallback_line), err, errlen,
				  "venue %s has no REST fallback (rest_fallback_after in "
				  "[session %s])",
				  ops->name, s->name);
	/* More streams than one connection takes are spread over several
	 * (feed_venue_plan); only a plan beyond the session's maximum is
	 * refused. */
	conns = feed_venue_plan(ops, s, NULL, 0);
	if (conns == -E2BIG)
		return check_fail(c, check_line(s, s->symbols_line), err, errlen,
				  "%u streams (symbols x channels) need more than %u connections "
				  "at %u per connection in [session %s]",
				  streams, FEED_VENUE_CONNS_MAX, feed_venue_conn_limit(ops, s),
				  s->name);
	return 0;
}

/* Builds a venue context of every symbol and channel once (start-up builds
 * one per planned connection from the same symbols): native names,
 * two symbols under one native name, and whatever else the adapter refuses. */
static int check_symbols(const struct feed_config *c, const struct feed_session_config *s,
			 const struct feed_venue_ops *ops, char *err, size_t errlen)
{
	struct feed_venue_conn_plan whole = {
		.channels = s->channels,
		.sym_count = (uint32_t)s->nsymbols,
	};
	struct feed_venue_ctx v;
	char why[FEED_VENUE_REASON_MAX + 64];

	memset(&v, 0, sizeof(v));
	why[0] = '\0';
	if (s->nsymbols > FEED_VENUE_SYMS_MAX)
		whole.sym_count = FEED_VENUE_SYMS_MAX + 1;
	if (feed_venue_ctx_init_conn(&v, ops, s, &whole, 0, 0, why, sizeof(why)) < 0)
		return check_fail(c, check_line(s, s->symbols_line), err, errlen,
				  "%s in [session %s]", why[0] ? why : "venue setup failed",
				  s->name);
	feed_venue_ctx_free(&v);
	return 0;
}

/* The venue's endpoint for the session's symbols: every symbol's market
 * must live at the same URL (the planner splits a session by channel route
 * and by streams per connection, not by market). */
static int check_endpoint(const struct feed_config *c, const struct feed_session_config *s,
			  const struct feed_venue_ops *ops, const char **url, char *err,
			  size_t errlen)
{
	struct feed_symbol_info info;

	*url = ops->default_url;
	for (size_t i = 0; i < s->nsymbols; i++) {
		const char *u;

		if (feed_symbol_parse(s->symbols[i], &info) < 0 ||
		    info.market > MDBUS_MARKET_FUTURE)
			continue; /* check_symbols names it */
		u = ops->market_url[info.market] ? ops->market_url[info.market] : ops->default_url;
		if (i > 0 && strcmp(u, *url) != 0)
			return check_fail(
				c, check_line(s, s->symbols_line), err, errlen,
				"venue %s serves %s and %s on different endpoints (%s, %s): "
				"put them in separate sessions in [session %s]",
				ops->name, s->symbols[0], s->symbols[i], *url, u, s->name);
		*url = u;
	}
	return 0;
}

/* The venue's defaults for what the file left out. A url with no path
 * ("wss://127.0.0.1:9443") points the venue elsewhere (a simulator, a
 * testnet, a proxy) but keeps the venue's own path. */
static int check_defaults(const struct feed_config *c, struct feed_session_config *s,
			  const struct feed_venue_ops *ops, char *err, size_t errlen)
{
	struct feed_url venue_url;
	const char *url;
	char why[256];
	int rc;

	memcpy(s->venue, ops->name, strlen(ops->name) + 1);
	if (s->price_decimals < 0)
		s->price_decimals = feed_venue_default_decimals(ops, 0);
	if (s->qty_decimals < 0)
		s->qty_decimals = feed_venue_default_decimals(ops, 1);
	rc = check_endpoint(c, s, ops, &url, err, errlen);
	if (rc < 0)
		return rc;
	if (feed_url_parse(url, &venue_url, why, sizeof(why)) < 0)
		return check_fail(c, s->line, err, errlen, "venue %s: %s", ops->name, why);
	if (s->url_line == 0)
		s->url = venue_url;
	else if (strcmp(s->url.path, "/") == 0)
		memcpy(s->url.path, venue_url.path, sizeof(s->url.path));
	return 0;
}

int feed_venue_check(struct feed_config *c, char *err, size_t errlen)
{
	size_t i;
	int rc;

	for (i = 0; i < c->nsessions; i++) {
		struct feed_session_config *s = &c->sessions[i];
		const struct feed_venue_ops *ops = feed_venue_find(s->venue);

		if (!ops || strlen(ops->name) >= sizeof(s->venue))
			return check_fail(c, check_line(s, s->venue_line), err, errlen,
					  "unknown venue '%s'", s->venue);
		rc = check_defaults(c, s, ops, err, errlen);
		if (rc == 0)
			rc = check_limits(c, s, ops, err, errlen);
		if (rc == 0)
			rc = check_symbols(c, s, ops, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}
