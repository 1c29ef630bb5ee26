/* SPDX-License-Identifier: MIT */
/*
 * test_http.c: the HTTP/1.1 response parser and request builder
 * (feedd/proto/http.h): every two-piece split and byte-by-byte feeding of
 * each response, chunked bodies with trailers, gzip (whole and chunked),
 * bounded bodies, malformed input, pipelined keep-alive responses.
 */
#include "helpers.h"
#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MAXR 4

struct got {
	int n;
	int status[MAXR];
	int close[MAXR];
	int64_t retry[MAXR], weight[MAXR];
	char body[MAXR][4096];
	size_t len[MAXR];
	int err;
};

/* Feeds p in pieces: cut == 0 byte by byte, else at offset cut then the rest. */
static void run(struct feed_http *h, const uint8_t *p, size_t n, size_t cut, struct got *g)
{
	size_t off = 0;

	memset(g, 0, sizeof(*g));
	feed_http_reset(h);
	while (off < n && !g->err) {
		size_t piece = cut == 0 ? 1 : (off < cut ? cut - off : n - off);
		const uint8_t *q = p + off;
		size_t left = piece;

		off += piece;
		while (left && !g->err) {
			size_t used = 0;
			int r = feed_http_input(h, q, left, &used);
			if (r < 0) {
				g->err = r;
				break;
			}
			if (r == 1 && g->n < MAXR) {
				g->status[g->n] = h->resp.status;
				g->close[g->n] = h->resp.close;
				g->retry[g->n] = h->resp.retry_after_s;
				g->weight[g->n] = h->resp.weight;
				g->len[g->n] = h->resp.body_len;
				if (h->resp.body_len < sizeof(g->body[0]))
					memcpy(g->body[g->n], h->resp.body, h->resp.body_len);
				g->n++;
			}
			q += used;
			left -= used;
		}
	}
	if (!g->err && feed_http_eof(h) == 1 && g->n < MAXR) {
		g->len[g->n] = h->resp.body_len;
		memcpy(g->body[g->n], h->resp.body, h->resp.body_len);
		g->status[g->n++] = h->resp.status;
	}
}

/* Every split of s gives the same single/pipelined result as want. */
static void every_split(struct feed_http *h, const char *s, size_t n, int nresp, const char *body0,
			const char *body1)
{
	struct got g;

	for (size_t cut = 0; cut <= n; cut++) {
		run(h, (const uint8_t *)s, n, cut, &g);
		CHECK(g.err == 0);
		CHECK(g.n == nresp);
		if (g.err || g.n != nresp) {
			fprintf(stderr, "  cut %zu: err %d (%s) n %d\n", cut, g.err, h->err, g.n);
			return;
		}
		CHECK(g.len[0] == strlen(body0) && memcmp(g.body[0], body0, g.len[0]) == 0);
		if (nresp > 1)
			CHECK(g.len[1] == strlen(body1) && memcmp(g.body[1], body1, g.len[1]) == 0);
	}
}

static size_t gz(const char *in, uint8_t *out, size_t cap)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (const Bytef *)in;
	z.avail_in = (uInt)strlen(in);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	deflateEnd(&z);
	return cap - z.avail_out;
}

static void test_basic(struct feed_http *h)
{
	static const char cl[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				 "Content-Length: 13\r\nX-MBX-USED-WEIGHT-1M: 57\r\n\r\n"
				 "{\"a\":\"hello\"}";
	static const char ch[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				 "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
				 "0\r\nX-Trailer: yes\r\n\r\n";
	static const char lf[] = "HTTP/1.1 200 OK\nContent-Length: 2\n\nok";
	static const char two[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
				  "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\n"
				  "Transfer-Encoding: chunked\r\n\r\n2\r\nno\r\n0\r\n\r\n";
	static const char eof[] = "HTTP/1.0 200 OK\r\n\r\nuntil close";
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
	struct got g;

	every_split(h, cl, strlen(cl), 1, "{\"a\":\"hello\"}", NULL);
	run(h, (const uint8_t *)cl, strlen(cl), 5, &g);
	CHECK(g.weight[0] == 57 && g.retry[0] == -1 && g.close[0] == 0 && g.status[0] == 200);
	every_split(h, ch, strlen(ch), 1, "Wikipedia in\r\n\r\nchunks.", NULL);
	every_split(h, lf, strlen(lf), 1, "ok", NULL);
	every_split(h, two, strlen(two), 2, "abc", "no");
	run(h, (const uint8_t *)two, strlen(two), 0, &g);
	CHECK(g.status[1] == 429 && g.retry[1] == 7);
	every_split(h, eof, strlen(eof), 1, "until close", NULL);
	run(h, (const uint8_t *)eof, strlen(eof), 0, &g);
	CHECK(g.n == 1 && g.status[0] == 200);
	every_split(h, cont, strlen(cont), 1, "", NULL);
	run(h, (const uint8_t *)cont, strlen(cont), 3, &g);
	CHECK(g.status[0] == 204);
	{
		static const char c[] = "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\n"
					"Content-Length: 0\r\n\r\n";
		run(h, (const uint8_t *)c, strlen(c), 0, &g);
		CHECK(g.n == 1 && g.close[0] == 1);
	}
}

static void test_gzip(struct feed_http *h)
{
	const char *plain =
		"{\"lastUpdateId\":1027024,\"bids\":[[\"4.00000000\",\"431.00000000\"]],"
		"\"asks\":[[\"4.00000200\",\"12.00000000\"]]}";
	uint8_t z[512];
	char msg[2048], chunked[2048];
	size_t zn = gz(plain, z, sizeof(z)), n, c;

	n = (size_t)snprintf(
		msg, sizeof(msg),
		"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", zn);
	memcpy(msg + n, z, zn);
	n += zn;
	every_split(h, msg, n, 1, plain, NULL);
	/* chunked + gzip: the compressed stream cut into three chunks */
	c = (size_t)snprintf(chunked, sizeof(chunked),
			     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
			     "Content-Encoding: gzip\r\n\r\n%zx\r\n",
			     (size_t)10);
	memcpy(chunked + c, z, 10);
	c += 10;
	c += (size_t)snprintf(chunked + c, sizeof(chunked) - c, "\r\n%zx\r\n", zn - 10);
	memcpy(chunked + c, z + 10, zn - 10);
	c += zn - 10;
	c += (size_t)snprintf(chunked + c, sizeof(chunked) - c, "\r\n0\r\n\r\n");
	every_split(h, chunked, c, 1, plain, NULL);
	/* a truncated gzip stream whose length says it is whole: malformed */
	n = (size_t)snprintf(
		msg, sizeof(msg),
		"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", zn - 8);
	memcpy(msg + n, z, zn - 8);
	{
		struct got g;
		run(h, (const uint8_t *)msg, n + zn - 8, 0, &g);
		CHECK(g.err == -EBADMSG);
		CHECK_STR_HAS(h->err, "gzip");
	}
}

static void test_oversize(void)
{
	struct feed_http h;
	struct got g;
	static char big[40000];
	uint8_t z[2048];
	size_t zn, n;
	char msg[4096];

	CHECK(feed_http_init(&h, 100, NULL) == 0);
	{
		static const char cl[] = "HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n";
		run(&h, (const uint8_t *)cl, strlen(cl), 0, &g);
		CHECK(g.err == -EMSGSIZE);
	}
	{
		char ch[400];
		n = (size_t)snprintf(ch, sizeof(ch),
				     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				     "40\r\n%064d\r\n40\r\n%064d\r\n0\r\n\r\n",
				     1, 2);
		run(&h, (const uint8_t *)ch, n, 0, &g);
		CHECK(g.err == -EMSGSIZE);
	}
	/* a gzip bomb: 40,000 zeros compress to a few dozen bytes */
	memset(big, '0', sizeof(big) - 1);
	zn = gz(big, z, sizeof(z));
	n = (size_t)snprintf(
		msg, sizeof(msg),
		"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", zn);
	memcpy(msg + n, z, zn);
	run(&h, (const uint8_t *)msg, n + zn, 7, &g);
	CHECK(g.err == -EMSGSIZE);
	/* headers that never end */
	memset(big, 'a', sizeof(big));
	{
		static const char start[] = "HTTP/1.1 200 OK\r\nX: ";
		memcpy(big, start, sizeof(start) - 1);
	}
	run(&h, (const uint8_t *)big, sizeof(big), 1000, &g);
	CHECK(g.err == -EMSGSIZE);
	feed_http_free(&h);
}

static void test_malformed(struct feed_http *h)
{
	static const char *bad[] = {
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"ICY 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
		"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nabcd",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
	};
	struct got g;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run(h, (const uint8_t *)bad[i], strlen(bad[i]), 0, &g);
		CHECK(g.err == -EBADMSG);
		CHECK(h->err[0] != '\0');
		if (g.err != -EBADMSG)
			fprintf(stderr, "  case %zu: err %d\n", i, g.err);
	}
	/* cut short: the connection ends inside a Content-Length body */
	{
		static const char c[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
		size_t used;
		feed_http_reset(h);
		CHECK(feed_http_input(h, (const uint8_t *)c, strlen(c), &used) == 0);
		CHECK(feed_http_busy(h));
		CHECK(feed_http_eof(h) == -EBADMSG);
		feed_http_reset(h);
		CHECK(!feed_http_busy(h) && feed_http_eof(h) == 0);
	}
}

static void test_request(void)
{
	char buf[512];
	size_t n = 0;

	CHECK(feed_http_request(buf, sizeof(buf), "api.binance.com", 443, 1,
				"/api/v3/depth?symbol=BTCUSDT&limit=1000", &n) == 0);
	CHECK(n == strlen(buf));
	{
		static const char line[] =
			"GET /api/v3/depth?symbol=BTCUSDT&limit=1000 HTTP/1.1\r\n";
		CHECK(strncmp(buf, line, strlen(line)) == 0);
	}
	CHECK_STR_HAS(buf, "\r\nHost: api.binance.com\r\n");
	CHECK_STR_HAS(buf, "\r\nUser-Agent: mdbus/");
	CHECK_STR_HAS(buf, "\r\nAccept-Encoding: gzip\r\n");
	CHECK_STR_HAS(buf, "\r\nConnection: keep-alive\r\n\r\n");
	CHECK(feed_http_request(buf, sizeof(buf), "127.0.0.1", 8443, 1, "/x", &n) == 0);
	CHECK_STR_HAS(buf, "Host: 127.0.0.1:8443\r\n");
	CHECK(feed_http_request(buf, sizeof(buf), "::1", 8443, 1, "/x", &n) == 0);
	CHECK_STR_HAS(buf, "Host: [::1]:8443\r\n");
	CHECK(feed_http_request(buf, sizeof(buf), "h", 80, 0, "/x\r\nEvil: 1", &n) == -EINVAL);
	CHECK(feed_http_request(buf, sizeof(buf), "h", 80, 0, "x", &n) == -EINVAL);
	CHECK(feed_http_request(buf, 20, "h", 80, 0, "/x", &n) == -ENOBUFS);
}

int main(void)
{
	struct feed_http h;

	CHECK(feed_http_init(&h, 1 << 16, "X-MBX-USED-WEIGHT-1M") == 0);
	test_basic(&h);
	test_gzip(&h);
	test_malformed(&h);
	feed_http_free(&h);
	feed_http_free(&h); /* twice: safe */
	test_oversize();
	test_request();
	return th_result("test_http");
}
