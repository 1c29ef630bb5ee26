/* SPDX-License-Identifier: MIT */
/*
 * tail_filter.h: mdbus-tail's --venue/--symbol/--kind filter and its
 * per-instrument cache, so that a tick costs one array lookup: the filter
 * is decided once per instrument, not once per tick.
 */
#ifndef TAIL_FILTER_H
#define TAIL_FILTER_H

#include <stdint.h>

#include "mdbus.h"

#define TAIL_NAMES_MAX 32 /* names per filter (after comma splitting) */

struct tail_filter {
	unsigned kinds; /* (1u << kind) bits; 0 = every kind */
	unsigned nvenues;
	unsigned nsymbols;
	char venues[TAIL_NAMES_MAX][MDBUS_VENUE_MAX];
	char symbols[TAIL_NAMES_MAX][MDBUS_SYMBOL_MAX]; /* normalized or native */
};

/* Adds a comma-separated list of venue (venue != 0) or symbol names.
 * Returns 0, -EINVAL (empty or too long name), -E2BIG (too many). */
int tail_filter_add_names(struct tail_filter *f, int venue, const char *list);

/* 1 if ticks of this instrument pass the venue/symbol filter, else 0. */
int tail_filter_instrument(const struct tail_filter *f, const struct mdbus_instrument *in);

struct tail_cache_entry {
	struct mdbus_instrument in;
	uint8_t state; /* TAIL_CACHE_* */
};

struct tail_cache {
	struct tail_cache_entry *e; /* indexed by instrument id */
	uint32_t cap;
};

/* Sizes the cache for the reader's segment (instrument ids are per segment,
 * so call it after every attach) and forgets all entries.
 * Returns 0, -ENOMEM, or an mdbus_reader_info error. */
int tail_cache_reset(struct tail_cache *c, mdbus_reader *r);

/*
 * Decides whether tick t is printed: 1 with *in set to its instrument,
 * 0 if filtered out, -ENOENT if its instrument is not in the table (a
 * writer bug: the caller reports it).
 */
int tail_cache_match(struct tail_cache *c, mdbus_reader *r, const struct tail_filter *f,
		     const struct mdbus_tick *t, const struct mdbus_instrument **in);

void tail_cache_free(struct tail_cache *c);

#endif /* TAIL_FILTER_H */
