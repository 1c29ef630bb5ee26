/* SPDX-License-Identifier: MIT */
/*
 * config.c: loads feedd's INI file with libinih (config.h).
 *
 * Debian's libinih is built without INI_HANDLER_LINENO, so handlers do not
 * get line numbers. We feed inih through our own line reader
 * (ini_parse_stream) that counts physical lines, notices section headers
 * (inih does not call the handler for a header alone, and we need the
 * header's line for "missing key" errors) and refuses lines longer than
 * inih's buffer instead of letting inih split them into two lines. The
 * handler runs right after the reader returned its line, so the reader's
 * counter is the line of the key being handled. inih's process-wide
 * settings (ini_max_line, ...) are left alone.
 *
 * [feed] holds defaults for every session key; they are merged after the
 * whole file is read, so their position in the file does not matter.
 */
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "venue.h"

#define CFG_FILE_SIZE_MAX (1u << 20)

/* ---- session keys ------------------------------------------------------- */

enum cfg_type {
	CT_VENUE,
	CT_URL,
	CT_SYMBOLS,
	CT_CHANNELS,
	CT_DURATION,  /* int64 ms, > 0 */
	CT_DURATION0, /* int64 ms, 0 = off */
	CT_MULT,      /* double >= 1 */
	CT_JITTER,    /* double in [0, 1) */
	CT_U32,
	CT_SIZE,
	CT_FILE,
	CT_BOOL,
	CT_DECIMALS,
};

struct cfg_key {
	const char *name;
	enum cfg_type type;
	size_t off;
	size_t size;
};

#define SK(n, t, f)                                                                                \
	{                                                                                          \
		n, t, offsetof(struct feed_session_config, f),                                     \
			sizeof(((struct feed_session_config *)0)->f)                               \
	}

static const struct cfg_key cfg_keys[] = {
	SK("venue", CT_VENUE, venue),
	SK("url", CT_URL, url),
	/* symbols is a pointer: its size is never used (cfg_copy special-cases CT_SYMBOLS). */
	/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
	SK("symbols", CT_SYMBOLS, symbols),
	SK("channels", CT_CHANNELS, channels),
	SK("ping_interval", CT_DURATION0, ping_interval_ms),
	SK("pong_timeout", CT_DURATION, pong_timeout_ms),
	SK("stale_timeout", CT_DURATION0, stale_timeout_ms),
	SK("handshake_timeout", CT_DURATION, handshake_timeout_ms),
	SK("reconnect_initial", CT_DURATION, reconnect_initial_ms),
	SK("reconnect_max", CT_DURATION, reconnect_max_ms),
	SK("reconnect_multiplier", CT_MULT, reconnect_multiplier),
	SK("reconnect_jitter", CT_JITTER, reconnect_jitter),
	SK("reconnect_max_retries", CT_U32, reconnect_max_retries),
	SK("reconnect_reset", CT_DURATION0, reconnect_reset_ms),
	SK("max_lifetime", CT_DURATION0, max_lifetime_ms),
	SK("max_message", CT_SIZE, max_message),
	SK("ca_file", CT_FILE, ca_file),
	SK("tls_verify", CT_BOOL, tls_verify),
	SK("price_decimals", CT_DECIMALS, price_decimals),
	SK("qty_decimals", CT_DECIMALS, qty_decimals),
};

#define CFG_NKEYS (sizeof(cfg_keys) / sizeof(cfg_keys[0]))
_Static_assert(CFG_NKEYS <= 32, "key masks are 32-bit");

enum { CK_VENUE = 0, CK_URL = 1, CK_SYMBOLS = 2, CK_CHANNELS = 3, CK_RMAX = 9 };

/* keys of [bus] and [feed] that are not session keys */
enum cfg_global { CG_BUS_NAME, CG_BUS_SLOTS, CG_SHUTDOWN, CG_RATE, CG__COUNT };

enum cfg_section { SEC_NONE, SEC_BUS, SEC_FEED, SEC_SESSION };

struct cfg_parse {
	struct feed_config *c;
	const char *file;
	char *err;
	size_t errlen;
	int err_line; /* line of the first error, 0 = none */
	int io_error; /* the reader stopped: its error is final */
	/* reader */
	const char *text;
	size_t len, pos;
	int line;     /* physical line just returned by the reader */
	int indented; /* it began with whitespace */
	/* section */
	enum cfg_section sec;
	struct feed_session_config *cur; /* SEC_SESSION: the session, SEC_FEED: &defaults */
	uint32_t *cur_set;
	int *cur_lines;
	char prev_key[64]; /* inih's prev_name: continuation lines extend it */
	/* [feed] defaults */
	struct feed_session_config defaults;
	uint32_t defaults_set;
	int defaults_lines[CFG_NKEYS];
	int feed_line;
	/* per session */
	uint32_t set[FEED_SESSIONS_MAX];
	int lines[FEED_SESSIONS_MAX][CFG_NKEYS];
	/* [bus] / [feed] own keys */
	int global_lines[CG__COUNT];
};

static void cfg_error(struct cfg_parse *ps, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Keeps the first error only (the file is read top to bottom). */
static void cfg_error(struct cfg_parse *ps, int line, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	if (ps->err_line)
		return;
	ps->err_line = line > 0 ? line : 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->err && ps->errlen)
		snprintf(ps->err, ps->errlen, "%s:%d: %s", ps->file, ps->err_line, msg);
}

/* ---- small parsers ------------------------------------------------------- */

static char *cfg_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static int cfg_u64(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*end = p;
	*out = v;
	return 0;
}

int feed_duration_parse(const char *s, int64_t *ms)
{
	const char *u;
	uint64_t v, mul;
	int rc;

	rc = cfg_u64(s, &u, &v);
	if (rc < 0)
		return rc;
	if (strcmp(u, "ms") == 0 || (*u == '\0' && v == 0)) /* a bare 0 needs no unit */
		mul = 1;
	else if (strcmp(u, "s") == 0)
		mul = 1000;
	else if (strcmp(u, "m") == 0)
		mul = 60000;
	else if (strcmp(u, "h") == 0)
		mul = 3600000;
	else
		return -EINVAL;
	if (v > (uint64_t)INT64_MAX / mul / 1000000) /* must still fit in ns */
		return -ERANGE;
	*ms = (int64_t)(v * mul);
	return 0;
}

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

static int cfg_size(const char *s, size_t *out)
{
	const char *u;
	uint64_t v, mul = 1;
	int rc = cfg_u64(s, &u, &v);

	if (rc < 0)
		return rc;
	if (*u == '\0')
		mul = 1;
	else if (!strcmp(u, "k") || !strcmp(u, "K") || !strcmp(u, "KiB"))
		mul = 1024;
	else if (!strcmp(u, "M") || !strcmp(u, "MiB"))
		mul = 1024ULL * 1024;
	else
		return -EINVAL;
	if (v > SIZE_MAX / mul)
		return -ERANGE;
	*out = (size_t)(v * mul);
	return 0;
}

static int cfg_bool(const char *s, int *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

int feed_symbol_valid(const char *s)
{
	size_t i, dash = 0, n = strlen(s);

	if (n < 3 || n >= MDBUS_SYMBOL_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '-') {
			if (dash || i == 0 || i == n - 1)
				return 0;
			dash = i;
		} else if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9'))) {
			return 0;
		}
	}
	return dash != 0;
}

int feed_url_parse(const char *s, struct feed_url *out, char *err, size_t errlen)
{
	const char *h, *he, *p, *path;
	uint64_t port = 0;
	size_t hl;

#define URL_FAIL(rc, ...)                                                                          \
	do {                                                                                       \
		if (err && errlen)                                                                 \
			snprintf(err, errlen, __VA_ARGS__);                                        \
		return rc;                                                                         \
	} while (0)

	memset(out, 0, sizeof(*out));
	if (!strncmp(s, "wss://", 6)) {
		out->tls = 1;
		out->port = 443;
		h = s + 6;
	} else if (!strncmp(s, "ws://", 5)) {
		out->tls = 0;
		out->port = 80;
		h = s + 5;
	} else {
		URL_FAIL(-EINVAL, "bad url '%s' (use wss://host[:port]/path or ws://...)", s);
	}
	if (*h == '[') {
		he = strchr(h, ']');
		if (!he || he == h + 1)
			URL_FAIL(-EINVAL, "bad IPv6 literal in url '%s'", s);
		for (p = h + 1; p < he; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
			      (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'))
				URL_FAIL(-EINVAL, "bad IPv6 literal in url '%s'", s);
		hl = (size_t)(he - h - 1);
		h++;
		p = he + 1;
	} else {
		for (p = h; *p && *p != ':' && *p != '/' && *p != '?'; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_'))
				URL_FAIL(-EINVAL, "bad character in url host '%s'", s);
		hl = (size_t)(p - h);
		if (hl == 0)
			URL_FAIL(-EINVAL, "url '%s' has no host", s);
	}
	if (hl >= sizeof(out->host))
		URL_FAIL(-ENAMETOOLONG, "url host too long");
	memcpy(out->host, h, hl);
	out->host[hl] = '\0';
	if (*p == ':') {
		const char *e;
		if (cfg_u64(p + 1, &e, &port) < 0 || port == 0 || port > 65535 ||
		    (*e && *e != '/' && *e != '?'))
			URL_FAIL(-EINVAL, "bad port in url '%s'", s);
		out->port = (uint16_t)port;
		p = e;
	} else if (*p && *p != '/' && *p != '?') {
		URL_FAIL(-EINVAL, "bad url '%s'", s);
	}
	path = *p ? p : "/";
	if (*path == '?') {
		/* "wss://h?x" -> "/?x" */
		if (strlen(path) + 2 > sizeof(out->path))
			URL_FAIL(-ENAMETOOLONG, "url path too long");
		out->path[0] = '/';
		strcpy(out->path + 1, path);
	} else {
		if (strlen(path) >= sizeof(out->path))
			URL_FAIL(-ENAMETOOLONG, "url path too long");
		strcpy(out->path, path);
	}
	for (p = out->path; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '#')
			URL_FAIL(-EINVAL, "bad character in url path '%s'", s);
	return 0;
#undef URL_FAIL
}

/* ---- session defaults and values ------------------------------------------- */

static void cfg_session_builtin(struct feed_session_config *s)
{
	memset(s, 0, sizeof(*s));
	s->channels = FEED_CH_TRADES | FEED_CH_BBO;
	s->ping_interval_ms = 20000;
	s->pong_timeout_ms = 10000;
	s->stale_timeout_ms = 30000;
	s->handshake_timeout_ms = 10000;
	s->reconnect_initial_ms = 1000;
	s->reconnect_max_ms = 60000;
	s->reconnect_multiplier = 2.0;
	s->reconnect_jitter = 0.25;
	s->reconnect_max_retries = 0;
	s->reconnect_reset_ms = 30000;
	s->max_lifetime_ms = 23LL * 3600 * 1000;
	s->max_message = 1u << 20;
	s->tls_verify = 1;
	s->price_decimals = -1;
	s->qty_decimals = -1;
}

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

/* Appends a comma list to the session's symbols (why gets the reason). */
static int cfg_symbols(struct feed_session_config *s, char *v, char *why, size_t whylen)
{
	char *tok, *save = NULL;
	int rc, any = 0;

	for (tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok = cfg_trim(tok);
		if (!*tok)
			continue;
		if (!feed_symbol_valid(tok)) {
			snprintf(why, whylen,
				 "bad symbol '%s' (use upper-case BASE-QUOTE, e.g. BTC-USDT)", tok);
			return -EINVAL;
		}
		rc = cfg_add_symbol(s, tok);
		if (rc == -EEXIST) {
			snprintf(why, whylen, "symbol '%s' listed twice", tok);
			return -EINVAL;
		}
		if (rc < 0) {
			snprintf(why, whylen, "out of memory");
			return rc;
		}
		any = 1;
	}
	if (!any) {
		snprintf(why, whylen, "empty symbol list");
		return -EINVAL;
	}
	return 0;
}

static int cfg_channels(uint32_t *mask, char *v, int append, char *why, size_t whylen)
{
	char *tok, *save = NULL;
	uint32_t m = append ? *mask : 0, bit;

	for (tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok = cfg_trim(tok);
		if (!*tok)
			continue;
		if (!strcmp(tok, "trades"))
			bit = FEED_CH_TRADES;
		else if (!strcmp(tok, "bbo"))
			bit = FEED_CH_BBO;
		else if (!strcmp(tok, "l2"))
			bit = FEED_CH_L2;
		else {
			snprintf(why, whylen, "unknown channel '%s' (use trades, bbo, l2)", tok);
			return -EINVAL;
		}
		m |= bit;
	}
	if (!m) {
		snprintf(why, whylen, "empty channel list");
		return -EINVAL;
	}
	*mask = m;
	return 0;
}

/* Parses value v for key k into session s. Returns 0 or -errno with why. */
static int cfg_set(struct feed_session_config *s, const struct cfg_key *k, char *v, int append,
		   char *why, size_t whylen)
{
	void *f = (char *)s + k->off;
	int64_t ms;
	uint64_t u;
	double d;
	size_t sz;
	const char *e;
	int b, rc;

	switch (k->type) {
	case CT_VENUE: {
		const struct feed_venue_ops *ops = feed_venue_find(v);
		size_t vl;
		if (!ops || (vl = strlen(ops->name)) >= sizeof(s->venue)) {
			snprintf(why, whylen, "unknown venue '%s'", v);
			return -EINVAL;
		}
		memcpy(s->venue, ops->name, vl + 1);
		return 0;
	}
	case CT_URL:
		return feed_url_parse(v, &s->url, why, whylen);
	case CT_SYMBOLS:
		if (!append) {
			free(s->symbols);
			s->symbols = NULL;
			s->nsymbols = 0;
		}
		return cfg_symbols(s, v, why, whylen);
	case CT_CHANNELS:
		return cfg_channels(&s->channels, v, append, why, whylen);
	case CT_DURATION:
	case CT_DURATION0:
		rc = feed_duration_parse(v, &ms);
		if (rc < 0) {
			snprintf(why, whylen, "bad duration '%s' for %s (use ms, s, m, h)", v,
				 k->name);
			return -EINVAL;
		}
		if (k->type == CT_DURATION && ms == 0) {
			snprintf(why, whylen, "%s must be more than 0", k->name);
			return -EINVAL;
		}
		*(int64_t *)f = ms;
		return 0;
	case CT_MULT:
		if (cfg_double(v, &d) < 0 || d < 1.0 || d > 100.0) {
			snprintf(why, whylen, "bad %s '%s' (a number from 1 to 100)", k->name, v);
			return -EINVAL;
		}
		*(double *)f = d;
		return 0;
	case CT_JITTER: {
		size_t n = strlen(v);
		int pct = n > 0 && v[n - 1] == '%';
		if (pct)
			v[n - 1] = '\0';
		if (cfg_double(cfg_trim(v), &d) < 0 || (pct && (d /= 100.0, 0)) || d < 0.0 ||
		    d >= 1.0) {
			snprintf(why, whylen, "bad %s '%s%s' (0 <= jitter < 1, or a percentage)",
				 k->name, v, pct ? "%" : "");
			return -EINVAL;
		}
		*(double *)f = d;
		return 0;
	}
	case CT_U32:
		if (cfg_u64(v, &e, &u) < 0 || *e || u > UINT32_MAX) {
			snprintf(why, whylen, "bad %s '%s' (a whole number, 0 = forever)", k->name,
				 v);
			return -EINVAL;
		}
		*(uint32_t *)f = (uint32_t)u;
		return 0;
	case CT_SIZE:
		if (cfg_size(v, &sz) < 0 || sz < 1024 || sz > (64u << 20)) {
			snprintf(why, whylen, "bad %s '%s' (1K to 64M; suffix k or M)", k->name, v);
			return -EINVAL;
		}
		*(size_t *)f = sz;
		return 0;
	case CT_FILE:
		if (!*v || strlen(v) >= k->size) {
			snprintf(why, whylen, "bad %s '%s'", k->name, v);
			return -EINVAL;
		}
		if (access(v, R_OK) < 0) {
			snprintf(why, whylen, "%s '%s': %s", k->name, v, strerror(errno));
			return -EINVAL;
		}
		strcpy((char *)f, v);
		return 0;
	case CT_BOOL:
		if (cfg_bool(v, &b) < 0) {
			snprintf(why, whylen, "bad %s '%s' (yes or no)", k->name, v);
			return -EINVAL;
		}
		*(int *)f = b;
		return 0;
	case CT_DECIMALS:
		if (cfg_u64(v, &e, &u) < 0 || *e || u > MDBUS_DECIMALS_MAX) {
			snprintf(why, whylen, "bad %s '%s' (0 to %d)", k->name, v,
				 MDBUS_DECIMALS_MAX);
			return -EINVAL;
		}
		*(int *)f = (int)u;
		return 0;
	}
	return -EINVAL;
}

/* Copies key k's value from the [feed] defaults into a session. */
static int cfg_copy(struct feed_session_config *dst, const struct feed_session_config *src,
		    const struct cfg_key *k)
{
	size_t i;

	if (k->type == CT_SYMBOLS) {
		for (i = 0; i < src->nsymbols; i++)
			if (cfg_add_symbol(dst, src->symbols[i]) < 0)
				return -ENOMEM;
		return 0;
	}
	memcpy((char *)dst + k->off, (const char *)src + k->off, k->size);
	return 0;
}

/* ---- the reader: lines and section headers ------------------------------------ */

static int cfg_session_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= FEED_SESSION_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return 0;
	return 1;
}

static void cfg_section(struct cfg_parse *ps, char *body)
{
	struct feed_config *c = ps->c;
	char *name;
	size_t i;

	body = cfg_trim(body);
	ps->prev_key[0] = '\0';
	ps->cur = NULL;
	ps->sec = SEC_NONE;
	if (!strcmp(body, "bus")) {
		ps->sec = SEC_BUS;
		return;
	}
	if (!strcmp(body, "feed")) {
		ps->sec = SEC_FEED;
		ps->cur = &ps->defaults;
		ps->cur_set = &ps->defaults_set;
		ps->cur_lines = ps->defaults_lines;
		ps->feed_line = ps->line;
		return;
	}
	if (strncmp(body, "session", 7) != 0 || (body[7] != ' ' && body[7] != '\t' && body[7])) {
		cfg_error(ps, ps->line, "unknown section [%s] (use [bus], [feed], [session NAME])",
			  body);
		return;
	}
	name = cfg_trim(body + 7);
	if (!cfg_session_name_ok(name)) {
		cfg_error(ps, ps->line,
			  "bad session name '%s' in [%s] (1-%d chars of A-Z a-z 0-9 . _ -)", name,
			  body, FEED_SESSION_NAME_MAX - 1);
		return;
	}
	for (i = 0; i < c->nsessions; i++) {
		if (!strcmp(c->sessions[i].name, name)) {
			cfg_error(ps, ps->line, "duplicate session '%s' (first at line %d)", name,
				  c->sessions[i].line);
			return;
		}
	}
	if (c->nsessions >= FEED_SESSIONS_MAX) {
		cfg_error(ps, ps->line, "too many sessions (max %d)", FEED_SESSIONS_MAX);
		return;
	}
	ps->cur = &c->sessions[c->nsessions];
	cfg_session_builtin(ps->cur);
	strcpy(ps->cur->name, name);
	ps->cur->line = ps->line;
	ps->cur_set = &ps->set[c->nsessions];
	ps->cur_lines = ps->lines[c->nsessions];
	c->nsessions++;
	ps->sec = SEC_SESSION;
}

/* fgets-like: hands inih exactly one physical line, tracks its number and
 * spots section headers the way inih reads them (a '[' line that is not a
 * continuation line). */
static char *cfg_reader(char *str, int num, void *stream)
{
	struct cfg_parse *ps = stream;
	const char *p, *nl, *e;
	size_t n, content;
	char *s, *close;

	if (ps->io_error || ps->pos >= ps->len)
		return NULL;
	p = ps->text + ps->pos;
	nl = memchr(p, '\n', ps->len - ps->pos);
	n = nl ? (size_t)(nl - p) + 1 : ps->len - ps->pos;
	ps->line++;
	content = n;
	while (content > 0 && (p[content - 1] == '\n' || p[content - 1] == '\r'))
		content--;
	if (memchr(p, '\0', n)) {
		cfg_error(ps, ps->line, "NUL byte in line");
		ps->io_error = 1;
		return NULL;
	}
	/* inih needs room for "\r\n\0" on top of the text. */
	if (num < 4 || content > (size_t)num - 3) {
		cfg_error(ps, ps->line,
			  "line too long (%zu chars, max %d): continue a symbols list on "
			  "indented lines",
			  content, num - 3);
		ps->io_error = 1;
		return NULL;
	}
	memcpy(str, p, n);
	str[n] = '\0';
	ps->pos += n;
	s = str;
	if (ps->line == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
	    (unsigned char)s[2] == 0xBF)
		s += 3; /* inih skips a UTF-8 BOM too */
	ps->indented = *s == ' ' || *s == '\t';
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '[' && !(ps->indented && ps->prev_key[0])) {
		char body[INI_MAX_LINE];
		/* Same rule as inih: the header ends at the first ']'. */
		close = strchr(s + 1, ']');
		if (!close) {
			/* inih reports it as its own error; we name it. */
			cfg_error(ps, ps->line, "section header without ']'");
			return str;
		}
		e = s + 1;
		n = (size_t)(close - e);
		if (n >= sizeof(body))
			n = sizeof(body) - 1;
		memcpy(body, e, n);
		body[n] = '\0';
		cfg_section(ps, body);
	}
	return str;
}

/* ---- the handler ----------------------------------------------------------------- */

static int cfg_global_key(struct cfg_parse *ps, const char *name, char *v)
{
	struct feed_config *c = ps->c;
	const char *e;
	uint64_t u;
	int64_t ms;
	double d;
	int idx;

	if (ps->sec == SEC_BUS && !strcmp(name, "name"))
		idx = CG_BUS_NAME;
	else if (ps->sec == SEC_BUS && !strcmp(name, "slots"))
		idx = CG_BUS_SLOTS;
	else if (ps->sec == SEC_FEED && !strcmp(name, "shutdown_timeout"))
		idx = CG_SHUTDOWN;
	else if (ps->sec == SEC_FEED && !strcmp(name, "connect_rate"))
		idx = CG_RATE;
	else
		return 0;
	if (ps->global_lines[idx]) {
		cfg_error(ps, ps->line, "duplicate key '%s' (first at line %d)", name,
			  ps->global_lines[idx]);
		return 1;
	}
	ps->global_lines[idx] = ps->line;
	switch (idx) {
	case CG_BUS_NAME:
		if (!*v || mdbus_bus_name(v, c->bus, sizeof(c->bus)) < 0)
			cfg_error(ps, ps->line,
				  "bad bus name '%s' (1-%d chars of A-Z a-z 0-9 . _ -, not "
				  "starting with '.')",
				  v, MDBUS_BUS_NAME_MAX - 1);
		break;
	case CG_BUS_SLOTS:
		if (cfg_u64(v, &e, &u) < 0 || *e || u < 64 || u > (1u << 30) || (u & (u - 1)))
			cfg_error(ps, ps->line, "bad slots '%s' (a power of two, 64 to 2^30)", v);
		else
			c->slots = (uint32_t)u;
		break;
	case CG_SHUTDOWN:
		if (feed_duration_parse(v, &ms) < 0 || ms == 0)
			cfg_error(ps, ps->line,
				  "bad duration '%s' for shutdown_timeout (use ms, s, m, h)", v);
		else
			c->shutdown_timeout_ms = ms;
		break;
	case CG_RATE: {
		char *slash = strchr(v, '/');
		double per = 1.0;
		if (slash) {
			*slash = '\0';
			if (!strcmp(slash + 1, "s"))
				per = 1.0;
			else if (!strcmp(slash + 1, "m"))
				per = 60.0;
			else
				per = -1.0;
		}
		if (per < 0 || cfg_double(cfg_trim(v), &d) < 0 || !(d > 0) || d > 1e6) {
			if (slash)
				*slash = '/';
			cfg_error(ps, ps->line, "bad connect_rate '%s' (e.g. 5/s or 30/m)", v);
		} else {
			c->connect_rate = d / per;
		}
		break;
	}
	}
	return 1;
}

static int cfg_handler(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_parse *ps = user;
	char v[INI_MAX_LINE + 1], why[320];
	const char *secname = ps->sec == SEC_BUS ? "[bus]" : ps->sec == SEC_FEED ? "[feed]" : NULL;
	char secbuf[FEED_SESSION_NAME_MAX + 16];
	size_t i;
	int cont, rc;

	(void)section; /* ours is exact; inih truncates long names at 50 */
	if (ps->err_line && ps->err_line <= ps->line)
		return 1; /* one error is enough; inih keeps calling */
	if (ps->sec == SEC_SESSION) {
		snprintf(secbuf, sizeof(secbuf), "[session %s]", ps->cur->name);
		secname = secbuf;
	}
	snprintf(v, sizeof(v), "%s", value ? value : "");
	/* inih calls an indented line after a key a continuation of that key. */
	cont = ps->indented && ps->prev_key[0] && !strcmp(name, ps->prev_key);
	snprintf(ps->prev_key, sizeof(ps->prev_key), "%s", name);
	if (ps->sec == SEC_NONE) {
		if (!ps->err_line)
			cfg_error(ps, ps->line, "key '%s' outside any section", name);
		return 1;
	}
	if (!cont && cfg_global_key(ps, name, v))
		return 1;
	for (i = 0; i < CFG_NKEYS; i++)
		if (!strcmp(cfg_keys[i].name, name))
			break;
	if (i == CFG_NKEYS || ps->sec == SEC_BUS) {
		cfg_error(ps, ps->line, "unknown key '%s' in %s", name, secname);
		return 1;
	}
	if (cont) {
		if (cfg_keys[i].type != CT_SYMBOLS && cfg_keys[i].type != CT_CHANNELS) {
			cfg_error(ps, ps->line,
				  "indented line continues '%s' (only symbols and channels span "
				  "lines; do not indent keys)",
				  name);
			return 1;
		}
		if (strchr(v, '=')) {
			cfg_error(ps, ps->line, "indented line continues '%s' (do not indent keys)",
				  name);
			return 1;
		}
	} else if (*ps->cur_set & (1u << i)) {
		cfg_error(ps, ps->line, "duplicate key '%s' in %s (first at line %d)", name,
			  secname, ps->cur_lines[i]);
		return 1;
	}
	why[0] = '\0';
	rc = cfg_set(ps->cur, &cfg_keys[i], v, cont, why, sizeof(why));
	if (rc < 0) {
		cfg_error(ps, ps->line, "%s", why[0] ? why : "bad value");
		return 1;
	}
	if (!cont) {
		*ps->cur_set |= 1u << i;
		ps->cur_lines[i] = ps->line;
	}
	return 1;
}

/* ---- after the file: defaults, required keys, cross checks ----------------------- */

static int cfg_finish(struct cfg_parse *ps)
{
	struct feed_config *c = ps->c;
	char why[320];
	size_t si, k;

	if (c->nsessions == 0) {
		cfg_error(ps, ps->line, "no [session NAME] section");
		return -EINVAL;
	}
	for (si = 0; si < c->nsessions; si++) {
		struct feed_session_config *s = &c->sessions[si];
		const struct feed_venue_ops *ops;
		int *lines = ps->lines[si];
		uint32_t streams;

		for (k = 0; k < CFG_NKEYS; k++) {
			if ((ps->set[si] & (1u << k)) || !(ps->defaults_set & (1u << k)))
				continue;
			if (cfg_copy(s, &ps->defaults, &cfg_keys[k]) < 0) {
				cfg_error(ps, s->line, "out of memory");
				return -ENOMEM;
			}
			ps->set[si] |= 1u << k;
			lines[k] = ps->defaults_lines[k];
		}
		if (!(ps->set[si] & (1u << CK_VENUE))) {
			cfg_error(ps, s->line, "missing required key 'venue' in [session %s]",
				  s->name);
			return -EINVAL;
		}
		if (!(ps->set[si] & (1u << CK_SYMBOLS))) {
			cfg_error(ps, s->line, "missing required key 'symbols' in [session %s]",
				  s->name);
			return -EINVAL;
		}
		ops = feed_venue_find(s->venue);
		if (!(ps->set[si] & (1u << CK_URL)) &&
		    feed_url_parse(ops->default_url, &s->url, why, sizeof(why)) < 0) {
			cfg_error(ps, s->line, "venue %s: %s", ops->name, why);
			return -EINVAL;
		}
		if (s->channels & ~ops->channels) {
			cfg_error(ps, lines[CK_CHANNELS] ? lines[CK_CHANNELS] : s->line,
				  "venue %s does not support channel %s in [session %s]", ops->name,
				  (s->channels & ~ops->channels & FEED_CH_TRADES) ? "trades"
				  : (s->channels & ~ops->channels & FEED_CH_BBO)  ? "bbo"
										  : "l2",
				  s->name);
			return -EINVAL;
		}
		streams = (uint32_t)s->nsymbols * (uint32_t)__builtin_popcount(s->channels);
		if (ops->max_streams_per_conn && streams > ops->max_streams_per_conn) {
			cfg_error(ps, lines[CK_SYMBOLS],
				  "%u streams (symbols x channels) exceed %s's limit of %u per "
				  "connection in [session %s]",
				  streams, ops->name, ops->max_streams_per_conn, s->name);
			return -EINVAL;
		}
		if (s->reconnect_max_ms < s->reconnect_initial_ms) {
			cfg_error(ps, lines[CK_RMAX] ? lines[CK_RMAX] : s->line,
				  "reconnect_max is below reconnect_initial in [session %s]",
				  s->name);
			return -EINVAL;
		}
		if (s->price_decimals < 0)
			s->price_decimals = ops->price_decimals;
		if (s->qty_decimals < 0)
			s->qty_decimals = ops->qty_decimals;
	}
	return 0;
}

int feed_config_load_string(const char *text, const char *name, struct feed_config *out, char *err,
			    size_t errlen)
{
	struct cfg_parse *ps;
	int rc;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	snprintf(out->path, sizeof(out->path), "%s", name ? name : "");
	out->slots = 1u << 20;
	out->shutdown_timeout_ms = 2000;
	out->connect_rate = 5.0;
	out->sessions = calloc(FEED_SESSIONS_MAX, sizeof(*out->sessions));
	/* The parse state is large (per-session key lines): keep it off the
	 * stack. */
	ps = calloc(1, sizeof(*ps));
	if (!out->sessions || !ps) {
		free(ps);
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", out->path);
		return -ENOMEM;
	}
	ps->c = out;
	ps->file = out->path;
	ps->err = err;
	ps->errlen = errlen;
	ps->text = text;
	ps->len = strlen(text);
	cfg_session_builtin(&ps->defaults);

	rc = ini_parse_stream(cfg_reader, ps, cfg_handler, ps);
	/* inih's own errors (a line that is neither key = value nor a section)
	 * count lines the same way we do; keep whichever came first. */
	if (rc > 0 && (!ps->err_line || rc < ps->err_line)) {
		ps->err_line = 0;
		cfg_error(ps, rc, "syntax error (expected 'key = value' or '[section]')");
	} else if (rc < 0 && !ps->err_line) {
		cfg_error(ps, ps->line, "parser failed (%d)", rc);
	}
	if (!ps->err_line)
		rc = cfg_finish(ps);
	else
		rc = -EINVAL;
	free(ps->defaults.symbols);
	free(ps);
	return rc;
}

int feed_config_load(const char *path, struct feed_config *out, char *err, size_t errlen)
{
	FILE *f;
	char *buf = NULL;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	buf = malloc(CFG_FILE_SIZE_MAX + 1);
	if (!buf) {
		fclose(f);
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	n = fread(buf, 1, CFG_FILE_SIZE_MAX + 1, f);
	if (ferror(f)) {
		rc = -EIO;
		if (err && errlen)
			snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	if (n > CFG_FILE_SIZE_MAX) {
		rc = -EFBIG;
		if (err && errlen)
			snprintf(err, errlen, "%s: larger than %u bytes", path, CFG_FILE_SIZE_MAX);
		goto out;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		/* A NUL byte: find its line for the message. */
		size_t i, line = 1;
		for (i = 0; buf[i]; i++)
			line += buf[i] == '\n';
		rc = -EINVAL;
		if (err && errlen)
			snprintf(err, errlen, "%s:%zu: NUL byte in line", path, line);
		goto out;
	}
	rc = feed_config_load_string(buf, path, out, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}

void feed_config_free(struct feed_config *c)
{
	size_t i;

	if (!c)
		return;
	if (c->sessions)
		for (i = 0; i < c->nsessions; i++)
			free(c->sessions[i].symbols);
	free(c->sessions);
	c->sessions = NULL;
	c->nsessions = 0;
}
