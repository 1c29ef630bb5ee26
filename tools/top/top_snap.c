/* SPDX-License-Identifier: MIT */
/* top_snap.c: sampling the bus into a top_snap (see top_snap.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "top_snap.h"

/* Text in the region comes from another process: make it a terminated,
 * printable ASCII string before any renderer (curses, JSON) sees it. */
static void top_clean(char *s, size_t n)
{
	s[n - 1] = '\0';
	for (size_t i = 0; i < n && s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			s[i] = '?';
}

#define TOP_CLEAN(field) top_clean((field), sizeof(field))

static int top_grow(void **arr, uint32_t *cap, uint32_t want, size_t elem)
{
	if (want <= *cap)
		return 0;
	uint32_t n = *cap ? *cap : 16;
	while (n < want)
		n *= 2;
	void *p = realloc(*arr, (size_t)n * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

int top_state_open(struct top_state *st, const char *bus, int max_age_ms)
{
	struct mdbus_reader_opts o = {.bus = bus, .start = MDBUS_START_LATEST};

	memset(st, 0, sizeof(*st));
	st->max_age_ms = max_age_ms;
	st->book_scratch = malloc(sizeof(*st->book_scratch));
	if (!st->book_scratch)
		return -ENOMEM;
	snprintf(st->bus, sizeof(st->bus), "%s", bus ? bus : "");
	int rc = mdbus_reader_open(&st->r, &o);
	if (rc < 0) {
		st->r = NULL;
		st->cur.open_err = rc;
		return rc;
	}
	st->cur.attached = 1;
	return 0;
}

void top_state_close(struct top_state *st)
{
	mdbus_reader_close(st->r);
	free(st->cur.sess);
	free(st->cur.instr);
	free(st->prev.sess);
	free(st->prev.instr);
	free(st->book_scratch);
	memset(st, 0, sizeof(*st));
}

/* The writer we follow is gone: pick up a newer segment if one exists.
 * Returns 1 on a new epoch, 0 if nothing changed. */
static int top_maybe_reattach(struct top_state *st, struct top_snap *s)
{
	uint64_t old = mdbus_reader_epoch(st->r);
	int rc = mdbus_reader_reattach(st->r);

	if (rc < 0) {
		s->open_err = rc; /* old mapping stays usable: keep showing it */
		return 0;
	}
	if (mdbus_reader_epoch(st->r) == old)
		return 0;
	st->reattaches++;
	st->reattach_mono_ns = mdbus_health_mono_ns();
	return 1;
}

static double top_rate(uint64_t now, uint64_t then, double dt)
{
	if (dt <= 0 || now < then)
		return -1;
	return (double)(now - then) / dt;
}

static int top_sample_sessions(struct top_state *st, struct top_snap *s, uint32_t count)
{
	if (top_grow((void **)&s->sess, &st->sess_cap, count, sizeof(*s->sess)))
		return -ENOMEM;
	s->nsess = count;
	for (uint32_t i = 0; i < count; i++) {
		struct top_session *t = &s->sess[i];
		memset(t, 0, sizeof(*t));
		t->err = mdbus_health_snapshot_session(st->r, i, &t->h);
		t->msg_rate = t->tick_rate = -1;
		if (t->err) {
			t->verdict = MDBUS_HEALTH_UNKNOWN;
			snprintf(t->reason, sizeof(t->reason), "no record: %s",
				 mdbus_strerror(t->err));
			s->tot.down++;
			continue;
		}
		TOP_CLEAN(t->h.name);
		TOP_CLEAN(t->h.venue);
		TOP_CLEAN(t->h.host);
		TOP_CLEAN(t->h.last_error);
		TOP_CLEAN(t->h.verdict_reason);
		t->verdict = mdbus_health_session_verdict(&t->h, s->now_mono_ns, t->reason,
							  sizeof(t->reason));
		if (s->alive != 1) {
			/* The record is what a feed that is gone last wrote. */
			t->verdict = MDBUS_HEALTH_DOWN;
			snprintf(t->reason, sizeof(t->reason), "feed dead");
		}
		TOP_CLEAN(t->reason);
		s->tot.healthy += t->verdict == MDBUS_HEALTH_HEALTHY;
		s->tot.degraded += t->verdict == MDBUS_HEALTH_DEGRADED;
		s->tot.down +=
			t->verdict != MDBUS_HEALTH_HEALTHY && t->verdict != MDBUS_HEALTH_DEGRADED;
		s->tot.messages += t->h.messages;
		s->tot.bytes += t->h.bytes;
		s->tot.ticks += t->h.ticks;
		s->tot.parse_errors += t->h.parse_errors;
		s->tot.gaps += t->h.gaps;
		s->tot.reconnects += t->h.reconnects;
	}
	return 0;
}

/* The top TOP_BOOK_LEVELS of instrument i's book, if the bus keeps one. */
static void top_sample_book(struct top_state *st, uint32_t i, struct top_book *b)
{
	struct mdbus_book_snapshot *x = st->book_scratch;
	int rc = -EAGAIN;

	for (int k = 0; k < 1000 && rc == -EAGAIN; k++)
		rc = mdbus_book_read(st->r, i, TOP_BOOK_LEVELS, x);
	memset(b, 0, sizeof(*b));
	b->err = rc;
	if (rc < 0)
		return;
	b->status = x->status;
	b->checksum = x->checksum;
	b->depth = x->depth;
	b->nbids = x->nbids < TOP_BOOK_LEVELS ? x->nbids : TOP_BOOK_LEVELS;
	b->nasks = x->nasks < TOP_BOOK_LEVELS ? x->nasks : TOP_BOOK_LEVELS;
	b->update_id = x->update_id;
	b->version = x->version;
	b->resyncs = x->resyncs;
	b->checksum_fails = x->checksum_fails;
	b->exch_ts = x->exch_ts;
	b->recv_ts = x->recv_ts;
	memcpy(b->bids, x->bids, b->nbids * sizeof(b->bids[0]));
	memcpy(b->asks, x->asks, b->nasks * sizeof(b->asks[0]));
}

static int top_sample_instruments(struct top_state *st, struct top_snap *s)
{
	uint32_t count = mdbus_reader_instrument_count(st->r);

	if (top_grow((void **)&s->instr, &st->instr_cap, count, sizeof(*s->instr)))
		return -ENOMEM;
	s->ninstr = count;
	for (uint32_t i = 0; i < count; i++) {
		struct top_instr *t = &s->instr[i];
		memset(t, 0, sizeof(*t));
		t->tick_rate = -1;
		if (mdbus_reader_instrument(st->r, i, &t->meta) < 0)
			t->meta.id = i;
		TOP_CLEAN(t->meta.venue);
		TOP_CLEAN(t->meta.symbol);
		TOP_CLEAN(t->meta.native);
		top_sample_book(st, i, &t->book);
		t->err = mdbus_health_snapshot_instr(st->r, i, &t->h);
		if (t->err) { /* the status word may be set before the first record */
			int status = mdbus_health_instr_status(st->r, i);
			t->h.status = status > 0 ? (uint32_t)status : 0;
		}
	}
	return 0;
}

/* Rates against the previous sample, only within one epoch. */
static void top_rates(struct top_snap *s, const struct top_snap *p)
{
	s->ring_rate = -1;
	if (p->attached && p->info.epoch == s->info.epoch && p->now_mono_ns) {
		double dt = (double)(s->now_mono_ns - p->now_mono_ns) / 1e9;
		s->ring_rate = top_rate(s->info.write_seq, p->info.write_seq, dt);
		for (uint32_t i = 0; i < s->nsess && i < p->nsess; i++) {
			struct top_session *a = &s->sess[i];
			const struct top_session *b = &p->sess[i];
			if (a->err || b->err || strcmp(a->h.name, b->h.name) != 0)
				continue;
			a->msg_rate = top_rate(a->h.messages, b->h.messages, dt);
			a->tick_rate = top_rate(a->h.ticks, b->h.ticks, dt);
		}
		for (uint32_t i = 0; i < s->ninstr && i < p->ninstr; i++)
			if (!s->instr[i].err && !p->instr[i].err)
				s->instr[i].tick_rate =
					top_rate(s->instr[i].h.ticks, p->instr[i].h.ticks, dt);
	}
	if (s->ring_rate < 0 && s->feed_err == 0)
		s->ring_rate = (double)s->feed.ring_rate;
}

int top_state_sample(struct top_state *st)
{
	struct top_snap tmp = st->prev;
	uint32_t c;
	int reattached = 0;

	/* cur becomes prev; the old prev's arrays are reused for the new cur. */
	st->prev = st->cur;
	st->cur = tmp;
	c = st->sess_cap;
	st->sess_cap = st->prev_sess_cap;
	st->prev_sess_cap = c;
	c = st->instr_cap;
	st->instr_cap = st->prev_instr_cap;
	st->prev_instr_cap = c;

	struct top_snap *s = &st->cur;
	struct top_session *sess = s->sess;
	struct top_instr *instr = s->instr;
	memset(s, 0, sizeof(*s));
	s->sess = sess;
	s->instr = instr;
	s->alive = -ENOENT;
	s->ring_rate = -1;
	if (!st->r)
		return 0;
	s->attached = 1;

	/* A replaced/stopped/dead writer: look for its successor first. */
	if (mdbus_reader_writer_alive(st->r) != 1)
		reattached = top_maybe_reattach(st, s);
	if (reattached) /* nothing of the old epoch is comparable */
		st->prev.attached = 0;

	s->now_mono_ns = mdbus_health_mono_ns();
	s->now_rt_ns = mdbus_health_rt_ns();
	mdbus_reader_info(st->r, &s->info);

	struct mdbus_health_geom g;
	s->health_err = mdbus_health_geometry(st->r, &g);
	s->feed_err = s->health_err ? s->health_err : mdbus_health_snapshot_feed(st->r, &s->feed);
	if (s->feed_err == 0) {
		TOP_CLEAN(s->feed.config);
		TOP_CLEAN(s->feed.version);
	}
	s->alive = mdbus_health_feed_alive(st->r, st->max_age_ms);
	if (top_sample_sessions(st, s, s->health_err ? 0 : g.session_count) ||
	    top_sample_instruments(st, s))
		return -ENOMEM;
	top_rates(s, &st->prev);
	int nr = mdbus_readers_list(st->r, s->readers, MDBUS_READERS_MAX);
	s->readers_err = nr < 0 ? nr : 0;
	s->nreaders = nr < 0 ? 0 : nr;
	for (int i = 0; i < s->nreaders; i++)
		TOP_CLEAN(s->readers[i].name);
	return reattached;
}

int top_snap_exit_code(const struct top_snap *s)
{
	if (!s->attached)
		return 2;
	if (s->health_err || s->alive != 1)
		return 1;
	for (uint32_t i = 0; i < s->nsess; i++)
		if (s->sess[i].verdict != MDBUS_HEALTH_HEALTHY)
			return 1;
	return 0;
}

const char *top_book_status_name(uint32_t status)
{
	static const char *const names[] = {
		[MDBUS_BOOK_EMPTY] = "empty",	      [MDBUS_BOOK_LIVE] = "live",
		[MDBUS_BOOK_RESYNCING] = "resyncing", [MDBUS_BOOK_STALE] = "stale",
		[MDBUS_BOOK_DOWN] = "down",	      [MDBUS_BOOK_REST] = "rest",
	};

	return status < sizeof(names) / sizeof(names[0]) ? names[status] : "unknown";
}

const char *top_fmt_dec(char *buf, size_t len, int64_t mantissa, unsigned decimals)
{
	if (mdbus_decimal_format(mantissa, decimals, buf, len) < 0)
		snprintf(buf, len, "%" PRId64 "e-%u", mantissa, decimals);
	return buf;
}

const char *top_fmt_age(char *buf, size_t len, int64_t ns)
{
	if (ns < 0) {
		snprintf(buf, len, "-");
	} else if (ns < 1000000000LL) {
		snprintf(buf, len, "%" PRId64 "ms", ns / 1000000);
	} else if (ns < 60000000000LL) {
		snprintf(buf, len, "%.1fs", (double)ns / 1e9);
	} else {
		int64_t s = ns / 1000000000;
		if (s < 3600)
			snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
		else if (s < 86400)
			snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m", s / 3600, s / 60 % 60);
		else
			snprintf(buf, len, "%" PRId64 "d%02" PRId64 "h", s / 86400, s / 3600 % 24);
	}
	return buf;
}

const char *top_fmt_rate(char *buf, size_t len, double v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else if (v < 1000)
		snprintf(buf, len, v < 100 && v != (double)(int64_t)v ? "%.1f" : "%.0f", v);
	else if (v < 1e6)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else if (v < 1e9)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else
		snprintf(buf, len, "%.1fG", v / 1e9);
	return buf;
}
