/* SPDX-License-Identifier: MIT */
/*
 * buf.c: mdbus-sim's growable byte buffer (struct sim_buf), used by the
 * connections and by the dialects' frame hooks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

int sim_buf_append(struct sim_buf *b, const void *p, size_t n)
{
	if (b->off && b->off + b->len + n > b->cap) {
		/* reclaim consumed space before growing */
		memmove(b->p, b->p + b->off, b->len);
		b->off = 0;
	}
	if (b->off + b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *q;

		while (cap < b->len + n)
			cap *= 2;
		q = realloc(b->p, cap);
		if (!q)
			return -ENOMEM;
		b->p = q;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->off + b->len, p, n);
	b->len += n;
	return 0;
}

void sim_buf_consume(struct sim_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		b->off = 0;
	} else {
		b->off += n;
		b->len -= n;
	}
}

void sim_buf_free(struct sim_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
