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

#endif /* FEED_VENUE_BINANCE_H */
