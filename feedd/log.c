/* SPDX-License-Identifier: MIT */
/* log.c: the line formatter (logfmt or JSON) and the one write per line. */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct feed_log_opts feed_log_opts_now = {FEED_LOG_INFO, FEED_LOG_LOGFMT, -1};

static const char *const feed_log_names[] = {"error", "warn", "info", "debug"};
/* syslog priorities: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
static const char feed_log_prio[] = {'3', '4', '6', '7'};

static int feed_log_journal_env(void)
{
	const char *j = getenv("JOURNAL_STREAM");

	return j && *j;
}

void feed_log_setup(enum feed_log_level level, enum feed_log_format format)
{
	feed_log_opts_now.level = level;
	feed_log_opts_now.format = format;
	feed_log_opts_now.journal = feed_log_journal_env();
}

const struct feed_log_opts *feed_log_options(void)
{
	if (feed_log_opts_now.journal < 0)
		feed_log_opts_now.journal = feed_log_journal_env();
	return &feed_log_opts_now;
}

int feed_log_enabled(enum feed_log_level level)
{
	return level <= feed_log_opts_now.level;
}

int feed_log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, feed_log_names[i]))
			return i;
	return -EINVAL;
}

const char *feed_log_level_name(enum feed_log_level level)
{
	return (unsigned)level < 4 ? feed_log_names[level] : "?";
}

/* ---- the line buffer: appends stop at the end, the caller ends the line ---- */

struct feed_log_buf {
	char *p;
	size_t n, cap; /* cap leaves room for "...\n" */
	int cut;
};

static void feed_log_put(struct feed_log_buf *b, const char *s, size_t n)
{
	if (b->n + n > b->cap) {
		n = b->cap - b->n;
		b->cut = 1;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void feed_log_puts(struct feed_log_buf *b, const char *s)
{
	feed_log_put(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 if it is not one. */
static size_t feed_log_utf8(const unsigned char *s, size_t left)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] >= 0xf8 || n == 0 || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 4 && s[0] == 0xf0 && s[1] < 0x90) ||
	    (n == 4 && s[0] == 0xf4 && s[1] >= 0x90) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0))
		return 0;
	return n;
}

/* logfmt needs quotes for an empty value or one with a blank, '=', '"',
 * a control byte or anything outside ASCII. */
static int feed_log_needs_quotes(const char *s)
{
	if (!*s)
		return 1;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '=' || *s == '"' || *s == '\\' ||
		    (unsigned char)*s >= 0x7f)
			return 1;
	return 0;
}

/* One byte (or valid UTF-8 sequence) of a quoted value, escaped: \" \\ \n
 * \r \t, other control bytes \u00XX (JSON) or \xXX (logfmt); invalid UTF-8
 * becomes U+FFFD (JSON) or \xXX (logfmt). Returns the bytes consumed. */
static size_t feed_log_esc(struct feed_log_buf *b, const char *s, int json)
{
	unsigned char c = (unsigned char)*s;
	char e[8];
	size_t u;

	if (c == '"' || c == '\\') {
		e[0] = '\\';
		e[1] = (char)c;
		feed_log_put(b, e, 2);
	} else if (c == '\n' || c == '\r' || c == '\t') {
		feed_log_puts(b, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t");
	} else if (c < 0x20 || c == 0x7f) {
		snprintf(e, sizeof(e), json ? "\\u%04x" : "\\x%02x", c);
		feed_log_puts(b, e);
	} else if (c < 0x80) {
		feed_log_put(b, s, 1);
	} else if ((u = feed_log_utf8((const unsigned char *)s, strnlen(s, 4))) > 0) {
		feed_log_put(b, s, u);
		return u;
	} else {
		snprintf(e, sizeof(e), "\\x%02x", c);
		feed_log_puts(b, json ? "\\ufffd" : e);
	}
	return 1;
}

static void feed_log_value(struct feed_log_buf *b, const char *s, int json)
{
	if (!s)
		s = "";
	if (!json && !feed_log_needs_quotes(s)) {
		feed_log_puts(b, s);
		return;
	}
	feed_log_put(b, "\"", 1);
	while (*s && !b->cut)
		s += feed_log_esc(b, s, json);
	feed_log_put(b, "\"", 1);
}

static void feed_log_pair(struct feed_log_buf *b, const struct feed_log_kv *kv, int json, int first)
{
	char num[32];

	if (json) {
		feed_log_puts(b, first ? "\"" : ",\"");
		feed_log_puts(b, kv->key);
		feed_log_puts(b, "\":");
	} else {
		if (!first)
			feed_log_put(b, " ", 1);
		feed_log_puts(b, kv->key);
		feed_log_put(b, "=", 1);
	}
	if (kv->type == 'i' || kv->type == 'u') {
		if (kv->type == 'i')
			snprintf(num, sizeof(num), "%lld", kv->v.i);
		else
			snprintf(num, sizeof(num), "%llu", kv->v.u);
		feed_log_puts(b, num);
	} else {
		feed_log_value(b, kv->v.s, json);
	}
}

/* "2026-12-07T02:48:10.123456Z" */
static void feed_log_time(char *out, size_t len, const struct timespec *ts)
{
	struct tm tm;
	time_t t = ts->tv_sec;

	gmtime_r(&t, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(ts->tv_nsec / 1000));
}

/* buf is written through the line buffer b. */
// NOLINTNEXTLINE(readability-non-const-parameter)
size_t feed_log_format_line(char *buf, size_t len, const struct feed_log_opts *o,
			    enum feed_log_level level, const struct feed_log_kv *kv,
			    const struct timespec *ts)
{
	struct feed_log_buf b = {buf, 0, len - 7, 0};
	int json = o->format == FEED_LOG_JSON;
	struct feed_log_kv head[2] = {LOG_S("time", NULL), LOG_S("level", NULL)};
	char when[96], prio[4] = {'<', '7', '>', 0};
	int first = 1;

	if ((unsigned)level > FEED_LOG_DEBUG)
		level = FEED_LOG_DEBUG;
	prio[1] = feed_log_prio[level];
	head[1].v.s = feed_log_names[level];
	if (o->journal)
		feed_log_puts(&b, prio);
	if (json)
		feed_log_put(&b, "{", 1);
	if (!o->journal) {
		feed_log_time(when, sizeof(when), ts);
		head[0].v.s = when;
		feed_log_pair(&b, &head[0], json, first);
		first = 0;
	}
	feed_log_pair(&b, &head[1], json, first);
	for (; kv->key && !b.cut; kv++)
		feed_log_pair(&b, kv, json, 0);
	/* "...", a closing quote and brace and the newline fit in the 7 bytes
	 * kept back, and a NUL may still follow. */
	if (b.cut) {
		const char *end = json ? "...\"}" : "...";

		memcpy(b.p + b.n, end, strlen(end));
		b.n += strlen(end);
	} else if (json) {
		b.p[b.n++] = '}';
	}
	b.p[b.n++] = '\n';
	return b.n;
}

void feed_log_kvs(enum feed_log_level level, const struct feed_log_kv *kv)
{
	char line[FEED_LOG_LINE_MAX];
	struct timespec ts;
	size_t n, off = 0;

	if (!feed_log_enabled(level))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	n = feed_log_format_line(line, sizeof(line), feed_log_options(), level, kv, &ts);
	/* One write per line: lines from one process never interleave. */
	while (off < n) {
		ssize_t w = write(STDERR_FILENO, line + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}
