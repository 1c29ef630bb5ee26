/* SPDX-License-Identifier: MIT */
/*
 * tail_out.h: mdbus-tail's output buffer. Not stdio: a stdio stream blocked
 * on a full pipe retries partial writes forever, so a consumer that stops
 * reading would make tail deaf to SIGINT/SIGTERM. Here every interrupted or
 * partial write checks the stop flag first.
 */
#ifndef TAIL_OUT_H
#define TAIL_OUT_H

#include <stddef.h>

#define TAIL_OUT_CAP (1 << 16)

struct tail_out {
	int fd;
	size_t len; /* bytes waiting in buf */
	char buf[TAIL_OUT_CAP];
};

/*
 * Appends one line (len <= TAIL_OUT_CAP), flushing first if it does not fit.
 * Returns 0; 1 when output should end cleanly (the reader closed the pipe,
 * or a stop was requested while blocked); -errno on a write error.
 */
int tail_out_line(struct tail_out *o, const char *line, size_t len);

/* Writes everything buffered. Returns as tail_out_line. */
int tail_out_flush(struct tail_out *o);

#endif /* TAIL_OUT_H */
