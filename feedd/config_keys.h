/* SPDX-License-Identifier: MIT */
/*
 * config_keys.h: the typed key table behind config.c (internal to the
 * config module). One row per key: name, where it may appear, type, field
 * offset, default (written in the file's own grammar), range, and the hint
 * an error shows. Adding a key is adding a row.
 */
#ifndef FEED_CONFIG_KEYS_H
#define FEED_CONFIG_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Where a key goes: a field of struct feed_config ([bus] or [feed] only) or
 * of struct feed_session_config ([session NAME], or [feed] as a default). */
enum feed_cfg_where { CW_BUS, CW_FEED, CW_SESSION };

enum feed_cfg_type {
	CT_NAME,     /* venue name: syntax only, the venue layer resolves it */
	CT_URL,	     /* struct feed_url */
	CT_SYMBOLS,  /* comma list of BASE-QUOTE, may continue on indented lines */
	CT_CHANNELS, /* comma list of trades, bbo, l2 */
	CT_DURATION, /* int64 ms, at least min; mdbus_units_parse_duration */
	CT_COUNT,    /* unsigned field of `size` bytes in [min, max]; parse_count */
	CT_POW2,     /* CT_COUNT that must be a power of two */
	CT_MULT,     /* double in [1, 100] */
	CT_JITTER,   /* double in [0, 1), or a percentage */
	CT_FILE,     /* readable path */
	CT_BOOL,     /* yes/no, true/false, on/off, 1/0 */
	CT_BUS,	     /* bus name (mdbus_bus_name) */
	CT_RATE,     /* "5/s", "30/m": per second, as a double */
	CT_CONTRACT, /* contract_size: a positive exact decimal -> int64 + decimals after it */
	CT_QTYUNIT,  /* "contracts" or "base" -> enum mdbus_qty_unit (int) */
	CT_LOGLEVEL, /* error, warn, info, debug -> enum feed_log_level (int) */
	CT_LOGFMT,   /* logfmt or json -> enum feed_log_format (int) */
	CT_CPU,	     /* none or a CPU number this process may run on -> int, -1 = none */
	CT_IDLE,     /* sleep or busy -> enum feed_idle (int) */
	CT_HTTPURL,  /* https:// (or http://) URL: struct feed_url, tls set for https */
	CT_DIR,	     /* a directory path (need not exist yet) */
};

struct feed_cfg_key {
	const char *name;
	enum feed_cfg_where where;
	enum feed_cfg_type type;
	size_t off, size;
	const char *def; /* NULL: zero (or -1 for decimals: the venue's) */
	uint64_t min, max;
	const char *hint; /* "bad NAME 'VALUE' (hint)" */
};

/* Row indices: the session keys the loader itself looks at, then the rest. */
enum feed_cfg_row {
	K_VENUE,
	K_URL,
	K_SYMBOLS,
	K_CHANNELS,
	K_PING,
	K_PONG,
	K_STALE,
	K_HANDSHAKE,
	K_RINIT,
	K_RMAX,
	K_RMULT,
	K_RJITTER,
	K_RRETRIES,
	K_RRESET,
	K_LIFETIME,
	K_MAXMSG,
	K_SPC,
	K_CAFILE,
	K_TLSVERIFY,
	K_PDEC,
	K_QDEC,
	K_CONTRACT,
	K_QTYUNIT,
	K_BUSNAME,
	K_SLOTS,
	K_SHUTDOWN,
	K_RATE,
	K_SNAPRATE,
	K_LOGLEVEL,
	K_LOGFMT,
	K_MAXSESS,
	K_CPU,
	K_IDLE,
	K_SQPOLL,
	K_BOOKDEPTH,
	K_RESTURL,
	K_RESTFALLBACK,
	K_REFDATA,
	K_REFTIMEOUT,
	K_CACHEDIR,
	CFG_NKEYS
};
_Static_assert(CFG_NKEYS <= 64, "key masks are 64-bit");

extern const struct feed_cfg_key feed_cfg_keys[CFG_NKEYS];

/* The row called name, or NULL. */
const struct feed_cfg_key *feed_cfg_key_find(const char *name);

static inline unsigned feed_cfg_key_id(const struct feed_cfg_key *k)
{
	return (unsigned)(k - feed_cfg_keys);
}

/* Parses v (modified) into k's field of base; append continues a list.
 * Returns 0 or -errno with the reason in why. */
int feed_cfg_value(const struct feed_cfg_key *k, void *base, char *v, int append, char *why,
		   size_t wl);

/* Copies k's value from the [feed] defaults src into the session dst. */
int feed_cfg_copy(const struct feed_cfg_key *k, struct feed_session_config *dst,
		  const struct feed_session_config *src);

/* Sets every key of `where` in base to its default (a session is zeroed
 * first). Returns 0 or -errno with why (a bad row: a bug). */
int feed_cfg_defaults(enum feed_cfg_where where, void *base, char *why, size_t wl);

/* Strips blanks (and CR/LF at the end) in place. */
char *feed_cfg_trim(char *s);

#endif /* FEED_CONFIG_KEYS_H */
