/* SPDX-License-Identifier: MIT */
/*
 * mdbus_health.h: the watchdog health region of an mdbus segment.
 *
 * The writer (feedd) keeps its own counters in plain local structs; a
 * watchdog timer (every 50 ms) copies them into the segment's health region
 * with mdbus_health_publish_*(). Readers (mdbus-top, monitoring) take
 * consistent snapshots with mdbus_health_snapshot_*() and never block the
 * writer. Included at the end of mdbus.h; compiles as C11 and C++ (no
 * _Atomic here: the atomic views of the records are private to libmdbus,
 * libmdbus/health_layout.h).
 *
 * Clocks: every *_ns field named "mono" or documented as monotonic is
 * CLOCK_MONOTONIC (system-wide on Linux, so a reader computes an age as
 * its own clock_gettime(CLOCK_MONOTONIC) minus the field); *_rt_ns fields
 * are CLOCK_REALTIME. 0 always means "never / not yet".
 *
 * Region byte map (offsets from the start of the region, which is
 * MDBUS_HEALTH_SIZE(max_sessions, max_instr) bytes, see layout.h):
 *
 *   0                 +--------------------------------------+
 *                     | region header + feed record   4096 B |
 *   4096              +--------------------------------------+
 *                     | max_sessions x 3072 B session record |  index = session
 *   4096+S*3072       +--------------------------------------+
 *                     | max_instr x 256 B instrument record  |  index = the bus's
 *   end               +--------------------------------------+  instrument id
 *
 * Region header (first 4096 bytes):
 *
 *   off  size field
 *     0     8 magic           MDBUS_HEALTH_MAGIC, stored LAST (release) by
 *                             mdbus_health_writer_init: 0 = not ready
 *     8     4 version         MDBUS_HEALTH_VERSION
 *    12     4 header_size     4096
 *    16     4 session_size    3072 (record stride)
 *    20     4 instr_size      256  (record stride)
 *    24     4 max_sessions
 *    28     4 max_instr
 *    32     8 region_size     bytes actually used (<= the segment's size)
 *    40     4 session_count   atomic: session records [0, count) are in use
 *    44     4 feed_payload    sizeof(struct mdbus_health_feed)
 *    48     4 session_payload sizeof(struct mdbus_health_session)
 *    52     4 instr_payload   sizeof(struct mdbus_health_instr)
 *    56 .. 127 reserved (0)
 *   128     8 feed seq        seqlock word (even = stable, odd = writing,
 *                             0 = never published)
 *   136   832 feed payload    struct mdbus_health_feed, as 104 u64 words
 *   968 .. 4095 reserved (0)
 *
 * Session record (3072 bytes, stride session_size):
 *
 *     0     8 seq             seqlock word
 *     8  2904 payload         struct mdbus_health_session, as 363 u64 words
 *  2912 .. 3071 reserved (0)
 *
 * Instrument record (256 bytes, stride instr_size):
 *
 *     0     4 status          atomic u32, enum mdbus_health_instr_status:
 *                             one load gives the current status; stored
 *                             immediately by mdbus_health_set_instr_status
 *     4     4 reserved
 *     8     8 seq             seqlock word
 *    16   136 payload         struct mdbus_health_instr, as 17 u64 words
 *   152 .. 255 reserved (0)
 *
 * Payload byte maps are next to each struct below (asserted).
 *
 * Seqlock protocol per record (Boehm 2012, the same as the ring; one writer):
 *   writer: seq = s+1 relaxed; fence(release); payload words relaxed
 *           stores; seq = s+2 release.
 *   reader: s0 = seq acquire; payload words relaxed loads; fence(acquire);
 *           s1 = seq relaxed; valid iff s0 == s1, s0 even, s0 != 0.
 *           Bounded retries (MDBUS_HEALTH_RETRIES) then -EAGAIN: a writer
 *           that died mid-copy leaves seq odd forever and readers must not
 *           spin on it.
 */
#ifndef MDBUS_HEALTH_H
#define MDBUS_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "mdbus.h" /* mdbus_reader; no-op when mdbus.h includes us */

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
#define MDBUS_HEALTH_ASSERT(c, m) static_assert(c, m)
#else
#define MDBUS_HEALTH_ASSERT(c, m) _Static_assert(c, m)
#endif

/* ---- versions and sizes ---------------------------------------------------- */

/* MDBUS_HEALTH_VERSION is bumped on any byte-map change (3: latency
 * histograms; 4: the session's REST block, appended after them). */
#define MDBUS_HEALTH_MAGIC	 0x31484c54484d444dull /* "MDMHTLH1" as bytes */
#define MDBUS_HEALTH_VERSION	 4u
#define MDBUS_HEALTH_REGION_HDR	 4096u
#define MDBUS_HEALTH_SESSION_REC 3072u
#define MDBUS_HEALTH_INSTR_REC	 256u
/* Bytes of a region with this geometry (= layout.h's MDBUS_HEALTH_SIZE). */
#define MDBUS_HEALTH_REGION_BYTES(max_sessions, max_instr)                                         \
	((uint64_t)MDBUS_HEALTH_REGION_HDR + (uint64_t)(max_sessions)*MDBUS_HEALTH_SESSION_REC +   \
	 (uint64_t)(max_instr)*MDBUS_HEALTH_INSTR_REC)
#define MDBUS_HEALTH_FEED_OFF  128u /* feed record: seq at 128, payload at 136 */
#define MDBUS_HEALTH_RETRIES   256  /* snapshot attempts before -EAGAIN */
#define MDBUS_HEALTH_TEXT_MAX  128  /* error / reason texts incl. NUL */
#define MDBUS_HEALTH_ERR_SLOTS 16   /* per-class counter slots */
#define MDBUS_HEALTH_CONNS     32   /* connections shown one by one per session */

/* ---- codes -------------------------------------------------------------------- */

/* Feed daemon state. */
enum mdbus_health_feed_state {
	MDBUS_HEALTH_FEED_STARTING = 1,
	MDBUS_HEALTH_FEED_RUNNING = 2,
	MDBUS_HEALTH_FEED_STOPPING = 3,
	MDBUS_HEALTH_FEED_STOPPED = 4,
};

/* Session state: the same values, in the same order, as feedd's
 * enum feed_state (feedd/fsm.h), so feedd stores its state as is.
 * Names (mdbus_health_state_name): disconnected resolving connecting
 * tls_handshake ws_handshake subscribing live stale closing backoff failed
 * stopped. */
enum mdbus_health_state {
	MDBUS_HEALTH_ST_DISCONNECTED = 0,
	MDBUS_HEALTH_ST_RESOLVING = 1,
	MDBUS_HEALTH_ST_CONNECTING = 2,
	MDBUS_HEALTH_ST_TLS_HANDSHAKE = 3,
	MDBUS_HEALTH_ST_WS_HANDSHAKE = 4,
	MDBUS_HEALTH_ST_SUBSCRIBING = 5,
	MDBUS_HEALTH_ST_LIVE = 6,
	MDBUS_HEALTH_ST_STALE = 7,
	MDBUS_HEALTH_ST_CLOSING = 8,
	MDBUS_HEALTH_ST_BACKOFF = 9,
	MDBUS_HEALTH_ST_FAILED = 10,
	MDBUS_HEALTH_ST_STOPPED = 11,
	MDBUS_HEALTH_ST__COUNT
};

/* Error class: the same values, in the same order, as feedd's
 * enum feed_err_class (feedd/proto/errclass.h). Names
 * (mdbus_health_err_name): none dns tcp tls http ws protocol stale
 * server_close pong timeout lifetime shutdown internal. */
enum mdbus_health_err {
	MDBUS_HEALTH_ERR_NONE = 0,
	MDBUS_HEALTH_ERR_DNS = 1,
	MDBUS_HEALTH_ERR_TCP = 2,
	MDBUS_HEALTH_ERR_TLS = 3,
	MDBUS_HEALTH_ERR_HTTP = 4,
	MDBUS_HEALTH_ERR_WS = 5,
	MDBUS_HEALTH_ERR_PROTOCOL = 6,
	MDBUS_HEALTH_ERR_STALE = 7,
	MDBUS_HEALTH_ERR_SERVER_CLOSE = 8,
	MDBUS_HEALTH_ERR_PONG = 9,
	MDBUS_HEALTH_ERR_TIMEOUT = 10,
	MDBUS_HEALTH_ERR_LIFETIME = 11,
	MDBUS_HEALTH_ERR_SHUTDOWN = 12,
	MDBUS_HEALTH_ERR_INTERNAL = 13,
	MDBUS_HEALTH_ERR__COUNT
};

/* Session verdict. */
enum mdbus_health_verdict {
	MDBUS_HEALTH_UNKNOWN = 0,
	MDBUS_HEALTH_HEALTHY = 1,  /* live, data flowing, fully subscribed */
	MDBUS_HEALTH_DEGRADED = 2, /* connected but stale / partly subscribed */
	MDBUS_HEALTH_DOWN = 3,	   /* no market data: not live */
};

/* Instrument status (the one-load status word). */
enum mdbus_health_instr_status {
	MDBUS_HEALTH_INSTR_UNKNOWN = 0, /* never set; in a publish: keep the word */
	MDBUS_HEALTH_INSTR_LIVE = 1,
	MDBUS_HEALTH_INSTR_STALE = 2,	  /* no data within stale_timeout */
	MDBUS_HEALTH_INSTR_GAP = 3,	  /* data lost; until the stream is good again */
	MDBUS_HEALTH_INSTR_DOWN = 4,	  /* its session is not live */
	MDBUS_HEALTH_INSTR_RESYNCING = 5, /* its order book is being rebuilt (gap, checksum,
					     crossed, stale snapshot); trades and BBO flow */
	MDBUS_HEALTH_INSTR_REST = 6,	  /* WebSocket down: its data is polled over REST
					     (rest_fallback_after), ticks carry MDBUS_FLAG_REST */
};

/* ---- latency histograms ------------------------------------------------------ */

/*
 * Log-linear histogram (HdrHistogram-like, 2 sub-bucket bits): values 0..7
 * have a bucket each; above, every power of two [2^e, 2^(e+1)) is split
 * into 4 equal buckets of width 2^(e-2). A bucket's width is at most 1/4 of
 * its lower edge, so a quantile read as the bucket's midpoint is within
 * 12.5 % of the true value (exact below 8). 128 buckets reach 2^33 - 1
 * (8.59 s in ns); larger values count in the last bucket (and in max).
 * Bucket counts are u32: feedd halves every bucket of a histogram when one
 * reaches 2^31, so the counts stay relative weights (the shape and so the
 * quantiles survive) while `count` stays the exact total.
 *
 *   off  size field
 *     0     8 count       values recorded (exact, never halved)
 *     8     8 max         largest value recorded
 *    16   512 bucket      [MDBUS_HIST_BUCKETS] u32 counts
 */
#define MDBUS_HIST_SUB_BITS 2
#define MDBUS_HIST_BUCKETS  128
#define MDBUS_HIST_HALVE_AT 0x80000000u /* a bucket at this count halves them all */

struct mdbus_health_hist {
	uint64_t count;
	uint64_t max;
	uint32_t bucket[MDBUS_HIST_BUCKETS];
};

/* The per-session hops (struct mdbus_health_session.hop[]). Names
 * (mdbus_health_hop_name): exch_kernel kernel_decrypt decrypt_publish
 * msgs_per_iter. */
enum mdbus_health_hop {
	MDBUS_HOP_EXCH_KERNEL = 0,     /* ns, exchange time -> kernel receive, per tick
					  with an exchange time (negative: exch_early) */
	MDBUS_HOP_KERNEL_DECRYPT = 1,  /* ns, kernel receive -> TLS record decrypted, per message */
	MDBUS_HOP_DECRYPT_PUBLISH = 2, /* ns, decrypted -> its messages' ticks published */
	MDBUS_HOP_MSGS_PER_ITER = 3,   /* messages of the session per loop iteration that had one */
	MDBUS_HOP__COUNT
};

/* Where a session's tick recv_ts come from (session.ts_source). */
enum mdbus_health_ts_source {
	MDBUS_TS_NONE = 0,   /* nothing received yet */
	MDBUS_TS_KERNEL = 1, /* every recv carried a kernel software receive stamp */
	MDBUS_TS_USER = 2,   /* none did: the wall clock when the completion was reaped */
	MDBUS_TS_MIXED = 3,  /* some did, some did not (see rx_stamped / rx_unstamped) */
};

/* Bucket index of value v (cheap: feedd calls it on the hot path). */
static inline uint32_t mdbus_hist_index(uint64_t v)
{
	unsigned e;

	if (v < 8)
		return (uint32_t)v;
	e = 63u - (unsigned)__builtin_clzll(v); /* >= 3 */
	if (e > 32)
		return MDBUS_HIST_BUCKETS - 1;
	return 4u + ((e - MDBUS_HIST_SUB_BITS) << MDBUS_HIST_SUB_BITS) +
	       (uint32_t)((v >> (e - MDBUS_HIST_SUB_BITS)) & 3u);
}

/* ---- records (what the writer fills and a snapshot returns) ---------------- */

/*
 * Feed record, 832 bytes:
 *
 *   off size field
 *     0    4 pid                 feedd's pid
 *     4    4 state               enum mdbus_health_feed_state
 *     8    8 start_rt_ns         CLOCK_REALTIME at start-up
 *    16    8 start_mono_ns       CLOCK_MONOTONIC at start-up
 *    24    8 heartbeat_mono_ns   last watchdog run (every <= 100 ms)
 *    32    8 heartbeat_rt_ns     the same instant, CLOCK_REALTIME
 *    40    8 heartbeat_count     watchdog runs so far
 *    48    8 ring_write_seq      last published tick sequence
 *    56    8 ring_rate           ticks/s over the last second
 *    64    4 ring_slots
 *    68    4 sessions            configured sessions
 *    72    4 instruments         registered instruments
 *    76    4 heartbeat_period_ms  the watchdog's period: a heartbeat older
 *                               than 3 periods means the feed is dead
 *    80  128 config              config file path/name, NUL-terminated
 *   208   32 version             build version ("0.1.0"), NUL-terminated
 *   240   64 reserved            0
 *   304  528 loop_ns             histogram of loop iteration times (ns):
 *                                from the wake-up to the next wait, the
 *                                watchdog's runs included
 */
struct mdbus_health_feed {
	uint32_t pid;
	uint32_t state;
	int64_t start_rt_ns;
	int64_t start_mono_ns;
	int64_t heartbeat_mono_ns;
	int64_t heartbeat_rt_ns;
	uint64_t heartbeat_count;
	uint64_t ring_write_seq;
	uint64_t ring_rate;
	uint32_t ring_slots;
	uint32_t sessions;
	uint32_t instruments;
	uint32_t heartbeat_period_ms; /* 0: not declared, MDBUS_HEALTH_PERIOD_DEFAULT_MS */
	char config[128];
	char version[32];
	uint64_t reserved[8];
	struct mdbus_health_hist loop_ns;
};

/*
 * Session record payload, 2904 bytes:
 *
 *   off size field
 *     0   32 name                session name from the config
 *    32   16 venue               "binance"
 *    48   64 host                the URL's host
 *   112    4 state               enum mdbus_health_state
 *   116    4 last_error_class    enum mdbus_health_err (0 = none yet)
 *   120    8 state_since_ns      monotonic: when the state was entered
 *   128    8 last_error_ns       monotonic: when last_error happened
 *   136  128 last_error          text, NUL-terminated
 *   264    8 connects            connection attempts started
 *   272    8 reconnects          attempts after the first
 *   280  128 handshake_failures  [MDBUS_HEALTH_ERR_SLOTS], by error class
 *   408    8 messages            WebSocket messages received
 *   416    8 bytes               payload bytes received
 *   424    8 ticks               ticks published
 *   432    8 parse_errors
 *   440    8 gaps                sequence gaps detected
 *   448    8 last_msg_ns         monotonic: last message (age = now - it)
 *   456    8 rtt_ns              last ping round trip (0 = not measured)
 *   464    8 next_reconnect_ns   monotonic, only while in BACKOFF (else 0)
 *   472    4 subscriptions       streams acknowledged by the venue
 *   476    4 streams             streams wanted (configured)
 *   480    4 stale_timeout_ms    config, used by the verdict
 *   484    4 backoff_attempt     consecutive failed attempts
 *   488    4 verdict             enum mdbus_health_verdict (writer's view)
 *   492    4 reserved0
 *   496  128 verdict_reason      text, NUL-terminated
 *   624    4 conns               the session's connections (feedd plans one
 *                                per route and per streams_per_conn; 0 from
 *                                a writer that predates them: read as 1)
 *   628    4 conns_live          of which LIVE (the session is LIVE only
 *                                while every one is)
 *   632   32 conn_state          enum mdbus_health_state of connections
 *                                0..31 (u8 each)
 *   664   32 conn_error          their last error class (u8 each)
 *   696    8 rx_stamped          recvs whose completion carried a kernel
 *                                receive stamp (SO_TIMESTAMPING)
 *   704    8 rx_unstamped        recvs without: stamped with the wall clock
 *                                when the completion was reaped
 *   712    4 ts_source           enum mdbus_health_ts_source (from the two)
 *   716    4 reserved1           0
 *   720    8 exch_early          ticks whose exchange time was later than
 *                                the kernel's receive time (clocks differ)
 *   728 2112 hop                 [MDBUS_HOP__COUNT] histograms, enum
 *                                mdbus_health_hop (528 B each)
 *  2840   64 rest                struct mdbus_health_rest: the REST request
 *                                weight of the session's venue (below)
 */

/*
 * REST block of a session record, 64 bytes. feedd sends its queued REST
 * requests (depth snapshots, REST fallback polls) through one daemon-wide
 * queue that keeps a request-weight window per VENUE (feedd/restq.h), so
 * every session of a venue shows the same figures: the venue's, not the
 * session's share. limit 0: the session has no REST client (no l2 with REST
 * snapshots, no rest_fallback_after); every other field is 0 then.
 *
 *   off size field
 *     0    4 weight              weight used in the current window (the
 *                                sliding window_s seconds ending now: our
 *                                own charges, or the venue's used-weight
 *                                header when it reported more)
 *     4    4 limit               the venue's budget per window
 *     8    4 window_s            the window, seconds (60: limits per minute)
 *    12    4 queued              requests of the venue waiting in the queue
 *    16    4 inflight            requests of the venue sent, not answered
 *    20    4 reserved0           0
 *    24    8 weight_total        weight charged since start
 *    32    8 requests            requests sent since start
 *    40    8 n429                answers 429 (Too Many Requests)
 *    48    8 n418                answers 418 (banned)
 *    56    8 blocked_until_ns    monotonic: the venue takes no request
 *                                before this (Retry-After of a 429/418);
 *                                0 = not blocked (a past time: no longer)
 */
struct mdbus_health_rest {
	uint32_t weight;
	uint32_t limit;
	uint32_t window_s;
	uint32_t queued;
	uint32_t inflight;
	uint32_t reserved0;
	uint64_t weight_total;
	uint64_t requests;
	uint64_t n429;
	uint64_t n418;
	int64_t blocked_until_ns;
};

struct mdbus_health_session {
	char name[32];
	char venue[16];
	char host[64];
	uint32_t state;
	uint32_t last_error_class;
	int64_t state_since_ns;
	int64_t last_error_ns;
	char last_error[MDBUS_HEALTH_TEXT_MAX];
	uint64_t connects;
	uint64_t reconnects;
	uint64_t handshake_failures[MDBUS_HEALTH_ERR_SLOTS];
	uint64_t messages;
	uint64_t bytes;
	uint64_t ticks;
	uint64_t parse_errors;
	uint64_t gaps;
	int64_t last_msg_ns;
	int64_t rtt_ns;
	int64_t next_reconnect_ns;
	uint32_t subscriptions;
	uint32_t streams;
	uint32_t stale_timeout_ms;
	uint32_t backoff_attempt;
	uint32_t verdict;
	uint32_t reserved0;
	char verdict_reason[MDBUS_HEALTH_TEXT_MAX];
	uint32_t conns;
	uint32_t conns_live;
	uint8_t conn_state[MDBUS_HEALTH_CONNS];
	uint8_t conn_error[MDBUS_HEALTH_CONNS];
	uint64_t rx_stamped;
	uint64_t rx_unstamped;
	uint32_t ts_source;
	uint32_t reserved1;
	uint64_t exch_early;
	struct mdbus_health_hist hop[MDBUS_HOP__COUNT];
	struct mdbus_health_rest rest; /* appended in version 4 */
};

/*
 * Instrument record payload, 136 bytes (prices/quantities are mantissas at
 * the instrument's decimals, as in struct mdbus_tick):
 *
 *   off size field
 *     0    4 id                  the bus's instrument id (= record index)
 *     4    4 status              snapshot: the status word; publish: 0 keeps
 *                                the word, non-zero stores it
 *     8    4 session             session index that feeds it
 *    12    4 reserved0
 *    16    8 ticks               ticks published
 *    24    8 gaps
 *    32    8 last_price          last trade
 *    40    8 last_qty
 *    48    8 bid_px              last BBO
 *    56    8 bid_qty
 *    64    8 ask_px
 *    72    8 ask_qty
 *    80    8 last_trade_ns       monotonic
 *    88    8 last_update_ns      monotonic: any tick
 *    96    8 last_exch_ts        exchange timestamp of the last tick (realtime)
 *   104   32 reserved            0
 */
struct mdbus_health_instr {
	uint32_t id;
	uint32_t status;
	uint32_t session;
	uint32_t reserved0;
	uint64_t ticks;
	uint64_t gaps;
	int64_t last_price;
	int64_t last_qty;
	int64_t bid_px;
	int64_t bid_qty;
	int64_t ask_px;
	int64_t ask_qty;
	int64_t last_trade_ns;
	int64_t last_update_ns;
	int64_t last_exch_ts;
	uint64_t reserved[4];
};

MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_feed, heartbeat_mono_ns) == 24, "feed hb");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_feed, ring_write_seq) == 48, "feed seq");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_feed, ring_slots) == 64, "feed slots");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_feed, heartbeat_period_ms) == 76, "feed period");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_feed, config) == 80, "feed config");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_feed, version) == 208, "feed version");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_feed, reserved) == 240, "feed reserved");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_feed, loop_ns) == 304, "feed loop_ns");
MDBUS_HEALTH_ASSERT(sizeof(struct mdbus_health_feed) == 832, "feed size");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_hist, bucket) == 16, "hist bucket");
MDBUS_HEALTH_ASSERT(sizeof(struct mdbus_health_hist) == 528, "hist size");

MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, venue) == 32, "sess venue");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, host) == 48, "sess host");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, state) == 112, "sess state");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, state_since_ns) == 120, "sess since");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, last_error) == 136, "sess err");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, connects) == 264, "sess connects");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, handshake_failures) == 280, "sess hs");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, messages) == 408, "sess msgs");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, gaps) == 440, "sess gaps");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, last_msg_ns) == 448, "sess last");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, next_reconnect_ns) == 464, "sess next");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, subscriptions) == 472, "sess subs");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, verdict) == 488, "sess verdict");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, verdict_reason) == 496, "sess reason");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, conns) == 624, "sess conns");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, conns_live) == 628, "sess conns_live");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, conn_state) == 632, "sess conn_state");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, conn_error) == 664, "sess conn_error");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, rx_stamped) == 696, "sess stamped");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, ts_source) == 712, "sess ts_source");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, exch_early) == 720, "sess early");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, hop) == 728, "sess hop");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_session, rest) == 2840, "sess rest");
MDBUS_HEALTH_ASSERT(sizeof(struct mdbus_health_session) == 2904, "session size");
MDBUS_HEALTH_ASSERT(sizeof(struct mdbus_health_session) + 8 <= MDBUS_HEALTH_SESSION_REC,
		    "session fits its record");

MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_rest, limit) == 4, "rest limit");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_rest, window_s) == 8, "rest window");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_rest, queued) == 12, "rest queued");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_rest, inflight) == 16, "rest inflight");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_rest, weight_total) == 24, "rest total");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_rest, requests) == 32, "rest requests");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_rest, n429) == 40, "rest 429");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_rest, n418) == 48, "rest 418");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_rest, blocked_until_ns) == 56, "rest blocked");
MDBUS_HEALTH_ASSERT(sizeof(struct mdbus_health_rest) == 64, "rest size");

MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_instr, ticks) == 16, "instr ticks");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_instr, last_price) == 32, "instr price");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_instr, bid_px) == 48, "instr bid");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_instr, last_trade_ns) == 80, "instr trade ns");
MDBUS_HEALTH_ASSERT(offsetof(struct mdbus_health_instr, last_exch_ts) == 96, "instr exch");
MDBUS_HEALTH_ASSERT(sizeof(struct mdbus_health_instr) == 136, "instr size");
MDBUS_HEALTH_ASSERT(sizeof(struct mdbus_health_instr) + 16 <= MDBUS_HEALTH_INSTR_REC,
		    "instr fits its record");

/* ---- writer side (feedd's watchdog; no syscall, no allocation) ------------ */

/*
 * Formats an empty region: geometry, zeroed records, then the magic (last,
 * release). Pass the region from mdbus_writer_health() and the SAME
 * max_sessions / max_instruments given to mdbus_writer_open (after its
 * defaults: 0 means 64 sessions, 4096 instruments). max_sessions is a
 * minimum: whole 3072-byte records left in size after the header and
 * max_instr instrument records become session records too, so the region
 * always fills the segment's reservation.
 * Returns 0; -EINVAL for a NULL region or a geometry that does not fit size.
 */
int mdbus_health_writer_init(void *region, size_t size, uint32_t max_sessions, uint32_t max_instr);

/* Publishes the feed record (seqlock copy). Returns 0 or -EINVAL (region not
 * initialised). */
int mdbus_health_publish_feed(void *region, const struct mdbus_health_feed *f);

/* Publishes session record idx and raises session_count to idx + 1 if it was
 * lower. Returns 0; -EINVAL (not initialised); -ERANGE idx >= max_sessions. */
int mdbus_health_publish_session(void *region, uint32_t idx, const struct mdbus_health_session *s);

/* The same for the first `bytes` of *s only (whole words; the histograms
 * start at offsetof(struct mdbus_health_session, hop)): the rest of the
 * record keeps what the last publish stored, for a writer that knows those
 * fields did not change. Same returns. */
int mdbus_health_publish_session_head(void *region, uint32_t idx,
				      const struct mdbus_health_session *s, size_t bytes);

/* The same for every byte of *s except [skip_off, skip_off + skip_len)
 * (rounded inwards to whole words), which keep what the last publish stored:
 * feedd skips the 2 KiB of an idle session's histograms (skip_off =
 * offsetof(struct mdbus_health_session, hop), skip_len = sizeof(s->hop))
 * and still publishes the REST block after them. Same returns. */
int mdbus_health_publish_session_skip(void *region, uint32_t idx,
				      const struct mdbus_health_session *s, size_t skip_off,
				      size_t skip_len);

/* Sets session_count (records [0, n) are in use). 0, -EINVAL, -ERANGE. */
int mdbus_health_set_session_count(void *region, uint32_t n);

/* Publishes instrument record id (its id field is forced to id). A non-zero
 * in->status is also stored in the status word; 0 leaves the word alone.
 * Returns 0; -EINVAL; -ERANGE id >= max_instr. */
int mdbus_health_publish_instr(void *region, uint32_t id, const struct mdbus_health_instr *in);

/* Stores the status word now (one release store), e.g. GAP the moment a gap
 * is seen, DOWN when the session drops. 0, -EINVAL, -ERANGE. */
int mdbus_health_set_instr_status(void *region, uint32_t id, uint32_t status);

/* ---- verdict (pure: shared by feedd, readers and tests) ------------------- */

/*
 * The verdict for a session record at monotonic time now_ns; a one-line
 * reason goes to reason (if non-NULL). Rules, first match wins:
 *   FAILED / STOPPED / any state other than LIVE, STALE -> DOWN ("backoff
 *     after tls: ...", "failed: ...", "connecting", ...)
 *   STALE -> DEGRADED
 *   LIVE, no message for more than stale_timeout_ms (default 30 s when 0),
 *     counting from state_since_ns if no message yet -> DEGRADED
 *   LIVE, subscriptions < streams -> DEGRADED ("2/4 streams subscribed")
 *   LIVE otherwise -> HEALTHY ("live")
 * Returns the enum mdbus_health_verdict value.
 */
int mdbus_health_session_verdict(const struct mdbus_health_session *s, int64_t now_ns, char *reason,
				 size_t len);

/* ---- reader side on a raw region (tests, tools) --------------------------- */

/* Geometry read from a validated region header. */
struct mdbus_health_geom {
	uint32_t version;
	uint32_t max_sessions;
	uint32_t max_instr;
	uint32_t session_count; /* clamped to max_sessions */
	uint64_t region_size;
};

/*
 * Validates a region of `size` bytes: magic, version, record strides and
 * payload sizes, and every record inside `size`. Returns 0 (g filled if
 * non-NULL); -EINVAL NULL/too small; -EAGAIN not initialised yet (magic 0);
 * -EBADMSG wrong magic; -EPROTONOSUPPORT other version; -ERANGE geometry
 * outside the region or inconsistent.
 */
int mdbus_health_check(const void *region, size_t size, struct mdbus_health_geom *g);

/* Consistent copies (seqlock, bounded retries); their texts are always
 * NUL-terminated, whatever the region holds. Return 0; the check errors;
 * -ERANGE index beyond the geometry; -ENOENT session idx >= session_count;
 * -ENODATA never published; -EAGAIN the writer kept changing it (or died in
 * the middle of a copy). */
int mdbus_health_read_feed(const void *region, size_t size, struct mdbus_health_feed *out);
int mdbus_health_read_session(const void *region, size_t size, uint32_t idx,
			      struct mdbus_health_session *out);
int mdbus_health_read_instr(const void *region, size_t size, uint32_t id,
			    struct mdbus_health_instr *out);
/* One acquire load of the status word: the status (>= 0) or a check error /
 * -ERANGE. */
int mdbus_health_read_instr_status(const void *region, size_t size, uint32_t id);

/* ---- reader side on an open mdbus_reader ---------------------------------- */

/* The same, on the reader's health region (mdbus_reader_health). */
int mdbus_health_geometry(mdbus_reader *r, struct mdbus_health_geom *g);
int mdbus_health_session_count(mdbus_reader *r); /* count or -errno */
int mdbus_health_snapshot_feed(mdbus_reader *r, struct mdbus_health_feed *out);
int mdbus_health_snapshot_session(mdbus_reader *r, uint32_t idx, struct mdbus_health_session *out);
int mdbus_health_snapshot_instr(mdbus_reader *r, uint32_t id, struct mdbus_health_instr *out);

/*
 * Gating trading on these calls is safe: each folds in the writer's
 * liveness, so a dead feed never reads as live. The feed is dead when its
 * heartbeat is older than 3 x its declared heartbeat_period_ms (or it never
 * beat, or it said STOPPED), or -- in the calls that may make a syscall --
 * when its writer's name lock is free (SIGKILL is seen at once).
 *
 * mdbus_health_instr_status: the fast one (no syscall, no lock: two status
 *   loads, two feed-record word loads and the vDSO coarse monotonic clock;
 *   see tests/health/bench_health_status.c). Returns the status word, but
 *   MDBUS_HEALTH_INSTR_DOWN for every instrument of a dead feed.
 * mdbus_health_snapshot_instr: the record, its status folded the same way.
 * mdbus_health_snapshot_session: the record, with verdict DOWN and
 *   verdict_reason "feed dead" when the feed is dead (heartbeat or lock).
 * mdbus_health_session_healthy: 0 for every session of a dead feed.
 * mdbus_health_feed_alive: the feed verdict itself.
 *
 * NOT safe to gate on: the raw-region readers above (mdbus_health_read_*),
 * which return what the writer last stored, for tools and tests.
 */
#define MDBUS_HEALTH_PERIOD_DEFAULT_MS 100 /* a feed record that declares none */
#define MDBUS_HEALTH_DEAD_PERIODS      3

int mdbus_health_instr_status(mdbus_reader *r, uint32_t id);

/* Finds a session by name: 0 and *idx, or -ENOENT. */
int mdbus_health_find_session(mdbus_reader *r, const char *name, uint32_t *idx);

/*
 * 1 if the feed is alive: heartbeat younger than max_age_ms (monotonic; 0 or
 * less: 3 x the feed's declared heartbeat period) AND
 * the writer process alive (mdbus_reader_writer_alive: a SIGKILLed feedd is
 * dead at once) AND not STOPPED; 0 if dead; -errno (no bus, corrupt region,
 * never published is 0: dead).
 */
int mdbus_health_feed_alive(mdbus_reader *r, int max_age_ms);

/* 1 if session `name` is HEALTHY by mdbus_health_session_verdict at the
 * current monotonic time, 0 if degraded/down, -ENOENT unknown name, -errno. */
int mdbus_health_session_healthy(mdbus_reader *r, const char *name);

/* ---- histograms (pure) ----------------------------------------------------- */

/* Bucket i's value range [low, high), i < MDBUS_HIST_BUCKETS (the last
 * bucket also takes everything above its high edge). Out of range: 0. */
uint64_t mdbus_hist_bucket_low(uint32_t i);
uint64_t mdbus_hist_bucket_high(uint32_t i);

/* The q-quantile (0 < q <= 1) of h: the midpoint of the bucket holding the
 * ceil(q x total)-th smallest value (total = the buckets' sum), capped at
 * h->max; within 12.5 % of the true value. q >= 1 gives h->max. Returns the
 * value (>= 0); -ENODATA for an empty histogram; -EINVAL bad q or NULL. */
int64_t mdbus_hist_quantile(const struct mdbus_health_hist *h, double q);

/* Halves every bucket of h (rounding up, so a non-empty bucket stays
 * non-empty); count and max are kept. mdbus_hist_add calls it. */
void mdbus_hist_halve(struct mdbus_health_hist *h);

/* Records n values v into h (what feedd does on its hot path; tests and
 * tools may too): count += n, max, and the bucket; when the bucket reaches
 * MDBUS_HIST_HALVE_AT every bucket is halved. n < MDBUS_HIST_HALVE_AT. */
static inline void mdbus_hist_add(struct mdbus_health_hist *h, uint64_t v, uint32_t n)
{
	uint32_t i = mdbus_hist_index(v);

	/* A bucket stays below 2^31 between adds, so adding n < 2^31 cannot
	 * wrap; the rare halving comes after. */
	h->bucket[i] += n;
	if (__builtin_expect(h->bucket[i] >= MDBUS_HIST_HALVE_AT, 0))
		mdbus_hist_halve(h);
	h->count += n;
	if (v > h->max)
		h->max = v;
}

/* ---- names --------------------------------------------------------------- */

/* Lowercase names ("live", "tls", "degraded", "gap", "running"); "unknown"
 * for an out-of-range value. Never NULL. */
const char *mdbus_health_state_name(uint32_t state);
const char *mdbus_health_err_name(uint32_t cls);
const char *mdbus_health_verdict_name(uint32_t verdict);
const char *mdbus_health_instr_status_name(uint32_t status);
const char *mdbus_health_feed_state_name(uint32_t state);
const char *mdbus_health_hop_name(uint32_t hop);       /* "exch_kernel", ... */
const char *mdbus_health_ts_source_name(uint32_t src); /* "none" "kernel" "user" "mixed" */

/* CLOCK_MONOTONIC / CLOCK_REALTIME in ns (vDSO: no real syscall). */
int64_t mdbus_health_mono_ns(void);
int64_t mdbus_health_rt_ns(void);

#ifdef __cplusplus
}
#endif

#endif /* MDBUS_HEALTH_H */
