/* SPDX-License-Identifier: MIT */
/*
 * fallback.h: REST polling while a session's WebSocket is down
 * (rest_fallback_after, off by default). No I/O: it decides, queues its
 * requests in the global REST queue (restq.h, sharing each venue's weight
 * budget with the depth snapshots) and turns the answers into ticks.
 *
 * What it does, per session:
 *   - the WebSocket is down for rest_fallback_after -> POLLING: for each
 *     symbol, the venue's REST ticker (BBO with sizes, if the session has
 *     the bbo channel) and recent trades (trades channel), each at most
 *     once per poll interval (FEED_FB_POLL_MS), at most FEED_FB_PER_SEC
 *     requests a second for the session, and only while the venue's weight
 *     used in the last minute stays under half its budget (the other half
 *     stays free for depth snapshots);
 *   - every tick it makes carries MDBUS_FLAG_REST; trades are published
 *     oldest first, each once (a poll overlaps the previous one: ids already
 *     published are dropped), and the first trade of a poll carries
 *     MDBUS_FLAG_GAP when trades may be missing: on the first poll, and when
 *     the poll's oldest trade is newer than the last one published (no
 *     overlap). The first BBO of each symbol after polling starts carries GAP;
 *   - polling starts from the last trade the bus has of each symbol (the
 *     session seeds it, feed_fb_seed): a poll publishes only trades after
 *     it, and GAP only when its oldest trade is newer than that one. Its
 *     id is compared where the venue's REST ids are the live stream's
 *     (rest.same_ids), else its time: every REST trade at or before that
 *     time counts as published;
 *   - the WebSocket LIVE again -> IDLE: queued polls are dropped, answers
 *     still in flight are ignored. Until a live trade of a symbol is newer
 *     than the last trade REST published of it, live trades at or before
 *     that one are dropped as published already (feed_fb_live, live_dup;
 *     one dropped by time alone at the same time as that one may have
 *     been another trade: the first live trade passed then carries GAP):
 *     a REST answer published while the new connection was still
 *     subscribing may reach past the first live trades. Per symbol, ids
 *     never go backwards and no trade is published twice.
 *
 * What the session must call, and when (one struct feed_fb per session):
 *
 *   start-up:  feed_fb_init(fb, &v, &daemon->restq, restq_venue_id, session_index,
 *                           cfg->rest_fallback_after_ms, 0)
 *              (-EOPNOTSUPP: the venue has no REST ops, or not for one of the
 *              session's symbols; log once, no fallback.
 *              restq_venue_id is the one the book snapshots use.)
 *   WebSocket lost (every transition out of LIVE/STALE into a down state):
 *              feed_fb_ws(fb, 0, now)
 *   WebSocket LIVE again (subscriptions answered):
 *              if (feed_fb_ws(fb, 1, now) == FEED_FB_EV_STOP) the session
 *              returns its instruments to their WebSocket statuses (health
 *              word, book status back from MDBUS_BOOK_REST: the book engine
 *              resyncs as after any reconnect).
 *   live trades (LIVE, and the ticks held while subscribing, before they
 *              are published): n = feed_fb_live(fb, ticks, n) (no-op,
 *              one load, unless a REST period just ended).
 *   timer:     while feed_fb_state(fb) != FEED_FB_IDLE, call
 *              feed_fb_run(fb, now, &wake) at `wake` (CLOCK_MONOTONIC ns) and
 *              after feed_fb_ws; FEED_FB_EV_START means polling just began:
 *              set each instrument's health word to MDBUS_HEALTH_INSTR_REST
 *              and its book status to MDBUS_BOOK_REST; the session's state
 *              word stays what the connection is (backoff, connecting...),
 *              the instruments' words show the fallback (feed_fb_polling says it).
 *              Then kick the daemon's restq drain (new requests are queued).
 *   restq drain (daemon): for an id from feed_restq_next whose item has
 *              owner == this session and FEED_FB_IS_KEY(item->key):
 *              feed_fb_path(fb, item->key, path, sizeof(path), &n) and send
 *              GET path on the session's REST host (rest_url).
 *   answer:    n = feed_fb_answer(fb, key, status, body, len, recv_ns, ticks,
 *              FEED_FB_TICKS_MAX); publish ticks[0..n) (n < 0: bad body,
 *              reason in v.reason, counted); then feed_restq_done as for
 *              any request (a transport error: status = -errno, body NULL).
 *   shut-down: feed_restq_cancel_owner (as today), feed_fb_free(fb).
 *
 * Memory: feed_fb_init allocates the per-symbol state and a trade scratch
 * once; nothing after.
 */
#ifndef FEED_FALLBACK_H
#define FEED_FALLBACK_H

#include <stddef.h>
#include <stdint.h>

#include "mdbus.h"
#include "restq.h"
#include "venue.h"

#define FEED_FB_POLL_MS	  1000u /* default: each symbol's ticker and trades at most this often */
#define FEED_FB_PER_SEC	  5u	/* requests a second one session may queue */
#define FEED_FB_PUSH_MAX  8u	/* requests one feed_fb_run queues at most */
#define FEED_FB_SEEN	  16u	/* hashed trade ids remembered at the last trade time */
#define FEED_FB_PATH_MAX  512u	/* a request path and query fit this */
#define FEED_FB_GUARD_MS  30000 /* live trades are checked against REST's this long after LIVE */
#define FEED_FB_TICKS_MAX FEED_REST_TRADES_MAX /* ticks one answer may make */
#define FEED_FB_KEY_BIT	  0x80000000u /* restq keys of fallback polls (book snapshots: below) */
/* A poll's restq key: the bus instrument id (unique across sessions) and the kind. */
#define FEED_FB_KEY(id, kind) (FEED_FB_KEY_BIT | ((uint32_t)(id) << 1) | (uint32_t)(kind))
#define FEED_FB_IS_KEY(key)   (((key)&FEED_FB_KEY_BIT) != 0)
#define FEED_FB_SYMS_MAX      (1u << 30) /* symbols a key can name */

enum feed_fb_kind { FEED_FB_TICKER = 0, FEED_FB_TRADES = 1 };

enum feed_fb_state {
	FEED_FB_IDLE = 0,  /* the WebSocket is live, or the fallback is off */
	FEED_FB_ARMED = 1, /* the WebSocket is down: polling starts at down + after */
	FEED_FB_POLLING = 2,
};

enum feed_fb_event { FEED_FB_EV_NONE = 0, FEED_FB_EV_START = 1, FEED_FB_EV_STOP = 2 };

struct feed_fb_sym {
	int64_t next_at[2];	     /* earliest next poll, per kind */
	uint64_t last_id;	     /* newest trade id published (numeric ids) */
	int64_t last_ts;	     /* newest trade time published */
	uint64_t seen[FEED_FB_SEEN]; /* hashed ids published at last_ts */
	uint8_t nseen;
	uint8_t have_last; /* last_ts (and last_id if id_ok) name a published trade */
	uint8_t id_ok;	   /* last_id is an id of the venue's REST answers */
	uint8_t ts_only;   /* every trade at last_ts counts as published (a seed whose
			    * id the REST answers cannot match) */
	uint8_t guard;	   /* REST published a trade; no live trade is newer yet */
	uint8_t live_gap;  /* a live trade was dropped by time alone (it may not
			    * have been REST's): the next one passed carries GAP */
	uint8_t bbo_sent;  /* a BBO was published since polling began */
	uint8_t inflight;  /* bit per kind: queued or in flight */
};

struct feed_fb_stats {
	uint64_t started, stopped; /* POLLING periods */
	uint64_t pushed;	   /* requests queued */
	uint64_t answers, bad;	   /* answers; bodies refused by the parser or non-200 */
	uint64_t ticks, dup;	   /* ticks made; trades dropped as already published */
	uint64_t gaps;		   /* trades flagged GAP */
	uint64_t ignored;	   /* answers arriving while not POLLING */
	uint64_t live_dup;	   /* live trades dropped: REST had published them */
};

struct feed_fb {
	struct feed_venue_ctx *v;
	struct feed_restq *q;
	uint32_t venue; /* restq venue id */
	uint32_t owner; /* restq owner (the session) */
	uint32_t kinds; /* bit per enum feed_fb_kind the session polls */
	int64_t after_ns;
	int64_t poll_ns;
	int64_t spacing_ns; /* 1 s / FEED_FB_PER_SEC */
	int64_t next_push;  /* earliest next request of the session */
	int64_t down_since;
	uint32_t cursor;   /* round robin over symbol x kind */
	uint8_t state;	   /* enum feed_fb_state */
	uint32_t guards;   /* symbols with guard set */
	int64_t guard_end; /* the guards end then (INT64_MAX while polling) */
	struct feed_fb_sym *syms;
	struct feed_rest_trade *tr; /* FEED_REST_TRADES_MAX scratch */
	struct feed_fb_stats st;
};

/* For the session's context v (its symbols and channels), restq q and the
 * venue id the book snapshots use there; after_ms 0 = off (every call is
 * then a no-op); poll_ms 0 = FEED_FB_POLL_MS. Returns 0, -EOPNOTSUPP (on,
 * but the venue has no REST ops, or its paths do not cover a symbol: fb
 * stays off), -EINVAL or -ENOMEM. */
int feed_fb_init(struct feed_fb *fb, struct feed_venue_ctx *v, struct feed_restq *q, uint32_t venue,
		 uint32_t owner, int64_t after_ms, int64_t poll_ms);

/* The WebSocket went down (live 0) or LIVE again (live 1) at now. Returns
 * FEED_FB_EV_STOP when polling ends here (queued polls dropped), else
 * FEED_FB_EV_NONE. Repeated down calls keep the first time. */
int feed_fb_ws(struct feed_fb *fb, int live, int64_t now);

/* Timer: starts polling when due, queues due polls. Returns
 * FEED_FB_EV_START when polling begins in this call, else FEED_FB_EV_NONE;
 * *wake is when to call again (INT64_MAX: not until feed_fb_ws). */
int feed_fb_run(struct feed_fb *fb, int64_t now, int64_t *wake);

/* The request path of restq key (FEED_FB_IS_KEY). 0 with *n, -ENOENT (not
 * ours / symbol out of range), -ENOBUFS. */
int feed_fb_path(const struct feed_fb *fb, uint32_t key, char *buf, size_t len, size_t *n);

/* The answer to key: HTTP status (or -errno, body NULL) and body. Returns
 * the ticks written to t[0..cap) (cap >= 1; trades beyond cap: the newest
 * cap are kept, the first flagged GAP), or -EBADMSG / -EMSGSIZE (reason in
 * fb->v->reason). Answers while not POLLING give 0. */
int feed_fb_answer(struct feed_fb *fb, uint32_t key, int status, const uint8_t *body, size_t n,
		   int64_t recv_ns, struct mdbus_tick *t, uint32_t cap);

/* Symbol i's last trade on the bus when polling begins (call it after
 * FEED_FB_EV_START, before the first answer): trade id, exchange time (ns,
 * 0 = none) and the tick's flags (MDBUS_FLAG_TID_HASH, MDBUS_FLAG_REST).
 * Polls then publish only newer trades, with GAP only when they do not
 * reach back to it. Returns 0, -EINVAL (not polling, i out of range). */
int feed_fb_seed(struct feed_fb *fb, uint32_t i, uint64_t id, int64_t ts, uint8_t flags);

/* Drops from t[0..n) (in place, order kept) the live trades REST published
 * already (see above); returns the ticks left. now (CLOCK_MONOTONIC ns) past
 * guard_end: none dropped, the guards end. */
uint32_t feed_fb_live_filter(struct feed_fb *fb, struct mdbus_tick *t, uint32_t n, int64_t now);

/* The hot path's call: nothing to do unless a REST period left guards. */
static inline uint32_t feed_fb_live(struct feed_fb *fb, struct mdbus_tick *t, uint32_t n,
				    int64_t now)
{
	return fb->guards ? feed_fb_live_filter(fb, t, n, now) : n;
}

static inline int feed_fb_state(const struct feed_fb *fb)
{
	return fb->state;
}

/* 1 while the session's data comes from REST. */
static inline int feed_fb_polling(const struct feed_fb *fb)
{
	return fb->state == FEED_FB_POLLING;
}

/* Frees the arrays; safe on a zeroed fb. */
void feed_fb_free(struct feed_fb *fb);

#endif /* FEED_FALLBACK_H */
