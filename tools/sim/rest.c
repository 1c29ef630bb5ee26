/* SPDX-License-Identifier: MIT */
/*
 * rest.c: the plain HTTPS GET a listener answers besides its WebSocket
 * upgrades (a venue's REST depth snapshot: the dialect's rest hook).
 *
 * A GET without an Upgrade header goes to the dialect's rest hook; the
 * answer is HTTP/1.1 with Content-Length, kept alive (Connection: close
 * when the client asked for it), gzip-encoded when Accept-Encoding names
 * gzip. Binance dialects add X-MBX-USED-WEIGHT-1M: the weight used in the
 * current wall-clock minute on this listener, the call's own included
 * (limit 1..100: 5, 101..500: 25, 501..1000: 50, above: 250, the spot
 * table; USD-M's 2/5/10/20 for limits up to 50/100/500/1000). The rest_429
 * fault answers the next N calls 429 with Retry-After: 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <zlib.h>

#include "sim.h"

#define REST_BODY_MAX (1u << 20) /* a 1000-level snapshot fits easily */

/* The weight of a Binance depth call with this path (0: not Binance). */
static int rest_weight(const struct sim_listener *l, const char *target)
{
	char lim[16];
	long n = 100;

	if (strncmp(l->d->name, "binance", 7) != 0)
		return 0;
	if (sim_query_param(target, "limit", lim, sizeof(lim)) > 0)
		n = strtol(lim, NULL, 10);
	if (strcmp(l->d->name, "binance-futures") == 0)
		return n <= 50 ? 2 : n <= 100 ? 5 : n <= 500 ? 10 : 20;
	return n <= 100 ? 5 : n <= 500 ? 25 : n <= 1000 ? 50 : 250;
}

/* body as gzip into out (allocated); its length or -errno. */
static long rest_gzip(const char *body, size_t n, unsigned char **out)
{
	z_stream z;
	uLong cap = compressBound((uLong)n) + 64;
	long r;

	memset(&z, 0, sizeof(z));
	*out = malloc(cap);
	if (!*out)
		return -ENOMEM;
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	z.next_in = (Bytef *)body; /* zlib reads next_in only */
	z.avail_in = (uInt)n;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	r = deflate(&z, Z_FINISH) == Z_STREAM_END ? (long)z.total_out : -EIO;
	deflateEnd(&z);
	if (r < 0) {
		free(*out);
		*out = NULL;
	}
	return r;
}

/* Appends the response head and body to c's output. */
static void rest_send(struct sim_conn *c, int status, const char *extra, const char *body, size_t n,
		      int gzip, int close)
{
	unsigned char *z = NULL;
	long zn = gzip ? rest_gzip(body, n, &z) : -1;
	char head[512];
	int hn;

	hn = snprintf(head, sizeof(head),
		      "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
		      "%s%s%s\r\n",
		      status,
		      status == 200   ? "OK"
		      : status == 404 ? "Not Found"
				      : "Error",
		      zn >= 0 ? (size_t)zn : n, zn >= 0 ? "Content-Encoding: gzip\r\n" : "", extra,
		      close ? "Connection: close\r\n" : "Connection: keep-alive\r\n");
	sim_buf_append(&c->out, head, (size_t)hn);
	if (zn >= 0)
		sim_buf_append(&c->out, z, (size_t)zn);
	else
		sim_buf_append(&c->out, body, n);
	free(z);
	if (close)
		c->close_after_out = 1;
}

/* Binance's weight counter of listener l for this minute, with w added. */
static uint32_t rest_weight_used(struct sim_listener *l, int w)
{
	int64_t minute = tools_now_ns(CLOCK_REALTIME) / 60000000000LL;

	if (l->rest_minute != minute) {
		l->rest_minute = minute;
		l->rest_weight = 0;
	}
	l->rest_weight += (uint32_t)w;
	return l->rest_weight;
}

/* Long: one request's whole answer (fault, hook, headers) reads best in one place */
void sim_rest_answer(struct sim_conn *c, const char *req, const char *target,
		     int (*header)(const char *req, const char *name, char *out, size_t len))
{
	struct sim_server *s = c->srv;
	struct sim_listener *l = c->l;
	char ae[128] = "", conn[32] = "", extra[128] = "";
	char *body;
	int status = 200, n, w, gzip, close;

	gzip = header(req, "Accept-Encoding", ae, sizeof(ae)) == 0 && strstr(ae, "gzip");
	close = header(req, "Connection", conn, sizeof(conn)) == 0 && !strcasecmp(conn, "close");
	s->stats.rest_calls++;
	if (sim_refdata_serve(c, target, gzip, close, rest_send) == 0) /* refdata.c */
		return;
	if (!l->d->rest) {
		rest_send(c, 404, "", "{\"error\":\"no REST here\"}", 24, 0, close);
		return;
	}
	if (s->faults.rest_429 > 0) {
		static const char b[] = "{\"code\":-1003,\"msg\":\"Too many requests.\"}";
		s->faults.rest_429--;
		s->stats.rest_429++;
		rest_send(c, 429, "Retry-After: 1\r\n", b, sizeof(b) - 1, 0, close);
		return;
	}
	body = malloc(REST_BODY_MAX);
	if (!body) {
		c->state = SIM_CS_DEAD;
		return;
	}
	n = l->d->rest(&l->venue, target, body, REST_BODY_MAX, &status);
	w = rest_weight(l, target);
	if (w > 0)
		snprintf(extra, sizeof(extra), "X-MBX-USED-WEIGHT-1M: %u\r\n",
			 rest_weight_used(l, w));
	if (n == -ENOENT)
		rest_send(c, 404, extra, "{\"error\":\"not found\"}", 21, 0, close);
	else if (n < 0)
		rest_send(c, 500, extra, "{\"error\":\"too large\"}", 21, 0, close);
	else
		rest_send(c, status, extra, body, (size_t)n, gzip, close);
	fprintf(stderr, "mdbus-sim: conn %" PRIu64 ": GET %s -> %d (%d bytes%s)\n", c->id, target,
		n == -ENOENT ? 404
		: n < 0	     ? 500
			     : status,
		n < 0 ? 0 : n, gzip && n >= 0 ? ", gzip" : "");
	free(body);
}
