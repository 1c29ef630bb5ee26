/* SPDX-License-Identifier: MIT */
/*
 * log.h: feedd's log, one line per event on stderr, as key=value pairs an
 * operator can filter (logfmt) or one JSON object per line for shippers:
 *
 *   time=2026-12-07T02:48:10.123456Z level=warn session=binance-1
 *   venue=binance state=BACKOFF event=reconnect attempt=3 delay_ms=812
 *   reason="pong timeout"
 *
 * The bottom layer of feedd: every module may log, none is needed to do it.
 * `time` (RFC 3339, UTC, microseconds) and `level` come first, then the
 * pairs in the caller's order; `event` names what happened. With
 * JOURNAL_STREAM set (journald is stderr's reader) the line starts with the
 * syslog priority "<N>" instead of the time, so the journal keeps the level
 * and stamps the time itself. Logging is per event, never per message: the
 * callers rate-limit anything a venue can repeat. A line costs no
 * allocation: it is formatted on the stack and leaves in one write(2).
 */
#ifndef FEED_LOG_H
#define FEED_LOG_H

#include <stddef.h>
#include <time.h>

enum feed_log_level { FEED_LOG_ERROR, FEED_LOG_WARN, FEED_LOG_INFO, FEED_LOG_DEBUG };
enum feed_log_format { FEED_LOG_LOGFMT, FEED_LOG_JSON };

#define FEED_LOG_LINE_MAX 2048 /* longer lines are cut (values end in "...") */

/* One key and its value; a list ends with a NULL key. */
struct feed_log_kv {
	const char *key;
	char type; /* 's' string (NULL prints as ""), 'i' signed, 'u' unsigned */
	union {
		const char *s;
		long long i;
		unsigned long long u;
	} v;
};

#define LOG_S(k, x) ((struct feed_log_kv){.key = (k), .type = 's', .v.s = (x)})
#define LOG_I(k, x) ((struct feed_log_kv){.key = (k), .type = 'i', .v.i = (long long)(x)})
#define LOG_U(k, x) ((struct feed_log_kv){.key = (k), .type = 'u', .v.u = (unsigned long long)(x)})
#define LOG_EV(x)   LOG_S("event", (x))

/* How lines look: set once at start-up, and again on a reload. */
struct feed_log_opts {
	enum feed_log_level level;   /* lines above it are dropped */
	enum feed_log_format format; /* logfmt (default) or json */
	int journal;		     /* 1: "<N>" prefix, no time */
};

/* The process-wide options (default: info, logfmt, journal from the
 * environment). feed_log_setup keeps `journal` as JOURNAL_STREAM says. */
void feed_log_setup(enum feed_log_level level, enum feed_log_format format);
const struct feed_log_opts *feed_log_options(void);
int feed_log_enabled(enum feed_log_level level);

/* "error", "warn", "info", "debug" <-> the level; parse returns -EINVAL. */
int feed_log_level_parse(const char *s);
const char *feed_log_level_name(enum feed_log_level level);

/* Formats one line (with its '\n') into buf: time from ts unless
 * o->journal. Returns its length (< len; a line that does not fit is cut at
 * a pair boundary or inside a value, and still ends in '\n'). len must be
 * at least 64. No allocation, no system call. */
size_t feed_log_format_line(char *buf, size_t len, const struct feed_log_opts *o,
			    enum feed_log_level level, const struct feed_log_kv *kv,
			    const struct timespec *ts);

/* Formats with the process options and the real time and writes the line
 * to stderr in one write(2). */
void feed_log_kvs(enum feed_log_level level, const struct feed_log_kv *kv);

/* feed_log(FEED_LOG_WARN, LOG_S("session", n), LOG_EV("reconnect"), LOG_I("attempt", 3)) */
#define feed_log(level, ...)                                                                       \
	feed_log_kvs((level), (const struct feed_log_kv[]){__VA_ARGS__, {.key = NULL}})

#endif /* FEED_LOG_H */
