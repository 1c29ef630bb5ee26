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

/* Queues one data message to c (through its dialect's frame hook) and
 * counts it; records it when it is the venue's last walk step. */
void sim_server_send_event(struct sim_server *s, struct sim_conn *c, int sym, uint8_t kind,
			   const char *p, size_t n)
{
	(void)s;
	sim_conn_send_data(c, sym, kind, p, n, &c->l->venue.last);
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
	int64_t now_ns = tools_now_ns(CLOCK_REALTIME), now_ms = now_ns / 1000000;
	/* --stamp: the send time as the trade id, read as late as the message
	 * allows: the server encrypts and writes it in this loop turn */
	uint64_t id = s->opt.stamp && kind == SIM_STREAM_TRADE ? (uint64_t)now_ns : 0;
	int n = kind == SIM_STREAM_TRADE
			? l->d->trade(&l->venue, i, now_ms, 0, id, s->scratch, sizeof(s->scratch))
			: l->d->bbo(&l->venue, i, now_ms, s->scratch, sizeof(s->scratch));

	s->stats.trades_stamped += id != 0 && n > 0;
	/* a venue's REST trade list holds the trades its stream published */
	if (kind == SIM_STREAM_TRADE && id == 0 && n > 0 && l->d->rest)
		sim_rest_note(&l->venue, i, now_ms);

	l->venue.last.ms = now_ms;
	return n;
}
