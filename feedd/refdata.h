/* SPDX-License-Identifier: MIT */
/*
 * refdata.h: instrument reference data at start-up ([session] refdata).
 *
 * Before the instrument table is written, every session whose venue
 * publishes reference data (ops->ref.request) and whose `refdata` key is
 * on asks the venue's REST API for its symbols' tick size, lot size and
 * contract size (Binance exchangeInfo, OKX instruments, ...). The requests
 * go through the REST client (rest.h) on the loop's ring, every session in
 * parallel, the whole phase bounded by [feed] refdata_timeout. Then, per
 * symbol (feed_refdata_resolve):
 *
 *   price scale   price_decimals set in the file: kept, with a warning when
 *                 the tick has more decimals (such prices would be
 *                 refused); unset: the tick's decimals.
 *   qty scale     the same with qty_decimals and the lot size.
 *   contract      contract_size set and different from the venue's: a
 *                 warning (the file wins); unset: the venue's.
 *   not listed    a warning; the session starts (its data may be refused).
 *
 * A successful answer is cached per session in a small versioned text file
 * (cache_dir, written to a temporary file and renamed); when the fetch
 * fails or times out the cache is read instead, and a cache that is
 * corrupt, truncated or for another venue, REST host or symbol set is
 * refused with its reason. Without either, the config's and the venue's
 * defaults stand (what feedd did before reference data), with a warning.
 * One line per session says which: event=refdata source=rest|cache|default.
 *
 * A reload does not fetch again: a session (re)started by SIGHUP takes the
 * scales its name had at start (feed_refdata_find by name and venue).
 */
#ifndef FEED_REFDATA_H
#define FEED_REFDATA_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "loop.h"
#include "rest.h"
#include "tlsctx.h"
#include "venue.h"

#define FEED_REFDATA_CACHE_VERSION 1
#define FEED_REFDATA_CLIENTS	   64u /* REST hosts at most in the phase */
/* The phase's REST clients take user_data indices below FEED_UD_LOOP,
 * downward, clear of the daemon's (FEED_UD_REST_BASE upward). */
#define FEED_REFDATA_UD_TOP (FEED_UD_LOOP - 1u)

enum feed_refdata_source {
	FEED_REFDATA_NONE = 0, /* not in the phase (no ref ops, or refdata = no) */
	FEED_REFDATA_REST,
	FEED_REFDATA_CACHE,
	FEED_REFDATA_DEFAULT,
};

/* What one symbol's instrument gets. */
struct feed_refdata_sym {
	uint8_t price_dp, qty_dp;
	uint8_t contract_dp;
	int64_t contract; /* 0: the context's own (config) value stands */
};

enum feed_refdata_state {
	FEED_REFDATA_IDLE = 0,
	FEED_REFDATA_FETCHING,
	FEED_REFDATA_OK,
	FEED_REFDATA_FAILED
};

/* One session in the phase. */
struct feed_refdata_sess {
	const struct feed_session_config *sc; /* the start-up config's */
	char name[FEED_SESSION_NAME_MAX];
	char venue[MDBUS_VENUE_MAX];
	struct feed_venue_ctx v; /* every symbol of the session: request and parse */
	int v_ok;
	struct feed_ref_instr *ref;   /* v.nsyms: what the venue (or the cache) said */
	struct feed_refdata_sym *out; /* v.nsyms: the scales the instruments get */
	struct feed_rest *rest;	      /* the client of its REST base (shared) */
	char base[FEED_HOST_MAX + 8]; /* "host:port" of the REST base (cache key) */
	uint32_t k;		      /* the request in flight */
	int state;		      /* enum feed_refdata_state */
	int source;		      /* enum feed_refdata_source */
	uint32_t warnings;
	char why[256]; /* why the fetch failed */
};

struct feed_refdata {
	struct feed_refdata_sess *s; /* one per session of the start-up config */
	size_t n;
	struct feed_rest *rest[FEED_REFDATA_CLIENTS];
	unsigned nrest;
	int rest_idle;		 /* every client's ops completed: they may be freed */
	char dir[FEED_FILE_MAX]; /* cache directory, "" = none */
	const char *path;	 /* the config file (warnings name its lines) */
	char bus[MDBUS_BUS_NAME_MAX];
	int signal; /* SIGTERM or SIGINT received during the phase, else 0 */
};

/* The whole phase for cfg on loop (before any session runs on it). It arms
 * the signalfd read: SIGTERM or SIGINT ends the phase at once and is left
 * in rd->signal for the daemon to act on once started. Never fails the
 * start: errors become warnings and defaults. Returns 0, or -ENOMEM. */
int feed_refdata_run(struct feed_refdata *rd, struct feed_loop *loop, const struct feed_config *cfg,
		     struct feed_tlsctx_cache *tls, const char *bus);

/* The phase's result for a session called sc->name on sc->venue, or NULL. */
const struct feed_refdata_sess *feed_refdata_find(const struct feed_refdata *rd,
						  const struct feed_session_config *sc);

/* Gives the symbols of v (one connection's context) their scales from rs,
 * matched by name. */
void feed_refdata_apply(const struct feed_refdata_sess *rs, struct feed_venue_ctx *v);

/* Frees everything (after the ring is gone, or once rd->rest_idle). */
void feed_refdata_free(struct feed_refdata *rd);

/* ---- the parts (unit tests) ------------------------------------------------------ */

/* The rules above for every symbol of v (built from sc): out[i] from ref[i],
 * or the context's own values when ref is NULL. Warnings are logged, naming
 * the session, the symbol and path:line of the key. Returns their count. */
uint32_t feed_refdata_resolve(const char *path, const struct feed_session_config *sc,
			      const struct feed_venue_ctx *v, const struct feed_ref_instr *ref,
			      struct feed_refdata_sym *out);

/* The REST base of a session (rest_url, else https:// or http:// + the
 * url's host and port, else the venue's default REST host). 0 or -EINVAL
 * with err. */
int feed_refdata_rest_base(const struct feed_session_config *sc, const struct feed_venue_ops *ops,
			   struct feed_url *u, char *err, size_t errlen);

/* The cache directory: cfg_dir if set, else $CACHE_DIRECTORY (its first
 * entry), else $XDG_CACHE_HOME/mdbus, else $HOME/.cache/mdbus. 0 or
 * -ENOENT (none) / -ENAMETOOLONG. */
int feed_refdata_cache_dir(const char *cfg_dir, char *out, size_t len);

/* dir/refdata-BUS-SESSION.txt. 0 or -ENAMETOOLONG. */
int feed_refdata_cache_file(const char *dir, const char *bus, const char *session, char *out,
			    size_t len);

/* Writes v's symbols and ref to file (creating its directory): a temporary
 * file renamed over it, mode 0644. 0 or -errno. */
int feed_refdata_cache_write(const char *file, const char *venue, const char *base,
			     const struct feed_venue_ctx *v, const struct feed_ref_instr *ref);

/* Reads file into ref (v.nsyms entries) for venue, base and v's symbols.
 * 0; -ENOENT (no file); -EBADMSG (corrupt, truncated, another version) or
 * -ESTALE (another venue, REST host or symbol set), with the reason in why. */
int feed_refdata_cache_read(const char *file, const char *venue, const char *base,
			    const struct feed_venue_ctx *v, struct feed_ref_instr *ref, char *why,
			    size_t wl);

#endif /* FEED_REFDATA_H */
