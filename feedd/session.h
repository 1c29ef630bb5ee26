/* SPDX-License-Identifier: MIT */
/*
 * session.h: one feed session: the driver that moves its TLS WebSocket
 * connections (proto/conn.h) through their state machines (fsm.h), feeds
 * their messages to the venue adapter (venues/venue.h) and publishes the
 * ticks. A session has as many connections as its plan needs
 * (feed_venue_plan: one per route and per streams_per_conn), each a struct
 * feed_sconn with everything of its own; what follows holds per connection.
 *
 * A session knows nothing of the daemon. It gets a narrow host interface
 * (struct feed_session_host): the io_uring loop its ops go through, the
 * backoff jitter state, the connect-rate bucket, the sink its ticks and
 * status go to, and the shared TLS context. Data flows one way: the daemon
 * drives sessions (start, completions, timers, stop), sessions push into
 * the sink, the watchdog reads feed_session_snapshot.
 *
 * All I/O goes through the loop: a connection prepares SQEs (connect, recv
 * into its fixed buffer, one send at a time) tagged with its slot and
 * generation; the daemon routes completions back with
 * feed_session_on_cqe. Time is a set of deadlines the daemon folds into its
 * one loop timer (feed_session_deadline / feed_session_on_timer).
 *
 * Lifetime of one connection attempt:
 *   DISCONNECTED|BACKOFF -> RESOLVING (c-ares or numeric) -> CONNECTING
 *   (IORING_OP_CONNECT) -> TLS_HANDSHAKE -> WS_HANDSHAKE -> SUBSCRIBING
 *   (subscribe messages sent, stale clock started) -> LIVE (every request
 *   answered; first data for a venue without acks: venues/subs.h) ... any
 *   error -> [CLOSING ->] BACKOFF -> RESOLVING ...
 * Ticks are published only in LIVE, i.e. after the upgrade succeeded and the
 * subscriptions were answered: a half-built connection never publishes.
 */
#ifndef FEED_SESSION_H
#define FEED_SESSION_H

#include <stdint.h>
#include <sys/socket.h>

#include "backoff.h"
#include "config.h"
#include "conn.h"
#include "errclass.h"
#include "fallback.h"
#include "fsm.h"
#include "lat.h"
#include "rate.h"
#include "resolve.h"
#include "rest.h"
#include "restq.h"
#include "sink.h"
#include "venue.h"

#define FEED_RX_BUF		((size_t)64 * 1024) /* one recv's worth of ciphertext */
#define FEED_SUB_BUF		8192		    /* one subscribe message */
#define FEED_SESSION_TICKS	256		    /* ticks per venue call (more: called again) */
#define FEED_SESSION_SNAP_CONNS 32		    /* connections shown one by one in a snapshot */
/* Control buffer of one recvmsg: a SCM_TIMESTAMPING (64 B) and room. */
#define FEED_RX_CMSG 128

/* Per-session counters: plain fields, copied to the health region by the
 * watchdog (single thread: no atomics needed here). */
struct feed_sbook;

struct feed_session_stats {
	uint64_t connects;		   /* attempts started */
	uint64_t reconnects;		   /* attempts after the first */
	uint64_t hs_fail[FEED_ERR__COUNT]; /* attempts that died before LIVE, by class */
	uint64_t messages;		   /* WebSocket messages received */
	uint64_t bytes;			   /* bytes received from the socket */
	uint64_t ticks;			   /* ticks published */
	uint64_t parse_errors;		   /* venue ERROR messages */
	uint64_t gaps;			   /* reconnect + sequence gaps */
	int64_t last_msg_ns;		   /* monotonic, 0 = never */
	int64_t rtt_ns;			   /* last ping round trip */
	int64_t next_reconnect_ns;	   /* monotonic, while in BACKOFF */
	uint32_t subscriptions;		   /* streams acked on this connection */
	int64_t last_error_ns;		   /* monotonic */
};

/* Buffers a connection uses only within one call on the loop thread, so
 * one set serves every connection of the daemon (a connection's own memory
 * is what it keeps across calls). Nothing points into them after the call. */
struct feed_session_scratch {
	struct mdbus_tick ticks[FEED_SESSION_TICKS]; /* venue output of one message */
	char subbuf[FEED_SUB_BUF]; /* a subscribe or ping message: built, then sent (copied) */
	uint8_t plain[FEED_CONN_PLAIN_CAP]; /* decrypted bytes of one record (conn.h) */
	struct feed_venue_decoder dec;	    /* gzip/protobuf venues' scratch and inflate state */
	struct mdbus_tick book_ticks[FEED_SESSION_TICKS]; /* the book sync's tick batch */
	struct mdbus_tick fb_ticks[FEED_FB_TICKS_MAX];	  /* one REST fallback answer's ticks */
};

struct feed_sconn;

/* restq owner of a connection's REST fallback polls: its slot with this
 * bit (its book snapshots: the slot alone, cancelled when it closes). */
#define FEED_SFB_OWNER_BIT 0x80000000u

/* A REST snapshot (or fallback poll: sym is then its restq key) on the wire: one per request id of
 * the daemon's queue (restq.h), so an answer that comes after its connection closed still finds its
 * id (the queue says it was cancelled: nothing else is read). */
struct feed_sbook_req {
	struct feed_restq *q;
	struct feed_sconn *c;
	uint32_t sym;
	uint32_t qid;
};

/* What a session uses of its surroundings; nothing else reaches it. */
struct feed_session_host {
	struct feed_loop *loop;		      /* every socket op, DNS poll and cancel */
	uint64_t *rng;			      /* backoff jitter (feed_rng_seed state) */
	struct feed_rate *rate;		      /* connect tokens, shared by all sessions */
	struct feed_sink *sink;		      /* instruments, ticks, status */
	SSL_CTX *ssl_ctx;		      /* for this session's TLS settings; not owned */
	struct feed_session_scratch *scratch; /* the daemon's one set; not owned */
	/* l2 with REST snapshots or rest_fallback_after (NULL otherwise): the daemon's global
	 * snapshot queue, its request records (restq capacity entries, by
	 * id), the session's REST client and its venue's id in the queue. */
	struct feed_restq *restq;
	struct feed_sbook_req *rreq;
	struct feed_rest *rest;
	uint32_t rest_venue;
};

/* A copy of what the watchdog publishes about a session (the strings point
 * into the config and the session: valid until the next session call). */
struct feed_session_snap {
	const char *name, *venue, *host;
	const char *last_error;
	enum feed_state state;
	int64_t state_since_ns;
	enum feed_err_class last_cls;
	struct feed_session_stats st; /* st.gaps: reconnect + sequence gaps;
					 st.next_reconnect_ns: 0 unless BACKOFF */
	uint32_t streams;	      /* wanted, all connections */
	int64_t stale_timeout_ms;
	uint32_t backoff_attempt;
	uint32_t conns, conns_live;		     /* connections, of which LIVE */
	uint8_t conn_state[FEED_SESSION_SNAP_CONNS]; /* the first connections' enum feed_state */
	uint8_t conn_err[FEED_SESSION_SNAP_CONNS];   /* ... and last error class */
	const struct feed_lat *lat;		     /* the session's latency histograms */
	const void *cfg;			     /* identity of the session (its config) */
	struct feed_restq *restq; /* its REST client's queue (NULL: no REST client) */
	uint32_t rest_venue;	  /* ... and venue there (feed_restq_venue_stats) */
};

/* One connection of a session (its plan's k-th): everything a connection
 * needs is its own, so a fault on one reconnects only it. */
struct feed_sconn {
	struct feed_session *sess;		 /* the owner */
	const struct feed_venue_conn_plan *plan; /* its symbols, channels, path */
	uint8_t *counted;			 /* per symbol: counted UP in sess->sym_up */
	unsigned k;				 /* index in sess->conns (and the plan) */
	unsigned slot;				 /* daemon-wide connection slot: user_data index */
	unsigned index;		 /* the session's, in the daemon's array and the health region */
	struct feed_sbook *book; /* l2 on this connection: its books (session_book.c), or NULL */
	struct feed_fb fb;	 /* REST fallback (session_fb.c): syms NULL = off */
	int64_t fb_wake;	 /* next feed_fb_run, 0 = none */
	int conn_ok;		 /* conn initialised */
	int venue_ok;		 /* venue initialised */
	char name[FEED_SESSION_NAME_MAX + 12]; /* log prefix: "NAME" or "NAME/k" */
	struct feed_session_host host;
	const struct feed_session_config *cfg;
	struct feed_fsm fsm;
	struct feed_backoff backoff;
	struct feed_conn conn;
	struct feed_venue_ctx venue; /* this connection's symbols and channels */
	struct feed_resolve res;

	/* the current connection */
	int fd;			      /* -1 = none */
	uint64_t gen;		      /* connection generation (user_data) */
	struct sockaddr_storage addr; /* resolved address */
	socklen_t addrlen;
	int connect_inflight, recv_inflight, send_inflight; /* any generation */
	int attempts;					    /* attempts started, ever */
	int up;						    /* UP status published, DOWN not yet */
	int planned;		       /* closing for a max_lifetime rotation */
	int subs_sent;		       /* every subscribe message of this connection sent */
	int ws_open;		       /* on_open fired on this connection */
	int stopping;		       /* shutdown requested */
	int64_t stop_deadline;	       /* shutdown forced after this (0 = not stopping) */
	int fatal;		       /* every symbol rejected: FAILED after this close */
	int64_t sub_last_ns;	       /* last subscribe message sent (venue rate limit) */
	int64_t live_since_ns;	       /* LIVE entered (backoff reset) */
	int64_t ping_sent_ns;	       /* outstanding ping, 0 = none */
	enum feed_err_class close_cls; /* why we are in CLOSING */

	/* deadlines, CLOCK_MONOTONIC ns, 0 = not armed */
	int64_t dl_attempt;   /* backoff over / connect-rate token ready */
	int64_t dl_handshake; /* whole handshake incl. subscription acks */
	int64_t dl_ping;      /* next keepalive */
	int64_t dl_pong;      /* keepalive answer due */
	int64_t dl_stale;     /* market data due */
	int64_t dl_lifetime;  /* planned rotation */
	int64_t dl_close;     /* polite close gives up */
	int64_t dl_sub;	      /* next subscribe message (venue rate limit) */

	/* the last error, with its class */
	enum feed_err_class last_cls;
	char last_err[256];

	struct feed_session_stats st;
	int64_t rx_mono, rx_wall; /* receive time of the current input:
				     rx_wall is the kernel's stamp (realtime) */
	/* The recvmsg in flight: rx (FEED_RX_BUF) and a control buffer for
	 * the kernel's receive stamp (SO_TIMESTAMPING, feed_sess__stamp_on). */
	struct msghdr rx_msg;
	struct iovec rx_iov;
	union {
		struct cmsghdr align;
		uint8_t buf[FEED_RX_CMSG];
	} rx_cmsg;
	uint64_t err_logged; /* venue ERROR messages logged (rate limit) */
	uint32_t nheld;	     /* ticks in held */
	int held_used;	     /* held was written since the last release */
	int release;	     /* went LIVE in this input: release start-up pages after it */
	/* What the recvmsg in flight fills, right after the fields above: a
	 * steady stream's small receives land in the page their end shares
	 * with it, which is resident anyway; bursts reach further. */
	uint8_t rx[FEED_RX_BUF];
	/* SUBSCRIBING: ticks of streams already acked (a venue's snapshot right
	 * after its ack), published after the UP status when the connection
	 * goes LIVE; a tick that does not fit re-arms its gap flag instead.
	 * Last, so that its pages stay untouched unless a tick is held. */
	struct mdbus_tick held[FEED_SESSION_TICKS];
};

/* A session: one venue, one config section, the connections its plan
 * needs (feed_venue_plan: routes, then streams per connection). Its status
 * is UP only while every connection is live; an instrument is UP while
 * every connection carrying one of its streams is. */
struct feed_session {
	struct feed_session_host host;
	unsigned index; /* in the daemon's array and the health region */
	const struct feed_session_config *cfg;
	struct feed_venue_conn_plan *plan; /* nconns entries */
	struct feed_sconn *conns;	   /* nconns entries */
	unsigned nconns;
	uint16_t *sym_conns; /* per config symbol: connections carrying it */
	uint16_t *sym_up;    /* ... of which have it UP */
	struct feed_lat lat; /* every connection's messages, one set of histograms */
};

/* Builds everything the session needs once: the connection plan, and per
 * connection its venue ctx, conn buffers, resolver and receive buffer; host
 * is copied. Connection k's operations carry user_data index
 * first_slot + k (daemon-wide, see feed_ud_make). Returns 0 or -errno with a
 * reason in err; on error what was built is freed. */
int feed_session_init(struct feed_session *s, const struct feed_session_host *host, unsigned index,
		      unsigned first_slot, const struct feed_session_config *cfg, char *err,
		      size_t errlen);

/* Connections the session's plan needs (feed_venue_plan), or -errno. */
int feed_session_plan_count(const struct feed_session_config *cfg);

/* Registers the session's instruments through the sink (ids into the venue
 * ctx). Returns 0 or -errno. */
int feed_session_add_instruments(struct feed_session *s);

/* First connection attempt (subject to the connect rate). */
void feed_session_start(struct feed_session *s, int64_t now_ns);

/* Routes a completion (its user_data and result) to connection k. */
void feed_session_on_cqe(struct feed_session *s, unsigned k, uint64_t ud, int res, int64_t now_ns);

/* Earliest armed deadline, 0 if none. */
int64_t feed_session_deadline(struct feed_session *s, int64_t now_ns);

/* Runs whatever is due at now_ns. */
void feed_session_on_timer(struct feed_session *s, int64_t now_ns);

/* Shutdown: no more reconnects; a polite WS close for open connections
 * (bounded by deadline_ns, when the daemon forces), everything else torn
 * down now. Ends in STOPPED. */
void feed_session_stop(struct feed_session *s, int64_t now_ns, int64_t deadline_ns);

/* Shutdown deadline passed (or second signal): tear down now -> STOPPED. */
void feed_session_force(struct feed_session *s, int64_t now_ns);

/* Every connection STOPPED and no operation of any generation in flight. */
int feed_session_done(const struct feed_session *s);

/* For each connection whose UP status is out, a DOWN status (reason cls)
 * for its instruments. */
void feed_session_down(struct feed_session *s, enum feed_err_class cls, int64_t now_ns);

/* Fills snap for the watchdog. */
void feed_session_snapshot(const struct feed_session *s, struct feed_session_snap *snap);

/* REST snapshot request qid of the daemon's queue (owner: connection k of
 * s; key: the bus instrument) leaves now on the session's REST client.
 * Returns 0, or -errno (the caller ends the request with feed_restq_done). */
int feed_session_book_fetch(struct feed_session *s, unsigned k, uint32_t qid, uint32_t key,
			    int64_t now_ns);

/* Frees everything (after the ring is gone). Safe after a failed init. */
void feed_session_free(struct feed_session *s);

#endif /* FEED_SESSION_H */
