/* SPDX-License-Identifier: MIT */
/*
 * upgrade.h - HTTP/1.1 WebSocket upgrade (RFC 6455 section 4): build the
 * client request, parse the server response incrementally.  No I/O.
 *
 * The response header block is collected into a caller-provided buffer of
 * fixed size; a larger block is an error (no growth).  Bytes after the
 * blank line belong to the WebSocket stream and are reported as unused.
 */
#ifndef FEED_UPGRADE_H
#define FEED_UPGRADE_H

#include <stddef.h>
#include <stdint.h>

#define FEED_UPGRADE_HDR_MAX 8192 /* largest response header block accepted */

struct feed_upgrade {
	char key[32];		/* Sec-WebSocket-Key we sent (24 base64 chars) */
	char accept[32];	/* expected Sec-WebSocket-Accept (28 chars) */
	char *hdr;		/* header bytes collected so far (not owned) */
	size_t hdr_cap;		/* size of hdr */
	size_t hdr_len;		/* bytes in hdr */
	int done;		/* 101 validated */
	int status;		/* HTTP status once the status line is parsed, else 0 */
	int64_t retry_after_ms; /* Retry-After in ms (429/418/503 and others), -1 if absent */
	char err[256];		/* why the upgrade failed */
};

/* Attach the header buffer; resets the parser.  hdr_cap should be FEED_UPGRADE_HDR_MAX. */
void feed_upgrade_init(struct feed_upgrade *u, char *hdr, size_t hdr_cap);

/* Forget the previous attempt (key, status, collected bytes); keeps the buffer. */
void feed_upgrade_reset(struct feed_upgrade *u);

/*
 * Write the GET request into out (a fresh random key each call).  port is
 * omitted from Host when it is the default for the scheme (443 tls, 80 plain).
 * Returns 0 and *n, -ENOSPC if cap is too small, -EIO if RAND_bytes failed.
 */
int feed_upgrade_request(struct feed_upgrade *u, const char *host, uint16_t port, int tls,
			 const char *path, char *out, size_t cap, size_t *n);

/*
 * Feed response bytes.  Returns 0 (need more; all n consumed), 1 (upgrade
 * accepted; *used bytes were consumed, the rest is WebSocket data) or
 * -EPROTO (refused or malformed; u->err, u->status, u->retry_after_ms).
 */
int feed_upgrade_parse(struct feed_upgrade *u, const uint8_t *p, size_t n, size_t *used);

/* Sec-WebSocket-Accept for key: base64(SHA1(key + GUID)); out needs 29 bytes. 0 or -EIO. */
int feed_upgrade_accept_for(const char *key, char *out, size_t cap);

#endif /* FEED_UPGRADE_H */
