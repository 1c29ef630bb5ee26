/* SPDX-License-Identifier: MIT */
/*
 * venue.h: the venue adapter interface. One file per venue (binance.c, ...)
 * fills a `struct feed_venue_ops`; the registry (registry.c) finds it by
 * name. An adapter does no I/O and no allocation per message: the session
 * hands it complete WebSocket messages and it turns them into ticks in the
 * caller's array, plus a class telling the session what happened.
 * docs/VENUES.md is the guide ("How to add a venue").
 *
 * Per session there is one `struct feed_venue_ctx` (caller-allocated,
 * embedded in the session, its arrays allocated once by
 * feed_venue_ctx_init). It holds the symbol table (normalized -> native,
 * decimals, market, instrument id), a hash from native name to symbol for
 * the hot path, the stream table (symbol x channel), the subscription
 * requests in flight, per-symbol sequence state and counters, the decode
 * scratch and optional venue-private state.
 *
 * Streams: stream s is (syms[s / nch], the (s % nch)-th subscribed channel);
 * v->streams[s] says which, and carries the connection it is planned on.
 * Requests carry an explicit set of stream indices.
 *
 * A session with several connections (feed_venue_plan: routes, then
 * limits.streams_per_conn) has one ctx per connection, built by
 * feed_venue_ctx_init_conn for that connection's symbols and channels, so
 * each connection has its own subscription cursor, requests, answers, gap
 * flags and dead symbols; feed_venue_ctx_init is the one-connection case.
 *
 * Session usage:
 *   start-up:   feed_venue_ctx_init(); for each symbol i:
 *               feed_venue_ctx_instrument(v, i, &ins);
 *               mdbus_writer_add_instrument(w, &ins, &v->syms[i].instrument);
 *   connected:  feed_venue_ctx_reset(v) (each new connection: every symbol's
 *               next tick of each kind carries MDBUS_FLAG_GAP);
 *               while feed_venue_subscribe_next(v, buf, len, &n) == 1: send
 *               buf as a text frame, at most one per limits.req_interval_ms;
 *               LIVE when subs.h's feed_subs_state(v, data_seen) says so.
 *               A REJECT with out.split set re-queued its symbols one
 *               request each: feed_venue_sub_pending(v) says more messages
 *               wait (same rate limit).
 *   per message: do feed_venue_on_message(v, p, n, binary, recv_ns, &out)
 *               while out.more (the same p, n: a batch larger than the
 *               tick array comes out in pieces, nothing is dropped):
 *               DATA -> publish out.ticks[0..n); REPLY -> send out.reply;
 *               HEARTBEAT -> liveness; ACK/REJECT -> out.streams names the
 *               streams answered; ERROR/UNKNOWN -> counted (already), log
 *               rate-limited; RECONNECT -> the venue asked us to go away.
 *   ping timer: feed_venue_ping(v, buf, len, &n, now): n == 0 means "use a
 *               WebSocket ping frame".
 */
#ifndef FEED_VENUE_H
#define FEED_VENUE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "mdbus.h"
#include "config.h"
#include "jsonscan.h"

#define FEED_VENUE_TICKS_MIN  16	 /* out.cap must be at least this */
#define FEED_VENUE_REASON_MAX 160	 /* reason text, NUL included */
#define FEED_VENUE_REPLY_MAX  256	 /* venue reply (pong) text */
#define FEED_CH_COUNT	      3		 /* trades, bbo, l2: bit i of FEED_CH_* */
#define FEED_VENUE_SYMS_MAX   (1u << 20) /* symbols per session */

/* What a message was. */
enum feed_msg_class {
	FEED_MSG_NONE = 0,
	FEED_MSG_DATA,	    /* out.n ticks (0 is possible, e.g. an empty book update) */
	FEED_MSG_ACK,	    /* subscription acknowledged: out.streams[0..nstreams) */
	FEED_MSG_REJECT,    /* some stream of out.streams rejected: + out.reason */
	FEED_MSG_HEARTBEAT, /* venue-level pong/heartbeat: liveness only */
	FEED_MSG_REPLY,	    /* send out.reply (text frame) back, e.g. venue ping -> pong */
	FEED_MSG_UNKNOWN,   /* well-formed but of no interest: counted and skipped */
	FEED_MSG_ERROR,	    /* bad message: out.reason (+ out.sym); counted, no tick */
	FEED_MSG_RECONNECT, /* the venue announced a disconnect/maintenance */
	FEED_MSG_BOOK,	    /* one order-book event in out.book (FEED_CH_L2); out.more
			       when the message holds more (one event per call) */
	FEED_MSG__COUNT
};

/* Venue flags (ops->flags). Zero is the Binance behaviour: text frames,
 * every request answered (ack or reject), one unknown symbol sinks a whole
 * multi-symbol request. */
#define FEED_VENUE_F_GZIP                                                                          \
	0x01u				/* binary frames are gzip/zlib/raw deflate:                \
					   feed_venue_gunzip into the scratch first */
#define FEED_VENUE_F_NO_ACKS	  0x02u /* requests are never answered: LIVE on first data */
#define FEED_VENUE_F_REJECT_EXACT 0x04u /* a rejected request's streams are all bad: no split */

/* How the venue groups streams in one subscribe request. */
enum feed_sub_group {
	FEED_GROUP_ANY = 0, /* any symbols x any channels (Binance, OKX, Bybit, MEXC) */
	FEED_GROUP_SYMBOL,  /* one symbol, any of its channels */
	FEED_GROUP_CHANNEL, /* one channel, many symbols (Kraken, Gate) */
	FEED_GROUP_STREAM,  /* exactly one stream (BingX) */
};

/* Subscription limits. 0 = no limit. subs.c builds every request within
 * them; an adapter only formats the set it is given. */
struct feed_venue_limits {
	uint8_t group;		   /* enum feed_sub_group */
	uint32_t streams_per_req;  /* streams in one request */
	uint32_t streams_per_conn; /* streams on one connection (feed_venue_plan) */
	uint32_t req_interval_ms;  /* min gap between our requests (rate limit) */
	uint32_t req_bytes;	   /* request text length (the adapter's buffer is cut to it) */
};

/* A symbol subscribed in a request of its own: after a multi-symbol request
 * was rejected as a whole (see FEED_VENUE_F_REJECT_EXACT), and on each
 * reconnection for symbols rejected before (dead). */
enum feed_alone { FEED_ALONE_NO = 0, FEED_ALONE_QUEUED, FEED_ALONE_SENT };

/* Per-request state (subscription messages in flight). */
enum feed_req_state { FEED_REQ_FREE = 0, FEED_REQ_SENT, FEED_REQ_ACKED, FEED_REQ_REJECTED };

/* Per-stream state on the current connection. */
enum feed_stream_state { FEED_SS_NONE = 0, FEED_SS_SENT, FEED_SS_ACKED, FEED_SS_REJECTED };

struct feed_venue_req {
	uint64_t id;	  /* the venue-level request id we sent */
	uint32_t off;	  /* its streams: v->req_streams[off .. off + count) */
	uint32_t count;	  /* streams in this request */
	uint32_t open;	  /* streams not answered yet */
	uint32_t nsyms;	  /* distinct symbols in it */
	uint16_t conn;	  /* connection index in the session's plan */
	uint8_t state;	  /* enum feed_req_state */
	uint8_t alone;	  /* one symbol, sent as a single-symbol (re)try */
	uint8_t rejected; /* some stream of it was rejected */
};

/* One stream: a symbol x one channel. */
struct feed_venue_stream {
	uint32_t sym;  /* symbol index */
	uint32_t req;  /* index in v->reqs of its last request (this connection) */
	uint16_t conn; /* connection of the session it is planned on */
	uint8_t ch;    /* FEED_CH_* (one bit) */
	uint8_t state; /* enum feed_stream_state, this connection */
};

/* One subscribed symbol. */
struct feed_venue_sym {
	char norm[MDBUS_SYMBOL_MAX];   /* "BTC-USDT", "BTC-USDT-PERP", "BTC-USD-20261225" */
	char native[MDBUS_SYMBOL_MAX]; /* as it appears in messages: "BTCUSDT" */
	uint32_t instrument;	       /* bus instrument id: set by the session */
	uint8_t price_decimals;
	uint8_t qty_decimals;
	uint8_t market;		     /* enum mdbus_market (from the name) */
	uint8_t qty_unit;	     /* enum mdbus_qty_unit */
	uint8_t contract_decimals;   /* contract size = contract_size / 10^this */
	uint8_t gap_pending;	     /* FEED_CH_*: the next tick of that kind carries GAP */
	uint8_t acked;		     /* FEED_CH_* acked on this connection */
	uint8_t rejected;	     /* FEED_CH_* rejected on this connection */
	uint8_t alone;		     /* enum feed_alone: subscribed in a request of its own */
	uint8_t dead;		     /* rejected on its own: a config error, not retried
					on this connection (once per reconnect) */
	uint32_t expiry;	     /* futures: YYYYMMDD, else 0 */
	int64_t contract_size;	     /* perp/future: mantissa, 0 = not set */
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
	uint64_t decode_errors;	       /* frames the decode stage refused */
	uint64_t pieces;	       /* continuation calls (out.more) */
};

/* Where a message split over several calls resumes (out.more). The
 * generic code keeps the message; the adapter keeps its place here. It is
 * all zero when a message starts (the generic code clears it after a
 * continued message): an adapter writes it only when it sets out.more. */
struct feed_venue_cursor {
	size_t pos;	/* adapter's byte offset in the (decoded) message */
	uint32_t item;	/* adapter's item counter */
	uint32_t sym;	/* adapter's current symbol */
	uint64_t aux;	/* adapter's own */
	uint8_t active; /* 1 while a message is being continued */
};

/* ---- order books (FEED_CH_L2) --------------------------------------------------- */

/*
 * A depth message (or REST snapshot) parsed by the venue adapter into one
 * event per symbol; the book engine (feedd/book/) applies it by the venue's
 * sync procedure (ops->book.sync). Levels are mantissas at the symbol's
 * decimals; qty 0 removes a level (snapshots carry no zeros). px_dp and
 * qty_dp keep how many decimals the venue printed, so a checksum over the
 * venue's own text (OKX "px:sz") can be rebuilt exactly from the book.
 */
#define FEED_BOOK_EV_LEVELS	1000u /* levels per side one event may carry, at least */
#define FEED_BOOK_DEPTH_DEFAULT 20u   /* book_depth when the config sets none */

struct feed_book_lvl {
	int64_t px;
	int64_t qty;
	uint8_t px_dp;
	uint8_t qty_dp;
};

enum feed_book_ev_kind {
	FEED_BOOK_DELTA = 1,	/* levels changed */
	FEED_BOOK_SNAPSHOT = 2, /* replaces the whole book (WS snapshot, REST, Gate full) */
};

struct feed_book_ev {
	uint32_t sym;	   /* symbol index */
	uint8_t kind;	   /* enum feed_book_ev_kind */
	uint8_t has_prev;  /* prev_id is set */
	uint8_t has_ck;	   /* checksum is set */
	uint8_t gap;	   /* the adapter saw data lost (Coinbase sequence_num): resync */
	uint64_t first_id; /* first update in the event (Binance U, MEXC fromVersion);
			      = last_id when the venue sends one id */
	uint64_t last_id;  /* last update (Binance u, OKX seqId, Bybit u, REST lastUpdateId) */
	uint64_t prev_id;  /* the previous event's last_id as the venue says (Binance
			      futures pu, OKX prevSeqId) */
	uint32_t checksum; /* the venue's CRC32 (OKX's signed int as u32) */
	int64_t exch_ts;   /* ns, 0 = none */
	int64_t recv_ts;
	const struct feed_book_lvl *bids; /* in message order (not necessarily sorted) */
	const struct feed_book_lvl *asks;
	uint32_t nbids, nasks;
};

/* How a venue's book is kept in sync: the documented procedure. */
enum feed_book_sync {
	FEED_SYNC_NONE = 0,
	/* REST snapshot (last_id L) + buffered deltas [U, u]: drop u <= L; the
	 * first applied has U <= L + 1 <= u; then U == previous u + 1 (Binance
	 * spot, Gate order_book_update, MEXC aggre.depth fromVersion/toVersion). */
	FEED_SYNC_REST_UU,
	/* REST snapshot + deltas: drop u < L; first U <= L <= u; then pu ==
	 * previous u (Binance USD-M futures). */
	FEED_SYNC_REST_PU,
	/* The stream sends a snapshot, then deltas whose prev_id == previous
	 * last_id; last_id < prev_id is a legal reset (OKX books). */
	FEED_SYNC_WS_PREV,
	/* The stream sends a snapshot, then deltas with last_id == previous + 1;
	 * a new snapshot (or last_id 1) resets (Bybit orderbook.N). */
	FEED_SYNC_WS_SEQ,
	/* The stream sends a snapshot, then deltas without ids; the checksum
	 * (has_ck) proves the book (Kraken v2 book). Also Coinbase level2, whose
	 * adapter sets ev.gap on a sequence_num gap (resync = resubscribe). */
	FEED_SYNC_WS_PLAIN,
	/* Every message is a whole top-N book (a snapshot each time). */
	FEED_SYNC_WS_FULL,
	/* REST snapshot (seqId L) + buffered deltas chained by prev_id: drop
	 * last_id <= L; the first kept has prev_id <= L < last_id (else the
	 * snapshot is stale: fetch again); then prev_id == the previous
	 * last_id; last_id == prev_id is an unchanged book; last_id < prev_id
	 * is the venue's sequence reset (a resync). Stream snapshots are
	 * ignored (OKX books since its initial snapshot was delisted). */
	FEED_SYNC_REST_PREV,
};

struct feed_venue_ctx;

/* Order-book support of a venue (ops->book); all zero = no l2 channel. */
struct feed_venue_book_ops {
	uint8_t sync;	      /* enum feed_book_sync */
	uint8_t ck_levels;    /* levels per side the checksum covers (OKX 25, Kraken 10) */
	uint8_t resubscribe;  /* a resync needs the stream resubscribed (no REST snapshot) */
	uint16_t max_levels;  /* levels per side the venue's book can reach at the depth
				 we subscribe (our local book's capacity); 0 = book_depth */
	uint32_t rest_weight; /* request weight of one snapshot (rate limiter) */
	/* REST snapshot request for symbol sym: path and query ("/api/v3/depth?
	 * symbol=BTCUSDT&limit=1000") into buf. NULL: snapshots come on the
	 * stream. Returns 0 with *n, or -ENOBUFS. */
	int (*rest_snapshot)(struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
			     size_t *n);
	/* Parses a REST snapshot body into ev (kind SNAPSHOT; levels in v->lv).
	 * Returns 0, or -EBADMSG / -EMSGSIZE (more levels than v->lv_cap) with
	 * the reason in v->reason. */
	int (*rest_parse)(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			  struct feed_book_ev *ev);
	/* The venue's checksum over the top levels (best first, at most
	 * ck_levels each), compared with ev.checksum when ev.has_ck. */
	uint32_t (*checksum)(const struct feed_venue_ctx *v, uint32_t sym,
			     const struct feed_book_lvl *bids, uint32_t nb,
			     const struct feed_book_lvl *asks, uint32_t na);
	/* Optional (resubscribe): the texts that drop and re-request symbol
	 * sym's depth stream; unsub may be empty (*un = 0). Returns 0 or
	 * -ENOBUFS. */
	int (*resubscribe_msgs)(struct feed_venue_ctx *v, uint32_t sym, char *unsub, size_t ulen,
				size_t *un, char *sub, size_t slen, size_t *sn);
};

/* ---- REST fallback (rest_fallback_after) ------------------------------------------ */

/*
 * While a session's WebSocket is down, feedd/fallback.c polls the venue's
 * public REST ticker (best bid/ask with sizes) and recent trades. The
 * adapter only formats the request paths and parses the answers into the
 * values below; fallback.c orders trades, drops those already published
 * (a poll overlaps the previous one), sets GAP and makes the ticks (all
 * with MDBUS_FLAG_REST).
 */
#define FEED_REST_TRADES_MAX 1000u /* trades one answer may carry */

/* One trade of a REST answer. */
struct feed_rest_trade {
	int64_t px;    /* at the symbol's price decimals */
	int64_t qty;   /* at the symbol's qty decimals (contracts as feed_venue_qty) */
	uint64_t id;   /* venue trade id, or its hash (flags has MDBUS_FLAG_TID_HASH) */
	int64_t ts;    /* exchange time, ns; 0 = none */
	uint8_t flags; /* MDBUS_FLAG_BUY / SELL (aggressor), MDBUS_FLAG_TID_HASH */
};

/* REST support of a venue (ops->rest); all zero = no REST fallback. */
struct feed_venue_rest_ops {
	uint32_t ticker_weight; /* request weight of one ticker poll (rate limiter) */
	uint32_t trades_weight; /* ... of one recent-trades poll */
	/* 1: the recent trades' ids are the live stream's (one id space per
	 * instrument), so the fallback starts after the last live trade by
	 * id; 0: by its time. */
	uint8_t same_ids;
	/* Path and query for symbol sym ("/api/v3/ticker/bookTicker?symbol=
	 * BTCUSDT") into buf. Returns 0 with *n, -ENOBUFS or -EINVAL. */
	int (*ticker_path)(const struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
			   size_t *n);
	int (*trades_path)(const struct feed_venue_ctx *v, uint32_t sym, char *buf, size_t len,
			   size_t *n);
	/* The ticker body into *b and *exch_ts (ns, 0 = none). Returns 0 or
	 * -EBADMSG with the reason in v->reason. */
	int (*ticker_parse)(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			    struct mdbus_bbo *b, int64_t *exch_ts);
	/* The recent-trades body into t[0..*nt) (any order; at most cap).
	 * Returns 0, -EBADMSG (reason in v->reason) or -EMSGSIZE (more than cap). */
	int (*trades_parse)(struct feed_venue_ctx *v, uint32_t sym, const uint8_t *body, size_t n,
			    struct feed_rest_trade *t, uint32_t cap, uint32_t *nt);
};

struct feed_venue_ops;

struct feed_venue_ctx {
	const struct feed_venue_ops *ops;
	uint32_t channels;	     /* FEED_CH_* subscribed (config & venue) */
	uint32_t nch;		     /* bits set in channels */
	struct feed_venue_sym *syms; /* nsyms entries, config order */
	uint32_t nsyms;
	uint32_t nstreams;		   /* nsyms * nch */
	struct feed_venue_stream *streams; /* nstreams entries, symbol-major */
	uint32_t *order;		   /* stream indices in the order subs sends them */
	uint32_t *map;			   /* open addressing: native hash -> index + 1 */
	uint32_t map_mask;
	struct feed_venue_req *reqs; /* one per subscribe message of a connection */
	uint32_t nreqs, reqs_cap;
	uint32_t *req_streams; /* the requests' stream sets */
	uint32_t req_streams_n, req_streams_cap;
	uint32_t *set;	    /* scratch: the set being built (nstreams) */
	uint32_t *answered; /* streams answered by the current message */
	uint32_t nanswered;
	uint32_t sub_next;     /* next position in order[] on this connection */
	uint32_t reqs_pending; /* sent, not yet answered */
	uint32_t alone_queued; /* symbols FEED_ALONE_QUEUED */
	uint64_t next_req_id;  /* ids keep growing over reconnects */
	void *priv;	       /* ops->priv_size bytes, zeroed */
	uint8_t *scratch;      /* ops->scratch_size bytes (decoding), allocated once */
	size_t scratch_size;
	void *zs;			/* inflate state (FEED_VENUE_F_GZIP), made once */
	struct feed_venue_decoder *dec; /* scratch and zs are dec's (shared), or NULL */
	struct feed_venue_cursor cur;
	/* FEED_CH_L2: parsed levels of the event being built (both sides),
	 * lv_cap entries allocated once at ctx init; book_depth from the config. */
	struct feed_book_lvl *lv;
	uint32_t lv_cap;
	uint32_t book_depth;
	struct feed_book_ev book; /* the FEED_MSG_BOOK event (out.book points here) */
	const uint8_t *cur_raw;	  /* the message being continued (as given) */
	size_t cur_raw_n;
	const uint8_t *cur_p; /* ... and as decoded */
	size_t cur_n;
	uint8_t cur_binary; /* ... and its binary flag after decoding */
	uint8_t open_sent;  /* ops->open_msg went on this connection */
	/* 1: a contract symbol without contract_size is let through init, its
	 * size to come from the start-up reference data (refdata on, the venue
	 * has ops->ref); feed_venue_contracts_ok checks it afterwards. */
	uint8_t contract_later;
	struct feed_venue_stats st;
	char reason[FEED_VENUE_REASON_MAX];
	char reply[FEED_VENUE_REPLY_MAX];
	/* Wall clock for requests that carry a time (Gate's "time", seconds,
	 * within 60 s of the server's): feed_venue_subscribe_next and
	 * feed_venue_ping set wall_ns from clock (NULL = CLOCK_REALTIME)
	 * before the adapter formats. Tests set clock to fix the time. */
	int64_t (*clock)(void);
	int64_t wall_ns;
};

/* ---- reference data (start-up, [session] refdata) --------------------------------- */
/* One instrument's rules as the venue publishes them; every decimal is a
 * mantissa at its own number of decimals, trailing zeros stripped
 * ("0.01000000" -> 1 at 2). 0 = not published. */
struct feed_ref_instr {
	int64_t tick;	  /* price step */
	int64_t lot;	  /* quantity step (in the venue's quantity unit) */
	int64_t contract; /* base units per contract (perps/futures), 0 for spot */
	uint8_t tick_dp, lot_dp, contract_dp;
	uint8_t found; /* 1 when the answer listed this symbol */
};

/* Reference data of a venue (ops->ref); request == NULL: none. */
struct feed_venue_ref_ops {
	/* Path and query ("/api/v3/exchangeInfo?symbols=...") of request k of the
	 * session's symbols v->syms[0..v->nsyms) into buf (len bytes) and *n.
	 * Returns 1 when it wrote request k, 0 when there is no request k (k past
	 * the last), -ENOBUFS. Several requests where the venue needs them (one
	 * per market type, or per symbol). */
	int (*request)(struct feed_venue_ctx *v, uint32_t k, char *buf, size_t len, size_t *n);
	/* Parses the body of request k: for every symbol i of v found in it,
	 * fills ref[i] (ref has v->nsyms entries, zeroed by the caller; symbols
	 * not in this answer are left alone). Returns 0, or -EBADMSG with the reason
	 * in v->reason. Never allocates. */
	int (*parse)(struct feed_venue_ctx *v, uint32_t k, const uint8_t *body, size_t n,
		     struct feed_ref_instr *ref);
	uint32_t weight; /* request weight for the venue's rate limiter */
};

/* Filled by on_message. The caller sets ticks and cap; the rest is output. */
struct feed_venue_out {
	struct mdbus_tick *ticks; /* caller's array */
	uint32_t cap;		  /* >= FEED_VENUE_TICKS_MIN */
	uint32_t n;		  /* DATA: ticks written */
	enum feed_msg_class cls;
	uint8_t more;		 /* call again with the same message: more ticks follow */
	const char *reason;	 /* ERROR/REJECT/UNKNOWN: text valid until the next call */
	uint32_t sym;		 /* ERROR/DATA: symbol index, UINT32_MAX if unknown */
	uint64_t req_id;	 /* ACK/REJECT: the request (0 if answered per stream) */
	const uint32_t *streams; /* ACK/REJECT: the streams answered (v->answered) */
	uint32_t nstreams;
	uint32_t sym_first; /* ACK/REJECT: first symbol answered */
	uint32_t sym_count; /* ACK/REJECT: distinct symbols answered */
	uint8_t split;	    /* REJECT of a multi-symbol request: nothing is rejected
			       yet, each symbol is queued for a request of its own */
	uint8_t alone;	    /* ACK/REJECT of a single-symbol (re)try */
	const char *reply;  /* REPLY: text to send back (in ctx->reply) */
	size_t reply_len;
	const struct feed_book_ev *book; /* BOOK: the event (in ctx->book) */
};

#define FEED_VENUE_DECIMALS 8

struct feed_venue_ops {
	const char *name;	 /* "binance": the config's venue = */
	const char *default_url; /* used when the session has no url */
	/* The venue's documented REST host ("https://api.binance.com"): l2 REST
	 * snapshots go there unless the session sets rest_url or url. */
	const char *default_rest_url;
	/* Per enum mdbus_market, where that market lives when it is not
	 * default_url (Bybit /linear, Gate's futures host); NULL = default_url. */
	const char *market_url[MDBUS_MARKET_FUTURE + 1];
	/* Per channel bit (0 trades, 1 bbo, 2 l2), the path of the host that
	 * serves it when it is not the session URL's own (Binance USD-M
	 * futures: @aggTrade on /market, @bookTicker on /public); NULL = the
	 * URL's path. Channels on different paths go on different
	 * connections (feed_venue_plan). */
	const char *channel_path[FEED_CH_COUNT];
	uint32_t channels; /* FEED_CH_* supported */
	uint32_t markets;  /* 1 << MDBUS_MARKET_*: the symbol forms it takes */
	struct feed_venue_limits limits;
	/* Defaults when the config sets none; 0 = FEED_VENUE_DECIMALS (every
	 * venue today: 8 fits any crypto price and size exactly). */
	uint8_t price_decimals;
	uint8_t qty_decimals;
	uint8_t qty_unit;		 /* default enum mdbus_qty_unit for contracts */
	uint32_t flags;			 /* FEED_VENUE_F_* */
	size_t priv_size;		 /* venue-private state in ctx->priv */
	size_t scratch_size;		 /* decode buffer; 0 = none (required by GZIP/decode) */
	const char *ping_text;		 /* our constant keepalive text, see ping below */
	struct feed_venue_book_ops book; /* FEED_CH_L2 (channels has the bit) */
	struct feed_venue_rest_ops rest; /* REST fallback (rest_fallback_after) */
	struct feed_venue_ref_ops ref;

	/* Optional: set up / tear down private state (once per session). init
	 * may refuse the session's set-up: a negative errno, with its reason in
	 * v->reason (ctx_init reports it). */
	int (*init)(struct feed_venue_ctx *v);
	void (*fini)(struct feed_venue_ctx *v);
	/* Optional: a new connection starts (after the generic reset). */
	void (*reset)(struct feed_venue_ctx *v);

	/* "BTC-USDT" -> "BTCUSDT". Returns 0, -EINVAL (includes a market the
	 * venue does not list), -ENAMETOOLONG. */
	int (*native_symbol)(const char *norm, char *out, size_t len);
	/* Formats one subscribe request for streams[0..n) (indices into
	 * v->streams, already within the limits and grouping) with request id
	 * req_id. Returns 0 with *out_len, or -ENOBUFS if it does not fit len
	 * (subs.c then tries fewer streams). No side effects. */
	int (*subscribe)(struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			 uint64_t req_id, char *buf, size_t len, size_t *out_len);
	/* Optional: one text sent on each new connection before its first
	 * subscribe request, outside the request table (no streams; the
	 * adapter classifies its answer): Kraken's instrument channel, whose
	 * precisions its book checksum needs. Returns 0 with *out_len (0 =
	 * nothing to send) or -ENOBUFS. */
	int (*open_msg)(struct feed_venue_ctx *v, char *buf, size_t len, size_t *out_len);
	/* Optional decode stage (protobuf, a venue's own compression): turns
	 * the frame into the bytes on_message parses, into v->scratch. Returns
	 * 0 with *out and *out_n, or a negative errno (counted, class ERROR). */
	int (*decode)(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
		      const uint8_t **out, size_t *out_n);
	/* Classifies one complete (decoded) message; fills out (never
	 * allocates). When out->ticks is full with items left, set out->more
	 * and keep the place in v->cur; the next call (v->cur.active set)
	 * resumes. Returns 0; a bad message is out->cls = FEED_MSG_ERROR, not
	 * an error return. -EINVAL only for caller misuse. */
	int (*on_message)(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			  int64_t recv_ns, struct feed_venue_out *out);
	/* Optional: our keepalive as venue text, a constant (ping_text) or
	 * built per call (ping: the time in it). Neither, or *n = 0: WS ping. */
	int (*ping)(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n, int64_t now_ns);
};

/* The venue's default price (qty = 0) or quantity (qty = 1) decimals. */
static inline uint8_t feed_venue_default_decimals(const struct feed_venue_ops *ops, int qty)
{
	uint8_t d = qty ? ops->qty_decimals : ops->price_decimals;

	return d ? d : FEED_VENUE_DECIMALS;
}

/* After the reference data: every contract symbol of v whose quantities
 * need the contract size (qty_unit contracts, or converted from the
 * venue's unit) has one. Returns 0, or -EINVAL with the symbol in err. */
int feed_venue_contracts_ok(const struct feed_venue_ctx *v, char *err, size_t errlen);

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

/* ---- the connection plan (plan.c) ------------------------------------------ */

/* One connection of a session: the channels it carries (all on one path)
 * for a run of the config's symbols. */
struct feed_venue_conn_plan {
	uint32_t channels;  /* FEED_CH_* on this connection */
	uint32_t sym_first; /* the config's symbols [sym_first, sym_first + sym_count) */
	uint32_t sym_count;
	uint32_t streams; /* sym_count x channels */
	const char *path; /* ops->channel_path of its channels; NULL = the URL's path */
};

#define FEED_VENUE_CONNS_MAX 4096u /* connections per session */

/* Streams one connection of this session may carry: the venue's
 * limits.streams_per_conn, lowered by the session's streams_per_conn
 * (never raised); 0 = no limit. */
uint32_t feed_venue_conn_limit(const struct feed_venue_ops *ops,
			       const struct feed_session_config *sc);

/*
 * Plans the session's connections: first by route (channels whose
 * ops->channel_path differ go on different connections, routes in channel
 * bit order), then by feed_venue_conn_limit: a route's symbols are cut
 * into runs of limit / (its channels) symbols, so a symbol's streams of
 * one route stay on one connection; only when one symbol's streams of a
 * route exceed the limit does each channel get connections of its own.
 * Fills out[0 .. min(count, cap)) and returns the count (call with cap 0
 * to size the array), or -EINVAL (no symbols or channels) / -E2BIG (more
 * than FEED_VENUE_CONNS_MAX connections).
 */
int feed_venue_plan(const struct feed_venue_ops *ops, const struct feed_session_config *sc,
		    struct feed_venue_conn_plan *out, uint32_t cap);

/* Builds the ctx of one planned connection (conn = its index in the plan,
 * recorded in every stream's .conn): the symbols and channels of pc only,
 * as feed_venue_ctx_init does for the whole session. limit is the
 * streams-per-connection bound to check (0 = none). Same returns. */
int feed_venue_ctx_init_conn(struct feed_venue_ctx *v, const struct feed_venue_ops *ops,
			     const struct feed_session_config *sc,
			     const struct feed_venue_conn_plan *pc, uint32_t conn, uint32_t limit,
			     char *err, size_t errlen);

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
 * builds the next request: a set of streams within ops->limits (grouping,
 * streams per request, req_bytes; fewer if the adapter says -ENOBUFS),
 * registers it and has the adapter format it. Symbols queued to go alone
 * (see enum feed_alone) get requests of their own. Returns 1 built, 0
 * nothing left, -ENOBUFS if not even one stream fits len, -ENOSPC if the
 * request table is full (cannot happen within one connection). */
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

/* Wall-clock ns since the epoch: v->clock() if set, else CLOCK_REALTIME
 * (vDSO, no syscall). Stored in v->wall_ns too. */
int64_t feed_venue_wall_now(struct feed_venue_ctx *v);

int feed_venue_on_message(struct feed_venue_ctx *v, const uint8_t *p, size_t n, int binary,
			  int64_t recv_ns, struct feed_venue_out *out);
int feed_venue_ping(struct feed_venue_ctx *v, char *buf, size_t len, size_t *n, int64_t now_ns);

/* ---- helpers for adapters: symbols and streams ------------------------------- */

/* Adds symbol i's native name to the map (set-up only). Returns 0 or
 * -EEXIST (two symbols with one native name). (symmap.c) */
int feed_venue_map_insert(struct feed_venue_ctx *v, uint32_t i);

/* native_symbol for the venues that name a spot pair by joining its parts
 * ("BTC-USDT" -> "BTCUSDT": Binance, MEXC); spot only. (symmap.c) */
int feed_venue_native_joined(const char *norm, char *out, size_t len);

/* Symbol index of a native name (exact bytes, not NUL-terminated).
 * Returns 0 with *idx, or -ENOENT. No allocation. */
int feed_venue_lookup(const struct feed_venue_ctx *v, const char *native, size_t len,
		      uint32_t *idx);

/* The ERROR halves of the two below, out of line (symmap.c): an ERROR
 * "unknown symbol" or "missing or bad symbol field" in out. */
void feed_venue_unknown_symbol(struct feed_venue_ctx *v, struct feed_venue_out *out,
			       const char *native, size_t len);
void feed_venue_bad_symbol_field(struct feed_venue_ctx *v, struct feed_venue_out *out,
				 const char *what);

/* feed_venue_lookup, or an ERROR "unknown symbol" in out: 0 or -ENOENT.
 * Inline: every venue message takes this path (one call, the lookup). */
static inline int feed_venue_lookup_msg(struct feed_venue_ctx *v, struct feed_venue_out *out,
					const char *native, size_t len, uint32_t *idx)
{
	if (feed_venue_lookup(v, native, len, idx) == 0)
		return 0;
	feed_venue_unknown_symbol(v, out, native, len);
	return -ENOENT; /* here, not in the callee: *idx is set exactly when 0 */
}

/* The same for a JSON string field (what: its name, for the ERROR):
 * 0, -EINVAL (missing, not a plain string) or -ENOENT. */
static inline int feed_venue_symbol_field(struct feed_venue_ctx *v, struct feed_venue_out *out,
					  const struct feed_json_val *f, const char *what,
					  uint32_t *idx)
{
	if (f->type != FEED_JSON_STRING || f->escaped) {
		feed_venue_bad_symbol_field(v, out, what);
		return -EINVAL;
	}
	return feed_venue_lookup_msg(v, out, f->p, f->n, idx);
}

/* Stream index s -> symbol index and channel bit (FEED_CH_*). */
static inline void feed_venue_stream(const struct feed_venue_ctx *v, uint32_t s, uint32_t *sym,
				     uint32_t *ch)
{
	*sym = v->streams[s].sym;
	*ch = v->streams[s].ch;
}

/* Stream index of (symbol i, channel ch), or UINT32_MAX if ch is not
 * subscribed. */
uint32_t feed_venue_stream_of(const struct feed_venue_ctx *v, uint32_t i, uint32_t ch);

/* Writes the native names of streams[0..n) at buf + *o as the body of a
 * JSON list ("BTC/USD","ETH/USD"), keeping `tail` bytes free after it for
 * the rest of the request. Returns 0 with *o advanced, or -ENOBUFS. (subs.c) */
int feed_venue_put_natives(const struct feed_venue_ctx *v, const uint32_t *streams, uint32_t n,
			   char *buf, size_t len, size_t *o, size_t tail);

/* ---- helpers for adapters: answers (subs.c) ---------------------------------- */

/* Answers every open stream of request id (ok = 1 acked, 0 rejected) and
 * fills out (class, streams answered, req fields). A rejected request
 * naming several symbols rejects none of them (unless the venue sets
 * FEED_VENUE_F_REJECT_EXACT): they are queued to be subscribed one request
 * each (out->split). A rejected request of one symbol marks it dead.
 * Returns 0 or -ENOENT (unknown or already answered id). */
int feed_venue_req_done(struct feed_venue_ctx *v, uint64_t id, int ok, struct feed_venue_out *out);

/* Answers one stream named by the venue: (native symbol, channel ch), in
 * request req_id, or in whichever request holds it if req_id is 0 (venues
 * without ids: Coinbase's subscription list, MEXC's echo). A rejection
 * that names the stream is exact: the stream is rejected and its symbol
 * dead unless another of its streams was acked. Several calls per message
 * accumulate in out. Returns 0; -ENOENT (unknown symbol, channel not
 * subscribed, req_id not the stream's request); -EALREADY (the stream
 * is not waiting for an answer: e.g. a cumulative list repeats it). */
int feed_venue_stream_done(struct feed_venue_ctx *v, uint64_t req_id, const char *native,
			   size_t len, uint32_t ch, int ok, struct feed_venue_out *out);

/* The oldest request still waiting for an answer (for a venue whose
 * errors carry no id). Returns 0 with *id, or -ENOENT. */
int feed_venue_req_oldest(const struct feed_venue_ctx *v, uint64_t *id);

/* ---- helpers for adapters: ticks, flags, sequences ---------------------------- */

/* Sequence hook: `seq` for symbol i, channel ch must be last + 1 (when
 * contiguous) or just > last (otherwise). A violation flags a gap on that
 * symbol only. Returns 1 if a gap was flagged, 0 otherwise; seq is stored. */
int feed_venue_seq_check(struct feed_venue_ctx *v, uint32_t i, uint32_t ch, uint64_t seq,
			 int contiguous);

/* Flags for symbol i's next tick of channel ch (FEED_CH_*): MDBUS_FLAG_GAP
 * once per kind after a gap, so a consumer of one kind (BBO only, trades
 * only) learns of every reconnection. */
static inline uint8_t feed_venue_take_flags(struct feed_venue_ctx *v, uint32_t i, uint32_t ch)
{
	if (__builtin_expect(v->syms[i].gap_pending & ch, 0)) {
		v->syms[i].gap_pending &= (uint8_t)~ch;
		return MDBUS_FLAG_GAP;
	}
	return 0;
}

/* The next tick of out for symbol i (kind MDBUS_KIND_*, flags = side and
 * extra MDBUS_FLAG_* bits; GAP is added here), zeroed but for the header;
 * counts it. exch_ts 0 sets MDBUS_FLAG_NO_EXCH_TS: the venue sent no time.
 * NULL when out is full: set out->more, save the place in v->cur, return. */
static inline struct mdbus_tick *feed_venue_tick(struct feed_venue_ctx *v,
						 struct feed_venue_out *out, uint32_t i,
						 uint8_t kind, uint8_t flags, int64_t exch_ts,
						 int64_t recv_ns)
{
	struct feed_venue_sym *sym = &v->syms[i];
	struct mdbus_tick *t;
	uint32_t ch = kind == MDBUS_KIND_TRADE ? FEED_CH_TRADES
		      : kind == MDBUS_KIND_BBO ? FEED_CH_BBO
					       : FEED_CH_L2;

	if (out->n >= out->cap)
		return NULL;
	t = &out->ticks[out->n++];
	t->instrument = sym->instrument;
	t->kind = kind;
	t->flags = (uint8_t)(flags | feed_venue_take_flags(v, i, ch) |
			     (exch_ts == 0 ? MDBUS_FLAG_NO_EXCH_TS : 0));
	t->reserved = 0;
	t->exch_ts = exch_ts;
	t->recv_ts = recv_ns;
	t->u.raw[3] = 0;
	sym->ticks++;
	sym->last_recv_ns = recv_ns;
	out->cls = FEED_MSG_DATA;
	out->sym = i;
	return t;
}

/* Symbol i's BBO tick (feed_venue_tick) carrying b; NULL when out is full. */
static inline struct mdbus_tick *feed_venue_bbo(struct feed_venue_ctx *v,
						struct feed_venue_out *out, uint32_t i,
						int64_t exch_ts, int64_t recv_ns,
						struct mdbus_bbo b)
{
	struct mdbus_tick *t = feed_venue_tick(v, out, i, MDBUS_KIND_BBO, 0, exch_ts, recv_ns);

	if (t)
		t->u.bbo = b;
	return t;
}

/* Ends symbol i's book event v->book, its levels in v->lv (nb bids, then na
 * asks): times, level pointers, and out as a BOOK of symbol i. */
static inline void feed_venue_book_done(struct feed_venue_ctx *v, struct feed_venue_out *out,
					uint32_t i, uint32_t nb, uint32_t na, int64_t exch_ts,
					int64_t recv_ns)
{
	struct feed_book_ev *ev = &v->book;

	ev->exch_ts = exch_ts;
	ev->recv_ts = recv_ns;
	ev->bids = v->lv;
	ev->nbids = nb;
	ev->asks = v->lv + nb;
	ev->nasks = na;
	v->syms[i].last_recv_ns = recv_ns;
	out->cls = FEED_MSG_BOOK;
	out->book = ev;
	out->sym = i;
}

/* Errors, trade id hashes, decimals and timestamps: vparse.h. */
#include "vparse.h" /* IWYU pragma: export */

/* ---- decoding (decode.c) ------------------------------------------------------ */

/* gzip, zlib or raw deflate (detected from the header) in p[0..n) into
 * v->scratch; the inflate state (feed_venue_decode_init) is reset per
 * message. Returns 0 with *out and *out_n; -EMSGSIZE when the output exceeds
 * the scratch; -EBADMSG for corrupt input; -ENOMEM (no decode_init). */
int feed_venue_gunzip(struct feed_venue_ctx *v, const uint8_t *p, size_t n, const uint8_t **out,
		      size_t *out_n);
/* Makes the inflate state (ctx_init calls it for a GZIP venue; a decode
 * hook may call it from ops->init). Returns 0 or -ENOMEM. */
int feed_venue_decode_init(struct feed_venue_ctx *v);
/* Frees the inflate state (ctx_free calls it). */
void feed_venue_decode_free(struct feed_venue_ctx *v);

/*
 * One decode scratch and inflate state for many contexts. A message is
 * decoded and parsed to its end (every piece of it: out.more) before the
 * loop thread takes the next one, and the inflate state is reset per
 * message, so the contexts of one thread need one set, not one per
 * connection: a 256 KB scratch whose touched pages stay resident, and
 * inflate windows of 32 KB. Zero-initialised means empty.
 */
struct feed_venue_decoder {
	uint8_t *scratch;
	size_t size;
	void *zs; /* as feed_venue_ctx's, or NULL until a GZIP context brings one */
};
/* After ctx init, on the thread that decodes: v uses d's scratch and
 * inflate state from now on, freeing its own (the first context's become
 * d's). A context whose scratch is larger than d's keeps its own. */
void feed_venue_decoder_adopt(struct feed_venue_decoder *d, struct feed_venue_ctx *v);
/* Frees d's buffers, once every context that adopted it was freed. */
void feed_venue_decoder_free(struct feed_venue_decoder *d);

struct ProtobufCMessageDescriptor; /* <protobuf-c/protobuf-c.h> */
struct ProtobufCMessage;
/* Unpacks the protobuf message p[0..n) of type d with protobuf-c into an
 * arena over v->scratch (emptied at each call: the result lives until the
 * next call, and is never freed). No malloc. Returns 0 with *msg; -EMSGSIZE
 * when the unpacked form does not fit the scratch; -EBADMSG for input that
 * is not a message of type d. */
int feed_venue_pb_unpack(struct feed_venue_ctx *v, const struct ProtobufCMessageDescriptor *d,
			 const uint8_t *p, size_t n, struct ProtobufCMessage **msg);

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
