/* SPDX-License-Identifier: MIT */
/*
 * http.h - HTTP/1.1 GET requests and an incremental response parser, doing
 * NO I/O (the REST client, feedd/rest.h, moves the bytes).
 *
 *   feed_http_request()             builds "GET path" with Host, User-Agent,
 *                                   Accept-Encoding: gzip and keep-alive
 *   feed_http_input(h, p, n, &used) feeds received plaintext in any split;
 *                                   returns 1 when a response is complete
 *                                   (h->resp), its bytes consumed in used:
 *                                   the rest of p belongs to the next one
 *   feed_http_eof(h)                the peer closed: completes a body that
 *                                   runs to the end of the connection
 *
 * Bodies: Content-Length, chunked (extensions ignored, trailers skipped) or
 * until close. Content-Encoding gzip (or deflate) is inflated with zlib as it
 * arrives. The decoded body is bounded by body_max (-EMSGSIZE); malformed
 * input is -EBADMSG with a reason in h->err. Headers of interest:
 * Content-Length, Transfer-Encoding, Content-Encoding, Connection,
 * Retry-After (delta-seconds) and one caller-named weight header (e.g.
 * X-MBX-USED-WEIGHT-1M).
 *
 * Memory: one block allocated by feed_http_init (header line + body) and
 * zlib's state made once; nothing is allocated per response.
 */
#ifndef FEED_HTTP_H
#define FEED_HTTP_H

#include <stddef.h>
#include <stdint.h>
#ifndef ZLIB_CONST
#define ZLIB_CONST /* next_in is const: the parser never writes its input */
#endif
#include <zlib.h>

#define FEED_HTTP_LINE_MAX   8192   /* one status/header/chunk-size line */
#define FEED_HTTP_HDRS_MAX   65536u /* all header (or trailer) lines of a response */
#define FEED_HTTP_WEIGHT_MAX 64	    /* length of the weight header's name */

/* One response, valid from feed_http_input's 1 until the next input. */
struct feed_http_resp {
	int status;		/* 200, 429, ... */
	int64_t content_length; /* -1: none */
	int chunked;		/* Transfer-Encoding: chunked */
	int encoding;		/* 0 identity, 1 gzip/deflate */
	int close;		/* Connection: close (or HTTP/1.0 without keep-alive) */
	int64_t retry_after_s;	/* Retry-After in seconds, -1: none */
	int64_t weight;		/* the weight header's value, -1: none */
	const uint8_t *body;	/* decoded body */
	size_t body_len;
};

enum feed_http_state {
	FEED_HTTP_STATUS = 0,
	FEED_HTTP_HEADERS,
	FEED_HTTP_BODY_LEN,   /* Content-Length bytes */
	FEED_HTTP_BODY_EOF,   /* until the connection closes */
	FEED_HTTP_CHUNK_SIZE, /* "1a;ext\r\n" */
	FEED_HTTP_CHUNK_DATA,
	FEED_HTTP_CHUNK_END, /* the CRLF after a chunk's data */
	FEED_HTTP_TRAILERS,
	FEED_HTTP_DONE,
};

struct feed_http {
	enum feed_http_state st;
	struct feed_http_resp resp;
	char weight_name[FEED_HTTP_WEIGHT_MAX]; /* "" = none */
	uint8_t *block;				/* line + body, one allocation */
	char *line;				/* FEED_HTTP_LINE_MAX */
	size_t line_len;
	int line_cr; /* the last byte taken was '\r' */
	size_t hdr_bytes;
	uint8_t *body; /* body_max */
	size_t body_max;
	uint64_t left; /* bytes of the Content-Length body or chunk still to read */
	int http10;
	int keep_alive; /* Connection: keep-alive seen */
	z_stream z;
	int z_ok;  /* inflateInit2 done */
	int z_end; /* the compressed stream ended */
	char err[160];
};

/* Allocates the buffers (body_max decoded bytes) and zlib's state; weight_hdr
 * is the header whose integer value lands in resp.weight (NULL: none).
 * Returns 0, -EINVAL or -ENOMEM. */
int feed_http_init(struct feed_http *h, size_t body_max, const char *weight_hdr);

/* Forgets any partial response (a new connection). */
void feed_http_reset(struct feed_http *h);

/* Feeds n bytes. Returns 0 (need more: every byte consumed), 1 (a response
 * is complete in h->resp; *used bytes of p were consumed), -EMSGSIZE (the
 * decoded body or headers exceed their bound) or -EBADMSG (h->err). After an
 * error the connection must be dropped (call feed_http_reset before reuse). */
int feed_http_input(struct feed_http *h, const uint8_t *p, size_t n, size_t *used);

/* The connection ended: 1 if that completes the response (a body read until
 * close), 0 if no response was under way, -EBADMSG if one was cut short. */
int feed_http_eof(struct feed_http *h);

/* 1 while a response has been started and not finished. */
int feed_http_busy(const struct feed_http *h);

/* Writes a GET request for path into buf. port is omitted from Host when it is
 * the scheme's default (443 with tls, 80 without). Returns 0 with *n, or
 * -ENOBUFS/-EINVAL (control characters or spaces in host/path). */
int feed_http_request(char *buf, size_t cap, const char *host, uint16_t port, int tls,
		      const char *path, size_t *n);

/* Frees the buffers and zlib's state. Safe on a zeroed h. */
void feed_http_free(struct feed_http *h);

#endif /* FEED_HTTP_H */
