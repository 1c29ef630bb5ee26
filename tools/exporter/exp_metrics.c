/* SPDX-License-Identifier: MIT */
/*
 * exp_metrics.c: one sample of every bus as Prometheus metric families.
 *
 * The text format wants every sample of a family together under one HELP
 * and TYPE, so rendering is family-major: for each row of exp_fams, every
 * bus, and within a bus every session or instrument. Labels: bus on every
 * sample; session and venue on session families; venue and symbol on
 * instrument families. An enum (feed state, session state, verdict) is a
 * gauge with one sample per value, 1 for the current one, so an alert reads
 * `mdbus_session_state{state="live"} == 0`.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exporter.h"
#include "tools_run.h"

enum exp_scope { EXP_BUS, EXP_SESSION, EXP_INSTR };

struct exp_fam;
typedef void exp_bus_fn(FILE *f, const struct exp_fam *m, const struct exp_bus *b);
typedef void exp_sess_fn(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
			 const struct top_session *t);
typedef void exp_instr_fn(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
			  const struct top_instr *t);

struct exp_fam {
	const char *name, *type, *help;
	enum exp_scope scope;
	exp_bus_fn *bus;     /* EXP_BUS */
	exp_sess_fn *sess;   /* EXP_SESSION: once per readable session record */
	exp_instr_fn *instr; /* EXP_INSTR: once per named instrument */
	size_t off;	     /* the field, for the generic emitters */
};

#define EXP_FIELD(type, base, off) (*(const type *)((const char *)(base) + (off)))

static int64_t exp_age(const struct top_snap *s, int64_t then)
{
	return s->now_mono_ns > then ? s->now_mono_ns - then : 0;
}

/* ---- bus and feed ---------------------------------------------------------- */

/* The feed record was read in this sample (a bus that is missing has none). */
static int exp_feed_ok(const struct exp_bus *b)
{
	return b->st.cur.attached && b->st.cur.feed_err == 0;
}

static void exp_up(FILE *f, const struct exp_fam *m, const struct exp_bus *b)
{
	exp_begin(f, m->name, b);
	exp_end_u64(f, b->st.cur.alive == 1);
}

static void exp_attached(FILE *f, const struct exp_fam *m, const struct exp_bus *b)
{
	exp_begin(f, m->name, b);
	exp_end_u64(f, b->st.cur.attached != 0);
}

static void exp_created(FILE *f, const struct exp_fam *m, const struct exp_bus *b)
{
	if (!b->st.cur.attached)
		return;
	exp_begin(f, m->name, b);
	exp_end_ns(f, b->st.cur.info.created_ns);
}

static void exp_info_u64(FILE *f, const struct exp_fam *m, const struct exp_bus *b)
{
	if (!b->st.cur.attached)
		return;
	exp_begin(f, m->name, b);
	exp_end_u64(f, EXP_FIELD(uint64_t, &b->st.cur.info, m->off));
}

static void exp_info_u32(FILE *f, const struct exp_fam *m, const struct exp_bus *b)
{
	if (!b->st.cur.attached)
		return;
	exp_begin(f, m->name, b);
	exp_end_u64(f, EXP_FIELD(uint32_t, &b->st.cur.info, m->off));
}

static void exp_feed_info(FILE *f, const struct exp_fam *m, const struct exp_bus *b)
{
	if (!exp_feed_ok(b))
		return;
	exp_begin(f, m->name, b);
	exp_label(f, "version", b->st.cur.feed.version);
	exp_label(f, "config", b->st.cur.feed.config);
	exp_end_u64(f, 1);
}

static void exp_feed_state(FILE *f, const struct exp_fam *m, const struct exp_bus *b)
{
	if (!exp_feed_ok(b))
		return;
	for (uint32_t v = MDBUS_HEALTH_FEED_STARTING; v <= MDBUS_HEALTH_FEED_STOPPED; v++) {
		exp_begin(f, m->name, b);
		exp_label(f, "state", mdbus_health_feed_state_name(v));
		exp_end_u64(f, b->st.cur.feed.state == v);
	}
}

static void exp_feed_age(FILE *f, const struct exp_fam *m, const struct exp_bus *b)
{
	const struct top_snap *s = &b->st.cur;
	int64_t then = !exp_feed_ok(b) ? 0 : EXP_FIELD(int64_t, &s->feed, m->off);

	if (!then)
		return;
	exp_begin(f, m->name, b);
	exp_end_ns(f, exp_age(s, then));
}

static void exp_feed_ns(FILE *f, const struct exp_fam *m, const struct exp_bus *b)
{
	if (!exp_feed_ok(b))
		return;
	exp_begin(f, m->name, b);
	exp_end_ns(f, EXP_FIELD(int64_t, &b->st.cur.feed, m->off));
}

static void exp_feed_u64(FILE *f, const struct exp_fam *m, const struct exp_bus *b)
{
	if (!exp_feed_ok(b))
		return;
	exp_begin(f, m->name, b);
	exp_end_u64(f, EXP_FIELD(uint64_t, &b->st.cur.feed, m->off));
}

static void exp_feed_u32(FILE *f, const struct exp_fam *m, const struct exp_bus *b)
{
	if (!exp_feed_ok(b))
		return;
	exp_begin(f, m->name, b);
	exp_end_u64(f, EXP_FIELD(uint32_t, &b->st.cur.feed, m->off));
}

static void exp_reattaches(FILE *f, const struct exp_fam *m, const struct exp_bus *b)
{
	exp_begin(f, m->name, b);
	exp_end_u64(f, b->st.reattaches);
}

/* ---- sessions -------------------------------------------------------------- */

static void exp_sess_begin(FILE *f, const char *name, const struct exp_bus *b,
			   const struct top_session *t)
{
	exp_begin(f, name, b);
	exp_label(f, "session", t->h.name);
	exp_label(f, "venue", t->h.venue);
}

static void exp_sess_u64(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
			 const struct top_session *t)
{
	exp_sess_begin(f, m->name, b, t);
	exp_end_u64(f, EXP_FIELD(uint64_t, &t->h, m->off));
}

static void exp_sess_u32(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
			 const struct top_session *t)
{
	exp_sess_begin(f, m->name, b, t);
	exp_end_u64(f, EXP_FIELD(uint32_t, &t->h, m->off));
}

/* A monotonic time field: its age, if it was ever set. */
static void exp_sess_age(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
			 const struct top_session *t)
{
	int64_t then = EXP_FIELD(int64_t, &t->h, m->off);

	if (!then)
		return;
	exp_sess_begin(f, m->name, b, t);
	exp_end_ns(f, exp_age(&b->st.cur, then));
}

/* A duration field, if it was ever measured. */
static void exp_sess_ns(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
			const struct top_session *t)
{
	int64_t ns = EXP_FIELD(int64_t, &t->h, m->off);

	if (!ns)
		return;
	exp_sess_begin(f, m->name, b, t);
	exp_end_ns(f, ns);
}

static void exp_sess_state(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
			   const struct top_session *t)
{
	for (uint32_t v = 0; v < MDBUS_HEALTH_ST__COUNT; v++) {
		exp_sess_begin(f, m->name, b, t);
		exp_label(f, "state", mdbus_health_state_name(v));
		exp_end_u64(f, t->h.state == v);
	}
}

static void exp_sess_verdict(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
			     const struct top_session *t)
{
	for (uint32_t v = MDBUS_HEALTH_HEALTHY; v <= MDBUS_HEALTH_DOWN; v++) {
		exp_sess_begin(f, m->name, b, t);
		exp_label(f, "verdict", mdbus_health_verdict_name(v));
		exp_end_u64(f, (uint32_t)t->verdict == v);
	}
}

static void exp_sess_failures(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
			      const struct top_session *t)
{
	for (uint32_t k = MDBUS_HEALTH_ERR_NONE + 1; k < MDBUS_HEALTH_ERR__COUNT; k++) {
		exp_sess_begin(f, m->name, b, t);
		exp_label(f, "kind", mdbus_health_err_name(k));
		exp_end_u64(f, t->h.handshake_failures[k]);
	}
}

static void exp_sess_last_error(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
				const struct top_session *t)
{
	if (!t->h.last_error_ns || t->h.last_error_class == MDBUS_HEALTH_ERR_NONE)
		return;
	exp_sess_begin(f, m->name, b, t);
	exp_label(f, "kind", mdbus_health_err_name(t->h.last_error_class));
	exp_end_ns(f, exp_age(&b->st.cur, t->h.last_error_ns));
}

/* A writer that predates connections wrote 0: that session has one. */
static void exp_sess_conns(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
			   const struct top_session *t)
{
	exp_sess_begin(f, m->name, b, t);
	exp_end_u64(f, t->h.conns ? t->h.conns : 1);
}

/* p50/p90/p99 of each hop's histogram (mdbus_health_hop), as gauges with a
 * quantile label: ns hops in seconds, msgs_per_iter in messages. */
static void exp_sess_hops(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
			  const struct top_session *t)
{
	static const char *const qn[] = {"0.5", "0.9", "0.99"};
	static const double qv[] = {0.5, 0.9, 0.99};

	for (uint32_t k = 0; k < MDBUS_HOP__COUNT; k++) {
		for (int i = 0; i < 3; i++) {
			int64_t v = mdbus_hist_quantile(&t->h.hop[k], qv[i]);
			if (v < 0)
				continue;
			exp_sess_begin(f, m->name, b, t);
			exp_label(f, "hop", mdbus_health_hop_name(k));
			exp_label(f, "quantile", qn[i]);
			if (k == MDBUS_HOP_MSGS_PER_ITER)
				exp_end_u64(f, (uint64_t)v);
			else
				exp_end_ns(f, v);
		}
	}
}

static void exp_sess_hop_count(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
			       const struct top_session *t)
{
	for (uint32_t k = 0; k < MDBUS_HOP__COUNT; k++) {
		exp_sess_begin(f, m->name, b, t);
		exp_label(f, "hop", mdbus_health_hop_name(k));
		exp_end_u64(f, t->h.hop[k].count);
	}
}

static void exp_feed_loop(FILE *f, const struct exp_fam *m, const struct exp_bus *b)
{
	static const char *const qn[] = {"0.5", "0.99"};
	static const double qv[] = {0.5, 0.99};

	if (!exp_feed_ok(b))
		return;
	for (int i = 0; i < 2; i++) {
		int64_t v = mdbus_hist_quantile(&b->st.cur.feed.loop_ns, qv[i]);
		if (v < 0)
			continue;
		exp_begin(f, m->name, b);
		exp_label(f, "quantile", qn[i]);
		exp_end_ns(f, v);
	}
}

/* ---- instruments ----------------------------------------------------------- */

static void exp_instr_begin(FILE *f, const char *name, const struct exp_bus *b,
			    const struct top_instr *t)
{
	exp_begin(f, name, b);
	exp_label(f, "venue", t->meta.venue);
	exp_label(f, "symbol", t->meta.symbol);
}

static void exp_instr_status(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
			     const struct top_instr *t)
{
	exp_instr_begin(f, m->name, b, t);
	/* The library folds in the heartbeat; the writer lock (a SIGKILLed
	 * feedd, seen at once) is in this sample's alive. */
	exp_end_u64(f, b->st.cur.alive == 1 ? t->h.status : MDBUS_HEALTH_INSTR_DOWN);
}

static void exp_instr_u64(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
			  const struct top_instr *t)
{
	if (t->err)
		return;
	exp_instr_begin(f, m->name, b, t);
	exp_end_u64(f, EXP_FIELD(uint64_t, &t->h, m->off));
}

static void exp_instr_age(FILE *f, const struct exp_fam *m, const struct exp_bus *b,
			  const struct top_instr *t)
{
	int64_t then = t->err ? 0 : EXP_FIELD(int64_t, &t->h, m->off);

	if (!then)
		return;
	exp_instr_begin(f, m->name, b, t);
	exp_end_ns(f, exp_age(&b->st.cur, then));
}

/* ---- the families ------------------------------------------------------------ */

#define EXP_B(n, ty, h, fn, o)                                                                     \
	{                                                                                          \
		n, ty, h, EXP_BUS, fn, NULL, NULL, o                                               \
	}
#define EXP_S(n, ty, h, fn, o)                                                                     \
	{                                                                                          \
		n, ty, h, EXP_SESSION, NULL, fn, NULL, o                                           \
	}
#define EXP_I(n, ty, h, fn, o)                                                                     \
	{                                                                                          \
		n, ty, h, EXP_INSTR, NULL, NULL, fn, o                                             \
	}
#define EXP_FEED(f) offsetof(struct mdbus_health_feed, f)
#define EXP_SESS(f) offsetof(struct mdbus_health_session, f)
#define EXP_INS(f)  offsetof(struct mdbus_health_instr, f)

static const struct exp_fam exp_fams[] = {
	EXP_B("mdbus_up", "gauge",
	      "1 if the bus's feed is alive (fresh heartbeat, writer process alive, not "
	      "stopped); 0 for a dead, stopped or missing feed or an unreadable health region.",
	      exp_up, 0),
	EXP_B("mdbus_bus_attached", "gauge",
	      "1 if the exporter has the bus's segment mapped; 0 if there is no such bus.",
	      exp_attached, 0),
	EXP_B("mdbus_bus_created_timestamp_seconds", "gauge",
	      "When the bus's current segment was created (Unix time).", exp_created, 0),
	EXP_B("mdbus_ring_published_total", "counter",
	      "Ticks published into the ring by the current writer (its last sequence number).",
	      exp_info_u64, offsetof(struct mdbus_info, write_seq)),
	EXP_B("mdbus_ring_slots", "gauge", "Ring capacity in ticks.", exp_info_u32,
	      offsetof(struct mdbus_info, slots)),
	EXP_B("mdbus_feed_info", "gauge", "The feed's build version and configuration; always 1.",
	      exp_feed_info, 0),
	EXP_B("mdbus_feed_state", "gauge", "The feed daemon's state: 1 for the current one.",
	      exp_feed_state, 0),
	EXP_B("mdbus_feed_heartbeat_age_seconds", "gauge",
	      "Seconds since the feed's watchdog last beat; 3 heartbeat periods without one is a "
	      "dead feed.",
	      exp_feed_age, EXP_FEED(heartbeat_mono_ns)),
	EXP_B("mdbus_feed_heartbeats_total", "counter", "Watchdog runs of the feed.", exp_feed_u64,
	      EXP_FEED(heartbeat_count)),
	EXP_B("mdbus_feed_start_time_seconds", "gauge", "When the feed started (Unix time).",
	      exp_feed_ns, EXP_FEED(start_rt_ns)),
	EXP_B("mdbus_feed_sessions", "gauge", "Sessions configured in the feed.", exp_feed_u32,
	      EXP_FEED(sessions)),
	EXP_B("mdbus_feed_instruments", "gauge", "Instruments registered on the bus.", exp_feed_u32,
	      EXP_FEED(instruments)),
	EXP_S("mdbus_session_state", "gauge", "The session's state: 1 for the current one.",
	      exp_sess_state, 0),
	EXP_S("mdbus_session_verdict", "gauge",
	      "The session's health verdict (down for every session of a dead feed): 1 for the "
	      "current one.",
	      exp_sess_verdict, 0),
	EXP_S("mdbus_session_state_age_seconds", "gauge", "Seconds in the current state.",
	      exp_sess_age, EXP_SESS(state_since_ns)),
	EXP_S("mdbus_session_connects_total", "counter", "Connection attempts started.",
	      exp_sess_u64, EXP_SESS(connects)),
	EXP_S("mdbus_session_reconnects_total", "counter", "Connection attempts after the first.",
	      exp_sess_u64, EXP_SESS(reconnects)),
	EXP_S("mdbus_session_handshake_failures_total", "counter",
	      "Connection attempts that failed before the session went live, by error kind.",
	      exp_sess_failures, 0),
	EXP_S("mdbus_session_last_error_age_seconds", "gauge",
	      "Seconds since the session's last error, labelled with its kind.",
	      exp_sess_last_error, 0),
	EXP_S("mdbus_session_messages_total", "counter", "WebSocket messages received.",
	      exp_sess_u64, EXP_SESS(messages)),
	EXP_S("mdbus_session_received_bytes_total", "counter", "WebSocket payload bytes received.",
	      exp_sess_u64, EXP_SESS(bytes)),
	EXP_S("mdbus_session_ticks_total", "counter", "Ticks the session published.", exp_sess_u64,
	      EXP_SESS(ticks)),
	EXP_S("mdbus_session_parse_errors_total", "counter", "Messages that could not be parsed.",
	      exp_sess_u64, EXP_SESS(parse_errors)),
	EXP_S("mdbus_session_gaps_total", "counter", "Sequence gaps detected in the venue's data.",
	      exp_sess_u64, EXP_SESS(gaps)),
	EXP_S("mdbus_session_last_message_age_seconds", "gauge",
	      "Seconds since the session's last WebSocket message.", exp_sess_age,
	      EXP_SESS(last_msg_ns)),
	EXP_S("mdbus_session_ping_rtt_seconds", "gauge", "The last ping round trip.", exp_sess_ns,
	      EXP_SESS(rtt_ns)),
	EXP_S("mdbus_session_subscriptions", "gauge", "Streams the venue acknowledged.",
	      exp_sess_u32, EXP_SESS(subscriptions)),
	EXP_S("mdbus_session_streams", "gauge", "Streams configured.", exp_sess_u32,
	      EXP_SESS(streams)),
	EXP_S("mdbus_session_connections", "gauge", "The session's connections.", exp_sess_conns,
	      0),
	EXP_S("mdbus_session_connections_live", "gauge", "The session's live connections.",
	      exp_sess_u32, EXP_SESS(conns_live)),
	EXP_S("mdbus_session_backoff_attempts", "gauge",
	      "Consecutive failed connection attempts (0 once live).", exp_sess_u32,
	      EXP_SESS(backoff_attempt)),
	EXP_S("mdbus_session_hop_seconds", "gauge",
	      "Latency quantiles per hop since the feed started (log-linear histogram, within "
	      "12.5 %): exch_kernel, kernel_decrypt, decrypt_publish in seconds; msgs_per_iter in "
	      "messages per loop iteration.",
	      exp_sess_hops, 0),
	EXP_S("mdbus_session_hop_samples_total", "counter",
	      "Values recorded per hop (messages; exch_kernel: ticks with an exchange time).",
	      exp_sess_hop_count, 0),
	EXP_S("mdbus_session_rx_unstamped_total", "counter",
	      "Receives without a kernel timestamp (recv_ts from the wall clock instead).",
	      exp_sess_u64, EXP_SESS(rx_unstamped)),
	EXP_B("mdbus_feed_loop_iteration_seconds", "gauge",
	      "Quantiles of the feed's event-loop iteration time (wake-up to the next wait).",
	      exp_feed_loop, 0),
	EXP_I("mdbus_instrument_status", "gauge",
	      "The instrument's status word: 0 unknown, 1 live, 2 stale, 3 gap, 4 down, 5 "
	      "resyncing, 6 rest (down for "
	      "every instrument of a dead feed).",
	      exp_instr_status, 0),
	EXP_I("mdbus_instrument_ticks_total", "counter", "Ticks published for the instrument.",
	      exp_instr_u64, EXP_INS(ticks)),
	EXP_I("mdbus_instrument_gaps_total", "counter", "Data gaps on the instrument.",
	      exp_instr_u64, EXP_INS(gaps)),
	EXP_I("mdbus_instrument_last_update_age_seconds", "gauge",
	      "Seconds since the instrument's last tick.", exp_instr_age, EXP_INS(last_update_ns)),
	EXP_B("mdbus_exporter_reattaches_total", "counter",
	      "New writers (feedd restarts) the exporter followed on the bus.", exp_reattaches, 0),
};

static void exp_family(FILE *f, const struct exp_fam *m, const struct exp_set *s)
{
	exp_head(f, m->name, m->type, m->help);
	for (size_t k = 0; k < s->n; k++) {
		const struct exp_bus *b = &s->bus[k];
		const struct top_snap *c = &b->st.cur;
		if (m->scope == EXP_BUS)
			m->bus(f, m, b);
		for (uint32_t i = 0; m->scope == EXP_SESSION && i < c->nsess; i++)
			if (!c->sess[i].err)
				m->sess(f, m, b, &c->sess[i]);
		for (uint32_t i = 0; m->scope == EXP_INSTR && i < c->ninstr; i++)
			if (c->instr[i].meta.symbol[0])
				m->instr(f, m, b, &c->instr[i]);
	}
}

/* ---- the set ------------------------------------------------------------------ */

int exp_set_init(struct exp_set *s, const char (*names)[MDBUS_BUS_NAME_MAX], size_t n)
{
	int rc;

	if (n > EXP_MAX_BUSES)
		return -E2BIG;
	memset(s, 0, sizeof(*s));
	if ((rc = pthread_mutex_init(&s->lock, NULL)) != 0)
		return -rc;
	s->n = n;
	for (size_t k = 0; k < n; k++) {
		snprintf(s->bus[k].name, sizeof(s->bus[k].name), "%s", names[k]);
		top_state_open(&s->bus[k].st, names[k], 0); /* no bus yet: retried per scrape */
	}
	return 0;
}

void exp_set_close(struct exp_set *s)
{
	for (size_t k = 0; k < s->n; k++)
		top_state_close(&s->bus[k].st);
	pthread_mutex_destroy(&s->lock);
	s->n = 0;
}

/* A bus that was missing may exist now. */
static int exp_sample(struct exp_bus *b)
{
	if (!b->st.r) {
		top_state_close(&b->st);
		top_state_open(&b->st, b->name, 0);
	}
	return top_state_sample(&b->st);
}

static void exp_tail(FILE *f, int64_t took_ns)
{
	exp_head(f, "mdbus_exporter_build_info", "gauge",
		 "The exporter's version (the mdbus version); always 1.");
	fprintf(f, "mdbus_exporter_build_info{version=\"%s\"} 1\n", MDBUS_VERSION);
	exp_head(f, "mdbus_exporter_scrape_duration_seconds", "gauge",
		 "Seconds the exporter took to sample every bus for this exposition.");
	fprintf(f, "mdbus_exporter_scrape_duration_seconds %.9f\n", (double)took_ns / 1e9);
}

int exp_render(struct exp_set *s, char **out, size_t *len)
{
	int rc = 0;
	FILE *f;

	*out = NULL;
	*len = 0;
	pthread_mutex_lock(&s->lock);
	int64_t t0 = tools_now_ns(CLOCK_MONOTONIC);
	for (size_t k = 0; k < s->n && rc >= 0; k++)
		rc = exp_sample(&s->bus[k]);
	int64_t took = tools_now_ns(CLOCK_MONOTONIC) - t0;
	if (rc >= 0 && (f = open_memstream(out, len)) != NULL) {
		for (size_t i = 0; i < sizeof(exp_fams) / sizeof(exp_fams[0]); i++)
			exp_family(f, &exp_fams[i], s);
		exp_write_readers(f, s);
		exp_tail(f, took);
		rc = ferror(f) ? -ENOMEM : 0;
		if (fclose(f) != 0)
			rc = -ENOMEM;
	} else if (rc >= 0) {
		rc = -ENOMEM;
	}
	pthread_mutex_unlock(&s->lock);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
	return rc < 0 ? rc : 0;
}
