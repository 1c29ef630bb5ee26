/* SPDX-License-Identifier: MIT */
/*
 * sync.h: the per-instrument book sync state machine of one venue context
 * (no I/O, no allocation after feed_book_sync_init). It applies the
 * venue's struct feed_book_ev events by ops->book.sync (enum feed_book_sync,
 * venue.h), keeps one feed_book per symbol, and reports through a callback
 * struct (so tests need no bus):
 *
 *   ticks         MDBUS_KIND_L2 ticks in order, in batches of the caller's
 *                 array (flushed when full and before any other callback);
 *   publish       the book view after every applied event (for
 *                 mdbus_writer_book_publish);
 *   status        LIVE / RESYNCING the moment the state changes (for
 *                 mdbus_writer_book_status);
 *   need_snapshot a REST snapshot of sym is wanted (hand its parsed event to
 *                 feed_book_sync_rest);
 *   resubscribe   sym's depth stream must be dropped and re-requested (the
 *                 venue resends a snapshot).
 *
 * REST_PREV ignores the stream's snapshots (counted in stream_snaps and
 * ignored): the REST one alone starts the book.
 *
 * States per symbol: EMPTY (not started), WAIT_SNAPSHOT (REST kinds buffer
 * deltas in a bounded per-symbol buffer; overflow drops the buffer and
 * starts over), LIVE, RESYNCING (a gap, a checksum mismatch, a crossed book
 * or a stale snapshot: that symbol only; the levels kept are the last
 * ones, not current, and are not published until the next snapshot).
 *
 * Checksums: an event with has_ck is checked when ops->checksum is set and
 * ops->ck_levels > 0 (the top ck_levels per side, best first, with their
 * px_dp/qty_dp); otherwise the verdict stays MDBUS_BOOK_CK_NONE. A
 * mismatch sets the verdict MISMATCH and counts checksum_fails; the view
 * (feed_book_sync_view) carries it, but no publish is made with the failed
 * levels: the next publish is the new snapshot's.
 *
 * A snapshot is published as ticks of all the book's levels (bids best
 * first, then asks best first) with MDBUS_FLAG_SNAPSHOT; after a resync the
 * first of them also carries MDBUS_FLAG_GAP. Deltas are published as the
 * event's levels in message order (bids, then asks), qty 0 = removed.
 */
#ifndef FEED_BOOK_SYNC_H
#define FEED_BOOK_SYNC_H

#include <stdint.h>

#include "book.h"
#include "mdbus.h"
#include "venue.h"

enum feed_book_state {
	FEED_BOOK_ST_EMPTY = 0,
	FEED_BOOK_ST_WAIT_SNAPSHOT = 1,
	FEED_BOOK_ST_LIVE = 2,
	FEED_BOOK_ST_RESYNCING = 3,
};

/* Why a symbol resynced (feed_book_inst.last_reason). */
enum feed_book_resync_reason {
	FEED_BOOK_RS_NONE = 0,
	FEED_BOOK_RS_GAP = 1,	   /* an id out of sequence, or ev.gap */
	FEED_BOOK_RS_CHECKSUM = 2, /* the venue's checksum did not match */
	FEED_BOOK_RS_CROSSED = 3,  /* best bid >= best ask after an update */
	FEED_BOOK_RS_STALE = 4,	   /* REST snapshot older than the buffered deltas */
	FEED_BOOK_RS_RECONNECT = 5,
	FEED_BOOK_RS_OVERFLOW = 6, /* the delta buffer filled before the snapshot came */
	FEED_BOOK_RS_ASKED = 7,	   /* feed_book_sync_resync */
	FEED_BOOK_RS_RESET = 8,	   /* the venue reset its sequence (REST_PREV) */
};

struct feed_book_cb {
	void *user;
	void (*ticks)(void *user, const struct mdbus_tick *t, uint32_t n);
	void (*publish)(void *user, uint32_t sym, const struct mdbus_book_update *u);
	void (*status)(void *user, uint32_t sym, uint32_t status); /* enum mdbus_book_status */
	void (*need_snapshot)(void *user, uint32_t sym);
	void (*resubscribe)(void *user, uint32_t sym);
};

/* A buffered delta: its levels in the symbol's level pool. */
struct feed_book_bufev {
	uint64_t first_id, last_id, prev_id;
	int64_t exch_ts, recv_ts;
	uint32_t lv_off, nbids, nasks;
	uint32_t checksum;
	uint8_t has_prev, has_ck, gap;
};

struct feed_book_inst {
	struct feed_book book;
	uint32_t instrument; /* the tick's instrument id (default: the symbol index) */
	uint8_t state;	     /* enum feed_book_state */
	uint8_t ck;	     /* enum mdbus_book_checksum: the last verdict */
	uint8_t gap_next;    /* the next snapshot's first tick carries GAP */
	uint8_t first;	     /* LIVE (REST kinds): the next delta is the first after L */
	uint8_t snap_pending;
	uint8_t last_reason; /* enum feed_book_resync_reason */
	uint64_t last_id;
	int64_t exch_ts, recv_ts;
	uint64_t resyncs, checksum_fails;
	uint64_t overflows;    /* buffer overflows (start over) */
	uint64_t ignored;      /* events dropped as old / duplicate / before a snapshot */
	uint64_t stream_snaps; /* REST_PREV: stream snapshots ignored (also in ignored) */
	struct feed_book_bufev *bev;
	uint32_t bev_n, bev_cap;
	struct feed_book_lvl *blv;
	uint32_t blv_n, blv_cap;
};

struct feed_book_sync_params {
	uint32_t book_depth; /* levels per side published (the config's book_depth) */
	uint32_t buf_events; /* deltas buffered per symbol while waiting; 0 = 64 */
	uint32_t buf_levels; /* their levels in all; 0 = 8 x capacity */
};

struct feed_book_sync_ctx {
	const struct feed_venue_book_ops *ops;
	const struct feed_venue_ctx *v; /* passed to ops->checksum */
	struct feed_book_cb cb;
	struct feed_book_inst *inst;
	uint32_t nsyms;
	uint32_t depth; /* published levels per side */
	struct mdbus_tick *batch;
	uint32_t batch_cap, batch_n;
	struct feed_book_lvl *ck_b, *ck_a; /* ops->ck_levels each */
};

/*
 * Sets up nsyms symbols' books (capacity feed_book_capacity(ops,
 * book_depth)) and buffers. batch (batch_cap >= 1 ticks) is the caller's
 * tick array, used until feed_book_sync_free. v may be NULL when
 * ops->checksum does not use it. Returns 0, -EINVAL (no sync kind, no
 * symbols, no batch, no ticks callback), -ENOMEM (everything freed).
 */
int feed_book_sync_init(struct feed_book_sync_ctx *s, const struct feed_venue_book_ops *ops,
			const struct feed_venue_ctx *v, uint32_t nsyms,
			const struct feed_book_sync_params *p, const struct feed_book_cb *cb,
			struct mdbus_tick *batch, uint32_t batch_cap);
/* Frees; zeroed / NULL: no-op. */
void feed_book_sync_free(struct feed_book_sync_ctx *s);

/* The tick instrument id of sym (default: sym). Returns 0 or -EINVAL. */
int feed_book_sync_set_instrument(struct feed_book_sync_ctx *s, uint32_t sym, uint32_t instrument);

/*
 * sym's depth stream was (re)subscribed: the sync starts (EMPTY ->
 * WAIT_SNAPSHOT). A symbol that was LIVE counts a resync (reconnect) and
 * reports RESYNCING. REST kinds ask for the snapshot when the first delta
 * is buffered (the venues' procedure: buffer first, then fetch). Returns 0
 * or -EINVAL.
 */
int feed_book_sync_start(struct feed_book_sync_ctx *s, uint32_t sym);

/* A stream event (FEED_MSG_BOOK). Returns 0 or -EINVAL (bad symbol). */
int feed_book_sync_event(struct feed_book_sync_ctx *s, const struct feed_book_ev *ev);

/* A parsed REST snapshot (ops->rest_parse) for ev->sym. Ignored (returns
 * 0) unless the symbol waits for one. Returns 0 or -EINVAL. */
int feed_book_sync_rest(struct feed_book_sync_ctx *s, const struct feed_book_ev *ev);

/* Forces sym to resync (the session's REST request failed, ...). */
int feed_book_sync_resync(struct feed_book_sync_ctx *s, uint32_t sym);

/* Hands the ticks still in the batch to cb.ticks (every call above ends
 * with the batch flushed already; this is for symmetry and tests). */
void feed_book_sync_flush(struct feed_book_sync_ctx *s);

/* The current view of sym's book (status, verdict, counters, levels up to
 * book_depth and never past the trusted ones). Returns 0 or -EINVAL. */
int feed_book_sync_view(const struct feed_book_sync_ctx *s, uint32_t sym,
			struct mdbus_book_update *u);

#endif
