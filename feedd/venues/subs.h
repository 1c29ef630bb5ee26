/* SPDX-License-Identifier: MIT */
/*
 * subs.h: the subscription and rejection policy, the one place that decides
 * it. subs.c implements the subscription half of struct feed_venue_ctx (the
 * request table and the feed_venue_subscribe_next ... feed_venue_req_done
 * calls declared in venue.h) and answers the session's questions below. The
 * session (the dispatcher) sends what this module builds, reports what the
 * venue answered and asks what follows; it decides nothing about venues.
 *
 * The policy:
 *   - Symbols share subscribe messages (the adapter packs them up to
 *     ops->max_streams_per_msg).
 *   - A rejected request of several symbols: unless the venue says its
 *     rejections are exact (FEED_VENUE_F_REJECT_EXACT), one unknown symbol
 *     sank the whole request (Binance, mdbus-sim), so the rejection is
 *     nobody's in particular: every symbol of it is queued to go again in a
 *     request of its own (out.split).
 *   - A symbol rejected on its own (or by an exact rejection) is dead: its
 *     instrument gets STATUS FAILED, the others carry on. A dead symbol is
 *     tried once more, alone, on each later connection; an ack revives it.
 *   - Every symbol dead => the session is fatal: a config error that
 *     reconnecting cannot fix.
 *   - Going LIVE: a venue that acknowledges (the default) is ready when
 *     every request was sent and answered; data before that is not
 *     published. A venue without acks (FEED_VENUE_F_NO_ACKS) is ready on its
 *     first market data once every request was sent.
 *   - Session status: UP goes to the symbols the venue acknowledged (every
 *     symbol for a venue without acks); DOWN, STALE and FAILED to every
 *     symbol but the dead ones, whose FAILED status is their own.
 */
#ifndef FEED_SUBS_H
#define FEED_SUBS_H

#include <stdint.h>

#include "venue.h"

/* Where subscribing stands on this connection. */
enum feed_subs_state {
	FEED_SUBS_PENDING = 0, /* something unsent or unanswered (or no data yet, no-ack venue) */
	FEED_SUBS_READY,       /* go LIVE */
	FEED_SUBS_REJECTED,    /* all answered, nothing acked: reconnect */
	FEED_SUBS_FATAL,       /* every symbol rejected on its own: stay down */
};

/* The state once `data_seen` (market data arrived on this connection). */
enum feed_subs_state feed_subs_state(const struct feed_venue_ctx *v, int data_seen);

/* 1 if symbol i takes the session's status change to code (enum
 * mdbus_status_code), 0 if its status is its own (see the policy above). */
int feed_subs_follows_session(const struct feed_venue_ctx *v, uint32_t i, uint32_t code);

/* 1 if the venue answers subscribe requests (no FEED_VENUE_F_NO_ACKS). */
int feed_subs_acks(const struct feed_venue_ctx *v);

/* A new connection: no request in flight, nothing acked or rejected, the
 * dead symbols queued to go alone once more. Called by
 * feed_venue_ctx_reset. */
void feed_subs_reset(struct feed_venue_ctx *v);

#endif /* FEED_SUBS_H */
