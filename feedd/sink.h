/* SPDX-License-Identifier: MIT */
/*
 * sink.h: where sessions put what they produce. The sink owns the bus
 * writer's publishing side: market-data ticks, STATUS ticks, the
 * per-instrument counters (copied to the health region by the watchdog,
 * through feed_sink_instr) and the instruments' health status words.
 *
 * Hot path: feed_sink_publish never allocates and never calls the kernel;
 * it only notes that something was published. The daemon calls
 * feed_sink_wake once per loop iteration: one futex wake at most, none if
 * nothing was published.
 */
#ifndef FEED_SINK_H
#define FEED_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "errclass.h"
#include "mdbus.h"

/* The newest trade published of an instrument (live or REST): where the
 * REST fallback starts from (fallback.h, feed_fb_seed). */
struct feed_sink_trade {
	uint64_t id;   /* trade_id */
	int64_t ts;    /* exch_ts (0: none) */
	uint8_t flags; /* the tick's flags (MDBUS_FLAG_TID_HASH, MDBUS_FLAG_REST) */
	uint8_t set;   /* 1 once a trade was published */
};

struct feed_sink {
	mdbus_writer *w;
	void *health; /* health region, NULL if unavailable */
	/* Per-instrument counters (index = bus instrument id), kept in the
	 * health record's own layout: plain fields updated on the hot path,
	 * copied whole into the region by the watchdog. */
	struct mdbus_health_instr *istats;
	struct feed_sink_trade *last; /* per instrument (ids < max_instr): one store per trade */
	uint32_t ninstr;	      /* instruments registered (ids < ninstr) */
	uint32_t max_instr;	      /* capacity: ids >= max_instr are published, not counted */
	int published;		      /* ticks published since the last wake */
	uint64_t iter;		      /* loop iterations ended (feed_sink_loop_end) */
	struct mdbus_health_hist loop_ns; /* their times, copied by the watchdog */
};

/* Counters for max_instr instruments on writer w. Returns 0 or -ENOMEM. */
int feed_sink_init(struct feed_sink *k, mdbus_writer *w, uint32_t max_instr);

/* The health region whose instrument status words the sink keeps (NULL:
 * none). Set once the region is formatted. */
void feed_sink_set_health(struct feed_sink *k, void *health);

/* Frees the counters. Safe on a zeroed sink. */
void feed_sink_free(struct feed_sink *k);

/* Registers an instrument on the bus for session `session`; its id goes to
 * *id. Returns 0 or -errno (mdbus_writer_add_instrument). */
int feed_sink_add_instrument(struct feed_sink *k, const struct mdbus_instrument *ins,
			     uint32_t session, uint32_t *id);

/* Hot path: publishes n ticks, updates their instruments' counters.
 * Returns 0 or -errno. */
int feed_sink_publish(struct feed_sink *k, const struct mdbus_tick *t, uint32_t n, int64_t mono_ns);

/* A STATUS tick (enum mdbus_status_code) for instrument id of session
 * `session`, stamped wall_ns, and the instrument's health status word. */
void feed_sink_status(struct feed_sink *k, uint32_t id, uint32_t session, uint32_t code,
		      enum feed_err_class reason, int64_t wall_ns);

/* Order books (mdbus.h "order books"): instrument id's book of depth
 * levels per side; its handle goes to *book. Returns 0 or -errno. */
int feed_sink_book_add(struct feed_sink *k, uint32_t id, uint32_t depth, uint32_t *book);

/* The book's new top levels and header. Returns 0 or -errno. */
int feed_sink_book_publish(struct feed_sink *k, uint32_t book, const struct mdbus_book_update *u);

/* The book's status word (enum mdbus_book_status); RESYNCING, LIVE and REST
 * also set instrument id's health status word (RESYNCING / LIVE / REST). */
void feed_sink_book_status(struct feed_sink *k, uint32_t book, uint32_t id, uint32_t status);

/* Sets instrument id's health status word (REST fallback and back). */
void feed_sink_instr_set_health(struct feed_sink *k, uint32_t id, uint32_t word);

/* Instrument id's health status word (enum mdbus_health_instr_status). */
uint32_t feed_sink_instr_health(const struct feed_sink *k, uint32_t id);

/* Instrument id's newest trade published, NULL if none (or id >= ninstr). */
const struct feed_sink_trade *feed_sink_last_trade(const struct feed_sink *k, uint32_t id);

/* Instrument id's counters, NULL if id >= ninstr. */
const struct mdbus_health_instr *feed_sink_instr(const struct feed_sink *k, uint32_t id);

/* The futex wake for readers, if anything was published since the last. */
void feed_sink_wake(struct feed_sink *k);

/* The daemon's loop iteration ended after busy_ns (from its wake-up to
 * the next wait): counted in loop_ns; iter advances (the sessions' messages
 * per iteration are per value of iter). */
static inline void feed_sink_loop_end(struct feed_sink *k, int64_t busy_ns)
{
	mdbus_hist_add(&k->loop_ns, busy_ns > 0 ? (uint64_t)busy_ns : 0, 1);
	k->iter++;
}

/* "up", "down", "stale", "failed": a status code's name in log lines. */
const char *feed_sink_status_name(uint32_t code);

#endif /* FEED_SINK_H */
