/* SPDX-License-Identifier: MIT */
/* top_rows.c: header lines, table rows and sort orders (see top_rows.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "top_rows.h"

static const char *const top_ss_names[TOP_SS__COUNT] = {"name",	   "state",	 "msgs/s",
							"ticks/s", "reconnects", "age"};
static const char *const top_is_names[TOP_IS__COUNT] = {"id", "symbol", "status", "ticks/s", "age"};

const char *top_sess_sort_name(int col)
{
	return col >= 0 && col < TOP_SS__COUNT ? top_ss_names[col] : "?";
}

const char *top_instr_sort_name(int col)
{
	return col >= 0 && col < TOP_IS__COUNT ? top_is_names[col] : "?";
}

const char *top_liveness(const struct top_snap *s, int *bad)
{
	*bad = 1;
	if (!s->attached)
		return "NO BUS";
	if (s->health_err == -EAGAIN)
		return "NOT READY";
	if (s->health_err)
		return "BAD HEALTH";
	if (s->alive == 1) {
		*bad = 0;
		return "ALIVE";
	}
	if (s->feed_err == 0 && s->feed.state == MDBUS_HEALTH_FEED_STOPPED)
		return "STOPPED";
	return "DEAD";
}

/* Line 0 leads with the liveness word so that it survives any truncation
 * at 80 columns. */
void top_hdr_line(const struct top_state *st, int n, char *buf, size_t len)
{
	const struct top_snap *s = &st->cur;
	char a[32], b[32], c[32], d[32], e[32];
	int bad;

	buf[0] = '\0';
	if (n == 0) {
		if (!s->attached) {
			snprintf(buf, len, "mdbus-top NO BUS  bus %s  (%s)", st->bus,
				 mdbus_strerror(s->open_err));
			return;
		}
		const char *live = top_liveness(s, &bad);
		if (s->feed_err) {
			snprintf(buf, len, "mdbus-top %s  bus %s  health: %s", live, st->bus,
				 mdbus_strerror(s->feed_err));
			return;
		}
		snprintf(buf, len, "mdbus-top %s  bus %s  feedd pid %u %s  up %s  hb %s", live,
			 st->bus, s->feed.pid, mdbus_health_feed_state_name(s->feed.state),
			 top_fmt_age(a, sizeof(a), s->now_rt_ns - s->feed.start_rt_ns),
			 top_fmt_age(b, sizeof(b), s->now_mono_ns - s->feed.heartbeat_mono_ns));
	} else if (n == 1) {
		if (!s->attached)
			return;
		snprintf(buf, len,
			 "ring seq %" PRIu64 "  rate %s/s  slots %u  epoch %08" PRIx64 "%s%s%s%s",
			 s->info.write_seq, top_fmt_rate(a, sizeof(a), s->ring_rate), s->info.slots,
			 s->info.epoch & 0xffffffffu, s->feed_err ? "" : "  ",
			 s->feed_err ? "" : s->feed.config, s->feed_err ? "" : " v",
			 s->feed_err ? "" : s->feed.version);
	} else if (n == 2) {
		if (!s->attached)
			return;
		snprintf(buf, len,
			 "msgs %s  ticks %s  parse errs %s  gaps %s  reconn %s  | %u ok %u "
			 "degraded %u down",
			 top_fmt_rate(a, sizeof(a), (double)s->tot.messages),
			 top_fmt_rate(b, sizeof(b), (double)s->tot.ticks),
			 top_fmt_rate(c, sizeof(c), (double)s->tot.parse_errors),
			 top_fmt_rate(d, sizeof(d), (double)s->tot.gaps),
			 top_fmt_rate(e, sizeof(e), (double)s->tot.reconnects), s->tot.healthy,
			 s->tot.degraded, s->tot.down);
	}
}

/* Column layout: NAME 14 STATE 13 MSG/S 7 TICK/S 7 RECON 5 AGE 6 RTT 6 ERROR *. */
void top_sess_heading(char *buf, size_t len, int width)
{
	(void)width;
	snprintf(buf, len, "%-14s %-13s %7s %7s %5s %6s %6s %s", "SESSION", "STATE", "MSG/S",
		 "TICK/S", "RECON", "AGE", "RTT", "LAST ERROR");
}

void top_sess_row(const struct top_snap *s, const struct top_session *t, char *buf, size_t len,
		  int width)
{
	char m[16], k[16], age[16], rtt[32], err[2 * MDBUS_HEALTH_TEXT_MAX + 32];
	const struct mdbus_health_session *h = &t->h;
	int errw = width - 65;

	if (errw < 10)
		errw = 10;
	if (t->err) {
		snprintf(buf, len, "%-14s %-13s %s", "?", "?", t->reason);
		return;
	}
	if (h->rtt_ns <= 0)
		snprintf(rtt, sizeof(rtt), "-");
	else if (h->rtt_ns < 100000000)
		snprintf(rtt, sizeof(rtt), "%.1fms", (double)h->rtt_ns / 1e6);
	else
		snprintf(rtt, sizeof(rtt), "%" PRId64 "ms", h->rtt_ns / 1000000);
	if (t->verdict != MDBUS_HEALTH_HEALTHY)
		snprintf(err, sizeof(err), "%s", t->reason);
	else if (h->last_error_class)
		snprintf(err, sizeof(err), "%s: %s", mdbus_health_err_name(h->last_error_class),
			 h->last_error);
	else
		snprintf(err, sizeof(err), "-");
	snprintf(buf, len, "%-14.14s %-13.13s %7s %7s %5" PRIu64 " %6s %6s %.*s", h->name,
		 mdbus_health_state_name(h->state), top_fmt_rate(m, sizeof(m), t->msg_rate),
		 top_fmt_rate(k, sizeof(k), t->tick_rate), h->reconnects,
		 top_fmt_age(age, sizeof(age),
			     h->last_msg_ns ? s->now_mono_ns - h->last_msg_ns : -1),
		 rtt, errw, err);
}

/* Column layout: ID 4 SYMBOL 12 STATUS 7 LAST 11 BID 11 ASK 11 TICK/S 7 AGE 6
 * [VENUE 10 when there is room]. */
void top_instr_heading(char *buf, size_t len, int width)
{
	snprintf(buf, len, "%4s %-12s %-7s %11s %11s %11s %7s %6s%s", "ID", "SYMBOL", "STATUS",
		 "LAST", "BID", "ASK", "TICK/S", "AGE", width >= 88 ? " VENUE" : "");
}

void top_instr_row(const struct top_snap *s, const struct top_instr *t, char *buf, size_t len,
		   int width)
{
	char last[40], bid[40], ask[40], k[16], age[16];
	const struct mdbus_health_instr *h = &t->h;
	unsigned pd = t->meta.price_decimals;
	int no = t->err != 0;

	snprintf(buf, len, "%4u %-12.12s %-7.7s %11.11s %11.11s %11.11s %7s %6s%s%.10s", t->meta.id,
		 t->meta.symbol, h->status ? mdbus_health_instr_status_name(h->status) : "-",
		 no || !h->last_trade_ns ? "-" : top_fmt_dec(last, sizeof(last), h->last_price, pd),
		 no || !h->bid_px ? "-" : top_fmt_dec(bid, sizeof(bid), h->bid_px, pd),
		 no || !h->ask_px ? "-" : top_fmt_dec(ask, sizeof(ask), h->ask_px, pd),
		 top_fmt_rate(k, sizeof(k), t->tick_rate),
		 top_fmt_age(age, sizeof(age),
			     no || !h->last_update_ns ? -1 : s->now_mono_ns - h->last_update_ns),
		 width >= 88 ? " " : "", width >= 88 ? t->meta.venue : "");
}

void top_reader_heading(char *buf, size_t len)
{
	snprintf(buf, len, "%-16s %8s %10s %8s %10s %6s %6s", "READER", "PID", "LAG", "LAG_T",
		 "MISSED", "LAPS", "SEEN");
}

/* A reader still on an older writer's segment shows its lag as "old". */
void top_reader_row(const struct top_snap *s, const struct mdbus_reader_entry *e, char *buf,
		    size_t len)
{
	char lag[24], lt[16], seen[16];
	if (e->same_epoch)
		snprintf(lag, sizeof(lag), "%llu", (unsigned long long)e->lag_ticks);
	else
		snprintf(lag, sizeof(lag), "old");
	top_fmt_age(lt, sizeof(lt), e->lag_ns);
	top_fmt_age(seen, sizeof(seen),
		    e->last_read_ns > 0 && s->now_rt_ns >= e->last_read_ns
			    ? s->now_rt_ns - e->last_read_ns
			    : -1);
	snprintf(buf, len, "%-16.16s %8u %10s %8s %10llu %6llu %6s", e->name, e->pid, lag, lt,
		 (unsigned long long)e->missed, (unsigned long long)e->laps, seen);
}

/* ---- sorting ---------------------------------------------------------------------- */

struct top_sort_ctx {
	const struct top_snap *s;
	int col;
};

static int top_cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int top_cmp_dbl_desc(double a, double b)
{
	return a > b ? -1 : a < b;
}

static int top_sess_cmp(const void *pa, const void *pb, void *arg)
{
	const struct top_sort_ctx *c = arg;
	const struct top_session *a = &c->s->sess[*(const uint32_t *)pa];
	const struct top_session *b = &c->s->sess[*(const uint32_t *)pb];
	int r = 0;

	switch (c->col) {
	case TOP_SS_STATE: /* worst first */
		r = -top_cmp_u64((uint64_t)a->verdict, (uint64_t)b->verdict);
		if (!r)
			r = top_cmp_u64(a->h.state, b->h.state);
		break;
	case TOP_SS_MSGS:
		r = top_cmp_dbl_desc(a->msg_rate, b->msg_rate);
		break;
	case TOP_SS_TICKS:
		r = top_cmp_dbl_desc(a->tick_rate, b->tick_rate);
		break;
	case TOP_SS_RECON:
		r = -top_cmp_u64(a->h.reconnects, b->h.reconnects);
		break;
	case TOP_SS_AGE: /* oldest message first */
		r = top_cmp_u64((uint64_t)a->h.last_msg_ns, (uint64_t)b->h.last_msg_ns);
		break;
	default:
		break;
	}
	if (!r)
		r = strcmp(a->h.name, b->h.name);
	return r ? r : top_cmp_u64(*(const uint32_t *)pa, *(const uint32_t *)pb);
}

static int top_instr_cmp(const void *pa, const void *pb, void *arg)
{
	const struct top_sort_ctx *c = arg;
	const struct top_instr *a = &c->s->instr[*(const uint32_t *)pa];
	const struct top_instr *b = &c->s->instr[*(const uint32_t *)pb];
	int r = 0;

	switch (c->col) {
	case TOP_IS_SYMBOL:
		r = strcmp(a->meta.symbol, b->meta.symbol);
		if (!r)
			r = strcmp(a->meta.venue, b->meta.venue);
		break;
	case TOP_IS_STATUS: /* worst (highest code) first */
		r = -top_cmp_u64(a->h.status, b->h.status);
		break;
	case TOP_IS_TICKS:
		r = top_cmp_dbl_desc(a->tick_rate, b->tick_rate);
		break;
	case TOP_IS_AGE:
		r = top_cmp_u64((uint64_t)a->h.last_update_ns, (uint64_t)b->h.last_update_ns);
		break;
	default:
		break;
	}
	return r ? r : top_cmp_u64(*(const uint32_t *)pa, *(const uint32_t *)pb);
}

void top_sort_sessions(const struct top_snap *s, int col, uint32_t *idx)
{
	struct top_sort_ctx c = {s, col};

	for (uint32_t i = 0; i < s->nsess; i++)
		idx[i] = i;
	qsort_r(idx, s->nsess, sizeof(*idx), top_sess_cmp, &c);
}

void top_sort_instruments(const struct top_snap *s, int col, uint32_t *idx)
{
	struct top_sort_ctx c = {s, col};

	for (uint32_t i = 0; i < s->ninstr; i++)
		idx[i] = i;
	qsort_r(idx, s->ninstr, sizeof(*idx), top_instr_cmp, &c);
}
