/* SPDX-License-Identifier: MIT */
/*
 * feed_msgs.h: the synthetic venue messages `mdbus-bench feed` times, one
 * generator per venue adapter. The bench picks every field (symbol, price,
 * quantity, id, time, side) and the venue's generator writes them in that
 * venue's exact trade format, so every adapter is timed on the same ticks.
 */
#ifndef BENCH_FEED_MSGS_H
#define BENCH_FEED_MSGS_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_FEED_NSYM 4 /* symbols per session: BTC, ETH, SOL, BNB against USDT */

/* One trade to write. Prices carry 2 decimals, quantities 5. */
struct bench_feed_trade {
	unsigned sym;	 /* 0 .. BENCH_FEED_NSYM-1 */
	unsigned px_int; /* price = px_int.px_frac (2 digits) */
	unsigned px_frac;
	unsigned qty_int; /* qty = qty_int.qty_frac (5 digits) */
	unsigned qty_frac;
	uint64_t id;	    /* trade id */
	uint64_t ts_ms;	    /* trade time, ms since the epoch */
	int buyer_is_taker; /* the aggressor bought */
};

struct bench_feed_gen {
	const char *venue; /* the adapter's name */
	/* The session's symbols (normalized) and the venue's native names. */
	const char *norm[BENCH_FEED_NSYM];
	const char *native[BENCH_FEED_NSYM];
	/* Writes one message: its length, or -ENOSPC. *binary = 1 for a
	 * binary frame. */
	int (*make)(const struct bench_feed_gen *g, const struct bench_feed_trade *t, char *buf,
		    size_t len, int *binary);
};

/* The generator for venue name, or NULL (that venue is skipped, with the
 * reason named in the report). */
const struct bench_feed_gen *bench_feed_gen_find(const char *venue);

#endif /* BENCH_FEED_MSGS_H */
