/* SPDX-License-Identifier: MIT */
/*
 * binance.h: what binance.c (spot) shares with binance_futures.c (USD-M
 * futures): the same SUBSCRIBE request and the same message shapes (trade
 * and aggTrade, bookTicker with or without its times, replies, combined
 * streams, serverShutdown).
 */
#ifndef FEED_VENUE_BINANCE_H
#define FEED_VENUE_BINANCE_H

#include "venue.h"

/* ops->subscribe with the trade stream's suffix ("@trade", "@aggTrade"). */
int feed_binance_subscribe(struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			   uint64_t req_id, char *buf, size_t len, size_t *out_len,
			   const char *trade);

/* ops->on_message of both adapters. futures: trades are "aggTrade" (id 'a')
 * and bookTicker carries "e" and its transaction time "T" (the exchange
 * time); spot: trades are "trade" (id 't'), bookTicker has no time. The
 * other market's forms are UNKNOWN (not subscribed). */
int feed_binance_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			    int64_t recv_ns, struct feed_venue_out *out, int futures);

/* The fixed-layout fast path of depthUpdate that on_message tries first:
 * 0 with out the BOOK event the general path would give, or -EAGAIN (any
 * other text; out untouched) for the general path to decide. */
int feed_binance_depth_fast(struct feed_venue_ctx *v, const char *p, size_t n, int futures,
			    int64_t recv_ns, struct feed_venue_out *out);

/* Depth snapshot size we request (REST limit): 1000 levels a side, enough
 * for any book_depth (1..1000); spot weight 50, USD-M futures weight 20. */
#define FEED_BINANCE_REST_LIMIT 1000u

/* The [["price","qty"],...] list arr (side: "bid"/"ask", for errors) of
 * symbol i into v->lv[*k..], *k advanced. Returns the count; -EINVAL (bad
 * list or level) or -EMSGSIZE (past v->lv_cap) with out an ERROR. Gate's
 * order_book_update and REST snapshot use the same shape. */
int feed_binance_levels(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
			const struct feed_json_val *arr, const char *side, uint32_t *k);

/* Both sides of a depth message into v->book (levels in v->lv: bids, then
 * asks): 0, or -EINVAL with an ERROR in out (Gate's levels have this shape
 * too). */
int feed_binance_sides(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t i,
		       const struct feed_json_val *bids, const struct feed_json_val *asks);

/* ops->book.rest_parse of both adapters (futures adds E and T). */
int feed_binance_rest_parse(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			    struct feed_book_ev *ev);

/* "<path>?symbol=BTCUSDT&limit=1000" (ops->book.rest_snapshot). */
int feed_binance_rest_path(struct feed_venue_ctx *v, uint32_t sym, const char *path, char *buf,
			   size_t len, size_t *n);

/* REST fallback (ops->rest) of both adapters: the ticker and trades paths
 * ("<path>?symbol=BTCUSDT", "<path>?symbol=BTCUSDT&limit=500") and the
 * bookTicker and trades answers (futures add the bookTicker's "time"). */
int feed_binance_rest_ticker_path(const struct feed_venue_ctx *v, uint32_t sym, const char *path,
				  char *buf, size_t len, size_t *n);
int feed_binance_rest_trades_path(const struct feed_venue_ctx *v, uint32_t sym, const char *path,
				  char *buf, size_t len, size_t *n);
int feed_binance_rest_ticker(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			     struct mdbus_bbo *b, int64_t *exch_ts);
int feed_binance_rest_trades(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			     struct feed_rest_trade *t, uint32_t cap, uint32_t *nt);

/* Reference data (exchangeInfo): request k of the session's symbols,
 * FEED_BINANCE_REF_SYMS at a time, as path?symbols=<URL-encoded JSON
 * array>; the answer's PRICE_FILTER tickSize and LOT_SIZE stepSize. */
#define FEED_BINANCE_REF_SYMS 20u
int feed_binance_ref_request(struct feed_venue_ctx *v, uint32_t k, const char *path, char *buf,
			     size_t len, size_t *n);
int feed_binance_ref_parse(struct feed_venue_ctx *v, uint32_t k, const uint8_t *body, size_t n,
			   struct feed_ref_instr *ref);
/* A decimal string ("0.01000000") as mantissa and decimals, trailing zeros
 * stripped; "0" gives 0. Returns 0 or -EINVAL. */
int feed_binance_ref_decimal(const struct feed_json_val *f, int64_t *m, uint8_t *dp);

#endif /* FEED_VENUE_BINANCE_H */
