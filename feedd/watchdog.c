/* SPDX-License-Identifier: MIT */
/* watchdog.c: session snapshots and instrument counters -> health region
 * (seqlock copies in libmdbus). */
#include "watchdog.h"

#include <errno.h>
#include <string.h>

#include "loop.h"
#include "restq.h"
#include "mdbus_health.h"

#define MS (INT64_C(1000000))

/* feedd stores its enums as is: the health header mirrors them. */
_Static_assert((int)FEED_ST__COUNT == (int)MDBUS_HEALTH_ST__COUNT, "state enums in step");
_Static_assert((int)FEED_ST_LIVE == (int)MDBUS_HEALTH_ST_LIVE, "state values in step");
_Static_assert((int)FEED_ST_STOPPED == (int)MDBUS_HEALTH_ST_STOPPED, "state values in step");
_Static_assert((int)FEED_ERR__COUNT <= MDBUS_HEALTH_ERR_SLOTS, "error classes fit the slots");
_Static_assert((int)FEED_ERR_INTERNAL == (int)MDBUS_HEALTH_ERR_INTERNAL, "err values in step");
_Static_assert(FEED_SESSION_SNAP_CONNS == MDBUS_HEALTH_CONNS, "connections shown in step");

/* Instrument records per run: a large table is refreshed over several runs
 * so one run stays short. */
#define FEED_WD_INSTR_PER_RUN 1024u

int feed_watchdog_init(struct feed_watchdog *wd, const struct feed_watchdog_cfg *cfg)
{
	int rc;

	memset(wd, 0, sizeof(*wd));
	wd->c = *cfg;
	if (!cfg->health)
		return -EINVAL;
	/* Sized from the config, not from the sessions built so far: they
	 * come later, and each must find its record. */
	rc = mdbus_health_writer_init(cfg->health, cfg->health_size, cfg->max_sessions,
				      cfg->max_instr);
	wd->ok = rc == 0;
	return rc;
}

int feed_watchdog_due(const struct feed_watchdog *wd, int64_t now)
{
	return now >= wd->next;
}

unsigned feed_watchdog_live(const struct feed_watchdog *wd)
{
	return wd->live;
}

int64_t feed_watchdog_deadline(const struct feed_watchdog *wd)
{
	return wd->next;
}

/* Truncating copy: names and errors may be longer than their record field. */
static void wd_copy(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;

	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Changes whenever anything wd_lat copies does (the counts only grow;
 * iter_seen/iter_msgs move the pending msgs_per_iter value). */
static uint64_t wd_lat_sig(const struct feed_lat *l)
{
	uint64_t sig = l->exch_early + l->rx_stamped + l->rx_unstamped;

	for (unsigned k = 0; k < MDBUS_HOP__COUNT; k++)
		sig += l->hop[k].count;
	return sig + l->iter_msgs * 0x9e3779b97f4a7c15ull + l->iter_seen * 0xc2b2ae3d27d4eb4full;
}

/* 1 when session record index must be published whole: its histograms
 * changed since the last whole publish, or the record belongs to another
 * session (config) now; then they are noted as published. */
static int wd_lat_full(struct feed_watchdog *wd, unsigned index, const struct feed_session_snap *sn)
{
	uint64_t sig = sn->lat ? wd_lat_sig(sn->lat) : 0;

	if (index >= FEED_SESSIONS_MAX)
		return 1;
	if (sn->cfg && wd->lat_cfg[index] == sn->cfg && wd->lat_sig[index] == sig)
		return 0;
	wd->lat_cfg[index] = sn->cfg;
	wd->lat_sig[index] = sig;
	return 1;
}

/* The session's receive-stamp counters and, when full, its latency
 * histograms; the messages of its last loop iteration (counted in the
 * session until its next one) are added to the copy, not to the session. */
static void wd_lat(struct mdbus_health_session *r, const struct feed_lat *l, int full)
{
	if (!l) {
		memset(r->hop, 0, sizeof(r->hop));
		return;
	}
	r->rx_stamped = l->rx_stamped;
	r->rx_unstamped = l->rx_unstamped;
	r->ts_source = feed_lat_ts_source(l);
	r->exch_early = l->exch_early;
	if (!full)
		return;
	memcpy(r->hop, l->hop, sizeof(r->hop));
	if (l->iter_msgs)
		mdbus_hist_add(&r->hop[MDBUS_HOP_MSGS_PER_ITER], l->iter_msgs, 1);
}

/* The REST block: the figures of the session's venue in the daemon's queue
 * (restq.h keeps its weight window per venue), all 0 without a REST client. */
static void wd_rest(struct mdbus_health_rest *r, const struct feed_session_snap *sn, int64_t now)
{
	const struct feed_restq_venue_stats *vs;

	memset(r, 0, sizeof(*r));
	if (!sn->restq)
		return;
	vs = feed_restq_venue_stats(sn->restq, sn->rest_venue, now);
	if (!vs)
		return;
	r->weight = vs->weight_window;
	r->limit = vs->budget;
	r->window_s = FEED_RESTQ_WINDOW;
	r->queued = vs->queued;
	r->inflight = vs->inflight;
	r->weight_total = vs->weight_total;
	r->requests = vs->requests;
	r->n429 = vs->n429;
	r->n418 = vs->n418;
	r->blocked_until_ns = vs->blocked_until > now ? vs->blocked_until : 0;
}

static void wd_session(struct feed_watchdog *wd, unsigned index, const struct feed_session_snap *sn,
		       int64_t now)
{
	struct mdbus_health_session r;
	int full = wd_lat_full(wd, index, sn);

	/* The histograms (2 KiB) are filled and stored only when they changed. */
	memset(&r, 0, offsetof(struct mdbus_health_session, hop));
	wd_rest(&r.rest, sn, now);
	wd_copy(r.name, sizeof(r.name), sn->name);
	wd_copy(r.venue, sizeof(r.venue), sn->venue);
	wd_copy(r.host, sizeof(r.host), sn->host);
	wd_copy(r.last_error, sizeof(r.last_error), sn->last_error);
	r.state = (uint32_t)sn->state;
	r.last_error_class = (uint32_t)sn->last_cls;
	r.state_since_ns = sn->state_since_ns;
	r.last_error_ns = sn->st.last_error_ns;
	r.connects = sn->st.connects;
	r.reconnects = sn->st.reconnects;
	memcpy(r.handshake_failures, sn->st.hs_fail, sizeof(sn->st.hs_fail));
	r.messages = sn->st.messages;
	r.bytes = sn->st.bytes;
	r.ticks = sn->st.ticks;
	r.parse_errors = sn->st.parse_errors;
	r.gaps = sn->st.gaps;
	r.last_msg_ns = sn->st.last_msg_ns;
	r.rtt_ns = sn->st.rtt_ns;
	r.next_reconnect_ns = sn->st.next_reconnect_ns;
	r.subscriptions = sn->st.subscriptions;
	r.streams = sn->streams;
	r.stale_timeout_ms = (uint32_t)sn->stale_timeout_ms;
	r.backoff_attempt = sn->backoff_attempt;
	r.conns = sn->conns;
	r.conns_live = sn->conns_live;
	memcpy(r.conn_state, sn->conn_state, sizeof(r.conn_state));
	memcpy(r.conn_error, sn->conn_err, sizeof(r.conn_error));
	wd_lat(&r, sn->lat, full);
	r.verdict = (uint32_t)mdbus_health_session_verdict(&r, now, r.verdict_reason,
							   sizeof(r.verdict_reason));
	if (full)
		mdbus_health_publish_session(wd->c.health, index, &r);
	else
		mdbus_health_publish_session_skip(wd->c.health, index, &r,
						  offsetof(struct mdbus_health_session, hop),
						  sizeof(r.hop));
}

static void wd_instr(struct feed_watchdog *wd, uint32_t id)
{
	const struct mdbus_health_instr *is = feed_sink_instr(wd->c.sink, id);
	struct mdbus_health_instr r;

	if (!is)
		return;
	r = *is; /* the sink counts straight into the record's layout */
	r.id = id;
	r.status = 0; /* keep the word: the sink stores it at once on each change */
	mdbus_health_publish_instr(wd->c.health, id, &r);
}

static void wd_feed(struct feed_watchdog *wd, unsigned nsess, uint32_t ninstr, int64_t now,
		    uint32_t feed_state)
{
	uint64_t seq = mdbus_writer_seq(wd->c.w);
	struct mdbus_health_feed f;

	if (!wd->rate_at || now - wd->rate_at >= 1000 * MS) {
		if (wd->rate_at)
			wd->ring_rate = (seq - wd->rate_seq) * 1000000000ull /
					(uint64_t)(now - wd->rate_at);
		wd->rate_seq = seq;
		wd->rate_at = now;
	}
	memset(&f, 0, sizeof(f));
	f.pid = wd->c.pid;
	f.state = feed_state;
	f.start_rt_ns = wd->c.start_rt_ns;
	f.start_mono_ns = wd->c.start_mono_ns;
	f.heartbeat_mono_ns = now;
	/* Declared as the documented bound (every <= 100 ms), not the 50 ms we aim
	 * for: readers call a feed dead after 3 periods, and a loaded machine (or
	 * valgrind) may delay a beat; 300 ms is still what a consumer must see. */
	f.heartbeat_period_ms = 2 * FEED_WATCHDOG_MS;
	f.heartbeat_rt_ns = feed_wall_ns();
	f.heartbeat_count = wd->count;
	f.ring_write_seq = seq;
	f.ring_rate = wd->ring_rate;
	f.ring_slots = wd->c.ring_slots;
	f.sessions = nsess;
	f.instruments = ninstr;
	wd_copy(f.config, sizeof(f.config), wd->c.config_path);
	wd_copy(f.version, sizeof(f.version), MDBUS_VERSION);
	if (wd->c.sink)
		f.loop_ns = wd->c.sink->loop_ns;
	mdbus_health_publish_feed(wd->c.health, &f);
}

void feed_watchdog_run(struct feed_watchdog *wd, const struct feed_session *sess, unsigned nsess,
		       int64_t now, uint32_t feed_state)
{
	uint32_t ninstr = wd->c.sink ? wd->c.sink->ninstr : 0;
	struct feed_session_snap sn;
	unsigned n;

	wd->next = now + FEED_WATCHDOG_MS * MS;
	/* The live count is the daemon's too (its STATUS= line): kept even
	 * without a health region. */
	wd->live = 0;
	if (wd->ok) {
		wd->count++;
		wd_feed(wd, nsess, ninstr, now, feed_state);
	}
	for (unsigned i = 0; i < nsess; i++) {
		if (!sess[i].cfg) /* a free entry: its last record says STOPPED */
			continue;
		feed_session_snapshot(&sess[i], &sn);
		wd->live += sn.state == FEED_ST_LIVE;
		if (wd->ok)
			wd_session(wd, sess[i].index, &sn, now);
	}
	if (!wd->ok)
		return;
	n = ninstr < FEED_WD_INSTR_PER_RUN ? ninstr : FEED_WD_INSTR_PER_RUN;
	for (unsigned k = 0; k < n; k++) {
		wd_instr(wd, wd->instr_next);
		wd->instr_next = (wd->instr_next + 1) % ninstr;
	}
}

void feed_watchdog_session(struct feed_watchdog *wd, const struct feed_session *s, int64_t now_ns)
{
	struct feed_session_snap sn;

	if (!wd->ok || !s->cfg)
		return;
	feed_session_snapshot(s, &sn);
	wd_session(wd, s->index, &sn, now_ns);
}
