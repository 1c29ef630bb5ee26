/* SPDX-License-Identifier: MIT */
/*
 * config.c: loads feedd's INI file with libinih (config.h): a typed key
 * table, defaults, cross-checks and "FILE:LINE: reason" errors.
 *
 * Why a line reader in front of inih: Debian 12's libinih (55-1) is built
 * with INI_HANDLER_LINENO and INI_CALL_HANDLER_ON_NEW_SECTION off, both
 * compile-time switches of the library (the handler's signature), so no
 * handler learns its line or sees a bare section header; ini_parse_string
 * only returns the line of the first syntax error, and a line longer than
 * ini_max_line (200, process-wide) is silently split in two. Feeding inih
 * one physical line at a time through ini_parse_stream (cfg_reader, ~70
 * lines) fixes all three; an INI reader of our own would be ~200 lines
 * re-deciding comments, continuations and BOMs that inih already gets right.
 *
 * [feed] holds defaults for every session key; they are merged after the
 * whole file is read, so their position in the file does not matter.
 */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_keys.h"

#define CFG_FILE_SIZE_MAX (1u << 20)

enum cfg_section { SEC_NONE, SEC_BUS, SEC_FEED, SEC_SESSION };

/* Which keys of one section (or of [feed]'s defaults) were set, and where. */
struct cfg_seen {
	uint64_t set;
	int line[CFG_NKEYS];
};

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
	struct cfg_seen *cur_seen;
	char prev_key[64]; /* inih's prev_name: continuation lines extend it */
	/* [feed] defaults of session keys, [bus]/[feed] own keys, sessions */
	struct feed_session_config defaults;
	struct cfg_seen defaults_seen;
	struct cfg_seen global_seen;
	struct cfg_seen seen[FEED_SESSIONS_MAX];
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

/* ---- sections -------------------------------------------------------------- */

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

/* [session NAME]: a new session with the built-in defaults. */
static void cfg_session_open(struct cfg_parse *ps, const char *body, const char *name)
{
	struct feed_config *c = ps->c;
	char why[160];
	size_t i;

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
	if (feed_cfg_defaults(CW_SESSION, ps->cur, why, sizeof(why)) < 0) {
		cfg_error(ps, ps->line, "%s", why);
		return;
	}
	strcpy(ps->cur->name, name);
	ps->cur->line = ps->line;
	ps->cur_seen = &ps->seen[c->nsessions];
	c->nsessions++;
	ps->sec = SEC_SESSION;
}

static void cfg_section(struct cfg_parse *ps, char *body)
{
	body = feed_cfg_trim(body);
	ps->prev_key[0] = '\0';
	ps->cur = NULL;
	ps->sec = SEC_NONE;
	if (!strcmp(body, "bus")) {
		ps->sec = SEC_BUS;
		ps->cur_seen = &ps->global_seen;
	} else if (!strcmp(body, "feed")) {
		ps->sec = SEC_FEED;
		ps->cur = &ps->defaults;
		ps->cur_seen = &ps->defaults_seen;
	} else if (strncmp(body, "session", 7) != 0 ||
		   (body[7] != ' ' && body[7] != '\t' && body[7])) {
		cfg_error(ps, ps->line, "unknown section [%s] (use [bus], [feed], [session NAME])",
			  body);
	} else {
		cfg_session_open(ps, body, feed_cfg_trim(body + 7));
	}
}

/* ---- the reader: lines and section headers ------------------------------------ */

/* Refuses what inih would misread; 0 = hand the line over, its length
 * without the line end (every trailing '\r' and '\n') in *content_out. */
static int cfg_line_ok(struct cfg_parse *ps, const char *p, size_t n, int num, size_t *content_out)
{
	size_t content = n;

	while (content > 0 && (p[content - 1] == '\n' || p[content - 1] == '\r'))
		content--;
	*content_out = content;
	if (memchr(p, '\0', n)) {
		cfg_error(ps, ps->line, "NUL byte in line");
		return -EINVAL;
	}
	/* inih needs room for "\r\n\0" on top of the text. */
	if (num < 4 || content > (size_t)num - 3) {
		cfg_error(ps, ps->line,
			  "line too long (%zu chars, max %d): continue a symbols list on "
			  "indented lines",
			  content, num - 3);
		return -EINVAL;
	}
	return 0;
}

/* A '[' line that is not a continuation: the header inih will see. */
static void cfg_spot_header(struct cfg_parse *ps, const char *s)
{
	char body[INI_MAX_LINE];
	const char *close;
	size_t n;

	if (ps->line == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
	    (unsigned char)s[2] == 0xBF)
		s += 3; /* inih skips a UTF-8 BOM too */
	ps->indented = *s == ' ' || *s == '\t';
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '[' || (ps->indented && ps->prev_key[0]))
		return;
	/* Same rule as inih: the header ends at the first ']'. */
	close = strchr(s + 1, ']');
	if (!close) {
		/* inih reports it as its own error; we name it. */
		cfg_error(ps, ps->line, "section header without ']'");
		return;
	}
	n = (size_t)(close - s - 1);
	if (n >= sizeof(body))
		n = sizeof(body) - 1;
	memcpy(body, s + 1, n);
	body[n] = '\0';
	cfg_section(ps, body);
}

/* fgets-like: hands inih exactly one physical line and tracks its number.
 * The handler runs right after, so ps->line is the line of its key. */
static char *cfg_reader(char *str, int num, void *stream)
{
	struct cfg_parse *ps = stream;
	const char *p, *nl;
	size_t n, content;

	if (ps->io_error || ps->pos >= ps->len)
		return NULL;
	p = ps->text + ps->pos;
	nl = memchr(p, '\n', ps->len - ps->pos);
	n = nl ? (size_t)(nl - p) + 1 : ps->len - ps->pos;
	ps->line++;
	if (cfg_line_ok(ps, p, n, num, &content) < 0) {
		ps->io_error = 1;
		return NULL;
	}
	/* The text and one '\n': a run of trailing '\r's is not counted by the
	 * length check and would overflow inih's num-byte line buffer. */
	memcpy(str, p, content);
	str[content] = '\n';
	str[content + 1] = '\0';
	ps->pos += n;
	cfg_spot_header(ps, str);
	return str;
}

/* ---- the handler ----------------------------------------------------------------- */

static const char *cfg_secname(const struct cfg_parse *ps, char *buf, size_t len)
{
	if (ps->sec == SEC_BUS)
		return "[bus]";
	if (ps->sec == SEC_FEED)
		return "[feed]";
	snprintf(buf, len, "[session %s]", ps->cur->name);
	return buf;
}

/* The key `name` of the current section, or NULL. */
static const struct feed_cfg_key *cfg_key_in_section(const struct cfg_parse *ps, const char *name)
{
	const struct feed_cfg_key *k = feed_cfg_key_find(name);

	if (!k)
		return NULL;
	if (ps->sec == SEC_BUS)
		return k->where == CW_BUS ? k : NULL;
	if (ps->sec == SEC_FEED)
		return k->where != CW_BUS ? k : NULL;
	return k->where == CW_SESSION ? k : NULL;
}

/* An indented line after a key: only lists may go on. */
static int cfg_continuation_ok(struct cfg_parse *ps, const struct feed_cfg_key *k, const char *v)
{
	if (k->type != CT_SYMBOLS && k->type != CT_CHANNELS) {
		cfg_error(ps, ps->line,
			  "indented line continues '%s' (only symbols and channels span lines; do "
			  "not indent keys)",
			  k->name);
		return 0;
	}
	if (strchr(v, '=')) {
		cfg_error(ps, ps->line, "indented line continues '%s' (do not indent keys)",
			  k->name);
		return 0;
	}
	return 1;
}

/* Sets key k from v in the current section; records where. */
static void cfg_apply(struct cfg_parse *ps, const struct feed_cfg_key *k, char *v, int cont,
		      const char *secname)
{
	struct cfg_seen *seen = ps->cur_seen;
	unsigned id = feed_cfg_key_id(k);
	void *base = k->where == CW_SESSION ? (void *)ps->cur : (void *)ps->c;
	char why[320];

	if (cont && !cfg_continuation_ok(ps, k, v))
		return;
	if (!cont && (seen->set & (UINT64_C(1) << id))) {
		cfg_error(ps, ps->line, "duplicate key '%s' in %s (first at line %d)", k->name,
			  secname, seen->line[id]);
		return;
	}
	why[0] = '\0';
	if (feed_cfg_value(k, base, v, cont, why, sizeof(why)) < 0) {
		cfg_error(ps, ps->line, "%s", why[0] ? why : "bad value");
		return;
	}
	if (!cont) {
		seen->set |= UINT64_C(1) << id;
		seen->line[id] = ps->line;
	}
}

static int cfg_handler(void *user, const char *section, const char *name, const char *value)
{
	struct cfg_parse *ps = user;
	char v[INI_MAX_LINE + 1], secbuf[FEED_SESSION_NAME_MAX + 16];
	const struct feed_cfg_key *k;
	const char *secname;
	int cont;

	(void)section; /* ours is exact; inih truncates long names at 50 */
	if (ps->err_line && ps->err_line <= ps->line)
		return 1; /* one error is enough; inih keeps calling */
	if (ps->sec == SEC_NONE) {
		cfg_error(ps, ps->line, "key '%s' outside any section", name);
		return 1;
	}
	secname = cfg_secname(ps, secbuf, sizeof(secbuf));
	snprintf(v, sizeof(v), "%s", value ? value : "");
	/* inih calls an indented line after a key a continuation of that key. */
	cont = ps->indented && ps->prev_key[0] && !strcmp(name, ps->prev_key);
	snprintf(ps->prev_key, sizeof(ps->prev_key), "%s", name);
	k = cfg_key_in_section(ps, name);
	if (!k)
		cfg_error(ps, ps->line, "unknown key '%s' in %s", name, secname);
	else
		cfg_apply(ps, k, v, cont, secname);
	return 1;
}

/* ---- after the file: defaults, required keys, cross checks ----------------------- */

/* Copies the [feed] defaults the session did not set itself. */
static int cfg_merge(struct cfg_parse *ps, struct feed_session_config *s, struct cfg_seen *seen)
{
	unsigned id;

	for (id = 0; id < CFG_NKEYS; id++) {
		const struct feed_cfg_key *k = &feed_cfg_keys[id];

		if (k->where != CW_SESSION || (seen->set & (UINT64_C(1) << id)) ||
		    !(ps->defaults_seen.set & (UINT64_C(1) << id)))
			continue;
		if (feed_cfg_copy(k, s, &ps->defaults) < 0) {
			cfg_error(ps, s->line, "out of memory");
			return -ENOMEM;
		}
		seen->set |= UINT64_C(1) << id;
		seen->line[id] = ps->defaults_seen.line[id];
	}
	s->venue_line = seen->line[K_VENUE];
	s->url_line = seen->line[K_URL];
	s->symbols_line = seen->line[K_SYMBOLS];
	s->channels_line = seen->line[K_CHANNELS];
	s->rest_fallback_line = seen->line[K_RESTFALLBACK];
	s->pdec_line = seen->line[K_PDEC];
	s->qdec_line = seen->line[K_QDEC];
	s->contract_line = seen->line[K_CONTRACT];
	return 0;
}

static int cfg_check_session(struct cfg_parse *ps, const struct feed_session_config *s,
			     const struct cfg_seen *seen)
{
	if (!(seen->set & (UINT64_C(1) << K_VENUE))) {
		cfg_error(ps, s->line, "missing required key 'venue' in [session %s]", s->name);
		return -EINVAL;
	}
	if (!(seen->set & (UINT64_C(1) << K_SYMBOLS))) {
		cfg_error(ps, s->line, "missing required key 'symbols' in [session %s]", s->name);
		return -EINVAL;
	}
	if (s->reconnect_max_ms < s->reconnect_initial_ms) {
		cfg_error(ps, seen->line[K_RMAX] ? seen->line[K_RMAX] : s->line,
			  "reconnect_max is below reconnect_initial in [session %s]", s->name);
		return -EINVAL;
	}
	return 0;
}

static int cfg_finish(struct cfg_parse *ps)
{
	struct feed_config *c = ps->c;
	size_t i;
	int rc;

	if (c->nsessions == 0) {
		cfg_error(ps, ps->line, "no [session NAME] section");
		return -EINVAL;
	}
	for (i = 0; i < c->nsessions; i++) {
		rc = cfg_merge(ps, &c->sessions[i], &ps->seen[i]);
		if (rc == 0)
			rc = cfg_check_session(ps, &c->sessions[i], &ps->seen[i]);
		if (rc < 0)
			return rc;
	}
	if (c->max_sessions && c->max_sessions < c->nsessions) {
		cfg_error(ps, ps->defaults_seen.line[K_MAXSESS],
			  "max_sessions = %u is below the %zu sessions configured", c->max_sessions,
			  c->nsessions);
		return -EINVAL;
	}
	/* SQPOLL's thread is pinned to cpu too: with idle = busy both would spin
	 * on that one CPU, each stalling the other for a time slice. */
	if (c->sqpoll && c->idle == FEED_IDLE_BUSY && c->cpu >= 0) {
		cfg_error(ps, ps->defaults_seen.line[K_SQPOLL],
			  "sqpoll = on with idle = busy and cpu = %d: two threads would spin on "
			  "CPU %d (use idle = sleep, or no cpu)",
			  c->cpu, c->cpu);
		return -EINVAL;
	}
	return 0;
}

uint32_t feed_config_max_sessions(const struct feed_config *c)
{
	size_t n = c->max_sessions ? c->max_sessions : c->nsessions + 16;

	if (n > FEED_SESSIONS_MAX)
		n = FEED_SESSIONS_MAX;
	return n < c->nsessions ? (uint32_t)c->nsessions : (uint32_t)n;
}

/* Runs inih over the text; keeps whichever error came first. */
static int cfg_parse_text(struct cfg_parse *ps)
{
	int rc = ini_parse_stream(cfg_reader, ps, cfg_handler, ps);

	/* inih's own errors (a line that is neither key = value nor a section)
	 * count lines the same way we do. */
	if (rc > 0 && (!ps->err_line || rc < ps->err_line)) {
		ps->err_line = 0;
		cfg_error(ps, rc, "syntax error (expected 'key = value' or '[section]')");
	} else if (rc < 0 && !ps->err_line) {
		cfg_error(ps, ps->line, "parser failed (%d)", rc);
	}
	return ps->err_line ? -EINVAL : cfg_finish(ps);
}

int feed_config_load_string(const char *text, const char *name, struct feed_config *out, char *err,
			    size_t errlen)
{
	struct cfg_parse *ps;
	char why[160];
	int rc;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	snprintf(out->path, sizeof(out->path), "%s", name ? name : "");
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
	*ps = (struct cfg_parse){.c = out, .file = out->path, .err = err, .errlen = errlen};
	ps->text = text;
	ps->len = strlen(text);
	rc = feed_cfg_defaults(CW_BUS, out, why, sizeof(why));
	if (rc == 0)
		rc = feed_cfg_defaults(CW_FEED, out, why, sizeof(why));
	if (rc == 0)
		rc = feed_cfg_defaults(CW_SESSION, &ps->defaults, why, sizeof(why));
	if (rc < 0)
		cfg_error(ps, 1, "%s", why);
	else
		rc = cfg_parse_text(ps);
	free(ps->defaults.symbols);
	free(ps);
	return rc;
}

/* Reads the whole file (at most CFG_FILE_SIZE_MAX) into a fresh buffer. */
static int cfg_read_file(FILE *f, const char *path, char **out, char *err, size_t errlen)
{
	char *buf = malloc(CFG_FILE_SIZE_MAX + 1);
	size_t n, i, line = 1;
	int rc = 0;

	if (!buf) {
		rc = -ENOMEM;
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		return rc;
	}
	n = fread(buf, 1, CFG_FILE_SIZE_MAX + 1, f);
	buf[n > CFG_FILE_SIZE_MAX ? CFG_FILE_SIZE_MAX : n] = '\0';
	if (ferror(f)) {
		rc = -EIO;
		if (err && errlen)
			snprintf(err, errlen, "%s: read error", path);
	} else if (n > CFG_FILE_SIZE_MAX) {
		rc = -EFBIG;
		if (err && errlen)
			snprintf(err, errlen, "%s: larger than %u bytes", path, CFG_FILE_SIZE_MAX);
	} else if (strlen(buf) != n) {
		/* A NUL byte: find its line for the message. */
		for (i = 0; buf[i]; i++)
			line += buf[i] == '\n';
		rc = -EINVAL;
		if (err && errlen)
			snprintf(err, errlen, "%s:%zu: NUL byte in line", path, line);
	}
	if (rc < 0)
		free(buf);
	else
		*out = buf;
	return rc;
}

int feed_config_load(const char *path, struct feed_config *out, char *err, size_t errlen)
{
	FILE *f;
	char *buf = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = cfg_read_file(f, path, &buf, err, errlen);
	fclose(f);
	if (rc == 0)
		rc = feed_config_load_string(buf, path, out, err, errlen);
	free(buf);
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
