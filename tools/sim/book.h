/* SPDX-License-Identifier: MIT */
/*
 * book.h: mdbus-sim's level-2 order book model, one book per symbol of a
 * listener's venue (venue.c holds the pointers; book.c builds them lazily).
 *
 * A book is two sorted level arrays (bids high to low, asks low to high,
 * best first, at most SIM_BOOK_LEVELS per side) around the symbol's mid
 * price walk, changed by sim_book_step with the venue's deterministic rng
 * (the listener's --seed): each step inserts, removes and resizes a few
 * levels near the top and advances the ids. A step's changes are a delta
 * (struct sim_book_ev: the changed levels, qty 0 = removed); a snapshot is
 * the top `depth` levels of each side. The dialect's depth hook prints
 * either one in the venue's text; its rest hook prints a REST snapshot.
 *
 * Ids: update_id is the venue's book update id (Binance lastUpdateId / U /
 * u, Gate, MEXC versions): a step advances it by 1 to 3 (first_id..last_id
 * covers them, prev_id is the last id of the step before: Binance USD-M
 * "pu"). seq is a per-message sequence advanced by exactly 1 per step
 * (OKX seqId / prevSeqId, Coinbase sequence).
 *
 * Faults armed per book (control.c / command line) take effect at the next
 * step or REST call: drop (the step is made but marked dropped: the server
 * sends it to nobody, the client sees a gap), bad_checksum (the step's event
 * carries bad_checksum: a checksummed dialect prints a wrong one), crossed
 * (the step inserts a bid at or above the best ask; the step after removes
 * it), stale (sim_book_rest_view answers a copy SIM_BOOK_STALE_STEPS or more
 * steps old, older than any delta a client subscribed since then buffers),
 * full (the step is made and marked full: a dialect that pushes whole books
 * mid-stream, SIM_BOOK_FULL, sends the book after it as a snapshot instead
 * of the delta: Gate's "full":true).
 */
#ifndef MDBUS_SIM_BOOK_H
#define MDBUS_SIM_BOOK_H

#include <stddef.h>
#include <stdint.h>

#define SIM_BOOK_LEVELS	     1000 /* levels per side at most */
#define SIM_BOOK_START	     400  /* levels per side when a book is built */
#define SIM_BOOK_EV_MAX	     32	  /* changed levels per side in one delta */
#define SIM_BOOK_STALE_STEPS 32	  /* stale_snapshot: the copy is this many steps old or more */

struct sim_venue;

struct sim_lvl {
	int64_t px, qty; /* 8 decimals; qty 0 in a delta = level removed */
};

struct sim_book_side {
	struct sim_lvl lv[SIM_BOOK_LEVELS]; /* best first */
	uint32_t n;
};

struct sim_book_state {
	struct sim_book_side bid, ask;
	uint64_t update_id; /* the venue's book update id after the last step */
	uint64_t seq;	    /* per-message sequence: +1 per step */
	uint64_t steps;	    /* steps made since the book was built */
};

struct sim_book {
	struct sim_book_state cur;
	struct sim_book_state old, mid; /* stale copies: old <= cur - SIM_BOOK_STALE_STEPS */
	int64_t tick;			/* price step, 8 decimals */
	uint32_t drop;			/* fault: steps to mark dropped */
	uint32_t bad_checksum;		/* fault: steps to mark bad_checksum */
	uint32_t crossed;		/* fault: steps that cross the book */
	uint32_t stale;			/* fault: REST answers to serve from old */
	uint32_t full;			/* fault: steps pushed as the whole book (SIM_BOOK_FULL) */
	int is_crossed;			/* a crossing bid sits on top of the bids */
	struct sim_lvl ev_bid[SIM_BOOK_EV_MAX], ev_ask[SIM_BOOK_EV_MAX]; /* last delta */
};

/* One message's worth of book: a delta (the changed levels of one step) or
 * a snapshot (the top levels). The pointers stay valid until the next
 * sim_book_* call on the same symbol. */
struct sim_book_ev {
	int snapshot;			     /* 1: bids/asks are the top levels, whole */
	uint64_t first_id, last_id, prev_id; /* update ids: U, u, pu (snapshot: last_id) */
	uint64_t seq, prev_seq;		     /* the per-message sequence (snapshot: seq) */
	const struct sim_lvl *bids, *asks;   /* best first (a delta: in price order too) */
	uint32_t nb, na;
	uint32_t depth;		     /* the subscription's depth for this connection (0: any) */
	const struct sim_book *book; /* the whole book (a checksum over its top levels) */
	int bad_checksum;	     /* fault: print a wrong checksum */
	int dropped;		     /* fault: the server sends this delta to nobody */
	int crossed;		     /* the book is crossed after this step (fault) */
	int full;		     /* fault: push the whole book after this step instead */
};

/* Symbol i's book, built on first use around its mid price: NULL on
 * -ENOMEM (err) or a bad index. */
struct sim_book *sim_book_get(struct sim_venue *v, uint32_t i, int *err);
/* Frees every book of v (the server calls it at exit). */
void sim_book_free_all(struct sim_venue *v);
/* One step of symbol i's book: a few levels change, ids advance; ev is the
 * delta. Returns 0 or -ENOMEM. */
int sim_book_step(struct sim_venue *v, uint32_t i, struct sim_book_ev *ev);
/* The top depth levels (0 or more than held: all) of symbol i's current
 * book as a snapshot event. Returns 0 or -ENOMEM. */
int sim_book_snapshot(struct sim_venue *v, uint32_t i, uint32_t depth, struct sim_book_ev *ev);
/* The snapshot a REST depth call answers: sim_book_snapshot, or the stale
 * copy once per armed stale fault. Returns 0 or -ENOMEM. */
int sim_book_rest_view(struct sim_venue *v, uint32_t i, uint32_t depth, struct sim_book_ev *ev);
/* Sorted (bids down, asks up, no duplicate price, qty > 0) and, unless
 * allow_crossed, best bid < best ask: 0, or -EPROTO. */
int sim_book_check(const struct sim_book_state *b, int allow_crossed);
/* Applies a delta's levels to a side (qty 0 removes): what a client does;
 * bid selects the ordering. Returns 0 or -ENOSPC. */
int sim_book_apply(struct sim_book_side *s, int bid, const struct sim_lvl *lv, uint32_t n);

/* A message being printed into a fixed buffer: printf pieces and level
 * lists; sim_out_end gives the length or -ENOSPC (never a truncated one). */
struct sim_out {
	char *p;
	size_t len, off;
	int err;
};

__attribute__((format(printf, 2, 3))) void sim_out_printf(struct sim_out *o, const char *fmt, ...);
/* n levels as ["price","qty"],... (no brackets around the list): every one of
 * the 8 decimals, or trim the trailing zeros ("65000.12", "2"). */
void sim_out_levels(struct sim_out *o, const struct sim_lvl *lv, uint32_t n, int trim);
int sim_out_end(const struct sim_out *o);
/* The limit=N of a REST query: def when absent, max when larger, or
 * -EINVAL (not a positive number). */
int sim_rest_limit(const char *path_query, long def, long max);

#endif /* MDBUS_SIM_BOOK_H */
