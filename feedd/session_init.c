/* SPDX-License-Identifier: MIT */
/* session_init.c: building a session from its config (the connection plan;
 * per connection: venue context, backoff, connection buffers, resolver,
 * receive buffer), freeing it, and the session-wide calls of session.h,
 * which run over its connections.
 * The top of the session files: it hands the connection the callbacks of
 * session_live.c and the resolver the completion of session.c, so neither of
 * those needs the other's set-up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"
#include "session_int.h"

/* ---- init, free ------------------------------------------------------------------------ */

static int sess_init_venue(struct feed_sconn *c, char *err, size_t errlen)
{
	const struct feed_session_config *cfg = c->cfg;
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
	rc = feed_venue_ctx_init_conn(&c->venue, ops, cfg, c->plan, c->k,
				      feed_venue_conn_limit(ops, cfg), err, errlen);
	if (rc < 0)
		return rc;
	c->venue_ok = 1;
	/* One loop thread: every connection decodes into the daemon's one
	 * scratch and inflate state (feed_venue_decoder). */
	feed_venue_decoder_adopt(&c->host.scratch->dec, &c->venue);
	rc = feed_backoff_init(&c->backoff, &bc);
	if (rc < 0)
		snprintf(err, errlen, "bad reconnect settings");
	return rc;
}

static int sess_init_conn(struct feed_sconn *c, int64_t now, char *err, size_t errlen)
{
	const struct feed_session_config *cfg = c->cfg;
	struct feed_conn_cfg cc = {
		.host = cfg->url.host,
		.port = cfg->url.port,
		/* A routed channel lives on its own path of the same host. */
		.path = c->plan->path ? c->plan->path : cfg->url.path,
		.use_tls = cfg->url.tls,
		.ssl_ctx = c->host.ssl_ctx,
		.verify = cfg->tls_verify,
		.max_message = cfg->max_message,
		.now_ns = now,
		.plain = c->host.scratch->plain, /* one loop thread: one for all */
	};
	int rc;

	if (cfg->url.tls && !c->host.ssl_ctx) {
		snprintf(err, errlen, "no TLS context");
		return -EINVAL;
	}
	rc = feed_conn_init(&c->conn, &cc, &feed_sess__conn_cb, c);
	if (rc < 0) {
		snprintf(err, errlen, "connection buffers: %s", strerror(-rc));
		return rc;
	}
	c->conn_ok = 1;
	return 0;
}

/* Connection k of s: its venue ctx, backoff, conn, resolver, buffers. */
static int sess_init_one(struct feed_session *s, unsigned k, unsigned slot, int64_t now, char *err,
			 size_t errlen)
{
	struct feed_sconn *c = &s->conns[k];
	int rc;

	c->sess = s;
	c->k = k;
	c->slot = slot;
	c->plan = &s->plan[k];
	c->host = s->host;
	c->index = s->index;
	c->cfg = s->cfg;
	c->fd = -1;
	if (s->nconns > 1)
		snprintf(c->name, sizeof(c->name), "%s/%u", s->cfg->name, k);
	else
		snprintf(c->name, sizeof(c->name), "%s", s->cfg->name);
	feed_fsm_init(&c->fsm, now);
	feed_resolve_init(&c->res, s->host.loop, slot, feed_sess__resolved, c);
	rc = sess_init_venue(c, err, errlen);
	if (rc == 0)
		rc = sess_init_conn(c, now, err, errlen);
	if (rc == 0)
		rc = feed_sbook_init(c, err, errlen);
	if (rc == 0)
		feed_sfb_init(c, now);
	if (rc == 0) {
		rc = feed_resolve_prepare(&c->res, s->cfg->url.host);
		if (rc < 0)
			snprintf(err, errlen, "resolver: %s", strerror(-rc));
	}
	if (rc == 0) {
		c->counted = calloc(c->plan->sym_count, 1);
		if (!c->counted) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
		}
	}
	return rc;
}

int feed_session_plan_count(const struct feed_session_config *cfg)
{
	const struct feed_venue_ops *ops = feed_venue_find(cfg->venue);

	return ops ? feed_venue_plan(ops, cfg, NULL, 0) : -EINVAL;
}

/* The plan and the per-symbol connection counts. */
static int sess_init_plan(struct feed_session *s, char *err, size_t errlen)
{
	const struct feed_venue_ops *ops = feed_venue_find(s->cfg->venue);
	int n = ops ? feed_venue_plan(ops, s->cfg, NULL, 0) : -EINVAL;

	if (n <= 0) {
		snprintf(err, errlen, "no connection plan: %s", strerror(n < 0 ? -n : EINVAL));
		return n < 0 ? n : -EINVAL;
	}
	s->nconns = (unsigned)n;
	s->plan = calloc((size_t)n, sizeof(*s->plan));
	/* Mapped (pages.h): a connection (struct feed_sconn) is ~84 KB (its
	 * state, its 64 KB receive buffer, then the ticks held while
	 * subscribing, untouched unless a tick is held) of which a live one
	 * writes two pages: its state, with small receives at the start of rx
	 * in the page the state ends in; calloc would clear (so make resident)
	 * all of it (docs/PERFORMANCE.md, "Issue 12: scale on one thread" and
	 * "Issue 12: RSS, feedd's own per-connection memory"). */
	s->conns = feed_pages_map((size_t)n * sizeof(*s->conns));
	s->sym_conns = calloc(s->cfg->nsymbols, sizeof(*s->sym_conns));
	s->sym_up = calloc(s->cfg->nsymbols, sizeof(*s->sym_up));
	if (!s->plan || !s->conns || !s->sym_conns || !s->sym_up) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	feed_venue_plan(ops, s->cfg, s->plan, s->nconns);
	for (unsigned k = 0; k < s->nconns; k++)
		for (uint32_t i = 0; i < s->plan[k].sym_count; i++)
			s->sym_conns[s->plan[k].sym_first + i]++;
	for (unsigned k = 0; k < s->nconns; k++)
		s->conns[k].fd = -1; /* freeable before sess_init_one */
	return 0;
}

int feed_session_init(struct feed_session *s, const struct feed_session_host *host, unsigned index,
		      unsigned first_slot, const struct feed_session_config *cfg, char *err,
		      size_t errlen)
{
	int64_t now = feed_now_ns();
	int rc;

	memset(s, 0, sizeof(*s));
	if (!host->scratch) {
		snprintf(err, errlen, "no scratch buffers");
		return -EINVAL;
	}
	s->host = *host;
	s->index = index;
	s->cfg = cfg;
	rc = sess_init_plan(s, err, errlen);
	for (unsigned k = 0; rc == 0 && k < s->nconns; k++)
		rc = sess_init_one(s, k, first_slot + k, now, err, errlen);
	if (rc < 0)
		feed_session_free(s);
	return rc;
}

/* One instrument per config symbol, registered through the first
 * connection that carries it; every connection's ctx gets its id. */
int feed_session_add_instruments(struct feed_session *s)
{
	struct mdbus_instrument ins;
	uint32_t *ids = malloc(s->cfg->nsymbols * sizeof(*ids));
	int rc = 0;

	if (!ids)
		return -ENOMEM;
	memset(ids, 0xff, s->cfg->nsymbols * sizeof(*ids));
	for (unsigned k = 0; rc == 0 && k < s->nconns; k++) {
		struct feed_sconn *c = &s->conns[k];

		for (uint32_t i = 0; rc == 0 && i < c->venue.nsyms; i++) {
			uint32_t *id = &ids[c->plan->sym_first + i];

			if (*id == UINT32_MAX) {
				rc = feed_venue_ctx_instrument(&c->venue, i, &ins);
				if (rc == 0)
					rc = feed_sink_add_instrument(s->host.sink, &ins, s->index,
								      id);
			}
			c->venue.syms[i].instrument = *id;
		}
	}
	for (unsigned k = 0; rc == 0 && k < s->nconns; k++)
		rc = feed_sbook_add(&s->conns[k]);
	free(ids);
	return rc;
}

static void sess_free_one(struct feed_sconn *c)
{
	feed_resolve_free(&c->res);
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	if (c->conn_ok) {
		feed_conn_free(&c->conn);
		c->conn_ok = 0;
	}
	feed_sbook_free(c);
	feed_sfb_free(c);
	if (c->venue_ok) {
		feed_venue_ctx_free(&c->venue);
		c->venue_ok = 0;
	}
	free(c->counted);
	c->counted = NULL;
}

void feed_session_free(struct feed_session *s)
{
	for (unsigned k = 0; s->conns && k < s->nconns; k++)
		sess_free_one(&s->conns[k]);
	feed_pages_unmap(s->conns, s->nconns * sizeof(*s->conns));
	free(s->plan);
	free(s->sym_conns);
	free(s->sym_up);
	s->conns = NULL;
	s->plan = NULL;
	s->sym_conns = s->sym_up = NULL;
	s->nconns = 0;
}

/* ---- the session: every connection --------------------------------------------------- */

void feed_session_start(struct feed_session *s, int64_t now)
{
	/* Each through the connect rate: a many-connection session does not
	 * open them all in one burst. */
	for (unsigned k = 0; k < s->nconns; k++)
		feed_sess__attempt(&s->conns[k], now);
}

void feed_session_on_cqe(struct feed_session *s, unsigned k, uint64_t ud, int res, int64_t now)
{
	if (k < s->nconns)
		feed_sconn_on_cqe(&s->conns[k], ud, res, now);
}

int64_t feed_session_deadline(struct feed_session *s, int64_t now)
{
	int64_t t = 0;

	for (unsigned k = 0; k < s->nconns; k++) {
		int64_t d = feed_sconn_deadline(&s->conns[k], now);

		if (d && (!t || d < t))
			t = d;
	}
	return t;
}

void feed_session_on_timer(struct feed_session *s, int64_t now)
{
	for (unsigned k = 0; k < s->nconns; k++)
		feed_sconn_on_timer(&s->conns[k], now);
}

void feed_session_stop(struct feed_session *s, int64_t now, int64_t deadline)
{
	for (unsigned k = 0; k < s->nconns; k++)
		feed_sconn_stop(&s->conns[k], now, deadline);
}

void feed_session_force(struct feed_session *s, int64_t now)
{
	for (unsigned k = 0; k < s->nconns; k++)
		if (s->conns[k].fsm.state != FEED_ST_STOPPED)
			feed_sconn_force(&s->conns[k], now);
}

int feed_session_done(const struct feed_session *s)
{
	for (unsigned k = 0; k < s->nconns; k++)
		if (!feed_sconn_done(&s->conns[k]))
			return 0;
	return 1;
}

void feed_session_down(struct feed_session *s, enum feed_err_class cls, int64_t now)
{
	for (unsigned k = 0; k < s->nconns; k++)
		feed_sconn_down(&s->conns[k], cls, now);
}

/* ---- snapshot -------------------------------------------------------------------------- */

static void sess_snap_add(struct feed_session_snap *sn, const struct feed_sconn *c)
{
	const struct feed_session_stats *t = &c->st;

	sn->st.connects += t->connects;
	sn->st.reconnects += t->reconnects;
	for (unsigned e = 0; e < FEED_ERR__COUNT; e++)
		sn->st.hs_fail[e] += t->hs_fail[e];
	sn->st.messages += t->messages;
	sn->st.bytes += t->bytes;
	sn->st.ticks += t->ticks;
	sn->st.parse_errors += t->parse_errors;
	/* Gaps are counted where they are flagged: per symbol in the venue. */
	sn->st.gaps += c->venue.st.gaps;
	sn->st.subscriptions += t->subscriptions;
	if (t->last_msg_ns > sn->st.last_msg_ns)
		sn->st.last_msg_ns = t->last_msg_ns;
	if (t->rtt_ns > sn->st.rtt_ns)
		sn->st.rtt_ns = t->rtt_ns;
	if (t->last_error_ns >= sn->st.last_error_ns && c->last_cls != FEED_ERR_NONE) {
		sn->st.last_error_ns = t->last_error_ns;
		sn->last_error = c->last_err;
		sn->last_cls = c->last_cls;
	}
	if (c->backoff.attempt > sn->backoff_attempt)
		sn->backoff_attempt = c->backoff.attempt;
	sn->streams += c->venue.nstreams;
	if (c->k < FEED_SESSION_SNAP_CONNS) {
		sn->conn_state[c->k] = (uint8_t)c->fsm.state;
		sn->conn_err[c->k] = (uint8_t)c->last_cls;
	}
	sn->conns_live += c->fsm.state == FEED_ST_LIVE;
}

/* The session as one: its state is the first connection not LIVE (LIVE
 * only while every one is), counters summed, the latest error. */
void feed_session_snapshot(const struct feed_session *s, struct feed_session_snap *sn)
{
	const struct feed_sconn *r = NULL;

	memset(sn, 0, sizeof(*sn));
	sn->name = s->cfg->name;
	sn->venue = s->cfg->venue;
	sn->host = s->cfg->url.host;
	sn->last_error = "";
	sn->stale_timeout_ms = s->cfg->stale_timeout_ms;
	sn->conns = s->nconns;
	sn->lat = &s->lat;
	sn->cfg = s->cfg;
	sn->restq = s->host.restq;
	sn->rest_venue = s->host.rest_venue;
	for (unsigned k = 0; k < s->nconns; k++) {
		sess_snap_add(sn, &s->conns[k]);
		if (!r && s->conns[k].fsm.state != FEED_ST_LIVE)
			r = &s->conns[k];
	}
	if (!r && s->nconns)
		r = &s->conns[0];
	if (!r)
		return;
	sn->state = r->fsm.state;
	sn->state_since_ns = r->fsm.entered_ns;
	if (r->fsm.state == FEED_ST_BACKOFF)
		sn->st.next_reconnect_ns = r->st.next_reconnect_ns;
}
