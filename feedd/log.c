/* SPDX-License-Identifier: MIT */
/* log.c: one formatted line per call on stderr. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

/* One fprintf per line: stderr is unbuffered, glibc formats the whole call
 * into one write, so lines from one process never interleave. */
void feed_log(const char *session, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (session)
		fprintf(stderr, "feedd: %s: %s\n", session, line);
	else
		fprintf(stderr, "feedd: %s\n", line);
}

void feed_log_error(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "feedd: error: %s\n", line);
}
