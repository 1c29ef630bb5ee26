/* SPDX-License-Identifier: MIT */
/*
 * config.h: feedd's configuration file (INI, parsed with libinih).
 *
 *   [bus]              name, slots
 *   [feed]             shutdown_timeout, connect_rate, log_level
 *                      (error|warn|info|debug), log_format (logfmt|json),
 *                      max_sessions, cpu (none|N), idle (sleep|busy),
 *                      sqpoll (off|on), refdata_timeout, cache_dir,
 *                      and any session key as
 *                      a default for every session (whatever its position
 *                      in the file)
 *   [session NAME]     venue, symbols (required); url, channels, timeouts,
 *                      reconnect_*, max_lifetime, max_message, ca_file,
 *                      tls_verify, price_decimals, qty_decimals,
 *                      contract_size, qty_unit (perp/future symbols),
 *                      refdata (yes|no)
 *
 * Durations and counts are read with mdbus's one grammar (mdbus_units.h):
 * "250ms", "2s", "1.5m", "30" (bare = seconds); "64Ki", "1MiB", "250k"
 * (k/M/G = 10^n, Ki/Mi/Gi = 2^n). A duration must be a whole number of
 * milliseconds. Every error names the file and line: "feedd.ini:12:
 * unknown key 'x' in [session a]". A missing required key names the line of
 * the section header.
 *
 * This layer checks SYNTAX only and knows no venue: whether the venue
 * exists, supports the channels, names every symbol and takes that many
 * streams is checked by the venue layer (feed_venue_check in venue.h), which
 * also fills in the venue's defaults (url, decimals). Run it after loading.
 *
 * Loading allocates (symbol arrays); nothing here runs on the hot path.
 */
#ifndef FEED_CONFIG_H
#define FEED_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "mdbus.h"

/* ---- limits -------------------------------------------------------------- */

#define FEED_SESSION_NAME_MAX 48 /* includes the NUL; [A-Za-z0-9_.-] */
#define FEED_HOST_MAX	      256
#define FEED_PATH_MAX	      512
#define FEED_FILE_MAX	      512  /* ca_file, config path */
#define FEED_SESSIONS_MAX     1024 /* feedd sizes the health region for its count */

/* [feed] idle: how the loop waits when no completion is ready. */
enum feed_idle {
	FEED_IDLE_SLEEP = 0, /* in io_uring_enter until a completion (the default) */
	FEED_IDLE_BUSY = 1,  /* polls the completion queue, never sleeps: a whole CPU */
};

/* Channel bits (feed_session_config.channels). */
#define FEED_CH_TRADES 0x01u
#define FEED_CH_BBO    0x02u
#define FEED_CH_L2     0x04u
#define FEED_CH_ALL    (FEED_CH_TRADES | FEED_CH_BBO | FEED_CH_L2)

/* ---- URLs ----------------------------------------------------------------- */

/* A parsed ws:// or wss:// URL. IPv6 literals are stored without brackets. */
struct feed_url {
	int tls;		  /* 1 for wss:// */
	uint16_t port;		  /* default 443 (wss) / 80 (ws) */
	char host[FEED_HOST_MAX]; /* "stream.binance.com", "::1" */
	char path[FEED_PATH_MAX]; /* "/ws", default "/"; includes ?query */
};

/* Parses "wss://host[:port][/path]" (host may be "[v6]").
 * Returns 0, -EINVAL (bad scheme/host/port; a reason goes to err if non-NULL)
 * or -ENAMETOOLONG. */
int feed_url_parse(const char *s, struct feed_url *out, char *err, size_t errlen);
/* https:// or http:// URL (rest_url): tls set for https, port 443 / 80. */
int feed_url_parse_http(const char *s, struct feed_url *out, char *err, size_t errlen);

/* ---- sessions ---------------------------------------------------------------- */

struct feed_session_config {
	char name[FEED_SESSION_NAME_MAX];
	char venue[MDBUS_VENUE_MAX];	   /* syntax only; feed_venue_check resolves it */
	struct feed_url url;		   /* zero until feed_venue_check sets the venue's
					      default_url, unless the file set one */
	char (*symbols)[MDBUS_SYMBOL_MAX]; /* normalized "BASE-QUOTE", unique */
	size_t nsymbols;
	uint32_t channels;		/* FEED_CH_*, default trades|bbo */
	int64_t ping_interval_ms;	/* 20s: WS ping (or venue ping) period */
	int64_t pong_timeout_ms;	/* 10s: no pong => half-open, reconnect */
	int64_t stale_timeout_ms;	/* 30s: no data => STALE */
	int64_t handshake_timeout_ms;	/* 10s: connect + TLS + upgrade + subscribe */
	int64_t reconnect_initial_ms;	/* 1s */
	int64_t reconnect_max_ms;	/* 60s */
	double reconnect_multiplier;	/* 2.0 (>= 1) */
	double reconnect_jitter;	/* 0.25 = +-25% (0 <= j < 1) */
	uint32_t reconnect_max_retries; /* 0 = forever */
	int64_t reconnect_reset_ms;	/* 30s of continuous LIVE resets the backoff */
	int64_t max_lifetime_ms;	/* 23h: planned reconnect (Binance cuts at 24h) */
	size_t max_message;		/* 1 MiB: largest WS message accepted */
	uint32_t streams_per_conn;	/* 0 = the venue's limit; may only lower it
					   (tests force several connections) */
	char ca_file[FEED_FILE_MAX];	/* "" = OpenSSL default paths */
	int tls_verify;			/* 1 (default); 0 is loudly logged */
	int price_decimals;		/* 0..18; -1 = the venue's (feed_venue_check) */
	int qty_decimals;
	int64_t contract_size;		/* perp/future symbols: base units per contract,
					   mantissa (0 = not set) ... */
	int contract_decimals;		/* ... / 10^this */
	int qty_unit;			/* enum mdbus_qty_unit; -1 = the venue's */
	uint32_t book_depth;		/* l2: levels per side kept in the segment (20) */
	struct feed_url rest_url;	/* REST base; host 0 = https:// + url's host and port */
	int64_t rest_fallback_after_ms; /* WS down this long: poll REST (0 = off) */
	int refdata;			/* 1 (default): fetch reference data at start */
	int line;			/* line of the [session NAME] header */
	/* Lines where keys the venue layer checks were set (in this section or
	 * in [feed]); 0 = not set, errors then name `line`. */
	int venue_line;
	int url_line;
	int symbols_line;
	int channels_line;
	int rest_fallback_line;
	int pdec_line; /* price_decimals, qty_decimals, contract_size: 0 = not set */
	int qdec_line;
	int contract_line;
};

/* ---- the whole file ------------------------------------------------------------ */

struct feed_config {
	char path[FEED_FILE_MAX];	      /* the file loaded */
	char bus[MDBUS_BUS_NAME_MAX];	      /* [bus] name; "" = $MDBUS_BUS or "default" */
	uint32_t slots;			      /* [bus] slots, power of two >= 64; default 1048576 */
	int64_t shutdown_timeout_ms;	      /* [feed] shutdown_timeout, default 2s */
	double connect_rate;		      /* [feed] connect_rate, new connections per
						 second over all sessions ("5/s"), default 5 */
	double snapshot_rate;		      /* [feed] snapshot_rate: REST depth snapshots per
						 second over all sessions, default 10 */
	int log_level;			      /* [feed] log_level: enum feed_log_level, info */
	int log_format;			      /* [feed] log_format: enum feed_log_format */
	uint32_t max_sessions;		      /* [feed] max_sessions: sessions a reload may reach;
						 0 = nsessions + 16 (feed_config_max_sessions) */
	int cpu;			      /* [feed] cpu: pin the loop thread; -1 = none */
	int idle;			      /* [feed] idle: enum feed_idle, sleep */
	int sqpoll;			      /* [feed] sqpoll: a kernel thread submits, off */
	int64_t refdata_timeout_ms;	      /* [feed] refdata_timeout: the start-up fetch, 5s */
	char cache_dir[FEED_FILE_MAX];	      /* [feed] cache_dir: "" = $CACHE_DIRECTORY, ... */
	struct feed_session_config *sessions; /* at least one */
	size_t nsessions;
};

/*
 * Loads and validates path into *out (zeroed first; free it with
 * feed_config_free, even after an error). Returns 0; -EINVAL for any
 * content error, with "FILE:LINE: reason" in err; -errno if the file cannot
 * be read ("FILE: strerror" in err); -ENOMEM.
 */
int feed_config_load(const char *path, struct feed_config *out, char *err, size_t errlen);

/* Same, from a NUL-terminated string; `name` stands for the file in errors
 * (tests). */
int feed_config_load_string(const char *text, const char *name, struct feed_config *out, char *err,
			    size_t errlen);

/* Frees what feed_config_load allocated; the struct can be loaded again.
 * NULL is a no-op. */
void feed_config_free(struct feed_config *c);

/* The session capacity feedd reserves at start: max_sessions, or the
 * sessions plus 16 (at most FEED_SESSIONS_MAX) when it is 0. */
uint32_t feed_config_max_sessions(const struct feed_config *c);

#endif /* FEED_CONFIG_H */
