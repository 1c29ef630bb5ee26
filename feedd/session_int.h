/* SPDX-License-Identifier: MIT */
/*
 * session_int.h: what session.c (connection life cycle, socket ops, closing,
 * backoff, status), session_live.c (subscribing, messages, keepalive,
 * timers) and session_init.c (set-up, free) share. Calls go one way:
 * session_init.c -> session_live.c -> session.c. Private to those three
 * files; internal names carry a double underscore. Each works on one
 * connection of a session (struct feed_sconn); session_init.c holds the
 * session-wide calls, which run over the connections.
 */
#ifndef FEED_SESSION_INT_H
#define FEED_SESSION_INT_H

#include "log.h"
#include "session.h"
#include "sync.h"

#define FEED_MS		    (INT64_C(1000000)) /* ns per ms */
#define FEED_CLOSE_GRACE_MS 1000	       /* polite WS close waits this long at most */
#define FEED_DRAIN_RETRY_MS 10		       /* old ops still completing: retry the attempt */
#define FEED_ERR_LOG_FIRST  10		       /* venue errors logged one by one, then 1 in 1000 */

const char *feed_sess__name(const struct feed_sconn *s);

/* The pairs that open every line about a connection: its name ("NAME" or
 * "NAME/k"), the venue and the state it is in now. */
#define FEED_SESS_KV(s)                                                                            \
	LOG_S("session", feed_sess__name(s)), LOG_S("venue", (s)->cfg->venue),                     \
		LOG_S("state", feed_state_name((s)->fsm.state))

/* Every state change goes through the table; one log line each (with
 * "(class: why)" when cls != NONE). Returns 0 or -EINVAL (logged as a bug). */
int feed_sess__to(struct feed_sconn *s, enum feed_state to, enum feed_err_class cls,
		  const char *why, int64_t now);

/* Records the last error (class + text) and ends the connection. */
void feed_sess__fail(struct feed_sconn *s, enum feed_err_class cls, int64_t now, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

/* Ends the connection: polite WS close if it was open, else now; then
 * backoff / rotation / stop. */
void feed_sess__drop(struct feed_sconn *s, enum feed_err_class cls, const char *why, int64_t now);

/* Closes the socket after CLOSING and moves on (backoff, rotation, stop). */
void feed_sess__finish_close(struct feed_sconn *s, int64_t now);

/* Queues the conn's pending output (one send in flight). */
void feed_sess__flush(struct feed_sconn *s);

/* Starts a connection attempt if the connect rate allows. */
void feed_sess__attempt(struct feed_sconn *s, int64_t now);

/* A STATUS (enum mdbus_status_code) for each of the session's symbols that
 * follows the session's status (venues/subs.h), one log line. */
void feed_sess__status(struct feed_sconn *s, uint32_t code, enum feed_err_class reason,
		       int64_t now);

/* The same for symbol i alone (a rejected subscription). */
void feed_sess__sym_status(struct feed_sconn *s, uint32_t i, uint32_t code,
			   enum feed_err_class reason);

/* The resolver's completion (session.c): connects, or fails the attempt. */
void feed_sess__resolved(void *ud, int err, const struct sockaddr *sa, socklen_t salen,
			 const char *reason);

/* One connection's share of the session calls of session.h (session.c:
 * stop, force, done, down, completions; session_live.c: deadlines, timers);
 * session_init.c runs them over every connection. */
void feed_sconn_on_cqe(struct feed_sconn *s, uint64_t ud, int res, int64_t now);
void feed_sconn_stop(struct feed_sconn *s, int64_t now, int64_t deadline);
void feed_sconn_force(struct feed_sconn *s, int64_t now);
int feed_sconn_done(const struct feed_sconn *s);
void feed_sconn_down(struct feed_sconn *s, enum feed_err_class cls, int64_t now);
int64_t feed_sconn_deadline(struct feed_sconn *s, int64_t now);
void feed_sconn_on_timer(struct feed_sconn *s, int64_t now);

/* A connection's order books (session_book.c; l2 on the connection). */
struct feed_sbook {
	struct feed_book_sync_ctx sync; /* symbols: the connection's (venue ctx) */
	uint32_t *handle;		/* per symbol: its bus book (mdbus_writer_book_add) */
	uint8_t *lost;			/* per symbol: an L2 tick lost while SUBSCRIBING */
	uint8_t *resub;			/* per symbol: a resubscribe waits for its turn */
	uint8_t *resub_n;		/* per symbol: resubscribes since it was last LIVE */
	int64_t *resub_at;		/* per symbol: not sent before (backoff) */
	uint32_t nresub;
	int64_t dl_resub; /* next resubscribe message (venue rate), 0 = none */
	/* Counters (logged: event=book_resync, book_rest, exit lines). */
	uint64_t rest_requests, rest_429, rest_errors, rest_weight;
};

/* NULL book (no l2 on c) makes each of these a no-op. */
int feed_sbook_init(struct feed_sconn *c, char *err, size_t errlen);
void feed_sbook_free(struct feed_sconn *c);
/* Bus books for c's symbols (after their instrument ids are set). */
int feed_sbook_add(struct feed_sconn *c);
/* The WebSocket opened: the depth streams are being (re)subscribed. */
void feed_sbook_start(struct feed_sconn *c);
/* Gone LIVE: symbols whose L2 ticks were lost while subscribing resync. */
void feed_sbook_live(struct feed_sconn *c);
/* A FEED_MSG_BOOK event (SUBSCRIBING, LIVE, STALE). */
void feed_sbook_event(struct feed_sconn *c, const struct feed_book_ev *ev);
/* The connection's status for its instruments: DOWN/STALE/FAILED set the
 * books' status; the REST requests of a closed connection are cancelled. */
void feed_sbook_status(struct feed_sconn *c, uint32_t code);
void feed_sbook_closed(struct feed_sconn *c);
int64_t feed_sbook_deadline(const struct feed_sconn *c);
/* Due resubscribes: their texts are queued on the connection; the caller
 * flushes. */
void feed_sbook_on_timer(struct feed_sconn *c, int64_t now);

/* The REST fallback (session_fb.c, fallback.h): per connection, over the
 * session's WebSocket state (down: no connection LIVE/STALE). */
void feed_sfb_init(struct feed_sconn *c, int64_t now);
void feed_sfb_free(struct feed_sconn *c);
/* Shutdown: polling ends (words back to the connection's), then free. */
void feed_sfb_stop(struct feed_sconn *c, int64_t now);
/* After a status other than UP: the words stay REST while polling. */
void feed_sfb_status(struct feed_sconn *c, uint32_t code);
/* c left LIVE/STALE for a down state / c went LIVE. */
void feed_sfb_down(struct feed_sconn *c, int64_t now);
void feed_sfb_live(struct feed_sconn *c, int64_t now);
int64_t feed_sfb_deadline(const struct feed_sconn *c);
void feed_sfb_on_timer(struct feed_sconn *c, int64_t now);
/* restq item qid (key FEED_FB_IS_KEY) leaves on the session's REST client. */
int feed_sfb_fetch(struct feed_sconn *c, uint32_t qid, uint32_t key, int64_t now);
/* Issues GET path for connection c as the REST queue's request qid (its
 * slot in host.rreq names c, sym and qid for cb). feed_rest_get's return.
 * (session_book.c; the snapshots and the fallback's polls share it) */
int feed_sbook_get(struct feed_sconn *c, uint32_t qid, uint32_t sym, const char *path,
		   feed_rest_cb cb, int64_t now);

/* The conn callbacks (session_live.c). */
extern const struct feed_conn_cb feed_sess__conn_cb;

#endif /* FEED_SESSION_INT_H */
