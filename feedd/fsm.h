/* SPDX-License-Identifier: MIT */
/*
 * fsm.h: the session state machine. A table of allowed transitions (fsm.c,
 * feed_fsm_edges[]) is the single source of truth: the session code asks
 * for a transition, and one that is not in the table is a bug (-EINVAL,
 * nothing changes). Each state keeps an entry counter and the time spent in
 * it, so the watchdog can publish them.
 *
 * Normal life of a session:
 *
 *   DISCONNECTED -> RESOLVING -> CONNECTING -> TLS_HANDSHAKE -> WS_HANDSHAKE
 *     -> SUBSCRIBING -> LIVE -> STALE -> CLOSING
 *   LIVE is entered only from SUBSCRIBING: when every subscription was
 *   answered, or on the first data for a venue without acks (venues/subs.h).
 *   STALE marks the stale timeout (status STALE for readers) and is left at
 *   once for CLOSING: the connection is replaced, never waited on.
 *   any error (DNS, TCP, TLS, HTTP, WS, protocol, stale, pong timeout, server
 *   close) -> BACKOFF (directly, or through CLOSING when there is a
 *   connection to close politely) -> RESOLVING ... or -> FAILED when the
 *   retries are exhausted (FAILED is only entered from BACKOFF).
 *   A planned reconnect (max_lifetime) goes LIVE -> CLOSING -> DISCONNECTED
 *   -> RESOLVING without a backoff delay; BACKOFF -> DISCONNECTED is used
 *   when the delay is over but the global connect rate says "wait".
 *   Shutdown: every state except STOPPED and the transient STALE may go to
 *   STOPPED (the connection, if any, is torn down by the caller) and the
 *   connected ones to CLOSING first. STOPPED is terminal.
 *   34 edges in all (fsm.c); test_fsm checks each and the count.
 */
#ifndef FEED_FSM_H
#define FEED_FSM_H

#include <stdint.h>

enum feed_state {
	FEED_ST_DISCONNECTED = 0, /* initial: not connected, no timer armed */
	FEED_ST_RESOLVING,	  /* DNS query in flight */
	FEED_ST_CONNECTING,	  /* TCP connect in flight */
	FEED_ST_TLS_HANDSHAKE,	  /* TLS handshake (skipped for ws://) */
	FEED_ST_WS_HANDSHAKE,	  /* HTTP upgrade request sent, awaiting 101 */
	FEED_ST_SUBSCRIBING,	  /* subscribe messages sent, awaiting acks */
	FEED_ST_LIVE,		  /* data flowing */
	FEED_ST_STALE,		  /* no data within stale_timeout (still connected) */
	FEED_ST_CLOSING,	  /* WS close sent, waiting for the peer / deadline */
	FEED_ST_BACKOFF,	  /* waiting for the reconnect delay */
	FEED_ST_FAILED,		  /* retries exhausted: stays down until shutdown */
	FEED_ST_STOPPED,	  /* shut down: terminal */
	FEED_ST__COUNT
};

struct feed_fsm {
	enum feed_state state;
	enum feed_state prev;		    /* state before the last transition */
	int64_t entered_ns;		    /* when `state` was entered */
	uint64_t transitions;		    /* successful transitions */
	uint64_t rejected;		    /* -EINVAL transitions (bugs) */
	uint64_t entries[FEED_ST__COUNT];   /* times each state was entered */
	int64_t time_in_ns[FEED_ST__COUNT]; /* time spent, completed stays only */
};

/* Starts in DISCONNECTED at now_ns (counts as one entry). */
void feed_fsm_init(struct feed_fsm *f, int64_t now_ns);

/* Moves to `to` if the edge state->to is in the table. Returns 0, or
 * -EINVAL (not allowed, including to == state and an out-of-range `to`):
 * nothing changes except the `rejected` counter. */
int feed_fsm_transition(struct feed_fsm *f, enum feed_state to, int64_t now_ns);

/* 1 if from->to is in the table, else 0. */
int feed_fsm_allowed(enum feed_state from, enum feed_state to);

/* Time spent in the current state (ns). */
int64_t feed_fsm_age_ns(const struct feed_fsm *f, int64_t now_ns);

/* Total time in state s including the current stay. */
int64_t feed_fsm_time_in_ns(const struct feed_fsm *f, enum feed_state s, int64_t now_ns);

/* Connected = a socket exists (CONNECTING..CLOSING). */
int feed_state_connected(enum feed_state s);

/* "DISCONNECTED", "LIVE", ...; "?" for an out-of-range value. */
const char *feed_state_name(enum feed_state s);

/* The edge list, for tests and docs: n pairs {from, to}. */
struct feed_fsm_edge {
	uint8_t from, to;
};
const struct feed_fsm_edge *feed_fsm_edges(unsigned *n);

#endif /* FEED_FSM_H */
