/* SPDX-License-Identifier: MIT */
/* fanout.c: who gets a data message and how it is counted: the emission
 * rate, the subscription test, the listener selection of control commands
 * and the broadcast. Below the loop (server.c), the control commands
 * (control.c, faults.c) and the listeners (listen.c), which all call it. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include "sim.h"

void sim_server_set_rate(struct sim_server *s, double rate, int64_t now_ns)
{
	s->rate = rate < 0 ? 0 : rate;
	s->emit_start_ns = now_ns;
	s->emitted = 0;
}

int sim_server_wants(const struct sim_conn *c, int sym, uint8_t kind)
{
	if (!c || c->state != SIM_CS_OPEN || c->stalled || c->silent)
		return 0;
	if (sym < 0) {
		size_t i;
		for (i = 0; i < SIM_MAX_SYMBOLS; i++)
			if (c->subs[i])
				return 1;
		return 0;
	}
	return kind ? (c->subs[sym] & kind) != 0 : c->subs[sym] != 0;
}

/* --record: one JSON line for the message of step e sent to c. Exact
 * decimals as strings; side is the taker's; exch_ts in ns or null. */
static void fanout_record(struct sim_server *s, const struct sim_conn *c, const struct sim_last *e)
{
	const struct sim_listener *l = c->l;
	const struct sim_symbol *y = &l->venue.sym[e->sym];
	char a[40], b[40], d[40], q[40], ts[32] = "null";

	if (!e->no_ts)
		snprintf(ts, sizeof(ts), "%" PRId64, e->ms * 1000000);
	fprintf(s->rec,
		"{\"listener\":%d,\"venue\":\"%s\",\"conn\":%" PRIu64
		",\"symbol\":\"%s\",\"native\":\"%s\",",
		(int)(l - s->lst), l->d->name, c->id, y->norm, y->native);
	if (e->kind == SIM_STREAM_TRADE) {
		sim_dec(e->px, 8, a, sizeof(a));
		sim_dec(e->qty, 8, b, sizeof(b));
		fprintf(s->rec,
			"\"kind\":\"trade\",\"price\":\"%s\",\"qty\":\"%s\",\"side\":\"%s\","
			"\"trade_id\":\"%s\",\"exch_ts\":%s}\n",
			a, b, e->buyer_maker ? "sell" : "buy", e->id, ts);
	} else {
		sim_dec(e->bid, 8, a, sizeof(a));
		sim_dec(e->bid_qty, 8, b, sizeof(b));
		sim_dec(e->ask, 8, d, sizeof(d));
		sim_dec(e->ask_qty, 8, q, sizeof(q));
		fprintf(s->rec,
			"\"kind\":\"bbo\",\"bid_px\":\"%s\",\"bid_qty\":\"%s\",\"ask_px\":"
			"\"%s\",\"ask_qty\":\"%s\",\"update_id\":%" PRIu64 ",\"exch_ts\":%s}\n",
			a, b, d, q, e->update_id, ts);
	}
	fflush(s->rec);
}

/* Queues one data message to c (through its dialect's frame hook) and
 * counts it; records it when it is the venue's last walk step. */
void sim_server_send_event(struct sim_server *s, struct sim_conn *c, int sym, uint8_t kind,
			   const char *p, size_t n)
{
	const struct sim_last *e = &c->l->venue.last;

	sim_conn_send_msg(c, sym, kind, p, n);
	if (s->rec && kind && sym >= 0 && e->kind == kind && e->sym == (uint32_t)sym)
		fanout_record(s, c, e);
	s->stats.messages_sent++;
	c->l->messages_sent++;
	if (kind == SIM_STREAM_TRADE)
		s->stats.trades_sent++;
	else if (kind == SIM_STREAM_BBO)
		s->stats.bbo_sent++;
}

int sim_server_selected(const struct sim_server *s, const struct sim_conn *c)
{
	return !s->only || c->l == s->only;
}

int sim_server_broadcast(struct sim_server *s, struct sim_listener *l, int sym, uint8_t kind,
			 const char *p, size_t n)
{
	int sent = 0;
	size_t i;

	for (i = 0; i < SIM_MAX_CONNS; i++) {
		if (!sim_server_wants(s->conns[i], sym, kind) || (l && s->conns[i]->l != l) ||
		    !sim_server_selected(s, s->conns[i]))
			continue;
		sim_server_send_event(s, s->conns[i], sym, kind, p, n);
		sent++;
	}
	return sent;
}

int sim_server_trade(struct sim_server *s, struct sim_conn *c, uint32_t i)
{
	int64_t now_ms = tools_now_ns(CLOCK_REALTIME) / 1000000;
	struct sim_listener *l = c->l;

	int n;

	if (!s->opt.numbered)
		return sim_server_step(s, l, i, SIM_STREAM_TRADE);
	/* connection id above, this connection's count of the symbol's trades
	 * below: a reader sees each connection's trades numbered 1, 2, 3... */
	n = l->d->trade(&l->venue, i, now_ms, 0, c->id << 32 | ++c->trade_seq[i], s->scratch,
			sizeof(s->scratch));
	l->venue.last.ms = now_ms;
	return n;
}

int sim_server_step(struct sim_server *s, struct sim_listener *l, uint32_t i, uint8_t kind)
{
	int64_t now_ms = tools_now_ns(CLOCK_REALTIME) / 1000000;
	int n = kind == SIM_STREAM_TRADE
			? l->d->trade(&l->venue, i, now_ms, 0, 0, s->scratch, sizeof(s->scratch))
			: l->d->bbo(&l->venue, i, now_ms, s->scratch, sizeof(s->scratch));

	l->venue.last.ms = now_ms;
	return n;
}
