/* SPDX-License-Identifier: MIT */
/* sink.c: ticks and status to the bus, per-instrument counters. */
#include "sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mdbus_health.h"

int feed_sink_init(struct feed_sink *k, mdbus_writer *w, uint32_t max_instr)
{
	memset(k, 0, sizeof(*k));
	k->w = w;
	k->max_instr = max_instr;
	k->istats = calloc(max_instr ? max_instr : 1, sizeof(*k->istats));
	k->last = calloc(max_instr ? max_instr : 1, sizeof(*k->last));
	if (!k->istats || !k->last) {
		feed_sink_free(k);
		return -ENOMEM;
	}
	return 0;
}

void feed_sink_set_health(struct feed_sink *k, void *health)
{
	k->health = health;
}

void feed_sink_free(struct feed_sink *k)
{
	free(k->istats);
	free(k->last);
	k->istats = NULL;
	k->last = NULL;
	k->ninstr = 0;
}

int feed_sink_add_instrument(struct feed_sink *k, const struct mdbus_instrument *ins,
			     uint32_t session, uint32_t *id)
{
	int rc = mdbus_writer_add_instrument(k->w, ins, id);

	if (rc < 0)
		return rc;
	if (*id < k->max_instr) {
		k->istats[*id].session = session;
		if (*id + 1 > k->ninstr)
			k->ninstr = *id + 1;
	}
	return 0;
}

static void sink_count(struct mdbus_health_instr *is, const struct mdbus_tick *t, int64_t mono_ns)
{
	is->ticks++;
	is->last_update_ns = mono_ns;
	if (t->exch_ts)
		is->last_exch_ts = t->exch_ts;
	if (t->flags & MDBUS_FLAG_GAP)
		is->gaps++;
	if (t->kind == MDBUS_KIND_TRADE) {
		is->last_price = t->u.trade.price;
		is->last_qty = t->u.trade.qty;
		is->last_trade_ns = mono_ns;
	} else if (t->kind == MDBUS_KIND_BBO) {
		is->bid_px = t->u.bbo.bid_px;
		is->bid_qty = t->u.bbo.bid_qty;
		is->ask_px = t->u.bbo.ask_px;
		is->ask_qty = t->u.bbo.ask_qty;
	}
}

int feed_sink_publish(struct feed_sink *k, const struct mdbus_tick *t, uint32_t n, int64_t mono_ns)
{
	int rc = mdbus_writer_publish_batch(k->w, t, n);

	if (rc < 0)
		return rc;
	k->published = 1;
	for (uint32_t i = 0; i < n; i++) {
		if (t[i].instrument >= k->ninstr)
			continue;
		sink_count(&k->istats[t[i].instrument], &t[i], mono_ns);
		if (t[i].kind == MDBUS_KIND_TRADE)
			k->last[t[i].instrument] = (struct feed_sink_trade){
				t[i].u.trade.trade_id, t[i].exch_ts, t[i].flags, 1};
	}
	return 0;
}

static uint32_t sink_health_word(uint32_t code)
{
	switch (code) {
	case MDBUS_STATUS_UP:
		return MDBUS_HEALTH_INSTR_LIVE;
	case MDBUS_STATUS_STALE:
		return MDBUS_HEALTH_INSTR_STALE;
	default:
		return MDBUS_HEALTH_INSTR_DOWN; /* down, failed, rejected */
	}
}

const char *feed_sink_status_name(uint32_t code)
{
	return code == MDBUS_STATUS_UP	    ? "up"
	       : code == MDBUS_STATUS_DOWN  ? "down"
	       : code == MDBUS_STATUS_STALE ? "stale"
					    : "failed";
}

void feed_sink_status(struct feed_sink *k, uint32_t id, uint32_t session, uint32_t code,
		      enum feed_err_class reason, int64_t wall_ns)
{
	uint32_t word = sink_health_word(code);
	struct mdbus_tick t;

	memset(&t, 0, sizeof(t));
	t.instrument = id;
	t.kind = MDBUS_KIND_STATUS;
	t.recv_ts = wall_ns;
	t.u.status.code = code;
	t.u.status.session = session;
	t.u.status.reason = (uint32_t)reason;
	if (mdbus_writer_publish(k->w, &t, NULL) == 0)
		k->published = 1;
	/* The word is stored at once, not on the next watchdog run: a reader
	 * must never see a FAILED tick and a LIVE word together for long. */
	if (id < k->ninstr)
		k->istats[id].status = word;
	if (k->health)
		mdbus_health_set_instr_status(k->health, id, word);
}

int feed_sink_book_add(struct feed_sink *k, uint32_t id, uint32_t depth, uint32_t *book)
{
	return mdbus_writer_book_add(k->w, id, depth, book);
}

int feed_sink_book_publish(struct feed_sink *k, uint32_t book, const struct mdbus_book_update *u)
{
	return mdbus_writer_book_publish(k->w, book, u);
}

void feed_sink_book_status(struct feed_sink *k, uint32_t book, uint32_t id, uint32_t status)
{
	uint32_t word;

	mdbus_writer_book_status(k->w, book, status);
	if (status == MDBUS_BOOK_RESYNCING)
		word = MDBUS_HEALTH_INSTR_RESYNCING;
	else if (status == MDBUS_BOOK_LIVE)
		word = MDBUS_HEALTH_INSTR_LIVE;
	else if (status == MDBUS_BOOK_REST)
		word = MDBUS_HEALTH_INSTR_REST;
	else
		return; /* DOWN / STALE: the session's status already set the word */
	feed_sink_instr_set_health(k, id, word);
}

void feed_sink_instr_set_health(struct feed_sink *k, uint32_t id, uint32_t word)
{
	if (id < k->ninstr)
		k->istats[id].status = word;
	if (k->health)
		mdbus_health_set_instr_status(k->health, id, word);
}

uint32_t feed_sink_instr_health(const struct feed_sink *k, uint32_t id)
{
	return id < k->ninstr ? k->istats[id].status : MDBUS_HEALTH_INSTR_UNKNOWN;
}

const struct mdbus_health_instr *feed_sink_instr(const struct feed_sink *k, uint32_t id)
{
	return id < k->ninstr ? &k->istats[id] : NULL;
}

void feed_sink_wake(struct feed_sink *k)
{
	if (k->w && k->published) {
		mdbus_writer_wake(k->w);
		k->published = 0;
	}
}

const struct feed_sink_trade *feed_sink_last_trade(const struct feed_sink *k, uint32_t id)
{
	return id < k->ninstr && k->last && k->last[id].set ? &k->last[id] : NULL;
}
