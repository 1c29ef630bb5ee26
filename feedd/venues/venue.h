/* SPDX-License-Identifier: MIT */
/*
 * venue.h: the venue adapter interface. One file per venue (binance.c, ...)
 * fills a `struct feed_venue_ops`; the registry (registry.c) finds it by
 * name. An adapter does no I/O and no allocation per message: the session
 * hands it complete WebSocket messages and it turns them into ticks in the
 * caller's array, plus a class telling the session what happened.
 *
 * Per session there is one `struct feed_venue_ctx` (caller-allocated,
 * embedded in the session, its arrays allocated once by
 * feed_venue_ctx_init). It holds the symbol table (normalized -> native,
 * decimals, instrument id), a hash from native name to symbol for the hot
 * path, the subscription requests in flight, per-symbol sequence state and
 * counters, and optional venue-private state.
 *
 * Session usage:
 *   start-up:   feed_venue_ctx_init(); for each symbol i:
 *               feed_venue_ctx_instrument(v, i, &ins);
 *               mdbus_writer_add_instrument(w, &ins, &v->syms[i].instrument);
 *   connected:  feed_venue_ctx_reset(v) (each new connection: every symbol's
 *               next tick of each kind carries MDBUS_FLAG_GAP);
 *               while feed_venue_subscribe_next(v, buf, len, &n) == 1: send
 *               buf as a text frame, at most one per ops->sub_interval_ms;
 *               LIVE when subs.h's feed_subs_state(v, data_seen) says so.
 *               A REJECT with out.split set re-queued its symbols one
 *               request each: feed_venue_sub_pending(v) says more messages
 *               wait (same rate limit). A REJECT without split rejects its
 *               symbols for good on this connection (sym.dead; retried
 *               alone once on the next connection).
 *   per message: feed_venue_on_message(v, p, n, binary, recv_ns, &out):
 *               DATA -> publish out.ticks[0..n); REPLY -> send out.reply;
 *               HEARTBEAT -> liveness; ACK/REJECT -> log the symbols;
 *               ERROR/UNKNOWN -> counted (already), log rate-limited;
 *               RECONNECT -> the venue asked us to go away.
 *   ping timer: feed_venue_ping(v, buf, len, &n, now): n == 0 means "use a
 *               WebSocket ping frame".
 *
 * Hooks for later venues (only Binance is implemented now):
 *   - binary frames / gzip / deflate (BingX, Huobi) and protobuf (MEXC):
 *     on_message gets the `binary` flag and may decode into v->scratch
 *     (ops->scratch_size bytes, allocated at init; set flags FEED_VENUE_F_*);
 *     ops->init/fini set up e.g. a zlib stream once.
 *   - venue text pings both ways: the venue's ping -> class REPLY with the
 *     pong text; our ping -> ops->ping; its pong -> class HEARTBEAT.
 *   - acks and per-symbol rejects: requests carry ids; ACK/REJECT report the
 *     symbol range of the request.
 *   - stream limits: max_streams_per_conn (checked at init), per message
 *     max_streams_per_msg, rate limit sub_interval_ms.
 *   - sequence numbers: feed_venue_seq_check() flags a gap on one symbol
 *     and channel only (its next tick of that kind gets MDBUS_FLAG_GAP, its
 *     gap counter grows).
 */
#ifndef FEED_VENUE_H
#define FEED_VENUE_H

#include <stddef.h>
#include <stdint.h>

#include "mdbus.h"
#include "config.h"

#define FEED_VENUE_TICKS_MIN  16  /* out.cap must be at least this */
#define FEED_VENUE_REASON_MAX 160 /* reason text, NUL included */
#define FEED_VENUE_REPLY_MAX  256 /* venue reply (pong) text */
#define FEED_CH_COUNT	      3	  /* trades, bbo, l2: bit i of FEED_CH_* */

/* What a message was. */
enum feed_msg_class {
	FEED_MSG_NONE = 0,
	FEED_MSG_DATA,	    /* out.n ticks (0 is possible, e.g. an empty book update) */
	FEED_MSG_ACK,	    /* subscription acknowledged: out.req_id, out.sym_first/sym_count */
	FEED_MSG_REJECT,    /* subscription rejected: same fields + out.reason */
	FEED_MSG_HEARTBEAT, /* venue-level pong/heartbeat: liveness only */
	FEED_MSG_REPLY,	    /* send out.reply (text frame) back, e.g. venue ping -> pong */
	FEED_MSG_UNKNOWN,   /* well-formed but of no interest: counted and skipped */
	FEED_MSG_ERROR,	    /* bad message: out.reason (+ out.sym); counted, no tick */
	FEED_MSG_RECONNECT, /* the venue announced a disconnect/maintenance */
	FEED_MSG__COUNT
};

/* Venue capability flags. */
#define FEED_VENUE_F_BINARY    0x01u /* data arrives in binary frames */
#define FEED_VENUE_F_GZIP      0x02u /* frames are gzip/deflate: decode into scratch */
#define FEED_VENUE_F_TEXT_PING 0x04u /* keepalive is a venue text ping, not WS ping */
/* Subscription facts (the policy that uses them is subs.h's). Zero is the
 * Binance behaviour: every request is answered (ack or reject), and one
 * unknown symbol sinks a whole multi-symbol request. */
#define FEED_VENUE_F_NO_ACKS	  0x08u /* requests are never answered: LIVE on first data */
#define FEED_VENUE_F_REJECT_EXACT 0x10u /* a rejected request's symbols are all bad: no split */

/* A symbol subscribed in a request of its own: after a multi-symbol request
 * was rejected as a whole (see FEED_VENUE_F_REJECT_EXACT), and on each
 * reconnection for symbols rejected before (dead). */
enum feed_alone { FEED_ALONE_NO = 0, FEED_ALONE_QUEUED, FEED_ALONE_SENT };

/* Per-request state (subscription messages in flight). */
enum feed_req_state { FEED_REQ_FREE = 0, FEED_REQ_SENT, FEED_REQ_ACKED, FEED_REQ_REJECTED };

struct feed_venue_req {
	uint64_t id;	/* the venue-level request id we sent */
	uint32_t first; /* first stream index (see feed_venue_stream) */
	uint32_t count; /* streams in this request */
	uint8_t state;	/* enum feed_req_state */
	uint8_t alone;	/* one symbol, sent as a single-symbol (re)try */
};

/* One subscribed symbol. */
struct feed_venue_sym {
	char norm[MDBUS_SYMBOL_MAX];   /* "BTC-USDT" */
	char native[MDBUS_SYMBOL_MAX]; /* as it appears in messages: "BTCUSDT" */
	uint32_t instrument;	       /* bus instrument id: set by the session */
	uint8_t price_decimals;
	uint8_t qty_decimals;
	uint8_t gap_pending;	     /* FEED_CH_*: the next tick of that kind carries GAP */
	uint8_t acked;		     /* FEED_CH_* acked on this connection */
	uint8_t rejected;	     /* FEED_CH_* rejected on this connection */
	uint8_t alone;		     /* enum feed_alone: subscribed in a request of its own */
	uint8_t dead;		     /* rejected on its own: a config error, not retried
					on this connection (once per reconnect) */
	uint64_t seq[FEED_CH_COUNT]; /* last venue sequence per channel, 0 = none */
	uint64_t ticks;		     /* produced */
	uint64_t errors;	     /* bad messages for this symbol */
	uint64_t gaps;		     /* sequence gaps + reconnects */
	int64_t last_recv_ns;	     /* last tick's receive time */
};

/* Counters per session (any connection). */
struct feed_venue_stats {
	uint64_t msgs;		       /* messages handed to on_message */
	uint64_t ticks;		       /* ticks produced */
	uint64_t cls[FEED_MSG__COUNT]; /* messages by class */
	uint64_t gaps;		       /* per-symbol gaps flagged */
	uint64_t connections;	       /* feed_venue_ctx_reset calls */
};

struct feed_venue_ops;

struct feed_venue_ctx {
	const struct feed_venue_ops *ops;
	uint32_t channels;	     /* FEED_CH_* subscribed (config & venue) */
	uint32_t nch;		     /* bits set in channels */
	struct feed_venue_sym *syms; /* nsyms entries, config order */
	uint32_t nsyms;
	uint32_t nstreams; /* nsyms * nch */
	uint32_t *map;	   /* open addressing: native hash -> index + 1 */
	uint32_t map_mask;
	struct feed_venue_req *reqs; /* one per subscribe message of a connection */
	uint32_t nreqs, reqs_cap;
	uint32_t sub_next;     /* next stream to subscribe on this connection */
	uint32_t reqs_pending; /* sent, not yet acked/rejected */
	uint32_t alone_queued; /* symbols FEED_ALONE_QUEUED */
	uint32_t alone_pos;    /* stream where the next single-symbol message resumes */
	uint64_t next_req_id;  /* ids keep growing over reconnects */
	void *priv;	       /* ops->priv_size bytes, zeroed */
	uint8_t *scratch;      /* ops->scratch_size bytes (decoding) */
	size_t scratch_size;
	struct feed_venue_stats st;
	char reason[FEED_VENUE_REASON_MAX];
	char reply[FEED_VENUE_REPLY_MAX];
};

/* Filled by on_message. The caller sets ticks and cap; the rest is output. */
struct feed_venue_out {
	struct mdbus_tick *ticks; /* caller's array */
	uint32_t cap;		  /* >= FEED_VENUE_TICKS_MIN */
	uint32_t n;		  /* DATA: ticks written */
	enum feed_msg_class cls;
	const char *reason; /* ERROR/REJECT/UNKNOWN: text valid until the next call */
	uint32_t sym;	    /* ERROR/DATA: symbol index, UINT32_MAX if unknown */
	uint64_t req_id;    /* ACK/REJECT */
	uint32_t sym_first; /* ACK/REJECT: symbols [sym_first, sym_first + sym_count) */
	uint32_t sym_count;
	uint8_t split;	   /* REJECT of a multi-symbol request: nothing is rejected
			      yet, each symbol is queued for a request of its own */
	uint8_t alone;	   /* ACK/REJECT of a single-symbol (re)try */
	const char *reply; /* REPLY: text to send back (in ctx->reply) */
	size_t reply_len;
};

struct feed_venue_ops {
	const char *name;	       /* "binance": the config's venue = */
	const char *default_url;       /* used when the session has no url */
	uint32_t channels;	       /* FEED_CH_* supported */
	uint32_t max_streams_per_conn; /* 0 = no limit; checked by ctx_init */
	uint32_t max_streams_per_msg;  /* streams per subscribe message */
	uint32_t sub_interval_ms;      /* min gap between our messages (rate limit) */
	uint8_t price_decimals;	       /* defaults when the config sets none */
	uint8_t qty_decimals;
	uint32_t flags;	     /* FEED_VENUE_F_* */
	size_t priv_size;    /* venue-private state in ctx->priv */
	size_t scratch_size; /* decode buffer; 0 = none */

	/* Optional: set up / tear down private state (once per session). */
	int (*init)(struct feed_venue_ctx *v);
	void (*fini)(struct feed_venue_ctx *v);
	/* Optional: a new connection starts (after the generic reset). */
	void (*reset)(struct feed_venue_ctx *v);

	/* "BTC-USDT" -> "BTCUSDT". Returns 0, -EINVAL, -ENAMETOOLONG. */
	int (*native_symbol)(const char *norm, char *out, size_t len);
	/* Builds the next subscribe message from v->sub_next on, registering
	 * the request (feed_venue_req_add). Returns 1 built, 0 nothing left,
	 * -ENOBUFS if len is too small for even one stream. */
	int (*subscribe)(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n);
	/* Classifies one complete message; fills out (never allocates).
	 * Returns 0; a bad message is out->cls = FEED_MSG_ERROR, not an error
	 * return. -EINVAL only for caller misuse. */
	int (*on_message)(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			  int64_t recv_ns, struct feed_venue_out *out);
	/* Optional: our keepalive as venue text. NULL or *n = 0: WS ping. */
	int (*ping)(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n, int64_t now_ns);
};

/* ---- registry ------------------------------------------------------------ */

/* The adapter called name, or NULL. */
const struct feed_venue_ops *feed_venue_find(const char *name);
/* The i-th adapter (0..), NULL past the end: for `feedd -h` and tests. */
const struct feed_venue_ops *feed_venue_at(unsigned i);

const char *feed_msg_class_name(enum feed_msg_class c);

/* ---- per-session context ----------------------------------------------- */

/*
 * Builds the symbol table from the session config (native names, decimals,
 * hash map) and allocates everything the ctx needs once. Returns 0;
 * -EINVAL (unsupported channel, bad symbol, duplicate native name),
 * -E2BIG (more streams than max_streams_per_conn), -ENOMEM; a reason goes
 * to err. On error the ctx is freed already.
 */
int feed_venue_ctx_init(struct feed_venue_ctx *v, const struct feed_venue_ops *ops,
			const struct feed_session_config *sc, char *err, size_t errlen);

/* Frees the arrays (and calls ops->fini). Zeroed ctx / NULL: no-op. */
void feed_venue_ctx_free(struct feed_venue_ctx *v);

/* A new connection: nothing subscribed, no request in flight, every
 * symbol's next tick of each kind flagged MDBUS_FLAG_GAP; dead symbols are
 * queued to be tried alone once more. */
void feed_venue_ctx_reset(struct feed_venue_ctx *v);

/* Fills an instrument record for symbol i (for mdbus_writer_add_instrument).
 * Returns 0 or -EINVAL. */
int feed_venue_ctx_instrument(const struct feed_venue_ctx *v, uint32_t i,
			      struct mdbus_instrument *out);

/* ---- subscriptions (subs.c; the policy is described in subs.h) -------------- */

/* Wrappers the session calls (they keep the counters). subscribe_next
 * sends the symbols in adapter-built messages, except those queued to go
 * alone (see enum feed_alone), which then get one message each. The
 * adapter's `subscribe` sees a window: v->sub_next .. v->nstreams narrowed
 * to the streams that message may carry. */
int feed_venue_subscribe_next(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n);
/* 1 while subscribe_next has a message to build. */
int feed_venue_sub_pending(const struct feed_venue_ctx *v);
/* 1 when every stream was sent and every request answered. */
int feed_venue_sub_complete(const struct feed_venue_ctx *v);
/* Symbols rejected on their own (dead). */
uint32_t feed_venue_syms_dead(const struct feed_venue_ctx *v);
/* Streams acked / rejected on this connection. */
uint32_t feed_venue_streams_acked(const struct feed_venue_ctx *v);
uint32_t feed_venue_streams_rejected(const struct feed_venue_ctx *v);

/* ---- messages and keepalive ------------------------------------------------- */

int feed_venue_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			  int64_t recv_ns, struct feed_venue_out *out);
int feed_venue_ping(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n, int64_t now_ns);

/* ---- helpers for adapters ---------------------------------------------- */

/* Symbol index of a native name (exact bytes, not NUL-terminated).
 * Returns 0 with *idx, or -ENOENT. No allocation. */
int feed_venue_lookup(const struct feed_venue_ctx *v, const char *native, size_t len,
		      uint32_t *idx);

/* Stream index s -> symbol index and channel bit (FEED_CH_*). Streams are
 * ordered symbol-major: s = sym * nch + k-th subscribed channel. */
void feed_venue_stream(const struct feed_venue_ctx *v, uint32_t s, uint32_t *sym, uint32_t *ch);

/* Registers a request covering streams [first, first + count) with a new
 * id (returned in *id). Returns 0 or -ENOSPC. (subs.c) */
int feed_venue_req_add(struct feed_venue_ctx *v, uint32_t first, uint32_t count, uint64_t *id);
/* Marks request id answered (ok = 1 acked, 0 rejected), updates the
 * symbols' acked/rejected bits and fills out's req fields. A rejected
 * request naming several symbols rejects none of them (unless the venue
 * sets FEED_VENUE_F_REJECT_EXACT): they are queued to be subscribed one
 * request each (out->split). A rejected request of one symbol marks it
 * dead. Returns 0 or -ENOENT (unknown or already answered id). (subs.c) */
int feed_venue_req_done(struct feed_venue_ctx *v, uint64_t id, int ok, struct feed_venue_out *out);

/* Sequence hook: `seq` for symbol i, channel ch must be last + 1 (when
 * contiguous) or just > last (otherwise). A violation flags a gap on that
 * symbol only. Returns 1 if a gap was flagged, 0 otherwise; seq is stored. */
int feed_venue_seq_check(struct feed_venue_ctx *v, uint32_t i, uint32_t ch, uint64_t seq,
			 int contiguous);

/* Flags for symbol i's next tick of channel ch (FEED_CH_*): MDBUS_FLAG_GAP
 * once per kind after a gap, so a consumer of one kind (BBO only, trades
 * only) learns of every reconnection. */
uint8_t feed_venue_take_flags(struct feed_venue_ctx *v, uint32_t i, uint32_t ch);

/* Sets out->cls = ERROR with a formatted reason (in v->reason). */
void feed_venue_error(struct feed_venue_ctx *v, struct feed_venue_out *out, uint32_t sym,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- config validation (check.c) ------------------------------------------ */

/*
 * Everything about a loaded config (feed_config_load: syntax only) that
 * depends on the venue: the venue exists, supports the channels, has a
 * native name for every symbol, takes that many streams. Fills in the
 * venue's defaults (url, decimals, its canonical name). Called by
 * `feedd --check` and at start-up, before the daemon is built. Returns 0 or
 * -EINVAL with "FILE:LINE: reason" (the line of the offending key) in err.
 */
int feed_venue_check(struct feed_config *c, char *err, size_t errlen);

#endif /* FEED_VENUE_H */
