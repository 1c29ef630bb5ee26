/* SPDX-License-Identifier: MIT */
/*
 * log.h: feedd's log lines on stderr, one line per call. The bottom layer of
 * feedd: every module may log, none is needed to do it. Tests grep these
 * lines, so the formats are part of the user-visible behaviour.
 */
#ifndef FEED_LOG_H
#define FEED_LOG_H

/* "feedd: <session>: <text>", or "feedd: <text>" when session is NULL. */
void feed_log(const char *session, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "feedd: error: <text>" */
void feed_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* FEED_LOG_H */
