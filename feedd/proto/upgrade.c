/* SPDX-License-Identifier: MIT */
/*
 * upgrade.c - WebSocket opening handshake, client side (RFC 6455 4.1, 4.2.2).
 *
 * The response is collected into a fixed buffer until the blank line, then
 * validated in one pass.  Header names compare case-insensitively; the
 * Connection header is a token list.  A refused upgrade keeps the status
 * and Retry-After so the reconnect policy can honour the server's wish.
 */
#include "upgrade.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#ifndef MDBUS_VERSION
#define MDBUS_VERSION "0"
#endif

static const char feed_ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

void feed_upgrade_init(struct feed_upgrade *u, char *hdr, size_t hdr_cap)
{
	memset(u, 0, sizeof(*u));
	u->hdr = hdr;
	u->hdr_cap = hdr_cap;
	u->retry_after_ms = -1;
}

void feed_upgrade_reset(struct feed_upgrade *u)
{
	feed_upgrade_init(u, u->hdr, u->hdr_cap);
}

int feed_upgrade_accept_for(const char *key, char *out, size_t cap)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char buf[128];
	int n;

	n = snprintf(buf, sizeof(buf), "%s%s", key, feed_ws_guid);
	if (n < 0 || (size_t)n >= sizeof(buf) || cap < 29)
		return -EINVAL;
	if (EVP_Digest(buf, (size_t)n, md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen != 20)
		return -EIO;
	EVP_EncodeBlock((unsigned char *)out, md, 20); /* 28 chars + NUL */
	return 0;
}

int feed_upgrade_request(struct feed_upgrade *u, const char *host, uint16_t port, int tls,
			 const char *path, char *out, size_t cap, size_t *n)
{
	unsigned char raw[16];
	char hostport[300];
	int bracket, len;

	*n = 0;
	feed_upgrade_reset(u);
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -EIO;
	EVP_EncodeBlock((unsigned char *)u->key, raw, sizeof(raw)); /* 24 chars */
	if (feed_upgrade_accept_for(u->key, u->accept, sizeof(u->accept)) != 0)
		return -EIO;

	bracket = strchr(host, ':') != NULL; /* IPv6 literal */
	if (port == 0 || port == (tls ? 443 : 80))
		len = snprintf(hostport, sizeof(hostport), bracket ? "[%s]" : "%s", host);
	else
		len = snprintf(hostport, sizeof(hostport), bracket ? "[%s]:%u" : "%s:%u", host,
			       (unsigned)port);
	if (len < 0 || (size_t)len >= sizeof(hostport))
		return -ENOSPC;
	len = snprintf(out, cap,
		       "GET %s HTTP/1.1\r\n"
		       "Host: %s\r\n"
		       "Upgrade: websocket\r\n"
		       "Connection: Upgrade\r\n"
		       "Sec-WebSocket-Key: %s\r\n"
		       "Sec-WebSocket-Version: 13\r\n"
		       "User-Agent: mdbus/" MDBUS_VERSION "\r\n"
		       "\r\n",
		       path && *path ? path : "/", hostport, u->key);
	if (len < 0 || (size_t)len >= cap)
		return -ENOSPC;
	*n = (size_t)len;
	return 0;
}

/* Trim optional whitespace on both ends of [*s, *e). */
static void feed_upgrade_trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

static int feed_upgrade_ieq(const char *s, const char *e, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(e - s) == n && strncasecmp(s, lit, n) == 0;
}

/* Does the comma-separated token list [s, e) contain tok (case-insensitive)? */
static int feed_upgrade_has_token(const char *s, const char *e, const char *tok)
{
	while (s < e) {
		const char *c = memchr(s, ',', (size_t)(e - s));
		const char *te = c ? c : e;
		const char *ts = s;
		feed_upgrade_trim(&ts, &te);
		if (feed_upgrade_ieq(ts, te, tok))
			return 1;
		s = c ? c + 1 : e;
	}
	return 0;
}

static int feed_upgrade_fail(struct feed_upgrade *u, const char *fmt, const char *arg)
{
	snprintf(u->err, sizeof(u->err), fmt, arg);
	return -EPROTO;
}

/* What the header lines said (feed_upgrade_header). */
struct feed_upgrade_seen {
	int upgrade; /* 1 websocket, -1 something else, 0 absent */
	int conn;
	int accept;
	int accept_ok;
	char extra[160]; /* an extension or protocol we did not ask for */
};

/* Copies up to 40 chars of the line, non-printables as '?', for a message. */
static void feed_upgrade_printable(char *dst, const char *p, const char *eol)
{
	size_t l = eol ? (size_t)(eol - p) : strnlen(p, 40);

	if (l > 40)
		l = 40;
	memcpy(dst, p, l);
	dst[l] = '\0';
	for (size_t i = 0; i < l; i++)
		if ((unsigned char)dst[i] < 0x20 || (unsigned char)dst[i] > 0x7e)
			dst[i] = '?';
}

/* Status line: HTTP/1.x SP 3DIGIT [SP reason]. Sets u->status, the reason
 * [*rs, *re) and *next (the first header line). */
static int feed_upgrade_status(struct feed_upgrade *u, const char **rs, const char **re,
			       const char **next)
{
	const char *p = u->hdr, *eol = strstr(p, "\r\n");
	char line[64];

	if (!eol || eol - p < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' || p[9] < '1' ||
	    p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
	    (eol - p > 12 && p[12] != ' ')) {
		feed_upgrade_printable(line, p, eol);
		return feed_upgrade_fail(u, "bad HTTP status line \"%s\"", line);
	}
	u->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	*rs = eol - p > 12 ? p + 13 : eol;
	*re = eol;
	*next = eol + 2;
	return 0;
}

/* Retry-After: delta-seconds only; an HTTP-date is ignored (the backoff applies). */
static void feed_upgrade_retry_after(struct feed_upgrade *u, const char *vs, const char *ve)
{
	long long v = 0;
	const char *q = vs;

	for (; q < ve && *q >= '0' && *q <= '9' && v < 100000000; q++)
		v = v * 10 + (*q - '0');
	if (q == ve && q > vs)
		u->retry_after_ms = v * 1000;
}

/* One header: name [ns, ne), trimmed value [vs, ve). */
static void feed_upgrade_header(struct feed_upgrade *u, struct feed_upgrade_seen *seen,
				const char *ns, const char *ne, const char *vs, const char *ve)
{
	if (feed_upgrade_ieq(ns, ne, "Upgrade")) {
		seen->upgrade = feed_upgrade_ieq(vs, ve, "websocket") ? 1 : -1;
	} else if (feed_upgrade_ieq(ns, ne, "Connection")) {
		if (feed_upgrade_has_token(vs, ve, "upgrade"))
			seen->conn = 1;
	} else if (feed_upgrade_ieq(ns, ne, "Sec-WebSocket-Accept")) {
		seen->accept = 1;
		seen->accept_ok = feed_upgrade_ieq(vs, ve, u->accept) &&
				  strncmp(vs, u->accept, 28) == 0; /* base64 is case-sensitive */
	} else if (feed_upgrade_ieq(ns, ne, "Retry-After")) {
		feed_upgrade_retry_after(u, vs, ve);
	} else if ((feed_upgrade_ieq(ns, ne, "Sec-WebSocket-Extensions") ||
		    feed_upgrade_ieq(ns, ne, "Sec-WebSocket-Protocol")) &&
		   ve > vs) {
		/* We asked for neither: RFC 6455 4.1 says fail the connection. */
		snprintf(seen->extra, sizeof(seen->extra), "%.*s not requested", (int)(ne - ns),
			 ns);
	}
}

/* The header lines from p up to end. */
static int feed_upgrade_headers(struct feed_upgrade *u, const char *p, const char *end,
				struct feed_upgrade_seen *seen)
{
	const char *eol;

	for (; p < end; p = eol + 2) {
		const char *colon, *vs, *ve;

		eol = strstr(p, "\r\n");
		if (!eol || eol > end)
			eol = end;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon == p) {
			/* A refusal with junk headers is still reported by its status. */
			if (u->status == 101)
				return feed_upgrade_fail(u, "malformed HTTP header line%s", "");
		} else {
			vs = colon + 1;
			ve = eol;
			feed_upgrade_trim(&vs, &ve);
			feed_upgrade_header(u, seen, p, colon, vs, ve);
		}
	}
	return 0;
}

/* "upgrade refused: HTTP 503 Service Unavailable (Retry-After 2)". */
static int feed_upgrade_refused(struct feed_upgrade *u, const char *reason, const char *reason_end)
{
	char ra[48] = "";
	int rl = (int)(reason_end - reason);

	if (rl > 64)
		rl = 64;
	if (u->retry_after_ms >= 0)
		snprintf(ra, sizeof(ra), " (Retry-After %lld)",
			 (long long)(u->retry_after_ms / 1000));
	snprintf(u->err, sizeof(u->err), "upgrade refused: HTTP %d%s%.*s%s", u->status,
		 rl > 0 ? " " : "", rl, reason, ra);
	for (char *c = u->err; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
	return -EPROTO;
}

/* Validate the complete header block hdr[0, len) (ends with CRLF CRLF). */
static int feed_upgrade_check(struct feed_upgrade *u, size_t len)
{
	const char *end = u->hdr + len - 2; /* stop before the final CRLF */
	const char *reason, *reason_end, *p;
	struct feed_upgrade_seen seen = {0};

	if (feed_upgrade_status(u, &reason, &reason_end, &p) < 0 ||
	    feed_upgrade_headers(u, p, end, &seen) < 0)
		return -EPROTO;
	if (u->status != 101)
		return feed_upgrade_refused(u, reason, reason_end);
	if (seen.upgrade == 0)
		return feed_upgrade_fail(u, "upgrade response lacks \"Upgrade: websocket\"%s", "");
	if (seen.upgrade < 0)
		return feed_upgrade_fail(u, "upgrade response has Upgrade other than websocket%s",
					 "");
	if (!seen.conn)
		return feed_upgrade_fail(u, "upgrade response lacks \"Connection: upgrade\"%s", "");
	if (!seen.accept)
		return feed_upgrade_fail(u, "upgrade response lacks Sec-WebSocket-Accept%s", "");
	if (!seen.accept_ok)
		return feed_upgrade_fail(u, "bad Sec-WebSocket-Accept%s", "");
	if (seen.extra[0])
		return feed_upgrade_fail(u, "upgrade response: %s", seen.extra);
	u->done = 1;
	return 1;
}

int feed_upgrade_parse(struct feed_upgrade *u, const uint8_t *p, size_t n, size_t *used)
{
	size_t old = u->hdr_len, take, from, i;

	*used = 0;
	if (u->done)
		return 1;
	if (u->err[0])
		return -EPROTO;
	/* Keep one byte for a NUL so the validator can use string functions safely. */
	take = u->hdr_cap - 1 - old;
	if (take > n)
		take = n;
	memcpy(u->hdr + old, p, take);
	u->hdr_len = old + take;
	u->hdr[u->hdr_len] = '\0';
	/* Only the new bytes (and 3 before them) can complete a CRLF CRLF. */
	from = old >= 3 ? old - 3 : 0;
	for (i = from; i + 4 <= u->hdr_len; i++) {
		if (u->hdr[i] == '\r' && memcmp(u->hdr + i, "\r\n\r\n", 4) == 0) {
			size_t end = i + 4;
			int r;
			if (memchr(u->hdr, '\0', end)) {
				snprintf(u->err, sizeof(u->err),
					 "NUL byte in HTTP response header");
				return -EPROTO;
			}
			u->hdr[end] = '\0';
			*used = end - old;
			u->hdr_len = end;
			r = feed_upgrade_check(u, end);
			return r;
		}
	}
	if (u->hdr_len >= u->hdr_cap - 1) {
		snprintf(u->err, sizeof(u->err), "HTTP response header block larger than %zu bytes",
			 u->hdr_cap - 1);
		return -EPROTO;
	}
	*used = n;
	return 0;
}
