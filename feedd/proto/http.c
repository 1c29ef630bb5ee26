/* SPDX-License-Identifier: MIT */
/*
 * http.c - GET requests and the incremental HTTP/1.1 response parser (http.h).
 *
 * Lines (status, headers, chunk sizes, trailers) are gathered in one bounded
 * buffer, so a split anywhere, even inside a CRLF, parses the same. Body
 * bytes go straight into the body buffer, through zlib when the response is
 * gzip-encoded. The parser is strict where leniency breeds request
 * smuggling or silent truncation (both Content-Length and chunked, duplicate
 * lengths that disagree, folded headers, a chunk size that overflows).
 */
#include "http.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MDBUS_VERSION
#define MDBUS_VERSION "0"
#endif

static int http_fail(struct feed_http *h, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
	return err;
}

int feed_http_init(struct feed_http *h, size_t body_max, const char *weight_hdr)
{
	memset(h, 0, sizeof(*h));
	if (body_max == 0 || body_max > ((size_t)1 << 32) ||
	    (weight_hdr && strlen(weight_hdr) >= sizeof(h->weight_name)))
		return -EINVAL;
	if (weight_hdr)
		strcpy(h->weight_name, weight_hdr);
	h->block = malloc(FEED_HTTP_LINE_MAX + body_max);
	if (!h->block)
		return -ENOMEM;
	h->line = (char *)h->block;
	h->body = h->block + FEED_HTTP_LINE_MAX;
	h->body_max = body_max;
	/* 15 + 32: a gzip or a zlib header, detected. */
	if (inflateInit2(&h->z, 15 + 32) != Z_OK) {
		free(h->block);
		h->block = NULL;
		return -ENOMEM;
	}
	h->z_ok = 1;
	feed_http_reset(h);
	return 0;
}

static void http_begin(struct feed_http *h)
{
	memset(&h->resp, 0, sizeof(h->resp));
	h->resp.content_length = -1;
	h->resp.retry_after_s = -1;
	h->resp.weight = -1;
	h->resp.body = h->body;
	h->line_len = 0;
	h->line_cr = 0;
	h->hdr_bytes = 0;
	h->left = 0;
	h->http10 = 0;
	h->keep_alive = 0;
	h->z_end = 0;
	if (h->z_ok)
		inflateReset(&h->z);
	h->st = FEED_HTTP_STATUS;
}

void feed_http_reset(struct feed_http *h)
{
	http_begin(h);
	h->err[0] = '\0';
}

int feed_http_busy(const struct feed_http *h)
{
	return h->st != FEED_HTTP_DONE && (h->st != FEED_HTTP_STATUS || h->line_len > 0);
}

/* Gathers one line (CRLF or bare LF ends it) into h->line, NUL-terminated
 * without the terminator. Returns 1 with a line, 0 when p ran out, or
 * -EMSGSIZE. *i advances over what was taken. */
static int http_line(struct feed_http *h, const uint8_t *p, size_t n, size_t *i)
{
	while (*i < n) {
		uint8_t c = p[(*i)++];

		if (++h->hdr_bytes > FEED_HTTP_HDRS_MAX)
			return http_fail(h, -EMSGSIZE, "headers over %u bytes", FEED_HTTP_HDRS_MAX);
		if (c == '\n') {
			if (h->line_cr)
				h->line_len--;
			h->line[h->line_len] = '\0';
			h->line_cr = 0;
			return 1;
		}
		if (h->line_len + 2 >= FEED_HTTP_LINE_MAX)
			return http_fail(h, -EMSGSIZE, "line over %d bytes", FEED_HTTP_LINE_MAX);
		h->line_cr = c == '\r';
		h->line[h->line_len++] = (char)c;
	}
	return 0;
}

static int http_ieq(const char *a, size_t an, const char *b)
{
	return an == strlen(b) && strncasecmp(a, b, an) == 0;
}

/* Non-negative decimal integer filling [s, e); -1 if not one (or > 2^62). */
static int64_t http_uint(const char *s, const char *e)
{
	int64_t v = 0;

	if (s == e)
		return -1;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_C(1) << 62) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static int http_status_line(struct feed_http *h)
{
	const char *l = h->line;

	if (strncmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') || l[8] != ' ' ||
	    l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' || l[11] < '0' || l[11] > '9' ||
	    (l[12] != ' ' && l[12] != '\0'))
		return http_fail(h, -EBADMSG, "bad status line");
	h->http10 = l[7] == '0';
	h->resp.status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	h->st = FEED_HTTP_HEADERS;
	return 0;
}

/* A comma list of tokens (Connection, Transfer-Encoding): 1 if tok is in it. */
static int http_has_token(const char *s, const char *e, const char *tok)
{
	while (s < e) {
		const char *t, *te;

		while (s < e && (*s == ' ' || *s == '\t' || *s == ','))
			s++;
		t = s;
		while (s < e && *s != ',')
			s++;
		te = s;
		while (te > t && (te[-1] == ' ' || te[-1] == '\t'))
			te--;
		if (te > t && http_ieq(t, (size_t)(te - t), tok))
			return 1;
	}
	return 0;
}

static int http_field(struct feed_http *h, const char *n, size_t nl, const char *v, const char *ve)
{
	struct feed_http_resp *r = &h->resp;

	if (http_ieq(n, nl, "Content-Length")) {
		int64_t cl = http_uint(v, ve);
		if (cl < 0 || (r->content_length >= 0 && r->content_length != cl))
			return http_fail(h, -EBADMSG, "bad Content-Length");
		r->content_length = cl;
	} else if (http_ieq(n, nl, "Transfer-Encoding")) {
		if (!http_ieq(v, (size_t)(ve - v), "chunked"))
			return http_fail(h, -EBADMSG, "unsupported Transfer-Encoding");
		r->chunked = 1;
	} else if (http_ieq(n, nl, "Content-Encoding")) {
		size_t vl = (size_t)(ve - v);
		if (http_ieq(v, vl, "gzip") || http_ieq(v, vl, "x-gzip") ||
		    http_ieq(v, vl, "deflate"))
			r->encoding = 1;
		else if (!http_ieq(v, vl, "identity"))
			return http_fail(h, -EBADMSG, "unsupported Content-Encoding");
	} else if (http_ieq(n, nl, "Connection")) {
		r->close |= http_has_token(v, ve, "close");
		h->keep_alive |= http_has_token(v, ve, "keep-alive");
	} else if (http_ieq(n, nl, "Retry-After")) {
		r->retry_after_s = http_uint(v, ve); /* an HTTP-date stays -1 */
	} else if (h->weight_name[0] && http_ieq(n, nl, h->weight_name)) {
		r->weight = http_uint(v, ve);
	}
	return 0;
}

/* One "name: value" line (trailers too: then only checked, not used). */
static int http_header_line(struct feed_http *h, int trailer)
{
	char *l = h->line, *colon, *v, *ve;

	if (*l == ' ' || *l == '\t')
		return http_fail(h, -EBADMSG, "folded header line");
	colon = strchr(l, ':');
	if (!colon || colon == l)
		return http_fail(h, -EBADMSG, "header line without a name");
	for (char *c = l; c < colon; c++)
		if (*c <= ' ' || *c >= 127)
			return http_fail(h, -EBADMSG, "bad header name");
	v = colon + 1;
	ve = l + strlen(l);
	while (v < ve && (*v == ' ' || *v == '\t'))
		v++;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	for (const char *c = v; c < ve; c++)
		if ((unsigned char)*c < ' ' && *c != '\t')
			return http_fail(h, -EBADMSG, "control character in a header value");
	if (trailer)
		return 0;
	return http_field(h, l, (size_t)(colon - l), v, ve);
}

/* The blank line after the headers: how the body is delimited. Returns 1 if
 * the response is complete (no body), 0 otherwise, or -errno. */
static int http_headers_done(struct feed_http *h)
{
	struct feed_http_resp *r = &h->resp;

	/* 101 switches the connection to another protocol: never an answer to
	 * a GET that asked for none (a WebSocket-only server does this). */
	if (r->status == 101)
		return http_fail(h, -EBADMSG, "101 Switching Protocols to a plain GET");
	if (r->status < 200) { /* 1xx: interim, the real response follows */
		http_begin(h);
		return 0;
	}
	if (h->http10 && !h->keep_alive)
		r->close = 1;
	if (r->chunked && r->content_length >= 0)
		return http_fail(h, -EBADMSG, "both Content-Length and chunked");
	if (r->status == 204 || r->status == 304)
		return 1;
	if (r->chunked) {
		h->st = FEED_HTTP_CHUNK_SIZE;
		return 0;
	}
	if (r->content_length >= 0) {
		if (r->encoding == 0 && (uint64_t)r->content_length > h->body_max)
			return http_fail(h, -EMSGSIZE, "body of %lld bytes over %zu",
					 (long long)r->content_length, h->body_max);
		h->left = (uint64_t)r->content_length;
		h->st = FEED_HTTP_BODY_LEN;
		return h->left == 0;
	}
	r->close = 1;
	h->st = FEED_HTTP_BODY_EOF;
	return 0;
}

static int http_inflate(struct feed_http *h, const uint8_t *p, size_t n)
{
	int zr;

	if (h->z_end)
		return n ? http_fail(h, -EBADMSG, "data after the end of the gzip stream") : 0;
	h->z.next_in = p;
	h->z.avail_in = (uInt)n;
	while (h->z.avail_in > 0) {
		if (h->resp.body_len == h->body_max)
			return http_fail(h, -EMSGSIZE, "inflated body over %zu bytes", h->body_max);
		h->z.next_out = h->body + h->resp.body_len;
		h->z.avail_out = (uInt)(h->body_max - h->resp.body_len);
		zr = inflate(&h->z, Z_NO_FLUSH);
		h->resp.body_len = h->body_max - h->z.avail_out;
		if (zr == Z_STREAM_END) {
			h->z_end = 1;
			if (h->z.avail_in)
				return http_fail(h, -EBADMSG,
						 "data after the end of the gzip stream");
			return 0;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return http_fail(h, -EBADMSG, "gzip: %s", h->z.msg ? h->z.msg : "bad data");
	}
	return 0;
}

static int http_body(struct feed_http *h, const uint8_t *p, size_t n)
{
	if (h->resp.encoding)
		return http_inflate(h, p, n);
	if (n > h->body_max - h->resp.body_len)
		return http_fail(h, -EMSGSIZE, "body over %zu bytes", h->body_max);
	memcpy(h->body + h->resp.body_len, p, n);
	h->resp.body_len += n;
	return 0;
}

/* The response is whole: a compressed body must have ended. */
static int http_complete(struct feed_http *h)
{
	if (h->resp.encoding && !h->z_end && (h->resp.body_len > 0 || h->z.total_in > 0)) {
		if (h->resp.body_len == h->body_max)
			return http_fail(h, -EMSGSIZE, "inflated body over %zu bytes", h->body_max);
		return http_fail(h, -EBADMSG, "gzip stream cut short");
	}
	h->st = FEED_HTTP_DONE;
	return 1;
}

static int http_chunk_size(struct feed_http *h)
{
	const char *s = h->line;
	uint64_t v = 0;
	int digits = 0;

	for (;; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (*s | 0x20) - 'a' + 10;
		else
			break;
		if (v >> 56)
			return http_fail(h, -EBADMSG, "chunk size overflows");
		v = v * 16 + (uint64_t)d;
		digits++;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (!digits || (*s != '\0' && *s != ';'))
		return http_fail(h, -EBADMSG, "bad chunk size line");
	h->left = v;
	h->hdr_bytes = 0; /* chunk lines are bounded one by one; trailers anew */
	h->st = v ? FEED_HTTP_CHUNK_DATA : FEED_HTTP_TRAILERS;
	return 0;
}

/* A line-based state consumed one line: act on it. 1 = response complete. */
static int http_on_line(struct feed_http *h)
{
	int empty = h->line[0] == '\0';

	switch (h->st) {
	case FEED_HTTP_STATUS:
		h->hdr_bytes = 0;
		return empty ? 0 : http_status_line(h);
	case FEED_HTTP_HEADERS:
		if (empty)
			return http_headers_done(h);
		return http_header_line(h, 0);
	case FEED_HTTP_CHUNK_SIZE:
		return http_chunk_size(h);
	case FEED_HTTP_CHUNK_END:
		if (!empty)
			return http_fail(h, -EBADMSG, "no CRLF after chunk data");
		h->hdr_bytes = 0;
		h->st = FEED_HTTP_CHUNK_SIZE;
		return 0;
	case FEED_HTTP_TRAILERS:
		if (empty)
			return http_complete(h);
		return http_header_line(h, 1);
	default:
		return http_fail(h, -EBADMSG, "internal: line in a body state");
	}
}

/* Body bytes of a length-delimited region (Content-Length or one chunk). */
static int http_counted(struct feed_http *h, const uint8_t *p, size_t n, size_t *i)
{
	size_t k = n - *i;
	int r;

	if (k > h->left)
		k = (size_t)h->left;
	r = http_body(h, p + *i, k);
	if (r < 0)
		return r;
	*i += k;
	h->left -= k;
	if (h->left)
		return 0;
	if (h->st == FEED_HTTP_BODY_LEN)
		return http_complete(h);
	h->st = FEED_HTTP_CHUNK_END;
	h->line_len = 0;
	return 0;
}

int feed_http_input(struct feed_http *h, const uint8_t *p, size_t n, size_t *used)
{
	size_t i = 0;
	int r = 0;

	if (h->st == FEED_HTTP_DONE)
		http_begin(h);
	while (i < n && r == 0) {
		switch (h->st) {
		case FEED_HTTP_BODY_LEN:
		case FEED_HTTP_CHUNK_DATA:
			r = http_counted(h, p, n, &i);
			break;
		case FEED_HTTP_BODY_EOF:
			r = http_body(h, p + i, n - i);
			i = n;
			break;
		default:
			r = http_line(h, p, n, &i);
			if (r == 1) {
				h->line_len = 0;
				r = http_on_line(h);
			}
			break;
		}
	}
	*used = i;
	if (r == 1 && h->st != FEED_HTTP_DONE)
		r = http_complete(h); /* headers_done without a body */
	return r;
}

int feed_http_eof(struct feed_http *h)
{
	if (h->st == FEED_HTTP_BODY_EOF)
		return http_complete(h);
	if (!feed_http_busy(h))
		return 0;
	return http_fail(h, -EBADMSG, "connection closed mid-response");
}

static int http_clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 127)
			return 0;
	return 1;
}

int feed_http_request(char *buf, size_t cap, const char *host, uint16_t port, int tls,
		      const char *path, size_t *n)
{
	char hostport[300];
	int k;

	if (!host || !*host || !path || *path != '/' || !http_clean(host) || !http_clean(path))
		return -EINVAL;
	if ((tls && port == 443) || (!tls && port == 80) || port == 0)
		k = snprintf(hostport, sizeof(hostport), "%s", host);
	else if (strchr(host, ':')) /* IPv6 literal */
		k = snprintf(hostport, sizeof(hostport), "[%s]:%u", host, port);
	else
		k = snprintf(hostport, sizeof(hostport), "%s:%u", host, port);
	if (k < 0 || (size_t)k >= sizeof(hostport))
		return -EINVAL;
	k = snprintf(buf, cap,
		     "GET %s HTTP/1.1\r\n"
		     "Host: %s\r\n"
		     "User-Agent: mdbus/" MDBUS_VERSION "\r\n"
		     "Accept: application/json\r\n"
		     "Accept-Encoding: gzip\r\n"
		     "Connection: keep-alive\r\n"
		     "\r\n",
		     path, hostport);
	if (k < 0 || (size_t)k >= cap)
		return -ENOBUFS;
	*n = (size_t)k;
	return 0;
}

void feed_http_free(struct feed_http *h)
{
	if (!h)
		return;
	if (h->z_ok)
		inflateEnd(&h->z);
	h->z_ok = 0;
	free(h->block);
	h->block = NULL;
	h->line = NULL;
	h->body = NULL;
}
