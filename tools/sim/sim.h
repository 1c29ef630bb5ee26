/* SPDX-License-Identifier: MIT */
/*
 * sim.h: mdbus-sim, a TLS WebSocket exchange simulator for tests and the demo.
 *
 * One thread, one poll() loop (server.c) owning every socket: the listening
 * sockets (one per --listen, each with its venue dialect), the control
 * socket (control.c; the protocol-level faults that write raw frames are in
 * faults.c) and the client connections (conn.c: TLS on the socket fd,
 * HTTP/1.1 upgrade, WebSocket frames through wslay's wslay_frame_* API).
 * The symbols and their random walks (venue.c) are shared by every dialect;
 * a dialect (binance.c, see "How to add a venue" below) does no I/O: it
 * turns subscribe requests into replies and walk steps into the venue's text.
 * This is a test tool, not the product's hot path: it allocates per
 * connection and grows buffers freely.
 */
#ifndef MDBUS_SIM_H
#define MDBUS_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/ssl.h>
#include <wslay/wslay.h>

#include "tools_opt.h" /* tools_error: "mdbus-sim: error: ..." */
#include "tools_run.h" /* tools_now_ns: the clocks */

#include "book.h" /* the level-2 book model (struct sim_book, sim_book_ev) */

#define SIM_MAX_CONNS	   256	       /* client connections at once */
#define SIM_MAX_CTL	   16	       /* control connections at once */
#define SIM_MAX_SYMBOLS	   256	       /* distinct symbols the venue knows */
#define SIM_MAX_LISTENERS  16	       /* --listen ADDR --venue NAME pairs */
#define SIM_NATIVE_MAX	   32	       /* "BTCUSDT" + NUL */
#define SIM_REQ_MAX	   8192	       /* HTTP upgrade request limit */
#define SIM_OUT_MAX	   (64u << 20) /* a client further behind is dropped */
#define SIM_IN_MSG_MAX	   (1u << 20)  /* largest client message accepted */
#define SIM_CLOSE_GRACE_NS 2000000000  /* wait for the peer's close frame */
#define SIM_HOLE_NS	   30000000000 /* a black-holed socket is kept open this long */
#define SIM_DRIBBLE_NS	   100000000   /* endless_headers: one header line per 100 ms */

/* Stream kinds a connection can subscribe to, per symbol (bit mask). */
#define SIM_STREAM_TRADE 0x01u
#define SIM_STREAM_BBO	 0x02u
#define SIM_STREAM_AUX	 0x04u	    /* a dialect's own channel (Coinbase heartbeat): no data */
#define SIM_STREAM_DEPTH 0x08u	    /* level-2 book deltas / snapshots (book.h) */
#define SIM_STREAM_DATA	 0x0bu	    /* the market data bits (trade, bbo, depth): what stats count */
#define SIM_BEAT_NS	 1000000000 /* the dialect's beat hook: once a second */

/* ---- growable byte buffer ----------------------------------------------------------- */

struct sim_buf {
	uint8_t *p;
	size_t len; /* bytes held, starting at p + off */
	size_t off; /* bytes already consumed at the front */
	size_t cap;
};

int sim_buf_append(struct sim_buf *b, const void *p, size_t n);
void sim_buf_consume(struct sim_buf *b, size_t n);
void sim_buf_free(struct sim_buf *b);

/* ---- venue state (venue.c): symbols and random walks, shared by every dialect --------- */

struct sim_symbol {
	char native[SIM_NATIVE_MAX]; /* "BTCUSDT": upper case, no separator */
	char norm[SIM_NATIVE_MAX];   /* "BTC-USDT" when the quote is known, else native */
	int64_t px;		     /* mid price, 8 decimals */
	int64_t tick;		     /* price step, 8 decimals */
	uint64_t trade_id;
	uint64_t update_id;
	uint64_t seq; /* the venue's per-symbol message sequence (Coinbase, OKX seqId) */
};

/* The walk step a dialect printed last, for --record: venue.c fills it in
 * sim_venue_next_trade/next_bbo; a dialect that prints the id or the time
 * otherwise than in decimal / at now_ms says so here (id, no_ts). */
struct sim_last {
	uint8_t kind; /* SIM_STREAM_TRADE or _BBO; 0 = nothing to record */
	uint32_t sym;
	int64_t px, qty, bid, bid_qty, ask, ask_qty;
	int buyer_maker;
	uint64_t update_id;
	char id[64];  /* the trade id as printed: the decimal id unless the dialect says */
	int no_ts;    /* the message carries no exchange time */
	int64_t ms;   /* the time it carries (the server's now_ms, set by the server) */
	int snapshot; /* sent with a subscription's answer (sim_reply_data) */
};

struct sim_venue {
	struct sim_symbol sym[SIM_MAX_SYMBOLS];
	struct sim_last last; /* the last walk step printed (--record) */
	uint32_t nsym;
	int fixed;    /* 1: only --symbols are valid; 0: any plausible symbol */
	uint64_t rng; /* xorshift state */
	struct sim_book *book[SIM_MAX_SYMBOLS]; /* built on first use (book.c) */
	uint64_t book_rng;			/* the books' own xorshift state */
	struct sim_rest_hist *rest_hist; /* REST trade lists (dialect.c), made on first use */
};

/* One step of a symbol's walk as a trade / a best bid and offer: integers
 * at 8 decimals, for the dialect to print (sim_dec). */
struct sim_trade {
	int64_t px, qty;
	int buyer_maker;
	uint64_t id; /* the symbol's next trade id, or the one asked for */
};

struct sim_bbo {
	int64_t bid, bid_qty, ask, ask_qty;
	uint64_t update_id;
};

/* Seeds the venue; symbols is the --symbols list ("BTC-USDT,ETH-USDT") or
 * NULL. Returns 0 or -EINVAL naming the bad symbol in err. */
int sim_venue_init(struct sim_venue *v, const char *symbols, uint64_t seed, char *err,
		   size_t errlen);
/* Finds (or, for a non-fixed venue, creates) the symbol for a native name
 * in any case ("btcusdt", "BTCUSDT"; separators '-', '_', '/' ignored); a
 * trailing SWAP is a symbol of its own (OKX "BTC-USDT-SWAP": a perpetual).
 * Returns the index or -ENOENT for an unknown/implausible one. */
int sim_venue_symbol(struct sim_venue *v, const char *name, size_t n);
/* The string value after key (\"s\":\") in msg, NUL-terminated in out:
 * its length, or -ENOENT (absent, unterminated or longer than len - 1). */
int sim_json_str_after(const char *msg, size_t n, const char *key, char *out, size_t len);
/* sim_venue_symbol of that value: a --replay line's symbol (classify). */
int sim_venue_symbol_after(struct sim_venue *v, const char *msg, size_t n, const char *key);
/* Advances symbol i's walk by one trade (id 0: the symbol's next id). */
void sim_venue_next_trade(struct sim_venue *v, uint32_t i, uint64_t id, struct sim_trade *t);
void sim_venue_next_bbo(struct sim_venue *v, uint32_t i, struct sim_bbo *b);
/* Exact decimal text of m / 10^decimals, every decimal printed. */
void sim_dec(int64_t m, int decimals, char *out, size_t len);
/* The same without trailing zeros ("400.23", "2"), as most venues print. */
void sim_dec_trim(int64_t m, int decimals, char *out, size_t len);
/* RFC 3339 UTC with microseconds: "2026-12-06T23:28:22.061000Z". */
void sim_rfc3339(int64_t ms, char *out, size_t len);
/* A price at 8 decimals, or with extra_decimals more digits (the last one
 * never zero: the badprecision fault a parser must reject, not round). */
void sim_price(int64_t px, int extra_decimals, char *out, size_t len);
/* The venue's xorshift64* generator (walks; book.c uses it on book_rng). */
uint64_t sim_venue_rand(uint64_t *state);
/* Streams subscribed in subs (SIM_STREAM_* bits per symbol). */
uint32_t sim_subs_count(const uint8_t *subs);

/* ---- dialects (binance.c, ...): no I/O --------------------------------------------- */

/*
 * How to add a venue to the simulator
 *
 * A dialect is one file (tools/sim/VENUE.c) defining a `const struct
 * sim_dialect sim_dialect_VENUE`, listed in venue.c's sim_dialects[] and in
 * tools/sim/meson.build's sim_dialect_lib (mdbus-sim and the unit tests link
 * it; so does `mdbus-bench feed`, which times feedd's adapter of the same
 * name on the dialect's trades).
 * Its tests: a row of tests/e2e/test_sim_dialects.c, and a line in
 * tests/e2e/test_venues.py's VENUES and tests/e2e/meson.build's venue list
 * (feedd against it, every tick compared with --record); Bybit, Gate and BingX have their rows
 * in tests/e2e/test_sim_bybit_gateio_bingx.c. A market on an endpoint of its own (a perp whose
 * native names are the spot ones) is a dialect of its own in the venue's file (bybit-linear in
 * bybit.c), on its own listener; test_venues.py's FEED_VENUE names its feedd venue.
 * A dialect does no I/O and keeps no state of its own: the symbols and their random walks are
 * the listener's struct sim_venue (venue.c); the dialect only turns requests into subscription
 * changes and replies, and walk steps into the venue's text. The server calls, per listener:
 *
 *   route     at the HTTP upgrade: is this path served (Binance /ws,
 *             /stream?streams=...), and which streams does it subscribe by
 *             itself. Sets *mode (dialect-defined, 0 = plain; Binance 1 =
 *             combined-stream wrapping). Returns 0 or an HTTP status (404...).
 *             Optional: a dialect serving one fixed path leaves it NULL and
 *             names the path in `paths` (sim_dialect_route).
 *   request   every client text message: applies (UN)SUBSCRIBE changes to
 *             subs (SIM_STREAM_* per symbol index; all or nothing) and adds
 *             the reply texts (0..SIM_REPLIES_MAX: one ack per request, or
 *             per symbol for venues that answer so). Returns 0, SIM_REQ_PING
 *             for the client's app-level ping (the replies are the pong,
 *             held back by the noping fault), SIM_REQ_PONG for the client's
 *             answer to the server's app-level ping (counted, no reply), or
 *             -EINVAL (replies hold the venue's error text).
 *   trade     symbol i's next trade: calls sim_venue_next_trade (id != 0
 *             with --numbered) and prints it; extra_decimals > 0 prints the
 *             price with sim_price(px, extra_decimals) (badprecision).
 *             Returns the length or -ENOSPC, never a truncated message
 *             (sim_dialect_trade_step and sim_dialect_print do all that).
 *   bbo       the same for sim_venue_next_bbo (sim_dialect_bbo_step).
 *             Both leave the step in v->last for --record (price, qty,
 *             side, id, time): a dialect printing the trade id otherwise
 *             than in decimal copies the text it printed to v->last.id; one
 *             whose message carries no time sets v->last.no_ts.
 *   classify  a --replay line: stream kind and symbol index, or -ENOENT.
 *   ping      optional: the app-level keepalive text the server sends every
 *             --ping-interval ("ping", {"op":"ping"}...). NULL: WebSocket ping
 *             frames, as Binance.
 *   frame     optional: the payload and opcode of every server message
 *             (data and replies; sym < 0 and kind 0 for a reply): Binance
 *             wraps combined streams as {"stream":..,"data":..}; a gzip venue
 *             deflates every message into a binary frame; a protobuf venue
 *             encodes there. Returns 1 (out filled), 0 (send p as a text frame
 *             unchanged), SIM_FRAME_DROP (the venue sends nothing on this
 *             connection: a stream subscribed on a path that does not carry
 *             it, Binance USD-M's routes) or -errno. NULL: text frames as
 *             they are.
 *   beat      optional: once a second per open connection, the venue's own
 *             periodic messages for what subs holds (Kraken's heartbeat
 *             channel, Coinbase's heartbeat per product): replies, 0 or more.
 *   hello     optional: what the venue sends as soon as a connection is
 *             open (Kraken's status message): replies, 0 or more.
 *   depth     optional (level-2 books, book.h): symbol i's depth message
 *             for ev (a delta of sim_book_step or a snapshot of
 *             sim_book_snapshot; ev->depth is the connection's subscribed
 *             depth for the symbol, 0 = the dialect's default) on a
 *             connection of route mode `mode`. Returns the length or
 *             -ENOSPC. The request hook subscribes SIM_STREAM_DEPTH and may
 *             set out->depth[i] (the levels the subscription asked for).
 *   rest      optional: a plain HTTPS GET (no Upgrade header) on the same
 *             listener: path_query ("/api/v3/depth?symbol=BTCUSDT&limit=100")
 *             -> the body in out, *status 200 (or the venue's error status
 *             with its error body). Returns the body length, -ENOENT (the
 *             server answers 404) or -ENOSPC. A depth snapshot comes from
 *             sim_book_rest_view (the stale_snapshot fault).
 *   book_flags SIM_BOOK_STREAM_SNAPSHOT: a depth subscription is answered
 *             with a snapshot on the stream first (the server calls depth
 *             with sim_book_snapshot after the request: OKX, Bybit, Kraken,
 *             Coinbase); without it the client fetches REST (Binance, Gate,
 *             MEXC). SIM_BOOK_CHECKSUM: the depth messages carry a checksum
 *             (the bad_checksum fault applies). SIM_BOOK_SEQ_CONN: the
 *             venue numbers a connection's messages, so a dropped delta
 *             reaches the depth hook (ev->dropped) to skip a number.
 *             SIM_BOOK_FULL: the full_book fault pushes the whole book.
 *
 * Optional hooks a dialect does not have are left out of its initializer.
 * What several dialects need is in dialect.c (below): a step with its numbers
 * as text, printing whole or -ENOSPC, the stream-name parsers, classify by key.
 *
 * A request may answer with data too (a venue's snapshot on subscribe):
 * sim_reply_data adds it, printed from v->last, and it is sent, counted and
 * recorded as market data. Bits above SIM_STREAM_DATA in subs are the
 * dialect's own channels (heartbeat): never data, not counted.
 */

#define SIM_REPLIES_MAX 64 /* one ack per stream: 32 symbols x 2 */
#define SIM_REQ_PING	1
#define SIM_REQ_PONG	2
#define SIM_FRAME_DROP	2 /* frame: this connection gets nothing */

struct sim_replies { /* large: allocate it */
	uint32_t n;
	uint16_t depth[SIM_MAX_SYMBOLS]; /* request: book depth subscribed per symbol (0: unset) */
	size_t off[SIM_REPLIES_MAX], len[SIM_REPLIES_MAX];
	struct sim_last data[SIM_REPLIES_MAX]; /* kind != 0: a data message (snapshot) */
	size_t used;
	char text[16384];
};

/* Appends one reply (printf format); -ENOSPC when full. */
__attribute__((format(printf, 2, 3))) int sim_reply_add(struct sim_replies *r, const char *fmt,
							...);
/* Appends a data message printed from v->last (a snapshot a venue sends on
 * subscribe): sent, counted and recorded as market data, with time ms. */
__attribute__((format(printf, 4, 5))) int
sim_reply_data(struct sim_replies *r, const struct sim_venue *v, int64_t ms, const char *fmt, ...);
/* Reply k as a NUL-terminated string. */
const char *sim_reply(const struct sim_replies *r, uint32_t k);

struct sim_dialect {
	const char *name;  /* --venue NAME */
	const char *paths; /* the upgrade paths served, for the usage text */
	int (*route)(struct sim_venue *v, const char *target, uint8_t *subs, int *mode);
	int (*request)(struct sim_venue *v, const char *msg, size_t n, uint8_t *subs,
		       struct sim_replies *out);
	int (*trade)(struct sim_venue *v, uint32_t i, int64_t now_ms, int extra_decimals,
		     uint64_t id, char *buf, size_t len);
	int (*bbo)(struct sim_venue *v, uint32_t i, int64_t now_ms, char *buf, size_t len);
	int (*classify)(struct sim_venue *v, const char *msg, size_t n, uint8_t *kind);
	int (*ping)(int64_t now_ms, char *buf, size_t len);
	int (*frame)(const struct sim_venue *v, int mode, int sym, uint8_t kind, const void *p,
		     size_t n, struct sim_buf *out, uint8_t *opcode);
	int (*beat)(struct sim_venue *v, const uint8_t *subs, int64_t now_ms,
		    struct sim_replies *out);
	int (*hello)(struct sim_venue *v, uint64_t conn_id, int64_t now_ms,
		     struct sim_replies *out);
	int (*depth)(struct sim_venue *v, uint32_t i, const struct sim_book_ev *ev, int mode,
		     char *out, size_t len);
	int (*rest)(struct sim_venue *v, const char *path_query, char *out, size_t len,
		    int *status);
	unsigned book_flags; /* SIM_BOOK_* */
};

#define SIM_BOOK_STREAM_SNAPSHOT 0x1u /* a depth subscription gets a snapshot on the stream */
#define SIM_BOOK_CHECKSUM	 0x2u /* depth messages carry a checksum */
/* The venue numbers every message of a connection (Coinbase Advanced Trade's
 * sequence_num): a dropped delta (drop_delta) still goes through the depth
 * hook, with ev->dropped set, which skips the connection's next number and
 * prints nothing (returns 0), so the client sees the hole. */
#define SIM_BOOK_SEQ_CONN 0x4u
/* The venue pushes a whole book mid-stream now and then (Gate's "full":true,
 * which replaces the client's book): the full_book fault sends a step's
 * book (sim_book_snapshot at the connection's depth) through the depth hook
 * in place of its delta. */
#define SIM_BOOK_FULL 0x8u

/* The value of key in a URL query ("symbol" in "/x?symbol=BTCUSDT&limit=5"),
 * NUL-terminated in out: its length, or -ENOENT. */
int sim_query_param(const char *path_query, const char *key, char *out, size_t len);

/* The upgrade route of target for dialect d: its route hook, or (none) the
 * one path in d->paths exactly (mode 0). 0 or an HTTP status (404). */
int sim_dialect_route(const struct sim_dialect *d, struct sim_venue *v, const char *target,
		      uint8_t *subs, int *mode);

/* ---- helpers shared by dialects (dialect.c) ---------------------------------------- */

/* A walk step and its numbers as text, for a dialect to print: full prints
 * every one of the 8 decimals (sim_dec), trim drops the trailing zeros
 * (sim_dec_trim); a badprecision price (extra_decimals > 0) is sim_price's
 * either way. */
#define SIM_TEXT_FULL 0
#define SIM_TEXT_TRIM 1

struct sim_trade_text {
	struct sim_trade t;
	char px[48], qty[40];
};

struct sim_bbo_text {
	struct sim_bbo q;
	char bid[40], bid_qty[40], ask[40], ask_qty[40];
};

/* sim_venue_next_trade / sim_venue_next_bbo of symbol i, with the text. */
void sim_dialect_trade_step(struct sim_venue *v, uint32_t i, uint64_t id, int extra_decimals,
			    int trim, struct sim_trade_text *x);
void sim_dialect_bbo_step(struct sim_venue *v, uint32_t i, int trim, struct sim_bbo_text *x);
/* A hook's message into buf (printf format): its length, or -ENOSPC when it
 * does not fit (never a truncated message). */
__attribute__((format(printf, 3, 4))) int sim_dialect_print(char *buf, size_t len, const char *fmt,
							    ...);
/* A stream name: the symbol part of s after trade_prefix (*bit
 * SIM_STREAM_TRADE) or bbo_prefix (SIM_STREAM_BBO); NULL for another one. */
const char *sim_dialect_prefixed(const char *s, const char *trade_prefix, const char *bbo_prefix,
				 uint8_t *bit);
/* The same for "SYMBOL@trade" / "SYMBOL@bookTicker" (Binance, BingX): the
 * '@', or NULL. */
const char *sim_dialect_at_stream(const char *s, uint8_t *bit);
/* classify for a venue whose messages name their stream under key
 * ("\"topic\":\""): parse (the dialect's subscribe parser) turns that name into
 * symbol and kind. The symbol index, or -ENOENT (kind 0). */
int sim_dialect_classify_by(struct sim_venue *v, const char *msg, size_t n, const char *key,
			    int (*parse)(struct sim_venue *v, const char *name, int *sym,
					 uint8_t *bit),
			    uint8_t *kind);
/* classify for a venue whose messages carry a mark of their kind (trade_mark
 * first, then bbo_mark; neither: kind 0) and the symbol after sym_key: the
 * symbol index or -ENOENT. */
int sim_dialect_classify_marked(struct sim_venue *v, const char *msg, size_t n,
				const char *trade_mark, const char *bbo_mark, const char *sym_key,
				uint8_t *kind);
/* A UUID's text ("8-4-4-4-12" hex digits) from the bits of h and g, with
 * the version and variant digits given ('4', 'a'). */
void sim_dialect_uuid(uint64_t h, uint64_t g, char version, char variant, char *out, size_t len);
/* Binance's combined-stream wrapper {"stream":"btcusdt@SUFFIX","data":p}
 * around a data message of symbol sym (binance.c; USD-M names its trade
 * stream aggTrade). Returns 1 (out filled) or -ENOMEM. */
int sim_binance_combined(const struct sim_venue *v, int sym, const char *suffix, const void *p,
			 size_t n, struct sim_buf *out, uint8_t *opcode);

/* Binance's diff depth stream name in s ("@depth", "@depth@100ms", ...):
 * the '@', or NULL. */
const char *sim_binance_depth_at(const char *s);
/* A depthUpdate of symbol i (futures: with T and pu) / a REST depth
 * snapshot body (futures: with E and T) for path_query's symbol and limit:
 * the length, or -ENOSPC; a bad query is a 400 with Binance's error body. */
int sim_binance_depth_msg(const struct sim_venue *v, uint32_t i, const struct sim_book_ev *ev,
			  int futures, char *buf, size_t len);
int sim_binance_rest_depth(struct sim_venue *v, const char *path_query, int futures, char *out,
			   size_t len, int *status);
/* The REST fallback answers under base ("/api/v3/", "/fapi/v1/"):
 * ticker/bookTicker?symbol= (futures: with lastUpdateId and time) and
 * trades?symbol=&limit= (the last trades, oldest first, at most 64;
 * futures: the individual trade ids) and, futures only,
 * aggTrades?symbol=&limit= (the stream's aggregate ids); a bad query is a
 * 400 with Binance's error body; -ENOENT for another path. */
int sim_binance_rest_fallback(struct sim_venue *v, const char *path_query, const char *base,
			      int futures, char *out, size_t len, int *status);

extern const struct sim_dialect sim_dialect_binance;
extern const struct sim_dialect sim_dialect_coinbase;
extern const struct sim_dialect sim_dialect_kraken;
extern const struct sim_dialect sim_dialect_okx;
extern const struct sim_dialect sim_dialect_mexc;
extern const struct sim_dialect sim_dialect_binance_futures;
extern const struct sim_dialect sim_dialect_bybit;
extern const struct sim_dialect sim_dialect_bybit_linear;
extern const struct sim_dialect sim_dialect_gateio;
extern const struct sim_dialect sim_dialect_gateio_futures;
extern const struct sim_dialect sim_dialect_bingx;
extern const struct sim_dialect sim_dialect_bingx_swap;
/* The dialect called name, or NULL; the i-th one (NULL past the last);
 * sim_dialect_names lists them all ("binance, ..."). */
const struct sim_dialect *sim_dialect_find(const char *name);
const struct sim_dialect *sim_dialect_get(size_t i);
void sim_dialect_names(char *out, size_t len);

/* ---- connections (conn.c) ----------------------------------------------------------- */

enum sim_conn_state {
	SIM_CS_TLS,	/* TLS handshake in progress */
	SIM_CS_HTTP,	/* reading the upgrade request */
	SIM_CS_DELAY,	/* request read, response held back (delay_handshake) */
	SIM_CS_DRIBBLE, /* endless_headers: response header lines, never the end */
	SIM_CS_OPEN,	/* WebSocket open */
	SIM_CS_CLOSING, /* close frame sent or received; flush then close */
	SIM_CS_DEAD,	/* to be freed by the loop */
};

struct sim_server;

struct sim_conn {
	int fd;
	uint64_t id;
	SSL *ssl; /* NULL with --plain */
	enum sim_conn_state state;
	struct sim_buf in;  /* plaintext received, not yet parsed */
	struct sim_buf out; /* plaintext waiting to be written */
	wslay_frame_context_ptr wf;
	struct sim_buf msg;  /* WebSocket message being reassembled */
	uint64_t frame_got;  /* payload bytes of the current frame so far */
	uint8_t ctrl[125];   /* control frame payload being received */
	int mode;	     /* the dialect's route mode (Binance: 1 = combined streams) */
	int stalled;	     /* fault: ignore input, send nothing */
	int noping;	     /* fault: do not answer pings */
	int silent;	     /* fault: no market data */
	int blackhole;	     /* fault: stalled, and the peer's close is never noticed */
	int close_after_out; /* close the socket once out is flushed */
	int want_write;	     /* TLS needs POLLOUT to progress */
	int64_t deadline_ns; /* SIM_CS_DELAY: answer at; SIM_CS_CLOSING: give up at */
	int64_t next_ping_ns;
	int64_t next_beat_ns; /* the dialect's beat hook */
	char req_path[256];
	char req_key[64];
	uint8_t subs[SIM_MAX_SYMBOLS];	      /* SIM_STREAM_* per symbol */
	uint32_t trade_seq[SIM_MAX_SYMBOLS];  /* --numbered: trades sent per symbol */
	uint16_t book_depth[SIM_MAX_SYMBOLS]; /* depth subscribed per symbol (0: default) */
	struct sim_server *srv;
	struct sim_listener *l; /* the listener (dialect, venue) it came through */
};

/* Creates a connection for an accepted socket (non-blocking). */
int sim_conn_new(struct sim_server *s, int fd, struct sim_conn **out);
/* Frees everything; with rst the socket is reset (SO_LINGER 0). */
void sim_conn_free(struct sim_conn *c, int rst);
/* Socket readable / writable / timer. Errors mark the connection DEAD. */
void sim_conn_on_readable(struct sim_conn *c, int64_t now_ns);
void sim_conn_flush(struct sim_conn *c);
void sim_conn_on_timer(struct sim_conn *c, int64_t now_ns);
/* Queues one WebSocket frame (server frames are unmasked). */
int sim_conn_send_frame(struct sim_conn *c, uint8_t opcode, const void *p, size_t n);
/* Queues one message (data or reply) through the dialect's frame hook:
 * sym/kind say which stream it belongs to (-1/0 for a reply). */
int sim_conn_send_msg(struct sim_conn *c, int sym, uint8_t kind, const void *p, size_t n);
/* A data message: sent as sim_conn_send_msg, counted in the stats, and with
 * --record written there when e is the step it prints (same sym and kind). */
int sim_conn_send_data(struct sim_conn *c, int sym, uint8_t kind, const void *p, size_t n,
		       const struct sim_last *e);
/* --record: one line for step e sent to c by other means (the fragments
 * fault); nothing without --record or for kind 0. */
void sim_conn_record(struct sim_conn *c, const struct sim_last *e);
/* After a request on c: the depth subscription each symbol got (the
 * request's depth, 0 = the dialect's default) and, for a dialect with
 * SIM_BOOK_STREAM_SNAPSHOT, the book snapshot of each symbol newly
 * subscribed to SIM_STREAM_DEPTH (before: c->subs before the request). */
void sim_conn_depth_subscribed(struct sim_conn *c, const uint8_t *before,
			       const struct sim_replies *rep);
/* --record: one line for a depth message of symbol sym sent to c, with the
 * model's levels and ids (kind "depth", snapshot, first_id, last_id,
 * prev_id, seq, bids, asks); nothing without --record. */
void sim_conn_record_depth(struct sim_conn *c, uint32_t sym, const struct sim_book_ev *ev);
int sim_conn_send_close(struct sim_conn *c, uint16_t code, const char *reason, int64_t now_ns);

/* ---- server (server.c) -------------------------------------------------------------- */

struct sim_options {
	const char *listen[SIM_MAX_LISTENERS]; /* "127.0.0.1:PORT" */
	const char *venue[SIM_MAX_LISTENERS];  /* the i-th --venue goes with the i-th --listen */
	int nlisten, nvenue;		       /* a --listen without a --venue: binance */
	const char *cert;
	const char *key;
	const char *symbols; /* NULL: whatever clients subscribe to */
	const char *control; /* unix socket path or NULL */
	const char *replay;  /* file of raw messages or NULL */
	int plain;
	int numbered; /* trade ids are (connection id << 32) | per-connection count */
	int stamp;    /* trade ids are the CLOCK_REALTIME ns the trade was printed (--stamp) */
	double rate;  /* ticks/s per symbol-stream (replay: lines/s) */
	int64_t ping_interval_ms;
	uint64_t seed;
	const char *record; /* --record FILE: one JSON line per data message sent */
};

struct sim_stats {
	uint64_t accepted;
	uint64_t tls_failed;
	uint64_t upgrades;
	uint64_t refused;
	uint64_t messages_sent; /* data messages (trade, bbo, replay, faults) */
	uint64_t trades_sent;
	uint64_t trades_stamped; /* --stamp: distinct trades stamped (each sent to every subscriber)
				  */
	uint64_t bbo_sent;
	uint64_t depth_sent; /* depth deltas and snapshots (book.h) */
	uint64_t rest_calls; /* plain GETs answered (rest.c) */
	uint64_t rest_429;   /* of which answered 429 (the rest_429 fault) */
	uint64_t pings_sent;
	uint64_t pongs_received;
	uint64_t pings_received;
	uint64_t pongs_sent;
	uint64_t requests;
	uint64_t closes_received;
	uint64_t resets;
};

struct sim_faults {
	int refuse_status; /* 0 = accept upgrades */
	int refuse_retry_after;
	int badaccept;
	int64_t delay_handshake_ms;
	int endless_headers; /* new upgrades: header lines forever */
	int badcert;	     /* new connections: the server's bad_ctx certificate */
	int rest_429;	     /* the next N REST calls: 429 with Retry-After: 1 */
};

/* One --listen ADDR --venue NAME: a socket, a dialect and its own symbols
 * and walks (seeded --seed + index). */
struct sim_listener {
	const char *addr; /* as given */
	const struct sim_dialect *d;
	int lfd;	       /* listening TCP socket, -1 while restarting */
	int64_t relisten_ns;   /* restart: listen again at (monotonic) */
	char listen_addr[160]; /* the address bound first, port included */
	struct sim_venue venue;
	uint64_t accepted, upgrades, messages_sent;
	int64_t rest_minute;  /* the wall-clock minute rest_weight counts (Binance) */
	uint32_t rest_weight; /* X-MBX-USED-WEIGHT-1M */
};

struct sim_server {
	struct sim_options opt;
	SSL_CTX *ssl_ctx;
	SSL_CTX *bad_ctx; /* badcert: an expired/wrong-host/self-signed certificate */
	struct sim_listener lst[SIM_MAX_LISTENERS];
	int nlst;
	struct sim_listener *only; /* control "on L CMD": the listener CMD acts on */
	int cfd;		   /* control listening socket, -1 if none */
	int sigfd;		   /* signalfd for SIGTERM/SIGINT */
	struct sim_conn *conns[SIM_MAX_CONNS];
	int ctl[SIM_MAX_CTL];
	struct sim_buf ctl_in[SIM_MAX_CTL];
	uint64_t next_id;
	struct sim_faults faults;
	struct sim_stats stats;
	double rate;
	int64_t emit_start_ns; /* emission schedule origin */
	uint64_t emitted;      /* emission steps done since emit_start_ns */
	char **replay;	       /* replay lines */
	size_t *replay_len;
	size_t nreplay;
	size_t replay_pos;
	FILE *rec;	       /* --record */
	int stop;	       /* exit status + 1 once a signal arrived */
	char scratch[1 << 18]; /* a message being printed: a 1000-level book snapshot fits */
};

int sim_server_init(struct sim_server *s, const struct sim_options *opt, char *err, size_t errlen);
int sim_server_run(struct sim_server *s); /* returns the exit status */
void sim_server_free(struct sim_server *s);
void sim_server_set_rate(struct sim_server *s, double rate, int64_t now_ns);
/* Does c take a data message of symbol sym (< 0: any) and kind (0: any)? */
int sim_server_wants(const struct sim_conn *c, int sym, uint8_t kind);
/* Queues one data message to c (through its dialect's frame hook), counted;
 * with --record, a message of c's venue's last walk step (v->last, same
 * sym and kind) is written to the record as well. */
void sim_server_send_event(struct sim_server *s, struct sim_conn *c, int sym, uint8_t kind,
			   const char *p, size_t n);
/* Sends one data message to every open, non-silent, non-stalled connection
 * of listener l subscribed to (sym, kind); sym < 0 = every subscribed
 * connection (of every listener when l is NULL). Honours s->only. */
int sim_server_broadcast(struct sim_server *s, struct sim_listener *l, int sym, uint8_t kind,
			 const char *p, size_t n);
/* Whether a control command acts on c (no "on L" prefix, or c is L's). */
int sim_server_selected(const struct sim_server *s, const struct sim_conn *c);
/* Formats connection c's next trade of symbol i (numbered with --numbered)
 * into s->scratch; returns the length or -ENOSPC. */
int sim_server_trade(struct sim_server *s, struct sim_conn *c, uint32_t i);
/* Formats listener l's next event of symbol i and kind (not numbered) into
 * s->scratch, its time noted for --record; returns the length or -ENOSPC. */
int sim_server_step(struct sim_server *s, struct sim_listener *l, uint32_t i, uint8_t kind);
/* Opens l's listening socket on its address (first time) or listen_addr. */
int sim_server_listen(struct sim_listener *l, char *err, size_t errlen);
/* restart: closes every (selected) connection and listener for delay_ms. */
void sim_server_restart(struct sim_server *s, int64_t delay_ms, int64_t now_ns);
/* listen.c: accepts l's pending clients; closes every selected client
 * ("going away"); reopens the listeners whose restart delay is over. */
void sim_server_accept(struct sim_server *s, struct sim_listener *l);
void sim_server_stop_all(struct sim_server *s);
void sim_server_relisten(struct sim_server *s, int64_t now);

/* ---- REST (rest.c) ------------------------------------------------------------------ */

/* REST fallback answers (dialect.c): symbol i's last n trades (at most 64)
 * into t and their times (ms) into ms, oldest first, after the walk moved
 * on by two trades (the walk's next ids, after those the stream published,
 * at times that grow with them; successive polls overlap; a list reaches
 * back over the trades the stream published, as a venue's does). Returns
 * the count (0 on -ENOMEM). */
uint32_t sim_rest_recent(struct sim_venue *v, uint32_t i, uint32_t n, int64_t now_ms,
			 struct sim_trade *t, int64_t *ms);
/* The stream published symbol i's trade v->last (its walk id) at ms: kept
 * for the REST trade lists. */
void sim_rest_note(struct sim_venue *v, uint32_t i, int64_t ms);
/* Frees v's REST trade lists (the server calls it at exit; NULL-safe). */
void sim_rest_free(struct sim_venue *v);
/* The symbol named by query key ("symbol", "instId") of path_query
 * (sim_venue_symbol): its index, or -ENOENT. */
int sim_rest_symbol(struct sim_venue *v, const char *path_query, const char *key);
/* sim_rest_limit for another query key ("count", "sz"): def when absent,
 * max when larger, or -EINVAL (not a positive number). */
int sim_rest_limit_key(const char *path_query, const char *key, long def, long max);

/* Answers a plain GET (no Upgrade header) req for target on c with the
 * dialect's rest hook, keeping the connection open; header reads one
 * request header (conn.c's). */
void sim_rest_answer(struct sim_conn *c, const char *req, const char *target,
		     int (*header)(const char *req, const char *name, char *out, size_t len));

/* ---- reference data (refdata.c) ------------------------------------------------------ */

/* The venue's instrument reference-data answer (exchangeInfo, instruments,
 * AssetPairs, ...: the list in refdata.c) for target on a listener of
 * dialect venue: the body in out with *status. Returns its length, -ENOENT
 * (not a reference-data path) or -ENOSPC. */
int sim_refdata_body(const char *venue, struct sim_venue *v, const char *target, char *out,
		     size_t len, int *status);
/* 1 when target is a reference-data path of dialect venue (a plain GET
 * there is answered even by a dialect without a rest hook), else 0. */
int sim_refdata_path(const char *venue, const char *target);
/* How rest.c sends an answer (its rest_send). */
typedef void (*sim_rest_send_fn)(struct sim_conn *c, int status, const char *extra,
				 const char *body, size_t n, int gzip, int close);
/* Answers target on c with sim_refdata_body through send (the rest_429
 * fault does not apply): 0 when answered, -ENOENT (not reference data) when
 * the caller goes on. */
int sim_refdata_serve(struct sim_conn *c, const char *target, int gzip, int close,
		      sim_rest_send_fn send);

/* ---- control (control.c) ------------------------------------------------------------ */

/* One parsed command line: the words after the command. */
struct sim_cmd_args {
	int nargs; /* words, the command included */
	const char *a1, *a2;
	int64_t now;
};

struct sim_cmd {
	const char *name;
	void (*run)(struct sim_server *s, const struct sim_cmd_args *c, char *reply, size_t len);
};

/* The protocol-level faults (faults.c), looked up after control.c's. */
extern const struct sim_cmd sim_fault_cmds[];
extern const size_t sim_fault_ncmds;
/* The book faults (faults.c): drop_delta, bad_checksum, crossed and
 * stale_snapshot and full_book SYMBOL [N] arm the symbol's book (book.h);
 * rest_429 N. */
void sim_fault_drop_delta(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			  size_t len);
void sim_fault_bad_checksum(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			    size_t len);
void sim_fault_crossed(struct sim_server *s, const struct sim_cmd_args *c, char *reply, size_t len);
void sim_fault_stale_snapshot(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			      size_t len);
void sim_fault_full_book(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			 size_t len);
void sim_fault_rest_429(struct sim_server *s, const struct sim_cmd_args *c, char *reply,
			size_t len);
/* Number in [lo, hi] in the tools' count grammar; 0 or -EINVAL. */
int sim_control_int(const char *s, long lo, long hi, long *out);
/* A command's one number argument (a1) in [lo, hi]: 0, or -EINVAL with
 * "error " and the usage (printf format) written to reply. */
__attribute__((format(printf, 7, 8))) int sim_control_arg(const struct sim_cmd_args *c, long lo,
							  long hi, long *out, char *reply,
							  size_t len, const char *usage, ...);

/* Executes one command line; writes "ok ..." or "error ..." into reply. */
void sim_control_exec(struct sim_server *s, const char *line, char *reply, size_t len);
/* Client mode: sends one command to PATH, prints the reply; exit status. */
int sim_control_client(const char *path, int argc, char **argv);

/* ---- certificates (certs.c) --------------------------------------------------------- */

/* Writes ca.pem, server.{pem,key}, expired.{pem,key}, wronghost.{pem,key},
 * selfsigned.{pem,key} into dir. Returns 0 or -errno with a reason in err. */
int sim_certs_make(const char *dir, char *err, size_t errlen);

#endif /* MDBUS_SIM_H */
