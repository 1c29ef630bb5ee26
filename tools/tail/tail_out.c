/* SPDX-License-Identifier: MIT */
/* tail_out.c: see tail_out.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "tail_out.h"
#include "tools_run.h"

int tail_out_flush(struct tail_out *o)
{
	size_t off = 0;
	ssize_t n;

	while (off < o->len) {
		n = write(o->fd, o->buf + off, o->len - off);
		if (n < 0) {
			if (errno == EPIPE)
				return 1; /* SIGPIPE is ignored: our reader went away */
			if (errno != EINTR)
				return -errno;
		} else {
			off += (size_t)n;
		}
		/* A signal interrupted a blocked write (EINTR, or a partial
		 * count): if it asked us to stop, drop the rest and go. */
		if (off < o->len && tools_stop_requested())
			return 1;
	}
	o->len = 0;
	return 0;
}

int tail_out_line(struct tail_out *o, const char *line, size_t len)
{
	int rc;

	if (len > sizeof(o->buf))
		return -EMSGSIZE;
	if (o->len + len > sizeof(o->buf)) {
		rc = tail_out_flush(o);
		if (rc)
			return rc;
	}
	memcpy(o->buf + o->len, line, len);
	o->len += len;
	return 0;
}
