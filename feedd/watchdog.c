/* SPDX-License-Identifier: MIT */
/* watchdog.c: feedd counters -> health region (seqlock copies in libmdbus). */
#include "watchdog.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"

/* feedd stores its enums as is: the health header mirrors them. */
_Static_assert((int)FEED_ST__COUNT == (int)MDBUS_HEALTH_ST__COUNT, "state enums in step");
_Static_assert((int)FEED_ST_LIVE == (int)MDBUS_HEALTH_ST_LIVE, "state values in step");
_Static_assert((int)FEED_ST_STOPPED == (int)MDBUS_HEALTH_ST_STOPPED, "state values in step");
_Static_assert((int)FEED_ERR__COUNT <= MDBUS_HEALTH_ERR_SLOTS, "error classes fit the slots");
_Static_assert((int)FEED_ERR_INTERNAL == (int)MDBUS_HEALTH_ERR_INTERNAL, "err values in step");

/* Instrument records per run: a large table is refreshed over several runs
 * so one run stays short. */
#define FEED_WD_INSTR_PER_RUN 1024u

int feed_watchdog_init(struct feed_daemon *d)
{
	if (!d->health)
		return -EINVAL;
	/* Called before the sessions are built (d->nsess is still 0): the
	 * config says how many session records the region must hold. */
	return mdbus_health_writer_init(d->health, d->health_size, (uint32_t)d->cfg->nsessions,
					d->max_instr);
}

/* Truncating copy: names and errors may be longer than their record field. */
static void wd_copy(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;

	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static void wd_session(struct feed_daemon *d, struct feed_session *s, int64_t now)
{
	struct mdbus_health_session r;
	const struct feed_session_stats *st = &s->st;

	memset(&r, 0, sizeof(r));
	wd_copy(r.name, sizeof(r.name), s->cfg->name);
	wd_copy(r.venue, sizeof(r.venue), s->cfg->venue);
	wd_copy(r.host, sizeof(r.host), s->cfg->url.host);
	r.state = (uint32_t)s->fsm.state;
	r.last_error_class = (uint32_t)s->last_cls;
	r.state_since_ns = s->fsm.entered_ns;
	r.last_error_ns = st->last_error_ns;
	wd_copy(r.last_error, sizeof(r.last_error), s->last_err);
	r.connects = st->connects;
	r.reconnects = st->reconnects;
	for (unsigned i = 0; i < FEED_ERR__COUNT; i++)
		r.handshake_failures[i] = st->hs_fail[i];
	r.messages = st->messages;
	r.bytes = st->bytes;
	r.ticks = st->ticks;
	r.parse_errors = st->parse_errors;
	r.gaps = s->venue.st.gaps;
	r.last_msg_ns = st->last_msg_ns;
	r.rtt_ns = st->rtt_ns;
	r.next_reconnect_ns = s->fsm.state == FEED_ST_BACKOFF ? st->next_reconnect_ns : 0;
	r.subscriptions = st->subscriptions;
	r.streams = s->venue.nstreams;
	r.stale_timeout_ms = (uint32_t)s->cfg->stale_timeout_ms;
	r.backoff_attempt = s->backoff.attempt;
	r.verdict = (uint32_t)mdbus_health_session_verdict(&r, now, r.verdict_reason,
							   sizeof(r.verdict_reason));
	mdbus_health_publish_session(d->health, s->index, &r);
}

static void wd_instr(struct feed_daemon *d, uint32_t id)
{
	const struct feed_instr_stats *is = &d->istats[id];
	struct mdbus_health_instr r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.status = 0; /* keep the word: it is stored at once on each change */
	r.session = is->session;
	r.ticks = is->ticks;
	r.gaps = is->gaps;
	r.last_price = is->last_price;
	r.last_qty = is->last_qty;
	r.bid_px = is->bid_px;
	r.bid_qty = is->bid_qty;
	r.ask_px = is->ask_px;
	r.ask_qty = is->ask_qty;
	r.last_trade_ns = is->last_trade_ns;
	r.last_update_ns = is->last_update_ns;
	r.last_exch_ts = is->last_exch_ts;
	mdbus_health_publish_instr(d->health, id, &r);
}

void feed_watchdog_run(struct feed_daemon *d, int64_t now, uint32_t feed_state)
{
	struct mdbus_health_feed f;
	uint64_t seq;
	unsigned n;

	if (!d->health)
		return;
	d->wd_count++;
	seq = mdbus_writer_seq(d->w);
	if (!d->rate_at || now - d->rate_at >= 1000000000) {
		if (d->rate_at)
			d->ring_rate =
				(seq - d->rate_seq) * 1000000000ull / (uint64_t)(now - d->rate_at);
		d->rate_seq = seq;
		d->rate_at = now;
	}
	memset(&f, 0, sizeof(f));
	f.pid = d->pid;
	f.state = feed_state;
	f.start_rt_ns = d->start_rt_ns;
	f.start_mono_ns = d->start_mono_ns;
	f.heartbeat_mono_ns = now;
	f.heartbeat_rt_ns = feed_wall_ns();
	f.heartbeat_count = d->wd_count;
	f.ring_write_seq = seq;
	f.ring_rate = d->ring_rate;
	f.ring_slots = d->cfg->slots;
	f.sessions = d->nsess;
	f.instruments = d->ninstr;
	wd_copy(f.config, sizeof(f.config), d->cfg->path);
	wd_copy(f.version, sizeof(f.version), MDBUS_VERSION);
	mdbus_health_publish_feed(d->health, &f);

	for (unsigned i = 0; i < d->nsess; i++)
		wd_session(d, &d->sess[i], now);

	n = d->ninstr < FEED_WD_INSTR_PER_RUN ? d->ninstr : FEED_WD_INSTR_PER_RUN;
	for (unsigned k = 0; k < n; k++) {
		wd_instr(d, d->health_instr_next);
		d->health_instr_next = (d->health_instr_next + 1) % d->ninstr;
	}
}

void feed_watchdog_instr_status(struct feed_daemon *d, uint32_t id, uint32_t status)
{
	if (id < d->ninstr)
		d->istats[id].status = status;
	if (d->health)
		mdbus_health_set_instr_status(d->health, id, status);
}
