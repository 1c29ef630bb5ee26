/* SPDX-License-Identifier: MIT */
/*
 * mdbus.h: the public contract of libmdbus, the mdbus market-data bus.
 *
 * One writer process (feedd, mdbus-replay, a benchmark) creates a named
 * shared-memory segment at /dev/shm/mdbus-NAME and publishes fixed 56-byte
 * ticks into a lossy broadcast ring of 64-byte slots. Any number of reader
 * processes map the segment read-only and follow the ring at their own pace.
 * The writer never waits for a reader; a reader that falls a whole ring
 * behind is told exactly how many ticks it missed.
 *
 * Conventions (liburing style): a function returns a negative errno value on
 * failure and never sets errno; results come back through out-parameters;
 * mdbus_strerror() turns a return value into text. On success it returns 0,
 * with one rule for the exceptions: a call whose job is to move items
 * returns how many it moved (mdbus_writer_publish_batch, mdbus_reader_read,
 * and mdbus_reader_next, whose 1 or 0 is "a tick" or "nothing yet"); a
 * question returns 1 or 0 (mdbus_reader_writer_alive). mdbus_writer_publish
 * moves exactly one tick or fails, so it returns 0. Functions that return a
 * value that cannot fail (sequence numbers, epochs) say so. All objects are
 * opaque; *_close(NULL) is a no-op.
 *
 * The loop a consumer writes (examples/consumer.c is this loop, complete):
 *
 *	mdbus_reader *r = NULL;
 *	rc = mdbus_reader_follow(&r, &opts, -1);  // opens, waiting for the bus
 *	for (;;) {
 *		rc = mdbus_reader_next(r, &t, &seq, &missed);  // or _read
 *		if (rc == 1) { ...use t (missed > 0: a lap)...; continue; }
 *		if (rc == -EOWNERDEAD) continue;  // a torn tick, skipped
 *		if (rc == 0) rc = mdbus_reader_wait(r, 1000);  // sleeps, no spin
 *		if (rc == 0 || rc == -ETIMEDOUT || rc == -EINTR) continue;
 *		if (rc == -ESHUTDOWN || rc == -ESTALE || rc == -EOWNERDEAD)
 *			rc = mdbus_reader_follow(&r, &opts, -1);  // next writer,
 *		if (rc < 0) ...fatal...;   // read from its first tick; its
 *	}                                  // instrument ids start over
 *
 * Do not loop on mdbus_reader_reattach after -ESHUTDOWN: it does not wait,
 * and with no new writer it only says again why the old one is gone.
 *
 * This header compiles as C11 and as C++ (no _Atomic, no VLAs here); the
 * shared-memory byte map lives in libmdbus/layout.h.
 */
#ifndef MDBUS_H
#define MDBUS_H

#include <errno.h> /* the E* codes every function returns negated */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versions and limits ------------------------------------------------ */

/* MDBUS_VERSION_MAJOR/MINOR/PATCH and MDBUS_VERSION_STRING: the mdbus
 * release these headers come from (generated from the build's version). */
#include "mdbus_version.h"

#define MDBUS_ABI_VERSION     1u /* bumped on any change of the byte map */
#define MDBUS_BUS_DEFAULT     "default"
#define MDBUS_BUS_ENV	      "MDBUS_BUS" /* env var overriding the default bus name */
#define MDBUS_BUS_NAME_MAX    64	  /* [A-Za-z0-9_.-], not starting with '.' */
#define MDBUS_VENUE_MAX	      16	  /* includes the terminating NUL */
#define MDBUS_SYMBOL_MAX      32	  /* includes the terminating NUL */
#define MDBUS_DECIMALS_MAX    18	  /* 10^18 still fits an int64 mantissa */
#define MDBUS_DECIMAL_STR_MAX 24	  /* "-9223372036854775808" + '.' + NUL */

/* ---- ticks ----------------------------------------------------------------- */

enum mdbus_kind {
	MDBUS_KIND_TRADE = 1,
	MDBUS_KIND_BBO = 2,
	MDBUS_KIND_L2 = 3,     /* one price level changed (qty 0 = removed) */
	MDBUS_KIND_STATUS = 4, /* the instrument's session went up/down/stale */
};

/* Tick flags. A trade's side is the aggressor's; an L2 delta's is the book
 * side (BUY = bid, SELL = ask). Neither side bit set = side unknown. */
#define MDBUS_FLAG_BUY	      0x01u
#define MDBUS_FLAG_SELL	      0x02u
#define MDBUS_FLAG_SNAPSHOT   0x04u /* part of a book snapshot, not a delta */
#define MDBUS_FLAG_GAP	      0x08u /* data before this tick may be missing */
#define MDBUS_FLAG_NO_EXCH_TS 0x10u /* the venue sends no time: exch_ts is 0, not made up */
#define MDBUS_FLAG_TID_HASH   0x20u /* trade_id is a 64-bit FNV-1a hash of a non-integer id */
#define MDBUS_FLAG_REST                                                                            \
	0x40u /* from the venue's REST API while its WebSocket is down                             \
		 (rest_fallback_after): polled, not streamed */
/* 0x80: free. */

/* Status tick codes (payload.status.code). */
enum mdbus_status_code {
	MDBUS_STATUS_UP = 1,	/* session live again: expect the GAP flag next */
	MDBUS_STATUS_DOWN = 2,	/* session lost its connection */
	MDBUS_STATUS_STALE = 3, /* no market data within stale_timeout */
	MDBUS_STATUS_FAILED = 4 /* retries exhausted: the session stays down */
};

/*
 * A normalized tick: exactly 56 bytes so that it fits one 64-byte slot with
 * the slot's 8-byte sequence number.
 *
 * Prices and quantities are exact decimals: value = mantissa / 10^decimals,
 * with decimals from the instrument (price_decimals, qty_decimals). They are
 * never floats and are never rounded: a venue value with more significant
 * decimals than the instrument's scale is rejected as a parse error.
 *
 *   off size field
 *     0    4 instrument       id from the instrument table
 *     4    1 kind             enum mdbus_kind
 *     5    1 flags            MDBUS_FLAG_*
 *     6    2 reserved         0
 *     8    8 exch_ts          exchange timestamp, ns since the Unix epoch
 *    16    8 recv_ts          local receive timestamp, CLOCK_REALTIME ns:
 *                             the kernel's software receive stamp of the
 *                             bytes that completed the message (feedd's
 *                             health region says when it fell back to the
 *                             wall clock at the completion: ts_source)
 *    24   32 payload          by kind, below
 */
struct mdbus_trade {
	int64_t price;
	int64_t qty;
	uint64_t trade_id;
	uint64_t reserved;
};

struct mdbus_bbo {
	int64_t bid_px;
	int64_t bid_qty;
	int64_t ask_px;
	int64_t ask_qty;
};

struct mdbus_l2 {
	int64_t price;
	int64_t qty; /* 0 removes the level */
	uint64_t update_id;
	uint64_t reserved;
};

struct mdbus_status {
	uint32_t code;	  /* enum mdbus_status_code */
	uint32_t session; /* session index in the health region */
	uint32_t reason;  /* error class of the last error, 0 = none */
	uint32_t reserved;
	uint64_t reserved2[2];
};

struct mdbus_tick {
	uint32_t instrument;
	uint8_t kind;
	uint8_t flags;
	uint16_t reserved;
	int64_t exch_ts;
	int64_t recv_ts;
	union {
		struct mdbus_trade trade;
		struct mdbus_bbo bbo;
		struct mdbus_l2 l2;
		struct mdbus_status status;
		uint64_t raw[4];
	} u;
};

/*
 * Age of a tick now: CLOCK_REALTIME now minus t->recv_ts, in ns; the time
 * since the kernel received the bytes that completed its message, i.e. the
 * whole path socket -> TLS -> WebSocket -> parse -> ring -> this read.
 * Clocks: both sides are CLOCK_REALTIME of the same host, so no skew
 * between machines enters; a step of the clock (settimeofday, an NTP step
 * rather than a slew) between the stamp and the call shows in the result,
 * which may then even be negative. 0 for a tick without recv_ts. One vDSO
 * clock read, no syscall.
 */
int64_t mdbus_tick_age_ns(const struct mdbus_tick *t);

/* ---- instruments ------------------------------------------------------------ */

/* The market an instrument trades in; its normalized symbol says it:
 * "BTC-USDT" spot, "BTC-USDT-PERP" perpetual swap, "BTC-USD-20261225" dated
 * future (expiry YYYYMMDD). Zero is spot, so older segments read as spot. */
enum mdbus_market {
	MDBUS_MARKET_SPOT = 0,
	MDBUS_MARKET_PERP = 1,
	MDBUS_MARKET_FUTURE = 2,
};

/* What a contract instrument's quantities count. */
enum mdbus_qty_unit {
	MDBUS_QTY_BASE = 0,	 /* base currency units (spot always) */
	MDBUS_QTY_CONTRACTS = 1, /* contracts of contract_size base units each */
};

struct mdbus_instrument {
	uint32_t id;		       /* assigned by the writer, dense from 0 */
	uint8_t price_decimals;	       /* price = mantissa / 10^price_decimals */
	uint8_t qty_decimals;	       /* qty = mantissa / 10^qty_decimals */
	char venue[MDBUS_VENUE_MAX];   /* "binance" */
	char symbol[MDBUS_SYMBOL_MAX]; /* normalized: "BTC-USDT", "BTC-USDT-PERP" */
	char native[MDBUS_SYMBOL_MAX]; /* the venue's own name: "BTCUSDT" */
	uint8_t market;		       /* enum mdbus_market */
	uint8_t qty_unit;	       /* enum mdbus_qty_unit */
	uint8_t contract_decimals;     /* contract size = contract_size / 10^this */
	int64_t contract_size;	       /* base units per contract (mantissa); 0 = spot/unknown */
	uint32_t expiry;	       /* futures: YYYYMMDD (UTC), else 0 */
};

/* ---- writer state (published in the segment header) ----------------------- */

enum mdbus_writer_state {
	MDBUS_WRITER_STARTING = 1,
	MDBUS_WRITER_RUNNING = 2,
	MDBUS_WRITER_STOPPED = 3,  /* closed cleanly */
	MDBUS_WRITER_REPLACED = 4, /* a newer writer took the name over */
};

/* ---- bus names ---------------------------------------------------------------- */

/* Resolves the bus name: `name` if non-NULL and non-empty, else $MDBUS_BUS,
 * else "default"; validates it and writes "/dev/shm/mdbus-NAME" to path.
 * A name has 1..MDBUS_BUS_NAME_MAX-1 characters of [A-Za-z0-9_.-], does not
 * start with '.' and does not end in ".lock" or ".tmp" (the writer's helper
 * files /dev/shm/mdbus-NAME.lock and .tmp would collide with another bus).
 * Returns 0, -EINVAL for a bad name, -ENAMETOOLONG (name or buffer). */
int mdbus_bus_path(const char *name, char *path, size_t len);

/* Writes the resolved bus name (see mdbus_bus_path) into out. */
int mdbus_bus_name(const char *name, char *out, size_t len);

/* ---- writer ------------------------------------------------------------------- */

typedef struct mdbus_writer mdbus_writer;

struct mdbus_writer_opts {
	const char *bus;	  /* NULL: $MDBUS_BUS or "default" */
	uint32_t slots;		  /* ring slots, a power of two >= 64; 0 = 65536 */
	uint32_t max_instruments; /* instrument table capacity; 0 = 4096 */
	uint32_t max_sessions;	  /* health session records; 0 = 64 */
	mode_t mode;		  /* 0 = 0640 */
	gid_t group;		  /* 0 or (gid_t)-1 = the writer's group */
	char *errbuf;		  /* optional: a one-line reason on failure */
	size_t errlen;
};

/*
 * Creates the bus and becomes its only writer. The segment is built under a
 * temporary name, pre-faulted (MAP_POPULATE) and published by rename(), so a
 * reader never maps a half-built segment. A previous segment whose writer is
 * dead is taken over (it is marked REPLACED first, so its readers re-attach).
 * The name lock is the file /dev/shm/mdbus-NAME.lock (flock, held for the
 * writer's life). The new segment's state is RUNNING when this returns.
 * opts may be NULL (all defaults).
 * Returns 0; -EBUSY if a live writer owns the name (its pid in errbuf);
 * -EINVAL for a bad name or geometry; other -errno from the system.
 */
int mdbus_writer_open(mdbus_writer **out, const struct mdbus_writer_opts *opts);

/* Adds an instrument (id is assigned) or returns the id of the existing one
 * with the same venue and symbol. Readers see it as soon as this returns.
 * Returns 0; -ENOSPC when the table is full; -EINVAL for empty or too long
 * names, decimals > MDBUS_DECIMALS_MAX, an unknown market or qty_unit, a
 * negative contract_size; -EEXIST if venue+symbol exists
 * with different decimals. */
int mdbus_writer_add_instrument(mdbus_writer *w, const struct mdbus_instrument *in, uint32_t *id);

/* Publishes one tick; its sequence number (1, 2, ...) goes to *seq if non-NULL.
 * No syscall, no allocation. Returns 0, or -EINVAL for an unknown instrument. */
int mdbus_writer_publish(mdbus_writer *w, const struct mdbus_tick *t, uint64_t *seq);

/* Publishes n ticks; returns n or -EINVAL (nothing published). */
int mdbus_writer_publish_batch(mdbus_writer *w, const struct mdbus_tick *t, size_t n);

/* Wakes readers blocked in mdbus_reader_wait(). Call it once per batch (e.g.
 * once per event-loop iteration), never per tick. Nothing if nothing was
 * published since the previous call; else a memory fence and a look at the
 * waiter map in the bus's reader table (/dev/shm/mdbus-NAME.readers), where
 * a reader about to sleep raises its bit; the futex syscall (about 1 us) only
 * when a bit is set. A writer that could not map that table wakes on every
 * batch (mdbus_writer_stats: waiter_map 0). */
void mdbus_writer_wake(mdbus_writer *w);

/* What mdbus_writer_wake did (counters since mdbus_writer_open). */
struct mdbus_writer_stats {
	uint64_t wakes;		   /* futex wake syscalls made */
	uint64_t wakes_skipped;	   /* calls after new ticks with no reader asleep: no syscall */
	uint64_t waiters_repaired; /* bits of readers that died asleep, cleared */
	uint32_t waiter_map;	   /* 1: the waiter map is read; 0: every batch wakes */
	uint32_t reserved;
};
void mdbus_writer_stats(const mdbus_writer *w, struct mdbus_writer_stats *out);

/* Sets the writer state in the header and wakes blocked readers (a syscall:
 * not for the hot path). mdbus_writer_open leaves RUNNING; a writer may show
 * STARTING while it sets up and RUNNING after. STOPPED is stored by
 * mdbus_writer_close. */
void mdbus_writer_set_state(mdbus_writer *w, enum mdbus_writer_state s);

/* The health region, for the watchdog (libmdbus/health.c). */
void *mdbus_writer_health(mdbus_writer *w, size_t *size);

uint64_t mdbus_writer_epoch(const mdbus_writer *w);
uint64_t mdbus_writer_seq(const mdbus_writer *w); /* last published, 0 = none */

/* Marks the segment STOPPED, wakes readers, unmaps, releases the name lock.
 * With unlink_bus the segment file is removed too. */
void mdbus_writer_close(mdbus_writer *w, int unlink_bus);

/* ---- reader ------------------------------------------------------------------- */

typedef struct mdbus_reader mdbus_reader;

enum mdbus_start {
	MDBUS_START_LATEST = 0, /* only ticks published after open */
	MDBUS_START_OLDEST = 1, /* the oldest tick still in the ring */
};

/* Accept a segment that is writable by others or owned by another user than
 * its writer's lock file (refused by default: /dev/shm is world-writable, so
 * such a segment may be forged). The reason is still left in errbuf, as a
 * warning, when the open succeeds. */
#define MDBUS_READER_INSECURE 0x1u
/* Register this reader in the bus's reader table under the program's name
 * (see mdbus_reader_register). Never fails the open: with a full or
 * unwritable table the reader works unregistered, mdbus_reader_registered()
 * returns 0 and errbuf holds the reason as a warning. */
#define MDBUS_READER_REGISTER 0x2u

struct mdbus_reader_opts {
	const char *bus; /* NULL: $MDBUS_BUS or "default" */
	enum mdbus_start start;
	char *errbuf; /* optional: a one-line reason on failure (or a warning) */
	size_t errlen;
	unsigned flags; /* MDBUS_READER_* */
};

/*
 * Opens a bus read-only (O_RDONLY + PROT_READ: a reader cannot write to it)
 * and validates every header field against the file size before trusting it.
 * Returns 0; -ENOENT no such bus; -EAGAIN not yet initialised; -EBADMSG wrong
 * magic; -EPROTONOSUPPORT other ABI version; -EMSGSIZE truncated file;
 * -ERANGE a region or geometry pointing outside the file or inconsistent;
 * -EBADMSG also for anything at the bus path that is not a regular file (a
 * FIFO or device never blocks the open; a symlink is not followed); -EPERM a
 * segment writable by others or owned by another user than its writer's
 * lock file (see MDBUS_READER_INSECURE).
 */
int mdbus_reader_open(mdbus_reader **out, const struct mdbus_reader_opts *opts);

/*
 * Reads the next tick. Returns 1 with *t (and *seq if non-NULL) filled;
 * 0 if nothing new; -ESTALE if the writer was replaced (call
 * mdbus_reader_reattach); -ESHUTDOWN if the writer closed and everything was
 * read; -EOWNERDEAD if the writer died in the middle of publishing the next
 * tick (it is skipped and counted; re-attach when a new writer appears).
 * *missed (if non-NULL) is set to the number of ticks overwritten before
 * this one could be read (a lap): reading resumes at the oldest tick still
 * in the ring, and missed + read always equals what was published.
 * -EBADMSG: the ring breaks the protocol no sane writer breaks (a slot
 * holding another slot's tick, a tick or cursor more than a ring ahead of
 * write_seq): the segment is corrupt; counted
 * in stats.corrupt and returned by every read until mdbus_reader_reattach.
 * Every call does bounded work and returns.
 */
int mdbus_reader_next(mdbus_reader *r, struct mdbus_tick *t, uint64_t *seq, uint64_t *missed);

/* Reads up to max ticks; returns the count (0 = nothing new) or the same
 * errors as mdbus_reader_next when no tick was read. seqs may be NULL;
 * *missed is the total lost inside this batch. */
int mdbus_reader_read(mdbus_reader *r, struct mdbus_tick *t, uint64_t *seqs, int max,
		      uint64_t *missed);

/* Blocks until a tick may be available, the writer state changes, or
 * timeout_ms passes (-1 = forever). Returns 0 (data may be ready), -ETIMEDOUT,
 * -EINTR, -ESTALE, -ESHUTDOWN or -EOWNERDEAD. Uses a futex on the shared
 * mapping. Before sleeping the reader raises its bit in the waiter map of the
 * bus's reader table (its waiter, one of 256, is claimed at the first wait
 * and held until mdbus_reader_close; one more descriptor), so that the
 * writer's mdbus_writer_wake makes its syscall only while somebody sleeps.
 * A reader that cannot use that map (no write access to the table, all
 * waiters taken, a writer that does not read it) sleeps in slices of at most
 * 2 ms and looks for a tick between them: it is still woken at once by any
 * wake the writer makes, and at most about 2 ms late otherwise. A reader
 * with its bit raised re-raises it and looks every second (a bit cleared by
 * another process costs at most that). When a wait of timeout_ms > 0 times
 * out, the segment file and the writer are checked (a few syscalls, while idle only): -ESTALE if
 * the bus name no longer holds the file (unlinked or replaced without being marked REPLACED),
 * -EBADMSG if the file was truncated (see mdbus_reader_reattach), -EOWNERDEAD if the writer died
 * (its name lock is free) and everything it published was read. After -ESTALE, -ESHUTDOWN or
 * -EOWNERDEAD every wait returns at once: call mdbus_reader_follow. */
int mdbus_reader_wait(mdbus_reader *r, int timeout_ms);

/* Re-opens the bus once, without waiting, starting at the oldest tick of
 * the new segment (mdbus_reader_follow is the call that waits for one).
 * If the name still holds the same segment (same epoch), the reader keeps
 * its place and this returns 0 only while that segment's writer is alive;
 * otherwise -ESHUTDOWN (stopped), -ESTALE (marked REPLACED, its successor
 * not at the name yet) or -EOWNERDEAD (died): no new writer yet. On any
 * failure the reader keeps its old segment. Returns 0, one of those, or an
 * open error (-ENOENT...).
 * A segment file truncated under the reader (only its writer's uid or root
 * can: segments are 0640 and refused if writable by others) is noticed here,
 * at an idle wait timeout and when the writer is found dead: the mapping is
 * then replaced by zero pages, so no call touches a cut page, and every read
 * returns -EBADMSG until a re-attach succeeds. A page cut while a call is
 * reading it raises SIGBUS: a library cannot catch that without a signal
 * handler of its own, which it must not install. */
int mdbus_reader_reattach(mdbus_reader *r);

/*
 * Blocks until a writer with a new epoch holds the bus, or timeout_ms passes
 * (-1 = forever, 0 = look once), without spinning: it sleeps between looks
 * (one lstat each, at most 100 ms apart) and a successor that takes the name
 * over from a stopped or replaced segment wakes it at once.
 * With *r NULL it opens the bus with opts (opts->start applies), waiting for
 * a bus that does not exist or is not initialised yet; other open errors
 * return at once. With *r a reader (after -ESHUTDOWN, -ESTALE or
 * -EOWNERDEAD: the old segment has been read to its end) it re-attaches *r to
 * the new segment, at its oldest tick, so nothing the new writer published
 * is missed; ticks still unread in the old segment are dropped. The new
 * segment may have another size or ring geometry; its instrument ids and
 * sequence numbers start over: reload any instrument cache. The old
 * mapping and descriptors are released (nothing leaks however often it
 * follows); counters (mdbus_reader_stats) carry over. opts may be NULL
 * when *r is set: only its errbuf/errlen are used then.
 * Returns 0 attached; -ETIMEDOUT nothing new in time (the reader, if any,
 * keeps its old segment: call again); -EINTR a signal handler ran; -EINVAL
 * r is NULL; or the open error (-EPERM, -EPROTONOSUPPORT, -EBADMSG...,
 * reason in errbuf) of a new segment that cannot be used: reported once per
 * file, a later call waits for another one.
 */
int mdbus_reader_follow(mdbus_reader **r, const struct mdbus_reader_opts *opts, int timeout_ms);

/* Instruments: by id, and by venue + normalized symbol. -ENOENT if absent. */
int mdbus_reader_instrument(mdbus_reader *r, uint32_t id, struct mdbus_instrument *out);
int mdbus_reader_lookup(mdbus_reader *r, const char *venue, const char *symbol, uint32_t *id);
uint32_t mdbus_reader_instrument_count(mdbus_reader *r);

/* Segment facts. */
struct mdbus_info {
	uint64_t epoch;
	uint64_t total_size;
	uint64_t write_seq; /* last published sequence */
	uint32_t slots;
	uint32_t max_instruments;
	uint32_t max_sessions;
	uint32_t writer_pid;
	uint32_t writer_state; /* enum mdbus_writer_state */
	uint32_t abi_version;
	int64_t created_ns; /* CLOCK_REALTIME */
};
int mdbus_reader_info(mdbus_reader *r, struct mdbus_info *out);

/* Is the writer process alive? Uses the writer's name lock (no pid reuse
 * races). Returns 1 alive, 0 dead, or -errno. A syscall: slow path only. */
int mdbus_reader_writer_alive(mdbus_reader *r);

/* The read-only health region (see mdbus_health_* in mdbus_health.h). */
const void *mdbus_reader_health(mdbus_reader *r, size_t *size);

/* Counters of this reader. */
struct mdbus_reader_stats {
	uint64_t read;	  /* ticks returned */
	uint64_t missed;  /* ticks lost to laps */
	uint64_t laps;	  /* lap events */
	uint64_t torn;	  /* ticks skipped because the writer died mid-publish */
	uint64_t retries; /* reads that raced the writer and were retried */
	uint64_t corrupt; /* reads refused because the ring broke the protocol */
};
void mdbus_reader_stats(const mdbus_reader *r, struct mdbus_reader_stats *out);

uint64_t mdbus_reader_epoch(const mdbus_reader *r);

/* Closes the reader (and frees its reader-table slot, if any). */
void mdbus_reader_close(mdbus_reader *r);

/* ---- reader table: who reads the bus, and how far behind ------------------ */

/*
 * Readers map the bus read-only, so one that opts in says where it is in a
 * separate small table, /dev/shm/mdbus-NAME.readers (group-writable, made by
 * the writer or by the first reader that registers): pid, name, cursor,
 * laps, missed, last read time. The cursor and counters are published once
 * per batch, not per tick: by mdbus_reader_read, by mdbus_reader_wait
 * before it sleeps, by mdbus_reader_next when it finds nothing new and
 * every 256 ticks, and by mdbus_reader_publish. A reader that dies (even
 * with kill -9) frees its slot: the table uses per-slot OFD locks, which the
 * kernel drops with the process. Slots carry the writer epoch they read, so
 * a new writer does not mix them up.
 */
#define MDBUS_READER_NAME_MAX 32 /* includes the terminating NUL */
#define MDBUS_READERS_MAX     64 /* slots in a reader table */

/* Registers r under name (NULL: the program's name; cut to 31 bytes).
 * Returns 0; -EALREADY if registered; -ENOSPC the table is full (every slot
 * held by a live reader); -EINVAL a reader without a bus name; other -errno
 * (-EACCES: not in the table's group). r keeps working in every case. */
int mdbus_reader_register(mdbus_reader *r, const char *name);

/* 1 if r holds a slot in the reader table, else 0. */
int mdbus_reader_registered(const mdbus_reader *r);

/* Publishes r's cursor and counters now (a no-op if unregistered or if
 * nothing changed since the last publish). */
void mdbus_reader_publish(mdbus_reader *r);

/* One live registered reader, as mdbus_readers_list sees it. */
struct mdbus_reader_entry {
	uint32_t pid;
	uint32_t slot;			  /* its index in the table */
	char name[MDBUS_READER_NAME_MAX]; /* "mdbus-tail" */
	uint64_t epoch;			  /* the writer epoch its cursor is in */
	uint64_t cursor;		  /* sequence of the next tick it reads */
	uint64_t read;			  /* ticks read */
	uint64_t missed;		  /* ticks lost to laps */
	uint64_t laps;			  /* lap events */
	int64_t last_read_ns;		  /* CLOCK_REALTIME (coarse) of its last publish */
	uint32_t same_epoch;		  /* 1: it reads the segment this list was made on */
	uint32_t reserved0;
	uint64_t lag_ticks; /* published but not yet read (same_epoch only, else 0) */
	int64_t lag_ns;	    /* recv_ts of the newest tick minus that of its first
			     * unread one; 0 caught up; -1 unknown (other epoch) */
	uint64_t reserved[4];
};

/* Lists the live registered readers of r's bus (dead readers' slots are
 * skipped), lag computed against the segment r maps. Returns the number of
 * entries filled (at most max; MDBUS_READERS_MAX is always enough), 0 when
 * no table exists, or -errno. A few syscalls: slow path only. */
int mdbus_readers_list(mdbus_reader *r, struct mdbus_reader_entry *out, int max);

/* ---- order books ---------------------------------------------------------------- */

/*
 * L2 order books in the segment (feedd keeps one per instrument subscribed
 * with the `l2` channel, its top `book_depth` levels per side). Every book
 * change is also published in the ring as MDBUS_KIND_L2 ticks (one per level
 * changed, MDBUS_FLAG_SNAPSHOT on the levels of a snapshot, BUY = bid, SELL =
 * ask), so a consumer that keeps its own book sees every delta; the book
 * region is the shortcut for one that only wants the current top levels.
 *
 * A read is a consistent copy of the top levels of one instant (never torn:
 * the writer never waits for readers, a reader retries a bounded number of
 * times). Prices and quantities are mantissas at the instrument's decimals.
 * The book's place in the segment is looked up once per reader and cached.
 *
 * Reading the top 10 levels (the snapshot is 32 KiB: not on a small stack):
 *
 *	static struct mdbus_book_snapshot s;
 *	uint32_t id;
 *	rc = mdbus_reader_lookup(r, "binance", "BTC-USDT", &id);
 *	rc = mdbus_book_read(r, id, 10, &s);  // -EAGAIN: busy, call again
 *	if (rc == 0 && s.status == MDBUS_BOOK_LIVE) {
 *		const struct mdbus_book_level *bid, *ask;
 *		if (mdbus_book_best(&s, &bid, &ask) == 0 && bid && ask)
 *			...spread = ask->price - bid->price...;
 *		int64_t qty, notional;  // what buying up to a price would take
 *		int n = mdbus_book_volume_to(&s, MDBUS_BOOK_ASK, limit, &qty, &notional);
 *	}
 *	// s.version changes with every publish: compare it to skip work
 */

#define MDBUS_BOOK_LEVELS_MAX 1000u /* levels per side a snapshot holds (and book_depth's cap) */

/* A book's status (mdbus_book_snapshot.status). */
enum mdbus_book_status {
	MDBUS_BOOK_EMPTY = 0,	  /* never synced yet */
	MDBUS_BOOK_LIVE = 1,	  /* whole and current */
	MDBUS_BOOK_RESYNCING = 2, /* a gap, checksum mismatch, crossed book or reconnect: being
				     rebuilt; the levels are the last good ones, not current */
	MDBUS_BOOK_STALE = 3,	  /* no update within the session's stale_timeout */
	MDBUS_BOOK_DOWN = 4,	  /* its session is not connected */
	MDBUS_BOOK_REST = 5, /* WebSocket down: levels from REST polling (rest_fallback_after) */
};

/* The venue checksum's verdict on the last update (mdbus_book_snapshot.checksum). */
enum mdbus_book_checksum {
	MDBUS_BOOK_CK_NONE = 0,	    /* the venue sends none */
	MDBUS_BOOK_CK_OK = 1,	    /* the last update's checksum matched */
	MDBUS_BOOK_CK_MISMATCH = 2, /* it did not: the book resyncs */
};

struct mdbus_book_level {
	int64_t price;
	int64_t qty;
};

/* Book sides for the helpers. */
enum mdbus_book_side { MDBUS_BOOK_BID = 0, MDBUS_BOOK_ASK = 1 };

struct mdbus_book_snapshot {
	uint32_t instrument;
	uint32_t status;   /* enum mdbus_book_status */
	uint32_t checksum; /* enum mdbus_book_checksum */
	uint32_t depth;	   /* levels per side the writer keeps for this book */
	uint32_t nbids;	   /* levels filled below, best first */
	uint32_t nasks;
	uint64_t update_id; /* the venue's id of the last update applied */
	int64_t exch_ts;    /* its exchange time (ns, 0 = none) */
	int64_t recv_ts;    /* its receive time (ns, CLOCK_REALTIME) */
	uint64_t version;   /* changes published to this book (any reader can tell "new") */
	uint64_t resyncs;   /* times the book was rebuilt (gap, checksum, crossed, reconnect) */
	uint64_t checksum_fails;
	uint64_t reserved[4];
	struct mdbus_book_level bids[MDBUS_BOOK_LEVELS_MAX]; /* best (highest) first */
	struct mdbus_book_level asks[MDBUS_BOOK_LEVELS_MAX]; /* best (lowest) first */
};

/*
 * Copies the top `depth` levels per side (0 or more than the book keeps: all
 * it keeps) of instrument's book into *out. Returns 0; -ENOENT when the bus
 * keeps no book for that instrument; -EAGAIN when the writer changed the book
 * during every one of a bounded number of attempts (call again); -EBADMSG
 * for a book record that no sane writer produces (refused, never trusted).
 * No syscall, no allocation.
 */
int mdbus_book_read(mdbus_reader *r, uint32_t instrument, uint32_t depth,
		    struct mdbus_book_snapshot *out);

/* Best bid and ask of a snapshot (NULL: none on that side). Returns 0, or
 * -ENOENT when both sides are empty. */
int mdbus_book_best(const struct mdbus_book_snapshot *s, const struct mdbus_book_level **bid,
		    const struct mdbus_book_level **ask);

/* Quantity resting at exactly `price` on `side` (0 if no such level among
 * the snapshot's levels). */
int64_t mdbus_book_qty_at(const struct mdbus_book_snapshot *s, enum mdbus_book_side side,
			  int64_t price);

/*
 * Volume from the best level down to and including `price` on `side` (bids:
 * levels >= price; asks: levels <= price): total quantity into *qty and the
 * sum of price x qty into *notional as a mantissa at price_decimals +
 * qty_decimals (NULL to skip). Returns the number of levels counted, or
 * -EOVERFLOW when the notional does not fit an int64.
 */
int mdbus_book_volume_to(const struct mdbus_book_snapshot *s, enum mdbus_book_side side,
			 int64_t price, int64_t *qty, int64_t *notional);

/* ---- order books: the writer's side (feedd) ------------------------------------ */

/* Bytes a book of `depth` levels per side takes in the segment. */
size_t mdbus_book_record_size(uint32_t depth);

/* mdbus_writer_open with a book region of book_bytes (the sum of
 * mdbus_book_record_size of the books to add, plus any headroom). */
int mdbus_writer_open_books(mdbus_writer **out, const struct mdbus_writer_opts *opts,
			    size_t book_bytes);

/* Adds the book of instrument (depth 1..MDBUS_BOOK_LEVELS_MAX levels per
 * side; status EMPTY) and returns its handle in *book; the same instrument
 * again returns the existing book if depth matches. Returns 0; -ENOSPC when
 * the region is full; -EINVAL (unknown instrument, bad depth; -EEXIST for
 * another depth). */
int mdbus_writer_book_add(mdbus_writer *w, uint32_t instrument, uint32_t depth, uint32_t *book);

/* One side for mdbus_writer_book_publish: n levels, the best at `best`, the
 * next best at best + step (step +1 or -1: feedd keeps its sides with the
 * best level last). */
struct mdbus_book_side_view {
	const struct mdbus_book_level *best;
	int32_t step;
	uint32_t n;
};

struct mdbus_book_update {
	uint32_t status;   /* enum mdbus_book_status */
	uint32_t checksum; /* enum mdbus_book_checksum */
	uint64_t update_id;
	int64_t exch_ts;
	int64_t recv_ts;
	uint64_t resyncs;
	uint64_t checksum_fails;
	struct mdbus_book_side_view bids, asks; /* at most depth levels of each are kept */
};

/* Publishes the book's new top levels and header (no syscall, no
 * allocation; the writer never waits for readers). Returns 0 or -EINVAL. */
int mdbus_writer_book_publish(mdbus_writer *w, uint32_t book, const struct mdbus_book_update *u);

/* Sets only the status word (e.g. RESYNCING the moment a gap is seen),
 * levels and counters unchanged. Returns 0 or -EINVAL. */
int mdbus_writer_book_status(mdbus_writer *w, uint32_t book, uint32_t status);

/* ---- decimals ------------------------------------------------------------------- */

/* Parses an exact decimal string ("65000.1", "-0.00012"; "1e-3" is NOT
 * accepted here) into a mantissa at `decimals` places. Returns 0; -EINVAL
 * for a malformed string; -ERANGE on overflow; -EDOM if a non-zero digit
 * lies beyond `decimals` places (never rounds). */
int mdbus_decimal_parse(const char *s, size_t len, unsigned decimals, int64_t *out);

/* The same for the full JSON number grammar, exponent included
 * ("1.5e-05", "2E+3", "-0.1e1"): the digits are scaled by the exponent
 * exactly, never through a double. Same returns as mdbus_decimal_parse. */
int mdbus_decimal_parse_exp(const char *s, size_t len, unsigned decimals, int64_t *out);

/* Formats mantissa / 10^decimals exactly, without trailing zeros ("65000.1",
 * "0.00012", "5"). Returns the string length or -ENOSPC. */
int mdbus_decimal_format(int64_t mantissa, unsigned decimals, char *buf, size_t len);

/* ---- errors ------------------------------------------------------------------------ */

/* The version of the libmdbus actually loaded ("0.1.0"), which may be newer
 * than MDBUS_VERSION_STRING of the headers a program was built with. */
const char *mdbus_version(void);

/* Text for a value returned by any mdbus function (0 or -errno). */
const char *mdbus_strerror(int err);

/* Names: "trade", "bbo", "l2", "status"; NULL for unknown. */
const char *mdbus_kind_name(unsigned kind);
int mdbus_kind_parse(const char *name); /* kind, or -EINVAL */

#ifdef __cplusplus
}
#endif

#include "mdbus_health.h"

#endif /* MDBUS_H */
