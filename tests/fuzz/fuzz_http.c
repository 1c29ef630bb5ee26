/* SPDX-License-Identifier: MIT */
/*
 * fuzz_http.c: the HTTP/1.1 response parser (feedd/proto/http.c). The first
 * input byte picks where the rest is split in two; the bytes are parsed
 * once whole and once in those two pieces (responses pipelined one after
 * the other, then the end of the connection). Properties: both ways give
 * the same responses (status, flags, body) and the same end (error code),
 * bodies stay within their bound, every error has a reason.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"

#define FZ_BODY_MAX 4096
#define FZ_MAXR	    8

struct fz_out {
	int n, err;
	int status[FZ_MAXR], close[FZ_MAXR];
	size_t len[FZ_MAXR];
	uint32_t sum[FZ_MAXR];
};

static struct feed_http fz_h;
static int fz_ready;

static uint32_t fz_sum(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void fz_record(struct fz_out *o)
{
	const struct feed_http_resp *r = &fz_h.resp;

	FUZZ_CHECK(r->body_len <= FZ_BODY_MAX);
	FUZZ_CHECK(r->status >= 100 && r->status <= 599);
	if (o->n < FZ_MAXR) {
		o->status[o->n] = r->status;
		o->close[o->n] = r->close;
		o->len[o->n] = r->body_len;
		o->sum[o->n] = fz_sum(r->body, r->body_len);
	}
	o->n++;
}

/* Feeds one piece; returns < 0 once the parser failed. */
static int fz_feed(struct fz_out *o, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t used = 0;
		int r = feed_http_input(&fz_h, p, n, &used);

		FUZZ_CHECK(used <= n);
		if (r < 0) {
			FUZZ_CHECK(r == -EBADMSG || r == -EMSGSIZE);
			FUZZ_CHECK(fz_h.err[0] != '\0');
			o->err = r;
			return r;
		}
		if (r == 1)
			fz_record(o);
		else
			FUZZ_CHECK(used == n);
		p += used;
		n -= used;
	}
	return 0;
}

static void fz_run(struct fz_out *o, const uint8_t *p, size_t n, size_t split)
{
	int r;

	memset(o, 0, sizeof(*o));
	feed_http_reset(&fz_h);
	if (fz_feed(o, p, split) < 0 || fz_feed(o, p + split, n - split) < 0)
		return;
	r = feed_http_eof(&fz_h);
	FUZZ_CHECK(r == 0 || r == 1 || r == -EBADMSG || r == -EMSGSIZE);
	if (r == 1)
		fz_record(o);
	else if (r < 0)
		o->err = r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_out a, b;
	size_t split;

	if (size < 1)
		return 0;
	if (!fz_ready) {
		FUZZ_CHECK(feed_http_init(&fz_h, FZ_BODY_MAX, "X-MBX-USED-WEIGHT-1M") == 0);
		fz_ready = 1;
	}
	split = size > 1 ? data[0] % (size - 1) : 0;
	fz_run(&a, data + 1, size - 1, size - 1);
	fz_run(&b, data + 1, size - 1, split);
	FUZZ_CHECK(a.n == b.n && a.err == b.err);
	for (int i = 0; i < a.n && i < FZ_MAXR; i++)
		FUZZ_CHECK(a.status[i] == b.status[i] && a.close[i] == b.close[i] &&
			   a.len[i] == b.len[i] && a.sum[i] == b.sum[i]);
	return 0;
}
