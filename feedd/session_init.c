/* SPDX-License-Identifier: MIT */
/* session_init.c: building a session from its config (venue context,
 * backoff, connection buffers, resolver, receive buffer) and freeing it.
 * The top of the session files: it hands the connection the callbacks of
 * session_live.c and the resolver the completion of session.c, so neither of
 * those needs the other's set-up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session_int.h"

/* ---- init, free ------------------------------------------------------------------------ */

static int sess_init_venue(struct feed_session *s, char *err, size_t errlen)
{
	const struct feed_session_config *cfg = s->cfg;
	const struct feed_venue_ops *ops = feed_venue_find(cfg->venue);
	struct feed_backoff_cfg bc = {
		.initial_ms = cfg->reconnect_initial_ms,
		.max_ms = cfg->reconnect_max_ms,
		.multiplier = cfg->reconnect_multiplier,
		.jitter = cfg->reconnect_jitter,
		.max_retries = cfg->reconnect_max_retries,
		.reset_ms = cfg->reconnect_reset_ms,
	};
	int rc;

	if (!ops) {
		snprintf(err, errlen, "unknown venue '%s'", cfg->venue);
		return -EINVAL;
	}
	rc = feed_venue_ctx_init(&s->venue, ops, cfg, err, errlen);
	if (rc < 0)
		return rc;
	s->venue_ok = 1;
	rc = feed_backoff_init(&s->backoff, &bc);
	if (rc < 0)
		snprintf(err, errlen, "bad reconnect settings");
	return rc;
}

static int sess_init_conn(struct feed_session *s, int64_t now, char *err, size_t errlen)
{
	const struct feed_session_config *cfg = s->cfg;
	struct feed_conn_cfg cc = {
		.host = cfg->url.host,
		.port = cfg->url.port,
		.path = cfg->url.path,
		.use_tls = cfg->url.tls,
		.ssl_ctx = s->host.ssl_ctx,
		.verify = cfg->tls_verify,
		.max_message = cfg->max_message,
		.now_ns = now,
	};
	int rc;

	if (cfg->url.tls && !s->host.ssl_ctx) {
		snprintf(err, errlen, "no TLS context");
		return -EINVAL;
	}
	rc = feed_conn_init(&s->conn, &cc, &feed_sess__conn_cb, s);
	if (rc < 0) {
		snprintf(err, errlen, "connection buffers: %s", strerror(-rc));
		return rc;
	}
	s->conn_ok = 1;
	return 0;
}

int feed_session_init(struct feed_session *s, const struct feed_session_host *host, unsigned index,
		      const struct feed_session_config *cfg, char *err, size_t errlen)
{
	int64_t now = feed_now_ns();
	int rc;

	memset(s, 0, sizeof(*s));
	s->host = *host;
	s->index = index;
	s->cfg = cfg;
	s->fd = -1;
	feed_fsm_init(&s->fsm, now);
	feed_resolve_init(&s->res, host->loop, index, feed_sess__resolved, s);
	rc = sess_init_venue(s, err, errlen);
	if (rc == 0)
		rc = sess_init_conn(s, now, err, errlen);
	if (rc == 0) {
		rc = feed_resolve_prepare(&s->res, cfg->url.host);
		if (rc < 0)
			snprintf(err, errlen, "resolver: %s", strerror(-rc));
	}
	if (rc == 0) {
		s->rx = malloc(FEED_RX_BUF);
		if (!s->rx) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
		}
	}
	if (rc < 0)
		feed_session_free(s);
	return rc;
}

int feed_session_add_instruments(struct feed_session *s)
{
	struct mdbus_instrument ins;
	int rc;

	for (uint32_t i = 0; i < s->venue.nsyms; i++) {
		rc = feed_venue_ctx_instrument(&s->venue, i, &ins);
		if (rc < 0)
			return rc;
		rc = feed_sink_add_instrument(s->host.sink, &ins, s->index,
					      &s->venue.syms[i].instrument);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void feed_session_free(struct feed_session *s)
{
	feed_resolve_free(&s->res);
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	if (s->conn_ok) {
		feed_conn_free(&s->conn);
		s->conn_ok = 0;
	}
	if (s->venue_ok) {
		feed_venue_ctx_free(&s->venue);
		s->venue_ok = 0;
	}
	free(s->rx);
	s->rx = NULL;
}
