/* SPDX-License-Identifier: MIT */
/*
 * config_keys.c: the key table and one small parser per value type
 * (config_keys.h). Durations and counts go through mdbus_units.h, the
 * grammar every mdbus tool reads; nothing here knows a venue.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config_keys.h"
#include "log.h"
#include "mdbus_units.h"
#include "symbol.h"

#define NS_PER_MS 1000000LL

/* One row of the table: the key's name, where it may stand, its type, the
 * field it fills (offset and size in struct st), default, bounds, hint. */
#define CFG_KEY(id, w, st, n, t, f, d, lo, hi, h)                                                  \
	[id] = {n, w, t, offsetof(struct st, f), sizeof(((struct st *)0)->f), d, lo, hi, h}
/* A session key (also allowed in [feed] as a default) and a global key. */
#define SK(id, n, t, f, d, lo, hi, h)                                                              \
	CFG_KEY(id, CW_SESSION, feed_session_config, n, t, f, d, lo, hi, h)
#define GK(id, w, n, t, f, d, lo, hi, h) CFG_KEY(id, w, feed_config, n, t, f, d, lo, hi, h)

const struct feed_cfg_key feed_cfg_keys[CFG_NKEYS] = {
	SK(K_VENUE, "venue", CT_NAME, venue, NULL, 0, 0, NULL),
	SK(K_URL, "url", CT_URL, url, NULL, 0, 0, NULL),
	/* symbols is a pointer: its size is never used (feed_cfg_copy special-cases it). */
	/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
	SK(K_SYMBOLS, "symbols", CT_SYMBOLS, symbols, NULL, 0, 0, NULL),
	SK(K_CHANNELS, "channels", CT_CHANNELS, channels, "trades, bbo", 0, 0, NULL),
	SK(K_PING, "ping_interval", CT_DURATION, ping_interval_ms, "20s", 0, 0, NULL),
	SK(K_PONG, "pong_timeout", CT_DURATION, pong_timeout_ms, "10s", 1, 0, NULL),
	SK(K_STALE, "stale_timeout", CT_DURATION, stale_timeout_ms, "30s", 0, 0, NULL),
	SK(K_HANDSHAKE, "handshake_timeout", CT_DURATION, handshake_timeout_ms, "10s", 1, 0, NULL),
	SK(K_RINIT, "reconnect_initial", CT_DURATION, reconnect_initial_ms, "1s", 1, 0, NULL),
	SK(K_RMAX, "reconnect_max", CT_DURATION, reconnect_max_ms, "60s", 1, 0, NULL),
	SK(K_RMULT, "reconnect_multiplier", CT_MULT, reconnect_multiplier, "2", 0, 0, NULL),
	SK(K_RJITTER, "reconnect_jitter", CT_JITTER, reconnect_jitter, "0.25", 0, 0, NULL),
	SK(K_RRETRIES, "reconnect_max_retries", CT_COUNT, reconnect_max_retries, "0", 0, UINT32_MAX,
	   "a whole number, 0 = forever"),
	SK(K_RRESET, "reconnect_reset", CT_DURATION, reconnect_reset_ms, "30s", 0, 0, NULL),
	SK(K_LIFETIME, "max_lifetime", CT_DURATION, max_lifetime_ms, "23h", 0, 0, NULL),
	SK(K_MAXMSG, "max_message", CT_COUNT, max_message, "1MiB", 1024, 64u << 20,
	   "1Ki to 64Mi bytes, e.g. 64Ki or 1MiB"),
	SK(K_SPC, "streams_per_conn", CT_COUNT, streams_per_conn, "0", 0, UINT32_MAX,
	   "a whole number, 0 = the venue's limit"),
	SK(K_BOOKDEPTH, "book_depth", CT_COUNT, book_depth, "20", 1, MDBUS_BOOK_LEVELS_MAX,
	   "1 to 1000 levels per side"),
	SK(K_RESTURL, "rest_url", CT_HTTPURL, rest_url, NULL, 0, 0, NULL),
	SK(K_RESTFALLBACK, "rest_fallback_after", CT_DURATION, rest_fallback_after_ms, "0", 0, 0,
	   NULL),
	SK(K_REFDATA, "refdata", CT_BOOL, refdata, "yes", 0, 0, NULL),
	SK(K_CAFILE, "ca_file", CT_FILE, ca_file, NULL, 0, 0, NULL),
	SK(K_TLSVERIFY, "tls_verify", CT_BOOL, tls_verify, "yes", 0, 0, NULL),
	SK(K_PDEC, "price_decimals", CT_COUNT, price_decimals, NULL, 0, MDBUS_DECIMALS_MAX,
	   "0 to 18"),
	SK(K_QDEC, "qty_decimals", CT_COUNT, qty_decimals, NULL, 0, MDBUS_DECIMALS_MAX, "0 to 18"),
	SK(K_CONTRACT, "contract_size", CT_CONTRACT, contract_size, NULL, 0, 0,
	   "a positive decimal, e.g. 0.001"),
	SK(K_QTYUNIT, "qty_unit", CT_QTYUNIT, qty_unit, NULL, 0, 0, "contracts or base"),
	GK(K_BUSNAME, CW_BUS, "name", CT_BUS, bus, NULL, 0, 0, NULL),
	GK(K_SLOTS, CW_BUS, "slots", CT_POW2, slots, "1Mi", 64, 1u << 30,
	   "a power of two, 64 to 2^30"),
	GK(K_SHUTDOWN, CW_FEED, "shutdown_timeout", CT_DURATION, shutdown_timeout_ms, "2s", 1, 0,
	   NULL),
	GK(K_RATE, CW_FEED, "connect_rate", CT_RATE, connect_rate, "5/s", 0, 0, NULL),
	GK(K_SNAPRATE, CW_FEED, "snapshot_rate", CT_RATE, snapshot_rate, "10/s", 0, 0, NULL),
	GK(K_LOGLEVEL, CW_FEED, "log_level", CT_LOGLEVEL, log_level, "info", 0, 0,
	   "error, warn, info or debug"),
	GK(K_LOGFMT, CW_FEED, "log_format", CT_LOGFMT, log_format, "logfmt", 0, 0,
	   "logfmt or json"),
	GK(K_MAXSESS, CW_FEED, "max_sessions", CT_COUNT, max_sessions, "0", 0, FEED_SESSIONS_MAX,
	   "a whole number up to 1024, 0 = the sessions plus 16"),
	GK(K_CPU, CW_FEED, "cpu", CT_CPU, cpu, "none", 0, 0, "none or a CPU number"),
	GK(K_IDLE, CW_FEED, "idle", CT_IDLE, idle, "sleep", 0, 0, "sleep or busy"),
	GK(K_SQPOLL, CW_FEED, "sqpoll", CT_BOOL, sqpoll, "off", 0, 0, NULL),
	GK(K_REFTIMEOUT, CW_FEED, "refdata_timeout", CT_DURATION, refdata_timeout_ms, "5s", 1, 0,
	   NULL),
	GK(K_CACHEDIR, CW_FEED, "cache_dir", CT_DIR, cache_dir, NULL, 0, 0, NULL),
};

_Static_assert(MDBUS_DECIMALS_MAX == 18, "the decimals hint says 0 to 18");

const struct feed_cfg_key *feed_cfg_key_find(const char *name)
{
	size_t i;

	for (i = 0; i < CFG_NKEYS; i++)
		if (!strcmp(feed_cfg_keys[i].name, name))
			return &feed_cfg_keys[i];
	return NULL;
}

char *feed_cfg_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* One value to parse: its key row, the section's struct (base), the field
 * in it, the text (a parser may edit it in place), whether it continues a
 * list, and where the reason goes. Every parser takes this, so the key type
 * picks one from a table (feed_cfg_value). */
struct cfg_val {
	const struct feed_cfg_key *k;
	void *base;
	void *f;
	char *v;
	int append;
	char *why;
	size_t wl;
};

static int cfg_url(const struct cfg_val *a)
{
	return feed_url_parse(a->v, a->f, a->why, a->wl);
}

static int cfg_http_url(const struct cfg_val *a)
{
	return feed_url_parse_http(a->v, a->f, a->why, a->wl);
}

/* ---- lists ---------------------------------------------------------------- */

static int cfg_add_symbol(struct feed_session_config *s, const char *sym)
{
	char(*n)[MDBUS_SYMBOL_MAX];
	size_t i;

	for (i = 0; i < s->nsymbols; i++)
		if (!strcmp(s->symbols[i], sym))
			return -EEXIST;
	/* Grow by doubling: capacity is the next power of two >= nsymbols. */
	if ((s->nsymbols & (s->nsymbols - 1)) == 0) {
		n = realloc(s->symbols, (s->nsymbols ? 2 * s->nsymbols : 4) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->symbols = n;
	}
	strcpy(s->symbols[s->nsymbols++], sym);
	return 0;
}

/* Appends a comma list to the session's symbols (or replaces them). */
static int cfg_symbols(const struct cfg_val *a)
{
	struct feed_session_config *s = a->base;
	char *tok, *save = NULL;
	int rc, any = 0;

	if (!a->append) {
		free(s->symbols);
		s->symbols = NULL;
		s->nsymbols = 0;
	}
	for (tok = strtok_r(a->v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok = feed_cfg_trim(tok);
		if (!*tok)
			continue;
		if (!feed_symbol_valid(tok)) {
			snprintf(a->why, a->wl,
				 "bad symbol '%s' (use upper-case BASE-QUOTE[-PERP|-YYYYMMDD], "
				 "e.g. BTC-USDT)",
				 tok);
			return -EINVAL;
		}
		rc = cfg_add_symbol(s, tok);
		if (rc == -EEXIST) {
			snprintf(a->why, a->wl, "symbol '%s' listed twice", tok);
			return -EINVAL;
		}
		if (rc < 0) {
			snprintf(a->why, a->wl, "out of memory");
			return rc;
		}
		any = 1;
	}
	if (!any) {
		snprintf(a->why, a->wl, "empty symbol list");
		return -EINVAL;
	}
	return 0;
}

static int cfg_channels(const struct cfg_val *a)
{
	uint32_t *mask = a->f;
	static const char *const names[] = {"trades", "bbo", "l2"};
	static const uint32_t bits[] = {FEED_CH_TRADES, FEED_CH_BBO, FEED_CH_L2};
	char *tok, *save = NULL;
	uint32_t m = a->append ? *mask : 0;
	size_t i;

	for (tok = strtok_r(a->v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok = feed_cfg_trim(tok);
		if (!*tok)
			continue;
		for (i = 0; i < 3 && strcmp(tok, names[i]) != 0; i++)
			;
		if (i == 3) {
			snprintf(a->why, a->wl, "unknown channel '%s' (use trades, bbo, l2)", tok);
			return -EINVAL;
		}
		m |= bits[i];
	}
	if (!m) {
		snprintf(a->why, a->wl, "empty channel list");
		return -EINVAL;
	}
	*mask = m;
	return 0;
}

/* ---- numbers ---------------------------------------------------------------- */

/* The one duration grammar, then whole milliseconds and the row's minimum. */
static int cfg_duration(const struct cfg_val *a)
{
	int64_t *ms = a->f;
	int64_t ns;

	if (mdbus_units_parse_duration(a->v, &ns) < 0) {
		snprintf(a->why, a->wl,
			 "bad duration '%s' for %s (e.g. 250ms, 2s, 1.5m, 23h; a bare number is "
			 "seconds)",
			 a->v, a->k->name);
		return -EINVAL;
	}
	if (ns % NS_PER_MS) {
		snprintf(a->why, a->wl, "%s '%s' is not a whole number of milliseconds", a->k->name,
			 a->v);
		return -EINVAL;
	}
	if ((uint64_t)(ns / NS_PER_MS) < a->k->min) {
		snprintf(a->why, a->wl, "%s must be more than 0", a->k->name);
		return -EINVAL;
	}
	*ms = ns / NS_PER_MS;
	return 0;
}

/* The one count grammar into an unsigned (or, for decimals, int) field. */
static int cfg_count(const struct cfg_val *a)
{
	uint64_t u;

	if (mdbus_units_parse_count(a->v, a->k->max, &u) < 0 || u < a->k->min ||
	    (a->k->type == CT_POW2 && (u & (u - 1)))) {
		snprintf(a->why, a->wl, "bad %s '%s' (%s)", a->k->name, a->v, a->k->hint);
		return -EINVAL;
	}
	if (a->k->size == sizeof(uint32_t)) {
		uint32_t x = (uint32_t)u; /* max <= UINT32_MAX (or INT_MAX for int fields) */
		memcpy(a->f, &x, sizeof(x));
	} else {
		memcpy(a->f, &u, sizeof(u));
	}
	return 0;
}

_Static_assert(sizeof(int) == sizeof(uint32_t) && sizeof(size_t) == sizeof(uint64_t),
	       "cfg_count stores 4- and 8-byte fields");

static int cfg_double(const char *s, double *out)
{
	char *end;
	double d;

	if (!*s)
		return -EINVAL;
	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || *end || d != d)
		return -EINVAL;
	*out = d;
	return 0;
}

static int cfg_mult(const struct cfg_val *a)
{
	double *out = a->f;
	double d;

	if (cfg_double(a->v, &d) < 0 || d < 1.0 || d > 100.0) {
		snprintf(a->why, a->wl, "bad %s '%s' (a number from 1 to 100)", a->k->name, a->v);
		return -EINVAL;
	}
	*out = d;
	return 0;
}

/* "0.1" or "10%". */
static int cfg_jitter(const struct cfg_val *a)
{
	double *out = a->f;
	size_t n = strlen(a->v);
	int pct = n > 0 && a->v[n - 1] == '%';
	double d;

	if (pct)
		a->v[n - 1] = '\0';
	if (cfg_double(feed_cfg_trim(a->v), &d) < 0 || (pct && (d /= 100.0, 0)) || d < 0.0 ||
	    d >= 1.0) {
		snprintf(a->why, a->wl, "bad %s '%s%s' (0 <= jitter < 1, or a percentage)",
			 a->k->name, a->v, pct ? "%" : "");
		return -EINVAL;
	}
	*out = d;
	return 0;
}

/* "5/s", "30/m" or a bare number per second. */
static int cfg_rate(const struct cfg_val *a)
{
	double *out = a->f;
	char *slash = strchr(a->v, '/');
	double d, per = 1.0;

	if (slash) {
		*slash = '\0';
		per = !strcmp(slash + 1, "s") ? 1.0 : !strcmp(slash + 1, "m") ? 60.0 : -1.0;
	}
	if (per < 0 || cfg_double(feed_cfg_trim(a->v), &d) < 0 || !(d > 0) || d > 1e6) {
		if (slash)
			*slash = '/';
		snprintf(a->why, a->wl, "bad %s '%s' (e.g. 5/s or 30/m)", a->k->name, a->v);
		return -EINVAL;
	}
	*out = d / per;
	return 0;
}

/* ---- words ------------------------------------------------------------------ */

static int cfg_bool(const struct cfg_val *a)
{
	int *out = a->f;
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(a->v, yes[i]) || !strcasecmp(a->v, no[i])) {
			*out = !strcasecmp(a->v, yes[i]);
			return 0;
		}
	}
	snprintf(a->why, a->wl, "bad %s '%s' (yes or no)", a->k->name, a->v);
	return -EINVAL;
}

static int cfg_name(const struct cfg_val *a)
{
	size_t i, n = strlen(a->v);

	for (i = 0; i < n; i++)
		if (!((a->v[i] >= 'a' && a->v[i] <= 'z') || (a->v[i] >= 'A' && a->v[i] <= 'Z') ||
		      (a->v[i] >= '0' && a->v[i] <= '9') || a->v[i] == '-' || a->v[i] == '_' ||
		      a->v[i] == '.'))
			break;
	if (n == 0 || i < n || n >= a->k->size) {
		snprintf(a->why, a->wl, "bad %s '%s' (1-%zu chars of A-Z a-z 0-9 . _ -)",
			 a->k->name, a->v, a->k->size - 1);
		return -EINVAL;
	}
	memcpy(a->f, a->v, n + 1);
	return 0;
}

static int cfg_bus(const struct cfg_val *a)
{
	if (!*a->v || mdbus_bus_name(a->v, a->f, a->k->size) < 0) {
		snprintf(a->why, a->wl,
			 "bad bus name '%s' (1-%d chars of A-Z a-z 0-9 . _ -, not starting with "
			 "'.')",
			 a->v, MDBUS_BUS_NAME_MAX - 1);
		return -EINVAL;
	}
	return 0;
}

static int cfg_file(const struct cfg_val *a)
{
	if (!*a->v || strlen(a->v) >= a->k->size) {
		snprintf(a->why, a->wl, "bad %s '%s'", a->k->name, a->v);
		return -EINVAL;
	}
	if (access(a->v, R_OK) < 0) {
		snprintf(a->why, a->wl, "%s '%s': %s", a->k->name, a->v, strerror(errno));
		return -EINVAL;
	}
	strcpy(a->f, a->v);
	return 0;
}

/* cache_dir: any path that fits (created when the first cache file is
 * written; one that cannot be is logged then, not refused here). */
static int cfg_dir(const struct cfg_val *a)
{
	if (!*a->v || strlen(a->v) >= a->k->size) {
		snprintf(a->why, a->wl, "bad %s '%s' (a directory path, at most %zu bytes)",
			 a->k->name, a->v, a->k->size - 1);
		return -EINVAL;
	}
	strcpy(a->f, a->v);
	return 0;
}

/* contract_size: exact, positive, at most MDBUS_DECIMALS_MAX places; the
 * decimals that follow the field are its scale (trailing zeros dropped). */
static int cfg_contract(const struct cfg_val *a)
{
	struct feed_session_config *s = a->base;
	const char *dot = strchr(a->v, '.');
	size_t len = strlen(a->v), dec = dot ? len - (size_t)(dot - a->v) - 1 : 0;
	int64_t m = 0;

	while (dot && dec > 0 && a->v[len - 1] == '0') {
		len--;
		dec--;
	}
	if (dec > MDBUS_DECIMALS_MAX || mdbus_decimal_parse(a->v, len, (unsigned)dec, &m) < 0 ||
	    m <= 0) {
		snprintf(a->why, a->wl, "bad %s '%s' (%s)", a->k->name, a->v, a->k->hint);
		return -EINVAL;
	}
	s->contract_size = m;
	s->contract_decimals = (int)dec;
	return 0;
}

static int cfg_qty_unit(const struct cfg_val *a)
{
	int *out = a->f;
	if (!strcasecmp(a->v, "contracts")) {
		*out = MDBUS_QTY_CONTRACTS;
	} else if (!strcasecmp(a->v, "base")) {
		*out = MDBUS_QTY_BASE;
	} else {
		snprintf(a->why, a->wl, "bad %s '%s' (%s)", a->k->name, a->v, a->k->hint);
		return -EINVAL;
	}
	return 0;
}

/* log_level and log_format: a word of the list, stored as its index. */
static int cfg_word(const struct cfg_val *a, const char *const *words, size_t n)
{
	int *out = a->f;

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(a->v, words[i])) {
			*out = (int)i;
			return 0;
		}
	}
	snprintf(a->why, a->wl, "bad %s '%s' (%s)", a->k->name, a->v, a->k->hint);
	return -EINVAL;
}

static int cfg_log_level(const struct cfg_val *a)
{
	static const char *const w[] = {
		[FEED_LOG_ERROR] = "error",
		[FEED_LOG_WARN] = "warn",
		[FEED_LOG_INFO] = "info",
		[FEED_LOG_DEBUG] = "debug",
	};
	return cfg_word(a, w, sizeof(w) / sizeof(w[0]));
}

static int cfg_log_format(const struct cfg_val *a)
{
	static const char *const w[] = {[FEED_LOG_LOGFMT] = "logfmt", [FEED_LOG_JSON] = "json"};
	return cfg_word(a, w, sizeof(w) / sizeof(w[0]));
}

static int cfg_idle(const struct cfg_val *a)
{
	static const char *const w[] = {[FEED_IDLE_SLEEP] = "sleep", [FEED_IDLE_BUSY] = "busy"};
	return cfg_word(a, w, sizeof(w) / sizeof(w[0]));
}

/* "none", or a CPU that exists and that this process may run on (its
 * affinity mask, e.g. a cpuset or taskset around feedd): pinning to any
 * other fails at start, so the file's line says it now. */
static int cfg_cpu(const struct cfg_val *a)
{
	int *out = a->f;
	cpu_set_t allowed;
	uint64_t u;
	long n = sysconf(_SC_NPROCESSORS_CONF);

	if (!strcmp(a->v, "none")) {
		*out = -1;
		return 0;
	}
	if (mdbus_units_parse_count(a->v, CPU_SETSIZE - 1, &u) < 0) {
		snprintf(a->why, a->wl, "bad %s '%s' (%s)", a->k->name, a->v, a->k->hint);
		return -EINVAL;
	}
	if (n > 0 && u >= (uint64_t)n) {
		snprintf(a->why, a->wl, "%s %s does not exist (this machine has CPUs 0 to %ld)",
			 a->k->name, a->v, n - 1);
		return -EINVAL;
	}
	CPU_ZERO(&allowed);
	if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0 && !CPU_ISSET(u, &allowed)) {
		snprintf(a->why, a->wl,
			 "%s %s is not in the CPUs feedd may run on (its affinity "
			 "mask)",
			 a->k->name, a->v);
		return -EINVAL;
	}
	*out = (int)u;
	return 0;
}

/* ---- the table's entry points ------------------------------------------------------ */

static int (*const cfg_parse[])(const struct cfg_val *a) = {
	[CT_NAME] = cfg_name,	       [CT_URL] = cfg_url,	     [CT_SYMBOLS] = cfg_symbols,
	[CT_CHANNELS] = cfg_channels,  [CT_DURATION] = cfg_duration, [CT_COUNT] = cfg_count,
	[CT_POW2] = cfg_count,	       [CT_MULT] = cfg_mult,	     [CT_JITTER] = cfg_jitter,
	[CT_FILE] = cfg_file,	       [CT_BOOL] = cfg_bool,	     [CT_BUS] = cfg_bus,
	[CT_RATE] = cfg_rate,	       [CT_CONTRACT] = cfg_contract, [CT_QTYUNIT] = cfg_qty_unit,
	[CT_LOGLEVEL] = cfg_log_level, [CT_LOGFMT] = cfg_log_format, [CT_CPU] = cfg_cpu,
	[CT_IDLE] = cfg_idle,	       [CT_HTTPURL] = cfg_http_url,  [CT_DIR] = cfg_dir,
};

/* v and why are written through cfg_val (the parsers edit v in place, set why). */
// NOLINTNEXTLINE(readability-non-const-parameter)
int feed_cfg_value(const struct feed_cfg_key *k, void *base, char *v, int append, char *why,
		   size_t wl)
{
	struct cfg_val a = {k, base, (char *)base + k->off, v, append, why, wl};

	if ((size_t)k->type >= sizeof(cfg_parse) / sizeof(cfg_parse[0]) || !cfg_parse[k->type])
		return -EINVAL;
	return cfg_parse[k->type](&a);
}

int feed_cfg_copy(const struct feed_cfg_key *k, struct feed_session_config *dst,
		  const struct feed_session_config *src)
{
	size_t i;

	if (k->type == CT_SYMBOLS) {
		for (i = 0; i < src->nsymbols; i++)
			if (cfg_add_symbol(dst, src->symbols[i]) < 0)
				return -ENOMEM;
		return 0;
	}
	if (k->type == CT_CONTRACT)
		dst->contract_decimals = src->contract_decimals;
	memcpy((char *)dst + k->off, (const char *)src + k->off, k->size);
	return 0;
}

int feed_cfg_defaults(enum feed_cfg_where where, void *base, char *why, size_t wl)
{
	char v[64];
	size_t i;

	if (where == CW_SESSION) {
		struct feed_session_config *s = base;
		memset(s, 0, sizeof(*s));
		s->price_decimals = -1; /* the venue's, filled in by feed_venue_check */
		s->qty_decimals = -1;
		s->qty_unit = -1; /* the venue's */
	}
	for (i = 0; i < CFG_NKEYS; i++) {
		const struct feed_cfg_key *k = &feed_cfg_keys[i];

		if (k->where != where || !k->def)
			continue;
		snprintf(v, sizeof(v), "%s", k->def);
		if (feed_cfg_value(k, base, v, 0, why, wl) < 0)
			return -EINVAL;
	}
	return 0;
}
